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
#include "core/decimal.h"
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

/* Control bytes, the separators among them, '\\' and DEL are escaped. */
static int
needs_escape(unsigned char c)
{
    return c < 0x20 || c == '\\' || c == 0x7f;
}

/* Backslash escapes for the separators and every control byte; returns the bytes
 * written for `c` (1 when it stands for itself). */
static size_t
escape_byte(char *out, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    if (!needs_escape(c)) {
        out[0] = (char)c;
        return 1;
    }
    out[0] = '\\';
    if (c == '\n' || c == '\t' || c == '\\') {
        out[1] = c == '\n' ? 'n' : c == '\t' ? 't' : '\\';
        return 2;
    }
    out[1] = 'x';
    out[2] = hex[c >> 4];
    out[3] = hex[c & 15];
    return 4;
}

size_t
tally_result__escape(char *out, const char *text, size_t length)
{
    size_t written = 0;
    for (size_t i = 0; i < length; i++)
        written += escape_byte(out + written, (unsigned char)text[i]);
    return written;
}

/* Whether any of 8 bytes may need escaping (a control byte, '\\' or 0x7f); it may
 * say yes for a clean word (a borrow across bytes), never no for one to escape. */
static int
word_may_need_escape(uint64_t word)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t controls = (word - ones * 0x20) & ~word & highs;
    uint64_t backslash = word ^ (ones * '\\'), del = word ^ (ones * 0x7f);
    return ((controls | ((backslash - ones) & ~backslash) | ((del - ones) & ~del)) & highs) != 0;
}

/* The length of the run at the start of text[0, length) that needs no escaping;
 * explanations are long and clean, so eight bytes are checked at a time. */
static size_t
clean_run(const char *text, size_t length)
{
    size_t i = 0;
    uint64_t word;
    while (i + 8 <= length) {
        memcpy(&word, text + i, 8);
        if (word_may_need_escape(word))
            break;
        i += 8;
    }
    while (i < length && !needs_escape((unsigned char)text[i]))
        i++;
    return i;
}

/* Copies runs that need no escaping as they are. */
static void
put_escaped(writer *w, const char *text)
{
    size_t length = strlen(text);
    while (length) {
        size_t run = clean_run(text, length);
        put(w, text, run);
        if (run == length)
            return;
        w->used += escape_byte(room(w, 4), (unsigned char)text[run]);
        text += run + 1;
        length -= run + 1;
    }
}

static void
put_name_text(writer *w, const tally_name *name)
{
    if (name->plain)
        put(w, name->text, name->length);
    else
        put_escaped(w, name->text);
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

size_t
tally_result__format_small(char *out, uint64_t low, uint8_t form)
{
    unsigned scale = form & TALLY_PACKED_SCALE;
    int negative = (form & TALLY_PACKED_NEGATIVE) != 0;
    if ((form & TALLY_PACKED_WIDE) || scale > TALLY_DECIMAL_MAX_SCALE || (negative && !low))
        return 0;
    return tally_dec__format_u64(out, low, scale, negative);
}

static void
put_value(writer *w, uint64_t low, uint8_t form, const tally_decimal *whole)
{
    char *out = room(w, TALLY_DECIMAL_STRING_MAX);
    size_t length = tally_result__format_small(out, low, form);
    if (!length) {
        tally_decimal value;
        if (!whole)
            tally_result__unpack(low, form, &value);
        tally_decimal_format(out, TALLY_DECIMAL_STRING_MAX, whole ? whole : &value);
        length = strlen(out);
    }
    w->used += length;
}

/* `prefix` is "\tname=", known at compile time. */
#define PUT_PACKED(w, prefix, low, form)                                                        \
    (put((w), prefix, sizeof(prefix) - 1), put_value((w), (low), (form), NULL))

static void
put_decimal(writer *w, const char *name, const tally_decimal *value)
{
    put_name(w, name);
    int small = value->coefficient_hi == 0 && value->scale >= 0 &&
                value->scale <= TALLY_DECIMAL_MAX_SCALE && (value->negative & ~1) == 0;
    uint8_t form = small ? (uint8_t)((unsigned)value->scale |
                                     (value->negative ? TALLY_PACKED_NEGATIVE : 0))
                         : TALLY_PACKED_WIDE;
    put_value(w, value->coefficient_lo, form, value);
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

/* A line's text up to its payee's name: "line", the key's four names, "\tpayee=". */
static void
put_line_start(writer *w, const tally_line_key *key)
{
    if (key->prefix) {
        put(w, key->prefix, key->prefix_length);
        return;
    }
    put(w, "line\tcomponent=", 15);
    put_name_text(w, key->component);
    put(w, "\tversion=", 9);
    put_name_text(w, key->version);
    put(w, "\ttier-period=", 13);
    put_name_text(w, key->tier_period);
    put(w, "\tperiod=", 8);
    put_name_text(w, key->period);
    put(w, "\tpayee=", 7);
}

static void
put_kind(writer *w, tally_line_kind kind)
{
    put(w, "\tkind=", 6);
    put_text(w, tally_line_kind_name(kind));
}

static void
put_recovery(writer *w, const tally_line *line)
{
    /* Clawback lines always name their recovery, even when it is all zero. */
    const tally_recovery *r = tally_line__recovery(line);
    if (line->kind == TALLY_LINE_CLAWBACK) {
        put_decimal(w, "requested", &r->requested);
        put_decimal(w, "recovered", &r->recovered);
        put_decimal(w, "outstanding", &r->outstanding);
    }
    if (tally_decimal_sign(&r->withheld) != 0)
        put_decimal(w, "withheld", &r->withheld);
}

static void
put_bands_and_sources(writer *w, const tally_line *line)
{
    for (size_t i = 0; i < tally_line_band_count(line); i++) {
        const tally_packed_band *band = &line->more->bands[i];
        put(w, "band", 4);
        PUT_PACKED(w, "\tportion=", band->low[0], band->form[0]);
        PUT_PACKED(w, "\tvalue=", band->low[1], band->form[1]);
        PUT_PACKED(w, "\tpayout=", band->low[2], band->form[2]);
        put(w, "\n", 1);
    }
    for (size_t i = 0; i < tally_line_source_count(line); i++) {
        put(w, "source\tid=", 10);
        put_escaped(w, tally_line_source_at(line, i));
        put(w, "\n", 1);
    }
}

static void
put_line(writer *w, const tally_line *line)
{
    put_line_start(w, line->key);
    put_name_text(w, line->payee);
    put_kind(w, (tally_line_kind)line->kind);
    PUT_PACKED(w, "\tamount=", line->low[0], line->form[0]);
    PUT_PACKED(w, "\tbasis=", line->low[1], line->form[1]);
    PUT_PACKED(w, "\tunrounded=", line->low[2], line->form[2]);
    PUT_PACKED(w, "\tmultiplier=", line->low[3], line->form[3]);
    put_unsigned(w, "flags", line->flags);
    if (line->more || line->kind == TALLY_LINE_CLAWBACK)
        put_recovery(w, line);
    put(w, "\n", 1);
    if (line->more)
        put_bands_and_sources(w, line);
    put(w, "explanation\ttext=", 17);
    put_escaped(w, tally_line_explanation(line));
    put(w, "\n", 1);
}

/* Sealing: each key's line start written once, for every line that has it. */
static int
prepare_keys(tally_result *result, tally_ctx *ctx)
{
    for (size_t i = 0; result->keys && i <= result->key_mask; i++) {
        tally_line_key *k = result->keys[i];
        if (!k)
            continue;
        const tally_name *names[] = {k->component, k->version, k->tier_period, k->period};
        static const char *const labels[] = {"line\tcomponent=", "\tversion=", "\ttier-period=",
                                             "\tperiod="};
        size_t room_needed = sizeof("line\tcomponent=\tversion=\ttier-period=\tperiod=\tpayee=");
        for (int n = 0; n < 4; n++)
            room_needed += 4 * (size_t)names[n]->length;
        char *prefix = tally_arena__alloc(&result->arena, ctx, room_needed);
        if (!prefix)
            return TALLY_ERR_NOMEM;
        size_t length = 0;
        for (int n = 0; n < 4; n++) {
            memcpy(prefix + length, labels[n], strlen(labels[n]));
            length += strlen(labels[n]);
            length += tally_result__escape(prefix + length, names[n]->text, names[n]->length);
        }
        memcpy(prefix + length, "\tpayee=", 7);
        k->prefix = prefix;
        k->prefix_length = length + 7;
    }
    return TALLY_OK;
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
    /* Without the input digest the text would not say which inputs it is of. */
    return result->has_input_digest ? write_through(result, write, user_data) : TALLY_ERR_STATE;
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
 * text), ties kept in the order the lines were made (as glibc's merge sort did).
 * The names' ranks turn that into integers: the key's (component, tier period,
 * period) collapses into its dense rank `order`, then payee rank, then kind.
 */
static int
by_triple(const void *a, const void *b)
{
    const tally_line_key *x = *(const tally_line_key *const *)a,
                         *y = *(const tally_line_key *const *)b;
    const uint32_t left[] = {x->component->rank, x->tier_period->rank, x->period->rank};
    const uint32_t right[] = {y->component->rank, y->tier_period->rank, y->period->rank};
    for (int i = 0; i < 3; i++)
        if (left[i] != right[i])
            return left[i] < right[i] ? -1 : 1;
    return 0;
}

/* Keys that differ only in version rank the same: their lines compare equal. */
static int
rank_keys(tally_result *result, tally_ctx *ctx, uint32_t *highest)
{
    tally_line_key **keys = tally_ctx__calloc(ctx, result->key_count + 1, sizeof(*keys));
    if (!keys)
        return TALLY_ERR_NOMEM;
    size_t n = 0;
    for (size_t i = 0; result->keys && i <= result->key_mask; i++)
        if (result->keys[i])
            keys[n++] = result->keys[i];
    qsort(keys, n, sizeof(*keys), by_triple);
    uint32_t rank = 0;
    for (size_t i = 0; i < n; i++) {
        rank += i > 0 && by_triple(&keys[i - 1], &keys[i]) != 0;
        keys[i]->order = rank;
    }
    *highest = rank;
    tally_ctx__free(ctx, keys);
    return TALLY_OK;
}

/* Moves line from[i] to position i, for every i (spending `from`). */
static void
permute(tally_result *result, uint32_t *from)
{
    /* Each cycle of the permutation is walked once; a visited position is marked. */
    for (size_t start = 0; start < result->line_count; start++) {
        if (from[start] == UINT32_MAX)
            continue;
        tally_line carried = *tally_result__line(result, start);
        size_t at = start;
        for (;;) {
            size_t next = from[at];
            from[at] = UINT32_MAX;
            if (next == start) {
                *tally_result__line(result, at) = carried;
                break;
            }
            *tally_result__line(result, at) = *tally_result__line(result, next);
            at = next;
        }
    }
}

static int
sort_lines(tally_result *result, tally_ctx *ctx)
{
    uint32_t highest_key = 0;
    int status = rank_keys(result, ctx, &highest_key);
    if (status != TALLY_OK)
        return status;
    unsigned kind_bits = 4, payee_bits = tally_result__bits(result->names.count);
    if (tally_result__bits(highest_key) + payee_bits + kind_bits > 64)
        return tally_ctx__error(ctx, TALLY_ERR_NOMEM, "out of memory (too many line keys)");
    size_t n = result->line_count;
    uint64_t *keys = tally_ctx__calloc(ctx, n, sizeof(*keys));
    uint32_t *from = tally_ctx__calloc(ctx, n, sizeof(*from));
    if (keys && from) {
        for (size_t i = 0; i < n; i++) {
            const tally_line *line = tally_result__line(result, i);
            keys[i] = ((uint64_t)line->key->order << payee_bits | line->payee->rank)
                          << kind_bits |
                      line->kind;
            from[i] = (uint32_t)i;
        }
        status = tally_result__sort_pairs(ctx, keys, from, n);
    } else {
        status = TALLY_ERR_NOMEM;
    }
    tally_ctx__free(ctx, keys);
    if (status == TALLY_OK)
        permute(result, from);
    tally_ctx__free(ctx, from);
    return status;
}

int
tally_result__seal(tally_result *result, tally_ctx *ctx)
{
    int status = tally_result__rank_names(result, ctx);
    if (status == TALLY_OK && result->line_count > 1)
        status = sort_lines(result, ctx);
    if (status == TALLY_OK)
        status = prepare_keys(result, ctx);
    if (status != TALLY_OK)
        return status;
    tally_result__drop_tables(result);
    return TALLY_OK;
}

const unsigned char *
tally_result__digest(const tally_result *result)
{
    /* The only state a result changes after sealing: made once under the lock, then
     * read by anyone who sees digest_ready set (release/acquire pairs the two). */
    tally_result *r = (tally_result *)result;
    if (atomic_load_explicit(&r->digest_ready, memory_order_acquire))
        return r->digest;
    pthread_mutex_lock(&r->digest_lock);
    if (!atomic_load_explicit(&r->digest_ready, memory_order_relaxed)) {
        tally_sha256 hash;
        unsigned char digest[TALLY_SHA256_SIZE];
        tally_sha256__init(&hash);
        write_through(r, hash_piece, &hash); /* hash_piece never stops it */
        tally_sha256__final(&hash, digest);
        memcpy(r->digest, digest, sizeof(digest));
        atomic_store_explicit(&r->digest_ready, 1, memory_order_release);
    }
    pthread_mutex_unlock(&r->digest_lock);
    return r->digest;
}
