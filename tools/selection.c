/*
 * The command line of the subcommands that look at some payees' lines of a run
 * (explain, progress): PLAN, the input files and their options, and --payee,
 * --component, --format and --output to choose what is shown and where.
 */
#include <string.h>

#include "tally.h"

int
tool_selection_parse(tool_selection *selection, int argc, char **argv, const char *command)
{
    tool_args args = {argc, argv, 1, command, 0};
    int code = TOOL_EXIT_OK, only_positional = 0;

    memset(selection, 0, sizeof(*selection));
    if ((code = tool_inputs_init(&selection->inputs, command, argc)) != TOOL_EXIT_OK)
        return code;
    while (args.index < argc) {
        const char *arg = argv[args.index];

        if (tool_plan_argument(&args, &only_positional, &selection->plan, &code)) {
            if (code != TOOL_EXIT_OK)
                return code;
        } else if (tool_is_help(&args)) {
            return TOOL_SELECTION_HELP;
        } else if (tool_inputs_option(&selection->inputs, &args, &code)) {
            if (code != TOOL_EXIT_OK)
                return code;
        } else if (!tool_option(&args, "--payee", &selection->payee) &&
                   !tool_option(&args, "--component", &selection->component) &&
                   !tool_option(&args, "--format", &selection->format) &&
                   !tool_option(&args, "--output", &selection->output) &&
                   !tool_option(&args, "-o", &selection->output)) {
            return tool_usage_error(command, "unknown option \"%s\"", arg);
        }
        if (args.failed)
            return TOOL_EXIT_USAGE;
    }
    return TOOL_EXIT_OK;
}

int
tool_selection_check(const tool_selection *selection, const char *command)
{
    if (!selection->plan)
        return tool_usage_error(command, "no PLAN given");
    return tool_inputs_validate(&selection->inputs, selection->plan, 1);
}

int
tool_selection_wants(const tool_selection *selection, const tally_line *line)
{
    return (!selection->payee || strcmp(selection->payee, tally_line_payee(line)) == 0) &&
           (!selection->component ||
            strcmp(selection->component, tally_line_component(line)) == 0);
}
