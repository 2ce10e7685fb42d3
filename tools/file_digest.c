/*
 * SHA-256 of files, read in chunks through the public <tally/digest.h> (constant
 * memory whatever the size), and copies of files that hash the bytes they copy:
 * what an audit bundle records of each input.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tally.h"

#define CHUNK (64u * 1024u)

int
tool_sha256_file(const char *path, char hex[TALLY_SHA256_HEX_SIZE], uint64_t *size)
{
    tally_sha256_state state;
    char *buffer = malloc(CHUNK);
    FILE *file;
    uint64_t total = 0;
    size_t got;
    int failed;

    if (!buffer) {
        errno = ENOMEM;
        return -1;
    }
    file = fopen(path, "rb");
    if (!file) {
        int error = errno;
        free(buffer);
        errno = error;
        return -1;
    }
    tally_sha256_init(&state);
    while ((got = fread(buffer, 1, CHUNK, file)) > 0) {
        tally_sha256_update(&state, buffer, got);
        total += got;
    }
    failed = ferror(file);
    int error = errno;
    fclose(file);
    free(buffer);
    if (failed) {
        errno = error ? error : EIO;
        return -1;
    }
    tally_sha256_final_hex(&state, hex, TALLY_SHA256_HEX_SIZE);
    if (size)
        *size = total;
    return 0;
}

int
tool_copy_file(const char *source, const char *target, char hex[TALLY_SHA256_HEX_SIZE],
               uint64_t *size)
{
    int from_stdin = strcmp(source, "-") == 0;
    const char *source_name = from_stdin ? "<stdin>" : source;
    tally_sha256_state state;
    char *buffer = malloc(CHUNK);
    FILE *in, *out;
    uint64_t total = 0;
    size_t got;

    if (!buffer) {
        tool_out_of_memory();
        return -1;
    }
    in = from_stdin ? stdin : fopen(source, "rb");
    if (!in) {
        tool_error("%s: cannot open the file: %s", source_name, strerror(errno));
        free(buffer);
        return -1;
    }
    /* "x": never overwrite what is already there. */
    out = fopen(target, "wbx");
    if (!out) {
        tool_error("%s: cannot create the file: %s", target, strerror(errno));
        if (!from_stdin)
            fclose(in);
        free(buffer);
        return -1;
    }
    tally_sha256_init(&state);
    int failed = 0;
    while ((got = fread(buffer, 1, CHUNK, in)) > 0) {
        tally_sha256_update(&state, buffer, got);
        total += got;
        if (fwrite(buffer, 1, got, out) != got) {
            failed = 1;
            break;
        }
    }
    if (!failed && ferror(in)) {
        tool_error("%s: cannot read the file: %s", source_name, strerror(errno));
        failed = 2;
    }
    if (!from_stdin)
        fclose(in);
    if (fclose(out) != 0 && !failed)
        failed = 1;
    free(buffer);
    if (failed == 1)
        tool_error("%s: cannot write the file: %s", target, strerror(errno));
    if (failed)
        return -1;
    tally_sha256_final_hex(&state, hex, TALLY_SHA256_HEX_SIZE);
    if (size)
        *size = total;
    return 0;
}
