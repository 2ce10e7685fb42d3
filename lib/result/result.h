/*
 * The result object: payout lines with their explanations, all strings in one
 * arena, independent of the session and the context that built it.
 *
 * Lines are small (a result of millions of lines must fit in a few tens of MiB):
 * the strings every line repeats are interned once per result, decimals are
 * packed into nine bytes, and what few lines have (bands, sources, recovery)
 * hangs off an optional block.
 */
#ifndef TALLY_RESULT_RESULT_H
#define TALLY_RESULT_RESULT_H

#include <pthread.h>
#include <stdatomic.h>

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

/*
 * A decimal in nine bytes: the low word of the coefficient and a form byte
 * holding scale and sign. A value whose coefficient needs more than 64 bits is
 * kept whole in the arena and `low` holds its address (TALLY_PACKED_WIDE).
 */
#define TALLY_PACKED_SCALE 0x3fu
#define TALLY_PACKED_NEGATIVE 0x40u
#define TALLY_PACKED_WIDE 0x80u

/* An interned string; `rank` is its strcmp order among the result's names
 * (set by tally_result__rank_names), so sorting never compares text. */
typedef struct tally_name {
    uint32_t rank;
    uint32_t length;
    unsigned char plain; /* nothing in the text needs escaping in the canonical form */
    char text[];
} tally_name;

/* What lines of one component, version and period share. */
typedef struct tally_line_key {
    const tally_name *component;
    const tally_name *version;
    const tally_name *period;
    const tally_name *tier_period;
    const tally_currency *currency;
    int32_t period_end; /* last day of the lines' period (a tally_day); engine only */
    /* Set when sealing: the rank of (component, tier period, period) among the keys,
     * and the canonical text of a line up to its payee's name. */
    uint32_t order;
    const char *prefix;
    size_t prefix_length;
} tally_line_key;

typedef struct tally_packed_band {
    uint64_t low[3]; /* portion, value, payout */
    uint8_t form[3];
} tally_packed_band;

/* What few lines have, or none when the session keeps no ids nor explanations. */
typedef struct tally_line_rare {
    const tally_recovery *recovery; /* NULL where all of it is zero */
    const char *explanation;        /* NULL for "" */
    const char **sources;
    size_t source_count;
} tally_line_rare;

/* The parts only some lines have: bands (16 bytes besides them), and the rare. */
typedef struct tally_line_more {
    tally_line_rare *rare; /* NULL: no recovery, explanation or sources */
    uint32_t band_count;
    tally_packed_band bands[];
} tally_line_more;

/* Indexes of the packed decimals of a line. */
enum { TALLY_LINE_AMOUNT, TALLY_LINE_BASIS, TALLY_LINE_UNROUNDED, TALLY_LINE_MULTIPLIER };

/* Bits of tally_line.engine: internal to the engine, not in the canonical form. */
enum {
    TALLY_LINE_LEDGER = 1u << 0,          /* MDF ledger entries take no part in recovery */
    TALLY_LINE_RECOVER_FROM_PAYEE = 1u << 1,
    TALLY_LINE_CARRY_FORWARD = 1u << 2
};

/* 64 bytes: a million lines in 64 MB. */
struct tally_line {
    const tally_line_key *key;
    const tally_name *payee;
    tally_line_more *more; /* NULL: no bands, sources, recovery or explanation */
    uint64_t low[4];       /* amount, basis, unrounded, multiplier */
    uint8_t form[4];
    uint16_t flags;        /* tally_line_flag bits */
    uint8_t kind;
    uint8_t engine;
};

/* A line as the engine builds it, before it is packed into the result. */
typedef struct tally_line_fields {
    const tally_line_key *key;
    const tally_name *payee;
    tally_line_kind kind;
    tally_decimal amount;
    tally_decimal basis;
    tally_decimal unrounded;
    tally_decimal multiplier;
    unsigned flags;
    const tally_band_share *bands;
    size_t band_count;
    const char **sources; /* in the result's arena */
    size_t source_count;
    const char *explanation; /* copied into the result unless empty */
    unsigned engine;
} tally_line_fields;

/* Lines are stored in chunks, so growing never copies them nor doubles the peak. */
#define TALLY_LINE_CHUNK_BITS 12
#define TALLY_LINE_CHUNK (1u << TALLY_LINE_CHUNK_BITS)

typedef struct tally_name_table {
    void **slots;       /* tally_name *, open addressing, a power of two; NULL = empty */
    size_t mask;
    tally_name **all;   /* in order of interning */
    size_t count;
    size_t capacity;
    size_t ranked; /* names ranked so far (all of them, or ranks are stale) */
} tally_name_table;

struct tally_result {
    tally_allocator allocator;
    tally_arena arena;
    tally_line **chunks;
    size_t chunk_count;
    size_t line_count;
    const tally_currency *currency;
    /* Interning, while the lines are built (freed by tally_result__seal). */
    tally_name_table names;
    void **keys; /* tally_line_key *, open addressing on the names, a power of two */
    size_t key_mask;
    size_t key_count;
    unsigned char plan_digest[TALLY_SHA256_SIZE];
    unsigned char input_digest[TALLY_SHA256_SIZE];
    /* 0: the session computed no input digest, so neither it nor the canonical
     * form and its digest exist (TALLY_SESSION_NO_INPUT_DIGEST). */
    int has_input_digest;
    /* The result digest, made the first time it is asked for (tally_result__digest):
     * hashing the canonical form costs as much as building every line, and many
     * callers never show it. */
    unsigned char digest[TALLY_SHA256_SIZE];
    atomic_int digest_ready;
    pthread_mutex_t digest_lock;
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
/* The result's copy of a string, one per distinct text; NULL when out of memory. */
const tally_name *tally_result__name(tally_result *result, tally_ctx *ctx, const char *text);
/* The result's key of these names (interned by tally_result__name), one per distinct
 * combination; NULL when out of memory. */
const tally_line_key *tally_result__key(tally_result *result, tally_ctx *ctx,
                                        const tally_name *component, const tally_name *version,
                                        const tally_name *period, const tally_name *tier_period,
                                        int32_t period_end);
/* Appends a line built from `fields` (bands and explanation copied; the names, key
 * and sources must already belong to the result). */
int tally_result__add_line(tally_result *result, tally_ctx *ctx, const tally_line_fields *fields);
/* Moves the lines of `from`, a result built apart (by a second thread) with the same
 * allocator and currency and not sealed, after those of `into`, their names and keys
 * interned in `into`, which takes over `from`'s arena: `from` is then only to be
 * freed. TALLY_ERR_NOMEM may leave some of them appended (`into` is then to be
 * freed too). */
int tally_result__append(tally_result *into, tally_ctx *ctx, tally_result *from);
/* Line `index` in storage order (canonical order once sealed). */
static inline tally_line *
tally_result__line(const tally_result *result, size_t index)
{
    return &result->chunks[index >> TALLY_LINE_CHUNK_BITS][index & (TALLY_LINE_CHUNK - 1)];
}
/* Keeps the first `count` lines, releasing chunks no longer used. */
void tally_result__truncate(tally_result *result, size_t count);
/* Sets every name's rank (its strcmp order); needs memory, so it may fail. */
int tally_result__rank_names(tally_result *result, tally_ctx *ctx);
/* Unpacks one of a line's decimals (TALLY_LINE_AMOUNT ...). */
void tally_line__value(const tally_line *line, int which, tally_decimal *out);
/* Packs a decimal; a wide one is copied into the arena. Returns TALLY_ERR_NOMEM or TALLY_OK. */
int tally_result__pack(tally_result *result, tally_ctx *ctx, const tally_decimal *value,
                       uint64_t *low, uint8_t *form);
void tally_result__unpack(uint64_t low, uint8_t form, tally_decimal *out);
/* The recovery of a line; all zero when it has none. */
const tally_recovery *tally_line__recovery(const tally_line *line);
/* Frees the interning tables, which serve only while lines are built. */
void tally_result__drop_tables(tally_result *result);
/* Gives a line a recovery (copied), keeping its bands and sources. */
int tally_result__set_recovery(tally_result *result, tally_ctx *ctx, tally_line *line,
                               const tally_recovery *recovery);
/* Replaces a line's explanation with a copy of `text`. */
int tally_result__set_explanation(tally_result *result, tally_ctx *ctx, tally_line *line,
                                  const char *text);
/* Sorts `count` (key, index) pairs by key, equal keys in the order given; returns
 * TALLY_ERR_NOMEM (on ctx) or TALLY_OK. */
int tally_result__sort_pairs(tally_ctx *ctx, uint64_t *keys, uint32_t *index, size_t count);
/* Bits needed to write values up to `max`. */
static inline unsigned
tally_result__bits(uint64_t max)
{
    unsigned bits = 0;
    while (bits < 64 && (max >> bits) != 0)
        bits++;
    return bits;
}
/* The text tally_decimal_format() writes for a packed value whose coefficient fits
 * in 64 bits (no NUL), without its checks and 128-bit arithmetic; 0 for any other
 * value (wide, or not valid), which the caller formats the long way. `out` needs
 * TALLY_DECIMAL_STRING_MAX bytes. */
size_t tally_result__format_small(char *out, uint64_t low, uint8_t form);
/* Escapes `text` as the canonical form does into `out`, which has room for
 * 4 × length bytes; returns the bytes written. */
size_t tally_result__escape(char *out, const char *text, size_t length);
/* The result digest, computed on the first call (canonical.c); safe to call from
 * several threads at once. */
const unsigned char *tally_result__digest(const tally_result *result);
/* Sorts the lines canonically (canonical.c), ranking the names first;
 * TALLY_ERR_NOMEM leaves the result to be freed. */
int tally_result__seal(tally_result *result, tally_ctx *ctx);

#endif /* TALLY_RESULT_RESULT_H */
