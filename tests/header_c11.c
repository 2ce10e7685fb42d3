/* The umbrella header alone, compiled as strict ISO C11 with every warning an error. */
#include <tally/tally.h>

int
main(void)
{
    return TALLY_CHECK_VERSION(0, 1, 0) ? 0 : 1;
}
