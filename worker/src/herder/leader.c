/* The leader's duties in distributed mode, run by the herder thread of the worker that owns the
 * coordination partition (herder_distributed.c). Task configs: for every connector whose config
 * changed, the plugin is instantiated briefly (start, task_configs, stop) and, when the result
 * differs from the committed task configs, task-<name>-<n> and commit-<name> are written; workers
 * apply them once the commit is read. Assignment: the live members, the assignment in force and
 * the connectors go through the assignor; the result is written as a new generation only when it
 * gives other units to other workers, or when this worker did not write the one in force.
 * Exactly-once: a source connector whose task configs were committed after its task count record
 * gets its previous generation's transactional ids fenced, then tasks-fencing-<name> written;
 * its tasks start only then (local_work.c). */
#include "herder/leader.h"
#include "core/config_providers.h"
#include "runtime/exactly_once.h"

#include <ferry/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compute_task_configs(ferry_worker_t *w, const ferry_config_conn_t *c, ferry_strmap_t **tasks,
                                int *n, char *errstr, size_t errstr_size)
{
        const ferry_connector_plugin_t *p =
                ferry_registry_connector(&w->registry, ferry_strmap_get(&c->config, "connector.class"));
        *tasks = NULL;
        *n = 0;
        if (!p) {
                snprintf(errstr, errstr_size, "unknown connector class %s",
                         ferry_strmap_get(&c->config, "connector.class"));
                return -1;
        }
        ferry_conn_t tmp = {.name = c->name, .plugin = p};
        tmp.ctx.conn = &tmp;
        /* The plugin sees placeholders resolved; the task configs it derives get them back, so
         * the config topic never holds a secret. */
        ferry_strmap_t resolved;
        ferry_strmap_init(&resolved);
        ferry_err_t err = ferry_config_resolve(&w->config, &c->config, &resolved, errstr, errstr_size) < 0
                                  ? FERRY_ERR_INVALID_CONFIG
                          : p->start ? p->start(&tmp.ctx, &resolved, errstr, errstr_size)
                                     : FERRY_ERR_OK;
        int max = (int)ferry_config_int(ferry_connector_config, &resolved, "tasks.max");
        if (!err) {
                *tasks = calloc((size_t)max + 1, sizeof(**tasks));
                err = *tasks ? p->task_configs(&tmp.ctx, &resolved, max, *tasks, n, errstr, errstr_size)
                             : FERRY_ERR_NOMEM;
                if (p->stop)
                        p->stop(&tmp.ctx);
                if (!err)
                        ferry_config_unresolve(&c->config, &resolved, *tasks, *n);
        }
        ferry_strmap_free(&resolved);
        if (err) {
                ferry_task_configs_free(*tasks, *n);
                *tasks = NULL;
                *n = 0;
                return -1;
        }
        return 0;
}

/* A computed task config against the committed one. Connect's workers add task.class to every
 * task config they write: task configs a Java worker wrote are the same when that is the only
 * difference (else each hand-over between Java and Ferry workers would be a new generation). */
static bool same_task(const ferry_strmap_t *computed, const ferry_strmap_t *committed)
{
        if (ferry_strmap_equal(computed, committed))
                return true;
        if (!ferry_strmap_get(committed, "task.class") || ferry_strmap_get(computed, "task.class"))
                return false;
        ferry_strmap_t c;
        ferry_strmap_init(&c);
        ferry_strmap_copy(&c, committed);
        ferry_strmap_unset(&c, "task.class");
        bool same = ferry_strmap_equal(computed, &c);
        ferry_strmap_free(&c);
        return same;
}

static bool same_tasks(const ferry_strmap_t *a, int na, const ferry_strmap_t *b, int nb)
{
        if (na != nb)
                return false;
        for (int i = 0; i < na; i++)
                if (!same_task(&a[i], &b[i]))
                        return false;
        return true;
}

void ferry_leader_task_configs(ferry_config_store_t *cs, ferry_worker_t *w)
{
        for (size_t i = 0; i < cs->n; i++) {
                ferry_config_conn_t *c = &cs->conns[i];
                if (!c->has_config)
                        continue;
                ferry_strmap_t *tasks = NULL;
                int n = 0;
                if (c->target != FERRY_TARGET_STOPPED) {
                        if (c->computed && ferry_strmap_equal(&c->computed_for, &c->config) && c->n_tasks > 0)
                                continue;
                        char errstr[1024];
                        if (compute_task_configs(w, c, &tasks, &n, errstr, sizeof(errstr)) < 0) {
                                FERRY_ERROR("Connector %s: cannot compute task configs: %s", c->name, errstr);
                                continue;
                        }
                }
                ferry_strmap_clear(&c->computed_for);
                ferry_strmap_copy(&c->computed_for, &c->config);
                c->computed = true;
                if (same_tasks(tasks, n, c->tasks, c->n_tasks)) {
                        ferry_task_configs_free(tasks, n);
                        continue;
                }
                char *name = strdup(c->name);
                pthread_mutex_unlock(&cs->lock);
                char err[512];
                if (ferry_config_store_put_task_configs(cs, name, tasks, n, err, sizeof(err)) < 0)
                        FERRY_ERROR("Connector %s: cannot write task configs: %s", name, err);
                else
                        FERRY_INFO("Connector %s: wrote %d task config(s)", name, n);
                ferry_config_store_sync(cs, 0, err, sizeof(err));
                ferry_task_configs_free(tasks, n);
                free(name);
                pthread_mutex_lock(&cs->lock);
                return; /* cs->conns may have moved: continue on the next round */
        }
}

int ferry_leader_fence_one(ferry_config_store_t *cs, ferry_worker_t *w, const char *name,
                           const ferry_strmap_t *config, int task_count_record, int n_tasks, char *errstr,
                           size_t errstr_size)
{
        /* As Connect: nothing to fence when no task count record exists (no transactional task
         * ran yet), nor from one task to one task (the new task fences the old itself). */
        int n = task_count_record < 0 || (task_count_record == 1 && n_tasks == 1) ? 0 : task_count_record;
        if (n && ferry_eos_fence(&w->config, config, name, n, errstr, errstr_size) < 0)
                return -1;
        if (ferry_config_store_put_task_count(cs, name, n_tasks, errstr, errstr_size) < 0)
                return -1;
        FERRY_INFO("Connector %s: fenced %d task producer(s); task count record %d written", name, n,
                   n_tasks);
        return ferry_config_store_sync(cs, 0, errstr, errstr_size);
}

void ferry_leader_fence(ferry_config_store_t *cs, ferry_worker_t *w)
{
        if (w->eos != FERRY_EOS_ENABLED)
                return;
        for (size_t i = 0; i < cs->n; i++) {
                ferry_config_conn_t *c = &cs->conns[i];
                if (!c->has_config || !c->pending_fencing)
                        continue;
                const ferry_connector_plugin_t *p = ferry_registry_connector(
                        &w->registry, ferry_strmap_get(&c->config, "connector.class"));
                if (!p || !p->source)
                        continue;
                int record = c->task_count_record, count = c->n_tasks;
                char *name = strdup(c->name);
                ferry_strmap_t config;
                ferry_strmap_init(&config);
                ferry_strmap_copy(&config, &c->config);
                pthread_mutex_unlock(&cs->lock);
                char err[512];
                if (ferry_leader_fence_one(cs, w, name, &config, record, count, err, sizeof(err)) < 0)
                        FERRY_ERROR("Connector %s: zombie fencing failed: %s", name, err);
                ferry_strmap_free(&config);
                free(name);
                pthread_mutex_lock(&cs->lock);
                return; /* cs->conns may have moved: continue on the next round */
        }
}

void ferry_leader_assign(ferry_config_store_t *cs, char *const *members, size_t n_members, const char *me,
                         const char *url)
{
        if (n_members == 0)
                return;
        ferry_assignor_conn_t *conns = calloc(cs->n + 1, sizeof(*conns));
        if (!conns)
                return;
        size_t nc = 0;
        for (size_t i = 0; i < cs->n; i++)
                if (cs->conns[i].has_config)
                        conns[nc++] = (ferry_assignor_conn_t){cs->conns[i].name, cs->conns[i].n_tasks};
        ferry_assignment_t next;
        int rc = ferry_assign(&cs->asg, members, n_members, conns, nc, &next);
        free(conns);
        if (rc < 0)
                return;
        if (cs->asg.leader && !strcmp(cs->asg.leader, me) && ferry_assignment_same(&cs->asg, &next)) {
                ferry_assignment_free(&next);
                return;
        }
        next.generation = cs->asg.generation + 1;
        next.leader = strdup(me);
        next.leader_url = strdup(url);
        pthread_mutex_unlock(&cs->lock);
        char err[512];
        if (ferry_config_store_put_assignment(cs, &next, err, sizeof(err)) < 0)
                FERRY_ERROR("Cannot write the assignment: %s", err);
        else
                FERRY_INFO("Assignment generation %lld written for %zu worker(s)", (long long)next.generation,
                           n_members);
        ferry_assignment_free(&next);
        ferry_config_store_sync(cs, 0, err, sizeof(err));
        pthread_mutex_lock(&cs->lock);
}
