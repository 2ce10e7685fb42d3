/*
 * `tally curve PLAN COMPONENT --svg OUT`: draws the payout of a tiered component
 * against the volume its tiers measure, as a standalone SVG. Each point is
 * computed by the engine itself: a tiny in-memory session per sample with one
 * synthetic partner and one synthetic transaction of that amount (or quantity)
 * that passes the component's filters, so minimum, tiers, cap and rounding are
 * the library's, never re-implemented here. Band boundaries are dashed lines with
 * their volume and payout; with --payee and the inputs, the payee's current
 * position and the next-tier target come from tally_session_progress().
 */
#include <stdlib.h>
#include <string.h>

#include "tally.h"

static const char curve_help[] =
    "Usage: tally curve PLAN COMPONENT --svg OUT [OPTION]...\n"
    "\n"
    "Draws the payout curve of COMPONENT, a rebate or commission with tiers, as a\n"
    "standalone SVG: payout (y) against the volume the tiers measure (x: net\n"
    "revenue, net units or attainment %%), band boundaries dashed and labelled with\n"
    "their volume and payout, and the payout at the right end labelled. Each point\n"
    "is computed by the engine for one synthetic transaction of that volume that\n"
    "passes the component's filters (minimum, tiers, cap and rounding included;\n"
    "multiplier 1 unless a partner-tier filter picks a tier; quantities at a unit\n"
    "price of 1).\n"
    "\n"
    "Options:\n"
    "  --svg OUT             write the SVG to OUT ('-': standard output); required\n"
    "  --version ID          the plan version to draw (default: the payee's, else\n"
    "                        the first that has COMPONENT)\n"
    "  --max VOLUME          the volume at the right end (default: 1.5 x the last\n"
    "                        band's start, or more to show the payee)\n"
    "  --quota AMOUNT        the quota for attainment tiers (default 100000)\n"
    "  --payee ID            mark the payee's current position and the next-tier\n"
    "                        target (needs --transactions); --period LABEL picks the\n"
    "                        tier period (default: the payee's latest)\n"
    "  -h, --help            show this help\n"
    "\n"
    "%s"
    "\n"
    "Exit status: 0 ok, 1 invalid plan, rejected input or no line of the payee, 2\n"
    "usage error (also an unknown or untiered COMPONENT), 3 a file could not be read\n"
    "or written, 4 out of memory or internal error.\n";

#define SAMPLES 200

typedef struct curve_options {
    const char *plan, *component, *svg, *version, *max, *quota, *payee;
    tool_inputs inputs;
} curve_options;

typedef struct point {
    tally_decimal x, y;
} point;

typedef struct curve {
    tally_ctx *ctx;
    tally_plan *plan;
    const tally_plan_version *version;
    const tally_component *component;
    const tally_tier_table *tiers;
    const char *id;
    char date[TALLY_PLAN_DATE_SIZE];
    tally_decimal quota;
    const char *quota_text;
    point *points;
    size_t count;
    /* the payee's position, when asked */
    int has_position;
    tally_progress progress;
    tally_decimal multiplier;
} curve;

static int
parse_curve(curve_options *options, int argc, char **argv)
{
    tool_args args = {argc, argv, 1, "curve", 0};
    int code = TOOL_EXIT_OK, only_positional = 0;

    memset(options, 0, sizeof(*options));
    if ((code = tool_inputs_init(&options->inputs, "curve", argc)) != TOOL_EXIT_OK)
        return code;
    while (args.index < argc) {
        const char *arg = argv[args.index];

        if (only_positional || arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (!options->plan)
                options->plan = arg;
            else if (!options->component)
                options->component = arg;
            else
                return tool_usage_error("curve", "unexpected argument \"%s\"", arg);
            args.index++;
        } else if (strcmp(arg, "--") == 0) {
            only_positional = 1;
            args.index++;
        } else if (tool_is_help(&args)) {
            printf(curve_help, tool_inputs_help);
            return -1;
        } else if (tool_inputs_option(&options->inputs, &args, &code)) {
            if (code != TOOL_EXIT_OK)
                return code;
        } else if (!tool_option(&args, "--svg", &options->svg) &&
                   !tool_option(&args, "--version", &options->version) &&
                   !tool_option(&args, "--max", &options->max) &&
                   !tool_option(&args, "--quota", &options->quota) &&
                   !tool_option(&args, "--payee", &options->payee)) {
            return tool_usage_error("curve", "unknown option \"%s\"", arg);
        }
        if (args.failed)
            return TOOL_EXIT_USAGE;
    }
    if (!options->plan)
        return tool_usage_error("curve", "no PLAN given");
    if (!options->component)
        return tool_usage_error("curve", "no COMPONENT given");
    if (!options->svg)
        return tool_usage_error("curve", "no --svg OUT given");
    if (options->payee && options->inputs.file_count == 0)
        return tool_usage_error("curve", "--payee needs the inputs: --transactions FILE ...");
    if (!options->payee && options->inputs.file_count > 0)
        return tool_usage_error("curve", "the inputs are only read with --payee ID");
    return tool_inputs_validate(&options->inputs, options->plan, options->payee != NULL);
}

/* A positive decimal option; returns the exit code. */
static int
positive_option(tally_ctx *ctx, const char *option, const char *text, tally_decimal *out)
{
    if (tally_decimal_parse(ctx, out, text) != TALLY_OK || tally_decimal_sign(out) <= 0) {
        tally_ctx_clear_errors(ctx);
        return tool_usage_error("curve", "%s \"%s\" is not a number above 0", option, text);
    }
    return TOOL_EXIT_OK;
}

/* ---- one point: a session with one synthetic transaction ---- */

/* The first id of an include filter, or NULL (an empty field passes exclude lists). */
static const char *
included(const tally_component *component, tally_filter_field field)
{
    int exclude = 0;
    size_t count = tally_component_filter(component, field, &exclude);
    return count > 0 && !exclude ? tally_component_filter_id(component, field, 0) : NULL;
}

static int
payout_at(curve *cv, const tally_decimal *volume, tally_decimal *out)
{
    tally_session_options options;
    tally_session *session = NULL;
    tally_result *result = NULL;
    tally_partner partner;
    tally_transaction t;
    tally_tier_measure measure = tally_tier_table_measure(cv->tiers);
    char quota_text[TALLY_DECIMAL_STRING_MAX];

    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.flags = TALLY_SESSION_NO_SOURCE_IDS;
    memset(&partner, 0, sizeof(partner));
    partner.size = sizeof(partner);
    partner.id = "curve-partner";
    partner.type = included(cv->component, TALLY_FILTER_PARTNER_TYPES);
    partner.tier = included(cv->component, TALLY_FILTER_PARTNER_TIERS);
    partner.region = included(cv->component, TALLY_FILTER_REGIONS);
    tool_format_decimal(quota_text, &cv->quota);
    partner.quota = quota_text;
    memset(&t, 0, sizeof(t));
    t.size = sizeof(t);
    t.id = "curve-sale";
    t.date = cv->date;
    t.partner = partner.id;
    t.product = included(cv->component, TALLY_FILTER_PRODUCTS);
    t.category = included(cv->component, TALLY_FILTER_CATEGORIES);
    t.region = partner.region;
    t.customer_category = included(cv->component, TALLY_FILTER_CUSTOMER_CATEGORIES);
    t.new_customer = tally_component_customers(cv->component);
    tally_decimal_from_int(&t.quantity, 1, 0);
    t.amount = *volume;
    int status = TALLY_OK;
    if (measure == TALLY_MEASURE_QUANTITY) {
        t.quantity = *volume; /* at a unit price of 1 */
    } else if (measure == TALLY_MEASURE_ATTAINMENT) {
        tally_decimal hundred, revenue;
        tally_decimal_from_int(&hundred, 100, 0);
        status = tally_decimal_mul(&revenue, volume, &cv->quota);
        if (status == TALLY_OK)
            status = tally_decimal_div(&t.amount, &revenue, &hundred, 10, TALLY_ROUND_HALF_EVEN);
    }

    if (status == TALLY_OK)
        status = tally_session_new(cv->ctx, &session, cv->plan, &options);
    if (status == TALLY_OK)
        status = tally_session_add_partner(session, &partner);
    if (status == TALLY_OK)
        status = tally_session_add_transaction(session, &t);
    if (status == TALLY_OK)
        status = tally_session_finish(session, &result);
    tally_decimal_from_int(out, 0, 0);
    for (size_t i = 0; status == TALLY_OK && i < tally_result_line_count(result); i++) {
        const tally_line *line = tally_result_line_at(result, i);
        tally_decimal amount;
        if (strcmp(tally_line_component(line), cv->id) != 0 ||
            !tool_kind_counts_in_totals(tally_line_get_kind(line)))
            continue;
        tally_line_amount(line, &amount);
        status = tally_decimal_add(out, out, &amount);
    }
    tally_result_free(result);
    tally_session_free(session);
    return status;
}

/* ---- the samples ---- */

static int
compare_points(const void *a, const void *b)
{
    int c = 0;
    tally_decimal_compare(&c, &((const point *)a)->x, &((const point *)b)->x);
    return c;
}

static int
add_volume(curve *cv, const tally_decimal *x, const tally_decimal *max)
{
    int above_max = 0;
    tally_decimal_compare(&above_max, x, max);
    if (tally_decimal_sign(x) < 0 || above_max > 0)
        return TALLY_OK;
    cv->points[cv->count].x = *x;
    tally_decimal_from_int(&cv->points[cv->count].y, 0, 0);
    cv->count++;
    return TALLY_OK;
}

/* The volumes: SAMPLES steps to @p max, each band start and one hundredth below
 * it (where whole tiers jump), and the payee's position and target. */
static int
sample(curve *cv, const tally_decimal *max)
{
    size_t bands = tally_tier_table_band_count(cv->tiers);
    tally_decimal step_count, hundredth, x, product, k;
    int status = TALLY_OK;

    cv->points = calloc(SAMPLES + 2 * bands + 4, sizeof(*cv->points));
    if (!cv->points)
        return TALLY_ERR_NOMEM;
    tally_decimal_from_int(&step_count, SAMPLES, 0);
    tally_decimal_from_int(&hundredth, 1, 2);
    for (int i = 0; status == TALLY_OK && i <= SAMPLES; i++) {
        tally_decimal_from_int(&k, i, 0);
        status = tally_decimal_mul(&product, max, &k);
        if (status == TALLY_OK)
            status = tally_decimal_div(&x, &product, &step_count, 2, TALLY_ROUND_HALF_EVEN);
        if (status == TALLY_OK)
            status = add_volume(cv, &x, max);
    }
    for (size_t i = 0; status == TALLY_OK && i < bands; i++) {
        tally_decimal from, to, value;
        int open = 0;
        tally_tier_table_band(cv->tiers, i, &from, &to, &open, &value);
        add_volume(cv, &from, max);
        if (tally_decimal_sub(&x, &from, &hundredth) == TALLY_OK)
            add_volume(cv, &x, max);
    }
    if (status == TALLY_OK && cv->has_position) {
        add_volume(cv, &cv->progress.basis, max);
        if (cv->progress.has_next)
            add_volume(cv, &cv->progress.next_from, max);
    }
    if (status != TALLY_OK)
        return status;
    qsort(cv->points, cv->count, sizeof(*cv->points), compare_points);
    size_t kept = 0;
    for (size_t i = 0; i < cv->count; i++)
        if (kept == 0 || compare_points(&cv->points[kept - 1], &cv->points[i]) != 0)
            cv->points[kept++] = cv->points[i];
    cv->count = kept;
    for (size_t i = 0; status == TALLY_OK && i < cv->count; i++)
        status = payout_at(cv, &cv->points[i].x, &cv->points[i].y);
    return status;
}

/* The payout at @p x among the samples (it is one of them). */
static const tally_decimal *
payout_of(const curve *cv, const tally_decimal *x)
{
    for (size_t i = 0; i < cv->count; i++) {
        int c = 1;
        tally_decimal_compare(&c, &cv->points[i].x, x);
        if (c == 0)
            return &cv->points[i].y;
    }
    return NULL;
}

/* ---- drawing ---- */

static void
data_attributes(FILE *out, const tally_decimal *volume, const tally_decimal *payout)
{
    char v[TALLY_DECIMAL_STRING_MAX], p[TALLY_DECIMAL_STRING_MAX];
    tool_format_decimal(v, volume);
    tool_format_decimal(p, payout);
    fprintf(out, " data-volume=\"%s\" data-payout=\"%s\"", v, p);
}

static void
draw_axes(FILE *out, const tool_plot *plot, const tally_decimal *x_max,
          const tally_decimal *y_max, const char *x_title, const char *y_title)
{
    double x0 = tool_plot_x(plot, 0), y0 = tool_plot_y(plot, 0);
    double x1 = tool_plot_x(plot, plot->x_max), y1 = tool_plot_y(plot, plot->y_max);
    tally_decimal five, k, product, tick;
    char label[TALLY_DECIMAL_STRING_MAX];

    fputs("<g class=\"axes\">\n", out);
    tally_decimal_from_int(&five, 5, 0);
    for (int i = 0; i <= 5; i++) {
        tally_decimal_from_int(&k, i, 0);
        /* x ticks */
        if (tally_decimal_mul(&product, x_max, &k) == TALLY_OK &&
            tally_decimal_div(&tick, &product, &five, 2, TALLY_ROUND_HALF_EVEN) == TALLY_OK) {
            double x = tool_plot_x(plot, tool_svg_value(&tick));
            tool_format_decimal(label, &tick);
            fprintf(out,
                    "<line class=\"grid\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>"
                    "<text class=\"small tick\" x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">"
                    "%s</text>\n",
                    x, y0, x, y1, x, y0 + 16, label);
        }
        /* y ticks */
        if (tally_decimal_mul(&product, y_max, &k) == TALLY_OK &&
            tally_decimal_div(&tick, &product, &five, 2, TALLY_ROUND_HALF_EVEN) == TALLY_OK) {
            double y = tool_plot_y(plot, tool_svg_value(&tick));
            tool_format_decimal(label, &tick);
            fprintf(out,
                    "<line class=\"grid\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>"
                    "<text class=\"small tick\" x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\">"
                    "%s</text>\n",
                    x0, y, x1, y, x0 - 6, y + 4, label);
        }
    }
    fprintf(out,
            "<line class=\"axis\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n"
            "<line class=\"axis\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n",
            x0, y0, x1, y0, x0, y0, x0, y1);
    fprintf(out, "<text class=\"axis-title\" x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">",
            (x0 + x1) / 2, y0 + 36);
    tool_svg_text(out, x_title);
    fprintf(out,
            "</text>\n<text class=\"axis-title\" x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\" "
            "transform=\"rotate(-90 %.2f %.2f)\">",
            x0 - 62, (y0 + y1) / 2, x0 - 62, (y0 + y1) / 2);
    tool_svg_text(out, y_title);
    fputs("</text>\n</g>\n", out);
}

static void
draw_boundaries(FILE *out, const tool_plot *plot, const curve *cv, const tally_decimal *max)
{
    size_t bands = tally_tier_table_band_count(cv->tiers);
    double top = tool_plot_y(plot, plot->y_max), bottom = tool_plot_y(plot, 0);

    fputs("<g class=\"boundaries\">\n", out);
    for (size_t i = 0; i < bands; i++) {
        tally_decimal from, to, value;
        int open = 0, beyond = 0;
        char volume[TALLY_DECIMAL_STRING_MAX], paid[TALLY_DECIMAL_STRING_MAX];
        tally_tier_table_band(cv->tiers, i, &from, &to, &open, &value);
        int sign = tally_decimal_sign(&from);
        tally_decimal_compare(&beyond, &from, max);
        const tally_decimal *payout = payout_of(cv, &from);
        if (sign == 0 || beyond > 0 || !payout)
            continue; /* the y axis is the first band's start */
        double x = tool_plot_x(plot, tool_svg_value(&from));
        tool_format_decimal(volume, &from);
        tool_format_decimal(paid, payout);
        fprintf(out, "<g class=\"boundary\" data-band=\"%zu\"", i + 1);
        data_attributes(out, &from, payout);
        fprintf(out,
                ">\n  <line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
                "stroke-dasharray=\"4 4\"/>\n"
                "  <text class=\"small\" x=\"%.2f\" y=\"%.2f\">band %zu from %s</text>\n"
                "  <text class=\"small payout\" x=\"%.2f\" y=\"%.2f\">%s</text>\n</g>\n",
                x, top, x, bottom, x + 3, top + 12 + 12.0 * (double)(i % 2), i + 1, volume,
                x + 3, tool_plot_y(plot, tool_svg_value(payout)) - 6, paid);
    }
    fputs("</g>\n", out);
}

static void
draw_marker(FILE *out, const tool_plot *plot, const char *class_name, const tally_decimal *x,
            const tally_decimal *y, const char *label)
{
    double px = tool_plot_x(plot, tool_svg_value(x)), py = tool_plot_y(plot, tool_svg_value(y));
    fprintf(out, "<g class=\"%s\"", class_name);
    data_attributes(out, x, y);
    int left_half = px < plot->width / 2.0; /* keep the label inside the drawing */
    fprintf(out,
            ">\n  <circle cx=\"%.2f\" cy=\"%.2f\" r=\"4\"/>\n"
            "  <text x=\"%.2f\" y=\"%.2f\" text-anchor=\"%s\">",
            px, py, left_half ? px + 6 : px - 6, py - 8, left_half ? "start" : "end");
    tool_svg_text(out, label);
    fputs("</text>\n</g>\n", out);
}

static void
draw(FILE *out, const curve *cv, const curve_options *options, const tally_decimal *max)
{
    tool_plot plot = {800, 480, 90, 40, 50, 60, 0, 0};
    tally_decimal y_max;
    char a[TALLY_DECIMAL_STRING_MAX], b[TALLY_DECIMAL_STRING_MAX], title[512], label[512];
    const char *currency = tally_currency_code(tally_plan_currency(cv->plan));
    tally_tier_measure measure = tally_tier_table_measure(cv->tiers);

    tally_decimal_from_int(&y_max, 0, 0);
    for (size_t i = 0; i < cv->count; i++) {
        int c = 0;
        tally_decimal_compare(&c, &cv->points[i].y, &y_max);
        if (c > 0)
            y_max = cv->points[i].y;
    }
    if (cv->has_position) {
        const tally_decimal *ys[2] = {&cv->progress.payout, &cv->progress.payout_at_next};
        for (size_t i = 0; i < (cv->progress.has_next ? 2u : 1u); i++) {
            int c = 0;
            tally_decimal_compare(&c, ys[i], &y_max);
            if (c > 0)
                y_max = *ys[i];
        }
    }
    if (tally_decimal_sign(&y_max) == 0)
        tally_decimal_from_int(&y_max, 1, 0);
    plot.x_max = tool_svg_value(max);
    plot.y_max = tool_svg_value(&y_max);

    snprintf(title, sizeof(title), "%s: %s (version %s), %s tiers on %s", tally_plan_id(cv->plan),
             cv->id, tally_plan_version_id(cv->version),
             tool_mode_name(tally_tier_table_mode(cv->tiers)), tool_measure_name(measure));
    tool_svg_begin(out, &plot, title);
    fputs("<text class=\"title\" x=\"90\" y=\"24\" font-size=\"15\">", out);
    tool_svg_text(out, title);
    fputs("</text>\n", out);

    char x_title[160], y_title[64];
    if (measure == TALLY_MEASURE_QUANTITY)
        snprintf(x_title, sizeof(x_title), "net units");
    else if (measure == TALLY_MEASURE_ATTAINMENT)
        snprintf(x_title, sizeof(x_title), "attainment, %% of a quota of %s %s",
                 (tool_format_decimal(a, &cv->quota), a), currency);
    else
        snprintf(x_title, sizeof(x_title), "net revenue (%s)", currency);
    snprintf(y_title, sizeof(y_title), "payout (%s)", currency);
    draw_axes(out, &plot, max, &y_max, x_title, y_title);
    draw_boundaries(out, &plot, cv, max);

    fputs("<polyline class=\"curve\" points=\"", out);
    for (size_t i = 0; i < cv->count; i++)
        fprintf(out, "%s%.2f,%.2f", i ? " " : "",
                tool_plot_x(&plot, tool_svg_value(&cv->points[i].x)),
                tool_plot_y(&plot, tool_svg_value(&cv->points[i].y)));
    fputs("\"/>\n", out);

    const point *end = &cv->points[cv->count - 1];
    snprintf(label, sizeof(label), "%s at %s", (tool_format_decimal(a, &end->y), a),
             (tool_format_decimal(b, &end->x), b));
    draw_marker(out, &plot, "point end", &end->x, &end->y, label);

    if (cv->has_position) {
        const tally_progress *p = &cv->progress;
        char c[TALLY_DECIMAL_STRING_MAX];
        int multiplied = 0;
        tally_decimal one;
        tally_decimal_from_int(&one, 1, 0);
        tally_decimal_compare(&multiplied, &cv->multiplier, &one);
        if (p->has_next) {
            fprintf(out,
                    "<line class=\"to-target\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n",
                    tool_plot_x(&plot, tool_svg_value(&p->basis)),
                    tool_plot_y(&plot, tool_svg_value(&p->payout)),
                    tool_plot_x(&plot, tool_svg_value(&p->next_from)),
                    tool_plot_y(&plot, tool_svg_value(&p->payout_at_next)));
            snprintf(label, sizeof(label), "next band at %s: %s (%s more)",
                     (tool_format_decimal(a, &p->next_from), a),
                     (tool_format_decimal(b, &p->payout_at_next), b),
                     (tool_format_decimal(c, &p->needed), c));
            draw_marker(out, &plot, "target", &p->next_from, &p->payout_at_next, label);
        }
        snprintf(label, sizeof(label), "%s %s: %s pays %s%s%s", options->payee, p->period,
                 (tool_format_decimal(a, &p->basis), a), (tool_format_decimal(b, &p->payout), b),
                 multiplied ? ", multiplier " : "",
                 multiplied ? (tool_format_decimal(c, &cv->multiplier), c) : "");
        draw_marker(out, &plot, "position", &p->basis, &p->payout, label);
    }
    tool_svg_end(out);
}

/* ---- the command ---- */

/* The payee's position from the inputs; picks the version when none was named. */
static int
find_position(curve *cv, curve_options *options)
{
    tally_session *session = NULL;
    tally_result *result = NULL;
    const tally_line *last = NULL;
    int code =
        tool_inputs_compute(&options->inputs, cv->ctx, cv->plan, options->plan, &session, &result);

    if (code == TOOL_EXIT_OK) {
        cv->progress.size = sizeof(cv->progress);
        int status = tally_session_progress(session, options->payee, cv->id,
                                            options->inputs.period, &cv->progress);
        if (status != TALLY_OK) {
            tool_print_errors(cv->ctx, status, "progress");
            code = tool_exit_for_status(status);
        }
    }
    for (size_t i = 0; code == TOOL_EXIT_OK && i < tally_result_line_count(result); i++) {
        const tally_line *line = tally_result_line_at(result, i);
        if (strcmp(tally_line_component(line), cv->id) == 0 &&
            strcmp(tally_line_payee(line), options->payee) == 0 &&
            strcmp(tally_line_tier_period(line), cv->progress.period) == 0 &&
            tally_line_get_kind(line) == TALLY_LINE_EARNED)
            last = line;
    }
    if (code == TOOL_EXIT_OK) {
        cv->has_position = 1;
        tally_decimal_from_int(&cv->multiplier, 1, 0);
        if (last)
            tally_line_multiplier(last, &cv->multiplier);
    }
    /* Draw the version of the payee's line; its id is the plan's (the result's
     * copy is freed below). */
    for (size_t v = 0; code == TOOL_EXIT_OK && last && !options->version &&
                       v < tally_plan_version_count(cv->plan);
         v++) {
        const char *id = tally_plan_version_id(tally_plan_version_at(cv->plan, v));
        if (strcmp(id, tally_line_version(last)) == 0)
            options->version = id;
    }
    tally_result_free(result);
    tally_session_free(session);
    return code;
}

/* The version and component to draw; returns the exit code. */
static int
pick_component(curve *cv, const curve_options *options)
{
    for (size_t v = 0; v < tally_plan_version_count(cv->plan); v++) {
        const tally_plan_version *version = tally_plan_version_at(cv->plan, v);
        if (options->version && strcmp(tally_plan_version_id(version), options->version) != 0)
            continue;
        for (size_t i = 0; i < tally_plan_version_component_count(version); i++) {
            const tally_component *c = tally_plan_version_component_at(version, i);
            if (strcmp(tally_component_id(c), cv->id) != 0 || !tally_component_tiers(c))
                continue;
            cv->version = version;
            cv->component = c;
            cv->tiers = tally_component_tiers(c);
            return TOOL_EXIT_OK;
        }
    }
    if (options->version && !tool_find_component(cv->plan, options->version, cv->id))
        return tool_usage_error("curve", "version \"%s\" of the plan has no component \"%s\"",
                                options->version, cv->id);
    if (!tool_find_component(cv->plan, options->version, cv->id))
        return tool_usage_error("curve", "the plan has no component \"%s\"", cv->id);
    return tool_usage_error("curve", "component \"%s\" has no tiers to draw", cv->id);
}

/* The first day a transaction counts for the component: its version's start or its
 * eligibility window's, whichever is later. */
static void
pick_date(curve *cv)
{
    char from[TALLY_PLAN_DATE_SIZE], to[TALLY_PLAN_DATE_SIZE];
    snprintf(cv->date, sizeof(cv->date), "%s", tally_plan_version_effective_from(cv->version));
    if (tally_component_window(cv->component, from, to) && strcmp(from, cv->date) > 0)
        memcpy(cv->date, from, sizeof(cv->date));
}

/* Default right end: 1.5 × the last band's start (10000 for a single band from 0),
 * or 1.2 × the payee's basis or target when further. */
static int
pick_max(curve *cv, const curve_options *options, tally_decimal *max)
{
    size_t bands = tally_tier_table_band_count(cv->tiers);
    tally_decimal from, to, value, factor, candidate;
    int open = 0, status;

    if (options->max)
        return positive_option(cv->ctx, "--max", options->max, max);
    tally_tier_table_band(cv->tiers, bands - 1, &from, &to, &open, &value);
    tally_decimal_from_int(&factor, 15, 1);
    if ((status = tally_decimal_mul(max, &from, &factor)) != TALLY_OK)
        return tool_exit_for_status(status);
    if (tally_decimal_sign(max) == 0)
        tally_decimal_from_int(max, 10000, 0);
    if (cv->has_position) {
        const tally_decimal *xs[2] = {&cv->progress.basis, &cv->progress.next_from};
        tally_decimal_from_int(&factor, 12, 1);
        for (size_t i = 0; i < (cv->progress.has_next ? 2u : 1u); i++) {
            int c = 0;
            if (tally_decimal_mul(&candidate, xs[i], &factor) != TALLY_OK)
                continue;
            tally_decimal_compare(&c, &candidate, max);
            if (c > 0)
                *max = candidate;
        }
    }
    return tally_decimal_round(max, max, 2, TALLY_ROUND_CEILING) == TALLY_OK
               ? TOOL_EXIT_OK
               : TOOL_EXIT_INTERNAL;
}

static int
write_svg(const curve *cv, const curve_options *options, const tally_decimal *max)
{
    FILE *out = tool_output_open(options->svg, "SVG file");

    if (!out)
        return TOOL_EXIT_IO;
    draw(out, cv, options, max);
    return tool_output_close(out, 0, out == stdout ? "<stdout>" : options->svg, "SVG");
}

int
tool_cmd_curve(int argc, char **argv)
{
    curve_options options;
    curve cv;
    tally_decimal max;

    memset(&cv, 0, sizeof(cv));
    int code = parse_curve(&options, argc, argv);
    if (code != TOOL_EXIT_OK) {
        tool_inputs_free(&options.inputs);
        return code < 0 ? TOOL_EXIT_OK : code;
    }
    cv.id = options.component;
    if (tally_ctx_new(&cv.ctx, NULL) != TALLY_OK) {
        tool_inputs_free(&options.inputs);
        return tool_out_of_memory();
    }
    tally_decimal_from_int(&cv.quota, 100000, 0);
    code = tool_load_plan(cv.ctx, &cv.plan, options.plan);
    if (code == TOOL_EXIT_OK && options.quota)
        code = positive_option(cv.ctx, "--quota", options.quota, &cv.quota);
    if (code == TOOL_EXIT_OK)
        code = pick_component(&cv, &options); /* before reading inputs: a typo fails fast */
    if (code == TOOL_EXIT_OK && options.payee)
        code = find_position(&cv, &options);
    if (code == TOOL_EXIT_OK)
        code = pick_component(&cv, &options);
    if (code == TOOL_EXIT_OK && tally_component_get_kind(cv.component) ==
                                    TALLY_COMPONENT_GROWTH_REBATE)
        code = tool_usage_error("curve", "component \"%s\" is a growth rebate: its payout "
                                         "depends on a baseline, not on the volume alone",
                                cv.id);
    if (code == TOOL_EXIT_OK)
        code = pick_max(&cv, &options, &max);
    if (code == TOOL_EXIT_OK) {
        pick_date(&cv);
        int status = sample(&cv, &max);
        if (status != TALLY_OK) {
            tool_print_errors(cv.ctx, status, "computing the curve");
            code = tool_exit_for_status(status);
        }
    }
    if (code == TOOL_EXIT_OK)
        code = write_svg(&cv, &options, &max);
    free(cv.points);
    tally_plan_unref(cv.plan);
    tally_ctx_free(cv.ctx);
    tool_inputs_free(&options.inputs);
    return code;
}
