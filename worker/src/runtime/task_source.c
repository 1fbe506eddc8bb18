/* Source task runner, one thread per task: poll() the plugin -> transform chain -> convert key,
 * value and headers -> (create the topic once, topic.creation.*) -> produce. Each record takes its
 * place in its source partition's queue before it is transformed; the partition's committable offset
 * advances only over the acknowledged prefix of that queue. A record the chain drops, or that the
 * error handler skips (errors.tolerance=all), is acknowledged at once without being produced, so
 * its offset still advances in order. Committable offsets go to the offset store every
 * offset.flush.interval.ms and when the task stops: an offset is never committed for a record
 * Kafka has not acknowledged. Failures of every stage go through the task's error handler.
 * Tasks with the optional commit_record op get each record back (as poll() returned it) once Kafka
 * acknowledged it, or once it was dropped or skipped; the optional commit op runs after every
 * offset flush.
 * Exactly-once (exactly.once.source.support=enabled): the producer is transactional; records go
 * out in transactions ended at each transaction.boundary (poll, interval, or where the task's
 * TransactionContext asks), and each commit carries the offsets its records reached, written to
 * the offsets topic inside the same transaction (runtime/source_txn.c) instead of the periodic
 * flush. A failure aborts the open transaction. */
#include "runtime/error_handler.h"
#include "runtime/exactly_once.h"
#include "runtime/source_run.h"
#include "runtime/source_txn.h"
#include "kafka/embedded_gate.h"
#include "kafka/kafka.h"
#include "runtime/embedded_flow.h"
#include "kafka/topic_creation.h"
#include "runtime/transforms.h"
#include "runtime/worker.h"

#include <ferry/buf.h>
#include <ferry/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The CreateTime of a record without one: the wall clock, read again every 32 records (and at
 * every poll) instead of once per record by the client. */
static int64_t create_time(source_run_t *run)
{
        if (run->now_count++ % 32 == 0) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                run->now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        }
        return run->now_ms;
}

/* The topic handle for name, reusing the last one (records of a task mostly share a topic). A
 * topic met for the first time is created first when the connector uses topic creation. */
static rd_kafka_topic_t *topic_handle(source_run_t *run, const char *name, char *errstr, size_t errstr_size)
{
        if (run->rkt && !strcmp(rd_kafka_topic_name(run->rkt), name))
                return run->rkt;
        if (run->rkt)
                rd_kafka_topic_destroy(run->rkt);
        run->rkt = NULL;
        if (ferry_topic_creation_ensure(run->tc, run->rk, name, errstr, errstr_size) < 0)
                return NULL;
        run->rkt = rd_kafka_topic_new(run->rk, name, NULL);
        if (!run->rkt)
                snprintf(errstr, errstr_size, "cannot use topic %s: %s", name,
                         rd_kafka_err2str(rd_kafka_last_error()));
        return run->rkt;
}

static pending_t *pending_get(source_run_t *run)
{
        pending_t *e = run->spare;
        if (!e)
                return calloc(1, sizeof(*e));
        run->spare = e->next;
        memset(e, 0, sizeof(*e));
        return e;
}

/* Hands the record back to the task's commit_record() (md NULL: not produced) and frees it. */
static void record_done(source_run_t *run, pending_t *e, const ferry_record_metadata_t *md)
{
        if (!e->notify)
                return;
        e->notify = false;
        if (!run->task_stopped)
                run->t->plugin->source->commit_record(run->t, e->rec, md);
        ferry_record_free(e->rec);
        e->rec = NULL;
}

static void pending_put(source_run_t *run, pending_t *e)
{
        ferry_record_free(e->rec);
        e->rec = NULL;
        e->next = run->spare;
        run->spare = e;
}

/* Frees an entry that sits in no partition's queue (its record had no source partition). An entry
 * in a queue stays there unacknowledged, so no offset at or after it commits. */
static void drop_unqueued(source_run_t *run, pending_t *e)
{
        if (!e->part) {
                ferry_value_free(e->offset);
                pending_put(run, e);
        }
}

static void advance(source_run_t *run, part_t *p)
{
        while (p->head && p->head->acked) {
                pending_t *e = p->head;
                p->head = e->next;
                if (!p->head)
                        p->tail = NULL;
                if (e->offset) { /* a record without an offset does not move it */
                        ferry_value_free(p->committable);
                        p->committable = e->offset;
                }
                pending_put(run, e);
        }
}

/* Acknowledges an entry that will not be produced (dropped by the chain, or skipped). */
static void ack_unproduced(source_run_t *run, pending_t *e)
{
        record_done(run, e, NULL);
        if (!e->part) {
                ferry_value_free(e->offset);
                pending_put(run, e);
                return;
        }
        e->acked = true;
        advance(run, e->part);
}

static void log_skip(source_run_t *run, const char *what, const char *why)
{
        int64_t now = ferry_now_ms();
        if (now - run->last_skip_log >= 10000) {
                FERRY_WARN("Skipping a record (errors.tolerance=all): %s: %s", what, why);
                run->last_skip_log = now;
        }
}

/* Client errors: a failed SASL login fails the task, as the producer's SaslAuthenticationException
 * fails it in Connect (librdkafka would go on retrying with the same credentials); the rest are
 * the client's own retries and only logged by it. */
static void on_client_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
        (void)rk;
        source_run_t *run = opaque;
        if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION && !run->fail[0])
                snprintf(run->fail, sizeof(run->fail),
                         "org.apache.kafka.connect.errors.ConnectException: Unrecoverable exception from "
                         "producer send callback: "
                         "org.apache.kafka.common.errors.SaslAuthenticationException: %s",
                         reason);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
        source_run_t *run = opaque;
        pending_t *e = m->_private;
        if (!e) { /* an offset record of an exactly-once transaction */
                if (m->err && !run->fail[0])
                        snprintf(run->fail, sizeof(run->fail),
                                 "org.apache.kafka.connect.errors.ConnectException: failed to write offsets: "
                                 "%s",
                                 rd_kafka_err2str(m->err));
                return;
        }
        run->in_flight--;
        size_t bytes = m->len + m->key_len;
        run->in_flight_bytes -= bytes < run->in_flight_bytes ? bytes : run->in_flight_bytes;
        if (run->gate) {
                rd_kafka_headers_t *hdrs = NULL;
                if (rd_kafka_message_headers(m, &hdrs))
                        hdrs = NULL;
                size_t est = ferry_gate_record_bytes(m->key_len, m->len, hdrs);
                if (m->err)
                        ferry_gate_release(run->gate, rd_kafka_topic_name(m->rkt), est);
                else
                        ferry_gate_delivered(run->gate, rd_kafka_topic_name(m->rkt), m->partition, m->offset,
                                             est);
        }
        if (m->err && ferry_errh_tolerates_all(run->errh)) {
                /* As Connect does with errors.tolerance=all: the record is skipped, its offset moves on. */
                log_skip(run, "producer send callback", rd_kafka_err2str(m->err));
                run->skipped++;
                ack_unproduced(run, e);
                return;
        }
        if (m->err) {
                if (!run->fail[0])
                        snprintf(run->fail, sizeof(run->fail),
                                 "org.apache.kafka.connect.errors.ConnectException: Unrecoverable exception "
                                 "from "
                                 "producer send callback: %s (topic %s)",
                                 rd_kafka_err2str(m->err), rd_kafka_topic_name(m->rkt));
                /* Never acknowledged: the offset stays uncommitted. */
                e->acked = false;
                drop_unqueued(run, e);
                return;
        }
        run->acked++;
        atomic_fetch_add(&run->t->metrics.write_records, 1);
        if (e->notify) {
                rd_kafka_timestamp_type_t tt;
                ferry_record_metadata_t md = {rd_kafka_topic_name(m->rkt), m->partition, m->offset,
                                              rd_kafka_message_timestamp(m, &tt)};
                record_done(run, e, &md);
        }
        if (!e->part) {
                ferry_value_free(e->offset);
                pending_put(run, e);
                return;
        }
        e->acked = true;
        advance(run, e->part);
}

static part_t *part_for(source_run_t *run, ferry_value_t *partition)
{
        if (run->last &&
            (run->last->partition == partition || ferry_value_equal(run->last->partition, partition)))
                return run->last;
        for (size_t i = 0; i < run->n_parts; i++)
                if (ferry_value_equal(run->parts[i].partition, partition))
                        return run->last = &run->parts[i];
        if (run->n_parts == run->cap_parts) {
                /* Pending entries point at parts: grow only by allocating a fresh array when none
                 * are in flight; otherwise pointers must stay put, so parts are never moved. */
                size_t cap = run->cap_parts ? run->cap_parts * 2 : 8;
                part_t *np = calloc(cap, sizeof(*np));
                if (!np)
                        return NULL;
                if (run->n_parts)
                        memcpy(np, run->parts, run->n_parts * sizeof(*np));
                for (size_t i = 0; i < run->n_parts; i++)
                        for (pending_t *e = np[i].head; e; e = e->next)
                                e->part = &np[i];
                free(run->parts);
                run->parts = np;
                run->cap_parts = cap;
        }
        part_t *p = &run->parts[run->n_parts++];
        memset(p, 0, sizeof(*p));
        /* A reference, not a copy: connectors that share one partition value across records
         * (ferry_value_ref) then match by pointer. */
        p->partition = ferry_value_ref(partition);
        return run->last = p;
}

static void commit_offsets(source_run_t *run)
{
        ferry_task_t *t = run->t;
        ferry_offsets_t *store = t->own_offsets ? t->own_offsets : t->w->offsets;
        if (!store)
                return;
        ferry_value_t **parts = calloc(run->n_parts + 1, sizeof(*parts));
        ferry_value_t **offs = calloc(run->n_parts + 1, sizeof(*offs));
        size_t n = 0;
        for (size_t i = 0; parts && offs && i < run->n_parts; i++) {
                if (!run->parts[i].committable)
                        continue;
                parts[n] = run->parts[i].partition;
                offs[n++] = run->parts[i].committable;
        }
        if (n) {
                char err[512];
                int64_t t0 = ferry_now_us();
                int crc = ferry_offsets_commit(store, t->connector, parts, offs, n, err, sizeof(err));
                atomic_fetch_add(&t->metrics.commit_us, (uint64_t)(ferry_now_us() - t0));
                atomic_fetch_add(crc < 0 ? &t->metrics.commit_failure : &t->metrics.commit_success, 1);
                if (crc < 0) {
                        FERRY_ERROR("Failed to commit offsets: %s", err);
                } else {
                        /* As Connect: the worker's topic gets a copy of a connector's own. */
                        if (store != t->w->offsets && t->w->offsets &&
                            ferry_offsets_commit(t->w->offsets, t->connector, parts, offs, n, err,
                                                 sizeof(err)) < 0)
                                FERRY_WARN("Failed to copy offsets to the worker's offsets topic: %s", err);
                        for (size_t i = 0; i < run->n_parts; i++) {
                                ferry_value_free(run->parts[i].committable);
                                run->parts[i].committable = NULL;
                        }
                        FERRY_DEBUG("Committed offsets of %zu source partition(s)", n);
                        if (t->plugin->source->commit && !run->task_stopped)
                                t->plugin->source->commit(t);
                }
        } else if (t->plugin->source->commit && !run->task_stopped) {
                t->plugin->source->commit(t); /* nothing new to store: the task may still act */
        }
        free(parts);
        free(offs);
}

/* The record's place in its source partition's queue (taking its source offset). */
static pending_t *enqueue(source_run_t *run, ferry_record_t *r)
{
        pending_t *e = pending_get(run);
        if (!e)
                return NULL;
        if (r->source_partition) {
                e->part = part_for(run, r->source_partition);
                if (!e->part) {
                        pending_put(run, e);
                        return NULL;
                }
        }
        e->offset = r->source_offset;
        r->source_offset = NULL;
        if (e->part && e->offset)
                e->part->sent = e->offset;
        if (e->part) {
                if (e->part->tail)
                        e->part->tail->next = e;
                else
                        e->part->head = e;
                e->part->tail = e;
        }
        return e;
}

/* Outcome of one guarded stage. */
enum { STAGE_OK = 0, STAGE_SKIP = 1, STAGE_FAIL = -1 };

static int on_failure(source_run_t *run, ferry_errh_attempt_t *a, ferry_stage_t stage, const char *cls,
                      ferry_err_t err, const char *msg, const ferry_record_t *r, char *errstr,
                      size_t errstr_size)
{
        ferry_errh_ctx_t ctx = {.record = r};
        switch (ferry_errh_failed(run->errh, a, stage, cls, err, msg, &ctx, errstr, errstr_size)) {
        case FERRY_ERRH_RETRY:
                return 2;
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

/* Converted bytes: in the runner's buffer, or borrowed from the record's own value. */
typedef struct {
        char *p; /* not written to: librdkafka copies it (RD_KAFKA_MSG_F_COPY) */
        size_t len;
        bool is_null;
} bytes_t;

/* One converter call under the error handler. A converter whose bytes for this value are the
 * value's own (StringConverter and a STRING) lends them (librdkafka copies them) instead of
 * having them copied twice. */
static int convert(source_run_t *run, ferry_stage_t stage, const ferry_conv_t *conv, const ferry_record_t *r,
                   const ferry_schema_t *schema, const ferry_value_t *value, ferry_buf_t *out, bytes_t *b,
                   char *errstr, size_t errstr_size)
{
        const void *lent;
        size_t lent_len;
        if (conv->plugin->borrow && conv->plugin->borrow(conv->state, schema, value, &lent, &lent_len)) {
                *b = (bytes_t){(char *)lent, lent_len, false};
                return STAGE_OK;
        }
        ferry_errh_attempt_t a = {0};
        for (;;) {
                ferry_buf_reset(out);
                b->is_null = false;
                ferry_err_t err = conv->plugin->from_connect(conv->state, r->topic, schema, value, out,
                                                             &b->is_null, errstr, errstr_size);
                if (err == FERRY_ERR_OK) {
                        b->p = b->is_null ? NULL : out->p;
                        b->len = b->is_null ? 0 : out->len;
                        return STAGE_OK;
                }
                char msg[1024];
                snprintf(msg, sizeof(msg), "%.1000s", errstr);
                int rc = on_failure(run, &a, stage, conv->plugin->info.class_name, err, msg, r, errstr,
                                    errstr_size);
                if (rc != 2)
                        return rc;
        }
}

/* Headers through the header converter into Kafka headers (*out NULL when the record has none). */
static int convert_headers(source_run_t *run, const ferry_record_t *r, rd_kafka_headers_t **out, char *errstr,
                           size_t errstr_size)
{
        *out = NULL;
        if (!r->n_headers)
                return STAGE_OK;
        ferry_task_t *t = run->t;
        rd_kafka_headers_t *h = rd_kafka_headers_new(r->n_headers);
        for (size_t i = 0; i < r->n_headers; i++) {
                bytes_t b;
                int rc = convert(run, FERRY_STAGE_HEADER_CONVERTER, &t->header_conv, r, r->headers[i].schema,
                                 r->headers[i].value, &run->header, &b, errstr, errstr_size);
                if (rc != STAGE_OK) {
                        rd_kafka_headers_destroy(h);
                        return rc;
                }
                rd_kafka_header_add(h, r->headers[i].key, -1, b.p, (ssize_t)b.len);
        }
        *out = h;
        return STAGE_OK;
}

/* A refused message of a flushed batch: skipped under errors.tolerance=all, else the task fails
 * (the record stays unacknowledged in its queue, so nothing after it commits). */
static int batch_refused(source_run_t *run, pending_t *e, const char *topic, rd_kafka_resp_err_t err,
                         char *errstr, size_t errstr_size)
{
        /* No room is no fault of the record: never skipped (flush_stage leaves room, so it is
         * not expected at all). */
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL && ferry_errh_tolerates_all(run->errh)) {
                log_skip(run, topic, rd_kafka_err2str(err));
                run->skipped++;
                ack_unproduced(run, e);
                return 0;
        }
        snprintf(errstr, errstr_size,
                 "org.apache.kafka.connect.errors.ConnectException: failed to send record to %s: %s", topic,
                 rd_kafka_err2str(err));
        drop_unqueued(run, e);
        return -1;
}

/* Forgets the staged records: they were never handed to the client, so never acknowledged. */
static void drop_staged(source_run_t *run)
{
        for (size_t i = 0; i < run->n_stage; i++)
                drop_unqueued(run, run->stage[i].e);
        run->n_stage = 0;
        run->stage_bytes.len = 0;
}

/* Hands the staged records to the client in one call (one lock and one clock reading for all,
 * instead of per record), after waiting until the client's queue has room for all of them. */
static int flush_stage(source_run_t *run, char *errstr, size_t errstr_size)
{
        size_t n = run->n_stage;
        if (!n)
                return 0;
        size_t bytes = run->stage_bytes.len;
        while ((run->in_flight && run->in_flight + n > run->max_msgs / 2) ||
               (run->in_flight_bytes && run->in_flight_bytes + bytes > run->max_bytes / 2)) {
                if (atomic_load(&run->t->stopping)) {
                        /* Stopping with the client full (the broker away): these records are not
                         * sent; they stay unacknowledged, so no offset at or after them commits. */
                        drop_staged(run);
                        return 0;
                }
                rd_kafka_poll(run->rk, 100); /* serve acknowledgements until there is room */
        }
        /* On the embedded broker: wait until the topic's sinks have room for these records. */
        if (run->gate &&
            ferry_flow_admit(run->t, run->rk, rd_kafka_topic_name(run->rkt),
                             bytes + n * ferry_gate_record_bytes(0, 0, NULL), run->max_batch) < 0) {
                drop_staged(run);
                return 0;
        }
        run->n_stage = 0;
        for (size_t i = 0; i < n; i++) {
                struct staged *x = &run->stage[i];
                rd_kafka_message_t *m = &run->msgs[i];
                memset(m, 0, sizeof(*m));
                m->partition = RD_KAFKA_PARTITION_UA;
                m->payload = x->vnull ? NULL : run->stage_bytes.p + x->voff;
                m->len = x->vnull ? 0 : x->vlen;
                m->key = x->knull ? NULL : run->stage_bytes.p + x->koff;
                m->key_len = x->knull ? 0 : x->klen;
                m->_private = x->e;
        }
        int ok = rd_kafka_produce_batch(run->rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, run->msgs,
                                        (int)n);
        run->stage_bytes.len = 0;
        if (ok > 0)
                ferry_task_note_topic(run->t, rd_kafka_topic_name(run->rkt));
        int rc = 0;
        for (size_t i = 0; i < n; i++) {
                rd_kafka_message_t *m = &run->msgs[i];
                if (!m->err) {
                        run->in_flight++;
                        run->in_flight_bytes += m->len + m->key_len;
                        run->produced++;
                        continue;
                }
                if (run->gate)
                        ferry_gate_release(run->gate, rd_kafka_topic_name(run->rkt),
                                           ferry_gate_record_bytes(m->key_len, m->len, NULL));
                if (rc == 0) {
                        rc = batch_refused(run, m->_private, rd_kafka_topic_name(run->rkt), m->err, errstr,
                                           errstr_size);
                } else {
                        drop_unqueued(run, m->_private);
                }
        }
        return rc;
}

static bool stage_append(source_run_t *run, const bytes_t *b, size_t *off, size_t *len, bool *null)
{
        *null = b->is_null || !b->p;
        *off = run->stage_bytes.len;
        *len = *null ? 0 : b->len;
        return *null || !b->len || ferry_buf_append(&run->stage_bytes, b->p, b->len) == 0;
}

/* Adds a converted record to the stage (the bytes are copied; the caller frees the record),
 * flushing first when the topic changes or the stage is full. */
static int stage_record(source_run_t *run, const ferry_record_t *r, pending_t *e, const bytes_t *kb,
                        const bytes_t *vb, char *errstr, size_t errstr_size)
{
        if (run->n_stage && (run->n_stage == STAGE_MAX || strcmp(rd_kafka_topic_name(run->rkt), r->topic)))
                if (flush_stage(run, errstr, errstr_size) < 0)
                        return -1;
        if (!topic_handle(run, r->topic, errstr, errstr_size))
                return -1;
        if (!run->stage) {
                run->stage = calloc(STAGE_MAX, sizeof(*run->stage));
                run->msgs = calloc(STAGE_MAX, sizeof(*run->msgs));
                if (!run->stage || !run->msgs) {
                        snprintf(errstr, errstr_size, "out of memory");
                        return -1;
                }
        }
        struct staged *x = &run->stage[run->n_stage];
        x->e = e;
        if (!stage_append(run, kb, &x->koff, &x->klen, &x->knull) ||
            !stage_append(run, vb, &x->voff, &x->vlen, &x->vnull)) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        run->n_stage++;
        return 0;
}

/* Transforms, converts and produces one record (taking it). 0, or -1 with errstr (the trace). */
static int send_record(source_run_t *run, ferry_record_t *r, char *errstr, size_t errstr_size)
{
        ferry_task_t *t = run->t;
        if (run->txn && !run->in_txn) {
                if (ferry_txn_begin(run->rk, &run->fenced, errstr, errstr_size) < 0) {
                        ferry_record_free(r);
                        return -1;
                }
                run->in_txn = true;
        }
        /* The record as poll() returned it, for commit_record() (before enqueue takes its offset);
         * no copy for a task whose commit_record() does not read it. */
        const ferry_source_task_ops_t *ops = t->plugin->source;
        bool notify = ops->commit_record != NULL;
        ferry_record_t *orig = notify && !ops->commit_record_without_record ? ferry_record_copy(r) : NULL;
        pending_t *e = notify && !ops->commit_record_without_record && !orig ? NULL : enqueue(run, r);
        if (!e) {
                ferry_record_free(orig);
                ferry_record_free(r);
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        e->rec = orig;
        e->notify = notify;
        if (ferry_transform_chain_size(t->chain)) {
                ferry_record_t *out = NULL;
                ferry_errh_attempt_t a = {0};
                /* Keep a copy only when the failure would be logged with the record. */
                ferry_err_t err = ferry_transform_chain_apply(t->chain, r, &out, errstr, errstr_size);
                if (err != FERRY_ERR_OK) {
                        char msg[1024];
                        snprintf(msg, sizeof(msg), "%.1000s", errstr);
                        /* The chain consumed the record: a transformation is not retried. */
                        int rc = on_failure(run, &a, FERRY_STAGE_TRANSFORMATION,
                                            ferry_transform_chain_failed_class(t->chain),
                                            err == FERRY_ERR_RETRIABLE ? FERRY_ERR_TRANSFORM : err, msg, NULL,
                                            errstr, errstr_size);
                        if (rc == STAGE_SKIP) {
                                run->skipped++;
                                ack_unproduced(run, e);
                                return 0;
                        }
                        return -1; /* e stays unacknowledged: nothing after it commits */
                }
                if (!out) {
                        run->dropped++;
                        atomic_fetch_add(&t->metrics.filtered, 1);
                        ack_unproduced(run, e);
                        return 0;
                }
                r = out;
        }
        bytes_t kb, vb;
        rd_kafka_headers_t *hdrs = NULL;
        int rc = convert(run, FERRY_STAGE_KEY_CONVERTER, &t->key_conv, r, r->key_schema, r->key, &run->key,
                         &kb, errstr, errstr_size);
        if (rc == STAGE_OK)
                rc = convert(run, FERRY_STAGE_VALUE_CONVERTER, &t->value_conv, r, r->value_schema, r->value,
                             &run->value, &vb, errstr, errstr_size);
        if (rc == STAGE_OK)
                rc = convert_headers(run, r, &hdrs, errstr, errstr_size);
        if (rc != STAGE_OK) {
                ferry_record_free(r);
                if (rc == STAGE_SKIP) {
                        run->skipped++;
                        ack_unproduced(run, e);
                        return 0;
                }
                return -1;
        }
        if (!hdrs && r->timestamp <= 0 && r->partition < 0) {
                rc = stage_record(run, r, e, &kb, &vb, errstr, errstr_size);
                ferry_record_free(r);
                return rc;
        }
        /* Records that need the per-record call go after everything staged before them. */
        if (flush_stage(run, errstr, errstr_size) < 0) {
                if (hdrs)
                        rd_kafka_headers_destroy(hdrs);
                ferry_record_free(r);
                return -1;
        }
        size_t est = run->gate ? ferry_gate_record_bytes(kb.len, vb.len, hdrs) : 0;
        if (run->gate && ferry_flow_admit(t, run->rk, r->topic, est, run->max_batch) < 0) {
                /* Stopping while held back: not sent, so never acknowledged. */
                if (hdrs)
                        rd_kafka_headers_destroy(hdrs);
                ferry_record_free(r);
                drop_unqueued(run, e);
                return 0;
        }
        for (;;) {
                int64_t ts = r->timestamp > 0 ? r->timestamp : create_time(run);
                rd_kafka_topic_t *rkt = topic_handle(run, r->topic, errstr, errstr_size);
                if (!rkt) {
                        if (hdrs)
                                rd_kafka_headers_destroy(hdrs);
                        ferry_record_free(r);
                        return -1;
                }
                rd_kafka_resp_err_t err =
                        hdrs ? rd_kafka_producev(
                                       run->rk, RD_KAFKA_V_RKT(rkt),
                                       RD_KAFKA_V_PARTITION(r->partition >= 0 ? r->partition
                                                                              : RD_KAFKA_PARTITION_UA),
                                       RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(kb.p, kb.len),
                                       RD_KAFKA_V_VALUE(vb.p, vb.len), RD_KAFKA_V_TIMESTAMP(ts),
                                       RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(e), RD_KAFKA_V_END)
                             : rd_kafka_producev(
                                       run->rk, RD_KAFKA_V_RKT(rkt),
                                       RD_KAFKA_V_PARTITION(r->partition >= 0 ? r->partition
                                                                              : RD_KAFKA_PARTITION_UA),
                                       RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(kb.p, kb.len),
                                       RD_KAFKA_V_VALUE(vb.p, vb.len), RD_KAFKA_V_TIMESTAMP(ts),
                                       RD_KAFKA_V_OPAQUE(e), RD_KAFKA_V_END);
                if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                        ferry_task_note_topic(t, r->topic);
                        run->in_flight++;
                        run->in_flight_bytes += kb.len + vb.len;
                        run->produced++;
                        ferry_record_free(r);
                        return 0;
                }
                if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                        if (run->gate)
                                ferry_gate_release(run->gate, r->topic, est);
                        if (ferry_errh_tolerates_all(run->errh)) {
                                log_skip(run, r->topic, rd_kafka_err2str(err));
                                if (hdrs)
                                        rd_kafka_headers_destroy(hdrs);
                                ferry_record_free(r);
                                run->skipped++;
                                ack_unproduced(run, e);
                                return 0;
                        }
                        snprintf(errstr, errstr_size,
                                 "org.apache.kafka.connect.errors.ConnectException: failed to send record to "
                                 "%s: %s",
                                 r->topic, rd_kafka_err2str(err));
                        if (hdrs)
                                rd_kafka_headers_destroy(hdrs);
                        ferry_record_free(r);
                        /* Leave e in its queue unacknowledged: nothing after it commits. */
                        drop_unqueued(run, e);
                        return -1;
                }
                /* The client's queue is full: serve acknowledgements until there is room. */
                rd_kafka_poll(run->rk, 100);
        }
}

/* A numeric setting of the producer as librdkafka holds it. */
static long long producer_limit(rd_kafka_t *rk, const char *name, long long dflt)
{
        char v[64];
        size_t n = sizeof(v);
        if (rd_kafka_conf_get(rd_kafka_conf(rk), name, v, &n) != RD_KAFKA_CONF_OK)
                return dflt;
        long long x = strtoll(v, NULL, 10);
        return x > 0 ? x : dflt;
}

static rd_kafka_t *make_producer(source_run_t *run, char *errstr, size_t errstr_size)
{
        ferry_task_t *t = run->t;
        ferry_strmap_t defaults, overrides;
        ferry_strmap_init(&defaults);
        ferry_strmap_init(&overrides);
        char client_id[256];
        snprintf(client_id, sizeof(client_id), "connector-producer-%s-%d", t->connector, t->id);
        ferry_strmap_set(&defaults, "client.id", client_id);
        ferry_strmap_set(&defaults, "acks", "all");
        /* Java's default partitioner for keyed records (and for the offset records of exactly-once
         * transactions, which must land where Connect's workers write the same keys). */
        ferry_strmap_set(&defaults, "partitioner", "murmur2_random");
        ferry_strmap_t fixed;
        ferry_strmap_init(&fixed);
        if (run->txn) {
                /* As Connect: the id is the task's own, idempotence is required; deliveries wait
                 * at most transaction.timeout.ms (librdkafka's bound under transactions). */
                char tid[512];
                ferry_eos_transactional_id(&t->w->config, t->connector, t->id, tid, sizeof(tid));
                ferry_strmap_set(&fixed, "transactional.id", tid);
                ferry_strmap_set(&fixed, "enable.idempotence", "true");
        } else {
                /* Java Connect retries deliveries forever (delivery.timeout.ms = MAX_INT). */
                ferry_strmap_set(&defaults, "message.timeout.ms", "0");
                const char *acks = ferry_strmap_get(&t->w->config, "producer.acks");
                if (!acks || !strcmp(acks, "all") || !strcmp(acks, "-1"))
                        ferry_strmap_set(&defaults, "enable.idempotence", "true");
        }
        ferry_strmap_sub(&overrides, &t->conn_config, "producer.override.");
        rd_kafka_conf_t *conf = ferry_kafka_conf(&t->w->config, "producer.", &defaults, &overrides, &fixed,
                                                 errstr, errstr_size);
        ferry_strmap_free(&defaults);
        ferry_strmap_free(&overrides);
        ferry_strmap_free(&fixed);
        if (!conf)
                return NULL;
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
        rd_kafka_conf_set_error_cb(conf, on_client_error);
        rd_kafka_conf_set_opaque(conf, run);
        char err[512];
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
        if (!rk) {
                snprintf(errstr, errstr_size, "cannot create producer: %s", err);
                rd_kafka_conf_destroy(conf);
        }
        return rk;
}

static void run_free(source_run_t *run)
{
        for (size_t i = 0; i < run->n_parts; i++) {
                part_t *p = &run->parts[i];
                while (p->head) {
                        pending_t *e = p->head;
                        p->head = e->next;
                        ferry_value_free(e->offset);
                        ferry_record_free(e->rec);
                        free(e);
                }
                ferry_value_free(p->partition);
                ferry_value_free(p->committable);
        }
        free(run->parts);
        while (run->spare) {
                pending_t *e = run->spare;
                run->spare = e->next;
                free(e);
        }
        ferry_buf_free(&run->key);
        ferry_buf_free(&run->value);
        ferry_buf_free(&run->header);
        ferry_buf_free(&run->stage_bytes);
        free(run->stage);
        free(run->msgs);
        ferry_errh_free(run->errh);
        ferry_topic_creation_free(run->tc);
}

/* ---- exactly-once transaction boundaries (the steps are in runtime/source_txn.c) ---- */

/* Commits the open transaction with everything staged so far. */
static int txn_commit(source_run_t *run, char *errstr, size_t errstr_size)
{
        if (run->in_txn && flush_stage(run, errstr, errstr_size) < 0)
                return -1;
        return ferry_source_txn_commit(run, errstr, errstr_size);
}

/* Aborts it; staged records were never sent and are forgotten. */
static int txn_abort(source_run_t *run, char *errstr, size_t errstr_size)
{
        if (run->in_txn)
                drop_staged(run);
        return ferry_source_txn_abort(run, errstr, errstr_size);
}

/* After one record of poll() (r as poll() returned it; compared, never read): the boundary the
 * task's TransactionContext set at it. */
static int txn_after_record(source_run_t *run, const ferry_record_t *r, char *errstr, size_t errstr_size)
{
        ferry_task_t *t = run->t;
        if (!t->txn.enabled)
                return 0;
        if (t->txn.abort_rec == r) {
                t->txn.abort_rec = NULL;
                if (t->txn.commit_rec == r)
                        t->txn.commit_rec = NULL;
                return txn_abort(run, errstr, errstr_size);
        }
        if (t->txn.commit_rec == r) {
                t->txn.commit_rec = NULL;
                return txn_commit(run, errstr, errstr_size);
        }
        return 0;
}

/* After a whole poll() batch: the boundary of transaction.boundary. */
static int txn_after_batch(source_run_t *run, char *errstr, size_t errstr_size)
{
        ferry_task_t *t = run->t;
        switch (run->boundary) {
        case FERRY_BOUNDARY_POLL:
                return txn_commit(run, errstr, errstr_size);
        case FERRY_BOUNDARY_INTERVAL:
                if (ferry_now_ms() < run->next_txn)
                        return 0;
                run->next_txn = ferry_now_ms() + run->txn_interval;
                return txn_commit(run, errstr, errstr_size);
        case FERRY_BOUNDARY_CONNECTOR:
                t->txn.commit_rec = t->txn.abort_rec = NULL; /* records not among those sent */
                if (t->txn.abort_batch) {
                        t->txn.abort_batch = t->txn.commit_batch = false;
                        return txn_abort(run, errstr, errstr_size);
                }
                if (t->txn.commit_batch) {
                        t->txn.commit_batch = false;
                        return txn_commit(run, errstr, errstr_size);
                }
                return 0;
        }
        return 0;
}

void *ferry_source_task_main(void *arg)
{
        ferry_task_t *t = arg;
        ferry_log_context(t->ctx);
        source_run_t run = {.t = t};
        ferry_buf_init(&run.key);
        ferry_buf_init(&run.value);
        ferry_buf_init(&run.header);
        char errstr[4096] = "";
        int64_t interval = ferry_config_int(ferry_worker_config, &t->w->config, "offset.flush.interval.ms");
        int64_t flush_timeout =
                ferry_config_int(ferry_worker_config, &t->w->config, "offset.flush.timeout.ms");
        bool started = false, failed = false;
        ferry_records_t batch = {0};

        run.errh = ferry_errh_new(t, false, errstr, sizeof(errstr));
        if (!run.errh) {
                ferry_task_set_state(t, FERRY_STATE_FAILED, errstr);
                goto out;
        }
        run.tc = ferry_topic_creation_new(&t->w->config, &t->conn_config);
        ferry_topic_creation_use_embedded(run.tc, t->w->embedded);
        run.txn = ferry_eos_task_enabled(t);
        /* A commit waits for its records as long as any other client call (not the flush
         * timeout of periodic offset commits: a slow broker must not fail the task). */
        run.txn_timeout = (int)ferry_config_int(ferry_worker_config, &t->w->config, "default.api.timeout.ms");
        if (ferry_eos_open_own_offsets(t, errstr, sizeof(errstr)) < 0) {
                ferry_task_set_state(t, FERRY_STATE_FAILED, errstr);
                goto out;
        }
        run.rk = make_producer(&run, errstr, sizeof(errstr));
        if (!run.rk || (run.txn && ferry_source_txn_setup(&run, errstr, sizeof(errstr)) < 0)) {
                ferry_task_set_state(t, FERRY_STATE_FAILED, errstr);
                goto out;
        }
        run.max_msgs = (size_t)producer_limit(run.rk, "queue.buffering.max.messages", 100000);
        run.max_bytes = (size_t)producer_limit(run.rk, "queue.buffering.max.kbytes", 1048576) * 1024;
        run.gate = ferry_flow_gate(t);
        run.max_batch = (size_t)producer_limit(run.rk, "batch.size", 1000000);
        if (t->plugin->source->start(t, &t->config, errstr, sizeof(errstr)) != FERRY_ERR_OK) {
                ferry_task_set_state(t, FERRY_STATE_FAILED, errstr);
                goto out;
        }
        started = true;
        ferry_task_set_state(t, FERRY_STATE_RUNNING, NULL);
        int64_t next_commit = ferry_now_ms() + interval;
        while (!failed && !run.stop && ferry_task_wait_running(t)) {
                ferry_errh_attempt_t a = {0};
                for (;;) {
                        ferry_err_t perr = t->plugin->source->poll(t, &batch, errstr, sizeof(errstr));
                        if (perr == FERRY_ERR_OK)
                                break;
                        ferry_records_clear(&batch);
                        char msg[1024];
                        snprintf(msg, sizeof(msg), "%.1000s", errstr);
                        int rc = on_failure(&run, &a, FERRY_STAGE_TASK_POLL, t->plugin->info.class_name, perr,
                                            msg, NULL, errstr, sizeof(errstr));
                        if (rc == 2)
                                continue;
                        failed = rc == STAGE_FAIL;
                        break;
                }
                atomic_fetch_add(&t->metrics.poll_records, batch.n);
                run.now_count = 0; /* a fresh clock reading for this batch */
                for (size_t i = 0; i < batch.n && !failed; i++) {
                        ferry_record_t *r = batch.recs[i];
                        batch.recs[i] = NULL;
                        failed = send_record(&run, r, errstr, sizeof(errstr)) < 0;
                        if (!failed && run.txn)
                                failed = txn_after_record(&run, r, errstr, sizeof(errstr)) < 0;
                }
                ferry_records_clear(&batch);
                if (!failed && flush_stage(&run, errstr, sizeof(errstr)) < 0)
                        failed = true;
                if (run.stop)
                        failed = false;
                rd_kafka_poll(run.rk, 0);
                if (run.fail[0]) {
                        snprintf(errstr, sizeof(errstr), "%s", run.fail);
                        failed = true;
                }
                if (!failed && run.txn && txn_after_batch(&run, errstr, sizeof(errstr)) < 0)
                        failed = true;
                if (run.txn)
                        continue; /* offsets go with the transactions */
                if (ferry_now_ms() >= next_commit) {
                        commit_offsets(&run);
                        next_commit = ferry_now_ms() + interval;
                }
        }
        if (failed && run.fenced && atomic_load(&t->stopping))
                failed = false; /* a newer generation took over while this one was stopping */
        if (failed)
                ferry_task_set_state(t, FERRY_STATE_FAILED, errstr);
out:
        ferry_records_free(&batch);
        if (started)
                t->plugin->source->stop(t);
        run.task_stopped = true;
        if (!failed && run.n_stage)
                flush_stage(&run, errstr, sizeof(errstr));
        if (run.txn && run.in_txn) {
                /* Stopping: the open transaction commits (aborts after a failure). */
                char terr[1024] = "";
                if ((failed || run.fenced || txn_commit(&run, terr, sizeof(terr)) < 0) && run.in_txn)
                        txn_abort(&run, terr, sizeof(terr));
                if (terr[0])
                        FERRY_WARN("Final transaction not committed: %s", terr);
        }
        drop_staged(&run); /* not handed to the client: never acknowledged */
        if (run.rk && run.txn) {
                if (run.rkt)
                        rd_kafka_topic_destroy(run.rkt);
                rd_kafka_purge(run.rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
                rd_kafka_poll(run.rk, 0);
                rd_kafka_destroy(run.rk);
                run.rk = NULL;
        }
        if (run.rk) {
                /* Wait for outstanding acknowledgements, then commit what was acknowledged. */
                rd_kafka_resp_err_t ferr = rd_kafka_flush(run.rk, (int)flush_timeout);
                if (ferr)
                        FERRY_WARN("%zu record(s) not acknowledged within offset.flush.timeout.ms; their "
                                   "offsets "
                                   "are not committed",
                                   run.in_flight);
                commit_offsets(&run);
                if (run.rkt)
                        rd_kafka_topic_destroy(run.rkt);
                rd_kafka_purge(run.rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
                rd_kafka_poll(run.rk, 0);
                rd_kafka_destroy(run.rk);
        }
        FERRY_INFO("Source task stopped: %llu record(s) produced, %llu acknowledged, %llu dropped by "
                   "transforms, %llu skipped on errors",
                   (unsigned long long)run.produced, (unsigned long long)run.acked,
                   (unsigned long long)run.dropped, (unsigned long long)run.skipped);
        run_free(&run);
        ferry_offsets_close(t->own_offsets);
        t->own_offsets = NULL;
        t->txn.enabled = false;
        if (!failed && t->state != FERRY_STATE_FAILED)
                ferry_task_set_state(t, FERRY_STATE_UNASSIGNED, NULL);
        ferry_log_context(NULL);
        return NULL;
}
