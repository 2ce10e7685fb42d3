/*
 * ISO 4217 table: lookups, minor units, withdrawn and malformed codes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <tally/tally.h>

static void
check_currency(const char *code, int numeric, int minor_units)
{
    const tally_currency *currency = NULL;
    if (tally_currency_lookup(NULL, &currency, code) != TALLY_OK)
        fail_msg("%s not found", code);
    assert_string_equal(tally_currency_code(currency), code);
    assert_int_equal(tally_currency_numeric(currency), numeric);
    assert_int_equal(tally_currency_minor_units(currency), minor_units);
    assert_non_null(tally_currency_name(currency));
}

static void
known_currencies_and_minor_units(void **state)
{
    (void)state;
    check_currency("USD", 840, 2);
    check_currency("EUR", 978, 2);
    check_currency("JPY", 392, 0);
    check_currency("BHD", 48, 3);
    check_currency("KWD", 414, 3);
    check_currency("CLF", 990, 4);
    check_currency("UYW", 927, 4);
    check_currency("UYI", 940, 0);
    check_currency("XAF", 950, 0);
    check_currency("ISK", 352, 0);
    check_currency("XCG", 532, 2);
    check_currency("ZWG", 924, 2);
    check_currency("SLE", 925, 2);
    check_currency("VED", 926, 2);
    check_currency("AED", 784, 2);
    check_currency("ZMW", 967, 2);
    check_currency("XAU", 959, TALLY_CURRENCY_NO_MINOR_UNITS);
    check_currency("XXX", 999, TALLY_CURRENCY_NO_MINOR_UNITS);
    check_currency("XDR", 960, TALLY_CURRENCY_NO_MINOR_UNITS);
    const tally_currency *eur = NULL;
    assert_int_equal(tally_currency_lookup(NULL, &eur, "EUR"), TALLY_OK);
    assert_string_equal(tally_currency_name(eur), "Euro");
}

static void
check_unknown(tally_ctx *ctx, const char *code, const char *message_part)
{
    const tally_currency *currency = (const tally_currency *)&currency;
    int status = tally_currency_lookup(ctx, &currency, code);
    if (status != TALLY_ERR_UNKNOWN_CURRENCY)
        fail_msg("\"%s\" gave %d, expected unknown currency", code, status);
    assert_ptr_equal(currency, (const tally_currency *)&currency); /* untouched */
    const tally_error *error = tally_ctx_last_error(ctx);
    assert_int_equal(tally_error_code(error), TALLY_ERR_UNKNOWN_CURRENCY);
    if (!strstr(tally_error_message(error), message_part))
        fail_msg("message \"%s\" lacks \"%s\"", tally_error_message(error), message_part);
}

static void
withdrawn_and_malformed_codes_are_rejected(void **state)
{
    (void)state;
    tally_ctx *ctx;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    static const char *const withdrawn[] = {"HRK", "ANG", "ZWL", "SLL", "VEF", "MRO",
                                            "STD", "BYR", "CUC", "BGN", "DEM", "LTL"};
    for (size_t i = 0; i < sizeof(withdrawn) / sizeof(withdrawn[0]); i++)
        check_unknown(ctx, withdrawn[i], "not an active ISO 4217 code");
    check_unknown(ctx, "usd", "ISO 4217 codes are upper case");
    check_unknown(ctx, "ABC", "unknown currency code \"ABC\"");
    check_unknown(ctx, "", "unknown currency code \"\"");
    check_unknown(ctx, "US", "not an active");
    check_unknown(ctx, "USDX", "not an active");
    check_unknown(ctx, "U$D", "not an active");
    check_unknown(ctx, "\xc3\x9cSD", "\\xc3\\x9c");
    tally_ctx_free(ctx);
}

static void
null_arguments(void **state)
{
    (void)state;
    tally_ctx *ctx;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    const tally_currency *currency;
    assert_int_equal(tally_currency_lookup(ctx, NULL, "USD"), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_ctx_error_count(ctx), 1);
    assert_int_equal(tally_currency_lookup(ctx, &currency, NULL), TALLY_ERR_INVALID_ARGUMENT);
    assert_null(tally_currency_code(NULL));
    assert_null(tally_currency_name(NULL));
    assert_int_equal(tally_currency_numeric(NULL), 0);
    assert_int_equal(tally_currency_minor_units(NULL), TALLY_CURRENCY_NO_MINOR_UNITS);
    tally_ctx_free(ctx);
}

static int
is_upper_code(const char *code)
{
    return strlen(code) == 3 && code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' &&
           code[1] <= 'Z' && code[2] >= 'A' && code[2] <= 'Z';
}

/* The whole table: sorted, well-formed, unique numeric codes, every entry findable. */
static void
table_is_consistent(void **state)
{
    (void)state;
    size_t count = tally_currency_count();
    assert_int_equal(count, 177);
    int seen_numeric[1000] = {0};
    for (size_t i = 0; i < count; i++) {
        const tally_currency *currency = tally_currency_at(i);
        const char *code = tally_currency_code(currency);
        assert_true(is_upper_code(code));
        if (i > 0)
            assert_true(strcmp(tally_currency_code(tally_currency_at(i - 1)), code) < 0);
        int numeric = tally_currency_numeric(currency);
        assert_true(numeric >= 1 && numeric <= 999);
        assert_int_equal(seen_numeric[numeric]++, 0);
        int minor = tally_currency_minor_units(currency);
        assert_true(minor == TALLY_CURRENCY_NO_MINOR_UNITS || (minor >= 0 && minor <= 4));
        const tally_currency *found = NULL;
        assert_int_equal(tally_currency_lookup(NULL, &found, code), TALLY_OK);
        assert_ptr_equal(found, currency);
    }
    assert_null(tally_currency_at(count));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_currencies_and_minor_units),
        cmocka_unit_test(withdrawn_and_malformed_codes_are_rejected),
        cmocka_unit_test(null_arguments),
        cmocka_unit_test(table_is_consistent),
    };
    return cmocka_run_group_tests_name("currency", tests, NULL, NULL);
}
