/*
 * Currency conversion (domain.md section on multi-currency, issue 5): a
 * transaction in another currency than the plan's is converted exactly with the
 * latest rate of its currency dated on or before it. A missing rate is an error,
 * never a guess; a rate that would change an earlier conversion is refused, so
 * accepted inputs give the same result in any order.
 */
#include <string.h>

#include "core/context.h"
#include "engine/engine.h"

static int
reject(tally_session *session, const tally_fx_rate *r, const char *what)
{
    return tally_ctx__error(session->ctx, TALLY_ERR_INPUT,
                            "exchange rate %.16s->%.16s on %.16s: %s", r->from ? r->from : "",
                            r->to ? r->to : "", r->date ? r->date : "", what);
}

static tally_fx_series *
series_of(tally_session *session, const tally_currency *from)
{
    for (size_t i = 0; i < session->fx_count; i++)
        if (session->fx[i].from == from)
            return &session->fx[i];
    return NULL;
}

static tally_fx_series *
add_series(tally_session *session, const tally_currency *from)
{
    if (session->fx_count == session->fx_capacity) {
        tally_fx_series *grown = tally_ctx__grow(session->ctx, session->fx, &session->fx_capacity,
                                                 session->fx_count + 1, sizeof(*grown), 8);
        if (!grown)
            return NULL;
        session->fx = grown;
    }
    tally_fx_series *series = &session->fx[session->fx_count++];
    memset(series, 0, sizeof(*series));
    series->from = from;
    return series;
}

static int
reserve_point(tally_session *session, tally_fx_series *series)
{
    if (series->count < series->capacity)
        return TALLY_OK;
    /* Two arrays, one capacity: it changes once both have grown. */
    size_t dates_capacity = series->capacity, rates_capacity = series->capacity;
    tally_day *dates = tally_ctx__grow(session->ctx, series->dates, &dates_capacity,
                                       series->count + 1, sizeof(*dates), 16);
    if (!dates)
        return TALLY_ERR_NOMEM;
    series->dates = dates;
    tally_decimal *rates = tally_ctx__grow(session->ctx, series->rates, &rates_capacity,
                                           series->count + 1, sizeof(*rates), 16);
    if (!rates)
        return TALLY_ERR_NOMEM;
    series->rates = rates;
    series->capacity = rates_capacity;
    return TALLY_OK;
}

/* Index of the first point dated after `day`. */
static size_t
after(const tally_fx_series *series, tally_day day)
{
    size_t low = 0, high = series->count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (series->dates[middle] <= day)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

static int
check(tally_session *session, const tally_fx_rate *r, const tally_currency **from,
      tally_day *day)
{
    const tally_currency *to = NULL;
    if (!r->date || !r->from || !r->to)
        return reject(session, r, "date, from and to are required");
    if (!tally_date__parse(day, r->date, strlen(r->date)))
        return reject(session, r, "the date is not a valid YYYY-MM-DD date");
    if (tally_currency_lookup(NULL, from, r->from) != TALLY_OK ||
        tally_currency_lookup(NULL, &to, r->to) != TALLY_OK)
        return reject(session, r, "unknown currency");
    if (to != session->plan->currency)
        return reject(session, r, "rates must convert into the plan's currency");
    if (*from == to)
        return reject(session, r, "a currency needs no rate into itself");
    if (tally_decimal_validate(&r->rate) != TALLY_OK || tally_decimal_sign(&r->rate) <= 0)
        return reject(session, r, "the rate must be a decimal above 0");
    return TALLY_OK;
}

int
tally_session_add_rate(tally_session *session, const tally_fx_rate *rate)
{
    if (!session)
        return TALLY_ERR_INVALID_ARGUMENT;
    tally_ctx__begin(session->ctx);
    int status = tally_engine__check_open(session, rate, "exchange rate");
    if (status != TALLY_OK)
        return status;
    tally_fx_rate r;
    memset(&r, 0, sizeof(r));
    memcpy(&r, rate, rate->size < sizeof(r) ? rate->size : sizeof(r));
    const tally_currency *from;
    tally_day day;
    if ((status = check(session, &r, &from, &day)) != TALLY_OK)
        return status;
    tally_fx_series *series = series_of(session, from);
    if (series && series->used && day <= series->latest)
        return tally_ctx__error(session->ctx, TALLY_ERR_STATE,
                                "exchange rate %s->%s on %s: a %s transaction dated on or after "
                                "it was already converted; give rates before the transactions",
                                r.from, r.to, r.date, r.from);
    size_t at = series ? after(series, day) : 0;
    if (series && at > 0 && series->dates[at - 1] == day)
        return reject(session, &r, "a rate for this currency and day was already given");
    if ((!series && !(series = add_series(session, from))) ||
        (status = reserve_point(session, series)) != TALLY_OK)
        return series ? status : TALLY_ERR_NOMEM;
    memmove(series->dates + at + 1, series->dates + at, (series->count - at) * sizeof(tally_day));
    memmove(series->rates + at + 1, series->rates + at,
            (series->count - at) * sizeof(tally_decimal));
    series->dates[at] = day;
    series->rates[at] = r.rate;
    series->count++;
    char text[TALLY_DECIMAL_STRING_MAX];
    tally_decimal_format(text, sizeof(text), &r.rate);
    const char *fields[] = {r.date, r.from, r.to, text};
    tally_engine__digest_row(&session->input, "rate", fields, 4);
    session->input.rates++;
    return TALLY_OK;
}

int
tally_engine__convert(tally_session *session, const char *id, const tally_currency *from,
                      tally_day day, tally_decimal *amount)
{
    tally_fx_series *series = series_of(session, from);
    size_t at = series ? after(series, day) : 0;
    if (!at) {
        char date[TALLY_DATE_TEXT_SIZE];
        tally_date__format(date, day);
        return tally_ctx__error(session->ctx, TALLY_ERR_INPUT,
                                "transaction \"%s\": no %s->%s exchange rate on or before %s", id,
                                tally_currency_code(from),
                                tally_currency_code(session->plan->currency), date);
    }
    if (tally_decimal_mul(amount, amount, &series->rates[at - 1]) != TALLY_OK)
        return tally_ctx__error(session->ctx, TALLY_ERR_OVERFLOW,
                                "transaction \"%s\": the converted amount needs more than %d "
                                "digits",
                                id, TALLY_DECIMAL_MAX_DIGITS);
    return TALLY_OK;
}

/* Marks a conversion as made, once the row is accepted. */
void
tally_engine__note_conversion(tally_session *session, const tally_currency *from, tally_day day)
{
    tally_fx_series *series = series_of(session, from);
    if (!series)
        return;
    if (!series->used || day > series->latest)
        series->latest = day;
    series->used = 1;
}

void
tally_engine__free_fx(tally_session *session)
{
    for (size_t i = 0; i < session->fx_count; i++) {
        tally_ctx__free(session->ctx, session->fx[i].dates);
        tally_ctx__free(session->ctx, session->fx[i].rates);
    }
    tally_ctx__free(session->ctx, session->fx);
}
