#!/usr/bin/env python3
"""Independent reference calculator for tally, written from /work/shared/domain.md
and docs/plan-format.md only (never from lib/engine/).

    calculator.py PLAN.xml INPUTS.tsv [--as-of YYYY-MM-DD]

Prints the expected result lines, `component\\tperiod\\tpayee\\tkind\\tamount`, in
canonical order: (component, tier period, period, payee, kind order). The input
format is the one of tests/engine_harness.c.

Everything is exact: decimal.Decimal with a huge precision, and fractions.Fraction
for the one division (the fraction of the current band of an interpolated table: a
sum of non-terminating parts may terminate, 1/3 + 1/3 + 1/3, and must then round
exactly). Amounts are rounded only where the plan says, with the plan's mode at the
plan's scale (quantize, or the exact equivalent for a Fraction).

Assumptions where the specification is silent (numbered so they can be reconciled;
[engine] marks a choice adopted after comparing with the engine, [reported] one
where the engine does otherwise and the difference is reported as an engine issue):

 1. Line existence: a line exists for each (component, payee, settlement period)
    with at least one contributing transaction or a prior settlement. A
    "contributing" transaction passes the component's eligibility (for category /
    customer-category rate tables: a rate exists; for deal-registration: its own
    deal_registered flag is true) and is attributed to that period; for referral it
    is an earning sale (amount > 0) or a return that claws back a fee; for SPIFF an
    earning sale or a clawing-back return. A line whose amount is 0 is still written
    (e.g. below the minimum).
 2. Line kind: amount < 0 -> clawback; else a prior settlement recorded for the
    line's (payee, component, period) -> true-up; else earned. MDF lines have the
    MDF kinds whatever their amount.
 3. customers="existing" admits only transactions whose new-customer flag is false;
    "new" only flag true; an unknown flag passes neither (like an empty field, which
    passes no list). [engine]
 4. Eligibility (window included) is tested on the transaction's own fields and own
    date, also for a return attributed to its original's period.
 5. returns="original" applies to transactions with a negative amount that name an
    original: both the tier period and the settlement period are the original's.
 6. Whole-mode tiers: the band is looked up on |measured value|; the payout is the
    band value times the *signed* net amount (rate) or net quantity (per-unit): the
    sign comes from what is paid on. Marginal / interpolated: the sign of the
    measured value. Below the first band's `from`: 0. [reported: with a quantity
    table paying a rate, the engine takes the sign of the net quantity, so net
    quantity 0 with net revenue -1,180.42 pays +12.98]
 7. Minimum is tested on |net quantity| when the component measures quantity
    (per-unit, tiers measure="quantity"), else on |net amount| -- also for attainment
    tiers ("currency, or units when the component measures quantity"); for a growth
    rebate on |basis| (the period's net revenue).
 8. Per-transaction rounding rounds each transaction's amount, multiplier included
    (round(value x factor)), then sums, caps and rounds the capped sum again (a no-op
    for caps at the scale). With a period-basis whole table the band comes from the
    period (or period-to-date) total and each transaction's rate x amount is rounded.
    This holds for every per-transaction amount: SPIFF clawbacks of returns and
    referral fees too. [reported: the engine rounds once per payout, and drops the
    multiplier, for whole period tables; it does not round SPIFF clawbacks nor
    referral fees per transaction]
 9. Settlement: due(n) is the complete calculation (minimum, tiers, multiplier, cap,
    rounding) on the cumulative contributions through settlement period n of the
    tier period; line(n) = due(n) - due(n-1) - prior(n) (due(0) = 0): the spec's
    formula when every earlier line counts as settled. Without `settlement` the
    period is its own single settlement period: line = payout - prior. A prior
    settlement for a payee/period without transactions gives due(empty) - prior.
    A line with a prior settlement keeps the prior's fraction digits (the line is
    exact, 0.0 - 305.47 = -305.47 at scale 1). [engine]
10. Commission splits (splits="apply", a transaction with a split list): the
    transaction's commission c = round(value x factor) is split; payees 2..n get
    round(c x pct / 100), payee 1 the remainder; each part is added, already rounded,
    to that payee's period total, which is then capped and rounded. The generator
    uses splits only on flat-rate or basis="transaction" commissions without
    minimum (on a period basis), multipliers or settlement (else splits="ignore").
11. Partner-tier multipliers apply by the payee's tier: a rep payee (commission
    payee="rep-or-partner") is no partner and gets factor 1, even when the partner
    it sells for has a multiplier. [engine; the spec says "the partner's tier" and
    does not say which partner a rep's payout belongs to]
12. SPIFF: a sale is a transaction with amount > 0, dated in the window, whose
    product is listed and that passes the eligibility. Per unit it earns
    amount x quantity x late-factor, per deal amount x late-factor. A return
    (amount < 0) naming an earning sale claws back, in the return's period, from the
    sale's payee: per unit min(|quantity|, units of the sale not yet returned) x the
    per-unit amount the sale earned (late factor included); per deal the deal's
    earned amount, once. Returns are taken in (date, id) order. The return itself
    need not be eligible or in the window.
13. SPIFF claim deadline: deadline = sale date + days-after-sale; a claim on or
    before it earns 100 %; otherwise months late m = the smallest m >= 1 with
    claim <= deadline + m calendar months (day clamped to the month's end);
    m > max-late-months earns nothing, else factor = max(0, 1 - m x percent / 100).
    No claim date = on time.
14. SPIFF cap: |net of the payee's period| limited to the cap, sign restored (also
    for a net clawback).
15. Referral: an eligible transaction with amount > 0 earns the fee in its period; a
    return (amount < 0) naming an earning sale claws back one fee in the return's
    period, only the first such return in (date, id) order; the return itself need
    not be eligible; a return naming no earning sale claws back nothing.
    [reported: the engine claws back one fee for every *eligible* negative
    transaction -- unreferenced, or naming a sale that never earned -- and none for
    a return of an earning sale that falls outside the eligibility window]
16. Growth rebate: basis = eligible net amount of the period; baseline = the B
    records for (payee, component, baseline period label) when any exist (summed),
    else the eligible net of the baseline period from the transactions. Tiers are
    looked up on the amount paid on (growth or basis). Lines exist for periods with
    contributing transactions (a baseline period's transactions alone make no line).
17. MDF: an accrual exists for each (partner, period) with eligible transactions
    whose period has ended by the as-of date (every period, without as-of):
    max(0, round(rate x net)), then limited by what is left of the yearly cap (the
    calendar year of the period's end, periods in order). Claims dated after the
    as-of date are ignored; expiries after it do not happen (without as-of: after
    the latest transaction or claim date, session.h). A claim on day d draws
    from accruals with period end < d <= last usable day, oldest first; expiries
    happen at the end of their last usable day. Ledger lines per (partner, period)
    with any event: accrued (when an accrual exists, even 0), claimed (sum of the
    costs, rounded like a payout) and reimbursed (when claims are dated in the
    period, even 0), shortfall (only when > 0) [engine], expired (when > 0),
    balance (always) = accruals of periods ended by the period's end - reimbursed -
    expired through its end.
18. Deal registration: uplift x amount of each eligible transaction whose own flag is
    true, returns included when flagged; summed per partner and period.
19. Interpolated tables: a value on a band's `from` has entered that band; so with a
    single open band from 0 even a basis of 0 (a payee with only a prior settlement)
    earns the band's amount. [engine]
20. Lines are sorted by (component, tier period label, period label, payee, kind
    order), plain code-point string order.
"""

import argparse
import datetime
import sys
import math
import xml.etree.ElementTree as ET
from fractions import Fraction
from decimal import (Decimal, Context, setcontext, ROUND_HALF_EVEN, ROUND_HALF_UP,
                     ROUND_HALF_DOWN, ROUND_DOWN, ROUND_UP, ROUND_FLOOR, ROUND_CEILING,
                     InvalidOperation, DivisionByZero, Overflow)

setcontext(Context(prec=200, rounding=ROUND_HALF_EVEN, Emax=999999, Emin=-999999,
                   traps=[InvalidOperation, DivisionByZero, Overflow]))

NS = '{urn:tally:plan:1}'
ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)

MODES = {'half-even': ROUND_HALF_EVEN, 'half-up': ROUND_HALF_UP,
         'half-down': ROUND_HALF_DOWN, 'down': ROUND_DOWN, 'up': ROUND_UP,
         'floor': ROUND_FLOOR, 'ceiling': ROUND_CEILING}
MINOR_UNITS = {'USD': 2, 'EUR': 2, 'JPY': 0, 'BHD': 3, 'GBP': 2, 'AUD': 2}

KIND_ORDER = {k: i for i, k in enumerate(
    ['earned', 'true-up', 'clawback', 'mdf-accrued', 'mdf-claimed', 'mdf-reimbursed',
     'mdf-shortfall', 'mdf-expired', 'mdf-balance'])}

COMPONENT_TAGS = ('rebate', 'growth-rebate', 'spiff', 'mdf', 'commission', 'affiliate',
                  'referral', 'deal-registration')


def sign(v):
    return -1 if v < 0 else 1


# Interpolated tiers divide: their values are exact Fractions (a sum of
# non-terminating parts may terminate, e.g. 1/3 + 2/3, and must then round
# exactly). Everything else stays Decimal; these helpers mix the two exactly.

def fx(x):
    return Fraction(x) if isinstance(x, Decimal) else x


def mul(a, b):
    if isinstance(a, Fraction) or isinstance(b, Fraction):
        return fx(a) * fx(b)
    return a * b


def add(a, b):
    if isinstance(a, Fraction) or isinstance(b, Fraction):
        return fx(a) + fx(b)
    return a + b


def round_exact(value, scale, mode):
    """A Decimal or Fraction rounded to `scale` digits with a plan mode name."""
    quantum = ONE.scaleb(-scale)
    if isinstance(value, Decimal):
        return value.quantize(quantum, rounding=MODES[mode])
    n = value * 10 ** scale
    fl = math.floor(n)
    rest = n - fl
    if rest == 0:
        i = fl
    elif mode == 'floor':
        i = fl
    elif mode == 'ceiling':
        i = fl + 1
    elif mode == 'down':
        i = fl if n > 0 else fl + 1
    elif mode == 'up':
        i = fl + 1 if n > 0 else fl
    elif rest > Fraction(1, 2):
        i = fl + 1
    elif rest < Fraction(1, 2):
        i = fl
    elif mode == 'half-even':
        i = fl if fl % 2 == 0 else fl + 1
    elif mode == 'half-up':
        i = fl + 1 if n > 0 else fl
    else:  # half-down
        i = fl if n > 0 else fl + 1
    return (Decimal(i).scaleb(-scale)).quantize(quantum)


def with_sign(s, v):
    return -v if s < 0 else v


def parse_date(text):
    return datetime.date.fromisoformat(text)


def add_months(d, months):
    y, m = divmod(d.month - 1 + months, 12)
    y += d.year
    m += 1
    last = month_end(y, m).day
    return datetime.date(y, m, min(d.day, last))


def month_end(y, m):
    if m == 12:
        return datetime.date(y, 12, 31)
    return datetime.date(y, m + 1, 1) - datetime.timedelta(days=1)


# ---------------------------------------------------------------------------------
# Periods

class Calendar:
    def __init__(self, fiscal_start=1):
        self.fs = fiscal_start
        self._cache = {}

    def period(self, kind, d):
        """(label, start, end) of the period of `kind` containing date d."""
        key = (kind, d)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._period(kind, d)
            self._cache[key] = hit
        return hit

    def _period(self, kind, d):
        y, m = d.year, d.month
        if kind == 'month':
            return ('%04d-%02d' % (y, m), datetime.date(y, m, 1), month_end(y, m))
        if kind in ('quarter', 'half', 'year'):
            length = {'quarter': 3, 'half': 6, 'year': 12}[kind]
            index = (m - 1) // length
            sm = index * length + 1
            start = datetime.date(y, sm, 1)
            end = add_months(start, length) - datetime.timedelta(days=1)
            if kind == 'quarter':
                label = '%04d-Q%d' % (y, index + 1)
            elif kind == 'half':
                label = '%04d-H%d' % (y, index + 1)
            else:
                label = '%04d' % y
            return (label, start, end)
        if kind in ('fiscal-quarter', 'fiscal-half', 'fiscal-year'):
            fs = self.fs
            offset = (m - fs) % 12           # months since the fiscal year started
            fy_start = add_months(datetime.date(y, m, 1), -offset)
            fy_end = add_months(fy_start, 12) - datetime.timedelta(days=1)
            fy = fy_end.year                 # named by the calendar year it ends in
            length = {'fiscal-quarter': 3, 'fiscal-half': 6, 'fiscal-year': 12}[kind]
            index = offset // length
            start = add_months(fy_start, index * length)
            end = add_months(start, length) - datetime.timedelta(days=1)
            if kind == 'fiscal-quarter':
                label = 'FY%04d-Q%d' % (fy, index + 1)
            elif kind == 'fiscal-half':
                label = 'FY%04d-H%d' % (fy, index + 1)
            else:
                label = 'FY%04d' % fy
            return (label, start, end)
        raise ValueError('unknown period kind ' + kind)

    def periods_within(self, kind, start, end):
        """The periods of `kind` from the one containing start through end."""
        out = []
        d = start
        while d <= end:
            p = self.period(kind, d)
            out.append(p)
            d = p[2] + datetime.timedelta(days=1)
        return out


# ---------------------------------------------------------------------------------
# Plan

class Tiers:
    def __init__(self, el):
        self.mode = el.get('mode')
        self.measure = el.get('measure', 'amount')
        self.basis = el.get('basis', 'period')
        self.bands = []
        self.pays = None
        for b in el.findall(NS + 'band'):
            lo = Decimal(b.get('from').strip())
            hi = Decimal(b.get('to').strip()) if b.get('to') is not None else None
            for pays in ('rate', 'per-unit', 'amount'):
                if b.get(pays) is not None:
                    self.pays = pays
                    value = Decimal(b.get(pays).strip())
            self.bands.append((lo, hi, value))

    def scaled(self, factor):
        """Bands with limits multiplied by factor (attainment -> revenue)."""
        return [(lo * factor, None if hi is None else hi * factor, v)
                for lo, hi, v in self.bands]


def band_of(bands, x):
    """The band containing x >= 0, or None below the first band."""
    found = None
    for band in bands:
        lo, hi, _ = band
        if x >= lo and (hi is None or x < hi):
            found = band
    return found


def marginal_value(bands, x):
    total = ZERO
    for lo, hi, v in bands:
        if x <= lo:
            continue
        top = x if hi is None else min(x, hi)
        total += (top - lo) * v
    return total


def interpolated_value(bands, x):
    """Exact, as a Fraction."""
    total = Fraction(0)
    for lo, hi, v in bands:
        if hi is None:
            if x >= lo:
                total += Fraction(v)
        elif x >= hi:
            total += Fraction(v)
        elif x > lo:
            total += Fraction(x - lo) * Fraction(v) / Fraction(hi - lo)
    return total


class Component:
    def __init__(self, el, plan, version):
        self.tag = el.tag[len(NS):]
        self.id = el.get('id')
        self.period = el.get('period')
        self.settlement = el.get('settlement')
        self.returns = el.get('returns', 'dated')
        self.version = version
        # Rounding: the plan's, overridden attribute by attribute.
        self.mode, self.point, self.scale = plan.mode, plan.point, plan.scale
        r = el.find(NS + 'rounding')
        if r is not None:
            self.mode = r.get('mode', self.mode)
            self.point = r.get('point', self.point)
            if r.get('scale') is not None:
                self.scale = int(r.get('scale'))
        self.quantum = ONE.scaleb(-self.scale)
        self.rounding = MODES[self.mode]
        self.eligibility = self._eligibility(el.find(NS + 'eligibility'))
        # What it pays.
        self.spec = None
        self.tiers = None
        for kind in ('rate', 'per-unit'):
            e = el.find(NS + kind)
            if e is not None:
                self.spec = (kind, Decimal(e.text.strip()))
        for kind, key in (('category-rates', 'category'),
                          ('customer-category-rates', 'customer-category')):
            e = el.find(NS + kind)
            if e is not None:
                self.spec = (kind, {r.get(key): Decimal(r.get('value').strip())
                                    for r in e.findall(NS + 'rate')})
        e = el.find(NS + 'tiers')
        if e is not None:
            self.tiers = Tiers(e)
            self.spec = ('tiers', self.tiers)
        self.multipliers = {}
        e = el.find(NS + 'multipliers')
        if e is not None:
            for m in e.findall(NS + 'multiplier'):
                self.multipliers[m.get('partner-tier')] = Decimal(m.get('factor').strip())
        e = el.find(NS + 'minimum')
        self.minimum = Decimal(e.text.strip()) if e is not None else None
        if self.minimum is not None and self.minimum == 0:
            self.minimum = None
        e = el.find(NS + 'cap')
        self.cap = Decimal(e.text.strip()) if e is not None else None
        # Kind-specific attributes.
        self.payee = el.get('payee', 'rep-or-partner' if self.tag == 'spiff' else 'partner')
        self.splits = el.get('splits', 'apply')
        if self.tag == 'growth-rebate':
            self.baseline = el.get('baseline')
            self.threshold = Decimal(el.get('threshold-percent', '0').strip())
            self.pay_on = el.get('pay-on', 'growth')
        if self.tag == 'spiff':
            self.window = (parse_date(el.get('window-from')), parse_date(el.get('window-to')))
            self.per = el.get('per', 'unit')
            self.products = {p.get('id'): Decimal(p.get('amount').strip())
                             for p in el.findall(NS + 'product')}
            cd = el.find(NS + 'claim-deadline')
            self.deadline = None
            if cd is not None:
                self.deadline = (int(cd.get('days-after-sale')),
                                 Decimal(cd.get('late-reduction-percent', '0').strip()),
                                 int(cd.get('max-late-months')) if cd.get('max-late-months')
                                 else None)
        if self.tag == 'mdf':
            self.accrual_rate = Decimal(el.get('accrual-rate').strip())
            yc = el.get('yearly-cap')
            self.yearly_cap = Decimal(yc.strip()) if yc is not None else None
            self.expiry_months = int(el.get('expiry-months'))
            self.co_funding = Decimal(el.get('co-funding', '1').strip())
        if self.tag == 'affiliate':
            self.spec = ('rate', Decimal(el.get('rate').strip()))
        if self.tag == 'referral':
            self.fee = Decimal(el.get('fee').strip())
        if self.tag == 'deal-registration':
            self.spec = ('rate', Decimal(el.get('uplift').strip()))

    @staticmethod
    def _eligibility(el):
        filters = []
        if el is None:
            return filters
        for f in el:
            tag = f.tag[len(NS):]
            if tag == 'window':
                filters.append(('window', parse_date(f.get('from')), parse_date(f.get('to'))))
            elif tag == 'customers':
                filters.append(('customers', f.text.strip()))
            else:
                exclude = f.get('exclude', 'false') in ('true', '1')
                ids = set((f.text or '').split())
                of = f.get('of', 'transaction')
                filters.append((tag, exclude, ids, of))
        return filters

    def round(self, v):
        r = round_exact(v, self.scale, self.mode)
        return r if r != 0 else abs(r)

    def factor(self, partner):
        tier = partner.get('tier') if partner else None
        return self.multipliers.get(tier, ONE)


class Plan:
    def __init__(self, path):
        root = ET.parse(path).getroot()
        self.currency = root.get('currency')
        self.mode, self.point = 'half-even', 'per-payout'
        self.scale = MINOR_UNITS.get(self.currency, 2)
        r = root.find(NS + 'rounding')
        if r is not None:
            self.mode = r.get('mode', self.mode)
            self.point = r.get('point', self.point)
            if r.get('scale') is not None:
                self.scale = int(r.get('scale'))
        c = root.find(NS + 'calendar')
        self.calendar = Calendar(int(c.get('fiscal-year-start-month', '1'))
                                 if c is not None else 1)
        self.versions = []
        self.components = []
        for v in root.findall(NS + 'version'):
            frm = parse_date(v.get('effective-from'))
            to = parse_date(v.get('effective-to')) if v.get('effective-to') else None
            self.versions.append((v.get('id'), frm, to))
            for el in v:
                if el.tag[len(NS):] in COMPONENT_TAGS:
                    self.components.append(Component(el, self, (frm, to)))


# ---------------------------------------------------------------------------------
# Inputs

class Tx:
    __slots__ = ('id', 'date', 'partner', 'rep', 'product', 'category', 'region', 'qty',
                 'amt', 'deal', 'original', 'split', 'cc', 'new', 'claim')


def read_inputs(path):
    partners, txs, settlements, baselines, claims = {}, [], [], [], []

    def opt(fields, i):
        return fields[i] if i < len(fields) and fields[i] != '' else None

    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.rstrip('\r\n')
            if not line or line.startswith('#'):
                continue
            fl = line.split('\t')
            t = fl[0]
            if t == 'P':
                partners[fl[1]] = {'id': fl[1], 'type': opt(fl, 2), 'tier': opt(fl, 3),
                                   'region': opt(fl, 4), 'join': opt(fl, 5),
                                   'quota': Decimal(opt(fl, 6)) if opt(fl, 6) else None}
            elif t == 'T':
                x = Tx()
                x.id, x.date, x.partner = fl[1], parse_date(fl[2]), fl[3]
                x.rep, x.product, x.category, x.region = (opt(fl, 4), opt(fl, 5), opt(fl, 6),
                                                          opt(fl, 7))
                x.qty = Decimal(opt(fl, 8) or '0')
                x.amt = Decimal(opt(fl, 9) or '0')
                x.deal = opt(fl, 11) in ('true', '1')
                x.original = opt(fl, 12)
                x.split = opt(fl, 13)
                x.cc = opt(fl, 14)
                nc = opt(fl, 15)
                x.new = None if nc is None else nc in ('true', '1')
                x.claim = parse_date(opt(fl, 16)) if opt(fl, 16) else None
                txs.append(x)
            elif t == 'S':
                settlements.append((fl[1], fl[2], fl[3], Decimal(fl[4])))
            elif t == 'B':
                baselines.append((fl[1], fl[2], fl[3], Decimal(fl[4])))
            elif t == 'C':
                claims.append({'id': fl[1], 'partner': fl[2], 'date': parse_date(fl[3]),
                               'cost': Decimal(fl[4]), 'activity': opt(fl, 5),
                               'component': opt(fl, 6)})
            else:
                raise ValueError('unknown record ' + t)
    return partners, txs, settlements, baselines, claims


# ---------------------------------------------------------------------------------
# The calculation

class Calculator:
    def __init__(self, plan, partners, txs, settlements, baselines, claims, as_of):
        self.plan = plan
        self.cal = plan.calendar
        self.partners = partners
        self.txs = txs
        self.by_id = {t.id: t for t in txs}
        self.as_of = as_of
        self.prior = {}
        for payee, comp, period, amount in settlements:
            key = (comp, payee, period)
            self.prior[key] = self.prior.get(key, ZERO) + amount
        self.baselines = {}
        for payee, comp, period, amount in baselines:
            key = (comp, payee, period)
            self.baselines[key] = self.baselines.get(key, ZERO) + amount
        self.claims = claims
        self.lines = []   # (component, tier label, label, payee, kind, amount)

    # -- eligibility ---------------------------------------------------------------

    def eligible(self, comp, tx):
        frm, to = comp.version
        if tx.date < frm or (to is not None and tx.date > to):
            return False
        partner = self.partners.get(tx.partner) or {}
        for f in comp.eligibility:
            kind = f[0]
            if kind == 'window':
                if not (f[1] <= tx.date <= f[2]):
                    return False
                continue
            if kind == 'customers':
                if f[1] == 'new' and tx.new is not True:
                    return False
                if f[1] == 'existing' and tx.new is not False:
                    return False
                continue
            _, exclude, ids, of = f
            if kind == 'products':
                value = tx.product
            elif kind == 'categories':
                value = tx.category
            elif kind == 'regions':
                value = partner.get('region') if of == 'partner' else tx.region
            elif kind == 'partner-types':
                value = partner.get('type')
            elif kind == 'partner-tiers':
                value = partner.get('tier')
            elif kind == 'customer-categories':
                value = tx.cc
            else:
                raise ValueError('unknown filter ' + kind)
            if value is None:
                if not exclude:
                    return False
            elif (value in ids) == exclude:
                return False
        spec = comp.spec
        if spec is not None and spec[0] == 'category-rates' and tx.category not in spec[1]:
            return False
        if spec is not None and spec[0] == 'customer-category-rates' and tx.cc not in spec[1]:
            return False
        if comp.tag == 'deal-registration' and not tx.deal:
            return False
        return True

    def attributed_date(self, comp, tx):
        if comp.returns == 'original' and tx.amt < 0 and tx.original is not None:
            orig = self.by_id.get(tx.original)
            if orig is not None:
                return orig.date
        return tx.date

    def emit(self, comp, tier_label, label, payee, amount, kind=None):
        # Written at the rounding scale; a prior settlement with more fraction
        # digits keeps them (the line is exact: due - settled).
        exact = amount.quantize(comp.quantum)
        if (comp.id, payee, label) in self.prior and kind is None:
            if amount.as_tuple().exponent > -comp.scale:
                amount = exact
        elif exact == amount:
            amount = exact
        else:
            raise AssertionError('unrounded amount %s for %s %s %s' % (amount, comp.id,
                                                                        label, payee))
        if amount == 0:
            amount = abs(amount)
        if kind is None:
            if amount < 0:
                kind = 'clawback'
            elif (comp.id, payee, label) in self.prior:
                kind = 'true-up'
            else:
                kind = 'earned'
        self.lines.append((comp.id, tier_label, label, payee, kind, amount))

    # -- rebate / commission payout on a set of transactions -------------------------

    def tx_simple_value(self, comp, tx):
        kind, v = comp.spec
        if kind == 'rate':
            return v * tx.amt
        if kind == 'per-unit':
            return v * tx.qty
        if kind == 'category-rates':
            return v[tx.category] * tx.amt
        if kind == 'customer-category-rates':
            return v[tx.cc] * tx.amt
        raise ValueError(kind)

    def tx_tier_value(self, comp, tx):
        """Value of one transaction on a basis="transaction" table (minimum applied)."""
        t = comp.tiers
        m = tx.qty if t.measure == 'quantity' else tx.amt
        if comp.minimum is not None and abs(m) < comp.minimum:
            return ZERO
        x = abs(m)
        if t.mode == 'whole':
            band = band_of(t.bands, x)
            if band is None:
                return ZERO
            return band[2] * (tx.amt if t.pays == 'rate' else tx.qty)
        if t.mode == 'marginal':
            return with_sign(sign(m), marginal_value(t.bands, x))
        return with_sign(sign(m), interpolated_value(t.bands, x))

    def core_total(self, comp, txs, payee):
        """Sum of the payee's transactions before the cap, multiplier included,
        rounded per transaction when the plan says so."""
        per_tx = comp.point == 'per-transaction'
        spec = comp.spec
        total = ZERO

        # The partner-tier multiplier: the payee's tier; a rep payee is no partner and
        # has none (assumption 11).
        payee_factor = comp.factor(self.partners.get(payee))

        def factor(tx):
            return payee_factor

        if spec[0] == 'tiers' and comp.tiers.basis == 'transaction':
            for tx in txs:
                v = mul(self.tx_tier_value(comp, tx), factor(tx))
                total = add(total, comp.round(v) if per_tx else v)
            return total
        net_amt = sum((t.amt for t in txs), ZERO)
        net_qty = sum((t.qty for t in txs), ZERO)
        measures_qty = spec[0] == 'per-unit' or (spec[0] == 'tiers' and
                                                 comp.tiers.measure == 'quantity')
        if comp.minimum is not None:
            mb = net_qty if measures_qty else net_amt
            if abs(mb) < comp.minimum:
                return ZERO
        if spec[0] != 'tiers':
            for tx in txs:
                v = self.tx_simple_value(comp, tx) * factor(tx)
                total += comp.round(v) if per_tx else v
            return total
        t = comp.tiers
        bands = t.bands
        if t.measure == 'attainment':
            quota = (self.partners.get(payee) or {}).get('quota')
            bands = t.scaled(quota / HUNDRED)
            m = net_amt
        elif t.measure == 'quantity':
            m = net_qty
        else:
            m = net_amt
        x = abs(m)
        if t.mode == 'whole':
            band = band_of(bands, x)
            if band is None:
                return ZERO
            for tx in txs:
                v = band[2] * (tx.amt if t.pays == 'rate' else tx.qty) * factor(tx)
                total += comp.round(v) if per_tx else v
            return total
        if t.mode == 'marginal':
            v = marginal_value(bands, x)
        else:
            v = interpolated_value(bands, x)
        return mul(with_sign(sign(m), v), payee_factor)

    def capped(self, comp, total):
        if comp.cap is not None and abs(total) > fx(comp.cap):
            total = with_sign(sign(total), comp.cap)
        return comp.round(total)

    def payout(self, comp, entries, payee):
        """entries: list of Tx (unrounded contributions) or Decimal (rounded split
        parts)."""
        txs = [e for e in entries if isinstance(e, Tx)]
        fixed = sum((e for e in entries if not isinstance(e, Tx)), ZERO)
        return self.capped(comp, add(self.core_total(comp, txs, payee), fixed))

    def split_parts(self, comp, tx):
        """[(payee, rounded part)] of a split transaction's commission."""
        if comp.tiers is not None and comp.tiers.basis == 'transaction':
            v = self.tx_tier_value(comp, tx)
        else:
            v = self.tx_simple_value(comp, tx)
        c = comp.round(mul(v, comp.factor(self.partners.get(tx.partner))))
        entries = []
        for item in tx.split.split(';'):
            payee, pct = item.rsplit(':', 1)
            entries.append((payee, Decimal(pct)))
        parts = [None] * len(entries)
        rest = c
        for i in range(1, len(entries)):
            parts[i] = comp.round(c * entries[i][1] / HUNDRED)
            rest -= parts[i]
        parts[0] = rest
        return [(entries[i][0], parts[i]) for i in range(len(entries))]

    def run_settled(self, comp):
        """rebate and commission: per payee and tier period, settlement lines."""
        settle_kind = comp.settlement or comp.period
        groups = {}   # (payee, tier label) -> {settlement label: [entries]}
        for tx in self.txs:
            if not self.eligible(comp, tx):
                continue
            d = self.attributed_date(comp, tx)
            tier = self.cal.period(comp.period, d)
            label = self.cal.period(settle_kind, d)[0]
            if comp.tag == 'commission' and comp.splits == 'apply' and tx.split:
                for payee, part in self.split_parts(comp, tx):
                    groups.setdefault((payee, tier), {}).setdefault(label, []).append(part)
                continue
            if comp.tag == 'commission' and comp.payee == 'rep-or-partner' and tx.rep:
                payee = tx.rep
            else:
                payee = tx.partner
            groups.setdefault((payee, tier), {}).setdefault(label, []).append(tx)
        # Prior settlements without transactions still give lines.
        for (cid, payee, label), _ in self.prior.items():
            if cid != comp.id:
                continue
            start = self._label_start(settle_kind, label)
            if start is None:
                continue
            tier = self.cal.period(comp.period, start)
            groups.setdefault((payee, tier), {}).setdefault(label, [])
        for (payee, tier), by_label in groups.items():
            tier_label, tstart, tend = tier
            cumulative = []
            previous_due = ZERO
            for label, _, _ in self.cal.periods_within(settle_kind, tstart, tend):
                entries = by_label.get(label)
                if entries is None:
                    continue
                cumulative.extend(entries)
                due = self.payout(comp, cumulative, payee)
                prior = self.prior.get((comp.id, payee, label), ZERO)
                self.emit(comp, tier_label, label, payee, due - previous_due - prior)
                previous_due = due

    def _label_start(self, kind, label):
        """Start date of the period with this label (searched near the data)."""
        if not hasattr(self, '_labels'):
            self._labels = {}
        key = kind
        if key not in self._labels:
            table = {}
            if self.txs:
                lo = min(t.date for t in self.txs) - datetime.timedelta(days=800)
                hi = max(t.date for t in self.txs) + datetime.timedelta(days=800)
                for lab, start, _ in self.cal.periods_within(kind, lo, hi):
                    table[lab] = start
            self._labels[key] = table
        return self._labels[key].get(label)

    # -- growth rebate -------------------------------------------------------------

    def run_growth(self, comp):
        nets = {}      # (payee, period label) -> net
        periods = {}   # (payee, label) -> period tuple, only with contributions
        for tx in self.txs:
            if not self.eligible(comp, tx):
                continue
            d = self.attributed_date(comp, tx)
            p = self.cal.period(comp.period, d)
            key = (tx.partner, p[0])
            nets[key] = nets.get(key, ZERO) + tx.amt
            periods[key] = p
        keys = set(periods)
        for (cid, payee, label) in self.prior:
            if cid == comp.id:
                start = self._label_start(comp.period, label)
                if start is not None:
                    keys.add((payee, label))
                    periods.setdefault((payee, label), self.cal.period(comp.period, start))
        for key in keys:
            payee, label = key
            p = periods[key]
            if comp.baseline == 'previous-period':
                bp = self.cal.period(comp.period, p[1] - datetime.timedelta(days=1))
            else:
                bp = self.cal.period(comp.period, add_months(p[1], -12))
            bkey = (comp.id, payee, bp[0])
            if bkey in self.baselines:
                baseline = self.baselines[bkey]
            else:
                baseline = nets.get((payee, bp[0]), ZERO)
            basis = nets.get(key, ZERO)
            growth = basis - baseline
            value = ZERO
            if baseline > 0 and growth > 0 and growth * HUNDRED >= comp.threshold * baseline:
                if comp.minimum is None or abs(basis) >= comp.minimum:
                    x = growth if comp.pay_on == 'growth' else basis
                    value = self.growth_value(comp, x)
                    value = mul(value, comp.factor(self.partners.get(payee)))
            amount = self.capped(comp, value)
            prior = self.prior.get((comp.id, payee, label), ZERO)
            self.emit(comp, label, label, payee, amount - prior)

    @staticmethod
    def growth_value(comp, x):
        kind, v = comp.spec
        if kind == 'rate':
            return v * x
        t = v
        ax = abs(x)
        if t.mode == 'whole':
            band = band_of(t.bands, ax)
            return ZERO if band is None else band[2] * x
        if t.mode == 'marginal':
            return with_sign(sign(x), marginal_value(t.bands, ax))
        return with_sign(sign(x), interpolated_value(t.bands, ax))

    # -- simple per-transaction components -----------------------------------------

    def run_linear(self, comp):
        """affiliate and deal-registration: rate x amount per transaction."""
        rate = comp.spec[1]
        buckets = {}
        for tx in self.txs:
            if not self.eligible(comp, tx):
                continue
            p = self.cal.period(comp.period, tx.date)
            v = rate * tx.amt
            if comp.point == 'per-transaction':
                v = comp.round(v)
            key = (tx.partner, p[0])
            buckets[key] = buckets.get(key, ZERO) + v
        for (payee, label), total in buckets.items():
            self.emit(comp, label, label, payee, comp.round(total))

    def run_referral(self, comp):
        buckets = {}
        earned = set()
        for tx in self.txs:
            if tx.amt > 0 and self.eligible(comp, tx):
                earned.add(tx.id)
                label = self.cal.period(comp.period, tx.date)[0]
                key = (tx.partner, label)
                fee = comp.round(comp.fee) if comp.point == 'per-transaction' else comp.fee
                buckets[key] = buckets.get(key, ZERO) + fee
        clawed = set()
        for tx in sorted((t for t in self.txs if t.amt < 0 and t.original is not None),
                         key=lambda t: (t.date, t.id)):
            if tx.original in earned and tx.original not in clawed:
                clawed.add(tx.original)
                orig = self.by_id[tx.original]
                label = self.cal.period(comp.period, tx.date)[0]
                key = (orig.partner, label)
                fee = comp.round(comp.fee) if comp.point == 'per-transaction' else comp.fee
                buckets[key] = buckets.get(key, ZERO) - fee
        for (payee, label), total in buckets.items():
            self.emit(comp, label, label, payee, comp.round(total))

    # -- SPIFF ---------------------------------------------------------------------

    def late_factor(self, comp, tx):
        if comp.deadline is None or tx.claim is None:
            return ONE
        days, pct, max_months = comp.deadline
        deadline = tx.date + datetime.timedelta(days=days)
        if tx.claim <= deadline:
            return ONE
        m = 1
        while tx.claim > add_months(deadline, m):
            m += 1
        if max_months is not None and m > max_months:
            return ZERO
        return max(ZERO, ONE - m * pct / HUNDRED)

    def run_spiff(self, comp):
        buckets = {}
        earned = {}   # sale id -> [payee, units left, value per unit or deal value]
        per_tx = comp.point == 'per-transaction'

        def add(key, v):
            buckets[key] = buckets.get(key, ZERO) + (comp.round(v) if per_tx else v)

        for tx in self.txs:
            if tx.amt <= 0 or tx.product not in comp.products:
                continue
            if not (comp.window[0] <= tx.date <= comp.window[1]):
                continue
            if not self.eligible(comp, tx):
                continue
            payee = tx.rep if comp.payee == 'rep-or-partner' and tx.rep else tx.partner
            f = self.late_factor(comp, tx)
            amount = comp.products[tx.product]
            label = self.cal.period(comp.period, tx.date)[0]
            if comp.per == 'unit':
                value = amount * f
                add((payee, label), value * tx.qty)
                earned[tx.id] = [payee, tx.qty, value]
            else:
                value = amount * f
                add((payee, label), value)
                earned[tx.id] = [payee, ONE, value]
        for tx in sorted((t for t in self.txs if t.amt < 0 and t.original in earned),
                         key=lambda t: (t.date, t.id)):
            e = earned[tx.original]
            if e[1] <= 0:
                continue
            label = self.cal.period(comp.period, tx.date)[0]
            if comp.per == 'unit':
                units = min(abs(tx.qty), e[1])
                e[1] -= units
                add((e[0], label), -units * e[2])
            else:
                e[1] = ZERO
                add((e[0], label), -e[2])
        for (payee, label), total in buckets.items():
            self.emit(comp, label, label, payee, self.capped(comp, total))

    # -- MDF -----------------------------------------------------------------------

    def run_mdf(self, comp, only_mdf):
        cal = self.cal
        nets = {}
        for tx in self.txs:
            if not self.eligible(comp, tx):
                continue
            p = cal.period(comp.period, tx.date)
            key = (tx.partner, p)
            nets[key] = nets.get(key, ZERO) + tx.amt
        # Accruals, in period order per partner, limited by the yearly cap.
        accruals = {}   # partner -> list of dicts, oldest first
        used_cap = {}
        for (partner, p) in sorted(nets, key=lambda k: (k[0], k[1][1])):
            label, start, end = p
            if self.as_of is not None and end > self.as_of:
                continue
            net = nets[(partner, p)]
            amount = max(ZERO, comp.round(comp.accrual_rate * net))
            if comp.yearly_cap is not None:
                used = used_cap.get((partner, end.year), ZERO)
                amount = min(amount, comp.yearly_cap - used)
                used_cap[(partner, end.year)] = used + amount
            last_day = month_end(*divmod_month(end, comp.expiry_months))
            accruals.setdefault(partner, []).append(
                {'period': p, 'amount': amount, 'left': amount, 'end': end,
                 'last': last_day})
        ledger = {}   # (partner, label) -> {kind: amount}; label -> period

        def entry(partner, d):
            p = cal.period(comp.period, d)
            return ledger.setdefault((partner, p), {})

        for partner, items in accruals.items():
            for a in items:
                entry(partner, a['end'])['mdf-accrued'] = a['amount']
        # Claims in (date, id) order, expiries at the end of their last usable day.
        claims = [c for c in self.claims
                  if (c['component'] == comp.id or (c['component'] is None and only_mdf))
                  and (self.as_of is None or c['date'] <= self.as_of)]
        claims.sort(key=lambda c: (c['date'], c['id']))
        # Expiries happen up to the as-of date; without one, up to the latest
        # transaction or claim date (session.h).
        horizon = self.as_of
        if horizon is None:
            dates = [t.date for t in self.txs] + [c['date'] for c in self.claims]
            horizon = max(dates) if dates else datetime.date.min
        events = []
        for c in claims:
            events.append((c['date'], 0, c['id'], c))
        for partner, items in accruals.items():
            for i, a in enumerate(items):
                if a['last'] <= horizon:
                    events.append((a['last'], 1, '%s/%06d' % (partner, i), (partner, a)))
        events.sort(key=lambda e: (e[0], e[1], e[2]))
        for d, what, _, payload in events:
            if what == 0:
                c = payload
                partner = c['partner']
                request = comp.round(c['cost'] * comp.co_funding)
                remaining = request
                for a in accruals.get(partner, []):
                    if remaining <= 0:
                        break
                    if a['end'] < d <= a['last'] and a['left'] > 0:
                        take = min(a['left'], remaining)
                        a['left'] -= take
                        remaining -= take
                approved = request - remaining
                e = entry(partner, d)
                e['mdf-claimed'] = e.get('mdf-claimed', ZERO) + c['cost']
                e['mdf-reimbursed'] = e.get('mdf-reimbursed', ZERO) + approved
                if remaining > 0:
                    e['mdf-shortfall'] = e.get('mdf-shortfall', ZERO) + remaining
                e['_approved'] = e.get('_approved', ZERO) + approved
            else:
                partner, a = payload
                if a['left'] > 0:
                    e = entry(partner, d)
                    e['mdf-expired'] = e.get('mdf-expired', ZERO) + a['left']
                    a['left'] = ZERO
        # Balances: accruals of ended periods - reimbursed - expired, cumulative.
        by_partner = {}
        for (partner, p), e in ledger.items():
            by_partner.setdefault(partner, []).append((p, e))
        for partner, items in by_partner.items():
            items.sort(key=lambda it: it[0][1])
            accrued_total = ZERO
            out_total = ZERO
            for p, e in items:
                accrued_total += e.get('mdf-accrued', ZERO)
                out_total += e.get('_approved', ZERO) + e.get('mdf-expired', ZERO)
                e['mdf-balance'] = accrued_total - out_total
                if 'mdf-claimed' in e:
                    e['mdf-claimed'] = comp.round(e['mdf-claimed'])
                for kind in ('mdf-accrued', 'mdf-claimed', 'mdf-reimbursed',
                             'mdf-shortfall', 'mdf-expired', 'mdf-balance'):
                    if kind in e:
                        self.emit(comp, p[0], p[0], partner, e[kind], kind)

    # -- driver --------------------------------------------------------------------

    def run(self):
        mdfs = [c for c in self.plan.components if c.tag == 'mdf']
        for comp in self.plan.components:
            if comp.tag in ('rebate', 'commission'):
                self.run_settled(comp)
            elif comp.tag == 'growth-rebate':
                self.run_growth(comp)
            elif comp.tag in ('affiliate', 'deal-registration'):
                self.run_linear(comp)
            elif comp.tag == 'referral':
                self.run_referral(comp)
            elif comp.tag == 'spiff':
                self.run_spiff(comp)
            elif comp.tag == 'mdf':
                self.run_mdf(comp, len(mdfs) == 1)
        self.lines.sort(key=lambda l: (l[0], l[1], l[2], l[3], KIND_ORDER[l[4]]))
        return ['%s\t%s\t%s\t%s\t%s' % (c, lab, payee, kind, format(amount, 'f'))
                for c, _, lab, payee, kind, amount in self.lines]


def divmod_month(end, months):
    """(year, month) of the N-th month after the month of `end`."""
    d = add_months(datetime.date(end.year, end.month, 1), months)
    return d.year, d.month


def calculate(plan_path, inputs_path, as_of=None):
    plan = Plan(plan_path)
    partners, txs, settlements, baselines, claims = read_inputs(inputs_path)
    as_of_date = parse_date(as_of) if as_of else None
    return Calculator(plan, partners, txs, settlements, baselines, claims, as_of_date).run()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('plan')
    ap.add_argument('inputs')
    ap.add_argument('--as-of')
    args = ap.parse_args()
    for line in calculate(args.plan, args.inputs, args.as_of):
        print(line)
    return 0


if __name__ == '__main__':
    sys.exit(main())
