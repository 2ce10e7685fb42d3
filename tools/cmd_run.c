/*
 * `tally run`: loads a plan, reads the CSV inputs into a session, finishes it and
 * writes the payout lines and totals as a table, CSV or JSON; a one-line summary
 * of the rows accepted and rejected per file and the result digest goes to
 * standard error.
 */
#include <errno.h>
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
    "  --partners FILE       the partner table (type, tier, region, quota)\n"
    "  --settlements FILE    payments already made, for true-up\n"
    "  --claims FILE         MDF claims\n"
    "  --baselines FILE      growth-rebate baselines\n"
    "  --rates FILE          exchange rates into the plan's currency\n"
    "  --map KIND:field=Header,...\n"
    "                        read column 'Header' as tally's 'field' in the files of\n"
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
    "  -q, --quiet           no summary on standard error\n"
    "  -h, --help            show this help\n"
    "\n"
    "Totals add the lines that are money paid or recovered: earned, true-up, clawback\n"
    "and mdf-reimbursed; the other MDF ledger lines describe the fund.\n"
    "\n"
    "Exit status: 0 ok, 1 invalid plan or rejected input, 2 usage error, 3 a file\n"
    "could not be read or written, 4 out of memory or internal error.\n";

#define KIND_COUNT 6

/* The order inputs are read in: partners before everything that names them,
 * rates before the transactions they convert. */
static const tally_csv_kind read_order[KIND_COUNT] = {
    TALLY_CSV_PARTNERS, TALLY_CSV_RATES,  TALLY_CSV_SETTLEMENTS,
    TALLY_CSV_BASELINES, TALLY_CSV_CLAIMS, TALLY_CSV_TRANSACTIONS,
};

typedef enum output_format { FORMAT_TABLE, FORMAT_CSV, FORMAT_JSON } output_format;

typedef struct run_options {
    const char *plan;
    tool_file_stats *files; /* in command-line order */
    size_t file_count;
    char *maps[KIND_COUNT]; /* joined --map texts per kind, or NULL */
    const char *as_of, *from, *to, *period;
    output_format format;
    const char *output;
    const char *reject_path;
    unsigned flags;
    int quiet;
} run_options;

static void
free_options(run_options *options)
{
    free(options->files);
    for (size_t i = 0; i < KIND_COUNT; i++)
        free(options->maps[i]);
}

static const struct {
    const char *option;
    tally_csv_kind kind;
} input_options[] = {
    {"--transactions", TALLY_CSV_TRANSACTIONS}, {"--partners", TALLY_CSV_PARTNERS},
    {"--settlements", TALLY_CSV_SETTLEMENTS},   {"--claims", TALLY_CSV_CLAIMS},
    {"--baselines", TALLY_CSV_BASELINES},       {"--rates", TALLY_CSV_RATES},
};

/* Adds `KIND:field=Header,...` to the map of its kind. */
static int
add_map(run_options *options, const char *text)
{
    const char *colon = strchr(text, ':');
    size_t kind_length = colon ? (size_t)(colon - text) : 0;

    for (int k = 0; colon && k < KIND_COUNT; k++) {
        const char *name = tally_csv_kind_name((tally_csv_kind)k);
        if (strlen(name) != kind_length || strncmp(name, text, kind_length) != 0)
            continue;
        const char *map = colon + 1;
        char *old = options->maps[k];
        size_t size = (old ? strlen(old) + 1 : 0) + strlen(map) + 1;
        char *joined = malloc(size);
        if (!joined)
            return tool_out_of_memory();
        snprintf(joined, size, "%s%s%s", old ? old : "", old ? "," : "", map);
        free(old);
        options->maps[k] = joined;
        return TOOL_EXIT_OK;
    }
    return tool_usage_error("run",
                            "--map \"%s\": expected KIND:field=Header,... with KIND one of "
                            "transactions, partners, settlements, claims, baselines, rates",
                            text);
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

/* --on-error=stop, --on-error=reject FILE (also --on-error reject FILE). */
static int
parse_on_error(run_options *options, tool_args *args, const char *mode)
{
    if (strcmp(mode, "stop") == 0) {
        options->reject_path = NULL;
        return TOOL_EXIT_OK;
    }
    if (strcmp(mode, "reject") != 0)
        return tool_usage_error("run", "--on-error \"%s\": expected stop or reject FILE", mode);
    if (args->index >= args->argc || args->argv[args->index][0] == '-')
        return tool_usage_error("run", "--on-error=reject needs a FILE for the rejected rows");
    options->reject_path = args->argv[args->index++];
    return TOOL_EXIT_OK;
}

/* --transactions FILE and the other inputs; 1 when argv[index] was one. */
static int
input_option(run_options *options, tool_args *args)
{
    const char *value;

    for (size_t i = 0; i < sizeof(input_options) / sizeof(input_options[0]); i++) {
        if (!tool_option(args, input_options[i].option, &value))
            continue;
        if (!args->failed) {
            tool_file_stats *file = &options->files[options->file_count++];
            file->kind = input_options[i].kind;
            file->path = value;
            file->source = strcmp(value, "-") == 0 ? "<stdin>" : value;
        }
        return 1;
    }
    return 0;
}

/* Options whose value is stored as it is; 1 when argv[index] was one. */
static int
string_option(run_options *options, tool_args *args)
{
    return tool_option(args, "--as-of", &options->as_of) ||
           tool_option(args, "--from", &options->from) ||
           tool_option(args, "--to", &options->to) ||
           tool_option(args, "--period", &options->period) ||
           tool_option(args, "--output", &options->output) ||
           tool_option(args, "-o", &options->output);
}

/* The remaining options; returns the exit code (a usage error for an unknown one). */
static int
other_option(run_options *options, tool_args *args)
{
    const char *arg = args->argv[args->index];
    const char *value;

    if (tool_option(args, "--map", &value))
        return args->failed ? TOOL_EXIT_USAGE : add_map(options, value);
    if (tool_option(args, "--format", &value))
        return args->failed ? TOOL_EXIT_USAGE : parse_format(options, value);
    if (tool_option(args, "--on-error", &value))
        return args->failed ? TOOL_EXIT_USAGE : parse_on_error(options, args, value);
    if (tool_flag(args, "--no-source-ids"))
        options->flags |= TALLY_SESSION_NO_SOURCE_IDS;
    else if (tool_flag(args, "--trust-ids"))
        options->flags |= TALLY_SESSION_TRUST_IDS;
    else if (tool_flag(args, "--quiet") || tool_flag(args, "-q"))
        options->quiet = 1;
    else
        return tool_usage_error("run", "unknown option \"%s\"", arg);
    return TOOL_EXIT_OK;
}

static int
check_date(const char *option, const char *value)
{
    if (value && !tool_is_date(value))
        return tool_usage_error("run", "%s \"%s\" is not a date (expected YYYY-MM-DD)", option,
                                value);
    return TOOL_EXIT_OK;
}

static int
parse_run(run_options *options, int argc, char **argv)
{
    tool_args args = {argc, argv, 1, "run", 0};
    int status = TOOL_EXIT_OK, only_positional = 0;

    memset(options, 0, sizeof(*options));
    options->files = calloc((size_t)argc, sizeof(*options->files));
    if (!options->files)
        return tool_out_of_memory();

    while (status == TOOL_EXIT_OK && args.index < argc) {
        const char *arg = argv[args.index];

        if (only_positional || arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (options->plan)
                return tool_usage_error("run", "unexpected argument \"%s\" (one PLAN only)", arg);
            options->plan = arg;
            args.index++;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_positional = 1;
            args.index++;
            continue;
        }
        if (tool_is_help(&args)) {
            fputs(run_help, stdout);
            return -1;
        }
        if (!input_option(options, &args) && !string_option(options, &args))
            status = other_option(options, &args);
        if (args.failed)
            return TOOL_EXIT_USAGE;
    }
    if (status != TOOL_EXIT_OK)
        return status;

    if (!options->plan)
        return tool_usage_error("run", "no PLAN given");
    int has_transactions = 0, stdin_users = strcmp(options->plan, "-") == 0;
    for (size_t i = 0; i < options->file_count; i++) {
        has_transactions |= options->files[i].kind == TALLY_CSV_TRANSACTIONS;
        stdin_users += strcmp(options->files[i].path, "-") == 0;
    }
    if (!has_transactions)
        return tool_usage_error("run", "no --transactions FILE given");
    if (stdin_users > 1)
        return tool_usage_error("run", "only one input can be read from standard input ('-')");
    if ((status = check_date("--as-of", options->as_of)) != TOOL_EXIT_OK ||
        (status = check_date("--from", options->from)) != TOOL_EXIT_OK ||
        (status = check_date("--to", options->to)) != TOOL_EXIT_OK)
        return status;
    if (options->period && (options->from || options->to))
        return tool_usage_error("run", "--period cannot be combined with --from or --to");
    if (options->from && options->to && strcmp(options->from, options->to) > 0)
        return tool_usage_error("run", "--from %s is after --to %s", options->from, options->to);
    return TOOL_EXIT_OK;
}

/* ---- reading the inputs ---- */

static int
read_inputs(tally_session *session, run_options *options, tool_rejects *rejects)
{
    tally_ctx *ctx = tally_session_context(session);

    for (size_t k = 0; k < KIND_COUNT; k++) {
        for (size_t i = 0; i < options->file_count; i++) {
            tool_file_stats *file = &options->files[i];
            if (file->kind != read_order[k])
                continue;

            tally_csv_options csv;
            tally_csv_stats stats;
            memset(&csv, 0, sizeof(csv));
            csv.size = sizeof(csv);
            csv.column_map = options->maps[file->kind];
            if (options->reject_path) {
                csv.on_reject = tool_rejects_row;
                csv.user_data = rejects;
            }
            memset(&stats, 0, sizeof(stats));
            stats.size = sizeof(stats);

            int status = tally_csv_read_file(session, file->kind, file->path, &csv, &stats);
            file->rows = stats.rows;
            file->accepted = stats.accepted;
            file->rejected = stats.rejected;
            if (status == TALLY_OK)
                continue;
            if (status == TALLY_ERR_CALLBACK) {
                tool_error("%s: cannot write the reject file", rejects->path);
                return TOOL_EXIT_IO;
            }
            if (status == TALLY_ERR_INVALID_ARGUMENT && csv.column_map) {
                tool_print_errors(ctx, status, file->source);
                return tool_usage_error("run", "--map %s: bad column map",
                                        tally_csv_kind_name(file->kind));
            }
            tool_print_errors(ctx, status, file->source);
            if (status == TALLY_ERR_INPUT && stats.rejected > 0 && !options->reject_path)
                tool_error("stopped at the first bad row of %s (%" PRIu64 " row%s accepted "
                           "before it); --on-error=reject FILE collects every bad row instead",
                           file->source, stats.accepted, stats.accepted == 1 ? "" : "s");
            return tool_exit_for_status(status);
        }
    }
    return TOOL_EXIT_OK;
}

/* ---- output ---- */

static int
write_output(const run_options *options, const tool_report *report)
{
    FILE *out = stdout;
    int status;

    if (options->output && strcmp(options->output, "-") != 0) {
        out = fopen(options->output, "wb");
        if (!out) {
            tool_error("%s: cannot create the output file: %s", options->output, strerror(errno));
            return TOOL_EXIT_IO;
        }
    }
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
    int failed = ferror(out) != 0;
    if (out != stdout)
        failed |= fclose(out) != 0;
    else
        failed |= fflush(out) != 0;
    if (status != 0)
        return tool_out_of_memory();
    if (failed) {
        tool_error("%s: cannot write the output", out == stdout ? "<stdout>" : options->output);
        return TOOL_EXIT_IO;
    }
    return TOOL_EXIT_OK;
}

static void
print_summary(const run_options *options, const tool_report *report, const tool_rejects *rejects)
{
    fputs("tally: ", stderr);
    for (size_t i = 0; i < options->file_count; i++) {
        const tool_file_stats *file = &options->files[i];
        fprintf(stderr, "%s%s %s: %" PRIu64 " accepted, %" PRIu64 " rejected", i ? "; " : "",
                tally_csv_kind_name(file->kind), file->source, file->accepted, file->rejected);
    }
    if (options->reject_path)
        fprintf(stderr, "; %" PRIu64 " rejected rows written to %s", rejects->count,
                options->reject_path);
    fprintf(stderr, "; %zu lines; result %s\n", tally_result_line_count(report->result),
            report->result_digest);
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
    tool_rejects rejects;
    tool_report report;
    char first[TOOL_DATE_SIZE], last[TOOL_DATE_SIZE];
    int code, status, have_report = 0;

    memset(&rejects, 0, sizeof(rejects));
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
    code = tool_load_plan(ctx, &plan, options.plan);
    if (code != TOOL_EXIT_OK)
        goto done;

    tally_session_options session_options;
    memset(&session_options, 0, sizeof(session_options));
    session_options.size = sizeof(session_options);
    session_options.flags = options.flags;
    session_options.as_of = options.as_of;
    session_options.lines_from = options.from;
    session_options.lines_to = options.to;
    if (options.period) {
        if (tool_period_range(options.period, tally_plan_fiscal_start_month(plan), first, last) !=
            0) {
            code = tool_usage_error("run",
                                    "--period \"%s\" is not a period label (expected e.g. 2026, "
                                    "2026-H2, 2026-Q4, 2026-11, FY2027, FY2027-H1, FY2027-Q1)",
                                    options.period);
            goto done;
        }
        session_options.lines_from = first;
        session_options.lines_to = last;
    }
    status = tally_session_new(ctx, &session, plan, &session_options);
    if (status != TALLY_OK) {
        tool_print_errors(ctx, status, options.plan);
        code = tool_exit_for_status(status);
        goto done;
    }

    if (options.reject_path && tool_rejects_open(&rejects, options.reject_path) != 0) {
        code = TOOL_EXIT_IO;
        goto done;
    }
    code = read_inputs(session, &options, &rejects);
    if (code != TOOL_EXIT_OK)
        goto done;
    if (options.reject_path && tool_rejects_close(&rejects) != 0) {
        code = TOOL_EXIT_IO;
        goto done;
    }

    status = tally_session_finish(session, &result);
    if (status != TALLY_OK) {
        tool_print_errors(ctx, status, "finishing the run");
        code = tool_exit_for_status(status);
        goto done;
    }
    status = tool_report_init(&report, plan, result);
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
    report.files = options.files;
    report.file_count = options.file_count;
    report.reject_path = options.reject_path;
    code = write_output(&options, &report);
    if (code == TOOL_EXIT_OK && !options.quiet)
        print_summary(&options, &report, &rejects);

done:
    if (rejects.file)
        fclose(rejects.file);
    if (have_report)
        tool_report_free(&report);
    tally_result_free(result);
    tally_session_free(session);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
    free_options(&options);
    return code;
}
