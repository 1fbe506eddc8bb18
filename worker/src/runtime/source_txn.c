/* Transactions of exactly-once source tasks. The runner (task_source.c) produces a task's records
 * through a producer whose transactional.id is "<group.id>-<connector>-<task>"; at each transaction
 * boundary it waits for the records' acknowledgements, writes the offsets they reached to the
 * offsets topic with ferry_txn_send_offsets() and commits records and offsets as one transaction,
 * so a read_committed reader sees both or neither. A fenced producer (a newer task generation,
 * or the leader's zombie fencing, initialised the same id) is reported as such. */
#include "runtime/source_txn.h"

#include "storage/offsets.h"

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
