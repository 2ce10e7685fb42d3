/*
 * Exact decimals: parsing, canonical formatting, arithmetic, rounding modes and
 * every error path. Larger random coverage lives in the differential test
 * (decimal_differential.py), which checks against Python's decimal module.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <tally/tally.h>

#include "core/decimal.h"

#define MAX38 "99999999999999999999999999999999999999"
#define MINUS_MAX38 "-99999999999999999999999999999999999999"

static tally_decimal
dec(const char *text)
{
    tally_decimal value;
    int status = tally_decimal_parse(NULL, &value, text);
    if (status != TALLY_OK)
        fail_msg("test operand %s does not parse: %s", text, tally_strerror(status));
    return value;
}

static void
assert_decimal(const tally_decimal *value, const char *expected)
{
    char text[TALLY_DECIMAL_STRING_MAX];
    assert_int_equal(tally_decimal_format(text, sizeof(text), value), TALLY_OK);
    assert_string_equal(text, expected);
}

/* ---- parsing and formatting ---- */

static void
parse_round_trips_canonical_text(void **state)
{
    (void)state;
    static const char *const canonical[] = {
        "0", "0.00", "1", "-1", "12.50", "-0.07", "1234567.891011",
        MAX38, MINUS_MAX38, "0.00000000000000000000000000000000000001",
        "-9999999999999999999.9999999999999999999",
    };
    for (size_t i = 0; i < sizeof(canonical) / sizeof(canonical[0]); i++) {
        tally_decimal value = dec(canonical[i]);
        assert_decimal(&value, canonical[i]);
    }
}

static void
parse_normalizes_accepted_forms(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"+5", "5"},        {"-0", "0"},          {"-0.00", "0.00"},  {".5", "0.5"},
        {"5.", "5"},        {"007.50", "7.50"},   {"1e3", "1000"},    {"1.5E+2", "150"},
        {"25E-4", "0.0025"}, {"1.50e1", "15.0"},  {"-2e-2", "-0.02"}, {"0e5", "0"},
        {"0.000e2", "0.0"}, {"00000000000000000000000000000000000000000001", "1"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tally_decimal value = dec(cases[i][0]);
        assert_decimal(&value, cases[i][1]);
    }
    tally_decimal zero = dec("-0.00");
    assert_int_equal(zero.negative, 0);
}

static void
parse_rejects_malformed_text_with_position(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "-", "+", ".", "-.", "1..2", "1.2.3", "1,000", " 1", "1 ", "1e", "1e+",
        "e5", "0x10", "NaN", "Infinity", "inf", "--1", "+-1", "1-", "1e5.5", "١",
        "1_000", "12abc",
    };
    tally_ctx *ctx;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        tally_decimal value = dec("42");
        int status = tally_decimal_parse(ctx, &value, bad[i]);
        if (status != TALLY_ERR_SYNTAX)
            fail_msg("\"%s\" gave %d, expected a syntax error", bad[i], status);
        assert_decimal(&value, "42"); /* output untouched */
        assert_int_equal(tally_error_code(tally_ctx_last_error(ctx)), TALLY_ERR_SYNTAX);
    }
    tally_decimal value;
    tally_decimal_parse(ctx, &value, "12.3x4");
    assert_string_equal(tally_error_message(tally_ctx_last_error(ctx)),
                        "invalid number \"12.3x4\": expected a digit, '.' or an exponent "
                        "at character 5, found \"x\"");
    tally_decimal_parse(ctx, &value, "1e");
    assert_string_equal(tally_error_message(tally_ctx_last_error(ctx)),
                        "invalid number \"1e\": expected exponent digits at the end");
    tally_ctx_free(ctx);
}

static void
parse_n_stops_at_length_and_rejects_nul(void **state)
{
    (void)state;
    tally_decimal value;
    assert_int_equal(tally_decimal_parse_n(NULL, &value, "12.345,99", 6), TALLY_OK);
    assert_decimal(&value, "12.345");
    assert_int_equal(tally_decimal_parse_n(NULL, &value, "1\0002", 3), TALLY_ERR_SYNTAX);
    assert_int_equal(tally_decimal_parse_n(NULL, &value, "", 0), TALLY_ERR_SYNTAX);
}

static void
parse_reports_overflow_and_range(void **state)
{
    (void)state;
    tally_ctx *ctx;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    tally_decimal value;
    assert_int_equal(tally_decimal_parse(ctx, &value, "1" MAX38), TALLY_ERR_OVERFLOW);
    assert_non_null(strstr(tally_error_message(tally_ctx_last_error(ctx)),
                           "39 significant digits; at most 38"));
    assert_int_equal(tally_decimal_parse(ctx, &value, "1e38"), TALLY_ERR_OVERFLOW);
    assert_int_equal(tally_decimal_parse(ctx, &value, "1e37"), TALLY_OK);
    assert_int_equal(tally_decimal_parse(ctx, &value, "1e999999999999999999999"),
                     TALLY_ERR_OVERFLOW);
    assert_int_equal(tally_decimal_parse(ctx, &value, "0.000000000000000000000000000000000000001"),
                     TALLY_ERR_RANGE);
    assert_non_null(strstr(tally_error_message(tally_ctx_last_error(ctx)),
                           "39 fraction digits; at most 38"));
    assert_int_equal(tally_decimal_parse(ctx, &value, "1e-39"), TALLY_ERR_RANGE);
    assert_int_equal(tally_decimal_parse(ctx, &value, "1e-999999999999999"), TALLY_ERR_RANGE);
    /* Long hostile input is quoted, cut and escaped in the message. */
    char hostile[200];
    memset(hostile, '9', sizeof(hostile) - 1);
    hostile[sizeof(hostile) - 1] = '\0';
    hostile[3] = '\x01';
    assert_int_equal(tally_decimal_parse(ctx, &value, hostile), TALLY_ERR_SYNTAX);
    const char *message = tally_error_message(tally_ctx_last_error(ctx));
    assert_non_null(strstr(message, "999\\x01999"));
    assert_non_null(strstr(message, "\"..."));
    assert_true(strlen(message) < 200);
    tally_ctx_free(ctx);
}

static void
null_arguments_are_errors(void **state)
{
    (void)state;
    tally_decimal a = dec("1"), out;
    int order;
    char text[8];
    assert_int_equal(tally_decimal_parse(NULL, NULL, "1"), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_decimal_parse(NULL, &out, NULL), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_decimal_format(NULL, 8, &a), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_decimal_format(text, sizeof(text), NULL), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_decimal_add(NULL, &a, &a), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_decimal_add(&out, NULL, &a), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_decimal_sub(&out, &a, NULL), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_decimal_mul(&out, NULL, &a), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_decimal_mul_round(&out, &a, NULL, 2, TALLY_ROUND_DOWN),
                     TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_decimal_div(&out, NULL, &a, 2, TALLY_ROUND_DOWN),
                     TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_decimal_round(&out, NULL, 2, TALLY_ROUND_DOWN),
                     TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_decimal_compare(NULL, &a, &a), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_decimal_compare(&order, &a, NULL), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_decimal_negate(&out, NULL), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_decimal_abs(NULL, &a), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_decimal_from_int(NULL, 1, 0), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_decimal_sign(NULL), 0);
    assert_int_equal(tally_decimal_validate(NULL), TALLY_ERR_INVALID_ARGUMENT);
}

static void
invalid_structs_are_rejected(void **state)
{
    (void)state;
    tally_decimal one = dec("1"), out;
    tally_decimal bad_scale = one;
    bad_scale.scale = 39;
    tally_decimal negative_zero = dec("0");
    negative_zero.negative = 1;
    tally_decimal bad_flag = one;
    bad_flag.negative = 2;
    tally_decimal too_big = dec(MAX38);
    too_big.coefficient_lo += 1; /* exactly 10^38: no carry into the high word */
    tally_decimal below_zero_scale = one;
    below_zero_scale.scale = -1;
    const tally_decimal *invalid[] = {&bad_scale, &negative_zero, &bad_flag, &too_big,
                                      &below_zero_scale};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(tally_decimal_validate(invalid[i]), TALLY_ERR_INVALID_ARGUMENT);
        assert_int_equal(tally_decimal_add(&out, invalid[i], &one), TALLY_ERR_INVALID_ARGUMENT);
        /* Also where both share a scale (the 64-bit shortcut of a sum must check too). */
        assert_int_equal(tally_decimal_add(&out, &one, invalid[i]), TALLY_ERR_INVALID_ARGUMENT);
        assert_int_equal(tally_decimal_add(&out, invalid[i], invalid[i]),
                         TALLY_ERR_INVALID_ARGUMENT);
        char text[TALLY_DECIMAL_STRING_MAX];
        assert_int_equal(tally_decimal_format(text, sizeof(text), invalid[i]),
                         TALLY_ERR_INVALID_ARGUMENT);
        assert_string_equal(text, "");
    }
    tally_decimal zeroed;
    memset(&zeroed, 0, sizeof(zeroed));
    assert_int_equal(tally_decimal_validate(&zeroed), TALLY_OK);
    assert_decimal(&zeroed, "0");
}

static void
format_reports_small_buffer(void **state)
{
    (void)state;
    tally_decimal value = dec("-12.50");
    char text[6];
    assert_int_equal(tally_decimal_format(text, sizeof(text), &value),
                     TALLY_ERR_BUFFER_TOO_SMALL);
    assert_string_equal(text, "");
    char exact[7];
    assert_int_equal(tally_decimal_format(exact, sizeof(exact), &value), TALLY_OK);
    assert_string_equal(exact, "-12.50");
    /* The documented maximum holds the longest value. */
    tally_decimal longest = dec("-0.99999999999999999999999999999999999999");
    char max[TALLY_DECIMAL_STRING_MAX];
    assert_int_equal(tally_decimal_format(max, sizeof(max), &longest), TALLY_OK);
    assert_int_equal(strlen(max) + 1, TALLY_DECIMAL_STRING_MAX);
}

static void
from_int_covers_the_int64_range(void **state)
{
    (void)state;
    tally_decimal value;
    assert_int_equal(tally_decimal_from_int(&value, 1999, 2), TALLY_OK);
    assert_decimal(&value, "19.99");
    assert_int_equal(tally_decimal_from_int(&value, INT64_MIN, 0), TALLY_OK);
    assert_decimal(&value, "-9223372036854775808");
    assert_int_equal(tally_decimal_from_int(&value, INT64_MAX, 38), TALLY_OK);
    assert_decimal(&value, "0.00000000000000000009223372036854775807");
    assert_int_equal(tally_decimal_from_int(&value, 0, 3), TALLY_OK);
    assert_decimal(&value, "0.000");
    assert_int_equal(tally_decimal_from_int(&value, 1, -1), TALLY_ERR_RANGE);
    assert_int_equal(tally_decimal_from_int(&value, 1, 39), TALLY_ERR_RANGE);
}

/* ---- arithmetic ---- */

typedef int (*binary_op)(tally_decimal *, const tally_decimal *, const tally_decimal *);

static void
check_binary(binary_op op, const char *a, const char *b, int status, const char *expected)
{
    tally_decimal x = dec(a), y = dec(b), out = dec("7");
    int got = op(&out, &x, &y);
    if (got != status)
        fail_msg("%s op %s: status %d, expected %d", a, b, got, status);
    assert_decimal(&out, status == TALLY_OK ? expected : "7");
}

static void
add_and_sub_are_exact(void **state)
{
    (void)state;
    check_binary(tally_decimal_add, "1.5", "2.25", TALLY_OK, "3.75");
    check_binary(tally_decimal_add, "0.1", "0.2", TALLY_OK, "0.3");
    check_binary(tally_decimal_add, "-5", "5.00", TALLY_OK, "0.00");
    check_binary(tally_decimal_add, "1.10", "-3", TALLY_OK, "-1.90");
    check_binary(tally_decimal_add, MAX38, "-1", TALLY_OK, "99999999999999999999999999999999999998");
    check_binary(tally_decimal_add, MAX38, "1", TALLY_ERR_OVERFLOW, NULL);
    check_binary(tally_decimal_add, MINUS_MAX38, MINUS_MAX38, TALLY_ERR_OVERFLOW, NULL);
    check_binary(tally_decimal_add, "1" "0000000000000000000000000000000000000", "0.1",
                 TALLY_ERR_OVERFLOW, NULL);
    /* Aligning 1.8e37 to one fraction digit exceeds 128 bits' signed range yet fits. */
    check_binary(tally_decimal_add, "18000000000000000000000000000000000000",
                 "-9000000000000000000000000000000000000.0", TALLY_OK,
                 "9000000000000000000000000000000000000.0");
    check_binary(tally_decimal_sub, "10", "0.01", TALLY_OK, "9.99");
    check_binary(tally_decimal_sub, MINUS_MAX38, "1", TALLY_ERR_OVERFLOW, NULL);
    check_binary(tally_decimal_sub, "2.5", "2.5", TALLY_OK, "0.0");
    check_binary(tally_decimal_sub, "0", "3", TALLY_OK, "-3");
}

static void
mul_is_exact_or_fails(void **state)
{
    (void)state;
    check_binary(tally_decimal_mul, "1.5", "-0.02", TALLY_OK, "-0.030");
    check_binary(tally_decimal_mul, "-3", "-4", TALLY_OK, "12");
    check_binary(tally_decimal_mul, "0.00", "-7", TALLY_OK, "0.00");
    check_binary(tally_decimal_mul, "9999999999999999999", "10000000000000000000", TALLY_OK,
                 "99999999999999999990000000000000000000");
    check_binary(tally_decimal_mul, "10000000000000000000", "10000000000000000000",
                 TALLY_ERR_OVERFLOW, NULL);
    check_binary(tally_decimal_mul, MAX38, MAX38, TALLY_ERR_OVERFLOW, NULL);
    check_binary(tally_decimal_mul, "0.0000000000000000001", "0.00000000000000000001",
                 TALLY_ERR_RANGE, NULL);
}

static void
check_rounded(const char *op, const char *a, const char *b, int scale, tally_rounding mode,
              int status, const char *expected)
{
    tally_decimal x = dec(a), y = dec(b), out = dec("7");
    int got;
    if (strcmp(op, "mul") == 0)
        got = tally_decimal_mul_round(&out, &x, &y, scale, mode);
    else if (strcmp(op, "div") == 0)
        got = tally_decimal_div(&out, &x, &y, scale, mode);
    else
        got = tally_decimal_round(&out, &x, scale, mode);
    if (got != status)
        fail_msg("%s %s %s scale %d mode %d: status %d, expected %d", op, a, b, scale,
                 (int)mode, got, status);
    assert_decimal(&out, status == TALLY_OK ? expected : "7");
}

/* The classic table: every mode on the values where modes differ. */
static void
rounding_modes_table(void **state)
{
    (void)state;
    static const char *const inputs[] = {"5.5", "2.5", "1.6", "1.1", "1.0",
                                         "-1.0", "-1.1", "-1.6", "-2.5", "-5.5"};
    static const char *const expected[7][10] = {
        [TALLY_ROUND_HALF_EVEN] = {"6", "2", "2", "1", "1", "-1", "-1", "-2", "-2", "-6"},
        [TALLY_ROUND_HALF_UP] = {"6", "3", "2", "1", "1", "-1", "-1", "-2", "-3", "-6"},
        [TALLY_ROUND_DOWN] = {"5", "2", "1", "1", "1", "-1", "-1", "-1", "-2", "-5"},
        [TALLY_ROUND_FLOOR] = {"5", "2", "1", "1", "1", "-1", "-2", "-2", "-3", "-6"},
        [TALLY_ROUND_CEILING] = {"6", "3", "2", "2", "1", "-1", "-1", "-1", "-2", "-5"},
        [TALLY_ROUND_UP] = {"6", "3", "2", "2", "1", "-1", "-2", "-2", "-3", "-6"},
        [TALLY_ROUND_HALF_DOWN] = {"5", "2", "2", "1", "1", "-1", "-1", "-2", "-2", "-5"},
    };
    for (int mode = 0; mode < 7; mode++) {
        for (int i = 0; i < 10; i++)
            check_rounded("round", inputs[i], "0", 0, (tally_rounding)mode, TALLY_OK,
                          expected[mode][i]);
    }
}

static void
round_rescales(void **state)
{
    (void)state;
    check_rounded("round", "0.333", "0", 2, TALLY_ROUND_HALF_EVEN, TALLY_OK, "0.33");
    check_rounded("round", "0.999", "0", 2, TALLY_ROUND_HALF_EVEN, TALLY_OK, "1.00");
    check_rounded("round", "-0.004", "0", 2, TALLY_ROUND_HALF_UP, TALLY_OK, "0.00");
    check_rounded("round", "-0.001", "0", 2, TALLY_ROUND_FLOOR, TALLY_OK, "-0.01");
    check_rounded("round", "2.5", "0", 4, TALLY_ROUND_DOWN, TALLY_OK, "2.5000");
    check_rounded("round", MAX38, "0", 0, TALLY_ROUND_DOWN, TALLY_OK, MAX38);
    check_rounded("round", MAX38, "0", 1, TALLY_ROUND_DOWN, TALLY_ERR_OVERFLOW, NULL);
    /* Dropping digits can carry into a new digit but never past 38 of them. */
    check_rounded("round", "9999999999999999999999999999999999999.9", "0", 0,
                  TALLY_ROUND_HALF_UP, TALLY_OK, "10000000000000000000000000000000000000");
    check_rounded("round", "1", "0", 39, TALLY_ROUND_DOWN, TALLY_ERR_RANGE, NULL);
    check_rounded("round", "1", "0", -1, TALLY_ROUND_DOWN, TALLY_ERR_RANGE, NULL);
    check_rounded("round", "1", "0", 0, (tally_rounding)7, TALLY_ERR_INVALID_ARGUMENT, NULL);
    check_rounded("round", "0.00000000000000000000000000000000000005", "0", 37,
                  TALLY_ROUND_HALF_EVEN, TALLY_OK, "0.0000000000000000000000000000000000000");
}

static void
mul_round_rounds_the_exact_product_once(void **state)
{
    (void)state;
    check_rounded("mul", "12345.67", "0.03", 2, TALLY_ROUND_HALF_EVEN, TALLY_OK, "370.37");
    check_rounded("mul", "0.125", "1", 2, TALLY_ROUND_HALF_EVEN, TALLY_OK, "0.12");
    check_rounded("mul", "0.125", "1", 2, TALLY_ROUND_HALF_UP, TALLY_OK, "0.13");
    check_rounded("mul", "-0.125", "1", 2, TALLY_ROUND_HALF_UP, TALLY_OK, "-0.13");
    check_rounded("mul", "-1234.56", "0.04", 2, TALLY_ROUND_FLOOR, TALLY_OK, "-49.39");
    check_rounded("mul", "3", "0.5", 3, TALLY_ROUND_DOWN, TALLY_OK, "1.500");
    /* A 76-digit product rounded back to 38 digits. */
    check_rounded("mul", "9999999999999999999.9999999999999999999",
                  "9999999999999999999.9999999999999999999", 0, TALLY_ROUND_HALF_EVEN,
                  TALLY_OK, "99999999999999999999999999999999999998");
    check_rounded("mul", MAX38, "1.5", 0, TALLY_ROUND_DOWN, TALLY_ERR_OVERFLOW, NULL);
    /* The rounding increment itself overflows: 1.2 x 8333...3 = 38 nines and 0.6. */
    check_rounded("mul", "1.2", "83333333333333333333333333333333333333", 0,
                  TALLY_ROUND_HALF_UP, TALLY_ERR_OVERFLOW, NULL);
    check_rounded("mul", "1.2", "83333333333333333333333333333333333333", 0,
                  TALLY_ROUND_DOWN, TALLY_OK, MAX38);
    check_rounded("mul", "0.00000000000000000001", "0.00000000000000000005", 38,
                  TALLY_ROUND_HALF_UP, TALLY_OK, "0.00000000000000000000000000000000000000");
    check_rounded("mul", "0.00000000000000000001", "0.00000000000000000005", 38,
                  TALLY_ROUND_UP, TALLY_OK, "0.00000000000000000000000000000000000001");
    /* Tie in the 40th digit of a wide product, with non-zero digits further down. */
    check_rounded("mul", "0.5000000000000000000000000000000000001", "0.1", 1,
                  TALLY_ROUND_HALF_EVEN, TALLY_OK, "0.1");
    check_rounded("mul", "0.5000000000000000000000000000000000001", "1", 0,
                  TALLY_ROUND_HALF_DOWN, TALLY_OK, "1");
    check_rounded("mul", "1", "1", 39, TALLY_ROUND_DOWN, TALLY_ERR_RANGE, NULL);
}

static void
div_rounds_to_the_requested_scale(void **state)
{
    (void)state;
    check_rounded("div", "100.00", "3", 2, TALLY_ROUND_HALF_EVEN, TALLY_OK, "33.33");
    check_rounded("div", "2", "3", 4, TALLY_ROUND_HALF_EVEN, TALLY_OK, "0.6667");
    check_rounded("div", "-2", "3", 4, TALLY_ROUND_DOWN, TALLY_OK, "-0.6666");
    check_rounded("div", "1", "8", 2, TALLY_ROUND_HALF_EVEN, TALLY_OK, "0.12");
    check_rounded("div", "1", "-8", 2, TALLY_ROUND_HALF_UP, TALLY_OK, "-0.13");
    check_rounded("div", "1", "0.001", 0, TALLY_ROUND_DOWN, TALLY_OK, "1000");
    check_rounded("div", "0.001", "1000", 6, TALLY_ROUND_DOWN, TALLY_OK, "0.000001");
    check_rounded("div", "1", "0", 2, TALLY_ROUND_DOWN, TALLY_ERR_DIVISION_BY_ZERO, NULL);
    check_rounded("div", "0", "0.00", 2, TALLY_ROUND_DOWN, TALLY_ERR_DIVISION_BY_ZERO, NULL);
    check_rounded("div", MAX38, "0.1", 0, TALLY_ROUND_DOWN, TALLY_ERR_OVERFLOW, NULL);
    check_rounded("div", MAX38, "0.00000000000000000000000000000000000001", 0,
                  TALLY_ROUND_DOWN, TALLY_ERR_OVERFLOW, NULL);
    check_rounded("div", "1", "3", 38, TALLY_ROUND_HALF_EVEN, TALLY_OK,
                  "0.33333333333333333333333333333333333333");
    check_rounded("div", "0.00000000000000000000000000000000000001", MAX38, 38,
                  TALLY_ROUND_CEILING, TALLY_OK, "0.00000000000000000000000000000000000001");
    check_rounded("div", "1", "3", 39, TALLY_ROUND_DOWN, TALLY_ERR_RANGE, NULL);
}

static void
compare_is_numeric(void **state)
{
    (void)state;
    static const struct {
        const char *a, *b;
        int order;
    } cases[] = {
        {"1.0", "1.00", 0},   {"-1", "1", -1},     {"0", "-0.0", 0},  {"-2", "-1.5", -1},
        {"0.1", "0.09", 1},   {MAX38, "1e37", 1},  {"0.00000000000000000000000000000000000001", "0", 1},
        {MINUS_MAX38, "-0.00000000000000000000000000000000000001", -1},
        {"1", "0.99999999999999999999999999999999999999", 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tally_decimal a = dec(cases[i].a), b = dec(cases[i].b);
        int order = 99;
        assert_int_equal(tally_decimal_compare(&order, &a, &b), TALLY_OK);
        if (order != cases[i].order)
            fail_msg("compare %s %s gave %d", cases[i].a, cases[i].b, order);
        assert_int_equal(tally_decimal_compare(&order, &b, &a), TALLY_OK);
        assert_int_equal(order, -cases[i].order);
    }
}

static void
negate_abs_sign(void **state)
{
    (void)state;
    tally_decimal value = dec("-12.30"), out;
    assert_int_equal(tally_decimal_negate(&out, &value), TALLY_OK);
    assert_decimal(&out, "12.30");
    assert_int_equal(tally_decimal_abs(&out, &value), TALLY_OK);
    assert_decimal(&out, "12.30");
    assert_int_equal(tally_decimal_sign(&value), -1);
    assert_int_equal(tally_decimal_sign(&out), 1);
    tally_decimal zero = dec("0.0");
    assert_int_equal(tally_decimal_negate(&out, &zero), TALLY_OK);
    assert_decimal(&out, "0.0");
    assert_int_equal(out.negative, 0);
    assert_int_equal(tally_decimal_sign(&zero), 0);
    tally_decimal max = dec(MINUS_MAX38);
    assert_int_equal(tally_decimal_negate(&max, &max), TALLY_OK); /* aliasing */
    assert_decimal(&max, MAX38);
}

static void
outputs_may_alias_inputs(void **state)
{
    (void)state;
    tally_decimal a = dec("1.25");
    assert_int_equal(tally_decimal_add(&a, &a, &a), TALLY_OK);
    assert_decimal(&a, "2.50");
    assert_int_equal(tally_decimal_mul_round(&a, &a, &a, 1, TALLY_ROUND_HALF_EVEN), TALLY_OK);
    assert_decimal(&a, "6.2");
    assert_int_equal(tally_decimal_div(&a, &a, &a, 3, TALLY_ROUND_HALF_EVEN), TALLY_OK);
    assert_decimal(&a, "1.000");
}

/* domain.md section 3: three lines of 0.333, half-even to cents. */
static void
rounding_point_example_from_domain(void **state)
{
    (void)state;
    tally_decimal line = dec("0.333"), total = dec("0"), per_line_total = dec("0"), rounded;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(tally_decimal_add(&total, &total, &line), TALLY_OK);
        assert_int_equal(tally_decimal_round(&rounded, &line, 2, TALLY_ROUND_HALF_EVEN),
                         TALLY_OK);
        assert_int_equal(tally_decimal_add(&per_line_total, &per_line_total, &rounded),
                         TALLY_OK);
    }
    assert_int_equal(tally_decimal_round(&total, &total, 2, TALLY_ROUND_HALF_EVEN), TALLY_OK);
    assert_decimal(&total, "1.00");
    assert_decimal(&per_line_total, "0.99");
}

static void
rounding_names_round_trip(void **state)
{
    (void)state;
    for (int mode = 0; mode < 7; mode++) {
        const char *name = tally_rounding_name((tally_rounding)mode);
        assert_non_null(name);
        tally_rounding parsed;
        assert_int_equal(tally_rounding_parse(NULL, &parsed, name), TALLY_OK);
        assert_int_equal(parsed, mode);
    }
    assert_null(tally_rounding_name((tally_rounding)7));
    assert_null(tally_rounding_name((tally_rounding)-1));
    tally_ctx *ctx;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    tally_rounding parsed;
    assert_int_equal(tally_rounding_parse(ctx, &parsed, "Half-Even"), TALLY_ERR_SYNTAX);
    assert_string_equal(tally_error_message(tally_ctx_last_error(ctx)),
                        "unknown rounding mode \"Half-Even\": expected one of half-even, "
                        "half-up, down, floor, ceiling, up, half-down");
    assert_int_equal(tally_rounding_parse(ctx, NULL, "down"), TALLY_ERR_INVALID_ARGUMENT);
    tally_ctx_free(ctx);
}

static void
status_strings(void **state)
{
    (void)state;
    for (int code = 0; code >= TALLY_ERR_STATE; code--)
        assert_string_not_equal(tally_strerror(code), "unknown error");
    assert_string_equal(tally_strerror(-1000), "unknown error");
    assert_string_equal(tally_strerror(TALLY_ERR_DIVISION_BY_ZERO), "division by zero");
}

/* The 64-bit ways of adding (the engine's inline one, and tally_decimal_add's own
 * shortcut, which also scales the operand of fewer digits up) must give what the
 * general path gives, or step aside: operands on both sides of their limits
 * (scale, 2^62, scaling by up to 10^18, signs, zero). The general path is reached
 * through tally_decimal_sub() of the negated operand, which takes no shortcut. */
static void
small_addition_agrees_with_the_full_one(void **state)
{
    (void)state;
    static const char *const values[] = {
        "0", "1", "-1", "0.00", "-0.01", "12.34", "-12.34", "4611686018427387903",
        "-4611686018427387903", "4611686018427387904", "-4611686018427387904",
        "46116860184273879.03", "-46116860184273879.04", "99999999999999999999999999999999999999",
        "0.5", "123456789012345678901234567890", "-7.125", "0.000000000000000001",
        "4.611686018427387903", "461168601842738790.3", "0.0000000000000000000001", "3"};
    size_t count = sizeof(values) / sizeof(values[0]);
    size_t fast = 0;
    for (size_t i = 0; i < count; i++) {
        for (size_t j = 0; j < count; j++) {
            tally_decimal a, b, minus_b, full, sum, small;
            assert_int_equal(tally_decimal_parse(NULL, &a, values[i]), TALLY_OK);
            assert_int_equal(tally_decimal_parse(NULL, &b, values[j]), TALLY_OK);
            assert_int_equal(tally_dec__sign(&a), tally_decimal_sign(&a));
            assert_int_equal(tally_decimal_negate(&minus_b, &b), TALLY_OK);
            memset(&full, 0x5a, sizeof(full));
            memset(&sum, 0x5a, sizeof(sum));
            int status = tally_decimal_sub(&full, &a, &minus_b);
            assert_int_equal(tally_decimal_add(&sum, &a, &b), status);
            if (status == TALLY_OK)
                assert_memory_equal(&sum, &full, sizeof(full));
            memset(&small, 0x5a, sizeof(small));
            if (!tally_dec__add_small(&small, &a, &b))
                continue;
            fast++;
            assert_int_equal(status, TALLY_OK);
            assert_memory_equal(&small, &full, sizeof(full));
        }
    }
    /* Same-scale pairs below 2^62 took the fast way: 0, ±1, ±12.34-like ... */
    assert_true(fast >= 40);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_round_trips_canonical_text),
        cmocka_unit_test(parse_normalizes_accepted_forms),
        cmocka_unit_test(parse_rejects_malformed_text_with_position),
        cmocka_unit_test(parse_n_stops_at_length_and_rejects_nul),
        cmocka_unit_test(parse_reports_overflow_and_range),
        cmocka_unit_test(null_arguments_are_errors),
        cmocka_unit_test(invalid_structs_are_rejected),
        cmocka_unit_test(format_reports_small_buffer),
        cmocka_unit_test(from_int_covers_the_int64_range),
        cmocka_unit_test(add_and_sub_are_exact),
        cmocka_unit_test(mul_is_exact_or_fails),
        cmocka_unit_test(rounding_modes_table),
        cmocka_unit_test(round_rescales),
        cmocka_unit_test(mul_round_rounds_the_exact_product_once),
        cmocka_unit_test(div_rounds_to_the_requested_scale),
        cmocka_unit_test(compare_is_numeric),
        cmocka_unit_test(negate_abs_sign),
        cmocka_unit_test(outputs_may_alias_inputs),
        cmocka_unit_test(rounding_point_example_from_domain),
        cmocka_unit_test(rounding_names_round_trip),
        cmocka_unit_test(status_strings),
        cmocka_unit_test(small_addition_agrees_with_the_full_one),
    };
    return cmocka_run_group_tests_name("decimal", tests, NULL, NULL);
}
