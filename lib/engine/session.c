/*
 * Session lifecycle, the plan compiled into slots, the partner table and prior
 * settlements. Transactions come in through intake.c.
 */
#include <string.h>

#include "core/context.h"
#include "engine/engine.h"
#include "engine/rows.h"

/* ---- compiling the plan ---- */

static tally_calendar
calendar_of(const tally_plan *plan, tally_period_kind kind)
{
    tally_calendar calendar = {kind, 1};
    if (kind == TALLY_PERIOD_FISCAL_QUARTER || kind == TALLY_PERIOD_FISCAL_HALF ||
        kind == TALLY_PERIOD_FISCAL_YEAR)
        calendar.fiscal_start_month = plan->fiscal_start_month;
    return calendar;
}

static tally_slot
slot_of(const tally_plan *plan, const tally_component *c)
{
    tally_slot slot;
    slot.id = c->id;
    slot.kind = c->kind;
    slot.period = calendar_of(plan, c->period);
    slot.has_settlement = c->has_settlement;
    slot.settlement = c->has_settlement ? calendar_of(plan, c->settlement) : slot.period;
    return slot;
}

static int
same_slot(const tally_slot *a, const tally_slot *b)
{
    return strcmp(a->id, b->id) == 0 && a->kind == b->kind &&
           a->period.kind == b->period.kind && a->has_settlement == b->has_settlement &&
           a->settlement.kind == b->settlement.kind;
}

static uint32_t
find_or_add_slot(tally_session *session, const tally_slot *slot, uint32_t component)
{
    for (size_t i = 0; i < session->slot_count; i++)
        if (same_slot(&session->slots[i], slot))
            return (uint32_t)i;
    session->slots[session->slot_count] = *slot;
    session->slots[session->slot_count].first_component = component;
    return (uint32_t)session->slot_count++;
}

/* Refuses, with a clear message, the components the engine cannot compute yet. */
static int
check_supported(tally_session *session, const tally_plan_version_model *version,
                const tally_component *c)
{
    const char *missing = NULL;
    if (c->rounding.point == TALLY_ROUNDING_PER_TRANSACTION &&
             c->kind == TALLY_COMPONENT_GROWTH_REBATE)
        missing = "per-transaction rounding of a growth rebate (growth is known only for the "
                  "whole period)";

    else if (c->kind == TALLY_COMPONENT_MDF && c->has_settlement)
        missing = "settlement periods of MDF funds";
    else if (c->kind == TALLY_COMPONENT_GROWTH_REBATE && c->has_settlement)
        missing = "settlement periods of growth rebates (growth is known for whole periods)";
    if (!missing && c->returns == TALLY_RETURNS_ORIGINAL &&
        (session->flags & TALLY_SESSION_TRUST_IDS))
        return tally_ctx__error(session->ctx, TALLY_ERR_INVALID_ARGUMENT,
                                "<%s id=\"%s\"> counts returns in their original's period, "
                                "which needs the transaction ids TALLY_SESSION_TRUST_IDS "
                                "discards",
                                tally_component_kind_name(c->kind), c->id);
    if (!missing)
        return TALLY_OK;
    return tally_ctx__error(session->ctx, TALLY_ERR_PLAN,
                            "plan \"%s\", version \"%s\", <%s id=\"%s\"> (line %lu): this "
                            "version of the engine does not compute %s yet",
                            session->plan->id, version->id, tally_component_kind_name(c->kind),
                            c->id, c->line, missing);
}

static int
compile_plan(tally_session *session)
{
    const tally_plan *plan = session->plan;
    size_t total = 0;
    for (size_t v = 0; v < plan->version_count; v++)
        total += plan->versions[v].component_count;
    session->versions = tally_ctx__calloc(session->ctx, plan->version_count,
                                          sizeof(tally_engine_version));
    session->components = tally_ctx__calloc(session->ctx, total ? total : 1,
                                            sizeof(tally_engine_component));
    session->slots = tally_ctx__calloc(session->ctx, total ? total : 1, sizeof(tally_slot));
    if (!session->versions || !session->components || !session->slots)
        return TALLY_ERR_NOMEM;
    int status = TALLY_OK;
    for (size_t v = 0; v < plan->version_count; v++) {
        const tally_plan_version_model *model = &plan->versions[v];
        tally_engine_version *version = &session->versions[session->version_count++];
        version->model = model;
        version->components = session->components + session->component_count;
        version->component_count = model->component_count;
        for (size_t i = 0; i < model->component_count; i++) {
            const tally_component *c = &model->components[i];
            int supported = check_supported(session, model, c);
            if (supported != TALLY_OK)
                status = supported;
            tally_slot slot = slot_of(plan, c);
            uint32_t index = (uint32_t)session->component_count++;
            tally_engine_component *ec = &session->components[index];
            ec->model = c;
            ec->version = model;
            ec->slot = find_or_add_slot(session, &slot, index);
        }
    }
    return status;
}

/* ---- lifecycle ---- */

static int
option_date(tally_ctx *ctx, const char *name, const char *text, tally_day *out)
{
    if (!text || tally_date__parse(out, text, strlen(text)))
        return TALLY_OK;
    return tally_ctx__error(ctx, TALLY_ERR_SYNTAX,
                            "%s date \"%.16s\" is not a valid YYYY-MM-DD date",
                            name, text);
}

int
tally_session_new(tally_ctx *ctx, tally_session **out, tally_plan *plan,
                  const tally_session_options *options)
{
    tally_ctx__begin(ctx);
    if (out)
        *out = NULL;
    if (!ctx || !out || !plan)
        return tally_ctx__error(ctx, TALLY_ERR_INVALID_ARGUMENT,
                                "tally_session_new needs a context, an output and a plan");
    if (options && options->size < sizeof(size_t))
        return tally_ctx__error(ctx, TALLY_ERR_INVALID_ARGUMENT,
                                "tally_session_options.size is not set");
    tally_session_options opts;
    memset(&opts, 0, sizeof(opts));
    if (options)
        memcpy(&opts, options, options->size < sizeof(opts) ? options->size : sizeof(opts));
    tally_day as_of = 0, lines_from = INT32_MIN, lines_to = INT32_MAX;
    int status;
    if ((status = option_date(ctx, "as-of", opts.as_of, &as_of)) != TALLY_OK ||
        (status = option_date(ctx, "lines-from", opts.lines_from, &lines_from)) != TALLY_OK ||
        (status = option_date(ctx, "lines-to", opts.lines_to, &lines_to)) != TALLY_OK)
        return status;
    if (lines_from > lines_to)
        return tally_ctx__error(ctx, TALLY_ERR_INVALID_ARGUMENT,
                                "lines-to %s is before lines-from %s", opts.lines_to,
                                opts.lines_from);
    tally_session *session = tally_ctx__calloc(ctx, 1, sizeof(tally_session));
    if (!session)
        return TALLY_ERR_NOMEM;
    session->ctx = ctx;
    session->plan = tally_plan_ref(plan);
    session->currency_code = tally_currency_code(plan->currency);
    session->flags = opts.flags;
    session->threads = opts.threads;
    session->input.wanted = !(opts.flags & TALLY_SESSION_NO_INPUT_DIGEST);
    tally_date__reader_init(&session->dates);
    session->has_as_of = opts.as_of != NULL;
    session->as_of = as_of;
    session->lines_from = lines_from;
    session->lines_to = lines_to;
    tally_symbols__init_inline(&session->names, ctx); /* looked up on every row */
    tally_symbols__init(&session->transaction_ids, ctx);
    tally_symbols__init(&session->sale_marks, ctx);
    tally_arena__init(&session->pending_text, ctx);
    tally_symbols__init(&session->claim_ids, ctx);
    status = compile_plan(session);
    if (status == TALLY_OK)
        status = tally_engine__compile_cells(session);
    if (status != TALLY_OK) {
        tally_session_free(session);
        return status;
    }
    *out = session;
    return TALLY_OK;
}

/* The context a session reports through, for readers that feed a session and
 * record errors of their own next to the session's (the CSV reader, bindings). */
tally_ctx *
tally_session_context(const tally_session *session)
{
    return session ? session->ctx : NULL;
}

void
tally_session_free(tally_session *session)
{
    if (!session)
        return;
    tally_ctx *ctx = session->ctx;
    tally_symbols__free(&session->names);
    tally_symbols__free(&session->transaction_ids);
    tally_symbols__free(&session->sale_marks);
    tally_ctx__free(ctx, session->mark_set);
    tally_ctx__free(ctx, session->spiff_sales);
    tally_ctx__free(ctx, session->pending);
    tally_arena__free(&session->pending_text);
    tally_symbols__free(&session->claim_ids);
    tally_engine__free_fx(session);
    tally_ctx__free(ctx, session->claims);
    tally_ctx__free(ctx, session->seen);
    tally_ctx__free(ctx, session->partners);
    tally_ctx__free(ctx, session->classes);
    tally_ctx__free(ctx, session->class_members);
    tally_ctx__free(ctx, session->direct);
    tally_engine__free_cells(session);
    for (size_t i = 0; i < session->bucket_count; i++) {
        tally_ctx__free(ctx, session->buckets[i].fractions);
        tally_ctx__free(ctx, session->buckets[i].band_sums);
    }
    tally_ctx__free(ctx, session->buckets);
    tally_ctx__free(ctx, session->bucket_extras);
    tally_ctx__free(ctx, session->bucket_slots);
    tally_ctx__free(ctx, session->bucket_tags);
    tally_ctx__free(ctx, session->sources);
    tally_ctx__free(ctx, session->slots);
    tally_ctx__free(ctx, session->components);
    tally_ctx__free(ctx, session->versions);
    tally_plan_unref(session->plan);
    tally_ctx__free(ctx, session);
}

uint64_t
tally_session_accepted_count(const tally_session *session)
{
    return session ? session->accepted : 0;
}

uint64_t
tally_session_rejected_count(const tally_session *session)
{
    return session ? session->rejected : 0;
}

int
tally_engine__check_open(tally_session *session, const void *input, const char *what)
{
    if (!input || *(const size_t *)input < sizeof(size_t))
        return tally_ctx__error(session->ctx, TALLY_ERR_INVALID_ARGUMENT,
                                "%s is NULL or its size is not set", what);
    if (session->finished)
        return tally_ctx__error(session->ctx, TALLY_ERR_STATE,
                                "the session is finished; start a new one for more input");
    return TALLY_OK;
}

/* ---- partners ---- */

static int
intern_optional(tally_session *session, const char *text, uint32_t *out)
{
    *out = TALLY_NO_SYMBOL;
    if (!text || !text[0])
        return TALLY_OK;
    return tally_symbols__intern(&session->names, session->ctx, text, strlen(text), out);
}

static int
reserve_partner(tally_session *session, uint32_t symbol)
{
    if (symbol < session->partner_capacity)
        return TALLY_OK;
    size_t capacity = session->partner_capacity ? session->partner_capacity : 64;
    while (capacity <= symbol)
        capacity *= 2;
    tally_partner_record *records =
        tally_ctx__realloc(session->ctx, session->partners, capacity * sizeof(*records));
    if (!records)
        return TALLY_ERR_NOMEM;
    /* Symbols that are no partner have records too: marked absent. */
    memset(records + session->partner_capacity, 0,
           (capacity - session->partner_capacity) * sizeof(*records));
    session->partners = records;
    session->partner_capacity = capacity;
    return TALLY_OK;
}

static int
reject_partner(tally_session *session, const tally_partner *p, const char *what)
{
    return tally_ctx__error(session->ctx, TALLY_ERR_INPUT, "partner \"%.64s\": %s",
                            p->id ? p->id : "", what);
}

static int
parse_partner(tally_session *session, const tally_partner *p, tally_partner_record *record)
{
    if (!p->id || !p->id[0])
        return tally_ctx__error(session->ctx, TALLY_ERR_INPUT, "partner without id");
    tally_day joined;
    if (p->join_date && p->join_date[0] &&
        !tally_date__parse(&joined, p->join_date, strlen(p->join_date)))
        return reject_partner(session, p, "join date is not a valid YYYY-MM-DD date");
    memset(record, 0, sizeof(*record));
    if (p->quota && p->quota[0]) {
        if (tally_decimal_parse(NULL, &record->quota, p->quota) != TALLY_OK ||
            tally_decimal_sign(&record->quota) <= 0)
            return reject_partner(session, p, "quota is not a positive decimal number");
        record->has_quota = 1;
    }
    return TALLY_OK;
}

static void
digest_partner(tally_session *session, const tally_partner *p)
{
    const char *fields[] = {p->id, p->type, p->tier, p->region, p->join_date, p->quota};
    tally_engine__digest_row(&session->input, "partner", fields, 6);
    session->input.partners++;
}

int
tally_session_add_partner(tally_session *session, const tally_partner *partner)
{
    if (!session)
        return TALLY_ERR_INVALID_ARGUMENT;
    tally_ctx__begin(session->ctx);
    int status = tally_engine__check_open(session, partner, "partner");
    if (status != TALLY_OK)
        return status;
    tally_partner p;
    memset(&p, 0, sizeof(p));
    memcpy(&p, partner, partner->size < sizeof(p) ? partner->size : sizeof(p));
    /* Earlier rows were judged without this partner: the table must come first. */
    if (session->accepted || session->rejected)
        return tally_ctx__error(session->ctx, TALLY_ERR_STATE,
                                "partner \"%.64s\": partners must be added before the first "
                                "transaction",
                                p.id ? p.id : "");
    tally_partner_record record;
    if ((status = parse_partner(session, &p, &record)) != TALLY_OK)
        return status;
    uint32_t symbol = tally_symbols__find(&session->names, p.id, strlen(p.id));
    if (tally_engine__partner(session, symbol))
        return reject_partner(session, &p, "duplicate partner id");
    if ((status = tally_symbols__intern(&session->names, session->ctx, p.id, strlen(p.id),
                                        &symbol)) != TALLY_OK ||
        (status = intern_optional(session, p.type, &record.type)) != TALLY_OK ||
        (status = intern_optional(session, p.tier, &record.tier)) != TALLY_OK ||
        (status = intern_optional(session, p.region, &record.region)) != TALLY_OK ||
        (status = reserve_partner(session, symbol)) != TALLY_OK)
        return status;
    record.present = 1;
    session->partners[symbol] = record;
    session->partner_count++;
    digest_partner(session, &p);
    return TALLY_OK;
}
