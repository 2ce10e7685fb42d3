/*
 * A counting allocator that can fail the N-th allocation, and the out-of-memory
 * loop every public-API test uses: run an operation with allocation 1 failing,
 * then 2, ... until it succeeds, checking each failure is clean and leak-free.
 */
#ifndef TALLY_TEST_ALLOC_H
#define TALLY_TEST_ALLOC_H

#include <stddef.h>

#include <tally/tally.h>

typedef struct test_alloc {
    size_t fail_at;     /* 1-based allocation to fail; 0 never fails */
    size_t calls;       /* allocations and reallocations attempted */
    size_t live;        /* blocks allocated and not yet freed */
    size_t failures;    /* injected failures so far */
} test_alloc;

/* An allocator whose functions count into `state`. */
tally_allocator test_alloc_make(test_alloc *state);

/*
 * One run of the operation under test. It must create everything it needs with
 * `allocator` (usually a context), release everything before returning, and return
 * the status of the call under test.
 */
typedef int (*test_alloc_step)(const tally_allocator *allocator, void *user_data);

/*
 * Runs `step` failing allocation N = 1, 2, ... until a run succeeds without an
 * injected failure. Every run must leak nothing; a run that hit an injected failure
 * must return TALLY_ERR_NOMEM (or TALLY_OK when the code could do without the
 * memory). Returns the number of runs; fails the current cmocka test on a problem.
 */
size_t test_alloc_loop(test_alloc_step step, void *user_data);

#endif /* TALLY_TEST_ALLOC_H */
