/*
 * Commission splits, "payee:percent;payee:percent": parsed once per row and
 * checked to sum to exactly 100.
 */
#ifndef TALLY_ENGINE_SPLITS_H
#define TALLY_ENGINE_SPLITS_H

#include "tally/decimal.h"

#define TALLY_MAX_SPLIT_PAYEES 16

typedef struct tally_split_part {
    uint32_t payee; /* symbol in session->names */
    tally_decimal percent;
} tally_split_part;

typedef struct tally_split {
    tally_split_part parts[TALLY_MAX_SPLIT_PAYEES];
    size_t count; /* 0 when the transaction has no split */
} tally_split;

#endif /* TALLY_ENGINE_SPLITS_H */
