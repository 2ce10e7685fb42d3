/*
 * Revenue for `tally report`: the net amount of the transactions per partner and
 * calendar month, computed by the library itself on a second session over the
 * same partner table, exchange rates and transactions, with a plan generated for
 * the purpose: one open-ended version (so that a baseline period before the
 * programme's first version still counts) holding one monthly rebate at rate 0
 * with no eligibility filters. Each of its lines has the partner's net amount of
 * the month as its basis: exact, converted into the plan's currency with the same
 * rates, returns booked on their own dates. Bad rows are skipped silently (the
 * main run has already reported them, or stopped).
 *
 * A month counts in a range when its last day is inside it: the rule the run's
 * own --period/--from/--to use for lines.
 */
#include <stdlib.h>
#include <string.h>

#include "tally.h"

#define REVENUE_COMPONENT "revenue"

static int
count_reject(const tally_error *error, const char *raw_row, size_t raw_size, void *user_data)
{
    (void)error;
    (void)raw_row;
    (void)raw_size;
    ++*(uint64_t *)user_data;
    return 0;
}

static int
read_inputs(tally_session *session, tool_inputs *inputs, int progress, uint64_t *skipped)
{
    static const tally_csv_kind order[] = {TALLY_CSV_PARTNERS, TALLY_CSV_RATES,
                                           TALLY_CSV_TRANSACTIONS};
    tally_ctx *ctx = tally_session_context(session);

    for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
        for (size_t i = 0; i < inputs->file_count; i++) {
            const tool_file_stats *file = &inputs->files[i];
            if (file->kind != order[k])
                continue;
            tally_csv_options csv;
            tool_progress_bar bar;
            char label[256];
            memset(&csv, 0, sizeof(csv));
            csv.size = sizeof(csv);
            csv.source_name = file->source;
            csv.column_map = inputs->maps[file->kind];
            csv.threads = tool_inputs_threads(inputs, file->kind);
            csv.on_reject = count_reject;
            csv.user_data = skipped;
            snprintf(label, sizeof(label), "%s (revenue)", file->source);
            tool_progress_bar_begin(&bar, label, file->path, progress);
            csv.on_progress = tool_progress_bar_update;
            csv.progress_user_data = &bar;
            int status = tally_csv_read_file(session, file->kind, file->path, &csv, NULL);
            tool_progress_bar_end(&bar);
            if (status != TALLY_OK) {
                tool_print_errors(ctx, status, file->source);
                return tool_exit_for_status(status);
            }
        }
    }
    return TOOL_EXIT_OK;
}

int
tool_revenue_compute(tool_revenue *revenue, const tally_plan *plan, tool_inputs *inputs,
                     int progress)
{
    char xml[512];
    tally_session_options options;
    tally_session *session = NULL;
    tally_plan *revenue_plan = NULL;
    int status, code;

    memset(revenue, 0, sizeof(*revenue));
    snprintf(xml, sizeof(xml),
             "<plan xmlns=\"urn:tally:plan:1\" format-version=\"1\" id=\"tally-report-revenue\" "
             "currency=\"%s\"><version id=\"all\" effective-from=\"0001-01-01\">"
             "<rebate id=\"" REVENUE_COMPONENT "\" period=\"month\"><rate>0</rate></rebate>"
             "</version></plan>",
             tally_currency_code(tally_plan_currency(plan)));
    if (tally_ctx_new(&revenue->ctx, NULL) != TALLY_OK)
        return tool_out_of_memory();
    status = tally_plan_load_buffer(revenue->ctx, &revenue_plan, xml, strlen(xml),
                                    "<revenue plan>", NULL);
    if (status != TALLY_OK) {
        tool_print_errors(revenue->ctx, status, "the revenue plan");
        return tool_exit_for_status(status);
    }
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    /* The main run's checks of ids, so that the same rows are accepted. */
    options.flags = (inputs->flags & TALLY_SESSION_TRUST_IDS) | TALLY_SESSION_NO_SOURCE_IDS;
    status = tally_session_new(revenue->ctx, &session, revenue_plan, &options);
    tally_plan_unref(revenue_plan);
    if (status != TALLY_OK) {
        tool_print_errors(revenue->ctx, status, "the revenue session");
        return tool_exit_for_status(status);
    }
    code = read_inputs(session, inputs, progress, &revenue->skipped);
    if (code == TOOL_EXIT_OK) {
        status = tally_session_finish(session, &revenue->result);
        if (status != TALLY_OK) {
            tool_print_errors(revenue->ctx, status, "computing the revenue");
            code = tool_exit_for_status(status);
        }
    }
    tally_session_free(session);
    return code;
}

void
tool_revenue_free(tool_revenue *revenue)
{
    tally_result_free(revenue->result);
    tally_ctx_free(revenue->ctx);
    memset(revenue, 0, sizeof(*revenue));
}

/* The last day of month label "YYYY-MM", as "YYYY-MM-DD". */
static void
month_end(const char *label, char out[TOOL_DATE_SIZE])
{
    char first[TOOL_DATE_SIZE];
    if (tool_period_range(label, 1, first, out) != 0)
        snprintf(out, TOOL_DATE_SIZE, "%s", "9999-12-31");
}

static int
compare_keys(const void *a, const void *b)
{
    return strcmp(((const tool_total *)a)->key, ((const tool_total *)b)->key);
}

int
tool_revenue_by_partner(const tool_revenue *revenue, const char *from, const char *to,
                        tool_total **out, size_t *out_count, tally_decimal *all)
{
    size_t count = tally_result_line_count(revenue->result), used = 0;
    tool_total *totals = malloc((count ? count : 1) * sizeof(*totals));
    int status = TALLY_OK;

    *out = NULL;
    *out_count = 0;
    memset(all, 0, sizeof(*all));
    if (!totals)
        return TALLY_ERR_NOMEM;
    for (size_t i = 0; i < count && status == TALLY_OK; i++) {
        const tally_line *line = tally_result_line_at(revenue->result, i);
        char end[TOOL_DATE_SIZE];

        month_end(tally_line_period(line), end);
        if ((from && strcmp(end, from) < 0) || (to && strcmp(end, to) > 0))
            continue;
        totals[used].key = tally_line_payee(line);
        tally_line_basis(line, &totals[used].amount);
        status = tally_decimal_add(all, all, &totals[used].amount);
        used++;
    }
    qsort(totals, used, sizeof(*totals), compare_keys);
    size_t merged = 0;
    for (size_t i = 0; i < used && status == TALLY_OK; i++) {
        if (merged > 0 && strcmp(totals[merged - 1].key, totals[i].key) == 0)
            status = tally_decimal_add(&totals[merged - 1].amount, &totals[merged - 1].amount,
                                       &totals[i].amount);
        else
            totals[merged++] = totals[i];
    }
    if (status != TALLY_OK) {
        free(totals);
        return status;
    }
    *out = totals;
    *out_count = merged;
    return TALLY_OK;
}

const tool_total *
tool_total_find(const tool_total *totals, size_t count, const char *key)
{
    tool_total wanted;
    wanted.key = key;
    return bsearch(&wanted, totals, count, sizeof(*totals), compare_keys);
}
