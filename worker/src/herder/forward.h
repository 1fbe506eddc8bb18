/* Request forwarding of distributed mode: a REST write that only the leader may make (or a task
 * restart, which the task's owner makes) received by another worker is sent on, server-side, to
 * that worker's REST API, and its answer mapped back to a herder result. */
#ifndef FERRY_HERDER_FORWARD_H
#define FERRY_HERDER_FORWARD_H

#include "herder/herder.h"

/* Sends METHOD <base><before><URL-escaped name><after> with body (may be NULL) and waits for the
 * answer (85 s at most). base NULL: no leader is known, answered CONFLICT with Connect's message.
 * *status (may be NULL) gets the HTTP status; errstr the message of a failure (the remote's
 * "message" when it gave one). */
ferry_herder_rc_t ferry_forward(const char *base, const char *method, const char *before, const char *name,
                                const char *after, const char *body, long *status, char *errstr,
                                size_t errstr_size);

#endif
