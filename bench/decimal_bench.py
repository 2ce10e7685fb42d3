#!/usr/bin/env python3
"""Decimal benchmark: tally against Python's decimal module, in one run.

Runs bench/decimal_bench.c (path given first) on a deterministic data set, times
Python's decimal on the very same values (the C program writes them with --dump),
checks that both compute the same multiply+round results, and prints operations per
second for parse, add, multiply+round and format with the ratio tally / Python.
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


def run_tally(binary, count, min_seconds, dump_path):
    command = [binary, "--count", str(count), "--min-seconds", str(min_seconds),
               "--dump", dump_path, "--print-results", str(CHECKED_RESULTS)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rates, results = {}, []
    for line in out.splitlines():
        fields = line.split("\t")
        if fields[0] == "result":
            results.append(fields[1])
        else:
            rates[fields[0]] = float(fields[1])
    return rates, results


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
    context = decimal.Context(prec=38, rounding=decimal.ROUND_HALF_EVEN)
    amounts = [decimal.Decimal(a) for a, _ in texts]
    rates = [decimal.Decimal(r) for _, r in texts]
    pairs = list(zip(amounts, rates))
    count = len(texts)

    def parse():
        for amount_text, _ in texts:
            decimal.Decimal(amount_text)

    def add():
        total = decimal.Decimal(0)
        for amount in amounts:
            total = context.add(total, amount)

    def mul_round():
        for amount, rate in pairs:
            context.multiply(amount, rate).quantize(CENT, context=context)

    def format_():
        for amount in amounts:
            format(amount, "f")

    return {name: timed(op, min_seconds, count) for name, op in
            [("parse", parse), ("add", add), ("mul_round", mul_round), ("format", format_)]}


def python_results(texts):
    context = decimal.Context(prec=80, rounding=decimal.ROUND_HALF_EVEN)
    return [format(context.multiply(decimal.Decimal(a), decimal.Decimal(r))
                   .quantize(CENT, context=context), "f")
            for a, r in texts[:CHECKED_RESULTS]]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--min-seconds", type=float, default=0.3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        dump_path = os.path.join(scratch, "values.tsv")
        tally_rates, tally_results = run_tally(args.binary, args.count, args.min_seconds,
                                               dump_path)
        with open(dump_path) as dump:
            texts = [tuple(line.rstrip("\n").split("\t")) for line in dump]
    expected = python_results(texts)
    mismatches = [(i, t, p) for i, (t, p) in enumerate(zip(tally_results, expected)) if t != p]
    python_rates = run_python(texts, args.min_seconds)
    print(f"decimal benchmark: {len(texts)} values, at least {args.min_seconds} s per measurement")
    print(f"{'operation':<12}{'tally ops/s':>16}{'python ops/s':>16}{'tally/python':>14}")
    for name in ("parse", "add", "mul_round", "format"):
        ratio = tally_rates[name] / python_rates[name]
        print(f"{name:<12}{tally_rates[name]:>16,.0f}{python_rates[name]:>16,.0f}{ratio:>13.1f}x")
    for index, got, wanted in mismatches[:10]:
        print(f"MISMATCH row {index} {texts[index]}: tally {got}, python {wanted}")
    checked = min(len(tally_results), len(expected))
    print(f"decimal-bench: {checked - len(mismatches)} passed, {len(mismatches)} failed")
    return 1 if mismatches or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
