/*
 * `tally check PLAN`: loads a plan and reports every error (exit 1), or prints its
 * id, digest, fiscal calendar, versions and components (exit 0). A plan the engine
 * cannot compute yet (docs/semantics.md section 22) fails the check too. A valid
 * plan is then linted (lint.c): warnings go to standard error and fail the check
 * only with --strict.
 */
#include <string.h>

#include "tally.h"

static const char check_help[] =
    "Usage: tally check PLAN [--strict]\n"
    "\n"
    "Loads PLAN (an XML plan; '-' reads standard input) and checks it against the\n"
    "schema, the rules the schema cannot express and what the engine can compute.\n"
    "Prints every error as file:line:column: element: message, or, for a good plan,\n"
    "its id, digest, currency, fiscal year, versions and components.\n"
    "\n"
    "A valid plan is then linted; each warning goes to standard error as\n"
    "'file:line: component ID: message':\n"
    "  - cliffs: in whole mode, one more unit of volume lowers the payout\n"
    "  - unreachable bands: the cap is reached at or before a band starts\n"
    "  - a cap at or below what the first band pays at its start\n"
    "  - components no transaction can ever match or earn (a SPIFF whose\n"
    "    eligibility window misses its window, or whose products its own\n"
    "    products filter leaves out)\n"
    "Payouts are compared at multiplier 1, before rounding.\n"
    "\n"
    "Options:\n"
    "  --strict     warnings fail the check (exit 1)\n"
    "  -h, --help   show this help\n"
    "\n"
    "Exit status: 0 the plan is valid (warnings or not), 1 it is not (or has\n"
    "warnings, with --strict), 2 usage error, 3 it could not be read, 4 out of\n"
    "memory or internal error.\n";

static const char *const month_names[12] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December",
};

static int
print_version(const tally_plan_version *version)
{
    static const char *const titles[] = {"component", "kind", "period", "tiers", "name"};
    static const tool_align align[] = {TOOL_ALIGN_LEFT, TOOL_ALIGN_LEFT, TOOL_ALIGN_LEFT,
                                       TOOL_ALIGN_LEFT, TOOL_ALIGN_LEFT};
    size_t count = tally_plan_version_component_count(version);
    const char *to = tally_plan_version_effective_to(version);
    tool_table *table = tool_table_new(5, titles, align);
    int status = table ? 0 : -1;

    printf("\nversion %s: %s to %s, %zu component%s\n", tally_plan_version_id(version),
           tally_plan_version_effective_from(version), to ? to : "(open)", count,
           count == 1 ? "" : "s");
    for (size_t i = 0; status == 0 && i < count; i++) {
        const tally_component *component = tally_plan_version_component_at(version, i);
        const tally_tier_table *tiers = tally_component_tiers(component);
        const char *name = tally_component_name(component);
        char tier_text[96] = "-";

        if (tiers) {
            size_t bands = tally_tier_table_band_count(tiers);
            snprintf(tier_text, sizeof(tier_text), "%zu band%s, %s on %s%s", bands,
                     bands == 1 ? "" : "s", tool_mode_name(tally_tier_table_mode(tiers)),
                     tool_measure_name(tally_tier_table_measure(tiers)),
                     tally_tier_table_basis(tiers) == TALLY_BASIS_TRANSACTION
                         ? " per transaction"
                         : "");
        }
        const char *cells[] = {tally_component_id(component),
                               tally_component_kind_name(tally_component_get_kind(component)),
                               tally_component_period(component), tier_text, name ? name : ""};
        status = tool_table_add_row(table, cells);
    }
    if (status == 0)
        status = tool_table_print(table, stdout);
    tool_table_free(table);
    return status;
}

static int
print_plan(const tally_plan *plan)
{
    char digest[TALLY_PLAN_DIGEST_HEX_SIZE];
    const char *name = tally_plan_name(plan);
    int month = tally_plan_fiscal_start_month(plan);
    size_t versions = tally_plan_version_count(plan);

    tally_plan_digest_hex(digest, sizeof(digest), plan);
    printf("plan      %s%s%s%s\n", tally_plan_id(plan), name ? " (" : "", name ? name : "",
           name ? ")" : "");
    printf("digest    %s\n", digest);
    printf("currency  %s\n", tally_currency_code(tally_plan_currency(plan)));
    printf("fiscal    years start in %s\n",
           month >= 1 && month <= 12 ? month_names[month - 1] : "January");
    printf("versions  %zu\n", versions);
    for (size_t i = 0; i < versions; i++)
        if (print_version(tally_plan_version_at(plan, i)) != 0)
            return -1;
    return 0;
}

int
tool_cmd_check(int argc, char **argv)
{
    tool_args args = {argc, argv, 1, "check", 0};
    const char *path = NULL;
    tally_ctx *ctx = NULL;
    tally_plan *plan = NULL;
    tally_session *session = NULL;
    int only_positional = 0, strict = 0, code = TOOL_EXIT_OK;

    while (args.index < argc) {
        const char *arg = argv[args.index];
        if (tool_plan_argument(&args, &only_positional, &path, &code)) {
            if (code != TOOL_EXIT_OK)
                return code;
        } else if (tool_is_help(&args)) {
            fputs(check_help, stdout);
            return TOOL_EXIT_OK;
        } else if (tool_flag(&args, "--strict")) {
            strict = 1;
        } else {
            return tool_usage_error("check", "unknown option \"%s\"", arg);
        }
    }
    if (!path)
        return tool_usage_error("check", "no PLAN given");

    if (tally_ctx_new(&ctx, NULL) != TALLY_OK)
        return tool_out_of_memory();
    code = tool_load_plan(ctx, &plan, path);
    if (code == TOOL_EXIT_OK) {
        /* The engine refuses plans that load but ask for what it cannot compute. */
        int status = tally_session_new(ctx, &session, plan, NULL);
        if (status != TALLY_OK) {
            tool_print_errors(ctx, status, path);
            code = tool_exit_for_status(status);
        }
    }
    if (code == TOOL_EXIT_OK) {
        if (print_plan(plan) != 0)
            code = tool_out_of_memory();
        else if (fflush(stdout) != 0 || ferror(stdout))
            code = TOOL_EXIT_IO;
    }
    if (code == TOOL_EXIT_OK) {
        size_t warnings = tool_lint_plan(plan, strcmp(path, "-") == 0 ? "<stdin>" : path, stderr);
        if (warnings > 0)
            tool_error("%zu warning%s%s", warnings, warnings == 1 ? "" : "s",
                       strict ? " (--strict: the check fails)" : "");
        if (warnings > 0 && strict)
            code = TOOL_EXIT_INPUT;
    }
    tally_session_free(session);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
    return code;
}
