/*
 * The public SHA-256 functions of <tally/digest.h>: the internal wrapper
 * (digest.c) behind a caller-sized state. The state is copied in and out of the
 * internal one, so no pointer of one type ever aliases the other.
 */
#include <string.h>

#include "core/digest.h"
#include "tally/digest.h"

_Static_assert(sizeof(tally_sha256) <= sizeof(tally_sha256_state),
               "tally_sha256_state must be able to hold the internal state");

static void
load(tally_sha256 *hash, const tally_sha256_state *state)
{
    memcpy(hash, state, sizeof(*hash));
}

static void
store(tally_sha256_state *state, const tally_sha256 *hash)
{
    memcpy(state, hash, sizeof(*hash));
}

int
tally_sha256_init(tally_sha256_state *state)
{
    tally_sha256 hash;

    if (!state)
        return TALLY_ERR_INVALID_ARGUMENT;
    memset(state, 0, sizeof(*state));
    tally_sha256__init(&hash);
    store(state, &hash);
    return TALLY_OK;
}

int
tally_sha256_update(tally_sha256_state *state, const void *data, size_t size)
{
    tally_sha256 hash;

    if (!state || (!data && size))
        return TALLY_ERR_INVALID_ARGUMENT;
    if (size == 0)
        return TALLY_OK;
    load(&hash, state);
    tally_sha256__update(&hash, data, size);
    store(state, &hash);
    return TALLY_OK;
}

int
tally_sha256_final_hex(tally_sha256_state *state, char *out, size_t out_size)
{
    tally_sha256 hash;
    unsigned char digest[TALLY_SHA256_SIZE];

    if (!state || !out)
        return TALLY_ERR_INVALID_ARGUMENT;
    if (out_size < TALLY_SHA256_HEX_SIZE)
        return TALLY_ERR_BUFFER_TOO_SMALL;
    load(&hash, state);
    tally_sha256__final(&hash, digest);
    tally_sha256__hex(out, digest);
    store(state, &hash);
    return TALLY_OK;
}

int
tally_sha256_hex(char *out, size_t out_size, const void *data, size_t size)
{
    tally_sha256_state state;
    int status;

    if (!out || (!data && size))
        return TALLY_ERR_INVALID_ARGUMENT;
    if (out_size < TALLY_SHA256_HEX_SIZE)
        return TALLY_ERR_BUFFER_TOO_SMALL;
    if ((status = tally_sha256_init(&state)) != TALLY_OK ||
        (status = tally_sha256_update(&state, data, size)) != TALLY_OK)
        return status;
    return tally_sha256_final_hex(&state, out, out_size);
}
