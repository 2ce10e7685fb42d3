/*
 * Decimal numbers as text: the strict parser and the canonical formatter.
 *
 * The parser first checks the whole syntax, then builds the value, so a malformed
 * number is always reported as a syntax error whatever its size.
 */
#include <string.h>

#include "core/context.h"
#include "core/decimal.h"
#include "core/quote.h"

/* Exponents are clamped here while reading: far beyond any representable scale. */
#define EXPONENT_CLAMP 100000

/* Where the parts of a syntactically valid number are. */
typedef struct number_shape {
    int negative;
    const char *integer_digits;
    size_t integer_length;
    const char *fraction_digits;
    size_t fraction_length;
    long exponent;
} number_shape;

typedef struct parse_state {
    tally_ctx *ctx;
    const char *text;
    size_t length;
    size_t pos;
} parse_state;

static int
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int
syntax_error(const parse_state *state, const char *expected)
{
    char quoted[64];
    tally__quote(quoted, sizeof(quoted), state->text, state->length);
    if (state->pos >= state->length)
        return tally_ctx__error(state->ctx, TALLY_ERR_SYNTAX,
                                "invalid number %s: %s at the end", quoted, expected);
    char found[16];
    tally__quote(found, sizeof(found), state->text + state->pos, 1);
    return tally_ctx__error(state->ctx, TALLY_ERR_SYNTAX,
                            "invalid number %s: %s at character %zu, found %s", quoted,
                            expected, state->pos + 1, found);
}

static size_t
skip_digits(parse_state *state)
{
    size_t start = state->pos;
    while (state->pos < state->length && is_digit(state->text[state->pos]))
        state->pos++;
    return state->pos - start;
}

static int
accept(parse_state *state, char c)
{
    if (state->pos < state->length && state->text[state->pos] == c) {
        state->pos++;
        return 1;
    }
    return 0;
}

static int
read_exponent(parse_state *state, number_shape *shape)
{
    int negative = accept(state, '-');
    if (!negative)
        accept(state, '+');
    const char *digits = state->text + state->pos;
    size_t count = skip_digits(state);
    if (count == 0)
        return syntax_error(state, "expected exponent digits");
    long value = 0;
    for (size_t i = 0; i < count; i++) {
        if (value < EXPONENT_CLAMP)
            value = value * 10 + (digits[i] - '0');
    }
    shape->exponent = negative ? -value : value;
    return TALLY_OK;
}

/* [+-] digits [. digits] [(e|E) [+-] digits], at least one mantissa digit. */
static int
read_shape(parse_state *state, number_shape *shape)
{
    memset(shape, 0, sizeof(*shape));
    if (state->length == 0)
        return syntax_error(state, "expected a digit");
    shape->negative = accept(state, '-');
    if (!shape->negative)
        accept(state, '+');
    shape->integer_digits = state->text + state->pos;
    shape->integer_length = skip_digits(state);
    if (accept(state, '.')) {
        shape->fraction_digits = state->text + state->pos;
        shape->fraction_length = skip_digits(state);
    }
    if (shape->integer_length + shape->fraction_length == 0)
        return syntax_error(state, "expected a digit");
    if (accept(state, 'e') || accept(state, 'E')) {
        int status = read_exponent(state, shape);
        if (status != TALLY_OK)
            return status;
    }
    if (state->pos != state->length)
        return syntax_error(state, "expected a digit, '.' or an exponent");
    return TALLY_OK;
}

/* Adds digits to the coefficient, skipping leading zeros; counts significant ones. */
static void
accumulate(tally_u128 *coefficient, size_t *significant, const char *digits, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        int digit = digits[i] - '0';
        if (*significant == 0 && digit == 0)
            continue;
        if (++*significant <= TALLY_DECIMAL_MAX_DIGITS)
            *coefficient = *coefficient * 10 + (tally_u128)digit;
    }
}

/* Reports a number that is well-formed but does not fit. */
static int
size_error(const parse_state *state, int code, const char *what, long long count, int limit)
{
    char quoted[64];
    tally__quote(quoted, sizeof(quoted), state->text, state->length);
    return tally_ctx__error(state->ctx, code, "number %s has %lld %s; at most %d are supported",
                            quoted, count, what, limit);
}

static int
build_value(parse_state *state, const number_shape *shape, tally_decimal *out)
{
    long long scale = (long long)shape->fraction_length - shape->exponent;
    if (scale > TALLY_DECIMAL_MAX_SCALE)
        return size_error(state, TALLY_ERR_RANGE, "fraction digits", scale,
                          TALLY_DECIMAL_MAX_SCALE);
    tally_u128 coefficient = 0;
    size_t significant = 0;
    accumulate(&coefficient, &significant, shape->integer_digits, shape->integer_length);
    accumulate(&coefficient, &significant, shape->fraction_digits, shape->fraction_length);
    /* A positive exponent beyond the written fraction appends zeros to the coefficient. */
    long long appended = scale < 0 ? -scale : 0;
    long long digits = significant ? (long long)significant + appended : 0;
    if (digits > TALLY_DECIMAL_MAX_DIGITS)
        return size_error(state, TALLY_ERR_OVERFLOW, "significant digits", digits,
                          TALLY_DECIMAL_MAX_DIGITS);
    if (significant)
        coefficient *= tally_pow10((int)appended);
    tally_dec value = {coefficient, scale < 0 ? 0 : (int)scale, shape->negative};
    tally_dec__store(out, value);
    return TALLY_OK;
}

int
tally_decimal_parse_n(tally_ctx *ctx, tally_decimal *out, const char *text, size_t length)
{
    tally_ctx__begin(ctx);
    if (!out || !text)
        return tally_ctx__error(ctx, TALLY_ERR_INVALID_ARGUMENT,
                                "tally_decimal_parse: out and text must not be NULL");
    parse_state state = {ctx, text, length, 0};
    number_shape shape;
    int status = read_shape(&state, &shape);
    if (status != TALLY_OK)
        return status;
    return build_value(&state, &shape, out);
}

int
tally_decimal_parse(tally_ctx *ctx, tally_decimal *out, const char *text)
{
    return tally_decimal_parse_n(ctx, out, text, text ? strlen(text) : 0);
}

/* Writes the decimal digits of magnitude, most significant first; returns the count. */
static int
write_digits(char *out, tally_u128 magnitude)
{
    char reversed[40];
    int count = 0;
    /* 128-bit division is slow: peel off 19 digits at a time, then go 64-bit. */
    while (magnitude > UINT64_MAX) {
        uint64_t low = (uint64_t)(magnitude % tally_pow10(19));
        magnitude /= tally_pow10(19);
        for (int i = 0; i < 19; i++, low /= 10)
            reversed[count++] = (char)('0' + (int)(low % 10));
    }
    uint64_t rest = (uint64_t)magnitude;
    do {
        reversed[count++] = (char)('0' + (int)(rest % 10));
        rest /= 10;
    } while (rest);
    for (int i = 0; i < count; i++)
        out[i] = reversed[count - 1 - i];
    return count;
}

/* Two digits per division: results and explanations write millions of amounts. */
static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324252627282930"
                                  "31323334353637383940414243444546474849505152535455565758596061"
                                  "62636465666768697071727374757677787980818283848586878889909192"
                                  "93949596979899";

size_t
tally_dec__format_u64(char *out, uint64_t magnitude, unsigned scale, int negative)
{
    /* Digits from the right end of `digits`. */
    char digits[TALLY_DECIMAL_MAX_SCALE + 24];
    char *end = digits + sizeof(digits), *first = end;
    while (magnitude >= 100) {
        first -= 2;
        memcpy(first, digit_pairs + 2 * (magnitude % 100), 2);
        magnitude /= 100;
    }
    if (magnitude >= 10) {
        first -= 2;
        memcpy(first, digit_pairs + 2 * magnitude, 2);
    } else {
        *--first = (char)('0' + (int)magnitude);
    }
    /* At least one digit stands before the point. */
    while ((size_t)(end - first) <= scale)
        *--first = '0';
    size_t count = (size_t)(end - first), integer = count - scale;
    char *p = out;
    if (negative)
        *p++ = '-';
    memcpy(p, first, integer);
    p += integer;
    if (scale) {
        *p++ = '.';
        memcpy(p, first + integer, scale);
        p += scale;
    }
    return (size_t)(p - out);
}

int
tally_decimal_format(char *out, size_t out_size, const tally_decimal *value)
{
    tally_dec x;
    if (out && out_size)
        out[0] = '\0';
    if (!out || !value || !tally_dec__load(&x, value))
        return TALLY_ERR_INVALID_ARGUMENT;
    if (x.magnitude <= UINT64_MAX) {
        char text[TALLY_DECIMAL_STRING_MAX];
        char *to = out_size >= sizeof(text) ? out : text; /* else: see if it fits first */
        size_t length = tally_dec__format_u64(to, (uint64_t)x.magnitude, (unsigned)x.scale,
                                              x.negative);
        if (length + 1 > out_size)
            return TALLY_ERR_BUFFER_TOO_SMALL;
        if (to != out)
            memcpy(out, text, length);
        out[length] = '\0';
        return TALLY_OK;
    }
    /* Left-pad the digits with zeros so at least one stands before the point. */
    char padded[TALLY_DECIMAL_MAX_SCALE + 1 + TALLY_DECIMAL_MAX_DIGITS];
    int count = write_digits(padded + TALLY_DECIMAL_MAX_SCALE + 1, x.magnitude);
    int padding = count <= x.scale ? x.scale + 1 - count : 0;
    char *digits = padded + TALLY_DECIMAL_MAX_SCALE + 1 - padding;
    memset(digits, '0', (size_t)padding);
    int total = count + padding;
    int integer_count = total - x.scale;
    size_t needed = (size_t)x.negative + (size_t)total + (x.scale > 0) + 1u;
    if (out_size < needed)
        return TALLY_ERR_BUFFER_TOO_SMALL;
    char *p = out;
    if (x.negative)
        *p++ = '-';
    memcpy(p, digits, (size_t)integer_count);
    p += integer_count;
    if (x.scale > 0) {
        *p++ = '.';
        memcpy(p, digits + integer_count, (size_t)x.scale);
        p += x.scale;
    }
    *p = '\0';
    return TALLY_OK;
}
