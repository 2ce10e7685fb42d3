/*
 * Affiliates: a percentage of each eligible sale, paid to the partner.
 */
#include "engine/rows.h"

int
tally_engine__affiliate_row(tally_session *session, tally_row *row, uint32_t component)
{
    const tally_component *c = session->components[component].model;
    tally_decimal payout;
    int status = tally_engine__mul(session, row, &payout, &row->input->amount, &c->rate.flat);
    if (status == TALLY_OK)
        status = tally_engine__round_row(session, c, row, row->partner, &payout);
    if (status != TALLY_OK)
        return status;
    return tally_engine__add_update(session, row, component, row->partner, &row->input->amount,
                                    &row->input->quantity, &payout);
}
