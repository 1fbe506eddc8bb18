/* Herders decide which connectors and tasks run and where; the CLI and the REST resources talk to a
 * herder only through these operations, so standalone and distributed modes are interchangeable.
 * Every operation is synchronous and may block (stopping tasks, forwarding to a leader): callers on
 * an event loop run them on a thread of their own. */
#ifndef FERRY_HERDER_H
#define FERRY_HERDER_H

#include "runtime/worker.h"

typedef struct ferry_herder ferry_herder_t;

typedef enum {
        FERRY_HERDER_OK = 0,
        FERRY_HERDER_NOT_FOUND, /* 404 */
        FERRY_HERDER_EXISTS,    /* 409 */
        FERRY_HERDER_INVALID,   /* 400; errs (when given) filled, else errstr */
        FERRY_HERDER_CONFLICT,  /* 409: rebalance under way / no leader */
        FERRY_HERDER_ERROR,     /* 500 */
} ferry_herder_rc_t;

typedef struct {
        int id;
        ferry_state_t state;
        char *worker_id;
        char *trace; /* NULL when none */
} ferry_task_status_t;

typedef struct {
        char *name;
        ferry_plugin_type_t type; /* SOURCE or SINK; UNKNOWN type shown as "unknown" */
        bool type_known;
        ferry_state_t state;
        char *worker_id;
        char *trace;
        ferry_task_status_t *tasks;
        int n_tasks;
} ferry_connector_status_t;

typedef struct {
        char *name;
        ferry_strmap_t config; /* as submitted: ${...} placeholders unresolved */
        ferry_strmap_t *tasks; /* task configs */
        int n_tasks;
        ferry_plugin_type_t type;
        bool type_known;
} ferry_connector_info_t;

void ferry_connector_status_free(ferry_connector_status_t *s);
void ferry_connector_info_free(ferry_connector_info_t *i);

typedef enum {
        FERRY_HEALTH_STARTING,
        FERRY_HEALTH_HEALTHY,
        FERRY_HEALTH_UNHEALTHY,
} ferry_health_t;

typedef struct ferry_herder_ops {
        /* Creates (or, when allow_update, replaces) a connector. *created tells which. errs gets
         * config errors (INVALID); errstr the message of any other failure. */
        ferry_herder_rc_t (*put_connector)(ferry_herder_t *h, const char *name, const ferry_strmap_t *config,
                                           ferry_target_t initial, bool allow_update, bool *created,
                                           ferry_cfg_errors_t *errs, char *errstr, size_t errstr_size);
        ferry_herder_rc_t (*delete_connector)(ferry_herder_t *h, const char *name);
        /* Names of all connectors, sorted (caller frees with ferry_strlist_free). */
        char **(*list)(ferry_herder_t *h, size_t *n);
        ferry_herder_rc_t (*info)(ferry_herder_t *h, const char *name, ferry_connector_info_t *out);
        ferry_herder_rc_t (*status)(ferry_herder_t *h, const char *name, ferry_connector_status_t *out);
        /* Pause, resume (also leaves STOPPED) or stop. */
        ferry_herder_rc_t (*set_target)(ferry_herder_t *h, const char *name, ferry_target_t target);
        /* Restarts the connector and, with include_tasks, its tasks (only FAILED ones with
         * only_failed). out (may be NULL) receives the status with every restarted instance shown
         * RESTARTING, for the 202 answer. */
        ferry_herder_rc_t (*restart_connector)(ferry_herder_t *h, const char *name, bool include_tasks,
                                               bool only_failed, ferry_connector_status_t *out);
        ferry_herder_rc_t (*restart_task)(ferry_herder_t *h, const char *name, int task);
        /* Topics the connector has used since the last reset (caller frees). */
        ferry_herder_rc_t (*topics)(ferry_herder_t *h, const char *name, char ***topics, size_t *n);
        ferry_herder_rc_t (*reset_topics)(ferry_herder_t *h, const char *name);
        /* Offsets in the REST shape {"offsets":[{"partition":{...},"offset":{...}}]}. */
        ferry_herder_rc_t (*offsets)(ferry_herder_t *h, const char *name, ferry_value_t **out, char *errstr,
                                     size_t errstr_size);
        /* Alters (offsets given, same shape; a null offset resets one partition) or, with NULL,
         * resets all. INVALID unless the connector is STOPPED. */
        ferry_herder_rc_t (*alter_offsets)(ferry_herder_t *h, const char *name, const ferry_value_t *offsets,
                                           char *errstr, size_t errstr_size);
        /* PUT /connectors/{c}/fence (Connect's inter-worker zombie fencing request); NULL in
         * standalone mode. */
        ferry_herder_rc_t (*fence)(ferry_herder_t *h, const char *name, char *errstr, size_t errstr_size);
        ferry_health_t (*health)(ferry_herder_t *h, char *message, size_t message_size);
        /* A worker of the group is known to be gone (its process ended): the leader reassigns its
         * work without waiting for its session to expire (forwarded to the leader; forwarded set
         * when this request came from another worker, so it is not forwarded twice). */
        ferry_herder_rc_t (*member_departed)(ferry_herder_t *h, const char *worker_id, const char *reason,
                                             bool forwarded, char *errstr, size_t errstr_size);
        void (*stop)(ferry_herder_t *h);
        void (*free)(ferry_herder_t *h);
} ferry_herder_ops_t;

struct ferry_herder {
        const ferry_herder_ops_t *ops;
        ferry_worker_t *worker;
        atomic_bool ready; /* start-up complete (connectors from the command line created) */
};

/* Shared by herders: the common parts of ops. */
const char *ferry_herder_worker_id(ferry_herder_t *h);

/* The offsets API both herders answer with (herder_offsets.c): the REST shape
 * {"offsets":[{"partition":{...},"offset":{...}}]}, source offsets from w->offsets, sink offsets
 * from the consumer group connect-<name>. alter: doc NULL resets everything; INVALID unless
 * stopped. */
ferry_herder_rc_t ferry_herder_offsets_get(ferry_worker_t *w, const char *name, bool sink,
                                           ferry_value_t **out, char *errstr, size_t errstr_size);
/* The source half of alter on another store (a connector's own offsets topic); doc already
 * checked by ferry_herder_offsets_alter. */
ferry_herder_rc_t ferry_herder_offsets_alter_source(ferry_offsets_t *store, const char *name,
                                                    const ferry_value_t *doc, char *errstr,
                                                    size_t errstr_size);
ferry_herder_rc_t ferry_herder_offsets_alter(ferry_worker_t *w, const char *name, bool sink, bool stopped,
                                             const ferry_value_t *doc, char *errstr, size_t errstr_size);

ferry_herder_t *ferry_standalone_herder_new(ferry_worker_t *w);
/* Distributed mode, in two steps so the REST server can start in between (it sets the worker id
 * the group membership uses): new() checks the required keys; start() opens the config, offset
 * and status topics (creating them when missing), reads them, joins the group and starts the
 * herder thread. Sets w->offsets. Until start() returns, operations answer CONFLICT (409). */
ferry_herder_t *ferry_distributed_herder_new(ferry_worker_t *w, char *errstr, size_t errstr_size);
int ferry_distributed_herder_start(ferry_herder_t *h, char *errstr, size_t errstr_size);

#endif
