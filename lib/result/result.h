/*
 * The result object: payout lines with their explanations, all strings in one
 * arena, independent of the session and the context that built it.
 */
#ifndef TALLY_RESULT_RESULT_H
#define TALLY_RESULT_RESULT_H

#include "core/arena.h"
#include "core/digest.h"
#include "engine/tiers.h"
#include "tally/result.h"

/* What recovering clawbacks did to a line (most lines have none of it). */
typedef struct tally_recovery {
    tally_decimal requested;   /* clawback lines: what is to be recovered */
    tally_decimal recovered;   /* clawback lines: recovered from earnings */
    tally_decimal outstanding; /* clawback lines: still to recover */
    tally_decimal withheld;    /* earning lines: kept back to recover clawbacks */
} tally_recovery;

struct tally_line {
    const char *payee;
    const char *component;
    const char *version;
    const char *period;
    const char *tier_period;
    const tally_currency *currency;
    tally_line_kind kind;
    tally_decimal amount;
    tally_decimal basis;
    tally_decimal unrounded;
    tally_decimal multiplier;
    unsigned flags;
    tally_band_share *bands;
    size_t band_count;
    const char **sources;
    size_t source_count;
    const char *explanation;
    /* Clawback recovery (engine/clawback.c); NULL where all of it is zero. */
    const tally_recovery *recovery;
    /* Internal to the engine, not part of the canonical form. */
    int32_t period_end;        /* last day of the line's period (a tally_day) */
    int is_ledger;             /* MDF ledger entries take no part in recovery */
    int recover_from_payee;
    int carry_forward;
};

struct tally_result {
    tally_allocator allocator;
    tally_arena arena;
    tally_line *lines;
    size_t line_count;
    size_t line_capacity;
    const tally_currency *currency;
    unsigned char plan_digest[TALLY_SHA256_SIZE];
    unsigned char input_digest[TALLY_SHA256_SIZE];
    unsigned char digest[TALLY_SHA256_SIZE];
    uint64_t accepted;
    uint64_t rejected;
    /* The options that shape the lines, so a replay can be checked against them. */
    char as_of[11];      /* "" when none */
    char lines_from[11];
    char lines_to[11];
    unsigned flags;
};

/* A result with no lines yet, allocated through ctx. */
tally_result *tally_result__new(tally_ctx *ctx, const tally_currency *currency);
/* Appends a line (copied); its strings must already live in the result's arena. */
int tally_result__add_line(tally_result *result, tally_ctx *ctx, const tally_line *line);
/* Sorts the lines canonically and computes the digest (canonical.c). */
void tally_result__seal(tally_result *result);

#endif /* TALLY_RESULT_RESULT_H */
