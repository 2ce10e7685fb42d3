/*
 * Dates and period calendars (domain.md sections 4 and 9.6).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/date.h"

static tally_day
day_of(const char *text)
{
    tally_day day;
    if (!tally_date__parse(&day, text, strlen(text)))
        fail_msg("test date %s does not parse", text);
    return day;
}

static void
parses_and_formats_iso_dates(void **state)
{
    (void)state;
    static const char *const dates[] = {"1970-01-01", "2000-02-29", "2026-12-31",
                                        "0001-01-01", "9999-12-31", "1969-12-31"};
    for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
        char text[TALLY_DATE_TEXT_SIZE];
        tally_date__format(text, day_of(dates[i]));
        assert_string_equal(text, dates[i]);
    }
    assert_int_equal(day_of("1970-01-01"), 0);
    assert_int_equal(day_of("1970-01-02"), 1);
    assert_int_equal(day_of("1969-12-31"), -1);
    assert_int_equal(day_of("2000-03-01") - day_of("2000-02-28"), 2);
    assert_int_equal(day_of("2100-03-01") - day_of("2100-02-28"), 1);
}

static void
rejects_invalid_dates(void **state)
{
    (void)state;
    static const char *const bad[] = {"2026-02-29", "2026-13-01", "2026-00-10", "2026-04-31",
                                      "2026-1-01",  "26-01-01",   "2026/01/01", "2026-01-01T",
                                      "0000-01-01", "",           "2026-01-0a", "1900-02-29"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        tally_day day;
        if (tally_date__parse(&day, bad[i], strlen(bad[i])))
            fail_msg("%s parsed", bad[i]);
    }
}

/* The string form reads a date exactly as the sized form does, and stops at a
 * NUL anywhere (a short string is never read past its end: ASan would say). */
static void
string_split_agrees_with_sized_split(void **state)
{
    (void)state;
    static const char *const texts[] = {"2026-01-31", "0001-01-01", "9999-12-31", "2026-13-40",
                                        "2026-1-01",  "2026-01-011", "2026/01/01", "2026-01-0",
                                        "2026-01-",   "2026",        "",           "202a-01-01",
                                        "2026-0b-01", "2026-01-0c",  "2026-01-01 ", "-026-01-01"};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        int y1 = -1, m1 = -1, d1 = -1, y2 = -1, m2 = -1, d2 = -1;
        size_t size = strlen(texts[i]) + 1;
        char *own = malloc(size); /* its own allocation, so an over-read shows */
        assert_non_null(own);
        memcpy(own, texts[i], size);
        int sized = tally_date__split(own, strlen(own), &y1, &m1, &d1);
        int string = tally_date__split_string(own, &y2, &m2, &d2);
        free(own);
        assert_int_equal(sized, string);
        if (sized) {
            assert_int_equal(y1, y2);
            assert_int_equal(m1, m2);
            assert_int_equal(d1, d2);
        }
    }
    int y, m, d;
    assert_true(tally_date__split_string("2026-13-40", &y, &m, &d)); /* form only */
    assert_int_equal(m, 13);
    assert_int_equal(d, 40);
}

/* Every day from 1900 to 2100 round-trips and days are consecutive. */
static void
civil_conversion_is_consistent(void **state)
{
    (void)state;
    tally_day first = day_of("1900-01-01"), last = day_of("2100-12-31");
    int year = 1900, month = 1, day = 1;
    for (tally_day d = first; d <= last; d++) {
        int y, m, dd;
        tally_date__to_civil(d, &y, &m, &dd);
        assert_int_equal(y, year);
        assert_int_equal(m, month);
        assert_int_equal(dd, day);
        tally_day back;
        assert_true(tally_date__from_civil(&back, y, m, dd));
        assert_int_equal(back, d);
        tally_day next;
        if (tally_date__from_civil(&next, year, month, day + 1)) {
            day++;
        } else if (month < 12) {
            month++;
            day = 1;
        } else {
            year++;
            month = 1;
            day = 1;
        }
    }
}

static void
check_period(tally_period_kind kind, int fiscal_start, const char *date, const char *label,
             const char *first, const char *last)
{
    tally_calendar calendar = {kind, fiscal_start};
    int32_t index = tally_period__index(&calendar, day_of(date));
    char text[TALLY_PERIOD_LABEL_SIZE], first_text[TALLY_DATE_TEXT_SIZE],
        last_text[TALLY_DATE_TEXT_SIZE];
    tally_period__label(text, &calendar, index);
    tally_date__format(first_text, tally_period__first_day(&calendar, index));
    tally_date__format(last_text, tally_period__last_day(&calendar, index));
    assert_string_equal(text, label);
    assert_string_equal(first_text, first);
    assert_string_equal(last_text, last);
}

static void
calendar_period_labels(void **state)
{
    (void)state;
    check_period(TALLY_PERIOD_MONTH, 1, "2026-03-15", "2026-03", "2026-03-01", "2026-03-31");
    check_period(TALLY_PERIOD_MONTH, 7, "2024-02-10", "2024-02", "2024-02-01", "2024-02-29");
    check_period(TALLY_PERIOD_QUARTER, 1, "2026-01-01", "2026-Q1", "2026-01-01", "2026-03-31");
    check_period(TALLY_PERIOD_QUARTER, 7, "2026-12-31", "2026-Q4", "2026-10-01", "2026-12-31");
    check_period(TALLY_PERIOD_HALF, 1, "2026-07-01", "2026-H2", "2026-07-01", "2026-12-31");
    check_period(TALLY_PERIOD_YEAR, 4, "2026-06-30", "2026", "2026-01-01", "2026-12-31");
}

/* domain.md: fiscal year 2027 starting in July covers 2026-07-01 ... 2027-06-30. */
static void
fiscal_period_labels(void **state)
{
    (void)state;
    check_period(TALLY_PERIOD_FISCAL_YEAR, 7, "2026-07-01", "FY2027", "2026-07-01",
                 "2027-06-30");
    check_period(TALLY_PERIOD_FISCAL_YEAR, 7, "2027-06-30", "FY2027", "2026-07-01",
                 "2027-06-30");
    check_period(TALLY_PERIOD_FISCAL_YEAR, 7, "2026-06-30", "FY2026", "2025-07-01",
                 "2026-06-30");
    check_period(TALLY_PERIOD_FISCAL_QUARTER, 7, "2026-08-15", "FY2027-Q1", "2026-07-01",
                 "2026-09-30");
    check_period(TALLY_PERIOD_FISCAL_QUARTER, 7, "2027-05-01", "FY2027-Q4", "2027-04-01",
                 "2027-06-30");
    check_period(TALLY_PERIOD_FISCAL_HALF, 7, "2027-01-01", "FY2027-H2", "2027-01-01",
                 "2027-06-30");
    check_period(TALLY_PERIOD_FISCAL_YEAR, 1, "2026-05-05", "FY2026", "2026-01-01",
                 "2026-12-31");
    check_period(TALLY_PERIOD_FISCAL_QUARTER, 2, "2026-01-31", "FY2026-Q4", "2025-11-01",
                 "2026-01-31");
    check_period(TALLY_PERIOD_FISCAL_QUARTER, 12, "2026-12-01", "FY2027-Q1", "2026-12-01",
                 "2027-02-28");
}

static void
consecutive_periods_have_consecutive_indexes(void **state)
{
    (void)state;
    for (int kind = 0; kind <= TALLY_PERIOD_FISCAL_YEAR; kind++) {
        tally_calendar calendar = {(tally_period_kind)kind, 10};
        int32_t index = tally_period__index(&calendar, day_of("2026-05-20"));
        tally_day last = tally_period__last_day(&calendar, index);
        assert_int_equal(tally_period__index(&calendar, last + 1), index + 1);
        assert_int_equal(tally_period__first_day(&calendar, index + 1), last + 1);
    }
}

static void
period_kind_names_round_trip(void **state)
{
    (void)state;
    for (int kind = 0; kind <= TALLY_PERIOD_FISCAL_YEAR; kind++) {
        tally_period_kind parsed;
        assert_true(tally_period__kind_parse(&parsed,
                                             tally_period__kind_name((tally_period_kind)kind)));
        assert_int_equal(parsed, kind);
    }
    tally_period_kind parsed;
    assert_false(tally_period__kind_parse(&parsed, "week"));
    assert_null(tally_period__kind_name((tally_period_kind)42));
    assert_int_equal(tally_period__months(TALLY_PERIOD_FISCAL_HALF), 6);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_and_formats_iso_dates),
        cmocka_unit_test(rejects_invalid_dates),
        cmocka_unit_test(string_split_agrees_with_sized_split),
        cmocka_unit_test(civil_conversion_is_consistent),
        cmocka_unit_test(calendar_period_labels),
        cmocka_unit_test(fiscal_period_labels),
        cmocka_unit_test(consecutive_periods_have_consecutive_indexes),
        cmocka_unit_test(period_kind_names_round_trip),
    };
    return cmocka_run_group_tests_name("date", tests, NULL, NULL);
}
