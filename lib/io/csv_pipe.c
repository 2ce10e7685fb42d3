/*
 * The data records of a CSV input, in two stages joined by batches.
 *
 * The producer reads the input, cuts records and converts them into the kind's
 * structs (tally_transaction, ...), each with a copy of its record's bytes in the
 * batch, so that the structs' texts stay valid after the input's window has moved
 * on. Of a transaction it also works out what the session would first: its date's
 * numbers, its partner id's hash and, when the session keeps an input digest, its
 * row hash. A row that cannot be parsed is kept as its raw text and a described error;
 * a read, a failure or the end of the input is kept as an entry too. The producer
 * never allocates (everything it writes to is allocated before it starts) and
 * never touches the context or the session.
 *
 * The consumer, always on the caller's thread, goes through a batch's entries in
 * order: runs of good transactions go to the session as one batch (so the
 * engine's look-ahead works), everything else is handled where it stands: errors
 * recorded, the reject and progress callbacks called, the counts kept.
 *
 * With one thread the two stages take turns on a single batch. With two, the
 * producer runs on its own thread, BATCHES batches ahead at most; a consumer that
 * stops early tells it to stop and joins it. Both ways run the same code on the
 * same batches, so the outcome cannot depend on the way.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "core/date.h"
#include "engine/intake.h"
#include "io/csv.h"

/* Entries per batch: about a third of a 1 MiB chunk of typical rows. */
#define ENTRY_CAPACITY 4096u
/* Rows that cannot be parsed per batch (each has a message of its own). */
#define PROBLEM_CAPACITY 16u
/* Batches in flight with the reading thread: one filling, one feeding, one spare
 * to even out rows that take longer to feed than to read, or the reverse. */
#define BATCHES 3u

typedef enum entry_type {
    ENTRY_ROW,               /* a converted row: item `index` of the batch */
    ENTRY_BAD_ROW,           /* a row that cannot be parsed: problem `problem` */
    ENTRY_PROGRESS,          /* a read: `bytes` of the input read so far */
    ENTRY_END,               /* the end of the input, `bytes` read in all */
    ENTRY_FAILURE            /* the input cannot go on: `status` (and `error`) */
} entry_type;

/* Half a cache line: a batch holds one per row, written by one thread and read by
 * the other. */
typedef struct entry {
    entry_type type;
    uint32_t raw_size;       /* rows: below TALLY_CSV_MAX_RECORD_SIZE */
    unsigned long line;      /* the row's; else the line the next record starts on */
    char *raw;               /* rows: the record as in the file, in the batch's text */
    union {
        size_t problem;      /* ENTRY_BAD_ROW */
        uint64_t bytes;      /* ENTRY_PROGRESS, ENTRY_END: read so far */
        struct {
            int status;      /* ENTRY_FAILURE */
            int error;       /* ENTRY_FAILURE with TALLY_ERR_IO: the errno */
        } failure;
    } u;
} entry;
_Static_assert(sizeof(entry) <= 32, "an entry is half a cache line");

typedef struct batch {
    entry *entries;
    size_t entry_count;
    void *items;             /* ENTRY_CAPACITY items; entry i's is item i */
    tally_row_hash *hashes;  /* transactions: each item's input-digest hash */
    tally_row_ahead *ahead;  /* transactions: each item's date and partner hash */
    tally_csv__problem *problems;
    size_t problem_count;
    size_t blank_items;      /* items [0, blank_items) are made blank (for the reading) */
    char *text;              /* copies of the records' bytes and quoted fields */
    size_t text_used;
    size_t text_capacity;
    int last;                /* ends with ENTRY_END or ENTRY_FAILURE */
} batch;

/* ---- the producer ---- */

typedef struct producer {
    tally_csv__input *input;
    tally_csv__tokenizer *tokenizer;
    const tally_csv__columns *columns;
    tally_csv__rows rows;
    size_t item_size;
    /* Transactions: the plan's currency code, for their input-digest hashes, which
     * the producer computes (a third of the engine's work per row otherwise);
     * NULL when the session keeps no input digest. */
    const char *plan_currency;
    /* Transactions: their dates are read here, and their partner ids hashed, so
     * that the session's thread need not (it has more to do per row). */
    int transactions;
    tally_date_reader dates;
    unsigned long line;      /* the next record's */
    int report_reads;        /* every read is an entry (a progress callback wants it) */
    /* A record cut but not yet placed: the batch was full. The tokenizer keeps
     * its fields, and the window its bytes, until the next cut or read. */
    int pending;
    tally_csv__record record;
    unsigned long record_line;
} producer;

static entry *
add_entry(batch *b, entry_type type, unsigned long line)
{
    entry *e = &b->entries[b->entry_count++];
    e->type = type;
    e->raw_size = 0;
    e->line = line;
    e->raw = NULL;
    e->u.bytes = 0;
    return e;
}

static void
add_failure(batch *b, int status, int error, unsigned long line)
{
    entry *e = add_entry(b, ENTRY_FAILURE, line);
    e->u.failure.status = status;
    e->u.failure.error = error;
    b->last = 1;
}

/* Reads more input; returns 0 when the batch has ended on a failure. */
static int
read_more(producer *p, batch *b)
{
    tally_csv__input *in = p->input;
    uint64_t before = in->total_read;
    int status = tally_csv__input_more(in);
    if (status != TALLY_OK) {
        add_failure(b, status, in->read_error, p->line);
        return 0;
    }
    if (in->total_read != before && p->report_reads)
        add_entry(b, ENTRY_PROGRESS, p->line)->u.bytes = in->total_read;
    return 1;
}

/* Bytes of the batch's text a record takes: its bytes, the byte after them (where
 * its last field's NUL may be) and the unescaped copies of its quoted fields. */
static size_t
text_needed(const producer *p, const tally_csv__record *record)
{
    return record->raw_size + 1 + p->tokenizer->scratch_used;
}

/* A bad row: its raw text as in the file, and what is wrong with it. */
static void
place_bad_row(producer *p, batch *b, entry *e, const tally_csv__record *record)
{
    tally_csv__restore(p->tokenizer, record);
    memcpy(e->raw, record->raw, record->raw_size);
    e->type = ENTRY_BAD_ROW;
    e->u.problem = b->problem_count++;
}

static void
count_problem(const producer *p, const tally_csv__record *record, tally_csv__problem *problem)
{
    size_t expected = p->columns->header_count;
    size_t column = record->field_count < expected ? record->field_count : expected;
    problem->code = TALLY_ERR_INPUT;
    problem->column = (unsigned long)column + 1;
    problem->path = NULL;
    snprintf(problem->message, sizeof(problem->message),
             "the record has %zu field%s but the header has %zu", record->field_count,
             record->field_count == 1 ? "" : "s", expected);
}

/* What the session would work out first of a transaction: its date's numbers and
 * its partner id's hash. */
static void
work_out_ahead(producer *p, const tally_transaction *t, const size_t *lengths,
               tally_row_ahead *out)
{
    if (!tally_date__read_sized(&p->dates, t->date, lengths[TALLY_TRANSACTION_DATE_TEXT],
                                &out->day, &out->month))
        out->month = TALLY_NO_MONTH;
    size_t length = t->partner ? lengths[TALLY_TRANSACTION_PARTNER_TEXT] : 0;
    out->partner_length = (uint32_t)length; /* the tokenizer's limit keeps it small */
    out->partner_hash = t->partner ? tally_engine__id_hash(t->partner, length) : 0;
    out->partner_bytes = 0;
    /* The batch's text is padded: eight bytes can be read from any field. */
    if (t->partner && length <= TALLY_ROW_AHEAD_ID_BYTES) {
        memcpy(&out->partner_bytes, t->partner, sizeof(out->partner_bytes));
        if (length < TALLY_ROW_AHEAD_ID_BYTES)
            out->partner_bytes &= ((uint64_t)1 << (8 * length)) - 1;
    }
}

/* Puts the pending record into the batch; returns 0 when it has no room for it. */
static int
place_record(producer *p, batch *b)
{
    const tally_csv__record *record = &p->record;
    size_t needed = text_needed(p, record);
    if (b->problem_count == PROBLEM_CAPACITY || b->text_used + needed > b->text_capacity)
        return 0;
    tally_csv__tokenizer *tokenizer = p->tokenizer;
    size_t index = b->entry_count;
    entry *e = add_entry(b, ENTRY_ROW, p->record_line);
    e->raw = b->text + b->text_used;
    e->raw_size = (uint32_t)record->raw_size; /* the tokenizer's limit keeps it small */
    b->text_used += needed;
    tally_csv__problem *problem = &b->problems[b->problem_count];
    if (record->syntax != TALLY_CSV__SYNTAX_OK) {
        tally_csv__syntax_problem(p->columns, record, problem);
        place_bad_row(p, b, e, record);
    } else if (record->field_count != p->columns->header_count) {
        count_problem(p, record, problem);
        place_bad_row(p, b, e, record);
    } else {
        tally_csv__terminate(tokenizer, record);
        char *scratch = e->raw + record->raw_size + 1;
        memcpy(e->raw, record->raw, record->raw_size + 1);
        if (tokenizer->scratch_used)
            memcpy(scratch, tokenizer->scratch, tokenizer->scratch_used);
        void *item = (char *)b->items + index * p->item_size;
        /* Each item is made blank when first used: the conversions into it then
         * write only the members of the file's columns. */
        for (; b->blank_items <= index; b->blank_items++)
            tally_csv__blank_item(&p->rows, (char *)b->items + b->blank_items * p->item_size);
        if (tally_csv__convert_row(&p->rows, e->raw, scratch, item, problem) != TALLY_OK) {
            place_bad_row(p, b, e, record);
        } else if (p->transactions) {
            /* The lengths are known here: the hashes need not measure the texts. */
            const size_t *lengths = tally_csv__transaction_lengths(&p->rows);
            work_out_ahead(p, item, lengths, &b->ahead[index]);
            if (p->plan_currency)
                tally_engine__transaction_hash_sized(p->plan_currency, item, lengths,
                                                     &b->hashes[index]);
        }
    }
    tally_csv__input_consume(p->input, record->consumed);
    p->pending = 0;
    return 1;
}

static void
batch_reset(batch *b)
{
    b->entry_count = 0;
    b->problem_count = 0;
    b->text_used = 0;
    b->last = 0;
}

/* Fills a batch from where the producer stands, until it is full or holds the
 * last entry of the input. Each turn of the loop adds one entry at most. */
static void
fill(producer *p, batch *b)
{
    tally_csv__input *in = p->input;
    batch_reset(b);
    while (b->entry_count < ENTRY_CAPACITY) {
        if (p->pending) {
            if (place_record(p, b))
                continue;
            if (b->entry_count == 0) /* cannot be: an empty batch has room for any */
                add_failure(b, TALLY_ERR_LIMIT, 0, p->record_line);
            return;
        }
        size_t available = in->end - in->start;
        if (available == 0 && in->at_end) {
            add_entry(b, ENTRY_END, p->line)->u.bytes = in->total_read;
            b->last = 1;
            return;
        }
        tally_csv__cut cut = tally_csv__tokenize(p->tokenizer, in->data + in->start,
                                                 available, in->at_end, &p->record);
        if (cut == TALLY_CSV__NEED_MORE) {
            if (!read_more(p, b))
                return;
            continue;
        }
        if (cut != TALLY_CSV__RECORD) {
            add_failure(b, cut == TALLY_CSV__TOO_LONG ? TALLY_ERR_LIMIT : TALLY_ERR_NOMEM, 0,
                        p->line);
            return;
        }
        p->record_line = p->line;
        p->line += p->record.newlines + 1;
        if (p->record.raw_size == 0) { /* an empty line */
            tally_csv__input_consume(in, p->record.consumed);
            continue;
        }
        p->pending = 1;
    }
}

/* ---- the consumer, on the caller's thread ---- */

typedef tally_csv__reader reader;

/* Errors that concern one row: it is skipped, the reading may go on. */
static int
is_row_error(int status)
{
    return status == TALLY_ERR_INPUT || status == TALLY_ERR_OVERFLOW;
}

/* A row that reached the session has the NULs of its fields in its copy; no other
 * NUL can be there (the tokeniser refuses them): they were all ','. */
static void
restore_commas(char *raw, size_t size)
{
    char *nul;
    while ((nul = memchr(raw, '\0', size)) != NULL) {
        *nul = ',';
        size -= (size_t)(nul + 1 - raw);
        raw = nul + 1;
    }
}

/* A rejected row (its error recorded): to the callback, or the end of the reading. */
static int
rejected(reader *r, int status, const entry *e)
{
    r->stats.rejected++;
    if (!r->options.on_reject)
        return status;
    const tally_error *error = tally_ctx_last_error(r->ctx);
    if (r->options.on_reject(error, e->raw, e->raw_size, r->options.user_data) == 0) {
        /* Each row's error is the only one recorded while it is handled. */
        tally_ctx_clear_errors(r->ctx);
        return TALLY_OK;
    }
    tally_location where = {r->source, e->line, 0, NULL};
    return tally_ctx__error_at(r->ctx, TALLY_ERR_CALLBACK, &where,
                               "the reject callback stopped the reading");
}

/* A run of good rows being fed to the session. */
typedef struct run {
    reader *r;
    entry *entries;          /* the run's first */
    int status;              /* why the run stopped, TALLY_OK while it goes on */
    size_t stopped_at;
} run;

/* The session refused row `index` of the run: locate its error and reject it. */
static int
row_failed(void *user_data, size_t index, int status)
{
    run *feed = user_data;
    reader *r = feed->r;
    entry *e = &feed->entries[index];
    status = tally_csv__relocate(r->ctx, status, r->source, e->line);
    if (is_row_error(status)) {
        restore_commas(e->raw, e->raw_size);
        status = rejected(r, status, e);
    }
    if (status != TALLY_OK) {
        feed->status = status;
        feed->stopped_at = index;
    }
    return status;
}

static void
feed_items(run *feed, tally_csv_kind kind, const void *items, size_t item_size,
           size_t count, size_t *accepted)
{
    reader *r = feed->r;
    for (size_t i = 0; i < count && feed->status == TALLY_OK; i++) {
        const void *item = (const char *)items + i * item_size;
        int status = tally_csv__add_item(r->session, kind, item);
        if (status == TALLY_OK)
            ++*accepted;
        else
            row_failed(feed, i, status);
    }
}

/* Feeds entries [from, to) of a batch, all good rows, to the session. */
static int
feed_rows(reader *r, const producer *p, batch *b, size_t from, size_t to)
{
    run feed = {r, &b->entries[from], TALLY_OK, 0};
    size_t count = to - from, accepted = 0;
    const void *items = (const char *)b->items + from * p->item_size;
    tally_ctx_clear_errors(r->ctx);
    if (r->columns.kind == TALLY_CSV_TRANSACTIONS)
        tally_engine__add_transaction_batch(r->session, (const tally_transaction *)items, count,
                                            p->plan_currency ? b->hashes + from : NULL,
                                            b->ahead + from, &accepted, row_failed, &feed);
    else
        feed_items(&feed, r->columns.kind, items, p->item_size, count, &accepted);
    r->stats.rows += feed.status == TALLY_OK ? count : feed.stopped_at + 1;
    r->stats.accepted += accepted;
    return feed.status;
}

static int
failure(reader *r, const entry *e)
{
    switch (e->u.failure.status) {
    case TALLY_ERR_IO:
        return tally_csv__io_error(r, "cannot read the file", e->u.failure.error);
    case TALLY_ERR_LIMIT:
        return tally_csv__too_long(r, e->line);
    default: /* the producer does not allocate: nothing else is expected */
        return tally_ctx__error(r->ctx, e->u.failure.status, "out of memory (reading the input)");
    }
}

/* One entry that is not a good row. Sets *done at the end of the input. */
static int
handle_entry(reader *r, batch *b, const entry *e, int *done)
{
    int status = TALLY_OK;
    switch (e->type) {
    case ENTRY_ROW:
        break;
    case ENTRY_BAD_ROW:
        r->stats.rows++;
        tally_ctx_clear_errors(r->ctx);
        status = tally_csv__record_problem(r->ctx, &b->problems[e->u.problem], r->source,
                                           e->line);
        return rejected(r, status, e);
    case ENTRY_PROGRESS:
        return tally_csv__progress(r, e->u.bytes, e->line);
    case ENTRY_END:
        *done = 1;
        tally_ctx_clear_errors(r->ctx);
        return tally_csv__progress(r, e->u.bytes, e->line);
    case ENTRY_FAILURE:
        *done = 1;
        return failure(r, e);
    }
    return status;
}

/* Goes through a batch in order. Sets *done when the reading is over. */
static int
drain(reader *r, const producer *p, batch *b, int *done)
{
    size_t run_start = 0;
    int in_run = 0;
    for (size_t i = 0; i < b->entry_count; i++) {
        const entry *e = &b->entries[i];
        if (e->type == ENTRY_ROW) {
            if (!in_run)
                run_start = i;
            in_run = 1;
            continue;
        }
        int status = in_run ? feed_rows(r, p, b, run_start, i) : TALLY_OK;
        in_run = 0;
        if (status == TALLY_OK)
            status = handle_entry(r, b, e, done);
        if (status != TALLY_OK) {
            *done = 1;
            return status;
        }
    }
    int status = in_run ? feed_rows(r, p, b, run_start, b->entry_count) : TALLY_OK;
    if (status != TALLY_OK)
        *done = 1;
    return status;
}

/* ---- memory, allocated before the producer starts ---- */

static void
batch_free(tally_ctx *ctx, batch *b)
{
    tally_ctx__free(ctx, b->entries);
    tally_ctx__free(ctx, b->items);
    tally_ctx__free(ctx, b->hashes);
    tally_ctx__free(ctx, b->ahead);
    tally_ctx__free(ctx, b->problems);
    tally_ctx__free(ctx, b->text);
    memset(b, 0, sizeof(*b));
}

static int
batch_alloc(tally_ctx *ctx, batch *b, size_t item_size, size_t max_record)
{
    memset(b, 0, sizeof(*b));
    /* The longest record, the byte after it and its quoted fields' copies fit in
     * an empty batch. */
    b->text_capacity = max_record + 2 + TALLY_CSV__SCRATCH_FOR(max_record);
    b->entries = tally_ctx__calloc(ctx, ENTRY_CAPACITY, sizeof(*b->entries));
    b->items = b->entries ? tally_ctx__calloc(ctx, ENTRY_CAPACITY, item_size) : NULL;
    b->hashes = b->items ? tally_ctx__calloc(ctx, ENTRY_CAPACITY, sizeof(*b->hashes)) : NULL;
    b->ahead = b->hashes ? tally_ctx__calloc(ctx, ENTRY_CAPACITY, sizeof(*b->ahead)) : NULL;
    b->problems = b->ahead ? tally_ctx__calloc(ctx, PROBLEM_CAPACITY, sizeof(*b->problems))
                           : NULL;
    /* Padded: a decimal field near the end is read a word at a time (csv_rows.c). */
    b->text = b->problems ? tally_ctx__alloc(ctx, b->text_capacity + TALLY_CSV__PADDING) : NULL;
    if (b->text)
        return TALLY_OK;
    batch_free(ctx, b);
    return TALLY_ERR_NOMEM;
}

/* Everything the producer may write to, at its largest. */
static int
reserve_for_producer(reader *r)
{
    int status = tally_csv__input_reserve(&r->input);
    if (status == TALLY_OK)
        status = tally_csv__tokenizer_reserve(&r->tokenizer, r->columns.header_count,
                                              TALLY_CSV__SCRATCH_FOR(r->tokenizer.max_record));
    return status;
}

static void
producer_init(producer *p, reader *r)
{
    memset(p, 0, sizeof(*p));
    p->input = &r->input;
    p->tokenizer = &r->tokenizer;
    p->columns = &r->columns;
    p->item_size = tally_csv__item_size(r->columns.kind);
    p->transactions = r->columns.kind == TALLY_CSV_TRANSACTIONS;
    if (p->transactions && tally_engine__wants_input_digest(r->session))
        p->plan_currency = tally_engine__plan_currency_code(r->session);
    tally_date__reader_init(&p->dates);
    p->line = r->line;
    p->report_reads = r->progress_per_chunk && r->options.on_progress;
    tally_csv__rows_init(&p->rows, &r->columns, &r->tokenizer);
}

/* ---- one thread: the stages take turns ---- */

static int
take_turns(reader *r, producer *p, batch *b)
{
    int done = 0, status = TALLY_OK;
    while (!done) {
        fill(p, b);
        status = drain(r, p, b, &done);
    }
    return status;
}

/* ---- two threads ---- */

/*
 * The counters change under the lock, with a condition signalled; they are atomic
 * so that a thread about to wait can first watch them for a while without it. A
 * waiter that sleeps must be woken by the other thread (a system call, and on a
 * virtual machine an interrupt to the other core), once per batch when the two
 * stages keep pace: the reading thread spent 3 to 9 % of its time doing that.
 */
typedef struct relay {
    producer *producer;
    batch *batches;
    pthread_mutex_t lock;
    pthread_cond_t filled;   /* a batch was published */
    pthread_cond_t freed;    /* a batch was given back, or the producer must stop */
    atomic_size_t published; /* batches filled so far */
    atomic_size_t released;  /* batches the consumer is done with */
    atomic_int stop;         /* the consumer needs no more */
} relay;

/* About 30 µs of watching before sleeping (a pause takes 15 ns on this project's
 * machines): a batch takes a millisecond or so. Watching longer saved the reading
 * thread more wake-ups, but made the tests, which start thousands of small
 * readings with two threads, spend seconds spinning. */
#define WATCH_TURNS 2048u

static void
pause_briefly(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Watches a counter until it passes `past` (returns 1) or the watch is over (0). */
static int
watch(const atomic_size_t *counter, size_t past, const atomic_int *stop)
{
    for (unsigned turn = 0; turn < WATCH_TURNS; turn++) {
        if (atomic_load_explicit(counter, memory_order_acquire) > past ||
            (stop && atomic_load_explicit(stop, memory_order_relaxed)))
            return 1;
        pause_briefly();
    }
    return 0;
}

/* Waits until a counter passes `past` (or, when `stop` is given, the consumer
 * stops): watched a while, then asleep until `changed` is signalled. */
static void
wait_past(relay *line, const atomic_size_t *counter, size_t past, pthread_cond_t *changed,
          const atomic_int *stop)
{
    if (watch(counter, past, stop))
        return;
    pthread_mutex_lock(&line->lock);
    while (atomic_load(counter) <= past && !(stop && atomic_load(stop)))
        pthread_cond_wait(changed, &line->lock);
    pthread_mutex_unlock(&line->lock);
}

/* Moves a counter on, under the lock, and wakes the other thread if it sleeps. */
static void
advance(relay *line, atomic_size_t *counter, size_t value, pthread_cond_t *changed)
{
    pthread_mutex_lock(&line->lock);
    atomic_store_explicit(counter, value, memory_order_release);
    pthread_cond_signal(changed);
    pthread_mutex_unlock(&line->lock);
}

static void *
produce(void *user_data)
{
    relay *line = user_data;
    for (size_t n = 0;; n++) {
        /* Batch n may be filled once batch n − BATCHES is released. */
        if (n >= BATCHES)
            wait_past(line, &line->released, n - BATCHES, &line->freed, &line->stop);
        if (atomic_load(&line->stop))
            break;
        batch *b = &line->batches[n % BATCHES];
        fill(line->producer, b);
        advance(line, &line->published, n + 1, &line->filled);
        if (b->last)
            break;
    }
    return NULL;
}

static int
consume(reader *r, relay *line)
{
    int done = 0, status = TALLY_OK;
    for (size_t n = 0; !done; n++) {
        wait_past(line, &line->published, n, &line->filled, NULL);
        status = drain(r, line->producer, &line->batches[n % BATCHES], &done);
        advance(line, &line->released, n + 1, &line->freed);
    }
    return status;
}

/* Runs the producer on a thread of its own. Returns 0, having done nothing, when
 * the thread cannot be started; else 1, with the reading's status in *status. */
static int
run_threads(reader *r, producer *p, batch *batches, int *status)
{
    relay line;
    memset(&line, 0, sizeof(line));
    line.producer = p;
    line.batches = batches;
    atomic_init(&line.published, 0);
    atomic_init(&line.released, 0);
    atomic_init(&line.stop, 0);
    int started = 0;
    if (pthread_mutex_init(&line.lock, NULL) != 0)
        return 0;
    if (pthread_cond_init(&line.filled, NULL) == 0) {
        if (pthread_cond_init(&line.freed, NULL) == 0) {
            pthread_t thread;
            started = pthread_create(&thread, NULL, produce, &line) == 0;
            if (started) {
                *status = consume(r, &line);
                pthread_mutex_lock(&line.lock);
                atomic_store(&line.stop, 1);
                pthread_cond_signal(&line.freed);
                pthread_mutex_unlock(&line.lock);
                pthread_join(thread, NULL);
            }
            pthread_cond_destroy(&line.freed);
        }
        pthread_cond_destroy(&line.filled);
    }
    pthread_mutex_destroy(&line.lock);
    return started;
}

int
tally_csv__read_rows(reader *r, unsigned threads)
{
    batch batches[BATCHES];
    size_t count = threads >= 2 ? BATCHES : 1;
    int status = reserve_for_producer(r);
    size_t made = 0;
    size_t item_size = tally_csv__item_size(r->columns.kind);
    while (status == TALLY_OK && made < count) {
        status = batch_alloc(r->ctx, &batches[made], item_size, r->tokenizer.max_record);
        if (status == TALLY_OK)
            made++;
    }
    if (status == TALLY_OK) {
        producer p;
        producer_init(&p, r);
        /* One thread when chosen, or when a second cannot be started. */
        if (count == 1 || !run_threads(r, &p, batches, &status))
            status = take_turns(r, &p, &batches[0]);
    }
    while (made > 0)
        batch_free(r->ctx, &batches[--made]);
    return status;
}
