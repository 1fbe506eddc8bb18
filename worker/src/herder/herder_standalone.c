/* Standalone herder: one worker, connector configs and target states held in memory (from the
 * command line or REST), source offsets in a local file, sink offsets in each connector's consumer
 * group. Creating a connector validates it, starts it, asks it for task configs and starts every
 * task on this worker; changes are serialised by one lock. Implements ferry_herder_ops_t. */
#include "herder/herder.h"
#include "kafka/kafka.h"

#include <ferry/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

typedef struct {
        char *name;
        ferry_strmap_t config;
        ferry_target_t target;
        ferry_strmap_t *tasks; /* task configs in force */
        int n_tasks;
        bool sink;
} sa_conn_t;

typedef struct {
        ferry_herder_t base;
        pthread_mutex_t lock; /* serialises changes and reads of conns */
        sa_conn_t *conns;
        size_t n, cap;
        pthread_t reconfig_thread; /* serves task reconfiguration requests of connectors */
        bool reconfig_started;
        atomic_bool stopping;
} standalone_t;

const char *ferry_herder_worker_id(ferry_herder_t *h)
{
        return h->worker->worker_id ? h->worker->worker_id : "localhost:8083";
}

void ferry_connector_status_free(ferry_connector_status_t *s)
{
        if (!s)
                return;
        free(s->name);
        free(s->worker_id);
        free(s->trace);
        for (int i = 0; i < s->n_tasks; i++) {
                free(s->tasks[i].worker_id);
                free(s->tasks[i].trace);
        }
        free(s->tasks);
        memset(s, 0, sizeof(*s));
}

void ferry_connector_info_free(ferry_connector_info_t *i)
{
        if (!i)
                return;
        free(i->name);
        ferry_strmap_free(&i->config);
        ferry_task_configs_free(i->tasks, i->n_tasks);
        memset(i, 0, sizeof(*i));
}

static sa_conn_t *find(standalone_t *s, const char *name)
{
        for (size_t i = 0; i < s->n; i++)
                if (!strcmp(s->conns[i].name, name))
                        return &s->conns[i];
        return NULL;
}

static void start_tasks(standalone_t *s, sa_conn_t *c)
{
        char errstr[1024];
        for (int i = 0; i < c->n_tasks; i++)
                if (ferry_worker_start_task(s->base.worker, c->name, i, &c->tasks[i], c->target, errstr,
                                            sizeof(errstr)) < 0)
                        FERRY_ERROR("Task %s-%d failed to start: %s", c->name, i, errstr);
}

/* Starts the connector and all its tasks on the worker (the connector alone when STOPPED). */
static void start_all(standalone_t *s, sa_conn_t *c)
{
        ferry_task_configs_free(c->tasks, c->n_tasks);
        c->tasks = NULL;
        c->n_tasks = 0;
        char errstr[1024];
        if (ferry_worker_start_connector(s->base.worker, c->name, &c->config, c->target, &c->tasks,
                                         &c->n_tasks, errstr, sizeof(errstr)) < 0)
                return;
        start_tasks(s, c);
}

static void conn_clear(sa_conn_t *c)
{
        free(c->name);
        ferry_strmap_free(&c->config);
        ferry_task_configs_free(c->tasks, c->n_tasks);
}

static ferry_herder_rc_t put_connector(ferry_herder_t *h, const char *name, const ferry_strmap_t *config,
                                       ferry_target_t initial, bool allow_update, bool *created,
                                       ferry_cfg_errors_t *errs, char *errstr, size_t errstr_size)
{
        standalone_t *s = (standalone_t *)h;
        const ferry_connector_plugin_t *p = ferry_worker_validate_connector(h->worker, config, errs);
        if (!p || errs->n)
                return FERRY_HERDER_INVALID;
        pthread_mutex_lock(&s->lock);
        sa_conn_t *c = find(s, name);
        if (c && !allow_update) {
                pthread_mutex_unlock(&s->lock);
                snprintf(errstr, errstr_size, "Connector %s already exists", name);
                return FERRY_HERDER_EXISTS;
        }
        *created = !c;
        if (c) {
                ferry_worker_stop_connector(h->worker, name);
                ferry_strmap_clear(&c->config);
        } else {
                if (s->n == s->cap) {
                        size_t cap = s->cap ? s->cap * 2 : 8;
                        sa_conn_t *nc = realloc(s->conns, cap * sizeof(*nc));
                        if (!nc) {
                                pthread_mutex_unlock(&s->lock);
                                return FERRY_HERDER_ERROR;
                        }
                        s->conns = nc;
                        s->cap = cap;
                }
                c = &s->conns[s->n++];
                memset(c, 0, sizeof(*c));
                c->name = strdup(name);
                ferry_strmap_init(&c->config);
                c->target = initial;
        }
        c->sink = p->info.type == FERRY_PLUGIN_SINK;
        ferry_strmap_copy(&c->config, config);
        start_all(s, c);
        pthread_mutex_unlock(&s->lock);
        return FERRY_HERDER_OK;
}

static ferry_herder_rc_t delete_connector(ferry_herder_t *h, const char *name)
{
        standalone_t *s = (standalone_t *)h;
        pthread_mutex_lock(&s->lock);
        sa_conn_t *c = find(s, name);
        if (!c) {
                pthread_mutex_unlock(&s->lock);
                return FERRY_HERDER_NOT_FOUND;
        }
        ferry_worker_stop_connector(h->worker, name);
        ferry_worker_reset_topics(h->worker, name);
        conn_clear(c);
        *c = s->conns[--s->n];
        pthread_mutex_unlock(&s->lock);
        return FERRY_HERDER_OK;
}

static char **list(ferry_herder_t *h, size_t *n)
{
        standalone_t *s = (standalone_t *)h;
        pthread_mutex_lock(&s->lock);
        char **names = calloc(s->n + 1, sizeof(*names));
        *n = 0;
        for (size_t i = 0; names && i < s->n; i++)
                names[(*n)++] = strdup(s->conns[i].name);
        pthread_mutex_unlock(&s->lock);
        if (names)
                ferry_strlist_sort(names, *n);
        return names;
}

static ferry_herder_rc_t info(ferry_herder_t *h, const char *name, ferry_connector_info_t *out)
{
        standalone_t *s = (standalone_t *)h;
        memset(out, 0, sizeof(*out));
        pthread_mutex_lock(&s->lock);
        sa_conn_t *c = find(s, name);
        if (c) {
                out->name = strdup(c->name);
                ferry_strmap_init(&out->config);
                ferry_strmap_copy(&out->config, &c->config);
                out->n_tasks = c->target == FERRY_TARGET_STOPPED ? 0 : c->n_tasks;
                out->tasks = calloc((size_t)out->n_tasks + 1, sizeof(*out->tasks));
                for (int i = 0; out->tasks && i < out->n_tasks; i++) {
                        ferry_strmap_init(&out->tasks[i]);
                        ferry_strmap_copy(&out->tasks[i], &c->tasks[i]);
                }
                out->type = c->sink ? FERRY_PLUGIN_SINK : FERRY_PLUGIN_SOURCE;
                out->type_known = true;
        }
        pthread_mutex_unlock(&s->lock);
        return c ? FERRY_HERDER_OK : FERRY_HERDER_NOT_FOUND;
}

/* Fills out from the worker's view; called with s->lock held. */
static void status_locked(standalone_t *s, sa_conn_t *c, ferry_connector_status_t *out)
{
        memset(out, 0, sizeof(*out));
        const char *wid = ferry_herder_worker_id(&s->base);
        out->name = strdup(c->name);
        out->type = c->sink ? FERRY_PLUGIN_SINK : FERRY_PLUGIN_SOURCE;
        out->type_known = true;
        out->worker_id = strdup(wid);
        ferry_status_t cs, *ts = NULL;
        int n = 0;
        if (!ferry_worker_connector_status(s->base.worker, c->name, &cs, &ts, &n)) {
                out->state = FERRY_STATE_UNASSIGNED;
                return;
        }
        out->state = cs.state;
        out->trace = cs.trace;
        out->tasks = calloc((size_t)n + 1, sizeof(*out->tasks));
        for (int i = 0; out->tasks && i < n; i++) {
                out->tasks[i] = (ferry_task_status_t){ts[i].id, ts[i].state, strdup(wid), ts[i].trace};
                ts[i].trace = NULL;
        }
        out->n_tasks = out->tasks ? n : 0;
        ferry_status_free(ts, n);
}

static ferry_herder_rc_t status(ferry_herder_t *h, const char *name, ferry_connector_status_t *out)
{
        standalone_t *s = (standalone_t *)h;
        pthread_mutex_lock(&s->lock);
        sa_conn_t *c = find(s, name);
        if (c)
                status_locked(s, c, out);
        pthread_mutex_unlock(&s->lock);
        return c ? FERRY_HERDER_OK : FERRY_HERDER_NOT_FOUND;
}

static ferry_herder_rc_t set_target(ferry_herder_t *h, const char *name, ferry_target_t target)
{
        standalone_t *s = (standalone_t *)h;
        pthread_mutex_lock(&s->lock);
        sa_conn_t *c = find(s, name);
        if (!c) {
                pthread_mutex_unlock(&s->lock);
                return FERRY_HERDER_NOT_FOUND;
        }
        ferry_target_t old = c->target;
        c->target = target;
        if (old == target) {
                /* idempotent */
        } else if (old == FERRY_TARGET_STOPPED || target == FERRY_TARGET_STOPPED) {
                ferry_worker_stop_connector(h->worker, name);
                start_all(s, c);
        } else {
                ferry_worker_set_target(h->worker, name, target);
        }
        pthread_mutex_unlock(&s->lock);
        return FERRY_HERDER_OK;
}

static bool same_task_configs(const ferry_strmap_t *a, int na, const ferry_strmap_t *b, int nb)
{
        if (na != nb)
                return false;
        for (int i = 0; i < na; i++)
                if (!ferry_strmap_equal(&a[i], &b[i]))
                        return false;
        return true;
}

static ferry_herder_rc_t restart_connector(ferry_herder_t *h, const char *name, bool include_tasks,
                                           bool only_failed, ferry_connector_status_t *out)
{
        standalone_t *s = (standalone_t *)h;
        pthread_mutex_lock(&s->lock);
        sa_conn_t *c = find(s, name);
        if (!c) {
                pthread_mutex_unlock(&s->lock);
                return FERRY_HERDER_NOT_FOUND;
        }
        ferry_connector_status_t st;
        status_locked(s, c, &st);
        bool stopped = c->target == FERRY_TARGET_STOPPED;
        bool conn_restart = !stopped && (!only_failed || st.state == FERRY_STATE_FAILED);
        if (conn_restart)
                st.state = FERRY_STATE_RESTARTING;
        for (int i = 0; i < st.n_tasks; i++)
                if (!stopped && include_tasks && (!only_failed || st.tasks[i].state == FERRY_STATE_FAILED))
                        st.tasks[i].state = FERRY_STATE_RESTARTING;
        char errstr[1024];
        bool tasks_redone = false;
        if (conn_restart) {
                ferry_strmap_t *tasks = NULL;
                int n = 0;
                if (ferry_worker_restart_connector(h->worker, name, &tasks, &n, errstr, sizeof(errstr)) < 0) {
                        FERRY_ERROR("Connector %s failed to restart: %s", name, errstr);
                } else if (!same_task_configs(tasks, n, c->tasks, c->n_tasks)) {
                        /* New task configs: replace every task. */
                        ferry_worker_stop_connector(h->worker, name);
                        ferry_task_configs_free(tasks, n);
                        start_all(s, c);
                        tasks_redone = true;
                        tasks = NULL;
                        n = 0;
                }
                ferry_task_configs_free(tasks, n);
        }
        for (int i = 0; !tasks_redone && i < st.n_tasks; i++) {
                if (st.tasks[i].state != FERRY_STATE_RESTARTING)
                        continue;
                if (ferry_worker_restart_task(h->worker, name, st.tasks[i].id, errstr, sizeof(errstr)) < 0)
                        FERRY_ERROR("Task %s-%d failed to restart: %s", name, st.tasks[i].id, errstr);
        }
        pthread_mutex_unlock(&s->lock);
        if (out)
                *out = st;
        else
                ferry_connector_status_free(&st);
        return FERRY_HERDER_OK;
}

static ferry_herder_rc_t restart_task(ferry_herder_t *h, const char *name, int task)
{
        standalone_t *s = (standalone_t *)h;
        pthread_mutex_lock(&s->lock);
        sa_conn_t *c = find(s, name);
        ferry_herder_rc_t rc = FERRY_HERDER_NOT_FOUND;
        char errstr[1024];
        if (c && task >= 0 && task < c->n_tasks && c->target != FERRY_TARGET_STOPPED)
                rc = ferry_worker_restart_task(h->worker, name, task, errstr, sizeof(errstr)) < 0
                             ? FERRY_HERDER_ERROR
                             : FERRY_HERDER_OK;
        pthread_mutex_unlock(&s->lock);
        return rc;
}

static ferry_herder_rc_t topics(ferry_herder_t *h, const char *name, char ***out, size_t *n)
{
        standalone_t *s = (standalone_t *)h;
        pthread_mutex_lock(&s->lock);
        bool known = find(s, name) != NULL;
        pthread_mutex_unlock(&s->lock);
        if (!known)
                return FERRY_HERDER_NOT_FOUND;
        *out = ferry_worker_topics(h->worker, name, n);
        return *out ? FERRY_HERDER_OK : FERRY_HERDER_ERROR;
}

static ferry_herder_rc_t reset_topics(ferry_herder_t *h, const char *name)
{
        standalone_t *s = (standalone_t *)h;
        pthread_mutex_lock(&s->lock);
        bool known = find(s, name) != NULL;
        pthread_mutex_unlock(&s->lock);
        if (!known)
                return FERRY_HERDER_NOT_FOUND;
        ferry_worker_reset_topics(h->worker, name);
        return FERRY_HERDER_OK;
}

static ferry_herder_rc_t offsets(ferry_herder_t *h, const char *name, ferry_value_t **out, char *errstr,
                                 size_t errstr_size)
{
        standalone_t *s = (standalone_t *)h;
        pthread_mutex_lock(&s->lock);
        sa_conn_t *c = find(s, name);
        bool sink = c && c->sink;
        pthread_mutex_unlock(&s->lock);
        if (!c) {
                snprintf(errstr, errstr_size, "Connector %s not found", name);
                return FERRY_HERDER_NOT_FOUND;
        }
        return ferry_herder_offsets_get(h->worker, name, sink, out, errstr, errstr_size);
}

static ferry_herder_rc_t alter_offsets(ferry_herder_t *h, const char *name, const ferry_value_t *offsets_doc,
                                       char *errstr, size_t errstr_size)
{
        standalone_t *s = (standalone_t *)h;
        pthread_mutex_lock(&s->lock);
        sa_conn_t *c = find(s, name);
        ferry_herder_rc_t rc;
        if (!c) {
                snprintf(errstr, errstr_size, "Connector %s not found", name);
                rc = FERRY_HERDER_NOT_FOUND;
        } else {
                rc = ferry_herder_offsets_alter(h->worker, name, c->sink, c->target == FERRY_TARGET_STOPPED,
                                                offsets_doc, errstr, errstr_size);
        }
        pthread_mutex_unlock(&s->lock);
        return rc;
}

static ferry_health_t health(ferry_herder_t *h, char *message, size_t message_size)
{
        if (!atomic_load(&h->ready)) {
                snprintf(message, message_size, "Worker is still starting up.");
                return FERRY_HEALTH_STARTING;
        }
        snprintf(message, message_size, "Worker has completed startup and is ready to handle requests.");
        return FERRY_HEALTH_HEALTHY;
}

/* A connector asked for its task configs to be computed again: when they changed, its tasks are
 * replaced (the connector instance keeps running). */
static void reconfigure(standalone_t *s, const char *name)
{
        pthread_mutex_lock(&s->lock);
        sa_conn_t *c = find(s, name);
        ferry_strmap_t *tasks = NULL;
        int n = 0;
        char errstr[1024];
        if (!c || c->target == FERRY_TARGET_STOPPED) {
                /* deleted or stopped meanwhile */
        } else if (ferry_worker_task_configs(s->base.worker, name, &tasks, &n, errstr, sizeof(errstr)) < 0) {
                FERRY_ERROR("Connector %s: cannot compute task configs: %s", name, errstr);
        } else if (same_task_configs(tasks, n, c->tasks, c->n_tasks)) {
                FERRY_INFO("Connector %s: task configs unchanged", name);
        } else {
                FERRY_INFO("Connector %s: task configs changed (%d -> %d task(s)); replacing the tasks", name,
                           c->n_tasks, n);
                for (int i = 0; i < c->n_tasks; i++)
                        ferry_worker_stop_task(s->base.worker, name, i);
                ferry_task_configs_free(c->tasks, c->n_tasks);
                c->tasks = tasks;
                c->n_tasks = n;
                tasks = NULL;
                n = 0;
                start_tasks(s, c);
        }
        ferry_task_configs_free(tasks, n);
        pthread_mutex_unlock(&s->lock);
}

static void *reconfig_main(void *arg)
{
        standalone_t *s = arg;
        ferry_log_context("herder");
        while (!atomic_load(&s->stopping)) {
                size_t n = 0;
                char **names = ferry_worker_take_reconfig(s->base.worker, 500, &n);
                for (size_t i = 0; i < n && !atomic_load(&s->stopping); i++)
                        reconfigure(s, names[i]);
                ferry_strlist_free(names, n);
        }
        return NULL;
}

static void stop_reconfig(standalone_t *s)
{
        if (!s->reconfig_started)
                return;
        atomic_store(&s->stopping, true);
        ferry_worker_wake_reconfig(s->base.worker);
        pthread_join(s->reconfig_thread, NULL);
        s->reconfig_started = false;
}

static void stop(ferry_herder_t *h)
{
        stop_reconfig((standalone_t *)h);
        ferry_worker_stop_all(h->worker);
}

static void herder_free(ferry_herder_t *h)
{
        standalone_t *s = (standalone_t *)h;
        stop_reconfig(s);
        for (size_t i = 0; i < s->n; i++)
                conn_clear(&s->conns[i]);
        free(s->conns);
        pthread_mutex_destroy(&s->lock);
        free(s);
}

static ferry_herder_rc_t member_departed(ferry_herder_t *h, const char *worker_id, const char *reason,
                                         bool forwarded, char *errstr, size_t errstr_size)
{
        (void)h, (void)worker_id, (void)reason, (void)forwarded;
        snprintf(errstr, errstr_size,
                 "A standalone worker has no group: there is no member to reassign work from.");
        return FERRY_HERDER_INVALID;
}

static const ferry_herder_ops_t standalone_ops = {
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
        .health = health,
        .member_departed = member_departed,
        .stop = stop,
        .free = herder_free,
};

ferry_herder_t *ferry_standalone_herder_new(ferry_worker_t *w)
{
        standalone_t *s = calloc(1, sizeof(*s));
        if (!s)
                return NULL;
        s->base.ops = &standalone_ops;
        s->base.worker = w;
        /* As Connect: exactly-once source support needs the distributed herder (zombie fencing
         * through the group's leader and the config topic); standalone ignores the key. */
        const char *eos = ferry_strmap_get(&w->config, "exactly.once.source.support");
        if (eos && strcasecmp(eos, "disabled"))
                FERRY_WARN(
                        "exactly.once.source.support=%s is ignored in standalone mode: exactly-once source "
                        "support is available in distributed mode only",
                        eos);
        pthread_mutex_init(&s->lock, NULL);
        s->reconfig_started = pthread_create(&s->reconfig_thread, NULL, reconfig_main, s) == 0;
        return &s->base;
}
