/* The status topic of distributed mode, in Connect's record formats: status-connector-<name> and
 * status-task-<name>-<n> ({"state","trace","worker_id","generation"}), and the active-topic records
 * status-topic-<topic>:connector-<name> ({"topic":{"name","connector","task","discoverTimestamp"}}).
 * A reader thread keeps the newest status of every connector and task, and the topic records;
 * the herder publishes the states of what runs on this worker and the topics its tasks use. */
#ifndef FERRY_STORAGE_STATUS_STORE_H
#define FERRY_STORAGE_STATUS_STORE_H

#include "kafka/kafka_log.h"
#include "runtime/worker.h"

typedef struct ferry_status_store ferry_status_store_t;

/* Called (on the reader thread, no lock held) when a topic record of connector conn is deleted,
 * i.e. its active topics were reset, by this worker or another. */
typedef void (*ferry_topics_reset_cb)(void *data, const char *conn);

/* Opens the topic (created when missing) and starts reading it; worker_id signs what this worker
 * publishes. */
ferry_status_store_t *ferry_status_store_open(const ferry_strmap_t *worker_config,
                                              const ferry_klog_opts_t *opts, const char *worker_id,
                                              ferry_topics_reset_cb on_reset, void *data, char *errstr,
                                              size_t errstr_size);
int ferry_status_store_sync(ferry_status_store_t *ss, int timeout_ms, char *errstr, size_t errstr_size);
void ferry_status_store_free(ferry_status_store_t *ss);

/* The newest status read of a connector (task -1) or one of its tasks: the state (UNASSIGNED when
 * none), *worker_id a copy ("" when none), *trace a copy or NULL. */
ferry_state_t ferry_status_store_get(ferry_status_store_t *ss, const char *conn, int task, char **worker_id,
                                     char **trace);

/* Writes the status of a connector (task -1) or task run here, unless this worker wrote the same
 * one last and nobody wrote another since, or it is UNASSIGNED and this worker never wrote that
 * unit. generation: the assignment generation the state
 * belongs to (readers drop a record older than the one they hold). One thread at a time. */
void ferry_status_store_publish(ferry_status_store_t *ss, const char *conn, int task, ferry_state_t state,
                                const char *trace, int64_t generation);

/* Active topics. publish_topic writes the record for a topic that task `task` of conn used,
 * unless one is held already; topics lists the topics of conn's records (caller frees with
 * ferry_strlist_free); reset_topics writes tombstones for all of them. */
int ferry_status_store_publish_topic(ferry_status_store_t *ss, const char *topic, const char *conn, int task);
char **ferry_status_store_topics(ferry_status_store_t *ss, const char *conn, size_t *n);
int ferry_status_store_reset_topics(ferry_status_store_t *ss, const char *conn);

/* The value of a status record, as Connect writes it (malloc'd JSON text, NULL when out of memory):
 * {"state","trace","worker_id","generation"}, trace null when not set. */
char *ferry_status_record(ferry_state_t state, const char *trace, const char *worker_id, int64_t generation);
/* The value of a topic record, as Connect writes it (malloc'd JSON text). */
char *ferry_status_topic_record(const char *topic, const char *conn, int task, int64_t discover_ms);

#endif
