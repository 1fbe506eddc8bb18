/* MQTT sink (Confluent's io.confluent.connect.mqtt.MqttSinkConnector): put() publishes each
 * record's value (bytes or string; null as an empty payload) to the MQTT topic named like its
 * Kafka topic, with mqtt.qos and mqtt.retained.enabled. Data flow: consumer -> converters ->
 * transforms -> put() -> libmosquitto (its own network thread, reconnecting by itself) -> broker.
 * flush() waits until the broker acknowledged every QoS 1/2 publish (mqtt.publish.timeout.ms), so
 * the runtime commits consumed offsets only for records the broker holds.
 *
 * The connection part (mqtt_sink_open/publish/flush/stop, see mqtt_sink.h) is shared with the
 * Lenses sink (mqtt_lenses.c), which decides topics and payloads from its KCQL. */
#define _POSIX_C_SOURCE 200809L

#include "mqtt_sink.h"

#include <ferry/connector.h>
#include <ferry/log.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const ferry_config_def_t sink_config[] = {
        MQTT_CONNECTION_CONFIG,
        {.name = "mqtt.retained.enabled",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "true",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "MQTT",
         .doc = "Whether the broker should retain the messages published."},
        {.name = "mqtt.publish.timeout.ms",
         .type = FERRY_CFG_LONG,
         .default_value = "30000",
         .has_min = true,
         .min = 1,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "MQTT",
         .doc = "How long a flush waits for the broker to acknowledge the messages published (QoS 1 and "
                "2) before it fails and the records are delivered again."},
        {.name = NULL},
};

struct mqtt_sink {
        ferry_task_t *t;
        mqtt_sink_spec_t spec;
        struct mosquitto *mosq;
        mqtt_uri_t *uris;
        size_t n_uris;
        char client_id[300];
        int qos;
        bool retain;
        int64_t publish_timeout_ms;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        int connack; /* -1 until a CONNACK */
        bool connected;
        uint64_t published, acked; /* QoS > 0 publishes, and those the broker acknowledged */
        bool loop_started;
};
typedef struct mqtt_sink sink_t;

static void on_connect(struct mosquitto *m, void *ud, int rc)
{
        (void)m;
        sink_t *s = ud;
        pthread_mutex_lock(&s->lock);
        s->connack = rc;
        s->connected = rc == 0;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
        if (rc == 0)
                ferry_task_log(s->t, FERRY_LOG_INFO, "MQTT sink connected as %s", s->client_id);
        else
                ferry_task_log(s->t, FERRY_LOG_ERROR, "MQTT broker refused the connection: %s",
                               mqtt_connack_words(rc));
}

static void on_disconnect(struct mosquitto *m, void *ud, int rc)
{
        (void)m;
        sink_t *s = ud;
        pthread_mutex_lock(&s->lock);
        s->connected = false;
        pthread_mutex_unlock(&s->lock);
        if (rc != 0)
                ferry_task_log(s->t, FERRY_LOG_WARN, "MQTT sink lost its connection (%s); reconnecting",
                               mosquitto_strerror(rc));
}

static void on_publish(struct mosquitto *m, void *ud, int mid)
{
        (void)m;
        (void)mid;
        sink_t *s = ud;
        if (s->qos == 0)
                return;
        pthread_mutex_lock(&s->lock);
        s->acked++;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
}

static void sink_free(sink_t *s)
{
        if (!s)
                return;
        if (s->mosq) {
                if (s->loop_started) {
                        mosquitto_disconnect(s->mosq);
                        mosquitto_loop_stop(s->mosq, false);
                }
                mosquitto_destroy(s->mosq);
        }
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->cond);
        free(s->uris);
        if (s->spec.free_ctx)
                s->spec.free_ctx(s->spec.ctx);
        free(s);
}

static void deadline_in(struct timespec *ts, int64_t ms)
{
        clock_gettime(CLOCK_REALTIME, ts);
        ts->tv_sec += ms / 1000;
        ts->tv_nsec += (ms % 1000) * 1000000;
        if (ts->tv_nsec >= 1000000000) {
                ts->tv_sec++;
                ts->tv_nsec -= 1000000000;
        }
}

/* Connects to the first broker of mqtt.server.uri that answers, retrying for max.retry.time.ms. */
static ferry_err_t sink_connect(sink_t *s, char *errstr, size_t errstr_size)
{
        int keepalive = s->spec.keepalive_s;
        int64_t timeout_ms = (int64_t)s->spec.connect_timeout_s * 1000;
        int64_t give_up = mqtt_now_ms() + s->spec.max_retry_ms;
        int64_t backoff = 100;
        char why[512] = "";
        for (size_t attempt = 0;; attempt++) {
                const mqtt_uri_t *u = &s->uris[attempt % s->n_uris];
                char uri[300];
                mqtt_uri_format(u, uri, sizeof(uri));
                int rc = mosquitto_connect(s->mosq, u->host, u->port, keepalive);
                if (rc == MOSQ_ERR_SUCCESS) {
                        if (!s->loop_started && mosquitto_loop_start(s->mosq) != MOSQ_ERR_SUCCESS) {
                                snprintf(errstr, errstr_size, "cannot start the MQTT client thread");
                                return FERRY_ERR_FATAL;
                        }
                        s->loop_started = true;
                        struct timespec ts;
                        deadline_in(&ts, timeout_ms ? timeout_ms : 3600000);
                        pthread_mutex_lock(&s->lock);
                        while (s->connack < 0 && !ferry_task_stopping(s->t))
                                if (pthread_cond_timedwait(&s->cond, &s->lock, &ts) == ETIMEDOUT)
                                        break;
                        int connack = s->connack;
                        pthread_mutex_unlock(&s->lock);
                        if (connack == 0)
                                return FERRY_ERR_OK;
                        if (connack > 0) {
                                snprintf(errstr, errstr_size,
                                         "The MQTT broker %s refused the connection of client %s: %s", uri,
                                         s->client_id, mqtt_connack_words(connack));
                                return FERRY_ERR_FATAL;
                        }
                        snprintf(why, sizeof(why), "%s: no CONNACK within %s", uri, s->spec.timeout_key);
                        mosquitto_loop_stop(s->mosq, true);
                        s->loop_started = false;
                } else {
                        snprintf(why, sizeof(why), "%s: %s", uri,
                                 rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
                }
                if (mqtt_now_ms() + backoff > give_up || ferry_task_stopping(s->t)) {
                        snprintf(errstr, errstr_size,
                                 "Could not connect to the MQTT broker%s (%s) within %s=%lld: %s",
                                 s->n_uris > 1 ? "s" : "", s->spec.uris_key, s->spec.retry_key,
                                 (long long)s->spec.max_retry_ms, why);
                        return FERRY_ERR_FATAL;
                }
                ferry_task_log(s->t, FERRY_LOG_WARN, "MQTT connection failed (%s); retrying in %lld ms", why,
                               (long long)backoff);
                ferry_task_wait(s->t, (int)backoff);
                backoff = backoff * 2 > 10000 ? 10000 : backoff * 2;
        }
}

ferry_err_t mqtt_sink_open(ferry_task_t *t, const mqtt_sink_spec_t *spec, char *errstr, size_t errstr_size)
{
        sink_t *s = calloc(1, sizeof(*s));
        if (!s) {
                if (spec->free_ctx)
                        spec->free_ctx(spec->ctx);
                return FERRY_ERR_NOMEM;
        }
        s->spec = *spec;
        pthread_mutex_init(&s->lock, NULL);
        pthread_cond_init(&s->cond, NULL);
        s->t = t;
        s->connack = -1;
        s->qos = spec->qos;
        s->retain = spec->retain;
        s->publish_timeout_ms = spec->publish_timeout_ms;
        if (mqtt_uris_parse(spec->uris_key, spec->uris, spec->n_uris, &s->uris, errstr, errstr_size) < 0) {
                sink_free(s);
                return FERRY_ERR_INVALID_CONFIG;
        }
        s->n_uris = spec->n_uris;
        snprintf(s->client_id, sizeof(s->client_id), "%s", spec->client_id);
        s->mosq = mqtt_client_new_auth(&spec->auth, s->client_id, spec->clean, false, s, errstr, errstr_size);
        if (!s->mosq) {
                sink_free(s);
                return FERRY_ERR_INVALID_CONFIG;
        }
        mosquitto_connect_callback_set(s->mosq, on_connect);
        mosquitto_disconnect_callback_set(s->mosq, on_disconnect);
        mosquitto_publish_callback_set(s->mosq, on_publish);
        mosquitto_reconnect_delay_set(s->mosq, 1, 10, true);
        ferry_err_t err = sink_connect(s, errstr, errstr_size);
        if (err != FERRY_ERR_OK) {
                sink_free(s);
                return err;
        }
        ferry_task_set_data(t, s);
        return FERRY_ERR_OK;
}

void *mqtt_sink_ctx(ferry_task_t *t)
{
        sink_t *s = ferry_task_data(t);
        return s ? s->spec.ctx : NULL;
}

ferry_err_t mqtt_sink_publish(ferry_task_t *t, const char *topic, const void *data, size_t len, int qos,
                              bool retain, char *errstr, size_t errstr_size)
{
        sink_t *s = ferry_task_data(t);
        if (len > 268435455) {
                snprintf(errstr, errstr_size, "a payload of %zu bytes is too large for MQTT (topic '%s')",
                         len, topic);
                return FERRY_ERR_CONVERSION;
        }
        int rc = mosquitto_publish(s->mosq, NULL, topic, (int)len, data, qos, retain);
        if (rc == MOSQ_ERR_NO_CONN && qos > 0)
                rc = MOSQ_ERR_SUCCESS; /* queued; sent once reconnected */
        if (rc == MOSQ_ERR_NO_CONN) {
                snprintf(errstr, errstr_size, "not connected to the MQTT broker; retrying");
                return FERRY_ERR_RETRIABLE;
        }
        if (rc != MOSQ_ERR_SUCCESS) {
                snprintf(errstr, errstr_size, "cannot publish to MQTT topic '%s': %s", topic,
                         mosquitto_strerror(rc));
                return rc == MOSQ_ERR_INVAL || rc == MOSQ_ERR_MALFORMED_UTF8 ? FERRY_ERR_CONVERSION
                                                                             : FERRY_ERR_RETRIABLE;
        }
        if (qos > 0) {
                pthread_mutex_lock(&s->lock);
                s->published++;
                pthread_mutex_unlock(&s->lock);
        }
        return FERRY_ERR_OK;
}

static ferry_err_t sink_start(ferry_task_t *t, const ferry_strmap_t *config, char *errstr, size_t errstr_size)
{
        ferry_cfg_errors_t errs;
        ferry_cfg_errors_init(&errs);
        ferry_config_t *c = ferry_config_parse(sink_config, config, &errs);
        if (!c) {
                char *why = ferry_cfg_errors_join(&errs);
                snprintf(errstr, errstr_size, "%s", why ? why : "out of memory");
                free(why);
                ferry_cfg_errors_free(&errs);
                return FERRY_ERR_INVALID_CONFIG;
        }
        ferry_cfg_errors_free(&errs);
        char client_id[300];
        snprintf(client_id, sizeof(client_id), "%s-%d", ferry_task_connector(t), ferry_task_id(t));
        mqtt_sink_spec_t spec = {
                .uris_key = "mqtt.server.uri",
                .timeout_key = "mqtt.connect.timeout.seconds",
                .retry_key = "max.retry.time.ms",
                .client_id = client_id,
                .qos = ferry_config_get_int(c, "mqtt.qos"),
                .retain = ferry_config_get_bool(c, "mqtt.retained.enabled"),
                .clean = ferry_config_get_bool(c, "mqtt.clean.session.enabled"),
                .keepalive_s = ferry_config_get_int(c, "mqtt.keepalive.interval.seconds"),
                .connect_timeout_s = ferry_config_get_int(c, "mqtt.connect.timeout.seconds"),
                .max_retry_ms = ferry_config_get_long(c, "max.retry.time.ms"),
                .publish_timeout_ms = ferry_config_get_long(c, "mqtt.publish.timeout.ms"),
                .ctx = c,
                .free_ctx = (void (*)(void *))ferry_config_free,
        };
        spec.uris = ferry_config_get_list(c, "mqtt.server.uri", &spec.n_uris);
        spec.auth = (mqtt_auth_t){
                .user = ferry_config_get_password(c, "mqtt.username"),
                .password = ferry_config_get_password(c, "mqtt.password"),
                .ca_file = ferry_config_get_string(c, "mqtt.ssl.trust.store.path"),
                .cert_file = ferry_config_get_string(c, "mqtt.ssl.key.store.path"),
                .key_file = ferry_config_get_string(c, "mqtt.ssl.key.path"),
                .key_password = ferry_config_get_password(c, "mqtt.ssl.key.password"),
                .tls_keys = "mqtt.ssl.trust.store.path / mqtt.ssl.key.store.path",
        };
        if (!spec.auth.key_password || !*spec.auth.key_password)
                spec.auth.key_password = ferry_config_get_password(c, "mqtt.ssl.key.store.password");
        for (size_t i = 0; i < spec.n_uris; i++) {
                mqtt_uri_t u;
                char why[300];
                if (mqtt_uri_parse(spec.uris[i], &u, why, sizeof(why)) == 0 && u.tls)
                        spec.auth.tls = true;
        }
        return mqtt_sink_open(t, &spec, errstr, errstr_size);
}

static ferry_err_t sink_put(ferry_task_t *t, ferry_record_t *const *recs, size_t n, char *errstr,
                            size_t errstr_size)
{
        sink_t *s = ferry_task_data(t);
        for (size_t i = 0; i < n; i++) {
                const ferry_record_t *r = recs[i];
                const ferry_value_t *v = r->value;
                const void *data = "";
                size_t len = 0;
                if (v && (v->type == FERRY_TYPE_BYTES || v->type == FERRY_TYPE_STRING)) {
                        data = v->u.s.data;
                        len = v->u.s.len;
                } else if (v) {
                        snprintf(errstr, errstr_size,
                                 "The MQTT sink publishes bytes or string values only; the record of %s at "
                                 "offset "
                                 "%lld has a %s value",
                                 r->topic, (long long)r->kafka_offset, ferry_type_name(v->type));
                        return FERRY_ERR_CONVERSION;
                }
                ferry_err_t err =
                        mqtt_sink_publish(t, r->topic, data, len, s->qos, s->retain, errstr, errstr_size);
                if (err != FERRY_ERR_OK)
                        return err;
        }
        return FERRY_ERR_OK;
}

ferry_err_t mqtt_sink_flush(ferry_task_t *t, char *errstr, size_t errstr_size)
{
        sink_t *s = ferry_task_data(t);
        struct timespec ts;
        deadline_in(&ts, s->publish_timeout_ms);
        pthread_mutex_lock(&s->lock);
        while (s->acked < s->published)
                if (pthread_cond_timedwait(&s->cond, &s->lock, &ts) == ETIMEDOUT)
                        break;
        uint64_t missing = s->published - s->acked;
        pthread_mutex_unlock(&s->lock);
        if (missing) {
                snprintf(errstr, errstr_size,
                         "%llu MQTT message(s) not acknowledged by the broker within "
                         "mqtt.publish.timeout.ms=%lld",
                         (unsigned long long)missing, (long long)s->publish_timeout_ms);
                return FERRY_ERR_RETRIABLE;
        }
        return FERRY_ERR_OK;
}

void mqtt_sink_stop(ferry_task_t *t)
{
        sink_free(ferry_task_data(t));
        ferry_task_set_data(t, NULL);
}

static const ferry_sink_task_ops_t sink_ops = {
        .size = sizeof(ferry_sink_task_ops_t),
        .start = sink_start,
        .put = sink_put,
        .flush = mqtt_sink_flush,
        .stop = mqtt_sink_stop,
};

const ferry_connector_plugin_t mqtt_sink_plugin = {
        .info = FERRY_PLUGIN_INFO(
                ferry_connector_plugin_t, .type = FERRY_PLUGIN_SINK,
                .class_name = "io.confluent.connect.mqtt.MqttSinkConnector", .version = MQTT_VERSION,
                .config = sink_config,
                .doc = "Publishes each record's value to the MQTT topic named like its Kafka "
                       "topic."),
        .task_configs = ferry_task_configs_copies,
        .sink = &sink_ops,
};
