/* Sink task runner, one thread per task: consume from Kafka in group connect-<connector> -> convert
 * key, value and headers -> transform chain -> put() into the plugin. Every stage's failures go
 * through the task's error handler: with errors.tolerance=all a failed record is skipped (and, with
 * a dead letter queue, produced there with its original bytes and headers). Every
 * offset.flush.interval.ms (and before partitions are revoked, and at stop) the runner calls
 * flush(), waits for the dead letter queue, and then commits the offsets after the last record
 * handled, synchronously. A crash therefore repeats records only after the last commit.
 * The sink task context (Connect's SinkTaskContext) lets the task steer the runner from its
 * callbacks: seek a partition (applied before the next put, or at assignment from open()), pause
 * and resume partitions, ask for a commit, report an errant record (through the error handler),
 * and, when put() returns FERRY_ERR_RETRIABLE, have the same batch delivered again after
 * ferry_sink_task_timeout() with every partition paused meanwhile. An optional pre_commit() decides
 * which offsets are committed (storage sinks: only what is durable). */
#include "runtime/error_handler.h"
#include "kafka/embedded_gate.h"
#include "kafka/kafka.h"
#include "runtime/embedded_flow.h"
#include "runtime/transforms.h"
#include "runtime/worker.h"

#include <ferry/log.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Records per put() unless max.poll.records says otherwise (Java's consumer: 500). */
#define SINK_BATCH_DEFAULT 1000
#define SINK_BATCH_LIMIT   1000000

/* A batch put() refused with FERRY_ERR_RETRIABLE, held for redelivery. */
typedef struct {
        rd_kafka_message_t **msgs; /* as consumed */
        size_t n;
        ferry_record_t **recs; /* what put() gets */
        size_t *src;           /* recs[i] came from msgs[src[i]] */
        size_t made;
        int64_t retry_at; /* µs, monotonic: never earlier than the wait asked for */
} held_t;

typedef struct sink_run {
        ferry_task_t *t;
        rd_kafka_t *rk;
        rd_kafka_topic_partition_list_t *assigned;
        rd_kafka_topic_partition_list_t *consumed;  /* next offset to commit, per partition */
        rd_kafka_topic_partition_list_t *committed; /* what the last commit stored (pre_commit) */
        bool dirty;                                 /* records put since the last commit */
        bool paused;
        /* sink task context requests */
        rd_kafka_topic_partition_list_t *seeks;        /* offsets to seek to before the next put */
        rd_kafka_topic_partition_list_t *task_paused;  /* partitions the task paused */
        rd_kafka_topic_partition_list_t *fetch_paused; /* partitions paused in the consumer now */
        bool pauses_changed;
        bool commit_requested;
        int64_t timeout_ms; /* redelivery backoff after a retriable put() failure; 0: none set */
        size_t batch_max;   /* records per put(): max.poll.records */
        held_t *held;       /* batch waiting for redelivery */
        /* the batch put() is working on, for the errant record reporter */
        rd_kafka_message_t **cur_msgs;
        size_t cur_n;
        ferry_record_t **cur_recs;
        size_t *cur_src;
        size_t cur_made;
        bool report_failed; /* a reported record exceeded the tolerance: fail after put() */
        char report_trace[2048];
        int64_t next_commit;
        char fail[2048];
        char client_fail[1024]; /* a client error that fails the task (on_client_error) */
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

static rd_kafka_topic_partition_t *tp_find(rd_kafka_topic_partition_list_t *l, const char *topic,
                                           int32_t partition)
{
        return l ? rd_kafka_topic_partition_list_find(l, topic, partition) : NULL;
}

/* ---- sink task context, called from the task's callbacks on the runner's thread ---- */
void ferry_sink_task_seek(ferry_task_t *t, const char *topic, int32_t partition, int64_t offset)
{
        sink_run_t *run = t->sink_run;
        if (!run || !topic || offset < 0)
                return;
        rd_kafka_topic_partition_t *tp = tp_find(run->seeks, topic, partition);
        if (!tp)
                tp = rd_kafka_topic_partition_list_add(run->seeks, topic, partition);
        tp->offset = offset;
}

void ferry_sink_task_pause(ferry_task_t *t, const ferry_topic_partition_t *tps, size_t n)
{
        sink_run_t *run = t->sink_run;
        for (size_t i = 0; run && i < n; i++)
                if (!tp_find(run->task_paused, tps[i].topic, tps[i].partition))
                        rd_kafka_topic_partition_list_add(run->task_paused, tps[i].topic, tps[i].partition);
        if (run)
                run->pauses_changed = true;
}

void ferry_sink_task_resume(ferry_task_t *t, const ferry_topic_partition_t *tps, size_t n)
{
        sink_run_t *run = t->sink_run;
        for (size_t i = 0; run && i < n; i++)
                rd_kafka_topic_partition_list_del(run->task_paused, tps[i].topic, tps[i].partition);
        if (run)
                run->pauses_changed = true;
}

size_t ferry_sink_task_assignment(ferry_task_t *t, ferry_topic_partition_t *out, size_t cap)
{
        sink_run_t *run = t->sink_run;
        if (!run || !run->assigned)
                return 0;
        size_t n = (size_t)run->assigned->cnt;
        for (size_t i = 0; i < n && i < cap; i++)
                out[i] = (ferry_topic_partition_t){run->assigned->elems[i].topic,
                                                   run->assigned->elems[i].partition};
        return n;
}

void ferry_sink_task_request_commit(ferry_task_t *t)
{
        if (t->sink_run)
                t->sink_run->commit_requested = true;
}

void ferry_sink_task_timeout(ferry_task_t *t, int64_t ms)
{
        if (t->sink_run)
                t->sink_run->timeout_ms = ms > 0 ? ms : 0;
}

/* The consumed message a record of the current batch came from. */
static const rd_kafka_message_t *origin_of(sink_run_t *run, const ferry_record_t *r)
{
        for (size_t i = 0; i < run->cur_made; i++)
                if (run->cur_recs[i] == r)
                        return run->cur_msgs[run->cur_src[i]];
        for (size_t i = 0; i < run->cur_n; i++) {
                const rd_kafka_message_t *m = run->cur_msgs[i];
                if (m->partition == r->partition && m->offset == r->kafka_offset && r->topic &&
                    !strcmp(rd_kafka_topic_name(m->rkt), r->topic))
                        return m;
        }
        return NULL;
}

ferry_err_t ferry_sink_task_report(ferry_task_t *t, const ferry_record_t *r, const char *error)
{
        sink_run_t *run = t->sink_run;
        if (!run || !r)
                return FERRY_ERR_BAD_REQUEST;
        ferry_errh_ctx_t ctx = {.consumed = origin_of(run, r)};
        if (!ctx.consumed)
                FERRY_WARN("Reported record (%s-%d@%lld) is not one of the current batch: it cannot go to "
                           "the dead letter queue",
                           r->topic ? r->topic : "", (int)r->partition, (long long)r->kafka_offset);
        char trace[2048];
        if (ferry_errh_report(run->errh, FERRY_STAGE_TASK_PUT, t->plugin->info.class_name, error, &ctx, trace,
                              sizeof(trace)) == FERRY_ERRH_SKIP)
                return FERRY_ERR_OK;
        if (!run->report_failed) {
                run->report_failed = true;
                snprintf(run->report_trace, sizeof(run->report_trace), "%s", trace);
        }
        return FERRY_ERR_FATAL;
}

/* Pauses what must not be fetched: everything while the connector is paused or a batch waits for
 * redelivery, else the partitions the task paused; resumes the rest. Only partitions whose state
 * changes are touched (resuming a partition that is not paused restarts its fetch from a stale
 * position). */
static void apply_pauses(sink_run_t *run)
{
        run->pauses_changed = false;
        if (!run->assigned || run->assigned->cnt == 0)
                return;
        rd_kafka_topic_partition_list_t *pause = rd_kafka_topic_partition_list_new(run->assigned->cnt);
        rd_kafka_topic_partition_list_t *resume = rd_kafka_topic_partition_list_new(run->assigned->cnt);
        bool all = run->paused || run->held;
        for (int i = 0; i < run->assigned->cnt; i++) {
                const rd_kafka_topic_partition_t *a = &run->assigned->elems[i];
                bool want = all || tp_find(run->task_paused, a->topic, a->partition);
                bool is = tp_find(run->fetch_paused, a->topic, a->partition) != NULL;
                if (want && !is) {
                        rd_kafka_topic_partition_list_add(pause, a->topic, a->partition);
                        rd_kafka_topic_partition_list_add(run->fetch_paused, a->topic, a->partition);
                } else if (!want && is) {
                        rd_kafka_topic_partition_list_add(resume, a->topic, a->partition);
                        rd_kafka_topic_partition_list_del(run->fetch_paused, a->topic, a->partition);
                }
        }
        if (pause->cnt)
                rd_kafka_pause_partitions(run->rk, pause);
        if (resume->cnt)
                rd_kafka_resume_partitions(run->rk, resume);
        rd_kafka_topic_partition_list_destroy(pause);
        rd_kafka_topic_partition_list_destroy(resume);
}

static void expect_offset(sink_run_t *run, const char *topic, int32_t partition, int64_t offset);

/* Applies the seeks the task asked for on partitions assigned here (others wait for their
 * assignment); the next commit stores the sought offset, as Connect's rewind does. */
static void apply_seeks(sink_run_t *run)
{
        if (!run->seeks->cnt)
                return;
        rd_kafka_topic_partition_list_t *now = rd_kafka_topic_partition_list_new(run->seeks->cnt);
        for (int i = 0; i < run->seeks->cnt;) {
                rd_kafka_topic_partition_t *s = &run->seeks->elems[i];
                if (!tp_find(run->assigned, s->topic, s->partition)) {
                        i++;
                        continue;
                }
                rd_kafka_topic_partition_list_add(now, s->topic, s->partition)->offset = s->offset;
                rd_kafka_topic_partition_t *c = tp_find(run->consumed, s->topic, s->partition);
                if (!c)
                        c = rd_kafka_topic_partition_list_add(run->consumed, s->topic, s->partition);
                c->offset = s->offset;
                run->dirty = true;
                expect_offset(run, s->topic, s->partition, s->offset);
                rd_kafka_topic_partition_list_del_by_idx(run->seeks, i);
        }
        if (now->cnt) {
                rd_kafka_error_t *e = rd_kafka_seek_partitions(run->rk, now, 10000);
                if (e) {
                        FERRY_WARN("Seek requested by the task failed: %s", rd_kafka_error_string(e));
                        rd_kafka_error_destroy(e);
                }
                for (int i = 0; i < now->cnt; i++) {
                        if (now->elems[i].err)
                                FERRY_WARN("Seek of %s-%d to offset %lld failed: %s", now->elems[i].topic,
                                           (int)now->elems[i].partition, (long long)now->elems[i].offset,
                                           rd_kafka_err2str(now->elems[i].err));
                        else
                                FERRY_INFO("Seeked %s-%d to offset %lld as the task asked",
                                           now->elems[i].topic, (int)now->elems[i].partition,
                                           (long long)now->elems[i].offset);
                }
        }
        rd_kafka_topic_partition_list_destroy(now);
}

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

/* Whether every partition of a has the same offset in b. */
static bool offsets_in(const rd_kafka_topic_partition_list_t *a, rd_kafka_topic_partition_list_t *b)
{
        for (int i = 0; i < a->cnt; i++) {
                rd_kafka_topic_partition_t *x = tp_find(b, a->elems[i].topic, a->elems[i].partition);
                if (!x || x->offset != a->elems[i].offset)
                        return false;
        }
        return true;
}

/* pre_commit(): the offsets the task says are durable, of partitions still assigned here. NULL
 * when it failed or kept none. */
static rd_kafka_topic_partition_list_t *pre_commit(sink_run_t *run)
{
        size_t n = (size_t)run->consumed->cnt;
        ferry_topic_partition_offset_t *offs = calloc(n + 1, sizeof(*offs));
        if (!offs)
                return NULL;
        for (size_t i = 0; i < n; i++)
                offs[i] = (ferry_topic_partition_offset_t){run->consumed->elems[i].topic,
                                                           run->consumed->elems[i].partition,
                                                           run->consumed->elems[i].offset};
        char errstr[1024] = "";
        ferry_err_t err = run->t->plugin->sink->pre_commit(run->t, offs, &n, errstr, sizeof(errstr));
        rd_kafka_topic_partition_list_t *out = NULL;
        if (err != FERRY_ERR_OK) {
                FERRY_ERROR("preCommit failed, offsets not committed: %s", errstr);
        } else {
                out = rd_kafka_topic_partition_list_new((int)n + 1);
                for (size_t i = 0; i < n && i <= (size_t)run->consumed->cnt; i++)
                        if (offs[i].topic && offs[i].offset >= 0 &&
                            tp_find(run->assigned, offs[i].topic, offs[i].partition))
                                rd_kafka_topic_partition_list_add(out, offs[i].topic, offs[i].partition)
                                        ->offset = offs[i].offset;
                if (out->cnt == 0) {
                        rd_kafka_topic_partition_list_destroy(out);
                        out = NULL;
                }
        }
        free(offs);
        return out;
}

/* flush() (or, when the task has one, pre_commit()) then commit what was put. Returns 0 when
 * committed (or nothing to do). */
static int commit(sink_run_t *run)
{
        bool pc = run->t->plugin->sink->pre_commit != NULL;
        if ((!run->dirty && !pc) || run->consumed->cnt == 0)
                return 0;
        char errstr[1024] = "";
        rd_kafka_topic_partition_list_t *offsets = run->consumed, *durable = NULL;
        if (pc) {
                /* Called every interval even without new records: a storage sink may have made
                 * more durable since (time-based rotation). */
                durable = pre_commit(run);
                if (!durable || (run->committed && offsets_in(durable, run->committed))) {
                        if (durable)
                                rd_kafka_topic_partition_list_destroy(durable);
                        return durable ? 0 : -1;
                }
                offsets = durable;
        } else if (run->t->plugin->sink->flush(run->t, errstr, sizeof(errstr)) != FERRY_ERR_OK) {
                FERRY_ERROR("Flush failed, offsets not committed: %s", errstr);
                return -1;
        }
        /* Failed records must sit in the dead letter queue before their offsets are committed. */
        if (ferry_errh_flush(run->errh, 30000) < 0) {
                FERRY_WARN("Dead letter queue records not yet acknowledged; offsets not committed");
                if (durable)
                        rd_kafka_topic_partition_list_destroy(durable);
                return -1;
        }
        int64_t t0 = ferry_now_us();
        rd_kafka_resp_err_t err = rd_kafka_commit(run->rk, offsets, 0);
        if (!err && pc) {
                if (!run->committed)
                        run->committed = rd_kafka_topic_partition_list_new(offsets->cnt);
                for (int i = 0; i < offsets->cnt; i++) {
                        rd_kafka_topic_partition_t *c =
                                tp_find(run->committed, offsets->elems[i].topic, offsets->elems[i].partition);
                        if (!c)
                                c = rd_kafka_topic_partition_list_add(run->committed, offsets->elems[i].topic,
                                                                      offsets->elems[i].partition);
                        c->offset = offsets->elems[i].offset;
                }
        }
        if (durable)
                rd_kafka_topic_partition_list_destroy(durable);
        atomic_fetch_add(&run->t->metrics.commit_us, (uint64_t)(ferry_now_us() - t0));
        atomic_fetch_add(err ? &run->t->metrics.commit_failure : &run->t->metrics.commit_success, 1);
        if (err) {
                FERRY_WARN("Offset commit failed (will retry): %s", rd_kafka_err2str(err));
                return -1;
        }
        FERRY_DEBUG("Committed consumer offsets");
        run->dirty = false;
        if (run->gate)
                ferry_gate_committed(run->gate, run->gate_group, run->consumed);
        return 0;
}

static void set_paused(sink_run_t *run, bool paused)
{
        run->paused = paused;
        apply_pauses(run);
}

static void held_free(held_t *h)
{
        if (!h)
                return;
        for (size_t i = 0; i < h->made; i++)
                ferry_record_free(h->recs[i]);
        for (size_t i = 0; i < h->n; i++)
                rd_kafka_message_destroy(h->msgs[i]);
        free(h->recs);
        free(h->src);
        free(h->msgs);
        free(h);
}

/* The committed offsets of newly assigned partitions become their expected next offsets. */
/* Reading of a partition resumes at offset (a seek the task asked for). */
static void expect_offset(sink_run_t *run, const char *topic, int32_t partition, int64_t offset)
{
        rd_kafka_topic_partition_t *tp = rd_kafka_topic_partition_list_find(run->expected, topic, partition);
        if (!tp)
                tp = rd_kafka_topic_partition_list_add(run->expected, topic, partition);
        tp->offset = offset;
}

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
                /* open() first: it may ask for start offsets (seek), which the assignment
                 * then carries. */
                call_partitions(run, parts, true);
                for (int i = 0; i < parts->cnt; i++) {
                        rd_kafka_topic_partition_t *p = &parts->elems[i];
                        rd_kafka_topic_partition_t *s = tp_find(run->seeks, p->topic, p->partition);
                        if (s) {
                                FERRY_INFO("Starting %s-%d at offset %lld as the task asked", p->topic,
                                           (int)p->partition, (long long)s->offset);
                                p->offset = s->offset;
                                rd_kafka_topic_partition_t *c =
                                        tp_find(run->consumed, p->topic, p->partition);
                                if (!c)
                                        c = rd_kafka_topic_partition_list_add(run->consumed, p->topic,
                                                                              p->partition);
                                c->offset = s->offset;
                                run->dirty = true;
                                rd_kafka_topic_partition_list_del(run->seeks, p->topic, p->partition);
                        }
                }
                if (cooperative)
                        rd_kafka_incremental_assign(rk, parts);
                else
                        rd_kafka_assign(rk, parts);
                for (int i = 0; i < parts->cnt; i++)
                        rd_kafka_topic_partition_list_add(run->assigned, parts->elems[i].topic,
                                                          parts->elems[i].partition);
                expect_committed(run, parts);
                for (int i = 0; i < parts->cnt; i++) /* a seek from open() is where reading resumes */
                        if (parts->elems[i].offset >= 0)
                                expect_offset(run, parts->elems[i].topic, parts->elems[i].partition,
                                              parts->elems[i].offset);
                apply_pauses(run);
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
                if (run->committed)
                        rd_kafka_topic_partition_list_del(run->committed, parts->elems[i].topic,
                                                          parts->elems[i].partition);
                rd_kafka_topic_partition_list_del(run->fetch_paused, parts->elems[i].topic,
                                                  parts->elems[i].partition);
                rd_kafka_topic_partition_list_del(run->expected, parts->elems[i].topic,
                                                  parts->elems[i].partition);
        }
        if (run->held) {
                /* The held batch is dropped: revoked partitions are fetched again from their
                 * committed offsets by whoever gets them; partitions kept here seek back to it. */
                for (size_t i = 0; i < run->held->n; i++) {
                        const rd_kafka_message_t *m = run->held->msgs[i];
                        const char *topic = rd_kafka_topic_name(m->rkt);
                        rd_kafka_topic_partition_t *s = tp_find(run->seeks, topic, m->partition);
                        if (tp_find(run->assigned, topic, m->partition) && (!s || s->offset > m->offset))
                                ferry_sink_task_seek(run->t, topic, m->partition, m->offset);
                }
                held_free(run->held);
                run->held = NULL;
                run->pauses_changed = true;
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

/* Client errors: a failed SASL login fails the task, as the consumer's SaslAuthenticationException
 * fails it in Connect (librdkafka would go on retrying with the same credentials); the rest are
 * the client's own retries and only logged by it. */
static void on_client_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
        (void)rk;
        sink_run_t *run = opaque;
        if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION && !run->client_fail[0])
                snprintf(run->client_fail, sizeof(run->client_fail),
                         "org.apache.kafka.connect.errors.ConnectException: Consumer failed: "
                         "org.apache.kafka.common.errors.SaslAuthenticationException: %s",
                         reason);
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
        rd_kafka_conf_set_error_cb(conf, on_client_error);
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

/* put() of a batch; with FERRY_ERR_RETRIABLE the batch is held (taking msgs and recs) for
 * redelivery. 0 when put (or held); -1 when the task must fail (errstr set). */
static int deliver(sink_run_t *run, rd_kafka_message_t **msgs, size_t n, ferry_record_t **recs, size_t *src,
                   size_t made, char *errstr, size_t errstr_size)
{
        int rc = 0;
        run->cur_msgs = msgs;
        run->cur_n = n;
        run->cur_recs = recs;
        run->cur_src = src;
        run->cur_made = made;
        if (made) {
                ferry_errh_attempt_t a = {0};
                for (;;) {
                        int64_t t0 = ferry_now_us();
                        ferry_err_t err = run->t->plugin->sink->put(run->t, recs, made, errstr, errstr_size);
                        atomic_fetch_add(&run->t->metrics.put_us, (uint64_t)(ferry_now_us() - t0));
                        atomic_fetch_add(&run->t->metrics.put_batches, 1);
                        if (run->report_failed) {
                                snprintf(errstr, errstr_size, "%s", run->report_trace);
                                rc = -1;
                                break;
                        }
                        if (err == FERRY_ERR_OK)
                                break;
                        if (err == FERRY_ERR_RETRIABLE) {
                                /* As Connect does with RetriableException: nothing of the batch is
                                 * committed, fetching pauses, and the same records come again. */
                                int64_t now = ferry_now_ms();
                                int64_t wait = run->timeout_ms > 0      ? run->timeout_ms
                                               : run->next_commit > now ? run->next_commit - now
                                                                        : 0;
                                FERRY_INFO("put() asked to retry (%s): the batch of %zu record(s) is "
                                           "delivered again in %lld ms",
                                           errstr, made, (long long)wait);
                                held_t *h = calloc(1, sizeof(*h));
                                rd_kafka_message_t **hm = h ? calloc(n, sizeof(*hm)) : NULL;
                                if (!hm) {
                                        free(h);
                                        snprintf(errstr, errstr_size, "out of memory");
                                        rc = -1;
                                        break;
                                }
                                memcpy(hm, msgs, n * sizeof(*hm));
                                *h = (held_t){hm, n, recs, src, made, ferry_now_us() + wait * 1000};
                                run->held = h;
                                run->cur_made = run->cur_n = 0;
                                apply_pauses(run);
                                return 0;
                        }
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
        run->cur_made = run->cur_n = 0;
        if (rc == 0) {
                for (size_t i = 0; i < n; i++)
                        note_consumed(run, msgs[i]);
                for (size_t i = 0; i < made; i++)
                        ferry_task_note_topic(run->t, recs[i]->topic);
                run->records += made;
                atomic_fetch_add(&run->t->metrics.send_records, made);
                /* Seeks asked for during put() move the position (and the next commit) back. */
                apply_seeks(run);
        }
        for (size_t i = 0; i < made; i++)
                ferry_record_free(recs[i]);
        free(recs);
        free(src);
        for (size_t i = 0; i < n; i++)
                rd_kafka_message_destroy(msgs[i]);
        return rc;
}

/* A held batch: delivered again once its time came; meanwhile the (paused) consumer is served. */
static int redeliver(sink_run_t *run, char *errstr, size_t errstr_size)
{
        held_t *h = run->held;
        int64_t left = (h->retry_at - ferry_now_us() + 999) / 1000; /* ms, rounded up */
        if (left > 0) {
                rd_kafka_message_t *m = rd_kafka_consumer_poll(run->rk, left < 200 ? (int)left : 200);
                if (m && !m->err && run->held) {
                        /* Fetched before the pause took hold: read it again after the batch. */
                        const char *topic = rd_kafka_topic_name(m->rkt);
                        rd_kafka_topic_partition_t *s = tp_find(run->seeks, topic, m->partition);
                        if (!s || s->offset > m->offset)
                                ferry_sink_task_seek(run->t, topic, m->partition, m->offset);
                }
                if (m)
                        rd_kafka_message_destroy(m);
                ferry_errh_poll(run->errh);
                return 0;
        }
        run->held = NULL;
        FERRY_INFO("Delivering the held batch of %zu record(s) again", h->made);
        rd_kafka_message_t **msgs = h->msgs;
        size_t n = h->n;
        int rc = deliver(run, msgs, n, h->recs, h->src, h->made, errstr, errstr_size);
        free(msgs); /* the pointer array (held again: the new hold has its own copy) */
        free(h);
        if (!run->held)
                apply_pauses(run);
        return rc;
}

/* The records a put() gets at most: the consumer's max.poll.records, from the connector's
 * consumer.override. or the worker's consumer. keys as for the Java consumer. -1 with a message
 * naming the key when it is not a number from 1 on. */
static int batch_size(ferry_task_t *t, size_t *out, char *errstr, size_t errstr_size)
{
        const char *key = "consumer.override.max.poll.records";
        const char *v = ferry_strmap_get(&t->conn_config, key);
        if (!v) {
                key = "consumer.max.poll.records";
                v = ferry_strmap_get(&t->w->config, key);
        }
        *out = SINK_BATCH_DEFAULT;
        if (!v)
                return 0;
        char *end;
        errno = 0;
        long long n = strtoll(v, &end, 10);
        if (errno || end == v || *end || n < 1 || n > SINK_BATCH_LIMIT) {
                snprintf(errstr, errstr_size,
                         "org.apache.kafka.common.config.ConfigException: Invalid value %s for configuration "
                         "%s: %s",
                         v, key,
                         errno || end == v || *end ? "Not a number of type INT"
                         : n < 1                   ? "Value must be at least 1"
                                                   : "Value must be no more than 1000000");
                return -1;
        }
        *out = (size_t)n;
        return 0;
}

/* After a poll that brought nothing: put() with no records for tasks that asked for it (their
 * background writes report in). -1 when the task must fail (errstr set). */
static int idle_put(sink_run_t *run, char *errstr, size_t errstr_size)
{
        const ferry_sink_task_ops_t *ops = run->t->plugin->sink;
        if (run->paused || !FERRY_HAS_MEMBER(ops->size, ferry_sink_task_ops_t, put_when_idle) ||
            !ops->put_when_idle)
                return 0;
        ferry_err_t err = ops->put(run->t, NULL, 0, errstr, errstr_size);
        return err == FERRY_ERR_OK || err == FERRY_ERR_RETRIABLE ? 0 : -1;
}

/* Polls up to one batch and puts it. -1 when the task must fail (errstr set). */
static int consume_batch(sink_run_t *run, rd_kafka_message_t **msgs, char *errstr, size_t errstr_size)
{
        size_t n = 0;
        /* On the embedded broker a source may be waiting for this task's next commit, which is
         * checked between polls: wait less for records there. */
        rd_kafka_message_t *m = rd_kafka_consumer_poll(run->rk, run->gate ? 10 : 200);
        while (m) {
                if (m->err == RD_KAFKA_RESP_ERR__AUTHENTICATION) {
                        /* A failed SASL login fails the task, as the consumer's
                         * SaslAuthenticationException does in Connect (librdkafka would go on
                         * retrying with the same credentials). */
                        snprintf(errstr, errstr_size,
                                 "org.apache.kafka.connect.errors.ConnectException: Consumer failed: "
                                 "org.apache.kafka.common.errors.SaslAuthenticationException: %s",
                                 rd_kafka_message_errstr(m));
                        rd_kafka_message_destroy(m);
                        for (size_t i = 0; i < n; i++)
                                rd_kafka_message_destroy(msgs[i]);
                        return -1;
                }
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
                if (n == run->batch_max)
                        break;
                m = rd_kafka_consumer_poll(run->rk, 0);
        }
        ferry_errh_poll(run->errh);
        if (run->client_fail[0]) {
                snprintf(errstr, errstr_size, "%s", run->client_fail);
                for (size_t i = 0; i < n; i++)
                        rd_kafka_message_destroy(msgs[i]);
                return -1;
        }
        if (n == 0)
                return idle_put(run, errstr, errstr_size);
        if (check_continuity(run, msgs, n, errstr, errstr_size) < 0) {
                for (size_t i = 0; i < n; i++)
                        rd_kafka_message_destroy(msgs[i]);
                return -1;
        }
        atomic_fetch_add(&run->t->metrics.read_records, n);
        ferry_record_t **recs = calloc(n, sizeof(*recs));
        size_t *src = calloc(n, sizeof(*src));
        int rc = recs && src ? 0 : -1;
        size_t made = 0;
        for (size_t i = 0; rc == 0 && i < n; i++) {
                ferry_record_t *r = NULL;
                int st = to_record(run, msgs[i], &r, errstr, errstr_size);
                if (st == STAGE_FAIL) {
                        rc = -1;
                } else if (st == STAGE_SKIP) {
                        run->skipped++;
                } else if (!r) {
                        run->dropped++;
                } else {
                        src[made] = i;
                        recs[made++] = r;
                }
        }
        if (rc < 0) {
                for (size_t i = 0; recs && i < made; i++)
                        ferry_record_free(recs[i]);
                free(recs);
                free(src);
                for (size_t i = 0; i < n; i++)
                        rd_kafka_message_destroy(msgs[i]);
                return -1;
        }
        /* deliver() owns the messages from here; msgs is the caller's reusable array, so a held
         * batch copies the pointers. */
        return deliver(run, msgs, n, recs, src, made, errstr, errstr_size);
}

void *ferry_sink_task_main(void *arg)
{
        ferry_task_t *t = arg;
        ferry_log_context(t->ctx);
        sink_run_t run = {.t = t};
        run.assigned = rd_kafka_topic_partition_list_new(8);
        run.consumed = rd_kafka_topic_partition_list_new(8);
        run.seeks = rd_kafka_topic_partition_list_new(4);
        run.task_paused = rd_kafka_topic_partition_list_new(4);
        run.fetch_paused = rd_kafka_topic_partition_list_new(4);
        t->sink_run = &run;
        run.expected = rd_kafka_topic_partition_list_new(8);
        run.gate = ferry_flow_gate(t);
        run.gate_group = run.gate ? ferry_gate_group(run.gate, t->connector) : NULL;
        char errstr[4096] = "";
        int64_t interval = ferry_config_int(ferry_worker_config, &t->w->config, "offset.flush.interval.ms");
        bool started = false, failed = false;
        rd_kafka_message_t **msgs = NULL;
        if (batch_size(t, &run.batch_max, errstr, sizeof(errstr)) < 0) {
                failed = true;
                goto out;
        }
        msgs = calloc(run.batch_max, sizeof(*msgs));

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
        run.next_commit = ferry_now_ms() + interval;
        while (!atomic_load(&t->stopping)) {
                bool want_pause = atomic_load(&t->target) != FERRY_TARGET_STARTED;
                if (want_pause != run.paused) {
                        set_paused(&run, want_pause);
                        ferry_task_set_state(t, want_pause ? FERRY_STATE_PAUSED : FERRY_STATE_RUNNING, NULL);
                }
                if (run.pauses_changed)
                        apply_pauses(&run);
                apply_seeks(&run);
                int rc = run.held ? redeliver(&run, errstr, sizeof(errstr))
                                  : consume_batch(&run, msgs, errstr, sizeof(errstr));
                if (rc < 0) {
                        failed = !run.stop;
                        break;
                }
                /* A source on the embedded broker waits for this commit: commit early (at most
                 * every 20 ms). */
                int64_t now = ferry_now_ms();
                if (run.commit_requested || now >= run.next_commit ||
                    (ferry_gate_wants_commit(run.gate_group) && now - run.last_commit_ms >= 20)) {
                        run.commit_requested = false;
                        commit(&run);
                        run.last_commit_ms = now;
                        run.next_commit = ferry_now_ms() + interval;
                }
        }
out:
        if (failed)
                ferry_task_set_state(t, FERRY_STATE_FAILED, errstr);
        held_free(run.held); /* never put: not committed, fetched again by the next owner */
        run.held = NULL;
        if (run.rk) {
                if (started && !failed)
                        commit(&run);
                rd_kafka_consumer_close(run.rk);
                rd_kafka_destroy(run.rk);
        }
        ferry_errh_free(run.errh);
        run.errh = NULL;
        if (started)
                t->plugin->sink->stop(t);
        t->sink_run = NULL;
        FERRY_INFO(
                "Sink task stopped: %llu record(s) put, %llu dropped by transforms, %llu skipped on errors",
                (unsigned long long)run.records, (unsigned long long)run.dropped,
                (unsigned long long)run.skipped);
        rd_kafka_topic_partition_list_destroy(run.assigned);
        rd_kafka_topic_partition_list_destroy(run.consumed);
        rd_kafka_topic_partition_list_destroy(run.seeks);
        rd_kafka_topic_partition_list_destroy(run.task_paused);
        rd_kafka_topic_partition_list_destroy(run.fetch_paused);
        if (run.committed)
                rd_kafka_topic_partition_list_destroy(run.committed);
        rd_kafka_topic_partition_list_destroy(run.expected);
        free(msgs);
        ferry_log_context(NULL);
        return NULL;
}
