/*
 * `--format csv`: one record per payout line, RFC 4180 (CR LF line ends, fields
 * quoted when they hold a comma, a quote or a line end, quotes doubled), UTF-8
 * without byte order mark. Amounts are exact decimals as text. Totals are not
 * written: they are sums of the amount column and would break the table's shape.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tally.h"

/* A field is quoted when it holds a comma, a quote or a line end. */
static int
needs_quotes(const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++)
        if (text[i] == ',' || text[i] == '"' || text[i] == '\r' || text[i] == '\n')
            return 1;
    return 0;
}

void
tool_csv_field(FILE *out, const char *text, size_t length)
{
    if (!needs_quotes(text, length)) {
        fwrite(text, 1, length, out);
        return;
    }
    fputc('"', out);
    for (size_t i = 0; i < length; i++) {
        if (text[i] == '"')
            fputc('"', out);
        fputc(text[i], out);
    }
    fputc('"', out);
}

void
tool_csv_value(FILE *out, const char *text, int last)
{
    if (!text)
        text = "";
    tool_csv_field(out, text, strlen(text));
    fputs(last ? "\r\n" : ",", out);
}

/* The records of the payout lines are put together in a buffer and written in
 * large pieces: a run writes a few hundred thousand of them, and a stdio call per
 * field was a tenth of the rest of the run's finishing work. */
typedef struct csv_buffer {
    FILE *out;
    struct csv_memory *memory; /* instead of `out`: the bytes are kept (a second thread) */
    size_t used;
    size_t flushes; /* how many times the bytes went out */
    char bytes[16 * 1024];
} csv_buffer;

/* Bytes kept in memory, for the lines the second thread writes. */
typedef struct csv_memory {
    char *data;
    size_t used;
    size_t capacity;
    int failed; /* out of memory: the lines are to be written again by the caller */
} csv_memory;

static void
keep_bytes(csv_memory *m, const char *bytes, size_t size)
{
    if (m->failed)
        return;
    if (size > m->capacity - m->used) {
        size_t capacity = m->capacity ? 2 * m->capacity : 1024 * 1024;
        while (capacity - m->used < size)
            capacity *= 2;
        char *grown = realloc(m->data, capacity);
        if (!grown) {
            m->failed = 1;
            return;
        }
        m->data = grown;
        m->capacity = capacity;
    }
    memcpy(m->data + m->used, bytes, size);
    m->used += size;
}

/* An empty buffer writing to `out`, or keeping its bytes in `memory`. */
static void
buffer_init(csv_buffer *b, FILE *out, csv_memory *memory)
{
    b->out = out;
    b->memory = memory;
    b->used = 0;
    b->flushes = 0;
}

static void
buffer_flush(csv_buffer *b)
{
    if (b->memory)
        keep_bytes(b->memory, b->bytes, b->used);
    else
        fwrite(b->bytes, 1, b->used, b->out);
    b->used = 0;
    b->flushes++;
}

static void
put_byte(csv_buffer *b, char byte)
{
    if (b->used == sizeof(b->bytes))
        buffer_flush(b);
    b->bytes[b->used++] = byte;
}

/* A field longer than the buffer holds: through it a byte at a time, to whichever
 * end the buffer goes. */
static void
buffer_long_value(csv_buffer *b, const char *text, size_t length, int last)
{
    int quoted = needs_quotes(text, length);
    if (quoted)
        put_byte(b, '"');
    for (size_t i = 0; i < length; i++) {
        if (quoted && text[i] == '"')
            put_byte(b, '"');
        put_byte(b, text[i]);
    }
    if (quoted)
        put_byte(b, '"');
    if (last) {
        put_byte(b, '\r');
        put_byte(b, '\n');
    } else {
        put_byte(b, ',');
    }
}

/* One field as tool_csv_value() writes it, and its separator. */
static void
buffer_value(csv_buffer *b, const char *text, int last)
{
    if (!text)
        text = "";
    size_t length = strlen(text);
    /* Quoted, every byte may double: 2 × length + quotes + CR LF. */
    if (2 * length + 4 > sizeof(b->bytes) - b->used)
        buffer_flush(b);
    if (2 * length + 4 > sizeof(b->bytes)) {
        buffer_long_value(b, text, length, last);
        return;
    }
    char *out = b->bytes + b->used;
    if (!needs_quotes(text, length)) {
        memcpy(out, text, length);
        out += length;
    } else {
        *out++ = '"';
        for (size_t i = 0; i < length; i++) {
            if (text[i] == '"')
                *out++ = '"';
            *out++ = text[i];
        }
        *out++ = '"';
    }
    if (last) {
        *out++ = '\r';
        *out++ = '\n';
    } else {
        *out++ = ',';
    }
    b->used = (size_t)(out - b->bytes);
}

/* The first four fields of the previous record (component, version, period, tier
 * period) as written: lines come sorted by them, thousands to each. The texts
 * are the result's, one copy per distinct name, so the same pointers mean the
 * same fields. */
typedef struct key_fields {
    const char *texts[4];
    size_t length; /* 0: nothing kept */
    char bytes[1024];
} key_fields;

static void
buffer_key(csv_buffer *b, key_fields *kept, const char *const texts[4])
{
    if (kept->length && memcmp(kept->texts, texts, sizeof(kept->texts)) == 0 &&
        kept->length <= sizeof(b->bytes) - b->used) {
        memcpy(b->bytes + b->used, kept->bytes, kept->length);
        b->used += kept->length;
        return;
    }
    size_t flushes = b->flushes, start = b->used;
    for (int k = 0; k < 4; k++)
        buffer_value(b, texts[k], 0);
    size_t length = b->used - start;
    kept->length = 0;
    if (b->flushes == flushes && length <= sizeof(kept->bytes)) {
        memcpy(kept->bytes, b->bytes + start, length);
        memcpy(kept->texts, texts, sizeof(kept->texts));
        kept->length = length;
    }
}

/* The records of lines [from, to) into `b`. */
static void
write_lines(csv_buffer *b, const tool_report *report, size_t from, size_t to)
{
    key_fields kept;
    kept.length = 0;
    for (size_t i = from; i < to; i++) {
        const tally_line *line = tally_result_line_at(report->result, i);
        char amount[TALLY_DECIMAL_STRING_MAX];
        tally_decimal value;

        tally_line_amount(line, &value);
        tool_format_decimal(amount, &value);
        const char *key[4] = {tally_line_component(line), tally_line_version(line),
                              tally_line_period(line), tally_line_tier_period(line)};
        buffer_key(b, &kept, key);
        buffer_value(b, tally_line_payee(line), 0);
        buffer_value(b, tally_line_kind_name(tally_line_get_kind(line)), 0);
        buffer_value(b, amount, 0);
        buffer_value(b, tally_currency_code(tally_line_currency(line)), 1);
    }
    buffer_flush(b);
}

/* Below this many lines one thread writes them all: a thread costs more. */
#define SPLIT_LINES 4096u

/* The second half of the lines, written into memory on a second thread. */
typedef struct csv_half {
    const tool_report *report;
    size_t from;
    size_t to;
    csv_memory memory;
    pthread_t thread;
} csv_half;

static void *
write_half(void *argument)
{
    csv_half *half = argument;
    csv_buffer b;
    buffer_init(&b, NULL, &half->memory);
    write_lines(&b, half->report, half->from, half->to);
    return NULL;
}

int
tool_write_csv(FILE *out, const tool_report *report)
{
    size_t count = tally_result_line_count(report->result);
    csv_buffer b;
    csv_half half;

    buffer_init(&b, out, NULL);
    fputs("component,version,period,tier_period,payee,kind,amount,currency\r\n", out);
    /* With two threads the second formats the second half of the lines meanwhile;
     * the bytes are the same (the key cache only saves work). */
    memset(&half, 0, sizeof(half));
    half.report = report;
    half.from = half.to = count;
    if (report->writer_threads > 1 && count >= SPLIT_LINES) {
        half.from = count / 2;
        if (pthread_create(&half.thread, NULL, write_half, &half) != 0)
            half.from = count;
    }
    write_lines(&b, report, 0, half.from);
    if (half.from < count) {
        pthread_join(half.thread, NULL);
        if (half.memory.failed)
            write_lines(&b, report, half.from, count);
        else
            fwrite(half.memory.data, 1, half.memory.used, out);
        free(half.memory.data);
    }
    return 0;
}
