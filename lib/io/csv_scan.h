/*
 * Finding the bytes that may stop unquoted CSV text, 64 bytes at a time: bit i of
 * the mask is set when byte i is non-ASCII or below '-' (NUL, LF, CR, '"', ',',
 * and also tab, space and `!#$%&'()*+`, which the tokeniser lets through one by
 * one). One mask per 64 bytes instead of a test per byte is what makes the
 * tokeniser fast: between two stops it does nothing at all. A single range keeps
 * the test to a few operations per 8 bytes; '-' and '.', frequent in dates and
 * amounts, are just outside it.
 *
 * Plain C on 64-bit words: the library is built without SIMD registers (see
 * no_float_args in lib/meson.build).
 */
#ifndef TALLY_IO_CSV_SCAN_H
#define TALLY_IO_CSV_SCAN_H

#include <stdint.h>
#include <string.h>

/* The first byte that does not stop text after the range of those that do. */
#define TALLY_CSV__FIRST_TEXT_BYTE '-'

/* The eight bytes at p with the first in the low bits, whatever the byte order. */
static inline uint64_t
tally_csv__load_word(const unsigned char *p)
{
    uint64_t word;
    memcpy(&word, p, sizeof(word));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    word = __builtin_bswap64(word);
#endif
    return word;
}

/* Bit 7 of each byte of the result is set where that byte of `word` is text: below
 * 0x80 and not below the range's end. The per-byte sum is on the low seven bits,
 * so it cannot carry into the next byte. */
static inline uint64_t
tally_csv__text_bytes(uint64_t word)
{
    const uint64_t ones = UINT64_C(0x0101010101010101);
    const uint64_t highs = UINT64_C(0x8080808080808080);
    return ((word & ~highs) + ones * (0x80 - TALLY_CSV__FIRST_TEXT_BYTE)) & ~word & highs;
}

/* The stop mask of p[0 .. 64): the complement of the text mask, which is gathered
 * from the high bits alone (no shift to bit 0 first). */
static inline uint64_t
tally_csv__stop_mask(const unsigned char *p)
{
    uint64_t text = 0;
    for (int i = 0; i < 8; i++) {
        uint64_t highs = tally_csv__text_bytes(tally_csv__load_word(p + 8 * i));
        /* Moves bit 8k+7 to bit 56+k: the products land on distinct bits, no carries. */
        text |= ((highs * UINT64_C(0x0002040810204081)) >> 56) << (8 * i);
    }
    return ~text;
}

#endif /* TALLY_IO_CSV_SCAN_H */
