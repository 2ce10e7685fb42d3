/*
 * `tally progress`: computes a plan on CSV inputs and prints, for every payee of
 * every rebate or commission with tiers on the period total, how far the payee is
 * from the next band (tally_session_progress()): the basis so far, the band it is
 * in, where the next band starts, how much more is needed, and what the period
 * pays now and at the next band. Without a range, each payee's latest period with
 * transactions; with --period, --from or --to, every tier period of the lines kept.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tally.h"

static const char progress_help[] =
    "Usage: tally progress PLAN --transactions FILE [OPTION]...\n"
    "\n"
    "Shows each payee's distance to the next tier of every rebate and commission\n"
    "of PLAN with tiers on the period total: the basis so far, the band reached\n"
    "(1 is the first; '-' below it), where the next band starts, how much more\n"
    "revenue (or units) reaches it, and what the period pays now and there (after\n"
    "minimum, multiplier, cap and rounding). Without a range, each payee's latest\n"
    "period with transactions; with --period/--from/--to, every tier period of the\n"
    "lines in the range.\n"
    "\n"
    "Which rows:\n"
    "  --component ID        only component ID\n"
    "  --payee ID            only payee ID\n"
    "\n"
    "%s"
    "\n"
    "Output:\n"
    "  --format FORMAT       table (default), csv (header component,period,payee,\n"
    "                        basis,band,next_from,needed,payout,payout_at_next) or\n"
    "                        json; amounts are exact decimals (strings in JSON)\n"
    "  -o, --output FILE     write to FILE instead of standard output\n"
    "  -h, --help            show this help\n"
    "\n"
    "Exit status: 0 ok, 1 invalid plan, rejected input or no tiered component, 2\n"
    "usage error, 3 a file could not be read or written, 4 out of memory or internal\n"
    "error.\n";

typedef enum progress_format { PROGRESS_TABLE, PROGRESS_CSV, PROGRESS_JSON } progress_format;

typedef struct progress_options {
    tool_selection selection; /* PLAN, the inputs, --component, --payee, -o */
    progress_format format;
} progress_options;

/* One row: a payee's progress in one component and tier period. */
typedef struct progress_row {
    const char *component; /* owned by the result */
    const char *payee;
    tally_progress progress;
} progress_row;

static int
parse_progress(progress_options *options, int argc, char **argv)
{
    const tool_selection *chosen = &options->selection;
    int code = tool_selection_parse(&options->selection, argc, argv, "progress");

    options->format = PROGRESS_TABLE;
    if (code == TOOL_SELECTION_HELP) {
        printf(progress_help, tool_inputs_help);
        return -1;
    }
    if (code != TOOL_EXIT_OK)
        return code;
    if (!chosen->format || strcmp(chosen->format, "table") == 0)
        options->format = PROGRESS_TABLE;
    else if (strcmp(chosen->format, "csv") == 0)
        options->format = PROGRESS_CSV;
    else if (strcmp(chosen->format, "json") == 0)
        options->format = PROGRESS_JSON;
    else
        return tool_usage_error("progress", "--format \"%s\": expected table, csv or json",
                                chosen->format);
    return tool_selection_check(chosen, "progress");
}

/* ---- collecting the rows ---- */

typedef struct row_list {
    progress_row *rows;
    size_t count;
} row_list;

static int
compare_rows(const void *a, const void *b)
{
    const progress_row *x = a, *y = b;
    int c = strcmp(x->component, y->component);
    if (c == 0)
        c = strcmp(x->progress.period, y->progress.period);
    return c ? c : strcmp(x->payee, y->payee);
}

/* A (component, payee, tier period) to report on; period NULL: the latest. */
typedef struct candidate {
    const char *component, *payee, *period; /* owned by the result */
} candidate;

static int
compare_text(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) : (a != NULL) - (b != NULL);
}

static int
compare_candidates(const void *a, const void *b)
{
    const candidate *x = a, *y = b;
    int c = strcmp(x->component, y->component);
    if (c == 0)
        c = strcmp(x->payee, y->payee);
    return c ? c : compare_text(x->period, y->period);
}

/* Appends the payee's progress; a payee with nothing in the period is left out. */
static int
add_row(row_list *list, tally_session *session, const candidate *what)
{
    progress_row *row = &list->rows[list->count];
    memset(row, 0, sizeof(*row));
    row->component = what->component;
    row->payee = what->payee;
    row->progress.size = sizeof(row->progress);
    int status =
        tally_session_progress(session, what->payee, what->component, what->period, &row->progress);
    if (status == TALLY_ERR_INPUT) {
        tally_ctx_clear_errors(tally_session_context(session));
        return TALLY_OK;
    }
    if (status == TALLY_OK)
        list->count++;
    return status;
}

static int
collect(const progress_options *options, const tally_plan *plan, const tally_result *result,
        tally_session *session, row_list *list, size_t *components)
{
    const tool_inputs *inputs = &options->selection.inputs;
    int ranged = inputs->period || inputs->from || inputs->to;
    size_t lines = tally_result_line_count(result), count = 0;
    candidate *candidates = malloc((lines ? lines : 1) * sizeof(*candidates));
    int status = TALLY_OK;

    *components = 0;
    if (!candidates)
        return TALLY_ERR_NOMEM;
    for (size_t i = 0; i < lines; i++) {
        const tally_line *line = tally_result_line_at(result, i);
        const char *id = tally_line_component(line), *payee = tally_line_payee(line);
        if (!tool_selection_wants(&options->selection, line))
            continue;
        if (!tool_has_period_tiers(tool_find_component(plan, tally_line_version(line), id)))
            continue;
        candidates[count].component = id;
        candidates[count].payee = payee;
        candidates[count].period = ranged ? tally_line_tier_period(line) : NULL;
        count++;
    }
    *components = count;
    qsort(candidates, count, sizeof(*candidates), compare_candidates);
    list->rows = malloc((count ? count : 1) * sizeof(*list->rows));
    if (!list->rows)
        status = TALLY_ERR_NOMEM;
    for (size_t i = 0; status == TALLY_OK && i < count; i++)
        if (i == 0 || compare_candidates(&candidates[i - 1], &candidates[i]) != 0)
            status = add_row(list, session, &candidates[i]);
    free(candidates);
    if (status == TALLY_OK)
        qsort(list->rows, list->count, sizeof(*list->rows), compare_rows);
    return status;
}

/* ---- writing ---- */

typedef struct row_text {
    char basis[TALLY_DECIMAL_STRING_MAX], band[24], next_from[TALLY_DECIMAL_STRING_MAX];
    char needed[TALLY_DECIMAL_STRING_MAX], payout[TALLY_DECIMAL_STRING_MAX];
    char payout_at_next[TALLY_DECIMAL_STRING_MAX];
} row_text;

/* The row's values as text; in the open top band, next_from and needed are "-". */
static void
format_row(row_text *text, const tally_progress *p)
{
    tool_format_decimal(text->basis, &p->basis);
    if (p->band == SIZE_MAX)
        strcpy(text->band, "-");
    else
        snprintf(text->band, sizeof(text->band), "%zu", p->band + 1);
    if (p->has_next) {
        tool_format_decimal(text->next_from, &p->next_from);
        tool_format_decimal(text->needed, &p->needed);
        tool_format_decimal(text->payout_at_next, &p->payout_at_next);
    } else {
        strcpy(text->next_from, "-");
        strcpy(text->needed, "-");
        strcpy(text->payout_at_next, "-");
    }
    tool_format_decimal(text->payout, &p->payout);
}

static int
write_table(FILE *out, const row_list *list)
{
    static const char *const titles[] = {"component", "period", "payee",  "basis", "band",
                                         "next from", "needed", "payout", "at next"};
    static const tool_align align[] = {TOOL_ALIGN_LEFT,    TOOL_ALIGN_LEFT,    TOOL_ALIGN_LEFT,
                                       TOOL_ALIGN_DECIMAL, TOOL_ALIGN_RIGHT,   TOOL_ALIGN_DECIMAL,
                                       TOOL_ALIGN_DECIMAL, TOOL_ALIGN_DECIMAL, TOOL_ALIGN_DECIMAL};
    tool_table *table = tool_table_new(9, titles, align);
    int status = table ? 0 : -1;

    for (size_t i = 0; status == 0 && i < list->count; i++) {
        const progress_row *row = &list->rows[i];
        row_text text;
        format_row(&text, &row->progress);
        const char *cells[] = {row->component, row->progress.period, row->payee,
                               text.basis,     text.band,            text.next_from,
                               text.needed,    text.payout,          text.payout_at_next};
        status = tool_table_add_row(table, cells);
    }
    if (status == 0)
        status = tool_table_print(table, out);
    tool_table_free(table);
    return status;
}

static void
write_csv(FILE *out, const row_list *list)
{
    fputs("component,period,payee,basis,band,next_from,needed,payout,payout_at_next\r\n", out);
    for (size_t i = 0; i < list->count; i++) {
        const progress_row *row = &list->rows[i];
        row_text text;
        format_row(&text, &row->progress);
        const char *cells[] = {row->component, row->progress.period, row->payee,
                               text.basis,     text.band,            text.next_from,
                               text.needed,    text.payout,          text.payout_at_next};
        for (size_t c = 0; c < 9; c++) {
            const char *cell = strcmp(cells[c], "-") == 0 ? "" : cells[c];
            if (c)
                fputc(',', out);
            tool_csv_field(out, cell, strlen(cell));
        }
        fputs("\r\n", out);
    }
}

static void
json_value(FILE *out, const char *name, const char *text, int quoted)
{
    fprintf(out, ", \"%s\": ", name);
    if (strcmp(text, "-") == 0)
        fputs("null", out);
    else if (quoted)
        fprintf(out, "\"%s\"", text);
    else
        fputs(text, out);
}

static void
write_json(FILE *out, const row_list *list)
{
    fputs("{\n  \"progress\": [", out);
    for (size_t i = 0; i < list->count; i++) {
        const progress_row *row = &list->rows[i];
        row_text text;
        format_row(&text, &row->progress);
        fputs(i ? ",\n    {\"component\": " : "\n    {\"component\": ", out);
        tool_json_string(out, row->component);
        fputs(", \"period\": ", out);
        tool_json_string(out, row->progress.period);
        fputs(", \"payee\": ", out);
        tool_json_string(out, row->payee);
        json_value(out, "basis", text.basis, 1);
        json_value(out, "band", text.band, 0);
        fprintf(out, ", \"has_next\": %s", row->progress.has_next ? "true" : "false");
        json_value(out, "next_from", text.next_from, 1);
        json_value(out, "needed", text.needed, 1);
        json_value(out, "payout", text.payout, 1);
        json_value(out, "payout_at_next", text.payout_at_next, 1);
        fputc('}', out);
    }
    fputs(list->count ? "\n  ]\n}\n" : "]\n}\n", out);
}

static int
write_rows(const progress_options *options, const row_list *list)
{
    FILE *out = tool_output_open(options->selection.output, "output file");
    int status = 0;

    if (!out)
        return TOOL_EXIT_IO;
    if (options->format == PROGRESS_CSV)
        write_csv(out, list);
    else if (options->format == PROGRESS_JSON)
        write_json(out, list);
    else
        status = write_table(out, list);
    return tool_output_close(out, status, out == stdout ? "<stdout>" : options->selection.output,
                             "output");
}

int
tool_cmd_progress(int argc, char **argv)
{
    progress_options options;
    tool_selection *chosen = &options.selection;
    tally_ctx *ctx = NULL;
    tally_plan *plan = NULL;
    tally_session *session = NULL;
    tally_result *result = NULL;
    row_list list = {NULL, 0};
    size_t components = 0;

    int code = parse_progress(&options, argc, argv);
    if (code != TOOL_EXIT_OK) {
        tool_inputs_free(&chosen->inputs);
        return code < 0 ? TOOL_EXIT_OK : code;
    }
    code = tool_inputs_run_plan(&chosen->inputs, chosen->plan, &ctx, &plan, &session, &result);
    if (code == TOOL_EXIT_OK) {
        int status = collect(&options, plan, result, session, &list, &components);
        if (status != TALLY_OK) {
            tool_print_errors(ctx, status, "progress");
            code = tool_exit_for_status(status);
        }
    }
    if (code == TOOL_EXIT_OK && components == 0) {
        tool_error("no line of a rebate or commission with period tiers%s%s%s%s",
                   chosen->component ? " in component " : "",
                   chosen->component ? chosen->component : "",
                   chosen->payee ? " for payee " : "", chosen->payee ? chosen->payee : "");
        code = TOOL_EXIT_INPUT;
    }
    if (code == TOOL_EXIT_OK)
        code = write_rows(&options, &list);
    free(list.rows);
    tool_inputs_run_free(&chosen->inputs, ctx, plan, session, result);
    return code;
}
