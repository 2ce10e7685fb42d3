/*
 * The result digest, made on a second thread while the output is written.
 *
 * The library makes a result's digest the first time it is asked for; hashing
 * the canonical form takes about as long as writing the payout lines does. A run
 * that shows the digest at its end (the summary on standard error, a bundle) asks
 * for it here first, on a thread of its own, and the writing goes on meanwhile.
 * Whoever asks next waits for that thread inside the library, so nothing depends
 * on the order; tool_digest_ahead_end() joins it before the result is freed.
 */
#include "tally.h"

static void *
make_digest(void *argument)
{
    const tool_digest_ahead *ahead = argument;
    char digest[TALLY_RESULT_DIGEST_HEX_SIZE];
    tally_result_digest_hex(digest, sizeof(digest), ahead->result);
    return NULL;
}

void
tool_digest_ahead_begin(tool_digest_ahead *ahead, const tally_result *result, int wanted)
{
    ahead->result = result;
    /* A thread that cannot be made is no error: the digest is then made when shown. */
    ahead->started = wanted && pthread_create(&ahead->thread, NULL, make_digest, ahead) == 0;
}

void
tool_digest_ahead_end(tool_digest_ahead *ahead)
{
    if (ahead->started)
        pthread_join(ahead->thread, NULL);
    ahead->started = 0;
}
