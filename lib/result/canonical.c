/*
 * The canonical form of a result: a fixed header naming the plan and input
 * digests, then one record per line in canonical order, every text field escaped
 * so that records cannot run into each other. Its SHA-256 is the result digest
 * an auditor compares after a replay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "result/result.h"

/* Text goes out in pieces this large (one SHA-256 update or callback each), from a
 * buffer on the stack, so that writing allocates nothing. */
#define PIECE 16384

typedef struct writer {
    tally_write_fn write;
    void *user_data;
    int stopped;
    size_t used;
    char buffer[PIECE];
} writer;

static void
flush(writer *w)
{
    if (!w->stopped && w->used && w->write(w->buffer, w->used, w->user_data) != 0)
        w->stopped = 1;
    w->used = 0;
}

/* Makes room for `size` bytes, which must be at most PIECE. */
static char *
room(writer *w, size_t size)
{
    if (PIECE - w->used < size)
        flush(w);
    return w->buffer + w->used;
}

static void
put(writer *w, const char *data, size_t size)
{
    while (size) {
        size_t part = size < PIECE ? size : PIECE;
        memcpy(room(w, part), data, part);
        w->used += part;
        data += part;
        size -= part;
    }
}

static void
put_text(writer *w, const char *text)
{
    put(w, text, strlen(text));
}

static int
needs_escape(unsigned char c)
{
    return c < 0x20 || c == '\\' || c == 0x7f;
}

/* Backslash escapes for the separators and every control byte. */
static void
put_escaped(writer *w, const char *text)
{
    static const char hex[] = "0123456789abcdef";
    const char *run = text;
    const char *p = text;
    for (;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c && !needs_escape(c))
            continue;
        put(w, run, (size_t)(p - run));
        if (!c)
            return;
        char *out = room(w, 4);
        if (c == '\n' || c == '\t' || c == '\\') {
            out[0] = '\\';
            out[1] = c == '\n' ? 'n' : c == '\t' ? 't' : '\\';
            w->used += 2;
        } else {
            out[0] = '\\';
            out[1] = 'x';
            out[2] = hex[c >> 4];
            out[3] = hex[c & 15];
            w->used += 4;
        }
        run = p + 1;
    }
}

/* "\tname=" */
static void
put_name(writer *w, const char *name)
{
    size_t length = strlen(name);
    char *out = room(w, length + 2);
    out[0] = '\t';
    memcpy(out + 1, name, length);
    out[length + 1] = '=';
    w->used += length + 2;
}

static void
put_field(writer *w, const char *name, const char *value)
{
    put_name(w, name);
    put_escaped(w, value ? value : "");
}

/* A decimal's canonical text needs no escaping: it goes straight into the buffer. */
static void
put_decimal(writer *w, const char *name, const tally_decimal *value)
{
    put_name(w, name);
    char *out = room(w, TALLY_DECIMAL_STRING_MAX);
    tally_decimal_format(out, TALLY_DECIMAL_STRING_MAX, value);
    w->used += strlen(out);
}

static void
put_packed(writer *w, const char *name, uint64_t low, uint8_t form)
{
    tally_decimal value;
    tally_result__unpack(low, form, &value);
    put_decimal(w, name, &value);
}

static void
put_unsigned(writer *w, const char *name, unsigned long long value)
{
    char digits[24];
    int count = 0;
    do {
        digits[count++] = (char)('0' + (int)(value % 10));
        value /= 10;
    } while (value);
    put_name(w, name);
    char *out = room(w, (size_t)count);
    for (int i = 0; i < count; i++)
        out[i] = digits[count - 1 - i];
    w->used += (size_t)count;
}

static void
put_line(writer *w, const tally_line *line)
{
    put(w, "line", 4);
    put_field(w, "component", line->key->component->text);
    put_field(w, "version", line->key->version->text);
    put_field(w, "tier-period", line->key->tier_period->text);
    put_field(w, "period", line->key->period->text);
    put_field(w, "payee", line->payee->text);
    put_field(w, "kind", tally_line_kind_name((tally_line_kind)line->kind));
    static const char *const values[] = {"amount", "basis", "unrounded", "multiplier"};
    for (int i = 0; i < 4; i++)
        put_packed(w, values[i], line->low[i], line->form[i]);
    put_unsigned(w, "flags", line->flags);
    const tally_recovery *r = tally_line__recovery(line);
    if (line->kind == TALLY_LINE_CLAWBACK) {
        put_decimal(w, "requested", &r->requested);
        put_decimal(w, "recovered", &r->recovered);
        put_decimal(w, "outstanding", &r->outstanding);
    }
    if (tally_decimal_sign(&r->withheld) != 0)
        put_decimal(w, "withheld", &r->withheld);
    put(w, "\n", 1);
    for (size_t i = 0; i < tally_line_band_count(line); i++) {
        const tally_packed_band *band = &line->more->bands[i];
        put(w, "band", 4);
        put_packed(w, "portion", band->low[0], band->form[0]);
        put_packed(w, "value", band->low[1], band->form[1]);
        put_packed(w, "payout", band->low[2], band->form[2]);
        put(w, "\n", 1);
    }
    for (size_t i = 0; i < tally_line_source_count(line); i++) {
        put(w, "source", 6);
        put_field(w, "id", line->more->sources[i]);
        put(w, "\n", 1);
    }
    put(w, "explanation", 11);
    put_field(w, "text", line->explanation);
    put(w, "\n", 1);
}

static int
write_all(const tally_result *result, writer *w)
{
    char hex[TALLY_SHA256_HEX_SIZE];
    put_text(w, "tally-result\tformat=1\n");
    tally_sha256__hex(hex, result->plan_digest);
    put_text(w, "plan");
    put_field(w, "digest", hex);
    tally_sha256__hex(hex, result->input_digest);
    put_text(w, "\ninput");
    put_field(w, "digest", hex);
    put_unsigned(w, "accepted", (unsigned long long)result->accepted);
    put_unsigned(w, "rejected", (unsigned long long)result->rejected);
    put_text(w, "\nrun");
    put_field(w, "as-of", result->as_of);
    put_field(w, "lines-from", result->lines_from);
    put_field(w, "lines-to", result->lines_to);
    put_unsigned(w, "flags", result->flags);
    put_text(w, "\ncurrency");
    put_field(w, "code", tally_currency_code(result->currency));
    put(w, "\n", 1);
    for (size_t i = 0; i < result->line_count; i++)
        put_line(w, tally_result__line(result, i));
    flush(w);
    return w->stopped ? TALLY_ERR_CALLBACK : TALLY_OK;
}

static int
write_through(const tally_result *result, tally_write_fn write, void *user_data)
{
    writer w;
    w.write = write;
    w.user_data = user_data;
    w.stopped = 0;
    w.used = 0;
    return write_all(result, &w);
}

int
tally_result_write_canonical(const tally_result *result, tally_write_fn write, void *user_data)
{
    if (!result || !write)
        return TALLY_ERR_INVALID_ARGUMENT;
    return write_through(result, write, user_data);
}

static int
hash_piece(const char *data, size_t size, void *user_data)
{
    tally_sha256__update(user_data, data, size);
    return 0;
}

/* ---- canonical order ---- */

/*
 * Lines sort by component, tier period, period, payee and kind (strcmp on the
 * text), ties kept in the order the lines were made. The texts' ranks make that
 * two integer keys: (component, tier period, period) collapses into the rank of
 * its triple, and the storage index breaks ties.
 */
typedef struct sort_entry {
    uint64_t major; /* triple rank << 32 | payee rank */
    uint64_t minor; /* kind << 32 | storage index */
} sort_entry;

static int
by_entry(const void *a, const void *b)
{
    const sort_entry *x = a, *y = b;
    if (x->major != y->major)
        return x->major < y->major ? -1 : 1;
    return (x->minor > y->minor) - (x->minor < y->minor);
}

typedef struct key_entry {
    uint32_t names[3]; /* ranks of component, tier period, period */
    uint32_t rank;     /* dense rank of that triple */
    const tally_line_key *key;
} key_entry;

static int
by_triple(const void *a, const void *b)
{
    const key_entry *x = a, *y = b;
    for (int i = 0; i < 3; i++)
        if (x->names[i] != y->names[i])
            return x->names[i] < y->names[i] ? -1 : 1;
    return 0;
}

static int
by_address(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const key_entry *)a)->key,
              y = (uintptr_t)((const key_entry *)b)->key;
    return (x > y) - (x < y);
}

/* The triple rank of a key, found by address in `keys` (sorted by address). */
static uint32_t
triple_rank(const key_entry *keys, size_t count, const tally_line_key *key)
{
    size_t low = 0, high = count;
    while (high - low > 1) {
        size_t middle = low + (high - low) / 2;
        if ((uintptr_t)keys[middle].key <= (uintptr_t)key)
            low = middle;
        else
            high = middle;
    }
    return keys[low].rank;
}

/* Every key with the dense rank of its (component, tier period, period): keys
 * that differ only in version rank the same, as their lines compare equal. */
static key_entry *
rank_keys(const tally_result *result, tally_ctx *ctx, size_t *count)
{
    key_entry *keys = tally_ctx__calloc(ctx, result->key_count + 1, sizeof(key_entry));
    if (!keys)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; result->keys && i <= result->key_mask; i++) {
        const tally_line_key *k = result->keys[i];
        if (k)
            keys[n++] = (key_entry){
                {k->component->rank, k->tier_period->rank, k->period->rank}, 0, k};
    }
    qsort(keys, n, sizeof(key_entry), by_triple);
    for (size_t i = 1; i < n; i++)
        keys[i].rank = keys[i - 1].rank + (by_triple(&keys[i - 1], &keys[i]) != 0);
    qsort(keys, n, sizeof(key_entry), by_address);
    *count = n;
    return keys;
}

/* Moves the lines into the order of `entries` (whose minor words it spends). */
static void
permute(tally_result *result, sort_entry *entries)
{
    /* Each cycle of the permutation is walked once; a visited entry is marked. */
    const uint64_t done = UINT64_MAX;
    for (size_t start = 0; start < result->line_count; start++) {
        if (entries[start].minor == done)
            continue;
        tally_line carried = *tally_result__line(result, start);
        size_t at = start;
        for (;;) {
            size_t from = (size_t)(uint32_t)entries[at].minor;
            entries[at].minor = done;
            if (from == start) {
                *tally_result__line(result, at) = carried;
                break;
            }
            *tally_result__line(result, at) = *tally_result__line(result, from);
            at = from;
        }
    }
}

static int
sort_lines(tally_result *result, tally_ctx *ctx)
{
    size_t key_count = 0;
    key_entry *keys = rank_keys(result, ctx, &key_count);
    sort_entry *entries = keys ? tally_ctx__calloc(ctx, result->line_count + 1, sizeof(*entries))
                               : NULL;
    if (!entries) {
        tally_ctx__free(ctx, keys);
        return TALLY_ERR_NOMEM;
    }
    for (size_t i = 0; i < result->line_count; i++) {
        const tally_line *line = tally_result__line(result, i);
        entries[i].major = (uint64_t)triple_rank(keys, key_count, line->key) << 32 |
                           line->payee->rank;
        entries[i].minor = (uint64_t)line->kind << 32 | (uint64_t)i;
    }
    tally_ctx__free(ctx, keys);
    qsort(entries, result->line_count, sizeof(*entries), by_entry);
    permute(result, entries);
    tally_ctx__free(ctx, entries);
    return TALLY_OK;
}

int
tally_result__seal(tally_result *result, tally_ctx *ctx)
{
    int status = tally_result__rank_names(result, ctx);
    if (status == TALLY_OK && result->line_count > 1)
        status = sort_lines(result, ctx);
    if (status != TALLY_OK)
        return status;
    tally_result__drop_tables(result);
    tally_sha256 hash;
    tally_sha256__init(&hash);
    status = write_through(result, hash_piece, &hash);
    tally_sha256__final(&hash, result->digest);
    return status;
}
