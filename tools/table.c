/*
 * Aligned tables for a terminal: columns padded to their widest cell, two spaces
 * apart, numbers right-aligned on the decimal point so that amounts of different
 * scales still line up. Widths count UTF-8 characters, not bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "tally.h"

struct tool_table {
    size_t columns;
    const char *const *titles;
    const tool_align *align;
    char **cells; /* rows × columns, each cell its own copy */
    size_t rows, capacity;
};

tool_table *
tool_table_new(size_t columns, const char *const *titles, const tool_align *align)
{
    tool_table *table = calloc(1, sizeof(*table));
    if (!table)
        return NULL;
    table->columns = columns;
    table->titles = titles;
    table->align = align;
    return table;
}

void
tool_table_free(tool_table *table)
{
    if (!table)
        return;
    for (size_t i = 0; i < table->rows * table->columns; i++)
        free(table->cells[i]);
    free(table->cells);
    free(table);
}

static char *
copy(const char *text)
{
    size_t size = strlen(text) + 1;
    char *out = malloc(size);
    if (out)
        memcpy(out, text, size);
    return out;
}

int
tool_table_add_row(tool_table *table, const char *const *cells)
{
    if (table->rows == table->capacity) {
        size_t capacity = table->capacity ? table->capacity * 2 : 16;
        char **grown = realloc(table->cells, capacity * table->columns * sizeof(*grown));
        if (!grown)
            return -1;
        table->cells = grown;
        table->capacity = capacity;
    }
    char **row = table->cells + table->rows * table->columns;
    for (size_t c = 0; c < table->columns; c++) {
        row[c] = copy(cells[c] ? cells[c] : "");
        if (!row[c]) {
            while (c > 0)
                free(row[--c]);
            return -1;
        }
    }
    table->rows++;
    return 0;
}

/* Characters in UTF-8 text of @p length bytes: bytes that do not continue one. */
static size_t
width(const char *text, size_t length)
{
    size_t count = 0;
    for (size_t i = 0; i < length; i++)
        if (((unsigned char)text[i] & 0xC0) != 0x80)
            count++;
    return count;
}

/* Widths of a number's integer part and of its '.' and fraction digits. */
static void
number_parts(const char *text, size_t *integer, size_t *fraction)
{
    const char *point = strchr(text, '.');
    size_t length = strlen(text);

    *integer = point ? (size_t)(point - text) : length;
    *fraction = length - *integer;
}

static void
spaces(FILE *out, size_t count)
{
    while (count-- > 0)
        fputc(' ', out);
}

typedef struct column_layout {
    size_t width;
    size_t integer, fraction; /* decimal columns */
} column_layout;

static void
print_cell(FILE *out, const char *text, tool_align align, const column_layout *layout,
           int last)
{
    size_t w = width(text, strlen(text));
    size_t left = 0, right = 0;

    if (align == TOOL_ALIGN_DECIMAL) {
        size_t integer, fraction;
        number_parts(text, &integer, &fraction);
        size_t used = layout->integer + layout->fraction;
        left = (layout->width - used) + (layout->integer - integer);
        right = layout->fraction - fraction;
    } else if (align == TOOL_ALIGN_RIGHT) {
        left = layout->width - w;
    } else {
        right = layout->width - w;
    }
    spaces(out, left);
    fputs(text, out);
    if (!last)
        spaces(out, right);
}

int
tool_table_print(const tool_table *table, FILE *out)
{
    column_layout *layout = calloc(table->columns ? table->columns : 1, sizeof(*layout));
    if (!layout)
        return -1;
    for (size_t c = 0; c < table->columns; c++) {
        layout[c].width = width(table->titles[c], strlen(table->titles[c]));
        for (size_t r = 0; r < table->rows; r++) {
            const char *cell = table->cells[r * table->columns + c];
            if (table->align[c] == TOOL_ALIGN_DECIMAL) {
                size_t integer, fraction;
                number_parts(cell, &integer, &fraction);
                if (integer > layout[c].integer)
                    layout[c].integer = integer;
                if (fraction > layout[c].fraction)
                    layout[c].fraction = fraction;
            } else {
                size_t w = width(cell, strlen(cell));
                if (w > layout[c].width)
                    layout[c].width = w;
            }
        }
        if (layout[c].integer + layout[c].fraction > layout[c].width)
            layout[c].width = layout[c].integer + layout[c].fraction;
    }

    for (size_t c = 0; c < table->columns; c++) {
        int last = c + 1 == table->columns;
        size_t w = width(table->titles[c], strlen(table->titles[c]));
        if (c > 0)
            fputs("  ", out);
        if (table->align[c] != TOOL_ALIGN_LEFT)
            spaces(out, layout[c].width - w);
        fputs(table->titles[c], out);
        if (table->align[c] == TOOL_ALIGN_LEFT && !last)
            spaces(out, layout[c].width - w);
    }
    fputc('\n', out);
    for (size_t c = 0; c < table->columns; c++) {
        if (c > 0)
            fputs("  ", out);
        for (size_t i = 0; i < layout[c].width; i++)
            fputc('-', out);
    }
    fputc('\n', out);
    for (size_t r = 0; r < table->rows; r++) {
        for (size_t c = 0; c < table->columns; c++) {
            if (c > 0)
                fputs("  ", out);
            print_cell(out, table->cells[r * table->columns + c], table->align[c], &layout[c],
                       c + 1 == table->columns);
        }
        fputc('\n', out);
    }
    free(layout);
    return 0;
}
