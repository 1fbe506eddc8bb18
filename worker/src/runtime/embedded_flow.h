/* Source and sink tasks on the embedded broker (embedded_flow.c): the glue between the task
 * runners and the broker's flow control (kafka/embedded_gate.h). Every call is a no-op when the
 * worker runs on a real Kafka cluster. */
#ifndef FERRY_EMBEDDED_FLOW_H
#define FERRY_EMBEDDED_FLOW_H

#include "runtime/worker.h"

#include <librdkafka/rdkafka.h>

/* The gate of the worker's embedded cluster, NULL on a real cluster. */
struct ferry_gate *ferry_flow_gate(const ferry_task_t *t);
/* Names of the sink connectors of this worker that read topic (its `topics` or `topics.regex`),
 * whatever their state; free with ferry_strlist_free. */
char **ferry_flow_readers(ferry_worker_t *w, const char *topic, size_t *n);
/* Source side: waits until the gate takes `bytes` more for topic, serving the producer's delivery
 * reports meanwhile. 0, or -1 when the task is stopping first. */
int ferry_flow_admit(ferry_task_t *t, rd_kafka_t *rk, const char *topic, size_t bytes, size_t max_batch);

#endif
