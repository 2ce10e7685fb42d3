/*
 * The output file of a command: standard output for "-" (or no path), else a
 * file created for writing; closing it reports a write error once.
 */
#include <errno.h>
#include <string.h>

#include "tally.h"

FILE *
tool_output_open(const char *path, const char *what)
{
    FILE *out;

    if (!path || strcmp(path, "-") == 0)
        return stdout;
    out = fopen(path, "wb");
    if (!out)
        tool_error("%s: cannot create the %s: %s", path, what, strerror(errno));
    return out;
}

int
tool_output_close(FILE *out, int status, const char *name, const char *what)
{
    int failed = ferror(out) != 0;

    failed |= out != stdout ? fclose(out) != 0 : fflush(out) != 0;
    if (status != 0)
        return tool_out_of_memory();
    if (failed) {
        tool_error("%s: cannot write the %s", name, what);
        return TOOL_EXIT_IO;
    }
    return TOOL_EXIT_OK;
}
