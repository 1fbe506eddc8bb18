/* The retry/tolerance operator of a task (Connect's RetryWithToleranceOperator with its log and
 * dead letter queue reporters). Every stage of the data path (poll, converters, transforms,
 * produce, consume, put) reports a failure here and is told what to do next: retry the operation
 * (after an exponential backoff from 300 ms, capped by errors.retry.delay.max.ms, for up to
 * errors.retry.timeout), skip the record (errors.tolerance=all; logged with errors.log.enable and,
 * for sinks, written to errors.deadletterqueue.topic.name), or fail the task with a Java-like trace.
 * Conversion and transformation failures are retried (when retriable) and tolerated; elsewhere only
 * retriable errors are. One instance per task, used from the task's thread only. */
#ifndef FERRY_ERROR_HANDLER_H
#define FERRY_ERROR_HANDLER_H

#include "runtime/worker.h"

#include <librdkafka/rdkafka.h>

typedef enum {
        FERRY_STAGE_TASK_POLL,
        FERRY_STAGE_TASK_PUT,
        FERRY_STAGE_TRANSFORMATION,
        FERRY_STAGE_KEY_CONVERTER,
        FERRY_STAGE_VALUE_CONVERTER,
        FERRY_STAGE_HEADER_CONVERTER,
        FERRY_STAGE_KAFKA_PRODUCE,
        FERRY_STAGE_KAFKA_CONSUME,
} ferry_stage_t;

const char *ferry_stage_name(ferry_stage_t stage);

typedef enum {
        FERRY_ERRH_RETRY, /* run the operation again (the backoff has been waited) */
        FERRY_ERRH_SKIP,  /* tolerated: drop the record (already logged / sent to the DLQ) */
        FERRY_ERRH_FAIL,  /* fail the task; the trace is filled */
        FERRY_ERRH_STOP,  /* the task was asked to stop while waiting to retry */
} ferry_errh_action_t;

/* Retry state of one operation; zero it before the first attempt. */
typedef struct {
        int64_t start;
        int attempts;
} ferry_errh_attempt_t;

/* What the failing operation worked on, for the log and the dead letter queue. */
typedef struct {
        const rd_kafka_message_t *consumed; /* sinks: the message as consumed (DLQ keeps its bytes) */
        const ferry_record_t *record;       /* the Connect record, when there is one */
} ferry_errh_ctx_t;

typedef struct ferry_errh ferry_errh_t;

/* Reads the errors.* keys of the task's connector config. For sinks with a dead letter queue topic,
 * creates its producer and the topic (1 partition, the configured replication factor) when it does
 * not exist. NULL with errstr on failure. */
ferry_errh_t *ferry_errh_new(ferry_task_t *t, bool sink, char *errstr, size_t errstr_size);
void ferry_errh_free(ferry_errh_t *h);

/* Reports a failure of `stage` (run by plugin `class_name`) with error `err` and its message. */
ferry_errh_action_t ferry_errh_failed(ferry_errh_t *h, ferry_errh_attempt_t *a, ferry_stage_t stage,
                                      const char *class_name, ferry_err_t err, const char *message,
                                      const ferry_errh_ctx_t *ctx, char *trace, size_t trace_size);

/* A record the task reported as failed (the errant record reporter): never retried, tolerated
 * with errors.tolerance=all (logged, sent to the dead letter queue: SKIP), else FAIL with the
 * "Tolerance exceeded" trace. */
ferry_errh_action_t ferry_errh_report(ferry_errh_t *h, ferry_stage_t stage, const char *class_name,
                                      const char *message, const ferry_errh_ctx_t *ctx, char *trace,
                                      size_t trace_size);

/* errors.tolerance=all. */
bool ferry_errh_tolerates_all(const ferry_errh_t *h);
/* Serves the dead letter queue producer's delivery reports (cheap; call once per batch). */
void ferry_errh_poll(ferry_errh_t *h);
/* Waits until every dead letter queue record is acknowledged, before consumer offsets are
 * committed past the failed records. 0 when done; -1 when records are still outstanding. */
int ferry_errh_flush(ferry_errh_t *h, int timeout_ms);
/* Records skipped so far. */
uint64_t ferry_errh_skipped(const ferry_errh_t *h);

#endif
