/*
 * A small JSON reader for the files tally itself writes (a bundle's
 * manifest.json): RFC 8259 values into a tree of nodes. Numbers are kept as their
 * text (tally writes amounts as strings and counts as integers, never anything a
 * binary double would round). \u escapes become UTF-8, surrogate pairs included.
 * Nesting is limited to 64 levels; errors give the byte offset.
 */
#include <stdlib.h>
#include <string.h>

#include "tally.h"

#define MAX_DEPTH 64

typedef struct parser {
    const char *text;
    size_t size, at;
    char *error;
    size_t error_size;
    int failed;
} parser;

static void
fail(parser *p, const char *what)
{
    if (!p->failed)
        snprintf(p->error, p->error_size, "%s at byte %zu", what, p->at + 1);
    p->failed = 1;
}

static void
skip_space(parser *p)
{
    while (p->at < p->size && (p->text[p->at] == ' ' || p->text[p->at] == '\t' ||
                               p->text[p->at] == '\n' || p->text[p->at] == '\r'))
        p->at++;
}

static tool_json *
node(parser *p, tool_json_type type)
{
    tool_json *value = calloc(1, sizeof(*value));
    if (!value)
        fail(p, "out of memory");
    else
        value->type = type;
    return value;
}

/* Appends @p item (and @p key for objects) to @p container. */
static int
append(parser *p, tool_json *container, char *key, tool_json *item)
{
    if (container->count % 8 == 0) {
        size_t room = container->count + 8;
        tool_json **items = realloc(container->items, room * sizeof(*items));
        if (items)
            container->items = items;
        char **keys = items ? realloc(container->keys, room * sizeof(*keys)) : NULL;
        if (keys)
            container->keys = keys;
        if (!items || !keys) {
            fail(p, "out of memory");
            return -1;
        }
    }
    container->items[container->count] = item;
    container->keys[container->count] = key;
    container->count++;
    return 0;
}

static void
put_utf8(char *out, size_t *length, unsigned long code)
{
    if (code < 0x80) {
        out[(*length)++] = (char)code;
    } else if (code < 0x800) {
        out[(*length)++] = (char)(0xc0 | (code >> 6));
        out[(*length)++] = (char)(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
        out[(*length)++] = (char)(0xe0 | (code >> 12));
        out[(*length)++] = (char)(0x80 | ((code >> 6) & 0x3f));
        out[(*length)++] = (char)(0x80 | (code & 0x3f));
    } else {
        out[(*length)++] = (char)(0xf0 | (code >> 18));
        out[(*length)++] = (char)(0x80 | ((code >> 12) & 0x3f));
        out[(*length)++] = (char)(0x80 | ((code >> 6) & 0x3f));
        out[(*length)++] = (char)(0x80 | (code & 0x3f));
    }
}

static int
hex4(parser *p, unsigned long *out)
{
    unsigned long value = 0;
    if (p->at + 4 > p->size) {
        fail(p, "a \\u escape needs four hexadecimal digits");
        return -1;
    }
    for (int i = 0; i < 4; i++) {
        char c = p->text[p->at++];
        int digit = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
        if (digit < 0) {
            fail(p, "a \\u escape needs four hexadecimal digits");
            return -1;
        }
        value = value * 16 + (unsigned long)digit;
    }
    *out = value;
    return 0;
}

/* A string at p->at (its opening quote); malloc'ed, NUL-terminated. */
static char *
string(parser *p)
{
    size_t start = ++p->at, length = 0;
    /* Escapes only shrink the text, so its raw length is room enough. */
    size_t end = start;
    while (end < p->size && p->text[end] != '"')
        end += p->text[end] == '\\' ? 2 : 1;
    if (end >= p->size) {
        fail(p, "a string is not closed");
        return NULL;
    }
    char *out = malloc(end - start + 1);
    if (!out) {
        fail(p, "out of memory");
        return NULL;
    }
    while (p->text[p->at] != '"') {
        unsigned char c = (unsigned char)p->text[p->at];
        if (c < 0x20) {
            fail(p, "a control character in a string");
            free(out);
            return NULL;
        }
        if (c != '\\') {
            out[length++] = (char)c;
            p->at++;
            continue;
        }
        char escape = p->text[p->at + 1];
        p->at += 2;
        const char *simple = strchr("\"\\/bfnrt", escape);
        if (escape && simple) {
            static const char replacement[] = "\"\\/\b\f\n\r\t";
            out[length++] = replacement[simple - "\"\\/bfnrt"];
            continue;
        }
        unsigned long code, low;
        if (escape != 'u' || hex4(p, &code) != 0) {
            fail(p, "a bad escape in a string");
            free(out);
            return NULL;
        }
        if (code >= 0xd800 && code < 0xdc00) {
            if (p->at + 2 > p->size || p->text[p->at] != '\\' || p->text[p->at + 1] != 'u') {
                fail(p, "a lone surrogate in a string");
                free(out);
                return NULL;
            }
            p->at += 2;
            if (hex4(p, &low) != 0 || low < 0xdc00 || low >= 0xe000) {
                fail(p, "a lone surrogate in a string");
                free(out);
                return NULL;
            }
            code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        }
        put_utf8(out, &length, code);
    }
    p->at++; /* the closing quote */
    out[length] = '\0';
    return out;
}

static tool_json *value(parser *p, int depth);

static tool_json *
container(parser *p, int depth, int object)
{
    tool_json *result = node(p, object ? TOOL_JSON_OBJECT : TOOL_JSON_ARRAY);
    char close = object ? '}' : ']';

    if (!result)
        return NULL;
    p->at++;
    skip_space(p);
    if (p->at < p->size && p->text[p->at] == close) {
        p->at++;
        return result;
    }
    for (;;) {
        char *key = NULL;
        skip_space(p);
        if (object) {
            if (p->at >= p->size || p->text[p->at] != '"') {
                fail(p, "expected a member name in quotes");
                break;
            }
            if (!(key = string(p)))
                break;
            skip_space(p);
            if (p->at >= p->size || p->text[p->at] != ':') {
                fail(p, "expected ':' after a member name");
                free(key);
                break;
            }
            p->at++;
        }
        tool_json *item = value(p, depth + 1);
        if (!item || append(p, result, key, item) != 0) {
            free(key);
            tool_json_free(item);
            break;
        }
        skip_space(p);
        if (p->at < p->size && p->text[p->at] == ',') {
            p->at++;
            continue;
        }
        if (p->at < p->size && p->text[p->at] == close) {
            p->at++;
            return result;
        }
        fail(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
        break;
    }
    tool_json_free(result);
    return NULL;
}

static int
literal(parser *p, const char *word)
{
    size_t length = strlen(word);
    if (p->size - p->at < length || memcmp(p->text + p->at, word, length) != 0)
        return 0;
    p->at += length;
    return 1;
}

static tool_json *
number(parser *p)
{
    size_t start = p->at;
    if (p->text[p->at] == '-')
        p->at++;
    size_t digits = p->at;
    while (p->at < p->size && strchr("0123456789", p->text[p->at]) && p->text[p->at])
        p->at++;
    if (p->at == digits) {
        fail(p, "expected a value");
        return NULL;
    }
    while (p->at < p->size && p->text[p->at] && strchr("0123456789.eE+-", p->text[p->at]))
        p->at++;
    tool_json *result = node(p, TOOL_JSON_NUMBER);
    if (!result)
        return NULL;
    result->text = malloc(p->at - start + 1);
    if (!result->text) {
        free(result);
        fail(p, "out of memory");
        return NULL;
    }
    memcpy(result->text, p->text + start, p->at - start);
    result->text[p->at - start] = '\0';
    return result;
}

static tool_json *
value(parser *p, int depth)
{
    tool_json *result;

    if (depth > MAX_DEPTH) {
        fail(p, "nested too deeply");
        return NULL;
    }
    skip_space(p);
    if (p->at >= p->size) {
        fail(p, "unexpected end of the text");
        return NULL;
    }
    switch (p->text[p->at]) {
    case '{':
        return container(p, depth, 1);
    case '[':
        return container(p, depth, 0);
    case '"':
        result = node(p, TOOL_JSON_STRING);
        if (result && !(result->text = string(p))) {
            free(result);
            return NULL;
        }
        return result;
    default:
        break;
    }
    if (literal(p, "true") || literal(p, "false")) {
        result = node(p, TOOL_JSON_BOOL);
        if (result)
            result->boolean = p->text[p->at - 1] == 'e' && p->text[p->at - 2] == 'u';
        return result;
    }
    if (literal(p, "null"))
        return node(p, TOOL_JSON_NULL);
    return number(p);
}

tool_json *
tool_json_parse(const char *text, size_t size, char *error, size_t error_size)
{
    parser p = {text, size, 0, error, error_size, 0};
    tool_json *result = value(&p, 0);
    if (result) {
        skip_space(&p);
        if (p.at != p.size) {
            fail(&p, "text after the value");
            tool_json_free(result);
            result = NULL;
        }
    }
    return result;
}

void
tool_json_free(tool_json *value)
{
    if (!value)
        return;
    for (size_t i = 0; i < value->count; i++) {
        tool_json_free(value->items[i]);
        if (value->keys)
            free(value->keys[i]);
    }
    free(value->items);
    free(value->keys);
    free(value->text);
    free(value);
}

const tool_json *
tool_json_member(const tool_json *object, const char *name)
{
    if (!object || object->type != TOOL_JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < object->count; i++)
        if (strcmp(object->keys[i], name) == 0)
            return object->items[i];
    return NULL;
}

const char *
tool_json_text(const tool_json *object, const char *name)
{
    const tool_json *member = tool_json_member(object, name);
    return member && member->type == TOOL_JSON_STRING ? member->text : NULL;
}
