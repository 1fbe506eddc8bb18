/* The worker runtime: connector and task instances in this process. It validates connector
 * configs against the config tables, starts connectors to get their task configs, gives each task
 * its converters and a thread (task_source.c / task_sink.c do the data work), pauses, resumes and
 * stops them within task.shutdown.graceful.timeout.ms, and keeps their status. Herders drive it. */
#include "runtime/worker.h"

#include "core/config_providers.h"
#include "kafka/kafka.h"
#include "kafka/topic_creation.h"
#include "runtime/transforms.h"

#include <ferry/log.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

const char *ferry_state_name(ferry_state_t s)
{
        static const char *const names[] = {"UNASSIGNED", "RUNNING", "PAUSED",
                                            "STOPPED",    "FAILED",  "RESTARTING"};
        return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "UNASSIGNED";
}

/* ---- task handle API for plugins ---- */
void *ferry_task_data(ferry_task_t *t)
{
        return t->data;
}

void ferry_task_set_data(ferry_task_t *t, void *data)
{
        t->data = data;
}

const char *ferry_task_connector(const ferry_task_t *t)
{
        return t->connector;
}

int ferry_task_id(const ferry_task_t *t)
{
        return t->id;
}

bool ferry_task_stopping(ferry_task_t *t)
{
        return atomic_load(&t->stopping);
}

static void deadline_in(struct timespec *ts, int ms)
{
        clock_gettime(CLOCK_MONOTONIC, ts);
        ts->tv_sec += ms / 1000;
        ts->tv_nsec += (long)(ms % 1000) * 1000000L;
        if (ts->tv_nsec >= 1000000000L) {
                ts->tv_sec++;
                ts->tv_nsec -= 1000000000L;
        }
}

bool ferry_task_wait(ferry_task_t *t, int ms)
{
        struct timespec ts;
        deadline_in(&ts, ms);
        pthread_mutex_lock(&t->lock);
        while (!atomic_load(&t->stopping) && pthread_cond_timedwait(&t->cond, &t->lock, &ts) != ETIMEDOUT)
                ;
        pthread_mutex_unlock(&t->lock);
        return atomic_load(&t->stopping);
}

bool ferry_task_wait_running(ferry_task_t *t)
{
        if (atomic_load(&t->target) == FERRY_TARGET_STARTED)
                return !atomic_load(&t->stopping);
        ferry_task_set_state(t, FERRY_STATE_PAUSED, NULL);
        pthread_mutex_lock(&t->lock);
        while (!atomic_load(&t->stopping) && atomic_load(&t->target) != FERRY_TARGET_STARTED)
                pthread_cond_wait(&t->cond, &t->lock);
        pthread_mutex_unlock(&t->lock);
        if (atomic_load(&t->stopping))
                return false;
        ferry_task_set_state(t, FERRY_STATE_RUNNING, NULL);
        return true;
}

ferry_value_t *ferry_task_offset(ferry_task_t *t, const ferry_value_t *partition)
{
        /* A connector's own offsets topic first, then the worker's (as Connect reads them). */
        ferry_value_t *v = t->own_offsets ? ferry_offsets_get(t->own_offsets, t->connector, partition) : NULL;
        if (v)
                return v;
        return t->w->offsets ? ferry_offsets_get(t->w->offsets, t->connector, partition) : NULL;
}

size_t ferry_task_offsets(ferry_task_t *t, const ferry_value_t *const *partitions, size_t n,
                          ferry_value_t **out)
{
        size_t found = 0;
        for (size_t i = 0; i < n; i++) {
                out[i] = partitions[i] ? ferry_task_offset(t, partitions[i]) : NULL;
                found += out[i] != NULL;
        }
        return found;
}

void ferry_task_set_state(ferry_task_t *t, ferry_state_t s, const char *trace)
{
        pthread_mutex_lock(&t->lock);
        ferry_state_t old = t->state;
        t->state = s;
        free(t->trace);
        t->trace = trace ? strdup(trace) : NULL;
        pthread_mutex_unlock(&t->lock);
        if (s == FERRY_STATE_FAILED)
                FERRY_ERROR("Task %s-%d failed: %s", t->connector, t->id, trace ? trace : "");
        else if (old != s)
                FERRY_INFO("Task %s-%d is %s", t->connector, t->id, ferry_state_name(s));
}

/* ---- connector handle API ---- */
void *ferry_connector_data(ferry_connector_ctx_t *c)
{
        return c->data;
}

void ferry_connector_set_data(ferry_connector_ctx_t *c, void *data)
{
        c->data = data;
}

const char *ferry_connector_name(const ferry_connector_ctx_t *c)
{
        return c->conn->name;
}

ferry_err_t ferry_task_configs_copies(ferry_connector_ctx_t *c, const ferry_strmap_t *config, int max_tasks,
                                      ferry_strmap_t *out, int *n_out, char *errstr, size_t errstr_size)
{
        (void)c, (void)errstr, (void)errstr_size;
        *n_out = 0;
        for (int i = 0; i < max_tasks; i++) {
                ferry_strmap_init(&out[i]);
                *n_out = i + 1;
                if (ferry_strmap_copy(&out[i], config) < 0)
                        return FERRY_ERR_NOMEM;
        }
        return FERRY_ERR_OK;
}

void ferry_connector_request_reconfiguration(ferry_connector_ctx_t *c)
{
        ferry_worker_t *w = c->conn->w;
        if (!w) /* a short-lived instance that only computes task configs */
                return;
        pthread_mutex_lock(&w->lock);
        bool queued = false;
        for (size_t i = 0; i < w->n_reconfig && !queued; i++)
                queued = !strcmp(w->reconfig[i], c->conn->name);
        char **nr = queued ? NULL : realloc(w->reconfig, (w->n_reconfig + 1) * sizeof(*nr));
        if (nr) {
                w->reconfig = nr;
                if ((w->reconfig[w->n_reconfig] = strdup(c->conn->name)))
                        w->n_reconfig++;
        }
        pthread_cond_broadcast(&w->reconfig_cond);
        pthread_mutex_unlock(&w->lock);
        FERRY_INFO("Connector %s requested a task reconfiguration", c->conn->name);
}

void ferry_connector_raise_error(ferry_connector_ctx_t *c, const char *message)
{
        ferry_worker_t *w = c->conn->w;
        if (!w) { /* a short-lived instance that only computes task configs */
                FERRY_WARN("Connector %s raised an error while computing task configs: %s", c->conn->name,
                           message ? message : "");
                return;
        }
        char trace[4096];
        snprintf(trace, sizeof(trace), "org.apache.kafka.connect.errors.ConnectException: %s\n\tat %s",
                 message ? message : "connector failed", c->conn->plugin->info.class_name);
        pthread_mutex_lock(&w->lock);
        free(c->conn->trace);
        c->conn->trace = strdup(trace);
        c->conn->state = FERRY_STATE_FAILED;
        pthread_mutex_unlock(&w->lock);
        FERRY_ERROR("Connector %s failed: %s", c->conn->name, message ? message : "");
}

char **ferry_worker_take_reconfig(ferry_worker_t *w, int timeout_ms, size_t *n)
{
        pthread_mutex_lock(&w->lock);
        if (!w->n_reconfig && timeout_ms > 0) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_sec += timeout_ms / 1000;
                ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
                if (ts.tv_nsec >= 1000000000L) {
                        ts.tv_sec++;
                        ts.tv_nsec -= 1000000000L;
                }
                pthread_cond_timedwait(&w->reconfig_cond, &w->lock, &ts);
        }
        char **out = w->reconfig;
        *n = w->n_reconfig;
        w->reconfig = NULL;
        w->n_reconfig = 0;
        pthread_mutex_unlock(&w->lock);
        return out;
}

void ferry_worker_wake_reconfig(ferry_worker_t *w)
{
        pthread_mutex_lock(&w->lock);
        pthread_cond_broadcast(&w->reconfig_cond);
        pthread_mutex_unlock(&w->lock);
}

/* ---- worker ---- */
ferry_worker_t *ferry_worker_new(const ferry_strmap_t *config, char *errstr, size_t errstr_size)
{
        ferry_cfg_errors_t errs;
        ferry_cfg_errors_init(&errs);
        ferry_config_validate(ferry_worker_config, config, &errs);
        if (errs.n) {
                char *msg = ferry_cfg_errors_join(&errs);
                snprintf(errstr, errstr_size, "invalid worker configuration: %s",
                         msg ? msg : "out of memory");
                free(msg);
                ferry_cfg_errors_free(&errs);
                return NULL;
        }
        ferry_cfg_errors_free(&errs);
        ferry_worker_t *w = calloc(1, sizeof(*w));
        if (!w)
                return NULL;
        pthread_mutex_init(&w->lock, NULL);
        pthread_cond_init(&w->reconfig_cond, NULL);
        ferry_strmap_init(&w->config);
        ferry_strmap_copy(&w->config, config);
        if (ferry_registry_init(&w->registry, ferry_config_str(ferry_worker_config, config, "plugin.path"),
                                errstr, errstr_size) < 0) {
                ferry_worker_free(w);
                return NULL;
        }
        for (const char *const *k = (const char *const[]){"key.converter", "value.converter", NULL}; *k;
             k++) {
                const char *cls = ferry_strmap_get(config, *k);
                if (!ferry_registry_converter(&w->registry, cls)) {
                        char why[1024];
                        if (!ferry_registry_ambiguous(&w->registry, cls, FERRY_FIND_CONVERTER, why,
                                                      sizeof(why)))
                                snprintf(why, sizeof(why), "Class %s could not be found.", cls);
                        snprintf(errstr, errstr_size, "invalid worker configuration: %s: %s", *k, why);
                        ferry_worker_free(w);
                        return NULL;
                }
        }
        return w;
}

static void conn_free(ferry_conn_t *c)
{
        free(c->name);
        ferry_strmap_free(&c->config);
        free(c->trace);
        free(c->tasks);
        free(c);
}

void ferry_worker_free(ferry_worker_t *w)
{
        if (!w)
                return;
        ferry_worker_stop_all(w);
        free(w->conns);
        ferry_topic_uses_free(w->topics, w->n_topics);
        ferry_strlist_free(w->reconfig, w->n_reconfig);
        pthread_cond_destroy(&w->reconfig_cond);
        ferry_registry_free(&w->registry);
        ferry_strmap_free(&w->config);
        free(w->worker_id);
        free(w->cluster_id);
        pthread_mutex_destroy(&w->lock);
        free(w);
}

/* Keys that belong to a prefix family and are checked elsewhere (converters, transforms, clients). */
static bool known_prefix(const char *key)
{
        static const char *const prefixes[] = {"key.converter.",     "value.converter.",
                                               "header.converter.",  "transforms.",
                                               "predicates.",        "producer.override.",
                                               "consumer.override.", "admin.override.",
                                               "topic.creation.",    NULL};
        for (size_t i = 0; prefixes[i]; i++)
                if (!strncmp(key, prefixes[i], strlen(prefixes[i])))
                        return true;
        return false;
}

/* connector.client.config.override.policy: None refuses every *.override.* key, Principal allows
 * only the keys that pick a principal, All allows everything. */
static void check_client_overrides(ferry_worker_t *w, const ferry_strmap_t *config, ferry_cfg_errors_t *errs)
{
        static const char *const prefixes[] = {"producer.override.", "consumer.override.", "admin.override.",
                                               NULL};
        static const char *const principal[] = {"sasl.jaas.config", "sasl.mechanism", "security.protocol",
                                                NULL};
        const char *policy =
                ferry_config_str(ferry_worker_config, &w->config, "connector.client.config.override.policy");
        if (!policy || !strcasecmp(policy, "All"))
                return;
        bool none = !strcasecmp(policy, "None");
        for (size_t i = 0; i < config->n; i++) {
                const char *k = config->kv[i].key;
                for (size_t p = 0; prefixes[p]; p++) {
                        size_t pl = strlen(prefixes[p]);
                        if (strncmp(k, prefixes[p], pl))
                                continue;
                        bool allowed = false;
                        for (size_t a = 0; !none && principal[a]; a++)
                                allowed = allowed || !strcmp(k + pl, principal[a]);
                        if (!allowed)
                                ferry_cfg_errors_add(
                                        errs, k,
                                        "The '%s' policy does not allow '%s' to be overridden in "
                                        "the connector configuration.",
                                        none ? "None" : "Principal", k + pl);
                }
        }
}

static const ferry_connector_plugin_t *validate_resolved(ferry_worker_t *w, const ferry_strmap_t *config,
                                                         ferry_cfg_errors_t *errs);

const ferry_connector_plugin_t *
ferry_worker_validate_connector(ferry_worker_t *w, const ferry_strmap_t *config, ferry_cfg_errors_t *errs)
{
        /* Like Connect, validate what the connector will see: placeholders resolved. */
        if (!ferry_config_has_placeholders(config))
                return validate_resolved(w, config, errs);
        ferry_strmap_t resolved;
        char errstr[1024];
        if (ferry_config_resolve(&w->config, config, &resolved, errstr, sizeof(errstr)) < 0) {
                const char *colon = strchr(errstr, ':');
                char key[256];
                snprintf(key, sizeof(key), "%.*s", colon ? (int)(colon - errstr) : 0, errstr);
                ferry_cfg_errors_add(errs, colon ? key : NULL, "%s", colon ? colon + 2 : errstr);
                return validate_resolved(w, config, errs);
        }
        const ferry_connector_plugin_t *p = validate_resolved(w, &resolved, errs);
        ferry_strmap_free(&resolved);
        return p;
}

static const ferry_connector_plugin_t *validate_resolved(ferry_worker_t *w, const ferry_strmap_t *config,
                                                         ferry_cfg_errors_t *errs)
{
        ferry_config_validate(ferry_connector_config, config, errs);
        const char *cls = ferry_strmap_get(config, "connector.class");
        const ferry_connector_plugin_t *p = cls ? ferry_registry_connector(&w->registry, cls) : NULL;
        char ambiguous[1024];
        if (cls && !p &&
            ferry_registry_ambiguous(&w->registry, cls, FERRY_FIND_CONNECTOR, ambiguous, sizeof(ambiguous))) {
                ferry_cfg_errors_add(errs, "connector.class", "%s", ambiguous);
        } else if (cls && !p) {
                ferry_buf_t avail;
                ferry_buf_init(&avail);
                for (size_t i = 0; i < w->registry.n; i++) {
                        const ferry_plugin_info_t *info = w->registry.plugins[i];
                        if (info->type == FERRY_PLUGIN_SOURCE || info->type == FERRY_PLUGIN_SINK)
                                ferry_buf_printf(&avail, "%s%s", avail.len ? ", " : "", info->class_name);
                }
                ferry_cfg_errors_add(
                        errs, "connector.class",
                        "Failed to find any class that implements Connector and which name matches %s, "
                        "available connectors are: %s",
                        cls, avail.p ? avail.p : "");
                ferry_buf_free(&avail);
        }
        for (const char *const *k =
                     (const char *const[]){"key.converter", "value.converter", "header.converter", NULL};
             *k; k++) {
                const char *c = ferry_strmap_get(config, *k);
                if (c && !ferry_registry_converter(&w->registry, c)) {
                        if (ferry_registry_ambiguous(&w->registry, c, FERRY_FIND_CONVERTER, ambiguous,
                                                     sizeof(ambiguous)))
                                ferry_cfg_errors_add(errs, *k, "%s", ambiguous);
                        else
                                ferry_cfg_errors_add(errs, *k, "Class %s could not be found.", c);
                }
        }
        ferry_transform_chain_validate(&w->registry, config, errs);
        check_client_overrides(w, config, errs);
        if (!p)
                return NULL;
        bool sink = p->info.type == FERRY_PLUGIN_SINK;
        const ferry_config_def_t *kind = sink ? ferry_sink_connector_config : ferry_source_connector_config;
        ferry_config_validate(kind, config, errs);
        if (sink) {
                const char *topics = ferry_strmap_get(config, "topics");
                const char *regex = ferry_strmap_get(config, "topics.regex");
                bool has_topics = topics && *topics, has_regex = regex && *regex;
                /* Like Connect, the error is reported on both keys. */
                for (const char *const *k = (const char *const[]){"topics", "topics.regex", NULL}; *k; k++) {
                        if (has_topics && has_regex)
                                ferry_cfg_errors_add(
                                        errs, *k,
                                        "topics and topics.regex are mutually exclusive options, but "
                                        "both are set.");
                        else if (!has_topics && !has_regex)
                                ferry_cfg_errors_add(errs, *k,
                                                     "Must configure one of topics or topics.regex");
                }
        } else if (ferry_config_bool(ferry_worker_config, &w->config, "topic.creation.enable")) {
                ferry_topic_creation_validate(config, errs);
        }
        if (p->info.config)
                ferry_config_validate(p->info.config, config, errs);
        if (p->validate)
                p->validate(config, errs);
        if (!sink)
                ferry_eos_validate(w, p, config, errs);
        for (size_t i = 0; i < config->n; i++) {
                const char *k = config->kv[i].key;
                if (!ferry_config_find(ferry_connector_config, k) && !ferry_config_find(kind, k) &&
                    !(p->info.config && ferry_config_find(p->info.config, k)) && !known_prefix(k))
                        FERRY_WARN("Connector %s: unknown configuration key '%s' (ignored)",
                                   ferry_strmap_get(config, "name"), k);
        }
        return p;
}

static ferry_conn_t *find_conn(ferry_worker_t *w, const char *name, size_t *idx)
{
        for (size_t i = 0; i < w->n_conns; i++) {
                if (!strcmp(w->conns[i]->name, name)) {
                        if (idx)
                                *idx = i;
                        return w->conns[i];
                }
        }
        return NULL;
}

void ferry_task_configs_free(ferry_strmap_t *tasks, int n)
{
        for (int i = 0; tasks && i < n; i++)
                ferry_strmap_free(&tasks[i]);
        free(tasks);
}

int ferry_worker_start_connector(ferry_worker_t *w, const char *name, const ferry_strmap_t *config,
                                 ferry_target_t target, ferry_strmap_t **tasks, int *n_tasks, char *errstr,
                                 size_t errstr_size)
{
        *tasks = NULL;
        *n_tasks = 0;
        const ferry_connector_plugin_t *p =
                ferry_registry_connector(&w->registry, ferry_strmap_get(config, "connector.class"));
        if (!p) {
                snprintf(errstr, errstr_size, "unknown connector class %s",
                         ferry_strmap_get(config, "connector.class"));
                return -1;
        }
        ferry_conn_t *c = calloc(1, sizeof(*c));
        if (!c || !(c->name = strdup(name))) {
                free(c);
                return -1;
        }
        c->plugin = p;
        c->w = w;
        c->ctx.conn = c;
        ferry_strmap_init(&c->config);
        ferry_strmap_copy(&c->config, config);
        c->state = target == FERRY_TARGET_STARTED  ? FERRY_STATE_RUNNING
                   : target == FERRY_TARGET_PAUSED ? FERRY_STATE_PAUSED
                                                   : FERRY_STATE_STOPPED;
        pthread_mutex_lock(&w->lock);
        ferry_conn_t **nc = realloc(w->conns, (w->n_conns + 1) * sizeof(*nc));
        if (!nc) {
                pthread_mutex_unlock(&w->lock);
                conn_free(c);
                return -1;
        }
        w->conns = nc;
        w->conns[w->n_conns++] = c;
        pthread_mutex_unlock(&w->lock);

        if (w->embedded)
                ferry_embedded_kafka_connector_topics(w->embedded, config);
        char ctx[128];
        snprintf(ctx, sizeof(ctx), "%s", name);
        ferry_log_context(ctx);
        int rc = 0;
        if (target != FERRY_TARGET_STOPPED) {
                /* The plugin sees placeholders resolved; the task configs it derives get them back. */
                ferry_strmap_t resolved;
                ferry_strmap_init(&resolved);
                ferry_err_t err = ferry_config_resolve(&w->config, config, &resolved, errstr, errstr_size) < 0
                                          ? FERRY_ERR_INVALID_CONFIG
                                          : FERRY_ERR_OK;
                if (!err && p->start)
                        err = p->start(&c->ctx, &resolved, errstr, errstr_size);
                c->started = err == FERRY_ERR_OK;
                int max = (int)ferry_config_int(ferry_connector_config, &resolved, "tasks.max");
                if (!err) {
                        *tasks = calloc((size_t)max, sizeof(**tasks));
                        err = *tasks ? p->task_configs(&c->ctx, &resolved, max, *tasks, n_tasks, errstr,
                                                       errstr_size)
                                     : FERRY_ERR_NOMEM;
                }
                if (!err)
                        ferry_config_unresolve(config, &resolved, *tasks, *n_tasks);
                ferry_strmap_free(&resolved);
                if (err) {
                        pthread_mutex_lock(&w->lock);
                        c->state = FERRY_STATE_FAILED;
                        c->trace = strdup(errstr);
                        pthread_mutex_unlock(&w->lock);
                        FERRY_ERROR("Connector %s failed to start: %s", name, errstr);
                        ferry_task_configs_free(*tasks, *n_tasks);
                        *tasks = NULL;
                        *n_tasks = 0;
                        rc = -1;
                } else {
                        FERRY_INFO("Connector %s started (%s) with %d task config(s)", name,
                                   p->info.class_name, *n_tasks);
                }
        }
        ferry_log_context(NULL);
        return rc;
}

/* Sets up a converter slot: the connector's class and "<slot>." keys when it names one, else the
 * worker's. */
static int conv_setup(ferry_worker_t *w, const ferry_strmap_t *conn_config, const char *slot, bool is_key,
                      ferry_conv_t *out, char *errstr, size_t errstr_size)
{
        const ferry_strmap_t *src = ferry_strmap_get(conn_config, slot) ? conn_config : &w->config;
        /* The worker's table gives header.converter its default (SimpleHeaderConverter). */
        const char *cls = src == conn_config ? ferry_strmap_get(src, slot)
                                             : ferry_config_str(ferry_worker_config, src, slot);
        out->plugin = ferry_registry_converter(&w->registry, cls);
        if (!out->plugin) {
                char why[1024];
                if (!cls ||
                    !ferry_registry_ambiguous(&w->registry, cls, FERRY_FIND_CONVERTER, why, sizeof(why)))
                        snprintf(why, sizeof(why), "Class %s could not be found.", cls ? cls : "(none)");
                snprintf(errstr, errstr_size, "%s: %s", slot, why);
                return -1;
        }
        char prefix[64];
        snprintf(prefix, sizeof(prefix), "%s.", slot);
        ferry_strmap_t sub;
        ferry_strmap_init(&sub);
        ferry_strmap_sub(&sub, src, prefix);
        ferry_err_t err = out->plugin->configure(&out->state, &sub, is_key, errstr, errstr_size);
        ferry_strmap_free(&sub);
        return err ? -1 : 0;
}

static void conv_close(ferry_conv_t *c)
{
        if (c->plugin && c->state)
                c->plugin->close(c->state);
        c->state = NULL;
}

static void task_free(ferry_task_t *t)
{
        conv_close(&t->key_conv);
        conv_close(&t->value_conv);
        conv_close(&t->header_conv);
        ferry_transform_chain_free(t->chain);
        ferry_strmap_free(&t->raw_config);
        ferry_strmap_free(&t->config);
        ferry_strmap_free(&t->conn_config);
        free(t->last_topic);
        free(t->connector);
        free(t->trace);
        pthread_mutex_destroy(&t->lock);
        pthread_cond_destroy(&t->cond);
        free(t);
}

/* Logs the raw connector config a task starts with (placeholders unresolved, secrets hidden). */
static void log_task_config(ferry_task_t *t, const ferry_strmap_t *raw)
{
        const ferry_config_def_t *own = t->plugin->info.config;
        const ferry_config_def_t *kind = t->plugin->info.type == FERRY_PLUGIN_SINK
                                                 ? ferry_sink_connector_config
                                                 : ferry_source_connector_config;
        ferry_buf_t b;
        ferry_buf_init(&b);
        for (size_t i = 0; i < raw->n; i++) {
                const char *k = raw->kv[i].key;
                bool secret = ferry_config_is_secret(ferry_connector_config, k) ||
                              ferry_config_is_secret(kind, k) || (own && ferry_config_is_secret(own, k));
                /* A non-secret value may still carry credentials (a JDBC URL's password). */
                char *masked = secret ? NULL : ferry_config_mask_value(raw->kv[i].value);
                ferry_buf_printf(&b, "%s%s = %s", i ? ", " : "", k,
                                 secret   ? "[hidden]"
                                 : masked ? masked
                                          : raw->kv[i].value);
                free(masked);
        }
        FERRY_INFO("Task %s-%d config values: %s", t->connector, t->id, b.p ? b.p : "");
        ferry_buf_free(&b);
}

int ferry_worker_start_task(ferry_worker_t *w, const char *name, int id, const ferry_strmap_t *task_config,
                            ferry_target_t target, char *errstr, size_t errstr_size)
{
        pthread_mutex_lock(&w->lock);
        ferry_conn_t *c = find_conn(w, name, NULL);
        if (!c) {
                pthread_mutex_unlock(&w->lock);
                snprintf(errstr, errstr_size, "connector %s is not running on this worker", name);
                return -1;
        }
        ferry_task_t *t = calloc(1, sizeof(*t));
        ferry_task_t **nt = t ? realloc(c->tasks, (size_t)(c->n_tasks + 1) * sizeof(*nt)) : NULL;
        if (!nt) {
                pthread_mutex_unlock(&w->lock);
                free(t);
                return -1;
        }
        c->tasks = nt;
        c->tasks[c->n_tasks++] = t;
        t->w = w;
        t->connector = strdup(name);
        t->id = id;
        t->plugin = c->plugin;
        snprintf(t->ctx, sizeof(t->ctx), "%s|task-%d", name, id);
        ferry_strmap_t raw_conn;
        ferry_strmap_init(&raw_conn);
        ferry_strmap_copy(&raw_conn, &c->config);
        pthread_mutex_unlock(&w->lock);

        ferry_strmap_init(&t->conn_config);
        ferry_strmap_init(&t->config);
        ferry_strmap_init(&t->raw_config);
        ferry_strmap_copy(&t->raw_config, task_config);
        pthread_mutex_init(&t->lock, NULL);
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&t->cond, &ca);
        pthread_condattr_destroy(&ca);
        atomic_store(&t->target, (int)target);
        t->state = FERRY_STATE_UNASSIGNED;
        log_task_config(t, &raw_conn);
        /* Placeholders are resolved into the task's own copies (plugin, converters, SMTs, clients). */
        int rc = ferry_config_resolve(&w->config, &raw_conn, &t->conn_config, errstr, errstr_size);
        ferry_strmap_free(&raw_conn);
        if (rc < 0 || ferry_config_resolve(&w->config, task_config, &t->config, errstr, errstr_size) < 0) {
                ferry_task_set_state(t, FERRY_STATE_FAILED, errstr);
                return -1;
        }
        if (conv_setup(w, &t->conn_config, "key.converter", true, &t->key_conv, errstr, errstr_size) < 0 ||
            conv_setup(w, &t->conn_config, "value.converter", false, &t->value_conv, errstr, errstr_size) <
                    0 ||
            conv_setup(w, &t->conn_config, "header.converter", false, &t->header_conv, errstr, errstr_size) <
                    0) {
                ferry_task_set_state(t, FERRY_STATE_FAILED, errstr);
                return -1;
        }
        ferry_cfg_errors_t cerrs;
        ferry_cfg_errors_init(&cerrs);
        t->chain = ferry_transform_chain_new(&w->registry, &t->conn_config, &cerrs);
        if (!t->chain) {
                char *msg = ferry_cfg_errors_join(&cerrs);
                snprintf(errstr, errstr_size, "invalid transforms: %s", msg ? msg : "out of memory");
                free(msg);
                ferry_cfg_errors_free(&cerrs);
                ferry_task_set_state(t, FERRY_STATE_FAILED, errstr);
                return -1;
        }
        ferry_cfg_errors_free(&cerrs);
        void *(*main_fn)(void *) =
                t->plugin->info.type == FERRY_PLUGIN_SINK ? ferry_sink_task_main : ferry_source_task_main;
        if (pthread_create(&t->thread, NULL, main_fn, t) != 0) {
                snprintf(errstr, errstr_size, "cannot start a thread for task %s-%d", name, id);
                ferry_task_set_state(t, FERRY_STATE_FAILED, errstr);
                return -1;
        }
        t->started = true;
        return 0;
}

void ferry_worker_set_target(ferry_worker_t *w, const char *name, ferry_target_t target)
{
        pthread_mutex_lock(&w->lock);
        ferry_conn_t *c = find_conn(w, name, NULL);
        if (c) {
                c->state = target == FERRY_TARGET_PAUSED ? FERRY_STATE_PAUSED : FERRY_STATE_RUNNING;
                for (int i = 0; i < c->n_tasks; i++) {
                        ferry_task_t *t = c->tasks[i];
                        pthread_mutex_lock(&t->lock);
                        atomic_store(&t->target, (int)target);
                        pthread_cond_broadcast(&t->cond);
                        pthread_mutex_unlock(&t->lock);
                }
        }
        pthread_mutex_unlock(&w->lock);
}

/* Asks every task to stop, then waits for them together until the graceful timeout. Tasks still
 * running then are abandoned (their memory is kept, as their thread may still use it). */
static void stop_tasks(ferry_worker_t *w, ferry_task_t **tasks, int n)
{
        for (int i = 0; i < n; i++) {
                ferry_task_t *t = tasks[i];
                pthread_mutex_lock(&t->lock);
                atomic_store(&t->stopping, true);
                pthread_cond_broadcast(&t->cond);
                pthread_mutex_unlock(&t->lock);
        }
        int64_t timeout =
                ferry_config_int(ferry_worker_config, &w->config, "task.shutdown.graceful.timeout.ms");
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += (time_t)(timeout / 1000);
        deadline.tv_nsec += (long)(timeout % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
                deadline.tv_sec++;
                deadline.tv_nsec -= 1000000000L;
        }
        for (int i = 0; i < n; i++) {
                ferry_task_t *t = tasks[i];
                if (t->started && pthread_timedjoin_np(t->thread, NULL, &deadline) != 0) {
                        FERRY_ERROR("Graceful stop of task %s-%d failed within %lld ms; abandoning it",
                                    t->connector, t->id, (long long)timeout);
                        pthread_detach(t->thread);
                        continue;
                }
                task_free(t);
        }
}

void ferry_worker_stop_connector(ferry_worker_t *w, const char *name)
{
        pthread_mutex_lock(&w->lock);
        size_t idx;
        ferry_conn_t *c = find_conn(w, name, &idx);
        if (c)
                w->conns[idx] = w->conns[--w->n_conns];
        pthread_mutex_unlock(&w->lock);
        if (!c)
                return;
        stop_tasks(w, c->tasks, c->n_tasks);
        if (c->started && c->plugin->stop)
                c->plugin->stop(&c->ctx);
        FERRY_INFO("Connector %s stopped", name);
        conn_free(c);
}

void ferry_worker_stop_all(ferry_worker_t *w)
{
        /* Stop all tasks of all connectors together so the graceful timeout applies once. */
        pthread_mutex_lock(&w->lock);
        ferry_conn_t **conns = w->conns;
        size_t n = w->n_conns;
        w->conns = NULL;
        w->n_conns = 0;
        pthread_mutex_unlock(&w->lock);
        size_t total = 0;
        for (size_t i = 0; i < n; i++)
                total += (size_t)conns[i]->n_tasks;
        ferry_task_t **all = calloc(total ? total : 1, sizeof(*all));
        size_t k = 0;
        for (size_t i = 0; all && i < n; i++)
                for (int j = 0; j < conns[i]->n_tasks; j++)
                        all[k++] = conns[i]->tasks[j];
        if (all)
                stop_tasks(w, all, (int)k);
        free(all);
        for (size_t i = 0; i < n; i++) {
                if (conns[i]->started && conns[i]->plugin->stop)
                        conns[i]->plugin->stop(&conns[i]->ctx);
                conn_free(conns[i]);
        }
        free(conns);
}

bool ferry_worker_connector_status(ferry_worker_t *w, const char *name, ferry_status_t *conn,
                                   ferry_status_t **tasks, int *n_tasks)
{
        pthread_mutex_lock(&w->lock);
        ferry_conn_t *c = find_conn(w, name, NULL);
        if (!c) {
                pthread_mutex_unlock(&w->lock);
                return false;
        }
        conn->state = c->state;
        conn->trace = c->trace ? strdup(c->trace) : NULL;
        *n_tasks = c->n_tasks;
        *tasks = calloc((size_t)(c->n_tasks ? c->n_tasks : 1), sizeof(**tasks));
        for (int i = 0; *tasks && i < c->n_tasks; i++) {
                ferry_task_t *t = c->tasks[i];
                pthread_mutex_lock(&t->lock);
                (*tasks)[i].id = t->id;
                (*tasks)[i].state = t->state;
                (*tasks)[i].trace = t->trace ? strdup(t->trace) : NULL;
                pthread_mutex_unlock(&t->lock);
        }
        pthread_mutex_unlock(&w->lock);
        /* Few tasks: insertion sort by id. */
        for (int i = 1; *tasks && i < *n_tasks; i++)
                for (int j = i; j > 0 && (*tasks)[j - 1].id > (*tasks)[j].id; j--) {
                        ferry_status_t tmp = (*tasks)[j];
                        (*tasks)[j] = (*tasks)[j - 1];
                        (*tasks)[j - 1] = tmp;
                }
        return true;
}

void ferry_status_free(ferry_status_t *s, int n)
{
        for (int i = 0; s && i < n; i++)
                free(s[i].trace);
        free(s);
}

int ferry_worker_restart_task(ferry_worker_t *w, const char *name, int id, char *errstr, size_t errstr_size)
{
        pthread_mutex_lock(&w->lock);
        ferry_conn_t *c = find_conn(w, name, NULL);
        ferry_task_t *t = NULL;
        for (int i = 0; c && i < c->n_tasks; i++) {
                if (c->tasks[i]->id == id) {
                        t = c->tasks[i];
                        c->tasks[i] = c->tasks[--c->n_tasks];
                        break;
                }
        }
        pthread_mutex_unlock(&w->lock);
        if (!t) {
                snprintf(errstr, errstr_size, "Task %s-%d not found", name, id);
                return -1;
        }
        ferry_strmap_t config;
        ferry_strmap_init(&config);
        ferry_strmap_copy(&config, &t->raw_config);
        ferry_target_t target = (ferry_target_t)atomic_load(&t->target);
        stop_tasks(w, &t, 1);
        FERRY_INFO("Restarting task %s-%d", name, id);
        int rc = ferry_worker_start_task(w, name, id, &config, target, errstr, errstr_size);
        ferry_strmap_free(&config);
        return rc;
}

int ferry_worker_restart_connector(ferry_worker_t *w, const char *name, ferry_strmap_t **tasks, int *n_tasks,
                                   char *errstr, size_t errstr_size)
{
        *tasks = NULL;
        *n_tasks = 0;
        pthread_mutex_lock(&w->lock);
        ferry_conn_t *c = find_conn(w, name, NULL);
        pthread_mutex_unlock(&w->lock);
        if (!c) {
                snprintf(errstr, errstr_size, "Connector %s not found", name);
                return -1;
        }
        /* Only the herder (serialised) changes connector instances, so c stays valid here. */
        if (c->started && c->plugin->stop)
                c->plugin->stop(&c->ctx);
        c->started = false;
        ferry_strmap_t resolved;
        ferry_strmap_init(&resolved);
        ferry_err_t err = ferry_config_resolve(&w->config, &c->config, &resolved, errstr, errstr_size) < 0
                                  ? FERRY_ERR_INVALID_CONFIG
                                  : FERRY_ERR_OK;
        if (!err && c->plugin->start)
                err = c->plugin->start(&c->ctx, &resolved, errstr, errstr_size);
        c->started = err == FERRY_ERR_OK;
        int max = (int)ferry_config_int(ferry_connector_config, &resolved, "tasks.max");
        if (!err) {
                *tasks = calloc((size_t)max, sizeof(**tasks));
                err = *tasks ? c->plugin->task_configs(&c->ctx, &resolved, max, *tasks, n_tasks, errstr,
                                                       errstr_size)
                             : FERRY_ERR_NOMEM;
        }
        if (!err)
                ferry_config_unresolve(&c->config, &resolved, *tasks, *n_tasks);
        ferry_strmap_free(&resolved);
        pthread_mutex_lock(&w->lock);
        free(c->trace);
        c->trace = err ? strdup(errstr) : NULL;
        if (err)
                c->state = FERRY_STATE_FAILED;
        else if (c->state == FERRY_STATE_FAILED || c->state == FERRY_STATE_RESTARTING)
                c->state = FERRY_STATE_RUNNING;
        pthread_mutex_unlock(&w->lock);
        if (err) {
                ferry_task_configs_free(*tasks, *n_tasks);
                *tasks = NULL;
                *n_tasks = 0;
                return -1;
        }
        FERRY_INFO("Connector %s restarted", name);
        return 0;
}

int ferry_worker_task_configs(ferry_worker_t *w, const char *name, ferry_strmap_t **tasks, int *n_tasks,
                              char *errstr, size_t errstr_size)
{
        *tasks = NULL;
        *n_tasks = 0;
        pthread_mutex_lock(&w->lock);
        ferry_conn_t *c = find_conn(w, name, NULL);
        pthread_mutex_unlock(&w->lock);
        /* Only the herder (serialised) changes connector instances, so c stays valid here. */
        if (!c || !c->started) {
                snprintf(errstr, errstr_size, "Connector %s is not running here", name);
                return -1;
        }
        ferry_strmap_t resolved;
        ferry_strmap_init(&resolved);
        ferry_err_t err = ferry_config_resolve(&w->config, &c->config, &resolved, errstr, errstr_size) < 0
                                  ? FERRY_ERR_INVALID_CONFIG
                                  : FERRY_ERR_OK;
        int max = (int)ferry_config_int(ferry_connector_config, &resolved, "tasks.max");
        if (!err) {
                *tasks = calloc((size_t)max + 1, sizeof(**tasks));
                err = *tasks ? c->plugin->task_configs(&c->ctx, &resolved, max, *tasks, n_tasks, errstr,
                                                       errstr_size)
                             : FERRY_ERR_NOMEM;
        }
        if (!err)
                ferry_config_unresolve(&c->config, &resolved, *tasks, *n_tasks);
        ferry_strmap_free(&resolved);
        if (err) {
                ferry_task_configs_free(*tasks, *n_tasks);
                *tasks = NULL;
                *n_tasks = 0;
                return -1;
        }
        return 0;
}

void ferry_task_note_topic(ferry_task_t *t, const char *topic)
{
        if (atomic_exchange(&t->reset_topic, false)) {
                free(t->last_topic);
                t->last_topic = NULL;
        }
        if (t->last_topic && !strcmp(t->last_topic, topic))
                return;
        free(t->last_topic);
        t->last_topic = strdup(topic);
        ferry_worker_t *w = t->w;
        pthread_mutex_lock(&w->lock);
        bool found = false;
        for (size_t i = 0; i < w->n_topics && !found; i++)
                found = !strcmp(w->topics[i].connector, t->connector) && !strcmp(w->topics[i].topic, topic);
        if (!found) {
                ferry_topic_use_t *nt = realloc(w->topics, (w->n_topics + 1) * sizeof(*nt));
                if (nt) {
                        w->topics = nt;
                        w->topics[w->n_topics++] =
                                (ferry_topic_use_t){strdup(t->connector), strdup(topic), t->id};
                }
        }
        pthread_mutex_unlock(&w->lock);
}

char **ferry_worker_topics(ferry_worker_t *w, const char *name, size_t *n)
{
        pthread_mutex_lock(&w->lock);
        char **out = calloc(w->n_topics + 1, sizeof(*out));
        *n = 0;
        for (size_t i = 0; out && i < w->n_topics; i++)
                if (!strcmp(w->topics[i].connector, name))
                        out[(*n)++] = strdup(w->topics[i].topic);
        pthread_mutex_unlock(&w->lock);
        if (out)
                ferry_strlist_sort(out, *n);
        return out;
}

ferry_topic_use_t *ferry_worker_topic_uses(ferry_worker_t *w, const char *name, size_t *n)
{
        pthread_mutex_lock(&w->lock);
        ferry_topic_use_t *out = calloc(w->n_topics + 1, sizeof(*out));
        *n = 0;
        for (size_t i = 0; out && i < w->n_topics; i++)
                if (!strcmp(w->topics[i].connector, name))
                        out[(*n)++] = (ferry_topic_use_t){strdup(name), strdup(w->topics[i].topic),
                                                          w->topics[i].task};
        pthread_mutex_unlock(&w->lock);
        return out;
}

void ferry_topic_uses_free(ferry_topic_use_t *u, size_t n)
{
        for (size_t i = 0; u && i < n; i++) {
                free(u[i].connector);
                free(u[i].topic);
        }
        free(u);
}

void ferry_worker_reset_topics(ferry_worker_t *w, const char *name)
{
        pthread_mutex_lock(&w->lock);
        for (size_t i = 0; i < w->n_topics;) {
                if (!strcmp(w->topics[i].connector, name)) {
                        free(w->topics[i].connector);
                        free(w->topics[i].topic);
                        w->topics[i] = w->topics[--w->n_topics];
                } else {
                        i++;
                }
        }
        pthread_mutex_unlock(&w->lock);
        /* Runners report again on their next record. */
        pthread_mutex_lock(&w->lock);
        ferry_conn_t *c = find_conn(w, name, NULL);
        for (int i = 0; c && i < c->n_tasks; i++)
                atomic_store(&c->tasks[i]->reset_topic, true);
        pthread_mutex_unlock(&w->lock);
}

int ferry_worker_attach(ferry_worker_t *w, const char *name, const ferry_strmap_t *config, char *errstr,
                        size_t errstr_size)
{
        pthread_mutex_lock(&w->lock);
        bool known = find_conn(w, name, NULL) != NULL;
        pthread_mutex_unlock(&w->lock);
        if (known)
                return 0;
        ferry_strmap_t *tasks = NULL;
        int n = 0;
        /* A STOPPED start registers the connector without running its plugin. */
        int rc = ferry_worker_start_connector(w, name, config, FERRY_TARGET_STOPPED, &tasks, &n, errstr,
                                              errstr_size);
        ferry_task_configs_free(tasks, n);
        pthread_mutex_lock(&w->lock);
        ferry_conn_t *c = find_conn(w, name, NULL);
        if (c)
                c->state = FERRY_STATE_UNASSIGNED;
        pthread_mutex_unlock(&w->lock);
        return rc;
}

int ferry_worker_run_instance(ferry_worker_t *w, const char *name, bool run, ferry_target_t target,
                              char *errstr, size_t errstr_size)
{
        pthread_mutex_lock(&w->lock);
        ferry_conn_t *c = find_conn(w, name, NULL);
        pthread_mutex_unlock(&w->lock);
        if (!c) {
                snprintf(errstr, errstr_size, "Connector %s not found", name);
                return -1;
        }
        /* Only the herder thread changes instances, so c stays valid. */
        ferry_err_t err = FERRY_ERR_OK;
        if (run && target == FERRY_TARGET_STOPPED) {
                if (c->started && c->plugin->stop)
                        c->plugin->stop(&c->ctx);
                c->started = false;
        } else if (run && !c->started) {
                /* The plugin sees placeholders resolved, as in ferry_worker_start_connector. */
                ferry_strmap_t resolved;
                ferry_strmap_init(&resolved);
                err = ferry_config_resolve(&w->config, &c->config, &resolved, errstr, errstr_size) < 0
                              ? FERRY_ERR_INVALID_CONFIG
                      : c->plugin->start ? c->plugin->start(&c->ctx, &resolved, errstr, errstr_size)
                                         : FERRY_ERR_OK;
                ferry_strmap_free(&resolved);
                c->started = err == FERRY_ERR_OK;
        } else if (!run && c->started) {
                if (c->plugin->stop)
                        c->plugin->stop(&c->ctx);
                c->started = false;
        }
        pthread_mutex_lock(&w->lock);
        free(c->trace);
        c->trace = err ? strdup(errstr) : NULL;
        c->state = !run                             ? FERRY_STATE_UNASSIGNED
                   : err                            ? FERRY_STATE_FAILED
                   : target == FERRY_TARGET_STOPPED ? FERRY_STATE_STOPPED
                   : target == FERRY_TARGET_PAUSED  ? FERRY_STATE_PAUSED
                                                    : FERRY_STATE_RUNNING;
        pthread_mutex_unlock(&w->lock);
        return err ? -1 : 0;
}

void ferry_worker_stop_task(ferry_worker_t *w, const char *name, int id)
{
        pthread_mutex_lock(&w->lock);
        ferry_conn_t *c = find_conn(w, name, NULL);
        ferry_task_t *t = NULL;
        for (int i = 0; c && i < c->n_tasks; i++) {
                if (c->tasks[i]->id == id) {
                        t = c->tasks[i];
                        c->tasks[i] = c->tasks[--c->n_tasks];
                        break;
                }
        }
        pthread_mutex_unlock(&w->lock);
        if (t)
                stop_tasks(w, &t, 1);
}

bool ferry_worker_has_task(ferry_worker_t *w, const char *name, int id)
{
        pthread_mutex_lock(&w->lock);
        ferry_conn_t *c = find_conn(w, name, NULL);
        bool found = false;
        for (int i = 0; c && i < c->n_tasks && !found; i++)
                found = c->tasks[i]->id == id;
        pthread_mutex_unlock(&w->lock);
        return found;
}
