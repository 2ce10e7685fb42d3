/*
 * Market development funds (domain.md 8, 9.10). Rows only add to a partner's
 * eligible net revenue per period. At finish each partner's fund is replayed:
 *
 *   accrual(p) = round(rate × eligible net of p), 0 for a negative period, limited
 *                by what is left of the yearly cap (calendar year of p's end);
 *                usable from the day after p ends through the last day of the
 *                N-th month after p's last month;
 *   claims, in (date, id) order, request round(cost × co-funding), drawn from
 *                usable accruals oldest first; approved = min(request, usable);
 *   what is left of an accrual expires on its last usable day.
 *
 * and written out as ledger lines per partner and period: accrued, claimed,
 * reimbursed, shortfall, expired and the balance at the end of the period.
 */
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "engine/payout.h"
#include "engine/rows.h"

static const tally_decimal zero = {0, 0, 0, 0};

int
tally_engine__mdf_row(tally_session *session, tally_row *row, uint32_t component)
{
    return tally_engine__add_update(session, row, component, row->partner, &row->input->amount,
                                    &row->input->quantity, &zero);
}

/* ---- the replay of one partner's fund ---- */

typedef struct accrual {
    const tally_bucket *bucket;
    const tally_engine_component *ec;
    int32_t period;
    tally_day usable_from;
    tally_day usable_to;
    tally_decimal amount;
    tally_decimal left;
    int capped; /* the yearly cap cut it */
} accrual;

/* One period's ledger. */
typedef struct ledger {
    int32_t period;
    const accrual *accrued; /* the period's own accrual, or NULL */
    tally_decimal claimed;
    tally_decimal reimbursed;
    tally_decimal shortfall;
    tally_decimal expired;
    size_t first_claim; /* claims of the period: a run in the sorted claim array */
    size_t claim_count;
    int has_claims;
    int has_expired;
} ledger;

typedef struct fund {
    tally_finisher *f;
    const tally_slot *slot;
    uint32_t payee;
    accrual *accruals;
    size_t accrual_count;
    ledger *periods;
    size_t period_count;
    size_t period_capacity;
    const tally_mdf_claim *claims; /* the partner's, in (date, id) order */
    size_t claim_count;
    tally_decimal *approved;       /* by claim */
    tally_decimal *requested;      /* by claim */
} fund;

static int
overflow(const fund *d)
{
    return tally_ctx__error(d->f->ctx, TALLY_ERR_OVERFLOW,
                            "MDF \"%s\" of \"%s\": an amount needs more than %d digits",
                            d->slot->id, tally_symbols__text(&d->f->session->names, d->payee),
                            TALLY_DECIMAL_MAX_DIGITS);
}

static tally_day
last_usable_day(const tally_slot *slot, int32_t period, int months)
{
    int year, month, day;
    tally_date__to_civil(tally_period__last_day(&slot->period, period), &year, &month, &day);
    int total = year * 12 + (month - 1) + months + 1; /* the month after the N-th */
    tally_day first_of_next;
    tally_date__from_civil(&first_of_next, total / 12, total % 12 + 1, 1);
    return first_of_next - 1;
}

/* The day expiry is computed up to: the as-of date, else the latest input's date
 * (an accrual does not expire on a day the data has not reached). */
static int
replay_until(const tally_session *session, tally_day *day)
{
    if (session->has_as_of)
        *day = session->as_of;
    else if (session->has_inputs)
        *day = session->latest_input;
    else
        return 0;
    return 1;
}

/* Without an as-of date every period with rows accrues: the data is taken as complete. */
static int
period_ended(const tally_session *session, const tally_slot *slot, int32_t period)
{
    return !session->has_as_of || tally_period__last_day(&slot->period, period) <= session->as_of;
}

/* Accruals of the partner's ended periods, oldest first, limited by the yearly cap. */
static int
accrue(fund *d, const tally_bucket *const *buckets, size_t count)
{
    const tally_session *s = d->f->session;
    int cap_year = 0;
    tally_decimal used = zero;
    for (size_t i = 0; i < count; i++) {
        const tally_bucket *b = buckets[i];
        if (!period_ended(s, d->slot, b->period))
            continue;
        const tally_engine_component *ec = &s->components[b->component];
        const tally_component *c = ec->model;
        accrual *a = &d->accruals[d->accrual_count++];
        memset(a, 0, sizeof(*a));
        a->bucket = b;
        a->ec = ec;
        a->period = b->period;
        a->usable_from = tally_period__last_day(&d->slot->period, b->period) + 1;
        a->usable_to = last_usable_day(d->slot, b->period, c->mdf.expiry_months);
        int year, month, day;
        tally_date__to_civil(a->usable_from - 1, &year, &month, &day);
        if (year != cap_year) {
            cap_year = year;
            used = zero;
        }
        tally_decimal raw = zero;
        if (tally_decimal_sign(&b->amount) > 0 &&
            (tally_decimal_mul(&raw, &b->amount, &c->mdf.accrual_rate) != TALLY_OK ||
             tally_decimal_round(&raw, &raw, c->rounding.scale, c->rounding.mode) != TALLY_OK))
            return overflow(d);
        a->amount = raw;
        if (c->mdf.has_yearly_cap) {
            tally_decimal room;
            int order = 0;
            if (tally_decimal_sub(&room, &c->mdf.yearly_cap, &used) != TALLY_OK)
                return overflow(d);
            tally_decimal_compare(&order, &room, &raw);
            if (order < 0) {
                a->amount = tally_decimal_sign(&room) > 0 ? room : zero;
                a->capped = 1;
            }
        }
        if (tally_decimal_add(&used, &used, &a->amount) != TALLY_OK)
            return overflow(d);
        a->left = a->amount;
    }
    return TALLY_OK;
}

/* Draws a request from the accruals usable on `day`, oldest first. */
static int
draw(fund *d, tally_day day, const tally_decimal *request, tally_decimal *approved)
{
    tally_decimal wanted = *request;
    *approved = zero;
    for (size_t i = 0; i < d->accrual_count && tally_decimal_sign(&wanted) > 0; i++) {
        accrual *a = &d->accruals[i];
        if (day < a->usable_from || day > a->usable_to || tally_decimal_sign(&a->left) <= 0)
            continue;
        int order = 0;
        tally_decimal_compare(&order, &a->left, &wanted);
        tally_decimal take = order < 0 ? a->left : wanted;
        if (tally_decimal_sub(&a->left, &a->left, &take) != TALLY_OK ||
            tally_decimal_sub(&wanted, &wanted, &take) != TALLY_OK ||
            tally_decimal_add(approved, approved, &take) != TALLY_OK)
            return overflow(d);
    }
    return TALLY_OK;
}

/* The ledger entry of a period, added in order (periods only grow). */
static ledger *
ledger_of(fund *d, int32_t period)
{
    for (size_t i = 0; i < d->period_count; i++)
        if (d->periods[i].period == period)
            return &d->periods[i];
    if (d->period_count == d->period_capacity)
        return NULL;
    ledger *l = &d->periods[d->period_count++];
    memset(l, 0, sizeof(*l));
    l->period = period;
    return l;
}


static int
process_claims(fund *d)
{
    const tally_session *s = d->f->session;
    for (size_t i = 0; i < d->claim_count; i++) {
        const tally_mdf_claim *claim = &d->claims[i];
        /* The rules of the version in effect on the claim's date, else the slot's latest. */
        const tally_engine_version *v = tally_engine__version_on(s, claim->date);
        const tally_component *c =
            s->components[s->slots[claim->slot].first_component].model;
        for (size_t k = 0; v && k < v->component_count; k++)
            if (v->components[k].slot == claim->slot)
                c = v->components[k].model;
        tally_decimal *request = &d->requested[i];
        if (tally_decimal_mul(request, &claim->cost, &c->mdf.co_funding) != TALLY_OK ||
            tally_decimal_round(request, request, c->rounding.scale, c->rounding.mode) != TALLY_OK)
            return overflow(d);
        int status = draw(d, claim->date, request, &d->approved[i]);
        if (status != TALLY_OK)
            return status;
        ledger *l = ledger_of(d, tally_period__index(&d->slot->period, claim->date));
        tally_decimal short_by;
        if (!l || tally_decimal_sub(&short_by, request, &d->approved[i]) != TALLY_OK ||
            tally_decimal_add(&l->claimed, &l->claimed, &claim->cost) != TALLY_OK ||
            tally_decimal_add(&l->reimbursed, &l->reimbursed, &d->approved[i]) != TALLY_OK ||
            tally_decimal_add(&l->shortfall, &l->shortfall, &short_by) != TALLY_OK)
            return overflow(d);
        if (!l->has_claims)
            l->first_claim = i;
        l->has_claims = 1;
        l->claim_count++;
    }
    return TALLY_OK;
}

static int
expire(fund *d)
{
    const tally_session *s = d->f->session;
    for (size_t i = 0; i < d->accrual_count; i++) {
        accrual *a = &d->accruals[i];
        ledger *own = ledger_of(d, a->period);
        if (!own)
            return overflow(d);
        own->accrued = a;
        tally_day until;
        if (tally_decimal_sign(&a->left) <= 0 || (replay_until(s, &until) && a->usable_to > until))
            continue;
        ledger *l = ledger_of(d, tally_period__index(&d->slot->period, a->usable_to));
        if (!l || tally_decimal_add(&l->expired, &l->expired, &a->left) != TALLY_OK)
            return overflow(d);
        l->has_expired = 1;
    }
    return TALLY_OK;
}

/* ---- ledger lines ---- */

static int
ledger_line(fund *d, const ledger *l, const tally_engine_component *ec, tally_line_kind kind,
            const tally_decimal *amount, const tally_bucket *sources)
{
    const tally_name *label = tally_engine__period_name(d->f, &d->slot->period, l->period);
    tally_line_fields line;
    int status = tally_engine__begin_line(d->f, d->payee, ec, label, label,
                                          tally_period__last_day(&d->slot->period, l->period),
                                          &line);
    if (status != TALLY_OK)
        return status;
    /* Ledger amounts are shown at the paid scale (exact for amounts in the currency). */
    const tally_rounding_rule *rounding = &ec->model->rounding;
    line.kind = kind;
    line.engine = TALLY_LINE_LEDGER;
    line.unrounded = *amount;
    if (tally_decimal_round(&line.amount, amount, rounding->scale, rounding->mode) != TALLY_OK)
        return overflow(d);
    line.basis = l->accrued ? l->accrued->bucket->amount : zero;
    if (sources && (status = tally_engine__line_sources(d->f, sources, &line)) != TALLY_OK)
        return status;
    return tally_engine__end_line(d->f, &line);
}

static int
accrued_line(fund *d, const ledger *l)
{
    const accrual *a = l->accrued;
    const tally_component *c = a->ec->model;
    tally_finisher *f = d->f;
    char from[TALLY_DATE_TEXT_SIZE], to[TALLY_DATE_TEXT_SIZE];
    tally_date__format(from, a->usable_from);
    tally_date__format(to, a->usable_to);
    tally_engine__clear_explanation(f);
    tally_engine__say(f, "accrual %s x eligible net %s%s, rounded %s to %d places\n",
                      tally_engine__show(f, &c->mdf.accrual_rate),
                      tally_engine__show(f, &a->bucket->amount),
                      tally_decimal_sign(&a->bucket->amount) > 0 ? "" : " (not above 0: nothing)",
                      tally_rounding_name(c->rounding.mode), c->rounding.scale);
    if (a->capped)
        tally_engine__say(f, "yearly cap %s reached: accrued %s\n",
                          tally_engine__show(f, &c->mdf.yearly_cap),
                          tally_engine__show(f, &a->amount));
    tally_engine__say(f, "usable %s to %s\n", from, to);
    return ledger_line(d, l, a->ec, TALLY_LINE_MDF_ACCRUED, &a->amount, a->bucket);
}

static void
explain_claims(fund *d, const ledger *l)
{
    tally_finisher *f = d->f;
    for (size_t i = l->first_claim; i < l->first_claim + l->claim_count; i++) {
        char date[TALLY_DATE_TEXT_SIZE];
        tally_date__format(date, d->claims[i].date);
        tally_engine__say(f, "claim %s %s%s%s: cost %s, requested %s, approved %s\n",
                          d->claims[i].id, date, d->claims[i].activity ? " " : "",
                          d->claims[i].activity ? d->claims[i].activity : "",
                          tally_engine__show(f, &d->claims[i].cost),
                          tally_engine__show(f, &d->requested[i]),
                          tally_engine__show(f, &d->approved[i]));
    }
}

static int
claim_lines(fund *d, const ledger *l, const tally_engine_component *ec)
{
    static const tally_line_kind kinds[] = {TALLY_LINE_MDF_CLAIMED, TALLY_LINE_MDF_REIMBURSED,
                                            TALLY_LINE_MDF_SHORTFALL};
    const tally_decimal *amounts[] = {&l->claimed, &l->reimbursed, &l->shortfall};
    for (size_t k = 0; k < 3; k++) {
        if (kinds[k] == TALLY_LINE_MDF_SHORTFALL && tally_decimal_sign(&l->shortfall) == 0)
            continue;
        tally_engine__clear_explanation(d->f);
        explain_claims(d, l);
        int status = ledger_line(d, l, ec, kinds[k], amounts[k], NULL);
        if (status != TALLY_OK)
            return status;
    }
    return TALLY_OK;
}

static int
balance_line(fund *d, const ledger *l, const tally_engine_component *ec, tally_decimal *accrued,
             tally_decimal *paid, tally_decimal *expired)
{
    tally_decimal balance;
    if ((l->accrued && tally_decimal_add(accrued, accrued, &l->accrued->amount) != TALLY_OK) ||
        tally_decimal_add(paid, paid, &l->reimbursed) != TALLY_OK ||
        tally_decimal_add(expired, expired, &l->expired) != TALLY_OK ||
        tally_decimal_sub(&balance, accrued, paid) != TALLY_OK ||
        tally_decimal_sub(&balance, &balance, expired) != TALLY_OK)
        return overflow(d);
    tally_finisher *f = d->f;
    tally_engine__clear_explanation(f);
    tally_engine__say(f, "accrued to date %s - reimbursed %s - expired %s = %s\n",
                      tally_engine__show(f, accrued), tally_engine__show(f, paid),
                      tally_engine__show(f, expired), tally_engine__show(f, &balance));
    return ledger_line(d, l, ec, TALLY_LINE_MDF_BALANCE, &balance, NULL);
}

/* In period order (each period has one entry). A fund has a few periods, nearly
 * always added in order: an insertion sort, where qsort() took thousands of
 * instructions per fund (a tenth of the finish of 10,000 partners). */
static void
sort_by_period(ledger *periods, size_t count)
{
    for (size_t i = 1; i < count; i++) {
        ledger next = periods[i];
        size_t at = i;
        for (; at > 0 && periods[at - 1].period > next.period; at--)
            periods[at] = periods[at - 1];
        periods[at] = next;
    }
}

static int
write_ledger(fund *d, const tally_engine_component *fallback)
{
    sort_by_period(d->periods, d->period_count);
    tally_decimal accrued = zero, paid = zero, expired = zero;
    const tally_engine_component *ec = fallback;
    int status = TALLY_OK;
    for (size_t i = 0; i < d->period_count && status == TALLY_OK; i++) {
        const ledger *l = &d->periods[i];
        if (l->accrued) {
            ec = l->accrued->ec;
            if ((status = accrued_line(d, l)) != TALLY_OK)
                break;
        }
        if (l->has_claims && (status = claim_lines(d, l, ec)) != TALLY_OK)
            break;
        if (l->has_expired) {
            tally_engine__clear_explanation(d->f);
            tally_engine__say(d->f, "unused accruals past their last usable day\n");
            if ((status = ledger_line(d, l, ec, TALLY_LINE_MDF_EXPIRED, &l->expired, NULL)) !=
                TALLY_OK)
                break;
        }
        status = balance_line(d, l, ec, &accrued, &paid, &expired);
    }
    return status;
}

/* ---- one slot ---- */

static int
claim_order(const void *a, const void *b)
{
    const tally_mdf_claim *x = a, *y = b;
    if (x->partner != y->partner)
        return x->partner < y->partner ? -1 : 1;
    if (x->date != y->date)
        return x->date < y->date ? -1 : 1;
    return strcmp(x->id, y->id);
}

static int
replay_partner(tally_finisher *f, uint32_t slot, uint32_t payee, const tally_bucket *const *buckets,
               size_t bucket_count, const tally_mdf_claim *claims, size_t claim_count)
{
    tally_ctx *ctx = f->ctx;
    fund d;
    memset(&d, 0, sizeof(d));
    d.f = f;
    d.slot = &f->session->slots[slot];
    d.payee = payee;
    d.claims = claims;
    d.claim_count = claim_count;
    /* Every accrual, claim and expiry falls in at most one period each. */
    d.period_capacity = 2 * bucket_count + claim_count + 1;
    d.accruals = tally_ctx__calloc(ctx, bucket_count + 1, sizeof(accrual));
    d.periods = tally_ctx__calloc(ctx, d.period_capacity, sizeof(ledger));
    d.approved = tally_ctx__calloc(ctx, claim_count + 1, sizeof(tally_decimal));
    d.requested = tally_ctx__calloc(ctx, claim_count + 1, sizeof(tally_decimal));
    int status = d.accruals && d.periods && d.approved && d.requested ? TALLY_OK : TALLY_ERR_NOMEM;
    if (status == TALLY_OK)
        status = accrue(&d, buckets, bucket_count);
    if (status == TALLY_OK)
        status = process_claims(&d);
    if (status == TALLY_OK)
        status = expire(&d);
    if (status == TALLY_OK)
        status = write_ledger(&d, &f->session->components[d.slot->first_component]);
    tally_ctx__free(ctx, d.accruals);
    tally_ctx__free(ctx, d.periods);
    tally_ctx__free(ctx, d.approved);
    tally_ctx__free(ctx, d.requested);
    return status;
}

/* The claims of a slot not after the as-of date, by partner, date and id. */
static tally_mdf_claim *
slot_claims(tally_finisher *f, uint32_t slot, size_t *count)
{
    const tally_session *s = f->session;
    tally_mdf_claim *claims = tally_ctx__calloc(f->ctx, s->claim_count + 1, sizeof(*claims));
    *count = 0;
    if (!claims)
        return NULL;
    for (size_t i = 0; i < s->claim_count; i++)
        if (s->claims[i].slot == slot && (!s->has_as_of || s->claims[i].date <= s->as_of))
            claims[(*count)++] = s->claims[i];
    qsort(claims, *count, sizeof(*claims), claim_order);
    return claims;
}

int
tally_engine__finish_mdf(tally_finisher *f, uint32_t slot, const tally_bucket *const *buckets,
                         size_t bucket_count)
{
    size_t claim_count = 0;
    tally_mdf_claim *claims = slot_claims(f, slot, &claim_count);
    int status = claims ? TALLY_OK : TALLY_ERR_NOMEM;
    /* Walk partners in payee order over both sorted lists. */
    size_t b = 0, c = 0;
    while (status == TALLY_OK && (b < bucket_count || c < claim_count)) {
        uint32_t payee = b < bucket_count ? buckets[b]->payee : claims[c].partner;
        if (c < claim_count && claims[c].partner < payee)
            payee = claims[c].partner;
        size_t b_end = b, c_end = c;
        while (b_end < bucket_count && buckets[b_end]->payee == payee)
            b_end++;
        while (c_end < claim_count && claims[c_end].partner == payee)
            c_end++;
        status = replay_partner(f, slot, payee, buckets + b, b_end - b, claims + c, c_end - c);
        b = b_end;
        c = c_end;
    }
    tally_ctx__free(f->ctx, claims);
    return status;
}
