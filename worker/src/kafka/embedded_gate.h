/* Flow control for the embedded broker (embedded_gate.c): librdkafka's mock cluster keeps at most
 * 5 MiB of record batches per partition and silently drops the oldest beyond that. The gate holds
 * source tasks back before a topic's records that sink connectors of this worker have not yet
 * committed would exceed that, and lets them go on as the sinks commit. */
#ifndef FERRY_EMBEDDED_GATE_H
#define FERRY_EMBEDDED_GATE_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The mock cluster's fixed retention per partition (rdkafka_mock.c: max_size), in bytes of stored
 * record batches, and the number of batches (max_cnt). */
#define FERRY_EMBEDDED_PARTITION_BYTES   (5 * 1024 * 1024)
#define FERRY_EMBEDDED_PARTITION_BATCHES 100000
/* How long a source waits for a sink connector to read a topic that none reads before the broker
 * is let drop the topic's oldest records. */
#define FERRY_EMBEDDED_NO_READER_WAIT_MS 30000

typedef struct ferry_gate ferry_gate_t;
typedef struct ferry_gate_group ferry_gate_group_t;

ferry_gate_t *ferry_gate_new(void);
void ferry_gate_free(ferry_gate_t *g);

/* The bytes a record may take in a stored batch, never less than it does: its key, value and
 * header bytes plus a whole batch header and the largest record framing, so that the estimate
 * also bounds the batch count (each estimate is over 5 MiB / 100000 batches). */
size_t ferry_gate_record_bytes(size_t key_len, size_t value_len, const rd_kafka_headers_t *hdrs);

/* ---- source side ---- */
/* Takes room for `bytes` more on the topic when the records the sink connectors named in
 * `readers` have not committed, plus those in flight, stay within what the broker keeps (less
 * `max_batch`, the producer's batch.size: the broker drops whole batches). true when taken; false
 * when the caller must wait (ferry_gate_wait) and try again. A topic no sink connector reads
 * waits FERRY_EMBEDDED_NO_READER_WAIT_MS for one, then is let through (logged). */
bool ferry_gate_admit(ferry_gate_t *g, const char *topic, size_t bytes, size_t max_batch,
                      char *const *readers, size_t n_readers);
/* After a refused ferry_gate_admit: waits up to timeout_ms for a commit or a release that may make
 * room (returns at once when one came since). */
void ferry_gate_wait(ferry_gate_t *g, int timeout_ms);
/* A record taken with ferry_gate_admit was stored at partition/offset. */
void ferry_gate_delivered(ferry_gate_t *g, const char *topic, int32_t partition, int64_t offset,
                          size_t bytes);
/* Gives back room taken for records that were not stored. */
void ferry_gate_release(ferry_gate_t *g, const char *topic, size_t bytes);

/* ---- sink side (groups are named by their sink connector) ---- */
ferry_gate_group_t *ferry_gate_group(ferry_gate_t *g, const char *connector);
/* Whether a source waits for this group to commit. */
bool ferry_gate_wants_commit(const ferry_gate_group_t *grp);
/* The group committed these offsets (next offset to read per partition). */
void ferry_gate_committed(ferry_gate_t *g, ferry_gate_group_t *grp,
                          const rd_kafka_topic_partition_list_t *offsets);

#endif
