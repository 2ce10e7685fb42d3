/*
 * The context a session reports through, for readers that feed a session and
 * record errors of their own next to the session's (the CSV reader, bindings).
 */
#include "engine/engine.h"

tally_ctx *
tally_session_context(const tally_session *session)
{
    return session ? session->ctx : NULL;
}
