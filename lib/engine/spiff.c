/*
 * SPIFFs (domain.md 8, 9.9): a fixed amount per unit (or per deal) of listed
 * products sold inside the window, to the rep (or the partner). Claims past the
 * deadline lose a percentage per started month. A sale that earns is recorded so
 * that its returns claw back, per returned unit, at most what it earned, from the
 * original payee, in the return's period, even after the window.
 */
#include <stdio.h>
#include <string.h>

#include "core/context.h"
#include "core/decimal.h"
#include "engine/rows.h"

static const tally_decimal zero = {0, 0, 0, 0};

static tally_day
add_months(tally_day day, int months)
{
    int year, month, dom;
    tally_date__to_civil(day, &year, &month, &dom);
    int total = year * 12 + (month - 1) + months;
    year = total / 12;
    month = total % 12 + 1;
    tally_day out;
    /* The same day of the month, or the month's last day when it is shorter. */
    while (dom > 28 && !tally_date__from_civil(&out, year, month, dom))
        dom--;
    if (!tally_date__from_civil(&out, year, month, dom))
        return day;
    return out;
}

/*
 * The share of the amount a claim keeps: 1 on time; 1 − m × reduction % when it
 * comes in the m-th started month after the deadline (calendar months counted
 * from the deadline day); 0 past max-late-months or once the reduction reaches 100 %.
 */
static int
claim_share(const tally_spiff_rule *rule, tally_day sale, const char *claim_text,
            tally_decimal *share, int *months_late)
{
    static const tally_decimal one = {1, 0, 0, 0}, hundredth = {1, 0, 2, 0};
    *share = one;
    *months_late = 0;
    if (!rule->has_deadline || !claim_text || !claim_text[0])
        return TALLY_OK;
    tally_day claim;
    if (!tally_date__parse(&claim, claim_text, strlen(claim_text)))
        return TALLY_ERR_SYNTAX;
    tally_day deadline = sale + rule->deadline_days;
    if (claim <= deadline)
        return TALLY_OK;
    int months = 1;
    while (claim > add_months(deadline, months) && months <= 1200)
        months++;
    *months_late = months;
    if (rule->max_late_months && months > rule->max_late_months) {
        *share = zero;
        return TALLY_OK;
    }
    tally_decimal lost, count;
    tally_decimal_from_int(&count, months, 0);
    if (tally_decimal_mul(&lost, &rule->late_reduction_percent, &count) != TALLY_OK ||
        tally_decimal_mul(&lost, &lost, &hundredth) != TALLY_OK ||
        tally_decimal_sub(share, &one, &lost) != TALLY_OK)
        return TALLY_ERR_OVERFLOW;
    if (tally_decimal_sign(share) < 0)
        *share = zero;
    return TALLY_OK;
}

/* Interns the sale's record key and queues the record for when the row is applied. */
static int
record_sale(tally_session *session, tally_row *row, uint32_t component, uint32_t payee,
            const tally_decimal *unit_amount, const tally_decimal *units)
{
    int already = 0;
    int status = tally_engine__mark(session, row, 'S', component, row->input->id, &already);
    if (status != TALLY_OK || already)
        return status;
    uint32_t mark = row->marks[row->mark_count - 1];
    if (mark >= session->spiff_capacity) {
        size_t capacity = session->mark_capacity;
        tally_spiff_sale *grown =
            tally_ctx__realloc(session->ctx, session->spiff_sales, capacity * sizeof(*grown));
        if (!grown)
            return TALLY_ERR_NOMEM;
        memset(grown + session->spiff_capacity, 0,
               (capacity - session->spiff_capacity) * sizeof(*grown));
        session->spiff_sales = grown;
        session->spiff_capacity = capacity;
    }
    tally_spiff_sale *sale = &row->sales[row->sale_count];
    sale->payee = payee;
    sale->unit_amount = *unit_amount;
    sale->units = *units;
    row->sale_marks[row->sale_count++] = mark;
    return TALLY_OK;
}

static int
earn(tally_session *session, tally_row *row, uint32_t component, const tally_decimal *amount)
{
    static const tally_decimal one = {1, 0, 0, 0};
    const tally_component *c = session->components[component].model;
    const tally_transaction *t = row->input;
    if (row->date < c->spiff.window_from || row->date > c->spiff.window_to ||
        !tally_engine__eligible(session, &c->eligibility, row))
        return TALLY_OK;
    tally_decimal share, unit_amount, units, payout;
    int months_late, status;
    if ((status = claim_share(&c->spiff, row->date, t->claim_date, &share, &months_late)) ==
        TALLY_ERR_SYNTAX)
        return tally_ctx__error(session->ctx, TALLY_ERR_INPUT,
                                "transaction \"%s\": the claim date is not a valid YYYY-MM-DD "
                                "date",
                                t->id);
    if (status != TALLY_OK || tally_decimal_mul(&unit_amount, amount, &share) != TALLY_OK)
        return tally_ctx__error(session->ctx, TALLY_ERR_OVERFLOW,
                                "transaction \"%s\": SPIFF amount out of range", t->id);
    units = c->spiff.per_deal ? one : t->quantity;
    uint32_t payee = tally_engine__payee(session, row, c, &status);
    if (status != TALLY_OK ||
        (status = tally_engine__mul(session, row, &payout, &unit_amount, &units)) != TALLY_OK ||
        (status = tally_engine__round_row(session, c, row, payee, &payout)) != TALLY_OK)
        return status;
    if (
        (status = record_sale(session, row, component, payee, &unit_amount, &units)) != TALLY_OK)
        return status;
    return tally_engine__add_update(session, row, component, payee, &t->amount, &units, &payout);
}

int
tally_engine__spiff_row(tally_session *session, tally_row *row, uint32_t component)
{
    const tally_component *c = session->components[component].model;
    const tally_transaction *t = row->input;
    int sign = tally_dec__sign(&t->quantity);
    int names_original = t->original_id && t->original_id[0];
    /* Most rows earn nothing: decide that before looking the product up. */
    if (sign == 0 || (sign < 0 && !names_original) ||
        (sign > 0 && (row->date < c->spiff.window_from || row->date > c->spiff.window_to)))
        return TALLY_OK;
    const tally_decimal *amount = tally_engine__keyed_rate(&c->spiff.products, t->product);
    if (!amount)
        return TALLY_OK;
    if (sign > 0)
        return earn(session, row, component, amount);
    /* A return claws back only what its original earned: that needs the original. */
    return tally_engine__defer_return(session, row, TALLY_PENDING_SPIFF_RETURN, component,
                                      row->partner, &t->amount, &t->quantity, &zero);
}
