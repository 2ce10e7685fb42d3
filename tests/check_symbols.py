#!/usr/bin/env python3
"""ABI check: the public headers' TALLY_API functions, the linker version script and
the shared library's exported symbols must be the same set, all prefixed tally_."""

import pathlib
import re
import subprocess
import sys

DECLARATION = re.compile(r"\bTALLY_API\b[^;{]*?\b(tally_\w+)\s*\(", re.S)
MAP_ENTRY = re.compile(r"^\s*(tally_\w+);", re.M)


def header_symbols(include_dirs):
    names = set()
    for include_dir in include_dirs:
        for header in pathlib.Path(include_dir).glob("*.h*"):
            names |= set(DECLARATION.findall(header.read_text()))
    return names


def exported_symbols(library):
    out = subprocess.run(["nm", "-D", "--defined-only", library], capture_output=True,
                         text=True, check=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TDBRVW" and not parts[2].startswith("TALLY_"):
            names.add(parts[2].split("@")[0])
    return names


def report(label, names):
    if names:
        print(f"{label}: {', '.join(sorted(names))}")
    return bool(names)


def main(library, symbol_map, *include_dirs):
    headers = header_symbols(include_dirs)
    in_map = set(MAP_ENTRY.findall(pathlib.Path(symbol_map).read_text()))
    exported = exported_symbols(library)
    bad = report("declared in headers but missing from tally.map", headers - in_map)
    bad |= report("in tally.map but not declared with TALLY_API", in_map - headers)
    bad |= report("exported but not public", exported - headers)
    bad |= report("public but not exported", headers - exported)
    bad |= report("exported without the tally_ prefix",
                  {name for name in exported if not name.startswith("tally_")})
    print(f"symbols: {len(headers)} public functions, {len(exported)} exported")
    return 1 if bad or not headers else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
