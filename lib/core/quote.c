/*
 * Quoting user text for error messages.
 */
#include "core/quote.h"

#include <stdio.h>
#include <string.h>

/* Appends a piece if it fits with room for the closing quote, "..." and NUL. */
static int
append(char *out, size_t out_size, size_t *used, const char *piece)
{
    size_t length = strlen(piece);
    if (*used + length + 5 > out_size)
        return 0;
    memcpy(out + *used, piece, length + 1);
    *used += length;
    return 1;
}

void
tally__quote(char *out, size_t out_size, const char *text, size_t length)
{
    if (!out_size)
        return;
    out[0] = '\0';
    if (out_size < 8)
        return;
    size_t used = 0;
    append(out, out_size, &used, "\"");
    size_t shown = length < TALLY_QUOTE_MAX_SHOWN ? length : TALLY_QUOTE_MAX_SHOWN;
    int complete = shown == length;
    for (size_t i = 0; i < shown; i++) {
        unsigned char byte = (unsigned char)text[i];
        char piece[8];
        if (byte == '"' || byte == '\\')
            snprintf(piece, sizeof(piece), "\\%c", byte);
        else if (byte < 0x20 || byte >= 0x7f)
            snprintf(piece, sizeof(piece), "\\x%02x", byte);
        else
            snprintf(piece, sizeof(piece), "%c", byte);
        if (!append(out, out_size, &used, piece)) {
            complete = 0;
            break;
        }
    }
    /* append() always leaves room for these two. */
    memcpy(out + used, complete ? "\"" : "\"...", complete ? 2 : 5);
}
