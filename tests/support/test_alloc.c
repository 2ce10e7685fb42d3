/*
 * Failing allocator and the out-of-memory loop.
 */
#include "test_alloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

/* Runs stop here even if the operation never succeeds: it would be a bug. */
#define MAX_RUNS 100000

static int
should_fail(test_alloc *state)
{
    state->calls++;
    if (state->fail_at && state->calls == state->fail_at) {
        state->failures++;
        return 1;
    }
    return 0;
}

static void *
counting_alloc(size_t size, void *user_data)
{
    test_alloc *state = user_data;
    if (should_fail(state))
        return NULL;
    void *block = malloc(size);
    if (block)
        state->live++;
    return block;
}

static void *
counting_realloc(void *ptr, size_t size, void *user_data)
{
    test_alloc *state = user_data;
    if (should_fail(state))
        return NULL;
    return realloc(ptr, size);
}

static void
counting_free(void *ptr, void *user_data)
{
    test_alloc *state = user_data;
    assert_non_null(ptr);
    assert_true(state->live > 0);
    state->live--;
    free(ptr);
}

tally_allocator
test_alloc_make(test_alloc *state)
{
    tally_allocator allocator = {sizeof(tally_allocator), counting_alloc, counting_realloc,
                                 counting_free, state};
    return allocator;
}

size_t
test_alloc_loop(test_alloc_step step, void *user_data)
{
    for (size_t n = 1; n <= MAX_RUNS; n++) {
        test_alloc state = {n, 0, 0, 0};
        tally_allocator allocator = test_alloc_make(&state);
        int status = step(&allocator, user_data);
        if (state.live != 0)
            fail_msg("run failing allocation %zu leaked %zu block(s)", n, state.live);
        if (state.failures == 0) {
            if (status != TALLY_OK)
                fail_msg("run %zu failed with %d without an injected failure", n, status);
            return n;
        }
        if (status != TALLY_ERR_NOMEM && status != TALLY_OK)
            fail_msg("run failing allocation %zu returned %d (%s), expected out of memory",
                     n, status, tally_strerror(status));
    }
    fail_msg("operation still failing after %d runs", MAX_RUNS);
    return 0;
}
