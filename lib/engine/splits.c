/*
 * The split column: "payee:percent;payee:percent", percents summing to exactly
 * 100. Any other shape rejects the row with a message saying what was expected.
 */
#include <stdio.h>
#include <string.h>

#include "core/context.h"
#include "engine/rows.h"

static int
parse_part(tally_session *session, const char *text, size_t length, tally_split_part *out,
           char *message, size_t message_size)
{
    const char *colon = memchr(text, ':', length);
    if (!colon || colon == text || colon + 1 == text + length) {
        snprintf(message, message_size,
                 "split part \"%.*s\" is not payee:percent", (int)(length > 64 ? 64 : length),
                 text);
        return TALLY_ERR_INPUT;
    }
    size_t name_length = (size_t)(colon - text);
    const char *pct = colon + 1;
    size_t pct_length = length - name_length - 1;
    if (tally_decimal_parse_n(NULL, &out->percent, pct, pct_length) != TALLY_OK ||
        tally_decimal_sign(&out->percent) <= 0) {
        snprintf(message, message_size, "split percent \"%.*s\" is not a positive number",
                 (int)(pct_length > 40 ? 40 : pct_length), pct);
        return TALLY_ERR_INPUT;
    }
    return tally_symbols__intern(&session->names, session->ctx, text, name_length, &out->payee);
}

int
tally_engine__parse_split(tally_session *session, tally_row *row, char *message,
                          size_t message_size)
{
    static const tally_decimal hundred = {100, 0, 0, 0};
    const char *text = row->input->split;
    row->split.count = 0;
    if (!text || !text[0])
        return TALLY_OK;
    tally_decimal total = {0, 0, 0, 0};
    const char *end = text + strlen(text);
    for (const char *part = text; part <= end;) {
        const char *semicolon = memchr(part, ';', (size_t)(end - part));
        const char *stop = semicolon ? semicolon : end;
        if (row->split.count == TALLY_MAX_SPLIT_PAYEES) {
            snprintf(message, message_size, "a split has at most %d payees",
                     TALLY_MAX_SPLIT_PAYEES);
            return TALLY_ERR_INPUT;
        }
        tally_split_part *p = &row->split.parts[row->split.count];
        int status = parse_part(session, part, (size_t)(stop - part), p, message, message_size);
        if (status != TALLY_OK)
            return status;
        if (tally_decimal_add(&total, &total, &p->percent) != TALLY_OK) {
            snprintf(message, message_size, "split percents are out of range");
            return TALLY_ERR_INPUT;
        }
        row->split.count++;
        part = stop + 1;
    }
    int order = 0;
    tally_decimal_compare(&order, &total, &hundred);
    if (order != 0) {
        char sum[TALLY_DECIMAL_STRING_MAX];
        tally_decimal_format(sum, sizeof(sum), &total);
        snprintf(message, message_size, "split percents sum to %s, not 100", sum);
        return TALLY_ERR_INPUT;
    }
    return TALLY_OK;
}
