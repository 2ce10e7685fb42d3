/*
 * Standalone SVG drawings: the document, a plot area mapping values to
 * coordinates, and escaped text. Doubles appear here for coordinates only; every
 * number a drawing shows as text is an exact decimal formatted by the library.
 */
#include <stdlib.h>
#include <string.h>

#include "tally.h"

double
tool_svg_value(const tally_decimal *value)
{
    char text[TALLY_DECIMAL_STRING_MAX];
    tool_format_decimal(text, value);
    return strtod(text, NULL); /* a coordinate, not money */
}

void
tool_svg_text(FILE *out, const char *text)
{
    tool_xml_escape(out, text, TOOL_XML_DROP_CONTROLS);
}

void
tool_svg_begin(FILE *out, const tool_plot *plot, const char *title)
{
    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
            plot->width, plot->height, plot->width, plot->height);
    fputs("<title>", out);
    tool_svg_text(out, title);
    fputs("</title>\n", out);
    fputs("<style>\n"
          ".axis{stroke:#333;stroke-width:1}\n"
          ".grid{stroke:#ddd;stroke-width:1}\n"
          ".curve{fill:none;stroke:#1f5fa8;stroke-width:2}\n"
          ".boundary line{stroke:#888;stroke-width:1;stroke-dasharray:4 4}\n"
          ".position circle{fill:#d2451e}\n"
          ".target circle{fill:none;stroke:#2a8a3a;stroke-width:2}\n"
          ".to-target{stroke:#2a8a3a;stroke-width:1;stroke-dasharray:2 3}\n"
          "text.small{font-size:10px;fill:#555}\n"
          "</style>\n",
          out);
    fprintf(out, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", plot->width, plot->height);
}

void
tool_svg_end(FILE *out)
{
    fputs("</svg>\n", out);
}

double
tool_plot_x(const tool_plot *plot, double value)
{
    double span = plot->x_max > 0 ? plot->x_max : 1;
    return plot->left + (plot->width - plot->left - plot->right) * (value / span);
}

double
tool_plot_y(const tool_plot *plot, double value)
{
    double span = plot->y_max > 0 ? plot->y_max : 1;
    double area = plot->height - plot->top - plot->bottom;
    return plot->height - plot->bottom - area * (value / span);
}
