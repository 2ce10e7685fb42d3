/*
 * Attribute and element values: decimals, dates, integers, booleans and
 * enumerations, as the schema spells them; and the rules every amount, rate and
 * cap of a plan obeys whatever component it belongs to.
 */
#include <stdio.h>
#include <string.h>

#include "core/quote.h"
#include "plan/builder.h"

/* Room for a quoted value in a message. */
#define QUOTED_SIZE 64

static void
quote(char out[QUOTED_SIZE], const char *text)
{
    tally__quote(out, QUOTED_SIZE, text, strlen(text));
}

/* ---- decimals ---- */

int
tally_build__decimal(tally_builder *builder, const xmlNode *node, const char *what,
                     const char *text, tally_decimal *out)
{
    size_t length = 0;
    const char *value = tally_build__trim(text, &length);
    if (tally_decimal_parse_n(NULL, out, value, length) == TALLY_OK)
        return 1;
    char shown[QUOTED_SIZE];
    quote(shown, text);
    tally_build__unexpected(builder, node, "%s %s is not a decimal number", what, shown);
    return 0;
}

int
tally_build__decimal_attribute(tally_builder *builder, const xmlNode *node, const char *name,
                               tally_decimal *out)
{
    const char *text = tally_build__attribute(builder, node, name);
    return text && tally_build__decimal(builder, node, name, text, out);
}

int
tally_build__decimal_element(tally_builder *builder, const xmlNode *node, tally_decimal *out,
                             int *stored)
{
    *stored = 0;
    char *text = tally_build__text(builder, node);
    if (!text)
        return TALLY_ERR_NOMEM;
    char what[80];
    snprintf(what, sizeof(what), "<%s>", tally_build__name(node));
    *stored = tally_build__decimal(builder, node, what, text, out);
    tally_ctx__free(builder->ctx, text);
    return TALLY_OK;
}

void
tally_build__decimal_text(char out[TALLY_DECIMAL_STRING_MAX], const tally_decimal *value)
{
    if (tally_decimal_format(out, TALLY_DECIMAL_STRING_MAX, value) != TALLY_OK)
        strcpy(out, "?");
}

int
tally_build__compare(const tally_decimal *a, const tally_decimal *b)
{
    int order = 0;
    tally_decimal_compare(&order, a, b);
    return order;
}

/* ---- dates ---- */

static int
has_date_shape(const char *text)
{
    if (strlen(text) != 10 || text[4] != '-' || text[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++) {
        if (i != 4 && i != 7 && (text[i] < '0' || text[i] > '9'))
            return 0;
    }
    return 1;
}

int
tally_build__date_attribute(tally_builder *builder, const xmlNode *node, const char *name,
                            tally_day *out)
{
    const char *text = tally_build__required(builder, node, name);
    if (!text)
        return 0;
    if (tally_date__parse(out, text, strlen(text)))
        return 1;
    char shown[QUOTED_SIZE];
    quote(shown, text);
    if (!has_date_shape(text)) {
        tally_build__unexpected(builder, node, "%s %s is not a YYYY-MM-DD date", name, shown);
        return 0;
    }
    tally_build__error(builder, node,
                       "invalid date %s in %s: there is no such day in the calendar "
                       "(years 0001 to 9999)",
                       shown, name);
    return 0;
}

/* ---- integers, booleans, enumerations ---- */

static int
is_xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* xs:integer text after whitespace collapsing: optional "+", digits. */
static int
parse_count(const char *text, long limit, long *out, int *too_large)
{
    while (is_xml_space(*text))
        text++;
    if (*text == '+')
        text++;
    long value = 0;
    int digits = 0;
    *too_large = 0;
    for (; *text >= '0' && *text <= '9'; text++, digits++) {
        if (*too_large || value > (limit - (*text - '0')) / 10 ||
            value * 10 + (*text - '0') > limit)
            *too_large = 1;
        else
            value = value * 10 + (*text - '0');
    }
    while (is_xml_space(*text))
        text++;
    *out = value;
    return digits > 0 && *text == '\0';
}

int
tally_build__int_attribute(tally_builder *builder, const xmlNode *node, const char *name,
                           long min, long max, long fallback, long *out)
{
    const char *text = tally_build__attribute(builder, node, name);
    long value = 0;
    int too_large = 0;
    char shown[QUOTED_SIZE];
    *out = fallback;
    if (!text)
        return 1;
    quote(shown, text);
    if (!parse_count(text, max, &value, &too_large)) {
        tally_build__unexpected(builder, node, "%s %s is not a whole number", name, shown);
        return 0;
    }
    if (too_large || value < min) {
        tally_build__error(builder, node, "%s must be a whole number from %ld to %ld (found %s)",
                           name, min, max, shown);
        return 0;
    }
    *out = value;
    return 1;
}

static int
text_is(const char *text, size_t length, const char *word)
{
    return strlen(word) == length && memcmp(text, word, length) == 0;
}

int
tally_build__bool_attribute(tally_builder *builder, const xmlNode *node, const char *name,
                            int fallback, int *out)
{
    const char *text = tally_build__attribute(builder, node, name);
    *out = fallback;
    if (!text)
        return 1;
    const char *end = text + strlen(text);
    while (is_xml_space(*text))
        text++;
    while (end > text && is_xml_space(end[-1]))
        end--;
    size_t length = (size_t)(end - text);
    if (text_is(text, length, "true") || text_is(text, length, "1")) {
        *out = 1;
        return 1;
    }
    if (text_is(text, length, "false") || text_is(text, length, "0")) {
        *out = 0;
        return 1;
    }
    tally_build__unexpected(builder, node, "%s is not true or false", name);
    return 0;
}

int
tally_build__enum_attribute(tally_builder *builder, const xmlNode *node, const char *name,
                            const char *const *names, int count, int fallback, int *out)
{
    const char *text = tally_build__attribute(builder, node, name);
    *out = fallback;
    if (!text)
        return 1;
    for (int i = 0; i < count; i++) {
        if (strcmp(text, names[i]) == 0) {
            *out = i;
            return 1;
        }
    }
    char shown[QUOTED_SIZE];
    quote(shown, text);
    tally_build__unexpected(builder, node, "%s %s is not one of the allowed values", name,
                            shown);
    return 0;
}

int
tally_build__period_attribute(tally_builder *builder, const xmlNode *node, const char *name,
                              tally_period_kind *out)
{
    const char *text = tally_build__attribute(builder, node, name);
    if (!text)
        return 0;
    if (tally_period__kind_parse(out, text))
        return 1;
    char shown[QUOTED_SIZE];
    quote(shown, text);
    tally_build__unexpected(builder, node, "%s %s is not a period", name, shown);
    return 0;
}

/* ---- rules for amounts, rates and caps ---- */

int
tally_build__require_not_negative(tally_builder *builder, const xmlNode *node,
                                  const char *what, const tally_decimal *value)
{
    if (tally_decimal_sign(value) >= 0)
        return 1;
    char shown[TALLY_DECIMAL_STRING_MAX];
    tally_build__decimal_text(shown, value);
    tally_build__error(builder, node, "%s must not be negative (found %s)", what, shown);
    return 0;
}

int
tally_build__require_rate(tally_builder *builder, const xmlNode *node, const char *what,
                          const tally_decimal *value)
{
    static const tally_decimal one = {1, 0, 0, 0};
    if (!tally_build__require_not_negative(builder, node, what, value))
        return 0;
    if (tally_build__compare(value, &one) <= 0)
        return 1;
    char shown[TALLY_DECIMAL_STRING_MAX];
    tally_build__decimal_text(shown, value);
    tally_build__error(builder, node,
                       "%s %s is more than 1: rates are fractions of the amount "
                       "(0.02 is 2 %%)",
                       what, shown);
    return 0;
}

int
tally_build__require_useful_cap(tally_builder *builder, const xmlNode *node,
                                const tally_decimal *value)
{
    if (tally_decimal_sign(value) != 0)
        return tally_build__require_not_negative(builder, node, "a cap", value);
    tally_build__error(builder, node, "a cap of 0 pays nothing; remove the component or the cap");
    return 0;
}
