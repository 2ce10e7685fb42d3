/*
 * SHA-256 through Nettle.
 */
#include "core/digest.h"

#include <nettle/sha2.h>

_Static_assert(sizeof(struct sha256_ctx) <= sizeof(tally_sha256),
               "tally_sha256 must be able to hold Nettle's sha256_ctx");
_Static_assert(_Alignof(struct sha256_ctx) <= _Alignof(tally_sha256),
               "tally_sha256 must be aligned for Nettle's sha256_ctx");

static struct sha256_ctx *
nettle_context(tally_sha256 *hash)
{
    return (struct sha256_ctx *)(void *)hash->state;
}

void
tally_sha256__init(tally_sha256 *hash)
{
    sha256_init(nettle_context(hash));
}

void
tally_sha256__update(tally_sha256 *hash, const void *data, size_t size)
{
    sha256_update(nettle_context(hash), size, data);
}

void
tally_sha256__final(tally_sha256 *hash, unsigned char out[TALLY_SHA256_SIZE])
{
    sha256_digest(nettle_context(hash), TALLY_SHA256_SIZE, out);
}

void
tally_sha256__hex(char out[TALLY_SHA256_HEX_SIZE], const unsigned char digest[TALLY_SHA256_SIZE])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < TALLY_SHA256_SIZE; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[TALLY_SHA256_SIZE * 2] = '\0';
}
