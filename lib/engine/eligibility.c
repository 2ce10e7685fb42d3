/*
 * Eligibility filters of domain.md section 8: which transactions a component
 * counts. An include list needs the attribute present and listed; an exclude list
 * passes a transaction without the attribute.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/rows.h"

static int
compare_text(const void *key, const void *element)
{
    return strcmp((const char *)key, *(char *const *)element);
}

static int
listed(const tally_id_list *list, const char *id)
{
    return list->count && bsearch(id, list->ids, list->count, sizeof(char *), compare_text);
}

static int
passes(const tally_filter *filter, const char *value)
{
    if (!filter->active)
        return 1;
    int present = value && value[0];
    int in_list = present && listed(&filter->ids, value);
    return filter->exclude ? !in_list : in_list;
}

static const char *
partner_text(const tally_session *session, uint32_t symbol)
{
    return symbol == TALLY_NO_SYMBOL ? NULL : tally_symbols__text(&session->names, symbol);
}

static int
passes_customers(tally_customer_filter filter, int new_customer)
{
    switch (filter) {
    case TALLY_CUSTOMERS_ANY:
        return 1;
    case TALLY_CUSTOMERS_NEW:
        return new_customer == 1;
    case TALLY_CUSTOMERS_EXISTING:
        return new_customer == 0;
    }
    return 0;
}

int
tally_engine__eligible(const tally_session *session, const tally_eligibility *rules,
                       const tally_row *row)
{
    const tally_transaction *t = row->input;
    const tally_partner_record *p = row->partner_record;
    /* The cheap, often decisive tests first. */
    if ((rules->has_window && (row->date < rules->window_from || row->date > rules->window_to)) ||
        !passes_customers(rules->customers, t->new_customer))
        return 0;
    const char *region = t->region;
    if (rules->regions_of_partner)
        region = p ? partner_text(session, p->region) : NULL;
    return passes(&rules->products, t->product) && passes(&rules->categories, t->category) &&
           passes(&rules->regions, region) &&
           passes(&rules->partner_types, p ? partner_text(session, p->type) : NULL) &&
           passes(&rules->partner_tiers, p ? partner_text(session, p->tier) : NULL) &&
           passes(&rules->customer_categories, t->customer_category);
}
