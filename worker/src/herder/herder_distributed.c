/* Distributed herder: stateless workers sharing Kafka topics. The herder operations (what the REST
 * resources call) and the herder thread live here; the parts have files of their own:
 * storage/config_store.c (connector configs, task configs, target states, restart requests and the
 * assignment, in the config topic), storage/status_store.c (statuses and active topics, in the
 * status topic), herder/membership.c (the consumer group on the coordination topic: leader, live
 * members, fencing), herder/leader.c and herder/assignor.c (what the leader computes and writes),
 * herder/local_work.c (running this worker's share) and herder/forward.c (sending writes to the
 * leader). Reads are answered from this worker's copy of the topics; writes only the leader may
 * make are forwarded to it, and answer 409 while no leader is known. Every round the herder
 * thread serves the group membership, does the leader's work when it leads, and makes what runs
 * here match the newest assignment. */
#include "herder/herder.h"
#include "herder/forward.h"
#include "herder/leader.h"
#include "herder/local_work.h"
#include "runtime/exactly_once.h"
#include "herder/membership.h"
#include "storage/config_store.h"
#include "storage/status_store.h"

#include <ferry/json.h>
#include <ferry/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
        ferry_herder_t base;
        ferry_config_store_t cs;
        ferry_status_store_t *ss;
        ferry_membership_t *m;
        ferry_local_work_t *lw; /* herder thread only (and stop(), after it ended) */
        /* fixed after start */
        char *group;
        char *coord_topic;
        char *url; /* this worker's REST URL */
        pthread_t thread;
        pthread_t reconfig_thread; /* serves task reconfiguration requests of connectors here */
        bool reconfig_started;
        atomic_bool stop;
        atomic_bool started;        /* topics open, group joined: operations may run */
        int64_t applied_generation; /* herder thread only */
        unsigned seen_losses;       /* herder thread only: ferry_membership_losses() last acted on */
        /* The generation this worker left the group in (stop); 0 before. What it publishes after
         * carries it, so a late UNASSIGNED never hides the new owners' RUNNING. */
        int64_t left_gen;
} dist_t;

/* ---- the herder thread ---- */

static int64_t hook_generation(void *data)
{
        return ferry_config_store_generation(&((dist_t *)data)->cs);
}

static int hook_sync(void *data)
{
        char err[512];
        return ferry_config_store_sync(&((dist_t *)data)->cs, 0, err, sizeof(err));
}

static void on_topics_reset(void *data, const char *conn)
{
        ferry_worker_reset_topics(((dist_t *)data)->base.worker, conn);
}

/* A connector running here asked for new task configs: its config is put again, like a config
 * update (forwarded to the leader from a follower), so that the leader computes the task configs
 * anew and replaces the tasks if they changed. */
static void request_reconfig(dist_t *d, const char *name)
{
        ferry_strmap_t config;
        ferry_strmap_init(&config);
        pthread_mutex_lock(&d->cs.lock);
        ferry_config_conn_t *c = ferry_config_store_find(&d->cs, name);
        bool known = c && c->has_config && ferry_strmap_copy(&config, &c->config) == 0;
        pthread_mutex_unlock(&d->cs.lock);
        ferry_cfg_errors_t errs;
        ferry_cfg_errors_init(&errs);
        char err[1024] = "";
        bool created;
        if (known && d->base.ops->put_connector(&d->base, name, &config, FERRY_TARGET_STARTED, true, &created,
                                                &errs, err, sizeof(err)) != FERRY_HERDER_OK)
                FERRY_ERROR("Connector %s: cannot request a task reconfiguration: %s", name,
                            errs.n ? "invalid configuration" : err);
        ferry_cfg_errors_free(&errs);
        ferry_strmap_free(&config);
}

/* Its own thread, not the herder's: forwarding to the leader may wait on a REST call that needs
 * this worker's herder thread (a leader change under way), which must keep running meanwhile. */
static void *reconfig_main(void *arg)
{
        dist_t *d = arg;
        ferry_log_context("herder");
        while (!atomic_load(&d->stop)) {
                size_t n = 0;
                char **names = ferry_worker_take_reconfig(d->base.worker, 500, &n);
                for (size_t i = 0; i < n && !atomic_load(&d->stop); i++)
                        request_reconfig(d, names[i]);
                ferry_strlist_free(names, n);
        }
        return NULL;
}

static void *herder_main(void *arg)
{
        dist_t *d = arg;
        ferry_config_store_t *cs = &d->cs;
        const char *me = ferry_herder_worker_id(&d->base);
        ferry_log_context("herder");
        while (!atomic_load(&d->stop)) {
                ferry_membership_poll(d->m, 100);
                unsigned losses = ferry_membership_losses(d->m);
                if (losses != d->seen_losses) {
                        /* Membership was lost (perhaps regained within the same poll): what ran here
                         * may run elsewhere now, so stop it all before taking any assignment again,
                         * as a Connect worker revokes everything when its generation is lost. */
                        d->seen_losses = losses;
                        ferry_local_work_apply(d->lw, NULL, 0, NULL, false, false, d->applied_generation);
                }
                pthread_mutex_lock(&cs->lock);
                if (cs->asg.leader && strcmp(cs->asg.leader, me))
                        ferry_membership_yield(d->m, cs->asg.leader);
                if (ferry_membership_leader(d->m) && cs->caught_up) {
                        pthread_mutex_unlock(&cs->lock);
                        ferry_membership_refresh(d->m, ferry_now_ms());
                        pthread_mutex_lock(&cs->lock);
                        size_t n_members = 0;
                        char *const *members = ferry_membership_members(d->m, &n_members);
                        ferry_leader_task_configs(cs, d->base.worker);
                        ferry_leader_fence(cs, d->base.worker);
                        ferry_leader_assign(cs, members, n_members, me, d->url);
                }
                char *restart = NULL;
                bool rt = false, rof = false;
                ferry_config_store_take_restart(cs, &restart, &rt, &rof);
                size_t n_want = 0;
                ferry_work_item_t *want = ferry_membership_fenced(d->m)
                                                  ? calloc(1, sizeof(*want))
                                                  : ferry_local_work_wanted(cs, me, &n_want);
                if (cs->asg.generation != d->applied_generation) {
                        d->applied_generation = cs->asg.generation;
                        atomic_fetch_add(&d->base.worker->rebalances, 1);
                }
                int64_t gen = cs->asg.generation;
                pthread_mutex_unlock(&cs->lock);
                ferry_local_work_apply(d->lw, want, n_want, restart, rt, rof, gen);
                free(restart);
                ferry_work_items_free(want, n_want);
        }
        return NULL;
}

/* ---- herder operations ---- */

static bool is_leader(dist_t *d)
{
        return ferry_membership_leader(d->m);
}

static int sync_config(dist_t *d, char *errstr, size_t errstr_size)
{
        return ferry_config_store_sync(&d->cs, 0, errstr, errstr_size);
}

/* Forwards to the leader (409 while none is known). */
static ferry_herder_rc_t to_leader(dist_t *d, const char *method, const char *before, const char *name,
                                   const char *after, const char *body, long *status, char *errstr,
                                   size_t errstr_size)
{
        char leader[512] = "";
        pthread_mutex_lock(&d->cs.lock);
        if (d->cs.asg.leader_url)
                snprintf(leader, sizeof(leader), "%s", d->cs.asg.leader_url);
        pthread_mutex_unlock(&d->cs.lock);
        return ferry_forward(leader[0] ? leader : NULL, method, before, name, after, body, status, errstr,
                             errstr_size);
}

/* A create (POST /connectors, {"name","config","initial_state"}) or an update (PUT
 * /connectors/{c}/config, the flat config) sent to the leader. */
static ferry_herder_rc_t forward_put(dist_t *d, const char *name, const ferry_strmap_t *config,
                                     ferry_target_t initial, bool allow_update, bool *created, char *errstr,
                                     size_t errstr_size)
{
        ferry_jw_t j;
        ferry_jw_init(&j);
        long status = 0;
        ferry_herder_rc_t rc;
        if (allow_update) {
                ferry_jw_strmap(&j, config);
                rc = to_leader(d, "PUT", "/connectors/", name, "/config", j.b.p, &status, errstr,
                               errstr_size);
        } else {
                const char *st = initial == FERRY_TARGET_PAUSED    ? "PAUSED"
                                 : initial == FERRY_TARGET_STOPPED ? "STOPPED"
                                                                   : "RUNNING";
                ferry_jw_obj(&j);
                ferry_jw_kv(&j, "name", name);
                ferry_jw_key(&j, "config");
                ferry_jw_strmap(&j, config);
                ferry_jw_kv(&j, "initial_state", st);
                ferry_jw_end_obj(&j);
                rc = to_leader(d, "POST", "/connectors", "", "", j.b.p, &status, errstr, errstr_size);
        }
        ferry_jw_free(&j);
        if (rc == FERRY_HERDER_OK) {
                *created = status == 201;
                sync_config(d, errstr, errstr_size);
        }
        return rc;
}

static ferry_herder_rc_t put_connector(ferry_herder_t *h, const char *name, const ferry_strmap_t *config,
                                       ferry_target_t initial, bool allow_update, bool *created,
                                       ferry_cfg_errors_t *errs, char *errstr, size_t errstr_size)
{
        if (!atomic_load(&((dist_t *)h)->started)) {
                snprintf(errstr, errstr_size, "Worker is still starting up.");
                return FERRY_HERDER_CONFLICT;
        }
        dist_t *d = (dist_t *)h;
        if (!ferry_worker_validate_connector(h->worker, config, errs) || errs->n)
                return FERRY_HERDER_INVALID;
        if (sync_config(d, errstr, errstr_size) < 0)
                return FERRY_HERDER_ERROR;
        pthread_mutex_lock(&d->cs.lock);
        ferry_config_conn_t *c = ferry_config_store_find(&d->cs, name);
        bool exists = c && c->has_config;
        pthread_mutex_unlock(&d->cs.lock);
        if (exists && !allow_update) {
                snprintf(errstr, errstr_size, "Connector %s already exists", name);
                return FERRY_HERDER_EXISTS;
        }
        *created = !exists;
        if (!is_leader(d))
                return forward_put(d, name, config, initial, allow_update, created, errstr, errstr_size);
        int rc = ferry_config_store_put_connector(&d->cs, name, config, exists ? NULL : &initial, errstr,
                                                  errstr_size);
        if (rc == 0)
                rc = sync_config(d, errstr, errstr_size);
        return rc == 0 ? FERRY_HERDER_OK : FERRY_HERDER_ERROR;
}

/* CONFLICT while this worker is starting, NOT_FOUND for a connector without a config, else OK.
 * With sync the config topic is read to its end first (operations that write need the newest
 * view). */
static ferry_herder_rc_t check_known(ferry_herder_t *h, const char *name, bool sync)
{
        dist_t *d = (dist_t *)h;
        if (!atomic_load(&d->started))
                return FERRY_HERDER_CONFLICT;
        if (sync) {
                char errstr[1024];
                sync_config(d, errstr, sizeof(errstr));
        }
        pthread_mutex_lock(&d->cs.lock);
        ferry_config_conn_t *c = ferry_config_store_find(&d->cs, name);
        bool ok = c && c->has_config;
        pthread_mutex_unlock(&d->cs.lock);
        return ok ? FERRY_HERDER_OK : FERRY_HERDER_NOT_FOUND;
}

static ferry_herder_rc_t delete_connector(ferry_herder_t *h, const char *name)
{
        ferry_herder_rc_t known = check_known(h, name, true);
        if (known != FERRY_HERDER_OK)
                return known;
        dist_t *d = (dist_t *)h;
        char errstr[1024];
        if (!is_leader(d))
                return to_leader(d, "DELETE", "/connectors/", name, "", NULL, NULL, errstr, sizeof(errstr));
        int rc = ferry_config_store_delete_connector(&d->cs, name, errstr, sizeof(errstr));
        if (rc == 0)
                rc = sync_config(d, errstr, sizeof(errstr));
        return rc == 0 ? FERRY_HERDER_OK : FERRY_HERDER_ERROR;
}

static char **list(ferry_herder_t *h, size_t *n)
{
        dist_t *d = (dist_t *)h;
        pthread_mutex_lock(&d->cs.lock);
        char **names = calloc(d->cs.n + 1, sizeof(*names));
        *n = 0;
        for (size_t i = 0; names && i < d->cs.n; i++)
                if (d->cs.conns[i].has_config)
                        names[(*n)++] = strdup(d->cs.conns[i].name);
        pthread_mutex_unlock(&d->cs.lock);
        if (names)
                ferry_strlist_sort(names, *n);
        return names;
}

static bool conn_is_sink(dist_t *d, const ferry_config_conn_t *c)
{
        const ferry_connector_plugin_t *p = ferry_registry_connector(
                &d->base.worker->registry, ferry_strmap_get(&c->config, "connector.class"));
        return p && p->info.type == FERRY_PLUGIN_SINK;
}

static ferry_herder_rc_t info(ferry_herder_t *h, const char *name, ferry_connector_info_t *out)
{
        if (!atomic_load(&((dist_t *)h)->started))
                return FERRY_HERDER_CONFLICT;
        dist_t *d = (dist_t *)h;
        memset(out, 0, sizeof(*out));
        pthread_mutex_lock(&d->cs.lock);
        ferry_config_conn_t *c = ferry_config_store_find(&d->cs, name);
        bool ok = c && c->has_config;
        if (ok) {
                out->name = strdup(c->name);
                ferry_strmap_init(&out->config);
                ferry_strmap_copy(&out->config, &c->config);
                out->n_tasks = c->n_tasks;
                out->tasks = calloc((size_t)c->n_tasks + 1, sizeof(*out->tasks));
                for (int i = 0; out->tasks && i < c->n_tasks; i++) {
                        ferry_strmap_init(&out->tasks[i]);
                        ferry_strmap_copy(&out->tasks[i], &c->tasks[i]);
                }
                out->type = conn_is_sink(d, c) ? FERRY_PLUGIN_SINK : FERRY_PLUGIN_SOURCE;
                out->type_known = true;
        }
        pthread_mutex_unlock(&d->cs.lock);
        return ok ? FERRY_HERDER_OK : FERRY_HERDER_NOT_FOUND;
}

/* Status from the status topic; the config store's lock held. */
static void status_locked(dist_t *d, ferry_config_conn_t *c, ferry_connector_status_t *out)
{
        memset(out, 0, sizeof(*out));
        out->name = strdup(c->name);
        out->type = conn_is_sink(d, c) ? FERRY_PLUGIN_SINK : FERRY_PLUGIN_SOURCE;
        out->type_known = true;
        out->state = ferry_status_store_get(d->ss, c->name, -1, &out->worker_id, &out->trace);
        int n = c->target == FERRY_TARGET_STOPPED ? 0 : c->n_tasks;
        out->tasks = calloc((size_t)n + 1, sizeof(*out->tasks));
        for (int i = 0; out->tasks && i < n; i++) {
                ferry_task_status_t *t = &out->tasks[i];
                t->id = i;
                t->state = ferry_status_store_get(d->ss, c->name, i, &t->worker_id, &t->trace);
        }
        out->n_tasks = out->tasks ? n : 0;
}

static ferry_herder_rc_t status(ferry_herder_t *h, const char *name, ferry_connector_status_t *out)
{
        if (!atomic_load(&((dist_t *)h)->started))
                return FERRY_HERDER_CONFLICT;
        dist_t *d = (dist_t *)h;
        pthread_mutex_lock(&d->cs.lock);
        ferry_config_conn_t *c = ferry_config_store_find(&d->cs, name);
        bool ok = c && c->has_config;
        if (ok)
                status_locked(d, c, out);
        pthread_mutex_unlock(&d->cs.lock);
        return ok ? FERRY_HERDER_OK : FERRY_HERDER_NOT_FOUND;
}

static ferry_herder_rc_t set_target(ferry_herder_t *h, const char *name, ferry_target_t target)
{
        ferry_herder_rc_t known = check_known(h, name, true);
        if (known != FERRY_HERDER_OK)
                return known;
        dist_t *d = (dist_t *)h;
        char errstr[1024];
        if (!is_leader(d)) {
                const char *what = target == FERRY_TARGET_PAUSED    ? "/pause"
                                   : target == FERRY_TARGET_STOPPED ? "/stop"
                                                                    : "/resume";
                return to_leader(d, "PUT", "/connectors/", name, what, NULL, NULL, errstr, sizeof(errstr));
        }
        int rc = ferry_config_store_put_target(&d->cs, name, target, errstr, sizeof(errstr));
        if (rc == 0)
                rc = sync_config(d, errstr, sizeof(errstr));
        return rc == 0 ? FERRY_HERDER_OK : FERRY_HERDER_ERROR;
}

static ferry_herder_rc_t restart_connector(ferry_herder_t *h, const char *name, bool include_tasks,
                                           bool only_failed, ferry_connector_status_t *out)
{
        if (!atomic_load(&((dist_t *)h)->started))
                return FERRY_HERDER_CONFLICT;
        dist_t *d = (dist_t *)h;
        char errstr[1024];
        sync_config(d, errstr, sizeof(errstr));
        ferry_connector_status_t st;
        pthread_mutex_lock(&d->cs.lock);
        ferry_config_conn_t *c = ferry_config_store_find(&d->cs, name);
        bool ok = c && c->has_config;
        if (ok)
                status_locked(d, c, &st);
        pthread_mutex_unlock(&d->cs.lock);
        if (!ok)
                return FERRY_HERDER_NOT_FOUND;
        if (!only_failed || st.state == FERRY_STATE_FAILED)
                st.state = FERRY_STATE_RESTARTING;
        for (int i = 0; include_tasks && i < st.n_tasks; i++)
                if (!only_failed || st.tasks[i].state == FERRY_STATE_FAILED)
                        st.tasks[i].state = FERRY_STATE_RESTARTING;
        ferry_herder_rc_t rc;
        if (!is_leader(d)) {
                char query[128];
                snprintf(query, sizeof(query), "/restart?includeTasks=%s&onlyFailed=%s",
                         include_tasks ? "true" : "false", only_failed ? "true" : "false");
                rc = to_leader(d, "POST", "/connectors/", name, query, NULL, NULL, errstr, sizeof(errstr));
        } else {
                rc = ferry_config_store_put_restart(&d->cs, name, include_tasks, only_failed, errstr,
                                                    sizeof(errstr)) == 0
                             ? FERRY_HERDER_OK
                             : FERRY_HERDER_ERROR;
        }
        if (out && rc == FERRY_HERDER_OK)
                *out = st;
        else
                ferry_connector_status_free(&st);
        return rc;
}

static ferry_herder_rc_t restart_task(ferry_herder_t *h, const char *name, int task)
{
        if (!atomic_load(&((dist_t *)h)->started))
                return FERRY_HERDER_CONFLICT;
        dist_t *d = (dist_t *)h;
        char errstr[1024], owner[512] = "";
        pthread_mutex_lock(&d->cs.lock);
        ferry_config_conn_t *c = ferry_config_store_find(&d->cs, name);
        bool ok = c && c->has_config && task >= 0 && task < c->n_tasks;
        const char *o = ok ? ferry_assignment_owner(&d->cs.asg, name, task) : NULL;
        if (o)
                snprintf(owner, sizeof(owner), "%s", o);
        pthread_mutex_unlock(&d->cs.lock);
        if (!ok)
                return FERRY_HERDER_NOT_FOUND;
        if (!owner[0]) {
                snprintf(errstr, sizeof(errstr), "Task %s-%d is not assigned yet", name, task);
                return FERRY_HERDER_CONFLICT;
        }
        if (!strcmp(owner, ferry_herder_worker_id(h)))
                return ferry_worker_restart_task(h->worker, name, task, errstr, sizeof(errstr)) < 0
                               ? FERRY_HERDER_ERROR
                               : FERRY_HERDER_OK;
        /* The task's owner restarts it: Connect forwards there too. */
        char base[600], what[64];
        snprintf(base, sizeof(base), "%s%s", strncmp(d->url, "https", 5) ? "http://" : "https://", owner);
        snprintf(what, sizeof(what), "/tasks/%d/restart", task);
        return ferry_forward(base, "POST", "/connectors/", name, what, NULL, NULL, errstr, sizeof(errstr));
}

static ferry_herder_rc_t topics(ferry_herder_t *h, const char *name, char ***out, size_t *n)
{
        ferry_herder_rc_t known = check_known(h, name, false);
        if (known != FERRY_HERDER_OK)
                return known;
        dist_t *d = (dist_t *)h;
        /* The status topic's view (every worker's tasks), plus what runs here and is not read
         * back yet. */
        size_t nl = 0, nr = 0;
        char **local = ferry_worker_topics(h->worker, name, &nl);
        char **recs = ferry_status_store_topics(d->ss, name, &nr);
        char **all = local && recs ? calloc(nr + nl + 1, sizeof(*all)) : NULL;
        size_t k = 0;
        for (size_t i = 0; i < nr; i++) {
                if (all)
                        all[k++] = recs[i];
                else
                        free(recs[i]);
        }
        free(recs);
        for (size_t i = 0; i < nl; i++) {
                bool dup = false;
                for (size_t j = 0; all && j < k && !dup; j++)
                        dup = !strcmp(all[j], local[i]);
                if (all && !dup)
                        all[k++] = local[i];
                else
                        free(local[i]);
        }
        free(local);
        if (!all)
                return FERRY_HERDER_ERROR;
        ferry_strlist_sort(all, k);
        *out = all;
        *n = k;
        return FERRY_HERDER_OK;
}

static ferry_herder_rc_t reset_topics(ferry_herder_t *h, const char *name)
{
        ferry_herder_rc_t known = check_known(h, name, false);
        if (known != FERRY_HERDER_OK)
                return known;
        dist_t *d = (dist_t *)h;
        int rc = ferry_status_store_reset_topics(d->ss, name);
        ferry_worker_reset_topics(h->worker, name);
        return rc == 0 ? FERRY_HERDER_OK : FERRY_HERDER_ERROR;
}

static ferry_herder_rc_t offsets(ferry_herder_t *h, const char *name, ferry_value_t **out, char *errstr,
                                 size_t errstr_size)
{
        if (!atomic_load(&((dist_t *)h)->started)) {
                snprintf(errstr, errstr_size, "Worker is still starting up.");
                return FERRY_HERDER_CONFLICT;
        }
        dist_t *d = (dist_t *)h;
        pthread_mutex_lock(&d->cs.lock);
        ferry_config_conn_t *c = ferry_config_store_find(&d->cs, name);
        bool ok = c && c->has_config, sink = ok && conn_is_sink(d, c);
        pthread_mutex_unlock(&d->cs.lock);
        if (!ok) {
                snprintf(errstr, errstr_size, "Connector %s not found", name);
                return FERRY_HERDER_NOT_FOUND;
        }
        /* Source offsets: everything other workers committed so far. */
        if (!sink)
                ferry_offsets_sync(h->worker->offsets, d->cs.sync_timeout, errstr, errstr_size);
        return ferry_herder_offsets_get(h->worker, name, sink, out, errstr, errstr_size);
}

static ferry_herder_rc_t fence(ferry_herder_t *h, const char *name, char *errstr, size_t errstr_size)
{
        dist_t *d = (dist_t *)h;
        if (!atomic_load(&d->started)) {
                snprintf(errstr, errstr_size, "Worker is still starting up.");
                return FERRY_HERDER_CONFLICT;
        }
        if (!is_leader(d))
                return to_leader(d, "PUT", "/connectors/", name, "/fence", NULL, NULL, errstr, errstr_size);
        if (sync_config(d, errstr, errstr_size) < 0)
                return FERRY_HERDER_ERROR;
        pthread_mutex_lock(&d->cs.lock);
        ferry_config_conn_t *c = ferry_config_store_find(&d->cs, name);
        bool ok = c && c->has_config, sink = ok && conn_is_sink(d, c), pending = ok && c->pending_fencing;
        int record = ok ? c->task_count_record : -1, count = ok ? c->n_tasks : 0;
        ferry_strmap_t config;
        ferry_strmap_init(&config);
        if (ok)
                ferry_strmap_copy(&config, &c->config);
        pthread_mutex_unlock(&d->cs.lock);
        ferry_herder_rc_t rc = FERRY_HERDER_OK;
        if (!ok) {
                snprintf(errstr, errstr_size, "Connector %s not found", name);
                rc = FERRY_HERDER_NOT_FOUND;
        } else if (sink) {
                snprintf(errstr, errstr_size, "Connector %s is not a source connector", name);
                rc = FERRY_HERDER_INVALID;
        } else if (pending && ferry_leader_fence_one(&d->cs, h->worker, name, &config, record, count, errstr,
                                                     errstr_size) < 0) {
                rc = FERRY_HERDER_ERROR;
        }
        ferry_strmap_free(&config);
        return rc;
}

/* A connector with its own offsets topic gets an offsets change there too (after the worker's). */
static int alter_own_offsets(dist_t *d, const char *name, const ferry_strmap_t *config,
                             const ferry_value_t *doc, char *errstr, size_t errstr_size)
{
        ferry_worker_t *w = d->base.worker;
        const char *own = ferry_strmap_get(config, "offsets.storage.topic");
        const char *global = ferry_strmap_get(&w->config, "offset.storage.topic");
        if (!own || !*own || (global && !strcmp(own, global)))
                return 0;
        ferry_klog_opts_t o = {.topic = own,
                               .partitions = (int)ferry_config_int(ferry_worker_config, &w->config,
                                                                   "offset.storage.partitions"),
                               .replication_factor = (int)ferry_config_int(
                                       ferry_worker_config, &w->config, "offset.storage.replication.factor"),
                               .config_key = "offsets.storage.topic",
                               .client_id = ferry_herder_worker_id(&d->base)};
        ferry_offsets_t *store = ferry_offsets_open_kafka(&w->config, &o, errstr, errstr_size);
        if (!store)
                return -1;
        ferry_herder_rc_t rc = ferry_herder_offsets_alter_source(store, name, doc, errstr, errstr_size);
        ferry_offsets_close(store);
        return rc == FERRY_HERDER_OK ? 0 : -1;
}

static ferry_herder_rc_t alter_offsets(ferry_herder_t *h, const char *name, const ferry_value_t *doc,
                                       char *errstr, size_t errstr_size)
{
        if (!atomic_load(&((dist_t *)h)->started)) {
                snprintf(errstr, errstr_size, "Worker is still starting up.");
                return FERRY_HERDER_CONFLICT;
        }
        dist_t *d = (dist_t *)h;
        pthread_mutex_lock(&d->cs.lock);
        ferry_config_conn_t *c = ferry_config_store_find(&d->cs, name);
        bool ok = c && c->has_config, stopped = ok && c->target == FERRY_TARGET_STOPPED;
        bool sink = ok && conn_is_sink(d, c);
        int ids = 0;
        ferry_strmap_t config;
        ferry_strmap_init(&config);
        if (ok) {
                ferry_strmap_copy(&config, &c->config);
                int max = (int)ferry_config_int(ferry_connector_config, &c->config, "tasks.max");
                ids = c->task_count_record > c->n_tasks ? c->task_count_record : c->n_tasks;
                ids = ids > max ? ids : max;
        }
        pthread_mutex_unlock(&d->cs.lock);
        if (!ok) {
                ferry_strmap_free(&config);
                snprintf(errstr, errstr_size, "Connector %s not found", name);
                return FERRY_HERDER_NOT_FOUND;
        }
        ferry_herder_rc_t rc = FERRY_HERDER_OK;
        /* Exactly-once: every producer the tasks may have used is fenced first, so no zombie
         * commits offsets after the change. */
        if (!sink && stopped && h->worker->eos == FERRY_EOS_ENABLED &&
            ferry_eos_fence(&h->worker->config, &config, name, ids, errstr, errstr_size) < 0)
                rc = FERRY_HERDER_ERROR;
        if (rc == FERRY_HERDER_OK)
                rc = ferry_herder_offsets_alter(h->worker, name, sink, stopped, doc, errstr, errstr_size);
        if (rc == FERRY_HERDER_OK && !sink &&
            alter_own_offsets(d, name, &config, doc, errstr, errstr_size) < 0)
                rc = FERRY_HERDER_ERROR;
        ferry_strmap_free(&config);
        return rc;
}

static ferry_health_t health(ferry_herder_t *h, char *message, size_t message_size)
{
        dist_t *d = (dist_t *)h;
        if (!atomic_load(&h->ready) || !atomic_load(&d->started) || !ferry_membership_joined(d->m)) {
                snprintf(message, message_size, "Worker is still starting up.");
                return FERRY_HEALTH_STARTING;
        }
        snprintf(message, message_size, "Worker has completed startup and is ready to handle requests.");
        return FERRY_HEALTH_HEALTHY;
}

static ferry_herder_rc_t member_departed(ferry_herder_t *h, const char *worker_id, const char *reason,
                                         bool forwarded, char *errstr, size_t errstr_size)
{
        dist_t *d = (dist_t *)h;
        if (!atomic_load(&d->started)) {
                snprintf(errstr, errstr_size, "Worker is still starting up.");
                return FERRY_HERDER_CONFLICT;
        }
        int64_t ttl = ferry_config_int(ferry_worker_config, &h->worker->config, "session.timeout.ms");
        char leader[512] = "";
        pthread_mutex_lock(&d->cs.lock);
        if (d->cs.asg.leader)
                snprintf(leader, sizeof(leader), "%s", d->cs.asg.leader);
        pthread_mutex_unlock(&d->cs.lock);
        if (!is_leader(d) && leader[0] && !strcmp(leader, worker_id)) {
                /* The gone worker is the leader: nobody owns the group's coordination until its
                 * session expires. This worker leads in its place meanwhile (it was told, so the
                 * others forward their writes here once its assignment names it). */
                if (ferry_membership_act_for(d->m, worker_id, ttl) < 0) {
                        snprintf(errstr, errstr_size,
                                 "This worker cannot lead in place of %s now (it is not a member of the "
                                 "group yet).",
                                 worker_id);
                        return FERRY_HERDER_CONFLICT;
                }
                FERRY_WARN("Worker %s, the leader, is gone (%s): this worker reassigns its connectors and "
                           "tasks now, without waiting for its session to expire",
                           worker_id, reason && *reason ? reason : "no reason given");
                return FERRY_HERDER_OK;
        }
        if (!is_leader(d)) {
                if (forwarded) {
                        snprintf(errstr, errstr_size,
                                 "Cannot complete request because this worker is not the leader, likely "
                                 "because a rebalance is underway.");
                        return FERRY_HERDER_CONFLICT;
                }
                ferry_jw_t j;
                ferry_jw_init(&j);
                ferry_jw_obj(&j);
                ferry_jw_kv(&j, "worker_id", worker_id);
                if (reason)
                        ferry_jw_kv(&j, "reason", reason);
                ferry_jw_end_obj(&j);
                ferry_herder_rc_t rc = to_leader(d, "POST", "/ferry/departures", "", "?forwarded=true", j.b.p,
                                                 NULL, errstr, errstr_size);
                ferry_jw_free(&j);
                return rc;
        }
        if (ferry_membership_departed(d->m, worker_id, ttl) < 0) {
                snprintf(errstr, errstr_size,
                         "Worker %s is this worker, the group's leader, and it is running.", worker_id);
                return FERRY_HERDER_INVALID;
        }
        FERRY_WARN("Worker %s is gone (%s): its connectors and tasks are reassigned now, without waiting for "
                   "its session to expire; it gets work again after %lld ms",
                   worker_id, reason && *reason ? reason : "no reason given", (long long)ttl);
        return FERRY_HERDER_OK;
}

static void stop(ferry_herder_t *h)
{
        dist_t *d = (dist_t *)h;
        if (!atomic_exchange(&d->stop, true) && atomic_load(&d->started))
                pthread_join(d->thread, NULL);
        if (d->reconfig_started) {
                ferry_worker_wake_reconfig(h->worker);
                pthread_join(d->reconfig_thread, NULL);
                d->reconfig_started = false;
        }
        /* Leave the group first so the others take over without waiting for a session timeout.
         * What this worker writes from now on carries the generation it left in: the new owners
         * write a newer one, so a late UNASSIGNED from here never hides their RUNNING. */
        d->left_gen = ferry_config_store_generation(&d->cs);
        ferry_membership_leave(d->m);
        ferry_worker_stop_all(h->worker);
        /* Only what ran here at the end: units that moved away belong to their new owners. */
        if (d->ss && d->lw)
                ferry_local_work_unassigned(d->lw, d->left_gen);
}

static void herder_free(ferry_herder_t *h)
{
        dist_t *d = (dist_t *)h;
        ferry_local_work_free(d->lw);
        ferry_membership_free(d->m);
        ferry_status_store_free(d->ss);
        ferry_config_store_free(&d->cs);
        free(d->group);
        free(d->coord_topic);
        free(d->url);
        free(d);
}

static const ferry_herder_ops_t distributed_ops = {
        .put_connector = put_connector,
        .delete_connector = delete_connector,
        .list = list,
        .info = info,
        .status = status,
        .set_target = set_target,
        .restart_connector = restart_connector,
        .restart_task = restart_task,
        .topics = topics,
        .reset_topics = reset_topics,
        .offsets = offsets,
        .alter_offsets = alter_offsets,
        .fence = fence,
        .health = health,
        .member_departed = member_departed,
        .stop = stop,
        .free = herder_free,
};

/* ---- start-up ---- */

ferry_herder_t *ferry_distributed_herder_new(ferry_worker_t *w, char *errstr, size_t errstr_size)
{
        const ferry_strmap_t *wc = &w->config;
        static const char *const required[] = {"group.id", "config.storage.topic", "offset.storage.topic",
                                               "status.storage.topic", NULL};
        for (size_t i = 0; required[i]; i++) {
                const char *v = ferry_strmap_get(wc, required[i]);
                if (!v || !*v) {
                        snprintf(errstr, errstr_size,
                                 "Missing required configuration \"%s\" which has no default value.",
                                 required[i]);
                        return NULL;
                }
        }
        dist_t *d = calloc(1, sizeof(*d));
        if (!d)
                return NULL;
        d->base.ops = &distributed_ops;
        d->base.worker = w;
        ferry_config_store_init(&d->cs,
                                (int)ferry_config_int(ferry_worker_config, wc, "worker.sync.timeout.ms"));
        w->distributed = true;
        w->eos = ferry_eos_level(wc);
        if (w->eos == FERRY_EOS_ENABLED)
                d->cs.eos_worker = w;
        d->group = strdup(ferry_strmap_get(wc, "group.id"));
        char coord[512];
        snprintf(coord, sizeof(coord), "%s-coordination", ferry_strmap_get(wc, "config.storage.topic"));
        d->coord_topic = strdup(coord);
        return &d->base;
}

int ferry_distributed_herder_start(ferry_herder_t *h, char *errstr, size_t errstr_size)
{
        dist_t *d = (dist_t *)h;
        ferry_worker_t *w = h->worker;
        const ferry_strmap_t *wc = &w->config;
        const char *wid = ferry_herder_worker_id(&d->base);
        const char *listeners = ferry_config_str(ferry_worker_config, wc, "listeners");
        char url[600];
        snprintf(url, sizeof(url), "%s://%s", listeners && !strncmp(listeners, "https", 5) ? "https" : "http",
                 wid);
        d->url = strdup(url);

        ferry_klog_opts_t oo = {
                .topic = ferry_strmap_get(wc, "offset.storage.topic"),
                .partitions = (int)ferry_config_int(ferry_worker_config, wc, "offset.storage.partitions"),
                .replication_factor =
                        (int)ferry_config_int(ferry_worker_config, wc, "offset.storage.replication.factor"),
                .config_key = "offset.storage.topic",
                .client_id = wid};
        w->offsets = ferry_offsets_open_kafka(wc, &oo, errstr, errstr_size);
        if (!w->offsets)
                goto fail;
        ferry_klog_opts_t so = {
                .topic = ferry_strmap_get(wc, "status.storage.topic"),
                .partitions = (int)ferry_config_int(ferry_worker_config, wc, "status.storage.partitions"),
                .replication_factor =
                        (int)ferry_config_int(ferry_worker_config, wc, "status.storage.replication.factor"),
                .config_key = "status.storage.topic",
                .client_id = wid};
        d->ss = ferry_status_store_open(wc, &so, wid, on_topics_reset, d, errstr, errstr_size);
        if (!d->ss)
                goto fail;
        ferry_klog_opts_t fo = {.topic = ferry_strmap_get(wc, "config.storage.topic"),
                                .partitions = 1,
                                .replication_factor = (int)ferry_config_int(
                                        ferry_worker_config, wc, "config.storage.replication.factor"),
                                .require_single = true,
                                .config_key = "config.storage.topic",
                                .client_id = wid};
        if (ferry_config_store_open(&d->cs, wc, &fo, errstr, errstr_size) < 0)
                goto fail;
        if (ferry_config_store_sync(&d->cs, 60000, errstr, errstr_size) < 0 ||
            ferry_status_store_sync(d->ss, 60000, errstr, errstr_size) < 0)
                goto fail;
        pthread_mutex_lock(&d->cs.lock);
        d->cs.caught_up = true;
        pthread_mutex_unlock(&d->cs.lock);
        d->lw = ferry_local_work_new(w, d->ss);
        ferry_membership_hooks_t hooks = {.generation = hook_generation, .sync = hook_sync, .data = d};
        d->m = ferry_membership_new(wc, d->group, d->coord_topic, wid, &hooks);
        if (!d->lw || !d->m) {
                snprintf(errstr, errstr_size, "out of memory");
                goto fail;
        }
        if (ferry_membership_join(d->m, errstr, errstr_size) < 0)
                goto fail;
        if (pthread_create(&d->thread, NULL, herder_main, d) != 0) {
                snprintf(errstr, errstr_size, "cannot start the herder thread");
                goto fail;
        }
        d->reconfig_started = pthread_create(&d->reconfig_thread, NULL, reconfig_main, d) == 0;
        if (!d->reconfig_started)
                FERRY_WARN("Cannot start the thread for task reconfiguration requests: connectors' requests "
                           "wait");
        FERRY_INFO("Joined group %s as %s (coordination topic %s)", d->group, wid, d->coord_topic);
        atomic_store(&d->started, true);
        return 0;
fail:
        atomic_store(&d->stop, true);
        ferry_membership_free(d->m);
        d->m = NULL;
        return -1;
}
