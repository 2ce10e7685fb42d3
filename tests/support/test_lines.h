/*
 * A result line as one line of text, for tests that compare results read or fed
 * in different ways.
 */
#ifndef TALLY_TEST_LINES_H
#define TALLY_TEST_LINES_H

#include <stddef.h>

#include <tally/tally.h>

/* "payee component period kind amount" into out[size] (cut short when it does
 * not fit). */
void test_line_text(const tally_line *line, char *out, size_t size);

/* test_line_text() of every line of a result, each ended by '\n', into out[size];
 * returns 0 when they do not all fit. */
int test_result_text(const tally_result *result, char *out, size_t size);

#endif /* TALLY_TEST_LINES_H */
