/*
 * `tally check`'s lint: what a valid plan most likely did not mean. Each finding is
 * a warning printed as "plan.xml:LINE: component ID: message" on standard error:
 *
 *  - a cliff: in whole mode, one more unit of volume lowers the payout (the band
 *    reached pays less on the whole volume than the band below paid just under its
 *    limit), computed exactly, with the cap;
 *  - unreachable bands: the cap is at or below what a band pays at its start, so
 *    its rate never matters (a cap at or below what the first band pays at its
 *    start caps every payout);
 *  - a component no transaction can ever match or earn: a SPIFF whose eligibility
 *    window shares no day with its own window, or none of whose products passes its
 *    products filter. (Windows outside their version and empty lists are already
 *    load errors.)
 *
 * Payouts are compared before multipliers and rounding, with the public accessors
 * only; money never leaves tally_decimal.
 */
#include <stdarg.h>
#include <string.h>

#include "tally.h"

typedef struct lint {
    const char *source; /* the plan's name in messages */
    FILE *out;
    size_t warnings;
} lint;

static void
warn(lint *l, const tally_component *component, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void
warn(lint *l, const tally_component *component, const char *format, ...)
{
    va_list args;

    fprintf(l->out, "%s:%lu: component %s: ", l->source, tally_component_line(component),
            tally_component_id(component));
    va_start(args, format);
    vfprintf(l->out, format, args);
    va_end(args);
    fputc('\n', l->out);
    l->warnings++;
}

/* ---- tiers ---- */

typedef struct band {
    tally_decimal from, to, value;
    int open;
} band;

#define MAX_BANDS 128 /* the schema allows 100 */

static char *
text(char out[TALLY_DECIMAL_STRING_MAX], const tally_decimal *value)
{
    tool_format_decimal(out, value);
    return out;
}

static int
less(const tally_decimal *a, const tally_decimal *b)
{
    int c = 0;
    tally_decimal_compare(&c, a, b);
    return c < 0;
}

static const tally_decimal *
lesser(const tally_decimal *a, const tally_decimal *b)
{
    return less(b, a) ? b : a;
}

/* 1 when the payout is a function of the measured value alone: revenue × rate or
 * units × per-unit amount (whole and marginal), or band amounts (interpolated). */
static int
payout_follows_measure(const tally_tier_table *tiers)
{
    tally_tier_mode mode = tally_tier_table_mode(tiers);
    tally_tier_measure measure = tally_tier_table_measure(tiers);
    tally_band_pays pays = tally_tier_table_pays(tiers);

    if (mode == TALLY_TIERS_INTERPOLATED)
        return 1;
    return (measure == TALLY_MEASURE_AMOUNT && pays == TALLY_BAND_RATE) ||
           (measure == TALLY_MEASURE_QUANTITY && pays == TALLY_BAND_PER_UNIT);
}

/* What the tiers pay at the start of band @p index, before minimum, multiplier, cap
 * and rounding. Returns TALLY_OK or TALLY_ERR_OVERFLOW. */
static int
payout_at_start(const tally_tier_table *tiers, const band *bands, size_t index,
                tally_decimal *out)
{
    tally_decimal sum, part, width;
    int status = TALLY_OK;

    tally_decimal_from_int(&sum, 0, 0);
    switch (tally_tier_table_mode(tiers)) {
    case TALLY_TIERS_WHOLE:
        status = tally_decimal_mul(&sum, &bands[index].value, &bands[index].from);
        break;
    case TALLY_TIERS_MARGINAL:
        for (size_t j = 0; status == TALLY_OK && j < index; j++) {
            status = tally_decimal_sub(&width, &bands[j].to, &bands[j].from);
            if (status == TALLY_OK)
                status = tally_decimal_mul(&part, &bands[j].value, &width);
            if (status == TALLY_OK)
                status = tally_decimal_add(&sum, &sum, &part);
        }
        break;
    case TALLY_TIERS_INTERPOLATED:
        for (size_t j = 0; status == TALLY_OK && j < index; j++)
            status = tally_decimal_add(&sum, &sum, &bands[j].value);
        /* The open top band's amount is paid in full once it is entered. */
        if (status == TALLY_OK && bands[index].open)
            status = tally_decimal_add(&sum, &sum, &bands[index].value);
        break;
    }
    *out = sum;
    return status;
}

/* Whole mode: where reaching a band lowers the payout. */
static void
check_cliffs(lint *l, const tally_component *component, const tally_tier_table *tiers,
             const band *bands, size_t count, const tally_decimal *cap)
{
    char a[TALLY_DECIMAL_STRING_MAX], b[TALLY_DECIMAL_STRING_MAX], c[TALLY_DECIMAL_STRING_MAX];
    char d[TALLY_DECIMAL_STRING_MAX], e[TALLY_DECIMAL_STRING_MAX];
    const char *pays = tool_pays_name(tally_tier_table_pays(tiers));

    if (tally_tier_table_mode(tiers) != TALLY_TIERS_WHOLE)
        return;
    for (size_t i = 1; i < count; i++) {
        const band *below = &bands[i - 1], *at = &bands[i];
        if (!less(&at->value, &below->value))
            continue;
        if (!payout_follows_measure(tiers)) {
            warn(l, component,
                 "band %zu (from %s) pays %s %s, less than band %zu's %s: reaching %s lowers "
                 "the payout on the whole volume",
                 i + 1, text(a, &at->from), pays, text(b, &at->value), i, text(c, &below->value),
                 text(d, &at->from));
            continue;
        }
        tally_decimal just_under, at_start;
        if (tally_decimal_mul(&just_under, &below->value, &at->from) != TALLY_OK ||
            tally_decimal_mul(&at_start, &at->value, &at->from) != TALLY_OK)
            continue;
        const tally_decimal *under_paid = cap ? lesser(&just_under, cap) : &just_under;
        const tally_decimal *start_paid = cap ? lesser(&at_start, cap) : &at_start;
        if (!less(start_paid, under_paid))
            continue; /* both capped: no cliff */
        warn(l, component,
             "cliff at %s: one more unit of volume lowers the payout from just under %s "
             "(band %zu, %s %s) to %s (band %zu, %s %s)",
             text(a, &at->from), text(b, under_paid), i, pays, text(c, &below->value),
             text(d, start_paid), i + 1, pays, text(e, &at->value));
    }
}

/* Bands whose start pays the cap already. */
static void
check_cap(lint *l, const tally_component *component, const tally_tier_table *tiers,
          const band *bands, size_t count, const tally_decimal *cap)
{
    char a[TALLY_DECIMAL_STRING_MAX], b[TALLY_DECIMAL_STRING_MAX], c[TALLY_DECIMAL_STRING_MAX];
    int unreachable[MAX_BANDS];
    tally_decimal start[MAX_BANDS];

    if (!payout_follows_measure(tiers))
        return;
    for (size_t i = 0; i < count; i++) {
        if (payout_at_start(tiers, bands, i, &start[i]) != TALLY_OK)
            return;
        unreachable[i] = !less(&start[i], cap); /* cap <= payout at the start */
    }
    if (unreachable[0]) {
        warn(l, component,
             "the cap %s is at or below what the first band pays at its start (%s at %s): "
             "every payout is capped",
             text(a, cap), text(b, &start[0]), text(c, &bands[0].from));
    }
    for (size_t i = 1; i < count; i++) {
        if (!unreachable[i] || unreachable[i - 1])
            continue;
        size_t last = i;
        while (last + 1 < count && unreachable[last + 1])
            last++;
        if (last == i)
            warn(l, component,
                 "band %zu (from %s) is unreachable: the cap %s is reached at or before its "
                 "start, where the tiers pay %s",
                 i + 1, text(a, &bands[i].from), text(b, cap), text(c, &start[i]));
        else
            warn(l, component,
                 "bands %zu to %zu (from %s) are unreachable: the cap %s is reached at or "
                 "before band %zu starts, where the tiers pay %s",
                 i + 1, last + 1, text(a, &bands[i].from), text(b, cap), i + 1,
                 text(c, &start[i]));
    }
}

static void
check_tiers(lint *l, const tally_component *component)
{
    const tally_tier_table *tiers = tally_component_tiers(component);
    band bands[MAX_BANDS];
    tally_decimal cap;
    size_t count = tally_tier_table_band_count(tiers);

    if (!tiers || count == 0 || count > MAX_BANDS)
        return;
    for (size_t i = 0; i < count; i++)
        if (tally_tier_table_band(tiers, i, &bands[i].from, &bands[i].to, &bands[i].open,
                                  &bands[i].value) != TALLY_OK)
            return;
    int has_cap = tally_component_cap(component, &cap);
    check_cliffs(l, component, tiers, bands, count, has_cap ? &cap : NULL);
    if (has_cap)
        check_cap(l, component, tiers, bands, count, &cap);
}

/* ---- what can match ---- */

static int
listed(const tally_component *component, tally_filter_field field, const char *id)
{
    int exclude = 0;
    size_t count = tally_component_filter(component, field, &exclude);
    for (size_t i = 0; i < count; i++)
        if (strcmp(tally_component_filter_id(component, field, i), id) == 0)
            return 1;
    return 0;
}

static void
check_spiff(lint *l, const tally_component *component)
{
    char from[TALLY_PLAN_DATE_SIZE], to[TALLY_PLAN_DATE_SIZE];
    char spiff_from[TALLY_PLAN_DATE_SIZE], spiff_to[TALLY_PLAN_DATE_SIZE];

    if (!tally_component_spiff_window(component, spiff_from, spiff_to))
        return;
    if (tally_component_window(component, from, to) &&
        (strcmp(to, spiff_from) < 0 || strcmp(spiff_to, from) < 0))
        warn(l, component,
             "the eligibility window %s to %s shares no day with the spiff window %s to %s: "
             "no transaction can ever match",
             from, to, spiff_from, spiff_to);

    int exclude = 0;
    size_t filtered = tally_component_filter(component, TALLY_FILTER_PRODUCTS, &exclude);
    size_t products = tally_component_spiff_product_count(component), passing = 0;
    if (filtered == 0)
        return;
    for (size_t i = 0; i < products; i++) {
        int in_list = listed(component, TALLY_FILTER_PRODUCTS,
                             tally_component_spiff_product_at(component, i, NULL));
        passing += exclude ? !in_list : in_list;
    }
    if (products > 0 && passing == 0)
        warn(l, component,
             "none of the spiff's %zu product%s passes its <products%s> filter: no "
             "transaction can ever earn",
             products, products == 1 ? "" : "s", exclude ? " exclude=\"true\"" : "");
}

size_t
tool_lint_plan(const tally_plan *plan, const char *source, FILE *out)
{
    lint l = {source, out, 0};

    for (size_t v = 0; v < tally_plan_version_count(plan); v++) {
        const tally_plan_version *version = tally_plan_version_at(plan, v);
        for (size_t i = 0; i < tally_plan_version_component_count(version); i++) {
            const tally_component *component = tally_plan_version_component_at(version, i);
            check_tiers(&l, component);
            check_spiff(&l, component);
        }
    }
    return l.warnings;
}
