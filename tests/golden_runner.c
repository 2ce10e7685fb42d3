/*
 * Data-driven golden cases through the public C API.
 *
 *   golden-runner [--write] CASES_DIR [CASE...]
 *
 * Each case is a directory of CASES_DIR (all of them, sorted, when no CASE is
 * named) holding:
 *
 *   plan.xml                 the plan (loaded with source name "plan.xml")
 *   options                  optional; lines `key=value`: as_of, lines_from,
 *                            lines_to, flags (a number, e.g. flags=3); `#` starts
 *                            a comment line
 *   partners.csv rates.csv baselines.csv settlements.csv claims.csv
 *   transactions.csv         optional inputs, read in this order with
 *                            tally_csv_read_file(), source name = base name
 *   expected.csv             the lines: `component,period,payee,kind,amount`
 *   expected-error.txt       or: the run must fail with exactly these errors
 *                            (tally_error_format(), one per line)
 *   expected-recovery.csv    optional, with expected.csv: per line the clawback
 *                            recovery (`component,period,payee,kind,requested,
 *                            recovered,outstanding,withheld`: the first three for
 *                            clawback lines, withheld for the others)
 *   README.md                the hand arithmetic
 *
 * A file CASES_DIR/KNOWN-FAILURES lists cases to skip until the engine is fixed:
 * one name per line, followed by `# reason`; lines starting with `#` are
 * comments. Skipped cases print `SKIP name: reason` (they are still run, quietly,
 * and the line says so when one passes again).
 *
 * `--write` writes expected.csv from the current output for a case that has
 * neither expected.csv nor expected-error.txt, and never overwrites: goldens are
 * computed by hand, the output only confirms them.
 *
 * `--flags N` adds session flags to every case's own; `--canonical DIR` also
 * writes each result's canonical form to DIR/<case>.canonical (to compare two
 * builds byte for byte).
 *
 *   golden-runner --digests FILE CASES_DIR
 *
 * checks result digests instead: FILE has lines `case flags sha256` (`#` starts a
 * comment), each case run with those flags added. The digests pin the canonical
 * form, which auditors replay: a change of them is a change of format.
 *
 * Prints `PASS name`, `FAIL name` (with a diff and the explanations of the
 * differing lines), `SKIP name: reason` or `WROTE name`, then a summary; exits 1
 * on any failure or when no case was found.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <tally/tally.h>

/* ---- small helpers ---- */

typedef struct buf {
    char *data;
    size_t len, cap;
} buf;

static void
die_nomem(void)
{
    fputs("golden-runner: out of memory\n", stderr);
    exit(2);
}

static void
buf_add(buf *b, const char *data, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + len + 1)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown)
            die_nomem();
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

static void
buf_str(buf *b, const char *text)
{
    buf_add(b, text, strlen(text));
}

#if defined(__GNUC__) || defined(__clang__)
#define GOLDEN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define GOLDEN_PRINTF(f, a)
#endif

static void buf_printf(buf *b, const char *format, ...) GOLDEN_PRINTF(2, 3);

static void
buf_printf(buf *b, const char *format, ...)
{
    char small[512];
    va_list args;
    va_start(args, format);
    int n = vsnprintf(small, sizeof(small), format, args);
    va_end(args);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(small)) {
        buf_add(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big)
        die_nomem();
    va_start(args, format);
    vsnprintf(big, (size_t)n + 1, format, args);
    va_end(args);
    buf_add(b, big, (size_t)n);
    free(big);
}

static void
buf_free(buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static char *
path_join(const char *dir, const char *name)
{
    size_t a = strlen(dir), n = strlen(name);
    char *path = malloc(a + n + 2);
    if (!path)
        die_nomem();
    memcpy(path, dir, a);
    path[a] = '/';
    memcpy(path + a + 1, name, n + 1);
    return path;
}

static int
is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int
is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Reads a whole file; returns 0 and fills *out (NUL-terminated), or -1. */
static int
read_all(const char *path, buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char chunk[4096];
    size_t n;
    memset(out, 0, sizeof(*out));
    buf_add(out, "", 0);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_add(out, chunk, n);
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        buf_free(out);
        return -1;
    }
    return 0;
}

static char *
dup_str(const char *text)
{
    size_t n = strlen(text);
    char *copy = malloc(n + 1);
    if (!copy)
        die_nomem();
    memcpy(copy, text, n + 1);
    return copy;
}

static char *
trim(char *text)
{
    while (*text == ' ' || *text == '\t')
        text++;
    size_t n = strlen(text);
    while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\r' ||
                     text[n - 1] == '\n'))
        text[--n] = '\0';
    return text;
}

/* Splits text into lines (without "\n", a trailing "\r" dropped); the final
 * newline, if any, ends the last line instead of starting an empty one. */
typedef struct lines {
    char **items;
    size_t count;
} lines;

static void
lines_split(lines *out, const char *text)
{
    out->items = NULL;
    out->count = 0;
    size_t cap = 0;
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        size_t keep = n;
        if (keep > 0 && p[keep - 1] == '\r')
            keep--;
        if (out->count == cap) {
            cap = cap ? cap * 2 : 16;
            char **grown = realloc(out->items, cap * sizeof(*grown));
            if (!grown)
                die_nomem();
            out->items = grown;
        }
        char *line = malloc(keep + 1);
        if (!line)
            die_nomem();
        memcpy(line, p, keep);
        line[keep] = '\0';
        out->items[out->count++] = line;
        p += n;
        if (*p == '\n')
            p++;
    }
    /* Trailing empty lines are not part of the content (trailing newline tolerant). */
    while (out->count > 0 && out->items[out->count - 1][0] == '\0')
        free(out->items[--out->count]);
}

static void
lines_free(lines *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

/* ---- CSV output ---- */

static void
csv_field(buf *out, const char *field)
{
    if (!field)
        field = "";
    if (strpbrk(field, ",\"\r\n") == NULL) {
        buf_str(out, field);
        return;
    }
    buf_str(out, "\"");
    for (const char *p = field; *p; p++) {
        if (*p == '"')
            buf_str(out, "\"\"");
        else
            buf_add(out, p, 1);
    }
    buf_str(out, "\"");
}

static const char csv_header[] = "component,period,payee,kind,amount";

/* One CSV row (without line end) for a result line. */
static void
csv_row(buf *out, const tally_line *line)
{
    tally_decimal amount;
    char text[TALLY_DECIMAL_STRING_MAX];
    if (tally_line_amount(line, &amount) != TALLY_OK ||
        tally_decimal_format(text, sizeof(text), &amount) != TALLY_OK)
        snprintf(text, sizeof(text), "?");
    csv_field(out, tally_line_component(line));
    buf_str(out, ",");
    csv_field(out, tally_line_period(line));
    buf_str(out, ",");
    csv_field(out, tally_line_payee(line));
    buf_str(out, ",");
    csv_field(out, tally_line_kind_name(tally_line_get_kind(line)));
    buf_str(out, ",");
    csv_field(out, text);
}

/* The recovery view of a result (expected-recovery.csv): per line, for a clawback
 * what it requested, recovered and left outstanding; for other lines what was
 * withheld from them to recover clawbacks. */
static const char recovery_header[] =
    "component,period,payee,kind,requested,recovered,outstanding,withheld";

static void
csv_decimal(buf *out, const tally_decimal *value)
{
    char text[TALLY_DECIMAL_STRING_MAX];
    if (tally_decimal_format(text, sizeof(text), value) != TALLY_OK)
        snprintf(text, sizeof(text), "?");
    csv_field(out, text);
}

static void
recovery_csv(buf *out, const tally_result *result)
{
    buf_str(out, recovery_header);
    buf_str(out, "\n");
    for (size_t i = 0; i < tally_result_line_count(result); i++) {
        const tally_line *line = tally_result_line_at(result, i);
        csv_field(out, tally_line_component(line));
        buf_str(out, ",");
        csv_field(out, tally_line_period(line));
        buf_str(out, ",");
        csv_field(out, tally_line_payee(line));
        buf_str(out, ",");
        csv_field(out, tally_line_kind_name(tally_line_get_kind(line)));
        buf_str(out, ",");
        if (tally_line_get_kind(line) == TALLY_LINE_CLAWBACK) {
            tally_decimal requested, recovered, outstanding;
            tally_line_clawback(line, &requested, &recovered, &outstanding);
            csv_decimal(out, &requested);
            buf_str(out, ",");
            csv_decimal(out, &recovered);
            buf_str(out, ",");
            csv_decimal(out, &outstanding);
            buf_str(out, ",");
        } else {
            tally_decimal withheld;
            tally_line_withheld(line, &withheld);
            buf_str(out, ",,,");
            csv_decimal(out, &withheld);
        }
        buf_str(out, "\n");
    }
}

/* ---- unified diff of two line lists ---- */

enum { DIFF_SAME, DIFF_DEL, DIFF_ADD };

typedef struct diff_op {
    int kind;
    size_t a, b; /* index in expected (SAME, DEL) and in got (SAME, ADD) */
} diff_op;

/* Longest-common-subsequence diff; the inputs are small (a case's lines). */
static diff_op *
diff_lines(const lines *a, const lines *b, size_t *count)
{
    size_t n = a->count, m = b->count;
    size_t *table = calloc((n + 1) * (m + 1), sizeof(*table));
    diff_op *ops = malloc((n + m + 1) * sizeof(*ops));
    if (!table || !ops)
        die_nomem();
#define LCS(i, j) table[(i) * (m + 1) + (j)]
    for (size_t i = n; i-- > 0;)
        for (size_t j = m; j-- > 0;)
            LCS(i, j) = strcmp(a->items[i], b->items[j]) == 0
                            ? LCS(i + 1, j + 1) + 1
                            : (LCS(i + 1, j) >= LCS(i, j + 1) ? LCS(i + 1, j) : LCS(i, j + 1));
    size_t i = 0, j = 0, k = 0;
    while (i < n || j < m) {
        if (i < n && j < m && strcmp(a->items[i], b->items[j]) == 0) {
            ops[k++] = (diff_op){DIFF_SAME, i++, j++};
        } else if (i < n && (j == m || LCS(i + 1, j) >= LCS(i, j + 1))) {
            ops[k++] = (diff_op){DIFF_DEL, i++, j};
        } else {
            ops[k++] = (diff_op){DIFF_ADD, i, j++};
        }
    }
#undef LCS
    free(table);
    *count = k;
    return ops;
}

#define CONTEXT 3

static void
print_unified(buf *out, const lines *expected, const lines *got, const diff_op *ops,
              size_t count, const char *expected_name)
{
    buf_printf(out, "--- %s\n+++ got\n", expected_name);
    size_t k = 0;
    while (k < count) {
        size_t change = k;
        while (change < count && ops[change].kind == DIFF_SAME)
            change++;
        if (change == count)
            break;
        size_t start = change >= k + CONTEXT ? change - CONTEXT : k;
        /* The hunk goes on while changes are at most 2 × CONTEXT lines apart. */
        size_t end = change, same = 0;
        for (size_t q = change; q < count; q++) {
            if (ops[q].kind == DIFF_SAME) {
                if (++same > 2 * CONTEXT)
                    break;
            } else {
                same = 0;
                end = q;
            }
        }
        size_t stop = end + 1 + CONTEXT < count ? end + 1 + CONTEXT : count;
        size_t a0 = ops[start].a, b0 = ops[start].b, alen = 0, blen = 0;
        for (size_t q = start; q < stop; q++) {
            if (ops[q].kind != DIFF_ADD)
                alen++;
            if (ops[q].kind != DIFF_DEL)
                blen++;
        }
        buf_printf(out, "@@ -%zu,%zu +%zu,%zu @@\n", alen ? a0 + 1 : a0, alen,
                   blen ? b0 + 1 : b0, blen);
        for (size_t q = start; q < stop; q++) {
            if (ops[q].kind == DIFF_SAME)
                buf_printf(out, " %s\n", expected->items[ops[q].a]);
            else if (ops[q].kind == DIFF_DEL)
                buf_printf(out, "-%s\n", expected->items[ops[q].a]);
            else
                buf_printf(out, "+%s\n", got->items[ops[q].b]);
        }
        k = stop;
    }
}

/* ---- errors ---- */

/* All errors recorded by the last failed call, one formatted error per line. */
static void
collect_errors(buf *out, tally_ctx *ctx)
{
    for (size_t i = 0; i < tally_ctx_error_count(ctx); i++) {
        char text[4096];
        tally_error_format(text, sizeof(text), tally_ctx_error(ctx, i));
        buf_str(out, text);
        buf_str(out, "\n");
    }
    if (tally_ctx_errors_dropped(ctx) > 0)
        buf_printf(out, "(%zu more errors dropped)\n", tally_ctx_errors_dropped(ctx));
}

/* ---- the options file ---- */

typedef struct case_options {
    char *as_of, *lines_from, *lines_to;
    unsigned flags;
} case_options;

static void
case_options_free(case_options *o)
{
    free(o->as_of);
    free(o->lines_from);
    free(o->lines_to);
    memset(o, 0, sizeof(*o));
}

/* Returns 0, or -1 with a message in *problem. */
static int
read_options(const char *path, case_options *out, buf *problem)
{
    memset(out, 0, sizeof(*out));
    buf text;
    if (read_all(path, &text) != 0) {
        buf_printf(problem, "options: cannot read: %s\n", strerror(errno));
        return -1;
    }
    lines l;
    lines_split(&l, text.data);
    buf_free(&text);
    int status = 0;
    for (size_t i = 0; i < l.count && status == 0; i++) {
        char *line = trim(l.items[i]);
        if (*line == '\0' || *line == '#')
            continue;
        char *eq = strchr(line, '=');
        if (!eq) {
            buf_printf(problem, "options:%zu: expected key=value, got \"%s\"\n", i + 1, line);
            status = -1;
            break;
        }
        *eq = '\0';
        char *key = trim(line), *value = trim(eq + 1);
        if (strcmp(key, "as_of") == 0) {
            free(out->as_of);
            out->as_of = dup_str(value);
        } else if (strcmp(key, "lines_from") == 0) {
            free(out->lines_from);
            out->lines_from = dup_str(value);
        } else if (strcmp(key, "lines_to") == 0) {
            free(out->lines_to);
            out->lines_to = dup_str(value);
        } else if (strcmp(key, "flags") == 0) {
            char *end = NULL;
            errno = 0;
            unsigned long flags = strtoul(value, &end, 0);
            if (*value == '\0' || *end != '\0' || errno != 0 || flags > 0xffffffffUL) {
                buf_printf(problem, "options:%zu: flags \"%s\" is not a number\n", i + 1, value);
                status = -1;
            } else {
                out->flags = (unsigned)flags;
            }
        } else {
            buf_printf(problem, "options:%zu: unknown key \"%s\"\n", i + 1, key);
            status = -1;
        }
    }
    lines_free(&l);
    if (status != 0)
        case_options_free(out);
    return status;
}

/* ---- running one case ---- */

/* From the command line: flags added to every case's, and where canonical forms go. */
static unsigned extra_flags;
static const char *canonical_dir;

static const struct {
    const char *file;
    tally_csv_kind kind;
} inputs[] = {
    {"partners.csv", TALLY_CSV_PARTNERS},       {"rates.csv", TALLY_CSV_RATES},
    {"baselines.csv", TALLY_CSV_BASELINES},     {"settlements.csv", TALLY_CSV_SETTLEMENTS},
    {"claims.csv", TALLY_CSV_CLAIMS},           {"transactions.csv", TALLY_CSV_TRANSACTIONS},
};

typedef struct outcome {
    int ok;          /* the run produced a result */
    buf errors;      /* when not ok: the formatted errors */
    buf csv;         /* when ok: the lines as CSV */
    tally_result *result;
} outcome;

static int
append_piece(const char *data, size_t size, void *user_data)
{
    buf_add(user_data, data, size);
    return 0;
}

/* DIR/<case>.canonical, where DIR is --canonical's and <case> the base name of `dir`. */
static void
write_canonical(const char *dir, const tally_result *result)
{
    const char *name = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
    buf text = {0}, file_name = {0};
    buf_printf(&file_name, "%s.canonical", name);
    char *path = path_join(canonical_dir, file_name.data);
    FILE *f = fopen(path, "wb");
    if (tally_result_write_canonical(result, append_piece, &text) != TALLY_OK || !f ||
        fwrite(text.data, 1, text.len, f) != text.len || fclose(f) != 0) {
        fprintf(stderr, "golden-runner: cannot write %s\n", path);
        exit(1);
    }
    free(path);
    buf_free(&text);
    buf_free(&file_name);
}

static void
run_case(const char *dir, outcome *out)
{
    memset(out, 0, sizeof(*out));
    tally_ctx *ctx = NULL;
    tally_plan *plan = NULL;
    tally_session *session = NULL;
    case_options options;
    memset(&options, 0, sizeof(options));

    char *path = path_join(dir, "options");
    int have_options = is_file(path);
    if (have_options && read_options(path, &options, &out->errors) != 0) {
        free(path);
        return;
    }
    free(path);

    if (tally_ctx_new(&ctx, NULL) != TALLY_OK) {
        buf_str(&out->errors, "tally_ctx_new failed\n");
        goto done;
    }
    path = path_join(dir, "plan.xml");
    buf xml;
    if (read_all(path, &xml) != 0) {
        buf_printf(&out->errors, "plan.xml: cannot read: %s\n", strerror(errno));
        free(path);
        goto done;
    }
    free(path);
    int status = tally_plan_load_buffer(ctx, &plan, xml.data, xml.len, "plan.xml", NULL);
    buf_free(&xml);
    if (status != TALLY_OK) {
        collect_errors(&out->errors, ctx);
        goto done;
    }

    tally_session_options session_options = {sizeof(session_options),
                                             options.flags | extra_flags,
                                             options.as_of, options.lines_from,
                                             options.lines_to, 0};
    status = tally_session_new(ctx, &session, plan, &session_options);
    if (status != TALLY_OK) {
        collect_errors(&out->errors, ctx);
        goto done;
    }

    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        path = path_join(dir, inputs[i].file);
        if (!is_file(path)) {
            free(path);
            continue;
        }
        tally_csv_options csv_options;
        memset(&csv_options, 0, sizeof(csv_options));
        csv_options.size = sizeof(csv_options);
        csv_options.source_name = inputs[i].file;
        status = tally_csv_read_file(session, inputs[i].kind, path, &csv_options, NULL);
        free(path);
        if (status != TALLY_OK) {
            collect_errors(&out->errors, ctx);
            goto done;
        }
    }

    status = tally_session_finish(session, &out->result);
    if (status != TALLY_OK) {
        collect_errors(&out->errors, ctx);
        goto done;
    }
    out->ok = 1;
    if (canonical_dir)
        write_canonical(dir, out->result);
    buf_str(&out->csv, csv_header);
    buf_str(&out->csv, "\n");
    for (size_t i = 0; i < tally_result_line_count(out->result); i++) {
        csv_row(&out->csv, tally_result_line_at(out->result, i));
        buf_str(&out->csv, "\n");
    }

done:
    if (!out->ok && out->errors.len == 0)
        buf_str(&out->errors, "(the run failed without recording an error)\n");
    tally_session_free(session);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
    case_options_free(&options);
}

static void
outcome_free(outcome *o)
{
    buf_free(&o->errors);
    buf_free(&o->csv);
    tally_result_free(o->result);
    o->result = NULL;
}

static void
add_indented(buf *out, const char *text, const char *prefix)
{
    lines l;
    lines_split(&l, text ? text : "");
    for (size_t i = 0; i < l.count; i++)
        buf_printf(out, "%s%s\n", prefix, l.items[i]);
    lines_free(&l);
}

/* Compares produced text with the expected file's content (line by line, trailing
 * newlines and CR before LF ignored); on a difference adds the diff to @p report
 * and, with a result, the explanations of the produced lines that differ. */
static int
compare_text(buf *report, const char *expected_text, const char *got_text,
             const char *expected_name, const tally_result *result)
{
    lines expected, got;
    lines_split(&expected, expected_text);
    lines_split(&got, got_text);
    int same = expected.count == got.count;
    for (size_t i = 0; same && i < expected.count; i++)
        same = strcmp(expected.items[i], got.items[i]) == 0;
    if (!same) {
        size_t count;
        diff_op *ops = diff_lines(&expected, &got, &count);
        print_unified(report, &expected, &got, ops, count, expected_name);
        if (result) {
            /* Row 0 is the header; row k is result line k - 1. */
            for (size_t k = 0; k < count; k++) {
                if (ops[k].kind != DIFF_ADD || ops[k].b == 0)
                    continue;
                const tally_line *line = tally_result_line_at(result, ops[k].b - 1);
                if (!line)
                    continue;
                buf_printf(report, "explanation of got line %zu (%s):\n", ops[k].b,
                           got.items[ops[k].b]);
                add_indented(report, tally_line_explanation(line), "    ");
            }
        }
        free(ops);
    }
    lines_free(&expected);
    lines_free(&got);
    return same;
}

enum { RESULT_PASS, RESULT_FAIL, RESULT_WROTE };

/* Runs a case and prints its verdict (unless @p quiet) and, on failure, why. */
static int
check_case(const char *cases_dir, const char *name, int write, int quiet)
{
    char *dir = path_join(cases_dir, name);
    if (!is_dir(dir)) {
        if (!quiet)
            printf("FAIL %s\n  no such case directory: %s\n", name, dir);
        free(dir);
        return RESULT_FAIL;
    }
    char *error_path = path_join(dir, "expected-error.txt");
    char *csv_path = path_join(dir, "expected.csv");
    outcome o;
    run_case(dir, &o);
    buf report = {0};
    int verdict = RESULT_FAIL;
    buf expected = {0};

    if (is_file(error_path)) {
        if (read_all(error_path, &expected) != 0) {
            buf_printf(&report, "  expected-error.txt: cannot read: %s\n", strerror(errno));
        } else if (o.ok) {
            buf_printf(&report, "  expected the run to fail, but it produced %zu lines:\n",
                       tally_result_line_count(o.result));
            add_indented(&report, o.csv.data, "    ");
        } else if (compare_text(&report, expected.data, o.errors.data, "expected-error.txt",
                                NULL)) {
            verdict = RESULT_PASS;
        }
    } else if (is_file(csv_path)) {
        if (read_all(csv_path, &expected) != 0) {
            buf_printf(&report, "  expected.csv: cannot read: %s\n", strerror(errno));
        } else if (!o.ok) {
            buf_str(&report, "  the run failed:\n");
            add_indented(&report, o.errors.data, "    ");
        } else if (compare_text(&report, expected.data, o.csv.data, "expected.csv", o.result)) {
            verdict = RESULT_PASS;
        }
        /* Optional: the recovery of clawbacks, which line amounts do not show. */
        char *recovery_path = path_join(dir, "expected-recovery.csv");
        if (o.ok && is_file(recovery_path)) {
            buf want = {0}, got = {0};
            if (read_all(recovery_path, &want) != 0) {
                buf_printf(&report, "  expected-recovery.csv: cannot read: %s\n",
                           strerror(errno));
                verdict = RESULT_FAIL;
            } else {
                recovery_csv(&got, o.result);
                if (!compare_text(&report, want.data, got.data, "expected-recovery.csv",
                                  o.result))
                    verdict = RESULT_FAIL;
            }
            buf_free(&want);
            buf_free(&got);
        }
        free(recovery_path);
    } else if (write && o.ok) {
        /* "x": never overwrite, even if the file appeared meanwhile. */
        FILE *f = fopen(csv_path, "wx");
        if (!f) {
            buf_printf(&report, "  cannot create expected.csv: %s\n", strerror(errno));
        } else {
            size_t done = fwrite(o.csv.data, 1, o.csv.len, f);
            if (fclose(f) != 0 || done != o.csv.len)
                buf_printf(&report, "  cannot write expected.csv: %s\n", strerror(errno));
            else
                verdict = RESULT_WROTE;
        }
    } else {
        buf_str(&report, "  the case has neither expected.csv nor expected-error.txt\n");
        if (o.ok) {
            buf_str(&report, "  it produced (check by hand; --write saves it as expected.csv):\n");
            add_indented(&report, o.csv.data, "    ");
        } else {
            buf_str(&report, "  the run failed:\n");
            add_indented(&report, o.errors.data, "    ");
        }
    }

    if (quiet)
        ;
    else if (verdict == RESULT_PASS)
        printf("PASS %s\n", name);
    else if (verdict == RESULT_WROTE)
        printf("WROTE %s: expected.csv created from the output; verify it by hand\n", name);
    else
        printf("FAIL %s\n%s", name, report.data ? report.data : "");
    buf_free(&expected);
    buf_free(&report);
    outcome_free(&o);
    free(error_path);
    free(csv_path);
    free(dir);
    return verdict;
}

/* ---- known failures ---- */

typedef struct known {
    char *name, *reason;
} known;

static known *
read_known_failures(const char *cases_dir, size_t *count)
{
    *count = 0;
    char *path = path_join(cases_dir, "KNOWN-FAILURES");
    buf text;
    int status = read_all(path, &text);
    free(path);
    if (status != 0)
        return NULL;
    lines l;
    lines_split(&l, text.data);
    buf_free(&text);
    known *list = calloc(l.count + 1, sizeof(*list));
    if (!list)
        die_nomem();
    for (size_t i = 0; i < l.count; i++) {
        char *line = trim(l.items[i]);
        if (*line == '\0' || *line == '#')
            continue;
        char *hash = strchr(line, '#');
        const char *reason = "";
        if (hash) {
            *hash = '\0';
            reason = trim(hash + 1);
        }
        list[*count].name = dup_str(trim(line));
        list[*count].reason = dup_str(*reason ? reason : "listed in KNOWN-FAILURES");
        (*count)++;
    }
    lines_free(&l);
    return list;
}

static const known *
find_known(const known *list, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(list[i].name, name) == 0)
            return &list[i];
    return NULL;
}

/* ---- main ---- */

static int
compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
usage(void)
{
    fputs("usage: golden-runner [--write] [--flags N] [--canonical DIR] CASES_DIR [CASE...]\n"
          "       golden-runner --digests FILE CASES_DIR\n",
          stderr);
}

/* One `case flags sha256` line of a --digests file: 1 when the digest matches. */
static int
check_digest(const char *cases_dir, char *line, size_t number)
{
    char name[256], want[TALLY_RESULT_DIGEST_HEX_SIZE], got[TALLY_RESULT_DIGEST_HEX_SIZE];
    unsigned flags;
    if (sscanf(line, "%255s %u %64s", name, &flags, want) != 3) {
        printf("FAIL digests:%zu: expected `case flags sha256`\n", number);
        return 0;
    }
    extra_flags = flags;
    char *dir = path_join(cases_dir, name);
    outcome o;
    run_case(dir, &o);
    free(dir);
    int same = o.ok && tally_result_digest_hex(got, sizeof(got), o.result) == TALLY_OK &&
               strcmp(got, want) == 0;
    if (same)
        printf("PASS %s flags=%u\n", name, flags);
    else if (o.ok)
        printf("FAIL %s flags=%u: digest %s, pinned %s\n", name, flags, got, want);
    else
        printf("FAIL %s flags=%u: the run failed:\n%s", name, flags, o.errors.data);
    outcome_free(&o);
    return same;
}

static int
check_digests(const char *cases_dir, const char *path)
{
    buf text;
    if (read_all(path, &text) != 0) {
        fprintf(stderr, "golden-runner: cannot read %s: %s\n", path, strerror(errno));
        return 1;
    }
    lines l;
    lines_split(&l, text.data);
    buf_free(&text);
    size_t passed = 0, failed = 0;
    for (size_t i = 0; i < l.count; i++) {
        char *line = trim(l.items[i]);
        if (*line == '\0' || *line == '#')
            continue;
        if (check_digest(cases_dir, line, i + 1))
            passed++;
        else
            failed++;
    }
    lines_free(&l);
    printf("digests: %zu passed, %zu failed\n", passed, failed);
    return failed > 0 || passed == 0 ? 1 : 0;
}

int
main(int argc, char **argv)
{
    int write = 0, arg = 1;
    const char *digests = NULL;
    for (; arg < argc && strncmp(argv[arg], "--", 2) == 0; arg++) {
        if (strcmp(argv[arg], "--write") == 0) {
            write = 1;
        } else if (strcmp(argv[arg], "--flags") == 0 && arg + 1 < argc) {
            extra_flags = (unsigned)strtoul(argv[++arg], NULL, 0);
        } else if (strcmp(argv[arg], "--canonical") == 0 && arg + 1 < argc) {
            canonical_dir = argv[++arg];
        } else if (strcmp(argv[arg], "--digests") == 0 && arg + 1 < argc) {
            digests = argv[++arg];
        } else if (strcmp(argv[arg], "--") == 0) {
            arg++;
            break;
        } else {
            usage();
            return 2;
        }
    }
    if (arg >= argc) {
        usage();
        return 2;
    }
    const char *cases_dir = argv[arg++];
    if (digests)
        return check_digests(cases_dir, digests);

    char **names = NULL;
    size_t count = 0;
    if (arg < argc) {
        count = (size_t)(argc - arg);
        names = malloc(count * sizeof(*names));
        if (!names)
            die_nomem();
        for (size_t i = 0; i < count; i++)
            names[i] = dup_str(argv[arg + (int)i]);
    } else {
        DIR *d = opendir(cases_dir);
        if (!d) {
            fprintf(stderr, "golden-runner: cannot open %s: %s\n", cases_dir, strerror(errno));
            return 1;
        }
        size_t cap = 0;
        struct dirent *entry;
        while ((entry = readdir(d)) != NULL) {
            if (entry->d_name[0] == '.')
                continue;
            char *path = path_join(cases_dir, entry->d_name);
            int dir = is_dir(path);
            free(path);
            if (!dir)
                continue;
            if (count == cap) {
                cap = cap ? cap * 2 : 32;
                char **grown = realloc(names, cap * sizeof(*grown));
                if (!grown)
                    die_nomem();
                names = grown;
            }
            names[count++] = dup_str(entry->d_name);
        }
        closedir(d);
        if (count > 1)
            qsort(names, count, sizeof(*names), compare_names);
    }

    size_t known_count = 0;
    known *known_list = read_known_failures(cases_dir, &known_count);

    size_t passed = 0, failed = 0, skipped = 0, written = 0;
    for (size_t i = 0; i < count; i++) {
        const known *k = find_known(known_list, known_count, names[i]);
        if (k) {
            /* Still run it, so that a fixed engine is noticed. */
            int now = check_case(cases_dir, names[i], 0, 1);
            printf("SKIP %s: %s%s\n", names[i], k->reason,
                   now == RESULT_PASS ? " (it passes now: remove it from KNOWN-FAILURES)" : "");
            skipped++;
            continue;
        }
        int verdict = check_case(cases_dir, names[i], write, 0);
        if (verdict == RESULT_PASS)
            passed++;
        else if (verdict == RESULT_WROTE)
            written++;
        else
            failed++;
        fflush(stdout);
    }

    printf("golden: %zu passed, %zu failed", passed, failed);
    if (skipped)
        printf(", %zu skipped", skipped);
    if (written)
        printf(", %zu written", written);
    printf("\n");
    if (count == 0)
        printf("golden: no case found in %s\n", cases_dir);

    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
    for (size_t i = 0; i < known_count; i++) {
        free(known_list[i].name);
        free(known_list[i].reason);
    }
    free(known_list);
    return failed > 0 || count == 0 ? 1 : 0;
}
