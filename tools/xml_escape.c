/*
 * Text escaped for XML and HTML: the markup characters become entity references,
 * in element text and in quoted attribute values alike.
 */
#include "tally.h"

void
tool_xml_escape(FILE *out, const char *text, unsigned flags)
{
    for (const char *p = text ? text : ""; *p; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            if (flags & TOOL_XML_APOSTROPHE) {
                fputs("&#39;", out);
                break;
            }
            fputc(*p, out);
            break;
        default:
            if (!(flags & TOOL_XML_DROP_CONTROLS) || (unsigned char)*p >= 0x20 || *p == '\t' ||
                *p == '\n')
                fputc(*p, out);
        }
    }
}
