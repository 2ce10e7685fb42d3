/**
 * @file common.h
 * @brief Export macro, status codes and error strings shared by every tally header.
 *
 * Every function of tally that can fail returns an `int` status: ::TALLY_OK (zero)
 * on success or one of the negative ::tally_status codes. Codes are stable: they are
 * never renumbered, and new ones are only ever added.
 */
#ifndef TALLY_COMMON_H
#define TALLY_COMMON_H

#include <stddef.h>
#include <stdint.h>

/** @cond TALLY_INTERNAL */
#if defined(TALLY_BUILDING_LIBRARY) && defined(__GNUC__)
#define TALLY_API __attribute__((visibility("default")))
#else
#define TALLY_API
#endif
/** @endcond */

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Status codes returned by tally functions.
 *
 * Zero means success, every failure is negative. The numeric values are part of the
 * ABI and never change.
 */
typedef enum tally_status {
    /** Success. */
    TALLY_OK = 0,
    /** An allocation failed; nothing was changed or leaked. */
    TALLY_ERR_NOMEM = -1,
    /** An argument was NULL where a value is required, or otherwise unusable. */
    TALLY_ERR_INVALID_ARGUMENT = -2,
    /** Text could not be parsed (malformed number, unknown rounding-mode name, ...). */
    TALLY_ERR_SYNTAX = -3,
    /** A result needs more than ::TALLY_DECIMAL_MAX_DIGITS significant digits. */
    TALLY_ERR_OVERFLOW = -4,
    /** A scale (number of fraction digits) is outside 0 ... ::TALLY_DECIMAL_MAX_SCALE. */
    TALLY_ERR_RANGE = -5,
    /** Division by zero. */
    TALLY_ERR_DIVISION_BY_ZERO = -6,
    /** A currency code is not an active ISO 4217 code. */
    TALLY_ERR_UNKNOWN_CURRENCY = -7,
    /** An output buffer is too small for the result. */
    TALLY_ERR_BUFFER_TOO_SMALL = -8,
    /** A file could not be opened or read. */
    TALLY_ERR_IO = -9,
    /** Input exceeds a configured limit (size, nesting depth, count). */
    TALLY_ERR_LIMIT = -10,
    /** A plan is malformed, invalid against the schema, or inconsistent. */
    TALLY_ERR_PLAN = -11,
    /** A user callback asked to stop. */
    TALLY_ERR_CALLBACK = -12,
    /** An input row (partner, transaction, settlement) is invalid; it was not applied. */
    TALLY_ERR_INPUT = -13,
    /** The call does not fit the object's state (e.g. input after finishing). */
    TALLY_ERR_STATE = -14
} tally_status;

/**
 * @brief Short, static English description of a status code.
 *
 * @param[in] status a ::tally_status value (or any integer).
 * @returns a static string, never NULL; unknown codes give "unknown error".
 *          The caller must not free it.
 * @since 0.1.0
 */
TALLY_API const char *
tally_strerror(int status);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_COMMON_H */
