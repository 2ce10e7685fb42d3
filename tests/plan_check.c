/*
 * plan-check: loads each plan named on the command line through the public API and
 * prints "OK <path>" or every recorded error, one per line. Exit status 1 when any
 * plan fails to load. Used by docs_examples.py to keep the documentation's examples
 * and the example plans loadable.
 *
 *   plan-check [--digest] FILE...
 *
 * With --digest a loaded plan prints "OK <path> <digest in hex>".
 */
#include <stdio.h>
#include <string.h>

#include <tally/tally.h>

/* Room for a located message: source, line, column, element path and text. */
#define MESSAGE_SIZE 2048

static void
print_errors(const tally_ctx *ctx, const char *path, int status)
{
    char line[MESSAGE_SIZE];
    size_t count = tally_ctx_error_count(ctx);

    printf("FAIL %s: %s\n", path, tally_strerror(status));
    for (size_t i = 0; i < count; i++) {
        tally_error_format(line, sizeof(line), tally_ctx_error(ctx, i));
        printf("%s\n", line);
    }
    if (tally_ctx_errors_dropped(ctx) > 0)
        printf("(%zu more errors not recorded)\n", tally_ctx_errors_dropped(ctx));
}

static int
print_loaded(const tally_plan *plan, const char *path, int with_digest)
{
    char hex[TALLY_PLAN_DIGEST_HEX_SIZE];

    if (!with_digest) {
        printf("OK %s\n", path);
        return 0;
    }
    if (tally_plan_digest_hex(hex, sizeof(hex), plan) != TALLY_OK) {
        printf("FAIL %s: no digest\n", path);
        return 1;
    }
    printf("OK %s %s\n", path, hex);
    return 0;
}

/* Returns 0 when the plan at `path` loads. */
static int
check_plan(tally_ctx *ctx, const char *path, int with_digest)
{
    tally_plan *plan = NULL;
    int status = tally_plan_load_file(ctx, &plan, path, NULL);
    int failed;

    if (status != TALLY_OK) {
        print_errors(ctx, path, status);
        return 1;
    }
    failed = print_loaded(plan, path, with_digest);
    tally_plan_unref(plan);
    return failed;
}

int
main(int argc, char **argv)
{
    tally_ctx *ctx = NULL;
    int with_digest = 0, first = 1, failures = 0;

    if (argc > 1 && strcmp(argv[1], "--digest") == 0) {
        with_digest = 1;
        first = 2;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: %s [--digest] FILE...\n", argv[0]);
        return 2;
    }
    if (tally_ctx_new(&ctx, NULL) != TALLY_OK) {
        fprintf(stderr, "%s: cannot create a context\n", argv[0]);
        return 2;
    }
    for (int i = first; i < argc; i++)
        failures += check_plan(ctx, argv[i], with_digest);
    tally_ctx_free(ctx);
    fflush(stdout);
    return failures > 0 ? 1 : 0;
}
