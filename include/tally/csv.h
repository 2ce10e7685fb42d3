/**
 * @file csv.h
 * @brief Reading transactions, partners and prior settlements from CSV files
 *        into a session.
 *
 * The reader follows RFC 4180: fields separated by `,`, records ended by CR LF or
 * LF, fields in double quotes may hold commas, line ends and quotes written twice
 * (`""`). A UTF-8 byte order mark at the start of the file is skipped; any other
 * text must be valid UTF-8 without NUL bytes. Lines that are completely empty are
 * skipped wherever they are, so a trailing empty line is fine. Every record must
 * have as many fields as the header.
 *
 * The first record is the header. Columns are found by name (exact, after
 * trimming spaces and tabs around each header name), in any order; columns the
 * reader does not know are ignored. The default header names follow;
 * tally_csv_options::column_map renames them:
 *
 * | kind | default header |
 * |---|---|
 * | ::TALLY_CSV_TRANSACTIONS | `id,date,partner,rep,product,category,region,quantity,amount,currency,deal_registered,original_id,split,customer_category,new_customer,claim_date` |
 * | ::TALLY_CSV_PARTNERS | `id,type,tier,region,join_date,quota` |
 * | ::TALLY_CSV_SETTLEMENTS | `payee,component,period,amount,currency` |
 * | ::TALLY_CSV_CLAIMS | `id,partner,date,amount,activity,component` |
 * | ::TALLY_CSV_BASELINES | `payee,component,period,amount` |
 * | ::TALLY_CSV_RATES | `date,from,to,rate` |
 *
 * Required columns: `id,date,partner,amount` for transactions, `id` for partners,
 * `payee,component,period,amount` for settlements and baselines,
 * `id,partner,date,amount` for claims, all four for rates; their fields must not be
 * empty either. Empty optional fields are absent. Dates are `YYYY-MM-DD`;
 * amounts, quantities and quotas are exact decimals written as digits with an
 * optional sign and at most one `.` (no exponent, no grouping); a missing or
 * empty quantity is 0. `deal_registered` is `true`, `false` or empty (false);
 * `new_customer` is `true`, `false` or empty (unknown).
 *
 * Files are read in fixed-size chunks: memory does not grow with the number of
 * rows (the session's own memory aside). A record longer than
 * ::TALLY_CSV_MAX_RECORD_SIZE bytes stops the reading with ::TALLY_ERR_LIMIT.
 *
 * Errors are recorded on the session's context (tally_session_context()) with
 * the source name, the line the record starts on, the column (1-based field
 * index) where one applies and, as the error's path, the column's header name,
 * e.g. `tx.csv:14:9: amount: "12,50" is not a decimal number (expected digits
 * with an optional sign and one '.')`. Errors of the session itself (a duplicate
 * id, an unknown partner, ...) are recorded again with the source and line.
 *
 * A bad row is one that cannot be parsed or that the session rejects with
 * ::TALLY_ERR_INPUT or ::TALLY_ERR_OVERFLOW; it is never applied. Without a
 * reject callback the first bad row stops the reading and its status is
 * returned. With one (tally_csv_options::on_reject), each bad row is handed to
 * it and skipped, and the reading goes on. Problems with the file as a whole (it
 * cannot be read, no header, a missing required column, a record over the
 * limit, out of memory) always stop the reading.
 *
 * Good transactions are fed to the session in batches (as with
 * tally_session_add_transactions()); the outcome is that of feeding them one by
 * one, and each row's error is still recorded and handed to the reject callback
 * right when the session refuses the row, in the order of the file.
 *
 * <b>Reading on a second thread.</b> With tally_csv_options::threads set to 2,
 * tally_csv_read_file() and tally_csv_read_buffer() read the input, cut its
 * records and convert their fields on a second thread, a few batches ahead (at
 * most three of up to 4,096 rows), while the caller's thread feeds the session.
 * The outcome is the same as with one thread, byte for byte: the status, the
 * rows accepted and the result's digests, every error record (text, source,
 * line, column, path, order), the rows handed to the reject callback and their
 * order, the progress callback's calls and the counts. The header is read on the
 * caller's thread; the second thread never calls a callback, never records an
 * error, never touches the session and never calls the context's allocator
 * (what it writes to is allocated on the caller's thread before it starts), so
 * neither the callbacks nor the allocator need to be thread-safe. A buffer given
 * to tally_csv_read_buffer() is read by the second thread during the call. If
 * the thread cannot be started, the reading silently uses one thread. When the
 * reading stops early, the second thread is stopped and joined before the call
 * returns, after the read it is in (for a pipe on standard input, once that read
 * returns).
 */
#ifndef TALLY_CSV_H
#define TALLY_CSV_H

#include "tally/common.h"
#include "tally/context.h"
#include "tally/session.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Longest record (its bytes without the line end) the reader accepts: 1 MiB. */
#define TALLY_CSV_MAX_RECORD_SIZE (1024u * 1024u)

/** @brief What a CSV file holds. The values are stable. */
typedef enum tally_csv_kind {
    /** Transactions, fed to tally_session_add_transaction(). */
    TALLY_CSV_TRANSACTIONS = 0,
    /** The partner table, fed to tally_session_add_partner(). */
    TALLY_CSV_PARTNERS = 1,
    /** Prior settlements, fed to tally_session_add_settlement(). */
    TALLY_CSV_SETTLEMENTS = 2,
    /** MDF claims, fed to tally_session_add_claim(). */
    TALLY_CSV_CLAIMS = 3,
    /** Growth-rebate baselines, fed to tally_session_add_baseline(). */
    TALLY_CSV_BASELINES = 4,
    /** Exchange rates, fed to tally_session_add_rate(). */
    TALLY_CSV_RATES = 5
} tally_csv_kind;

/**
 * @brief Called for every rejected row when set in ::tally_csv_options.
 *
 * @param[in] error     the row's error (code, message, source, line, column,
 *                      path); owned by the context and valid during the call only.
 * @param[in] raw_row   the record exactly as in the file, without its line end
 *                      (quotes and `""` escapes included); not NUL-terminated;
 *                      valid during the call only.
 * @param[in] raw_size  bytes in @p raw_row.
 * @param[in] user_data tally_csv_options::user_data.
 * @returns 0 to skip the row (it is counted as rejected) and go on: its error is
 *          then removed from the context, so that after a reading the context
 *          holds only what stopped it, if anything; non-zero to stop: the row's
 *          error stays and the reading function returns ::TALLY_ERR_CALLBACK.
 * @since 0.1.0
 */
typedef int (*tally_csv_reject_fn)(const tally_error *error, const char *raw_row,
                                   size_t raw_size, void *user_data);

/**
 * @brief Called as the reader gets through its input, when set in
 *        ::tally_csv_options: for a progress display.
 *
 * tally_csv_read_file() calls it after each chunk it reads from the file (about
 * every 1 MiB), then once more when the input has been read to its end without
 * a failure; tally_csv_read_buffer() calls it once, at the end, with the buffer's
 * size. The bytes count every byte of the input read so far (a byte order mark
 * included), so a caller that knows the file's size can show a percentage; the
 * rows of the last chunk may still be being added to the session.
 *
 * @param[in] bytes_read bytes of the input read so far; never decreases.
 * @param[in] user_data  tally_csv_options::progress_user_data.
 * @returns 0 to go on; non-zero to stop: the reading function then returns
 *          ::TALLY_ERR_CALLBACK (rows accepted before stay in the session).
 * @since 0.1.0
 */
typedef int (*tally_csv_progress_fn)(uint64_t bytes_read, void *user_data);

/**
 * @brief Options of the CSV reader. Versioned: set `size` to
 *        `sizeof(tally_csv_options)`; zero fields take the defaults.
 * @since 0.1.0
 */
typedef struct tally_csv_options {
    /** `sizeof(tally_csv_options)` as compiled by the caller. */
    size_t size;
    /** Source name in error records; NULL gives the path ("<stdin>" for "-") or
     *  "<memory>". Read during the call only. */
    const char *source_name;
    /** Header names to use instead of the defaults, as
     *  `field=Header Name,field2=Other` (tally field names as in the table of this
     *  file; spaces around names are trimmed; header names cannot hold `,`).
     *  Fields not named keep their default header. NULL or "": the defaults. */
    const char *column_map;
    /** Called for every rejected row, which is then skipped; NULL: stop at the
     *  first bad row (the default). */
    tally_csv_reject_fn on_reject;
    /** Passed unchanged to tally_csv_options::on_reject. */
    void *user_data;
    /** Called as the input is read (see ::tally_csv_progress_fn); NULL: not
     *  called (the default). @since 0.1.0 */
    tally_csv_progress_fn on_progress;
    /** Passed unchanged to tally_csv_options::on_progress. @since 0.1.0 */
    void *progress_user_data;
    /** Threads the reading may use: 0 or 1 (the default), the caller's only; 2
     *  (or more, which are treated as 2), one more that reads, cuts and converts
     *  the next rows while the caller's thread adds rows to the session. The
     *  outcome is the same either way; see "Reading on a second thread" in the
     *  description of this file. @since 0.1.0 */
    unsigned threads;
} tally_csv_options;

/**
 * @brief Counts of one reading. Versioned: set `size` to `sizeof(tally_csv_stats)`
 *        before the call; the reader fills the rest, also when it fails.
 * @since 0.1.0
 */
typedef struct tally_csv_stats {
    /** `sizeof(tally_csv_stats)` as compiled by the caller. */
    size_t size;
    /** Records read after the header (empty lines not counted), including the one
     *  the reading stopped at. */
    uint64_t rows;
    /** Rows the session accepted. */
    uint64_t accepted;
    /** Rows rejected: reported to the callback, or the one that stopped the
     *  reading. accepted + rejected == rows, unless the session failed on the
     *  last row for a reason that is not the row's (out of memory, a finished
     *  session). */
    uint64_t rejected;
} tally_csv_stats;

/**
 * @brief Reads a CSV file into a session.
 *
 * @param[in]     session the session the rows are added to; required.
 * @param[in]     kind    what the file holds.
 * @param[in]     path    file to read; "-" reads standard input (which is not
 *                        closed).
 * @param[in]     options options, or NULL for the defaults.
 * @param[in,out] stats   counts, or NULL; its `size` must be set.
 * @returns ::TALLY_OK when every row was read and either accepted or handed to
 *          the reject callback; ::TALLY_ERR_IO when the file cannot be opened or
 *          read; ::TALLY_ERR_INPUT for a file without a header, a bad header or,
 *          without a callback, a bad row; ::TALLY_ERR_OVERFLOW for a row whose
 *          totals leave the decimal range (without a callback);
 *          ::TALLY_ERR_LIMIT for a record over ::TALLY_CSV_MAX_RECORD_SIZE;
 *          ::TALLY_ERR_CALLBACK when the reject or progress callback asked to
 *          stop;
 *          ::TALLY_ERR_STATE after tally_session_finish(); ::TALLY_ERR_NOMEM;
 *          ::TALLY_ERR_INVALID_ARGUMENT for a NULL argument, an unknown @p kind,
 *          a bad column map or a bad struct size. Details are on the session's
 *          context. Rows accepted before a failure stay in the session.
 * @since 0.1.0
 */
TALLY_API int
tally_csv_read_file(tally_session *session, tally_csv_kind kind, const char *path,
                    const tally_csv_options *options, tally_csv_stats *stats);

/**
 * @brief Reads CSV text from memory into a session.
 *
 * @param[in]     session the session the rows are added to; required.
 * @param[in]     kind    what the text holds.
 * @param[in]     data    the text; need not be NUL-terminated; read during the
 *                        call only. May be NULL when @p size is 0.
 * @param[in]     size    bytes in @p data.
 * @param[in]     options options, or NULL for the defaults.
 * @param[in,out] stats   counts, or NULL; its `size` must be set.
 * @returns as tally_csv_read_file(), without ::TALLY_ERR_IO.
 * @since 0.1.0
 */
TALLY_API int
tally_csv_read_buffer(tally_session *session, tally_csv_kind kind, const char *data,
                      size_t size, const tally_csv_options *options, tally_csv_stats *stats);

/**
 * @brief Name of a kind of CSV file.
 * @param[in] kind a ::tally_csv_kind.
 * @returns "transactions", "partners", "settlements", "claims", "baselines" or
 *          "rates", a static string the caller
 *          must not free; NULL for an unknown @p kind.
 * @since 0.1.0
 */
TALLY_API const char *
tally_csv_kind_name(tally_csv_kind kind);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_CSV_H */
