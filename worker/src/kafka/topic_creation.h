/* Source topic creation (KIP-158): topic.creation.groups with per-group include/exclude regexes,
 * replication factor, partitions and topic configs, and the mandatory "default" group. A source task
 * creates a topic it is about to produce to for the first time through the admin API (an existing
 * topic is left alone), before the first record goes out. */
#ifndef FERRY_TOPIC_CREATION_H
#define FERRY_TOPIC_CREATION_H

#include "kafka/kafka.h"

#include <ferry/config.h>
#include <librdkafka/rdkafka.h>

typedef struct ferry_topic_creation ferry_topic_creation_t;

/* Connector validation: when any topic.creation.* key is set, the default group's replication factor
 * and partitions are required, numbers are -1 or >= 1, and regexes compile. */
void ferry_topic_creation_validate(const ferry_strmap_t *config, ferry_cfg_errors_t *errs);
/* NULL when the connector does not use topic creation (no topic.creation.* keys) or the worker
 * disabled it. */
ferry_topic_creation_t *ferry_topic_creation_new(const ferry_strmap_t *worker, const ferry_strmap_t *config);
void ferry_topic_creation_free(ferry_topic_creation_t *tc);
/* Creates `topic` (once per topic per task) with the settings of the first group that matches it.
 * rk is any client handle of the task. 0 when the topic exists or was created; -1 with errstr. */
int ferry_topic_creation_ensure(ferry_topic_creation_t *tc, rd_kafka_t *rk, const char *topic, char *errstr,
                                size_t errstr_size);
/* On the embedded cluster (k not NULL) topics are created in it directly (no admin API there);
 * topic configs do not apply. tc may be NULL. */
void ferry_topic_creation_use_embedded(ferry_topic_creation_t *tc, ferry_embedded_kafka_t *k);

#endif
