/* MQTT source (Confluent's io.confluent.connect.mqtt.MqttSourceConnector): subscribes to the
 * mqtt.topics filters and turns every message into a record for kafka.topic with key = the MQTT
 * topic (STRING), value = the payload (BYTES) and headers mqtt.message.id, mqtt.qos, mqtt.retained,
 * mqtt.duplicate. Data flow: broker -> libmosquitto (driven from poll(), on the task's thread) ->
 * poll() -> runtime (transforms, converters, producer) -> commit_record() back here.
 *
 * End-to-end at-least-once: the client runs in libmosquitto's "threaded" mode without its loop
 * thread, so the PUBACK it queues for a QoS 1 message is written only when this file calls
 * mosquitto_loop_write(). Once a poll() returned messages whose acknowledgement waits in that
 * queue, nothing more is read and nothing is written until Kafka acknowledged every record handed
 * to the runtime (commit_record); then the acknowledgements go out together. A worker killed in
 * between never acknowledged those messages, so the broker delivers them again to the same
 * persistent session (mqtt.clean.session.enabled=false).
 *
 * The connection engine (mqtt_source_open/poll/commit_record/stop, see mqtt_source.h) is shared
 * with the Lenses source (mqtt_lenses.c), which hands it its own record builder. */
#define _POSIX_C_SOURCE 200809L

#include "mqtt_source.h"

#include <ferry/connector.h>
#include <ferry/log.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ferry_config_def_t source_config[] = {
        MQTT_CONNECTION_CONFIG,
        {.name = "mqtt.topics",
         .type = FERRY_CFG_LIST,
         .required = true,
         .non_empty = true,
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = "MQTT",
         .doc = "The MQTT topics to subscribe to (topic filters; '+' and '#' wildcards allowed).",
         .validate = mqtt_check_topic_filters},
        {.name = "kafka.topic",
         .type = FERRY_CFG_STRING,
         .default_value = "mqtt",
         .non_empty = true,
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = "Kafka",
         .doc = "The Kafka topic to write the data to."},
        {.name = "records.buffer.queue.size",
         .type = FERRY_CFG_INT,
         .default_value = "1024",
         .has_min = true,
         .min = 1,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "Records",
         .doc = "Bounds the records read from MQTT and not yet acknowledged by Kafka (Ferry reads inside "
                "poll(), so there is no queue to bound): this many at QoS 1 and 2, three times as many at "
                "QoS 0, where reading goes on while Kafka acknowledges earlier records."},
        {.name = "records.buffer.queue.max.batch.size",
         .type = FERRY_CFG_INT,
         .default_value = "4096",
         .has_min = true,
         .min = 1,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "Records",
         .doc = "The maximum number of records returned by one poll (at QoS 0 a poll returns at most "
                "128, so reading overlaps with Kafka's acknowledgements)."},
        {.name = "records.buffer.queue.empty.timeout",
         .type = FERRY_CFG_INT,
         .default_value = "100",
         .has_min = true,
         .min = 0,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "Records",
         .doc = "Milliseconds one poll waits for messages when there are none."},
        {.name = NULL},
};

typedef enum { ST_DOWN, ST_CONNECTING, ST_UP } conn_state_t;

struct mqtt_source {
        ferry_task_t *t;
        mqtt_source_spec_t spec;
        struct mosquitto *mosq;
        char client_id[300];
        const char *const *topics;
        size_t n_topics;
        mqtt_uri_t *uris;
        size_t n_uris, uri_idx;
        int qos;
        bool clean;
        int keepalive_s, connect_timeout_s, max_batch, empty_timeout_ms, queue_size;
        int64_t max_retry_ms;
        conn_state_t state;
        bool ever_connected;
        int connack; /* -1 until the CONNACK arrives */
        bool suback;
        int64_t deadline, next_attempt, down_since, backoff_ms;
        char last_error[1024];
        char fatal[768]; /* set by a callback: poll() fails the task with it */
        ferry_records_t *out;
        size_t held;          /* QoS > 0 messages read whose acknowledgement waits in the client */
        uint64_t outstanding; /* records handed to the runtime and not yet committed */
        /* The DUP flag of the last QoS > 0 PUBLISHes received, by packet id (see on_log). */
        struct {
                int mid;
                bool dup;
        } dups[64];
        unsigned dup_next;
        size_t dup_prefix_len; /* strlen of "Client <client id> received PUBLISH (d" */
        char dup_prefix[340];
};
typedef struct mqtt_source source_t;

/* The Confluent record builder's state. */
typedef struct {
        ferry_config_t *config;
        const char *kafka_topic;
        ferry_schema_t *key_schema, *value_schema, *int_schema, *bool_schema;
} confluent_t;

static void on_connect(struct mosquitto *m, void *ud, int rc)
{
        (void)m;
        ((source_t *)ud)->connack = rc;
}

static void on_subscribe(struct mosquitto *m, void *ud, int mid, int n, const int *granted)
{
        (void)m;
        (void)mid;
        source_t *s = ud;
        s->suback = true;
        for (int i = 0; i < n; i++) {
                if (granted[i] == 0x80 && (size_t)i < s->n_topics) {
                        snprintf(s->fatal, sizeof(s->fatal),
                                 "%s: the MQTT broker refused the subscription to '%s' (not authorised "
                                 "for %s, or an invalid filter)",
                                 s->spec.topics_key, s->topics[i], s->spec.user_key);
                }
        }
}

/* libmosquitto reads the DUP flag of a PUBLISH but leaves it out of struct mosquitto_message; its
 * debug log line for the packet, "Client <id> received PUBLISH (d<dup>, q<qos>, r<retain>, m<mid>,
 * ...", has it, and comes before the message callback (at QoS 2 the callback waits for the PUBREL,
 * so the flags are kept by packet id). Set only at QoS > 0: a QoS 0 PUBLISH never has DUP. */
static void on_log(struct mosquitto *m, void *ud, int level, const char *line)
{
        (void)m;
        source_t *s = ud;
        if (level != MOSQ_LOG_DEBUG || strncmp(line, s->dup_prefix, s->dup_prefix_len) != 0)
                return;
        const char *p = line + s->dup_prefix_len;
        if (*p != '0' && *p != '1')
                return;
        bool dup = *p == '1';
        const char *mp = strstr(p, ", m");
        if (!mp)
                return;
        char *end;
        long mid = strtol(mp + 3, &end, 10);
        if (end == mp + 3 || *end != ',' || mid <= 0 || mid > 65535)
                return;
        s->dups[s->dup_next % 64].mid = (int)mid;
        s->dups[s->dup_next % 64].dup = dup;
        s->dup_next++;
}

/* The DUP flag of the message with packet id mid, received last. */
static bool dup_of(const source_t *s, int mid)
{
        for (unsigned i = 0; i < 64 && i < s->dup_next; i++) {
                unsigned k = (s->dup_next - 1 - i) % 64;
                if (s->dups[k].mid == mid)
                        return s->dups[k].dup;
        }
        return false;
}

static int add_header(ferry_record_t *r, const char *key, ferry_schema_t *schema, ferry_value_t *v)
{
        if (!v)
                return -1;
        return ferry_record_add_header(r, key, ferry_schema_ref(schema), v);
}

static int confluent_build(void *ctx, const struct mosquitto_message *msg, bool dup, ferry_records_t *out,
                           char *errstr, size_t errstr_size)
{
        confluent_t *c = ctx;
        ferry_record_t *r =
                ferry_record_new(c->kafka_topic, ferry_schema_ref(c->key_schema),
                                 ferry_value_cstring(msg->topic), ferry_schema_ref(c->value_schema),
                                 ferry_value_bytes(msg->payload ? msg->payload : "",
                                                   (size_t)(msg->payloadlen > 0 ? msg->payloadlen : 0)));
        if (!r ||
            add_header(r, "mqtt.message.id", c->int_schema, ferry_value_int(FERRY_TYPE_INT32, msg->mid)) <
                    0 ||
            add_header(r, "mqtt.qos", c->int_schema, ferry_value_int(FERRY_TYPE_INT32, msg->qos)) < 0 ||
            add_header(r, "mqtt.retained", c->bool_schema, ferry_value_bool(msg->retain)) < 0 ||
            add_header(r, "mqtt.duplicate", c->bool_schema, ferry_value_bool(dup)) < 0 ||
            ferry_records_push(out, r) < 0) {
                ferry_record_free(r);
                snprintf(errstr, errstr_size, "out of memory building a record");
                return -1;
        }
        return 0;
}

static void confluent_free(void *ctx)
{
        confluent_t *c = ctx;
        if (!c)
                return;
        ferry_schema_unref(c->key_schema);
        ferry_schema_unref(c->value_schema);
        ferry_schema_unref(c->int_schema);
        ferry_schema_unref(c->bool_schema);
        ferry_config_free(c->config);
        free(c);
}

static void on_message(struct mosquitto *m, void *ud, const struct mosquitto_message *msg)
{
        (void)m;
        source_t *s = ud;
        if (msg->qos > 0)
                s->held++; /* its PUBACK sits in the client's queue until flush_acks() */
        if (!s->out) {
                /* Not inside poll(): cannot happen (reads happen only there); keep it unacknowledged. */
                return;
        }
        size_t before = s->out->n;
        bool dup = msg->qos > 0 && s->dup_prefix_len && dup_of(s, msg->mid);
        if (s->spec.build(s->spec.build_ctx, msg, dup, s->out, s->fatal, sizeof(s->fatal)) < 0 &&
            !s->fatal[0])
                snprintf(s->fatal, sizeof(s->fatal), "cannot turn an MQTT message into a record");
        s->outstanding += s->out->n - before;
}

/* Splits mqtt.topics over at most max_tasks tasks in contiguous groups (Connect's
 * ConnectorUtils.groupPartitions), each task config carrying its own share. */
static ferry_err_t source_task_configs(ferry_connector_ctx_t *c, const ferry_strmap_t *config, int max_tasks,
                                       ferry_strmap_t *out, int *n_out, char *errstr, size_t errstr_size)
{
        (void)c;
        size_t n;
        char **topics = ferry_config_list(source_config, config, "mqtt.topics", &n);
        if (!topics || n == 0) {
                ferry_strlist_free(topics, n);
                snprintf(errstr, errstr_size, "mqtt.topics: no topic to subscribe to");
                return FERRY_ERR_INVALID_CONFIG;
        }
        size_t groups = (size_t)max_tasks < n ? (size_t)max_tasks : n;
        size_t per = n / groups, extra = n % groups, next = 0;
        for (size_t g = 0; g < groups; g++) {
                size_t take = per + (g < extra ? 1 : 0);
                size_t len = 1;
                for (size_t i = next; i < next + take; i++)
                        len += strlen(topics[i]) + 1;
                char *joined = malloc(len);
                if (!joined) {
                        ferry_strlist_free(topics, n);
                        return FERRY_ERR_NOMEM;
                }
                joined[0] = 0;
                size_t pos = 0;
                for (size_t i = next; i < next + take; i++)
                        pos += (size_t)snprintf(joined + pos, len - pos, "%s%s", pos ? "," : "", topics[i]);
                next += take;
                ferry_strmap_init(&out[g]);
                if (ferry_strmap_copy(&out[g], config) < 0 ||
                    ferry_strmap_set(&out[g], "mqtt.topics", joined) < 0) {
                        free(joined);
                        ferry_strlist_free(topics, n);
                        return FERRY_ERR_NOMEM;
                }
                free(joined);
        }
        ferry_strlist_free(topics, n);
        *n_out = (int)groups;
        return FERRY_ERR_OK;
}

static void source_free(source_t *s)
{
        if (!s)
                return;
        if (s->mosq)
                mosquitto_destroy(s->mosq);
        free(s->uris);
        if (s->spec.free_ctx)
                s->spec.free_ctx(s->spec.build_ctx);
        free(s);
}

ferry_err_t mqtt_source_open(ferry_task_t *t, const mqtt_source_spec_t *spec, char *errstr,
                             size_t errstr_size)
{
        source_t *s = calloc(1, sizeof(*s));
        if (!s) {
                if (spec->free_ctx)
                        spec->free_ctx(spec->build_ctx);
                return FERRY_ERR_NOMEM;
        }
        s->spec = *spec;
        s->t = t;
        s->topics = spec->topics;
        s->n_topics = spec->n_topics;
        s->qos = spec->qos;
        s->clean = spec->clean;
        s->keepalive_s = spec->keepalive_s;
        s->connect_timeout_s = spec->connect_timeout_s;
        s->max_batch = spec->max_batch > 0 ? spec->max_batch : 4096;
        /* At QoS 0 nothing waits for the batch to be acknowledged: small polls let the next
         * messages be read while Kafka acknowledges the previous ones. At QoS >= 1 the broker's
         * acknowledgements of a poll go out only once all of it is in Kafka, so polls stay large. */
        if (spec->qos == 0 && s->max_batch > MQTT_QOS0_POLL_MAX)
                s->max_batch = MQTT_QOS0_POLL_MAX;
        s->queue_size = spec->queue_size > 0 ? spec->queue_size : INT32_MAX;
        if (spec->qos == 0 && s->queue_size <= INT32_MAX / MQTT_QOS0_IN_FLIGHT_FACTOR)
                s->queue_size *= MQTT_QOS0_IN_FLIGHT_FACTOR;
        s->empty_timeout_ms = spec->empty_timeout_ms > 1000 ? 1000 : spec->empty_timeout_ms;
        s->max_retry_ms = spec->max_retry_ms;
        if (mqtt_uris_parse(spec->uris_key, spec->uris, spec->n_uris, &s->uris, errstr, errstr_size) < 0) {
                source_free(s);
                return FERRY_ERR_INVALID_CONFIG;
        }
        s->n_uris = spec->n_uris;
        /* Stable and distinct per task, so a persistent session resumes after a restart. */
        snprintf(s->client_id, sizeof(s->client_id), "%s", spec->client_id);
        s->mosq = mqtt_client_new_auth(&spec->auth, s->client_id, s->clean, true, s, errstr, errstr_size);
        if (!s->mosq) {
                source_free(s);
                return FERRY_ERR_INVALID_CONFIG;
        }
        mosquitto_connect_callback_set(s->mosq, on_connect);
        mosquitto_subscribe_callback_set(s->mosq, on_subscribe);
        mosquitto_message_callback_set(s->mosq, on_message);
        if (s->qos > 0 && spec->build_reads_dup) {
                int n = snprintf(s->dup_prefix, sizeof(s->dup_prefix), "Client %s received PUBLISH (d",
                                 s->client_id);
                s->dup_prefix_len = n > 0 && (size_t)n < sizeof(s->dup_prefix) ? (size_t)n : 0;
                if (s->dup_prefix_len)
                        mosquitto_log_callback_set(s->mosq, on_log);
        }
        s->state = ST_DOWN;
        s->backoff_ms = 100;
        ferry_task_set_data(t, s);
        ferry_task_log(t, FERRY_LOG_INFO, "%s: client id %s, QoS %d, %s session, %zu topic filter(s)",
                       spec->what, s->client_id, s->qos, s->clean ? "clean" : "persistent", s->n_topics);
        return FERRY_ERR_OK;
}

static ferry_err_t source_start(ferry_task_t *t, const ferry_strmap_t *config, char *errstr,
                                size_t errstr_size)
{
        ferry_cfg_errors_t errs;
        ferry_cfg_errors_init(&errs);
        confluent_t *cf = calloc(1, sizeof(*cf));
        if (!cf || !(cf->config = ferry_config_parse(source_config, config, &errs))) {
                char *why = ferry_cfg_errors_join(&errs);
                snprintf(errstr, errstr_size, "%s", why ? why : "out of memory");
                free(why);
                ferry_cfg_errors_free(&errs);
                free(cf);
                return FERRY_ERR_INVALID_CONFIG;
        }
        ferry_cfg_errors_free(&errs);
        ferry_config_t *c = cf->config;
        cf->kafka_topic = ferry_config_get_string(c, "kafka.topic");
        cf->key_schema = ferry_schema_new(FERRY_TYPE_STRING);
        cf->value_schema = ferry_schema_new(FERRY_TYPE_BYTES);
        cf->int_schema = ferry_schema_new(FERRY_TYPE_INT32);
        cf->bool_schema = ferry_schema_new(FERRY_TYPE_BOOLEAN);
        if (!cf->key_schema || !cf->value_schema || !cf->int_schema || !cf->bool_schema) {
                confluent_free(cf);
                return FERRY_ERR_NOMEM;
        }
        char client_id[300];
        snprintf(client_id, sizeof(client_id), "%s-%d", ferry_task_connector(t), ferry_task_id(t));
        mqtt_source_spec_t spec = {
                .what = "MQTT source",
                .uris_key = "mqtt.server.uri",
                .topics_key = "mqtt.topics",
                .user_key = "mqtt.username",
                .timeout_key = "mqtt.connect.timeout.seconds",
                .retry_key = "max.retry.time.ms",
                .client_id = client_id,
                .qos = ferry_config_get_int(c, "mqtt.qos"),
                .clean = ferry_config_get_bool(c, "mqtt.clean.session.enabled"),
                .keepalive_s = ferry_config_get_int(c, "mqtt.keepalive.interval.seconds"),
                .connect_timeout_s = ferry_config_get_int(c, "mqtt.connect.timeout.seconds"),
                .max_batch = ferry_config_get_int(c, "records.buffer.queue.max.batch.size"),
                .queue_size = ferry_config_get_int(c, "records.buffer.queue.size"),
                .empty_timeout_ms = ferry_config_get_int(c, "records.buffer.queue.empty.timeout"),
                .max_retry_ms = ferry_config_get_long(c, "max.retry.time.ms"),
                .build = confluent_build,
                .build_reads_dup = true,
                .build_ctx = cf,
                .free_ctx = confluent_free,
        };
        spec.topics = ferry_config_get_list(c, "mqtt.topics", &spec.n_topics);
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
        ferry_err_t err = mqtt_source_open(t, &spec, errstr, errstr_size);
        if (err == FERRY_ERR_OK)
                ferry_task_log(t, FERRY_LOG_INFO, "MQTT source writes to %s", cf->kafka_topic);
        return err;
}

/* A connection attempt failed or an established connection was lost: retry with backoff over
 * the brokers of mqtt.server.uri, failing the task once the brokers were unreachable for
 * max.retry.time.ms. */
static ferry_err_t connection_failed(source_t *s, const char *why, char *errstr, size_t errstr_size)
{
        char uri[300], reason[512];
        mqtt_uri_format(&s->uris[s->uri_idx], uri, sizeof(uri));
        snprintf(reason, sizeof(reason), "%s", why); /* why may be s->last_error itself */
        snprintf(s->last_error, sizeof(s->last_error), "%s: %s", uri, reason);
        int64_t now = mqtt_now_ms();
        if (s->state != ST_DOWN && s->mosq)
                mosquitto_disconnect(s->mosq); /* drops the socket; nothing queued is written */
        s->state = ST_DOWN;
        s->held = 0; /* the queued acknowledgements went with the connection: the broker resends */
        if (!s->down_since)
                s->down_since = now;
        if (now - s->down_since >= s->max_retry_ms) {
                snprintf(errstr, errstr_size,
                         "Could not connect to the MQTT broker%s (%s) within %s=%lld: %s",
                         s->n_uris > 1 ? "s" : "", s->spec.uris_key, s->spec.retry_key,
                         (long long)s->max_retry_ms, s->last_error);
                return FERRY_ERR_FATAL;
        }
        ferry_task_log(s->t, FERRY_LOG_WARN, "MQTT connection to %s failed (%s); retrying in %lld ms", uri,
                       why, (long long)s->backoff_ms);
        s->next_attempt = now + s->backoff_ms;
        s->backoff_ms = s->backoff_ms * 2 > 10000 ? 10000 : s->backoff_ms * 2;
        s->uri_idx = (s->uri_idx + 1) % s->n_uris;
        return FERRY_ERR_OK;
}

/* Writes what the client queued (CONNECT, SUBSCRIBE, PINGREQ, acknowledgements); -1 when the
 * connection broke. */
static int write_queued(source_t *s)
{
        for (int i = 0; i < 10 && mosquitto_want_write(s->mosq); i++) {
                int rc = mosquitto_loop_write(s->mosq, 1);
                if (rc != MOSQ_ERR_SUCCESS) {
                        snprintf(s->last_error, sizeof(s->last_error), "%s", mosquitto_strerror(rc));
                        return -1;
                }
                if (mosquitto_want_write(s->mosq)) {
                        struct pollfd p = {.fd = mosquitto_socket(s->mosq), .events = POLLOUT};
                        poll(&p, 1, 10); /* what is left goes out at the next poll() */
                }
        }
        return 0;
}

/* Reads whatever the socket has, waiting up to wait_ms for the first bytes; -1 when the
 * connection broke (s->last_error says why). */
static int read_available(source_t *s, int wait_ms)
{
        int fd = mosquitto_socket(s->mosq);
        if (fd < 0) {
                snprintf(s->last_error, sizeof(s->last_error), "connection closed");
                return -1;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, wait_ms) <= 0)
                return 0;
        /* One packet per call on the non-blocking socket; a packet read in part stays inside the
         * client until the next call. EAGAIN in errno usually means the socket has nothing more,
         * but the client also sets it when its internal wake-up pipe (unused here) is full, as
         * it is after many acknowledgements: then the socket itself is asked. */
        for (;;) {
                errno = 0;
                int rc = mosquitto_loop_read(s->mosq, 1);
                int e = errno;
                if (rc != MOSQ_ERR_SUCCESS) {
                        snprintf(s->last_error, sizeof(s->last_error), "%s",
                                 rc == MOSQ_ERR_ERRNO ? strerror(e) : mosquitto_strerror(rc));
                        return -1;
                }
                if (mosquitto_socket(s->mosq) < 0) {
                        snprintf(s->last_error, sizeof(s->last_error), "connection closed by the broker");
                        return -1;
                }
                if (s->fatal[0] || (s->out && (s->out->n >= (size_t)s->max_batch ||
                                               s->outstanding >= (uint64_t)s->queue_size)))
                        break;
                if ((e == EAGAIN || e == EWOULDBLOCK) && poll(&p, 1, 0) <= 0)
                        break;
        }
        return 0;
}

static ferry_err_t try_connect(source_t *s, char *errstr, size_t errstr_size)
{
        const mqtt_uri_t *u = &s->uris[s->uri_idx];
        s->connack = -1;
        s->suback = false;
        int rc = mosquitto_connect(s->mosq, u->host, u->port, s->keepalive_s);
        if (rc != MOSQ_ERR_SUCCESS)
                return connection_failed(s, rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc),
                                         errstr, errstr_size);
        s->state = ST_CONNECTING;
        s->deadline = mqtt_now_ms() + (int64_t)(s->connect_timeout_s ? s->connect_timeout_s : 3600) * 1000;
        if (write_queued(s) < 0)
                return connection_failed(s, s->last_error, errstr, errstr_size);
        return FERRY_ERR_OK;
}

/* Subscribes once the CONNACK accepted the connection. */
static ferry_err_t connected(source_t *s, char *errstr, size_t errstr_size)
{
        if (s->connack != 0) {
                char uri[300];
                mqtt_uri_format(&s->uris[s->uri_idx], uri, sizeof(uri));
                snprintf(errstr, errstr_size, "The MQTT broker %s refused the connection of client %s: %s",
                         uri, s->client_id, mqtt_connack_words(s->connack));
                return FERRY_ERR_FATAL;
        }
        int rc = mosquitto_subscribe_multiple(s->mosq, NULL, (int)s->n_topics, (char *const *const)s->topics,
                                              s->qos, 0, NULL);
        if (rc != MOSQ_ERR_SUCCESS)
                return connection_failed(s, mosquitto_strerror(rc), errstr, errstr_size);
        if (write_queued(s) < 0)
                return connection_failed(s, s->last_error, errstr, errstr_size);
        s->state = ST_UP;
        s->down_since = 0;
        s->backoff_ms = 100;
        char uri[300];
        mqtt_uri_format(&s->uris[s->uri_idx], uri, sizeof(uri));
        ferry_task_log(s->t, FERRY_LOG_INFO, "Connected to MQTT broker %s as %s%s", uri, s->client_id,
                       s->ever_connected ? " (reconnected)" : "");
        s->ever_connected = true;
        return FERRY_ERR_OK;
}

ferry_err_t mqtt_source_poll(ferry_task_t *t, ferry_records_t *out, char *errstr, size_t errstr_size)
{
        source_t *s = ferry_task_data(t);
        if (s->held) {
                if (s->outstanding) {
                        /* Kafka has not acknowledged everything yet: the delivery reports come in
                         * between two polls, so come back soon. */
                        ferry_task_wait(t, 1);
                        return FERRY_ERR_OK;
                }
                s->held = 0;
                if (s->state != ST_DOWN && write_queued(s) < 0)
                        return connection_failed(s, s->last_error, errstr, errstr_size);
        }
        ferry_err_t err = FERRY_ERR_OK;
        s->out = out;
        switch (s->state) {
        case ST_DOWN: {
                int64_t wait = s->next_attempt - mqtt_now_ms();
                if (wait > 0) {
                        ferry_task_wait(t, wait > 200 ? 200 : (int)wait);
                        break;
                }
                err = try_connect(s, errstr, errstr_size);
                break;
        }
        case ST_CONNECTING: {
                /* Over TLS the handshake goes on inside reads and writes, so the CONNECT may
                 * still wait to be written. A refusing broker closes the connection right after
                 * its CONNACK: look at the CONNACK first. */
                int wrc = write_queued(s);
                int rrc = read_available(s, 100);
                if ((wrc < 0 || rrc < 0) && s->connack < 0) {
                        err = connection_failed(s, s->last_error, errstr, errstr_size);
                        break;
                }
                if (s->connack >= 0)
                        err = connected(s, errstr, errstr_size);
                else if (mqtt_now_ms() > s->deadline) {
                        char why[200];
                        snprintf(why, sizeof(why), "no CONNACK within %s", s->spec.timeout_key);
                        err = connection_failed(s, why, errstr, errstr_size);
                }
                break;
        }
        case ST_UP:
                if (s->outstanding >= (uint64_t)s->queue_size) {
                        /* records.buffer.queue.size records wait for Kafka: read no more until
                         * some are acknowledged (the broker buffers meanwhile). */
                        ferry_task_wait(t, 1);
                        break;
                }
                if (read_available(s, s->empty_timeout_ms) < 0) {
                        err = connection_failed(s, s->last_error, errstr, errstr_size);
                        break;
                }
                if (mosquitto_loop_misc(s->mosq) != MOSQ_ERR_SUCCESS) {
                        err = connection_failed(s, "no answer to the keep-alive ping", errstr, errstr_size);
                        break;
                }
                if (!s->held && write_queued(s) < 0)
                        err = connection_failed(s, s->last_error, errstr, errstr_size);
                break;
        }
        s->out = NULL;
        if (err == FERRY_ERR_OK && s->fatal[0]) {
                snprintf(errstr, errstr_size, "%s", s->fatal);
                err = FERRY_ERR_FATAL;
        }
        return err;
}

void mqtt_source_commit_record(ferry_task_t *t, const ferry_record_t *r, const ferry_record_metadata_t *md)
{
        (void)r;
        (void)md;
        source_t *s = ferry_task_data(t);
        if (s && s->outstanding)
                s->outstanding--;
}

void mqtt_source_stop(ferry_task_t *t)
{
        source_t *s = ferry_task_data(t);
        if (!s)
                return;
        if (s->state != ST_DOWN) {
                if (s->held && !s->outstanding) {
                        s->held = 0;
                        write_queued(s);
                }
                if (!s->held) {
                        /* A clean DISCONNECT; the subscriptions of a persistent session stay. */
                        mosquitto_disconnect(s->mosq);
                        write_queued(s);
                }
                /* Else: messages Kafka has not acknowledged; close without acknowledging them. */
        }
        source_free(s);
        ferry_task_set_data(t, NULL);
}

static const ferry_source_task_ops_t source_ops = {
        .size = sizeof(ferry_source_task_ops_t),
        .start = source_start,
        .poll = mqtt_source_poll,
        .stop = mqtt_source_stop,
        .commit_record = mqtt_source_commit_record,
        .commit_record_without_record = true,
};

const ferry_connector_plugin_t mqtt_source_plugin = {
        .info = FERRY_PLUGIN_INFO(ferry_connector_plugin_t, .type = FERRY_PLUGIN_SOURCE,
                                  .class_name = "io.confluent.connect.mqtt.MqttSourceConnector",
                                  .version = MQTT_VERSION, .config = source_config,
                                  .doc = "Subscribes to MQTT topics and writes each message to a Kafka topic "
                                         "(key: MQTT topic, value: payload bytes)."),
        .task_configs = source_task_configs,
        .source = &source_ops,
};
