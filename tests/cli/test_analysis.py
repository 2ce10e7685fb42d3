#!/usr/bin/env python3
"""Tests of the analysis subcommands of the tally command-line tool, run by meson:

    test_analysis.py TALLY_EXE SOURCE_ROOT

`tally explain`, `tally progress`, `tally curve` and the lint of `tally check`, on
the bundled example (examples/reseller-programme.xml with examples/data/reseller/,
worked out by hand in examples/data/reseller/README.md) and on small plans written
to a temporary directory, with numbers checked by hand (docs/semantics.md sections
6 and 21 for the running example). Standard library only. Prints one PASS/FAIL
line per test; exits 1 on a failure.
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
import xml.etree.ElementTree as ET

TALLY = os.path.abspath(sys.argv[1])
ROOT = os.path.abspath(sys.argv[2])
PLAN = os.path.join(ROOT, 'examples', 'reseller-programme.xml')
DATA = os.path.join(ROOT, 'examples', 'data', 'reseller')
INPUTS = ['--transactions', os.path.join(DATA, 'transactions.csv'),
          '--partners', os.path.join(DATA, 'partners.csv'),
          '--claims', os.path.join(DATA, 'claims.csv')]
EXAMPLE = [PLAN] + INPUTS
TMP = tempfile.mkdtemp(prefix='tally-analysis-')
SVG = '{http://www.w3.org/2000/svg}'

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_IO = 0, 1, 2, 3


class Run:
    def __init__(self, args, stdin=None):
        proc = subprocess.run([TALLY] + args, input=stdin, capture_output=True, timeout=60)
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
    with open(path, 'w', encoding='utf-8', newline='') as f:
        f.write(text)
    return path


def plan(name, components, effective='effective-from="2026-01-01"'):
    return write(name, '''<?xml version="1.0" encoding="UTF-8"?>
<plan xmlns="urn:tally:plan:1" format-version="1" id="%s" currency="USD">
  <version id="v1" %s>
%s
  </version>
</plan>
''' % (name.split('.')[0], effective, components))


RUNNING_BANDS = '''        <band from="0" to="10000" rate="0.02"/>
        <band from="10000" to="20000" rate="0.03"/>
        <band from="20000" rate="0.04"/>'''


def running_plan():
    """docs/semantics.md section 6: the running bands, marginal and whole, quarterly."""
    return plan('running.xml', '''    <rebate id="marginal" period="quarter">
      <tiers mode="marginal" measure="amount">
%s
      </tiers>
    </rebate>
    <rebate id="whole" period="quarter">
      <tiers mode="whole" measure="amount">
%s
      </tiers>
    </rebate>''' % (RUNNING_BANDS, RUNNING_BANDS))


def running_transactions():
    return write('running.csv', 'id,date,partner,amount\r\n'
                 'a,2026-01-15,P1,15000\r\nb,2026-04-15,P1,75000\r\nc,2026-05-15,P1,15000\r\n')


# ---- tally explain ----

def explained_lines(text):
    """The text output split into one block per payout line."""
    return [block for block in text.split('\n\n') if block.strip()]


def test_explain_one_payee_and_component():
    r = tally('explain', *EXAMPLE, '--payee', 'P-1001', '--component', 'volume-rebate')
    r.expect(EXIT_OK)
    blocks = explained_lines(r.out)
    assert len(blocks) == 2, r.out  # 2026-Q1 and 2026-Q2
    q1 = blocks[0].splitlines()
    assert q1[0] == 'volume-rebate 2026-Q1 P-1001 earned 12082.50 USD', q1[0]
    fields = {line.split()[0]: line.split(None, 1)[1] for line in q1[1:]
              if not line.startswith('    ') and len(line.split()) > 1}
    assert fields['version'] == 'fy2026'
    assert fields['basis'] == '322200.00'
    assert fields['multiplier'] == '1.25'
    assert fields['flags'] == 'multiplied'
    assert fields['withheld'] == '0'
    # 322,200 is in the top band: 3 % on the whole volume, then platinum x 1.25.
    assert '  band 3       portion 322200.00 x rate 0.03 = 9666.0000 [250000, ...)' in q1, q1
    assert fields['sources'].startswith('7: T-260001 T-260003 T-260006'), fields['sources']
    explanation = q1[q1.index('  explanation') + 1:]
    assert '    multiplier 1.25 (partner tier platinum): 12082.500000' in explanation, explanation
    assert '    rounded half-even to 2 places: 12082.50' in explanation, explanation


def test_explain_marginal_bands():
    plan_path = running_plan()
    tx = write('q1.csv', 'id,date,partner,amount\r\na,2026-01-15,P1,15000\r\n'
               'b,2026-03-31,P1,10000\r\n')
    r = tally('explain', plan_path, '--transactions', tx, '--component', 'marginal')
    lines = r.expect(EXIT_OK).out.splitlines()
    assert lines[0] == 'marginal 2026-Q1 P1 earned 700.00 USD', lines
    # docs/semantics.md section 6: 200 + 300 + 200.
    assert [line for line in lines if line.startswith('  band ')] == [
        '  band 1       portion 10000 x rate 0.02 = 200.00 [0, 10000)',
        '  band 2       portion 10000 x rate 0.03 = 300.00 [10000, 20000)',
        '  band 3       portion 5000 x rate 0.04 = 200.00 [20000, ...)'], lines
    assert '  sources      2: a b' in lines, lines


def test_explain_matches_the_run_and_keeps_sources():
    run = json.loads(tally('run', *EXAMPLE, '--format', 'json', '-q').expect(EXIT_OK).out)
    r = tally('explain', *EXAMPLE, '--format', 'json').expect(EXIT_OK)
    explained = json.loads(r.out)
    assert explained['result_digest'] == run['result_digest']
    assert len(explained['lines']) == len(run['lines'])
    for mine, theirs in zip(explained['lines'], run['lines']):
        for key in ('component', 'period', 'payee', 'kind', 'amount', 'basis', 'explanation',
                    'sources', 'flags', 'multiplier', 'withheld'):
            assert mine[key] == theirs[key], (key, mine, theirs)
    launch = [l for l in explained['lines'] if l['component'] == 'r-series-launch'
              and l['payee'] == 'apex.jlee' and l['period'] == '2026-04'][0]
    assert launch['flags'] == ['capped'] and launch['sources'] == ['T-260021', 'T-260025']
    assert 'cap 3000 applied: 3000' in launch['explanation']


def test_explain_clawback_and_period():
    r = tally('explain', *EXAMPLE, '--payee', 'apex.jlee', '--period', '2026-05')
    r.expect(EXIT_OK)
    lines = r.out.splitlines()
    assert lines[0] == 'r-series-launch 2026-05 apex.jlee clawback -300.00 USD', r.out
    assert '  clawback     requested 300.00, recovered 0, outstanding 300.00' in lines
    assert '  sources      1: T-260030' in lines
    assert '  flags        none' in lines


def test_explain_errors():
    r = tally('explain', *EXAMPLE, '--payee', 'nobody').expect(EXIT_INPUT)
    assert r.err == 'tally: no payout line of payee nobody\n', r.err
    r = tally('explain', PLAN, '--payee', 'P-1001').expect(EXIT_USAGE)
    assert 'no --transactions FILE given' in r.err
    # Explanations always keep their sources: there is no --no-source-ids.
    r = tally('explain', *EXAMPLE, '--no-source-ids').expect(EXIT_USAGE)
    assert 'unknown option "--no-source-ids"' in r.err
    tally('explain', *EXAMPLE, '--format', 'xml').expect(EXIT_USAGE)
    tally('explain', *EXAMPLE, '--period', '2026-Q5').expect(EXIT_USAGE)
    tally('explain', PLAN, '--transactions', os.path.join(TMP, 'missing.csv')).expect(EXIT_IO)


# ---- tally progress ----

def progress_rows(text):
    return list(csv.DictReader(io.StringIO(text, newline='')))


def test_progress_of_the_example():
    r = tally('progress', *EXAMPLE, '--format', 'csv').expect(EXIT_OK)
    rows = {row['payee']: row for row in progress_rows(r.out)}
    assert set(rows) == {'P-1001', 'P-1002', 'P-1003', 'P-1004', 'P-1005', 'P-1006'}, rows
    # P-1002 (gold, x 1.10), 2026-Q2: 64,160 in the 2 % band; 250,000 pays 3 %.
    assert rows['P-1002'] == {
        'component': 'volume-rebate', 'period': '2026-Q2', 'payee': 'P-1002',
        'basis': '64160.00', 'band': '2', 'next_from': '250000', 'needed': '185840.00',
        'payout': '1411.52',  # 64,160 x 2 % x 1.10
        'payout_at_next': '8250.00'}, rows['P-1002']  # 250,000 x 3 % x 1.10
    # P-1001 is in the open top band: nothing further to reach.
    assert rows['P-1001']['band'] == '3' and rows['P-1001']['next_from'] == ''
    assert rows['P-1001']['payout'] == '20334.38'
    # P-1005, 5,410 in 2026-Q2: below the 10,000 minimum pays 0; 50,000 pays 2 %.
    assert (rows['P-1005']['payout'], rows['P-1005']['payout_at_next']) == ('0.00', '1000.00')
    table = tally('progress', *EXAMPLE, '--payee', 'P-1002').expect(EXIT_OK).out.splitlines()
    assert table[0].split() == ['component', 'period', 'payee', 'basis', 'band', 'next',
                                'from', 'needed', 'payout', 'at', 'next'], table[0]
    assert table[2].split() == ['volume-rebate', '2026-Q2', 'P-1002', '64160.00', '2',
                                '250000', '185840.00', '1411.52', '8250.00'], table


def test_progress_periods_in_a_range():
    r = tally('progress', *EXAMPLE, '--period', '2026-Q1', '--payee', 'P-1003',
              '--format', 'json').expect(EXIT_OK)
    rows = json.loads(r.out)['progress']
    # 30,950 in 2026-Q1, gold: 309.50 x 1.10 = 340.45; 50,000 x 2 % x 1.10 = 1100.00.
    assert rows == [{'component': 'volume-rebate', 'period': '2026-Q1', 'payee': 'P-1003',
                     'basis': '30950.00', 'band': 1, 'has_next': True, 'next_from': '50000',
                     'needed': '19050.00', 'payout': '340.45',
                     'payout_at_next': '1100.00'}], rows


def test_progress_running_example_by_hand():
    plan_path, tx = running_plan(), running_transactions()
    r = tally('progress', plan_path, '--transactions', tx, '--period', '2026-Q1',
              '--format', 'csv').expect(EXIT_OK)
    rows = {row['component']: row for row in progress_rows(r.out)}
    # docs/semantics.md section 21: 15,000 in 2026-Q1.
    assert rows['marginal']['basis'] == '15000' and rows['marginal']['band'] == '2'
    assert rows['marginal']['needed'] == '5000.00'
    assert rows['marginal']['payout'] == '350.00'          # 200 + 150
    assert rows['marginal']['payout_at_next'] == '500.00'  # 200 + 300
    assert rows['whole']['payout'] == '450.00'             # 15,000 x 3 %
    assert rows['whole']['payout_at_next'] == '800.00'     # 20,000 x 4 %
    # Without a range: the latest quarter, 2026-Q2 with 90,000 in the top band.
    rows = progress_rows(tally('progress', plan_path, '--transactions', tx, '--component',
                               'whole', '--format', 'csv').expect(EXIT_OK).out)
    assert [(r['period'], r['basis'], r['band'], r['payout'], r['needed']) for r in rows] == [
        ('2026-Q2', '90000', '3', '3600.00', '')], rows


def test_progress_errors():
    r = tally('progress', *EXAMPLE, '--component', 'public-services').expect(EXIT_INPUT)
    assert 'no line of a rebate or commission with period tiers' in r.err, r.err
    tally('progress', *EXAMPLE, '--format', 'svg').expect(EXIT_USAGE)
    tally('progress', PLAN).expect(EXIT_USAGE)


# ---- tally curve ----

def parse_svg(path):
    root = ET.parse(path).getroot()  # well-formed, or this raises
    assert root.tag == SVG + 'svg', root.tag
    return root


def groups(root, class_name):
    return [g for g in root.iter(SVG + 'g') if class_name in g.get('class', '').split()]


def test_curve_marginal_running_example():
    out = os.path.join(TMP, 'marginal.svg')
    tally('curve', running_plan(), 'marginal', '--svg', out, '--max', '25000').expect(EXIT_OK)
    root = parse_svg(out)
    assert len(list(root.iter(SVG + 'polyline'))) == 1
    assert len(list(root.iter(SVG + 'path'))) == 0
    boundaries = groups(root, 'boundary')
    assert [(g.get('data-volume'), g.get('data-payout')) for g in boundaries] == [
        ('10000', '200.00'), ('20000', '500.00')], [g.attrib for g in boundaries]
    for g in boundaries:
        line = g.find(SVG + 'line')
        assert line is not None and line.get('stroke-dasharray'), g.attrib
        texts = [t.text for t in g.iter(SVG + 'text')]
        assert 'band %s from %s' % (g.get('data-band'), g.get('data-volume')) in texts, texts
        assert g.get('data-payout') in texts, texts
    # 10,000 x 2 % + 10,000 x 3 % + 5,000 x 4 % = 700 (docs/semantics.md section 6).
    end = groups(root, 'end')
    assert len(end) == 1 and end[0].get('data-payout') == '700.00', [g.attrib for g in end]
    assert '700.00 at 25000.00' in [t.text for t in end[0].iter(SVG + 'text')]
    points = [tuple(map(float, p.split(',')))
              for p in next(root.iter(SVG + 'polyline')).get('points').split()]
    assert len(points) > 100
    xs = [x for x, _ in points]
    assert xs == sorted(xs), 'the curve goes left to right'
    ys = [y for _, y in points]
    assert ys == sorted(ys, reverse=True), 'a marginal curve never falls (y grows downwards)'


def test_curve_whole_mode_jumps_at_boundaries():
    out = os.path.join(TMP, 'whole.svg')
    tally('curve', running_plan(), 'whole', '--svg', out).expect(EXIT_OK)
    root = parse_svg(out)
    assert [(g.get('data-volume'), g.get('data-payout')) for g in groups(root, 'boundary')] == [
        ('10000', '300.00'), ('20000', '800.00')]
    # Default right end: 1.5 x the last band's start, 30,000 x 4 %.
    assert groups(root, 'end')[0].get('data-payout') == '1200.00'


def test_curve_with_a_payee_position():
    out = os.path.join(TMP, 'volume.svg')
    tally('curve', PLAN, 'volume-rebate', '--svg', out, '--payee', 'P-1002', *INPUTS)
    root = parse_svg(out)
    assert 'version fy2026' in root.find(SVG + 'title').text
    position, target = groups(root, 'position'), groups(root, 'target')
    assert len(position) == 1 and len(target) == 1
    assert (position[0].get('data-volume'), position[0].get('data-payout')) == (
        '64160.00', '1411.52')
    assert (target[0].get('data-volume'), target[0].get('data-payout')) == ('250000', '8250.00')
    label = ' '.join(t.text for t in position[0].iter(SVG + 'text'))
    assert 'P-1002 2026-Q2' in label and 'multiplier 1.10' in label, label
    # Below the 10,000 minimum the rebate pays nothing; 50,000 reaches 2 %.
    assert [(g.get('data-volume'), g.get('data-payout')) for g in groups(root, 'boundary')] == [
        ('50000', '1000.00'), ('250000', '7500.00')]
    # On standard output too.
    r = tally('curve', PLAN, 'volume-rebate', '--svg', '-', '--version', 'fy2027')
    r.expect(EXIT_OK)
    root = ET.fromstring(r.out)
    assert [g.get('data-volume') for g in groups(root, 'boundary')] == [
        '50000', '250000', '1000000']


def test_curve_attainment_commission():
    out = os.path.join(TMP, 'agents.svg')
    tally('curve', os.path.join(ROOT, 'examples', 'agent-commission.xml'), 'agent-commission',
          '--svg', out, '--quota', '100000').expect(EXIT_OK)
    root = parse_svg(out)
    # 100 % of 100,000 at 5 %; then 50,000 at 8 % more.
    assert [(g.get('data-volume'), g.get('data-payout')) for g in groups(root, 'boundary')] == [
        ('100', '5000.00'), ('150', '9000.00')]


def test_curve_errors():
    svg = os.path.join(TMP, 'error.svg')
    r = tally('curve', PLAN, 'nope', '--svg', svg).expect(EXIT_USAGE)
    assert 'no component "nope"' in r.err
    r = tally('curve', PLAN, 'public-services', '--svg', svg).expect(EXIT_USAGE)
    assert 'has no tiers' in r.err
    tally('curve', PLAN, 'volume-rebate').expect(EXIT_USAGE)  # no --svg
    tally('curve', PLAN, 'volume-rebate', '--svg', svg, '--payee', 'P-1001').expect(EXIT_USAGE)
    tally('curve', PLAN, 'volume-rebate', '--svg', svg, '--max', '-5').expect(EXIT_USAGE)
    tally('curve', PLAN, 'volume-rebate', '--svg', svg, '--version', 'fy1999').expect(EXIT_USAGE)
    tally('curve', PLAN, 'volume-rebate', '--svg',
          os.path.join(TMP, 'no-such-dir', 'x.svg')).expect(EXIT_IO)
    assert not os.path.exists(svg)


# ---- tally check: lint ----

WARNING = re.compile(r'^(.+):(\d+): component (\S+): (.+)$')

CRAFTED = '''    <rebate id="cliff" period="quarter">
      <tiers mode="whole" measure="amount">
        <band from="0" to="10000" rate="0.05"/>
        <band from="10000" to="20000" rate="0.03"/>
        <band from="20000" rate="0.04"/>
      </tiers>
    </rebate>
    <rebate id="capped" period="quarter">
      <tiers mode="marginal" measure="amount">
%s
      </tiers>
      <cap>500</cap>
    </rebate>
    <rebate id="floor" period="quarter">
      <tiers mode="whole" measure="amount">
        <band from="5000" to="10000" rate="0.02"/>
        <band from="10000" rate="0.03"/>
      </tiers>
      <cap>100</cap>
    </rebate>
    <rebate id="capped-cliff" period="quarter">
      <tiers mode="whole" measure="amount">
        <band from="0" to="10000" rate="0.05"/>
        <band from="10000" rate="0.04"/>
      </tiers>
      <cap>300</cap>
    </rebate>
    <spiff id="never" period="month" window-from="2026-03-01" window-to="2026-04-30">
      <eligibility>
        <products>X-1</products>
        <window from="2026-06-01" to="2026-06-30"/>
      </eligibility>
      <product id="R-750" amount="50"/>
    </spiff>''' % RUNNING_BANDS


def line_of(path, text):
    with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            if text in line:
                return number
    raise AssertionError(text)


def test_lint_crafted_plan():
    path = plan('crafted.xml', CRAFTED, 'effective-from="2026-01-01" effective-to="2026-12-31"')
    r = tally('check', path).expect(EXIT_OK)
    assert r.out.startswith('plan      crafted\n'), r.out  # the summary is unchanged
    lines = r.err.splitlines()
    assert lines[-1] == 'tally: 6 warnings', r.err
    warnings = [WARNING.match(line) for line in lines[:-1]]
    assert all(warnings), lines
    for w in warnings:
        assert w.group(1) == path
        assert int(w.group(2)) == line_of(path, 'id="%s"' % w.group(3)), w.group(0)
    by_id = {}
    for w in warnings:
        by_id.setdefault(w.group(3), []).append(w.group(4))
    # just under 10,000: 9,999.99 x 5 % ~ 500; at 10,000: 10,000 x 3 % = 300.
    assert by_id['cliff'] == [
        'cliff at 10000: one more unit of volume lowers the payout from just under 500.00 '
        '(band 1, rate 0.05) to 300.00 (band 2, rate 0.03)'], by_id['cliff']
    # Marginal: 10,000 x 2 % + 10,000 x 3 % = 500 at 20,000: band 3 never matters.
    assert by_id['capped'] == [
        'band 3 (from 20000) is unreachable: the cap 500 is reached at or before its start, '
        'where the tiers pay 500.00'], by_id['capped']
    # 5,000 x 2 % = 100 at the first band's start.
    assert by_id['floor'] == [
        'the cap 100 is at or below what the first band pays at its start (100.00 at 5000): '
        'every payout is capped'], by_id['floor']
    # Capped at 300 below the cliff: 500 -> 400 becomes 300 -> 300 (no cliff), but band 2
    # (400 at its start) is unreachable.
    assert by_id['capped-cliff'] == [
        'band 2 (from 10000) is unreachable: the cap 300 is reached at or before its start, '
        'where the tiers pay 400.00'], by_id['capped-cliff']
    assert len(by_id['never']) == 2, by_id['never']
    assert 'shares no day with the spiff window' in by_id['never'][0]
    assert 'no transaction can ever match' in by_id['never'][0]
    assert 'none of the spiff\'s 1 product passes its <products> filter' in by_id['never'][1]
    r = tally('check', '--strict', path).expect(EXIT_INPUT)
    assert r.err.splitlines()[-1] == 'tally: 6 warnings (--strict: the check fails)', r.err
    with open(path, 'rb') as f:
        r = tally('check', '-', stdin=f.read()).expect(EXIT_OK)
    assert r.err.startswith('<stdin>:%d: component cliff: ' % line_of(path, 'id="cliff"'))


def test_lint_clean_plans():
    for name in ('reseller-programme.xml', 'agent-commission.xml', 'distributor-growth.xml'):
        path = os.path.join(ROOT, 'examples', name)
        r = tally('check', path, '--strict').expect(EXIT_OK)
        assert r.err == '', (name, r.err)
    clean = plan('clean.xml', '''    <rebate id="rising" period="quarter">
      <tiers mode="whole" measure="amount">
%s
      </tiers>
      <cap>5000</cap>
    </rebate>
    <spiff id="launch" period="month" window-from="2026-03-01" window-to="2026-04-30">
      <eligibility><products exclude="true">R-860</products></eligibility>
      <product id="R-750" amount="50"/>
    </spiff>''' % RUNNING_BANDS)
    r = tally('check', clean, '--strict').expect(EXIT_OK)
    assert r.err == '', r.err
    # Errors still come first and fail: the lint only looks at valid plans.
    bad = plan('bad.xml', '<rebate id="r" period="quarter"><cap>0</cap><rate>0.1</rate></rebate>')
    r = tally('check', bad).expect(EXIT_INPUT)
    assert 'component r:' not in r.err


# ---- help ----

def test_help_of_the_new_commands():
    usage = {'explain': 'Usage: tally explain PLAN --transactions FILE',
             'progress': 'Usage: tally progress PLAN --transactions FILE',
             'curve': 'Usage: tally curve PLAN COMPONENT --svg OUT',
             'check': 'Usage: tally check PLAN [--strict]'}
    for command, first in usage.items():
        for args in ([command, '--help'], [command, '-h'], ['help', command]):
            r = tally(*args).expect(EXIT_OK)
            assert r.out.startswith(first), (args, r.out)
            assert 'Exit status' in r.out
            assert all(len(line) <= 80 for line in r.out.splitlines()), r.out
    for option in ('--payee', '--component', '--period', '--transactions', '--on-error'):
        assert option in tally('explain', '--help').out, option
    for option in ('--svg', '--max', '--payee', '--version', '--quota'):
        assert option in tally('curve', '--help').out, option
    assert '--strict' in tally('check', '--help').out
    main = tally('--help').expect(EXIT_OK).out
    for command in ('explain', 'progress', 'curve'):
        assert re.search(r'^  %s +\S' % command, main, re.M), main


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
