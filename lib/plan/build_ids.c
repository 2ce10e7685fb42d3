/*
 * Identifier lists (eligibility filters and <definitions>), and the rule that a
 * plan declaring a vocabulary in <definitions> only refers to declared ids.
 */
#include <stdlib.h>
#include <string.h>

#include "core/quote.h"
#include "plan/builder.h"

static const struct {
    const char *element; /* in <definitions> and in <eligibility> */
    const char *noun;    /* in messages */
} references[] = {
    [TALLY_REF_PARTNER_TIER] = {"partner-tiers", "partner tier"},
    [TALLY_REF_PARTNER_TYPE] = {"partner-types", "partner type"},
    [TALLY_REF_REGION] = {"regions", "region"},
    [TALLY_REF_CATEGORY] = {"categories", "category"},
    [TALLY_REF_CUSTOMER_CATEGORY] = {"customer-categories", "customer category"},
    [TALLY_REF_PRODUCT] = {"products", "product"},
};

#define REFERENCE_KINDS (sizeof(references) / sizeof(references[0]))

/* ---- lists ---- */

static int
is_separator(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Counts the tokens of `text` and the bytes they need with their NULs. */
static size_t
count_tokens(const char *text, size_t *bytes)
{
    size_t count = 0;
    *bytes = 0;
    for (const char *c = text; *c;) {
        while (is_separator(*c))
            c++;
        if (!*c)
            break;
        count++;
        while (*c && !is_separator(*c)) {
            c++;
            (*bytes)++;
        }
        (*bytes)++;
    }
    return count;
}

/* Copies the tokens into the character area after the pointer array. */
static void
split_tokens(const char *text, char **ids, char *area)
{
    size_t count = 0;
    for (const char *c = text; *c;) {
        while (is_separator(*c))
            c++;
        if (!*c)
            break;
        ids[count++] = area;
        while (*c && !is_separator(*c))
            *area++ = *c++;
        *area++ = '\0';
    }
}

static int
compare_ids(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reports each repeated id once; the list is sorted, so repeats are neighbours. */
static void
report_duplicates(tally_builder *builder, const xmlNode *node, const tally_id_list *list)
{
    for (size_t i = 1; i < list->count; i++) {
        int repeated = strcmp(list->ids[i], list->ids[i - 1]) == 0;
        int first_repeat = i < 2 || strcmp(list->ids[i - 1], list->ids[i - 2]) != 0;
        if (repeated && first_repeat) {
            char shown[64];
            tally__quote(shown, sizeof(shown), list->ids[i], strlen(list->ids[i]));
            tally_build__error(builder, node, "duplicate id %s in <%s>", shown,
                               tally_build__name(node));
        }
    }
}

/* One block holds the pointers and the characters, so the list is one free. */
int
tally_build__id_list(tally_builder *builder, const xmlNode *node, tally_id_list *out)
{
    char *text = tally_build__text(builder, node);
    if (!text)
        return TALLY_ERR_NOMEM;
    size_t bytes = 0;
    size_t count = count_tokens(text, &bytes);
    if (count == 0) {
        tally_build__unexpected(builder, node, "<%s> lists no ids", tally_build__name(node));
        tally_ctx__free(builder->ctx, text);
        return TALLY_OK;
    }
    char **ids = tally_ctx__alloc(builder->ctx, count * sizeof(char *) + bytes);
    if (!ids) {
        tally_ctx__free(builder->ctx, text);
        return TALLY_ERR_NOMEM;
    }
    split_tokens(text, ids, (char *)(ids + count));
    tally_ctx__free(builder->ctx, text);
    qsort(ids, count, sizeof(char *), compare_ids);
    out->ids = ids;
    out->count = count;
    report_duplicates(builder, node, out);
    return TALLY_OK;
}

int
tally_build__id_list_contains(const tally_id_list *list, const char *id)
{
    return list->count &&
           bsearch(&id, list->ids, list->count, sizeof(char *), compare_ids) != NULL;
}

/* ---- <definitions> ---- */

tally_filter *
tally_build__declared(tally_plan *plan, tally_reference_kind kind)
{
    tally_definitions *d = &plan->definitions;
    switch (kind) {
    case TALLY_REF_PARTNER_TIER:
        return &d->partner_tiers;
    case TALLY_REF_PARTNER_TYPE:
        return &d->partner_types;
    case TALLY_REF_REGION:
        return &d->regions;
    case TALLY_REF_CATEGORY:
        return &d->categories;
    case TALLY_REF_CUSTOMER_CATEGORY:
        return &d->customer_categories;
    case TALLY_REF_PRODUCT:
        return &d->products;
    }
    return NULL;
}

const char *
tally_build__reference_element(tally_reference_kind kind)
{
    return (size_t)kind < REFERENCE_KINDS ? references[kind].element : "";
}

static int
reference_kind_of(const xmlNode *node, tally_reference_kind *out)
{
    for (size_t kind = 0; kind < REFERENCE_KINDS; kind++) {
        if (tally_build__is(node, references[kind].element)) {
            *out = (tally_reference_kind)kind;
            return 1;
        }
    }
    return 0;
}

int
tally_build__definitions(tally_builder *builder, const xmlNode *node)
{
    for (xmlNode *child = tally_build__first_element(node); child;
         child = tally_build__next_element(child)) {
        tally_reference_kind kind;
        if (!reference_kind_of(child, &kind)) {
            tally_build__unexpected(builder, child, "unexpected element <%s> in <definitions>",
                                    tally_build__name(child));
            continue;
        }
        tally_filter *declared = tally_build__declared(builder->plan, kind);
        if (declared->active) {
            tally_build__unexpected(builder, child, "<%s> appears twice in <definitions>",
                                    tally_build__name(child));
            continue;
        }
        if (tally_build__id_list(builder, child, &declared->ids) != TALLY_OK)
            return TALLY_ERR_NOMEM;
        declared->active = declared->ids.count > 0;
    }
    return TALLY_OK;
}

void
tally_build__check_reference(tally_builder *builder, const xmlNode *node,
                             tally_reference_kind kind, const char *id)
{
    const tally_filter *declared = tally_build__declared(builder->plan, kind);
    if (!declared || !declared->active || tally_build__id_list_contains(&declared->ids, id))
        return;
    char shown[64];
    tally__quote(shown, sizeof(shown), id, strlen(id));
    tally_build__error(builder, node, "%s %s is not declared in <definitions><%s>",
                       references[kind].noun, shown, references[kind].element);
}
