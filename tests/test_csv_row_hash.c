/*
 * The row hash the CSV reader computes with the texts' lengths known
 * (tally_engine__transaction_hash_sized(), which writes short rows straight into
 * its buffer) must be the hash the session computes without them
 * (tally_engine__transaction_hash()): for every text present or absent, empty or
 * not, of lengths around each copy's word sizes, an own or the plan's currency,
 * every flag, and encodings just under, at and over the buffer's size (those
 * over it are streamed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <tally/tally.h>

#include "engine/intake.h"

/* Bytes of a short row's encoding the sized hash writes in its buffer at most. */
#define BUFFER_SIZE 512u
/* The encoding's bytes besides the texts: "transaction" and its NUL, a NUL per
 * text, two flags, two decimals of 18 bytes. */
#define FIXED_BYTES (12u + TALLY_TRANSACTION_TEXTS + 2u + 36u)

/* The texts of one test row: each its own buffer, so lengths go up to 511. */
typedef struct row_texts {
    char text[TALLY_TRANSACTION_TEXTS][BUFFER_SIZE];
    size_t lengths[TALLY_TRANSACTION_TEXTS];
} row_texts;

static uint64_t
next_random(uint64_t *state)
{
    *state = *state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    return *state >> 33;
}

/* Text i of the row: `length` bytes that differ from text to text and row to row. */
static void
make_text(row_texts *texts, size_t i, size_t length, uint64_t seed)
{
    for (size_t k = 0; k < length; k++)
        texts->text[i][k] = (char)('A' + (seed + 7 * i + 3 * k) % 26);
    texts->text[i][length] = '\0';
    texts->lengths[i] = length;
}

/* The member of the transaction for text i, in the input digest's order. */
static const char **
text_member(tally_transaction *t, size_t i)
{
    const char **members[TALLY_TRANSACTION_TEXTS] = {
        &t->id,       &t->date,  &t->partner, &t->rep,   &t->product,           &t->category,
        &t->region,   &t->currency, &t->original_id, &t->split, &t->customer_category,
        &t->claim_date};
    return members[i];
}

/* Both hashes of the row; they must be equal. An absent text (`absent` bit i)
 * is NULL with length 0, or "" with length 0 when `empty` has bit i. */
static void
expect_same_hash(row_texts *texts, unsigned absent, unsigned empty, int flags,
                 uint64_t coefficient)
{
    tally_transaction t;
    memset(&t, 0, sizeof(t));
    t.size = sizeof(t);
    size_t lengths[TALLY_TRANSACTION_TEXTS];
    for (size_t i = 0; i < TALLY_TRANSACTION_TEXTS; i++) {
        const char **member = text_member(&t, i);
        lengths[i] = texts->lengths[i];
        *member = texts->text[i];
        if (absent & (1u << i)) {
            *member = empty & (1u << i) ? "" : NULL;
            lengths[i] = 0;
        }
    }
    t.deal_registered = flags & 1;
    t.new_customer = (flags >> 1) % 3 - 1;
    t.quantity.coefficient_lo = coefficient;
    t.quantity.scale = (int32_t)(coefficient % 7);
    t.quantity.negative = (int)(coefficient & 1);
    t.amount.coefficient_lo = coefficient * 31 + 5;
    t.amount.coefficient_hi = coefficient % 3;
    t.amount.scale = 2;
    tally_row_hash sized, reference;
    tally_engine__transaction_hash_sized("EUR", &t, lengths, &sized);
    tally_engine__transaction_hash("EUR", &t, &t.amount, &reference);
    assert_int_equal(sized.low, reference.low);
    assert_int_equal(sized.high, reference.high);
}

/* Random rows: texts of 0 to 40 bytes (most of them short), any of them absent. */
static void
random_rows_hash_alike(void **state)
{
    (void)state;
    static row_texts texts;
    uint64_t random = 1;
    for (int row = 0; row < 20000; row++) {
        for (size_t i = 0; i < TALLY_TRANSACTION_TEXTS; i++) {
            uint64_t pick = next_random(&random);
            size_t length = pick % 4 == 0 ? pick / 4 % 41 : pick / 4 % 18;
            make_text(&texts, i, length, (uint64_t)row);
        }
        unsigned absent = (unsigned)next_random(&random) & 0xfffu;
        unsigned empty = (unsigned)next_random(&random) & 0xfffu;
        int flags = (int)(next_random(&random) % 6);
        expect_same_hash(&texts, absent, empty, flags, next_random(&random));
    }
}

/* Every length from 0 to 40 for each text alone, the others short. */
static void
each_length_of_each_text_hashes_alike(void **state)
{
    (void)state;
    static row_texts texts;
    for (size_t i = 0; i < TALLY_TRANSACTION_TEXTS; i++) {
        for (size_t length = 0; length <= 40; length++) {
            for (size_t other = 0; other < TALLY_TRANSACTION_TEXTS; other++)
                make_text(&texts, other, other == i ? length : 3, length);
            expect_same_hash(&texts, 0, 0, 1, length);
            /* The currency absent: the plan's code stands in. */
            expect_same_hash(&texts, 1u << 7, 0, 2, length);
            expect_same_hash(&texts, 1u << 7, 1u << 7, 3, length);
        }
    }
}

/* Encodings of BUFFER_SIZE - 2 to BUFFER_SIZE + 2 bytes, the long texts in
 * different places: those over the buffer's size are streamed. */
static void
rows_around_the_buffer_size_hash_alike(void **state)
{
    (void)state;
    static row_texts texts;
    for (size_t total = BUFFER_SIZE - 2; total <= BUFFER_SIZE + 2; total++) {
        size_t text_bytes = total - FIXED_BYTES;
        for (size_t i = 0; i < TALLY_TRANSACTION_TEXTS; i++) {
            /* Text i takes most of the bytes, the others one each. */
            for (size_t other = 0; other < TALLY_TRANSACTION_TEXTS; other++)
                make_text(&texts, other, 1, other);
            make_text(&texts, i, text_bytes - (TALLY_TRANSACTION_TEXTS - 1), total);
            expect_same_hash(&texts, 0, 0, 0, total);
            /* Spread over all of them. */
            for (size_t other = 0; other < TALLY_TRANSACTION_TEXTS; other++) {
                size_t share = text_bytes / TALLY_TRANSACTION_TEXTS;
                make_text(&texts, other,
                          share + (other < text_bytes % TALLY_TRANSACTION_TEXTS), other + i);
            }
            expect_same_hash(&texts, 0, 0, 5, total + i);
        }
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_rows_hash_alike),
        cmocka_unit_test(each_length_of_each_text_hashes_alike),
        cmocka_unit_test(rows_around_the_buffer_size_hash_alike),
    };
    return cmocka_run_group_tests_name("csv_row_hash", tests, NULL, NULL);
}
