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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "engine/engine.h"
#include "engine/tiers.h"
#include "result/result.h"

#define EXPLANATION_SIZE 16384

static const tally_decimal zero = {0, 0, 0, 0};
static const tally_decimal one = {1, 0, 0, 0};

/* ---- explanation text ---- */

typedef struct text {
    char data[EXPLANATION_SIZE];
    size_t length;
} text;

static void say(text *t, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void
say(text *t, const char *format, ...)
{
    if (t->length + 1 >= sizeof(t->data))
        return;
    va_list args;
    va_start(args, format);
    int n = vsnprintf(t->data + t->length, sizeof(t->data) - t->length, format, args);
    va_end(args);
    if (n > 0)
        t->length += (size_t)n < sizeof(t->data) - t->length ? (size_t)n
                                                             : sizeof(t->data) - t->length - 1;
}


/* ---- one payout ---- */

/* The accumulated totals a payout is computed on. */
typedef struct totals {
    tally_decimal amount;
    tally_decimal quantity;
    tally_decimal payout;
    uint64_t rows;
} totals;

typedef struct payout {
    tally_decimal basis;
    tally_decimal unrounded;
    tally_decimal rounded;
    tally_decimal multiplier;
    unsigned flags;
    tally_band_share bands[TALLY_MAX_BANDS];
    size_t band_count;
} payout;

typedef struct finisher {
    tally_session *session;
    tally_result *result;
    text explanation;
    char shown[8][TALLY_DECIMAL_STRING_MAX]; /* rotating buffers of show(f, ) */
    unsigned next_shown;
} finisher;

/* Formats a decimal into one of a few rotating buffers, for use inside say(). */
static const char *
show(finisher *f, const tally_decimal *value)
{
    char *out = f->shown[f->next_shown++ % 8];
    tally_decimal_format(out, TALLY_DECIMAL_STRING_MAX, value);
    return out;
}

static int
overflow(finisher *f, const tally_engine_component *ec, const char *payee)
{
    return tally_ctx__error(f->session->ctx, TALLY_ERR_OVERFLOW,
                            "component \"%s\", payee \"%s\": the payout needs more than %d "
                            "digits",
                            ec->model->id, payee, TALLY_DECIMAL_MAX_DIGITS);
}

static int
is_below(const tally_decimal *a, const tally_decimal *b)
{
    int order = 0;
    tally_decimal_compare(&order, a, b);
    return order < 0;
}

static const char *
measure_name(tally_tier_measure measure)
{
    switch (measure) {
    case TALLY_MEASURE_AMOUNT:
        return "amount";
    case TALLY_MEASURE_QUANTITY:
        return "quantity";
    case TALLY_MEASURE_ATTAINMENT:
        return "attainment %";
    }
    return "?";
}

static const char *
mode_name(tally_tier_mode mode)
{
    switch (mode) {
    case TALLY_TIERS_WHOLE:
        return "whole";
    case TALLY_TIERS_MARGINAL:
        return "marginal";
    case TALLY_TIERS_INTERPOLATED:
        return "interpolated";
    }
    return "?";
}

static void
explain_bands(finisher *f, const tally_tier_table *tiers, const payout *p)
{
    for (size_t i = 0; i < p->band_count; i++) {
        size_t band = tiers->mode == TALLY_TIERS_WHOLE ? tally_tiers__band_of(tiers, &p->basis)
                                                       : i;
        const tally_band *b = &tiers->bands[band];
        const tally_band_share *s = &p->bands[i];
        if (b->open)
            say(&f->explanation, "band [%s, ...): ", show(f, &b->from));
        else
            say(&f->explanation, "band [%s, %s): ", show(f, &b->from), show(f, &b->to));
        say(&f->explanation, "%s x %s = %s\n", show(f, &s->portion), show(f, &s->value),
            show(f, &s->payout));
    }
}

/* attainment % = |net| / quota × 100, truncated: exact for every band comparison. */
static int
attainment(const tally_decimal *net, const tally_decimal *quota, tally_decimal *out)
{
    static const tally_decimal hundred = {100, 0, 0, 0};
    tally_decimal scaled;
    int status = tally_decimal_mul(&scaled, net, &hundred);
    return status ? status : tally_decimal_div(out, &scaled, quota, 24, TALLY_ROUND_DOWN);
}

/* Period-basis tiers on the totals; the sign of the measured value is restored. */
static int
pay_tiers(finisher *f, const tally_engine_component *ec, const char *payee,
          const tally_partner_record *partner, const totals *sum, payout *p)
{
    const tally_component *c = ec->model;
    const tally_tier_table *tiers = &c->rate.tiers;
    tally_decimal amount, quantity, measured;
    tally_decimal_abs(&amount, &sum->amount);
    tally_decimal_abs(&quantity, &sum->quantity);
    const tally_decimal *quota = NULL;
    int negative;
    switch (tiers->measure) {
    case TALLY_MEASURE_QUANTITY:
        measured = quantity;
        negative = tally_decimal_sign(&sum->quantity) < 0;
        break;
    case TALLY_MEASURE_ATTAINMENT:
        if (!partner || !partner->has_quota)
            return tally_ctx__error(f->session->ctx, TALLY_ERR_INPUT,
                                    "component \"%s\": payee \"%s\" has no quota in the partner "
                                    "table, which attainment tiers need",
                                    c->id, payee);
        quota = &partner->quota;
        if (attainment(&amount, quota, &measured) != TALLY_OK)
            return overflow(f, ec, payee);
        negative = tally_decimal_sign(&sum->amount) < 0;
        say(&f->explanation, "attainment: %s / quota %s x 100 = %s%%\n", show(f, &amount),
            show(f, quota), show(f, &measured));
        break;
    default:
        measured = amount;
        negative = tally_decimal_sign(&sum->amount) < 0;
        break;
    }
    p->basis = measured;
    if (c->has_minimum && is_below(&measured, &c->minimum)) {
        p->flags |= TALLY_LINE_BELOW_MINIMUM;
        say(&f->explanation, "minimum %s not reached: nothing earned\n", show(f, &c->minimum));
        p->unrounded = zero;
        return TALLY_OK;
    }
    if (tally_tiers__pay(tiers, &measured, &amount, &quantity, quota, &p->unrounded, p->bands,
                         &p->band_count) != TALLY_OK)
        return overflow(f, ec, payee);
    say(&f->explanation, "tiers (%s on %s %s):\n", mode_name(tiers->mode),
        measure_name(tiers->measure), show(f, &measured));
    explain_bands(f, tiers, p);
    if (negative) {
        tally_decimal_negate(&p->unrounded, &p->unrounded);
        tally_decimal_negate(&p->basis, &p->basis);
        say(&f->explanation, "net negative: sign restored, %s\n", show(f, &p->unrounded));
    }
    return TALLY_OK;
}

/* Rates paid per row: the sum of the rows' payouts, if the period basis reaches the minimum. */
static void
pay_rows(finisher *f, const tally_component *c, const totals *sum, payout *p)
{
    int by_units = c->rate.kind == TALLY_RATE_PER_UNIT || c->kind == TALLY_COMPONENT_REFERRAL ||
                   c->kind == TALLY_COMPONENT_SPIFF ||
                   (c->rate.kind == TALLY_RATE_TIERS &&
                    c->rate.tiers.measure == TALLY_MEASURE_QUANTITY);
    p->basis = by_units ? sum->quantity : sum->amount;
    say(&f->explanation, "sum of %llu transaction payouts: %s\n", (unsigned long long)sum->rows,
        show(f, &sum->payout));
    int per_transaction_tiers =
        c->rate.kind == TALLY_RATE_TIERS && c->rate.tiers.basis == TALLY_BASIS_TRANSACTION;
    tally_decimal magnitude;
    tally_decimal_abs(&magnitude, &p->basis);
    if (c->has_minimum && !per_transaction_tiers && is_below(&magnitude, &c->minimum)) {
        p->flags |= TALLY_LINE_BELOW_MINIMUM;
        say(&f->explanation, "minimum %s not reached: nothing earned\n", show(f, &c->minimum));
        p->unrounded = zero;
        return;
    }
    p->unrounded = sum->payout;
}

static const tally_decimal *
multiplier_for(const tally_session *session, const tally_component *c,
               const tally_partner_record *partner)
{
    if (!c->multipliers.count || !partner || partner->tier == TALLY_NO_SYMBOL)
        return NULL;
    const char *tier = tally_symbols__text(&session->names, partner->tier);
    for (size_t i = 0; i < c->multipliers.count; i++)
        if (strcmp(c->multipliers.entries[i].key, tier) == 0)
            return &c->multipliers.entries[i].value;
    return NULL;
}

static int
limit_and_round(finisher *f, const tally_engine_component *ec, const char *payee,
                const tally_partner_record *partner, payout *p)
{
    const tally_component *c = ec->model;
    int per_transaction = c->rounding.point == TALLY_ROUNDING_PER_TRANSACTION;
    const tally_decimal *multiplier = multiplier_for(f->session, c, partner);
    p->multiplier = multiplier ? *multiplier : one;
    if (multiplier && per_transaction) {
        p->flags |= TALLY_LINE_MULTIPLIED;
        say(&f->explanation, "multiplier %s applied per transaction\n", show(f, multiplier));
    } else if (multiplier) {
        if (tally_decimal_mul(&p->unrounded, &p->unrounded, multiplier) != TALLY_OK)
            return overflow(f, ec, payee);
        p->flags |= TALLY_LINE_MULTIPLIED;
        say(&f->explanation, "multiplier %s (partner tier %s): %s\n", show(f, multiplier),
            tally_symbols__text(&f->session->names, partner->tier), show(f, &p->unrounded));
    }
    tally_decimal magnitude;
    tally_decimal_abs(&magnitude, &p->unrounded);
    if (c->has_cap && is_below(&c->cap, &magnitude)) {
        int negative = tally_decimal_sign(&p->unrounded) < 0;
        p->unrounded = c->cap;
        if (negative)
            tally_decimal_negate(&p->unrounded, &p->unrounded);
        p->flags |= TALLY_LINE_CAPPED;
        say(&f->explanation, "cap %s applied: %s\n", show(f, &c->cap), show(f, &p->unrounded));
    }
    if (per_transaction)
        p->flags |= TALLY_LINE_ROUNDED_PER_TRANSACTION;
    if (tally_decimal_round(&p->rounded, &p->unrounded, c->rounding.scale, c->rounding.mode) !=
        TALLY_OK)
        return overflow(f, ec, payee);
    say(&f->explanation, "rounded %s to %d places%s: %s\n", tally_rounding_name(c->rounding.mode),
        c->rounding.scale, per_transaction ? " (per transaction)" : "", show(f, &p->rounded));
    return TALLY_OK;
}

static int
compute_payout(finisher *f, const tally_engine_component *ec, uint32_t payee,
               const totals *sum, payout *p)
{
    const tally_component *c = ec->model;
    const char *payee_text = tally_symbols__text(&f->session->names, payee);
    const tally_partner_record *partner = tally_engine__partner(f->session, payee);
    memset(p, 0, sizeof(*p) - sizeof(p->bands));
    p->band_count = 0;
    say(&f->explanation, "rule %s (%s, version %s): net amount %s, net quantity %s, %llu "
        "transactions\n", c->id, tally_component_kind_name(c->kind), ec->version->id,
        show(f, &sum->amount), show(f, &sum->quantity), (unsigned long long)sum->rows);
    int status = TALLY_OK;
    if (c->rate.kind == TALLY_RATE_TIERS && c->rate.tiers.basis == TALLY_BASIS_PERIOD)
        status = pay_tiers(f, ec, payee_text, partner, sum, p);
    else
        pay_rows(f, c, sum, p);
    if (status == TALLY_OK)
        status = limit_and_round(f, ec, payee_text, partner, p);
    return status;
}

/* ---- lines ---- */

static int
compare_sources(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
copy_sources(finisher *f, const tally_bucket *b, tally_line *line)
{
    const tally_session *s = f->session;
    size_t count = 0;
    for (uint32_t at = b->first_source; at != UINT32_MAX; at = s->sources[at].next)
        count++;
    line->sources = NULL;
    line->source_count = 0;
    if (!count)
        return TALLY_OK;
    const char **ids = tally_arena__alloc(&f->result->arena, s->ctx, count * sizeof(char *));
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
        const char *copy = tally_arena__strndup(&f->result->arena, s->ctx, ids[i], strlen(ids[i]));
        if (!copy)
            return TALLY_ERR_NOMEM;
        ids[kept++] = copy;
    }
    line->sources = ids;
    line->source_count = kept;
    return TALLY_OK;
}

static const char *
keep(finisher *f, const char *textual)
{
    return tally_arena__strndup(&f->result->arena, f->session->ctx, textual, strlen(textual));
}

static int
emit_line(finisher *f, const tally_bucket *b, const tally_engine_component *ec,
          const payout *p, const tally_decimal *amount)
{
    const tally_slot *slot = &f->session->slots[b->slot];
    char period[TALLY_PERIOD_LABEL_SIZE], tier_period[TALLY_PERIOD_LABEL_SIZE];
    tally_period__label(tier_period, &slot->period, b->period);
    tally_period__label(period, &slot->settlement, b->settlement);
    tally_line line;
    memset(&line, 0, sizeof(line));
    line.currency = f->result->currency;
    line.amount = *amount;
    line.basis = p->basis;
    line.unrounded = p->unrounded;
    line.multiplier = p->multiplier;
    line.flags = p->flags;
    line.kind = tally_decimal_sign(amount) < 0 ? TALLY_LINE_CLAWBACK
                : b->has_prior                 ? TALLY_LINE_TRUE_UP
                                               : TALLY_LINE_EARNED;
    line.payee = keep(f, tally_symbols__text(&f->session->names, b->payee));
    line.component = keep(f, ec->model->id);
    line.version = keep(f, ec->version->id);
    line.period = keep(f, period);
    line.tier_period = keep(f, tier_period);
    line.explanation = keep(f, f->explanation.data);
    if (!line.payee || !line.component || !line.version || !line.period || !line.tier_period ||
        !line.explanation)
        return TALLY_ERR_NOMEM;
    if (p->band_count) {
        line.bands = tally_arena__alloc(&f->result->arena, f->session->ctx,
                                        p->band_count * sizeof(tally_band_share));
        if (!line.bands)
            return TALLY_ERR_NOMEM;
        memcpy(line.bands, p->bands, p->band_count * sizeof(tally_band_share));
        line.band_count = p->band_count;
    }
    int status = copy_sources(f, b, &line);
    if (status == TALLY_OK)
        status = tally_result__add_line(f->result, f->session->ctx, &line);
    return status;
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

/* The component whose rules pay a settlement period nobody sold in (a prior only). */
static const tally_engine_component *
fallback_component(const tally_session *session, const tally_bucket *b)
{
    const tally_slot *slot = &session->slots[b->slot];
    tally_day day = tally_period__last_day(&slot->settlement, b->settlement);
    const tally_engine_version *version = tally_engine__version_on(session, day);
    for (size_t i = 0; version && i < version->component_count; i++)
        if (version->components[i].slot == b->slot)
            return &version->components[i];
    for (size_t i = 0; i < session->component_count; i++)
        if (session->components[i].slot == b->slot)
            return &session->components[i];
    return NULL;
}

static void
add_totals(totals *sum, const tally_bucket *b, int *status)
{
    if (*status != TALLY_OK)
        return;
    if (tally_decimal_add(&sum->amount, &sum->amount, &b->amount) != TALLY_OK ||
        tally_decimal_add(&sum->quantity, &sum->quantity, &b->quantity) != TALLY_OK ||
        tally_decimal_add(&sum->payout, &sum->payout, &b->payout) != TALLY_OK)
        *status = TALLY_ERR_OVERFLOW;
    sum->rows += b->rows;
}

static int
settle_bucket(finisher *f, const tally_bucket *b, const tally_engine_component *ec,
              const totals *sum, tally_decimal *previous_due)
{
    payout *p = tally_ctx__alloc(f->session->ctx, sizeof(payout));
    if (!p)
        return TALLY_ERR_NOMEM;
    f->explanation.length = 0;
    f->explanation.data[0] = '\0';
    int status = compute_payout(f, ec, b->payee, sum, p);
    tally_decimal line = p->rounded;
    const tally_slot *slot = &f->session->slots[b->slot];
    if (status == TALLY_OK && (slot->has_settlement || b->has_prior)) {
        if (tally_decimal_sub(&line, &line, previous_due) != TALLY_OK ||
            tally_decimal_sub(&line, &line, &b->prior) != TALLY_OK)
            status = overflow(f, ec, tally_symbols__text(&f->session->names, b->payee));
        say(&f->explanation, "due to date %s - settled in earlier periods %s - recorded for this "
            "period %s = %s\n", show(f, &p->rounded), show(f, previous_due), show(f, &b->prior),
            show(f, &line));
    }
    if (status == TALLY_OK)
        status = emit_line(f, b, ec, p, &line);
    *previous_due = p->rounded;
    tally_ctx__free(f->session->ctx, p);
    return status;
}

static int
settle_group(finisher *f, const bucket_order *order, size_t count)
{
    const tally_session *s = f->session;
    totals sum = {zero, zero, zero, 0};
    tally_decimal previous_due = zero;
    const tally_engine_component *ec = NULL;
    tally_day latest = 0;
    int status = TALLY_OK;
    for (size_t i = 0; i < count && status == TALLY_OK; i++) {
        const tally_bucket *b = &s->buckets[order[i].index];
        add_totals(&sum, b, &status);
        if (status != TALLY_OK)
            return tally_ctx__error(s->ctx, TALLY_ERR_OVERFLOW,
                                    "component \"%s\": a period total needs more than %d digits",
                                    s->slots[b->slot].id, TALLY_DECIMAL_MAX_DIGITS);
        if (b->rows && (!ec || b->latest >= latest)) {
            ec = &s->components[b->component];
            latest = b->latest;
        }
        if (!b->rows && !b->has_prior)
            continue;
        const tally_engine_component *rules = ec ? ec : fallback_component(s, b);
        if (rules)
            status = settle_bucket(f, b, rules, &sum, &previous_due);
    }
    return status;
}

static int
same_group(const bucket_order *a, const bucket_order *b)
{
    return a->slot == b->slot && a->payee == b->payee && a->period == b->period;
}

static int
finish_all(finisher *f)
{
    tally_session *s = f->session;
    if (!s->bucket_count)
        return TALLY_OK;
    bucket_order *order = tally_ctx__calloc(s->ctx, s->bucket_count, sizeof(bucket_order));
    if (!order)
        return TALLY_ERR_NOMEM;
    for (size_t i = 0; i < s->bucket_count; i++) {
        const tally_bucket *b = &s->buckets[i];
        bucket_order key = {b->slot, b->payee, b->period, b->settlement, (uint32_t)i};
        order[i] = key;
    }
    qsort(order, s->bucket_count, sizeof(bucket_order), compare_buckets);
    int status = TALLY_OK;
    for (size_t start = 0; start < s->bucket_count && status == TALLY_OK;) {
        size_t end = start + 1;
        while (end < s->bucket_count && same_group(&order[start], &order[end]))
            end++;
        status = settle_group(f, order + start, end - start);
        start = end;
    }
    tally_ctx__free(s->ctx, order);
    return status;
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
    int resolved = tally_engine__resolve_returns(session);
    if (resolved != TALLY_OK)
        return resolved;
    finisher *f = tally_ctx__alloc(session->ctx, sizeof(finisher));
    if (!f)
        return TALLY_ERR_NOMEM;
    f->session = session;
    f->result = tally_result__new(session->ctx, session->plan->currency);
    int status = f->result ? finish_all(f) : TALLY_ERR_NOMEM;
    if (status == TALLY_OK) {
        tally_result *result = f->result;
        memcpy(result->plan_digest, session->plan->digest, TALLY_SHA256_SIZE);
        tally_engine__digest_final(&session->input, result->input_digest);
        result->accepted = session->accepted;
        result->rejected = session->rejected;
        tally_result__seal(result);
        session->finished = 1;
        *out = result;
    } else {
        tally_result_free(f->result);
    }
    tally_ctx__free(session->ctx, f);
    return status;
}
