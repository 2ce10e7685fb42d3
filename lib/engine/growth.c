/*
 * Growth rebates (domain.md 8, 9.8): rows only add to the period's eligible net
 * revenue; whether it grew enough over the baseline period, and what that pays,
 * is decided once per payee and period in finish.c.
 */
#include "engine/payout.h"
#include "engine/rows.h"

int
tally_engine__growth_row(tally_session *session, tally_row *row, uint32_t component)
{
    static const tally_decimal zero = {0, 0, 0, 0};
    return tally_engine__book(session, row, component, row->partner, &row->input->amount,
                              &row->input->quantity, &zero);
}

/* ---- at finish ---- */

/* The baseline period: the one before, or the same one a year earlier. */
static int32_t
baseline_period(const tally_slot *slot, const tally_component *c, int32_t period)
{
    if (!c->growth.baseline_same_period_last_year)
        return period - 1;
    return period - 12 / tally_period__months(slot->period.kind);
}

/* A baseline given as input, else the baseline period's own eligible net. */
static tally_decimal
baseline_of(const tally_session *session, const tally_bucket *b, int32_t period, int *given)
{
    static const tally_decimal zero = {0, 0, 0, 0};
    const tally_bucket *base =
        tally_engine__find_bucket(session, b->slot, b->payee, period, period);
    const tally_bucket_extra *extra = base ? tally_engine__extra_of(session, base) : NULL;
    *given = extra && extra->has_baseline;
    if (!base)
        return zero;
    return *given ? extra->baseline : base->amount;
}

static int
qualifies(tally_finisher *f, const tally_component *c, const tally_decimal *growth,
          const tally_decimal *baseline)
{
    static const tally_decimal hundred = {100, 0, 0, 0};
    if (tally_decimal_sign(baseline) <= 0) {
        tally_engine__say(f, "baseline not above 0: nothing earned\n");
        return 0;
    }
    if (tally_decimal_sign(growth) <= 0) {
        tally_engine__say(f, "no growth: nothing earned\n");
        return 0;
    }
    /* growth / baseline × 100 ≥ threshold, compared without dividing. */
    tally_decimal scaled, needed, percent;
    int order = 0;
    if (tally_decimal_mul(&scaled, growth, &hundred) != TALLY_OK ||
        tally_decimal_mul(&needed, &c->growth.threshold_percent, baseline) != TALLY_OK ||
        tally_decimal_compare(&order, &scaled, &needed) != TALLY_OK)
        return -1;
    if (tally_decimal_div(&percent, &scaled, baseline, 4, TALLY_ROUND_DOWN) != TALLY_OK)
        return -1;
    tally_engine__say(f, "growth %s%% %s threshold %s%%\n", tally_engine__show(f, &percent),
                      order >= 0 ? "reaches the" : "is below the",
                      tally_engine__show(f, &c->growth.threshold_percent));
    return order >= 0;
}

int
tally_engine__pay_growth(tally_finisher *f, const tally_engine_component *ec,
                         const tally_bucket *b, const tally_totals *sum, tally_payout *p)
{
    static const tally_decimal zero = {0, 0, 0, 0};
    const tally_session *session = f->session;
    const tally_component *c = ec->model;
    const tally_slot *slot = &session->slots[b->slot];
    const char *payee = tally_symbols__text(&session->names, b->payee);
    int32_t period = baseline_period(slot, c, b->period);
    char label[TALLY_PERIOD_LABEL_SIZE];
    tally_period__label(label, &slot->period, period);
    int given;
    tally_decimal baseline = baseline_of(session, b, period, &given), growth;
    p->basis = sum->amount;
    p->unrounded = zero;
    if (tally_decimal_sub(&growth, &sum->amount, &baseline) != TALLY_OK)
        return tally_engine__payout_overflow(f, ec, payee);
    tally_engine__say(f, "baseline %s (%s, %s), growth %s\n", tally_engine__show(f, &baseline),
                      label, given ? "given" : "from the transactions",
                      tally_engine__show(f, &growth));
    int ok = qualifies(f, c, &growth, &baseline);
    if (ok < 0)
        return tally_engine__payout_overflow(f, ec, payee);
    if (!ok)
        return TALLY_OK;
    if (c->has_minimum) {
        int order = 0;
        tally_decimal_compare(&order, &sum->amount, &c->minimum);
        if (order < 0) {
            p->flags |= TALLY_LINE_BELOW_MINIMUM;
            tally_engine__say(f, "minimum %s not reached: nothing earned\n",
                              tally_engine__show(f, &c->minimum));
            return TALLY_OK;
        }
    }
    const tally_decimal *paid_on = c->growth.pay_on_basis ? &sum->amount : &growth;
    tally_engine__say(f, "paid on the %s: %s\n", c->growth.pay_on_basis ? "basis" : "growth",
                      tally_engine__show(f, paid_on));
    int status;
    if (c->rate.kind == TALLY_RATE_TIERS)
        status = tally_tiers__pay(&c->rate.tiers, paid_on, paid_on, &sum->quantity, NULL,
                                  &p->unrounded, p->bands, &p->band_count);
    else
        status = tally_decimal_mul(&p->unrounded, paid_on, &c->rate.flat);
    if (status != TALLY_OK)
        return tally_engine__payout_overflow(f, ec, payee);
    tally_engine__say(f, "growth rebate: %s\n", tally_engine__show(f, &p->unrounded));
    return TALLY_OK;
}
