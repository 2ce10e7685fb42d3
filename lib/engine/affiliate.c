/*
 * Affiliates: a percentage of each eligible sale, paid to the partner.
 */
#include "engine/rows.h"

int
tally_engine__affiliate_row(tally_session *session, tally_row *row, uint32_t component)
{
    return tally_engine__pay_rate(session, row, component,
                                  &session->components[component].model->rate.flat);
}
