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
static const char *const java_only[] = {"key.serializer", "value.serializer", "key.deserializer",
                                        "value.deserializer", "max.block.ms", "delivery.timeout.ms",
                                        "buffer.memory", NULL};

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

rd_kafka_conf_t *ferry_kafka_conf(const ferry_strmap_t *worker, const char *prefix, const ferry_strmap_t *defaults,
                                  const ferry_strmap_t *overrides, const ferry_strmap_t *fixed, char *errstr,
                                  size_t errstr_size)
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
        static const char *const keys[] = {"security.protocol", "sasl.mechanism", "sasl.mechanisms",
                                           "sasl.username", "sasl.password", "ssl.ca.location",
                                           "ssl.certificate.location", "ssl.key.location", "client.id", NULL};
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
                         "Failed to connect to and describe Kafka cluster at %s within %d ms. Check the worker's "
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

void ferry_embedded_kafka_stop(ferry_embedded_kafka_t *k)
{
        if (!k)
                return;
        rd_kafka_mock_cluster_destroy(k->mc);
        rd_kafka_destroy(k->rk);
        free(k);
}
