/*
 * `--format json`: one object with the plan's id and digest, the input and result
 * digests, the rows accepted and rejected per file, every payout line with its
 * explanation, bands and source transactions, and the totals. Every amount is a
 * string holding the exact decimal ("1234.50"), never a JSON number: a reader's
 * binary floating point would round it. Counts are JSON integers.
 */
#include <inttypes.h>
#include <string.h>

#include "tally.h"

void
tool_json_string(FILE *out, const char *text)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        default:
            if (*p < 0x20)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

void
tool_json_member_key(FILE *out, const char *indent, const char *name)
{
    fputs(indent, out);
    tool_json_string(out, name);
    fputs(": ", out);
}

void
tool_json_string_member(FILE *out, const char *indent, const char *name, const char *value,
                        int last)
{
    tool_json_member_key(out, indent, name);
    if (value)
        tool_json_string(out, value);
    else
        fputs("null", out);
    fputs(last ? "\n" : ",\n", out);
}

void
tool_json_decimal_member(FILE *out, const char *indent, const char *name,
                         const tally_decimal *value, int last)
{
    char text[TALLY_DECIMAL_STRING_MAX];
    tool_format_decimal(text, value);
    tool_json_string_member(out, indent, name, text, last);
}

void
tool_json_count_member(FILE *out, const char *indent, const char *name, uint64_t value,
                       int last)
{
    tool_json_member_key(out, indent, name);
    fprintf(out, "%" PRIu64 "%s", value, last ? "\n" : ",\n");
}

static void
write_flags(FILE *out, unsigned flags)
{
    static const struct {
        unsigned flag;
        const char *name;
    } names[] = {
        {TALLY_LINE_BELOW_MINIMUM, "below-minimum"},
        {TALLY_LINE_CAPPED, "capped"},
        {TALLY_LINE_MULTIPLIED, "multiplied"},
        {TALLY_LINE_ROUNDED_PER_TRANSACTION, "rounded-per-transaction"},
    };
    int first = 1;

    fputc('[', out);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(flags & names[i].flag))
            continue;
        if (!first)
            fputs(", ", out);
        tool_json_string(out, names[i].name);
        first = 0;
    }
    fputc(']', out);
}

static void
write_line(FILE *out, const tally_line *line, int last)
{
    static const char *const in = "      ";
    tally_line_kind kind = tally_line_get_kind(line);
    tally_decimal value;

    fputs("    {\n", out);
    tool_json_string_member(out, in, "component", tally_line_component(line), 0);
    tool_json_string_member(out, in, "version", tally_line_version(line), 0);
    tool_json_string_member(out, in, "period", tally_line_period(line), 0);
    tool_json_string_member(out, in, "tier_period", tally_line_tier_period(line), 0);
    tool_json_string_member(out, in, "payee", tally_line_payee(line), 0);
    tool_json_string_member(out, in, "kind", tally_line_kind_name(kind), 0);
    tally_line_amount(line, &value);
    tool_json_decimal_member(out, in, "amount", &value, 0);
    tool_json_string_member(out, in, "currency", tally_currency_code(tally_line_currency(line)), 0);
    tally_line_basis(line, &value);
    tool_json_decimal_member(out, in, "basis", &value, 0);
    tally_line_unrounded(line, &value);
    tool_json_decimal_member(out, in, "unrounded", &value, 0);
    tally_line_multiplier(line, &value);
    tool_json_decimal_member(out, in, "multiplier", &value, 0);
    tally_line_withheld(line, &value);
    tool_json_decimal_member(out, in, "withheld", &value, 0);
    if (kind == TALLY_LINE_CLAWBACK) {
        tally_decimal requested, recovered, outstanding;
        tally_line_clawback(line, &requested, &recovered, &outstanding);
        tool_json_member_key(out, in, "clawback");
        fputs("{\n", out);
        tool_json_decimal_member(out, "        ", "requested", &requested, 0);
        tool_json_decimal_member(out, "        ", "recovered", &recovered, 0);
        tool_json_decimal_member(out, "        ", "outstanding", &outstanding, 1);
        fputs("      },\n", out);
    }
    tool_json_member_key(out, in, "flags");
    write_flags(out, tally_line_flags(line));
    fputs(",\n", out);

    size_t bands = tally_line_band_count(line);
    tool_json_member_key(out, in, "bands");
    fputs(bands ? "[\n" : "[]", out);
    for (size_t i = 0; i < bands; i++) {
        tally_decimal portion, band_value, payout;
        tally_line_band(line, i, &portion, &band_value, &payout);
        fputs("        {\n", out);
        tool_json_decimal_member(out, "          ", "portion", &portion, 0);
        tool_json_decimal_member(out, "          ", "value", &band_value, 0);
        tool_json_decimal_member(out, "          ", "payout", &payout, 1);
        fputs(i + 1 < bands ? "        },\n" : "        }\n      ]", out);
    }
    fputs(",\n", out);

    tool_json_string_member(out, in, "explanation", tally_line_explanation(line), 0);
    size_t sources = tally_line_source_count(line);
    tool_json_member_key(out, in, "sources");
    fputc('[', out);
    for (size_t i = 0; i < sources; i++) {
        if (i > 0)
            fputs(", ", out);
        tool_json_string(out, tally_line_source_at(line, i));
    }
    fputs("]\n", out);
    fputs(last ? "    }\n" : "    },\n", out);
}

static void
write_totals(FILE *out, const char *name, const char *key_name, const tool_total *totals,
             size_t count, const tool_report *report, int last)
{
    tool_json_member_key(out, "    ", name);
    fputs(count ? "[\n" : "[]", out);
    for (size_t i = 0; i < count; i++) {
        fputs("      {", out);
        tool_json_string(out, key_name);
        fputs(": ", out);
        tool_json_string(out, totals[i].key);
        fputs(", \"amount\": ", out);
        char text[TALLY_DECIMAL_STRING_MAX];
        tool_format_decimal(text, &totals[i].amount);
        tool_json_string(out, text);
        fputs(", \"currency\": ", out);
        tool_json_string(out, report->currency);
        fputs(i + 1 < count ? "},\n" : "}\n    ]", out);
    }
    fputs(last ? "\n" : ",\n", out);
}

int
tool_write_json(FILE *out, const tool_report *report)
{
    static const char *const in = "  ";
    uint64_t accepted = 0, rejected = 0;
    size_t count = tally_result_line_count(report->result);
    char digest[TALLY_RESULT_DIGEST_HEX_SIZE];

    for (size_t i = 0; i < report->file_count; i++) {
        accepted += report->files[i].accepted;
        rejected += report->files[i].rejected;
    }
    fputs("{\n", out);
    tool_json_string_member(out, in, "tally_version", tally_version(), 0);
    tool_json_string_member(out, in, "plan_id", tally_plan_id(report->plan), 0);
    tool_json_string_member(out, in, "plan_name", tally_plan_name(report->plan), 0);
    tool_json_string_member(out, in, "plan_digest", report->plan_digest, 0);
    tool_json_string_member(out, in, "currency", report->currency, 0);
    tool_json_string_member(out, in, "input_digest", report->input_digest, 0);
    tool_json_string_member(out, in, "result_digest", tool_report_result_digest(report, digest),
                            0);
    tool_json_count_member(out, in, "accepted", accepted, 0);
    tool_json_count_member(out, in, "rejected", rejected, 0);
    tool_json_count_member(out, in, "transactions_accepted",
                           tally_result_accepted_count(report->result), 0);
    tool_json_count_member(out, in, "transactions_rejected",
                           tally_result_rejected_count(report->result), 0);
    tool_json_string_member(out, in, "rejects_file", report->reject_path, 0);

    tool_json_member_key(out, in, "files");
    fputs(report->file_count ? "[\n" : "[]", out);
    for (size_t i = 0; i < report->file_count; i++) {
        const tool_file_stats *file = &report->files[i];
        fputs("    {\n", out);
        tool_json_string_member(out, "      ", "kind", tally_csv_kind_name(file->kind), 0);
        tool_json_string_member(out, "      ", "path", file->path, 0);
        tool_json_count_member(out, "      ", "rows", file->rows, 0);
        tool_json_count_member(out, "      ", "accepted", file->accepted, 0);
        tool_json_count_member(out, "      ", "rejected", file->rejected, 1);
        fputs(i + 1 < report->file_count ? "    },\n" : "    }\n  ]", out);
    }
    fputs(",\n", out);

    tool_json_member_key(out, in, "lines");
    fputs(count ? "[\n" : "[]", out);
    for (size_t i = 0; i < count; i++)
        write_line(out, tally_result_line_at(report->result, i), i + 1 == count);
    if (count)
        fputs("  ]", out);
    fputs(",\n", out);

    tool_json_member_key(out, in, "totals");
    fputs("{\n", out);
    write_totals(out, "by_payee", "payee", report->by_payee, report->payee_count, report, 0);
    write_totals(out, "by_component", "component", report->by_component,
                 report->component_count, report, 0);
    tool_json_decimal_member(out, "    ", "total", &report->total, 0);
    tool_json_string_member(out, "    ", "currency", report->currency, 1);
    fputs("  }\n}\n", out);
    return 0;
}
