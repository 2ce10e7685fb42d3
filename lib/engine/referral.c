/*
 * Referral fees (domain.md 9.12): each eligible transaction with a positive
 * amount is one converted referral and earns the flat fee; a return claws one
 * fee back. A return naming its original claws back at most once per original,
 * whatever the order the rows arrive in.
 */
#include "engine/rows.h"

int
tally_engine__referral_row(tally_session *session, tally_row *row, uint32_t component)
{
    const tally_component *c = session->components[component].model;
    const tally_transaction *t = row->input;
    int sign = tally_decimal_sign(&t->amount);
    if (sign == 0)
        return TALLY_OK;
    tally_decimal fee = c->fee, count = {1, 0, 0, 0};
    if (sign < 0) {
        if (t->original_id && t->original_id[0]) {
            int already = 0;
            int status = tally_engine__mark(session, row, 'C', component, t->original_id, &already);
            if (status != TALLY_OK || already)
                return status;
        }
        tally_decimal_negate(&fee, &fee);
        tally_decimal_negate(&count, &count);
    }
    return tally_engine__add_update(session, row, component, row->partner, &t->amount, &count,
                                    &fee);
}
