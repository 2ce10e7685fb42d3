/*
 * Loading the plan a command names: a file, or standard input for "-" (read whole,
 * up to the loader's size limit, and loaded from memory as "<stdin>").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tally.h"

/* Reads all of standard input, up to @p limit bytes (one more tells it is over). */
static int
read_stdin(char **out, size_t *out_size, size_t limit)
{
    size_t size = 0, capacity = 65536;
    char *data = malloc(capacity);

    if (!data)
        return TALLY_ERR_NOMEM;
    for (;;) {
        if (size == capacity) {
            if (capacity > limit) {
                break;
            }
            char *grown = realloc(data, capacity * 2);
            if (!grown) {
                free(data);
                return TALLY_ERR_NOMEM;
            }
            data = grown;
            capacity *= 2;
        }
        size_t got = fread(data + size, 1, capacity - size, stdin);
        size += got;
        if (got == 0) {
            if (ferror(stdin)) {
                free(data);
                return TALLY_ERR_IO;
            }
            break;
        }
    }
    *out = data;
    *out_size = size;
    return TALLY_OK;
}

int
tool_load_plan(tally_ctx *ctx, tally_plan **plan, const char *path)
{
    int status;

    if (strcmp(path, "-") != 0) {
        status = tally_plan_load_file(ctx, plan, path, NULL);
    } else {
        char *data = NULL;
        size_t size = 0;
        status = read_stdin(&data, &size, TALLY_PLAN_DEFAULT_MAX_BYTES);
        if (status == TALLY_ERR_IO) {
            tool_error("<stdin>: cannot read the plan: %s", strerror(errno));
            return TOOL_EXIT_IO;
        }
        if (status == TALLY_OK)
            status = tally_plan_load_buffer(ctx, plan, data, size, "<stdin>", NULL);
        free(data);
    }
    if (status != TALLY_OK) {
        tool_print_errors(ctx, status, path);
        return tool_exit_for_status(status);
    }
    return TOOL_EXIT_OK;
}
