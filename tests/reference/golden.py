"""The worked examples of domain.md and docs/plan-format.md as fixed scenarios, with
the answers the documents give. run.py checks them first: the reference calculator
must reproduce every one (or the reference itself is wrong), and the engine is
compared on them like on the random scenarios.
"""

HEAD = ('<plan xmlns="urn:tally:plan:1" format-version="1" id="golden" currency="USD">\n'
        '%s<version id="v1" effective-from="2026-01-01">\n%s\n</version>\n</plan>\n')


def plan(body, top=''):
    return HEAD % (top, body)


def tx(tid, date, partner, amount, qty='1', rep='', product='X', category='hardware',
       region='NA', original='', split='', cc='', new='', claim=''):
    return '\t'.join(['T', tid, date, partner, rep, product, category, region, qty, amount,
                      '', '', original, split, cc, new, claim]).rstrip('\t')


def partner(pid, tier='gold', quota=''):
    return '\t'.join(['P', pid, 'reseller', tier, 'NA', '2025-01-01', quota])


BANDS3 = ('<band from="0" to="10000" rate="0.02"/><band from="10000" to="20000" '
          'rate="0.03"/><band from="20000" rate="0.04"/>')

SCENARIOS = [
    # domain.md 5: whole 1,000, marginal 700 on 25,000.
    ('tiers-whole', plan('<rebate id="r" period="quarter"><tiers mode="whole">%s</tiers>'
                         '</rebate>' % BANDS3),
     [tx('T1', '2026-02-01', 'P1', '25000')], None,
     ['r\t2026-Q1\tP1\tearned\t1000.00']),
    ('tiers-marginal', plan('<rebate id="r" period="quarter"><tiers mode="marginal">%s'
                            '</tiers></rebate>' % BANDS3),
     [tx('T1', '2026-02-01', 'P1', '25000')], None,
     ['r\t2026-Q1\tP1\tearned\t700.00']),
    # Interpolated: 1,500 -> 20; 3,000 -> 110 (open top band paid once entered).
    ('tiers-interpolated', plan(
        '<rebate id="r" period="month"><tiers mode="interpolated">'
        '<band from="0" to="1000" amount="10"/><band from="1000" to="3000" amount="40"/>'
        '<band from="3000" amount="60"/></tiers></rebate>'),
     [tx('T1', '2026-01-05', 'P1', '1500'), tx('T2', '2026-02-05', 'P1', '3000')], None,
     ['r\t2026-01\tP1\tearned\t20.00', 'r\t2026-02\tP1\tearned\t110.00']),
    # Marginal over a stream telescopes: 145,000 then 20,000 -> the period pays
    # 150,000 x 4 % + 15,000 x 6 % = 6,900 (of which the new deal 1,100).
    ('tiers-telescoping', plan(
        '<rebate id="r" period="quarter"><tiers mode="marginal">'
        '<band from="0" to="150000" rate="0.04"/><band from="150000" rate="0.06"/>'
        '</tiers></rebate>'),
     [tx('T1', '2026-01-05', 'P1', '145000'), tx('T2', '2026-02-05', 'P1', '20000')], None,
     ['r\t2026-Q1\tP1\tearned\t6900.00']),
    # domain.md 6: yearly table, monthly settlement, minimum 5,000: 0, 140, 940.
    ('true-up', plan(
        '<rebate id="r" period="year" settlement="month"><tiers mode="whole">'
        '<band from="0" to="20000" rate="0.02"/><band from="20000" rate="0.04"/></tiers>'
        '<minimum>5000</minimum></rebate>'),
     [tx('T1', '2026-10-05', 'P1', '3000'), tx('T2', '2026-11-05', 'P1', '4000'),
      tx('T3', '2026-12-05', 'P1', '20000')], None,
     ['r\t2026-10\tP1\tearned\t0.00', 'r\t2026-11\tP1\tearned\t140.00',
      'r\t2026-12\tP1\tearned\t940.00']),
    # ... and with November already paid (prior settlement 140): December 940 is a
    # true-up of nothing, November pays 0 more.
    ('true-up-prior', plan(
        '<rebate id="r" period="year" settlement="month"><tiers mode="whole">'
        '<band from="0" to="20000" rate="0.02"/><band from="20000" rate="0.04"/></tiers>'
        '<minimum>5000</minimum></rebate>'),
     [tx('T1', '2026-10-05', 'P1', '3000'), tx('T2', '2026-11-05', 'P1', '4000'),
      tx('T3', '2026-12-05', 'P1', '20000'), 'S\tP1\tr\t2026-11\t140'], None,
     ['r\t2026-10\tP1\tearned\t0.00', 'r\t2026-11\tP1\ttrue-up\t0.00',
      'r\t2026-12\tP1\tearned\t940.00']),
    # domain.md 3: 0.333 three times: per payout 1.00, per transaction 0.99.
    ('rounding-points', plan(
        '<affiliate id="a" period="month" rate="0.333"/>'
        '<affiliate id="b" period="month" rate="0.333">'
        '<rounding point="per-transaction"/></affiliate>'),
     [tx('T%d' % i, '2026-01-0%d' % i, 'P1', '1') for i in (1, 2, 3)], None,
     ['a\t2026-01\tP1\tearned\t1.00', 'b\t2026-01\tP1\tearned\t0.99']),
    # plan-format: rounding modes on 2.345 / -2.345 (scale 2).
    ('rounding-modes', plan('\n'.join(
        '<affiliate id="%s" period="month" rate="1"><rounding mode="%s"/></affiliate>'
        % (m, m) for m in ('half-even', 'half-up', 'half-down', 'down', 'up', 'floor',
                           'ceiling'))),
     [tx('T1', '2026-01-05', 'P1', '2.345'), tx('T2', '2026-02-05', 'P1', '-2.345')],
     None,
     ['ceiling\t2026-01\tP1\tearned\t2.35', 'ceiling\t2026-02\tP1\tclawback\t-2.34',
      'down\t2026-01\tP1\tearned\t2.34', 'down\t2026-02\tP1\tclawback\t-2.34',
      'floor\t2026-01\tP1\tearned\t2.34', 'floor\t2026-02\tP1\tclawback\t-2.35',
      'half-down\t2026-01\tP1\tearned\t2.34', 'half-down\t2026-02\tP1\tclawback\t-2.34',
      'half-even\t2026-01\tP1\tearned\t2.34', 'half-even\t2026-02\tP1\tclawback\t-2.34',
      'half-up\t2026-01\tP1\tearned\t2.35', 'half-up\t2026-02\tP1\tclawback\t-2.35',
      'up\t2026-01\tP1\tearned\t2.35', 'up\t2026-02\tP1\tclawback\t-2.35']),
    # Attainment: quota 100,000, revenue 160,000: marginal 10,000, whole 16,000.
    ('attainment', plan(
        '<commission id="m" period="quarter"><tiers mode="marginal" measure="attainment">'
        '<band from="0" to="100" rate="0.05"/><band from="100" to="150" rate="0.08"/>'
        '<band from="150" rate="0.10"/></tiers></commission>'
        '<commission id="w" period="quarter"><tiers mode="whole" measure="attainment">'
        '<band from="0" to="100" rate="0.05"/><band from="100" to="150" rate="0.08"/>'
        '<band from="150" rate="0.10"/></tiers></commission>'),
     [partner('P1', quota='100000'), tx('T1', '2026-01-05', 'P1', '160000')], None,
     ['m\t2026-Q1\tP1\tearned\t10000.00', 'w\t2026-Q1\tP1\tearned\t16000.00']),
    # Splits: 100.01 split 50/50 -> payee 2 gets 50.00, payee 1 50.01.
    ('splits', plan('<commission id="c" period="month"><rate>1</rate></commission>'),
     [tx('T1', '2026-01-05', 'P1', '100.01', split='A:50;B:50')], None,
     ['c\t2026-01\tA\tearned\t50.01', 'c\t2026-01\tB\tearned\t50.00']),
    # Growth: baseline 200,000; 230,000 pays 900 on growth, 6,900 on basis; 209,000
    # (4.5 %) pays nothing.
    ('growth', plan(
        '<growth-rebate id="g" period="quarter" baseline="previous-period" '
        'threshold-percent="5" pay-on="growth"><rate>0.03</rate></growth-rebate>'
        '<growth-rebate id="h" period="quarter" baseline="previous-period" '
        'threshold-percent="5" pay-on="basis"><rate>0.03</rate></growth-rebate>'),
     [tx('T1', '2026-01-05', 'P1', '200000'), tx('T2', '2026-04-05', 'P1', '230000'),
      tx('T3', '2026-01-05', 'P2', '200000'), tx('T4', '2026-04-05', 'P2', '209000')],
     None,
     ['g\t2026-Q1\tP1\tearned\t0.00', 'g\t2026-Q1\tP2\tearned\t0.00',
      'g\t2026-Q2\tP1\tearned\t900.00', 'g\t2026-Q2\tP2\tearned\t0.00',
      'h\t2026-Q1\tP1\tearned\t0.00', 'h\t2026-Q1\tP2\tearned\t0.00',
      'h\t2026-Q2\tP1\tearned\t6900.00', 'h\t2026-Q2\tP2\tearned\t0.00']),
    # Minimum and cap on absolute values; -5,000 mirrors +5,000; a multiplier
    # before the cap (1,250 capped at 1,200).
    ('minimum-cap-multiplier', plan(
        '<rebate id="r" period="quarter"><rate>0.02</rate><minimum>5000</minimum></rebate>'
        '<rebate id="t" period="quarter"><tiers mode="whole">%s</tiers><multipliers>'
        '<multiplier partner-tier="platinum" factor="1.25"/></multipliers><cap>1200</cap>'
        '</rebate>' % BANDS3),
     [partner('P1', 'platinum'), partner('P2', 'gold'),
      tx('T1', '2026-01-05', 'P1', '4999.99'), tx('T2', '2026-04-05', 'P1', '5000'),
      tx('T3', '2026-07-05', 'P1', '-5000', qty='-1'),
      tx('T4', '2026-10-05', 'P1', '25000'), tx('T5', '2026-10-05', 'P2', '25000')],
     None,
     ['r\t2026-Q1\tP1\tearned\t0.00', 'r\t2026-Q2\tP1\tearned\t100.00',
      'r\t2026-Q3\tP1\tclawback\t-100.00', 'r\t2026-Q4\tP1\tearned\t500.00',
      'r\t2026-Q4\tP2\tearned\t500.00',
      't\t2026-Q1\tP1\tearned\t125.00', 't\t2026-Q2\tP1\tearned\t125.00',
      't\t2026-Q3\tP1\tclawback\t-125.00', 't\t2026-Q4\tP1\tearned\t1200.00',
      't\t2026-Q4\tP2\tearned\t1000.00']),
    # SPIFF claim deadline (60 days, 10 % per started month, at most 3 months):
    # on time 100 %, 10 days late 90 %, 40 days late 80 %, 4 months late nothing.
    ('spiff-deadline', plan(
        '<spiff id="s" period="month" window-from="2026-03-01" window-to="2026-04-30" '
        'payee="partner"><product id="X" amount="100"/>'
        '<claim-deadline days-after-sale="60" late-reduction-percent="10" '
        'max-late-months="3"/></spiff>'),
     [tx('T1', '2026-03-02', 'P1', '10', claim='2026-04-21'),
      tx('T2', '2026-03-02', 'P2', '10', claim='2026-05-11'),
      tx('T3', '2026-03-02', 'P3', '10', claim='2026-06-10'),
      tx('T4', '2026-03-02', 'P4', '10', claim='2026-09-30')], None,
     ['s\t2026-03\tP1\tearned\t100.00', 's\t2026-03\tP2\tearned\t90.00',
      's\t2026-03\tP3\tearned\t80.00', 's\t2026-03\tP4\tearned\t0.00']),
    # Fiscal year starting in July: FY2027 and FY2027-Q1 for July 2026.
    ('fiscal-labels', plan(
        '<rebate id="y" period="fiscal-year"><rate>0.01</rate></rebate>'
        '<rebate id="q" period="fiscal-quarter"><rate>0.01</rate></rebate>'
        '<rebate id="h" period="fiscal-half"><rate>0.01</rate></rebate>',
        '<calendar fiscal-year-start-month="7"/>\n'),
     [tx('T1', '2026-07-01', 'P1', '100'), tx('T2', '2027-06-30', 'P1', '100')], None,
     ['h\tFY2027-H1\tP1\tearned\t1.00', 'h\tFY2027-H2\tP1\tearned\t1.00',
      'q\tFY2027-Q1\tP1\tearned\t1.00', 'q\tFY2027-Q4\tP1\tearned\t1.00',
      'y\tFY2027\tP1\tearned\t2.00']),
    # MDF: 2 % of 10,000 in 2026-Q1 accrues 200, usable 2026-04-01 ... 2026-09-30
    # (6 months); a claim of 100 at 50 % co-funding on 2026-04-01 takes 50; the rest
    # (150) expires on 2026-09-30; a claim on 2026-10-01 finds nothing.
    ('mdf', plan('<mdf id="f" period="quarter" accrual-rate="0.02" expiry-months="6" '
                 'co-funding="0.5"/>'),
     [tx('T1', '2026-02-01', 'P1', '10000'),
      'C\tM1\tP1\t2026-04-01\t100\tads\tf', 'C\tM2\tP1\t2026-10-01\t40\tads\tf'], None,
     ['f\t2026-Q1\tP1\tmdf-accrued\t200.00', 'f\t2026-Q1\tP1\tmdf-balance\t200.00',
      'f\t2026-Q2\tP1\tmdf-claimed\t100.00', 'f\t2026-Q2\tP1\tmdf-reimbursed\t50.00',
      'f\t2026-Q2\tP1\tmdf-balance\t150.00',
      'f\t2026-Q3\tP1\tmdf-expired\t150.00', 'f\t2026-Q3\tP1\tmdf-balance\t0.00',
      'f\t2026-Q4\tP1\tmdf-claimed\t40.00', 'f\t2026-Q4\tP1\tmdf-reimbursed\t0.00',
      'f\t2026-Q4\tP1\tmdf-shortfall\t20.00', 'f\t2026-Q4\tP1\tmdf-balance\t0.00']),
]
