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
rd_kafka_conf_t *ferry_kafka_conf(const ferry_strmap_t *worker, const char *prefix,
                                  const ferry_strmap_t *defaults, const ferry_strmap_t *overrides,
                                  const ferry_strmap_t *fixed, char *errstr, size_t errstr_size);

/* Connects with the worker's top-level client settings and returns the cluster id (caller frees),
 * waiting up to timeout_ms. NULL with errstr when the cluster cannot be reached. */
char *ferry_kafka_cluster_id(const ferry_strmap_t *worker, int timeout_ms, char *errstr, size_t errstr_size);

/* The embedded cluster (librdkafka's mock cluster): one broker on a loopback port. */
typedef struct ferry_embedded_kafka ferry_embedded_kafka_t;
ferry_embedded_kafka_t *ferry_embedded_kafka_start(int brokers, char *errstr, size_t errstr_size);
const char *ferry_embedded_kafka_bootstrap(const ferry_embedded_kafka_t *k);
void ferry_embedded_kafka_stop(ferry_embedded_kafka_t *k);
/* Creates the topics a connector config names (`topic`, `topics`) with one partition, as a stock
 * single broker (num.partitions=1) would auto-create them; the mock cluster's own default is
 * several partitions, which would reorder a file's lines. Existing topics are left alone. */
void ferry_embedded_kafka_connector_topics(ferry_embedded_kafka_t *k, const ferry_strmap_t *connector_config);
/* The cluster's flow control (embedded_gate.h): source tasks wait there rather than let the
 * broker drop records its sink connectors have not read. */
struct ferry_gate *ferry_embedded_kafka_gate(const ferry_embedded_kafka_t *k);
/* Creates a topic directly in the cluster (it has no controller for the admin API); partitions or
 * rf <= 0 mean 1. An existing topic is fine (*created false). Topic configs do not apply. */
int ferry_embedded_kafka_create_topic(ferry_embedded_kafka_t *k, const char *topic, int partitions, int rf,
                                      bool *created, char *errstr, size_t errstr_size);

/* ---- consumer group offsets (sink connectors' offsets API), through an admin client built from
 * the worker's "admin."-prefixed settings ---- */
/* Committed offsets of group; *out is a new list (caller destroys). */
int ferry_kafka_group_offsets(const ferry_strmap_t *worker, const char *group,
                              rd_kafka_topic_partition_list_t **out, char *errstr, size_t errstr_size);
/* Sets the committed offsets in `alter` (may be NULL), deletes those in `del` (may be NULL). */
int ferry_kafka_group_alter(const ferry_strmap_t *worker, const char *group,
                            const rd_kafka_topic_partition_list_t *alter,
                            const rd_kafka_topic_partition_list_t *del, char *errstr, size_t errstr_size);
/* Deletes the whole group (its committed offsets included). A group that does not exist is fine. */
int ferry_kafka_group_delete(const ferry_strmap_t *worker, const char *group, char *errstr,
                             size_t errstr_size);

/* ---- group membership (the distributed herder's leader) ---- */
/* Client ids of the live members of group (DescribeConsumerGroups), sorted and de-duplicated;
 * timeout_ms bounds the call. */
int ferry_kafka_group_members_isolated(const ferry_strmap_t *worker, const char *group, int timeout_ms,
                                       char ***out, size_t *n_out, char *errstr, size_t errstr_size);
/* The same through an admin client the caller keeps (group_describer.c's child). */
int ferry_kafka_group_members_rk(rd_kafka_t *rk, const char *group, char ***out, size_t *n_out, char *errstr,
                                 size_t errstr_size);
/* An admin client built from the worker's "admin."-prefixed settings (caller destroys). */
rd_kafka_t *ferry_kafka_admin_client(const ferry_strmap_t *worker, char *errstr, size_t errstr_size);
/* The group calls above and ferry_kafka_group_offsets/alter/delete run in a child process
 * (`ferry-worker kafka-admin OP GROUP`, the worker config on its stdin): librdkafka 2.0 can abort
 * the whole process when a coordinator-bound admin request is cut by a broker going away (its
 * issues #3663, #4605), and in a child that costs one failed call, not the worker. This is the
 * child's side; it returns the exit code. */
int ferry_kafka_admin_main(const char *op, const char *group);

#endif
