/*
 * Argument parsing helpers: long options as `--name VALUE` or `--name=VALUE`,
 * flags, and the one PLAN argument (dates are checked in period.c).
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

int
tool_plan_argument(tool_args *args, int *only_positional, const char **plan, int *status)
{
    const char *arg = args->argv[args->index];

    if (*only_positional || arg[0] != '-' || strcmp(arg, "-") == 0) {
        if (*plan) {
            *status = tool_usage_error(args->command,
                                       "unexpected argument \"%s\" (one PLAN only)", arg);
            return 1;
        }
        *plan = arg;
        args->index++;
        return 1;
    }
    if (strcmp(arg, "--") == 0) {
        *only_positional = 1;
        args->index++;
        return 1;
    }
    return 0;
}
