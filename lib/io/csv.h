/*
 * The CSV reader inside the library: a tokeniser that cuts records out of a
 * window of bytes (csv_reader.c), the input that supplies those windows from a
 * file in fixed-size chunks or from memory (csv_input.c), the header mapping
 * (csv_columns.c), the conversion of records into session rows (csv_rows.c),
 * and the public functions that drive them (csv.c).
 */
#ifndef TALLY_IO_CSV_H
#define TALLY_IO_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/context.h"
#include "tally/csv.h"

/* Bytes asked of the file per read: large, so that reads and the moves of a
 * record cut by a chunk's end are rare. */
#define TALLY_CSV__CHUNK_SIZE (1024u * 1024u)
/* Bytes after a window that the tokeniser may read (it scans 64 bytes at a time)
 * and write (a NUL after the last field of the input). */
#define TALLY_CSV__PADDING 64u
/* Bytes readable from a decimal field's start that its word-at-a-time reading
 * needs: a sign and eight bytes (the padding above holds them). */
#define TALLY_CSV__WORD_PADDING 9u

/* ---- csv_reader.c: the tokeniser ---- */

/* What is wrong with a record's syntax; the record is still cut out whole. */
typedef enum tally_csv__syntax {
    TALLY_CSV__SYNTAX_OK = 0,
    TALLY_CSV__SYNTAX_QUOTE_IN_FIELD,   /* '"' inside a field that is not quoted */
    TALLY_CSV__SYNTAX_AFTER_QUOTE,      /* text after a closing quote */
    TALLY_CSV__SYNTAX_BARE_CR,          /* CR not followed by LF outside quotes */
    TALLY_CSV__SYNTAX_NUL,              /* a NUL byte */
    TALLY_CSV__SYNTAX_UTF8,             /* bytes that are not UTF-8 */
    TALLY_CSV__SYNTAX_UNTERMINATED      /* end of input inside a quoted field */
} tally_csv__syntax;

/* Where a field's text is. */
typedef enum tally_csv__place {
    TALLY_CSV__IN_WINDOW = 0,    /* in the window, not yet NUL-terminated */
    TALLY_CSV__TERMINATED = 1,   /* in the window, a NUL over the byte after it */
    TALLY_CSV__COPIED = 2        /* unescaped and NUL-terminated in the scratch */
} tally_csv__place;

/* A field of the current record. */
typedef struct tally_csv__field {
    size_t offset;           /* in the window, or in the scratch when copied */
    size_t length;
    tally_csv__place place;
} tally_csv__field;

typedef struct tally_csv__record {
    const char *raw;         /* the record's bytes in the window, without its line end */
    size_t raw_size;
    size_t consumed;         /* bytes of the window the record takes, line end included */
    unsigned long newlines;  /* line feeds inside quoted fields */
    size_t field_count;      /* fields in the record (may exceed those stored) */
    tally_csv__syntax syntax;
    size_t syntax_field;     /* 0-based field of the first syntax error */
    unsigned char syntax_byte; /* the offending byte, for UTF-8 and NUL errors */
} tally_csv__record;

typedef struct tally_csv__tokenizer {
    tally_ctx *ctx;
    size_t max_record;       /* longest raw record */
    size_t store_limit;      /* fields stored per record; the rest are only counted */
    char *window;            /* the bytes the current record was cut from */
    char *scratch;           /* unescaped texts of the record's quoted fields */
    size_t scratch_used;
    size_t scratch_capacity;
    tally_csv__field *fields;
    size_t field_capacity;
    int terminated;          /* a field in the window has its NUL */
    int unterminated;        /* a field in the window has none yet */
    /* The scan's last 64-byte block, kept for the next record of the window. */
    const char *cached_block;
    const char *cached_end;
    uint64_t cached_mask;
    char saved_byte;         /* the byte after the last field, under its NUL */
} tally_csv__tokenizer;

typedef enum tally_csv__cut {
    TALLY_CSV__RECORD = 0,   /* a record was cut out */
    TALLY_CSV__NEED_MORE,    /* the window ends inside a record: supply more bytes */
    TALLY_CSV__TOO_LONG,     /* the record is longer than max_record */
    TALLY_CSV__NO_MEMORY     /* the scratch could not grow (recorded on ctx) */
} tally_csv__cut;

void tally_csv__tokenizer_init(tally_csv__tokenizer *tokenizer, tally_ctx *ctx,
                               size_t max_record);
void tally_csv__tokenizer_free(tally_csv__tokenizer *tokenizer);
/*
 * Cuts the record at the start of data[0 .. size), which must be followed by
 * TALLY_CSV__PADDING bytes the tokeniser may read and write. `at_end` says no
 * bytes follow the window. On TALLY_CSV__RECORD, `record` and the stored fields
 * are valid until the next call, and the plain fields already have their NUL in
 * the window (tally_csv__restore() puts the bytes back); on any other outcome the
 * window is as it was.
 */
tally_csv__cut tally_csv__tokenize(tally_csv__tokenizer *tokenizer, char *data, size_t size,
                                   int at_end, tally_csv__record *record);
/* NUL-terminates the stored fields of the record in the window that are not yet:
 * it then no longer holds the raw record, until tally_csv__restore(). */
void tally_csv__terminate(tally_csv__tokenizer *tokenizer, const tally_csv__record *record);
/* Puts back the bytes tally_csv__terminate() replaced (if it did). */
void tally_csv__restore(tally_csv__tokenizer *tokenizer, const tally_csv__record *record);
/* Allocates room for `fields` stored fields and `scratch` bytes of scratch now, so
 * that records within those bounds are cut without allocating. TALLY_OK or
 * TALLY_ERR_NOMEM (recorded). */
int tally_csv__tokenizer_reserve(tally_csv__tokenizer *tokenizer, size_t fields,
                                 size_t scratch);
/* Scratch bytes a record of the tokenizer's max_record may need. */
#define TALLY_CSV__SCRATCH_FOR(max_record) ((max_record) + 9)
/* Text of stored field `index` (< min(field_count, store_limit)); NUL-terminated
 * once the record is terminated. */
static inline const char *
tally_csv__field_text(const tally_csv__tokenizer *tokenizer, size_t index, size_t *length)
{
    const tally_csv__field *field = &tokenizer->fields[index];
    *length = field->length;
    return (field->place == TALLY_CSV__COPIED ? tokenizer->scratch : tokenizer->window) +
           field->offset;
}
/* Length of the UTF-8 byte order mark at the start of data: 3, 0, or -1 when the
 * window is a proper prefix of it and more bytes may follow. */
int tally_csv__bom(const char *data, size_t size, int at_end);

/* ---- csv_input.c: windows of bytes ---- */

/* Reads up to `size` bytes; returns the count, 0 at the end; sets *error (an errno
 * value, or -1 when unknown) on a read error. */
typedef size_t (*tally_csv__read_fn)(void *source, char *out, size_t size, int *error);

typedef struct tally_csv__input {
    char *data;              /* the window: data[start .. end), then the padding */
    size_t start;
    size_t end;
    int at_end;              /* nothing follows the window */
    int read_error;          /* errno of a failed read (TALLY_ERR_IO) */
    uint64_t total_read;     /* bytes of the input read so far (the progress callback) */
    /* The carry-over buffer. */
    tally_ctx *ctx;
    tally_csv__read_fn read;
    void *source;
    char *buffer;
    size_t capacity;         /* grows as if allocated on demand: it sets the reads */
    size_t allocated;        /* bytes allocated (without the padding), >= capacity */
    size_t chunk;
    size_t max_capacity;
} tally_csv__input;

/* Streams `chunk` bytes per read through a buffer that keeps the unfinished record
 * and grows only for a record that does not fit, up to max_record plus a chunk
 * (and the padding). */
void tally_csv__input_stream(tally_csv__input *input, tally_ctx *ctx, tally_csv__read_fn read,
                             void *source, size_t chunk, size_t max_record);
void tally_csv__input_free(tally_csv__input *input);
/* Moves the window past `count` bytes. */
static inline void
tally_csv__input_consume(tally_csv__input *input, size_t count)
{
    input->start += count;
}
/* Allocates the buffer at its largest now, so tally_csv__input_more() never
 * allocates; the reads stay the same. TALLY_OK or TALLY_ERR_NOMEM (recorded). */
int tally_csv__input_reserve(tally_csv__input *input);
/* Reads more bytes into the window (keeping its unconsumed part), or sets at_end.
 * Returns TALLY_OK; TALLY_ERR_NOMEM (recorded); TALLY_ERR_IO with read_error set
 * (not recorded); TALLY_ERR_LIMIT when the buffer is full at its largest. */
int tally_csv__input_more(tally_csv__input *input);

/* ---- csv_columns.c: header names and their columns ---- */

typedef enum tally_csv__type {
    TALLY_CSV__TEXT,
    TALLY_CSV__DATE,
    TALLY_CSV__DECIMAL,
    TALLY_CSV__FLAG,         /* true | false | empty (false) */
    TALLY_CSV__TRISTATE      /* true | false | empty (unknown) */
} tally_csv__type;

typedef struct tally_csv__field_spec {
    const char *name;        /* tally's field name and default header */
    tally_csv__type type;
    int required;
} tally_csv__field_spec;

/* Most fields of any kind. */
#define TALLY_CSV__MAX_FIELDS 16

typedef struct tally_csv__columns {
    tally_csv_kind kind;
    const tally_csv__field_spec *specs;
    size_t field_count;
    /* Header each field is read from: the default or the column map's. */
    const char *names[TALLY_CSV__MAX_FIELDS];
    size_t name_lengths[TALLY_CSV__MAX_FIELDS];
    /* 0-based column of each field in the file; -1 when the file has none. */
    long column[TALLY_CSV__MAX_FIELDS];
    /* The file's header names, trimmed and NUL-terminated, for error paths. */
    size_t header_count;
    char *header_text;
    size_t *header_offsets;
} tally_csv__columns;

/* The field specs of a kind; NULL for an unknown kind. */
const tally_csv__field_spec *tally_csv__specs(tally_csv_kind kind, size_t *count);
/* Applies a column map (NULL: none). Records TALLY_ERR_INVALID_ARGUMENT when bad.
 * `map` must outlive `columns`. */
int tally_csv__columns_init(tally_csv__columns *columns, tally_ctx *ctx, tally_csv_kind kind,
                            const char *map);
/* Finds each field's column in the header record. Records located errors. */
int tally_csv__columns_match(tally_csv__columns *columns, tally_ctx *ctx,
                             const tally_csv__tokenizer *tokenizer,
                             const tally_csv__record *header, const char *source,
                             unsigned long line);
void tally_csv__columns_free(tally_csv__columns *columns, tally_ctx *ctx);
/* The header expected, comma-separated (for messages). */
void tally_csv__expected_header(const tally_csv__columns *columns, char *out, size_t size);
/* The file's header name of a 0-based column, NULL when empty or out of range. */
const char *tally_csv__column_name(const tally_csv__columns *columns, size_t column);

/* ---- csv_rows.c: records into the session ---- */

/* The kinds' structs: room for any of them. */
typedef union tally_csv__item {
    tally_transaction transaction;
    tally_partner partner;
    tally_settlement settlement;
    tally_claim claim;
    tally_baseline baseline;
    tally_fx_rate rate;
} tally_csv__item;

/* Bytes of a YYYY-MM-DD date. */
#define TALLY_CSV__DATE_LENGTH 10

/* Longest message of a row's error, as the context keeps it. */
#define TALLY_CSV__MESSAGE_SIZE 512

/* A row's error found while converting it, recorded later by the caller's thread. */
typedef struct tally_csv__problem {
    int code;
    unsigned long column;    /* 1-based; 0 when none */
    const char *path;        /* the column's header name (lives with the columns), or NULL */
    char message[TALLY_CSV__MESSAGE_SIZE];
} tally_csv__problem;

/* The rows of one file: what stays the same from one row to the next. Used by
 * one thread at a time; touches neither the context nor the session. */
typedef struct tally_csv__rows {
    const tally_csv__columns *columns;
    const tally_csv__tokenizer *tokenizer;
    /* The record being converted: its bytes (terminated) and its quoted fields'
     * copies, where the item's texts will point; its error goes to `problem`. */
    const char *window;
    const char *scratch;
    tally_csv__problem *problem;
    /* The fields the file has a column for, in field order, with their column and
     * where their value goes. */
    struct {
        size_t field;
        size_t column;
        size_t offset;       /* of the field's member in the kind's struct */
        size_t slot;         /* of its length in text_lengths */
        int how;             /* how the field's text is taken (csv_rows.c) */
    } present[TALLY_CSV__MAX_FIELDS];
    size_t present_count;
    size_t item_size;
    /* Every row's struct starts as this one: its size set, the fields the file
     * has no column for empty. */
    tally_csv__item blank;
    /* The lengths of the last row's texts: a transaction's in the order
     * tally_engine__transaction_hash_sized() takes them; the last slot takes the
     * lengths nobody reads (other fields, other kinds). */
    size_t text_lengths[TALLY_CSV__MAX_FIELDS + 1];
    /* Each date field's last valid date. */
    char dates[TALLY_CSV__MAX_FIELDS][TALLY_CSV__DATE_LENGTH];
    unsigned char date_known[TALLY_CSV__MAX_FIELDS];
} tally_csv__rows;

/* Prepares for the rows of a file whose header `columns` has matched. */
void tally_csv__rows_init(tally_csv__rows *rows, const tally_csv__columns *columns,
                          const tally_csv__tokenizer *tokenizer);
/* Bytes of the struct a kind's rows become (tally_transaction, ...). */
size_t tally_csv__item_size(tally_csv_kind kind);
/* Makes `item` the kind's struct of a row whose fields are all empty: its size
 * set, the rest of its members empty. */
void tally_csv__blank_item(const tally_csv__rows *rows, void *item);
/*
 * Converts the tokenizer's data record (syntax checked, field count equal to the
 * header's, terminated) into `item`, the kind's struct, whose texts point into
 * `window` (a copy of the record's bytes, from its start) and `scratch` (a copy of
 * the tokenizer's scratch), both with TALLY_CSV__WORD_PADDING bytes readable from
 * any field's start. `item` must have been made blank by
 * tally_csv__blank_item() once, and since then only converted into with the same
 * `rows`: only the members of the file's columns are written (all of them, every
 * time). Returns TALLY_OK, or TALLY_ERR_INPUT with `problem` filled in (nothing is
 * recorded; the item is then unspecified but still fit for the next conversion).
 */
int tally_csv__convert_row(tally_csv__rows *rows, const char *window, const char *scratch,
                           void *item, tally_csv__problem *problem);
/* The lengths of the texts of the transaction tally_csv__convert_row() made last,
 * in the order tally_engine__transaction_hash_sized() takes them. */
static inline const size_t *
tally_csv__transaction_lengths(const tally_csv__rows *rows)
{
    return rows->text_lengths;
}
/* Adds an item made by tally_csv__convert_row() to the session. */
int tally_csv__add_item(tally_session *session, tally_csv_kind kind, const void *item);
/* Records a problem of the row at source:line on the context; returns its code. */
int tally_csv__record_problem(tally_ctx *ctx, const tally_csv__problem *problem,
                              const char *source, unsigned long line);
/*
 * The fast path of the decimal fields: `[+-]digits[.digits]` (either side of the
 * '.' may be empty, not both) with at most 19 digits in all, which fits in 64
 * bits. Sets *out exactly as tally_decimal_parse_n() would and returns 1; returns
 * 0, *out unspecified, for anything else, which the full parser then judges.
 */
int tally_csv__plain_decimal(tally_decimal *out, const char *text, size_t length);
/* The same with TALLY_CSV__WORD_PADDING bytes readable from `text` whatever `length`
 * (as in a batch's text, or the tokenizer's padded window): short texts are then
 * taken a word at a time. */
int tally_csv__plain_decimal_padded(tally_decimal *out, const char *text, size_t length);
/* Records an error of the session again, located at source:line. */
int tally_csv__relocate(tally_ctx *ctx, int status, const char *source, unsigned long line);

/* ---- csv.c and csv_pipe.c: the reading ---- */

/* One reading: the input, the header's columns and the counts. */
typedef struct tally_csv__reader {
    tally_session *session;
    tally_ctx *ctx;
    tally_csv_options options;
    const char *source;
    tally_csv__tokenizer tokenizer;
    tally_csv__input input;
    tally_csv__columns columns;
    unsigned long line;      /* line the next record starts on */
    int progress_per_chunk;  /* a file's reads are reported; a buffer's end only */
    tally_csv_stats stats;
} tally_csv__reader;

/* csv.c: errors of the input as a whole, recorded on the context. */
int tally_csv__io_error(tally_csv__reader *r, const char *what, int error);
int tally_csv__too_long(tally_csv__reader *r, unsigned long line);
/* Tells the progress callback (if any) `bytes`; line locates a stop. */
int tally_csv__progress(tally_csv__reader *r, uint64_t bytes, unsigned long line);
/* Describes the syntax error of a record (its syntax is not OK). */
void tally_csv__syntax_problem(const tally_csv__columns *columns,
                               const tally_csv__record *record, tally_csv__problem *problem);

/*
 * csv_pipe.c: the data records, after the header, to the end of the input. With
 * `threads` 2 a second thread reads, cuts and converts them into batches while
 * the caller's thread feeds the batches to the session; either way every
 * callback, every error record and every session call happens on the caller's
 * thread, in the order of the rows, and the outcome is the same.
 */
int tally_csv__read_rows(tally_csv__reader *r, unsigned threads);

/* Limits, overridable by white-box tests. */
typedef struct tally_csv__limits {
    size_t chunk;            /* bytes per read */
    size_t max_record;
} tally_csv__limits;

/*
 * Reads `data` as if from a file, `limits->chunk` bytes per read, so tests can put
 * chunk boundaries anywhere. `limits` NULL gives the defaults.
 */
int tally_csv__read_chunked(tally_session *session, tally_csv_kind kind, const char *data,
                            size_t size, const tally_csv__limits *limits,
                            const tally_csv_options *options, tally_csv_stats *stats);

#endif /* TALLY_IO_CSV_H */
