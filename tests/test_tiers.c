/*
 * White-box tests of the tier evaluator (lib/engine/tiers.c): band lookup on
 * half-open bands, the three modes, attainment limits and values below the first
 * band.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "engine/tiers.h"

static tally_decimal
dec(const char *text)
{
    tally_decimal value;
    assert_int_equal(tally_decimal_parse(NULL, &value, text), TALLY_OK);
    return value;
}

static void
assert_decimal(const tally_decimal *value, const char *expected)
{
    char text[TALLY_DECIMAL_STRING_MAX];
    tally_decimal_format(text, sizeof(text), value);
    assert_string_equal(text, expected);
}

/* Bands [from_i, from_{i+1}), the last open, all paying `pays`. */
static tally_tier_table
table(tally_tier_mode mode, tally_tier_measure measure, tally_band_pays pays, tally_band *bands,
      const char *const *limits, const char *const *values, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        bands[i].from = dec(limits[i]);
        bands[i].open = i + 1 == count;
        bands[i].to = bands[i].open ? dec("0") : dec(limits[i + 1]);
        bands[i].value = dec(values[i]);
    }
    tally_tier_table t = {mode, measure, TALLY_BASIS_PERIOD, pays, bands, count};
    return t;
}

static const char *const running_limits[] = {"0", "10000", "20000"};
static const char *const running_rates[] = {"0.02", "0.03", "0.04"};

static void
pay(const tally_tier_table *t, const char *measured, const char *amount, const char *quota,
    const char *expected, size_t expected_shares)
{
    tally_decimal m = dec(measured), a = dec(amount), q = dec(quota ? quota : "1"), out;
    tally_band_share shares[TALLY_MAX_BANDS];
    size_t used = 99;
    assert_int_equal(tally_tiers__pay(t, &m, &a, &a, quota ? &q : NULL, &out, shares, &used),
                     TALLY_OK);
    assert_decimal(&out, expected);
    assert_int_equal(used, expected_shares);
}

static void
band_lookup_is_half_open(void **state)
{
    (void)state;
    tally_band bands[3];
    tally_tier_table t = table(TALLY_TIERS_WHOLE, TALLY_MEASURE_AMOUNT, TALLY_BAND_RATE, bands,
                               running_limits, running_rates, 3);
    tally_decimal v = dec("9999.999999");
    assert_int_equal(tally_tiers__band_of(&t, &v), 0);
    v = dec("10000.000");
    assert_int_equal(tally_tiers__band_of(&t, &v), 1);
    v = dec("1E+9");
    assert_int_equal(tally_tiers__band_of(&t, &v), 2);
}

static void
modes_on_the_running_example(void **state)
{
    (void)state;
    tally_band bands[3];
    tally_tier_table whole = table(TALLY_TIERS_WHOLE, TALLY_MEASURE_AMOUNT, TALLY_BAND_RATE,
                                   bands, running_limits, running_rates, 3);
    pay(&whole, "25000", "25000", NULL, "1000.00", 1);
    tally_tier_table marginal = whole;
    marginal.mode = TALLY_TIERS_MARGINAL;
    pay(&marginal, "25000", "25000", NULL, "700.00", 3);
    pay(&marginal, "10000", "10000", NULL, "200.00", 2);
}

static void
below_the_first_band_pays_nothing(void **state)
{
    (void)state;
    static const char *const limits[] = {"5000", "20000"};
    static const char *const rates[] = {"0.02", "0.04"};
    tally_band bands[2];
    tally_tier_table t = table(TALLY_TIERS_MARGINAL, TALLY_MEASURE_AMOUNT, TALLY_BAND_RATE, bands,
                               limits, rates, 2);
    pay(&t, "4999.99", "4999.99", NULL, "0", 0);
    /* Marginal from 5,000: (20,000 − 5,000) × 2 % + 1,000 × 4 %. */
    pay(&t, "21000", "21000", NULL, "340.00", 2);
}

static void
attainment_limits_become_revenue(void **state)
{
    (void)state;
    static const char *const limits[] = {"0", "100", "150"};
    static const char *const rates[] = {"0.05", "0.08", "0.10"};
    tally_band bands[3];
    tally_tier_table t = table(TALLY_TIERS_MARGINAL, TALLY_MEASURE_ATTAINMENT, TALLY_BAND_RATE,
                               bands, limits, rates, 3);
    pay(&t, "160", "160000", "100000", "10000.0000", 3);
}

static void
interpolated_fractions(void **state)
{
    (void)state;
    static const char *const limits[] = {"0", "1000", "3000"};
    static const char *const amounts[] = {"10", "40", "60"};
    tally_band bands[3];
    tally_tier_table t = table(TALLY_TIERS_INTERPOLATED, TALLY_MEASURE_AMOUNT, TALLY_BAND_AMOUNT,
                               bands, limits, amounts, 3);
    tally_decimal m = dec("1500"), out;
    tally_band_share shares[TALLY_MAX_BANDS];
    size_t used;
    assert_int_equal(tally_tiers__pay(&t, &m, &m, &m, NULL, &out, shares, &used), TALLY_OK);
    tally_decimal rounded;
    tally_decimal_round(&rounded, &out, 2, TALLY_ROUND_HALF_EVEN);
    assert_decimal(&rounded, "20.00");
    tally_decimal_round(&rounded, &shares[1].portion, 2, TALLY_ROUND_HALF_EVEN);
    assert_decimal(&rounded, "0.25");
    /* A third of a band: 1/3 × 40 kept to 24 digits, not rounded early. */
    m = dec("1666.6666666666666666666667");
    assert_int_equal(tally_tiers__pay(&t, &m, &m, &m, NULL, &out, shares, &used), TALLY_OK);
    tally_decimal_round(&rounded, &out, 2, TALLY_ROUND_HALF_EVEN);
    assert_decimal(&rounded, "23.33");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(band_lookup_is_half_open),
        cmocka_unit_test(modes_on_the_running_example),
        cmocka_unit_test(below_the_first_band_pays_nothing),
        cmocka_unit_test(attainment_limits_become_revenue),
        cmocka_unit_test(interpolated_fractions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
