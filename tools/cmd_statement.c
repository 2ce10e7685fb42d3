/*
 * `tally statement`: one partner's statement as a self-contained, printable HTML
 * page (html.c): the partner's payout lines of the range with their
 * explanations and totals per component, the MDF ledger (accrued, claimed,
 * reimbursed, shortfall, expired, balance) and a progress chart to the next tier
 * of each tiered component (statement_chart.c), with the digests an auditor needs
 * to tie the statement to its run.
 */
#include <stdlib.h>
#include <string.h>

#include "tally.h"

static const char statement_help_head[] =
    "Usage: tally statement PLAN --transactions FILE --partner ID --html OUT\n"
    "                       [OPTION]...\n"
    "\n"
    "Computes PLAN for the inputs, as 'tally run' does, and writes the statement of\n"
    "partner ID as one self-contained HTML file (inline CSS and SVG, no scripts, no\n"
    "external resources; prints on A4): the partner's payout lines for the range\n"
    "with each explanation, totals per component, the MDF ledger and a chart of the\n"
    "progress to the next tier of each tiered rebate or commission.\n"
    "\n";

static const char statement_help_tail[] =
    "\n"
    "Statement:\n"
    "  --partner ID          the partner (payee) the statement is for (required)\n"
    "  --html OUT            the HTML file to write ('-': standard output; required)\n"
    "  -q, --quiet           no progress bar and no summary on standard error\n"
    "  -h, --help            show this help\n"
    "\n"
    "A partner with no line in the range is an error (exit 1), so that a mistyped\n"
    "ID does not give an empty statement.\n"
    "\n"
    "Exit status: 0 ok, 1 invalid plan, rejected input or no lines for the partner,\n"
    "2 usage error, 3 a file could not be read or written, 4 out of memory or\n"
    "internal error.\n";

typedef struct statement_options {
    const char *plan;
    tool_inputs inputs;
    const char *partner;
    const char *html;
    int quiet;
} statement_options;

static int
parse(statement_options *options, int argc, char **argv)
{
    tool_args args = {argc, argv, 1, "statement", 0};
    int status = TOOL_EXIT_OK, only_positional = 0;

    memset(options, 0, sizeof(*options));
    if ((status = tool_inputs_init(&options->inputs, "statement", argc)) != TOOL_EXIT_OK)
        return status;
    while (status == TOOL_EXIT_OK && args.index < argc) {
        const char *arg = argv[args.index];
        if (tool_plan_argument(&args, &only_positional, &options->plan, &status))
            continue;
        if (tool_is_help(&args)) {
            fputs(statement_help_head, stdout);
            fputs(tool_inputs_help, stdout);
            fputs(statement_help_tail, stdout);
            return -1;
        }
        if (tool_inputs_option(&options->inputs, &args, &status))
            ;
        else if (tool_option(&args, "--partner", &options->partner) ||
                 tool_option(&args, "--html", &options->html))
            ;
        else if (tool_flag(&args, "--quiet") || tool_flag(&args, "-q"))
            options->quiet = 1;
        else
            status = tool_usage_error("statement", "unknown option \"%s\"", arg);
        if (args.failed)
            return TOOL_EXIT_USAGE;
    }
    if (status != TOOL_EXIT_OK)
        return status;
    if (!options->plan)
        return tool_usage_error("statement", "no PLAN given");
    if (!options->partner || !*options->partner)
        return tool_usage_error("statement", "no --partner ID given");
    if (!options->html)
        return tool_usage_error("statement", "no --html OUT given");
    return tool_inputs_validate(&options->inputs, options->plan, 1);
}

/* ---- the page ---- */

typedef struct statement {
    const tally_plan *plan;
    tally_session *session;
    const tally_result *result;
    const statement_options *options;
    const char *currency;
    const tally_line **lines; /* the partner's, in canonical order */
    size_t count;
    tool_total *by_component;
    size_t component_count;
    tally_decimal total;
    char result_digest[TALLY_RESULT_DIGEST_HEX_SIZE];
    char plan_digest[TALLY_PLAN_DIGEST_HEX_SIZE];
    char input_digest[TALLY_RESULT_DIGEST_HEX_SIZE];
} statement;

static int
is_mdf(const tally_line *line)
{
    tally_line_kind kind = tally_line_get_kind(line);
    return kind >= TALLY_LINE_MDF_ACCRUED && kind <= TALLY_LINE_MDF_BALANCE;
}

static void
range_text(const statement *s, char *out, size_t size)
{
    const tool_inputs *in = &s->options->inputs;
    char range[64];
    tool_programme_range_text(range, sizeof(range), in->period ? in->first : in->from,
                              in->period ? in->last : in->to);
    if (in->period)
        snprintf(out, size, "%s (%s)", in->period, range);
    else
        snprintf(out, size, "%s", range);
}

static void
write_header(FILE *out, const statement *s)
{
    const char *name = tally_plan_name(s->plan);
    char range[128], value[TALLY_DECIMAL_STRING_MAX + 8], total[TALLY_DECIMAL_STRING_MAX];
    size_t payouts = 0;

    fputs("<header>\n<h1>Partner statement: <span class=\"partner\">", out);
    tool_html_text(out, s->options->partner);
    fputs("</span></h1>\n<p class=\"meta\">Programme: ", out);
    tool_html_text(out, name ? name : tally_plan_id(s->plan));
    fputs(" (plan ", out);
    tool_html_text(out, tally_plan_id(s->plan));
    fputs(")</p>\n<p class=\"meta\">Period: <span class=\"period\">", out);
    range_text(s, range, sizeof(range));
    tool_html_text(out, range);
    fputs("</span>; amounts in ", out);
    tool_html_text(out, s->currency);
    if (s->options->inputs.as_of) {
        fputs("; as of ", out);
        tool_html_text(out, s->options->inputs.as_of);
    }
    fputs("</p>\n</header>\n<div class=\"cards\">\n", out);
    tool_format_decimal(total, &s->total);
    snprintf(value, sizeof(value), "%s %s", total, s->currency);
    tool_html_card(out, "Total payable", value);
    for (size_t i = 0; i < s->count; i++)
        payouts += !is_mdf(s->lines[i]);
    snprintf(value, sizeof(value), "%zu", payouts);
    tool_html_card(out, "Payout lines", value);
    fputs("</div>\n", out);
}

static void
write_lines(FILE *out, const statement *s)
{
    static const char *const titles[] = {"Component", "Period", "Kind", "Basis", "Amount"};
    static const int numeric[] = {0, 0, 0, 1, 1};
    tally_decimal value;

    fputs("<h2>Payout lines</h2>\n<table class=\"lines\">\n", out);
    tool_html_head_row(out, titles, 5, numeric);
    fputs("<tbody>\n", out);
    for (size_t i = 0; i < s->count; i++) {
        const tally_line *line = s->lines[i];
        if (is_mdf(line))
            continue;
        fputs("<tr class=\"line\">", out);
        tool_html_cell(out, tally_line_component(line), 0);
        tool_html_cell(out, tally_line_period(line), 0);
        tool_html_cell(out, tally_line_kind_name(tally_line_get_kind(line)), 0);
        tally_line_basis(line, &value);
        tool_html_decimal_cell(out, &value);
        tally_line_amount(line, &value);
        tool_html_decimal_cell(out, &value);
        fputs("</tr>\n<tr class=\"explanation\"><td colspan=\"5\"><pre class=\"explanation\">",
              out);
        tool_html_text(out, tally_line_explanation(line));
        fputs("</pre></td></tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);

    static const char *const total_titles[] = {"Component", "Total"};
    static const int total_numeric[] = {0, 1};
    fputs("<h2>Totals per component</h2>\n<table class=\"totals\">\n", out);
    tool_html_head_row(out, total_titles, 2, total_numeric);
    fputs("<tbody>\n", out);
    for (size_t i = 0; i < s->component_count; i++) {
        fputs("<tr>", out);
        tool_html_cell(out, s->by_component[i].key, 0);
        tool_html_decimal_cell(out, &s->by_component[i].amount);
        fputs("</tr>\n", out);
    }
    fputs("<tr class=\"total\">", out);
    tool_html_cell(out, "Total payable", 0);
    tool_html_decimal_cell(out, &s->total);
    fputs("</tr>\n</tbody>\n</table>\n<p class=\"meta\">The totals add the lines that are money "
          "paid or recovered: earned, true-up, clawback and MDF reimbursed.</p>\n",
          out);
}

static void
write_mdf(FILE *out, const statement *s)
{
    static const char *const titles[] = {"Fund", "Period", "Entry", "Amount"};
    static const int numeric[] = {0, 0, 0, 1};
    size_t entries = 0;
    tally_decimal value;

    for (size_t i = 0; i < s->count; i++)
        entries += is_mdf(s->lines[i]);
    fputs("<h2>MDF ledger</h2>\n", out);
    if (!entries) {
        fputs("<p class=\"meta\">No market development fund entries in this period.</p>\n", out);
        return;
    }
    fputs("<table class=\"mdf\">\n", out);
    tool_html_head_row(out, titles, 4, numeric);
    fputs("<tbody>\n", out);
    for (size_t i = 0; i < s->count; i++) {
        const tally_line *line = s->lines[i];
        if (!is_mdf(line))
            continue;
        fputs("<tr>", out);
        tool_html_cell(out, tally_line_component(line), 0);
        tool_html_cell(out, tally_line_period(line), 0);
        tool_html_cell(out, tally_line_kind_name(tally_line_get_kind(line)) + 4, 0); /* "mdf-" */
        tally_line_amount(line, &value);
        tool_html_decimal_cell(out, &value);
        fputs("</tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);
}

/* The tiered components and tier periods of the partner's lines, with progress. */
static int
write_chart(FILE *out, const statement *s)
{
    tool_chart_row *rows = calloc(s->count ? s->count : 1, sizeof(*rows));
    size_t used = 0;

    if (!rows)
        return -1;
    for (size_t i = 0; i < s->count; i++) {
        const tally_line *line = s->lines[i];
        tally_line_kind kind = tally_line_get_kind(line);
        if (kind != TALLY_LINE_EARNED && kind != TALLY_LINE_TRUE_UP)
            continue;
        const tally_component *component =
            tool_find_component(s->plan, tally_line_version(line), tally_line_component(line));
        if (!component || !tool_has_period_tiers(component))
            continue;
        int seen = 0;
        for (size_t j = 0; j < used && !seen; j++)
            seen = strcmp(rows[j].component, tally_line_component(line)) == 0 &&
                   strcmp(rows[j].period, tally_line_tier_period(line)) == 0;
        if (seen)
            continue;
        tool_chart_row *row = &rows[used];
        memset(&row->progress, 0, sizeof(row->progress));
        row->progress.size = sizeof(row->progress);
        if (tally_session_progress(s->session, s->options->partner, tally_line_component(line),
                                   tally_line_tier_period(line), &row->progress) != TALLY_OK)
            continue;
        row->component = tally_line_component(line);
        row->period = tally_line_tier_period(line);
        row->tiers = tally_component_tiers(component);
        row->measure = tool_measure_name(tally_tier_table_measure(row->tiers));
        used++;
    }
    fputs("<h2>Progress to the next tier</h2>\n", out);
    if (used)
        tool_statement_chart(out, rows, used);
    else
        fputs("<p class=\"meta\">No tiered component in this period.</p>\n", out);
    free(rows);
    return 0;
}

static int
write_statement(FILE *out, const statement *s)
{
    char title[256];

    snprintf(title, sizeof(title), "Statement %s", s->options->partner);
    tool_html_begin(out, title);
    write_header(out, s);
    write_lines(out, s);
    write_mdf(out, s);
    if (write_chart(out, s) != 0)
        return -1;
    fputs("<footer>Plan digest ", out);
    tool_html_text(out, s->plan_digest);
    fputs("<br>Input digest ", out);
    tool_html_text(out, s->input_digest);
    fputs("<br>Result digest ", out);
    tool_html_text(out, s->result_digest);
    fputs("<br>Generated by tally ", out);
    tool_html_text(out, tally_version());
    fputs("</footer>\n", out);
    tool_html_end(out);
    return 0;
}

static int
compare_totals(const void *a, const void *b)
{
    return strcmp(((const tool_total *)a)->key, ((const tool_total *)b)->key);
}

/* The partner's lines and totals; -1 out of memory, 1 overflow. */
static int
collect(statement *s)
{
    size_t count = tally_result_line_count(s->result);
    const tally_currency *currency = tally_plan_currency(s->plan);
    int minor = tally_currency_minor_units(currency);

    s->currency = tally_currency_code(currency);
    tally_decimal_from_int(&s->total, 0, minor > 0 ? minor : 0);
    s->lines = malloc((count ? count : 1) * sizeof(*s->lines));
    s->by_component = malloc((count ? count : 1) * sizeof(*s->by_component));
    if (!s->lines || !s->by_component)
        return -1;
    for (size_t i = 0; i < count; i++) {
        const tally_line *line = tally_result_line_at(s->result, i);
        if (strcmp(tally_line_payee(line), s->options->partner) != 0)
            continue;
        s->lines[s->count++] = line;
        tally_decimal amount;
        memset(&amount, 0, sizeof(amount));
        if (tool_kind_counts_in_totals(tally_line_get_kind(line))) {
            tally_line_amount(line, &amount);
            if (tally_decimal_add(&s->total, &s->total, &amount) != TALLY_OK)
                return 1;
        } else if (is_mdf(line)) {
            continue;
        }
        const char *key = tally_line_component(line);
        size_t j = 0;
        while (j < s->component_count && strcmp(s->by_component[j].key, key) != 0)
            j++;
        if (j == s->component_count) {
            s->by_component[j].key = key;
            tally_decimal_from_int(&s->by_component[j].amount, 0, minor > 0 ? minor : 0);
            s->component_count++;
        }
        if (tally_decimal_add(&s->by_component[j].amount, &s->by_component[j].amount, &amount) !=
            TALLY_OK)
            return 1;
    }
    qsort(s->by_component, s->component_count, sizeof(*s->by_component), compare_totals);
    tally_plan_digest_hex(s->plan_digest, sizeof(s->plan_digest), s->plan);
    tally_result_input_digest_hex(s->input_digest, sizeof(s->input_digest), s->result);
    tally_result_digest_hex(s->result_digest, sizeof(s->result_digest), s->result);
    return 0;
}

static int
write_file(const statement *s)
{
    const char *path = s->options->html;
    FILE *out = tool_output_open(path, "statement");

    if (!out)
        return TOOL_EXIT_IO;
    return tool_output_close(out, write_statement(out, s), path, "statement");
}

int
tool_cmd_statement(int argc, char **argv)
{
    statement_options options;
    statement s;
    tally_ctx *ctx = NULL;
    tally_plan *plan = NULL;
    tally_session *session = NULL;
    tally_result *result = NULL;
    int code;

    memset(&s, 0, sizeof(s));
    code = parse(&options, argc, argv);
    if (code != TOOL_EXIT_OK) {
        tool_inputs_free(&options.inputs);
        return code < 0 ? TOOL_EXIT_OK : code;
    }
    options.inputs.quiet = options.quiet;
    code = tool_inputs_run_plan(&options.inputs, options.plan, &ctx, &plan, &session, &result);
    if (code == TOOL_EXIT_OK) {
        s.plan = plan;
        s.session = session;
        s.result = result;
        s.options = &options;
        int status = collect(&s);
        if (status < 0) {
            code = tool_out_of_memory();
        } else if (status > 0) {
            tool_error("a total needs more than %d digits", TALLY_DECIMAL_MAX_DIGITS);
            code = TOOL_EXIT_INPUT;
        } else if (s.count == 0) {
            tool_error("partner \"%s\" has no lines in the range (check --partner and the "
                       "period)",
                       options.partner);
            code = TOOL_EXIT_INPUT;
        }
    }
    if (code == TOOL_EXIT_OK)
        code = write_file(&s);
    if (code == TOOL_EXIT_OK && !options.quiet && strcmp(options.html, "-") != 0) {
        char total[TALLY_DECIMAL_STRING_MAX];
        tool_format_decimal(total, &s.total);
        fprintf(stderr, "tally: statement of %s: %zu lines, total %s %s, written to %s\n",
                options.partner, s.count, total, s.currency, options.html);
    }
    free(s.lines);
    free(s.by_component);
    tool_inputs_run_free(&options.inputs, ctx, plan, session, result);
    return code;
}
