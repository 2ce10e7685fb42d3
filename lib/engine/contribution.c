/*
 * Planning and applying a row's updates. Each component of the row's version
 * is asked what it adds; the new bucket totals are computed before any is
 * stored, so an overflow rejects the row without a trace.
 */
#include <string.h>

#include "core/context.h"
#include "engine/rows.h"

static const tally_contribute_fn kinds[] = {
    [TALLY_COMPONENT_REBATE] = tally_engine__rebate_row,
    [TALLY_COMPONENT_GROWTH_REBATE] = tally_engine__growth_row,
    [TALLY_COMPONENT_SPIFF] = tally_engine__spiff_row,
    [TALLY_COMPONENT_MDF] = tally_engine__mdf_row,
    [TALLY_COMPONENT_COMMISSION] = tally_engine__commission_row,
    [TALLY_COMPONENT_AFFILIATE] = tally_engine__affiliate_row,
    [TALLY_COMPONENT_REFERRAL] = tally_engine__referral_row,
    [TALLY_COMPONENT_DEAL_REGISTRATION] = tally_engine__deal_registration_row,
};

int
tally_engine__band_values(tally_session *session, const tally_row *row, uint32_t component,
                          uint32_t payee, const tally_decimal *amount,
                          const tally_decimal *quantity, tally_decimal *out)
{
    const tally_component *c = session->components[component].model;
    const tally_tier_table *tiers = &c->rate.tiers;
    const tally_decimal *base = tiers->pays == TALLY_BAND_PER_UNIT ? quantity : amount;
    for (size_t b = 0; b < tiers->band_count; b++) {
        int status = tally_engine__mul(session, row, &out[b], base, &tiers->bands[b].value);
        if (status == TALLY_OK)
            status = tally_engine__round_row(session, c, row, payee, &out[b]);
        if (status != TALLY_OK)
            return status;
    }
    return TALLY_OK;
}

static int
band_payouts(tally_session *session, tally_row *row, tally_update *u)
{
    const tally_component *c = session->components[u->component].model;
    u->band_count = 0;
    if (!tally_engine__rounds_bands_per_row(c))
        return TALLY_OK;
    size_t bands = c->rate.tiers.band_count;
    if (row->band_used + bands > TALLY_MAX_ROW_BANDS)
        return tally_ctx__error(session->ctx, TALLY_ERR_LIMIT,
                                "transaction \"%s\" touches too many tier bands", row->input->id);
    u->band_offset = row->band_used;
    u->band_count = bands;
    row->band_used += bands;
    return tally_engine__band_values(session, row, u->component, u->payee, &u->amount,
                                     &u->quantity, &row->band_pool[u->band_offset]);
}

int
tally_engine__add_update(tally_session *session, tally_row *row, uint32_t component,
                         uint32_t payee, const tally_decimal *amount,
                         const tally_decimal *quantity, const tally_decimal *payout)
{
    if (row->update_count == TALLY_MAX_ROW_UPDATES)
        return tally_ctx__error(session->ctx, TALLY_ERR_LIMIT,
                                "transaction \"%s\" touches more than %d payouts",
                                row->input->id, TALLY_MAX_ROW_UPDATES);
    const tally_slot *slot = &session->slots[session->components[component].slot];
    tally_update *u = &row->updates[row->update_count++];
    u->component = component;
    u->payee = payee;
    tally_engine__periods_on(slot, row->date, &u->period, &u->settlement);
    u->amount = *amount;
    u->quantity = *quantity;
    u->payout = *payout;
    tally_engine__take_fraction(row, &u->fraction_band, &u->fraction);
    return band_payouts(session, row, u);
}

/* The new numerator of an update's interpolated band (the bucket's array is made
 * here, while failing is still harmless). */
static int
plan_fraction(tally_session *session, tally_row *row, size_t index)
{
    tally_update *u = &row->updates[index];
    if (u->fraction_band == SIZE_MAX)
        return TALLY_OK;
    tally_bucket *b = &session->buckets[u->bucket];
    if (!b->fractions) {
        size_t bands = session->components[u->component].model->rate.tiers.band_count;
        b->fractions = tally_ctx__calloc(session->ctx, bands, sizeof(tally_decimal));
        if (!b->fractions)
            return TALLY_ERR_NOMEM;
    }
    tally_decimal sum = b->fractions[u->fraction_band];
    for (size_t j = 0; j < index; j++)
        if (row->updates[j].bucket == u->bucket &&
            row->updates[j].fraction_band == u->fraction_band)
            sum = row->updates[j].new_fraction;
    return tally_engine__add(session, row, &u->new_fraction, &sum, &u->fraction);
}

/* The buckets' new per-band sums (their arrays are made here, harmlessly). */
static int
plan_band_sums(tally_session *session, tally_row *row, size_t index)
{
    tally_update *u = &row->updates[index];
    if (!u->band_count)
        return TALLY_OK;
    tally_bucket *b = &session->buckets[u->bucket];
    if (!b->band_sums &&
        !(b->band_sums = tally_ctx__calloc(session->ctx, u->band_count, sizeof(tally_decimal))))
        return TALLY_ERR_NOMEM;
    for (size_t k = 0; k < u->band_count; k++) {
        tally_decimal sum = b->band_sums[k];
        for (size_t j = 0; j < index; j++)
            if (row->updates[j].bucket == u->bucket && row->updates[j].band_count)
                sum = row->band_new[row->updates[j].band_offset + k];
        int status = tally_engine__add(session, row, &row->band_new[u->band_offset + k], &sum,
                                       &row->band_pool[u->band_offset + k]);
        if (status != TALLY_OK)
            return status;
    }
    return TALLY_OK;
}

/* Finds (or makes) each update's bucket, then computes its new totals. */
static int
plan_totals(tally_session *session, tally_row *row)
{
    int status;
    for (size_t i = 0; i < row->update_count; i++) {
        tally_update *u = &row->updates[i];
        tally_bucket *bucket;
        if ((status = tally_engine__bucket(session, session->components[u->component].slot,
                                           u->payee, u->period, u->settlement, &bucket)) !=
            TALLY_OK)
            return status;
        u->bucket = (size_t)(bucket - session->buckets);
    }
    for (size_t i = 0; i < row->update_count; i++) {
        tally_update *u = &row->updates[i];
        const tally_bucket *b = &session->buckets[u->bucket];
        /* Two updates of one row may share a bucket (a payee named twice in a split). */
        tally_decimal amount = b->amount, quantity = b->quantity, payout = b->payout;
        for (size_t j = 0; j < i; j++) {
            if (row->updates[j].bucket == u->bucket) {
                amount = row->updates[j].new_amount;
                quantity = row->updates[j].new_quantity;
                payout = row->updates[j].new_payout;
            }
        }
        if ((status = tally_engine__add(session, row, &u->new_amount, &amount, &u->amount)) ||
            (status = tally_engine__add(session, row, &u->new_quantity, &quantity,
                                        &u->quantity)) ||
            (status = tally_engine__add(session, row, &u->new_payout, &payout, &u->payout)) ||
            (status = plan_fraction(session, row, i)) ||
            (status = plan_band_sums(session, row, i)))
            return status;
    }
    return TALLY_OK;
}

int
tally_engine__reserve_sources(tally_session *session, size_t more)
{
    if (session->flags & TALLY_SESSION_NO_SOURCE_IDS)
        return TALLY_OK;
    if (session->source_capacity - session->source_count >= more)
        return TALLY_OK;
    /* Links are numbered in 32 bits, UINT32_MAX ending a list. */
    if (session->source_count + more >= UINT32_MAX / 2)
        return tally_ctx__error(session->ctx, TALLY_ERR_LIMIT,
                                "too many source references; use TALLY_SESSION_NO_SOURCE_IDS");
    tally_source_link *grown =
        tally_ctx__grow(session->ctx, session->sources, &session->source_capacity,
                        session->source_count + more, sizeof(*grown), 256);
    if (!grown)
        return TALLY_ERR_NOMEM;
    session->sources = grown;
    return TALLY_OK;
}

static int
reserve_pending(tally_session *session, size_t more)
{
    if (session->pending_capacity - session->pending_count >= more)
        return TALLY_OK;
    tally_pending_return *grown =
        tally_ctx__grow(session->ctx, session->pending, &session->pending_capacity,
                        session->pending_count + more, sizeof(*grown), 64);
    if (!grown)
        return TALLY_ERR_NOMEM;
    session->pending = grown;
    return TALLY_OK;
}

/*
 * A SPIFF return claws back what its original earned even when the return is dated
 * in a version without that SPIFF: it waits for resolution against every SPIFF
 * its version did not already handle.
 */
static int
defer_returns_of_other_versions(tally_session *session, tally_row *row)
{
    static const tally_decimal zero = {0, 0, 0, 0};
    const tally_transaction *t = row->input;
    if (!t->original_id || !t->original_id[0] || tally_dec__sign(&t->quantity) >= 0)
        return TALLY_OK;
    for (uint32_t slot = 0; slot < session->slot_count; slot++) {
        if (session->slots[slot].kind != TALLY_COMPONENT_SPIFF)
            continue;
        int in_version = 0;
        for (size_t i = 0; i < row->version->component_count; i++)
            in_version |= row->version->components[i].slot == slot;
        if (in_version)
            continue;
        int status = tally_engine__defer_return(session, row, TALLY_PENDING_SPIFF_RETURN,
                                                session->slots[slot].first_component,
                                                row->partner, &t->amount, &t->quantity, &zero);
        if (status != TALLY_OK)
            return status;
    }
    return TALLY_OK;
}

int
tally_engine__plan_row(tally_session *session, tally_row *row)
{
    const tally_engine_version *version = row->version;
    int status = tally_engine__plan_cells(session, row);
    if (status != TALLY_OK)
        return status;
    for (size_t i = 0; i < version->direct_count; i++) {
        uint32_t component = version->direct[i];
        const tally_component *model = session->components[component].model;
        if (session->components[component].in_cells && !row->split.count)
            continue; /* the cells took it */
        /* SPIFFs and referrals match returns by their original, not by the filters:
         * they check eligibility themselves. */
        if (model->kind != TALLY_COMPONENT_SPIFF && model->kind != TALLY_COMPONENT_REFERRAL &&
            !tally_engine__eligible(session, &model->eligibility, row))
            continue;
        if ((status = kinds[model->kind](session, row, component)) != TALLY_OK)
            return status;
    }
    if ((status = defer_returns_of_other_versions(session, row)) != TALLY_OK ||
        (status = plan_totals(session, row)) != TALLY_OK ||
        (status = reserve_pending(session, row->pending_count)) != TALLY_OK)
        return status;
    return tally_engine__reserve_sources(session, row->update_count);
}

void
tally_engine__apply_row(tally_session *session, tally_row *row)
{
    tally_engine__apply_cells(session, row);
    for (size_t i = 0; i < row->update_count; i++) {
        const tally_update *u = &row->updates[i];
        tally_bucket *b = &session->buckets[u->bucket];
        b->amount = u->new_amount;
        b->quantity = u->new_quantity;
        b->payout = u->new_payout;
        if (u->fraction_band != SIZE_MAX)
            b->fractions[u->fraction_band] = u->new_fraction;
        for (size_t k = 0; k < u->band_count; k++)
            b->band_sums[k] = row->band_new[u->band_offset + k];
        b->rows++;
        if (b->rows == 1 || row->date >= b->latest) {
            b->latest = row->date;
            b->component = u->component;
        }
        if (!(session->flags & TALLY_SESSION_NO_SOURCE_IDS) &&
            row->transaction != TALLY_NO_SYMBOL) {
            tally_source_link *link = &session->sources[session->source_count];
            link->transaction = row->transaction;
            link->next = b->first_source;
            b->first_source = (uint32_t)session->source_count++;
        }
    }
    tally_engine__apply_marks(session, row);
    for (size_t i = 0; i < row->sale_count; i++)
        session->spiff_sales[row->sale_marks[i]] = row->sales[i];
    for (size_t i = 0; i < row->pending_count; i++) {
        tally_pending_return *p = &session->pending[session->pending_count++];
        *p = row->pending[i];
        p->transaction =
            session->flags & TALLY_SESSION_NO_SOURCE_IDS ? TALLY_NO_SYMBOL : row->transaction;
    }
}
