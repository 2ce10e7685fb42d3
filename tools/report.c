/*
 * What a run writes, computed once for every format: the digests and the totals
 * per payee and per component. Totals add the amounts of the lines that are money
 * paid or recovered (earned, true-up, clawback, mdf-reimbursed); by
 * docs/semantics.md section 17 their sum is what is paid out less what is still
 * owed. Every payee and component with a line gets a total, 0 when none of its
 * lines is money.
 */
#include <stdlib.h>
#include <string.h>

#include "tally.h"

int
tool_kind_counts_in_totals(tally_line_kind kind)
{
    return kind == TALLY_LINE_EARNED || kind == TALLY_LINE_TRUE_UP ||
           kind == TALLY_LINE_CLAWBACK || kind == TALLY_LINE_MDF_REIMBURSED;
}

void
tool_format_decimal(char out[TALLY_DECIMAL_STRING_MAX], const tally_decimal *value)
{
    /* A valid decimal always fits TALLY_DECIMAL_STRING_MAX bytes. */
    if (tally_decimal_format(out, TALLY_DECIMAL_STRING_MAX, value) != TALLY_OK)
        strcpy(out, "?");
}

static int
compare_totals(const void *a, const void *b)
{
    return strcmp(((const tool_total *)a)->key, ((const tool_total *)b)->key);
}

static uint64_t
key_hash(const char *key)
{
    uint64_t hash = 1469598103934665603u; /* FNV-1a */
    for (; *key; key++)
        hash = (hash ^ (unsigned char)*key) * 1099511628211u;
    return hash ^ (hash >> 29);
}

/* Adds up equal keys in place, then sorts what is left by key; *merged receives
 * the new count. A run has many lines per payee and per component: equal keys are
 * found with a hash table, and only the distinct ones are sorted. */
static int
merge(tool_total *totals, size_t count, size_t *merged)
{
    size_t slots = 16;
    while (slots < count * 2)
        slots *= 2;
    uint32_t *table = calloc(slots, sizeof(*table)); /* distinct index + 1; 0: empty */
    if (!table)
        return TALLY_ERR_NOMEM;
    size_t out = 0;
    int status = TALLY_OK;
    for (size_t i = 0; i < count && status == TALLY_OK; i++) {
        size_t at = (size_t)key_hash(totals[i].key) & (slots - 1);
        while (table[at] && totals[table[at] - 1].key != totals[i].key &&
               strcmp(totals[table[at] - 1].key, totals[i].key) != 0)
            at = (at + 1) & (slots - 1);
        if (table[at]) {
            tool_total *sum = &totals[table[at] - 1];
            status = tally_decimal_add(&sum->amount, &sum->amount, &totals[i].amount);
        } else {
            totals[out] = totals[i]; /* out <= i: that entry was already taken */
            table[at] = (uint32_t)++out;
        }
    }
    free(table);
    if (status != TALLY_OK)
        return status;
    qsort(totals, out, sizeof(*totals), compare_totals);
    *merged = out;
    return TALLY_OK;
}

const char *
tool_report_result_digest(const tool_report *report, char out[TALLY_RESULT_DIGEST_HEX_SIZE])
{
    if (tally_result_digest_hex(out, TALLY_RESULT_DIGEST_HEX_SIZE, report->result) != TALLY_OK)
        out[0] = '\0';
    return out;
}

int
tool_report_init(tool_report *report, const tally_plan *plan, const tally_result *result,
                 int with_totals)
{
    size_t count = tally_result_line_count(result);
    const tally_currency *currency = tally_plan_currency(plan);
    int minor = tally_currency_minor_units(currency);
    tally_decimal zero;
    int status;

    memset(report, 0, sizeof(*report));
    report->plan = plan;
    report->result = result;
    report->currency = tally_currency_code(currency);
    tally_plan_digest_hex(report->plan_digest, sizeof(report->plan_digest), plan);
    tally_result_input_digest_hex(report->input_digest, sizeof(report->input_digest), result);

    tally_decimal_from_int(&zero, 0, minor > 0 ? minor : 0);
    report->total = zero;
    if (count == 0 || !with_totals)
        return TALLY_OK;
    report->by_payee = malloc(count * sizeof(*report->by_payee));
    report->by_component = malloc(count * sizeof(*report->by_component));
    if (!report->by_payee || !report->by_component) {
        tool_report_free(report);
        return TALLY_ERR_NOMEM;
    }
    for (size_t i = 0; i < count; i++) {
        const tally_line *line = tally_result_line_at(result, i);
        tally_decimal amount = zero;

        if (tool_kind_counts_in_totals(tally_line_get_kind(line))) {
            tally_line_amount(line, &amount);
            status = tally_decimal_add(&report->total, &report->total, &amount);
            if (status != TALLY_OK) {
                tool_report_free(report);
                return status;
            }
        }
        report->by_payee[i].key = tally_line_payee(line);
        report->by_payee[i].amount = amount;
        report->by_component[i].key = tally_line_component(line);
        report->by_component[i].amount = amount;
    }
    status = merge(report->by_payee, count, &report->payee_count);
    if (status == TALLY_OK)
        status = merge(report->by_component, count, &report->component_count);
    if (status != TALLY_OK)
        tool_report_free(report);
    return status;
}

void
tool_report_free(tool_report *report)
{
    free(report->by_payee);
    free(report->by_component);
    report->by_payee = NULL;
    report->by_component = NULL;
    report->payee_count = 0;
    report->component_count = 0;
}
