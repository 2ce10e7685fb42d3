/*
 * Contexts: allocator hooks, error records with locations, out-of-memory behaviour.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/context.h"
#include "support/test_alloc.h"

static void
new_and_free_with_default_allocator(void **state)
{
    (void)state;
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    assert_non_null(ctx);
    assert_int_equal(tally_ctx_error_count(ctx), 0);
    assert_null(tally_ctx_last_error(ctx));
    tally_ctx_free(ctx);
    tally_ctx_free(NULL); /* no-op */
}

static void
rejects_bad_arguments(void **state)
{
    (void)state;
    assert_int_equal(tally_ctx_new(NULL, NULL), TALLY_ERR_INVALID_ARGUMENT);

    test_alloc counts = {0, 0, 0, 0};
    tally_allocator allocator = test_alloc_make(&counts);
    tally_ctx *ctx = (tally_ctx *)&counts; /* must be reset to NULL on failure */

    tally_allocator missing_free = allocator;
    missing_free.free = NULL;
    assert_int_equal(tally_ctx_new(&ctx, &missing_free), TALLY_ERR_INVALID_ARGUMENT);
    assert_null(ctx);

    tally_allocator too_small = allocator;
    too_small.size = sizeof(size_t);
    assert_int_equal(tally_ctx_new(&ctx, &too_small), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(counts.calls, 0);
}

/* A newer caller's larger struct is accepted when the fields we do not know are zero. */
static void
accepts_larger_allocator_struct_with_zero_tail(void **state)
{
    (void)state;
    test_alloc counts = {0, 0, 0, 0};
    struct {
        tally_allocator known;
        void *future_field;
    } newer;
    memset(&newer, 0, sizeof(newer));
    newer.known = test_alloc_make(&counts);
    newer.known.size = sizeof(newer);
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, &newer.known), TALLY_OK);
    tally_ctx_free(ctx);

    newer.future_field = &counts;
    assert_int_equal(tally_ctx_new(&ctx, &newer.known), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(counts.live, 0);
}

static void
every_allocation_goes_through_the_hooks(void **state)
{
    (void)state;
    test_alloc counts = {0, 0, 0, 0};
    tally_allocator allocator = test_alloc_make(&counts);
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, &allocator), TALLY_OK);
    assert_int_equal(counts.live, 1);
    tally_decimal value;
    assert_int_equal(tally_decimal_parse(ctx, &value, "x"), TALLY_ERR_SYNTAX);
    assert_true(counts.live >= 1);
    tally_ctx_free(ctx);
    assert_int_equal(counts.live, 0);
}

static void
records_error_with_location(void **state)
{
    (void)state;
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    tally_location where = {"plan.xml", 12, 7, "/plan/component[2]"};
    assert_int_equal(tally_ctx__error_at(ctx, TALLY_ERR_SYNTAX, &where, "bad %s", "band"),
                     TALLY_ERR_SYNTAX);
    const tally_error *error = tally_ctx_last_error(ctx);
    assert_non_null(error);
    assert_int_equal(tally_error_code(error), TALLY_ERR_SYNTAX);
    assert_string_equal(tally_error_message(error), "bad band");
    assert_string_equal(tally_error_source(error), "plan.xml");
    assert_int_equal(tally_error_line(error), 12);
    assert_int_equal(tally_error_column(error), 7);
    assert_string_equal(tally_error_path(error), "/plan/component[2]");

    char line[128];
    assert_int_equal(tally_error_format(line, sizeof(line), error), TALLY_OK);
    assert_string_equal(line, "plan.xml:12:7: /plan/component[2]: bad band");

    char small[10];
    assert_int_equal(tally_error_format(small, sizeof(small), error),
                     TALLY_ERR_BUFFER_TOO_SMALL);
    assert_string_equal(small, "plan.xml:");
    assert_int_equal(tally_error_format(line, 0, error), TALLY_ERR_INVALID_ARGUMENT);
    tally_ctx_free(ctx);
}

static void
error_without_location_has_no_source(void **state)
{
    (void)state;
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    tally_ctx__error(ctx, TALLY_ERR_RANGE, "scale %d", 40);
    const tally_error *error = tally_ctx_error(ctx, 0);
    assert_null(tally_error_source(error));
    assert_null(tally_error_path(error));
    assert_int_equal(tally_error_line(error), 0);
    char line[64];
    assert_int_equal(tally_error_format(line, sizeof(line), error), TALLY_OK);
    assert_string_equal(line, "scale 40");
    assert_null(tally_ctx_error(ctx, 1));
    tally_ctx_free(ctx);
}

static void
accessors_accept_null(void **state)
{
    (void)state;
    assert_int_equal(tally_ctx_error_count(NULL), 0);
    assert_int_equal(tally_ctx_errors_dropped(NULL), 0);
    assert_null(tally_ctx_last_error(NULL));
    assert_null(tally_ctx_error(NULL, 0));
    assert_int_equal(tally_error_code(NULL), TALLY_ERR_INVALID_ARGUMENT);
    assert_string_equal(tally_error_message(NULL), "no error");
    assert_null(tally_error_source(NULL));
    assert_null(tally_error_path(NULL));
    tally_ctx_clear_errors(NULL);
}

static void
keeps_several_errors_in_order_up_to_a_limit(void **state)
{
    (void)state;
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    for (int i = 0; i < TALLY_MAX_RECORDED_ERRORS + 5; i++)
        tally_ctx__error(ctx, TALLY_ERR_SYNTAX, "error %d", i);
    assert_int_equal(tally_ctx_error_count(ctx), TALLY_MAX_RECORDED_ERRORS);
    assert_int_equal(tally_ctx_errors_dropped(ctx), 5);
    assert_string_equal(tally_error_message(tally_ctx_error(ctx, 0)), "error 0");
    assert_string_equal(tally_error_message(tally_ctx_error(ctx, 42)), "error 42");
    tally_ctx_clear_errors(ctx);
    assert_int_equal(tally_ctx_error_count(ctx), 0);
    assert_int_equal(tally_ctx_errors_dropped(ctx), 0);
    tally_ctx_free(ctx);
}

/* A new call forgets the errors of the previous one. */
static void
calls_start_with_clean_errors(void **state)
{
    (void)state;
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    tally_decimal value;
    assert_int_equal(tally_decimal_parse(ctx, &value, "1..2"), TALLY_ERR_SYNTAX);
    assert_int_equal(tally_ctx_error_count(ctx), 1);
    assert_int_equal(tally_decimal_parse(ctx, &value, "1.2"), TALLY_OK);
    assert_int_equal(tally_ctx_error_count(ctx), 0);
    tally_ctx_free(ctx);
}

static void
long_source_names_are_cut_visibly(void **state)
{
    (void)state;
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, NULL), TALLY_OK);
    char name[1000];
    memset(name, 'a', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    tally_location where = {name, 1, 1, NULL};
    tally_ctx__error_at(ctx, TALLY_ERR_SYNTAX, &where, "x");
    const char *kept = tally_error_source(tally_ctx_last_error(ctx));
    assert_true(strlen(kept) < sizeof(name) - 1);
    assert_string_equal(kept + strlen(kept) - 3, "...");
    tally_ctx_free(ctx);
}

/* When the error array cannot grow, the first error is still kept. */
static void
error_is_kept_when_memory_runs_out(void **state)
{
    (void)state;
    test_alloc counts = {2, 0, 0, 0}; /* the context succeeds, the error array fails */
    tally_allocator allocator = test_alloc_make(&counts);
    tally_ctx *ctx = NULL;
    assert_int_equal(tally_ctx_new(&ctx, &allocator), TALLY_OK);
    tally_ctx__error(ctx, TALLY_ERR_NOMEM, "first");
    tally_ctx__error(ctx, TALLY_ERR_SYNTAX, "second");
    assert_int_equal(tally_ctx_error_count(ctx), 1);
    assert_string_equal(tally_error_message(tally_ctx_last_error(ctx)), "first");
    assert_int_equal(tally_ctx_errors_dropped(ctx), 1);
    tally_ctx_free(ctx);
    assert_int_equal(counts.live, 0);
}

static int
create_context_and_fail_a_parse(const tally_allocator *allocator, void *user_data)
{
    (void)user_data;
    tally_ctx *ctx = NULL;
    int status = tally_ctx_new(&ctx, allocator);
    if (status != TALLY_OK) {
        assert_null(ctx);
        return status;
    }
    tally_decimal value;
    status = tally_decimal_parse(ctx, &value, "12x");
    assert_int_equal(status, TALLY_ERR_SYNTAX);
    /* Even without memory for the error array, the message survives. */
    assert_non_null(strstr(tally_error_message(tally_ctx_last_error(ctx)), "12x"));
    tally_ctx_free(ctx);
    return TALLY_OK;
}

static void
out_of_memory_loop_over_context(void **state)
{
    (void)state;
    size_t runs = test_alloc_loop(create_context_and_fail_a_parse, NULL);
    assert_true(runs >= 2);
}

/* tally_ctx__grow: doubling from `first`, enough for `needed`, untouched on failure. */
static void
grow_doubles_and_keeps_the_array_on_failure(void **state)
{
    (void)state;
    test_alloc counts = {0, 0, 0, 0};
    tally_allocator allocator = test_alloc_make(&counts);
    tally_ctx *ctx;
    assert_int_equal(tally_ctx_new(&ctx, &allocator), TALLY_OK);
    size_t capacity = 0;
    int *array = tally_ctx__grow(ctx, NULL, &capacity, 1, sizeof(int), 8);
    assert_non_null(array);
    assert_int_equal(capacity, 8);
    for (int i = 0; i < 8; i++)
        array[i] = i;
    array = tally_ctx__grow(ctx, array, &capacity, 9, sizeof(int), 8);
    assert_int_equal(capacity, 16);
    array = tally_ctx__grow(ctx, array, &capacity, 100, sizeof(int), 8);
    assert_int_equal(capacity, 128);
    assert_int_equal(array[7], 7); /* the contents move along */
    int *same = tally_ctx__grow(ctx, array, &capacity, 50, sizeof(int), 8);
    assert_ptr_equal(same, array); /* room already: nothing moves */
    assert_int_equal(capacity, 128);
    /* A size that does not fit a size_t is refused, nothing changed. */
    assert_null(tally_ctx__grow(ctx, array, &capacity, SIZE_MAX / 2, sizeof(int), 8));
    assert_int_equal(capacity, 128);
    assert_int_equal(tally_error_code(tally_ctx_last_error(ctx)), TALLY_ERR_NOMEM);
    /* Out of memory: the old array stays valid and its capacity with it. */
    counts.fail_at = counts.calls + 1;
    assert_null(tally_ctx__grow(ctx, array, &capacity, 129, sizeof(int), 8));
    assert_int_equal(capacity, 128);
    assert_int_equal(array[7], 7);
    counts.fail_at = 0;
    tally_ctx__free(ctx, array);
    tally_ctx_free(ctx);
    assert_int_equal(counts.live, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(new_and_free_with_default_allocator),
        cmocka_unit_test(rejects_bad_arguments),
        cmocka_unit_test(accepts_larger_allocator_struct_with_zero_tail),
        cmocka_unit_test(every_allocation_goes_through_the_hooks),
        cmocka_unit_test(records_error_with_location),
        cmocka_unit_test(error_without_location_has_no_source),
        cmocka_unit_test(accessors_accept_null),
        cmocka_unit_test(keeps_several_errors_in_order_up_to_a_limit),
        cmocka_unit_test(calls_start_with_clean_errors),
        cmocka_unit_test(long_source_names_are_cut_visibly),
        cmocka_unit_test(error_is_kept_when_memory_runs_out),
        cmocka_unit_test(out_of_memory_loop_over_context),
        cmocka_unit_test(grow_doubles_and_keeps_the_array_on_failure),
    };
    return cmocka_run_group_tests_name("context", tests, NULL, NULL);
}
