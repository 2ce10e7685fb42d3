/*
 * The plan schema (lib/plan/plan.xsd), embedded in the library at build time by
 * lib/plan/embed_xsd.py so that validation never depends on a file found at run
 * time. The loader parses it from memory on every load.
 */
#ifndef TALLY_PLAN_SCHEMA_H
#define TALLY_PLAN_SCHEMA_H

#include <stddef.h>

/* The schema text, NUL-terminated. */
extern const char tally_plan__xsd[];
/* Length of tally_plan__xsd without its NUL. */
extern const size_t tally_plan__xsd_size;

#endif /* TALLY_PLAN_SCHEMA_H */
