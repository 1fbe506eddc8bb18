/* The connector and task SDK.
 *
 * A connector validates its configuration and splits the work into task configurations; the
 * runtime runs each task on a thread of its own. Source tasks return records from poll(); the
 * runtime converts and produces them and commits their source offsets once Kafka acknowledged
 * them. Sink tasks receive converted records in put(); after flush() the runtime commits the
 * consumed offsets. Every callback gets the task (or connector) handle; plugin state hangs off it
 * with ferry_task_set_data(). */
#ifndef FERRY_CONNECTOR_H
#define FERRY_CONNECTOR_H

#include <ferry/api.h>

#include <ferry/config.h>
#include <ferry/errors.h>
#include <ferry/plugin.h>
#include <ferry/record.h>

typedef struct ferry_task ferry_task_t;
typedef struct ferry_connector_ctx ferry_connector_ctx_t;

/* ---- task handle, implemented by the runtime ---- */
FERRY_API void *ferry_task_data(ferry_task_t *t);
FERRY_API void ferry_task_set_data(ferry_task_t *t, void *data);
FERRY_API const char *ferry_task_connector(const ferry_task_t *t);
FERRY_API int ferry_task_id(const ferry_task_t *t);
/* True once the runtime asked the task to stop: long waits inside poll() should end early. */
FERRY_API bool ferry_task_stopping(ferry_task_t *t);
/* Waits up to ms milliseconds, returning early (true) when the task is asked to stop. */
FERRY_API bool ferry_task_wait(ferry_task_t *t, int ms);
/* Source tasks: the last committed offset of a source partition, NULL when none. Caller frees. */
FERRY_API ferry_value_t *ferry_task_offset(ferry_task_t *t, const ferry_value_t *partition);
/* Source tasks: the committed offsets of n source partitions in one call (Connect's
 * OffsetStorageReader.offsets()): out[i] gets a copy of the offset of partitions[i], NULL when
 * none. Returns how many were found. The caller frees each out[i]. */
FERRY_API size_t ferry_task_offsets(ferry_task_t *t, const ferry_value_t *const *partitions, size_t n,
                                    ferry_value_t **out);

/* Where Kafka stored a source record (commit_record). */
typedef struct {
        const char *topic;
        int32_t partition;
        int64_t offset;
        int64_t timestamp; /* ms since epoch; -1 when unknown */
} ferry_record_metadata_t;

typedef struct {
        char *topic; /* owned by the runtime */
        int32_t partition;
        int64_t offset; /* the next offset to consume, as Kafka commits it */
} ferry_topic_partition_offset_t;

/* ---- sink task context (Connect's SinkTaskContext); call from the task's own callbacks ---- */
/* Consume the partition from `offset` on: the runtime seeks its consumer before the next put()
 * (from open(), before the first fetch) and the next commit stores that offset. */
FERRY_API void ferry_sink_task_seek(ferry_task_t *t, const char *topic, int32_t partition, int64_t offset);
/* Stops (resume: restarts) fetching these partitions; put() gets none of their records meanwhile. */
FERRY_API void ferry_sink_task_pause(ferry_task_t *t, const ferry_topic_partition_t *tps, size_t n);
FERRY_API void ferry_sink_task_resume(ferry_task_t *t, const ferry_topic_partition_t *tps, size_t n);
/* The partitions assigned to the task now (Connect's SinkTaskContext.assignment()): fills up to
 * cap entries of out (topic strings valid until the callback returns) and returns how many there
 * are in all. */
FERRY_API size_t ferry_sink_task_assignment(ferry_task_t *t, ferry_topic_partition_t *out, size_t cap);
/* Commit offsets (pre_commit/flush, then the consumer commit) as soon as the current put() returns
 * instead of at the next offset.flush.interval.ms. */
FERRY_API void ferry_sink_task_request_commit(ferry_task_t *t);
/* With put() returning FERRY_ERR_RETRIABLE: how long to wait before the same batch is delivered
 * again (Connect's SinkTaskContext.timeout()). Without it the runtime waits until the next offset
 * commit is due. */
FERRY_API void ferry_sink_task_timeout(ferry_task_t *t, int64_t ms);
/* The errant record reporter: reports one record of the current put() that the task could not
 * write, and the task carries on with the others. The record goes through the task's error
 * handling (stage TASK_PUT): logged with errors.log.enable, written with its original key, value
 * and headers to errors.deadletterqueue.topic.name. With errors.tolerance=none the task fails once
 * put() returns, as in Connect; then FERRY_ERR_FATAL is returned (else FERRY_ERR_OK;
 * FERRY_ERR_BAD_REQUEST outside a sink task's callbacks). A record that is not one of the current
 * batch is logged but cannot go to the dead letter queue (its original bytes are gone). */
FERRY_API ferry_err_t ferry_sink_task_report(ferry_task_t *t, const ferry_record_t *r, const char *error);

/* ---- source task transaction context (Connect's TransactionContext) ----
 * Only for connectors whose transaction.boundary is "connector" on a worker with
 * exactly.once.source.support=enabled (else ferry_source_task_transactions() is false and the
 * calls below do nothing). Call them from poll() about records it returns: */
FERRY_API bool ferry_source_task_transactions(ferry_task_t *t);
/* Commits the transaction once r is sent (r NULL: after the records of the current poll()). */
FERRY_API void ferry_source_task_commit_transaction(ferry_task_t *t, const ferry_record_t *r);
/* Aborts the transaction with r in it: r and the records before it since the last commit are
 * discarded and their offsets not committed (r NULL: after the current poll()'s records). */
FERRY_API void ferry_source_task_abort_transaction(ferry_task_t *t, const ferry_record_t *r);

/* Task callbacks. `size` is sizeof the struct as the plugin was built (see FERRY_PLUGIN_ABI):
 *     static const ferry_source_task_ops_t ops = {.size = sizeof(ferry_source_task_ops_t), ...}; */
typedef struct {
        size_t size;
        ferry_err_t (*start)(ferry_task_t *t, const ferry_strmap_t *config, char *errstr, size_t errstr_size);
        /* Appends records to out (the runtime takes them). Returning with none is fine; block no
         * longer than about a second. */
        ferry_err_t (*poll)(ferry_task_t *t, ferry_records_t *out, char *errstr, size_t errstr_size);
        void (*stop)(ferry_task_t *t);
        /* Optional: called on the task's thread for every record of poll() once Kafka acknowledged
         * it (md: where it was stored), or with md NULL when a transform dropped it or the error
         * handler skipped it. r is the record as poll() returned it. Records acknowledged only
         * after stop() (the final flush) are not handed back. */
        void (*commit_record)(ferry_task_t *t, const ferry_record_t *r, const ferry_record_metadata_t *md);
        /* Optional: called after every offset flush of the runtime (never after stop()). */
        void (*commit)(ferry_task_t *t);
        /* With commit_record: true when commit_record() never reads r (it counts acknowledgements,
         * or reads md only). It then gets r NULL, and the runtime keeps no copy of each record
         * until Kafka acknowledged it. */
        bool commit_record_without_record;
} ferry_source_task_ops_t;

typedef struct {
        size_t size;
        ferry_err_t (*start)(ferry_task_t *t, const ferry_strmap_t *config, char *errstr, size_t errstr_size);
        ferry_err_t (*put)(ferry_task_t *t, ferry_record_t *const *recs, size_t n, char *errstr,
                           size_t errstr_size);
        /* Makes everything put so far durable; the runtime then commits those offsets. */
        ferry_err_t (*flush)(ferry_task_t *t, char *errstr, size_t errstr_size);
        void (*open)(ferry_task_t *t, const ferry_topic_partition_t *tps, size_t n);  /* optional */
        void (*close)(ferry_task_t *t, const ferry_topic_partition_t *tps, size_t n); /* optional */
        void (*stop)(ferry_task_t *t);
        /* Optional (Connect's preCommit): offsets[0..*n) hold the next offset to consume of every
         * partition records were consumed from; the task keeps what is durable in its target: it
         * may lower an offset or drop entries (moving later ones down and lowering *n). The
         * runtime commits exactly what is left. Called every offset.flush.interval.ms even without
         * new records (a storage sink may have rotated a file since), on request_commit, before
         * partitions are revoked and at stop. When set, the runtime does not call flush() before
         * committing (a task that needs it calls it from here), as Connect's default preCommit
         * is what calls flush. */
        ferry_err_t (*pre_commit)(ferry_task_t *t, ferry_topic_partition_offset_t *offsets, size_t *n,
                                  char *errstr, size_t errstr_size);
        /* true: put() is also called with no records (recs NULL, n 0) after a poll that brought
         * none, as Connect's runtime does on every poll, so a task whose writes finish in the
         * background learns their outcome while the topic is idle. FERRY_ERR_RETRIABLE from such
         * a call has nothing to deliver again; other errors fail the task. */
        bool put_when_idle;
} ferry_sink_task_ops_t;

/* ---- connector ---- */
FERRY_API void *ferry_connector_data(ferry_connector_ctx_t *c);
FERRY_API void ferry_connector_set_data(ferry_connector_ctx_t *c, void *data);
FERRY_API const char *ferry_connector_name(const ferry_connector_ctx_t *c);
/* A task_configs() for connectors whose every task runs the connector's own config (most sinks):
 * max_tasks copies of config. Usable as the .task_configs op itself. */
FERRY_API ferry_err_t ferry_task_configs_copies(ferry_connector_ctx_t *c, const ferry_strmap_t *config,
                                                int max_tasks, ferry_strmap_t *out, int *n_out, char *errstr,
                                                size_t errstr_size);
/* Asks the runtime to call task_configs() again (Connect's requestTaskReconfiguration), e.g. when
 * the set of tables or topics to copy changed; if the configs differ from those in force, the
 * tasks are replaced. Any thread may call it while the connector runs. */
FERRY_API void ferry_connector_request_reconfiguration(ferry_connector_ctx_t *c);
/* Fails the connector (Connect's ConnectorContext.raiseError): its status becomes FAILED with
 * the message as its trace; the tasks keep running. Any thread may call it while it runs. */
FERRY_API void ferry_connector_raise_error(ferry_connector_ctx_t *c, const char *message);

/* A source connector's answer to "exactly-once delivery with this config?" and "can your tasks
 * define transaction boundaries?" (Connect's ExactlyOnceSupport, ConnectorTransactionBoundaries). */
typedef enum {
        FERRY_SUPPORT_UNKNOWN = 0, /* the connector does not say (Connect's null) */
        FERRY_SUPPORT_SUPPORTED = 1,
        FERRY_SUPPORT_UNSUPPORTED = 2,
} ferry_support_t;

typedef struct ferry_connector_plugin {
        ferry_plugin_info_t info; /* type SOURCE or SINK */
        /* Checks beyond the config table (optional): add per-key errors. */
        void (*validate)(const ferry_strmap_t *config, ferry_cfg_errors_t *errs);
        ferry_err_t (*start)(ferry_connector_ctx_t *c, const ferry_strmap_t *config, char *errstr,
                             size_t errstr_size); /* optional */
        /* Fills out[0..*n_out) (at most max_tasks, each initialised by the callee). */
        ferry_err_t (*task_configs)(ferry_connector_ctx_t *c, const ferry_strmap_t *config, int max_tasks,
                                    ferry_strmap_t *out, int *n_out, char *errstr, size_t errstr_size);
        void (*stop)(ferry_connector_ctx_t *c); /* optional */
        const ferry_source_task_ops_t *source;
        const ferry_sink_task_ops_t *sink;
        /* Optional, source connectors (Connect's SourceConnector.exactlyOnceSupport): checked when
         * exactly.once.support=required. NULL, or FERRY_SUPPORT_UNKNOWN, refuses "required". */
        ferry_support_t (*exactly_once_support)(const ferry_strmap_t *config);
        /* Optional, source connectors (canDefineTransactionBoundaries): SUPPORTED allows
         * transaction.boundary=connector. NULL means UNSUPPORTED. */
        ferry_support_t (*can_define_transaction_boundaries)(const ferry_strmap_t *config);
} ferry_connector_plugin_t;

#endif
