/*
 * Interned strings (engine/symbols.c), in both kinds of table: the compact one
 * and the one that keeps short keys in its slots. Keys of every length around
 * the slot's size, keys that share their first bytes, embedded NULs and growth,
 * and short keys looked up as words.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* tally_symbols__find_word() of a key of up to eight bytes: its bytes as a word,
 * zeros after them. */
static uint32_t
find_as_word(const tally_symbols *table, const char *key, size_t length)
{
    uint64_t word = 0;
    memcpy(&word, key, length);
    return tally_symbols__find_word(table, word, length, tally_hash__bytes(key, length));
}

/* The word lookup finds what the text lookup finds, for every key of up to eight
 * bytes, and nothing for a key one byte longer, shorter or changed (whose word
 * differs only there), nor for one that shares its bytes but not its length. */
static void
short_keys_found_as_words(void **state)
{
    (void)state;
    tally_ctx *ctx;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    tally_symbols table;
    tally_symbols__init_inline(&table, ctx);
    assert_int_equal(find_as_word(&table, "P1", 2), TALLY_NO_SYMBOL);
    check_table(&table, ctx);
    char key[64];
    size_t checked = 0;
    for (size_t i = 0; i < KEYS; i++) {
        size_t length = key_of(i, key);
        if (length > 8)
            continue;
        assert_int_equal(find_as_word(&table, key, length), tally_symbols__find(&table, key, length));
        assert_int_not_equal(find_as_word(&table, key, length), TALLY_NO_SYMBOL);
        if (length < 8) {
            key[length] = '#';
            assert_int_equal(find_as_word(&table, key, length + 1), TALLY_NO_SYMBOL);
            key[length] = '\0';
            /* The same word said to be a byte longer: a trailing NUL is a byte. */
            uint64_t word = 0;
            memcpy(&word, key, length);
            assert_int_equal(tally_symbols__find_word(&table, word, length + 1,
                                                      tally_hash__bytes(key, length + 1)),
                             tally_symbols__find(&table, key, length + 1));
        }
        if (length > 0) {
            char saved = key[length - 1];
            key[length - 1] = '#';
            assert_int_equal(find_as_word(&table, key, length), TALLY_NO_SYMBOL);
            key[length - 1] = saved;
        }
        checked++;
    }
    assert_true(checked > 300);
    tally_symbols__free(&table);
    tally_ctx_free(ctx);
}

typedef struct hashed_key {
    uint64_t bits; /* the hash's tag and its low six bits (a 64-slot table's slot) */
    uint32_t number;
} hashed_key;

static int
by_bits(const void *a, const void *b)
{
    const hashed_key *x = a, *y = b;
    return (x->bits > y->bits) - (x->bits < y->bits);
}

/* Two eight-byte keys whose hashes have the same tag and start at the same slot of
 * a new table: only the comparison of their bytes tells them apart. */
static void
colliding_keys(char a[9], char b[9])
{
    enum { TRIES = 1u << 20 };
    hashed_key *keys = malloc(TRIES * sizeof(*keys));
    assert_non_null(keys);
    for (uint32_t i = 0; i < TRIES; i++) {
        char text[9];
        snprintf(text, sizeof(text), "k%07u", i);
        uint64_t hash = tally_hash__bytes(text, 8);
        keys[i] = (hashed_key){(hash >> 32) << 6 | (hash & 63), i};
    }
    qsort(keys, TRIES, sizeof(*keys), by_bits);
    for (uint32_t i = 1; i < TRIES; i++) {
        if (keys[i].bits == keys[i - 1].bits) {
            snprintf(a, 9, "k%07u", keys[i - 1].number);
            snprintf(b, 9, "k%07u", keys[i].number);
            free(keys);
            return;
        }
    }
    free(keys);
    fail_msg("no two keys of %u collide", (unsigned)TRIES);
}

/* A word lookup compares the key's bytes when its tag and slot match another's. */
static void
words_that_collide_are_told_apart(void **state)
{
    (void)state;
    char a[9], b[9];
    colliding_keys(a, b);
    tally_ctx *ctx;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    tally_symbols table;
    tally_symbols__init_inline(&table, ctx);
    uint32_t first, second;
    assert_int_equal(tally_symbols__intern(&table, ctx, a, 8, &first), TALLY_OK);
    assert_int_equal(find_as_word(&table, a, 8), first);
    assert_int_equal(find_as_word(&table, b, 8), TALLY_NO_SYMBOL);
    assert_int_equal(tally_symbols__intern(&table, ctx, b, 8, &second), TALLY_OK);
    assert_int_not_equal(first, second);
    assert_int_equal(find_as_word(&table, a, 8), first);
    assert_int_equal(find_as_word(&table, b, 8), second);
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
        cmocka_unit_test(short_keys_found_as_words),
        cmocka_unit_test(words_that_collide_are_told_apart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
