#!/usr/bin/env python3
"""Benchmark against peers (issue 6, item 12): the same workload, side by side.

For each row count, generates a year of sales once (generate.py, reused by all
the runs and, with --keep, by later invocations), then runs the reference
workload three ways, each as its own process:

  tally   tally run workload.xml --transactions T --partners P --format csv
                    --no-source-ids --trust-ids --quiet -o OUT
          (with --quiet and CSV output no digest is shown, so tally computes
          none; --digests runs it without --quiet: it then hashes every row for
          the input digest and prints its summary with the result digest)
  sqlite  sqlite3 -batch -bail :memory: < workload.sql   (.import + SQL on cents)
  python  python3 workload_decimal.py                    (csv module + decimal)

and, with --minimal PATH, a fourth, the issue's calibration point ("a minimal
hand-written C loop over the same file, with no quoting or error handling"):

  minimal PATH --transactions T --out OUT   (bench/peers/minimal.c, libc only;
          built as BUILD/bench/minimal)

each run with its inputs read once beforehand, untimed, so that every tool finds
them in the page cache (a file read from disk first would cost the tool that
happens to run first a second or more at 10 million rows; a machine that reclaims
cold pages, as DAMON does, makes that happen between runs); with --repeat N the
tools take turns N times and each tool's median wall time is reported. It then
checks that all of them produce identical lines (check.py; any difference fails
loudly, exit status 1), and prints one table: wall time, rows/s and peak memory
(maximum resident set, from /usr/bin/time -f %M when available, else the
child's own rusage from wait4) of each, and how many times faster tally is than
SQLite and than Python (for the minimal loop, below 1: its wall / tally's). With
--minimal, one more line per size says how many times faster the minimal loop is
than SQLite and than Python, and how many times its time tally takes. The
issue's targets: tally >= 20x faster than both, and under 64 MiB of peak memory at
10 million rows.

Usage: run.py --tally PATH [--rows 1000000,10000000] [--keep DIR] [--seed S]
              [--repeat N] [--sqlite sqlite3] [--python python3]
              [--tally-args '--threads 1'] [--digests] [--minimal PATH]
Exit status: 0 when all outputs agree (whether or not the targets are met),
1 on any difference or failed run, 77 (skip) when sqlite3 is not installed.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import check  # noqa: E402
import generate  # noqa: E402

TIME = "/usr/bin/time"
SPEEDUP_TARGET = 20.0
MEMORY_TARGET_MIB = 64.0


def dataset(root, rows, seed):
    """Generates (or reuses) the data for `rows`; returns (transactions, partners, seconds)."""
    directory = os.path.join(root, "rows-%d-seed-%d" % (rows, seed))
    stamp = os.path.join(directory, "complete")
    tx = os.path.join(directory, "transactions.csv")
    partners = os.path.join(directory, "partners.csv")
    if os.path.exists(stamp):
        return tx, partners, None
    started = time.perf_counter()
    generate.generate(rows, directory, seed)
    with open(stamp, "w", encoding="utf-8") as out:
        out.write("rows=%d seed=%d\n" % (rows, seed))
    return tx, partners, time.perf_counter() - started


def measure(command, stdin_text=None):
    """Runs command; returns (wall seconds, peak RSS in KiB). Raises on failure."""
    use_time = os.access(TIME, os.X_OK)
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        full = [TIME, "-f", "%M", "-o", rss.name] + command if use_time else command
        started = time.perf_counter()
        process = subprocess.Popen(full, stdin=subprocess.PIPE if stdin_text else None)
        if stdin_text:
            process.stdin.write(stdin_text.encode("utf-8"))
            process.stdin.close()
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise RuntimeError("%s exited with status %d" % (command[0], process.returncode))
        if use_time:
            peak = int(rss.read().split()[-1])
        else:
            peak = usage.ru_maxrss  # KiB on Linux
    return wall, peak


def warm(paths):
    """Reads each file through once, so that the timed run finds it in the page cache."""
    for path in paths:
        with open(path, "rb") as handle:
            while handle.read(1 << 20):
                pass


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def run_size(root, rows, args):
    tx, partners, gen_seconds = dataset(root, rows, args.seed)
    if gen_seconds is not None:
        print("peers: generated %d rows in %.1f s (%s, %.0f MiB)" % (
            rows, gen_seconds, tx, os.path.getsize(tx) / 2**20), flush=True)
    out_dir = os.path.dirname(tx)
    names = ["tally", "sqlite", "python"] + (["minimal"] if args.minimal else [])
    outputs = {name: os.path.join(out_dir, name + ".csv") for name in names}
    for path in outputs.values():
        if os.path.exists(path):
            os.remove(path)
    with open(os.path.join(HERE, "workload.sql"), encoding="utf-8") as handle:
        script = handle.read().replace("@TRANSACTIONS@", tx).replace("@OUT@", outputs["sqlite"])
    commands = [
        ("tally", [args.tally, "run", os.path.join(HERE, "workload.xml"), "--transactions", tx,
                   "--partners", partners, "--format", "csv", "--no-source-ids", "--trust-ids",
                   "-o", outputs["tally"]] + ([] if args.digests else ["--quiet"]) +
         args.tally_args.split(), None),
        ("sqlite", [args.sqlite, "-batch", "-bail", ":memory:"], script),
        ("python", [args.python, os.path.join(HERE, "workload_decimal.py"),
                    "--transactions", tx, "--out", outputs["python"]], None),
    ]
    if args.minimal:
        commands.append(("minimal", [args.minimal, "--transactions", tx,
                                     "--out", outputs["minimal"]], None))
    runs = {name: [] for name, _c, _s in commands}
    for turn in range(args.repeat):
        for name, command, stdin_text in commands:
            warm([tx, partners])
            print("peers: %d rows: %s%s ..." % (
                rows, name, " (turn %d)" % (turn + 1) if args.repeat > 1 else ""),
                end="", flush=True)
            runs[name].append(measure(command, stdin_text))
            print(" %.2f s" % runs[name][-1][0], flush=True)
    results = {name: (median([wall for wall, _peak in measured]),
                      max(peak for _wall, peak in measured))
               for name, measured in runs.items()}
    count, totals = check.compare([(name, outputs[name]) for name, _c, _s in commands])
    print("peers: %d rows: %d lines identical in %s; totals %s" % (
        rows, count, ", ".join(names),
        ", ".join("%s %.2f" % (c, totals[c] / 100) for c in sorted(totals))), flush=True)
    return results


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tally", required=True, help="the tally executable")
    parser.add_argument("--rows", default="1000000,10000000",
                        help="comma-separated row counts (default 1000000,10000000)")
    parser.add_argument("--keep", metavar="DIR",
                        help="generate into DIR and keep (and reuse) the data and outputs")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="run the tools N times, taking turns; report median walls")
    parser.add_argument("--sqlite", default="sqlite3")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--tally-args", default="", metavar="ARGS",
                        help="more options for tally run, space-separated "
                             "(e.g. '--threads 1')")
    parser.add_argument("--digests", action="store_true",
                        help="run tally without --quiet, so that it computes (and prints) "
                             "the input and result digests")
    parser.add_argument("--minimal", metavar="PATH",
                        help="also run this build of bench/peers/minimal.c (BUILD/bench/minimal), "
                             "the workload as a minimal hand-written C loop, for scale")
    args = parser.parse_args(argv)
    try:
        sizes = [int(n) for n in args.rows.split(",") if n.strip()]
    except ValueError:
        parser.error("--rows takes comma-separated integers")
    if not sizes or min(sizes) < 1:
        parser.error("--rows needs at least one count of 1 or more")
    if args.repeat < 1:
        parser.error("--repeat needs 1 or more")
    found = shutil.which(args.sqlite)
    if not found:
        print("peers: %s not found (Debian package sqlite3; scripts/install-deps installs it): "
              "skipped" % args.sqlite, file=sys.stderr)
        return 77
    args.sqlite = found
    args.tally = os.path.abspath(args.tally)
    if args.minimal:
        if not os.access(args.minimal, os.X_OK):
            parser.error("--minimal: %s is not an executable (build it: BUILD/bench/minimal)"
                         % args.minimal)
        args.minimal = os.path.abspath(args.minimal)

    root = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="tally-peers-")
    os.makedirs(root, exist_ok=True)
    table = []
    try:
        for rows in sizes:
            table.append((rows, run_size(root, rows, args)))
    except check.Mismatch as problem:
        print("\npeers: FAILED: the implementations disagree: %s" % problem, file=sys.stderr)
        return 1
    except RuntimeError as problem:
        print("\npeers: FAILED: %s" % problem, file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    memory_source = "/usr/bin/time %M" if os.access(TIME, os.X_OK) else "wait4 ru_maxrss"
    print()
    print("%12s  %-7s %10s %12s %10s  %s" % ("rows", "tool", "wall s", "rows/s",
                                            "peak MiB", "tally speed-up"))
    verdicts, scale = [], []
    for rows, results in table:
        tally_wall, tally_peak = results["tally"]
        for name in results:
            wall, peak = results[name]
            ratio = "" if name == "tally" else "%.*fx" % (
                1 if wall >= tally_wall else 2, wall / tally_wall)
            print("%12d  %-7s %10.2f %12.0f %10.1f  %s" % (rows, name, wall, rows / wall,
                                                        peak / 1024, ratio))
        for name in ("sqlite", "python"):
            speedup = results[name][0] / tally_wall
            verdicts.append("%d rows: tally/%s %.1fx (target >= %.0fx): %s" % (
                rows, name, speedup, SPEEDUP_TARGET,
                "met" if speedup >= SPEEDUP_TARGET else "NOT met"))
        if "minimal" in results:
            minimal_wall = results["minimal"][0]
            scale.append("%d rows: minimal C loop: %.1fx SQLite, %.1fx Python; "
                         "tally takes %.1fx its time" % (
                             rows, results["sqlite"][0] / minimal_wall,
                             results["python"][0] / minimal_wall, tally_wall / minimal_wall))
        if rows >= 10_000_000:
            verdicts.append("%d rows: tally peak memory %.1f MiB (target < %.0f MiB): %s" % (
                rows, tally_peak / 1024, MEMORY_TARGET_MIB,
                "met" if tally_peak / 1024 < MEMORY_TARGET_MIB else "NOT met"))
    print("(peak memory: maximum resident set size, %s; speed-up: peer wall / tally wall%s;"
          " inputs in the page cache)" % (
              memory_source, "; walls: medians of %d turns" % args.repeat if args.repeat > 1
              else ""))
    for verdict in verdicts:
        print("target: " + verdict)
    for line in scale:
        print("scale: " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
