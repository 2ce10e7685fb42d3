/*
 * Rebates (domain.md section 8): a rate, per-unit amount, category rate or tier
 * table on the partner's eligible net revenue. Period-basis tiers only add to the
 * period totals here; finish.c pays them.
 */
#include "engine/rows.h"

int
tally_engine__rebate_row(tally_session *session, tally_row *row, uint32_t component)
{
    const tally_component *c = session->components[component].model;
    tally_decimal payout;
    int eligible, status;
    row->keep_fraction = tally_engine__keeps_fraction(session, component);
    if ((status = tally_engine__row_payout(session, c, row, &payout, &eligible)) != TALLY_OK)
        return status;
    if (!eligible)
        return TALLY_OK;
    if ((status = tally_engine__round_row(session, c, row, row->partner, &payout)) != TALLY_OK)
        return status;
    return tally_engine__book(session, row, component, row->partner, &row->input->amount,
                                    &row->input->quantity, &payout);
}
