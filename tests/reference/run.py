#!/usr/bin/env python3
"""Randomized differential test: the C engine (through tests/engine_harness.c)
against the reference calculator (tests/reference/calculator.py).

    run.py --harness BUILD/tests/engine-harness [--seed N] [--count K]
           [--keep DIR] [--exclude FEATURE ...] [--jobs J]

Scenario i uses seed N + i (generator.py); odd seeds feed the transactions in
batches, three seeds in four run with session flags (no source ids, so that
components share monthly cells; some also without the input digest), and one in
three finishes on two threads (MDF funds replayed on the second). The
harness's lines are compared with the calculator's exactly; the digest line is
ignored. Each mismatching scenario is
written to DIR/seed-<seed>/ (plan.xml, inputs.tsv, as-of, expected.txt, got.txt,
features.txt) and a short diff is printed. Exit status 1 on any mismatch.

Before the random scenarios, the worked examples of domain.md / plan-format.md
(golden.py) are checked against both the calculator and the engine.

--exclude FEATURE makes the generator never produce that feature (see
generator.FEATURES); it is meant for engine bugs that are known and reported.
shrink.py reduces a kept scenario to a few rows for a bug report.
"""

import argparse
import concurrent.futures
import difflib
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True   # no __pycache__ in the source tree

import calculator  # noqa: E402
import generator   # noqa: E402
import golden      # noqa: E402

DEFAULT_SEED = 20260101
DEFAULT_COUNT = 300
# tally_session_flags: 0, TALLY_SESSION_NO_SOURCE_IDS (1) twice, and that with
# TALLY_SESSION_NO_INPUT_DIGEST (8).
SESSION_FLAGS = [0, 1, 1, 1 | 8]


def run_one(harness, seed, exclude, workdir):
    sc = generator.generate(seed, exclude)
    d = os.path.join(workdir, 'seed-%d' % seed)
    generator.write_scenario(sc, d)
    plan, inputs = os.path.join(d, 'plan.xml'), os.path.join(d, 'inputs.tsv')
    cmd = [harness, plan, inputs] + (['--as-of', sc.as_of] if sc.as_of else [])
    # Odd seeds feed transactions in batches of 1 ... 97 (which look ahead).
    if seed % 2:
        cmd += ['--batch', str(1 + seed % 97)]
    # Half the seeds keep no source ids (components then share monthly cells), a
    # quarter of those no input digest either: the lines must be the same.
    flags = SESSION_FLAGS[seed % 8 // 2]
    if flags:
        cmd += ['--flags', str(flags)]
    # A third of them finish on two threads: the lines must be the same.
    if seed % 3 == 0:
        cmd += ['--threads', '2']
    started = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    engine_time = time.monotonic() - started
    got = [l for l in proc.stdout.splitlines() if not l.startswith('digest\t')]
    if proc.returncode != 0:
        got.append('# harness exit %d' % proc.returncode)
        got += ['# ' + l for l in proc.stderr.splitlines()[:20]]
    started = time.monotonic()
    try:
        expected = calculator.calculate(plan, inputs, sc.as_of)
    except Exception as e:  # a reference bug is a failure too
        expected = ['# calculator raised %s: %s' % (type(e).__name__, e)]
    ref_time = time.monotonic() - started
    ok = got == expected
    if ok:
        shutil.rmtree(d, ignore_errors=True)
    else:
        with open(os.path.join(d, 'expected.txt'), 'w') as f:
            f.write('\n'.join(expected) + '\n')
        with open(os.path.join(d, 'got.txt'), 'w') as f:
            f.write('\n'.join(got) + '\n')
        with open(os.path.join(d, 'features.txt'), 'w') as f:
            f.write(' '.join(sorted(sc.features)) + '\n')
    return {'seed': seed, 'ok': ok, 'expected': expected, 'got': got, 'dir': d,
            'features': sorted(sc.features), 'lines': len(expected),
            'engine_time': engine_time, 'ref_time': ref_time,
            'tx': sum(1 for l in sc.inputs.splitlines() if l.startswith('T\t'))}


def run_golden(harness, workdir):
    """The documents' worked examples. Returns a list of failure messages."""
    failures = []
    for name, plan_text, records, as_of, answer in golden.SCENARIOS:
        d = os.path.join(workdir, 'golden-' + name)
        os.makedirs(d, exist_ok=True)
        plan, inputs = os.path.join(d, 'plan.xml'), os.path.join(d, 'inputs.tsv')
        with open(plan, 'w') as f:
            f.write(plan_text)
        with open(inputs, 'w') as f:
            f.write('\n'.join(records) + '\n')
        try:
            expected = calculator.calculate(plan, inputs, as_of)
        except Exception as e:
            expected = ['# calculator raised %s: %s' % (type(e).__name__, e)]
        if expected != answer:
            failures.append(('golden %s: the REFERENCE disagrees with the documents' % name,
                             answer, expected))
        cmd = [harness, plan, inputs] + (['--as-of', as_of] if as_of else [])
        proc = subprocess.run(cmd, capture_output=True, text=True)
        got = [l for l in proc.stdout.splitlines() if not l.startswith('digest\t')]
        if proc.returncode != 0:
            got += ['# harness exit %d' % proc.returncode] + [
                '# ' + l for l in proc.stderr.splitlines()[:20]]
        if got != answer:
            failures.append(('golden %s: the ENGINE disagrees with the documents (%s)'
                             % (name, d), answer, got))
        elif expected == answer:
            shutil.rmtree(d, ignore_errors=True)
    return failures


def short_diff(expected, got, limit):
    diff = list(difflib.unified_diff(expected, got, 'expected', 'got', lineterm='', n=0))
    if len(diff) > limit:
        diff = diff[:limit] + ['... (%d more diff lines)' % (len(diff) - limit)]
    return diff


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--harness', required=True, help='path of the engine-harness program')
    ap.add_argument('--seed', type=int, default=None,
                    help='first seed (default %d, or $TALLY_REFERENCE_SEED)' % DEFAULT_SEED)
    ap.add_argument('--count', type=int, default=None,
                    help='number of scenarios (default %d, or $TALLY_REFERENCE_COUNT)'
                    % DEFAULT_COUNT)
    ap.add_argument('--keep', default=None,
                    help='directory for mismatching scenarios (default: a new temporary one)')
    ap.add_argument('--exclude', nargs='*', default=[], metavar='FEATURE',
                    help='features the generator must not produce')
    ap.add_argument('--jobs', type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument('--diff-lines', type=int, default=12)
    args = ap.parse_args()

    seed = args.seed if args.seed is not None else int(
        os.environ.get('TALLY_REFERENCE_SEED', DEFAULT_SEED))
    count = args.count if args.count is not None else int(
        os.environ.get('TALLY_REFERENCE_COUNT', DEFAULT_COUNT))
    unknown = [f for f in args.exclude if f not in generator.FEATURES]
    if unknown:
        ap.error('unknown features: %s (known: %s)' % (' '.join(unknown),
                                                        ' '.join(generator.FEATURES)))
    harness = os.path.abspath(args.harness)
    if not os.access(harness, os.X_OK):
        ap.error('no engine harness at %s' % harness)
    keep = args.keep or tempfile.mkdtemp(prefix='tally-engine-reference-')
    os.makedirs(keep, exist_ok=True)
    print('engine-reference: seed %d, %d scenarios, excluded features: %s' % (
        seed, count, ' '.join(args.exclude) or 'none'), flush=True)

    started = time.monotonic()
    golden_failures = run_golden(harness, keep)
    for title, answer, got in golden_failures:
        print('\nMISMATCH ' + title)
        for line in short_diff(answer, got, args.diff_lines):
            print('  ' + line)
    print('%d golden scenarios (worked examples), %d mismatches' % (
        len(golden.SCENARIOS), len(golden_failures)), flush=True)
    results = []
    with concurrent.futures.ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(run_one, harness, seed + i, args.exclude, keep)
                   for i in range(count)]
        for fut in futures:
            results.append(fut.result())
    elapsed = time.monotonic() - started

    failures = [r for r in results if not r['ok']]
    coverage = {}
    for r in results:
        for f in r['features']:
            coverage[f] = coverage.get(f, 0) + 1
    for r in failures:
        print('\nMISMATCH seed %d (%s): %s' % (r['seed'], ' '.join(r['features']), r['dir']))
        for line in short_diff(r['expected'], r['got'], args.diff_lines):
            print('  ' + line)
    print('\nfeature coverage (scenarios): ' + ', '.join(
        '%s %d' % (f, coverage.get(f, 0)) for f in generator.FEATURES))
    print('%d scenarios, %d transactions, %d expected lines, %d mismatches, %.1f s '
          '(engine %.1f s, reference %.1f s)' % (
              len(results), sum(r['tx'] for r in results),
              sum(r['lines'] for r in results), len(failures), elapsed,
              sum(r['engine_time'] for r in results), sum(r['ref_time'] for r in results)))
    if failures or golden_failures:
        print('mismatching scenarios kept in ' + keep)
        return 1
    if not args.keep:
        shutil.rmtree(keep, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
