/*
 * One component element: its kind, the attributes every component has (id, name,
 * period, settlement), its kind's attributes, then its children in document order:
 * eligibility, rounding, the rate specification, limits (multipliers, minimum, cap,
 * clawback) and a spiff's products and claim deadline.
 */
#include <string.h>

#include "plan/builder.h"

/* Children a component may have, as bits. */
enum {
    CHILD_ELIGIBILITY = 1u << 0,
    CHILD_ROUNDING = 1u << 1,
    CHILD_RATE = 1u << 2,
    CHILD_PER_UNIT = 1u << 3,
    CHILD_CATEGORY_RATES = 1u << 4,
    CHILD_CUSTOMER_CATEGORY_RATES = 1u << 5,
    CHILD_TIERS = 1u << 6,
    CHILD_MULTIPLIERS = 1u << 7,
    CHILD_MINIMUM = 1u << 8,
    CHILD_CAP = 1u << 9,
    CHILD_CLAWBACK = 1u << 10,
    CHILD_PRODUCT = 1u << 11,
    CHILD_CLAIM_DEADLINE = 1u << 12
};

#define CHILDREN_HEAD (CHILD_ELIGIBILITY | CHILD_ROUNDING)
#define CHILDREN_LIMITS (CHILD_MULTIPLIERS | CHILD_MINIMUM | CHILD_CAP | CHILD_CLAWBACK)
#define CHILDREN_RATE_OR_TIERS (CHILD_RATE | CHILD_TIERS)
#define CHILDREN_ANY_RATE                                                                    \
    (CHILD_RATE | CHILD_PER_UNIT | CHILD_CATEGORY_RATES | CHILD_CUSTOMER_CATEGORY_RATES |   \
     CHILD_TIERS)

/* What each kind of component may contain, in the order of tally_component_kind. */
static const struct {
    unsigned children;
    int needs_rate; /* must have one of its rate children */
} kinds[] = {
    [TALLY_COMPONENT_REBATE] = {CHILDREN_HEAD | CHILDREN_ANY_RATE | CHILDREN_LIMITS, 1},
    [TALLY_COMPONENT_GROWTH_REBATE] = {CHILDREN_HEAD | CHILDREN_RATE_OR_TIERS | CHILDREN_LIMITS,
                                       1},
    [TALLY_COMPONENT_SPIFF] = {CHILDREN_HEAD | CHILD_PRODUCT | CHILD_CAP | CHILD_CLAIM_DEADLINE,
                               0},
    [TALLY_COMPONENT_MDF] = {CHILDREN_HEAD, 0},
    [TALLY_COMPONENT_COMMISSION] = {CHILDREN_HEAD | CHILDREN_RATE_OR_TIERS | CHILDREN_LIMITS, 1},
    [TALLY_COMPONENT_AFFILIATE] = {CHILDREN_HEAD, 0},
    [TALLY_COMPONENT_REFERRAL] = {CHILDREN_HEAD, 0},
    [TALLY_COMPONENT_DEAL_REGISTRATION] = {CHILDREN_HEAD, 0},
};

#define KIND_COUNT (sizeof(kinds) / sizeof(kinds[0]))

/* The component elements are named like the kinds (tally_component_kind_name). */
static int
kind_of(const xmlNode *node, tally_component_kind *out)
{
    for (size_t kind = 0; kind < KIND_COUNT; kind++) {
        if (tally_build__is(node, tally_component_kind_name((tally_component_kind)kind))) {
            *out = (tally_component_kind)kind;
            return 1;
        }
    }
    return 0;
}

/* ---- children ---- */

/* Where the walk over a component's children is. */
typedef struct component_walk {
    tally_builder *builder;
    const tally_version_scope *scope;
    tally_component *component;
    unsigned seen;
} component_walk;

static int
child_eligibility(component_walk *walk, const xmlNode *node)
{
    return tally_build__eligibility(walk->builder, node, walk->scope,
                                    &walk->component->eligibility);
}

static int
child_rounding(component_walk *walk, const xmlNode *node)
{
    tally_build__rounding(walk->builder, node, &walk->component->rounding);
    return TALLY_OK;
}

static int
child_rate(component_walk *walk, const xmlNode *node)
{
    tally_rate_spec *rate = &walk->component->rate;
    int stored = 0;
    rate->kind = TALLY_RATE_FLAT;
    if (tally_build__decimal_element(walk->builder, node, &rate->flat, &stored) != TALLY_OK)
        return TALLY_ERR_NOMEM;
    if (stored)
        tally_build__require_rate(walk->builder, node, "rate", &rate->flat);
    return TALLY_OK;
}

static int
child_per_unit(component_walk *walk, const xmlNode *node)
{
    tally_rate_spec *rate = &walk->component->rate;
    int stored = 0;
    rate->kind = TALLY_RATE_PER_UNIT;
    if (tally_build__decimal_element(walk->builder, node, &rate->flat, &stored) != TALLY_OK)
        return TALLY_ERR_NOMEM;
    if (stored)
        tally_build__require_not_negative(walk->builder, node, "per-unit", &rate->flat);
    return TALLY_OK;
}

static int
child_category_rates(component_walk *walk, const xmlNode *node)
{
    walk->component->rate.kind = TALLY_RATE_CATEGORY;
    return tally_build__category_rates(walk->builder, node, &walk->component->rate.table);
}

static int
child_customer_category_rates(component_walk *walk, const xmlNode *node)
{
    walk->component->rate.kind = TALLY_RATE_CUSTOMER_CATEGORY;
    return tally_build__customer_category_rates(walk->builder, node,
                                                &walk->component->rate.table);
}

static int
child_tiers(component_walk *walk, const xmlNode *node)
{
    walk->component->rate.kind = TALLY_RATE_TIERS;
    return tally_build__tiers(walk->builder, node, walk->component,
                              &walk->component->rate.tiers);
}

static int
child_multipliers(component_walk *walk, const xmlNode *node)
{
    return tally_build__multipliers(walk->builder, node, &walk->component->multipliers);
}

static int
child_minimum(component_walk *walk, const xmlNode *node)
{
    tally_component *c = walk->component;
    int stored = 0;
    if (tally_build__decimal_element(walk->builder, node, &c->minimum, &stored) != TALLY_OK)
        return TALLY_ERR_NOMEM;
    if (stored)
        tally_build__require_not_negative(walk->builder, node, "<minimum>", &c->minimum);
    /* Every basis reaches a minimum of 0: it is the same rule as no minimum. */
    c->has_minimum = stored && tally_decimal_sign(&c->minimum) != 0;
    return TALLY_OK;
}

static int
child_cap(component_walk *walk, const xmlNode *node)
{
    tally_component *c = walk->component;
    int stored = 0;
    if (tally_build__decimal_element(walk->builder, node, &c->cap, &stored) != TALLY_OK)
        return TALLY_ERR_NOMEM;
    c->has_cap = stored;
    if (stored)
        tally_build__require_useful_cap(walk->builder, node, &c->cap);
    return TALLY_OK;
}

static int
child_clawback(component_walk *walk, const xmlNode *node)
{
    static const char *const recover_from[] = {"component", "payee"};
    tally_clawback_rule *clawback = &walk->component->clawback;
    tally_build__enum_attribute(walk->builder, node, "recover-from", recover_from, 2, 0,
                                &clawback->recover_from_payee);
    tally_build__bool_attribute(walk->builder, node, "carry-forward", 1,
                                &clawback->carry_forward);
    return TALLY_OK;
}

/* The first <product> reads them all: they are consecutive siblings. */
static int
child_product(component_walk *walk, const xmlNode *node)
{
    if (walk->component->spiff.products.entries)
        return TALLY_OK;
    return tally_build__spiff_products(walk->builder, node, &walk->component->spiff.products);
}

static int
child_claim_deadline(component_walk *walk, const xmlNode *node)
{
    tally_build__claim_deadline(walk->builder, node, &walk->component->spiff);
    return TALLY_OK;
}

static const struct {
    const char *element;
    unsigned bit;
    int (*build)(component_walk *walk, const xmlNode *node);
} children[] = {
    {"eligibility", CHILD_ELIGIBILITY, child_eligibility},
    {"rounding", CHILD_ROUNDING, child_rounding},
    {"rate", CHILD_RATE, child_rate},
    {"per-unit", CHILD_PER_UNIT, child_per_unit},
    {"category-rates", CHILD_CATEGORY_RATES, child_category_rates},
    {"customer-category-rates", CHILD_CUSTOMER_CATEGORY_RATES, child_customer_category_rates},
    {"tiers", CHILD_TIERS, child_tiers},
    {"multipliers", CHILD_MULTIPLIERS, child_multipliers},
    {"minimum", CHILD_MINIMUM, child_minimum},
    {"cap", CHILD_CAP, child_cap},
    {"clawback", CHILD_CLAWBACK, child_clawback},
    {"product", CHILD_PRODUCT, child_product},
    {"claim-deadline", CHILD_CLAIM_DEADLINE, child_claim_deadline},
};

#define CHILD_COUNT (sizeof(children) / sizeof(children[0]))

/* Checks the child is allowed here and not a second one of its kind, then builds it. */
static int
build_child(component_walk *walk, const xmlNode *node)
{
    unsigned allowed = kinds[walk->component->kind].children;
    for (size_t i = 0; i < CHILD_COUNT; i++) {
        if (!tally_build__is(node, children[i].element))
            continue;
        unsigned group = children[i].bit & CHILDREN_ANY_RATE ? CHILDREN_ANY_RATE
                                                             : children[i].bit;
        int repeatable = children[i].bit == CHILD_PRODUCT;
        if (!(allowed & children[i].bit) || (!repeatable && (walk->seen & group)))
            break;
        walk->seen |= children[i].bit;
        return children[i].build(walk, node);
    }
    tally_build__unexpected(walk->builder, node, "unexpected element <%s> in <%s>",
                            tally_build__name(node),
                            tally_component_kind_name(walk->component->kind));
    return TALLY_OK;
}

/* ---- the component ---- */

static int
common_attributes(tally_builder *builder, const xmlNode *node, tally_component *out)
{
    const char *id = tally_build__required(builder, node, "id");
    const char *name = tally_build__attribute(builder, node, "name");
    out->id = tally_build__strdup(builder, id ? id : "");
    if (!out->id)
        return TALLY_ERR_NOMEM;
    if (name && !(out->name = tally_build__strdup(builder, name)))
        return TALLY_ERR_NOMEM;
    if (tally_build__required(builder, node, "period"))
        tally_build__period_attribute(builder, node, "period", &out->period);
    out->has_settlement =
        tally_build__period_attribute(builder, node, "settlement", &out->settlement);
    return TALLY_OK;
}

static void
check_required_children(tally_builder *builder, const xmlNode *node,
                        const tally_component *component)
{
    const char *element = tally_component_kind_name(component->kind);
    if (kinds[component->kind].needs_rate && component->rate.kind == TALLY_RATE_NONE)
        tally_build__unexpected(builder, node, "<%s> has no rate", element);
    if (component->kind == TALLY_COMPONENT_SPIFF && !tally_build__child(node, "product"))
        tally_build__unexpected(builder, node, "<%s> has no product", element);
}

int
tally_build__component(tally_builder *builder, const xmlNode *node,
                       const tally_version_scope *scope, tally_component *out)
{
    if (!kind_of(node, &out->kind)) {
        tally_build__unexpected(builder, node, "unexpected element <%s> in <version>",
                                tally_build__name(node));
        return TALLY_OK;
    }
    out->line = tally_build__line(node);
    out->rounding = builder->plan->rounding;
    out->clawback.carry_forward = 1;
    if (common_attributes(builder, node, out) != TALLY_OK)
        return TALLY_ERR_NOMEM;
    tally_build__kind_attributes(builder, node, scope, out);
    tally_build__check_settlement(builder, node, out);
    component_walk walk = {builder, scope, out, 0};
    for (xmlNode *child = tally_build__first_element(node); child;
         child = tally_build__next_element(child)) {
        if (build_child(&walk, child) != TALLY_OK)
            return TALLY_ERR_NOMEM;
    }
    check_required_children(builder, node, out);
    return TALLY_OK;
}
