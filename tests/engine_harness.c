/*
 * engine-harness: runs one calculation through the public API, for the
 * randomized differential test against tests/reference/calculator.py.
 *
 *   engine-harness PLAN.xml INPUTS.tsv [--as-of YYYY-MM-DD] [--batch N]
 *                  [--flags SESSION-FLAGS] [--threads N]
 *
 * INPUTS.tsv holds one record per line, fields separated by tabs, the first field
 * the record type; an empty (or missing trailing) field is absent. Blank lines and
 * lines starting with '#' are skipped. Records are fed in file order; with --batch,
 * runs of up to N transactions go in one tally_session_add_transactions() call
 * (which looks ahead), so the reference test covers both ways in. --flags and
 * --threads set tally_session_options.flags and .threads. The records:
 *
 *   P id type tier region join_date quota
 *   T id date partner rep product category region quantity amount currency
 *     deal_registered original_id split customer_category new_customer claim_date
 *   S payee component period amount
 *   B payee component period amount
 *   C id partner date amount activity component
 *
 * Booleans (deal_registered, new_customer) are "true" / "false" (or 1 / 0); an
 * absent new_customer is unknown. On success prints one line per result line,
 * `component\tperiod\tpayee\tkind\tamount`, in result order, then
 * `digest\t<hex>`, and exits 0. Any error prints the formatted errors to stderr and
 * exits 1; usage errors exit 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tally/tally.h>

#define MAX_FIELDS 32
#define LINE_SIZE 65536
#define MESSAGE_SIZE 2048

static void
print_errors(const tally_ctx *ctx, const char *what, int status)
{
    char message[MESSAGE_SIZE];
    size_t count = tally_ctx_error_count(ctx);

    fprintf(stderr, "engine-harness: %s: %s\n", what, tally_strerror(status));
    for (size_t i = 0; i < count; i++) {
        tally_error_format(message, sizeof(message), tally_ctx_error(ctx, i));
        fprintf(stderr, "%s\n", message);
    }
    if (tally_ctx_errors_dropped(ctx) > 0)
        fprintf(stderr, "(%zu more errors not recorded)\n", tally_ctx_errors_dropped(ctx));
}

/* Field i of the record, or NULL when absent (empty or missing). */
static const char *
field(char **fields, size_t count, size_t i)
{
    if (i >= count || fields[i][0] == '\0')
        return NULL;
    return fields[i];
}

/* Parses a decimal field; an absent field is 0. Returns a status. */
static int
parse_decimal(tally_ctx *ctx, tally_decimal *out, const char *text)
{
    if (text == NULL) {
        memset(out, 0, sizeof(*out));
        return TALLY_OK;
    }
    return tally_decimal_parse(ctx, out, text);
}

/* 1 for true, 0 for false, `absent` when absent, -2 for anything else. */
static int
parse_bool(const char *text, int absent)
{
    if (text == NULL)
        return absent;
    if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0)
        return 1;
    if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0)
        return 0;
    return -2;
}

static int
feed_partner(tally_session *session, char **f, size_t n)
{
    tally_partner partner;

    memset(&partner, 0, sizeof(partner));
    partner.size = sizeof(partner);
    partner.id = field(f, n, 1);
    partner.type = field(f, n, 2);
    partner.tier = field(f, n, 3);
    partner.region = field(f, n, 4);
    partner.join_date = field(f, n, 5);
    partner.quota = field(f, n, 6);
    return tally_session_add_partner(session, &partner);
}

/* Transactions waiting for a batch call: their structs and their lines' copies. */
typedef struct batch {
    size_t limit; /* 0: every transaction on its own */
    size_t count;
    tally_transaction rows[256];
    char *lines[256];
} batch;

static int
flush_batch(tally_session *session, batch *b)
{
    int status = TALLY_OK;
    if (b->count)
        status = tally_session_add_transactions(session, b->rows, b->count, NULL);
    for (size_t i = 0; i < b->count; i++)
        free(b->lines[i]);
    b->count = 0;
    return status;
}

static int
fill_transaction(tally_transaction *out, tally_ctx *ctx, char **f, size_t n)
{
    tally_transaction tx;
    int status;

    memset(&tx, 0, sizeof(tx));
    tx.size = sizeof(tx);
    tx.id = field(f, n, 1);
    tx.date = field(f, n, 2);
    tx.partner = field(f, n, 3);
    tx.rep = field(f, n, 4);
    tx.product = field(f, n, 5);
    tx.category = field(f, n, 6);
    tx.region = field(f, n, 7);
    if ((status = parse_decimal(ctx, &tx.quantity, field(f, n, 8))) != TALLY_OK)
        return status;
    if ((status = parse_decimal(ctx, &tx.amount, field(f, n, 9))) != TALLY_OK)
        return status;
    tx.currency = field(f, n, 10);
    tx.deal_registered = parse_bool(field(f, n, 11), 0);
    tx.original_id = field(f, n, 12);
    tx.split = field(f, n, 13);
    tx.customer_category = field(f, n, 14);
    tx.new_customer = parse_bool(field(f, n, 15), -1);
    tx.claim_date = field(f, n, 16);
    if (tx.deal_registered == -2 || tx.new_customer == -2) {
        fprintf(stderr, "engine-harness: transaction %s: bad boolean\n",
                tx.id != NULL ? tx.id : "?");
        return TALLY_ERR_SYNTAX;
    }
    *out = tx;
    return TALLY_OK;
}

static int
feed_transaction(tally_session *session, tally_ctx *ctx, batch *b, char *line, char **f,
                 size_t n)
{
    if (!b->limit) {
        tally_transaction tx;
        int status = fill_transaction(&tx, ctx, f, n);
        return status != TALLY_OK ? status : tally_session_add_transaction(session, &tx);
    }
    /* The fields point into `line`, which the next record overwrites: keep a copy
     * and point into that instead. */
    /* split_fields() cut the line in place: the last field ends the used part. */
    size_t size = (size_t)(f[n - 1] - line) + strlen(f[n - 1]) + 1;
    char *copy = malloc(size);
    if (!copy)
        return TALLY_ERR_NOMEM;
    memcpy(copy, line, size);
    char *moved[MAX_FIELDS];
    for (size_t i = 0; i < n; i++)
        moved[i] = copy + (f[i] - line);
    int status = fill_transaction(&b->rows[b->count], ctx, moved, n);
    if (status != TALLY_OK) {
        free(copy);
        return status;
    }
    b->lines[b->count++] = copy;
    return b->count == b->limit ? flush_batch(session, b) : TALLY_OK;
}

static int
feed_settlement(tally_session *session, tally_ctx *ctx, char **f, size_t n)
{
    tally_settlement s;
    int status;

    memset(&s, 0, sizeof(s));
    s.size = sizeof(s);
    s.payee = field(f, n, 1);
    s.component = field(f, n, 2);
    s.period = field(f, n, 3);
    if ((status = parse_decimal(ctx, &s.amount, field(f, n, 4))) != TALLY_OK)
        return status;
    return tally_session_add_settlement(session, &s);
}

static int
feed_baseline(tally_session *session, tally_ctx *ctx, char **f, size_t n)
{
    tally_baseline b;
    int status;

    memset(&b, 0, sizeof(b));
    b.size = sizeof(b);
    b.payee = field(f, n, 1);
    b.component = field(f, n, 2);
    b.period = field(f, n, 3);
    if ((status = parse_decimal(ctx, &b.amount, field(f, n, 4))) != TALLY_OK)
        return status;
    return tally_session_add_baseline(session, &b);
}

static int
feed_claim(tally_session *session, tally_ctx *ctx, char **f, size_t n)
{
    tally_claim c;
    int status;

    memset(&c, 0, sizeof(c));
    c.size = sizeof(c);
    c.id = field(f, n, 1);
    c.partner = field(f, n, 2);
    c.date = field(f, n, 3);
    if ((status = parse_decimal(ctx, &c.amount, field(f, n, 4))) != TALLY_OK)
        return status;
    c.activity = field(f, n, 5);
    c.component = field(f, n, 6);
    return tally_session_add_claim(session, &c);
}

/* Splits `line` in place at tabs; strips the line end. Returns the field count. */
static size_t
split_fields(char *line, char **fields)
{
    size_t n = 0;
    char *p = line;
    size_t len = strlen(line);

    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
    fields[n++] = p;
    while ((p = strchr(p, '\t')) != NULL && n < MAX_FIELDS) {
        *p++ = '\0';
        fields[n++] = p;
    }
    return n;
}

/* Feeds every record of `path`. Returns 0 on success, 1 after printing errors. */
static int
feed_inputs(tally_session *session, tally_ctx *ctx, const char *path, batch *b)
{
    static char line[LINE_SIZE];
    char *fields[MAX_FIELDS];
    char what[256];
    unsigned long lineno = 0;
    FILE *in = fopen(path, "r");

    if (in == NULL) {
        fprintf(stderr, "engine-harness: cannot open %s\n", path);
        return 1;
    }
    while (fgets(line, sizeof(line), in) != NULL) {
        size_t n;
        int status;

        lineno++;
        if (line[0] == '#' || line[0] == '\n' || line[0] == '\r' || line[0] == '\0')
            continue;
        n = split_fields(line, fields);
        /* Other records keep their place after the transactions before them. */
        if (strcmp(fields[0], "T") != 0 && (status = flush_batch(session, b)) != TALLY_OK) {
            print_errors(ctx, "a batch of transactions", status);
            fclose(in);
            return 1;
        }
        if (strcmp(fields[0], "P") == 0)
            status = feed_partner(session, fields, n);
        else if (strcmp(fields[0], "T") == 0)
            status = feed_transaction(session, ctx, b, line, fields, n);
        else if (strcmp(fields[0], "S") == 0)
            status = feed_settlement(session, ctx, fields, n);
        else if (strcmp(fields[0], "B") == 0)
            status = feed_baseline(session, ctx, fields, n);
        else if (strcmp(fields[0], "C") == 0)
            status = feed_claim(session, ctx, fields, n);
        else {
            fprintf(stderr, "engine-harness: %s:%lu: unknown record type \"%s\"\n", path,
                    lineno, fields[0]);
            fclose(in);
            return 1;
        }
        if (status != TALLY_OK) {
            snprintf(what, sizeof(what), "%s:%lu: %s record", path, lineno, fields[0]);
            print_errors(ctx, what, status);
            fclose(in);
            return 1;
        }
    }
    fclose(in);
    int status = flush_batch(session, b);
    if (status != TALLY_OK) {
        print_errors(ctx, "a batch of transactions", status);
        return 1;
    }
    return 0;
}

static int
print_result(const tally_result *result)
{
    char amount[TALLY_DECIMAL_STRING_MAX];
    char hex[TALLY_RESULT_DIGEST_HEX_SIZE];
    size_t count = tally_result_line_count(result);

    for (size_t i = 0; i < count; i++) {
        const tally_line *line = tally_result_line_at(result, i);
        tally_decimal value;
        const char *kind;

        if (line == NULL || tally_line_amount(line, &value) != TALLY_OK ||
            tally_decimal_format(amount, sizeof(amount), &value) != TALLY_OK) {
            fprintf(stderr, "engine-harness: cannot read result line %zu\n", i);
            return 1;
        }
        kind = tally_line_kind_name(tally_line_get_kind(line));
        printf("%s\t%s\t%s\t%s\t%s\n", tally_line_component(line), tally_line_period(line),
               tally_line_payee(line), kind != NULL ? kind : "?", amount);
    }
    int status = tally_result_digest_hex(hex, sizeof(hex), result);
    if (status == TALLY_ERR_STATE) { /* made with TALLY_SESSION_NO_INPUT_DIGEST */
        printf("digest\t-\n");
        return 0;
    }
    if (status != TALLY_OK) {
        fprintf(stderr, "engine-harness: no result digest\n");
        return 1;
    }
    printf("digest\t%s\n", hex);
    return 0;
}

int
main(int argc, char **argv)
{
    tally_ctx *ctx = NULL;
    tally_plan *plan = NULL;
    tally_session *session = NULL;
    tally_result *result = NULL;
    tally_session_options options;
    const char *as_of = NULL;
    unsigned flags = 0, threads = 0;
    int status, failed = 1;

    static batch pending;
    int usage = argc < 3 || argc % 2 == 0;
    for (int i = 3; !usage && i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--as-of") == 0)
            as_of = argv[i + 1];
        else if (strcmp(argv[i], "--batch") == 0)
            pending.limit = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--flags") == 0)
            flags = (unsigned)strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--threads") == 0)
            threads = (unsigned)strtoul(argv[i + 1], NULL, 10);
        else
            usage = 1;
    }
    if (usage || pending.limit > sizeof(pending.rows) / sizeof(pending.rows[0])) {
        fprintf(stderr,
                "usage: %s PLAN.xml INPUTS.tsv [--as-of YYYY-MM-DD] [--batch 1-256] "
                "[--flags SESSION-FLAGS] [--threads N]\n",
                argv[0]);
        return 2;
    }
    if (tally_ctx_new(&ctx, NULL) != TALLY_OK) {
        fprintf(stderr, "engine-harness: no context\n");
        return 1;
    }
    status = tally_plan_load_file(ctx, &plan, argv[1], NULL);
    if (status != TALLY_OK) {
        print_errors(ctx, "loading the plan", status);
        goto done;
    }
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.as_of = as_of;
    options.flags = flags;
    options.threads = threads;
    status = tally_session_new(ctx, &session, plan, &options);
    if (status != TALLY_OK) {
        print_errors(ctx, "creating the session", status);
        goto done;
    }
    if (feed_inputs(session, ctx, argv[2], &pending) != 0)
        goto done;
    status = tally_session_finish(session, &result);
    if (status != TALLY_OK) {
        print_errors(ctx, "finishing the session", status);
        goto done;
    }
    failed = print_result(result);

done:
    tally_result_free(result);
    tally_session_free(session);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
    return failed;
}
