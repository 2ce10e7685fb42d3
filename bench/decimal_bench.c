/*
 * Decimal throughput: parse, add, multiply+round and format on one deterministic
 * data set. Prints `op<TAB>ops_per_second<TAB>checksum` lines for
 * bench/decimal_bench.py, which times Python's decimal on the same data (written
 * with --dump) and prints the ratios. Timing uses doubles: this is a benchmark
 * program, not the library.
 *
 * Usage: decimal-bench [--count N] [--min-seconds S] [--dump FILE]
 *                      [--print-results K]
 * --print-results prints `result<TAB>payout<TAB>amount` for the first K rows (the
 * half-even cent payout and the amount formatted back) and `total<TAB>sum` of all
 * amounts, for the driver's agreement check.
 */
/* clock_gettime and CLOCK_MONOTONIC are POSIX, outside strict C11. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tally/tally.h>

#define TEXT_MAX 32

typedef struct data_set {
    size_t count;
    char (*amount_text)[TEXT_MAX];
    char (*rate_text)[TEXT_MAX];
    size_t *amount_length; /* callers of parse_n know their field lengths */
    tally_decimal *amounts;
    tally_decimal *rates;
} data_set;

/* splitmix64: a tiny, well-known deterministic generator. */
static uint64_t
next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Amounts like 12345.67, -0.05, 123456789012.345678; rates like 0.0325. */
static void
make_amount(char *out, uint64_t *state)
{
    uint64_t r = next_random(state);
    int fraction_digits = 2 + (int)(r % 5);            /* 2 ... 6 */
    int integer_digits = 1 + (int)((r >> 8) % 12);     /* 1 ... 12 */
    const char *sign = (r >> 16) % 10 == 0 ? "-" : ""; /* ~10 % returns */
    uint64_t integer = next_random(state) % 1000000000000ull;
    uint64_t limit = 1;
    for (int i = 0; i < integer_digits; i++)
        limit *= 10;
    uint64_t fraction = next_random(state) % 1000000ull;
    char fraction_text[8];
    snprintf(fraction_text, sizeof(fraction_text), "%06llu", (unsigned long long)fraction);
    fraction_text[fraction_digits] = '\0';
    integer %= limit;
    /* No "-0.00": tally's zero has no sign but Python's does, so keep the data unambiguous. */
    if (integer == 0 && strspn(fraction_text, "0") == (size_t)fraction_digits)
        sign = "";
    snprintf(out, TEXT_MAX, "%s%llu.%s", sign, (unsigned long long)integer, fraction_text);
}

static void
make_rate(char *out, uint64_t *state)
{
    uint64_t r = next_random(state);
    snprintf(out, TEXT_MAX, "0.%04llu", (unsigned long long)(r % 10000));
}

static int
build_data(data_set *data, size_t count)
{
    data->count = count;
    data->amount_text = calloc(count, sizeof(*data->amount_text));
    data->rate_text = calloc(count, sizeof(*data->rate_text));
    data->amount_length = calloc(count, sizeof(*data->amount_length));
    data->amounts = calloc(count, sizeof(*data->amounts));
    data->rates = calloc(count, sizeof(*data->rates));
    if (!data->amount_text || !data->rate_text || !data->amount_length || !data->amounts ||
        !data->rates)
        return 0;
    uint64_t state = 20261122;
    for (size_t i = 0; i < count; i++) {
        make_amount(data->amount_text[i], &state);
        make_rate(data->rate_text[i], &state);
        data->amount_length[i] = strlen(data->amount_text[i]);
        if (tally_decimal_parse(NULL, &data->amounts[i], data->amount_text[i]) != TALLY_OK ||
            tally_decimal_parse(NULL, &data->rates[i], data->rate_text[i]) != TALLY_OK)
            return 0;
    }
    return 1;
}

static void
free_data(data_set *data)
{
    free(data->amount_text);
    free(data->rate_text);
    free(data->amount_length);
    free(data->amounts);
    free(data->rates);
}

/*
 * The timed loops ignore status codes to stay lean, so prove once that every call
 * succeeds: otherwise a benchmark could silently time an error path.
 */
static int
check_data(const data_set *data)
{
    tally_decimal sum = {0, 0, 0, 0};
    char text[TALLY_DECIMAL_STRING_MAX];
    for (size_t i = 0; i < data->count; i++) {
        tally_decimal value, payout;
        if (tally_decimal_parse_n(NULL, &value, data->amount_text[i],
                                  data->amount_length[i]) != TALLY_OK ||
            tally_decimal_add(&sum, &sum, &data->amounts[i]) != TALLY_OK ||
            tally_decimal_mul_round(&payout, &data->amounts[i], &data->rates[i], 2,
                                    TALLY_ROUND_HALF_EVEN) != TALLY_OK ||
            tally_decimal_format(text, sizeof(text), &data->amounts[i]) != TALLY_OK)
            return 0;
    }
    return 1;
}

static double
now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Folds a decimal into the checksum so the work cannot be optimized away. */
static uint64_t
fold(uint64_t checksum, const tally_decimal *value)
{
    checksum = checksum * 31 + value->coefficient_lo;
    checksum = checksum * 31 + value->coefficient_hi;
    return checksum * 31 + (uint64_t)value->scale * 2 + (uint64_t)value->negative;
}

typedef uint64_t (*pass_fn)(const data_set *data);

static uint64_t
parse_pass(const data_set *data)
{
    uint64_t checksum = 0;
    for (size_t i = 0; i < data->count; i++) {
        tally_decimal value;
        tally_decimal_parse_n(NULL, &value, data->amount_text[i], data->amount_length[i]);
        checksum = fold(checksum, &value);
    }
    return checksum;
}

static uint64_t
add_pass(const data_set *data)
{
    tally_decimal sum = {0, 0, 0, 0};
    for (size_t i = 0; i < data->count; i++)
        tally_decimal_add(&sum, &sum, &data->amounts[i]);
    return fold(0, &sum);
}

static uint64_t
mul_round_pass(const data_set *data)
{
    uint64_t checksum = 0;
    for (size_t i = 0; i < data->count; i++) {
        tally_decimal payout;
        tally_decimal_mul_round(&payout, &data->amounts[i], &data->rates[i], 2,
                                TALLY_ROUND_HALF_EVEN);
        checksum = fold(checksum, &payout);
    }
    return checksum;
}

static uint64_t
format_pass(const data_set *data)
{
    uint64_t checksum = 0;
    char text[TALLY_DECIMAL_STRING_MAX];
    for (size_t i = 0; i < data->count; i++) {
        tally_decimal_format(text, sizeof(text), &data->amounts[i]);
        /* First and last character depend on the whole conversion. */
        size_t length = strlen(text);
        checksum = checksum * 31 + length;
        checksum = checksum * 31 + (unsigned char)text[0] + (unsigned char)text[length - 1];
    }
    return checksum;
}

/*
 * Repeats whole passes until min_seconds have elapsed; returns operations/second.
 * Every pass must give the same checksum: that uses each result (so nothing can be
 * optimized away) and makes the printed checksum comparable across runs. Returns
 * a negative rate when a pass disagrees.
 */
static double
measure(pass_fn pass, const data_set *data, double min_seconds, uint64_t *checksum)
{
    size_t passes = 0, disagreements = 0;
    double start = now_seconds(), elapsed;
    do {
        uint64_t result = pass(data);
        if (passes == 0)
            *checksum = result;
        disagreements += result != *checksum;
        passes++;
        elapsed = now_seconds() - start;
    } while (elapsed < min_seconds);
    return disagreements ? -1.0 : (double)passes * (double)data->count / elapsed;
}

static int
dump(const data_set *data, const char *path)
{
    FILE *file = fopen(path, "w");
    if (!file)
        return 0;
    for (size_t i = 0; i < data->count; i++)
        fprintf(file, "%s\t%s\n", data->amount_text[i], data->rate_text[i]);
    return fclose(file) == 0;
}

/* Results for the driver to compare with Python's decimal (check_data proved they succeed). */
static void
print_results(const data_set *data, size_t count)
{
    char payout_text[TALLY_DECIMAL_STRING_MAX], amount_text[TALLY_DECIMAL_STRING_MAX];
    for (size_t i = 0; i < count && i < data->count; i++) {
        tally_decimal payout;
        tally_decimal_mul_round(&payout, &data->amounts[i], &data->rates[i], 2,
                                TALLY_ROUND_HALF_EVEN);
        tally_decimal_format(payout_text, sizeof(payout_text), &payout);
        tally_decimal_format(amount_text, sizeof(amount_text), &data->amounts[i]);
        printf("result\t%s\t%s\n", payout_text, amount_text);
    }
    if (count == 0)
        return;
    tally_decimal sum = {0, 0, 0, 0};
    for (size_t i = 0; i < data->count; i++)
        tally_decimal_add(&sum, &sum, &data->amounts[i]);
    tally_decimal_format(amount_text, sizeof(amount_text), &sum);
    printf("total\t%s\n", amount_text);
}

typedef struct options {
    size_t count;
    size_t print_count;
    double min_seconds;
    const char *dump_path;
} options;

static int
parse_size(const char *text, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || value > SIZE_MAX)
        return 0;
    *out = (size_t)value;
    return 1;
}

static int
parse_seconds(const char *text, double *out)
{
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !(value >= 0.0))
        return 0;
    *out = value;
    return 1;
}

/* Every option takes a value; anything unknown or malformed is a usage error. */
static int
parse_options(int argc, char **argv, options *opts)
{
    for (int i = 1; i < argc; i += 2) {
        const char *name = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        int ok = value != NULL;
        if (ok && strcmp(name, "--count") == 0)
            ok = parse_size(value, &opts->count) && opts->count > 0;
        else if (ok && strcmp(name, "--min-seconds") == 0)
            ok = parse_seconds(value, &opts->min_seconds);
        else if (ok && strcmp(name, "--dump") == 0)
            opts->dump_path = value;
        else if (ok && strcmp(name, "--print-results") == 0)
            ok = parse_size(value, &opts->print_count);
        else
            ok = 0;
        if (!ok) {
            fprintf(stderr, "decimal-bench: bad option %s%s%s\n"
                            "usage: decimal-bench [--count N] [--min-seconds S] "
                            "[--dump FILE] [--print-results K]\n",
                    name, value ? " " : "", value ? value : "");
            return 0;
        }
    }
    return 1;
}

int
main(int argc, char **argv)
{
    options opts = {100000, 0, 0.3, NULL};
    if (!parse_options(argc, argv, &opts))
        return 2;
    data_set data;
    if (!build_data(&data, opts.count) || !check_data(&data)) {
        fprintf(stderr, "decimal-bench: cannot build or check %zu values\n", opts.count);
        free_data(&data);
        return 1;
    }
    if (opts.dump_path && !dump(&data, opts.dump_path)) {
        fprintf(stderr, "decimal-bench: cannot write %s\n", opts.dump_path);
        free_data(&data);
        return 1;
    }
    static const struct {
        const char *name;
        pass_fn pass;
    } ops[] = {{"parse", parse_pass},
               {"add", add_pass},
               {"mul_round", mul_round_pass},
               {"format", format_pass}};
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        uint64_t checksum = 0;
        double rate = measure(ops[i].pass, &data, opts.min_seconds, &checksum);
        if (rate < 0) {
            fprintf(stderr, "decimal-bench: %s gave different results on repeated passes\n",
                    ops[i].name);
            free_data(&data);
            return 1;
        }
        printf("%s\t%.0f\t%llu\n", ops[i].name, rate, (unsigned long long)checksum);
    }
    print_results(&data, opts.print_count);
    free_data(&data);
    return 0;
}
