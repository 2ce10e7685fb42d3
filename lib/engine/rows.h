/*
 * A transaction on its way in: what it is, and the updates it makes to buckets.
 * Planning computes every update and every new total first (and may fail);
 * applying then only stores them, so a row is taken whole or not at all.
 */
#ifndef TALLY_ENGINE_ROWS_H
#define TALLY_ENGINE_ROWS_H

#include "core/decimal.h"
#include "engine/engine.h"
#include "engine/splits.h"

/* One bucket's change from one row. */
typedef struct tally_update {
    uint32_t component; /* index in session->components */
    uint32_t payee;
    int32_t period;
    int32_t settlement;
    tally_decimal amount;
    tally_decimal quantity;
    tally_decimal payout;
    size_t band_offset;           /* per-band rounded payouts in the row's band pool */
    size_t band_count;            /* 0 when the component does not round bands per row */
    size_t fraction_band;         /* interpolated part to divide at finish, or SIZE_MAX */
    tally_decimal fraction;
    tally_decimal new_fraction;
    size_t bucket;                /* set while planning */
    tally_decimal new_amount;     /* the bucket's totals after the row */
    tally_decimal new_quantity;
    tally_decimal new_payout;
} tally_update;

#define TALLY_MAX_ROW_UPDATES 256
#define TALLY_MAX_ROW_MARKS 64

/* One cell's change from one row (cells.c). */
typedef struct tally_cell_update {
    size_t cell;
    tally_cell after;      /* the cell's totals after the row (rows and latest aside) */
    int to_wide;           /* the totals outgrow 64 bits with this row: */
    tally_cell_wide wide;  /* these go to session->wide_cells[after.amount] */
} tally_cell_update;

#define TALLY_MAX_ROW_CELLS 64
#define TALLY_MAX_ROW_BANDS 512

/* What a batch found out about a row before its turn (intake.c). */
typedef struct tally_row_hint {
    const tally_engine_version *version; /* NULL: nothing known (then the rest is unset) */
    tally_day day;                       /* the date, read and valid */
    int32_t month;
    uint32_t partner; /* symbols found ahead, or TALLY_NO_SYMBOL: symbols are never */
    uint32_t rep;     /* removed, so one found stays right */
    size_t blocks[2]; /* cells.c: the first cells of those blocks, or SIZE_MAX when not
                         found ahead (blocks are never removed while rows come in) */
} tally_row_hint;

typedef struct tally_row {
    const tally_row_hint *hint; /* NULL when the row came alone */
    const tally_transaction *input; /* amounts already in the plan's currency */
    tally_decimal original_amount;  /* as given, for the input digest */
    const tally_currency *converted_from; /* NULL when given in the plan's currency */
    tally_day date;
    int32_t month; /* year × 12 + month − 1 of the date */
    const tally_engine_version *version;
    uint32_t partner; /* symbol, or TALLY_NO_SYMBOL before planning */
    const tally_partner_record *partner_record; /* NULL without a partner table */
    uint32_t transaction; /* symbol, or TALLY_NO_SYMBOL when ids are not kept */
    tally_split split; /* parsed split column; count 0 when absent */
    /* The interpolated numerator of the payout being booked (rates.c), handed to
     * the next update; kept only when that payout is not rounded on its own. */
    int keep_fraction;
    size_t fraction_band;
    tally_decimal fraction;
    /* Per-band payouts of updates that round bands per row, then the buckets'
     * new sums at the same places. */
    tally_decimal band_pool[TALLY_MAX_ROW_BANDS];
    tally_decimal band_new[TALLY_MAX_ROW_BANDS];
    size_t band_used;
    tally_cell_update cell_updates[TALLY_MAX_ROW_CELLS];
    size_t cell_update_count;
    tally_update updates[TALLY_MAX_ROW_UPDATES];
    size_t update_count;
    /* Marks to set when the row is applied (symbols in session->sale_marks). */
    uint32_t marks[TALLY_MAX_ROW_MARKS];
    size_t mark_count;
    /* SPIFF sales to record (at the mark symbols given). */
    tally_spiff_sale sales[TALLY_MAX_ROW_MARKS];
    uint32_t sale_marks[TALLY_MAX_ROW_MARKS];
    size_t sale_count;
    /* Returns to resolve at finish. */
    tally_pending_return pending[TALLY_MAX_ROW_MARKS];
    size_t pending_count;
} tally_row;

/* Hands the row's kept interpolated numerator to what books the payout (an update,
 * or a return waiting for its original), and only to it. */
static inline void
tally_engine__take_fraction(tally_row *row, size_t *band, tally_decimal *fraction)
{
    *band = row->fraction_band;
    *fraction = row->fraction;
    row->fraction_band = SIZE_MAX;
}

/* What a component kind adds for one row (rebate.c, commission.c, ...). */
typedef int (*tally_contribute_fn)(tally_session *session, tally_row *row,
                                   uint32_t component);

/* cells.c: plans the row's cell updates (fallible), then stores them. */
int tally_engine__plan_cells(tally_session *session, tally_row *row);
void tally_engine__apply_cells(tally_session *session, const tally_row *row);

/* cell_sums.c: the cell's totals after adding a row's amount and quantity, into
 * u->after (and u->wide); `pending` cells of the same row go wide before this one.
 * Fails, changing nothing, when room for a wide cell is missing or a total would
 * need more than 38 digits. */
int tally_engine__plan_cell_sum(tally_session *session, const tally_row *row,
                                const tally_cell *cell, size_t pending, tally_cell_update *u);
/* cell_sums.c: stores a planned update (cannot fail). */
void tally_engine__store_cell_sum(tally_session *session, tally_cell *cell,
                                  const tally_cell_update *u);
/* cell_sums.c: a cell's totals as decimals. */
void tally_engine__cell_totals(const tally_session *session, const tally_cell *cell,
                               tally_decimal *amount, tally_decimal *quantity);
/* Batches: brings the index slots (stage 0), then the cells (stage 1) of the blocks
 * a row will use into the cache. Changes nothing but the hint's slots. */
void tally_engine__prefetch_cells(const tally_session *session, tally_row_hint *hint,
                                  int stage);

/* contribution.c: plans every update of a row; rejects it on overflow. */
int tally_engine__plan_row(tally_session *session, tally_row *row);
/* contribution.c: room for `more` source links (none when ids are not kept). */
int tally_engine__reserve_sources(tally_session *session, size_t more);
/* contribution.c: stores the planned totals and source ids; cannot fail. */
void tally_engine__apply_row(tally_session *session, tally_row *row);

/* Appends an update for the row's component to `payee` at the row's period. */
int tally_engine__add_update(tally_session *session, tally_row *row, uint32_t component,
                             uint32_t payee, const tally_decimal *amount,
                             const tally_decimal *quantity, const tally_decimal *payout);

/* splits.c: parses the row's split column into row->split (payees interned). */
int tally_engine__parse_split(tally_session *session, tally_row *row, char *message,
                              size_t message_size);

/* marks.c: a per-sale fact such as "this sale's referral fee was clawed back".
 * Stores 1 in *already when a row already applied carries the mark; otherwise
 * queues it on the row, to be set when the row is applied. */
int tally_engine__mark(tally_session *session, tally_row *row, char kind, uint32_t component,
                       const char *id, int *already);
void tally_engine__apply_marks(tally_session *session, const tally_row *row);
/* marks.c: the symbol of a mark set by an applied row, or TALLY_NO_SYMBOL. */
uint32_t tally_engine__find_mark(const tally_session *session, char kind, uint32_t slot,
                                 const char *id);
#define TALLY_MARK_KEY_SIZE 600

/* returns.c: queues a return for resolution at finish (copies its ids). */
int tally_engine__defer_return(tally_session *session, tally_row *row, tally_pending_kind kind,
                               uint32_t component, uint32_t payee, const tally_decimal *amount,
                               const tally_decimal *quantity, const tally_decimal *payout);
/* returns.c: whether a kind's return is booked in its original's period instead. */
int tally_engine__attributes_to_original(const tally_session *session, const tally_row *row,
                                         uint32_t component);
/* contribution.c: whole period tiers rounded per transaction — what a row pays in
 * each band, multiplied by its payee's multiplier and rounded on its own, for
 * finish to take the band the period reaches (the payout is only known then).
 * `out` has room for the component's bands. */
int tally_engine__band_values(tally_session *session, const tally_row *row, uint32_t component,
                              uint32_t payee, const tally_decimal *amount,
                              const tally_decimal *quantity, tally_decimal *out);

/* Adds an update, or defers it when the component attributes returns to originals. */
int tally_engine__book(tally_session *session, tally_row *row, uint32_t component,
                       uint32_t payee, const tally_decimal *amount, const tally_decimal *quantity,
                       const tally_decimal *payout);

/* eligibility.c */
int tally_engine__eligible(const tally_session *session, const tally_eligibility *rules,
                           const tally_row *row);

/* rates.c: the payout one row earns under a rate spec; *eligible 0 when it earns nothing
 * because the row has no rate (a category without a rate). */
int tally_engine__row_payout(tally_session *session, const tally_component *component,
                             tally_row *row, tally_decimal *out, int *eligible);
/* With per-transaction rounding: applies the payee's multiplier and rounds the row's
 * payout; otherwise leaves it alone (finish.c multiplies and rounds the total). */
int tally_engine__round_row(tally_session *session, const tally_component *component,
                            const tally_row *row, uint32_t payee, tally_decimal *payout);

/* rates.c: whether a row's interpolated payout for this component can wait for its
 * division until finish (transaction-basis interpolated tiers rounded per payout),
 * in the row's own period or, for a return counted there, its original's. */
int tally_engine__keeps_fraction(const tally_session *session, uint32_t component);
/* rates.c: the value a sorted rate table gives a key, or NULL (no key, no entry). */
const tally_decimal *tally_engine__keyed_rate(const tally_rate_table *table, const char *key);
/* rates.c: the payee of a row: its rep when the component pays rep-or-partner and
 * the row names one (interned), else its partner. */
uint32_t tally_engine__payee(tally_session *session, const tally_row *row,
                             const tally_component *c, int *status);
/* rates.c: books amount × rate to the partner (rounded per transaction if asked). */
int tally_engine__pay_rate(tally_session *session, tally_row *row, uint32_t component,
                           const tally_decimal *rate);

/* The kinds. */
int tally_engine__rebate_row(tally_session *session, tally_row *row, uint32_t component);
int tally_engine__commission_row(tally_session *session, tally_row *row, uint32_t component);
int tally_engine__affiliate_row(tally_session *session, tally_row *row, uint32_t component);
int tally_engine__referral_row(tally_session *session, tally_row *row, uint32_t component);
int tally_engine__deal_registration_row(tally_session *session, tally_row *row,
                                        uint32_t component);
int tally_engine__spiff_row(tally_session *session, tally_row *row, uint32_t component);
int tally_engine__growth_row(tally_session *session, tally_row *row, uint32_t component);
int tally_engine__mdf_row(tally_session *session, tally_row *row, uint32_t component);

/* Checked decimal steps that record an overflow with the row's id. */
int tally_engine__add_wide(tally_session *session, const tally_row *row, tally_decimal *out,
                           const tally_decimal *a, const tally_decimal *b);
static inline int
tally_engine__add(tally_session *session, const tally_row *row, tally_decimal *out,
                  const tally_decimal *a, const tally_decimal *b)
{
    return tally_dec__add_small(out, a, b) ? TALLY_OK
                                           : tally_engine__add_wide(session, row, out, a, b);
}
int tally_engine__mul(tally_session *session, const tally_row *row, tally_decimal *out,
                      const tally_decimal *a, const tally_decimal *b);

#endif /* TALLY_ENGINE_ROWS_H */
