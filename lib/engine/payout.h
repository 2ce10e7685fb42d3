/*
 * One payout of finish.c: from a payee's totals for a period to the amount paid,
 * with the explanation written step by step as the rules apply (payout.c), and
 * the shared state of a finishing session.
 */
#ifndef TALLY_ENGINE_PAYOUT_H
#define TALLY_ENGINE_PAYOUT_H

#include <stdarg.h>

#include "engine/engine.h"
#include "engine/tiers.h"
#include "result/result.h"

#define TALLY_EXPLANATION_SIZE 16384

typedef struct tally_text {
    char data[TALLY_EXPLANATION_SIZE];
    size_t length;
} tally_text;

/* Appends printf-style text, cut where the buffer ends (always NUL-terminated).
 * %s, %d, %llu and %% are done in line; any other conversion by vsnprintf. */
void tally_text__add(tally_text *t, const char *format, ...) __attribute__((format(printf, 2, 3)));
void tally_text__vadd(tally_text *t, const char *format, va_list args)
    __attribute__((format(printf, 2, 0)));

/* The accumulated totals a payout is computed on. */
typedef struct tally_totals {
    tally_decimal amount;
    tally_decimal quantity;
    tally_decimal payout;
    uint64_t rows;
    tally_decimal *band_sums; /* per-band rounded payouts (rates.c), or NULL */
    size_t band_count;
    /* The payout as an exact quotient exact / divisor, when a bucket's interpolated
     * fractions made it one (fractional) and 38 digits held it (exact_valid). */
    int fractional;
    int exact_valid;
    tally_decimal exact;
    tally_decimal divisor;
} tally_totals;

typedef struct tally_payout {
    tally_decimal basis;
    tally_decimal unrounded;
    tally_decimal rounded;
    tally_decimal multiplier;
    unsigned flags;
    /* An interpolated payout whose band fraction does not end: its exact value is
     * exact / divisor (unrounded shows 24 fraction digits of it), so that the
     * multiplier, the cap and the rounding see the exact value. */
    int fractional;
    tally_decimal exact;
    tally_decimal divisor;
    size_t band_count;
    tally_band_share bands[TALLY_MAX_BANDS];
} tally_payout;

/* A period's label interned in the result, cached by calendar and index. */
typedef struct tally_period_name {
    tally_calendar calendar;
    int32_t index;
    const tally_name *name; /* NULL: empty entry */
} tally_period_name;

#define TALLY_PERIOD_NAMES 256

typedef struct tally_finisher {
    tally_session *session;
    /* Where the finisher allocates and records errors: the session's context, or
     * the second thread's own (finish.c), which the session's data is only read by. */
    tally_ctx *ctx;
    tally_result *result;
    /* The result's names of payees (by symbol in session->names) and of each engine
     * component's id and version, interned on first use. */
    const tally_name **payee_names;
    size_t payee_count;
    const tally_name **component_names; /* 2 per engine component: id, version */
    tally_period_name periods[TALLY_PERIOD_NAMES]; /* recent period labels */
    tally_payout payout; /* the one being computed (too large for the stack) */
    tally_text explanation;
    char shown[8][TALLY_DECIMAL_STRING_MAX]; /* rotating buffers of tally_engine__show() */
    unsigned next_shown;
} tally_finisher;

/* Appends to the explanation; text past its size is cut. */
void tally_engine__say(tally_finisher *f, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
/* A decimal as text, valid until eight more calls. */
const char *tally_engine__show(tally_finisher *f, const tally_decimal *value);
int tally_engine__payout_overflow(tally_finisher *f, const tally_engine_component *ec,
                                  const char *payee);

/* The payout of bucket `b`'s payee, period and component on the totals `sum`. */
int tally_engine__compute_payout(tally_finisher *f, const tally_engine_component *ec,
                                 const tally_bucket *b, const tally_totals *sum,
                                 tally_payout *p);

/* finish.c: the result's name of a period's label; NULL when out of memory. */
const tally_name *tally_engine__period_name(tally_finisher *f, const tally_calendar *calendar,
                                            int32_t index);
/* A line's common fields (names interned in the result) ... */
int tally_engine__begin_line(tally_finisher *f, uint32_t payee, const tally_engine_component *ec,
                             const tally_name *period, const tally_name *tier_period,
                             int32_t period_end, tally_line_fields *line);
/* ... the source ids of a bucket ... */
int tally_engine__line_sources(tally_finisher *f, const tally_bucket *b, tally_line_fields *line);
/* ... and the line added to the result with the explanation written so far. */
int tally_engine__end_line(tally_finisher *f, tally_line_fields *line);
/* Starts a new explanation. */
static inline void
tally_engine__clear_explanation(tally_finisher *f)
{
    f->explanation.length = 0;
    f->explanation.data[0] = '\0';
}

/* clawback.c: recovers negative lines from the payees' earnings (all lines made). */
int tally_engine__recover_clawbacks(tally_finisher *f);

/* mdf.c: the ledger lines of one MDF slot, from its buckets with rows in (payee,
 * period) order. */
int tally_engine__finish_mdf(tally_finisher *f, uint32_t slot, const tally_bucket *const *buckets,
                             size_t bucket_count);

/* growth.c: the growth-rebate part of a payout (before multiplier, cap, rounding). */
int tally_engine__pay_growth(tally_finisher *f, const tally_engine_component *ec,
                             const tally_bucket *b, const tally_totals *sum, tally_payout *p);

#endif /* TALLY_ENGINE_PAYOUT_H */
