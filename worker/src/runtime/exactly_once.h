/* Exactly-once source support (Connect's KIP-618): the worker level of exactly.once.source.support,
 * the connector checks /config/validate and creation run, transactional ids as Connect forms them,
 * the transaction boundary of a connector, and zombie fencing (the leader, the offsets API). */
#ifndef FERRY_RUNTIME_EXACTLY_ONCE_H
#define FERRY_RUNTIME_EXACTLY_ONCE_H

#include "runtime/worker.h"

typedef enum {
        FERRY_EOS_DISABLED = 0,
        FERRY_EOS_PREPARING = 1,
        FERRY_EOS_ENABLED = 2,
} ferry_eos_level_t;

typedef enum {
        FERRY_BOUNDARY_POLL,
        FERRY_BOUNDARY_INTERVAL,
        FERRY_BOUNDARY_CONNECTOR,
} ferry_boundary_t;

/* exactly.once.source.support of a worker config. */
ferry_eos_level_t ferry_eos_level(const ferry_strmap_t *worker);
/* ferry_eos_validate() is declared in runtime/worker.h (the validation there calls it). */
/* "<group.id>-<connector>-<task>", the transactional.id of a source task's producer. */
void ferry_eos_transactional_id(const ferry_strmap_t *worker, const char *connector, int task, char *out,
                                size_t out_size);
/* transaction.boundary of a connector config, and the interval of "interval" (its
 * transaction.boundary.interval.ms, else the worker's offset.flush.interval.ms). */
ferry_boundary_t ferry_eos_boundary(const ferry_strmap_t *conn_config);
int64_t ferry_eos_boundary_interval(const ferry_strmap_t *worker, const ferry_strmap_t *conn_config);
/* Whether the task runs with a transactional producer. */
bool ferry_eos_task_enabled(const ferry_task_t *t);
/* Fences the producers of tasks 0..n_tasks-1 of a connector: each transactional id is initialised
 * by a new producer, which bumps its epoch and aborts its open transaction, so an older producer
 * with that id can no longer write or commit. 0, or -1 with errstr. */
int ferry_eos_fence(const ferry_strmap_t *worker, const ferry_strmap_t *conn_config, const char *connector,
                    int n_tasks, char *errstr, size_t errstr_size);
/* Source tasks in distributed mode: opens the connector's offsets.storage.topic as t->own_offsets
 * when it names a topic other than the worker's (read first, the worker's as fallback). */
int ferry_eos_open_own_offsets(ferry_task_t *t, char *errstr, size_t errstr_size);

#endif
