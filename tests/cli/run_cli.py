#!/usr/bin/env python3
"""Tests of the tally command-line tool, run by meson:

    run_cli.py TALLY_EXE SOURCE_ROOT

Runs the built `tally` on the bundled example (examples/reseller-programme.xml
with examples/data/reseller/) and on small files written to a temporary
directory, and checks output, messages and exit codes. The expected amounts of
the example are worked out by hand in examples/data/reseller/README.md.
Standard library only. Prints one PASS/FAIL line per test; exits 1 on a failure.
"""
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import traceback
from decimal import Decimal

TALLY = os.path.abspath(sys.argv[1])
ROOT = os.path.abspath(sys.argv[2])
PLAN = os.path.join(ROOT, 'examples', 'reseller-programme.xml')
DATA = os.path.join(ROOT, 'examples', 'data', 'reseller')
TX = os.path.join(DATA, 'transactions.csv')
PARTNERS = os.path.join(DATA, 'partners.csv')
CLAIMS = os.path.join(DATA, 'claims.csv')
SETTLEMENTS = os.path.join(DATA, 'settlements.csv')
EXAMPLE = [PLAN, '--transactions', TX, '--partners', PARTNERS, '--claims', CLAIMS]
TMP = tempfile.mkdtemp(prefix='tally-cli-')

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_IO = 0, 1, 2, 3
DIGEST = re.compile(r'^[0-9a-f]{64}$')


class Run:
    def __init__(self, args, stdin=None):
        proc = subprocess.run([TALLY] + args, input=stdin, capture_output=True, timeout=60)
        self.code = proc.returncode
        self.raw = proc.stdout
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
    with open(path, 'w', encoding='utf-8', newline='') as f:
        f.write(text)
    return path


def table_rows(text):
    """Rows of every table in the table output, as lists of cells."""
    return [line.split() for line in text.splitlines() if line and not line.startswith('-')]


def csv_lines(text):
    return list(csv.DictReader(io.StringIO(text, newline='')))


# The example's payout lines (component, period, payee, kind) -> amount, by hand.
EXPECTED_LINES = {
    ('volume-rebate', '2026-Q1', 'P-1001', 'earned'): '12082.50',
    ('volume-rebate', '2026-Q1', 'P-1002', 'earned'): '1280.40',
    ('volume-rebate', '2026-Q1', 'P-1003', 'earned'): '340.45',
    ('volume-rebate', '2026-Q1', 'P-1004', 'earned'): '0.00',
    ('volume-rebate', '2026-Q2', 'P-1001', 'earned'): '20334.38',
    ('volume-rebate', '2026-Q2', 'P-1002', 'earned'): '1411.52',
    ('volume-rebate', '2026-Q2', 'P-1005', 'earned'): '0.00',
    ('public-services', '2026-Q1', 'P-1004', 'earned'): '720.00',
    ('public-services', '2026-Q2', 'P-1006', 'earned'): '380.00',
    ('r-series-launch', '2026-03', 'P-1005', 'earned'): '150.00',
    ('r-series-launch', '2026-04', 'apex.jlee', 'earned'): '3000.00',
    ('r-series-launch', '2026-04', 'bright.lmeyer', 'earned'): '90.00',
    ('r-series-launch', '2026-05', 'apex.jlee', 'clawback'): '-300.00',
    ('r-series-launch', '2026-06', 'cobalt.tnguyen', 'clawback'): '-75.00',
    ('deal-reg', '2026-Q1', 'P-1001', 'earned'): '2115.00',
    ('deal-reg', '2026-Q2', 'P-1003', 'earned'): '1428.00',
    ('deal-reg', '2026-Q2', 'P-1001', 'earned'): '744.00',
    ('mdf', '2026-Q1', 'P-1001', 'mdf-accrued'): '6444.00',
    ('mdf', '2026-Q2', 'P-1001', 'mdf-accrued'): '10845.00',
    ('mdf', '2026-Q2', 'P-1001', 'mdf-claimed'): '9000.00',
    ('mdf', '2026-Q2', 'P-1001', 'mdf-reimbursed'): '4500.00',
    ('mdf', '2026-Q2', 'P-1001', 'mdf-balance'): '12789.00',
}
EXPECTED_PAYEES = {
    'P-1001': '39775.88', 'P-1002': '2691.92', 'P-1003': '2948.53', 'P-1004': '1222.00',
    'P-1005': '1149.80', 'P-1006': '1207.00', 'apex.jlee': '3000.00',
    'apex.mrossi': '450.00', 'bright.lmeyer': '90.00', 'bright.skaur': '300.00',
    'cobalt.tnguyen': '275.00', 'delta.okim': '100.00', 'fjord.ahansen': '75.00',
}
EXPECTED_COMPONENTS = {
    'deal-reg': '4992.00', 'mdf': '4500.00', 'public-services': '1928.00',
    'r-series-launch': '4440.00', 'volume-rebate': '37425.13',
}
EXPECTED_TOTAL = '53285.13'
LINE_COUNT = 47
PAID_KINDS = {'earned', 'true-up', 'clawback', 'mdf-reimbursed'}


# ---- the bundled example ----

def test_example_table():
    r = tally('run', *EXAMPLE).expect(EXIT_OK)
    rows = table_rows(r.out)
    for key, amount in EXPECTED_LINES.items():
        assert list(key) + [amount, 'USD'] in rows, 'missing line %s %s' % (key, amount)
    for payee, amount in EXPECTED_PAYEES.items():
        assert [payee, amount, 'USD'] in rows, 'missing payee total %s %s' % (payee, amount)
    for component, amount in EXPECTED_COMPONENTS.items():
        assert [component, amount, 'USD'] in rows, 'missing total %s' % component
    assert rows.count(['(total)', EXPECTED_TOTAL, 'USD']) == 2
    assert 'Payout lines (%d)' % LINE_COUNT in r.out
    # Amounts are right-aligned on the decimal point: in each table, every '.' of
    # the amount column is in the same text column.
    for block in r.out.split('\n\n'):
        points = {line.rindex('.') for line in block.splitlines()
                  if re.search(r'-?\d+\.\d\d  USD$', line)}
        assert len(points) <= 1, 'amounts not aligned:\n' + block
    # The summary on stderr: rows per file and the result digest.
    assert 'transactions %s: 42 accepted, 0 rejected' % TX in r.err, r.err
    assert 'partners %s: 6 accepted, 0 rejected' % PARTNERS in r.err, r.err
    assert 'claims %s: 1 accepted, 0 rejected' % CLAIMS in r.err, r.err
    assert re.search(r'; result [0-9a-f]{64}$', r.err.strip()), r.err
    assert len(r.err.strip().splitlines()) == 1, 'one summary line: ' + r.err


def test_example_csv():
    r = tally('run', *EXAMPLE, '--format', 'csv').expect(EXIT_OK)
    assert r.raw.startswith(
        b'component,version,period,tier_period,payee,kind,amount,currency\r\n')
    assert b'\n' not in r.raw.replace(b'\r\n', b''), 'RFC 4180 line ends are CR LF'
    lines = csv_lines(r.out)
    assert len(lines) == LINE_COUNT
    got = {(l['component'], l['period'], l['payee'], l['kind']): l['amount'] for l in lines}
    for key, amount in EXPECTED_LINES.items():
        assert got.get(key) == amount, '%s: %s, expected %s' % (key, got.get(key), amount)
    assert all(l['version'] == 'fy2026' and l['currency'] == 'USD' for l in lines)
    assert {l['tier_period'] for l in lines if l['component'] == 'volume-rebate'} == \
        {'2026-Q1', '2026-Q2'}
    total = sum(Decimal(l['amount']) for l in lines if l['kind'] in PAID_KINDS)
    assert str(total) == EXPECTED_TOTAL, total


def test_summary_digest_is_the_results_with_one_thread_or_two():
    # With two threads the digest is made on its own thread while the lines are
    # written; with --threads 1 when shown: the same digest either way, and the
    # one the JSON output carries. (JSON keeps the lines' source ids, which the
    # table and CSV have no column for: its result, and digest, differ from theirs.)
    digests = {}
    for threads in ('1', '2'):
        for fmt in ('table', 'csv', 'json'):
            r = tally('run', *EXAMPLE, '--format', fmt, '--threads', threads).expect(EXIT_OK)
            found = re.search(r'; result ([0-9a-f]{64})$', r.err.strip())
            assert found, r.err
            digests.setdefault(fmt, set()).add(found.group(1))
            if fmt == 'json':
                assert json.loads(r.out)['result_digest'] == found.group(1)
    assert all(len(found) == 1 for found in digests.values()), digests
    assert digests['table'] == digests['csv'], digests


def test_quiet_run_shows_the_same_lines():
    # --quiet with table or CSV output shows no digest, so the run computes none
    # (TALLY_SESSION_NO_INPUT_DIGEST): its output is that of a run that does.
    for threads in ('1', '2'):
        for fmt in ('table', 'csv'):
            shown = tally('run', *EXAMPLE, '--format', fmt, '--threads', threads).expect(EXIT_OK)
            quiet = tally('run', *EXAMPLE, '--format', fmt, '--threads', threads,
                          '--quiet').expect(EXIT_OK)
            assert 'result ' in shown.err and quiet.err == '', (shown.err, quiet.err)
            assert quiet.raw == shown.raw and len(quiet.raw) > 1000, (fmt, threads)
    # JSON shows the digests, so --quiet keeps them.
    doc = json.loads(tally('run', *EXAMPLE, '--format', 'json', '-q').expect(EXIT_OK).out)
    assert DIGEST.match(doc['input_digest']) and DIGEST.match(doc['result_digest']), doc


def test_example_json():
    r = tally('run', *EXAMPLE, '--format', 'json').expect(EXIT_OK)

    def no_float(text):
        raise AssertionError('a JSON number with a fraction: ' + text)
    doc = json.loads(r.out, parse_float=no_float)
    assert doc['plan_id'] == 'northwind-reseller'
    for key in ('plan_digest', 'input_digest', 'result_digest'):
        assert DIGEST.match(doc[key]), key
    assert doc['result_digest'] in r.err, 'the summary names the same result digest'
    assert (doc['accepted'], doc['rejected']) == (49, 0)
    assert (doc['transactions_accepted'], doc['transactions_rejected']) == (42, 0)
    assert [(f['kind'], f['rows'], f['accepted'], f['rejected']) for f in doc['files']] == [
        ('transactions', 42, 42, 0), ('partners', 6, 6, 0), ('claims', 1, 1, 0)]
    lines = doc['lines']
    assert len(lines) == LINE_COUNT
    money = ('amount', 'basis', 'unrounded', 'multiplier', 'withheld')
    for line in lines:
        for key in money:
            assert isinstance(line[key], str), '%s is not a string' % key
            Decimal(line[key])
        assert isinstance(line['explanation'], str) and line['explanation']
        assert isinstance(line['sources'], list)
        for band in line['bands']:
            assert all(isinstance(v, str) for v in band.values())
        if line['kind'] == 'clawback':
            assert all(isinstance(v, str) for v in line['clawback'].values())
    by_key = {(l['component'], l['period'], l['payee'], l['kind']): l for l in lines}
    for key, amount in EXPECTED_LINES.items():
        assert by_key[key]['amount'] == amount, key
    q1 = by_key[('volume-rebate', '2026-Q1', 'P-1001', 'earned')]
    assert q1['sources'] == ['T-260001', 'T-260003', 'T-260006', 'T-260010', 'T-260011',
                             'T-260015', 'T-260018'], q1['sources']
    assert q1['basis'] == '322200.00' and q1['multiplier'] == '1.25'
    assert 'multiplied' in q1['flags']
    assert len(q1['bands']) == 1 and q1['bands'][0]['value'] == '0.03'
    assert '322200' in q1['explanation']
    below = by_key[('volume-rebate', '2026-Q1', 'P-1004', 'earned')]
    assert 'below-minimum' in below['flags']
    claw = by_key[('r-series-launch', '2026-05', 'apex.jlee', 'clawback')]
    # The window has closed: no later SPIFF earnings to recover the clawback from.
    assert claw['clawback'] == {'requested': '300.00', 'recovered': '0',
                                'outstanding': '300.00'}, claw['clawback']
    assert claw['sources'] == ['T-260030']
    totals = doc['totals']
    assert {t['payee']: t['amount'] for t in totals['by_payee']} == EXPECTED_PAYEES
    assert {t['component']: t['amount'] for t in totals['by_component']} == \
        EXPECTED_COMPONENTS
    assert totals['total'] == EXPECTED_TOTAL and totals['currency'] == 'USD'


def test_output_file_and_no_source_ids():
    out = os.path.join(TMP, 'out.json')
    r = tally('run', *EXAMPLE, '--format=json', '--output', out, '--no-source-ids')
    r.expect(EXIT_OK)
    assert r.out == '', 'nothing on stdout with --output'
    with open(out, encoding='utf-8') as f:
        doc = json.load(f)
    assert all(line['sources'] == [] for line in doc['lines'])
    assert doc['totals']['total'] == EXPECTED_TOTAL
    tally('run', *EXAMPLE, '--trust-ids', '-q').expect(EXIT_OK)


def test_settlements_true_up():
    r = tally('run', *EXAMPLE, '--settlements', SETTLEMENTS, '--format', 'csv')
    r.expect(EXIT_OK)
    got = {(l['component'], l['period'], l['payee'], l['kind']): l['amount']
           for l in csv_lines(r.out)}
    # 1280.40 due, 1250.00 already paid.
    assert got[('volume-rebate', '2026-Q1', 'P-1002', 'true-up')] == '30.40'
    assert ('volume-rebate', '2026-Q1', 'P-1002', 'earned') not in got


# ---- the run's range ----

def periods(args):
    r = tally('run', *EXAMPLE, '--format', 'csv', *args).expect(EXIT_OK)
    return sorted({l['period'] for l in csv_lines(r.out)}), len(csv_lines(r.out))


def test_period_filtering():
    assert periods(['--period', '2026-Q1']) == (['2026-03', '2026-Q1'], 22)
    assert periods(['--period', '2026-04']) == (['2026-04'], 5)
    assert periods(['--period', '2026-Q2']) == (['2026-04', '2026-05', '2026-06', '2026-Q2'],
                                                 LINE_COUNT - 22)
    assert periods(['--period', '2026-H1'])[1] == LINE_COUNT
    assert periods(['--period', '2026'])[1] == LINE_COUNT
    assert periods(['--period', 'FY2026'])[1] == LINE_COUNT  # fiscal year = calendar year
    assert periods(['--period', 'FY2026-Q2']) == periods(['--period', '2026-Q2'])
    assert periods(['--period', '2026-H2']) == ([], 0)
    assert periods(['--from', '2026-04-01', '--to', '2026-04-30']) == (['2026-04'], 5)
    assert periods(['--from', '2026-06-01'])[0] == ['2026-06', '2026-Q2']
    r = tally('run', *EXAMPLE, '--period', '2026-Q2').expect(EXIT_OK)
    assert ['volume-rebate', '2026-Q2', 'P-1001', 'earned', '20334.38', 'USD'] in \
        table_rows(r.out)


def monthly_rebate_plan(plan_id, rebate_id, rate):
    """PLAN_ID.xml: one version from 2026 with one monthly rebate at `rate`."""
    return write(plan_id + '.xml', '''<?xml version="1.0" encoding="UTF-8"?>
<plan xmlns="urn:tally:plan:1" format-version="1" id="%s" currency="USD">
  <version id="v1" effective-from="2026-01-01">
    <rebate id="%s" period="month"><rate>%s</rate></rebate>
  </version>
</plan>
''' % (plan_id, rebate_id, rate))


def test_csv_output_quotes_fields():
    """Payee ids with a comma, a quote or a line end come out quoted, quotes doubled."""
    plan = monthly_rebate_plan('quoting', 'flat', '0.01')
    tx = write('quoting.csv', 'id,date,partner,amount\n'
               'a,2026-01-05,"Smith, Jones",100.00\n'
               'b,2026-01-06,"The ""Best"" Co",200.00\n'
               'c,2026-01-07,"two\nlines",300.00\n'
               'd,2026-01-08,Plain,400.00\n')
    r = tally('run', plan, '--transactions', tx, '--format', 'csv').expect(EXIT_OK)
    assert b'"Smith, Jones"' in r.raw and b'"The ""Best"" Co"' in r.raw, r.raw
    assert b'"two\nlines"' in r.raw and b',Plain,' in r.raw, r.raw
    got = {l['payee']: l['amount'] for l in csv_lines(r.out)}
    assert got == {'Smith, Jones': '1.00', 'The "Best" Co': '2.00', 'two\nlines': '3.00',
                   'Plain': '4.00'}, got


def test_csv_output_split_between_threads():
    """Past 4,096 lines a second thread formats the second half of the CSV in memory:
    the bytes are those of one thread, quoted long payee ids (written piece by piece
    past the 16 KiB buffer) included, and --threads 1 keeps it on one."""
    plan = monthly_rebate_plan('split', 'flat', '0.01')
    long_payee = '"' + 'x' * 9000 + ', "" Ltd"'  # quoted: a comma and a quote inside
    rows = ['id,date,partner,amount']
    for p in range(500):
        for m in range(1, 13):
            rows.append('t%d-%d,2026-%02d-10,P%04d,%d.%02d' % (p, m, m, p, 100 + p, m))
    for m in range(1, 13):
        rows.append('long-%d,2026-%02d-11,%s,5.00' % (m, m, long_payee))
    tx = write('split.csv', '\n'.join(rows) + '\n')
    one = tally('run', plan, '--transactions', tx, '--format', 'csv', '--threads', '1',
                '-q').expect(EXIT_OK)
    two = tally('run', plan, '--transactions', tx, '--format', 'csv', '-q').expect(EXIT_OK)
    assert one.raw == two.raw
    lines = csv_lines(two.out)
    assert len(lines) == 501 * 12, len(lines)
    # Each month's lines end with the long payee: half of them in the second half.
    assert lines[-1]['payee'] == 'x' * 9000 + ', " Ltd' and lines[-1]['period'] == '2026-12'
    assert lines[-1]['amount'] == '0.05', lines[-1]


def test_totals_beyond_38_digits():
    """Each line fits, their sum does not: the table (which shows totals) is refused
    with a clear error; CSV, which has no totals, is written whole."""
    plan = monthly_rebate_plan('huge', 'all', '1')
    big = '6' + '0' * 35  # 36 digits, 38 with the cents: the most a line holds
    tx = write('huge.csv', 'id,date,partner,amount\n'
               'a,2026-01-05,P1,%s.00\nb,2026-01-06,P2,%s.00\n' % (big, big))
    r = tally('run', plan, '--transactions', tx).expect(EXIT_INPUT)
    assert 'a total needs more than 38 digits' in r.err, r.err
    r = tally('run', plan, '--transactions', tx, '--format', 'csv').expect(EXIT_OK)
    assert {l['payee']: l['amount'] for l in csv_lines(r.out)} == {
        'P1': big + '.00', 'P2': big + '.00'}, r.out


def test_fiscal_period_labels():
    plan = write('fiscal.xml', '''<?xml version="1.0" encoding="UTF-8"?>
<plan xmlns="urn:tally:plan:1" format-version="1" id="fiscal-july" currency="AUD">
  <calendar fiscal-year-start-month="7"/>
  <version id="v1" effective-from="2025-07-01">
    <rebate id="fq" period="fiscal-quarter"><rate>0.01</rate></rebate>
  </version>
</plan>
''')
    tx = write('fiscal.csv', 'id,date,partner,amount\n'
               'a,2026-06-30,P1,1000.00\nb,2026-07-01,P1,2000.00\nc,2026-10-01,P1,4000.00\n')

    def run(label):
        r = tally('run', plan, '--transactions', tx, '--period', label, '--format', 'csv')
        return [(l['period'], l['amount']) for l in csv_lines(r.expect(EXIT_OK).out)]
    assert run('FY2027-Q1') == [('FY2027-Q1', '20.00')]   # July to September 2026
    assert run('FY2026-Q4') == [('FY2026-Q4', '10.00')]   # April to June 2026
    assert run('FY2027-H1') == [('FY2027-Q1', '20.00'), ('FY2027-Q2', '40.00')]
    assert run('FY2027') == [('FY2027-Q1', '20.00'), ('FY2027-Q2', '40.00')]
    assert run('2026-Q3') == [('FY2027-Q1', '20.00')]
    assert run('FY2026') == [('FY2026-Q4', '10.00')]
    r = tally('check', plan).expect(EXIT_OK)
    assert 'fiscal    years start in July' in r.out


# ---- bad rows ----

BAD_TX = ('id,date,partner,product,category,region,quantity,amount\n'
          'B1,2026-02-01,P-1001,R-750,hardware,NA,1,8400.00\n'
          'B2,2026-02-30,P-1001,R-750,hardware,NA,1,8400.00\n'
          'B3,2026-02-03,P-9999,R-750,hardware,NA,1,8400.00\n'
          'B4,2026-02-04,P-1001,R-750,hardware,NA,1,"8,400"\n'
          'B1,2026-02-05,P-1001,R-750,hardware,NA,1,100.00\n'
          'B5,2026-02-06,P-1001,"R-750\n(multi-line)",hardware,NA,1,abc\n'
          'B6,2026-02-07,P-1002,SW-BACKUP-1Y,software,EMEA,2,2300.00\n')
BAD_PARTNERS = ('id,type,tier,region\n'
                'P-1001,reseller,platinum,NA\n'
                'P-1002,var,gold,EMEA\n'
                'P-1001,reseller,gold,NA\n')


def test_reject_mode_writes_every_bad_row():
    tx = write('bad.csv', BAD_TX)
    partners = write('bad-partners.csv', BAD_PARTNERS)
    rejects = os.path.join(TMP, 'rejects.csv')
    r = tally('run', PLAN, '--transactions', tx, '--partners', partners,
              '--on-error=reject', rejects, '--format', 'csv').expect(EXIT_OK)
    with open(rejects, encoding='utf-8', newline='') as f:
        rows = list(csv.reader(f))
    assert rows[0] == ['file', 'line', 'reason', 'row']
    got = [(os.path.basename(f), int(line), reason, row) for f, line, reason, row in rows[1:]]
    assert [(f, line) for f, line, _, _ in got] == [
        ('bad-partners.csv', 4), ('bad.csv', 3), ('bad.csv', 4), ('bad.csv', 5),
        ('bad.csv', 6), ('bad.csv', 7)], got
    raw_lines = BAD_TX.split('\n')
    assert got[1][3] == raw_lines[2] and got[3][3] == raw_lines[4], 'raw row text kept'
    assert got[5][3] == raw_lines[6] + '\n' + raw_lines[7], 'multi-line record kept whole'
    assert 'duplicate partner id' in got[0][2]
    assert got[1][2].startswith('date: ')
    assert 'P-9999' in got[2][2] and 'partner table' in got[2][2]
    assert got[3][2].startswith('amount: ')
    assert 'duplicate transaction id' in got[4][2]
    assert got[5][2].startswith('amount: ')
    assert 'transactions %s: 2 accepted, 5 rejected' % tx in r.err, r.err
    assert 'partners %s: 2 accepted, 1 rejected' % partners in r.err, r.err
    assert '6 rejected rows written to %s' % rejects in r.err, r.err
    lines = csv_lines(r.out)
    assert any(l['payee'] == 'P-1001' for l in lines)
    # The same run with --on-error=stop and the same reject file as a later option.
    tally('run', PLAN, '--transactions', tx, '--on-error', 'reject', rejects,
          '--on-error=stop').expect(EXIT_INPUT)


def test_reject_mode_json_counts():
    tx = write('bad2.csv', BAD_TX)
    rejects = os.path.join(TMP, 'rejects2.csv')
    r = tally('run', PLAN, '--transactions', tx, '--on-error', 'reject', rejects,
              '--format', 'json').expect(EXIT_OK)
    doc = json.loads(r.out)
    # Without a partner table P-9999 is a partner like any other.
    assert (doc['accepted'], doc['rejected']) == (3, 4), (doc['accepted'], doc['rejected'])
    assert doc['rejects_file'] == rejects
    assert doc['files'][0]['rows'] == 7


def test_stop_mode_exit_1_with_location():
    tx = write('stop.csv', BAD_TX)
    r = tally('run', PLAN, '--transactions', tx).expect(EXIT_INPUT)
    assert r.out == '', 'no output after a bad row'
    first = r.err.splitlines()[0]
    assert first == ('tally: %s:3:2: date: "2026-02-30" is not a date (expected YYYY-MM-DD)'
                     % tx), first
    assert 'stopped at the first bad row' in r.err
    # A bad row the session refuses names the file and line too.
    tx2 = write('stop2.csv', 'id,date,partner,amount\nX1,2027-01-01,P1,5\n')
    plan = write('short.xml', '''<?xml version="1.0" encoding="UTF-8"?>
<plan xmlns="urn:tally:plan:1" format-version="1" id="short" currency="USD">
  <version id="v1" effective-from="2026-01-01" effective-to="2026-12-31">
    <rebate id="r" period="month"><rate>0.1</rate></rebate>
  </version>
</plan>
''')
    r = tally('run', plan, '--transactions', tx2).expect(EXIT_INPUT)
    assert r.err.startswith('tally: %s:2: transaction "X1": no version of plan "short"' % tx2), \
        r.err


def test_invalid_plan_in_run_exit_1():
    plan = write('invalid.xml', '<plan xmlns="urn:tally:plan:1"/>\n')
    r = tally('run', plan, '--transactions', TX).expect(EXIT_INPUT)
    assert r.err.startswith('tally: %s:1:' % plan), r.err


def test_missing_column_is_an_input_error():
    tx = write('nocol.csv', 'id,date,amount\nA,2026-01-01,5\n')
    r = tally('run', PLAN, '--transactions', tx).expect(EXIT_INPUT)
    assert r.err.startswith('tally: %s:1: missing required column "partner"' % tx), r.err


def test_column_map():
    tx = write('crm.csv', 'Invoice No,Booked,Reseller,Net Amount,Cat,Region\n'
               'INV-1,2026-02-01,P-1001,60000.00,hardware,NA\n')
    r = tally('run', PLAN, '--transactions', tx, '--partners', PARTNERS, '--format', 'csv',
              '--map', 'transactions:id=Invoice No,date=Booked',
              '--map=transactions:partner=Reseller,amount=Net Amount,category=Cat,region=Region')
    got = {(l['component'], l['payee']): l['amount'] for l in csv_lines(r.expect(EXIT_OK).out)}
    # 60,000 reaches the 2 % band: 1,200 x 1.25 (platinum).
    assert got[('volume-rebate', 'P-1001')] == '1500.00', got
    r = tally('run', PLAN, '--transactions', tx, '--map', 'transactions:bogus=X')
    r.expect(EXIT_USAGE)
    assert '"bogus" is not a field of transactions files' in r.err
    assert "Try 'tally run --help'." in r.err
    tally('run', PLAN, '--transactions', tx, '--map', 'orders:id=X').expect(EXIT_USAGE)


# ---- command-line errors ----

def test_usage_errors_exit_2():
    cases = [
        ([], "Try 'tally --help'."),
        (['bogus'], "Try 'tally --help'."),
        (['--bogus'], "Try 'tally --help'."),
        (['run'], "Try 'tally run --help'."),
        (['run', PLAN], "Try 'tally run --help'."),
        (['run', PLAN, PLAN, '--transactions', TX], "Try 'tally run --help'."),
        (['run', PLAN, '--transactions'], "Try 'tally run --help'."),
        (['run', PLAN, '--transactions', TX, '--bogus'], "Try 'tally run --help'."),
        (['run', PLAN, '--transactions', TX, '--format', 'xml'], "Try 'tally run --help'."),
        (['run', PLAN, '--transactions', TX, '--period', '2026-Q5'], "Try 'tally run --help'."),
        (['run', PLAN, '--transactions', TX, '--period', 'FY2026-11'],
         "Try 'tally run --help'."),
        (['run', PLAN, '--transactions', TX, '--as-of', '2026-02-30'],
         "Try 'tally run --help'."),
        (['run', PLAN, '--transactions', TX, '--from', '2026-05-01', '--to', '2026-04-01'],
         "Try 'tally run --help'."),
        (['run', PLAN, '--transactions', TX, '--period', '2026', '--from', '2026-01-01'],
         "Try 'tally run --help'."),
        (['run', PLAN, '--transactions', '-', '--partners', '-'], "Try 'tally run --help'."),
        (['run', PLAN, '--transactions', TX, '--on-error=reject'], "Try 'tally run --help'."),
        (['run', PLAN, '--transactions', TX, '--on-error=skip'], "Try 'tally run --help'."),
        (['run', PLAN, '--transactions', TX, '--on-error=reject', '--format', 'csv'],
         "Try 'tally run --help'."),
        (['run', PLAN, '--transactions', TX, '--on-error', 'reject', '-'],
         "Try 'tally run --help'."),
        (['check'], "Try 'tally check --help'."),
        (['check', PLAN, '--bogus'], "Try 'tally check --help'."),
        (['help', 'bogus'], "Try 'tally --help'."),
    ]
    for args, hint in cases:
        r = tally(*args)
        assert r.code == EXIT_USAGE, '%s: exit %d\n%s' % (args, r.code, r.err)
        assert r.err.startswith('tally: '), r.err
        assert r.err.rstrip().endswith(hint), '%s: %s' % (args, r.err)
        assert r.out == '', args


def test_missing_files_exit_3():
    missing = os.path.join(TMP, 'no-such-file.csv')
    r = tally('run', PLAN, '--transactions', missing).expect(EXIT_IO)
    assert r.err.startswith('tally: %s: cannot open the file' % missing), r.err
    r = tally('run', PLAN, '--transactions', TX, '--claims', missing).expect(EXIT_IO)
    r = tally('run', os.path.join(TMP, 'no-plan.xml'), '--transactions', TX).expect(EXIT_IO)
    assert r.err.startswith('tally: '), r.err
    tally('check', os.path.join(TMP, 'no-plan.xml')).expect(EXIT_IO)
    out = os.path.join(TMP, 'no-such-dir', 'out.csv')
    r = tally('run', *EXAMPLE, '--output', out).expect(EXIT_IO)
    assert 'cannot create the output file' in r.err
    r = tally('run', *EXAMPLE, '--on-error=reject', os.path.join(TMP, 'no-such-dir', 'r.csv'))
    r.expect(EXIT_IO)


# ---- standard input ----

def test_stdin_input():
    with open(TX, 'rb') as f:
        data = f.read()
    from_file = tally('run', *EXAMPLE, '--format', 'json', '-q').expect(EXIT_OK)
    r = tally('run', PLAN, '--transactions', '-', '--partners', PARTNERS, '--claims', CLAIMS,
              '--format', 'json', stdin=data).expect(EXIT_OK)
    assert json.loads(r.out)['result_digest'] == json.loads(from_file.out)['result_digest']
    assert 'transactions <stdin>: 42 accepted, 0 rejected' in r.err, r.err
    tx = write('stdin-bad.csv', BAD_TX)
    with open(tx, 'rb') as f:
        r = tally('run', PLAN, '--transactions', '-', stdin=f.read()).expect(EXIT_INPUT)
    assert r.err.startswith('tally: <stdin>:3:2: date: '), r.err
    with open(PLAN, 'rb') as f:
        r = tally('run', '-', '--transactions', TX, '--partners', PARTNERS, '--claims', CLAIMS,
                  '--format', 'json', stdin=f.read()).expect(EXIT_OK)
    assert json.loads(r.out)['result_digest'] == json.loads(from_file.out)['result_digest']


def big_transactions(name, copies, bad_every):
    """The example's transactions `copies` times over (ids made unique), a few MiB,
    with a bad amount every `bad_every` rows: several 1 MiB chunks."""
    with open(TX, encoding='utf-8', newline='') as f:
        lines = f.read().splitlines()
    header, rows = lines[0], [l for l in lines[1:] if l]
    out, n = [header], 0
    for copy in range(copies):
        for row in rows:
            n += 1
            fields = row.split(',')
            fields[0] = '%s-%d' % (fields[0], copy)
            if n % bad_every == 0:
                fields[header.split(',').index('amount')] = '"12,5"'
            out.append(','.join(fields))
    return write(name, '\n'.join(out) + '\n')


def test_threads_give_the_same_output():
    tx = big_transactions('big.csv', 1500, 997)
    assert os.path.getsize(tx) > 3 * 1024 * 1024
    outputs = {}
    for threads in ('1', '2'):
        rejects = os.path.join(TMP, 'big-rejects.csv')  # named in the summary
        runs = [tally('run', PLAN, '--transactions', tx, '--partners', PARTNERS, '--format',
                      fmt, '--threads', threads, '--on-error=reject', rejects).expect(EXIT_OK)
                for fmt in ('csv', 'json')]
        with open(rejects, 'rb') as f:
            reject_file = f.read()
        stop = tally('run', PLAN, '--transactions', tx, '--partners', PARTNERS,
                     '--threads', threads).expect(EXIT_INPUT)
        with open(tx, 'rb') as f:
            piped = tally('run', PLAN, '--transactions', '-', '--partners', PARTNERS,
                          '--format', 'csv', '--threads', threads, '--on-error=reject',
                          rejects, stdin=f.read()).expect(EXIT_OK)
        outputs[threads] = ([(r.raw, r.err) for r in runs], reject_file, stop.err, piped.raw)
    assert outputs['1'] == outputs['2']
    runs, reject_file, stop_err, piped = outputs['2']
    assert reject_file.count(b'is not a decimal number') == 1500 * 42 // 997, reject_file[:300]
    assert 'stopped at the first bad row' in stop_err, stop_err
    assert piped == runs[0][0]
    # The default is the second thread; --threads takes 1 or 2 only.
    default = tally('run', PLAN, '--transactions', tx, '--partners', PARTNERS, '--format',
                    'csv', '--on-error=reject', os.path.join(TMP, 'r.csv')).expect(EXIT_OK)
    assert default.raw == runs[0][0]
    for bad in ('0', '3', 'two'):
        r = tally('run', PLAN, '--transactions', tx, '--threads', bad).expect(EXIT_USAGE)
        assert '--threads "%s": expected 1 or 2' % bad in r.err, r.err


# ---- tally check ----

def test_check_good_plan():
    r = tally('check', PLAN).expect(EXIT_OK)
    digest = json.loads(tally('run', *EXAMPLE, '--format', 'json', '-q').out)['plan_digest']
    assert r.out.startswith('plan      northwind-reseller (Northwind reseller programme)\n')
    assert 'digest    %s\n' % digest in r.out
    assert 'currency  USD\n' in r.out
    assert 'version fy2026: 2026-01-01 to 2026-12-31, 5 components' in r.out
    assert 'version fy2027: 2027-01-01 to (open), 5 components' in r.out
    rows = table_rows(r.out)
    assert ['volume-rebate', 'rebate', 'quarter', '3', 'bands,', 'whole', 'on', 'amount',
            'Quarterly', 'volume', 'rebate'] in rows
    assert ['storage-units', 'rebate', 'quarter', '-', 'Storage', 'shelf', 'rebate'] in rows
    with open(PLAN, 'rb') as f:
        r2 = tally('check', '-', stdin=f.read()).expect(EXIT_OK)
    assert r2.out == r.out
    for other in ('agent-commission.xml', 'distributor-growth.xml'):
        tally('check', os.path.join(ROOT, 'examples', other)).expect(EXIT_OK)


def test_check_bad_plan_reports_every_error():
    plan = write('bad-plan.xml', '''<?xml version="1.0" encoding="UTF-8"?>
<plan xmlns="urn:tally:plan:1" format-version="1" id="bad" currency="USD">
  <version id="v1" effective-from="2026-01-01">
    <rebate id="r" period="quarter">
      <tiers mode="whole" measure="amount">
        <band from="0" to="1000" rate="0.01"/>
        <band from="2000" rate="0.02"/>
      </tiers>
    </rebate>
    <rebate id="r" period="quarter"><rate>0.01</rate></rebate>
  </version>
</plan>
''')
    r = tally('check', plan).expect(EXIT_INPUT)
    assert r.out == ''
    errors = r.err.splitlines()
    assert len(errors) >= 2, r.err
    for line in errors:
        assert re.match(r'^tally: %s:\d+:\d+: /plan/\S+: .+' % re.escape(plan), line), line
    assert any(':7:' in line and 'contiguous' in line for line in errors), r.err
    assert any('r' in line and 'duplicate' in line.lower() for line in errors), r.err
    r = tally('check', write('not-xml.xml', 'this is not a plan')).expect(EXIT_INPUT)
    assert r.err.startswith('tally: '), r.err


# ---- help and version ----

def test_help_for_every_command():
    for args in (['--help'], ['-h'], ['help']):
        r = tally(*args).expect(EXIT_OK)
        assert r.out.startswith('Usage: tally COMMAND'), r.out
        for word in ('run', 'check', 'Exit status', '2  usage error'):
            assert word in r.out
    for command in ('run', 'check'):
        for args in ([command, '--help'], [command, '-h'], ['help', command],
                     [command, PLAN, '--help']):
            r = tally(*args).expect(EXIT_OK)
            assert r.out.startswith('Usage: tally %s PLAN' % command), (args, r.out)
            assert 'Exit status' in r.out
            assert all(len(line) <= 80 for line in r.out.splitlines())
    r = tally('run', '--help').expect(EXIT_OK)
    for option in ('--transactions', '--partners', '--settlements', '--claims', '--baselines',
                   '--rates', '--as-of', '--from', '--to', '--period', '--format', '--output',
                   '--on-error=reject', '--map', '--no-source-ids', '--trust-ids'):
        assert option in r.out, option


def test_version():
    for flag in ('--version', '-V'):
        r = tally(flag).expect(EXIT_OK)
        assert re.match(r'^tally \d+\.\d+\.\d+ \(libtally \d+\.\d+\.\d+\)\n$', r.out), r.out


def main():
    tests = [(name, fn) for name, fn in globals().items() if name.startswith('test_')]
    failed = 0
    for name, fn in tests:
        try:
            fn()
            print('PASS', name)
        except Exception:  # noqa: BLE001 - report and go on
            failed += 1
            print('FAIL', name)
            traceback.print_exc(file=sys.stdout)
    print('%d passed, %d failed' % (len(tests) - failed, failed))
    if not failed:
        shutil.rmtree(TMP, ignore_errors=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
