/*
 * What each kind of component adds to the common ones: attributes of growth
 * rebates, spiffs, MDF funds, commissions, affiliates, referrals and deal
 * registration, and a spiff's <claim-deadline>.
 */
#include "plan/builder.h"

/* In the order of tally_returns_policy. */
static const char *const returns_names[] = {"dated", "original"};
/* In the order of tally_payee_rule. */
static const char *const payee_names[] = {"partner", "rep-or-partner"};

static void
read_returns(tally_builder *builder, const xmlNode *node, tally_component *out)
{
    int returns = TALLY_RETURNS_DATED;
    tally_build__enum_attribute(builder, node, "returns", returns_names, 2, returns, &returns);
    out->returns = (tally_returns_policy)returns;
}

static void
read_payee(tally_builder *builder, const xmlNode *node, tally_payee_rule fallback,
           tally_component *out)
{
    int payee = (int)fallback;
    tally_build__enum_attribute(builder, node, "payee", payee_names, 2, payee, &payee);
    out->payee = (tally_payee_rule)payee;
}

static void
growth_attributes(tally_builder *builder, const xmlNode *node, tally_component *out)
{
    static const char *const baselines[] = {"previous-period", "same-period-last-year"};
    static const char *const pay_on[] = {"growth", "basis"};
    tally_growth_rule *growth = &out->growth;
    read_returns(builder, node, out);
    if (tally_build__required(builder, node, "baseline"))
        tally_build__enum_attribute(builder, node, "baseline", baselines, 2, 0,
                                    &growth->baseline_same_period_last_year);
    if (tally_build__decimal_attribute(builder, node, "threshold-percent",
                                       &growth->threshold_percent))
        tally_build__require_not_negative(builder, node, "threshold-percent",
                                          &growth->threshold_percent);
    tally_build__enum_attribute(builder, node, "pay-on", pay_on, 2, 0, &growth->pay_on_basis);
}

static void
spiff_attributes(tally_builder *builder, const xmlNode *node, const tally_version_scope *scope,
                 tally_component *out)
{
    static const char *const per[] = {"unit", "deal"};
    tally_spiff_rule *spiff = &out->spiff;
    read_payee(builder, node, TALLY_PAYEE_REP_OR_PARTNER, out);
    tally_build__enum_attribute(builder, node, "per", per, 2, 0, &spiff->per_deal);
    int from_ok = tally_build__date_attribute(builder, node, "window-from", &spiff->window_from);
    int to_ok = tally_build__date_attribute(builder, node, "window-to", &spiff->window_to);
    if (from_ok && to_ok &&
        tally_build__check_range(builder, node, "the spiff window", spiff->window_from,
                                 spiff->window_to))
        tally_build__check_window_in_version(builder, node, "the spiff window",
                                             spiff->window_from, spiff->window_to, scope);
}

static void
mdf_attributes(tally_builder *builder, const xmlNode *node, tally_component *out)
{
    static const tally_decimal one = {1, 0, 0, 0};
    tally_mdf_rule *mdf = &out->mdf;
    long months = 1;
    if (tally_build__required(builder, node, "accrual-rate") &&
        tally_build__decimal_attribute(builder, node, "accrual-rate", &mdf->accrual_rate))
        tally_build__require_rate(builder, node, "accrual-rate", &mdf->accrual_rate);
    mdf->has_yearly_cap =
        tally_build__decimal_attribute(builder, node, "yearly-cap", &mdf->yearly_cap);
    if (mdf->has_yearly_cap)
        tally_build__require_useful_cap(builder, node, &mdf->yearly_cap);
    if (tally_build__required(builder, node, "expiry-months"))
        tally_build__int_attribute(builder, node, "expiry-months", 1, 120, 1, &months);
    mdf->expiry_months = (int)months;
    mdf->co_funding = one;
    tally_build__decimal_attribute(builder, node, "co-funding", &mdf->co_funding);
    if (tally_decimal_sign(&mdf->co_funding) <= 0 ||
        tally_build__compare(&mdf->co_funding, &one) > 0) {
        char shown[TALLY_DECIMAL_STRING_MAX];
        tally_build__decimal_text(shown, &mdf->co_funding);
        tally_build__error(builder, node,
                           "co-funding must be more than 0 and at most 1 (found %s): it is the "
                           "share of a claimed activity's cost the vendor reimburses",
                           shown);
    }
}

static void
commission_attributes(tally_builder *builder, const xmlNode *node, tally_component *out)
{
    static const char *const splits[] = {"ignore", "apply"};
    read_returns(builder, node, out);
    read_payee(builder, node, TALLY_PAYEE_PARTNER, out);
    tally_build__enum_attribute(builder, node, "splits", splits, 2, 1, &out->apply_splits);
}

/* An attribute holding the component's single value: a rate, a fee or an uplift. */
static int
value_attribute(tally_builder *builder, const xmlNode *node, const char *name,
                tally_decimal *out)
{
    return tally_build__required(builder, node, name) &&
           tally_build__decimal_attribute(builder, node, name, out);
}

void
tally_build__kind_attributes(tally_builder *builder, const xmlNode *node,
                             const tally_version_scope *scope, tally_component *out)
{
    switch (out->kind) {
    case TALLY_COMPONENT_REBATE:
        read_returns(builder, node, out);
        break;
    case TALLY_COMPONENT_GROWTH_REBATE:
        growth_attributes(builder, node, out);
        break;
    case TALLY_COMPONENT_SPIFF:
        spiff_attributes(builder, node, scope, out);
        break;
    case TALLY_COMPONENT_MDF:
        mdf_attributes(builder, node, out);
        break;
    case TALLY_COMPONENT_COMMISSION:
        commission_attributes(builder, node, out);
        break;
    case TALLY_COMPONENT_AFFILIATE:
        out->rate.kind = TALLY_RATE_FLAT;
        if (value_attribute(builder, node, "rate", &out->rate.flat))
            tally_build__require_rate(builder, node, "rate", &out->rate.flat);
        break;
    case TALLY_COMPONENT_REFERRAL:
        if (value_attribute(builder, node, "fee", &out->fee))
            tally_build__require_not_negative(builder, node, "fee", &out->fee);
        break;
    case TALLY_COMPONENT_DEAL_REGISTRATION:
        if (value_attribute(builder, node, "uplift", &out->uplift))
            tally_build__require_rate(builder, node, "uplift", &out->uplift);
        break;
    }
}

/* Claims are accepted for at most a century after the sale. */
#define MAX_CLAIM_DAYS 36525

void
tally_build__claim_deadline(tally_builder *builder, const xmlNode *node, tally_spiff_rule *out)
{
    static const tally_decimal hundred = {100, 0, 0, 0};
    long days = 1, months = 0;
    out->has_deadline = 1;
    if (tally_build__required(builder, node, "days-after-sale"))
        tally_build__int_attribute(builder, node, "days-after-sale", 1, MAX_CLAIM_DAYS, 1,
                                   &days);
    out->deadline_days = (int)days;
    if (tally_build__decimal_attribute(builder, node, "late-reduction-percent",
                                       &out->late_reduction_percent) &&
        tally_build__require_not_negative(builder, node, "late-reduction-percent",
                                          &out->late_reduction_percent) &&
        tally_build__compare(&out->late_reduction_percent, &hundred) > 0) {
        char shown[TALLY_DECIMAL_STRING_MAX];
        tally_build__decimal_text(shown, &out->late_reduction_percent);
        tally_build__error(builder, node,
                           "late-reduction-percent must be at most 100 (found %s): it is the "
                           "share of the amount taken off per started month late",
                           shown);
    }
    tally_build__int_attribute(builder, node, "max-late-months", 1, 120, 0, &months);
    out->max_late_months = (int)months;
}
