/*
 * The explanation text writer (engine/payout.c): the conversions it does itself
 * must give exactly what vsnprintf gives, and the text is cut where it ends.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "engine/payout.h"

static tally_text text; /* 16 KiB: not on the stack */

static void
starts_empty(void)
{
    text.length = 0;
    text.data[0] = '\0';
}

static void
conversions_match_snprintf(void **state)
{
    (void)state;
    static const int ints[] = {0, 7, -7, 42, INT_MAX, INT_MIN, -1000000};
    static const unsigned long long longs[] = {0, 1, 10, 99, ULLONG_MAX, 1234567890123ull};
    char expected[256];
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        for (size_t j = 0; j < sizeof(longs) / sizeof(longs[0]); j++) {
            starts_empty();
            tally_text__add(&text, "rule %s: %d places, %llu rows, 5%% %s%s\n", "r-1", ints[i],
                            longs[j], "", "end");
            snprintf(expected, sizeof(expected), "rule %s: %d places, %llu rows, 5%% %s%s\n",
                     "r-1", ints[i], longs[j], "", "end");
            assert_string_equal(text.data, expected);
            assert_int_equal(text.length, strlen(expected));
        }
    }
    starts_empty();
    tally_text__add(&text, "%s", "a");
    tally_text__add(&text, "%%");
    tally_text__add(&text, "plain");
    tally_text__add(&text, "%d%d", 1, -2);
    assert_string_equal(text.data, "a%plain1-2");
}

/* A conversion it does not know goes to vsnprintf, with the same arguments. */
static void
other_conversions_fall_back(void **state)
{
    (void)state;
    starts_empty();
    tally_text__add(&text, "x %s %5s %x %c|", "t", "ab", 255u, 'z');
    assert_string_equal(text.data, "x t    ab ff z|");
    tally_text__add(&text, "%s %zu", "!", (size_t)3);
    assert_string_equal(text.data, "x t    ab ff z|! 3");
}

/* Near the end of the buffer the text is cut, as vsnprintf would cut it, and the
 * buffer stays NUL-terminated; once full, nothing more is added. */
static void
text_is_cut_at_the_end(void **state)
{
    (void)state;
    size_t size = sizeof(text.data);
    for (size_t free_bytes = 1; free_bytes < 40; free_bytes++) {
        starts_empty();
        memset(text.data, 'a', size - free_bytes);
        text.length = size - free_bytes;
        text.data[text.length] = '\0';
        tally_text__add(&text, "%s=%d:%llu%%", "name", -12345, 987654321ull);
        const char *full = "name=-12345:987654321%";
        size_t fits = free_bytes - 1 < strlen(full) ? free_bytes - 1 : strlen(full);
        assert_int_equal(text.length, size - free_bytes + fits);
        assert_int_equal(text.data[text.length], '\0');
        assert_memory_equal(text.data + size - free_bytes, full, fits);
        tally_text__add(&text, "%s", "more");
        if (fits < strlen(full)) /* full: nothing more */
            assert_int_equal(text.length, size - 1);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(conversions_match_snprintf),
        cmocka_unit_test(other_conversions_fall_back),
        cmocka_unit_test(text_is_cut_at_the_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
