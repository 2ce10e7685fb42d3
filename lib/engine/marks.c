/*
 * Per-sale facts, interned as "<kind><slot>:<transaction id>". Interning happens
 * while a row is planned (it may fail); the fact only counts once the row is
 * applied, so a rejected row leaves no mark behind.
 */
#include <stdio.h>
#include <string.h>

#include "core/context.h"
#include "engine/rows.h"

/* "<kind><slot>:<id>" into key; returns its length, or 0 when the id is too long. */
static size_t
mark_key(char key[TALLY_MARK_KEY_SIZE], char kind, uint32_t slot, const char *id)
{
    int length = snprintf(key, TALLY_MARK_KEY_SIZE, "%c%u:%s", kind, (unsigned)slot, id);
    return length < 0 || (size_t)length >= TALLY_MARK_KEY_SIZE ? 0 : (size_t)length;
}

uint32_t
tally_engine__find_mark(const tally_session *session, char kind, uint32_t slot, const char *id)
{
    char key[TALLY_MARK_KEY_SIZE];
    size_t length = mark_key(key, kind, slot, id);
    uint32_t mark = length ? tally_symbols__find(&session->sale_marks, key, length)
                           : TALLY_NO_SYMBOL;
    if (mark == TALLY_NO_SYMBOL || mark >= session->mark_capacity || !session->mark_set[mark])
        return TALLY_NO_SYMBOL;
    return mark;
}

int
tally_engine__mark(tally_session *session, tally_row *row, char kind, uint32_t component,
                   const char *id, int *already)
{
    char key[TALLY_MARK_KEY_SIZE];
    size_t length = mark_key(key, kind, session->components[component].slot, id);
    if (!length)
        return tally_ctx__error(session->ctx, TALLY_ERR_INPUT,
                                "transaction \"%s\": original id is too long", row->input->id);
    if (row->mark_count == TALLY_MAX_ROW_MARKS)
        return tally_ctx__error(session->ctx, TALLY_ERR_LIMIT,
                                "transaction \"%s\" touches too many components", row->input->id);
    uint32_t symbol;
    int status = tally_symbols__intern(&session->sale_marks, session->ctx, key, length, &symbol);
    if (status != TALLY_OK)
        return status;
    if (symbol >= session->mark_capacity) {
        size_t before = session->mark_capacity;
        uint8_t *grown = tally_ctx__grow(session->ctx, session->mark_set, &session->mark_capacity,
                                         (size_t)symbol + 1, 1, 256);
        if (!grown)
            return TALLY_ERR_NOMEM;
        memset(grown + before, 0, session->mark_capacity - before);
        session->mark_set = grown;
    }
    *already = session->mark_set[symbol];
    /* The same row may mark twice (two returns of one sale in one row cannot happen). */
    for (size_t i = 0; i < row->mark_count; i++)
        if (row->marks[i] == symbol)
            *already = 1;
    if (!*already)
        row->marks[row->mark_count++] = symbol;
    return TALLY_OK;
}

void
tally_engine__apply_marks(tally_session *session, const tally_row *row)
{
    for (size_t i = 0; i < row->mark_count; i++)
        session->mark_set[row->marks[i]] = 1;
}
