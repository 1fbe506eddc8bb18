/* REST resource POST /ferry/departures (Ferry's own; Connect has none): {"worker_id": "<host:port>",
 * "reason": "..."} says a worker of the group is gone for certain (its process ended: the
 * Kubernetes operator saw its container terminate or its pod deleted). The herder hands it to the
 * leader, which reassigns that worker's connectors and tasks at once instead of after the group
 * session times out. 202 when the leader took it; 400 for a bad body or a standalone worker; 409
 * while no leader is known. */
#include "rest/api.h"

#include <string.h>

static const char *body_string(json_object *body, const char *key)
{
        json_object *v = NULL;
        if (!body || !json_object_object_get_ex(body, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

static void departed(ferry_rest_call_t *c)
{
        const char *id = body_string(c->body, "worker_id"), *reason = body_string(c->body, "reason");
        if (!id || !*id) {
                ferry_rest_error(c, 400,
                                 "The request body needs \"worker_id\": the gone worker's id (host:port).");
                return;
        }
        char errstr[512] = "";
        ferry_herder_rc_t rc = c->h->ops->member_departed(
                c->h, id, reason, ferry_rest_query_bool(c, "forwarded", false), errstr, sizeof(errstr));
        if (rc != FERRY_HERDER_OK) {
                ferry_rest_herder_error(c, rc, errstr, NULL);
                return;
        }
        ferry_jw_t j;
        ferry_jw_init(&j);
        ferry_jw_obj(&j);
        ferry_jw_kv(&j, "worker_id", id);
        ferry_jw_kv(&j, "reason", reason);
        ferry_jw_end_obj(&j);
        ferry_rest_reply_json(c, 202, &j);
}

const ferry_rest_route_t ferry_rest_departure_routes[] = {
        {"POST", "/ferry/departures", departed, FERRY_ROUTE_BODY},
        {NULL, NULL, NULL, 0},
};
