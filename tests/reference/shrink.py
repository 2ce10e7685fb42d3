#!/usr/bin/env python3
"""Shrinks a mismatching scenario (as kept by run.py) to a small one that still
mismatches: drops plan components, then input records, greedily in chunks.

    shrink.py --harness BUILD/tests/engine-harness SCENARIO_DIR [OUT_DIR]

Writes OUT_DIR (default SCENARIO_DIR/min) with plan.xml, inputs.tsv, as-of,
expected.txt and got.txt. A candidate counts only when the harness succeeds and its
lines differ from the calculator's.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True   # no __pycache__ in the source tree

import calculator  # noqa: E402

NS = 'urn:tally:plan:1'
ET.register_namespace('', NS)


def outcome(harness, plan_text, records, as_of, workdir):
    plan = os.path.join(workdir, 'plan.xml')
    inputs = os.path.join(workdir, 'inputs.tsv')
    with open(plan, 'w') as f:
        f.write(plan_text)
    with open(inputs, 'w') as f:
        f.write(''.join(records))
    cmd = [harness, plan, inputs] + (['--as-of', as_of] if as_of else [])
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        return None
    got = [l for l in proc.stdout.splitlines() if not l.startswith('digest\t')]
    try:
        expected = calculator.calculate(plan, inputs, as_of)
    except Exception:
        return None
    return expected, got


def differs(result):
    return result is not None and result[0] != result[1]


def plan_without(plan_text, index):
    root = ET.fromstring(plan_text)
    version = root.find('{%s}version' % NS)
    comps = list(version)
    if len(comps) <= 1:
        return None
    version.remove(comps[index])
    return ET.tostring(root, encoding='unicode') + '\n'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--harness', required=True)
    ap.add_argument('scenario')
    ap.add_argument('out', nargs='?')
    args = ap.parse_args()
    harness = os.path.abspath(args.harness)
    with open(os.path.join(args.scenario, 'plan.xml')) as f:
        plan_text = f.read()
    with open(os.path.join(args.scenario, 'inputs.tsv')) as f:
        records = [l for l in f if l.strip() and not l.startswith('#')]
    as_of = None
    path = os.path.join(args.scenario, 'as-of')
    if os.path.exists(path):
        as_of = open(path).read().strip() or None
    work = tempfile.mkdtemp(prefix='tally-shrink-')
    if not differs(outcome(harness, plan_text, records, as_of, work)):
        print('the scenario does not mismatch')
        return 1
    while True:
        before = (plan_text, len(records))
        # Components.
        i = 0
        while True:
            n = len(list(ET.fromstring(plan_text).find('{%s}version' % NS)))
            if i >= n:
                break
            candidate = plan_without(plan_text, i)
            if candidate is not None and differs(outcome(harness, candidate, records, as_of,
                                                         work)):
                plan_text = candidate
            else:
                i += 1
        # Records, in shrinking chunks.
        chunk = max(1, len(records) // 2)
        while chunk >= 1:
            i = 0
            while i < len(records):
                candidate = records[:i] + records[i + chunk:]
                if candidate and differs(outcome(harness, plan_text, candidate, as_of, work)):
                    records = candidate
                else:
                    i += chunk
            chunk //= 2
        # The as-of date.
        if as_of is not None and differs(outcome(harness, plan_text, records, None, work)):
            as_of = None
        if (plan_text, len(records)) == before:
            break
    out = args.out or os.path.join(args.scenario, 'min')
    os.makedirs(out, exist_ok=True)
    expected, got = outcome(harness, plan_text, records, as_of, out)
    with open(os.path.join(out, 'as-of'), 'w') as f:
        f.write((as_of or '') + '\n')
    with open(os.path.join(out, 'expected.txt'), 'w') as f:
        f.write('\n'.join(expected) + '\n')
    with open(os.path.join(out, 'got.txt'), 'w') as f:
        f.write('\n'.join(got) + '\n')
    print(plan_text)
    print(''.join(records), end='')
    print('as-of: %s' % as_of)
    print('--- expected\n' + '\n'.join(expected))
    print('--- got\n' + '\n'.join(got))
    return 0


if __name__ == '__main__':
    sys.exit(main())
