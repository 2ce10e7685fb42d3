/*
 * Shared by the build_*.c files that turn a schema-valid plan document into the
 * compiled model: the state of one build, reading elements and attributes, parsing
 * values, and reporting problems at the element they concern.
 *
 * Convention: building functions return TALLY_OK or TALLY_ERR_NOMEM. A problem with
 * the plan is recorded with tally_build__error() and does not stop the walk, so one
 * pass reports every problem; only running out of memory stops it.
 */
#ifndef TALLY_PLAN_BUILDER_H
#define TALLY_PLAN_BUILDER_H

#include <libxml/tree.h>

#include "core/context.h"
#include "plan/build.h"
#include "plan/model.h"

/* The namespace of every element of a plan. */
#define TALLY_PLAN_NAMESPACE "urn:tally:plan:1"

/* The state of one build. */
typedef struct tally_builder {
    tally_ctx *ctx;
    const char *source;
    tally_plan *plan;
    int failed; /* a problem was recorded: finish checking, then return no plan */
} tally_builder;

/* The version whose components are being built, for checks against its dates. */
typedef struct tally_version_scope {
    const tally_plan_version_model *version;
    int dates_valid;
} tally_version_scope;

/* ---- reporting (build_nodes.c) ---- */

/*
 * Records a TALLY_ERR_PLAN located where `node` starts (line, column, path) and
 * marks the build failed.
 */
void tally_build__error(tally_builder *builder, const xmlNode *node, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* For trees the schema should have rejected: reported, never a crash. */
void tally_build__unexpected(tally_builder *builder, const xmlNode *node, const char *format,
                             ...) __attribute__((format(printf, 3, 4)));

/* Line where an element starts, 0 when unknown. */
unsigned long tally_build__line(const xmlNode *node);

/* ---- reading the tree (build_nodes.c) ---- */

/* 1 when `node` is the element `name` of the plan namespace. */
int tally_build__is(const xmlNode *node, const char *name);
/* Local name of an element, "" for NULL. */
const char *tally_build__name(const xmlNode *node);
/* First element child, and the element sibling after `node`; NULL at the end. */
xmlNode *tally_build__first_element(const xmlNode *node);
xmlNode *tally_build__next_element(const xmlNode *node);
/* First child element called `name`, or NULL. */
xmlNode *tally_build__child(const xmlNode *node, const char *name);
/* Element children of `node`. */
size_t tally_build__count_elements(const xmlNode *node);

/*
 * An attribute's value as written (pointing into the document), or NULL when
 * absent. An attribute that is not plain text is reported and treated as absent.
 */
const char *tally_build__attribute(tally_builder *builder, const xmlNode *node,
                                   const char *name);
/* Like tally_build__attribute, but reports a missing attribute. */
const char *tally_build__required(tally_builder *builder, const xmlNode *node,
                                  const char *name);
/*
 * The text content of an element, copied with the context's allocator (free it
 * with tally_ctx__free). NULL means out of memory.
 */
char *tally_build__text(tally_builder *builder, const xmlNode *node);
/*
 * `text` without leading and trailing XML whitespace: its first other character,
 * and in *length the number of bytes up to the last (not NUL-terminated).
 */
const char *tally_build__trim(const char *text, size_t *length);

/* ---- values (build_values.c); each returns 1 when a value was stored ---- */

/*
 * Exact decimal text, surrounding XML whitespace ignored (the schema collapses it
 * too); `what` names it in the message when it is malformed.
 */
int tally_build__decimal(tally_builder *builder, const xmlNode *node, const char *what,
                         const char *text, tally_decimal *out);
/* An optional decimal attribute: 0 when absent or malformed. */
int tally_build__decimal_attribute(tally_builder *builder, const xmlNode *node,
                                   const char *name, tally_decimal *out);
/* A decimal element's text. */
int tally_build__decimal_element(tally_builder *builder, const xmlNode *node,
                                 tally_decimal *out, int *stored);
/* A date attribute; reports "invalid date" for days that do not exist. */
int tally_build__date_attribute(tally_builder *builder, const xmlNode *node,
                                const char *name, tally_day *out);
/* An optional integer attribute within [min, max]; `fallback` when absent. */
int tally_build__int_attribute(tally_builder *builder, const xmlNode *node, const char *name,
                               long min, long max, long fallback, long *out);
/* An optional xs:boolean attribute; `fallback` when absent. */
int tally_build__bool_attribute(tally_builder *builder, const xmlNode *node,
                                const char *name, int fallback, int *out);
/*
 * An optional attribute restricted to `names` (count entries); stores the index
 * of the value, `fallback` when absent.
 */
int tally_build__enum_attribute(tally_builder *builder, const xmlNode *node,
                                const char *name, const char *const *names, int count,
                                int fallback, int *out);
/* A period attribute ("month", "fiscal-year" ...). */
int tally_build__period_attribute(tally_builder *builder, const xmlNode *node,
                                  const char *name, tally_period_kind *out);
/* Copies text with the context's allocator; NULL means out of memory. */
char *tally_build__strdup(tally_builder *builder, const char *text);

/* ---- value rules (build_values.c); each reports and returns 0 when broken ---- */

/* The value is 0 or more. */
int tally_build__require_not_negative(tally_builder *builder, const xmlNode *node,
                                      const char *what, const tally_decimal *value);
/* A rate: 0 ... 1, a fraction of the amount. */
int tally_build__require_rate(tally_builder *builder, const xmlNode *node, const char *what,
                              const tally_decimal *value);
/* A cap: more than 0. */
int tally_build__require_useful_cap(tally_builder *builder, const xmlNode *node,
                                    const tally_decimal *value);
/* Decimal text for messages, as written (keeps its scale). */
void tally_build__decimal_text(char out[TALLY_DECIMAL_STRING_MAX], const tally_decimal *value);
/* -1, 0 or 1 like strcmp, for two valid decimals. */
int tally_build__compare(const tally_decimal *a, const tally_decimal *b);

/* ---- identifier lists (build_ids.c) ---- */

/*
 * Parses the whitespace-separated identifiers of `node` into a sorted list;
 * reports duplicates as `duplicate id "x" in <element>`.
 */
int tally_build__id_list(tally_builder *builder, const xmlNode *node, tally_id_list *out);
/* 1 when `id` is in the sorted list. */
int tally_build__id_list_contains(const tally_id_list *list, const char *id);

/* What kind of identifier a reference names, for the <definitions> check. */
typedef enum tally_reference_kind {
    TALLY_REF_PARTNER_TIER,
    TALLY_REF_PARTNER_TYPE,
    TALLY_REF_REGION,
    TALLY_REF_CATEGORY,
    TALLY_REF_CUSTOMER_CATEGORY,
    TALLY_REF_PRODUCT
} tally_reference_kind;

/*
 * When the plan declares the kind in <definitions>, reports an id that is not
 * declared: `partner tier "diamond" is not declared in <definitions><partner-tiers>`.
 */
void tally_build__check_reference(tally_builder *builder, const xmlNode *node,
                                  tally_reference_kind kind, const char *id);
/* The declared list of a kind, and the element name used for it in plans. */
tally_filter *tally_build__declared(tally_plan *plan, tally_reference_kind kind);
const char *tally_build__reference_element(tally_reference_kind kind);

/* ---- parts of a plan (one file each) ---- */

/* <definitions> (build_ids.c). */
int tally_build__definitions(tally_builder *builder, const xmlNode *node);
/* <eligibility> (build_eligibility.c). */
int tally_build__eligibility(tally_builder *builder, const xmlNode *node,
                             const tally_version_scope *scope, tally_eligibility *out);
/* <rounding>, over the rule it overrides (build_rounding.c). */
void tally_build__rounding(tally_builder *builder, const xmlNode *node,
                           tally_rounding_rule *rule);
/* <tiers> of a component (build_tiers.c). */
int tally_build__tiers(tally_builder *builder, const xmlNode *node,
                       const tally_component *component, tally_tier_table *out);
/*
 * Keyed tables (build_tables.c): <category-rates>, <customer-category-rates>,
 * <multipliers>, and a spiff's <product> elements starting at `first`.
 */
int tally_build__category_rates(tally_builder *builder, const xmlNode *node,
                                tally_rate_table *out);
int tally_build__customer_category_rates(tally_builder *builder, const xmlNode *node,
                                         tally_rate_table *out);
int tally_build__multipliers(tally_builder *builder, const xmlNode *node,
                             tally_rate_table *out);
int tally_build__spiff_products(tally_builder *builder, const xmlNode *first,
                                tally_rate_table *out);
/* One component element (build_components.c). */
int tally_build__component(tally_builder *builder, const xmlNode *node,
                           const tally_version_scope *scope, tally_component *out);
/* Kind-specific attributes (build_kinds.c). */
void tally_build__kind_attributes(tally_builder *builder, const xmlNode *node,
                                  const tally_version_scope *scope, tally_component *out);
/* A spiff's <claim-deadline> (build_kinds.c). */
void tally_build__claim_deadline(tally_builder *builder, const xmlNode *node,
                                 tally_spiff_rule *out);
/* Every <version> of the plan, sorted by effective date (build_versions.c). */
int tally_build__versions(tally_builder *builder, const xmlNode *root);
/* A window ends on or after its start: `what ends on X, before it starts on Y`
 * (build_dates.c). Returns 1 when it does. */
int tally_build__check_range(tally_builder *builder, const xmlNode *node, const char *what,
                             tally_day from, tally_day to);
/* The settlement period nests in the component's period (build_dates.c). */
void tally_build__check_settlement(tally_builder *builder, const xmlNode *node,
                                   const tally_component *component);
/* A window [from, to] shares a day with the version (build_dates.c). */
void tally_build__check_window_in_version(tally_builder *builder, const xmlNode *node,
                                          const char *what, tally_day from, tally_day to,
                                          const tally_version_scope *scope);

#endif /* TALLY_PLAN_BUILDER_H */
