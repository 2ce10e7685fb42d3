/*
 * Wide unsigned integers as arrays of 32-bit limbs. Speed matters little here:
 * the decimal code takes 128-bit fast paths and only falls back to these for
 * products and dividends that do not fit.
 */
#include "core/wide.h"

#include <string.h>

#define LIMB_BITS 32

void
tally_wide__from_u128(tally_wide *out, tally_u128 value)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < 4; i++) {
        out->limb[i] = (uint32_t)value;
        value >>= LIMB_BITS;
    }
}

int
tally_wide__to_u128(const tally_wide *value, tally_u128 *out)
{
    for (int i = 4; i < TALLY_WIDE_LIMBS; i++) {
        if (value->limb[i])
            return 0;
    }
    tally_u128 result = 0;
    for (int i = 3; i >= 0; i--)
        result = (result << LIMB_BITS) | value->limb[i];
    *out = result;
    return 1;
}

int
tally_wide__is_zero(const tally_wide *value)
{
    for (int i = 0; i < TALLY_WIDE_LIMBS; i++) {
        if (value->limb[i])
            return 0;
    }
    return 1;
}

int
tally_wide__compare(const tally_wide *a, const tally_wide *b)
{
    for (int i = TALLY_WIDE_LIMBS - 1; i >= 0; i--) {
        if (a->limb[i] != b->limb[i])
            return a->limb[i] < b->limb[i] ? -1 : 1;
    }
    return 0;
}

void
tally_wide__mul_u128(tally_wide *out, tally_u128 a, tally_u128 b)
{
    uint32_t x[4], y[4];
    for (int i = 0; i < 4; i++) {
        x[i] = (uint32_t)(a >> (LIMB_BITS * i));
        y[i] = (uint32_t)(b >> (LIMB_BITS * i));
    }
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < 4; i++) {
        uint64_t carry = 0;
        for (int j = 0; j < 4; j++) {
            uint64_t t = (uint64_t)x[i] * y[j] + out->limb[i + j] + carry;
            out->limb[i + j] = (uint32_t)t;
            carry = t >> LIMB_BITS;
        }
        out->limb[i + 4] = (uint32_t)carry;
    }
}

static void
mul_small(tally_wide *value, uint32_t factor)
{
    uint64_t carry = 0;
    for (int i = 0; i < TALLY_WIDE_LIMBS; i++) {
        uint64_t t = (uint64_t)value->limb[i] * factor + carry;
        value->limb[i] = (uint32_t)t;
        carry = t >> LIMB_BITS;
    }
}

void
tally_wide__mul_pow10(tally_wide *value, int exponent)
{
    /* 10^9 is the largest power of ten below 2^32. */
    for (; exponent >= 9; exponent -= 9)
        mul_small(value, 1000000000u);
    static const uint32_t small_pow10[9] = {1,      10,      100,      1000,     10000,
                                            100000, 1000000, 10000000, 100000000};
    if (exponent > 0)
        mul_small(value, small_pow10[exponent]);
}

uint32_t
tally_wide__div_small(tally_wide *value, uint32_t divisor)
{
    uint64_t remainder = 0;
    for (int i = TALLY_WIDE_LIMBS - 1; i >= 0; i--) {
        uint64_t t = (remainder << LIMB_BITS) | value->limb[i];
        value->limb[i] = (uint32_t)(t / divisor);
        remainder = t % divisor;
    }
    return (uint32_t)remainder;
}

void
tally_wide__shift_left_1(tally_wide *value)
{
    for (int i = TALLY_WIDE_LIMBS - 1; i > 0; i--)
        value->limb[i] = (value->limb[i] << 1) | (value->limb[i - 1] >> (LIMB_BITS - 1));
    value->limb[0] <<= 1;
}

static int
bit_length(const tally_wide *value)
{
    for (int i = TALLY_WIDE_LIMBS - 1; i >= 0; i--) {
        if (value->limb[i])
            return i * LIMB_BITS + (LIMB_BITS - __builtin_clz(value->limb[i]));
    }
    return 0;
}

static void
subtract_in_place(tally_wide *value, const tally_wide *minus)
{
    uint64_t borrow = 0;
    for (int i = 0; i < TALLY_WIDE_LIMBS; i++) {
        uint64_t t = (uint64_t)value->limb[i] - minus->limb[i] - borrow;
        value->limb[i] = (uint32_t)t;
        borrow = (t >> 63) & 1;
    }
}

/* Restoring binary long division: simple and obviously correct, fast enough here. */
void
tally_wide__divmod(tally_wide *quotient, tally_wide *remainder, const tally_wide *dividend,
                   const tally_wide *divisor)
{
    tally_wide q, r;
    memset(&q, 0, sizeof(q));
    memset(&r, 0, sizeof(r));
    for (int bit = bit_length(dividend) - 1; bit >= 0; bit--) {
        tally_wide__shift_left_1(&r);
        r.limb[0] |= (dividend->limb[bit / LIMB_BITS] >> (bit % LIMB_BITS)) & 1u;
        if (tally_wide__compare(&r, divisor) >= 0) {
            subtract_in_place(&r, divisor);
            q.limb[bit / LIMB_BITS] |= 1u << (bit % LIMB_BITS);
        }
    }
    *quotient = q;
    *remainder = r;
}
