#!/usr/bin/env python3
"""Compares the peer benchmark's outputs line by line, to the cent.

Each output is read into {(component, partner, quarter): cents}:
- tally's `--format csv` (component,version,period,tier_period,payee,kind,amount,
  currency): earned, true-up and clawback lines keep their component; MDF ledger
  lines become component mdf/accrued, mdf/balance, ... (from their kind);
- the SQLite and Python outputs (component,partner,quarter,amount).

Every key must be present in every output with exactly the same amount; any
difference is printed (the first 20 of them) and the exit status is 1.

Usage: check.py tally.csv sqlite.csv python.csv   (names taken from the file names)
"""

import csv
import os
import sys
from decimal import Decimal


class Mismatch(Exception):
    pass


def cents(text, where):
    value = Decimal(text)
    scaled = value * 100
    if scaled != scaled.to_integral_value():
        raise Mismatch("%s: amount %r is not whole cents" % (where, text))
    return int(scaled)


def read_lines(path):
    lines = {}
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise Mismatch("%s: empty output" % path)
        tally = header[:2] == ["component", "version"]
        for number, row in enumerate(reader, start=2):
            where = "%s:%d" % (path, number)
            if tally:
                component, _version, period, _tier, payee, kind, amount = row[:7]
                if kind.startswith("mdf-"):
                    component = "%s/%s" % (component, kind[4:])
                key = (component, payee, period)
            else:
                component, partner, quarter, amount = row
                key = (component, partner, quarter)
            if key in lines:
                raise Mismatch("%s: line %s given twice" % (where, "/".join(key)))
            lines[key] = cents(amount, where)
    return lines


def compare(outputs):
    """outputs: [(name, path)]. Returns (lines, {component: total cents}) of the
    first; raises Mismatch describing the differences."""
    tables = [(name, read_lines(path)) for name, path in outputs]
    keys = set()
    for _name, table in tables:
        keys.update(table)
    problems = []
    for key in sorted(keys):
        values = [table.get(key) for _name, table in tables]
        if any(v != values[0] for v in values):
            problems.append("  %-32s %s" % ("/".join(key), "  ".join(
                "%s=%s" % (name, "missing" if v is None else "%.2f" % (v / 100))
                for (name, _t), v in zip(tables, values))))
    if problems:
        raise Mismatch("%d of %d lines differ:\n%s%s" % (
            len(problems), len(keys), "\n".join(problems[:20]),
            "\n  ..." if len(problems) > 20 else ""))
    totals = {}
    for (component, _p, _q), value in tables[0][1].items():
        totals[component] = totals.get(component, 0) + value
    return len(keys), totals


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    outputs = [(os.path.splitext(os.path.basename(p))[0], p) for p in argv]
    try:
        count, totals = compare(outputs)
    except Mismatch as problem:
        print("peers check: FAILED: %s" % problem, file=sys.stderr)
        return 1
    print("peers check: %d lines identical in %s" % (count, ", ".join(n for n, _ in outputs)))
    for component in sorted(totals):
        print("  %-12s %18.2f" % (component, totals[component] / 100))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
