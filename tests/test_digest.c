/*
 * SHA-256 wrapper against the FIPS 180-2 test vectors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/digest.h"

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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_vectors),
        cmocka_unit_test(pieces_do_not_matter),
    };
    return cmocka_run_group_tests_name("digest", tests, NULL, NULL);
}
