/*
 * From a schema-valid XML document to a compiled plan: building the model and
 * checking every rule the schema cannot express. Part of the plan loader, the only
 * layer that sees libxml2.
 */
#ifndef TALLY_PLAN_BUILD_H
#define TALLY_PLAN_BUILD_H

#include <libxml/tree.h>

#include "plan/model.h"

/*
 * Where an element starts: the line and column (in characters, from 1) of its
 * "<". libxml2 only keeps the line where the start tag ends, and at most 65535.
 */
typedef struct tally_plan_position {
    unsigned long line;
    unsigned long column;
} tally_plan_position;

/*
 * The start of every element of a document, recorded by the loader as it parses:
 * doc->_private points to the table and each element's _private holds its index
 * + 1 (libxml2 leaves both fields to the application). Documents parsed any other
 * way have no table.
 */
typedef struct tally_plan_positions {
    tally_plan_position *items;
    size_t count;
    size_t capacity;
} tally_plan_positions;

/*
 * Where the element `node` starts; when the loader did not record it, libxml2's
 * line and column 0 (plan/build_nodes.c).
 */
tally_plan_position tally_plan__element_start(const xmlNode *node);

/*
 * Builds a plan from `doc` (already validated against plan.xsd). Records every
 * problem found on `ctx`, each with `source_name`, where the element starts and
 * its path, and returns TALLY_ERR_PLAN (or TALLY_ERR_NOMEM) without a plan when there
 * is any. On success *out holds a plan with one reference and its digest set.
 */
int tally_plan__build(tally_ctx *ctx, xmlDoc *doc, const char *source_name, tally_plan **out);

/* Frees a plan or a partly built one (any field may be NULL or zero). */
void tally_plan__destroy(tally_plan *plan);

/* Computes plan->digest from the canonical form (plan/canonical.c). */
int tally_plan__compute_digest(tally_plan *plan);

/*
 * Readable path of an element for error records, "/plan/version[2]/rebate/tiers":
 * local names (for the plan's default namespace xmlGetNodePath writes a
 * star for every element), with a position when same-named siblings exist. Always
 * NUL-terminated, cut to fit `size` (plan/build_nodes.c).
 */
void tally_plan__node_path(char *out, size_t size, const xmlNode *node);

#endif /* TALLY_PLAN_BUILD_H */
