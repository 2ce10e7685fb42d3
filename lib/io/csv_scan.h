/*
 * Finding the bytes that may stop unquoted CSV text, 64 bytes at a time: bit i of
 * the mask is set when byte i is non-ASCII or below '-' (NUL, LF, CR, '"', ',',
 * and also tab, space and `!#$%&'()*+`, which the tokeniser lets through one by
 * one). One mask per 64 bytes instead of a test per byte is what makes the
 * tokeniser fast: between two stops it does nothing at all. A single range keeps
 * the test to a few operations per 8 bytes; '-' and '.', frequent in dates and
 * amounts, are just outside it.
 *
 * The library is built without SIMD registers (no_float_args in lib/meson.build:
 * no binary floating point can slip in). The one exception is this byte compare
 * on x86-64: SSE2, part of every x86-64 processor, enabled for that function
 * alone; it takes a sixth of the instructions of the 64-bit-word version, which
 * every other platform uses (and the tests check the two agree).
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

/* The stop mask of p[0 .. 64) in 64-bit words: the complement of the text mask,
 * which is gathered from the high bits alone (no shift to bit 0 first). */
static inline uint64_t
tally_csv__stop_mask_words(const unsigned char *p)
{
    uint64_t text = 0;
    for (int i = 0; i < 8; i++) {
        uint64_t highs = tally_csv__text_bytes(tally_csv__load_word(p + 8 * i));
        /* Moves bit 8k+7 to bit 56+k: the products land on distinct bits, no carries. */
        text |= ((highs * UINT64_C(0x0002040810204081)) >> 56) << (8 * i);
    }
    return ~text;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <emmintrin.h>
#define TALLY_CSV__STOP_MASK_SSE2 1

/* The same mask with SSE2: as signed bytes, the stops (below the range's end, or
 * 0x80 and above) are exactly those less than TALLY_CSV__FIRST_TEXT_BYTE. */
static inline __attribute__((target("sse2"))) uint64_t
tally_csv__stop_mask(const unsigned char *p)
{
    const __m128i first_text = _mm_set1_epi8(TALLY_CSV__FIRST_TEXT_BYTE);
    uint64_t mask = 0;
    for (int i = 0; i < 4; i++) {
        __m128i bytes = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
        uint64_t bits = (uint16_t)_mm_movemask_epi8(_mm_cmpgt_epi8(first_text, bytes));
        mask |= bits << (16 * i);
    }
    return mask;
}
#else
static inline uint64_t
tally_csv__stop_mask(const unsigned char *p)
{
    return tally_csv__stop_mask_words(p);
}
#endif

#endif /* TALLY_IO_CSV_SCAN_H */
