/* Unit tests for operator/src/spec.c: KafkaConnect and KafkaConnector specs parsed into typed
 * structs (defaults, every field of a valid resource) and, for each invalid field, the error that
 * names it ("spec.<path>: ...") as the Ready condition will show it. */
#include "operator.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static json_object *obj_from(const char *json)
{
        json_object *o = json_tokener_parse(json);
        cr_assert_not_null(o, "bad test JSON: %s", json);
        return o;
}

/* A KafkaConnect named kc in namespace ns with the given spec members (JSON without braces). */
static json_object *kc_with(const char *spec_members)
{
        char buf[4096];
        snprintf(buf, sizeof(buf),
                 "{\"metadata\":{\"name\":\"kc\",\"namespace\":\"ns\",\"uid\":\"u1\",\"generation\":3},"
                 "\"spec\":{\"bootstrapServers\":\"k:9092\"%s%s}}",
                 *spec_members ? "," : "", spec_members);
        return obj_from(buf);
}

/* The error of a KafkaConnect with these spec members; asserts the parse failed. */
static void connect_error(const char *spec_members, const char *want)
{
        json_object *kc = kc_with(spec_members);
        op_connect_spec_t s;
        char err[512];
        cr_assert_eq(op_connect_spec_parse(kc, &s, err, sizeof(err)), -1, "accepted: %s", spec_members);
        cr_assert_str_eq(err, want, "for %s", spec_members);
        op_connect_spec_free(&s);
        json_object_put(kc);
}

Test(connect_spec, defaults)
{
        json_object *kc = kc_with("");
        op_connect_spec_t s;
        char err[512];
        cr_assert_eq(op_connect_spec_parse(kc, &s, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(err, "");
        cr_assert_str_eq(s.name, "kc");
        cr_assert_str_eq(s.ns, "ns");
        cr_assert_str_eq(s.uid, "u1");
        cr_assert_eq(s.generation, 3);
        cr_assert_eq(s.replicas, 1);
        cr_assert_eq(s.rest_port, 8083);
        cr_assert_str_eq(s.bootstrap_servers, "k:9092");
        cr_assert_null(s.group_id);
        cr_assert_null(s.image);
        cr_assert_null(s.rest_url);
        cr_assert(!s.autoscaling && !s.delete_unmanaged && !s.use_resources);
        cr_assert_eq(s.unhealthy_s, 0);
        cr_assert_eq(json_object_array_length(s.pod_volumes), 0);
        cr_assert_eq(json_object_array_length(s.volume_mounts), 0);
        cr_assert_eq(s.n_connector_namespaces, 0);
        cr_assert(op_connect_allows_namespace(&s, "ns"), "its own namespace");
        cr_assert(!op_connect_allows_namespace(&s, "other"));
        op_connect_spec_free(&s);
        json_object_put(kc);
}

Test(connect_spec, every_field)
{
        json_object *kc = obj_from(
                "{\"metadata\":{\"name\":\"kc\",\"namespace\":\"ns\",\"annotations\":{"
                "\"connect.ferry.dev/rest-url\":\"http://x:1\",\"connect.ferry.dev/use-connector-resources\":"
                "\"true\"}},\"status\":{\"url\":\"http://svc:8083\"},\"spec\":{\"replicas\":0,"
                "\"bootstrapServers\":\"b\",\"groupId\":\"g\",\"configStorageTopic\":\"c\","
                "\"offsetStorageTopic\":\"o\",\"statusStorageTopic\":\"st\",\"config\":{\"a\":1,\"b\":true,"
                "\"c\":\"s\",\"d\":null,\"e\":1.5},\"image\":\"img\",\"imagePullPolicy\":\"Never\","
                "\"resources\":{\"limits\":{\"cpu\":\"1\"}},\"restPort\":9000,\"autoscaling\":{"
                "\"minReplicas\":2,\"maxReplicas\":5,\"tasksPerWorker\":3,\"scaleDownDelaySeconds\":7},"
                "\"healthCheck\":{\"unhealthySeconds\":30},\"externalConfiguration\":{\"env\":[{\"name\":"
                "\"E\",\"valueFrom\":{\"configMapKeyRef\":{\"name\":\"m\",\"key\":\"k\"}}}],\"volumes\":[{"
                "\"name\":\"v\",\"configMap\":{\"name\":\"m\"}}]},\"deleteUnmanagedConnectors\":true,"
                "\"template\":{\"podLabels\":{\"l\":\"1\"},\"podAnnotations\":{\"a\":\"2\"},\"pod\":{"
                "\"volumes\":[{\"name\":\"t\",\"emptyDir\":{}}]},\"connectContainer\":{\"volumeMounts\":[{"
                "\"name\":\"t\",\"mountPath\":\"/t\"}]}},\"connectorNamespaces\":[\"a\",\"b\"]}}");
        op_connect_spec_t s;
        char err[512];
        cr_assert_eq(op_connect_spec_parse(kc, &s, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(s.rest_url, "http://x:1");
        cr_assert_str_eq(s.status_url, "http://svc:8083");
        cr_assert(s.use_resources && s.delete_unmanaged);
        cr_assert_eq(s.replicas, 0);
        cr_assert_str_eq(s.group_id, "g");
        cr_assert_str_eq(s.config_topic, "c");
        cr_assert_str_eq(s.offset_topic, "o");
        cr_assert_str_eq(s.status_topic, "st");
        cr_assert_eq(s.config.n, 4, "null dropped");
        cr_assert_str_eq(ferry_strmap_get(&s.config, "a"), "1");
        cr_assert_str_eq(ferry_strmap_get(&s.config, "b"), "true");
        cr_assert_str_eq(ferry_strmap_get(&s.config, "c"), "s");
        cr_assert_str_eq(ferry_strmap_get(&s.config, "e"), "1.5");
        cr_assert_str_eq(s.config.kv[0].key, "a", "order kept");
        cr_assert_str_eq(s.image, "img");
        cr_assert_str_eq(s.image_pull_policy, "Never");
        cr_assert_str_eq(kube_str(s.resources, "limits.cpu"), "1");
        cr_assert_eq(s.rest_port, 9000);
        cr_assert(s.autoscaling);
        cr_assert_eq(s.min_replicas, 2);
        cr_assert_eq(s.max_replicas, 5);
        cr_assert_eq(s.tasks_per_worker, 3);
        cr_assert_eq(s.scale_down_delay_s, 7);
        cr_assert_eq(s.unhealthy_s, 30);
        cr_assert_eq(json_object_array_length(s.ext_env), 1);
        cr_assert_eq(s.n_ext_volumes, 1);
        cr_assert_str_eq(s.ext_volumes[0].kind, "configMap");
        cr_assert_str_eq(ferry_strmap_get(&s.pod_labels, "l"), "1");
        cr_assert_str_eq(ferry_strmap_get(&s.pod_annotations, "a"), "2");
        cr_assert_eq(json_object_array_length(s.pod_volumes), 1);
        cr_assert_eq(json_object_array_length(s.volume_mounts), 1);
        cr_assert_eq(s.n_connector_namespaces, 2);
        cr_assert(op_connect_allows_namespace(&s, "a") && op_connect_allows_namespace(&s, "b"));
        cr_assert(!op_connect_allows_namespace(&s, "c"));
        op_connect_spec_free(&s);
        json_object_put(kc);
}

Test(connect_spec, any_namespace)
{
        json_object *kc = kc_with("\"connectorNamespaces\":[\"*\"]");
        op_connect_spec_t s;
        cr_assert_eq(op_connect_spec_parse(kc, &s, NULL, 0), 0);
        cr_assert(op_connect_allows_namespace(&s, "anything"));
        op_connect_spec_free(&s);
        json_object_put(kc);
}

Test(connect_spec, autoscaling_defaults)
{
        json_object *kc = kc_with("\"autoscaling\":{\"maxReplicas\":3}");
        op_connect_spec_t s;
        cr_assert_eq(op_connect_spec_parse(kc, &s, NULL, 0), 0);
        cr_assert(s.autoscaling);
        cr_assert_eq(s.min_replicas, 1);
        cr_assert_eq(s.max_replicas, 3);
        cr_assert_eq(s.tasks_per_worker, 4);
        cr_assert_eq(s.scale_down_delay_s, 60);
        op_connect_spec_free(&s);
        json_object_put(kc);
}

Test(connect_spec, invalid_fields)
{
        connect_error("\"replicas\":-1", "spec.replicas: must be a non-negative integer");
        connect_error("\"replicas\":\"2\"", "spec.replicas: must be a non-negative integer");
        connect_error("\"replicas\":1.5", "spec.replicas: must be a non-negative integer");
        connect_error("\"bootstrapServers\":\"\"", "spec.bootstrapServers: required");
        connect_error("\"bootstrapServers\":5", "spec.bootstrapServers: must be a string");
        connect_error("\"groupId\":[]", "spec.groupId: must be a string");
        connect_error("\"configStorageTopic\":1", "spec.configStorageTopic: must be a string");
        connect_error("\"config\":\"x\"", "spec.config: must be an object");
        connect_error("\"config\":{\"a\":1,\"rest.port\":8084}",
                      "spec.config.rest.port: set by the operator");
        connect_error("\"config\":{\"listeners.https.ssl.key\":\"x\"}",
                      "spec.config.listeners.https.ssl.key: set by the operator");
        connect_error("\"config\":{\"group.id\":\"g\"}", "spec.config.group.id: set by the operator");
        connect_error("\"image\":{}", "spec.image: must be a string");
        connect_error("\"imagePullPolicy\":\"Sometimes\"",
                      "spec.imagePullPolicy: must be Always, IfNotPresent or Never");
        connect_error("\"resources\":[]", "spec.resources: must be an object");
        connect_error("\"restPort\":0", "spec.restPort: must be an integer between 1 and 65535");
        connect_error("\"restPort\":70000", "spec.restPort: must be an integer between 1 and 65535");
        connect_error("\"autoscaling\":{\"minReplicas\":0,\"maxReplicas\":2}",
                      "spec.autoscaling.minReplicas: must be an integer >= 1");
        connect_error("\"autoscaling\":{\"maxReplicas\":0}",
                      "spec.autoscaling.maxReplicas: must be an integer >= 1");
        connect_error("\"autoscaling\":{\"minReplicas\":3,\"maxReplicas\":2}",
                      "spec.autoscaling.maxReplicas: must not be less than minReplicas (3)");
        connect_error("\"autoscaling\":{\"maxReplicas\":2,\"tasksPerWorker\":0}",
                      "spec.autoscaling.tasksPerWorker: must be an integer >= 1");
        connect_error("\"autoscaling\":{\"maxReplicas\":2,\"scaleDownDelaySeconds\":-1}",
                      "spec.autoscaling.scaleDownDelaySeconds: must be a non-negative number of seconds");
        connect_error("\"healthCheck\":{\"unhealthySeconds\":0}",
                      "spec.healthCheck.unhealthySeconds: must be a positive number of seconds");
        connect_error("\"externalConfiguration\":{\"env\":[{\"valueFrom\":{}}]}",
                      "spec.externalConfiguration.env[0].name: required");
        connect_error("\"externalConfiguration\":{\"env\":[{\"name\":\"POD_IP\",\"valueFrom\":{}}]}",
                      "spec.externalConfiguration.env[0].name: POD_IP is set by the operator");
        connect_error("\"externalConfiguration\":{\"env\":[{\"name\":\"A\",\"valueFrom\":{}}]}",
                      "spec.externalConfiguration.env[0].valueFrom: needs exactly one of secretKeyRef, "
                      "configMapKeyRef");
        connect_error(
                "\"externalConfiguration\":{\"volumes\":[{\"name\":\"Bad_Name\",\"secret\":{}}]}",
                "spec.externalConfiguration.volumes[0].name: must be a lower-case DNS label of at most 54 "
                "characters");
        connect_error(
                "\"externalConfiguration\":{\"volumes\":[{\"name\":\"a\",\"secret\":{}},{\"name\":\"a\","
                "\"configMap\":{}}]}",
                "spec.externalConfiguration.volumes[1].name: duplicate volume name \"a\"");
        connect_error("\"deleteUnmanagedConnectors\":\"yes\"",
                      "spec.deleteUnmanagedConnectors: must be true or false");
        connect_error("\"template\":{\"podLabels\":{\"a\":1}}",
                      "spec.template.podLabels.a: must be a string");
        connect_error("\"template\":{\"podAnnotations\":[]}",
                      "spec.template.podAnnotations: must be an object");
        connect_error("\"connectorNamespaces\":\"*\"", "spec.connectorNamespaces: must be a list");
        connect_error("\"connectorNamespaces\":[\"ok\",\"Not OK\"]",
                      "spec.connectorNamespaces[1]: must be a namespace name or \"*\"");
}

Test(connect_spec, template_volume_errors)
{
        connect_error(
                "\"template\":{\"pod\":{\"volumes\":[{\"name\":\"config\",\"emptyDir\":{}}]}}",
                "spec.template.pod.volumes[0].name: \"config\" conflicts with the operator's own volumes "
                "(config, data, ext-conf-<name>, ferry-sec-<n>)");
        connect_error("\"template\":{\"pod\":{\"volumes\":[{\"name\":\"ext-conf-x\",\"emptyDir\":{}}]}}",
                      "spec.template.pod.volumes[0].name: \"ext-conf-x\" conflicts with the operator's own "
                      "volumes (config, data, ext-conf-<name>, ferry-sec-<n>)");
        connect_error("\"template\":{\"pod\":{\"volumes\":[{\"name\":\"a\",\"emptyDir\":{}},{\"name\":\"a\","
                      "\"emptyDir\":{}}]}}",
                      "spec.template.pod.volumes[1].name: duplicate volume name \"a\"");
        connect_error("\"template\":{\"pod\":{\"volumes\":[{\"name\":\"a\"}]}}",
                      "spec.template.pod.volumes[0]: needs exactly one of secret, configMap, emptyDir, "
                      "persistentVolumeClaim, csi");
        connect_error("\"template\":{\"pod\":{\"volumes\":[{\"name\":\"a\",\"emptyDir\":{},\"secret\":{}}]}}",
                      "spec.template.pod.volumes[0]: needs exactly one of secret, configMap, emptyDir, "
                      "persistentVolumeClaim, csi");
        connect_error("\"template\":{\"pod\":{\"volumes\":{}}}", "spec.template.pod.volumes: must be a list");
        connect_error(
                "\"template\":{\"connectContainer\":{\"volumeMounts\":[{\"name\":\"nope\",\"mountPath\":"
                "\"/x\"}]}}",
                "spec.template.connectContainer.volumeMounts[0].name: no volume \"nope\" in "
                "spec.template.pod.volumes");
        const char *vol = "\"template\":{\"pod\":{\"volumes\":[{\"name\":\"a\",\"emptyDir\":{}}]},"
                          "\"connectContainer\":{\"volumeMounts\":[";
        char buf[1024];
        snprintf(buf, sizeof(buf), "%s{\"name\":\"a\"}]}}", vol);
        connect_error(buf,
                      "spec.template.connectContainer.volumeMounts[0].mountPath: must be an absolute path");
        snprintf(buf, sizeof(buf), "%s{\"name\":\"a\",\"mountPath\":\"/etc/ferry/x\"}]}}", vol);
        connect_error(buf,
                      "spec.template.connectContainer.volumeMounts[0].mountPath: /etc/ferry/x is where the "
                      "operator mounts the worker configuration (/etc/ferry, /var/lib/ferry)");
        snprintf(buf, sizeof(buf), "%s{\"name\":\"a\",\"mountPath\":\"/var/lib/ferry\"}]}}", vol);
        connect_error(buf,
                      "spec.template.connectContainer.volumeMounts[0].mountPath: /var/lib/ferry is where the "
                      "operator mounts the worker configuration (/etc/ferry, /var/lib/ferry)");
        snprintf(buf, sizeof(buf),
                 "%s{\"name\":\"a\",\"mountPath\":\"/m\"},{\"name\":\"a\",\"mountPath\":\"/m\"}]}}", vol);
        connect_error(buf, "spec.template.connectContainer.volumeMounts[1].mountPath: /m is already mounted "
                           "(externalConfiguration or another mount)");
        snprintf(buf, sizeof(buf),
                 "\"externalConfiguration\":{\"volumes\":[{\"name\":\"creds\",\"secret\":{}}]},%s{\"name\":"
                 "\"a\","
                 "\"mountPath\":\"/opt/kafka/external-configuration/creds\"}]}}",
                 vol);
        connect_error(buf,
                      "spec.template.connectContainer.volumeMounts[0].mountPath: "
                      "/opt/kafka/external-configuration/creds is already mounted (externalConfiguration or "
                      "another mount)");
        snprintf(buf, sizeof(buf), "%s{\"name\":\"a\",\"mountPath\":\"/m\",\"subPath\":\"../x\"}]}}", vol);
        connect_error(buf, "spec.template.connectContainer.volumeMounts[0].subPath: must be a relative path "
                           "without '..'");
        snprintf(buf, sizeof(buf), "%s{\"name\":\"a\",\"mountPath\":\"/m\",\"readOnly\":\"yes\"}]}}", vol);
        connect_error(buf, "spec.template.connectContainer.volumeMounts[0].readOnly: must be true or false");
}

Test(connect_spec, first_error_wins_rest_filled)
{
        json_object *kc = kc_with("\"replicas\":-1,\"restPort\":0,\"image\":\"img\"");
        op_connect_spec_t s;
        char err[512];
        cr_assert_eq(op_connect_spec_parse(kc, &s, err, sizeof(err)), -1);
        cr_assert_str_eq(err, "spec.replicas: must be a non-negative integer");
        cr_assert_eq(s.replicas, 1, "invalid field left at its default");
        cr_assert_str_eq(s.image, "img", "valid fields still parsed");
        op_connect_spec_free(&s);
        json_object_put(kc);
}

/* ---- KafkaConnector ---- */

static json_object *kctr_with(const char *labels, const char *spec_members)
{
        char buf[4096];
        snprintf(buf, sizeof(buf),
                 "{\"metadata\":{\"name\":\"c1\",\"namespace\":\"apps\",\"generation\":2,\"labels\":{%s}},"
                 "\"spec\":{\"class\":\"FileStreamSource\"%s%s}}",
                 labels, *spec_members ? "," : "", spec_members);
        return obj_from(buf);
}

static void connector_error(const char *labels, const char *spec_members, const char *want)
{
        json_object *o = kctr_with(labels, spec_members);
        op_connector_spec_t s;
        char err[512];
        cr_assert_eq(op_connector_spec_parse(o, &s, err, sizeof(err)), -1, "accepted: %s", spec_members);
        cr_assert_str_eq(err, want, "for %s", spec_members);
        op_connector_spec_free(&s);
        json_object_put(o);
}

#define LABEL "\"connect.ferry.dev/cluster\":\"kc\""

Test(connector_spec, defaults_and_label)
{
        json_object *o = kctr_with(LABEL, "");
        op_connector_spec_t s;
        char err[512];
        cr_assert_eq(op_connector_spec_parse(o, &s, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(s.name, "c1");
        cr_assert_str_eq(s.ns, "apps");
        cr_assert_eq(s.generation, 2);
        cr_assert_str_eq(s.class_name, "FileStreamSource");
        cr_assert_eq(s.tasks_max, 1);
        cr_assert_str_eq(s.state, "RUNNING");
        cr_assert(!s.auto_restart);
        cr_assert_eq(s.max_restarts, -1);
        cr_assert_eq(s.config.n, 0);
        cr_assert_str_eq(s.cluster_name, "kc");
        cr_assert_str_eq(s.cluster_ns, "apps", "the label means the connector's own namespace");
        op_connector_spec_free(&s);
        json_object_put(o);
}

Test(connector_spec, every_field_and_cluster_ref)
{
        json_object *o =
                kctr_with("", "\"tasksMax\":6,\"config\":{\"topic\":\"t\",\"batch.size\":100,\"x\":false},"
                              "\"state\":\"paused\",\"autoRestart\":{\"maxRestarts\":3},"
                              "\"clusterRef\":{\"name\":\"kc\",\"namespace\":\"connect\"}");
        op_connector_spec_t s;
        char err[512];
        cr_assert_eq(op_connector_spec_parse(o, &s, err, sizeof(err)), 0, "%s", err);
        cr_assert_eq(s.tasks_max, 6);
        cr_assert_str_eq(ferry_strmap_get(&s.config, "topic"), "t");
        cr_assert_str_eq(ferry_strmap_get(&s.config, "batch.size"), "100");
        cr_assert_str_eq(ferry_strmap_get(&s.config, "x"), "false");
        cr_assert_str_eq(s.state, "PAUSED");
        cr_assert(s.auto_restart, "autoRestart present: enabled by default");
        cr_assert_eq(s.max_restarts, 3);
        cr_assert_str_eq(s.cluster_name, "kc");
        cr_assert_str_eq(s.cluster_ns, "connect");
        char ns[64], name[64];
        cr_assert_eq(op_connector_cluster(o, ns, sizeof(ns), name, sizeof(name)), 0);
        cr_assert_str_eq(ns, "connect");
        cr_assert_str_eq(name, "kc");
        op_connector_spec_free(&s);
        json_object_put(o);

        o = kctr_with(LABEL, "\"state\":\"stopped\",\"autoRestart\":{\"enabled\":false},"
                             "\"clusterRef\":{\"name\":\"kc\"}");
        cr_assert_eq(op_connector_spec_parse(o, &s, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(s.state, "STOPPED");
        cr_assert(!s.auto_restart);
        cr_assert_str_eq(s.cluster_ns, "apps", "clusterRef without namespace: the connector's");
        op_connector_spec_free(&s);
        json_object_put(o);
}

Test(connector_spec, no_cluster)
{
        json_object *o = kctr_with("", "");
        op_connector_spec_t s;
        cr_assert_eq(op_connector_spec_parse(o, &s, NULL, 0), 0, "no cluster is not a spec error");
        cr_assert_null(s.cluster_name);
        char ns[64], name[64];
        cr_assert_eq(op_connector_cluster(o, ns, sizeof(ns), name, sizeof(name)), -1);
        op_connector_spec_free(&s);
        json_object_put(o);
}

Test(connector_spec, invalid_fields)
{
        connector_error(LABEL, "\"class\":\"\"", "spec.class: required");
        connector_error(LABEL, "\"class\":7", "spec.class: must be a string");
        connector_error(LABEL, "\"tasksMax\":0", "spec.tasksMax: must be an integer >= 1");
        connector_error(LABEL, "\"tasksMax\":\"2\"", "spec.tasksMax: must be an integer >= 1");
        connector_error(LABEL, "\"config\":[]", "spec.config: must be an object");
        connector_error(LABEL, "\"config\":{\"tasks.max\":2}",
                        "spec.config.tasks.max: not allowed (set from spec.tasksMax)");
        connector_error(LABEL, "\"config\":{\"connector.class\":\"X\"}",
                        "spec.config.connector.class: not allowed (set from spec.class)");
        connector_error(LABEL, "\"config\":{\"name\":\"n\"}",
                        "spec.config.name: not allowed (set from metadata.name)");
        connector_error(LABEL, "\"state\":\"sleeping\"", "spec.state: must be running, paused or stopped");
        connector_error(LABEL, "\"autoRestart\":{\"enabled\":1}",
                        "spec.autoRestart.enabled: must be true or false");
        connector_error(LABEL, "\"autoRestart\":{\"maxRestarts\":-1}",
                        "spec.autoRestart.maxRestarts: must be a non-negative integer");
        connector_error(LABEL, "\"autoRestart\":true", "spec.autoRestart: must be an object");
        connector_error("", "\"clusterRef\":{\"namespace\":\"x\"}", "spec.clusterRef.name: required");
        connector_error("", "\"clusterRef\":\"kc\"", "spec.clusterRef: must be an object");
        connector_error("", "\"clusterRef\":{\"name\":\"kc\",\"namespace\":\"Bad NS\"}",
                        "spec.clusterRef.namespace: must be a namespace name");
        connector_error(
                LABEL, "\"clusterRef\":{\"name\":\"other\"}",
                "spec.clusterRef.name: \"other\" differs from the label connect.ferry.dev/cluster (\"kc\")");
}
