/* librdkafka glue for the worker: builds producer/consumer/admin configs from the worker config
 * with Connect's prefix rules (producer., consumer., admin., and per-connector *.override.),
 * looks up the cluster id at start-up, and runs the embedded mock cluster for quickstarts. Task
 * runners create their clients through here. */
#include "kafka.h"

#include <ferry/log.h>

#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Keys Java clients take that librdkafka has no use for; skipped silently. */
static const char *const java_only[] = {
        "key.serializer", "value.serializer",    "key.deserializer", "value.deserializer",
        "max.block.ms",   "delivery.timeout.ms", "buffer.memory",    NULL};

static bool is_java_only(const char *key)
{
        for (size_t i = 0; java_only[i]; i++)
                if (!strcmp(key, java_only[i]))
                        return true;
        return false;
}

static int apply(rd_kafka_conf_t *conf, const ferry_strmap_t *m, const char *origin, char *errstr,
                 size_t errstr_size)
{
        for (size_t i = 0; m && i < m->n; i++) {
                const char *k = m->kv[i].key, *v = m->kv[i].value;
                if (is_java_only(k))
                        continue;
                char err[256];
                rd_kafka_conf_res_t res = rd_kafka_conf_set(conf, k, v, err, sizeof(err));
                if (res == RD_KAFKA_CONF_UNKNOWN) {
                        FERRY_WARN("Ignoring %s%s: not a setting of the Kafka client", origin, k);
                } else if (res != RD_KAFKA_CONF_OK) {
                        snprintf(errstr, errstr_size, "%s%s: %s", origin, k, err);
                        return -1;
                }
        }
        return 0;
}

rd_kafka_conf_t *ferry_kafka_conf(const ferry_strmap_t *worker, const char *prefix,
                                  const ferry_strmap_t *defaults, const ferry_strmap_t *overrides,
                                  const ferry_strmap_t *fixed, char *errstr, size_t errstr_size)
{
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        ferry_strmap_t base, prefixed;
        ferry_strmap_init(&base);
        ferry_strmap_init(&prefixed);
        const char *bootstrap = ferry_strmap_get(worker, "bootstrap.servers");
        ferry_strmap_set(&base, "bootstrap.servers", bootstrap ? bootstrap : "localhost:9092");
        if (prefix)
                ferry_strmap_sub(&prefixed, worker, prefix);
        char origin[64];
        snprintf(origin, sizeof(origin), "%s", prefix ? prefix : "");
        int rc = apply(conf, &base, "", errstr, errstr_size);
        if (rc == 0)
                rc = apply(conf, defaults, "", errstr, errstr_size);
        if (rc == 0)
                rc = apply(conf, &prefixed, origin, errstr, errstr_size);
        if (rc == 0) {
                char oorigin[80];
                snprintf(oorigin, sizeof(oorigin), "%soverride.", prefix ? prefix : "");
                rc = apply(conf, overrides, oorigin, errstr, errstr_size);
        }
        if (rc == 0)
                rc = apply(conf, fixed, "", errstr, errstr_size);
        ferry_strmap_free(&base);
        ferry_strmap_free(&prefixed);
        if (rc < 0) {
                rd_kafka_conf_destroy(conf);
                return NULL;
        }
        rd_kafka_conf_set(conf, "log.connection.close", "false", NULL, 0);
        return conf;
}

char *ferry_kafka_cluster_id(const ferry_strmap_t *worker, int timeout_ms, char *errstr, size_t errstr_size)
{
        /* Like Java Connect, the look-up uses the worker's top-level client settings. */
        ferry_strmap_t top;
        ferry_strmap_init(&top);
        static const char *const keys[] = {"security.protocol",
                                           "sasl.mechanism",
                                           "sasl.mechanisms",
                                           "sasl.username",
                                           "sasl.password",
                                           "ssl.ca.location",
                                           "ssl.certificate.location",
                                           "ssl.key.location",
                                           "client.id",
                                           NULL};
        for (size_t i = 0; keys[i]; i++) {
                const char *v = ferry_strmap_get(worker, keys[i]);
                if (v)
                        ferry_strmap_set(&top, keys[i], v);
        }
        rd_kafka_conf_t *conf = ferry_kafka_conf(worker, NULL, NULL, NULL, &top, errstr, errstr_size);
        ferry_strmap_free(&top);
        if (!conf)
                return NULL;
        char err[512];
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
        if (!rk) {
                snprintf(errstr, errstr_size, "Failed to create Kafka client: %s", err);
                rd_kafka_conf_destroy(conf);
                return NULL;
        }
        char *id = rd_kafka_clusterid(rk, timeout_ms);
        char *out = NULL;
        if (id) {
                out = strdup(id);
                rd_kafka_mem_free(rk, id);
        } else {
                const char *bs = ferry_strmap_get(worker, "bootstrap.servers");
                snprintf(errstr, errstr_size,
                         "Failed to connect to and describe Kafka cluster at %s within %d ms. Check the "
                         "worker's "
                         "bootstrap.servers and security settings.",
                         bs ? bs : "localhost:9092", timeout_ms);
        }
        rd_kafka_destroy(rk);
        return out;
}

struct ferry_embedded_kafka {
        rd_kafka_t *rk;
        rd_kafka_mock_cluster_t *mc;
};

ferry_embedded_kafka_t *ferry_embedded_kafka_start(int brokers, char *errstr, size_t errstr_size)
{
        ferry_embedded_kafka_t *k = calloc(1, sizeof(*k));
        if (!k)
                return NULL;
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char err[256];
        rd_kafka_conf_set(conf, "log_level", "3", NULL, 0);
        k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
        if (!k->rk) {
                snprintf(errstr, errstr_size, "embedded Kafka: %s", err);
                rd_kafka_conf_destroy(conf);
                free(k);
                return NULL;
        }
        k->mc = rd_kafka_mock_cluster_new(k->rk, brokers);
        if (!k->mc) {
                snprintf(errstr, errstr_size, "embedded Kafka: could not start the in-process cluster");
                rd_kafka_destroy(k->rk);
                free(k);
                return NULL;
        }
        return k;
}

const char *ferry_embedded_kafka_bootstrap(const ferry_embedded_kafka_t *k)
{
        return rd_kafka_mock_cluster_bootstraps(k->mc);
}

void ferry_embedded_kafka_connector_topics(ferry_embedded_kafka_t *k, const ferry_strmap_t *connector_config)
{
        static const char *const keys[] = {"topic", "topics", NULL};
        for (size_t i = 0; k && keys[i]; i++) {
                size_t n;
                char **topics = ferry_split_list(ferry_strmap_get(connector_config, keys[i]), &n);
                for (size_t j = 0; topics && j < n; j++)
                        rd_kafka_mock_topic_create(k->mc, topics[j], 1, 1);
                ferry_strlist_free(topics, n);
        }
}

void ferry_embedded_kafka_stop(ferry_embedded_kafka_t *k)
{
        if (!k)
                return;
        rd_kafka_mock_cluster_destroy(k->mc);
        rd_kafka_destroy(k->rk);
        free(k);
}

#define ADMIN_TIMEOUT_MS 30000

static rd_kafka_t *admin_client(const ferry_strmap_t *worker, char *errstr, size_t errstr_size)
{
        rd_kafka_conf_t *conf = ferry_kafka_conf(worker, "admin.", NULL, NULL, NULL, errstr, errstr_size);
        if (!conf)
                return NULL;
        char err[512];
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
        if (!rk) {
                snprintf(errstr, errstr_size, "cannot create admin client: %s", err);
                rd_kafka_conf_destroy(conf);
        }
        return rk;
}

/* Options giving every admin call a request timeout, so its result event always arrives. */
static rd_kafka_AdminOptions_t *admin_options(rd_kafka_t *rk)
{
        rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_ANY);
        char err[256];
        rd_kafka_AdminOptions_set_request_timeout(o, ADMIN_TIMEOUT_MS, err, sizeof(err));
        return o;
}

/* Waits for the result event of an admin call on q; NULL with errstr on error. The client must
 * not be destroyed while a request is in flight (librdkafka asserts), so this waits for the
 * event, which the request timeout guarantees. */
static rd_kafka_event_t *admin_wait(rd_kafka_queue_t *q, const char *what, char *errstr, size_t errstr_size)
{
        rd_kafka_event_t *ev = NULL;
        while (!ev)
                ev = rd_kafka_queue_poll(q, 1000);
        if (rd_kafka_event_error(ev)) {
                snprintf(errstr, errstr_size, "%s: %s", what, rd_kafka_event_error_string(ev));
                rd_kafka_event_destroy(ev);
                return NULL;
        }
        return ev;
}

/* The first error of a group result or of one of its partitions, as 0 or -1 with errstr. */
static int group_result_check(const rd_kafka_group_result_t *g, const char *what, char *errstr,
                              size_t errstr_size)
{
        const rd_kafka_error_t *e = rd_kafka_group_result_error(g);
        if (e) {
                snprintf(errstr, errstr_size, "%s: %s", what, rd_kafka_error_string(e));
                return -1;
        }
        const rd_kafka_topic_partition_list_t *parts = rd_kafka_group_result_partitions(g);
        for (int i = 0; parts && i < parts->cnt; i++) {
                if (parts->elems[i].err) {
                        snprintf(errstr, errstr_size, "%s: %s [%d]: %s", what, parts->elems[i].topic,
                                 parts->elems[i].partition, rd_kafka_err2str(parts->elems[i].err));
                        return -1;
                }
        }
        return 0;
}

int ferry_kafka_group_offsets(const ferry_strmap_t *worker, const char *group,
                              rd_kafka_topic_partition_list_t **out, char *errstr, size_t errstr_size)
{
        *out = NULL;
        rd_kafka_t *rk = admin_client(worker, errstr, errstr_size);
        if (!rk)
                return -1;
        rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
        rd_kafka_ListConsumerGroupOffsets_t *req = rd_kafka_ListConsumerGroupOffsets_new(group, NULL);
        rd_kafka_AdminOptions_t *opts = admin_options(rk);
        rd_kafka_ListConsumerGroupOffsets(rk, &req, 1, opts, q);
        rd_kafka_AdminOptions_destroy(opts);
        rd_kafka_ListConsumerGroupOffsets_destroy(req);
        int rc = -1;
        rd_kafka_event_t *ev = admin_wait(q, "listing consumer group offsets", errstr, errstr_size);
        if (ev) {
                size_t n = 0;
                const rd_kafka_group_result_t **groups = rd_kafka_ListConsumerGroupOffsets_result_groups(
                        rd_kafka_event_ListConsumerGroupOffsets_result(ev), &n);
                if (n == 1 && group_result_check(groups[0], "listing consumer group offsets", errstr,
                                                 errstr_size) == 0) {
                        const rd_kafka_topic_partition_list_t *parts =
                                rd_kafka_group_result_partitions(groups[0]);
                        *out = parts ? rd_kafka_topic_partition_list_copy(parts)
                                     : rd_kafka_topic_partition_list_new(0);
                        rc = 0;
                }
                rd_kafka_event_destroy(ev);
        }
        rd_kafka_queue_destroy(q);
        rd_kafka_destroy(rk);
        return rc;
}

int ferry_kafka_group_alter(const ferry_strmap_t *worker, const char *group,
                            const rd_kafka_topic_partition_list_t *alter,
                            const rd_kafka_topic_partition_list_t *del, char *errstr, size_t errstr_size)
{
        rd_kafka_t *rk = admin_client(worker, errstr, errstr_size);
        if (!rk)
                return -1;
        rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
        int rc = 0;
        if (alter && alter->cnt) {
                rd_kafka_AlterConsumerGroupOffsets_t *req =
                        rd_kafka_AlterConsumerGroupOffsets_new(group, alter);
                rd_kafka_AdminOptions_t *opts = admin_options(rk);
                rd_kafka_AlterConsumerGroupOffsets(rk, &req, 1, opts, q);
                rd_kafka_AdminOptions_destroy(opts);
                rd_kafka_AlterConsumerGroupOffsets_destroy(req);
                rd_kafka_event_t *ev = admin_wait(q, "altering consumer group offsets", errstr, errstr_size);
                rc = -1;
                if (ev) {
                        size_t n = 0;
                        const rd_kafka_group_result_t **groups =
                                rd_kafka_AlterConsumerGroupOffsets_result_groups(
                                        rd_kafka_event_AlterConsumerGroupOffsets_result(ev), &n);
                        rc = n == 1 ? group_result_check(groups[0], "altering consumer group offsets", errstr,
                                                         errstr_size)
                                    : -1;
                        rd_kafka_event_destroy(ev);
                }
        }
        if (rc == 0 && del && del->cnt) {
                rd_kafka_DeleteConsumerGroupOffsets_t *req =
                        rd_kafka_DeleteConsumerGroupOffsets_new(group, del);
                rd_kafka_AdminOptions_t *opts = admin_options(rk);
                rd_kafka_DeleteConsumerGroupOffsets(rk, &req, 1, opts, q);
                rd_kafka_AdminOptions_destroy(opts);
                rd_kafka_DeleteConsumerGroupOffsets_destroy(req);
                rd_kafka_event_t *ev = admin_wait(q, "deleting consumer group offsets", errstr, errstr_size);
                rc = -1;
                if (ev) {
                        size_t n = 0;
                        const rd_kafka_group_result_t **groups =
                                rd_kafka_DeleteConsumerGroupOffsets_result_groups(
                                        rd_kafka_event_DeleteConsumerGroupOffsets_result(ev), &n);
                        rc = n == 1 ? group_result_check(groups[0], "deleting consumer group offsets", errstr,
                                                         errstr_size)
                                    : -1;
                        rd_kafka_event_destroy(ev);
                }
        }
        rd_kafka_queue_destroy(q);
        rd_kafka_destroy(rk);
        return rc;
}

int ferry_kafka_group_delete(const ferry_strmap_t *worker, const char *group, char *errstr,
                             size_t errstr_size)
{
        rd_kafka_t *rk = admin_client(worker, errstr, errstr_size);
        if (!rk)
                return -1;
        rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
        rd_kafka_DeleteGroup_t *req = rd_kafka_DeleteGroup_new(group);
        rd_kafka_AdminOptions_t *opts = admin_options(rk);
        rd_kafka_DeleteGroups(rk, &req, 1, opts, q);
        rd_kafka_AdminOptions_destroy(opts);
        rd_kafka_DeleteGroup_destroy(req);
        int rc = -1;
        rd_kafka_event_t *ev = admin_wait(q, "deleting consumer group", errstr, errstr_size);
        if (ev) {
                size_t n = 0;
                const rd_kafka_group_result_t **groups =
                        rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev), &n);
                const rd_kafka_error_t *e = n == 1 ? rd_kafka_group_result_error(groups[0]) : NULL;
                if (e && rd_kafka_error_code(e) != RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND)
                        snprintf(errstr, errstr_size, "deleting consumer group %s: %s", group,
                                 rd_kafka_error_string(e));
                else
                        rc = 0;
                rd_kafka_event_destroy(ev);
        }
        rd_kafka_queue_destroy(q);
        rd_kafka_destroy(rk);
        return rc;
}
