/*
 * Decimal throughput: parse, add, multiply+round and format on one deterministic
 * data set. Prints `op<TAB>ops_per_second<TAB>checksum` lines for
 * bench/decimal_bench.py, which times Python's decimal on the same data (written
 * with --dump) and prints the ratios. Timing uses doubles: this is a benchmark
 * program, not the library.
 */
/* clock_gettime and CLOCK_MONOTONIC are POSIX, outside strict C11. */
#define _POSIX_C_SOURCE 200809L

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
    snprintf(out, TEXT_MAX, "%s%llu.%s", sign, (unsigned long long)(integer % limit),
             fraction_text);
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
    data->amounts = calloc(count, sizeof(*data->amounts));
    data->rates = calloc(count, sizeof(*data->rates));
    if (!data->amount_text || !data->rate_text || !data->amounts || !data->rates)
        return 0;
    uint64_t state = 20261122;
    for (size_t i = 0; i < count; i++) {
        make_amount(data->amount_text[i], &state);
        make_rate(data->rate_text[i], &state);
        if (tally_decimal_parse(NULL, &data->amounts[i], data->amount_text[i]) != TALLY_OK ||
            tally_decimal_parse(NULL, &data->rates[i], data->rate_text[i]) != TALLY_OK)
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
    return checksum * 31 + value->coefficient_lo + (uint64_t)value->scale;
}

typedef uint64_t (*pass_fn)(const data_set *data);

static uint64_t
parse_pass(const data_set *data)
{
    uint64_t checksum = 0;
    for (size_t i = 0; i < data->count; i++) {
        tally_decimal value;
        const char *text = data->amount_text[i];
        tally_decimal_parse_n(NULL, &value, text, strlen(text));
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
        checksum = checksum * 31 + (uint64_t)text[0] + strlen(text);
    }
    return checksum;
}

/* Repeats whole passes until min_seconds have elapsed; returns operations/second. */
static double
measure(pass_fn pass, const data_set *data, double min_seconds, uint64_t *checksum)
{
    size_t passes = 0;
    double start = now_seconds(), elapsed;
    do {
        *checksum ^= pass(data);
        passes++;
        elapsed = now_seconds() - start;
    } while (elapsed < min_seconds);
    return (double)(passes * data->count) / elapsed;
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

static void
print_results(const data_set *data, size_t count)
{
    char text[TALLY_DECIMAL_STRING_MAX];
    for (size_t i = 0; i < count && i < data->count; i++) {
        tally_decimal payout;
        tally_decimal_mul_round(&payout, &data->amounts[i], &data->rates[i], 2,
                                TALLY_ROUND_HALF_EVEN);
        tally_decimal_format(text, sizeof(text), &payout);
        printf("result\t%s\n", text);
    }
}

int
main(int argc, char **argv)
{
    size_t count = 100000, print_count = 0;
    double min_seconds = 0.3;
    const char *dump_path = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--count") == 0)
            count = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--min-seconds") == 0)
            min_seconds = strtod(argv[i + 1], NULL);
        else if (strcmp(argv[i], "--dump") == 0)
            dump_path = argv[i + 1];
        else if (strcmp(argv[i], "--print-results") == 0)
            print_count = strtoul(argv[i + 1], NULL, 10);
    }
    data_set data;
    if (count == 0 || !build_data(&data, count)) {
        fprintf(stderr, "decimal-bench: cannot build %zu values\n", count);
        return 1;
    }
    if (dump_path && !dump(&data, dump_path)) {
        fprintf(stderr, "decimal-bench: cannot write %s\n", dump_path);
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
        double rate = measure(ops[i].pass, &data, min_seconds, &checksum);
        printf("%s\t%.0f\t%llu\n", ops[i].name, rate, (unsigned long long)checksum);
    }
    print_results(&data, print_count);
    free(data.amount_text);
    free(data.rate_text);
    free(data.amounts);
    free(data.rates);
    return 0;
}
