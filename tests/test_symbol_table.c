/*
 * Interned strings (engine/symbols.c), in both kinds of table: the compact one
 * and the one that keeps short keys in its slots. Keys of every length around
 * the slot's size, keys that share their first bytes, embedded NULs and growth.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <tally/tally.h>

#include "engine/symbols.h"

#define KEYS 3000

/* Key i: lengths cycle through 0 ... 63, and every key starts with the same 30
 * bytes but for its last ones, so that long keys differ only past the slot. */
static size_t
key_of(size_t i, char *out)
{
    size_t length = i % 64;
    memset(out, 'k', length);
    char tail[24];
    int n = snprintf(tail, sizeof(tail), "%zu", i);
    if ((size_t)n <= length)
        memcpy(out + length - (size_t)n, tail, (size_t)n);
    if (length > 3 && i % 5 == 0)
        out[1] = '\0'; /* an embedded NUL: keys are bytes with a length */
    return length;
}

static void
check_table(tally_symbols *table, tally_ctx *ctx)
{
    static uint32_t symbols[KEYS];
    char key[64];
    for (size_t i = 0; i < KEYS; i++) {
        size_t length = key_of(i, key);
        uint32_t symbol;
        assert_int_equal(tally_symbols__intern(table, ctx, key, length, &symbol), TALLY_OK);
        symbols[i] = symbol;
    }
    /* Keys of equal bytes (the same length and text) share a symbol; others not. */
    for (size_t i = 0; i < KEYS; i++) {
        size_t length = key_of(i, key);
        uint32_t again;
        assert_int_equal(tally_symbols__intern(table, ctx, key, length, &again), TALLY_OK);
        assert_int_equal(again, symbols[i]);
        assert_int_equal(tally_symbols__find(table, key, length), symbols[i]);
        assert_memory_equal(tally_symbols__text(table, symbols[i]), key, length);
        /* One byte more or less, or one changed past the slot's bytes: not there. */
        if (length < 63) {
            key[length] = '#';
            assert_int_equal(tally_symbols__find(table, key, length + 1), TALLY_NO_SYMBOL);
        }
        if (length > 0) {
            char saved = key[length - 1];
            key[length - 1] = '#';
            assert_int_equal(tally_symbols__find(table, key, length), TALLY_NO_SYMBOL);
            key[length - 1] = saved;
        }
    }
    /* Distinct keys got distinct symbols: the empty key repeats (every 64th). */
    for (size_t i = 64; i < KEYS; i++)
        if (i % 64 != 0)
            assert_int_not_equal(symbols[i], symbols[i - 1]);
    assert_int_equal(symbols[64], symbols[0]);
}

/* A new table of either kind, checked, then freed. */
static void
check_kind(void (*init)(tally_symbols *, const tally_ctx *))
{
    tally_ctx *ctx;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    tally_symbols table;
    init(&table, ctx);
    assert_int_equal(tally_symbols__find(&table, "x", 1), TALLY_NO_SYMBOL);
    check_table(&table, ctx);
    tally_symbols__free(&table);
    tally_ctx_free(ctx);
}

static void
compact_table(void **state)
{
    (void)state;
    check_kind(tally_symbols__init);
}

static void
table_with_keys_in_its_slots(void **state)
{
    (void)state;
    check_kind(tally_symbols__init_inline);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compact_table),
        cmocka_unit_test(table_with_keys_in_its_slots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
