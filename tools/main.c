/*
 * tally: the command-line tool. Dispatches to a subcommand; handles the global
 * --help and --version.
 */
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "tally.h"

static const char main_help[] =
    "Usage: tally COMMAND [ARGUMENT]...\n"
    "\n"
    "Exact, reproducible channel-partner incentive calculations.\n"
    "\n"
    "Commands:\n"
    "  run       compute the payouts of a plan for CSV inputs (table, CSV or JSON)\n"
    "  check     validate and lint a plan and show its versions and components\n"
    "  explain   explain each payout line: rule, bands, caps, clawback, sources\n"
    "  progress  each payee's distance to the next tier (table, CSV or JSON)\n"
    "  curve     draw the payout curve of a tiered component as a standalone SVG\n"
    "  report    the programme view: cost, participation, tiers, leaders, growth, MDF\n"
    "  statement a partner's statement as a self-contained, printable HTML page\n"
    "  replay    verify an audit bundle written by 'tally run --bundle'\n"
    "  help      show the help of a command: tally help COMMAND\n"
    "\n"
    "Options:\n"
    "  -h, --help      show this help\n"
    "  -V, --version   show the version of tally and of libtally\n"
    "\n"
    "Example:\n"
    "  tally run examples/reseller-programme.xml \\\n"
    "      --transactions examples/data/reseller/transactions.csv \\\n"
    "      --partners examples/data/reseller/partners.csv \\\n"
    "      --claims examples/data/reseller/claims.csv\n"
    "\n"
    "Errors are printed as 'tally: file:line:column: field: message'.\n"
    "Exit status:\n"
    "  0  success\n"
    "  1  invalid plan, or input rows rejected (with --on-error=stop)\n"
    "  2  usage error (bad command line)\n"
    "  3  a file could not be read or written\n"
    "  4  out of memory or internal error\n"
    "\n"
    "See 'tally COMMAND --help' for the options of each command.\n";

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
} command;

static const command commands[] = {
    {"run", tool_cmd_run},
    {"check", tool_cmd_check},
    {"explain", tool_cmd_explain},
    {"progress", tool_cmd_progress},
    {"curve", tool_cmd_curve},
    {"report", tool_cmd_report},
    {"statement", tool_cmd_statement},
    {"replay", tool_cmd_replay},
};

static const command *
find_command(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int
finish(int code)
{
    if (fflush(stdout) != 0 && code == TOOL_EXIT_OK) {
        tool_error("cannot write to standard output");
        return TOOL_EXIT_IO;
    }
    return code;
}

int
main(int argc, char **argv)
{
#ifdef __GLIBC__
    /* glibc raises its mmap threshold each time a large block is freed, so the
     * large buffers of a later stage come from the heap and are kept after they
     * are freed: 10 M rows peaked at 62.6 MB instead of 56 MB with it fixed at the
     * default (large blocks mapped, and unmapped when freed). */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
    if (argc < 2)
        return tool_usage_error(NULL, "no command given");

    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
        fputs(main_help, stdout);
        return finish(TOOL_EXIT_OK);
    }
    if (strcmp(name, "-V") == 0 || strcmp(name, "--version") == 0) {
        printf("tally %s (libtally %s)\n", TALLY_VERSION_STRING, tally_version());
        return finish(TOOL_EXIT_OK);
    }
    if (strcmp(name, "help") == 0) {
        if (argc < 3) {
            fputs(main_help, stdout);
            return finish(TOOL_EXIT_OK);
        }
        const command *cmd = find_command(argv[2]);
        if (!cmd)
            return tool_usage_error(NULL, "unknown command \"%s\"", argv[2]);
        char *help_argv[] = {argv[2], (char *)"--help", NULL};
        return finish(cmd->run(2, help_argv));
    }
    const command *cmd = find_command(name);
    if (!cmd) {
        if (name[0] == '-')
            return tool_usage_error(NULL, "unknown option \"%s\"", name);
        return tool_usage_error(NULL, "unknown command \"%s\"", name);
    }
    return finish(cmd->run(argc - 1, argv + 1));
}
