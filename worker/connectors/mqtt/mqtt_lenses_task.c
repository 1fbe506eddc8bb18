/* Lenses (stream-reactor) MQTT tasks. Source: the task's KCQL statements give the subscriptions
 * (MQTT 5-style "$share/<group>/..." shared ones included); the shared engine (mqtt_source.c)
 * drives the client and its end-to-end at-least-once acknowledgements, and hands every message
 * here, where the first statement whose filter (or WITHREGEX) matches its topic picks the Kafka
 * topic ("$": derived from the MQTT topic) and the converter (mqtt_lenses_convert.c). Sink: put()
 * renders each record for every statement reading its Kafka topic (JSON of the selected fields, or
 * the raw value with the sink BytesConverter) and publishes it through the shared sink client with
 * connect.mqtt.service.quality and connect.mqtt.retained.messages. */
#define _POSIX_C_SOURCE 200809L

#include "mqtt_lenses.h"
#include "mqtt_sink.h"
#include "mqtt_source.h"

#include <ferry/json.h>
#include <ferry/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- shared start-up ---- */

typedef struct {
        ferry_task_t *t;
        ferry_config_t *config;
        lenses_kcql_t k;
        char **hosts;
        size_t n_hosts;
        const char **filters;
        bool throw_on_error, log_message;
        /* sink */
        int qos;
        bool retain;
        enum { POLICY_NOOP, POLICY_THROW, POLICY_RETRY } policy;
        int retry_interval_ms, retries_left;
} lenses_task_t;

static void task_free(void *p)
{
        lenses_task_t *l = p;
        if (!l)
                return;
        lenses_kcql_free(&l->k);
        ferry_strlist_free(l->hosts, l->n_hosts);
        free(l->filters);
        ferry_config_free(l->config);
        free(l);
}

static lenses_task_t *task_new(ferry_task_t *t, const ferry_config_def_t *defs, const ferry_strmap_t *config,
                               bool source, bool lenses_package, char *errstr, size_t errstr_size)
{
        ferry_cfg_errors_t errs;
        ferry_cfg_errors_init(&errs);
        lenses_task_t *l = calloc(1, sizeof(*l));
        if (!l || !(l->config = ferry_config_parse(defs, config, &errs))) {
                char *why = ferry_cfg_errors_join(&errs);
                snprintf(errstr, errstr_size, "%s", why ? why : "out of memory");
                free(why);
                ferry_cfg_errors_free(&errs);
                free(l);
                return NULL;
        }
        ferry_cfg_errors_free(&errs);
        l->t = t;
        if (lenses_kcql_build(lenses_kcql_text(config), source, lenses_package, &l->k, errstr, errstr_size) <
            0) {
                task_free(l);
                return NULL;
        }
        l->hosts = ferry_split_list(ferry_config_get_string(l->config, "connect.mqtt.hosts"), &l->n_hosts);
        if (!l->hosts && l->n_hosts) {
                task_free(l);
                return NULL;
        }
        return l;
}

static mqtt_auth_t task_auth(const lenses_task_t *l)
{
        const ferry_config_t *c = l->config;
        mqtt_auth_t a = {
                .user = ferry_config_is_set(c, "connect.mqtt.username") ||
                                        !ferry_config_is_set(c, "connect.mqtt.user")
                                ? ferry_config_get_string(c, "connect.mqtt.username")
                                : ferry_config_get_string(c, "connect.mqtt.user"),
                .password = ferry_config_get_password(c, "connect.mqtt.password"),
                .ca_file = ferry_config_get_string(c, "connect.mqtt.ssl.ca.cert"),
                .cert_file = ferry_config_get_string(c, "connect.mqtt.ssl.cert"),
                .key_file = ferry_config_get_string(c, "connect.mqtt.ssl.key"),
                .tls_keys = "connect.mqtt.ssl.ca.cert / connect.mqtt.ssl.cert / connect.mqtt.ssl.key",
        };
        for (size_t i = 0; i < l->n_hosts; i++) {
                mqtt_uri_t u;
                char why[300];
                if (mqtt_uri_parse(l->hosts[i], &u, why, sizeof(why)) == 0 && u.tls)
                        a.tls = true;
        }
        return a;
}

/* connect.mqtt.timeout and connect.mqtt.keep.alive are handed to Paho, which reads them as
 * seconds; so does Ferry (MQTT's keep-alive field holds at most 65535). */
static int keepalive_s(const lenses_task_t *l)
{
        int k = lenses_get_int(l->config, "connect.mqtt.keep.alive", "connect.mqtt.connection.keep.alive");
        return k < 5 ? 5 : k > 65535 ? 65535 : k;
}

/* ---- source ---- */

static int source_build(void *ctx, const struct mosquitto_message *msg, bool dup, ferry_records_t *out,
                        char *errstr, size_t errstr_size)
{
        (void)dup; /* not tracked (build_reads_dup unset): see connect.mqtt.process.duplicates */
        lenses_task_t *l = ctx;
        const lenses_stmt_t *ls = NULL;
        for (size_t i = 0; i < l->k.n && !ls; i++) {
                const lenses_stmt_t *c = &l->k.stmts[i];
                bool m = false;
                if (c->has_regex)
                        m = ferry_regex_matches(&c->regex, msg->topic, NULL, 0);
                else
                        mosquitto_topic_matches_sub(c->match, msg->topic, &m);
                if (m)
                        ls = c;
        }
        if (l->log_message)
                ferry_task_log(l->t, FERRY_LOG_INFO,
                               "Message received on topic [%s]. Message id =[%d], %d byte(s)", msg->topic,
                               msg->mid, msg->payloadlen);
        if (!ls) {
                ferry_task_log(
                        l->t, FERRY_LOG_WARN,
                        "Topic '%s' can not be matched with a source defined by KCQL; message %d dropped",
                        msg->topic, msg->mid);
                return 0;
        }
        char *dollar = ls->dollar ? lenses_dollar_topic(msg->topic) : NULL;
        if (ls->dollar && !dollar) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        char why[700];
        ferry_record_t *r = lenses_convert(&ls->conv, dollar ? dollar : ls->stmt->target, msg->topic,
                                           msg->mid, msg->payload ? msg->payload : "",
                                           (size_t)(msg->payloadlen > 0 ? msg->payloadlen : 0), &ls->keys,
                                           why, sizeof(why));
        free(dollar);
        if (!r) {
                if (l->throw_on_error) {
                        snprintf(errstr, errstr_size,
                                 "Error converting message with id:%d on topic:%s "
                                 "(connect.mqtt.converter.throw.on.error=true): %s",
                                 msg->mid, msg->topic, why);
                        return -1;
                }
                ferry_task_log(l->t, FERRY_LOG_WARN,
                               "Error handling message with id:%d on topic:%s: %s. Message will be lost "
                               "(connect.mqtt.converter.throw.on.error=false)",
                               msg->mid, msg->topic, why);
                return 0;
        }
        if (ls->conv.kind != LENSES_CONV_JSON_SCHEMA_EVOLUTION) {
                ferry_value_t *part = ferry_value_map();
                if (!part || ferry_map_put_str(part, "topic", ferry_value_cstring(msg->topic)) < 0) {
                        ferry_value_free(part);
                        ferry_record_free(r);
                        snprintf(errstr, errstr_size, "out of memory");
                        return -1;
                }
                r->source_partition = part;
        }
        if (ferry_records_push(out, r) < 0) {
                ferry_record_free(r);
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        return 0;
}

ferry_err_t lenses_source_start(ferry_task_t *t, const ferry_strmap_t *config, bool lenses_package,
                                char *errstr, size_t errstr_size)
{
        lenses_task_t *l =
                task_new(t, lenses_source_config, config, true, lenses_package, errstr, errstr_size);
        if (!l)
                return FERRY_ERR_INVALID_CONFIG;
        ferry_config_t *c = l->config;
        l->throw_on_error = ferry_config_get_bool(c, "connect.mqtt.converter.throw.on.error");
        l->log_message = ferry_config_get_bool(c, "connect.mqtt.log.message");
        l->filters = calloc(l->k.n ? l->k.n : 1, sizeof(*l->filters));
        if (!l->filters) {
                task_free(l);
                return FERRY_ERR_NOMEM;
        }
        /* One subscription per distinct filter (two statements may read the same one). */
        size_t n_filters = 0;
        for (size_t i = 0; i < l->k.n; i++) {
                bool dup = false;
                for (size_t j = 0; j < n_filters && !dup; j++)
                        dup = !strcmp(l->filters[j], l->k.stmts[i].filter);
                if (!dup)
                        l->filters[n_filters++] = l->k.stmts[i].filter;
        }
        char client_id[300];
        lenses_client_id(t, c, client_id, sizeof(client_id));
        int polling = ferry_config_get_int(c, "connect.mqtt.polling.timeout");
        mqtt_source_spec_t spec = {
                .what = "Lenses MQTT source",
                .uris_key = "connect.mqtt.hosts",
                .topics_key = "connect.mqtt.kcql",
                .user_key = "connect.mqtt.username",
                .timeout_key = "connect.mqtt.timeout",
                .retry_key = "connect.mqtt.max.retry.time.ms",
                .uris = (const char *const *)l->hosts,
                .n_uris = l->n_hosts,
                .topics = l->filters,
                .n_topics = n_filters,
                .client_id = client_id,
                .qos = ferry_config_get_int(c, "connect.mqtt.service.quality"),
                .clean = lenses_get_bool(c, "connect.mqtt.clean", "connect.mqtt.connection.clean"),
                .keepalive_s = keepalive_s(l),
                .connect_timeout_s =
                        lenses_get_int(c, "connect.mqtt.timeout", "connect.mqtt.connection.timeout"),
                .max_batch = 4096,
                .queue_size = 1024, /* as the Confluent source's records.buffer.queue.size */
                .empty_timeout_ms = polling < 0 ? 0 : polling,
                .max_retry_ms = ferry_config_get_long(c, "connect.mqtt.max.retry.time.ms"),
                .auth = task_auth(l),
                .build = source_build,
                .build_ctx = l,
                .free_ctx = task_free,
        };
        return mqtt_source_open(t, &spec, errstr, errstr_size);
}

/* ---- sink ---- */

/* A top-level field of a parsed JSON object or schemaless map. */
static const ferry_value_t *map_field(const ferry_value_t *m, const char *name, bool *found)
{
        const ferry_value_t *v = NULL;
        *found = false;
        for (size_t i = 0; i < m->u.m.n; i++) {
                const ferry_value_t *k = m->u.m.keys[i];
                if (k && k->type == FERRY_TYPE_STRING && !strcmp(k->u.s.data, name)) {
                        v = m->u.m.vals[i];
                        *found = true;
                }
        }
        return v;
}

/* The JSON of the statement's projection of one value (schema s, NULL when schemaless). */
static int project(ferry_buf_t *b, const lenses_stmt_t *ls, const ferry_schema_t *s, const ferry_value_t *v,
                   char *errstr, size_t errstr_size)
{
        if (ls->all_fields)
                return lenses_json_put(b, s, v, errstr, errstr_size);
        bool is_struct = v && v->type == FERRY_TYPE_STRUCT;
        if (!v || (!is_struct && v->type != FERRY_TYPE_MAP)) {
                snprintf(errstr, errstr_size,
                         "A KCQL exception occurred: fields can only be selected from a JSON "
                         "object or a struct");
                return -1;
        }
        if (ferry_buf_putc(b, '{') < 0)
                return -1;
        bool first = true;
        for (size_t f = 0; f < ls->stmt->fields.n; f++) {
                const ferry_kcql_field_t *fd = &ls->stmt->fields.items[f];
                const char *name = fd->path[0];
                const ferry_value_t *fv;
                const ferry_schema_t *fs = NULL;
                bool found;
                if (is_struct) {
                        const ferry_field_t *sf = ferry_schema_field(v->u.st.schema, name);
                        found = sf != NULL;
                        fv = sf ? v->u.st.fields[sf->index] : NULL;
                        fs = sf ? sf->schema : NULL;
                } else {
                        fv = map_field(v, name, &found);
                }
                if (!found)
                        continue;
                const char *out = fd->alias ? fd->alias : name;
                if ((!first && ferry_buf_putc(b, ',') < 0) ||
                    ferry_json_put_string(b, out, strlen(out)) < 0 || ferry_buf_putc(b, ':') < 0 ||
                    lenses_json_put(b, fs, fv, errstr, errstr_size) < 0)
                        return -1;
                first = false;
        }
        return ferry_buf_putc(b, '}');
}

/* The payload of one record for one statement (ToJsonWithProjections, or the raw bytes). */
static int render(const lenses_stmt_t *ls, const ferry_record_t *r, ferry_buf_t *payload,
                  ferry_value_t **parsed, char *errstr, size_t errstr_size)
{
        const ferry_value_t *v = r->value;
        *parsed = NULL;
        if (ls->raw_bytes) {
                if (v && v->type != FERRY_TYPE_BYTES && v->type != FERRY_TYPE_STRING) {
                        snprintf(errstr, errstr_size,
                                 "the sink BytesConverter publishes bytes values; this one is %s",
                                 ferry_type_name(v->type));
                        return -1;
                }
                return v ? ferry_buf_append(payload, v->u.s.data, v->u.s.len) : 0;
        }
        if (!v) {
                snprintf(errstr, errstr_size, "Null value is not allowed.");
                return -1;
        }
        if (v->type == FERRY_TYPE_BYTES || v->type == FERRY_TYPE_STRING) {
                char why[400];
                ferry_value_t *j = ferry_json_read(v->u.s.data, v->u.s.len, why, sizeof(why));
                if (!j && strcmp(why, "JSON null")) {
                        snprintf(errstr, errstr_size, "Invalid json: %s", why);
                        return -1;
                }
                *parsed = j;
                return project(payload, ls, NULL, j, errstr, errstr_size);
        }
        if (v->type == FERRY_TYPE_STRUCT || (v->type == FERRY_TYPE_MAP && !r->value_schema))
                return project(payload, ls, r->value_schema, v, errstr, errstr_size);
        snprintf(errstr, errstr_size, "Can't transform Schema type: [%s].", ferry_type_name(v->type));
        return -1;
}

/* The MQTT topic of a record: the statement's target, the record key (INSERT INTO _key), or the
 * WITHTARGET field of the JSON published. */
static int target_of(const lenses_stmt_t *ls, const ferry_record_t *r, const ferry_value_t *parsed, char *out,
                     size_t out_size, char *errstr, size_t errstr_size)
{
        if (ls->stmt->with_target) {
                const ferry_value_t *v = r->value;
                const ferry_value_t *tv = NULL;
                bool found = false;
                if (parsed && parsed->type == FERRY_TYPE_MAP)
                        tv = map_field(parsed, ls->stmt->with_target, &found);
                else if (v && v->type == FERRY_TYPE_STRUCT)
                        tv = ferry_struct_get(v, ls->stmt->with_target);
                else if (v && v->type == FERRY_TYPE_MAP)
                        tv = map_field(v, ls->stmt->with_target, &found);
                if (tv && tv->type == FERRY_TYPE_STRING && tv->u.s.len) {
                        snprintf(out, out_size, "%s", tv->u.s.data);
                        return 0;
                }
        }
        if (ls->to_key) {
                const ferry_value_t *k = r->key;
                if (k && (k->type == FERRY_TYPE_STRING || k->type == FERRY_TYPE_BYTES)) {
                        snprintf(out, out_size, "%.*s", (int)k->u.s.len, k->u.s.data);
                } else if (k && k->type <= FERRY_TYPE_INT64) {
                        snprintf(out, out_size, "%lld", (long long)k->u.i);
                } else {
                        snprintf(errstr, errstr_size,
                                 "INSERT INTO _key needs a string or integer record key");
                        return -1;
                }
                return 0;
        }
        snprintf(out, out_size, "%s", ls->stmt->target);
        return 0;
}

ferry_err_t lenses_sink_start(ferry_task_t *t, const ferry_strmap_t *config, char *errstr, size_t errstr_size)
{
        lenses_task_t *l = task_new(t, lenses_sink_config, config, false, true, errstr, errstr_size);
        if (!l)
                return FERRY_ERR_INVALID_CONFIG;
        ferry_config_t *c = l->config;
        l->qos = ferry_config_get_int(c, "connect.mqtt.service.quality");
        l->retain = ferry_config_get_bool(c, "connect.mqtt.retained.messages");
        const char *policy = ferry_config_get_string(c, "connect.mqtt.error.policy");
        l->policy = !strcasecmp(policy, "NOOP")    ? POLICY_NOOP
                    : !strcasecmp(policy, "RETRY") ? POLICY_RETRY
                                                   : POLICY_THROW;
        l->retry_interval_ms = ferry_config_get_int(c, "connect.mqtt.retry.interval");
        l->retries_left = ferry_config_get_int(c, "connect.mqtt.max.retries");
        char client_id[300];
        lenses_client_id(t, c, client_id, sizeof(client_id));
        mqtt_sink_spec_t spec = {
                .uris_key = "connect.mqtt.hosts",
                .timeout_key = "connect.mqtt.timeout",
                .retry_key = "connect.mqtt.max.retry.time.ms",
                .uris = (const char *const *)l->hosts,
                .n_uris = l->n_hosts,
                .client_id = client_id,
                .qos = l->qos,
                .retain = l->retain,
                .clean = lenses_get_bool(c, "connect.mqtt.clean", "connect.mqtt.connection.clean"),
                .keepalive_s = keepalive_s(l),
                .connect_timeout_s =
                        lenses_get_int(c, "connect.mqtt.timeout", "connect.mqtt.connection.timeout"),
                .max_retry_ms = ferry_config_get_long(c, "connect.mqtt.max.retry.time.ms"),
                .publish_timeout_ms = ferry_config_get_long(c, "connect.mqtt.publish.timeout.ms"),
                .auth = task_auth(l),
                .ctx = l,
                .free_ctx = task_free,
        };
        ferry_err_t err = mqtt_sink_open(t, &spec, errstr, errstr_size);
        if (err == FERRY_ERR_OK)
                ferry_task_log(t, FERRY_LOG_INFO,
                               "Lenses MQTT sink: client id %s, QoS %d, retained %s, %zu statement(s)",
                               client_id, l->qos, l->retain ? "true" : "false", l->k.n);
        return err;
}

/* An error of one record, handled as connect.mqtt.error.policy says. */
static ferry_err_t record_failed(lenses_task_t *l, const ferry_record_t *r, const char *why, char *errstr,
                                 size_t errstr_size)
{
        switch (l->policy) {
        case POLICY_NOOP:
                ferry_task_log(l->t, FERRY_LOG_WARN, "MQTT sink: record of %s at offset %lld skipped: %s",
                               r->topic, (long long)r->kafka_offset, why);
                return FERRY_ERR_OK;
        case POLICY_RETRY:
                if (l->retries_left > 0) {
                        l->retries_left--;
                        ferry_sink_task_timeout(l->t, l->retry_interval_ms);
                        snprintf(errstr, errstr_size,
                                 "record of %s at offset %lld: %s (retrying in "
                                 "connect.mqtt.retry.interval=%d ms, "
                                 "%d retries left)",
                                 r->topic, (long long)r->kafka_offset, why, l->retry_interval_ms,
                                 l->retries_left);
                        return FERRY_ERR_RETRIABLE;
                }
                /* retries exhausted: fail as THROW does */
                __attribute__((fallthrough));
        case POLICY_THROW:
        default:
                snprintf(errstr, errstr_size,
                         "record of %s at offset %lld: %s (connect.mqtt.error.policy=%s)", r->topic,
                         (long long)r->kafka_offset, why,
                         l->policy == POLICY_RETRY ? "RETRY, retries exhausted" : "THROW");
                return FERRY_ERR_FATAL;
        }
}

ferry_err_t lenses_sink_put(ferry_task_t *t, ferry_record_t *const *recs, size_t n, char *errstr,
                            size_t errstr_size)
{
        lenses_task_t *l = mqtt_sink_ctx(t);
        ferry_buf_t payload;
        ferry_buf_init(&payload);
        ferry_err_t err = FERRY_ERR_OK;
        for (size_t i = 0; i < n && err == FERRY_ERR_OK; i++) {
                const ferry_record_t *r = recs[i];
                bool any = false;
                for (size_t s = 0; s < l->k.n && err == FERRY_ERR_OK; s++) {
                        const lenses_stmt_t *ls = &l->k.stmts[s];
                        if (strcmp(ls->stmt->source, r->topic))
                                continue;
                        any = true;
                        ferry_buf_reset(&payload);
                        ferry_value_t *parsed = NULL;
                        char why[600] = "", topic[1024];
                        if (render(ls, r, &payload, &parsed, why, sizeof(why)) < 0 ||
                            target_of(ls, r, parsed, topic, sizeof(topic), why, sizeof(why)) < 0) {
                                ferry_value_free(parsed);
                                err = record_failed(l, r, why[0] ? why : "out of memory", errstr,
                                                    errstr_size);
                                continue;
                        }
                        ferry_value_free(parsed);
                        err = mqtt_sink_publish(t, topic, payload.p ? payload.p : "", payload.len, l->qos,
                                                l->retain, errstr, errstr_size);
                        if (err == FERRY_ERR_CONVERSION) {
                                snprintf(why, sizeof(why), "%s", errstr);
                                err = record_failed(l, r, why, errstr, errstr_size);
                        }
                }
                if (!any) {
                        char why[300];
                        snprintf(why, sizeof(why), "no KCQL statement reads topic '%s'", r->topic);
                        err = record_failed(l, r, why, errstr, errstr_size);
                }
        }
        ferry_buf_free(&payload);
        if (err == FERRY_ERR_OK)
                l->retries_left = ferry_config_get_int(l->config, "connect.mqtt.max.retries");
        return err;
}
