/*
 * Static descriptions of status codes.
 */
#include "tally/common.h"

const char *
tally_strerror(int status)
{
    switch (status) {
    case TALLY_OK:
        return "success";
    case TALLY_ERR_NOMEM:
        return "out of memory";
    case TALLY_ERR_INVALID_ARGUMENT:
        return "invalid argument";
    case TALLY_ERR_SYNTAX:
        return "syntax error";
    case TALLY_ERR_OVERFLOW:
        return "value needs more than 38 significant digits";
    case TALLY_ERR_RANGE:
        return "scale out of range (0 to 38 fraction digits)";
    case TALLY_ERR_DIVISION_BY_ZERO:
        return "division by zero";
    case TALLY_ERR_UNKNOWN_CURRENCY:
        return "unknown currency code";
    case TALLY_ERR_BUFFER_TOO_SMALL:
        return "output buffer too small";
    case TALLY_ERR_IO:
        return "input/output error";
    case TALLY_ERR_LIMIT:
        return "input exceeds a limit";
    case TALLY_ERR_PLAN:
        return "invalid plan";
    case TALLY_ERR_CALLBACK:
        return "stopped by callback";
    case TALLY_ERR_INPUT:
        return "invalid input row";
    case TALLY_ERR_STATE:
        return "call not allowed in this state";
    default:
        return "unknown error";
    }
}
