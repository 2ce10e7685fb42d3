/*
 * The CSV tokeniser (RFC 4180): cuts one record out of a window of bytes into
 * fields, and checks that the text is UTF-8 without NUL bytes.
 *
 * Unquoted fields, nearly all of them, are not copied: a field is where it lies in
 * the window, with a NUL written over the ',' or LF that ended it as soon as it
 * is cut (tally_csv__terminate() does it for the few others, and
 * tally_csv__restore() puts the bytes back when the raw record is wanted). A cut
 * that does not end in a record undoes its NULs, since the record will be cut
 * again. Quoted fields are unescaped into a reusable scratch buffer.
 *
 * Unquoted text is scanned 64 bytes at a time: a mask shows which of them may
 * end a field (csv_scan.h), and the cut goes from one set bit to the next, so it
 * does not branch per byte. That is why the window must be followed by
 * TALLY_CSV__PADDING readable bytes; the input guarantees them.
 *
 * The window may end inside a record; the tokeniser then asks for more bytes and
 * the caller hands it the whole record again, so no state is kept between calls
 * but the scratch. A syntax error (a stray quote, a bare CR, bad UTF-8, a NUL, an
 * unterminated quote) does not stop the cut: the record is still delimited, as
 * leniently as possible, so that a reader collecting bad rows can go on after it.
 */
#include <string.h>

#include "io/csv.h"
#include "io/csv_scan.h"

/* Bytes that end a run of quoted text: NUL, LF, '"' and non-ASCII. */
static int
stops_quoted(unsigned char c)
{
    return c == '\0' || c == '\n' || c == '"' || c >= 0x80;
}

/* Bytes that end a run of unquoted text (in a field copied after its quotes). */
static int
stops_unquoted(unsigned char c)
{
    return c == '\0' || c == '\n' || c == '\r' || c == '"' || c == ',' || c >= 0x80;
}

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

/* ---- cutting fields ---- */

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

int
tally_csv__tokenizer_reserve(tally_csv__tokenizer *tokenizer, size_t fields, size_t scratch)
{
    while (tokenizer->field_capacity < fields) {
        if (!grow_fields(tokenizer))
            return TALLY_ERR_NOMEM;
    }
    return reserve_scratch(tokenizer, scratch) ? TALLY_OK : TALLY_ERR_NOMEM;
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

/* Where the record is being cut: the window and what is known of the record. */
typedef struct cutter {
    tally_csv__tokenizer *tokenizer;
    const unsigned char *p;
    size_t size;
    size_t scan_end;         /* bytes before it may belong to the record */
    int at_end;
    tally_csv__record *record;
    size_t field;            /* 0-based index of the field being cut */
    size_t pos;              /* next byte to look at */
    const unsigned char *block; /* the mask's first byte (may be before p) */
    uint64_t mask;           /* stops in block[0 .. 64) from pos on, before p + size */
} cutter;

/* The stops of block[0 .. 64) that are before `end`, the window's end. */
static inline uint64_t
mask_before(const unsigned char *block, const unsigned char *end)
{
    size_t left = (size_t)(end - block);
    if (left == 0)
        return 0;
    uint64_t mask = tally_csv__stop_mask(block);
    return left < 64 ? mask & ((UINT64_C(1) << left) - 1) : mask;
}

static inline uint64_t
block_mask(const cutter *c, const unsigned char *block)
{
    return mask_before(block, c->p + c->size);
}

/* Moves the scan to pos (<= size). */
static inline void
seek(cutter *c, size_t pos)
{
    const unsigned char *target = c->p + pos;
    if (target >= c->block && target - c->block < 64) {
        c->mask &= ~UINT64_C(0) << (target - c->block);
    } else {
        c->block = target;
        c->mask = block_mask(c, target);
    }
    c->pos = pos;
}

/* The first stop at or after pos; size when none. */
static inline size_t
next_stop(cutter *c)
{
    while (c->mask == 0) {
        if ((size_t)(c->p + c->size - c->block) <= 64)
            return c->size;
        c->block += 64;
        c->mask = block_mask(c, c->block);
    }
    return (size_t)(c->block + __builtin_ctzll(c->mask) - c->p);
}

/*
 * The mask of the last block is kept from one record to the next in the same
 * window (the bytes terminate() changes are all before the next record). The
 * window changes only after a cut that was not a record.
 */
static void
start_scan(cutter *c)
{
    const tally_csv__tokenizer *tokenizer = c->tokenizer;
    const unsigned char *cached = (const unsigned char *)tokenizer->cached_block;
    if (cached && tokenizer->cached_end == (const char *)c->p + c->size && cached <= c->p &&
        c->p - cached < 64) {
        c->block = cached;
        c->mask = tokenizer->cached_mask & (~UINT64_C(0) << (c->p - cached));
    } else {
        c->block = c->p;
        c->mask = block_mask(c, c->p);
    }
}

static void
keep_scan(const cutter *c, int valid)
{
    tally_csv__tokenizer *tokenizer = c->tokenizer;
    tokenizer->cached_block = valid ? (const char *)c->block : NULL;
    tokenizer->cached_mask = c->mask;
    tokenizer->cached_end = (const char *)c->p + c->size;
}

/* How a field ended. */
typedef enum field_end {
    FIELD_COMMA,             /* another field follows, at pos */
    FIELD_LAST,              /* the record ends; record->raw_size and consumed are set */
    FIELD_STOP               /* the cut cannot finish: *cut says why */
} field_end;

static field_end
need_more(tally_csv__cut *cut)
{
    *cut = TALLY_CSV__NEED_MORE;
    return FIELD_STOP;
}

/* The scan reached scan_end without a line end. */
static field_end
window_ends(cutter *c, tally_csv__cut *cut, int quoted)
{
    /* scan_end is one byte past the limit at most: a record that reaches it is
     * too long, also when the input ends right there. */
    if (c->scan_end > c->tokenizer->max_record) {
        *cut = TALLY_CSV__TOO_LONG;
        return FIELD_STOP;
    }
    if (!c->at_end)
        return need_more(cut);
    if (quoted)
        syntax_error(c->record, TALLY_CSV__SYNTAX_UNTERMINATED, c->field, 0);
    c->record->raw_size = c->record->consumed = c->size;
    c->pos = c->size;
    return FIELD_LAST;
}

/* A CR at pos outside quotes: 1 for the line end CR LF (the record's end is
 * set), 0 for a bare CR (an error, kept as text), -1 when more input is needed. */
static int
carriage_return(cutter *c)
{
    size_t pos = c->pos;
    if (pos + 1 >= c->size && !c->at_end)
        return -1;
    if (pos + 1 < c->size && c->p[pos + 1] == '\n') {
        c->record->raw_size = pos;
        c->record->consumed = pos + 2;
        return 1;
    }
    syntax_error(c->record, TALLY_CSV__SYNTAX_BARE_CR, c->field, '\r');
    return 0;
}

/* A non-ASCII byte at pos: its bytes are text, valid or not. Returns how many, or
 * 0 when more input is needed to tell. */
static size_t
non_ascii(cutter *c)
{
    int length = utf8_sequence(c->p + c->pos, c->size - c->pos, c->at_end);
    if (length < 0)
        return 0;
    if (length == 0) {
        syntax_error(c->record, TALLY_CSV__SYNTAX_UTF8, c->field, c->p[c->pos]);
        length = 1;
    }
    return (size_t)length;
}

/* An unquoted field from pos, left where it is; *length receives its length. */
static field_end
cut_in_place(cutter *c, tally_csv__cut *cut, size_t *length)
{
    size_t start = c->pos;
    for (;;) {
        size_t stop = next_stop(c);
        if (stop >= c->scan_end) {
            *length = c->size - start;
            c->pos = c->scan_end;
            return window_ends(c, cut, 0);
        }
        unsigned char byte = c->p[stop];
        *length = stop - start;
        if (byte == ',') {
            seek(c, stop + 1);
            return FIELD_COMMA;
        }
        if (byte == '\n') {
            c->record->raw_size = stop;
            c->record->consumed = stop + 1;
            return FIELD_LAST;
        }
        c->pos = stop;
        size_t next = stop + 1; /* text: a control, a space, '!', or an error below */
        if (byte >= 0x80) {
            size_t count = non_ascii(c);
            if (count == 0)
                return need_more(cut);
            next = stop + count;
        } else if (byte == '\r') {
            int line_end = carriage_return(c);
            if (line_end != 0)
                return line_end > 0 ? FIELD_LAST : need_more(cut);
        } else if (byte == '"') {
            syntax_error(c->record, TALLY_CSV__SYNTAX_QUOTE_IN_FIELD, c->field, byte);
        } else if (byte == '\0') {
            syntax_error(c->record, TALLY_CSV__SYNTAX_NUL, c->field, 0);
        }
        seek(c, next);
    }
}

/* The byte at pos ends a run of quoted text: handles it. Returns 1 when the
 * field leaves its quotes, 0 to stay in them, -1 when more input is needed. */
static int
quoted_stop(cutter *c, char *out, size_t *used)
{
    const unsigned char *p = c->p;
    unsigned char byte = p[c->pos];
    if (byte == '\n') {
        c->record->newlines++;
        out[(*used)++] = (char)p[c->pos++];
        return 0;
    }
    if (byte == '\0') {
        syntax_error(c->record, TALLY_CSV__SYNTAX_NUL, c->field, 0);
        out[(*used)++] = (char)p[c->pos++];
        return 0;
    }
    /* byte == '"': an escaped quote, or the closing one. */
    if (c->pos + 1 >= c->size && !c->at_end)
        return -1;
    if (c->pos + 1 < c->size && p[c->pos + 1] == '"') {
        out[(*used)++] = '"';
        c->pos += 2;
        return 0;
    }
    c->pos++;
    if (c->pos < c->size && p[c->pos] != ',' && p[c->pos] != '\n' && p[c->pos] != '\r')
        syntax_error(c->record, TALLY_CSV__SYNTAX_AFTER_QUOTE, c->field, p[c->pos]);
    return 1;
}

/* The byte at pos ends a run of unquoted text after a closing quote: handles it.
 * Returns 1 when the field ends (*end says how), 0 to go on. */
static int
unquoted_stop(cutter *c, tally_csv__cut *cut, char *out, size_t *used, field_end *end)
{
    unsigned char byte = c->p[c->pos];
    if (byte == ',') {
        c->pos++;
        *end = FIELD_COMMA;
        return 1;
    }
    if (byte == '\n') {
        c->record->raw_size = c->pos;
        c->record->consumed = c->pos + 1;
        *end = FIELD_LAST;
        return 1;
    }
    if (byte == '\r') {
        int line_end = carriage_return(c);
        if (line_end != 0) {
            *end = line_end > 0 ? FIELD_LAST : need_more(cut);
            return 1;
        }
    } else if (byte == '"') {
        syntax_error(c->record, TALLY_CSV__SYNTAX_QUOTE_IN_FIELD, c->field, byte);
    } else { /* NUL */
        syntax_error(c->record, TALLY_CSV__SYNTAX_NUL, c->field, 0);
    }
    out[(*used)++] = (char)c->p[c->pos++];
    return 0;
}

/*
 * A field that starts with '"', from the byte after it: unescaped into the
 * scratch from *used on, and, should text follow the closing quote (an error),
 * that text too. The scratch holds at least scan_end + 8 bytes.
 */
static field_end
cut_copied(cutter *c, tally_csv__cut *cut, size_t *used)
{
    const unsigned char *p = c->p;
    char *out = c->tokenizer->scratch;
    int quoted = 1;
    for (;;) { /* one run of plain text, then the byte that stopped it */
        while (c->pos < c->scan_end &&
               !(quoted ? stops_quoted(p[c->pos]) : stops_unquoted(p[c->pos])))
            out[(*used)++] = (char)p[c->pos++];
        if (c->pos >= c->scan_end)
            return window_ends(c, cut, quoted);
        if (p[c->pos] >= 0x80) {
            size_t count = non_ascii(c);
            if (count == 0)
                return need_more(cut);
            memcpy(out + *used, p + c->pos, count);
            *used += count;
            c->pos += count;
            continue;
        }
        if (quoted) {
            int left = quoted_stop(c, out, used);
            if (left < 0)
                return need_more(cut);
            quoted = !left;
            continue;
        }
        field_end end;
        if (unquoted_stop(c, cut, out, used, &end))
            return end;
    }
}

static inline void
store_field(cutter *c, size_t offset, size_t length, tally_csv__place place)
{
    tally_csv__tokenizer *tokenizer = c->tokenizer;
    if (c->field < tokenizer->store_limit) {
        tokenizer->fields[c->field].offset = offset;
        tokenizer->fields[c->field].length = length;
        tokenizer->fields[c->field].place = place;
    }
}

/* A field that is not plain text up to ',' or LF: quoted, with an odd byte, or
 * at the window's end. */
static field_end
cut_field_slowly(cutter *c, tally_csv__cut *cut)
{
    tally_csv__tokenizer *tokenizer = c->tokenizer;
    size_t start = c->pos, length;
    if (start < c->size && c->p[start] == '"') {
        /*
         * Every byte copied stands for a byte scanned, and the opening quote is
         * dropped, so each text and its NUL fit in the bytes scanned. Scanning
         * stops by scan_end, at most 3 bytes past it (inside a UTF-8 sequence or an
         * escaped quote): the copy needs no bounds checks on the scratch.
         */
        if (!reserve_scratch(tokenizer, c->scan_end + 8)) {
            *cut = TALLY_CSV__NO_MEMORY;
            return FIELD_STOP;
        }
        c->pos++;
        size_t offset = tokenizer->scratch_used, used = offset;
        field_end end = cut_copied(c, cut, &used);
        length = used - offset;
        tokenizer->scratch[used++] = '\0';
        tokenizer->scratch_used = used;
        if (end == FIELD_COMMA)
            seek(c, c->pos); /* the copy went byte by byte */
        if (end != FIELD_STOP)
            store_field(c, offset, length, TALLY_CSV__COPIED);
        return end;
    }
    field_end end = cut_in_place(c, cut, &length);
    if (end != FIELD_STOP) {
        store_field(c, start, length, TALLY_CSV__IN_WINDOW);
        tokenizer->unterminated = 1;
    }
    return end;
}

/*
 * Moves *block on to the next 64 bytes that have a stop before `end`; returns
 * their mask, or 0 (*block then on the window's last 64 bytes) when there is none.
 * Out of line, once per 64 bytes: inlined, its eight words and constants would
 * push the per-field loop's variables out of the registers.
 */
static __attribute__((noinline)) uint64_t
next_block(const unsigned char **block, const unsigned char *end)
{
    const unsigned char *b = *block;
    uint64_t mask = 0;
    while (mask == 0 && (size_t)(end - b) > 64) {
        b += 64;
        mask = mask_before(b, end);
    }
    *block = b;
    return mask;
}

/* Fields the tokenizer can store now: the store limit, or less before it grows. */
static inline size_t
field_room(const tally_csv__tokenizer *tokenizer)
{
    return tokenizer->store_limit < tokenizer->field_capacity ? tokenizer->store_limit
                                                              : tokenizer->field_capacity;
}

/*
 * Cuts the plain fields from pos on, text up to a ',' or LF within the limit,
 * nearly every field there is, and stores them. The scan's state is kept in
 * locals meanwhile: the stores to the fields could alias the cutter's. Returns
 * FIELD_LAST when a LF ended the record, FIELD_COMMA when the field at pos is not
 * plain or is past the store limit (only counted, by the slow path), FIELD_STOP
 * when out of memory. There is room for the field at pos.
 *
 * The loop does the least per field: one test of the room left, stops found as
 * pointers, and the tokenizer's flag set once at the end (a store to it in the
 * loop would be redone every field: it may alias the fields).
 */
static inline __attribute__((always_inline)) field_end
cut_plain_fields(cutter *c, tally_csv__cut *cut)
{
    tally_csv__tokenizer *tokenizer = c->tokenizer;
    /* The window is c->p, writable: the NULs go there. */
    unsigned char *window = (unsigned char *)tokenizer->window;
    unsigned char *start = window + c->pos; /* the field's first byte */
    const unsigned char *block = c->block, *end = window + c->size;
    const unsigned char *limit = window + c->scan_end;
    uint64_t mask = c->mask;
    size_t field = c->field, first = c->field;
    size_t room = field_room(tokenizer);
    tally_csv__field *fields = tokenizer->fields;
    field_end result = FIELD_COMMA;
    for (;;) {
        if (field >= room) {
            if (field >= tokenizer->store_limit)
                break;
            if (!grow_fields(tokenizer)) {
                *cut = TALLY_CSV__NO_MEMORY;
                result = FIELD_STOP;
                break;
            }
            room = field_room(tokenizer);
            fields = tokenizer->fields;
        }
        if (mask == 0 && (mask = next_block(&block, end)) == 0)
            break;
        unsigned char *stop = start + (block - start) + (unsigned)__builtin_ctzll(mask);
        unsigned char byte = *stop;
        if (stop >= limit || (byte != ',' && byte != '\n'))
            break;
        fields[field].offset = (size_t)(start - window);
        fields[field].length = (size_t)(stop - start);
        fields[field].place = TALLY_CSV__TERMINATED;
        *stop = '\0';
        field++;
        if (byte == '\n') {
            tokenizer->saved_byte = '\n';
            c->record->raw_size = (size_t)(stop - window);
            c->record->consumed = c->record->raw_size + 1;
            result = FIELD_LAST;
            break;
        }
        mask &= mask - 1; /* the stop was the lowest one */
        start = stop + 1;
    }
    if (field != first)
        tokenizer->terminated = 1;
    c->block = block;
    c->mask = mask;
    c->pos = (size_t)(start - window);
    c->field = field;
    return result;
}

/* Puts back the ',' under the NULs of the first `count` fields of a cut that did
 * not end in a record (none of them was its last field). */
static void
undo_nuls(tally_csv__tokenizer *tokenizer, size_t count)
{
    if (count > tokenizer->store_limit)
        count = tokenizer->store_limit;
    for (size_t i = 0; i < count; i++) {
        tally_csv__field *field = &tokenizer->fields[i];
        if (field->place == TALLY_CSV__TERMINATED) {
            tokenizer->window[field->offset + field->length] = ',';
            field->place = TALLY_CSV__IN_WINDOW;
        }
    }
    tokenizer->terminated = 0;
}

/* The record ends: its field count, and the scan kept for the next one. */
static tally_csv__cut
record_cut(cutter *c)
{
    c->record->field_count = c->field;
    keep_scan(c, 1);
    return TALLY_CSV__RECORD;
}

/*
 * The cut after a field that is not plain (end FIELD_COMMA) or a failure (end
 * FIELD_STOP, *cut set): field by field, slowly or not, to the record's end.
 * Out of line with its own cutter, so that the cutter of the plain records,
 * whose address never escapes, lives in registers.
 */
static __attribute__((noinline)) tally_csv__cut
cut_the_rest(cutter *c, field_end end, tally_csv__cut cut)
{
    for (;;) {
        if (end == FIELD_COMMA) { /* a field that is not plain */
            end = cut_field_slowly(c, &cut);
            if (end != FIELD_STOP)
                c->field++;
        }
        if (end == FIELD_STOP) {
            undo_nuls(c->tokenizer, c->field);
            keep_scan(c, 0);
            return cut;
        }
        if (end == FIELD_LAST)
            return record_cut(c);
        end = cut_plain_fields(c, &cut);
    }
}

tally_csv__cut
tally_csv__tokenize(tally_csv__tokenizer *tokenizer, char *data, size_t size, int at_end,
                    tally_csv__record *record)
{
    /* Field by field: a memset of the struct costs more here than the whole cut. */
    record->raw = data;
    record->raw_size = record->consumed = 0;
    record->newlines = 0;
    record->field_count = 0;
    record->syntax = TALLY_CSV__SYNTAX_OK;
    record->syntax_field = 0;
    record->syntax_byte = 0;
    tokenizer->window = data;
    tokenizer->scratch_used = 0;
    tokenizer->terminated = 0;
    tokenizer->unterminated = 0;
    cutter c = {tokenizer, (const unsigned char *)data, size,
                /* one byte past the limit is too many */
                size > tokenizer->max_record + 1 ? tokenizer->max_record + 1 : size,
                at_end, record, 0, 0, NULL, 0};
    start_scan(&c);
    /* Nearly every record is plain fields to its LF. */
    tally_csv__cut cut = TALLY_CSV__RECORD;
    field_end end = cut_plain_fields(&c, &cut);
    if (end == FIELD_LAST)
        return record_cut(&c);
    cutter rest = c;
    return cut_the_rest(&rest, end, cut);
}

/* The stored fields of the record: those under the store limit. */
static size_t
stored_fields(const tally_csv__tokenizer *tokenizer, const tally_csv__record *record)
{
    return record->field_count < tokenizer->store_limit ? record->field_count
                                                        : tokenizer->store_limit;
}

/* The scratch's copies end with their NUL already, and most fields in the window
 * got theirs when they were cut. */
void
tally_csv__terminate(tally_csv__tokenizer *tokenizer, const tally_csv__record *record)
{
    if (!tokenizer->unterminated)
        return;
    size_t count = stored_fields(tokenizer, record);
    for (size_t i = 0; i < count; i++) {
        tally_csv__field *field = &tokenizer->fields[i];
        if (field->place != TALLY_CSV__IN_WINDOW)
            continue;
        char *end = tokenizer->window + field->offset + field->length;
        /* Only the last field can end on something else than ',': its line end,
         * or the padding after the input. */
        if (i + 1 == record->field_count)
            tokenizer->saved_byte = *end;
        *end = '\0';
        field->place = TALLY_CSV__TERMINATED;
        tokenizer->terminated = 1;
    }
    tokenizer->unterminated = 0;
}

void
tally_csv__restore(tally_csv__tokenizer *tokenizer, const tally_csv__record *record)
{
    if (!tokenizer->terminated)
        return;
    size_t count = stored_fields(tokenizer, record);
    for (size_t i = 0; i < count; i++) {
        tally_csv__field *field = &tokenizer->fields[i];
        if (field->place != TALLY_CSV__TERMINATED)
            continue;
        tokenizer->window[field->offset + field->length] =
            i + 1 == record->field_count ? tokenizer->saved_byte : ',';
        field->place = TALLY_CSV__IN_WINDOW;
    }
    tokenizer->terminated = 0;
    tokenizer->unterminated = 1;
}
