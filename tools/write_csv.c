/*
 * `--format csv`: one record per payout line, RFC 4180 (CR LF line ends, fields
 * quoted when they hold a comma, a quote or a line end, quotes doubled), UTF-8
 * without byte order mark. Amounts are exact decimals as text. Totals are not
 * written: they are sums of the amount column and would break the table's shape.
 */
#include <string.h>

#include "tally.h"

void
tool_csv_field(FILE *out, const char *text, size_t length)
{
    int quote = 0;

    for (size_t i = 0; i < length && !quote; i++)
        quote = text[i] == ',' || text[i] == '"' || text[i] == '\r' || text[i] == '\n';
    if (!quote) {
        fwrite(text, 1, length, out);
        return;
    }
    fputc('"', out);
    for (size_t i = 0; i < length; i++) {
        if (text[i] == '"')
            fputc('"', out);
        fputc(text[i], out);
    }
    fputc('"', out);
}

void
tool_csv_value(FILE *out, const char *text, int last)
{
    if (!text)
        text = "";
    tool_csv_field(out, text, strlen(text));
    fputs(last ? "\r\n" : ",", out);
}

int
tool_write_csv(FILE *out, const tool_report *report)
{
    size_t count = tally_result_line_count(report->result);

    fputs("component,version,period,tier_period,payee,kind,amount,currency\r\n", out);
    for (size_t i = 0; i < count; i++) {
        const tally_line *line = tally_result_line_at(report->result, i);
        char amount[TALLY_DECIMAL_STRING_MAX];
        tally_decimal value;

        tally_line_amount(line, &value);
        tool_format_decimal(amount, &value);
        tool_csv_value(out, tally_line_component(line), 0);
        tool_csv_value(out, tally_line_version(line), 0);
        tool_csv_value(out, tally_line_period(line), 0);
        tool_csv_value(out, tally_line_tier_period(line), 0);
        tool_csv_value(out, tally_line_payee(line), 0);
        tool_csv_value(out, tally_line_kind_name(tally_line_get_kind(line)), 0);
        tool_csv_value(out, amount, 0);
        tool_csv_value(out, tally_currency_code(tally_line_currency(line)), 1);
    }
    return 0;
}
