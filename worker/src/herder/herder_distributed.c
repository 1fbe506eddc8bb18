/* Distributed herder: stateless workers sharing Kafka topics. Connector configs, task configs,
 * target states, restart requests and the work assignment live in the config topic (Connect's
 * record formats, plus Ferry's "ferry-assignment" record); statuses in the status topic; source
 * offsets in the offsets topic. Membership and failure detection come from Kafka's group
 * coordinator: every worker joins a consumer group (group.id) on a one-partition coordination
 * topic, and the member owning that partition leads. The leader computes task configs and a
 * balanced, sticky assignment of connectors and tasks to the live members (DescribeConsumerGroups)
 * and writes them; every worker runs what the assignment gives it. REST writes that only the
 * leader may make are forwarded to it; while no leader is known they answer 409. */
#include "herder/herder.h"
#include "kafka/kafka.h"
#include "core/config_providers.h"
#include "kafka/kafka_log.h"

#include <ferry/log.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ASSIGNMENT_KEY     "ferry-assignment"
#define FORWARD_TIMEOUT_MS 85000

typedef struct {
        char *name;
        bool has_config;
        ferry_strmap_t config;
        ferry_target_t target;
        ferry_strmap_t *tasks; /* committed task configs */
        int n_tasks;
        ferry_strmap_t *pending; /* task-<name>-<n> records not yet committed */
        int n_pending;
        bool sink;
        /* leader only: the config the committed task configs were computed from */
        ferry_strmap_t computed_for;
        bool computed;
} dconn_t;

typedef struct {
        char *key; /* "status-connector-<name>" or "status-task-<name>-<n>" */
        ferry_state_t state;
        char *trace;
        char *worker_id;
        int64_t generation; /* assignment generation the writer knew */
} dstatus_t;

typedef struct {
        char *worker;
        char **conns;
        size_t n_conns;
        char **task_conns;
        int *task_ids;
        size_t n_tasks;
} wassign_t;

typedef struct {
        int64_t generation;
        char *leader;
        char *leader_url;
        wassign_t *w;
        size_t n;
} assignment_t;

/* What runs here, as the herder thread last set it up (herder thread only). */
typedef struct {
        char *name;
        ferry_strmap_t config;
        ferry_target_t target;
        bool instance;
        int *tasks;
        ferry_strmap_t *task_configs;
        int n_tasks;
} local_t;

typedef struct {
        ferry_herder_t base;
        pthread_mutex_t lock; /* guards everything below read by REST threads */
        pthread_cond_t cond;
        dconn_t *conns;
        size_t n, cap;
        dstatus_t *st;
        size_t n_st, cap_st;
        assignment_t asg;
        bool dirty;
        bool caught_up;     /* the config topic was read to its end once */
        char *restart_conn; /* restart request to apply (herder thread) */
        bool restart_tasks, restart_only_failed;
        /* fixed after start */
        char *group;
        char *url; /* this worker's REST URL */
        ferry_klog_t *config_log, *status_log;
        rd_kafka_t *member;
        char *coord_topic;
        atomic_bool leader;
        atomic_bool joined;
        atomic_bool started; /* topics open, group joined: operations may run */
        pthread_t thread;
        atomic_bool stop;
        int sync_timeout;
        /* herder thread only */
        local_t *local;
        size_t n_local;
        char **members;
        size_t n_members;
        int64_t next_describe;
        int describe_rounds; /* describes still due after the last rebalance */
        int64_t applied_generation;
        /* Fencing: a worker that lost its group membership (session timeout, e.g. the broker away)
         * stops everything until it is a member again and holds an assignment made after that. */
        int64_t left_gen; /* the generation this worker left the group in (stop); 0 before */
        atomic_bool fenced;
        atomic_llong rejoined_at; /* ms; 0 while not a member again */
        int64_t fenced_gen;       /* the assignment generation when membership was lost */
        bool fence_synced;        /* the config topic was read to its end since the rejoin */
        dstatus_t *published;
        size_t n_published;
        /* Active topics, as Connect keeps them in the status topic: record key
         * "status-topic-<topic>:connector-<name>" -> connector name, and the keys this worker wrote
         * and has not seen deleted since (both guarded by lock). */
        ferry_strmap_t topic_recs;
        ferry_strmap_t topic_sent;
} dist_t;

/* ---- small helpers ---- */

static void assignment_free(assignment_t *a)
{
        for (size_t i = 0; i < a->n; i++) {
                free(a->w[i].worker);
                ferry_strlist_free(a->w[i].conns, a->w[i].n_conns);
                ferry_strlist_free(a->w[i].task_conns, a->w[i].n_tasks);
                free(a->w[i].task_ids);
        }
        free(a->w);
        free(a->leader);
        free(a->leader_url);
        memset(a, 0, sizeof(*a));
}

static dconn_t *find_conn(dist_t *d, const char *name)
{
        for (size_t i = 0; i < d->n; i++)
                if (!strcmp(d->conns[i].name, name))
                        return &d->conns[i];
        return NULL;
}

static dconn_t *get_conn(dist_t *d, const char *name)
{
        dconn_t *c = find_conn(d, name);
        if (c)
                return c;
        if (d->n == d->cap) {
                size_t cap = d->cap ? d->cap * 2 : 16;
                dconn_t *nc = realloc(d->conns, cap * sizeof(*nc));
                if (!nc)
                        return NULL;
                d->conns = nc;
                d->cap = cap;
        }
        c = &d->conns[d->n++];
        memset(c, 0, sizeof(*c));
        c->name = strdup(name);
        ferry_strmap_init(&c->config);
        ferry_strmap_init(&c->computed_for);
        return c;
}

static void conn_clear_tasks(ferry_strmap_t **tasks, int *n)
{
        ferry_task_configs_free(*tasks, *n);
        *tasks = NULL;
        *n = 0;
}

static void conn_remove(dist_t *d, dconn_t *c)
{
        free(c->name);
        ferry_strmap_free(&c->config);
        ferry_strmap_free(&c->computed_for);
        conn_clear_tasks(&c->tasks, &c->n_tasks);
        conn_clear_tasks(&c->pending, &c->n_pending);
        *c = d->conns[--d->n];
}

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
        size_t n = strlen(prefix);
        return len >= n && !memcmp(s, prefix, n);
}

static int strmap_from_json(ferry_strmap_t *m, json_object *o)
{
        if (!o || !json_object_is_type(o, json_type_object))
                return -1;
        json_object_object_foreach(o, k, v)
        {
                if (v)
                        ferry_strmap_set(m, k, json_object_get_string(v));
        }
        return 0;
}

static json_object *strmap_to_json(const ferry_strmap_t *m)
{
        json_object *o = json_object_new_object();
        for (size_t i = 0; i < m->n; i++)
                json_object_object_add(o, m->kv[i].key, json_object_new_string(m->kv[i].value));
        return o;
}

static ferry_target_t target_from_json(json_object *o)
{
        json_object *v2 = NULL, *v1 = NULL;
        const char *s = NULL;
        if (json_object_object_get_ex(o, "state.v2", &v2))
                s = json_object_get_string(v2);
        else if (json_object_object_get_ex(o, "state", &v1))
                s = json_object_get_string(v1);
        if (s && !strcmp(s, "PAUSED"))
                return FERRY_TARGET_PAUSED;
        if (s && !strcmp(s, "STOPPED"))
                return FERRY_TARGET_STOPPED;
        return FERRY_TARGET_STARTED;
}

/* ---- config topic reader ---- */

static void parse_assignment(dist_t *d, json_object *o)
{
        assignment_t a = {0};
        json_object *v;
        if (json_object_object_get_ex(o, "generation", &v))
                a.generation = json_object_get_int64(v);
        if (json_object_object_get_ex(o, "leader", &v))
                a.leader = strdup(json_object_get_string(v));
        if (json_object_object_get_ex(o, "leader_url", &v))
                a.leader_url = strdup(json_object_get_string(v));
        json_object *ws;
        if (json_object_object_get_ex(o, "assignments", &ws) && json_object_is_type(ws, json_type_object)) {
                a.w = calloc((size_t)json_object_object_length(ws) + 1, sizeof(*a.w));
                json_object_object_foreach(ws, worker, wo)
                {
                        wassign_t *w = &a.w[a.n++];
                        w->worker = strdup(worker);
                        json_object *cs, *ts;
                        if (json_object_object_get_ex(wo, "connectors", &cs)) {
                                size_t n = json_object_array_length(cs);
                                w->conns = calloc(n + 1, sizeof(*w->conns));
                                for (size_t i = 0; i < n; i++)
                                        w->conns[w->n_conns++] = strdup(
                                                json_object_get_string(json_object_array_get_idx(cs, i)));
                        }
                        if (json_object_object_get_ex(wo, "tasks", &ts)) {
                                size_t n = json_object_array_length(ts);
                                w->task_conns = calloc(n + 1, sizeof(*w->task_conns));
                                w->task_ids = calloc(n + 1, sizeof(*w->task_ids));
                                for (size_t i = 0; i < n; i++) {
                                        json_object *t = json_object_array_get_idx(ts, i), *c = NULL,
                                                    *id = NULL;
                                        json_object_object_get_ex(t, "connector", &c);
                                        json_object_object_get_ex(t, "task", &id);
                                        if (!c || !id)
                                                continue;
                                        w->task_conns[w->n_tasks] = strdup(json_object_get_string(c));
                                        w->task_ids[w->n_tasks++] = json_object_get_int(id);
                                }
                        }
                }
        }
        if (a.generation >= d->asg.generation) {
                assignment_free(&d->asg);
                d->asg = a;
        } else {
                assignment_free(&a);
        }
}

static void on_config_record(void *data, const char *key, size_t klen, const char *value, size_t vlen)
{
        dist_t *d = data;
        if (!key)
                return;
        char k[1024];
        snprintf(k, sizeof(k), "%.*s", (int)klen, key);
        json_object *o = NULL;
        if (value) {
                json_tokener *tok = json_tokener_new();
                o = json_tokener_parse_ex(tok, value, (int)vlen);
                json_tokener_free(tok);
                if (!o) {
                        FERRY_WARN("Ignoring config record %s: value is not JSON", k);
                        return;
                }
        }
        pthread_mutex_lock(&d->lock);
        json_object *props = NULL;
        if (has_prefix(k, klen, "connector-")) {
                const char *name = k + strlen("connector-");
                dconn_t *c = find_conn(d, name);
                if (!o) {
                        if (c)
                                conn_remove(d, c);
                } else if ((c = get_conn(d, name)) && json_object_object_get_ex(o, "properties", &props)) {
                        ferry_strmap_clear(&c->config);
                        strmap_from_json(&c->config, props);
                        c->has_config = true;
                        c->computed = false; /* the leader computes the task configs again */
                }
        } else if (has_prefix(k, klen, "task-")) {
                /* task-<name>-<n>: the name may itself contain '-', the id follows the last one. */
                char *dash = strrchr(k, '-');
                if (o && dash && dash > k + strlen("task-") &&
                    json_object_object_get_ex(o, "properties", &props)) {
                        int id = (int)strtol(dash + 1, NULL, 10);
                        *dash = '\0';
                        dconn_t *c = get_conn(d, k + strlen("task-"));
                        if (c && id >= 0 && id < 100000) {
                                if (id >= c->n_pending) {
                                        ferry_strmap_t *np =
                                                realloc(c->pending, (size_t)(id + 1) * sizeof(*np));
                                        if (np) {
                                                for (int i = c->n_pending; i <= id; i++)
                                                        ferry_strmap_init(&np[i]);
                                                c->pending = np;
                                                c->n_pending = id + 1;
                                        }
                                }
                                if (id < c->n_pending) {
                                        ferry_strmap_clear(&c->pending[id]);
                                        strmap_from_json(&c->pending[id], props);
                                }
                        }
                }
        } else if (has_prefix(k, klen, "commit-")) {
                json_object *n = NULL;
                dconn_t *c = o ? get_conn(d, k + strlen("commit-")) : NULL;
                if (c && json_object_object_get_ex(o, "tasks", &n)) {
                        int tasks = json_object_get_int(n);
                        conn_clear_tasks(&c->tasks, &c->n_tasks);
                        c->tasks = calloc((size_t)tasks + 1, sizeof(*c->tasks));
                        for (int i = 0; c->tasks && i < tasks; i++) {
                                ferry_strmap_init(&c->tasks[i]);
                                if (i < c->n_pending)
                                        ferry_strmap_copy(&c->tasks[i], &c->pending[i]);
                        }
                        c->n_tasks = c->tasks ? tasks : 0;
                        conn_clear_tasks(&c->pending, &c->n_pending);
                }
        } else if (has_prefix(k, klen, "target-state-")) {
                dconn_t *c = get_conn(d, k + strlen("target-state-"));
                if (c)
                        c->target = o ? target_from_json(o) : FERRY_TARGET_STARTED;
        } else if (has_prefix(k, klen, "restart-connector-")) {
                if (o && d->caught_up) {
                        json_object *it = NULL, *of = NULL;
                        json_object_object_get_ex(o, "include-tasks", &it);
                        json_object_object_get_ex(o, "only-failed", &of);
                        free(d->restart_conn);
                        d->restart_conn = strdup(k + strlen("restart-connector-"));
                        d->restart_tasks = it && json_object_get_boolean(it);
                        d->restart_only_failed = of && json_object_get_boolean(of);
                }
        } else if (!strcmp(k, ASSIGNMENT_KEY)) {
                if (o)
                        parse_assignment(d, o);
        }
        d->dirty = true;
        pthread_cond_broadcast(&d->cond);
        pthread_mutex_unlock(&d->lock);
        json_object_put(o);
}

/* ---- status topic ---- */

static dstatus_t *find_status(dstatus_t *st, size_t n, const char *key)
{
        for (size_t i = 0; i < n; i++)
                if (!strcmp(st[i].key, key))
                        return &st[i];
        return NULL;
}

static ferry_state_t state_from_name(const char *s)
{
        for (int i = FERRY_STATE_UNASSIGNED; i <= FERRY_STATE_RESTARTING; i++)
                if (!strcmp(ferry_state_name((ferry_state_t)i), s))
                        return (ferry_state_t)i;
        return FERRY_STATE_UNASSIGNED;
}

/* ---- active topics (status-topic-<topic>:connector-<name>) ---- */

static void topic_key(char *buf, size_t len, const char *topic, const char *conn)
{
        snprintf(buf, len, "status-topic-%s:connector-%s", topic, conn);
}

/* A topic record read back: remembered, or forgotten on a tombstone (a reset, from any worker),
 * and then this worker's tasks report the connector's topics again on their next record. */
static void on_topic_record(dist_t *d, const char *key, size_t klen, bool present)
{
        char k[1024];
        snprintf(k, sizeof(k), "%.*s", (int)klen, key);
        const char *sep = strstr(k, ":connector-");
        if (!sep)
                return;
        const char *conn = sep + strlen(":connector-");
        pthread_mutex_lock(&d->lock);
        if (present) {
                ferry_strmap_set(&d->topic_recs, k, conn);
        } else {
                ferry_strmap_unset(&d->topic_recs, k);
                ferry_strmap_unset(&d->topic_sent, k);
        }
        pthread_mutex_unlock(&d->lock);
        if (!present)
                ferry_worker_reset_topics(d->base.worker, conn);
}

static void on_status_record(void *data, const char *key, size_t klen, const char *value, size_t vlen)
{
        dist_t *d = data;
        if (key && has_prefix(key, klen, "status-topic-")) {
                on_topic_record(d, key, klen, value != NULL);
                return;
        }
        if (!key || !has_prefix(key, klen, "status-"))
                return;
        char k[1024];
        snprintf(k, sizeof(k), "%.*s", (int)klen, key);
        json_object *o = NULL;
        if (value) {
                json_tokener *tok = json_tokener_new();
                o = json_tokener_parse_ex(tok, value, (int)vlen);
                json_tokener_free(tok);
        }
        pthread_mutex_lock(&d->lock);
        dstatus_t *s = find_status(d->st, d->n_st, k);
        if (!s && o) {
                if (d->n_st == d->cap_st) {
                        size_t cap = d->cap_st ? d->cap_st * 2 : 32;
                        dstatus_t *ns = realloc(d->st, cap * sizeof(*ns));
                        if (ns) {
                                d->st = ns;
                                d->cap_st = cap;
                        }
                }
                if (d->n_st < d->cap_st) {
                        s = &d->st[d->n_st++];
                        memset(s, 0, sizeof(*s));
                        s->key = strdup(k);
                }
        }
        json_object *gen = NULL;
        int64_t g = o && json_object_object_get_ex(o, "generation", &gen) ? json_object_get_int64(gen) : 0;
        if (s && o && g < s->generation) {
                /* Written by a worker that had not yet seen the newer assignment: stale. */
                s = NULL;
        }
        if (s) {
                s->generation = g;
                free(s->trace);
                free(s->worker_id);
                s->trace = s->worker_id = NULL;
                json_object *v = NULL;
                s->state = o && json_object_object_get_ex(o, "state", &v)
                                   ? state_from_name(json_object_get_string(v))
                                   : FERRY_STATE_UNASSIGNED;
                if (o && json_object_object_get_ex(o, "trace", &v) && v)
                        s->trace = strdup(json_object_get_string(v));
                if (o && json_object_object_get_ex(o, "worker_id", &v) && v)
                        s->worker_id = strdup(json_object_get_string(v));
        }
        pthread_mutex_unlock(&d->lock);
        json_object_put(o);
}

static int write_json(ferry_klog_t *log, const char *key, json_object *o, char *errstr, size_t errstr_size)
{
        const char *text = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : NULL;
        return ferry_klog_send(log, key, text, text ? strlen(text) : 0, errstr, errstr_size);
}

static void publish_status(dist_t *d, const char *key, ferry_state_t state, const char *trace)
{
        dstatus_t *p = find_status(d->published, d->n_published, key);
        /* Unchanged since this worker last wrote it, and nobody wrote it since: nothing to do. */
        pthread_mutex_lock(&d->lock);
        dstatus_t *cur = find_status(d->st, d->n_st, key);
        bool ours = cur && cur->worker_id && !strcmp(cur->worker_id, ferry_herder_worker_id(&d->base));
        pthread_mutex_unlock(&d->lock);
        if (p && ours && p->state == state &&
            ((!p->trace && !trace) || (p->trace && trace && !strcmp(p->trace, trace))))
                return;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "state", json_object_new_string(ferry_state_name(state)));
        json_object_object_add(o, "trace", trace ? json_object_new_string(trace) : NULL);
        json_object_object_add(o, "worker_id", json_object_new_string(ferry_herder_worker_id(&d->base)));
        json_object_object_add(o, "generation",
                               json_object_new_int64(d->left_gen ? d->left_gen : d->asg.generation));
        char err[512];
        if (write_json(d->status_log, key, o, err, sizeof(err)) < 0) {
                FERRY_WARN("Could not write status %s: %s", key, err);
                json_object_put(o);
                return;
        }
        json_object_put(o);
        if (!p) {
                dstatus_t *np = realloc(d->published, (d->n_published + 1) * sizeof(*np));
                if (!np)
                        return;
                d->published = np;
                p = &d->published[d->n_published++];
                memset(p, 0, sizeof(*p));
                p->key = strdup(key);
        }
        p->state = state;
        free(p->trace);
        p->trace = trace ? strdup(trace) : NULL;
}

/* ---- membership ---- */

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                         void *opaque)
{
        dist_t *d = opaque;
        bool cooperative = !strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE");
        bool has_zero = false;
        for (int i = 0; i < parts->cnt; i++)
                has_zero |= parts->elems[i].partition == 0;
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
                if (atomic_load(&d->fenced) && !atomic_load(&d->rejoined_at))
                        atomic_store(&d->rejoined_at, ferry_now_ms());
                if (cooperative)
                        rd_kafka_incremental_assign(rk, parts);
                else
                        rd_kafka_assign(rk, parts);
                if (has_zero) {
                        FERRY_INFO("This worker is now the leader of group %s", d->group);
                        atomic_store(&d->leader, true);
                }
        } else {
                if (has_zero) {
                        FERRY_INFO("This worker is no longer the leader of group %s", d->group);
                        atomic_store(&d->leader, false);
                }
                if (rd_kafka_assignment_lost(rk) && !atomic_load(&d->fenced)) {
                        /* Others may be given our connectors and tasks now: stop them all, as a
                         * Connect worker revokes its assignment when its generation is lost. */
                        pthread_mutex_lock(&d->lock);
                        d->fenced_gen = d->asg.generation;
                        d->fence_synced = false;
                        pthread_mutex_unlock(&d->lock);
                        atomic_store(&d->rejoined_at, 0);
                        atomic_store(&d->fenced, true);
                        FERRY_WARN("This worker lost its membership of group %s: stopping its connectors and "
                                   "tasks until it rejoins",
                                   d->group);
                }
                if (cooperative)
                        rd_kafka_incremental_unassign(rk, parts);
                else
                        rd_kafka_assign(rk, NULL);
        }
        atomic_store(&d->joined, true);
        /* Membership changed: describe the group now and twice more (1 s apart) to see it settle.
         * Only then: librdkafka 2.0's coordinator-bound admin requests can abort the process when
         * the connection drops mid-request (librdkafka issues #3663, #4605), so the leader does not
         * poll the group description while nothing changes. */
        d->next_describe = 0;
        d->describe_rounds = 3;
}

/* Live members of the group (their client ids are worker ids), looked up in a child process
 * (kafka.h: ferry_kafka_group_members_isolated). */
static int describe_members(dist_t *d)
{
        char **members = NULL, err[512];
        size_t n = 0;
        if (ferry_kafka_group_members_isolated(&d->base.worker->config, d->group, 20000, &members, &n, err,
                                               sizeof(err)) < 0) {
                FERRY_WARN("Cannot see the members of group %s: %s", d->group, err);
                return -1;
        }
        ferry_strlist_free(d->members, d->n_members);
        d->members = members;
        d->n_members = n;
        return 0;
}

/* ---- leader: task configs and assignment ---- */

static int compute_task_configs(dist_t *d, const dconn_t *c, ferry_strmap_t **tasks, int *n, char *errstr,
                                size_t errstr_size)
{
        const ferry_connector_plugin_t *p = ferry_registry_connector(
                &d->base.worker->registry, ferry_strmap_get(&c->config, "connector.class"));
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
        ferry_err_t err =
                ferry_config_resolve(&d->base.worker->config, &c->config, &resolved, errstr, errstr_size) < 0
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

static bool same_tasks(const ferry_strmap_t *a, int na, const ferry_strmap_t *b, int nb)
{
        if (na != nb)
                return false;
        for (int i = 0; i < na; i++)
                if (!ferry_strmap_equal(&a[i], &b[i]))
                        return false;
        return true;
}

/* Writes task-<name>-<n> and commit-<name> for connectors whose task configs changed. Called on the
 * herder thread with d->lock held; releases it around the writes. */
static void leader_task_configs(dist_t *d)
{
        for (size_t i = 0; i < d->n; i++) {
                dconn_t *c = &d->conns[i];
                if (!c->has_config)
                        continue;
                ferry_strmap_t *tasks = NULL;
                int n = 0;
                if (c->target != FERRY_TARGET_STOPPED) {
                        if (c->computed && ferry_strmap_equal(&c->computed_for, &c->config) && c->n_tasks > 0)
                                continue;
                        char errstr[1024];
                        if (compute_task_configs(d, c, &tasks, &n, errstr, sizeof(errstr)) < 0) {
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
                pthread_mutex_unlock(&d->lock);
                char key[1100], err[512];
                int rc = 0;
                for (int t = 0; t < n && rc == 0; t++) {
                        json_object *o = json_object_new_object();
                        json_object_object_add(o, "properties", strmap_to_json(&tasks[t]));
                        snprintf(key, sizeof(key), "task-%s-%d", name, t);
                        rc = write_json(d->config_log, key, o, err, sizeof(err));
                        json_object_put(o);
                }
                if (rc == 0) {
                        json_object *o = json_object_new_object();
                        json_object_object_add(o, "tasks", json_object_new_int(n));
                        snprintf(key, sizeof(key), "commit-%s", name);
                        rc = write_json(d->config_log, key, o, err, sizeof(err));
                        json_object_put(o);
                }
                if (rc < 0)
                        FERRY_ERROR("Connector %s: cannot write task configs: %s", name, err);
                else
                        FERRY_INFO("Connector %s: wrote %d task config(s)", name, n);
                ferry_klog_read_to_end(d->config_log, d->sync_timeout, err, sizeof(err));
                ferry_task_configs_free(tasks, n);
                free(name);
                pthread_mutex_lock(&d->lock);
                return; /* d->conns may have moved: continue on the next round */
        }
}

/* Where a unit runs in the current assignment; NULL when nowhere (or on a departed member). */
static const char *owner_of(const assignment_t *a, const char *conn, int task, char **members,
                            size_t n_members)
{
        for (size_t i = 0; i < a->n; i++) {
                const wassign_t *w = &a->w[i];
                bool live = false;
                for (size_t m = 0; m < n_members && !live; m++)
                        live = !strcmp(members[m], w->worker);
                if (!live)
                        continue;
                if (task < 0) {
                        for (size_t k = 0; k < w->n_conns; k++)
                                if (!strcmp(w->conns[k], conn))
                                        return w->worker;
                } else {
                        for (size_t k = 0; k < w->n_tasks; k++)
                                if (w->task_ids[k] == task && !strcmp(w->task_conns[k], conn))
                                        return w->worker;
                }
        }
        return NULL;
}

typedef struct {
        const char *conn; /* grouping key: the connector for tasks, "" for connector instances */
        int task;         /* -1: the connector */
        int owner;        /* member index, -1: none yet */
        const char *name; /* the connector */
} unit_t;

/* Balanced and sticky. Units come grouped by connector. Each member holds at most the ceiling of
 * its share of all units, and of each connector's units (so one connector's tasks spread too); a
 * unit stays on its member unless that member is over either ceiling; the others go, one by one,
 * to the member with the fewest units of that connector, then the fewest units overall. */
static void place_units(unit_t *u, size_t n, size_t members)
{
        if (!members)
                return;
        size_t *load = calloc(members, sizeof(*load)), *group = calloc(members, sizeof(*group));
        size_t max = (n + members - 1) / members;
        for (size_t start = 0; load && group && start < n;) {
                size_t end = start;
                while (end < n && !strcmp(u[end].conn, u[start].conn))
                        end++;
                size_t gmax = (end - start + members - 1) / members;
                memset(group, 0, members * sizeof(*group));
                for (size_t i = start; i < end; i++) {
                        int o = u[i].owner;
                        if (o >= 0 && load[o] < max && group[o] < gmax) {
                                load[o]++;
                                group[o]++;
                        } else {
                                u[i].owner = -1;
                        }
                }
                for (size_t i = start; i < end; i++) {
                        if (u[i].owner >= 0)
                                continue;
                        size_t best = 0;
                        for (size_t m = 1; m < members; m++)
                                if (group[m] < group[best] ||
                                    (group[m] == group[best] && load[m] < load[best]))
                                        best = m;
                        u[i].owner = (int)best;
                        load[best]++;
                        group[best]++;
                }
                start = end;
        }
        free(load);
        free(group);
}

/* Builds the assignment for the live members; writes it when it changed. Lock held. */
static void leader_assign(dist_t *d)
{
        if (d->n_members == 0)
                return;
        size_t nc = 0, nt = 0;
        for (size_t i = 0; i < d->n; i++) {
                if (d->conns[i].has_config) {
                        nc++;
                        nt += (size_t)d->conns[i].n_tasks;
                }
        }
        unit_t *cu = calloc(nc + 1, sizeof(*cu)), *tu = calloc(nt + 1, sizeof(*tu));
        size_t ci = 0, ti = 0;
        for (size_t i = 0; cu && tu && i < d->n; i++) {
                dconn_t *c = &d->conns[i];
                if (!c->has_config)
                        continue;
                cu[ci++] = (unit_t){"", -1, -1, c->name};
                for (int t = 0; t < c->n_tasks; t++)
                        tu[ti++] = (unit_t){c->name, t, -1, c->name};
        }
        unit_t *all[2] = {cu, tu};
        size_t counts[2] = {ci, ti};
        for (int kind = 0; kind < 2 && cu && tu; kind++) {
                for (size_t i = 0; i < counts[kind]; i++) {
                        unit_t *x = &all[kind][i];
                        const char *o = owner_of(&d->asg, x->name, x->task, d->members, d->n_members);
                        for (size_t m = 0; o && m < d->n_members; m++)
                                if (!strcmp(d->members[m], o))
                                        x->owner = (int)m;
                }
                place_units(all[kind], counts[kind], d->n_members);
        }
        /* The new assignment as JSON, and whether it differs from the current one. */
        json_object *ws = json_object_new_object();
        bool changed = !d->asg.leader || strcmp(d->asg.leader, ferry_herder_worker_id(&d->base)) ||
                       d->asg.n != d->n_members;
        for (size_t m = 0; m < d->n_members; m++) {
                json_object *wo = json_object_new_object(), *cs = json_object_new_array(),
                            *ts = json_object_new_array();
                size_t mc = 0, mt = 0;
                for (size_t i = 0; cu && i < ci; i++) {
                        if (cu[i].owner != (int)m)
                                continue;
                        json_object_array_add(cs, json_object_new_string(cu[i].name));
                        mc++;
                        changed |= !owner_of(&d->asg, cu[i].name, -1, &d->members[m], 1);
                }
                for (size_t i = 0; tu && i < ti; i++) {
                        if (tu[i].owner != (int)m)
                                continue;
                        json_object *t = json_object_new_object();
                        json_object_object_add(t, "connector", json_object_new_string(tu[i].conn));
                        json_object_object_add(t, "task", json_object_new_int(tu[i].task));
                        json_object_array_add(ts, t);
                        mt++;
                        changed |= !owner_of(&d->asg, tu[i].conn, tu[i].task, &d->members[m], 1);
                }
                /* Units that left this member also count as a change. */
                for (size_t i = 0; i < d->asg.n; i++)
                        if (!strcmp(d->asg.w[i].worker, d->members[m]))
                                changed |= d->asg.w[i].n_conns != mc || d->asg.w[i].n_tasks != mt;
                json_object_object_add(wo, "connectors", cs);
                json_object_object_add(wo, "tasks", ts);
                json_object_object_add(ws, d->members[m], wo);
        }
        free(cu);
        free(tu);
        if (!changed) {
                json_object_put(ws);
                return;
        }
        json_object *o = json_object_new_object();
        json_object_object_add(o, "generation", json_object_new_int64(d->asg.generation + 1));
        json_object_object_add(o, "leader", json_object_new_string(ferry_herder_worker_id(&d->base)));
        json_object_object_add(o, "leader_url", json_object_new_string(d->url));
        json_object_object_add(o, "assignments", ws);
        int64_t gen = d->asg.generation + 1;
        pthread_mutex_unlock(&d->lock);
        char err[512];
        if (write_json(d->config_log, ASSIGNMENT_KEY, o, err, sizeof(err)) < 0)
                FERRY_ERROR("Cannot write the assignment: %s", err);
        else
                FERRY_INFO("Assignment generation %lld written for %zu worker(s)", (long long)gen,
                           d->n_members);
        json_object_put(o);
        ferry_klog_read_to_end(d->config_log, d->sync_timeout, err, sizeof(err));
        pthread_mutex_lock(&d->lock);
}

/* ---- running what is assigned here ---- */

static local_t *local_find(dist_t *d, const char *name)
{
        for (size_t i = 0; i < d->n_local; i++)
                if (!strcmp(d->local[i].name, name))
                        return &d->local[i];
        return NULL;
}

static void local_drop(dist_t *d, local_t *l)
{
        ferry_worker_detach(d->base.worker, l->name);
        free(l->name);
        ferry_strmap_free(&l->config);
        free(l->tasks);
        ferry_task_configs_free(l->task_configs, l->n_tasks);
        *l = d->local[--d->n_local];
}

typedef struct {
        char *name;
        ferry_strmap_t config;
        ferry_target_t target;
        bool instance;
        int *tasks;
        ferry_strmap_t *task_configs;
        int n_tasks;
} want_t;

static void want_free(want_t *w, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(w[i].name);
                ferry_strmap_free(&w[i].config);
                free(w[i].tasks);
                ferry_task_configs_free(w[i].task_configs, w[i].n_tasks);
        }
        free(w);
}

/* What the assignment gives this worker, copied out under the lock. */
static want_t *wanted(dist_t *d, size_t *n_out)
{
        const char *me = ferry_herder_worker_id(&d->base);
        want_t *out = calloc(d->n + 1, sizeof(*out));
        size_t n = 0;
        const wassign_t *mine = NULL;
        for (size_t i = 0; i < d->asg.n; i++)
                if (!strcmp(d->asg.w[i].worker, me))
                        mine = &d->asg.w[i];
        for (size_t i = 0; out && mine && i < d->n; i++) {
                dconn_t *c = &d->conns[i];
                if (!c->has_config)
                        continue;
                bool inst = false;
                for (size_t k = 0; k < mine->n_conns; k++)
                        inst |= !strcmp(mine->conns[k], c->name);
                int cnt = 0;
                for (size_t k = 0; k < mine->n_tasks; k++)
                        cnt += !strcmp(mine->task_conns[k], c->name) && mine->task_ids[k] < c->n_tasks;
                if (!inst && !cnt)
                        continue;
                want_t *w = &out[n++];
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
                            c->target == FERRY_TARGET_STOPPED)
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

static void reconcile_local(dist_t *d, want_t *want, size_t n_want)
{
        ferry_worker_t *w = d->base.worker;
        char errstr[1024];
        /* Drop connectors no longer here, or whose config changed (they start again below). */
        for (size_t i = 0; i < d->n_local;) {
                local_t *l = &d->local[i];
                want_t *x = NULL;
                for (size_t k = 0; k < n_want && !x; k++)
                        if (!strcmp(want[k].name, l->name))
                                x = &want[k];
                if (!x || !ferry_strmap_equal(&x->config, &l->config))
                        local_drop(d, l);
                else
                        i++;
        }
        for (size_t k = 0; k < n_want; k++) {
                want_t *x = &want[k];
                local_t *l = local_find(d, x->name);
                if (!l) {
                        if (ferry_worker_attach(w, x->name, &x->config, errstr, sizeof(errstr)) < 0) {
                                FERRY_ERROR("Cannot run connector %s here: %s", x->name, errstr);
                                continue;
                        }
                        local_t *nl = realloc(d->local, (d->n_local + 1) * sizeof(*nl));
                        if (!nl)
                                continue;
                        d->local = nl;
                        l = &d->local[d->n_local++];
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
static void publish_local(dist_t *d, want_t *want, size_t n_want)
{
        for (size_t k = 0; k < n_want; k++) {
                ferry_status_t cs, *ts = NULL;
                int n = 0;
                if (!ferry_worker_connector_status(d->base.worker, want[k].name, &cs, &ts, &n))
                        continue;
                char key[1100];
                if (want[k].instance) {
                        snprintf(key, sizeof(key), "status-connector-%s", want[k].name);
                        publish_status(d, key, cs.state, cs.trace);
                }
                for (int i = 0; i < n; i++) {
                        snprintf(key, sizeof(key), "status-task-%s-%d", want[k].name, ts[i].id);
                        publish_status(d, key, ts[i].state, ts[i].trace);
                }
                free(cs.trace);
                ferry_status_free(ts, n);
        }
}

/* Writes a topic record for every topic a connector running here has used that the status topic
 * does not hold yet. */
static void publish_topics(dist_t *d, want_t *want, size_t n_want)
{
        for (size_t k = 0; k < n_want; k++) {
                size_t n = 0;
                char **topics = ferry_worker_topics(d->base.worker, want[k].name, &n);
                for (size_t i = 0; topics && i < n; i++) {
                        char key[1024];
                        topic_key(key, sizeof(key), topics[i], want[k].name);
                        pthread_mutex_lock(&d->lock);
                        bool known = ferry_strmap_get(&d->topic_recs, key) ||
                                     ferry_strmap_get(&d->topic_sent, key);
                        pthread_mutex_unlock(&d->lock);
                        if (known)
                                continue;
                        json_object *t = json_object_new_object(), *o = json_object_new_object();
                        json_object_object_add(t, "name", json_object_new_string(topics[i]));
                        json_object_object_add(t, "connector", json_object_new_string(want[k].name));
                        json_object_object_add(t, "task",
                                               json_object_new_int(want[k].n_tasks ? want[k].tasks[0] : 0));
                        struct timespec now;
                        clock_gettime(CLOCK_REALTIME, &now);
                        json_object_object_add(
                                t, "discoverTimestamp",
                                json_object_new_int64((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000));
                        json_object_object_add(o, "topic", t);
                        char err[512];
                        if (write_json(d->status_log, key, o, err, sizeof(err)) == 0) {
                                pthread_mutex_lock(&d->lock);
                                ferry_strmap_set(&d->topic_sent, key, "");
                                pthread_mutex_unlock(&d->lock);
                        }
                        json_object_put(o);
                }
                for (size_t i = 0; topics && i < n; i++)
                        free(topics[i]);
                free(topics);
        }
}

static void apply_restart(dist_t *d, const char *name, bool tasks, bool only_failed)
{
        local_t *l = local_find(d, name);
        if (!l)
                return;
        ferry_status_t cs, *ts = NULL;
        int n = 0;
        if (!ferry_worker_connector_status(d->base.worker, name, &cs, &ts, &n))
                return;
        char errstr[1024];
        if (l->instance && (!only_failed || cs.state == FERRY_STATE_FAILED)) {
                ferry_worker_run_instance(d->base.worker, name, false, l->target, errstr, sizeof(errstr));
                ferry_worker_run_instance(d->base.worker, name, true, l->target, errstr, sizeof(errstr));
        }
        for (int i = 0; tasks && i < n; i++)
                if (!only_failed || ts[i].state == FERRY_STATE_FAILED)
                        ferry_worker_restart_task(d->base.worker, name, ts[i].id, errstr, sizeof(errstr));
        free(cs.trace);
        ferry_status_free(ts, n);
}

/* A fenced worker runs its assignment again once it is a member again and either a newer assignment
 * was written (the leader saw it leave and come back) or, the leader having noticed nothing, the
 * one it holds stayed current for FENCE_GRACE_MS after the rejoin. */
#define FENCE_GRACE_MS 3000
static void maybe_unfence(dist_t *d, int64_t now)
{
        int64_t rejoined = atomic_load(&d->rejoined_at);
        if (!rejoined)
                return;
        if (!d->fence_synced) {
                char err[512];
                if (ferry_klog_read_to_end(d->config_log, d->sync_timeout, err, sizeof(err)) < 0)
                        return;
                d->fence_synced = true;
        }
        pthread_mutex_lock(&d->lock);
        int64_t gen = d->asg.generation;
        pthread_mutex_unlock(&d->lock);
        if (gen > d->fenced_gen || now - rejoined >= FENCE_GRACE_MS) {
                atomic_store(&d->fenced, false);
                FERRY_INFO("Member of group %s again: running assignment generation %lld", d->group,
                           (long long)gen);
        }
}

/* A connector running here asked for new task configs: its config is put again, like a config
 * update (forwarded to the leader from a follower), so that the leader computes the task configs
 * anew and replaces the tasks if they changed. */
static void request_reconfig(dist_t *d, const char *name)
{
        ferry_strmap_t config;
        ferry_strmap_init(&config);
        pthread_mutex_lock(&d->lock);
        dconn_t *c = find_conn(d, name);
        bool known = c && c->has_config && ferry_strmap_copy(&config, &c->config) == 0;
        pthread_mutex_unlock(&d->lock);
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

static void *herder_main(void *arg)
{
        dist_t *d = arg;
        ferry_log_context("herder");
        while (!atomic_load(&d->stop)) {
                rd_kafka_message_t *m = rd_kafka_consumer_poll(d->member, 100);
                if (m)
                        rd_kafka_message_destroy(m);
                size_t n_reconfig = 0;
                char **reconfig = ferry_worker_take_reconfig(d->base.worker, 0, &n_reconfig);
                for (size_t i = 0; i < n_reconfig; i++)
                        request_reconfig(d, reconfig[i]);
                ferry_strlist_free(reconfig, n_reconfig);
                int64_t now = ferry_now_ms();
                if (atomic_load(&d->fenced))
                        maybe_unfence(d, now);
                pthread_mutex_lock(&d->lock);
                if (atomic_load(&d->leader) && d->caught_up) {
                        if (d->describe_rounds > 0 && now >= d->next_describe) {
                                pthread_mutex_unlock(&d->lock);
                                describe_members(d);
                                pthread_mutex_lock(&d->lock);
                                d->describe_rounds--;
                                d->next_describe = now + 1000;
                        }
                        leader_task_configs(d);
                        leader_assign(d);
                }
                char *restart = d->restart_conn;
                bool rt = d->restart_tasks, rof = d->restart_only_failed;
                d->restart_conn = NULL;
                size_t n_want = 0;
                want_t *want = atomic_load(&d->fenced) ? calloc(1, sizeof(*want)) : wanted(d, &n_want);
                if (d->asg.generation != d->applied_generation) {
                        d->applied_generation = d->asg.generation;
                        atomic_fetch_add(&d->base.worker->rebalances, 1);
                }
                d->dirty = false;
                pthread_mutex_unlock(&d->lock);
                reconcile_local(d, want, n_want);
                if (restart) {
                        apply_restart(d, restart, rt, rof);
                        free(restart);
                }
                publish_local(d, want, n_want);
                publish_topics(d, want, n_want);
                want_free(want, n_want);
        }
        return NULL;
}

/* ---- forwarding to the leader (or a task's owner) ---- */

typedef struct {
        long status;
        ferry_buf_t body;
} fwd_resp_t;

static size_t fwd_write(char *p, size_t size, size_t n, void *data)
{
        ferry_buf_append(&((fwd_resp_t *)data)->body, p, size * n);
        return size * n;
}

static int http_call(const char *url, const char *method, const char *body, fwd_resp_t *r, char *errstr,
                     size_t errstr_size)
{
        CURL *curl = curl_easy_init();
        if (!curl)
                return -1;
        struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
        hdrs = curl_slist_append(hdrs, "Accept: application/json");
        curl_easy_setopt(curl, CURLOPT_URL, url);
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
        if (body)
                curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)FORWARD_TIMEOUT_MS);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, fwd_write);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
        CURLcode cc = curl_easy_perform(curl);
        int rc = 0;
        if (cc != CURLE_OK) {
                snprintf(errstr, errstr_size, "forwarding to %s failed: %s", url, curl_easy_strerror(cc));
                rc = -1;
        } else {
                curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
        }
        curl_slist_free_all(hdrs);
        curl_easy_cleanup(curl);
        return rc;
}

static ferry_herder_rc_t map_status(long status, fwd_resp_t *r, char *errstr, size_t errstr_size)
{
        if (status >= 200 && status < 300)
                return FERRY_HERDER_OK;
        const char *msg = NULL;
        json_object *o = r->body.p ? json_tokener_parse(r->body.p) : NULL, *m = NULL;
        if (o && json_object_object_get_ex(o, "message", &m))
                msg = json_object_get_string(m);
        snprintf(errstr, errstr_size, "%s", msg ? msg : "request forwarded to the leader failed");
        json_object_put(o);
        if (status == 404)
                return FERRY_HERDER_NOT_FOUND;
        if (status == 409)
                return strstr(errstr, "already exists") ? FERRY_HERDER_EXISTS : FERRY_HERDER_CONFLICT;
        if (status == 400)
                return FERRY_HERDER_INVALID;
        return FERRY_HERDER_ERROR;
}

/* Forwards METHOD <base><before><escaped name><after> (base: the leader's URL when NULL). */
static ferry_herder_rc_t forward(dist_t *d, const char *base, const char *method, const char *before,
                                 const char *name, const char *after, const char *body, long *status,
                                 char *errstr, size_t errstr_size)
{
        char leader[512] = "";
        if (!base) {
                pthread_mutex_lock(&d->lock);
                if (d->asg.leader_url)
                        snprintf(leader, sizeof(leader), "%s", d->asg.leader_url);
                pthread_mutex_unlock(&d->lock);
                if (!leader[0]) {
                        snprintf(errstr, errstr_size,
                                 "Cannot complete request momentarily due to no known leader URL, likely "
                                 "because a "
                                 "rebalance was underway.");
                        return FERRY_HERDER_CONFLICT;
                }
                base = leader;
        }
        char *esc = curl_easy_escape(NULL, name, 0);
        char url[2600];
        snprintf(url, sizeof(url), "%s%s%s%s", base, before, esc ? esc : name, after);
        curl_free(esc);
        fwd_resp_t r = {0};
        ferry_buf_init(&r.body);
        FERRY_DEBUG("Forwarding %s %s", method, url);
        ferry_herder_rc_t rc = FERRY_HERDER_ERROR;
        if (http_call(url, method, body, &r, errstr, errstr_size) == 0) {
                if (status)
                        *status = r.status;
                rc = map_status(r.status, &r, errstr, errstr_size);
        }
        ferry_buf_free(&r.body);
        return rc;
}

/* ---- herder operations ---- */

static bool is_leader(dist_t *d)
{
        return atomic_load(&d->leader);
}

static int sync_config(dist_t *d, char *errstr, size_t errstr_size)
{
        return ferry_klog_read_to_end(d->config_log, d->sync_timeout, errstr, errstr_size);
}

static json_object *target_json(ferry_target_t t)
{
        json_object *o = json_object_new_object();
        const char *v2 = t == FERRY_TARGET_PAUSED    ? "PAUSED"
                         : t == FERRY_TARGET_STOPPED ? "STOPPED"
                                                     : "STARTED";
        json_object_object_add(o, "state",
                               json_object_new_string(t == FERRY_TARGET_STARTED ? "STARTED" : "PAUSED"));
        json_object_object_add(o, "state.v2", json_object_new_string(v2));
        return o;
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
        pthread_mutex_lock(&d->lock);
        dconn_t *c = find_conn(d, name);
        bool exists = c && c->has_config;
        pthread_mutex_unlock(&d->lock);
        if (exists && !allow_update) {
                snprintf(errstr, errstr_size, "Connector %s already exists", name);
                return FERRY_HERDER_EXISTS;
        }
        *created = !exists;
        if (!is_leader(d)) {
                json_object *cfg = strmap_to_json(config);
                long status = 0;
                ferry_herder_rc_t rc;
                if (allow_update) {
                        rc = forward(d, NULL, "PUT", "/connectors/", name, "/config",
                                     json_object_to_json_string_ext(cfg, JSON_C_TO_STRING_PLAIN), &status,
                                     errstr, errstr_size);
                        json_object_put(cfg);
                } else {
                        json_object *body = json_object_new_object();
                        json_object_object_add(body, "name", json_object_new_string(name));
                        json_object_object_add(body, "config", cfg);
                        const char *st = initial == FERRY_TARGET_PAUSED    ? "PAUSED"
                                         : initial == FERRY_TARGET_STOPPED ? "STOPPED"
                                                                           : "RUNNING";
                        json_object_object_add(body, "initial_state", json_object_new_string(st));
                        rc = forward(d, NULL, "POST", "/connectors", "", "",
                                     json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN), &status,
                                     errstr, errstr_size);
                        json_object_put(body);
                }
                if (rc == FERRY_HERDER_OK)
                        *created = status == 201;
                if (rc == FERRY_HERDER_OK)
                        sync_config(d, errstr, errstr_size);
                return rc;
        }
        char key[1100];
        int rc = 0;
        if (!exists) {
                json_object *t = target_json(initial);
                snprintf(key, sizeof(key), "target-state-%s", name);
                rc = write_json(d->config_log, key, t, errstr, errstr_size);
                json_object_put(t);
        }
        if (rc == 0) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "properties", strmap_to_json(config));
                snprintf(key, sizeof(key), "connector-%s", name);
                rc = write_json(d->config_log, key, o, errstr, errstr_size);
                json_object_put(o);
        }
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
        pthread_mutex_lock(&d->lock);
        dconn_t *c = find_conn(d, name);
        bool ok = c && c->has_config;
        pthread_mutex_unlock(&d->lock);
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
                return forward(d, NULL, "DELETE", "/connectors/", name, "", NULL, NULL, errstr,
                               sizeof(errstr));
        char key[1100];
        snprintf(key, sizeof(key), "connector-%s", name);
        int rc = ferry_klog_send(d->config_log, key, NULL, 0, errstr, sizeof(errstr));
        snprintf(key, sizeof(key), "target-state-%s", name);
        if (rc == 0)
                rc = ferry_klog_send(d->config_log, key, NULL, 0, errstr, sizeof(errstr));
        if (rc == 0)
                rc = sync_config(d, errstr, sizeof(errstr));
        return rc == 0 ? FERRY_HERDER_OK : FERRY_HERDER_ERROR;
}

static char **list(ferry_herder_t *h, size_t *n)
{
        dist_t *d = (dist_t *)h;
        pthread_mutex_lock(&d->lock);
        char **names = calloc(d->n + 1, sizeof(*names));
        *n = 0;
        for (size_t i = 0; names && i < d->n; i++)
                if (d->conns[i].has_config)
                        names[(*n)++] = strdup(d->conns[i].name);
        pthread_mutex_unlock(&d->lock);
        if (names)
                ferry_strlist_sort(names, *n);
        return names;
}

static bool conn_is_sink(dist_t *d, const dconn_t *c)
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
        pthread_mutex_lock(&d->lock);
        dconn_t *c = find_conn(d, name);
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
        pthread_mutex_unlock(&d->lock);
        return ok ? FERRY_HERDER_OK : FERRY_HERDER_NOT_FOUND;
}

/* Status from the status topic; lock held. */
static void status_locked(dist_t *d, dconn_t *c, ferry_connector_status_t *out)
{
        memset(out, 0, sizeof(*out));
        out->name = strdup(c->name);
        out->type = conn_is_sink(d, c) ? FERRY_PLUGIN_SINK : FERRY_PLUGIN_SOURCE;
        out->type_known = true;
        char key[1100];
        snprintf(key, sizeof(key), "status-connector-%s", c->name);
        dstatus_t *s = find_status(d->st, d->n_st, key);
        out->state = s ? s->state : FERRY_STATE_UNASSIGNED;
        out->trace = s && s->trace ? strdup(s->trace) : NULL;
        out->worker_id = strdup(s && s->worker_id ? s->worker_id : "");
        int n = c->target == FERRY_TARGET_STOPPED ? 0 : c->n_tasks;
        out->tasks = calloc((size_t)n + 1, sizeof(*out->tasks));
        for (int i = 0; out->tasks && i < n; i++) {
                snprintf(key, sizeof(key), "status-task-%s-%d", c->name, i);
                s = find_status(d->st, d->n_st, key);
                out->tasks[i] = (ferry_task_status_t){i, s ? s->state : FERRY_STATE_UNASSIGNED,
                                                      strdup(s && s->worker_id ? s->worker_id : ""),
                                                      s && s->trace ? strdup(s->trace) : NULL};
        }
        out->n_tasks = out->tasks ? n : 0;
}

static ferry_herder_rc_t status(ferry_herder_t *h, const char *name, ferry_connector_status_t *out)
{
        if (!atomic_load(&((dist_t *)h)->started))
                return FERRY_HERDER_CONFLICT;
        dist_t *d = (dist_t *)h;
        pthread_mutex_lock(&d->lock);
        dconn_t *c = find_conn(d, name);
        bool ok = c && c->has_config;
        if (ok)
                status_locked(d, c, out);
        pthread_mutex_unlock(&d->lock);
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
                return forward(d, NULL, "PUT", "/connectors/", name, what, NULL, NULL, errstr,
                               sizeof(errstr));
        }
        char key[1100];
        snprintf(key, sizeof(key), "target-state-%s", name);
        json_object *t = target_json(target);
        int rc = write_json(d->config_log, key, t, errstr, sizeof(errstr));
        json_object_put(t);
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
        pthread_mutex_lock(&d->lock);
        dconn_t *c = find_conn(d, name);
        bool ok = c && c->has_config;
        if (ok)
                status_locked(d, c, &st);
        pthread_mutex_unlock(&d->lock);
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
                rc = forward(d, NULL, "POST", "/connectors/", name, query, NULL, NULL, errstr,
                             sizeof(errstr));
        } else {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "include-tasks", json_object_new_boolean(include_tasks));
                json_object_object_add(o, "only-failed", json_object_new_boolean(only_failed));
                char key[1100];
                snprintf(key, sizeof(key), "restart-connector-%s", name);
                rc = write_json(d->config_log, key, o, errstr, sizeof(errstr)) == 0 ? FERRY_HERDER_OK
                                                                                    : FERRY_HERDER_ERROR;
                json_object_put(o);
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
        pthread_mutex_lock(&d->lock);
        dconn_t *c = find_conn(d, name);
        bool ok = c && c->has_config && task >= 0 && task < c->n_tasks;
        for (size_t i = 0; ok && i < d->asg.n && !owner[0]; i++)
                for (size_t k = 0; k < d->asg.w[i].n_tasks; k++)
                        if (d->asg.w[i].task_ids[k] == task && !strcmp(d->asg.w[i].task_conns[k], name))
                                snprintf(owner, sizeof(owner), "%s", d->asg.w[i].worker);
        pthread_mutex_unlock(&d->lock);
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
        return forward(d, base, "POST", "/connectors/", name, what, NULL, NULL, errstr, sizeof(errstr));
}

static ferry_herder_rc_t topics(ferry_herder_t *h, const char *name, char ***out, size_t *n)
{
        ferry_herder_rc_t known = check_known(h, name, false);
        if (known != FERRY_HERDER_OK)
                return known;
        dist_t *d = (dist_t *)h;
        /* The status topic's view (every worker's tasks), plus what runs here and is not read
         * back yet. */
        size_t nl = 0;
        char **local = ferry_worker_topics(h->worker, name, &nl);
        if (!local)
                return FERRY_HERDER_ERROR;
        pthread_mutex_lock(&d->lock);
        char **all = calloc(d->topic_recs.n + nl + 1, sizeof(*all));
        size_t k = 0;
        for (size_t i = 0; all && i < d->topic_recs.n; i++) {
                const ferry_kv_t *kv = &d->topic_recs.kv[i];
                const char *sep = strstr(kv->key, ":connector-");
                if (sep && !strcmp(kv->value, name))
                        all[k++] = strndup(kv->key + strlen("status-topic-"),
                                           (size_t)(sep - kv->key) - strlen("status-topic-"));
        }
        pthread_mutex_unlock(&d->lock);
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
        /* Tombstones for every topic record of the connector: each worker forgets them when it
         * reads them back, and its tasks report their topics again on their next record. */
        pthread_mutex_lock(&d->lock);
        ferry_strmap_t keys;
        ferry_strmap_init(&keys);
        for (size_t i = 0; i < d->topic_recs.n; i++)
                if (!strcmp(d->topic_recs.kv[i].value, name))
                        ferry_strmap_set(&keys, d->topic_recs.kv[i].key, "");
        for (size_t i = 0; i < keys.n; i++) {
                ferry_strmap_unset(&d->topic_recs, keys.kv[i].key);
                ferry_strmap_unset(&d->topic_sent, keys.kv[i].key);
        }
        pthread_mutex_unlock(&d->lock);
        ferry_herder_rc_t rc = FERRY_HERDER_OK;
        for (size_t i = 0; i < keys.n; i++) {
                char err[512];
                if (ferry_klog_send(d->status_log, keys.kv[i].key, NULL, 0, err, sizeof(err)) < 0) {
                        FERRY_ERROR("Cannot reset the active topics of %s: %s", name, err);
                        rc = FERRY_HERDER_ERROR;
                }
        }
        ferry_strmap_free(&keys);
        ferry_worker_reset_topics(h->worker, name);
        return rc;
}

static ferry_herder_rc_t offsets(ferry_herder_t *h, const char *name, ferry_value_t **out, char *errstr,
                                 size_t errstr_size)
{
        if (!atomic_load(&((dist_t *)h)->started)) {
                snprintf(errstr, errstr_size, "Worker is still starting up.");
                return FERRY_HERDER_CONFLICT;
        }
        dist_t *d = (dist_t *)h;
        pthread_mutex_lock(&d->lock);
        dconn_t *c = find_conn(d, name);
        bool ok = c && c->has_config, sink = ok && conn_is_sink(d, c);
        pthread_mutex_unlock(&d->lock);
        if (!ok) {
                snprintf(errstr, errstr_size, "Connector %s not found", name);
                return FERRY_HERDER_NOT_FOUND;
        }
        /* Source offsets: everything other workers committed so far. */
        if (!sink)
                ferry_offsets_sync(h->worker->offsets, d->sync_timeout, errstr, errstr_size);
        return ferry_herder_offsets_get(h->worker, name, sink, out, errstr, errstr_size);
}

static ferry_herder_rc_t alter_offsets(ferry_herder_t *h, const char *name, const ferry_value_t *doc,
                                       char *errstr, size_t errstr_size)
{
        if (!atomic_load(&((dist_t *)h)->started)) {
                snprintf(errstr, errstr_size, "Worker is still starting up.");
                return FERRY_HERDER_CONFLICT;
        }
        dist_t *d = (dist_t *)h;
        pthread_mutex_lock(&d->lock);
        dconn_t *c = find_conn(d, name);
        bool ok = c && c->has_config, stopped = ok && c->target == FERRY_TARGET_STOPPED;
        bool sink = ok && conn_is_sink(d, c);
        pthread_mutex_unlock(&d->lock);
        if (!ok) {
                snprintf(errstr, errstr_size, "Connector %s not found", name);
                return FERRY_HERDER_NOT_FOUND;
        }
        return ferry_herder_offsets_alter(h->worker, name, sink, stopped, doc, errstr, errstr_size);
}

static ferry_health_t health(ferry_herder_t *h, char *message, size_t message_size)
{
        dist_t *d = (dist_t *)h;
        if (!atomic_load(&h->ready) || !atomic_load(&d->joined)) {
                snprintf(message, message_size, "Worker is still starting up.");
                return FERRY_HEALTH_STARTING;
        }
        snprintf(message, message_size, "Worker has completed startup and is ready to handle requests.");
        return FERRY_HEALTH_HEALTHY;
}

static void stop(ferry_herder_t *h)
{
        dist_t *d = (dist_t *)h;
        if (!atomic_exchange(&d->stop, true) && atomic_load(&d->started))
                pthread_join(d->thread, NULL);
        /* Leave the group first so the others take over without waiting for a session timeout.
         * What this worker writes from now on carries the generation it left in: the new owners
         * write a newer one, so a late UNASSIGNED from here never hides their RUNNING. */
        pthread_mutex_lock(&d->lock);
        d->left_gen = d->asg.generation;
        pthread_mutex_unlock(&d->lock);
        if (d->member) {
                rd_kafka_consumer_close(d->member);
                rd_kafka_destroy(d->member);
                d->member = NULL;
        }
        ferry_worker_stop_all(h->worker);
        /* Only what ran here at the end: units that moved away belong to their new owners. */
        char key[1100];
        for (size_t i = 0; d->status_log && i < d->n_local; i++) {
                local_t *l = &d->local[i];
                if (l->instance) {
                        snprintf(key, sizeof(key), "status-connector-%s", l->name);
                        publish_status(d, key, FERRY_STATE_UNASSIGNED, NULL);
                }
                for (int t = 0; t < l->n_tasks; t++) {
                        snprintf(key, sizeof(key), "status-task-%s-%d", l->name, l->tasks[t]);
                        publish_status(d, key, FERRY_STATE_UNASSIGNED, NULL);
                }
        }
}

static void herder_free(ferry_herder_t *h)
{
        dist_t *d = (dist_t *)h;
        ferry_klog_close(d->config_log);
        ferry_klog_close(d->status_log);
        while (d->n)
                conn_remove(d, &d->conns[0]);
        free(d->conns);
        for (size_t i = 0; i < d->n_st; i++) {
                free(d->st[i].key);
                free(d->st[i].trace);
                free(d->st[i].worker_id);
        }
        free(d->st);
        for (size_t i = 0; i < d->n_published; i++) {
                free(d->published[i].key);
                free(d->published[i].trace);
        }
        free(d->published);
        ferry_strmap_free(&d->topic_recs);
        ferry_strmap_free(&d->topic_sent);
        while (d->n_local) {
                local_t *l = &d->local[--d->n_local];
                free(l->name);
                ferry_strmap_free(&l->config);
                free(l->tasks);
                ferry_task_configs_free(l->task_configs, l->n_tasks);
        }
        free(d->local);
        ferry_strlist_free(d->members, d->n_members);
        assignment_free(&d->asg);
        free(d->restart_conn);
        free(d->group);
        free(d->url);
        free(d->coord_topic);
        pthread_mutex_destroy(&d->lock);
        pthread_cond_destroy(&d->cond);
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
        .health = health,
        .stop = stop,
        .free = herder_free,
};

static int join_group(dist_t *d, char *errstr, size_t errstr_size)
{
        const ferry_strmap_t *wc = &d->base.worker->config;
        ferry_klog_opts_t co = {.topic = d->coord_topic,
                                .partitions = 1,
                                .replication_factor = (int)ferry_config_int(
                                        ferry_worker_config, wc, "config.storage.replication.factor"),
                                .config_key = "group.id",
                                .client_id = ferry_herder_worker_id(&d->base)};
        if (ferry_klog_ensure_topic(wc, &co, errstr, errstr_size) < 0)
                return -1;
        ferry_strmap_t defaults, fixed;
        ferry_strmap_init(&defaults);
        ferry_strmap_init(&fixed);
        char buf[64];
        ferry_strmap_set(&fixed, "group.id", d->group);
        ferry_strmap_set(&fixed, "client.id", ferry_herder_worker_id(&d->base));
        snprintf(buf, sizeof(buf), "%lld",
                 (long long)ferry_config_int(ferry_worker_config, wc, "session.timeout.ms"));
        ferry_strmap_set(&fixed, "session.timeout.ms", buf);
        snprintf(buf, sizeof(buf), "%lld",
                 (long long)ferry_config_int(ferry_worker_config, wc, "heartbeat.interval.ms"));
        ferry_strmap_set(&fixed, "heartbeat.interval.ms", buf);
        snprintf(buf, sizeof(buf), "%lld",
                 (long long)ferry_config_int(ferry_worker_config, wc, "rebalance.timeout.ms"));
        ferry_strmap_set(&fixed, "max.poll.interval.ms", buf);
        /* Eager range: a departed leader is replaced in one rebalance round. Members never stop work
         * on a revocation (the assignment record decides what runs), so eagerness costs nothing. */
        ferry_strmap_set(&fixed, "partition.assignment.strategy", "range");
        ferry_strmap_set(&fixed, "enable.auto.commit", "false");
        rd_kafka_conf_t *conf = ferry_kafka_conf(wc, NULL, &defaults, NULL, &fixed, errstr, errstr_size);
        ferry_strmap_free(&defaults);
        ferry_strmap_free(&fixed);
        if (!conf)
                return -1;
        rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
        rd_kafka_conf_set_opaque(conf, d);
        char err[512];
        d->member = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
        if (!d->member) {
                snprintf(errstr, errstr_size, "group membership: %s", err);
                rd_kafka_conf_destroy(conf);
                return -1;
        }
        rd_kafka_poll_set_consumer(d->member);
        rd_kafka_topic_partition_list_t *t = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(t, d->coord_topic, RD_KAFKA_PARTITION_UA);
        rd_kafka_resp_err_t e = rd_kafka_subscribe(d->member, t);
        rd_kafka_topic_partition_list_destroy(t);
        if (e) {
                snprintf(errstr, errstr_size, "joining group %s: %s", d->group, rd_kafka_err2str(e));
                return -1;
        }
        return 0;
}

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
        pthread_mutex_init(&d->lock, NULL);
        pthread_cond_init(&d->cond, NULL);
        d->group = strdup(ferry_strmap_get(wc, "group.id"));
        d->sync_timeout = (int)ferry_config_int(ferry_worker_config, wc, "worker.sync.timeout.ms");
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
        d->status_log = ferry_klog_open(wc, &so, on_status_record, d, errstr, errstr_size);
        if (!d->status_log)
                goto fail;
        ferry_klog_opts_t fo = {.topic = ferry_strmap_get(wc, "config.storage.topic"),
                                .partitions = 1,
                                .replication_factor = (int)ferry_config_int(
                                        ferry_worker_config, wc, "config.storage.replication.factor"),
                                .require_single = true,
                                .config_key = "config.storage.topic",
                                .client_id = wid};
        d->config_log = ferry_klog_open(wc, &fo, on_config_record, d, errstr, errstr_size);
        if (!d->config_log)
                goto fail;
        if (ferry_klog_read_to_end(d->config_log, 60000, errstr, errstr_size) < 0 ||
            ferry_klog_read_to_end(d->status_log, 60000, errstr, errstr_size) < 0)
                goto fail;
        pthread_mutex_lock(&d->lock);
        d->caught_up = true;
        pthread_mutex_unlock(&d->lock);
        if (join_group(d, errstr, errstr_size) < 0)
                goto fail;
        if (pthread_create(&d->thread, NULL, herder_main, d) != 0) {
                snprintf(errstr, errstr_size, "cannot start the herder thread");
                goto fail;
        }
        FERRY_INFO("Joined group %s as %s (coordination topic %s)", d->group, wid, d->coord_topic);
        atomic_store(&d->started, true);
        return 0;
fail:
        atomic_store(&d->stop, true);
        if (d->member) {
                rd_kafka_destroy(d->member);
                d->member = NULL;
        }
        return -1;
}
