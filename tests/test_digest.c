/*
 * SHA-256 wrapper against the FIPS 180-2 test vectors, and the public functions of
 * <tally/digest.h> (one shot and in pieces) against the same vectors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/digest.h"
#include "tally/digest.h"

static void
check_vector(const char *message, size_t repeat, const char *expected)
{
    tally_sha256 hash;
    tally_sha256__init(&hash);
    for (size_t i = 0; i < repeat; i++)
        tally_sha256__update(&hash, message, strlen(message));
    unsigned char digest[TALLY_SHA256_SIZE];
    tally_sha256__final(&hash, digest);
    char hex[TALLY_SHA256_HEX_SIZE];
    tally_sha256__hex(hex, digest);
    assert_string_equal(hex, expected);
}

static void
known_vectors(void **state)
{
    (void)state;
    check_vector("", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check_vector("abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check_vector("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
                 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    check_vector("a", 1000000,
                 "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Feeding the same bytes in different pieces gives the same digest. */
static void
pieces_do_not_matter(void **state)
{
    (void)state;
    const char *text = "tally plan canonical form";
    unsigned char whole[TALLY_SHA256_SIZE], split[TALLY_SHA256_SIZE];
    tally_sha256 hash;
    tally_sha256__init(&hash);
    tally_sha256__update(&hash, text, strlen(text));
    tally_sha256__final(&hash, whole);
    tally_sha256__init(&hash);
    for (size_t i = 0; i < strlen(text); i++)
        tally_sha256__update(&hash, text + i, 1);
    tally_sha256__final(&hash, split);
    assert_memory_equal(whole, split, sizeof(whole));
}

/* The public functions: one shot, in pieces, buffer sizes and NULL arguments. */
static void
public_functions(void **state)
{
    (void)state;
    char hex[TALLY_SHA256_HEX_SIZE];
    assert_int_equal(tally_sha256_hex(hex, sizeof(hex), "abc", 3), TALLY_OK);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(tally_sha256_hex(hex, sizeof(hex), NULL, 0), TALLY_OK);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

    /* A million 'a' in pieces of 1, 999 and 1000 bytes. */
    static char block[1000];
    memset(block, 'a', sizeof(block));
    tally_sha256_state sha;
    assert_int_equal(tally_sha256_init(&sha), TALLY_OK);
    assert_int_equal(tally_sha256_update(&sha, block, 1), TALLY_OK);
    assert_int_equal(tally_sha256_update(&sha, block, 999), TALLY_OK);
    assert_int_equal(tally_sha256_update(&sha, NULL, 0), TALLY_OK);
    for (int i = 1; i < 1000; i++)
        assert_int_equal(tally_sha256_update(&sha, block, sizeof(block)), TALLY_OK);
    /* Too small a buffer leaves the state usable. */
    char small[TALLY_SHA256_HEX_SIZE - 1];
    assert_int_equal(tally_sha256_final_hex(&sha, small, sizeof(small)),
                     TALLY_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(tally_sha256_final_hex(&sha, hex, sizeof(hex)), TALLY_OK);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

    /* The same bytes give the internal digest. */
    tally_sha256 internal;
    unsigned char digest[TALLY_SHA256_SIZE];
    char internal_hex[TALLY_SHA256_HEX_SIZE];
    tally_sha256__init(&internal);
    tally_sha256__update(&internal, "tally", 5);
    tally_sha256__final(&internal, digest);
    tally_sha256__hex(internal_hex, digest);
    assert_int_equal(tally_sha256_hex(hex, sizeof(hex), "tally", 5), TALLY_OK);
    assert_string_equal(hex, internal_hex);

    assert_int_equal(tally_sha256_hex(small, sizeof(small), "abc", 3), TALLY_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(tally_sha256_hex(NULL, sizeof(hex), "abc", 3), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_sha256_hex(hex, sizeof(hex), NULL, 3), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_sha256_init(NULL), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_sha256_update(NULL, "a", 1), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_sha256_init(&sha), TALLY_OK);
    assert_int_equal(tally_sha256_update(&sha, NULL, 1), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_sha256_final_hex(NULL, hex, sizeof(hex)), TALLY_ERR_INVALID_ARGUMENT);
    assert_int_equal(tally_sha256_final_hex(&sha, NULL, sizeof(hex)), TALLY_ERR_INVALID_ARGUMENT);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_vectors),
        cmocka_unit_test(pieces_do_not_matter),
        cmocka_unit_test(public_functions),
    };
    return cmocka_run_group_tests_name("digest", tests, NULL, NULL);
}
