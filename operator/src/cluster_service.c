/* The Service <name>-connect-api (the REST port of every worker) and the PodDisruptionBudget
 * <name>-connect (one worker unavailable at a time) of a KafkaConnect, both selecting the worker
 * labels. Part of the KafkaConnect reconciler (cluster.h). */
#include "cluster.h"

#include <stdio.h>

void cl_apply_service(op_ctx_t *ctx, const op_connect_spec_t *s, const char *svc_name,
                      struct cluster_state *st)
{
        json_object *svc = json_object_new_object();
        json_object_object_add(svc, "apiVersion", json_object_new_string("v1"));
        json_object_object_add(svc, "kind", json_object_new_string("Service"));
        json_object_object_add(svc, "metadata", cl_meta(s, svc_name));
        json_object *sspec = json_object_new_object(), *ports = json_object_new_array(),
                    *sp = json_object_new_object();
        json_object_object_add(sspec, "selector", cl_labels(s->name));
        json_object_object_add(sp, "name", json_object_new_string("rest"));
        json_object_object_add(sp, "port", json_object_new_int(s->rest_port));
        json_object_object_add(sp, "targetPort", json_object_new_int(s->rest_port));
        json_object_array_add(ports, sp);
        json_object_object_add(sspec, "ports", ports);
        json_object_object_add(svc, "spec", sspec);
        if (cl_apply(ctx, &cl_gvr_svc, s->ns, svc_name, svc)) {
                char msg[512];
                snprintf(msg, sizeof(msg), "cannot apply Service %s", svc_name);
                cl_problem(st, "ApplyFailed", msg);
                st->next = -1;
        }
        json_object_put(svc);
}

void cl_apply_pdb(op_ctx_t *ctx, const op_connect_spec_t *s, const char *pdb_name, struct cluster_state *st)
{
        json_object *pdb = json_object_new_object();
        json_object_object_add(pdb, "apiVersion", json_object_new_string("policy/v1"));
        json_object_object_add(pdb, "kind", json_object_new_string("PodDisruptionBudget"));
        json_object_object_add(pdb, "metadata", cl_meta(s, pdb_name));
        json_object *pspec = json_object_new_object(), *sel = json_object_new_object();
        json_object_object_add(sel, "matchLabels", cl_labels(s->name));
        json_object_object_add(pspec, "selector", sel);
        json_object_object_add(pspec, "maxUnavailable", json_object_new_int(1));
        json_object_object_add(pdb, "spec", pspec);
        if (cl_apply(ctx, &cl_gvr_pdb, s->ns, pdb_name, pdb)) {
                char msg[512];
                snprintf(msg, sizeof(msg), "cannot apply PodDisruptionBudget %s", pdb_name);
                cl_problem(st, "ApplyFailed", msg);
                st->next = -1;
        }
        json_object_put(pdb);
}
