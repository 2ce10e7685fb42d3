/*
 * The input digest must not depend on row order (domain.md 10), so each row is
 * hashed on its own and the hashes are added as 256-bit numbers; the sum and the
 * row counts are hashed once more at the end. Addition, unlike exclusive-or, does
 * not let two equal rows cancel out.
 */
#include <string.h>

#include "engine/engine.h"

void
tally_engine__digest_row(tally_input_digest *digest, const char *kind,
                         const char *const *fields, size_t field_count)
{
    tally_sha256 hash;
    tally_sha256__init(&hash);
    tally_sha256__update(&hash, kind, strlen(kind) + 1);
    for (size_t i = 0; i < field_count; i++) {
        const char *field = fields[i] ? fields[i] : "";
        /* Unit separator after every field: no two different rows share a text. */
        tally_sha256__update(&hash, field, strlen(field));
        tally_sha256__update(&hash, "\x1f", 1);
    }
    unsigned char value[TALLY_SHA256_SIZE];
    tally_sha256__final(&hash, value);
    unsigned carry = 0;
    for (int limb = 0; limb < 4; limb++) {
        uint64_t part = 0;
        for (int byte = 0; byte < 8; byte++)
            part |= (uint64_t)value[limb * 8 + byte] << (8 * byte);
        uint64_t sum = digest->sum[limb] + part;
        unsigned next = sum < part;
        sum += carry;
        next |= sum < carry;
        digest->sum[limb] = sum;
        carry = next;
    }
}

static void
put_u64(unsigned char out[8], uint64_t value)
{
    for (int byte = 0; byte < 8; byte++)
        out[byte] = (unsigned char)(value >> (8 * byte));
}

void
tally_engine__digest_final(const tally_input_digest *digest, unsigned char out[TALLY_SHA256_SIZE])
{
    unsigned char bytes[10 * 8];
    for (int limb = 0; limb < 4; limb++)
        put_u64(bytes + limb * 8, digest->sum[limb]);
    put_u64(bytes + 32, digest->partners);
    put_u64(bytes + 40, digest->transactions);
    put_u64(bytes + 48, digest->settlements);
    put_u64(bytes + 56, digest->baselines);
    put_u64(bytes + 64, digest->claims);
    put_u64(bytes + 72, digest->rates);
    tally_sha256 hash;
    tally_sha256__init(&hash);
    tally_sha256__update(&hash, "tally-input-1", 13);
    tally_sha256__update(&hash, bytes, sizeof(bytes));
    tally_sha256__final(&hash, out);
}
