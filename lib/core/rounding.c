/*
 * Rounding modes: their names and the one decision every rounding makes — keep the
 * truncated magnitude or add one unit in the last place.
 */
#include "core/rounding.h"

#include <string.h>

#include "core/context.h"
#include "core/quote.h"

static const char *const mode_names[] = {
    [TALLY_ROUND_HALF_EVEN] = "half-even", [TALLY_ROUND_HALF_UP] = "half-up",
    [TALLY_ROUND_DOWN] = "down",           [TALLY_ROUND_FLOOR] = "floor",
    [TALLY_ROUND_CEILING] = "ceiling",     [TALLY_ROUND_UP] = "up",
    [TALLY_ROUND_HALF_DOWN] = "half-down",
};

#define MODE_COUNT ((int)(sizeof(mode_names) / sizeof(mode_names[0])))

int
tally_rounding__is_valid(tally_rounding mode)
{
    return (int)mode >= 0 && (int)mode < MODE_COUNT;
}

const char *
tally_rounding_name(tally_rounding mode)
{
    return tally_rounding__is_valid(mode) ? mode_names[mode] : NULL;
}

int
tally_rounding_parse(tally_ctx *ctx, tally_rounding *out, const char *name)
{
    tally_ctx__begin(ctx);
    if (!out || !name)
        return tally_ctx__error(ctx, TALLY_ERR_INVALID_ARGUMENT,
                                "tally_rounding_parse: out and name must not be NULL");
    for (int mode = 0; mode < MODE_COUNT; mode++) {
        if (strcmp(name, mode_names[mode]) == 0) {
            *out = (tally_rounding)mode;
            return TALLY_OK;
        }
    }
    char quoted[64];
    tally__quote(quoted, sizeof(quoted), name, strlen(name));
    return tally_ctx__error(ctx, TALLY_ERR_SYNTAX,
                            "unknown rounding mode %s: expected one of half-even, half-up, "
                            "down, floor, ceiling, up, half-down",
                            quoted);
}

static int
nearest_increments(tally_rounding mode, int last_digit_odd, tally_discarded discarded)
{
    if (discarded == TALLY_DISCARDED_ABOVE_HALF)
        return 1;
    if (discarded != TALLY_DISCARDED_HALF)
        return 0;
    if (mode == TALLY_ROUND_HALF_UP)
        return 1;
    if (mode == TALLY_ROUND_HALF_EVEN)
        return last_digit_odd;
    return 0; /* half-down */
}

int
tally_rounding__increments(tally_rounding mode, int negative, int last_digit_odd,
                           tally_discarded discarded)
{
    if (discarded == TALLY_DISCARDED_ZERO)
        return 0;
    switch (mode) {
    case TALLY_ROUND_DOWN:
        return 0;
    case TALLY_ROUND_UP:
        return 1;
    case TALLY_ROUND_FLOOR:
        return negative;
    case TALLY_ROUND_CEILING:
        return !negative;
    default:
        return nearest_increments(mode, last_digit_odd, discarded);
    }
}
