/*
 * The progress chart of a partner statement, as inline SVG (no script, no
 * external resource): one horizontal bar per tiered component and tier period,
 * its tier bands as coloured segments with their lower bounds written under
 * them, a marker at the partner's basis so far and a dashed line at the start of
 * the next band, with the figures written beside the bar (exact decimals as
 * text). Coordinates are doubles: a drawing, not money.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tally.h"

#define WIDTH 680.0
#define LEFT 10.0
#define BAR_WIDTH 660.0
#define ROW_HEIGHT 86.0
#define BAR_HEIGHT 18.0

static const char *const band_colours[] = {"#dbe7f3", "#b9d0e8", "#93b6da", "#6d9bcb",
                                           "#4f82b8", "#3a6a9e"};

static double
number(const tally_decimal *value)
{
    char text[TALLY_DECIMAL_STRING_MAX];
    tool_format_decimal(text, value);
    return strtod(text, NULL);
}

static void
text_at(FILE *out, double x, double y, const char *anchor, const char *style, const char *text)
{
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" %s>", x, y, anchor, style);
    tool_html_text(out, text);
    fputs("</text>\n", out);
}

static void
row(FILE *out, const tool_chart_row *r, double top)
{
    const tally_tier_table *tiers = r->tiers;
    size_t bands = tally_tier_table_band_count(tiers);
    double basis = number(&r->progress.basis);
    double end = basis, x0 = LEFT, y = top + 24.0;
    char a[TALLY_DECIMAL_STRING_MAX], b[TALLY_DECIMAL_STRING_MAX], label[512];

    /* The scale: past the last band's start and the basis, with room to spare. */
    for (size_t i = 0; i < bands; i++) {
        tally_decimal from, to, value;
        int open;
        tally_tier_table_band(tiers, i, &from, &to, &open, &value);
        double start = number(&from);
        if (start > end)
            end = start;
    }
    end = end > 0 ? end * 1.15 : 1.0;
#define X(v) (x0 + BAR_WIDTH * ((v) < 0 ? 0 : (v) > end ? end : (v)) / end)

    snprintf(label, sizeof(label), "%s, %s (%s)", r->component, r->period, r->measure);
    text_at(out, LEFT, top + 14.0, "start", "class=\"title\"", label);
    for (size_t i = 0; i < bands; i++) {
        tally_decimal from, to, value;
        int open;
        tally_tier_table_band(tiers, i, &from, &to, &open, &value);
        double start = X(number(&from)), stop = open ? X(end) : X(number(&to));
        fprintf(out,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
                "<title>band %zu</title></rect>\n",
                start, y, stop > start ? stop - start : 0, BAR_HEIGHT,
                band_colours[i % (sizeof(band_colours) / sizeof(band_colours[0]))], i + 1);
        tool_format_decimal(a, &from);
        text_at(out, start + 2.0, y + BAR_HEIGHT + 12.0, "start", "class=\"tick\"", a);
    }
    fprintf(out,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
            "stroke=\"#1f4e79\" stroke-width=\"0.8\"/>\n",
            LEFT, y, BAR_WIDTH, BAR_HEIGHT);
    if (r->progress.has_next) {
        double next = X(number(&r->progress.next_from));
        fprintf(out,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#c0392b\" "
                "stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>\n",
                next, y - 5.0, next, y + BAR_HEIGHT + 3.0);
    }
    double at = X(basis);
    fprintf(out,
            "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"#1d2733\"/>\n"
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#1d2733\" "
            "stroke-width=\"2\"/>\n",
            at - 5.0, y - 7.0, at + 5.0, y - 7.0, at, y - 1.0, at, y, at, y + BAR_HEIGHT);

    tool_format_decimal(a, &r->progress.basis);
    char band[64];
    tool_band_label(band, sizeof(band), r->progress.band, bands);
    if (r->progress.has_next) {
        tool_format_decimal(b, &r->progress.needed);
        char next[TALLY_DECIMAL_STRING_MAX];
        tool_format_decimal(next, &r->progress.next_from);
        snprintf(label, sizeof(label), "basis %s, band %s; next band from %s: %s more", a, band,
                 next, b);
    } else {
        snprintf(label, sizeof(label), "basis %s, band %s (the top band)", a, band);
    }
    text_at(out, LEFT, y + BAR_HEIGHT + 30.0, "start", "class=\"note\"", label);
#undef X
}

void
tool_statement_chart(FILE *out, const tool_chart_row *rows, size_t count)
{
    double height = ROW_HEIGHT * (double)count + 6.0;

    fprintf(out,
            "<svg role=\"img\" width=\"%.0f\" "
            "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" class=\"progress-chart\">\n",
            WIDTH, height, WIDTH, height);
    fputs("<title>Progress to the next tier</title>\n"
          "<style>text { font-family: 'DejaVu Sans', Arial, sans-serif; fill: #1d2733; }\n"
          ".title { font-size: 11px; font-weight: bold; } .tick { font-size: 9px; "
          "fill: #4a5868; }\n.note { font-size: 10px; }</style>\n",
          out);
    for (size_t i = 0; i < count; i++)
        row(out, &rows[i], ROW_HEIGHT * (double)i);
    fputs("</svg>\n", out);
}
