/*
 * The calculation session: the plan compiled into accumulating slots, the
 * partner table, and the per payee × period accumulators ("buckets") that rows
 * update. Rows never stay in memory; all non-linear work happens in finish.c.
 */
#ifndef TALLY_ENGINE_ENGINE_H
#define TALLY_ENGINE_ENGINE_H

#include <stdint.h>


#include "core/date.h"
#include "core/digest.h"
#include "engine/intake.h"
#include "engine/symbols.h"
#include "plan/model.h"
#include "tally/result.h"
#include "tally/session.h"

/*
 * Components of different plan versions with the same id, kind and calendars
 * carry on as one slot: their rows add to the same buckets.
 */
typedef struct tally_slot {
    const char *id; /* owned by the plan */
    tally_component_kind kind;
    tally_calendar period;
    tally_calendar settlement; /* == period when the component has no settlement */
    int has_settlement;
    uint32_t first_component; /* a component of the slot, for rules any version shares */
} tally_slot;

/* A component of one version, with the slot it adds to. */
typedef struct tally_engine_component {
    const tally_component *model;
    const tally_plan_version_model *version;
    uint32_t slot;
    int in_cells; /* rows add to cells (cells.c); with a split, a commission's go direct */
} tally_engine_component;

typedef struct tally_engine_version {
    const tally_plan_version_model *model;
    tally_engine_component *components; /* into the session's array */
    size_t component_count;
    uint32_t *direct;   /* components that look at each row themselves (cells.c) */
    size_t direct_count;
    uint32_t first_class; /* the version's cell classes, in session->classes */
    size_t class_count;
    int pays_partner; /* a class pays the partner */
    int pays_rep;     /* a class pays the rep (or-partner) */
} tally_engine_version;

/* Components of a version that share one running total per payee and month. */
typedef struct tally_cell_class {
    const tally_eligibility *eligibility;
    int every_row;       /* no filter at all: the eligibility check is skipped */
    int registered_only; /* deal registration counts registered rows only */
    int paid_to_rep;     /* rep-or-partner payee: the row's rep when it names one */
    int split_rows_direct; /* rows with a split are the direct way's (commissions) */
    uint32_t *members;   /* engine component indexes */
    size_t member_count;
} tally_cell_class;

/* A class's totals for one payee and month, moved into buckets when finishing.
 * 32 bytes (cell_sums.c): a total is a signed 64-bit coefficient at its scale,
 * or, once it outgrows that, exact decimals in session->wide_cells. */
typedef struct tally_cell {
    int64_t amount;   /* coefficient; when wide: the index in session->wide_cells */
    int64_t quantity; /* coefficient (unused when wide) */
    uint64_t rows;
    tally_day latest;
    uint8_t amount_scale;
    uint8_t quantity_scale;
    uint8_t wide;
    uint8_t unused;
} tally_cell;

/* The exact totals of a cell that outgrew 64 bits. */
typedef struct tally_cell_wide {
    tally_decimal amount;
    tally_decimal quantity;
} tally_cell_wide;

/* The cells of one payee, month and version: one per class of the version, in
 * order, so that a row finds all of its partner's cells with one lookup. */
typedef struct tally_cell_block {
    uint32_t payee;
    int32_t month;    /* year × 12 + month − 1 */
    uint32_t version; /* index in session->versions */
    uint32_t first;   /* its first cell in session->cells */
} tally_cell_block;

/* A payee's blocks of one year and version, by month: a cache in front of the
 * block index (cells.c), indexed by the payee's symbol, so that a row finds its
 * block in the one line it fetches ahead instead of by hash. One line each. */
typedef struct tally_payee_months {
    int32_t year;      /* the months' year (their month numbers / 12) */
    uint32_t version;  /* index in session->versions + 1; 0: nothing cached */
    uint32_t first[12]; /* each month's first cell + 1; 0: not cached */
    /* 1: the entry never held another year or version, so it holds every block
     * of the payee there is: a month it has not cached has no block yet. */
    uint32_t complete;
    uint32_t unused;
} tally_payee_months;

/* An entry of the block index: the key itself, so that a lookup reads the cells
 * next and no block header in between. */
typedef struct tally_block_slot {
    uint64_t key;     /* payee << 32 | month */
    uint32_t version;
    uint32_t first;   /* the block's first cell + 1; 0 for an empty slot */
} tally_block_slot;

typedef struct tally_partner_record {
    int present;     /* 0 for a symbol that is no partner (records are by symbol) */
    uint32_t type;   /* symbol in session->names, or TALLY_NO_SYMBOL */
    uint32_t tier;
    uint32_t region;
    int has_quota;
    tally_decimal quota;
} tally_partner_record;

/* What the session remembers of an accepted transaction (unless ids are trusted). */
typedef struct tally_seen_transaction {
    tally_day date; /* where a return counted in its original's period goes */
} tally_seen_transaction;

/* A sale that earned a SPIFF: what a return of it can claw back, from whom. */
typedef struct tally_spiff_sale {
    uint32_t payee;
    tally_decimal unit_amount; /* earned per unit; per deal: the deal's amount */
    tally_decimal units;       /* units earned (per deal: 1) */
} tally_spiff_sale;

typedef enum tally_pending_kind {
    TALLY_PENDING_SPIFF_RETURN, /* claws back what the original sale earned */
    TALLY_PENDING_ATTRIBUTION,  /* counts in the original sale's period */
    TALLY_PENDING_REFERRAL_RETURN /* claws back the original's fee, once */
} tally_pending_kind;

/*
 * A return that needs its original sale. Rows may come in any order, so these
 * are resolved in finish.c once every sale is known.
 */
typedef struct tally_pending_return {
    tally_pending_kind kind;
    uint32_t component;
    uint32_t payee;
    tally_day date;
    const char *id;          /* the return's id, in session->pending_text */
    const char *original_id; /* in session->pending_text */
    uint32_t transaction;    /* the return's symbol, or TALLY_NO_SYMBOL */
    int eligible;            /* referral: the return passed the filters itself */
    tally_decimal *band_values; /* per-band rounded payouts (rates.c), or NULL */
    size_t band_count;
    tally_decimal amount;
    tally_decimal quantity;
    tally_decimal payout;
    /* Interpolated tiers per transaction: the band and exact numerator that go with
     * `payout` to the original's bucket (as a row's own do); SIZE_MAX when none. */
    size_t fraction_band;
    tally_decimal fraction;
} tally_pending_return;

/* A claim against an MDF fund, kept until finish (claims are few). */
typedef struct tally_mdf_claim {
    const char *id;       /* symbol text in session->claim_ids */
    const char *activity; /* in session->pending_text, or NULL */
    uint32_t partner;     /* symbol in session->names */
    uint32_t slot;        /* the MDF slot */
    tally_day date;
    tally_decimal cost;
} tally_mdf_claim;

/* The exchange rates of one currency into the plan's, sorted by date. */
typedef struct tally_fx_series {
    const tally_currency *from;
    tally_day *dates;
    tally_decimal *rates;
    size_t count;
    size_t capacity;
    int used;          /* a transaction was converted with this series */
    tally_day latest;  /* the latest date converted, when used */
} tally_fx_series;

/* Accumulated rows of one slot, payee, tier period and settlement period. */
typedef struct tally_bucket {
    uint32_t slot;
    uint32_t payee;         /* symbol in session->names */
    int32_t period;         /* tier period index in the slot's period calendar */
    int32_t settlement;     /* settlement period index (== period without settlement) */
    uint32_t component;     /* latest-dated component that contributed (its rules finish) */
    tally_day latest;       /* date of that contribution */
    tally_decimal amount;   /* eligible net amount */
    tally_decimal quantity; /* eligible net quantity */
    tally_decimal payout;   /* sum of per-row payouts (linear rates, per-transaction tiers) */
    uint64_t rows;
    uint32_t first_source;  /* index into session->sources, UINT32_MAX when none */
    uint32_t extra;         /* index into session->bucket_extras, UINT32_MAX when none */
    tally_decimal *fractions; /* interpolated numerators per band (transaction basis) */
    tally_decimal *band_sums; /* per-transaction rounding of whole period tiers: what the
                               * rows would pay in each band, rounded row by row */
} tally_bucket;

/* What few buckets have, kept apart: buckets are most of a session's memory at
 * finish (two cache lines each without these). */
typedef struct tally_bucket_extra {
    tally_decimal prior;    /* prior settlement recorded for this settlement period */
    tally_decimal baseline; /* growth rebates: given baseline of this period */
    int has_prior;
    int has_baseline;
} tally_bucket_extra;

/* Source transaction ids of buckets: singly linked lists in one array. */
typedef struct tally_source_link {
    uint32_t transaction; /* symbol in session->transaction_ids */
    uint32_t next;        /* UINT32_MAX ends the list */
} tally_source_link;

/* Order-independent digest of the accepted inputs: the sum of row hashes. */
typedef struct tally_input_digest {
    int wanted;      /* 0: TALLY_SESSION_NO_INPUT_DIGEST; rows are counted, not hashed */
    uint64_t sum[4]; /* 256-bit little-endian sum of the rows' 128-bit hashes */
    uint64_t partners;
    uint64_t transactions;
    uint64_t settlements;
    uint64_t baselines;
    uint64_t claims;
    uint64_t rates;
} tally_input_digest;

struct tally_session {
    tally_ctx *ctx;
    tally_plan *plan;
    const char *currency_code; /* the plan's, looked up once (rows compare with it) */
    unsigned flags;
    unsigned threads; /* tally_session_options.threads: 2 lets the finish use a second */
    int has_as_of;
    tally_day as_of; /* MDF: claims after it wait, balances and expiry stop at it */
    int has_inputs;
    tally_day latest_input; /* latest date of an accepted transaction or claim */
    tally_day lines_from; /* lines of periods ending in [lines_from, lines_to] are kept */
    tally_day lines_to;
    int finished;
    tally_date_reader dates; /* the rows' dates (intake.c) */
    int broken; /* a total overflowed while finishing: the session cannot finish */
    tally_slot *slots;
    size_t slot_count;
    tally_engine_component *components;
    size_t component_count;
    tally_engine_version *versions;
    size_t version_count;

    tally_symbols names;           /* payees, partners, their attributes */
    tally_symbols transaction_ids; /* unless TALLY_SESSION_TRUST_IDS and no sources */
    tally_seen_transaction *seen;  /* by transaction symbol, unless trusted */
    size_t seen_capacity;
    /* Per-sale facts of single components, keyed "<kind letter><slot>:<id>": the
     * referral fees earned ("E") and recovered ("C") by each sale. */
    tally_symbols sale_marks;
    uint8_t *mark_set;        /* by mark symbol: 1 once a row carrying it was applied */
    size_t mark_capacity;
    tally_spiff_sale *spiff_sales; /* by mark symbol of "S<slot>:<id>" marks */
    size_t spiff_capacity;

    tally_pending_return *pending;
    size_t pending_count;
    size_t pending_capacity;
    tally_arena pending_text;

    tally_fx_series *fx;
    size_t fx_count;
    size_t fx_capacity;

    tally_symbols claim_ids;
    tally_mdf_claim *claims;
    size_t claim_count;
    size_t claim_capacity;

    tally_partner_record *partners; /* by partner symbol; NULL entries not partners */
    size_t partner_capacity;
    size_t partner_count;

    tally_cell_class *classes;
    size_t class_count;
    uint32_t *class_members;
    uint32_t *direct;
    tally_cell *cells;
    size_t cell_count;
    size_t cell_capacity;
    tally_cell_wide *wide_cells;
    size_t wide_count;
    size_t wide_capacity;
    tally_cell_block *blocks;
    size_t block_count;
    size_t block_capacity;
    tally_block_slot *block_index; /* open addressing, at most half full */
    size_t block_mask;
    size_t indexed_blocks; /* blocks[0 ... indexed_blocks) are in the index */
    tally_payee_months *payee_months; /* by payee symbol; only a cache */
    size_t payee_month_capacity;

    tally_bucket *buckets;
    size_t bucket_count;
    size_t bucket_capacity;
    uint32_t *bucket_slots; /* open addressing: bucket index + 1 */
    uint32_t *bucket_tags;  /* high hash bits of each slot's key */
    size_t bucket_mask;
    size_t indexed_buckets; /* buckets[0 ... indexed_buckets) are in the index */
    tally_bucket_extra *bucket_extras;
    size_t bucket_extra_count;
    size_t bucket_extra_capacity;

    tally_source_link *sources;
    size_t source_count;
    size_t source_capacity;

    tally_input_digest input;
    uint64_t accepted;
    uint64_t rejected;
};

/* ---- session.c ---- */
/* Notes the date of an accepted transaction or claim. */
static inline void
tally_engine__note_date(tally_session *session, tally_day day)
{
    if (!session->has_inputs || day > session->latest_input)
        session->latest_input = day;
    session->has_inputs = 1;
}

/* Checks an input struct is given and sized and the session still takes input. */
int tally_engine__check_open(tally_session *session, const void *input, const char *what);

/* ---- labels.c ---- */
/* The first slot with this component id; 0 when there is none. */
int tally_engine__slot_named(const tally_session *session, const char *id, uint32_t *out);
/* The index of the period with this label in the calendar; 0 when none has it. */
int tally_engine__period_of_label(const tally_calendar *calendar, const char *label,
                                  int32_t *out);

/* ---- buckets.c ---- */
/* Finds or creates the bucket of a key. *out points into session->buckets and is
 * valid only until the next bucket is created. */
int tally_engine__bucket(tally_session *session, uint32_t slot, uint32_t payee, int32_t period,
                         int32_t settlement, tally_bucket **out);
/* The tier period and settlement period containing a day in a slot's calendars. */
void tally_engine__periods_on(const tally_slot *slot, tally_day day, int32_t *period,
                              int32_t *settlement);
/* The bucket of a slot, payee and day (made when new); valid as tally_engine__bucket's. */
int tally_engine__bucket_on(tally_session *session, uint32_t slot, uint32_t payee, tally_day day,
                            tally_bucket **out);
/* A bucket for a key the caller knows has none (a flush's fresh slot, cells.c),
 * made without the index; *out as tally_engine__bucket's. */
int tally_engine__new_bucket(tally_session *session, uint32_t slot, uint32_t payee,
                             int32_t period, int32_t settlement, tally_bucket **out);
/* A zeroed bucket of a key, with no sources nor extra (for buckets made apart). */
void tally_engine__init_bucket(tally_bucket *b, uint32_t slot, uint32_t payee, int32_t period,
                               int32_t settlement);
/* Appends buckets made apart (a flush's second thread, cells.c), which the index
 * takes in at its next use, as it does tally_engine__new_bucket()'s. */
int tally_engine__append_buckets(tally_session *session, const tally_bucket *buckets,
                                 size_t count);
/* Puts the buckets tally_engine__new_bucket() made into the index, before a
 * finish that looks buckets up (growth rebates); the others need not wait. */
int tally_engine__index_buckets_for_finish(tally_session *session);
/* The bucket of a key, or NULL when there is none (every bucket indexed). */
const tally_bucket *tally_engine__find_bucket(const tally_session *session, uint32_t slot,
                                             uint32_t payee, int32_t period, int32_t settlement);
/* A bucket's extra totals, made (zero) when it has none yet. */
int tally_engine__bucket_extra(tally_session *session, tally_bucket *bucket,
                               tally_bucket_extra **out);

/* A bucket's extra totals, or NULL when it has none. */
static inline const tally_bucket_extra *
tally_engine__extra_of(const tally_session *session, const tally_bucket *bucket)
{
    return bucket->extra == UINT32_MAX ? NULL : &session->bucket_extras[bucket->extra];
}

/* The prior settlement recorded for the bucket's settlement period, or NULL. */
static inline const tally_decimal *
tally_engine__prior(const tally_session *session, const tally_bucket *bucket)
{
    const tally_bucket_extra *extra = tally_engine__extra_of(session, bucket);
    return extra && extra->has_prior ? &extra->prior : NULL;
}

/* ---- intake.c ---- */
const tally_engine_version *tally_engine__version_on(const tally_session *session,
                                                     tally_day day);

/* ---- input_digest.c ---- */
/* Adds a row's hash to a digest that is wanted (the caller checks: the hash need
 * not be made otherwise). */
void tally_engine__digest_add(tally_input_digest *digest, const tally_row_hash *hash);
/* A row of texts, then one-byte flags, then decimals, in the kind's fixed order. */
void tally_engine__digest_fields(tally_input_digest *digest, const char *kind,
                                 const char *const *texts, size_t text_count,
                                 const unsigned char *flags, size_t flag_count,
                                 const tally_decimal *const *decimals, size_t decimal_count);
/* A row of text fields (NULL is the same as ""). */
void tally_engine__digest_row(tally_input_digest *digest, const char *kind,
                              const char *const *fields, size_t field_count);
void tally_engine__digest_final(const tally_input_digest *digest,
                                unsigned char out[TALLY_SHA256_SIZE]);

/* ---- cells.c ---- */
/* Whether a component needs a row only through its amount and quantity. */
int tally_engine__cell_component(const tally_session *session, const tally_component *c);
/* Groups each version's qualifying components into classes (after compile_plan). */
int tally_engine__compile_cells(tally_session *session);
/* Moves every cell's totals into its members' buckets (a progress call). */
int tally_engine__flush_cells(tally_session *session);
/* The same before finishing, then the cells dropped: with two threads the second
 * half of the payees is moved on a second thread. */
int tally_engine__flush_and_drop_cells(tally_session *session);
void tally_engine__free_cells(tally_session *session);
/* Frees flushed cells and leaves the session's cells as a new session's. */
void tally_engine__drop_cells(tally_session *session);


/* ---- fx.c ---- */
/* Converts an amount in `from` into the plan's currency with the rate in effect on
 * `day`; records a located error (TALLY_ERR_INPUT) naming `id` when there is none. */
int tally_engine__convert(tally_session *session, const char *id, const tally_currency *from,
                          tally_day day, tally_decimal *amount);
/* Records that a row converted with `from`'s rates on `day` was accepted. */
void tally_engine__note_conversion(tally_session *session, const tally_currency *from,
                                   tally_day day);
void tally_engine__free_fx(tally_session *session);

/* ---- returns.c ---- */
/* Books every pending return into its bucket; fails without booking any. */
int tally_engine__resolve_returns(tally_session *session);

/* ---- finish.c ---- */
int tally_engine__finish(tally_session *session, tally_result **out);

/* rates.c: the payee's partner-tier multiplier of a component, or NULL for none. */
const tally_decimal *tally_engine__multiplier(const tally_session *session,
                                             const tally_component *c, uint32_t payee);
/* rates.c: whether rows apply the multiplier themselves (per-transaction rounding of
 * payouts made by rows); otherwise the period's total is multiplied at finish. */
int tally_engine__multiplies_per_row(const tally_component *c);
/* rates.c: whole-mode period tiers rounded per transaction: rows round what they
 * would pay in every band, and finish takes the sums of the band reached. */
int tally_engine__rounds_bands_per_row(const tally_component *c);

/* Partner lookups by symbol in session->names. */
static inline const tally_partner_record *
tally_engine__partner(const tally_session *session, uint32_t symbol)
{
    if (symbol == TALLY_NO_SYMBOL || symbol >= session->partner_capacity ||
        !session->partners[symbol].present)
        return NULL;
    return &session->partners[symbol];
}

#endif /* TALLY_ENGINE_ENGINE_H */
