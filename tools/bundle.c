/*
 * `tally run --bundle OUT`: an audit bundle, a directory an auditor can replay
 * (`tally replay OUT`) to check the result bit for bit:
 *
 *   OUT/plan.xml           the plan, a byte copy
 *   OUT/inputs/N-KIND.csv  each input file, a byte copy (N: its place on the
 *                          command line); the run reads these copies, so the
 *                          bundle holds exactly the bytes that were computed
 *   OUT/result.canonical   tally_result_write_canonical(): its SHA-256 is the
 *                          result digest
 *   OUT/result.csv         the payout lines as `tally run --format csv` writes them
 *   OUT/manifest.json      tally's version, the plan, input and result digests,
 *                          the options of the run (as-of date, range, flags,
 *                          column maps, --on-error) and each file's SHA-256 and size
 *
 * OUT must not exist or be an empty directory. The manifest is written last
 * (through a temporary name, then renamed): a directory without one is not a
 * bundle. When the run fails, everything the bundle wrote is removed again.
 */
#define _POSIX_C_SOURCE 200809L /* mkdir, rmdir */

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tally.h"

static const char *const result_names[] = {TOOL_BUNDLE_CANONICAL, TOOL_BUNDLE_CSV,
                                           TOOL_BUNDLE_MANIFEST ".tmp", TOOL_BUNDLE_MANIFEST};

/* dir/name, malloc'ed; NULL when out of memory. */
char *
tool_path_join(const char *dir, const char *name)
{
    size_t size = strlen(dir) + 1 + strlen(name) + 1;
    char *path = malloc(size);
    if (path)
        snprintf(path, size, "%s/%s", dir, name);
    return path;
}

/* 1 when @p dir is a directory with no entries but . and .. */
static int
empty_directory(const char *dir)
{
    DIR *handle = opendir(dir);
    struct dirent *entry;
    int empty = 1;

    if (!handle)
        return 0;
    while (empty && (entry = readdir(handle)) != NULL)
        empty = strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0;
    closedir(handle);
    return empty;
}

static int
make_directory(tool_bundle *bundle)
{
    if (mkdir(bundle->dir, 0777) == 0) {
        bundle->created_dir = 1;
    } else if (errno != EEXIST || !empty_directory(bundle->dir)) {
        if (errno == EEXIST || errno == ENOTDIR)
            tool_error("%s: the bundle directory exists and is not empty (give a new "
                       "directory)",
                       bundle->dir);
        else
            tool_error("%s: cannot create the bundle directory: %s", bundle->dir,
                       strerror(errno));
        return TOOL_EXIT_IO;
    }
    char *inputs = tool_path_join(bundle->dir, "inputs");
    if (!inputs)
        return tool_out_of_memory();
    int failed = mkdir(inputs, 0777) != 0;
    if (failed)
        tool_error("%s: cannot create the directory: %s", inputs, strerror(errno));
    else
        bundle->created_inputs = 1;
    free(inputs);
    return failed ? TOOL_EXIT_IO : TOOL_EXIT_OK;
}

/* Copies @p source into the bundle as @p name, recording it as file @p index. */
static int
copy_in(tool_bundle *bundle, size_t index, const char *kind, const char *source,
        const char *name)
{
    tool_bundle_file *file = &bundle->files[index];

    file->kind = kind;
    file->source = strcmp(source, "-") == 0 ? "<stdin>" : source;
    file->name = strdup(name);
    file->path = tool_path_join(bundle->dir, name);
    if (!file->name || !file->path)
        return tool_out_of_memory();
    if (tool_copy_file(source, file->path, file->sha256, &file->size) != 0) {
        unlink(file->path); /* a partial copy */
        free(file->path);
        file->path = NULL;
        return TOOL_EXIT_IO;
    }
    bundle->count = index + 1;
    return TOOL_EXIT_OK;
}

int
tool_bundle_begin(tool_bundle *bundle, const char *dir, const char **plan_path,
                  tool_inputs *inputs)
{
    char name[64];
    int code;

    memset(bundle, 0, sizeof(*bundle));
    bundle->dir = dir;
    bundle->files = calloc(inputs->file_count + 1, sizeof(*bundle->files));
    if (!bundle->files)
        return tool_out_of_memory();
    bundle->capacity = inputs->file_count + 1;
    if ((code = make_directory(bundle)) != TOOL_EXIT_OK)
        return code;
    if ((code = copy_in(bundle, 0, "plan", *plan_path, TOOL_BUNDLE_PLAN)) != TOOL_EXIT_OK)
        return code;
    /* A plan from standard input is loaded from its copy; a plan file is loaded from
     * where it is (messages name it), and the replay checks the copy's digest. */
    if (strcmp(*plan_path, "-") == 0)
        *plan_path = bundle->files[0].path;
    for (size_t i = 0; i < inputs->file_count; i++) {
        tool_file_stats *input = &inputs->files[i];
        snprintf(name, sizeof(name), "inputs/%zu-%s.csv", i + 1, tally_csv_kind_name(input->kind));
        code = copy_in(bundle, i + 1, tally_csv_kind_name(input->kind), input->path, name);
        if (code != TOOL_EXIT_OK)
            return code;
        /* The run reads the copy; messages keep naming the file given. */
        input->path = bundle->files[i + 1].path;
    }
    return TOOL_EXIT_OK;
}

/* ---- the result files ---- */

static int
write_piece(const char *data, size_t size, void *user_data)
{
    return fwrite(data, 1, size, (FILE *)user_data) != size;
}

/* Creates dir/name with @p write; returns the exit code (message printed). */
static int
write_file(const tool_bundle *bundle, const char *name, int (*write)(FILE *, const void *),
           const void *data)
{
    char *path = tool_path_join(bundle->dir, name);
    if (!path)
        return tool_out_of_memory();
    FILE *out = fopen(path, "wbx");
    if (!out) {
        tool_error("%s: cannot create the file: %s", path, strerror(errno));
        free(path);
        return TOOL_EXIT_IO;
    }
    int status = write(out, data);
    int failed = ferror(out) != 0;
    failed |= fclose(out) != 0;
    if (status < 0) {
        free(path);
        return tool_out_of_memory();
    }
    if (status > 0 || failed) {
        tool_error("%s: cannot write the file", path);
        free(path);
        return TOOL_EXIT_IO;
    }
    free(path);
    return TOOL_EXIT_OK;
}

static int
write_canonical(FILE *out, const void *data)
{
    const tool_report *report = data;
    return tally_result_write_canonical(report->result, write_piece, out) != TALLY_OK;
}

static int
write_result_csv(FILE *out, const void *data)
{
    return tool_write_csv(out, data) != 0 ? -1 : 0;
}

/* ---- the manifest ---- */

typedef struct manifest {
    const tool_bundle *bundle;
    const tool_report *report;
    const tool_inputs *inputs;
} manifest;

static void
write_options(FILE *out, const tool_inputs *inputs)
{
    static const char *const in = "    ";
    const char *from = inputs->period ? inputs->first : inputs->from;
    const char *to = inputs->period ? inputs->last : inputs->to;
    int first = 1;

    fputs("  \"options\": {\n", out);
    tool_json_string_member(out, in, "as_of", inputs->as_of, 0);
    tool_json_string_member(out, in, "period", inputs->period, 0);
    tool_json_string_member(out, in, "lines_from", from && *from ? from : NULL, 0);
    tool_json_string_member(out, in, "lines_to", to && *to ? to : NULL, 0);
    fprintf(out, "%s\"flags\": [", in);
    if (inputs->flags & TALLY_SESSION_NO_SOURCE_IDS) {
        fputs("\"no-source-ids\"", out);
        first = 0;
    }
    if (inputs->flags & TALLY_SESSION_TRUST_IDS)
        fputs(first ? "\"trust-ids\"" : ", \"trust-ids\"", out);
    fputs("],\n", out);
    fprintf(out, "%s\"map\": {", in);
    first = 1;
    for (int k = 0; k < TOOL_INPUT_KINDS; k++) {
        if (!inputs->maps[k])
            continue;
        fputs(first ? "\n" : ",\n", out);
        fprintf(out, "%s  \"%s\": ", in, tally_csv_kind_name((tally_csv_kind)k));
        tool_json_string(out, inputs->maps[k]);
        first = 0;
    }
    fputs(first ? "},\n" : "\n    },\n", out);
    tool_json_string_member(out, in, "on_error", inputs->reject_path ? "reject" : "stop", 1);
    fputs("  },\n", out);
}

static void
write_file_entry(FILE *out, const char *in, const tool_bundle_file *file,
                 const tool_file_stats *stats, const char *plan_digest)
{
    tool_json_string_member(out, in, "kind", file->kind, 0);
    tool_json_string_member(out, in, "file", file->name, 0);
    tool_json_string_member(out, in, "source", file->source, 0);
    tool_json_string_member(out, in, "sha256", file->sha256, 0);
    if (plan_digest)
        tool_json_string_member(out, in, "digest", plan_digest, 0);
    if (stats) {
        tool_json_count_member(out, in, "rows", stats->rows, 0);
        tool_json_count_member(out, in, "accepted", stats->accepted, 0);
        tool_json_count_member(out, in, "rejected", stats->rejected, 0);
    }
    tool_json_count_member(out, in, "size", file->size, 1);
}

static int
write_manifest(FILE *out, const void *data)
{
    const manifest *m = data;
    const tool_bundle *bundle = m->bundle;
    const tool_report *report = m->report;
    static const char *const in = "  ";
    char digest[TALLY_RESULT_DIGEST_HEX_SIZE];

    fputs("{\n", out);
    tool_json_string_member(out, in, "format", TOOL_BUNDLE_FORMAT, 0);
    tool_json_string_member(out, in, "tally_version", tally_version(), 0);
    tool_json_string_member(out, in, "plan_id", tally_plan_id(report->plan), 0);
    tool_json_string_member(out, in, "currency", report->currency, 0);
    tool_json_string_member(out, in, "plan_digest", report->plan_digest, 0);
    tool_json_string_member(out, in, "input_digest", report->input_digest, 0);
    tool_json_string_member(out, in, "result_digest", tool_report_result_digest(report, digest),
                            0);
    fputs("  \"plan\": {\n", out);
    write_file_entry(out, "    ", &bundle->files[0], NULL, report->plan_digest);
    fputs("  },\n", out);
    fputs("  \"inputs\": [", out);
    for (size_t i = 1; i < bundle->count; i++) {
        fputs(i > 1 ? ",\n    {\n" : "\n    {\n", out);
        write_file_entry(out, "      ", &bundle->files[i], &m->inputs->files[i - 1], NULL);
        fputs("    }", out);
    }
    fputs(bundle->count > 1 ? "\n  ],\n" : "],\n", out);
    write_options(out, m->inputs);
    fputs("  \"result\": {\n", out);
    tool_json_string_member(out, "    ", "canonical", TOOL_BUNDLE_CANONICAL, 0);
    tool_json_string_member(out, "    ", "csv", TOOL_BUNDLE_CSV, 0);
    tool_json_count_member(out, "    ", "lines", tally_result_line_count(report->result), 0);
    tool_json_count_member(out, "    ", "transactions_accepted",
                           tally_result_accepted_count(report->result), 0);
    tool_json_count_member(out, "    ", "transactions_rejected",
                           tally_result_rejected_count(report->result), 1);
    fputs("  }\n}\n", out);
    return 0;
}

int
tool_bundle_finish(tool_bundle *bundle, const tool_report *report, const tool_inputs *inputs)
{
    manifest m = {bundle, report, inputs};
    int code;

    if ((code = write_file(bundle, TOOL_BUNDLE_CANONICAL, write_canonical, report)) !=
            TOOL_EXIT_OK ||
        (code = write_file(bundle, TOOL_BUNDLE_CSV, write_result_csv, report)) != TOOL_EXIT_OK ||
        (code = write_file(bundle, TOOL_BUNDLE_MANIFEST ".tmp", write_manifest, &m)) !=
            TOOL_EXIT_OK)
        return code;
    char *from = tool_path_join(bundle->dir, TOOL_BUNDLE_MANIFEST ".tmp");
    char *to = tool_path_join(bundle->dir, TOOL_BUNDLE_MANIFEST);
    code = TOOL_EXIT_OK;
    if (!from || !to) {
        code = tool_out_of_memory();
    } else if (rename(from, to) != 0) {
        tool_error("%s: cannot write the file: %s", to, strerror(errno));
        code = TOOL_EXIT_IO;
    }
    free(from);
    free(to);
    if (code == TOOL_EXIT_OK)
        bundle->complete = 1;
    return code;
}

void
tool_bundle_free(tool_bundle *bundle)
{
    if (!bundle->files)
        return;
    if (!bundle->complete) {
        /* Remove what this run wrote: the directory was new or empty. */
        for (size_t i = 0; i < bundle->count; i++)
            if (bundle->files[i].path)
                unlink(bundle->files[i].path);
        for (size_t i = 0; i < sizeof(result_names) / sizeof(result_names[0]); i++) {
            char *path = tool_path_join(bundle->dir, result_names[i]);
            if (path)
                unlink(path);
            free(path);
        }
        char *inputs = tool_path_join(bundle->dir, "inputs");
        if (inputs && bundle->created_inputs)
            rmdir(inputs);
        free(inputs);
        if (bundle->created_dir)
            rmdir(bundle->dir);
    }
    for (size_t i = 0; i < bundle->capacity; i++) {
        free(bundle->files[i].name);
        free(bundle->files[i].path);
    }
    free(bundle->files);
    memset(bundle, 0, sizeof(*bundle));
}
