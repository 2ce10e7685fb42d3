#!/usr/bin/env python3
"""Fails when a library source names a binary floating-point type or function.

The build also compiles lib/ with -mgeneral-regs-only where the compiler supports
it; this scan keeps the rule visible on every platform."""

import pathlib
import re
import sys

FORBIDDEN = re.compile(r"\b(float|double|long\s+double|_Float\d+|strtod|strtof|atof|"
                       r"[a-z]*printf\s*\([^;]*%[-+ #0-9.]*[fFeEgGaA])\b")
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)


def main(root):
    bad = []
    sources = sorted(pathlib.Path(root).rglob("*.[ch]"))
    for path in sources:
        # Blank out comments but keep their newlines so line numbers stay right.
        code = COMMENT.sub(lambda m: "\n" * m.group().count("\n"), path.read_text())
        for number, line in enumerate(code.splitlines(), 1):
            if FORBIDDEN.search(line):
                bad.append(f"{path}:{number}: {line.strip()}")
    for entry in bad:
        print(entry)
    print(f"no-float: {len(sources)} files scanned, {len(bad)} uses of floating point")
    return 1 if bad or not sources else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
