/*
 * The accumulators: one bucket per slot × payee × tier period × settlement
 * period, found through an open-addressing index kept at most half full. This is
 * all the memory a session needs per row, so it grows with payees and periods,
 * not with transactions.
 */
#include <assert.h>
#include <string.h>

#include "core/context.h"
#include "engine/engine.h"

#define FIRST_BUCKETS 64u
#define NO_LINK UINT32_MAX

/* A session keeps one per payee × period × component: rare totals go elsewhere. */
_Static_assert(sizeof(tally_bucket) <= 128, "a bucket is two cache lines");

static uint64_t
key_hash(uint32_t slot, uint32_t payee, int32_t period, int32_t settlement)
{
    uint64_t h = ((uint64_t)slot << 32 | payee) * 0x9e3779b97f4a7c15u;
    h ^= ((uint64_t)(uint32_t)period << 32 | (uint32_t)settlement) * 0xc2b2ae3d27d4eb4fu;
    h ^= h >> 29;
    return h;
}

static int
same_key(const tally_bucket *b, uint32_t slot, uint32_t payee, int32_t period,
         int32_t settlement)
{
    return b->slot == slot && b->payee == payee && b->period == period &&
           b->settlement == settlement;
}

/* The index keeps a tag (high hash bits) beside each entry, so that probing past
 * other keys does not touch their buckets (a cache miss each). */
static uint32_t
tag_of(uint64_t hash)
{
    return (uint32_t)(hash >> 32);
}

static void
index_bucket(tally_session *session, size_t i)
{
    const tally_bucket *b = &session->buckets[i];
    uint64_t hash = key_hash(b->slot, b->payee, b->period, b->settlement);
    size_t at = (size_t)hash & session->bucket_mask;
    while (session->bucket_slots[at])
        at = (at + 1) & session->bucket_mask;
    session->bucket_slots[at] = (uint32_t)i + 1;
    session->bucket_tags[at] = tag_of(hash);
}

/* An index with room for twice the buckets, all of them put in. */
static int
grow_index(tally_session *session)
{
    size_t slots = session->bucket_mask ? session->bucket_mask + 1 : FIRST_BUCKETS;
    while (slots < session->bucket_count * 2 + 4)
        slots *= 2;
    uint32_t *index = tally_ctx__calloc(session->ctx, slots, sizeof(uint32_t));
    uint32_t *tags = tally_ctx__calloc(session->ctx, slots, sizeof(uint32_t));
    if (!index || !tags) {
        tally_ctx__free(session->ctx, index);
        tally_ctx__free(session->ctx, tags);
        return TALLY_ERR_NOMEM;
    }
    tally_ctx__free(session->ctx, session->bucket_slots);
    tally_ctx__free(session->ctx, session->bucket_tags);
    session->bucket_slots = index;
    session->bucket_tags = tags;
    session->bucket_mask = slots - 1;
    for (size_t i = 0; i < session->bucket_count; i++)
        index_bucket(session, i);
    session->indexed_buckets = session->bucket_count;
    return TALLY_OK;
}

/* Adds the buckets made since the index was last brought up to date (growing it
 * when they would fill it over half). */
static int
update_index(tally_session *session)
{
    if (session->bucket_count * 2 + 2 > session->bucket_mask + 1)
        return grow_index(session);
    for (; session->indexed_buckets < session->bucket_count; session->indexed_buckets++)
        index_bucket(session, session->indexed_buckets);
    return TALLY_OK;
}

static int
reserve_bucket(tally_session *session)
{
    if (session->bucket_count < session->bucket_capacity)
        return TALLY_OK;
    if (session->bucket_capacity >= UINT32_MAX / 4)
        return tally_ctx__error(session->ctx, TALLY_ERR_LIMIT,
                                "more than %zu payee × period totals", session->bucket_capacity);
    tally_bucket *grown =
        tally_ctx__grow(session->ctx, session->buckets, &session->bucket_capacity,
                        session->bucket_count + 1, sizeof(*grown), FIRST_BUCKETS / 2);
    if (!grown)
        return TALLY_ERR_NOMEM;
    session->buckets = grown;
    return TALLY_OK;
}

void
tally_engine__init_bucket(tally_bucket *b, uint32_t slot, uint32_t payee, int32_t period,
                          int32_t settlement)
{
    memset(b, 0, sizeof(*b));
    b->slot = slot;
    b->payee = payee;
    b->period = period;
    b->settlement = settlement;
    b->first_source = NO_LINK;
    b->extra = UINT32_MAX;
}

/* A zeroed bucket of a key at the end of the array (room reserved). */
static tally_bucket *
append_bucket(tally_session *session, uint32_t slot, uint32_t payee, int32_t period,
              int32_t settlement)
{
    tally_bucket *b = &session->buckets[session->bucket_count++];
    tally_engine__init_bucket(b, slot, payee, period, settlement);
    return b;
}

int
tally_engine__append_buckets(tally_session *session, const tally_bucket *buckets, size_t count)
{
    if (count == 0)
        return TALLY_OK;
    if (session->bucket_count + count >= UINT32_MAX / 4)
        return tally_ctx__error(session->ctx, TALLY_ERR_LIMIT,
                                "more than %zu payee × period totals", session->bucket_count);
    if (session->bucket_count + count > session->bucket_capacity) {
        tally_bucket *grown =
            tally_ctx__grow(session->ctx, session->buckets, &session->bucket_capacity,
                            session->bucket_count + count, sizeof(*grown), FIRST_BUCKETS / 2);
        if (!grown)
            return TALLY_ERR_NOMEM;
        session->buckets = grown;
    }
    memcpy(&session->buckets[session->bucket_count], buckets, count * sizeof(*buckets));
    session->bucket_count += count;
    return TALLY_OK;
}

int
tally_engine__bucket(tally_session *session, uint32_t slot, uint32_t payee, int32_t period,
                     int32_t settlement, tally_bucket **out)
{
    int status;
    if ((status = update_index(session)) != TALLY_OK)
        return status;
    uint64_t hash = key_hash(slot, payee, period, settlement);
    uint32_t tag = tag_of(hash);
    size_t at = (size_t)hash & session->bucket_mask;
    while (session->bucket_slots[at]) {
        if (session->bucket_tags[at] == tag) {
            tally_bucket *b = &session->buckets[session->bucket_slots[at] - 1];
            if (same_key(b, slot, payee, period, settlement)) {
                *out = b;
                return TALLY_OK;
            }
        }
        at = (at + 1) & session->bucket_mask;
    }
    if ((status = reserve_bucket(session)) != TALLY_OK)
        return status;
    session->bucket_slots[at] = (uint32_t)session->bucket_count + 1;
    session->bucket_tags[at] = tag;
    session->indexed_buckets++;
    *out = append_bucket(session, slot, payee, period, settlement);
    return TALLY_OK;
}

int
tally_engine__new_bucket(tally_session *session, uint32_t slot, uint32_t payee, int32_t period,
                         int32_t settlement, tally_bucket **out)
{
    int status = reserve_bucket(session);
    if (status == TALLY_OK)
        *out = append_bucket(session, slot, payee, period, settlement);
    return status;
}

int
tally_engine__index_buckets_for_finish(tally_session *session)
{
    for (size_t i = 0; i < session->slot_count; i++)
        if (session->slots[i].kind == TALLY_COMPONENT_GROWTH_REBATE)
            return update_index(session);
    return TALLY_OK;
}

int
tally_engine__bucket_extra(tally_session *session, tally_bucket *bucket, tally_bucket_extra **out)
{
    if (bucket->extra != UINT32_MAX) {
        *out = &session->bucket_extras[bucket->extra];
        return TALLY_OK;
    }
    if (session->bucket_extra_count == session->bucket_extra_capacity) {
        tally_bucket_extra *grown =
            tally_ctx__grow(session->ctx, session->bucket_extras, &session->bucket_extra_capacity,
                            session->bucket_extra_count + 1, sizeof(*grown), 16);
        if (!grown)
            return TALLY_ERR_NOMEM;
        session->bucket_extras = grown;
    }
    *out = &session->bucket_extras[session->bucket_extra_count];
    memset(*out, 0, sizeof(**out));
    bucket->extra = (uint32_t)session->bucket_extra_count++; /* below the bucket count */
    return TALLY_OK;
}

const tally_bucket *
tally_engine__find_bucket(const tally_session *session, uint32_t slot, uint32_t payee,
                          int32_t period, int32_t settlement)
{
    assert(session->indexed_buckets == session->bucket_count);
    if (!session->bucket_mask)
        return NULL;
    uint64_t hash = key_hash(slot, payee, period, settlement);
    size_t at = (size_t)hash & session->bucket_mask;
    while (session->bucket_slots[at]) {
        const tally_bucket *b = &session->buckets[session->bucket_slots[at] - 1];
        if (session->bucket_tags[at] == tag_of(hash) &&
            same_key(b, slot, payee, period, settlement))
            return b;
        at = (at + 1) & session->bucket_mask;
    }
    return NULL;
}

void
tally_engine__periods_on(const tally_slot *slot, tally_day day, int32_t *period,
                         int32_t *settlement)
{
    *period = tally_period__index(&slot->period, day);
    *settlement = slot->has_settlement ? tally_period__index(&slot->settlement, day) : *period;
}

int
tally_engine__bucket_on(tally_session *session, uint32_t slot, uint32_t payee, tally_day day,
                        tally_bucket **out)
{
    int32_t period, settlement;
    tally_engine__periods_on(&session->slots[slot], day, &period, &settlement);
    return tally_engine__bucket(session, slot, payee, period, settlement, out);
}
