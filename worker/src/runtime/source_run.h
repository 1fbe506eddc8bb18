/* The state of a source task runner (runtime/task_source.c), shared with the exactly-once
 * transaction steps (runtime/source_txn.c): each record's place in its source partition's queue,
 * the partitions' committable offsets, the stage of records for one produce_batch call, and the
 * producer. Private to the runtime. */
#ifndef FERRY_RUNTIME_SOURCE_RUN_H
#define FERRY_RUNTIME_SOURCE_RUN_H

#include "runtime/error_handler.h"
#include "runtime/exactly_once.h"
#include "runtime/worker.h"
#include "kafka/topic_creation.h"

#include <ferry/buf.h>

#include <librdkafka/rdkafka.h>

typedef struct part part_t;

typedef struct pending {
        struct pending *next;
        part_t *part;
        ferry_value_t *offset;
        bool acked;
        ferry_record_t *rec; /* a copy for commit_record(), when the task has that op and reads it */
        bool notify;         /* commit_record() is still to be called for this record */
} pending_t;

struct part {
        ferry_value_t *partition;
        pending_t *head, *tail;
        ferry_value_t *committable; /* newest offset of the acknowledged prefix, not yet committed */
        /* Exactly-once: the newest offset handed to the producer in the open transaction (the
         * entry's, or committable once acknowledged: borrowed, never freed through this). */
        ferry_value_t *sent;
};

typedef struct {
        ferry_task_t *t;
        rd_kafka_t *rk;
        part_t *parts;
        size_t n_parts, cap_parts;
        part_t *last; /* the partition the previous record used */
        size_t in_flight;
        char fail[1024]; /* first delivery failure */
        ferry_buf_t key, value, header;
        uint64_t produced, acked, dropped, skipped;
        pending_t *spare;      /* recycled pending entries */
        rd_kafka_topic_t *rkt; /* handle of the topic last produced to */
        ferry_errh_t *errh;
        ferry_topic_creation_t *tc;
        bool stop;         /* asked to stop while an operation waited to be retried */
        bool task_stopped; /* the plugin's stop() ran: no more commit_record()/commit() */
        int64_t last_skip_log;
        int64_t now_ms;     /* CreateTime of records without a timestamp */
        unsigned now_count; /* records stamped since now_ms was read */
        /* Records staged for one rd_kafka_produce_batch() call: same topic, no headers, no
         * timestamp, no partition of their own. Their key and value bytes sit in stage_bytes. */
        struct staged *stage;
        size_t n_stage, cap_stage;
        ferry_buf_t stage_bytes;
        rd_kafka_message_t *msgs; /* the batch handed to the client, cap_stage entries */
        /* What the client holds, to keep a batch within its queue limits (so that no message of
         * a batch is refused for room, which could reorder it after a later one). */
        size_t in_flight_bytes;
        size_t max_msgs, max_bytes;
        struct ferry_gate *gate; /* the embedded broker's flow control; NULL on a real cluster */
        size_t max_batch;        /* the producer's batch.size */
        /* exactly-once */
        bool txn;    /* the producer is transactional */
        bool in_txn; /* a transaction is open */
        bool fenced; /* another producer took over the transactional id */
        ferry_boundary_t boundary;
        int64_t txn_interval, next_txn; /* transaction.boundary=interval */
        int txn_timeout;                /* default.api.timeout.ms: the longest a commit waits */
        const char *offsets_topic;      /* where the transaction writes offsets */
} source_run_t;

struct staged {
        pending_t *e;
        size_t koff, klen, voff, vlen;
        bool knull, vnull;
};

#define STAGE_MAX 1024

/* source_txn.c: the exactly-once steps of the runner (task_source.c hands staged records to the
 * client before a commit and forgets them before an abort). Each returns 0, or -1 with errstr. */
int ferry_source_txn_setup(source_run_t *run, char *errstr, size_t errstr_size);
/* Waits for the transaction's acknowledgements, writes its offsets into it, commits. */
int ferry_source_txn_commit(source_run_t *run, char *errstr, size_t errstr_size);
/* Aborts: its records and offsets are discarded, the partitions' queues emptied. */
int ferry_source_txn_abort(source_run_t *run, char *errstr, size_t errstr_size);

#endif
