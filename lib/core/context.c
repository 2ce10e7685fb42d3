/*
 * Contexts: the user's allocator and the error records of the last call.
 *
 * Recording an error must work when memory is exhausted, so every record has
 * fixed-size text buffers and the context embeds one record that needs no
 * allocation: when the record array cannot grow, the error still lands there.
 */
#include "core/context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TALLY_ERROR_TEXT_MAX 512
#define TALLY_ERROR_NAME_MAX 256

struct tally_error {
    int code;
    unsigned long line;
    unsigned long column;
    int has_source;
    int has_path;
    char message[TALLY_ERROR_TEXT_MAX];
    char source[TALLY_ERROR_NAME_MAX];
    char path[TALLY_ERROR_NAME_MAX];
};

struct tally_ctx {
    tally_allocator allocator;
    tally_error *errors;      /* grown on demand, up to TALLY_MAX_RECORDED_ERRORS */
    size_t error_count;
    size_t error_capacity;
    size_t errors_dropped;
    int using_fallback;       /* the only error lives in `fallback` */
    tally_error fallback;     /* used when `errors` cannot grow */
};

static void *
default_alloc(size_t size, void *user_data)
{
    (void)user_data;
    return malloc(size);
}

static void *
default_realloc(void *ptr, size_t size, void *user_data)
{
    (void)user_data;
    return realloc(ptr, size);
}

static void
default_free(void *ptr, void *user_data)
{
    (void)user_data;
    free(ptr);
}

/* Fields of the first version; a caller's struct must hold at least these. */
#define ALLOCATOR_V1_SIZE (offsetof(tally_allocator, user_data) + sizeof(void *))

/* A newer caller may pass a larger struct; its unknown tail must be zero. */
static int
unknown_tail_is_zero(const tally_allocator *allocator)
{
    const unsigned char *bytes = (const unsigned char *)allocator;
    for (size_t i = sizeof(tally_allocator); i < allocator->size; i++) {
        if (bytes[i] != 0)
            return 0;
    }
    return 1;
}

static int
allocator_is_usable(const tally_allocator *allocator)
{
    return allocator->size >= ALLOCATOR_V1_SIZE && unknown_tail_is_zero(allocator) &&
           allocator->alloc && allocator->realloc && allocator->free;
}

int
tally_ctx_new(tally_ctx **out, const tally_allocator *allocator)
{
    tally_allocator chosen = {sizeof(tally_allocator), default_alloc, default_realloc,
                              default_free, NULL};
    if (out)
        *out = NULL;
    if (!out)
        return TALLY_ERR_INVALID_ARGUMENT;
    if (allocator) {
        if (!allocator_is_usable(allocator))
            return TALLY_ERR_INVALID_ARGUMENT;
        chosen.alloc = allocator->alloc;
        chosen.realloc = allocator->realloc;
        chosen.free = allocator->free;
        chosen.user_data = allocator->user_data;
    }
    tally_ctx *ctx = chosen.alloc(sizeof(*ctx), chosen.user_data);
    if (!ctx)
        return TALLY_ERR_NOMEM;
    memset(ctx, 0, sizeof(*ctx));
    ctx->allocator = chosen;
    *out = ctx;
    return TALLY_OK;
}

void
tally_ctx_free(tally_ctx *ctx)
{
    if (!ctx)
        return;
    if (ctx->errors)
        ctx->allocator.free(ctx->errors, ctx->allocator.user_data);
    ctx->allocator.free(ctx, ctx->allocator.user_data);
}

/* ---- allocation ---- */

void *
tally_ctx__alloc(tally_ctx *ctx, size_t size)
{
    void *block = ctx->allocator.alloc(size ? size : 1, ctx->allocator.user_data);
    if (!block)
        tally_ctx__error(ctx, TALLY_ERR_NOMEM, "out of memory (allocating %zu bytes)", size);
    return block;
}

void *
tally_ctx__calloc(tally_ctx *ctx, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size) {
        tally_ctx__error(ctx, TALLY_ERR_NOMEM, "out of memory (%zu items of %zu bytes)",
                         count, size);
        return NULL;
    }
    void *block = tally_ctx__alloc(ctx, count * size);
    if (block)
        memset(block, 0, count * size);
    return block;
}

void *
tally_ctx__realloc(tally_ctx *ctx, void *ptr, size_t size)
{
    if (!ptr)
        return tally_ctx__alloc(ctx, size);
    void *block = ctx->allocator.realloc(ptr, size ? size : 1, ctx->allocator.user_data);
    if (!block)
        tally_ctx__error(ctx, TALLY_ERR_NOMEM, "out of memory (growing a block to %zu bytes)",
                         size);
    return block;
}

void *
tally_ctx__grow(tally_ctx *ctx, void *array, size_t *capacity, size_t needed, size_t size,
                size_t first)
{
    size_t grown = *capacity > first ? *capacity : first;
    while (grown < needed) {
        if (grown > SIZE_MAX / 2)
            grown = needed;
        else
            grown *= 2;
    }
    if (array && grown == *capacity)
        return array;
    if (size && grown > SIZE_MAX / size) {
        tally_ctx__error(ctx, TALLY_ERR_NOMEM, "out of memory (%zu elements of %zu bytes)",
                         grown, size);
        return NULL;
    }
    void *block = tally_ctx__realloc(ctx, array, grown * size);
    if (block)
        *capacity = grown;
    return block;
}

void
tally_ctx__free(tally_ctx *ctx, void *ptr)
{
    if (ptr)
        ctx->allocator.free(ptr, ctx->allocator.user_data);
}

const tally_allocator *
tally_ctx__allocator(const tally_ctx *ctx)
{
    return &ctx->allocator;
}

char *
tally_ctx__strdup(tally_ctx *ctx, const char *text)
{
    size_t length = strlen(text);
    char *copy = tally_ctx__alloc(ctx, length + 1);
    if (copy)
        memcpy(copy, text, length + 1);
    return copy;
}

/* ---- error records ---- */

void
tally_ctx__begin(tally_ctx *ctx)
{
    tally_ctx_clear_errors(ctx);
}

void
tally_ctx_clear_errors(tally_ctx *ctx)
{
    if (!ctx)
        return;
    ctx->error_count = 0;
    ctx->errors_dropped = 0;
    ctx->using_fallback = 0;
}

/* Grows the record array directly: going through tally_ctx__realloc would recurse. */
static tally_error *
next_error_slot(tally_ctx *ctx)
{
    if (ctx->using_fallback || ctx->error_count >= TALLY_MAX_RECORDED_ERRORS)
        return NULL;
    if (ctx->error_count == ctx->error_capacity) {
        size_t capacity = ctx->error_capacity ? ctx->error_capacity * 2 : 4;
        if (capacity > TALLY_MAX_RECORDED_ERRORS)
            capacity = TALLY_MAX_RECORDED_ERRORS;
        tally_error *grown =
            ctx->errors ? ctx->allocator.realloc(ctx->errors, capacity * sizeof(*grown),
                                                 ctx->allocator.user_data)
                        : ctx->allocator.alloc(capacity * sizeof(*grown),
                                               ctx->allocator.user_data);
        if (!grown)
            return NULL;
        ctx->errors = grown;
        ctx->error_capacity = capacity;
    }
    return &ctx->errors[ctx->error_count++];
}

/* Copies at most `size - 1` bytes; a cut name ends in "..." so it is seen as cut. */
static void
copy_bounded(char *dest, size_t size, const char *text)
{
    size_t length = strlen(text);
    if (length < size) {
        memcpy(dest, text, length + 1);
        return;
    }
    memcpy(dest, text, size - 4);
    memcpy(dest + size - 4, "...", 4);
}

static void __attribute__((format(printf, 4, 0)))
fill_error(tally_error *error, int code, const tally_location *where, const char *format,
           va_list args)
{
    memset(error, 0, sizeof(*error));
    error->code = code;
    vsnprintf(error->message, sizeof(error->message), format, args);
    if (!where)
        return;
    error->line = where->line;
    error->column = where->column;
    if (where->source) {
        error->has_source = 1;
        copy_bounded(error->source, sizeof(error->source), where->source);
    }
    if (where->path) {
        error->has_path = 1;
        copy_bounded(error->path, sizeof(error->path), where->path);
    }
}

int
tally_ctx__verror_at(tally_ctx *ctx, int code, const tally_location *where,
                     const char *format, va_list args)
{
    if (!ctx)
        return code;
    tally_error *slot = next_error_slot(ctx);
    if (slot) {
        fill_error(slot, code, where, format, args);
        return code;
    }
    ctx->errors_dropped++;
    /* Out of memory with nothing recorded: keep this error where no allocation is needed. */
    if (ctx->error_count == 0 && !ctx->using_fallback) {
        fill_error(&ctx->fallback, code, where, format, args);
        ctx->using_fallback = 1;
        ctx->errors_dropped--;
    }
    return code;
}

int
tally_ctx__error_at(tally_ctx *ctx, int code, const tally_location *where,
                    const char *format, ...)
{
    va_list args;
    va_start(args, format);
    tally_ctx__verror_at(ctx, code, where, format, args);
    va_end(args);
    return code;
}

int
tally_ctx__error(tally_ctx *ctx, int code, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    tally_ctx__verror_at(ctx, code, NULL, format, args);
    va_end(args);
    return code;
}

size_t
tally_ctx_error_count(const tally_ctx *ctx)
{
    if (!ctx)
        return 0;
    return ctx->using_fallback ? 1 : ctx->error_count;
}

size_t
tally_ctx_errors_dropped(const tally_ctx *ctx)
{
    return ctx ? ctx->errors_dropped : 0;
}

const tally_error *
tally_ctx_error(const tally_ctx *ctx, size_t index)
{
    if (!ctx || index >= tally_ctx_error_count(ctx))
        return NULL;
    return ctx->using_fallback ? &ctx->fallback : &ctx->errors[index];
}

const tally_error *
tally_ctx_last_error(const tally_ctx *ctx)
{
    size_t count = tally_ctx_error_count(ctx);
    return count ? tally_ctx_error(ctx, count - 1) : NULL;
}

int
tally_error_code(const tally_error *error)
{
    return error ? error->code : TALLY_ERR_INVALID_ARGUMENT;
}

const char *
tally_error_message(const tally_error *error)
{
    return error ? error->message : "no error";
}

const char *
tally_error_source(const tally_error *error)
{
    return error && error->has_source ? error->source : NULL;
}

unsigned long
tally_error_line(const tally_error *error)
{
    return error ? error->line : 0;
}

unsigned long
tally_error_column(const tally_error *error)
{
    return error ? error->column : 0;
}

const char *
tally_error_path(const tally_error *error)
{
    return error && error->has_path ? error->path : NULL;
}

/* Appends to a bounded buffer, remembering whether anything was cut. */
typedef struct text_sink {
    char *out;
    size_t size;
    size_t used;
    int cut;
} text_sink;

static void
sink_append(text_sink *sink, const char *text)
{
    size_t length = strlen(text);
    size_t room = sink->size - 1 - sink->used;
    if (length > room) {
        length = room;
        sink->cut = 1;
    }
    memcpy(sink->out + sink->used, text, length);
    sink->used += length;
    sink->out[sink->used] = '\0';
}

static void
sink_append_number(text_sink *sink, unsigned long number)
{
    char digits[32];
    snprintf(digits, sizeof(digits), "%lu", number);
    sink_append(sink, digits);
}

int
tally_error_format(char *out, size_t out_size, const tally_error *error)
{
    if (!out || !out_size || !error)
        return TALLY_ERR_INVALID_ARGUMENT;
    text_sink sink = {out, out_size, 0, 0};
    out[0] = '\0';
    if (error->has_source) {
        sink_append(&sink, error->source);
        sink_append(&sink, ":");
    }
    if (error->line) {
        sink_append_number(&sink, error->line);
        sink_append(&sink, ":");
        if (error->column) {
            sink_append_number(&sink, error->column);
            sink_append(&sink, ":");
        }
    }
    if (sink.used)
        sink_append(&sink, " ");
    if (error->has_path) {
        sink_append(&sink, error->path);
        sink_append(&sink, ": ");
    }
    sink_append(&sink, error->message);
    return sink.cut ? TALLY_ERR_BUFFER_TOO_SMALL : TALLY_OK;
}
