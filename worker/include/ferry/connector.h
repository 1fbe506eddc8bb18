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

/* Task callbacks. `size` is sizeof the struct as the plugin was built (see FERRY_PLUGIN_ABI):
 *     static const ferry_source_task_ops_t ops = {.size = sizeof(ferry_source_task_ops_t), ...}; */
typedef struct {
        size_t size;
        ferry_err_t (*start)(ferry_task_t *t, const ferry_strmap_t *config, char *errstr, size_t errstr_size);
        /* Appends records to out (the runtime takes them). Returning with none is fine; block no
         * longer than about a second. */
        ferry_err_t (*poll)(ferry_task_t *t, ferry_records_t *out, char *errstr, size_t errstr_size);
        void (*stop)(ferry_task_t *t);
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
} ferry_sink_task_ops_t;

/* ---- connector ---- */
FERRY_API void *ferry_connector_data(ferry_connector_ctx_t *c);
FERRY_API void ferry_connector_set_data(ferry_connector_ctx_t *c, void *data);
FERRY_API const char *ferry_connector_name(const ferry_connector_ctx_t *c);

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
} ferry_connector_plugin_t;

#endif
