/* The operator's context and the interfaces between its parts: main.c wires informers (kube/) to
 * work queues, worker threads run the reconcilers (connector.c for KafkaConnector, cluster*.c for
 * KafkaConnect) on specs parsed by spec.c, which talk to Connect through connect.c and report
 * through metrics.c / server.c. */
#ifndef FERRY_OPERATOR_H
#define FERRY_OPERATOR_H

#include "kube/kube.h"
#include "spec.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#define OP_GROUP             "connect.ferry.dev"
#define OP_VERSION           "v1alpha1"
#define OP_LABEL_CLUSTER     OP_GROUP "/cluster"
#define OP_ANN_REST_URL      OP_GROUP "/rest-url"
#define OP_ANN_RESTART       OP_GROUP "/restart"
#define OP_ANN_RESTART_TASK  OP_GROUP "/restart-task"
#define OP_FINALIZER         OP_GROUP "/connector"
#define OP_ANN_USE_RESOURCES OP_GROUP "/use-connector-resources"
#define OP_ANN_CONFIG_HASH   OP_GROUP "/config-hash"
#define OP_MAX_WORKERS       16
/* The worker pod's own volumes and mount paths (spec.template volumes must not reuse them). */
#define OP_VOLUME_CONFIG     "config"
#define OP_VOLUME_DATA       "data"
#define OP_VOLUME_EXT_PREFIX "ext-conf-"
#define OP_CONFIG_DIR        "/etc/ferry"
#define OP_DATA_DIR          "/var/lib/ferry"
/* The mount path of spec.externalConfiguration.volumes[name], as Strimzi mounts them, so that
 * migrated connector configs (${directory:...}, ${file:...}) keep their paths. */
#define OP_EXTERNAL_CONFIG_DIR "/opt/kafka/external-configuration/"
/* The Secrets of spec.tls and spec.authentication, mounted read-only where Strimzi mounts them:
 * certificates and keys at /opt/kafka/connect-certs/<secretName>/, passwords and OAuth client
 * secrets at /opt/kafka/connect-password/<secretName>/ (pod volumes ferry-sec-<n>). */
#define OP_CERTS_DIR         "/opt/kafka/connect-certs/"
#define OP_PASSWORD_DIR      "/opt/kafka/connect-password/"
#define OP_VOLUME_SEC_PREFIX "ferry-sec-"
/* Worker image of KafkaConnects without spec.image, unless --worker-image or $FERRY_WORKER_IMAGE. */
#define OP_DEFAULT_WORKER_IMAGE "ghcr.io/ferry/ferry-worker:latest"

extern const kube_gvr_t op_gvr_connect, op_gvr_connector;

typedef struct op_metrics {
        atomic_long reconciles[2], reconcile_errors[2]; /* [0] KafkaConnector, [1] KafkaConnect */
        atomic_long connect_get, connect_post, connect_put_config, connect_put_state, connect_delete,
                connect_restart, connect_errors;
        atomic_long status_patches, auto_restarts;
        atomic_long health_checks, health_failures, worker_restarts, pods_created, pods_deleted,
                unmanaged_deleted, worker_departures;
} op_metrics_t;

typedef struct op_options {
        const char *kubeconfig, *namespace, *metrics_addr, *identity, *lease_namespace, *lease_name;
        const char *worker_image; /* spec.image wins */
        bool leader_elect;
        int workers;
        int resync_s;            /* full refresh period of every resource */
        double restart_unit_s;   /* auto-restart delay unit: delay before restart n is min(n*n+n, 60) units */
        long connect_timeout_ms; /* every Connect REST call */
        int lease_s, renew_deadline_s, retry_s;
        double unhealthy_after_s; /* restart a worker whose /health fails this long (spec.healthCheck wins) */
        double health_period_s;   /* how often each KafkaConnect's workers are probed */
        double startup_grace_s;   /* failures before a worker's first healthy answer count after this */
} op_options_t;

typedef struct op_ctx {
        op_options_t opt;
        kube_client_t *kube;
        kube_informer_t *connects, *connectors, *pods; /* pods: those labelled managed-by=ferry-operator */
        kube_queue_t *connector_q, *connect_q;
        kube_leader_t *leader;
        atomic_bool stop, leading, lost_leadership;
        pthread_mutex_t mu;
        pthread_cond_t cv; /* signalled when leading or stop changes */
        pthread_t workers[OP_MAX_WORKERS * 2];
        int nworkers;
        op_metrics_t m;
        struct op_http *http;
        pthread_mutex_t health_mu;
        kube_strmap_t *health;            /* pod uid -> struct op_health (cluster.c) */
        kube_strmap_t *scale_down;        /* KafkaConnect key -> double: since when autoscaling wants fewer
                                             workers (cluster.c; guarded by health_mu) */
        struct op_departures *departures; /* departures.c */
} op_ctx_t;

/* connector.c: one reconcile of the KafkaConnector with this key. Returns the seconds after which
 * to look again (0: only on events / resync), or -1 on a failure (retry with backoff). */
double op_reconcile_connector(op_ctx_t *ctx, const char *key);
/* cluster.c: one reconcile of the KafkaConnect with this key; same return convention. */
double op_reconcile_connect(op_ctx_t *ctx, const char *key);
/* cluster_pods.c: the REST base URL the operator uses for the KafkaConnect kc (no trailing slash):
 * its connect.ferry.dev/rest-url annotation, else a Ready worker pod (http://podIP:restPort), else
 * status.url. 0 when one was found. */
int op_cluster_rest_base(op_ctx_t *ctx, const op_connect_spec_t *s, char *buf, size_t len);
/* cluster_config.c: the worker.properties shared by the cluster's pods (malloc'd). */
char *op_worker_properties(const op_connect_spec_t *s);
/* cluster_config.c: whether a worker config key is the operator's to set (rest.*, listeners*,
 * bootstrap.servers, group.id, plugin.path, the storage topics); spec.config must not hold it. */
bool op_worker_key_owned(const char *key);
/* cluster_pods.c: the pod spec of the cluster's workers: default_image unless spec.image, worker
 * config from the ConfigMap cm_name, spec.externalConfiguration env and volumes (at
 * /opt/kafka/external-configuration/<name>), spec.template.pod.volumes and
 * spec.template.connectContainer.volumeMounts. A new object. */
json_object *op_worker_pod_spec(const char *default_image, const op_connect_spec_t *s, const char *cm_name);
/* cluster_health.c: forgets the health record of a deleted pod. */
void op_cluster_forget_pod(op_ctx_t *ctx, json_object *pod);
/* cluster_health.c: whether the API server says the pod's worker process ended since the last
 * look (each ending is reported once, to whichever caller sees it first); *why describes it. */
bool op_cluster_container_ended(op_ctx_t *ctx, json_object *pod, const char **why);

/* connect.c: one call to a Connect REST API (base URL without trailing slash). path is already
 * percent-encoded. Returns 0 when an HTTP answer came back. */
typedef struct op_rest {
        long status;
        json_object *body;
        char err[512];
} op_rest_t;
int op_connect_call(op_ctx_t *ctx, const char *base, const char *method, const char *path, json_object *body,
                    op_rest_t *res);
/* The same with its own timeout and without counting in the Connect request metrics (probes). */
int op_connect_call_timeout(op_ctx_t *ctx, const char *base, const char *method, const char *path,
                            json_object *body, long timeout_ms, op_rest_t *res);
void op_rest_clear(op_rest_t *res);
/* Percent-encodes a path segment (connector names may hold any character). */
void op_url_segment(char *out, size_t len, const char *in);

/* server.c: /healthz, /readyz, /metrics on addr ("[host]:port"). */
struct op_http *op_http_start(op_ctx_t *ctx, const char *addr, char *errstr, size_t errlen);
int op_http_port(struct op_http *h);
void op_http_stop(struct op_http *h);
/* metrics.c: the Prometheus text exposition of ctx's metrics. */
char *op_metrics_render(op_ctx_t *ctx, size_t *len);
bool op_ready(op_ctx_t *ctx);

/* status.c helpers shared by the reconcilers. */
/* Sets (or replaces) condition type in conditions, keeping lastTransitionTime when status is
 * unchanged. Returns the new array (conditions is consumed). */
json_object *op_set_condition(json_object *old_conditions, const char *type, const char *status,
                              const char *reason, const char *message);
/* Replaces .status of the object at path with status when it differs from old. 0 on success. */
int op_patch_status(op_ctx_t *ctx, const char *path, json_object *old_status, json_object *status);
/* Merge-patches the object at path. */
int op_merge_patch(op_ctx_t *ctx, const char *path, json_object *patch, char *errstr, size_t errlen);

#endif
