/* What the leader of distributed mode does on its herder thread: computes the task configs of
 * connectors whose config changed and writes them to the config topic, and computes the assignment
 * of connectors and tasks to the live members (herder/assignor.h) and writes it when it changed. */
#ifndef FERRY_HERDER_LEADER_H
#define FERRY_HERDER_LEADER_H

#include "storage/config_store.h"

/* Both are called with cs->lock held; they release it around their writes (the view may change
 * meanwhile: the next round sees the rest). */
void ferry_leader_task_configs(ferry_config_store_t *cs, ferry_worker_t *w);
/* exactly.once.source.support=enabled: zombie fencing of source connectors pending it (one per
 * call), then their task count record. */
void ferry_leader_fence(ferry_config_store_t *cs, ferry_worker_t *w);
/* Without the lock: one round of fencing for a connector whose last task count record is
 * task_count_record (-1: none) and whose committed task configs number n_tasks, then its new task
 * count record. 0, or -1 with errstr. */
int ferry_leader_fence_one(ferry_config_store_t *cs, ferry_worker_t *w, const char *name,
                           const ferry_strmap_t *config, int task_count_record, int n_tasks, char *errstr,
                           size_t errstr_size);
/* me: this worker's id; url: its REST URL, recorded as the leader's. */
void ferry_leader_assign(ferry_config_store_t *cs, char *const *members, size_t n_members, const char *me,
                         const char *url);

#endif
