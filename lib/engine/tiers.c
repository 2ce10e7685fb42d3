/*
 * Bands are half-open [from, to), the last open-ended; a value on a limit
 * belongs to the upper band. The loader guarantees the bands are contiguous
 * and sorted, so one pass finds the band and sums the shares.
 */
#include "engine/tiers.h"

/* Digits kept of an interpolated fraction before the payout is rounded. */
#define FRACTION_SCALE 24

static int
less(const tally_decimal *a, const tally_decimal *b)
{
    int order = 0;
    tally_decimal_compare(&order, a, b);
    return order < 0;
}

size_t
tally_tiers__band_of(const tally_tier_table *tiers, const tally_decimal *value)
{
    size_t found = SIZE_MAX;
    for (size_t i = 0; i < tiers->band_count; i++) {
        if (less(value, &tiers->bands[i].from))
            break;
        found = i;
    }
    return found;
}

int
tally_tiers__negative(const tally_tier_table *tiers, const tally_decimal *amount,
                      const tally_decimal *quantity)
{
    const tally_decimal *sign_of = amount;
    if (tiers->pays == TALLY_BAND_PER_UNIT ||
        (tiers->pays == TALLY_BAND_AMOUNT && tiers->measure == TALLY_MEASURE_QUANTITY))
        sign_of = quantity;
    return tally_decimal_sign(sign_of) < 0;
}

/* What the band's value multiplies: revenue for rates, units for per-unit amounts. */
static const tally_decimal *
multiplicand(const tally_tier_table *tiers, const tally_decimal *amount,
             const tally_decimal *quantity)
{
    return tiers->pays == TALLY_BAND_PER_UNIT ? quantity : amount;
}

static int
pay_whole(const tally_tier_table *tiers, size_t band, const tally_decimal *amount,
          const tally_decimal *quantity, tally_decimal *out, tally_band_share *share)
{
    const tally_decimal *base = multiplicand(tiers, amount, quantity);
    share->portion = *base;
    share->value = tiers->bands[band].value;
    int status = tally_decimal_mul(&share->payout, base, &share->value);
    *out = share->payout;
    return status;
}

/* A band limit in the units the value is measured in: revenue for attainment. */
static int
limit(const tally_decimal *pct, const tally_decimal *quota, tally_decimal *out)
{
    static const tally_decimal hundredth = {1, 0, 2, 0};
    if (!quota) {
        *out = *pct;
        return TALLY_OK;
    }
    tally_decimal scaled;
    int status = tally_decimal_mul(&scaled, pct, quota);
    return status ? status : tally_decimal_mul(out, &scaled, &hundredth);
}

static int
pay_marginal(const tally_tier_table *tiers, size_t band, const tally_decimal *value,
             const tally_decimal *quota, tally_decimal *out, tally_band_share *shares)
{
    tally_decimal total = {0, 0, 0, 0};
    int status = TALLY_OK;
    for (size_t i = 0; i <= band && status == TALLY_OK; i++) {
        const tally_band *b = &tiers->bands[i];
        tally_decimal from, to;
        if ((status = limit(&b->from, quota, &from)) != TALLY_OK)
            break;
        const tally_decimal *top = value;
        if (i < band) {
            if ((status = limit(&b->to, quota, &to)) != TALLY_OK)
                break;
            top = &to;
        }
        shares[i].value = b->value;
        if ((status = tally_decimal_sub(&shares[i].portion, top, &from)) != TALLY_OK ||
            (status = tally_decimal_mul(&shares[i].payout, &shares[i].portion, &b->value)) !=
                TALLY_OK)
            break;
        status = tally_decimal_add(&total, &total, &shares[i].payout);
    }
    *out = total;
    return status;
}

int
tally_tiers__fraction(tally_decimal *out, const tally_decimal *a, const tally_decimal *b)
{
    return tally_decimal_div(out, a, b, FRACTION_SCALE, TALLY_ROUND_HALF_EVEN);
}

static int
pay_interpolated(const tally_tier_table *tiers, size_t band, const tally_decimal *value,
                 tally_decimal *out, tally_band_share *shares)
{
    tally_decimal total = {0, 0, 0, 0};
    static const tally_decimal one = {1, 0, 0, 0};
    int status = TALLY_OK;
    for (size_t i = 0; i <= band && status == TALLY_OK; i++) {
        const tally_band *b = &tiers->bands[i];
        shares[i].value = b->value;
        if (i < band || b->open) {
            /* Completed bands, and the open top band once entered, pay in full. */
            shares[i].portion = one;
            shares[i].payout = b->value;
        } else {
            tally_decimal into, width, scaled;
            if ((status = tally_decimal_sub(&into, value, &b->from)) != TALLY_OK ||
                (status = tally_decimal_sub(&width, &b->to, &b->from)) != TALLY_OK ||
                (status = tally_tiers__fraction(&shares[i].portion, &into, &width)) != TALLY_OK ||
                (status = tally_decimal_mul(&scaled, &into, &b->value)) != TALLY_OK ||
                (status = tally_tiers__fraction(&shares[i].payout, &scaled, &width)) != TALLY_OK)
                break;
        }
        status = tally_decimal_add(&total, &total, &shares[i].payout);
    }
    *out = total;
    return status;
}

int
tally_tiers__pay(const tally_tier_table *tiers, const tally_decimal *measured,
                 const tally_decimal *amount, const tally_decimal *quantity,
                 const tally_decimal *quota, tally_decimal *out, tally_band_share *shares,
                 size_t *share_count)
{
    static const tally_decimal zero = {0, 0, 0, 0};
    *out = zero;
    *share_count = 0;
    size_t band = tally_tiers__band_of(tiers, measured);
    if (band == SIZE_MAX)
        return TALLY_OK;
    switch (tiers->mode) {
    case TALLY_TIERS_WHOLE:
        *share_count = 1;
        return pay_whole(tiers, band, amount, quantity, out, shares);
    case TALLY_TIERS_MARGINAL:
        *share_count = band + 1;
        /* Attainment bands are percentages: the value paid on is revenue. */
        if (tiers->measure == TALLY_MEASURE_ATTAINMENT)
            return pay_marginal(tiers, band, amount, quota, out, shares);
        return pay_marginal(tiers, band, measured, NULL, out, shares);
    case TALLY_TIERS_INTERPOLATED:
        *share_count = band + 1;
        return pay_interpolated(tiers, band, measured, out, shares);
    }
    return TALLY_ERR_INVALID_ARGUMENT;
}

int
tally_tiers__interpolated_parts(const tally_tier_table *tiers, const tally_decimal *value,
                                tally_decimal *whole, size_t *band, tally_decimal *numerator)
{
    static const tally_decimal zero = {0, 0, 0, 0};
    *whole = zero;
    *numerator = zero;
    *band = SIZE_MAX;
    size_t current = tally_tiers__band_of(tiers, value);
    if (current == SIZE_MAX)
        return TALLY_OK;
    int status = TALLY_OK;
    for (size_t i = 0; i < current && status == TALLY_OK; i++)
        status = tally_decimal_add(whole, whole, &tiers->bands[i].value);
    const tally_band *b = &tiers->bands[current];
    if (status != TALLY_OK)
        return status;
    if (b->open)
        return tally_decimal_add(whole, whole, &b->value);
    tally_decimal into;
    if ((status = tally_decimal_sub(&into, value, &b->from)) != TALLY_OK ||
        (status = tally_decimal_mul(numerator, &into, &b->value)) != TALLY_OK)
        return status;
    if (tally_decimal_sign(numerator) != 0)
        *band = current;
    return TALLY_OK;
}
