/*
 * White-box checks of the result's internals that the golden digests cover only
 * by example: the packed decimals and their fast formatting, the radix sort and
 * the canonical escaping, each against the plain implementation it replaces.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "result/result.h"

/* xorshift64*: reproducible values without the C library's rand(). */
static uint64_t
next_random(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 2685821657736338717u;
}

static void
expect_same_text(uint64_t low, unsigned scale, int negative)
{
    tally_decimal value = {low, 0, (int32_t)scale, negative};
    char want[TALLY_DECIMAL_STRING_MAX], got[TALLY_DECIMAL_STRING_MAX];
    assert_int_equal(tally_decimal_format(want, sizeof(want), &value), TALLY_OK);
    uint8_t form = (uint8_t)(scale | (negative ? TALLY_PACKED_NEGATIVE : 0));
    size_t length = tally_result__format_small(got, low, form);
    assert_true(length > 0 && length < sizeof(got));
    got[length] = '\0';
    assert_string_equal(got, want);
}

static void
small_decimals_format_like_tally_decimal_format(void **state)
{
    (void)state;
    static const uint64_t edges[] = {0, 1, 9, 10, 99, 100, 101, 999, 1000, 12345,
                                     9999999999u, 10000000000u, UINT64_MAX / 10,
                                     UINT64_MAX - 1, UINT64_MAX};
    for (unsigned scale = 0; scale <= TALLY_DECIMAL_MAX_SCALE; scale++)
        for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
            expect_same_text(edges[i], scale, 0);
            if (edges[i])
                expect_same_text(edges[i], scale, 1);
        }
    uint64_t seed = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < 20000; i++) {
        uint64_t low = next_random(&seed) >> (next_random(&seed) % 64);
        unsigned scale = (unsigned)(next_random(&seed) % (TALLY_DECIMAL_MAX_SCALE + 1));
        expect_same_text(low, scale, low && (next_random(&seed) & 1));
    }
}

static void
other_values_take_the_long_way(void **state)
{
    (void)state;
    char out[TALLY_DECIMAL_STRING_MAX];
    assert_int_equal(tally_result__format_small(out, 5, TALLY_PACKED_WIDE), 0);
    assert_int_equal(tally_result__format_small(out, 5, TALLY_DECIMAL_MAX_SCALE + 1), 0);
    /* "-0" is not a valid decimal: tally_decimal_format() refuses it too. */
    assert_int_equal(tally_result__format_small(out, 0, TALLY_PACKED_NEGATIVE), 0);
}

static void
packing_round_trips(void **state)
{
    (void)state;
    tally_ctx *ctx;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    tally_result *result = tally_result__new(ctx, NULL);
    assert_non_null(result);
    const tally_decimal values[] = {{0, 0, 0, 0},
                                    {12345, 0, 2, 1},
                                    {UINT64_MAX, 0, 38, 0},
                                    {7, 3, 5, 1}, /* 3 * 2^64 + 7: kept whole */
                                    {1, 0, 63, 0}}; /* not valid, yet given back as it was */
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        uint64_t low;
        uint8_t form;
        tally_decimal back;
        assert_int_equal(tally_result__pack(result, ctx, &values[i], &low, &form), TALLY_OK);
        tally_result__unpack(low, form, &back);
        assert_memory_equal(&back, &values[i], sizeof(back));
    }
    tally_result_free(result);
    tally_ctx_free(ctx);
}

static void
radix_sort_is_stable(void **state)
{
    (void)state;
    tally_ctx *ctx;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    enum { COUNT = 5000 };
    static uint64_t keys[COUNT];
    static uint32_t index[COUNT];
    uint64_t seed = 42;
    for (uint32_t i = 0; i < COUNT; i++) {
        /* Few distinct keys, spread over all eight bytes: many ties, every pass. */
        keys[i] = (next_random(&seed) % 7) << 61 | (next_random(&seed) % 3) << 7;
        index[i] = i;
    }
    assert_int_equal(tally_result__sort_pairs(ctx, keys, index, COUNT), TALLY_OK);
    for (size_t i = 1; i < COUNT; i++) {
        assert_true(keys[i - 1] <= keys[i]);
        if (keys[i - 1] == keys[i])
            assert_true(index[i - 1] < index[i]);
    }
    tally_ctx_free(ctx);
}

static void
escaping_matches_the_canonical_rules(void **state)
{
    (void)state;
    char out[64];
    const char text[] = "a\tb\n\\\x01\x7f\xc3\xa9";
    size_t length = tally_result__escape(out, text, strlen(text));
    out[length] = '\0';
    assert_string_equal(out, "a\\tb\\n\\\\\\x01\\x7f\xc3\xa9");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_decimals_format_like_tally_decimal_format),
        cmocka_unit_test(other_values_take_the_long_way),
        cmocka_unit_test(packing_round_trips),
        cmocka_unit_test(radix_sort_is_stable),
        cmocka_unit_test(escaping_matches_the_canonical_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
