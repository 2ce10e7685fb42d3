/*
 * Looking components up in a plan and naming what they hold, for the subcommands
 * that explain, measure or draw them (explain, progress, curve, check's lint).
 */
#include <string.h>

#include "tally.h"

const tally_component *
tool_find_component(const tally_plan *plan, const char *version_id, const char *component_id)
{
    for (size_t v = 0; v < tally_plan_version_count(plan); v++) {
        const tally_plan_version *version = tally_plan_version_at(plan, v);
        if (version_id && strcmp(tally_plan_version_id(version), version_id) != 0)
            continue;
        for (size_t i = 0; i < tally_plan_version_component_count(version); i++) {
            const tally_component *c = tally_plan_version_component_at(version, i);
            if (strcmp(tally_component_id(c), component_id) == 0)
                return c;
        }
    }
    return NULL;
}

int
tool_has_period_tiers(const tally_component *component)
{
    const tally_tier_table *tiers = tally_component_tiers(component);
    tally_component_kind kind = tally_component_get_kind(component);
    return tiers && tally_tier_table_basis(tiers) == TALLY_BASIS_PERIOD &&
           (kind == TALLY_COMPONENT_REBATE || kind == TALLY_COMPONENT_COMMISSION);
}

const char *
tool_pays_name(tally_band_pays pays)
{
    switch (pays) {
    case TALLY_BAND_PER_UNIT:
        return "per-unit";
    case TALLY_BAND_AMOUNT:
        return "amount";
    default:
        return "rate";
    }
}

const char *
tool_mode_name(tally_tier_mode mode)
{
    switch (mode) {
    case TALLY_TIERS_MARGINAL:
        return "marginal";
    case TALLY_TIERS_INTERPOLATED:
        return "interpolated";
    default:
        return "whole";
    }
}

const char *
tool_measure_name(tally_tier_measure measure)
{
    switch (measure) {
    case TALLY_MEASURE_QUANTITY:
        return "quantity";
    case TALLY_MEASURE_ATTAINMENT:
        return "attainment";
    default:
        return "amount";
    }
}

size_t
tool_flag_names(unsigned flags, const char **names, size_t room)
{
    static const struct {
        unsigned flag;
        const char *name;
    } known[] = {
        {TALLY_LINE_BELOW_MINIMUM, "below-minimum"},
        {TALLY_LINE_CAPPED, "capped"},
        {TALLY_LINE_MULTIPLIED, "multiplied"},
        {TALLY_LINE_ROUNDED_PER_TRANSACTION, "rounded-per-transaction"},
    };
    size_t count = 0;

    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if ((flags & known[i].flag) && count < room)
            names[count++] = known[i].name;
    return count;
}
