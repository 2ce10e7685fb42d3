/*
 * Compiling plans: the model built from every element of the schema, defaults,
 * the public accessors (also on NULL), the canonical form and its digest
 * (invariant under cosmetic changes, sensitive to every rule), reference counting
 * across threads, out-of-memory behaviour, and trees the schema should have
 * rejected. The directory of the test plans is the first argument (meson passes
 * it), or tests/plans under the current directory.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libxml/parser.h>

#include "core/digest.h"
#include "plan/build.h"
#include "support/test_alloc.h"

static const char *plans_directory = "tests/plans";

/* ---- helpers ---- */

static void
plan_file(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", plans_directory, name);
}

static void
print_errors(const tally_ctx *ctx)
{
    char line[1024];
    for (size_t i = 0; i < tally_ctx_error_count(ctx); i++) {
        tally_error_format(line, sizeof(line), tally_ctx_error(ctx, i));
        print_message("  %s\n", line);
    }
}

static tally_plan *
load_text(tally_ctx *ctx, const char *xml)
{
    tally_plan *plan = NULL;
    int status = tally_plan_load_buffer(ctx, &plan, xml, strlen(xml), "test.xml", NULL);
    if (status != TALLY_OK) {
        print_errors(ctx);
        fail_msg("plan does not load: %s", tally_strerror(status));
    }
    return plan;
}

static tally_plan *
load_plan_file(tally_ctx *ctx, const char *name)
{
    char path[512];
    tally_plan *plan = NULL;
    plan_file(path, sizeof(path), name);
    int status = tally_plan_load_file(ctx, &plan, path, NULL);
    if (status != TALLY_OK) {
        print_errors(ctx);
        fail_msg("%s does not load: %s", path, tally_strerror(status));
    }
    return plan;
}

static char *
read_whole_file(const char *name, size_t *size)
{
    char path[512];
    plan_file(path, sizeof(path), name);
    FILE *file = fopen(path, "rb");
    if (!file)
        fail_msg("cannot open %s", path);
    char *text = malloc(1 << 20);
    assert_non_null(text);
    *size = fread(text, 1, (1 << 20) - 1, file);
    text[*size] = '\0';
    fclose(file);
    return text;
}

static void
assert_decimal(const tally_decimal *value, const char *expected)
{
    char text[TALLY_DECIMAL_STRING_MAX];
    assert_int_equal(tally_decimal_format(text, sizeof(text), value), TALLY_OK);
    assert_string_equal(text, expected);
}

static char *
copy_text(const char *text)
{
    char *copy = malloc(strlen(text) + 1);
    assert_non_null(copy);
    return strcpy(copy, text);
}

/* A string with `from` replaced by `to` once; `from` must occur. */
static char *
replace(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    if (!at)
        fail_msg("\"%s\" not found in the base plan", from);
    size_t before = (size_t)(at - text), length = strlen(text);
    char *out = malloc(length - strlen(from) + strlen(to) + 1);
    assert_non_null(out);
    memcpy(out, text, before);
    strcpy(out + before, to);
    strcat(out, at + strlen(from));
    return out;
}

/* Collects the canonical form in memory. */
typedef struct text_buffer {
    char *data;
    size_t size;
    size_t calls;
    size_t stop_after; /* 0: never stop */
} text_buffer;

static int
collect(const char *data, size_t size, void *user_data)
{
    text_buffer *buffer = user_data;
    buffer->calls++;
    char *grown = realloc(buffer->data, buffer->size + size + 1);
    assert_non_null(grown);
    buffer->data = grown;
    memcpy(buffer->data + buffer->size, data, size);
    buffer->size += size;
    buffer->data[buffer->size] = '\0';
    return buffer->stop_after && buffer->calls >= buffer->stop_after;
}

/* ---- the model of every element ---- */

static void
assert_id_list(const tally_filter *filter, int exclude, const char *expected)
{
    char joined[256] = "";
    assert_true(filter->active);
    assert_int_equal(filter->exclude, exclude);
    for (size_t i = 0; i < filter->ids.count; i++) {
        if (i)
            strcat(joined, " ");
        strcat(joined, filter->ids.ids[i]);
    }
    assert_string_equal(joined, expected);
}

static void
assert_band(const tally_band *band, const char *from, const char *to, const char *value)
{
    assert_decimal(&band->from, from);
    assert_int_equal(band->open, to == NULL);
    if (to)
        assert_decimal(&band->to, to);
    assert_decimal(&band->value, value);
}

static void
assert_keyed(const tally_rate_table *table, size_t index, const char *key, const char *value)
{
    assert_true(index < table->count);
    assert_string_equal(table->entries[index].key, key);
    assert_decimal(&table->entries[index].value, value);
}

static void
assert_plan_settings(const tally_plan *plan)
{
    assert_string_equal(plan->id, "every-element");
    assert_string_equal(plan->name, "Every element");
    assert_string_equal(plan->description, "Exercises the whole vocabulary.");
    assert_string_equal(tally_currency_code(plan->currency), "EUR");
    assert_int_equal(plan->rounding.mode, TALLY_ROUND_HALF_UP);
    assert_int_equal(plan->rounding.point, TALLY_ROUNDING_PER_TRANSACTION);
    assert_int_equal(plan->rounding.scale, 3);
    assert_int_equal(plan->fiscal_start_month, 4);
    const tally_definitions *d = &plan->definitions;
    assert_id_list(&d->partner_tiers, 0, "gold platinum silver");
    assert_id_list(&d->partner_types, 0, "distributor reseller");
    assert_id_list(&d->regions, 0, "APAC EMEA NA");
    assert_id_list(&d->categories, 0, "hardware services software");
    assert_id_list(&d->customer_categories, 0, "enterprise public smb");
    assert_id_list(&d->products, 0, "SKU-1 SKU-2 SKU-3");
}

static void
assert_versions(const tally_plan *plan)
{
    assert_int_equal(plan->version_count, 2);
    const tally_plan_version_model *v1 = &plan->versions[0], *v2 = &plan->versions[1];
    assert_string_equal(v1->id, "v1");
    assert_string_equal(v1->effective_from_text, "2026-01-01");
    assert_string_equal(v1->effective_to_text, "2026-12-31");
    assert_false(v1->open_ended);
    assert_int_equal(v1->effective_to - v1->effective_from, 364);
    assert_int_equal(v1->component_count, 12);
    assert_string_equal(v2->id, "v2");
    assert_true(v2->open_ended);
    assert_string_equal(v2->effective_to_text, "");
    assert_int_equal(v2->component_count, 1);
    const tally_component *dr = &v2->components[0];
    assert_int_equal(dr->kind, TALLY_COMPONENT_DEAL_REGISTRATION);
    assert_decimal(&dr->uplift, "0.015");
}

static void
assert_volume_rebate(const tally_component *c)
{
    assert_int_equal(c->kind, TALLY_COMPONENT_REBATE);
    assert_string_equal(c->id, "volume");
    assert_string_equal(c->name, "Volume rebate");
    assert_int_equal(c->line, 28); /* where its start tag begins, not where it ends */
    assert_int_equal(c->period, TALLY_PERIOD_FISCAL_YEAR);
    assert_true(c->has_settlement);
    assert_int_equal(c->settlement, TALLY_PERIOD_FISCAL_QUARTER);
    assert_int_equal(c->returns, TALLY_RETURNS_ORIGINAL);
    const tally_eligibility *e = &c->eligibility;
    assert_id_list(&e->products, 1, "SKU-3");
    assert_id_list(&e->categories, 0, "hardware software");
    assert_id_list(&e->regions, 0, "EMEA NA");
    assert_true(e->regions_of_partner);
    assert_id_list(&e->partner_types, 0, "reseller");
    assert_id_list(&e->partner_tiers, 1, "silver");
    assert_id_list(&e->customer_categories, 0, "enterprise smb");
    assert_int_equal(e->customers, TALLY_CUSTOMERS_EXISTING);
    assert_true(e->has_window);
    char day[TALLY_DATE_TEXT_SIZE];
    tally_date__format(day, e->window_from);
    assert_string_equal(day, "2026-02-01");
    tally_date__format(day, e->window_to);
    assert_string_equal(day, "2026-11-30");
    /* mode and point overridden, scale inherited from the plan */
    assert_int_equal(c->rounding.mode, TALLY_ROUND_FLOOR);
    assert_int_equal(c->rounding.point, TALLY_ROUNDING_PER_PAYOUT);
    assert_int_equal(c->rounding.scale, 3);
}

static void
assert_volume_limits(const tally_component *c)
{
    const tally_tier_table *t = &c->rate.tiers;
    assert_int_equal(c->rate.kind, TALLY_RATE_TIERS);
    assert_int_equal(t->mode, TALLY_TIERS_MARGINAL);
    assert_int_equal(t->measure, TALLY_MEASURE_AMOUNT);
    assert_int_equal(t->basis, TALLY_BASIS_PERIOD);
    assert_int_equal(t->pays, TALLY_BAND_RATE);
    assert_int_equal(t->band_count, 3);
    assert_band(&t->bands[0], "0", "10000", "0.020");
    assert_band(&t->bands[1], "10000", "20000.00", "0.03");
    assert_band(&t->bands[2], "20000", NULL, "0.04");
    assert_int_equal(c->multipliers.count, 2);
    assert_keyed(&c->multipliers, 0, "gold", "1.1");
    assert_keyed(&c->multipliers, 1, "platinum", "1.25");
    assert_true(c->has_minimum);
    assert_decimal(&c->minimum, "5000");
    assert_true(c->has_cap);
    assert_decimal(&c->cap, "100000.50");
    assert_true(c->clawback.recover_from_payee);
    assert_false(c->clawback.carry_forward);
}

static void
assert_rate_rebates(const tally_component *units, const tally_component *by_category,
                    const tally_component *by_customer)
{
    assert_int_equal(units->rate.kind, TALLY_RATE_PER_UNIT);
    assert_decimal(&units->rate.flat, "1.50");
    assert_int_equal(units->period, TALLY_PERIOD_QUARTER);
    assert_false(units->has_settlement);
    assert_false(units->eligibility.products.active);
    assert_int_equal(units->eligibility.customers, TALLY_CUSTOMERS_ANY);
    assert_int_equal(units->returns, TALLY_RETURNS_DATED);
    assert_false(units->clawback.recover_from_payee);
    assert_true(units->clawback.carry_forward);
    assert_false(units->has_cap);
    assert_false(units->has_minimum);
    assert_int_equal(units->rounding.mode, TALLY_ROUND_HALF_UP); /* all from the plan */
    assert_int_equal(units->rounding.point, TALLY_ROUNDING_PER_TRANSACTION);
    assert_int_equal(by_category->rate.kind, TALLY_RATE_CATEGORY);
    assert_int_equal(by_category->rate.table.count, 2);
    assert_keyed(&by_category->rate.table, 0, "hardware", "0.02");
    assert_keyed(&by_category->rate.table, 1, "software", "0.05");
    assert_int_equal(by_customer->rate.kind, TALLY_RATE_CUSTOMER_CATEGORY);
    assert_int_equal(by_customer->period, TALLY_PERIOD_HALF);
    assert_keyed(&by_customer->rate.table, 0, "enterprise", "0.03");
    assert_keyed(&by_customer->rate.table, 1, "public", "0.01");
}

static void
assert_growth_and_spiff(const tally_component *growth, const tally_component *spiff)
{
    assert_int_equal(growth->kind, TALLY_COMPONENT_GROWTH_REBATE);
    assert_false(growth->growth.baseline_same_period_last_year);
    assert_decimal(&growth->growth.threshold_percent, "7.5");
    assert_true(growth->growth.pay_on_basis);
    assert_int_equal(growth->rate.tiers.mode, TALLY_TIERS_WHOLE);
    assert_int_equal(growth->rate.tiers.measure, TALLY_MEASURE_AMOUNT);
    assert_int_equal(spiff->kind, TALLY_COMPONENT_SPIFF);
    assert_int_equal(spiff->payee, TALLY_PAYEE_PARTNER);
    assert_true(spiff->spiff.per_deal);
    char day[TALLY_DATE_TEXT_SIZE];
    tally_date__format(day, spiff->spiff.window_from);
    assert_string_equal(day, "2026-03-01");
    tally_date__format(day, spiff->spiff.window_to);
    assert_string_equal(day, "2026-05-31");
    assert_int_equal(spiff->spiff.products.count, 2);
    assert_keyed(&spiff->spiff.products, 0, "SKU-1", "50.00");
    assert_keyed(&spiff->spiff.products, 1, "SKU-2", "25");
    assert_true(spiff->has_cap);
    assert_decimal(&spiff->cap, "1000");
    assert_true(spiff->spiff.has_deadline);
    assert_int_equal(spiff->spiff.deadline_days, 30);
    assert_decimal(&spiff->spiff.late_reduction_percent, "10");
    assert_int_equal(spiff->spiff.max_late_months, 3);
}

static void
assert_other_kinds(const tally_component *const *c)
{
    const tally_component *fund = c[0], *agents = c[1], *flat = c[2], *web = c[3],
                          *refer = c[4], *units = c[5];
    assert_decimal(&fund->mdf.accrual_rate, "0.02");
    assert_true(fund->mdf.has_yearly_cap);
    assert_decimal(&fund->mdf.yearly_cap, "50000");
    assert_int_equal(fund->mdf.expiry_months, 6);
    assert_decimal(&fund->mdf.co_funding, "0.5");
    assert_int_equal(agents->payee, TALLY_PAYEE_REP_OR_PARTNER);
    assert_false(agents->apply_splits);
    assert_int_equal(agents->period, TALLY_PERIOD_FISCAL_QUARTER);
    assert_int_equal(agents->rate.tiers.mode, TALLY_TIERS_INTERPOLATED);
    assert_int_equal(agents->rate.tiers.measure, TALLY_MEASURE_ATTAINMENT);
    assert_int_equal(agents->rate.tiers.pays, TALLY_BAND_AMOUNT);
    assert_band(&agents->rate.tiers.bands[1], "100", NULL, "500");
    /* point and scale overridden, mode inherited from the plan */
    assert_int_equal(agents->rounding.mode, TALLY_ROUND_HALF_UP);
    assert_int_equal(agents->rounding.point, TALLY_ROUNDING_PER_PAYOUT);
    assert_int_equal(agents->rounding.scale, 2);
    assert_int_equal(flat->rate.kind, TALLY_RATE_FLAT);
    assert_decimal(&flat->rate.flat, "0.07");
    assert_int_equal(flat->payee, TALLY_PAYEE_PARTNER);
    assert_true(flat->apply_splits);
    assert_int_equal(web->kind, TALLY_COMPONENT_AFFILIATE);
    assert_int_equal(web->rate.kind, TALLY_RATE_FLAT);
    assert_decimal(&web->rate.flat, "0.06");
    assert_decimal(&refer->fee, "150.00");
    assert_int_equal(units->rate.tiers.basis, TALLY_BASIS_TRANSACTION);
    assert_int_equal(units->rate.tiers.measure, TALLY_MEASURE_QUANTITY);
    assert_int_equal(units->rate.tiers.pays, TALLY_BAND_PER_UNIT);
}

static void
every_element_compiles_to_the_model(void **state)
{
    (void)state;
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    tally_plan *plan = load_plan_file(ctx, "every-element.xml");
    assert_plan_settings(plan);
    assert_versions(plan);
    const tally_component *c = plan->versions[0].components; /* document order */
    assert_volume_rebate(&c[0]);
    assert_volume_limits(&c[0]);
    assert_rate_rebates(&c[1], &c[2], &c[3]);
    assert_growth_and_spiff(&c[4], &c[5]);
    const tally_component *others[] = {&c[6], &c[7], &c[8], &c[9], &c[10], &c[11]};
    assert_other_kinds(others);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
}

/* The canonical form, reviewed by hand once, is kept as a golden file. */
static void
canonical_form_matches_the_golden_file(void **state)
{
    (void)state;
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    tally_plan *plan = load_plan_file(ctx, "every-element.xml");
    text_buffer text = {NULL, 0, 0, 0};
    assert_int_equal(tally_plan_write_canonical(plan, collect, &text), TALLY_OK);
    size_t size = 0;
    char *golden = read_whole_file("every-element.canonical", &size);
    assert_string_equal(text.data, golden);
    /* the digest is SHA-256 of exactly that text */
    unsigned char expected[TALLY_SHA256_SIZE], digest[TALLY_PLAN_DIGEST_SIZE];
    tally_sha256 hash;
    tally_sha256__init(&hash);
    tally_sha256__update(&hash, golden, size);
    tally_sha256__final(&hash, expected);
    assert_int_equal(tally_plan_digest(digest, plan), TALLY_OK);
    assert_memory_equal(digest, expected, sizeof(digest));
    free(golden);
    free(text.data);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
}

/* ---- public accessors ---- */

static void
assert_first_version(const tally_plan_version *v)
{
    assert_string_equal(tally_plan_version_id(v), "v1");
    assert_string_equal(tally_plan_version_effective_from(v), "2026-01-01");
    assert_string_equal(tally_plan_version_effective_to(v), "2026-12-31");
    assert_int_equal(tally_plan_version_component_count(v), 12);
    assert_null(tally_plan_version_component_at(v, 12));
    const tally_component *volume = tally_plan_version_component_at(v, 0);
    assert_int_equal(tally_component_get_kind(volume), TALLY_COMPONENT_REBATE);
    assert_string_equal(tally_component_id(volume), "volume");
    assert_string_equal(tally_component_name(volume), "Volume rebate");
    assert_string_equal(tally_component_period(volume), "fiscal-year");
    const tally_tier_table *tiers = tally_component_tiers(volume);
    assert_non_null(tiers);
    assert_int_equal(tally_tier_table_mode(tiers), TALLY_TIERS_MARGINAL);
    assert_int_equal(tally_tier_table_measure(tiers), TALLY_MEASURE_AMOUNT);
    assert_int_equal(tally_tier_table_band_count(tiers), 3);
    tally_decimal from, to, value;
    int open = -1;
    assert_int_equal(tally_tier_table_band(tiers, 1, &from, &to, &open, &value), TALLY_OK);
    assert_decimal(&from, "10000");
    assert_decimal(&to, "20000.00");
    assert_int_equal(open, 0);
    assert_decimal(&value, "0.03");
    assert_int_equal(tally_tier_table_band(tiers, 2, &from, &to, &open, &value), TALLY_OK);
    assert_int_equal(open, 1);
    assert_decimal(&to, "0");
    assert_int_equal(tally_tier_table_band(tiers, 3, &from, &to, &open, &value),
                     TALLY_ERR_INVALID_ARGUMENT);
    const tally_component *units = tally_plan_version_component_at(v, 1);
    assert_null(tally_component_name(units));
    assert_null(tally_component_tiers(units));
    const tally_component *growth = tally_plan_version_component_at(v, 4);
    assert_string_equal(tally_component_kind_name(tally_component_get_kind(growth)),
                        "growth-rebate");
}

/* What each tier table is looked up on (its basis) and what its bands pay. */
static void
tier_tables_tell_basis_and_pays(void **state)
{
    (void)state;
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    tally_plan *plan = load_plan_file(ctx, "every-element.xml");
    const tally_plan_version *v = tally_plan_version_at(plan, 0);
    static const struct {
        size_t component;
        tally_tier_basis basis;
        tally_band_pays pays;
    } expected[] = {
        {0, TALLY_BASIS_PERIOD, TALLY_BAND_RATE},           /* volume */
        {7, TALLY_BASIS_PERIOD, TALLY_BAND_AMOUNT},         /* agents: interpolated */
        {11, TALLY_BASIS_TRANSACTION, TALLY_BAND_PER_UNIT}, /* per-sale-units */
    };
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        const tally_tier_table *tiers =
            tally_component_tiers(tally_plan_version_component_at(v, expected[i].component));
        assert_non_null(tiers);
        assert_int_equal(tally_tier_table_basis(tiers), expected[i].basis);
        assert_int_equal(tally_tier_table_pays(tiers), expected[i].pays);
    }
    /* The values are part of the ABI. */
    assert_int_equal(TALLY_BASIS_PERIOD, 0);
    assert_int_equal(TALLY_BASIS_TRANSACTION, 1);
    assert_int_equal(TALLY_BAND_RATE, 0);
    assert_int_equal(TALLY_BAND_PER_UNIT, 1);
    assert_int_equal(TALLY_BAND_AMOUNT, 2);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
}

static void
accessors_read_the_plan(void **state)
{
    (void)state;
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    tally_plan *plan = load_plan_file(ctx, "every-element.xml");
    assert_string_equal(tally_plan_id(plan), "every-element");
    assert_string_equal(tally_plan_name(plan), "Every element");
    assert_string_equal(tally_currency_code(tally_plan_currency(plan)), "EUR");
    assert_int_equal(tally_plan_version_count(plan), 2);
    assert_first_version(tally_plan_version_at(plan, 0));
    const tally_plan_version *v2 = tally_plan_version_at(plan, 1);
    assert_string_equal(tally_plan_version_id(v2), "v2");
    assert_string_equal(tally_plan_version_effective_from(v2), "2027-01-01");
    assert_null(tally_plan_version_effective_to(v2));
    assert_null(tally_plan_version_at(plan, 2));
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
}

/* Lines, caps, filters, windows and SPIFF products, as linters and drawings read them. */
static const tally_component *
component_named(const tally_plan *plan, const char *id)
{
    for (size_t v = 0; v < tally_plan_version_count(plan); v++) {
        const tally_plan_version *version = tally_plan_version_at(plan, v);
        for (size_t i = 0; i < tally_plan_version_component_count(version); i++) {
            const tally_component *c = tally_plan_version_component_at(version, i);
            if (strcmp(tally_component_id(c), id) == 0)
                return c;
        }
    }
    fail_msg("no component \"%s\"", id);
    return NULL;
}

static void
component_accessors_read_limits_filters_and_windows(void **state)
{
    (void)state;
    tally_ctx *ctx = NULL;
    tally_decimal d;
    int exclude = -1;
    char from[TALLY_PLAN_DATE_SIZE], to[TALLY_PLAN_DATE_SIZE];
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    tally_plan *plan = load_plan_file(ctx, "every-element.xml");
    const tally_component *volume = component_named(plan, "volume");
    const tally_component *units = component_named(plan, "units");
    const tally_component *launch = component_named(plan, "launch");

    assert_int_equal(tally_component_line(volume), 28);
    assert_true(tally_component_line(units) > tally_component_line(volume));
    assert_int_equal(tally_component_cap(volume, &d), 1);
    assert_decimal(&d, "100000.50");
    assert_int_equal(tally_component_cap(units, &d), 0);
    assert_decimal(&d, "100000.50"); /* left as it was */

    assert_int_equal(tally_component_filter(volume, TALLY_FILTER_PRODUCTS, &exclude), 1);
    assert_int_equal(exclude, 1);
    assert_string_equal(tally_component_filter_id(volume, TALLY_FILTER_PRODUCTS, 0), "SKU-3");
    assert_null(tally_component_filter_id(volume, TALLY_FILTER_PRODUCTS, 1));
    assert_int_equal(tally_component_filter(volume, TALLY_FILTER_CATEGORIES, &exclude), 2);
    assert_int_equal(exclude, 0);
    assert_string_equal(tally_component_filter_id(volume, TALLY_FILTER_CATEGORIES, 0),
                        "hardware"); /* sorted */
    assert_int_equal(tally_component_filter(volume, TALLY_FILTER_REGIONS, NULL), 2);
    assert_int_equal(tally_component_filter(volume, TALLY_FILTER_PARTNER_TYPES, NULL), 1);
    assert_int_equal(tally_component_filter(volume, TALLY_FILTER_PARTNER_TIERS, &exclude), 1);
    assert_int_equal(exclude, 1);
    assert_int_equal(tally_component_filter(volume, TALLY_FILTER_CUSTOMER_CATEGORIES, NULL), 2);
    assert_int_equal(tally_component_filter(units, TALLY_FILTER_PRODUCTS, &exclude), 0);
    assert_int_equal(exclude, 0);
    assert_int_equal(tally_component_filter(volume, (tally_filter_field)99, &exclude), 0);
    assert_null(tally_component_filter_id(volume, (tally_filter_field)99, 0));
    assert_int_equal(tally_component_customers(volume), 0); /* existing */
    assert_int_equal(tally_component_customers(units), -1);

    assert_int_equal(tally_component_window(volume, from, to), 1);
    assert_string_equal(from, "2026-02-01");
    assert_string_equal(to, "2026-11-30");
    assert_int_equal(tally_component_window(units, from, to), 0);
    assert_int_equal(tally_component_spiff_window(volume, from, to), 0);
    assert_int_equal(tally_component_spiff_window(launch, from, to), 1);
    assert_string_equal(from, "2026-03-01");
    assert_string_equal(to, "2026-05-31");

    assert_int_equal(tally_component_spiff_product_count(volume), 0);
    assert_int_equal(tally_component_spiff_product_count(launch), 2);
    assert_string_equal(tally_component_spiff_product_at(launch, 0, &d), "SKU-1");
    assert_decimal(&d, "50.00");
    assert_string_equal(tally_component_spiff_product_at(launch, 1, NULL), "SKU-2");
    assert_null(tally_component_spiff_product_at(launch, 2, &d));
    assert_null(tally_component_spiff_product_at(volume, 0, &d));

    /* NULL and values that are not fields. */
    assert_int_equal(tally_component_line(NULL), 0);
    assert_int_equal(tally_component_cap(NULL, &d), 0);
    assert_int_equal(tally_component_cap(volume, NULL), 0);
    assert_int_equal(tally_component_filter(NULL, TALLY_FILTER_PRODUCTS, &exclude), 0);
    assert_null(tally_component_filter_id(NULL, TALLY_FILTER_PRODUCTS, 0));
    assert_int_equal(tally_component_customers(NULL), -1);
    assert_int_equal(tally_component_window(NULL, from, to), 0);
    assert_int_equal(tally_component_window(volume, NULL, to), 0);
    assert_int_equal(tally_component_spiff_window(NULL, from, to), 0);
    assert_int_equal(tally_component_spiff_window(launch, from, NULL), 0);
    assert_int_equal(tally_component_spiff_product_count(NULL), 0);
    assert_null(tally_component_spiff_product_at(NULL, 0, &d));
    /* The values are part of the ABI. */
    assert_int_equal(TALLY_FILTER_PRODUCTS, 0);
    assert_int_equal(TALLY_FILTER_CUSTOMER_CATEGORIES, 5);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
}

static void
accessors_accept_null(void **state)
{
    (void)state;
    tally_decimal d;
    int open = 0;
    unsigned char digest[TALLY_PLAN_DIGEST_SIZE];
    char hex[TALLY_PLAN_DIGEST_HEX_SIZE];
    assert_null(tally_plan_ref(NULL));
    tally_plan_unref(NULL);
    tally_plan__destroy(NULL);
    assert_null(tally_plan_id(NULL));
    assert_null(tally_plan_name(NULL));
    assert_null(tally_plan_currency(NULL));
    assert_int_equal(tally_plan_digest(digest, NULL), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_plan_digest_hex(hex, sizeof(hex), NULL), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_plan_write_canonical(NULL, collect, NULL),
                     TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_plan_version_count(NULL), 0);
    assert_null(tally_plan_version_at(NULL, 0));
    assert_null(tally_plan_version_id(NULL));
    assert_null(tally_plan_version_effective_from(NULL));
    assert_null(tally_plan_version_effective_to(NULL));
    assert_int_equal(tally_plan_version_component_count(NULL), 0);
    assert_null(tally_plan_version_component_at(NULL, 0));
    assert_int_equal(tally_component_get_kind(NULL), TALLY_COMPONENT_REBATE);
    assert_null(tally_component_id(NULL));
    assert_null(tally_component_name(NULL));
    assert_null(tally_component_period(NULL));
    assert_null(tally_component_tiers(NULL));
    assert_int_equal(tally_tier_table_mode(NULL), TALLY_TIERS_WHOLE);
    assert_int_equal(tally_tier_table_measure(NULL), TALLY_MEASURE_AMOUNT);
    assert_int_equal(tally_tier_table_basis(NULL), TALLY_BASIS_PERIOD);
    assert_int_equal(tally_tier_table_pays(NULL), TALLY_BAND_RATE);
    assert_int_equal(tally_tier_table_band_count(NULL), 0);
    assert_int_equal(tally_tier_table_band(NULL, 0, &d, &d, &open, &d),
                     TALLY_ERR_INVALID_ARGUMENT);
}

static void
kind_names_are_the_element_names(void **state)
{
    (void)state;
    static const char *const names[] = {"rebate",     "growth-rebate", "spiff",
                                        "mdf",        "commission",    "affiliate",
                                        "referral",   "deal-registration"};
    for (int kind = 0; kind < 8; kind++)
        assert_string_equal(tally_component_kind_name((tally_component_kind)kind), names[kind]);
    assert_null(tally_component_kind_name((tally_component_kind)8));
    assert_null(tally_component_kind_name((tally_component_kind)-1));
}

/* ---- digest and canonical writing ---- */

static const char base_plan[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" id=\"p\" name=\"Name\" "
    "currency=\"USD\">\n"
    "  <description>Text</description>\n"
    "  <definitions>\n"
    "    <categories>hardware software</categories>\n"
    "  </definitions>\n"
    "  <version id=\"v1\" effective-from=\"2026-01-01\">\n"
    "    <rebate id=\"volume\" name=\"Volume\" period=\"quarter\">\n"
    "      <eligibility>\n"
    "        <categories>hardware software</categories>\n"
    "      </eligibility>\n"
    "      <tiers mode=\"marginal\">\n"
    "        <band from=\"0\" to=\"10000\" rate=\"0.02\"/>\n"
    "        <band from=\"10000\" rate=\"0.03\"/>\n"
    "      </tiers>\n"
    "      <cap>5000</cap>\n"
    "    </rebate>\n"
    "    <affiliate id=\"web\" period=\"month\" rate=\"0.05\"/>\n"
    "  </version>\n"
    "</plan>\n";

/* One change to the base plan: up to three replacements. */
typedef struct plan_edit {
    const char *why;
    const char *from[3];
    const char *to[3];
} plan_edit;

static void
digest_of(const char *xml, unsigned char out[TALLY_PLAN_DIGEST_SIZE])
{
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    tally_plan *plan = load_text(ctx, xml);
    assert_int_equal(tally_plan_digest(out, plan), TALLY_OK);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
}

static void
digest_of_edit(const plan_edit *edit, unsigned char out[TALLY_PLAN_DIGEST_SIZE])
{
    char *xml = copy_text(base_plan);
    for (int i = 0; i < 3 && edit->from[i]; i++) {
        char *next = replace(xml, edit->from[i], edit->to[i]);
        free(xml);
        xml = next;
    }
    digest_of(xml, out);
    free(xml);
}

static const plan_edit same_rules[] = {
    {"components reordered",
     {"    <affiliate id=\"web\" period=\"month\" rate=\"0.05\"/>\n", "    <rebate id="},
     {"", "    <affiliate id=\"web\" period=\"month\" rate=\"0.05\"/>\n    <rebate id="}},
    {"attributes reordered",
     {"<rebate id=\"volume\" name=\"Volume\" period=\"quarter\">"},
     {"<rebate period=\"quarter\" name=\"Volume\" id=\"volume\">"}},
    {"whitespace and comments",
     {"<band from=\"0\" to=\"10000\" rate=\"0.02\"/>", "<cap>5000</cap>",
      "<tiers mode=\"marginal\">"},
     {"<!-- first band -->\n<band  from=\"0\"\n   to=\"10000\"\trate=\"0.02\" />",
      "<cap><!-- five thousand -->5000</cap>", "<tiers\n mode=\"marginal\" >"}},
    {"defaults written out",
     {"  <definitions>", "<tiers mode=\"marginal\">",
      "<categories>hardware software</categories>\n      </eligibility>"},
     {"  <rounding mode=\"half-even\" point=\"per-payout\" scale=\"2\"/>\n"
      "  <calendar fiscal-year-start-month=\"1\"/>\n  <definitions>",
      "<tiers mode=\"marginal\" measure=\"amount\" basis=\"period\">",
      "<categories exclude=\"false\">hardware software</categories>\n"
      "      </eligibility>\n      <rounding mode=\"half-even\"/>"}},
    {"more defaults written out",
     {"<cap>5000</cap>", "name=\"Volume\" period=\"quarter\">"},
     {"<cap>5000</cap>\n      <clawback recover-from=\"component\" carry-forward=\"true\"/>",
      "name=\"Volume\" period=\"quarter\" returns=\"dated\">"}},
    {"trailing zeros", {"rate=\"0.02\"", "to=\"10000\"", "<cap>5000</cap>"},
     {"rate=\"0.020\"", "to=\"10000.00\"", "<cap>5000.0</cap>"}},
    {"names and description",
     {"name=\"Name\" ", "<description>Text</description>", " name=\"Volume\""},
     {"name=\"Another name\" ", "<description>Other text</description>", ""}},
    {"ids listed in another order",
     {"<categories>hardware software</categories>\n  </definitions>",
      "<categories>hardware software</categories>\n      </eligibility>"},
     {"<categories>software   hardware</categories>\n  </definitions>",
      "<categories>\n software\n hardware </categories>\n      </eligibility>"}},
    {"a minimum of 0", {"<cap>5000</cap>"}, {"<minimum>0</minimum>\n      <cap>5000</cap>"}},
    {"whitespace around decimals",
     {"<cap>5000</cap>", "rate=\"0.05\"", "<band from=\"10000\" rate=\"0.03\"/>"},
     {"<cap>\n        5000\n      </cap>", "rate=\" 0.05\t\"",
      "<band from=\"\n10000 \" rate=\"  0.03\"/>"}},
};

static void
digest_ignores_what_does_not_change_the_rules(void **state)
{
    (void)state;
    unsigned char base[TALLY_PLAN_DIGEST_SIZE], variant[TALLY_PLAN_DIGEST_SIZE];
    digest_of(base_plan, base);
    for (size_t i = 0; i < sizeof(same_rules) / sizeof(same_rules[0]); i++) {
        digest_of_edit(&same_rules[i], variant);
        if (memcmp(base, variant, sizeof(base)) != 0)
            fail_msg("\"%s\" changed the digest", same_rules[i].why);
    }
}

static const plan_edit other_rules[] = {
    {"one band edge", {"to=\"10000\"", "from=\"10000\""}, {"to=\"12000\"", "from=\"12000\""}},
    {"a band rate", {"rate=\"0.03\""}, {"rate=\"0.035\""}},
    {"an eligibility id", {"<categories>hardware software</categories>\n      </eligibility>"},
     {"<categories>hardware</categories>\n      </eligibility>"}},
    {"an exclusion", {"<categories>hardware software</categories>\n      </eligibility>"},
     {"<categories exclude=\"true\">hardware software</categories>\n      </eligibility>"}},
    {"the currency", {"currency=\"USD\""}, {"currency=\"EUR\""}},
    {"the rounding mode", {"  <definitions>"}, {"  <rounding mode=\"half-up\"/>\n  <definitions>"}},
    {"the rounding scale", {"  <definitions>"}, {"  <rounding scale=\"3\"/>\n  <definitions>"}},
    {"a component's rounding point",
     {"<affiliate id=\"web\" period=\"month\" rate=\"0.05\"/>"},
     {"<affiliate id=\"web\" period=\"month\" rate=\"0.05\"><rounding "
      "point=\"per-transaction\"/></affiliate>"}},
    {"the fiscal year", {"  <definitions>"},
     {"  <calendar fiscal-year-start-month=\"4\"/>\n  <definitions>"}},
    {"the cap", {"<cap>5000</cap>"}, {"<cap>5000.01</cap>"}},
    {"no cap", {"<cap>5000</cap>"}, {""}},
    {"a minimum", {"<cap>5000</cap>"}, {"<minimum>1</minimum>\n      <cap>5000</cap>"}},
    {"the tier mode", {"mode=\"marginal\""}, {"mode=\"whole\""}},
    {"the period", {"period=\"quarter\""}, {"period=\"month\""}},
    {"a settlement", {"period=\"quarter\""}, {"period=\"quarter\" settlement=\"month\""}},
    {"the effective date", {"effective-from=\"2026-01-01\""},
     {"effective-from=\"2026-01-02\""}},
    {"an end date", {"effective-from=\"2026-01-01\""},
     {"effective-from=\"2026-01-01\" effective-to=\"2030-12-31\""}},
    {"a component id", {"id=\"web\""}, {"id=\"web2\""}},
    {"the plan id", {"id=\"p\""}, {"id=\"q\""}},
    {"the version id", {"id=\"v1\""}, {"id=\"v2\""}},
    {"a declared category", {"<categories>hardware software</categories>\n  </definitions>"},
     {"<categories>hardware software services</categories>\n  </definitions>"}},
    {"declared categories dropped",
     {"  <definitions>\n    <categories>hardware software</categories>\n  </definitions>\n"},
     {""}},
    {"the affiliate rate", {"rate=\"0.05\""}, {"rate=\"0.06\""}},
    {"returns", {"period=\"quarter\">"}, {"period=\"quarter\" returns=\"original\">"}},
    {"the clawback", {"<cap>5000</cap>"},
     {"<cap>5000</cap>\n      <clawback carry-forward=\"false\"/>"}},
};

#define OTHER_COUNT (sizeof(other_rules) / sizeof(other_rules[0]))

static void
digest_changes_with_every_rule(void **state)
{
    (void)state;
    static unsigned char digests[OTHER_COUNT + 1][TALLY_PLAN_DIGEST_SIZE];
    digest_of(base_plan, digests[0]);
    for (size_t i = 0; i < OTHER_COUNT; i++)
        digest_of_edit(&other_rules[i], digests[i + 1]);
    for (size_t i = 0; i <= OTHER_COUNT; i++) {
        for (size_t j = i + 1; j <= OTHER_COUNT; j++) {
            if (memcmp(digests[i], digests[j], TALLY_PLAN_DIGEST_SIZE) == 0)
                fail_msg("\"%s\" and \"%s\" have the same digest",
                         i ? other_rules[i - 1].why : "the base plan", other_rules[j - 1].why);
        }
    }
}

static void
digest_hex_matches_the_bytes(void **state)
{
    (void)state;
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    tally_plan *plan = load_text(ctx, base_plan);
    unsigned char digest[TALLY_PLAN_DIGEST_SIZE];
    char hex[TALLY_PLAN_DIGEST_HEX_SIZE], expected[TALLY_PLAN_DIGEST_HEX_SIZE];
    assert_int_equal(tally_plan_digest(digest, plan), TALLY_OK);
    assert_int_equal(tally_plan_digest_hex(hex, sizeof(hex), plan), TALLY_OK);
    for (int i = 0; i < TALLY_PLAN_DIGEST_SIZE; i++)
        snprintf(expected + 2 * i, 3, "%02x", digest[i]);
    assert_string_equal(hex, expected);
    char small[TALLY_PLAN_DIGEST_HEX_SIZE - 1];
    small[0] = 'x';
    assert_int_equal(tally_plan_digest_hex(small, sizeof(small), plan),
                     TALLY_ERR_BUFFER_TOO_SMALL);
    assert_string_equal(small, "");
    assert_int_equal(tally_plan_digest_hex(NULL, sizeof(hex), plan),
                     TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_plan_digest(NULL, plan), TALLY_ERR_INVALID_ARGUMENT);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
}

static void
canonical_writer_stops_when_asked(void **state)
{
    (void)state;
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    tally_plan *plan = load_text(ctx, base_plan);
    text_buffer whole = {NULL, 0, 0, 0}, cut = {NULL, 0, 0, 1};
    assert_int_equal(tally_plan_write_canonical(plan, collect, &whole), TALLY_OK);
    assert_true(whole.calls > 1);
    assert_int_equal(tally_plan_write_canonical(plan, collect, &cut), TALLY_ERR_CALLBACK);
    assert_int_equal(cut.calls, 1);
    assert_true(cut.size < whole.size);
    assert_int_equal(tally_plan_write_canonical(plan, NULL, NULL), TALLY_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(whole.data, "tally-plan-canonical=1\nplan.id=p\nplan.currency=USD\n"));
    assert_null(strstr(whole.data, "Name"));
    free(whole.data);
    free(cut.data);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
}

/* Identifiers are restricted by the schema; the writer escapes them anyway. */
static void
canonical_form_escapes_identifiers(void **state)
{
    (void)state;
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    tally_plan *plan = load_text(ctx, base_plan);
    char *hostile = copy_text("a=b\nc d\\e");
    free(plan->id); /* the default context allocates with malloc */
    plan->id = hostile;
    text_buffer text = {NULL, 0, 0, 0};
    assert_int_equal(tally_plan_write_canonical(plan, collect, &text), TALLY_OK);
    assert_non_null(strstr(text.data, "\nplan.id=a\\x3db\\x0ac\\x20d\\x5ce\n"));
    free(text.data);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
}

/* ---- defaults ---- */

static tally_plan *
load_minimal(tally_ctx *ctx, const char *currency, const char *settings)
{
    char xml[2048];
    snprintf(xml, sizeof(xml),
             "<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" id=\"m\" currency=\"%s\">"
             "%s<version id=\"v\" effective-from=\"2026-01-01\">"
             "<rebate id=\"r\" period=\"fiscal-year\" settlement=\"quarter\"><rate>0.02</rate>"
             "<minimum>0.00</minimum></rebate></version></plan>",
             currency, settings);
    return load_text(ctx, xml);
}

static void
rounding_defaults_follow_the_currency(void **state)
{
    (void)state;
    static const struct {
        const char *currency, *settings;
        int scale;
        tally_rounding mode;
    } cases[] = {
        {"USD", "", 2, TALLY_ROUND_HALF_EVEN},
        {"JPY", "", 0, TALLY_ROUND_HALF_EVEN},
        {"BHD", "<rounding mode=\"down\"/>", 3, TALLY_ROUND_DOWN},
        {"XAU", "<rounding scale=\"4\"/>", 4, TALLY_ROUND_HALF_EVEN},
        {"USD", "<rounding scale=\"0\" mode=\"ceiling\"/>", 0, TALLY_ROUND_CEILING},
    };
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tally_plan *plan = load_minimal(ctx, cases[i].currency, cases[i].settings);
        assert_int_equal(plan->rounding.scale, cases[i].scale);
        assert_int_equal(plan->rounding.mode, cases[i].mode);
        assert_int_equal(plan->rounding.point, TALLY_ROUNDING_PER_PAYOUT);
        const tally_component *c = &plan->versions[0].components[0];
        assert_int_equal(c->rounding.scale, cases[i].scale);
        assert_int_equal(c->rounding.mode, cases[i].mode);
        tally_plan_unref(plan);
    }
    tally_ctx_free(ctx);
}

static void
other_defaults(void **state)
{
    (void)state;
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    tally_plan *plan = load_minimal(ctx, "USD", "");
    assert_int_equal(plan->fiscal_start_month, 1);
    assert_null(plan->name);
    assert_null(plan->description);
    assert_false(plan->definitions.categories.active);
    const tally_component *c = &plan->versions[0].components[0];
    assert_false(c->has_minimum); /* a minimum of 0 is no minimum */
    assert_false(c->has_cap);
    assert_int_equal(c->payee, TALLY_PAYEE_PARTNER);
    assert_true(c->clawback.carry_forward);
    assert_int_equal(c->line, 1);
    tally_plan_unref(plan);
    /* calendar quarters nest in fiscal years starting in July */
    plan = load_minimal(ctx, "USD", "<calendar fiscal-year-start-month=\"7\"/>");
    assert_int_equal(plan->fiscal_start_month, 7);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
}

/* References are free when the plan does not declare their kind. */
static void
undeclared_kinds_accept_any_id(void **state)
{
    (void)state;
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    tally_plan *plan = load_text(
        ctx, "<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" id=\"m\" currency=\"USD\">"
             "<definitions><regions>EMEA</regions></definitions>"
             "<version id=\"v\" effective-from=\"2026-01-01\">"
             "<rebate id=\"r\" period=\"month\"><eligibility><regions>EMEA</regions>"
             "<partner-tiers>anything</partner-tiers></eligibility>"
             "<category-rates><rate category=\"whatever\" value=\"0.1\"/></category-rates>"
             "</rebate></version></plan>");
    assert_string_equal(plan->versions[0].components[0].eligibility.partner_tiers.ids.ids[0],
                        "anything");
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
}

/* ---- values written the way people write them ---- */

/* The plan is refused, its first error's message containing `expected_part`. */
static void
assert_refused(const char *xml, const char *expected_part)
{
    tally_ctx *ctx = NULL;
    tally_plan *plan = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    assert_int_equal(tally_plan_load_buffer(ctx, &plan, xml, strlen(xml), "test.xml", NULL),
                     TALLY_ERR_PLAN);
    assert_null(plan);
    const char *message = tally_error_message(tally_ctx_error(ctx, 0));
    if (!strstr(message, expected_part))
        fail_msg("\"%s\" does not contain \"%s\"", message, expected_part);
    tally_ctx_free(ctx);
}

#define VALUES_PLAN_OPEN                                                                  \
    "<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" id=\"w\" currency=\"USD\">\n"      \
    "<version id=\"v\" effective-from=\"2026-01-01\">\n"

/* Pretty-printed element text: surrounding XML whitespace is not part of the value. */
static void
element_values_may_be_surrounded_by_whitespace(void **state)
{
    (void)state;
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    tally_plan *plan = load_text(
        ctx, VALUES_PLAN_OPEN
        "<rebate id=\"a\" period=\"month\">\n"
        "  <eligibility><customers>\n    new\n  </customers></eligibility>\n"
        "  <rate> 0.01 </rate>\n"
        "  <minimum>\t100\r\n  </minimum>\n"
        "  <cap>\n    5000.50\n  </cap>\n"
        "</rebate>\n"
        "<rebate id=\"b\" period=\"month\"><per-unit>\n  1.5\n</per-unit></rebate>\n"
        "<affiliate id=\"c\" period=\"month\" rate=\" 0.05 \"/>\n"
        "</version></plan>");
    const tally_component *c = plan->versions[0].components;
    assert_int_equal(c[0].eligibility.customers, TALLY_CUSTOMERS_NEW);
    assert_decimal(&c[0].rate.flat, "0.01");
    assert_decimal(&c[0].minimum, "100");
    assert_decimal(&c[0].cap, "5000.50");
    assert_decimal(&c[1].rate.flat, "1.5");
    assert_decimal(&c[2].rate.flat, "0.05");
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
    /* Inside the value, whitespace is still an error; only whitespace is no value. */
    assert_refused(VALUES_PLAN_OPEN "<rebate id=\"a\" period=\"month\">"
                                    "<rate>0. 01</rate></rebate></version></plan>",
                   "The value '0. 01' is not accepted by the pattern");
    assert_refused(VALUES_PLAN_OPEN "<rebate id=\"a\" period=\"month\">"
                                    "<rate> \n </rate></rebate></version></plan>",
                   "[facet 'pattern']");
}

/* A plan whose ids are `id` (plan, version, component) and `tier` (a partner tier). */
static char *
plan_with_ids(const char *id, const char *tier)
{
    char *xml = malloc(4096);
    assert_non_null(xml);
    snprintf(xml, 4096,
             "<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" id=\"%s\" currency=\"USD\">"
             "<version id=\"%s\" effective-from=\"2026-01-01\">"
             "<rebate id=\"%s\" period=\"month\"><eligibility>"
             "<partner-tiers>%s other</partner-tiers></eligibility><rate>0.01</rate>"
             "</rebate></version></plan>",
             id, id, id, tier);
    return xml;
}

static void
assert_ids_load(const char *id, const char *tier, const char *stored_id,
                const char *stored_tier)
{
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    char *xml = plan_with_ids(id, tier);
    tally_plan *plan = load_text(ctx, xml);
    assert_string_equal(tally_plan_id(plan), stored_id);
    const tally_plan_version *v = tally_plan_version_at(plan, 0);
    assert_string_equal(tally_plan_version_id(v), stored_id);
    const tally_component *c = tally_plan_version_component_at(v, 0);
    assert_string_equal(tally_component_id(c), stored_id);
    const tally_id_list *tiers = &c->eligibility.partner_tiers.ids;
    assert_int_equal(tiers->count, 2);
    assert_true(strcmp(tiers->ids[0], stored_tier) == 0 ||
                strcmp(tiers->ids[1], stored_tier) == 0);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
    free(xml);
}

/* Real SKUs and codes: any characters but whitespace, 1 to 64 of them. */
static void
identifiers_take_any_characters_but_whitespace(void **state)
{
    (void)state;
    assert_ids_load("acme/2026+Q1", "gold#1", "acme/2026+Q1", "gold#1");
    assert_ids_load("R&amp;D-750", "sales@emea", "R&D-750", "sales@emea");
    assert_ids_load("caf\xC3\xA9-cr\xC3\xA8me", "\xE9\x87\x91", "caf\xC3\xA9-cr\xC3\xA8me",
                    "\xE9\x87\x91");
    assert_ids_load("-x_", "_", "-x_", "_");
    /* 64 characters (128 bytes of UTF-8) are fine, 65 are not. */
    char longest[2 * 65 + 1] = "";
    for (int i = 0; i < 64; i++)
        strcat(longest, "\xC3\xA9");
    assert_ids_load(longest, "t", longest, "t");
    strcat(longest, "\xC3\xA9");
    char *xml = plan_with_ids(longest, "t");
    assert_refused(xml, "[facet 'pattern']");
    free(xml);
    /* Whitespace separates the ids of a list; in an id attribute it is refused. */
    xml = plan_with_ids("a b", "t");
    assert_refused(xml, "The value 'a b' is not accepted by the pattern '\\S{1,64}'");
    free(xml);
}

/* "=" and "\\" may now be part of an id: the canonical form escapes them. */
static void
canonical_form_escapes_ids_from_plans(void **state)
{
    (void)state;
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    char *xml = plan_with_ids("a=b\\c", "t");
    tally_plan *plan = load_text(ctx, xml);
    text_buffer text = {NULL, 0, 0, 0};
    assert_int_equal(tally_plan_write_canonical(plan, collect, &text), TALLY_OK);
    assert_non_null(strstr(text.data, "\nplan.id=a\\x3db\\x5cc\n"));
    free(text.data);
    free(xml);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
}

/* ---- reference counting ---- */

static void
last_unref_frees_with_the_plans_allocator(void **state)
{
    (void)state;
    test_alloc counts = {0, 0, 0, 0};
    tally_allocator allocator = test_alloc_make(&counts);
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, &allocator), TALLY_OK);
    size_t context_blocks = counts.live;
    tally_plan *plan = load_text(ctx, base_plan);
    tally_ctx_free(ctx); /* the plan outlives its context */
    assert_true(counts.live > 0);
    assert_ptr_equal(tally_plan_ref(plan), plan);
    tally_plan_unref(plan);
    assert_true(counts.live > 0);
    assert_string_equal(tally_plan_id(plan), "p");
    tally_plan_unref(plan);
    assert_int_equal(counts.live, 0);
    (void)context_blocks;
}

#define THREADS 8
#define ROUNDS 20000

static void *
ref_and_unref(void *plan)
{
    for (int i = 0; i < ROUNDS; i++) {
        tally_plan_ref(plan);
        tally_plan_ref(plan);
        tally_plan_unref(plan);
        tally_plan_unref(plan);
    }
    return NULL;
}

static void *
unref_once(void *plan)
{
    tally_plan_unref(plan);
    return NULL;
}

static void
references_are_thread_safe(void **state)
{
    (void)state;
    test_alloc counts = {0, 0, 0, 0};
    tally_allocator allocator = test_alloc_make(&counts);
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, &allocator), TALLY_OK);
    tally_plan *plan = load_text(ctx, base_plan);
    tally_ctx_free(ctx);
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, ref_and_unref, plan), 0);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    assert_int_equal(atomic_load(&plan->reference_count), 1);
    /* Hand one reference to each thread; whichever drops the last frees the plan. */
    for (int i = 1; i < THREADS; i++)
        tally_plan_ref(plan);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, unref_once, plan), 0);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    assert_int_equal(counts.live, 0);
}

/* ---- out of memory ---- */

typedef struct loaded_text {
    const char *xml;
    size_t size;
} loaded_text;

static int
load_with(const tally_allocator *allocator, void *user_data)
{
    const loaded_text *text = user_data;
    tally_ctx *ctx = NULL;
    tally_plan *plan = NULL;
    int status = tally_ctx_new(&ctx, allocator);
    if (status != TALLY_OK)
        return status;
    status = tally_plan_load_buffer(ctx, &plan, text->xml, text->size, "oom.xml", NULL);
    if (status == TALLY_OK) {
        assert_string_equal(tally_plan_id(plan), "every-element");
        assert_int_equal(tally_plan_version_count(plan), 2);
    } else {
        assert_null(plan);
        assert_int_equal(tally_error_code(tally_ctx_last_error(ctx)), TALLY_ERR_NOMEM);
    }
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
    return status;
}

static void
loading_survives_every_failed_allocation(void **state)
{
    (void)state;
    loaded_text text = {NULL, 0};
    char *xml = read_whole_file("every-element.xml", &text.size);
    text.xml = xml;
    size_t runs = test_alloc_loop(load_with, &text);
    assert_true(runs > 50); /* the plan needs many allocations: each one failed once */
    free(xml);
}

/* ---- the builder's own interface ---- */

static xmlDoc *
parse_unvalidated(const char *xml)
{
    xmlDoc *doc = xmlReadMemory(xml, (int)strlen(xml), "raw.xml", NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    assert_non_null(doc);
    return doc;
}

static void
build_checks_its_arguments(void **state)
{
    (void)state;
    tally_ctx *ctx = NULL;
    tally_plan *plan = (tally_plan *)&plan;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    xmlDoc *doc = parse_unvalidated(base_plan);
    assert_int_equal(tally_plan__build(ctx, NULL, "x", &plan), TALLY_ERR_INVALID_ARGUMENT);
    assert_null(plan);
    assert_int_equal(tally_ctx_error_count(ctx), 1);
    assert_int_equal(tally_plan__build(ctx, doc, "x", NULL), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_plan__build(NULL, doc, "x", &plan), TALLY_ERR_INVALID_ARGUMENT);
    /* a valid document builds without the loader, with one reference and a digest */
    tally_ctx_clear_errors(ctx);
    assert_int_equal(tally_plan__build(ctx, doc, "x", &plan), TALLY_OK);
    assert_int_equal(atomic_load(&plan->reference_count), 1);
    unsigned char expected[TALLY_PLAN_DIGEST_SIZE];
    digest_of(base_plan, expected);
    assert_memory_equal(plan->digest, expected, sizeof(expected));
    tally_plan_unref(plan);
    xmlFreeDoc(doc);
    tally_ctx_free(ctx);
}

/* Trees the schema would reject: each is reported, nothing crashes or leaks. */
static void
unexpected_trees_are_reported(void **state)
{
    (void)state;
    static const struct {
        const char *xml;
        const char *message; /* of the first error */
    } cases[] = {
        {"<other/>", "the document element is <other>, not <plan>"},
        {"<plan format-version=\"1\" id=\"p\" currency=\"USD\"/>",
         "the document element is <plan>, not <plan>"}, /* no namespace */
        {"<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" currency=\"USD\"/>",
         "<plan> has no id attribute"},
        {"<plan xmlns=\"urn:tally:plan:1\" format-version=\"2\" id=\"p\" currency=\"USD\">"
         "<version id=\"v\" effective-from=\"2026-01-01\"><affiliate id=\"a\" period=\"month\" "
         "rate=\"0.1\"/></version></plan>",
         "format-version is not 1"},
        {"<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" id=\"p\" currency=\"USD\"/>",
         "<plan> has no <version>"},
        {"<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" id=\"p\" currency=\"USD\">"
         "<surprise/><version id=\"v\" effective-from=\"2026-1-1\"/></plan>",
         "unexpected element <surprise> in <plan>"},
        {"<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" id=\"p\" currency=\"USD\">"
         "<version id=\"v\" effective-from=\"2026-01-01\"><rebate id=\"r\" period=\"decade\">"
         "<rate>lots</rate><rate>0.1</rate><spiff/></rebate><gadget/></version></plan>",
         "period \"decade\" is not a period"},
        {"<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" id=\"p\" currency=\"USD\">"
         "<version id=\"v\" effective-from=\"2026-01-01\"><rebate id=\"r\" period=\"month\">"
         "<tiers mode=\"steep\"><band/><other/></tiers></rebate>"
         "<spiff id=\"s\" period=\"month\"/></version></plan>",
         "mode \"steep\" is not one of the allowed values"},
        {"<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" id=\"p\" currency=\"USD\">"
         "<definitions><colours>red</colours><regions> </regions></definitions>"
         "<version id=\"v\" effective-from=\"2026-01-01\"><mdf id=\"m\" period=\"month\" "
         "accrual-rate=\"x\" expiry-months=\"soon\" co-funding=\"1\"><eligibility>"
         "<customers>some</customers><regions of=\"moon\">A</regions><regions>B</regions>"
         "</eligibility></mdf></version></plan>",
         "unexpected element <colours> in <definitions>"},
    };
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        xmlDoc *doc = parse_unvalidated(cases[i].xml);
        tally_plan *plan = NULL;
        tally_ctx_clear_errors(ctx);
        assert_int_equal(tally_plan__build(ctx, doc, "raw.xml", &plan), TALLY_ERR_PLAN);
        assert_null(plan);
        const tally_error *first = tally_ctx_error(ctx, 0);
        const char *prefix = "internal error: the schema should have rejected this plan: ";
        assert_memory_equal(tally_error_message(first), prefix, strlen(prefix));
        assert_string_equal(tally_error_message(first) + strlen(prefix), cases[i].message);
        assert_string_equal(tally_error_source(first), "raw.xml");
        xmlFreeDoc(doc);
    }
    tally_ctx_free(ctx);
}

static void
node_paths_are_readable(void **state)
{
    (void)state;
    xmlDoc *doc = parse_unvalidated(base_plan);
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlNode *version = root->children;
    while (version && !xmlStrEqual(version->name, (const xmlChar *)"version"))
        version = version->next;
    assert_non_null(version);
    xmlNode *rebate = xmlFirstElementChild(version);
    xmlNode *tiers = xmlNextElementSibling(xmlFirstElementChild(rebate)); /* after eligibility */
    xmlNode *band = xmlLastElementChild(tiers);
    char path[256];
    tally_plan__node_path(path, sizeof(path), band);
    assert_string_equal(path, "/plan/version/rebate/tiers/band[2]");
    tally_plan__node_path(path, sizeof(path), root);
    assert_string_equal(path, "/plan");
    char small[12];
    tally_plan__node_path(small, sizeof(small), band);
    assert_string_equal(small, "/plan/versi");
    xmlFreeDoc(doc);
}

int
main(int argc, char **argv)
{
    if (argc > 1)
        plans_directory = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_element_compiles_to_the_model),
        cmocka_unit_test(canonical_form_matches_the_golden_file),
        cmocka_unit_test(accessors_read_the_plan),
        cmocka_unit_test(accessors_accept_null),
        cmocka_unit_test(tier_tables_tell_basis_and_pays),
        cmocka_unit_test(component_accessors_read_limits_filters_and_windows),
        cmocka_unit_test(kind_names_are_the_element_names),
        cmocka_unit_test(digest_ignores_what_does_not_change_the_rules),
        cmocka_unit_test(digest_changes_with_every_rule),
        cmocka_unit_test(digest_hex_matches_the_bytes),
        cmocka_unit_test(canonical_writer_stops_when_asked),
        cmocka_unit_test(canonical_form_escapes_identifiers),
        cmocka_unit_test(rounding_defaults_follow_the_currency),
        cmocka_unit_test(other_defaults),
        cmocka_unit_test(undeclared_kinds_accept_any_id),
        cmocka_unit_test(element_values_may_be_surrounded_by_whitespace),
        cmocka_unit_test(identifiers_take_any_characters_but_whitespace),
        cmocka_unit_test(canonical_form_escapes_ids_from_plans),
        cmocka_unit_test(last_unref_frees_with_the_plans_allocator),
        cmocka_unit_test(references_are_thread_safe),
        cmocka_unit_test(loading_survives_every_failed_allocation),
        cmocka_unit_test(build_checks_its_arguments),
        cmocka_unit_test(unexpected_trees_are_reported),
        cmocka_unit_test(node_paths_are_readable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
