/*
 * What-if and progress (issue 5): for a payee and a component with period-basis
 * tiers, the basis so far, its band, how much more reaches the next band and
 * what the period would pay there. Payouts are computed by the same rules as
 * finish (payout.c), on the period-to-date totals and on those totals plus the
 * amount needed.
 */
#include <string.h>

#include "core/context.h"
#include "engine/payout.h"

_Static_assert(TALLY_PERIOD_LABEL_MAX == TALLY_PERIOD_LABEL_SIZE, "period labels fit");

static int
refuse(tally_session *session, const char *payee, const char *component, const char *what)
{
    return tally_ctx__error(session->ctx, TALLY_ERR_INPUT, "progress of \"%.64s\" in \"%.64s\": %s",
                            payee, component, what);
}

/* The tier period to report on: the one labelled, or the payee's latest with rows. */
static int
pick_period(const tally_session *s, uint32_t slot, uint32_t payee, const char *label,
            int32_t *out)
{
    if (label)
        return tally_engine__period_of_label(&s->slots[slot].period, label, out);
    int found = 0;
    for (size_t i = 0; i < s->bucket_count; i++) {
        const tally_bucket *b = &s->buckets[i];
        if (b->slot == slot && b->payee == payee && b->rows && (!found || b->period > *out)) {
            *out = b->period;
            found = 1;
        }
    }
    return found;
}

/* Sums every settlement period of the tier period: the period to date. */
static const tally_bucket *
period_to_date(const tally_session *s, uint32_t slot, uint32_t payee, int32_t period,
               tally_totals *sum, int *status)
{
    static const tally_decimal zero = {0, 0, 0, 0};
    const tally_bucket *latest = NULL;
    tally_totals t = {zero, zero, zero, 0, NULL, 0, 0, 0, zero, zero}; /* no fractions */
    for (size_t i = 0; i < s->bucket_count && *status == TALLY_OK; i++) {
        const tally_bucket *b = &s->buckets[i];
        if (b->slot != slot || b->payee != payee || b->period != period || !b->rows)
            continue;
        if (tally_decimal_add(&t.amount, &t.amount, &b->amount) != TALLY_OK ||
            tally_decimal_add(&t.quantity, &t.quantity, &b->quantity) != TALLY_OK ||
            tally_decimal_add(&t.payout, &t.payout, &b->payout) != TALLY_OK)
            *status = TALLY_ERR_OVERFLOW;
        t.rows += b->rows;
        if (!latest || b->latest >= latest->latest)
            latest = b;
    }
    *sum = t;
    return latest;
}

/* Needed revenue (or units) to reach `next_from` from `measured`. */
static int
amount_needed(const tally_tier_table *tiers, const tally_partner_record *partner,
              const tally_decimal *measured, const tally_decimal *next_from, int money_scale,
              tally_decimal *out)
{
    static const tally_decimal hundredth = {1, 0, 2, 0};
    tally_decimal gap;
    if (tally_decimal_sub(&gap, next_from, measured) != TALLY_OK)
        return TALLY_ERR_OVERFLOW;
    if (tiers->measure == TALLY_MEASURE_QUANTITY) {
        *out = gap;
        return TALLY_OK;
    }
    /* Attainment points are quota / 100 of revenue each. */
    if (tiers->measure == TALLY_MEASURE_ATTAINMENT &&
        (tally_decimal_mul(&gap, &gap, &partner->quota) != TALLY_OK ||
         tally_decimal_mul(&gap, &gap, &hundredth) != TALLY_OK))
        return TALLY_ERR_OVERFLOW;
    /* Revenue is counted in the currency's units: round up, so it reaches the band. */
    if (tally_decimal_round(out, &gap, money_scale, TALLY_ROUND_CEILING) != TALLY_OK)
        return TALLY_ERR_OVERFLOW;
    return TALLY_OK;
}

static int
fill(tally_finisher *f, const tally_engine_component *ec, const tally_bucket *b,
     const tally_totals *sum, tally_progress *out)
{
    const tally_tier_table *tiers = &ec->model->rate.tiers;
    tally_payout *p = tally_ctx__alloc(f->session->ctx, sizeof(tally_payout));
    if (!p)
        return TALLY_ERR_NOMEM;
    int status = tally_engine__compute_payout(f, ec, b, sum, p);
    if (status == TALLY_OK) {
        out->basis = p->basis;
        out->payout = p->rounded;
        /* Progress is always toward more sales: a negative period is below every band. */
        out->band = tally_decimal_sign(&p->basis) < 0 ? SIZE_MAX
                                                       : tally_tiers__band_of(tiers, &p->basis);
        size_t next = out->band == SIZE_MAX ? 0 : out->band + 1;
        out->has_next = next < tiers->band_count;
        out->payout_at_next = p->rounded;
        memset(&out->needed, 0, sizeof(out->needed));
        memset(&out->next_from, 0, sizeof(out->next_from));
    }
    if (status == TALLY_OK && out->has_next) {
        size_t next = out->band == SIZE_MAX ? 0 : out->band + 1;
        tally_decimal measured = p->basis;
        out->next_from = tiers->bands[next].from;
        tally_totals more = *sum;
        tally_decimal *grown =
            tiers->measure == TALLY_MEASURE_QUANTITY ? &more.quantity : &more.amount;
        status = amount_needed(tiers, tally_engine__partner(f->session, b->payee), &measured,
                               &out->next_from, ec->model->rounding.scale, &out->needed);
        if (status == TALLY_OK && tally_decimal_add(grown, grown, &out->needed) != TALLY_OK)
            status = TALLY_ERR_OVERFLOW;
        if (status == TALLY_OK)
            status = tally_engine__compute_payout(f, ec, b, &more, p);
        if (status == TALLY_OK)
            out->payout_at_next = p->rounded;
    }
    tally_ctx__free(f->session->ctx, p);
    if (status == TALLY_ERR_OVERFLOW)
        return tally_ctx__error(f->session->ctx, TALLY_ERR_OVERFLOW,
                                "progress: an amount needs more than %d digits",
                                TALLY_DECIMAL_MAX_DIGITS);
    return status;
}

static int
check_arguments(tally_session *session, const char *payee, const char *component,
                tally_progress *out)
{
    if (!payee || !component || !out || out->size < sizeof(size_t))
        return tally_ctx__error(session->ctx, TALLY_ERR_INVALID_ARGUMENT,
                                "tally_session_progress needs a payee, a component and an "
                                "output with its size set");
    if (out->size < sizeof(tally_progress))
        return tally_ctx__error(session->ctx, TALLY_ERR_INVALID_ARGUMENT,
                                "tally_progress.size is smaller than this version's struct");
    return TALLY_OK;
}

int
tally_session_progress(tally_session *session, const char *payee, const char *component,
                       const char *period, tally_progress *out)
{
    if (!session)
        return TALLY_ERR_INVALID_ARGUMENT;
    tally_ctx__begin(session->ctx);
    int status = check_arguments(session, payee, component, out);
    if (status == TALLY_OK)
        status = tally_engine__flush_cells(session);
    if (status != TALLY_OK)
        return status;
    uint32_t slot, payee_symbol = tally_symbols__find(&session->names, payee, strlen(payee));
    if (!tally_engine__slot_named(session, component, &slot))
        return refuse(session, payee, component, "the plan has no component with this id");
    int32_t index;
    if (payee_symbol == TALLY_NO_SYMBOL ||
        !pick_period(session, slot, payee_symbol, period, &index))
        return refuse(session, payee, component, "the payee has no transactions in the period");
    tally_totals sum;
    const tally_bucket *latest = period_to_date(session, slot, payee_symbol, index, &sum, &status);
    if (status != TALLY_OK || !latest)
        return status != TALLY_OK ? status
                                  : refuse(session, payee, component,
                                           "the payee has no transactions in the period");
    const tally_engine_component *ec = &session->components[latest->component];
    const tally_component *c = ec->model;
    if (c->rate.kind != TALLY_RATE_TIERS || c->rate.tiers.basis != TALLY_BASIS_PERIOD ||
        c->kind == TALLY_COMPONENT_GROWTH_REBATE)
        return refuse(session, payee, component, "the component has no period-basis tiers");
    tally_finisher *f = tally_ctx__calloc(session->ctx, 1, sizeof(tally_finisher));
    if (!f)
        return TALLY_ERR_NOMEM;
    f->session = session;
    tally_period__label(out->period, &session->slots[slot].period, index);
    status = fill(f, ec, latest, &sum, out);
    tally_ctx__free(session->ctx, f);
    return status;
}
