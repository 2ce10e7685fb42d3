/*
 * Referral fees (domain.md 9.12): each eligible transaction with a positive
 * amount is one converted referral and earns the flat fee; a return claws one
 * fee back. A return naming its original claws back at most once per original,
 * in the period of its earliest return (resolved in returns.c once every row is
 * known, so the input order does not matter), and only when the original earned
 * a fee or is not among the transactions (then it cannot be checked).
 */
#include "engine/rows.h"

int
tally_engine__referral_row(tally_session *session, tally_row *row, uint32_t component)
{
    const tally_component *c = session->components[component].model;
    const tally_transaction *t = row->input;
    int sign = tally_decimal_sign(&t->amount);
    tally_decimal fee = c->fee, count = {1, 0, 0, 0};
    if (sign > 0) {
        int already = 0;
        int status = tally_engine__mark(session, row, 'E', component, t->id, &already);
        if (status != TALLY_OK)
            return status;
        return tally_engine__add_update(session, row, component, row->partner, &t->amount,
                                        &count, &fee);
    }
    if (sign == 0)
        return TALLY_OK;
    tally_decimal_negate(&fee, &fee);
    tally_decimal_negate(&count, &count);
    if (t->original_id && t->original_id[0])
        return tally_engine__defer_return(session, row, TALLY_PENDING_REFERRAL_RETURN,
                                          component, row->partner, &t->amount, &count, &fee);
    return tally_engine__add_update(session, row, component, row->partner, &t->amount, &count,
                                    &fee);
}
