/*
 * Rounding decisions, shared by every operation that discards digits.
 */
#ifndef TALLY_CORE_ROUNDING_H
#define TALLY_CORE_ROUNDING_H

#include "tally/decimal.h"

/* How the discarded part of a quotient compares with half a unit of the result. */
typedef enum tally_discarded {
    TALLY_DISCARDED_ZERO,
    TALLY_DISCARDED_BELOW_HALF,
    TALLY_DISCARDED_HALF,
    TALLY_DISCARDED_ABOVE_HALF
} tally_discarded;

int tally_rounding__is_valid(tally_rounding mode);

/*
 * Whether the truncated magnitude must be increased by one unit, for a result of
 * the given sign whose last kept digit is odd or even.
 */
int tally_rounding__increments(tally_rounding mode, int negative, int last_digit_odd,
                               tally_discarded discarded);

#endif /* TALLY_CORE_ROUNDING_H */
