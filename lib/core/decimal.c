/*
 * Exact decimal arithmetic on sign + 128-bit magnitude + scale.
 *
 * Sums and differences are exact. Products and quotients are formed exactly in wide
 * integers (core/wide.c) and rounded once, so every result is the correctly rounded
 * exact value. Anything that does not fit in 38 digits is reported, never wrapped.
 */
#include "core/decimal.h"

#include "core/rounding.h"
#include "core/wide.h"

static int
scale_is_valid(int32_t scale)
{
    return scale >= 0 && scale <= TALLY_DECIMAL_MAX_SCALE;
}

int
tally_dec__load(tally_dec *out, const tally_decimal *value)
{
    tally_u128 magnitude = tally_decimal__magnitude(value);
    if (magnitude > TALLY_COEFFICIENT_MAX || !scale_is_valid(value->scale))
        return 0;
    if (value->negative != 0 && value->negative != 1)
        return 0;
    if (value->negative && magnitude == 0)
        return 0;
    out->magnitude = magnitude;
    out->scale = value->scale;
    out->negative = value->negative;
    return 1;
}

void
tally_dec__store(tally_decimal *out, tally_dec value)
{
    out->coefficient_lo = (uint64_t)value.magnitude;
    out->coefficient_hi = (uint64_t)(value.magnitude >> 64);
    out->scale = value.scale;
    out->negative = value.magnitude != 0 && value.negative;
}

void
tally_dec__trim(tally_decimal *value, int min_scale)
{
    tally_dec d;
    if (!tally_dec__load(&d, value))
        return;
    while (d.scale > min_scale && d.magnitude % 10 == 0) {
        d.magnitude /= 10;
        d.scale--;
    }
    tally_dec__store(value, d);
}

int
tally_decimal_validate(const tally_decimal *value)
{
    tally_dec unused;
    if (!value || !tally_dec__load(&unused, value))
        return TALLY_ERR_INVALID_ARGUMENT;
    return TALLY_OK;
}

int
tally_decimal_from_int(tally_decimal *out, int64_t coefficient, int32_t scale)
{
    if (!out)
        return TALLY_ERR_INVALID_ARGUMENT;
    if (!scale_is_valid(scale))
        return TALLY_ERR_RANGE;
    /* Negate in unsigned arithmetic: -INT64_MIN does not fit in int64_t. */
    uint64_t magnitude = coefficient < 0 ? 0u - (uint64_t)coefficient : (uint64_t)coefficient;
    tally_dec value = {magnitude, scale, coefficient < 0};
    tally_dec__store(out, value);
    return TALLY_OK;
}

/* Loads two operands; fails when the output or either operand is missing or invalid. */
static int
load_pair(const void *out, tally_dec *x, tally_dec *y, const tally_decimal *a,
          const tally_decimal *b)
{
    return out && a && b && tally_dec__load(x, a) && tally_dec__load(y, b);
}

/* magnitude * 10^exponent within 128 bits; returns 0 when it does not fit. */
static int
scale_up_u128(tally_u128 magnitude, int exponent, tally_u128 *out)
{
    if (exponent > 38)
        return magnitude == 0 ? (*out = 0, 1) : 0;
    return !__builtin_mul_overflow(magnitude, tally_pow10(exponent), out);
}

/* Signed sum of two magnitudes already at the same scale. */
static int
add_aligned(tally_dec *out, tally_u128 x, int x_negative, tally_u128 y, int y_negative,
            int scale)
{
    tally_dec sum = {0, scale, 0};
    if (x_negative == y_negative) {
        if (__builtin_add_overflow(x, y, &sum.magnitude))
            return TALLY_ERR_OVERFLOW;
        sum.negative = x_negative;
    } else if (x >= y) {
        sum.magnitude = x - y;
        sum.negative = x_negative;
    } else {
        sum.magnitude = y - x;
        sum.negative = y_negative;
    }
    if (sum.magnitude > TALLY_COEFFICIENT_MAX)
        return TALLY_ERR_OVERFLOW;
    sum.negative = sum.negative && sum.magnitude != 0;
    *out = sum;
    return TALLY_OK;
}

/*
 * Aligning to the larger scale may exceed 128 bits only when the other operand
 * (below 10^38) cannot bring the sum back under 10^38, so overflow is final.
 */
static int
signed_add(tally_decimal *out, const tally_dec *x, const tally_dec *y, int y_negative)
{
    int scale = x->scale > y->scale ? x->scale : y->scale;
    tally_u128 xm, ym;
    if (!scale_up_u128(x->magnitude, scale - x->scale, &xm) ||
        !scale_up_u128(y->magnitude, scale - y->scale, &ym))
        return TALLY_ERR_OVERFLOW;
    tally_dec sum;
    int status = add_aligned(&sum, xm, x->negative, ym, y_negative, scale);
    if (status == TALLY_OK)
        tally_dec__store(out, sum);
    return status;
}

/* Kept out of line: the 64-bit cases of tally_decimal_add() then need no frame. */
__attribute__((noinline)) static int
add_general(tally_decimal *out, const tally_decimal *a, const tally_decimal *b)
{
    tally_dec x, y;
    if (!load_pair(out, &x, &y, a, b))
        return TALLY_ERR_INVALID_ARGUMENT;
    return signed_add(out, &x, &y, y.negative);
}

/* Valid, below 2^62 and signed as a valid value must be: 0, or 1 when not zero. */
static int
is_small(const tally_decimal *value)
{
    return value->coefficient_hi == 0 && (value->coefficient_lo >> 62) == 0 &&
           scale_is_valid(value->scale) &&
           (uint32_t)value->negative <= (value->coefficient_lo != 0);
}

int
tally_decimal_add(tally_decimal *out, const tally_decimal *a, const tally_decimal *b)
{
    /* Most sums in a run are of amounts below 2^62 at one scale, or onto a new
     * total (a zero of scale 0): done here in 64 bits, to what the general path
     * gives (the larger scale, exactly). */
    if (out && a && b && is_small(a) && is_small(b)) {
        if (a->scale == b->scale && tally_dec__add_small(out, a, b))
            return TALLY_OK;
        const tally_decimal *zero = a->coefficient_lo == 0 ? a : b->coefficient_lo == 0 ? b : NULL;
        const tally_decimal *other = zero == a ? b : a;
        if (zero && zero->scale <= other->scale) {
            *out = *other;
            return TALLY_OK;
        }
    }
    return add_general(out, a, b);
}

int
tally_decimal_sub(tally_decimal *out, const tally_decimal *a, const tally_decimal *b)
{
    tally_dec x, y;
    if (!load_pair(out, &x, &y, a, b))
        return TALLY_ERR_INVALID_ARGUMENT;
    return signed_add(out, &x, &y, y.magnitude != 0 && !y.negative);
}

/* Stores a rounded result, or reports overflow when it has more than 38 digits. */
static int
store_checked(tally_decimal *out, tally_u128 magnitude, int scale, int negative)
{
    if (magnitude > TALLY_COEFFICIENT_MAX)
        return TALLY_ERR_OVERFLOW;
    tally_dec result = {magnitude, scale, negative};
    tally_dec__store(out, result);
    return TALLY_OK;
}

int
tally_decimal_mul(tally_decimal *out, const tally_decimal *a, const tally_decimal *b)
{
    tally_dec x, y;
    if (!load_pair(out, &x, &y, a, b))
        return TALLY_ERR_INVALID_ARGUMENT;
    if (x.scale + y.scale > TALLY_DECIMAL_MAX_SCALE)
        return TALLY_ERR_RANGE;
    tally_u128 product;
    if (__builtin_mul_overflow(x.magnitude, y.magnitude, &product))
        return TALLY_ERR_OVERFLOW;
    return store_checked(out, product, x.scale + y.scale, x.negative != y.negative);
}

/* Truncates a 128-bit magnitude by 10^exponent (1 ... 38), classifying the rest. */
static tally_u128
divide_pow10_u128(tally_u128 magnitude, int exponent, tally_discarded *discarded)
{
    tally_u128 divisor = tally_pow10(exponent);
    tally_u128 quotient = magnitude / divisor;
    tally_u128 twice_rest = (magnitude % divisor) * 2; /* < 2 * 10^38: no overflow */
    if (twice_rest == 0)
        *discarded = TALLY_DISCARDED_ZERO;
    else if (twice_rest < divisor)
        *discarded = TALLY_DISCARDED_BELOW_HALF;
    else if (twice_rest == divisor)
        *discarded = TALLY_DISCARDED_HALF;
    else
        *discarded = TALLY_DISCARDED_ABOVE_HALF;
    return quotient;
}

/*
 * Truncates a wide value by 10^exponent (exponent >= 1). Lower digits go first in
 * chunks of nine and only record whether they were zero; the last, most significant
 * chunk decides how the discarded part compares with one half.
 */
static tally_discarded
divide_pow10_wide(tally_wide *value, int exponent)
{
    static const uint32_t chunk_pow10[10] = {1,      10,      100,      1000,      10000,
                                             100000, 1000000, 10000000, 100000000,
                                             1000000000};
    int lower_nonzero = 0;
    while (exponent > 9) {
        lower_nonzero |= tally_wide__div_small(value, chunk_pow10[9]) != 0;
        exponent -= 9;
    }
    uint32_t divisor = chunk_pow10[exponent];
    uint64_t twice_rest = 2ull * tally_wide__div_small(value, divisor);
    if (twice_rest == 0)
        return lower_nonzero ? TALLY_DISCARDED_BELOW_HALF : TALLY_DISCARDED_ZERO;
    if (twice_rest < divisor)
        return TALLY_DISCARDED_BELOW_HALF;
    if (twice_rest == divisor)
        return lower_nonzero ? TALLY_DISCARDED_ABOVE_HALF : TALLY_DISCARDED_HALF;
    return TALLY_DISCARDED_ABOVE_HALF;
}

/* Applies the rounding decision to a truncated magnitude and stores the result. */
static int
finish_rounding(tally_decimal *out, tally_u128 truncated, int scale, int negative,
                tally_rounding mode, tally_discarded discarded)
{
    if (tally_rounding__increments(mode, negative, (int)(truncated & 1), discarded)) {
        if (truncated >= TALLY_COEFFICIENT_MAX)
            return TALLY_ERR_OVERFLOW;
        truncated++;
    }
    return store_checked(out, truncated, scale, negative);
}

/* Rescales an exact wide magnitude of scale `from` to `to` and stores it rounded. */
static int
round_wide(tally_decimal *out, tally_wide *exact, int from, int to, int negative,
           tally_rounding mode)
{
    tally_discarded discarded = TALLY_DISCARDED_ZERO;
    if (to >= from)
        tally_wide__mul_pow10(exact, to - from);
    else
        discarded = divide_pow10_wide(exact, from - to);
    tally_u128 truncated;
    if (!tally_wide__to_u128(exact, &truncated))
        return TALLY_ERR_OVERFLOW;
    return finish_rounding(out, truncated, to, negative, mode, discarded);
}

static int
rounding_args_valid(int32_t scale, tally_rounding mode, int *status)
{
    if (!tally_rounding__is_valid(mode)) {
        *status = TALLY_ERR_INVALID_ARGUMENT;
        return 0;
    }
    if (!scale_is_valid(scale)) {
        *status = TALLY_ERR_RANGE;
        return 0;
    }
    return 1;
}

int
tally_decimal_mul_round(tally_decimal *out, const tally_decimal *a, const tally_decimal *b,
                        int32_t scale, tally_rounding mode)
{
    tally_dec x, y;
    int status;
    if (!load_pair(out, &x, &y, a, b))
        return TALLY_ERR_INVALID_ARGUMENT;
    if (!rounding_args_valid(scale, mode, &status))
        return status;
    int negative = x.negative != y.negative;
    tally_u128 product;
    int product_scale = x.scale + y.scale;
    /* Fast path: the product fits in 128 bits and only needs dividing down. */
    if (!__builtin_mul_overflow(x.magnitude, y.magnitude, &product) && scale < product_scale &&
        product_scale - scale <= 38) {
        tally_discarded discarded;
        tally_u128 truncated = divide_pow10_u128(product, product_scale - scale, &discarded);
        return finish_rounding(out, truncated, scale, negative, mode, discarded);
    }
    tally_wide exact;
    tally_wide__mul_u128(&exact, x.magnitude, y.magnitude);
    return round_wide(out, &exact, product_scale, scale, negative, mode);
}

int
tally_decimal_round(tally_decimal *out, const tally_decimal *value, int32_t scale,
                    tally_rounding mode)
{
    tally_dec x;
    int status;
    if (!out || !value || !tally_dec__load(&x, value))
        return TALLY_ERR_INVALID_ARGUMENT;
    if (!rounding_args_valid(scale, mode, &status))
        return status;
    if (scale >= x.scale) {
        tally_u128 widened;
        if (!scale_up_u128(x.magnitude, scale - x.scale, &widened))
            return TALLY_ERR_OVERFLOW;
        return store_checked(out, widened, scale, x.negative);
    }
    tally_discarded discarded;
    tally_u128 truncated = divide_pow10_u128(x.magnitude, x.scale - scale, &discarded);
    return finish_rounding(out, truncated, scale, x.negative, mode, discarded);
}

/* Classifies a division remainder against half the divisor. */
static tally_discarded
classify_remainder(tally_wide *remainder, const tally_wide *divisor)
{
    if (tally_wide__is_zero(remainder))
        return TALLY_DISCARDED_ZERO;
    tally_wide__shift_left_1(remainder);
    int order = tally_wide__compare(remainder, divisor);
    if (order < 0)
        return TALLY_DISCARDED_BELOW_HALF;
    return order == 0 ? TALLY_DISCARDED_HALF : TALLY_DISCARDED_ABOVE_HALF;
}

/*
 * a / b at scale s is (ma * 10^(s + sb - sa)) / mb; a negative exponent moves the
 * power of ten to the divisor instead, so both stay exact integers.
 */
int
tally_decimal_div(tally_decimal *out, const tally_decimal *a, const tally_decimal *b,
                  int32_t scale, tally_rounding mode)
{
    tally_dec x, y;
    int status;
    if (!load_pair(out, &x, &y, a, b))
        return TALLY_ERR_INVALID_ARGUMENT;
    if (!rounding_args_valid(scale, mode, &status))
        return status;
    if (y.magnitude == 0)
        return TALLY_ERR_DIVISION_BY_ZERO;
    int exponent = scale + y.scale - x.scale;
    tally_wide dividend, divisor, quotient, remainder;
    tally_wide__from_u128(&dividend, x.magnitude);
    tally_wide__from_u128(&divisor, y.magnitude);
    if (exponent >= 0)
        tally_wide__mul_pow10(&dividend, exponent);
    else
        tally_wide__mul_pow10(&divisor, -exponent);
    tally_wide__divmod(&quotient, &remainder, &dividend, &divisor);
    tally_discarded discarded = classify_remainder(&remainder, &divisor);
    tally_u128 truncated;
    if (!tally_wide__to_u128(&quotient, &truncated))
        return TALLY_ERR_OVERFLOW;
    return finish_rounding(out, truncated, scale, x.negative != y.negative, mode, discarded);
}

/* Compares magnitudes of different scales without leaving 128 bits. */
static int
compare_magnitudes(const tally_dec *x, const tally_dec *y)
{
    tally_u128 xm = x->magnitude, ym = y->magnitude;
    /* An operand that overflows when aligned exceeds any valid magnitude. */
    if (x->scale < y->scale && !scale_up_u128(xm, y->scale - x->scale, &xm))
        return 1;
    if (y->scale < x->scale && !scale_up_u128(ym, x->scale - y->scale, &ym))
        return -1;
    return xm < ym ? -1 : xm > ym;
}

int
tally_decimal_compare(int *out, const tally_decimal *a, const tally_decimal *b)
{
    tally_dec x, y;
    if (!load_pair(out, &x, &y, a, b))
        return TALLY_ERR_INVALID_ARGUMENT;
    if (x.negative != y.negative)
        *out = x.negative ? -1 : 1;
    else
        *out = x.negative ? -compare_magnitudes(&x, &y) : compare_magnitudes(&x, &y);
    return TALLY_OK;
}

int
tally_decimal_negate(tally_decimal *out, const tally_decimal *value)
{
    tally_dec x;
    if (!out || !value || !tally_dec__load(&x, value))
        return TALLY_ERR_INVALID_ARGUMENT;
    x.negative = !x.negative;
    tally_dec__store(out, x);
    return TALLY_OK;
}

int
tally_decimal_abs(tally_decimal *out, const tally_decimal *value)
{
    tally_dec x;
    if (!out || !value || !tally_dec__load(&x, value))
        return TALLY_ERR_INVALID_ARGUMENT;
    x.negative = 0;
    tally_dec__store(out, x);
    return TALLY_OK;
}

int
tally_decimal_sign(const tally_decimal *value)
{
    tally_dec x;
    if (!value || !tally_dec__load(&x, value) || x.magnitude == 0)
        return 0;
    return x.negative ? -1 : 1;
}
