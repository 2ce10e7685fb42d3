#!/usr/bin/env python3
"""Decimal benchmark: tally against Python's decimal module, in one run.

Runs bench/decimal_bench.c (path given first) on a deterministic data set, times
Python's decimal on the very same values (the C program writes them with --dump),
checks that both agree (multiply+round and format on the first rows, the sum of
all amounts), and prints operations per second for parse, add, multiply+round and
format with the ratio tally / Python. Exits 1 on any disagreement.

Python's figures include the interpreter's loop overhead: they measure what a
Python program doing this work would get, not libmpdec alone.
"""

import argparse
import decimal
import os
import subprocess
import sys
import tempfile
import time

CHECKED_RESULTS = 1000
CENT = decimal.Decimal("0.01")
OPERATIONS = ("parse", "add", "mul_round", "format")


def money_context():
    """Enough precision (2 x 38 digits and more) that every sum and product of the
    data set is exact, as in tally; only quantize rounds."""
    return decimal.Context(prec=80, rounding=decimal.ROUND_HALF_EVEN)


def run_tally(binary, count, min_seconds, dump_path):
    command = [binary, "--count", str(count), "--min-seconds", str(min_seconds),
               "--dump", dump_path, "--print-results", str(CHECKED_RESULTS)]
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"decimal-bench: {binary} failed with {run.returncode}:\n{run.stderr}")
    out = run.stdout
    rates, results, total = {}, [], None
    for line in out.splitlines():
        fields = line.split("\t")
        if fields[0] == "result":
            results.append((fields[1], fields[2]))
        elif fields[0] == "total":
            total = fields[1]
        else:
            rates[fields[0]] = float(fields[1])
    missing = [name for name in OPERATIONS if name not in rates]
    if missing:
        sys.exit(f"decimal-bench: no timing for {', '.join(missing)} in:\n{out}")
    return rates, results, total


def timed(operation, min_seconds, count):
    """Operations per second of `operation` (one pass over `count` values)."""
    passes, start = 0, time.perf_counter()
    while True:
        operation()
        passes += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return passes * count / elapsed


def run_python(texts, min_seconds):
    """Idiomatic Python (operators, locals bound once) on the same values."""
    Decimal, half_even, cent = decimal.Decimal, decimal.ROUND_HALF_EVEN, CENT
    amount_texts = [a for a, _ in texts]
    amounts = [Decimal(a) for a in amount_texts]
    pairs = list(zip(amounts, (Decimal(r) for _, r in texts)))

    def parse():
        for text in amount_texts:
            Decimal(text)

    def add():
        total = Decimal(0)
        for amount in amounts:
            total = total + amount

    def mul_round():
        for amount, rate in pairs:
            (amount * rate).quantize(cent, rounding=half_even)

    def format_():
        for amount in amounts:
            format(amount, "f")

    ops = {"parse": parse, "add": add, "mul_round": mul_round, "format": format_}
    with decimal.localcontext(money_context()):
        return {name: timed(ops[name], min_seconds, len(texts)) for name in OPERATIONS}


def plain(value):
    """Python's text for a result, in tally's convention that zero has no sign."""
    return format(value.copy_abs() if value.is_zero() else value, "f")


def python_results(texts):
    """(payout, amount) texts for the first rows and the sum of all amounts."""
    with decimal.localcontext(money_context()):
        results = []
        for amount_text, rate_text in texts[:CHECKED_RESULTS]:
            amount = decimal.Decimal(amount_text)
            payout = (amount * decimal.Decimal(rate_text)).quantize(CENT)
            results.append((plain(payout), plain(amount)))
        total = sum((decimal.Decimal(a) for a, _ in texts), decimal.Decimal(0))
        return results, plain(total)


def find_mismatches(texts, tally_results, tally_total, expected, expected_total):
    """Messages for every disagreement; also when tally printed too few results."""
    wanted = min(CHECKED_RESULTS, len(texts))
    problems = []
    if len(tally_results) != wanted:
        problems.append(f"tally printed {len(tally_results)} results, expected {wanted}")
    for index, (got, want) in enumerate(zip(tally_results, expected)):
        for what, tally_text, python_text in zip(("mul_round", "format"), got, want):
            if tally_text != python_text:
                problems.append(f"row {index} {texts[index]} {what}: tally {tally_text}, "
                                f"python {python_text}")
    if tally_total != expected_total:
        problems.append(f"sum: tally {tally_total}, python {expected_total}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--min-seconds", type=float, default=0.3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        dump_path = os.path.join(scratch, "values.tsv")
        tally_rates, tally_results, tally_total = run_tally(
            args.binary, args.count, args.min_seconds, dump_path)
        with open(dump_path) as dump:
            texts = [tuple(line.rstrip("\n").split("\t")) for line in dump]
    expected, expected_total = python_results(texts)
    problems = find_mismatches(texts, tally_results, tally_total, expected, expected_total)
    python_rates = run_python(texts, args.min_seconds)
    print(f"decimal benchmark: {len(texts)} values, at least {args.min_seconds} s per measurement")
    print(f"{'operation':<12}{'tally ops/s':>14}{'python-decimal ops/s':>23}"
          f"{'ratio (tally/python)':>23}")
    for name in OPERATIONS:
        ratio = tally_rates[name] / python_rates[name]
        print(f"{name:<12}{tally_rates[name]:>14,.0f}{python_rates[name]:>23,.0f}"
              f"{ratio:>22.1f}x")
    for problem in problems[:10]:
        print(f"MISMATCH {problem}")
    print(f"decimal-bench: agreement on {len(expected)} rows and the sum of {len(texts)} "
          f"amounts: {'FAILED' if problems else 'ok'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
