/*
 * Self-contained HTML for `tally report --format html` and `tally statement`:
 * one file, inline CSS, no scripts, no external resources (fonts, images or
 * links), printable on A4 or Letter (@page margins, tables that do not split a
 * row, section headings kept with what follows). Text is escaped for HTML.
 */
#include <string.h>

#include "tally.h"

static const char style[] =
    "@page { size: A4; margin: 16mm 14mm; }\n"
    "* { box-sizing: border-box; }\n"
    "body { font-family: 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif;\n"
    "       font-size: 10pt; color: #1d2733; margin: 0 auto; max-width: 190mm; padding: 8mm; }\n"
    "header { border-bottom: 2px solid #1f4e79; margin-bottom: 6mm; padding-bottom: 3mm; }\n"
    "h1 { font-size: 17pt; margin: 0 0 2mm; color: #1f4e79; }\n"
    "h2 { font-size: 12pt; margin: 7mm 0 2mm; color: #1f4e79; break-after: avoid;\n"
    "     page-break-after: avoid; }\n"
    "p.meta { margin: 0.5mm 0; color: #4a5868; }\n"
    "table { border-collapse: collapse; width: 100%; margin: 1mm 0 3mm; }\n"
    "th, td { padding: 1.2mm 2mm; border-bottom: 1px solid #d5dde6; text-align: left;\n"
    "         vertical-align: top; }\n"
    "th { background: #eef3f8; font-weight: 600; }\n"
    "tr { break-inside: avoid; page-break-inside: avoid; }\n"
    "td.num, th.num { text-align: right; font-variant-numeric: tabular-nums;\n"
    "                 white-space: nowrap; }\n"
    "tr.total td { font-weight: 700; border-top: 2px solid #1f4e79; }\n"
    "table.wide th, table.wide td { padding: 1mm 1.2mm; font-size: 8.5pt; }\n"
    "pre.explanation { margin: 0; font-family: 'DejaVu Sans Mono', monospace; font-size: 8pt;\n"
    "                  white-space: pre-wrap; color: #4a5868; }\n"
    ".cards { display: flex; flex-wrap: wrap; gap: 3mm; margin: 2mm 0 4mm; }\n"
    ".card { border: 1px solid #d5dde6; border-radius: 2mm; padding: 2mm 4mm; min-width: 40mm; }\n"
    ".card .label { font-size: 8pt; color: #4a5868; }\n"
    ".card .value { font-size: 13pt; font-weight: 700; }\n"
    "svg { display: block; margin: 2mm 0 4mm; max-width: 100%; }\n"
    "footer { margin-top: 8mm; border-top: 1px solid #d5dde6; padding-top: 2mm;\n"
    "         font-size: 7.5pt; color: #6b7886; word-break: break-all; }\n"
    "@media print { body { padding: 0; max-width: none; } }\n";

void
tool_html_text(FILE *out, const char *text)
{
    tool_xml_escape(out, text, TOOL_XML_APOSTROPHE);
}

void
tool_html_begin(FILE *out, const char *title)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n", out);
    fputs("<meta name=\"generator\" content=\"tally ", out);
    tool_html_text(out, tally_version());
    fputs("\">\n<title>", out);
    tool_html_text(out, title);
    fputs("</title>\n<style>\n", out);
    fputs(style, out);
    fputs("</style>\n</head>\n<body>\n", out);
}

void
tool_html_end(FILE *out)
{
    fputs("</body>\n</html>\n", out);
}

void
tool_html_cell(FILE *out, const char *text, int numeric)
{
    fputs(numeric ? "<td class=\"num\">" : "<td>", out);
    tool_html_text(out, text);
    fputs("</td>", out);
}

void
tool_html_decimal_cell(FILE *out, const tally_decimal *value)
{
    char text[TALLY_DECIMAL_STRING_MAX];
    tool_format_decimal(text, value);
    tool_html_cell(out, text, 1);
}

void
tool_html_head_row(FILE *out, const char *const *titles, size_t count, const int *numeric)
{
    fputs("<thead><tr>", out);
    for (size_t i = 0; i < count; i++) {
        fputs(numeric && numeric[i] ? "<th class=\"num\">" : "<th>", out);
        tool_html_text(out, titles[i]);
        fputs("</th>", out);
    }
    fputs("</tr></thead>\n", out);
}

void
tool_html_card(FILE *out, const char *label, const char *value)
{
    fputs("<div class=\"card\"><div class=\"label\">", out);
    tool_html_text(out, label);
    fputs("</div><div class=\"value\">", out);
    tool_html_text(out, value);
    fputs("</div></div>\n", out);
}
