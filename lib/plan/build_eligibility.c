/*
 * <eligibility>: which transactions a component counts. Each filter is a sorted id
 * list, optionally excluding; ids must be declared when the plan declares their
 * kind; a date window must not end before it starts and must overlap its version.
 */
#include <string.h>

#include "plan/builder.h"

/* The filter elements of <eligibility> and the kind of id each lists. */
typedef struct filter_spec {
    const char *element;
    tally_reference_kind kind;
    size_t offset; /* of the tally_filter in tally_eligibility */
} filter_spec;

static const filter_spec filters[] = {
    {"products", TALLY_REF_PRODUCT, offsetof(tally_eligibility, products)},
    {"categories", TALLY_REF_CATEGORY, offsetof(tally_eligibility, categories)},
    {"regions", TALLY_REF_REGION, offsetof(tally_eligibility, regions)},
    {"partner-types", TALLY_REF_PARTNER_TYPE, offsetof(tally_eligibility, partner_types)},
    {"partner-tiers", TALLY_REF_PARTNER_TIER, offsetof(tally_eligibility, partner_tiers)},
    {"customer-categories", TALLY_REF_CUSTOMER_CATEGORY,
     offsetof(tally_eligibility, customer_categories)},
};

#define FILTER_COUNT (sizeof(filters) / sizeof(filters[0]))

static const filter_spec *
filter_of(const xmlNode *node)
{
    for (size_t i = 0; i < FILTER_COUNT; i++) {
        if (tally_build__is(node, filters[i].element))
            return &filters[i];
    }
    return NULL;
}

static int
build_filter(tally_builder *builder, const xmlNode *node, const filter_spec *spec,
             tally_eligibility *out)
{
    tally_filter *filter = (tally_filter *)(void *)((char *)out + spec->offset);
    if (filter->active) {
        tally_build__unexpected(builder, node, "<%s> appears twice", spec->element);
        return TALLY_OK;
    }
    tally_build__bool_attribute(builder, node, "exclude", 0, &filter->exclude);
    if (tally_build__id_list(builder, node, &filter->ids) != TALLY_OK)
        return TALLY_ERR_NOMEM;
    filter->active = filter->ids.count > 0;
    for (size_t i = 0; i < filter->ids.count; i++)
        tally_build__check_reference(builder, node, spec->kind, filter->ids.ids[i]);
    if (spec->kind == TALLY_REF_REGION) {
        static const char *const of[] = {"transaction", "partner"};
        tally_build__enum_attribute(builder, node, "of", of, 2, 0, &out->regions_of_partner);
    }
    return TALLY_OK;
}

static int
build_customers(tally_builder *builder, const xmlNode *node, tally_eligibility *out)
{
    char *text = tally_build__text(builder, node);
    if (!text)
        return TALLY_ERR_NOMEM;
    size_t length = 0;
    const char *word = tally_build__trim(text, &length); /* xs:token: blanks around it */
    if (length == 3 && memcmp(word, "new", 3) == 0)
        out->customers = TALLY_CUSTOMERS_NEW;
    else if (length == 8 && memcmp(word, "existing", 8) == 0)
        out->customers = TALLY_CUSTOMERS_EXISTING;
    else
        tally_build__unexpected(builder, node, "<customers> is neither new nor existing");
    tally_ctx__free(builder->ctx, text);
    return TALLY_OK;
}

static void
build_window(tally_builder *builder, const xmlNode *node, const tally_version_scope *scope,
             tally_eligibility *out)
{
    int from_ok = tally_build__date_attribute(builder, node, "from", &out->window_from);
    int to_ok = tally_build__date_attribute(builder, node, "to", &out->window_to);
    out->has_window = 1;
    if (!from_ok || !to_ok)
        return;
    if (!tally_build__check_range(builder, node, "the eligibility window", out->window_from,
                                  out->window_to))
        return;
    tally_build__check_window_in_version(builder, node, "the eligibility window",
                                         out->window_from, out->window_to, scope);
}

int
tally_build__eligibility(tally_builder *builder, const xmlNode *node,
                         const tally_version_scope *scope, tally_eligibility *out)
{
    for (xmlNode *child = tally_build__first_element(node); child;
         child = tally_build__next_element(child)) {
        const filter_spec *spec = filter_of(child);
        if (spec) {
            if (build_filter(builder, child, spec, out) != TALLY_OK)
                return TALLY_ERR_NOMEM;
        } else if (tally_build__is(child, "customers")) {
            if (build_customers(builder, child, out) != TALLY_OK)
                return TALLY_ERR_NOMEM;
        } else if (tally_build__is(child, "window")) {
            build_window(builder, child, scope, out);
        } else {
            tally_build__unexpected(builder, child, "unexpected element <%s> in <eligibility>",
                                    tally_build__name(child));
        }
    }
    return TALLY_OK;
}
