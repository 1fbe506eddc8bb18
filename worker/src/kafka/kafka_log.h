/* A compacted Kafka topic used as a replicated log (Connect's KafkaBasedLog): every worker reads it
 * from the beginning on a thread of its own and keeps reading; writes are produced and acknowledged
 * synchronously. The config, offset, status and coordination stores of distributed mode sit on it. */
#ifndef FERRY_KAFKA_LOG_H
#define FERRY_KAFKA_LOG_H

#include <ferry/config.h>

#include <stddef.h>
#include <stdint.h>

typedef struct ferry_klog ferry_klog_t;

/* Called on the reader thread for every record in order; value NULL is a tombstone. */
typedef void (*ferry_klog_cb)(void *data, const char *key, size_t klen, const char *value, size_t vlen);

typedef struct ferry_klog_opts {
        const char *topic;
        int partitions;         /* used when creating the topic */
        int replication_factor; /* -1: broker default */
        bool require_single;    /* refuse a topic with more than one partition (config topic) */
        const char *config_key; /* worker key naming the topic, for error messages */
        const char *client_id;
} ferry_klog_opts_t;

/* Creates the topic when missing (compacted), starts the reader. NULL with errstr on failure. */
ferry_klog_t *ferry_klog_open(const ferry_strmap_t *worker, const ferry_klog_opts_t *opts, ferry_klog_cb cb,
                              void *data, char *errstr, size_t errstr_size);
/* Creates the topic when missing (no reader): for topics used only for group membership. */
int ferry_klog_ensure_topic(const ferry_strmap_t *worker, const ferry_klog_opts_t *opts, char *errstr,
                            size_t errstr_size);
/* Produces one record and waits for Kafka's acknowledgement (value NULL: tombstone). */
int ferry_klog_send(ferry_klog_t *l, const char *key, const char *value, size_t vlen, char *errstr,
                    size_t errstr_size);
/* Waits until the reader has consumed everything written before this call. */
int ferry_klog_read_to_end(ferry_klog_t *l, int timeout_ms, char *errstr, size_t errstr_size);
void ferry_klog_close(ferry_klog_t *l);

#endif
