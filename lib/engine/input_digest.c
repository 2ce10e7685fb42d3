/*
 * The input digest must not depend on row order (domain.md 10), so each row is
 * hashed on its own and the hashes are added as 256-bit numbers; the sum and the
 * row counts are hashed once more, with SHA-256, at the end. Addition, unlike
 * exclusive-or, does not let two equal rows cancel out.
 *
 * A row is hashed with XXH3-128 (libxxhash), not SHA-256: at ten million rows a
 * second a per-row SHA-256 alone would take the whole time budget. A sum of hashes
 * is not collision-resistant against inputs crafted on purpose whatever the row
 * hash (generalized birthday attacks), so a cryptographic row hash bought nothing
 * an auditor can rely on; what the digest is for — detecting any accidental change
 * of the inputs — a 128-bit hash does as well. To prove which files were used,
 * keep their own SHA-256 (the CLI's audit bundle does).
 */
#include <string.h>

#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack: no allocation per row */
#include <xxhash.h>

#include "engine/engine.h"

/* Adds a row's 128-bit hash to the 256-bit sum. */
static void
add_to_sum(tally_input_digest *digest, uint64_t low, uint64_t high)
{
    uint64_t sum = digest->sum[0] + low;
    uint64_t carry = sum < low;
    digest->sum[0] = sum;
    sum = digest->sum[1] + high;
    uint64_t next = sum < high;
    sum += carry;
    next |= sum < carry;
    digest->sum[1] = sum;
    digest->sum[2] += next;
    digest->sum[3] += digest->sum[2] == 0 && next;
}

/* A row is encoded as its kind, then its fields in a fixed order for the kind:
 * texts ended by a NUL byte (which no C string contains; absent and empty are the
 * same), flags as one byte each, decimals as 18 bytes (16 coefficient bytes, scale
 * and sign), so no two rows share an encoding. A usual row fits the buffer and is
 * hashed in one call; a longer one streams through the hash state. */
typedef struct row_encoding {
    unsigned char bytes[512];
    size_t length;
    int streaming;
    XXH3_state_t state;
} row_encoding;

static void
spill(row_encoding *e)
{
    if (!e->streaming) {
        XXH3_128bits_reset(&e->state);
        e->streaming = 1;
    }
    XXH3_128bits_update(&e->state, e->bytes, e->length);
    e->length = 0;
}

static void
append(row_encoding *e, const void *data, size_t size)
{
    if (size == 0) /* no flags: no bytes, and maybe no pointer */
        return;
    if (size > sizeof(e->bytes) - e->length) {
        spill(e);
        if (size > sizeof(e->bytes)) {
            XXH3_128bits_update(&e->state, data, size);
            return;
        }
    }
    memcpy(e->bytes + e->length, data, size);
    e->length += size;
}

/* n bytes (n >= 1) from `from` to `to` without a call: a row's texts are short,
 * and two overlapping word moves cost less than memcpy's call and dispatch. */
static inline void
copy_short(unsigned char *to, const char *from, size_t n)
{
    if (n > 16) {
        memcpy(to, from, n);
    } else if (n >= 8) {
        uint64_t head, tail;
        memcpy(&head, from, 8);
        memcpy(&tail, from + n - 8, 8);
        memcpy(to, &head, 8);
        memcpy(to + n - 8, &tail, 8);
    } else if (n >= 4) {
        uint32_t head, tail;
        memcpy(&head, from, 4);
        memcpy(&tail, from + n - 4, 4);
        memcpy(to, &head, 4);
        memcpy(to + n - 4, &tail, 4);
    } else {
        to[0] = (unsigned char)from[0];
        to[n / 2] = (unsigned char)from[n / 2];
        to[n - 1] = (unsigned char)from[n - 1];
    }
}

/* The texts with their NULs, the write position kept in a register (a row has a
 * dozen texts, and memcpy could alias e->length). `lengths`, when given, holds
 * each text's strlen (0 for NULL), which the caller knew. An empty text is its
 * NUL alone, the same bytes as an absent one. */
static void
append_texts(row_encoding *e, const char *const *texts, const size_t *lengths, size_t count)
{
    unsigned char *out = e->bytes + e->length;
    const unsigned char *end = e->bytes + sizeof(e->bytes);
    for (size_t i = 0; i < count; i++) {
        const char *text = texts[i];
        if (!text) {
            if (out == end) {
                e->length = (size_t)(out - e->bytes);
                spill(e);
                out = e->bytes;
            }
            *out++ = 0;
            continue;
        }
        size_t size = (lengths ? lengths[i] : strlen(text)) + 1;
        if (size > (size_t)(end - out)) {
            e->length = (size_t)(out - e->bytes);
            append(e, text, size);
            out = e->bytes + e->length;
        } else {
            copy_short(out, text, size);
            out += size;
        }
    }
    e->length = (size_t)(out - e->bytes);
}

static void
put_u64(unsigned char out[8], uint64_t value)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(out, &value, 8); /* the same bytes, in one store */
#else
    for (int byte = 0; byte < 8; byte++)
        out[byte] = (unsigned char)(value >> (8 * byte));
#endif
}

/* A decimal's 18 bytes at `out`: 16 coefficient bytes, scale and sign. */
static inline unsigned char *
put_decimal(unsigned char *out, const tally_decimal *value)
{
    put_u64(out, value->coefficient_lo);
    put_u64(out + 8, value->coefficient_hi);
    out[16] = (unsigned char)value->scale;
    out[17] = (unsigned char)value->negative;
    return out + 18;
}

static void
append_decimal(row_encoding *e, const tally_decimal *value)
{
    unsigned char bytes[18];
    put_decimal(bytes, value);
    append(e, bytes, sizeof(bytes));
}

/* A transaction's two flag bytes. deal registered: 1 no, 2 yes; new customer:
 * 0 unknown, 1 no, 2 yes. */
static inline void
put_transaction_flags(unsigned char out[2], const tally_transaction *t)
{
    out[0] = t->deal_registered ? 2 : 1;
    out[1] = t->new_customer < 0 ? 0 : t->new_customer ? 2 : 1;
}

/* The 128-bit hash of one row's encoding. */
static void
hash_fields(const char *kind, const char *const *texts, const size_t *lengths, size_t text_count,
            const unsigned char *flags, size_t flag_count, const tally_decimal *const *decimals,
            size_t decimal_count, tally_row_hash *out)
{
    row_encoding e;
    e.length = 0;
    e.streaming = 0;
    append_texts(&e, &kind, NULL, 1);
    append_texts(&e, texts, lengths, text_count);
    append(&e, flags, flag_count);
    for (size_t i = 0; i < decimal_count; i++)
        append_decimal(&e, decimals[i]);
    XXH128_hash_t value;
    if (e.streaming) {
        spill(&e);
        value = XXH3_128bits_digest(&e.state);
    } else {
        value = XXH3_128bits(e.bytes, e.length);
    }
    out->low = value.low64;
    out->high = value.high64;
}

void
tally_engine__digest_fields(tally_input_digest *digest, const char *kind,
                            const char *const *texts, size_t text_count,
                            const unsigned char *flags, size_t flag_count,
                            const tally_decimal *const *decimals, size_t decimal_count)
{
    if (!digest->wanted)
        return;
    tally_row_hash hash;
    hash_fields(kind, texts, NULL, text_count, flags, flag_count, decimals, decimal_count, &hash);
    tally_engine__digest_add(digest, &hash);
}

void
tally_engine__digest_add(tally_input_digest *digest, const tally_row_hash *hash)
{
    add_to_sum(digest, hash->low, hash->high);
}

/* A transaction's hash; `lengths` as for append_texts(). */
static void
hash_transaction(const char *plan_currency, const tally_transaction *t,
                 const tally_decimal *amount, const size_t *lengths, tally_row_hash *out)
{
    int own_currency = t->currency && t->currency[0];
    const char *text[TALLY_TRANSACTION_TEXTS] = {
        t->id,       t->date,       t->partner,     t->rep,
        t->product,  t->category,   t->region,      own_currency ? t->currency : plan_currency,
        t->original_id, t->split,   t->customer_category, t->claim_date};
    size_t sized[TALLY_TRANSACTION_TEXTS];
    if (lengths && !own_currency) { /* the plan's code stands in for an absent one */
        memcpy(sized, lengths, sizeof(sized));
        sized[7] = strlen(plan_currency);
        lengths = sized;
    }
    unsigned char flags[2];
    put_transaction_flags(flags, t);
    const tally_decimal *decimals[] = {&t->quantity, amount};
    hash_fields("transaction", text, lengths, TALLY_TRANSACTION_TEXTS, flags, sizeof(flags),
                decimals, sizeof(decimals) / sizeof(decimals[0]), out);
}

void
tally_engine__transaction_hash(const char *plan_currency, const tally_transaction *t,
                               const tally_decimal *amount, tally_row_hash *out)
{
    hash_transaction(plan_currency, t, amount, NULL, out);
}

/* A text of known length and its NUL at `out`; returns the byte after them. An
 * absent text (length 0) is its NUL alone, as in append_texts(). */
static inline unsigned char *
put_sized_text(unsigned char *out, const char *text, size_t length)
{
    if (length == 0) {
        *out = 0;
        return out + 1;
    }
    copy_short(out, text, length + 1); /* the text's own NUL comes along */
    return out + length + 1;
}

/*
 * The bytes of hash_fields() for a transaction whose text lengths are known: the
 * encoding's length is their sum plus a constant, so when it fits `room` it is
 * written straight through, with no bound check or spill per text, and the texts
 * are taken from their members one by one (no array of them to build). Returns
 * 0, having written nothing, when it does not fit.
 */
static size_t
encode_sized(unsigned char *bytes, size_t room, const tally_transaction *t,
             const char *currency, size_t currency_length, const size_t *lengths)
{
    static const char kind[] = "transaction";
    size_t length = sizeof(kind) + TALLY_TRANSACTION_TEXTS + 2 + 2 * 18 + lengths[0] +
                    lengths[1] + lengths[2] + lengths[3] + lengths[4] + lengths[5] +
                    lengths[6] + currency_length + lengths[8] + lengths[9] + lengths[10] +
                    lengths[11];
    if (length > room)
        return 0;
    unsigned char *out = bytes;
    memcpy(out, kind, sizeof(kind));
    out = put_sized_text(out + sizeof(kind), t->id, lengths[0]);
    out = put_sized_text(out, t->date, lengths[1]);
    out = put_sized_text(out, t->partner, lengths[2]);
    out = put_sized_text(out, t->rep, lengths[3]);
    out = put_sized_text(out, t->product, lengths[4]);
    out = put_sized_text(out, t->category, lengths[5]);
    out = put_sized_text(out, t->region, lengths[6]);
    out = put_sized_text(out, currency, currency_length);
    out = put_sized_text(out, t->original_id, lengths[8]);
    out = put_sized_text(out, t->split, lengths[9]);
    out = put_sized_text(out, t->customer_category, lengths[10]);
    out = put_sized_text(out, t->claim_date, lengths[11]);
    put_transaction_flags(out, t);
    out = put_decimal(out + 2, &t->quantity);
    put_decimal(out, &t->amount);
    return length;
}

void
tally_engine__transaction_hash_sized(const char *plan_currency, const tally_transaction *t,
                                     const size_t lengths[TALLY_TRANSACTION_TEXTS],
                                     tally_row_hash *out)
{
    int own_currency = t->currency && t->currency[0];
    const char *currency = own_currency ? t->currency : plan_currency;
    size_t currency_length = own_currency ? lengths[7] : strlen(plan_currency);
    unsigned char bytes[sizeof(((row_encoding *)0)->bytes)];
    size_t length = encode_sized(bytes, sizeof(bytes), t, currency, currency_length, lengths);
    if (length == 0) { /* a long row: streamed, as any other */
        hash_transaction(plan_currency, t, &t->amount, lengths, out);
        return;
    }
    XXH128_hash_t value = XXH3_128bits(bytes, length);
    out->low = value.low64;
    out->high = value.high64;
}

void
tally_engine__digest_row(tally_input_digest *digest, const char *kind,
                         const char *const *fields, size_t field_count)
{
    tally_engine__digest_fields(digest, kind, fields, field_count, NULL, 0, NULL, 0);
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
    tally_sha256__update(&hash, "tally-input-2", 13);
    tally_sha256__update(&hash, bytes, sizeof(bytes));
    tally_sha256__final(&hash, out);
}
