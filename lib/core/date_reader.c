/*
 * Reading the dates of many rows: a row's date is very often the previous row's
 * (files sorted or grouped by date), and else in one of a few recent months, so
 * the reader keeps the last date and the first days of recent months and most
 * dates need no calendar arithmetic. Each thread that reads rows has its own.
 */
#include <string.h>

#include "core/date.h"

/* Whether `text` is the ten characters of `last` (which has no NUL before its
 * end): compared in order, so a shorter text stops at its NUL and is not read
 * past it. */
static int
same_date(const char *text, const char *last)
{
    for (int i = 0; i < 10; i++)
        if (text[i] != last[i])
            return 0;
    return text[10] == '\0';
}

void
tally_date__reader_init(tally_date_reader *reader)
{
    memset(reader, 0, sizeof(*reader));
}

/* The last date read again. */
static int
last_date(const tally_date_reader *reader, tally_day *day, int32_t *month)
{
    *day = reader->last_day;
    *month = reader->last_month;
    return 1;
}

/* A date that is not the last one read (NULL included). */
static int
read_other(tally_date_reader *reader, const char *text, tally_day *day, int32_t *month)
{
    int year, month_of_year, day_of_month;
    if (!text || !tally_date__split_string(text, &year, &month_of_year, &day_of_month) ||
        month_of_year < 1 || month_of_year > 12)
        return 0;
    int32_t number = year * 12 + month_of_year - 1;
    tally_month_start *start = &reader->months[number & (TALLY_DATE_READER_MONTHS - 1)];
    if (start->month != number) {
        tally_day first, next;
        int next_year = month_of_year == 12 ? year + 1 : year;
        if (!tally_date__from_civil(&first, year, month_of_year, 1))
            return 0;
        /* December 9999 has no next month to count from: it has 31 days. */
        start->days = tally_date__from_civil(&next, next_year, month_of_year % 12 + 1, 1)
                          ? (int)(next - first)
                          : 31;
        start->first = first;
        start->month = number;
    }
    if (day_of_month < 1 || day_of_month > start->days)
        return 0;
    *day = start->first + day_of_month - 1;
    *month = number;
    memcpy(reader->last, text, 10); /* valid, so ten characters */
    reader->last[10] = '\0';
    reader->last_day = *day;
    reader->last_month = number;
    return 1;
}

int
tally_date__read_sized(tally_date_reader *reader, const char *text, size_t length,
                       tally_day *day, int32_t *month)
{
    if (text && length == 10 && reader->last[0] && memcmp(text, reader->last, 10) == 0)
        return last_date(reader, day, month);
    return read_other(reader, text, day, month);
}

int
tally_date__read(tally_date_reader *reader, const char *text, tally_day *day, int32_t *month)
{
    if (text && reader->last[0] && same_date(text, reader->last))
        return last_date(reader, day, month);
    return read_other(reader, text, day, month);
}
