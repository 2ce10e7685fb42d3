/*
 * The CSV tokeniser (RFC 4180): cuts one record out of a window of bytes, copies
 * the unquoted text of its fields into a reusable scratch buffer, each followed by
 * a NUL, and checks that the text is UTF-8 without NUL bytes.
 *
 * The window may end inside a record; the tokeniser then asks for more bytes and
 * the caller hands it the whole record again, so no state is kept between calls
 * but the scratch. A record is scanned with one table lookup per byte: only line
 * ends, commas, quotes, NUL and non-ASCII bytes stop the scan.
 *
 * A syntax error (a stray quote, a bare CR, bad UTF-8, a NUL, an unterminated
 * quote) does not stop the cut: the record is still delimited, as leniently as
 * possible, so that a reader collecting bad rows can go on after it.
 */
#include <string.h>

#include "io/csv.h"

/* Bytes that end a run of field text outside quotes (UNQUOTED) and inside (QUOTED). */
enum { UNQUOTED = 1, QUOTED = 2, BOTH = 3 };

static const unsigned char byte_class[256] = {
    /* 0x00: NUL, LF in both; CR only outside quotes. */
    BOTH, 0, 0, 0, 0, 0, 0, 0, 0, 0, BOTH, 0, 0, UNQUOTED, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* 0x20: '"' in both, ',' outside quotes. */
    0, 0, BOTH, 0, 0, 0, 0, 0, 0, 0, 0, 0, UNQUOTED, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* 0x80 ... 0xff: non-ASCII, checked as UTF-8. */
    BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH,
    BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH,
    BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH,
    BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH,
    BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH,
    BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH,
    BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH,
    BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH, BOTH,
};

void
tally_csv__tokenizer_init(tally_csv__tokenizer *tokenizer, tally_ctx *ctx, size_t max_record)
{
    memset(tokenizer, 0, sizeof(*tokenizer));
    tokenizer->ctx = ctx;
    tokenizer->max_record = max_record;
    tokenizer->store_limit = SIZE_MAX;
}

void
tally_csv__tokenizer_free(tally_csv__tokenizer *tokenizer)
{
    tally_ctx__free(tokenizer->ctx, tokenizer->scratch);
    tally_ctx__free(tokenizer->ctx, tokenizer->fields);
    tokenizer->scratch = NULL;
    tokenizer->fields = NULL;
}

int
tally_csv__bom(const char *data, size_t size, int at_end)
{
    static const char bom[3] = {'\xef', '\xbb', '\xbf'};
    size_t n = size < 3 ? size : 3;
    if (n == 0)
        return at_end ? 0 : -1;
    if (memcmp(data, bom, n) != 0)
        return 0;
    if (n == 3)
        return 3;
    return at_end ? 0 : -1;
}

/*
 * Length of the UTF-8 sequence at p (Unicode table 3-7: no overlong forms, no
 * surrogates, nothing above U+10FFFF): 2 ... 4, 0 when invalid, -1 when the
 * window ends inside a sequence that may still be valid and more bytes follow.
 */
static int
utf8_sequence(const unsigned char *p, size_t available, int at_end)
{
    unsigned char lead = p[0];
    int length;
    unsigned char low = 0x80, high = 0xbf; /* range of the second byte */
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        if (lead == 0xe0)
            low = 0xa0;
        else if (lead == 0xed)
            high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        if (lead == 0xf0)
            low = 0x90;
        else if (lead == 0xf4)
            high = 0x8f;
    } else {
        return 0;
    }
    for (int i = 1; i < length; i++) {
        if ((size_t)i >= available)
            return at_end ? 0 : -1;
        unsigned char byte = p[i];
        if (i == 1 ? (byte < low || byte > high) : (byte < 0x80 || byte > 0xbf))
            return 0;
    }
    return length;
}

/* Makes room for `count` bytes in the scratch. */
static int
reserve_scratch(tally_csv__tokenizer *tokenizer, size_t count)
{
    if (count <= tokenizer->scratch_capacity)
        return 1;
    size_t capacity = tokenizer->scratch_capacity ? tokenizer->scratch_capacity * 2 : 256;
    if (capacity < count)
        capacity = count;
    char *grown = tally_ctx__realloc(tokenizer->ctx, tokenizer->scratch, capacity);
    if (!grown)
        return 0;
    tokenizer->scratch = grown;
    tokenizer->scratch_capacity = capacity;
    return 1;
}

static int
grow_fields(tally_csv__tokenizer *tokenizer)
{
    size_t capacity = tokenizer->field_capacity ? tokenizer->field_capacity * 2 : 32;
    tally_csv__field *grown =
        tally_ctx__realloc(tokenizer->ctx, tokenizer->fields, capacity * sizeof(*grown));
    if (!grown)
        return 0;
    tokenizer->fields = grown;
    tokenizer->field_capacity = capacity;
    return 1;
}

static void
syntax_error(tally_csv__record *record, tally_csv__syntax syntax, size_t field,
             unsigned char byte)
{
    if (record->syntax != TALLY_CSV__SYNTAX_OK)
        return;
    record->syntax = syntax;
    record->syntax_field = field;
    record->syntax_byte = byte;
}

tally_csv__cut
tally_csv__tokenize(tally_csv__tokenizer *tokenizer, const char *data, size_t size, int at_end,
                    tally_csv__record *record)
{
    const unsigned char *p = (const unsigned char *)data;
    memset(record, 0, sizeof(*record));
    /* Bytes before scan_end may belong to the record; one past the limit is too many. */
    size_t scan_end = size > tokenizer->max_record + 1 ? tokenizer->max_record + 1 : size;
    /*
     * Every byte copied stands for a byte scanned (unquoting only drops bytes),
     * and so does every NUL but the last (it takes the comma's place), so the
     * texts and their NULs fit in the bytes scanned plus one. Scanning stops by
     * scan_end, at most 3 bytes past it (inside a UTF-8 sequence or an escaped
     * quote): the scan below needs no bounds checks on the scratch.
     */
    if (!reserve_scratch(tokenizer, scan_end + 8))
        return TALLY_CSV__NO_MEMORY;
    char *out = tokenizer->scratch;
    size_t used = 0;
    size_t field = 0;
    size_t pos = 0;

    for (;;) { /* one field per turn */
        if (field < tokenizer->store_limit && field >= tokenizer->field_capacity &&
            !grow_fields(tokenizer))
            return TALLY_CSV__NO_MEMORY;
        size_t field_start = used;
        int quoted = 0;
        if (pos < size && p[pos] == '"') {
            quoted = 1;
            pos++;
        }
        size_t raw_size = 0, consumed = 0;
        int last = 0; /* the field ends the record */
        for (;;) { /* one run of plain text, then the byte that stopped it */
            unsigned char stop = quoted ? QUOTED : UNQUOTED;
            while (pos < scan_end) {
                unsigned char c = p[pos];
                if (byte_class[c] & stop)
                    break;
                out[used++] = (char)c;
                pos++;
            }
            if (pos >= scan_end) {
                if (scan_end < size)
                    return TALLY_CSV__TOO_LONG;
                if (!at_end)
                    return TALLY_CSV__NEED_MORE;
                if (quoted)
                    syntax_error(record, TALLY_CSV__SYNTAX_UNTERMINATED, field, 0);
                raw_size = consumed = size;
                last = 1;
                break;
            }
            unsigned char c = p[pos];
            if (c >= 0x80) {
                int length = utf8_sequence(p + pos, size - pos, at_end);
                if (length < 0)
                    return TALLY_CSV__NEED_MORE;
                if (length == 0) {
                    syntax_error(record, TALLY_CSV__SYNTAX_UTF8, field, c);
                    length = 1;
                }
                for (int i = 0; i < length; i++)
                    out[used++] = (char)p[pos++];
                continue;
            }
            if (c == '\0') {
                syntax_error(record, TALLY_CSV__SYNTAX_NUL, field, 0);
                out[used++] = (char)p[pos++];
                continue;
            }
            if (quoted) {
                if (c == '\n') {
                    record->newlines++;
                    out[used++] = (char)p[pos++];
                    continue;
                }
                /* c == '"': an escaped quote, or the closing one. */
                if (pos + 1 >= size && !at_end)
                    return TALLY_CSV__NEED_MORE;
                if (pos + 1 < size && p[pos + 1] == '"') {
                    out[used++] = '"';
                    pos += 2;
                    continue;
                }
                pos++;
                quoted = 0;
                if (pos < size && p[pos] != ',' && p[pos] != '\n' && p[pos] != '\r')
                    syntax_error(record, TALLY_CSV__SYNTAX_AFTER_QUOTE, field, p[pos]);
                continue;
            }
            if (c == ',')
                break;
            if (c == '\n') {
                raw_size = pos;
                consumed = pos + 1;
                last = 1;
                break;
            }
            if (c == '\r') {
                if (pos + 1 >= size && !at_end)
                    return TALLY_CSV__NEED_MORE;
                if (pos + 1 < size && p[pos + 1] == '\n') {
                    raw_size = pos;
                    consumed = pos + 2;
                    last = 1;
                    break;
                }
                syntax_error(record, TALLY_CSV__SYNTAX_BARE_CR, field, c);
            } else { /* c == '"' */
                syntax_error(record, TALLY_CSV__SYNTAX_QUOTE_IN_FIELD, field, c);
            }
            out[used++] = (char)p[pos++];
        }
        if (field < tokenizer->store_limit) {
            tokenizer->fields[field].offset = field_start;
            tokenizer->fields[field].length = used - field_start;
        }
        out[used++] = '\0';
        field++;
        if (last) {
            tokenizer->scratch_used = used;
            record->raw = data;
            record->raw_size = raw_size;
            record->consumed = consumed;
            record->field_count = field;
            return TALLY_CSV__RECORD;
        }
        pos++; /* past the comma */
    }
}
