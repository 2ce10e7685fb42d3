/*
 * Shared declarations of the tally command-line tool. The tool is a face of the
 * library: it uses the public API (<tally/tally.h>) only, never lib/ headers.
 *
 * One file per concept: main.c (dispatch, global --help/--version), cmd_run.c,
 * cmd_check.c, cmd_explain.c, cmd_progress.c and cmd_curve.c (the subcommands),
 * inputs.c (the CSV inputs and run dates they share), lint.c (check's warnings),
 * components.c (components of a plan), svg.c (SVG drawings), xml_escape.c (text
 * escaped for XML and HTML), options.c (argument parsing), output.c (a command's
 * output file), period.c (period labels as date ranges), diag.c (messages and exit
 * codes), reject.c (the reject file), report.c (totals over a result), table.c
 * (aligned terminal tables) and the writers write_table.c, write_csv.c and
 * write_json.c.
 *
 * Reports and audits: cmd_report.c, cmd_statement.c and cmd_replay.c (the
 * subcommands), bundle.c (run --bundle), file_digest.c (SHA-256 of files),
 * json_read.c (reading a bundle's manifest), revenue.c (revenue per partner and
 * month), programme.c (the programme view) with write_report_table.c,
 * write_report_csv.c, write_report_json.c and write_report_html.c, html.c
 * (self-contained HTML), statement_chart.c (the statement's SVG progress chart)
 * and progress_bar.c (the progress bar on a terminal).
 */
#ifndef TALLY_TOOL_H
#define TALLY_TOOL_H

#include <pthread.h>
#include <stdio.h>

#include <tally/tally.h>

/* ---- exit codes (documented in `tally --help`) ---- */

enum tool_exit {
    TOOL_EXIT_OK = 0,       /* success */
    TOOL_EXIT_INPUT = 1,    /* invalid plan, or input rows rejected with --on-error=stop */
    TOOL_EXIT_USAGE = 2,    /* bad command line */
    TOOL_EXIT_IO = 3,       /* a file could not be read or written */
    TOOL_EXIT_INTERNAL = 4  /* out of memory or an internal error */
};

/* ---- diag.c: messages on standard error ---- */

/* Prints "tally: <message>" and a line end on standard error. */
void tool_error(const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Prints "tally: <message>" and "Try 'tally <command> --help'." and returns
 * TOOL_EXIT_USAGE. @p command may be NULL for the tool itself. */
int tool_usage_error(const char *command, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Prints every error recorded on @p ctx, one per line, as
 * "tally: file:line:column: field: message"; when none is recorded, prints
 * "tally: <what>: <tally_strerror(status)>". */
void tool_print_errors(const tally_ctx *ctx, int status, const char *what);

/* The exit code for a failed tally status. */
int tool_exit_for_status(int status);

/* Reports an allocation failure of the tool itself; returns TOOL_EXIT_INTERNAL. */
int tool_out_of_memory(void);

/* ---- output.c: the output file of a command ---- */

/* Standard output when @p path is NULL or "-", else @p path created for writing;
 * NULL (after "tally: PATH: cannot create the <what>: <reason>") when it cannot be. */
FILE *tool_output_open(const char *path, const char *what);

/* Flushes standard output or closes a file from tool_output_open(). When the
 * writer's @p status is not 0, reports out of memory; when writing failed, prints
 * "tally: <name>: cannot write the <what>" and returns TOOL_EXIT_IO. */
int tool_output_close(FILE *out, int status, const char *name, const char *what);

/* ---- options.c: argument parsing ---- */

typedef struct tool_args {
    int argc;
    char **argv;
    int index;           /* the argument being looked at */
    const char *command; /* for messages: "run", "check" */
    int failed;          /* set when an option lacked its value (message printed) */
} tool_args;

/* When argv[index] is `--name VALUE` or `--name=VALUE`, stores VALUE, moves past
 * it and returns 1; a missing value prints a usage error, sets @p failed and
 * returns 1. Returns 0 when the argument is another one. */
int tool_option(tool_args *args, const char *name, const char **value);

/* When argv[index] is exactly `--name`, moves past it and returns 1, else 0. */
int tool_flag(tool_args *args, const char *name);

/* 1 when argv[index] is -h or --help. */
int tool_is_help(const tool_args *args);

/* When argv[index] is the PLAN (an argument not starting with '-', "-", or any
 * argument after "--") or is "--", moves past it and returns 1; a second PLAN sets
 * @p status to a usage error. Returns 0 for an option. */
int tool_plan_argument(tool_args *args, int *only_positional, const char **plan, int *status);

/* ---- period.c: period labels and dates ---- */

/* 1 when @p text is a valid calendar date written YYYY-MM-DD. */
int tool_is_date(const char *text);

/* Room for "YYYY-MM-DD" and its NUL. */
#define TOOL_DATE_SIZE 11

/* Turns a period label (2026, 2026-H2, 2026-Q4, 2026-11, FY2027, FY2027-H1,
 * FY2027-Q1) into its first and last day, fiscal labels with the fiscal year
 * starting in month @p fiscal_start_month (1 ... 12) and named by the year it ends
 * in. Returns 0, or -1 for a label that is not one of these forms. */
int tool_period_range(const char *label, int fiscal_start_month, char first[TOOL_DATE_SIZE],
                      char last[TOOL_DATE_SIZE]);

/* ---- report.c: what a run writes ---- */

/* Counts of one input file. */
typedef struct tool_file_stats {
    tally_csv_kind kind;
    const char *path;   /* as given on the command line ("-" for standard input) */
    const char *source; /* name in messages ("<stdin>" for "-") */
    uint64_t rows, accepted, rejected;
} tool_file_stats;

/* One total: a payee's or a component's net payout. */
typedef struct tool_total {
    const char *key; /* owned by the result */
    tally_decimal amount;
} tool_total;

typedef struct tool_report {
    const tally_plan *plan;
    const tally_result *result;
    const char *currency; /* the plan's currency code */
    char plan_digest[TALLY_PLAN_DIGEST_HEX_SIZE];
    char input_digest[TALLY_RESULT_DIGEST_HEX_SIZE];
    /* No result digest: the library makes it on first demand, and only the outputs
     * that show it ask (tool_report_result_digest). */
    const tool_file_stats *files;
    size_t file_count;
    const char *reject_path; /* NULL unless --on-error=reject */
    tool_total *by_payee;    /* sorted by payee */
    size_t payee_count;
    tool_total *by_component; /* sorted by component */
    size_t component_count;
    tally_decimal total;
    /* Threads the CSV writer may use (2: a second formats half the lines); 0 or 1
     * when it is to use the caller's only. */
    unsigned writer_threads;
} tool_report;

/* 1 when lines of @p kind are money paid or recovered and so count in the totals:
 * earned, true-up, clawback and mdf-reimbursed. The other MDF ledger lines
 * (accrued, claimed, shortfall, expired, balance) describe the fund. */
int tool_kind_counts_in_totals(tally_line_kind kind);

/* The result digest in hexadecimal, written to @p out and returned. The first call
 * for a result hashes its canonical form (as long as making the lines): call it
 * only for an output that shows the digest. */
const char *tool_report_result_digest(const tool_report *report,
                                      char out[TALLY_RESULT_DIGEST_HEX_SIZE]);

/* ---- digest_ahead.c: the result digest made while the output is written ---- */

typedef struct tool_digest_ahead {
    const tally_result *result;
    pthread_t thread;
    int started;
} tool_digest_ahead;

/* When @p wanted, starts making @p result's digest on a second thread (it is then
 * ready, or being made, when the output asks for it). */
void tool_digest_ahead_begin(tool_digest_ahead *ahead, const tally_result *result, int wanted);
/* Waits for that thread, if any; call it before the result is freed. */
void tool_digest_ahead_end(tool_digest_ahead *ahead);

/* Fills @p report from a result: the plan and input digests, and the totals when
 * @p with_totals (outputs without them, such as CSV, need not sum every line).
 * Returns TALLY_OK, TALLY_ERR_NOMEM or TALLY_ERR_OVERFLOW (a total beyond 38
 * digits). */
int tool_report_init(tool_report *report, const tally_plan *plan, const tally_result *result,
                     int with_totals);

void tool_report_free(tool_report *report);

/* Formats @p value exactly into @p out (TALLY_DECIMAL_STRING_MAX bytes). */
void tool_format_decimal(char out[TALLY_DECIMAL_STRING_MAX], const tally_decimal *value);

/* ---- table.c: aligned terminal tables ---- */

typedef enum tool_align {
    TOOL_ALIGN_LEFT,
    TOOL_ALIGN_RIGHT,
    TOOL_ALIGN_DECIMAL /* right-aligned on the decimal point */
} tool_align;

typedef struct tool_table tool_table;

/* A table of @p columns columns with the given titles and alignments; NULL when
 * out of memory. */
tool_table *tool_table_new(size_t columns, const char *const *titles, const tool_align *align);
void tool_table_free(tool_table *table);
/* Appends a row of as many cells as columns (copied); -1 when out of memory. */
int tool_table_add_row(tool_table *table, const char *const *cells);
/* Prints the header, a rule and the rows, cells separated by two spaces; -1 when
 * out of memory. */
int tool_table_print(const tool_table *table, FILE *out);

/* ---- writers: 0 on success, -1 when out of memory ---- */

int tool_write_table(FILE *out, const tool_report *report);
int tool_write_csv(FILE *out, const tool_report *report);
int tool_write_json(FILE *out, const tool_report *report);

/* Writes one CSV field (RFC 4180: quoted when it holds a comma, quote, CR or LF). */
void tool_csv_field(FILE *out, const char *text, size_t length);

/* Writes @p text (NULL: empty) as one CSV field, then "," or, when @p last, CRLF. */
void tool_csv_value(FILE *out, const char *text, int last);

/* Writes @p text as a JSON string with its quotes. */
void tool_json_string(FILE *out, const char *text);

/* JSON object members, each on its own line after @p indent: `"name": ` alone
 * (tool_json_member_key), then a string or null, an exact decimal as a string, or
 * an integer, followed by ",\n", or "\n" when @p last. */
void tool_json_member_key(FILE *out, const char *indent, const char *name);
void tool_json_string_member(FILE *out, const char *indent, const char *name, const char *value,
                             int last);
void tool_json_decimal_member(FILE *out, const char *indent, const char *name,
                              const tally_decimal *value, int last);
void tool_json_count_member(FILE *out, const char *indent, const char *name, uint64_t value,
                            int last);

/* ---- reject.c: --on-error=reject FILE ---- */

typedef struct tool_rejects {
    FILE *file;
    const char *path;
    uint64_t count;
    int write_failed;
} tool_rejects;

/* Opens the reject file and writes its header `file,line,reason,row`. Returns 0,
 * or -1 (message printed) when it cannot be created. */
int tool_rejects_open(tool_rejects *rejects, const char *path);

/* The tally_csv_reject_fn: writes the row with its reason; asks the reader to
 * stop when the file cannot be written. */
int tool_rejects_row(const tally_error *error, const char *raw_row, size_t raw_size,
                     void *user_data);

/* Closes the file; returns 0, or -1 (message printed) when writing failed. */
int tool_rejects_close(tool_rejects *rejects);

/* ---- load_plan.c ---- */

/* Loads the plan at @p path ("-": standard input) into @p plan; prints every
 * error and returns the exit code. */
int tool_load_plan(tally_ctx *ctx, tally_plan **plan, const char *path);

/* ---- inputs.c: the inputs of a computation (run, explain, progress, curve) ---- */

/* Kinds of CSV input (tally_csv_kind values 0 ... 5). */
#define TOOL_INPUT_KINDS 6

typedef struct tool_inputs {
    const char *command;          /* for messages: "run", "explain" ... */
    tool_file_stats *files;       /* in command-line order */
    size_t file_count;
    char *maps[TOOL_INPUT_KINDS]; /* joined --map texts per kind, or NULL */
    const char *reject_path;      /* --on-error=reject FILE, or NULL */
    tool_rejects rejects;
    const char *as_of, *from, *to, *period;
    unsigned flags; /* tally_session_flags */
    char first[TOOL_DATE_SIZE], last[TOOL_DATE_SIZE]; /* the range of --period */
    int quiet; /* no progress bar while reading (--quiet) */
    unsigned threads; /* --threads N for reading transactions; 0: the default, 2 */
} tool_inputs;

/* The help lines of the input files after --transactions, up to "in the files of"
 * (the kinds --map takes follow): shared by `tally run --help` and tool_inputs_help. */
#define TOOL_INPUT_FILES_HELP \
    "  --partners FILE       the partner table (type, tier, region, quota)\n" \
    "  --settlements FILE    payments already made, for true-up\n" \
    "  --claims FILE         MDF claims\n" \
    "  --baselines FILE      growth-rebate baselines\n" \
    "  --rates FILE          exchange rates into the plan's currency\n" \
    "  --map KIND:field=Header,...\n" \
    "                        read column 'Header' as tally's 'field' in the files of\n"

/* The help lines of --threads, in every command that reads transactions. */
#define TOOL_THREADS_HELP \
    "  --threads N           1: do everything on the main thread; 2 (the default): a\n" \
    "                        second thread reads and parses the transactions while\n" \
    "                        the first computes, replays the MDF funds while the\n" \
    "                        first settles the rest, and formats half of a large CSV\n" \
    "                        output; the output is the same\n"

/* The help text of the options tool_inputs_option() reads. */
extern const char tool_inputs_help[];

/* Room for the files of @p argc arguments; returns the exit code. */
int tool_inputs_init(tool_inputs *inputs, const char *command, int argc);
void tool_inputs_free(tool_inputs *inputs);

/* When argv[index] is --transactions FILE (or another input kind), --map, --on-error,
 * --as-of, --period, --from, --to or --trust-ids: reads it, sets @p code (a usage
 * error is printed) and returns 1. Returns 0 for another argument. */
int tool_inputs_option(tool_inputs *inputs, tool_args *args, int *code);
/* tally_csv_options.threads for reading a file of `kind`: a second thread reads
 * transactions (the large files) unless --threads 1 was given. */
unsigned tool_inputs_threads(const tool_inputs *inputs, tally_csv_kind kind);

/* Checks the options together: --transactions given (when @p need_transactions),
 * one input at most from standard input (@p plan_path counts), dates, --period
 * alone. Returns the exit code (a usage error is printed). */
int tool_inputs_validate(const tool_inputs *inputs, const char *plan_path, int need_transactions);

/* ---- selection.c: the command line of explain and progress ---- */

/* PLAN, the inputs, and what to show: --payee, --component, --format, --output. */
typedef struct tool_selection {
    const char *plan;
    tool_inputs inputs;
    const char *payee, *component, *format, *output; /* NULL when not given */
} tool_selection;

/* tool_selection_parse() found -h or --help: the caller prints its help. */
#define TOOL_SELECTION_HELP (-1)

/* Reads `tally COMMAND` arguments into @p selection (--format's value is the
 * caller's to check). Returns TOOL_EXIT_OK, TOOL_SELECTION_HELP, or an exit code
 * with its usage error printed. The inputs need tool_inputs_free() either way. */
int tool_selection_parse(tool_selection *selection, int argc, char **argv, const char *command);
/* A PLAN given and the inputs consistent (tool_inputs_validate); the exit code. */
int tool_selection_check(const tool_selection *selection, const char *command);
/* 1 when @p line is of the chosen payee and component (each, when chosen). */
int tool_selection_wants(const tool_selection *selection, const tally_line *line);

/* Creates the session with the flags, the as-of date and the range; prints the
 * errors and returns the exit code. */
int tool_inputs_session(tool_inputs *inputs, tally_ctx *ctx, tally_plan *plan,
                        const char *plan_path, tally_session **out);

/* Reads every file into @p session, partners first and transactions last, with the
 * reject file when asked; prints the errors and returns the exit code. */
int tool_inputs_read(tool_inputs *inputs, tally_session *session);

/* tool_inputs_session(), tool_inputs_read() and tally_session_finish(); on success
 * the caller owns @p session (still usable for progress) and @p result. */
int tool_inputs_compute(tool_inputs *inputs, tally_ctx *ctx, tally_plan *plan,
                        const char *plan_path, tally_session **session, tally_result **result);

/* A new context (NULL when out of memory), the plan loaded from @p plan_path, then
 * tool_inputs_compute(); returns the exit code. The caller frees what was made
 * with tool_inputs_run_free(), whatever the code. */
int tool_inputs_run_plan(tool_inputs *inputs, const char *plan_path, tally_ctx **ctx,
                         tally_plan **plan, tally_session **session, tally_result **result);

/* Frees @p result, @p session, @p plan, @p ctx (each may be NULL) and @p inputs. */
void tool_inputs_run_free(tool_inputs *inputs, tally_ctx *ctx, tally_plan *plan,
                          tally_session *session, tally_result *result);

/* ---- components.c: components of a plan ---- */

/* The component @p component_id of version @p version_id (NULL: the first version
 * that has it); NULL when there is none. */
const tally_component *tool_find_component(const tally_plan *plan, const char *version_id,
                                           const char *component_id);

/* 1 for a rebate or commission with tiers on the period total: the components
 * tally_session_progress() reports on. */
int tool_has_period_tiers(const tally_component *component);

/* Names as written in plans: "rate", "per-unit", "amount"; "whole" ...; "amount" ... */
const char *tool_pays_name(tally_band_pays pays);
const char *tool_mode_name(tally_tier_mode mode);
const char *tool_measure_name(tally_tier_measure measure);

/* Stores the names of the set tally_line_flag bits ("below-minimum", "capped",
 * "multiplied", "rounded-per-transaction"), at most @p room; returns the count. */
size_t tool_flag_names(unsigned flags, const char **names, size_t room);

/* ---- lint.c: what `tally check` warns about ---- */

/* Prints a warning "SOURCE:LINE: component ID: message" on @p out for every cliff,
 * unreachable band, cap below the first band and component that can never match
 * or earn; returns the number of warnings. */
size_t tool_lint_plan(const tally_plan *plan, const char *source, FILE *out);

/* ---- xml_escape.c: text in XML and HTML ---- */

enum {
    TOOL_XML_APOSTROPHE = 1u,   /* also write ' as &#39; */
    TOOL_XML_DROP_CONTROLS = 2u /* leave out control characters other than tab and LF */
};

/* Writes @p text (NULL: nothing) with &, <, > and " as entity references. */
void tool_xml_escape(FILE *out, const char *text, unsigned flags);

/* ---- svg.c: standalone SVG drawings (doubles for coordinates only) ---- */

typedef struct tool_plot {
    int width, height;            /* the drawing, in pixels */
    int left, right, top, bottom; /* margins around the plot area */
    double x_max, y_max;          /* the values at the right and top edges */
} tool_plot;

/* A decimal as a coordinate (never for money: labels use the decimal's text). */
double tool_svg_value(const tally_decimal *value);
/* Writes @p text escaped for SVG text and attribute values. */
void tool_svg_text(FILE *out, const char *text);
/* The XML declaration, <svg> with its size, <title>, styles and a white background. */
void tool_svg_begin(FILE *out, const tool_plot *plot, const char *title);
void tool_svg_end(FILE *out);
/* The coordinates of a value in the plot area (0 at the bottom left). */
double tool_plot_x(const tool_plot *plot, double value);
double tool_plot_y(const tool_plot *plot, double value);

/* ---- progress_bar.c: the progress bar on a terminal while inputs are read ---- */

/* Inputs smaller than this are read without a bar. */
#define TOOL_PROGRESS_MIN_BYTES (1024u * 1024u)

typedef struct tool_progress_bar {
    int enabled;        /* stderr is a terminal, not --quiet, and the input is large */
    const char *label;  /* the file's name in messages */
    uint64_t total;     /* the file's size; 0 when unknown (standard input, a pipe) */
    uint64_t last_step; /* per mille (or MiB) last drawn */
    int drawn;          /* something is on the line, to be erased */
} tool_progress_bar;

/* 1 when a bar may be drawn: standard error is a terminal and not @p quiet. */
int tool_progress_bar_wanted(int quiet);
/* Prepares the bar of the file at @p path ("-": standard input); @p enabled from
 * tool_progress_bar_wanted(). */
void tool_progress_bar_begin(tool_progress_bar *bar, const char *label, const char *path,
                             int enabled);
/* The tally_csv_progress_fn: redraws the bar; never stops the reading. */
int tool_progress_bar_update(uint64_t bytes_read, void *user_data);
/* Erases the bar, when one was drawn. */
void tool_progress_bar_end(tool_progress_bar *bar);

/* ---- file_digest.c: SHA-256 of files, and copies ---- */

/* The SHA-256 of the file at @p path and its size; 0, or -1 with errno set. */
int tool_sha256_file(const char *path, char hex[TALLY_SHA256_HEX_SIZE], uint64_t *size);
/* Copies @p source ("-": standard input) to @p target, which must not exist, with
 * the SHA-256 and size of the bytes copied; 0, or -1 (message printed). */
int tool_copy_file(const char *source, const char *target, char hex[TALLY_SHA256_HEX_SIZE],
                   uint64_t *size);

/* ---- bundle.c: tally run --bundle OUT (audit bundles) ---- */

#define TOOL_BUNDLE_FORMAT "tally-bundle-1"
#define TOOL_BUNDLE_PLAN "plan.xml"
#define TOOL_BUNDLE_CANONICAL "result.canonical"
#define TOOL_BUNDLE_CSV "result.csv"
#define TOOL_BUNDLE_MANIFEST "manifest.json"

typedef struct tool_bundle_file {
    const char *kind;   /* "plan" or a tally_csv_kind_name() */
    const char *source; /* as given on the command line ("<stdin>" for "-") */
    char *name;         /* in the bundle: "plan.xml", "inputs/1-transactions.csv" */
    char *path;         /* dir/name */
    char sha256[TALLY_SHA256_HEX_SIZE];
    uint64_t size;
} tool_bundle_file;

typedef struct tool_bundle {
    const char *dir;
    int created_dir, created_inputs, complete;
    tool_bundle_file *files; /* the plan, then the inputs in command-line order */
    size_t count, capacity;
} tool_bundle;

/* dir/name, malloc'ed; NULL when out of memory. */
char *tool_path_join(const char *dir, const char *name);
/* Creates the bundle directory @p dir (new, or empty) and copies the plan and every
 * input into it with their SHA-256; the inputs' paths then name the copies (the
 * run reads those), and *plan_path too for a plan read from standard input.
 * Returns the exit code (message printed). */
int tool_bundle_begin(tool_bundle *bundle, const char *dir, const char **plan_path,
                      tool_inputs *inputs);
/* Writes result.canonical, result.csv and, last, manifest.json. */
int tool_bundle_finish(tool_bundle *bundle, const tool_report *report, const tool_inputs *inputs);
/* Frees the bundle; removes what it wrote unless tool_bundle_finish() succeeded. */
void tool_bundle_free(tool_bundle *bundle);

/* ---- json_read.c: reading JSON (a bundle's manifest) ---- */

typedef enum tool_json_type {
    TOOL_JSON_NULL,
    TOOL_JSON_BOOL,
    TOOL_JSON_NUMBER,
    TOOL_JSON_STRING,
    TOOL_JSON_ARRAY,
    TOOL_JSON_OBJECT
} tool_json_type;

typedef struct tool_json tool_json;
struct tool_json {
    tool_json_type type;
    char *text;        /* a string's value (UTF-8), a number's text */
    int boolean;
    size_t count;      /* items of an array or object */
    tool_json **items;
    char **keys;       /* an object's member names (NULL entries for arrays) */
};

/* Parses @p size bytes of JSON; NULL with a message in @p error on failure. */
tool_json *tool_json_parse(const char *text, size_t size, char *error, size_t error_size);
void tool_json_free(tool_json *value);
/* The member @p name of an object; NULL when absent or not an object. */
const tool_json *tool_json_member(const tool_json *object, const char *name);
/* The string member @p name of an object; NULL when absent or not a string. */
const char *tool_json_text(const tool_json *object, const char *name);

/* ---- revenue.c: revenue per partner and month (tally report) ---- */

typedef struct tool_revenue {
    tally_ctx *ctx;
    tally_result *result; /* one line per partner and month; its basis: the net amount */
    uint64_t skipped;     /* rows the revenue session rejected */
} tool_revenue;

/* Reads the partners, rates and transactions of @p inputs into a session of a
 * generated monthly revenue plan in @p plan's currency; returns the exit code. */
int tool_revenue_compute(tool_revenue *revenue, const tally_plan *plan, tool_inputs *inputs,
                         int progress);
void tool_revenue_free(tool_revenue *revenue);
/* Revenue per partner of the months ending in [from, to] (NULL: open), sorted by
 * partner (free *out), and their sum. Returns TALLY_OK, TALLY_ERR_NOMEM or
 * TALLY_ERR_OVERFLOW. */
int tool_revenue_by_partner(const tool_revenue *revenue, const char *from, const char *to,
                            tool_total **out, size_t *count, tally_decimal *all);
/* The total of @p key in totals sorted by key (strcmp); NULL when absent. */
const tool_total *tool_total_find(const tool_total *totals, size_t count, const char *key);

/* ---- programme.c: the programme view of tally report ---- */

typedef struct tool_percent {
    tally_decimal value; /* rounded half-even to 2 places */
    int defined;         /* 0: a percentage of zero */
} tool_percent;

typedef struct tool_programme_cost {
    const char *component, *kind, *name;
    tally_decimal cost;
    tool_percent share; /* of revenue */
} tool_programme_cost;

typedef struct tool_programme_tier {
    const char *component, *period;
    size_t band;       /* SIZE_MAX: below the first band */
    size_t band_count;
    tally_decimal from; /* the band's lower bound */
    size_t payees;
} tool_programme_tier;

typedef struct tool_programme_leader {
    const char *partner;
    tally_decimal revenue, earned, baseline;
    tool_percent share, growth;
} tool_programme_leader;

typedef struct tool_programme_standing {
    const char *component, *period, *payee, *measure;
    const tally_tier_table *tiers;
    tally_decimal basis, next_from, needed;
    size_t band, band_count;
    int has_next;
} tool_programme_standing;

typedef struct tool_programme_mdf {
    const char *component;
    tally_decimal accrued, claimed, reimbursed, shortfall, expired, balance;
    tool_percent utilisation, expired_share; /* reimbursed, expired: % of accrued */
} tool_programme_mdf;

typedef struct tool_programme_spec {
    const tally_plan *plan;
    tally_session *session; /* finished, for tally_session_progress() */
    const tally_result *result;
    const tool_revenue *revenue;
    const char *from, *to;  /* the run's range, NULL: the plan's versions */
    const char *baseline_from, *baseline_to; /* NULL: no baseline */
    size_t top;
    int has_partner_table;
    uint64_t table_partners;
} tool_programme_spec;

typedef struct tool_programme {
    const tally_plan *plan;
    const tally_result *result;
    tool_report report; /* totals per payee and component, digests */
    const char *currency;
    char from[TOOL_DATE_SIZE], to[TOOL_DATE_SIZE]; /* "" when open */
    const char *baseline_from, *baseline_to;
    int has_baseline;
    tally_decimal zero; /* 0 at the currency's scale */
    tally_decimal revenue, baseline_revenue, cost;
    tool_percent growth, cost_share, participation;
    size_t partners, earning;
    int partners_from_table;
    size_t top;
    tool_programme_cost *costs;
    size_t cost_count;
    tool_programme_tier *tiers;
    size_t tier_count;
    tool_programme_leader *by_revenue;
    size_t leader_count;
    tool_programme_standing *standings; /* every payee × tiered component × period */
    size_t standing_count;
    tool_programme_standing *by_attainment;
    size_t attainment_count;
    tool_programme_mdf *mdf;
    size_t mdf_count;
} tool_programme;

/* Computes the view; TALLY_OK, TALLY_ERR_NOMEM or TALLY_ERR_OVERFLOW. */
int tool_programme_build(tool_programme *programme, const tool_programme_spec *spec);
void tool_programme_free(tool_programme *programme);
/* part / whole × 100, rounded half-even to 2 places; undefined when whole is 0. */
void tool_percent_of(tool_percent *out, const tally_decimal *part, const tally_decimal *whole);
/* The percentage, or "n/a". */
void tool_format_percent(char out[TALLY_DECIMAL_STRING_MAX], const tool_percent *percent);
/* "2 of 3", or "below 1" for SIZE_MAX. */
void tool_band_label(char *out, size_t size, size_t band, size_t band_count);
/* "2026-01-01 to 2026-06-30", "from ...", "until ..." or "all dates". */
void tool_programme_range_text(char *out, size_t size, const char *from, const char *to);

/* Writers of tally report: 0 on success, -1 when out of memory. */
int tool_write_report_table(FILE *out, const tool_programme *programme);
int tool_write_report_csv(FILE *out, const tool_programme *programme);
int tool_write_report_json(FILE *out, const tool_programme *programme);
int tool_write_report_html(FILE *out, const tool_programme *programme);

/* ---- html.c: self-contained, printable HTML ---- */

/* Writes @p text escaped for HTML text and attribute values. */
void tool_html_text(FILE *out, const char *text);
/* The document up to <body>, with the inline style sheet. */
void tool_html_begin(FILE *out, const char *title);
void tool_html_end(FILE *out);
void tool_html_cell(FILE *out, const char *text, int numeric);
void tool_html_decimal_cell(FILE *out, const tally_decimal *value);
void tool_html_head_row(FILE *out, const char *const *titles, size_t count, const int *numeric);
void tool_html_card(FILE *out, const char *label, const char *value);

/* ---- statement_chart.c: the progress chart of tally statement (inline SVG) ---- */

typedef struct tool_chart_row {
    const char *component, *period, *measure;
    const tally_tier_table *tiers;
    tally_progress progress;
} tool_chart_row;

void tool_statement_chart(FILE *out, const tool_chart_row *rows, size_t count);

/* ---- subcommands: each returns the exit code ---- */

int tool_cmd_run(int argc, char **argv);
int tool_cmd_check(int argc, char **argv);
int tool_cmd_explain(int argc, char **argv);
int tool_cmd_progress(int argc, char **argv);
int tool_cmd_curve(int argc, char **argv);
int tool_cmd_report(int argc, char **argv);
int tool_cmd_statement(int argc, char **argv);
int tool_cmd_replay(int argc, char **argv);

#endif /* TALLY_TOOL_H */
