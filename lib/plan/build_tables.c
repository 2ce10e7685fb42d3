/*
 * Keyed tables: rates by product category or by customer category, partner-tier
 * multipliers, and a spiff's amounts by product. Each key appears once, refers to
 * a declared id when the plan declares the kind, and the model keeps the table
 * sorted by key for binary search.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/quote.h"
#include "plan/builder.h"

typedef enum value_rule {
    VALUE_RATE,         /* 0 ... 1 */
    VALUE_NOT_NEGATIVE,
    VALUE_FACTOR        /* more than 0 */
} value_rule;

typedef struct table_spec {
    const char *entry;     /* element of one entry */
    const char *key;       /* its key attribute */
    const char *value;     /* its value attribute */
    const char *what;      /* what the value is, in messages */
    const char *noun;      /* what the key names, in messages */
    const char *container; /* element the entries live in, in messages */
    tally_reference_kind kind;
    value_rule rule;
} table_spec;

static const table_spec category_rates = {
    "rate",           "category",         "value",   "rate", "category",
    "category-rates", TALLY_REF_CATEGORY, VALUE_RATE};
static const table_spec customer_category_rates = {
    "rate",
    "customer-category",
    "value",
    "rate",
    "customer category",
    "customer-category-rates",
    TALLY_REF_CUSTOMER_CATEGORY,
    VALUE_RATE};
static const table_spec multipliers = {
    "multiplier",  "partner-tier",         "factor",          "factor",
    "partner tier", "multipliers",         TALLY_REF_PARTNER_TIER, VALUE_FACTOR};
static const table_spec spiff_products = {
    "product", "id", "amount", "amount", "product", "spiff", TALLY_REF_PRODUCT,
    VALUE_NOT_NEGATIVE};

/* One entry element while the table is checked. */
typedef struct table_item {
    const char *key;           /* NULL when missing */
    const xmlNode *node;
    size_t index;              /* document order */
    const xmlNode *first_seen; /* earlier entry with the same key, or NULL */
} table_item;

static int
compare_by_key(const void *a, const void *b)
{
    const table_item *x = a, *y = b;
    if (!x->key || !y->key)
        return x->key ? -1 : y->key ? 1 : (x->index > y->index) - (x->index < y->index);
    int order = strcmp(x->key, y->key);
    return order ? order : (x->index > y->index) - (x->index < y->index);
}

static int
compare_by_index(const void *a, const void *b)
{
    const table_item *x = a, *y = b;
    return (x->index > y->index) - (x->index < y->index);
}

static int
compare_entries(const void *a, const void *b)
{
    return strcmp(((const tally_keyed_rate *)a)->key, ((const tally_keyed_rate *)b)->key);
}

/* Consecutive entry elements from `first`. */
static size_t
count_entries(const xmlNode *first, const table_spec *spec)
{
    size_t count = 0;
    for (const xmlNode *n = first; n && tally_build__is(n, spec->entry);
         n = tally_build__next_element(n))
        count++;
    return count;
}

/* Sorting by key makes repeats neighbours; each repeat remembers the first one. */
static void
mark_repeats(table_item *items, size_t count)
{
    qsort(items, count, sizeof(*items), compare_by_key);
    for (size_t i = 1; i < count; i++) {
        if (items[i].key && items[i - 1].key && strcmp(items[i].key, items[i - 1].key) == 0)
            items[i].first_seen = items[i - 1].first_seen ? items[i - 1].first_seen
                                                          : items[i - 1].node;
    }
    qsort(items, count, sizeof(*items), compare_by_index);
}

static void
check_value(tally_builder *builder, const table_item *item, const table_spec *spec,
            const tally_decimal *value)
{
    char shown[64], what[128];
    tally__quote(shown, sizeof(shown), item->key, strlen(item->key));
    snprintf(what, sizeof(what), "%s for %s %s", spec->what, spec->noun, shown);
    if (spec->rule == VALUE_RATE) {
        tally_build__require_rate(builder, item->node, what, value);
        return;
    }
    if (!tally_build__require_not_negative(builder, item->node, what, value))
        return;
    /* Excluding a tier is eligibility's job; a zero factor hides it in the payout. */
    if (spec->rule == VALUE_FACTOR && tally_decimal_sign(value) == 0)
        tally_build__error(builder, item->node,
                           "%s is 0, which pays nothing: to leave the tier out, use "
                           "<eligibility><partner-tiers exclude=\"true\">",
                           what);
}

/* Checks one entry and appends it to the table unless it repeats a key. */
static int
add_entry(tally_builder *builder, const table_item *item, const table_spec *spec,
          tally_rate_table *out)
{
    char shown[64];
    tally__quote(shown, sizeof(shown), item->key, strlen(item->key));
    if (item->first_seen) {
        tally_build__error(builder, item->node,
                           "duplicate %s %s in <%s>: already given on line %lu", spec->noun,
                           shown, spec->container, tally_build__line(item->first_seen));
        return TALLY_OK;
    }
    tally_keyed_rate *entry = &out->entries[out->count];
    const char *text = tally_build__required(builder, item->node, spec->value);
    if (text && tally_build__decimal(builder, item->node, spec->value, text, &entry->value))
        check_value(builder, item, spec, &entry->value);
    tally_build__check_reference(builder, item->node, spec->kind, item->key);
    entry->key = tally_build__strdup(builder, item->key);
    if (!entry->key)
        return TALLY_ERR_NOMEM;
    out->count++;
    return TALLY_OK;
}

static int
build_table(tally_builder *builder, const xmlNode *first, const table_spec *spec,
            tally_rate_table *out)
{
    size_t count = count_entries(first, spec);
    if (count == 0)
        return TALLY_OK;
    table_item *items = tally_ctx__calloc(builder->ctx, count, sizeof(*items));
    out->entries = tally_ctx__calloc(builder->ctx, count, sizeof(tally_keyed_rate));
    int status = items && out->entries ? TALLY_OK : TALLY_ERR_NOMEM;
    const xmlNode *node = first;
    for (size_t i = 0; status == TALLY_OK && i < count; i++) {
        items[i] = (table_item){tally_build__required(builder, node, spec->key), node, i, NULL};
        node = tally_build__next_element(node);
    }
    if (status == TALLY_OK)
        mark_repeats(items, count);
    for (size_t i = 0; status == TALLY_OK && i < count; i++) {
        if (items[i].key)
            status = add_entry(builder, &items[i], spec, out);
    }
    tally_ctx__free(builder->ctx, items);
    if (status == TALLY_OK && out->count > 1)
        qsort(out->entries, out->count, sizeof(tally_keyed_rate), compare_entries);
    return status;
}

/* A container holds nothing but its entries. */
static int
build_container(tally_builder *builder, const xmlNode *node, const table_spec *spec,
                tally_rate_table *out)
{
    const xmlNode *first = tally_build__first_element(node);
    if (!first)
        tally_build__unexpected(builder, node, "<%s> is empty", spec->container);
    for (const xmlNode *n = first; n; n = tally_build__next_element(n)) {
        if (!tally_build__is(n, spec->entry)) {
            tally_build__unexpected(builder, n, "unexpected element <%s> in <%s>",
                                    tally_build__name(n), spec->container);
            return TALLY_OK;
        }
    }
    return build_table(builder, first, spec, out);
}

int
tally_build__category_rates(tally_builder *builder, const xmlNode *node, tally_rate_table *out)
{
    return build_container(builder, node, &category_rates, out);
}

int
tally_build__customer_category_rates(tally_builder *builder, const xmlNode *node,
                                     tally_rate_table *out)
{
    return build_container(builder, node, &customer_category_rates, out);
}

int
tally_build__multipliers(tally_builder *builder, const xmlNode *node, tally_rate_table *out)
{
    return build_container(builder, node, &multipliers, out);
}

int
tally_build__spiff_products(tally_builder *builder, const xmlNode *first, tally_rate_table *out)
{
    return build_table(builder, first, &spiff_products, out);
}
