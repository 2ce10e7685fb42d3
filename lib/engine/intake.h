/*
 * What a reader of input files (lib/io) may use of the engine, and nothing more:
 * feeding a batch of transactions with each failure reported as it happens, and
 * what a reading thread can work out of a transaction ahead because it needs only
 * the row (and the plan's currency code): its input-digest hash, its date's
 * numbers and its partner id's hash.
 */
#ifndef TALLY_ENGINE_INTAKE_H
#define TALLY_ENGINE_INTAKE_H

#include <stddef.h>
#include <stdint.h>

#include "tally/session.h"

/* A row's 128-bit hash, as the input digest adds it up. */
typedef struct tally_row_hash {
    uint64_t low;
    uint64_t high;
} tally_row_hash;

/* A transaction's date and partner id, worked out ahead of the session. */
typedef struct tally_row_ahead {
    uint64_t partner_hash;   /* tally_engine__id_hash() of the partner id */
    /* An id of up to eight bytes itself (zeros after it), so that the session finds
     * its symbol without reading the row's text, which the reading thread wrote. */
    uint64_t partner_bytes;
    uint32_t partner_length; /* its strlen() */
    int32_t month;           /* TALLY_NO_MONTH: no valid date (its turn will say why) */
    int32_t day;             /* a tally_day */
} tally_row_ahead;

/* Ids this long or shorter travel in tally_row_ahead.partner_bytes. */
#define TALLY_ROW_AHEAD_ID_BYTES 8u

#define TALLY_NO_MONTH INT32_MIN

/* symbols.c: the hash the session's symbol tables look an id up by. */
uint64_t tally_engine__id_hash(const char *text, size_t length);

/* Told of a row of a batch that failed, right after it failed, while the context's
 * last error is that row's: `index` in the batch, `status` its status. Returns 0 to
 * go on with the batch, non-zero to stop it there. */
typedef int (*tally_engine__row_failed_fn)(void *user_data, size_t index, int status);

/* intake.c: tally_session_add_transactions() with each failing row reported to
 * `failed` (NULL: none), for readers that locate a row's error and reject rows one
 * by one. Errors are not cleared between rows: `failed` may clear them. `hashes`,
 * when not NULL, holds each row's tally_engine__transaction_hash(), and `ahead`
 * each row's date and partner hash, computed ahead (by a reading thread); NULL:
 * worked out here. Returns the first failing row's status, or the status `failed`
 * stopped the batch with. */
int tally_engine__add_transaction_batch(tally_session *session,
                                        const tally_transaction *transactions, size_t count,
                                        const tally_row_hash *hashes,
                                        const tally_row_ahead *ahead, size_t *accepted,
                                        tally_engine__row_failed_fn failed, void *user_data);

/* intake.c: the code of the session's plan currency (for tally_engine__transaction_hash). */
const char *tally_engine__plan_currency_code(const tally_session *session);
/* intake.c: 0 when the session computes no input digest (no row hashes needed). */
int tally_engine__wants_input_digest(const tally_session *session);

/* input_digest.c: the hash a transaction adds to the input digest: `amount` as given
 * (before any conversion), an absent currency taken as `plan_currency` (the plan's
 * code). It reads its arguments only, so a reading thread may compute it ahead. */
void tally_engine__transaction_hash(const char *plan_currency, const tally_transaction *t,
                                    const tally_decimal *amount, tally_row_hash *out);

/* Texts of a transaction in the input digest: id, date, partner, rep, product,
 * category, region, currency, original id, split, customer category, claim date. */
#define TALLY_TRANSACTION_TEXTS 12
/* The date's and the partner id's places among them. */
#define TALLY_TRANSACTION_DATE_TEXT 1
#define TALLY_TRANSACTION_PARTNER_TEXT 2

/* input_digest.c: the same hash, with the lengths of those texts known (0 for an
 * absent one). */
void tally_engine__transaction_hash_sized(const char *plan_currency, const tally_transaction *t,
                                          const size_t lengths[TALLY_TRANSACTION_TEXTS],
                                          tally_row_hash *out);

#endif /* TALLY_ENGINE_INTAKE_H */
