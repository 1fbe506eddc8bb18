/* The specs of KafkaConnect and KafkaConnector resources as typed structs, parsed once per reconcile
 * (spec.c) so that the reconcilers read fields instead of walking JSON. A parse fills every field
 * it can (defaults for the rest) and reports the first invalid one as "spec.<path>: <problem>"; the
 * reconcilers put that message into the Ready condition. Kubernetes shapes passed through to pods as
 * they are (resources, env valueFrom, volume sources, volume mounts) stay JSON. */
#ifndef FERRY_OPERATOR_SPEC_H
#define FERRY_OPERATOR_SPEC_H

#include <ferry/strmap.h>

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/* spec.config (every value as a string), podLabels and podAnnotations are the worker's string maps
 * (ferry/strmap.h), in the resource's order. */

/* One spec.externalConfiguration.volumes entry: a Secret or ConfigMap volume source. */
typedef struct op_ext_volume {
        char *name;
        const char *kind;    /* "secret" or "configMap" */
        json_object *source; /* the volume source as given */
} op_ext_volume_t;

/* A file of a Secret: spec.tls.trustedCertificates[] {secretName, certificate | pattern},
 * certificateAndKey {secretName, certificate, key}, passwordSecret {secretName, password},
 * clientSecret {secretName, key}. */
typedef struct op_secret_ref {
        char *secret;  /* secretName */
        char *file;    /* the key in the Secret (certificate, password, key), or NULL with pattern */
        char *pattern; /* trustedCertificates[].pattern: a glob over the Secret's keys, or NULL */
        char *key;     /* certificateAndKey.key: the private key's file; NULL otherwise */
} op_secret_ref_t;

/* spec.authentication (Strimzi's KafkaClientAuthentication). */
typedef enum {
        OP_AUTH_NONE,
        OP_AUTH_TLS,
        OP_AUTH_SCRAM_SHA_256,
        OP_AUTH_SCRAM_SHA_512,
        OP_AUTH_PLAIN,
        OP_AUTH_OAUTH
} op_auth_type_t;

typedef struct op_connect_auth {
        op_auth_type_t type;
        op_secret_ref_t cert;     /* tls: certificateAndKey */
        char *username;           /* scram-sha-*, plain */
        op_secret_ref_t password; /* scram-sha-*, plain: passwordSecret; oauth: clientSecret */
        char *client_id, *token_endpoint_uri, *scope; /* oauth */
} op_connect_auth_t;

typedef struct op_connect_spec {
        char *name, *ns, *uid; /* metadata */
        long long generation;  /* metadata.generation; 0 when absent */
        char *rest_url;        /* annotation connect.ferry.dev/rest-url, or NULL */
        bool use_resources;    /* annotation connect.ferry.dev/use-connector-resources "true" */
        char *status_url;      /* status.url as last written, or NULL */

        int replicas; /* spec.replicas, >= 0, default 1 */
        char *bootstrap_servers;
        char *group_id, *config_topic, *offset_topic, *status_topic; /* NULL: defaults from the name */
        ferry_strmap_t config; /* spec.config, values as strings (nulls dropped), in order */
        char *image, *image_pull_policy;
        json_object *resources; /* as given, or NULL */
        int rest_port;          /* 1..65535, default 8083 */
        bool autoscaling;
        int min_replicas, max_replicas, tasks_per_worker; /* defaults 1, minReplicas, 4 */
        double scale_down_delay_s;                        /* default 60 */
        double unhealthy_s;                               /* spec.healthCheck.unhealthySeconds; 0: unset */
        json_object *ext_env;                             /* externalConfiguration.env: EnvVars (array) */
        op_ext_volume_t *ext_volumes;                     /* externalConfiguration.volumes with a source */
        size_t n_ext_volumes;
        bool delete_unmanaged; /* spec.deleteUnmanagedConnectors */
        ferry_strmap_t pod_labels, pod_annotations;
        json_object *pod_volumes;    /* spec.template.pod.volumes: Volumes (array), never NULL */
        json_object *volume_mounts;  /* spec.template.connectContainer.volumeMounts (array), never NULL */
        char **connector_namespaces; /* spec.connectorNamespaces */
        size_t n_connector_namespaces;
        bool any_connector_namespace; /* "*" among them */
        bool tls;                     /* spec.tls present: the Kafka clients use TLS */
        op_secret_ref_t *trusted;     /* spec.tls.trustedCertificates */
        size_t n_trusted;
        op_connect_auth_t auth; /* spec.authentication */
} op_connect_spec_t;

/* Parses the KafkaConnect kc. Returns 0, or -1 with err = "spec.<field>: <problem>" for the first
 * invalid field (every valid field is still filled in). Free with op_connect_spec_free either way. */
int op_connect_spec_parse(json_object *kc, op_connect_spec_t *s, char *err, size_t errlen);
void op_connect_spec_free(op_connect_spec_t *s);
/* Whether spec.config key k (also under producer./consumer./admin.) is one the operator sets from
 * spec.tls and spec.authentication (only when either is present). */
bool op_security_key_owned(const op_connect_spec_t *s, const char *k);
/* Whether KafkaConnectors in namespace ns may use this KafkaConnect: its own namespace, or one that
 * spec.connectorNamespaces lists ("*": any). */
bool op_connect_allows_namespace(const op_connect_spec_t *s, const char *ns);

typedef struct op_connector_spec {
        char *name, *ns;
        long long generation;
        char *class_name;      /* spec.class */
        int tasks_max;         /* >= 1, default 1 */
        ferry_strmap_t config; /* spec.config, values as strings (nulls dropped) */
        const char *state;     /* "RUNNING", "PAUSED" or "STOPPED" (spec.state, default running) */
        bool auto_restart;     /* spec.autoRestart present and not disabled */
        int max_restarts;      /* spec.autoRestart.maxRestarts; -1: no limit */
        /* The KafkaConnect: spec.clusterRef {name, namespace} or the label connect.ferry.dev/cluster
         * (same namespace). cluster_name NULL when neither names one. */
        char *cluster_name, *cluster_ns;
} op_connector_spec_t;

int op_connector_spec_parse(json_object *kctr, op_connector_spec_t *s, char *err, size_t errlen);
void op_connector_spec_free(op_connector_spec_t *s);
/* The KafkaConnect a KafkaConnector names (into ns/name buffers), without parsing the rest: 0, or
 * -1 when it names none. Used to route events and deletions even when the rest of the spec is
 * invalid. */
int op_connector_cluster(json_object *kctr, char *ns, size_t nslen, char *name, size_t namelen);

#endif
