/*
 * Shared declarations of the tally command-line tool. The tool is a face of the
 * library: it uses the public API (<tally/tally.h>) only, never lib/ headers.
 *
 * One file per concept: main.c (dispatch, global --help/--version), cmd_run.c and
 * cmd_check.c (the subcommands), options.c (argument parsing), period.c (period
 * labels as date ranges), diag.c (messages and exit codes), reject.c (the reject
 * file), report.c (totals over a result), table.c (aligned terminal tables) and the
 * writers write_table.c, write_csv.c and write_json.c.
 */
#ifndef TALLY_TOOL_H
#define TALLY_TOOL_H

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

/* 1 when @p text is a valid calendar date written YYYY-MM-DD. */
int tool_is_date(const char *text);

/* ---- period.c: period labels ---- */

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
    char result_digest[TALLY_RESULT_DIGEST_HEX_SIZE];
    const tool_file_stats *files;
    size_t file_count;
    const char *reject_path; /* NULL unless --on-error=reject */
    tool_total *by_payee;    /* sorted by payee */
    size_t payee_count;
    tool_total *by_component; /* sorted by component */
    size_t component_count;
    tally_decimal total;
} tool_report;

/* 1 when lines of @p kind are money paid or recovered and so count in the totals:
 * earned, true-up, clawback and mdf-reimbursed. The other MDF ledger lines
 * (accrued, claimed, shortfall, expired, balance) describe the fund. */
int tool_kind_counts_in_totals(tally_line_kind kind);

/* Fills @p report from a result: digests and the totals. Returns TALLY_OK,
 * TALLY_ERR_NOMEM or TALLY_ERR_OVERFLOW (a total beyond 38 digits). */
int tool_report_init(tool_report *report, const tally_plan *plan, const tally_result *result);

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

/* Writes @p text as a JSON string with its quotes. */
void tool_json_string(FILE *out, const char *text);

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

/* ---- subcommands: each returns the exit code ---- */

int tool_cmd_run(int argc, char **argv);
int tool_cmd_check(int argc, char **argv);

#endif /* TALLY_TOOL_H */
