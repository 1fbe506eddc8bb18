/* What runs on this worker in distributed mode. Each round of the herder thread
 * (herder_distributed.c) copies this worker's share of the newest assignment out of the config
 * store (ferry_local_work_wanted, under the store's lock), then, without the lock, makes the worker
 * match it: connectors no longer here or whose config changed are detached, new ones attached,
 * connector instances started or stopped alone, tasks stopped when gone or changed and started when
 * new (a task may run where its connector's instance does not), target states applied, restart
 * requests carried out. Then the states of what runs here and the topics its tasks use go to the
 * status store. */
#include "herder/local_work.h"

#include <ferry/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ferry_local_work {
        ferry_worker_t *w;
        ferry_status_store_t *ss;
        ferry_work_item_t *local; /* what runs here, as the last round set it up */
        size_t n_local;
};

ferry_local_work_t *ferry_local_work_new(ferry_worker_t *w, ferry_status_store_t *ss)
{
        ferry_local_work_t *lw = calloc(1, sizeof(*lw));
        if (lw) {
                lw->w = w;
                lw->ss = ss;
        }
        return lw;
}

void ferry_local_work_free(ferry_local_work_t *lw)
{
        if (!lw)
                return;
        ferry_work_items_free(lw->local, lw->n_local);
        free(lw);
}

void ferry_work_items_free(ferry_work_item_t *items, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(items[i].name);
                ferry_strmap_free(&items[i].config);
                free(items[i].tasks);
                ferry_task_configs_free(items[i].task_configs, items[i].n_tasks);
        }
        free(items);
}

ferry_work_item_t *ferry_local_work_wanted(ferry_config_store_t *cs, const char *me, size_t *n_out)
{
        ferry_work_item_t *out = calloc(cs->n + 1, sizeof(*out));
        size_t n = 0;
        const ferry_worker_assignment_t *mine = NULL;
        for (size_t i = 0; i < cs->asg.n; i++)
                if (!strcmp(cs->asg.w[i].worker, me))
                        mine = &cs->asg.w[i];
        for (size_t i = 0; out && mine && i < cs->n; i++) {
                ferry_config_conn_t *c = &cs->conns[i];
                if (!c->has_config)
                        continue;
                bool inst = false;
                for (size_t k = 0; k < mine->n_conns; k++)
                        inst |= !strcmp(mine->conns[k], c->name);
                int cnt = 0;
                for (size_t k = 0; k < mine->n_tasks; k++)
                        cnt += !strcmp(mine->task_conns[k], c->name) && mine->task_ids[k] < c->n_tasks;
                /* Exactly-once: a new task generation starts only once the leader fenced the
                 * previous one (tasks-fencing-<name> read after the commit). */
                const ferry_connector_plugin_t *cp =
                        c->pending_fencing && cs->eos_worker
                                ? ferry_registry_connector(&cs->eos_worker->registry,
                                                           ferry_strmap_get(&c->config, "connector.class"))
                                : NULL;
                bool hold = cp && cp->source;
                if (!inst && !cnt)
                        continue;
                ferry_work_item_t *w = &out[n++];
                w->name = strdup(c->name);
                ferry_strmap_init(&w->config);
                ferry_strmap_copy(&w->config, &c->config);
                w->target = c->target;
                w->instance = inst;
                w->tasks = calloc((size_t)cnt + 1, sizeof(*w->tasks));
                w->task_configs = calloc((size_t)cnt + 1, sizeof(*w->task_configs));
                for (size_t k = 0; k < mine->n_tasks; k++) {
                        int id = mine->task_ids[k];
                        if (strcmp(mine->task_conns[k], c->name) || id >= c->n_tasks ||
                            c->target == FERRY_TARGET_STOPPED || hold)
                                continue;
                        w->tasks[w->n_tasks] = id;
                        ferry_strmap_init(&w->task_configs[w->n_tasks]);
                        ferry_strmap_copy(&w->task_configs[w->n_tasks], &c->tasks[id]);
                        w->n_tasks++;
                }
        }
        *n_out = n;
        return out;
}

static ferry_work_item_t *local_find(ferry_local_work_t *lw, const char *name)
{
        for (size_t i = 0; i < lw->n_local; i++)
                if (!strcmp(lw->local[i].name, name))
                        return &lw->local[i];
        return NULL;
}

static void local_drop(ferry_local_work_t *lw, ferry_work_item_t *l)
{
        ferry_worker_detach(lw->w, l->name);
        free(l->name);
        ferry_strmap_free(&l->config);
        free(l->tasks);
        ferry_task_configs_free(l->task_configs, l->n_tasks);
        *l = lw->local[--lw->n_local];
}

static void reconcile_local(ferry_local_work_t *lw, ferry_work_item_t *want, size_t n_want)
{
        ferry_worker_t *w = lw->w;
        char errstr[1024];
        /* Drop connectors no longer here, or whose config changed (they start again below). */
        for (size_t i = 0; i < lw->n_local;) {
                ferry_work_item_t *l = &lw->local[i];
                ferry_work_item_t *x = NULL;
                for (size_t k = 0; k < n_want && !x; k++)
                        if (!strcmp(want[k].name, l->name))
                                x = &want[k];
                if (!x || !ferry_strmap_equal(&x->config, &l->config))
                        local_drop(lw, l);
                else
                        i++;
        }
        for (size_t k = 0; k < n_want; k++) {
                ferry_work_item_t *x = &want[k];
                ferry_work_item_t *l = local_find(lw, x->name);
                if (!l) {
                        if (ferry_worker_attach(w, x->name, &x->config, errstr, sizeof(errstr)) < 0) {
                                FERRY_ERROR("Cannot run connector %s here: %s", x->name, errstr);
                                continue;
                        }
                        ferry_work_item_t *nl = realloc(lw->local, (lw->n_local + 1) * sizeof(*nl));
                        if (!nl)
                                continue;
                        lw->local = nl;
                        l = &lw->local[lw->n_local++];
                        memset(l, 0, sizeof(*l));
                        l->name = strdup(x->name);
                        ferry_strmap_init(&l->config);
                        ferry_strmap_copy(&l->config, &x->config);
                        l->target = FERRY_TARGET_STARTED;
                }
                if (x->instance != l->instance || (x->instance && x->target != l->target)) {
                        ferry_worker_run_instance(w, x->name, x->instance, x->target, errstr, sizeof(errstr));
                        l->instance = x->instance;
                }
                /* Tasks: stop the ones gone or changed, start the new ones. */
                for (int t = 0; t < l->n_tasks;) {
                        int id = l->tasks[t];
                        int keep = -1;
                        for (int j = 0; j < x->n_tasks && keep < 0; j++)
                                if (x->tasks[j] == id &&
                                    ferry_strmap_equal(&x->task_configs[j], &l->task_configs[t]))
                                        keep = j;
                        if (keep < 0) {
                                ferry_worker_stop_task(w, x->name, id);
                                ferry_strmap_free(&l->task_configs[t]);
                                l->tasks[t] = l->tasks[l->n_tasks - 1];
                                l->task_configs[t] = l->task_configs[l->n_tasks - 1];
                                l->n_tasks--;
                        } else {
                                t++;
                        }
                }
                for (int j = 0; j < x->n_tasks; j++) {
                        bool have = false;
                        for (int t = 0; t < l->n_tasks && !have; t++)
                                have = l->tasks[t] == x->tasks[j];
                        if (have)
                                continue;
                        int *nt = realloc(l->tasks, (size_t)(l->n_tasks + 1) * sizeof(*nt));
                        ferry_strmap_t *nc =
                                nt ? realloc(l->task_configs, (size_t)(l->n_tasks + 1) * sizeof(*nc)) : NULL;
                        if (nt)
                                l->tasks = nt;
                        if (!nc)
                                continue;
                        l->task_configs = nc;
                        if (ferry_worker_start_task(w, x->name, x->tasks[j], &x->task_configs[j], x->target,
                                                    errstr, sizeof(errstr)) < 0)
                                FERRY_ERROR("Task %s-%d failed to start: %s", x->name, x->tasks[j], errstr);
                        l->tasks[l->n_tasks] = x->tasks[j];
                        ferry_strmap_init(&l->task_configs[l->n_tasks]);
                        ferry_strmap_copy(&l->task_configs[l->n_tasks], &x->task_configs[j]);
                        l->n_tasks++;
                }
                if (x->target != l->target && x->target != FERRY_TARGET_STOPPED) {
                        ferry_worker_set_target(w, x->name, x->target);
                        if (x->instance)
                                ferry_worker_run_instance(w, x->name, true, x->target, errstr,
                                                          sizeof(errstr));
                }
                l->target = x->target;
        }
}

/* Publishes the statuses of what runs here when they change. */
static void publish_local(ferry_local_work_t *lw, ferry_work_item_t *want, size_t n_want, int64_t generation)
{
        for (size_t k = 0; k < n_want; k++) {
                ferry_status_t cs, *ts = NULL;
                int n = 0;
                if (!ferry_worker_connector_status(lw->w, want[k].name, &cs, &ts, &n))
                        continue;
                if (want[k].instance)
                        ferry_status_store_publish(lw->ss, want[k].name, -1, cs.state, cs.trace, generation);
                for (int i = 0; i < n; i++)
                        ferry_status_store_publish(lw->ss, want[k].name, ts[i].id, ts[i].state, ts[i].trace,
                                                   generation);
                free(cs.trace);
                ferry_status_free(ts, n);
        }
}

/* Writes a topic record, naming the task that used it first, for every topic a connector running
 * here has used that the status topic does not hold yet. */
static void publish_topics(ferry_local_work_t *lw, ferry_work_item_t *want, size_t n_want)
{
        for (size_t k = 0; k < n_want; k++) {
                size_t n = 0;
                ferry_topic_use_t *u = ferry_worker_topic_uses(lw->w, want[k].name, &n);
                for (size_t i = 0; u && i < n; i++)
                        ferry_status_store_publish_topic(lw->ss, u[i].topic, u[i].connector, u[i].task);
                ferry_topic_uses_free(u, n);
        }
}
static void apply_restart(ferry_local_work_t *lw, const char *name, bool tasks, bool only_failed)
{
        ferry_work_item_t *l = local_find(lw, name);
        if (!l)
                return;
        ferry_status_t cs, *ts = NULL;
        int n = 0;
        if (!ferry_worker_connector_status(lw->w, name, &cs, &ts, &n))
                return;
        char errstr[1024];
        if (l->instance && (!only_failed || cs.state == FERRY_STATE_FAILED)) {
                ferry_worker_run_instance(lw->w, name, false, l->target, errstr, sizeof(errstr));
                ferry_worker_run_instance(lw->w, name, true, l->target, errstr, sizeof(errstr));
        }
        for (int i = 0; tasks && i < n; i++)
                if (!only_failed || ts[i].state == FERRY_STATE_FAILED)
                        ferry_worker_restart_task(lw->w, name, ts[i].id, errstr, sizeof(errstr));
        free(cs.trace);
        ferry_status_free(ts, n);
}

void ferry_local_work_apply(ferry_local_work_t *lw, ferry_work_item_t *want, size_t n_want,
                            const char *restart, bool restart_tasks, bool restart_only_failed,
                            int64_t generation)
{
        reconcile_local(lw, want, n_want);
        if (restart)
                apply_restart(lw, restart, restart_tasks, restart_only_failed);
        publish_local(lw, want, n_want, generation);
        publish_topics(lw, want, n_want);
}

void ferry_local_work_unassigned(ferry_local_work_t *lw, int64_t generation)
{
        for (size_t i = 0; i < lw->n_local; i++) {
                ferry_work_item_t *l = &lw->local[i];
                if (l->instance)
                        ferry_status_store_publish(lw->ss, l->name, -1, FERRY_STATE_UNASSIGNED, NULL,
                                                   generation);
                for (int t = 0; t < l->n_tasks; t++)
                        ferry_status_store_publish(lw->ss, l->name, l->tasks[t], FERRY_STATE_UNASSIGNED, NULL,
                                                   generation);
        }
}
