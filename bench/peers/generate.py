#!/usr/bin/env python3
"""Deterministic sales data for the peer benchmark (issue 6, item 12).

Writes a year of sales as tally's default transactions CSV and a partner table:

    DIR/transactions.csv  id,date,partner,rep,product,category,region,quantity,amount,currency,original_id
    DIR/partners.csv      id,type,tier,region,join_date

- 10,000 partners (P00001 ...) of very different sizes (weights 1 / rank^0.9),
  500 products (SKU-001 ... SKU-500) in 20 categories (CAT-01 ... CAT-20), each
  with a fixed list price;
- rows dated through the year in file order (a CRM export sorted by date), ids
  T00000001 ... in the same order;
- quantities 1 ... 40 (integers), amounts = quantity x list price x a discount of
  0 ... 30 %, in whole cents, always written with two decimals;
- about 3 % returns: negative quantity and amount; 60 % of them name the sale they
  return (original_id, same partner and product, at most its quantity, never the
  same sale twice), the others name none.

The same --seed and --rows always give the same bytes (Python 3's random module
is specified to be reproducible for a given seed).

Usage: generate.py --rows N --out DIR [--seed S] [--year Y]
"""

import argparse
import datetime
import os
import random
import sys

PARTNERS = 10_000
PRODUCTS = 500
CATEGORIES = 20
RETURN_RATE = 0.03
RETURNS_WITH_ORIGINAL = 0.60
RING = 4096  # recent sales a return may name

HEADER = "id,date,partner,rep,product,category,region,quantity,amount,currency,original_id\n"
REGIONS = ("NA", "EMEA", "APAC", "LATAM")
TYPES = ("reseller", "var", "distributor", "msp")
TIERS = ("platinum", "gold", "silver", "registered")


def cents_text(cents):
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return "%s%d.%02d" % (sign, cents // 100, cents % 100)


def write_partners(path, rng, year):
    regions, lines = [], ["id,type,tier,region,join_date\n"]
    first = datetime.date(year - 12, 1, 1).toordinal()
    last = datetime.date(year - 1, 12, 31).toordinal()
    for i in range(PARTNERS):
        region = REGIONS[rng.randrange(len(REGIONS))]
        regions.append(region)
        tier = TIERS[min(3, int(rng.expovariate(1.0)))]
        joined = datetime.date.fromordinal(rng.randint(first, last)).isoformat()
        lines.append("P%05d,%s,%s,%s,%s\n" % (i + 1, TYPES[rng.randrange(len(TYPES))],
                                              tier, region, joined))
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.writelines(lines)
    return regions


def generate(rows, out_dir, seed=2026, year=2026):
    rng = random.Random(seed)
    os.makedirs(out_dir, exist_ok=True)
    regions = write_partners(os.path.join(out_dir, "partners.csv"), rng, year)

    partner_ids = ["P%05d" % (i + 1) for i in range(PARTNERS)]
    order = list(range(PARTNERS))
    rng.shuffle(order)  # the biggest partner is not P00001
    cum, total = [0.0] * PARTNERS, 0.0
    weights = [0.0] * PARTNERS
    for rank, index in enumerate(order):
        weights[index] = 1.0 / (rank + 1) ** 0.9
    for i in range(PARTNERS):
        total += weights[i]
        cum[i] = total

    products = ["SKU-%03d" % (p + 1) for p in range(PRODUCTS)]
    categories = ["CAT-%02d" % (p % CATEGORIES + 1) for p in range(PRODUCTS)]
    # List prices 5.00 ... 2,500.00, log-uniform, in cents.
    prices = [int(round(500 * (500 ** rng.random()))) for _ in range(PRODUCTS)]

    start = datetime.date(year, 1, 1)
    days = (datetime.date(year + 1, 1, 1) - start).days
    dates = [(start + datetime.timedelta(days=d)).isoformat() for d in range(days)]

    ring = [None] * RING  # (id, partner, product, quantity, cents, returned?)
    ring_size = 0
    path = os.path.join(out_dir, "transactions.csv")
    batch = 65536
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        written = 0
        while written < rows:
            n = min(batch, rows - written)
            picks = rng.choices(range(PARTNERS), cum_weights=cum, k=n)
            lines = []
            for k in range(n):
                i = written + k
                tid = "T%08d" % (i + 1)
                date = dates[i * days // rows]
                r = rng.random()
                if r < RETURN_RATE:
                    slot = rng.randrange(RING)
                    orig = ring[slot] if slot < ring_size else None
                    if r < RETURN_RATE * RETURNS_WITH_ORIGINAL and orig is not None:
                        ring[slot] = None  # never returned twice
                        oid, partner, product, oqty, ocents = orig
                        qty = rng.randint(1, oqty)
                        cents = ocents * qty // oqty
                        original = oid
                    else:
                        partner = picks[k]
                        product = rng.randrange(PRODUCTS)
                        qty = rng.randint(1, 3)
                        cents = qty * prices[product]
                        original = ""
                    lines.append("%s,%s,%s,%s-r%d,%s,%s,%s,%d,%s,USD,%s\n" % (
                        tid, date, partner_ids[partner], partner_ids[partner],
                        rng.randint(1, 3), products[product], categories[product],
                        regions[partner], -qty, cents_text(-cents), original))
                    continue
                partner = picks[k]
                product = rng.randrange(PRODUCTS)
                qty = 1 + min(39, int(rng.expovariate(0.35)))
                discount = rng.randrange(301)  # per mille
                cents = (qty * prices[product] * (1000 - discount) + 500) // 1000
                if ring_size < RING:
                    ring[ring_size] = (tid, partner, product, qty, cents)
                    ring_size += 1
                else:
                    ring[rng.randrange(RING)] = (tid, partner, product, qty, cents)
                lines.append("%s,%s,%s,%s-r%d,%s,%s,%s,%d,%s,USD,\n" % (
                    tid, date, partner_ids[partner], partner_ids[partner], rng.randint(1, 3),
                    products[product], categories[product], regions[partner], qty,
                    cents_text(cents)))
            out.writelines(lines)
            written += n
    return path


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--year", type=int, default=2026)
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    generate(args.rows, args.out, args.seed, args.year)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
