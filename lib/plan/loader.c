/*
 * The plan loader: plans are untrusted input. A document is read with a size
 * limit, its bytes are checked (UTF-8, no NUL, no other declared encoding), it is
 * parsed by libxml2 with everything that reaches outside the document off (no
 * DTD, no entities, no network, no XInclude) and with depth and attribute-length
 * limits, validated against the embedded schema, and handed to the builder.
 *
 * libxml2 reports through handlers set on this load's own parser and schema
 * contexts, never through the process-wide handlers: a host application (lxml in
 * the Python binding, another library) shares libxml2 and its handlers with us.
 */
#define _POSIX_C_SOURCE 200809L /* strerror_r (XSI) */

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlschemastypes.h>

#include "core/context.h"
#include "core/quote.h"
#include "plan/build.h"
#include "plan/schema.h"
#include "tally/plan.h"

/* Without XML_PARSE_HUGE libxml2 refuses deeper documents itself (xmlParserMaxDepth). */
#define LIBXML2_MAX_DEPTH 256u
/*
 * Longest attribute value. Identifiers are at most 64 characters (256 bytes of
 * UTF-8), decimals and dates shorter; only display names are free text. A limit
 * of our own gives a clear error for a huge value the schema would accept (a name
 * is any xs:string).
 */
#define MAX_ATTRIBUTE_BYTES 4096u
/* libxml2 takes the document length as an int. */
#define LIBXML2_MAX_BYTES ((size_t)INT_MAX)
/* The first reads of a file: most plans fit, larger ones grow the buffer. */
#define FIRST_READ_BYTES ((size_t)64 * 1024)
/* Longest piece of a libxml2 message kept in an error record. */
#define MESSAGE_MAX 400
/* Element paths in error records are cut by the context at this size anyway. */
#define PATH_MAX_TEXT 256

/* The plan namespace, as libxml2's schema messages write it: dropped from them. */
static const char plan_namespace_braced[] = "{urn:tally:plan:1}";

/*
 * What the parser must not do, as a reminder of why the flags are what they are:
 * XML_PARSE_NOENT, _DTDLOAD, _DTDATTR, _DTDVALID, _XINCLUDE and _HUGE are never
 * set. The ones we do set:
 *   NONET       nothing may ever be fetched over the network;
 *   IGNORE_ENC  the encoding declaration was checked before parsing (only UTF-8
 *               is accepted), so the parser never switches decoders mid-document;
 *   BIG_LINES   correct line numbers past 65535 in error records.
 */
#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_IGNORE_ENC | XML_PARSE_BIG_LINES)

typedef struct load_limits {
    size_t max_bytes;
    unsigned max_depth;
} load_limits;

/* A place in the document: a byte offset, and the line and column it is at. */
typedef struct text_cursor {
    size_t offset;
    unsigned long line;
    unsigned long column;
} text_cursor;

/* One load: where errors go and what has gone wrong so far. */
typedef struct load_state {
    tally_ctx *ctx;
    const char *source;
    const char *data; /* the document, to locate what the parser reports late */
    size_t size;
    unsigned max_depth;
    unsigned depth;   /* elements open while parsing */
    int doctype_seen; /* report a DOCTYPE once, however many handlers see it */
    int status;       /* TALLY_OK until the first failure */
    tally_plan_positions positions; /* where each element starts */
    text_cursor last_start;         /* the "<" of the element located last */
    size_t unsearched;              /* tags start at or after this offset */
} load_state;

/* ---- reporting ---- */

/* The first failure decides the status, except running out of memory, which wins. */
static void
note_failure(load_state *state, int code)
{
    if (state->status == TALLY_OK || code == TALLY_ERR_NOMEM)
        state->status = code;
}

/* The element a libxml2 error concerns; attributes and text report their element. */
static const xmlNode *
nearest_element(const xmlNode *node)
{
    for (; node; node = node->parent) {
        if (node->type == XML_ELEMENT_NODE)
            return node;
        if (node->type == XML_DOCUMENT_NODE)
            return NULL;
    }
    return NULL;
}

static void __attribute__((format(printf, 6, 7)))
report(load_state *state, int code, long line, long column, const xmlNode *node,
       const char *format, ...)
{
    char path[PATH_MAX_TEXT] = "";
    const xmlNode *element = nearest_element(node);
    if (element)
        tally_plan__node_path(path, sizeof(path), element);
    tally_location where = {state->source, line > 0 ? (unsigned long)line : 0,
                            column > 0 ? (unsigned long)column : 0,
                            path[0] ? path : NULL};
    va_list args;
    va_start(args, format);
    tally_ctx__verror_at(state->ctx, code, &where, format, args);
    va_end(args);
    note_failure(state, code);
}

/* Bytes in the UTF-8 sequence a lead byte starts; 1 for anything else. */
static size_t
sequence_length(unsigned char lead)
{
    if (lead >= 0xF0 && lead <= 0xF7)
        return 4;
    if (lead >= 0xE0)
        return lead <= 0xEF ? 3 : 1;
    return lead >= 0xC0 ? 2 : 1;
}

/*
 * A libxml2 message made fit for an error record: one line, the plan namespace
 * dropped ("Element 'rebate'" instead of "Element '{urn:tally:plan:1}rebate'"),
 * cut on a character boundary with "..." when it is long (messages quote user
 * text, which may be huge).
 */
static void
tidy_message(char *out, size_t size, const char *message)
{
    const size_t namespace_length = sizeof(plan_namespace_braced) - 1;
    const char *p = message ? message : "no message";
    size_t used = 0;
    int cut = 0;
    while (*p) {
        if (strncmp(p, plan_namespace_braced, namespace_length) == 0) {
            p += namespace_length;
            continue;
        }
        size_t length = sequence_length((unsigned char)*p);
        if (used + length + sizeof("...") > size) {
            cut = 1;
            break;
        }
        for (size_t i = 0; i < length && p[i]; i++) {
            unsigned char c = (unsigned char)p[i];
            out[used++] = c < 0x20 || c == 0x7F ? ' ' : (char)c;
        }
        p += strnlen(p, length);
    }
    while (used > 0 && out[used - 1] == ' ')
        used--;
    out[used] = '\0';
    if (cut)
        memcpy(out + used, "...", sizeof("..."));
}

/* ---- options ---- */

/* Fields of the first version; a caller's struct must hold at least these. */
#define OPTIONS_V1_SIZE (offsetof(tally_plan_load_options, max_depth) + sizeof(unsigned))

/* A newer caller may pass a larger struct; the fields we do not know must be zero. */
static int
unknown_tail_is_zero(const tally_plan_load_options *options)
{
    const unsigned char *bytes = (const unsigned char *)options;
    for (size_t i = sizeof(*options); i < options->size; i++) {
        if (bytes[i] != 0)
            return 0;
    }
    return 1;
}

static int
read_options(tally_ctx *ctx, const tally_plan_load_options *options, load_limits *out)
{
    tally_plan_load_options known;
    memset(&known, 0, sizeof(known));
    if (options) {
        if (options->size < OPTIONS_V1_SIZE)
            return tally_ctx__error(ctx, TALLY_ERR_INVALID_ARGUMENT,
                                    "tally_plan_load_options.size is %zu: set it to "
                                    "sizeof(tally_plan_load_options)",
                                    options->size);
        if (!unknown_tail_is_zero(options))
            return tally_ctx__error(ctx, TALLY_ERR_INVALID_ARGUMENT,
                                    "tally_plan_load_options has fields this version of "
                                    "tally does not know (size %zu, known %zu): they must "
                                    "be zero",
                                    options->size, sizeof(known));
        memcpy(&known, options, options->size < sizeof(known) ? options->size : sizeof(known));
    }
    out->max_bytes = known.max_bytes ? known.max_bytes : TALLY_PLAN_DEFAULT_MAX_BYTES;
    if (out->max_bytes > LIBXML2_MAX_BYTES)
        out->max_bytes = LIBXML2_MAX_BYTES;
    out->max_depth = known.max_depth ? known.max_depth : TALLY_PLAN_DEFAULT_MAX_DEPTH;
    if (out->max_depth > LIBXML2_MAX_DEPTH)
        out->max_depth = LIBXML2_MAX_DEPTH;
    return TALLY_OK;
}

/* ---- checking the bytes before parsing ---- */

static const unsigned char utf8_bom[3] = {0xEF, 0xBB, 0xBF};

static size_t
bom_length(const unsigned char *data, size_t size)
{
    return size >= 3 && memcmp(data, utf8_bom, 3) == 0 ? 3 : 0;
}

/* The first character of the document: a leading byte order mark is not one. */
static text_cursor
document_start(const unsigned char *data, size_t size)
{
    text_cursor start = {bom_length(data, size), 1, 1};
    return start;
}

/*
 * Moves the cursor forward to `offset`, counting like libxml2 counts: lines end
 * at "\n", columns count characters from 1.
 */
static void
advance(text_cursor *cursor, const unsigned char *data, size_t offset)
{
    for (size_t i = cursor->offset; i < offset; i++) {
        if (data[i] == '\n') {
            cursor->line++;
            cursor->column = 1;
        } else if ((data[i] & 0xC0) != 0x80) {
            cursor->column++;
        }
    }
    if (offset > cursor->offset)
        cursor->offset = offset;
}

/* Line and column of a byte. */
static void
locate(const unsigned char *data, size_t size, size_t offset, long *line, long *column)
{
    text_cursor cursor = document_start(data, size);
    advance(&cursor, data, offset);
    *line = (long)cursor.line;
    *column = (long)cursor.column;
}

/*
 * Length of the valid UTF-8 sequence at data[0], or 0 with the reason in *why.
 * Rejects what RFC 3629 rejects: overlong forms, surrogates, code points past
 * U+10FFFF, stray continuation bytes and cut sequences.
 */
static size_t
utf8_valid_length(const unsigned char *data, size_t available, const char **why)
{
    unsigned char lead = data[0];
    if (lead < 0x80)
        return 1;
    if (lead < 0xC0) {
        *why = "a continuation byte without a lead byte";
        return 0;
    }
    if (lead < 0xC2 || lead > 0xF4) {
        *why = lead < 0xC2   ? "an overlong encoding"
               : lead < 0xF8 ? "a code point beyond U+10FFFF"
                             : "a byte that never occurs in UTF-8";
        return 0;
    }
    size_t length = sequence_length(lead);
    for (size_t i = 1; i < length; i++) {
        if (i >= available || (data[i] & 0xC0) != 0x80) {
            *why = "an incomplete sequence";
            return 0;
        }
    }
    unsigned char second = data[1];
    if ((lead == 0xE0 && second < 0xA0) || (lead == 0xF0 && second < 0x90)) {
        *why = "an overlong encoding";
        return 0;
    }
    if (lead == 0xED && second > 0x9F) {
        *why = "a UTF-16 surrogate";
        return 0;
    }
    if (lead == 0xF4 && second > 0x8F) {
        *why = "a code point beyond U+10FFFF";
        return 0;
    }
    return length;
}

/* Plans are UTF-8 text: reject anything else with the place of the first bad byte. */
static int
check_bytes(load_state *state, const unsigned char *data, size_t size)
{
    for (size_t i = bom_length(data, size); i < size;) {
        const char *why = NULL;
        size_t length = data[i] ? utf8_valid_length(data + i, size - i, &why) : 0;
        if (length) {
            i += length;
            continue;
        }
        long line, column;
        locate(data, size, i, &line, &column);
        if (!data[i])
            report(state, TALLY_ERR_PLAN, line, column, NULL,
                   "XML syntax: NUL byte, not allowed in XML text");
        else
            report(state, TALLY_ERR_PLAN, line, column, NULL,
                   "invalid UTF-8: %s (byte 0x%02X); plans must be UTF-8", why, data[i]);
        return state->status;
    }
    return TALLY_OK;
}

static int
is_xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
equals_ignoring_case(const char *text, size_t length, const char *lower)
{
    size_t i = 0;
    for (; i < length && lower[i]; i++) {
        char c = text[i] >= 'A' && text[i] <= 'Z' ? (char)(text[i] - 'A' + 'a') : text[i];
        if (c != lower[i])
            return 0;
    }
    return i == length && !lower[i];
}

/* Start of `word` in [from, to), or NULL. */
static const char *
find(const char *from, const char *to, const char *word)
{
    size_t length = strlen(word);
    for (const char *p = from; p + length <= to; p++) {
        if (memcmp(p, word, length) == 0)
            return p;
    }
    return NULL;
}

/* Skips blanks, not past `end`. */
static const char *
skip_spaces(const char *p, const char *end)
{
    while (p < end && is_xml_space(*p))
        p++;
    return p;
}

/*
 * The encoding name of the XML declaration (`length` bytes), or NULL when there
 * is none or the declaration is malformed (the parser reports that).
 */
static const char *
declared_encoding(const char *data, size_t size, size_t *length)
{
    const char *end = data + size;
    const char *start = data + bom_length((const unsigned char *)data, size);
    if (end - start < 6 || memcmp(start, "<?xml", 5) != 0 || !is_xml_space(start[5]))
        return NULL;
    const char *declaration_end = find(start, end, "?>");
    const char *p = declaration_end ? find(start, declaration_end, "encoding") : NULL;
    if (!p || !is_xml_space(p[-1]))
        return NULL;
    p = skip_spaces(p + strlen("encoding"), declaration_end);
    if (p == declaration_end || *p != '=')
        return NULL;
    p = skip_spaces(p + 1, declaration_end);
    if (p == declaration_end || (*p != '"' && *p != '\''))
        return NULL;
    const char *name = p + 1;
    const char *name_end = name;
    while (name_end < declaration_end && *name_end != *p)
        name_end++;
    if (name_end == declaration_end)
        return NULL;
    *length = (size_t)(name_end - name);
    return name;
}

static int
is_ascii_name(const char *name, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        if ((unsigned char)name[i] >= 0x80 || is_xml_space(name[i]))
            return 0;
    }
    return length > 0;
}

/*
 * Plans are UTF-8. A declaration naming another encoding is refused here,
 * clearly, instead of letting the parser decode the rest differently (it is told
 * to ignore the declaration).
 */
static int
check_declared_encoding(load_state *state, const char *data, size_t size)
{
    size_t length = 0;
    const char *name = declared_encoding(data, size, &length);
    if (!name || !is_ascii_name(name, length) || equals_ignoring_case(name, length, "utf-8") ||
        equals_ignoring_case(name, length, "utf8"))
        return TALLY_OK;
    long line, column;
    locate((const unsigned char *)data, size, (size_t)(name - data), &line, &column);
    report(state, TALLY_ERR_PLAN, line, column, NULL,
           "XML syntax: the document declares encoding \"%.*s\": plans must be UTF-8 "
           "(declare encoding=\"UTF-8\" or leave the encoding out)",
           length > 40 ? 40 : (int)length, name);
    return state->status;
}

/* ---- libxml2, once per process ---- */

static pthread_once_t libxml2_once = PTHREAD_ONCE_INIT;

/*
 * libxml2 needs xmlInitParser before use from several threads, and
 * xmlSchemaInitTypes (its built-in schema types, not thread-safe in 2.9) before
 * schemas are parsed concurrently. A host such as lxml shares the library and may
 * have initialized it already: both calls are then no-ops. We never call
 * xmlCleanupParser, which would pull the library from under the host.
 */
static void
initialize_libxml2(void)
{
    xmlInitParser();
    xmlSchemaInitTypes();
}

/* ---- parsing ---- */

static load_state *
state_of(void *parser_context)
{
    return ((xmlParserCtxtPtr)parser_context)->_private;
}

static void
on_parser_error(void *parser_context, xmlErrorPtr error)
{
    xmlParserCtxtPtr parser = parser_context;
    if (error->level == XML_ERR_WARNING)
        return; /* a warning does not make a plan invalid */
    char text[MESSAGE_MAX];
    tidy_message(text, sizeof(text), error->message);
    int code = error->code == XML_ERR_NO_MEMORY ? TALLY_ERR_NOMEM : TALLY_ERR_PLAN;
    const char *what = error->domain == XML_FROM_NAMESPACE ? "XML namespaces" : "XML syntax";
    report(state_of(parser), code, error->line, error->int2, parser->node, "%s: %s", what,
           text);
}

/*
 * Where "<!DOCTYPE" starts: it can only follow the prolog's blanks, comments and
 * processing instructions. SIZE_MAX when it is not found there.
 */
static size_t
find_doctype(const char *data, size_t size)
{
    const char *end = data + size;
    const char *p = data + bom_length((const unsigned char *)data, size);
    for (;;) {
        while (p < end && is_xml_space(*p))
            p++;
        const char *closing = NULL;
        if (end - p >= 4 && memcmp(p, "<!--", 4) == 0)
            closing = find(p + 4, end, "-->");
        else if (end - p >= 2 && memcmp(p, "<?", 2) == 0)
            closing = find(p + 2, end, "?>");
        else
            break;
        if (!closing)
            return SIZE_MAX;
        p = closing + (closing[0] == '-' ? 3 : 2);
    }
    return end - p >= 9 && memcmp(p, "<!DOCTYPE", 9) == 0 ? (size_t)(p - data) : SIZE_MAX;
}

/* Any DOCTYPE may declare entities or pull in a DTD: refused before either happens. */
static void
reject_doctype(void *parser_context)
{
    xmlParserCtxtPtr parser = parser_context;
    load_state *state = state_of(parser);
    if (!state->doctype_seen) {
        state->doctype_seen = 1;
        /* The parser is at the end of the DOCTYPE's head: report where it starts. */
        long line = xmlSAX2GetLineNumber(parser), column = 0;
        size_t start = find_doctype(state->data, state->size);
        if (start != SIZE_MAX)
            locate((const unsigned char *)state->data, state->size, start, &line, &column);
        report(state, TALLY_ERR_PLAN, line, column, NULL,
               "DOCTYPE declarations are not allowed in plans");
    }
    xmlStopParser(parser);
}

static void
on_doctype(void *parser_context, const xmlChar *name, const xmlChar *external_id,
           const xmlChar *system_id)
{
    (void)name;
    (void)external_id;
    (void)system_id;
    reject_doctype(parser_context);
}

static void
on_entity_declaration(void *parser_context, const xmlChar *name, int type,
                      const xmlChar *public_id, const xmlChar *system_id, xmlChar *content)
{
    (void)name;
    (void)type;
    (void)public_id;
    (void)system_id;
    (void)content;
    reject_doctype(parser_context);
}

/* ---- where elements start ---- */

/* 1 when the element's qualified name is written at `at` (bounded by the document). */
static int
name_written_at(const load_state *state, size_t at, const xmlChar *prefix,
                const xmlChar *local_name)
{
    const char *parts[3] = {(const char *)prefix, prefix ? ":" : NULL,
                            (const char *)local_name};
    for (int i = 0; i < 3; i++) {
        if (!parts[i])
            continue;
        size_t length = strlen(parts[i]);
        if (length > state->size - at || memcmp(state->data + at, parts[i], length) != 0)
            return 0;
        at += length;
    }
    return 1;
}

/*
 * Offset of the "<" of the start tag the parser has just read, or SIZE_MAX. At
 * startElementNs libxml2 stands on the tag's closing ">" or "/>"; attribute
 * values cannot hold a literal "<", so the nearest one before is the tag's own.
 * The name after it must be the element's, or the place is not trusted.
 */
static size_t
tag_start(const load_state *state, xmlParserCtxtPtr parser, const xmlChar *prefix,
          const xmlChar *local_name)
{
    long consumed = xmlByteConsumed(parser);
    if (parser->inputNr != 1 || consumed <= 0 || (size_t)consumed > state->size)
        return SIZE_MAX;
    for (size_t i = (size_t)consumed; i > state->unsearched;) {
        if (state->data[--i] == '<')
            return name_written_at(state, i + 1, prefix, local_name) ? i : SIZE_MAX;
    }
    return SIZE_MAX;
}

static int
grow_positions(load_state *state)
{
    tally_plan_positions *table = &state->positions;
    size_t capacity = table->capacity ? table->capacity * 2 : 64;
    tally_plan_position *items =
        tally_ctx__realloc(state->ctx, table->items, capacity * sizeof(*items));
    if (!items)
        return TALLY_ERR_NOMEM;
    table->items = items;
    table->capacity = capacity;
    return TALLY_OK;
}

/*
 * Records where `node`, the element just created, starts. Elements come in
 * document order, so the cursor only moves forward: locating all of them reads
 * the document once.
 */
static int
record_start(load_state *state, xmlParserCtxtPtr parser, xmlNode *node,
             const xmlChar *prefix, const xmlChar *local_name)
{
    size_t at = tag_start(state, parser, prefix, local_name);
    if (at == SIZE_MAX)
        return TALLY_OK; /* its errors fall back to libxml2's line */
    tally_plan_positions *table = &state->positions;
    if (table->count == table->capacity && grow_positions(state) != TALLY_OK) {
        report(state, TALLY_ERR_NOMEM, 0, 0, NULL, "out of memory reading the document");
        xmlStopParser(parser);
        return TALLY_ERR_NOMEM;
    }
    advance(&state->last_start, (const unsigned char *)state->data, at);
    state->unsearched = at + 1;
    tally_plan_position start = {state->last_start.line, state->last_start.column};
    table->items[table->count++] = start;
    node->_private = (void *)(uintptr_t)table->count;
    return TALLY_OK;
}

/* ---- limits ---- */

/* The limits checked as each element opens, so a hostile document stops early. */
static void
check_element_limits(xmlParserCtxtPtr parser, int attribute_count, const xmlChar **attributes)
{
    load_state *state = state_of(parser);
    tally_plan_position start = tally_plan__element_start(parser->node);
    if (state->depth > state->max_depth) {
        report(state, TALLY_ERR_LIMIT, (long)start.line, (long)start.column, parser->node,
               "elements are nested deeper than the limit of %u levels", state->max_depth);
        xmlStopParser(parser);
        return;
    }
    /* Five pointers per attribute: local name, prefix, URI, value start, value end. */
    for (int i = 0; i < attribute_count; i++) {
        const xmlChar *const *attribute = attributes + 5 * i;
        size_t length = (size_t)(attribute[4] - attribute[3]);
        if (length > MAX_ATTRIBUTE_BYTES) {
            const char *name = (const char *)attribute[0];
            char shown[64];
            tally__quote(shown, sizeof(shown), name, strlen(name));
            report(state, TALLY_ERR_LIMIT, (long)start.line, (long)start.column, parser->node,
                   "attribute %s is %zu bytes long, over the limit of %u bytes", shown, length,
                   MAX_ATTRIBUTE_BYTES);
            xmlStopParser(parser);
            return;
        }
    }
}

static void
on_start_element(void *parser_context, const xmlChar *local_name, const xmlChar *prefix,
                 const xmlChar *uri, int namespace_count, const xmlChar **namespaces,
                 int attribute_count, int defaulted_count, const xmlChar **attributes)
{
    xmlParserCtxtPtr parser = parser_context;
    load_state *state = state_of(parser);
    int open_before = parser->nodeNr;
    xmlSAX2StartElementNs(parser_context, local_name, prefix, uri, namespace_count,
                          namespaces, attribute_count, defaulted_count, attributes);
    state->depth++;
    /* No node was opened when libxml2 failed to make it. */
    if (parser->nodeNr > open_before && parser->node &&
        record_start(state, parser, parser->node, prefix, local_name) != TALLY_OK)
        return;
    check_element_limits(parser, attribute_count, attributes);
}

/* The document's elements find their start positions through the document. */
static void
on_start_document(void *parser_context)
{
    xmlParserCtxtPtr parser = parser_context;
    xmlSAX2StartDocument(parser_context);
    if (parser->myDoc)
        parser->myDoc->_private = &state_of(parser)->positions;
}

static void
on_end_element(void *parser_context, const xmlChar *local_name, const xmlChar *prefix,
               const xmlChar *uri)
{
    state_of(parser_context)->depth--;
    xmlSAX2EndElementNs(parser_context, local_name, prefix, uri);
}

/*
 * Handlers of this parser only. serror takes every error the parser raises, so
 * libxml2 never falls back to the process-wide handlers (it needs sax->initialized
 * to be XML_SAX2_MAGIC, which xmlNewParserCtxt sets). The DTD validity handlers
 * (ctxt->vctxt) are not set: xmlCtxtReadMemory resets them, DTD validation is
 * off, and validity errors also go to serror.
 */
static void
install_handlers(xmlParserCtxtPtr parser, load_state *state)
{
    parser->_private = state;
    parser->sax->initialized = XML_SAX2_MAGIC;
    parser->sax->serror = on_parser_error;
    parser->sax->internalSubset = on_doctype;
    parser->sax->externalSubset = on_doctype;
    parser->sax->entityDecl = on_entity_declaration;
    parser->sax->startDocument = on_start_document;
    parser->sax->startElementNs = on_start_element;
    parser->sax->endElementNs = on_end_element;
}

/* The document tree, or NULL with the problems recorded. */
static xmlDoc *
parse_document(load_state *state, const char *data, size_t size)
{
    xmlParserCtxtPtr parser = xmlNewParserCtxt();
    if (!parser) {
        report(state, TALLY_ERR_NOMEM, 0, 0, NULL, "out of memory creating the XML parser");
        return NULL;
    }
    install_handlers(parser, state);
    /*
     * No encoding is named: the bytes were checked to be UTF-8 without NUL, so
     * libxml2's detection can only find UTF-8, which it reads as is. Naming
     * "UTF-8" would instead route the input through a UTF-8 to UTF-8 converter,
     * whose buffer growth in libxml2 2.9.14 dereferences NULL when an allocation
     * fails (found by failing libxml2's allocations one by one).
     */
    xmlDoc *doc = xmlCtxtReadMemory(parser, data, (int)size, state->source, NULL, PARSE_OPTIONS);
    if (!doc && state->status == TALLY_OK)
        report(state, parser->errNo == XML_ERR_NO_MEMORY ? TALLY_ERR_NOMEM : TALLY_ERR_PLAN, 0,
               0, NULL, "XML syntax: the document could not be parsed");
    xmlFreeParserCtxt(parser);
    /* A stopped parse (DOCTYPE, a limit) may still hand back a partial tree. */
    if (doc && state->status != TALLY_OK) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    return doc;
}

/* ---- schema validation ---- */

static int
code_of(const xmlError *error)
{
    return error->code == XML_ERR_NO_MEMORY ? TALLY_ERR_NOMEM : TALLY_ERR_PLAN;
}

/* The embedded schema is part of the library: if it does not compile, that is our bug. */
static void
on_schema_parse_error(void *user_data, xmlErrorPtr error)
{
    if (error->level == XML_ERR_WARNING)
        return;
    char text[MESSAGE_MAX];
    tidy_message(text, sizeof(text), error->message);
    report(user_data, code_of(error), 0, 0, NULL,
           "internal error: the built-in plan schema does not compile: %s", text);
}

/* Located where the element concerned starts (an attribute's or text's element). */
static void
on_validity_error(void *user_data, xmlErrorPtr error)
{
    if (error->level == XML_ERR_WARNING)
        return;
    char text[MESSAGE_MAX];
    tidy_message(text, sizeof(text), error->message);
    const xmlNode *element = nearest_element(error->node);
    tally_plan_position start = tally_plan__element_start(element);
    long line = element ? (long)start.line : error->line;
    report(user_data, code_of(error), line, (long)start.column, error->node, "schema: %s", text);
}

/* Validates `doc` against a schema compiled for this load only (no shared cache). */
static void
validate(load_state *state, xmlDoc *doc)
{
    xmlSchemaParserCtxtPtr schema_parser =
        xmlSchemaNewMemParserCtxt(tally_plan__xsd, (int)tally_plan__xsd_size);
    if (!schema_parser) {
        report(state, TALLY_ERR_NOMEM, 0, 0, NULL, "out of memory reading the plan schema");
        return;
    }
    xmlSchemaSetParserStructuredErrors(schema_parser, on_schema_parse_error, state);
    xmlSchemaPtr schema = xmlSchemaParse(schema_parser);
    xmlSchemaValidCtxtPtr validator = schema ? xmlSchemaNewValidCtxt(schema) : NULL;
    if (validator) {
        xmlSchemaSetValidStructuredErrors(validator, on_validity_error, state);
        int result = xmlSchemaValidateDoc(validator, doc);
        if (result != 0 && state->status == TALLY_OK)
            report(state, TALLY_ERR_PLAN, 0, 0, NULL,
                   "schema: the document could not be validated (libxml2 error %d)", result);
        xmlSchemaFreeValidCtxt(validator);
    } else if (state->status == TALLY_OK) {
        /* Nothing said why: libxml2 ran out of memory without reporting it. */
        report(state, TALLY_ERR_NOMEM, 0, 0, NULL, "out of memory compiling the plan schema");
    }
    xmlSchemaFree(schema);
    xmlSchemaFreeParserCtxt(schema_parser);
}

/* ---- loading ---- */

static int
load_document(tally_ctx *ctx, tally_plan **out, const char *data, size_t size,
              const char *source, const load_limits *limits)
{
    load_state state = {ctx, source, data, size, limits->max_depth, 0, 0, TALLY_OK,
                        {NULL, 0, 0}, document_start((const unsigned char *)data, size), 0};
    tally_location where = {source, 0, 0, NULL};
    if (size > limits->max_bytes)
        return tally_ctx__error_at(ctx, TALLY_ERR_LIMIT, &where,
                                   "document is larger than the limit of %zu bytes",
                                   limits->max_bytes);
    if (size == 0)
        return tally_ctx__error_at(ctx, TALLY_ERR_PLAN, &where,
                                   "document is empty: a plan needs a <plan> element");
    if (check_bytes(&state, (const unsigned char *)data, size) != TALLY_OK ||
        check_declared_encoding(&state, data, size) != TALLY_OK)
        return state.status;
    if (pthread_once(&libxml2_once, initialize_libxml2) != 0)
        return tally_ctx__error_at(ctx, TALLY_ERR_PLAN, &where,
                                   "internal error: libxml2 could not be initialized");
    xmlDoc *doc = parse_document(&state, data, size);
    int status = state.status;
    if (doc) {
        validate(&state, doc);
        status = state.status;
        if (status == TALLY_OK)
            status = tally_plan__build(ctx, doc, source, out);
        xmlFreeDoc(doc);
    }
    tally_ctx__free(ctx, state.positions.items);
    return status;
}

/* An unreadable file, with the system's reason. */
static int
io_error(tally_ctx *ctx, const char *path, const char *what, int error)
{
    char reason[128];
    if (error == 0)
        error = EIO; /* a stream failed without saying why */
    if (strerror_r(error, reason, sizeof(reason)) != 0)
        snprintf(reason, sizeof(reason), "error %d", error);
    tally_location where = {path, 0, 0, NULL};
    return tally_ctx__error_at(ctx, TALLY_ERR_IO, &where, "%s: %s", what, reason);
}

/* A buffer filled from a file, grown on demand up to a limit. */
typedef struct file_buffer {
    char *data;
    size_t used;
    size_t capacity;
} file_buffer;

static int
grow(tally_ctx *ctx, file_buffer *buffer, size_t limit)
{
    size_t grown = buffer->capacity ? buffer->capacity * 2 : FIRST_READ_BYTES;
    grown = grown < limit ? grown : limit;
    char *bigger = tally_ctx__realloc(ctx, buffer->data, grown);
    if (!bigger)
        return TALLY_ERR_NOMEM;
    buffer->data = bigger;
    buffer->capacity = grown;
    return TALLY_OK;
}

/* Reads until the end of the file or `limit` bytes, whichever comes first. */
static int
read_stream(tally_ctx *ctx, FILE *file, const char *path, size_t limit, file_buffer *buffer)
{
    while (buffer->used < limit) {
        if (buffer->used == buffer->capacity && grow(ctx, buffer, limit) != TALLY_OK)
            return TALLY_ERR_NOMEM;
        size_t asked = buffer->capacity - buffer->used;
        errno = 0;
        size_t got = fread(buffer->data + buffer->used, 1, asked, file);
        int error = errno;
        buffer->used += got;
        if (got < asked)
            return ferror(file) ? io_error(ctx, path, "cannot read the file", error) : TALLY_OK;
    }
    return TALLY_OK;
}

/*
 * Reads at most max_bytes + 1 bytes: one more than allowed tells a file that is
 * too large from one exactly at the limit, without reading all of a huge file.
 */
static int
read_file(tally_ctx *ctx, const char *path, size_t max_bytes, file_buffer *out)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        return io_error(ctx, path, "cannot open the file", errno);
    int status = read_stream(ctx, file, path, max_bytes + 1, out);
    fclose(file);
    if (status == TALLY_OK && out->used > max_bytes) {
        tally_location where = {path, 0, 0, NULL};
        status = tally_ctx__error_at(ctx, TALLY_ERR_LIMIT, &where,
                                     "document is larger than the limit of %zu bytes",
                                     max_bytes);
    }
    return status;
}

int
tally_plan_load_buffer(tally_ctx *ctx, tally_plan **out, const char *data, size_t size,
                       const char *source_name, const tally_plan_load_options *options)
{
    if (out)
        *out = NULL;
    if (!ctx)
        return TALLY_ERR_INVALID_ARGUMENT;
    tally_ctx__begin(ctx);
    if (!out || !data)
        return tally_ctx__error(ctx, TALLY_ERR_INVALID_ARGUMENT,
                                "tally_plan_load_buffer needs an output pointer and data");
    load_limits limits;
    int status = read_options(ctx, options, &limits);
    if (status != TALLY_OK)
        return status;
    return load_document(ctx, out, data, size, source_name ? source_name : "<memory>",
                         &limits);
}

int
tally_plan_load_file(tally_ctx *ctx, tally_plan **out, const char *path,
                     const tally_plan_load_options *options)
{
    if (out)
        *out = NULL;
    if (!ctx)
        return TALLY_ERR_INVALID_ARGUMENT;
    tally_ctx__begin(ctx);
    if (!out || !path)
        return tally_ctx__error(ctx, TALLY_ERR_INVALID_ARGUMENT,
                                "tally_plan_load_file needs an output pointer and a path");
    load_limits limits;
    int status = read_options(ctx, options, &limits);
    file_buffer document = {NULL, 0, 0};
    if (status == TALLY_OK)
        status = read_file(ctx, path, limits.max_bytes, &document);
    if (status == TALLY_OK)
        status = load_document(ctx, out, document.data, document.used, path, &limits);
    tally_ctx__free(ctx, document.data);
    return status;
}
