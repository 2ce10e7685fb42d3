/*
 * `--format csv`: one record per payout line, RFC 4180 (CR LF line ends, fields
 * quoted when they hold a comma, a quote or a line end, quotes doubled), UTF-8
 * without byte order mark. Amounts are exact decimals as text. Totals are not
 * written: they are sums of the amount column and would break the table's shape.
 */
#include <string.h>

#include "tally.h"

/* A field is quoted when it holds a comma, a quote or a line end. */
static int
needs_quotes(const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++)
        if (text[i] == ',' || text[i] == '"' || text[i] == '\r' || text[i] == '\n')
            return 1;
    return 0;
}

void
tool_csv_field(FILE *out, const char *text, size_t length)
{
    if (!needs_quotes(text, length)) {
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

/* The records of the payout lines are put together in a buffer and written in
 * large pieces: a run writes a few hundred thousand of them, and a stdio call per
 * field was a tenth of the rest of the run's finishing work. */
typedef struct csv_buffer {
    FILE *out;
    size_t used;
    char bytes[16 * 1024];
} csv_buffer;

static void
buffer_flush(csv_buffer *b)
{
    fwrite(b->bytes, 1, b->used, b->out);
    b->used = 0;
}

/* One field as tool_csv_value() writes it, and its separator. */
static void
buffer_value(csv_buffer *b, const char *text, int last)
{
    if (!text)
        text = "";
    size_t length = strlen(text);
    /* Quoted, every byte may double: 2 × length + quotes + CR LF. */
    if (2 * length + 4 > sizeof(b->bytes) - b->used)
        buffer_flush(b);
    if (2 * length + 4 > sizeof(b->bytes)) {
        tool_csv_value(b->out, text, last);
        return;
    }
    char *out = b->bytes + b->used;
    if (!needs_quotes(text, length)) {
        memcpy(out, text, length);
        out += length;
    } else {
        *out++ = '"';
        for (size_t i = 0; i < length; i++) {
            if (text[i] == '"')
                *out++ = '"';
            *out++ = text[i];
        }
        *out++ = '"';
    }
    if (last) {
        *out++ = '\r';
        *out++ = '\n';
    } else {
        *out++ = ',';
    }
    b->used = (size_t)(out - b->bytes);
}

int
tool_write_csv(FILE *out, const tool_report *report)
{
    size_t count = tally_result_line_count(report->result);
    csv_buffer b;

    b.out = out;
    b.used = 0;
    fputs("component,version,period,tier_period,payee,kind,amount,currency\r\n", out);
    for (size_t i = 0; i < count; i++) {
        const tally_line *line = tally_result_line_at(report->result, i);
        char amount[TALLY_DECIMAL_STRING_MAX];
        tally_decimal value;

        tally_line_amount(line, &value);
        tool_format_decimal(amount, &value);
        buffer_value(&b, tally_line_component(line), 0);
        buffer_value(&b, tally_line_version(line), 0);
        buffer_value(&b, tally_line_period(line), 0);
        buffer_value(&b, tally_line_tier_period(line), 0);
        buffer_value(&b, tally_line_payee(line), 0);
        buffer_value(&b, tally_line_kind_name(tally_line_get_kind(line)), 0);
        buffer_value(&b, amount, 0);
        buffer_value(&b, tally_currency_code(tally_line_currency(line)), 1);
    }
    buffer_flush(&b);
    return 0;
}
