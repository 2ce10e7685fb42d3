/**
 * @file session.h
 * @brief Calculation sessions: one plan, a partner table and a stream of
 *        transactions in; payout lines out (see result.h).
 *
 * A session is bound to one plan and one context. Feed it partners first, then
 * transactions one at a time (the session keeps per payee × period totals, never
 * the rows themselves), then call tally_session_finish() for the result.
 *
 * Every `tally_session_add_*()` call either applies its row completely or rejects
 * it with an error on the context and leaves the session as it was, so a caller
 * can stop at the first bad row or collect every bad row and go on; the result
 * counts accepted and rejected rows, so nothing is dropped silently.
 *
 * A session is used by one thread at a time. Its plan may be shared by sessions
 * in other threads.
 */
#ifndef TALLY_SESSION_H
#define TALLY_SESSION_H

#include "tally/common.h"
#include "tally/context.h"
#include "tally/decimal.h"
#include "tally/plan.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief A calculation session. Opaque; create it with tally_session_new(). */
typedef struct tally_session tally_session;
/** @brief The outcome of a session (see result.h). */
typedef struct tally_result tally_result;

/** @brief Flags of ::tally_session_options. */
enum tally_session_flags {
    /** Do not keep the ids of the source transactions of each payout line (saves
     *  memory proportional to the number of transactions). */
    TALLY_SESSION_NO_SOURCE_IDS = 1u << 0,
    /** Do not remember transaction ids: duplicate ids are not detected and returns
     *  cannot be attributed to their original's period. For streams de-duplicated
     *  upstream. With both flags the session's memory depends only on payees and
     *  periods (and on the sales that earned a SPIFF, which returns may claw back). */
    TALLY_SESSION_TRUST_IDS = 1u << 1,
    /** Do not write the explanation text of the lines (tally_line_explanation()
     *  returns ""): a result then takes much less memory and time to finish. The
     *  structured explanation (basis, bands, multiplier, flags, clawback) is kept. */
    TALLY_SESSION_NO_EXPLANATIONS = 1u << 2,
    /** Do not compute the input digest (a hash of every accepted row: about a fifth
     *  of the work per transaction). The result then identifies neither its inputs
     *  nor itself: tally_result_input_digest_hex(), tally_result_digest_hex() and
     *  tally_result_write_canonical() return ::TALLY_ERR_STATE; the lines and the
     *  counts are the same. For runs whose digests nobody reads. */
    TALLY_SESSION_NO_INPUT_DIGEST = 1u << 3
};

/**
 * @brief Options of a session. Versioned: set `size` to
 *        `sizeof(tally_session_options)`; zero fields take the defaults.
 */
typedef struct tally_session_options {
    /** `sizeof(tally_session_options)` as compiled by the caller. */
    size_t size;
    /** Bitwise or of ::tally_session_flags. */
    unsigned flags;
    /** The run's as-of date, "YYYY-MM-DD", or NULL: MDF claims dated after it are
     *  not processed, and MDF accruals, expiries and balances are computed up to it.
     *  Without it every period accrues and accruals expire only up to the latest
     *  transaction or claim date. */
    const char *as_of;
    /** With @p lines_to, the range of the run, "YYYY-MM-DD" or NULL: only lines of
     *  periods ending in [lines_from, lines_to] are kept (a settlement run for
     *  2026-Q4 keeps October to December and the year 2026). Rows outside the range
     *  still count toward period-to-date totals and true-up. */
    const char *lines_from;
    /** Last day of the run's range, "YYYY-MM-DD", or NULL for no end. */
    const char *lines_to;
    /** Threads tally_session_finish() may use: 0 or 1 (the default), the caller's
     *  only; 2 (or more), a second one, which moves the second half of the payees'
     *  monthly totals into period totals (without source ids) and replays the MDF
     *  funds while the caller's thread does the rest. The result is the same either
     *  way, byte for byte, and so are the errors. With 2 the context's allocator is
     *  called from both threads at once, so it must be thread-safe (the default one
     *  is). When the thread cannot be started, the finish uses one.
     *  @since 0.1.0 */
    unsigned threads;
} tally_session_options;

/**
 * @brief A partner, as given in the partner table. Versioned: set `size` to
 *        `sizeof(tally_partner)`. Strings are copied; NULL or "" means absent.
 */
typedef struct tally_partner {
    /** `sizeof(tally_partner)` as compiled by the caller. */
    size_t size;
    /** Partner id; required, unique. */
    const char *id;
    /** Partner type, e.g. "reseller". */
    const char *type;
    /** Partner tier, e.g. "gold". */
    const char *tier;
    /** Partner's region. */
    const char *region;
    /** Join date, "YYYY-MM-DD". */
    const char *join_date;
    /** Quota per commission period, as decimal text; NULL when none. */
    const char *quota;
} tally_partner;

/**
 * @brief One sale, return or credit note. Versioned: set `size` to
 *        `sizeof(tally_transaction)`. Strings are read during the call only; NULL or
 *        "" means absent.
 */
typedef struct tally_transaction {
    /** `sizeof(tally_transaction)` as compiled by the caller. */
    size_t size;
    /** Transaction id; required, unique in the session. */
    const char *id;
    /** Date, "YYYY-MM-DD"; required. */
    const char *date;
    /** Partner id; required. */
    const char *partner;
    /** Partner's sales rep, payee of SPIFFs and commissions when given. */
    const char *rep;
    /** Product id. */
    const char *product;
    /** Product category. */
    const char *category;
    /** Region of the sale. */
    const char *region;
    /** Net quantity; negative for returns. */
    tally_decimal quantity;
    /** Net amount; negative for returns and credit notes. */
    tally_decimal amount;
    /** ISO 4217 code of @p amount; NULL means the plan's currency. Another
     *  currency is converted with the session's exchange rates
     *  (tally_session_add_rate()). */
    const char *currency;
    /** Non-zero when the partner registered the deal first. */
    int deal_registered;
    /** For a return: id of the original sale. */
    const char *original_id;
    /** Commission split, "payee:percent;payee:percent" (percents sum to 100). */
    const char *split;
    /** The end customer's category. */
    const char *customer_category;
    /** 1 for a new customer, 0 for an existing one, -1 when unknown. */
    int new_customer;
    /** Date the partner claimed the sale, "YYYY-MM-DD", for SPIFF claim deadlines;
     *  absent means claimed on time. */
    const char *claim_date;
} tally_transaction;

/**
 * @brief A payment already made, for true-up. Versioned: set `size` to
 *        `sizeof(tally_settlement)`.
 */
typedef struct tally_settlement {
    /** `sizeof(tally_settlement)` as compiled by the caller. */
    size_t size;
    /** Who was paid. */
    const char *payee;
    /** Component id. */
    const char *component;
    /** Settlement period label, e.g. "2026-11". */
    const char *period;
    /** Amount paid. */
    tally_decimal amount;
    /** ISO 4217 code; NULL means the plan's currency. */
    const char *currency;
} tally_settlement;

/**
 * @brief A payee's eligible net revenue in a baseline period, for growth rebates.
 *        Versioned: set `size` to `sizeof(tally_baseline)`.
 */
typedef struct tally_baseline {
    /** `sizeof(tally_baseline)` as compiled by the caller. */
    size_t size;
    /** The payee (partner id). */
    const char *payee;
    /** Id of the growth-rebate component. */
    const char *component;
    /** The baseline period's label, e.g. "2025-Q2". */
    const char *period;
    /** Eligible net revenue of that period. */
    tally_decimal amount;
} tally_baseline;

/**
 * @brief A claim against a partner's MDF fund: the cost of an approved marketing
 *        activity. Versioned: set `size` to `sizeof(tally_claim)`.
 */
typedef struct tally_claim {
    /** `sizeof(tally_claim)` as compiled by the caller. */
    size_t size;
    /** Claim id; required, unique in the session. */
    const char *id;
    /** The partner claiming. */
    const char *partner;
    /** Date of the claim, "YYYY-MM-DD". */
    const char *date;
    /** Cost of the activity (the vendor reimburses its co-funded share). */
    tally_decimal amount;
    /** What the activity was, e.g. "trade show"; for the explanation. */
    const char *activity;
    /** Id of the MDF component; may be left out when the plan has one MDF fund. */
    const char *component;
} tally_claim;

/**
 * @brief An exchange rate: one unit of @p from is worth @p rate units of @p to,
 *        from @p date until the next rate of the same currency. Versioned: set
 *        `size` to `sizeof(tally_fx_rate)`.
 */
typedef struct tally_fx_rate {
    /** `sizeof(tally_fx_rate)` as compiled by the caller. */
    size_t size;
    /** First day the rate applies, "YYYY-MM-DD". */
    const char *date;
    /** ISO 4217 code of the transaction currency. */
    const char *from;
    /** ISO 4217 code converted into: must be the plan's currency. */
    const char *to;
    /** Units of @p to per unit of @p from; more than 0. */
    tally_decimal rate;
} tally_fx_rate;

/** @brief Room for a period label in ::tally_progress, with its NUL. */
#define TALLY_PERIOD_LABEL_MAX 24

/**
 * @brief How far a payee is from the next tier of a component: filled by
 *        tally_session_progress(). Versioned: set `size` to
 *        `sizeof(tally_progress)` before the call.
 */
typedef struct tally_progress {
    /** `sizeof(tally_progress)` as compiled by the caller. */
    size_t size;
    /** The tier period reported on, e.g. "2026-Q4" or "FY2027". */
    char period[TALLY_PERIOD_LABEL_MAX];
    /** The value the tiers measure so far in the period: net amount, net quantity
     *  or attainment %. */
    tally_decimal basis;
    /** Index of the band the basis is in; `SIZE_MAX` below the first band. */
    size_t band;
    /** 1 when a higher band exists, 0 in the open top band. */
    int has_next;
    /** Where the next band starts, in the units of @p basis. */
    tally_decimal next_from;
    /** How much more is needed to reach the next band: revenue for the amount and
     *  attainment measures, units for quantity. */
    tally_decimal needed;
    /** What the period pays on the basis so far (after multiplier and cap, rounded). */
    tally_decimal payout;
    /** What it would pay with @p needed more. */
    tally_decimal payout_at_next;
} tally_progress;

/**
 * @brief Creates a session.
 *
 * @param[in]  ctx     context: allocator and error records; required. It must stay
 *                     alive as long as the session.
 * @param[out] out     receives the session, owned by the caller (release with
 *                     tally_session_free()); NULL on failure.
 * @param[in]  plan    the plan; the session takes its own reference.
 * @param[in]  options options, or NULL for the defaults.
 * @returns ::TALLY_OK, ::TALLY_ERR_NOMEM, ::TALLY_ERR_SYNTAX for a bad as-of date,
 *          ::TALLY_ERR_PLAN for a plan the engine cannot compute, or
 *          ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_session_new(tally_ctx *ctx, tally_session **out, tally_plan *plan,
                  const tally_session_options *options);

/**
 * @brief Frees a session and everything it holds.
 * @param[in] session the session; NULL is a no-op.
 * @since 0.1.0
 */
TALLY_API void
tally_session_free(tally_session *session);

/**
 * @brief Adds a partner to the session's partner table.
 *
 * Once a partner table is given, every transaction must name one of its
 * partners. Without any partner, transactions may name any partner, which then
 * has no type, tier, region or quota.
 *
 * @param[in] session the session.
 * @param[in] partner the partner; its strings are copied.
 * @returns ::TALLY_OK; ::TALLY_ERR_INPUT for a missing or duplicate id, a bad date
 *          or quota; ::TALLY_ERR_STATE once a transaction was added (partners come
 *          first) or after tally_session_finish();
 *          ::TALLY_ERR_NOMEM; ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_session_add_partner(tally_session *session, const tally_partner *partner);

/**
 * @brief Adds one transaction.
 *
 * The transaction is checked in full before anything changes: a rejected one
 * leaves the session as it was. Errors name the transaction id.
 *
 * @param[in] session     the session.
 * @param[in] transaction the transaction; read during the call only.
 * @returns ::TALLY_OK; ::TALLY_ERR_INPUT for a bad row (missing field, duplicate
 *          id, unknown partner, unknown currency or no exchange rate for it,
 *          date outside every plan
 *          version, split not summing to 100, unknown original);
 *          ::TALLY_ERR_OVERFLOW when a total would leave the decimal range;
 *          ::TALLY_ERR_STATE after tally_session_finish(); ::TALLY_ERR_NOMEM;
 *          ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_session_add_transaction(tally_session *session, const tally_transaction *transaction);

/**
 * @brief Adds a batch of transactions: one call for many rows (bindings and
 *        readers save a call per row).
 *
 * The fastest way in: while one row is worked on, the session already looks up
 * the partners and reps of the next rows and fetches their running totals from
 * memory, so that with many partners the rows do not wait on memory one after
 * the other. Results are exactly those of the same rows added one by one.
 *
 * Every row is tried: a bad row is rejected as by tally_session_add_transaction(),
 * its error recorded on the context (each naming its transaction id, up to the
 * context's limit, the rest counted as dropped), and the batch goes on. An
 * out-of-memory or state error stops the batch.
 *
 * @param[in]  session      the session.
 * @param[in]  transactions @p count rows, each with its `size` set.
 * @param[in]  count        number of rows.
 * @param[out] accepted     receives how many rows were accepted; may be NULL.
 * @returns ::TALLY_OK when every row was accepted, else the status of the first
 *          failure.
 * @since 0.1.0
 */
TALLY_API int
tally_session_add_transactions(tally_session *session, const tally_transaction *transactions,
                               size_t count, size_t *accepted);

/**
 * @brief Records a payment already made, so that true-up lines pay only the
 *        difference.
 * @param[in] session    the session.
 * @param[in] settlement the payment.
 * @returns ::TALLY_OK; ::TALLY_ERR_INPUT for an unknown component, a period label
 *          the component does not settle in, or another currency;
 *          ::TALLY_ERR_STATE; ::TALLY_ERR_NOMEM; ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_session_add_settlement(tally_session *session, const tally_settlement *settlement);

/**
 * @brief Gives the baseline of a growth rebate for one payee and period.
 *
 * A growth rebate compares a period with its baseline period (the previous one,
 * or the same one a year earlier). A baseline given here is used as it is;
 * without one, the baseline is the eligible net revenue of the baseline period
 * computed from the session's own transactions (0 when there are none, which
 * pays nothing).
 *
 * @param[in] session  the session.
 * @param[in] baseline the baseline; amounts for the same key add up.
 * @returns ::TALLY_OK; ::TALLY_ERR_INPUT for a missing field, an unknown
 *          component, a component that is not a growth rebate or a period label
 *          it does not use; ::TALLY_ERR_STATE; ::TALLY_ERR_NOMEM;
 *          ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_session_add_baseline(tally_session *session, const tally_baseline *baseline);

/**
 * @brief Adds a claim against a partner's MDF fund.
 *
 * Claims are processed at tally_session_finish() in (date, id) order, whatever
 * order they were added in: each requests round(cost × co-funding), drawn from
 * the partner's usable accruals oldest first; what the balance cannot cover is
 * recorded as a shortfall.
 *
 * @param[in] session the session.
 * @param[in] claim   the claim; its strings are copied.
 * @returns ::TALLY_OK; ::TALLY_ERR_INPUT for a missing field, a bad date, a
 *          negative amount, a duplicate id, an unknown partner (with a partner
 *          table) or MDF component; ::TALLY_ERR_STATE; ::TALLY_ERR_NOMEM;
 *          ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_session_add_claim(tally_session *session, const tally_claim *claim);

/**
 * @brief Adds an exchange rate for transactions in another currency than the
 *        plan's.
 *
 * A transaction in another currency is converted exactly (amount × rate, no
 * rounding before the payout is rounded) with the latest rate of its currency
 * dated on or before the transaction; a transaction with no such rate is
 * rejected, never guessed. Give the rates before the transactions: a rate dated
 * on or before a transaction already converted in its currency is refused
 * (::TALLY_ERR_STATE), so that the result never depends on the input order.
 *
 * @param[in] session the session.
 * @param[in] rate    the rate.
 * @returns ::TALLY_OK; ::TALLY_ERR_INPUT for a missing or bad field, an unknown
 *          currency, a rate into another currency than the plan's, a rate not
 *          above 0 or a second rate for the same currency and day;
 *          ::TALLY_ERR_STATE; ::TALLY_ERR_NOMEM; ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_session_add_rate(tally_session *session, const tally_fx_rate *rate);

/**
 * @brief Reports how far a payee is from the next band of a tiered component
 *        ("how much more to reach the next tier, and what would it pay").
 *
 * Works on the totals accumulated so far, before or after
 * tally_session_finish(); returns that wait for their original sale count only
 * once the session is finished.
 *
 * @param[in]  session   the session.
 * @param[in]  payee     the payee.
 * @param[in]  component id of a rebate or commission with period-basis tiers.
 * @param[in]  period    the tier period's label, or NULL for the payee's latest
 *                       period with transactions.
 * @param[out] out       the progress; set its `size` first.
 * @returns ::TALLY_OK; ::TALLY_ERR_INPUT for an unknown payee, component or
 *          period, a component without period tiers, or a payee with nothing in
 *          the period; ::TALLY_ERR_OVERFLOW; ::TALLY_ERR_NOMEM;
 *          ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_session_progress(tally_session *session, const char *payee, const char *component,
                       const char *period, tally_progress *out);

/**
 * @brief Number of transactions accepted so far.
 * @param[in] session the session.
 * @returns the count; 0 for NULL.
 * @since 0.1.0
 */
TALLY_API uint64_t
tally_session_accepted_count(const tally_session *session);

/**
 * @brief Number of transactions rejected so far.
 * @param[in] session the session.
 * @returns the count; 0 for NULL.
 * @since 0.1.0
 */
TALLY_API uint64_t
tally_session_rejected_count(const tally_session *session);

/**
 * @brief Computes every payout and hands back the result.
 *
 * Tiers, minimums, multipliers, caps, true-up and rounding are applied here,
 * once per payee × component × period. After this call the session accepts no
 * more input; free it when done (the result does not depend on it).
 *
 * @param[in]  session the session.
 * @param[out] out     receives the result, owned by the caller (release with
 *                     tally_result_free()); NULL on failure.
 * Returns that wait for their original are resolved here: a return counted in
 * its original's period whose original is not among the transactions, or
 * attainment tiers for a payee without a quota, fail the call with
 * ::TALLY_ERR_INPUT (every such row named on the context); the session is then
 * not finished and may be freed. Other unknown originals are not errors: a SPIFF
 * or referral return of a sale the session does not know claws back what can be
 * checked (see docs/semantics.md).
 *
 * @returns ::TALLY_OK; ::TALLY_ERR_INPUT; ::TALLY_ERR_OVERFLOW; ::TALLY_ERR_STATE
 *          when called twice or after an overflow; ::TALLY_ERR_NOMEM;
 *          ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_session_finish(tally_session *session, tally_result **out);

/**
 * @brief The context a session allocates with and records its errors on.
 *
 * Functions that feed a session (the CSV reader of csv.h) record their errors
 * there too: read them with tally_ctx_last_error() on this context.
 *
 * @param[in] session the session; may be NULL.
 * @returns the context given to tally_session_new(), still owned by the caller;
 *          NULL for a NULL @p session.
 * @since 0.1.0
 */
TALLY_API tally_ctx *
tally_session_context(const tally_session *session);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_SESSION_H */
