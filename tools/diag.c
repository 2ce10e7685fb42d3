/*
 * Messages on standard error and exit codes. Every message starts with "tally: ";
 * errors the library recorded keep its located form (tally_error_format()):
 * "tally: file:line:column: field: message".
 */
#include <stdarg.h>
#include <stdio.h>

#include "tally.h"

/* Room for one located message; a longer one is cut (and says so). */
#define MESSAGE_SIZE 4096

/* "tally: <message>" and a line end. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 0)))
#endif
static void
message(const char *format, va_list args)
{
    fputs("tally: ", stderr);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
}

void
tool_error(const char *format, ...)
{
    va_list args;

    va_start(args, format);
    message(format, args);
    va_end(args);
}

int
tool_usage_error(const char *command, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    message(format, args);
    va_end(args);
    if (command)
        fprintf(stderr, "Try 'tally %s --help'.\n", command);
    else
        fputs("Try 'tally --help'.\n", stderr);
    return TOOL_EXIT_USAGE;
}

void
tool_print_errors(const tally_ctx *ctx, int status, const char *what)
{
    char text[MESSAGE_SIZE];
    size_t count = tally_ctx_error_count(ctx);

    if (count == 0) {
        tool_error("%s: %s", what, tally_strerror(status));
        return;
    }
    for (size_t i = 0; i < count; i++) {
        int cut = tally_error_format(text, sizeof(text), tally_ctx_error(ctx, i));
        fprintf(stderr, "tally: %s%s\n", text, cut == TALLY_ERR_BUFFER_TOO_SMALL ? " [...]" : "");
    }
    if (tally_ctx_errors_dropped(ctx) > 0)
        tool_error("%zu more errors were found but not recorded", tally_ctx_errors_dropped(ctx));
}

int
tool_exit_for_status(int status)
{
    switch (status) {
    case TALLY_OK:
        return TOOL_EXIT_OK;
    case TALLY_ERR_IO:
        return TOOL_EXIT_IO;
    case TALLY_ERR_NOMEM:
    case TALLY_ERR_INVALID_ARGUMENT:
    case TALLY_ERR_BUFFER_TOO_SMALL:
    case TALLY_ERR_STATE:
        return TOOL_EXIT_INTERNAL;
    default:
        /* Plans, rows, limits, overflow: the inputs are at fault. */
        return TOOL_EXIT_INPUT;
    }
}

int
tool_out_of_memory(void)
{
    tool_error("out of memory");
    return TOOL_EXIT_INTERNAL;
}
