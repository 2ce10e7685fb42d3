/*
 * One transaction in: check it completely, work out what each component of the
 * version in effect on its date earns from it, then apply all of that at once.
 * A row that fails any check, or whose totals would overflow, changes nothing.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/context.h"
#include "engine/engine.h"
#include "engine/rows.h"

const tally_engine_version *
tally_engine__version_on(const tally_session *session, tally_day day)
{
    for (size_t i = session->version_count; i-- > 0;) {
        const tally_plan_version_model *v = session->versions[i].model;
        if (day >= v->effective_from) {
            if (v->open_ended || day <= v->effective_to)
                return &session->versions[i];
            return NULL;
        }
    }
    return NULL;
}

/* ---- checking the row ---- */

static int
reject(tally_session *session, const tally_transaction *t, const char *what)
{
    session->rejected++;
    if (t->id && t->id[0])
        return tally_ctx__error(session->ctx, TALLY_ERR_INPUT, "transaction \"%s\": %s", t->id,
                                what);
    return tally_ctx__error(session->ctx, TALLY_ERR_INPUT, "transaction without id: %s", what);
}

/* Absent, or the plan's own code: most rows of most files (checked before a table
 * lookup, which costs more than the rest of the row's checks). */
static int
in_plan_currency(const tally_session *session, const char *code)
{
    if (!code || !code[0])
        return 1;
    /* Codes are three letters: compared in line, stopping at the first difference
     * (a shorter code differs at its NUL, so nothing past it is read). */
    const char *plan = session->currency_code;
    return code[0] == plan[0] && code[1] == plan[1] && code[2] == plan[2] && code[3] == plan[3];
}

/* Converts a foreign amount into the plan's currency in the row's copy of it. */
static int
convert_currency(tally_session *session, tally_transaction *t, tally_row *row)
{
    row->converted_from = NULL;
    if (!t || in_plan_currency(session, t->currency))
        return TALLY_OK;
    const tally_currency *currency = NULL;
    if (tally_currency_lookup(NULL, &currency, t->currency) != TALLY_OK) {
        char message[80];
        snprintf(message, sizeof(message), "unknown currency \"%.16s\"", t->currency);
        return reject(session, t, message);
    }
    if (currency == session->plan->currency)
        return TALLY_OK;
    int status = tally_engine__convert(session, t->id, currency, row->date, &t->amount);
    if (status != TALLY_OK) {
        session->rejected++;
        return status;
    }
    row->converted_from = currency;
    return TALLY_OK;
}

static int
check_decimals(tally_session *session, const tally_transaction *t)
{
    if (tally_decimal_validate(&t->amount) != TALLY_OK)
        return reject(session, t, "amount is not a valid decimal");
    if (tally_decimal_validate(&t->quantity) != TALLY_OK)
        return reject(session, t, "quantity is not a valid decimal");
    return TALLY_OK;
}

/* Fills row->date, version, partner and transaction symbols; rejects bad rows.
 * `copy` is the row's own copy of the transaction when it has one (a currency to
 * convert, or a struct of another size), else NULL. */
static int
check_row(tally_session *session, const tally_transaction *t, tally_transaction *copy,
          tally_row *row)
{
    const tally_row_hint *hint = row->hint;
    if (!t->id || !t->id[0])
        return reject(session, t, "the id is missing");
    if (hint && hint->version) { /* read ahead, and valid */
        row->date = hint->day;
        row->month = hint->month;
    } else if (!tally_date__read(&session->dates, t->date, &row->date, &row->month)) {
        return reject(session, t, "the date is missing or not a valid YYYY-MM-DD date");
    }
    if (!t->partner || !t->partner[0])
        return reject(session, t, "the partner is missing");
    int status;
    row->original_amount = t->amount;
    if ((status = check_decimals(session, t)) != TALLY_OK ||
        (status = convert_currency(session, copy, row)) != TALLY_OK)
        return status;
    row->version = hint && hint->version ? hint->version
                                         : tally_engine__version_on(session, row->date);
    if (!row->version) {
        char message[120];
        snprintf(message, sizeof(message), "no version of plan \"%s\" is in effect on %s",
                 session->plan->id, t->date);
        return reject(session, t, message);
    }
    /* A symbol found ahead stays right: symbols are only ever added. */
    row->partner = hint && hint->partner != TALLY_NO_SYMBOL
                       ? hint->partner
                       : tally_symbols__find(&session->names, t->partner, strlen(t->partner));
    if (session->partner_count) {
        row->partner_record = tally_engine__partner(session, row->partner);
        if (!row->partner_record) {
            char message[120];
            snprintf(message, sizeof(message), "partner \"%.64s\" is not in the partner table",
                     t->partner);
            return reject(session, t, message);
        }
    }
    if (!(session->flags & TALLY_SESSION_TRUST_IDS) &&
        tally_symbols__find(&session->transaction_ids, t->id, strlen(t->id)) !=
            TALLY_NO_SYMBOL)
        return reject(session, t, "duplicate transaction id");
    char message[200];
    status = tally_engine__parse_split(session, row, message, sizeof(message));
    if (status != TALLY_OK) {
        /* TALLY_ERR_INPUT: the split is wrong, as the message says; anything else
         * comes from interning a payee and is recorded already. (Counting errors
         * cannot tell: a batch keeps the errors of the rows before.) */
        if (status != TALLY_ERR_INPUT) {
            session->rejected++;
            return status;
        }
        return reject(session, t, message);
    }
    /* Without a partner table any partner id is a payee of its own. */
    if (row->partner == TALLY_NO_SYMBOL) {
        status = tally_symbols__intern(&session->names, session->ctx, t->partner,
                                       strlen(t->partner), &row->partner);
        if (status != TALLY_OK) {
            session->rejected++;
            return status;
        }
    }
    return TALLY_OK;
}

/* ---- applying it ---- */

static int
remember_transaction(tally_session *session, const tally_transaction *t, tally_row *row)
{
    row->transaction = TALLY_NO_SYMBOL;
    int keep_ids = !(session->flags & TALLY_SESSION_TRUST_IDS);
    int keep_sources = !(session->flags & TALLY_SESSION_NO_SOURCE_IDS);
    if (!keep_ids && !keep_sources)
        return TALLY_OK;
    /* Room first: once the id is interned, nothing may fail. */
    if (keep_ids && session->transaction_ids.count >= session->seen_capacity) {
        tally_seen_transaction *grown =
            tally_ctx__grow(session->ctx, session->seen, &session->seen_capacity,
                            (size_t)session->transaction_ids.count + 1, sizeof(*grown), 1024);
        if (!grown)
            return TALLY_ERR_NOMEM;
        session->seen = grown;
    }
    int status = tally_symbols__intern(&session->transaction_ids, session->ctx, t->id,
                                       strlen(t->id), &row->transaction);
    if (status != TALLY_OK || !keep_ids)
        return status;
    session->seen[row->transaction].date = row->date;
    return TALLY_OK;
}

const char *
tally_engine__plan_currency_code(const tally_session *session)
{
    return session->currency_code;
}

int
tally_engine__wants_input_digest(const tally_session *session)
{
    return session->input.wanted;
}

/* Adds the row to the input digest: with its hash computed ahead, or now. */
static void
digest_transaction(tally_session *session, const tally_transaction *t, const tally_row *row,
                   const tally_row_hash *ahead)
{
    session->input.transactions++;
    if (!session->input.wanted)
        return;
    tally_row_hash hash;
    if (!ahead) {
        tally_engine__transaction_hash(tally_engine__plan_currency_code(session), t,
                                       &row->original_amount, &hash);
        ahead = &hash;
    }
    tally_engine__digest_add(&session->input, ahead);
}

/* One row, with the context's errors left as they are (batches keep them all).
 * `hint` is what a batch found out ahead of the row, or NULL. */
static int
add_one(tally_session *session, const tally_transaction *transaction,
        const tally_row_hint *hint, const tally_row_hash *hash)
{
    if (!transaction || transaction->size < sizeof(size_t))
        return tally_ctx__error(session->ctx, TALLY_ERR_INVALID_ARGUMENT,
                                "transaction is NULL or its size is not set");
    if (session->finished)
        return tally_ctx__error(session->ctx, TALLY_ERR_STATE,
                                "the session is finished; start a new one for more input");
    /* The caller's struct is read in place unless its size differs from ours or
     * its amount is to be converted: then the row works on a copy. */
    tally_transaction own, *copy = NULL;
    const tally_transaction *t = transaction;
    if (transaction->size != sizeof(own) || !in_plan_currency(session, transaction->currency)) {
        memset(&own, 0, sizeof(own));
        size_t given = transaction->size < sizeof(own) ? transaction->size : sizeof(own);
        memcpy(&own, transaction, given);
        /* A caller compiled before new_customer existed means "unknown", not "existing". */
        if (transaction->size < offsetof(tally_transaction, new_customer) + sizeof(int))
            own.new_customer = -1;
        t = copy = &own;
    }

    /* The row is large (its update list): only the header fields are cleared. */
    tally_row row;
    row.input = t;
    row.version = NULL;
    row.partner_record = NULL;
    row.partner = TALLY_NO_SYMBOL;
    row.transaction = TALLY_NO_SYMBOL;
    row.split.count = 0;
    row.cell_update_count = 0;
    row.keep_fraction = 0;
    row.fraction_band = SIZE_MAX;
    row.band_used = 0;
    row.update_count = 0;
    row.mark_count = 0;
    row.sale_count = 0;
    row.pending_count = 0;
    row.hint = hint;
    int status = check_row(session, t, copy, &row);
    if (status != TALLY_OK)
        return status;
    if ((status = tally_engine__plan_row(session, &row)) != TALLY_OK ||
        (status = remember_transaction(session, t, &row)) != TALLY_OK) {
        session->rejected++;
        return status;
    }
    tally_engine__apply_row(session, &row);
    if (row.converted_from)
        tally_engine__note_conversion(session, row.converted_from, row.date);
    digest_transaction(session, t, &row, hash);
    tally_engine__note_date(session, row.date);
    session->accepted++;
    return TALLY_OK;
}

int
tally_session_add_transaction(tally_session *session, const tally_transaction *transaction)
{
    if (!session)
        return TALLY_ERR_INVALID_ARGUMENT;
    tally_ctx__begin(session->ctx);
    return add_one(session, transaction, NULL, NULL);
}

/* ---- batches: looking ahead ---- */

/* Rows are looked at twice before their turn: LOOK_AHEAD × 2 rows ahead their
 * symbols are found and their blocks' index slots fetched, LOOK_AHEAD rows ahead
 * their cells; memory then arrives while other rows are worked on. */
#define LOOK_AHEAD 8
#define HINT_RING 32


/* The partner's symbol: a short id from the word the reading thread made of it. */
static uint32_t
partner_ahead(const tally_session *session, const tally_transaction *t,
              const tally_row_ahead *ahead)
{
    if (!ahead)
        return tally_symbols__find(&session->names, t->partner, strlen(t->partner));
    if (ahead->partner_length <= TALLY_ROW_AHEAD_ID_BYTES)
        return tally_symbols__find_word(&session->names, ahead->partner_bytes,
                                        ahead->partner_length, ahead->partner_hash);
    return tally_symbols__find_hashed(&session->names, t->partner, ahead->partner_length,
                                      ahead->partner_hash);
}

static void
look_ahead(tally_session *session, const tally_transaction *t, const tally_row_ahead *ahead,
           tally_row_hint *hint, int stage)
{
    if (stage == 0) {
        hint->version = NULL;
        hint->partner = TALLY_NO_SYMBOL;
        hint->rep = TALLY_NO_SYMBOL;
        if (!t || t->size != sizeof(*t) || !t->partner)
            return;
        if (ahead) { /* the reading thread read the date as tally_date__read() does */
            if (ahead->month == TALLY_NO_MONTH)
                return;
            hint->day = ahead->day;
            hint->month = ahead->month;
        } else if (!tally_date__read(&session->dates, t->date, &hint->day, &hint->month)) {
            return;
        }
        hint->version = tally_engine__version_on(session, hint->day);
        hint->partner = partner_ahead(session, t, ahead);
        /* The row's text, written on the reading thread, is read at its turn. */
        __builtin_prefetch(t->id);
        /* The partner's record is checked first thing at the row's turn. */
        if (hint->partner < session->partner_capacity)
            __builtin_prefetch(&session->partners[hint->partner]);
        /* Only running totals paid to reps use the rep's symbol (cells.c). */
        if (t->rep && t->rep[0] && hint->version && hint->version->pays_rep)
            hint->rep = tally_symbols__find(&session->names, t->rep, strlen(t->rep));
    }
    if (hint->version && hint->version->class_count)
        tally_engine__prefetch_cells(session, hint, stage);
}

static inline const tally_row_ahead *
ahead_of(const tally_row_ahead *ahead, size_t i)
{
    return ahead ? &ahead[i] : NULL;
}

int
tally_engine__add_transaction_batch(tally_session *session,
                                    const tally_transaction *transactions, size_t count,
                                    const tally_row_hash *hashes,
                                    const tally_row_ahead *ahead, size_t *accepted,
                                    tally_engine__row_failed_fn failed, void *user_data)
{
    if (accepted)
        *accepted = 0;
    if (!transactions && count)
        return tally_ctx__error(session->ctx, TALLY_ERR_INVALID_ARGUMENT,
                                "tally_session_add_transactions: no rows given");
    int first_error = TALLY_OK;
    tally_row_hint hints[HINT_RING];
    for (size_t i = 0; i < count && i < 2 * LOOK_AHEAD; i++)
        look_ahead(session, &transactions[i], ahead_of(ahead, i), &hints[i % HINT_RING], 0);
    for (size_t i = 0; i < LOOK_AHEAD && i < count; i++)
        look_ahead(session, &transactions[i], ahead_of(ahead, i), &hints[i % HINT_RING], 1);
    for (size_t i = 0; i < count; i++) {
        size_t far = i + 2 * LOOK_AHEAD, near = i + LOOK_AHEAD;
        /* The partner's symbol slot (a table too large for the cache), for its
         * lookup LOOK_AHEAD rows later. */
        if (ahead && far + LOOK_AHEAD < count)
            tally_symbols__prefetch(&session->names, ahead[far + LOOK_AHEAD].partner_hash);
        if (far < count)
            look_ahead(session, &transactions[far], ahead_of(ahead, far),
                       &hints[far % HINT_RING], 0);
        if (near < count)
            look_ahead(session, &transactions[near], ahead_of(ahead, near),
                       &hints[near % HINT_RING], 1);
        int status =
            add_one(session, &transactions[i], &hints[i % HINT_RING], hashes ? &hashes[i] : NULL);
        if (status == TALLY_OK && accepted)
            (*accepted)++;
        if (status != TALLY_OK && first_error == TALLY_OK)
            first_error = status;
        /* The caller's verdict comes first: it may stop where the batch would not. */
        if (status != TALLY_OK && failed) {
            int stop = failed(user_data, i, status);
            if (stop != TALLY_OK)
                return stop;
        }
        /* Bad rows are reported and skipped; a failing session stops the batch. */
        if (status == TALLY_ERR_NOMEM || status == TALLY_ERR_STATE ||
            status == TALLY_ERR_INVALID_ARGUMENT)
            break;
    }
    return first_error;
}

int
tally_session_add_transactions(tally_session *session, const tally_transaction *transactions,
                               size_t count, size_t *accepted)
{
    if (accepted)
        *accepted = 0;
    if (!session)
        return TALLY_ERR_INVALID_ARGUMENT;
    tally_ctx__begin(session->ctx);
    return tally_engine__add_transaction_batch(session, transactions, count, NULL, NULL, accepted,
                                               NULL, NULL);
}
