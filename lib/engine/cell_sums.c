/*
 * The running totals of cells (cells.c), kept small so that more of them stay in
 * the cache: a total is a signed 64-bit coefficient at a scale, which covers the
 * amounts and quantities of real files. A cell whose amount or quantity outgrows
 * that (more than 18 digits, a value over 2^63, or a scale over 18) keeps both as
 * exact decimals in session->wide_cells from then on. Either way the totals are
 * exactly what tally_decimal_add() would give, scale included: the larger scale of
 * the two operands.
 */
#include <string.h>

#include "core/context.h"
#include "engine/rows.h"

#define SMALL_SCALE_MAX 18

static const int64_t powers[SMALL_SCALE_MAX + 1] = {
    1,
    10,
    100,
    1000,
    10000,
    100000,
    1000000,
    10000000,
    100000000,
    1000000000,
    10000000000,
    100000000000,
    1000000000000,
    10000000000000,
    100000000000000,
    1000000000000000,
    10000000000000000,
    100000000000000000,
    1000000000000000000};

/* value × 10^digits within 64 bits. */
static int
scale_up(int64_t value, int digits, int64_t *out)
{
    return digits <= SMALL_SCALE_MAX && !__builtin_mul_overflow(value, powers[digits], out);
}

/* total (at `scale`) + value, at the larger scale, within 64 bits; 0 otherwise. */
static int
add_small(int64_t total, int scale, const tally_decimal *value, int64_t *sum, uint8_t *sum_scale)
{
    if (value->coefficient_hi || value->coefficient_lo > (uint64_t)INT64_MAX ||
        value->scale > SMALL_SCALE_MAX)
        return 0;
    int64_t x = (int64_t)value->coefficient_lo, a, b;
    if (value->negative)
        x = -x;
    if (value->scale == scale) { /* the usual case: nothing to align */
        *sum_scale = (uint8_t)scale;
        return !__builtin_add_overflow(total, x, sum);
    }
    int to = scale > value->scale ? scale : value->scale;
    if (!scale_up(total, to - scale, &a) || !scale_up(x, to - value->scale, &b) ||
        __builtin_add_overflow(a, b, sum))
        return 0;
    *sum_scale = (uint8_t)to;
    return 1;
}

static void
to_decimal(int64_t coefficient, int scale, tally_decimal *out)
{
    /* |INT64_MIN| fits in 64 unsigned bits: negate in unsigned arithmetic. */
    uint64_t magnitude = coefficient < 0 ? 0 - (uint64_t)coefficient : (uint64_t)coefficient;
    out->coefficient_lo = magnitude;
    out->coefficient_hi = 0;
    out->scale = scale;
    out->negative = coefficient < 0;
}

void
tally_engine__cell_totals(const tally_session *session, const tally_cell *cell,
                          tally_decimal *amount, tally_decimal *quantity)
{
    if (cell->wide) {
        const tally_cell_wide *w = &session->wide_cells[cell->amount];
        *amount = w->amount;
        *quantity = w->quantity;
        return;
    }
    to_decimal(cell->amount, cell->amount_scale, amount);
    to_decimal(cell->quantity, cell->quantity_scale, quantity);
}

static int
reserve_wide(tally_session *session, size_t more)
{
    if (session->wide_capacity - session->wide_count >= more)
        return TALLY_OK;
    tally_cell_wide *grown =
        tally_ctx__grow(session->ctx, session->wide_cells, &session->wide_capacity,
                        session->wide_count + more, sizeof(*grown), 16);
    if (!grown)
        return TALLY_ERR_NOMEM;
    session->wide_cells = grown;
    return TALLY_OK;
}

/* The exact way: both totals as decimals from now on. */
static int
plan_wide(tally_session *session, const tally_row *row, const tally_cell *cell, size_t pending,
          tally_cell_update *u)
{
    tally_decimal amount, quantity;
    tally_engine__cell_totals(session, cell, &amount, &quantity);
    int status;
    if ((status = tally_engine__add(session, row, &u->wide.amount, &amount,
                                    &row->input->amount)) != TALLY_OK ||
        (status = tally_engine__add(session, row, &u->wide.quantity, &quantity,
                                    &row->input->quantity)) != TALLY_OK)
        return status;
    u->after = *cell;
    u->to_wide = 1;
    if (!cell->wide) {
        if ((status = reserve_wide(session, pending + 1)) != TALLY_OK)
            return status;
        u->after.wide = 1;
        u->after.amount = (int64_t)(session->wide_count + pending);
        u->after.quantity = 0;
    }
    return TALLY_OK;
}

int
tally_engine__plan_cell_sum(tally_session *session, const tally_row *row,
                            const tally_cell *cell, size_t pending, tally_cell_update *u)
{
    const tally_transaction *t = row->input;
    u->to_wide = 0;
    if (!cell->wide) {
        u->after = *cell;
        if (add_small(cell->amount, cell->amount_scale, &t->amount, &u->after.amount,
                      &u->after.amount_scale) &&
            add_small(cell->quantity, cell->quantity_scale, &t->quantity, &u->after.quantity,
                      &u->after.quantity_scale))
            return TALLY_OK;
    }
    return plan_wide(session, row, cell, pending, u);
}

void
tally_engine__store_cell_sum(tally_session *session, tally_cell *cell,
                             const tally_cell_update *u)
{
    uint64_t rows = cell->rows;
    tally_day latest = cell->latest;
    *cell = u->after;
    cell->rows = rows;
    cell->latest = latest;
    if (u->to_wide) {
        session->wide_cells[cell->amount] = u->wide;
        if ((size_t)cell->amount >= session->wide_count)
            session->wide_count = (size_t)cell->amount + 1;
    }
}

/* Small cells are the point: two to a cache line. */
_Static_assert(sizeof(tally_cell) == 32, "a cell is 32 bytes");
