/*
 * Line-oriented driver of the public decimal API for the Python reference tests
 * (decimal_differential.py, dectest_runner.py). Each input line is
 *
 *     op <TAB> a <TAB> b <TAB> scale <TAB> mode
 *
 * (unused fields may be empty) and produces one output line: the canonical result,
 * "-1"/"0"/"1" for cmp, or "!" and an error name. Operands are read with
 * tally_decimal_parse, so every line also exercises the parser.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tally/tally.h>

#define MAX_FIELDS 5

static const char *
error_name(int status)
{
    switch (status) {
    case TALLY_ERR_SYNTAX:
        return "!SYNTAX";
    case TALLY_ERR_OVERFLOW:
        return "!OVERFLOW";
    case TALLY_ERR_RANGE:
        return "!RANGE";
    case TALLY_ERR_DIVISION_BY_ZERO:
        return "!DIV0";
    case TALLY_ERR_INVALID_ARGUMENT:
        return "!INVALID";
    default:
        return "!OTHER";
    }
}

static int
split_fields(char *line, char *fields[MAX_FIELDS])
{
    int count = 0;
    char *cursor = line;
    while (count < MAX_FIELDS) {
        fields[count++] = cursor;
        char *tab = strchr(cursor, '\t');
        if (!tab)
            break;
        *tab = '\0';
        cursor = tab + 1;
    }
    static char empty[] = "";
    for (int i = count; i < MAX_FIELDS; i++)
        fields[i] = empty;
    return count;
}

static int
run_line(char *fields[MAX_FIELDS], char *out, size_t out_size)
{
    const char *op = fields[0];
    tally_decimal a, b, result;
    int status = tally_decimal_parse(NULL, &a, fields[1]);
    if (status != TALLY_OK || strcmp(op, "parse") == 0)
        return status == TALLY_OK ? tally_decimal_format(out, out_size, &a) : status;
    int unary = strcmp(op, "neg") == 0 || strcmp(op, "abs") == 0 || strcmp(op, "round") == 0;
    if (!unary && (status = tally_decimal_parse(NULL, &b, fields[2])) != TALLY_OK)
        return status;
    int scale = atoi(fields[3]);
    tally_rounding mode = TALLY_ROUND_HALF_EVEN;
    if (fields[4][0] && tally_rounding_parse(NULL, &mode, fields[4]) != TALLY_OK)
        return TALLY_ERR_INVALID_ARGUMENT;
    if (strcmp(op, "cmp") == 0) {
        int order;
        status = tally_decimal_compare(&order, &a, &b);
        snprintf(out, out_size, "%d", order);
        return status;
    }
    if (strcmp(op, "add") == 0)
        status = tally_decimal_add(&result, &a, &b);
    else if (strcmp(op, "sub") == 0)
        status = tally_decimal_sub(&result, &a, &b);
    else if (strcmp(op, "mul") == 0)
        status = tally_decimal_mul(&result, &a, &b);
    else if (strcmp(op, "mulr") == 0)
        status = tally_decimal_mul_round(&result, &a, &b, scale, mode);
    else if (strcmp(op, "div") == 0)
        status = tally_decimal_div(&result, &a, &b, scale, mode);
    else if (strcmp(op, "round") == 0)
        status = tally_decimal_round(&result, &a, scale, mode);
    else if (strcmp(op, "neg") == 0)
        status = tally_decimal_negate(&result, &a);
    else if (strcmp(op, "abs") == 0)
        status = tally_decimal_abs(&result, &a);
    else
        return TALLY_ERR_INVALID_ARGUMENT;
    return status == TALLY_OK ? tally_decimal_format(out, out_size, &result) : status;
}

int
main(void)
{
    char line[4096];
    while (fgets(line, sizeof(line), stdin)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *fields[MAX_FIELDS];
        split_fields(line, fields);
        char result[TALLY_DECIMAL_STRING_MAX];
        int status = run_line(fields, result, sizeof(result));
        fputs(status == TALLY_OK ? result : error_name(status), stdout);
        fputc('\n', stdout);
    }
    return ferror(stdout) ? 1 : 0;
}
