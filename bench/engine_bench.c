/*
 * Engine throughput and memory (issue 5, item 7): synthetic, already-parsed
 * transactions over 10,000 partners fed to a session on a plan with every
 * component type, at two sizes, each in its own child process so that its peak
 * memory is its own. The same rows also go through a minimal hand-written C loop
 * (partner lookup and a per partner × month sum of integer cents) in the same
 * run, and the ratio is printed; so is the rate of a loop that does nothing but what
 * the input digest needs (each row's fields encoded and hashed with XXH3-128), the
 * floor that part of the work sets. Timing uses doubles: this is a benchmark.
 *
 * Usage: engine-bench [--rows N[,N...]] [--partners P] [--flags F] [--batch B]
 *   --rows      row counts to run (default 1000000,10000000)
 *   --flags     session flags (default 3: TRUST_IDS | NO_SOURCE_IDS)
 *   --batch     rows per tally_session_add_transactions() call (default 1024;
 *               1 feeds them one by one with tally_session_add_transaction())
 * Prints one line per size: rows, seconds, rows/s, baseline rows/s, ratio, the
 * digest-only loop's rows/s, peak RSS.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include <tally/tally.h>

/* Rows are generated in blocks that are fed again and again (with fresh ids). */
#define BLOCK 65536

static const char plan_xml[] =
    "<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" id=\"bench\" currency=\"USD\">"
    "<version id=\"2026\" effective-from=\"2026-01-01\">"
    "<rebate id=\"volume\" period=\"quarter\"><tiers mode=\"marginal\">"
    "<band from=\"0\" to=\"10000\" rate=\"0.02\"/><band from=\"10000\" to=\"50000\" "
    "rate=\"0.03\"/><band from=\"50000\" rate=\"0.04\"/></tiers>"
    "<multipliers><multiplier partner-tier=\"gold\" factor=\"1.1\"/></multipliers>"
    "<cap>100000</cap></rebate>"
    "<rebate id=\"retro\" period=\"year\" settlement=\"quarter\"><tiers mode=\"whole\">"
    "<band from=\"0\" to=\"100000\" rate=\"0.01\"/><band from=\"100000\" rate=\"0.02\"/>"
    "</tiers></rebate>"
    "<growth-rebate id=\"growth\" period=\"quarter\" baseline=\"previous-period\">"
    "<rate>0.01</rate></growth-rebate>"
    "<spiff id=\"q4\" period=\"month\" window-from=\"2026-10-01\" window-to=\"2026-12-31\">"
    "<product id=\"SKU-7\" amount=\"25\"/><product id=\"SKU-42\" amount=\"40\"/></spiff>"
    "<mdf id=\"mdf\" period=\"quarter\" accrual-rate=\"0.02\" yearly-cap=\"50000\" "
    "expiry-months=\"6\"/>"
    "<commission id=\"agents\" period=\"month\" payee=\"rep-or-partner\"><rate>0.01</rate>"
    "</commission>"
    "<affiliate id=\"web\" period=\"month\" rate=\"0.005\"/>"
    "<referral id=\"refer\" period=\"month\" fee=\"10\"><eligibility>"
    "<customers>new</customers></eligibility></referral>"
    "<deal-registration id=\"dealreg\" period=\"month\" uplift=\"0.01\"/>"
    "</version></plan>";

typedef struct block {
    tally_transaction rows[BLOCK];
    char ids[BLOCK][24];
    char dates[BLOCK][16];
    char partners[BLOCK][16];
    char products[BLOCK][16];
    char reps[BLOCK][16];
    int64_t cents[BLOCK];
    uint32_t partner_index[BLOCK];
    int month[BLOCK];
} block;

static uint64_t
next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static void
fill_block(block *b, uint64_t *seed, unsigned partners)
{
    for (size_t i = 0; i < BLOCK; i++) {
        uint64_t r = next_random(seed);
        unsigned partner = (unsigned)(r % partners);
        unsigned month = (unsigned)((r >> 20) % 12) + 1, day = (unsigned)((r >> 28) % 28) + 1;
        int64_t cents = (int64_t)((r >> 32) % 500000) + 100;
        if ((r >> 50) % 33 == 0)
            cents = -cents; /* about 3 % returns */
        snprintf(b->partners[i], sizeof(b->partners[i]), "P%u", partner);
        snprintf(b->products[i], sizeof(b->products[i]), "SKU-%u", (unsigned)((r >> 40) % 500));
        snprintf(b->reps[i], sizeof(b->reps[i]), "R%u", (unsigned)((r >> 44) % 3000));
        snprintf(b->dates[i], sizeof(b->dates[i]), "2026-%02u-%02u", month, day);
        tally_transaction *t = &b->rows[i];
        memset(t, 0, sizeof(*t));
        t->size = sizeof(*t);
        t->id = b->ids[i];
        t->date = b->dates[i];
        t->partner = b->partners[i];
        t->product = b->products[i];
        t->rep = (r >> 45) % 2 ? b->reps[i] : NULL;
        tally_decimal_from_int(&t->amount, cents, 2);
        tally_decimal_from_int(&t->quantity, cents < 0 ? -1 : 1 + (int64_t)((r >> 54) % 4), 0);
        t->deal_registered = (r >> 58) % 10 == 0;
        t->new_customer = (r >> 59) % 20 == 0;
        b->cents[i] = cents;
        b->partner_index[i] = partner;
        b->month[i] = (int)month;
    }
}

/* "T<n>", without printf: the benchmark times the engine, not the id formatting. */
static void
write_id(char out[24], uint64_t n)
{
    char digits[21];
    int length = 0;
    do {
        digits[length++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    out[0] = 'T';
    for (int i = 0; i < length; i++)
        out[1 + i] = digits[length - 1 - i];
    out[1 + length] = '\0';
}

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(tally_ctx *ctx, const char *what)
{
    char text[512];
    tally_error_format(text, sizeof(text), tally_ctx_last_error(ctx));
    fprintf(stderr, "engine-bench: %s: %s\n", what, text);
    exit(1);
}

/* The hand-written loop: hash the partner id, add cents to partner × month. */
static double
baseline(block *b, uint64_t rows, unsigned partners)
{
    int64_t *sums = calloc((size_t)partners * 12, sizeof(int64_t));
    uint32_t *table = calloc(1u << 16, sizeof(uint32_t));
    if (!sums || !table)
        exit(1);
    double start = now();
    for (uint64_t n = 0; n < rows; n++) {
        size_t i = n % BLOCK;
        const char *id = b->partners[i];
        uint32_t h = 2166136261u;
        for (const char *p = id; *p; p++)
            h = (h ^ (unsigned char)*p) * 16777619u;
        uint32_t slot = h & 0xffff;
        while (table[slot] && table[slot] != b->partner_index[i] + 1)
            slot = (slot + 1) & 0xffff;
        table[slot] = b->partner_index[i] + 1;
        sums[(size_t)(table[slot] - 1) * 12 + (size_t)(b->month[i] - 1)] += b->cents[i];
    }
    double seconds = now() - start;
    volatile int64_t keep = sums[0];
    (void)keep;
    free(sums);
    free(table);
    return (double)rows / seconds;
}

/* The floor the input digest sets: each row's texts (NUL-ended), two flag bytes and
 * two decimals put in a buffer and hashed with XXH3-128, as the engine must, and
 * nothing else. */
static double
digest_floor(block *b, uint64_t rows)
{
    uint64_t sum = 0;
    double start = now();
    for (uint64_t n = 0; n < rows; n++) {
        const tally_transaction *t = &b->rows[n % BLOCK];
        const char *texts[12] = {t->id,      t->date,     t->partner,  t->rep,
                                 t->product, t->category, t->region,   "USD",
                                 t->original_id, t->split, t->customer_category, t->claim_date};
        unsigned char buffer[512];
        size_t length = 0;
        memcpy(buffer, "transaction", 12);
        length = 12;
        for (int i = 0; i < 12; i++) {
            size_t size = texts[i] ? strlen(texts[i]) + 1 : 1;
            memcpy(buffer + length, texts[i] ? texts[i] : "", size);
            length += size;
        }
        buffer[length++] = t->deal_registered ? 2 : 1;
        buffer[length++] = t->new_customer < 0 ? 0 : t->new_customer ? 2 : 1;
        memcpy(buffer + length, &t->quantity, 18);
        memcpy(buffer + length + 18, &t->amount, 18);
        length += 36;
        sum += XXH3_128bits(buffer, length).low64;
    }
    double seconds = now() - start;
    volatile uint64_t keep = sum;
    (void)keep;
    return (double)rows / seconds;
}

static void
run(uint64_t rows, unsigned partners, unsigned flags, size_t batch)
{
    static block b;
    uint64_t seed = 42;
    fill_block(&b, &seed, partners);
    tally_ctx *ctx;
    tally_plan *plan;
    tally_session *session;
    if (tally_ctx_new(&ctx, NULL) != TALLY_OK)
        exit(1);
    if (tally_plan_load_buffer(ctx, &plan, plan_xml, strlen(plan_xml), "bench.xml", NULL))
        die(ctx, "plan");
    tally_session_options options = {sizeof(options), flags, NULL, NULL, NULL, 0};
    if (tally_session_new(ctx, &session, plan, &options))
        die(ctx, "session");
    for (unsigned p = 0; p < partners; p++) {
        char id[16], quota[24];
        snprintf(id, sizeof(id), "P%u", p);
        snprintf(quota, sizeof(quota), "%u", 100000 + p * 10);
        tally_partner partner = {sizeof(partner), id, "reseller", p % 4 ? "silver" : "gold",
                                 "EMEA", NULL, quota};
        if (tally_session_add_partner(session, &partner))
            die(ctx, "partner");
    }
    double start = now();
    for (uint64_t n = 0; n < rows;) {
        size_t i = n % BLOCK;
        size_t chunk = batch;
        if (chunk > BLOCK - i)
            chunk = BLOCK - i;
        if (chunk > rows - n)
            chunk = (size_t)(rows - n);
        for (size_t k = 0; k < chunk; k++)
            write_id(b.ids[i + k], n + k);
        int status = chunk == 1 ? tally_session_add_transaction(session, &b.rows[i])
                                : tally_session_add_transactions(session, &b.rows[i], chunk, NULL);
        if (status != TALLY_OK)
            die(ctx, "transaction");
        n += chunk;
    }
    double fed = now() - start;
    tally_result *result;
    if (tally_session_finish(session, &result))
        die(ctx, "finish");
    double total = now() - start;
    double base = baseline(&b, rows, partners);
    double floor = digest_floor(&b, rows);
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    printf("rows %llu\tfeed %.2f s\t%.0f rows/s\tfinish %.2f s\tbaseline %.0f rows/s\t"
           "ratio %.3f\tdigest alone %.0f rows/s\tlines %zu\tpeak %ld KiB\n",
           (unsigned long long)rows, fed, (double)rows / fed, total - fed, base,
           ((double)rows / fed) / base, floor, tally_result_line_count(result), usage.ru_maxrss);
    fflush(stdout);
    tally_result_free(result);
    tally_session_free(session);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
}

int
main(int argc, char **argv)
{
    const char *sizes = "1000000,10000000";
    unsigned partners = 10000, flags = 3;
    size_t batch = 1024;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--rows") == 0)
            sizes = argv[i + 1];
        else if (strcmp(argv[i], "--partners") == 0)
            partners = (unsigned)strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--flags") == 0)
            flags = (unsigned)strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--batch") == 0)
            batch = (size_t)strtoul(argv[i + 1], NULL, 10);
    }
    if (batch < 1 || batch > BLOCK) {
        fprintf(stderr, "engine-bench: --batch must be 1 ... %d\n", BLOCK);
        return 2;
    }
    char *list = strdup(sizes);
    long peaks[8];
    int count = 0;
    for (char *item = strtok(list, ","); item && count < 8; item = strtok(NULL, ",")) {
        int pipefd[2];
        if (pipe(pipefd) != 0)
            return 1;
        pid_t child = fork();
        if (child == 0) {
            close(pipefd[0]);
            run(strtoull(item, NULL, 10), partners, flags, batch);
            struct rusage usage;
            getrusage(RUSAGE_SELF, &usage);
            if (write(pipefd[1], &usage.ru_maxrss, sizeof(long)) != sizeof(long))
                _exit(1);
            _exit(0);
        }
        close(pipefd[1]);
        int status = 0;
        if (read(pipefd[0], &peaks[count], sizeof(long)) != sizeof(long))
            peaks[count] = 0;
        close(pipefd[0]);
        waitpid(child, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            return 1;
        count++;
    }
    if (count >= 2 && peaks[0] > 0)
        printf("peak memory ratio (largest / smallest run): %.2f\n",
               (double)peaks[count - 1] / (double)peaks[0]);
    free(list);
    return 0;
}
