/* The KafkaConnect reconciler (first stage): computes the worker configuration and applies it as a
 * ConfigMap <name>-connect-config, applies the Service <name>-connect-api in front of the workers'
 * REST port, and reports status (url, labelSelector for the scale subresource, replicas,
 * observedGeneration, Ready). Worker pods, the PodDisruptionBudget, health-based restarts and
 * autoscaling are not implemented yet (see docs/operator.md). */
#include "operator.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const kube_gvr_t cm_gvr = {"", "v1", "configmaps"}, svc_gvr = {"", "v1", "services"};

static json_object *owner_ref(json_object *kc)
{
        json_object *refs = json_object_new_array(), *r = json_object_new_object();
        json_object_object_add(r, "apiVersion", json_object_new_string(OP_GROUP "/" OP_VERSION));
        json_object_object_add(r, "kind", json_object_new_string("KafkaConnect"));
        json_object_object_add(r, "name", json_object_new_string(kube_str(kc, "metadata.name")));
        json_object_object_add(r, "uid", json_object_new_string(kube_str(kc, "metadata.uid")));
        json_object_object_add(r, "controller", json_object_new_boolean(1));
        json_object_object_add(r, "blockOwnerDeletion", json_object_new_boolean(1));
        json_object_array_add(refs, r);
        return refs;
}

static json_object *labels_for(const char *name)
{
        json_object *l = json_object_new_object();
        json_object_object_add(l, "app.kubernetes.io/name", json_object_new_string("ferry-worker"));
        json_object_object_add(l, "app.kubernetes.io/managed-by", json_object_new_string("ferry-operator"));
        json_object_object_add(l, OP_LABEL_CLUSTER, json_object_new_string(name));
        return l;
}

/* Creates the object, or merge-patches it to the wanted shape when it exists. */
static int apply(op_ctx_t *ctx, const kube_gvr_t *gvr, const char *ns, const char *name, json_object *obj)
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
                fprintf(stderr, "apply %s/%s %s: %s\n", ns, name, gvr->resource, res.err);
        kube_result_clear(&res);
        return rc;
}

static json_object *meta(json_object *kc, const char *name)
{
        json_object *md = json_object_new_object();
        json_object_object_add(md, "name", json_object_new_string(name));
        json_object_object_add(md, "namespace", json_object_new_string(kube_str(kc, "metadata.namespace")));
        json_object_object_add(md, "labels", labels_for(kube_str(kc, "metadata.name")));
        json_object_object_add(md, "ownerReferences", owner_ref(kc));
        return md;
}

static void prop(char *buf, size_t len, size_t *n, const char *k, const char *v)
{
        int w = snprintf(buf + *n, len > *n ? len - *n : 0, "%s=%s\n", k, v);
        if (w > 0)
                *n += (size_t)w;
}

/* The distributed worker configuration. */
static char *worker_properties(json_object *kc, int port)
{
        const char *name = kube_str(kc, "metadata.name");
        json_object *spec = kube_get(kc, "spec");
        size_t len = 16384, n = 0;
        char *buf = calloc(1, len);
        if (!buf)
                return NULL;
        char v[512];
        prop(buf, len, &n, "bootstrap.servers", kube_str(spec, "bootstrapServers"));
        const char *g = kube_str(spec, "groupId");
        snprintf(v, sizeof(v), "connect-%s", name);
        prop(buf, len, &n, "group.id", g ? g : v);
        const char *t = kube_str(spec, "configStorageTopic");
        snprintf(v, sizeof(v), "%s-configs", name);
        prop(buf, len, &n, "config.storage.topic", t ? t : v);
        t = kube_str(spec, "offsetStorageTopic");
        snprintf(v, sizeof(v), "%s-offsets", name);
        prop(buf, len, &n, "offset.storage.topic", t ? t : v);
        t = kube_str(spec, "statusStorageTopic");
        snprintf(v, sizeof(v), "%s-status", name);
        prop(buf, len, &n, "status.storage.topic", t ? t : v);
        snprintf(v, sizeof(v), "http://:%d", port);
        prop(buf, len, &n, "listeners", v);
        json_object *cfg = kube_get(spec, "config");
        bool has_conv = false;
        if (cfg && json_object_is_type(cfg, json_type_object)) {
                json_object_object_foreach(cfg, k, val)
                {
                        if (!strncmp(k, "rest.", 5))
                                continue; /* owned by the operator */
                        if (!strcmp(k, "key.converter") || !strcmp(k, "value.converter"))
                                has_conv = true;
                        prop(buf, len, &n, k,
                             json_object_is_type(val, json_type_string)
                                     ? json_object_get_string(val)
                                     : json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN));
                }
        }
        if (!has_conv) {
                prop(buf, len, &n, "key.converter", "org.apache.kafka.connect.json.JsonConverter");
                prop(buf, len, &n, "value.converter", "org.apache.kafka.connect.json.JsonConverter");
        }
        return buf;
}

double op_reconcile_connect(op_ctx_t *ctx, const char *key)
{
        json_object *kc = kube_informer_get(ctx->connects, key);
        if (!kc)
                return 0; /* owned objects go with it (ownerReferences) */
        atomic_fetch_add(&ctx->m.reconciles[1], 1);
        const char *ns = kube_str(kc, "metadata.namespace"), *name = kube_str(kc, "metadata.name");
        json_object *spec = kube_get(kc, "spec"), *old_status = kube_get(kc, "status");
        json_object *pj = kube_get(spec, "restPort");
        int port = pj ? json_object_get_int(pj) : 8083;
        double next = 0;
        char cm_name[300], svc_name[300];
        snprintf(cm_name, sizeof(cm_name), "%s-connect-config", name);
        snprintf(svc_name, sizeof(svc_name), "%s-connect-api", name);
        const char *ready = "True", *reason = NULL;
        char msg[512] = "";

        char *props = worker_properties(kc, port);
        json_object *cm = json_object_new_object();
        json_object_object_add(cm, "apiVersion", json_object_new_string("v1"));
        json_object_object_add(cm, "kind", json_object_new_string("ConfigMap"));
        json_object_object_add(cm, "metadata", meta(kc, cm_name));
        json_object *data = json_object_new_object();
        json_object_object_add(data, "worker.properties", json_object_new_string(props ? props : ""));
        json_object_object_add(cm, "data", data);
        free(props);
        if (apply(ctx, &cm_gvr, ns, cm_name, cm)) {
                ready = "False";
                reason = "ApplyFailed";
                snprintf(msg, sizeof(msg), "cannot apply ConfigMap %s", cm_name);
                next = -1;
        }
        json_object_put(cm);

        json_object *svc = json_object_new_object();
        json_object_object_add(svc, "apiVersion", json_object_new_string("v1"));
        json_object_object_add(svc, "kind", json_object_new_string("Service"));
        json_object_object_add(svc, "metadata", meta(kc, svc_name));
        json_object *sspec = json_object_new_object(), *ports = json_object_new_array(),
                    *sp = json_object_new_object();
        json_object_object_add(sspec, "selector", labels_for(name));
        json_object_object_add(sp, "name", json_object_new_string("rest"));
        json_object_object_add(sp, "port", json_object_new_int(port));
        json_object_object_add(sp, "targetPort", json_object_new_int(port));
        json_object_array_add(ports, sp);
        json_object_object_add(sspec, "ports", ports);
        json_object_object_add(svc, "spec", sspec);
        if (apply(ctx, &svc_gvr, ns, svc_name, svc)) {
                ready = "False";
                reason = "ApplyFailed";
                snprintf(msg, sizeof(msg), "cannot apply Service %s", svc_name);
                next = -1;
        }
        json_object_put(svc);

        json_object *status = json_object_new_object();
        json_object *gen = kube_get(kc, "metadata.generation");
        if (gen)
                json_object_object_add(status, "observedGeneration",
                                       json_object_new_int64(json_object_get_int64(gen)));
        json_object_object_add(status, "conditions",
                               op_set_condition(old_status ? kube_get(old_status, "conditions") : NULL,
                                                "Ready", ready, reason, msg[0] ? msg : NULL));
        json_object *rep = kube_get(spec, "replicas");
        json_object_object_add(status, "replicas", json_object_new_int(rep ? json_object_get_int(rep) : 1));
        char sel[512], url[700];
        snprintf(sel, sizeof(sel), "app.kubernetes.io/name=ferry-worker,%s=%s", OP_LABEL_CLUSTER, name);
        json_object_object_add(status, "labelSelector", json_object_new_string(sel));
        snprintf(url, sizeof(url), "http://%s.%s.svc:%d", svc_name, ns, port);
        json_object_object_add(status, "url", json_object_new_string(url));
        char path[1024];
        kube_path(path, sizeof(path), &op_gvr_connect, ns, name, NULL, NULL);
        if (op_patch_status(ctx, path, old_status, status) && next >= 0)
                next = -1;
        json_object_put(status);
        json_object_put(kc);
        if (next < 0)
                atomic_fetch_add(&ctx->m.reconcile_errors[1], 1);
        return next;
}
