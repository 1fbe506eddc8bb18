/* Standalone herder: one worker, connector configs and target states held in memory (from the
 * command line or REST), source offsets in a local file, sink offsets in each connector's consumer
 * group. Creating a connector validates it, starts it, asks it for task configs and starts every
 * task on this worker; changes are serialised by one lock. Implements ferry_herder_ops_t. */
#include "herder.h"
#include "kafka.h"

#include <ferry/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
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
                qsort(names, *n, sizeof(*names), cmp_str);
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

static void group_name(char *buf, size_t size, const char *connector)
{
        snprintf(buf, size, "connect-%s", connector);
}

/* The embedded cluster has no consumer-group offset administration, and librdkafka 2.0 aborts on
 * the failing request (issues #3663, #4605): refuse instead. */
static bool embedded_refuses(ferry_herder_t *h, char *errstr, size_t errstr_size)
{
        if (!h->worker->embedded)
                return false;
        snprintf(errstr, errstr_size,
                 "Sink connector offsets cannot be read or changed on the embedded Kafka cluster; use a real "
                 "Kafka cluster");
        return true;
}

static ferry_herder_rc_t sink_offsets(ferry_herder_t *h, const char *name, ferry_value_t *list, char *errstr,
                                      size_t errstr_size)
{
        if (embedded_refuses(h, errstr, errstr_size))
                return FERRY_HERDER_ERROR;
        char group[512];
        group_name(group, sizeof(group), name);
        rd_kafka_topic_partition_list_t *parts = NULL;
        if (ferry_kafka_group_offsets(&h->worker->config, group, &parts, errstr, errstr_size) < 0)
                return FERRY_HERDER_ERROR;
        for (int i = 0; i < parts->cnt; i++) {
                if (parts->elems[i].offset < 0)
                        continue;
                ferry_value_t *item = ferry_value_map(), *p = ferry_value_map(), *o = ferry_value_map();
                ferry_map_put_str(p, "kafka_topic", ferry_value_cstring(parts->elems[i].topic));
                ferry_map_put_str(p, "kafka_partition",
                                  ferry_value_int(FERRY_TYPE_INT32, parts->elems[i].partition));
                ferry_map_put_str(o, "kafka_offset",
                                  ferry_value_int(FERRY_TYPE_INT64, parts->elems[i].offset));
                ferry_map_put_str(item, "partition", p);
                ferry_map_put_str(item, "offset", o);
                ferry_array_append(list, item);
        }
        rd_kafka_topic_partition_list_destroy(parts);
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
        ferry_value_t *list = NULL;
        ferry_herder_rc_t rc = FERRY_HERDER_OK;
        if (sink) {
                list = ferry_value_array();
                rc = sink_offsets(h, name, list, errstr, errstr_size);
        } else {
                list = ferry_offsets_list(h->worker->offsets, name);
        }
        if (rc != FERRY_HERDER_OK || !list) {
                ferry_value_free(list);
                return rc == FERRY_HERDER_OK ? FERRY_HERDER_ERROR : rc;
        }
        *out = ferry_value_map();
        ferry_map_put_str(*out, "offsets", list);
        return FERRY_HERDER_OK;
}

static bool is_int(const ferry_value_t *v)
{
        return v && v->type <= FERRY_TYPE_INT64;
}

/* Sink offsets: partitions {"kafka_topic","kafka_partition"}, offsets {"kafka_offset"} or null. */
static ferry_herder_rc_t alter_sink(ferry_herder_t *h, const char *name, const ferry_value_t *items,
                                    char *errstr, size_t errstr_size)
{
        if (embedded_refuses(h, errstr, errstr_size))
                return FERRY_HERDER_ERROR;
        char group[512];
        group_name(group, sizeof(group), name);
        if (!items)
                return ferry_kafka_group_delete(&h->worker->config, group, errstr, errstr_size) < 0
                               ? FERRY_HERDER_ERROR
                               : FERRY_HERDER_OK;
        rd_kafka_topic_partition_list_t *alter = rd_kafka_topic_partition_list_new(4);
        rd_kafka_topic_partition_list_t *del = rd_kafka_topic_partition_list_new(4);
        ferry_herder_rc_t rc = FERRY_HERDER_OK;
        for (size_t i = 0; i < items->u.a.n && rc == FERRY_HERDER_OK; i++) {
                const ferry_value_t *item = items->u.a.items[i];
                const ferry_value_t *p = ferry_map_get_str(item, "partition");
                const ferry_value_t *o = ferry_map_get_str(item, "offset");
                const ferry_value_t *topic =
                        p && p->type == FERRY_TYPE_MAP ? ferry_map_get_str(p, "kafka_topic") : NULL;
                const ferry_value_t *part =
                        p && p->type == FERRY_TYPE_MAP ? ferry_map_get_str(p, "kafka_partition") : NULL;
                const ferry_value_t *off =
                        o && o->type == FERRY_TYPE_MAP ? ferry_map_get_str(o, "kafka_offset") : NULL;
                if (!topic || topic->type != FERRY_TYPE_STRING) {
                        snprintf(errstr, errstr_size, "Kafka topic names must be valid strings");
                        rc = FERRY_HERDER_INVALID;
                } else if (!is_int(part)) {
                        snprintf(errstr, errstr_size, "Kafka partitions must be valid numbers");
                        rc = FERRY_HERDER_INVALID;
                } else if (o && !is_int(off)) {
                        snprintf(errstr, errstr_size, "Kafka offsets must be valid numbers");
                        rc = FERRY_HERDER_INVALID;
                } else if (o && off->u.i < 0) {
                        snprintf(errstr, errstr_size, "Kafka offsets must be non-negative");
                        rc = FERRY_HERDER_INVALID;
                } else if (o) {
                        rd_kafka_topic_partition_list_add(alter, topic->u.s.data, (int32_t)part->u.i)
                                ->offset = off->u.i;
                } else {
                        rd_kafka_topic_partition_list_add(del, topic->u.s.data, (int32_t)part->u.i);
                }
        }
        if (rc == FERRY_HERDER_OK &&
            ferry_kafka_group_alter(&h->worker->config, group, alter, del, errstr, errstr_size) < 0)
                rc = FERRY_HERDER_ERROR;
        rd_kafka_topic_partition_list_destroy(alter);
        rd_kafka_topic_partition_list_destroy(del);
        return rc;
}

static ferry_herder_rc_t alter_source(ferry_herder_t *h, const char *name, const ferry_value_t *items,
                                      char *errstr, size_t errstr_size)
{
        ferry_offsets_t *store = h->worker->offsets;
        ferry_value_t *all = items ? NULL : ferry_offsets_list(store, name);
        const ferry_value_t *src = items ? items : all;
        size_t n = src ? src->u.a.n : 0;
        ferry_value_t **parts = calloc(n + 1, sizeof(*parts)), **offs = calloc(n + 1, sizeof(*offs));
        ferry_herder_rc_t rc = parts && offs ? FERRY_HERDER_OK : FERRY_HERDER_ERROR;
        for (size_t i = 0; i < n && rc == FERRY_HERDER_OK; i++) {
                ferry_value_t *p = ferry_map_get_str(src->u.a.items[i], "partition");
                ferry_value_t *o = items ? ferry_map_get_str(src->u.a.items[i], "offset") : NULL;
                if (!p || p->type != FERRY_TYPE_MAP) {
                        snprintf(errstr, errstr_size, "Partitions must be JSON objects");
                        rc = FERRY_HERDER_INVALID;
                } else if (o && o->type != FERRY_TYPE_MAP) {
                        snprintf(errstr, errstr_size, "Offsets must be JSON objects or null");
                        rc = FERRY_HERDER_INVALID;
                }
                parts[i] = p;
                offs[i] = o;
        }
        if (rc == FERRY_HERDER_OK && n > 0 &&
            ferry_offsets_commit(store, name, parts, offs, n, errstr, errstr_size) < 0)
                rc = FERRY_HERDER_ERROR;
        free(parts);
        free(offs);
        ferry_value_free(all);
        return rc;
}

static ferry_herder_rc_t alter_offsets(ferry_herder_t *h, const char *name, const ferry_value_t *offsets_doc,
                                       char *errstr, size_t errstr_size)
{
        standalone_t *s = (standalone_t *)h;
        pthread_mutex_lock(&s->lock);
        sa_conn_t *c = find(s, name);
        ferry_herder_rc_t rc = FERRY_HERDER_OK;
        const ferry_value_t *items = NULL;
        if (!c) {
                snprintf(errstr, errstr_size, "Connector %s not found", name);
                rc = FERRY_HERDER_NOT_FOUND;
        } else if (c->target != FERRY_TARGET_STOPPED) {
                snprintf(errstr, errstr_size,
                         "Connectors must be in the STOPPED state before their offsets can be modified. This "
                         "can be "
                         "done for the specified connector by issuing a 'PUT' request to the "
                         "'/connectors/%s/stop' "
                         "endpoint",
                         name);
                rc = FERRY_HERDER_INVALID;
        } else if (offsets_doc) {
                items = offsets_doc->type == FERRY_TYPE_MAP ? ferry_map_get_str(offsets_doc, "offsets")
                                                            : NULL;
                if (!items || items->type != FERRY_TYPE_ARRAY || items->u.a.n == 0) {
                        snprintf(errstr, errstr_size,
                                 "The offsets to be altered must be a non-empty \"offsets\" list");
                        rc = FERRY_HERDER_INVALID;
                }
                for (size_t i = 0; rc == FERRY_HERDER_OK && i < items->u.a.n; i++) {
                        if (!items->u.a.items[i] || items->u.a.items[i]->type != FERRY_TYPE_MAP ||
                            !ferry_map_get_str(items->u.a.items[i], "partition")) {
                                snprintf(errstr, errstr_size,
                                         "Each offset entry must have a \"partition\" object");
                                rc = FERRY_HERDER_INVALID;
                        }
                }
        }
        if (rc == FERRY_HERDER_OK)
                rc = c->sink ? alter_sink(h, name, offsets_doc ? items : NULL, errstr, errstr_size)
                             : alter_source(h, name, offsets_doc ? items : NULL, errstr, errstr_size);
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

static void stop(ferry_herder_t *h)
{
        ferry_worker_stop_all(h->worker);
}

static void herder_free(ferry_herder_t *h)
{
        standalone_t *s = (standalone_t *)h;
        for (size_t i = 0; i < s->n; i++)
                conn_clear(&s->conns[i]);
        free(s->conns);
        pthread_mutex_destroy(&s->lock);
        free(s);
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
        pthread_mutex_init(&s->lock, NULL);
        return &s->base;
}
