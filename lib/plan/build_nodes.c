/*
 * Reading the plan document: elements of the plan namespace, attribute values and
 * element text, readable element paths, and errors reported at an element.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "plan/builder.h"

/* Deepest ancestry a path shows; deeper documents are cut by the loader's limit. */
#define PATH_MAX_DEPTH 64

/* ---- element paths ---- */

/* 1-based position among same-named element siblings, 0 when the name is unique. */
static size_t
sibling_position(const xmlNode *node)
{
    size_t before = 0, after = 0;
    for (const xmlNode *n = node->prev; n; n = n->prev) {
        if (n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, node->name))
            before++;
    }
    for (const xmlNode *n = node->next; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, node->name))
            after++;
    }
    return before + after ? before + 1 : 0;
}

static void
append_text(char *out, size_t size, size_t *used, const char *text)
{
    size_t length = strlen(text);
    if (*used + length >= size)
        length = size - 1 - *used;
    memcpy(out + *used, text, length);
    *used += length;
    out[*used] = '\0';
}

/*
 * Like xmlGetNodePath, but with local names: the plan's elements live in a default
 * namespace, for which libxml2 writes an unreadable star for every element.
 */
void
tally_plan__node_path(char *out, size_t size, const xmlNode *node)
{
    const xmlNode *chain[PATH_MAX_DEPTH];
    size_t depth = 0, used = 0;
    if (!size)
        return;
    out[0] = '\0';
    for (const xmlNode *n = node; n && n->type == XML_ELEMENT_NODE && depth < PATH_MAX_DEPTH;
         n = n->parent)
        chain[depth++] = n;
    while (depth > 0) {
        const xmlNode *n = chain[--depth];
        char position[32] = "";
        size_t index = sibling_position(n);
        if (index)
            snprintf(position, sizeof(position), "[%zu]", index);
        append_text(out, size, &used, "/");
        append_text(out, size, &used, (const char *)n->name);
        append_text(out, size, &used, position);
    }
}

/* ---- where elements start ---- */

tally_plan_position
tally_plan__element_start(const xmlNode *node)
{
    tally_plan_position unknown = {0, 0};
    if (!node)
        return unknown;
    const tally_plan_positions *table = node->doc ? node->doc->_private : NULL;
    size_t index = (size_t)(uintptr_t)node->_private;
    if (table && index >= 1 && index <= table->count)
        return table->items[index - 1];
    long line = xmlGetLineNo(node);
    unknown.line = line > 0 ? (unsigned long)line : 0;
    return unknown;
}

/* ---- reporting ---- */

unsigned long
tally_build__line(const xmlNode *node)
{
    return tally_plan__element_start(node).line;
}

static void report(tally_builder *builder, const xmlNode *node, const char *prefix,
                   const char *format, va_list args) __attribute__((format(printf, 4, 0)));

static void
report(tally_builder *builder, const xmlNode *node, const char *prefix, const char *format,
       va_list args)
{
    char path[256];
    char message[512];
    builder->failed = 1;
    /* Past the limit the context only counts errors: spare the formatting. */
    if (tally_ctx_error_count(builder->ctx) >= TALLY_MAX_RECORDED_ERRORS) {
        tally_ctx__error_at(builder->ctx, TALLY_ERR_PLAN, NULL, "%s", "");
        return;
    }
    tally_plan__node_path(path, sizeof(path), node);
    vsnprintf(message, sizeof(message), format, args);
    tally_plan_position start = tally_plan__element_start(node);
    tally_location where = {builder->source, start.line, start.column, path[0] ? path : NULL};
    tally_ctx__error_at(builder->ctx, TALLY_ERR_PLAN, &where, "%s%s", prefix, message);
}

void
tally_build__error(tally_builder *builder, const xmlNode *node, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    report(builder, node, "", format, args);
    va_end(args);
}

void
tally_build__unexpected(tally_builder *builder, const xmlNode *node, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    report(builder, node, "internal error: the schema should have rejected this plan: ",
           format, args);
    va_end(args);
}

/* ---- elements ---- */

int
tally_build__is(const xmlNode *node, const char *name)
{
    return node && node->type == XML_ELEMENT_NODE && node->ns &&
           xmlStrEqual(node->ns->href, (const xmlChar *)TALLY_PLAN_NAMESPACE) &&
           xmlStrEqual(node->name, (const xmlChar *)name);
}

const char *
tally_build__name(const xmlNode *node)
{
    return node && node->name ? (const char *)node->name : "";
}

static xmlNode *
element_from(xmlNode *node)
{
    while (node && node->type != XML_ELEMENT_NODE)
        node = node->next;
    return node;
}

xmlNode *
tally_build__first_element(const xmlNode *node)
{
    return node ? element_from(node->children) : NULL;
}

xmlNode *
tally_build__next_element(const xmlNode *node)
{
    return node ? element_from(node->next) : NULL;
}

xmlNode *
tally_build__child(const xmlNode *node, const char *name)
{
    for (xmlNode *child = tally_build__first_element(node); child;
         child = tally_build__next_element(child)) {
        if (tally_build__is(child, name))
            return child;
    }
    return NULL;
}

size_t
tally_build__count_elements(const xmlNode *node)
{
    size_t count = 0;
    for (xmlNode *child = tally_build__first_element(node); child;
         child = tally_build__next_element(child))
        count++;
    return count;
}

/* ---- attributes and text ---- */

const char *
tally_build__attribute(tally_builder *builder, const xmlNode *node, const char *name)
{
    /* Plan attributes are unqualified: in no namespace. */
    xmlAttr *attribute = xmlHasNsProp(node, (const xmlChar *)name, NULL);
    if (!attribute || attribute->type != XML_ATTRIBUTE_NODE)
        return NULL;
    if (!attribute->children)
        return "";
    if (attribute->children->type != XML_TEXT_NODE || attribute->children->next ||
        !attribute->children->content) {
        tally_build__unexpected(builder, node, "attribute %s is not plain text", name);
        return NULL;
    }
    return (const char *)attribute->children->content;
}

const char *
tally_build__required(tally_builder *builder, const xmlNode *node, const char *name)
{
    const char *value = tally_build__attribute(builder, node, name);
    if (!value)
        tally_build__unexpected(builder, node, "<%s> has no %s attribute",
                                tally_build__name(node), name);
    return value;
}

static int
is_text(const xmlNode *node)
{
    return node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE;
}

static int
is_xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

const char *
tally_build__trim(const char *text, size_t *length)
{
    const char *end = text + strlen(text);
    while (is_xml_space(*text))
        text++;
    while (end > text && is_xml_space(end[-1]))
        end--;
    *length = (size_t)(end - text);
    return text;
}

/* Comments may split an element's text into several nodes: join them. */
char *
tally_build__text(tally_builder *builder, const xmlNode *node)
{
    size_t length = 0;
    for (const xmlNode *child = node->children; child; child = child->next) {
        if (is_text(child) && child->content)
            length += strlen((const char *)child->content);
    }
    char *text = tally_ctx__alloc(builder->ctx, length + 1);
    if (!text)
        return NULL;
    size_t used = 0;
    for (const xmlNode *child = node->children; child; child = child->next) {
        if (is_text(child) && child->content) {
            size_t piece = strlen((const char *)child->content);
            memcpy(text + used, child->content, piece);
            used += piece;
        }
    }
    text[used] = '\0';
    return text;
}

char *
tally_build__strdup(tally_builder *builder, const char *text)
{
    return tally_ctx__strdup(builder->ctx, text);
}
