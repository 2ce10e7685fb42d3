/*
 * Quoting user text inside error messages: bounded, with control and non-ASCII
 * bytes escaped, so a hostile value cannot flood or garble a message.
 */
#ifndef TALLY_CORE_QUOTE_H
#define TALLY_CORE_QUOTE_H

#include <stddef.h>

/* Longest stretch of user text shown before it is cut with "...". */
#define TALLY_QUOTE_MAX_SHOWN 40

/* Writes "text" in double quotes into out (always NUL-terminated). */
void tally__quote(char *out, size_t out_size, const char *text, size_t length);

#endif /* TALLY_CORE_QUOTE_H */
