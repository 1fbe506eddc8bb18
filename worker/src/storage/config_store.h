/* The config topic of distributed mode, read and written in Connect's record formats: connector
 * configs, task configs and their commit records, target states, restart requests; plus Ferry's
 * "ferry-assignment" record (the work assignment the leader computed). A reader thread applies every
 * record to the in-memory view below; the herder reads the view under `lock` and writes records
 * with the put_* functions (which block until Kafka acknowledged them). */
#ifndef FERRY_STORAGE_CONFIG_STORE_H
#define FERRY_STORAGE_CONFIG_STORE_H

#include "herder/assignor.h"
#include "kafka/kafka_log.h"
#include "runtime/worker.h"

#include <pthread.h>

#define FERRY_ASSIGNMENT_KEY "ferry-assignment"

typedef struct {
        char *name;
        bool has_config; /* connector-<name> read (the others may come first or stay after it) */
        ferry_strmap_t config;
        ferry_target_t target;
        ferry_strmap_t *tasks; /* committed task configs */
        int n_tasks;
        ferry_strmap_t *pending; /* task-<name>-<n> records not yet committed */
        int n_pending;
        /* leader only: the config the committed task configs were computed from */
        ferry_strmap_t computed_for;
        bool computed;
        /* exactly-once: tasks-fencing-<name> {"task-count":N} (-1 when none read), and whether a
         * commit-<name> came after it (its tasks wait for the leader to fence and write it) */
        int task_count_record;
        bool pending_fencing;
} ferry_config_conn_t;

typedef struct ferry_config_store {
        pthread_mutex_t lock; /* guards everything below but log and sync_timeout */
        ferry_config_conn_t *conns;
        size_t n, cap;
        ferry_assignment_t asg; /* the newest assignment read */
        bool caught_up;         /* read to its end once: restart requests apply from now on */
        char *restart_conn;     /* restart request not yet taken */
        bool restart_tasks, restart_only_failed;
        ferry_klog_t *log;
        int sync_timeout; /* worker.sync.timeout.ms */
        /* Set when exactly.once.source.support=enabled: source tasks of a connector pending
         * fencing are held back (the worker's registry tells sources from sinks). */
        ferry_worker_t *eos_worker;
} ferry_config_store_t;

void ferry_config_store_init(ferry_config_store_t *cs, int sync_timeout);
/* Opens the topic (created when missing; exactly one partition required) and starts reading it. */
int ferry_config_store_open(ferry_config_store_t *cs, const ferry_strmap_t *worker_config,
                            const ferry_klog_opts_t *opts, char *errstr, size_t errstr_size);
void ferry_config_store_free(ferry_config_store_t *cs);

/* Reads the topic to its end (timeout_ms 0: worker.sync.timeout.ms). */
int ferry_config_store_sync(ferry_config_store_t *cs, int timeout_ms, char *errstr, size_t errstr_size);

/* Lock held: the connector called name, NULL when unknown (a known one may lack a config). */
ferry_config_conn_t *ferry_config_store_find(ferry_config_store_t *cs, const char *name);
/* Lock held: takes the pending restart request (false when none); the caller frees *name. */
bool ferry_config_store_take_restart(ferry_config_store_t *cs, char **name, bool *tasks, bool *only_failed);
/* The generation of the newest assignment read (takes the lock). */
int64_t ferry_config_store_generation(ferry_config_store_t *cs);

/* Writers. put_connector writes target-state-<name> first when initial is given (a new
 * connector), then connector-<name>. */
int ferry_config_store_put_connector(ferry_config_store_t *cs, const char *name, const ferry_strmap_t *config,
                                     const ferry_target_t *initial, char *errstr, size_t errstr_size);
/* Tombstones for connector-<name> and target-state-<name>. */
int ferry_config_store_delete_connector(ferry_config_store_t *cs, const char *name, char *errstr,
                                        size_t errstr_size);
int ferry_config_store_put_target(ferry_config_store_t *cs, const char *name, ferry_target_t target,
                                  char *errstr, size_t errstr_size);
int ferry_config_store_put_restart(ferry_config_store_t *cs, const char *name, bool include_tasks,
                                   bool only_failed, char *errstr, size_t errstr_size);
/* task-<name>-<n> for each task, then commit-<name> {"tasks":n}. */
int ferry_config_store_put_task_configs(ferry_config_store_t *cs, const char *name,
                                        const ferry_strmap_t *tasks, int n, char *errstr, size_t errstr_size);
/* tasks-fencing-<name> {"task-count":n}: the task generation now fenced (Connect's task count
 * record). */
int ferry_config_store_put_task_count(ferry_config_store_t *cs, const char *name, int n, char *errstr,
                                      size_t errstr_size);
int ferry_config_store_put_assignment(ferry_config_store_t *cs, const ferry_assignment_t *a, char *errstr,
                                      size_t errstr_size);

/* The record values the writers send, as Connect writes them (malloc'd JSON text; NULL when out of
 * memory): {"properties":{...}} (connector-<name>, task-<name>-<n>), {"state","state.v2"},
 * {"include-tasks","only-failed"}, {"tasks":N}, {"task-count":N} and Ferry's assignment record. */
char *ferry_config_record_properties(const ferry_strmap_t *config);
char *ferry_config_record_target(ferry_target_t target);
char *ferry_config_record_restart(bool include_tasks, bool only_failed);
char *ferry_config_record_commit(int tasks);
char *ferry_config_record_task_count(int tasks);
char *ferry_config_record_assignment(const ferry_assignment_t *a);

#endif
