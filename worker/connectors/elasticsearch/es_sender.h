/* The Elasticsearch sink's bulk processor (Confluent's BulkProcessor): put() adds each record's
 * action here and returns; a sender thread of its own cuts the actions into `_bulk` requests of
 * batch.size actions / bulk.size.bytes (a partial one once linger.ms passed), keeps up to
 * max.in.flight.requests of them on the wire, retries what the server could not take, and tracks
 * per partition which offsets are acknowledged, so pre-commit hands the worker only offsets of
 * indexed documents. Errors of an asynchronous batch are kept for the task to act on at its next
 * put() or pre-commit. */
#ifndef FERRY_ES_SENDER_H
#define FERRY_ES_SENDER_H

#include "es_http.h"
#include "es_sink.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct es_sender es_sender_t;
typedef struct es_tp es_tp_t; /* one topic partition's acknowledgement tracking */

typedef enum {
        ES_SENDER_OK,
        ES_SENDER_FAILED, /* a batch was not acknowledged within max.retries / flush.timeout.ms */
        ES_SENDER_FATAL,  /* the task must fail (malformed with FAIL, auth refused, other errors) */
} es_sender_state_t;

/* A document the server refused as malformed while the task reports such documents itself
 * (errors.tolerance=all): the task hands it to the errant record reporter, then settles it. */
typedef struct {
        es_tp_t *tp;
        uint64_t seq;
        int64_t offset;
        char *msg;
} es_report_t;

/* Starts the sender thread; takes http (freed by es_sender_free). report: malformed documents
 * are queued for es_sender_next_report() instead of being handled per
 * behavior.on.malformed.documents on the sender thread. */
es_sender_t *es_sender_new(const es_settings_t *s, es_http_t *http, ferry_task_t *t, bool report,
                           char *errstr, size_t errstr_size);
void es_sender_free(es_sender_t *b);

/* The tracking of a partition (created on first use; valid until es_sender_free). */
es_tp_t *es_sender_tp(es_sender_t *b, const char *topic, int32_t partition);
const char *es_tp_topic(const es_tp_t *tp);
int32_t es_tp_partition(const es_tp_t *tp);

/* Adds one action (its NDJSON lines) of the record at tp/offset. Blocks while
 * max.buffered.records are buffered, until deadline_ms (monotonic). 0 when added; -1 when the
 * sender failed meanwhile, the deadline passed or the task is stopping (es_sender_state()). */
int es_sender_add(es_sender_t *b, es_tp_t *tp, int64_t offset, const char *lines, size_t len,
                  int64_t deadline_ms);
/* A record handled without a request (dropped, skipped, reported): acknowledged in order. */
void es_sender_done(es_sender_t *b, es_tp_t *tp, int64_t offset);
/* A record acknowledged before the last rewind (indexed or reported): skip it when it comes again. */
bool es_sender_seen(es_sender_t *b, es_tp_t *tp, int64_t offset);

/* Sends the partial batch now and waits until every buffered action is acknowledged (true), or
 * until an error, the deadline or the task stopping (false). */
bool es_sender_drain(es_sender_t *b, int64_t deadline_ms);
/* ES_SENDER_OK, or the error with its message in msg. */
es_sender_state_t es_sender_state(es_sender_t *b, char *msg, size_t msg_size);
/* Takes the next malformed document to report (false: none); free r->msg, then es_sender_settle. */
bool es_sender_next_report(es_sender_t *b, es_report_t *r);
void es_sender_settle(es_sender_t *b, es_tp_t *tp, uint64_t seq);

/* The lowest unacknowledged offset of the partition (false: all acknowledged). */
bool es_sender_lowest(es_sender_t *b, const char *topic, int32_t partition, int64_t *offset);

/* Drops everything buffered or in flight and clears ES_SENDER_FAILED (a fatal error stays), so the
 * records can be consumed again from the offsets it calls seek() with: every partition's lowest
 * unacknowledged offset. The acknowledged offsets above it are remembered (es_sender_seen). */
void es_sender_rewind(es_sender_t *b,
                      void (*seek)(void *ctx, const char *topic, int32_t partition, int64_t offset),
                      void *ctx);
/* A partition (re)assigned: forget its tracking (the worker starts it at its committed offset). */
void es_sender_forget(es_sender_t *b, const char *topic, int32_t partition);

#endif
