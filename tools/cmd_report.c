/*
 * `tally report`: the programme view a channel manager reads (programme.c):
 * cost per component and as % of revenue, participation, payees per tier
 * reached, leaderboards by revenue and by tier attainment, growth against a
 * baseline range and MDF utilisation; as an aligned table, CSV, JSON or a
 * self-contained HTML page.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tally.h"

static const char report_help_head[] =
    "Usage: tally report PLAN --transactions FILE [OPTION]...\n"
    "\n"
    "Computes PLAN for the inputs, as 'tally run' does, and prints the programme\n"
    "view: the cost of each component (earned, true-up, clawback and MDF reimbursed)\n"
    "and as % of revenue (the net amount of every transaction in the range),\n"
    "participation (partners earning more than 0 of all partners: the partner\n"
    "table's, or those with sales when none is given), payees per tier reached on\n"
    "each tiered rebate or commission, the top partners by revenue and by tier\n"
    "attainment, revenue growth against a baseline range, and MDF utilisation\n"
    "(accrued, claimed, reimbursed, shortfall, expired, balance). Revenue counts\n"
    "by calendar month: a month is in a range when its last day is. Without\n"
    "--period, --from or --to the range is the plan's versions.\n"
    "\n";

static const char report_help_tail[] =
    "\n"
    "Report:\n"
    "  --baseline-from DATE, --baseline-to DATE\n"
    "                        the baseline range revenue growth is measured against\n"
    "                        (both, YYYY-MM-DD)\n"
    "  --top N               partners in each leaderboard (default 10)\n"
    "  --format FORMAT       table (default), csv (section,component,period,partner,\n"
    "                        band,measure,value), json or html (self-contained,\n"
    "                        printable)\n"
    "  -o, --output FILE     write to FILE instead of standard output\n"
    "  -q, --quiet           no progress bar and no summary on standard error\n"
    "  -h, --help            show this help\n"
    "\n"
    "Amounts and percentages are exact decimals (percentages rounded half-even to\n"
    "2 places; n/a of zero).\n"
    "\n"
    "Exit status: 0 ok, 1 invalid plan or rejected input, 2 usage error, 3 a file\n"
    "could not be read or written, 4 out of memory or internal error.\n";

typedef enum report_format {
    REPORT_TABLE,
    REPORT_CSV,
    REPORT_JSON,
    REPORT_HTML
} report_format;

typedef struct report_options {
    const char *plan;
    tool_inputs inputs;
    const char *baseline_from, *baseline_to;
    size_t top;
    report_format format;
    const char *output;
    int quiet;
} report_options;

static int
parse_format(report_options *options, const char *text)
{
    static const char *const names[] = {"table", "csv", "json", "html"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(text, names[i]) == 0) {
            options->format = (report_format)i;
            return TOOL_EXIT_OK;
        }
    }
    return tool_usage_error("report", "--format \"%s\": expected table, csv, json or html",
                            text);
}

static int
parse_top(report_options *options, const char *text)
{
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (!*text || *end || errno || value < 1 || value > 1000000 || text[0] == '-')
        return tool_usage_error("report", "--top \"%s\": expected a whole number from 1",
                                text);
    options->top = (size_t)value;
    return TOOL_EXIT_OK;
}

static int
option(report_options *options, tool_args *args)
{
    const char *value;
    int code;

    if (tool_inputs_option(&options->inputs, args, &code))
        return code;
    if (tool_option(args, "--baseline-from", &options->baseline_from) ||
        tool_option(args, "--baseline-to", &options->baseline_to) ||
        tool_option(args, "--output", &options->output) ||
        tool_option(args, "-o", &options->output))
        return args->failed ? TOOL_EXIT_USAGE : TOOL_EXIT_OK;
    if (tool_option(args, "--top", &value))
        return args->failed ? TOOL_EXIT_USAGE : parse_top(options, value);
    if (tool_option(args, "--format", &value))
        return args->failed ? TOOL_EXIT_USAGE : parse_format(options, value);
    if (tool_flag(args, "--quiet") || tool_flag(args, "-q")) {
        options->quiet = 1;
        return TOOL_EXIT_OK;
    }
    return tool_usage_error("report", "unknown option \"%s\"", args->argv[args->index]);
}

static int
parse(report_options *options, int argc, char **argv)
{
    tool_args args = {argc, argv, 1, "report", 0};
    int status = TOOL_EXIT_OK, only_positional = 0;

    memset(options, 0, sizeof(*options));
    options->top = 10;
    if ((status = tool_inputs_init(&options->inputs, "report", argc)) != TOOL_EXIT_OK)
        return status;
    while (status == TOOL_EXIT_OK && args.index < argc) {
        if (tool_plan_argument(&args, &only_positional, &options->plan, &status))
            continue;
        if (tool_is_help(&args)) {
            fputs(report_help_head, stdout);
            fputs(tool_inputs_help, stdout);
            fputs(report_help_tail, stdout);
            return -1;
        }
        status = option(options, &args);
        if (args.failed)
            return TOOL_EXIT_USAGE;
    }
    if (status != TOOL_EXIT_OK)
        return status;
    if (!options->plan)
        return tool_usage_error("report", "no PLAN given");
    if ((status = tool_inputs_validate(&options->inputs, options->plan, 1)) != TOOL_EXIT_OK)
        return status;
    const char *dates[2][2] = {{"--baseline-from", options->baseline_from},
                               {"--baseline-to", options->baseline_to}};
    for (int i = 0; i < 2; i++)
        if (dates[i][1] && !tool_is_date(dates[i][1]))
            return tool_usage_error("report", "%s \"%s\" is not a date (expected YYYY-MM-DD)",
                                    dates[i][0], dates[i][1]);
    if (!options->baseline_from != !options->baseline_to)
        return tool_usage_error("report", "--baseline-from and --baseline-to go together");
    if (options->baseline_from && strcmp(options->baseline_from, options->baseline_to) > 0)
        return tool_usage_error("report", "--baseline-from %s is after --baseline-to %s",
                                options->baseline_from, options->baseline_to);
    return TOOL_EXIT_OK;
}

static int
has_kind(const tool_inputs *inputs, tally_csv_kind kind)
{
    for (size_t i = 0; i < inputs->file_count; i++)
        if (inputs->files[i].kind == kind)
            return 1;
    return 0;
}

static uint64_t
accepted_of_kind(const tool_inputs *inputs, tally_csv_kind kind)
{
    uint64_t accepted = 0;
    for (size_t i = 0; i < inputs->file_count; i++)
        if (inputs->files[i].kind == kind)
            accepted += inputs->files[i].accepted;
    return accepted;
}

static int
write_output(const report_options *options, const tool_programme *programme)
{
    FILE *out = tool_output_open(options->output, "output file");
    int status;

    if (!out)
        return TOOL_EXIT_IO;
    switch (options->format) {
    case REPORT_CSV:
        status = tool_write_report_csv(out, programme);
        break;
    case REPORT_JSON:
        status = tool_write_report_json(out, programme);
        break;
    case REPORT_HTML:
        status = tool_write_report_html(out, programme);
        break;
    default:
        status = tool_write_report_table(out, programme);
        break;
    }
    return tool_output_close(out, status, out == stdout ? "<stdout>" : options->output,
                             "output");
}

int
tool_cmd_report(int argc, char **argv)
{
    report_options options;
    tally_ctx *ctx = NULL;
    tally_plan *plan = NULL;
    tally_session *session = NULL;
    tally_result *result = NULL;
    tool_revenue revenue;
    tool_programme programme;
    int code, status, have_programme = 0;
    char digest[TALLY_RESULT_DIGEST_HEX_SIZE];

    memset(&revenue, 0, sizeof(revenue));
    code = parse(&options, argc, argv);
    if (code != TOOL_EXIT_OK) {
        tool_inputs_free(&options.inputs);
        return code < 0 ? TOOL_EXIT_OK : code;
    }
    /* Source ids are not shown: do not keep them. */
    options.inputs.flags |= TALLY_SESSION_NO_SOURCE_IDS;
    options.inputs.quiet = options.quiet;
    code = tool_inputs_run_plan(&options.inputs, options.plan, &ctx, &plan, &session, &result);
    if (code == TOOL_EXIT_OK)
        code = tool_revenue_compute(&revenue, plan, &options.inputs,
                                    tool_progress_bar_wanted(options.quiet));
    if (code == TOOL_EXIT_OK) {
        const tool_inputs *in = &options.inputs;
        tool_programme_spec spec;
        memset(&spec, 0, sizeof(spec));
        spec.plan = plan;
        spec.session = session;
        spec.result = result;
        spec.revenue = &revenue;
        spec.from = in->period ? in->first : in->from;
        spec.to = in->period ? in->last : in->to;
        spec.baseline_from = options.baseline_from;
        spec.baseline_to = options.baseline_to;
        spec.top = options.top;
        spec.has_partner_table = has_kind(in, TALLY_CSV_PARTNERS);
        spec.table_partners = accepted_of_kind(in, TALLY_CSV_PARTNERS);
        status = tool_programme_build(&programme, &spec);
        if (status == TALLY_ERR_NOMEM) {
            code = tool_out_of_memory();
        } else if (status != TALLY_OK) {
            tool_error("a total needs more than %d digits", TALLY_DECIMAL_MAX_DIGITS);
            code = TOOL_EXIT_INPUT;
        } else {
            have_programme = 1;
        }
    }
    if (code == TOOL_EXIT_OK)
        code = write_output(&options, &programme);
    if (code == TOOL_EXIT_OK && !options.quiet)
        fprintf(stderr, "tally: report of %zu lines, %zu partners; result %s\n",
                tally_result_line_count(result), programme.partners,
                tool_report_result_digest(&programme.report, digest));

    if (have_programme)
        tool_programme_free(&programme);
    tool_revenue_free(&revenue);
    tool_inputs_run_free(&options.inputs, ctx, plan, session, result);
    return code;
}
