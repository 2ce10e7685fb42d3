/*
 * `tally run`: loads a plan, reads the CSV inputs into a session, finishes it and
 * writes the payout lines and totals as a table, CSV or JSON; a one-line summary
 * of the rows accepted and rejected per file and the result digest goes to
 * standard error.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tally.h"

static const char run_help[] =
    "Usage: tally run PLAN --transactions FILE [OPTION]...\n"
    "\n"
    "Computes the payouts of PLAN (an XML plan) for the transactions in FILE and\n"
    "prints the payout lines (component, period, payee, kind, amount, currency), then\n"
    "the totals per payee and per component. Amounts are exact decimals.\n"
    "\n"
    "Inputs (CSV, RFC 4180, UTF-8; '-' reads standard input, for one input only):\n"
    "  --transactions FILE   sales, returns and credit notes (required, repeatable)\n"
    TOOL_INPUT_FILES_HELP
    "                        KIND (transactions, partners, settlements, claims,\n"
    "                        baselines, rates); may be repeated\n"
    "\n"
    "Default headers:\n"
    "  transactions  id,date,partner,rep,product,category,region,quantity,amount,\n"
    "                currency,deal_registered,original_id,split,customer_category,\n"
    "                new_customer,claim_date   (required: id,date,partner,amount)\n"
    "  partners      id,type,tier,region,join_date,quota   (required: id)\n"
    "  settlements   payee,component,period,amount,currency\n"
    "  claims        id,partner,date,amount,activity,component\n"
    "  baselines     payee,component,period,amount\n"
    "  rates         date,from,to,rate\n"
    "\n"
    "The run:\n"
    "  --as-of DATE          date of the run for MDF accruals, claims and expiries\n"
    "  --period LABEL        keep the lines of periods ending in LABEL: 2026,\n"
    "                        2026-H2, 2026-Q4, 2026-11, FY2027, FY2027-H1 or\n"
    "                        FY2027-Q1 (fiscal labels follow the plan's fiscal year)\n"
    "  --from DATE, --to DATE\n"
    "                        keep the lines of periods ending in [DATE, DATE]\n"
    "  --no-source-ids       do not keep the source transactions of each line\n"
    "  --trust-ids           do not check transaction ids for duplicates\n"
    TOOL_THREADS_HELP
    "  Dates are YYYY-MM-DD. Rows outside the range still count toward\n"
    "  period-to-date totals and true-up.\n"
    "\n"
    "Bad rows:\n"
    "  --on-error=stop       stop at the first bad row (the default), exit 1\n"
    "  --on-error=reject FILE\n"
    "                        write every bad row with its reason to FILE (CSV:\n"
    "                        file,line,reason,row) and go on\n"
    "\n"
    "Output:\n"
    "  --format FORMAT       table (default: aligned for a terminal), csv (RFC 4180,\n"
    "                        header component,version,period,tier_period,payee,kind,\n"
    "                        amount,currency) or json (digests, counts, lines with\n"
    "                        explanations and source ids, totals; amounts as strings)\n"
    "  -o, --output FILE     write to FILE instead of standard output\n"
    "  --bundle OUT          also write an audit bundle into the new directory OUT:\n"
    "                        copies of the plan and inputs with their SHA-256, the\n"
    "                        result (canonical form and CSV) and manifest.json with\n"
    "                        the digests and options; verify it with\n"
    "                        'tally replay OUT'\n"
    "  -q, --quiet           no summary and no progress bar on standard error; with\n"
    "                        table or csv output and no bundle, no digest is shown,\n"
    "                        so none is computed (a fifth less work per row)\n"
    "  -h, --help            show this help\n"
    "\n"
    "Totals add the lines that are money paid or recovered: earned, true-up, clawback\n"
    "and mdf-reimbursed; the other MDF ledger lines describe the fund.\n"
    "\n"
    "Exit status: 0 ok, 1 invalid plan or rejected input, 2 usage error, 3 a file\n"
    "could not be read or written, 4 out of memory or internal error.\n";

typedef enum output_format { FORMAT_TABLE, FORMAT_CSV, FORMAT_JSON } output_format;

typedef struct run_options {
    const char *plan;
    tool_inputs inputs; /* files, maps, --on-error, dates */
    output_format format;
    const char *output;
    const char *bundle; /* --bundle OUT, or NULL */
    int quiet;
} run_options;

static void
free_options(run_options *options)
{
    tool_inputs_free(&options->inputs);
}

static int
parse_format(run_options *options, const char *text)
{
    if (strcmp(text, "table") == 0)
        options->format = FORMAT_TABLE;
    else if (strcmp(text, "csv") == 0)
        options->format = FORMAT_CSV;
    else if (strcmp(text, "json") == 0)
        options->format = FORMAT_JSON;
    else
        return tool_usage_error("run", "--format \"%s\": expected table, csv or json", text);
    return TOOL_EXIT_OK;
}

/* Options whose value is stored as it is; 1 when argv[index] was one. */
static int
string_option(run_options *options, tool_args *args)
{
    return tool_option(args, "--output", &options->output) ||
           tool_option(args, "-o", &options->output) ||
           tool_option(args, "--bundle", &options->bundle);
}

/* The remaining options; returns the exit code (a usage error for an unknown one). */
static int
other_option(run_options *options, tool_args *args)
{
    const char *arg = args->argv[args->index];
    const char *value;
    int code;

    if (tool_inputs_option(&options->inputs, args, &code))
        return code;
    if (tool_option(args, "--format", &value))
        return args->failed ? TOOL_EXIT_USAGE : parse_format(options, value);
    if (tool_flag(args, "--no-source-ids"))
        options->inputs.flags |= TALLY_SESSION_NO_SOURCE_IDS;
    else if (tool_flag(args, "--quiet") || tool_flag(args, "-q"))
        options->quiet = 1;
    else
        return tool_usage_error("run", "unknown option \"%s\"", arg);
    return TOOL_EXIT_OK;
}

static int
parse_run(run_options *options, int argc, char **argv)
{
    tool_args args = {argc, argv, 1, "run", 0};
    int status = TOOL_EXIT_OK, only_positional = 0;

    memset(options, 0, sizeof(*options));
    if ((status = tool_inputs_init(&options->inputs, "run", argc)) != TOOL_EXIT_OK)
        return status;

    while (status == TOOL_EXIT_OK && args.index < argc) {
        if (tool_plan_argument(&args, &only_positional, &options->plan, &status))
            continue;
        if (tool_is_help(&args)) {
            fputs(run_help, stdout);
            return -1;
        }
        if (!string_option(options, &args))
            status = other_option(options, &args);
        if (args.failed)
            return TOOL_EXIT_USAGE;
    }
    if (status != TOOL_EXIT_OK)
        return status;

    if (!options->plan)
        return tool_usage_error("run", "no PLAN given");
    /* Tables and CSV show no explanations: the library need not write them (a
     * result then takes a third less memory). JSON and bundles keep them. */
    if (options->format != FORMAT_JSON && !options->bundle)
        options->inputs.flags |= TALLY_SESSION_NO_EXPLANATIONS;
    /* Digests are shown in the summary, JSON and bundles only: without them the
     * library need not hash every row it accepts. */
    if (options->quiet && options->format != FORMAT_JSON && !options->bundle)
        options->inputs.flags |= TALLY_SESSION_NO_INPUT_DIGEST;
    return tool_inputs_validate(&options->inputs, options->plan, 1);
}

/* ---- output ---- */

static int
write_output(const run_options *options, const tool_report *report)
{
    FILE *out = tool_output_open(options->output, "output file");
    int status;

    if (!out)
        return TOOL_EXIT_IO;
    switch (options->format) {
    case FORMAT_CSV:
        status = tool_write_csv(out, report);
        break;
    case FORMAT_JSON:
        status = tool_write_json(out, report);
        break;
    default:
        status = tool_write_table(out, report);
        break;
    }
    return tool_output_close(out, status, out == stdout ? "<stdout>" : options->output,
                             "output");
}

static void
print_summary(const run_options *options, const tool_report *report)
{
    const tool_inputs *inputs = &options->inputs;
    char digest[TALLY_RESULT_DIGEST_HEX_SIZE];

    fputs("tally: ", stderr);
    for (size_t i = 0; i < inputs->file_count; i++) {
        const tool_file_stats *file = &inputs->files[i];
        fprintf(stderr, "%s%s %s: %" PRIu64 " accepted, %" PRIu64 " rejected", i ? "; " : "",
                tally_csv_kind_name(file->kind), file->source, file->accepted, file->rejected);
    }
    if (inputs->reject_path)
        fprintf(stderr, "; %" PRIu64 " rejected rows written to %s", inputs->rejects.count,
                inputs->reject_path);
    fprintf(stderr, "; %zu lines; result %s\n", tally_result_line_count(report->result),
            tool_report_result_digest(report, digest));
}

/* ---- the command ---- */

int
tool_cmd_run(int argc, char **argv)
{
    run_options options;
    tally_ctx *ctx = NULL;
    tally_plan *plan = NULL;
    tally_session *session = NULL;
    tally_result *result = NULL;
    tool_report report;
    tool_bundle bundle;
    tool_digest_ahead digest_ahead = {.result = NULL, .started = 0};
    int code, status, have_report = 0;

    memset(&bundle, 0, sizeof(bundle));
    code = parse_run(&options, argc, argv);
    if (code != TOOL_EXIT_OK) {
        free_options(&options);
        return code < 0 ? TOOL_EXIT_OK : code;
    }

    status = tally_ctx_new(&ctx, NULL);
    if (status != TALLY_OK) {
        free_options(&options);
        return tool_out_of_memory();
    }
    options.inputs.quiet = options.quiet;
    /* The bundle's copies are made first and are what the run reads. */
    if (options.bundle &&
        (code = tool_bundle_begin(&bundle, options.bundle, &options.plan, &options.inputs)) !=
            TOOL_EXIT_OK)
        goto done;
    code = tool_load_plan(ctx, &plan, options.plan);
    if (code != TOOL_EXIT_OK)
        goto done;
    code = tool_inputs_compute(&options.inputs, ctx, plan, options.plan, &session, &result);
    if (code != TOOL_EXIT_OK)
        goto done;
    /* The result stands alone: the session's totals go back before the report's
     * tables are built (a third of the peak at 10 million rows). */
    tally_session_free(session);
    session = NULL;
    /* Shown at the end (summary, bundle): made meanwhile, unless one thread was asked. */
    tool_digest_ahead_begin(&digest_ahead, result,
                            (!options.quiet || options.bundle) &&
                                tool_inputs_threads(&options.inputs, TALLY_CSV_TRANSACTIONS) > 1);

    /* CSV has no totals (they are sums of its amount column). */
    status = tool_report_init(&report, plan, result, options.format != FORMAT_CSV);
    if (status != TALLY_OK) {
        if (status == TALLY_ERR_NOMEM) {
            code = tool_out_of_memory();
        } else {
            tool_error("a total needs more than %d digits", TALLY_DECIMAL_MAX_DIGITS);
            code = TOOL_EXIT_INPUT;
        }
        goto done;
    }
    have_report = 1;
    report.files = options.inputs.files;
    report.file_count = options.inputs.file_count;
    report.reject_path = options.inputs.reject_path;
    /* The second core formats half the CSV lines, unless it is making the digest. */
    report.writer_threads =
        digest_ahead.started ? 1 : tool_inputs_threads(&options.inputs, TALLY_CSV_TRANSACTIONS);
    code = write_output(&options, &report);
    if (code == TOOL_EXIT_OK && options.bundle)
        code = tool_bundle_finish(&bundle, &report, &options.inputs);
    if (code == TOOL_EXIT_OK && !options.quiet)
        print_summary(&options, &report);
    if (code == TOOL_EXIT_OK && !options.quiet && options.bundle)
        fprintf(stderr, "tally: audit bundle written to %s\n", options.bundle);

done:
    tool_digest_ahead_end(&digest_ahead);
    tool_bundle_free(&bundle); /* removes an unfinished bundle */
    if (have_report)
        tool_report_free(&report);
    tally_result_free(result);
    tally_session_free(session);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
    free_options(&options);
    return code;
}
