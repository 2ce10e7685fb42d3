/*
 * Internal view of a decimal: sign, 128-bit magnitude and scale. Public structs
 * are checked and unpacked into this form once per call.
 */
#ifndef TALLY_CORE_DECIMAL_H
#define TALLY_CORE_DECIMAL_H

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

#endif /* TALLY_CORE_DECIMAL_H */
