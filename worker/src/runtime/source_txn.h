/* The transactional producer of an exactly-once source task (runtime/task_source.c): librdkafka's
 * transaction calls with the errors a source task reports, and the offset records written into
 * the task's open transaction. The runner's own transaction steps are in runtime/source_run.h. */
#ifndef FERRY_RUNTIME_SOURCE_TXN_H
#define FERRY_RUNTIME_SOURCE_TXN_H

#include <ferry/data.h>

#include <librdkafka/rdkafka.h>
#include <stdbool.h>

/* Each returns 0, or -1 with errstr; *fenced (when not NULL) tells a fenced producer (another
 * producer initialised the same transactional.id: this one must stop). */
int ferry_txn_init(rd_kafka_t *rk, int timeout_ms, char *errstr, size_t errstr_size);
int ferry_txn_begin(rd_kafka_t *rk, bool *fenced, char *errstr, size_t errstr_size);
/* Produces key ["<connector>",{partition}] -> {offset} for n partitions to topic, in the open
 * transaction (delivered with it by ferry_txn_commit). */
int ferry_txn_send_offsets(rd_kafka_t *rk, const char *topic, const char *connector,
                           ferry_value_t *const *partitions, ferry_value_t *const *offsets, size_t n,
                           char *errstr, size_t errstr_size);
/* Commits the open transaction; when the commit fails but the transaction can be aborted, it is
 * aborted before returning -1. */
int ferry_txn_commit(rd_kafka_t *rk, int timeout_ms, bool *fenced, char *errstr, size_t errstr_size);
int ferry_txn_abort(rd_kafka_t *rk, int timeout_ms, bool *fenced, char *errstr, size_t errstr_size);

#endif
