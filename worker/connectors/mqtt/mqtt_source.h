/* The MQTT source's connection engine, shared by the Confluent source (mqtt_source.c) and the Lenses
 * source (mqtt_lenses.c): one libmosquitto client per task driven from poll(), reconnecting with
 * backoff, and acknowledging QoS 1/2 messages to the broker only after Kafka acknowledged their
 * records. Each vendor parses its own keys into a spec and turns messages into records with its
 * own builder. */
#ifndef FERRY_MQTT_SOURCE_H
#define FERRY_MQTT_SOURCE_H

#include "mqtt_client.h"

#include <ferry/connector.h>

/* At QoS 0 the bound on records in flight (queue_size) is this many times larger, so reading goes
 * on while the producer lingers and waits for the broker's answer; polls return at most
 * MQTT_QOS0_POLL_MAX records there. At QoS 1 and 2 a poll's acknowledgements wait for all of its
 * records, so its size is the bound itself. */
#define MQTT_QOS0_IN_FLIGHT_FACTOR 3
#define MQTT_QOS0_POLL_MAX         128

/* Appends the records of one message to out (none to drop it); -1 with errstr fails the task. dup:
 * the PUBLISH carried the DUP flag (the broker sent it before, unacknowledged). */
typedef int (*mqtt_source_build_fn)(void *ctx, const struct mosquitto_message *msg, bool dup,
                                    ferry_records_t *out, char *errstr, size_t errstr_size);

typedef struct {
        const char *what; /* "MQTT source", for the log */
        const char *uris_key, *topics_key, *user_key, *timeout_key, *retry_key; /* named in errors */
        const char *const *uris;
        size_t n_uris;
        const char *const *topics; /* the filters this task subscribes to */
        size_t n_topics;
        const char *client_id;
        int qos;
        bool clean;
        int keepalive_s, connect_timeout_s;
        int max_batch;        /* records per poll() */
        int queue_size;       /* records in flight to Kafka at most, times 3 at QoS 0 (0: unbounded) */
        int empty_timeout_ms; /* how long one poll() waits for a message */
        int64_t max_retry_ms; /* the brokers unreachable this long fail the task */
        mqtt_auth_t auth;
        mqtt_source_build_fn build;
        bool build_reads_dup;        /* build() uses dup: only then is the DUP flag tracked (on_log) */
        void *build_ctx;             /* owned by the engine from mqtt_source_open() on */
        void (*free_ctx)(void *ctx); /* frees build_ctx (and what the strings above point into) */
} mqtt_source_spec_t;

typedef struct mqtt_source mqtt_source_t;

/* Creates the task's client (ferry_task_set_data); connecting happens in poll(). Takes build_ctx
 * even when it fails. */
ferry_err_t mqtt_source_open(ferry_task_t *t, const mqtt_source_spec_t *spec, char *errstr,
                             size_t errstr_size);
ferry_err_t mqtt_source_poll(ferry_task_t *t, ferry_records_t *out, char *errstr, size_t errstr_size);
void mqtt_source_commit_record(ferry_task_t *t, const ferry_record_t *r, const ferry_record_metadata_t *md);
void mqtt_source_stop(ferry_task_t *t);

#endif
