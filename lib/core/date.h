/*
 * Calendar dates as day numbers, and the period calendars of domain.md section 4:
 * months, quarters, halves and years, calendar or fiscal (a fiscal year may start
 * in any month and is named by the calendar year it ends in).
 */
#ifndef TALLY_CORE_DATE_H
#define TALLY_CORE_DATE_H

#include <stddef.h>
#include <stdint.h>

/* Days since 1970-01-01 (negative before). Years 1 ... 9999 only. */
typedef int32_t tally_day;

/* Shortest text of a date, "YYYY-MM-DD", plus NUL. */
#define TALLY_DATE_TEXT_SIZE 11

/* Returns 1 and stores the day for a valid proleptic Gregorian date, else 0. */
int tally_date__from_civil(tally_day *out, int year, int month, int day);
void tally_date__to_civil(tally_day day, int *year, int *month, int *day_of_month);
/* Strict ISO 8601 calendar date "YYYY-MM-DD" of exactly `length` bytes. */
int tally_date__parse(tally_day *out, const char *text, size_t length);
/* The numbers of a "YYYY-MM-DD" text, its form checked but not the calendar. */
int tally_date__split(const char *text, size_t length, int *year, int *month, int *day);
/* As tally_date__split() on a NUL-terminated string (no length needed). */
int tally_date__split_string(const char *text, int *year, int *month, int *day);
void tally_date__format(char out[TALLY_DATE_TEXT_SIZE], tally_day day);

/* date_reader.c: the dates of many rows, read with what the last ones taught. */
#define TALLY_DATE_READER_MONTHS 16u /* a power of two */

/* A month's first day and length. */
typedef struct tally_month_start {
    int32_t month; /* year × 12 + month − 1; 0 (year 0, never valid) when empty */
    tally_day first;
    int days;
} tally_month_start;

typedef struct tally_date_reader {
    tally_month_start months[TALLY_DATE_READER_MONTHS]; /* by month number, modulo */
    char last[11]; /* the last date read, "" before the first */
    tally_day last_day;
    int32_t last_month;
} tally_date_reader;

void tally_date__reader_init(tally_date_reader *reader);
/* Reads a NUL-terminated "YYYY-MM-DD" date, as tally_date__parse() would, into its
 * day and its month number (year × 12 + month − 1); returns 0 when it is not one
 * (NULL included). */
int tally_date__read(tally_date_reader *reader, const char *text, tally_day *day,
                     int32_t *month);
/* The same for a text whose strlen() is known: the last date is then recognized
 * with two word compares instead of a byte loop. */
int tally_date__read_sized(tally_date_reader *reader, const char *text, size_t length,
                           tally_day *day, int32_t *month);

typedef enum tally_period_kind {
    TALLY_PERIOD_MONTH,
    TALLY_PERIOD_QUARTER,
    TALLY_PERIOD_HALF,
    TALLY_PERIOD_YEAR,
    TALLY_PERIOD_FISCAL_QUARTER,
    TALLY_PERIOD_FISCAL_HALF,
    TALLY_PERIOD_FISCAL_YEAR
} tally_period_kind;

/* A period kind plus the month its years start in (1 for calendar periods). */
typedef struct tally_calendar {
    tally_period_kind kind;
    int fiscal_start_month; /* 1 ... 12 */
} tally_calendar;

/* Room for any period label ("FY2027-Q1" is the longest real one). */
#define TALLY_PERIOD_LABEL_SIZE 24

/*
 * Periods are numbered consecutively so that "the next period" is index + 1 and
 * ordering is numeric. The numbering is only meaningful within one calendar.
 */
int32_t tally_period__index(const tally_calendar *calendar, tally_day day);
tally_day tally_period__first_day(const tally_calendar *calendar, int32_t index);
tally_day tally_period__last_day(const tally_calendar *calendar, int32_t index);
void tally_period__label(char out[TALLY_PERIOD_LABEL_SIZE], const tally_calendar *calendar,
                         int32_t index);
/* Months in one period of the kind: 1, 3, 6 or 12. */
int tally_period__months(tally_period_kind kind);
/* Name used in plans ("month", "fiscal-quarter" ...); NULL for an invalid kind. */
const char *tally_period__kind_name(tally_period_kind kind);
/* Parses a plan's period name; returns 0 when unknown. */
int tally_period__kind_parse(tally_period_kind *out, const char *name);

#endif /* TALLY_CORE_DATE_H */
