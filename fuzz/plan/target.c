/*
 * Fuzz target: any bytes as a plan document. Loading must never crash, leak or
 * hang; it either gives a plan and no error, or no plan and at least one error.
 * A plan that loads is read back through the public API (digest, canonical form,
 * versions, components, tiers), so the builder's output is exercised too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <tally/tally.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Counts the canonical form's bytes; stopping is not the point here. */
static int
count_bytes(const char *text, size_t length, void *user_data)
{
    (void)text;
    *(size_t *)user_data += length;
    return 0;
}

static void
read_back(const tally_plan *plan)
{
    char hex[TALLY_PLAN_DIGEST_HEX_SIZE];
    size_t canonical = 0;
    if (tally_plan_digest_hex(hex, sizeof(hex), plan) != TALLY_OK ||
        tally_plan_write_canonical(plan, count_bytes, &canonical) != TALLY_OK ||
        canonical == 0 || !tally_plan_id(plan) || !tally_plan_currency(plan) ||
        tally_plan_version_count(plan) == 0)
        abort();
    for (size_t v = 0; v < tally_plan_version_count(plan); v++) {
        const tally_plan_version *version = tally_plan_version_at(plan, v);
        if (!tally_plan_version_id(version) || !tally_plan_version_effective_from(version))
            abort();
        for (size_t c = 0; c < tally_plan_version_component_count(version); c++) {
            const tally_component *component = tally_plan_version_component_at(version, c);
            const tally_tier_table *tiers = tally_component_tiers(component);
            if (!tally_component_kind_name(tally_component_get_kind(component)) ||
                !tally_component_id(component) || !tally_component_period(component))
                abort();
            for (size_t b = 0; b < tally_tier_table_band_count(tiers); b++) {
                tally_decimal from, to, value;
                int open = 0;
                if (tally_tier_table_band(tiers, b, &from, &to, &open, &value) != TALLY_OK)
                    abort();
            }
        }
    }
}

static void
format_errors(const tally_ctx *ctx)
{
    char line[1024];
    for (size_t i = 0; i < tally_ctx_error_count(ctx); i++) {
        int status = tally_error_format(line, sizeof(line), tally_ctx_error(ctx, i));
        if (status != TALLY_OK && status != TALLY_ERR_BUFFER_TOO_SMALL)
            abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tally_ctx *ctx = NULL;
    if (tally_ctx_new(&ctx, NULL) != TALLY_OK)
        return 0;
    tally_plan *plan = NULL;
    int status = tally_plan_load_buffer(ctx, &plan, (const char *)data, size, "fuzz.xml", NULL);
    if ((status == TALLY_OK) != (plan != NULL))
        abort();
    if ((status == TALLY_OK) != (tally_ctx_error_count(ctx) == 0))
        abort();
    if (plan)
        read_back(plan);
    else
        format_errors(ctx);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
    return 0;
}
