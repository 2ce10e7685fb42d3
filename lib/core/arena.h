/*
 * A bump allocator for many small, immutable pieces (interned strings, id lists)
 * that live exactly as long as their owner. Chunks come from the context's
 * allocator; the arena keeps its own copy of it, so an arena can outlive the
 * context it was filled through (results do).
 */
#ifndef TALLY_CORE_ARENA_H
#define TALLY_CORE_ARENA_H

#include <stddef.h>

#include "tally/context.h"

typedef struct tally_arena_chunk tally_arena_chunk;

typedef struct tally_arena {
    tally_allocator allocator;
    tally_arena_chunk *chunks; /* newest first */
    size_t used;               /* bytes used in the newest chunk */
    size_t capacity;           /* bytes available in the newest chunk */
    size_t total;              /* bytes of all chunks, for memory reports */
} tally_arena;

void tally_arena__init(tally_arena *arena, const tally_ctx *ctx);
/* Returns `size` bytes aligned for any object, or NULL (TALLY_ERR_NOMEM on ctx). */
void *tally_arena__alloc(tally_arena *arena, tally_ctx *ctx, size_t size);
/* Copies `length` bytes and a NUL. */
char *tally_arena__strndup(tally_arena *arena, tally_ctx *ctx, const char *text,
                           size_t length);
/* Makes `into` own every chunk of `from` (allocated with the same allocator), which
 * is left empty: what was allocated in it stays where it is. Allocation in `into`
 * goes on in its own newest chunk. */
void tally_arena__adopt(tally_arena *into, tally_arena *from);
void tally_arena__free(tally_arena *arena);

#endif /* TALLY_CORE_ARENA_H */
