/*
 * Dates and period calendars. Day numbers come from the usual era-based
 * conversion of the proleptic Gregorian calendar; periods are counted in months
 * from year 0 so that every period of a calendar has a consecutive index.
 */
#include "core/date.h"

#include <stdio.h>
#include <string.h>

static int
is_leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap_year(year) ? 29 : days[month - 1];
}

/* Years of 400 days cycles: count from March so the leap day ends each year. */
int
tally_date__from_civil(tally_day *out, int year, int month, int day)
{
    if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 ||
        day > days_in_month(year, month))
        return 0;
    int y = month <= 2 ? year - 1 : year;
    int era = y / 400; /* y >= 0 here */
    int year_of_era = y - era * 400;
    int shifted_month = month > 2 ? month - 3 : month + 9;
    int day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    int day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    *out = era * 146097 + day_of_era - 719468;
    return 1;
}

void
tally_date__to_civil(tally_day day, int *year, int *month, int *day_of_month)
{
    int32_t z = day + 719468;
    int32_t era = (z >= 0 ? z : z - 146096) / 146097;
    int32_t day_of_era = z - era * 146097;
    int32_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int32_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int32_t shifted_month = (5 * day_of_year + 2) / 153;
    *day_of_month = (int)(day_of_year - (153 * shifted_month + 2) / 5 + 1);
    *month = (int)(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
    *year = (int)(year_of_era + era * 400 + (*month <= 2));
}

static int
read_digits(const char *text, int count, int *out)
{
    int value = 0;
    for (int i = 0; i < count; i++) {
        if (text[i] < '0' || text[i] > '9')
            return 0;
        value = value * 10 + (text[i] - '0');
    }
    *out = value;
    return 1;
}

int
tally_date__split(const char *text, size_t length, int *year, int *month, int *day)
{
    return length == 10 && text[4] == '-' && text[7] == '-' && read_digits(text, 4, year) &&
           read_digits(text + 5, 2, month) && read_digits(text + 8, 2, day);
}

/* Reads the characters in order and stops at the first wrong one, so a shorter
 * string's NUL ends the reading: no strlen is needed first. */
int
tally_date__split_string(const char *text, int *year, int *month, int *day)
{
    return read_digits(text, 4, year) && text[4] == '-' && read_digits(text + 5, 2, month) &&
           text[7] == '-' && read_digits(text + 8, 2, day) && text[10] == '\0';
}

int
tally_date__parse(tally_day *out, const char *text, size_t length)
{
    int year, month, day;
    return tally_date__split(text, length, &year, &month, &day) &&
           tally_date__from_civil(out, year, month, day);
}

static void
put_digits(char *out, int value, int count)
{
    for (int i = count - 1; i >= 0; i--) {
        out[i] = (char)('0' + value % 10);
        value /= 10;
    }
}

/* Digit by digit: years are 1 ... 9999, so the text always has its ten characters
 * (and the compiler need not wonder whether an int fits the buffer). */
void
tally_date__format(char out[TALLY_DATE_TEXT_SIZE], tally_day day)
{
    int year, month, day_of_month;
    tally_date__to_civil(day, &year, &month, &day_of_month);
    put_digits(out, year, 4);
    out[4] = '-';
    put_digits(out + 5, month, 2);
    out[7] = '-';
    put_digits(out + 8, day_of_month, 2);
    out[10] = '\0';
}

/* ---- periods ---- */

static const struct {
    const char *name;
    int months;
    int fiscal;
} kinds[] = {
    [TALLY_PERIOD_MONTH] = {"month", 1, 0},
    [TALLY_PERIOD_QUARTER] = {"quarter", 3, 0},
    [TALLY_PERIOD_HALF] = {"half", 6, 0},
    [TALLY_PERIOD_YEAR] = {"year", 12, 0},
    [TALLY_PERIOD_FISCAL_QUARTER] = {"fiscal-quarter", 3, 1},
    [TALLY_PERIOD_FISCAL_HALF] = {"fiscal-half", 6, 1},
    [TALLY_PERIOD_FISCAL_YEAR] = {"fiscal-year", 12, 1},
};

#define KIND_COUNT ((int)(sizeof(kinds) / sizeof(kinds[0])))

int
tally_period__months(tally_period_kind kind)
{
    return kinds[kind].months;
}

const char *
tally_period__kind_name(tally_period_kind kind)
{
    return (int)kind >= 0 && (int)kind < KIND_COUNT ? kinds[kind].name : NULL;
}

int
tally_period__kind_parse(tally_period_kind *out, const char *name)
{
    for (int kind = 0; kind < KIND_COUNT; kind++) {
        if (strcmp(name, kinds[kind].name) == 0) {
            *out = (tally_period_kind)kind;
            return 1;
        }
    }
    return 0;
}

/* Calendar periods start in January whatever the plan's fiscal year says. */
static int
start_shift(const tally_calendar *calendar)
{
    return kinds[calendar->kind].fiscal ? calendar->fiscal_start_month - 1 : 0;
}

/* Months counted from January of year 0. */
static int32_t
month_number(tally_day day)
{
    int year, month, day_of_month;
    tally_date__to_civil(day, &year, &month, &day_of_month);
    return (int32_t)year * 12 + (month - 1);
}

int32_t
tally_period__index(const tally_calendar *calendar, tally_day day)
{
    return (month_number(day) - start_shift(calendar)) / kinds[calendar->kind].months;
}

static tally_day
first_day_of_month_number(int32_t number)
{
    tally_day day = 0;
    tally_date__from_civil(&day, (int)(number / 12), (int)(number % 12) + 1, 1);
    return day;
}

tally_day
tally_period__first_day(const tally_calendar *calendar, int32_t index)
{
    return first_day_of_month_number(index * kinds[calendar->kind].months +
                                     start_shift(calendar));
}

tally_day
tally_period__last_day(const tally_calendar *calendar, int32_t index)
{
    return tally_period__first_day(calendar, index + 1) - 1;
}

void
tally_period__label(char out[TALLY_PERIOD_LABEL_SIZE], const tally_calendar *calendar,
                    int32_t index)
{
    int months = kinds[calendar->kind].months;
    int32_t first = index * months + start_shift(calendar);
    int year = (int)(first / 12), month = (int)(first % 12) + 1;
    /* A fiscal year is named by the calendar year of its last month. */
    int32_t fiscal_offset = first - start_shift(calendar);
    int fiscal_year = (int)((fiscal_offset / 12 * 12 + start_shift(calendar) + 11) / 12);
    int position = (int)(fiscal_offset % 12) / months + 1;
    switch (calendar->kind) {
    case TALLY_PERIOD_MONTH:
        snprintf(out, TALLY_PERIOD_LABEL_SIZE, "%04d-%02d", year, month);
        break;
    case TALLY_PERIOD_QUARTER:
        snprintf(out, TALLY_PERIOD_LABEL_SIZE, "%04d-Q%d", year, (month - 1) / 3 + 1);
        break;
    case TALLY_PERIOD_HALF:
        snprintf(out, TALLY_PERIOD_LABEL_SIZE, "%04d-H%d", year, (month - 1) / 6 + 1);
        break;
    case TALLY_PERIOD_YEAR:
        snprintf(out, TALLY_PERIOD_LABEL_SIZE, "%04d", year);
        break;
    case TALLY_PERIOD_FISCAL_QUARTER:
        snprintf(out, TALLY_PERIOD_LABEL_SIZE, "FY%04d-Q%d", fiscal_year, position);
        break;
    case TALLY_PERIOD_FISCAL_HALF:
        snprintf(out, TALLY_PERIOD_LABEL_SIZE, "FY%04d-H%d", fiscal_year, position);
        break;
    case TALLY_PERIOD_FISCAL_YEAR:
        snprintf(out, TALLY_PERIOD_LABEL_SIZE, "FY%04d", fiscal_year);
        break;
    }
}
