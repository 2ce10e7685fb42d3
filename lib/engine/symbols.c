/*
 * Open-addressing hash table of interned strings, kept at most half full. Its
 * slots hold a symbol and half of its text's hash (then the text is in the
 * symbol's entry), or, in a table made with tally_symbols__init_inline(), a short
 * text itself, so that a lookup reads one line instead of three.
 */
#include "engine/symbols.h"

#include <assert.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "core/context.h"
#include "engine/intake.h"

#define FIRST_SLOTS 64u

/* XXH3 (libxxhash), compiled inline here: ids are short, and for short texts its
 * inline form costs a fraction of a byte-at-a-time hash and of a library call.
 * Slots use the low bits, tags the high ones; nothing stored depends on the hash. */
uint64_t
tally_hash__bytes(const char *data, size_t length)
{
    return XXH3_64bits(data, length);
}

void
tally_symbols__init(tally_symbols *table, const tally_ctx *ctx)
{
    memset(table, 0, sizeof(*table));
    tally_arena__init(&table->strings, ctx);
}

void
tally_symbols__init_inline(tally_symbols *table, const tally_ctx *ctx)
{
    tally_symbols__init(table, ctx);
    table->inline_keys = 1;
}

void
tally_symbols__free(tally_symbols *table)
{
    const tally_allocator *a = &table->strings.allocator;
    if (table->entries)
        a->free(table->entries, a->user_data);
    if (table->slots)
        a->free(table->slots, a->user_data);
    if (table->key_slots)
        a->free(table->key_slots, a->user_data);
    tally_arena__free(&table->strings);
    memset(table, 0, sizeof(*table));
}

static uint32_t
tag_of(uint64_t hash)
{
    return (uint32_t)(hash >> 32);
}

static uint8_t
slot_length(size_t length)
{
    return length <= TALLY_SYMBOL_INLINE_KEY ? (uint8_t)length : TALLY_SYMBOL_LONG_KEY;
}

/* probe() of a table with keys in its slots: a long key is compared in its entry. */
static inline __attribute__((always_inline)) size_t
probe_keys(const tally_symbols *table, uint64_t hash, const char *text, size_t length,
           int *found)
{
    uint32_t tag = tag_of(hash);
    uint8_t short_length = slot_length(length);
    size_t slot = (size_t)hash & table->slot_mask;
    for (;;) {
        const tally_symbol_key_slot *s = &table->key_slots[slot];
        if (s->symbol == 0) {
            *found = 0;
            return slot;
        }
        if (s->tag == tag && s->length == short_length) {
            const tally_symbol_entry *e;
            if (short_length != TALLY_SYMBOL_LONG_KEY
                    ? memcmp(s->key, text, length) == 0
                    : ((e = &table->entries[s->symbol - 1])->length == length &&
                       memcmp(e->text, text, length) == 0)) {
                *found = 1;
                return slot;
            }
        }
        slot = (slot + 1) & table->slot_mask;
    }
}

static inline __attribute__((always_inline)) size_t
probe(const tally_symbols *table, uint64_t hash, const char *text, size_t length,
      int *found)
{
    if (table->inline_keys)
        return probe_keys(table, hash, text, length, found);
    uint32_t tag = tag_of(hash);
    size_t slot = (size_t)hash & table->slot_mask;
    for (;;) {
        const tally_symbol_slot *s = &table->slots[slot];
        if (s->symbol == 0) {
            *found = 0;
            return slot;
        }
        if (s->tag == tag) {
            const tally_symbol_entry *e = &table->entries[s->symbol - 1];
            if (e->length == length && memcmp(e->text, text, length) == 0) {
                *found = 1;
                return slot;
            }
        }
        slot = (slot + 1) & table->slot_mask;
    }
}

static uint32_t
slot_symbol(const tally_symbols *table, size_t slot)
{
    return (table->inline_keys ? table->key_slots[slot].symbol : table->slots[slot].symbol) - 1;
}

/* Fills a free slot with a symbol whose text and hash are given. */
static void
set_slot(tally_symbols *table, size_t slot, uint32_t symbol, uint64_t hash, const char *text,
         size_t length)
{
    if (!table->inline_keys) {
        table->slots[slot].symbol = symbol + 1;
        table->slots[slot].tag = tag_of(hash);
        return;
    }
    tally_symbol_key_slot *s = &table->key_slots[slot];
    s->symbol = symbol + 1;
    s->tag = tag_of(hash);
    s->length = slot_length(length);
    memcpy(s->key, text, length < sizeof(s->key) ? length : sizeof(s->key));
}

uint32_t
tally_symbols__find_hashed(const tally_symbols *table, const char *text, size_t length,
                           uint64_t hash)
{
    if (!table->slot_mask)
        return TALLY_NO_SYMBOL;
    int found;
    size_t slot = probe(table, hash, text, length, &found);
    return found ? slot_symbol(table, slot) : TALLY_NO_SYMBOL;
}

uint32_t
tally_symbols__find_word(const tally_symbols *table, uint64_t word, size_t length,
                         uint64_t hash)
{
    assert(table->inline_keys);
    if (!table->slot_mask)
        return TALLY_NO_SYMBOL;
    /* A short key is all in its slot, zeros after it (slots start zeroed): one word
     * compared, not a memcmp() call as probe_keys() makes: this lookup is made for
     * every row read (through probe_keys() a 10 M-row run took 1 % longer). */
    _Static_assert(TALLY_SYMBOL_INLINE_KEY >= sizeof(uint64_t), "a word fits in a slot's key");
    uint32_t tag = tag_of(hash);
    size_t slot = (size_t)hash & table->slot_mask;
    for (;;) {
        const tally_symbol_key_slot *s = &table->key_slots[slot];
        if (s->symbol == 0)
            return TALLY_NO_SYMBOL;
        uint64_t key;
        memcpy(&key, s->key, sizeof(key));
        if (s->tag == tag && s->length == length && key == word)
            return s->symbol - 1;
        slot = (slot + 1) & table->slot_mask;
    }
}

uint32_t
tally_symbols__find(const tally_symbols *table, const char *text, size_t length)
{
    return tally_symbols__find_hashed(table, text, length, tally_hash__bytes(text, length));
}

uint64_t
tally_engine__id_hash(const char *text, size_t length)
{
    return tally_hash__bytes(text, length);
}

/* Doubles the slot array and re-inserts every symbol (hashing its text again:
 * slots keep only half of each hash). */
static int
rehash(tally_symbols *table, tally_ctx *ctx)
{
    size_t slots = table->slot_mask ? (table->slot_mask + 1) * 2 : FIRST_SLOTS;
    size_t size = table->inline_keys ? sizeof(tally_symbol_key_slot) : sizeof(tally_symbol_slot);
    void *grown = tally_ctx__calloc(ctx, slots, size);
    if (!grown)
        return TALLY_ERR_NOMEM;
    tally_ctx__free(ctx, table->inline_keys ? (void *)table->key_slots : (void *)table->slots);
    if (table->inline_keys)
        table->key_slots = grown;
    else
        table->slots = grown;
    table->slot_mask = slots - 1;
    for (uint32_t symbol = 0; symbol < table->count; symbol++) {
        const tally_symbol_entry *e = &table->entries[symbol];
        uint64_t hash = tally_hash__bytes(e->text, e->length);
        size_t slot = (size_t)hash & (slots - 1);
        while (slot_symbol(table, slot) != TALLY_NO_SYMBOL) /* taken */
            slot = (slot + 1) & (slots - 1);
        set_slot(table, slot, symbol, hash, e->text, e->length);
    }
    return TALLY_OK;
}

static int
reserve_symbol(tally_symbols *table, tally_ctx *ctx)
{
    if (table->count < table->capacity)
        return TALLY_OK;
    if (table->capacity >= UINT32_MAX / 2)
        return tally_ctx__error(ctx, TALLY_ERR_LIMIT, "more than %u distinct ids",
                                (unsigned)table->capacity);
    uint32_t capacity = table->capacity ? table->capacity * 2 : FIRST_SLOTS / 2;
    tally_symbol_entry *entries =
        tally_ctx__realloc(ctx, table->entries, capacity * sizeof(*entries));
    if (!entries)
        return TALLY_ERR_NOMEM;
    table->entries = entries;
    table->capacity = capacity;
    return TALLY_OK;
}

int
tally_symbols__intern(tally_symbols *table, tally_ctx *ctx, const char *text, size_t length,
                      uint32_t *out)
{
    if (length > UINT32_MAX)
        return tally_ctx__error(ctx, TALLY_ERR_LIMIT, "an id of %zu bytes is too long", length);
    uint64_t hash = tally_hash__bytes(text, length);
    int found = 0;
    size_t slot = 0;
    if (table->slot_mask) {
        slot = probe(table, hash, text, length, &found);
        if (found) {
            *out = slot_symbol(table, slot);
            return TALLY_OK;
        }
    }
    int status;
    if ((size_t)table->count * 2 + 2 > table->slot_mask + 1 || !table->slot_mask) {
        if ((status = rehash(table, ctx)) != TALLY_OK)
            return status;
        slot = probe(table, hash, text, length, &found);
    }
    if ((status = reserve_symbol(table, ctx)) != TALLY_OK)
        return status;
    char *copy = tally_arena__strndup(&table->strings, ctx, text, length);
    if (!copy)
        return TALLY_ERR_NOMEM;
    uint32_t symbol = table->count++;
    table->entries[symbol].text = copy;
    table->entries[symbol].length = (uint32_t)length;
    set_slot(table, slot, symbol, hash, text, length);
    *out = symbol;
    return TALLY_OK;
}
