#include "support/test_lines.h"

#include <stdio.h>
#include <string.h>

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

int
test_result_text(const tally_result *result, char *out, size_t size)
{
    size_t used = 0;
    if (size == 0)
        return 0;
    out[0] = '\0';
    for (size_t i = 0; i < tally_result_line_count(result); i++) {
        char text[256];
        test_line_text(tally_result_line_at(result, i), text, sizeof(text));
        int n = snprintf(out + used, size - used, "%s\n", text);
        if (n < 0 || (size_t)n >= size - used)
            return 0;
        used += (size_t)n;
    }
    return 1;
}
