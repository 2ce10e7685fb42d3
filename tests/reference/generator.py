#!/usr/bin/env python3
"""Deterministic random scenarios for the engine's differential test.

    generator.py SEED OUTDIR [--exclude FEATURE ...]

A scenario is a plan (valid per docs/plan-format.md), an input file in the format
of tests/engine_harness.c and an optional as-of date. The same seed and the same
excluded features always give the same scenario. Excluding a feature means the
generator never produces it (so the rest of the scenario still gets tested).

Features (names for --exclude): the component kinds (rebate, growth-rebate, spiff,
mdf, commission, affiliate, referral, deal-registration) and the options listed in
FEATURES below.
"""

import argparse
import datetime
import math
import os
import random
import sys
from decimal import Decimal, ROUND_HALF_EVEN

KINDS = ['rebate', 'growth-rebate', 'spiff', 'mdf', 'commission', 'affiliate', 'referral',
         'deal-registration']
FEATURES = KINDS + [
    'settlement',          # settlement="..." with true-up
    'prior-settlements',   # S records
    'returns-original',    # returns="original"
    'splits',              # commission split lists
    'attainment',          # tiers measure="attainment"
    'tiers-whole', 'tiers-marginal', 'tiers-interpolated',
    'tier-basis-transaction',
    'quantity-measure',    # tiers measure="quantity"
    'per-unit', 'category-rates', 'customer-category-rates',
    'per-transaction',     # rounding point="per-transaction"
    'rounding-modes',      # modes other than half-even
    'rounding-scale',      # scales other than 2
    'multipliers', 'minimum', 'cap',
    'claim-deadline',      # SPIFF claim deadlines (claim dates in the inputs)
    'spiff-per-deal',
    'baselines',           # B records
    'mdf-claims', 'mdf-yearly-cap', 'as-of',
    'fiscal',              # fiscal periods / a fiscal year not starting in January
    'decimals6',           # amounts with 6 fraction digits
    'eligibility', 'filter-window', 'filter-customers', 'filter-partner-region',
    'definitions',
    'returns-unreferenced',  # returns without an original
    'attainment-minimum',  # a minimum on a component with attainment tiers
    'per-transaction-whole-period',  # per-transaction rounding, whole tiers on a period
    'referral-returns',    # returns in a scenario with a referral component
    'rep-multipliers',     # multipliers on a commission paying reps
    'spiff-per-transaction',  # per-transaction rounding on a SPIFF
    'interpolated-tx-basis',  # interpolated tiers on basis="transaction"
    'fractional-quantity', # quantities with fraction digits
    'absent-fields',       # transactions without a region or a category
    'referral-per-transaction',  # per-transaction rounding on a referral fee
    'tiers-cross-measure',  # whole tiers paying rate on a quantity table or per-unit
                            # on an amount table
]

PRODUCTS = ['SKU-%02d' % i for i in range(1, 13)]
CATEGORIES = ['hardware', 'software', 'services', 'accessories']
REGIONS = ['NA', 'EMEA', 'APAC', 'LATAM']
TYPES = ['reseller', 'distributor', 'agent', 'affiliate', 'referral', 'var']
TIERS = ['platinum', 'gold', 'silver', 'registered']
CCS = ['retail', 'smb', 'enterprise', 'public-sector']
MODES = ['half-even', 'half-up', 'half-down', 'down', 'up', 'floor', 'ceiling']
CAL_PERIODS = ['month', 'quarter', 'half', 'year']
FISCAL_PERIODS = ['fiscal-quarter', 'fiscal-half', 'fiscal-year']
LENGTH = {'month': 1, 'quarter': 3, 'half': 6, 'year': 12,
          'fiscal-quarter': 3, 'fiscal-half': 6, 'fiscal-year': 12}

C2 = Decimal('0.01')


def q(value, places=2):
    """Decimal rounded to `places` fraction digits, as plain text."""
    d = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    return format(d, 'f')


def month_start_offset(d, months):
    y, m = divmod(d.month - 1 + months, 12)
    return datetime.date(d.year + y, m + 1, 1)


def add_months(d, months):
    first = month_start_offset(d, months)
    nxt = month_start_offset(first, 1)
    last = (nxt - datetime.timedelta(days=1)).day
    return first.replace(day=min(d.day, last))


class Scenario:
    def __init__(self, seed, exclude=()):
        self.seed = seed
        self.rng = random.Random(seed)
        self.exclude = set(exclude)
        self.features = set()
        self.as_of = None

    def allow(self, feature, p=1.0):
        """True (and records the feature) with probability p when not excluded."""
        if feature in self.exclude:
            return False
        if self.rng.random() < p:
            self.features.add(feature)
            return True
        return False

    # -- calendar ------------------------------------------------------------------

    def period_of(self, kind, d):
        if kind == 'month':
            s = datetime.date(d.year, d.month, 1)
            return ('%04d-%02d' % (d.year, d.month), s, add_months(s, 1) - datetime.timedelta(1))
        n = LENGTH[kind]
        if kind in CAL_PERIODS:
            idx = (d.month - 1) // n
            s = datetime.date(d.year, idx * n + 1, 1)
            e = add_months(s, n) - datetime.timedelta(1)
            lab = {'quarter': '%04d-Q%d' % (d.year, idx + 1),
                   'half': '%04d-H%d' % (d.year, idx + 1), 'year': '%04d' % d.year}[kind]
            return (lab, s, e)
        off = (d.month - self.fsm) % 12
        fys = add_months(datetime.date(d.year, d.month, 1), -off)
        fy = (add_months(fys, 12) - datetime.timedelta(1)).year
        idx = off // n
        s = add_months(fys, idx * n)
        e = add_months(s, n) - datetime.timedelta(1)
        lab = {'fiscal-quarter': 'FY%04d-Q%d' % (fy, idx + 1),
               'fiscal-half': 'FY%04d-H%d' % (fy, idx + 1), 'fiscal-year': 'FY%04d' % fy}[kind]
        return (lab, s, e)

    def labels_in_span(self, kind):
        out, d = [], self.start
        while d <= self.end:
            p = self.period_of(kind, d)
            out.append(p[0])
            d = p[2] + datetime.timedelta(1)
        return out

    def pick_period(self):
        if self.use_fiscal and self.rng.random() < 0.35:
            return self.rng.choice(FISCAL_PERIODS)
        return self.rng.choice(CAL_PERIODS)

    def settlement_for(self, period):
        """A settlement period that nests in `period` and is shorter, or None."""
        options = ['month'] if period != 'month' else []
        fsm = self.fsm
        if period == 'half':
            options += ['quarter']
            if fsm in (1, 4, 7, 10):
                options += ['fiscal-quarter']
        elif period == 'year':
            options += ['quarter', 'half']
            if fsm in (1, 4, 7, 10):
                options += ['fiscal-quarter']
            if fsm in (1, 7):
                options += ['fiscal-half']
        elif period == 'fiscal-half':
            options += ['fiscal-quarter']
            if fsm in (1, 4, 7, 10):
                options += ['quarter']
        elif period == 'fiscal-year':
            options += ['fiscal-quarter', 'fiscal-half']
            if fsm in (1, 4, 7, 10):
                options += ['quarter']
            if fsm in (1, 7):
                options += ['half']
        return self.rng.choice(options) if options else None

    # -- inputs ----------------------------------------------------------------------

    def make_partners(self):
        rng = self.rng
        n = max(1, min(50, int(math.exp(rng.uniform(0, math.log(50))) + 0.5)))
        self.partners = []
        for i in range(1, n + 1):
            p = {'id': 'P%02d' % i, 'type': rng.choice(TYPES),
                 'tier': rng.choice(TIERS) if rng.random() < 0.9 else None,
                 'region': rng.choice(REGIONS) if rng.random() < 0.95 else None,
                 'join': (self.start - datetime.timedelta(rng.randint(0, 900))).isoformat(),
                 'quota': None,
                 'reps': ['P%02d-r%d' % (i, k) for k in range(1, rng.randint(0, 3) + 1)],
                 'weight': rng.paretovariate(1.5)}
            self.partners.append(p)
        self.partner_by_id = {p['id']: p for p in self.partners}

    def make_transactions(self):
        rng = self.rng
        n = int(math.exp(rng.uniform(math.log(100), math.log(5000))))
        self.prices = {p: Decimal(q(rng.uniform(5, 2000))) for p in PRODUCTS}
        self.category = {p: rng.choice(CATEGORIES) for p in PRODUCTS}
        days = (self.end - self.start).days
        weights = [p['weight'] for p in self.partners]
        six = self.allow('decimals6', 0.3)
        self.with_claims = not ('claim-deadline' in self.exclude)
        use_splits = self.allow('splits', 0.4)
        fractional = self.allow('fractional-quantity', 0.2)
        absent = self.allow('absent-fields', 0.3)
        sales = []
        for i in range(n):
            p = rng.choices(self.partners, weights)[0]
            prod = rng.choice(PRODUCTS)
            qty = rng.randint(1, 10) if rng.random() < 0.9 else rng.randint(10, 200)
            if fractional and rng.random() < 0.1:
                qty = Decimal(q(rng.uniform(0.1, 20), rng.choice([1, 2])))
            amt = Decimal(qty) * self.prices[prod] * Decimal(q(rng.uniform(0.8, 1.0), 3))
            amt = Decimal(q(amt, 6 if (six and rng.random() < 0.15) else 2))
            if amt <= 0:
                amt = C2
            d = self.start + datetime.timedelta(rng.randint(0, days))
            t = {'date': d, 'partner': p['id'],
                 'rep': rng.choice(p['reps']) if p['reps'] and rng.random() < 0.7 else None,
                 'product': prod, 'category': self.category[prod],
                 'region': p['region'] if (p['region'] and rng.random() < 0.8)
                 else rng.choice(REGIONS),
                 'qty': Decimal(qty), 'amt': amt,
                 'deal': rng.random() < 0.25,
                 'original': None, 'split': None,
                 'cc': rng.choice(CCS) if rng.random() < 0.9 else None,
                 'new': rng.choice([True, False, True, False, None]) if rng.random() < 0.95
                 else None,
                 'claim': None}
            if absent and rng.random() < 0.05:
                t[rng.choice(['region', 'category'])] = None
            if self.with_claims and rng.random() < 0.4:
                t['claim'] = d + datetime.timedelta(rng.randint(0, 220))
            if use_splits and rng.random() < 0.12:
                t['split'] = self.make_split(p)
            sales.append(t)
        sales.sort(key=lambda t: t['date'])
        for i, t in enumerate(sales):
            t['id'] = 'T%05d' % (i + 1)
        returns = []
        unreferenced = self.allow('returns-unreferenced', 0.7)
        nreturns = int(n * rng.uniform(0.02, 0.08))
        if 'referral' in self.planned_kinds:
            if 'referral-returns' in self.exclude:
                nreturns = 0
            else:
                self.features.add('referral-returns')
        for k in range(nreturns):
            if rng.random() < 0.75 or not unreferenced:
                o = rng.choice(sales)
                if o['qty'] == o['qty'].to_integral_value():
                    rq = Decimal(rng.randint(1, int(o['qty'])))
                    if rng.random() < 0.08:
                        rq += rng.randint(1, 3)   # returns more units than were sold
                else:
                    rq = o['qty'] if rng.random() < 0.5 else (o['qty'] / 2).quantize(C2)
                amt = -(o['amt'] * Decimal(rq) / o['qty']).quantize(C2)
                if amt == 0:
                    amt = -C2
                d = min(self.end, o['date'] + datetime.timedelta(rng.randint(0, 120)))
                r = dict(o)
                r.update({'date': d, 'qty': -rq, 'amt': amt, 'original': o['id'],
                          'claim': None,
                          'deal': o['deal'] if rng.random() < 0.9 else not o['deal']})
            else:
                p = rng.choices(self.partners, weights)[0]
                prod = rng.choice(PRODUCTS)
                qty = rng.randint(1, 5)
                r = {'date': self.start + datetime.timedelta(rng.randint(0, days)),
                     'partner': p['id'], 'rep': rng.choice(p['reps']) if p['reps'] else None,
                     'product': prod, 'category': self.category[prod],
                     'region': p['region'] or 'NA', 'qty': -Decimal(qty),
                     'amt': -(Decimal(qty) * self.prices[prod]).quantize(C2),
                     'deal': rng.random() < 0.25, 'original': None, 'split': None,
                     'cc': rng.choice(CCS), 'new': rng.choice([True, False, None]),
                     'claim': None}
            r['id'] = 'R%05d' % (k + 1)
            returns.append(r)
        self.sales, self.returns = sales, returns
        self.txs = sales + returns

    def make_split(self, partner):
        rng = self.rng
        candidates = [partner['id']] + partner['reps']
        other = rng.choice(self.partners)
        candidates += [other['id']] + other['reps']
        candidates = list(dict.fromkeys(candidates))
        templates = [['50', '50'], ['60', '40'], ['70', '30'], ['25', '75'],
                     ['33.33', '33.33', '33.34'], ['70', '20', '10'], ['100'],
                     ['12.5', '87.5']]
        tpl = rng.choice([t for t in templates if len(t) <= len(candidates)])
        payees = rng.sample(candidates, len(tpl))
        return ';'.join('%s:%s' % (p, pct) for p, pct in zip(payees, tpl))

    # -- scales ------------------------------------------------------------------------

    def typical(self, period, what='amt'):
        """Median positive per-partner-period total of amounts or quantities."""
        key = (period, what)
        if key in self._typical:
            return self._typical[key]
        totals = {}
        for t in self.txs:
            k = (t['partner'], self.period_of(period, t['date'])[0])
            totals[k] = totals.get(k, Decimal(0)) + t[what]
        vals = sorted(v for v in totals.values() if v > 0)
        v = vals[len(vals) // 2] if vals else Decimal(1000)
        self._typical[key] = max(v, Decimal(1))
        return self._typical[key]

    def typical_tx(self, what='amt'):
        vals = sorted(t[what] for t in self.sales)
        return max(vals[len(vals) // 2], Decimal(1))

    # -- plan pieces ---------------------------------------------------------------------

    def rate(self, lo=0.005, hi=0.08):
        return q(self.rng.uniform(lo, hi), self.rng.choice([2, 3, 4]))

    def limit(self, x):
        x = Decimal(x)
        if x >= 10 and self.rng.random() < 0.8:
            return format(x.quantize(Decimal(1)), 'f')
        return q(x, 2)

    def bands(self, mode, pays, scale, integer=False):
        """Band lines; `integer` limits (quantities) make values on a limit common."""
        rng = self.rng
        limit = self.limit
        if integer:
            def limit(x):
                return format(max(Decimal(1), Decimal(x).quantize(Decimal(1))), 'f')
        n = rng.randint(1, 4)
        scale = Decimal(scale)
        lo = Decimal(0) if rng.random() < 0.85 else Decimal(limit(scale * Decimal(
            q(rng.uniform(0.05, 0.3), 3))))
        out = []
        for i in range(n):
            if pays == 'rate':
                val = self.rate()
            elif pays == 'per-unit':
                val = q(rng.uniform(0.05, 5))
            else:
                val = q(rng.uniform(10, 5000), rng.choice([0, 2]))
            if i == n - 1:
                out.append('<band from="%s" %s="%s"/>' % (lo, pays, val))
            else:
                hi = Decimal(limit(lo + scale * Decimal(q(rng.uniform(0.15, 1.0), 3))))
                if hi <= lo:
                    hi = lo + 1
                out.append('<band from="%s" to="%s" %s="%s"/>' % (lo, hi, pays, val))
                lo = hi
        return out

    def tiers(self, comp_kind, period, settle):
        """(xml lines, mode, basis) of a tier table valid for the component."""
        rng = self.rng
        modes = [m for m in ('whole', 'marginal', 'interpolated')
                 if 'tiers-' + m not in self.exclude]
        mode = rng.choice(modes)
        self.features.add('tiers-' + mode)
        if comp_kind == 'growth-rebate':
            measure, basis = 'amount', 'period'
        else:
            measures = ['amount', 'amount']
            if 'quantity-measure' not in self.exclude:
                measures.append('quantity')
            if comp_kind == 'commission' and 'attainment' not in self.exclude:
                measures.append('attainment')
            measure = rng.choice(measures)
            basis = 'period'
            if measure != 'attainment' and self.allow('tier-basis-transaction', 0.25):
                basis = 'transaction'
                if mode == 'interpolated':
                    if 'interpolated-tx-basis' in self.exclude:
                        basis = 'period'
                    else:
                        self.features.add('interpolated-tx-basis')
        if measure == 'quantity':
            self.features.add('quantity-measure')
        if measure == 'attainment':
            self.features.add('attainment')
            self.need_quota = True
        if mode == 'interpolated':
            pays = 'amount'
        elif mode == 'marginal':
            pays = 'per-unit' if measure == 'quantity' else 'rate'
        elif measure == 'attainment' or comp_kind == 'growth-rebate':
            pays = 'rate'
        else:
            natural = 'per-unit' if measure == 'quantity' else 'rate'
            other = 'rate' if natural == 'per-unit' else 'per-unit'
            pays = natural if rng.random() < 0.6 else other
            if pays == 'per-unit' and 'per-unit' in self.exclude:
                pays = 'rate'
            if pays != natural:
                if 'tiers-cross-measure' in self.exclude:
                    pays = natural
                else:
                    self.features.add('tiers-cross-measure')
        if measure == 'attainment':
            scale = Decimal(100)
        elif basis == 'transaction':
            scale = self.typical_tx('qty' if measure == 'quantity' else 'amt')
        else:
            scale = self.typical(period, 'qty' if measure == 'quantity' else 'amt')
            if comp_kind == 'growth-rebate':
                scale = scale * Decimal('0.3')
        attrs = 'mode="%s"' % mode
        if measure != 'amount' or rng.random() < 0.5:
            attrs += ' measure="%s"' % measure
        if basis != 'period' or rng.random() < 0.3:
            attrs += ' basis="%s"' % basis
        integer = measure in ('quantity', 'attainment') and rng.random() < 0.7
        lines = ['<tiers %s>' % attrs] + ['  ' + b for b in self.bands(mode, pays, scale,
                                                                       integer)]
        lines.append('</tiers>')
        return lines, mode, basis, measure

    def eligibility(self, kind):
        rng = self.rng
        if not self.allow('eligibility', 0.45):
            return []
        filters = []
        choices = ['products', 'categories', 'regions', 'partner-types', 'partner-tiers',
                   'customer-categories', 'customers', 'window']
        for f in rng.sample(choices, rng.randint(1, 3)):
            ex = rng.random() < 0.25
            exa = ' exclude="true"' if ex else ''
            if f == 'products':
                filters.append('<products%s>%s</products>' % (
                    exa, ' '.join(rng.sample(PRODUCTS, rng.randint(3, 9)))))
            elif f == 'categories':
                filters.append('<categories%s>%s</categories>' % (
                    exa, ' '.join(rng.sample(CATEGORIES, rng.randint(1, 3)))))
            elif f == 'regions':
                of = ''
                if self.allow('filter-partner-region', 0.35):
                    of = ' of="partner"'
                filters.append('<regions%s%s>%s</regions>' % (
                    of, exa, ' '.join(rng.sample(REGIONS, rng.randint(1, 3)))))
            elif f == 'partner-types':
                filters.append('<partner-types%s>%s</partner-types>' % (
                    exa, ' '.join(rng.sample(TYPES, rng.randint(2, 5)))))
            elif f == 'partner-tiers':
                filters.append('<partner-tiers%s>%s</partner-tiers>' % (
                    exa, ' '.join(rng.sample(TIERS, rng.randint(1, 3)))))
            elif f == 'customer-categories':
                filters.append('<customer-categories%s>%s</customer-categories>' % (
                    exa, ' '.join(rng.sample(CCS, rng.randint(1, 3)))))
            elif f == 'customers':
                if self.allow('filter-customers'):
                    filters.append('<customers>%s</customers>' % rng.choice(['new', 'existing']))
            elif f == 'window':
                if self.allow('filter-window'):
                    days = (self.end - self.start).days
                    a = self.start + datetime.timedelta(rng.randint(0, days))
                    b = min(self.end, a + datetime.timedelta(rng.randint(0, 200)))
                    filters.append('<window from="%s" to="%s"/>' % (a, b))
        if not filters:
            return []
        return ['<eligibility>'] + ['  ' + f for f in filters] + ['</eligibility>']

    def rounding_attrs(self, allow_point=True):
        rng = self.rng
        attrs = []
        if rng.random() < 0.6 and self.allow('rounding-modes'):
            attrs.append('mode="%s"' % rng.choice(MODES))
        if allow_point and rng.random() < 0.5 and self.allow('per-transaction'):
            attrs.append('point="per-transaction"')
        elif rng.random() < 0.2:
            attrs.append('point="per-payout"')
        if rng.random() < 0.25 and self.allow('rounding-scale'):
            attrs.append('scale="%d"' % rng.choice([0, 1, 3, 4]))
        return attrs

    def component_rounding(self, force_payout=False):
        """(xml lines, effective point)."""
        attrs = []
        if self.rng.random() < 0.3:
            attrs = self.rounding_attrs(allow_point=not force_payout)
        point = self.plan_point
        for a in attrs:
            if a.startswith('point='):
                point = a.split('"')[1]
        if force_payout and point == 'per-transaction':
            attrs = [a for a in attrs if not a.startswith('point=')] + ['point="per-payout"']
            point = 'per-payout'
        if not attrs:
            return [], point
        return ['<rounding %s/>' % ' '.join(attrs)], point

    def limits(self, kind, period, payout_scale, basis_scale, measure='amount',
               rep_payee=False):
        rng = self.rng
        lines = []
        if rep_payee and 'rep-multipliers' in self.exclude:
            pass
        elif rng.random() < 0.3 and self.allow('multipliers'):
            if rep_payee:
                self.features.add('rep-multipliers')
            lines.append('<multipliers>')
            for t in rng.sample(TIERS, rng.randint(1, 4)):
                lines.append('  <multiplier partner-tier="%s" factor="%s"/>' % (
                    t, q(rng.uniform(0.5, 1.6), rng.choice([1, 2]))))
            lines.append('</multipliers>')
        if measure == 'attainment' and 'attainment-minimum' in self.exclude:
            pass
        elif rng.random() < 0.25 and self.allow('minimum'):
            if measure == 'attainment':
                self.features.add('attainment-minimum')
            lines.append('<minimum>%s</minimum>' % self.limit(
                Decimal(basis_scale) * Decimal(q(rng.uniform(0.1, 0.9), 3))))
        if rng.random() < 0.25 and self.allow('cap'):
            cap = Decimal(payout_scale) * Decimal(q(rng.uniform(0.3, 2.0), 2))
            cap = max(cap.quantize(Decimal(1)), Decimal(1))
            lines.append('<cap>%s</cap>' % cap)
        return lines

    # -- components ----------------------------------------------------------------------

    def rebate_like(self, kind, cid):
        rng = self.rng
        period = self.pick_period()
        attrs = ['id="%s"' % cid, 'period="%s"' % period]
        settle = None
        if kind in ('rebate', 'commission') and rng.random() < 0.35 and \
                'settlement' not in self.exclude:
            settle = self.settlement_for(period)
            if settle:
                self.features.add('settlement')
                attrs.append('settlement="%s"' % settle)
        if rng.random() < 0.25 and self.allow('returns-original'):
            attrs.append('returns="original"')
        body = self.eligibility(kind)
        # What it pays.
        choices = ['rate', 'tiers', 'tiers']
        if kind == 'rebate':
            for c in ('per-unit', 'category-rates', 'customer-category-rates'):
                if c not in self.exclude:
                    choices.append(c)
        if all('tiers-' + m in self.exclude for m in ('whole', 'marginal', 'interpolated')):
            choices = [c for c in choices if c != 'tiers']
        how = rng.choice(choices)
        pay_lines, mode, basis, measure = [], None, None, 'amount'
        amt_scale = self.typical(period)
        payout_scale = amt_scale * Decimal('0.04')
        basis_scale = amt_scale
        if how == 'rate':
            pay_lines = ['<rate>%s</rate>' % self.rate()]
        elif how == 'per-unit':
            self.features.add('per-unit')
            pay_lines = ['<per-unit>%s</per-unit>' % q(rng.uniform(0.05, 5))]
            basis_scale = self.typical(period, 'qty')
            payout_scale = basis_scale * 2
            measure = 'quantity'
        elif how in ('category-rates', 'customer-category-rates'):
            self.features.add(how)
            attr, vocab = (('category', CATEGORIES) if how == 'category-rates'
                           else ('customer-category', CCS))
            pay_lines = ['<%s>' % how] + [
                '  <rate %s="%s" value="%s"/>' % (attr, c, self.rate())
                for c in rng.sample(vocab, rng.randint(1, len(vocab)))] + ['</%s>' % how]
        else:
            pay_lines, mode, basis, measure = self.tiers(kind, period, settle)
            if measure == 'quantity':
                basis_scale = self.typical(period, 'qty')
                if basis == 'transaction':
                    basis_scale = self.typical_tx('qty')
            elif basis == 'transaction':
                basis_scale = self.typical_tx()
            if mode == 'interpolated':
                payout_scale = Decimal(2000)
        force_payout = kind == 'growth-rebate' or (
            mode in ('marginal', 'interpolated') and basis == 'period') or (
            mode == 'whole' and basis == 'period' and
            'per-transaction-whole-period' in self.exclude)
        rounding, point = self.component_rounding(force_payout)
        if mode == 'whole' and basis == 'period' and point == 'per-transaction':
            self.features.add('per-transaction-whole-period')
        payee_attr = []
        split_ok = True
        payee = 'partner'
        if kind == 'commission':
            if measure == 'attainment':
                payee = 'partner'
            else:
                payee = rng.choice(['partner', 'rep-or-partner'])
            if payee != 'partner' or rng.random() < 0.3:
                payee_attr.append('payee="%s"' % payee)
        lim = self.limits(kind, period, payout_scale, basis_scale, measure,
                          kind == 'commission' and payee == 'rep-or-partner')
        if kind == 'commission':
            split_ok = (how == 'rate' or basis == 'transaction') and settle is None and \
                not any(l.startswith('<minimum>') and how == 'rate' for l in lim) and \
                not any(l.startswith('<multipliers>') for l in lim)
            if 'splits' in self.features and not split_ok:
                payee_attr.append('splits="ignore"')
            elif rng.random() < 0.2:
                payee_attr.append('splits="ignore"')
            elif rng.random() < 0.2:
                payee_attr.append('splits="apply"')
        if kind == 'growth-rebate':
            attrs.append('baseline="%s"' % rng.choice(['previous-period',
                                                       'same-period-last-year']))
            if rng.random() < 0.6:
                attrs.append('threshold-percent="%s"' % q(rng.uniform(0, 20),
                                                          rng.choice([0, 1])))
            if rng.random() < 0.7:
                attrs.append('pay-on="%s"' % rng.choice(['growth', 'basis']))
        lines = ['<%s %s>' % (kind, ' '.join(attrs + payee_attr))]
        lines += ['  ' + l for l in body + rounding + pay_lines + lim]
        lines.append('</%s>' % kind)
        self.settled[cid] = (kind, period, settle,
                             'rep-or-partner' in ' '.join(payee_attr))
        return lines

    def spiff(self, cid):
        rng = self.rng
        days = (self.end - self.start).days
        a = self.start + datetime.timedelta(rng.randint(0, max(0, days - 14)))
        b = min(self.end, a + datetime.timedelta(rng.randint(0, 120)))
        attrs = ['id="%s"' % cid, 'period="%s"' % self.pick_period(),
                 'window-from="%s"' % a, 'window-to="%s"' % b]
        if self.allow('spiff-per-deal', 0.3):
            attrs.append('per="deal"')
        elif rng.random() < 0.3:
            attrs.append('per="unit"')
        if rng.random() < 0.5:
            attrs.append('payee="%s"' % rng.choice(['partner', 'rep-or-partner']))
        body = self.eligibility('spiff')
        rounding, point = self.component_rounding(
            force_payout='spiff-per-transaction' in self.exclude)
        if point == 'per-transaction':
            self.features.add('spiff-per-transaction')
        prods = ['<product id="%s" amount="%s"/>' % (p, q(rng.uniform(5, 200),
                                                        rng.choice([0, 0, 2])))
                 for p in rng.sample(PRODUCTS, rng.randint(1, 5))]
        tail = []
        if rng.random() < 0.3 and self.allow('cap'):
            tail.append('<cap>%d</cap>' % rng.randint(50, 5000))
        if self.with_claims and self.allow('claim-deadline', 0.5):
            cd = 'days-after-sale="%d"' % rng.randint(10, 90)
            if rng.random() < 0.8:
                cd += ' late-reduction-percent="%s"' % q(rng.uniform(0, 50), rng.choice([0, 1]))
            if rng.random() < 0.5:
                cd += ' max-late-months="%d"' % rng.randint(1, 6)
            tail.append('<claim-deadline %s/>' % cd)
        return (['<spiff %s>' % ' '.join(attrs)] + ['  ' + l for l in body + rounding + prods +
                                                    tail] + ['</spiff>'])

    def mdf(self, cid):
        rng = self.rng
        period = rng.choice(['month', 'quarter', 'quarter', 'half'] +
                            (['fiscal-quarter'] if self.use_fiscal else []))
        attrs = ['id="%s"' % cid, 'period="%s"' % period,
                 'accrual-rate="%s"' % self.rate(0.005, 0.06),
                 'expiry-months="%d"' % rng.randint(1, 12)]
        if self.allow('mdf-yearly-cap', 0.4):
            cap = self.typical('year') * Decimal(q(rng.uniform(0.005, 0.04), 3))
            attrs.append('yearly-cap="%s"' % max(Decimal(1), cap.quantize(Decimal(1))))
        if rng.random() < 0.5:
            attrs.append('co-funding="%s"' % rng.choice(['0.5', '0.75', '0.25', '0.333', '1']))
        body = self.eligibility('mdf')
        rounding, _ = self.component_rounding(force_payout=True)
        self.mdf_id = cid
        self.mdf_scale = self.typical(period) * Decimal('0.03')
        lines = ['<mdf %s>' % ' '.join(attrs)]
        if body or rounding:
            lines += ['  ' + l for l in body + rounding]
            lines.append('</mdf>')
        else:
            lines[0] = lines[0][:-1] + '/>'
        return lines

    def simple(self, kind, cid):
        rng = self.rng
        attrs = ['id="%s"' % cid, 'period="%s"' % self.pick_period()]
        if kind == 'affiliate':
            attrs.append('rate="%s"' % self.rate(0.01, 0.12))
        elif kind == 'referral':
            attrs.append('fee="%s"' % q(rng.uniform(10, 500), rng.choice([0, 2])))
        else:
            attrs.append('uplift="%s"' % self.rate(0.005, 0.05))
        rounding, point = self.component_rounding(
            force_payout=kind == 'referral' and 'referral-per-transaction' in self.exclude)
        if kind == 'referral' and point == 'per-transaction':
            self.features.add('referral-per-transaction')
        body = self.eligibility(kind) + rounding
        if not body:
            return ['<%s %s/>' % (kind, ' '.join(attrs))]
        return ['<%s %s>' % (kind, ' '.join(attrs))] + ['  ' + l for l in body] + \
            ['</%s>' % kind]

    # -- the whole scenario --------------------------------------------------------------

    def build(self):
        rng = self.rng
        self._typical = {}
        self.need_quota = False
        self.settled = {}
        self.mdf_id = None
        self.use_fiscal = self.allow('fiscal', 0.4)
        self.fsm = rng.randint(2, 12) if self.use_fiscal and rng.random() < 0.75 else 1
        year = rng.choice([2025, 2026])
        self.start = datetime.date(year, rng.choice([1, 1, 1, 4, 7]), 1)
        years = rng.choice([1, 2])
        self.end = add_months(self.start, 12 * years) - datetime.timedelta(1)
        kinds = [k for k in KINDS if k not in self.exclude]
        self.planned_kinds = []
        for i in range(rng.randint(1, 6)):
            kind = rng.choice(kinds)
            if kind == 'mdf' and 'mdf' in self.planned_kinds:
                others = [k for k in kinds if k != 'mdf']
                if not others:
                    continue
                kind = rng.choice(others)
            self.planned_kinds.append(kind)
        self.make_partners()
        self.make_transactions()
        # Plan rounding.
        plan_rounding = []
        self.plan_point = 'per-payout'
        if rng.random() < 0.4:
            attrs = self.rounding_attrs()
            for a in attrs:
                if a.startswith('point='):
                    self.plan_point = a.split('"')[1]
            if attrs:
                plan_rounding = ['  <rounding %s/>' % ' '.join(attrs)]
        comps = []
        for i, kind in enumerate(self.planned_kinds, 1):
            self.features.add(kind)
            cid = 'c%d-%s' % (i, kind)
            if kind in ('rebate', 'growth-rebate', 'commission'):
                comps.append(self.rebate_like(kind, cid))
            elif kind == 'spiff':
                comps.append(self.spiff(cid))
            elif kind == 'mdf':
                comps.append(self.mdf(cid))
            else:
                comps.append(self.simple(kind, cid))
        # Quotas.
        per_partner = {}
        for t in self.txs:
            per_partner[t['partner']] = per_partner.get(t['partner'], Decimal(0)) + t['amt']
        months = (self.end - self.start).days / 30.44
        for p in self.partners:
            if self.need_quota or rng.random() < 0.7:
                monthly = per_partner.get(p['id'], Decimal(1000)) / Decimal(q(months))
                quota = monthly * Decimal(q(rng.uniform(0.5, 8), 2))
                p['quota'] = format(max(Decimal(100), quota.quantize(Decimal(100))), 'f')
        # The plan.
        lines = ['<?xml version="1.0" encoding="UTF-8"?>',
                 '<!-- generated by tests/reference/generator.py, seed %d -->' % self.seed,
                 '<plan xmlns="urn:tally:plan:1" format-version="1" id="random-%d" '
                 'currency="USD">' % self.seed]
        lines += plan_rounding
        if self.fsm != 1 or (self.use_fiscal and rng.random() < 0.3):
            lines.append('  <calendar fiscal-year-start-month="%d"/>' % self.fsm)
        if self.allow('definitions', 0.3):
            lines += ['  <definitions>',
                      '    <partner-tiers>%s</partner-tiers>' % ' '.join(TIERS),
                      '    <partner-types>%s</partner-types>' % ' '.join(TYPES),
                      '    <regions>%s</regions>' % ' '.join(REGIONS),
                      '    <categories>%s</categories>' % ' '.join(CATEGORIES),
                      '    <customer-categories>%s</customer-categories>' % ' '.join(CCS),
                      '    <products>%s</products>' % ' '.join(PRODUCTS),
                      '  </definitions>']
        vfrom = self.start - datetime.timedelta(rng.choice([0, 0, 31, 400]))
        lines.append('  <version id="v1" effective-from="%s">' % vfrom)
        for c in comps:
            lines += ['    ' + l for l in c]
        lines += ['  </version>', '</plan>']
        self.plan_xml = '\n'.join(lines) + '\n'
        self.make_extra_inputs()
        self.inputs = self.write_inputs()
        return self

    def make_extra_inputs(self):
        rng = self.rng
        self.settlements, self.baselines, self.claims = [], [], []
        # Prior settlements.
        if self.settled and self.allow('prior-settlements', 0.4):
            for cid, (kind, period, settle, rep_payee) in sorted(self.settled.items()):
                if rng.random() < 0.4:
                    continue
                labels = self.labels_in_span(settle or period)
                used = set()
                for _ in range(rng.randint(1, 8)):
                    t = rng.choice(self.txs)
                    payee = t['rep'] if rep_payee and t['rep'] else t['partner']
                    if rng.random() < 0.1:
                        payee = rng.choice(self.partners)['id']
                    lab = rng.choice(labels)
                    if (payee, lab) in used:
                        continue
                    used.add((payee, lab))
                    amount = self.typical(settle or period) * Decimal(
                        q(rng.uniform(0, 0.05), 4))
                    self.settlements.append((payee, cid, lab, q(amount)))
        # Baselines.
        growth = [(cid, v) for cid, v in self.settled.items() if v[0] == 'growth-rebate']
        if growth and self.allow('baselines', 0.4):
            for cid, (kind, period, _, _) in growth:
                first = self.period_of(period, self.start)[1]
                before = self.period_of(period, first - datetime.timedelta(1))
                labels = self.labels_in_span(period) + [before[0]]
                year_before = self.period_of(period, add_months(first, -12))[0]
                labels.append(year_before)
                used = set()
                for _ in range(rng.randint(1, 10)):
                    p = rng.choice(self.partners)['id']
                    lab = rng.choice(labels)
                    if (p, lab) in used:
                        continue
                    used.add((p, lab))
                    v = self.typical(period) * Decimal(q(rng.uniform(-0.1, 1.5), 3))
                    self.baselines.append((p, cid, lab, q(v)))
        # MDF claims and the as-of date.
        if self.mdf_id is not None:
            if self.allow('mdf-claims', 0.85):
                days = (self.end - self.start).days + 200
                for p in self.partners:
                    for k in range(rng.randint(0, 4)):
                        d = self.start + datetime.timedelta(rng.randint(30, days))
                        cost = self.mdf_scale * Decimal(q(rng.uniform(0.1, 3), 3))
                        self.claims.append((p['id'], d, q(max(cost, Decimal(1)))))
            if self.allow('as-of', 0.5):
                if rng.random() < 0.5:
                    self.as_of = self.end + datetime.timedelta(rng.randint(0, 400))
                else:
                    self.as_of = self.start + datetime.timedelta(
                        rng.randint(0, (self.end - self.start).days))
                self.as_of = self.as_of.isoformat()

    def write_inputs(self):
        rng = self.rng
        out = ['# seed %d' % self.seed]

        def s(v):
            return '' if v is None else str(v)

        def b(v):
            return '' if v is None else ('true' if v else 'false')

        for p in self.partners:
            out.append('\t'.join(['P', p['id'], s(p['type']), s(p['tier']), s(p['region']),
                                  p['join'], s(p['quota'])]))
        sales = list(self.sales)
        rng.shuffle(sales)
        returns = list(self.returns)
        rng.shuffle(returns)
        for t in sales + returns:
            out.append('\t'.join([
                'T', t['id'], t['date'].isoformat(), t['partner'], s(t['rep']), t['product'],
                s(t['category']), s(t['region']), format(t['qty'], 'f'), format(t['amt'], 'f'),
                'USD' if rng.random() < 0.3 else '', 'true' if t['deal'] else
                ('false' if rng.random() < 0.5 else ''),
                s(t['original']), s(t['split']), s(t['cc']), b(t['new']),
                t['claim'].isoformat() if t['claim'] else '']).rstrip('\t'))
        for payee, cid, lab, amount in self.settlements:
            out.append('\t'.join(['S', payee, cid, lab, amount]))
        for payee, cid, lab, amount in self.baselines:
            out.append('\t'.join(['B', payee, cid, lab, amount]))
        for i, (p, d, cost) in enumerate(self.claims):
            comp = self.mdf_id if rng.random() < 0.7 else ''
            out.append('\t'.join(['C', 'M%04d' % (i + 1), p, d.isoformat(), cost,
                                  rng.choice(['trade show', 'webinar', 'ads']), comp]))
        return '\n'.join(out) + '\n'


def generate(seed, exclude=()):
    return Scenario(seed, exclude).build()


def write_scenario(sc, outdir):
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, 'plan.xml'), 'w', encoding='utf-8') as f:
        f.write(sc.plan_xml)
    with open(os.path.join(outdir, 'inputs.tsv'), 'w', encoding='utf-8') as f:
        f.write(sc.inputs)
    with open(os.path.join(outdir, 'as-of'), 'w', encoding='utf-8') as f:
        f.write((sc.as_of or '') + '\n')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('seed', type=int)
    ap.add_argument('outdir')
    ap.add_argument('--exclude', nargs='*', default=[])
    args = ap.parse_args()
    sc = generate(args.seed, args.exclude)
    write_scenario(sc, args.outdir)
    print('features:', ' '.join(sorted(sc.features)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
