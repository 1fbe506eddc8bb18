/* The objects a KafkaConnect owns (ConfigMap, Service, PodDisruptionBudget, worker pods): their
 * metadata (the worker labels and a controller owner reference to the KafkaConnect), create or
 * merge-patch to the wanted shape, and deletion with a grace period and uid precondition. Part of
 * the KafkaConnect reconciler (cluster.h). */
#include "cluster.h"

#include <ferry/log.h>

#include <stdio.h>

const kube_gvr_t cl_gvr_cm = {"", "v1", "configmaps"}, cl_gvr_svc = {"", "v1", "services"},
                 cl_gvr_pod = {"", "v1", "pods"}, cl_gvr_pdb = {"policy", "v1", "poddisruptionbudgets"};

static json_object *owner_ref(const op_connect_spec_t *s)
{
        json_object *refs = json_object_new_array(), *r = json_object_new_object();
        json_object_object_add(r, "apiVersion", json_object_new_string(OP_GROUP "/" OP_VERSION));
        json_object_object_add(r, "kind", json_object_new_string("KafkaConnect"));
        json_object_object_add(r, "name", json_object_new_string(s->name ? s->name : ""));
        json_object_object_add(r, "uid", json_object_new_string(s->uid ? s->uid : ""));
        json_object_object_add(r, "controller", json_object_new_boolean(1));
        json_object_object_add(r, "blockOwnerDeletion", json_object_new_boolean(1));
        json_object_array_add(refs, r);
        return refs;
}

json_object *cl_labels(const char *cluster)
{
        json_object *l = json_object_new_object();
        json_object_object_add(l, "app.kubernetes.io/name", json_object_new_string("ferry-worker"));
        json_object_object_add(l, "app.kubernetes.io/managed-by", json_object_new_string("ferry-operator"));
        json_object_object_add(l, OP_LABEL_CLUSTER, json_object_new_string(cluster));
        return l;
}

json_object *cl_meta(const op_connect_spec_t *s, const char *name)
{
        json_object *md = json_object_new_object();
        json_object_object_add(md, "name", json_object_new_string(name));
        json_object_object_add(md, "namespace", json_object_new_string(s->ns ? s->ns : ""));
        json_object_object_add(md, "labels", cl_labels(s->name ? s->name : ""));
        json_object_object_add(md, "ownerReferences", owner_ref(s));
        return md;
}

int cl_apply(op_ctx_t *ctx, const kube_gvr_t *gvr, const char *ns, const char *name, json_object *obj)
{
        char path[1024];
        kube_path(path, sizeof(path), gvr, ns, name, NULL, NULL);
        kube_result_t res;
        kube_request(ctx->kube, "PATCH", path, KUBE_MERGE_PATCH, obj, &res);
        if (res.status == 404) {
                kube_result_clear(&res);
                kube_path(path, sizeof(path), gvr, ns, NULL, NULL, NULL);
                kube_request(ctx->kube, "POST", path, NULL, obj, &res);
        }
        int rc = res.status == 200 || res.status == 201 ? 0 : -1;
        if (rc)
                FERRY_WARN("apply %s/%s %s: %s", ns, name, gvr->resource, res.err);
        kube_result_clear(&res);
        return rc;
}

int cl_delete(op_ctx_t *ctx, const kube_gvr_t *gvr, const char *ns, const char *name, const char *uid,
              int grace_s)
{
        char path[1024];
        kube_path(path, sizeof(path), gvr, ns, name, NULL, NULL);
        json_object *opts = json_object_new_object();
        json_object_object_add(opts, "apiVersion", json_object_new_string("v1"));
        json_object_object_add(opts, "kind", json_object_new_string("DeleteOptions"));
        if (grace_s >= 0)
                json_object_object_add(opts, "gracePeriodSeconds", json_object_new_int(grace_s));
        if (uid) {
                json_object *pre = json_object_new_object();
                json_object_object_add(pre, "uid", json_object_new_string(uid));
                json_object_object_add(opts, "preconditions", pre);
        }
        kube_result_t res;
        kube_request(ctx->kube, "DELETE", path, NULL, opts, &res);
        json_object_put(opts);
        int rc = res.status == 200 || res.status == 202 || res.status == 404 || res.status == 409 ? 0 : -1;
        if (rc)
                FERRY_WARN("delete %s/%s %s: %s", ns, name, gvr->resource, res.err);
        kube_result_clear(&res);
        return rc;
}
