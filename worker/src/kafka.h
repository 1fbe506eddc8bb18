/* librdkafka glue: client configuration with Connect's pass-through rules, cluster look-ups, and the
 * embedded (in-process mock) cluster behind --embedded-kafka. */
#ifndef FERRY_KAFKA_H
#define FERRY_KAFKA_H

#include <ferry/config.h>
#include <librdkafka/rdkafka.h>

/* Builds a client config from layers applied in order (later wins), each optional:
 * defaults (runtime-chosen), the worker's "<prefix>"-prefixed keys (e.g. "producer."),
 * overrides (the connector's "<prefix>override." keys, already stripped) and fixed keys the
 * runtime insists on. bootstrap.servers comes from the worker config. Java-only keys that
 * librdkafka does not know are skipped with a warning; a bad value for a known key is an error
 * naming the key. */
rd_kafka_conf_t *ferry_kafka_conf(const ferry_strmap_t *worker, const char *prefix, const ferry_strmap_t *defaults,
                                  const ferry_strmap_t *overrides, const ferry_strmap_t *fixed, char *errstr,
                                  size_t errstr_size);

/* Connects with the worker's top-level client settings and returns the cluster id (caller frees),
 * waiting up to timeout_ms. NULL with errstr when the cluster cannot be reached. */
char *ferry_kafka_cluster_id(const ferry_strmap_t *worker, int timeout_ms, char *errstr, size_t errstr_size);

/* The embedded cluster (librdkafka's mock cluster): one broker on a loopback port. */
typedef struct ferry_embedded_kafka ferry_embedded_kafka_t;
ferry_embedded_kafka_t *ferry_embedded_kafka_start(int brokers, char *errstr, size_t errstr_size);
const char *ferry_embedded_kafka_bootstrap(const ferry_embedded_kafka_t *k);
void ferry_embedded_kafka_stop(ferry_embedded_kafka_t *k);

#endif
