/* REST resource "/": GET / (this worker's version and commit and the Kafka cluster id) and GET
 * /health (the herder's start-up and liveness state: 200 healthy, 503 starting, 500 unhealthy). */
#include "rest/api.h"

#ifndef FERRY_VERSION
#define FERRY_VERSION "dev"
#endif
#ifndef FERRY_COMMIT
#define FERRY_COMMIT "unknown"
#endif

static void server_info(ferry_rest_call_t *c)
{
        ferry_jw_t j;
        ferry_jw_init(&j);
        ferry_jw_obj(&j);
        ferry_jw_kv(&j, "version", FERRY_VERSION);
        ferry_jw_kv(&j, "commit", FERRY_COMMIT);
        ferry_jw_kv(&j, "kafka_cluster_id", c->w ? c->w->cluster_id : NULL);
        ferry_jw_end_obj(&j);
        ferry_rest_reply_json(c, 200, &j);
}

static void health(ferry_rest_call_t *c)
{
        char msg[1024] = "";
        ferry_health_t hs = c->h->ops->health(c->h, msg, sizeof(msg));
        int status = 200;
        const char *name = "healthy";
        const char *fallback = "Worker has completed startup and is ready to handle requests.";
        if (hs == FERRY_HEALTH_STARTING) {
                status = 503;
                name = "starting";
                fallback = "Worker is still starting up.";
        } else if (hs == FERRY_HEALTH_UNHEALTHY) {
                status = 500;
                name = "unhealthy";
                fallback = "Worker was unable to handle this request and may be unable to handle other "
                           "requests.";
        }
        ferry_jw_t j;
        ferry_jw_init(&j);
        ferry_jw_obj(&j);
        ferry_jw_kv(&j, "status", name);
        ferry_jw_kv(&j, "message", msg[0] ? msg : fallback);
        ferry_jw_end_obj(&j);
        ferry_rest_reply_json(c, status, &j);
}

const ferry_rest_route_t ferry_rest_root_routes[] = {
        {"GET", "/", server_info, FERRY_ROUTE_ANY_TYPE},
        {"GET", "/health", health, FERRY_ROUTE_ANY_TYPE},
        {NULL, NULL, NULL, 0},
};
