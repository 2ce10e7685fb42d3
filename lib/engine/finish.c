/*
 * Finishing a session: once per payee × component × period, the non-linear
 * rules of domain.md run on the accumulated totals — tiers, minimum, partner-tier
 * multiplier, cap (on absolute values, sign restored), rounding — and then
 * true-up against earlier settlement periods and prior settlements:
 *
 *     due(n)  = payout on the cumulative basis through settlement period n, rounded
 *     line(n) = due(n) − due(n − 1) − prior settlement recorded for n
 *
 * which keeps the total settled through n equal to due(n).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "core/context.h"
#include "engine/engine.h"
#include "engine/payout.h"

static const tally_decimal zero = {0, 0, 0, 0};
static const tally_decimal one = {1, 0, 0, 0};


/* ---- lines ---- */

static int
compare_sources(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
copy_sources(tally_finisher *f, const tally_bucket *b, tally_line_fields *line)
{
    const tally_session *s = f->session;
    size_t count = 0;
    for (uint32_t at = b->first_source; at != UINT32_MAX; at = s->sources[at].next)
        count++;
    line->sources = NULL;
    line->source_count = 0;
    if (!count)
        return TALLY_OK;
    const char **ids = tally_arena__alloc(&f->result->arena, f->ctx, count * sizeof(char *));
    if (!ids)
        return TALLY_ERR_NOMEM;
    size_t n = 0;
    for (uint32_t at = b->first_source; at != UINT32_MAX; at = s->sources[at].next)
        ids[n++] = tally_symbols__text(&s->transaction_ids, s->sources[at].transaction);
    qsort(ids, count, sizeof(char *), compare_sources);
    /* A split naming one payee twice lists its transaction once. */
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        if (kept && strcmp(ids[kept - 1], ids[i]) == 0)
            continue;
        const char *copy = tally_arena__strndup(&f->result->arena, f->ctx, ids[i], strlen(ids[i]));
        if (!copy)
            return TALLY_ERR_NOMEM;
        ids[kept++] = copy;
    }
    line->sources = ids;
    line->source_count = kept;
    return TALLY_OK;
}

/* A name interned once in `cache`, which keeps it for the next line. */
static const tally_name *
cached_name(tally_finisher *f, const tally_name **cache, const char *text)
{
    if (!*cache)
        *cache = tally_result__name(f->result, f->ctx, text);
    return *cache;
}

static const tally_name *
payee_name(tally_finisher *f, uint32_t payee)
{
    const char *text = tally_symbols__text(&f->session->names, payee);
    if (payee >= f->payee_count)
        return tally_result__name(f->result, f->ctx, text);
    return cached_name(f, &f->payee_names[payee], text);
}

const tally_name *
tally_engine__period_name(tally_finisher *f, const tally_calendar *calendar, int32_t index)
{
    uint32_t hash = ((uint32_t)index * 2654435761u) ^ ((uint32_t)calendar->kind << 4) ^
                    (uint32_t)calendar->fiscal_start_month;
    tally_period_name *entry = &f->periods[hash % TALLY_PERIOD_NAMES];
    if (entry->name && entry->index == index && entry->calendar.kind == calendar->kind &&
        entry->calendar.fiscal_start_month == calendar->fiscal_start_month)
        return entry->name;
    char label[TALLY_PERIOD_LABEL_SIZE];
    tally_period__label(label, calendar, index);
    const tally_name *name = tally_result__name(f->result, f->ctx, label);
    if (name)
        *entry = (tally_period_name){*calendar, index, name};
    return name;
}

int
tally_engine__begin_line(tally_finisher *f, uint32_t payee, const tally_engine_component *ec,
                         const tally_name *period, const tally_name *tier_period,
                         int32_t period_end, tally_line_fields *line)
{
    tally_ctx *ctx = f->ctx;
    const tally_name **names = &f->component_names[2 * (size_t)(ec - f->session->components)];
    memset(line, 0, sizeof(*line));
    line->multiplier = one;
    line->payee = payee_name(f, payee);
    const tally_name *component = cached_name(f, &names[0], ec->model->id);
    const tally_name *version = cached_name(f, &names[1], ec->version->id);
    if (!line->payee || !component || !version || !period || !tier_period)
        return TALLY_ERR_NOMEM;
    line->key =
        tally_result__key(f->result, ctx, component, version, period, tier_period, period_end);
    return line->key ? TALLY_OK : TALLY_ERR_NOMEM;
}

int
tally_engine__end_line(tally_finisher *f, tally_line_fields *line)
{
    line->explanation =
        f->session->flags & TALLY_SESSION_NO_EXPLANATIONS ? "" : f->explanation.data;
    return tally_result__add_line(f->result, f->ctx, line);
}

int
tally_engine__line_sources(tally_finisher *f, const tally_bucket *b, tally_line_fields *line)
{
    return copy_sources(f, b, line);
}

static int
emit_line(tally_finisher *f, const tally_bucket *b, const tally_engine_component *ec,
          const tally_payout *p, const tally_decimal *amount)
{
    const tally_slot *slot = &f->session->slots[b->slot];
    const tally_name *tier_period = tally_engine__period_name(f, &slot->period, b->period);
    const tally_name *period = tally_engine__period_name(f, &slot->settlement, b->settlement);
    tally_line_fields line;
    int status = tally_engine__begin_line(
        f, b->payee, ec, period, tier_period,
        tally_period__last_day(&slot->settlement, b->settlement), &line);
    if (status != TALLY_OK)
        return status;
    line.amount = *amount;
    line.basis = p->basis;
    line.unrounded = p->unrounded;
    line.multiplier = p->multiplier;
    line.flags = p->flags;
    line.engine = (ec->model->clawback.recover_from_payee ? TALLY_LINE_RECOVER_FROM_PAYEE : 0) |
                  (ec->model->clawback.carry_forward ? TALLY_LINE_CARRY_FORWARD : 0);
    line.kind = tally_decimal_sign(amount) < 0 ? TALLY_LINE_CLAWBACK
                : tally_engine__prior(f->session, b) ? TALLY_LINE_TRUE_UP
                                               : TALLY_LINE_EARNED;
    line.bands = p->bands;
    line.band_count = p->band_count;
    if ((status = copy_sources(f, b, &line)) != TALLY_OK)
        return status;
    return tally_engine__end_line(f, &line);
}

/* ---- groups: one payee's settlement periods of one tier period ---- */

/* A bucket's key copied next to its index, so that plain qsort can order them. */
typedef struct bucket_order {
    uint32_t slot;
    uint32_t payee;
    int32_t period;
    int32_t settlement;
    uint32_t index;
} bucket_order;

static int
compare_buckets(const void *a, const void *b)
{
    const bucket_order *x = a, *y = b;
    if (x->slot != y->slot)
        return x->slot < y->slot ? -1 : 1;
    if (x->payee != y->payee)
        return x->payee < y->payee ? -1 : 1;
    if (x->period != y->period)
        return x->period < y->period ? -1 : 1;
    return (x->settlement > y->settlement) - (x->settlement < y->settlement);
}

/* The component whose rules pay a settlement period nobody sold in (a prior only):
 * the slot's component in the version in effect at the period's end, else any. */
static const tally_engine_component *
fallback_component(const tally_session *session, const tally_bucket *b)
{
    const tally_slot *slot = &session->slots[b->slot];
    tally_day day = tally_period__last_day(&slot->settlement, b->settlement);
    const tally_engine_version *version = tally_engine__version_on(session, day);
    for (size_t i = 0; version && i < version->component_count; i++)
        if (version->components[i].slot == b->slot)
            return &version->components[i];
    return &session->components[slot->first_component];
}

/* N / D += n / d exactly (D, d > 0); 0 when that needs more than 38 digits. */
static int
add_quotient(tally_decimal *numerator, tally_decimal *divisor, const tally_decimal *n,
             const tally_decimal *d)
{
    tally_decimal left, right, product;
    if (memcmp(d, divisor, sizeof(*d)) == 0) /* a common divisor stays one */
        return tally_decimal_add(numerator, numerator, n) == TALLY_OK;
    /* N/D + n/d = (N × d + n × D) / (D × d) */
    if (tally_decimal_mul(&left, numerator, d) != TALLY_OK ||
        tally_decimal_mul(&right, n, divisor) != TALLY_OK ||
        tally_decimal_mul(&product, divisor, d) != TALLY_OK ||
        tally_decimal_add(numerator, &left, &right) != TALLY_OK)
        return 0;
    *divisor = product;
    return 1;
}

/*
 * A bucket's payout with its interpolated fractions (transaction basis): the rows'
 * per-band numerators are divided only here, when the period is paid, and nothing
 * in the bucket changes, so rows added after a failed finish still count. `shown`
 * adds each band's share with 24 fraction digits; exact[0] / exact[1] is the exact
 * payout, and *exact_valid is cleared when it needs more than 38 digits. A
 * bucket's rules are those of its latest-dated component.
 */
static int
fractional_payout(const tally_tier_table *tiers, const tally_bucket *b, tally_decimal *shown,
                  tally_decimal exact[2], int *exact_valid)
{
    for (size_t k = 0; k < tiers->band_count; k++) {
        const tally_band *band = &tiers->bands[k];
        tally_decimal width, share;
        if (band->open || tally_decimal_sign(&b->fractions[k]) == 0)
            continue;
        if (tally_decimal_sub(&width, &band->to, &band->from) != TALLY_OK ||
            tally_tiers__fraction(&share, &b->fractions[k], &width) != TALLY_OK ||
            tally_decimal_add(shown, shown, &share) != TALLY_OK)
            return TALLY_ERR_OVERFLOW;
        *exact_valid = *exact_valid && add_quotient(&exact[0], &exact[1], &b->fractions[k], &width);
    }
    return TALLY_OK;
}

static void
add_totals(const tally_session *s, tally_totals *sum, const tally_bucket *b, int *status)
{
    if (*status != TALLY_OK)
        return;
    tally_decimal payout = b->payout, exact[2] = {b->payout, one};
    if (b->fractions) {
        const tally_tier_table *tiers = &s->components[b->component].model->rate.tiers;
        /* Without an exact quotient the 24-digit shares decide. */
        if ((*status = fractional_payout(tiers, b, &payout, exact, &sum->exact_valid)) !=
            TALLY_OK)
            return;
        sum->fractional = 1;
    }
    sum->exact_valid = sum->exact_valid && add_quotient(&sum->exact, &sum->divisor, &exact[0],
                                                        &exact[1]);
    if (tally_decimal_add(&sum->amount, &sum->amount, &b->amount) != TALLY_OK ||
        tally_decimal_add(&sum->quantity, &sum->quantity, &b->quantity) != TALLY_OK ||
        tally_decimal_add(&sum->payout, &sum->payout, &payout) != TALLY_OK)
        *status = TALLY_ERR_OVERFLOW;
    for (size_t k = 0; b->band_sums && *status == TALLY_OK && k < sum->band_count; k++)
        if (tally_decimal_add(&sum->band_sums[k], &sum->band_sums[k], &b->band_sums[k]) !=
            TALLY_OK)
            *status = TALLY_ERR_OVERFLOW;
    sum->rows += b->rows;
}

/* Room for the per-band sums of a group whose component rounds bands per row. */
static int
band_scratch(tally_session *s, const bucket_order *order, size_t count, tally_totals *sum)
{
    for (size_t i = 0; i < count; i++) {
        const tally_bucket *b = &s->buckets[order[i].index];
        if (!b->band_sums)
            continue;
        sum->band_count = s->components[b->component].model->rate.tiers.band_count;
        sum->band_sums = tally_ctx__calloc(s->ctx, sum->band_count, sizeof(tally_decimal));
        return sum->band_sums ? TALLY_OK : TALLY_ERR_NOMEM;
    }
    return TALLY_OK;
}

static int
settle_bucket(tally_finisher *f, const tally_bucket *b, const tally_engine_component *ec,
              const tally_totals *sum, tally_decimal *previous_due)
{
    tally_payout *p = &f->payout;
    tally_engine__clear_explanation(f);
    int status = tally_engine__compute_payout(f, ec, b, sum, p);
    tally_decimal line = p->rounded;
    const tally_slot *slot = &f->session->slots[b->slot];
    const tally_decimal *recorded = tally_engine__prior(f->session, b);
    const tally_decimal *prior = recorded ? recorded : &zero;
    if (status == TALLY_OK && (slot->has_settlement || recorded)) {
        if (tally_decimal_sub(&line, &line, previous_due) != TALLY_OK ||
            tally_decimal_sub(&line, &line, prior) != TALLY_OK)
            status = tally_engine__payout_overflow(
                f, ec, tally_symbols__text(&f->session->names, b->payee));
        tally_engine__say(f,
                          "due to date %s - settled in earlier periods %s - recorded for this "
                          "period %s = %s\n",
                          tally_engine__show(f, &p->rounded), tally_engine__show(f, previous_due),
                          tally_engine__show(f, prior), tally_engine__show(f, &line));
    }
    if (status == TALLY_OK)
        status = emit_line(f, b, ec, p, &line);
    *previous_due = p->rounded;
    return status;
}

static int
settle_group(tally_finisher *f, const bucket_order *order, size_t count)
{
    tally_session *s = f->session;
    tally_totals sum = {zero, zero, zero, 0, NULL, 0, 0, 1, zero, one};
    tally_decimal previous_due = zero;
    const tally_engine_component *ec = NULL;
    tally_day latest = 0;
    int status = band_scratch(s, order, count, &sum);
    for (size_t i = 0; i < count && status == TALLY_OK; i++) {
        const tally_bucket *b = &s->buckets[order[i].index];
        add_totals(s, &sum, b, &status);
        if (status != TALLY_OK) {
            tally_ctx__free(s->ctx, sum.band_sums);
            return tally_ctx__error(s->ctx, TALLY_ERR_OVERFLOW,
                                    "component \"%s\": a period total needs more than %d digits",
                                    s->slots[b->slot].id, TALLY_DECIMAL_MAX_DIGITS);
        }
        if (b->rows && (!ec || b->latest >= latest)) {
            ec = &s->components[b->component];
            latest = b->latest;
        }
        if (!b->rows && !tally_engine__prior(s, b))
            continue;
        status = settle_bucket(f, b, ec ? ec : fallback_component(s, b), &sum, &previous_due);
    }
    tally_ctx__free(s->ctx, sum.band_sums);
    return status;
}

static int
same_group(const bucket_order *a, const bucket_order *b)
{
    return a->slot == b->slot && a->payee == b->payee && a->period == b->period;
}

/* Bits for the values lo ... hi of a key field. */
static unsigned
range_bits(int64_t lo, int64_t hi)
{
    return tally_result__bits((uint64_t)(hi - lo));
}

/* Sorts by (slot, payee, period, settlement) packed into 64 bits when the fields'
 * ranges allow (radix sort), else with qsort; the keys are distinct either way. */
static int
sort_buckets(tally_session *s, bucket_order *order, size_t count)
{
    int64_t lo[4] = {INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX}, hi[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < count; i++) {
        const int64_t v[4] = {order[i].slot, order[i].payee, order[i].period,
                              order[i].settlement};
        for (int k = 0; k < 4; k++) {
            lo[k] = v[k] < lo[k] ? v[k] : lo[k];
            hi[k] = i == 0 || v[k] > hi[k] ? v[k] : hi[k];
        }
    }
    unsigned bits[4], total = 0;
    for (int k = 0; k < 4; k++)
        total += bits[k] = count ? range_bits(lo[k], hi[k]) : 0;
    if (total > 64) {
        qsort(order, count, sizeof(bucket_order), compare_buckets);
        return TALLY_OK;
    }
    uint64_t *keys = tally_ctx__calloc(s->ctx, count + 1, sizeof(uint64_t));
    uint32_t *index = tally_ctx__calloc(s->ctx, count + 1, sizeof(uint32_t));
    int status = keys && index ? TALLY_OK : TALLY_ERR_NOMEM;
    for (size_t i = 0; status == TALLY_OK && i < count; i++) {
        const int64_t v[4] = {order[i].slot, order[i].payee, order[i].period,
                              order[i].settlement};
        uint64_t key = 0;
        for (int k = 0; k < 4; k++)
            key = (bits[k] ? key << bits[k] : key) | (uint64_t)(v[k] - lo[k]);
        keys[i] = key;
        index[i] = (uint32_t)i;
    }
    if (status == TALLY_OK)
        status = tally_result__sort_pairs(s->ctx, keys, index, count);
    if (status == TALLY_OK) {
        bucket_order *sorted = tally_ctx__calloc(s->ctx, count + 1, sizeof(bucket_order));
        if (!sorted)
            status = TALLY_ERR_NOMEM;
        for (size_t i = 0; sorted && i < count; i++)
            sorted[i] = order[index[i]];
        if (sorted)
            memcpy(order, sorted, count * sizeof(bucket_order));
        tally_ctx__free(s->ctx, sorted);
    }
    tally_ctx__free(s->ctx, keys);
    tally_ctx__free(s->ctx, index);
    return status;
}

/* The MDF slots, each replayed from its run of sorted buckets, in slot order. */
static int
finish_funds(tally_finisher *f, const bucket_order *order, size_t count)
{
    tally_session *s = f->session;
    const tally_bucket **buckets = tally_ctx__calloc(f->ctx, count + 1, sizeof(*buckets));
    if (!buckets)
        return TALLY_ERR_NOMEM;
    int status = TALLY_OK;
    size_t at = 0;
    for (uint32_t slot = 0; status == TALLY_OK && slot < s->slot_count; slot++) {
        size_t n = 0;
        for (; at < count && order[at].slot == slot; at++)
            if (s->buckets[order[at].index].rows)
                buckets[n++] = &s->buckets[order[at].index];
        if (s->slots[slot].kind == TALLY_COMPONENT_MDF)
            status = tally_engine__finish_mdf(f, slot, buckets, n);
    }
    tally_ctx__free(f->ctx, buckets);
    return status;
}

static tally_finisher *new_finisher(tally_session *session, tally_ctx *ctx);
static void free_finisher(tally_finisher *f);

/* ---- MDF funds on a second thread ---- */

/*
 * With two threads (tally_session_options.threads), the funds are replayed on a
 * second thread into a result of its own while the caller's thread settles the
 * other groups; its lines are then appended, in the order one thread makes them
 * (settled groups first), so the outcome is the same, byte for byte. The second
 * thread reads the session and writes only to its finisher, its own context and
 * its result (allocating through the context's allocator, which is why two
 * threads must be asked for).
 */
typedef struct funds_job {
    tally_finisher *f;
    const bucket_order *order;
    size_t count;
    int status;
    pthread_t thread;
} funds_job;

static void *
run_funds(void *user_data)
{
    funds_job *job = user_data;
    job->status = finish_funds(job->f, job->order, job->count);
    return NULL;
}

static int
has_funds(const tally_session *s)
{
    for (size_t i = 0; i < s->slot_count; i++)
        if (s->slots[i].kind == TALLY_COMPONENT_MDF)
            return 1;
    return 0;
}

static void
free_job(funds_job *job)
{
    tally_ctx *ctx = job->f->ctx;
    tally_result_free(job->f->result);
    free_finisher(job->f);
    tally_ctx_free(ctx);
}

/* Starts the funds on a second thread; 0 (nothing started) when one thread is to
 * do it all, or a thread, its context or its finisher cannot be had. */
static int
start_funds(tally_session *s, const bucket_order *order, size_t count, funds_job *job)
{
    tally_ctx *ctx = NULL;
    if (s->threads < 2 || !has_funds(s) ||
        tally_ctx_new(&ctx, tally_ctx__allocator(s->ctx)) != TALLY_OK)
        return 0;
    *job = (funds_job){.f = new_finisher(s, ctx), .order = order, .count = count,
                       .status = TALLY_OK};
    if (!job->f) {
        tally_ctx_free(ctx);
        return 0;
    }
    if (pthread_create(&job->thread, NULL, run_funds, job) != 0) {
        free_job(job);
        return 0;
    }
    return 1;
}

/* The second thread's errors, recorded on the session's context as they were. */
static int
take_errors(tally_ctx *ctx, const tally_ctx *from, int status)
{
    for (size_t i = 0; i < tally_ctx_error_count(from); i++) {
        const tally_error *e = tally_ctx_error(from, i);
        tally_ctx__error(ctx, tally_error_code(e), "%s", tally_error_message(e));
    }
    return status;
}

/* Waits for the funds and appends their lines after the settled ones (`status`). */
static int
join_funds(tally_finisher *f, funds_job *job, int status)
{
    pthread_join(job->thread, NULL);
    if (status == TALLY_OK)
        status = job->status != TALLY_OK ? take_errors(f->ctx, job->f->ctx, job->status)
                                         : tally_result__append(f->result, f->ctx, job->f->result);
    free_job(job);
    return status;
}

static int
finish_all(tally_finisher *f)
{
    tally_session *s = f->session;
    bucket_order *order = tally_ctx__calloc(s->ctx, s->bucket_count + 1, sizeof(bucket_order));
    if (!order)
        return TALLY_ERR_NOMEM;
    for (size_t i = 0; i < s->bucket_count; i++) {
        const tally_bucket *b = &s->buckets[i];
        bucket_order key = {b->slot, b->payee, b->period, b->settlement, (uint32_t)i};
        order[i] = key;
    }
    int status = sort_buckets(s, order, s->bucket_count);
    funds_job job;
    int threaded = status == TALLY_OK && start_funds(s, order, s->bucket_count, &job);
    for (size_t start = 0; start < s->bucket_count && status == TALLY_OK;) {
        size_t end = start + 1;
        while (end < s->bucket_count && same_group(&order[start], &order[end]))
            end++;
        /* MDF funds are replayed per partner across periods, below. */
        if (s->slots[order[start].slot].kind != TALLY_COMPONENT_MDF)
            status = settle_group(f, order + start, end - start);
        start = end;
    }
    if (threaded)
        status = join_funds(f, &job, status);
    else if (status == TALLY_OK)
        status = finish_funds(f, order, s->bucket_count);
    tally_ctx__free(s->ctx, order);
    return status;
}



/* Drops the lines outside the run's range, after recovery has seen them all. */
static void
keep_lines_in_range(const tally_session *session, tally_result *result)
{
    size_t kept = 0;
    for (size_t i = 0; i < result->line_count; i++) {
        const tally_line *line = tally_result__line(result, i);
        tally_day end = line->key->period_end;
        if (end >= session->lines_from && end <= session->lines_to)
            *tally_result__line(result, kept++) = *line;
    }
    tally_result__truncate(result, kept);
}

static void
free_finisher(tally_finisher *f)
{
    tally_ctx *ctx = f->ctx;
    tally_ctx__free(ctx, f->payee_names);
    tally_ctx__free(ctx, f->component_names);
    tally_ctx__free(ctx, f);
}

/* A finisher working through `ctx`, with its empty result, or NULL when out of memory. */
static tally_finisher *
new_finisher(tally_session *session, tally_ctx *ctx)
{
    tally_finisher *f = tally_ctx__alloc(ctx, sizeof(tally_finisher));
    if (!f)
        return NULL;
    f->session = session;
    f->ctx = ctx;
    memset(f->periods, 0, sizeof(f->periods));
    f->payee_count = session->names.count;
    f->payee_names = tally_ctx__calloc(ctx, f->payee_count + 1, sizeof(tally_name *));
    f->component_names =
        tally_ctx__calloc(ctx, 2 * session->component_count + 1, sizeof(tally_name *));
    f->result = tally_result__new(ctx, session->plan->currency);
    if (!f->payee_names || !f->component_names || !f->result) {
        tally_result_free(f->result);
        free_finisher(f);
        return NULL;
    }
    return f;
}

/* What the result records of the run besides its lines. */
static void
describe_run(const tally_session *session, tally_result *result)
{
    memcpy(result->plan_digest, session->plan->digest, TALLY_SHA256_SIZE);
    result->has_input_digest = session->input.wanted;
    if (result->has_input_digest)
        tally_engine__digest_final(&session->input, result->input_digest);
    result->accepted = session->accepted;
    result->rejected = session->rejected;
    result->flags = session->flags;
    if (session->has_as_of)
        tally_date__format(result->as_of, session->as_of);
    if (session->lines_from != INT32_MIN)
        tally_date__format(result->lines_from, session->lines_from);
    if (session->lines_to != INT32_MAX)
        tally_date__format(result->lines_to, session->lines_to);
}

int
tally_session_finish(tally_session *session, tally_result **out)
{
    if (out)
        *out = NULL;
    if (!session)
        return TALLY_ERR_INVALID_ARGUMENT;
    tally_ctx__begin(session->ctx);
    if (!out)
        return tally_ctx__error(session->ctx, TALLY_ERR_INVALID_ARGUMENT,
                                "tally_session_finish needs an output");
    if (session->finished)
        return tally_ctx__error(session->ctx, TALLY_ERR_STATE, "the session is already finished");
    if (session->broken)
        return tally_ctx__error(session->ctx, TALLY_ERR_STATE,
                                "the session cannot be finished: a total overflowed");
    int resolved = tally_engine__flush_and_drop_cells(session);
    if (resolved == TALLY_OK)
        resolved = tally_engine__resolve_returns(session);
    if (resolved == TALLY_OK)
        resolved = tally_engine__index_buckets_for_finish(session);
    if (resolved != TALLY_OK)
        return resolved;
    tally_finisher *f = new_finisher(session, session->ctx);
    if (!f)
        return TALLY_ERR_NOMEM;
    int status = finish_all(f);
    if (status == TALLY_OK)
        status = tally_engine__recover_clawbacks(f);
    if (status == TALLY_OK) {
        keep_lines_in_range(session, f->result);
        describe_run(session, f->result);
        status = tally_result__seal(f->result, session->ctx);
    }
    if (status == TALLY_OK) {
        session->finished = 1;
        *out = f->result;
    } else {
        tally_result_free(f->result);
    }
    free_finisher(f);
    return status;
}
