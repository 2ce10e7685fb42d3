/*
 * `tally report --format html`: the programme view as a self-contained,
 * printable HTML page in the style of the partner statements (html.c): summary
 * cards, then one table per section. Exact decimals throughout.
 */
#include <stdint.h>
#include <string.h>

#include "tally.h"

#define D TALLY_DECIMAL_STRING_MAX

static void
percent_cell(FILE *out, const tool_percent *value)
{
    char text[D];
    tool_format_percent(text, value);
    tool_html_cell(out, text, 1);
}

static void
cards(FILE *out, const tool_programme *p)
{
    char value[2 * D + 64], a[D], b[D];

    fputs("<div class=\"cards\">\n", out);
    tool_format_decimal(a, &p->revenue);
    snprintf(value, sizeof(value), "%s %s", a, p->currency);
    tool_html_card(out, "Revenue", value);
    tool_format_decimal(a, &p->cost);
    snprintf(value, sizeof(value), "%s %s", a, p->currency);
    tool_html_card(out, "Total cost", value);
    tool_format_percent(a, &p->cost_share);
    snprintf(value, sizeof(value), "%s %%", a);
    tool_html_card(out, "Cost % of revenue", value);
    tool_format_percent(b, &p->participation);
    snprintf(value, sizeof(value), "%zu of %zu (%s %%)", p->earning, p->partners, b);
    tool_html_card(out, "Partners earning", value);
    if (p->has_baseline) {
        tool_format_percent(a, &p->growth);
        snprintf(value, sizeof(value), "%s %%", a);
        tool_html_card(out, "Revenue growth", value);
    }
    fputs("</div>\n", out);
}

static void
costs(FILE *out, const tool_programme *p)
{
    static const char *const titles[] = {"Component", "Kind", "Cost", "% of revenue"};
    static const int numeric[] = {0, 0, 1, 1};

    fputs("<h2>Cost per component</h2>\n<table>\n", out);
    tool_html_head_row(out, titles, 4, numeric);
    fputs("<tbody>\n", out);
    for (size_t i = 0; i < p->cost_count; i++) {
        fputs("<tr>", out);
        tool_html_cell(out, p->costs[i].component, 0);
        tool_html_cell(out, p->costs[i].kind, 0);
        tool_html_decimal_cell(out, &p->costs[i].cost);
        percent_cell(out, &p->costs[i].share);
        fputs("</tr>\n", out);
    }
    fputs("<tr class=\"total\">", out);
    tool_html_cell(out, "Total", 0);
    tool_html_cell(out, "", 0);
    tool_html_decimal_cell(out, &p->cost);
    percent_cell(out, &p->cost_share);
    fputs("</tr>\n</tbody>\n</table>\n", out);
}

static void
tiers(FILE *out, const tool_programme *p)
{
    static const char *const titles[] = {"Component", "Period", "Band", "From", "Payees"};
    static const int numeric[] = {0, 0, 0, 1, 1};
    char band[64], count[32];

    if (!p->tier_count)
        return;
    fputs("<h2>Payees per tier reached</h2>\n<table>\n", out);
    tool_html_head_row(out, titles, 5, numeric);
    fputs("<tbody>\n", out);
    for (size_t i = 0; i < p->tier_count; i++) {
        const tool_programme_tier *t = &p->tiers[i];
        tool_band_label(band, sizeof(band), t->band, t->band_count);
        snprintf(count, sizeof(count), "%zu", t->payees);
        fputs("<tr>", out);
        tool_html_cell(out, t->component, 0);
        tool_html_cell(out, t->period, 0);
        tool_html_cell(out, band, 0);
        if (t->band == SIZE_MAX)
            tool_html_cell(out, "", 1);
        else
            tool_html_decimal_cell(out, &t->from);
        tool_html_cell(out, count, 1);
        fputs("</tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);
}

static void
leaders(FILE *out, const tool_programme *p)
{
    static const char *const titles[] = {"Rank",   "Partner",  "Revenue", "% of revenue",
                                         "Earned", "Baseline", "Growth %"};
    static const int numeric[] = {1, 0, 1, 1, 1, 1, 1};
    char rank[32];

    fprintf(out, "<h2>Top %zu partners by revenue</h2>\n<table>\n", p->top);
    tool_html_head_row(out, titles, p->has_baseline ? 7 : 5, numeric);
    fputs("<tbody>\n", out);
    for (size_t i = 0; i < p->leader_count; i++) {
        const tool_programme_leader *l = &p->by_revenue[i];
        snprintf(rank, sizeof(rank), "%zu", i + 1);
        fputs("<tr>", out);
        tool_html_cell(out, rank, 1);
        tool_html_cell(out, l->partner, 0);
        tool_html_decimal_cell(out, &l->revenue);
        percent_cell(out, &l->share);
        tool_html_decimal_cell(out, &l->earned);
        if (p->has_baseline) {
            tool_html_decimal_cell(out, &l->baseline);
            percent_cell(out, &l->growth);
        }
        fputs("</tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);
}

static void
attainment(FILE *out, const tool_programme *p)
{
    static const char *const titles[] = {"Component", "Period", "Rank", "Payee",
                                         "Measure",   "Basis",  "Band", "To next band"};
    static const int numeric[] = {0, 0, 1, 0, 0, 1, 0, 1};
    char rank[32], band[64];
    size_t place = 0;

    if (!p->attainment_count)
        return;
    fprintf(out, "<h2>Top %zu by tier attainment</h2>\n<table class=\"wide\">\n", p->top);
    tool_html_head_row(out, titles, 8, numeric);
    fputs("<tbody>\n", out);
    for (size_t i = 0; i < p->attainment_count; i++) {
        const tool_programme_standing *a = &p->by_attainment[i];
        place = i > 0 && strcmp(p->by_attainment[i - 1].component, a->component) == 0 ? place + 1
                                                                                       : 1;
        snprintf(rank, sizeof(rank), "%zu", place);
        tool_band_label(band, sizeof(band), a->band, a->band_count);
        fputs("<tr>", out);
        tool_html_cell(out, a->component, 0);
        tool_html_cell(out, a->period, 0);
        tool_html_cell(out, rank, 1);
        tool_html_cell(out, a->payee, 0);
        tool_html_cell(out, a->measure, 0);
        tool_html_decimal_cell(out, &a->basis);
        tool_html_cell(out, band, 0);
        if (a->has_next)
            tool_html_decimal_cell(out, &a->needed);
        else
            tool_html_cell(out, "top band", 1);
        fputs("</tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);
}

static void
mdf(FILE *out, const tool_programme *p)
{
    static const char *const titles[] = {"Component", "Accrued", "Claimed",    "Reimbursed",
                                         "Shortfall", "Expired", "Balance",    "Utilised %",
                                         "Expired %"};
    static const int numeric[] = {0, 1, 1, 1, 1, 1, 1, 1, 1};

    if (!p->mdf_count)
        return;
    fputs("<h2>MDF utilisation</h2>\n<table class=\"wide\">\n", out);
    tool_html_head_row(out, titles, 9, numeric);
    fputs("<tbody>\n", out);
    for (size_t i = 0; i < p->mdf_count; i++) {
        const tool_programme_mdf *m = &p->mdf[i];
        fputs("<tr>", out);
        tool_html_cell(out, m->component, 0);
        tool_html_decimal_cell(out, &m->accrued);
        tool_html_decimal_cell(out, &m->claimed);
        tool_html_decimal_cell(out, &m->reimbursed);
        tool_html_decimal_cell(out, &m->shortfall);
        tool_html_decimal_cell(out, &m->expired);
        tool_html_decimal_cell(out, &m->balance);
        percent_cell(out, &m->utilisation);
        percent_cell(out, &m->expired_share);
        fputs("</tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);
}

int
tool_write_report_html(FILE *out, const tool_programme *p)
{
    const char *name = tally_plan_name(p->plan);
    char range[64], title[256], digest[TALLY_RESULT_DIGEST_HEX_SIZE];

    snprintf(title, sizeof(title), "Programme report: %s", name ? name : tally_plan_id(p->plan));
    tool_html_begin(out, title);
    fputs("<header>\n<h1>", out);
    tool_html_text(out, title);
    fputs("</h1>\n<p class=\"meta\">Plan ", out);
    tool_html_text(out, tally_plan_id(p->plan));
    fputs(", amounts in ", out);
    tool_html_text(out, p->currency);
    tool_programme_range_text(range, sizeof(range), p->from, p->to);
    fputs("</p>\n<p class=\"meta\">Range: ", out);
    tool_html_text(out, range);
    if (p->has_baseline) {
        tool_programme_range_text(range, sizeof(range), p->baseline_from, p->baseline_to);
        fputs("; baseline: ", out);
        tool_html_text(out, range);
    }
    fputs("</p>\n</header>\n", out);
    cards(out, p);
    costs(out, p);
    tiers(out, p);
    leaders(out, p);
    attainment(out, p);
    mdf(out, p);
    fputs("<footer>Plan digest ", out);
    tool_html_text(out, p->report.plan_digest);
    fputs("<br>Input digest ", out);
    tool_html_text(out, p->report.input_digest);
    fputs("<br>Result digest ", out);
    tool_html_text(out, tool_report_result_digest(&p->report, digest));
    fputs("<br>Generated by tally ", out);
    tool_html_text(out, tally_version());
    fputs("</footer>\n", out);
    tool_html_end(out);
    return 0;
}
