/*
 * The public CSV functions: argument and option checks, the header (read on the
 * caller's thread), then the data records (csv_pipe.c), each checked and added
 * to the session. A bad row stops the reading, or goes to the caller's reject
 * callback and is skipped; problems with the input as a whole always stop it.
 */
#define _POSIX_C_SOURCE 200809L /* strerror_r (XSI) */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "io/csv.h"

const char *
tally_csv_kind_name(tally_csv_kind kind)
{
    switch (kind) {
    case TALLY_CSV_TRANSACTIONS:
        return "transactions";
    case TALLY_CSV_PARTNERS:
        return "partners";
    case TALLY_CSV_SETTLEMENTS:
        return "settlements";
    case TALLY_CSV_CLAIMS:
        return "claims";
    case TALLY_CSV_BASELINES:
        return "baselines";
    case TALLY_CSV_RATES:
        return "rates";
    }
    return NULL;
}

typedef tally_csv__reader reader;

/* ---- options and counts ---- */

static int
tail_is_zero(const void *data, size_t known, size_t size)
{
    const unsigned char *bytes = data;
    for (size_t i = known; i < size; i++) {
        if (bytes[i])
            return 0;
    }
    return 1;
}

static int
read_options(tally_ctx *ctx, const tally_csv_options *options, tally_csv_options *out)
{
    memset(out, 0, sizeof(*out));
    out->size = sizeof(*out);
    if (!options)
        return TALLY_OK;
    if (options->size < sizeof(size_t))
        return tally_ctx__error(ctx, TALLY_ERR_INVALID_ARGUMENT,
                                "tally_csv_options.size is not set");
    if (!tail_is_zero(options, sizeof(*out), options->size))
        return tally_ctx__error(ctx, TALLY_ERR_INVALID_ARGUMENT,
                                "tally_csv_options has fields this version of tally does "
                                "not know (size %zu, known %zu)",
                                options->size, sizeof(*out));
    memcpy(out, options, options->size < sizeof(*out) ? options->size : sizeof(*out));
    out->size = sizeof(*out);
    return TALLY_OK;
}

static void
write_stats(tally_csv_stats *stats, const reader *r)
{
    if (!stats)
        return;
    tally_csv_stats copy = r->stats;
    copy.size = stats->size;
    memcpy(stats, &copy, stats->size < sizeof(copy) ? stats->size : sizeof(copy));
}

/* ---- errors ---- */

int
tally_csv__io_error(reader *r, const char *what, int error)
{
    char reason[128];
    if (error <= 0)
        error = EIO; /* a stream failed without saying why */
    if (strerror_r(error, reason, sizeof(reason)) != 0)
        snprintf(reason, sizeof(reason), "error %d", error);
    tally_location where = {r->source, 0, 0, NULL};
    return tally_ctx__error_at(r->ctx, TALLY_ERR_IO, &where, "%s: %s", what, reason);
}

int
tally_csv__too_long(reader *r, unsigned long line)
{
    tally_location where = {r->source, line, 0, NULL};
    return tally_ctx__error_at(r->ctx, TALLY_ERR_LIMIT, &where,
                               "the record is longer than the limit of %zu bytes (is a "
                               "quoted field not closed?)",
                               r->tokenizer.max_record);
}

static const char *
syntax_message(const tally_csv__record *record, char *buffer, size_t size)
{
    switch (record->syntax) {
    case TALLY_CSV__SYNTAX_OK:
        break;
    case TALLY_CSV__SYNTAX_QUOTE_IN_FIELD:
        return "'\"' inside a field that does not start with '\"' (expected the whole "
               "field in quotes, with each '\"' written twice)";
    case TALLY_CSV__SYNTAX_AFTER_QUOTE:
        return "text after the closing '\"' of a quoted field (expected ',' or the end of "
               "the line)";
    case TALLY_CSV__SYNTAX_BARE_CR:
        return "a carriage return not followed by a line feed (expected CR LF or LF line "
               "ends)";
    case TALLY_CSV__SYNTAX_NUL:
        return "a NUL byte (expected text)";
    case TALLY_CSV__SYNTAX_UTF8:
        snprintf(buffer, size, "invalid UTF-8: byte 0x%02x (expected UTF-8 text)",
                 (unsigned)record->syntax_byte);
        return buffer;
    case TALLY_CSV__SYNTAX_UNTERMINATED:
        return "a quoted field is not closed before the end of the input (expected a "
               "closing '\"')";
    }
    return "malformed record";
}

void
tally_csv__syntax_problem(const tally_csv__columns *columns, const tally_csv__record *record,
                          tally_csv__problem *problem)
{
    char buffer[80];
    problem->code = TALLY_ERR_INPUT;
    problem->column = (unsigned long)record->syntax_field + 1;
    problem->path = tally_csv__column_name(columns, record->syntax_field);
    snprintf(problem->message, sizeof(problem->message), "%s",
             syntax_message(record, buffer, sizeof(buffer)));
}

int
tally_csv__progress(reader *r, uint64_t bytes, unsigned long line)
{
    if (!r->options.on_progress)
        return TALLY_OK;
    if (r->options.on_progress(bytes, r->options.progress_user_data) == 0)
        return TALLY_OK;
    tally_location where = {r->source, line, 0, NULL};
    return tally_ctx__error_at(r->ctx, TALLY_ERR_CALLBACK, &where,
                               "the progress callback stopped the reading");
}

/* ---- the header, on the caller's thread ---- */

static int
more(reader *r)
{
    uint64_t before = r->input.total_read;
    int status = tally_csv__input_more(&r->input);
    if (status == TALLY_ERR_IO)
        return tally_csv__io_error(r, "cannot read the file", r->input.read_error);
    if (status == TALLY_ERR_LIMIT)
        return tally_csv__too_long(r, r->line);
    if (status == TALLY_OK && r->input.total_read != before && r->progress_per_chunk)
        status = tally_csv__progress(r, r->input.total_read, r->line);
    return status;
}

static int
header_record(reader *r, const tally_csv__record *record, unsigned long line)
{
    if (record->syntax != TALLY_CSV__SYNTAX_OK) {
        tally_csv__problem problem;
        tally_csv__syntax_problem(&r->columns, record, &problem);
        return tally_csv__record_problem(r->ctx, &problem, r->source, line);
    }
    tally_csv__terminate(&r->tokenizer, record);
    int status = tally_csv__columns_match(&r->columns, r->ctx, &r->tokenizer, record,
                                          r->source, line);
    if (status != TALLY_OK)
        return status;
    /* Data records need no more fields than the header has: the rest are counted. */
    r->tokenizer.store_limit = r->columns.header_count;
    return TALLY_OK;
}

static int
no_header(reader *r)
{
    char expected[512];
    tally_csv__expected_header(&r->columns, expected, sizeof(expected));
    tally_location where = {r->source, r->line, 0, NULL};
    return tally_ctx__error_at(r->ctx, TALLY_ERR_INPUT, &where,
                               "the input is empty (expected a header row: %s)", expected);
}

/* Reads up to the end of the header record, past a byte order mark and empty lines. */
static int
read_header(reader *r)
{
    tally_csv__input *in = &r->input;
    int status = more(r); /* the window exists from the first read on */
    if (status != TALLY_OK)
        return status;
    for (;;) {
        int bom = tally_csv__bom(in->data + in->start, in->end - in->start, in->at_end);
        if (bom >= 0) {
            tally_csv__input_consume(in, (size_t)bom);
            break;
        }
        if ((status = more(r)) != TALLY_OK)
            return status;
    }
    for (;;) {
        size_t available = in->end - in->start;
        if (available == 0 && in->at_end)
            return no_header(r);
        tally_csv__record record;
        tally_csv__cut cut =
            tally_csv__tokenize(&r->tokenizer, in->data + in->start, available, in->at_end,
                                &record);
        if (cut == TALLY_CSV__NEED_MORE) {
            if ((status = more(r)) != TALLY_OK)
                return status;
            continue;
        }
        if (cut == TALLY_CSV__TOO_LONG)
            return tally_csv__too_long(r, r->line);
        if (cut == TALLY_CSV__NO_MEMORY)
            return TALLY_ERR_NOMEM;
        unsigned long line = r->line;
        r->line += record.newlines + 1;
        if (record.raw_size == 0) { /* an empty line */
            tally_csv__input_consume(in, record.consumed);
            continue;
        }
        status = header_record(r, &record, line);
        tally_csv__input_consume(in, record.consumed);
        return status;
    }
}

static int
run(reader *r)
{
    int status = read_header(r);
    if (status != TALLY_OK)
        return status;
    return tally_csv__read_rows(r, r->options.threads);
}

/* ---- the public functions ---- */

/* Checks the arguments common to every entry point and prepares the reader. */
static int
begin(reader *r, tally_session *session, tally_csv_kind kind, const tally_csv_options *options,
      tally_csv_stats *stats, size_t max_record)
{
    memset(r, 0, sizeof(*r));
    r->session = session;
    r->ctx = tally_session_context(session);
    r->line = 1;
    r->stats.size = sizeof(r->stats);
    tally_csv__tokenizer_init(&r->tokenizer, r->ctx, max_record);
    if (!r->ctx)
        return TALLY_ERR_INVALID_ARGUMENT;
    tally_ctx__begin(r->ctx);
    if (stats && stats->size < sizeof(size_t))
        return tally_ctx__error(r->ctx, TALLY_ERR_INVALID_ARGUMENT,
                                "tally_csv_stats.size is not set");
    int status = read_options(r->ctx, options, &r->options);
    if (status != TALLY_OK)
        return status;
    return tally_csv__columns_init(&r->columns, r->ctx, kind, r->options.column_map);
}

static int
end(reader *r, int status, tally_csv_stats *stats)
{
    if (stats && stats->size >= sizeof(size_t))
        write_stats(stats, r);
    if (r->ctx) {
        tally_csv__input_free(&r->input);
        tally_csv__columns_free(&r->columns, r->ctx);
        tally_csv__tokenizer_free(&r->tokenizer);
    }
    return status;
}

static size_t
read_file_chunk(void *source, char *out, size_t size, int *error)
{
    FILE *file = source;
    errno = 0;
    size_t got = fread(out, 1, size, file);
    if (got == 0 && ferror(file))
        *error = errno ? errno : EIO;
    return got;
}

int
tally_csv_read_file(tally_session *session, tally_csv_kind kind, const char *path,
                    const tally_csv_options *options, tally_csv_stats *stats)
{
    reader r;
    int status = begin(&r, session, kind, options, stats, TALLY_CSV_MAX_RECORD_SIZE);
    if (status == TALLY_OK && !path)
        status = tally_ctx__error(r.ctx, TALLY_ERR_INVALID_ARGUMENT,
                                  "tally_csv_read_file needs a path");
    if (status != TALLY_OK)
        return end(&r, status, stats);
    int from_stdin = strcmp(path, "-") == 0;
    r.source = r.options.source_name ? r.options.source_name : from_stdin ? "<stdin>" : path;
    FILE *file = from_stdin ? stdin : fopen(path, "rb");
    if (!file)
        return end(&r, tally_csv__io_error(&r, "cannot open the file", errno), stats);
    tally_csv__input_stream(&r.input, r.ctx, read_file_chunk, file, TALLY_CSV__CHUNK_SIZE,
                            TALLY_CSV_MAX_RECORD_SIZE);
    r.progress_per_chunk = 1;
    status = run(&r);
    if (!from_stdin)
        fclose(file);
    return end(&r, status, stats);
}

/* A memory buffer handed out `chunk` bytes at a time, like a file. */
typedef struct chunked_source {
    const char *data;
    size_t size;
    size_t offset;
} chunked_source;

static size_t
read_memory_chunk(void *source, char *out, size_t size, int *error)
{
    chunked_source *memory = source;
    (void)error;
    size_t left = memory->size - memory->offset;
    size_t count = size < left ? size : left;
    if (count)
        memcpy(out, memory->data + memory->offset, count);
    memory->offset += count;
    return count;
}

int
tally_csv_read_buffer(tally_session *session, tally_csv_kind kind, const char *data,
                      size_t size, const tally_csv_options *options, tally_csv_stats *stats)
{
    reader r;
    int status = begin(&r, session, kind, options, stats, TALLY_CSV_MAX_RECORD_SIZE);
    if (status == TALLY_OK && !data && size)
        status = tally_ctx__error(r.ctx, TALLY_ERR_INVALID_ARGUMENT,
                                  "tally_csv_read_buffer needs data");
    if (status != TALLY_OK)
        return end(&r, status, stats);
    r.source = r.options.source_name ? r.options.source_name : "<memory>";
    /* Copied chunk by chunk: the tokeniser writes into its window, and the copy
     * costs little next to the reading. */
    chunked_source memory = {data, size, 0};
    size_t chunk = size && size < TALLY_CSV__CHUNK_SIZE ? size : TALLY_CSV__CHUNK_SIZE;
    tally_csv__input_stream(&r.input, r.ctx, read_memory_chunk, &memory, chunk,
                            TALLY_CSV_MAX_RECORD_SIZE);
    return end(&r, run(&r), stats);
}

int
tally_csv__read_chunked(tally_session *session, tally_csv_kind kind, const char *data,
                        size_t size, const tally_csv__limits *limits,
                        const tally_csv_options *options, tally_csv_stats *stats)
{
    tally_csv__limits chosen = {TALLY_CSV__CHUNK_SIZE, TALLY_CSV_MAX_RECORD_SIZE};
    if (limits)
        chosen = *limits;
    reader r;
    int status = begin(&r, session, kind, options, stats, chosen.max_record);
    if (status == TALLY_OK && !data && size)
        status = TALLY_ERR_INVALID_ARGUMENT;
    if (status != TALLY_OK)
        return end(&r, status, stats);
    r.source = r.options.source_name ? r.options.source_name : "<memory>";
    chunked_source memory = {data, size, 0};
    tally_csv__input_stream(&r.input, r.ctx, read_memory_chunk, &memory, chosen.chunk,
                            chosen.max_record);
    r.progress_per_chunk = 1;
    return end(&r, run(&r), stats);
}
