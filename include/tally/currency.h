/**
 * @file currency.h
 * @brief ISO 4217 currency codes and their minor units.
 *
 * The table holds every active code of ISO 4217 list one (currencies and funds).
 * It is immutable, built into the library, and safe to read from any thread.
 */
#ifndef TALLY_CURRENCY_H
#define TALLY_CURRENCY_H

#include "tally/common.h"
#include "tally/context.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief One ISO 4217 currency. Opaque; read it with the accessors below. */
typedef struct tally_currency tally_currency;

/**
 * @brief Minor units value of codes for which ISO 4217 defines none ("N.A."),
 *        such as XAU (gold) or XXX (no currency).
 */
#define TALLY_CURRENCY_NO_MINOR_UNITS (-1)

/**
 * @brief Looks up an active ISO 4217 currency by its alphabetic code.
 *
 * The code must be exactly three upper-case ASCII letters ("USD"); lower case is
 * rejected so that plans and inputs stay canonical.
 *
 * @param[in]  ctx  context that receives the error message; may be NULL.
 * @param[out] out  receives a pointer into the built-in table, valid for the life of
 *                  the process. The caller must not free it.
 * @param[in]  code NUL-terminated alphabetic code.
 * @returns ::TALLY_OK; ::TALLY_ERR_UNKNOWN_CURRENCY when the code is not an active
 *          ISO 4217 code; ::TALLY_ERR_INVALID_ARGUMENT when @p out or @p code is NULL.
 * @since 0.1.0
 */
TALLY_API int
tally_currency_lookup(tally_ctx *ctx, const tally_currency **out, const char *code);

/**
 * @brief Number of currencies in the built-in table.
 * @returns the count of active ISO 4217 codes tally knows.
 * @since 0.1.0
 */
TALLY_API size_t
tally_currency_count(void);

/**
 * @brief The currency at a position of the table, in code order.
 * @param[in] index 0 ... tally_currency_count() - 1.
 * @returns a pointer into the built-in table (never to be freed), or NULL when
 *          @p index is out of range.
 * @since 0.1.0
 */
TALLY_API const tally_currency *
tally_currency_at(size_t index);

/**
 * @brief Alphabetic code of a currency.
 * @param[in] currency a currency from the table.
 * @returns a static string such as "EUR"; NULL when @p currency is NULL.
 * @since 0.1.0
 */
TALLY_API const char *
tally_currency_code(const tally_currency *currency);

/**
 * @brief ISO 4217 numeric code of a currency.
 * @param[in] currency a currency from the table.
 * @returns the code, e.g. 978 for EUR; 0 when @p currency is NULL.
 * @since 0.1.0
 */
TALLY_API int
tally_currency_numeric(const tally_currency *currency);

/**
 * @brief Number of minor-unit digits: 0 for JPY, 2 for USD, 3 for BHD, 4 for CLF.
 * @param[in] currency a currency from the table.
 * @returns the digits, or ::TALLY_CURRENCY_NO_MINOR_UNITS for codes without minor
 *          units (and when @p currency is NULL).
 * @since 0.1.0
 */
TALLY_API int
tally_currency_minor_units(const tally_currency *currency);

/**
 * @brief English name of a currency.
 * @param[in] currency a currency from the table.
 * @returns a static string such as "Euro"; NULL when @p currency is NULL.
 * @since 0.1.0
 */
TALLY_API const char *
tally_currency_name(const tally_currency *currency);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_CURRENCY_H */
