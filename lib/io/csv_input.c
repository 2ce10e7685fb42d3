/*
 * Windows of input bytes for the tokeniser. A file (or a caller's buffer, which
 * the tokeniser must not write to) is read in fixed-size chunks into a carry-over
 * buffer: before each read the unconsumed tail (the start of a record cut by the
 * previous chunk) moves to the front, and the buffer grows only when one record
 * fills it, so memory depends on the longest record, never on the number of rows.
 * The buffer has TALLY_CSV__PADDING bytes more than its capacity, zeroed after the
 * window, for the tokeniser's word-sized reads and its final NUL.
 *
 * The capacity that decides how many bytes each read asks for is kept apart from
 * the bytes allocated, so that a buffer allocated whole in advance (for a reading
 * thread, which must not allocate) reads exactly the same chunks.
 */
#include <string.h>

#include "io/csv.h"

void
tally_csv__input_stream(tally_csv__input *input, tally_ctx *ctx, tally_csv__read_fn read,
                        void *source, size_t chunk, size_t max_record)
{
    memset(input, 0, sizeof(*input));
    input->data = NULL; /* until the first tally_csv__input_more() */
    input->ctx = ctx;
    input->read = read;
    input->source = source;
    input->chunk = chunk ? chunk : TALLY_CSV__CHUNK_SIZE;
    /* Room for a record one byte over the limit plus its CR LF, so the tokeniser
     * can tell it is too long, and for a chunk read after it. */
    input->max_capacity = max_record + 2 + input->chunk;
}

void
tally_csv__input_free(tally_csv__input *input)
{
    if (input->buffer)
        tally_ctx__free(input->ctx, input->buffer);
    input->buffer = NULL;
    input->data = NULL;
}

int
tally_csv__input_reserve(tally_csv__input *input)
{
    if (!input->read || input->allocated >= input->max_capacity)
        return TALLY_OK;
    char *grown = tally_ctx__realloc(input->ctx, input->buffer,
                                     input->max_capacity + TALLY_CSV__PADDING);
    if (!grown)
        return TALLY_ERR_NOMEM;
    /* The window moves with the buffer; its capacity, and so the reads, stay. */
    input->buffer = grown;
    if (input->data)
        input->data = grown;
    input->allocated = input->max_capacity;
    return TALLY_OK;
}

int
tally_csv__input_more(tally_csv__input *input)
{
    if (!input->read || input->at_end) {
        input->at_end = 1;
        return TALLY_OK;
    }
    if (input->start > 0) {
        memmove(input->buffer, input->buffer + input->start, input->end - input->start);
        input->end -= input->start;
        input->start = 0;
    }
    if (input->end == input->capacity) {
        if (input->capacity >= input->max_capacity)
            return TALLY_ERR_LIMIT;
        size_t capacity = input->capacity ? input->capacity * 2 : input->chunk;
        if (capacity > input->max_capacity)
            capacity = input->max_capacity;
        if (capacity > input->allocated) {
            char *grown =
                tally_ctx__realloc(input->ctx, input->buffer, capacity + TALLY_CSV__PADDING);
            if (!grown)
                return TALLY_ERR_NOMEM;
            input->buffer = grown;
            input->allocated = capacity;
        }
        input->capacity = capacity;
    }
    input->data = input->buffer;
    size_t asked = input->capacity - input->end;
    if (asked > input->chunk)
        asked = input->chunk;
    int error = 0;
    size_t got = input->read(input->source, input->buffer + input->end, asked, &error);
    if (got == 0) {
        if (error) {
            input->read_error = error;
            return TALLY_ERR_IO;
        }
        input->at_end = 1;
    }
    input->end += got;
    input->total_read += got;
    memset(input->buffer + input->end, 0, TALLY_CSV__PADDING);
    return TALLY_OK;
}
