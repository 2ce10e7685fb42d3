// The public headers must compile as strict C++ (vendors embed tally in C++ code).
#include <tally/tally.h>

int
main()
{
    tally_decimal value = {};
    char text[TALLY_DECIMAL_STRING_MAX];
    return tally_decimal_format(text, sizeof(text), &value) == TALLY_OK ? 0 : 1;
}
