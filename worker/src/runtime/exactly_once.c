/* Exactly-once source support beside the runtime: the worker's exactly.once.source.support level,
 * the preflight checks of a source connector's exactly.once.support and transaction.boundary (the
 * messages Connect's DistributedHerder gives), the transactional ids of source tasks
 * ("<group.id>-<connector>-<task>"), zombie fencing (initialising each id with a new producer, which
 * bumps its epoch), and the TransactionContext calls of the SDK, which record the task's requests
 * for the source runner (task_source.c) to act on. */
#include "runtime/exactly_once.h"

#include "kafka/kafka.h"
#include "kafka/kafka_log.h"

#include <ferry/log.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

ferry_eos_level_t ferry_eos_level(const ferry_strmap_t *worker)
{
        const char *v = ferry_config_str(ferry_worker_config, worker, "exactly.once.source.support");
        if (v && !strcasecmp(v, "enabled"))
                return FERRY_EOS_ENABLED;
        if (v && !strcasecmp(v, "preparing"))
                return FERRY_EOS_PREPARING;
        return FERRY_EOS_DISABLED;
}

static bool has_error(const ferry_cfg_errors_t *errs, const char *key)
{
        for (size_t i = 0; i < errs->n; i++)
                if (errs->e[i].key && !strcmp(errs->e[i].key, key))
                        return true;
        return false;
}

void ferry_eos_validate(ferry_worker_t *w, const ferry_connector_plugin_t *p, const ferry_strmap_t *config,
                        ferry_cfg_errors_t *errs)
{
        if (!w->distributed || p->info.type != FERRY_PLUGIN_SOURCE)
                return;
        bool has_eos = FERRY_HAS_MEMBER(p->info.size, ferry_connector_plugin_t, exactly_once_support);
        bool has_tb =
                FERRY_HAS_MEMBER(p->info.size, ferry_connector_plugin_t, can_define_transaction_boundaries);
        const char *eos = ferry_config_str(ferry_source_connector_config, config, "exactly.once.support");
        if (!has_error(errs, "exactly.once.support") && eos && !strcasecmp(eos, "required")) {
                if (w->eos != FERRY_EOS_ENABLED)
                        ferry_cfg_errors_add(
                                errs, "exactly.once.support",
                                "This worker does not have exactly-once source support enabled.");
                ferry_support_t s = has_eos && p->exactly_once_support ? p->exactly_once_support(config)
                                                                       : FERRY_SUPPORT_UNKNOWN;
                if (s == FERRY_SUPPORT_UNKNOWN)
                        ferry_cfg_errors_add(
                                errs, "exactly.once.support",
                                "The connector does not implement the API required for preflight validation "
                                "of "
                                "exactly-once source support. Please consult the documentation for the "
                                "connector to determine whether it supports exactly-once semantics, and then "
                                "consider reconfiguring the connector to use the value \"requested\" for "
                                "this "
                                "property (which will disable this preflight check and allow the connector "
                                "to "
                                "be created).");
                else if (s != FERRY_SUPPORT_SUPPORTED)
                        ferry_cfg_errors_add(errs, "exactly.once.support",
                                             "The connector does not support exactly-once semantics with the "
                                             "provided configuration.");
        }
        const char *tb = ferry_config_str(ferry_source_connector_config, config, "transaction.boundary");
        if (!has_error(errs, "transaction.boundary") && tb && !strcasecmp(tb, "connector")) {
                ferry_support_t s = has_tb && p->can_define_transaction_boundaries
                                            ? p->can_define_transaction_boundaries(config)
                                            : FERRY_SUPPORT_UNSUPPORTED;
                if (s != FERRY_SUPPORT_SUPPORTED)
                        ferry_cfg_errors_add(errs, "transaction.boundary",
                                             "The connector does not support connector-defined transaction "
                                             "boundaries with the given configuration. Please reconfigure it "
                                             "to use a different transaction boundary definition.");
        }
}

void ferry_eos_transactional_id(const ferry_strmap_t *worker, const char *connector, int task, char *out,
                                size_t out_size)
{
        const char *group = ferry_strmap_get(worker, "group.id");
        snprintf(out, out_size, "%s-%s-%d", group ? group : "", connector, task);
}

ferry_boundary_t ferry_eos_boundary(const ferry_strmap_t *conn_config)
{
        const char *tb = ferry_config_str(ferry_source_connector_config, conn_config, "transaction.boundary");
        if (tb && !strcasecmp(tb, "interval"))
                return FERRY_BOUNDARY_INTERVAL;
        if (tb && !strcasecmp(tb, "connector"))
                return FERRY_BOUNDARY_CONNECTOR;
        return FERRY_BOUNDARY_POLL;
}

int64_t ferry_eos_boundary_interval(const ferry_strmap_t *worker, const ferry_strmap_t *conn_config)
{
        const char *v = ferry_strmap_get(conn_config, "transaction.boundary.interval.ms");
        if (v && *v)
                return ferry_config_int(ferry_source_connector_config, conn_config,
                                        "transaction.boundary.interval.ms");
        return ferry_config_int(ferry_worker_config, worker, "offset.flush.interval.ms");
}

bool ferry_eos_task_enabled(const ferry_task_t *t)
{
        return t->w->distributed && t->w->eos == FERRY_EOS_ENABLED && t->plugin->source;
}

int ferry_eos_fence(const ferry_strmap_t *worker, const ferry_strmap_t *conn_config, const char *connector,
                    int n_tasks, char *errstr, size_t errstr_size)
{
        int timeout = (int)ferry_config_int(ferry_worker_config, worker, "default.api.timeout.ms");
        for (int i = 0; i < n_tasks; i++) {
                char tid[512], cid[600];
                ferry_eos_transactional_id(worker, connector, i, tid, sizeof(tid));
                snprintf(cid, sizeof(cid), "connector-fencer-%s-%d", connector, i);
                ferry_strmap_t defaults, overrides, fixed;
                ferry_strmap_init(&defaults);
                ferry_strmap_init(&overrides);
                ferry_strmap_init(&fixed);
                ferry_strmap_set(&defaults, "client.id", cid);
                ferry_strmap_set(&fixed, "transactional.id", tid);
                ferry_strmap_set(&fixed, "enable.idempotence", "true");
                if (conn_config)
                        ferry_strmap_sub(&overrides, conn_config, "producer.override.");
                rd_kafka_conf_t *conf = ferry_kafka_conf(worker, "producer.", &defaults, &overrides, &fixed,
                                                         errstr, errstr_size);
                ferry_strmap_free(&defaults);
                ferry_strmap_free(&overrides);
                ferry_strmap_free(&fixed);
                if (!conf)
                        return -1;
                char err[512];
                rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
                if (!rk) {
                        rd_kafka_conf_destroy(conf);
                        snprintf(errstr, errstr_size, "cannot create a producer to fence %s: %s", tid, err);
                        return -1;
                }
                rd_kafka_error_t *e = rd_kafka_init_transactions(rk, timeout);
                if (e) {
                        snprintf(errstr, errstr_size, "failed to fence out the producer of %s: %s", tid,
                                 rd_kafka_error_string(e));
                        rd_kafka_error_destroy(e);
                        rd_kafka_destroy(rk);
                        return -1;
                }
                rd_kafka_destroy(rk);
                FERRY_DEBUG("Fenced out transactional id %s", tid);
        }
        return 0;
}

/* Opens the connector's own offsets topic (offsets.storage.topic) when it names one other than the
 * worker's, in distributed mode. */
int ferry_eos_open_own_offsets(ferry_task_t *t, char *errstr, size_t errstr_size)
{
        const ferry_strmap_t *wc = &t->w->config;
        const char *own = ferry_strmap_get(&t->conn_config, "offsets.storage.topic");
        const char *global = ferry_strmap_get(wc, "offset.storage.topic");
        if (!t->w->distributed || !own || !*own || (global && !strcmp(own, global)))
                return 0;
        char cid[512];
        snprintf(cid, sizeof(cid), "connector-offsets-%s-%d", t->connector, t->id);
        ferry_klog_opts_t o = {
                .topic = own,
                .partitions = (int)ferry_config_int(ferry_worker_config, wc, "offset.storage.partitions"),
                .replication_factor =
                        (int)ferry_config_int(ferry_worker_config, wc, "offset.storage.replication.factor"),
                .config_key = "offsets.storage.topic",
                .client_id = cid};
        t->own_offsets = ferry_offsets_open_kafka(wc, &o, errstr, errstr_size);
        return t->own_offsets ? 0 : -1;
}

/* ---- TransactionContext (SDK) ---- */

bool ferry_source_task_transactions(ferry_task_t *t)
{
        return t && t->txn.enabled;
}

void ferry_source_task_commit_transaction(ferry_task_t *t, const ferry_record_t *r)
{
        if (!t || !t->txn.enabled)
                return;
        if (r)
                t->txn.commit_rec = r;
        else
                t->txn.commit_batch = true;
}

void ferry_source_task_abort_transaction(ferry_task_t *t, const ferry_record_t *r)
{
        if (!t || !t->txn.enabled)
                return;
        if (r)
                t->txn.abort_rec = r;
        else
                t->txn.abort_batch = true;
}
