/**
 * @file digest.h
 * @brief SHA-256 of caller data, one shot or in pieces, as hexadecimal text.
 *
 * The digests tally computes itself (plan, input and result digests) are SHA-256;
 * these functions give callers the same hash for their own bytes, for example to
 * record the SHA-256 of each input file of a run beside the result digest, so that
 * an auditor can prove which files were used (the input digest of result.h is
 * order-independent and not collision-resistant against crafted inputs).
 *
 * A file of any size is hashed in constant memory by feeding it in chunks:
 *
 * @code
 * tally_sha256_state state;
 * char hex[TALLY_SHA256_HEX_SIZE];
 * tally_sha256_init(&state);
 * while ((got = fread(buffer, 1, sizeof(buffer), file)) > 0)
 *     tally_sha256_update(&state, buffer, got);
 * tally_sha256_final_hex(&state, hex, sizeof(hex));
 * @endcode
 *
 * The functions use no context and no allocation; a state is used by one thread
 * at a time.
 */
#ifndef TALLY_DIGEST_H
#define TALLY_DIGEST_H

#include "tally/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Buffer size for a SHA-256 digest in hexadecimal: 64 digits and a NUL. */
#define TALLY_SHA256_HEX_SIZE 65

/**
 * @brief The state of a SHA-256 computation fed in pieces. Opaque: sized so that
 *        it can live on the stack; its contents are private.
 * @since 0.1.0
 */
typedef struct tally_sha256_state {
    /** Private. */
    uint64_t opaque[16];
} tally_sha256_state;

/**
 * @brief Starts a SHA-256 computation.
 * @param[out] state the state to initialise.
 * @returns ::TALLY_OK or ::TALLY_ERR_INVALID_ARGUMENT for NULL.
 * @since 0.1.0
 */
TALLY_API int
tally_sha256_init(tally_sha256_state *state);

/**
 * @brief Feeds bytes; pieces of any size give the same digest as the whole.
 * @param[in,out] state the state, initialised by tally_sha256_init().
 * @param[in]     data  the bytes; may be NULL when @p size is 0.
 * @param[in]     size  bytes in @p data.
 * @returns ::TALLY_OK or ::TALLY_ERR_INVALID_ARGUMENT (NULL state, or NULL data
 *          with a non-zero size).
 * @since 0.1.0
 */
TALLY_API int
tally_sha256_update(tally_sha256_state *state, const void *data, size_t size);

/**
 * @brief Finishes the computation and writes the digest as 64 lower-case
 *        hexadecimal digits and a NUL. The state must be initialised again before
 *        another use.
 * @param[in,out] state    the state.
 * @param[out]    out      at least ::TALLY_SHA256_HEX_SIZE bytes.
 * @param[in]     out_size size of @p out.
 * @returns ::TALLY_OK; ::TALLY_ERR_BUFFER_TOO_SMALL (the state is left as it was);
 *          ::TALLY_ERR_INVALID_ARGUMENT for a NULL argument.
 * @since 0.1.0
 */
TALLY_API int
tally_sha256_final_hex(tally_sha256_state *state, char *out, size_t out_size);

/**
 * @brief SHA-256 of a buffer, as 64 lower-case hexadecimal digits and a NUL.
 * @param[out] out      at least ::TALLY_SHA256_HEX_SIZE bytes.
 * @param[in]  out_size size of @p out.
 * @param[in]  data     the bytes; may be NULL when @p size is 0.
 * @param[in]  size     bytes in @p data.
 * @returns ::TALLY_OK, ::TALLY_ERR_BUFFER_TOO_SMALL or ::TALLY_ERR_INVALID_ARGUMENT.
 * @since 0.1.0
 */
TALLY_API int
tally_sha256_hex(char *out, size_t out_size, const void *data, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* TALLY_DIGEST_H */
