/*
 * Version of the built library (from the generated public header).
 */
#include "tally/version.h"

const char *
tally_version(void)
{
    return TALLY_VERSION_STRING;
}

unsigned
tally_version_number(void)
{
    return TALLY_VERSION_NUMBER;
}
