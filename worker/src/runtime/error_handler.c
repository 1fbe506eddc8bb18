/* The retry/tolerance operator of a task (error_handler.h): the single place where every stage of
 * the data path (source: poll -> transforms -> converters -> produce; sink: consume -> converters ->
 * transforms -> put) reports a failure. It decides retry, skip or fail from the errors.* keys, logs
 * failures (errors.log.enable, errors.log.include.messages) and writes failed sink records to the
 * dead letter queue with their original key, value, headers and timestamp, plus the
 * __connect.errors.* context headers when errors.deadletterqueue.context.headers.enable is set. */
#include "runtime/error_handler.h"

#include "kafka/kafka.h"

#include <ferry/buf.h>
#include <ferry/log.h>
#include <ferry/text.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RETRY_DELAY_MIN_MS 300

struct ferry_errh {
        ferry_task_t *t;
        int64_t retry_timeout; /* ms; -1 forever */
        int64_t delay_max;
        bool tolerate_all;
        bool log_enable, log_messages;
        bool context_headers;
        char *dlq_topic;
        rd_kafka_t *dlq;
        rd_kafka_topic_t *dlq_rkt;
        uint64_t skipped, dlq_failed;
        int64_t last_dlq_warn;
};

const char *ferry_stage_name(ferry_stage_t stage)
{
        static const char *const names[] = {"TASK_POLL",     "TASK_PUT",        "TRANSFORMATION",
                                            "KEY_CONVERTER", "VALUE_CONVERTER", "HEADER_CONVERTER",
                                            "KAFKA_PRODUCE", "KAFKA_CONSUME"};
        return (unsigned)stage < sizeof(names) / sizeof(names[0]) ? names[stage] : "UNKNOWN";
}

static void on_dlq_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
        (void)rk;
        ferry_errh_t *h = opaque;
        if (!m->err)
                return;
        h->dlq_failed++;
        int64_t now = ferry_now_ms();
        if (now - h->last_dlq_warn > 10000) {
                FERRY_ERROR("Could not produce a record to the dead letter queue topic '%s': %s",
                            h->dlq_topic, rd_kafka_err2str(m->err));
                h->last_dlq_warn = now;
        }
}

/* Whether the cluster lists the topic (a listing of all topics never creates one). */
static bool topic_exists(ferry_errh_t *h)
{
        const struct rd_kafka_metadata *md = NULL;
        if (rd_kafka_metadata(h->dlq, 1, NULL, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR || !md)
                return false;
        bool found = false;
        for (int i = 0; i < md->topic_cnt && !found; i++)
                found = !strcmp(md->topics[i].topic, h->dlq_topic) && !md->topics[i].err;
        rd_kafka_metadata_destroy(md);
        return found;
}

/* Creates the DLQ topic through the admin API of the DLQ producer; an existing topic is fine. */
static int create_dlq_topic(ferry_errh_t *h, int rf, char *errstr, size_t errstr_size)
{
        if (topic_exists(h)) {
                FERRY_INFO("Dead letter queue topic '%s' is ready", h->dlq_topic);
                return 0;
        }
        char err[512];
        if (h->t->w->embedded) { /* no controller there for the admin API: create it directly */
                bool created;
                if (ferry_embedded_kafka_create_topic(h->t->w->embedded, h->dlq_topic, 1, rf, &created, err,
                                                      sizeof(err)) < 0) {
                        snprintf(errstr, errstr_size, "cannot create dead letter queue topic '%s': %s",
                                 h->dlq_topic, err);
                        return -1;
                }
                FERRY_INFO("Dead letter queue topic '%s' is ready", h->dlq_topic);
                return 0;
        }
        rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(h->dlq_topic, 1, rf, err, sizeof(err));
        if (!nt) {
                snprintf(errstr, errstr_size, "cannot create dead letter queue topic '%s': %s", h->dlq_topic,
                         err);
                return -1;
        }
        rd_kafka_queue_t *q = rd_kafka_queue_new(h->dlq);
        rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(h->dlq, RD_KAFKA_ADMIN_OP_CREATETOPICS);
        rd_kafka_AdminOptions_set_request_timeout(opts, 30000, NULL, 0);
        rd_kafka_CreateTopics(h->dlq, &nt, 1, opts, q);
        rd_kafka_event_t *ev = NULL;
        int64_t deadline = ferry_now_ms() + 60000;
        while (!ev && ferry_now_ms() < deadline && !ferry_task_stopping(h->t))
                ev = rd_kafka_queue_poll(q, 500);
        int rc = 0;
        if (!ev) {
                snprintf(errstr, errstr_size, "timed out creating dead letter queue topic '%s'",
                         h->dlq_topic);
                rc = -1;
        } else if (rd_kafka_event_error(ev)) {
                snprintf(errstr, errstr_size, "cannot create dead letter queue topic '%s': %s", h->dlq_topic,
                         rd_kafka_event_error_string(ev));
                rc = -1;
        } else {
                size_t n;
                const rd_kafka_topic_result_t **res =
                        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
                for (size_t i = 0; i < n; i++) {
                        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
                        if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS || e == RD_KAFKA_RESP_ERR_NO_ERROR)
                                continue;
                        snprintf(errstr, errstr_size, "cannot create dead letter queue topic '%s': %s",
                                 h->dlq_topic, rd_kafka_topic_result_error_string(res[i]));
                        rc = -1;
                }
                if (rc == 0)
                        FERRY_INFO("Dead letter queue topic '%s' is ready", h->dlq_topic);
        }
        if (ev)
                rd_kafka_event_destroy(ev);
        rd_kafka_AdminOptions_destroy(opts);
        rd_kafka_NewTopic_destroy(nt);
        rd_kafka_queue_destroy(q);
        return rc;
}

static int dlq_setup(ferry_errh_t *h, char *errstr, size_t errstr_size)
{
        ferry_task_t *t = h->t;
        ferry_strmap_t defaults, overrides;
        ferry_strmap_init(&defaults);
        ferry_strmap_init(&overrides);
        char client_id[256];
        snprintf(client_id, sizeof(client_id), "connector-dlq-producer-%s-%d", t->connector, t->id);
        ferry_strmap_set(&defaults, "client.id", client_id);
        ferry_strmap_set(&defaults, "acks", "all");
        ferry_strmap_set(&defaults, "message.timeout.ms", "0");
        ferry_strmap_sub(&overrides, &t->conn_config, "producer.override.");
        rd_kafka_conf_t *conf = ferry_kafka_conf(&t->w->config, "producer.", &defaults, &overrides, NULL,
                                                 errstr, errstr_size);
        ferry_strmap_free(&defaults);
        ferry_strmap_free(&overrides);
        if (!conf)
                return -1;
        rd_kafka_conf_set_dr_msg_cb(conf, on_dlq_delivery);
        rd_kafka_conf_set_opaque(conf, h);
        char err[512];
        h->dlq = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
        if (!h->dlq) {
                rd_kafka_conf_destroy(conf);
                snprintf(errstr, errstr_size, "cannot create the dead letter queue producer: %s", err);
                return -1;
        }
        int rf = (int)ferry_config_int(ferry_sink_connector_config, &t->conn_config,
                                       "errors.deadletterqueue.topic.replication.factor");
        if (create_dlq_topic(h, rf, errstr, errstr_size) < 0)
                return -1;
        h->dlq_rkt = rd_kafka_topic_new(h->dlq, h->dlq_topic, NULL);
        if (!h->dlq_rkt) {
                snprintf(errstr, errstr_size, "cannot use dead letter queue topic '%s': %s", h->dlq_topic,
                         rd_kafka_err2str(rd_kafka_last_error()));
                return -1;
        }
        return 0;
}

ferry_errh_t *ferry_errh_new(ferry_task_t *t, bool sink, char *errstr, size_t errstr_size)
{
        ferry_errh_t *h = calloc(1, sizeof(*h));
        if (!h) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        const ferry_strmap_t *c = &t->conn_config;
        h->t = t;
        h->retry_timeout = ferry_config_int(ferry_connector_config, c, "errors.retry.timeout");
        h->delay_max = ferry_config_int(ferry_connector_config, c, "errors.retry.delay.max.ms");
        const char *tol = ferry_config_str(ferry_connector_config, c, "errors.tolerance");
        h->tolerate_all = tol && !strcasecmp(tol, "all");
        h->log_enable = ferry_config_bool(ferry_connector_config, c, "errors.log.enable");
        h->log_messages = ferry_config_bool(ferry_connector_config, c, "errors.log.include.messages");
        if (sink) {
                h->context_headers = ferry_config_bool(ferry_sink_connector_config, c,
                                                       "errors.deadletterqueue.context.headers.enable");
                const char *dlq =
                        ferry_config_str(ferry_sink_connector_config, c, "errors.deadletterqueue.topic.name");
                if (dlq && *dlq) {
                        h->dlq_topic = strdup(dlq);
                        if (!h->dlq_topic || dlq_setup(h, errstr, errstr_size) < 0) {
                                ferry_errh_free(h);
                                return NULL;
                        }
                }
        }
        return h;
}

void ferry_errh_free(ferry_errh_t *h)
{
        if (!h)
                return;
        if (h->dlq) {
                if (rd_kafka_flush(h->dlq, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR)
                        FERRY_WARN("%d dead letter queue record(s) not acknowledged at stop",
                                   rd_kafka_outq_len(h->dlq));
                if (h->dlq_rkt)
                        rd_kafka_topic_destroy(h->dlq_rkt);
                rd_kafka_destroy(h->dlq);
        }
        free(h->dlq_topic);
        free(h);
}

bool ferry_errh_tolerates_all(const ferry_errh_t *h)
{
        return h && h->tolerate_all;
}

uint64_t ferry_errh_skipped(const ferry_errh_t *h)
{
        return h ? h->skipped : 0;
}

void ferry_errh_poll(ferry_errh_t *h)
{
        if (h && h->dlq)
                rd_kafka_poll(h->dlq, 0);
}

int ferry_errh_flush(ferry_errh_t *h, int timeout_ms)
{
        if (!h || !h->dlq)
                return 0;
        return rd_kafka_flush(h->dlq, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
}

/* The exception class a failure shows as: the class named at the start of the message
 * ("org.x.FooException: ..."), else the one Connect would raise at that stage. */
static void exception_of(ferry_stage_t stage, ferry_err_t err, const char *message, char *cls,
                         size_t cls_size, const char **text)
{
        const char *colon = strstr(message, ": ");
        const char *sp = strchr(message, ' ');
        if (!strncmp(message, "org.", 4) && colon && (!sp || colon < sp)) {
                snprintf(cls, cls_size, "%.*s", (int)(colon - message), message);
                *text = colon + 2;
                return;
        }
        *text = message;
        const char *c = "org.apache.kafka.connect.errors.ConnectException";
        if (err == FERRY_ERR_RETRIABLE || err == FERRY_ERR_TIMEOUT)
                c = "org.apache.kafka.connect.errors.RetriableException";
        else if (stage == FERRY_STAGE_KEY_CONVERTER || stage == FERRY_STAGE_VALUE_CONVERTER ||
                 stage == FERRY_STAGE_HEADER_CONVERTER || stage == FERRY_STAGE_TRANSFORMATION)
                c = "org.apache.kafka.connect.errors.DataException";
        snprintf(cls, cls_size, "%s", c);
}

/* A printable excerpt of bytes for logs. */
static void put_bytes(ferry_buf_t *b, const void *p, size_t n)
{
        if (!p) {
                ferry_buf_puts(b, "null");
                return;
        }
        const unsigned char *s = p;
        size_t lim = n > 512 ? 512 : n;
        for (size_t i = 0; i < lim; i++) {
                if (s[i] >= 0x20 && s[i] < 0x7f)
                        ferry_buf_putc(b, (char)s[i]);
                else
                        ferry_buf_printf(b, "\\x%02x", s[i]);
        }
        if (lim < n)
                ferry_buf_printf(b, "...(%zu bytes)", n);
}

static void put_connect_value(ferry_buf_t *b, const ferry_schema_t *s, const ferry_value_t *v)
{
        if (!v) {
                ferry_buf_puts(b, "null");
                return;
        }
        ferry_buf_t tmp;
        ferry_buf_init(&tmp);
        if (ferry_value_text(&tmp, s, v) == 0)
                put_bytes(b, tmp.p ? tmp.p : "", tmp.len);
        else
                ferry_buf_puts(b, "<unprintable>");
        ferry_buf_free(&tmp);
}

/* "where consumed record is {...}" / "where source record is = SourceRecord{...}" as Connect's
 * LogReporter writes it. */
static void describe(const ferry_errh_t *h, const ferry_errh_ctx_t *ctx, ferry_buf_t *b)
{
        if (ctx && ctx->consumed) {
                const rd_kafka_message_t *m = ctx->consumed;
                rd_kafka_timestamp_type_t tt;
                int64_t ts = rd_kafka_message_timestamp(m, &tt);
                if (h->log_messages) {
                        ferry_buf_printf(
                                b,
                                ", where consumed record is ConsumerRecord(topic = %s, partition = %d, "
                                "offset = %lld, %s = %lld, serialized key size = %d, serialized value "
                                "size = %d, key = ",
                                rd_kafka_topic_name(m->rkt), (int)m->partition, (long long)m->offset,
                                tt == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? "LogAppendTime" : "CreateTime",
                                (long long)ts, m->key ? (int)m->key_len : -1, m->payload ? (int)m->len : -1);
                        put_bytes(b, m->key, m->key_len);
                        ferry_buf_puts(b, ", value = ");
                        put_bytes(b, m->payload, m->len);
                        ferry_buf_putc(b, ')');
                } else {
                        ferry_buf_printf(b,
                                         ", where consumed record is {topic='%s', partition=%d, offset=%lld, "
                                         "timestamp=%lld, timestampType=%s}",
                                         rd_kafka_topic_name(m->rkt), (int)m->partition, (long long)m->offset,
                                         (long long)ts,
                                         tt == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? "LogAppendTime"
                                                                                  : "CreateTime");
                }
        } else if (ctx && ctx->record) {
                const ferry_record_t *r = ctx->record;
                ferry_buf_printf(b, ", where source record is = SourceRecord{topic='%s'",
                                 r->topic ? r->topic : "");
                if (h->log_messages) {
                        ferry_buf_puts(b, ", key=");
                        put_connect_value(b, r->key_schema, r->key);
                        ferry_buf_puts(b, ", value=");
                        put_connect_value(b, r->value_schema, r->value);
                }
                ferry_buf_printf(b, ", timestamp=%lld}", (long long)r->timestamp);
        }
}

static void add_header(rd_kafka_headers_t *hdrs, const char *name, const char *value)
{
        rd_kafka_header_add(hdrs, name, -1, value, value ? (ssize_t)strlen(value) : 0);
}

static void send_dlq(ferry_errh_t *h, ferry_stage_t stage, const char *class_name, const char *exc_class,
                     const char *exc_text, const char *stacktrace, const rd_kafka_message_t *m)
{
        ferry_task_t *t = h->t;
        rd_kafka_headers_t *orig = NULL;
        rd_kafka_headers_t *hdrs = NULL;
        if (rd_kafka_message_headers(m, &orig) == RD_KAFKA_RESP_ERR_NO_ERROR && orig)
                hdrs = rd_kafka_headers_copy(orig);
        else
                hdrs = rd_kafka_headers_new(16);
        if (h->context_headers) {
                char num[32];
                add_header(hdrs, "__connect.errors.topic", rd_kafka_topic_name(m->rkt));
                snprintf(num, sizeof(num), "%d", (int)m->partition);
                add_header(hdrs, "__connect.errors.partition", num);
                snprintf(num, sizeof(num), "%lld", (long long)m->offset);
                add_header(hdrs, "__connect.errors.offset", num);
                add_header(hdrs, "__connect.errors.connector.name", t->connector);
                snprintf(num, sizeof(num), "%d", t->id);
                add_header(hdrs, "__connect.errors.task.id", num);
                add_header(hdrs, "__connect.errors.stage", ferry_stage_name(stage));
                add_header(hdrs, "__connect.errors.class.name", class_name ? class_name : "");
                add_header(hdrs, "__connect.errors.exception.class.name", exc_class);
                add_header(hdrs, "__connect.errors.exception.message", exc_text);
                add_header(hdrs, "__connect.errors.exception.stacktrace", stacktrace);
        }
        rd_kafka_timestamp_type_t tt;
        int64_t ts = rd_kafka_message_timestamp(m, &tt);
        for (;;) {
                rd_kafka_resp_err_t err = rd_kafka_producev(
                        h->dlq, RD_KAFKA_V_RKT(h->dlq_rkt), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                        RD_KAFKA_V_KEY(m->key, m->key ? m->key_len : 0),
                        RD_KAFKA_V_VALUE(m->payload, m->payload ? m->len : 0),
                        RD_KAFKA_V_TIMESTAMP(ts >= 0 ? ts : 0), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
                if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                        atomic_fetch_add(&t->metrics.dlq_records, 1);
                        return; /* the headers now belong to the message */
                }
                if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && !ferry_task_stopping(t)) {
                        rd_kafka_poll(h->dlq, 100);
                        continue;
                }
                FERRY_ERROR("Could not produce a record to the dead letter queue topic '%s': %s",
                            h->dlq_topic, rd_kafka_err2str(err));
                rd_kafka_headers_destroy(hdrs);
                return;
        }
}

/* reported: a record the task itself reported as failed (errant record reporter), which is not
 * retried and is tolerated like a conversion failure. */
static ferry_errh_action_t handle(ferry_errh_t *h, ferry_errh_attempt_t *a, ferry_stage_t stage,
                                  const char *class_name, ferry_err_t err, const char *message,
                                  const ferry_errh_ctx_t *ctx, bool reported, char *trace, size_t trace_size)
{
        if (!message || !*message)
                message = ferry_err2str(err);
        bool retriable = err == FERRY_ERR_RETRIABLE || err == FERRY_ERR_TIMEOUT;
        if (retriable && !reported) {
                int64_t now = ferry_now_ms();
                if (a->attempts == 0)
                        a->start = now;
                a->attempts++;
                int64_t left = h->retry_timeout < 0 ? INT64_MAX : a->start + h->retry_timeout - now;
                if (left > 0) {
                        int shift = a->attempts - 1 > 20 ? 20 : a->attempts - 1;
                        int64_t delay = (int64_t)RETRY_DELAY_MIN_MS << shift;
                        if (delay > h->delay_max)
                                delay = h->delay_max;
                        if (delay > left)
                                delay = left;
                        FERRY_DEBUG(
                                "Retrying stage %s after a retriable error (attempt %d, backoff %lld ms): %s",
                                ferry_stage_name(stage), a->attempts, (long long)delay, message);
                        if (ferry_task_wait(h->t, (int)delay))
                                return FERRY_ERRH_STOP;
                        return FERRY_ERRH_RETRY;
                }
        }
        atomic_fetch_add(&h->t->metrics.errors, 1);
        bool tolerable = retriable || reported || stage == FERRY_STAGE_KEY_CONVERTER ||
                         stage == FERRY_STAGE_VALUE_CONVERTER || stage == FERRY_STAGE_HEADER_CONVERTER ||
                         stage == FERRY_STAGE_TRANSFORMATION;
        char exc_class[256];
        const char *exc_text;
        exception_of(stage, err, message, exc_class, sizeof(exc_class), &exc_text);
        char where[256];
        snprintf(where, sizeof(where), "\tat %s (stage %s, connector %s, task %d)",
                 class_name ? class_name : "unknown", ferry_stage_name(stage), h->t->connector, h->t->id);
        if (!tolerable || !h->tolerate_all) {
                if (!tolerable)
                        snprintf(trace, trace_size, "%s: %s\n%s", exc_class, exc_text, where);
                else
                        snprintf(trace, trace_size,
                                 "org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in "
                                 "error "
                                 "handler\n\tat "
                                 "org.apache.kafka.connect.runtime.errors.RetryWithToleranceOperator."
                                 "execAndHandleError(RetryWithToleranceOperator.java)\n"
                                 "Caused by: %s: %s\n%s",
                                 exc_class, exc_text, where);
                return FERRY_ERRH_FAIL;
        }
        h->skipped++;
        if (h->log_enable) {
                ferry_buf_t b;
                ferry_buf_init(&b);
                ferry_buf_printf(&b, "Error encountered in task %s-%d. Executing stage '%s' with class '%s'",
                                 h->t->connector, h->t->id, ferry_stage_name(stage),
                                 class_name ? class_name : "unknown");
                describe(h, ctx, &b);
                ferry_buf_printf(&b, ". %s: %s", exc_class, exc_text);
                FERRY_ERROR("%s", b.p ? b.p : "");
                ferry_buf_free(&b);
        }
        if (h->dlq && ctx && ctx->consumed) {
                char stack[1024];
                snprintf(stack, sizeof(stack), "%s: %s\n%s", exc_class, exc_text, where);
                send_dlq(h, stage, class_name, exc_class, exc_text, stack, ctx->consumed);
        }
        return FERRY_ERRH_SKIP;
}

ferry_errh_action_t ferry_errh_failed(ferry_errh_t *h, ferry_errh_attempt_t *a, ferry_stage_t stage,
                                      const char *class_name, ferry_err_t err, const char *message,
                                      const ferry_errh_ctx_t *ctx, char *trace, size_t trace_size)
{
        return handle(h, a, stage, class_name, err, message, ctx, false, trace, trace_size);
}

ferry_errh_action_t ferry_errh_report(ferry_errh_t *h, ferry_stage_t stage, const char *class_name,
                                      const char *message, const ferry_errh_ctx_t *ctx, char *trace,
                                      size_t trace_size)
{
        ferry_errh_attempt_t a = {0};
        return handle(h, &a, stage, class_name, FERRY_ERR_FATAL, message, ctx, true, trace, trace_size);
}
