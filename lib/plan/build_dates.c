/*
 * Rules about dates and periods: a window must not end before it starts and must
 * share a day with its version; a settlement period must be shorter than the
 * component's period and nest in it (its boundaries fall on the period's).
 */
#include <stdio.h>
#include <string.h>

#include "plan/builder.h"

static const char *const month_names[12] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December",
};

/* ---- windows ---- */

int
tally_build__check_range(tally_builder *builder, const xmlNode *node, const char *what,
                         tally_day from, tally_day to)
{
    if (to >= from)
        return 1;
    char from_text[TALLY_DATE_TEXT_SIZE], to_text[TALLY_DATE_TEXT_SIZE];
    tally_date__format(from_text, from);
    tally_date__format(to_text, to);
    tally_build__error(builder, node, "%s ends on %s, before it starts on %s", what, to_text,
                       from_text);
    return 0;
}

static void
describe_version(char *out, size_t size, const tally_plan_version_model *version)
{
    if (version->open_ended)
        snprintf(out, size, "from %s, open-ended", version->effective_from_text);
    else
        snprintf(out, size, "%s to %s", version->effective_from_text,
                 version->effective_to_text);
}

void
tally_build__check_window_in_version(tally_builder *builder, const xmlNode *node,
                                     const char *what, tally_day from, tally_day to,
                                     const tally_version_scope *scope)
{
    const tally_plan_version_model *version = scope->version;
    if (!scope->dates_valid)
        return;
    int before = to < version->effective_from;
    int after = !version->open_ended && from > version->effective_to;
    if (!before && !after)
        return;
    char from_text[TALLY_DATE_TEXT_SIZE], to_text[TALLY_DATE_TEXT_SIZE], span[64];
    tally_date__format(from_text, from);
    tally_date__format(to_text, to);
    describe_version(span, sizeof(span), version);
    tally_build__error(builder, node,
                       "%s %s to %s lies entirely outside version \"%s\" (%s), so it can "
                       "never apply",
                       what, from_text, to_text, version->id ? version->id : "", span);
}

/* ---- settlement ---- */

static int
is_fiscal(tally_period_kind kind)
{
    return kind == TALLY_PERIOD_FISCAL_QUARTER || kind == TALLY_PERIOD_FISCAL_HALF ||
           kind == TALLY_PERIOD_FISCAL_YEAR;
}

/* First month of the kind's years, 0-based: fiscal kinds follow the plan's calendar. */
static int
start_shift(tally_period_kind kind, int fiscal_start_month)
{
    return is_fiscal(kind) ? fiscal_start_month - 1 : 0;
}

static const char *
plural(tally_period_kind kind)
{
    static const char *const names[] = {
        [TALLY_PERIOD_MONTH] = "months",
        [TALLY_PERIOD_QUARTER] = "calendar quarters",
        [TALLY_PERIOD_HALF] = "calendar halves",
        [TALLY_PERIOD_YEAR] = "calendar years",
        [TALLY_PERIOD_FISCAL_QUARTER] = "fiscal quarters",
        [TALLY_PERIOD_FISCAL_HALF] = "fiscal halves",
        [TALLY_PERIOD_FISCAL_YEAR] = "fiscal years",
    };
    return (size_t)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "periods";
}

/* The calendar kind of the same length for a fiscal one, and the other way round. */
static tally_period_kind
counterpart(tally_period_kind kind)
{
    switch (kind) {
    case TALLY_PERIOD_QUARTER:
        return TALLY_PERIOD_FISCAL_QUARTER;
    case TALLY_PERIOD_HALF:
        return TALLY_PERIOD_FISCAL_HALF;
    case TALLY_PERIOD_YEAR:
        return TALLY_PERIOD_FISCAL_YEAR;
    case TALLY_PERIOD_FISCAL_QUARTER:
        return TALLY_PERIOD_QUARTER;
    case TALLY_PERIOD_FISCAL_HALF:
        return TALLY_PERIOD_HALF;
    case TALLY_PERIOD_FISCAL_YEAR:
        return TALLY_PERIOD_YEAR;
    case TALLY_PERIOD_MONTH:
        break;
    }
    return kind;
}

/* "January, April, July and October": the months periods of the kind start in. */
static void
start_months(char *out, size_t size, tally_period_kind kind, int fiscal_start_month)
{
    int months = tally_period__months(kind);
    int count = 12 / months;
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < count && used < size; i++) {
        const char *separator = i == 0 ? "" : i == count - 1 ? " and " : ", ";
        int month = (start_shift(kind, fiscal_start_month) + i * months) % 12;
        int written = snprintf(out + used, size - used, "%s%s", separator, month_names[month]);
        if (written < 0)
            return;
        used += (size_t)written;
    }
}

void
tally_build__check_settlement(tally_builder *builder, const xmlNode *node,
                              const tally_component *component)
{
    if (!component->has_settlement)
        return;
    tally_period_kind period = component->period, settlement = component->settlement;
    int fiscal_start = builder->plan->fiscal_start_month;
    int period_months = tally_period__months(period);
    int settlement_months = tally_period__months(settlement);
    if (settlement_months >= period_months || period_months % settlement_months != 0) {
        tally_build__error(builder, node,
                           "settlement \"%s\" must be shorter than the period \"%s\": each "
                           "period is paid in several settlement periods, each a true-up of "
                           "the period so far",
                           tally_period__kind_name(settlement), tally_period__kind_name(period));
        return;
    }
    int offset = start_shift(period, fiscal_start) - start_shift(settlement, fiscal_start);
    if (((offset % settlement_months) + settlement_months) % settlement_months == 0)
        return;
    char period_starts[96], settlement_starts[96];
    start_months(period_starts, sizeof(period_starts), period, fiscal_start);
    start_months(settlement_starts, sizeof(settlement_starts), settlement, fiscal_start);
    tally_build__error(builder, node,
                       "settlement \"%s\" does not nest in the period \"%s\": %s start in %s, "
                       "but %s start in %s; use settlement=\"%s\"",
                       tally_period__kind_name(settlement), tally_period__kind_name(period),
                       plural(period), period_starts, plural(settlement), settlement_starts,
                       tally_period__kind_name(counterpart(settlement)));
}
