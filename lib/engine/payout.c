/*
 * One payout: the non-linear rules of domain.md on a payee's period totals —
 * period tiers (or the rows' own payouts), minimum, partner-tier multiplier, cap
 * on the absolute value with the sign restored, and rounding — each step written
 * into the explanation as it applies.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/context.h"
#include "core/decimal.h"
#include "engine/payout.h"

#define say tally_engine__say
#define show tally_engine__show

static const tally_decimal zero = {0, 0, 0, 0};
static const tally_decimal one = {1, 0, 0, 0};

/* ---- explanation text ---- */



/* Appends as much of `text` as fits, keeping the NUL's byte free. */
static void
say_bytes(tally_text *t, const char *text, size_t length)
{
    size_t room = sizeof(t->data) - 1 - t->length;
    if (length > room)
        length = room;
    memcpy(t->data + t->length, text, length);
    t->length += length;
}

static void
say_unsigned(tally_text *t, unsigned long long value, int negative)
{
    char digits[TALLY_DECIMAL_STRING_MAX];
    say_bytes(t, digits, tally_dec__format_u64(digits, value, 0, negative));
}

/* The conversions explanations use (%s, %d, %llu, %%), without vsnprintf: a
 * result says a few lines per payout, and vsnprintf's setup per call was most of
 * the cost of saying them. Returns 0 at a conversion it does not know. */
static int
say_simply(tally_text *t, const char *format, va_list args)
{
    for (const char *p = format; *p;) {
        const char *percent = strchr(p, '%');
        size_t plain = percent ? (size_t)(percent - p) : strlen(p);
        say_bytes(t, p, plain);
        if (!percent)
            break;
        p = percent + 1;
        if (*p == 's') {
            const char *text = va_arg(args, const char *);
            say_bytes(t, text, strlen(text));
            p++;
        } else if (*p == 'd') {
            int value = va_arg(args, int);
            say_unsigned(t, value < 0 ? 0ull - (unsigned long long)value : (unsigned long long)value,
                         value < 0);
            p++;
        } else if (p[0] == 'l' && p[1] == 'l' && p[2] == 'u') {
            say_unsigned(t, va_arg(args, unsigned long long), 0);
            p += 3;
        } else if (*p == '%') {
            say_bytes(t, "%", 1);
            p++;
        } else {
            return 0;
        }
    }
    t->data[t->length] = '\0';
    return 1;
}

void
tally_text__vadd(tally_text *t, const char *format, va_list args)
{
    if (t->length + 1 >= sizeof(t->data))
        return;
    size_t start = t->length;
    va_list again;
    va_copy(again, args);
    if (!say_simply(t, format, args)) { /* another conversion: the library's way */
        t->length = start;
        int n = vsnprintf(t->data + start, sizeof(t->data) - start, format, again);
        if (n > 0)
            t->length += (size_t)n < sizeof(t->data) - start ? (size_t)n
                                                             : sizeof(t->data) - start - 1;
    }
    va_end(again);
}

void
tally_text__add(tally_text *t, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    tally_text__vadd(t, format, args);
    va_end(args);
}

void
tally_engine__say(tally_finisher *f, const char *format, ...)
{
    if (f->session->flags & TALLY_SESSION_NO_EXPLANATIONS)
        return;
    va_list args;
    va_start(args, format);
    tally_text__vadd(&f->explanation, format, args);
    va_end(args);
}

/* ---- one payout ---- */




/* Formats a decimal into one of a few rotating buffers, for use inside say(). */
const char *
tally_engine__show(tally_finisher *f, const tally_decimal *value)
{
    /* Without explanations nothing is said: formatting would be wasted. */
    if (f->session->flags & TALLY_SESSION_NO_EXPLANATIONS)
        return "";
    char *out = f->shown[f->next_shown++ % 8];
    tally_decimal_format(out, TALLY_DECIMAL_STRING_MAX, value);
    return out;
}

int
tally_engine__payout_overflow(tally_finisher *f, const tally_engine_component *ec,
                              const char *payee)
{
    return tally_ctx__error(f->ctx, TALLY_ERR_OVERFLOW,
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
explain_bands(tally_finisher *f, const tally_tier_table *tiers, const tally_payout *p)
{
    for (size_t i = 0; i < p->band_count; i++) {
        size_t band = tiers->mode == TALLY_TIERS_WHOLE ? tally_tiers__band_of(tiers, &p->basis)
                                                       : i;
        const tally_band *b = &tiers->bands[band];
        const tally_band_share *s = &p->bands[i];
        if (b->open)
            say(f, "band [%s, ...): ", show(f, &b->from));
        else
            say(f, "band [%s, %s): ", show(f, &b->from), show(f, &b->to));
        say(f, "%s x %s = %s\n", show(f, &s->portion), show(f, &s->value),
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
    if (status == TALLY_OK)
        status = tally_decimal_div(out, &scaled, quota, 24, TALLY_ROUND_DOWN);
    /* 90 %, not 90.000000000000000000000000 %: the value is the same. */
    tally_dec__trim(out, 0);
    return status;
}

/* Interpolated tiers: the payout as an exact quotient (pay_interpolated rounds
 * the band fraction to 24 digits, which a ceiling rounding or a multiplier could
 * turn into a cent). Too large for 38 digits, the 24-digit value stands. */
static void
keep_exact(const tally_tier_table *tiers, const tally_decimal *measured, tally_payout *p)
{
    tally_decimal whole, numerator, width;
    size_t band;
    p->fractional = 0;
    if (tiers->mode != TALLY_TIERS_INTERPOLATED ||
        tally_tiers__interpolated_parts(tiers, measured, &whole, &band, &numerator) !=
            TALLY_OK ||
        band == SIZE_MAX)
        return;
    const tally_band *b = &tiers->bands[band];
    if (tally_decimal_sub(&width, &b->to, &b->from) != TALLY_OK ||
        tally_decimal_mul(&p->exact, &whole, &width) != TALLY_OK ||
        tally_decimal_add(&p->exact, &p->exact, &numerator) != TALLY_OK ||
        tally_tiers__fraction(&p->unrounded, &p->exact, &width) != TALLY_OK)
        return;
    p->divisor = width;
    p->fractional = 1;
}

/* The exact payout times the multiplier; 0 when it needs more than 38 digits. */
static int
multiply_exact(tally_payout *p, const tally_decimal *multiplier)
{
    return tally_decimal_mul(&p->exact, &p->exact, multiplier) == TALLY_OK &&
           tally_tiers__fraction(&p->unrounded, &p->exact, &p->divisor) == TALLY_OK;
}

/* |exact / divisor| > cap, without dividing (the divisor is a band width, > 0). */
static int
exact_above(const tally_payout *p, const tally_decimal *cap, int *above)
{
    tally_decimal magnitude, limit;
    int order = 0;
    tally_decimal_abs(&magnitude, &p->exact);
    if (tally_decimal_mul(&limit, cap, &p->divisor) != TALLY_OK)
        return 0;
    tally_decimal_compare(&order, &magnitude, &limit);
    *above = order > 0;
    return 1;
}

/* Period-basis tiers on the totals; the sign of the measured value is restored. */
static int
pay_tiers(tally_finisher *f, const tally_engine_component *ec, const char *payee,
          const tally_partner_record *partner, const tally_totals *sum, tally_payout *p)
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
        negative = tally_tiers__negative(tiers, &sum->amount, &sum->quantity);
        break;
    case TALLY_MEASURE_ATTAINMENT:
        if (!partner || !partner->has_quota)
            return tally_ctx__error(f->ctx, TALLY_ERR_INPUT,
                                    "component \"%s\": payee \"%s\" has no quota in the partner "
                                    "table, which attainment tiers need",
                                    c->id, payee);
        quota = &partner->quota;
        if (attainment(&amount, quota, &measured) != TALLY_OK)
            return tally_engine__payout_overflow(f, ec, payee);
        negative = tally_tiers__negative(tiers, &sum->amount, &sum->quantity);
        say(f, "attainment: %s / quota %s x 100 = %s%%\n", show(f, &amount),
            show(f, quota), show(f, &measured));
        break;
    default:
        measured = amount;
        negative = tally_tiers__negative(tiers, &sum->amount, &sum->quantity);
        break;
    }
    p->basis = measured;
    /* The minimum is a basis in the currency (or units): for attainment, revenue. */
    const tally_decimal *against = tiers->measure == TALLY_MEASURE_ATTAINMENT ? &amount : &measured;
    if (c->has_minimum && is_below(against, &c->minimum)) {
        p->flags |= TALLY_LINE_BELOW_MINIMUM;
        say(f, "minimum %s not reached: nothing earned\n", show(f, &c->minimum));
        p->unrounded = zero;
        return TALLY_OK;
    }
    if (tally_tiers__pay(tiers, &measured, &amount, &quantity, quota, &p->unrounded, p->bands,
                         &p->band_count) != TALLY_OK)
        return tally_engine__payout_overflow(f, ec, payee);
    keep_exact(tiers, &measured, p);
    say(f, "tiers (%s on %s %s):\n", mode_name(tiers->mode),
        measure_name(tiers->measure), show(f, &measured));
    explain_bands(f, tiers, p);
    if (tally_engine__rounds_bands_per_row(c) && sum->band_sums) {
        /* Each row already paid this band's rate, multiplied and rounded on its own. */
        size_t band = tally_tiers__band_of(tiers, &measured);
        p->unrounded = band == SIZE_MAX ? zero : sum->band_sums[band];
        say(f, "the band's rate on each transaction, rounded per transaction: %s\n",
            show(f, &p->unrounded));
        return TALLY_OK;
    }
    if (negative) {
        tally_decimal_negate(&p->exact, &p->exact);
        tally_decimal_negate(&p->unrounded, &p->unrounded);
        tally_decimal_negate(&p->basis, &p->basis);
        say(f, "net negative: sign restored, %s\n", show(f, &p->unrounded));
    }
    return TALLY_OK;
}

/* Rates paid per row: the sum of the rows' payouts, if the period basis reaches the minimum. */
static void
pay_rows(tally_finisher *f, const tally_component *c, const tally_totals *sum, tally_payout *p)
{
    int by_units = c->rate.kind == TALLY_RATE_PER_UNIT || c->kind == TALLY_COMPONENT_REFERRAL ||
                   c->kind == TALLY_COMPONENT_SPIFF ||
                   (c->rate.kind == TALLY_RATE_TIERS &&
                    c->rate.tiers.measure == TALLY_MEASURE_QUANTITY);
    p->basis = by_units ? sum->quantity : sum->amount;
    say(f, "sum of the payouts of %llu %s: %s\n", (unsigned long long)sum->rows,
        sum->rows == 1 ? "transaction" : "transactions",
        show(f, &sum->payout));
    int per_transaction_tiers =
        c->rate.kind == TALLY_RATE_TIERS && c->rate.tiers.basis == TALLY_BASIS_TRANSACTION;
    tally_decimal magnitude;
    tally_decimal_abs(&magnitude, &p->basis);
    if (c->has_minimum && !per_transaction_tiers && is_below(&magnitude, &c->minimum)) {
        p->flags |= TALLY_LINE_BELOW_MINIMUM;
        say(f, "minimum %s not reached: nothing earned\n", show(f, &c->minimum));
        p->unrounded = zero;
        return;
    }
    p->unrounded = sum->payout;
    /* What is shown is the exact quotient to 24 digits, not the sum of shares. */
    if (sum->fractional && sum->exact_valid &&
        tally_tiers__fraction(&p->unrounded, &sum->exact, &sum->divisor) == TALLY_OK) {
        p->fractional = 1;
        p->exact = sum->exact;
        p->divisor = sum->divisor;
    }
}

static int
limit_and_round(tally_finisher *f, const tally_engine_component *ec, uint32_t payee,
                const tally_partner_record *partner, tally_payout *p)
{
    const tally_component *c = ec->model;
    const char *payee_text = tally_symbols__text(&f->session->names, payee);
    int per_transaction = c->rounding.point == TALLY_ROUNDING_PER_TRANSACTION;
    const tally_decimal *multiplier = tally_engine__multiplier(f->session, c, payee);
    p->multiplier = multiplier ? *multiplier : one;
    if (multiplier && tally_engine__multiplies_per_row(c)) {
        p->flags |= TALLY_LINE_MULTIPLIED;
        say(f, "multiplier %s applied per transaction\n", show(f, multiplier));
    } else if (multiplier) {
        p->fractional = p->fractional && multiply_exact(p, multiplier);
        if (!p->fractional &&
            tally_decimal_mul(&p->unrounded, &p->unrounded, multiplier) != TALLY_OK)
            return tally_engine__payout_overflow(f, ec, payee_text);
        p->flags |= TALLY_LINE_MULTIPLIED;
        say(f, "multiplier %s (partner tier %s): %s\n", show(f, multiplier),
            tally_symbols__text(&f->session->names, partner->tier), show(f, &p->unrounded));
    }
    tally_decimal magnitude;
    tally_decimal_abs(&magnitude, &p->unrounded);
    int above = c->has_cap && is_below(&c->cap, &magnitude);
    if (c->has_cap && p->fractional && !exact_above(p, &c->cap, &above))
        p->fractional = 0; /* too large to compare exactly: the 24-digit value decides */
    if (above) {
        p->fractional = 0;
        int negative = tally_decimal_sign(&p->unrounded) < 0;
        p->unrounded = c->cap;
        if (negative)
            tally_decimal_negate(&p->unrounded, &p->unrounded);
        p->flags |= TALLY_LINE_CAPPED;
        say(f, "cap %s applied: %s\n", show(f, &c->cap), show(f, &p->unrounded));
    }
    if (per_transaction)
        p->flags |= TALLY_LINE_ROUNDED_PER_TRANSACTION;
    int status = p->fractional ? tally_decimal_div(&p->rounded, &p->exact, &p->divisor,
                                                   c->rounding.scale, c->rounding.mode)
                               : tally_decimal_round(&p->rounded, &p->unrounded,
                                                     c->rounding.scale, c->rounding.mode);
    if (status != TALLY_OK)
        return tally_engine__payout_overflow(f, ec, payee_text);
    say(f, "rounded %s to %d places%s: %s\n", tally_rounding_name(c->rounding.mode),
        c->rounding.scale, per_transaction ? " (per transaction)" : "", show(f, &p->rounded));
    return TALLY_OK;
}

int
tally_engine__compute_payout(tally_finisher *f, const tally_engine_component *ec,
                             const tally_bucket *b, const tally_totals *sum, tally_payout *p)
{
    const tally_component *c = ec->model;
    uint32_t payee = b->payee;
    const char *payee_text = tally_symbols__text(&f->session->names, payee);
    const tally_partner_record *partner = tally_engine__partner(f->session, payee);
    memset(p, 0, offsetof(tally_payout, bands));
    p->band_count = 0;
    say(f, "rule %s (%s, version %s): net amount %s, net quantity %s, %llu %s\n", c->id,
        tally_component_kind_name(c->kind), ec->version->id, show(f, &sum->amount),
        show(f, &sum->quantity), (unsigned long long)sum->rows,
        sum->rows == 1 ? "transaction" : "transactions");
    int status = TALLY_OK;
    if (c->kind == TALLY_COMPONENT_GROWTH_REBATE)
        status = tally_engine__pay_growth(f, ec, b, sum, p);
    else if (c->rate.kind == TALLY_RATE_TIERS && c->rate.tiers.basis == TALLY_BASIS_PERIOD)
        status = pay_tiers(f, ec, payee_text, partner, sum, p);
    else
        pay_rows(f, c, sum, p);
    if (status == TALLY_OK)
        status = limit_and_round(f, ec, payee, partner, p);
    return status;
}
