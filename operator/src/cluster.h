/* Internal interface of the KafkaConnect reconciler, split by concern: cluster.c (the reconcile
 * flow, status, cleanup), cluster_apply.c (create-or-patch and delete of owned objects, their
 * metadata), cluster_config.c (worker.properties, ConfigMap, config hash), cluster_service.c
 * (Service, PodDisruptionBudget), cluster_pods.c (pod spec, pods by index, scaling, rolling
 * restarts, REST base), cluster_health.c (/health probes, restarts of unhealthy workers),
 * cluster_autoscale.c (task count, desired size, delayed scale-down) and cluster_unmanaged.c
 * (connectors without a KafkaConnector), cluster_security.c (spec.tls and spec.authentication:
 * worker keys, Secret volumes, start script, Secret digest). */
#ifndef FERRY_OPERATOR_CLUSTER_H
#define FERRY_OPERATOR_CLUSTER_H

#include "operator.h"

#define MAX_PODS 256

extern const kube_gvr_t cl_gvr_cm, cl_gvr_svc, cl_gvr_pod, cl_gvr_pdb;

/* What one reconcile has found so far: the Ready condition and when to look again. */
struct cluster_state {
        const char *ready, *reason;
        char msg[512];
        double next; /* seconds; 0: only on events; -1: failed, retry with backoff */
};
/* Ready=False with reason and msg (the first problem wins). */
void cl_problem(struct cluster_state *st, const char *reason, const char *msg);
/* Look again after at most after seconds. */
void cl_soon(struct cluster_state *st, double after);

/* cluster_apply.c */
json_object *cl_labels(const char *cluster);
/* metadata {name, namespace, labels, ownerReferences} of an object owned by the KafkaConnect. */
json_object *cl_meta(const op_connect_spec_t *s, const char *name);
/* Creates the object, or merge-patches it to the wanted shape when it exists. 0 on success. */
int cl_apply(op_ctx_t *ctx, const kube_gvr_t *gvr, const char *ns, const char *name, json_object *obj);
/* DELETE with an optional grace period (<0: the object's own) and uid precondition; 404 is success. */
int cl_delete(op_ctx_t *ctx, const kube_gvr_t *gvr, const char *ns, const char *name, const char *uid,
              int grace_s);

/* cluster_config.c: applies ConfigMap <name>-connect-config with props; the config hash of props,
 * the pod spec and the digest of the referenced Secrets into hash. */
void cl_apply_config(op_ctx_t *ctx, const op_connect_spec_t *s, const char *cm_name, const char *props,
                     struct cluster_state *st);
void cl_config_hash(const char *props, const char *pod_spec, const char *secrets, char out[17]);

/* cluster_service.c: Service <name>-connect-api and PodDisruptionBudget <name>-connect. */
void cl_apply_service(op_ctx_t *ctx, const op_connect_spec_t *s, const char *svc_name,
                      struct cluster_state *st);
void cl_apply_pdb(op_ctx_t *ctx, const op_connect_spec_t *s, const char *pdb_name, struct cluster_state *st);

/* cluster_pods.c */
bool cl_pod_ready(json_object *pod);
bool cl_pod_running(json_object *pod);
void cl_pod_url(json_object *pod, int port, char *buf, size_t len);
/* The managed pods of cluster ns/name (a JSON array of deep copies); by_index[n] is
 * <name>-worker-<n> (borrowed from the array). */
json_object *cl_pods(op_ctx_t *ctx, const char *ns, const char *name, json_object *by_index[MAX_PODS]);
/* Creates the missing <name>-worker-<n> below desired, deletes those from desired up. */
void cl_scale(op_ctx_t *ctx, const char *key, const op_connect_spec_t *s, json_object *by_index[MAX_PODS],
              int desired, json_object *pod_spec, const char *hash, struct cluster_state *st);
/* Deletes (so recreates) one pod whose config hash differs, when all are ready. */
void cl_roll(op_ctx_t *ctx, const char *key, const op_connect_spec_t *s, json_object *by_index[MAX_PODS],
             int desired, const char *hash, struct cluster_state *st);

/* cluster_health.c: replaces Failed/Succeeded pods, probes the running ones and restarts those
 * unhealthy for too long. Counts live (not terminating), ready and terminating pods; base gets
 * the REST URL of the first ready one ("" when none). */
struct cl_pod_counts {
        int live, ready, terminating;
        char base[512];
};
void cl_check_pods(op_ctx_t *ctx, const char *key, const op_connect_spec_t *s,
                   json_object *by_index[MAX_PODS], struct cl_pod_counts *c, struct cluster_state *st);

/* cluster_autoscale.c */
/* Total tasks across connectors from GET /connectors?expand=status (*names: the connector names);
 * -1 when unknown. */
long cl_count_tasks(op_ctx_t *ctx, const char *base, json_object **names);
/* The number of workers to run now: spec.replicas, or with spec.autoscaling the task count over
 * tasksPerWorker within [min, max], scaling down only after scaleDownDelaySeconds. */
int cl_desired(op_ctx_t *ctx, const char *key, const op_connect_spec_t *s, int live, long tasks,
               struct cluster_state *st);
/* Forgets the pending scale-down of a KafkaConnect. */
void cl_forget_scale_down(op_ctx_t *ctx, const char *key);

/* cluster_unmanaged.c: deletes connectors in Connect that no KafkaConnector of this cluster names. */
void cl_delete_unmanaged(op_ctx_t *ctx, const op_connect_spec_t *s, const char *base, json_object *names);

/* cluster_security.c */
/* The env entries holding the JAAS text around the password (no secret in them). */
#define CL_ENV_JAAS_HEAD "FERRY_SASL_JAAS_HEAD"
#define CL_ENV_JAAS_TAIL "FERRY_SASL_JAAS_TAIL"
/* Whether spec.tls or spec.authentication is set. */
bool cl_secured(const op_connect_spec_t *s);
/* Calls put for every worker key of spec.tls and spec.authentication (top level, then under
 * producer., consumer., admin.); sasl.jaas.config is written by the start script. */
void cl_security_props(const op_connect_spec_t *s, void (*put)(void *arg, const char *k, const char *v),
                       void *arg);
/* Adds the Secret volumes and their read-only mounts. */
void cl_security_volumes(const op_connect_spec_t *s, json_object *vols, json_object *mounts);
/* Adds the env entries CL_ENV_JAAS_HEAD/TAIL (SASL only). */
void cl_security_env(const op_connect_spec_t *s, json_object *env);
/* The JAAS text before and after the secret, JAAS-quoted and properties-escaped (malloc'd). */
char *cl_jaas_head(const op_connect_spec_t *s);
char *cl_jaas_tail(const op_connect_spec_t *s);
/* Start script parts (malloc'd, "" when none): building the PEM trust and key stores, run before
 * worker.properties is written; the sasl.jaas.config lines, run inside its writing. */
char *cl_security_prepare(const op_connect_spec_t *s);
char *cl_security_jaas(const op_connect_spec_t *s);
/* The referenced Secret values, for the config hash, into *out (malloc'd). 0, or -1 with the
 * problem (missing Secret or key, naming the field) reported in st. Values are never logged. */
int cl_secrets_digest(op_ctx_t *ctx, const op_connect_spec_t *s, struct cluster_state *st, char **out);
#endif
