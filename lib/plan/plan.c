/*
 * The plan object: reference counting, destruction with the plan's own copy of the
 * allocator, and the read-only accessors of the public API. Every accessor accepts
 * NULL and answers as plan.h documents.
 */
#include <string.h>

#include "core/digest.h"
#include "plan/build.h"

_Static_assert(TALLY_DIGEST_SIZE == TALLY_PLAN_DIGEST_SIZE, "digest sizes agree");
_Static_assert(TALLY_SHA256_SIZE == TALLY_PLAN_DIGEST_SIZE, "the plan digest is SHA-256");
_Static_assert(TALLY_DATE_TEXT_SIZE == TALLY_PLAN_DATE_SIZE, "dates fit");

/* ---- destruction ---- */

static void
release(const tally_allocator *allocator, void *block)
{
    if (block)
        allocator->free(block, allocator->user_data);
}

/* An id list is one block: the pointers followed by the characters. */
static void
free_filter(const tally_allocator *allocator, tally_filter *filter)
{
    release(allocator, filter->ids.ids);
}

static void
free_rate_table(const tally_allocator *allocator, tally_rate_table *table)
{
    for (size_t i = 0; table->entries && i < table->count; i++)
        release(allocator, table->entries[i].key);
    release(allocator, table->entries);
}

static void
free_eligibility(const tally_allocator *allocator, tally_eligibility *e)
{
    free_filter(allocator, &e->products);
    free_filter(allocator, &e->categories);
    free_filter(allocator, &e->regions);
    free_filter(allocator, &e->partner_types);
    free_filter(allocator, &e->partner_tiers);
    free_filter(allocator, &e->customer_categories);
}

static void
free_component(const tally_allocator *allocator, tally_component *c)
{
    release(allocator, c->id);
    release(allocator, c->name);
    free_eligibility(allocator, &c->eligibility);
    free_rate_table(allocator, &c->rate.table);
    release(allocator, c->rate.tiers.bands);
    free_rate_table(allocator, &c->multipliers);
    free_rate_table(allocator, &c->spiff.products);
}

static void
free_version(const tally_allocator *allocator, tally_plan_version_model *v)
{
    for (size_t i = 0; v->components && i < v->component_count; i++)
        free_component(allocator, &v->components[i]);
    release(allocator, v->components);
    release(allocator, v->id);
}

static void
free_definitions(const tally_allocator *allocator, tally_definitions *d)
{
    free_filter(allocator, &d->partner_tiers);
    free_filter(allocator, &d->partner_types);
    free_filter(allocator, &d->regions);
    free_filter(allocator, &d->categories);
    free_filter(allocator, &d->customer_categories);
    free_filter(allocator, &d->products);
}

void
tally_plan__destroy(tally_plan *plan)
{
    if (!plan)
        return;
    /* Copied: the plan's block, which holds the allocator, is freed last. */
    tally_allocator allocator = plan->allocator;
    for (size_t i = 0; plan->versions && i < plan->version_count; i++)
        free_version(&allocator, &plan->versions[i]);
    release(&allocator, plan->versions);
    free_definitions(&allocator, &plan->definitions);
    release(&allocator, plan->id);
    release(&allocator, plan->name);
    release(&allocator, plan->description);
    release(&allocator, plan);
}

/* ---- references ---- */

tally_plan *
tally_plan_ref(tally_plan *plan)
{
    /* Taking a reference needs no ordering: the caller already holds one. */
    if (plan)
        atomic_fetch_add_explicit(&plan->reference_count, 1, memory_order_relaxed);
    return plan;
}

void
tally_plan_unref(tally_plan *plan)
{
    if (!plan)
        return;
    /* Release our writes; the last owner acquires everyone's before freeing. */
    if (atomic_fetch_sub_explicit(&plan->reference_count, 1, memory_order_acq_rel) == 1)
        tally_plan__destroy(plan);
}

/* ---- the plan ---- */

const char *
tally_plan_id(const tally_plan *plan)
{
    return plan ? plan->id : NULL;
}

const char *
tally_plan_name(const tally_plan *plan)
{
    return plan ? plan->name : NULL;
}

const tally_currency *
tally_plan_currency(const tally_plan *plan)
{
    return plan ? plan->currency : NULL;
}

int
tally_plan_fiscal_start_month(const tally_plan *plan)
{
    return plan ? plan->fiscal_start_month : 0;
}

int
tally_plan_digest(unsigned char out[TALLY_PLAN_DIGEST_SIZE], const tally_plan *plan)
{
    if (!out || !plan)
        return TALLY_ERR_INVALID_ARGUMENT;
    memcpy(out, plan->digest, TALLY_PLAN_DIGEST_SIZE);
    return TALLY_OK;
}

int
tally_plan_digest_hex(char *out, size_t out_size, const tally_plan *plan)
{
    if (!out || !plan)
        return TALLY_ERR_INVALID_ARGUMENT;
    if (out_size < TALLY_PLAN_DIGEST_HEX_SIZE) {
        if (out_size > 0)
            out[0] = '\0';
        return TALLY_ERR_BUFFER_TOO_SMALL;
    }
    tally_sha256__hex(out, plan->digest);
    return TALLY_OK;
}

/* ---- versions ---- */

size_t
tally_plan_version_count(const tally_plan *plan)
{
    return plan ? plan->version_count : 0;
}

const tally_plan_version *
tally_plan_version_at(const tally_plan *plan, size_t index)
{
    return plan && index < plan->version_count ? &plan->versions[index] : NULL;
}

const char *
tally_plan_version_id(const tally_plan_version *version)
{
    return version ? version->id : NULL;
}

const char *
tally_plan_version_effective_from(const tally_plan_version *version)
{
    return version ? version->effective_from_text : NULL;
}

const char *
tally_plan_version_effective_to(const tally_plan_version *version)
{
    return version && !version->open_ended ? version->effective_to_text : NULL;
}

size_t
tally_plan_version_component_count(const tally_plan_version *version)
{
    return version ? version->component_count : 0;
}

const tally_component *
tally_plan_version_component_at(const tally_plan_version *version, size_t index)
{
    return version && index < version->component_count ? &version->components[index] : NULL;
}

/* ---- components ---- */

/* As written in plans, in the order of tally_component_kind. */
static const char *const kind_names[] = {
    "rebate",     "growth-rebate", "spiff",    "mdf",
    "commission", "affiliate",     "referral", "deal-registration",
};

tally_component_kind
tally_component_get_kind(const tally_component *component)
{
    /* Documented as not NULL; the first kind keeps a careless caller from crashing. */
    return component ? component->kind : TALLY_COMPONENT_REBATE;
}

const char *
tally_component_kind_name(tally_component_kind kind)
{
    size_t index = (size_t)kind;
    return index < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[index] : NULL;
}

const char *
tally_component_id(const tally_component *component)
{
    return component ? component->id : NULL;
}

const char *
tally_component_name(const tally_component *component)
{
    return component ? component->name : NULL;
}

const char *
tally_component_period(const tally_component *component)
{
    return component ? tally_period__kind_name(component->period) : NULL;
}

const tally_tier_table *
tally_component_tiers(const tally_component *component)
{
    return component && component->rate.kind == TALLY_RATE_TIERS ? &component->rate.tiers
                                                                  : NULL;
}

unsigned long
tally_component_line(const tally_component *component)
{
    return component ? component->line : 0;
}

int
tally_component_cap(const tally_component *component, tally_decimal *out)
{
    if (!component || !out || !component->has_cap)
        return 0;
    *out = component->cap;
    return 1;
}

/* The filter of @p field; NULL for a value that is not a field. */
static const tally_filter *
filter_of(const tally_component *component, tally_filter_field field)
{
    const tally_eligibility *e = &component->eligibility;
    switch (field) {
    case TALLY_FILTER_PRODUCTS:
        return &e->products;
    case TALLY_FILTER_CATEGORIES:
        return &e->categories;
    case TALLY_FILTER_REGIONS:
        return &e->regions;
    case TALLY_FILTER_PARTNER_TYPES:
        return &e->partner_types;
    case TALLY_FILTER_PARTNER_TIERS:
        return &e->partner_tiers;
    case TALLY_FILTER_CUSTOMER_CATEGORIES:
        return &e->customer_categories;
    }
    return NULL;
}

size_t
tally_component_filter(const tally_component *component, tally_filter_field field,
                       int *exclude)
{
    const tally_filter *filter = component ? filter_of(component, field) : NULL;
    if (exclude)
        *exclude = filter && filter->active ? filter->exclude : 0;
    return filter && filter->active ? filter->ids.count : 0;
}

const char *
tally_component_filter_id(const tally_component *component, tally_filter_field field,
                          size_t index)
{
    const tally_filter *filter = component ? filter_of(component, field) : NULL;
    return filter && filter->active && index < filter->ids.count ? filter->ids.ids[index]
                                                                 : NULL;
}

int
tally_component_customers(const tally_component *component)
{
    if (!component)
        return -1;
    switch (component->eligibility.customers) {
    case TALLY_CUSTOMERS_NEW:
        return 1;
    case TALLY_CUSTOMERS_EXISTING:
        return 0;
    default:
        return -1;
    }
}

int
tally_component_window(const tally_component *component, char from[TALLY_PLAN_DATE_SIZE],
                       char to[TALLY_PLAN_DATE_SIZE])
{
    if (!component || !from || !to || !component->eligibility.has_window)
        return 0;
    tally_date__format(from, component->eligibility.window_from);
    tally_date__format(to, component->eligibility.window_to);
    return 1;
}

int
tally_component_spiff_window(const tally_component *component, char from[TALLY_PLAN_DATE_SIZE],
                             char to[TALLY_PLAN_DATE_SIZE])
{
    if (!component || !from || !to || component->kind != TALLY_COMPONENT_SPIFF)
        return 0;
    tally_date__format(from, component->spiff.window_from);
    tally_date__format(to, component->spiff.window_to);
    return 1;
}

size_t
tally_component_spiff_product_count(const tally_component *component)
{
    return component && component->kind == TALLY_COMPONENT_SPIFF
               ? component->spiff.products.count
               : 0;
}

const char *
tally_component_spiff_product_at(const tally_component *component, size_t index,
                                 tally_decimal *amount)
{
    if (index >= tally_component_spiff_product_count(component))
        return NULL;
    const tally_keyed_rate *product = &component->spiff.products.entries[index];
    if (amount)
        *amount = product->value;
    return product->key;
}

/* ---- tier tables ---- */

tally_tier_mode
tally_tier_table_mode(const tally_tier_table *tiers)
{
    return tiers ? tiers->mode : TALLY_TIERS_WHOLE;
}

tally_tier_measure
tally_tier_table_measure(const tally_tier_table *tiers)
{
    return tiers ? tiers->measure : TALLY_MEASURE_AMOUNT;
}

tally_tier_basis
tally_tier_table_basis(const tally_tier_table *tiers)
{
    return tiers ? tiers->basis : TALLY_BASIS_PERIOD;
}

tally_band_pays
tally_tier_table_pays(const tally_tier_table *tiers)
{
    return tiers ? tiers->pays : TALLY_BAND_RATE;
}

size_t
tally_tier_table_band_count(const tally_tier_table *tiers)
{
    return tiers ? tiers->band_count : 0;
}

int
tally_tier_table_band(const tally_tier_table *tiers, size_t index, tally_decimal *from,
                      tally_decimal *to, int *open, tally_decimal *value)
{
    if (!tiers || index >= tiers->band_count || !from || !to || !open || !value)
        return TALLY_ERR_INVALID_ARGUMENT;
    const tally_band *band = &tiers->bands[index];
    static const tally_decimal zero = {0, 0, 0, 0};
    *from = band->from;
    *to = band->open ? zero : band->to;
    *open = band->open;
    *value = band->value;
    return TALLY_OK;
}
