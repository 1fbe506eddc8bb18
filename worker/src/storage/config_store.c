/* Config topic store of distributed mode. Its reader thread (kafka_log.c) hands every record here:
 * connector-<name> {"properties"}, task-<name>-<n> {"properties"} held pending until
 * commit-<name> {"tasks":N} makes them the connector's task configs, target-state-<name>
 * {"state","state.v2"}, restart-connector-<name> {"include-tasks","only-failed"} and Ferry's
 * ferry-assignment (the newest generation wins). The herder reads the resulting view under the lock
 * and writes records through the put_* functions; what it writes takes effect when read back, on
 * every worker alike. */
#include "storage/config_store.h"

#include <ferry/json.h>
#include <ferry/log.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the view ---- */

ferry_config_conn_t *ferry_config_store_find(ferry_config_store_t *cs, const char *name)
{
        for (size_t i = 0; i < cs->n; i++)
                if (!strcmp(cs->conns[i].name, name))
                        return &cs->conns[i];
        return NULL;
}

static ferry_config_conn_t *get_conn(ferry_config_store_t *cs, const char *name)
{
        ferry_config_conn_t *c = ferry_config_store_find(cs, name);
        if (c)
                return c;
        if (cs->n == cs->cap) {
                size_t cap = cs->cap ? cs->cap * 2 : 16;
                ferry_config_conn_t *nc = realloc(cs->conns, cap * sizeof(*nc));
                if (!nc)
                        return NULL;
                cs->conns = nc;
                cs->cap = cap;
        }
        c = &cs->conns[cs->n++];
        memset(c, 0, sizeof(*c));
        c->name = strdup(name);
        ferry_strmap_init(&c->config);
        ferry_strmap_init(&c->computed_for);
        c->task_count_record = -1;
        return c;
}

static void clear_tasks(ferry_strmap_t **tasks, int *n)
{
        ferry_task_configs_free(*tasks, *n);
        *tasks = NULL;
        *n = 0;
}

static void conn_remove(ferry_config_store_t *cs, ferry_config_conn_t *c)
{
        free(c->name);
        ferry_strmap_free(&c->config);
        ferry_strmap_free(&c->computed_for);
        clear_tasks(&c->tasks, &c->n_tasks);
        clear_tasks(&c->pending, &c->n_pending);
        *c = cs->conns[--cs->n];
}

bool ferry_config_store_take_restart(ferry_config_store_t *cs, char **name, bool *tasks, bool *only_failed)
{
        *name = cs->restart_conn;
        *tasks = cs->restart_tasks;
        *only_failed = cs->restart_only_failed;
        cs->restart_conn = NULL;
        return *name != NULL;
}

int64_t ferry_config_store_generation(ferry_config_store_t *cs)
{
        pthread_mutex_lock(&cs->lock);
        int64_t gen = cs->asg.generation;
        pthread_mutex_unlock(&cs->lock);
        return gen;
}

/* ---- reading records ---- */

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

static void parse_worker(ferry_worker_assignment_t *w, const char *worker, json_object *wo)
{
        w->worker = strdup(worker);
        json_object *cs, *ts;
        if (json_object_object_get_ex(wo, "connectors", &cs)) {
                size_t n = json_object_array_length(cs);
                w->conns = calloc(n + 1, sizeof(*w->conns));
                for (size_t i = 0; w->conns && i < n; i++)
                        w->conns[w->n_conns++] =
                                strdup(json_object_get_string(json_object_array_get_idx(cs, i)));
        }
        if (json_object_object_get_ex(wo, "tasks", &ts)) {
                size_t n = json_object_array_length(ts);
                w->task_conns = calloc(n + 1, sizeof(*w->task_conns));
                w->task_ids = calloc(n + 1, sizeof(*w->task_ids));
                for (size_t i = 0; w->task_conns && w->task_ids && i < n; i++) {
                        json_object *t = json_object_array_get_idx(ts, i), *c = NULL, *id = NULL;
                        json_object_object_get_ex(t, "connector", &c);
                        json_object_object_get_ex(t, "task", &id);
                        if (!c || !id)
                                continue;
                        w->task_conns[w->n_tasks] = strdup(json_object_get_string(c));
                        w->task_ids[w->n_tasks++] = json_object_get_int(id);
                }
        }
}

/* ferry-assignment: {"generation","leader","leader_url","assignments":{"<worker>":{"connectors":
 * [...],"tasks":[{"connector","task"}]}}}; replaces the one held unless older. */
static void on_assignment(ferry_config_store_t *cs, json_object *o)
{
        ferry_assignment_t a = {0};
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
                        if (a.w)
                                parse_worker(&a.w[a.n++], worker, wo);
                }
        }
        if (a.generation >= cs->asg.generation) {
                ferry_assignment_free(&cs->asg);
                cs->asg = a;
        } else {
                ferry_assignment_free(&a);
        }
}

/* task-<name>-<n>: the name may itself contain '-', the id follows the last one. */
static void on_task(ferry_config_store_t *cs, char *k, json_object *props)
{
        char *dash = strrchr(k, '-');
        if (!dash || dash <= k + strlen("task-"))
                return;
        int id = (int)strtol(dash + 1, NULL, 10);
        *dash = '\0';
        ferry_config_conn_t *c = get_conn(cs, k + strlen("task-"));
        if (!c || id < 0 || id >= 100000)
                return;
        if (id >= c->n_pending) {
                ferry_strmap_t *np = realloc(c->pending, (size_t)(id + 1) * sizeof(*np));
                if (!np)
                        return;
                for (int i = c->n_pending; i <= id; i++)
                        ferry_strmap_init(&np[i]);
                c->pending = np;
                c->n_pending = id + 1;
        }
        ferry_strmap_clear(&c->pending[id]);
        strmap_from_json(&c->pending[id], props);
}

/* commit-<name> {"tasks":N}: the pending task configs 0..N-1 become the connector's. */
static void on_commit(ferry_config_store_t *cs, const char *name, json_object *o)
{
        json_object *n = NULL;
        ferry_config_conn_t *c = get_conn(cs, name);
        if (!c || !json_object_object_get_ex(o, "tasks", &n))
                return;
        int tasks = json_object_get_int(n);
        clear_tasks(&c->tasks, &c->n_tasks);
        c->tasks = calloc((size_t)tasks + 1, sizeof(*c->tasks));
        for (int i = 0; c->tasks && i < tasks; i++) {
                ferry_strmap_init(&c->tasks[i]);
                if (i < c->n_pending)
                        ferry_strmap_copy(&c->tasks[i], &c->pending[i]);
        }
        c->n_tasks = c->tasks ? tasks : 0;
        clear_tasks(&c->pending, &c->n_pending);
        /* Under exactly-once these tasks wait until the leader fenced the previous generation
         * and wrote tasks-fencing-<name> (read after this record). */
        c->pending_fencing = true;
}

static void on_record(void *data, const char *key, size_t klen, const char *value, size_t vlen)
{
        ferry_config_store_t *cs = data;
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
        pthread_mutex_lock(&cs->lock);
        json_object *props = NULL;
        if (has_prefix(k, klen, "connector-")) {
                const char *name = k + strlen("connector-");
                ferry_config_conn_t *c = ferry_config_store_find(cs, name);
                if (!o) {
                        if (c)
                                conn_remove(cs, c);
                } else if ((c = get_conn(cs, name)) && json_object_object_get_ex(o, "properties", &props)) {
                        ferry_strmap_clear(&c->config);
                        strmap_from_json(&c->config, props);
                        c->has_config = true;
                        c->computed = false; /* the leader computes the task configs again */
                }
        } else if (has_prefix(k, klen, "task-")) {
                if (o && json_object_object_get_ex(o, "properties", &props))
                        on_task(cs, k, props);
        } else if (has_prefix(k, klen, "commit-")) {
                if (o)
                        on_commit(cs, k + strlen("commit-"), o);
        } else if (has_prefix(k, klen, "tasks-fencing-")) {
                ferry_config_conn_t *c = get_conn(cs, k + strlen("tasks-fencing-"));
                json_object *n = NULL;
                if (c && o && json_object_object_get_ex(o, "task-count", &n)) {
                        c->task_count_record = json_object_get_int(n);
                        c->pending_fencing = false;
                }
        } else if (has_prefix(k, klen, "target-state-")) {
                ferry_config_conn_t *c = get_conn(cs, k + strlen("target-state-"));
                if (c)
                        c->target = o ? target_from_json(o) : FERRY_TARGET_STARTED;
        } else if (has_prefix(k, klen, "restart-connector-")) {
                if (o && cs->caught_up) {
                        json_object *it = NULL, *of = NULL;
                        json_object_object_get_ex(o, "include-tasks", &it);
                        json_object_object_get_ex(o, "only-failed", &of);
                        free(cs->restart_conn);
                        cs->restart_conn = strdup(k + strlen("restart-connector-"));
                        cs->restart_tasks = it && json_object_get_boolean(it);
                        cs->restart_only_failed = of && json_object_get_boolean(of);
                }
        } else if (!strcmp(k, FERRY_ASSIGNMENT_KEY)) {
                if (o)
                        on_assignment(cs, o);
        }
        pthread_mutex_unlock(&cs->lock);
        json_object_put(o);
}

/* ---- life cycle ---- */

void ferry_config_store_init(ferry_config_store_t *cs, int sync_timeout)
{
        memset(cs, 0, sizeof(*cs));
        pthread_mutex_init(&cs->lock, NULL);
        cs->sync_timeout = sync_timeout;
}

int ferry_config_store_open(ferry_config_store_t *cs, const ferry_strmap_t *worker_config,
                            const ferry_klog_opts_t *opts, char *errstr, size_t errstr_size)
{
        cs->log = ferry_klog_open(worker_config, opts, on_record, cs, errstr, errstr_size);
        return cs->log ? 0 : -1;
}

void ferry_config_store_free(ferry_config_store_t *cs)
{
        ferry_klog_close(cs->log);
        cs->log = NULL;
        while (cs->n)
                conn_remove(cs, &cs->conns[0]);
        free(cs->conns);
        ferry_assignment_free(&cs->asg);
        free(cs->restart_conn);
        pthread_mutex_destroy(&cs->lock);
}

int ferry_config_store_sync(ferry_config_store_t *cs, int timeout_ms, char *errstr, size_t errstr_size)
{
        return ferry_klog_read_to_end(cs->log, timeout_ms ? timeout_ms : cs->sync_timeout, errstr,
                                      errstr_size);
}

/* ---- writing records ----
 * Values are written with the one JSON writer (ferry/json.h), byte for byte as Connect's
 * JsonConverter (Jackson) writes them: keys in Connect's schema order, '/' and non-ASCII
 * characters as they are. */

static char *finish(ferry_jw_t *j)
{
        char *text = ferry_buf_steal(&j->b);
        ferry_jw_free(j);
        return text;
}

char *ferry_config_record_properties(const ferry_strmap_t *config)
{
        ferry_jw_t j;
        ferry_jw_init(&j);
        ferry_jw_obj(&j);
        ferry_jw_key(&j, "properties");
        ferry_jw_strmap(&j, config);
        ferry_jw_end_obj(&j);
        return finish(&j);
}

char *ferry_config_record_target(ferry_target_t target)
{
        /* "state" is what workers before STOPPED existed understand: STOPPED reads as PAUSED there. */
        const char *v2 = target == FERRY_TARGET_PAUSED    ? "PAUSED"
                         : target == FERRY_TARGET_STOPPED ? "STOPPED"
                                                          : "STARTED";
        ferry_jw_t j;
        ferry_jw_init(&j);
        ferry_jw_obj(&j);
        ferry_jw_kv(&j, "state", target == FERRY_TARGET_STARTED ? "STARTED" : "PAUSED");
        ferry_jw_kv(&j, "state.v2", v2);
        ferry_jw_end_obj(&j);
        return finish(&j);
}

char *ferry_config_record_restart(bool include_tasks, bool only_failed)
{
        ferry_jw_t j;
        ferry_jw_init(&j);
        ferry_jw_obj(&j);
        ferry_jw_key(&j, "include-tasks");
        ferry_jw_bool(&j, include_tasks);
        ferry_jw_key(&j, "only-failed");
        ferry_jw_bool(&j, only_failed);
        ferry_jw_end_obj(&j);
        return finish(&j);
}

char *ferry_config_record_commit(int tasks)
{
        ferry_jw_t j;
        ferry_jw_init(&j);
        ferry_jw_obj(&j);
        ferry_jw_key(&j, "tasks");
        ferry_jw_int(&j, tasks);
        ferry_jw_end_obj(&j);
        return finish(&j);
}

char *ferry_config_record_task_count(int tasks)
{
        ferry_jw_t j;
        ferry_jw_init(&j);
        ferry_jw_obj(&j);
        ferry_jw_key(&j, "task-count");
        ferry_jw_int(&j, tasks);
        ferry_jw_end_obj(&j);
        return finish(&j);
}

char *ferry_config_record_assignment(const ferry_assignment_t *a)
{
        ferry_jw_t j;
        ferry_jw_init(&j);
        ferry_jw_obj(&j);
        ferry_jw_key(&j, "generation");
        ferry_jw_int(&j, a->generation);
        ferry_jw_kv(&j, "leader", a->leader ? a->leader : "");
        ferry_jw_kv(&j, "leader_url", a->leader_url ? a->leader_url : "");
        ferry_jw_key(&j, "assignments");
        ferry_jw_obj(&j);
        for (size_t m = 0; m < a->n; m++) {
                const ferry_worker_assignment_t *w = &a->w[m];
                ferry_jw_key(&j, w->worker);
                ferry_jw_obj(&j);
                ferry_jw_key(&j, "connectors");
                ferry_jw_strlist(&j, w->conns, w->n_conns);
                ferry_jw_key(&j, "tasks");
                ferry_jw_arr(&j);
                for (size_t i = 0; i < w->n_tasks; i++) {
                        ferry_jw_obj(&j);
                        ferry_jw_kv(&j, "connector", w->task_conns[i]);
                        ferry_jw_key(&j, "task");
                        ferry_jw_int(&j, w->task_ids[i]);
                        ferry_jw_end_obj(&j);
                }
                ferry_jw_end_arr(&j);
                ferry_jw_end_obj(&j);
        }
        ferry_jw_end_obj(&j);
        ferry_jw_end_obj(&j);
        return finish(&j);
}

/* Writes key -> text (a tombstone when tombstone is set) and frees text. */
static int put(ferry_config_store_t *cs, const char *key, char *text, bool tombstone, char *errstr,
               size_t errstr_size)
{
        if (!tombstone && !text) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        int rc = ferry_klog_send(cs->log, key, text, text ? strlen(text) : 0, errstr, errstr_size);
        free(text);
        return rc;
}

int ferry_config_store_put_target(ferry_config_store_t *cs, const char *name, ferry_target_t target,
                                  char *errstr, size_t errstr_size)
{
        char key[1100];
        snprintf(key, sizeof(key), "target-state-%s", name);
        return put(cs, key, ferry_config_record_target(target), false, errstr, errstr_size);
}

int ferry_config_store_put_connector(ferry_config_store_t *cs, const char *name, const ferry_strmap_t *config,
                                     const ferry_target_t *initial, char *errstr, size_t errstr_size)
{
        if (initial && ferry_config_store_put_target(cs, name, *initial, errstr, errstr_size) < 0)
                return -1;
        char key[1100];
        snprintf(key, sizeof(key), "connector-%s", name);
        return put(cs, key, ferry_config_record_properties(config), false, errstr, errstr_size);
}

int ferry_config_store_delete_connector(ferry_config_store_t *cs, const char *name, char *errstr,
                                        size_t errstr_size)
{
        char key[1100];
        snprintf(key, sizeof(key), "connector-%s", name);
        if (put(cs, key, NULL, true, errstr, errstr_size) < 0)
                return -1;
        snprintf(key, sizeof(key), "target-state-%s", name);
        return put(cs, key, NULL, true, errstr, errstr_size);
}

int ferry_config_store_put_restart(ferry_config_store_t *cs, const char *name, bool include_tasks,
                                   bool only_failed, char *errstr, size_t errstr_size)
{
        char key[1100];
        snprintf(key, sizeof(key), "restart-connector-%s", name);
        return put(cs, key, ferry_config_record_restart(include_tasks, only_failed), false, errstr,
                   errstr_size);
}

int ferry_config_store_put_task_configs(ferry_config_store_t *cs, const char *name,
                                        const ferry_strmap_t *tasks, int n, char *errstr, size_t errstr_size)
{
        char key[1100];
        for (int t = 0; t < n; t++) {
                snprintf(key, sizeof(key), "task-%s-%d", name, t);
                if (put(cs, key, ferry_config_record_properties(&tasks[t]), false, errstr, errstr_size) < 0)
                        return -1;
        }
        snprintf(key, sizeof(key), "commit-%s", name);
        return put(cs, key, ferry_config_record_commit(n), false, errstr, errstr_size);
}

int ferry_config_store_put_task_count(ferry_config_store_t *cs, const char *name, int n, char *errstr,
                                      size_t errstr_size)
{
        char key[1100];
        snprintf(key, sizeof(key), "tasks-fencing-%s", name);
        return put(cs, key, ferry_config_record_task_count(n), false, errstr, errstr_size);
}

int ferry_config_store_put_assignment(ferry_config_store_t *cs, const ferry_assignment_t *a, char *errstr,
                                      size_t errstr_size)
{
        return put(cs, FERRY_ASSIGNMENT_KEY, ferry_config_record_assignment(a), false, errstr, errstr_size);
}
