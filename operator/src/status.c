/* Writing back to the API server on behalf of the reconcilers: status conditions (keeping
 * lastTransitionTime while a condition's status holds), status replacement through the status
 * subresource only when something changed (so steady state costs no writes), and merge patches for
 * finalizers and annotations. */
#include "operator.h"

#include <ferry/log.h>

#include <stdio.h>
#include <string.h>

const kube_gvr_t op_gvr_connect = {OP_GROUP, OP_VERSION, "kafkaconnects"};
const kube_gvr_t op_gvr_connector = {OP_GROUP, OP_VERSION, "kafkaconnectors"};

json_object *op_set_condition(json_object *old_conditions, const char *type, const char *status,
                              const char *reason, const char *message)
{
        json_object *out = json_object_new_array();
        char now[64];
        kube_now(now, sizeof(now), false);
        const char *ltt = now;
        for (size_t i = 0; old_conditions && json_object_is_type(old_conditions, json_type_array) &&
                           i < json_object_array_length(old_conditions);
             i++) {
                json_object *c = json_object_array_get_idx(old_conditions, i);
                const char *t = kube_str(c, "type");
                if (t && !strcmp(t, type)) {
                        const char *s = kube_str(c, "status"), *l = kube_str(c, "lastTransitionTime");
                        if (s && l && !strcmp(s, status))
                                ltt = l;
                        continue;
                }
                json_object_array_add(out, json_object_get(c));
        }
        json_object *c = json_object_new_object();
        json_object_object_add(c, "type", json_object_new_string(type));
        json_object_object_add(c, "status", json_object_new_string(status));
        json_object_object_add(c, "lastTransitionTime", json_object_new_string(ltt));
        if (reason)
                json_object_object_add(c, "reason", json_object_new_string(reason));
        if (message)
                json_object_object_add(c, "message", json_object_new_string(message));
        json_object_array_add(out, c);
        return out;
}

int op_patch_status(op_ctx_t *ctx, const char *path, json_object *old_status, json_object *status)
{
        if (old_status && json_object_equal(old_status, status))
                return 0;
        /* JSON patch "add" replaces /status whole (a merge patch would keep stale keys). */
        json_object *patch = json_object_new_array();
        json_object *op = json_object_new_object();
        json_object_object_add(op, "op", json_object_new_string("add"));
        json_object_object_add(op, "path", json_object_new_string("/status"));
        json_object_object_add(op, "value", json_object_get(status));
        json_object_array_add(patch, op);
        char p[1024];
        snprintf(p, sizeof(p), "%s/status", path);
        kube_result_t res;
        kube_request(ctx->kube, "PATCH", p, KUBE_JSON_PATCH, patch, &res);
        json_object_put(patch);
        int rc = res.status == 200 ? 0 : -1;
        if (rc)
                FERRY_WARN("status update %s failed: %s", path, res.err);
        else
                atomic_fetch_add(&ctx->m.status_patches, 1);
        kube_result_clear(&res);
        return rc;
}

int op_merge_patch(op_ctx_t *ctx, const char *path, json_object *patch, char *errstr, size_t errlen)
{
        kube_result_t res;
        kube_request(ctx->kube, "PATCH", path, KUBE_MERGE_PATCH, patch, &res);
        int rc = res.status == 200 ? 0 : -1;
        if (rc)
                snprintf(errstr, errlen, "%s", res.err);
        kube_result_clear(&res);
        return rc;
}
