/*
 * Baselines of growth rebates (domain.md 8, 9.8): a payee's eligible net revenue
 * in a baseline period, given as input. It is kept on the bucket of that period,
 * where finish.c looks for it before it falls back to the period's own totals.
 */
#include <string.h>

#include "core/context.h"
#include "engine/engine.h"

static int
reject(tally_session *session, const tally_baseline *b, const char *what)
{
    return tally_ctx__error(session->ctx, TALLY_ERR_INPUT,
                            "baseline of \"%.64s\" for \"%.64s\" in \"%.24s\": %s",
                            b->component ? b->component : "", b->payee ? b->payee : "",
                            b->period ? b->period : "", what);
}

int
tally_session_add_baseline(tally_session *session, const tally_baseline *baseline)
{
    if (!session)
        return TALLY_ERR_INVALID_ARGUMENT;
    tally_ctx__begin(session->ctx);
    int status = tally_engine__check_open(session, baseline, "baseline");
    if (status != TALLY_OK)
        return status;
    tally_baseline b;
    memset(&b, 0, sizeof(b));
    memcpy(&b, baseline, baseline->size < sizeof(b) ? baseline->size : sizeof(b));
    if (!b.payee || !b.payee[0] || !b.component || !b.component[0] || !b.period || !b.period[0])
        return reject(session, &b, "payee, component and period are required");
    if (tally_decimal_validate(&b.amount) != TALLY_OK)
        return reject(session, &b, "amount is not a valid decimal");
    uint32_t slot;
    if (!tally_engine__slot_named(session, b.component, &slot))
        return reject(session, &b, "the plan has no component with this id");
    const tally_slot *sl = &session->slots[slot];
    if (sl->kind != TALLY_COMPONENT_GROWTH_REBATE)
        return reject(session, &b, "the component is not a growth rebate");
    int32_t period;
    if (!tally_engine__period_of_label(&sl->period, b.period, &period))
        return reject(session, &b, "not a period of the component");
    uint32_t payee;
    tally_bucket *bucket;
    if ((status = tally_symbols__intern(&session->names, session->ctx, b.payee, strlen(b.payee),
                                        &payee)) != TALLY_OK ||
        (status = tally_engine__bucket(session, slot, payee, period, period, &bucket)) != TALLY_OK)
        return status;
    tally_bucket_extra *extra;
    if ((status = tally_engine__bucket_extra(session, bucket, &extra)) != TALLY_OK)
        return status;
    tally_decimal total;
    if (tally_decimal_add(&total, &extra->baseline, &b.amount) != TALLY_OK)
        return reject(session, &b, "baseline total out of range");
    extra->baseline = total;
    extra->has_baseline = 1;
    char amount[TALLY_DECIMAL_STRING_MAX];
    tally_decimal_format(amount, sizeof(amount), &b.amount);
    const char *fields[] = {b.payee, b.component, b.period, amount};
    tally_engine__digest_row(&session->input, "baseline", fields, 4);
    session->input.baselines++;
    return TALLY_OK;
}
