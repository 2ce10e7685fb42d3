/*
 * Period labels of inputs ("2026-11", "2026-Q2", "FY2027-H1"): from a component
 * id and a label to the slot and period index the engine keys buckets by.
 */
#include <string.h>

#include "engine/engine.h"

int
tally_engine__slot_named(const tally_session *session, const char *id, uint32_t *out)
{
    for (size_t i = 0; i < session->slot_count; i++) {
        if (strcmp(session->slots[i].id, id) == 0) {
            *out = (uint32_t)i;
            return 1;
        }
    }
    return 0;
}

static int
label_year(const char *label)
{
    const char *digits = label[0] == 'F' && label[1] == 'Y' ? label + 2 : label;
    int year = 0;
    for (int i = 0; i < 4; i++) {
        if (digits[i] < '0' || digits[i] > '9')
            return 0;
        year = year * 10 + (digits[i] - '0');
    }
    return year;
}

int
tally_engine__period_of_label(const tally_calendar *calendar, const char *label, int32_t *out)
{
    /* Labels carry the year their period ends in: scan the periods around it. */
    int year = label_year(label);
    if (year < 2 || year > 9998)
        return 0;
    for (int offset = -1; offset <= 1; offset++) {
        tally_day day;
        if (!tally_date__from_civil(&day, year + offset, 1, 1))
            return 0;
        int32_t first = tally_period__index(calendar, day);
        for (int32_t index = first; index < first + 12; index++) {
            char text[TALLY_PERIOD_LABEL_SIZE];
            tally_period__label(text, calendar, index);
            if (strcmp(text, label) == 0) {
                *out = index;
                return 1;
            }
        }
    }
    return 0;
}
