/*
 * The input digest must not depend on row order (domain.md 10), so each row is
 * hashed on its own and the hashes are added as 256-bit numbers; the sum and the
 * row counts are hashed once more at the end. Addition, unlike exclusive-or, does
 * not let two equal rows cancel out. A sum of hashes detects any accidental change
 * of the inputs, but it is not collision-resistant against someone crafting
 * inputs on purpose (generalized birthday attacks): to prove which files were
 * used, keep their own SHA-256 (the CLI's audit bundle does).
 */
#include <string.h>

#include "engine/engine.h"

/* Adds a row's SHA-256, read as a little-endian 256-bit number, to the sum. */
static void
add_to_sum(tally_input_digest *digest, const unsigned char value[TALLY_SHA256_SIZE])
{
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

/* A row is encoded as its kind, then every field as a 4-byte length and its bytes
 * (decimals as 16 coefficient bytes, scale and sign), so no two rows share an
 * encoding; the encoding is hashed in one piece. */
void
tally_engine__row_begin(tally_row_encoding *e, const char *kind)
{
    e->length = 0;
    tally_sha256__init(&e->hash);
    tally_engine__row_text(e, kind);
}

/* Buffered, so that a usual row is hashed in one call; long fields stream through. */
static void
append(tally_row_encoding *e, const void *data, size_t size)
{
    if (size == 0) /* an absent field has no bytes, and may have no pointer */
        return;
    if (size > sizeof(e->bytes) - e->length) {
        tally_sha256__update(&e->hash, e->bytes, e->length);
        e->length = 0;
        if (size > sizeof(e->bytes)) {
            tally_sha256__update(&e->hash, data, size);
            return;
        }
    }
    memcpy(e->bytes + e->length, data, size);
    e->length += size;
}

static void
append_length(tally_row_encoding *e, size_t length)
{
    unsigned char bytes[4] = {(unsigned char)length, (unsigned char)(length >> 8),
                              (unsigned char)(length >> 16), (unsigned char)(length >> 24)};
    append(e, bytes, 4);
}

void
tally_engine__row_text(tally_row_encoding *e, const char *text)
{
    size_t length = text ? strlen(text) : 0;
    append_length(e, length);
    append(e, text, length);
}

void
tally_engine__row_decimal(tally_row_encoding *e, const tally_decimal *value)
{
    unsigned char bytes[18];
    for (int i = 0; i < 8; i++) {
        bytes[i] = (unsigned char)(value->coefficient_lo >> (8 * i));
        bytes[8 + i] = (unsigned char)(value->coefficient_hi >> (8 * i));
    }
    bytes[16] = (unsigned char)value->scale;
    bytes[17] = (unsigned char)value->negative;
    append_length(e, sizeof(bytes));
    append(e, bytes, sizeof(bytes));
}

void
tally_engine__row_end(tally_input_digest *digest, tally_row_encoding *e)
{
    unsigned char value[TALLY_SHA256_SIZE];
    tally_sha256__update(&e->hash, e->bytes, e->length);
    tally_sha256__final(&e->hash, value);
    add_to_sum(digest, value);
}

void
tally_engine__digest_row(tally_input_digest *digest, const char *kind,
                         const char *const *fields, size_t field_count)
{
    tally_row_encoding e;
    tally_engine__row_begin(&e, kind);
    for (size_t i = 0; i < field_count; i++)
        tally_engine__row_text(&e, fields[i]);
    tally_engine__row_end(digest, &e);
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
