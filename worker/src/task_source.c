/* Source task runner, one thread per task: poll() the plugin -> convert key and value -> produce.
 * Each produced record waits in its source partition's queue until Kafka acknowledges it; the
 * partition's committable offset advances only over the acknowledged prefix of that queue, and
 * committable offsets go to the offset store every offset.flush.interval.ms and when the task
 * stops. An offset is therefore never committed for a record Kafka has not acknowledged. */
#include "kafka.h"
#include "worker.h"

#include <ferry/buf.h>
#include <ferry/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct part part_t;

typedef struct pending {
        struct pending *next;
        part_t *part;
        ferry_value_t *offset;
        bool acked;
} pending_t;

struct part {
        ferry_value_t *partition;
        pending_t *head, *tail;
        ferry_value_t *committable; /* newest offset of the acknowledged prefix, not yet committed */
};

typedef struct {
        ferry_task_t *t;
        rd_kafka_t *rk;
        part_t *parts;
        size_t n_parts, cap_parts;
        part_t *last; /* the partition the previous record used */
        size_t in_flight;
        char fail[1024]; /* first delivery failure */
        ferry_buf_t key, value;
        uint64_t produced, acked;
        pending_t *spare;      /* recycled pending entries */
        rd_kafka_topic_t *rkt; /* handle of the topic last produced to */
} source_run_t;

/* The topic handle for name, reusing the last one (records of a task mostly share a topic). */
static rd_kafka_topic_t *topic_handle(source_run_t *run, const char *name)
{
        if (run->rkt && !strcmp(rd_kafka_topic_name(run->rkt), name))
                return run->rkt;
        if (run->rkt)
                rd_kafka_topic_destroy(run->rkt);
        run->rkt = rd_kafka_topic_new(run->rk, name, NULL);
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

static void pending_put(source_run_t *run, pending_t *e)
{
        e->next = run->spare;
        run->spare = e;
}

static void advance(source_run_t *run, part_t *p)
{
        while (p->head && p->head->acked) {
                pending_t *e = p->head;
                p->head = e->next;
                if (!p->head)
                        p->tail = NULL;
                ferry_value_free(p->committable);
                p->committable = e->offset;
                pending_put(run, e);
        }
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
        source_run_t *run = opaque;
        pending_t *e = m->_private;
        run->in_flight--;
        if (m->err) {
                if (!run->fail[0])
                        snprintf(run->fail, sizeof(run->fail),
                                 "org.apache.kafka.connect.errors.ConnectException: Unrecoverable exception "
                                 "from "
                                 "producer send callback: %s (topic %s)",
                                 rd_kafka_err2str(m->err), rd_kafka_topic_name(m->rkt));
                /* Never acknowledged: the offset stays uncommitted. */
                e->acked = false;
                if (!e->part) {
                        ferry_value_free(e->offset);
                        pending_put(run, e);
                }
                return;
        }
        run->acked++;
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
        if (!t->w->offsets)
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
                if (ferry_offsets_commit(t->w->offsets, t->connector, parts, offs, n, err, sizeof(err)) < 0) {
                        FERRY_ERROR("Failed to commit offsets: %s", err);
                } else {
                        for (size_t i = 0; i < run->n_parts; i++) {
                                ferry_value_free(run->parts[i].committable);
                                run->parts[i].committable = NULL;
                        }
                        FERRY_DEBUG("Committed offsets of %zu source partition(s)", n);
                }
        }
        free(parts);
        free(offs);
}

/* Converts and produces one record; takes ownership of its offset. 0, or -1 with errstr. */
static int send_record(source_run_t *run, ferry_record_t *r, char *errstr, size_t errstr_size)
{
        ferry_task_t *t = run->t;
        bool key_null = false, value_null = false;
        ferry_buf_reset(&run->key);
        ferry_buf_reset(&run->value);
        if (t->key_conv.plugin->from_connect(t->key_conv.state, r->topic, r->key_schema, r->key, &run->key,
                                             &key_null, errstr, errstr_size) != FERRY_ERR_OK) {
                return -1;
        }
        if (t->value_conv.plugin->from_connect(t->value_conv.state, r->topic, r->value_schema, r->value,
                                               &run->value, &value_null, errstr,
                                               errstr_size) != FERRY_ERR_OK) {
                return -1;
        }
        pending_t *e = pending_get(run);
        if (!e) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        if (r->source_partition) {
                e->part = part_for(run, r->source_partition);
                if (!e->part) {
                        pending_put(run, e);
                        snprintf(errstr, errstr_size, "out of memory");
                        return -1;
                }
        }
        e->offset = r->source_offset;
        r->source_offset = NULL;
        if (e->part) {
                if (e->part->tail)
                        e->part->tail->next = e;
                else
                        e->part->head = e;
                e->part->tail = e;
        }
        for (;;) {
                rd_kafka_topic_t *rkt = topic_handle(run, r->topic);
                rd_kafka_resp_err_t err =
                        !rkt ? rd_kafka_last_error()
                             : rd_kafka_producev(run->rk, RD_KAFKA_V_RKT(rkt),
                                                 RD_KAFKA_V_PARTITION(r->partition >= 0
                                                                              ? r->partition
                                                                              : RD_KAFKA_PARTITION_UA),
                                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                                 RD_KAFKA_V_KEY(key_null ? NULL : run->key.p,
                                                                key_null ? 0 : run->key.len),
                                                 RD_KAFKA_V_VALUE(value_null ? NULL : run->value.p,
                                                                  value_null ? 0 : run->value.len),
                                                 RD_KAFKA_V_TIMESTAMP(r->timestamp > 0 ? r->timestamp : 0),
                                                 RD_KAFKA_V_OPAQUE(e), RD_KAFKA_V_END);
                if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                        ferry_task_note_topic(t, r->topic);
                        run->in_flight++;
                        run->produced++;
                        return 0;
                }
                if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                        snprintf(errstr, errstr_size,
                                 "org.apache.kafka.connect.errors.ConnectException: failed to send record to "
                                 "%s: %s",
                                 r->topic, rd_kafka_err2str(err));
                        /* Leave e in its queue unacknowledged: nothing after it commits. */
                        if (!e->part) {
                                ferry_value_free(e->offset);
                                pending_put(run, e);
                        }
                        return -1;
                }
                /* The client's queue is full: serve acknowledgements until there is room. */
                rd_kafka_poll(run->rk, 100);
        }
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
        /* Java Connect retries deliveries forever (delivery.timeout.ms = MAX_INT). */
        ferry_strmap_set(&defaults, "message.timeout.ms", "0");
        const char *acks = ferry_strmap_get(&t->w->config, "producer.acks");
        if (!acks || !strcmp(acks, "all") || !strcmp(acks, "-1"))
                ferry_strmap_set(&defaults, "enable.idempotence", "true");
        ferry_strmap_sub(&overrides, &t->conn_config, "producer.override.");
        rd_kafka_conf_t *conf = ferry_kafka_conf(&t->w->config, "producer.", &defaults, &overrides, NULL,
                                                 errstr, errstr_size);
        ferry_strmap_free(&defaults);
        ferry_strmap_free(&overrides);
        if (!conf)
                return NULL;
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
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
}

void *ferry_source_task_main(void *arg)
{
        ferry_task_t *t = arg;
        ferry_log_context(t->ctx);
        source_run_t run = {.t = t};
        ferry_buf_init(&run.key);
        ferry_buf_init(&run.value);
        char errstr[2048] = "";
        int64_t interval = ferry_config_int(ferry_worker_config, &t->w->config, "offset.flush.interval.ms");
        int64_t flush_timeout =
                ferry_config_int(ferry_worker_config, &t->w->config, "offset.flush.timeout.ms");
        bool started = false, failed = false;
        ferry_records_t batch = {0};

        run.rk = make_producer(&run, errstr, sizeof(errstr));
        if (!run.rk) {
                ferry_task_set_state(t, FERRY_STATE_FAILED, errstr);
                goto out;
        }
        if (t->plugin->source->start(t, &t->config, errstr, sizeof(errstr)) != FERRY_ERR_OK) {
                ferry_task_set_state(t, FERRY_STATE_FAILED, errstr);
                goto out;
        }
        started = true;
        ferry_task_set_state(t, FERRY_STATE_RUNNING, NULL);
        int64_t next_commit = ferry_now_ms() + interval;
        while (!failed && ferry_task_wait_running(t)) {
                if (t->plugin->source->poll(t, &batch, errstr, sizeof(errstr)) != FERRY_ERR_OK) {
                        failed = true;
                        break;
                }
                for (size_t i = 0; i < batch.n && !failed; i++)
                        failed = send_record(&run, batch.recs[i], errstr, sizeof(errstr)) < 0;
                ferry_records_clear(&batch);
                rd_kafka_poll(run.rk, 0);
                if (run.fail[0]) {
                        snprintf(errstr, sizeof(errstr), "%s", run.fail);
                        failed = true;
                }
                if (ferry_now_ms() >= next_commit) {
                        commit_offsets(&run);
                        next_commit = ferry_now_ms() + interval;
                }
        }
        if (failed)
                ferry_task_set_state(t, FERRY_STATE_FAILED, errstr);
out:
        ferry_records_free(&batch);
        if (started)
                t->plugin->source->stop(t);
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
        FERRY_INFO("Source task stopped: %llu record(s) produced, %llu acknowledged",
                   (unsigned long long)run.produced, (unsigned long long)run.acked);
        run_free(&run);
        if (!failed && t->state != FERRY_STATE_FAILED)
                ferry_task_set_state(t, FERRY_STATE_UNASSIGNED, NULL);
        ferry_log_context(NULL);
        return NULL;
}
