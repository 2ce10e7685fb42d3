/**
 * @file plan.h
 * @brief Plans: loading XML plan definitions into immutable compiled plans, and
 *        reading them back.
 *
 * A plan is written in the XML vocabulary described in docs/plan-format.md and
 * validated against the schema installed as `share/tally/plan.xsd`. Loading checks
 * the schema and then the rules the schema cannot express (band gaps and overlaps,
 * windows that end before they start, unknown currencies, duplicate ids,
 * references to undeclared items), reporting every problem it finds with source,
 * line, column where known, and element path. A plan that loads is immutable:
 * share it between threads freely; it is reference-counted.
 *
 * Plans are untrusted input. The loader never touches the network, never loads a
 * DTD or external entity (any DOCTYPE is rejected), and limits input size and
 * element nesting.
 */
#ifndef TALLY_PLAN_H
#define TALLY_PLAN_H

#include "tally/common.h"
#include "tally/context.h"
#include "tally/currency.h"
#include "tally/decimal.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief A compiled plan. Opaque, immutable, reference-counted. */
typedef struct tally_plan tally_plan;
/** @brief One effective-dated version of a plan. Owned by its plan. */
typedef struct tally_plan_version_model tally_plan_version;
/** @brief One component (rebate, SPIFF, ...) of a plan version. Owned by its plan. */
typedef struct tally_component tally_component;
/** @brief The tier table of a component. Owned by its plan. */
typedef struct tally_tier_table tally_tier_table;

/** @brief Default limit on the size of a plan document: 4 MiB. */
#define TALLY_PLAN_DEFAULT_MAX_BYTES (4u * 1024u * 1024u)
/** @brief Default limit on element nesting in a plan document. */
#define TALLY_PLAN_DEFAULT_MAX_DEPTH 32u
/** @brief Size in bytes of a plan digest (SHA-256). */
#define TALLY_PLAN_DIGEST_SIZE 32
/** @brief Buffer size for a plan digest in hexadecimal, with its NUL. */
#define TALLY_PLAN_DIGEST_HEX_SIZE 65

/**
 * @brief Limits for loading a plan. Versioned: set `size` to
 *        `sizeof(tally_plan_load_options)`; zero fields take the defaults.
 */
typedef struct tally_plan_load_options {
    /** `sizeof(tally_plan_load_options)` as compiled by the caller. */
    size_t size;
    /** Largest accepted document in bytes; 0 means ::TALLY_PLAN_DEFAULT_MAX_BYTES. */
    size_t max_bytes;
    /** Deepest accepted element nesting; 0 means ::TALLY_PLAN_DEFAULT_MAX_DEPTH. */
    unsigned max_depth;
} tally_plan_load_options;

/** @brief Kinds of plan components. The values are stable. */
typedef enum tally_component_kind {
    TALLY_COMPONENT_REBATE = 0,            /**< `<rebate>` */
    TALLY_COMPONENT_GROWTH_REBATE = 1,     /**< `<growth-rebate>` */
    TALLY_COMPONENT_SPIFF = 2,             /**< `<spiff>` */
    TALLY_COMPONENT_MDF = 3,               /**< `<mdf>` */
    TALLY_COMPONENT_COMMISSION = 4,        /**< `<commission>` */
    TALLY_COMPONENT_AFFILIATE = 5,         /**< `<affiliate>` */
    TALLY_COMPONENT_REFERRAL = 6,          /**< `<referral>` */
    TALLY_COMPONENT_DEAL_REGISTRATION = 7  /**< `<deal-registration>` */
} tally_component_kind;

/** @brief How a tier table turns a measured value into a payout. Stable values. */
typedef enum tally_tier_mode {
    TALLY_TIERS_WHOLE = 0,        /**< rate of the band reached × whole value */
    TALLY_TIERS_MARGINAL = 1,     /**< Σ part of the value in each band × its rate */
    TALLY_TIERS_INTERPOLATED = 2  /**< completed bands' amounts + fraction of the current */
} tally_tier_mode;

/** @brief What a tier table measures. Stable values. */
typedef enum tally_tier_measure {
    TALLY_MEASURE_AMOUNT = 0,     /**< net revenue */
    TALLY_MEASURE_QUANTITY = 1,   /**< net units */
    TALLY_MEASURE_ATTAINMENT = 2  /**< percent of quota */
} tally_tier_measure;

/** @brief What a tier table is looked up on, per payee. Stable values. */
typedef enum tally_tier_basis {
    TALLY_BASIS_PERIOD = 0,     /**< the period's total (period-to-date with settlement) */
    TALLY_BASIS_TRANSACTION = 1 /**< each transaction on its own */
} tally_tier_basis;

/** @brief What the bands of a tier table pay. Stable values. */
typedef enum tally_band_pays {
    TALLY_BAND_RATE = 0,     /**< `rate`: a fraction of the amount */
    TALLY_BAND_PER_UNIT = 1, /**< `per-unit`: an amount per unit of quantity */
    TALLY_BAND_AMOUNT = 2    /**< `amount`: a fixed amount (interpolated tiers) */
} tally_band_pays;

/**
 * @brief Loads and compiles a plan from a file.
 *
 * The file is read with a size limit before parsing. On failure every problem
 * found is recorded on @p ctx (see tally_ctx_error_count()), and no plan is made.
 *
 * @param[in]  ctx     context: allocator for the plan and error records; required.
 *                     The plan keeps a copy of the allocator and frees itself with
 *                     it, so the allocator must stay usable (from any thread) until
 *                     the plan's last reference is dropped.
 * @param[out] out     receives the plan, owned by the caller (one reference; release
 *                     with tally_plan_unref()); set to NULL on failure.
 * @param[in]  path    file to read; also the source name in error records.
 * @param[in]  options limits, or NULL for the defaults.
 * @returns ::TALLY_OK; ::TALLY_ERR_IO when the file cannot be read;
 *          ::TALLY_ERR_LIMIT when it exceeds a limit; ::TALLY_ERR_PLAN when it is
 *          malformed, invalid or inconsistent; ::TALLY_ERR_NOMEM;
 *          ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_plan_load_file(tally_ctx *ctx, tally_plan **out, const char *path,
                     const tally_plan_load_options *options);

/**
 * @brief Loads and compiles a plan from a memory buffer.
 *
 * @param[in]  ctx         context; required.
 * @param[out] out         receives the plan (one reference); NULL on failure.
 * @param[in]  data        the XML document; need not be NUL-terminated.
 * @param[in]  size        bytes in @p data.
 * @param[in]  source_name name used in error records (e.g. "upload.xml"); NULL
 *                         gives "<memory>".
 * @param[in]  options     limits, or NULL for the defaults.
 * @returns as tally_plan_load_file(), without ::TALLY_ERR_IO.
 * @since 0.1.0
 */
TALLY_API int
tally_plan_load_buffer(tally_ctx *ctx, tally_plan **out, const char *data, size_t size,
                       const char *source_name, const tally_plan_load_options *options);

/**
 * @brief Takes another reference to a plan (thread-safe).
 * @param[in] plan the plan; NULL is allowed.
 * @returns @p plan.
 * @since 0.1.0
 */
TALLY_API tally_plan *
tally_plan_ref(tally_plan *plan);

/**
 * @brief Drops a reference; the last one frees the plan (thread-safe).
 * @param[in] plan the plan; NULL is a no-op.
 * @since 0.1.0
 */
TALLY_API void
tally_plan_unref(tally_plan *plan);

/**
 * @brief The plan's id attribute.
 * @param[in] plan the plan.
 * @returns a string owned by the plan; NULL for a NULL @p plan.
 * @since 0.1.0
 */
TALLY_API const char *
tally_plan_id(const tally_plan *plan);

/**
 * @brief The plan's name attribute.
 * @param[in] plan the plan.
 * @returns a string owned by the plan, or NULL when the plan has no name.
 * @since 0.1.0
 */
TALLY_API const char *
tally_plan_name(const tally_plan *plan);

/**
 * @brief The plan's currency.
 * @param[in] plan the plan.
 * @returns an entry of the built-in currency table; NULL for a NULL @p plan.
 * @since 0.1.0
 */
TALLY_API const tally_currency *
tally_plan_currency(const tally_plan *plan);

/**
 * @brief The month in which the plan's fiscal year starts.
 *
 * Set by `<calendar fiscal-year-start-month="N"/>`, January by default. A fiscal
 * year is named by the calendar year it ends in: starting in July, `FY2027` is
 * 2026-07-01 ... 2027-06-30 and `FY2027-Q1` is July to September 2026.
 *
 * @param[in] plan the plan.
 * @returns 1 (January) ... 12 (December); 0 for a NULL @p plan.
 * @since 0.1.0
 */
TALLY_API int
tally_plan_fiscal_start_month(const tally_plan *plan);

/**
 * @brief SHA-256 digest of the plan's canonical form.
 *
 * Two plans have the same digest exactly when they compile to the same rules:
 * comments, whitespace, attribute order and defaults written out or left implicit
 * do not change it. Results name the plan that produced them by this digest.
 *
 * @param[out] out  ::TALLY_PLAN_DIGEST_SIZE bytes.
 * @param[in]  plan the plan.
 * @returns ::TALLY_OK or ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_plan_digest(unsigned char out[TALLY_PLAN_DIGEST_SIZE], const tally_plan *plan);

/**
 * @brief The digest as 64 lower-case hexadecimal digits.
 * @param[out] out      buffer of at least ::TALLY_PLAN_DIGEST_HEX_SIZE bytes.
 * @param[in]  out_size size of @p out.
 * @param[in]  plan     the plan.
 * @returns ::TALLY_OK, ::TALLY_ERR_BUFFER_TOO_SMALL or ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_plan_digest_hex(char *out, size_t out_size, const tally_plan *plan);

/**
 * @brief Receives the canonical form piece by piece.
 * @param[in] data      bytes of the canonical form (not NUL-terminated).
 * @param[in] size      number of bytes.
 * @param[in] user_data as given to tally_plan_write_canonical().
 * @returns 0 to go on, anything else to stop writing.
 */
typedef int (*tally_write_fn)(const char *data, size_t size, void *user_data);

/**
 * @brief Writes the canonical form of the plan, the text its digest is computed
 *        over: UTF-8, one `key=value` line per fact, in a fixed order.
 * @param[in] plan      the plan.
 * @param[in] write     called with consecutive pieces of the text.
 * @param[in] user_data passed to @p write.
 * @returns ::TALLY_OK; ::TALLY_ERR_CALLBACK when @p write asked to stop;
 *          ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_plan_write_canonical(const tally_plan *plan, tally_write_fn write, void *user_data);

/**
 * @brief Number of effective-dated versions of the plan.
 * @param[in] plan the plan.
 * @returns the count (at least 1 for a loaded plan; 0 for NULL).
 * @since 0.1.0
 */
TALLY_API size_t
tally_plan_version_count(const tally_plan *plan);

/**
 * @brief A version of the plan, in order of effective date.
 * @param[in] plan  the plan.
 * @param[in] index 0 ... tally_plan_version_count() - 1.
 * @returns the version, owned by the plan; NULL when out of range.
 * @since 0.1.0
 */
TALLY_API const tally_plan_version *
tally_plan_version_at(const tally_plan *plan, size_t index);

/**
 * @brief The version's id attribute.
 * @param[in] version the version.
 * @returns a string owned by the plan; NULL for NULL.
 * @since 0.1.0
 */
TALLY_API const char *
tally_plan_version_id(const tally_plan_version *version);

/**
 * @brief First day the version applies, "YYYY-MM-DD".
 * @param[in] version the version.
 * @returns a string owned by the plan; NULL for NULL.
 * @since 0.1.0
 */
TALLY_API const char *
tally_plan_version_effective_from(const tally_plan_version *version);

/**
 * @brief Last day the version applies, "YYYY-MM-DD".
 * @param[in] version the version.
 * @returns a string owned by the plan, or NULL when the version has no end.
 * @since 0.1.0
 */
TALLY_API const char *
tally_plan_version_effective_to(const tally_plan_version *version);

/**
 * @brief Number of components in a version.
 * @param[in] version the version.
 * @returns the count; 0 for NULL.
 * @since 0.1.0
 */
TALLY_API size_t
tally_plan_version_component_count(const tally_plan_version *version);

/**
 * @brief A component of a version, in document order.
 * @param[in] version the version.
 * @param[in] index   0 ... tally_plan_version_component_count() - 1.
 * @returns the component, owned by the plan; NULL when out of range.
 * @since 0.1.0
 */
TALLY_API const tally_component *
tally_plan_version_component_at(const tally_plan_version *version, size_t index);

/**
 * @brief The component's kind.
 * @param[in] component the component (not NULL).
 * @returns the kind.
 * @since 0.1.0
 */
TALLY_API tally_component_kind
tally_component_get_kind(const tally_component *component);

/**
 * @brief Name of a component kind as written in plans, e.g. "growth-rebate".
 * @param[in] kind the kind.
 * @returns a static string; NULL for a value that is not a kind.
 * @since 0.1.0
 */
TALLY_API const char *
tally_component_kind_name(tally_component_kind kind);

/**
 * @brief The component's id attribute.
 * @param[in] component the component.
 * @returns a string owned by the plan; NULL for NULL.
 * @since 0.1.0
 */
TALLY_API const char *
tally_component_id(const tally_component *component);

/**
 * @brief The component's name attribute (display text).
 * @param[in] component the component.
 * @returns a string owned by the plan, or NULL when the component has no name.
 * @since 0.1.0
 */
TALLY_API const char *
tally_component_name(const tally_component *component);

/**
 * @brief The component's period, as written in plans ("quarter", "fiscal-year" ...).
 * @param[in] component the component.
 * @returns a static string; NULL for NULL.
 * @since 0.1.0
 */
TALLY_API const char *
tally_component_period(const tally_component *component);

/**
 * @brief The component's tier table.
 * @param[in] component the component.
 * @returns the table, owned by the plan, or NULL when the component has none.
 * @since 0.1.0
 */
TALLY_API const tally_tier_table *
tally_component_tiers(const tally_component *component);

/** @brief Buffer size for a date written "YYYY-MM-DD", with its NUL. */
#define TALLY_PLAN_DATE_SIZE 11

/** @brief The eligibility filters that test a list of ids. The values are stable. */
typedef enum tally_filter_field {
    TALLY_FILTER_PRODUCTS = 0,           /**< `<products>`: the product id */
    TALLY_FILTER_CATEGORIES = 1,         /**< `<categories>`: the product category */
    TALLY_FILTER_REGIONS = 2,            /**< `<regions>`: the transaction's or partner's region */
    TALLY_FILTER_PARTNER_TYPES = 3,      /**< `<partner-types>`: the partner's type */
    TALLY_FILTER_PARTNER_TIERS = 4,      /**< `<partner-tiers>`: the partner's tier */
    TALLY_FILTER_CUSTOMER_CATEGORIES = 5 /**< `<customer-categories>` */
} tally_filter_field;

/**
 * @brief Line of the plan document on which the component's element starts, for
 *        messages about it ("plan.xml:12: component volume: ...").
 * @param[in] component the component.
 * @returns the line (1 or more); 0 for NULL.
 * @since 0.1.0
 */
TALLY_API unsigned long
tally_component_line(const tally_component *component);

/**
 * @brief The component's `<cap>`: the largest absolute payout per payee and period,
 *        applied after the multiplier (for an MDF fund, see its yearly cap instead).
 * @param[in]  component the component.
 * @param[out] out       receives the cap when there is one.
 * @returns 1 when the component has a cap (stored in @p out); 0 when it has none,
 *          or for a NULL argument (@p out is left as it was).
 * @since 0.1.0
 */
TALLY_API int
tally_component_cap(const tally_component *component, tally_decimal *out);

/**
 * @brief The ids an eligibility filter of the component lists.
 * @param[in]  component the component.
 * @param[in]  field     which filter.
 * @param[out] exclude   receives 1 for an `exclude="true"` filter, else 0; may be
 *                       NULL.
 * @returns the number of ids listed (read them with tally_component_filter_id());
 *          0 when the component has no such filter (it lets every transaction
 *          through), or for NULL.
 * @since 0.1.0
 */
TALLY_API size_t
tally_component_filter(const tally_component *component, tally_filter_field field,
                       int *exclude);

/**
 * @brief One id of an eligibility filter, ids sorted by their bytes.
 * @param[in] component the component.
 * @param[in] field     which filter.
 * @param[in] index     0 ... tally_component_filter() - 1.
 * @returns a string owned by the plan; NULL when out of range.
 * @since 0.1.0
 */
TALLY_API const char *
tally_component_filter_id(const tally_component *component, tally_filter_field field,
                          size_t index);

/**
 * @brief The component's `<customers>` filter, as the value of
 *        tally_transaction::new_customer a transaction needs to pass it.
 * @param[in] component the component.
 * @returns 1 when only sales to new customers count, 0 when only sales to existing
 *          ones count, -1 when the component has no such filter (or for NULL).
 * @since 0.1.0
 */
TALLY_API int
tally_component_customers(const tally_component *component);

/**
 * @brief The component's eligibility `<window>`.
 * @param[in]  component the component.
 * @param[out] from      receives its first day, "YYYY-MM-DD".
 * @param[out] to        receives its last day (inclusive).
 * @returns 1 when the component has a window (the dates are written); 0 when it has
 *          none, or for a NULL argument.
 * @since 0.1.0
 */
TALLY_API int
tally_component_window(const tally_component *component, char from[TALLY_PLAN_DATE_SIZE],
                       char to[TALLY_PLAN_DATE_SIZE]);

/**
 * @brief A SPIFF's `window-from` and `window-to`: the dates of the sales that earn.
 * @param[in]  component the component.
 * @param[out] from      receives the first day, "YYYY-MM-DD".
 * @param[out] to        receives the last day (inclusive).
 * @returns 1 for a SPIFF (the dates are written); 0 for another kind of component,
 *          or for a NULL argument.
 * @since 0.1.0
 */
TALLY_API int
tally_component_spiff_window(const tally_component *component, char from[TALLY_PLAN_DATE_SIZE],
                             char to[TALLY_PLAN_DATE_SIZE]);

/**
 * @brief Number of products a SPIFF pays for (its `<product>` children).
 * @param[in] component the component.
 * @returns the count; 0 for another kind of component or NULL.
 * @since 0.1.0
 */
TALLY_API size_t
tally_component_spiff_product_count(const tally_component *component);

/**
 * @brief One product of a SPIFF, products sorted by id.
 * @param[in]  component the component.
 * @param[in]  index     0 ... tally_component_spiff_product_count() - 1.
 * @param[out] amount    receives the amount per unit or per deal; may be NULL.
 * @returns the product id, owned by the plan; NULL when out of range.
 * @since 0.1.0
 */
TALLY_API const char *
tally_component_spiff_product_at(const tally_component *component, size_t index,
                                 tally_decimal *amount);

/**
 * @brief Mode of a tier table.
 * @param[in] tiers the table (not NULL).
 * @returns the mode.
 * @since 0.1.0
 */
TALLY_API tally_tier_mode
tally_tier_table_mode(const tally_tier_table *tiers);

/**
 * @brief What a tier table measures.
 * @param[in] tiers the table (not NULL).
 * @returns the measure.
 * @since 0.1.0
 */
TALLY_API tally_tier_measure
tally_tier_table_measure(const tally_tier_table *tiers);

/**
 * @brief What a tier table is looked up on: the period total or each transaction.
 * @param[in] tiers the table (not NULL).
 * @returns the basis; ::TALLY_BASIS_PERIOD for NULL.
 * @since 0.1.0
 */
TALLY_API tally_tier_basis
tally_tier_table_basis(const tally_tier_table *tiers);

/**
 * @brief What the bands of a tier table pay: a rate, a per-unit amount or a fixed
 *        amount. All bands of a table pay the same kind of value.
 * @param[in] tiers the table (not NULL).
 * @returns the kind of value; ::TALLY_BAND_RATE for NULL.
 * @since 0.1.0
 */
TALLY_API tally_band_pays
tally_tier_table_pays(const tally_tier_table *tiers);

/**
 * @brief Number of bands of a tier table.
 * @param[in] tiers the table.
 * @returns the count; 0 for NULL.
 * @since 0.1.0
 */
TALLY_API size_t
tally_tier_table_band_count(const tally_tier_table *tiers);

/**
 * @brief One band of a tier table, bands ordered by their lower bound.
 * @param[in]  tiers the table.
 * @param[in]  index 0 ... tally_tier_table_band_count() - 1.
 * @param[out] from  the band's lower bound (inclusive).
 * @param[out] to    the band's upper bound (exclusive); 0 for the open last band.
 * @param[out] open  1 for the open-ended last band, else 0.
 * @param[out] value the band's rate, per-unit amount or fixed amount.
 * @returns ::TALLY_OK or ::TALLY_ERR_INVALID_ARGUMENT (NULL argument or index out
 *          of range).
 * @since 0.1.0
 */
TALLY_API int
tally_tier_table_band(const tally_tier_table *tiers, size_t index, tally_decimal *from,
                      tally_decimal *to, int *open, tally_decimal *value);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_PLAN_H */
