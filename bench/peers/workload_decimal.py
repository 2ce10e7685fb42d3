#!/usr/bin/env python3
"""The peer benchmark's workload (bench/peers/workload.xml) in plain Python with
the standard decimal module, streaming the transactions CSV with the csv module.

Keeps running totals per partner x quarter (net amount) and, for the Q4 SPIFF,
the sales that earned it and the returns that name an original; everything else
is computed at the end. Every payout is rounded half-even to cents, once per
payee x component x period.

Writes OUT as CSV: component,partner,quarter,amount (amount with two decimals),
with the MDF ledger as components mdf/accrued and mdf/balance.

Usage: workload_decimal.py --transactions FILE --out FILE
"""

import argparse
import csv
import sys
from decimal import ROUND_HALF_EVEN, Decimal, getcontext

YEAR = "2026"
CENT = Decimal("0.01")
ZERO = Decimal(0)

# retro: whole tiers (from, rate), the band containing |net| pays on all of it.
RETRO = [(Decimal(0), Decimal("0.01")), (Decimal(50000), Decimal("0.02")),
         (Decimal(250000), Decimal("0.03")), (Decimal(1000000), Decimal("0.035"))]
# marginal: (from, to or None, rate), each band pays on its own part.
MARGINAL = [(Decimal(0), Decimal(100000), Decimal("0.005")),
            (Decimal(100000), Decimal(500000), Decimal("0.0125")),
            (Decimal(500000), None, Decimal("0.0225"))]
SPIFF = {"SKU-007": Decimal(25), "SKU-042": Decimal(40), "SKU-123": Decimal("12.50"),
         "SKU-256": Decimal("7.25"), "SKU-389": Decimal(60)}
SPIFF_FROM, SPIFF_TO = "2026-10-01", "2026-12-31"
MDF_RATE = Decimal("0.02")
MDF_YEARLY_CAP = Decimal(20000)


def quarter_of(date):
    return "%s-Q%d" % (date[:4], (int(date[5:7]) + 2) // 3)


def rounded(value):
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def with_sign(net, payout):
    """Tiers look at |net|; the sign of the net is restored on the payout."""
    return -payout if net < 0 else payout


def retro(net):
    basis = abs(net)
    rate = ZERO
    for start, band_rate in RETRO:
        if basis >= start:
            rate = band_rate
    return rounded(with_sign(net, basis * rate))


def marginal(net):
    basis, payout = abs(net), ZERO
    for start, end, rate in MARGINAL:
        if basis <= start:
            break
        top = basis if end is None or basis < end else end
        payout += (top - start) * rate
    return rounded(with_sign(net, payout))


def run(transactions, out_path):
    getcontext().prec = 38
    net = {}  # (partner, quarter) -> Decimal
    spiff_sales = {}  # sale id -> [partner, units, per-unit amount]
    spiff_returns = []  # (date, id, original id, units returned, quarter)
    with open(transactions, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        col = {name: i for i, name in enumerate(header)}
        i_id, i_date, i_partner = col["id"], col["date"], col["partner"]
        i_product, i_qty, i_amount = col["product"], col["quantity"], col["amount"]
        i_original = col["original_id"]
        for row in reader:
            if not row:
                continue
            date = row[i_date]
            key = (row[i_partner], quarter_of(date))
            net[key] = net.get(key, ZERO) + Decimal(row[i_amount])
            per_unit = SPIFF.get(row[i_product])
            if per_unit is None:
                continue
            units = Decimal(row[i_qty] or 0)
            if units > 0 and SPIFF_FROM <= date <= SPIFF_TO:
                spiff_sales[row[i_id]] = [row[i_partner], units, per_unit]
            elif units < 0 and row[i_original]:
                spiff_returns.append((date, row[i_id], row[i_original], -units, key[1]))

    lines = []
    for (partner, quarter), total in net.items():
        lines.append(("retro", partner, quarter, retro(total)))
        lines.append(("marginal", partner, quarter, marginal(total)))

    spiff = {}  # (partner, quarter) -> Decimal
    for partner, units, per_unit in spiff_sales.values():
        key = (partner, "%s-Q4" % YEAR)
        spiff[key] = spiff.get(key, ZERO) + units * per_unit
    # Returns claw back per unit from the sale's payee, in the return's period, at
    # most the units the sale earned, in (date, id) order.
    for _date, _id, original, units, quarter in sorted(spiff_returns):
        sale = spiff_sales.get(original)
        if sale is None:
            continue
        taken = min(units, sale[1])
        sale[1] -= taken
        key = (sale[0], quarter)
        spiff[key] = spiff.get(key, ZERO) - taken * sale[2]
    for (partner, quarter), amount in spiff.items():
        lines.append(("q4-spiff", partner, quarter, rounded(amount)))

    # MDF: per partner, quarters in order; 0 for a quarter whose net is not above
    # 0; each accrual limited by what is left of the yearly cap.
    by_partner = {}
    for (partner, quarter), total in net.items():
        by_partner.setdefault(partner, []).append((quarter, total))
    for partner, quarters in by_partner.items():
        used, balance = {}, ZERO
        for quarter, total in sorted(quarters):
            year = quarter[:4]
            accrual = rounded(MDF_RATE * total) if total > 0 else ZERO
            accrual = min(accrual, MDF_YEARLY_CAP - used.get(year, ZERO))
            used[year] = used.get(year, ZERO) + accrual
            balance += accrual
            lines.append(("mdf/accrued", partner, quarter, rounded(accrual)))
            lines.append(("mdf/balance", partner, quarter, rounded(balance)))

    lines.sort()
    with open(out_path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["component", "partner", "quarter", "amount"])
        writer.writerows((c, p, q, str(a)) for c, p, q, a in lines)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transactions", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    run(args.transactions, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
