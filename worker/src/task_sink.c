/* Sink task runner, one thread per task: consume from Kafka in group connect-<connector> -> convert
 * key and value -> put() into the plugin. Every offset.flush.interval.ms (and before partitions
 * are revoked, and at stop) the runner calls flush() and then commits the offsets after the last
 * record put, synchronously. A crash therefore repeats records only after the last commit. */
#include "kafka.h"
#include "worker.h"

#include <ferry/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SINK_BATCH_MAX 1000

typedef struct {
        ferry_task_t *t;
        rd_kafka_t *rk;
        rd_kafka_topic_partition_list_t *assigned;
        rd_kafka_topic_partition_list_t *consumed; /* next offset to commit, per partition */
        bool dirty;                                /* records put since the last commit */
        bool paused;
        char fail[2048];
        uint64_t records;
        int64_t last_err_log;
} sink_run_t;

static void call_partitions(sink_run_t *run, const rd_kafka_topic_partition_list_t *parts, bool open)
{
        const ferry_sink_task_ops_t *ops = run->t->plugin->sink;
        void (*fn)(ferry_task_t *, const ferry_topic_partition_t *, size_t) = open ? ops->open : ops->close;
        if (!fn || parts->cnt == 0)
                return;
        ferry_topic_partition_t *tps = calloc((size_t)parts->cnt, sizeof(*tps));
        if (!tps)
                return;
        for (int i = 0; i < parts->cnt; i++)
                tps[i] = (ferry_topic_partition_t){parts->elems[i].topic, parts->elems[i].partition};
        fn(run->t, tps, (size_t)parts->cnt);
        free(tps);
}

/* flush() then commit what was put. Returns 0 when committed (or nothing to do). */
static int commit(sink_run_t *run)
{
        if (!run->dirty || run->consumed->cnt == 0)
                return 0;
        char errstr[1024] = "";
        if (run->t->plugin->sink->flush(run->t, errstr, sizeof(errstr)) != FERRY_ERR_OK) {
                FERRY_ERROR("Flush failed, offsets not committed: %s", errstr);
                return -1;
        }
        rd_kafka_resp_err_t err = rd_kafka_commit(run->rk, run->consumed, 0);
        if (err) {
                FERRY_WARN("Offset commit failed (will retry): %s", rd_kafka_err2str(err));
                return -1;
        }
        FERRY_DEBUG("Committed offsets of %d partition(s)", run->consumed->cnt);
        run->dirty = false;
        return 0;
}

static void set_paused(sink_run_t *run, bool paused)
{
        if (run->assigned && run->assigned->cnt) {
                if (paused)
                        rd_kafka_pause_partitions(run->rk, run->assigned);
                else
                        rd_kafka_resume_partitions(run->rk, run->assigned);
        }
        run->paused = paused;
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                         void *opaque)
{
        sink_run_t *run = opaque;
        bool cooperative = !strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE");
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
                FERRY_INFO("Assigned %d partition(s)", parts->cnt);
                if (cooperative)
                        rd_kafka_incremental_assign(rk, parts);
                else
                        rd_kafka_assign(rk, parts);
                for (int i = 0; i < parts->cnt; i++)
                        rd_kafka_topic_partition_list_add(run->assigned, parts->elems[i].topic,
                                                          parts->elems[i].partition);
                call_partitions(run, parts, true);
                if (run->paused)
                        rd_kafka_pause_partitions(rk, parts);
                return;
        }
        FERRY_INFO("Revoking %d partition(s)", parts->cnt);
        commit(run);
        call_partitions(run, parts, false);
        for (int i = 0; i < parts->cnt; i++) {
                rd_kafka_topic_partition_list_del(run->assigned, parts->elems[i].topic,
                                                  parts->elems[i].partition);
                rd_kafka_topic_partition_list_del(run->consumed, parts->elems[i].topic,
                                                  parts->elems[i].partition);
        }
        if (cooperative)
                rd_kafka_incremental_unassign(rk, parts);
        else
                rd_kafka_assign(rk, NULL);
}

static rd_kafka_t *make_consumer(sink_run_t *run, char *errstr, size_t errstr_size)
{
        ferry_task_t *t = run->t;
        ferry_strmap_t defaults, overrides;
        ferry_strmap_init(&defaults);
        ferry_strmap_init(&overrides);
        char buf[512];
        snprintf(buf, sizeof(buf), "connect-%s", t->connector);
        ferry_strmap_set(&defaults, "group.id", buf);
        snprintf(buf, sizeof(buf), "connector-consumer-%s-%d", t->connector, t->id);
        ferry_strmap_set(&defaults, "client.id", buf);
        ferry_strmap_set(&defaults, "auto.offset.reset", "earliest");
        ferry_strmap_sub(&overrides, &t->conn_config, "consumer.override.");
        ferry_strmap_t fixed;
        ferry_strmap_init(&fixed);
        ferry_strmap_set(&fixed, "enable.auto.commit", "false");
        ferry_strmap_set(&fixed, "enable.auto.offset.store", "false");
        rd_kafka_conf_t *conf = ferry_kafka_conf(&t->w->config, "consumer.", &defaults, &overrides, &fixed,
                                                 errstr, errstr_size);
        ferry_strmap_free(&defaults);
        ferry_strmap_free(&overrides);
        ferry_strmap_free(&fixed);
        if (!conf)
                return NULL;
        rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
        rd_kafka_conf_set_opaque(conf, run);
        char err[512];
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
        if (!rk) {
                snprintf(errstr, errstr_size, "cannot create consumer: %s", err);
                rd_kafka_conf_destroy(conf);
                return NULL;
        }
        rd_kafka_poll_set_consumer(rk);
        return rk;
}

static int subscribe(sink_run_t *run, char *errstr, size_t errstr_size)
{
        ferry_task_t *t = run->t;
        rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(4);
        const char *regex = ferry_strmap_get(&t->conn_config, "topics.regex");
        if (regex && *regex) {
                char pattern[1024];
                snprintf(pattern, sizeof(pattern), "^%s", regex);
                rd_kafka_topic_partition_list_add(topics, pattern, RD_KAFKA_PARTITION_UA);
        } else {
                size_t n;
                char **list = ferry_config_list(ferry_sink_connector_config, &t->conn_config, "topics", &n);
                for (size_t i = 0; i < n; i++)
                        rd_kafka_topic_partition_list_add(topics, list[i], RD_KAFKA_PARTITION_UA);
                ferry_strlist_free(list, n);
        }
        rd_kafka_resp_err_t err = rd_kafka_subscribe(run->rk, topics);
        rd_kafka_topic_partition_list_destroy(topics);
        if (err) {
                snprintf(errstr, errstr_size, "cannot subscribe: %s", rd_kafka_err2str(err));
                return -1;
        }
        return 0;
}

/* Kafka message -> record through the key and value converters. */
static ferry_record_t *to_record(sink_run_t *run, const rd_kafka_message_t *m, char *errstr,
                                 size_t errstr_size)
{
        ferry_task_t *t = run->t;
        const char *topic = rd_kafka_topic_name(m->rkt);
        ferry_schema_t *ks = NULL, *vs = NULL;
        ferry_value_t *k = NULL, *v = NULL;
        if (t->key_conv.plugin->to_connect(t->key_conv.state, topic, m->key, m->key_len, &ks, &k, errstr,
                                           errstr_size) != FERRY_ERR_OK)
                return NULL;
        if (t->value_conv.plugin->to_connect(t->value_conv.state, topic, m->payload, m->len, &vs, &v, errstr,
                                             errstr_size) != FERRY_ERR_OK) {
                ferry_schema_unref(ks);
                ferry_value_free(k);
                return NULL;
        }
        ferry_record_t *r = ferry_record_new(topic, ks, k, vs, v);
        if (!r) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        r->partition = m->partition;
        r->kafka_offset = m->offset;
        rd_kafka_timestamp_type_t tstype;
        r->timestamp = rd_kafka_message_timestamp(m, &tstype);
        return r;
}

static void note_consumed(sink_run_t *run, const rd_kafka_message_t *m)
{
        const char *topic = rd_kafka_topic_name(m->rkt);
        rd_kafka_topic_partition_t *tp =
                rd_kafka_topic_partition_list_find(run->consumed, topic, m->partition);
        if (!tp)
                tp = rd_kafka_topic_partition_list_add(run->consumed, topic, m->partition);
        tp->offset = m->offset + 1;
        run->dirty = true;
}

/* Polls up to one batch and puts it. -1 when the task must fail (errstr set). */
static int consume_batch(sink_run_t *run, rd_kafka_message_t **msgs, char *errstr, size_t errstr_size)
{
        size_t n = 0;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(run->rk, 200);
        while (m) {
                if (m->err) {
                        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                                int64_t now = ferry_now_ms();
                                if (now - run->last_err_log > 10000) {
                                        FERRY_WARN("Consumer: %s", rd_kafka_message_errstr(m));
                                        run->last_err_log = now;
                                }
                        }
                        rd_kafka_message_destroy(m);
                } else {
                        msgs[n++] = m;
                }
                if (n == SINK_BATCH_MAX)
                        break;
                m = rd_kafka_consumer_poll(run->rk, 0);
        }
        if (n == 0)
                return 0;
        ferry_record_t **recs = calloc(n, sizeof(*recs));
        int rc = recs ? 0 : -1;
        size_t made = 0;
        for (; rc == 0 && made < n; made++) {
                recs[made] = to_record(run, msgs[made], errstr, errstr_size);
                if (!recs[made])
                        rc = -1;
        }
        if (rc == 0 && run->t->plugin->sink->put(run->t, recs, n, errstr, errstr_size) != FERRY_ERR_OK)
                rc = -1;
        if (rc == 0) {
                for (size_t i = 0; i < n; i++) {
                        note_consumed(run, msgs[i]);
                        ferry_task_note_topic(run->t, recs[i]->topic);
                }
                run->records += n;
        }
        for (size_t i = 0; recs && i < made; i++)
                ferry_record_free(recs[i]);
        free(recs);
        for (size_t i = 0; i < n; i++)
                rd_kafka_message_destroy(msgs[i]);
        return rc;
}

void *ferry_sink_task_main(void *arg)
{
        ferry_task_t *t = arg;
        ferry_log_context(t->ctx);
        sink_run_t run = {.t = t};
        run.assigned = rd_kafka_topic_partition_list_new(8);
        run.consumed = rd_kafka_topic_partition_list_new(8);
        char errstr[2048] = "";
        int64_t interval = ferry_config_int(ferry_worker_config, &t->w->config, "offset.flush.interval.ms");
        bool started = false, failed = false;
        rd_kafka_message_t **msgs = calloc(SINK_BATCH_MAX, sizeof(*msgs));

        run.rk = make_consumer(&run, errstr, sizeof(errstr));
        if (!run.rk || !msgs) {
                failed = true;
                goto out;
        }
        if (t->plugin->sink->start(t, &t->config, errstr, sizeof(errstr)) != FERRY_ERR_OK) {
                failed = true;
                goto out;
        }
        started = true;
        if (subscribe(&run, errstr, sizeof(errstr)) < 0) {
                failed = true;
                goto out;
        }
        ferry_task_set_state(t, FERRY_STATE_RUNNING, NULL);
        int64_t next_commit = ferry_now_ms() + interval;
        while (!atomic_load(&t->stopping)) {
                bool want_pause = atomic_load(&t->target) != FERRY_TARGET_STARTED;
                if (want_pause != run.paused) {
                        set_paused(&run, want_pause);
                        ferry_task_set_state(t, want_pause ? FERRY_STATE_PAUSED : FERRY_STATE_RUNNING, NULL);
                }
                if (consume_batch(&run, msgs, errstr, sizeof(errstr)) < 0) {
                        failed = true;
                        break;
                }
                if (ferry_now_ms() >= next_commit) {
                        commit(&run);
                        next_commit = ferry_now_ms() + interval;
                }
        }
out:
        if (failed)
                ferry_task_set_state(t, FERRY_STATE_FAILED, errstr);
        if (run.rk) {
                if (started && !failed)
                        commit(&run);
                rd_kafka_consumer_close(run.rk);
                rd_kafka_destroy(run.rk);
        }
        if (started)
                t->plugin->sink->stop(t);
        FERRY_INFO("Sink task stopped: %llu record(s) put", (unsigned long long)run.records);
        rd_kafka_topic_partition_list_destroy(run.assigned);
        rd_kafka_topic_partition_list_destroy(run.consumed);
        free(msgs);
        ferry_log_context(NULL);
        return NULL;
}
