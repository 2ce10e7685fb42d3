/*
 * The CSV reader (csv.h): RFC 4180 syntax, headers and column maps, field types,
 * every error message with its location, the reject callback, the session's own
 * errors located in the file, streaming across chunk boundaries (every input is
 * read whole, through files, and in chunks of 1, 2, 3 ... bytes, and must give the
 * same outcome), limits, arguments and the out-of-memory loop.
 */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <tally/tally.h>

#include "io/csv.h"
#include "io/csv_scan.h"
#include "support/test_alloc.h"
#include "support/test_lines.h"

/* 1 % of every partner's net revenue, per month (docs/plan-format.md, "A first plan"). */
static const char plan_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" id=\"csv\" currency=\"USD\">\n"
    "  <version id=\"2026\" effective-from=\"2026-01-01\">\n"
    "    <rebate id=\"r\" period=\"month\"><rate>0.01</rate></rebate>\n"
    "  </version>\n"
    "</plan>\n";

#define HEADER                                                                              \
    "id,date,partner,rep,product,category,region,quantity,amount,currency,deal_registered," \
    "original_id,split,customer_category,new_customer"

/* ---- sessions ---- */

typedef struct fixture {
    tally_ctx *ctx;
    tally_plan *plan;
    tally_session *session;
} fixture;

static void
fixture_open(fixture *f, unsigned flags)
{
    f->ctx = NULL;
    f->plan = NULL;
    f->session = NULL;
    assert_int_equal(tally_ctx_new(&f->ctx, NULL), TALLY_OK);
    assert_int_equal(
        tally_plan_load_buffer(f->ctx, &f->plan, plan_xml, strlen(plan_xml), "plan.xml", NULL),
        TALLY_OK);
    tally_session_options options;
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.flags = flags;
    assert_int_equal(tally_session_new(f->ctx, &f->session, f->plan, &options), TALLY_OK);
    assert_ptr_equal(tally_session_context(f->session), f->ctx);
}

static void
fixture_close(fixture *f)
{
    tally_session_free(f->session);
    tally_plan_unref(f->plan);
    tally_ctx_free(f->ctx);
}

/* The last error as `source:line:column: path: message`, or "" when none. */
static void
last_error(tally_ctx *ctx, char *out, size_t size)
{
    const tally_error *error = tally_ctx_last_error(ctx);
    out[0] = '\0';
    if (error)
        assert_int_equal(tally_error_format(out, size, error), TALLY_OK);
}

/* Finishes the session; the digest of every input it accepted and, when `lines`
 * is not NULL, the result's lines (test_result_text). */
static void
finish_session(tally_session *session, char digest[TALLY_RESULT_DIGEST_HEX_SIZE], char *lines,
               size_t size)
{
    tally_result *result = NULL;
    assert_int_equal(tally_session_finish(session, &result), TALLY_OK);
    assert_int_equal(
        tally_result_input_digest_hex(digest, TALLY_RESULT_DIGEST_HEX_SIZE, result), TALLY_OK);
    if (lines)
        assert_true(test_result_text(result, lines, size));
    tally_result_free(result);
}

static void
input_digest(tally_session *session, char out[TALLY_RESULT_DIGEST_HEX_SIZE])
{
    finish_session(session, out, NULL, 0);
}

/* ---- reading one input every way ---- */

/* What the reject callback saw: "line:column: path: message [raw]" per row. */
typedef struct collector {
    char log[16384];
    size_t used;
    int calls;
    int stop_at; /* stop on this call (1-based); 0 never */
} collector;

static int
collect(const tally_error *error, const char *raw, size_t raw_size, void *user_data)
{
    collector *c = user_data;
    char text[1024];
    assert_non_null(error);
    assert_int_equal(tally_error_format(text, sizeof(text), error), TALLY_OK);
    int n = snprintf(c->log + c->used, sizeof(c->log) - c->used, "%s [%.*s]\n", text,
                     (int)raw_size, raw);
    assert_true(n > 0 && (size_t)n < sizeof(c->log) - c->used);
    c->used += (size_t)n;
    c->calls++;
    return c->stop_at && c->calls == c->stop_at;
}

typedef struct outcome {
    int status;
    tally_csv_stats stats;
    size_t error_count;
    char error[1024];
    char digest[TALLY_RESULT_DIGEST_HEX_SIZE];
    char lines[4096];        /* test_result_text() of the result */
    char log[16384];
} outcome;

/* Ways to read: 0 = tally_csv_read_buffer, -1 = tally_csv_read_file, n > 0 = chunks of n. */
static const long ways[] = {0, -1, 1, 2, 3, 4, 5, 7, 8, 13, 64, 4096};
/* tally_csv_options.threads of the reads; read_every_way tries 1 and 2. */
static unsigned reading_threads;

static int
read_file_way(tally_session *session, tally_csv_kind kind, const char *data, size_t size,
              const tally_csv_options *options, tally_csv_stats *stats)
{
    char path[] = "/tmp/tally-test-csv-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *file = fdopen(fd, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(data, 1, size, file), size);
    assert_int_equal(fclose(file), 0);
    int status = tally_csv_read_file(session, kind, path, options, stats);
    unlink(path);
    return status;
}

static void
read_one_way(long way, tally_csv_kind kind, const char *data, size_t size, const char *map,
             collector *c, unsigned flags, outcome *out)
{
    fixture f;
    fixture_open(&f, flags);
    tally_csv_options options;
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.source_name = "tx.csv";
    options.column_map = map;
    options.threads = reading_threads;
    if (c) {
        c->used = 0;
        c->calls = 0;
        c->log[0] = '\0';
        options.on_reject = collect;
        options.user_data = c;
    }
    memset(out, 0, sizeof(*out));
    out->stats.size = sizeof(out->stats);
    if (way == 0) {
        out->status = tally_csv_read_buffer(f.session, kind, data, size, &options, &out->stats);
    } else if (way < 0) {
        out->status = read_file_way(f.session, kind, data, size, &options, &out->stats);
    } else {
        tally_csv__limits limits = {(size_t)way, TALLY_CSV_MAX_RECORD_SIZE};
        out->status = tally_csv__read_chunked(f.session, kind, data, size, &limits, &options,
                                              &out->stats);
    }
    out->error_count = tally_ctx_error_count(f.ctx);
    last_error(f.ctx, out->error, sizeof(out->error));
    if (c)
        memcpy(out->log, c->log, c->used + 1);
    if (out->status == TALLY_OK)
        assert_int_equal(out->error_count, 0);
    finish_session(f.session, out->digest, out->lines, sizeof(out->lines));
    fixture_close(&f);
}

/* Reads `data` every way; all must agree. Returns the outcome in `out`. */
static void
read_every_way_map(tally_csv_kind kind, const char *data, size_t size, const char *map,
                   collector *c, outcome *out)
{
    static outcome other; /* large: not on the stack */
    reading_threads = 1;
    read_one_way(0, kind, data, size, map, c, 0, out);
    for (size_t i = 1; i < 2 * sizeof(ways) / sizeof(ways[0]); i++) {
        /* Every way on one thread, then every way again with the reading thread. */
        reading_threads = i < sizeof(ways) / sizeof(ways[0]) ? 1 : 2;
        long way = ways[i % (sizeof(ways) / sizeof(ways[0]))];
        read_one_way(way, kind, data, size, map, c, 0, &other);
        if (other.status != out->status || strcmp(other.error, out->error) != 0 ||
            strcmp(other.digest, out->digest) != 0 || strcmp(other.log, out->log) != 0 ||
            strcmp(other.lines, out->lines) != 0 ||
            other.stats.rows != out->stats.rows ||
            other.stats.accepted != out->stats.accepted ||
            other.stats.rejected != out->stats.rejected)
            fail_msg("reading way %ld (threads %u) differs from the buffer: status %d vs "
                     "%d, error \"%s\" vs \"%s\", rows %llu vs %llu\nlog:\n%s\nvs\n%s",
                     way, reading_threads, other.status, out->status, other.error, out->error,
                     (unsigned long long)other.stats.rows,
                     (unsigned long long)out->stats.rows, other.log, out->log);
    }
    reading_threads = 0;
}

static void
read_every_way(tally_csv_kind kind, const char *text, outcome *out)
{
    read_every_way_map(kind, text, strlen(text), NULL, NULL, out);
}

/* Reads a transactions text every way and expects `status` and the last error. */
static void
expect_error_text(tally_csv_kind kind, const char *text, int status, const char *error)
{
    static outcome out;
    read_every_way(kind, text, &out);
    assert_int_equal(out.status, status);
    assert_string_equal(out.error, error);
}

static void
expect_row_error(const char *text, const char *error)
{
    expect_error_text(TALLY_CSV_TRANSACTIONS, text, TALLY_ERR_INPUT, error);
}

/* ---- expected inputs, fed through the API directly ---- */

static tally_transaction
transaction(const char *id, const char *date, const char *partner, const char *amount)
{
    tally_transaction t;
    memset(&t, 0, sizeof(t));
    t.size = sizeof(t);
    t.id = id;
    t.date = date;
    t.partner = partner;
    t.new_customer = -1;
    assert_int_equal(tally_decimal_parse(NULL, &t.amount, amount), TALLY_OK);
    return t;
}

static void
digest_of(const tally_transaction *rows, size_t count, char out[TALLY_RESULT_DIGEST_HEX_SIZE])
{
    fixture f;
    fixture_open(&f, 0);
    for (size_t i = 0; i < count; i++)
        assert_int_equal(tally_session_add_transaction(f.session, &rows[i]), TALLY_OK);
    input_digest(f.session, out);
    fixture_close(&f);
}

/* ---- syntax ---- */

static void
reads_rows_with_the_default_header(void **state)
{
    (void)state;
    static outcome out;
    read_every_way(TALLY_CSV_TRANSACTIONS,
                   HEADER "\n"
                          "T1,2026-01-05,P1,R1,W-1,hardware,EMEA,3,100.50,USD,true,,,smb,true\n"
                          "T2,2026-02-07,P2,,,,,,-20,,false,T1,,,false\n"
                          "T3,2026-02-08,P2,,,,,,7,,,,,,\n",
                   &out);
    assert_int_equal(out.status, TALLY_OK);
    assert_int_equal(out.stats.rows, 3);
    assert_int_equal(out.stats.accepted, 3);
    assert_int_equal(out.stats.rejected, 0);

    tally_transaction rows[3] = {transaction("T1", "2026-01-05", "P1", "100.50"),
                                 transaction("T2", "2026-02-07", "P2", "-20"),
                                 transaction("T3", "2026-02-08", "P2", "7")};
    rows[0].rep = "R1";
    rows[0].product = "W-1";
    rows[0].category = "hardware";
    rows[0].region = "EMEA";
    assert_int_equal(tally_decimal_parse(NULL, &rows[0].quantity, "3"), TALLY_OK);
    rows[0].currency = "USD";
    rows[0].deal_registered = 1;
    rows[0].customer_category = "smb";
    rows[0].new_customer = 1;
    rows[1].original_id = "T1";
    rows[1].new_customer = 0;
    char expected[TALLY_RESULT_DIGEST_HEX_SIZE];
    digest_of(rows, 3, expected);
    assert_string_equal(out.digest, expected);
}

/* The reading works out each row's date and partner hash ahead of the session:
 * partner ids that begin with one another, a quoted one and dates on either side of
 * month and year ends (each twice in a row) pay as the same rows fed through the
 * API. Forty rows, so that the later ones are looked up ahead once their partners
 * are known. */
static void
rows_pay_as_when_fed_through_the_api(void **state)
{
    (void)state;
    static const char *const partners[] = {"P1", "P12", "P123", "P1,2"};
    static const char *const dates[] = {"2026-01-31", "2026-02-01", "2028-02-29",
                                        "2026-12-31", "2027-01-01"};
    enum { ROWS = 40 };
    static char text[ROWS * 64 + sizeof(HEADER)], ids[ROWS][8], amounts[ROWS][8];
    tally_transaction rows[ROWS];
    size_t used = (size_t)snprintf(text, sizeof(text), "%s\n", HEADER);
    for (size_t i = 0; i < ROWS; i++) {
        const char *partner = partners[i % 4], *date = dates[i / 2 % 5];
        snprintf(ids[i], sizeof(ids[i]), "T%zu", i);
        snprintf(amounts[i], sizeof(amounts[i]), "%zu", 100 * (i + 1));
        used += (size_t)snprintf(text + used, sizeof(text) - used,
                                 strchr(partner, ',') ? "%s,%s,\"%s\",,,,,,%s,,,,,,\n"
                                                      : "%s,%s,%s,,,,,,%s,,,,,,\n",
                                 ids[i], date, partner, amounts[i]);
        rows[i] = transaction(ids[i], date, partner, amounts[i]);
    }
    static outcome out;
    read_every_way(TALLY_CSV_TRANSACTIONS, text, &out);
    assert_int_equal(out.status, TALLY_OK);
    assert_int_equal(out.stats.accepted, ROWS);
    fixture f;
    fixture_open(&f, 0);
    for (size_t i = 0; i < ROWS; i++)
        assert_int_equal(tally_session_add_transaction(f.session, &rows[i]), TALLY_OK);
    char digest[TALLY_RESULT_DIGEST_HEX_SIZE], lines[4096];
    finish_session(f.session, digest, lines, sizeof(lines));
    fixture_close(&f);
    assert_string_equal(out.lines, lines);
    assert_string_equal(out.digest, digest);
    /* Rows 0, 20 (P1, 2026-01-31): 1 % of 100 + 2,100. */
    assert_non_null(strstr(lines, "P1 r 2026-01 earned 22.00\n"));
    /* Rows 7, 27 ("P1,2", 2026-12-31): 1 % of 800 + 2,800. */
    assert_non_null(strstr(lines, "P1,2 r 2026-12 earned 36.00\n"));
}

static void
quoted_fields_hold_commas_quotes_and_line_ends(void **state)
{
    (void)state;
    static outcome out;
    read_every_way(TALLY_CSV_TRANSACTIONS,
                   "id,date,partner,product,category,region,customer_category,amount\r\n"
                   "\"T,1\",2026-01-05,\"P \"\"one\"\"\",\"a\nb\",\"c\r\nd\",\"\",\"\"\"\",1\r\n"
                   "T2,\"2026-01-06\",P1,\"\"\"x\"\", y\",,\",\",z,\"-2.5\"\r\n",
                   &out);
    assert_int_equal(out.status, TALLY_OK);
    assert_int_equal(out.stats.accepted, 2);

    tally_transaction rows[2] = {transaction("T,1", "2026-01-05", "P \"one\"", "1"),
                                 transaction("T2", "2026-01-06", "P1", "-2.5")};
    rows[0].product = "a\nb";
    rows[0].category = "c\r\nd";
    rows[0].customer_category = "\"";
    rows[1].product = "\"x\", y";
    rows[1].region = ",";
    rows[1].customer_category = "z";
    char expected[TALLY_RESULT_DIGEST_HEX_SIZE];
    digest_of(rows, 2, expected);
    assert_string_equal(out.digest, expected);
}

/* Line numbers count physical lines: a record with a quoted line end takes two. */
static void
errors_name_the_line_the_record_starts_on(void **state)
{
    (void)state;
    expect_row_error("id,date,partner,product,amount\n"
                     "T1,2026-01-05,P1,\"two\nlines\",1\n"
                     "T2,2026-01-05,P1,\"three\r\n\r\nlines\",x\n",
                     "tx.csv:4:5: amount: \"x\" is not a decimal number (expected digits "
                     "with an optional sign and one '.')");
}

static void
line_ends_bom_and_empty_lines(void **state)
{
    (void)state;
    char expected[TALLY_RESULT_DIGEST_HEX_SIZE];
    tally_transaction rows[2] = {transaction("T1", "2026-01-05", "P1", "1"),
                                 transaction("T2", "2026-01-06", "P1", "2")};
    digest_of(rows, 2, expected);
    static const char *const texts[] = {
        "id,date,partner,amount\nT1,2026-01-05,P1,1\nT2,2026-01-06,P1,2\n",
        "id,date,partner,amount\r\nT1,2026-01-05,P1,1\r\nT2,2026-01-06,P1,2\r\n",
        "id,date,partner,amount\r\nT1,2026-01-05,P1,1\nT2,2026-01-06,P1,2",
        "\xef\xbb\xbfid,date,partner,amount\nT1,2026-01-05,P1,1\nT2,2026-01-06,P1,2\n",
        "id,date,partner,amount\nT1,2026-01-05,P1,1\nT2,2026-01-06,P1,2\n\n",
        "id,date,partner,amount\n\nT1,2026-01-05,P1,1\r\n\r\nT2,2026-01-06,P1,2\r\n\r\n\n",
        "\xef\xbb\xbf\nid,date,partner,amount\nT1,2026-01-05,P1,1\nT2,2026-01-06,P1,2",
    };
    static outcome out;
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        read_every_way(TALLY_CSV_TRANSACTIONS, texts[i], &out);
        if (out.status != TALLY_OK)
            fail_msg("text %zu: %s", i, out.error);
        assert_int_equal(out.stats.rows, 2);
        assert_string_equal(out.digest, expected);
    }
    /* A byte order mark is skipped only at the very start. */
    expect_error_text(TALLY_CSV_TRANSACTIONS,
                      "id,date,partner,amount\n\xef\xbb\xbfT1,2026-01-05,P1,1\n", TALLY_OK, "");
}

static void
header_order_extra_columns_and_spaces(void **state)
{
    (void)state;
    static outcome out;
    read_every_way(TALLY_CSV_TRANSACTIONS,
                   "notes, amount ,\"partner\",\tdate,id,,extra\n"
                   "hello,5,P1,2026-03-01,T1,,\n"
                   "\"with, comma\",6,P1,2026-03-02,T2,x,y\n",
                   &out);
    assert_int_equal(out.status, TALLY_OK);
    tally_transaction rows[2] = {transaction("T1", "2026-03-01", "P1", "5"),
                                 transaction("T2", "2026-03-02", "P1", "6")};
    char expected[TALLY_RESULT_DIGEST_HEX_SIZE];
    digest_of(rows, 2, expected);
    assert_string_equal(out.digest, expected);
}

/* quantity is 0 when its column is missing or its field empty. */
static void
quantity_defaults_to_zero(void **state)
{
    (void)state;
    tally_transaction rows[2] = {transaction("T1", "2026-01-05", "P1", "1"),
                                 transaction("T2", "2026-01-05", "P1", "2")};
    char expected[TALLY_RESULT_DIGEST_HEX_SIZE];
    digest_of(rows, 2, expected);
    static outcome out;
    read_every_way(TALLY_CSV_TRANSACTIONS,
                   "id,date,partner,amount\nT1,2026-01-05,P1,1\nT2,2026-01-05,P1,2\n", &out);
    assert_string_equal(out.digest, expected);
    read_every_way(TALLY_CSV_TRANSACTIONS,
                   "id,date,partner,amount,quantity\nT1,2026-01-05,P1,1,\nT2,2026-01-05,P1,2,0\n",
                   &out);
    assert_string_equal(out.digest, expected);
}

/*
 * Many rows, more than a batch of the reader holds, so that each row's struct is
 * reused: the members of absent columns must stay empty, and an empty field
 * must empty its member after a row that filled it, also after a row that was
 * rejected halfway through its fields. The input digest sees the flags and the
 * decimals (texts by their lengths only: converted_rows_reuse_their_struct
 * checks their pointers).
 */
#define REUSED_ROWS 9000
static void
reused_rows_keep_their_empty_members(void **state)
{
    (void)state;
    static char text[REUSED_ROWS * 64 + 64];
    static char ids[REUSED_ROWS][16], dates[REUSED_ROWS][16], partners[REUSED_ROWS][8],
        amounts[REUSED_ROWS][16];
    static tally_transaction rows[REUSED_ROWS];
    size_t used = (size_t)sprintf(text, "id,date,partner,amount,customer_category,new_customer\n");
    size_t count = 0;
    for (int i = 1; i <= REUSED_ROWS; i++) {
        /* Neither repeats every 4096 rows (a batch): reused structs change. */
        const char *category = i % 5 < 2 ? "" : "smb";
        const char *flags[3] = {"true", "", "false"};
        int bad = i % 1000 == 500; /* rejected at its amount, after id, date and partner */
        sprintf(ids[count], "T%d", i);
        sprintf(dates[count], "2026-01-%02d", 1 + i % 28);
        sprintf(partners[count], "P%d", i % 7);
        sprintf(amounts[count], "%d.25", i);
        used += (size_t)sprintf(text + used, "%s,%s,%s,%s,%s,%s\n", ids[count], dates[count],
                                partners[count], bad ? "1x" : amounts[count], category,
                                flags[i % 3]);
        if (bad)
            continue;
        rows[count] = transaction(ids[count], dates[count], partners[count], amounts[count]);
        rows[count].customer_category = i % 5 < 2 ? NULL : "smb";
        rows[count].new_customer = i % 3 == 0 ? 1 : i % 3 == 1 ? -1 : 0;
        count++;
    }
    char expected[TALLY_RESULT_DIGEST_HEX_SIZE];
    digest_of(rows, count, expected);
    static const long some_ways[] = {0, -1, 4096};
    static collector c;
    static outcome out;
    for (unsigned threads = 1; threads <= 2; threads++) {
        for (size_t w = 0; w < sizeof(some_ways) / sizeof(some_ways[0]); w++) {
            reading_threads = threads;
            read_one_way(some_ways[w], TALLY_CSV_TRANSACTIONS, text, used, NULL, &c, 0, &out);
            assert_int_equal(out.status, TALLY_OK);
            assert_int_equal(out.stats.accepted, count);
            assert_int_equal(out.stats.rejected, REUSED_ROWS - count);
            assert_string_equal(out.digest, expected);
        }
    }
    reading_threads = 0;
}

/* Cuts the record at data (NUL-padded after it) for the tests of conversion. */
static void
cut_record(tally_csv__tokenizer *t, char *data, tally_csv__record *record)
{
    assert_int_equal(tally_csv__tokenize(t, data, strlen(data), 1, record), TALLY_CSV__RECORD);
    tally_csv__terminate(t, record);
}

static void
expect_text(const char *got, const char *expected)
{
    if (!expected)
        assert_null(got);
    else
        assert_string_equal(got, expected);
}

/* One struct converted into again and again, as the reader's batches do: every
 * member of a present column is rewritten each time, the others stay empty. */
static void
converted_rows_reuse_their_struct(void **state)
{
    (void)state;
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    tally_csv__columns columns;
    assert_int_equal(tally_csv__columns_init(&columns, ctx, TALLY_CSV_TRANSACTIONS, NULL),
                     TALLY_OK);
    tally_csv__tokenizer t;
    tally_csv__tokenizer_init(&t, ctx, TALLY_CSV_MAX_RECORD_SIZE);
    tally_csv__record record;
    static char header[128 + TALLY_CSV__PADDING] =
        "id,date,partner,amount,customer_category,new_customer,quantity,region\n";
    cut_record(&t, header, &record);
    assert_int_equal(tally_csv__columns_match(&columns, ctx, &t, &record, "t.csv", 1),
                     TALLY_OK);
    t.store_limit = columns.header_count;
    static tally_csv__rows rows;
    tally_csv__rows_init(&rows, &columns, &t);
    tally_transaction item;
    memset(&item, 0x5a, sizeof(item)); /* not zero: the blank must set everything */
    tally_csv__blank_item(&rows, &item);
    static const struct {
        const char *record;
        int ok;
        const char *category, *region;
        int new_customer;
        const char *quantity;
    } cases[] = {
        {"T1,2026-01-05,P1,1.5,smb,true,3,EMEA\n", 1, "smb", "EMEA", 1, "3"},
        {"T2,2026-01-05,P1,2,,,,\n", 1, NULL, NULL, -1, "0"},
        {"T3,2026-01-06,P2,-7,\"ent\",false,-2,\"\"\n", 1, "ent", NULL, 0, "-2"},
        {"T4,2026-01-06,P2,1x,gov,true,5,APAC\n", 0, NULL, NULL, 0, NULL},
        {"T5,2026-01-07,P3,0.25,,,,\n", 1, NULL, NULL, -1, "0"},
        {"T6,2026-01-07,P3,9,mid,true,1,NA\n", 1, "mid", "NA", 1, "1"},
        {"T7,2026-01-07,,9,mid,true,1,NA\n", 0, NULL, NULL, 0, NULL},
        {"T8,2026-01-08,P4,10,,false,,\n", 1, NULL, NULL, 0, "0"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        static char data[128 + TALLY_CSV__PADDING];
        memset(data, 0, sizeof(data));
        strcpy(data, cases[i].record);
        cut_record(&t, data, &record);
        tally_csv__problem problem;
        int status = tally_csv__convert_row(&rows, data, t.scratch, &item, &problem);
        assert_int_equal(status, cases[i].ok ? TALLY_OK : TALLY_ERR_INPUT);
        if (!cases[i].ok)
            continue;
        assert_int_equal(item.size, sizeof(item));
        char id[8];
        snprintf(id, sizeof(id), "T%zu", i + 1);
        assert_string_equal(item.id, id);
        expect_text(item.customer_category, cases[i].category);
        expect_text(item.region, cases[i].region);
        assert_int_equal(item.new_customer, cases[i].new_customer);
        tally_decimal quantity;
        assert_int_equal(tally_decimal_parse(NULL, &quantity, cases[i].quantity), TALLY_OK);
        int order = 1;
        assert_int_equal(tally_decimal_compare(&order, &item.quantity, &quantity), TALLY_OK);
        assert_int_equal(order, 0);
        /* Absent columns. */
        assert_null(item.rep);
        assert_null(item.product);
        assert_null(item.category);
        assert_null(item.currency);
        assert_null(item.original_id);
        assert_null(item.split);
        assert_null(item.claim_date);
        assert_int_equal(item.deal_registered, 0);
        /* The lengths the input digest is given, in its order: id, date, partner,
         * rep, product, category, region, currency, original_id, split, customer
         * category, claim date. */
        const size_t *lengths = tally_csv__transaction_lengths(&rows);
        assert_int_equal(lengths[0], strlen(item.id));
        assert_int_equal(lengths[1], 10);
        assert_int_equal(lengths[2], strlen(item.partner));
        assert_int_equal(lengths[3] + lengths[4] + lengths[5] + lengths[7], 0);
        assert_int_equal(lengths[6], item.region ? strlen(item.region) : 0);
        assert_int_equal(lengths[8] + lengths[9] + lengths[11], 0);
        assert_int_equal(lengths[10],
                         item.customer_category ? strlen(item.customer_category) : 0);
    }
    tally_csv__tokenizer_free(&t);
    tally_csv__columns_free(&columns, ctx);
    tally_ctx_free(ctx);
}

static void
booleans_are_strict(void **state)
{
    (void)state;
    tally_transaction rows[3] = {transaction("T1", "2026-01-05", "P1", "1"),
                                 transaction("T2", "2026-01-05", "P1", "1"),
                                 transaction("T3", "2026-01-05", "P1", "1")};
    rows[0].deal_registered = 1;
    rows[0].new_customer = 1;
    rows[1].new_customer = 0;
    char expected[TALLY_RESULT_DIGEST_HEX_SIZE];
    digest_of(rows, 3, expected);
    static outcome out;
    read_every_way(TALLY_CSV_TRANSACTIONS,
                   "id,date,partner,amount,deal_registered,new_customer\n"
                   "T1,2026-01-05,P1,1,true,true\n"
                   "T2,2026-01-05,P1,1,false,false\n"
                   "T3,2026-01-05,P1,1,,\n",
                   &out);
    assert_int_equal(out.status, TALLY_OK);
    assert_string_equal(out.digest, expected);

    expect_row_error("id,date,partner,amount,deal_registered\nT1,2026-01-05,P1,1,1\n",
                     "tx.csv:2:5: deal_registered: \"1\" is not a boolean (expected true, "
                     "false or an empty field)");
    expect_row_error("id,date,partner,amount,new_customer\nT1,2026-01-05,P1,1,TRUE\n",
                     "tx.csv:2:5: new_customer: \"TRUE\" is not a boolean (expected true, "
                     "false or an empty field)");
    expect_row_error("id,date,partner,amount,deal_registered\nT1,2026-01-05,P1,1, true\n",
                     "tx.csv:2:5: deal_registered: \" true\" is not a boolean (expected "
                     "true, false or an empty field)");
}

/* ---- header errors ---- */

static void
missing_required_column(void **state)
{
    (void)state;
    expect_error_text(TALLY_CSV_TRANSACTIONS, "id,date,partner,quantity\nT1,2026-01-05,P1,1\n",
                      TALLY_ERR_INPUT,
                      "tx.csv:1: missing required column \"amount\" (expected header: " HEADER
                      ",claim_date; required: id,date,partner,amount)");
    expect_error_text(TALLY_CSV_TRANSACTIONS, "\xef\xbb\xbf" "date,amount\n",
                      TALLY_ERR_INPUT,
                      "tx.csv:1: missing required columns \"id\", \"partner\" (expected "
                      "header: " HEADER ",claim_date; required: id,date,partner,amount)");
    expect_error_text(TALLY_CSV_PARTNERS, "type,tier\n", TALLY_ERR_INPUT,
                      "tx.csv:1: missing required column \"id\" (expected header: "
                      "id,type,tier,region,join_date,quota; required: id)");
    expect_error_text(TALLY_CSV_SETTLEMENTS, "payee,component,amount\n", TALLY_ERR_INPUT,
                      "tx.csv:1: missing required column \"period\" (expected header: "
                      "payee,component,period,amount,currency; required: "
                      "payee,component,period,amount)");
    /* Names match exactly: case matters. */
    expect_error_text(TALLY_CSV_PARTNERS, "ID\nP1\n", TALLY_ERR_INPUT,
                      "tx.csv:1: missing required column \"id\" (expected header: "
                      "id,type,tier,region,join_date,quota; required: id)");
}

static void
duplicate_header(void **state)
{
    (void)state;
    static outcome out;
    read_every_way(TALLY_CSV_TRANSACTIONS, "id,date, id ,partner,amount,x,x\nT1\n", &out);
    assert_int_equal(out.status, TALLY_ERR_INPUT);
    assert_int_equal(out.error_count, 2);
    assert_string_equal(out.error, "tx.csv:1:7: x: duplicate column \"x\" (also column 6)");
    assert_int_equal(out.stats.rows, 0);

    fixture f;
    fixture_open(&f, 0);
    const char *text = "id,date, id ,partner,amount\n";
    assert_int_equal(tally_csv_read_buffer(f.session, TALLY_CSV_TRANSACTIONS, text, strlen(text),
                                           NULL, NULL),
                     TALLY_ERR_INPUT);
    char message[1024];
    tally_error_format(message, sizeof(message), tally_ctx_error(f.ctx, 0));
    assert_string_equal(message, "<memory>:1:3: id: duplicate column \"id\" (also column 1)");
    fixture_close(&f);
}

static void
empty_input_has_no_header(void **state)
{
    (void)state;
    static const char *const texts[] = {"", "\n\n", "\xef\xbb\xbf", "\r\n"};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        static outcome out;
        read_every_way(TALLY_CSV_PARTNERS, texts[i], &out);
        assert_int_equal(out.status, TALLY_ERR_INPUT);
        assert_non_null(strstr(out.error, "the input is empty (expected a header row: "
                                          "id,type,tier,region,join_date,quota)"));
    }
    /* A header alone is a valid, empty file. */
    static outcome out;
    read_every_way(TALLY_CSV_PARTNERS, "id,type", &out);
    assert_int_equal(out.status, TALLY_OK);
    assert_int_equal(out.stats.rows, 0);
}

static void
header_syntax_errors_stop(void **state)
{
    (void)state;
    collector c = {.stop_at = 0};
    static outcome out;
    const char *text = "id,da\"te,partner,amount\nT1,2026-01-05,P1,1\n";
    read_every_way_map(TALLY_CSV_TRANSACTIONS, text, strlen(text), NULL, &c, &out);
    assert_int_equal(out.status, TALLY_ERR_INPUT);
    assert_string_equal(out.error, "tx.csv:1:2: '\"' inside a field that does not start with "
                                   "'\"' (expected the whole field in quotes, with each '\"' "
                                   "written twice)");
    assert_string_equal(out.log, ""); /* not a row: the callback is not called */
}

/* ---- field errors ---- */

static void
bad_decimal(void **state)
{
    (void)state;
    expect_row_error(HEADER "\n"
                            "T1,2026-01-05,P1,,,,,,1,,,,,,\n"
                            "T2,2026-01-05,P1,,,,,,\"12,50\",,,,,,\n",
                     "tx.csv:3:9: amount: \"12,50\" is not a decimal number (expected digits "
                     "with an optional sign and one '.')");
    expect_row_error("id,date,partner,amount\nT1,2026-01-05,P1,1e3\n",
                     "tx.csv:2:4: amount: \"1e3\" is not a decimal number (expected digits "
                     "with an optional sign and one '.')");
    expect_row_error("id,date,partner,amount\nT1,2026-01-05,P1,1.2.3\n",
                     "tx.csv:2:4: amount: \"1.2.3\" is not a decimal number (expected digits "
                     "with an optional sign and one '.')");
    expect_row_error("id,date,partner,amount\nT1,2026-01-05,P1,-\n",
                     "tx.csv:2:4: amount: \"-\" is not a decimal number (expected digits "
                     "with an optional sign and one '.')");
    expect_row_error("id,date,partner,amount,quantity\nT1,2026-01-05,P1,1,2 \n",
                     "tx.csv:2:5: quantity: \"2 \" is not a decimal number (expected digits "
                     "with an optional sign and one '.')");
    expect_row_error("id,date,partner,amount\n"
                     "T1,2026-01-05,P1,123456789012345678901234567890123456789\n",
                     "tx.csv:2:4: amount: \"123456789012345678901234567890123456789\" has "
                     "more than 38 significant digits");
    expect_row_error("id,date,partner,amount\n"
                     "T1,2026-01-05,P1,0.000000000000000000000000000000000000001\n",
                     "tx.csv:2:4: amount: \"0.00000000000000000000000000000000000000\"... has "
                     "more than 38 digits after the '.'");
    /* Signs, leading or trailing points are digits enough. */
    static outcome out;
    read_every_way(TALLY_CSV_TRANSACTIONS,
                   "id,date,partner,amount\nT1,2026-01-05,P1,+1\nT2,2026-01-05,P1,.5\n"
                   "T3,2026-01-05,P1,-5.\n",
                   &out);
    assert_int_equal(out.status, TALLY_OK);
}

static void
bad_date(void **state)
{
    (void)state;
    expect_row_error("id,date,partner,amount\nT1,2026-02-30,P1,1\n",
                     "tx.csv:2:2: date: \"2026-02-30\" is not a date (expected YYYY-MM-DD)");
    expect_row_error("id,date,partner,amount\nT1,5.1.2026,P1,1\n",
                     "tx.csv:2:2: date: \"5.1.2026\" is not a date (expected YYYY-MM-DD)");
    expect_error_text(TALLY_CSV_PARTNERS, "id,join_date\nP1,2026-1-1\n", TALLY_ERR_INPUT,
                      "tx.csv:2:2: join_date: \"2026-1-1\" is not a date (expected "
                      "YYYY-MM-DD)");
    /* The reader remembers each date field's last good date: a different one, even
     * after a run of equal ones, is still checked. */
    expect_row_error("id,date,partner,amount,claim_date\nT1,2026-02-28,P1,1,2026-02-28\n"
                     "T2,2026-02-28,P1,1,2026-02-28\nT3,2026-02-28,P1,1,2026-02-29\n",
                     "tx.csv:4:5: claim_date: \"2026-02-29\" is not a date (expected "
                     "YYYY-MM-DD)");
    expect_row_error("id,date,partner,amount\nT1,2026-02-28,P1,1\nT2,2026-02-28,P1,1\n"
                     "T3,2026-02-2x,P1,1\n",
                     "tx.csv:4:2: date: \"2026-02-2x\" is not a date (expected YYYY-MM-DD)");
}

static void
empty_required_field(void **state)
{
    (void)state;
    expect_row_error("id,date,partner,amount\n,2026-01-05,P1,1\n",
                     "tx.csv:2:1: id: the field is empty; a value is required");
    expect_row_error("amount,partner,date,id\n\"\",P1,2026-01-05,T1\n",
                     "tx.csv:2:1: amount: the field is empty; a value is required");
    expect_error_text(TALLY_CSV_SETTLEMENTS,
                      "payee,component,period,amount\nP1,r,,1\n", TALLY_ERR_INPUT,
                      "tx.csv:2:3: period: the field is empty; a value is required");
}

static void
field_count_must_match_the_header(void **state)
{
    (void)state;
    expect_row_error("id,date,partner,amount\nT1,2026-01-05,P1\n",
                     "tx.csv:2:4: the record has 3 fields but the header has 4");
    expect_row_error("id,date,partner,amount\nT1,2026-01-05,P1,1,\n",
                     "tx.csv:2:5: the record has 5 fields but the header has 4");
    expect_row_error("id,date,partner,amount\nT1\n",
                     "tx.csv:2:2: the record has 1 field but the header has 4");
}

/* ---- syntax errors ---- */

static void
invalid_utf8(void **state)
{
    (void)state;
    expect_row_error("id,date,partner,amount\nT1,2026-01-05,P\xff,1\n",
                     "tx.csv:2:3: partner: invalid UTF-8: byte 0xff (expected UTF-8 text)");
    /* Overlong, surrogate, above U+10FFFF, lone continuation, cut by a comma. */
    expect_row_error("id,date,partner,amount\nT1,2026-01-05,\xc0\x80,1\n",
                     "tx.csv:2:3: partner: invalid UTF-8: byte 0xc0 (expected UTF-8 text)");
    expect_row_error("id,date,partner,amount\nT1,2026-01-05,\xed\xa0\x80,1\n",
                     "tx.csv:2:3: partner: invalid UTF-8: byte 0xed (expected UTF-8 text)");
    expect_row_error("id,date,partner,amount\nT1,2026-01-05,\xf4\x90\x80\x80,1\n",
                     "tx.csv:2:3: partner: invalid UTF-8: byte 0xf4 (expected UTF-8 text)");
    expect_row_error("id,date,partner,amount\nT1,2026-01-05,\xe0\x80\xaf,1\n",
                     "tx.csv:2:3: partner: invalid UTF-8: byte 0xe0 (expected UTF-8 text)");
    expect_row_error("id,date,partner,amount\nT1,2026-01-05,\xf0\x80\x80\xaf,1\n",
                     "tx.csv:2:3: partner: invalid UTF-8: byte 0xf0 (expected UTF-8 text)");
    expect_row_error("id,date,partner,amount\nT1,2026-01-05,\xf5\x80\x80\x80,1\n",
                     "tx.csv:2:3: partner: invalid UTF-8: byte 0xf5 (expected UTF-8 text)");
    expect_row_error("id,date,partner,amount\nT1,2026-01-05,\x80,1\n",
                     "tx.csv:2:3: partner: invalid UTF-8: byte 0x80 (expected UTF-8 text)");
    expect_row_error("id,date,partner,amount\nT1,2026-01-05,\xe2\x82,1\n",
                     "tx.csv:2:3: partner: invalid UTF-8: byte 0xe2 (expected UTF-8 text)");
    expect_row_error("id,date,partner,amount\nT1,2026-01-05,\"\xe2\x82\n\",1\n",
                     "tx.csv:2:3: partner: invalid UTF-8: byte 0xe2 (expected UTF-8 text)");
    /* Cut by the end of the input. */
    expect_row_error("id,date,partner,amount\nT1,2026-01-05,P1,1\xf0\x9f\x98",
                     "tx.csv:2:4: amount: invalid UTF-8: byte 0xf0 (expected UTF-8 text)");
    /* In the header: no path, the header is not known yet. */
    expect_error_text(TALLY_CSV_PARTNERS, "id,t\xe9r\n", TALLY_ERR_INPUT,
                      "tx.csv:1:2: invalid UTF-8: byte 0xe9 (expected UTF-8 text)");

    /* Valid text of every length passes through unchanged. */
    static outcome out;
    read_every_way(TALLY_CSV_TRANSACTIONS,
                   "id,date,partner,amount\n"
                   "\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80,2026-01-05,\"\xf4\x8f\xbf\xbf\",1\n",
                   &out);
    assert_int_equal(out.status, TALLY_OK);
    tally_transaction row = transaction("\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80", "2026-01-05",
                                        "\xf4\x8f\xbf\xbf", "1");
    char expected[TALLY_RESULT_DIGEST_HEX_SIZE];
    digest_of(&row, 1, expected);
    assert_string_equal(out.digest, expected);
}

static void
nul_bytes(void **state)
{
    (void)state;
    static const char text[] = "id,date,partner,amount\nT1,2026-01-05,P\0001,1\n";
    static outcome out;
    read_every_way_map(TALLY_CSV_TRANSACTIONS, text, sizeof(text) - 1, NULL, NULL, &out);
    assert_int_equal(out.status, TALLY_ERR_INPUT);
    assert_string_equal(out.error, "tx.csv:2:3: partner: a NUL byte (expected text)");
}

static void
stray_quotes_and_carriage_returns(void **state)
{
    (void)state;
    expect_row_error("id,date,partner,amount\nT1,2026-01-05,P\"1,1\n",
                     "tx.csv:2:3: partner: '\"' inside a field that does not start with '\"' "
                     "(expected the whole field in quotes, with each '\"' written twice)");
    expect_row_error("id,date,partner,amount\nT1,2026-01-05,\"P1\"x,1\n",
                     "tx.csv:2:3: partner: text after the closing '\"' of a quoted field "
                     "(expected ',' or the end of the line)");
    expect_row_error("id,date,partner,amount\nT1,2026-01-05,\"P1\" ,1\n",
                     "tx.csv:2:3: partner: text after the closing '\"' of a quoted field "
                     "(expected ',' or the end of the line)");
    expect_row_error("id,date,partner,amount\nT1,2026-01-05,P\r1,1\n",
                     "tx.csv:2:3: partner: a carriage return not followed by a line feed "
                     "(expected CR LF or LF line ends)");
    expect_row_error("id,date,partner,amount\nT1,2026-01-05,P1,1\r",
                     "tx.csv:2:4: amount: a carriage return not followed by a line feed "
                     "(expected CR LF or LF line ends)");
}

static void
unterminated_quote_at_the_end(void **state)
{
    (void)state;
    expect_row_error("id,date,partner,amount\nT1,2026-01-05,P1,1\nT2,2026-01-05,\"P1,1\n\n",
                     "tx.csv:3:3: partner: a quoted field is not closed before the end of "
                     "the input (expected a closing '\"')");
    expect_row_error("id,date,partner,amount\nT1,2026-01-05,P1,\"",
                     "tx.csv:2:4: amount: a quoted field is not closed before the end of the "
                     "input (expected a closing '\"')");
    /* A closing quote right at the end is fine. */
    expect_error_text(TALLY_CSV_TRANSACTIONS, "id,date,partner,amount\nT1,2026-01-05,P1,\"1\"",
                      TALLY_OK, "");
}

/* ---- limits ---- */

static void
record_over_the_limit(void **state)
{
    (void)state;
    /* One record of exactly the limit is read; one byte more stops the reading. */
    const char *head = "id,date,partner,amount,product\n";
    const char *row = "T1,2026-01-05,P1,1,";
    size_t fill = TALLY_CSV_MAX_RECORD_SIZE - strlen(row);
    size_t size = strlen(head) + strlen(row) + fill + 1 + 40;
    char *text = malloc(size + 1);
    assert_non_null(text);
    for (int extra = 0; extra <= 1; extra++) {
        size_t used = (size_t)sprintf(text, "%s%s", head, row);
        memset(text + used, 'x', fill + (size_t)extra);
        used += fill + (size_t)extra;
        used += (size_t)sprintf(text + used, "\nT2,2026-01-05,P1,1,y\n");
        for (int by_file = 0; by_file <= 1; by_file++) {
            outcome out;
            read_one_way(by_file ? -1 : 0, TALLY_CSV_TRANSACTIONS, text, used, NULL, NULL, 0,
                         &out);
            if (extra) {
                assert_int_equal(out.status, TALLY_ERR_LIMIT);
                assert_string_equal(out.error, "tx.csv:2: the record is longer than the limit "
                                               "of 1048576 bytes (is a quoted field not "
                                               "closed?)");
                assert_int_equal(out.stats.rows, 0);
            } else {
                assert_int_equal(out.status, TALLY_OK);
                assert_int_equal(out.stats.accepted, 2);
            }
        }
    }
    free(text);

    /* The same with a small limit, at every chunk size. */
    const char *small = "id,date,partner,amount\n"
                        "T1,2026-01-05,P1,1\n"
                        "T2,2026-01-05,\"P1\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n";
    for (size_t chunk = 1; chunk <= 70; chunk++) {
        fixture f;
        fixture_open(&f, 0);
        tally_csv__limits limits = {chunk, 24};
        tally_csv_stats stats = {sizeof(stats), 0, 0, 0};
        assert_int_equal(tally_csv__read_chunked(f.session, TALLY_CSV_TRANSACTIONS, small,
                                                 strlen(small), &limits, NULL, &stats),
                         TALLY_ERR_LIMIT);
        char message[1024];
        last_error(f.ctx, message, sizeof(message));
        assert_string_equal(message, "<memory>:3: the record is longer than the limit of 24 "
                                     "bytes (is a quoted field not closed?)");
        assert_int_equal(stats.rows, 1);
        assert_int_equal(stats.accepted, 1);
        /* The buffer path applies the same limit. */
        fixture_close(&f);
    }
}

/* A last record without a line end is held to the same limit: one byte over it
 * stops the reading as it does when a line end follows, at every chunk size, with
 * and without the reading thread; the header too. */
static void
last_record_over_the_limit_without_a_line_end(void **state)
{
    (void)state;
    /* "T2,2026-01-05,P1,1,x..." of 24 bytes is the limit; 25 is one too many. */
    static const char *const inputs[] = {
        "id,date,partner,amount,p\nT1,2026-01-05,P1,1,y\nT2,2026-01-05,P1,1,xxxxxx",
        "id,date,partner,amount,p\nT1,2026-01-05,P1,1,y\nT2,2026-01-05,P1,1,\"xxxx\"",
        "id,date,partner,amount,pp",
    };
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        for (size_t chunk = 1; chunk <= 80; chunk++) {
            for (unsigned threads = 1; threads <= 2; threads++) {
                fixture f;
                fixture_open(&f, 0);
                tally_csv__limits limits = {chunk, 24};
                tally_csv_options options;
                memset(&options, 0, sizeof(options));
                options.size = sizeof(options);
                options.threads = threads;
                tally_csv_stats stats = {sizeof(stats), 0, 0, 0};
                assert_int_equal(tally_csv__read_chunked(f.session, TALLY_CSV_TRANSACTIONS,
                                                         inputs[i], strlen(inputs[i]), &limits,
                                                         &options, &stats),
                                 TALLY_ERR_LIMIT);
                char message[1024];
                last_error(f.ctx, message, sizeof(message));
                assert_string_equal(message, i < 2 ? "<memory>:3: the record is longer than "
                                                     "the limit of 24 bytes (is a quoted "
                                                     "field not closed?)"
                                                   : "<memory>:1: the record is longer than "
                                                     "the limit of 24 bytes (is a quoted "
                                                     "field not closed?)");
                assert_int_equal(stats.rows, i < 2 ? 1 : 0);
                assert_int_equal(stats.accepted, i < 2 ? 1 : 0);
                fixture_close(&f);
            }
        }
    }
}

/* ---- chunk boundaries ---- */

static void
every_chunk_size_reads_the_same(void **state)
{
    (void)state;
    const char *text =
        "\xef\xbb\xbf" "id,date,partner,product,category,amount,quantity\r\n"
        "T1,2026-01-05,P1,\"a \"\"quoted\"\"\r\nvalue, with comma\",\xc3\xa9t\xc3\xa9,1.5,2\r\n"
        "\r\n"
        "T2,2026-01-06,\"P2\",\"\",\"\xf0\x9f\x98\x80\xe4\xb8\xad\",-3,\r\n"
        "T3,2026-01-07,P1,x,y,\"1\",\n"
        "T4,2026-01-07,P1,\"\"\"\",\"\"\"\"\"\",4,5";
    fixture reference;
    fixture_open(&reference, 0);
    tally_csv_stats expected_stats = {sizeof(expected_stats), 0, 0, 0};
    assert_int_equal(tally_csv_read_buffer(reference.session, TALLY_CSV_TRANSACTIONS, text,
                                           strlen(text), NULL, &expected_stats),
                     TALLY_OK);
    char expected[TALLY_RESULT_DIGEST_HEX_SIZE];
    input_digest(reference.session, expected);
    fixture_close(&reference);
    assert_int_equal(expected_stats.accepted, 4);

    for (size_t chunk = 1; chunk <= strlen(text) + 1; chunk++) {
        fixture f;
        fixture_open(&f, 0);
        tally_csv__limits limits = {chunk, TALLY_CSV_MAX_RECORD_SIZE};
        tally_csv_stats stats = {sizeof(stats), 0, 0, 0};
        assert_int_equal(tally_csv__read_chunked(f.session, TALLY_CSV_TRANSACTIONS, text,
                                                 strlen(text), &limits, NULL, &stats),
                         TALLY_OK);
        assert_int_equal(stats.accepted, 4);
        char digest[TALLY_RESULT_DIGEST_HEX_SIZE];
        input_digest(f.session, digest);
        assert_string_equal(digest, expected);
        fixture_close(&f);
    }
}

/*
 * A quoted field nearly as long as the record limit (longer than a chunk of a
 * read_chunked way), through a real file and a buffer; a row of 4000 bytes before
 * it makes it straddle the end of the first 1 MiB chunk.
 */
static void
quoted_field_longer_than_a_chunk(void **state)
{
    (void)state;
    /* Doubling the quotes (1 byte in 7) keeps the record under the limit. */
    size_t length = TALLY_CSV_MAX_RECORD_SIZE / 8 * 7 - 64;
    size_t filler = 4000;
    char *product = malloc(length + 1);
    char *first = malloc(filler + 1);
    char *text = malloc(2 * length + filler + 256);
    assert_non_null(product);
    assert_non_null(first);
    assert_non_null(text);
    for (size_t i = 0; i < length; i++)
        product[i] = (char)("ab,\"\n\xc3\xa9"[i % 7]);
    product[length] = '\0';
    /* é must not be cut: end the value on a whole character. */
    if ((unsigned char)product[length - 1] == 0xc3)
        product[length - 1] = 'z';
    memset(first, 'x', filler);
    first[filler] = '\0';
    size_t used = (size_t)sprintf(text, "id,date,partner,product,amount\nT0,2026-01-05,P1,%s,3\n"
                                        "T1,2026-01-05,P1,\"", first);
    size_t record_start = used - 18;
    for (size_t i = 0; i < length; i++) {
        if (product[i] == '"')
            text[used++] = '"';
        text[used++] = product[i];
    }
    used += (size_t)sprintf(text + used, "\",1\n");
    assert_true(record_start < TALLY_CSV__CHUNK_SIZE && used > TALLY_CSV__CHUNK_SIZE);
    assert_true(used - record_start - 1 <= TALLY_CSV_MAX_RECORD_SIZE);
    used += (size_t)sprintf(text + used, "T2,2026-01-05,P1,,2\n");

    tally_transaction rows[3] = {transaction("T0", "2026-01-05", "P1", "3"),
                                 transaction("T1", "2026-01-05", "P1", "1"),
                                 transaction("T2", "2026-01-05", "P1", "2")};
    rows[0].product = first;
    rows[1].product = product;
    char expected[TALLY_RESULT_DIGEST_HEX_SIZE];
    digest_of(rows, 3, expected);
    static outcome out;
    for (int by_file = 0; by_file <= 1; by_file++) {
        read_one_way(by_file ? -1 : 0, TALLY_CSV_TRANSACTIONS, text, used, NULL, NULL, 0, &out);
        assert_int_equal(out.status, TALLY_OK);
        assert_string_equal(out.digest, expected);
    }
    free(product);
    free(first);
    free(text);
}

/* ---- the tokeniser, white-box ---- */

static uint64_t
next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

typedef uint64_t (*stop_mask_fn)(const unsigned char *p);

/* Bit i of the mask is set exactly for the bytes below '-' and the non-ASCII ones. */
static void
check_stop_mask(stop_mask_fn stop_mask)
{
    unsigned char bytes[64];
    uint64_t seed = 1;
    for (int round = 0; round < 4 + 2000; round++) {
        for (int i = 0; i < 64; i++)
            bytes[i] = round < 4 ? (unsigned char)(round * 64 + i) /* every byte value */
                                 : (unsigned char)next_random(&seed);
        uint64_t mask = stop_mask(bytes);
        for (int i = 0; i < 64; i++) {
            int expected = bytes[i] >= 0x80 || bytes[i] < '-';
            if ((int)((mask >> i) & 1) != expected)
                fail_msg("byte 0x%02x at %d: mask bit %d", bytes[i], i, (int)((mask >> i) & 1));
        }
    }
    /* Every byte value at every position among text bytes, and beside a stop. */
    for (int fill = 0; fill < 2; fill++) {
        for (int at = 0; at < 64; at++) {
            for (int value = 0; value < 256; value++) {
                memset(bytes, fill ? ',' : 'a', sizeof(bytes));
                bytes[at] = (unsigned char)value;
                uint64_t expected = fill ? ~UINT64_C(0) : 0;
                if (value >= 0x80 || value < '-')
                    expected |= UINT64_C(1) << at;
                else
                    expected &= ~(UINT64_C(1) << at);
                if (stop_mask(bytes) != expected)
                    fail_msg("byte 0x%02x at %d among '%c': mask %016llx", value, at,
                             fill ? ',' : 'a', (unsigned long long)stop_mask(bytes));
            }
        }
    }
}

/* The tokeniser's mask and the portable 64-bit-word one (the same on platforms
 * without SSE2). */
static void
stop_mask_flags_the_bytes_that_may_stop_text(void **state)
{
    (void)state;
    check_stop_mask(tally_csv__stop_mask);
    check_stop_mask(tally_csv__stop_mask_words);
}

/* A record generated with its fields known, as the tokeniser must cut it. */
typedef struct known_record {
    size_t start;            /* in the text */
    size_t raw_size;
    size_t consumed;
    size_t field_count;
    char fields[24][200];
    size_t lengths[24];
    unsigned long newlines;
    tally_csv__syntax syntax; /* the one defect put in, if any */
    size_t syntax_field;
} known_record;

#define KNOWN_RECORDS 400

typedef struct known_text {
    char *text;              /* with TALLY_CSV__PADDING bytes after it */
    size_t size;
    known_record records[KNOWN_RECORDS];
} known_text;

/* Bytes of field texts: plain ASCII, the separators, line ends, UTF-8 and spaces. */
static const char *const pieces[] = {"a", "Z", "0", "7", "-", ".", " ", "!", "+", "\t",
                                     ",", "\"", "\n", "\r", "\r\n", "\xc3\xa9",
                                     "\xe2\x82\xac", "\xf0\x9f\x98\x80"};

static size_t
random_text(uint64_t *seed, char *out, size_t room, int plain_only)
{
    size_t length = 0, target = (size_t)(next_random(seed) % 4 == 0 ? next_random(seed) % 150
                                                                    : next_random(seed) % 12);
    while (length < target) {
        const char *piece = pieces[next_random(seed) % (plain_only ? 10 : 18)];
        size_t n = strlen(piece);
        if (length + n >= room)
            break;
        memcpy(out + length, piece, n);
        length += n;
    }
    return length;
}

static void
put(char *text, size_t *used, const char *bytes, size_t n)
{
    memcpy(text + *used, bytes, n);
    *used += n;
}

/* One field, quoted when it must be (or at random); a defect in some unquoted ones. */
static void
write_field(known_text *k, size_t *used, known_record *r, uint64_t *seed)
{
    size_t f = r->field_count++;
    int quote = next_random(seed) % 4 == 0;
    size_t length = random_text(seed, r->fields[f], sizeof(r->fields[f]) - 4, !quote);
    if (!quote && r->syntax == TALLY_CSV__SYNTAX_OK && next_random(seed) % 40 == 0) {
        /* Between two letters, so that it starts no quote and makes no CR LF. */
        static const char defects[] = {'"', '\r', '\0', '\xff'};
        static const tally_csv__syntax kinds[] = {
            TALLY_CSV__SYNTAX_QUOTE_IN_FIELD, TALLY_CSV__SYNTAX_BARE_CR, TALLY_CSV__SYNTAX_NUL,
            TALLY_CSV__SYNTAX_UTF8};
        int which = (int)(next_random(seed) % 4);
        memcpy(r->fields[f] + length, (char[3]){'x', defects[which], 'y'}, 3);
        length += 3;
        r->syntax = kinds[which];
        r->syntax_field = f;
    }
    r->lengths[f] = length;
    if (!quote) {
        put(k->text, used, r->fields[f], length);
        return;
    }
    put(k->text, used, "\"", 1);
    for (size_t i = 0; i < length; i++) {
        if (r->fields[f][i] == '"')
            put(k->text, used, "\"", 1);
        if (r->fields[f][i] == '\n')
            r->newlines++;
        put(k->text, used, r->fields[f] + i, 1);
    }
    put(k->text, used, "\"", 1);
}

static void
generate_known_text(known_text *k, uint64_t seed)
{
    size_t used = 0;
    k->text = malloc(KNOWN_RECORDS * 24 * 420 + TALLY_CSV__PADDING);
    assert_non_null(k->text);
    for (size_t n = 0; n < KNOWN_RECORDS; n++) {
        known_record *r = &k->records[n];
        memset(r, 0, sizeof(*r));
        r->start = used;
        size_t fields = 1 + (size_t)(next_random(&seed) % 24);
        for (size_t f = 0; f < fields; f++) {
            if (f)
                put(k->text, &used, ",", 1);
            write_field(k, &used, r, &seed);
        }
        r->raw_size = used - r->start;
        int last = n + 1 == KNOWN_RECORDS;
        if (last && next_random(&seed) % 2)
            ; /* no line end at the end of the input */
        else if (next_random(&seed) % 3 == 0)
            put(k->text, &used, "\r\n", 2);
        else
            put(k->text, &used, "\n", 1);
        r->consumed = used - r->start;
    }
    k->size = used;
    memset(k->text + used, 0, TALLY_CSV__PADDING);
}

static void
expect_known_record(tally_csv__tokenizer *t, const tally_csv__record *got, const known_record *r,
                    size_t n)
{
    if (got->raw_size != r->raw_size || got->consumed != r->consumed ||
        got->field_count != r->field_count || got->newlines != r->newlines ||
        got->syntax != r->syntax || (r->syntax && got->syntax_field != r->syntax_field))
        fail_msg("record %zu: raw %zu/%zu consumed %zu/%zu fields %zu/%zu newlines %lu/%lu "
                 "syntax %d/%d",
                 n, got->raw_size, r->raw_size, got->consumed, r->consumed, got->field_count,
                 r->field_count, got->newlines, r->newlines, (int)got->syntax, (int)r->syntax);
    tally_csv__terminate(t, got);
    for (size_t f = 0; f < r->field_count; f++) {
        size_t length;
        const char *text = tally_csv__field_text(t, f, &length);
        if (length != r->lengths[f] || memcmp(text, r->fields[f], length) != 0 ||
            text[length] != '\0')
            fail_msg("record %zu field %zu: \"%.*s\", expected \"%.*s\"", n, f, (int)length,
                     text, (int)r->lengths[f], r->fields[f]);
    }
}

/*
 * Random records (fields across 64-byte blocks, quoted or not, with every kind of
 * byte, CR LF or LF, a defect here and there) are cut as they were written, also
 * when the window first ends inside the record; terminating a record and
 * restoring it gives back its bytes.
 */
static void
tokeniser_cuts_random_records(void **state)
{
    (void)state;
    static known_text k;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        generate_known_text(&k, seed);
        char *original = malloc(k.size + TALLY_CSV__PADDING);
        assert_non_null(original);
        memcpy(original, k.text, k.size + TALLY_CSV__PADDING);
        tally_ctx *ctx;
        assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
        tally_csv__tokenizer t;
        tally_csv__tokenizer_init(&t, ctx, TALLY_CSV_MAX_RECORD_SIZE);
        uint64_t pick = seed * 7919;
        for (size_t n = 0; n < KNOWN_RECORDS; n++) {
            const known_record *r = &k.records[n];
            char *at = k.text + r->start;
            size_t left = k.size - r->start;
            tally_csv__record got;
            if (next_random(&pick) % 2) {
                /* A window that ends before the record does: more is needed. */
                size_t cut = (size_t)(next_random(&pick) % r->consumed);
                assert_int_equal(tally_csv__tokenize(&t, at, cut, 0, &got),
                                 TALLY_CSV__NEED_MORE);
            }
            assert_int_equal(tally_csv__tokenize(&t, at, left, 1, &got), TALLY_CSV__RECORD);
            expect_known_record(&t, &got, r, n);
            if (next_random(&pick) % 2) {
                tally_csv__restore(&t, &got);
                assert_memory_equal(at, original + r->start, r->consumed);
            }
        }
        tally_csv__tokenizer_free(&t);
        tally_ctx_free(ctx);
        free(original);
        free(k.text);
    }
}

/* ---- the decimal fast path ---- */

/* The padded fast path (a word at a time) on a copy of the text followed by bytes
 * it must not look at: digits and points. Takes what the byte loop takes. */
static void
expect_padded_agrees(const char *text, size_t length, int taken, const tally_decimal *fast)
{
    static const char junk[] = "9.9.09..99";
    char padded[64 + TALLY_CSV__WORD_PADDING];
    assert_true(length < 64);
    memcpy(padded, text, length);
    for (size_t i = length; i < sizeof(padded); i++)
        padded[i] = junk[(i + length) % (sizeof(junk) - 1)];
    tally_decimal word;
    memset(&word, 0, sizeof(word));
    if (tally_csv__plain_decimal_padded(&word, padded, length) != taken)
        fail_msg("\"%.*s\": padded fast path %s", (int)length, text,
                 taken ? "not taken" : "taken");
    if (taken && memcmp(&word, fast, sizeof(word)) != 0)
        fail_msg("\"%.*s\": padded fast path %llu e-%d sign %d, byte loop %llu e-%d sign %d",
                 (int)length, text, (unsigned long long)word.coefficient_lo, (int)word.scale,
                 (int)word.negative, (unsigned long long)fast->coefficient_lo,
                 (int)fast->scale, (int)fast->negative);
}

/* The fast path's value is the full parser's, whenever it takes the text. */
static void
expect_plain_decimal_agrees(const char *text, size_t length, int expect_fast)
{
    tally_decimal fast, full;
    memset(&fast, 0, sizeof(fast));
    int taken = tally_csv__plain_decimal(&fast, text, length);
    if (expect_fast >= 0 && taken != expect_fast)
        fail_msg("\"%.*s\": fast path %s", (int)length, text, taken ? "taken" : "not taken");
    expect_padded_agrees(text, length, taken, &fast);
    if (!taken)
        return;
    assert_int_equal(tally_decimal_parse_n(NULL, &full, text, length), TALLY_OK);
    if (fast.coefficient_lo != full.coefficient_lo ||
        fast.coefficient_hi != full.coefficient_hi || fast.scale != full.scale ||
        fast.negative != full.negative)
        fail_msg("\"%.*s\": fast %llu e-%d sign %d, full %llu e-%d sign %d", (int)length, text,
                 (unsigned long long)fast.coefficient_lo, (int)fast.scale, (int)fast.negative,
                 (unsigned long long)full.coefficient_lo, (int)full.scale, (int)full.negative);
}

static void
plain_decimal_agrees_with_the_full_parser(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int fast;
    } cases[] = {
        {"0", 1}, {"00", 1}, {"007", 1}, {"-0", 1}, {"+0", 1}, {"-0.00", 1}, {"12.50", 1},
        {"-2594.83", 1}, {"+1", 1}, {"0.5", 1}, {".5", 1}, {"5.", 1}, {"-.5", 1}, {"+5.", 1},
        {"000000000000000000.5", 1},          /* 19 digits, leading zeros included */
        {"1234567890123456789", 1},           /* 19 digits */
        {"9999999999999999999", 1},           /* the largest 19 digits */
        {"-.9999999999999999999", 1},
        {"12345678901234567890", 0},          /* 20 digits: the full parser's */
        {"18446744073709551616", 0},          /* 2^64 */
        {"0000000000000000000000001", 0},
        {"12345678901234567890123456789012345678", 0},  /* 38 digits */
        {"123456789012345678901234567890123456789", 0}, /* 39: an error */
        {"0.000000000000000000000000000000000000001", 0},
        {"", 0}, {"-", 0}, {"+", 0}, {".", 0}, {"-.", 0}, {"1.2.3", 0}, {"1e5", 0},
        {"1E5", 0}, {" 1", 0}, {"1 ", 0}, {"1,5", 0}, {"--1", 0}, {"+-1", 0}, {"1-", 0},
        {"\xd9\xa3", 0}, {"0x10", 0}, {"inf", 0}, {"NaN", 0},
        /* A word at a time: eight bytes, a point at either end, seven digits behind a
         * sign, bytes just past '9' and before '0'. */
        {"12345678", 1}, {"1234567.", 1}, {".1234567", 1}, {"-1234567", 1}, {"-12345.67", 1},
        {"99999999", 1}, {"1234:678", 0}, {"123/5678", 0}, {"1..2", 0}, {"..", 0},
        {"-12345678", 1}, {"+.1234567", 1}, {"1234567e", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_plain_decimal_agrees(cases[i].text, strlen(cases[i].text), cases[i].fast);
    /* Random texts of digits, signs, points and more. */
    static const char alphabet[] = "0123456789000.-+e 9";
    uint64_t seed = 12;
    for (int round = 0; round < 200000; round++) {
        char text[32];
        size_t length = (size_t)(next_random(&seed) % 24);
        for (size_t i = 0; i < length; i++) {
            uint64_t r = next_random(&seed);
            /* Mostly digits, so that valid numbers come up often. */
            text[i] = r % 4 ? (char)('0' + (r >> 8) % 10)
                            : alphabet[(r >> 8) % (sizeof(alphabet) - 1)];
        }
        expect_plain_decimal_agrees(text, length, -1);
    }
}

/* ---- column map ---- */

static void
column_map_renames_headers(void **state)
{
    (void)state;
    static outcome out;
    /* Swapping names works: "id" is read from the "partner" column and back. */
    const char *text = "partner,id,date,amount\nT1,P1,2026-01-05,1\n";
    read_every_way_map(TALLY_CSV_TRANSACTIONS, text, strlen(text), " id = partner , partner=id",
                       NULL, &out);
    assert_int_equal(out.status, TALLY_OK);
    tally_transaction row = transaction("T1", "2026-01-05", "P1", "1");
    char expected[TALLY_RESULT_DIGEST_HEX_SIZE];
    digest_of(&row, 1, expected);
    assert_string_equal(out.digest, expected);

    const char *map = "amount=Net Amount,partner=Partner ID,date=Booked";
    text = "Net Amount,Partner ID,id,Booked\n12.5,P1,T1,2026-01-05\n";
    read_every_way_map(TALLY_CSV_TRANSACTIONS, text, strlen(text), map, NULL, &out);
    assert_int_equal(out.status, TALLY_OK);
    row = transaction("T1", "2026-01-05", "P1", "12.5");
    digest_of(&row, 1, expected);
    assert_string_equal(out.digest, expected);
    /* Errors name the file's header. */
    text = "Net Amount,Partner ID,id,Booked\nx,P1,T1,2026-01-05\n";
    read_every_way_map(TALLY_CSV_TRANSACTIONS, text, strlen(text), map, NULL, &out);
    assert_int_equal(out.status, TALLY_ERR_INPUT);
    assert_string_equal(out.error, "tx.csv:2:1: Net Amount: \"x\" is not a decimal number "
                                   "(expected digits with an optional sign and one '.')");

    /* A mapped field no longer answers to its default name. */
    text = "id,date,partner,amount\nT1,2026-01-05,P1,1\n";
    read_every_way_map(TALLY_CSV_TRANSACTIONS, text, strlen(text), "amount=Net", NULL, &out);
    assert_int_equal(out.status, TALLY_ERR_INPUT);
    assert_string_equal(out.error, "tx.csv:1: missing required column \"Net\" (expected header: "
                                   "id,date,partner,rep,product,category,region,quantity,Net,"
                                   "currency,deal_registered,original_id,split,customer_"
                                   "category,new_customer,claim_date; required: id,date,"
                                   "partner,Net)");
    /* An empty map is no map. */
    read_every_way_map(TALLY_CSV_TRANSACTIONS, text, strlen(text), "", NULL, &out);
    assert_int_equal(out.status, TALLY_OK);
}

static void
column_map_errors(void **state)
{
    (void)state;
    static const struct {
        tally_csv_kind kind;
        const char *map;
        const char *error;
    } cases[] = {
        {TALLY_CSV_TRANSACTIONS, "amount",
         "column map: \"amount\" has no '=' (expected field=Header Name)"},
        {TALLY_CSV_TRANSACTIONS, "amout=Amount",
         "column map: \"amout\" is not a field of transactions files (expected one of "
         "id,date,partner,rep,product,category,region,quantity,amount,currency,"
         "deal_registered,original_id,split,customer_category,new_customer,claim_date)"},
        {TALLY_CSV_PARTNERS, "amount=Amount",
         "column map: \"amount\" is not a field of partners files (expected one of "
         "id,type,tier,region,join_date,quota)"},
        {TALLY_CSV_SETTLEMENTS, "payee=A, payee=B", "column map: \"payee\" is mapped twice"},
        {TALLY_CSV_SETTLEMENTS, "payee= ", "column map: \"payee\" is mapped to an empty header name"},
        {TALLY_CSV_SETTLEMENTS, "payee=A,",
         "column map: an empty entry (expected field=Header Name,field2=Other Name)"},
        {TALLY_CSV_SETTLEMENTS, ",payee=A",
         "column map: an empty entry (expected field=Header Name,field2=Other Name)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fixture f;
        fixture_open(&f, 0);
        tally_csv_options options = {sizeof(options), NULL, cases[i].map, NULL, NULL,
                                     NULL, NULL, 0};
        tally_csv_stats stats = {sizeof(stats), 7, 7, 7};
        assert_int_equal(tally_csv_read_buffer(f.session, cases[i].kind, "payee\n", 6, &options,
                                               &stats),
                         TALLY_ERR_INVALID_ARGUMENT);
        char message[1024];
        last_error(f.ctx, message, sizeof(message));
        assert_string_equal(message, cases[i].error);
        assert_int_equal(stats.rows, 0);
        assert_int_equal(stats.accepted, 0);
        fixture_close(&f);
    }
}

/* ---- the reject callback ---- */

static void
reject_callback_collects_every_bad_row(void **state)
{
    (void)state;
    const char *text = "id,date,partner,amount\n"
                       "T1,2026-01-05,P1,1\n"
                       "T2,2026-13-05,P1,1\n"
                       "T3,2026-01-05,P1,\"1,5\"\n"
                       "T4,2026-01-05,P1,2\n"
                       "T1,2026-01-06,P1,3\n"
                       "T5,2026-01-05\n"
                       "T6,2025-12-31,P1,1\n"
                       "T7,2026-01-05,\"P\n1\",4\n"
                       "T8,2026-01-05,P\xff,1\n"
                       "T9,2026-01-05,P1,\"5";
    collector c = {.stop_at = 0};
    static outcome out;
    read_every_way_map(TALLY_CSV_TRANSACTIONS, text, strlen(text), NULL, &c, &out);
    assert_int_equal(out.status, TALLY_OK);
    assert_int_equal(out.error_count, 0);
    assert_int_equal(out.stats.rows, 10);
    assert_int_equal(out.stats.accepted, 3);
    assert_int_equal(out.stats.rejected, 7);
    assert_string_equal(
        out.log,
        "tx.csv:3:2: date: \"2026-13-05\" is not a date (expected YYYY-MM-DD) "
        "[T2,2026-13-05,P1,1]\n"
        "tx.csv:4:4: amount: \"1,5\" is not a decimal number (expected digits with an "
        "optional sign and one '.') [T3,2026-01-05,P1,\"1,5\"]\n"
        "tx.csv:6: transaction \"T1\": duplicate transaction id [T1,2026-01-06,P1,3]\n"
        "tx.csv:7:3: the record has 2 fields but the header has 4 [T5,2026-01-05]\n"
        "tx.csv:8: transaction \"T6\": no version of plan \"csv\" is in effect on 2025-12-31 "
        "[T6,2025-12-31,P1,1]\n"
        "tx.csv:11:3: partner: invalid UTF-8: byte 0xff (expected UTF-8 text) "
        "[T8,2026-01-05,P\xff,1]\n"
        "tx.csv:12:4: amount: a quoted field is not closed before the end of the input "
        "(expected a closing '\"') [T9,2026-01-05,P1,\"5]\n");

    tally_transaction rows[3] = {transaction("T1", "2026-01-05", "P1", "1"),
                                 transaction("T4", "2026-01-05", "P1", "2"),
                                 transaction("T7", "2026-01-05", "P\n1", "4")};
    char expected[TALLY_RESULT_DIGEST_HEX_SIZE];
    digest_of(rows, 3, expected);
    assert_string_equal(out.digest, expected);
}

static void
reject_callback_can_stop(void **state)
{
    (void)state;
    const char *text = "id,date,partner,amount\n"
                       "T1,x,P1,1\n"
                       "T2,2026-01-05,P1,1\n"
                       "T3,y,P1,1\n"
                       "T4,2026-01-05,P1,1\n";
    collector c = {.stop_at = 2};
    static outcome out;
    read_every_way_map(TALLY_CSV_TRANSACTIONS, text, strlen(text), NULL, &c, &out);
    assert_int_equal(out.status, TALLY_ERR_CALLBACK);
    assert_int_equal(out.error_count, 2);
    assert_string_equal(out.error, "tx.csv:4: the reject callback stopped the reading");
    assert_int_equal(out.stats.rows, 3);
    assert_int_equal(out.stats.accepted, 1);
    assert_int_equal(out.stats.rejected, 2);
    assert_int_equal(c.calls, 2);
}

/* ---- the progress callback ---- */

typedef struct progress_log {
    uint64_t seen[64];
    int calls;
    uint64_t stop_from; /* stop at the first call with at least this many bytes; 0 never */
} progress_log;

static int
log_progress(uint64_t bytes_read, void *user_data)
{
    progress_log *log = user_data;
    if (log->calls > 0)
        assert_true(bytes_read >= log->seen[log->calls - 1]); /* never decreases */
    if (log->calls < 64)
        log->seen[log->calls] = bytes_read;
    log->calls++;
    return log->stop_from && bytes_read >= log->stop_from;
}

/* Reads `text` one way (as read_one_way) with the progress callback only. */
static int
read_with_progress(long way, const char *text, progress_log *log, tally_csv_stats *stats)
{
    fixture f;
    fixture_open(&f, 0);
    tally_csv_options options;
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.source_name = "tx.csv";
    options.on_progress = log_progress;
    options.progress_user_data = log;
    memset(stats, 0, sizeof(*stats));
    stats->size = sizeof(*stats);
    size_t size = strlen(text);
    int status;
    if (way == 0) {
        status = tally_csv_read_buffer(f.session, TALLY_CSV_TRANSACTIONS, text, size, &options,
                                       stats);
    } else if (way < 0) {
        status = read_file_way(f.session, TALLY_CSV_TRANSACTIONS, text, size, &options, stats);
    } else {
        tally_csv__limits limits = {(size_t)way, TALLY_CSV_MAX_RECORD_SIZE};
        status = tally_csv__read_chunked(f.session, TALLY_CSV_TRANSACTIONS, text, size, &limits,
                                         &options, stats);
    }
    if (status == TALLY_ERR_CALLBACK) {
        char message[1024];
        last_error(f.ctx, message, sizeof(message));
        assert_non_null(strstr(message, "the progress callback stopped the reading"));
        assert_int_equal(strncmp(message, "tx.csv:", 7), 0);
    }
    fixture_close(&f);
    return status;
}

static void
progress_callback_counts_bytes(void **state)
{
    (void)state;
    /* A byte order mark (it counts too), a 23-byte header and three 21-byte rows ending
     * at bytes 47, 68 and 89. */
    const char *text = "\xef\xbb\xbfid,date,partner,amount\n"
                       "T1,2026-01-05,P1,1.5\nT2,2026-01-06,P1,2.5\nT3,2026-01-07,P2,3.5\n";
    uint64_t size = strlen(text);
    tally_csv_stats stats;
    progress_log log;

    /* A buffer: once, at the end, with its size. */
    memset(&log, 0, sizeof(log));
    assert_int_equal(read_with_progress(0, text, &log, &stats), TALLY_OK);
    assert_int_equal(log.calls, 1);
    assert_int_equal(log.seen[0], size);
    assert_int_equal(stats.accepted, 3);

    /* A file: after its reads, and at the end with every byte. */
    memset(&log, 0, sizeof(log));
    assert_int_equal(read_with_progress(-1, text, &log, &stats), TALLY_OK);
    assert_true(log.calls >= 2);
    assert_int_equal(log.seen[log.calls - 1], size);
    assert_int_equal(stats.accepted, 3);

    /* Chunks of at most 8 bytes: a call after each read that brought bytes (growing by
     * 1 ... 8), then the end. */
    memset(&log, 0, sizeof(log));
    assert_int_equal(read_with_progress(8, text, &log, &stats), TALLY_OK);
    assert_true(log.calls >= (int)((size + 7) / 8) + 1 && log.calls < 64);
    for (int i = 0; i + 1 < log.calls; i++) {
        uint64_t before = i ? log.seen[i - 1] : 0;
        assert_true(log.seen[i] > before && log.seen[i] - before <= 8);
    }
    assert_int_equal(log.seen[log.calls - 2], size);
    assert_int_equal(log.seen[log.calls - 1], size);
    assert_int_equal(stats.accepted, 3);

    /* Non-zero stops the reading; the rows added before stay. Past byte 60 the first
     * row (to 47) is in, the second (to 68) not yet. */
    memset(&log, 0, sizeof(log));
    log.stop_from = 60;
    assert_int_equal(read_with_progress(8, text, &log, &stats), TALLY_ERR_CALLBACK);
    assert_true(log.seen[log.calls - 1] >= 60 && log.seen[log.calls - 1] < 68);
    assert_int_equal(stats.accepted, 1);
    assert_int_equal(stats.rejected, 0);

    /* Stopping at the final call still stops: the caller wanted out. */
    memset(&log, 0, sizeof(log));
    log.stop_from = 1;
    assert_int_equal(read_with_progress(0, text, &log, &stats), TALLY_ERR_CALLBACK);
    assert_int_equal(stats.accepted, 3);
}

/* Without a callback the first bad row stops the reading; the rows before it stay. */
static void
first_bad_row_stops(void **state)
{
    (void)state;
    static outcome out;
    read_every_way(TALLY_CSV_TRANSACTIONS,
                   "id,date,partner,amount\nT1,2026-01-05,P1,1\nT2,2026-01-05,P1,1\n"
                   "T3,2026-01-05,,1\nT4,2026-01-05,P1,1\n",
                   &out);
    assert_int_equal(out.status, TALLY_ERR_INPUT);
    assert_int_equal(out.error_count, 1);
    assert_string_equal(out.error, "tx.csv:4:3: partner: the field is empty; a value is required");
    assert_int_equal(out.stats.rows, 3);
    assert_int_equal(out.stats.accepted, 2);
    assert_int_equal(out.stats.rejected, 1);
    tally_transaction rows[2] = {transaction("T1", "2026-01-05", "P1", "1"),
                                 transaction("T2", "2026-01-05", "P1", "1")};
    char expected[TALLY_RESULT_DIGEST_HEX_SIZE];
    digest_of(rows, 2, expected);
    assert_string_equal(out.digest, expected);
}

/* ---- the session's own errors, located ---- */

static void
session_errors_are_located(void **state)
{
    (void)state;
    fixture f;
    fixture_open(&f, 0);
    tally_csv_options options = {sizeof(options), "partners.csv", NULL, NULL, NULL, NULL,
                                 NULL, 0};
    const char *partners = "id,type,tier,region,join_date,quota\n"
                           "P1,reseller,gold,EMEA,2025-01-01,1000\n"
                           "P2,,,,,\n";
    tally_csv_stats stats = {sizeof(stats), 0, 0, 0};
    assert_int_equal(tally_csv_read_buffer(f.session, TALLY_CSV_PARTNERS, partners,
                                           strlen(partners), &options, &stats),
                     TALLY_OK);
    assert_int_equal(stats.accepted, 2);
    char message[1024];

    options.source_name = "more-partners.csv";
    const char *again = "id\nP3\nP1\n";
    assert_int_equal(tally_csv_read_buffer(f.session, TALLY_CSV_PARTNERS, again, strlen(again),
                                           &options, &stats),
                     TALLY_ERR_INPUT);
    assert_int_equal(tally_ctx_error_count(f.ctx), 1);
    last_error(f.ctx, message, sizeof(message));
    assert_string_equal(message, "more-partners.csv:3: partner \"P1\": duplicate partner id");
    const char *bad_quota = "id,quota\nP4,-5\n";
    assert_int_equal(tally_csv_read_buffer(f.session, TALLY_CSV_PARTNERS, bad_quota,
                                           strlen(bad_quota), &options, &stats),
                     TALLY_ERR_INPUT);
    last_error(f.ctx, message, sizeof(message));
    assert_string_equal(message,
                        "more-partners.csv:2: partner \"P4\": quota is not a positive decimal "
                        "number");
    const char *word_quota = "id,quota\nP4,lots\n";
    assert_int_equal(tally_csv_read_buffer(f.session, TALLY_CSV_PARTNERS, word_quota,
                                           strlen(word_quota), &options, &stats),
                     TALLY_ERR_INPUT);
    last_error(f.ctx, message, sizeof(message));
    assert_string_equal(message, "more-partners.csv:2:2: quota: \"lots\" is not a decimal "
                                 "number (expected digits with an optional sign and one '.')");

    options.source_name = "tx.csv";
    const char *tx = "id,date,partner,amount,currency\n"
                     "T1,2026-01-05,P1,10,\n"
                     "T2,2026-01-05,P9,10,\n";
    assert_int_equal(tally_csv_read_buffer(f.session, TALLY_CSV_TRANSACTIONS, tx, strlen(tx),
                                           &options, &stats),
                     TALLY_ERR_INPUT);
    last_error(f.ctx, message, sizeof(message));
    assert_string_equal(message,
                        "tx.csv:3: transaction \"T2\": partner \"P9\" is not in the partner table");
    assert_int_equal(tally_error_code(tally_ctx_last_error(f.ctx)), TALLY_ERR_INPUT);
    assert_int_equal(tally_error_line(tally_ctx_last_error(f.ctx)), 3);
    assert_int_equal(tally_error_column(tally_ctx_last_error(f.ctx)), 0);
    assert_null(tally_error_path(tally_ctx_last_error(f.ctx)));
    assert_int_equal(stats.accepted, 1);

    const char *currency = "id,date,partner,amount,currency\nT3,2026-01-05,P1,10,XYZ\n";
    assert_int_equal(tally_csv_read_buffer(f.session, TALLY_CSV_TRANSACTIONS, currency,
                                           strlen(currency), &options, &stats),
                     TALLY_ERR_INPUT);
    last_error(f.ctx, message, sizeof(message));
    assert_string_equal(message, "tx.csv:2: transaction \"T3\": unknown currency \"XYZ\"");

    /* Settlements go to the session too. */
    options.source_name = "settled.csv";
    const char *settled = "payee,component,period,amount,currency\n"
                          "P1,r,2026-01,0.05,USD\n"
                          "P1,nope,2026-01,1,\n";
    assert_int_equal(tally_csv_read_buffer(f.session, TALLY_CSV_SETTLEMENTS, settled,
                                           strlen(settled), &options, &stats),
                     TALLY_ERR_INPUT);
    last_error(f.ctx, message, sizeof(message));
    assert_string_equal(message, "settled.csv:3: settlement of \"nope\" for \"P1\" in "
                                 "\"2026-01\": the plan has no component with this id");
    assert_int_equal(stats.accepted, 1);

    /* After finishing, the session refuses rows: that stops even with a callback. */
    tally_result *result = NULL;
    assert_int_equal(tally_session_finish(f.session, &result), TALLY_OK);
    tally_result_free(result);
    collector c = {.stop_at = 0};
    options.on_reject = collect;
    options.user_data = &c;
    const char *late = "id,date,partner,amount\nT9,2026-01-05,P1,1\n";
    assert_int_equal(tally_csv_read_buffer(f.session, TALLY_CSV_TRANSACTIONS, late, strlen(late),
                                           &options, &stats),
                     TALLY_ERR_STATE);
    last_error(f.ctx, message, sizeof(message));
    assert_string_equal(message,
                        "settled.csv:2: the session is finished; start a new one for more input");
    assert_int_equal(c.calls, 0);
    assert_int_equal(stats.rows, 1);
    assert_int_equal(stats.accepted, 0);
    assert_int_equal(stats.rejected, 0);
    fixture_close(&f);
}

/* A row handed to the reject callback, which says go on, leaves no error behind:
 * after the reading the context holds only what stopped it, if anything. */
static void
rejected_rows_leave_no_error_behind(void **state)
{
    (void)state;
    for (unsigned threads = 1; threads <= 2; threads++) {
        fixture f;
        fixture_open(&f, 0);
        collector c = {.stop_at = 0};
        tally_csv_options options;
        memset(&options, 0, sizeof(options));
        options.size = sizeof(options);
        options.on_reject = collect;
        options.user_data = &c;
        options.threads = threads;
        tally_csv_stats stats = {sizeof(stats), 0, 0, 0};
        const char *rows = "id,date,partner,amount\nT1,2026-01-05,P1,1\nT2,bad,P1,1\n"
                           "T3,2026-01-05,P1,x\nT4,2026-01-06,P1,2\n";
        assert_int_equal(tally_csv_read_buffer(f.session, TALLY_CSV_TRANSACTIONS, rows,
                                               strlen(rows), &options, &stats),
                         TALLY_OK);
        assert_int_equal(c.calls, 2);
        assert_int_equal(stats.rejected, 2);
        assert_int_equal(tally_ctx_error_count(f.ctx), 0);
        /* The callback stops at the third bad row: that row's error stays, then the
         * stop's, and no earlier row's. */
        c.stop_at = 3;
        const char *more = "id,date,partner,amount\nT5,bad,P1,1\n";
        assert_int_equal(tally_csv_read_buffer(f.session, TALLY_CSV_TRANSACTIONS, more,
                                               strlen(more), &options, &stats),
                         TALLY_ERR_CALLBACK);
        assert_int_equal(tally_ctx_error_count(f.ctx), 2);
        assert_int_equal(tally_error_code(tally_ctx_error(f.ctx, 0)), TALLY_ERR_INPUT);
        assert_non_null(strstr(tally_error_message(tally_ctx_error(f.ctx, 0)), "\"bad\""));
        assert_int_equal(tally_error_code(tally_ctx_last_error(f.ctx)), TALLY_ERR_CALLBACK);
        fixture_close(&f);
    }
}

static void
session_flags_do_not_change_reading(void **state)
{
    (void)state;
    outcome plain, trusting;
    const char *text = "id,date,partner,amount\nT1,2026-01-05,P1,1\nT2,2026-01-05,P2,2\n";
    read_one_way(0, TALLY_CSV_TRANSACTIONS, text, strlen(text), NULL, NULL, 0, &plain);
    read_one_way(0, TALLY_CSV_TRANSACTIONS, text, strlen(text), NULL, NULL,
                 TALLY_SESSION_TRUST_IDS | TALLY_SESSION_NO_SOURCE_IDS, &trusting);
    assert_int_equal(plain.status, TALLY_OK);
    assert_int_equal(trusting.status, TALLY_OK);
    assert_string_equal(plain.digest, trusting.digest);
}

/* ---- files and arguments ---- */

static void
files_and_their_errors(void **state)
{
    (void)state;
    fixture f;
    fixture_open(&f, 0);
    char message[1024];
    tally_csv_stats stats = {sizeof(stats), 0, 0, 0};
    assert_int_equal(tally_csv_read_file(f.session, TALLY_CSV_TRANSACTIONS,
                                         "/nonexistent/tx.csv", NULL, &stats),
                     TALLY_ERR_IO);
    last_error(f.ctx, message, sizeof(message));
    assert_string_equal(message,
                        "/nonexistent/tx.csv: cannot open the file: No such file or directory");
    tally_csv_options options = {sizeof(options), "named.csv", NULL, NULL, NULL, NULL, NULL, 0};
    assert_int_equal(
        tally_csv_read_file(f.session, TALLY_CSV_TRANSACTIONS, "/nonexistent", &options, NULL),
        TALLY_ERR_IO);
    last_error(f.ctx, message, sizeof(message));
    assert_string_equal(message, "named.csv: cannot open the file: No such file or directory");
    assert_int_equal(tally_csv_read_file(f.session, TALLY_CSV_TRANSACTIONS, "/", NULL, NULL),
                     TALLY_ERR_IO);
    last_error(f.ctx, message, sizeof(message));
    assert_string_equal(message, "/: cannot read the file: Is a directory");

    /* Without a source name, errors name the path. */
    char path[] = "/tmp/tally-test-csv-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "id,date,partner,amount\nT1,2026-01-05,P1,x\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    assert_int_equal(tally_csv_read_file(f.session, TALLY_CSV_TRANSACTIONS, path, NULL, &stats),
                     TALLY_ERR_INPUT);
    assert_string_equal(tally_error_source(tally_ctx_last_error(f.ctx)), path);
    assert_int_equal(tally_error_line(tally_ctx_last_error(f.ctx)), 2);
    assert_int_equal(tally_error_column(tally_ctx_last_error(f.ctx)), 4);
    assert_string_equal(tally_error_path(tally_ctx_last_error(f.ctx)), "amount");

    /* "-" reads standard input. */
    FILE *input = freopen(path, "rb", stdin);
    assert_non_null(input);
    assert_int_equal(tally_csv_read_file(f.session, TALLY_CSV_TRANSACTIONS, "-", NULL, &stats),
                     TALLY_ERR_INPUT);
    last_error(f.ctx, message, sizeof(message));
    assert_string_equal(message, "<stdin>:2:4: amount: \"x\" is not a decimal number "
                                 "(expected digits with an optional sign and one '.')");
    unlink(path);
    fixture_close(&f);
}

static void
bad_arguments(void **state)
{
    (void)state;
    fixture f;
    fixture_open(&f, 0);
    const char *text = "id\nP1\n";
    assert_int_equal(tally_csv_read_buffer(NULL, TALLY_CSV_PARTNERS, text, 5, NULL, NULL),
                     TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_csv_read_file(NULL, TALLY_CSV_PARTNERS, "x", NULL, NULL),
                     TALLY_ERR_INVALID_ARGUMENT);
    assert_null(tally_session_context(NULL));
    assert_int_equal(tally_csv_read_file(f.session, TALLY_CSV_PARTNERS, NULL, NULL, NULL),
                     TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_ctx_error_count(f.ctx), 1);
    assert_int_equal(tally_csv_read_buffer(f.session, TALLY_CSV_PARTNERS, NULL, 5, NULL, NULL),
                     TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_csv_read_buffer(f.session, TALLY_CSV_PARTNERS, NULL, 0, NULL, NULL),
                     TALLY_ERR_INPUT); /* empty */
    assert_int_equal(tally_csv_read_buffer(f.session, (tally_csv_kind)7, text, 5, NULL, NULL),
                     TALLY_ERR_INVALID_ARGUMENT);
    char message[1024];
    last_error(f.ctx, message, sizeof(message));
    assert_string_equal(message, "unknown kind of CSV file 7");

    tally_csv_options options = {0, NULL, NULL, NULL, NULL, NULL, NULL, 0};
    assert_int_equal(tally_csv_read_buffer(f.session, TALLY_CSV_PARTNERS, text, 5, &options, NULL),
                     TALLY_ERR_INVALID_ARGUMENT);
    /* A newer caller's larger struct: accepted when the unknown tail is zero. */
    struct {
        tally_csv_options known;
        void *future;
    } newer;
    memset(&newer, 0, sizeof(newer));
    newer.known.size = sizeof(newer);
    assert_int_equal(
        tally_csv_read_buffer(f.session, TALLY_CSV_PARTNERS, text, 5, &newer.known, NULL),
        TALLY_OK);
    newer.future = &newer;
    assert_int_equal(
        tally_csv_read_buffer(f.session, TALLY_CSV_PARTNERS, text, 5, &newer.known, NULL),
        TALLY_ERR_INVALID_ARGUMENT);
    /* An older caller's smaller struct: the missing fields take their defaults. */
    tally_csv_options older = {offsetof(tally_csv_options, on_reject), "old.csv", NULL,
                               collect, NULL, NULL, NULL, 0};
    const char *bad = "id,join_date\nP7,x\n";
    assert_int_equal(tally_csv_read_buffer(f.session, TALLY_CSV_PARTNERS, bad, strlen(bad),
                                           &older, NULL),
                     TALLY_ERR_INPUT); /* no callback: stops */
    last_error(f.ctx, message, sizeof(message));
    assert_string_equal(message,
                        "old.csv:2:2: join_date: \"x\" is not a date (expected YYYY-MM-DD)");

    tally_csv_stats stats = {0, 0, 0, 0};
    assert_int_equal(tally_csv_read_buffer(f.session, TALLY_CSV_PARTNERS, text, 5, NULL, &stats),
                     TALLY_ERR_INVALID_ARGUMENT);
    /* Smaller stats: only the fields that fit are written. */
    tally_csv_stats small = {offsetof(tally_csv_stats, accepted), 0, 99, 99};
    const char *two = "id\nP8\nP9\n";
    assert_int_equal(tally_csv_read_buffer(f.session, TALLY_CSV_PARTNERS, two, strlen(two), NULL,
                                           &small),
                     TALLY_OK);
    assert_int_equal(small.size, offsetof(tally_csv_stats, accepted));
    assert_int_equal(small.rows, 2);
    assert_int_equal(small.accepted, 99);
    assert_int_equal(small.rejected, 99);
    fixture_close(&f);
}

/* Claims, baselines, exchange rates and claim dates reach the session like the
 * API would give them. */
static void
claims_baselines_and_rates(void **state)
{
    (void)state;
    static const char plan[] =
        "<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" id=\"more\" currency=\"USD\">"
        "<version id=\"v\" effective-from=\"2025-01-01\">"
        "<mdf id=\"fund\" period=\"quarter\" accrual-rate=\"0.1\" expiry-months=\"6\"/>"
        "<growth-rebate id=\"g\" period=\"quarter\" baseline=\"same-period-last-year\">"
        "<rate>0.1</rate></growth-rebate>"
        "<spiff id=\"s\" period=\"quarter\" window-from=\"2026-01-01\" window-to=\"2026-12-31\">"
        "<product id=\"X\" amount=\"10\"/><claim-deadline days-after-sale=\"10\" "
        "late-reduction-percent=\"50\"/></spiff>"
        "</version></plan>";
    tally_ctx *ctx;
    tally_plan *p;
    tally_session *session;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    assert_int_equal(tally_plan_load_buffer(ctx, &p, plan, strlen(plan), "plan.xml", NULL),
                     TALLY_OK);
    assert_int_equal(tally_session_new(ctx, &session, p, NULL), TALLY_OK);
    const char *rates = "date,from,to,rate\n2026-01-01,EUR,USD,2\n";
    const char *baselines = "payee,component,period,amount\nP1,g,2025-Q1,500\n";
    const char *transactions =
        "id,date,partner,product,quantity,amount,currency,claim_date\n"
        "t1,2026-02-01,P1,X,1,500,EUR,2026-02-20\n";
    const char *claims = "id,partner,date,amount,activity\nC1,P1,2026-04-10,30,webinar\n"
                         "C2,P1,2026-04-31,30,\n";
    tally_csv_stats stats = {sizeof(stats), 0, 0, 0};
    assert_int_equal(tally_csv_read_buffer(session, TALLY_CSV_RATES, rates, strlen(rates), NULL,
                                           NULL),
                     TALLY_OK);
    assert_int_equal(tally_csv_read_buffer(session, TALLY_CSV_BASELINES, baselines,
                                           strlen(baselines), NULL, NULL),
                     TALLY_OK);
    assert_int_equal(tally_csv_read_buffer(session, TALLY_CSV_TRANSACTIONS, transactions,
                                           strlen(transactions), NULL, NULL),
                     TALLY_OK);
    tally_csv_options options = {sizeof(options), "claims.csv", NULL, NULL, NULL, NULL,
                                 NULL, 0};
    assert_int_equal(tally_csv_read_buffer(session, TALLY_CSV_CLAIMS, claims, strlen(claims),
                                           &options, &stats),
                     TALLY_ERR_INPUT);
    char message[1024];
    last_error(ctx, message, sizeof(message));
    assert_string_equal(message, "claims.csv:3:3: date: \"2026-04-31\" is not a date (expected "
                                 "YYYY-MM-DD)");
    assert_int_equal(stats.accepted, 1);
    tally_result *result;
    assert_int_equal(tally_session_finish(session, &result), TALLY_OK);
    /* 500 EUR = 1,000 USD: growth over 500 pays 50; MDF accrues 100, C1 asks 30;
     * the SPIFF claim came 9 days late (first started month): 10 × 50 %. */
    const char *expected[] = {"fund 2026-Q1 P1 mdf-accrued 100.00",
                              "fund 2026-Q1 P1 mdf-balance 100.00",
                              "fund 2026-Q2 P1 mdf-claimed 30.00",
                              "fund 2026-Q2 P1 mdf-reimbursed 30.00",
                              "fund 2026-Q2 P1 mdf-balance 70.00",
                              "g 2026-Q1 P1 earned 50.00", "s 2026-Q1 P1 earned 5.00"};
    assert_int_equal(tally_result_line_count(result), sizeof(expected) / sizeof(expected[0]));
    for (size_t i = 0; i < tally_result_line_count(result); i++) {
        const tally_line *line = tally_result_line_at(result, i);
        tally_decimal amount;
        char text[64], got[256];
        tally_line_amount(line, &amount);
        tally_decimal_format(text, sizeof(text), &amount);
        snprintf(got, sizeof(got), "%s %s %s %s %s", tally_line_component(line),
                 tally_line_period(line), tally_line_payee(line),
                 tally_line_kind_name(tally_line_get_kind(line)), text);
        assert_string_equal(got, expected[i]);
    }
    tally_result_free(result);
    tally_session_free(session);
    tally_plan_unref(p);
    tally_ctx_free(ctx);
}

static void
kind_names(void **state)
{
    (void)state;
    assert_string_equal(tally_csv_kind_name(TALLY_CSV_TRANSACTIONS), "transactions");
    assert_string_equal(tally_csv_kind_name(TALLY_CSV_PARTNERS), "partners");
    assert_string_equal(tally_csv_kind_name(TALLY_CSV_SETTLEMENTS), "settlements");
    assert_string_equal(tally_csv_kind_name(TALLY_CSV_CLAIMS), "claims");
    assert_string_equal(tally_csv_kind_name(TALLY_CSV_BASELINES), "baselines");
    assert_string_equal(tally_csv_kind_name(TALLY_CSV_RATES), "rates");
    assert_null(tally_csv_kind_name((tally_csv_kind)6));
    assert_null(tally_csv_kind_name((tally_csv_kind)-1));
}

/* ---- out of memory ---- */

typedef struct oom_case {
    long way;
    int with_callback;
    unsigned threads;
} oom_case;

static int
ignore_row(const tally_error *error, const char *raw, size_t raw_size, void *user_data)
{
    (void)error;
    (void)raw;
    (void)raw_size;
    ++*(int *)user_data;
    return 0;
}

static int
read_under_allocator(const tally_allocator *allocator, void *user_data)
{
    const oom_case *c = user_data;
    tally_ctx *ctx = NULL;
    tally_plan *plan = NULL;
    tally_session *session = NULL;
    int status = tally_ctx_new(&ctx, allocator);
    if (status != TALLY_OK)
        return status;
    status = tally_plan_load_buffer(ctx, &plan, plan_xml, strlen(plan_xml), "plan.xml", NULL);
    if (status == TALLY_OK)
        status = tally_session_new(ctx, &session, plan, NULL);
    const char *partners = "id,type,tier\nP1,reseller,gold\nP2,,\n";
    const char *tx = "id,date,partner,product,amount,quantity\n"
                     "T1,2026-01-05,P1,\"a,b\",10.5,2\n"
                     "T2,2026-02-05,P2,,-1,\n"
                     "T3,2026-02-06,P9,,1,\n"   /* unknown partner */
                     "T4,2026-02-06,P1,,x,\n"   /* bad amount */
                     "T5,2026-03-01,P1,\"long enough to grow the scratch buffer: "
                     "0123456789012345678901234567890123456789012345678901234567890123456789"
                     "0123456789012345678901234567890123456789012345678901234567890123456789"
                     "0123456789012345678901234567890123456789012345678901234567890123456789"
                     "0123456789012345678901234567890123456789012345678901234567890123456789\","
                     "3,1\n";
    int rejected = 0;
    tally_csv_options options = {sizeof(options), "tx.csv", NULL,
                                 c->with_callback ? ignore_row : NULL, &rejected, NULL, NULL,
                                 c->threads};
    tally_csv_stats stats = {sizeof(stats), 0, 0, 0};
    if (status == TALLY_OK) {
        tally_csv__limits limits = {(size_t)(c->way > 0 ? c->way : 16), TALLY_CSV_MAX_RECORD_SIZE};
        status = c->way > 0 ? tally_csv__read_chunked(session, TALLY_CSV_PARTNERS, partners,
                                                      strlen(partners), &limits, NULL, NULL)
                            : tally_csv_read_buffer(session, TALLY_CSV_PARTNERS, partners,
                                                    strlen(partners), NULL, NULL);
    }
    if (status == TALLY_OK) {
        tally_csv__limits limits = {(size_t)(c->way > 0 ? c->way : 16), TALLY_CSV_MAX_RECORD_SIZE};
        const char *text = c->with_callback ? tx : partners; /* stop mode: all good */
        tally_csv_kind kind = c->with_callback ? TALLY_CSV_TRANSACTIONS : TALLY_CSV_PARTNERS;
        if (!c->with_callback) {
            text = "id,date,partner,product,amount\nT1,2026-01-05,P1,\"a,b\",10.5\n"
                   "T2,2026-02-05,P2,\"\"\"\",-1\n";
            kind = TALLY_CSV_TRANSACTIONS;
        }
        status = c->way > 0 ? tally_csv__read_chunked(session, kind, text, strlen(text), &limits,
                                                      &options, &stats)
                            : tally_csv_read_buffer(session, kind, text, strlen(text), &options,
                                                    &stats);
        if (status == TALLY_OK && c->with_callback) {
            assert_int_equal(stats.accepted, 3);
            assert_int_equal(stats.rejected, 2);
            assert_int_equal(rejected, 2);
        }
    }
    tally_session_free(session);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
    return status;
}

static void
out_of_memory_is_clean(void **state)
{
    (void)state;
    static const oom_case cases[] = {{0, 0, 1}, {0, 1, 1}, {3, 0, 1}, {5, 1, 1},
                                     {0, 0, 2}, {0, 1, 2}, {3, 0, 2}, {5, 1, 2}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        oom_case c = cases[i];
        assert_true(test_alloc_loop(read_under_allocator, &c) > 1);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_rows_with_the_default_header),
        cmocka_unit_test(rows_pay_as_when_fed_through_the_api),
        cmocka_unit_test(quoted_fields_hold_commas_quotes_and_line_ends),
        cmocka_unit_test(errors_name_the_line_the_record_starts_on),
        cmocka_unit_test(line_ends_bom_and_empty_lines),
        cmocka_unit_test(header_order_extra_columns_and_spaces),
        cmocka_unit_test(quantity_defaults_to_zero),
        cmocka_unit_test(reused_rows_keep_their_empty_members),
        cmocka_unit_test(converted_rows_reuse_their_struct),
        cmocka_unit_test(booleans_are_strict),
        cmocka_unit_test(missing_required_column),
        cmocka_unit_test(duplicate_header),
        cmocka_unit_test(empty_input_has_no_header),
        cmocka_unit_test(header_syntax_errors_stop),
        cmocka_unit_test(bad_decimal),
        cmocka_unit_test(bad_date),
        cmocka_unit_test(empty_required_field),
        cmocka_unit_test(field_count_must_match_the_header),
        cmocka_unit_test(invalid_utf8),
        cmocka_unit_test(nul_bytes),
        cmocka_unit_test(stray_quotes_and_carriage_returns),
        cmocka_unit_test(unterminated_quote_at_the_end),
        cmocka_unit_test(record_over_the_limit),
        cmocka_unit_test(last_record_over_the_limit_without_a_line_end),
        cmocka_unit_test(every_chunk_size_reads_the_same),
        cmocka_unit_test(quoted_field_longer_than_a_chunk),
        cmocka_unit_test(stop_mask_flags_the_bytes_that_may_stop_text),
        cmocka_unit_test(tokeniser_cuts_random_records),
        cmocka_unit_test(plain_decimal_agrees_with_the_full_parser),
        cmocka_unit_test(column_map_renames_headers),
        cmocka_unit_test(column_map_errors),
        cmocka_unit_test(reject_callback_collects_every_bad_row),
        cmocka_unit_test(reject_callback_can_stop),
        cmocka_unit_test(progress_callback_counts_bytes),
        cmocka_unit_test(first_bad_row_stops),
        cmocka_unit_test(session_errors_are_located),
        cmocka_unit_test(session_flags_do_not_change_reading),
        cmocka_unit_test(rejected_rows_leave_no_error_behind),
        cmocka_unit_test(files_and_their_errors),
        cmocka_unit_test(bad_arguments),
        cmocka_unit_test(claims_baselines_and_rates),
        cmocka_unit_test(kind_names),
        cmocka_unit_test(out_of_memory_is_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
