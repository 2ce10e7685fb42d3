/*
 * `tally replay BUNDLE`: verifies an audit bundle written by `tally run --bundle`
 * (bundle.c). Checks the SHA-256 of every file against the manifest, runs the
 * plan again on the bundle's copies of the inputs with the options recorded, and
 * compares the canonical form of the new result with result.canonical line by
 * line: prints `match` (exit 0), or the first line that differs with its number
 * (exit 1).
 */
#define _POSIX_C_SOURCE 200809L /* strdup */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tally.h"

#define MANIFEST_LIMIT (16u * 1024u * 1024u)

static const char replay_help[] =
    "Usage: tally replay BUNDLE [OPTION]...\n"
    "\n"
    "Verifies the audit bundle BUNDLE written by 'tally run ... --bundle BUNDLE':\n"
    "checks the SHA-256 of the plan, of every input and of result.canonical against\n"
    "manifest.json, runs the plan again on the bundle's inputs with the options\n"
    "recorded there (as-of date, range, flags, column maps, --on-error), and compares\n"
    "the canonical form of the result with result.canonical, line by line.\n"
    "\n"
    "Prints 'match' and the result digest when everything agrees. Otherwise names\n"
    "each file whose SHA-256 differs from the manifest, and prints the first line of\n"
    "the canonical form that differs, with its line number, as recorded and as\n"
    "replayed.\n"
    "\n"
    "Options:\n"
    "  -q, --quiet           no progress bar on standard error\n"
    "  -h, --help            show this help\n"
    "\n"
    "Exit status: 0 match, 1 mismatch (or the bundle's plan or inputs fail), 2 usage\n"
    "error, 3 a file of the bundle could not be read, 4 out of memory or internal\n"
    "error.\n";

typedef struct buffer {
    char *data;
    size_t size, capacity;
    int failed;
} buffer;

static int
append(const char *data, size_t size, void *user_data)
{
    buffer *b = user_data;
    if (b->size + size + 1 > b->capacity) {
        size_t capacity = b->capacity ? b->capacity : 65536;
        while (capacity < b->size + size + 1)
            capacity *= 2;
        char *grown = realloc(b->data, capacity);
        if (!grown) {
            b->failed = 1;
            return 1;
        }
        b->data = grown;
        b->capacity = capacity;
    }
    memcpy(b->data + b->size, data, size);
    b->size += size;
    b->data[b->size] = '\0';
    return 0;
}

/* Reads the whole file at @p path (up to @p limit bytes); returns the exit code. */
static int
read_whole(const char *path, size_t limit, buffer *out)
{
    FILE *file = fopen(path, "rb");
    char chunk[65536];
    size_t got;

    memset(out, 0, sizeof(*out));
    if (!file) {
        tool_error("%s: cannot open the file: %s", path, strerror(errno));
        return TOOL_EXIT_IO;
    }
    while ((got = fread(chunk, 1, sizeof(chunk), file)) > 0) {
        if (out->size + got > limit) {
            fclose(file);
            tool_error("%s: the file is larger than %zu bytes", path, limit);
            return TOOL_EXIT_INPUT;
        }
        if (append(chunk, got, out) != 0) {
            fclose(file);
            return tool_out_of_memory();
        }
    }
    int failed = ferror(file);
    fclose(file);
    if (failed) {
        tool_error("%s: cannot read the file: %s", path, strerror(errno));
        return TOOL_EXIT_IO;
    }
    if (!out->data && append("", 0, out) != 0)
        return tool_out_of_memory();
    return TOOL_EXIT_OK;
}

/* ---- the manifest ---- */

typedef struct replay {
    const char *dir;
    tool_json *manifest;
    char **paths; /* the bundle's files, joined to dir */
    size_t path_count;
    int files_differ;
} replay;

static int
manifest_error(const replay *r, const char *what)
{
    tool_error("%s/" TOOL_BUNDLE_MANIFEST ": %s", r->dir, what);
    return TOOL_EXIT_INPUT;
}

static const char *
keep_path(replay *r, const char *name)
{
    char *path = tool_path_join(r->dir, name);
    if (!path)
        return NULL;
    r->paths[r->path_count++] = path;
    return path;
}

/* Checks a file's SHA-256 against the manifest entry; prints a difference. */
static int
check_file(replay *r, const char *path, const char *expected)
{
    char actual[TALLY_SHA256_HEX_SIZE];
    uint64_t size;

    if (tool_sha256_file(path, actual, &size) != 0) {
        tool_error("%s: cannot read the file: %s", path, strerror(errno));
        return TOOL_EXIT_IO;
    }
    if (!expected || strcmp(actual, expected) != 0) {
        tool_error("%s: SHA-256 %s differs from the manifest's %s: the file was changed",
                   path, actual, expected ? expected : "(none)");
        r->files_differ = 1;
    }
    return TOOL_EXIT_OK;
}

static int
kind_of(const char *name, tally_csv_kind *kind)
{
    for (int k = 0; name && k < TOOL_INPUT_KINDS; k++) {
        if (strcmp(tally_csv_kind_name((tally_csv_kind)k), name) == 0) {
            *kind = (tally_csv_kind)k;
            return 1;
        }
    }
    return 0;
}

/* Fills @p inputs from the manifest and checks every file; returns the exit code. */
static int
load_manifest(replay *r, tool_inputs *inputs, const char **plan_path)
{
    char *path = tool_path_join(r->dir, TOOL_BUNDLE_MANIFEST);
    char error[128];
    buffer text;
    int code;

    if (!path)
        return tool_out_of_memory();
    code = read_whole(path, MANIFEST_LIMIT, &text);
    free(path);
    if (code != TOOL_EXIT_OK) {
        free(text.data);
        if (code == TOOL_EXIT_IO)
            tool_error("%s: not a bundle of 'tally run --bundle' (no readable " TOOL_BUNDLE_MANIFEST
                       ")",
                       r->dir);
        return code;
    }
    r->manifest = tool_json_parse(text.data, text.size, error, sizeof(error));
    free(text.data);
    if (!r->manifest)
        return manifest_error(r, error);
    const char *format = tool_json_text(r->manifest, "format");
    if (!format || strcmp(format, TOOL_BUNDLE_FORMAT) != 0)
        return manifest_error(r, "not a tally bundle manifest (expected \"format\": \""
                                 TOOL_BUNDLE_FORMAT "\")");
    const char *version = tool_json_text(r->manifest, "tally_version");
    if (version && strcmp(version, tally_version()) != 0)
        tool_error("note: the bundle was written by tally %s; replaying with tally %s", version,
                   tally_version());

    const tool_json *plan = tool_json_member(r->manifest, "plan");
    const tool_json *files = tool_json_member(r->manifest, "inputs");
    const tool_json *options = tool_json_member(r->manifest, "options");
    const tool_json *result = tool_json_member(r->manifest, "result");
    if (!tool_json_text(plan, "file") || !files || files->type != TOOL_JSON_ARRAY || !options ||
        !tool_json_text(result, "canonical"))
        return manifest_error(r, "the plan, inputs, options or result entry is missing");
    r->paths = calloc(files->count + 2, sizeof(*r->paths));
    free(inputs->files); /* room for every input of the manifest */
    inputs->files = calloc(files->count + 1, sizeof(*inputs->files));
    if (!r->paths || !inputs->files)
        return tool_out_of_memory();

    /* The files and their SHA-256. */
    if (!(*plan_path = keep_path(r, tool_json_text(plan, "file"))))
        return tool_out_of_memory();
    if ((code = check_file(r, *plan_path, tool_json_text(plan, "sha256"))) != TOOL_EXIT_OK)
        return code;
    for (size_t i = 0; i < files->count; i++) {
        const tool_json *entry = files->items[i];
        const char *name = tool_json_text(entry, "file");
        tally_csv_kind kind;
        if (!name || !kind_of(tool_json_text(entry, "kind"), &kind))
            return manifest_error(r, "an input has no file or an unknown kind");
        const char *file_path = keep_path(r, name);
        if (!file_path)
            return tool_out_of_memory();
        if ((code = check_file(r, file_path, tool_json_text(entry, "sha256"))) != TOOL_EXIT_OK)
            return code;
        tool_file_stats *file = &inputs->files[inputs->file_count++];
        file->kind = kind;
        file->path = file_path;
        file->source = file_path;
    }
    const char *canonical = keep_path(r, tool_json_text(result, "canonical"));
    if (!canonical)
        return tool_out_of_memory();
    if ((code = check_file(r, canonical, tool_json_text(r->manifest, "result_digest"))) !=
        TOOL_EXIT_OK)
        return code;

    /* The options of the run. */
    inputs->as_of = tool_json_text(options, "as_of");
    inputs->from = tool_json_text(options, "lines_from");
    inputs->to = tool_json_text(options, "lines_to");
    const tool_json *flags = tool_json_member(options, "flags");
    for (size_t i = 0; flags && flags->type == TOOL_JSON_ARRAY && i < flags->count; i++) {
        const char *flag = flags->items[i]->text;
        if (flag && strcmp(flag, "no-source-ids") == 0)
            inputs->flags |= TALLY_SESSION_NO_SOURCE_IDS;
        else if (flag && strcmp(flag, "trust-ids") == 0)
            inputs->flags |= TALLY_SESSION_TRUST_IDS;
        else
            return manifest_error(r, "unknown flag in options.flags");
    }
    const tool_json *maps = tool_json_member(options, "map");
    for (size_t i = 0; maps && maps->type == TOOL_JSON_OBJECT && i < maps->count; i++) {
        tally_csv_kind kind;
        if (!kind_of(maps->keys[i], &kind) || maps->items[i]->type != TOOL_JSON_STRING)
            return manifest_error(r, "bad entry in options.map");
        inputs->maps[kind] = strdup(maps->items[i]->text);
        if (!inputs->maps[kind])
            return tool_out_of_memory();
    }
    const char *on_error = tool_json_text(options, "on_error");
    if (on_error && strcmp(on_error, "reject") == 0)
        inputs->reject_path = "/dev/null"; /* the bad rows were reported when the bundle was made */
    return TOOL_EXIT_OK;
}

/* ---- comparing ---- */

/* Line @p number (1-based) starting at @p at: prints it, or "(end)". */
static void
print_line(const char *label, const char *text, size_t size, size_t at)
{
    if (at >= size) {
        printf("  %s (no such line: the canonical form ends before it)\n", label);
        return;
    }
    const char *end = memchr(text + at, '\n', size - at);
    size_t length = end ? (size_t)(end - (text + at)) : size - at;
    printf("  %s %.*s\n", label, (int)length, text + at);
}

/* The offset of the line after the one at @p at (or the size). */
static size_t
next_line(const buffer *b, size_t at)
{
    const char *end = at < b->size ? memchr(b->data + at, '\n', b->size - at) : NULL;
    return end ? (size_t)(end - b->data) + 1 : b->size;
}

static int
is_payout(const buffer *b, size_t at)
{
    return b->size - at >= 5 && memcmp(b->data + at, "line\t", 5) == 0;
}

/* When the first difference is in the header (the digests), the first payout line
 * of the same number that differs too: what an auditor looks for next. */
static void
first_payout_difference(const buffer *recorded, const buffer *replayed, size_t line,
                        size_t a, size_t b)
{
    while (a < recorded->size || b < replayed->size) {
        size_t next_a = next_line(recorded, a), next_b = next_line(replayed, b);
        if ((is_payout(recorded, a) || is_payout(replayed, b)) &&
            (next_a - a != next_b - b || memcmp(recorded->data + a, replayed->data + b,
                                                next_a - a) != 0)) {
            printf("first payout line that differs: line %zu\n", line);
            print_line("recorded:", recorded->data, recorded->size, a);
            print_line("replayed:", replayed->data, replayed->size, b);
            return;
        }
        a = next_a;
        b = next_b;
        line++;
    }
}

/* 0 when equal; else prints the first differing line and returns 1. */
static int
compare(const char *dir, const buffer *recorded, const buffer *replayed)
{
    size_t line = 1, start = 0, i = 0;

    while (i < recorded->size && i < replayed->size && recorded->data[i] == replayed->data[i]) {
        if (recorded->data[i] == '\n') {
            line++;
            start = i + 1;
        }
        i++;
    }
    if (i == recorded->size && i == replayed->size)
        return 0;
    printf("differs at line %zu of %s/" TOOL_BUNDLE_CANONICAL ":\n", line, dir);
    print_line("recorded:", recorded->data, recorded->size, start);
    print_line("replayed:", replayed->data, replayed->size, start);
    if (!is_payout(recorded, start) && !is_payout(replayed, start))
        first_payout_difference(recorded, replayed, line + 1, next_line(recorded, start),
                                next_line(replayed, start));
    return 1;
}

int
tool_cmd_replay(int argc, char **argv)
{
    tool_args args = {argc, argv, 1, "replay", 0};
    replay r;
    tool_inputs inputs;
    const char *plan_path = NULL;
    tally_ctx *ctx = NULL;
    tally_plan *plan = NULL;
    tally_session *session = NULL;
    tally_result *result = NULL;
    buffer recorded = {0}, replayed = {0};
    int code = TOOL_EXIT_OK, quiet = 0;

    memset(&r, 0, sizeof(r));
    while (args.index < argc) {
        const char *arg = argv[args.index];
        if (tool_is_help(&args)) {
            fputs(replay_help, stdout);
            return TOOL_EXIT_OK;
        }
        if (tool_flag(&args, "--quiet") || tool_flag(&args, "-q")) {
            quiet = 1;
        } else if (arg[0] == '-' && arg[1]) {
            return tool_usage_error("replay", "unknown option \"%s\"", arg);
        } else {
            if (r.dir)
                return tool_usage_error("replay", "unexpected argument \"%s\" (one BUNDLE only)",
                                        arg);
            r.dir = arg;
            args.index++;
        }
    }
    if (!r.dir)
        return tool_usage_error("replay", "no BUNDLE given");

    code = tool_inputs_init(&inputs, "replay", argc);
    if (code != TOOL_EXIT_OK)
        return code;
    inputs.quiet = quiet;
    code = load_manifest(&r, &inputs, &plan_path);
    if (code == TOOL_EXIT_OK && tally_ctx_new(&ctx, NULL) != TALLY_OK)
        code = tool_out_of_memory();
    if (code == TOOL_EXIT_OK)
        code = tool_load_plan(ctx, &plan, plan_path);
    if (code == TOOL_EXIT_OK)
        code = tool_inputs_compute(&inputs, ctx, plan, plan_path, &session, &result);
    if (code == TOOL_EXIT_OK) {
        if (tally_result_write_canonical(result, append, &replayed) != TALLY_OK || replayed.failed)
            code = tool_out_of_memory();
    }
    if (code == TOOL_EXIT_OK)
        code = read_whole(r.paths[r.path_count - 1], SIZE_MAX, &recorded);
    if (code == TOOL_EXIT_OK) {
        if (!replayed.data)
            append("", 0, &replayed);
        int differs = compare(r.dir, &recorded, &replayed);
        if (!differs && r.files_differ) {
            printf("differs: files of %s do not match the manifest, though the result is the "
                   "same\n",
                   r.dir);
            differs = 1;
        }
        if (!differs) {
            char digest[TALLY_RESULT_DIGEST_HEX_SIZE];
            tally_result_digest_hex(digest, sizeof(digest), result);
            printf("match: result %s (%zu lines)\n", digest, tally_result_line_count(result));
        }
        code = differs ? TOOL_EXIT_INPUT : TOOL_EXIT_OK;
    } else if (code != TOOL_EXIT_USAGE && r.manifest) {
        printf("differs: %s could not be replayed (see the messages above)\n", r.dir);
    }

    free(recorded.data);
    free(replayed.data);
    tally_result_free(result);
    tally_session_free(session);
    tally_plan_unref(plan);
    tally_ctx_free(ctx);
    tool_inputs_free(&inputs);
    for (size_t i = 0; i < r.path_count; i++)
        free(r.paths[i]);
    free(r.paths);
    tool_json_free(r.manifest);
    return code;
}
