#include "support/test_lines.h"

#include <stdio.h>

void
test_line_text(const tally_line *line, char *out, size_t size)
{
    tally_decimal amount;
    char digits[TALLY_DECIMAL_STRING_MAX] = "?";
    if (tally_line_amount(line, &amount) == TALLY_OK)
        tally_decimal_format(digits, sizeof(digits), &amount);
    snprintf(out, size, "%s %s %s %s %s", tally_line_payee(line), tally_line_component(line),
             tally_line_period(line), tally_line_kind_name(tally_line_get_kind(line)), digits);
}
