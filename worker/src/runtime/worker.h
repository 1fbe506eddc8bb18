/* The worker: owns the connector and task instances running in this process, their threads,
 * converters and Kafka clients, and their status. Herders (standalone, distributed) decide what
 * runs here and call these functions; the REST layer reads status through the herder. */
#ifndef FERRY_WORKER_H
#define FERRY_WORKER_H

#include "storage/offsets.h"
#include "runtime/registry.h"

#include <ferry/clock.h>
#include <ferry/connector.h>

#include <pthread.h>
#include <stdatomic.h>

typedef enum {
        FERRY_STATE_UNASSIGNED,
        FERRY_STATE_RUNNING,
        FERRY_STATE_PAUSED,
        FERRY_STATE_STOPPED,
        FERRY_STATE_FAILED,
        FERRY_STATE_RESTARTING,
} ferry_state_t;

typedef enum {
        FERRY_TARGET_STARTED,
        FERRY_TARGET_PAUSED,
        FERRY_TARGET_STOPPED,
} ferry_target_t;

const char *ferry_state_name(ferry_state_t s);

extern const ferry_config_def_t ferry_worker_config[];
extern const ferry_config_def_t ferry_connector_config[];
extern const ferry_config_def_t ferry_sink_connector_config[];
extern const ferry_config_def_t ferry_source_connector_config[];

typedef struct ferry_worker ferry_worker_t;

/* Per-task counters behind GET /metrics, the figures Connect exposes over JMX. Runners add to
 * them; readers load them without a lock. Rates are left to Prometheus (rate()). */
typedef struct {
        atomic_uint_fast64_t poll_records;   /* source: records returned by poll() */
        atomic_uint_fast64_t write_records;  /* source: records Kafka acknowledged */
        atomic_uint_fast64_t read_records;   /* sink: records consumed from Kafka */
        atomic_uint_fast64_t send_records;   /* sink: records handed to put() */
        atomic_uint_fast64_t filtered;       /* dropped by transforms */
        atomic_uint_fast64_t commit_success; /* offset commits */
        atomic_uint_fast64_t commit_failure;
        atomic_uint_fast64_t commit_us;   /* time spent committing offsets */
        atomic_uint_fast64_t put_batches; /* sink: put() calls */
        atomic_uint_fast64_t put_us;      /* sink: time in put() */
        atomic_uint_fast64_t errors;      /* record errors (tolerated or not) */
        atomic_uint_fast64_t dlq_records; /* records sent to the dead letter queue */
} ferry_task_metrics_t;

/* A converter instance bound to one slot (key, value or header) of a task. */
typedef struct {
        const ferry_converter_plugin_t *plugin;
        void *state;
} ferry_conv_t;

struct ferry_task {
        ferry_worker_t *w;
        char *connector;
        int id;
        char ctx[128]; /* log context "name|task-n" */
        const ferry_connector_plugin_t *plugin;
        ferry_strmap_t conn_config; /* the connector's config, placeholders resolved */
        ferry_strmap_t config;      /* the task's config, placeholders resolved */
        ferry_strmap_t raw_config;  /* the task's config as the herder holds it (restarts use it) */
        void *data;
        ferry_conv_t key_conv, value_conv, header_conv;
        struct ferry_transform_chain *chain; /* this task's SMTs (not shared: SMTs are not thread-safe) */
        pthread_t thread;
        bool started;
        atomic_bool stopping;
        atomic_int target; /* ferry_target_t */
        pthread_mutex_t lock;
        pthread_cond_t cond;
        ferry_state_t state; /* under lock */
        char *trace;         /* under lock */
        bool done;           /* thread finished; under lock */
        ferry_task_metrics_t metrics;
        char *last_topic;          /* runner thread only: the topic last reported as used */
        atomic_bool reset_topic;   /* set by a topics reset: report the next topic again */
        struct sink_run *sink_run; /* sink runner state behind the sink task context (task thread) */
        /* Source tasks under exactly-once with transaction.boundary=connector: the transaction
         * requests of the TransactionContext (task thread only). */
        struct {
                bool enabled;
                const ferry_record_t *commit_rec, *abort_rec;
                bool commit_batch, abort_batch;
        } txn;
        ferry_offsets_t *own_offsets; /* the connector's offsets.storage.topic; NULL: the worker's */
};

/* A topic a connector's task used: the first task to report it since the last reset. */
typedef struct {
        char *connector;
        char *topic;
        int task;
} ferry_topic_use_t;

typedef struct ferry_conn {
        ferry_worker_t *w;
        char *name;
        const ferry_connector_plugin_t *plugin;
        ferry_strmap_t config;
        struct ferry_connector_ctx {
                struct ferry_conn *conn;
                void *data;
        } ctx;
        bool started;
        ferry_state_t state;
        char *trace;
        ferry_task_t **tasks;
        int n_tasks;
} ferry_conn_t;

struct ferry_worker {
        ferry_strmap_t config;
        ferry_registry_t registry;
        ferry_offsets_t *offsets;
        char *worker_id;
        char *cluster_id;
        pthread_mutex_t lock; /* guards conns and connector states */
        ferry_conn_t **conns;
        size_t n_conns;
        struct ferry_embedded_kafka *embedded; /* set with --embedded-kafka */
        atomic_uint_fast64_t rebalances;       /* assignments applied (distributed mode) */
        ferry_topic_use_t *topics;             /* topics in use since the last reset; under lock */
        size_t n_topics;
        /* Connectors that asked for their task configs to be computed again (under lock); the
         * herder takes them with ferry_worker_take_reconfig(). */
        char **reconfig;
        size_t n_reconfig;
        pthread_cond_t reconfig_cond;
        bool distributed; /* set by the distributed herder */
        int eos;          /* ferry_eos_level_t of exactly.once.source.support (distributed mode) */
};

/* Validates the worker config (table + mode-specific keys), loads plugins. */
ferry_worker_t *ferry_worker_new(const ferry_strmap_t *config, char *errstr, size_t errstr_size);
void ferry_worker_free(ferry_worker_t *w);

/* Full validation of a connector config: common keys, sink/source keys, the plugin's table and
 * checks, converters. Adds one error per problem; returns the plugin (NULL when the class is
 * unknown, which is then one of the errors). */
const ferry_connector_plugin_t *
ferry_worker_validate_connector(ferry_worker_t *w, const ferry_strmap_t *config, ferry_cfg_errors_t *errs);

/* Distributed mode: the checks Connect's DistributedHerder adds for source connectors
 * (exactly.once.support=required, transaction.boundary=connector); nothing in standalone mode.
 * In runtime/exactly_once.c. */
void ferry_eos_validate(ferry_worker_t *w, const ferry_connector_plugin_t *p, const ferry_strmap_t *config,
                        ferry_cfg_errors_t *errs);

/* Starts a connector instance and computes its task configs (fills *tasks, *n_tasks; the caller
 * frees them with ferry_task_configs_free). */
int ferry_worker_start_connector(ferry_worker_t *w, const char *name, const ferry_strmap_t *config,
                                 ferry_target_t target, ferry_strmap_t **tasks, int *n_tasks, char *errstr,
                                 size_t errstr_size);
void ferry_task_configs_free(ferry_strmap_t *tasks, int n);
/* Starts task `id` of a started connector on its own thread. */
int ferry_worker_start_task(ferry_worker_t *w, const char *name, int id, const ferry_strmap_t *task_config,
                            ferry_target_t target, char *errstr, size_t errstr_size);
/* Pauses/resumes the connector's tasks. */
void ferry_worker_set_target(ferry_worker_t *w, const char *name, ferry_target_t target);
/* Stops every task (bounded by task.shutdown.graceful.timeout.ms), then the connector. */
void ferry_worker_stop_connector(ferry_worker_t *w, const char *name);
void ferry_worker_stop_all(ferry_worker_t *w);

/* Status snapshot of one connector (tasks sorted by id); false when it does not run here. trace
 * strings are copies. */
typedef struct {
        int id; /* task id (tasks only) */
        ferry_state_t state;
        char *trace;
} ferry_status_t;
bool ferry_worker_connector_status(ferry_worker_t *w, const char *name, ferry_status_t *conn,
                                   ferry_status_t **tasks, int *n_tasks);
void ferry_status_free(ferry_status_t *s, int n);

/* Stops task `id` and starts it again with the same config and target. */
int ferry_worker_restart_task(ferry_worker_t *w, const char *name, int id, char *errstr, size_t errstr_size);
/* Stops and starts the connector instance (not its tasks) and returns its new task configs. */
int ferry_worker_restart_connector(ferry_worker_t *w, const char *name, ferry_strmap_t **tasks, int *n_tasks,
                                   char *errstr, size_t errstr_size);

/* Distributed mode hosts a connector's instance and its tasks independently:
 * attach registers the connector (config, plugin) without starting anything, so tasks can run here;
 * run_instance starts (run) or stops the connector instance alone; stop_task stops one task;
 * has_task tells whether a task runs here; detach stops everything of the connector here. */
int ferry_worker_attach(ferry_worker_t *w, const char *name, const ferry_strmap_t *config, char *errstr,
                        size_t errstr_size);
int ferry_worker_run_instance(ferry_worker_t *w, const char *name, bool run, ferry_target_t target,
                              char *errstr, size_t errstr_size);
void ferry_worker_stop_task(ferry_worker_t *w, const char *name, int id);
bool ferry_worker_has_task(ferry_worker_t *w, const char *name, int id);
#define ferry_worker_detach ferry_worker_stop_connector

/* Task reconfiguration requests (ferry_connector_request_reconfiguration): waits up to timeout_ms
 * (0: not at all) for at least one and returns the connector names asked for since the last call
 * (each once; NULL when none; the caller frees with ferry_strlist_free). */
char **ferry_worker_take_reconfig(ferry_worker_t *w, int timeout_ms, size_t *n);
/* Wakes a herder waiting in ferry_worker_take_reconfig (at stop). */
void ferry_worker_wake_reconfig(ferry_worker_t *w);
/* Calls task_configs() of the running connector instance again (placeholders resolved for the
 * plugin, restored in the result). -1 with errstr when it is not running here or fails. */
int ferry_worker_task_configs(ferry_worker_t *w, const char *name, ferry_strmap_t **tasks, int *n_tasks,
                              char *errstr, size_t errstr_size);

/* Active topics: runners report each topic a connector uses; the REST topics API reads them. */
void ferry_task_note_topic(ferry_task_t *t, const char *topic);
char **ferry_worker_topics(ferry_worker_t *w, const char *name, size_t *n);
/* The same with the task that reported each topic first (in connector, topic and task; caller
 * frees with ferry_topic_uses_free). */
ferry_topic_use_t *ferry_worker_topic_uses(ferry_worker_t *w, const char *name, size_t *n);
void ferry_topic_uses_free(ferry_topic_use_t *u, size_t n);
void ferry_worker_reset_topics(ferry_worker_t *w, const char *name);

/* Task runners (task_source.c, task_sink.c). */
void *ferry_source_task_main(void *task);
void *ferry_sink_task_main(void *task);
/* Called by runners. */
void ferry_task_set_state(ferry_task_t *t, ferry_state_t s, const char *trace);
/* Blocks while the task is paused; returns false when it should stop. */
bool ferry_task_wait_running(ferry_task_t *t);

#endif
