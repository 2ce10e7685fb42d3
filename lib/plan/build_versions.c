/*
 * <version>: effective-dated sets of components. Version ids are unique in the
 * plan and component ids unique in their version; a version does not end before
 * it starts; no two versions share a day (so nothing follows an open-ended one).
 * The model keeps versions sorted by effective date and components in document
 * order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/quote.h"
#include "plan/builder.h"

/* What the checks of later versions need to know about an earlier one. */
typedef struct version_seen {
    const xmlNode *node;
    int dates_valid;
} version_seen;

static void
quote_id(char out[80], const char *id)
{
    tally__quote(out, 80, id, strlen(id));
}

static void
describe(char *out, size_t size, const tally_plan_version_model *version)
{
    char id[80];
    quote_id(id, version->id);
    if (version->open_ended)
        snprintf(out, size, "version %s (from %s, open-ended)", id,
                 version->effective_from_text);
    else
        snprintf(out, size, "version %s (%s to %s)", id, version->effective_from_text,
                 version->effective_to_text);
}

static int
share_a_day(const tally_plan_version_model *a, const tally_plan_version_model *b)
{
    int a_before_b = !a->open_ended && a->effective_to < b->effective_from;
    int b_before_a = !b->open_ended && b->effective_to < a->effective_from;
    return !a_before_b && !b_before_a;
}

/*
 * `second` starts on or after `first`, which is open-ended. Ending `first` the day
 * before `second` starts separates them, unless both start on the same day: then
 * no end date can, and one start has to move.
 */
static void
report_after_open_ended(tally_builder *builder, const xmlNode *node,
                        const tally_plan_version_model *first,
                        const tally_plan_version_model *second)
{
    char first_id[80], second_id[80], last_day[TALLY_DATE_TEXT_SIZE];
    quote_id(first_id, first->id);
    quote_id(second_id, second->id);
    if (second->effective_from == first->effective_from) {
        tally_build__error(builder, node,
                           "version %s starts on %s, the same day as version %s, which is "
                           "open-ended: versions must not share a day; give one of them a "
                           "later effective-from",
                           second_id, second->effective_from_text, first_id);
        return;
    }
    tally_date__format(last_day, second->effective_from - 1);
    tally_build__error(builder, node,
                       "version %s starts on %s, after version %s, which is open-ended "
                       "(from %s): give version %s an effective-to no later than %s",
                       second_id, second->effective_from_text, first_id,
                       first->effective_from_text, first_id, last_day);
}

static void
report_overlap(tally_builder *builder, const xmlNode *node, const tally_plan_version_model *v,
               const tally_plan_version_model *earlier)
{
    const tally_plan_version_model *first = v, *second = earlier;
    if (earlier->effective_from <= v->effective_from) {
        first = earlier;
        second = v;
    }
    if (first->open_ended) {
        report_after_open_ended(builder, node, first, second);
        return;
    }
    char this_one[160], other[160];
    describe(this_one, sizeof(this_one), v);
    describe(other, sizeof(other), earlier);
    tally_build__error(builder, node, "%s overlaps %s: versions must not share a day",
                       this_one, other);
}

static int
read_dates(tally_builder *builder, const xmlNode *node, tally_plan_version_model *v)
{
    int from_ok = tally_build__date_attribute(builder, node, "effective-from", &v->effective_from);
    int to_ok = 1;
    v->open_ended = tally_build__attribute(builder, node, "effective-to") == NULL;
    if (!v->open_ended)
        to_ok = tally_build__date_attribute(builder, node, "effective-to", &v->effective_to);
    if (!from_ok || !to_ok)
        return 0;
    tally_date__format(v->effective_from_text, v->effective_from);
    if (!v->open_ended)
        tally_date__format(v->effective_to_text, v->effective_to);
    char what[96], id[80];
    quote_id(id, v->id);
    snprintf(what, sizeof(what), "version %s", id);
    return v->open_ended ||
           tally_build__check_range(builder, node, what, v->effective_from, v->effective_to);
}

/* ---- components ---- */

static void
check_component_id(tally_builder *builder, const xmlNode *node,
                   const tally_plan_version_model *v, size_t built)
{
    const char *id = tally_build__attribute(builder, node, "id");
    for (size_t i = 0; id && i < built; i++) {
        if (v->components[i].id && strcmp(v->components[i].id, id) == 0) {
            char shown[80], version[80];
            quote_id(shown, id);
            quote_id(version, v->id);
            tally_build__error(builder, node,
                               "duplicate component id %s in version %s: already used by "
                               "the component on line %lu",
                               shown, version, v->components[i].line);
            return;
        }
    }
}

static int
build_components(tally_builder *builder, const xmlNode *node, tally_plan_version_model *v,
                 int dates_valid)
{
    size_t count = tally_build__count_elements(node);
    if (count == 0) {
        tally_build__unexpected(builder, node, "<version> has no components");
        return TALLY_OK;
    }
    v->components = tally_ctx__calloc(builder->ctx, count, sizeof(tally_component));
    if (!v->components)
        return TALLY_ERR_NOMEM;
    v->component_count = count;
    tally_version_scope scope = {v, dates_valid};
    size_t index = 0;
    for (xmlNode *child = tally_build__first_element(node); child;
         child = tally_build__next_element(child), index++) {
        check_component_id(builder, child, v, index);
        if (tally_build__component(builder, child, &scope, &v->components[index]) != TALLY_OK)
            return TALLY_ERR_NOMEM;
    }
    return TALLY_OK;
}

/* ---- versions ---- */

static void
check_version_id(tally_builder *builder, const xmlNode *node, size_t index,
                 const version_seen *seen)
{
    const tally_plan_version_model *versions = builder->plan->versions;
    for (size_t i = 0; i < index; i++) {
        if (strcmp(versions[i].id, versions[index].id) == 0) {
            char shown[80];
            quote_id(shown, versions[index].id);
            tally_build__error(builder, node,
                               "duplicate version id %s: already used by the version on line "
                               "%lu",
                               shown, tally_build__line(seen[i].node));
            return;
        }
    }
}

static void
check_overlaps(tally_builder *builder, const xmlNode *node, size_t index,
               const version_seen *seen)
{
    const tally_plan_version_model *versions = builder->plan->versions;
    for (size_t i = 0; i < index; i++) {
        if (seen[i].dates_valid && share_a_day(&versions[index], &versions[i]))
            report_overlap(builder, node, &versions[index], &versions[i]);
    }
}

static int
build_version(tally_builder *builder, const xmlNode *node, size_t index, version_seen *seen)
{
    tally_plan_version_model *v = &builder->plan->versions[index];
    const char *id = tally_build__required(builder, node, "id");
    v->id = tally_build__strdup(builder, id ? id : "");
    if (!v->id)
        return TALLY_ERR_NOMEM;
    seen[index].node = node;
    check_version_id(builder, node, index, seen);
    seen[index].dates_valid = read_dates(builder, node, v);
    if (seen[index].dates_valid)
        check_overlaps(builder, node, index, seen);
    return build_components(builder, node, v, seen[index].dates_valid);
}

static int
compare_versions(const void *a, const void *b)
{
    const tally_plan_version_model *x = a, *y = b;
    if (x->effective_from != y->effective_from)
        return x->effective_from < y->effective_from ? -1 : 1;
    return strcmp(x->id, y->id);
}

static size_t
count_versions(const xmlNode *root)
{
    size_t count = 0;
    for (xmlNode *child = tally_build__first_element(root); child;
         child = tally_build__next_element(child))
        count += tally_build__is(child, "version");
    return count;
}

int
tally_build__versions(tally_builder *builder, const xmlNode *root)
{
    size_t count = count_versions(root);
    if (count == 0) {
        tally_build__unexpected(builder, root, "<plan> has no <version>");
        return TALLY_OK;
    }
    tally_plan *plan = builder->plan;
    version_seen *seen = tally_ctx__calloc(builder->ctx, count, sizeof(*seen));
    plan->versions = tally_ctx__calloc(builder->ctx, count, sizeof(tally_plan_version_model));
    int status = seen && plan->versions ? TALLY_OK : TALLY_ERR_NOMEM;
    if (plan->versions)
        plan->version_count = count;
    size_t index = 0;
    for (xmlNode *child = tally_build__first_element(root); child && status == TALLY_OK;
         child = tally_build__next_element(child)) {
        if (tally_build__is(child, "version"))
            status = build_version(builder, child, index++, seen);
    }
    tally_ctx__free(builder->ctx, seen);
    if (status == TALLY_OK)
        qsort(plan->versions, count, sizeof(tally_plan_version_model), compare_versions);
    return status;
}
