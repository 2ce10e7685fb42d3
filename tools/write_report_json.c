/*
 * `tally report --format json`: the programme view as one object. Amounts and
 * percentages are strings holding exact decimals (a percentage of zero is null),
 * counts and ranks are integers.
 */
#include <stdint.h>
#include <string.h>

#include "tally.h"

#define D TALLY_DECIMAL_STRING_MAX

static void
percent(FILE *out, const char *indent, const char *key, const tool_percent *value, int last)
{
    char buffer[D];
    tool_format_decimal(buffer, &value->value);
    tool_json_string_member(out, indent, key, value->defined ? buffer : NULL, last);
}

/* Opens the array @p key; the caller writes the items. */
static void
open_array(FILE *out, const char *key, size_t items)
{
    tool_json_member_key(out, "  ", key);
    fputs(items ? "[\n" : "[]", out);
}

static void
close_item(FILE *out, size_t i, size_t items)
{
    fputs(i + 1 < items ? "    },\n" : "    }\n  ]", out);
}

int
tool_write_report_json(FILE *out, const tool_programme *p)
{
    static const char *const in = "  ", *const item = "      ";
    char digest[TALLY_RESULT_DIGEST_HEX_SIZE];

    fputs("{\n", out);
    tool_json_string_member(out, in, "tally_version", tally_version(), 0);
    tool_json_string_member(out, in, "plan_id", tally_plan_id(p->plan), 0);
    tool_json_string_member(out, in, "plan_name", tally_plan_name(p->plan), 0);
    tool_json_string_member(out, in, "plan_digest", p->report.plan_digest, 0);
    tool_json_string_member(out, in, "input_digest", p->report.input_digest, 0);
    tool_json_string_member(out, in, "result_digest",
                            tool_report_result_digest(&p->report, digest), 0);
    tool_json_string_member(out, in, "currency", p->currency, 0);
    tool_json_string_member(out, in, "from", p->from[0] ? p->from : NULL, 0);
    tool_json_string_member(out, in, "to", p->to[0] ? p->to : NULL, 0);
    tool_json_decimal_member(out, in, "revenue", &p->revenue, 0);
    tool_json_decimal_member(out, in, "total_cost", &p->cost, 0);
    percent(out, in, "cost_percent_of_revenue", &p->cost_share, 0);
    tool_json_member_key(out, in, "baseline");
    if (p->has_baseline) {
        fputs("{\n", out);
        tool_json_string_member(out, "    ", "from", p->baseline_from, 0);
        tool_json_string_member(out, "    ", "to", p->baseline_to, 0);
        tool_json_decimal_member(out, "    ", "revenue", &p->baseline_revenue, 0);
        percent(out, "    ", "growth_percent", &p->growth, 1);
        fputs("  },\n", out);
    } else {
        fputs("null,\n", out);
    }
    tool_json_member_key(out, in, "participation");
    fputs("{\n", out);
    tool_json_count_member(out, "    ", "partners_earning", p->earning, 0);
    tool_json_count_member(out, "    ", "partners", p->partners, 0);
    tool_json_string_member(out, "    ", "partners_counted_from",
                            p->partners_from_table ? "partner-table" : "sales", 0);
    percent(out, "    ", "percent", &p->participation, 1);
    fputs("  },\n", out);

    open_array(out, "cost_per_component", p->cost_count);
    for (size_t i = 0; i < p->cost_count; i++) {
        const tool_programme_cost *c = &p->costs[i];
        fputs("    {\n", out);
        tool_json_string_member(out, item, "component", c->component, 0);
        tool_json_string_member(out, item, "name", c->name, 0);
        tool_json_string_member(out, item, "kind", c->kind, 0);
        tool_json_decimal_member(out, item, "cost", &c->cost, 0);
        percent(out, item, "percent_of_revenue", &c->share, 1);
        close_item(out, i, p->cost_count);
    }
    fputs(",\n", out);

    open_array(out, "tiers", p->tier_count);
    for (size_t i = 0; i < p->tier_count; i++) {
        const tool_programme_tier *t = &p->tiers[i];
        fputs("    {\n", out);
        tool_json_string_member(out, item, "component", t->component, 0);
        tool_json_string_member(out, item, "period", t->period, 0);
        tool_json_member_key(out, item, "band");
        if (t->band == SIZE_MAX)
            fputs("null,\n", out);
        else
            fprintf(out, "%zu,\n", t->band + 1);
        tool_json_count_member(out, item, "bands", t->band_count, 0);
        if (t->band != SIZE_MAX)
            tool_json_decimal_member(out, item, "from", &t->from, 0);
        tool_json_count_member(out, item, "payees", t->payees, 1);
        close_item(out, i, p->tier_count);
    }
    fputs(",\n", out);

    tool_json_count_member(out, in, "top", p->top, 0);
    open_array(out, "leaderboard_by_revenue", p->leader_count);
    for (size_t i = 0; i < p->leader_count; i++) {
        const tool_programme_leader *l = &p->by_revenue[i];
        fputs("    {\n", out);
        tool_json_count_member(out, item, "rank", i + 1, 0);
        tool_json_string_member(out, item, "partner", l->partner, 0);
        tool_json_decimal_member(out, item, "revenue", &l->revenue, 0);
        percent(out, item, "percent_of_revenue", &l->share, 0);
        if (p->has_baseline) {
            tool_json_decimal_member(out, item, "baseline_revenue", &l->baseline, 0);
            percent(out, item, "growth_percent", &l->growth, 0);
        }
        tool_json_decimal_member(out, item, "earned", &l->earned, 1);
        close_item(out, i, p->leader_count);
    }
    fputs(",\n", out);

    open_array(out, "leaderboard_by_attainment", p->attainment_count);
    size_t place = 0;
    for (size_t i = 0; i < p->attainment_count; i++) {
        const tool_programme_standing *a = &p->by_attainment[i];
        place = i > 0 && strcmp(p->by_attainment[i - 1].component, a->component) == 0 ? place + 1
                                                                                       : 1;
        fputs("    {\n", out);
        tool_json_string_member(out, item, "component", a->component, 0);
        tool_json_string_member(out, item, "period", a->period, 0);
        tool_json_count_member(out, item, "rank", place, 0);
        tool_json_string_member(out, item, "payee", a->payee, 0);
        tool_json_string_member(out, item, "measure", a->measure, 0);
        tool_json_decimal_member(out, item, "basis", &a->basis, 0);
        tool_json_member_key(out, item, "band");
        if (a->band == SIZE_MAX)
            fputs("null,\n", out);
        else
            fprintf(out, "%zu,\n", a->band + 1);
        tool_json_count_member(out, item, "bands", a->band_count, 0);
        tool_json_member_key(out, item, "needed_for_next_band");
        if (a->has_next) {
            char buffer[D];
            tool_format_decimal(buffer, &a->needed);
            tool_json_string(out, buffer);
            fputs("\n", out);
        } else {
            fputs("null\n", out);
        }
        close_item(out, i, p->attainment_count);
    }
    fputs(",\n", out);

    open_array(out, "mdf", p->mdf_count);
    for (size_t i = 0; i < p->mdf_count; i++) {
        const tool_programme_mdf *m = &p->mdf[i];
        fputs("    {\n", out);
        tool_json_string_member(out, item, "component", m->component, 0);
        tool_json_decimal_member(out, item, "accrued", &m->accrued, 0);
        tool_json_decimal_member(out, item, "claimed", &m->claimed, 0);
        tool_json_decimal_member(out, item, "reimbursed", &m->reimbursed, 0);
        tool_json_decimal_member(out, item, "shortfall", &m->shortfall, 0);
        tool_json_decimal_member(out, item, "expired", &m->expired, 0);
        tool_json_decimal_member(out, item, "balance", &m->balance, 0);
        percent(out, item, "utilised_percent", &m->utilisation, 0);
        percent(out, item, "expired_percent", &m->expired_share, 1);
        close_item(out, i, p->mdf_count);
    }
    fputs("\n}\n", out);
    return 0;
}
