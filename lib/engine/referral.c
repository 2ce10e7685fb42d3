/*
 * Referral fees (domain.md 9.12): each eligible transaction with a positive
 * amount is one converted referral and earns the flat fee; a return claws one
 * fee back. A return naming its original claws back at most once per original,
 * in the period of its earliest return (resolved in returns.c once every row is
 * known, so the input order does not matter), when the original earned a fee —
 * whatever the return's own date or fields, like a SPIFF — or, for an original
 * not among the transactions, when the return itself is eligible. A return that
 * names no original claws back nothing: "once per referral" cannot be kept without
 * knowing which referral it returns (three partial credit notes of one sale would
 * take three fees).
 */
#include "core/decimal.h"
#include "engine/rows.h"

int
tally_engine__referral_row(tally_session *session, tally_row *row, uint32_t component)
{
    const tally_component *c = session->components[component].model;
    const tally_transaction *t = row->input;
    int sign = tally_dec__sign(&t->amount);
    int names_original = t->original_id && t->original_id[0];
    if (sign == 0 || (sign < 0 && !names_original))
        return TALLY_OK;
    int eligible = tally_engine__eligible(session, &c->eligibility, row);
    if (sign > 0 && !eligible)
        return TALLY_OK;
    tally_decimal fee = c->fee, count = {1, 0, 0, 0};
    int status = tally_engine__round_row(session, c, row, row->partner, &fee);
    if (status != TALLY_OK)
        return status;
    if (sign > 0) {
        /* Which sales earned is only asked of originals the session knows; trusting
         * ids, it knows none, and keeps no record per sale. */
        int already = 0;
        if (!(session->flags & TALLY_SESSION_TRUST_IDS) &&
            (status = tally_engine__mark(session, row, 'E', component, t->id, &already)) !=
                TALLY_OK)
            return status;
        return tally_engine__add_update(session, row, component, row->partner, &t->amount,
                                        &count, &fee);
    }
    tally_decimal_negate(&fee, &fee);
    tally_decimal_negate(&count, &count);
    status = tally_engine__defer_return(session, row, TALLY_PENDING_REFERRAL_RETURN, component,
                                        row->partner, &t->amount, &count, &fee);
    if (status == TALLY_OK)
        row->pending[row->pending_count - 1].eligible = eligible;
    return status;
}
