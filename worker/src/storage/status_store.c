/* Status topic store of distributed mode. Its reader thread (kafka_log.c) keeps the newest
 * status-connector-<name> / status-task-<name>-<n> record of every connector and task (a record
 * older than the one held, by assignment generation, is stale and dropped) and the active-topic
 * records status-topic-<topic>:connector-<name>. REST status and topics requests read them on any
 * worker; the herder thread publishes what runs here: states when they change, and a topic record
 * the first time one of its tasks uses a topic, naming that task. */
#include "storage/status_store.h"

#include <ferry/json.h>
#include <ferry/log.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
        char *key; /* "status-connector-<name>" or "status-task-<name>-<n>" */
        ferry_state_t state;
        char *trace;
        char *worker_id;
        int64_t generation; /* assignment generation the writer knew */
} status_t;

struct ferry_status_store {
        pthread_mutex_t lock; /* guards st, topic_recs, topic_sent */
        status_t *st;
        size_t n_st, cap_st;
        /* Topic records read: key -> connector name; and the keys this worker wrote and has not
         * seen deleted since. */
        ferry_strmap_t topic_recs;
        ferry_strmap_t topic_sent;
        /* what this worker wrote last (publishing thread only) */
        status_t *published;
        size_t n_published;
        ferry_klog_t *log;
        char *worker_id;
        ferry_topics_reset_cb on_reset;
        void *data;
};

#define TOPIC_PREFIX "status-topic-"
#define TOPIC_SEP    ":connector-"

static void status_key(char *buf, size_t len, const char *conn, int task)
{
        if (task < 0)
                snprintf(buf, len, "status-connector-%s", conn);
        else
                snprintf(buf, len, "status-task-%s-%d", conn, task);
}

static void topic_key(char *buf, size_t len, const char *topic, const char *conn)
{
        snprintf(buf, len, TOPIC_PREFIX "%s" TOPIC_SEP "%s", topic, conn);
}

static status_t *find_status(status_t *st, size_t n, const char *key)
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

/* ---- reading ---- */

/* A topic record read back: remembered, or forgotten on a tombstone (a reset, from any worker),
 * and then this worker's tasks report the connector's topics again on their next record. */
static void on_topic_record(ferry_status_store_t *ss, const char *k, bool present)
{
        const char *sep = strstr(k, TOPIC_SEP);
        if (!sep)
                return;
        const char *conn = sep + strlen(TOPIC_SEP);
        pthread_mutex_lock(&ss->lock);
        if (present) {
                ferry_strmap_set(&ss->topic_recs, k, conn);
        } else {
                ferry_strmap_unset(&ss->topic_recs, k);
                ferry_strmap_unset(&ss->topic_sent, k);
        }
        pthread_mutex_unlock(&ss->lock);
        if (!present && ss->on_reset)
                ss->on_reset(ss->data, conn);
}

static status_t *add_status(ferry_status_store_t *ss, const char *key)
{
        if (ss->n_st == ss->cap_st) {
                size_t cap = ss->cap_st ? ss->cap_st * 2 : 32;
                status_t *ns = realloc(ss->st, cap * sizeof(*ns));
                if (!ns)
                        return NULL;
                ss->st = ns;
                ss->cap_st = cap;
        }
        status_t *s = &ss->st[ss->n_st++];
        memset(s, 0, sizeof(*s));
        s->key = strdup(key);
        return s;
}

static void on_record(void *data, const char *key, size_t klen, const char *value, size_t vlen)
{
        ferry_status_store_t *ss = data;
        if (!key || klen < strlen("status-") || memcmp(key, "status-", strlen("status-")))
                return;
        char k[1024];
        snprintf(k, sizeof(k), "%.*s", (int)klen, key);
        if (!strncmp(k, TOPIC_PREFIX, strlen(TOPIC_PREFIX))) {
                on_topic_record(ss, k, value != NULL);
                return;
        }
        json_object *o = NULL;
        if (value) {
                json_tokener *tok = json_tokener_new();
                o = json_tokener_parse_ex(tok, value, (int)vlen);
                json_tokener_free(tok);
        }
        pthread_mutex_lock(&ss->lock);
        status_t *s = find_status(ss->st, ss->n_st, k);
        if (!s && o)
                s = add_status(ss, k);
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
        pthread_mutex_unlock(&ss->lock);
        json_object_put(o);
}

ferry_state_t ferry_status_store_get(ferry_status_store_t *ss, const char *conn, int task, char **worker_id,
                                     char **trace)
{
        char key[1100];
        status_key(key, sizeof(key), conn, task);
        pthread_mutex_lock(&ss->lock);
        status_t *s = find_status(ss->st, ss->n_st, key);
        ferry_state_t state = s ? s->state : FERRY_STATE_UNASSIGNED;
        *worker_id = strdup(s && s->worker_id ? s->worker_id : "");
        *trace = s && s->trace ? strdup(s->trace) : NULL;
        pthread_mutex_unlock(&ss->lock);
        return state;
}

/* ---- life cycle ---- */

ferry_status_store_t *ferry_status_store_open(const ferry_strmap_t *worker_config,
                                              const ferry_klog_opts_t *opts, const char *worker_id,
                                              ferry_topics_reset_cb on_reset, void *data, char *errstr,
                                              size_t errstr_size)
{
        ferry_status_store_t *ss = calloc(1, sizeof(*ss));
        if (!ss) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        pthread_mutex_init(&ss->lock, NULL);
        ferry_strmap_init(&ss->topic_recs);
        ferry_strmap_init(&ss->topic_sent);
        ss->worker_id = strdup(worker_id);
        ss->on_reset = on_reset;
        ss->data = data;
        ss->log = ferry_klog_open(worker_config, opts, on_record, ss, errstr, errstr_size);
        if (!ss->log) {
                ferry_status_store_free(ss);
                return NULL;
        }
        return ss;
}

int ferry_status_store_sync(ferry_status_store_t *ss, int timeout_ms, char *errstr, size_t errstr_size)
{
        return ferry_klog_read_to_end(ss->log, timeout_ms, errstr, errstr_size);
}

void ferry_status_store_free(ferry_status_store_t *ss)
{
        if (!ss)
                return;
        ferry_klog_close(ss->log);
        for (size_t i = 0; i < ss->n_st; i++) {
                free(ss->st[i].key);
                free(ss->st[i].trace);
                free(ss->st[i].worker_id);
        }
        free(ss->st);
        for (size_t i = 0; i < ss->n_published; i++) {
                free(ss->published[i].key);
                free(ss->published[i].trace);
        }
        free(ss->published);
        ferry_strmap_free(&ss->topic_recs);
        ferry_strmap_free(&ss->topic_sent);
        free(ss->worker_id);
        pthread_mutex_destroy(&ss->lock);
        free(ss);
}

/* ---- publishing ---- */

/* Written with the one JSON writer (ferry/json.h), byte for byte as Connect's JsonConverter
 * (Jackson) writes the record: keys in Connect's schema order, a trace that is not set as null. */
char *ferry_status_record(ferry_state_t state, const char *trace, const char *worker_id, int64_t generation)
{
        ferry_jw_t j;
        ferry_jw_init(&j);
        ferry_jw_obj(&j);
        ferry_jw_kv(&j, "state", ferry_state_name(state));
        ferry_jw_kv(&j, "trace", trace);
        ferry_jw_kv(&j, "worker_id", worker_id);
        ferry_jw_key(&j, "generation");
        ferry_jw_int(&j, generation);
        ferry_jw_end_obj(&j);
        char *text = ferry_buf_steal(&j.b);
        ferry_jw_free(&j);
        return text;
}

void ferry_status_store_publish(ferry_status_store_t *ss, const char *conn, int task, ferry_state_t state,
                                const char *trace, int64_t generation)
{
        char key[1100];
        status_key(key, sizeof(key), conn, task);
        status_t *p = find_status(ss->published, ss->n_published, key);
        /* Unchanged since this worker last wrote it, and nobody wrote it since: nothing to do. */
        pthread_mutex_lock(&ss->lock);
        status_t *cur = find_status(ss->st, ss->n_st, key);
        bool ours = cur && cur->worker_id && !strcmp(cur->worker_id, ss->worker_id);
        pthread_mutex_unlock(&ss->lock);
        if (p && ours && p->state == state &&
            ((!p->trace && !trace) || (p->trace && trace && !strcmp(p->trace, trace))))
                return;
        /* A unit just given to this worker is UNASSIGNED until it starts: nothing to say yet (its
         * RUNNING follows in a moment, and after a failover every record written first delays
         * it). As in Connect, UNASSIGNED comes only from a worker that had written the unit. */
        if (!p && state == FERRY_STATE_UNASSIGNED)
                return;
        char *text = ferry_status_record(state, trace, ss->worker_id, generation);
        char err[512] = "out of memory";
        int rc = text ? ferry_klog_send(ss->log, key, text, strlen(text), err, sizeof(err)) : -1;
        free(text);
        if (rc < 0) {
                FERRY_WARN("Could not write status %s: %s", key, err);
                return;
        }
        if (!p) {
                status_t *np = realloc(ss->published, (ss->n_published + 1) * sizeof(*np));
                if (!np)
                        return;
                ss->published = np;
                p = &ss->published[ss->n_published++];
                memset(p, 0, sizeof(*p));
                p->key = strdup(key);
        }
        p->state = state;
        free(p->trace);
        p->trace = trace ? strdup(trace) : NULL;
}

char *ferry_status_topic_record(const char *topic, const char *conn, int task, int64_t discover_ms)
{
        ferry_jw_t j;
        ferry_jw_init(&j);
        ferry_jw_obj(&j);
        ferry_jw_key(&j, "topic");
        ferry_jw_obj(&j);
        ferry_jw_kv(&j, "name", topic);
        ferry_jw_kv(&j, "connector", conn);
        ferry_jw_key(&j, "task");
        ferry_jw_int(&j, task);
        ferry_jw_key(&j, "discoverTimestamp");
        ferry_jw_int(&j, discover_ms);
        ferry_jw_end_obj(&j);
        ferry_jw_end_obj(&j);
        char *text = ferry_buf_steal(&j.b);
        ferry_jw_free(&j);
        return text;
}

int ferry_status_store_publish_topic(ferry_status_store_t *ss, const char *topic, const char *conn, int task)
{
        char key[1024];
        topic_key(key, sizeof(key), topic, conn);
        pthread_mutex_lock(&ss->lock);
        bool known = ferry_strmap_get(&ss->topic_recs, key) || ferry_strmap_get(&ss->topic_sent, key);
        pthread_mutex_unlock(&ss->lock);
        if (known)
                return 0;
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        char *text = ferry_status_topic_record(topic, conn, task,
                                               (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000);
        if (!text)
                return -1;
        char err[512];
        int rc = ferry_klog_send(ss->log, key, text, strlen(text), err, sizeof(err));
        free(text);
        if (rc < 0) {
                FERRY_WARN("Could not write topic record %s: %s", key, err);
                return -1;
        }
        pthread_mutex_lock(&ss->lock);
        ferry_strmap_set(&ss->topic_sent, key, "");
        pthread_mutex_unlock(&ss->lock);
        return 0;
}

char **ferry_status_store_topics(ferry_status_store_t *ss, const char *conn, size_t *n)
{
        pthread_mutex_lock(&ss->lock);
        char **out = calloc(ss->topic_recs.n + 1, sizeof(*out));
        *n = 0;
        for (size_t i = 0; out && i < ss->topic_recs.n; i++) {
                const ferry_kv_t *kv = &ss->topic_recs.kv[i];
                const char *sep = strstr(kv->key, TOPIC_SEP);
                if (sep && !strcmp(kv->value, conn))
                        out[(*n)++] = strndup(kv->key + strlen(TOPIC_PREFIX),
                                              (size_t)(sep - kv->key) - strlen(TOPIC_PREFIX));
        }
        pthread_mutex_unlock(&ss->lock);
        return out;
}

/* Tombstones for every topic record of the connector: each worker forgets them when it reads them
 * back, and its tasks report their topics again on their next record. */
int ferry_status_store_reset_topics(ferry_status_store_t *ss, const char *conn)
{
        pthread_mutex_lock(&ss->lock);
        ferry_strmap_t keys;
        ferry_strmap_init(&keys);
        for (size_t i = 0; i < ss->topic_recs.n; i++)
                if (!strcmp(ss->topic_recs.kv[i].value, conn))
                        ferry_strmap_set(&keys, ss->topic_recs.kv[i].key, "");
        for (size_t i = 0; i < keys.n; i++) {
                ferry_strmap_unset(&ss->topic_recs, keys.kv[i].key);
                ferry_strmap_unset(&ss->topic_sent, keys.kv[i].key);
        }
        pthread_mutex_unlock(&ss->lock);
        int rc = 0;
        for (size_t i = 0; i < keys.n; i++) {
                char err[512];
                if (ferry_klog_send(ss->log, keys.kv[i].key, NULL, 0, err, sizeof(err)) < 0) {
                        FERRY_ERROR("Cannot reset the active topics of %s: %s", conn, err);
                        rc = -1;
                }
        }
        ferry_strmap_free(&keys);
        return rc;
}
