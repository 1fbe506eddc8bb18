/* What runs on this worker in distributed mode: the herder thread copies the share the newest
 * assignment gives this worker out of the config store, then starts and stops connector instances
 * and tasks to match it, applies target states and restart requests, and publishes their states
 * and the topics their tasks use to the status store. */
#ifndef FERRY_HERDER_LOCAL_WORK_H
#define FERRY_HERDER_LOCAL_WORK_H

#include "storage/config_store.h"
#include "storage/status_store.h"

/* One connector's share on this worker: its instance and/or some of its tasks. */
typedef struct {
        char *name;
        ferry_strmap_t config;
        ferry_target_t target;
        bool instance;
        int *tasks;
        ferry_strmap_t *task_configs;
        int n_tasks;
} ferry_work_item_t;

typedef struct ferry_local_work ferry_local_work_t;

ferry_local_work_t *ferry_local_work_new(ferry_worker_t *w, ferry_status_store_t *ss);
void ferry_local_work_free(ferry_local_work_t *lw);

/* The share the assignment in cs gives worker me (cs->lock held); free with
 * ferry_work_items_free. */
ferry_work_item_t *ferry_local_work_wanted(ferry_config_store_t *cs, const char *me, size_t *n);
void ferry_work_items_free(ferry_work_item_t *items, size_t n);

/* Makes what runs here match want (an empty want stops everything), applies the restart request
 * of connector restart (when not NULL), then publishes states and topics with generation. */
void ferry_local_work_apply(ferry_local_work_t *lw, ferry_work_item_t *want, size_t n_want,
                            const char *restart, bool restart_tasks, bool restart_only_failed,
                            int64_t generation);
/* After the worker stopped everything: UNASSIGNED for each instance and task that ran here. */
void ferry_local_work_unassigned(ferry_local_work_t *lw, int64_t generation);

#endif
