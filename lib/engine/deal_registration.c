/*
 * Deal registration: an extra rate (uplift) on the transactions the partner
 * registered first, judged by the transaction's own flag (domain.md 9.13).
 */
#include "engine/rows.h"

int
tally_engine__deal_registration_row(tally_session *session, tally_row *row,
                                    uint32_t component)
{
    if (!row->input->deal_registered)
        return TALLY_OK;
    const tally_component *c = session->components[component].model;
    tally_decimal payout;
    int status = tally_engine__mul(session, row, &payout, &row->input->amount, &c->uplift);
    if (status == TALLY_OK)
        status = tally_engine__round_row(session, c, row, row->partner, &payout);
    if (status != TALLY_OK)
        return status;
    return tally_engine__add_update(session, row, component, row->partner, &row->input->amount,
                                    &row->input->quantity, &payout);
}
