/*
 * <rounding>: mode, point and scale of paid amounts. The plan's element sets the
 * defaults of every component; a component's element overrides only the attributes
 * it gives.
 */
#include "plan/builder.h"

/* In the order of tally_rounding's values. */
static const char *const modes[] = {"half-even", "half-up", "down",     "floor",
                                    "ceiling",   "up",      "half-down"};
/* In the order of tally_rounding_point's values. */
static const char *const points[] = {"per-payout", "per-transaction"};

void
tally_build__rounding(tally_builder *builder, const xmlNode *node, tally_rounding_rule *rule)
{
    int mode = (int)rule->mode, point = (int)rule->point;
    long scale = rule->scale;
    if (tally_build__enum_attribute(builder, node, "mode", modes, 7, mode, &mode))
        rule->mode = (tally_rounding)mode;
    if (tally_build__enum_attribute(builder, node, "point", points, 2, point, &point))
        rule->point = (tally_rounding_point)point;
    if (tally_build__int_attribute(builder, node, "scale", 0, 10, scale, &scale))
        rule->scale = (int)scale;
}
