/**
 * @file tally.h
 * @brief Umbrella header: include this one file to use tally.
 *
 * tally computes channel-partner incentives exactly. Start with a context
 * (context.h), exact money arithmetic (decimal.h), currencies (currency.h),
 * plans (plan.h), calculation sessions (session.h) and their results (result.h),
 * CSV input for sessions (csv.h), and SHA-256 of caller data (digest.h).
 */
#ifndef TALLY_H
#define TALLY_H

#include "tally/common.h"
#include "tally/version.h"
#include "tally/context.h"
#include "tally/decimal.h"
#include "tally/currency.h"
#include "tally/plan.h"
#include "tally/session.h"
#include "tally/result.h"
#include "tally/csv.h"
#include "tally/digest.h"

#endif /* TALLY_H */
