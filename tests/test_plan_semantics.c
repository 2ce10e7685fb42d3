/*
 * Plan rules the schema cannot express, data-driven: every file in
 * tests/plans/semantic/ is a schema-valid plan breaking one rule, with the errors
 * it must produce written in a comment at its top, one line each:
 *
 *   expect: TALLY_ERR_PLAN <line>:<column> <element path> | <exact message>
 *
 * Each file must fail to load with exactly those errors, in that order (document
 * order), each located in the file where its element starts: the line and column
 * of the element's "<" (columns count characters from 1). Adding a case means
 * adding a file. The directory is the first argument (meson passes it), or
 * tests/plans/semantic under the current directory.
 */
#define _POSIX_C_SOURCE 200809L /* opendir, readdir */

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tally/tally.h>

#include "support/test_alloc.h"

#define MAX_CASES 256
#define MAX_EXPECTED 16
#define TEXT_SIZE 512

typedef struct expected_error {
    int code;
    unsigned long line;
    unsigned long column;
    char path[TEXT_SIZE];
    char message[TEXT_SIZE];
} expected_error;

typedef struct semantic_case {
    char file[TEXT_SIZE];
    expected_error expected[MAX_EXPECTED];
    size_t expected_count;
} semantic_case;

static const char *plans_directory = "tests/plans/semantic";

/* ---- reading a case ---- */

static char *
read_file(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        fail_msg("cannot open %s", path);
    static char buffer[1 << 16];
    *size = fread(buffer, 1, sizeof(buffer) - 1, file);
    fclose(file);
    buffer[*size] = '\0';
    return buffer;
}

static int
code_named(const char *name)
{
    if (strcmp(name, "TALLY_ERR_PLAN") == 0)
        return TALLY_ERR_PLAN;
    if (strcmp(name, "TALLY_ERR_LIMIT") == 0)
        return TALLY_ERR_LIMIT;
    fail_msg("unknown status %s in an expectation", name);
    return 0;
}

/* "TALLY_ERR_PLAN 12:3 /plan/version | message" */
static void
parse_expectation(const char *text, expected_error *out, const char *file)
{
    char code[64];
    int used = 0;
    if (sscanf(text, "%63s %lu:%lu %511s | %n", code, &out->line, &out->column, out->path,
               &used) != 4 ||
        !used)
        fail_msg("%s: malformed expectation: %s", file, text);
    out->code = code_named(code);
    const char *message = text + used;
    size_t length = strcspn(message, "\n");
    if (length >= sizeof(out->message)) {
        fail_msg("%s: message too long", file);
        return; /* fail_msg() does not return; gcc -O3 does not know it */
    }
    memcpy(out->message, message, length);
    out->message[length] = '\0';
}

static void
read_expectations(semantic_case *c)
{
    size_t size = 0;
    const char *text = read_file(c->file, &size);
    for (const char *at = strstr(text, "expect: "); at; at = strstr(at + 1, "expect: ")) {
        if (c->expected_count == MAX_EXPECTED)
            fail_msg("%s: too many expectations", c->file);
        parse_expectation(at + strlen("expect: "), &c->expected[c->expected_count++],
                          c->file);
    }
    if (c->expected_count == 0)
        fail_msg("%s has no expectation", c->file);
}

/* ---- running a case ---- */

static void
assert_error(const tally_error *error, const expected_error *expected, const char *file,
             size_t index)
{
    if (!error)
        fail_msg("%s: error %zu missing", file, index + 1);
    if (strcmp(tally_error_message(error), expected->message) != 0)
        fail_msg("%s: error %zu\n  expected: %s\n  got:      %s", file, index + 1,
                 expected->message, tally_error_message(error));
    assert_int_equal(tally_error_code(error), expected->code);
    assert_string_equal(tally_error_source(error), file);
    assert_int_equal(tally_error_line(error), expected->line);
    assert_int_equal(tally_error_column(error), expected->column);
    assert_non_null(tally_error_path(error));
    assert_string_equal(tally_error_path(error), expected->path);
}

static void
print_errors(const tally_ctx *ctx)
{
    char line[1024];
    for (size_t i = 0; i < tally_ctx_error_count(ctx); i++) {
        tally_error_format(line, sizeof(line), tally_ctx_error(ctx, i));
        print_message("  got %s\n", line);
    }
}

static void
run_case(void **state)
{
    semantic_case *c = *state;
    read_expectations(c);
    tally_ctx *ctx = NULL;
    tally_plan *plan = (tally_plan *)c; /* must be reset to NULL */
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    int status = tally_plan_load_file(ctx, &plan, c->file, NULL);
    if (status != TALLY_ERR_PLAN || tally_ctx_error_count(ctx) != c->expected_count)
        print_errors(ctx);
    assert_int_equal(status, TALLY_ERR_PLAN);
    assert_null(plan);
    assert_int_equal(tally_ctx_error_count(ctx), c->expected_count);
    assert_int_equal(tally_ctx_errors_dropped(ctx), 0);
    for (size_t i = 0; i < c->expected_count; i++)
        assert_error(tally_ctx_error(ctx, i), &c->expected[i], c->file, i);
    tally_ctx_free(ctx);
}

/* ---- other properties ---- */

typedef struct failing_load {
    const char *file;
    char *data;
    size_t size;
} failing_load;

static int
load_failing_plan(const tally_allocator *allocator, void *user_data)
{
    const failing_load *load = user_data;
    tally_ctx *ctx = NULL;
    tally_plan *plan = NULL;
    int status = tally_ctx_new(&ctx, allocator);
    if (status != TALLY_OK)
        return status;
    status = tally_plan_load_buffer(ctx, &plan, load->data, load->size, load->file, NULL);
    if (plan)
        fail_msg("a plan with errors loaded");
    tally_ctx_free(ctx);
    return status;
}

/*
 * Out of memory while reporting errors: every run fails cleanly (no leak, no plan)
 * with TALLY_ERR_NOMEM or, once enough memory is left, the plan's own errors.
 */
static void
errors_are_reported_cleanly_when_memory_runs_out(void **state)
{
    (void)state;
    char file[TEXT_SIZE];
    snprintf(file, sizeof(file), "%s/five-errors.xml", plans_directory);
    failing_load load = {file, NULL, 0};
    char *text = read_file(file, &load.size);
    load.data = malloc(load.size);
    assert_non_null(load.data);
    memcpy(load.data, text, load.size);
    size_t runs = 0;
    for (size_t n = 1;; n++) {
        test_alloc counts = {n, 0, 0, 0};
        tally_allocator allocator = test_alloc_make(&counts);
        int status = load_failing_plan(&allocator, &load);
        assert_int_equal(counts.live, 0);
        runs++;
        if (counts.failures == 0) {
            assert_int_equal(status, TALLY_ERR_PLAN);
            break;
        }
        if (status != TALLY_ERR_NOMEM && status != TALLY_ERR_PLAN)
            fail_msg("run failing allocation %zu returned %d", n, status);
    }
    assert_true(runs > 5);
    free(load.data);
}

/* A plan with more problems than a context records: the rest are counted. */
static void
errors_beyond_the_limit_are_counted(void **state)
{
    (void)state;
    static char xml[1 << 16];
    size_t used = (size_t)snprintf(xml, sizeof(xml),
                                   "<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" "
                                   "id=\"p\" currency=\"USD\">\n"
                                   "<version id=\"v\" effective-from=\"2026-01-01\">\n"
                                   "<rebate id=\"r\" period=\"month\"><category-rates>\n");
    for (int i = 0; i < 150; i++)
        used += (size_t)snprintf(xml + used, sizeof(xml) - used,
                                 "<rate category=\"c%03d\" value=\"-1\"/>\n", i);
    snprintf(xml + used, sizeof(xml) - used, "</category-rates></rebate></version></plan>\n");
    tally_ctx *ctx = NULL;
    tally_plan *plan = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    assert_int_equal(tally_plan_load_buffer(ctx, &plan, xml, strlen(xml), "many.xml", NULL),
                     TALLY_ERR_PLAN);
    assert_null(plan);
    assert_int_equal(tally_ctx_error_count(ctx), 100);
    assert_int_equal(tally_ctx_errors_dropped(ctx), 50);
    const tally_error *first = tally_ctx_error(ctx, 0), *last = tally_ctx_error(ctx, 99);
    assert_string_equal(tally_error_message(first),
                        "rate for category \"c000\" must not be negative (found -1)");
    assert_int_equal(tally_error_line(first), 4);
    assert_int_equal(tally_error_column(first), 1);
    assert_string_equal(tally_error_path(first), "/plan/version/rebate/category-rates/rate[1]");
    assert_string_equal(tally_error_message(last),
                        "rate for category \"c099\" must not be negative (found -1)");
    assert_int_equal(tally_error_line(last), 103);
    assert_int_equal(tally_error_column(last), 1);
    tally_ctx_free(ctx);
}

/* ---- the runner ---- */

static int
is_plan_file(const char *name)
{
    size_t length = strlen(name);
    return length > 4 && strcmp(name + length - 4, ".xml") == 0;
}

static int
compare_cases(const void *a, const void *b)
{
    return strcmp(((const semantic_case *)a)->file, ((const semantic_case *)b)->file);
}

static size_t
find_cases(semantic_case *cases)
{
    DIR *directory = opendir(plans_directory);
    if (!directory) {
        fprintf(stderr, "cannot open %s\n", plans_directory);
        exit(1);
    }
    size_t count = 0;
    for (struct dirent *entry = readdir(directory); entry; entry = readdir(directory)) {
        if (!is_plan_file(entry->d_name))
            continue;
        if (count == MAX_CASES) {
            fprintf(stderr, "more than %d cases\n", MAX_CASES);
            exit(1);
        }
        snprintf(cases[count++].file, TEXT_SIZE, "%s/%s", plans_directory, entry->d_name);
    }
    closedir(directory);
    qsort(cases, count, sizeof(*cases), compare_cases);
    return count;
}

int
main(int argc, char **argv)
{
    static semantic_case cases[MAX_CASES];
    static struct CMUnitTest tests[MAX_CASES + 2];
    if (argc > 1)
        plans_directory = argv[1];
    size_t count = find_cases(cases);
    if (count < 40) {
        fprintf(stderr, "only %zu cases found in %s\n", count, plans_directory);
        return 1;
    }
    for (size_t i = 0; i < count; i++) {
        const char *slash = strrchr(cases[i].file, '/');
        tests[i] = (struct CMUnitTest){slash ? slash + 1 : cases[i].file, run_case, NULL, NULL,
                                       &cases[i]};
    }
    tests[count] = (struct CMUnitTest){"errors_are_reported_cleanly_when_memory_runs_out",
                                       errors_are_reported_cleanly_when_memory_runs_out, NULL,
                                       NULL, NULL};
    tests[count + 1] = (struct CMUnitTest){"errors_beyond_the_limit_are_counted",
                                           errors_beyond_the_limit_are_counted, NULL, NULL,
                                           NULL};
    return _cmocka_run_group_tests("plan_semantics", tests, count + 2, NULL, NULL);
}
