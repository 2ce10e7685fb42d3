/*
 * What a single row earns under a component's rate: flat, per unit, by product
 * or customer category, or tiers measured on the transaction alone. Period-basis
 * tiers earn nothing per row: they are paid on the period total in finish.c.
 */
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "core/decimal.h"
#include "engine/rows.h"
#include "engine/tiers.h"

static const tally_decimal zero = {0, 0, 0, 0};

static int
compare_key(const void *key, const void *element)
{
    return strcmp((const char *)key, ((const tally_keyed_rate *)element)->key);
}

const tally_decimal *
tally_engine__keyed_rate(const tally_rate_table *table, const char *key)
{
    if (!key || !key[0] || !table->count)
        return NULL;
    const tally_keyed_rate *entry =
        bsearch(key, table->entries, table->count, sizeof(tally_keyed_rate), compare_key);
    return entry ? &entry->value : NULL;
}

int
tally_engine__add_wide(tally_session *session, const tally_row *row, tally_decimal *out,
                       const tally_decimal *a, const tally_decimal *b)
{
    if (tally_decimal_add(out, a, b) == TALLY_OK)
        return TALLY_OK;
    return tally_ctx__error(session->ctx, TALLY_ERR_OVERFLOW,
                            "transaction \"%s\": a total would need more than %d digits",
                            row->input->id, TALLY_DECIMAL_MAX_DIGITS);
}

int
tally_engine__mul(tally_session *session, const tally_row *row, tally_decimal *out,
                  const tally_decimal *a, const tally_decimal *b)
{
    if (tally_decimal_mul(out, a, b) == TALLY_OK)
        return TALLY_OK;
    return tally_ctx__error(session->ctx, TALLY_ERR_OVERFLOW,
                            "transaction \"%s\": a payout would need more than %d digits",
                            row->input->id, TALLY_DECIMAL_MAX_DIGITS);
}

/* Tiers on one transaction: |value| looked up, minimum per transaction, sign restored. */
static int
transaction_tiers(tally_session *session, const tally_component *c, tally_row *row,
                  tally_decimal *out)
{
    const tally_tier_table *tiers = &c->rate.tiers;
    tally_decimal amount, quantity;
    tally_decimal_abs(&amount, &row->input->amount);
    tally_decimal_abs(&quantity, &row->input->quantity);
    const tally_decimal *measured = tiers->measure == TALLY_MEASURE_QUANTITY ? &quantity : &amount;
    *out = zero;
    int below = 0;
    if (c->has_minimum && tally_decimal_compare(&below, measured, &c->minimum) == TALLY_OK &&
        below < 0)
        return TALLY_OK;
    tally_band_share shares[TALLY_MAX_BANDS];
    size_t used;
    int status;
    if (tiers->mode == TALLY_TIERS_INTERPOLATED && row->keep_fraction)
        status = tally_tiers__interpolated_parts(tiers, measured, out, &row->fraction_band,
                                                 &row->fraction);
    else
        status = tally_tiers__pay(tiers, measured, &amount, &quantity, NULL, out, shares, &used);
    if (status != TALLY_OK)
        return tally_ctx__error(session->ctx, TALLY_ERR_OVERFLOW,
                                "transaction \"%s\": a tier payout would need more than %d digits",
                                row->input->id, TALLY_DECIMAL_MAX_DIGITS);
    if (tally_tiers__negative(tiers, &row->input->amount, &row->input->quantity)) {
        tally_decimal_negate(out, out);
        tally_decimal_negate(&row->fraction, &row->fraction);
    }
    return TALLY_OK;
}

int
tally_engine__row_payout(tally_session *session, const tally_component *c, tally_row *row,
                         tally_decimal *out, int *eligible)
{
    const tally_transaction *t = row->input;
    const tally_decimal *rate = NULL;
    *eligible = 1;
    *out = zero;
    switch (c->rate.kind) {
    case TALLY_RATE_NONE:
        return TALLY_OK;
    case TALLY_RATE_FLAT:
        return tally_engine__mul(session, row, out, &t->amount, &c->rate.flat);
    case TALLY_RATE_PER_UNIT:
        return tally_engine__mul(session, row, out, &t->quantity, &c->rate.flat);
    case TALLY_RATE_CATEGORY:
        rate = tally_engine__keyed_rate(&c->rate.table, t->category);
        break;
    case TALLY_RATE_CUSTOMER_CATEGORY:
        rate = tally_engine__keyed_rate(&c->rate.table, t->customer_category);
        break;
    case TALLY_RATE_TIERS:
        if (c->rate.tiers.basis == TALLY_BASIS_TRANSACTION)
            return transaction_tiers(session, c, row, out);
        return TALLY_OK;
    }
    /* A category without a rate is not eligible (domain.md 9.3). */
    if (!rate) {
        *eligible = 0;
        return TALLY_OK;
    }
    return tally_engine__mul(session, row, out, &t->amount, rate);
}

const tally_decimal *
tally_engine__multiplier(const tally_session *session, const tally_component *c, uint32_t payee)
{
    const tally_partner_record *partner = tally_engine__partner(session, payee);
    if (!c->multipliers.count || !partner || partner->tier == TALLY_NO_SYMBOL)
        return NULL;
    return tally_engine__keyed_rate(&c->multipliers, tally_symbols__text(&session->names, partner->tier));
}

int
tally_engine__rounds_bands_per_row(const tally_component *c)
{
    return c->rounding.point == TALLY_ROUNDING_PER_TRANSACTION &&
           c->rate.kind == TALLY_RATE_TIERS && c->rate.tiers.basis == TALLY_BASIS_PERIOD &&
           c->rate.tiers.mode == TALLY_TIERS_WHOLE;
}

int
tally_engine__multiplies_per_row(const tally_component *c)
{
    int period_tiers =
        c->rate.kind == TALLY_RATE_TIERS && c->rate.tiers.basis == TALLY_BASIS_PERIOD;
    return c->rounding.point == TALLY_ROUNDING_PER_TRANSACTION &&
           (!period_tiers || tally_engine__rounds_bands_per_row(c)) &&
           c->kind != TALLY_COMPONENT_GROWTH_REBATE;
}

int
tally_engine__round_row(tally_session *session, const tally_component *c, const tally_row *row,
                        uint32_t payee, tally_decimal *payout)
{
    if (c->rounding.point != TALLY_ROUNDING_PER_TRANSACTION)
        return TALLY_OK;
    const tally_decimal *multiplier = tally_engine__multiplier(session, c, payee);
    int status = TALLY_OK;
    if (multiplier)
        status = tally_engine__mul(session, row, payout, payout, multiplier);
    if (status == TALLY_OK &&
        tally_decimal_round(payout, payout, c->rounding.scale, c->rounding.mode) != TALLY_OK)
        status = tally_ctx__error(session->ctx, TALLY_ERR_OVERFLOW,
                                  "transaction \"%s\": the rounded payout is out of range",
                                  row->input->id);
    return status;
}

uint32_t
tally_engine__payee(tally_session *session, const tally_row *row, const tally_component *c,
                    int *status)
{
    const char *rep = row->input->rep;
    *status = TALLY_OK;
    if (c->payee != TALLY_PAYEE_REP_OR_PARTNER || !rep || !rep[0])
        return row->partner;
    uint32_t symbol = TALLY_NO_SYMBOL;
    *status = tally_symbols__intern(&session->names, session->ctx, rep, strlen(rep), &symbol);
    return symbol;
}

int
tally_engine__pay_rate(tally_session *session, tally_row *row, uint32_t component,
                       const tally_decimal *rate)
{
    const tally_component *c = session->components[component].model;
    tally_decimal payout;
    int status = tally_engine__mul(session, row, &payout, &row->input->amount, rate);
    if (status == TALLY_OK)
        status = tally_engine__round_row(session, c, row, row->partner, &payout);
    if (status != TALLY_OK)
        return status;
    return tally_engine__add_update(session, row, component, row->partner, &row->input->amount,
                                    &row->input->quantity, &payout);
}

int
tally_engine__keeps_fraction(const tally_session *session, uint32_t component)
{
    const tally_component *c = session->components[component].model;
    return c->rate.kind == TALLY_RATE_TIERS && c->rate.tiers.mode == TALLY_TIERS_INTERPOLATED &&
           c->rate.tiers.basis == TALLY_BASIS_TRANSACTION &&
           c->rounding.point == TALLY_ROUNDING_PER_PAYOUT;
}
