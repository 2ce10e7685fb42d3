/*
 * Result lifecycle and the read-only accessors of result.h. Every accessor
 * accepts NULL and answers as documented there.
 */
#include "result/result.h"

#include <string.h>

#include "core/context.h"

tally_result *
tally_result__new(tally_ctx *ctx, const tally_currency *currency)
{
    tally_result *result = tally_ctx__calloc(ctx, 1, sizeof(tally_result));
    if (!result)
        return NULL;
    result->allocator = *tally_ctx__allocator(ctx);
    tally_arena__init(&result->arena, ctx);
    result->currency = currency;
    return result;
}

int
tally_result__add_line(tally_result *result, tally_ctx *ctx, const tally_line *line)
{
    if (result->line_count == result->line_capacity) {
        size_t capacity = result->line_capacity ? result->line_capacity * 2 : 16;
        tally_line *grown = tally_ctx__realloc(ctx, result->lines, capacity * sizeof(tally_line));
        if (!grown)
            return TALLY_ERR_NOMEM;
        result->lines = grown;
        result->line_capacity = capacity;
    }
    result->lines[result->line_count++] = *line;
    return TALLY_OK;
}

void
tally_result_free(tally_result *result)
{
    if (!result)
        return;
    tally_allocator allocator = result->allocator;
    tally_arena__free(&result->arena);
    if (result->lines)
        allocator.free(result->lines, allocator.user_data);
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
    return result && index < result->line_count ? &result->lines[index] : NULL;
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

static int
write_hex(char *out, size_t out_size, const unsigned char digest[TALLY_SHA256_SIZE])
{
    if (!out)
        return TALLY_ERR_INVALID_ARGUMENT;
    if (out_size < TALLY_SHA256_HEX_SIZE)
        return TALLY_ERR_BUFFER_TOO_SMALL;
    tally_sha256__hex(out, digest);
    return TALLY_OK;
}

int
tally_result_digest_hex(char *out, size_t out_size, const tally_result *result)
{
    return result ? write_hex(out, out_size, result->digest) : TALLY_ERR_INVALID_ARGUMENT;
}

int
tally_result_input_digest_hex(char *out, size_t out_size, const tally_result *result)
{
    return result ? write_hex(out, out_size, result->input_digest) : TALLY_ERR_INVALID_ARGUMENT;
}

/* ---- lines ---- */

const char *
tally_line_payee(const tally_line *line)
{
    return line ? line->payee : NULL;
}

const char *
tally_line_component(const tally_line *line)
{
    return line ? line->component : NULL;
}

const char *
tally_line_version(const tally_line *line)
{
    return line ? line->version : NULL;
}

const char *
tally_line_period(const tally_line *line)
{
    return line ? line->period : NULL;
}

const char *
tally_line_tier_period(const tally_line *line)
{
    return line ? line->tier_period : NULL;
}

const tally_currency *
tally_line_currency(const tally_line *line)
{
    return line ? line->currency : NULL;
}

tally_line_kind
tally_line_get_kind(const tally_line *line)
{
    return line->kind;
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
copy_decimal(const tally_line *line, const tally_decimal *value, tally_decimal *out)
{
    if (!line || !out)
        return TALLY_ERR_INVALID_ARGUMENT;
    *out = *value;
    return TALLY_OK;
}

int
tally_line_amount(const tally_line *line, tally_decimal *out)
{
    return copy_decimal(line, line ? &line->amount : NULL, out);
}

int
tally_line_basis(const tally_line *line, tally_decimal *out)
{
    return copy_decimal(line, line ? &line->basis : NULL, out);
}

int
tally_line_unrounded(const tally_line *line, tally_decimal *out)
{
    return copy_decimal(line, line ? &line->unrounded : NULL, out);
}

int
tally_line_multiplier(const tally_line *line, tally_decimal *out)
{
    return copy_decimal(line, line ? &line->multiplier : NULL, out);
}

unsigned
tally_line_flags(const tally_line *line)
{
    return line ? line->flags : 0;
}

size_t
tally_line_band_count(const tally_line *line)
{
    return line ? line->band_count : 0;
}

int
tally_line_band(const tally_line *line, size_t index, tally_decimal *portion,
                tally_decimal *value, tally_decimal *payout)
{
    if (!line || index >= line->band_count || !portion || !value || !payout)
        return TALLY_ERR_INVALID_ARGUMENT;
    *portion = line->bands[index].portion;
    *value = line->bands[index].value;
    *payout = line->bands[index].payout;
    return TALLY_OK;
}

size_t
tally_line_source_count(const tally_line *line)
{
    return line ? line->source_count : 0;
}

const char *
tally_line_source_at(const tally_line *line, size_t index)
{
    return line && index < line->source_count ? line->sources[index] : NULL;
}

const char *
tally_line_explanation(const tally_line *line)
{
    return line ? line->explanation : NULL;
}

int
tally_line_clawback(const tally_line *line, tally_decimal *requested, tally_decimal *recovered,
                    tally_decimal *outstanding)
{
    static const tally_recovery none;
    if (!line || !requested || !recovered || !outstanding)
        return TALLY_ERR_INVALID_ARGUMENT;
    const tally_recovery *r = line->recovery ? line->recovery : &none;
    *requested = r->requested;
    *recovered = r->recovered;
    *outstanding = r->outstanding;
    return TALLY_OK;
}

int
tally_line_withheld(const tally_line *line, tally_decimal *out)
{
    static const tally_recovery none;
    return copy_decimal(line, line && line->recovery ? &line->recovery->withheld : &none.withheld,
                        out);
}
