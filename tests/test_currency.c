/*
 * ISO 4217 table: lookups, minor units, withdrawn and malformed codes, the table's
 * own consistency, and error messages that survive hostile input and lack of memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <tally/context.h>
#include <tally/currency.h>

#include "support/test_alloc.h"

/* Active codes in ISO 4217 list one as published on 2026-01-01 (amendment 180). */
#define EXPECTED_COUNT 178

#define NA TALLY_CURRENCY_NO_MINOR_UNITS

static const tally_currency *
lookup_or_fail(const char *code)
{
    const tally_currency *currency = NULL;
    int status = tally_currency_lookup(NULL, &currency, code);
    if (status != TALLY_OK)
        fail_msg("%s gave %d, expected to be found", code, status);
    assert_non_null(currency);
    return currency;
}

static void
check_currency(const char *code, int numeric, int minor_units)
{
    const tally_currency *currency = lookup_or_fail(code);
    assert_string_equal(tally_currency_code(currency), code);
    if (tally_currency_numeric(currency) != numeric)
        fail_msg("%s: numeric %d, expected %d", code, tally_currency_numeric(currency),
                 numeric);
    if (tally_currency_minor_units(currency) != minor_units)
        fail_msg("%s: minor units %d, expected %d", code,
                 tally_currency_minor_units(currency), minor_units);
    assert_non_null(tally_currency_name(currency));
    assert_true(strlen(tally_currency_name(currency)) > 0);
}

static void
known_currencies_and_minor_units(void **state)
{
    (void)state;
    check_currency("USD", 840, 2);
    check_currency("EUR", 978, 2);
    check_currency("GBP", 826, 2);
    check_currency("JPY", 392, 0);
    check_currency("BHD", 48, 3);
    check_currency("KWD", 414, 3);
    check_currency("CLF", 990, 4);
    check_currency("UYW", 927, 4);
    check_currency("UYI", 940, 0);
    check_currency("XAF", 950, 0);
    check_currency("ISK", 352, 0);
    check_currency("ALL", 8, 2);
    check_currency("AED", 784, 2);
    check_currency("ZMW", 967, 2);
    check_currency("MRU", 929, 2);
    check_currency("STN", 930, 2);
    check_currency("VES", 928, 2);
    check_currency("BYN", 933, 2);
    check_currency("XAU", 959, NA);
    check_currency("XXX", 999, NA);
    check_currency("XDR", 960, NA);
    check_currency("XTS", 963, NA);
    assert_string_equal(tally_currency_name(lookup_or_fail("EUR")), "Euro");
}

/* The codes added or replaced since 2021, which older tables get wrong. */
static void
recent_codes(void **state)
{
    (void)state;
    check_currency("XCG", 532, 2); /* Caribbean guilder, replaced ANG in 2025 */
    check_currency("ZWG", 924, 2); /* Zimbabwe Gold, replaced ZWL in 2024 */
    check_currency("SLE", 925, 2); /* new leone, replaced SLL */
    check_currency("VED", 926, 2); /* digital bolivar, alongside VES */
    check_currency("XAD", 396, 2); /* Arab Accounting Dinar, added in 2025 */
}

/*
 * Every code whose minor units are not 2, exactly: a wrong or missing entry in the
 * table shows up here even when its code is not looked up anywhere else.
 */
static const struct {
    const char *code;
    int minor_units;
} not_two[] = {
    {"BHD", 3}, {"BIF", 0}, {"CLF", 4}, {"CLP", 0}, {"DJF", 0}, {"GNF", 0},
    {"IQD", 3}, {"ISK", 0}, {"JOD", 3}, {"JPY", 0}, {"KMF", 0}, {"KRW", 0},
    {"KWD", 3}, {"LYD", 3}, {"OMR", 3}, {"PYG", 0}, {"RWF", 0}, {"TND", 3},
    {"UGX", 0}, {"UYI", 0}, {"UYW", 4}, {"VND", 0}, {"VUV", 0}, {"XAF", 0},
    {"XAG", NA}, {"XAU", NA}, {"XBA", NA}, {"XBB", NA}, {"XBC", NA}, {"XBD", NA},
    {"XDR", NA}, {"XOF", 0}, {"XPD", NA}, {"XPF", 0}, {"XPT", NA}, {"XSU", NA},
    {"XTS", NA}, {"XUA", NA}, {"XXX", NA},
};

#define NOT_TWO_COUNT (sizeof(not_two) / sizeof(not_two[0]))

static int
expected_minor_units(const char *code)
{
    for (size_t i = 0; i < NOT_TWO_COUNT; i++) {
        if (strcmp(not_two[i].code, code) == 0)
            return not_two[i].minor_units;
    }
    return 2;
}

static void
minor_units_of_every_code(void **state)
{
    (void)state;
    /* 17 with 0, 7 with 3, 2 with 4 and 13 with none, as in the published list. */
    assert_int_equal(NOT_TWO_COUNT, 17 + 7 + 2 + 13);
    for (size_t i = 0; i < NOT_TWO_COUNT; i++)
        lookup_or_fail(not_two[i].code);
    for (size_t i = 0; i < tally_currency_count(); i++) {
        const tally_currency *currency = tally_currency_at(i);
        const char *code = tally_currency_code(currency);
        int minor = tally_currency_minor_units(currency);
        if (minor != expected_minor_units(code))
            fail_msg("%s: minor units %d, expected %d", code, minor,
                     expected_minor_units(code));
    }
}

static const char *
last_message(const tally_ctx *ctx)
{
    return tally_error_message(tally_ctx_last_error(ctx));
}

/* The lookup fails as unknown, leaves *out alone and records one telling message. */
static void
check_unknown(tally_ctx *ctx, const char *code, const char *message_part)
{
    const tally_currency *untouched = (const tally_currency *)&untouched;
    const tally_currency *currency = untouched;
    int status = tally_currency_lookup(ctx, &currency, code);
    if (status != TALLY_ERR_UNKNOWN_CURRENCY)
        fail_msg("\"%s\" gave %d, expected unknown currency", code, status);
    assert_ptr_equal(currency, untouched);
    assert_int_equal(tally_ctx_error_count(ctx), 1);
    assert_int_equal(tally_error_code(tally_ctx_last_error(ctx)), TALLY_ERR_UNKNOWN_CURRENCY);
    if (!strstr(last_message(ctx), message_part))
        fail_msg("message \"%s\" lacks \"%s\"", last_message(ctx), message_part);
}

static void
withdrawn_codes_are_rejected(void **state)
{
    (void)state;
    tally_ctx *ctx;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    static const char *const withdrawn[] = {
        "HRK", "ANG", "ZWL", "SLL", "VEF", "MRO", "STD", "BYR", "CUC",
        "BGN", "LTL", "LVL", "EEK", "DEM", "FRF", "ZWD", "ZMK", "XFU", "XFO",
    };
    for (size_t i = 0; i < sizeof(withdrawn) / sizeof(withdrawn[0]); i++)
        check_unknown(ctx, withdrawn[i], "not an active ISO 4217 code");
    check_unknown(ctx, "HRK", "unknown currency code \"HRK\": not an active ISO 4217 code");
    tally_ctx_free(ctx);
}

static void
malformed_codes_are_rejected(void **state)
{
    (void)state;
    tally_ctx *ctx;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    check_unknown(ctx, "usd", "unknown currency code \"usd\": ISO 4217 codes are upper case");
    check_unknown(ctx, "Usd", "ISO 4217 codes are upper case");
    check_unknown(ctx, "uSD", "ISO 4217 codes are upper case");
    check_unknown(ctx, "ABC", "unknown currency code \"ABC\": not an active");
    check_unknown(ctx, "", "unknown currency code \"\"");
    check_unknown(ctx, "US", "not an active");
    check_unknown(ctx, "usdx", "not an active");
    check_unknown(ctx, "USDX", "not an active");
    check_unknown(ctx, "USD ", "\"USD \"");
    check_unknown(ctx, " USD", "\" USD\"");
    check_unknown(ctx, "U$D", "not an active");
    check_unknown(ctx, "US1", "not an active");
    check_unknown(ctx, "\xc3\x9cSD", "\"\\xc3\\x9cSD\"");
    check_unknown(ctx, "\xff\xfe\xfd", "\"\\xff\\xfe\\xfd\"");
    check_unknown(ctx, "\x01\x1b[", "\"\\x01\\x1b[\"");
    check_unknown(ctx, "U\"D", "\"U\\\"D\"");
    tally_ctx_free(ctx);
}

/* A huge or hostile code gives a short message, cut with "...". */
static void
long_code_is_quoted_briefly(void **state)
{
    (void)state;
    tally_ctx *ctx;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    static char long_code[100001];
    memset(long_code, 'A', sizeof(long_code) - 1);
    check_unknown(ctx, long_code, "AAAAAAAAAAAA\"...: not an active");
    assert_true(strlen(last_message(ctx)) < 100);
    memset(long_code, 0xff, sizeof(long_code) - 1);
    check_unknown(ctx, long_code, "\\xff\"...: not an active");
    assert_true(strlen(last_message(ctx)) < 100);
    tally_ctx_free(ctx);
}

static void
null_arguments(void **state)
{
    (void)state;
    tally_ctx *ctx;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    const tally_currency *currency = NULL;
    assert_int_equal(tally_currency_lookup(ctx, NULL, "USD"), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_ctx_error_count(ctx), 1);
    assert_int_equal(tally_error_code(tally_ctx_last_error(ctx)), TALLY_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(last_message(ctx), "NULL"));
    assert_int_equal(tally_currency_lookup(ctx, &currency, NULL), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_ctx_error_count(ctx), 1);
    assert_non_null(strstr(last_message(ctx), "NULL"));
    assert_null(currency);
    assert_int_equal(tally_currency_lookup(ctx, NULL, NULL), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_currency_lookup(NULL, NULL, "USD"), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_currency_lookup(NULL, &currency, NULL), TALLY_ERR_INVALID_ARGUMENT);
    assert_null(tally_currency_code(NULL));
    assert_null(tally_currency_name(NULL));
    assert_int_equal(tally_currency_numeric(NULL), 0);
    assert_int_equal(tally_currency_minor_units(NULL), TALLY_CURRENCY_NO_MINOR_UNITS);
    tally_ctx_free(ctx);
}

/* Without a context lookups still work and still report the right status. */
static void
lookup_without_context(void **state)
{
    (void)state;
    const tally_currency *currency = NULL;
    assert_int_equal(tally_currency_lookup(NULL, &currency, "JPY"), TALLY_OK);
    assert_string_equal(tally_currency_code(currency), "JPY");
    assert_int_equal(tally_currency_lookup(NULL, &currency, "HRK"), TALLY_ERR_UNKNOWN_CURRENCY);
    assert_int_equal(tally_currency_lookup(NULL, &currency, "jpy"), TALLY_ERR_UNKNOWN_CURRENCY);
    assert_string_equal(tally_currency_code(currency), "JPY");
}

/* A successful lookup starts by forgetting the errors of the previous call. */
static void
success_clears_earlier_errors(void **state)
{
    (void)state;
    tally_ctx *ctx;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    const tally_currency *currency = NULL;
    assert_int_equal(tally_currency_lookup(ctx, &currency, "ZZZ"), TALLY_ERR_UNKNOWN_CURRENCY);
    assert_int_equal(tally_ctx_error_count(ctx), 1);
    assert_int_equal(tally_currency_lookup(ctx, &currency, "CHF"), TALLY_OK);
    assert_int_equal(tally_ctx_error_count(ctx), 0);
    assert_null(tally_ctx_last_error(ctx));
    tally_ctx_free(ctx);
}

static int
is_upper_code(const char *code)
{
    if (!code || strlen(code) != 3)
        return 0;
    for (int i = 0; i < 3; i++) {
        if (code[i] < 'A' || code[i] > 'Z')
            return 0;
    }
    return 1;
}

/* The whole table: sorted, well-formed, unique numeric codes, every entry findable. */
static void
table_is_consistent(void **state)
{
    (void)state;
    size_t count = tally_currency_count();
    assert_int_equal(count, EXPECTED_COUNT);
    int seen_numeric[1000] = {0};
    for (size_t i = 0; i < count; i++) {
        const tally_currency *currency = tally_currency_at(i);
        assert_non_null(currency);
        const char *code = tally_currency_code(currency);
        if (!is_upper_code(code))
            fail_msg("entry %zu: code is not three upper-case letters", i);
        if (i > 0 && strcmp(tally_currency_code(tally_currency_at(i - 1)), code) >= 0)
            fail_msg("entry %zu: %s is out of order", i, code);
        int numeric = tally_currency_numeric(currency);
        if (numeric < 1 || numeric > 999)
            fail_msg("%s: numeric %d out of 1..999", code, numeric);
        if (seen_numeric[numeric]++)
            fail_msg("%s: numeric %d used twice", code, numeric);
        int minor = tally_currency_minor_units(currency);
        assert_true(minor == TALLY_CURRENCY_NO_MINOR_UNITS || (minor >= 0 && minor <= 4));
        assert_non_null(tally_currency_name(currency));
        const tally_currency *found = NULL;
        assert_int_equal(tally_currency_lookup(NULL, &found, code), TALLY_OK);
        assert_ptr_equal(found, currency);
    }
    assert_null(tally_currency_at(count));
    assert_null(tally_currency_at(count + 1));
    assert_null(tally_currency_at(SIZE_MAX));
    assert_string_equal(tally_currency_code(tally_currency_at(0)), "AED");
    assert_string_equal(tally_currency_code(tally_currency_at(count - 1)), "ZWG");
}

/* Out of memory while recording the error: the status and the message survive. */
static int
unknown_code_with_allocator(const tally_allocator *allocator, void *user_data)
{
    (void)user_data;
    tally_ctx *ctx = NULL;
    int status = tally_ctx_new(&ctx, allocator);
    if (status != TALLY_OK)
        return status;
    const tally_currency *currency = NULL;
    assert_int_equal(tally_currency_lookup(ctx, &currency, "HRK"), TALLY_ERR_UNKNOWN_CURRENCY);
    assert_int_equal(tally_error_code(tally_ctx_last_error(ctx)), TALLY_ERR_UNKNOWN_CURRENCY);
    assert_non_null(strstr(last_message(ctx), "\"HRK\""));
    tally_ctx_free(ctx);
    return TALLY_OK;
}

static void
out_of_memory_while_reporting(void **state)
{
    (void)state;
    assert_true(test_alloc_loop(unknown_code_with_allocator, NULL) >= 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_currencies_and_minor_units),
        cmocka_unit_test(recent_codes),
        cmocka_unit_test(minor_units_of_every_code),
        cmocka_unit_test(withdrawn_codes_are_rejected),
        cmocka_unit_test(malformed_codes_are_rejected),
        cmocka_unit_test(long_code_is_quoted_briefly),
        cmocka_unit_test(null_arguments),
        cmocka_unit_test(lookup_without_context),
        cmocka_unit_test(success_clears_earlier_errors),
        cmocka_unit_test(table_is_consistent),
        cmocka_unit_test(out_of_memory_while_reporting),
    };
    return cmocka_run_group_tests_name("currency", tests, NULL, NULL);
}
