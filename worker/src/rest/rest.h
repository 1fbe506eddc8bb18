/* The worker's REST server: Kafka Connect's REST API over HTTP/1.1 (and HTTPS) on the `listeners`
 * of the worker config. main.c starts it once the herder exists and stops it first at shutdown.
 * Requests are served by the resources in worker/src/rest/ through the herder interface. */
#ifndef FERRY_REST_H
#define FERRY_REST_H

#include "herder/herder.h"

typedef struct ferry_rest ferry_rest_t;

/* Binds every listener, sets w->worker_id (advertised host:port) and starts serving. NULL on
 * failure with errstr naming the listener or setting at fault. */
ferry_rest_t *ferry_rest_start(ferry_worker_t *w, ferry_herder_t *h, char *errstr, size_t errstr_size);
/* Stops listening, answers nothing more, waits (bounded) for requests in flight, frees. */
void ferry_rest_stop(ferry_rest_t *r);

#endif
