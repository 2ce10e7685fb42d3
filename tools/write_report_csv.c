/*
 * `tally report --format csv`: the programme view as one long table, one
 * measure per record, so that every section fits one header:
 *
 *   section,component,period,partner,band,measure,value
 *
 * (RFC 4180, CR LF). Sections: summary, cost, tiers, revenue-leaderboard,
 * attainment-leaderboard, mdf. Values are exact decimals, counts, ranks or
 * "n/a" for a percentage of zero.
 */
#include <stdint.h>
#include <string.h>

#include "tally.h"

#define D TALLY_DECIMAL_STRING_MAX

static void
record(FILE *out, const char *section, const char *component, const char *period,
       const char *partner, const char *band, const char *measure, const char *value)
{
    tool_csv_value(out, section, 0);
    tool_csv_value(out, component, 0);
    tool_csv_value(out, period, 0);
    tool_csv_value(out, partner, 0);
    tool_csv_value(out, band, 0);
    tool_csv_value(out, measure, 0);
    tool_csv_value(out, value, 1);
}

static void
decimal(FILE *out, const char *section, const char *component, const char *period,
        const char *partner, const char *band, const char *measure, const tally_decimal *value)
{
    char text[D];
    tool_format_decimal(text, value);
    record(out, section, component, period, partner, band, measure, text);
}

static void
percent(FILE *out, const char *section, const char *component, const char *partner,
        const char *measure, const tool_percent *value)
{
    char text[D];
    tool_format_percent(text, value);
    record(out, section, component, NULL, partner, NULL, measure, text);
}

static void
number(FILE *out, const char *section, const char *component, const char *period,
       const char *partner, const char *band, const char *measure, size_t value)
{
    char text[32];
    snprintf(text, sizeof(text), "%zu", value);
    record(out, section, component, period, partner, band, measure, text);
}

int
tool_write_report_csv(FILE *out, const tool_programme *p)
{
    static const char *const s = "summary";
    char band[64];

    fputs("section,component,period,partner,band,measure,value\r\n", out);
    record(out, s, NULL, NULL, NULL, NULL, "currency", p->currency);
    record(out, s, NULL, NULL, NULL, NULL, "from", p->from);
    record(out, s, NULL, NULL, NULL, NULL, "to", p->to);
    decimal(out, s, NULL, NULL, NULL, NULL, "revenue", &p->revenue);
    decimal(out, s, NULL, NULL, NULL, NULL, "cost", &p->cost);
    percent(out, s, NULL, NULL, "cost_percent_of_revenue", &p->cost_share);
    if (p->has_baseline) {
        record(out, s, NULL, NULL, NULL, NULL, "baseline_from", p->baseline_from);
        record(out, s, NULL, NULL, NULL, NULL, "baseline_to", p->baseline_to);
        decimal(out, s, NULL, NULL, NULL, NULL, "baseline_revenue", &p->baseline_revenue);
        percent(out, s, NULL, NULL, "growth_percent", &p->growth);
    }
    number(out, s, NULL, NULL, NULL, NULL, "partners_earning", p->earning);
    number(out, s, NULL, NULL, NULL, NULL, "partners", p->partners);
    percent(out, s, NULL, NULL, "participation_percent", &p->participation);

    for (size_t i = 0; i < p->cost_count; i++) {
        const tool_programme_cost *c = &p->costs[i];
        record(out, "cost", c->component, NULL, NULL, NULL, "kind", c->kind);
        decimal(out, "cost", c->component, NULL, NULL, NULL, "cost", &c->cost);
        percent(out, "cost", c->component, NULL, "percent_of_revenue", &c->share);
    }
    for (size_t i = 0; i < p->tier_count; i++) {
        const tool_programme_tier *t = &p->tiers[i];
        tool_band_label(band, sizeof(band), t->band, t->band_count);
        if (t->band != SIZE_MAX)
            decimal(out, "tiers", t->component, t->period, NULL, band, "from", &t->from);
        number(out, "tiers", t->component, t->period, NULL, band, "payees", t->payees);
    }
    for (size_t i = 0; i < p->leader_count; i++) {
        const tool_programme_leader *l = &p->by_revenue[i];
        static const char *const r = "revenue-leaderboard";
        number(out, r, NULL, NULL, l->partner, NULL, "rank", i + 1);
        decimal(out, r, NULL, NULL, l->partner, NULL, "revenue", &l->revenue);
        percent(out, r, NULL, l->partner, "percent_of_revenue", &l->share);
        decimal(out, r, NULL, NULL, l->partner, NULL, "earned", &l->earned);
        if (p->has_baseline) {
            decimal(out, r, NULL, NULL, l->partner, NULL, "baseline_revenue", &l->baseline);
            percent(out, r, NULL, l->partner, "growth_percent", &l->growth);
        }
    }
    size_t place = 0;
    for (size_t i = 0; i < p->attainment_count; i++) {
        const tool_programme_standing *a = &p->by_attainment[i];
        static const char *const r = "attainment-leaderboard";
        place = i > 0 && strcmp(p->by_attainment[i - 1].component, a->component) == 0 ? place + 1
                                                                                       : 1;
        tool_band_label(band, sizeof(band), a->band, a->band_count);
        number(out, r, a->component, a->period, a->payee, band, "rank", place);
        record(out, r, a->component, a->period, a->payee, band, "measure", a->measure);
        decimal(out, r, a->component, a->period, a->payee, band, "basis", &a->basis);
        if (a->has_next)
            decimal(out, r, a->component, a->period, a->payee, band, "needed", &a->needed);
    }
    for (size_t i = 0; i < p->mdf_count; i++) {
        const tool_programme_mdf *m = &p->mdf[i];
        decimal(out, "mdf", m->component, NULL, NULL, NULL, "accrued", &m->accrued);
        decimal(out, "mdf", m->component, NULL, NULL, NULL, "claimed", &m->claimed);
        decimal(out, "mdf", m->component, NULL, NULL, NULL, "reimbursed", &m->reimbursed);
        decimal(out, "mdf", m->component, NULL, NULL, NULL, "shortfall", &m->shortfall);
        decimal(out, "mdf", m->component, NULL, NULL, NULL, "expired", &m->expired);
        decimal(out, "mdf", m->component, NULL, NULL, NULL, "balance", &m->balance);
        percent(out, "mdf", m->component, NULL, "utilised_percent", &m->utilisation);
        percent(out, "mdf", m->component, NULL, "expired_percent", &m->expired_share);
    }
    return 0;
}
