/*
 * Version macros agree with the library actually linked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include <tally/tally.h>

static void
linked_library_matches_headers(void **state)
{
    (void)state;
    assert_string_equal(tally_version(), TALLY_VERSION_STRING);
    assert_int_equal(tally_version_number(), TALLY_VERSION_NUMBER);
    char expected[32];
    snprintf(expected, sizeof(expected), "%d.%d.%d", TALLY_VERSION_MAJOR, TALLY_VERSION_MINOR,
             TALLY_VERSION_PATCH);
    assert_string_equal(tally_version(), expected);
}

static void
check_version_macro(void **state)
{
    (void)state;
    assert_true(TALLY_CHECK_VERSION(0, 0, 0));
    assert_true(TALLY_CHECK_VERSION(TALLY_VERSION_MAJOR, TALLY_VERSION_MINOR,
                                    TALLY_VERSION_PATCH));
    assert_false(TALLY_CHECK_VERSION(TALLY_VERSION_MAJOR + 1, 0, 0));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(linked_library_matches_headers),
        cmocka_unit_test(check_version_macro),
    };
    return cmocka_run_group_tests_name("version", tests, NULL, NULL);
}
