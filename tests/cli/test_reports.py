#!/usr/bin/env python3
"""Tests of tally's audit bundles, programme report, partner statements, progress bar
and manual page, run by meson as 'cli-reports':

    test_reports.py TALLY_EXE SOURCE_ROOT

- `tally run --bundle OUT` and `tally replay OUT`: a bundle replays as a match; a
  tampered input or result gives exit 1, the file named and the first differing
  line with its number;
- `tally report`: every number of a small crafted data set, worked out by hand
  below, in the table, CSV, JSON and HTML formats;
- `tally statement`: the HTML is self-contained, and headless Chromium renders it
  (--dump-dom: the partner, amounts and totals are in the rendered DOM) and prints
  it (--print-to-pdf). Chromium is required: without it the test fails and says
  how to install it (scripts/install-deps does, and CI runs that);
- the progress bar: silent when standard error is not a terminal, drawn under a
  pseudo-terminal (Python's pty module) for a large input;
- docs/tally.1 formats without warnings with `man -l` (skipped, with the reason,
  where man is not installed).

Standard library only. Prints one PASS/FAIL/SKIP line per test; exits 1 on a failure.
"""
import csv
import io
import json
import os
import pty
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import traceback

TALLY = os.path.abspath(sys.argv[1])
ROOT = os.path.abspath(sys.argv[2])
PLAN = os.path.join(ROOT, 'examples', 'reseller-programme.xml')
DATA = os.path.join(ROOT, 'examples', 'data', 'reseller')
EXAMPLE = [PLAN, '--transactions', os.path.join(DATA, 'transactions.csv'),
           '--partners', os.path.join(DATA, 'partners.csv'),
           '--claims', os.path.join(DATA, 'claims.csv')]
TMP = tempfile.mkdtemp(prefix='tally-reports-')
EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_IO = 0, 1, 2, 3
SKIPPED = []


class Run:
    def __init__(self, args, stdin=None, cwd=None):
        proc = subprocess.run([TALLY] + args, input=stdin, capture_output=True, timeout=120,
                              cwd=cwd)
        self.code = proc.returncode
        self.out = proc.stdout.decode('utf-8')
        self.err = proc.stderr.decode('utf-8')

    def expect(self, code):
        assert self.code == code, 'exit %d, expected %d\nstdout:\n%s\nstderr:\n%s' % (
            self.code, code, self.out, self.err)
        return self


def tally(*args, stdin=None):
    return Run(list(args), stdin)


def write(name, text):
    path = os.path.join(TMP, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8', newline='') as f:
        f.write(text)
    return path


def skip(reason):
    SKIPPED.append(reason)


# ---- the crafted data set, by hand ----
#
# Quarterly volume rebate, whole tiers [0, 10000) 1 %, [10000, 50000) 2 %,
# [50000, ...) 3 %; MDF accruing 5 % per quarter, usable for 3 months after the
# quarter, half of each claim reimbursed. Partners A, B, C, D (D sells nothing).
# The report covers 2026-H1 as of 2026-06-30; the baseline is 2025-H1.
#
#   2025-Q1: A 40,000, B 20,000                      (baseline revenue 60,000)
#   2026-Q1: A 30,000 + 30,000, B 12,000, C 4,000 - 4,000 (a return)
#   2026-Q2: A 8,000, B 2,000; A claims MDF for an activity costing 2,000
#
# Volume rebate: 2026-Q1 A 60,000 x 3 % = 1800.00, B 12,000 x 2 % = 240.00, C 0 x 1 %
# = 0.00; 2026-Q2 A 8,000 x 1 % = 80.00, B 2,000 x 1 % = 20.00: 2140.00.
# MDF: accrued 2026-Q1 A 3000 + B 600 + C 0, 2026-Q2 A 400 + B 100: 4100.00. A's
# claim requests 2,000 x 0.5 = 1000 and draws it from A's 2026-Q1 accrual (usable
# 2026-04-01 ... 2026-06-30): reimbursed 1000.00. On 2026-06-30 the rest of the
# 2026-Q1 accruals expires: A 2000 + B 600 = 2600.00. Balances at the end: A
# 2000 + 3000 + 400 accrued - 1000 reimbursed - 2000 - 2000 expired = 400, B
# 1000 + 600 + 100 - 1000 - 600 = 100, C 0: 500.00. Utilised 1000 / 4100 = 24.39 %,
# expired 2600 / 4100 = 63.41 %.
# Cost: 2140.00 + 1000.00 (MDF reimbursed) = 3140.00. Revenue of 2026-H1: 82000.00;
# cost 3140 / 82000 = 3.83 %, volume 2.61 %, fund 1.22 %. Growth: (82000 - 60000) /
# 60000 = 36.67 %. Earning: A 1880 + 1000 = 2880.00, B 260.00, C 0: 2 of 4
# partners, 50.00 %. Leaders: A 68000.00 (82.93 %, baseline 40000.00, +70.00 %),
# B 14000.00 (17.07 %, 20000.00, -30.00 %), C 0.00 (0.00 %, no baseline: n/a).
# Tiers: 2026-Q1 one payee in each band (C, B, A), 2026-Q2 A and B in band 1; the
# latest period's standings: A 8000 (2000.00 to band 2), B 2000 (8000.00).

REPORT_PLAN = '''<?xml version="1.0" encoding="UTF-8"?>
<plan xmlns="urn:tally:plan:1" format-version="1" id="report-test" name="Report test"
      currency="USD">
  <version id="v1" effective-from="2025-01-01">
    <rebate id="volume" period="quarter">
      <tiers mode="whole" measure="amount">
        <band from="0" to="10000" rate="0.01"/>
        <band from="10000" to="50000" rate="0.02"/>
        <band from="50000" rate="0.03"/>
      </tiers>
    </rebate>
    <mdf id="fund" period="quarter" accrual-rate="0.05" expiry-months="3"
         co-funding="0.5"/>
  </version>
</plan>
'''
REPORT_PARTNERS = 'id,type\nA,reseller\nB,reseller\nC,reseller\nD,reseller\n'
REPORT_TX = '''id,date,partner,amount
b1,2025-02-01,A,40000
b2,2025-03-01,B,20000
t1,2026-01-10,A,30000
t2,2026-02-15,A,30000
t3,2026-03-01,B,12000
t4,2026-03-20,C,4000
t5,2026-03-25,C,-4000
t6,2026-04-10,A,8000
t7,2026-05-05,B,2000
'''
REPORT_CLAIMS = 'id,partner,date,amount,activity\nc1,A,2026-04-20,2000,roadshow\n'


def report_inputs():
    plan = write('report/plan.xml', REPORT_PLAN)
    return [plan, '--transactions', write('report/tx.csv', REPORT_TX),
            '--partners', write('report/partners.csv', REPORT_PARTNERS),
            '--claims', write('report/claims.csv', REPORT_CLAIMS),
            '--period', '2026-H1', '--as-of', '2026-06-30']


BASELINE = ['--baseline-from', '2025-01-01', '--baseline-to', '2025-06-30']


# ---- bundle and replay ----

def bundle_dir(name):
    path = os.path.join(TMP, name)
    shutil.rmtree(path, ignore_errors=True)
    return path


def test_bundle_contents():
    out = bundle_dir('bundle-ok')
    r = tally('run', *EXAMPLE, '--period', '2026-Q2', '--as-of', '2026-06-30',
              '--map', 'partners:tier=tier', '--bundle', out).expect(EXIT_OK)
    assert 'audit bundle written to ' + out in r.err, r.err
    names = sorted(os.path.relpath(os.path.join(d, f), out)
                   for d, _, files in os.walk(out) for f in files)
    assert names == ['inputs/1-transactions.csv', 'inputs/2-partners.csv',
                     'inputs/3-claims.csv', 'manifest.json', 'plan.xml', 'result.canonical',
                     'result.csv'], names
    with open(os.path.join(out, 'manifest.json'), encoding='utf-8') as f:
        manifest = json.load(f)
    assert manifest['format'] == 'tally-bundle-1'
    assert manifest['tally_version'] == tally('--version').out.split()[1]
    options = manifest['options']
    assert options['period'] == '2026-Q2' and options['as_of'] == '2026-06-30'
    assert options['lines_from'] == '2026-04-01' and options['lines_to'] == '2026-06-30'
    assert options['map'] == {'partners': 'tier=tier'} and options['on_error'] == 'stop'
    assert options['flags'] == []
    # Every file's SHA-256 and size, computed here independently.
    import hashlib
    entries = [manifest['plan']] + manifest['inputs']
    sources = [PLAN] + EXAMPLE[2::2]
    for entry, source in zip(entries, sources):
        with open(os.path.join(out, entry['file']), 'rb') as f:
            data = f.read()
        with open(source, 'rb') as f:
            assert f.read() == data, entry['file']
        assert entry['sha256'] == hashlib.sha256(data).hexdigest(), entry
        assert entry['size'] == len(data) and entry['source'] == source
    with open(os.path.join(out, 'result.canonical'), 'rb') as f:
        canonical = f.read()
    assert hashlib.sha256(canonical).hexdigest() == manifest['result_digest']
    # The digests agree with `tally run --format json` on the same options.
    j = json.loads(tally('run', *EXAMPLE, '--period', '2026-Q2', '--as-of', '2026-06-30',
                         '--format', 'json', '-q').expect(EXIT_OK).out)
    for key in ('plan_digest', 'input_digest', 'result_digest'):
        assert manifest[key] == j[key], key
    assert manifest['plan']['digest'] == j['plan_digest']
    assert manifest['result']['lines'] == len(j['lines'])
    with open(os.path.join(out, 'result.csv'), encoding='utf-8', newline='') as f:
        assert f.read() == tally('run', *EXAMPLE, '--period', '2026-Q2', '--as-of',
                                 '2026-06-30', '--format', 'csv', '-q').out


def test_replay_match():
    out = bundle_dir('bundle-match')
    tally('run', *EXAMPLE, '--bundle', out, '--no-source-ids', '-q').expect(EXIT_OK)
    r = tally('replay', out).expect(EXIT_OK)
    digest = json.load(open(os.path.join(out, 'manifest.json')))['result_digest']
    assert r.out == 'match: result %s (47 lines)\n' % digest, r.out
    # Replays anywhere: the bundle is self-contained (relative to its directory).
    moved = bundle_dir('bundle-moved')
    shutil.copytree(out, moved)
    assert tally('replay', moved).expect(EXIT_OK).out.startswith('match: ')


def test_replay_tampered_input():
    out = bundle_dir('bundle-tampered')
    tally('run', *EXAMPLE, '--bundle', out, '-q').expect(EXIT_OK)
    path = os.path.join(out, 'inputs', '1-transactions.csv')
    with open(path, encoding='utf-8', newline='') as f:
        text = f.read()
    assert ',29900.00,' in text
    with open(path, 'w', encoding='utf-8', newline='') as f:
        f.write(text.replace(',29900.00,', ',29990.00,', 1))
    r = tally('replay', out).expect(EXIT_INPUT)
    assert re.search(r'inputs/1-transactions\.csv: SHA-256 [0-9a-f]{64} differs from the '
                     r"manifest's [0-9a-f]{64}: the file was changed", r.err), r.err
    # The input digest (line 3) differs first, then the payout line it changes.
    lines = r.out.splitlines()
    assert lines[0] == 'differs at line 3 of %s/result.canonical:' % out, r.out
    assert lines[1].startswith('  recorded: input\tdigest=')
    assert lines[2].startswith('  replayed: input\tdigest=')
    m = re.match(r'first payout line that differs: line (\d+)$', lines[3])
    assert m, r.out
    assert 'amount=6444.00' in lines[4] and 'amount=6445.80' in lines[5], r.out
    with open(os.path.join(out, 'result.canonical'), encoding='utf-8') as f:
        assert f.read().splitlines()[int(m.group(1)) - 1] == lines[4][len('  recorded: '):]


def test_replay_tampered_result():
    out = bundle_dir('bundle-result')
    tally('run', *EXAMPLE, '--bundle', out, '-q').expect(EXIT_OK)
    path = os.path.join(out, 'result.canonical')
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    number = next(i for i, line in enumerate(lines) if 'amount=12082.50' in line)
    lines[number] = lines[number].replace('amount=12082.50', 'amount=12802.50')
    with open(path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines))
    r = tally('replay', out).expect(EXIT_INPUT)
    assert 'result.canonical: SHA-256' in r.err, r.err
    assert r.out.splitlines()[0] == 'differs at line %d of %s/result.canonical:' % (
        number + 1, out), r.out
    assert 'recorded: ' in r.out and 'amount=12802.50' in r.out.splitlines()[1]
    assert 'amount=12082.50' in r.out.splitlines()[2]


def test_bundle_reject_mode_and_stdin():
    tx = write('reject-tx.csv', 'id,date,partner,amount\nT1,2026-01-05,P1,1000\n'
               'T2,2026-13-01,P1,5\nT3,2026-02-05,P1,2000\n')
    plan = write('reject-plan.xml', '<plan xmlns="urn:tally:plan:1" format-version="1" '
                 'id="r" currency="USD"><version id="v" effective-from="2026-01-01">'
                 '<rebate id="base" period="quarter"><rate>0.02</rate></rebate>'
                 '</version></plan>')
    out = bundle_dir('bundle-stdin')
    with open(tx, 'rb') as f:
        data = f.read()
    r = tally('run', plan, '--transactions', '-', '--on-error=reject',
              os.path.join(TMP, 'rejects.csv'), '--bundle', out, stdin=data).expect(EXIT_OK)
    manifest = json.load(open(os.path.join(out, 'manifest.json')))
    assert manifest['inputs'][0]['source'] == '<stdin>'
    assert manifest['inputs'][0]['rejected'] == 1 and manifest['inputs'][0]['accepted'] == 2
    assert manifest['options']['on_error'] == 'reject'
    with open(os.path.join(out, 'inputs', '1-transactions.csv'), 'rb') as f:
        assert f.read() == data
    assert tally('replay', out, '-q').expect(EXIT_OK).out.startswith('match: ')


def test_bundle_errors():
    out = bundle_dir('bundle-busy')
    os.makedirs(out)
    write('bundle-busy/keep.txt', 'mine')
    r = tally('run', *EXAMPLE, '--bundle', out).expect(EXIT_IO)
    assert 'the bundle directory exists and is not empty' in r.err, r.err
    assert os.listdir(out) == ['keep.txt']
    # A failed run leaves nothing behind.
    out = bundle_dir('bundle-failed')
    bad = write('bad-tx.csv', 'id,date,partner,amount\nT1,2026-01-05,P-1001,x\n')
    tally('run', PLAN, '--transactions', bad, '--bundle', out).expect(EXIT_INPUT)
    assert not os.path.exists(out)
    # An empty directory is fine.
    out = bundle_dir('bundle-empty')
    os.makedirs(out)
    tally('run', *EXAMPLE, '--bundle', out, '-q').expect(EXIT_OK)
    r = tally('replay', os.path.join(TMP, 'no-such-bundle')).expect(EXIT_IO)
    assert 'not a bundle' in r.err, r.err
    tally('replay').expect(EXIT_USAGE)
    tally('replay', out, out).expect(EXIT_USAGE)
    write('not-a-bundle/manifest.json', '{"format": "something-else"}')
    r = tally('replay', os.path.join(TMP, 'not-a-bundle')).expect(EXIT_INPUT)
    assert 'not a tally bundle manifest' in r.err, r.err
    write('broken-bundle/manifest.json', '{"format": ')
    r = tally('replay', os.path.join(TMP, 'broken-bundle')).expect(EXIT_INPUT)
    assert 'unexpected end of the text at byte' in r.err, r.err


# ---- report ----

def test_report_table_by_hand():
    r = tally('report', *report_inputs(), *BASELINE).expect(EXIT_OK)
    out = r.out
    assert out.startswith('Programme report: report-test (Report test), amounts in USD\n'
                          'Range: 2026-01-01 to 2026-06-30; baseline: 2025-01-01 to '
                          '2025-06-30\n'), out
    rows = [line.split() for line in out.splitlines()]

    def row(*start):
        found = [cells for cells in rows if cells[:len(start)] == list(start)]
        assert len(found) == 1, (start, found, out)
        return found[0]

    def summary(label):
        found = [cells[-1] for cells in rows if ' '.join(cells[:-1]) == label]
        assert len(found) == 1, (label, out)
        return found[0]

    assert summary('revenue') == '82000.00'
    assert summary('total cost') == '3140.00'
    assert summary('cost % of revenue') == '3.83'
    assert summary('baseline revenue') == '60000.00'
    assert summary('revenue growth %') == '36.67'
    assert summary('partners earning') == '2'
    assert summary('partners (partner table)') == '4'
    assert summary('participation %') == '50.00'
    assert row('volume', 'rebate') == ['volume', 'rebate', '2140.00', '2.61']
    assert row('fund', 'mdf') == ['fund', 'mdf', '1000.00', '1.22']
    assert row('(total)') == ['(total)', '3140.00', '3.83']
    assert row('volume', '2026-Q1', '1', 'of', '3') == ['volume', '2026-Q1', '1', 'of', '3',
                                                       '0', '1']
    assert row('volume', '2026-Q1', '2', 'of', '3')[-2:] == ['10000', '1']
    assert row('volume', '2026-Q1', '3', 'of', '3')[-2:] == ['50000', '1']
    assert row('volume', '2026-Q2', '1', 'of', '3')[-2:] == ['0', '2']
    assert row('1', 'A') == ['1', 'A', '68000.00', '82.93', '2880.00', '40000.00', '70.00']
    assert row('2', 'B') == ['2', 'B', '14000.00', '17.07', '260.00', '20000.00', '-30.00']
    assert row('3', 'C') == ['3', 'C', '0.00', '0.00', '0.00', '0.00', 'n/a']
    assert row('volume', '2026-Q2', '1', 'A') == ['volume', '2026-Q2', '1', 'A', 'amount',
                                                 '8000', '1', 'of', '3', '2000.00']
    assert row('volume', '2026-Q2', '2', 'B')[-4:] == ['1', 'of', '3', '8000.00']
    assert row('fund', '4100.00') == ['fund', '4100.00', '2000.00', '1000.00', '0.00',
                                      '2600.00', '500.00', '24.39', '63.41']
    assert 'report of ' in r.err


def test_report_top_and_no_baseline():
    out = tally('report', *report_inputs(), '--top', '1').expect(EXIT_OK).out
    assert 'Top 1 partners by revenue' in out
    assert re.search(r'^ +1 +A +68000\.00 +82\.93 +2880\.00$', out, re.M), out
    assert not re.search(r'^ +2 +B ', out, re.M) and 'baseline' not in out
    assert 'growth' not in out


def test_report_csv_json_html():
    args = report_inputs() + BASELINE
    records = list(csv.DictReader(io.StringIO(
        tally('report', *args, '--format', 'csv').expect(EXIT_OK).out, newline='')))
    values = {(r['section'], r['component'], r['period'], r['partner'], r['band'],
               r['measure']): r['value'] for r in records}
    assert values[('summary', '', '', '', '', 'revenue')] == '82000.00'
    assert values[('summary', '', '', '', '', 'growth_percent')] == '36.67'
    assert values[('cost', 'volume', '', '', '', 'cost')] == '2140.00'
    assert values[('cost', 'fund', '', '', '', 'percent_of_revenue')] == '1.22'
    assert values[('tiers', 'volume', '2026-Q1', '', '3 of 3', 'from')] == '50000'
    assert values[('revenue-leaderboard', '', '', 'C', '', 'growth_percent')] == 'n/a'
    assert values[('attainment-leaderboard', 'volume', '2026-Q2', 'B', '1 of 3',
                   'needed')] == '8000.00'
    assert values[('mdf', 'fund', '', '', '', 'expired')] == '2600.00'

    j = json.loads(tally('report', *args, '--format', 'json').expect(EXIT_OK).out)

    def no_float(node):
        assert not isinstance(node, float), node
        for child in node.values() if isinstance(node, dict) else (
                node if isinstance(node, list) else []):
            no_float(child)

    no_float(j)
    assert j['revenue'] == '82000.00' and j['total_cost'] == '3140.00'
    assert j['cost_percent_of_revenue'] == '3.83'
    assert j['baseline'] == {'from': '2025-01-01', 'to': '2025-06-30', 'revenue': '60000.00',
                             'growth_percent': '36.67'}
    assert j['participation'] == {'partners_earning': 2, 'partners': 4,
                                  'partners_counted_from': 'partner-table',
                                  'percent': '50.00'}
    assert [(c['component'], c['kind'], c['cost'], c['percent_of_revenue'])
            for c in j['cost_per_component']] == [('fund', 'mdf', '1000.00', '1.22'),
                                                  ('volume', 'rebate', '2140.00', '2.61')]
    assert [(t['period'], t['band'], t['payees']) for t in j['tiers']] == [
        ('2026-Q1', 1, 1), ('2026-Q1', 2, 1), ('2026-Q1', 3, 1), ('2026-Q2', 1, 2)]
    assert [(l['partner'], l['revenue'], l['growth_percent']) for l in
            j['leaderboard_by_revenue']] == [('A', '68000.00', '70.00'),
                                             ('B', '14000.00', '-30.00'), ('C', '0.00', None)]
    assert [(a['payee'], a['basis'], a['needed_for_next_band']) for a in
            j['leaderboard_by_attainment']] == [('A', '8000', '2000.00'),
                                                ('B', '2000', '8000.00')]
    assert j['mdf'] == [{'component': 'fund', 'accrued': '4100.00', 'claimed': '2000.00',
                         'reimbursed': '1000.00', 'shortfall': '0.00', 'expired': '2600.00',
                         'balance': '500.00', 'utilised_percent': '24.39',
                         'expired_percent': '63.41'}]
    run = json.loads(tally('run', *report_inputs(), '--format', 'json', '--no-source-ids',
                           '-q').expect(EXIT_OK).out)
    assert j['result_digest'] == run['result_digest']

    html = tally('report', *args, '--format', 'html').expect(EXIT_OK).out
    assert html.startswith('<!DOCTYPE html>') and '82000.00 USD' in html
    assert '<td class="num">2600.00</td>' in html and '36.67 %' in html
    assert_self_contained(html)


def test_report_usage_errors():
    base = report_inputs()
    for args, message in (
            (['--top', '0'], '--top "0": expected a whole number from 1'),
            (['--top', 'x'], '--top "x"'),
            (['--format', 'pdf'], '--format "pdf": expected table, csv, json or html'),
            (['--baseline-from', '2025-01-01'], '--baseline-from and --baseline-to go together'),
            (['--baseline-from', '2025-02-01', '--baseline-to', '2025-01-01'], 'is after'),
            (['--baseline-from', '2025-02-30', '--baseline-to', '2025-03-01'], 'is not a date'),
            (['--bogus'], 'unknown option "--bogus"')):
        r = tally('report', *base, *args).expect(EXIT_USAGE)
        assert message in r.err, (args, r.err)
    r = tally('report', base[0]).expect(EXIT_USAGE)
    assert 'no --transactions FILE given' in r.err


# ---- statement ----

def assert_self_contained(html):
    lowered = html.lower()
    for needle in ('<script', '<link', 'src=', 'href=', 'url(', '@import', 'http:', 'https:'):
        assert needle not in lowered, needle


def chromium():
    for name in ('chromium', 'chromium-browser', 'google-chrome'):
        path = shutil.which(name)
        if path:
            return path
    raise AssertionError('chromium is not installed: the statement test renders the HTML '
                         'in headless Chromium. Install it with scripts/install-deps (CI does) '
                         'or apt-get install chromium')


def headless(*args):
    profile = tempfile.mkdtemp(prefix='tally-chromium-', dir=TMP)
    proc = subprocess.run(
        [chromium(), '--headless', '--no-sandbox', '--disable-gpu',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--no-first-run', '--disable-quic', '--user-data-dir=' + profile] + list(args),
        capture_output=True, timeout=180)
    assert proc.returncode == 0, proc.stderr.decode('utf-8', 'replace')[-2000:]
    return proc.stdout.decode('utf-8')


def test_statement_renders_in_chromium():
    out = os.path.join(TMP, 'statement-A.html')
    r = tally('statement', *report_inputs(), '--partner', 'A', '--html', out).expect(EXIT_OK)
    assert r.err == 'tally: statement of A: 9 lines, total 2880.00 USD, written to %s\n' % out, \
        r.err
    with open(out, encoding='utf-8') as f:
        html = f.read()
    assert_self_contained(html)
    assert '<svg' in html and '<style>' in html

    dom = headless('--dump-dom', 'file://' + out)
    text = re.sub(r'\s+', ' ', re.sub(r'<[^>]+>', ' ', dom))
    assert 'Partner statement: A' in text, text[:400]
    assert 'Period: 2026-H1 (2026-01-01 to 2026-06-30)' in text, text[:600]
    for needle in ('volume 2026-Q1 earned 60000 1800.00',
                   'volume 2026-Q2 earned 8000 80.00',
                   'fund 1000.00', 'volume 1880.00', 'Total payable 2880.00',
                   'fund 2026-Q1 accrued 3000.00', 'fund 2026-Q2 claimed 2000.00',
                   'fund 2026-Q2 reimbursed 1000.00', 'fund 2026-Q2 expired 2000.00',
                   'fund 2026-Q2 balance 400.00', 'basis 60000, band 3 of 3 (the top band)',
                   'basis 8000, band 1 of 3; next band from 10000: 2000.00 more'):
        assert needle in text, (needle, text)
    assert 'class="progress-chart"' in dom and '<rect' in dom

    pdf = os.path.join(TMP, 'statement-A.pdf')
    headless('--no-pdf-header-footer', '--print-to-pdf=' + pdf, 'file://' + out)
    with open(pdf, 'rb') as f:
        data = f.read()
    assert data.startswith(b'%PDF-') and len(data) > 2000, data[:40]


def test_statement_errors():
    base = report_inputs()
    r = tally('statement', *base, '--partner', 'Z', '--html', os.path.join(TMP, 'z.html'))
    r.expect(EXIT_INPUT)
    assert 'partner "Z" has no lines in the range' in r.err, r.err
    assert not os.path.exists(os.path.join(TMP, 'z.html'))
    assert 'no --partner ID given' in tally('statement', *base, '--html', 'x').expect(
        EXIT_USAGE).err
    assert 'no --html OUT given' in tally('statement', *base, '--partner', 'A').expect(
        EXIT_USAGE).err
    r = tally('statement', *base, '--partner', 'A', '--html',
              os.path.join(TMP, 'no-such-dir', 'a.html')).expect(EXIT_IO)
    assert 'cannot create the statement' in r.err
    html = tally('statement', *base, '--partner', 'B', '--html', '-').expect(EXIT_OK).out
    assert html.startswith('<!DOCTYPE html>') and 'Partner statement: <span class="partner">B' \
        in html


# ---- the progress bar ----

def big_transactions():
    path = os.path.join(TMP, 'big-tx.csv')
    if not os.path.exists(path):
        with open(path, 'w', encoding='utf-8', newline='') as f:
            f.write('id,date,partner,amount\n')
            for i in range(90000):
                f.write('T%07d,2026-%02d-15,P%03d,%d.25\n' % (i, i % 12 + 1, i % 50, 100 + i % 900))
    assert os.path.getsize(path) > 2 * 1024 * 1024
    return path


def simple_plan():
    return write('progress-plan.xml', '<plan xmlns="urn:tally:plan:1" format-version="1" '
                 'id="p" currency="USD"><version id="v" effective-from="2026-01-01">'
                 '<rebate id="base" period="quarter"><rate>0.02</rate></rebate>'
                 '</version></plan>')


def run_under_pty(args):
    """Runs tally with standard error on a pseudo-terminal; returns (code, stderr)."""
    master, slave = pty.openpty()
    chunks = []

    def reader():
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    thread = threading.Thread(target=reader)
    thread.start()
    proc = subprocess.Popen([TALLY] + args, stdout=subprocess.DEVNULL, stderr=slave,
                            stdin=subprocess.DEVNULL)
    code = proc.wait(timeout=120)
    os.close(slave)
    thread.join(timeout=30)
    os.close(master)
    return code, b''.join(chunks).decode('utf-8', 'replace')


def test_progress_bar_silent_without_terminal():
    args = [simple_plan(), '--transactions', big_transactions()]
    r = tally('run', *args).expect(EXIT_OK)
    assert '\r' not in r.err and 'MiB' not in r.err, r.err
    assert r.err.startswith('tally: transactions ') and r.err.count('\n') == 1, r.err


def test_progress_bar_on_a_terminal():
    big = big_transactions()
    code, err = run_under_pty(['run', simple_plan(), '--transactions', big])
    assert code == 0, err
    assert re.search(r'\r%s  \[[#.]{24}\] +\d+%%  \d+\.\d of \d+\.\d MiB' % re.escape(big),
                     err), err[:500]
    assert '100%' in err and '\r\x1b[K' in err, err[-300:]
    # Erased before the summary, which starts on a clean line.
    assert re.search(r'\r\x1b\[Ktally: transactions ', err), err[-300:]
    # Quiet: nothing at all.
    code, err = run_under_pty(['run', simple_plan(), '--transactions', big, '-q'])
    assert code == 0 and err == '', err
    # A small input stays silent even on a terminal.
    small = write('small-tx.csv', 'id,date,partner,amount\nT1,2026-01-05,P1,10\n')
    code, err = run_under_pty(['run', simple_plan(), '--transactions', small])
    assert code == 0 and 'MiB' not in err and '[' not in err, err  # (the pty adds \r to \n)
    # The report reads twice (the run, then the revenue): both show a bar.
    code, err = run_under_pty(['report', simple_plan(), '--transactions', big])
    assert code == 0, err
    assert '%s (revenue)  [' % big in err, err[-500:]


# ---- help, man page ----

def test_help():
    for command, usage in (('report', 'Usage: tally report PLAN'),
                           ('statement', 'Usage: tally statement PLAN'),
                           ('replay', 'Usage: tally replay BUNDLE')):
        for args in ([command, '--help'], ['help', command]):
            r = tally(*args).expect(EXIT_OK)
            assert r.out.startswith(usage), r.out
            assert 'Exit status' in r.out
            assert all(len(line) <= 80 for line in r.out.splitlines()), command
    out = tally('--help').expect(EXIT_OK).out
    for command in ('report', 'statement', 'replay'):
        assert re.search(r'^  %s ' % command, out, re.M), out
    assert '--bundle OUT' in tally('run', '--help').out


def test_man_page():
    page = os.path.join(ROOT, 'docs', 'tally.1')
    if not shutil.which('man'):
        skip('man page: man is not installed here (Debian: apt-get install man-db)')
        return
    env = dict(os.environ, MANWIDTH='80', LC_ALL='C.UTF-8', MAN_KEEP_FORMATTING='')
    proc = subprocess.run(['man', '--warnings', '-l', page], capture_output=True, env=env,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.decode() == '', proc.stderr.decode()
    text = re.sub(r'.\x08', '', proc.stdout.decode('utf-8', 'replace'))
    for section in ('NAME', 'SYNOPSIS', 'COMMANDS', 'INPUT OPTIONS', 'AUDIT BUNDLES',
                    'EXIT STATUS'):
        assert re.search(r'^%s$' % section, text, re.M), section
    for command in ('run', 'check', 'explain', 'progress', 'curve', 'report', 'statement',
                    'replay'):
        assert re.search(r'^       tally %s\b' % command, text, re.M), command
    for option in ('--bundle', '--baseline-from', '--top', '--partner', '--html', '--map',
                   '--on-error=reject', '--as-of', '--period', '--strict', '--svg'):
        assert option in text, option
    # Every command's --help options appear in the man page.
    for command in ('run', 'report', 'statement', 'explain', 'progress', 'curve', 'check'):
        help_text = tally(command, '--help').out
        for option in sorted(set(re.findall(r'^  (--[a-z][a-z-]*)', help_text, re.M))):
            assert option in text, (command, option)


def main():
    tests = [(name, fn) for name, fn in globals().items()
             if name.startswith('test_') and callable(fn)]
    failed = 0
    for name, fn in tests:
        before = len(SKIPPED)
        try:
            fn()
            if len(SKIPPED) > before:
                print('SKIP %s: %s' % (name, SKIPPED[-1]))
            else:
                print('PASS %s' % name)
        except Exception:
            failed += 1
            print('FAIL %s' % name)
            traceback.print_exc(file=sys.stdout)
    print('%d passed, %d failed, %d skipped' % (len(tests) - failed - len(SKIPPED), failed,
                                                len(SKIPPED)))
    if failed == 0:
        shutil.rmtree(TMP, ignore_errors=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
