/**
 * @file result.h
 * @brief Results: payout lines with their explanations, a canonical
 *        serialisation and its SHA-256 digest.
 *
 * A result is immutable and independent of the session and context that made it:
 * it may be read from several threads at once. Lines are ordered canonically
 * (component, period, payee, kind), never by input order, so the same inputs in
 * any order give the same lines and the same digest.
 */
#ifndef TALLY_RESULT_H
#define TALLY_RESULT_H

#include "tally/common.h"
#include "tally/currency.h"
#include "tally/decimal.h"
#include "tally/plan.h"
#include "tally/session.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief One payout line. Opaque; owned by its result. */
typedef struct tally_line tally_line;

/** @brief What a line records. The values are stable. */
typedef enum tally_line_kind {
    /** Earned in the period. */
    TALLY_LINE_EARNED = 0,
    /** An adjustment of a settlement period for which a prior settlement was recorded
     *  (a re-run): what is due less what was already paid. */
    TALLY_LINE_TRUE_UP = 1,
    /** Recovery of an earlier payout (returns). */
    TALLY_LINE_CLAWBACK = 2,
    /** MDF ledger: accrued into the fund for the period. */
    TALLY_LINE_MDF_ACCRUED = 3,
    /** MDF ledger: cost of the activities claimed in the period. */
    TALLY_LINE_MDF_CLAIMED = 4,
    /** MDF ledger: reimbursed (approved) in the period: the money paid. */
    TALLY_LINE_MDF_REIMBURSED = 5,
    /** MDF ledger: requested but not covered by the balance. */
    TALLY_LINE_MDF_SHORTFALL = 6,
    /** MDF ledger: accruals that expired unused in the period. */
    TALLY_LINE_MDF_EXPIRED = 7,
    /** MDF ledger: balance at the end of the period (accruals of ended periods −
     *  reimbursed − expired). */
    TALLY_LINE_MDF_BALANCE = 8
} tally_line_kind;

/** @brief Flags of a line's explanation (tally_line_flags()). */
enum tally_line_flag {
    /** The basis was below the minimum: nothing earned. */
    TALLY_LINE_BELOW_MINIMUM = 1u << 0,
    /** The payout was limited by the cap. */
    TALLY_LINE_CAPPED = 1u << 1,
    /** A partner-tier multiplier other than 1 was applied. */
    TALLY_LINE_MULTIPLIED = 1u << 2,
    /** Amounts were rounded per transaction, then summed. */
    TALLY_LINE_ROUNDED_PER_TRANSACTION = 1u << 3
};

/** @brief Size of a result digest (SHA-256). */
#define TALLY_RESULT_DIGEST_SIZE 32
/** @brief Buffer size for a result digest in hexadecimal, with its NUL. */
#define TALLY_RESULT_DIGEST_HEX_SIZE 65

/**
 * @brief Frees a result.
 * @param[in] result the result; NULL is a no-op.
 * @since 0.1.0
 */
TALLY_API void
tally_result_free(tally_result *result);

/**
 * @brief Number of payout lines.
 * @param[in] result the result.
 * @returns the count; 0 for NULL.
 * @since 0.1.0
 */
TALLY_API size_t
tally_result_line_count(const tally_result *result);

/**
 * @brief A payout line, in canonical order.
 * @param[in] result the result.
 * @param[in] index  0 ... tally_result_line_count() - 1.
 * @returns the line, owned by the result; NULL when out of range.
 * @since 0.1.0
 */
TALLY_API const tally_line *
tally_result_line_at(const tally_result *result, size_t index);

/**
 * @brief Transactions the session accepted.
 * @param[in] result the result.
 * @returns the count; 0 for NULL.
 * @since 0.1.0
 */
TALLY_API uint64_t
tally_result_accepted_count(const tally_result *result);

/**
 * @brief Transactions the session rejected (they count in no line).
 * @param[in] result the result.
 * @returns the count; 0 for NULL.
 * @since 0.1.0
 */
TALLY_API uint64_t
tally_result_rejected_count(const tally_result *result);

/**
 * @brief Writes the canonical form of the result, the text its digest covers:
 *        the plan digest, the input digest, then one line per payout with its
 *        explanation, UTF-8, `\n`-terminated.
 * @param[in] result    the result.
 * @param[in] write     receives consecutive pieces of the text.
 * @param[in] user_data passed to @p write.
 * @returns ::TALLY_OK; ::TALLY_ERR_CALLBACK when @p write asked to stop;
 *          ::TALLY_ERR_STATE, writing nothing, when the session had
 *          ::TALLY_SESSION_NO_INPUT_DIGEST (the text could not say which inputs it
 *          is of); ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_result_write_canonical(const tally_result *result, tally_write_fn write,
                             void *user_data);

/**
 * @brief SHA-256 of the canonical form, as 64 lower-case hexadecimal digits.
 *
 * The digest is computed the first time it is asked for (writing the canonical
 * form costs about as much as making the lines, and many callers never show it),
 * then kept: later calls only copy it. Safe to call from several threads at once,
 * like every other reader of a result.
 * @param[out] out      at least ::TALLY_RESULT_DIGEST_HEX_SIZE bytes.
 * @param[in]  out_size size of @p out.
 * @param[in]  result   the result.
 * @returns ::TALLY_OK, ::TALLY_ERR_BUFFER_TOO_SMALL, ::TALLY_ERR_INVALID_ARGUMENT, or
 *          ::TALLY_ERR_STATE when the session had ::TALLY_SESSION_NO_INPUT_DIGEST.
 * @since 0.1.0
 */
TALLY_API int
tally_result_digest_hex(char *out, size_t out_size, const tally_result *result);

/**
 * @brief Digest of the inputs (partners, transactions, settlements, baselines,
 *        claims and exchange rates), as 64 hexadecimal digits; independent of the
 *        order of the rows.
 *
 * It is the SHA-256 of the sum of each row's 128-bit XXH3 hash and the row counts:
 * it detects any accidental change of the inputs, but it is not collision-resistant
 * against inputs crafted on purpose; to prove which files were used, keep their own
 * SHA-256.
 * @param[out] out      at least ::TALLY_RESULT_DIGEST_HEX_SIZE bytes.
 * @param[in]  out_size size of @p out.
 * @param[in]  result   the result.
 * @returns ::TALLY_OK, ::TALLY_ERR_BUFFER_TOO_SMALL, ::TALLY_ERR_INVALID_ARGUMENT, or
 *          ::TALLY_ERR_STATE when the session had ::TALLY_SESSION_NO_INPUT_DIGEST.
 * @since 0.1.0
 */
TALLY_API int
tally_result_input_digest_hex(char *out, size_t out_size, const tally_result *result);

/**
 * @brief Who is paid.
 * @param[in] line the line.
 * @returns a string owned by the result; NULL for NULL.
 * @since 0.1.0
 */
TALLY_API const char *
tally_line_payee(const tally_line *line);

/**
 * @brief Id of the component that pays.
 * @param[in] line the line.
 * @returns a string owned by the result; NULL for NULL.
 * @since 0.1.0
 */
TALLY_API const char *
tally_line_component(const tally_line *line);

/**
 * @brief Id of the plan version whose rules applied.
 * @param[in] line the line.
 * @returns a string owned by the result; NULL for NULL.
 * @since 0.1.0
 */
TALLY_API const char *
tally_line_version(const tally_line *line);

/**
 * @brief The period paid for, e.g. "2026-Q1", "FY2027", or the settlement period
 *        ("2026-11") of a component settled within a longer tier period.
 * @param[in] line the line.
 * @returns a string owned by the result; NULL for NULL.
 * @since 0.1.0
 */
TALLY_API const char *
tally_line_period(const tally_line *line);

/**
 * @brief The tier period a settlement period belongs to ("2026" for "2026-11");
 *        the same as tally_line_period() for components settled once per period.
 * @param[in] line the line.
 * @returns a string owned by the result; NULL for NULL.
 * @since 0.1.0
 */
TALLY_API const char *
tally_line_tier_period(const tally_line *line);

/**
 * @brief Currency of the amount (the plan's).
 * @param[in] line the line.
 * @returns an entry of the currency table; NULL for NULL.
 * @since 0.1.0
 */
TALLY_API const tally_currency *
tally_line_currency(const tally_line *line);

/**
 * @brief The line's kind.
 * @param[in] line the line (not NULL).
 * @returns the kind.
 * @since 0.1.0
 */
TALLY_API tally_line_kind
tally_line_get_kind(const tally_line *line);

/**
 * @brief Name of a line kind: "earned", "true-up", "clawback", "mdf-accrued",
 *        "mdf-claimed", "mdf-reimbursed", "mdf-shortfall", "mdf-expired",
 *        "mdf-balance".
 * @param[in] kind the kind.
 * @returns a static string; NULL for a value that is not a kind.
 * @since 0.1.0
 */
TALLY_API const char *
tally_line_kind_name(tally_line_kind kind);

/**
 * @brief The amount of the line, rounded as the plan says.
 * @param[in]  line the line.
 * @param[out] out  the amount.
 * @returns ::TALLY_OK or ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_line_amount(const tally_line *line, tally_decimal *out);

/**
 * @brief The basis measured: net amount, net quantity or attainment % of the
 *        period (cumulative for true-up lines).
 * @param[in]  line the line.
 * @param[out] out  the basis.
 * @returns ::TALLY_OK or ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_line_basis(const tally_line *line, tally_decimal *out);

/**
 * @brief The payout before rounding (after multiplier and cap).
 * @param[in]  line the line.
 * @param[out] out  the unrounded amount.
 * @returns ::TALLY_OK or ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_line_unrounded(const tally_line *line, tally_decimal *out);

/**
 * @brief The partner-tier multiplier applied (1 when none).
 * @param[in]  line the line.
 * @param[out] out  the multiplier.
 * @returns ::TALLY_OK or ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_line_multiplier(const tally_line *line, tally_decimal *out);

/**
 * @brief Bitwise or of ::tally_line_flag values.
 * @param[in] line the line.
 * @returns the flags; 0 for NULL.
 * @since 0.1.0
 */
TALLY_API unsigned
tally_line_flags(const tally_line *line);

/**
 * @brief How much of a clawback line was recovered.
 *
 * A clawback (a negative line) is recovered from the payee's earnings of periods
 * ending the same day — of the same component, or of any component when the plan
 * says `recover-from="payee"` — and, with `carry-forward`, from later earnings.
 * For other lines all three are 0.
 *
 * @param[in]  line        the line.
 * @param[out] requested   the amount to recover (the line's amount, positive).
 * @param[out] recovered   the part withheld from earnings.
 * @param[out] outstanding requested − recovered: still owed by the payee.
 * @returns ::TALLY_OK or ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_line_clawback(const tally_line *line, tally_decimal *requested, tally_decimal *recovered,
                    tally_decimal *outstanding);

/**
 * @brief The part of an earning line withheld to recover clawbacks; what is paid
 *        out for the line is its amount minus this.
 * @param[in]  line the line.
 * @param[out] out  the withheld amount (0 for most lines).
 * @returns ::TALLY_OK or ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_line_withheld(const tally_line *line, tally_decimal *out);

/**
 * @brief Number of tier bands that contributed to the payout (0 without tiers or
 *        for a per-transaction basis).
 * @param[in] line the line.
 * @returns the count; 0 for NULL.
 * @since 0.1.0
 */
TALLY_API size_t
tally_line_band_count(const tally_line *line);

/**
 * @brief One band's share of the payout.
 * @param[in]  line    the line.
 * @param[in]  index   0 ... tally_line_band_count() - 1.
 * @param[out] portion the part of the basis inside the band (the whole basis in
 *                     `whole` mode; the completed fraction of the band in
 *                     `interpolated` mode, 0 ... 1).
 * @param[out] value   the band's rate, per-unit amount or amount.
 * @param[out] payout  what the band contributes.
 * @returns ::TALLY_OK or ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_line_band(const tally_line *line, size_t index, tally_decimal *portion,
                tally_decimal *value, tally_decimal *payout);

/**
 * @brief Number of source transactions (0 when the session kept no source ids).
 * @param[in] line the line.
 * @returns the count; 0 for NULL.
 * @since 0.1.0
 */
TALLY_API size_t
tally_line_source_count(const tally_line *line);

/**
 * @brief Id of a source transaction; ids are sorted.
 * @param[in] line  the line.
 * @param[in] index 0 ... tally_line_source_count() - 1.
 * @returns a string owned by the result; NULL when out of range.
 * @since 0.1.0
 */
TALLY_API const char *
tally_line_source_at(const tally_line *line, size_t index);

/**
 * @brief The explanation in words, one step per line: basis, bands and rates,
 *        minimum, multiplier, cap, settlements, rounding.
 * @param[in] line the line.
 * @returns a string owned by the result; NULL for NULL.
 * @since 0.1.0
 */
TALLY_API const char *
tally_line_explanation(const tally_line *line);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_RESULT_H */
