/*
 * Recovering clawbacks (domain.md 7): a negative line asks for its amount back.
 * It is recovered from the payee's earning lines of periods that end the same
 * day — of the same component, or of any component with recover-from="payee" —
 * and, with carry-forward, from later periods' earnings. Each clawback line
 * records requested, recovered and outstanding; each earning line what it had
 * withheld, so nothing disappears: Σ amounts = Σ (earned − withheld) − Σ outstanding.
 *
 * Payees are handled one by one, their lines in (period end, component, period)
 * order, so the outcome does not depend on the order of the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "engine/payout.h"

static const tally_decimal zero = {0, 0, 0, 0};

/* A line's place in recovery order: payee, period end, component, period, kind
 * (names by their ranks, so by text), ties in the order the lines were made. */
typedef struct order_entry {
    uint32_t payee;
    int32_t period_end;
    uint32_t component;
    uint32_t period;
    uint32_t kind;
    uint32_t index; /* storage index of the line */
} order_entry;

static int
compare_u32(uint32_t x, uint32_t y)
{
    return (x > y) - (x < y);
}

static int
in_recovery_order(const void *a, const void *b)
{
    const order_entry *x = a, *y = b;
    int order;
    if ((order = compare_u32(x->payee, y->payee)) != 0)
        return order;
    if (x->period_end != y->period_end)
        return x->period_end < y->period_end ? -1 : 1;
    if ((order = compare_u32(x->component, y->component)) != 0 ||
        (order = compare_u32(x->period, y->period)) != 0 ||
        (order = compare_u32(x->kind, y->kind)) != 0)
        return order;
    return compare_u32(x->index, y->index);
}

static tally_decimal
amount_of(const tally_line *line)
{
    tally_decimal amount;
    tally_line__value(line, TALLY_LINE_AMOUNT, &amount);
    return amount;
}

static int
is_ledger(const tally_line *line)
{
    return (line->engine & TALLY_LINE_LEDGER) != 0;
}

static int
min_of(tally_decimal *out, const tally_decimal *a, const tally_decimal *b)
{
    int order = 0;
    int status = tally_decimal_compare(&order, a, b);
    *out = order <= 0 ? *a : *b;
    return status;
}

/* One payee's lines in recovery order and, beside them, what recovery does to each
 * (both by position in the block). */
typedef struct work {
    tally_result *result;
    const order_entry *block;   /* the payee's lines, in recovery order */
    tally_recovery *recs;       /* by position in the block */
} work;

static tally_line *
line_at(const work *w, size_t position)
{
    return tally_result__line(w->result, w->block[position].index);
}

/* Moves up to the clawback's outstanding amount from one earning line to it. */
static int
recover_from(tally_recovery *clawback, const tally_line *earning_line, tally_recovery *earning)
{
    tally_decimal available, take, earned = amount_of(earning_line);
    if (tally_decimal_sub(&available, &earned, &earning->withheld) != TALLY_OK ||
        min_of(&take, &available, &clawback->outstanding) != TALLY_OK)
        return TALLY_ERR_OVERFLOW;
    if (tally_decimal_sign(&take) <= 0)
        return TALLY_OK;
    if (tally_decimal_add(&earning->withheld, &earning->withheld, &take) != TALLY_OK ||
        tally_decimal_add(&clawback->recovered, &clawback->recovered, &take) != TALLY_OK ||
        tally_decimal_sub(&clawback->outstanding, &clawback->outstanding, &take) != TALLY_OK)
        return TALLY_ERR_OVERFLOW;
    return TALLY_OK;
}

/* Recovers one clawback from the earning lines of a same-day group
 * (positions first ... first + count - 1 of the block). */
static int
recover_in_group(work *w, size_t clawback, size_t first, size_t count)
{
    const tally_line *claw = line_at(w, clawback);
    tally_recovery *rec = &w->recs[clawback];
    int status = TALLY_OK;
    for (size_t i = first; i < first + count && status == TALLY_OK; i++) {
        const tally_line *earning = line_at(w, i);
        if (tally_decimal_sign(&rec->outstanding) <= 0)
            break;
        tally_decimal earned = amount_of(earning);
        if (is_ledger(earning) || tally_decimal_sign(&earned) <= 0)
            continue;
        /* Names are interned: one text, one pointer. */
        if (!(claw->engine & TALLY_LINE_RECOVER_FROM_PAYEE) &&
            earning->key->component != claw->key->component)
            continue;
        status = recover_from(rec, earning, &w->recs[i]);
    }
    return status;
}

typedef struct payee_state {
    size_t *carried; /* positions of clawback lines still outstanding, oldest first */
    size_t carried_count;
} payee_state;

static int
recover_group(work *w, payee_state *state, size_t first, size_t count)
{
    int status = TALLY_OK;
    /* Older carried clawbacks first, then this period's, in order. */
    for (size_t i = 0; i < state->carried_count && status == TALLY_OK; i++)
        status = recover_in_group(w, state->carried[i], first, count);
    for (size_t i = first; i < first + count && status == TALLY_OK; i++) {
        const tally_line *line = line_at(w, i);
        tally_recovery *rec = &w->recs[i];
        tally_decimal amount = amount_of(line);
        if (is_ledger(line) || tally_decimal_sign(&amount) >= 0)
            continue;
        tally_decimal_negate(&rec->requested, &amount);
        rec->outstanding = rec->requested;
        rec->recovered = zero;
        status = recover_in_group(w, i, first, count);
        if (status == TALLY_OK && (line->engine & TALLY_LINE_CARRY_FORWARD) &&
            tally_decimal_sign(&rec->outstanding) > 0)
            state->carried[state->carried_count++] = i;
    }
    /* Fully recovered carried clawbacks leave the queue. */
    size_t kept = 0;
    for (size_t i = 0; i < state->carried_count; i++)
        if (tally_decimal_sign(&w->recs[state->carried[i]].outstanding) > 0)
            state->carried[kept++] = state->carried[i];
    state->carried_count = kept;
    return status;
}

/* Keeps a line's recovery in the result, when it has any, and adds it to the
 * line's explanation. */
static int
record(tally_finisher *f, tally_line *line, const tally_recovery *rec)
{
    int clawed = tally_decimal_sign(&rec->requested) > 0;
    if (!clawed && tally_decimal_sign(&rec->withheld) == 0)
        return TALLY_OK;
    if (tally_result__set_recovery(f->result, f->ctx, line, rec) != TALLY_OK)
        return TALLY_ERR_NOMEM;
    if (f->session->flags & TALLY_SESSION_NO_EXPLANATIONS)
        return TALLY_OK;
    tally_engine__clear_explanation(f);
    tally_engine__say(f, "%s", tally_line_explanation(line));
    if (clawed)
        tally_engine__say(f, "clawback: requested %s, recovered %s, outstanding %s\n",
                          tally_engine__show(f, &rec->requested),
                          tally_engine__show(f, &rec->recovered),
                          tally_engine__show(f, &rec->outstanding));
    else
        tally_engine__say(f, "withheld %s to recover clawbacks\n",
                          tally_engine__show(f, &rec->withheld));
    return tally_result__set_explanation(f->result, f->ctx, line, f->explanation.data);
}

static int
has_clawback(const work *w, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        tally_decimal amount = amount_of(line_at(w, i));
        if (!is_ledger(line_at(w, i)) && tally_decimal_sign(&amount) < 0)
            return 1;
    }
    return 0;
}

/* One payee: its same-day groups in order, then what happened kept per line. */
static int
recover_payee(tally_finisher *f, work *w, size_t count, payee_state *state)
{
    int status = TALLY_OK;
    state->carried_count = 0;
    memset(w->recs, 0, count * sizeof(tally_recovery));
    for (size_t start = 0; start < count && status == TALLY_OK;) {
        size_t end = start + 1;
        while (end < count &&
               line_at(w, end)->key->period_end == line_at(w, start)->key->period_end)
            end++;
        status = recover_group(w, state, start, end - start);
        start = end;
    }
    if (status == TALLY_ERR_OVERFLOW)
        return tally_ctx__error(f->ctx, TALLY_ERR_OVERFLOW,
                                "a clawback recovery needs more than %d digits",
                                TALLY_DECIMAL_MAX_DIGITS);
    for (size_t i = 0; i < count && status == TALLY_OK; i++)
        status = record(f, line_at(w, i), &w->recs[i]);
    return status;
}

/* Payees without a clawback line are left alone; the others get working room for
 * their own lines only. */
static int
recover_all(tally_finisher *f, const order_entry *order, size_t count)
{
    tally_ctx *ctx = f->ctx;
    work w = {f->result, NULL, NULL};
    payee_state state = {NULL, 0};
    size_t room = 0;
    int status = TALLY_OK;
    for (size_t start = 0; start < count && status == TALLY_OK;) {
        size_t end = start + 1;
        while (end < count && order[end].payee == order[start].payee)
            end++;
        w.block = order + start;
        if (has_clawback(&w, end - start)) {
            if (end - start > room) {
                tally_ctx__free(ctx, w.recs);
                tally_ctx__free(ctx, state.carried);
                room = end - start;
                w.recs = tally_ctx__calloc(ctx, room, sizeof(tally_recovery));
                state.carried = tally_ctx__calloc(ctx, room, sizeof(size_t));
                if (!w.recs || !state.carried)
                    status = TALLY_ERR_NOMEM;
            }
            if (status == TALLY_OK)
                status = recover_payee(f, &w, end - start, &state);
        }
        start = end;
    }
    tally_ctx__free(ctx, w.recs);
    tally_ctx__free(ctx, state.carried);
    return status;
}

/* Marks (by name rank) the payees with a clawback line; returns how many lines
 * those payees have, or SIZE_MAX when out of memory. */
static size_t
mark_payees(tally_finisher *f, uint8_t **marked)
{
    tally_result *result = f->result;
    *marked = tally_ctx__calloc(f->ctx, result->names.count + 1, 1);
    if (!*marked)
        return SIZE_MAX;
    for (size_t i = 0; i < result->line_count; i++) {
        const tally_line *line = tally_result__line(result, i);
        tally_decimal amount = amount_of(line);
        if (!is_ledger(line) && tally_decimal_sign(&amount) < 0)
            (*marked)[line->payee->rank] = 1;
    }
    size_t count = 0;
    for (size_t i = 0; i < result->line_count; i++)
        count += (*marked)[tally_result__line(result, i)->payee->rank];
    return count;
}

/* Only payees with a clawback line take part: the others have nothing to recover. */
int
tally_engine__recover_clawbacks(tally_finisher *f)
{
    tally_result *result = f->result;
    tally_ctx *ctx = f->ctx;
    int status = tally_result__rank_names(result, ctx);
    if (status != TALLY_OK)
        return status;
    uint8_t *marked;
    size_t count = mark_payees(f, &marked);
    if (count == SIZE_MAX)
        return TALLY_ERR_NOMEM;
    order_entry *order = count ? tally_ctx__calloc(ctx, count, sizeof(order_entry)) : NULL;
    if (count && !order) {
        tally_ctx__free(ctx, marked);
        return TALLY_ERR_NOMEM;
    }
    size_t n = 0;
    for (size_t i = 0; i < result->line_count && n < count; i++) {
        const tally_line *line = tally_result__line(result, i);
        if (marked[line->payee->rank])
            order[n++] = (order_entry){line->payee->rank,       line->key->period_end,
                                       line->key->component->rank, line->key->period->rank,
                                       line->kind,              (uint32_t)i};
    }
    tally_ctx__free(ctx, marked);
    if (n > 1)
        qsort(order, n, sizeof(order_entry), in_recovery_order);
    status = recover_all(f, order, n);
    tally_ctx__free(ctx, order);
    return status;
}
