/*
 * Commissions (domain.md 8 and 9.11): a rate or attainment tiers on the payee's
 * revenue; the payee is the rep when the plan says rep-or-partner; a split
 * divides a transaction among payees. A split commission is rounded first; payees
 * 2 ... n get round(commission × pct / 100) and payee 1 the remainder, so the
 * parts always add up to the rounded whole. On period-basis tiers a split divides
 * the revenue credited to each payee instead, exactly.
 */
#include <string.h>

#include "core/context.h"
#include "engine/rows.h"
#include "engine/splits.h"

static int
credit_revenue(tally_session *session, tally_row *row, uint32_t component,
               const tally_split *split)
{
    static const tally_decimal hundredth = {1, 0, 2, 0}, zero = {0, 0, 0, 0};
    for (size_t i = 0; i < split->count; i++) {
        tally_decimal share, amount, quantity;
        int status;
        if ((status = tally_engine__mul(session, row, &share, &split->parts[i].percent,
                                        &hundredth)) ||
            (status = tally_engine__mul(session, row, &amount, &row->input->amount, &share)) ||
            (status = tally_engine__mul(session, row, &quantity, &row->input->quantity, &share)) ||
            (status = tally_engine__book(session, row, component, split->parts[i].payee,
                                               &amount, &quantity, &zero)))
            return status;
    }
    return TALLY_OK;
}

static int
split_commission(tally_session *session, tally_row *row, uint32_t component,
                 const tally_split *split, const tally_decimal *commission)
{
    static const tally_decimal hundredth = {1, 0, 2, 0};
    const tally_component *c = session->components[component].model;
    tally_decimal whole, rest;
    if (tally_decimal_round(&whole, commission, c->rounding.scale, c->rounding.mode) != TALLY_OK)
        return tally_ctx__error(session->ctx, TALLY_ERR_OVERFLOW,
                                "transaction \"%s\": commission out of range", row->input->id);
    rest = whole;
    tally_decimal parts[TALLY_MAX_SPLIT_PAYEES];
    for (size_t i = 1; i < split->count; i++) {
        tally_decimal share;
        int status;
        if ((status = tally_engine__mul(session, row, &share, &split->parts[i].percent,
                                        &hundredth)) ||
            (status = tally_engine__mul(session, row, &share, &whole, &share)))
            return status;
        if (tally_decimal_round(&parts[i], &share, c->rounding.scale, c->rounding.mode) ||
            tally_decimal_sub(&rest, &rest, &parts[i]))
            return tally_ctx__error(session->ctx, TALLY_ERR_OVERFLOW,
                                    "transaction \"%s\": split out of range", row->input->id);
    }
    parts[0] = rest;
    for (size_t i = 0; i < split->count; i++) {
        tally_decimal share, amount, quantity;
        int status;
        /* Each part is its payee's: its multiplier, with per-transaction rounding. */
        if ((status = tally_engine__round_row(session, c, row, split->parts[i].payee,
                                              &parts[i])) ||
            (status = tally_engine__mul(session, row, &share, &split->parts[i].percent,
                                        &hundredth)) ||
            (status = tally_engine__mul(session, row, &amount, &row->input->amount, &share)) ||
            (status = tally_engine__mul(session, row, &quantity, &row->input->quantity, &share)) ||
            (status = tally_engine__book(session, row, component, split->parts[i].payee,
                                               &amount, &quantity, &parts[i])))
            return status;
    }
    return TALLY_OK;
}

int
tally_engine__commission_row(tally_session *session, tally_row *row, uint32_t component)
{
    const tally_component *c = session->components[component].model;
    tally_decimal payout;
    int eligible, status;
    row->keep_fraction = !(c->apply_splits && row->split.count) &&
                         tally_engine__keeps_fraction(session, component);
    if ((status = tally_engine__row_payout(session, c, row, &payout, &eligible)) != TALLY_OK)
        return status;
    if (!eligible)
        return TALLY_OK;
    if (c->apply_splits && row->split.count) {
        int period_tiers =
            c->rate.kind == TALLY_RATE_TIERS && c->rate.tiers.basis == TALLY_BASIS_PERIOD;
        return period_tiers ? credit_revenue(session, row, component, &row->split)
                            : split_commission(session, row, component, &row->split, &payout);
    }
    uint32_t payee = tally_engine__payee(session, row, c, &status);
    if (status != TALLY_OK ||
        (status = tally_engine__round_row(session, c, row, payee, &payout)) != TALLY_OK)
        return status;
    return tally_engine__book(session, row, component, payee, &row->input->amount,
                                    &row->input->quantity, &payout);
}
