/* Sink task runner, one thread per task: consume from Kafka in group connect-<connector> -> convert
 * key, value and headers -> transform chain -> put() into the plugin. Every stage's failures go
 * through the task's error handler: with errors.tolerance=all a failed record is skipped (and, with
 * a dead letter queue, produced there with its original bytes and headers). Every
 * offset.flush.interval.ms (and before partitions are revoked, and at stop) the runner calls
 * flush(), waits for the dead letter queue, and then commits the offsets after the last record
 * handled, synchronously. A crash therefore repeats records only after the last commit. */
#include "runtime/error_handler.h"
#include "kafka/embedded_gate.h"
#include "kafka/kafka.h"
#include "runtime/embedded_flow.h"
#include "runtime/transforms.h"
#include "runtime/worker.h"

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
        uint64_t records, dropped, skipped;
        int64_t last_err_log;
        ferry_errh_t *errh;
        bool stop; /* asked to stop while an operation waited to be retried */
        /* Next offset expected per partition (the committed one at assignment, then the one after
         * the last record read; INVALID when unknown): a record past it while the log start
         * offset is past it too means records were deleted before this task read them. */
        rd_kafka_topic_partition_list_t *expected;
        struct ferry_gate *gate;        /* the embedded broker's flow control; NULL on a real cluster */
        ferry_gate_group_t *gate_group; /* this connector's commits, as the gate sees them */
        int64_t last_commit_ms;
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
        /* Failed records must sit in the dead letter queue before their offsets are committed. */
        if (ferry_errh_flush(run->errh, 30000) < 0) {
                FERRY_WARN("Dead letter queue records not yet acknowledged; offsets not committed");
                return -1;
        }
        int64_t t0 = ferry_now_us();
        rd_kafka_resp_err_t err = rd_kafka_commit(run->rk, run->consumed, 0);
        atomic_fetch_add(&run->t->metrics.commit_us, (uint64_t)(ferry_now_us() - t0));
        atomic_fetch_add(err ? &run->t->metrics.commit_failure : &run->t->metrics.commit_success, 1);
        if (err) {
                FERRY_WARN("Offset commit failed (will retry): %s", rd_kafka_err2str(err));
                return -1;
        }
        FERRY_DEBUG("Committed offsets of %d partition(s)", run->consumed->cnt);
        run->dirty = false;
        if (run->gate)
                ferry_gate_committed(run->gate, run->gate_group, run->consumed);
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

/* The committed offsets of newly assigned partitions become their expected next offsets. */
static void expect_committed(sink_run_t *run, const rd_kafka_topic_partition_list_t *parts)
{
        rd_kafka_topic_partition_list_t *c = rd_kafka_topic_partition_list_copy(parts);
        rd_kafka_resp_err_t err = rd_kafka_committed(run->rk, c, 10000);
        for (int i = 0; i < c->cnt; i++) {
                rd_kafka_topic_partition_t *tp = rd_kafka_topic_partition_list_find(
                        run->expected, c->elems[i].topic, c->elems[i].partition);
                if (!tp)
                        tp = rd_kafka_topic_partition_list_add(run->expected, c->elems[i].topic,
                                                               c->elems[i].partition);
                tp->offset = !err && !c->elems[i].err ? c->elems[i].offset : RD_KAFKA_OFFSET_INVALID;
        }
        if (err)
                FERRY_DEBUG("Committed offsets unknown at assignment (%s): a gap at the start is not checked",
                            rd_kafka_err2str(err));
        rd_kafka_topic_partition_list_destroy(c);
}

/* Records of a partition were deleted before this task read them: its next offset is below the
 * partition's log start offset (an offset reset followed). Logged as an ERROR; fails the task
 * unless errors.tolerance=all. */
static int records_lost(sink_run_t *run, const char *topic, int32_t partition, int64_t from, int64_t next,
                        char *errstr, size_t errstr_size)
{
        int64_t lo = -1, hi = -1;
        if (rd_kafka_get_watermark_offsets(run->rk, topic, partition, &lo, &hi) || lo <= from)
                return 0; /* a gap above the log start offset: compaction or transaction markers */
        int64_t to = (lo < next ? lo : next) - 1;
        snprintf(errstr, errstr_size,
                 "org.apache.kafka.connect.errors.ConnectException: Records lost: topic '%s' partition %d "
                 "offsets %lld to %lld (%lld records) were deleted before this task read them: its next "
                 "offset %lld is below the log start offset %lld (retention%s)",
                 topic, (int)partition, (long long)from, (long long)to, (long long)(to - from + 1),
                 (long long)from, (long long)lo, run->gate ? ", or the embedded broker's size limit" : "");
        FERRY_ERROR("%s", errstr + strlen("org.apache.kafka.connect.errors.ConnectException: "));
        if (ferry_errh_tolerates_all(run->errh))
                return 0;
        return -1;
}

/* Checks that every partition's records follow on from the expected offset (once per run of
 * records of one partition). -1 when records were lost and the task must fail. */
static int check_continuity(sink_run_t *run, rd_kafka_message_t **msgs, size_t n, char *errstr,
                            size_t errstr_size)
{
        rd_kafka_topic_partition_t *tp = NULL;
        const rd_kafka_topic_t *rkt = NULL;
        int32_t partition = -1;
        for (size_t i = 0; i < n; i++) {
                const rd_kafka_message_t *m = msgs[i];
                if (!tp || m->rkt != rkt || m->partition != partition) {
                        rkt = m->rkt;
                        partition = m->partition;
                        const char *topic = rd_kafka_topic_name(m->rkt);
                        tp = rd_kafka_topic_partition_list_find(run->expected, topic, partition);
                        if (!tp) {
                                tp = rd_kafka_topic_partition_list_add(run->expected, topic, partition);
                                tp->offset = RD_KAFKA_OFFSET_INVALID;
                        }
                }
                if (tp->offset >= 0 && m->offset > tp->offset &&
                    records_lost(run, tp->topic, partition, tp->offset, m->offset, errstr, errstr_size) < 0)
                        return -1;
                tp->offset = m->offset + 1;
        }
        return 0;
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
                expect_committed(run, parts);
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
                rd_kafka_topic_partition_list_del(run->expected, parts->elems[i].topic,
                                                  parts->elems[i].partition);
        }
        if (cooperative)
                rd_kafka_incremental_unassign(rk, parts);
        else
                rd_kafka_assign(rk, NULL);
}

/* Whether the worker's consumer.* or the connector's consumer.override.* keys tune prefetching;
 * then the runner's prefetch defaults stay out of the way entirely. */
static bool user_set_prefetch(const ferry_strmap_t *worker, const ferry_strmap_t *overrides)
{
        static const char *const keys[] = {"queued.min.messages",       "queued.max.messages.kbytes",
                                           "fetch.queue.backoff.ms",    "fetch.max.bytes",
                                           "max.partition.fetch.bytes", "fetch.message.max.bytes"};
        char key[64];
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
                snprintf(key, sizeof(key), "consumer.%s", keys[i]);
                if (ferry_strmap_get(worker, key) || ferry_strmap_get(overrides, keys[i]))
                        return true;
        }
        return false;
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
        /* The embedded broker answers a fetch with nothing new only after fetch.wait.max.ms, even
         * when records arrive meanwhile; a source held back for this task's commit waits that
         * long each time (1M records: 28 s with the default 500 ms, 6 s with 10 ms). */
        if (run->gate)
                ferry_strmap_set(&defaults, "fetch.wait.max.ms", "10");
        ferry_strmap_sub(&overrides, &t->conn_config, "consumer.override.");
        if (!user_set_prefetch(&t->w->config, &overrides)) {
                /* Once a partition's queue holds queued.min.messages, librdkafka stops fetching it
                 * and looks again only when its broker thread next wakes: up to a second later
                 * (before 2.3, which added fetch.queue.backoff.ms). With the default of 100000 small
                 * records a fast sink idles most of each second (1M records: 3.2 s); with 200000
                 * the queue does not fill (0.9 s, about 30 MB more at peak). */
                ferry_strmap_set(&defaults, "queued.min.messages", "200000");
                if (rd_kafka_version() >= 0x020300ff)
                        ferry_strmap_set(&defaults, "fetch.queue.backoff.ms", "20");
        }
        /* In distributed mode a sink task moved off a dead worker waits until its consumer group
         * drops the dead member: default the consumer's session timeout to the worker's (10 s)
         * rather than the client's 45 s, so sink failover is as fast as the worker's. */
        if (ferry_strmap_get(&t->w->config, "group.id"))
                ferry_strmap_set(&defaults, "session.timeout.ms",
                                 ferry_config_str(ferry_worker_config, &t->w->config, "session.timeout.ms"));
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

enum { STAGE_OK = 0, STAGE_SKIP = 1, STAGE_FAIL = -1, STAGE_RETRY = 2 };

static int on_failure(sink_run_t *run, ferry_errh_attempt_t *a, ferry_stage_t stage, const char *cls,
                      ferry_err_t err, const char *msg, const rd_kafka_message_t *m, char *errstr,
                      size_t errstr_size)
{
        ferry_errh_ctx_t ctx = {.consumed = m};
        switch (ferry_errh_failed(run->errh, a, stage, cls, err, msg, &ctx, errstr, errstr_size)) {
        case FERRY_ERRH_RETRY:
                return STAGE_RETRY;
        case FERRY_ERRH_SKIP:
                return STAGE_SKIP;
        case FERRY_ERRH_STOP:
                run->stop = true;
                return STAGE_FAIL;
        case FERRY_ERRH_FAIL:
                break;
        }
        return STAGE_FAIL;
}

/* One converter call under the error handler. */
static int convert(sink_run_t *run, ferry_stage_t stage, const ferry_conv_t *conv,
                   const rd_kafka_message_t *m, const char *topic, const void *data, size_t len,
                   ferry_schema_t **schema, ferry_value_t **value, char *errstr, size_t errstr_size)
{
        ferry_errh_attempt_t a = {0};
        for (;;) {
                *schema = NULL;
                *value = NULL;
                ferry_err_t err = conv->plugin->to_connect(conv->state, topic, data, len, schema, value,
                                                           errstr, errstr_size);
                if (err == FERRY_ERR_OK)
                        return STAGE_OK;
                char msg[1024];
                snprintf(msg, sizeof(msg), "%.1000s", errstr);
                int rc = on_failure(run, &a, stage, conv->plugin->info.class_name, err, msg, m, errstr,
                                    errstr_size);
                if (rc != STAGE_RETRY)
                        return rc;
        }
}

/* Kafka message -> record through the converters and the transform chain. STAGE_OK with *out NULL
 * when the chain dropped it; STAGE_SKIP when the error handler skipped it. */
static int to_record(sink_run_t *run, const rd_kafka_message_t *m, ferry_record_t **out, char *errstr,
                     size_t errstr_size)
{
        ferry_task_t *t = run->t;
        *out = NULL;
        const char *topic = rd_kafka_topic_name(m->rkt);
        ferry_schema_t *ks = NULL, *vs = NULL;
        ferry_value_t *k = NULL, *v = NULL;
        int rc = convert(run, FERRY_STAGE_KEY_CONVERTER, &t->key_conv, m, topic, m->key, m->key_len, &ks, &k,
                         errstr, errstr_size);
        if (rc != STAGE_OK)
                return rc;
        rc = convert(run, FERRY_STAGE_VALUE_CONVERTER, &t->value_conv, m, topic, m->payload, m->len, &vs, &v,
                     errstr, errstr_size);
        if (rc != STAGE_OK) {
                ferry_schema_unref(ks);
                ferry_value_free(k);
                return rc;
        }
        ferry_record_t *r = ferry_record_new(topic, ks, k, vs, v);
        if (!r) {
                snprintf(errstr, errstr_size, "out of memory");
                return STAGE_FAIL;
        }
        r->partition = m->partition;
        r->kafka_offset = m->offset;
        rd_kafka_timestamp_type_t tstype;
        r->timestamp = rd_kafka_message_timestamp(m, &tstype);
        rd_kafka_headers_t *hdrs = NULL;
        if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs) {
                const char *name;
                const void *val;
                size_t size;
                for (size_t i = 0;
                     rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
                     i++) {
                        ferry_schema_t *hs = NULL;
                        ferry_value_t *hv = NULL;
                        rc = convert(run, FERRY_STAGE_HEADER_CONVERTER, &t->header_conv, m, topic, val, size,
                                     &hs, &hv, errstr, errstr_size);
                        if (rc != STAGE_OK) {
                                ferry_record_free(r);
                                return rc;
                        }
                        if (ferry_record_add_header(r, name, hs, hv) < 0) {
                                ferry_record_free(r);
                                snprintf(errstr, errstr_size, "out of memory");
                                return STAGE_FAIL;
                        }
                }
        }
        if (!ferry_transform_chain_size(t->chain)) {
                *out = r;
                return STAGE_OK;
        }
        ferry_err_t err = ferry_transform_chain_apply(t->chain, r, out, errstr, errstr_size);
        if (err == FERRY_ERR_OK)
                return STAGE_OK;
        /* The chain consumed the record: a transformation is not retried. */
        char msg[1024];
        snprintf(msg, sizeof(msg), "%.1000s", errstr);
        ferry_errh_attempt_t a = {0};
        return on_failure(run, &a, FERRY_STAGE_TRANSFORMATION, ferry_transform_chain_failed_class(t->chain),
                          err == FERRY_ERR_RETRIABLE ? FERRY_ERR_TRANSFORM : err, msg, m, errstr,
                          errstr_size);
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
        /* On the embedded broker a source may be waiting for this task's next commit, which is
         * checked between polls: wait less for records there. */
        rd_kafka_message_t *m = rd_kafka_consumer_poll(run->rk, run->gate ? 10 : 200);
        while (m) {
                if (m->err) {
                        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                                int64_t now = ferry_now_ms();
                                if (now - run->last_err_log > 10000) {
                                        FERRY_WARN("Consumer (stage %s): %s",
                                                   ferry_stage_name(FERRY_STAGE_KAFKA_CONSUME),
                                                   rd_kafka_message_errstr(m));
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
        ferry_errh_poll(run->errh);
        if (n == 0)
                return 0;
        if (check_continuity(run, msgs, n, errstr, errstr_size) < 0) {
                for (size_t i = 0; i < n; i++)
                        rd_kafka_message_destroy(msgs[i]);
                return -1;
        }
        atomic_fetch_add(&run->t->metrics.read_records, n);
        ferry_record_t **recs = calloc(n, sizeof(*recs));
        int rc = recs ? 0 : -1;
        size_t made = 0;
        for (size_t i = 0; rc == 0 && i < n; i++) {
                ferry_record_t *r = NULL;
                int st = to_record(run, msgs[i], &r, errstr, errstr_size);
                if (st == STAGE_FAIL)
                        rc = -1;
                else if (st == STAGE_SKIP)
                        run->skipped++;
                else if (!r)
                        run->dropped++;
                else
                        recs[made++] = r;
        }
        if (rc == 0 && made) {
                ferry_errh_attempt_t a = {0};
                for (;;) {
                        int64_t t0 = ferry_now_us();
                        ferry_err_t err = run->t->plugin->sink->put(run->t, recs, made, errstr, errstr_size);
                        atomic_fetch_add(&run->t->metrics.put_us, (uint64_t)(ferry_now_us() - t0));
                        atomic_fetch_add(&run->t->metrics.put_batches, 1);
                        if (err == FERRY_ERR_OK)
                                break;
                        char msg[1024];
                        snprintf(msg, sizeof(msg), "%.1000s", errstr);
                        int st = on_failure(run, &a, FERRY_STAGE_TASK_PUT, run->t->plugin->info.class_name,
                                            err, msg, NULL, errstr, errstr_size);
                        if (st == STAGE_RETRY)
                                continue;
                        if (st == STAGE_FAIL)
                                rc = -1;
                        break;
                }
        }
        if (rc == 0) {
                for (size_t i = 0; i < n; i++)
                        note_consumed(run, msgs[i]);
                for (size_t i = 0; i < made; i++)
                        ferry_task_note_topic(run->t, recs[i]->topic);
                run->records += made;
                atomic_fetch_add(&run->t->metrics.send_records, made);
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
        run.expected = rd_kafka_topic_partition_list_new(8);
        run.gate = ferry_flow_gate(t);
        run.gate_group = run.gate ? ferry_gate_group(run.gate, t->connector) : NULL;
        char errstr[4096] = "";
        int64_t interval = ferry_config_int(ferry_worker_config, &t->w->config, "offset.flush.interval.ms");
        bool started = false, failed = false;
        rd_kafka_message_t **msgs = calloc(SINK_BATCH_MAX, sizeof(*msgs));

        run.rk = make_consumer(&run, errstr, sizeof(errstr));
        if (!run.rk || !msgs) {
                failed = true;
                goto out;
        }
        run.errh = ferry_errh_new(t, true, errstr, sizeof(errstr));
        if (!run.errh) {
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
                        failed = !run.stop;
                        break;
                }
                /* A source on the embedded broker waits for this commit: commit early (at most
                 * every 20 ms). */
                int64_t now = ferry_now_ms();
                if (now >= next_commit ||
                    (ferry_gate_wants_commit(run.gate_group) && now - run.last_commit_ms >= 20)) {
                        commit(&run);
                        run.last_commit_ms = now;
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
        ferry_errh_free(run.errh);
        if (started)
                t->plugin->sink->stop(t);
        FERRY_INFO(
                "Sink task stopped: %llu record(s) put, %llu dropped by transforms, %llu skipped on errors",
                (unsigned long long)run.records, (unsigned long long)run.dropped,
                (unsigned long long)run.skipped);
        rd_kafka_topic_partition_list_destroy(run.assigned);
        rd_kafka_topic_partition_list_destroy(run.consumed);
        rd_kafka_topic_partition_list_destroy(run.expected);
        free(msgs);
        ferry_log_context(NULL);
        return NULL;
}
