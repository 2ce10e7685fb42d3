/*
 * Fuzz target: any bytes as a transactions CSV file read into a session, once
 * stopping at the first bad row and once with a reject callback collecting every
 * bad row, plus once as a partner table and once as prior settlements. Reading
 * must never crash, leak or hang, and the counts must agree with each other:
 * with the callback, the rows accepted before the first rejection are exactly
 * those the stopping read accepted.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tally/tally.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char plan_xml[] =
    "<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" id=\"fuzz\" currency=\"USD\">"
    "<version id=\"v\" effective-from=\"2026-01-01\">"
    "<rebate id=\"r\" period=\"month\"><rate>0.01</rate></rebate>"
    "</version></plan>";

/* Loaded once; plans are immutable and outlive the context that loaded them. */
static tally_plan *
shared_plan(void)
{
    static tally_plan *plan;
    if (!plan) {
        tally_ctx *ctx = NULL;
        if (tally_ctx_new(&ctx, NULL) != TALLY_OK ||
            tally_plan_load_buffer(ctx, &plan, plan_xml, strlen(plan_xml), "fuzz.xml", NULL) !=
                TALLY_OK)
            abort();
        tally_ctx_free(ctx);
    }
    return plan;
}

typedef struct rejects {
    tally_session *session;
    uint64_t calls;
    uint64_t accepted_at_first; /* session's accepted count at the first rejection */
} rejects;

static int
on_reject(const tally_error *error, const char *raw, size_t raw_size, void *user_data)
{
    rejects *r = user_data;
    char line[1024];
    int status = tally_error_format(line, sizeof(line), error);
    if (!error || (status != TALLY_OK && status != TALLY_ERR_BUFFER_TOO_SMALL) ||
        tally_error_line(error) == 0 || !tally_error_source(error) ||
        (tally_error_code(error) != TALLY_ERR_INPUT &&
         tally_error_code(error) != TALLY_ERR_OVERFLOW) ||
        raw_size == 0 || raw_size > TALLY_CSV_MAX_RECORD_SIZE || !raw)
        abort();
    if (r->calls++ == 0)
        r->accepted_at_first = tally_session_accepted_count(r->session);
    return 0;
}

static void
check_errors(const tally_ctx *ctx, int status)
{
    if ((status == TALLY_OK) != (tally_ctx_error_count(ctx) == 0))
        abort();
    char line[1024];
    for (size_t i = 0; i < tally_ctx_error_count(ctx); i++) {
        int formatted = tally_error_format(line, sizeof(line), tally_ctx_error(ctx, i));
        if (formatted != TALLY_OK && formatted != TALLY_ERR_BUFFER_TOO_SMALL)
            abort();
    }
    if (status != TALLY_OK && tally_error_code(tally_ctx_last_error(ctx)) != status &&
        status != TALLY_ERR_CALLBACK)
        abort();
}

/* One reading into a fresh session. */
static int
read_once(tally_csv_kind kind, const char *data, size_t size, rejects *r, tally_csv_stats *stats)
{
    tally_ctx *ctx = NULL;
    tally_session *session = NULL;
    if (tally_ctx_new(&ctx, NULL) != TALLY_OK ||
        tally_session_new(ctx, &session, shared_plan(), NULL) != TALLY_OK)
        abort();
    tally_csv_options options;
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.source_name = "fuzz.csv";
    if (r) {
        r->session = session;
        options.on_reject = on_reject;
        options.user_data = r;
    }
    memset(stats, 0, sizeof(*stats));
    stats->size = sizeof(*stats);
    int status = tally_csv_read_buffer(session, kind, data, size, &options, stats);
    check_errors(ctx, status);
    /* Only memory (never short here) stops a reading inside a row. */
    if (stats->accepted + stats->rejected != stats->rows)
        abort();
    if (kind == TALLY_CSV_TRANSACTIONS && tally_session_accepted_count(session) != stats->accepted)
        abort();
    if (r && r->calls != stats->rejected)
        abort();
    if (!r && stats->rejected > 1)
        abort();
    tally_result *result = NULL;
    int finished = tally_session_finish(session, &result);
    if (finished != TALLY_OK && finished != TALLY_ERR_OVERFLOW)
        abort();
    if (result && kind == TALLY_CSV_TRANSACTIONS &&
        tally_result_accepted_count(result) != stats->accepted)
        abort();
    tally_result_free(result);
    tally_session_free(session);
    tally_ctx_free(ctx);
    return status;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    tally_csv_stats stopped, collected, other;
    int stop_status = read_once(TALLY_CSV_TRANSACTIONS, text, size, NULL, &stopped);
    rejects r = {NULL, 0, 0};
    int collect_status = read_once(TALLY_CSV_TRANSACTIONS, text, size, &r, &collected);

    /* A bad row stops one reading and is skipped by the other. */
    int row_error = (stop_status == TALLY_ERR_INPUT || stop_status == TALLY_ERR_OVERFLOW) &&
                    stopped.rejected == 1;
    if (stop_status == TALLY_OK &&
        (collect_status != TALLY_OK || r.calls != 0 || collected.rows != stopped.rows ||
         collected.accepted != stopped.accepted))
        abort();
    if (row_error && (r.calls == 0 || r.accepted_at_first != stopped.accepted ||
                      collected.rows < stopped.rows))
        abort();
    if (!row_error && stop_status != TALLY_OK && collect_status != stop_status)
        abort();

    rejects partners = {NULL, 0, 0}, settlements = {NULL, 0, 0};
    read_once(TALLY_CSV_PARTNERS, text, size, &partners, &other);
    read_once(TALLY_CSV_SETTLEMENTS, text, size, &settlements, &other);
    return 0;
}
