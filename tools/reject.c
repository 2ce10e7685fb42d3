/*
 * `--on-error=reject FILE`: every bad row of every input file, written as CSV
 * (`file,line,reason,row`: the source name, the line the record starts on, the
 * error as "field: message", and the record exactly as it was in the file), while
 * the run goes on without it.
 */
#include <errno.h>
#include <string.h>

#include "tally.h"

int
tool_rejects_open(tool_rejects *rejects, const char *path)
{
    memset(rejects, 0, sizeof(*rejects));
    rejects->path = path;
    rejects->file = fopen(path, "wb");
    if (!rejects->file) {
        tool_error("%s: cannot create the reject file: %s", path, strerror(errno));
        return -1;
    }
    fputs("file,line,reason,row\r\n", rejects->file);
    return 0;
}

/* Text inside a quoted CSV field: quotes doubled. */
static void
quoted_text(FILE *out, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
}

int
tool_rejects_row(const tally_error *error, const char *raw_row, size_t raw_size,
                 void *user_data)
{
    tool_rejects *rejects = user_data;
    const char *source = tally_error_source(error);
    const char *field = tally_error_path(error);
    const char *message = tally_error_message(error);
    char line[24];

    snprintf(line, sizeof(line), "%lu", tally_error_line(error));
    tool_csv_field(rejects->file, source ? source : "", source ? strlen(source) : 0);
    fputc(',', rejects->file);
    fputs(line, rejects->file);
    fputc(',', rejects->file);
    /* The reason, "field: message", always quoted: messages hold quotes and commas. */
    fputc('"', rejects->file);
    if (field && *field) {
        quoted_text(rejects->file, field);
        fputs(": ", rejects->file);
    }
    quoted_text(rejects->file, message);
    fputc('"', rejects->file);
    fputc(',', rejects->file);
    tool_csv_field(rejects->file, raw_row, raw_size);
    fputs("\r\n", rejects->file);
    rejects->count++;
    if (ferror(rejects->file)) {
        rejects->write_failed = 1;
        return 1;
    }
    return 0;
}

int
tool_rejects_close(tool_rejects *rejects)
{
    int failed = rejects->write_failed;

    if (!rejects->file)
        return 0;
    if (ferror(rejects->file))
        failed = 1;
    if (fclose(rejects->file) != 0)
        failed = 1;
    rejects->file = NULL;
    if (failed) {
        tool_error("%s: cannot write the reject file", rejects->path);
        return -1;
    }
    return 0;
}
