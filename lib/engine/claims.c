/*
 * MDF claims as input: checked, copied and kept until finish, where mdf.c
 * processes them in (date, id) order against the partner's fund.
 */
#include <string.h>

#include "core/context.h"
#include "engine/engine.h"

static int
reject(tally_session *session, const tally_claim *c, const char *what)
{
    if (c->id && c->id[0])
        return tally_ctx__error(session->ctx, TALLY_ERR_INPUT, "claim \"%.64s\": %s", c->id,
                                what);
    return tally_ctx__error(session->ctx, TALLY_ERR_INPUT, "claim without id: %s", what);
}

/* The MDF slot a claim draws on: the one named, or the plan's only one. */
static int
fund_of(tally_session *session, const tally_claim *c, uint32_t *out)
{
    uint32_t found = TALLY_NO_SYMBOL;
    size_t funds = 0;
    for (size_t i = 0; i < session->slot_count; i++) {
        if (session->slots[i].kind != TALLY_COMPONENT_MDF)
            continue;
        funds++;
        if (c->component && c->component[0] ? strcmp(session->slots[i].id, c->component) == 0
                                             : found == TALLY_NO_SYMBOL)
            found = (uint32_t)i;
    }
    if (found == TALLY_NO_SYMBOL)
        return reject(session, c, c->component && c->component[0]
                                      ? "the plan has no MDF fund with this component id"
                                      : "the plan has no MDF fund");
    if (funds > 1 && !(c->component && c->component[0]))
        return reject(session, c, "the plan has several MDF funds: name the component");
    *out = found;
    return TALLY_OK;
}

static int
check(tally_session *session, const tally_claim *c, tally_mdf_claim *out)
{
    if (!c->id || !c->id[0])
        return reject(session, c, "the id is missing");
    if (!c->partner || !c->partner[0])
        return reject(session, c, "the partner is missing");
    if (!c->date || !tally_date__parse(&out->date, c->date, strlen(c->date)))
        return reject(session, c, "the date is missing or not a valid YYYY-MM-DD date");
    if (tally_decimal_validate(&c->amount) != TALLY_OK || tally_decimal_sign(&c->amount) < 0)
        return reject(session, c, "the amount is not a decimal of at least 0");
    if (tally_symbols__find(&session->claim_ids, c->id, strlen(c->id)) != TALLY_NO_SYMBOL)
        return reject(session, c, "duplicate claim id");
    out->partner = tally_symbols__find(&session->names, c->partner, strlen(c->partner));
    if (session->partner_count && !tally_engine__partner(session, out->partner))
        return reject(session, c, "the partner is not in the partner table");
    out->cost = c->amount;
    return fund_of(session, c, &out->slot);
}

static int
reserve(tally_session *session)
{
    if (session->claim_count < session->claim_capacity)
        return TALLY_OK;
    tally_mdf_claim *grown = tally_ctx__grow(session->ctx, session->claims, &session->claim_capacity,
                                             session->claim_count + 1, sizeof(*grown), 64);
    if (!grown)
        return TALLY_ERR_NOMEM;
    session->claims = grown;
    return TALLY_OK;
}

int
tally_session_add_claim(tally_session *session, const tally_claim *claim)
{
    if (!session)
        return TALLY_ERR_INVALID_ARGUMENT;
    tally_ctx__begin(session->ctx);
    int status = tally_engine__check_open(session, claim, "claim");
    if (status != TALLY_OK)
        return status;
    tally_claim c;
    memset(&c, 0, sizeof(c));
    memcpy(&c, claim, claim->size < sizeof(c) ? claim->size : sizeof(c));
    tally_mdf_claim kept;
    memset(&kept, 0, sizeof(kept));
    if ((status = check(session, &c, &kept)) != TALLY_OK)
        return status;
    uint32_t id;
    if (c.activity && c.activity[0] &&
        !(kept.activity = tally_arena__strndup(&session->pending_text, session->ctx, c.activity,
                                               strlen(c.activity))))
        return TALLY_ERR_NOMEM;
    if ((status = reserve(session)) != TALLY_OK ||
        (kept.partner == TALLY_NO_SYMBOL &&
         (status = tally_symbols__intern(&session->names, session->ctx, c.partner,
                                         strlen(c.partner), &kept.partner)) != TALLY_OK) ||
        (status = tally_symbols__intern(&session->claim_ids, session->ctx, c.id, strlen(c.id),
                                        &id)) != TALLY_OK)
        return status;
    kept.id = tally_symbols__text(&session->claim_ids, id);
    session->claims[session->claim_count++] = kept;
    tally_engine__note_date(session, kept.date);
    char amount[TALLY_DECIMAL_STRING_MAX];
    tally_decimal_format(amount, sizeof(amount), &c.amount);
    const char *fields[] = {c.id, c.partner, c.date, amount, c.activity, c.component};
    tally_engine__digest_row(&session->input, "claim", fields, 6);
    session->input.claims++;
    return TALLY_OK;
}
