/*
 * Internal view of a decimal: sign, 128-bit magnitude and scale. Public structs
 * are checked and unpacked into this form once per call.
 */
#ifndef TALLY_CORE_DECIMAL_H
#define TALLY_CORE_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/int128.h"
#include "tally/decimal.h"

typedef struct tally_dec {
    tally_u128 magnitude;
    int scale;
    int negative; /* never set for a zero magnitude */
} tally_dec;

static inline tally_u128
tally_decimal__magnitude(const tally_decimal *value)
{
    return ((tally_u128)value->coefficient_hi << 64) | value->coefficient_lo;
}

/* Unpacks a public value; returns 0 when it is not a valid decimal. */
int tally_dec__load(tally_dec *out, const tally_decimal *value);
/* Packs an internal value (magnitude and scale already in range). */
void tally_dec__store(tally_decimal *out, tally_dec value);
/* Drops trailing zero digits after the point, keeping at least `min_scale` of them
 * (the value is unchanged; only its written form gets shorter). */
void tally_dec__trim(tally_decimal *value, int min_scale);

/* Writes ±magnitude / 10^scale (scale ≤ TALLY_DECIMAL_MAX_SCALE) as the canonical
 * text, without a NUL; returns its length, less than TALLY_DECIMAL_STRING_MAX. */
size_t tally_dec__format_u64(char *out, uint64_t magnitude, unsigned scale, int negative);

/* The sign of a valid decimal (checked once by the caller), inline: −1, 0 or 1. */
static inline int
tally_dec__sign(const tally_decimal *value)
{
    if (!(value->coefficient_lo | value->coefficient_hi))
        return 0;
    return value->negative ? -1 : 1;
}

/* The usual addition, inline: both operands valid (checked once by the caller),
 * at the same scale, with magnitudes below 2^62, so that the sum fits an int64_t.
 * Returns 0, storing nothing, when it does not apply: then use tally_decimal_add().
 * Engines add millions of such amounts; the full path unpacks 128-bit values. */
static inline int
tally_dec__add_small(tally_decimal *out, const tally_decimal *a, const tally_decimal *b)
{
    if (a->scale != b->scale || (a->coefficient_hi | b->coefficient_hi) != 0 ||
        ((a->coefficient_lo | b->coefficient_lo) >> 62) != 0)
        return 0;
    int64_t x = (int64_t)a->coefficient_lo, y = (int64_t)b->coefficient_lo;
    int64_t sum = (a->negative ? -x : x) + (b->negative ? -y : y);
    out->coefficient_lo = sum < 0 ? (uint64_t)-sum : (uint64_t)sum;
    out->coefficient_hi = 0;
    out->scale = a->scale;
    out->negative = sum < 0;
    return 1;
}

#endif /* TALLY_CORE_DECIMAL_H */
