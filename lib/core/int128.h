/*
 * 128-bit integers and powers of ten. __int128 is a GCC/Clang extension; it never
 * appears in a public header, where coefficients are split into two uint64_t.
 */
#ifndef TALLY_CORE_INT128_H
#define TALLY_CORE_INT128_H

#include <stdint.h>

__extension__ typedef unsigned __int128 tally_u128;

/* 10^k for k = 0 ... 38. */
extern const tally_u128 tally_pow10__table[39];

static inline tally_u128
tally_pow10(int exponent)
{
    return tally_pow10__table[exponent];
}

/* Largest coefficient magnitude: 10^38 - 1 (38 nines). */
#define TALLY_COEFFICIENT_MAX (tally_pow10__table[38] - 1)

/* Number of decimal digits of value (0 has 1 digit). */
int tally_u128__digits(tally_u128 value);

#endif /* TALLY_CORE_INT128_H */
