/*
 * Prior settlements: payments already made, so that true-up lines pay only the
 * difference (domain.md 6). Each adds to the bucket of its settlement period.
 */
#include <string.h>

#include "core/context.h"
#include "engine/engine.h"

static int
reject(tally_session *session, const tally_settlement *s, const char *what)
{
    return tally_ctx__error(session->ctx, TALLY_ERR_INPUT,
                            "settlement of \"%.64s\" for \"%.64s\" in \"%.24s\": %s",
                            s->component ? s->component : "", s->payee ? s->payee : "",
                            s->period ? s->period : "", what);
}

static int
check(tally_session *session, const tally_settlement *s)
{
    if (!s->payee || !s->payee[0] || !s->component || !s->component[0] || !s->period ||
        !s->period[0])
        return reject(session, s, "payee, component and period are required");
    if (tally_decimal_validate(&s->amount) != TALLY_OK)
        return reject(session, s, "amount is not a valid decimal");
    if (s->currency && s->currency[0]) {
        const tally_currency *currency = NULL;
        if (tally_currency_lookup(NULL, &currency, s->currency) != TALLY_OK)
            return reject(session, s, "unknown currency");
        if (currency != session->plan->currency)
            return reject(session, s, "not in the plan's currency");
    }
    return TALLY_OK;
}

static void
digest(tally_session *session, const tally_settlement *s)
{
    char amount[TALLY_DECIMAL_STRING_MAX];
    tally_decimal_format(amount, sizeof(amount), &s->amount);
    const char *fields[] = {s->payee, s->component, s->period, amount,
                            tally_currency_code(session->plan->currency)};
    tally_engine__digest_row(&session->input, "settlement", fields, 5);
    session->input.settlements++;
}

int
tally_session_add_settlement(tally_session *session, const tally_settlement *settlement)
{
    if (!session)
        return TALLY_ERR_INVALID_ARGUMENT;
    tally_ctx__begin(session->ctx);
    int status = tally_engine__check_open(session, settlement, "settlement");
    if (status != TALLY_OK)
        return status;
    tally_settlement s;
    memset(&s, 0, sizeof(s));
    memcpy(&s, settlement, settlement->size < sizeof(s) ? settlement->size : sizeof(s));
    if ((status = check(session, &s)) != TALLY_OK)
        return status;
    uint32_t slot;
    if (!tally_engine__slot_named(session, s.component, &slot))
        return reject(session, &s, "the plan has no component with this id");
    int32_t index;
    const tally_slot *sl = &session->slots[slot];
    if (!tally_engine__period_of_label(&sl->settlement, s.period, &index))
        return reject(session, &s, "not a settlement period of the component");
    int32_t period =
        tally_period__index(&sl->period, tally_period__first_day(&sl->settlement, index));
    uint32_t payee;
    tally_bucket *bucket;
    if ((status = tally_symbols__intern(&session->names, session->ctx, s.payee, strlen(s.payee),
                                        &payee)) != TALLY_OK ||
        (status = tally_engine__bucket(session, slot, payee, period, index, &bucket)) != TALLY_OK)
        return status;
    tally_bucket_extra *extra;
    if ((status = tally_engine__bucket_extra(session, bucket, &extra)) != TALLY_OK)
        return status;
    tally_decimal total;
    if (tally_decimal_add(&total, &extra->prior, &s.amount) != TALLY_OK)
        return reject(session, &s, "settled total out of range");
    extra->prior = total;
    extra->has_prior = 1;
    digest(session, &s);
    return TALLY_OK;
}
