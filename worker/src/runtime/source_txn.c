/* Transactions of exactly-once source tasks. The runner (task_source.c) produces a task's records
 * through a producer whose transactional.id is "<group.id>-<connector>-<task>"; at each transaction
 * boundary it waits for the records' acknowledgements, writes the offsets they reached to the
 * offsets topic with ferry_txn_send_offsets() and commits records and offsets as one transaction,
 * so a read_committed reader sees both or neither. A fenced producer (a newer task generation,
 * or the leader's zombie fencing, initialised the same id) is reported as such. The runner's
 * steps (set-up, commit, abort, the boundaries of transaction.boundary and of the task's
 * TransactionContext) work on its state (runtime/source_run.h). */
#include "runtime/source_txn.h"

#include "runtime/source_run.h"

#include "storage/offsets.h"

#include <ferry/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail_with(rd_kafka_error_t *e, const char *what, bool *fenced, char *errstr, size_t errstr_size)
{
        bool f = rd_kafka_error_is_fatal(e) &&
                 (rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR__FENCED ||
                  rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
                  rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH);
        if (fenced)
                *fenced = f;
        snprintf(errstr, errstr_size, "%s%s: %s",
                 f ? "org.apache.kafka.common.errors.ProducerFencedException: "
                   : "org.apache.kafka.connect.errors."
                     "ConnectException: ",
                 what, rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
        return -1;
}

int ferry_txn_init(rd_kafka_t *rk, int timeout_ms, char *errstr, size_t errstr_size)
{
        rd_kafka_error_t *e = rd_kafka_init_transactions(rk, timeout_ms);
        return e ? fail_with(e, "failed to initialize the transactional producer", NULL, errstr, errstr_size)
                 : 0;
}

int ferry_txn_begin(rd_kafka_t *rk, bool *fenced, char *errstr, size_t errstr_size)
{
        rd_kafka_error_t *e = rd_kafka_begin_transaction(rk);
        return e ? fail_with(e, "failed to begin a transaction", fenced, errstr, errstr_size) : 0;
}

int ferry_txn_send_offsets(rd_kafka_t *rk, const char *topic, const char *connector,
                           ferry_value_t *const *partitions, ferry_value_t *const *offsets, size_t n,
                           char *errstr, size_t errstr_size)
{
        for (size_t i = 0; i < n; i++) {
                char *k, *v;
                size_t klen, vlen;
                if (ferry_offsets_encode(connector, partitions[i], offsets[i], &k, &klen, &v, &vlen) < 0) {
                        snprintf(errstr, errstr_size, "out of memory");
                        return -1;
                }
                rd_kafka_resp_err_t err;
                for (;;) {
                        err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
                                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                                RD_KAFKA_V_KEY(k, klen), RD_KAFKA_V_VALUE(v, v ? vlen : 0),
                                                RD_KAFKA_V_OPAQUE(NULL), RD_KAFKA_V_END);
                        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                                break;
                        rd_kafka_poll(rk, 100);
                }
                free(k);
                free(v);
                if (err) {
                        snprintf(errstr, errstr_size,
                                 "org.apache.kafka.connect.errors.ConnectException: failed to write offsets "
                                 "to %s: "
                                 "%s",
                                 topic, rd_kafka_err2str(err));
                        return -1;
                }
        }
        return 0;
}

int ferry_txn_commit(rd_kafka_t *rk, int timeout_ms, bool *fenced, char *errstr, size_t errstr_size)
{
        rd_kafka_error_t *e = rd_kafka_commit_transaction(rk, timeout_ms);
        if (!e)
                return 0;
        if (rd_kafka_error_txn_requires_abort(e)) {
                rd_kafka_error_t *a = rd_kafka_abort_transaction(rk, timeout_ms);
                if (a)
                        rd_kafka_error_destroy(a);
        }
        return fail_with(e, "failed to commit the transaction", fenced, errstr, errstr_size);
}

int ferry_txn_abort(rd_kafka_t *rk, int timeout_ms, bool *fenced, char *errstr, size_t errstr_size)
{
        rd_kafka_error_t *e = rd_kafka_abort_transaction(rk, timeout_ms);
        return e ? fail_with(e, "failed to abort the transaction", fenced, errstr, errstr_size) : 0;
}

/* ---- exactly-once transactions ---- */

/* Forgets every queued record and committable offset (their transaction was aborted). */
static void reset_parts(source_run_t *run)
{
        for (size_t i = 0; i < run->n_parts; i++) {
                part_t *p = &run->parts[i];
                while (p->head) {
                        pending_t *e = p->head;
                        p->head = e->next;
                        ferry_value_free(e->offset);
                        ferry_record_free(e->rec);
                        e->rec = NULL;
                        e->next = run->spare;
                        run->spare = e;
                }
                p->tail = NULL;
                ferry_value_free(p->committable);
                p->committable = NULL;
                p->sent = NULL;
        }
}

/* Ends the open transaction: writes the newest offset of every source partition it carries
 * records of, and commits records and offsets together. Nothing waits for the records'
 * acknowledgements first: the commit succeeds only if every record of the transaction was
 * written, so those offsets are right exactly when they become visible. 0, or -1 with errstr. */
int ferry_source_txn_commit(source_run_t *run, char *errstr, size_t errstr_size)
{
        ferry_task_t *t = run->t;
        if (!run->in_txn)
                return 0;
        if (run->fail[0]) {
                snprintf(errstr, errstr_size, "%s", run->fail);
                ferry_txn_abort(run->rk, run->txn_timeout, &run->fenced, errstr + strlen(errstr), 0);
                run->in_txn = false;
                rd_kafka_flush(run->rk, run->txn_timeout); /* reports of what the abort purged */
                reset_parts(run);
                return -1;
        }
        ferry_value_t **parts = calloc(run->n_parts + 1, sizeof(*parts));
        ferry_value_t **offs = calloc(run->n_parts + 1, sizeof(*offs));
        size_t n = 0;
        for (size_t i = 0; parts && offs && i < run->n_parts; i++) {
                if (!run->parts[i].sent)
                        continue;
                parts[n] = run->parts[i].partition;
                offs[n++] = run->parts[i].sent;
        }
        int64_t t0 = ferry_now_us();
        int rc = parts && offs ? 0 : -1;
        if (rc < 0)
                snprintf(errstr, errstr_size, "out of memory");
        if (rc == 0 && n)
                rc = ferry_txn_send_offsets(run->rk, run->offsets_topic, t->connector, parts, offs, n, errstr,
                                            errstr_size);
        if (rc == 0)
                rc = ferry_txn_commit(run->rk, run->txn_timeout, &run->fenced, errstr, errstr_size);
        else
                ferry_txn_abort(run->rk, run->txn_timeout, &run->fenced, errstr + strlen(errstr), 0);
        run->in_txn = false;
        if (rc < 0) /* a fatal error leaves records queued: they are never delivered now */
                rd_kafka_purge(run->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        /* Serves the delivery reports of the transaction's records before their entries go. */
        rd_kafka_flush(run->rk, run->txn_timeout);
        atomic_fetch_add(&t->metrics.commit_us, (uint64_t)(ferry_now_us() - t0));
        atomic_fetch_add(rc < 0 ? &t->metrics.commit_failure : &t->metrics.commit_success, 1);
        if (rc == 0 && n) {
                /* Durable now: the stores' tables learn them at once (their readers see them too). */
                ferry_offsets_t *own = t->own_offsets, *global = t->w->offsets;
                if (own)
                        ferry_offsets_apply(own, t->connector, parts, offs, n);
                if (global && !own) {
                        ferry_offsets_apply(global, t->connector, parts, offs, n);
                } else if (global) {
                        /* As Connect: the worker's topic gets a copy after the connector's own. */
                        char err[512];
                        if (ferry_offsets_commit(global, t->connector, parts, offs, n, err, sizeof(err)) < 0)
                                FERRY_WARN("Failed to copy offsets to the worker's offsets topic: %s", err);
                }
        }
        if (rc == 0) {
                for (size_t i = 0; i < run->n_parts; i++) {
                        ferry_value_free(run->parts[i].committable);
                        run->parts[i].committable = NULL;
                        run->parts[i].sent = NULL;
                }
        }
        if (rc < 0)
                reset_parts(run);
        else if (t->plugin->source->commit && !run->task_stopped)
                t->plugin->source->commit(t);
        free(parts);
        free(offs);
        return rc;
}

/* Aborts the open transaction: its records and offsets are discarded. */
int ferry_source_txn_abort(source_run_t *run, char *errstr, size_t errstr_size)
{
        if (!run->in_txn)
                return 0;
        rd_kafka_flush(run->rk, run->txn_timeout);
        int rc = ferry_txn_abort(run->rk, run->txn_timeout, &run->fenced, errstr, errstr_size);
        rd_kafka_poll(run->rk, 0); /* reports of purged records */
        run->fail[0] = '\0';
        run->in_txn = false;
        reset_parts(run);
        return rc;
}

/* Exactly-once set-up before the task starts: the transactional producer is initialised (which
 * fences an older producer with the task's id and ends its open transaction), then the offsets
 * are read to their end, so start() sees what the last committed transaction wrote. */
int ferry_source_txn_setup(source_run_t *run, char *errstr, size_t errstr_size)
{
        ferry_task_t *t = run->t;
        const ferry_strmap_t *wc = &t->w->config;
        int api_timeout = (int)ferry_config_int(ferry_worker_config, wc, "default.api.timeout.ms");
        if (ferry_txn_init(run->rk, api_timeout, errstr, errstr_size) < 0)
                return -1;
        run->boundary = ferry_eos_boundary(&t->conn_config);
        run->txn_interval = ferry_eos_boundary_interval(wc, &t->conn_config);
        run->next_txn = ferry_now_ms() + run->txn_interval;
        t->txn.enabled = run->boundary == FERRY_BOUNDARY_CONNECTOR;
        const char *own = ferry_strmap_get(&t->conn_config, "offsets.storage.topic");
        run->offsets_topic = own && *own ? own : ferry_strmap_get(wc, "offset.storage.topic");
        /* The producer learns the offsets topic's partitions now: learnt at the first commit
         * instead, the first transaction waited about a second for them. */
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(run->rk, run->offsets_topic, NULL);
        const rd_kafka_metadata_t *md = NULL;
        if (rkt && rd_kafka_metadata(run->rk, 0, rkt, &md, api_timeout) == RD_KAFKA_RESP_ERR_NO_ERROR)
                rd_kafka_metadata_destroy(md);
        if (rkt)
                rd_kafka_topic_destroy(rkt);
        if (t->own_offsets && ferry_offsets_sync(t->own_offsets, api_timeout, errstr, errstr_size) < 0)
                return -1;
        if (t->w->offsets && ferry_offsets_sync(t->w->offsets, api_timeout, errstr, errstr_size) < 0)
                return -1;
        return 0;
}
