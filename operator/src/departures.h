/* Announcing worker processes that ended (departures.c): queued from the pod watch and from the
 * KafkaConnect reconcile, told to a live worker of the cluster by a thread of their own. */
#ifndef FERRY_OPERATOR_DEPARTURES_H
#define FERRY_OPERATOR_DEPARTURES_H

#include "cluster.h"

struct op_departures *op_departures_start(op_ctx_t *ctx);
void op_departures_stop(struct op_departures *d);
/* A pod event from the watch (informer thread; deleted: the pod is gone and pod is its last
 * state): queues the departure when the API server says its worker process ended. Only while
 * this operator leads. */
void op_departures_pod_event(op_ctx_t *ctx, json_object *pod, bool deleted);
/* Queues the departure of pod's worker (rest_port <= 0: the pod's containerPort "rest"); why
 * completes "the container of pod <name> ...". */
void op_departures_add(op_ctx_t *ctx, json_object *pod, int rest_port, const char *why);

#endif
