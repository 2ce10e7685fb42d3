/*
 * The plan compiled into the aggregation (architecture.md): components whose
 * payout depends on a row only through its eligible net amount and quantity —
 * flat and per-unit rates, period tiers, growth rebates, MDF accruals,
 * affiliates, deal registration, commissions without splits, rounded per payout
 * — need no work per row of their own. Such components of a version with the
 * same eligibility and payee rule form a class, and a row adds once to its
 * class's running total per payee and month (a cell) instead of once per
 * component. A payee's cells of one month and version sit together in a block,
 * so a row finds them with one lookup. At finish (or for a progress report) the
 * cells are moved into the components' buckets: every period kind is a whole
 * number of months, and rate × Σ amount = Σ (rate × amount) exactly, so the totals
 * are those the rows would have made one by one.
 *
 * Cells are used only when the session keeps no source ids (a cell does not know
 * which transactions made it).
 */
#include <pthread.h>
#include <string.h>

#include "core/context.h"
#include "engine/rows.h"
#include "result/result.h" /* its radix sort */

#define FIRST_BLOCKS 64u

/* ---- which components qualify ---- */

static int
same_filter(const tally_filter *a, const tally_filter *b)
{
    if (a->active != b->active)
        return 0;
    if (!a->active)
        return 1;
    if (a->exclude != b->exclude || a->ids.count != b->ids.count)
        return 0;
    for (size_t i = 0; i < a->ids.count; i++)
        if (strcmp(a->ids.ids[i], b->ids.ids[i]) != 0)
            return 0;
    return 1;
}

static int
same_eligibility(const tally_eligibility *a, const tally_eligibility *b)
{
    return same_filter(&a->products, &b->products) &&
           same_filter(&a->categories, &b->categories) && same_filter(&a->regions, &b->regions) &&
           a->regions_of_partner == b->regions_of_partner &&
           same_filter(&a->partner_types, &b->partner_types) &&
           same_filter(&a->partner_tiers, &b->partner_tiers) &&
           same_filter(&a->customer_categories, &b->customer_categories) &&
           a->customers == b->customers && a->has_window == b->has_window &&
           (!a->has_window ||
            (a->window_from == b->window_from && a->window_to == b->window_to));
}

static int
rate_qualifies(const tally_rate_spec *rate)
{
    switch (rate->kind) {
    case TALLY_RATE_NONE:
    case TALLY_RATE_FLAT:
    case TALLY_RATE_PER_UNIT:
        return 1;
    case TALLY_RATE_TIERS:
        return rate->tiers.basis == TALLY_BASIS_PERIOD;
    case TALLY_RATE_CATEGORY:
    case TALLY_RATE_CUSTOMER_CATEGORY:
        return 0;
    }
    return 0;
}

int
tally_engine__cell_component(const tally_session *session, const tally_component *c)
{
    if (!(session->flags & TALLY_SESSION_NO_SOURCE_IDS) ||
        c->rounding.point != TALLY_ROUNDING_PER_PAYOUT || c->returns != TALLY_RETURNS_DATED ||
        !rate_qualifies(&c->rate))
        return 0;
    switch (c->kind) {
    case TALLY_COMPONENT_REBATE:
    case TALLY_COMPONENT_GROWTH_REBATE:
    case TALLY_COMPONENT_MDF:
    case TALLY_COMPONENT_AFFILIATE:
    case TALLY_COMPONENT_DEAL_REGISTRATION:
        return 1;
    case TALLY_COMPONENT_COMMISSION:
        return 1; /* rows with a split still go the direct way (split_rows_direct) */
    case TALLY_COMPONENT_SPIFF:
    case TALLY_COMPONENT_REFERRAL:
        return 0;
    }
    return 0;
}

/* ---- compiling: classes per version ---- */

static int
filters_nothing(const tally_eligibility *e)
{
    return !e->products.active && !e->categories.active && !e->regions.active &&
           !e->regions_of_partner && !e->partner_types.active && !e->partner_tiers.active &&
           !e->customer_categories.active && e->customers == TALLY_CUSTOMERS_ANY &&
           !e->has_window;
}

/* A commission that applies splits divides a split row among its payees: such rows
 * take the direct way, the others the cells. */
static int
splits_go_direct(const tally_component *c)
{
    return c->kind == TALLY_COMPONENT_COMMISSION && c->apply_splits;
}

static uint32_t
class_of(tally_session *session, const tally_engine_version *version, const tally_component *c)
{
    int registered = c->kind == TALLY_COMPONENT_DEAL_REGISTRATION;
    int to_rep = c->kind == TALLY_COMPONENT_COMMISSION && c->payee == TALLY_PAYEE_REP_OR_PARTNER;
    int splits = splits_go_direct(c);
    for (uint32_t k = version->first_class; k < session->class_count; k++) {
        const tally_cell_class *cls = &session->classes[k];
        if (cls->registered_only == registered && cls->paid_to_rep == to_rep &&
            cls->split_rows_direct == splits &&
            same_eligibility(cls->eligibility, &c->eligibility))
            return k;
    }
    tally_cell_class *cls = &session->classes[session->class_count];
    memset(cls, 0, sizeof(*cls));
    cls->eligibility = &c->eligibility;
    cls->every_row = filters_nothing(&c->eligibility);
    cls->registered_only = registered;
    cls->paid_to_rep = to_rep;
    cls->split_rows_direct = splits;
    return (uint32_t)session->class_count++;
}

int
tally_engine__compile_cells(tally_session *session)
{
    size_t total = session->component_count ? session->component_count : 1;
    session->classes = tally_ctx__calloc(session->ctx, total, sizeof(tally_cell_class));
    session->class_members = tally_ctx__calloc(session->ctx, total, sizeof(uint32_t));
    session->direct = tally_ctx__calloc(session->ctx, total, sizeof(uint32_t));
    if (!session->classes || !session->class_members || !session->direct)
        return TALLY_ERR_NOMEM;
    size_t members = 0, direct = 0;
    for (size_t v = 0; v < session->version_count; v++) {
        tally_engine_version *version = &session->versions[v];
        version->first_class = (uint32_t)session->class_count;
        version->direct = session->direct + direct;
        for (size_t i = 0; i < version->component_count; i++) {
            uint32_t component = (uint32_t)(version->components + i - session->components);
            const tally_component *c = version->components[i].model;
            int in_cells = tally_engine__cell_component(session, c);
            version->components[i].in_cells = in_cells;
            if (!in_cells || splits_go_direct(c))
                session->direct[direct++] = component;
        }
        version->direct_count = (size_t)(session->direct + direct - version->direct);
        for (size_t i = 0; i < version->component_count; i++) {
            const tally_component *c = version->components[i].model;
            if (tally_engine__cell_component(session, c))
                class_of(session, version, c);
        }
        /* Members of each class, contiguous. */
        for (uint32_t k = version->first_class; k < session->class_count; k++) {
            tally_cell_class *cls = &session->classes[k];
            cls->members = session->class_members + members;
            for (size_t i = 0; i < version->component_count; i++) {
                const tally_component *c = version->components[i].model;
                if (tally_engine__cell_component(session, c) && class_of(session, version, c) == k)
                    session->class_members[members++] =
                        (uint32_t)(version->components + i - session->components);
            }
            cls->member_count = (size_t)(session->class_members + members - cls->members);
        }
        version->class_count = session->class_count - version->first_class;
        for (uint32_t k = version->first_class; k < session->class_count; k++) {
            version->pays_rep |= session->classes[k].paid_to_rep;
            version->pays_partner |= !session->classes[k].paid_to_rep;
        }
    }
    return TALLY_OK;
}

/* ---- the cells ---- */

static uint64_t
block_key(uint32_t payee, int32_t month)
{
    return (uint64_t)payee << 32 | (uint32_t)month;
}

static uint64_t
block_hash(uint64_t key, uint32_t version)
{
    uint64_t h = key * 0x9e3779b97f4a7c15u;
    h ^= (uint64_t)version * 0xc2b2ae3d27d4eb4fu;
    return h ^ (h >> 29);
}

static void
index_block(tally_session *session, size_t i)
{
    const tally_cell_block *b = &session->blocks[i];
    uint64_t key = block_key(b->payee, b->month);
    size_t at = (size_t)block_hash(key, b->version) & session->block_mask;
    while (session->block_index[at].first)
        at = (at + 1) & session->block_mask;
    session->block_index[at].key = key;
    session->block_index[at].version = b->version;
    session->block_index[at].first = b->first + 1;
}

/* An index with room for the blocks made (kept at most half full), all put in. */
static int
resize_index(tally_session *session)
{
    size_t slots = session->block_mask ? session->block_mask + 1 : FIRST_BLOCKS;
    while (slots < 2 * session->block_count + 2)
        slots *= 2;
    tally_block_slot *index = tally_ctx__calloc(session->ctx, slots, sizeof(*index));
    if (!index)
        return TALLY_ERR_NOMEM;
    tally_ctx__free(session->ctx, session->block_index);
    session->block_index = index;
    session->block_mask = slots - 1;
    for (size_t i = 0; i < session->block_count; i++)
        index_block(session, i);
    session->indexed_blocks = session->block_count;
    return TALLY_OK;
}

/*
 * The index is brought up to date only when a lookup needs it: while every
 * payee's rows stay in one year and version (the usual period), the payee ×
 * month cache knows every block, and the index is never made. Otherwise this
 * adds the blocks made since its last use, growing it as it fills.
 */
static int
update_index(tally_session *session)
{
    if (session->block_count * 2 + 2 > session->block_mask + 1)
        return resize_index(session);
    for (; session->indexed_blocks < session->block_count; session->indexed_blocks++)
        index_block(session, session->indexed_blocks);
    return TALLY_OK;
}

/* The first cell of the block of a payee, month and version in the index, or SIZE_MAX. */
static size_t
indexed_block(const tally_session *session, uint32_t payee, int32_t month, uint32_t version)
{
    uint64_t key = block_key(payee, month);
    size_t at = (size_t)block_hash(key, version) & session->block_mask;
    for (const tally_block_slot *slot; (slot = &session->block_index[at])->first;
         at = (at + 1) & session->block_mask)
        if (slot->key == key && slot->version == version)
            return slot->first - 1;
    return SIZE_MAX;
}

/*
 * Before the first block: room for a year of months of every partner of the
 * partner table, in one step. Growing there by doubling moves every cell
 * several times, each a pass of cache misses (and, for a large array, a
 * remapping the other threads' caches of addresses must drop): a tenth of the
 * reading of 1 M rows of 10,000 partners. What is reserved but not used costs
 * address space only: at most RESERVED_BLOCKS blocks are reserved.
 */
#define RESERVED_BLOCKS (1u << 17)

static int
reserve_for_partners(tally_session *session, size_t classes)
{
    size_t blocks = session->partner_count * 12;
    if (blocks > RESERVED_BLOCKS)
        blocks = RESERVED_BLOCKS;
    if (blocks == 0 || classes == 0)
        return TALLY_OK;
    tally_cell_block *grown_blocks = tally_ctx__grow(
        session->ctx, session->blocks, &session->block_capacity, blocks, sizeof(*grown_blocks),
        FIRST_BLOCKS / 2);
    if (!grown_blocks)
        return TALLY_ERR_NOMEM;
    session->blocks = grown_blocks;
    tally_cell *grown_cells = tally_ctx__grow(session->ctx, session->cells, &session->cell_capacity,
                                              blocks * classes, sizeof(*grown_cells), FIRST_BLOCKS);
    if (!grown_cells)
        return TALLY_ERR_NOMEM;
    session->cells = grown_cells;
    return TALLY_OK;
}

/* Room for one more block and its cells, before anything is stored. */
static int
reserve_block(tally_session *session, size_t cells)
{
    /* Cell positions are kept + 1 in 32 bits (the index's `first`). */
    if (session->block_count + 1 >= UINT32_MAX / 4 || session->cell_count + cells >= UINT32_MAX / 4)
        return tally_ctx__error(session->ctx, TALLY_ERR_LIMIT, "too many payee × month totals");
    if (session->block_count == session->block_capacity) {
        tally_cell_block *grown =
            tally_ctx__grow(session->ctx, session->blocks, &session->block_capacity,
                            session->block_count + 1, sizeof(*grown), FIRST_BLOCKS / 2);
        if (!grown)
            return TALLY_ERR_NOMEM;
        session->blocks = grown;
    }
    if (session->cell_capacity - session->cell_count < cells) {
        tally_cell *grown = tally_ctx__grow(session->ctx, session->cells, &session->cell_capacity,
                                            session->cell_count + cells, sizeof(*grown),
                                            FIRST_BLOCKS);
        if (!grown)
            return TALLY_ERR_NOMEM;
        session->cells = grown;
    }
    return TALLY_OK;
}

/* ---- the payee × month cache in front of the index ---- */

/* The first cell of a payee's block of a month and version when cached, else SIZE_MAX.
 * Months are year × 12 + month − 1 of years 1 ... 9999: never negative. */
static size_t
cached_block(const tally_session *session, uint32_t payee, int32_t month, uint32_t version)
{
    if (payee >= session->payee_month_capacity)
        return SIZE_MAX;
    const tally_payee_months *m = &session->payee_months[payee];
    uint32_t first = m->first[month % 12];
    return m->version == version + 1 && m->year == month / 12 && first ? (size_t)first - 1
                                                                        : SIZE_MAX;
}

/* Room in the cache for the payee, before a block of it is made or found. */
static int
reserve_payee_months(tally_session *session, uint32_t payee)
{
    size_t old = session->payee_month_capacity;
    if (payee < old)
        return TALLY_OK;
    tally_payee_months *grown =
        tally_ctx__grow(session->ctx, session->payee_months, &session->payee_month_capacity,
                        (size_t)payee + 1, sizeof(*grown), 1024);
    if (!grown)
        return TALLY_ERR_NOMEM;
    memset(grown + old, 0, (session->payee_month_capacity - old) * sizeof(*grown));
    session->payee_months = grown;
    return TALLY_OK;
}

/* Caches a block (room reserved); another year or version of the payee is dropped
 * from the cache, and stays found through the index. */
static void
cache_block(tally_session *session, uint32_t payee, int32_t month, uint32_t version,
            size_t first)
{
    tally_payee_months *m = &session->payee_months[payee];
    if (m->version != version + 1 || m->year != month / 12) {
        uint32_t never_used = m->version == 0;
        memset(m, 0, sizeof(*m));
        m->version = version + 1;
        m->year = month / 12;
        m->complete = never_used;
    }
    m->first[month % 12] = (uint32_t)first + 1;
}

/* Whether a block the cache has not found cannot exist: the payee has none yet, or
 * the cache holds every one of the payee's blocks of this year and version. */
static int
surely_new(const tally_session *session, uint32_t payee, int32_t month, uint32_t version)
{
    const tally_payee_months *m = &session->payee_months[payee];
    return m->version == 0 || (m->complete && m->version == version + 1 && m->year == month / 12);
}

/* A new block of a payee, month and version, its cells zeroed. */
static int
new_block(tally_session *session, const tally_engine_version *version, uint32_t payee,
          int32_t month, size_t *first)
{
    int status = reserve_block(session, version->class_count);
    if (status != TALLY_OK)
        return status;
    tally_cell_block *b = &session->blocks[session->block_count];
    b->payee = payee;
    b->month = month;
    b->version = (uint32_t)(version - session->versions);
    b->first = (uint32_t)session->cell_count;
    memset(&session->cells[session->cell_count], 0, version->class_count * sizeof(tally_cell));
    session->cell_count += version->class_count;
    session->block_count++;
    *first = b->first;
    return TALLY_OK;
}

/* The first cell of the block of a payee, month and version (made when new). */
static int
block_at(tally_session *session, const tally_engine_version *version, uint32_t payee,
         int32_t month, size_t *first)
{
    uint32_t v = (uint32_t)(version - session->versions);
    if ((*first = cached_block(session, payee, month, v)) != SIZE_MAX)
        return TALLY_OK;
    int status;
    if ((status = reserve_payee_months(session, payee)) != TALLY_OK)
        return status;
    if (session->block_count == 0 && session->block_capacity == 0 &&
        (status = reserve_for_partners(session, version->class_count)) != TALLY_OK)
        return status;
    *first = SIZE_MAX;
    if (!surely_new(session, payee, month, v)) {
        if ((status = update_index(session)) != TALLY_OK)
            return status;
        *first = indexed_block(session, payee, month, v);
    }
    if (*first == SIZE_MAX && (status = new_block(session, version, payee, month, first)) != TALLY_OK)
        return status;
    cache_block(session, payee, month, v, *first);
    return TALLY_OK;
}

static int
counts(const tally_session *session, const tally_cell_class *c, const tally_row *row)
{
    if ((c->registered_only && !row->input->deal_registered) ||
        (c->split_rows_direct && row->split.count))
        return 0;
    return c->every_row || tally_engine__eligible(session, c->eligibility, row);
}

/* A class's payee for the row: the partner, or its rep (interned) when the class
 * pays rep-or-partner and the row names one. */
static int
payee_of(tally_session *session, const tally_cell_class *c, const tally_row *row,
         uint32_t *payee)
{
    const char *rep = row->input->rep;
    *payee = row->partner;
    if (!c->paid_to_rep || !rep || !rep[0])
        return TALLY_OK;
    if (row->hint && row->hint->rep != TALLY_NO_SYMBOL) {
        *payee = row->hint->rep;
        return TALLY_OK;
    }
    return tally_symbols__intern(&session->names, session->ctx, rep, strlen(rep), payee);
}

/* The first cell of the payee's block when a batch found it ahead, else SIZE_MAX. */
static size_t
block_found_ahead(const tally_row *row, uint32_t payee)
{
    const tally_row_hint *hint = row->hint;
    if (!hint || !hint->version || payee == TALLY_NO_SYMBOL)
        return SIZE_MAX;
    if (payee == hint->partner)
        return hint->blocks[0];
    return payee == hint->rep ? hint->blocks[1] : SIZE_MAX;
}

int
tally_engine__plan_cells(tally_session *session, tally_row *row)
{
    const tally_engine_version *version = row->version;
    row->cell_update_count = 0;
    if (!version->class_count)
        return TALLY_OK;
    int32_t month = row->month; /* months: the finest calendar every period is made of */
    size_t partner_block = SIZE_MAX, going_wide = 0;
    for (size_t k = 0; k < version->class_count; k++) {
        const tally_cell_class *c = &session->classes[version->first_class + k];
        if (!counts(session, c, row))
            continue;
        uint32_t payee;
        size_t first;
        int status = payee_of(session, c, row, &payee);
        if (status != TALLY_OK)
            return status;
        if (payee == row->partner && partner_block != SIZE_MAX)
            first = partner_block;
        else if ((first = block_found_ahead(row, payee)) == SIZE_MAX &&
                 (status = block_at(session, version, payee, month, &first)) != TALLY_OK)
            return status;
        if (payee == row->partner)
            partner_block = first;
        tally_cell_update *u = &row->cell_updates[row->cell_update_count];
        u->cell = first + k;
        if ((status = tally_engine__plan_cell_sum(session, row, &session->cells[u->cell],
                                                  going_wide, u)) != TALLY_OK)
            return status;
        going_wide += u->to_wide && !session->cells[u->cell].wide;
        row->cell_update_count++;
    }
    return TALLY_OK;
}

/* A batch looks ahead (intake.c): first the cache lines of the payees' months are
 * fetched into the cache, some rows later the cells they point at, so that the row
 * itself finds both there instead of waiting on memory twice. A block not cached
 * yet (a payee's first row of a month) is found at the row's turn. */
void
tally_engine__prefetch_cells(const tally_session *session, tally_row_hint *hint, int stage)
{
    const tally_engine_version *version = hint->version;
    uint32_t v = (uint32_t)(version - session->versions);
    uint32_t payees[2] = {version->pays_partner || hint->rep == TALLY_NO_SYMBOL
                              ? hint->partner
                              : TALLY_NO_SYMBOL,
                          version->pays_rep && hint->rep != hint->partner ? hint->rep
                                                                          : TALLY_NO_SYMBOL};
    for (int i = 0; i < 2; i++) {
        if (stage == 0) {
            hint->blocks[i] = SIZE_MAX;
            if (payees[i] < session->payee_month_capacity) { /* an entry may span two lines */
                const char *entry = (const char *)&session->payee_months[payees[i]];
                __builtin_prefetch(entry);
                __builtin_prefetch(entry + sizeof(tally_payee_months) - 1);
            }
        } else if ((hint->blocks[i] = cached_block(session, payees[i], hint->month, v)) !=
                   SIZE_MAX) {
            __builtin_prefetch(&session->cells[hint->blocks[i]], 1);
        }
    }
}

void
tally_engine__apply_cells(tally_session *session, const tally_row *row)
{
    for (size_t i = 0; i < row->cell_update_count; i++) {
        const tally_cell_update *u = &row->cell_updates[i];
        tally_cell *c = &session->cells[u->cell];
        tally_engine__store_cell_sum(session, c, u);
        if (!c->rows || row->date > c->latest)
            c->latest = row->date;
        c->rows++;
    }
}

void
tally_engine__free_cells(tally_session *session)
{
    tally_ctx__free(session->ctx, session->wide_cells);
    tally_ctx__free(session->ctx, session->cells);
    tally_ctx__free(session->ctx, session->blocks);
    tally_ctx__free(session->ctx, session->block_index);
    tally_ctx__free(session->ctx, session->payee_months);
}

/* Flushed cells hold only zeros: their memory (a tenth of a session's) goes back
 * before the lines are made. The session is left as a new one's, so rows added
 * after a finish that failed start the cells again. */
void
tally_engine__drop_cells(tally_session *session)
{
    tally_engine__free_cells(session);
    session->wide_cells = NULL;
    session->wide_count = session->wide_capacity = 0;
    session->cells = NULL;
    session->cell_count = session->cell_capacity = 0;
    session->blocks = NULL;
    session->block_count = session->block_capacity = 0;
    session->block_index = NULL;
    session->block_mask = 0;
    session->indexed_blocks = 0;
    session->payee_months = NULL;
    session->payee_month_capacity = 0;
}

/* ---- moving cells into buckets ---- */

/* What a member earns per row from the cell's totals: linear rates only. */
static int
cell_payout(const tally_component *c, const tally_decimal *amount,
            const tally_decimal *quantity, tally_decimal *out)
{
    static const tally_decimal zero = {0, 0, 0, 0};
    *out = zero;
    if (c->kind == TALLY_COMPONENT_DEAL_REGISTRATION)
        return tally_decimal_mul(out, amount, &c->uplift);
    if (c->kind == TALLY_COMPONENT_GROWTH_REBATE || c->kind == TALLY_COMPONENT_MDF)
        return TALLY_OK;
    if (c->rate.kind == TALLY_RATE_FLAT)
        return tally_decimal_mul(out, amount, &c->rate.flat);
    if (c->rate.kind == TALLY_RATE_PER_UNIT)
        return tally_decimal_mul(out, quantity, &c->rate.flat);
    return TALLY_OK;
}

/* Flushing walks the blocks in payee and month order, so that the months of one
 * period follow each other and one bucket lookup (a cache miss, usually) serves
 * them all; the buckets a payee gets are then made side by side too. */
typedef struct last_bucket {
    uint32_t payee;
    int32_t period;
    int32_t settlement;
    uint32_t bucket; /* UINT32_MAX: nothing remembered */
} last_bucket;

/* A slot's period and settlement period of one month, worked out once per flush. */
typedef struct month_periods {
    int32_t period;
    int32_t settlement;
    int known;
} month_periods;

/* Months × slots beyond which the periods are worked out for every cell instead. */
#define MONTH_PERIODS_MAX (1u << 16)

/* A slot's highest key in this flush. When the slot had no bucket before it, a
 * key above that one is new: blocks go by payee, then month, and periods by
 * month, so most are, and are made without looking them up. */
typedef struct fresh_slot {
    int fresh; /* no bucket of the slot was there when the flush began */
    int made;  /* payee, period and settlement hold the highest key so far */
    uint32_t payee;
    int32_t period;
    int32_t settlement;
} fresh_slot;

/* Buckets the second thread of a flush makes, appended to the session's after. */
typedef struct bucket_run {
    tally_bucket *buckets;
    size_t count;
    size_t capacity;
} bucket_run;

typedef struct cell_flush {
    last_bucket *last; /* per component: the bucket its previous cell went to */
    fresh_slot *slots; /* by slot */
    month_periods *periods; /* slot × (month − first_month), or NULL: none kept */
    int32_t first_month;
    size_t month_span;
    uint32_t *targets; /* the buckets of one cell's members */
    size_t target_capacity;
    tally_ctx *ctx;  /* where it allocates: the session's, or the second thread's own */
    bucket_run *run; /* the second thread's buckets (cells left as they are), or NULL */
} cell_flush;

/* Puts the blocks in payee, then month order (nothing refers to a block by its
 * place: the index holds cell positions). */
static int
sort_blocks(tally_session *session)
{
    size_t count = session->block_count;
    if (count < 2)
        return TALLY_OK;
    uint64_t *keys = tally_ctx__calloc(session->ctx, count, sizeof(uint64_t));
    uint32_t *order = tally_ctx__calloc(session->ctx, count, sizeof(uint32_t));
    tally_cell_block *sorted = tally_ctx__calloc(session->ctx, count, sizeof(*sorted));
    int status = keys && order && sorted ? TALLY_OK : TALLY_ERR_NOMEM;
    for (size_t i = 0; status == TALLY_OK && i < count; i++) {
        /* months are year × 12 + month − 1 of years 1 ... 9999: never negative */
        keys[i] = block_key(session->blocks[i].payee, session->blocks[i].month);
        order[i] = (uint32_t)i;
    }
    if (status == TALLY_OK)
        status = tally_result__sort_pairs(session->ctx, keys, order, count);
    if (status == TALLY_OK) {
        for (size_t i = 0; i < count; i++)
            sorted[i] = session->blocks[order[i]];
        memcpy(session->blocks, sorted, count * sizeof(*sorted));
    }
    tally_ctx__free(session->ctx, keys);
    tally_ctx__free(session->ctx, order);
    tally_ctx__free(session->ctx, sorted);
    return status;
}

/* Room for every slot's periods of the months the blocks cover, when that is few. */
static int
keep_month_periods(tally_session *session, cell_flush *f)
{
    f->periods = NULL;
    if (session->block_count == 0 || session->slot_count == 0)
        return TALLY_OK;
    int32_t lo = session->blocks[0].month, hi = lo;
    for (size_t i = 1; i < session->block_count; i++) {
        int32_t month = session->blocks[i].month;
        lo = month < lo ? month : lo;
        hi = month > hi ? month : hi;
    }
    f->first_month = lo;
    f->month_span = (size_t)(hi - lo) + 1;
    if (f->month_span > MONTH_PERIODS_MAX / session->slot_count)
        return TALLY_OK;
    f->periods = tally_ctx__calloc(session->ctx, f->month_span * session->slot_count,
                                   sizeof(month_periods));
    return f->periods ? TALLY_OK : TALLY_ERR_NOMEM;
}

static int
start_flush(tally_session *session, cell_flush *f)
{
    f->targets = NULL;
    f->target_capacity = 0;
    f->periods = NULL;
    f->ctx = session->ctx;
    f->run = NULL;
    f->last = tally_ctx__calloc(session->ctx, session->component_count ? session->component_count : 1,
                                sizeof(*f->last));
    f->slots = tally_ctx__calloc(session->ctx, session->slot_count + 1, sizeof(*f->slots));
    if (!f->last || !f->slots)
        return TALLY_ERR_NOMEM;
    for (size_t i = 0; i < session->slot_count; i++)
        f->slots[i].fresh = 1;
    for (size_t i = 0; i < session->bucket_count; i++)
        f->slots[session->buckets[i].slot].fresh = 0;
    for (size_t c = 0; c < session->component_count; c++)
        f->last[c].bucket = UINT32_MAX;
    int status = sort_blocks(session);
    return status == TALLY_OK ? keep_month_periods(session, f) : status;
}

static void
end_flush(tally_session *session, cell_flush *f)
{
    tally_ctx__free(session->ctx, f->last);
    tally_ctx__free(session->ctx, f->slots);
    tally_ctx__free(session->ctx, f->targets);
    tally_ctx__free(session->ctx, f->periods);
}

/* The periods of a slot that a month's first day falls in. */
static void
month_periods_of(const tally_session *session, cell_flush *f, uint32_t slot, int32_t month,
                 int32_t *period, int32_t *settlement)
{
    month_periods *kept =
        f->periods ? &f->periods[slot * f->month_span + (size_t)(month - f->first_month)] : NULL;
    if (kept && kept->known) {
        *period = kept->period;
        *settlement = kept->settlement;
        return;
    }
    tally_day first = 0;
    tally_date__from_civil(&first, month / 12, month % 12 + 1, 1);
    tally_engine__periods_on(&session->slots[slot], first, period, settlement);
    if (kept)
        *kept = (month_periods){*period, *settlement, 1};
}

static int
key_above(const fresh_slot *h, uint32_t payee, int32_t period, int32_t settlement)
{
    if (payee != h->payee)
        return payee > h->payee;
    if (period != h->period)
        return period > h->period;
    return settlement > h->settlement;
}

static tally_bucket *
flush_bucket(tally_session *session, const cell_flush *f, uint32_t index)
{
    return f->run ? &f->run->buckets[index] : &session->buckets[index];
}

/* A new bucket at the end of the second thread's run: its index. */
static int
run_bucket(cell_flush *f, uint32_t slot, uint32_t payee, int32_t period, int32_t settlement,
           uint32_t *index)
{
    bucket_run *run = f->run;
    if (run->count == run->capacity) {
        tally_bucket *grown = tally_ctx__grow(f->ctx, run->buckets, &run->capacity,
                                              run->count + 1, sizeof(*grown), 1024);
        if (!grown)
            return TALLY_ERR_NOMEM;
        run->buckets = grown;
    }
    tally_engine__init_bucket(&run->buckets[run->count], slot, payee, period, settlement);
    *index = (uint32_t)run->count++;
    return TALLY_OK;
}

/*
 * The bucket of a key in a slot: made at once when the slot is fresh and the key
 * above every one it got in this flush, else found (or made) through the index,
 * which the second thread may not use (TALLY_ERR_STATE: its half is then done
 * again by the caller's thread).
 */
static int
slot_bucket(tally_session *session, cell_flush *f, uint32_t slot, uint32_t payee,
            int32_t period, int32_t settlement, uint32_t *index)
{
    fresh_slot *h = &f->slots[slot];
    int above = !h->made || key_above(h, payee, period, settlement);
    int status;
    tally_bucket *b = NULL;
    if (f->run)
        status = h->fresh && above ? run_bucket(f, slot, payee, period, settlement, index)
                                   : TALLY_ERR_STATE;
    else if (h->fresh && above)
        status = tally_engine__new_bucket(session, slot, payee, period, settlement, &b);
    else
        status = tally_engine__bucket(session, slot, payee, period, settlement, &b);
    if (status == TALLY_OK && b)
        *index = (uint32_t)(b - session->buckets);
    if (status == TALLY_OK && above)
        *h = (fresh_slot){h->fresh, 1, payee, period, settlement};
    return status;
}

/* The bucket a block's totals go to for one member of a class. */
static int
member_bucket(tally_session *session, cell_flush *f, const tally_cell_block *block,
              uint32_t component, uint32_t *index)
{
    const tally_engine_component *c = &session->components[component];
    int32_t period, settlement;
    month_periods_of(session, f, c->slot, block->month, &period, &settlement);
    last_bucket *last = &f->last[component];
    if (last->bucket != UINT32_MAX && last->payee == block->payee && last->period == period &&
        last->settlement == settlement) {
        *index = last->bucket;
        return TALLY_OK;
    }
    int status = slot_bucket(session, f, c->slot, block->payee, period, settlement, index);
    if (status == TALLY_OK)
        *last = (last_bucket){block->payee, period, settlement, *index};
    return status;
}

/* The buckets of a cell's members, into f->targets. */
static int
member_buckets(tally_session *session, cell_flush *f, const tally_cell_block *block,
               const tally_cell_class *cls)
{
    if (f->target_capacity < cls->member_count) {
        uint32_t *grown = tally_ctx__grow(f->ctx, f->targets, &f->target_capacity,
                                          cls->member_count, sizeof(*grown), 16);
        if (!grown)
            return TALLY_ERR_NOMEM;
        f->targets = grown;
    }
    for (size_t m = 0; m < cls->member_count; m++) {
        int status = member_bucket(session, f, block, cls->members[m], &f->targets[m]);
        if (status != TALLY_OK)
            return status;
    }
    return TALLY_OK;
}

/*
 * Moves a cell's totals into its members' buckets, all of which are found or made
 * first: a failure to make one leaves that cell as it was, and the cells moved
 * before it moved whole (and emptied), so the totals are all still there, once,
 * and a later flush goes on from there.
 */
static int
move_cell(tally_session *session, cell_flush *f, const tally_cell_block *block,
          const tally_cell_class *cls, tally_cell *cell)
{
    int status = member_buckets(session, f, block, cls);
    if (status != TALLY_OK)
        return status;
    tally_decimal amount, quantity;
    tally_engine__cell_totals(session, cell, &amount, &quantity);
    for (size_t m = 0; m < cls->member_count; m++) {
        uint32_t component = cls->members[m];
        const tally_component *model = session->components[component].model;
        tally_bucket *b = flush_bucket(session, f, f->targets[m]);
        tally_decimal payout;
        if (cell_payout(model, &amount, &quantity, &payout) != TALLY_OK ||
            tally_decimal_add(&b->amount, &b->amount, &amount) != TALLY_OK ||
            tally_decimal_add(&b->quantity, &b->quantity, &quantity) != TALLY_OK ||
            tally_decimal_add(&b->payout, &b->payout, &payout) != TALLY_OK) {
            if (f->run) /* the caller's thread does the half again, and says so */
                return TALLY_ERR_OVERFLOW;
            session->broken = 1;
            return tally_ctx__error(session->ctx, TALLY_ERR_OVERFLOW,
                                    "component \"%s\": a period total needs more than %d digits",
                                    model->id, TALLY_DECIMAL_MAX_DIGITS);
        }
        if (!b->rows || cell->latest >= b->latest) {
            b->latest = cell->latest;
            b->component = component;
        }
        b->rows += cell->rows;
    }
    /* Empty again, and small (a wide record is left unused); the second thread's
     * cells stay whole until its buckets are in, and are then dropped. */
    if (!f->run)
        memset(cell, 0, sizeof(*cell));
    return TALLY_OK;
}

/* Moves every cell with rows of blocks [from, to), in order; stops on failure. */
static int
move_blocks(tally_session *session, cell_flush *f, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        /* Sorted blocks have their cells all over memory: fetch them a little ahead. */
        if (i + 8 < to)
            __builtin_prefetch(&session->cells[session->blocks[i + 8].first], 1);
        const tally_cell_block *block = &session->blocks[i];
        const tally_engine_version *version = &session->versions[block->version];
        for (size_t k = 0; k < version->class_count; k++) {
            tally_cell *cell = &session->cells[block->first + k];
            int status;
            if (cell->rows &&
                (status = move_cell(session, f, block,
                                    &session->classes[version->first_class + k], cell)) !=
                    TALLY_OK)
                return status;
        }
    }
    return TALLY_OK;
}

/* ---- the second half on a second thread ---- */

/*
 * In a finish with two threads (tally_session_options.threads), the blocks of the
 * second half of the payees are moved on a second thread, into buckets of its
 * own, appended after the first half's: the buckets one thread makes, in the same
 * order. It needs every slot the cells go to fresh (no lookups), allocates only
 * through a context of its own, and leaves its cells whole, so that whatever goes
 * wrong there (an index it may not use, memory, an overflow) the caller's thread
 * moves that half itself and meets it as one thread would. The cells are dropped
 * after, as a finish does anyway.
 */
#define HALF_FLUSH_MIN_BLOCKS 256u

typedef struct half_flush {
    tally_session *session;
    cell_flush f;
    bucket_run run;
    size_t from;
    int status;
    pthread_t thread;
} half_flush;

static void *
move_half(void *user_data)
{
    half_flush *h = user_data;
    h->status = move_blocks(h->session, &h->f, h->from, h->session->block_count);
    return NULL;
}

static int
all_slots_fresh(const tally_session *session, const cell_flush *f)
{
    for (size_t k = 0; k < session->class_count; k++) {
        const tally_cell_class *cls = &session->classes[k];
        for (size_t m = 0; m < cls->member_count; m++)
            if (!f->slots[session->components[cls->members[m]].slot].fresh)
                return 0;
    }
    return 1;
}

/* Where the second half starts: the first block of a payee near the middle. */
static size_t
half_start(const tally_session *session)
{
    size_t k = session->block_count / 2;
    while (k < session->block_count && session->blocks[k].payee == session->blocks[k - 1].payee)
        k++;
    return k;
}

/* Every month's periods worked out now: the two threads then only read them. */
static void
fill_month_periods(tally_session *session, cell_flush *f)
{
    for (uint32_t slot = 0; f->periods && slot < session->slot_count; slot++)
        for (size_t m = 0; m < f->month_span; m++) {
            int32_t period, settlement;
            month_periods_of(session, f, slot, f->first_month + (int32_t)m, &period,
                             &settlement);
        }
}

static void
free_half(half_flush *h)
{
    tally_ctx *ctx = h->f.ctx;
    tally_ctx__free(ctx, h->f.last);
    tally_ctx__free(ctx, h->f.slots);
    tally_ctx__free(ctx, h->f.targets);
    tally_ctx__free(ctx, h->run.buckets);
    tally_ctx_free(ctx);
}

/* Starts the second half; 0 when one thread is to move everything. */
static int
start_half(tally_session *session, cell_flush *f, half_flush *h)
{
    tally_ctx *ctx = NULL;
    if (session->threads < 2 || session->block_count < HALF_FLUSH_MIN_BLOCKS ||
        !all_slots_fresh(session, f) ||
        tally_ctx_new(&ctx, tally_ctx__allocator(session->ctx)) != TALLY_OK)
        return 0;
    memset(h, 0, sizeof(*h));
    h->session = session;
    h->from = half_start(session);
    h->f = *f;
    h->f.ctx = ctx;
    h->f.run = &h->run;
    h->f.targets = NULL;
    h->f.target_capacity = 0;
    h->f.last = tally_ctx__calloc(ctx, session->component_count + 1, sizeof(*h->f.last));
    h->f.slots = tally_ctx__calloc(ctx, session->slot_count + 1, sizeof(*h->f.slots));
    if (!h->f.last || !h->f.slots) {
        free_half(h);
        return 0;
    }
    memcpy(h->f.slots, f->slots, session->slot_count * sizeof(*f->slots));
    for (size_t c = 0; c < session->component_count; c++)
        h->f.last[c].bucket = UINT32_MAX;
    fill_month_periods(session, f);
    if (pthread_create(&h->thread, NULL, move_half, h) != 0) {
        free_half(h);
        return 0;
    }
    return 1;
}

/* Waits for the second half and takes its buckets in, or moves the half itself. */
static int
join_half(tally_session *session, cell_flush *f, half_flush *h, int status)
{
    pthread_join(h->thread, NULL);
    if (status == TALLY_OK)
        status = h->status == TALLY_OK
                     ? tally_engine__append_buckets(session, h->run.buckets, h->run.count)
                     : move_blocks(session, f, h->from, session->block_count);
    free_half(h);
    return status;
}

static int
flush(tally_session *session, int then_dropped)
{
    cell_flush f;
    half_flush half;
    int status = start_flush(session, &f);
    int halved = status == TALLY_OK && then_dropped && start_half(session, &f, &half);
    if (status == TALLY_OK)
        status = move_blocks(session, &f, 0, halved ? half.from : session->block_count);
    if (halved)
        status = join_half(session, &f, &half, status);
    end_flush(session, &f);
    return status;
}

int
tally_engine__flush_cells(tally_session *session)
{
    return flush(session, 0);
}

int
tally_engine__flush_and_drop_cells(tally_session *session)
{
    int status = flush(session, 1);
    if (status == TALLY_OK)
        tally_engine__drop_cells(session);
    return status;
}
