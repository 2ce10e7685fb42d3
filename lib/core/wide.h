/*
 * Fixed-width unsigned integers wider than 128 bits, for the exact intermediate
 * products and dividends of decimal arithmetic (at most 10^114, about 379 bits).
 */
#ifndef TALLY_CORE_WIDE_H
#define TALLY_CORE_WIDE_H

#include <stdint.h>

#include "core/int128.h"

/* 14 little-endian 32-bit limbs: 448 bits, room for 10^114 and twice a remainder. */
#define TALLY_WIDE_LIMBS 14

typedef struct tally_wide {
    uint32_t limb[TALLY_WIDE_LIMBS];
} tally_wide;

void tally_wide__from_u128(tally_wide *out, tally_u128 value);
/* Returns 1 and stores the value when it fits in 128 bits, else returns 0. */
int tally_wide__to_u128(const tally_wide *value, tally_u128 *out);
int tally_wide__is_zero(const tally_wide *value);
int tally_wide__compare(const tally_wide *a, const tally_wide *b);
/* out = a * b, exact (both below 2^128). */
void tally_wide__mul_u128(tally_wide *out, tally_u128 a, tally_u128 b);
/* value *= 10^exponent; the caller keeps the result below 2^448. */
void tally_wide__mul_pow10(tally_wide *value, int exponent);
/* value /= divisor (non-zero); returns the remainder. */
uint32_t tally_wide__div_small(tally_wide *value, uint32_t divisor);
/* quotient = dividend / divisor, remainder = dividend % divisor; divisor non-zero. */
void tally_wide__divmod(tally_wide *quotient, tally_wide *remainder,
                        const tally_wide *dividend, const tally_wide *divisor);
/* value <<= 1; the caller keeps the result in range. */
void tally_wide__shift_left_1(tally_wide *value);

#endif /* TALLY_CORE_WIDE_H */
