/* The KafkaConnect reconciler: the flow of one reconcile and the status it writes. From one
 * KafkaConnect resource, parsed once (spec.c; an invalid spec is reported in the Ready condition,
 * naming the field, and nothing is changed), it applies the worker configuration (ConfigMap
 * <name>-connect-config, cluster_config.c), the Service <name>-connect-api and the
 * PodDisruptionBudget <name>-connect (cluster_service.c); probes every worker's /health and
 * restarts a pod that stays unhealthy (cluster_health.c); sizes the cluster from spec.replicas or
 * spec.autoscaling (cluster_autoscale.c); creates, deletes and rolls the worker pods
 * <name>-worker-<n> (cluster_pods.c); optionally deletes connectors that have no KafkaConnector
 * (cluster_unmanaged.c); and writes status (replicas, readyReplicas, url, labelSelector, tasks,
 * conditions, observedGeneration). Input: the informer caches (KafkaConnects, managed pods,
 * KafkaConnectors); output: API server writes and Connect REST calls. When the KafkaConnect is
 * gone it deletes what it created itself (the test API server has no garbage collector). */
#include "cluster.h"

#include <ferry/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cl_problem(struct cluster_state *st, const char *reason, const char *msg)
{
        st->ready = "False";
        if (!st->reason) {
                st->reason = reason;
                snprintf(st->msg, sizeof(st->msg), "%s", msg);
        }
}

void cl_soon(struct cluster_state *st, double after)
{
        if (st->next >= 0 && (st->next == 0 || after < st->next))
                st->next = after;
}

/* The KafkaConnect is gone: delete what was made for it (a real cluster's garbage collector would
 * do it from the owner references; the e2e API server runs no controller manager). */
static void cleanup_children(op_ctx_t *ctx, const char *ns, const char *name)
{
        json_object *by_index[MAX_PODS];
        json_object *mine = cl_pods(ctx, ns, name, by_index);
        for (size_t i = 0; i < json_object_array_length(mine); i++) {
                json_object *p = json_object_array_get_idx(mine, i);
                if (!kube_get(p, "metadata.deletionTimestamp")) {
                        cl_delete(ctx, &cl_gvr_pod, ns, kube_str(p, "metadata.name"),
                                  kube_str(p, "metadata.uid"), -1);
                        atomic_fetch_add(&ctx->m.pods_deleted, 1);
                }
        }
        json_object_put(mine);
        const kube_gvr_t *gvrs[] = {&cl_gvr_svc, &cl_gvr_pdb, &cl_gvr_cm};
        const char *suffix[] = {"-connect-api", "-connect", "-connect-config"};
        for (size_t i = 0; i < 3; i++) {
                char on[300], path[1024];
                snprintf(on, sizeof(on), "%s%s", name, suffix[i]);
                kube_path(path, sizeof(path), gvrs[i], ns, on, NULL, NULL);
                kube_result_t res;
                kube_request(ctx->kube, "GET", path, NULL, NULL, &res);
                json_object *refs = res.status == 200 ? kube_get(res.body, "metadata.ownerReferences") : NULL;
                bool ours = false;
                for (size_t j = 0;
                     refs && json_object_is_type(refs, json_type_array) && j < json_object_array_length(refs);
                     j++) {
                        json_object *r = json_object_array_get_idx(refs, j);
                        const char *k = kube_str(r, "kind"), *rn = kube_str(r, "name");
                        ours |= k && rn && !strcmp(k, "KafkaConnect") && !strcmp(rn, name);
                }
                if (ours)
                        cl_delete(ctx, gvrs[i], ns, on, kube_str(res.body, "metadata.uid"), -1);
                kube_result_clear(&res);
        }
}

/* The status: observedGeneration, the Ready condition, then the rest of new_fields (consumed) or,
 * when it is NULL, the fields of the old status (an invalid spec changes nothing else). */
static int write_status(op_ctx_t *ctx, const op_connect_spec_t *s, json_object *old_status,
                        const struct cluster_state *st, json_object *fields)
{
        json_object *status = json_object_new_object();
        if (s->generation)
                json_object_object_add(status, "observedGeneration", json_object_new_int64(s->generation));
        json_object_object_add(status, "conditions",
                               op_set_condition(old_status ? kube_get(old_status, "conditions") : NULL,
                                                "Ready", st->ready, st->reason, st->msg[0] ? st->msg : NULL));
        json_object *from = fields ? fields : old_status;
        if (from && json_object_is_type(from, json_type_object)) {
                json_object_object_foreach(from, k, v)
                {
                        if (strcmp(k, "observedGeneration") && strcmp(k, "conditions"))
                                json_object_object_add(status, k, json_object_get(v));
                }
        }
        json_object_put(fields);
        char path[1024];
        kube_path(path, sizeof(path), &op_gvr_connect, s->ns, s->name, NULL, NULL);
        int rc = op_patch_status(ctx, path, old_status, status);
        json_object_put(status);
        return rc;
}

double op_reconcile_connect(op_ctx_t *ctx, const char *key)
{
        json_object *kc = kube_informer_get(ctx->connects, key);
        if (!kc) {
                char ns[256], name[256];
                if (sscanf(key, "%255[^/]/%255s", ns, name) == 2 && kube_informer_synced(ctx->connects))
                        cleanup_children(ctx, ns, name);
                cl_forget_scale_down(ctx, key);
                return 0;
        }
        if (kube_get(kc, "metadata.deletionTimestamp")) {
                json_object_put(kc);
                return 0;
        }
        atomic_fetch_add(&ctx->m.reconciles[1], 1);
        json_object *old_status = kube_get(kc, "status");
        struct cluster_state st = {.ready = "True"};
        op_connect_spec_t s;
        char err[512];
        if (op_connect_spec_parse(kc, &s, err, sizeof(err))) {
                /* Nothing is applied from an invalid spec: the workers keep running as they are. */
                FERRY_WARN("%s: invalid spec: %s", key, err);
                cl_problem(&st, "InvalidSpec", err);
                st.next = write_status(ctx, &s, old_status, &st, NULL) ? -1 : 0;
                op_connect_spec_free(&s);
                json_object_put(kc);
                if (st.next < 0)
                        atomic_fetch_add(&ctx->m.reconcile_errors[1], 1);
                return st.next;
        }
        char cm_name[300], svc_name[300], pdb_name[300], msg[512];
        snprintf(cm_name, sizeof(cm_name), "%s-connect-config", s.name);
        snprintf(svc_name, sizeof(svc_name), "%s-connect-api", s.name);
        snprintf(pdb_name, sizeof(pdb_name), "%s-connect", s.name);

        /* Worker configuration, Service, PodDisruptionBudget. */
        char *props = op_worker_properties(&s);
        json_object *pod_spec = op_worker_pod_spec(ctx->opt.worker_image, &s, cm_name);
        /* The Secrets of spec.tls and spec.authentication count in the hash, so a rotation rolls
         * the workers (seen at the next reconcile: the periodic resync, as Strimzi's). While one
         * cannot be read no pod is created or rolled. */
        char hash[17], *secrets = NULL;
        bool secrets_ok = !cl_secrets_digest(ctx, &s, &st, &secrets);
        cl_config_hash(props ? props : "", json_object_to_json_string_ext(pod_spec, JSON_C_TO_STRING_PLAIN),
                       secrets, hash);
        free(secrets);
        if (!secrets_ok)
                cl_soon(&st, 5);
        cl_apply_config(ctx, &s, cm_name, props ? props : "", &st);
        free(props);
        cl_apply_service(ctx, &s, svc_name, &st);
        cl_apply_pdb(ctx, &s, pdb_name, &st);

        /* Current pods, their health and the REST base of a ready one. Pods with other names (not
         * ours to number) are left alone. */
        json_object *by_index[MAX_PODS];
        json_object *mine = cl_pods(ctx, s.ns, s.name, by_index);
        struct cl_pod_counts pc;
        cl_check_pods(ctx, key, &s, by_index, &pc, &st);

        /* Size, scaling, and a rolling restart on a changed configuration (only while all are ready). */
        json_object *names = NULL;
        long tasks = pc.base[0] ? cl_count_tasks(ctx, pc.base, &names) : -1;
        int desired = cl_desired(ctx, key, &s, pc.live, tasks, &st);
        if (secrets_ok)
                cl_scale(ctx, key, &s, by_index, desired, pod_spec, hash, &st);
        if (pc.terminating)
                cl_soon(&st, 1);
        if (secrets_ok && pc.ready >= desired && pc.ready == pc.live && !pc.terminating)
                cl_roll(ctx, key, &s, by_index, desired, hash, &st);

        /* Connectors in Connect without a KafkaConnector (opt-in, as Strimzi). */
        if (names && (s.use_resources || s.delete_unmanaged))
                cl_delete_unmanaged(ctx, &s, pc.base, names);
        json_object_put(names);
        json_object_put(mine);

        if (pc.ready < desired) {
                snprintf(msg, sizeof(msg), "%d of %d workers ready", pc.ready, desired);
                cl_problem(&st, "WorkersNotReady", msg);
                cl_soon(&st, ctx->opt.health_period_s < 2 ? ctx->opt.health_period_s : 2);
        }
        if (desired > 0)
                cl_soon(&st, ctx->opt.health_period_s);

        json_object *fields = json_object_new_object();
        json_object_object_add(fields, "replicas", json_object_new_int(pc.live));
        json_object_object_add(fields, "readyReplicas", json_object_new_int(pc.ready));
        if (tasks >= 0)
                json_object_object_add(fields, "tasks", json_object_new_int((int)tasks));
        else if (old_status && kube_get(old_status, "tasks"))
                json_object_object_add(fields, "tasks", json_object_get(kube_get(old_status, "tasks")));
        char selector[512], url[700];
        snprintf(selector, sizeof(selector), "app.kubernetes.io/name=ferry-worker,%s=%s", OP_LABEL_CLUSTER,
                 s.name);
        json_object_object_add(fields, "labelSelector", json_object_new_string(selector));
        snprintf(url, sizeof(url), "http://%s.%s.svc:%d", svc_name, s.ns, s.rest_port);
        json_object_object_add(fields, "url", json_object_new_string(url));
        if (write_status(ctx, &s, old_status, &st, fields) && st.next >= 0)
                st.next = -1;
        json_object_put(pod_spec);
        op_connect_spec_free(&s);
        json_object_put(kc);
        if (st.next < 0)
                atomic_fetch_add(&ctx->m.reconcile_errors[1], 1);
        return st.next;
}
