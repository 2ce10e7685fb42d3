/*
 * tally_session_finish() on two threads (tally_session_options.threads = 2): the
 * MDF funds are replayed on a second thread and their lines appended to the
 * caller's, and (without source ids) the second half of the payees' monthly cells
 * is moved into buckets there. The result, its canonical form and digest, and the
 * errors must be those of one thread, and running out of memory anywhere must
 * stay clean.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tally/tally.h>

/* ---- an allocator two threads may share ---- */

/* Counts and fails like tests/support/test_alloc.c, under a lock, and notes which
 * threads allocated (so that a test knows the second thread did work). */
typedef struct shared_alloc {
    pthread_mutex_t lock;
    size_t fail_at; /* 1-based; 0: never */
    size_t calls;
    size_t live;
    size_t failures;
    pthread_t threads[4];
    size_t thread_count;
} shared_alloc;

static void
note_thread(shared_alloc *a)
{
    pthread_t self = pthread_self();
    for (size_t i = 0; i < a->thread_count; i++)
        if (pthread_equal(a->threads[i], self))
            return;
    if (a->thread_count < 4)
        a->threads[a->thread_count++] = self;
}

/* Counts a call; 1 when it is to fail. */
static int
count_call(shared_alloc *a)
{
    pthread_mutex_lock(&a->lock);
    note_thread(a);
    int fail = a->fail_at && ++a->calls == a->fail_at;
    if (!a->fail_at)
        a->calls++;
    a->failures += fail;
    pthread_mutex_unlock(&a->lock);
    return fail;
}

static void *
shared_malloc(size_t size, void *user_data)
{
    shared_alloc *a = user_data;
    if (count_call(a))
        return NULL;
    void *block = malloc(size);
    pthread_mutex_lock(&a->lock);
    a->live += block != NULL;
    pthread_mutex_unlock(&a->lock);
    return block;
}

static void *
shared_realloc(void *ptr, size_t size, void *user_data)
{
    return count_call(user_data) ? NULL : realloc(ptr, size);
}

static void
shared_free(void *ptr, void *user_data)
{
    shared_alloc *a = user_data;
    pthread_mutex_lock(&a->lock);
    a->live--;
    pthread_mutex_unlock(&a->lock);
    free(ptr);
}

static tally_allocator
shared_allocator(shared_alloc *a)
{
    memset(a, 0, sizeof(*a));
    assert_int_equal(pthread_mutex_init(&a->lock, NULL), 0);
    tally_allocator allocator = {sizeof(allocator), shared_malloc, shared_realloc, shared_free,
                                 a};
    return allocator;
}

/* ---- a programme with funds and other components ---- */

#define PARTNERS 60

/* A rebate, a SPIFF and two funds (one with claims, expiry and a yearly cap): the
 * funds' lines come from the second thread, the others from the first. */
static const char funds_xml[] =
    "<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" id=\"threads\" currency=\"USD\">"
    "<version id=\"v1\" effective-from=\"2026-01-01\">"
    "<rebate id=\"rebate\" period=\"quarter\"><tiers mode=\"marginal\">"
    "<band from=\"0\" to=\"5000\" rate=\"0.01\"/><band from=\"5000\" rate=\"0.03\"/>"
    "</tiers></rebate>"
    "<spiff id=\"spiff\" period=\"month\" window-from=\"2026-01-01\" window-to=\"2026-12-31\">"
    "<product id=\"S\" amount=\"7.50\"/></spiff>"
    "<mdf id=\"fund\" period=\"quarter\" accrual-rate=\"0.02\" yearly-cap=\"400\" "
    "expiry-months=\"3\" co-funding=\"0.5\"/>"
    "<mdf id=\"pool\" period=\"month\" accrual-rate=\"0.015\" expiry-months=\"2\"/>"
    "</version></plan>";

/* The rebate and the SPIFF only: without source ids the second thread has only
 * the cells to move. */
static const char cells_xml[] =
    "<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" id=\"cells\" currency=\"USD\">"
    "<version id=\"v1\" effective-from=\"2026-01-01\">"
    "<rebate id=\"rebate\" period=\"quarter\"><tiers mode=\"marginal\">"
    "<band from=\"0\" to=\"5000\" rate=\"0.01\"/><band from=\"5000\" rate=\"0.03\"/>"
    "</tiers></rebate>"
    "<spiff id=\"spiff\" period=\"month\" window-from=\"2026-01-01\" window-to=\"2026-12-31\">"
    "<product id=\"S\" amount=\"7.50\"/></spiff>"
    "</version></plan>";

/* What a test runs: a plan and the session's flags. */
typedef struct programme_kind {
    const char *xml;
    unsigned flags;
    const char *name;
} programme_kind;

static const programme_kind kinds[] = {
    {funds_xml, 0, "funds"},
    {funds_xml, TALLY_SESSION_NO_SOURCE_IDS, "funds and cells"},
    {cells_xml, TALLY_SESSION_NO_SOURCE_IDS, "cells"},
};

/* One sale (or, with a negative amount, a credit) of a partner. */
static void
add_sale(tally_session *session, const char *id, const char *date, const char *partner,
         const char *product, const char *amount, const char *quantity)
{
    tally_transaction t;
    memset(&t, 0, sizeof(t));
    t.size = sizeof(t);
    t.id = id;
    t.date = date;
    t.partner = partner;
    t.product = product;
    assert_int_equal(tally_decimal_parse(NULL, &t.amount, amount), TALLY_OK);
    assert_int_equal(tally_decimal_parse(NULL, &t.quantity, quantity), TALLY_OK);
    assert_int_equal(tally_session_add_transaction(session, &t), TALLY_OK);
}

static void
add_rows(tally_session *session)
{
    for (int p = 0; p < PARTNERS; p++) {
        for (int m = 1; m <= 12; m += 1 + p % 3) {
            char id[32], date[16], partner[16], amount[32];
            snprintf(id, sizeof(id), "T%d-%d", p, m);
            snprintf(date, sizeof(date), "2026-%02d-%02d", m, 1 + (p * 7 + m) % 28);
            snprintf(partner, sizeof(partner), "P%02d", p);
            /* Some partners have a negative month (a fund accrues nothing then). */
            snprintf(amount, sizeof(amount), "%s%d.%02d", (p + m) % 11 == 0 ? "-" : "",
                     300 * (p % 7 + 1) + 41 * m, (p * m) % 100);
            add_sale(session, id, date, partner, (p + m) % 4 == 0 ? "S" : "X", amount, "2");
        }
    }
}

static void
add_claims(tally_session *session)
{
    for (int p = 0; p < PARTNERS; p += 3) {
        char id[16], date[16], partner[16];
        snprintf(id, sizeof(id), "C%d", p);
        snprintf(date, sizeof(date), "2026-%02d-15", 4 + p % 8);
        snprintf(partner, sizeof(partner), "P%02d", p);
        tally_claim c;
        memset(&c, 0, sizeof(c));
        c.size = sizeof(c);
        c.id = id;
        c.partner = partner;
        c.date = date;
        c.activity = "webinar";
        c.component = "fund";
        assert_int_equal(tally_decimal_parse(NULL, &c.amount, "180"), TALLY_OK);
        assert_int_equal(tally_session_add_claim(session, &c), TALLY_OK);
    }
}

/* A session of `plan` through `ctx`. */
static tally_session *
open_session(tally_ctx *ctx, tally_plan *plan, unsigned flags, const char *as_of,
             unsigned threads)
{
    tally_session_options options;
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.flags = flags;
    options.as_of = as_of;
    options.threads = threads;
    tally_session *session = NULL;
    assert_int_equal(tally_session_new(ctx, &session, plan, &options), TALLY_OK);
    return session;
}

static tally_plan *
load_plan(tally_ctx *ctx, const char *xml)
{
    tally_plan *plan = NULL;
    assert_int_equal(tally_plan_load_buffer(ctx, &plan, xml, strlen(xml), "threads.xml", NULL),
                     TALLY_OK);
    return plan;
}

/* A new session of a plan (with an as-of date), made through `ctx`. */
static tally_session *
new_session(tally_ctx *ctx, tally_plan **plan, const char *xml, unsigned flags,
            unsigned threads)
{
    *plan = load_plan(ctx, xml);
    return open_session(ctx, *plan, flags, "2026-12-31", threads);
}

/* The programme's inputs. */
static void
add_inputs(tally_session *session, const programme_kind *kind)
{
    add_rows(session);
    if (kind->xml == funds_xml)
        add_claims(session);
}

/* A session of the programme with its inputs, made through `ctx`. */
static tally_session *
programme(tally_ctx *ctx, tally_plan **plan, const programme_kind *kind, unsigned threads)
{
    tally_session *session = new_session(ctx, plan, kind->xml, kind->flags, threads);
    add_inputs(session, kind);
    return session;
}

/* ---- the canonical form as text ---- */

typedef struct text {
    char *data;
    size_t length;
    size_t capacity;
} text;

static int
append_piece(const char *data, size_t size, void *user_data)
{
    text *t = user_data;
    if (t->length + size + 1 > t->capacity) {
        t->capacity = 2 * (t->length + size + 1);
        t->data = realloc(t->data, t->capacity);
        assert_non_null(t->data);
    }
    memcpy(t->data + t->length, data, size);
    t->length += size;
    t->data[t->length] = '\0';
    return 0;
}

/* The canonical form of a result (lines with their explanations), to be freed. */
static char *
canonical(const tally_result *result)
{
    text t = {NULL, 0, 0};
    assert_int_equal(tally_result_write_canonical(result, append_piece, &t), TALLY_OK);
    return t.data;
}

/* Frees a run's objects and its allocator, which must then hold nothing. */
static void
release_all(tally_result *result, tally_session *session, tally_plan *plan, tally_ctx *ctx,
            shared_alloc *counts)
{
    tally_result_free(result);
    tally_session_free(session);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
    assert_int_equal(counts->live, 0);
    pthread_mutex_destroy(&counts->lock);
}

/* Finishes the programme with `threads`; returns its canonical form (to be freed)
 * and how many threads allocated. */
static char *
finish_programme(const programme_kind *kind, unsigned threads, size_t *thread_count)
{
    shared_alloc counts;
    tally_allocator allocator = shared_allocator(&counts);
    tally_ctx *ctx = NULL;
    tally_plan *plan = NULL;
    assert_int_equal(tally_ctx_new(&ctx, &allocator), TALLY_OK);
    tally_session *session = programme(ctx, &plan, kind, threads);
    tally_result *result = NULL;
    assert_int_equal(tally_session_finish(session, &result), TALLY_OK);
    char *form = canonical(result);
    release_all(result, session, plan, ctx, &counts);
    *thread_count = counts.thread_count;
    return form;
}

/* ---- the tests ---- */

static void
two_threads_make_the_same_result(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        size_t one_thread = 0, two_threads = 0;
        char *expected = finish_programme(&kinds[k], 0, &one_thread);
        char *got = finish_programme(&kinds[k], 2, &two_threads);
        assert_int_equal(one_thread, 1);
        /* The funds were replayed, or the cells moved, on a second thread. */
        assert_int_equal(two_threads, 2);
        if (strcmp(got, expected) != 0)
            fail_msg("%s: two threads made another result", kinds[k].name);
        /* Lines of both threads, with their explanations. */
        assert_non_null(strstr(expected, "component=rebate"));
        assert_non_null(strstr(expected, "component=spiff"));
        if (kinds[k].xml == funds_xml) {
            assert_non_null(strstr(expected, "kind=mdf-expired"));
            assert_non_null(strstr(expected, "claim C3 2026-07-15 webinar"));
            assert_non_null(strstr(expected, "component=pool"));
        }
        free(expected);
        free(got);
    }
}

/* A huge amount: its fund's accrual (rate × amount, exact) needs more than 38
 * digits, and with `rebate_too` so does its tiered rebate, which one thread finds
 * first (the rebate settles before the funds are replayed). */
static void
overflowing_session(tally_ctx *ctx, tally_plan **plan, unsigned threads, int rebate_too,
                    tally_session **out)
{
    char xml[1024];
    snprintf(xml, sizeof(xml),
             "<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" id=\"big\" "
             "currency=\"USD\"><version id=\"v1\" effective-from=\"2026-01-01\">"
             "<rebate id=\"rebate\" period=\"quarter\"><tiers mode=\"whole\">"
             "<band from=\"0\" rate=\"%s\"/></tiers></rebate>"
             "<mdf id=\"fund\" period=\"quarter\" accrual-rate=\"0.0123456\" "
             "expiry-months=\"12\"/>"
             "</version></plan>",
             rebate_too ? "0.0123456" : "0.01");
    *plan = load_plan(ctx, xml);
    *out = open_session(ctx, *plan, 0, NULL, threads);
    const char *partners[] = {"P1", "P2", "P3"};
    const char *amounts[] = {"10", "9999999999999999999999999999999999.99", "20"};
    for (int i = 0; i < 3; i++)
        add_sale(*out, partners[i], "2026-02-01", partners[i], NULL, amounts[i], "1");
}

/* "status N" and every error message recorded, one a line. */
static void
describe_failure(const tally_ctx *ctx, int status, char *out, size_t size)
{
    size_t used = (size_t)snprintf(out, size, "status %d", status);
    for (size_t i = 0; i < tally_ctx_error_count(ctx) && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "\n%s",
                                 tally_error_message(tally_ctx_error(ctx, i)));
}

/* The status and every error message of finishing, as one text. */
static void
finish_errors(unsigned threads, int rebate_too, char *out, size_t size)
{
    tally_ctx *ctx = NULL;
    tally_plan *plan = NULL;
    tally_session *session = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    overflowing_session(ctx, &plan, threads, rebate_too, &session);
    tally_result *result = NULL;
    int status = tally_session_finish(session, &result);
    assert_null(result);
    describe_failure(ctx, status, out, size);
    tally_session_free(session);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
}

static void
the_second_threads_errors_are_the_same(void **state)
{
    (void)state;
    for (int rebate_too = 0; rebate_too <= 1; rebate_too++) {
        char one[2048], two[2048];
        finish_errors(0, rebate_too, one, sizeof(one));
        finish_errors(2, rebate_too, two, sizeof(two));
        assert_string_equal(two, one);
        char expected[64];
        snprintf(expected, sizeof(expected), "status %d", TALLY_ERR_OVERFLOW);
        assert_int_equal(strncmp(one, expected, strlen(expected)), 0);
        /* The fund's error only when the rebate had none (one thread stops there). */
        assert_true((strstr(one, "MDF \"fund\" of \"P2\"") != NULL) == !rebate_too);
    }
}

/* The status and every error of finishing a session whose payee BIG has two
 * months whose quarter's total needs more than 38 digits: met when the cells move
 * into buckets, in the first half of the payees or (`last`) the second. */
static void
cells_overflow(unsigned threads, int last, char *out, size_t size)
{
    tally_ctx *ctx = NULL;
    tally_plan *plan = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    tally_session *session =
        new_session(ctx, &plan, cells_xml, TALLY_SESSION_NO_SOURCE_IDS, threads);
    if (last)
        add_rows(session);
    const char *months[] = {"2026-01-15", "2026-02-15"};
    for (int m = 0; m < 2; m++) {
        char id[16];
        snprintf(id, sizeof(id), "BIG-%d", m);
        add_sale(session, id, months[m], "BIG", NULL, "900000000000000000000000000000000000.00",
                 "1");
    }
    if (!last)
        add_rows(session);
    tally_result *result = NULL;
    int status = tally_session_finish(session, &result);
    assert_null(result);
    describe_failure(ctx, status, out, size);
    /* The session is broken now: finishing again says so. */
    assert_int_equal(tally_session_finish(session, &result), TALLY_ERR_STATE);
    tally_session_free(session);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
}

static void
an_overflow_in_either_half_is_reported_once(void **state)
{
    (void)state;
    for (int last = 0; last <= 1; last++) {
        char one[2048], two[2048];
        cells_overflow(0, last, one, sizeof(one));
        cells_overflow(2, last, two, sizeof(two));
        assert_string_equal(two, one);
        char expected[128];
        snprintf(expected, sizeof(expected),
                 "status %d\ncomponent \"rebate\": a period total needs more than 38 digits",
                 TALLY_ERR_OVERFLOW);
        assert_string_equal(one, expected);
    }
}

/* Any allocation of a finish on two threads may fail: the finish then says so (or
 * does without the second thread), leaks nothing, and can be tried again, with the
 * result of one thread. */
static void
out_of_memory_on_two_threads(const programme_kind *kind)
{
    size_t ignored;
    char *expected = finish_programme(kind, 0, &ignored);
    /* One plan for every run (a plan may serve sessions of other contexts): only
     * the sessions' allocations are counted. */
    tally_ctx *plan_ctx = NULL;
    assert_int_equal(tally_ctx_new(&plan_ctx, NULL), TALLY_OK);
    tally_plan *shared = load_plan(plan_ctx, kind->xml);
    size_t failures = 0;
    for (size_t k = 1;; k++) {
        shared_alloc counts;
        tally_allocator allocator = shared_allocator(&counts);
        tally_ctx *ctx = NULL;
        tally_plan *plan = tally_plan_ref(shared);
        assert_int_equal(tally_ctx_new(&ctx, &allocator), TALLY_OK);
        tally_session *session = open_session(ctx, plan, kind->flags, "2026-12-31", 2);
        add_inputs(session, kind);
        tally_result *result = NULL;
        pthread_mutex_lock(&counts.lock);
        counts.fail_at = counts.calls + k; /* the k-th allocation of the finish */
        pthread_mutex_unlock(&counts.lock);
        int status = tally_session_finish(session, &result);
        pthread_mutex_lock(&counts.lock);
        int failed = counts.failures > 0;
        counts.fail_at = 0;
        pthread_mutex_unlock(&counts.lock);
        /* Without its context or finisher the second thread is not started: one
         * thread does it all, and the finish succeeds. */
        if (failed && status != TALLY_OK) {
            assert_int_equal(status, TALLY_ERR_NOMEM);
            assert_null(result);
            failures++;
            status = tally_session_finish(session, &result);
        }
        assert_int_equal(status, TALLY_OK);
        char *got = canonical(result);
        assert_string_equal(got, expected);
        free(got);
        release_all(result, session, plan, ctx, &counts);
        if (!failed)
            break; /* past the finish's last allocation */
    }
    assert_true(failures > 20);
    tally_plan_unref(shared);
    tally_ctx_free(plan_ctx);
    free(expected);
}

static void
running_out_of_memory_on_two_threads(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
        out_of_memory_on_two_threads(&kinds[k]);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_threads_make_the_same_result),
        cmocka_unit_test(the_second_threads_errors_are_the_same),
        cmocka_unit_test(an_overflow_in_either_half_is_reported_once),
        cmocka_unit_test(running_out_of_memory_on_two_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
