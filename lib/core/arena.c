/*
 * Arena chunks grow geometrically up to a limit, so a session with a few payees
 * stays small and one with millions of ids costs few allocations.
 */
#include "core/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "core/context.h"

#define FIRST_CHUNK 4096u
#define LARGEST_CHUNK (1u << 20)

struct tally_arena_chunk {
    tally_arena_chunk *next;
    alignas(max_align_t) unsigned char data[];
};

void
tally_arena__init(tally_arena *arena, const tally_ctx *ctx)
{
    memset(arena, 0, sizeof(*arena));
    arena->allocator = *tally_ctx__allocator(ctx);
}


static int
grow(tally_arena *arena, tally_ctx *ctx, size_t needed)
{
    size_t size = arena->capacity ? arena->capacity * 2 : FIRST_CHUNK;
    if (size > LARGEST_CHUNK)
        size = LARGEST_CHUNK;
    if (size < needed)
        size = needed;
    if (size > SIZE_MAX - sizeof(tally_arena_chunk)) {
        tally_ctx__error(ctx, TALLY_ERR_NOMEM, "out of memory (arena chunk of %zu bytes)", size);
        return 0;
    }
    tally_arena_chunk *chunk = tally_ctx__alloc(ctx, sizeof(tally_arena_chunk) + size);
    if (!chunk)
        return 0;
    chunk->next = arena->chunks;
    arena->chunks = chunk;
    arena->used = 0;
    arena->capacity = size;
    arena->total += size;
    return 1;
}

/* Bump-allocates `size` bytes at a multiple of `alignment` (a power of two). */
static void *
take(tally_arena *arena, tally_ctx *ctx, size_t size, size_t alignment)
{
    size_t start = (arena->used + alignment - 1) & ~(alignment - 1);
    if (!arena->chunks || start > arena->capacity || arena->capacity - start < size) {
        if (!grow(arena, ctx, size))
            return NULL;
        start = 0;
    }
    arena->used = start + size;
    return arena->chunks->data + start;
}

void *
tally_arena__alloc(tally_arena *arena, tally_ctx *ctx, size_t size)
{
    return take(arena, ctx, size ? size : 1, alignof(max_align_t));
}

char *
tally_arena__strndup(tally_arena *arena, tally_ctx *ctx, const char *text, size_t length)
{
    if (length == SIZE_MAX) {
        tally_ctx__error(ctx, TALLY_ERR_NOMEM, "out of memory (string too long)");
        return NULL;
    }
    char *copy = take(arena, ctx, length + 1, 1);
    if (copy) {
        memcpy(copy, text, length);
        copy[length] = '\0';
    }
    return copy;
}

void
tally_arena__adopt(tally_arena *into, tally_arena *from)
{
    tally_arena_chunk *last = from->chunks;
    if (!last)
        return;
    while (last->next)
        last = last->next;
    if (into->chunks) { /* behind the newest chunk, which keeps its room */
        last->next = into->chunks->next;
        into->chunks->next = from->chunks;
    } else {
        into->chunks = from->chunks;
        into->used = from->used;
        into->capacity = from->capacity;
    }
    into->total += from->total;
    from->chunks = NULL;
    from->used = from->capacity = from->total = 0;
}

void
tally_arena__free(tally_arena *arena)
{
    tally_arena_chunk *chunk = arena->chunks;
    while (chunk) {
        tally_arena_chunk *next = chunk->next;
        arena->allocator.free(chunk, arena->allocator.user_data);
        chunk = next;
    }
    arena->chunks = NULL;
    arena->used = arena->capacity = arena->total = 0;
}
