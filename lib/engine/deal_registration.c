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
    return tally_engine__pay_rate(session, row, component,
                                  &session->components[component].model->uplift);
}
