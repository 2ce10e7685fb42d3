/*
 * The CSV reader's second thread (tally_csv_options.threads = 2): on inputs of
 * several 1 MiB chunks, with bad rows of every kind spread over them and on the
 * chunk boundaries, records that cross a boundary and a record over the limit,
 * the reading with the thread must give what the reading without it gives: the
 * status, the errors, the rows handed to the reject callback (in order, as in
 * the file), the progress calls, the counts and the result's digests. Also:
 * callbacks that stop the reading mid-file, memory that does not grow with the
 * input, and the out-of-memory loop with the thread.
 */
#define _POSIX_C_SOURCE 200809L /* mkstemp */

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
#include "support/test_alloc.h"
#include "support/test_lines.h"

static const char plan_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" id=\"csv\" currency=\"USD\">\n"
    "  <version id=\"2026\" effective-from=\"2026-01-01\">\n"
    "    <rebate id=\"r\" period=\"month\"><rate>0.01</rate></rebate>\n"
    "  </version>\n"
    "</plan>\n";

#define MIB (1024u * 1024u)

/* ---- text that grows ---- */

typedef struct text {
    char *data;
    size_t size;
    size_t capacity;
} text;

static void __attribute__((format(printf, 2, 3)))
append(text *t, const char *format, ...)
{
    for (;;) {
        va_list args;
        va_start(args, format);
        size_t room = t->capacity - t->size;
        int n = vsnprintf(t->data ? t->data + t->size : NULL, room, format, args);
        va_end(args);
        assert_true(n >= 0);
        if ((size_t)n < room) {
            t->size += (size_t)n;
            return;
        }
        t->capacity = t->capacity ? t->capacity * 2 : 4096;
        while (t->capacity - t->size <= (size_t)n)
            t->capacity *= 2;
        t->data = realloc(t->data, t->capacity);
        assert_non_null(t->data);
    }
}

static void
append_bytes(text *t, const char *bytes, size_t count)
{
    if (t->capacity - t->size <= count) {
        while (t->capacity - t->size <= count)
            t->capacity = t->capacity ? t->capacity * 2 : 4096;
        t->data = realloc(t->data, t->capacity);
        assert_non_null(t->data);
    }
    memcpy(t->data + t->size, bytes, count);
    t->size += count;
    t->data[t->size] = '\0';
}

/* ---- the inputs ---- */

static uint64_t
next_random(uint64_t *state)
{
    *state = *state * 6364136223846793005u + 1442695040888963407u;
    return *state >> 33;
}

/* Rows that go wrong in the reader or in the session, one of each kind in turn. */
static void
bad_row(text *t, unsigned long n, unsigned kind)
{
    switch (kind % 10) {
    case 0:
        append(t, "B%lu,2026-02-03,P1,,\"12,5\"\n", n);               /* not a decimal */
        break;
    case 1:
        append(t, "B%lu,2026-02-30,P1,,1\n", n);                      /* not a date */
        break;
    case 2:
        append(t, "B%lu,2026-02-03,,,1\n", n);                        /* empty partner */
        break;
    case 3:
        append(t, "B%lu,2026-02-03,P1,1\n", n);                       /* a field short */
        break;
    case 4:
        append(t, "B%lu,2026-02-03,P1,bad\xff-byte,1\n", n);          /* not UTF-8 */
        break;
    case 5:
        append(t, "B%lu,2026-02-03,P1,a\"b,1\n", n);                  /* stray quote */
        break;
    case 6:
        append(t, "T1,2026-02-03,P1,,1\n");                           /* duplicate id */
        break;
    case 7:
        append(t, "B%lu,2025-12-31,P1,,1\n", n);                      /* before the plan */
        break;
    case 8:
        append(t, "B%lu,2026-02-03,P1,\"multi\nline, \"\"quoted\"\"\",x1\n", n);
        break;
    default:
        append_bytes(t, "B0,2026-02-03,P1,nul\0byte,1\n", 27);         /* a NUL byte */
        break;
    }
}

/*
 * About `size` bytes of transactions: good rows of random length, quoted fields
 * with commas, quotes and line ends, a bad row every ~`every` rows and one just
 * before every 1 MiB boundary, so that it crosses it (`every` 0: no bad rows at
 * all), and (when `long_field`) a quoted field of 300,000 bytes across the
 * second boundary.
 */
static void
make_input(text *t, size_t size, unsigned every, int long_field, uint64_t seed)
{
    uint64_t state = seed;
    unsigned bad = 0;
    t->size = 0;
    append(t, "\xef\xbb\xbfid,date,partner,product,amount\r\n");
    size_t next_boundary = MIB;
    int long_done = !long_field;
    for (unsigned long n = 1; t->size < size; n++) {
        uint64_t r = next_random(&state);
        int near_boundary = every && t->size < next_boundary && t->size + 60 > next_boundary;
        if (t->size >= next_boundary || near_boundary)
            next_boundary += MIB;
        if (!long_done && t->size + 1000 > 2 * MIB) {
            append(t, "L%lu,2026-03-04,P2,\"", n);
            for (int i = 0; i < 30000; i++)
                append(t, "%s", i % 7 ? "0123456,89" : "\"\"quote\"\"");
            append(t, "\",7.25\n");
            long_done = 1;
        } else if (near_boundary || (every && r % every == 0)) {
            bad_row(t, n, bad++);
        } else if (r % 13 == 0) {
            append(t, "T%lu,2026-%02u-%02u,P%u,\"a, \"\"b\"\"\nc\",%u.%02u\r\n", n,
                   (unsigned)(r % 12) + 1, (unsigned)(r % 28) + 1, (unsigned)(r % 50),
                   (unsigned)(r % 100000), (unsigned)(r % 100));
        } else {
            append(t, "T%lu,2026-%02u-%02u,P%u,SKU-%.*s,%u.%02u\n", n, (unsigned)(r % 12) + 1,
                   (unsigned)(r % 28) + 1, (unsigned)(r % 50), (int)(r % 40),
                   "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz", (unsigned)(r % 9000),
                   (unsigned)(r % 100));
        }
    }
}

static char *
write_temp(const text *t)
{
    static char path[64];
    snprintf(path, sizeof(path), "/tmp/tally-test-csv-threads-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *file = fdopen(fd, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(t->data, 1, t->size, file), t->size);
    assert_int_equal(fclose(file), 0);
    return path;
}

/* ---- reading, and everything the reading shows ---- */

typedef struct watch {
    text log;                /* each reject and each progress call, in order */
    int rejects;
    int progresses;
    int stop_reject_at;      /* stop on this reject (1-based); 0 never */
    int stop_progress_at;
} watch;

static int
on_reject(const tally_error *error, const char *raw, size_t raw_size, void *user_data)
{
    watch *w = user_data;
    char message[1024];
    assert_int_equal(tally_error_format(message, sizeof(message), error), TALLY_OK);
    append(&w->log, "reject %s [", message);
    append_bytes(&w->log, raw, raw_size);
    append(&w->log, "]\n");
    w->rejects++;
    return w->stop_reject_at && w->rejects == w->stop_reject_at;
}

static int
on_progress(uint64_t bytes, void *user_data)
{
    watch *w = user_data;
    append(&w->log, "progress %llu\n", (unsigned long long)bytes);
    w->progresses++;
    return w->stop_progress_at && w->progresses == w->stop_progress_at;
}

typedef struct outcome {
    int status;
    tally_csv_stats stats;
    text errors;             /* every error recorded, formatted */
    text log;
    text lines;              /* "payee component period kind amount" per result line */
    char digest[TALLY_RESULT_DIGEST_HEX_SIZE];
    char input_digest[TALLY_RESULT_DIGEST_HEX_SIZE];
} outcome;

static void
outcome_free(outcome *o)
{
    free(o->errors.data);
    free(o->log.data);
    free(o->lines.data);
    memset(o, 0, sizeof(*o));
}

typedef struct reading {
    const char *path;        /* a file, or NULL for `data` in chunks */
    const text *data;
    size_t chunk;
    size_t max_record;
    int with_reject;
    int with_progress;
    int stop_reject_at;
    int stop_progress_at;
    unsigned session_flags;
} reading;

static void
describe_lines(const tally_result *result, text *out)
{
    append(out, "%s", "");
    for (size_t i = 0; i < tally_result_line_count(result); i++) {
        char line[256];
        test_line_text(tally_result_line_at(result, i), line, sizeof(line));
        append(out, "%s\n", line);
    }
}

static void
read_input(const reading *how, unsigned threads, outcome *out)
{
    tally_ctx *ctx = NULL;
    tally_plan *plan = NULL;
    tally_session *session = NULL;
    memset(out, 0, sizeof(*out));
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    assert_int_equal(
        tally_plan_load_buffer(ctx, &plan, plan_xml, strlen(plan_xml), "plan.xml", NULL),
        TALLY_OK);
    tally_session_options session_options;
    memset(&session_options, 0, sizeof(session_options));
    session_options.size = sizeof(session_options);
    session_options.flags = how->session_flags;
    assert_int_equal(tally_session_new(ctx, &session, plan, &session_options), TALLY_OK);

    watch w;
    memset(&w, 0, sizeof(w));
    w.stop_reject_at = how->stop_reject_at;
    w.stop_progress_at = how->stop_progress_at;
    tally_csv_options options;
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.source_name = "big.csv";
    options.on_reject = how->with_reject ? on_reject : NULL;
    options.user_data = &w;
    options.on_progress = how->with_progress ? on_progress : NULL;
    options.progress_user_data = &w;
    options.threads = threads;
    out->stats.size = sizeof(out->stats);
    if (how->path) {
        out->status = tally_csv_read_file(session, TALLY_CSV_TRANSACTIONS, how->path, &options,
                                          &out->stats);
    } else {
        tally_csv__limits limits = {how->chunk, how->max_record};
        out->status = tally_csv__read_chunked(session, TALLY_CSV_TRANSACTIONS, how->data->data,
                                              how->data->size, &limits, &options, &out->stats);
    }
    append(&out->errors, "%s", "");
    for (size_t i = 0; i < tally_ctx_error_count(ctx); i++) {
        char message[1024];
        const tally_error *error = tally_ctx_error(ctx, i);
        assert_int_equal(tally_error_format(message, sizeof(message), error), TALLY_OK);
        append(&out->errors, "%d %s\n", tally_error_code(error), message);
    }
    out->log = w.log;
    append(&out->log, "%s", "");

    tally_result *result = NULL;
    assert_int_equal(tally_session_finish(session, &result), TALLY_OK);
    describe_lines(result, &out->lines);
    /* Without the input digest there is no digest to compare: both are refused. */
    int digests = how->session_flags & TALLY_SESSION_NO_INPUT_DIGEST ? TALLY_ERR_STATE : TALLY_OK;
    assert_int_equal(tally_result_digest_hex(out->digest, sizeof(out->digest), result), digests);
    assert_int_equal(
        tally_result_input_digest_hex(out->input_digest, sizeof(out->input_digest), result),
        digests);
    tally_result_free(result);
    tally_session_free(session);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
}

/* Reads the same input with and without the thread: everything must be equal. */
static void
same_both_ways(const reading *how, outcome *one)
{
    outcome two;
    read_input(how, 1, one);
    read_input(how, 2, &two);
    assert_int_equal(two.status, one->status);
    assert_int_equal(two.stats.rows, one->stats.rows);
    assert_int_equal(two.stats.accepted, one->stats.accepted);
    assert_int_equal(two.stats.rejected, one->stats.rejected);
    assert_string_equal(two.errors.data, one->errors.data);
    assert_int_equal(two.log.size, one->log.size);
    assert_memory_equal(two.log.data, one->log.data, one->log.size);
    assert_string_equal(two.lines.data, one->lines.data);
    assert_string_equal(two.digest, one->digest);
    assert_string_equal(two.input_digest, one->input_digest);
    outcome_free(&two);
}

static size_t
count_lines_starting(const text *t, const char *prefix)
{
    size_t count = 0, length = strlen(prefix);
    for (const char *p = t->data; p && p < t->data + t->size;) {
        if (strncmp(p, prefix, length) == 0)
            count++;
        const char *end = memchr(p, '\n', (size_t)(t->data + t->size - p));
        p = end ? end + 1 : t->data + t->size;
    }
    return count;
}

/* ---- the tests ---- */

static text big;             /* about 5.5 MiB, made once */
static char *big_path;

static int
make_big(void **state)
{
    (void)state;
    make_input(&big, 5 * MIB + MIB / 2, 499, 1, 1);
    big_path = strdup(write_temp(&big));
    return 0;
}

static int
remove_big(void **state)
{
    (void)state;
    unlink(big_path);
    free(big_path);
    free(big.data);
    return 0;
}

static void
every_bad_row_is_rejected_alike(void **state)
{
    (void)state;
    reading how = {.path = big_path, .with_reject = 1, .with_progress = 1};
    outcome one;
    same_both_ways(&how, &one);
    assert_int_equal(one.status, TALLY_OK);
    assert_true(one.stats.rows > 50000);
    assert_true(one.stats.rejected > 100);
    assert_int_equal(one.stats.accepted + one.stats.rejected, one.stats.rows);
    /* A progress call per read (1 MiB at most), then one at the end. */
    assert_true(count_lines_starting(&one.log, "progress ") >= big.size / MIB + 2);
    assert_int_equal(count_lines_starting(&one.log, "reject "), one.stats.rejected);
    /* Every kind of bad row, located, with its raw text. */
    assert_non_null(strstr(one.log.data, ": amount: \"12,5\" is not a decimal number"));
    assert_non_null(strstr(one.log.data, ": transaction \"T1\": duplicate transaction id [T1,"));
    assert_non_null(strstr(one.log.data, "invalid UTF-8: byte 0xff"));
    assert_non_null(strstr(one.log.data, "[B0,2026-02-03,P1,nul"));
    assert_non_null(strstr(one.log.data, "\"multi\nline, \"\"quoted\"\"\",x1]"));
    outcome_free(&one);
}

/* Without the input digest the reading thread hashes no row: the lines, counts,
 * errors and rejected rows are still those of a reading that does. */
static void
without_the_input_digest_the_rest_is_alike(void **state)
{
    (void)state;
    reading how = {.path = big_path, .with_reject = 1, .with_progress = 1,
                   .session_flags = TALLY_SESSION_NO_INPUT_DIGEST};
    outcome without, with;
    same_both_ways(&how, &without);
    how.session_flags = 0;
    read_input(&how, 2, &with);
    assert_int_equal(without.status, TALLY_OK);
    assert_true(without.stats.accepted > 50000);
    assert_int_equal(without.stats.accepted, with.stats.accepted);
    assert_int_equal(without.stats.rejected, with.stats.rejected);
    assert_string_equal(without.errors.data, with.errors.data);
    assert_string_equal(without.log.data, with.log.data);
    assert_true(with.lines.size > 100);
    assert_string_equal(without.lines.data, with.lines.data);
    assert_int_equal(strlen(with.digest), 64);
    outcome_free(&without);
    outcome_free(&with);
}

static void
without_a_callback_the_first_bad_row_stops_alike(void **state)
{
    (void)state;
    reading how = {.path = big_path, .with_progress = 1};
    outcome one;
    same_both_ways(&how, &one);
    assert_int_equal(one.status, TALLY_ERR_INPUT);
    assert_int_equal(one.stats.rejected, 1);
    assert_true(one.stats.rows > 1);
    outcome_free(&one);
}

static void
a_reject_callback_that_stops_stops_alike(void **state)
{
    (void)state;
    const int stops[] = {1, 2, 40, 150};
    for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++) {
        reading how = {.path = big_path, .with_reject = 1, .with_progress = 1,
                       .stop_reject_at = stops[i]};
        outcome one;
        same_both_ways(&how, &one);
        assert_int_equal(one.status, TALLY_ERR_CALLBACK);
        assert_int_equal(one.stats.rejected, (uint64_t)stops[i]);
        assert_int_equal(count_lines_starting(&one.log, "reject "), (size_t)stops[i]);
        assert_non_null(strstr(one.errors.data, "the reject callback stopped the reading"));
        outcome_free(&one);
    }
}

static void
a_progress_callback_that_stops_stops_alike(void **state)
{
    (void)state;
    reading all = {.path = big_path, .with_reject = 1, .with_progress = 1};
    outcome whole;
    read_input(&all, 1, &whole);
    int calls = (int)count_lines_starting(&whole.log, "progress ");
    outcome_free(&whole);
    /* The first read, one in the middle, the last read, the call at the end. */
    const int stops[] = {1, calls / 2, calls - 1, calls};
    for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++) {
        reading how = {.path = big_path, .with_reject = 1, .with_progress = 1,
                       .stop_progress_at = stops[i]};
        outcome one;
        same_both_ways(&how, &one);
        assert_int_equal(one.status, TALLY_ERR_CALLBACK);
        assert_int_equal(count_lines_starting(&one.log, "progress "), (size_t)stops[i]);
        assert_non_null(strstr(one.errors.data, "the progress callback stopped the reading"));
        outcome_free(&one);
    }
}

/* Small chunks and a small record limit: many batches, handed over mid-chunk. */
static void
small_chunks_and_a_record_over_the_limit(void **state)
{
    (void)state;
    text t = {0};
    make_input(&t, 300000, 97, 0, 7);
    const size_t chunks[] = {1000, 4096, 65536};
    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        reading how = {.data = &t, .chunk = chunks[i], .max_record = 4096, .with_reject = 1,
                       .with_progress = 1};
        outcome one;
        same_both_ways(&how, &one);
        assert_int_equal(one.status, TALLY_OK);
        assert_true(count_lines_starting(&one.log, "progress ") >= t.size / chunks[i] + 1);
        outcome_free(&one);
    }
    /* A record of 5,000 bytes two thirds of the way in. */
    size_t at = t.size * 2 / 3;
    while (t.data[at - 1] != '\n')
        at++;
    text over = {0};
    append_bytes(&over, t.data, at);
    append(&over, "X1,2026-01-02,P1,\"");
    for (int k = 0; k < 500; k++)
        append(&over, "0123456789");
    append(&over, "\",1\n");
    append_bytes(&over, t.data + at, t.size - at);
    reading how = {.data = &over, .chunk = 4096, .max_record = 4096, .with_reject = 1,
                   .with_progress = 1};
    outcome one;
    same_both_ways(&how, &one);
    assert_int_equal(one.status, TALLY_ERR_LIMIT);
    assert_non_null(strstr(one.errors.data, "the record is longer than the limit of 4096 bytes"));
    assert_true(one.stats.rows > 1000);
    outcome_free(&one);
    free(over.data);
    free(t.data);
}

static void
a_file_twice_rejects_its_copy_alike(void **state)
{
    (void)state;
    text t = {0};
    make_input(&t, 20000, 0, 0, 3);
    /* The same rows twice: every id of the second half is a duplicate. */
    text twice = {0};
    append_bytes(&twice, t.data, t.size);
    const char *first_row = strchr(t.data, '\n') + 1;
    append_bytes(&twice, first_row, (size_t)(t.data + t.size - first_row));
    reading how = {.data = &twice, .chunk = 1024, .max_record = 4096, .with_reject = 1};
    outcome one;
    same_both_ways(&how, &one);
    assert_int_equal(one.status, TALLY_OK);
    assert_int_equal(one.stats.rejected * 2, one.stats.rows);
    assert_true(one.stats.rows > 400);
    outcome_free(&one);
    free(twice.data);
    free(t.data);
}

/* ---- memory ---- */

typedef struct measured {
    size_t live;
    size_t peak;
} measured;

/* Each block starts with its size (16 bytes, to keep the alignment). */
static void *
measured_alloc(size_t size, void *user_data)
{
    measured *m = user_data;
    size_t *block = malloc(size + 16);
    if (!block)
        return NULL;
    block[0] = size;
    m->live += size;
    if (m->live > m->peak)
        m->peak = m->live;
    return (char *)block + 16;
}

static void
measured_free(void *ptr, void *user_data)
{
    measured *m = user_data;
    if (!ptr)
        return;
    size_t *block = (size_t *)(void *)((char *)ptr - 16);
    m->live -= block[0];
    free(block);
}

static void *
measured_realloc(void *ptr, size_t size, void *user_data)
{
    measured *m = user_data;
    if (!ptr)
        return measured_alloc(size, user_data);
    size_t *block = (size_t *)(void *)((char *)ptr - 16);
    size_t old = block[0];
    size_t *grown = realloc(block, size + 16);
    if (!grown)
        return NULL;
    grown[0] = size;
    m->live = m->live - old + size;
    if (m->live > m->peak)
        m->peak = m->live;
    return (char *)grown + 16;
}

/* Peak bytes allocated through the context while reading `path` with the thread. */
static size_t
peak_reading(const char *path)
{
    measured m = {0, 0};
    tally_allocator allocator = {sizeof(allocator), measured_alloc, measured_realloc,
                                 measured_free, &m};
    tally_ctx *ctx = NULL;
    tally_plan *plan = NULL;
    tally_session *session = NULL;
    assert_int_equal(tally_ctx_new(&ctx, &allocator), TALLY_OK);
    assert_int_equal(
        tally_plan_load_buffer(ctx, &plan, plan_xml, strlen(plan_xml), "plan.xml", NULL),
        TALLY_OK);
    tally_session_options session_options;
    memset(&session_options, 0, sizeof(session_options));
    session_options.size = sizeof(session_options);
    /* Shared totals and no id set: the session's memory does not grow with rows. */
    session_options.flags = TALLY_SESSION_TRUST_IDS | TALLY_SESSION_NO_SOURCE_IDS;
    assert_int_equal(tally_session_new(ctx, &session, plan, &session_options), TALLY_OK);
    tally_csv_options options;
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.threads = 2;
    tally_csv_stats stats = {sizeof(stats), 0, 0, 0};
    assert_int_equal(
        tally_csv_read_file(session, TALLY_CSV_TRANSACTIONS, path, &options, &stats),
        TALLY_OK);
    assert_true(stats.accepted > 10000);
    tally_session_free(session);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
    assert_int_equal(m.live, 0);
    return m.peak;
}

static void
memory_does_not_grow_with_the_input(void **state)
{
    (void)state;
    text small = {0}, large = {0};
    make_input(&small, 3 * MIB, 0, 0, 5);
    make_input(&large, 12 * MIB, 0, 0, 5);
    char *small_path = strdup(write_temp(&small));
    char *large_path = strdup(write_temp(&large));
    size_t small_peak = peak_reading(small_path);
    size_t large_peak = peak_reading(large_path);
    unlink(small_path);
    unlink(large_path);
    free(small_path);
    free(large_path);
    free(small.data);
    free(large.data);
    /* Four times the rows, the same memory (the session's month totals aside). */
    assert_true(large_peak < small_peak + 256 * 1024);
    /* Three batches, a 2 MiB input buffer and a 1 MiB scratch: bounded. */
    assert_true(large_peak < 16 * MIB);
}

/* ---- out of memory, with the thread ---- */

static const text *oom_input;

static int
read_under_allocator(const tally_allocator *allocator, void *user_data)
{
    (void)user_data;
    tally_ctx *ctx = NULL;
    tally_plan *plan = NULL;
    tally_session *session = NULL;
    int status = tally_ctx_new(&ctx, allocator);
    if (status != TALLY_OK)
        return status;
    status = tally_plan_load_buffer(ctx, &plan, plan_xml, strlen(plan_xml), "plan.xml", NULL);
    if (status == TALLY_OK)
        status = tally_session_new(ctx, &session, plan, NULL);
    watch w;
    memset(&w, 0, sizeof(w));
    tally_csv_options options;
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.on_reject = on_reject;
    options.user_data = &w;
    options.on_progress = on_progress;
    options.progress_user_data = &w;
    options.threads = 2;
    tally_csv_stats stats = {sizeof(stats), 0, 0, 0};
    if (status == TALLY_OK) {
        tally_csv__limits limits = {2048, 2048};
        status = tally_csv__read_chunked(session, TALLY_CSV_TRANSACTIONS, oom_input->data,
                                         oom_input->size, &limits, &options, &stats);
        /* Out of memory in the session stops on a row: it is counted, not rejected. */
        assert_true(stats.accepted + stats.rejected <= stats.rows);
        if (status == TALLY_OK)
            assert_int_equal(stats.accepted + stats.rejected, stats.rows);
    }
    free(w.log.data);
    tally_session_free(session);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
    return status;
}

static void
out_of_memory_with_the_thread_is_clean(void **state)
{
    (void)state;
    text t = {0};
    make_input(&t, 60000, 37, 0, 11);
    oom_input = &t;
    assert_true(test_alloc_loop(read_under_allocator, NULL) > 10);
    free(t.data);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_bad_row_is_rejected_alike),
        cmocka_unit_test(without_the_input_digest_the_rest_is_alike),
        cmocka_unit_test(without_a_callback_the_first_bad_row_stops_alike),
        cmocka_unit_test(a_reject_callback_that_stops_stops_alike),
        cmocka_unit_test(a_progress_callback_that_stops_stops_alike),
        cmocka_unit_test(small_chunks_and_a_record_over_the_limit),
        cmocka_unit_test(a_file_twice_rejects_its_copy_alike),
        cmocka_unit_test(memory_does_not_grow_with_the_input),
        cmocka_unit_test(out_of_memory_with_the_thread_is_clean),
    };
    return cmocka_run_group_tests(tests, make_big, remove_big);
}
