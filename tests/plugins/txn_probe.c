/* A test plugin for connector-defined transaction boundaries (tests/integration/
 * exactly_once_boundaries.sh builds it and loads it through plugin.path).
 *
 * TxnProbeSourceConnector declares exactly-once support and that it defines transaction
 * boundaries. It has min(txn.tasks, tasks.max) tasks (tests/integration/exactly_once_fencing.sh
 * uses two). Task 0 produces txn.records records "v-<n>" (source partition {"p":"0"}, offset
 * {"n":n}), task i > 0 "t<i>-v-<n>" (partition {"p":"<i>"}), in polls of 50; through the
 * TransactionContext a task commits the transaction at every record whose n ends in 99 and aborts
 * it at record txn.abort.at (that record and the ones since the last commit are discarded). Each
 * starts from its committed offset. */
#include <ferry/connector.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ferry_config_def_t probe_config[] = {
        {.name = "txn.topic", .type = FERRY_CFG_STRING, .required = true, .doc = "Topic to write."},
        {.name = "txn.records", .type = FERRY_CFG_LONG, .default_value = "1000", .doc = "Records in all."},
        {.name = "txn.abort.at", .type = FERRY_CFG_LONG, .default_value = "-1", .doc = "Record to abort at."},
        {.name = "txn.tasks", .type = FERRY_CFG_INT, .default_value = "1", .doc = "Tasks at most."},
        {.name = NULL},
};

static ferry_support_t supported(const ferry_strmap_t *config)
{
        (void)config;
        return FERRY_SUPPORT_SUPPORTED;
}

static ferry_err_t task_configs(ferry_connector_ctx_t *c, const ferry_strmap_t *config, int max_tasks,
                                ferry_strmap_t *out, int *n_out, char *errstr, size_t errstr_size)
{
        const char *v = ferry_strmap_get(config, "txn.tasks");
        int n = v ? (int)strtol(v, NULL, 10) : 1;
        if (n > max_tasks)
                n = max_tasks;
        if (n < 1)
                n = 1;
        for (int i = 0; i < n; i++) {
                char id[16];
                snprintf(id, sizeof(id), "%d", i);
                ferry_strmap_init(&out[i]);
                if (ferry_strmap_copy(&out[i], config) < 0 || ferry_strmap_set(&out[i], "txn.task", id) < 0)
                        return FERRY_ERR_NOMEM;
        }
        *n_out = n;
        return FERRY_ERR_OK;
}

typedef struct {
        char *topic;
        long records, abort_at, next, task;
        ferry_value_t *partition;
} task_t;

static long num(const ferry_strmap_t *config, const char *key, long dflt)
{
        const char *v = ferry_strmap_get(config, key);
        return v ? strtol(v, NULL, 10) : dflt;
}

static ferry_err_t task_start(ferry_task_t *t, const ferry_strmap_t *config, char *errstr, size_t errstr_size)
{
        task_t *st = calloc(1, sizeof(*st));
        if (!st)
                return FERRY_ERR_NOMEM;
        st->topic = strdup(ferry_strmap_get(config, "txn.topic"));
        st->records = num(config, "txn.records", 1000);
        st->abort_at = num(config, "txn.abort.at", -1);
        st->task = num(config, "txn.task", 0);
        char p[16];
        snprintf(p, sizeof(p), "%ld", st->task);
        st->partition = ferry_value_map();
        ferry_map_put_str(st->partition, "p", ferry_value_cstring(p));
        ferry_value_t *off = ferry_task_offset(t, st->partition);
        ferry_value_t *n = off ? ferry_map_get_str(off, "n") : NULL;
        st->next = n ? n->u.i + 1 : 0;
        ferry_value_free(off);
        ferry_task_set_data(t, st);
        if (!ferry_source_task_transactions(t)) {
                snprintf(errstr, errstr_size, "no transaction context");
                return FERRY_ERR_INVALID_CONFIG;
        }
        return FERRY_ERR_OK;
}

static ferry_err_t task_poll(ferry_task_t *t, ferry_records_t *out, char *errstr, size_t errstr_size)
{
        task_t *st = ferry_task_data(t);
        if (st->next >= st->records) {
                ferry_task_wait(t, 200);
                return FERRY_ERR_OK;
        }
        for (int i = 0; i < 50 && st->next < st->records; i++, st->next++) {
                char v[64];
                if (st->task)
                        snprintf(v, sizeof(v), "t%ld-v-%ld", st->task, st->next);
                else
                        snprintf(v, sizeof(v), "v-%ld", st->next);
                ferry_record_t *r = ferry_record_new(
                        st->topic, NULL, NULL, ferry_schema_new(FERRY_TYPE_STRING), ferry_value_cstring(v));
                if (!r)
                        return FERRY_ERR_NOMEM;
                r->source_partition = ferry_value_copy(st->partition);
                r->source_offset = ferry_value_map();
                ferry_map_put_str(r->source_offset, "n", ferry_value_int(FERRY_TYPE_INT64, st->next));
                if (st->next == st->abort_at)
                        ferry_source_task_abort_transaction(t, r);
                else if (st->next % 100 == 99 || st->next == st->records - 1)
                        ferry_source_task_commit_transaction(t, r);
                if (ferry_records_push(out, r) < 0)
                        return FERRY_ERR_NOMEM;
        }
        return FERRY_ERR_OK;
}

static void task_stop(ferry_task_t *t)
{
        task_t *st = ferry_task_data(t);
        if (!st)
                return;
        free(st->topic);
        ferry_value_free(st->partition);
        free(st);
        ferry_task_set_data(t, NULL);
}

static const ferry_source_task_ops_t source_ops = {
        .size = sizeof(ferry_source_task_ops_t),
        .start = task_start,
        .poll = task_poll,
        .stop = task_stop,
};

static const ferry_connector_plugin_t probe = {
        .info = FERRY_PLUGIN_INFO(ferry_connector_plugin_t, .type = FERRY_PLUGIN_SOURCE,
                                  .class_name = "dev.ferry.test.TxnProbeSourceConnector", .version = "1.0",
                                  .config = probe_config,
                                  .doc = "Test source for connector-defined transaction boundaries."),
        .task_configs = task_configs,
        .source = &source_ops,
        .exactly_once_support = supported,
        .can_define_transaction_boundaries = supported,
};

static const ferry_plugin_info_t *const plugins[] = {&probe.info, NULL};

const ferry_plugin_info_t *const *ferry_plugin_list(void);

const ferry_plugin_info_t *const *ferry_plugin_list(void)
{
        return plugins;
}
