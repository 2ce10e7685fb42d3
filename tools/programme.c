/*
 * The programme view of `tally report`, computed once for every format:
 *
 * - cost per component: the money lines (earned, true-up, clawback,
 *   mdf-reimbursed) of the run's range, and as % of revenue;
 * - revenue: the net amount of every transaction of the range (revenue.c), and
 *   of the baseline range with its growth;
 * - participation: partners earning more than 0 (money lines, any component) of
 *   all partners (the partner table when one is given, else the partners with
 *   transactions in the range);
 * - payees per tier reached: for every rebate or commission with tiers on the
 *   period total, each payee of each tier period is placed in the band
 *   tally_session_progress() reports;
 * - leaderboards: the top N partners by revenue (with earnings and growth), and
 *   per tiered component the top N payees of its latest tier period by tier
 *   attainment (the tier basis: net amount, units or % of quota), with the band
 *   reached and what the next band needs;
 * - MDF utilisation: accrued, claimed, reimbursed, shortfall and expired over the
 *   range, the balances at the end of it, reimbursed and expired as % of accrued.
 *
 * Percentages are exact decimals rounded half-even to 2 places.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tally.h"

void
tool_percent_of(tool_percent *out, const tally_decimal *part, const tally_decimal *whole)
{
    tally_decimal hundred, scaled;

    memset(out, 0, sizeof(*out));
    if (tally_decimal_sign(whole) == 0)
        return;
    tally_decimal_from_int(&hundred, 100, 0);
    if (tally_decimal_mul(&scaled, part, &hundred) != TALLY_OK ||
        tally_decimal_div(&out->value, &scaled, whole, 2, TALLY_ROUND_HALF_EVEN) != TALLY_OK)
        return;
    out->defined = 1;
}

void
tool_format_percent(char out[TALLY_DECIMAL_STRING_MAX], const tool_percent *percent)
{
    if (percent->defined)
        tool_format_decimal(out, &percent->value);
    else
        strcpy(out, "n/a");
}

/* Writes @p value with at least the currency's fraction digits ("82000" as
 * "82000.00"): zeros appended, never a digit dropped. */
static void
money_scale(const tool_programme *p, tally_decimal *value)
{
    if (value->scale < p->zero.scale)
        tally_decimal_round(value, value, p->zero.scale, TALLY_ROUND_HALF_EVEN);
}

/* ---- the range ---- */

/* The run's range, or the plan's versions from the first day to the last. */
static void
range(tool_programme *p, const char *from, const char *to)
{
    size_t versions = tally_plan_version_count(p->plan);
    int open = 0;

    snprintf(p->from, sizeof(p->from), "%s", from ? from : "");
    snprintf(p->to, sizeof(p->to), "%s", to ? to : "");
    for (size_t v = 0; v < versions; v++) {
        const tally_plan_version *version = tally_plan_version_at(p->plan, v);
        const char *start = tally_plan_version_effective_from(version);
        const char *end = tally_plan_version_effective_to(version);
        if (!from && start && (!p->from[0] || strcmp(start, p->from) < 0))
            snprintf(p->from, sizeof(p->from), "%s", start);
        if (!end)
            open = 1;
        else if (!to && !open && strcmp(end, p->to) > 0)
            snprintf(p->to, sizeof(p->to), "%s", end);
    }
    if (!to && open)
        p->to[0] = '\0';
}

/* ---- costs ---- */

static int
costs(tool_programme *p)
{
    const tool_report *report = &p->report;

    p->costs = calloc(report->component_count ? report->component_count : 1, sizeof(*p->costs));
    if (!p->costs)
        return TALLY_ERR_NOMEM;
    for (size_t i = 0; i < report->component_count; i++) {
        tool_programme_cost *cost = &p->costs[i];
        const tally_component *component =
            tool_find_component(p->plan, NULL, report->by_component[i].key);
        cost->component = report->by_component[i].key;
        cost->kind = component ? tally_component_kind_name(tally_component_get_kind(component))
                               : "";
        cost->name = component ? tally_component_name(component) : NULL;
        cost->cost = report->by_component[i].amount;
        tool_percent_of(&cost->share, &cost->cost, &p->revenue);
    }
    p->cost_count = report->component_count;
    p->cost = report->total;
    tool_percent_of(&p->cost_share, &p->cost, &p->revenue);
    return TALLY_OK;
}

/* ---- leaderboard by revenue and participation ---- */

static int
compare_revenue(const void *a, const void *b)
{
    const tool_programme_leader *x = a, *y = b;
    int order = 0;
    tally_decimal_compare(&order, &y->revenue, &x->revenue);
    return order ? order : strcmp(x->partner, y->partner);
}

static int
leaders(tool_programme *p, const tool_total *revenue, size_t count, const tool_total *baseline,
        size_t baseline_count)
{
    tool_programme_leader *all = calloc(count ? count : 1, sizeof(*all));
    if (!all)
        return TALLY_ERR_NOMEM;
    for (size_t i = 0; i < count; i++) {
        tool_programme_leader *leader = &all[i];
        const tool_total *earned = tool_total_find(p->report.by_payee, p->report.payee_count,
                                                   revenue[i].key);
        leader->partner = revenue[i].key;
        leader->revenue = revenue[i].amount;
        leader->earned = p->zero;
        leader->baseline = p->zero;
        money_scale(p, &leader->revenue);
        if (earned)
            leader->earned = earned->amount;
        tool_percent_of(&leader->share, &leader->revenue, &p->revenue);
        if (p->has_baseline) {
            const tool_total *base = tool_total_find(baseline, baseline_count, revenue[i].key);
            tally_decimal change;
            if (base)
                leader->baseline = base->amount;
            money_scale(p, &leader->baseline);
            if (tally_decimal_sub(&change, &leader->revenue, &leader->baseline) == TALLY_OK)
                tool_percent_of(&leader->growth, &change, &leader->baseline);
        }
    }
    qsort(all, count, sizeof(*all), compare_revenue);
    p->by_revenue = all;
    p->leader_count = count < p->top ? count : p->top;
    return TALLY_OK;
}

/* Partners earning more than 0: payees with positive money lines that have
 * transactions (the payees that are partners, not reps). */
static void
participation(tool_programme *p, const tool_total *ever, size_t ever_count, size_t in_range,
              uint64_t table_partners, int has_table)
{
    for (size_t i = 0; i < p->report.payee_count; i++) {
        const tool_total *payee = &p->report.by_payee[i];
        if (tally_decimal_sign(&payee->amount) > 0 &&
            tool_total_find(ever, ever_count, payee->key))
            p->earning++;
    }
    p->partners_from_table = has_table;
    p->partners = has_table ? (size_t)table_partners : in_range;
    tally_decimal earning, partners;
    tally_decimal_from_int(&earning, (int64_t)p->earning, 0);
    tally_decimal_from_int(&partners, (int64_t)p->partners, 0);
    tool_percent_of(&p->participation, &earning, &partners);
}

/* ---- tiers: each payee's band per tiered component and period ---- */

static int
compare_standing(const void *a, const void *b)
{
    const tool_programme_standing *x = a, *y = b;
    int order = strcmp(x->component, y->component);
    if (!order)
        order = strcmp(x->period, y->period);
    return order ? order : strcmp(x->payee, y->payee);
}

static int
standings(tool_programme *p, tally_session *session)
{
    size_t count = tally_result_line_count(p->result), used = 0;
    tool_programme_standing *all = calloc(count ? count : 1, sizeof(*all));

    if (!all)
        return TALLY_ERR_NOMEM;
    for (size_t i = 0; i < count; i++) {
        const tally_line *line = tally_result_line_at(p->result, i);
        tally_line_kind kind = tally_line_get_kind(line);
        if (kind != TALLY_LINE_EARNED && kind != TALLY_LINE_TRUE_UP)
            continue;
        const tally_component *component =
            tool_find_component(p->plan, tally_line_version(line), tally_line_component(line));
        if (!component || !tool_has_period_tiers(component))
            continue;
        all[used].component = tally_line_component(line);
        all[used].period = tally_line_tier_period(line);
        all[used].payee = tally_line_payee(line);
        all[used].tiers = tally_component_tiers(component);
        used++;
    }
    qsort(all, used, sizeof(*all), compare_standing);
    size_t kept = 0;
    for (size_t i = 0; i < used; i++) {
        if (kept > 0 && compare_standing(&all[kept - 1], &all[i]) == 0)
            continue; /* settlement lines of the same tier period */
        tool_programme_standing *s = &all[kept];
        *s = all[i];
        tally_progress progress;
        memset(&progress, 0, sizeof(progress));
        progress.size = sizeof(progress);
        if (tally_session_progress(session, s->payee, s->component, s->period, &progress) !=
            TALLY_OK)
            continue;
        s->measure = tool_measure_name(tally_tier_table_measure(s->tiers));
        s->basis = progress.basis;
        s->band = progress.band;
        s->band_count = tally_tier_table_band_count(s->tiers);
        s->has_next = progress.has_next;
        s->next_from = progress.next_from;
        s->needed = progress.needed;
        kept++;
    }
    p->standings = all;
    p->standing_count = kept;
    return TALLY_OK;
}

static int
tiers(tool_programme *p)
{
    p->tiers = calloc(p->standing_count ? p->standing_count : 1, sizeof(*p->tiers));
    if (!p->tiers)
        return TALLY_ERR_NOMEM;
    /* Standings are sorted by component and period: count the bands of each. */
    for (size_t i = 0; i < p->standing_count;) {
        size_t end = i;
        while (end < p->standing_count &&
               strcmp(p->standings[end].component, p->standings[i].component) == 0 &&
               strcmp(p->standings[end].period, p->standings[i].period) == 0)
            end++;
        const tool_programme_standing *first = &p->standings[i];
        /* Below the first band (SIZE_MAX), then each band in order. */
        for (size_t b = 0; b <= first->band_count; b++) {
            size_t band = b == 0 ? SIZE_MAX : b - 1, payees = 0;
            for (size_t j = i; j < end; j++)
                payees += p->standings[j].band == band;
            if (payees == 0)
                continue;
            tool_programme_tier *tier = &p->tiers[p->tier_count++];
            tier->component = first->component;
            tier->period = first->period;
            tier->band = band;
            tier->band_count = first->band_count;
            tier->payees = payees;
            if (band != SIZE_MAX) {
                tally_decimal to, value;
                int open;
                tally_tier_table_band(first->tiers, band, &tier->from, &to, &open, &value);
            }
        }
        i = end;
    }
    return TALLY_OK;
}

static int
compare_attainment(const void *a, const void *b)
{
    const tool_programme_standing *x = a, *y = b;
    int order = strcmp(x->component, y->component);
    if (!order)
        tally_decimal_compare(&order, &y->basis, &x->basis);
    return order ? order : strcmp(x->payee, y->payee);
}

/* The top N of each tiered component's latest tier period, by basis. */
static int
attainment(tool_programme *p)
{
    tool_programme_standing *latest = calloc(p->standing_count ? p->standing_count : 1,
                                             sizeof(*latest));
    size_t used = 0;

    if (!latest)
        return TALLY_ERR_NOMEM;
    for (size_t i = 0; i < p->standing_count; i++) {
        const tool_programme_standing *s = &p->standings[i];
        /* Sorted by component then period: the latest period is the last one. */
        const char *last = s->period;
        for (size_t j = i + 1; j < p->standing_count &&
                               strcmp(p->standings[j].component, s->component) == 0;
             j++)
            last = p->standings[j].period;
        if (strcmp(s->period, last) == 0)
            latest[used++] = *s;
    }
    qsort(latest, used, sizeof(*latest), compare_attainment);
    size_t kept = 0;
    for (size_t i = 0, rank = 0; i < used; i++) {
        rank = i > 0 && strcmp(latest[i - 1].component, latest[i].component) == 0 ? rank + 1 : 0;
        if (rank < p->top)
            latest[kept++] = latest[i];
    }
    p->by_attainment = latest;
    p->attainment_count = kept;
    return TALLY_OK;
}

/* ---- MDF ---- */

typedef struct balance_line {
    const char *component, *payee, *period;
    tally_decimal amount;
} balance_line;

static int
compare_balance(const void *a, const void *b)
{
    const balance_line *x = a, *y = b;
    int order = strcmp(x->component, y->component);
    if (!order)
        order = strcmp(x->payee, y->payee);
    return order ? order : strcmp(x->period, y->period);
}

static tool_programme_mdf *
mdf_entry(tool_programme *p, const char *component)
{
    for (size_t i = 0; i < p->mdf_count; i++)
        if (strcmp(p->mdf[i].component, component) == 0)
            return &p->mdf[i];
    tool_programme_mdf *entry = &p->mdf[p->mdf_count++];
    entry->component = component;
    entry->accrued = entry->claimed = entry->reimbursed = p->zero;
    entry->shortfall = entry->expired = entry->balance = p->zero;
    return entry;
}

static int
mdf(tool_programme *p)
{
    size_t count = tally_result_line_count(p->result), balances = 0;
    balance_line *lines = calloc(count ? count : 1, sizeof(*lines));
    int status = TALLY_OK;

    p->mdf = calloc(count ? count : 1, sizeof(*p->mdf));
    if (!lines || !p->mdf) {
        free(lines);
        return TALLY_ERR_NOMEM;
    }
    for (size_t i = 0; i < count && status == TALLY_OK; i++) {
        const tally_line *line = tally_result_line_at(p->result, i);
        tally_line_kind kind = tally_line_get_kind(line);
        tally_decimal amount, *sum = NULL;
        if (kind < TALLY_LINE_MDF_ACCRUED || kind > TALLY_LINE_MDF_BALANCE)
            continue;
        tool_programme_mdf *entry = mdf_entry(p, tally_line_component(line));
        tally_line_amount(line, &amount);
        switch (kind) {
        case TALLY_LINE_MDF_ACCRUED:
            sum = &entry->accrued;
            break;
        case TALLY_LINE_MDF_CLAIMED:
            sum = &entry->claimed;
            break;
        case TALLY_LINE_MDF_REIMBURSED:
            sum = &entry->reimbursed;
            break;
        case TALLY_LINE_MDF_SHORTFALL:
            sum = &entry->shortfall;
            break;
        case TALLY_LINE_MDF_EXPIRED:
            sum = &entry->expired;
            break;
        default:
            lines[balances].component = tally_line_component(line);
            lines[balances].payee = tally_line_payee(line);
            lines[balances].period = tally_line_period(line);
            lines[balances].amount = amount;
            balances++;
            break;
        }
        if (sum)
            status = tally_decimal_add(sum, sum, &amount);
    }
    /* The balance at the end of the range: each partner's latest balance line. */
    qsort(lines, balances, sizeof(*lines), compare_balance);
    for (size_t i = 0; i < balances && status == TALLY_OK; i++) {
        if (i + 1 < balances && strcmp(lines[i].component, lines[i + 1].component) == 0 &&
            strcmp(lines[i].payee, lines[i + 1].payee) == 0)
            continue;
        tool_programme_mdf *entry = mdf_entry(p, lines[i].component);
        status = tally_decimal_add(&entry->balance, &entry->balance, &lines[i].amount);
    }
    for (size_t i = 0; i < p->mdf_count; i++) {
        tool_percent_of(&p->mdf[i].utilisation, &p->mdf[i].reimbursed, &p->mdf[i].accrued);
        tool_percent_of(&p->mdf[i].expired_share, &p->mdf[i].expired, &p->mdf[i].accrued);
    }
    free(lines);
    return status;
}

/* ---- the whole view ---- */

int
tool_programme_build(tool_programme *p, const tool_programme_spec *spec)
{
    tool_total *revenue = NULL, *baseline = NULL, *ever = NULL;
    size_t revenue_count = 0, baseline_count = 0, ever_count = 0;
    tally_decimal ignored;
    int status;

    memset(p, 0, sizeof(*p));
    int minor = tally_currency_minor_units(tally_plan_currency(spec->plan));
    tally_decimal_from_int(&p->zero, 0, minor > 0 ? minor : 0);
    p->plan = spec->plan;
    p->result = spec->result;
    p->top = spec->top;
    status = tool_report_init(&p->report, spec->plan, spec->result, 1);
    if (status != TALLY_OK)
        return status;
    p->currency = p->report.currency;
    range(p, spec->from, spec->to);
    status = tool_revenue_by_partner(spec->revenue, p->from[0] ? p->from : NULL,
                                     p->to[0] ? p->to : NULL, &revenue, &revenue_count,
                                     &p->revenue);
    if (status == TALLY_OK && spec->baseline_from) {
        p->has_baseline = 1;
        p->baseline_from = spec->baseline_from;
        p->baseline_to = spec->baseline_to;
        status = tool_revenue_by_partner(spec->revenue, spec->baseline_from, spec->baseline_to,
                                         &baseline, &baseline_count, &p->baseline_revenue);
        tally_decimal change;
        if (status == TALLY_OK &&
            tally_decimal_sub(&change, &p->revenue, &p->baseline_revenue) == TALLY_OK)
            tool_percent_of(&p->growth, &change, &p->baseline_revenue);
    }
    money_scale(p, &p->revenue);
    money_scale(p, &p->baseline_revenue);
    if (status == TALLY_OK)
        status = tool_revenue_by_partner(spec->revenue, NULL, NULL, &ever, &ever_count, &ignored);
    if (status == TALLY_OK)
        status = costs(p);
    if (status == TALLY_OK) {
        participation(p, ever, ever_count, revenue_count, spec->table_partners,
                      spec->has_partner_table);
        status = leaders(p, revenue, revenue_count, baseline, baseline_count);
    }
    if (status == TALLY_OK)
        status = standings(p, spec->session);
    if (status == TALLY_OK)
        status = tiers(p);
    if (status == TALLY_OK)
        status = attainment(p);
    if (status == TALLY_OK)
        status = mdf(p);
    free(revenue);
    free(baseline);
    free(ever);
    if (status != TALLY_OK)
        tool_programme_free(p);
    return status;
}

void
tool_programme_free(tool_programme *p)
{
    tool_report_free(&p->report);
    free(p->costs);
    free(p->by_revenue);
    free(p->standings);
    free(p->tiers);
    free(p->by_attainment);
    free(p->mdf);
    memset(p, 0, sizeof(*p));
}
