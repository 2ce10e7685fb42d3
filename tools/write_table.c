/*
 * `--format table` (the default): the payout lines, then the totals per payee and
 * per component, as aligned tables for a terminal.
 */
#include <stdlib.h>

#include "tally.h"

static int
print_lines(FILE *out, const tool_report *report)
{
    static const char *const titles[] = {"component", "period", "payee", "kind", "amount",
                                         "currency"};
    static const tool_align align[] = {TOOL_ALIGN_LEFT, TOOL_ALIGN_LEFT, TOOL_ALIGN_LEFT,
                                       TOOL_ALIGN_LEFT, TOOL_ALIGN_DECIMAL, TOOL_ALIGN_LEFT};
    size_t count = tally_result_line_count(report->result);
    tool_table *table = tool_table_new(6, titles, align);
    int status = table ? 0 : -1;

    for (size_t i = 0; status == 0 && i < count; i++) {
        const tally_line *line = tally_result_line_at(report->result, i);
        char amount[TALLY_DECIMAL_STRING_MAX];
        tally_decimal value;

        tally_line_amount(line, &value);
        tool_format_decimal(amount, &value);
        const char *cells[] = {tally_line_component(line), tally_line_period(line),
                               tally_line_payee(line), tally_line_kind_name(tally_line_get_kind(line)),
                               amount, tally_currency_code(tally_line_currency(line))};
        status = tool_table_add_row(table, cells);
    }
    if (status == 0)
        status = tool_table_print(table, out);
    tool_table_free(table);
    return status;
}

static int
print_totals(FILE *out, const char *title, const tool_total *totals, size_t count,
             const tool_report *report)
{
    const char *const titles[] = {title, "amount", "currency"};
    static const tool_align align[] = {TOOL_ALIGN_LEFT, TOOL_ALIGN_DECIMAL, TOOL_ALIGN_LEFT};
    tool_table *table = tool_table_new(3, titles, align);
    char amount[TALLY_DECIMAL_STRING_MAX];
    int status = table ? 0 : -1;

    for (size_t i = 0; status == 0 && i < count; i++) {
        tool_format_decimal(amount, &totals[i].amount);
        const char *cells[] = {totals[i].key, amount, report->currency};
        status = tool_table_add_row(table, cells);
    }
    if (status == 0) {
        tool_format_decimal(amount, &report->total);
        const char *cells[] = {"(total)", amount, report->currency};
        status = tool_table_add_row(table, cells);
    }
    if (status == 0)
        status = tool_table_print(table, out);
    tool_table_free(table);
    return status;
}

int
tool_write_table(FILE *out, const tool_report *report)
{
    const char *name = tally_plan_name(report->plan);
    size_t count = tally_result_line_count(report->result);

    fprintf(out, "Plan %s%s%s%s, amounts in %s\n\n", tally_plan_id(report->plan),
            name ? " (" : "", name ? name : "", name ? ")" : "", report->currency);
    if (count == 0) {
        fputs("No payout lines.\n", out);
        return 0;
    }
    fprintf(out, "Payout lines (%zu)\n", count);
    if (print_lines(out, report) != 0)
        return -1;
    fputs("\nTotals per payee (earned, true-up, clawback and MDF reimbursed)\n", out);
    if (print_totals(out, "payee", report->by_payee, report->payee_count, report) != 0)
        return -1;
    fputs("\nTotals per component\n", out);
    return print_totals(out, "component", report->by_component, report->component_count, report);
}
