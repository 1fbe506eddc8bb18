/* The MQTT sink's connection part, shared by the Confluent sink (mqtt_sink.c) and the Lenses sink
 * (mqtt_lenses.c): one libmosquitto client per task on its own network thread, publishes counted
 * so that flush() returns only once the broker acknowledged every QoS 1/2 message. */
#ifndef FERRY_MQTT_SINK_H
#define FERRY_MQTT_SINK_H

#include "mqtt_client.h"

#include <ferry/connector.h>

typedef struct {
        const char *uris_key, *timeout_key, *retry_key; /* named in errors */
        const char *const *uris;
        size_t n_uris;
        const char *client_id;
        int qos; /* for the delivery accounting: the QoS every publish of the task uses */
        bool retain, clean;
        int keepalive_s, connect_timeout_s;
        int64_t max_retry_ms, publish_timeout_ms;
        mqtt_auth_t auth;
        void *ctx;                   /* the vendor's state, owned from mqtt_sink_open() on */
        void (*free_ctx)(void *ctx); /* frees ctx (and what the strings above point into) */
} mqtt_sink_spec_t;

/* Connects (retrying for max_retry_ms) and sets the task data. Takes ctx even when it fails. */
ferry_err_t mqtt_sink_open(ferry_task_t *t, const mqtt_sink_spec_t *spec, char *errstr, size_t errstr_size);
void *mqtt_sink_ctx(ferry_task_t *t);
ferry_err_t mqtt_sink_publish(ferry_task_t *t, const char *topic, const void *data, size_t len, int qos,
                              bool retain, char *errstr, size_t errstr_size);
ferry_err_t mqtt_sink_flush(ferry_task_t *t, char *errstr, size_t errstr_size);
void mqtt_sink_stop(ferry_task_t *t);

#endif
