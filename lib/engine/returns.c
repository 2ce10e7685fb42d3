/*
 * Returns that need their original sale (domain.md 7): SPIFF clawbacks, which
 * recover what the original earned from the original payee, and components with
 * returns="original", which count a return in its original's period. Rows come in
 * any order, so such returns wait here until finish, when every sale is known;
 * they are then booked in (date, id) order, so the result does not depend on the
 * order of the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "engine/rows.h"

int
tally_engine__attributes_to_original(const tally_session *session, const tally_row *row,
                                     uint32_t component)
{
    const tally_component *c = session->components[component].model;
    const char *original = row->input->original_id;
    return c->returns == TALLY_RETURNS_ORIGINAL && original && original[0] &&
           tally_decimal_sign(&row->input->amount) < 0;
}

int
tally_engine__defer_return(tally_session *session, tally_row *row, tally_pending_kind kind,
                           uint32_t component, uint32_t payee, const tally_decimal *amount,
                           const tally_decimal *quantity, const tally_decimal *payout)
{
    if (row->pending_count == TALLY_MAX_ROW_MARKS)
        return tally_ctx__error(session->ctx, TALLY_ERR_LIMIT,
                                "transaction \"%s\" touches too many components", row->input->id);
    const char *id = row->input->id, *original = row->input->original_id;
    tally_pending_return *p = &row->pending[row->pending_count];
    p->id = tally_arena__strndup(&session->pending_text, session->ctx, id, strlen(id));
    p->original_id =
        tally_arena__strndup(&session->pending_text, session->ctx, original, strlen(original));
    if (!p->id || !p->original_id)
        return TALLY_ERR_NOMEM;
    p->kind = kind;
    p->component = component;
    p->payee = payee;
    p->date = row->date;
    p->transaction = TALLY_NO_SYMBOL;
    p->eligible = 1;
    p->band_values = NULL;
    p->band_count = 0;
    p->amount = *amount;
    p->quantity = *quantity;
    p->payout = *payout;
    p->fraction_band = SIZE_MAX;
    row->pending_count++;
    return TALLY_OK;
}

int
tally_engine__book(tally_session *session, tally_row *row, uint32_t component, uint32_t payee,
                   const tally_decimal *amount, const tally_decimal *quantity,
                   const tally_decimal *payout)
{
    if (!tally_engine__attributes_to_original(session, row, component))
        return tally_engine__add_update(session, row, component, payee, amount, quantity,
                                        payout);
    int status = tally_engine__defer_return(session, row, TALLY_PENDING_ATTRIBUTION, component,
                                            payee, amount, quantity, payout);
    if (status != TALLY_OK)
        return status;
    tally_pending_return *p = &row->pending[row->pending_count - 1];
    tally_engine__take_fraction(row, &p->fraction_band, &p->fraction);
    const tally_component *c = session->components[component].model;
    if (!tally_engine__rounds_bands_per_row(c))
        return TALLY_OK;
    /* The per-band payouts travel with the return to its original's period. */
    p->band_count = c->rate.tiers.band_count;
    p->band_values = tally_arena__alloc(&session->pending_text, session->ctx,
                                        p->band_count * sizeof(tally_decimal));
    if (!p->band_values)
        return TALLY_ERR_NOMEM;
    return tally_engine__band_values(session, row, component, payee, amount, quantity,
                                     p->band_values);
}

/* ---- resolution ---- */

static int
by_date_then_id(const void *a, const void *b)
{
    const tally_pending_return *x = a, *y = b;
    if (x->date != y->date)
        return x->date < y->date ? -1 : 1;
    int order = strcmp(x->id, y->id);
    return order ? order : (x->component > y->component) - (x->component < y->component);
}

/* What a resolved return adds to which bucket, as of which day under which rules. */
typedef struct booking {
    size_t bucket;
    tally_decimal amount, quantity, payout;
    uint32_t transaction;
    uint32_t component;
    tally_day date;
    const tally_decimal *band_values; /* added to the bucket's band sums, or NULL */
    size_t band_count;
    size_t fraction_band; /* the band whose numerator `fraction` is added, or SIZE_MAX */
    tally_decimal fraction;
} booking;

static int
unknown_original(tally_session *session, const tally_pending_return *p)
{
    return tally_ctx__error(session->ctx, TALLY_ERR_INPUT,
                            "transaction \"%s\": its original \"%s\" is not among the "
                            "transactions, but component \"%s\" counts returns in their "
                            "original's period",
                            p->id, p->original_id, session->components[p->component].model->id);
}

static int
bucket_index(tally_session *session, uint32_t component, uint32_t payee, tally_day date,
             size_t *out)
{
    tally_bucket *b;
    int status =
        tally_engine__bucket_on(session, session->components[component].slot, payee, date, &b);
    if (status == TALLY_OK)
        *out = (size_t)(b - session->buckets);
    return status;
}

/* The component of a slot in the version in effect on a day, else `fallback`. */
static uint32_t
component_on(const tally_session *session, uint32_t fallback, tally_day day)
{
    uint32_t slot = session->components[fallback].slot;
    const tally_engine_version *version = tally_engine__version_on(session, day);
    for (size_t i = 0; version && i < version->component_count; i++)
        if (version->components[i].slot == slot)
            return (uint32_t)(version->components + i - session->components);
    return fallback;
}

/* Counts the return as of its original's date, under the rules in effect then. */
static int
resolve_attribution(tally_session *session, const tally_pending_return *p, booking *out)
{
    uint32_t original =
        tally_symbols__find(&session->transaction_ids, p->original_id, strlen(p->original_id));
    if (original == TALLY_NO_SYMBOL || original >= session->seen_capacity)
        return unknown_original(session, p);
    out->amount = p->amount;
    out->quantity = p->quantity;
    out->payout = p->payout;
    out->date = session->seen[original].date;
    out->component = component_on(session, p->component, out->date);
    int status = bucket_index(session, p->component, p->payee, out->date, &out->bucket);
    if (status != TALLY_OK)
        return status;
    tally_bucket *b = &session->buckets[out->bucket];
    if (p->fraction_band != SIZE_MAX) { /* the bucket's numerators: made now, harmlessly */
        size_t bands = session->components[p->component].model->rate.tiers.band_count;
        if (!b->fractions && !(b->fractions = tally_ctx__calloc(session->ctx, bands,
                                                                sizeof(tally_decimal))))
            return TALLY_ERR_NOMEM;
        out->fraction_band = p->fraction_band;
        out->fraction = p->fraction;
    }
    if (!p->band_values)
        return TALLY_OK;
    if (!b->band_sums &&
        !(b->band_sums = tally_ctx__calloc(session->ctx, p->band_count, sizeof(tally_decimal))))
        return TALLY_ERR_NOMEM;
    out->band_values = p->band_values;
    out->band_count = p->band_count;
    return TALLY_OK;
}

/* A referral return claws back a fee when its original earned one, or when the
 * original is not among the transactions (it cannot be checked). `first` says
 * whether it is the earliest return of its original. */
static int
resolve_referral(tally_session *session, const tally_pending_return *p, int first,
                 booking *out)
{
    uint32_t slot = session->components[p->component].slot;
    if (!first)
        return TALLY_OK;
    int known = !(session->flags & TALLY_SESSION_TRUST_IDS) &&
                tally_symbols__find(&session->transaction_ids, p->original_id,
                                    strlen(p->original_id)) != TALLY_NO_SYMBOL;
    int earned = tally_engine__find_mark(session, 'E', slot, p->original_id) != TALLY_NO_SYMBOL;
    if (known ? !earned : !p->eligible)
        return TALLY_OK;
    out->amount = p->amount;
    out->quantity = p->quantity;
    out->payout = p->payout;
    return bucket_index(session, p->component, p->payee, p->date, &out->bucket);
}

/* Claws back min(returned units, units still earned) × what each unit earned, from
 * the original payee, in the return's period. */
static int
resolve_spiff(tally_session *session, const tally_pending_return *p, tally_decimal *units_left,
              booking *out)
{
    static const tally_decimal one = {1, 0, 0, 0};
    /* The record of the original sale in the SPIFF's slot, if it earned. */
    uint32_t mark =
        tally_engine__find_mark(session, 'S', session->components[p->component].slot,
                                p->original_id);
    if (mark == TALLY_NO_SYMBOL)
        return TALLY_OK; /* the original earned nothing: nothing to recover */
    const tally_spiff_sale *sale = &session->spiff_sales[mark];
    tally_decimal *left = &units_left[mark];
    if (tally_decimal_sign(left) <= 0)
        return TALLY_OK;
    tally_decimal units;
    if (session->components[p->component].model->spiff.per_deal) {
        units = one;
    } else {
        tally_decimal returned;
        int order = 0;
        tally_decimal_abs(&returned, &p->quantity);
        tally_decimal_compare(&order, &returned, left);
        units = order < 0 ? returned : *left;
    }
    if (tally_decimal_sub(left, left, &units) != TALLY_OK ||
        tally_decimal_mul(&out->payout, &units, &sale->unit_amount) != TALLY_OK)
        return tally_ctx__error(session->ctx, TALLY_ERR_OVERFLOW,
                                "transaction \"%s\": SPIFF clawback out of range", p->id);
    tally_decimal_negate(&out->payout, &out->payout);
    const tally_component *c = session->components[p->component].model;
    if (c->rounding.point == TALLY_ROUNDING_PER_TRANSACTION &&
        tally_decimal_round(&out->payout, &out->payout, c->rounding.scale, c->rounding.mode) !=
            TALLY_OK)
        return tally_ctx__error(session->ctx, TALLY_ERR_OVERFLOW,
                                "transaction \"%s\": SPIFF clawback out of range", p->id);
    tally_decimal_negate(&out->quantity, &units);
    out->amount = p->amount;
    return bucket_index(session, p->component, sale->payee, p->date, &out->bucket);
}

/* Marks the earliest pending referral return of each (slot, original): the list is
 * in (date, id) order, so that is the first of each in a stable pass. */
static int
earliest_returns(tally_session *session, uint8_t *first)
{
    tally_symbols seen;
    tally_symbols__init(&seen, session->ctx);
    int status = TALLY_OK;
    for (size_t i = 0; i < session->pending_count && status == TALLY_OK; i++) {
        const tally_pending_return *p = &session->pending[i];
        if (p->kind != TALLY_PENDING_REFERRAL_RETURN)
            continue;
        char key[600];
        int length = snprintf(key, sizeof(key), "%u:%s",
                              (unsigned)session->components[p->component].slot, p->original_id);
        if (length < 0 || (size_t)length >= sizeof(key))
            continue;
        uint32_t before = seen.count, symbol;
        status = tally_symbols__intern(&seen, session->ctx, key, (size_t)length, &symbol);
        first[i] = status == TALLY_OK && seen.count > before;
    }
    tally_symbols__free(&seen);
    return status;
}

static int
resolve_all(tally_session *session, booking *bookings, tally_decimal *units_left,
            const uint8_t *first)
{
    int status = TALLY_OK, first_error = TALLY_OK;
    for (size_t i = 0; i < session->pending_count; i++) {
        const tally_pending_return *p = &session->pending[i];
        bookings[i].transaction = p->transaction;
        bookings[i].bucket = SIZE_MAX;
        bookings[i].component = p->component;
        bookings[i].date = p->date;
        bookings[i].band_values = NULL;
        bookings[i].band_count = 0;
        bookings[i].fraction_band = SIZE_MAX;
        if (p->kind == TALLY_PENDING_ATTRIBUTION)
            status = resolve_attribution(session, p, &bookings[i]);
        else if (p->kind == TALLY_PENDING_REFERRAL_RETURN)
            status = resolve_referral(session, p, first[i], &bookings[i]);
        else
            status = resolve_spiff(session, p, units_left, &bookings[i]);
        /* Report every unknown original, not only the first. */
        if (status == TALLY_ERR_INPUT && first_error == TALLY_OK)
            first_error = status;
        else if (status != TALLY_OK && status != TALLY_ERR_INPUT)
            return status;
    }
    return first_error;
}

static int
add_band_values(tally_bucket *b, const booking *k)
{
    for (size_t i = 0; i < k->band_count; i++)
        if (tally_decimal_add(&b->band_sums[i], &b->band_sums[i], &k->band_values[i]) != TALLY_OK)
            return TALLY_ERR_OVERFLOW;
    return TALLY_OK;
}

static int
book_all(tally_session *session, const booking *bookings)
{
    for (size_t i = 0; i < session->pending_count; i++) {
        if (bookings[i].bucket == SIZE_MAX)
            continue;
        tally_bucket *b = &session->buckets[bookings[i].bucket];
        if (tally_decimal_add(&b->amount, &b->amount, &bookings[i].amount) != TALLY_OK ||
            tally_decimal_add(&b->quantity, &b->quantity, &bookings[i].quantity) != TALLY_OK ||
            tally_decimal_add(&b->payout, &b->payout, &bookings[i].payout) != TALLY_OK ||
            add_band_values(b, &bookings[i]) != TALLY_OK ||
            (bookings[i].fraction_band != SIZE_MAX &&
             tally_decimal_add(&b->fractions[bookings[i].fraction_band],
                               &b->fractions[bookings[i].fraction_band],
                               &bookings[i].fraction) != TALLY_OK))
            return tally_ctx__error(session->ctx, TALLY_ERR_OVERFLOW,
                                    "transaction \"%s\": a period total needs more than %d digits",
                                    session->pending[i].id, TALLY_DECIMAL_MAX_DIGITS);
        b->rows++;
        if (b->rows == 1 || bookings[i].date >= b->latest) {
            b->latest = bookings[i].date;
            b->component = bookings[i].component;
        }
        if (bookings[i].transaction != TALLY_NO_SYMBOL) {
            tally_source_link *link = &session->sources[session->source_count];
            link->transaction = bookings[i].transaction;
            link->next = b->first_source;
            b->first_source = (uint32_t)session->source_count++;
        }
    }
    return TALLY_OK;
}

int
tally_engine__resolve_returns(tally_session *session)
{
    if (!session->pending_count)
        return TALLY_OK;
    qsort(session->pending, session->pending_count, sizeof(tally_pending_return),
          by_date_then_id);
    booking *bookings = tally_ctx__calloc(session->ctx, session->pending_count, sizeof(booking));
    /* Units each SPIFF sale can still give back, by sale record. */
    tally_decimal *units_left =
        tally_ctx__calloc(session->ctx, session->spiff_capacity ? session->spiff_capacity : 1,
                          sizeof(tally_decimal));
    uint8_t *first = tally_ctx__calloc(session->ctx, session->pending_count, 1);
    int status = bookings && units_left && first ? TALLY_OK : TALLY_ERR_NOMEM;
    for (size_t i = 0; status == TALLY_OK && i < session->spiff_capacity; i++)
        units_left[i] = session->spiff_sales[i].units;
    if (status == TALLY_OK)
        status = earliest_returns(session, first);
    if (status == TALLY_OK)
        status = resolve_all(session, bookings, units_left, first);
    if (status == TALLY_OK)
        status = tally_engine__reserve_sources(session, session->pending_count);
    /* Booked returns must not be booked again by a retried finish: the list is
     * emptied once booking starts. Booking fails only on a 38-digit overflow, which
     * leaves the session unable to finish (session->broken). */
    if (status == TALLY_OK) {
        status = book_all(session, bookings);
        session->pending_count = 0;
        if (status != TALLY_OK)
            session->broken = 1;
    }
    tally_ctx__free(session->ctx, bookings);
    tally_ctx__free(session->ctx, units_left);
    tally_ctx__free(session->ctx, first);
    return status;
}
