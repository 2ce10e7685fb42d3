/*
 * <tiers>: a table of half-open bands [from, to), the last one open-ended. Bands
 * are listed in ascending order, contiguous (no gap, no overlap), none empty; all
 * pay the same way (rate, per-unit or amount), and that way must suit the mode and
 * the measure. Table-level rules are checked before the bands so that errors come
 * out in document order.
 */
#include <stdio.h>

#include "plan/builder.h"

/* In the order of tally_band_pays. */
static const char *const pays_names[] = {"rate", "per-unit", "amount"};
#define PAYS_COUNT 3

static const char *const mode_names[] = {"whole", "marginal", "interpolated"};
static const char *const measure_names[] = {"amount", "quantity", "attainment"};
static const char *const basis_names[] = {"period", "transaction"};

/* What one band element says it pays: how many of the three attributes it has. */
typedef struct band_pays {
    int count;
    tally_band_pays pays; /* the first one given */
} band_pays;

static band_pays
read_pays(tally_builder *builder, const xmlNode *band)
{
    band_pays found = {0, TALLY_BAND_RATE};
    for (int i = PAYS_COUNT - 1; i >= 0; i--) {
        if (tally_build__attribute(builder, band, pays_names[i])) {
            found.count++;
            found.pays = (tally_band_pays)i;
        }
    }
    return found;
}

/* The way the first well-formed band pays sets the table's; 0 when none is. */
static int
table_pays(tally_builder *builder, const xmlNode *tiers, tally_band_pays *out,
           size_t *deciding_band)
{
    size_t index = 0;
    for (xmlNode *band = tally_build__first_element(tiers); band;
         band = tally_build__next_element(band)) {
        index++;
        band_pays found = read_pays(builder, band);
        if (tally_build__is(band, "band") && found.count == 1) {
            *out = found.pays;
            *deciding_band = index;
            return 1;
        }
    }
    return 0;
}

/* ---- table-level rules ---- */

static void
check_mode_and_pays(tally_builder *builder, const xmlNode *node, const tally_tier_table *t)
{
    const char *mode = mode_names[t->mode];
    if (t->mode == TALLY_TIERS_INTERPOLATED && t->pays != TALLY_BAND_AMOUNT)
        tally_build__error(builder, node,
                           "interpolated tiers pay a fixed amount per band: give every band "
                           "amount=\"...\" instead of %s",
                           pays_names[t->pays]);
    else if (t->mode != TALLY_TIERS_INTERPOLATED && t->pays == TALLY_BAND_AMOUNT)
        tally_build__error(builder, node,
                           "%s tiers pay a rate or a per-unit amount: fixed band amounts are "
                           "only paid by mode=\"interpolated\"",
                           mode);
    else if (t->measure == TALLY_MEASURE_ATTAINMENT && t->pays == TALLY_BAND_PER_UNIT)
        tally_build__error(builder, node,
                           "%s tiers on attainment pay rates: give every band rate=\"...\" "
                           "instead of per-unit",
                           mode);
    else if (t->mode == TALLY_TIERS_MARGINAL && t->measure == TALLY_MEASURE_QUANTITY &&
             t->pays == TALLY_BAND_RATE)
        tally_build__error(builder, node,
                           "marginal tiers on quantity pay per-unit amounts: a rate would "
                           "multiply a number of units; give every band per-unit=\"...\"");
    else if (t->mode == TALLY_TIERS_MARGINAL && t->measure == TALLY_MEASURE_AMOUNT &&
             t->pays == TALLY_BAND_PER_UNIT)
        tally_build__error(builder, node,
                           "marginal tiers on amount pay rates: a per-unit amount would "
                           "multiply revenue; give every band rate=\"...\"");
}

static void
check_basis(tally_builder *builder, const xmlNode *node, const tally_tier_table *t,
            const tally_component *component)
{
    int on_period = t->basis == TALLY_BASIS_PERIOD;
    if (t->measure == TALLY_MEASURE_ATTAINMENT && !on_period)
        tally_build__error(builder, node,
                           "tiers on attainment need basis=\"period\": attainment is the "
                           "period's revenue against the quota, not a single transaction");
    if (component->kind == TALLY_COMPONENT_GROWTH_REBATE &&
        t->measure != TALLY_MEASURE_AMOUNT)
        tally_build__error(builder, node,
                           "growth-rebate tiers must measure amount (found %s): growth is "
                           "the increase of revenue over the baseline",
                           measure_names[t->measure]);
    if (component->kind == TALLY_COMPONENT_GROWTH_REBATE && !on_period)
        tally_build__error(builder, node,
                           "growth-rebate tiers need basis=\"period\": growth is only known "
                           "for a whole period");
    /* domain.md section 9, item 14. */
    if (component->rounding.point == TALLY_ROUNDING_PER_TRANSACTION && on_period &&
        t->mode != TALLY_TIERS_WHOLE)
        tally_build__error(builder, node,
                           "per-transaction rounding cannot be combined with %s tiers on the "
                           "period total: their payout is only known once the period is "
                           "complete; use <rounding point=\"per-payout\"/> or "
                           "basis=\"transaction\"",
                           mode_names[t->mode]);
}

/* ---- bands ---- */

/* Where the walk over the bands is. */
typedef struct band_walk {
    size_t count;          /* bands in the table */
    size_t deciding_band;  /* 1-based band whose way of paying sets the table's */
    int order_broken;      /* stop comparing neighbours after a misordered band */
    const tally_band *previous;
    int previous_usable;   /* its from and to are known and in order */
} band_walk;

static void
report_pays(tally_builder *builder, const xmlNode *node, size_t index, band_pays found,
            const tally_tier_table *table, const band_walk *walk)
{
    if (found.count == 0)
        tally_build__error(builder, node,
                           "band %zu has none of rate, per-unit or amount: give exactly one",
                           index);
    else if (found.count > 1)
        tally_build__error(builder, node,
                           "band %zu has more than one of rate, per-unit and amount: give "
                           "exactly one",
                           index);
    else if (found.pays != table->pays)
        tally_build__error(builder, node,
                           "band %zu pays %s but band %zu pays %s: every band of a table must "
                           "pay the same way",
                           index, pays_names[found.pays], walk->deciding_band,
                           pays_names[table->pays]);
}

static void
read_value(tally_builder *builder, const xmlNode *node, size_t index, band_pays found,
           tally_band *band)
{
    if (found.count != 1)
        return;
    const char *name = pays_names[found.pays];
    char what[48];
    snprintf(what, sizeof(what), "band %zu %s", index, name);
    if (!tally_build__decimal_attribute(builder, node, name, &band->value))
        return;
    if (found.pays == TALLY_BAND_RATE)
        tally_build__require_rate(builder, node, what, &band->value);
    else
        tally_build__require_not_negative(builder, node, what, &band->value);
}

/* Reads from and to; returns 1 when both are known and the band is not empty. */
static int
read_limits(tally_builder *builder, const xmlNode *node, size_t index, tally_band *band)
{
    char from_text[TALLY_DECIMAL_STRING_MAX], to_text[TALLY_DECIMAL_STRING_MAX];
    const char *from = tally_build__required(builder, node, "from");
    if (!from || !tally_build__decimal(builder, node, "from", from, &band->from))
        return 0;
    tally_build__require_not_negative(builder, node, "from", &band->from);
    band->open = tally_build__attribute(builder, node, "to") == NULL;
    if (band->open)
        return 1;
    if (!tally_build__decimal_attribute(builder, node, "to", &band->to))
        return 0;
    tally_build__decimal_text(from_text, &band->from);
    tally_build__decimal_text(to_text, &band->to);
    int order = tally_build__compare(&band->to, &band->from);
    if (order < 0)
        tally_build__error(builder, node, "band %zu ends at %s, before it starts at %s", index,
                           to_text, from_text);
    else if (order == 0)
        tally_build__error(builder, node,
                           "band %zu is empty: [%s, %s) is unreachable, since a band includes "
                           "its from and excludes its to",
                           index, from_text, to_text);
    return order > 0;
}

static void
check_openness(tally_builder *builder, const xmlNode *node, size_t index,
               const tally_band *band, const band_walk *walk)
{
    if (band->open && index < walk->count) {
        tally_build__error(builder, node,
                           "band %zu is open-ended but is followed by band %zu, which can "
                           "never be reached",
                           index, index + 1);
    } else if (!band->open && index == walk->count) {
        char to_text[TALLY_DECIMAL_STRING_MAX];
        tally_build__decimal_text(to_text, &band->to);
        tally_build__error(builder, node,
                           "the last band must be open-ended (leave out its to attribute): "
                           "values of %s and more would fall in no band",
                           to_text);
    }
}

static const tally_decimal *
smaller(const tally_decimal *a, const tally_decimal *b)
{
    return tally_build__compare(a, b) <= 0 ? a : b;
}

/* The band starts where the previous one ends: no gap, no overlap. */
static void
check_neighbour(tally_builder *builder, const xmlNode *node, size_t index,
                const tally_band *band, band_walk *walk)
{
    const tally_band *previous = walk->previous;
    char from[TALLY_DECIMAL_STRING_MAX], previous_from[TALLY_DECIMAL_STRING_MAX];
    char previous_to[TALLY_DECIMAL_STRING_MAX], overlap_end[TALLY_DECIMAL_STRING_MAX];
    tally_build__decimal_text(from, &band->from);
    tally_build__decimal_text(previous_from, &previous->from);
    if (tally_build__compare(&band->from, &previous->from) < 0) {
        tally_build__error(builder, node,
                           "band %zu starts at %s, below band %zu (from %s): list bands in "
                           "ascending order of from",
                           index, from, index - 1, previous_from);
        walk->order_broken = 1;
        return;
    }
    if (previous->open)
        return; /* reported at the open band */
    tally_build__decimal_text(previous_to, &previous->to);
    int order = tally_build__compare(&band->from, &previous->to);
    if (order > 0)
        tally_build__error(builder, node,
                           "band %zu starts at %s but band %zu ends at %s: bands must be "
                           "contiguous (gap from %s to %s)",
                           index, from, index - 1, previous_to, previous_to, from);
    if (order < 0) {
        const tally_decimal *end = band->open ? &previous->to : smaller(&previous->to, &band->to);
        tally_build__decimal_text(overlap_end, end);
        tally_build__error(builder, node,
                           "band %zu starts at %s but band %zu ends at %s: bands must not "
                           "overlap (overlap from %s to %s)",
                           index, from, index - 1, previous_to, from, overlap_end);
    }
}

static void
build_band(tally_builder *builder, const xmlNode *node, size_t index,
           const tally_tier_table *table, tally_band *band, band_walk *walk)
{
    band_pays found = read_pays(builder, node);
    report_pays(builder, node, index, found, table, walk);
    read_value(builder, node, index, found, band);
    int usable = read_limits(builder, node, index, band);
    check_openness(builder, node, index, band, walk);
    if (usable && walk->previous && walk->previous_usable && !walk->order_broken)
        check_neighbour(builder, node, index, band, walk);
    walk->previous = band;
    walk->previous_usable = usable;
}

static void
read_table_attributes(tally_builder *builder, const xmlNode *node, tally_tier_table *out)
{
    int mode = 0, measure = 0, basis = 0;
    if (tally_build__required(builder, node, "mode"))
        tally_build__enum_attribute(builder, node, "mode", mode_names, 3, 0, &mode);
    tally_build__enum_attribute(builder, node, "measure", measure_names, 3, 0, &measure);
    tally_build__enum_attribute(builder, node, "basis", basis_names, 2, 0, &basis);
    out->mode = (tally_tier_mode)mode;
    out->measure = (tally_tier_measure)measure;
    out->basis = basis ? TALLY_BASIS_TRANSACTION : TALLY_BASIS_PERIOD;
}

int
tally_build__tiers(tally_builder *builder, const xmlNode *node,
                   const tally_component *component, tally_tier_table *out)
{
    band_walk walk = {tally_build__count_elements(node), 0, 0, NULL, 0};
    read_table_attributes(builder, node, out);
    if (walk.count == 0) {
        tally_build__unexpected(builder, node, "<tiers> has no bands");
        return TALLY_OK;
    }
    if (table_pays(builder, node, &out->pays, &walk.deciding_band))
        check_mode_and_pays(builder, node, out);
    check_basis(builder, node, out, component);
    out->bands = tally_ctx__calloc(builder->ctx, walk.count, sizeof(tally_band));
    if (!out->bands)
        return TALLY_ERR_NOMEM;
    out->band_count = walk.count;
    size_t index = 0;
    for (xmlNode *band = tally_build__first_element(node); band;
         band = tally_build__next_element(band), index++) {
        if (!tally_build__is(band, "band")) {
            tally_build__unexpected(builder, band, "unexpected element <%s> in <tiers>",
                                    tally_build__name(band));
            continue;
        }
        build_band(builder, band, index + 1, out, &out->bands[index], &walk);
    }
    return TALLY_OK;
}
