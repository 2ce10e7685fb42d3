/**
 * @file decimal.h
 * @brief Exact decimal numbers for money, rates and quantities.
 *
 * A ::tally_decimal is the exact value `coefficient × 10^-scale`, where the
 * coefficient is an integer of at most ::TALLY_DECIMAL_MAX_DIGITS (38) decimal
 * digits and the scale is 0 ... ::TALLY_DECIMAL_MAX_SCALE. The scale is part of the
 * value's identity for formatting: "1.50" keeps two fraction digits.
 *
 * Arithmetic is exact: add, subtract, negate, abs and multiply return the exact
 * result or fail; division and rounding take the wanted scale and a
 * ::tally_rounding mode. Every intermediate product or quotient is computed exactly
 * in wider integers before it is rounded, so a result is always the correctly
 * rounded exact value. A result that does not fit is an error
 * (::TALLY_ERR_OVERFLOW for too many digits, ::TALLY_ERR_RANGE for a scale outside
 * 0 ... 38), never a wrapped or silently truncated value. No binary floating point
 * is used anywhere.
 *
 * Zero has no sign: negating zero gives zero, and "-0.00" parses as 0.00.
 *
 * All functions are pure and thread-safe. Arithmetic functions allow the output
 * to alias an input. On failure the output is left unchanged.
 */
#ifndef TALLY_DECIMAL_H
#define TALLY_DECIMAL_H

#include "tally/common.h"
#include "tally/context.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Most significant digits of a coefficient. */
#define TALLY_DECIMAL_MAX_DIGITS 38
/** @brief Largest scale (digits after the decimal point). */
#define TALLY_DECIMAL_MAX_SCALE 38
/**
 * @brief Buffer size that holds any formatted decimal with its terminating NUL:
 *        sign, "0.", 38 fraction digits, NUL.
 */
#define TALLY_DECIMAL_STRING_MAX 42

/**
 * @brief An exact decimal value.
 *
 * Sign and magnitude: the magnitude of the coefficient is
 * `coefficient_hi × 2^64 + coefficient_lo`, below 10^38. Treat the fields as
 * read-only; build values with tally_decimal_parse(), tally_decimal_from_int() or
 * arithmetic. A zero-filled struct is the valid value 0.
 */
typedef struct tally_decimal {
    /** Low 64 bits of the coefficient's magnitude. */
    uint64_t coefficient_lo;
    /** High 64 bits of the coefficient's magnitude. */
    uint64_t coefficient_hi;
    /** Digits after the decimal point, 0 ... ::TALLY_DECIMAL_MAX_SCALE. */
    int32_t scale;
    /** 1 for a negative value, 0 otherwise (always 0 for zero). */
    int32_t negative;
} tally_decimal;

/**
 * @brief Rounding modes. The values are stable.
 *
 * The names are those used in plans and by tally_rounding_parse().
 */
typedef enum tally_rounding {
    /** "half-even": to nearest, ties to the even neighbour (banker's rounding). */
    TALLY_ROUND_HALF_EVEN = 0,
    /** "half-up": to nearest, ties away from zero. */
    TALLY_ROUND_HALF_UP = 1,
    /** "down": toward zero (truncate). */
    TALLY_ROUND_DOWN = 2,
    /** "floor": toward negative infinity. */
    TALLY_ROUND_FLOOR = 3,
    /** "ceiling": toward positive infinity. */
    TALLY_ROUND_CEILING = 4,
    /** "up": away from zero. */
    TALLY_ROUND_UP = 5,
    /** "half-down": to nearest, ties toward zero. */
    TALLY_ROUND_HALF_DOWN = 6
} tally_rounding;

/**
 * @brief Parses a decimal number from a NUL-terminated string.
 *
 * Syntax: an optional sign `+` or `-`, digits with an optional decimal point (at
 * least one digit; ".5" and "5." are accepted), and an optional exponent `e` or `E`
 * followed by an optionally signed integer ("1.5e3" is 1500, "25E-4" is 0.0025).
 * Nothing else is accepted: no spaces, no thousands separators, no "NaN" or
 * "Infinity". The scale of the result is the number of fraction digits written,
 * minus the exponent, and at least 0. Leading zeros do not count as significant
 * digits; trailing fraction zeros are kept ("2.50" has scale 2).
 *
 * @param[in]  ctx  receives a message naming the offending character; may be NULL.
 * @param[out] out  the value; unchanged on failure.
 * @param[in]  text NUL-terminated text.
 * @returns ::TALLY_OK; ::TALLY_ERR_SYNTAX for malformed text; ::TALLY_ERR_OVERFLOW
 *          for more than 38 significant digits (after applying the exponent);
 *          ::TALLY_ERR_RANGE for more than 38 fraction digits (after applying the
 *          exponent);
 *          ::TALLY_ERR_INVALID_ARGUMENT for NULL @p out or @p text.
 * @since 0.1.0
 */
TALLY_API int
tally_decimal_parse(tally_ctx *ctx, tally_decimal *out, const char *text);

/**
 * @brief Parses a decimal number from text of a given length.
 *
 * Like tally_decimal_parse(), for text that need not be NUL-terminated (a field
 * inside a larger buffer). A NUL byte inside @p length is a syntax error.
 *
 * @param[in]  ctx    receives the error message; may be NULL.
 * @param[out] out    the value; unchanged on failure.
 * @param[in]  text   the characters; need not be NUL-terminated.
 * @param[in]  length number of characters of @p text to read.
 * @returns as tally_decimal_parse().
 * @since 0.1.0
 */
TALLY_API int
tally_decimal_parse_n(tally_ctx *ctx, tally_decimal *out, const char *text, size_t length);

/**
 * @brief Formats the value in canonical plain notation.
 *
 * An optional "-", the integer digits (at least "0"), and when the scale is above
 * zero a "." followed by exactly `scale` digits. No exponent, no "+", no grouping:
 * 1234.50 → "1234.50", -0.07 → "-0.07". Parsing the text gives back the same
 * value and scale.
 *
 * @param[out] out      buffer; ::TALLY_DECIMAL_STRING_MAX bytes always suffice.
 * @param[in]  out_size size of @p out.
 * @param[in]  value    the value.
 * @returns ::TALLY_OK; ::TALLY_ERR_BUFFER_TOO_SMALL (nothing useful written, @p out
 *          holds an empty string when @p out_size > 0); ::TALLY_ERR_INVALID_ARGUMENT
 *          for NULL arguments or an invalid @p value.
 * @since 0.1.0
 */
TALLY_API int
tally_decimal_format(char *out, size_t out_size, const tally_decimal *value);

/**
 * @brief Builds `coefficient × 10^-scale`, e.g. (1999, 2) is 19.99.
 * @param[out] out         the value.
 * @param[in]  coefficient any 64-bit integer.
 * @param[in]  scale       0 ... ::TALLY_DECIMAL_MAX_SCALE.
 * @returns ::TALLY_OK; ::TALLY_ERR_RANGE when @p scale is outside 0 ... 38;
 *          ::TALLY_ERR_INVALID_ARGUMENT for NULL @p out.
 * @since 0.1.0
 */
TALLY_API int
tally_decimal_from_int(tally_decimal *out, int64_t coefficient, int32_t scale);

/**
 * @brief Checks that a struct holds a valid value (magnitude below 10^38, scale in
 *        range, negative flag 0 or 1 and 0 for zero).
 * @param[in] value the struct to check.
 * @returns ::TALLY_OK or ::TALLY_ERR_INVALID_ARGUMENT (also for NULL).
 * @since 0.1.0
 */
TALLY_API int
tally_decimal_validate(const tally_decimal *value);

/**
 * @brief Exact sum; its scale is the larger of the operands' scales.
 * @param[out] out the result; unchanged on failure. May alias an input.
 * @param[in]  a   first operand.
 * @param[in]  b   second operand.
 * @returns ::TALLY_OK, ::TALLY_ERR_OVERFLOW, ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_decimal_add(tally_decimal *out, const tally_decimal *a, const tally_decimal *b);

/**
 * @brief Exact difference `a - b`; its scale is the larger of the operands' scales.
 * @param[out] out the result; unchanged on failure. May alias an input.
 * @param[in]  a   minuend.
 * @param[in]  b   subtrahend.
 * @returns ::TALLY_OK, ::TALLY_ERR_OVERFLOW, ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_decimal_sub(tally_decimal *out, const tally_decimal *a, const tally_decimal *b);

/**
 * @brief Exact product; its scale is the sum of the operands' scales.
 * @param[out] out the result; unchanged on failure. May alias an input.
 * @param[in]  a   first operand.
 * @param[in]  b   second operand.
 * @returns ::TALLY_OK; ::TALLY_ERR_OVERFLOW when the product needs more than 38
 *          digits; ::TALLY_ERR_RANGE when the scales add up to more than 38 (use
 *          tally_decimal_mul_round()); ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_decimal_mul(tally_decimal *out, const tally_decimal *a, const tally_decimal *b);

/**
 * @brief Product rounded once to @p scale: the exact product is formed in 256-bit
 *        arithmetic, then rounded with @p mode.
 * @param[out] out the result; unchanged on failure. May alias an input.
 * @param[in]  a   first operand.
 * @param[in]  b   second operand.
 * @param[in]  scale scale of the result, 0 ... ::TALLY_DECIMAL_MAX_SCALE.
 * @param[in]  mode  how to round the exact product to @p scale.
 * @returns ::TALLY_OK, ::TALLY_ERR_OVERFLOW, ::TALLY_ERR_RANGE (bad @p scale),
 *          ::TALLY_ERR_INVALID_ARGUMENT (NULL, invalid value or mode).
 * @since 0.1.0
 */
TALLY_API int
tally_decimal_mul_round(tally_decimal *out, const tally_decimal *a, const tally_decimal *b,
                        int32_t scale, tally_rounding mode);

/**
 * @brief Quotient `a / b` rounded once to @p scale with @p mode.
 * @param[out] out the result; unchanged on failure. May alias an input.
 * @param[in]  a     dividend.
 * @param[in]  b     divisor.
 * @param[in]  scale scale of the result, 0 ... ::TALLY_DECIMAL_MAX_SCALE.
 * @param[in]  mode  how to round the exact quotient to @p scale.
 * @returns ::TALLY_OK, ::TALLY_ERR_DIVISION_BY_ZERO, ::TALLY_ERR_OVERFLOW,
 *          ::TALLY_ERR_RANGE (bad @p scale), ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_decimal_div(tally_decimal *out, const tally_decimal *a, const tally_decimal *b,
                  int32_t scale, tally_rounding mode);

/**
 * @brief Rescales @p value to @p scale: rounds with @p mode when @p scale is
 *        smaller than the value's scale, appends zeros when it is larger.
 * @param[out] out the result; unchanged on failure. May alias an input.
 * @param[in]  value the value to rescale.
 * @param[in]  scale scale of the result, 0 ... ::TALLY_DECIMAL_MAX_SCALE.
 * @param[in]  mode  how to round when digits are dropped.
 * @returns ::TALLY_OK, ::TALLY_ERR_OVERFLOW (appending zeros exceeded 38 digits),
 *          ::TALLY_ERR_RANGE (bad @p scale), ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_decimal_round(tally_decimal *out, const tally_decimal *value, int32_t scale,
                    tally_rounding mode);

/**
 * @brief Compares two values numerically (1.0 equals 1.00).
 * @param[out] out -1, 0 or 1 as @p a is less than, equal to or greater than @p b.
 * @param[in]  a   first operand.
 * @param[in]  b   second operand.
 * @returns ::TALLY_OK or ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_decimal_compare(int *out, const tally_decimal *a, const tally_decimal *b);

/**
 * @brief `-value` (zero stays zero); always representable.
 * @param[out] out the result; unchanged on failure. May alias an input.
 * @param[in]  value the value.
 * @returns ::TALLY_OK or ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_decimal_negate(tally_decimal *out, const tally_decimal *value);

/**
 * @brief `|value|`; always representable.
 * @param[out] out the result; unchanged on failure. May alias an input.
 * @param[in]  value the value.
 * @returns ::TALLY_OK or ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_decimal_abs(tally_decimal *out, const tally_decimal *value);

/**
 * @brief Sign of a value.
 * @param[in] value the value.
 * @returns -1, 0 or 1; 0 also for NULL or an invalid value.
 * @since 0.1.0
 */
TALLY_API int
tally_decimal_sign(const tally_decimal *value);

/**
 * @brief Parses a rounding-mode name: "half-even", "half-up", "down", "floor",
 *        "ceiling", "up" or "half-down" (exact, lower case).
 * @param[in]  ctx  receives a message listing the valid names; may be NULL.
 * @param[out] out  the mode.
 * @param[in]  name NUL-terminated name.
 * @returns ::TALLY_OK, ::TALLY_ERR_SYNTAX, ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_rounding_parse(tally_ctx *ctx, tally_rounding *out, const char *name);

/**
 * @brief Name of a rounding mode as accepted by tally_rounding_parse().
 * @param[in] mode the mode.
 * @returns a static string such as "half-even", or NULL for a value that is not a
 *          mode.
 * @since 0.1.0
 */
TALLY_API const char *
tally_rounding_name(tally_rounding mode);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_DECIMAL_H */
