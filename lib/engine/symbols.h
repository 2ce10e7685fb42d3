/*
 * Interned strings: each distinct text gets a small dense number, so the engine
 * compares and hashes ids once per row and then works with integers. One table
 * per kind of id (payees, products, transaction ids ...).
 */
#ifndef TALLY_ENGINE_SYMBOLS_H
#define TALLY_ENGINE_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

#define TALLY_NO_SYMBOL UINT32_MAX

/* A symbol's text; one entry per symbol, so a lookup reads one line for both. */
typedef struct tally_symbol_entry {
    const char *text;
    uint32_t length;
} tally_symbol_entry;

/* An index slot: the symbol + 1 (0 = empty) and the high half of its text's hash,
 * side by side, so that probing reads one line and skips most string compares. */
typedef struct tally_symbol_slot {
    uint32_t symbol;
    uint32_t tag;
} tally_symbol_slot;

/* A slot of a table with keys kept in its slots (tally_symbols__init_inline()):
 * a lookup of a short key reads this one line and nothing else. Half a line. */
#define TALLY_SYMBOL_INLINE_KEY 23
#define TALLY_SYMBOL_LONG_KEY 255 /* `length` of a key longer than the slot holds */
typedef struct tally_symbol_key_slot {
    uint32_t symbol; /* + 1; 0 = empty */
    uint32_t tag;    /* high half of the key's hash */
    uint8_t length;  /* the key's length, or TALLY_SYMBOL_LONG_KEY */
    char key[TALLY_SYMBOL_INLINE_KEY]; /* the key when short (the entry holds a long one) */
} tally_symbol_key_slot;

typedef struct tally_symbols {
    tally_arena strings;
    tally_symbol_entry *entries; /* by symbol */
    uint32_t count;
    uint32_t capacity;
    /* Open addressing, at most half full: one of the two, as the table was made. */
    tally_symbol_slot *slots;
    tally_symbol_key_slot *key_slots;
    int inline_keys;
    size_t slot_mask;            /* slot count - 1 (a power of two), or 0 before the first */
} tally_symbols;

uint64_t tally_hash__bytes(const char *data, size_t length);

void tally_symbols__init(tally_symbols *table, const tally_ctx *ctx);
/* A table whose slots hold short keys themselves: four times the index memory of
 * the other kind (64 bytes a symbol instead of 16), for tables looked up once or
 * more per row whose index does not stay in the cache (payees, partners). */
void tally_symbols__init_inline(tally_symbols *table, const tally_ctx *ctx);
void tally_symbols__free(tally_symbols *table);
/* Stores the text's symbol in *out, adding it when new. Returns a status. */
int tally_symbols__intern(tally_symbols *table, tally_ctx *ctx, const char *text,
                          size_t length, uint32_t *out);
/* The symbol of a text, or TALLY_NO_SYMBOL when it was never interned. */
uint32_t tally_symbols__find(const tally_symbols *table, const char *text, size_t length);
/* The same, with the text's tally_hash__bytes() known. */
uint32_t tally_symbols__find_hashed(const tally_symbols *table, const char *text, size_t length,
                                    uint64_t hash);

/* The same for a text of at most eight bytes given as a word (its bytes in memory
 * order, zeros after them), in a table made with tally_symbols__init_inline(). */
uint32_t tally_symbols__find_word(const tally_symbols *table, uint64_t word, size_t length,
                                  uint64_t hash);

/* Asks for the slot a lookup of a text with this hash starts at, ahead of it. */
static inline void
tally_symbols__prefetch(const tally_symbols *table, uint64_t hash)
{
    size_t slot = (size_t)hash & table->slot_mask;
    if (table->inline_keys && table->key_slots)
        __builtin_prefetch(&table->key_slots[slot]);
    else if (table->slots)
        __builtin_prefetch(&table->slots[slot]);
}

static inline const char *
tally_symbols__text(const tally_symbols *table, uint32_t symbol)
{
    return table->entries[symbol].text;
}

#endif /* TALLY_ENGINE_SYMBOLS_H */
