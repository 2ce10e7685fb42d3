/*
 * Result lifecycle and the read-only accessors of result.h. Every accessor
 * accepts NULL and answers as documented there.
 */
#include "result/result.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/context.h"

tally_result *
tally_result__new(tally_ctx *ctx, const tally_currency *currency)
{
    tally_result *result = tally_ctx__calloc(ctx, 1, sizeof(tally_result));
    if (!result)
        return NULL;
    if (pthread_mutex_init(&result->digest_lock, NULL) != 0) {
        tally_ctx__free(ctx, result);
        return NULL;
    }
    atomic_init(&result->digest_ready, 0);
    result->allocator = *tally_ctx__allocator(ctx);
    tally_arena__init(&result->arena, ctx);
    result->currency = currency;
    return result;
}

/* ---- interning ---- */

/* FNV-1a: names are short and few; any decent spread will do. */
static uint64_t
hash_text(const char *text)
{
    uint64_t hash = 14695981039346656037u;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        hash = (hash ^ *p) * 1099511628211u;
    return hash;
}

static void
release(const tally_result *result, void *memory)
{
    if (memory)
        result->allocator.free(memory, result->allocator.user_data);
}

/* Doubles a table of pointers hashed by `hash_of`, keeping it under half full. */
static int
grow_table(tally_result *result, tally_ctx *ctx, void ***slots, size_t *mask, size_t count,
           uint64_t (*hash_of)(const void *))
{
    if (*slots && (count + 1) * 2 <= *mask + 1)
        return TALLY_OK;
    size_t size = *slots ? (*mask + 1) * 2 : 64;
    void **grown = tally_ctx__calloc(ctx, size, sizeof(void *));
    if (!grown)
        return TALLY_ERR_NOMEM;
    for (size_t i = 0; *slots && i <= *mask; i++) {
        if (!(*slots)[i])
            continue;
        size_t at = (size_t)hash_of((*slots)[i]) & (size - 1);
        while (grown[at])
            at = (at + 1) & (size - 1);
        grown[at] = (*slots)[i];
    }
    release(result, *slots);
    *slots = grown;
    *mask = size - 1;
    return TALLY_OK;
}

static uint64_t
hash_name(const void *name)
{
    return hash_text(((const tally_name *)name)->text);
}

static int
remember_name(tally_result *result, tally_ctx *ctx, tally_name *name)
{
    tally_name_table *t = &result->names;
    if (t->count == t->capacity) {
        size_t capacity = t->capacity ? t->capacity * 2 : 64;
        tally_name **grown = tally_ctx__realloc(ctx, t->all, capacity * sizeof(*grown));
        if (!grown)
            return TALLY_ERR_NOMEM;
        t->all = grown;
        t->capacity = capacity;
    }
    t->all[t->count++] = name;
    return TALLY_OK;
}

const tally_name *
tally_result__name(tally_result *result, tally_ctx *ctx, const char *text)
{
    tally_name_table *t = &result->names;
    if (grow_table(result, ctx, &t->slots, &t->mask, t->count, hash_name) != TALLY_OK)
        return NULL;
    size_t at = (size_t)hash_text(text) & t->mask;
    for (; t->slots[at]; at = (at + 1) & t->mask) {
        tally_name *known = t->slots[at];
        if (strcmp(known->text, text) == 0)
            return known;
    }
    size_t length = strlen(text);
    if (length > UINT32_MAX / 4) {
        tally_ctx__error(ctx, TALLY_ERR_NOMEM, "out of memory (name too long)");
        return NULL;
    }
    tally_name *name = tally_arena__alloc(&result->arena, ctx, sizeof(tally_name) + length + 1);
    if (!name || remember_name(result, ctx, name) != TALLY_OK)
        return NULL;
    name->rank = 0;
    name->length = (uint32_t)length;
    memcpy(name->text, text, length + 1);
    char probe[4];
    name->plain = 1;
    for (size_t i = 0; i < length && name->plain; i++)
        name->plain = tally_result__escape(probe, text + i, 1) == 1;
    t->slots[at] = name;
    return name;
}

/* Names are interned: the same text is the same pointer. */
static uint64_t
hash_names(const tally_name *component, const tally_name *version, const tally_name *period,
           const tally_name *tier_period)
{
    uint64_t hash = (uint64_t)(uintptr_t)component;
    hash = (hash ^ (uint64_t)(uintptr_t)version) * 0x9e3779b97f4a7c15u;
    hash = (hash ^ (uint64_t)(uintptr_t)period) * 0x9e3779b97f4a7c15u;
    hash = (hash ^ (uint64_t)(uintptr_t)tier_period) * 0x9e3779b97f4a7c15u;
    return hash ^ (hash >> 29);
}

static uint64_t
hash_key(const void *key)
{
    const tally_line_key *k = key;
    return hash_names(k->component, k->version, k->period, k->tier_period) ^
           (uint32_t)k->period_end;
}

const tally_line_key *
tally_result__key(tally_result *result, tally_ctx *ctx, const tally_name *component,
                  const tally_name *version, const tally_name *period,
                  const tally_name *tier_period, int32_t period_end)
{
    if (grow_table(result, ctx, &result->keys, &result->key_mask, result->key_count,
                   hash_key) != TALLY_OK)
        return NULL;
    size_t at = (size_t)(hash_names(component, version, period, tier_period) ^
                         (uint32_t)period_end) &
                result->key_mask;
    for (; result->keys[at]; at = (at + 1) & result->key_mask) {
        const tally_line_key *k = result->keys[at];
        if (k->component == component && k->version == version && k->period == period &&
            k->tier_period == tier_period && k->period_end == period_end)
            return k;
    }
    tally_line_key *key = tally_arena__alloc(&result->arena, ctx, sizeof(tally_line_key));
    if (!key)
        return NULL;
    *key = (tally_line_key){component, version, period, tier_period, result->currency, period_end, 0, NULL, 0};
    result->keys[at] = key;
    result->key_count++;
    return key;
}

static int
by_text(const void *a, const void *b)
{
    return strcmp((*(const tally_name *const *)a)->text, (*(const tally_name *const *)b)->text);
}

int
tally_result__rank_names(tally_result *result, tally_ctx *ctx)
{
    tally_name_table *t = &result->names;
    if (t->ranked == t->count)
        return TALLY_OK;
    if (t->count > UINT32_MAX)
        return tally_ctx__error(ctx, TALLY_ERR_NOMEM, "out of memory (too many names)");
    tally_name **sorted = tally_ctx__calloc(ctx, t->count + 1, sizeof(*sorted));
    if (!sorted)
        return TALLY_ERR_NOMEM;
    memcpy(sorted, t->all, t->count * sizeof(*sorted));
    qsort(sorted, t->count, sizeof(*sorted), by_text);
    for (size_t i = 0; i < t->count; i++)
        sorted[i]->rank = (uint32_t)i;
    tally_ctx__free(ctx, sorted);
    t->ranked = t->count;
    return TALLY_OK;
}

/* ---- sorting ---- */

/* One stable counting pass on byte `shift / 8` of the keys, from `from` into `to`. */
static void
radix_pass(const uint64_t *from_keys, const uint32_t *from_index, uint64_t *to_keys,
           uint32_t *to_index, size_t count, unsigned shift)
{
    size_t start[256] = {0};
    for (size_t i = 0; i < count; i++)
        start[(from_keys[i] >> shift) & 0xff]++;
    size_t total = 0;
    for (size_t d = 0; d < 256; d++) {
        size_t n = start[d];
        start[d] = total;
        total += n;
    }
    for (size_t i = 0; i < count; i++) {
        size_t at = start[(from_keys[i] >> shift) & 0xff]++;
        to_keys[at] = from_keys[i];
        to_index[at] = from_index[i];
    }
}

int
tally_result__sort_pairs(tally_ctx *ctx, uint64_t *keys, uint32_t *index, size_t count)
{
    if (count < 2)
        return TALLY_OK;
    uint64_t max = 0;
    for (size_t i = 0; i < count; i++)
        max |= keys[i];
    unsigned passes = (tally_result__bits(max) + 7) / 8;
    uint64_t *other_keys = tally_ctx__calloc(ctx, count, sizeof(uint64_t));
    uint32_t *other_index = tally_ctx__calloc(ctx, count, sizeof(uint32_t));
    if (!other_keys || !other_index) {
        tally_ctx__free(ctx, other_keys);
        tally_ctx__free(ctx, other_index);
        return TALLY_ERR_NOMEM;
    }
    /* Least significant byte first; each pass is stable, so the whole sort is. */
    for (unsigned pass = 0; pass < passes; pass++) {
        if (pass % 2 == 0)
            radix_pass(keys, index, other_keys, other_index, count, 8 * pass);
        else
            radix_pass(other_keys, other_index, keys, index, count, 8 * pass);
    }
    if (passes % 2) {
        memcpy(keys, other_keys, count * sizeof(uint64_t));
        memcpy(index, other_index, count * sizeof(uint32_t));
    }
    tally_ctx__free(ctx, other_keys);
    tally_ctx__free(ctx, other_index);
    return TALLY_OK;
}

/* ---- packed decimals ---- */

int
tally_result__pack(tally_result *result, tally_ctx *ctx, const tally_decimal *value,
                   uint64_t *low, uint8_t *form)
{
    /* Anything a byte cannot hold exactly is kept whole, so unpacking gives it back. */
    int fits = value->coefficient_hi == 0 && value->scale >= 0 &&
               value->scale <= (int32_t)TALLY_PACKED_SCALE &&
               (value->negative == 0 || value->negative == 1);
    if (fits) {
        *low = value->coefficient_lo;
        *form = (uint8_t)((unsigned)value->scale | (value->negative ? TALLY_PACKED_NEGATIVE : 0));
        return TALLY_OK;
    }
    tally_decimal *whole = tally_arena__alloc(&result->arena, ctx, sizeof(*whole));
    if (!whole)
        return TALLY_ERR_NOMEM;
    *whole = *value;
    *low = (uint64_t)(uintptr_t)whole;
    *form = TALLY_PACKED_WIDE;
    return TALLY_OK;
}

void
tally_result__unpack(uint64_t low, uint8_t form, tally_decimal *out)
{
    if (form & TALLY_PACKED_WIDE) {
        *out = *(const tally_decimal *)(uintptr_t)low;
        return;
    }
    out->coefficient_lo = low;
    out->coefficient_hi = 0;
    out->scale = (int32_t)(form & TALLY_PACKED_SCALE);
    out->negative = (form & TALLY_PACKED_NEGATIVE) != 0;
}

void
tally_line__value(const tally_line *line, int which, tally_decimal *out)
{
    tally_result__unpack(line->low[which], line->form[which], out);
}

/* ---- lines ---- */

static tally_line *
next_slot(tally_result *result, tally_ctx *ctx)
{
    size_t chunk = result->line_count >> TALLY_LINE_CHUNK_BITS;
    if (result->line_count >= UINT32_MAX) {
        tally_ctx__error(ctx, TALLY_ERR_NOMEM, "out of memory (more than %u lines)",
                         (unsigned)UINT32_MAX);
        return NULL;
    }
    if (chunk == result->chunk_count) {
        tally_line **grown =
            tally_ctx__realloc(ctx, result->chunks, (chunk + 1) * sizeof(*grown));
        if (!grown)
            return NULL;
        result->chunks = grown;
        grown[chunk] = tally_ctx__alloc(ctx, TALLY_LINE_CHUNK * sizeof(tally_line));
        if (!grown[chunk])
            return NULL;
        result->chunk_count++;
    }
    return tally_result__line(result, result->line_count);
}

static int
pack_bands(tally_result *result, tally_ctx *ctx, const tally_line_fields *fields,
           tally_line_more *more)
{
    for (size_t i = 0; i < fields->band_count; i++) {
        const tally_band_share *from = &fields->bands[i];
        tally_packed_band *to = &more->bands[i];
        if (tally_result__pack(result, ctx, &from->portion, &to->low[0], &to->form[0]) ||
            tally_result__pack(result, ctx, &from->value, &to->low[1], &to->form[1]) ||
            tally_result__pack(result, ctx, &from->payout, &to->low[2], &to->form[2]))
            return TALLY_ERR_NOMEM;
    }
    return TALLY_OK;
}

/* The line's block of extras, made empty when it has none. */
static tally_line_more *
more_of(tally_result *result, tally_ctx *ctx, tally_line *line)
{
    if (!line->more) {
        line->more = tally_arena__alloc(&result->arena, ctx, sizeof(tally_line_more));
        if (line->more)
            memset(line->more, 0, sizeof(tally_line_more));
    }
    return line->more;
}

static tally_line_rare *
rare_of(tally_result *result, tally_ctx *ctx, tally_line *line)
{
    tally_line_more *more = more_of(result, ctx, line);
    if (more && !more->rare) {
        more->rare = tally_arena__alloc(&result->arena, ctx, sizeof(tally_line_rare));
        if (more->rare)
            memset(more->rare, 0, sizeof(tally_line_rare));
    }
    return more ? more->rare : NULL;
}

static int
attach_more(tally_result *result, tally_ctx *ctx, const tally_line_fields *fields,
            tally_line *line)
{
    line->more = NULL;
    if (fields->band_count > UINT32_MAX)
        return tally_ctx__error(ctx, TALLY_ERR_NOMEM, "out of memory (line too large)");
    if (fields->band_count) {
        tally_line_more *more = tally_arena__alloc(
            &result->arena, ctx,
            sizeof(tally_line_more) + fields->band_count * sizeof(tally_packed_band));
        if (!more)
            return TALLY_ERR_NOMEM;
        more->rare = NULL;
        more->band_count = (uint32_t)fields->band_count;
        line->more = more;
        if (pack_bands(result, ctx, fields, more) != TALLY_OK)
            return TALLY_ERR_NOMEM;
    }
    if (!fields->source_count && !fields->explanation[0])
        return TALLY_OK;
    tally_line_rare *rare = rare_of(result, ctx, line);
    if (!rare)
        return TALLY_ERR_NOMEM;
    rare->sources = fields->sources;
    rare->source_count = fields->source_count;
    if (fields->explanation[0] &&
        !(rare->explanation = tally_arena__strndup(&result->arena, ctx, fields->explanation,
                                                   strlen(fields->explanation))))
        return TALLY_ERR_NOMEM;
    return TALLY_OK;
}

/* The point of the layout (result.h); a new field should not grow every line. */
_Static_assert(sizeof(void *) > 8 || sizeof(tally_line) <= 64, "tally_line grew past 64 bytes");

/* Flags are kept in 16 bits: a new flag past them must widen tally_line.flags. */
_Static_assert(TALLY_LINE_ROUNDED_PER_TRANSACTION <= 0x8000u, "line flags exceed 16 bits");

int
tally_result__add_line(tally_result *result, tally_ctx *ctx, const tally_line_fields *fields)
{
    if (fields->flags > UINT16_MAX)
        return tally_ctx__error(ctx, TALLY_ERR_STATE, "line flags 0x%x do not fit",
                                fields->flags);
    tally_line *line = next_slot(result, ctx);
    if (!line)
        return TALLY_ERR_NOMEM;
    line->key = fields->key;
    line->payee = fields->payee;
    line->kind = (uint8_t)fields->kind;
    line->flags = (uint16_t)fields->flags;
    line->engine = (uint8_t)fields->engine;
    const tally_decimal *values[] = {&fields->amount, &fields->basis, &fields->unrounded,
                                     &fields->multiplier};
    for (int i = 0; i < 4; i++)
        if (tally_result__pack(result, ctx, values[i], &line->low[i], &line->form[i]) != TALLY_OK)
            return TALLY_ERR_NOMEM;
    int status = attach_more(result, ctx, fields, line);
    if (status == TALLY_OK)
        result->line_count++;
    return status;
}

void
tally_result__truncate(tally_result *result, size_t count)
{
    size_t chunks = (count + TALLY_LINE_CHUNK - 1) >> TALLY_LINE_CHUNK_BITS;
    while (result->chunk_count > chunks)
        release(result, result->chunks[--result->chunk_count]);
    result->line_count = count;
}

int
tally_result__set_recovery(tally_result *result, tally_ctx *ctx, tally_line *line,
                           const tally_recovery *recovery)
{
    tally_line_rare *rare = rare_of(result, ctx, line);
    tally_recovery *kept = rare ? tally_arena__alloc(&result->arena, ctx, sizeof(*kept)) : NULL;
    if (!kept)
        return TALLY_ERR_NOMEM;
    *kept = *recovery;
    rare->recovery = kept;
    return TALLY_OK;
}

int
tally_result__set_explanation(tally_result *result, tally_ctx *ctx, tally_line *line,
                              const char *text)
{
    tally_line_rare *rare = rare_of(result, ctx, line);
    const char *copy = rare ? tally_arena__strndup(&result->arena, ctx, text, strlen(text)) : NULL;
    if (!copy)
        return TALLY_ERR_NOMEM;
    rare->explanation = copy;
    return TALLY_OK;
}

/* ---- appending another result ---- */

/* `into`'s name for each name of `from`, by the index of `from`'s name, which is
 * kept in its rank (unused before sealing). */
static const tally_name **
map_names(tally_result *into, tally_ctx *ctx, tally_result *from)
{
    tally_name_table *t = &from->names;
    const tally_name **map = tally_ctx__calloc(ctx, t->count + 1, sizeof(*map));
    for (size_t i = 0; map && i < t->count; i++) {
        t->all[i]->rank = (uint32_t)i;
        if (!(map[i] = tally_result__name(into, ctx, t->all[i]->text))) {
            tally_ctx__free(ctx, map);
            return NULL;
        }
    }
    return map;
}

/* The same for keys, by an index kept in their (unused) order. */
static const tally_line_key **
map_keys(tally_result *into, tally_ctx *ctx, tally_result *from, const tally_name **names)
{
    const tally_line_key **map = tally_ctx__calloc(ctx, from->key_count + 1, sizeof(*map));
    size_t n = 0;
    for (size_t i = 0; map && from->keys && i <= from->key_mask; i++) {
        tally_line_key *k = from->keys[i];
        if (!k)
            continue;
        k->order = (uint32_t)n;
        map[n] = tally_result__key(into, ctx, names[k->component->rank], names[k->version->rank],
                                   names[k->period->rank], names[k->tier_period->rank],
                                   k->period_end);
        if (!map[n++]) {
            tally_ctx__free(ctx, map);
            return NULL;
        }
    }
    return map;
}

/* Each chunk of `from` is released once copied: the lines are not held twice. */
static int
append_lines(tally_result *into, tally_ctx *ctx, tally_result *from, const tally_name **names,
             const tally_line_key **keys)
{
    for (size_t i = 0; i < from->line_count; i++) {
        tally_line *line = next_slot(into, ctx);
        if (!line)
            return TALLY_ERR_NOMEM;
        *line = *tally_result__line(from, i);
        line->key = keys[line->key->order];
        line->payee = names[line->payee->rank];
        into->line_count++;
        size_t chunk = i >> TALLY_LINE_CHUNK_BITS;
        if ((i & (TALLY_LINE_CHUNK - 1)) == TALLY_LINE_CHUNK - 1 || i + 1 == from->line_count) {
            release(from, from->chunks[chunk]);
            from->chunks[chunk] = NULL;
        }
    }
    return TALLY_OK;
}

int
tally_result__append(tally_result *into, tally_ctx *ctx, tally_result *from)
{
    if (from->key_count > UINT32_MAX || from->names.count > UINT32_MAX)
        return tally_ctx__error(ctx, TALLY_ERR_NOMEM, "out of memory (too many names)");
    /* First, so that whatever the lines point to stays allocated, whatever happens. */
    tally_arena__adopt(&into->arena, &from->arena);
    const tally_name **names = map_names(into, ctx, from);
    const tally_line_key **keys = names ? map_keys(into, ctx, from, names) : NULL;
    int status = keys ? append_lines(into, ctx, from, names, keys) : TALLY_ERR_NOMEM;
    tally_ctx__free(ctx, names);
    tally_ctx__free(ctx, keys);
    return status;
}

/* The interning tables serve only while lines are built. */
void
tally_result__drop_tables(tally_result *result)
{
    release(result, result->names.slots);
    release(result, result->names.all);
    release(result, result->keys);
    memset(&result->names, 0, sizeof(result->names));
    result->keys = NULL;
    result->key_mask = result->key_count = 0;
}

void
tally_result_free(tally_result *result)
{
    if (!result)
        return;
    tally_allocator allocator = result->allocator;
    tally_result__drop_tables(result);
    for (size_t i = 0; i < result->chunk_count; i++)
        release(result, result->chunks[i]);
    release(result, result->chunks);
    tally_arena__free(&result->arena);
    pthread_mutex_destroy(&result->digest_lock);
    allocator.free(result, allocator.user_data);
}

size_t
tally_result_line_count(const tally_result *result)
{
    return result ? result->line_count : 0;
}

const tally_line *
tally_result_line_at(const tally_result *result, size_t index)
{
    return result && index < result->line_count ? tally_result__line(result, index) : NULL;
}

uint64_t
tally_result_accepted_count(const tally_result *result)
{
    return result ? result->accepted : 0;
}

uint64_t
tally_result_rejected_count(const tally_result *result)
{
    return result ? result->rejected : 0;
}

/* The buffer first, then whether the digests exist (TALLY_SESSION_NO_INPUT_DIGEST). */
static int
check_digest_buffer(const char *out, size_t out_size, const tally_result *result)
{
    if (!out)
        return TALLY_ERR_INVALID_ARGUMENT;
    if (out_size < TALLY_SHA256_HEX_SIZE)
        return TALLY_ERR_BUFFER_TOO_SMALL;
    return result->has_input_digest ? TALLY_OK : TALLY_ERR_STATE;
}

int
tally_result_digest_hex(char *out, size_t out_size, const tally_result *result)
{
    if (!result)
        return TALLY_ERR_INVALID_ARGUMENT;
    /* Checked first, so that a call that cannot succeed does not hash the result. */
    int status = check_digest_buffer(out, out_size, result);
    if (status == TALLY_OK)
        tally_sha256__hex(out, tally_result__digest(result));
    return status;
}

int
tally_result_input_digest_hex(char *out, size_t out_size, const tally_result *result)
{
    if (!result)
        return TALLY_ERR_INVALID_ARGUMENT;
    int status = check_digest_buffer(out, out_size, result);
    if (status == TALLY_OK)
        tally_sha256__hex(out, result->input_digest);
    return status;
}

/* ---- lines ---- */

const char *
tally_line_payee(const tally_line *line)
{
    return line ? line->payee->text : NULL;
}

const char *
tally_line_component(const tally_line *line)
{
    return line ? line->key->component->text : NULL;
}

const char *
tally_line_version(const tally_line *line)
{
    return line ? line->key->version->text : NULL;
}

const char *
tally_line_period(const tally_line *line)
{
    return line ? line->key->period->text : NULL;
}

const char *
tally_line_tier_period(const tally_line *line)
{
    return line ? line->key->tier_period->text : NULL;
}

const tally_currency *
tally_line_currency(const tally_line *line)
{
    return line ? line->key->currency : NULL;
}

tally_line_kind
tally_line_get_kind(const tally_line *line)
{
    return (tally_line_kind)line->kind;
}

const char *
tally_line_kind_name(tally_line_kind kind)
{
    switch (kind) {
    case TALLY_LINE_EARNED:
        return "earned";
    case TALLY_LINE_TRUE_UP:
        return "true-up";
    case TALLY_LINE_CLAWBACK:
        return "clawback";
    case TALLY_LINE_MDF_ACCRUED:
        return "mdf-accrued";
    case TALLY_LINE_MDF_CLAIMED:
        return "mdf-claimed";
    case TALLY_LINE_MDF_REIMBURSED:
        return "mdf-reimbursed";
    case TALLY_LINE_MDF_SHORTFALL:
        return "mdf-shortfall";
    case TALLY_LINE_MDF_EXPIRED:
        return "mdf-expired";
    case TALLY_LINE_MDF_BALANCE:
        return "mdf-balance";
    }
    return NULL;
}

static int
copy_decimal(const tally_line *line, int which, tally_decimal *out)
{
    if (!line || !out)
        return TALLY_ERR_INVALID_ARGUMENT;
    tally_line__value(line, which, out);
    return TALLY_OK;
}

int
tally_line_amount(const tally_line *line, tally_decimal *out)
{
    return copy_decimal(line, TALLY_LINE_AMOUNT, out);
}

int
tally_line_basis(const tally_line *line, tally_decimal *out)
{
    return copy_decimal(line, TALLY_LINE_BASIS, out);
}

int
tally_line_unrounded(const tally_line *line, tally_decimal *out)
{
    return copy_decimal(line, TALLY_LINE_UNROUNDED, out);
}

int
tally_line_multiplier(const tally_line *line, tally_decimal *out)
{
    return copy_decimal(line, TALLY_LINE_MULTIPLIER, out);
}

unsigned
tally_line_flags(const tally_line *line)
{
    return line ? line->flags : 0;
}

size_t
tally_line_band_count(const tally_line *line)
{
    return line && line->more ? line->more->band_count : 0;
}

int
tally_line_band(const tally_line *line, size_t index, tally_decimal *portion,
                tally_decimal *value, tally_decimal *payout)
{
    if (!line || index >= tally_line_band_count(line) || !portion || !value || !payout)
        return TALLY_ERR_INVALID_ARGUMENT;
    const tally_packed_band *band = &line->more->bands[index];
    tally_result__unpack(band->low[0], band->form[0], portion);
    tally_result__unpack(band->low[1], band->form[1], value);
    tally_result__unpack(band->low[2], band->form[2], payout);
    return TALLY_OK;
}

size_t
tally_line_source_count(const tally_line *line)
{
    return line && line->more && line->more->rare ? line->more->rare->source_count : 0;
}

const char *
tally_line_source_at(const tally_line *line, size_t index)
{
    return index < tally_line_source_count(line) ? line->more->rare->sources[index] : NULL;
}

const char *
tally_line_explanation(const tally_line *line)
{
    if (!line)
        return NULL;
    const tally_line_rare *rare = line->more ? line->more->rare : NULL;
    return rare && rare->explanation ? rare->explanation : "";
}

/* The recovery of a line; all zero when it has none. */
const tally_recovery *
tally_line__recovery(const tally_line *line)
{
    static const tally_recovery none;
    const tally_line_rare *rare = line->more ? line->more->rare : NULL;
    return rare && rare->recovery ? rare->recovery : &none;
}

int
tally_line_clawback(const tally_line *line, tally_decimal *requested, tally_decimal *recovered,
                    tally_decimal *outstanding)
{
    if (!line || !requested || !recovered || !outstanding)
        return TALLY_ERR_INVALID_ARGUMENT;
    const tally_recovery *r = tally_line__recovery(line);
    *requested = r->requested;
    *recovered = r->recovered;
    *outstanding = r->outstanding;
    return TALLY_OK;
}

int
tally_line_withheld(const tally_line *line, tally_decimal *out)
{
    if (!line || !out)
        return TALLY_ERR_INVALID_ARGUMENT;
    *out = tally_line__recovery(line)->withheld;
    return TALLY_OK;
}
