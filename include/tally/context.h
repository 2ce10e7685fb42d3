/**
 * @file context.h
 * @brief Contexts: the allocator and the error record of everything tally does.
 *
 * A ::tally_ctx holds no global state of the library; it carries the allocator used
 * for every allocation tally makes on its behalf (libxml2's own allocations while a
 * plan loads are libxml2's; see the API guide) and the errors of the last call that
 * took it. A context may be used by one thread at a time; give each thread its own.
 *
 * Error records: every function that takes a context clears the context's errors when
 * it starts and records one or more errors when it fails. A loader that can find
 * several problems in one pass records all of them (up to a limit), in the order
 * found. Error records stay valid until the next call that uses the same context,
 * tally_ctx_clear_errors() or tally_ctx_free().
 */
#ifndef TALLY_CONTEXT_H
#define TALLY_CONTEXT_H

#include "tally/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief A context. Opaque; create it with tally_ctx_new(). */
typedef struct tally_ctx tally_ctx;

/** @brief One recorded error. Opaque; owned by the context that recorded it. */
typedef struct tally_error tally_error;

/**
 * @brief User-supplied allocation functions.
 *
 * Set `size` to `sizeof(tally_allocator)`; it lets later versions add fields.
 * All three functions are required. They receive `user_data` as last argument.
 * @p realloc is called with a non-NULL pointer only; @p free never with NULL.
 * A function that fails must return NULL; tally then reports ::TALLY_ERR_NOMEM and
 * releases whatever it had allocated for the failed call.
 */
typedef struct tally_allocator {
    /** `sizeof(tally_allocator)` as compiled by the caller. */
    size_t size;
    /** Allocates `size` bytes (never called with 0). */
    void *(*alloc)(size_t size, void *user_data);
    /** Resizes a block returned by `alloc` or `realloc`. */
    void *(*realloc)(void *ptr, size_t size, void *user_data);
    /** Releases a block returned by `alloc` or `realloc`. */
    void (*free)(void *ptr, void *user_data);
    /** Passed unchanged to the three functions. */
    void *user_data;
} tally_allocator;

/**
 * @brief Creates a context.
 *
 * @param[out] out       receives the new context; owned by the caller, release it with
 *                       tally_ctx_free(). Set to NULL on failure.
 * @param[in]  allocator allocation functions, copied into the context; NULL selects
 *                       the C library's malloc, realloc and free. The context itself
 *                       is allocated with it.
 * @returns ::TALLY_OK, ::TALLY_ERR_NOMEM, or ::TALLY_ERR_INVALID_ARGUMENT when @p out
 *          is NULL, @p allocator has a size smaller than its first version, a missing
 *          function, or non-zero bytes in fields this version does not know.
 * @since 0.1.0
 */
TALLY_API int
tally_ctx_new(tally_ctx **out, const tally_allocator *allocator);

/**
 * @brief Releases a context and its error records.
 *
 * Objects created with the context (plans, sessions in later versions) must be
 * released before it.
 * @param[in] ctx the context, owned by the caller until this call; NULL is a no-op.
 * @since 0.1.0
 */
TALLY_API void
tally_ctx_free(tally_ctx *ctx);

/**
 * @brief Number of errors recorded by the last failed call.
 * @param[in] ctx the context; may be NULL.
 * @returns the count; 0 after a successful call or for a NULL @p ctx.
 * @since 0.1.0
 */
TALLY_API size_t
tally_ctx_error_count(const tally_ctx *ctx);

/**
 * @brief Errors found but not recorded, because the limit of recorded errors was
 *        reached or memory ran out while recording them.
 * @param[in] ctx the context; may be NULL.
 * @returns the count of dropped errors (0 for a NULL @p ctx).
 * @since 0.1.0
 */
TALLY_API size_t
tally_ctx_errors_dropped(const tally_ctx *ctx);

/**
 * @brief The recorded error at @p index, in the order found.
 * @param[in] ctx   the context; may be NULL.
 * @param[in] index 0 ... tally_ctx_error_count() - 1.
 * @returns a record owned by the context, or NULL when @p index is out of range.
 * @since 0.1.0
 */
TALLY_API const tally_error *
tally_ctx_error(const tally_ctx *ctx, size_t index);

/**
 * @brief The most recently recorded error.
 * @param[in] ctx the context; may be NULL.
 * @returns a record owned by the context, or NULL when there is none.
 * @since 0.1.0
 */
TALLY_API const tally_error *
tally_ctx_last_error(const tally_ctx *ctx);

/**
 * @brief Forgets all recorded errors.
 * @param[in,out] ctx the context; NULL is a no-op.
 * @since 0.1.0
 */
TALLY_API void
tally_ctx_clear_errors(tally_ctx *ctx);

/**
 * @brief The ::tally_status code of an error.
 * @param[in] error the error record.
 * @returns the code; ::TALLY_ERR_INVALID_ARGUMENT for a NULL @p error.
 * @since 0.1.0
 */
TALLY_API int
tally_error_code(const tally_error *error);

/**
 * @brief Human-readable English message, without location.
 * @param[in] error the error record.
 * @returns the message, owned by the error record; never NULL ("no error" for a
 *          NULL @p error).
 * @since 0.1.0
 */
TALLY_API const char *
tally_error_message(const tally_error *error);

/**
 * @brief Name of the source (file name, or a name given for a memory buffer) the
 *        error was found in.
 * @param[in] error the error record.
 * @returns the name, owned by the error record, or NULL when there is none.
 * @since 0.1.0
 */
TALLY_API const char *
tally_error_source(const tally_error *error);

/**
 * @brief Line number in the source.
 * @param[in] error the error record.
 * @returns the line, counted from 1, or 0 when not applicable.
 * @since 0.1.0
 */
TALLY_API unsigned long
tally_error_line(const tally_error *error);

/**
 * @brief Column number in the source.
 * @param[in] error the error record.
 * @returns the column, counted from 1, or 0 when not applicable.
 * @since 0.1.0
 */
TALLY_API unsigned long
tally_error_column(const tally_error *error);

/**
 * @brief Where inside the source the error is.
 * @param[in] error the error record.
 * @returns an element path such as `/plan/component[2]/tiers`, or a field name for
 *          tabular input, owned by the error record; NULL when not applicable.
 * @since 0.1.0
 */
TALLY_API const char *
tally_error_path(const tally_error *error);

/**
 * @brief Writes the error as one line, `source:line:column: path: message`, leaving
 *        out the parts that do not apply.
 *
 * @param[out] out      buffer for the NUL-terminated text.
 * @param[in]  out_size size of @p out in bytes.
 * @param[in]  error    the error.
 * @returns ::TALLY_OK; ::TALLY_ERR_BUFFER_TOO_SMALL when the text was cut to fit
 *          (the buffer then holds the cut text); ::TALLY_ERR_INVALID_ARGUMENT for a
 *          NULL argument or a zero @p out_size.
 * @since 0.1.0
 */
TALLY_API int
tally_error_format(char *out, size_t out_size, const tally_error *error);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_CONTEXT_H */
