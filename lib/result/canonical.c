/*
 * The canonical form of a result: a fixed header naming the plan and input
 * digests, then one record per line in canonical order, every text field escaped
 * so that records cannot run into each other. Its SHA-256 is the result digest
 * an auditor compares after a replay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result/result.h"

static int
compare_lines(const void *a, const void *b)
{
    const tally_line *x = a, *y = b;
    int order;
    if ((order = strcmp(x->component, y->component)) != 0 ||
        (order = strcmp(x->tier_period, y->tier_period)) != 0 ||
        (order = strcmp(x->period, y->period)) != 0 || (order = strcmp(x->payee, y->payee)) != 0)
        return order;
    return (x->kind > y->kind) - (x->kind < y->kind);
}

typedef struct writer {
    tally_write_fn write;
    void *user_data;
    int stopped;
} writer;

static void
put(writer *w, const char *data, size_t size)
{
    if (!w->stopped && size && w->write(data, size, w->user_data) != 0)
        w->stopped = 1;
}

static void
put_text(writer *w, const char *text)
{
    put(w, text, strlen(text));
}

/* Backslash escapes for the separators and every control byte. */
static void
put_escaped(writer *w, const char *text)
{
    const char *run = text;
    for (const char *p = text; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c != '\\' && c != 0x7f)
            continue;
        put(w, run, (size_t)(p - run));
        char escape[8];
        if (c == '\n')
            put(w, "\\n", 2);
        else if (c == '\t')
            put(w, "\\t", 2);
        else if (c == '\\')
            put(w, "\\\\", 2);
        else {
            snprintf(escape, sizeof(escape), "\\x%02x", c);
            put(w, escape, 4);
        }
        run = p + 1;
    }
    put_text(w, run);
}

static void
put_field(writer *w, const char *name, const char *value)
{
    put(w, "\t", 1);
    put_text(w, name);
    put(w, "=", 1);
    put_escaped(w, value ? value : "");
}

static void
put_decimal(writer *w, const char *name, const tally_decimal *value)
{
    char text[TALLY_DECIMAL_STRING_MAX];
    tally_decimal_format(text, sizeof(text), value);
    put_field(w, name, text);
}

static void
put_line(writer *w, const tally_line *line)
{
    char flags[16];
    put_text(w, "line");
    put_field(w, "component", line->component);
    put_field(w, "version", line->version);
    put_field(w, "tier-period", line->tier_period);
    put_field(w, "period", line->period);
    put_field(w, "payee", line->payee);
    put_field(w, "kind", tally_line_kind_name(line->kind));
    put_decimal(w, "amount", &line->amount);
    put_decimal(w, "basis", &line->basis);
    put_decimal(w, "unrounded", &line->unrounded);
    put_decimal(w, "multiplier", &line->multiplier);
    snprintf(flags, sizeof(flags), "%u", line->flags);
    put_field(w, "flags", flags);
    static const tally_recovery none;
    const tally_recovery *r = line->recovery ? line->recovery : &none;
    if (line->kind == TALLY_LINE_CLAWBACK) {
        put_decimal(w, "requested", &r->requested);
        put_decimal(w, "recovered", &r->recovered);
        put_decimal(w, "outstanding", &r->outstanding);
    }
    if (tally_decimal_sign(&r->withheld) != 0)
        put_decimal(w, "withheld", &r->withheld);
    put(w, "\n", 1);
    for (size_t i = 0; i < line->band_count; i++) {
        put_text(w, "band");
        put_decimal(w, "portion", &line->bands[i].portion);
        put_decimal(w, "value", &line->bands[i].value);
        put_decimal(w, "payout", &line->bands[i].payout);
        put(w, "\n", 1);
    }
    for (size_t i = 0; i < line->source_count; i++) {
        put_text(w, "source");
        put_field(w, "id", line->sources[i]);
        put(w, "\n", 1);
    }
    put_text(w, "explanation");
    put_field(w, "text", line->explanation);
    put(w, "\n", 1);
}

static int
write_all(const tally_result *result, writer *w)
{
    char hex[TALLY_SHA256_HEX_SIZE], count[32];
    put_text(w, "tally-result\tformat=1\n");
    tally_sha256__hex(hex, result->plan_digest);
    put_text(w, "plan");
    put_field(w, "digest", hex);
    tally_sha256__hex(hex, result->input_digest);
    put_text(w, "\ninput");
    put_field(w, "digest", hex);
    snprintf(count, sizeof(count), "%llu", (unsigned long long)result->accepted);
    put_field(w, "accepted", count);
    snprintf(count, sizeof(count), "%llu", (unsigned long long)result->rejected);
    put_field(w, "rejected", count);
    put_text(w, "\nrun");
    put_field(w, "as-of", result->as_of);
    put_field(w, "lines-from", result->lines_from);
    put_field(w, "lines-to", result->lines_to);
    snprintf(count, sizeof(count), "%u", result->flags);
    put_field(w, "flags", count);
    put_text(w, "\ncurrency");
    put_field(w, "code", tally_currency_code(result->currency));
    put(w, "\n", 1);
    for (size_t i = 0; i < result->line_count; i++)
        put_line(w, &result->lines[i]);
    return w->stopped ? TALLY_ERR_CALLBACK : TALLY_OK;
}

int
tally_result_write_canonical(const tally_result *result, tally_write_fn write, void *user_data)
{
    if (!result || !write)
        return TALLY_ERR_INVALID_ARGUMENT;
    writer w = {write, user_data, 0};
    return write_all(result, &w);
}

static int
hash_piece(const char *data, size_t size, void *user_data)
{
    tally_sha256__update(user_data, data, size);
    return 0;
}

void
tally_result__seal(tally_result *result)
{
    if (result->line_count > 1)
        qsort(result->lines, result->line_count, sizeof(tally_line), compare_lines);
    tally_sha256 hash;
    tally_sha256__init(&hash);
    writer w = {hash_piece, &hash, 0};
    write_all(result, &w);
    tally_sha256__final(&hash, result->digest);
}
