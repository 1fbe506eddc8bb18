/* REST resource "/connectors": everything about connectors, their tasks, topics and offsets.
 * Each handler turns the request into one or two herder operations (herder.h) and the result into
 * Kafka Connect's JSON shapes and status codes; not-found messages are worded as Java's standalone
 * herder words them for the same endpoint. Request bodies arrive parsed (router.c). */
#include "rest/api.h"

#include <ferry/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NAME(c) ((c)->params[0])

const char *ferry_rest_type_name(ferry_plugin_type_t type, bool known)
{
        if (!known)
                return "unknown";
        return type == FERRY_PLUGIN_SINK ? "sink" : type == FERRY_PLUGIN_SOURCE ? "source" : "unknown";
}

static void write_state(ferry_jw_t *j, ferry_state_t state, const char *worker_id, const char *trace)
{
        ferry_jw_kv(j, "state", ferry_state_name(state));
        ferry_jw_kv(j, "worker_id", worker_id);
        if (trace && *trace)
                ferry_jw_kv(j, "trace", trace);
}

void ferry_rest_write_status(ferry_jw_t *j, const ferry_connector_status_t *s)
{
        ferry_jw_obj(j);
        ferry_jw_kv(j, "name", s->name);
        ferry_jw_key(j, "connector");
        ferry_jw_obj(j);
        write_state(j, s->state, s->worker_id, s->trace);
        ferry_jw_end_obj(j);
        ferry_jw_key(j, "tasks");
        ferry_jw_arr(j);
        for (int i = 0; i < s->n_tasks; i++) {
                ferry_jw_obj(j);
                ferry_jw_key(j, "id");
                ferry_jw_int(j, s->tasks[i].id);
                write_state(j, s->tasks[i].state, s->tasks[i].worker_id, s->tasks[i].trace);
                ferry_jw_end_obj(j);
        }
        ferry_jw_end_arr(j);
        ferry_jw_kv(j, "type", ferry_rest_type_name(s->type, s->type_known));
        ferry_jw_end_obj(j);
}

static void write_task_id(ferry_jw_t *j, const char *name, int task)
{
        ferry_jw_obj(j);
        ferry_jw_kv(j, "connector", name);
        ferry_jw_key(j, "task");
        ferry_jw_int(j, task);
        ferry_jw_end_obj(j);
}

void ferry_rest_write_info(ferry_jw_t *j, const ferry_connector_info_t *i)
{
        ferry_jw_obj(j);
        ferry_jw_kv(j, "name", i->name);
        ferry_jw_key(j, "config");
        ferry_jw_strmap(j, &i->config);
        ferry_jw_key(j, "tasks");
        ferry_jw_arr(j);
        for (int t = 0; t < i->n_tasks; t++)
                write_task_id(j, i->name, t);
        ferry_jw_end_arr(j);
        ferry_jw_kv(j, "type", ferry_rest_type_name(i->type, i->type_known));
        ferry_jw_end_obj(j);
}

/* ---- GET /connectors ---- */

static void list_connectors(ferry_rest_call_t *c)
{
        size_t n = 0;
        char **names = c->h->ops->list(c->h, &n);
        if (!names) {
                ferry_rest_error(c, 500, "Failed to list connectors");
                return;
        }
        ferry_jw_t j;
        ferry_jw_init(&j);
        if (!ferry_rest_query_has(c, "expand")) {
                ferry_jw_strlist(&j, names, n);
                ferry_strlist_free(names, n);
                ferry_rest_reply_json(c, 200, &j);
                return;
        }
        /* Expansions in the order first asked for; unknown ones are ignored, as Connect does. */
        char order[2];
        int n_order = 0;
        char *e;
        for (size_t k = 0; (e = ferry_rest_query(c, "expand", k)) != NULL; k++) {
                char kind = !strcmp(e, "status") ? 's' : !strcmp(e, "info") ? 'i' : 0;
                if (kind && !memchr(order, kind, (size_t)n_order) && n_order < 2)
                        order[n_order++] = kind;
                free(e);
        }
        ferry_jw_obj(&j);
        for (size_t i = 0; i < n; i++) {
                ferry_connector_status_t st;
                ferry_connector_info_t info;
                memset(&st, 0, sizeof(st));
                memset(&info, 0, sizeof(info));
                bool have_st = false, have_info = false, gone = false;
                for (int k = 0; k < n_order && !gone; k++) {
                        if (order[k] == 's')
                                gone = !(have_st = c->h->ops->status(c->h, names[i], &st) == FERRY_HERDER_OK);
                        else
                                gone = !(have_info =
                                                 c->h->ops->info(c->h, names[i], &info) == FERRY_HERDER_OK);
                }
                /* A connector deleted meanwhile is left out. */
                if (!gone) {
                        ferry_jw_key(&j, names[i]);
                        ferry_jw_obj(&j);
                        for (int k = 0; k < n_order; k++) {
                                ferry_jw_key(&j, order[k] == 's' ? "status" : "info");
                                if (order[k] == 's')
                                        ferry_rest_write_status(&j, &st);
                                else
                                        ferry_rest_write_info(&j, &info);
                        }
                        ferry_jw_end_obj(&j);
                }
                if (have_st)
                        ferry_connector_status_free(&st);
                if (have_info)
                        ferry_connector_info_free(&info);
        }
        ferry_jw_end_obj(&j);
        ferry_strlist_free(names, n);
        ferry_rest_reply_json(c, 200, &j);
}

/* ---- create / update ---- */

/* "/connectors/<name>" with the name percent-encoded. */
static char *location(const ferry_rest_call_t *c, const char *name)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        ferry_buf_puts(&b, c->req->base_url ? c->req->base_url : "");
        ferry_buf_puts(&b, "/connectors/");
        for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
                if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                    *p == '-' || *p == '.' || *p == '_' || *p == '~')
                        ferry_buf_putc(&b, (char)*p);
                else
                        ferry_buf_printf(&b, "%%%02X", *p);
        }
        return ferry_buf_steal(&b);
}

static void invalid_config(ferry_rest_call_t *c, const ferry_cfg_errors_t *errs)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        ferry_buf_printf(
                &b, "Connector configuration is invalid and contains the following %zu error(s):", errs->n);
        for (size_t i = 0; i < errs->n; i++)
                ferry_buf_printf(&b, "\n%s", errs->e[i].message);
        ferry_buf_puts(&b, "\nYou can also find the above list of errors at the endpoint "
                           "`/connector-plugins/{connectorType}/config/validate`");
        ferry_rest_error(c, 400, "%s", b.p ? b.p : "");
        ferry_buf_free(&b);
}

/* Connect's checkAndPutConnectorConfigName: a "name" in the config must equal the connector's. */
static bool check_and_put_name(ferry_rest_call_t *c, const char *name, ferry_strmap_t *config)
{
        const char *included = ferry_strmap_get(config, "name");
        if (included && strcmp(included, name)) {
                ferry_rest_error(
                        c, 400,
                        "Connector name configuration (%s) doesn't match connector name in the URL (%s)",
                        included, name);
                return false;
        }
        if (!included)
                ferry_strmap_set(config, "name", name);
        return true;
}

/* Validates and stores a config, then answers with the connector's info (201 with Location when
 * created, else ok_status). nulls: keys sent as null, each an error. */
static void put_and_answer(ferry_rest_call_t *c, const char *name, ferry_strmap_t *config,
                           const ferry_strmap_t *nulls, ferry_target_t initial, bool allow_update,
                           int ok_status)
{
        if (!check_and_put_name(c, name, config))
                return;
        ferry_cfg_errors_t errs;
        ferry_cfg_errors_init(&errs);
        char errstr[2048] = "";
        if (nulls && nulls->n) {
                for (size_t i = 0; i < nulls->n; i++)
                        ferry_cfg_errors_add(&errs, nulls->kv[i].key,
                                             "Null value can not be supplied as the configuration value.");
                ferry_worker_validate_connector(c->w, config, &errs);
                invalid_config(c, &errs);
                ferry_cfg_errors_free(&errs);
                return;
        }
        bool created = false;
        ferry_herder_rc_t rc = c->h->ops->put_connector(c->h, name, config, initial, allow_update, &created,
                                                        &errs, errstr, sizeof(errstr));
        if (rc == FERRY_HERDER_INVALID && errs.n) {
                invalid_config(c, &errs);
        } else if (rc == FERRY_HERDER_EXISTS && !errstr[0]) {
                ferry_rest_error(c, 409, "Connector %s already exists", name);
        } else if (rc != FERRY_HERDER_OK) {
                ferry_rest_herder_error(c, rc, errstr, NULL);
        } else {
                ferry_connector_info_t info;
                rc = c->h->ops->info(c->h, name, &info);
                if (rc != FERRY_HERDER_OK) {
                        ferry_rest_herder_error(c, rc, NULL,
                                                "Connector was deleted while it was being created");
                } else {
                        ferry_jw_t j;
                        ferry_jw_init(&j);
                        ferry_rest_write_info(&j, &info);
                        ferry_connector_info_free(&info);
                        ferry_rest_reply_json(c, created ? 201 : ok_status, &j);
                        if (created)
                                c->resp->location = location(c, name);
                }
        }
        ferry_cfg_errors_free(&errs);
}

static void create_connector(ferry_rest_call_t *c)
{
        json_object *jname = NULL, *jconfig = NULL, *jstate = NULL;
        json_object_object_get_ex(c->body, "name", &jname);
        json_object_object_get_ex(c->body, "config", &jconfig);
        json_object_object_get_ex(c->body, "initial_state", &jstate);
        if (jname && !json_object_is_type(jname, json_type_string)) {
                ferry_rest_error(c, 400, "Connector name must be a string");
                return;
        }
        if (!jconfig || !json_object_is_type(jconfig, json_type_object)) {
                ferry_rest_error(c, 400, "Request body must have a \"config\" object");
                return;
        }
        ferry_target_t initial = FERRY_TARGET_STARTED;
        if (jstate && !json_object_is_type(jstate, json_type_null)) {
                const char *s =
                        json_object_is_type(jstate, json_type_string) ? json_object_get_string(jstate) : "";
                if (!strcasecmp(s, "RUNNING")) {
                        initial = FERRY_TARGET_STARTED;
                } else if (!strcasecmp(s, "PAUSED")) {
                        initial = FERRY_TARGET_PAUSED;
                } else if (!strcasecmp(s, "STOPPED")) {
                        initial = FERRY_TARGET_STOPPED;
                } else {
                        ferry_rest_error(c, 400,
                                         "Invalid initial_state %s: expected RUNNING, PAUSED or STOPPED",
                                         json_object_to_json_string_ext(jstate, JSON_C_TO_STRING_PLAIN));
                        return;
                }
        }
        /* Connect trims the name; a missing one is empty, which validation then reports. */
        const char *raw = jname ? json_object_get_string(jname) : "";
        size_t len = jname ? (size_t)json_object_get_string_len(jname) : 0;
        while (len > 0 && (unsigned char)*raw <= ' ') {
                raw++;
                len--;
        }
        while (len > 0 && (unsigned char)raw[len - 1] <= ' ')
                len--;
        char *name = strndup(raw, len);
        ferry_strmap_t config, nulls;
        ferry_strmap_init(&config);
        ferry_strmap_init(&nulls);
        char errstr[512];
        if (!name)
                ferry_rest_error(c, 500, "out of memory");
        else if (memchr(raw, '\0', len))
                ferry_rest_error(c, 400, "Connector name must not contain NUL characters");
        else if (ferry_rest_body_strmap(jconfig, &config, &nulls, errstr, sizeof(errstr)) < 0)
                ferry_rest_error(c, 400, "%s", errstr);
        else
                put_and_answer(c, name, &config, &nulls, initial, false, 201);
        free(name);
        ferry_strmap_free(&config);
        ferry_strmap_free(&nulls);
}

static void put_config(ferry_rest_call_t *c)
{
        ferry_strmap_t config, nulls;
        ferry_strmap_init(&config);
        ferry_strmap_init(&nulls);
        char errstr[512];
        if (ferry_rest_body_strmap(c->body, &config, &nulls, errstr, sizeof(errstr)) < 0)
                ferry_rest_error(c, 400, "%s", errstr);
        else
                put_and_answer(c, NAME(c), &config, &nulls, FERRY_TARGET_STARTED, true, 200);
        ferry_strmap_free(&config);
        ferry_strmap_free(&nulls);
}

/* The error body of a failed herder call on the connector named in the path; an unknown connector
 * gets Connect's "Connector <name> not found". */
static void connector_error(ferry_rest_call_t *c, ferry_herder_rc_t rc, const char *errstr)
{
        char msg[1024];
        snprintf(msg, sizeof(msg), "Connector %s not found", NAME(c));
        ferry_rest_herder_error(c, rc, errstr, msg);
}

static void patch_config(ferry_rest_call_t *c)
{
        ferry_connector_info_t info;
        ferry_herder_rc_t rc = c->h->ops->info(c->h, NAME(c), &info);
        if (rc != FERRY_HERDER_OK) {
                connector_error(c, rc, NULL);
                return;
        }
        ferry_strmap_t patch, nulls;
        ferry_strmap_init(&patch);
        ferry_strmap_init(&nulls);
        char errstr[512];
        if (ferry_rest_body_strmap(c->body, &patch, &nulls, errstr, sizeof(errstr)) < 0) {
                ferry_rest_error(c, 400, "%s", errstr);
        } else {
                /* A null value removes the key; anything else replaces or adds it. */
                for (size_t i = 0; i < nulls.n; i++)
                        ferry_strmap_unset(&info.config, nulls.kv[i].key);
                for (size_t i = 0; i < patch.n; i++)
                        ferry_strmap_set(&info.config, patch.kv[i].key, patch.kv[i].value);
                put_and_answer(c, NAME(c), &info.config, NULL, FERRY_TARGET_STARTED, true, 200);
        }
        ferry_strmap_free(&patch);
        ferry_strmap_free(&nulls);
        ferry_connector_info_free(&info);
}

/* ---- reads ---- */

static bool get_info(ferry_rest_call_t *c, ferry_connector_info_t *info)
{
        ferry_herder_rc_t rc = c->h->ops->info(c->h, NAME(c), info);
        if (rc == FERRY_HERDER_OK)
                return true;
        connector_error(c, rc, NULL);
        return false;
}

static void get_connector(ferry_rest_call_t *c)
{
        ferry_connector_info_t info;
        if (!get_info(c, &info))
                return;
        ferry_jw_t j;
        ferry_jw_init(&j);
        ferry_rest_write_info(&j, &info);
        ferry_connector_info_free(&info);
        ferry_rest_reply_json(c, 200, &j);
}

static void get_config(ferry_rest_call_t *c)
{
        ferry_connector_info_t info;
        if (!get_info(c, &info))
                return;
        ferry_jw_t j;
        ferry_jw_init(&j);
        ferry_jw_strmap(&j, &info.config);
        ferry_connector_info_free(&info);
        ferry_rest_reply_json(c, 200, &j);
}

static void get_tasks(ferry_rest_call_t *c)
{
        ferry_connector_info_t info;
        if (!get_info(c, &info))
                return;
        ferry_jw_t j;
        ferry_jw_init(&j);
        ferry_jw_arr(&j);
        for (int t = 0; t < info.n_tasks; t++) {
                ferry_jw_obj(&j);
                ferry_jw_key(&j, "id");
                write_task_id(&j, info.name, t);
                ferry_jw_key(&j, "config");
                ferry_jw_strmap(&j, &info.tasks[t]);
                ferry_jw_end_obj(&j);
        }
        ferry_jw_end_arr(&j);
        ferry_connector_info_free(&info);
        ferry_rest_reply_json(c, 200, &j);
}

static void get_status(ferry_rest_call_t *c)
{
        ferry_connector_status_t st;
        ferry_herder_rc_t rc = c->h->ops->status(c->h, NAME(c), &st);
        if (rc != FERRY_HERDER_OK) {
                char msg[1024];
                snprintf(msg, sizeof(msg), "No status found for connector %s", NAME(c));
                ferry_rest_herder_error(c, rc, NULL, msg);
                return;
        }
        ferry_jw_t j;
        ferry_jw_init(&j);
        ferry_rest_write_status(&j, &st);
        ferry_connector_status_free(&st);
        ferry_rest_reply_json(c, 200, &j);
}

/* The {task} segment as JAX-RS converts an Integer path parameter; false answers 404. */
static bool task_param(ferry_rest_call_t *c, int *task)
{
        int64_t v;
        const char *s = c->params[1];
        if (*s == '+')
                s++;
        if (ferry_parse_int64(s, &v) < 0 || *s == ' ' || v < INT32_MIN || v > INT32_MAX) {
                ferry_rest_error(c, 404, "HTTP 404 Not Found");
                return false;
        }
        *task = (int)v;
        return true;
}

static void get_task_status(ferry_rest_call_t *c)
{
        int task;
        if (!task_param(c, &task))
                return;
        ferry_connector_status_t st;
        ferry_herder_rc_t rc = c->h->ops->status(c->h, NAME(c), &st);
        const ferry_task_status_t *ts = NULL;
        for (int i = 0; rc == FERRY_HERDER_OK && i < st.n_tasks; i++)
                if (st.tasks[i].id == task)
                        ts = &st.tasks[i];
        if (!ts) {
                char msg[1024];
                snprintf(msg, sizeof(msg), "No status found for task %s-%d", NAME(c), task);
                ferry_rest_herder_error(c, rc == FERRY_HERDER_OK ? FERRY_HERDER_NOT_FOUND : rc, NULL, msg);
        } else {
                ferry_jw_t j;
                ferry_jw_init(&j);
                ferry_jw_obj(&j);
                ferry_jw_key(&j, "id");
                ferry_jw_int(&j, ts->id);
                write_state(&j, ts->state, ts->worker_id, ts->trace);
                ferry_jw_end_obj(&j);
                ferry_rest_reply_json(c, 200, &j);
        }
        if (rc == FERRY_HERDER_OK)
                ferry_connector_status_free(&st);
}

/* ---- lifecycle ---- */

static void restart_task(ferry_rest_call_t *c)
{
        int task;
        if (!task_param(c, &task))
                return;
        ferry_herder_rc_t rc = c->h->ops->restart_task(c->h, NAME(c), task);
        if (rc == FERRY_HERDER_OK) {
                ferry_rest_reply_empty(c, 204);
                return;
        }
        char msg[1024];
        ferry_connector_info_t info;
        if (rc == FERRY_HERDER_NOT_FOUND && c->h->ops->info(c->h, NAME(c), &info) == FERRY_HERDER_OK) {
                ferry_connector_info_free(&info);
                snprintf(msg, sizeof(msg), "Task %s-%d not found", NAME(c), task);
        } else {
                snprintf(msg, sizeof(msg), "Connector %s not found", NAME(c));
        }
        ferry_rest_herder_error(c, rc, rc == FERRY_HERDER_NOT_FOUND ? NULL : "Failed to restart the task",
                                msg);
}

static void restart_connector(ferry_rest_call_t *c)
{
        bool include_tasks = ferry_rest_query_bool(c, "includeTasks", false);
        bool only_failed = ferry_rest_query_bool(c, "onlyFailed", false);
        char msg[1024];
        if (!include_tasks && !only_failed) {
                /* The original restart: the connector instance only, no body. */
                ferry_herder_rc_t rc = c->h->ops->restart_connector(c->h, NAME(c), false, false, NULL);
                snprintf(msg, sizeof(msg), "Connector %s not found", NAME(c));
                if (rc == FERRY_HERDER_OK)
                        ferry_rest_reply_empty(c, 204);
                else
                        ferry_rest_herder_error(c, rc, NULL, msg);
                return;
        }
        ferry_connector_status_t st;
        memset(&st, 0, sizeof(st));
        ferry_herder_rc_t rc = c->h->ops->restart_connector(c->h, NAME(c), include_tasks, only_failed, &st);
        if (rc != FERRY_HERDER_OK) {
                snprintf(msg, sizeof(msg), "Unknown connector: %s", NAME(c));
                ferry_rest_herder_error(c, rc, NULL, msg);
                return;
        }
        ferry_jw_t j;
        ferry_jw_init(&j);
        ferry_rest_write_status(&j, &st);
        ferry_connector_status_free(&st);
        ferry_rest_reply_json(c, 202, &j);
}

/* Connect words "not found" as "Unknown connector X" for pause/resume, else "Connector X not found". */
static void set_target(ferry_rest_call_t *c, ferry_target_t target, int status, bool unknown_wording)
{
        ferry_herder_rc_t rc = c->h->ops->set_target(c->h, NAME(c), target);
        if (rc == FERRY_HERDER_OK) {
                ferry_rest_reply_empty(c, status);
                return;
        }
        char msg[1024];
        if (unknown_wording)
                snprintf(msg, sizeof(msg), "Unknown connector %s", NAME(c));
        else
                snprintf(msg, sizeof(msg), "Connector %s not found", NAME(c));
        ferry_rest_herder_error(c, rc, NULL, msg);
}

static void pause_connector(ferry_rest_call_t *c)
{
        set_target(c, FERRY_TARGET_PAUSED, 202, true);
}

static void resume_connector(ferry_rest_call_t *c)
{
        set_target(c, FERRY_TARGET_STARTED, 202, true);
}

static void stop_connector(ferry_rest_call_t *c)
{
        set_target(c, FERRY_TARGET_STOPPED, 204, false);
}

static void delete_connector(ferry_rest_call_t *c)
{
        ferry_herder_rc_t rc = c->h->ops->delete_connector(c->h, NAME(c));
        if (rc == FERRY_HERDER_OK) {
                ferry_rest_reply_empty(c, 204);
                return;
        }
        connector_error(c, rc, NULL);
}

/* Connect's inter-worker zombie fencing request (exactly-once source connectors). */
static void fence_connector(ferry_rest_call_t *c)
{
        char errstr[1024] = "";
        if (!c->h->ops->fence) {
                ferry_rest_error(c, 400, "Zombie fencing is only available in distributed mode");
                return;
        }
        ferry_herder_rc_t rc = c->h->ops->fence(c->h, NAME(c), errstr, sizeof(errstr));
        if (rc == FERRY_HERDER_OK) {
                ferry_rest_reply_empty(c, 204);
                return;
        }
        connector_error(c, rc, errstr);
}

/* ---- topics ---- */

static void get_topics(ferry_rest_call_t *c)
{
        char **topics = NULL;
        size_t n = 0;
        ferry_herder_rc_t rc = c->h->ops->topics(c->h, NAME(c), &topics, &n);
        if (rc != FERRY_HERDER_OK) {
                connector_error(c, rc, NULL);
                return;
        }
        ferry_jw_t j;
        ferry_jw_init(&j);
        ferry_jw_obj(&j);
        ferry_jw_key(&j, NAME(c));
        ferry_jw_obj(&j);
        ferry_jw_key(&j, "topics");
        ferry_jw_strlist(&j, topics, n);
        ferry_jw_end_obj(&j);
        ferry_jw_end_obj(&j);
        ferry_strlist_free(topics, n);
        ferry_rest_reply_json(c, 200, &j);
}

static void reset_topics(ferry_rest_call_t *c)
{
        ferry_herder_rc_t rc = c->h->ops->reset_topics(c->h, NAME(c));
        if (rc == FERRY_HERDER_OK) {
                ferry_rest_reply_empty(c, 202);
                return;
        }
        connector_error(c, rc, NULL);
}

/* ---- offsets ---- */

static void get_offsets(ferry_rest_call_t *c)
{
        ferry_value_t *doc = NULL;
        char errstr[1024] = "";
        ferry_herder_rc_t rc = c->h->ops->offsets(c->h, NAME(c), &doc, errstr, sizeof(errstr));
        if (rc != FERRY_HERDER_OK) {
                connector_error(c, rc, errstr);
                ferry_value_free(doc);
                return;
        }
        char *text = NULL;
        size_t len = 0;
        if (!doc || ferry_json_write(doc, &text, &len) < 0) {
                ferry_rest_error(c, 500, "Failed to encode the offsets");
        } else {
                ferry_jw_t j;
                ferry_jw_init(&j);
                ferry_jw_raw(&j, text, len);
                ferry_rest_reply_json(c, 200, &j);
        }
        free(text);
        ferry_value_free(doc);
}

static void offsets_message(ferry_rest_call_t *c, const char *what)
{
        ferry_jw_t j;
        ferry_jw_init(&j);
        ferry_jw_obj(&j);
        ferry_jw_key(&j, "message");
        ferry_buf_t m;
        ferry_buf_init(&m);
        ferry_buf_printf(&m, "The offsets for this connector have been %s successfully", what);
        ferry_jw_str(&j, m.p);
        ferry_buf_free(&m);
        ferry_jw_end_obj(&j);
        ferry_rest_reply_json(c, 200, &j);
}

static void modify_offsets(ferry_rest_call_t *c, const ferry_value_t *doc)
{
        char errstr[1024] = "";
        ferry_herder_rc_t rc = c->h->ops->alter_offsets(c->h, NAME(c), doc, errstr, sizeof(errstr));
        if (rc == FERRY_HERDER_OK) {
                offsets_message(c, doc ? "altered" : "reset");
                return;
        }
        connector_error(c, rc, errstr);
}

static void patch_offsets(ferry_rest_call_t *c)
{
        json_object *list = NULL;
        json_object_object_get_ex(c->body, "offsets", &list);
        if (!list || !json_object_is_type(list, json_type_array) || json_object_array_length(list) == 0) {
                ferry_rest_error(c, 400,
                                 "Partitions / offsets need to be provided for an alter offsets request");
                return;
        }
        /* The body again as a schemaless value, read as the offsets topic's records are. */
        char err[256];
        ferry_value_t *doc = ferry_json_read(c->req->body, c->req->body_len, err, sizeof(err));
        if (!doc) {
                ferry_rest_error(c, 400, "%s", err);
                return;
        }
        modify_offsets(c, doc);
        ferry_value_free(doc);
}

static void delete_offsets(ferry_rest_call_t *c)
{
        modify_offsets(c, NULL);
}

const ferry_rest_route_t ferry_rest_connector_routes[] = {
        {"GET", "/connectors", list_connectors, 0},
        {"POST", "/connectors", create_connector, FERRY_ROUTE_BODY},
        {"GET", "/connectors/{}", get_connector, 0},
        {"DELETE", "/connectors/{}", delete_connector, 0},
        {"GET", "/connectors/{}/config", get_config, 0},
        {"PUT", "/connectors/{}/config", put_config, FERRY_ROUTE_BODY},
        {"PATCH", "/connectors/{}/config", patch_config, FERRY_ROUTE_BODY},
        {"GET", "/connectors/{}/status", get_status, 0},
        {"GET", "/connectors/{}/tasks", get_tasks, 0},
        {"GET", "/connectors/{}/tasks/{}/status", get_task_status, 0},
        {"POST", "/connectors/{}/tasks/{}/restart", restart_task, 0},
        {"POST", "/connectors/{}/restart", restart_connector, 0},
        {"PUT", "/connectors/{}/pause", pause_connector, 0},
        {"PUT", "/connectors/{}/resume", resume_connector, 0},
        {"PUT", "/connectors/{}/stop", stop_connector, 0},
        {"PUT", "/connectors/{}/fence", fence_connector, 0},
        {"GET", "/connectors/{}/topics", get_topics, 0},
        {"PUT", "/connectors/{}/topics/reset", reset_topics, 0},
        {"GET", "/connectors/{}/offsets", get_offsets, 0},
        {"PATCH", "/connectors/{}/offsets", patch_offsets, FERRY_ROUTE_BODY},
        {"DELETE", "/connectors/{}/offsets", delete_offsets, 0},
        {NULL, NULL, NULL, 0},
};
