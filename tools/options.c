/*
 * Argument parsing helpers: long options as `--name VALUE` or `--name=VALUE`,
 * flags, and date checks for option values.
 */
#include <string.h>

#include "tally.h"

int
tool_option(tool_args *args, const char *name, const char **value)
{
    const char *arg = args->argv[args->index];
    size_t length = strlen(name);

    if (strncmp(arg, name, length) != 0)
        return 0;
    if (arg[length] == '=') {
        *value = arg + length + 1;
        args->index++;
        return 1;
    }
    if (arg[length] != '\0')
        return 0;
    if (args->index + 1 >= args->argc) {
        tool_usage_error(args->command, "option %s needs a value", name);
        args->failed = 1;
        args->index++;
        return 1;
    }
    *value = args->argv[args->index + 1];
    args->index += 2;
    return 1;
}

int
tool_flag(tool_args *args, const char *name)
{
    if (strcmp(args->argv[args->index], name) != 0)
        return 0;
    args->index++;
    return 1;
}

int
tool_is_help(const tool_args *args)
{
    const char *arg = args->argv[args->index];
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

static int
digits(const char *text, size_t count, int *out)
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

static int
days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

int
tool_is_date(const char *text)
{
    int year, month, day;

    if (strlen(text) != 10 || text[4] != '-' || text[7] != '-')
        return 0;
    if (!digits(text, 4, &year) || !digits(text + 5, 2, &month) || !digits(text + 8, 2, &day))
        return 0;
    return year >= 1 && month >= 1 && month <= 12 && day >= 1 &&
           day <= days_in_month(year, month);
}
