/* A compacted Kafka topic as a replicated log, the base of distributed mode's stores. open()
 * creates the topic when missing (cleanup.policy=compact) and checks its partition count, then a
 * reader thread consumes every partition from the beginning (assign, no group) and hands each
 * record to the store's callback; send() produces with acks=all and waits for the acknowledgement;
 * read_to_end() waits until the reader has passed the high watermarks seen at the call. */
#include "kafka/kafka_log.h"

#include "kafka/kafka.h"

#include <ferry/clock.h>
#include <ferry/log.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct ferry_klog {
        char *topic;
        int partitions;
        rd_kafka_t *producer;
        rd_kafka_t *consumer;
        ferry_klog_cb cb;
        void *data;
        pthread_t reader;
        atomic_bool stop;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        int64_t *position; /* next offset to read, per partition; under lock */
};

/* Delivery result of one synchronous send. */
typedef struct {
        atomic_int done;
        rd_kafka_resp_err_t err;
} send_result_t;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
        send_result_t *r = m->_private;
        if (r) {
                r->err = m->err;
                atomic_store(&r->done, 1);
        }
}

static int topic_partitions(rd_kafka_t *rk, const char *topic, char *errstr, size_t errstr_size)
{
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
        int n = -1;
        if (err) {
                snprintf(errstr, errstr_size, "metadata for topic %s: %s", topic, rd_kafka_err2str(err));
        } else if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
                n = 0;
        } else if (md->topic_cnt == 1 && !md->topics[0].err) {
                n = md->topics[0].partition_cnt;
        } else {
                snprintf(errstr, errstr_size, "metadata for topic %s: %s", topic,
                         rd_kafka_err2str(md->topic_cnt ? md->topics[0].err
                                                        : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC));
        }
        if (md)
                rd_kafka_metadata_destroy(md);
        rd_kafka_topic_destroy(rkt);
        return n;
}

static int create_topic(rd_kafka_t *rk, const ferry_klog_opts_t *o, char *errstr, size_t errstr_size)
{
        char err[512];
        rd_kafka_NewTopic_t *nt =
                rd_kafka_NewTopic_new(o->topic, o->partitions, o->replication_factor, err, sizeof(err));
        if (!nt) {
                snprintf(errstr, errstr_size, "%s: %s", o->config_key, err);
                return -1;
        }
        rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "compact");
        rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
        rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
        rd_kafka_AdminOptions_set_request_timeout(opts, 30000, err, sizeof(err));
        /* The broker answers once the partitions have leaders, so the topic can be read at once. */
        rd_kafka_AdminOptions_set_operation_timeout(opts, 25000, err, sizeof(err));
        rd_kafka_CreateTopics(rk, &nt, 1, opts, q);
        rd_kafka_AdminOptions_destroy(opts);
        rd_kafka_NewTopic_destroy(nt);
        /* The request timeout guarantees the event; the queue must outlive the request. */
        rd_kafka_event_t *ev = NULL;
        while (!ev)
                ev = rd_kafka_queue_poll(q, 1000);
        int rc = -1;
        if (!ev) {
                snprintf(errstr, errstr_size, "creating topic %s: timed out", o->topic);
        } else {
                size_t n = 0;
                const rd_kafka_topic_result_t **res =
                        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
                rd_kafka_resp_err_t e = rd_kafka_event_error(ev) ? rd_kafka_event_error(ev)
                                        : n == 1                 ? rd_kafka_topic_result_error(res[0])
                                                                 : RD_KAFKA_RESP_ERR_NO_ERROR;
                if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
                        snprintf(errstr, errstr_size, "creating topic %s (%s): %s", o->topic, o->config_key,
                                 n == 1 && rd_kafka_topic_result_error_string(res[0])
                                         ? rd_kafka_topic_result_error_string(res[0])
                                         : rd_kafka_err2str(e));
                else
                        rc = 0;
                if (rc == 0)
                        FERRY_INFO("Created topic %s (%d partition(s), compacted)", o->topic, o->partitions);
                rd_kafka_event_destroy(ev);
        }
        rd_kafka_queue_destroy(q);
        return rc;
}

/* A created topic shows in metadata a moment later (and one created by another worker meanwhile
 * answers "already exists" before it shows): wait for it, up to 30 s. */
static int await_topic(rd_kafka_t *rk, const char *topic, char *errstr, size_t errstr_size)
{
        int64_t deadline = ferry_now_ms() + 30000;
        int n;
        while ((n = topic_partitions(rk, topic, errstr, errstr_size)) == 0 && ferry_now_ms() < deadline) {
                struct timespec ts = {0, 100 * 1000000L};
                nanosleep(&ts, NULL);
        }
        return n;
}

int ferry_klog_ensure_topic(const ferry_strmap_t *worker, const ferry_klog_opts_t *o, char *errstr,
                            size_t errstr_size)
{
        rd_kafka_conf_t *conf = ferry_kafka_conf(worker, "admin.", NULL, NULL, NULL, errstr, errstr_size);
        if (!conf)
                return -1;
        char err[512];
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
        if (!rk) {
                snprintf(errstr, errstr_size, "admin client: %s", err);
                rd_kafka_conf_destroy(conf);
                return -1;
        }
        int n = topic_partitions(rk, o->topic, errstr, errstr_size);
        int rc = n < 0 ? -1 : n == 0 ? create_topic(rk, o, errstr, errstr_size) : 0;
        if (rc == 0 && n == 0 && await_topic(rk, o->topic, errstr, errstr_size) <= 0)
                rc = -1;
        rd_kafka_destroy(rk);
        return rc;
}

static void *reader_main(void *arg)
{
        ferry_klog_t *l = arg;
        while (!atomic_load(&l->stop)) {
                rd_kafka_message_t *m = rd_kafka_consumer_poll(l->consumer, 200);
                if (!m)
                        continue;
                if (m->err) {
                        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                                FERRY_DEBUG("Reading %s: %s", l->topic, rd_kafka_message_errstr(m));
                        rd_kafka_message_destroy(m);
                        continue;
                }
                l->cb(l->data, m->key, m->key_len, m->payload, m->len);
                pthread_mutex_lock(&l->lock);
                if (m->partition >= 0 && m->partition < l->partitions)
                        l->position[m->partition] = m->offset + 1;
                pthread_cond_broadcast(&l->cond);
                pthread_mutex_unlock(&l->lock);
                rd_kafka_message_destroy(m);
        }
        return NULL;
}

ferry_klog_t *ferry_klog_open(const ferry_strmap_t *worker, const ferry_klog_opts_t *o, ferry_klog_cb cb,
                              void *data, char *errstr, size_t errstr_size)
{
        ferry_klog_t *l = calloc(1, sizeof(*l));
        if (!l)
                return NULL;
        l->topic = strdup(o->topic);
        l->cb = cb;
        l->data = data;
        pthread_mutex_init(&l->lock, NULL);
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&l->cond, &ca);
        pthread_condattr_destroy(&ca);

        ferry_strmap_t defaults;
        ferry_strmap_init(&defaults);
        char cid[256];
        snprintf(cid, sizeof(cid), "%s-%s", o->client_id ? o->client_id : "ferry", o->topic);
        ferry_strmap_set(&defaults, "client.id", cid);
        ferry_strmap_set(&defaults, "acks", "all");
        ferry_strmap_set(&defaults, "enable.idempotence", "true");
        ferry_strmap_set(&defaults, "linger.ms", "0");
        /* The metadata query that checks whether the topic exists must not create it: a broker
         * with auto.create.topics.enable (Kafka's default) would make it with its own defaults
         * (cleanup.policy=delete, num.partitions), which Connect refuses for its internal topics. */
        ferry_strmap_set(&defaults, "allow.auto.create.topics", "false");
        /* Java's partitioner: a key lands on the partition Connect's workers use for it (offsets
         * of one source partition must stay in one topic partition, whoever writes them). */
        ferry_strmap_set(&defaults, "partitioner", "murmur2_random");
        rd_kafka_conf_t *pc =
                ferry_kafka_conf(worker, "producer.", &defaults, NULL, NULL, errstr, errstr_size);
        ferry_strmap_clear(&defaults);
        ferry_strmap_set(&defaults, "client.id", cid);
        ferry_strmap_set(&defaults, "enable.auto.commit", "false");
        ferry_strmap_set(&defaults, "enable.partition.eof", "false");
        /* librdkafka wants a group id even for assign(); the reader never joins nor commits. */
        ferry_strmap_set(&defaults, "group.id", cid);
        /* Exactly-once source support: internal topics hold transactional writes; only committed
         * ones count (as Connect reads them then, whatever consumer.isolation.level says). */
        ferry_strmap_t fixed;
        ferry_strmap_init(&fixed);
        const char *eos = ferry_strmap_get(worker, "exactly.once.source.support");
        if (eos && (!strcasecmp(eos, "enabled") || !strcasecmp(eos, "preparing"))) {
                ferry_strmap_set(&fixed, "isolation.level", "read_committed");
                /* A read_committed fetch waiting at the broker is answered only after
                 * fetch.wait.max.ms (500) even when a write lands meanwhile, so every read_to_end()
                 * after a write (task configs, task count record, assignment, a task's offsets)
                 * would cost half a second: 1.5 s before an exactly-once task starts. */
                ferry_strmap_set(&defaults, "fetch.wait.max.ms", "50");
        }
        rd_kafka_conf_t *cc =
                pc ? ferry_kafka_conf(worker, "consumer.", &defaults, NULL, &fixed, errstr, errstr_size)
                   : NULL;
        ferry_strmap_free(&defaults);
        ferry_strmap_free(&fixed);
        char err[512];
        if (pc) {
                rd_kafka_conf_set_dr_msg_cb(pc, on_delivery);
                l->producer = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof(err));
                if (!l->producer) {
                        snprintf(errstr, errstr_size, "producer for %s: %s", o->topic, err);
                        rd_kafka_conf_destroy(pc);
                }
        }
        if (cc && l->producer) {
                l->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cc, err, sizeof(err));
                if (!l->consumer) {
                        snprintf(errstr, errstr_size, "consumer for %s: %s", o->topic, err);
                        rd_kafka_conf_destroy(cc);
                }
        } else if (cc) {
                rd_kafka_conf_destroy(cc);
        }
        if (!l->consumer)
                goto fail;
        int n = topic_partitions(l->producer, o->topic, errstr, errstr_size);
        if (n == 0) {
                if (create_topic(l->producer, o, errstr, errstr_size) < 0)
                        goto fail;
                n = await_topic(l->producer, o->topic, errstr, errstr_size);
        }
        if (n <= 0) {
                if (n == 0)
                        snprintf(errstr, errstr_size, "topic %s does not exist after creation", o->topic);
                goto fail;
        }
        if (o->require_single && n > 1) {
                snprintf(errstr, errstr_size,
                         "Topic '%s' supplied via the '%s' property is required to have a single partition "
                         "in order "
                         "to guarantee consistency of connector configurations, but found %d partitions.",
                         o->topic, o->config_key, n);
                goto fail;
        }
        l->partitions = n;
        l->position = calloc((size_t)n, sizeof(*l->position));
        rd_kafka_topic_partition_list_t *tps = rd_kafka_topic_partition_list_new(n);
        for (int i = 0; i < n; i++)
                rd_kafka_topic_partition_list_add(tps, o->topic, i)->offset = RD_KAFKA_OFFSET_BEGINNING;
        rd_kafka_resp_err_t e = rd_kafka_assign(l->consumer, tps);
        rd_kafka_topic_partition_list_destroy(tps);
        if (e) {
                snprintf(errstr, errstr_size, "reading %s: %s", o->topic, rd_kafka_err2str(e));
                goto fail;
        }
        if (pthread_create(&l->reader, NULL, reader_main, l) != 0) {
                snprintf(errstr, errstr_size, "cannot start the reader of %s", o->topic);
                goto fail;
        }
        return l;
fail:
        if (l->consumer)
                rd_kafka_destroy(l->consumer);
        if (l->producer)
                rd_kafka_destroy(l->producer);
        l->consumer = l->producer = NULL;
        free(l->position);
        free(l->topic);
        pthread_mutex_destroy(&l->lock);
        pthread_cond_destroy(&l->cond);
        free(l);
        return NULL;
}

int ferry_klog_send(ferry_klog_t *l, const char *key, const char *value, size_t vlen, char *errstr,
                    size_t errstr_size)
{
        send_result_t *r = calloc(1, sizeof(*r));
        if (!r)
                return -1;
        rd_kafka_resp_err_t err = rd_kafka_producev(
                l->producer, RD_KAFKA_V_TOPIC(l->topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_KEY(key, strlen(key)), RD_KAFKA_V_VALUE((void *)value, value ? vlen : 0),
                RD_KAFKA_V_OPAQUE(r), RD_KAFKA_V_END);
        if (err) {
                snprintf(errstr, errstr_size, "writing to %s: %s", l->topic, rd_kafka_err2str(err));
                free(r);
                return -1;
        }
        /* Producers are used from several threads: each send waits only for its own report. */
        while (!atomic_load(&r->done))
                rd_kafka_poll(l->producer, 50);
        int rc = 0;
        if (r->err) {
                snprintf(errstr, errstr_size, "writing to %s: %s", l->topic, rd_kafka_err2str(r->err));
                rc = -1;
        }
        free(r);
        return rc;
}

int ferry_klog_read_to_end(ferry_klog_t *l, int timeout_ms, char *errstr, size_t errstr_size)
{
        int64_t *end = calloc((size_t)l->partitions, sizeof(*end));
        if (!end)
                return -1;
        int64_t give_up = ferry_now_ms() + timeout_ms;
        for (int i = 0; i < l->partitions; i++) {
                int64_t lo, hi;
                rd_kafka_resp_err_t e;
                /* A topic just created has partitions without a leader for a moment. */
                while ((e = rd_kafka_query_watermark_offsets(l->consumer, l->topic, i, &lo, &hi,
                                                             timeout_ms)) &&
                       (e == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION ||
                        e == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
                        e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) &&
                       ferry_now_ms() < give_up) {
                        struct timespec pause = {0, 100 * 1000000L};
                        nanosleep(&pause, NULL);
                }
                if (e) {
                        snprintf(errstr, errstr_size, "reading %s to its end: %s", l->topic,
                                 rd_kafka_err2str(e));
                        free(end);
                        return -1;
                }
                end[i] = hi;
        }
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += timeout_ms / 1000;
        ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
        }
        int rc = 0;
        pthread_mutex_lock(&l->lock);
        for (int i = 0; i < l->partitions && rc == 0; i++) {
                /* A partition whose records were all compacted away may never reach hi through
                 * consumed records: its position is then checked against the consumer's. */
                while (l->position[i] < end[i]) {
                        rd_kafka_topic_partition_list_t *pos = rd_kafka_topic_partition_list_new(1);
                        rd_kafka_topic_partition_list_add(pos, l->topic, i);
                        rd_kafka_position(l->consumer, pos);
                        int64_t p = pos->elems[0].offset;
                        rd_kafka_topic_partition_list_destroy(pos);
                        if (p >= end[i])
                                break;
                        /* Waits in slices: the consumer's position also moves over what is never
                         * handed out (transaction markers, aborted records), with no signal. */
                        struct timespec slice;
                        clock_gettime(CLOCK_MONOTONIC, &slice);
                        slice.tv_nsec += 100000000L;
                        if (slice.tv_nsec >= 1000000000L) {
                                slice.tv_sec++;
                                slice.tv_nsec -= 1000000000L;
                        }
                        if (slice.tv_sec > ts.tv_sec ||
                            (slice.tv_sec == ts.tv_sec && slice.tv_nsec > ts.tv_nsec))
                                slice = ts;
                        if (pthread_cond_timedwait(&l->cond, &l->lock, &slice) != 0) {
                                struct timespec now;
                                clock_gettime(CLOCK_MONOTONIC, &now);
                                if (now.tv_sec > ts.tv_sec ||
                                    (now.tv_sec == ts.tv_sec && now.tv_nsec >= ts.tv_nsec)) {
                                        snprintf(errstr, errstr_size, "timed out reading %s to its end",
                                                 l->topic);
                                        rc = -1;
                                }
                        }
                }
        }
        pthread_mutex_unlock(&l->lock);
        free(end);
        return rc;
}

void ferry_klog_close(ferry_klog_t *l)
{
        if (!l)
                return;
        atomic_store(&l->stop, true);
        pthread_join(l->reader, NULL);
        rd_kafka_consumer_close(l->consumer);
        rd_kafka_destroy(l->consumer);
        rd_kafka_flush(l->producer, 5000);
        rd_kafka_destroy(l->producer);
        free(l->position);
        free(l->topic);
        pthread_mutex_destroy(&l->lock);
        pthread_cond_destroy(&l->cond);
        free(l);
}
