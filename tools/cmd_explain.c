/*
 * `tally explain`: computes a plan on CSV inputs like `tally run` and prints each
 * payout line of one payee (or of all) with how it came about: the explanation
 * the engine wrote, the basis, the tier bands with their portions, values and
 * payouts, the multiplier, the flags (capped, below minimum ...), clawback
 * recovery, the part withheld and the source transactions. The session keeps the
 * source ids (never TALLY_SESSION_NO_SOURCE_IDS here).
 */
#include <string.h>

#include "tally.h"

static const char explain_help[] =
    "Usage: tally explain PLAN --transactions FILE [OPTION]...\n"
    "\n"
    "Computes the payouts of PLAN like 'tally run' and explains each payout line:\n"
    "the rule, basis, tier bands (portion x rate = payout), minimum, multiplier,\n"
    "cap, rounding, settlements, clawback recovery and the source transactions.\n"
    "\n"
    "Which lines:\n"
    "  --payee ID            only the lines of payee ID (a partner or a rep)\n"
    "  --component ID        only the lines of component ID\n"
    "  --period LABEL, --from DATE, --to DATE\n"
    "                        only the lines of periods ending in the range (below)\n"
    "\n"
    "%s"
    "\n"
    "Output:\n"
    "  --format FORMAT       text (default) or json (the lines with every detail;\n"
    "                        amounts as strings)\n"
    "  -o, --output FILE     write to FILE instead of standard output\n"
    "  -h, --help            show this help\n"
    "\n"
    "Exit status: 0 ok, 1 invalid plan, rejected input or no line matches, 2 usage\n"
    "error, 3 a file could not be read or written, 4 out of memory or internal error.\n";

typedef struct explain_options {
    tool_selection selection; /* PLAN, the inputs, --payee, --component, -o */
    int json;
} explain_options;

static int
parse_explain(explain_options *options, int argc, char **argv)
{
    const tool_selection *chosen = &options->selection;
    int code = tool_selection_parse(&options->selection, argc, argv, "explain");

    options->json = 0;
    if (code == TOOL_SELECTION_HELP) {
        printf(explain_help, tool_inputs_help);
        return -1;
    }
    if (code != TOOL_EXIT_OK)
        return code;
    if (chosen->format && strcmp(chosen->format, "json") == 0)
        options->json = 1;
    else if (chosen->format && strcmp(chosen->format, "text") != 0)
        return tool_usage_error("explain", "--format \"%s\": expected text or json",
                                chosen->format);
    return tool_selection_check(chosen, "explain");
}

/* ---- text ---- */

static void
text_decimal(FILE *out, const char *label, const tally_decimal *value)
{
    char text[TALLY_DECIMAL_STRING_MAX];
    tool_format_decimal(text, value);
    fprintf(out, "  %-12s %s\n", label, text);
}

/* The table band of the line's band @p index: bands contribute from the first one
 * up (marginal, interpolated), or one band, the one the basis is in (whole). */
static size_t
table_band(const tally_tier_table *tiers, const tally_line *line, size_t index)
{
    tally_decimal basis, from, to, value;
    int open = 0;

    if (!tiers || tally_tier_table_mode(tiers) != TALLY_TIERS_WHOLE)
        return index;
    tally_line_basis(line, &basis);
    tally_decimal_abs(&basis, &basis);
    for (size_t j = tally_tier_table_band_count(tiers); j-- > 0;) {
        int c = -1;
        tally_tier_table_band(tiers, j, &from, &to, &open, &value);
        tally_decimal_compare(&c, &basis, &from);
        if (c >= 0)
            return j;
    }
    return index;
}

static void
text_bands(FILE *out, const tally_plan *plan, const tally_line *line)
{
    const tally_component *component =
        tool_find_component(plan, tally_line_version(line), tally_line_component(line));
    const tally_tier_table *tiers = tally_component_tiers(component);
    const char *pays = tiers ? tool_pays_name(tally_tier_table_pays(tiers)) : "value";
    size_t count = tally_line_band_count(line);

    if (tiers)
        fprintf(out, "  %-12s %s on %s, %zu band%s contributed\n", "tiers",
                tool_mode_name(tally_tier_table_mode(tiers)),
                tool_measure_name(tally_tier_table_measure(tiers)), count, count == 1 ? "" : "s");
    for (size_t i = 0; i < count; i++) {
        tally_decimal portion, value, payout, from, to, band_value;
        char p[TALLY_DECIMAL_STRING_MAX], v[TALLY_DECIMAL_STRING_MAX], r[TALLY_DECIMAL_STRING_MAX];
        char f[TALLY_DECIMAL_STRING_MAX], t[TALLY_DECIMAL_STRING_MAX], range[96] = "";
        int open = 0;
        if (tally_line_band(line, i, &portion, &value, &payout) != TALLY_OK)
            continue;
        size_t j = table_band(tiers, line, i);
        if (tiers && tally_tier_table_band(tiers, j, &from, &to, &open, &band_value) == TALLY_OK) {
            tool_format_decimal(f, &from);
            tool_format_decimal(t, &to);
            snprintf(range, sizeof(range), " [%s, %s)", f, open ? "..." : t);
        }
        tool_format_decimal(p, &portion);
        tool_format_decimal(v, &value);
        tool_format_decimal(r, &payout);
        fprintf(out, "  band %-7zu portion %s x %s %s = %s%s\n", j + 1, p, pays, v, r, range);
    }
}

static void
text_line(FILE *out, const tally_plan *plan, const tally_line *line)
{
    tally_line_kind kind = tally_line_get_kind(line);
    tally_decimal value, requested, recovered, outstanding;
    char text[TALLY_DECIMAL_STRING_MAX];
    const char *flags[8];

    tally_line_amount(line, &value);
    tool_format_decimal(text, &value);
    fprintf(out, "%s %s %s %s %s %s\n", tally_line_component(line), tally_line_period(line),
            tally_line_payee(line), tally_line_kind_name(kind), text,
            tally_currency_code(tally_line_currency(line)));
    fprintf(out, "  %-12s %s", "version", tally_line_version(line));
    if (strcmp(tally_line_period(line), tally_line_tier_period(line)) != 0)
        fprintf(out, ", tier period %s", tally_line_tier_period(line));
    fputc('\n', out);
    tally_line_basis(line, &value);
    text_decimal(out, "basis", &value);
    text_bands(out, plan, line);
    tally_line_multiplier(line, &value);
    text_decimal(out, "multiplier", &value);
    tally_line_unrounded(line, &value);
    text_decimal(out, "unrounded", &value);
    size_t flag_count = tool_flag_names(tally_line_flags(line), flags, 8);
    fprintf(out, "  %-12s ", "flags");
    for (size_t i = 0; i < flag_count; i++)
        fprintf(out, "%s%s", i ? ", " : "", flags[i]);
    fputs(flag_count ? "\n" : "none\n", out);
    if (kind == TALLY_LINE_CLAWBACK) {
        char a[TALLY_DECIMAL_STRING_MAX], b[TALLY_DECIMAL_STRING_MAX], c[TALLY_DECIMAL_STRING_MAX];
        tally_line_clawback(line, &requested, &recovered, &outstanding);
        tool_format_decimal(a, &requested);
        tool_format_decimal(b, &recovered);
        tool_format_decimal(c, &outstanding);
        fprintf(out, "  %-12s requested %s, recovered %s, outstanding %s\n", "clawback", a, b, c);
    }
    tally_line_withheld(line, &value);
    text_decimal(out, "withheld", &value);

    size_t sources = tally_line_source_count(line);
    fprintf(out, "  %-12s %zu", "sources", sources);
    size_t column = 80;
    for (size_t i = 0; i < sources; i++) {
        const char *id = tally_line_source_at(line, i);
        if (column + strlen(id) + 1 > 78) {
            fputs(i ? "\n               " : ":", out);
            column = 15;
        }
        fprintf(out, " %s", id);
        column += strlen(id) + 1;
    }
    fputs("\n  explanation\n", out);
    const char *explanation = tally_line_explanation(line);
    for (const char *p = explanation; p && *p;) {
        const char *end = strchr(p, '\n');
        size_t length = end ? (size_t)(end - p) : strlen(p);
        fprintf(out, "    %.*s\n", (int)length, p);
        p += length + (end ? 1 : 0);
    }
}

/* ---- json ---- */

static void
json_decimal(FILE *out, const char *name, const tally_decimal *value)
{
    char text[TALLY_DECIMAL_STRING_MAX];
    tool_format_decimal(text, value);
    fprintf(out, ", \"%s\": \"%s\"", name, text);
}

static void
json_line(FILE *out, const tally_line *line, int first)
{
    tally_line_kind kind = tally_line_get_kind(line);
    tally_decimal value, requested, recovered, outstanding;
    const char *flags[8];

    fputs(first ? "\n    {" : ",\n    {", out);
    fputs("\"component\": ", out);
    tool_json_string(out, tally_line_component(line));
    fputs(", \"version\": ", out);
    tool_json_string(out, tally_line_version(line));
    fputs(", \"period\": ", out);
    tool_json_string(out, tally_line_period(line));
    fputs(", \"tier_period\": ", out);
    tool_json_string(out, tally_line_tier_period(line));
    fputs(", \"payee\": ", out);
    tool_json_string(out, tally_line_payee(line));
    fprintf(out, ", \"kind\": \"%s\"", tally_line_kind_name(kind));
    tally_line_amount(line, &value);
    json_decimal(out, "amount", &value);
    fprintf(out, ", \"currency\": \"%s\"", tally_currency_code(tally_line_currency(line)));
    tally_line_basis(line, &value);
    json_decimal(out, "basis", &value);
    tally_line_unrounded(line, &value);
    json_decimal(out, "unrounded", &value);
    tally_line_multiplier(line, &value);
    json_decimal(out, "multiplier", &value);
    tally_line_withheld(line, &value);
    json_decimal(out, "withheld", &value);
    if (kind == TALLY_LINE_CLAWBACK) {
        char a[TALLY_DECIMAL_STRING_MAX], b[TALLY_DECIMAL_STRING_MAX], c[TALLY_DECIMAL_STRING_MAX];
        tally_line_clawback(line, &requested, &recovered, &outstanding);
        tool_format_decimal(a, &requested);
        tool_format_decimal(b, &recovered);
        tool_format_decimal(c, &outstanding);
        fprintf(out,
                ", \"clawback\": {\"requested\": \"%s\", \"recovered\": \"%s\", "
                "\"outstanding\": \"%s\"}",
                a, b, c);
    }
    size_t flag_count = tool_flag_names(tally_line_flags(line), flags, 8);
    fputs(", \"flags\": [", out);
    for (size_t i = 0; i < flag_count; i++)
        fprintf(out, "%s\"%s\"", i ? ", " : "", flags[i]);
    fputs("], \"bands\": [", out);
    for (size_t i = 0; i < tally_line_band_count(line); i++) {
        tally_decimal portion, band_value, payout;
        if (tally_line_band(line, i, &portion, &band_value, &payout) != TALLY_OK)
            continue;
        fputs(i ? ", {\"band\": " : "{\"band\": ", out);
        fprintf(out, "%zu", i + 1);
        json_decimal(out, "portion", &portion);
        json_decimal(out, "value", &band_value);
        json_decimal(out, "payout", &payout);
        fputc('}', out);
    }
    fputs("], \"sources\": [", out);
    for (size_t i = 0; i < tally_line_source_count(line); i++) {
        if (i)
            fputs(", ", out);
        tool_json_string(out, tally_line_source_at(line, i));
    }
    fputs("], \"explanation\": ", out);
    tool_json_string(out, tally_line_explanation(line));
    fputc('}', out);
}

/* ---- the command ---- */

static int
write_explanations(const explain_options *options, const tally_plan *plan,
                   const tally_result *result, size_t *written)
{
    FILE *out = tool_output_open(options->selection.output, "output file");

    if (!out)
        return TOOL_EXIT_IO;
    *written = 0;
    if (options->json) {
        char digest[TALLY_PLAN_DIGEST_HEX_SIZE];
        tally_plan_digest_hex(digest, sizeof(digest), plan);
        fputs("{\n  \"plan_id\": ", out);
        tool_json_string(out, tally_plan_id(plan));
        fprintf(out, ",\n  \"plan_digest\": \"%s\",\n", digest);
        tally_result_digest_hex(digest, sizeof(digest), result);
        fprintf(out, "  \"result_digest\": \"%s\",\n  \"lines\": [", digest);
    }
    for (size_t i = 0; i < tally_result_line_count(result); i++) {
        const tally_line *line = tally_result_line_at(result, i);
        if (!tool_selection_wants(&options->selection, line))
            continue;
        if (options->json) {
            json_line(out, line, *written == 0);
        } else {
            if (*written)
                fputc('\n', out);
            text_line(out, plan, line);
        }
        ++*written;
    }
    if (options->json)
        fputs(*written ? "\n  ]\n}\n" : "]\n}\n", out);
    return tool_output_close(out, 0, out == stdout ? "<stdout>" : options->selection.output,
                             "output");
}

int
tool_cmd_explain(int argc, char **argv)
{
    explain_options options;
    tool_selection *chosen = &options.selection;
    tally_ctx *ctx = NULL;
    tally_plan *plan = NULL;
    tally_session *session = NULL;
    tally_result *result = NULL;
    size_t written = 0;

    int code = parse_explain(&options, argc, argv);
    if (code != TOOL_EXIT_OK) {
        tool_inputs_free(&chosen->inputs);
        return code < 0 ? TOOL_EXIT_OK : code;
    }
    code = tool_inputs_run_plan(&chosen->inputs, chosen->plan, &ctx, &plan, &session, &result);
    if (code == TOOL_EXIT_OK)
        code = write_explanations(&options, plan, result, &written);
    if (code == TOOL_EXIT_OK && written == 0) {
        tool_error("no payout line%s%s%s%s%s", chosen->payee ? " of payee " : "",
                   chosen->payee ? chosen->payee : "", chosen->component ? " in component " : "",
                   chosen->component ? chosen->component : "",
                   chosen->inputs.period || chosen->inputs.from || chosen->inputs.to
                       ? " in the range"
                       : "");
        code = TOOL_EXIT_INPUT;
    }
    tool_inputs_run_free(&chosen->inputs, ctx, plan, session, result);
    return code;
}
