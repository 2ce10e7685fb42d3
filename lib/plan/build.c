/*
 * From a schema-valid plan document to the compiled plan: the <plan> element, its
 * currency, rounding, calendar and definitions, then the versions
 * (build_versions.c). Every problem is reported with its location and the walk
 * goes on, so one pass reports them all; the plan is only returned when there
 * were none.
 */
#include <string.h>

#include "core/quote.h"
#include "plan/builder.h"

static void
build_currency(tally_builder *builder, const xmlNode *root)
{
    const char *code = tally_build__required(builder, root, "currency");
    if (!code || tally_currency_lookup(NULL, &builder->plan->currency, code) == TALLY_OK)
        return;
    char shown[64];
    tally__quote(shown, sizeof(shown), code, strlen(code));
    tally_build__error(builder, root, "unknown currency %s: not an active ISO 4217 code",
                       shown);
}

/* The plan's rounding: half-even per payout to the currency's minor unit by default. */
static void
build_rounding(tally_builder *builder, const xmlNode *root)
{
    tally_plan *plan = builder->plan;
    const xmlNode *rounding = tally_build__child(root, "rounding");
    int minor_units = plan->currency ? tally_currency_minor_units(plan->currency) : 0;
    int scale_given = rounding && tally_build__attribute(builder, rounding, "scale");
    plan->rounding.mode = TALLY_ROUND_HALF_EVEN;
    plan->rounding.point = TALLY_ROUNDING_PER_PAYOUT;
    plan->rounding.scale = minor_units > 0 ? minor_units : 0;
    if (minor_units == TALLY_CURRENCY_NO_MINOR_UNITS && !scale_given)
        tally_build__error(builder, root,
                           "currency %s has no minor units: give the rounding scale "
                           "explicitly, e.g. <rounding scale=\"2\"/>",
                           tally_currency_code(plan->currency));
    if (rounding)
        tally_build__rounding(builder, rounding, &plan->rounding);
}

static int
build_header(tally_builder *builder, const xmlNode *root)
{
    tally_plan *plan = builder->plan;
    const char *format = tally_build__required(builder, root, "format-version");
    if (format && strcmp(format, "1") != 0)
        tally_build__unexpected(builder, root, "format-version is not 1");
    const char *id = tally_build__required(builder, root, "id");
    const char *name = tally_build__attribute(builder, root, "name");
    plan->id = tally_build__strdup(builder, id ? id : "");
    if (!plan->id || (name && !(plan->name = tally_build__strdup(builder, name))))
        return TALLY_ERR_NOMEM;
    build_currency(builder, root);
    build_rounding(builder, root);
    return TALLY_OK;
}

static int
build_description(tally_builder *builder, const xmlNode *node)
{
    if (builder->plan->description) {
        tally_build__unexpected(builder, node, "<description> appears twice");
        return TALLY_OK;
    }
    builder->plan->description = tally_build__text(builder, node);
    return builder->plan->description ? TALLY_OK : TALLY_ERR_NOMEM;
}

static void
build_calendar(tally_builder *builder, const xmlNode *node)
{
    long month = 1;
    tally_build__int_attribute(builder, node, "fiscal-year-start-month", 1, 12, 1, &month);
    builder->plan->fiscal_start_month = (int)month;
}

/* Everything before the versions; versions are built once these are known. */
static int
build_settings(tally_builder *builder, const xmlNode *root)
{
    for (xmlNode *child = tally_build__first_element(root); child;
         child = tally_build__next_element(child)) {
        int status = TALLY_OK;
        if (tally_build__is(child, "description"))
            status = build_description(builder, child);
        else if (tally_build__is(child, "calendar"))
            build_calendar(builder, child);
        else if (tally_build__is(child, "definitions"))
            status = tally_build__definitions(builder, child);
        else if (!tally_build__is(child, "rounding") && !tally_build__is(child, "version"))
            tally_build__unexpected(builder, child, "unexpected element <%s> in <plan>",
                                    tally_build__name(child));
        if (status != TALLY_OK)
            return status;
    }
    return TALLY_OK;
}

static int
build_plan(tally_builder *builder, const xmlNode *root)
{
    if (!tally_build__is(root, "plan")) {
        tally_build__unexpected(builder, root, "the document element is <%s>, not <plan>",
                                tally_build__name(root));
        return TALLY_OK;
    }
    builder->plan->fiscal_start_month = 1;
    int status = build_header(builder, root);
    if (status == TALLY_OK)
        status = build_settings(builder, root);
    if (status == TALLY_OK)
        status = tally_build__versions(builder, root);
    return status;
}

int
tally_plan__build(tally_ctx *ctx, xmlDoc *doc, const char *source_name, tally_plan **out)
{
    if (out)
        *out = NULL;
    if (!ctx || !doc || !out)
        return tally_ctx__error(ctx, TALLY_ERR_INVALID_ARGUMENT,
                                "building a plan needs a context, a document and an output");
    tally_plan *plan = tally_ctx__calloc(ctx, 1, sizeof(*plan));
    if (!plan)
        return TALLY_ERR_NOMEM;
    plan->allocator = *tally_ctx__allocator(ctx);
    atomic_init(&plan->reference_count, 1);
    tally_builder builder = {ctx, source_name, plan, 0};
    const xmlNode *root = xmlDocGetRootElement(doc);
    int status = root ? build_plan(&builder, root) : TALLY_OK;
    if (!root)
        tally_ctx__error(ctx, TALLY_ERR_PLAN, "internal error: the document has no element");
    if (status == TALLY_OK && (builder.failed || !root))
        status = TALLY_ERR_PLAN;
    if (status == TALLY_OK)
        status = tally_plan__compute_digest(plan);
    if (status != TALLY_OK) {
        tally_plan__destroy(plan);
        return status;
    }
    *out = plan;
    return TALLY_OK;
}
