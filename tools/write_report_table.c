/*
 * `tally report --format table` (the default): the programme view as aligned
 * tables for a terminal, section by section (see programme.c for what each
 * number is). Amounts and percentages are exact decimals.
 */
#include <stdint.h>
#include <string.h>

#include "tally.h"

#define D TALLY_DECIMAL_STRING_MAX

void
tool_band_label(char *out, size_t size, size_t band, size_t band_count)
{
    if (band == SIZE_MAX)
        snprintf(out, size, "below 1");
    else
        snprintf(out, size, "%zu of %zu", band + 1, band_count);
}

static int
print(tool_table *table, FILE *out, int status)
{
    if (status == 0)
        status = tool_table_print(table, out);
    tool_table_free(table);
    return status;
}

static int
summary(FILE *out, const tool_programme *p)
{
    static const char *const titles[] = {"measure", "value"};
    static const tool_align align[] = {TOOL_ALIGN_LEFT, TOOL_ALIGN_DECIMAL};
    tool_table *table = tool_table_new(2, titles, align);
    char value[D], count[64];
    int status = table ? 0 : -1;

#define ROW(name, text)                                                                       \
    do {                                                                                      \
        const char *cells[] = {name, text};                                                   \
        if (status == 0)                                                                      \
            status = tool_table_add_row(table, cells);                                        \
    } while (0)
    tool_format_decimal(value, &p->revenue);
    ROW("revenue", value);
    tool_format_decimal(value, &p->cost);
    ROW("total cost", value);
    tool_format_percent(value, &p->cost_share);
    ROW("cost % of revenue", value);
    if (p->has_baseline) {
        tool_format_decimal(value, &p->baseline_revenue);
        ROW("baseline revenue", value);
        tool_format_percent(value, &p->growth);
        ROW("revenue growth %", value);
    }
    snprintf(count, sizeof(count), "%zu", p->earning);
    ROW("partners earning", count);
    snprintf(count, sizeof(count), "%zu", p->partners);
    ROW(p->partners_from_table ? "partners (partner table)" : "partners (with sales)", count);
    tool_format_percent(value, &p->participation);
    ROW("participation %", value);
#undef ROW
    return print(table, out, status);
}

static int
cost_table(FILE *out, const tool_programme *p)
{
    static const char *const titles[] = {"component", "kind", "cost", "% of revenue"};
    static const tool_align align[] = {TOOL_ALIGN_LEFT, TOOL_ALIGN_LEFT, TOOL_ALIGN_DECIMAL,
                                       TOOL_ALIGN_DECIMAL};
    tool_table *table = tool_table_new(4, titles, align);
    char cost[D], share[D];
    int status = table ? 0 : -1;

    for (size_t i = 0; status == 0 && i < p->cost_count; i++) {
        tool_format_decimal(cost, &p->costs[i].cost);
        tool_format_percent(share, &p->costs[i].share);
        const char *cells[] = {p->costs[i].component, p->costs[i].kind, cost, share};
        status = tool_table_add_row(table, cells);
    }
    if (status == 0) {
        tool_format_decimal(cost, &p->cost);
        tool_format_percent(share, &p->cost_share);
        const char *cells[] = {"(total)", "", cost, share};
        status = tool_table_add_row(table, cells);
    }
    return print(table, out, status);
}

static int
tier_table(FILE *out, const tool_programme *p)
{
    static const char *const titles[] = {"component", "period", "band", "from", "payees"};
    static const tool_align align[] = {TOOL_ALIGN_LEFT, TOOL_ALIGN_LEFT, TOOL_ALIGN_LEFT,
                                       TOOL_ALIGN_DECIMAL, TOOL_ALIGN_RIGHT};
    tool_table *table = tool_table_new(5, titles, align);
    char band[64], from[D], payees[32];
    int status = table ? 0 : -1;

    for (size_t i = 0; status == 0 && i < p->tier_count; i++) {
        const tool_programme_tier *t = &p->tiers[i];
        tool_band_label(band, sizeof(band), t->band, t->band_count);
        if (t->band == SIZE_MAX)
            strcpy(from, "");
        else
            tool_format_decimal(from, &t->from);
        snprintf(payees, sizeof(payees), "%zu", t->payees);
        const char *cells[] = {t->component, t->period, band, from, payees};
        status = tool_table_add_row(table, cells);
    }
    return print(table, out, status);
}

static int
revenue_table(FILE *out, const tool_programme *p)
{
    static const char *const titles[] = {"rank",  "partner",  "revenue",  "% of revenue",
                                         "earned", "baseline", "growth %"};
    static const tool_align align[] = {TOOL_ALIGN_RIGHT,   TOOL_ALIGN_LEFT,    TOOL_ALIGN_DECIMAL,
                                       TOOL_ALIGN_DECIMAL, TOOL_ALIGN_DECIMAL, TOOL_ALIGN_DECIMAL,
                                       TOOL_ALIGN_DECIMAL};
    size_t columns = p->has_baseline ? 7 : 5;
    tool_table *table = tool_table_new(columns, titles, align);
    char rank[32], revenue[D], share[D], earned[D], baseline[D], growth[D];
    int status = table ? 0 : -1;

    for (size_t i = 0; status == 0 && i < p->leader_count; i++) {
        const tool_programme_leader *l = &p->by_revenue[i];
        snprintf(rank, sizeof(rank), "%zu", i + 1);
        tool_format_decimal(revenue, &l->revenue);
        tool_format_percent(share, &l->share);
        tool_format_decimal(earned, &l->earned);
        tool_format_decimal(baseline, &l->baseline);
        tool_format_percent(growth, &l->growth);
        const char *cells[] = {rank, l->partner, revenue, share, earned, baseline, growth};
        status = tool_table_add_row(table, cells);
    }
    return print(table, out, status);
}

static int
attainment_table(FILE *out, const tool_programme *p)
{
    static const char *const titles[] = {"component", "period", "rank", "payee",
                                         "measure",   "basis",  "band", "to next band"};
    static const tool_align align[] = {TOOL_ALIGN_LEFT,  TOOL_ALIGN_LEFT,    TOOL_ALIGN_RIGHT,
                                       TOOL_ALIGN_LEFT,  TOOL_ALIGN_LEFT,    TOOL_ALIGN_DECIMAL,
                                       TOOL_ALIGN_LEFT,  TOOL_ALIGN_DECIMAL};
    tool_table *table = tool_table_new(8, titles, align);
    char rank[32], basis[D], band[64], needed[D];
    int status = table ? 0 : -1;
    size_t place = 0;

    for (size_t i = 0; status == 0 && i < p->attainment_count; i++) {
        const tool_programme_standing *s = &p->by_attainment[i];
        place = i > 0 && strcmp(p->by_attainment[i - 1].component, s->component) == 0 ? place + 1
                                                                                       : 1;
        snprintf(rank, sizeof(rank), "%zu", place);
        tool_format_decimal(basis, &s->basis);
        tool_band_label(band, sizeof(band), s->band, s->band_count);
        if (s->has_next)
            tool_format_decimal(needed, &s->needed);
        else
            strcpy(needed, "top band");
        const char *cells[] = {s->component, s->period, rank, s->payee,
                               s->measure,   basis,     band, needed};
        status = tool_table_add_row(table, cells);
    }
    return print(table, out, status);
}

static int
mdf_table(FILE *out, const tool_programme *p)
{
    static const char *const titles[] = {"component", "accrued", "claimed",       "reimbursed",
                                         "shortfall", "expired", "balance",       "utilised %",
                                         "expired %"};
    static const tool_align align[] = {TOOL_ALIGN_LEFT,    TOOL_ALIGN_DECIMAL, TOOL_ALIGN_DECIMAL,
                                       TOOL_ALIGN_DECIMAL, TOOL_ALIGN_DECIMAL, TOOL_ALIGN_DECIMAL,
                                       TOOL_ALIGN_DECIMAL, TOOL_ALIGN_DECIMAL, TOOL_ALIGN_DECIMAL};
    tool_table *table = tool_table_new(9, titles, align);
    char v[7][D];
    int status = table ? 0 : -1;

    for (size_t i = 0; status == 0 && i < p->mdf_count; i++) {
        const tool_programme_mdf *m = &p->mdf[i];
        tool_format_decimal(v[0], &m->accrued);
        tool_format_decimal(v[1], &m->claimed);
        tool_format_decimal(v[2], &m->reimbursed);
        tool_format_decimal(v[3], &m->shortfall);
        tool_format_decimal(v[4], &m->expired);
        tool_format_decimal(v[5], &m->balance);
        char utilised[D], expired[D];
        tool_format_percent(utilised, &m->utilisation);
        tool_format_percent(expired, &m->expired_share);
        const char *cells[] = {m->component, v[0], v[1], v[2], v[3], v[4], v[5], utilised,
                               expired};
        status = tool_table_add_row(table, cells);
    }
    return print(table, out, status);
}

void
tool_programme_range_text(char *out, size_t size, const char *from, const char *to)
{
    if (from && *from && to && *to)
        snprintf(out, size, "%s to %s", from, to);
    else if (from && *from)
        snprintf(out, size, "from %s", from);
    else if (to && *to)
        snprintf(out, size, "until %s", to);
    else
        snprintf(out, size, "all dates");
}

int
tool_write_report_table(FILE *out, const tool_programme *p)
{
    const char *name = tally_plan_name(p->plan);
    char range[64];

    fprintf(out, "Programme report: %s%s%s%s, amounts in %s\n", tally_plan_id(p->plan),
            name ? " (" : "", name ? name : "", name ? ")" : "", p->currency);
    tool_programme_range_text(range, sizeof(range), p->from, p->to);
    fprintf(out, "Range: %s", range);
    if (p->has_baseline) {
        tool_programme_range_text(range, sizeof(range), p->baseline_from, p->baseline_to);
        fprintf(out, "; baseline: %s", range);
    }
    fputs("\n\nSummary\n", out);
    if (summary(out, p) != 0)
        return -1;
    fputs("\nCost per component (earned, true-up, clawback and MDF reimbursed)\n", out);
    if (cost_table(out, p) != 0)
        return -1;
    if (p->tier_count) {
        fputs("\nPayees per tier reached\n", out);
        if (tier_table(out, p) != 0)
            return -1;
    }
    fprintf(out, "\nTop %zu partners by revenue\n", p->top);
    if (p->leader_count == 0)
        fputs("No partner has revenue in the range.\n", out);
    else if (revenue_table(out, p) != 0)
        return -1;
    if (p->attainment_count) {
        fprintf(out, "\nTop %zu by tier attainment (latest tier period of each component)\n",
                p->top);
        if (attainment_table(out, p) != 0)
            return -1;
    }
    if (p->mdf_count) {
        fputs("\nMDF utilisation (reimbursed and expired as % of accrued)\n", out);
        if (mdf_table(out, p) != 0)
            return -1;
    }
    return 0;
}
