/*
 * Internal side of the context: allocation through the user's allocator and error
 * recording. Every other part of the library allocates and reports through here.
 */
#ifndef TALLY_CORE_CONTEXT_H
#define TALLY_CORE_CONTEXT_H

#include <stdarg.h>
#include <stddef.h>

#include "tally/context.h"

/* Most errors one call records; the rest are counted as dropped. */
#define TALLY_MAX_RECORDED_ERRORS 100

/* Allocates through the context's allocator; records TALLY_ERR_NOMEM on failure. */
void *tally_ctx__alloc(tally_ctx *ctx, size_t size);
/* Like tally_ctx__alloc but zero-filled, with an overflow-checked count * size. */
void *tally_ctx__calloc(tally_ctx *ctx, size_t count, size_t size);
/* Resizes; on failure the old block is untouched and TALLY_ERR_NOMEM is recorded. */
void *tally_ctx__realloc(tally_ctx *ctx, void *ptr, size_t size);
void tally_ctx__free(tally_ctx *ctx, void *ptr);
/* Room for at least `needed` (and `first`) elements of `size` bytes in `array`,
 * which has room for *capacity: the capacity doubles, from `first`, until it
 * does. Returns the array (moved maybe) with *capacity updated; NULL when out of
 * memory or when the size would not fit a size_t (recorded as TALLY_ERR_NOMEM),
 * the array and *capacity then untouched. */
void *tally_ctx__grow(tally_ctx *ctx, void *array, size_t *capacity, size_t needed, size_t size,
                      size_t first);
/* The context's allocator, for objects (plans) that must outlive the context. */
const tally_allocator *tally_ctx__allocator(const tally_ctx *ctx);
/* Copies a NUL-terminated string with the context's allocator. */
char *tally_ctx__strdup(tally_ctx *ctx, const char *text);

/* Location of an error inside a source; all fields optional (NULL / 0). */
typedef struct tally_location {
    const char *source;
    unsigned long line;
    unsigned long column;
    const char *path;
} tally_location;

/*
 * Records an error and returns its code, so callers can write
 * `return tally_ctx__error(ctx, TALLY_ERR_SYNTAX, "...")`. A NULL ctx records
 * nothing and still returns the code.
 */
int tally_ctx__error(tally_ctx *ctx, int code, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
int tally_ctx__error_at(tally_ctx *ctx, int code, const tally_location *where,
                        const char *format, ...)
    __attribute__((format(printf, 4, 5)));
int tally_ctx__verror_at(tally_ctx *ctx, int code, const tally_location *where,
                         const char *format, va_list args)
    __attribute__((format(printf, 4, 0)));

/* Clears the errors at the start of a public call; NULL ctx is a no-op. */
void tally_ctx__begin(tally_ctx *ctx);

#endif /* TALLY_CORE_CONTEXT_H */
