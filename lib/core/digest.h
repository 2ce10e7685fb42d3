/*
 * SHA-256 for plan, input and result digests. A thin wrapper so that only this
 * file knows the hash library (Nettle, a well-kept implementation from Debian).
 */
#ifndef TALLY_CORE_DIGEST_H
#define TALLY_CORE_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define TALLY_SHA256_SIZE 32
#define TALLY_SHA256_HEX_SIZE 65

/* Opaque to callers, but sized here so it can live on the stack. */
typedef struct tally_sha256 {
    uint64_t state[16]; /* large enough for Nettle's sha256_ctx, checked in digest.c */
} tally_sha256;

void tally_sha256__init(tally_sha256 *hash);
void tally_sha256__update(tally_sha256 *hash, const void *data, size_t size);
void tally_sha256__final(tally_sha256 *hash, unsigned char out[TALLY_SHA256_SIZE]);
void tally_sha256__hex(char out[TALLY_SHA256_HEX_SIZE],
                       const unsigned char digest[TALLY_SHA256_SIZE]);

#endif /* TALLY_CORE_DIGEST_H */
