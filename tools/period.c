/*
 * Period labels as date ranges, for `tally run --period`: the labels of
 * docs/semantics.md section 3. A fiscal year is named by the calendar year it ends
 * in: starting in July, FY2027 is 2026-07-01 ... 2027-06-30. Also the check of
 * a date option value (YYYY-MM-DD).
 */
#include <string.h>

#include "tally.h"

static int
leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
month_days(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && leap(year) ? 29 : days[month - 1];
}

/* Reads exactly @p count digits. */
static int
number(const char *text, size_t count, int *out)
{
    int value = 0;
    for (size_t i = 0; i < count; i++) {
        if (text[i] < '0' || text[i] > '9')
            return 0;
        value = value * 10 + (text[i] - '0');
    }
    *out = value;
    return 1;
}

/* Writes YYYY-MM-DD; @p year is 1 ... 9999. */
static void
date_text(char out[TOOL_DATE_SIZE], int year, int month, int day)
{
    int parts[3] = {year, month, day};
    int widths[3] = {4, 2, 2};
    size_t at = 0;

    for (int p = 0; p < 3; p++) {
        if (p > 0)
            out[at++] = '-';
        for (int i = widths[p] - 1, value = parts[p]; i >= 0; i--, value /= 10)
            out[at + (size_t)i] = (char)('0' + value % 10);
        at += (size_t)widths[p];
    }
    out[at] = '\0';
}

/* A span of @p months months starting at month index @p start (year * 12 + month - 1). */
static void
span(int start, int months, char first[TOOL_DATE_SIZE], char last[TOOL_DATE_SIZE])
{
    int end = start + months - 1;
    int end_year = end / 12, end_month = end % 12 + 1;

    date_text(first, start / 12, start % 12 + 1, 1);
    date_text(last, end_year, end_month, month_days(end_year, end_month));
}

int
tool_period_range(const char *label, int fiscal_start_month, char first[TOOL_DATE_SIZE],
                  char last[TOOL_DATE_SIZE])
{
    int fiscal = 0, year, part;
    const char *rest;

    if (fiscal_start_month < 1 || fiscal_start_month > 12)
        fiscal_start_month = 1;
    if (strncmp(label, "FY", 2) == 0) {
        fiscal = 1;
        label += 2;
    }
    if (strlen(label) < 4 || !number(label, 4, &year) || year < 1 || year > 9999)
        return -1;
    rest = label + 4;

    /* The first month of the year the label counts in, as year * 12 + month - 1. */
    int base = year * 12;
    if (fiscal && fiscal_start_month != 1)
        base = (year - 1) * 12 + fiscal_start_month - 1;
    if (base < 12)
        return -1;

    if (*rest == '\0') {
        span(base, 12, first, last);
        return 0;
    }
    if (rest[0] != '-')
        return -1;
    rest++;
    if ((rest[0] == 'Q' || rest[0] == 'H') && strlen(rest) == 2 && number(rest + 1, 1, &part)) {
        int count = rest[0] == 'Q' ? 4 : 2;
        if (part < 1 || part > count)
            return -1;
        span(base + (part - 1) * (12 / count), 12 / count, first, last);
        return 0;
    }
    if (!fiscal && strlen(rest) == 2 && number(rest, 2, &part) && part >= 1 && part <= 12) {
        span(base + part - 1, 1, first, last);
        return 0;
    }
    return -1;
}

int
tool_is_date(const char *text)
{
    int year, month, day;

    if (strlen(text) != 10 || text[4] != '-' || text[7] != '-')
        return 0;
    if (!number(text, 4, &year) || !number(text + 5, 2, &month) || !number(text + 8, 2, &day))
        return 0;
    return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= month_days(year, month);
}
