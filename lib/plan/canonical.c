/*
 * The canonical form of a plan, and its digest (SHA-256 of the canonical form).
 *
 * Two plans have the same canonical form exactly when they compile to the same
 * rules: it is written from the compiled model, never from the XML, so comments,
 * whitespace, attribute order, element order where it carries no meaning, and
 * defaults left implicit or written out do not change it. Cosmetic text (the
 * plan's name and description, component names) is left out.
 *
 * Format, version 1. UTF-8 text, one fact per line, `key=value` and a line feed,
 * in this order, with every default explicit. Lines under a rate kind or a
 * component kind are written for that kind only; all others always:
 *
 *   tally-plan-canonical=1
 *   plan.id=ID
 *   plan.currency=CODE                      ISO 4217, e.g. USD
 *   plan.rounding.mode=MODE                 half-even | half-up | down | floor |
 *                                           ceiling | up | half-down
 *   plan.rounding.point=POINT               per-payout | per-transaction
 *   plan.rounding.scale=N
 *   plan.fiscal-year-start-month=N          1 ... 12
 *   for KIND in partner-tiers, partner-types, regions, categories,
 *               customer-categories, products:
 *     definitions.KIND.declared=0|1
 *     definitions.KIND.ids=LIST
 *   versions=N                              then each version, by effective date:
 *     version.id=ID
 *     version.effective-from=DATE
 *     version.effective-to=DATE | open
 *     version.components=N                  then each component, by id (bytewise):
 *       component.id=ID
 *       component.kind=KIND                 as the element: rebate, spiff ...
 *       component.period=PERIOD
 *       component.settlement=PERIOD | none
 *       for FILTER in products, categories, regions, partner-types, partner-tiers,
 *                     customer-categories:
 *         component.eligibility.FILTER.active=0|1
 *         component.eligibility.FILTER.exclude=0|1
 *         component.eligibility.FILTER.ids=LIST
 *       component.eligibility.regions.of=transaction | partner
 *       component.eligibility.customers=any | new | existing
 *       component.eligibility.window.from=DATE | none
 *       component.eligibility.window.to=DATE | none
 *       component.rounding.mode=MODE        the component's effective rule
 *       component.rounding.point=POINT
 *       component.rounding.scale=N
 *       component.payee=partner | rep-or-partner
 *       component.returns=dated | original
 *       component.clawback.recover-from=component | payee
 *       component.clawback.carry-forward=0|1
 *       component.minimum=DECIMAL | none
 *       component.cap=DECIMAL | none
 *       component.multipliers=N             then N times, by partner tier:
 *         component.multiplier.partner-tier=ID
 *         component.multiplier.factor=DECIMAL
 *       component.rate.kind=none | flat | per-unit | category | customer-category |
 *                           tiers
 *       flat, per-unit:         component.rate.value=DECIMAL
 *       (customer-)category:    component.rate.entries=N, then N times, by key:
 *                                 component.rate.key=ID
 *                                 component.rate.value=DECIMAL
 *       tiers:                  component.tiers.mode=whole | marginal | interpolated
 *                               component.tiers.measure=amount | quantity | attainment
 *                               component.tiers.basis=period | transaction
 *                               component.tiers.pays=rate | per-unit | amount
 *                               component.tiers.bands=N, then N times, by from:
 *                                 component.band.from=DECIMAL
 *                                 component.band.to=DECIMAL | open
 *                                 component.band.value=DECIMAL
 *       growth-rebate:          component.growth.baseline=previous-period |
 *                                                         same-period-last-year
 *                               component.growth.threshold-percent=DECIMAL
 *                               component.growth.pay-on=growth | basis
 *       spiff:                  component.spiff.window-from=DATE
 *                               component.spiff.window-to=DATE
 *                               component.spiff.per=unit | deal
 *                               component.spiff.products=N, then N times, by id:
 *                                 component.spiff.product.id=ID
 *                                 component.spiff.product.amount=DECIMAL
 *                               component.spiff.claim-deadline.days-after-sale=N | none
 *                               component.spiff.claim-deadline.late-reduction-percent=
 *                                 DECIMAL
 *                               component.spiff.claim-deadline.max-late-months=N | none
 *       mdf:                    component.mdf.accrual-rate=DECIMAL
 *                               component.mdf.yearly-cap=DECIMAL | none
 *                               component.mdf.expiry-months=N
 *                               component.mdf.co-funding=DECIMAL
 *       commission:             component.splits=apply | ignore
 *       referral:               component.referral.fee=DECIMAL
 *       deal-registration:      component.deal-registration.uplift=DECIMAL
 *       (affiliate: its rate is component.rate, kind flat)
 *
 * DECIMAL is plain notation without trailing fractional zeros ("0.02", "100",
 * "-1.5"), so 0.020 and 0.02 are the same rule. DATE is YYYY-MM-DD. LIST is the
 * sorted ids separated by one space (empty when there are none). Identifiers are
 * escaped so that a value never holds a line break, "=", a space or a backslash
 * unescaped: those bytes and every control byte are written as \xHH (two lower
 * case hex digits). Counts before every repeated group keep the form unambiguous.
 */
#include <stdio.h>
#include <string.h>

#include "core/digest.h"
#include "plan/build.h"

#define WRITER_BUFFER 512

/* Collects output in a buffer and hands it to the caller's function in pieces. */
typedef struct canonical_writer {
    tally_write_fn write;
    void *user_data;
    int stopped;
    size_t used;
    char buffer[WRITER_BUFFER];
} canonical_writer;

static void
flush(canonical_writer *w)
{
    if (!w->stopped && w->used && w->write(w->buffer, w->used, w->user_data) != 0)
        w->stopped = 1;
    w->used = 0;
}

static void
put(canonical_writer *w, const char *data, size_t size)
{
    while (size && !w->stopped) {
        size_t room = WRITER_BUFFER - w->used;
        size_t piece = size < room ? size : room;
        memcpy(w->buffer + w->used, data, piece);
        w->used += piece;
        data += piece;
        size -= piece;
        if (w->used == WRITER_BUFFER)
            flush(w);
    }
}

static void
put_text(canonical_writer *w, const char *text)
{
    put(w, text, strlen(text));
}

static int
needs_escape(unsigned char byte)
{
    return byte < 0x20 || byte == 0x7f || byte == '=' || byte == '\\' || byte == ' ';
}

static void
put_escaped(canonical_writer *w, const char *text)
{
    static const char hex[] = "0123456789abcdef";
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        char escaped[4] = {'\\', 'x', hex[*c >> 4], hex[*c & 15]};
        if (needs_escape(*c))
            put(w, escaped, 4);
        else
            put(w, (const char *)c, 1);
    }
}

/* ---- lines ---- */

static void
line_start(canonical_writer *w, const char *prefix, const char *key)
{
    put_text(w, prefix);
    put_text(w, key);
    put(w, "=", 1);
}

/* A value from the library's own vocabulary: never needs escaping. */
static void
line_word(canonical_writer *w, const char *prefix, const char *key, const char *word)
{
    line_start(w, prefix, key);
    put_text(w, word ? word : "?");
    put(w, "\n", 1);
}

static void
line_id(canonical_writer *w, const char *prefix, const char *key, const char *id)
{
    line_start(w, prefix, key);
    put_escaped(w, id ? id : "");
    put(w, "\n", 1);
}

static void
line_number(canonical_writer *w, const char *prefix, const char *key, long number)
{
    char text[32];
    snprintf(text, sizeof(text), "%ld", number);
    line_word(w, prefix, key, text);
}

static void
line_flag(canonical_writer *w, const char *prefix, const char *key, int flag)
{
    line_word(w, prefix, key, flag ? "1" : "0");
}

/* Plain notation without trailing fractional zeros. */
static void
canonical_decimal(char out[TALLY_DECIMAL_STRING_MAX], const tally_decimal *value)
{
    if (tally_decimal_format(out, TALLY_DECIMAL_STRING_MAX, value) != TALLY_OK) {
        strcpy(out, "?");
        return;
    }
    if (!strchr(out, '.'))
        return;
    size_t length = strlen(out);
    while (out[length - 1] == '0')
        out[--length] = '\0';
    if (out[length - 1] == '.')
        out[--length] = '\0';
}

static void
line_decimal(canonical_writer *w, const char *prefix, const char *key,
             const tally_decimal *value)
{
    char text[TALLY_DECIMAL_STRING_MAX];
    canonical_decimal(text, value);
    line_word(w, prefix, key, text);
}

static void
line_optional_decimal(canonical_writer *w, const char *prefix, const char *key, int present,
                      const tally_decimal *value)
{
    if (present)
        line_decimal(w, prefix, key, value);
    else
        line_word(w, prefix, key, "none");
}

static void
line_date(canonical_writer *w, const char *prefix, const char *key, int present,
          tally_day day)
{
    char text[TALLY_DATE_TEXT_SIZE];
    if (!present) {
        line_word(w, prefix, key, "none");
        return;
    }
    tally_date__format(text, day);
    line_word(w, prefix, key, text);
}

static void
line_list(canonical_writer *w, const char *prefix, const char *key, const tally_id_list *list)
{
    line_start(w, prefix, key);
    for (size_t i = 0; i < list->count; i++) {
        if (i)
            put(w, " ", 1);
        put_escaped(w, list->ids[i]);
    }
    put(w, "\n", 1);
}

/* ---- names of model values ---- */

static const char *
name_of(const char *const *names, size_t count, int value)
{
    return value >= 0 && (size_t)value < count ? names[value] : "?";
}

#define NAME(names, value) name_of(names, sizeof(names) / sizeof(names[0]), (int)(value))

static const char *const rounding_points[] = {"per-payout", "per-transaction"};
static const char *const customers_names[] = {"any", "new", "existing"};
static const char *const payee_names[] = {"partner", "rep-or-partner"};
static const char *const returns_names[] = {"dated", "original"};
static const char *const rate_kinds[] = {"none",     "flat",              "per-unit",
                                         "category", "customer-category", "tiers"};
static const char *const tier_modes[] = {"whole", "marginal", "interpolated"};
static const char *const tier_measures[] = {"amount", "quantity", "attainment"};
static const char *const tier_bases[] = {"period", "transaction"};
static const char *const band_pays[] = {"rate", "per-unit", "amount"};

/* ---- plan-level facts ---- */

static void
write_rounding(canonical_writer *w, const char *prefix, const tally_rounding_rule *rule)
{
    char key[64];
    snprintf(key, sizeof(key), "%srounding.", prefix);
    line_word(w, key, "mode", tally_rounding_name(rule->mode));
    line_word(w, key, "point", NAME(rounding_points, rule->point));
    line_number(w, key, "scale", rule->scale);
}

static void
write_definition(canonical_writer *w, const char *kind, const tally_filter *filter)
{
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "definitions.%s.", kind);
    line_flag(w, prefix, "declared", filter->active);
    line_list(w, prefix, "ids", &filter->ids);
}

static void
write_definitions(canonical_writer *w, const tally_definitions *d)
{
    write_definition(w, "partner-tiers", &d->partner_tiers);
    write_definition(w, "partner-types", &d->partner_types);
    write_definition(w, "regions", &d->regions);
    write_definition(w, "categories", &d->categories);
    write_definition(w, "customer-categories", &d->customer_categories);
    write_definition(w, "products", &d->products);
}

/* ---- components ---- */

#define COMPONENT "component."

static void
write_filter(canonical_writer *w, const char *name, const tally_filter *filter)
{
    char prefix[64];
    snprintf(prefix, sizeof(prefix), COMPONENT "eligibility.%s.", name);
    line_flag(w, prefix, "active", filter->active);
    line_flag(w, prefix, "exclude", filter->active && filter->exclude);
    line_list(w, prefix, "ids", &filter->ids);
}

static void
write_eligibility(canonical_writer *w, const tally_eligibility *e)
{
    write_filter(w, "products", &e->products);
    write_filter(w, "categories", &e->categories);
    write_filter(w, "regions", &e->regions);
    write_filter(w, "partner-types", &e->partner_types);
    write_filter(w, "partner-tiers", &e->partner_tiers);
    write_filter(w, "customer-categories", &e->customer_categories);
    line_word(w, COMPONENT "eligibility.regions.", "of",
              e->regions.active && e->regions_of_partner ? "partner" : "transaction");
    line_word(w, COMPONENT "eligibility.", "customers", NAME(customers_names, e->customers));
    line_date(w, COMPONENT "eligibility.window.", "from", e->has_window, e->window_from);
    line_date(w, COMPONENT "eligibility.window.", "to", e->has_window, e->window_to);
}

static void
write_keyed(canonical_writer *w, const char *prefix, const char *key_name,
            const char *value_name, const tally_rate_table *table)
{
    for (size_t i = 0; i < table->count; i++) {
        line_id(w, prefix, key_name, table->entries[i].key);
        line_decimal(w, prefix, value_name, &table->entries[i].value);
    }
}

static void
write_limits(canonical_writer *w, const tally_component *c)
{
    line_word(w, COMPONENT, "payee", NAME(payee_names, c->payee));
    line_word(w, COMPONENT, "returns", NAME(returns_names, c->returns));
    line_word(w, COMPONENT "clawback.", "recover-from",
              c->clawback.recover_from_payee ? "payee" : "component");
    line_flag(w, COMPONENT "clawback.", "carry-forward", c->clawback.carry_forward);
    line_optional_decimal(w, COMPONENT, "minimum", c->has_minimum, &c->minimum);
    line_optional_decimal(w, COMPONENT, "cap", c->has_cap, &c->cap);
    line_number(w, COMPONENT, "multipliers", (long)c->multipliers.count);
    write_keyed(w, COMPONENT "multiplier.", "partner-tier", "factor", &c->multipliers);
}

static void
write_tiers(canonical_writer *w, const tally_tier_table *t)
{
    line_word(w, COMPONENT "tiers.", "mode", NAME(tier_modes, t->mode));
    line_word(w, COMPONENT "tiers.", "measure", NAME(tier_measures, t->measure));
    line_word(w, COMPONENT "tiers.", "basis", NAME(tier_bases, t->basis));
    line_word(w, COMPONENT "tiers.", "pays", NAME(band_pays, t->pays));
    line_number(w, COMPONENT "tiers.", "bands", (long)t->band_count);
    for (size_t i = 0; i < t->band_count; i++) {
        const tally_band *band = &t->bands[i];
        line_decimal(w, COMPONENT "band.", "from", &band->from);
        if (band->open)
            line_word(w, COMPONENT "band.", "to", "open");
        else
            line_decimal(w, COMPONENT "band.", "to", &band->to);
        line_decimal(w, COMPONENT "band.", "value", &band->value);
    }
}

static void
write_rate(canonical_writer *w, const tally_rate_spec *rate)
{
    line_word(w, COMPONENT "rate.", "kind", NAME(rate_kinds, rate->kind));
    switch (rate->kind) {
    case TALLY_RATE_FLAT:
    case TALLY_RATE_PER_UNIT:
        line_decimal(w, COMPONENT "rate.", "value", &rate->flat);
        break;
    case TALLY_RATE_CATEGORY:
    case TALLY_RATE_CUSTOMER_CATEGORY:
        line_number(w, COMPONENT "rate.", "entries", (long)rate->table.count);
        write_keyed(w, COMPONENT "rate.", "key", "value", &rate->table);
        break;
    case TALLY_RATE_TIERS:
        write_tiers(w, &rate->tiers);
        break;
    case TALLY_RATE_NONE:
        break;
    }
}

static void
write_growth(canonical_writer *w, const tally_growth_rule *g)
{
    line_word(w, COMPONENT "growth.", "baseline",
              g->baseline_same_period_last_year ? "same-period-last-year" : "previous-period");
    line_decimal(w, COMPONENT "growth.", "threshold-percent", &g->threshold_percent);
    line_word(w, COMPONENT "growth.", "pay-on", g->pay_on_basis ? "basis" : "growth");
}

static void
write_spiff(canonical_writer *w, const tally_spiff_rule *s)
{
    static const char deadline[] = COMPONENT "spiff.claim-deadline.";
    line_date(w, COMPONENT "spiff.", "window-from", 1, s->window_from);
    line_date(w, COMPONENT "spiff.", "window-to", 1, s->window_to);
    line_word(w, COMPONENT "spiff.", "per", s->per_deal ? "deal" : "unit");
    line_number(w, COMPONENT "spiff.", "products", (long)s->products.count);
    write_keyed(w, COMPONENT "spiff.product.", "id", "amount", &s->products);
    if (s->has_deadline)
        line_number(w, deadline, "days-after-sale", s->deadline_days);
    else
        line_word(w, deadline, "days-after-sale", "none");
    line_decimal(w, deadline, "late-reduction-percent", &s->late_reduction_percent);
    if (s->has_deadline && s->max_late_months)
        line_number(w, deadline, "max-late-months", s->max_late_months);
    else
        line_word(w, deadline, "max-late-months", "none");
}

static void
write_mdf(canonical_writer *w, const tally_mdf_rule *m)
{
    line_decimal(w, COMPONENT "mdf.", "accrual-rate", &m->accrual_rate);
    line_optional_decimal(w, COMPONENT "mdf.", "yearly-cap", m->has_yearly_cap, &m->yearly_cap);
    line_number(w, COMPONENT "mdf.", "expiry-months", m->expiry_months);
    line_decimal(w, COMPONENT "mdf.", "co-funding", &m->co_funding);
}

static void
write_kind_specifics(canonical_writer *w, const tally_component *c)
{
    switch (c->kind) {
    case TALLY_COMPONENT_GROWTH_REBATE:
        write_growth(w, &c->growth);
        break;
    case TALLY_COMPONENT_SPIFF:
        write_spiff(w, &c->spiff);
        break;
    case TALLY_COMPONENT_MDF:
        write_mdf(w, &c->mdf);
        break;
    case TALLY_COMPONENT_COMMISSION:
        line_word(w, COMPONENT, "splits", c->apply_splits ? "apply" : "ignore");
        break;
    case TALLY_COMPONENT_REFERRAL:
        line_decimal(w, COMPONENT "referral.", "fee", &c->fee);
        break;
    case TALLY_COMPONENT_DEAL_REGISTRATION:
        line_decimal(w, COMPONENT "deal-registration.", "uplift", &c->uplift);
        break;
    case TALLY_COMPONENT_REBATE:
    case TALLY_COMPONENT_AFFILIATE:
        break;
    }
}

static void
write_component(canonical_writer *w, const tally_component *c)
{
    line_id(w, COMPONENT, "id", c->id);
    line_word(w, COMPONENT, "kind", tally_component_kind_name(c->kind));
    line_word(w, COMPONENT, "period", tally_period__kind_name(c->period));
    line_word(w, COMPONENT, "settlement",
              c->has_settlement ? tally_period__kind_name(c->settlement) : "none");
    write_eligibility(w, &c->eligibility);
    write_rounding(w, COMPONENT, &c->rounding);
    write_limits(w, c);
    write_rate(w, &c->rate);
    write_kind_specifics(w, c);
}

#undef COMPONENT

/* ---- versions ---- */

/* The component with the smallest id above `after` (NULL: the smallest of all). */
static const tally_component *
next_by_id(const tally_plan_version_model *v, const tally_component *after)
{
    const tally_component *best = NULL;
    for (size_t i = 0; i < v->component_count; i++) {
        const tally_component *c = &v->components[i];
        if (after && strcmp(c->id, after->id) <= 0)
            continue;
        if (!best || strcmp(c->id, best->id) < 0)
            best = c;
    }
    return best;
}

/* Components in order of id; ids are unique in a version, and nothing is allocated. */
static void
write_version(canonical_writer *w, const tally_plan_version_model *v)
{
    line_id(w, "version.", "id", v->id);
    line_word(w, "version.", "effective-from", v->effective_from_text);
    line_word(w, "version.", "effective-to", v->open_ended ? "open" : v->effective_to_text);
    line_number(w, "version.", "components", (long)v->component_count);
    for (const tally_component *c = next_by_id(v, NULL); c && !w->stopped;
         c = next_by_id(v, c))
        write_component(w, c);
}

static void
write_plan(canonical_writer *w, const tally_plan *plan)
{
    line_word(w, "", "tally-plan-canonical", "1");
    line_id(w, "plan.", "id", plan->id);
    line_word(w, "plan.", "currency", tally_currency_code(plan->currency));
    write_rounding(w, "plan.", &plan->rounding);
    line_number(w, "plan.", "fiscal-year-start-month", plan->fiscal_start_month);
    write_definitions(w, &plan->definitions);
    line_number(w, "", "versions", (long)plan->version_count);
    for (size_t i = 0; i < plan->version_count && !w->stopped; i++)
        write_version(w, &plan->versions[i]);
}

int
tally_plan_write_canonical(const tally_plan *plan, tally_write_fn write, void *user_data)
{
    if (!plan || !write)
        return TALLY_ERR_INVALID_ARGUMENT;
    canonical_writer w;
    w.write = write;
    w.user_data = user_data;
    w.stopped = 0;
    w.used = 0;
    write_plan(&w, plan);
    flush(&w);
    return w.stopped ? TALLY_ERR_CALLBACK : TALLY_OK;
}

/* ---- digest ---- */

static int
hash_piece(const char *data, size_t size, void *user_data)
{
    tally_sha256__update(user_data, data, size);
    return 0;
}

int
tally_plan__compute_digest(tally_plan *plan)
{
    tally_sha256 hash;
    tally_sha256__init(&hash);
    int status = tally_plan_write_canonical(plan, hash_piece, &hash);
    if (status != TALLY_OK)
        return status;
    tally_sha256__final(&hash, plan->digest);
    return TALLY_OK;
}
