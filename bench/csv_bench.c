/*
 * CSV ingestion throughput (issue 6, item 12): a transactions file read through
 * the public CSV API, compared in the same run with a minimal hand-written loop
 * over the same bytes (fields counted on ',' and '\n').
 *
 * The reader always feeds a session, so "the reader alone" is measured as
 * closely as the API allows: on a plan with a single affiliate component and a
 * session that neither keeps ids nor checks them, so the engine does little per
 * row. With --plan the same file also goes through a session on that plan (the
 * real engine), after the partner table of --partners when given.
 *
 * What the reader itself costs is then estimated by feeding the same rows, split
 * and parsed beforehand by the benchmark (untimed), to the same kind of session
 * with tally_session_add_transaction(): the engine's share. The reading time
 * minus that share is the reader's; its rows/s are printed as "reader alone".
 * That needs the columns of bench/peers/generate.py and no quoted fields; other
 * files skip it.
 *
 * Times are the process's CPU time (user and system), the best of --repeat runs:
 * on a shared machine they vary far less than the wall clock, and the reading is
 * single-threaded. Timing uses doubles: this is a benchmark.
 *
 * Usage: csv-bench [--file PATH | --rows N] [--repeat R] [--plan PLAN.xml]
 *                  [--partners PARTNERS.csv]
 *   --file     a transactions CSV (default: N generated rows in a temporary file)
 *   --rows     rows to generate (default 1000000)
 *   --repeat   runs of each measurement; the fastest is printed (default 5)
 * Prints one line per measurement: seconds, rows/s, MB/s and the ratio of its MB/s
 * to the hand-written loop's.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tally/tally.h>

static const char trivial_plan[] =
    "<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" id=\"csv-bench\" currency=\"USD\">"
    "<version id=\"v\" effective-from=\"2000-01-01\">"
    "<affiliate id=\"a\" period=\"year\" rate=\"0.01\"/>"
    "</version></plan>";

typedef struct bytes {
    char *data;
    size_t size;
} bytes;

typedef struct settings {
    const char *file;
    const char *plan;
    const char *partners;
    unsigned long rows;
    int repeat;
} settings;

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(tally_ctx *ctx, const char *what)
{
    char text[512] = "";
    if (ctx)
        tally_error_format(text, sizeof(text), tally_ctx_last_error(ctx));
    fprintf(stderr, "csv-bench: %s: %s\n", what, text);
    exit(1);
}

static uint64_t
next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Rows shaped like bench/peers/generate.py's: dates in file order, 3 % returns. */
static void
generate(const char *path, unsigned long rows)
{
    static const char *regions[] = {"NA", "EMEA", "APAC", "LATAM"};
    FILE *out = fopen(path, "wb");
    if (!out)
        die(NULL, "cannot create the generated file");
    fputs("id,date,partner,rep,product,category,region,quantity,amount,currency,"
          "original_id\n", out);
    uint64_t seed = 2026;
    for (unsigned long n = 0; n < rows; n++) {
        uint64_t r = next_random(&seed);
        unsigned day = (unsigned)(n * 365 / (rows ? rows : 1));
        unsigned month = day / 31 + 1 > 12 ? 12 : day / 31 + 1, dom = day % 28 + 1;
        unsigned partner = (unsigned)(r % 10000) + 1, product = (unsigned)((r >> 14) % 500) + 1;
        long quantity = (long)((r >> 24) % 40) + 1;
        long cents = quantity * (long)((r >> 30) % 200000 + 100);
        int is_return = (r >> 50) % 33 == 0;
        fprintf(out, "T%08lu,2026-%02u-%02u,P%05u,P%05u-r%u,SKU-%03u,CAT-%02u,%s,%s%ld,%s%ld.%02ld,"
                     "USD,\n",
                n + 1, month, dom, partner, partner, (unsigned)((r >> 20) % 4), product,
                product % 20 + 1, regions[(r >> 40) % 4], is_return ? "-" : "", quantity,
                is_return ? "-" : "", cents / 100, cents % 100);
    }
    if (fclose(out) != 0)
        die(NULL, "cannot write the generated file");
}

static bytes
load(const char *path)
{
    FILE *in = fopen(path, "rb");
    if (!in)
        die(NULL, "cannot open the file");
    bytes b = {NULL, 0};
    size_t capacity = 0;
    for (;;) {
        if (b.size == capacity) {
            capacity = capacity ? capacity * 2 : 1u << 20;
            b.data = realloc(b.data, capacity);
            if (!b.data)
                die(NULL, "out of memory");
        }
        size_t got = fread(b.data + b.size, 1, capacity - b.size, in);
        if (got == 0)
            break;
        b.size += got;
    }
    fclose(in);
    return b;
}

/* The hand-written loop: fields are the commas and line feeds. */
static double
baseline(const bytes *b, uint64_t *fields, uint64_t *lines)
{
    double start = now();
    uint64_t commas = 0, feeds = 0;
    for (size_t i = 0; i < b->size; i++) {
        commas += b->data[i] == ',';
        feeds += b->data[i] == '\n';
    }
    double seconds = now() - start;
    *fields = commas + feeds;
    *lines = feeds;
    return seconds;
}

typedef struct session_set {
    tally_ctx *ctx;
    tally_plan *plan;
    tally_session *session;
} session_set;

static void
open_session(session_set *s, const char *plan_path, const char *partners)
{
    if (tally_ctx_new(&s->ctx, NULL) != TALLY_OK)
        die(NULL, "context");
    int status = plan_path ? tally_plan_load_file(s->ctx, &s->plan, plan_path, NULL)
                           : tally_plan_load_buffer(s->ctx, &s->plan, trivial_plan,
                                                    strlen(trivial_plan), "csv-bench.xml", NULL);
    if (status != TALLY_OK)
        die(s->ctx, "plan");
    tally_session_options options = {sizeof(options),
                                     TALLY_SESSION_TRUST_IDS | TALLY_SESSION_NO_SOURCE_IDS,
                                     NULL, NULL, NULL, 0};
    if (tally_session_new(s->ctx, &s->session, s->plan, &options) != TALLY_OK)
        die(s->ctx, "session");
    if (partners && tally_csv_read_file(s->session, TALLY_CSV_PARTNERS, partners, NULL, NULL))
        die(s->ctx, "partners");
}

static void
close_session(session_set *s)
{
    tally_session_free(s->session);
    tally_plan_unref(s->plan);
    tally_ctx_free(s->ctx);
}

enum { FROM_FILE, FROM_MEMORY };

/* Seconds to read the transactions into a fresh session; the rows read go to *rows. */
static double
read_once(const settings *set, const char *path, const bytes *b, int from, const char *plan,
          uint64_t *rows, double *finish)
{
    session_set s;
    open_session(&s, plan, plan ? set->partners : NULL);
    tally_csv_stats stats = {sizeof(stats), 0, 0, 0};
    double start = now();
    int status = from == FROM_FILE
                     ? tally_csv_read_file(s.session, TALLY_CSV_TRANSACTIONS, path, NULL, &stats)
                     : tally_csv_read_buffer(s.session, TALLY_CSV_TRANSACTIONS, b->data,
                                             b->size, NULL, &stats);
    double seconds = now() - start;
    if (status != TALLY_OK)
        die(s.ctx, "transactions");
    *rows = stats.rows;
    if (finish) {
        tally_result *result;
        start = now();
        if (tally_session_finish(s.session, &result) != TALLY_OK)
            die(s.ctx, "finish");
        *finish = now() - start;
        tally_result_free(result);
    }
    close_session(&s);
    return seconds;
}

static void
report(const char *what, double seconds, uint64_t rows, size_t size, double base_seconds)
{
    double mb = (double)size / 1e6;
    printf("%-28s %7.3f s %12.0f rows/s %9.1f MB/s  ratio %.4f\n", what, seconds,
           (double)rows / seconds, mb / seconds, base_seconds / seconds);
}

/* Returns the best time. */
static double
measure(const settings *set, const char *what, const char *path, const bytes *b, int from,
        const char *plan, double base_seconds)
{
    double best = 0, best_finish = 0;
    uint64_t rows = 0;
    for (int i = 0; i < set->repeat; i++) {
        double finish = 0;
        double seconds = read_once(set, path, b, from, plan, &rows, plan ? &finish : NULL);
        if (i == 0 || seconds < best) {
            best = seconds;
            best_finish = finish;
        }
    }
    report(what, best, rows, b->size, base_seconds);
    if (plan)
        printf("%-28s %7.3f s\n", "  then tally_session_finish", best_finish);
    return best;
}

/* ---- the engine's share: the same rows fed directly ---- */

/* The columns bench/peers/generate.py writes, in tally_transaction's order. */
static const char *const feed_columns[] = {"id", "date", "partner", "rep", "product",
                                           "category", "region", "quantity", "amount",
                                           "currency", "original_id"};
#define FEED_COLUMNS (sizeof(feed_columns) / sizeof(feed_columns[0]))
#define FEED_BLOCK 65536

/* Splits the line at *at (in place) into at most `max` fields; returns how many. */
static size_t
split_line(char **at, char *end, char **fields, size_t max)
{
    size_t count = 0;
    char *p = *at;
    fields[count++] = p;
    while (p < end && *p != '\n') {
        if (*p == ',') {
            *p = '\0';
            if (count < max)
                fields[count] = p + 1;
            count++;
        }
        p++;
    }
    if (p > *at && p[-1] == '\r')
        p[-1] = '\0';
    if (p < end)
        *p++ = '\0';
    *at = p;
    return count;
}

static void
to_transaction(tally_transaction *t, char **f)
{
    memset(t, 0, sizeof(*t));
    t->size = sizeof(*t);
    t->id = f[0];
    t->date = f[1];
    t->partner = f[2];
    t->rep = *f[3] ? f[3] : NULL;
    t->product = *f[4] ? f[4] : NULL;
    t->category = *f[5] ? f[5] : NULL;
    t->region = *f[6] ? f[6] : NULL;
    if (*f[7] && tally_decimal_parse(NULL, &t->quantity, f[7]) != TALLY_OK)
        die(NULL, "feed: bad quantity");
    if (tally_decimal_parse(NULL, &t->amount, f[8]) != TALLY_OK)
        die(NULL, "feed: bad amount");
    t->currency = *f[9] ? f[9] : NULL;
    t->original_id = *f[10] ? f[10] : NULL;
    t->new_customer = -1;
}

/* Seconds the session spends on the rows fed block by block; < 0 when the file
 * is not in the generator's shape. */
static double
feed_once(const bytes *b, uint64_t *rows)
{
    char *copy = malloc(b->size + 1);
    tally_transaction *block = malloc(FEED_BLOCK * sizeof(*block));
    if (!copy || !block)
        die(NULL, "out of memory");
    memcpy(copy, b->data, b->size);
    char *at = copy, *end = copy + b->size, *fields[FEED_COLUMNS];
    double seconds = -1;
    int shaped = !memchr(copy, '"', b->size) &&
                 split_line(&at, end, fields, FEED_COLUMNS) == FEED_COLUMNS;
    for (size_t i = 0; shaped && i < FEED_COLUMNS; i++)
        shaped = strcmp(fields[i], feed_columns[i]) == 0;
    if (shaped) {
        session_set s;
        open_session(&s, NULL, NULL);
        seconds = 0;
        *rows = 0;
        while (at < end) {
            size_t count = 0;
            while (count < FEED_BLOCK && at < end)
                if (split_line(&at, end, fields, FEED_COLUMNS) == FEED_COLUMNS)
                    to_transaction(&block[count++], fields);
            double start = now();
            for (size_t i = 0; i < count; i++)
                if (tally_session_add_transaction(s.session, &block[i]) != TALLY_OK)
                    die(s.ctx, "feed");
            seconds += now() - start;
            *rows += count;
        }
        close_session(&s);
    }
    free(block);
    free(copy);
    return seconds;
}

/* The engine's share, then the reader's: `read_seconds` less that share. */
static void
measure_reader_alone(const settings *set, const bytes *b, double read_seconds,
                     double base_seconds)
{
    double best = -1;
    uint64_t rows = 0;
    for (int i = 0; i < set->repeat; i++) {
        double seconds = feed_once(b, &rows);
        if (seconds < 0) {
            printf("(the file is not in generate.py's shape: no reader-alone estimate)\n");
            return;
        }
        if (best < 0 || seconds < best)
            best = seconds;
    }
    report("engine share (rows fed)", best, rows, b->size, base_seconds);
    if (read_seconds > best)
        report("reader alone (read - feed)", read_seconds - best, rows, b->size, base_seconds);
}

static settings
parse_args(int argc, char **argv)
{
    settings set = {NULL, NULL, NULL, 1000000, 5};
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--file") == 0)
            set.file = argv[i + 1];
        else if (strcmp(argv[i], "--rows") == 0)
            set.rows = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--repeat") == 0)
            set.repeat = atoi(argv[i + 1]) > 0 ? atoi(argv[i + 1]) : 1;
        else if (strcmp(argv[i], "--plan") == 0)
            set.plan = argv[i + 1];
        else if (strcmp(argv[i], "--partners") == 0)
            set.partners = argv[i + 1];
        else
            die(NULL, "unknown option (see the comment at the top of bench/csv_bench.c)");
    }
    return set;
}

int
main(int argc, char **argv)
{
    settings set = parse_args(argc, argv);
    char generated[] = "/tmp/csv-bench-XXXXXX";
    const char *path = set.file;
    if (!path) {
        int fd = mkstemp(generated);
        if (fd < 0)
            die(NULL, "cannot create a temporary file");
        close(fd);
        generate(generated, set.rows);
        path = generated;
    }
    bytes b = load(path);
    double base = 0;
    uint64_t fields = 0, lines = 0;
    for (int i = 0; i < set.repeat; i++) {
        double seconds = baseline(&b, &fields, &lines);
        if (i == 0 || seconds < base)
            base = seconds;
    }
    printf("%s: %.1f MB, %llu fields\n", set.file ? set.file : "generated",
           (double)b.size / 1e6, (unsigned long long)fields);
    /* Its rows are the lines after the header. */
    report("hand-written loop (memory)", base, lines ? lines - 1 : 0, b.size, base);
    double read = measure(&set, "tally_csv_read_file", path, &b, FROM_FILE, NULL, base);
    measure(&set, "tally_csv_read_buffer", path, &b, FROM_MEMORY, NULL, base);
    measure_reader_alone(&set, &b, read, base);
    if (set.plan)
        measure(&set, "read_file, real engine", path, &b, FROM_FILE, set.plan, base);
    free(b.data);
    if (!set.file)
        unlink(generated);
    return 0;
}
