/*
 * The compiled plan: flat, immutable structures built once by the loader and read by
 * the engine. Every string and array is owned by the plan and allocated with the
 * plan's allocator; nothing here points into the XML document, which is freed as
 * soon as the plan is built.
 */
#ifndef TALLY_PLAN_MODEL_H
#define TALLY_PLAN_MODEL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/date.h"
#include "tally/context.h"
#include "tally/currency.h"
#include "tally/decimal.h"
#include "tally/plan.h"

/*
 * A sorted list of distinct identifiers (binary-searched by the engine). One
 * allocation holds the pointers followed by the characters: free `ids` only.
 */
typedef struct tally_id_list {
    char **ids;
    size_t count;
} tally_id_list;

typedef enum tally_rounding_point {
    TALLY_ROUNDING_PER_PAYOUT,
    TALLY_ROUNDING_PER_TRANSACTION
} tally_rounding_point;

typedef struct tally_rounding_rule {
    tally_rounding mode;
    tally_rounding_point point;
    int scale; /* digits after the point for paid amounts */
} tally_rounding_rule;

/* One eligibility filter over a list of ids; unused when `active` is 0. */
typedef struct tally_filter {
    int active;
    int exclude;
    tally_id_list ids;
} tally_filter;

typedef enum tally_customer_filter {
    TALLY_CUSTOMERS_ANY,
    TALLY_CUSTOMERS_NEW,
    TALLY_CUSTOMERS_EXISTING
} tally_customer_filter;

typedef struct tally_eligibility {
    tally_filter products;
    tally_filter categories;
    tally_filter regions;
    int regions_of_partner; /* test the partner's region instead of the transaction's */
    tally_filter partner_types;
    tally_filter partner_tiers;
    tally_filter customer_categories;
    tally_customer_filter customers;
    int has_window;
    tally_day window_from; /* inclusive */
    tally_day window_to;   /* inclusive */
} tally_eligibility;

typedef struct tally_band {
    tally_decimal from;
    tally_decimal to; /* meaningless when open */
    int open;         /* last band, no upper limit */
    tally_decimal value;
} tally_band;

typedef struct tally_tier_table {
    tally_tier_mode mode;
    tally_tier_measure measure;
    tally_tier_basis basis; /* public enums, tally/plan.h */
    tally_band_pays pays;
    tally_band *bands; /* sorted, contiguous */
    size_t band_count;
} tally_tier_table;

typedef struct tally_keyed_rate {
    char *key; /* category, customer category, partner tier or product */
    tally_decimal value;
} tally_keyed_rate;

/* Sorted by key. */
typedef struct tally_rate_table {
    tally_keyed_rate *entries;
    size_t count;
} tally_rate_table;

typedef enum tally_rate_kind {
    TALLY_RATE_NONE,
    TALLY_RATE_FLAT,              /* fraction of amount */
    TALLY_RATE_PER_UNIT,          /* amount per unit of quantity */
    TALLY_RATE_CATEGORY,          /* by product category */
    TALLY_RATE_CUSTOMER_CATEGORY, /* by end customer's category */
    TALLY_RATE_TIERS
} tally_rate_kind;

typedef struct tally_rate_spec {
    tally_rate_kind kind;
    tally_decimal flat; /* FLAT and PER_UNIT */
    tally_rate_table table; /* CATEGORY and CUSTOMER_CATEGORY */
    tally_tier_table tiers; /* TIERS */
} tally_rate_spec;

typedef enum tally_returns_policy {
    TALLY_RETURNS_DATED,
    TALLY_RETURNS_ORIGINAL
} tally_returns_policy;

typedef enum tally_payee_rule {
    TALLY_PAYEE_PARTNER,
    TALLY_PAYEE_REP_OR_PARTNER
} tally_payee_rule;

typedef struct tally_clawback_rule {
    int recover_from_payee; /* 0: only from the same component */
    int carry_forward;
} tally_clawback_rule;

typedef struct tally_growth_rule {
    int baseline_same_period_last_year; /* 0: previous period */
    tally_decimal threshold_percent;
    int pay_on_basis; /* 0: pay on the growth only */
} tally_growth_rule;

typedef struct tally_spiff_rule {
    tally_day window_from;
    tally_day window_to;
    int per_deal; /* 0: per unit */
    tally_rate_table products; /* amount per unit or deal, keyed by product */
    int has_deadline;
    int deadline_days; /* days after the sale a claim may come in */
    tally_decimal late_reduction_percent;
    int max_late_months; /* 0: no limit */
} tally_spiff_rule;

typedef struct tally_mdf_rule {
    tally_decimal accrual_rate;
    int has_yearly_cap;
    tally_decimal yearly_cap;
    int expiry_months;
    tally_decimal co_funding;
} tally_mdf_rule;

typedef struct tally_component {
    tally_component_kind kind;
    char *id;
    char *name; /* NULL when not given */
    tally_period_kind period;
    int has_settlement; /* 0: each period is settled once */
    tally_period_kind settlement;
    tally_eligibility eligibility;
    tally_rounding_rule rounding; /* the plan's, or the component's override */
    tally_rate_spec rate;
    tally_rate_table multipliers; /* keyed by partner tier */
    int has_minimum;
    tally_decimal minimum;
    int has_cap;
    tally_decimal cap;
    tally_clawback_rule clawback;
    tally_returns_policy returns;
    tally_payee_rule payee;
    int apply_splits; /* commission */
    tally_growth_rule growth;
    tally_spiff_rule spiff;
    tally_mdf_rule mdf;
    tally_decimal fee;    /* referral */
    tally_decimal uplift; /* deal registration; affiliate rate is in `rate.flat` */
    unsigned long line;   /* where it was defined, for engine messages */
} tally_component;

typedef struct tally_plan_version_model {
    char *id;
    char effective_from_text[TALLY_DATE_TEXT_SIZE];
    char effective_to_text[TALLY_DATE_TEXT_SIZE]; /* empty when open-ended */
    tally_day effective_from;
    int open_ended;
    tally_day effective_to; /* inclusive; meaningless when open_ended */
    tally_component *components;
    size_t component_count;
} tally_plan_version_model;

/* Declared vocabularies: when `declared`, references must name a listed id. */
typedef struct tally_definitions {
    tally_filter partner_tiers;
    tally_filter partner_types;
    tally_filter regions;
    tally_filter categories;
    tally_filter customer_categories;
    tally_filter products;
} tally_definitions;

#define TALLY_DIGEST_SIZE 32

struct tally_plan {
    tally_allocator allocator; /* the plan outlives the context that loaded it */
    atomic_int reference_count; /* plans are shared between threads */
    char *id;
    char *name;
    char *description;
    const tally_currency *currency;
    tally_rounding_rule rounding;
    int fiscal_start_month;
    tally_definitions definitions;
    tally_plan_version_model *versions; /* sorted by effective_from */
    size_t version_count;
    unsigned char digest[TALLY_DIGEST_SIZE];
};

#endif /* TALLY_PLAN_MODEL_H */
