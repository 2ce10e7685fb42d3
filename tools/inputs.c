/*
 * The inputs of a computation, shared by `tally run`, `explain`, `progress` and
 * `curve`: the CSV files by kind (--transactions, --partners, ...), column maps
 * (--map), what to do with bad rows (--on-error), and the run's dates (--as-of,
 * --period, --from, --to, --trust-ids). Parses those options, checks them, creates
 * the session and reads the files into it in dependency order.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tally.h"

const char tool_inputs_help[] =
    "Inputs (CSV as for 'tally run'; '-' reads standard input, for one input only):\n"
    "  --transactions FILE   sales, returns and credit notes (repeatable)\n"
    TOOL_INPUT_FILES_HELP
    "                        KIND; may be repeated\n"
    "  --on-error=stop | --on-error=reject FILE\n"
    "                        stop at the first bad row (default), or write every bad\n"
    "                        row with its reason to FILE and go on\n"
    "  --as-of DATE          date of the run for MDF accruals, claims and expiries\n"
    "  --period LABEL        keep the lines of periods ending in LABEL: 2026,\n"
    "                        2026-H2, 2026-Q4, 2026-11, FY2027, FY2027-H1, FY2027-Q1\n"
    "  --from DATE, --to DATE\n"
    "                        keep the lines of periods ending in [DATE, DATE]\n"
    "  --trust-ids           do not check transaction ids for duplicates\n"
    TOOL_THREADS_HELP;

/* The order inputs are read in: partners before everything that names them,
 * rates before the transactions they convert. */
static const tally_csv_kind read_order[TOOL_INPUT_KINDS] = {
    TALLY_CSV_PARTNERS,  TALLY_CSV_RATES,  TALLY_CSV_SETTLEMENTS,
    TALLY_CSV_BASELINES, TALLY_CSV_CLAIMS, TALLY_CSV_TRANSACTIONS,
};

static const struct {
    const char *option;
    tally_csv_kind kind;
} input_options[] = {
    {"--transactions", TALLY_CSV_TRANSACTIONS}, {"--partners", TALLY_CSV_PARTNERS},
    {"--settlements", TALLY_CSV_SETTLEMENTS},   {"--claims", TALLY_CSV_CLAIMS},
    {"--baselines", TALLY_CSV_BASELINES},       {"--rates", TALLY_CSV_RATES},
};

int
tool_inputs_init(tool_inputs *inputs, const char *command, int argc)
{
    memset(inputs, 0, sizeof(*inputs));
    inputs->command = command;
    inputs->files = calloc(argc > 0 ? (size_t)argc : 1, sizeof(*inputs->files));
    return inputs->files ? TOOL_EXIT_OK : tool_out_of_memory();
}

void
tool_inputs_free(tool_inputs *inputs)
{
    if (inputs->rejects.file)
        fclose(inputs->rejects.file);
    inputs->rejects.file = NULL;
    free(inputs->files);
    inputs->files = NULL;
    for (size_t i = 0; i < TOOL_INPUT_KINDS; i++) {
        free(inputs->maps[i]);
        inputs->maps[i] = NULL;
    }
}

/* Adds `KIND:field=Header,...` to the map of its kind. */
static int
add_map(tool_inputs *inputs, const char *text)
{
    const char *colon = strchr(text, ':');
    size_t kind_length = colon ? (size_t)(colon - text) : 0;

    for (int k = 0; colon && k < TOOL_INPUT_KINDS; k++) {
        const char *name = tally_csv_kind_name((tally_csv_kind)k);
        if (strlen(name) != kind_length || strncmp(name, text, kind_length) != 0)
            continue;
        const char *map = colon + 1;
        char *old = inputs->maps[k];
        size_t size = (old ? strlen(old) + 1 : 0) + strlen(map) + 1;
        char *joined = malloc(size);
        if (!joined)
            return tool_out_of_memory();
        snprintf(joined, size, "%s%s%s", old ? old : "", old ? "," : "", map);
        free(old);
        inputs->maps[k] = joined;
        return TOOL_EXIT_OK;
    }
    return tool_usage_error(inputs->command,
                            "--map \"%s\": expected KIND:field=Header,... with KIND one of "
                            "transactions, partners, settlements, claims, baselines, rates",
                            text);
}

/* --on-error=stop, --on-error=reject FILE (also --on-error reject FILE). */
static int
parse_on_error(tool_inputs *inputs, tool_args *args, const char *mode)
{
    if (strcmp(mode, "stop") == 0) {
        inputs->reject_path = NULL;
        return TOOL_EXIT_OK;
    }
    if (strcmp(mode, "reject") != 0)
        return tool_usage_error(inputs->command, "--on-error \"%s\": expected stop or reject FILE",
                                mode);
    if (args->index >= args->argc || args->argv[args->index][0] == '-')
        return tool_usage_error(inputs->command,
                                "--on-error=reject needs a FILE for the rejected rows");
    inputs->reject_path = args->argv[args->index++];
    return TOOL_EXIT_OK;
}

/* --threads 1 | 2. */
static int
parse_threads(tool_inputs *inputs, const char *value)
{
    if (strcmp(value, "1") != 0 && strcmp(value, "2") != 0)
        return tool_usage_error(inputs->command, "--threads \"%s\": expected 1 or 2", value);
    inputs->threads = (unsigned)(value[0] - '0');
    return TOOL_EXIT_OK;
}

/* --transactions FILE and the other files; 1 when argv[index] was one. */
static int
file_option(tool_inputs *inputs, tool_args *args)
{
    const char *value;

    for (size_t i = 0; i < sizeof(input_options) / sizeof(input_options[0]); i++) {
        if (!tool_option(args, input_options[i].option, &value))
            continue;
        if (!args->failed) {
            tool_file_stats *file = &inputs->files[inputs->file_count++];
            file->kind = input_options[i].kind;
            file->path = value;
            file->source = strcmp(value, "-") == 0 ? "<stdin>" : value;
        }
        return 1;
    }
    return 0;
}

int
tool_inputs_option(tool_inputs *inputs, tool_args *args, int *code)
{
    const char *value;

    *code = TOOL_EXIT_OK;
    if (file_option(inputs, args) || tool_option(args, "--as-of", &inputs->as_of) ||
        tool_option(args, "--from", &inputs->from) || tool_option(args, "--to", &inputs->to) ||
        tool_option(args, "--period", &inputs->period)) {
        if (args->failed)
            *code = TOOL_EXIT_USAGE;
        return 1;
    }
    if (tool_option(args, "--map", &value)) {
        *code = args->failed ? TOOL_EXIT_USAGE : add_map(inputs, value);
        return 1;
    }
    if (tool_option(args, "--on-error", &value)) {
        *code = args->failed ? TOOL_EXIT_USAGE : parse_on_error(inputs, args, value);
        return 1;
    }
    if (tool_flag(args, "--trust-ids")) {
        inputs->flags |= TALLY_SESSION_TRUST_IDS;
        return 1;
    }
    if (tool_option(args, "--threads", &value)) {
        *code = args->failed ? TOOL_EXIT_USAGE : parse_threads(inputs, value);
        return 1;
    }
    return 0;
}

unsigned
tool_inputs_threads(const tool_inputs *inputs, tally_csv_kind kind)
{
    if (kind != TALLY_CSV_TRANSACTIONS)
        return 1;
    return inputs->threads ? inputs->threads : 2;
}

static int
check_date(const tool_inputs *inputs, const char *option, const char *value)
{
    if (value && !tool_is_date(value))
        return tool_usage_error(inputs->command, "%s \"%s\" is not a date (expected YYYY-MM-DD)",
                                option, value);
    return TOOL_EXIT_OK;
}

int
tool_inputs_validate(const tool_inputs *inputs, const char *plan_path, int need_transactions)
{
    int has_transactions = 0, stdin_users = plan_path && strcmp(plan_path, "-") == 0;
    int status;

    for (size_t i = 0; i < inputs->file_count; i++) {
        has_transactions |= inputs->files[i].kind == TALLY_CSV_TRANSACTIONS;
        stdin_users += strcmp(inputs->files[i].path, "-") == 0;
    }
    if (need_transactions && !has_transactions)
        return tool_usage_error(inputs->command, "no --transactions FILE given");
    if (stdin_users > 1)
        return tool_usage_error(inputs->command,
                                "only one input can be read from standard input ('-')");
    if ((status = check_date(inputs, "--as-of", inputs->as_of)) != TOOL_EXIT_OK ||
        (status = check_date(inputs, "--from", inputs->from)) != TOOL_EXIT_OK ||
        (status = check_date(inputs, "--to", inputs->to)) != TOOL_EXIT_OK)
        return status;
    if (inputs->period && (inputs->from || inputs->to))
        return tool_usage_error(inputs->command,
                                "--period cannot be combined with --from or --to");
    if (inputs->from && inputs->to && strcmp(inputs->from, inputs->to) > 0)
        return tool_usage_error(inputs->command, "--from %s is after --to %s", inputs->from,
                                inputs->to);
    return TOOL_EXIT_OK;
}

int
tool_inputs_session(tool_inputs *inputs, tally_ctx *ctx, tally_plan *plan, const char *plan_path,
                    tally_session **out)
{
    tally_session_options options;

    *out = NULL;
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.flags = inputs->flags;
    options.as_of = inputs->as_of;
    options.lines_from = inputs->from;
    options.lines_to = inputs->to;
    /* The tool's allocator is the C library's, which a second thread may call. */
    options.threads = tool_inputs_threads(inputs, TALLY_CSV_TRANSACTIONS);
    if (inputs->period) {
        if (tool_period_range(inputs->period, tally_plan_fiscal_start_month(plan), inputs->first,
                              inputs->last) != 0)
            return tool_usage_error(inputs->command,
                                    "--period \"%s\" is not a period label (expected e.g. "
                                    "2026, 2026-H2, 2026-Q4, 2026-11, FY2027, FY2027-H1, "
                                    "FY2027-Q1)",
                                    inputs->period);
        options.lines_from = inputs->first;
        options.lines_to = inputs->last;
    }
    int status = tally_session_new(ctx, out, plan, &options);
    if (status != TALLY_OK) {
        tool_print_errors(ctx, status, plan_path);
        return tool_exit_for_status(status);
    }
    return TOOL_EXIT_OK;
}

/* Reads every file, kinds in read_order, files of a kind in command-line order. */
static int
read_files(tool_inputs *inputs, tally_session *session)
{
    tally_ctx *ctx = tally_session_context(session);
    tool_rejects *rejects = &inputs->rejects;

    for (size_t k = 0; k < TOOL_INPUT_KINDS; k++) {
        for (size_t i = 0; i < inputs->file_count; i++) {
            tool_file_stats *file = &inputs->files[i];
            if (file->kind != read_order[k])
                continue;

            tally_csv_options csv;
            tally_csv_stats stats;
            tool_progress_bar bar;
            memset(&csv, 0, sizeof(csv));
            csv.size = sizeof(csv);
            csv.source_name = file->source; /* the name given, also for a bundle's copy */
            csv.column_map = inputs->maps[file->kind];
            csv.threads = tool_inputs_threads(inputs, file->kind);
            if (inputs->reject_path) {
                csv.on_reject = tool_rejects_row;
                csv.user_data = rejects;
            }
            tool_progress_bar_begin(&bar, file->source, file->path,
                                    tool_progress_bar_wanted(inputs->quiet));
            csv.on_progress = tool_progress_bar_update;
            csv.progress_user_data = &bar;
            memset(&stats, 0, sizeof(stats));
            stats.size = sizeof(stats);

            int status = tally_csv_read_file(session, file->kind, file->path, &csv, &stats);
            tool_progress_bar_end(&bar);
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
                return tool_usage_error(inputs->command, "--map %s: bad column map",
                                        tally_csv_kind_name(file->kind));
            }
            tool_print_errors(ctx, status, file->source);
            if (status == TALLY_ERR_INPUT && stats.rejected > 0 && !inputs->reject_path)
                tool_error("stopped at the first bad row of %s (%" PRIu64 " row%s accepted "
                           "before it); --on-error=reject FILE collects every bad row instead",
                           file->source, stats.accepted, stats.accepted == 1 ? "" : "s");
            return tool_exit_for_status(status);
        }
    }
    return TOOL_EXIT_OK;
}

int
tool_inputs_read(tool_inputs *inputs, tally_session *session)
{
    if (inputs->reject_path && tool_rejects_open(&inputs->rejects, inputs->reject_path) != 0)
        return TOOL_EXIT_IO;
    int code = read_files(inputs, session);
    if (code != TOOL_EXIT_OK)
        return code;
    if (inputs->reject_path && tool_rejects_close(&inputs->rejects) != 0)
        return TOOL_EXIT_IO;
    return TOOL_EXIT_OK;
}

int
tool_inputs_compute(tool_inputs *inputs, tally_ctx *ctx, tally_plan *plan, const char *plan_path,
                    tally_session **session, tally_result **result)
{
    *result = NULL;
    int code = tool_inputs_session(inputs, ctx, plan, plan_path, session);
    if (code == TOOL_EXIT_OK)
        code = tool_inputs_read(inputs, *session);
    if (code != TOOL_EXIT_OK)
        return code;
    int status = tally_session_finish(*session, result);
    if (status != TALLY_OK) {
        tool_print_errors(ctx, status, "finishing the run");
        return tool_exit_for_status(status);
    }
    return TOOL_EXIT_OK;
}

int
tool_inputs_run_plan(tool_inputs *inputs, const char *plan_path, tally_ctx **ctx,
                     tally_plan **plan, tally_session **session, tally_result **result)
{
    int code;

    if (tally_ctx_new(ctx, NULL) != TALLY_OK) {
        *ctx = NULL;
        return tool_out_of_memory();
    }
    code = tool_load_plan(*ctx, plan, plan_path);
    if (code == TOOL_EXIT_OK)
        code = tool_inputs_compute(inputs, *ctx, *plan, plan_path, session, result);
    return code;
}

void
tool_inputs_run_free(tool_inputs *inputs, tally_ctx *ctx, tally_plan *plan,
                     tally_session *session, tally_result *result)
{
    tally_result_free(result);
    tally_session_free(session);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
    tool_inputs_free(inputs);
}
