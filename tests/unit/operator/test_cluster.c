/* Unit tests for what operator/src/cluster.c builds from a KafkaConnect before it talks to the API
 * server: the shared worker.properties (operator-owned keys, defaults, Java-properties escaping)
 * and the worker pod spec (image, externalConfiguration env and volumes, resources, template volumes
 * and mounts). */
#include "operator.h"

#include <criterion/criterion.h>
#include <string.h>

static json_object *kc_from(const char *json)
{
        json_object *o = json_tokener_parse(json);
        cr_assert_not_null(o, "bad test JSON: %s", json);
        return o;
}

/* The parsed spec of a KafkaConnect (parse errors ignored: these tests look at what is built). */
static op_connect_spec_t *spec_of(json_object *kc)
{
        op_connect_spec_t *s = malloc(sizeof(*s));
        cr_assert_not_null(s);
        op_connect_spec_parse(kc, s, NULL, 0);
        return s;
}

static void spec_done(op_connect_spec_t *s)
{
        op_connect_spec_free(s);
        free(s);
}

static bool has_line(const char *props, const char *line)
{
        size_t n = strlen(line);
        for (const char *p = props; (p = strstr(p, line)); p += n)
                if ((p == props || p[-1] == '\n') && p[n] == '\n')
                        return true;
        return false;
}

Test(worker_properties, defaults_and_owned_keys)
{
        json_object *kc = kc_from("{\"metadata\":{\"name\":\"cc\",\"namespace\":\"ns\"},\"spec\":{"
                                  "\"bootstrapServers\":\"k:9092\",\"config\":{\"group.id\":\"evil\","
                                  "\"bootstrap.servers\":\"evil:1\",\"plugin.path\":\"/evil\","
                                  "\"offset.flush.interval.ms\":1000,\"value.converter\":\"S\","
                                  "\"a key\":\"x=y\",\"multi\":\"one\\ntwo\",\"lead\":\"  sp\"}}}");
        op_connect_spec_t *s = spec_of(kc);
        char *p = op_worker_properties(s);
        cr_assert_not_null(p);
        cr_assert(has_line(p, "bootstrap.servers=k:9092"), "%s", p);
        cr_assert(has_line(p, "group.id=connect-cc"), "%s", p);
        cr_assert(has_line(p, "config.storage.topic=cc-configs"), "%s", p);
        cr_assert(has_line(p, "offset.storage.topic=cc-offsets"), "%s", p);
        cr_assert(has_line(p, "status.storage.topic=cc-status"), "%s", p);
        cr_assert_null(strstr(p, "evil"), "an operator-owned key from spec.config got through: %s", p);
        cr_assert(has_line(p, "offset.flush.interval.ms=1000"), "numbers as strings: %s", p);
        cr_assert(has_line(p, "value.converter=S"), "%s", p);
        cr_assert(has_line(p, "key.converter=org.apache.kafka.connect.json.JsonConverter"), "%s", p);
        cr_assert_null(strstr(p, "value.converter=org.apache"), "default added over the given one: %s", p);
        cr_assert(has_line(p, "a\\ key=x=y"), "key escaping: %s", p);
        cr_assert(has_line(p, "multi=one\\ntwo"), "newline escaping: %s", p);
        cr_assert(has_line(p, "lead=\\  sp"), "leading blank of a value kept: %s", p);
        free(p);
        spec_done(s);
        json_object_put(kc);
}

Test(worker_properties, spec_names_win)
{
        json_object *kc =
                kc_from("{\"metadata\":{\"name\":\"cc\"},\"spec\":{\"bootstrapServers\":\"b\","
                        "\"groupId\":\"g\",\"configStorageTopic\":\"c\",\"offsetStorageTopic\":\"o\","
                        "\"statusStorageTopic\":\"s\"}}");
        op_connect_spec_t *s = spec_of(kc);
        char *p = op_worker_properties(s);
        cr_assert(has_line(p, "group.id=g") && has_line(p, "config.storage.topic=c") &&
                          has_line(p, "offset.storage.topic=o") && has_line(p, "status.storage.topic=s"),
                  "%s", p);
        free(p);
        spec_done(s);
        json_object_put(kc);
}

static json_object *container(json_object *spec)
{
        return json_object_array_get_idx(kube_get(spec, "containers"), 0);
}

/* The element of array arr whose "name" is name, or NULL. */
static json_object *by_name(json_object *arr, const char *name)
{
        for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
                const char *n = kube_str(json_object_array_get_idx(arr, i), "name");
                if (n && !strcmp(n, name))
                        return json_object_array_get_idx(arr, i);
        }
        return NULL;
}

Test(worker_pod_spec, default_image_and_basics)
{
        json_object *kc = kc_from("{\"metadata\":{\"name\":\"cc\"},\"spec\":{\"bootstrapServers\":\"b\","
                                  "\"restPort\":9000,\"resources\":{\"limits\":{\"memory\":\"64Mi\"}}}}");
        op_connect_spec_t *s = spec_of(kc);
        json_object *ps = op_worker_pod_spec("reg/worker:1", s, "cc-connect-config");
        json_object *c = container(ps);
        cr_assert_str_eq(kube_str(c, "image"), "reg/worker:1");
        cr_assert_null(kube_get(c, "imagePullPolicy"));
        cr_assert_str_eq(kube_str(c, "resources.limits.memory"), "64Mi");
        cr_assert_eq(json_object_get_int(
                             kube_get(json_object_array_get_idx(kube_get(c, "ports"), 0), "containerPort")),
                     9000);
        cr_assert_not_null(
                strstr(json_object_get_string(json_object_array_get_idx(kube_get(c, "command"), 2)),
                       "listeners=http://${FERRY_LISTEN_HOST:-0.0.0.0}:9000"));
        cr_assert_str_eq(kube_str(by_name(kube_get(ps, "volumes"), "config"), "configMap.name"),
                         "cc-connect-config");
        cr_assert_eq(json_object_array_length(kube_get(ps, "volumes")), 2);
        cr_assert_eq(json_object_array_length(kube_get(c, "env")), 2); /* POD_IP, POD_NAME */
        json_object_put(ps);
        spec_done(s);
        json_object_put(kc);
}

Test(worker_pod_spec, spec_image_wins)
{
        json_object *kc = kc_from("{\"metadata\":{\"name\":\"cc\"},\"spec\":{\"image\":\"mine:2\","
                                  "\"imagePullPolicy\":\"Always\"}}");
        op_connect_spec_t *s = spec_of(kc);
        json_object *ps = op_worker_pod_spec("reg/worker:1", s, "cm");
        cr_assert_str_eq(kube_str(container(ps), "image"), "mine:2");
        cr_assert_str_eq(kube_str(container(ps), "imagePullPolicy"), "Always");
        json_object_put(ps);
        spec_done(s);
        json_object_put(kc);
}

Test(worker_pod_spec, external_configuration)
{
        json_object *kc = kc_from("{\"metadata\":{\"name\":\"cc\"},\"spec\":{\"externalConfiguration\":{"
                                  "\"env\":[{\"name\":\"DB_PASS\",\"valueFrom\":{\"secretKeyRef\":{\"name\":"
                                  "\"db\",\"key\":\"pw\"}}}],"
                                  "\"volumes\":[{\"name\":\"creds\",\"secret\":{\"secretName\":\"db\"}},"
                                  "{\"name\":\"settings\",\"configMap\":{\"name\":\"cm1\",\"items\":[{"
                                  "\"key\":\"a\",\"path\":\"b\"}]}},"
                                  "{\"name\":\"nothing\"}]}}}");
        op_connect_spec_t *s = spec_of(kc);
        json_object *ps = op_worker_pod_spec("img", s, "cm");
        json_object *c = container(ps), *vols = kube_get(ps, "volumes"),
                    *mounts = kube_get(c, "volumeMounts");
        json_object *e = by_name(kube_get(c, "env"), "DB_PASS");
        cr_assert_not_null(e);
        cr_assert_str_eq(kube_str(e, "valueFrom.secretKeyRef.key"), "pw");
        cr_assert_not_null(by_name(kube_get(c, "env"), "POD_IP"), "operator env kept");
        cr_assert_str_eq(kube_str(by_name(vols, "ext-conf-creds"), "secret.secretName"), "db");
        cr_assert_str_eq(kube_str(by_name(vols, "ext-conf-settings"), "configMap.name"), "cm1");
        cr_assert_null(by_name(vols, "ext-conf-nothing"), "a volume without a source is skipped");
        json_object *m = by_name(mounts, "ext-conf-creds");
        cr_assert_str_eq(kube_str(m, "mountPath"), "/opt/kafka/external-configuration/creds");
        cr_assert(json_object_get_boolean(kube_get(m, "readOnly")));
        cr_assert_str_eq(kube_str(by_name(mounts, "ext-conf-settings"), "mountPath"),
                         "/opt/kafka/external-configuration/settings");
        cr_assert_null(by_name(mounts, "ext-conf-nothing"));
        cr_assert_eq(json_object_array_length(vols), 4);
        cr_assert_eq(json_object_array_length(mounts), 4);
        json_object_put(ps);
        spec_done(s);
        json_object_put(kc);
}

Test(worker_pod_spec, template_volumes_and_mounts)
{
        json_object *kc = kc_from(
                "{\"metadata\":{\"name\":\"cc\"},\"spec\":{\"bootstrapServers\":\"b\",\"template\":{"
                "\"pod\":{\"volumes\":[{\"name\":\"certs\",\"secret\":{\"secretName\":\"tls\"}},"
                "{\"name\":\"scratch\",\"emptyDir\":{}},"
                "{\"name\":\"store\",\"persistentVolumeClaim\":{\"claimName\":\"pvc1\"}}]},"
                "\"connectContainer\":{\"volumeMounts\":[{\"name\":\"certs\",\"mountPath\":\"/mnt/certs\","
                "\"readOnly\":true},{\"name\":\"store\",\"mountPath\":\"/data/in\",\"subPath\":\"in\"}]}}}}");
        op_connect_spec_t *s = spec_of(kc);
        json_object *ps = op_worker_pod_spec("img", s, "cm");
        json_object *vols = kube_get(ps, "volumes"), *mounts = kube_get(container(ps), "volumeMounts");
        cr_assert_str_eq(kube_str(by_name(vols, "certs"), "secret.secretName"), "tls");
        cr_assert_not_null(kube_get(by_name(vols, "scratch"), "emptyDir"));
        cr_assert_str_eq(kube_str(by_name(vols, "store"), "persistentVolumeClaim.claimName"), "pvc1");
        cr_assert_str_eq(kube_str(by_name(vols, "config"), "configMap.name"), "cm", "operator volume kept");
        cr_assert_eq(json_object_array_length(vols), 5);
        json_object *m = by_name(mounts, "certs");
        cr_assert_str_eq(kube_str(m, "mountPath"), "/mnt/certs");
        cr_assert(json_object_get_boolean(kube_get(m, "readOnly")));
        cr_assert_str_eq(kube_str(by_name(mounts, "store"), "subPath"), "in");
        cr_assert_null(by_name(mounts, "scratch"), "a volume without a mount is not mounted");
        cr_assert_eq(json_object_array_length(mounts), 4);
        json_object_put(ps);
        spec_done(s);
        json_object_put(kc);
}
