/* The KafkaConnect reconciler: from one KafkaConnect resource it applies the worker configuration
 * (ConfigMap <name>-connect-config), the worker pods <name>-worker-<n> (operator-managed, one
 * `ferry-worker distributed` each), the Service <name>-connect-api and the PodDisruptionBudget
 * <name>-connect; probes every worker's /health and deletes (so recreates) a pod that stays
 * unhealthy past the threshold; sizes the cluster from spec.replicas or, with spec.autoscaling, from
 * the task count the workers' REST API reports; optionally deletes connectors that have no
 * KafkaConnector; and writes status (replicas, readyReplicas, url, labelSelector, tasks, conditions,
 * observedGeneration). Input: the informer caches (KafkaConnects, managed pods, KafkaConnectors);
 * output: API server writes and Connect REST calls. When the KafkaConnect is gone it deletes what it
 * created itself (the test API server has no garbage collector). */
#include "operator.h"

#include <ferry/log.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const kube_gvr_t cm_gvr = {"", "v1", "configmaps"}, svc_gvr = {"", "v1", "services"},
                        pod_gvr = {"", "v1", "pods"}, pdb_gvr = {"policy", "v1", "poddisruptionbudgets"};

#define MAX_PODS 256

/* What the operator remembers about one worker pod's /health (keyed by pod uid). */
struct op_health {
        double first_bad; /* monotonic time of the first failed probe of the current streak; 0: healthy */
        long restart_count;
        bool healthy_once; /* answered 200 since the container (re)started */
        bool only_503;     /* every failure of the streak was 503 "starting" (a rebalance, not a hang) */
};

/* ---- object building ---- */

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

static json_object *meta(json_object *kc, const char *name)
{
        json_object *md = json_object_new_object();
        json_object_object_add(md, "name", json_object_new_string(name));
        json_object_object_add(md, "namespace", json_object_new_string(kube_str(kc, "metadata.namespace")));
        json_object_object_add(md, "labels", labels_for(kube_str(kc, "metadata.name")));
        json_object_object_add(md, "ownerReferences", owner_ref(kc));
        return md;
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
                FERRY_WARN("apply %s/%s %s: %s", ns, name, gvr->resource, res.err);
        kube_result_clear(&res);
        return rc;
}

/* DELETE with an optional grace period (<0: the object's own) and uid precondition. 404 is success. */
static int delete_obj(op_ctx_t *ctx, const kube_gvr_t *gvr, const char *ns, const char *name, const char *uid,
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

/* Appends "k=v\n" with Java properties escaping (keys: separators and spaces; both: \ and controls). */
static void prop(char *buf, size_t len, size_t *n, const char *k, const char *v)
{
        for (int part = 0; part < 3; part++) {
                const char *s = part == 0 ? k : part == 1 ? "=" : v;
                for (; *s; s++) {
                        char esc[3] = {0};
                        if (part == 1)
                                esc[0] = *s;
                        else if (*s == '\\')
                                memcpy(esc, "\\\\", 2);
                        else if (*s == '\n')
                                memcpy(esc, "\\n", 2);
                        else if (*s == '\r')
                                memcpy(esc, "\\r", 2);
                        else if (*s == '\t')
                                memcpy(esc, "\\t", 2);
                        else if (part == 0 && (*s == '=' || *s == ':' || *s == ' ' || *s == '#' || *s == '!'))
                                esc[0] = '\\', esc[1] = *s;
                        else if (part == 2 && s == v && *s == ' ') /* leading blanks of a value */
                                memcpy(esc, "\\ ", 2);
                        else
                                esc[0] = *s;
                        size_t el = strlen(esc);
                        if (*n + el + 2 < len) {
                                memcpy(buf + *n, esc, el);
                                *n += el;
                        }
                }
        }
        if (*n + 1 < len)
                buf[(*n)++] = '\n';
        buf[*n] = '\0';
}

static bool operator_owned_key(const char *k)
{
        return !strncmp(k, "rest.", 5) || !strcmp(k, "listeners") || !strncmp(k, "listeners.", 10) ||
               !strcmp(k, "bootstrap.servers") || !strcmp(k, "group.id") || !strcmp(k, "plugin.path") ||
               !strcmp(k, "config.storage.topic") || !strcmp(k, "offset.storage.topic") ||
               !strcmp(k, "status.storage.topic");
}

/* The distributed worker configuration shared by every pod. The listener and the advertised
 * host (the pod IP) are added per pod by the container's start script. */
char *op_worker_properties(json_object *kc)
{
        const char *name = kube_str(kc, "metadata.name");
        json_object *spec = kube_get(kc, "spec");
        size_t len = 65536, n = 0;
        char *buf = calloc(1, len);
        if (!buf)
                return NULL;
        char v[512];
        const char *bs = kube_str(spec, "bootstrapServers");
        prop(buf, len, &n, "bootstrap.servers", bs ? bs : "");
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
        json_object *cfg = kube_get(spec, "config");
        bool has_key = false, has_value = false;
        if (cfg && json_object_is_type(cfg, json_type_object)) {
                json_object_object_foreach(cfg, k, val)
                {
                        if (operator_owned_key(k) || json_object_is_type(val, json_type_null))
                                continue;
                        has_key |= !strcmp(k, "key.converter");
                        has_value |= !strcmp(k, "value.converter");
                        prop(buf, len, &n, k,
                             json_object_is_type(val, json_type_string)
                                     ? json_object_get_string(val)
                                     : json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN));
                }
        }
        if (!has_key)
                prop(buf, len, &n, "key.converter", "org.apache.kafka.connect.json.JsonConverter");
        if (!has_value)
                prop(buf, len, &n, "value.converter", "org.apache.kafka.connect.json.JsonConverter");
        return buf;
}

/* FNV-1a of the worker configuration and the pod spec, as the pods' config-hash annotation (a
 * changed config, image, resource, volume or env rolls the workers). */
static void hash_hex(const char *props, const char *pod_spec, char out[17])
{
        unsigned long long h = 1469598103934665603ULL;
        const char *parts[] = {props, "\n", pod_spec};
        for (size_t i = 0; i < 3; i++)
                for (const char *c = parts[i]; *c; c++) {
                        h ^= (unsigned char)*c;
                        h *= 1099511628211ULL;
                }
        snprintf(out, 17, "%016llx", h);
}

static int rest_port(json_object *spec)
{
        json_object *pj = kube_get(spec, "restPort");
        int port = pj ? json_object_get_int(pj) : 8083;
        return port > 0 && port < 65536 ? port : 8083;
}

/* The mount path of spec.externalConfiguration.volumes[name], as Strimzi mounts them, so that
 * migrated connector configs (${directory:...}, ${file:...}) keep their paths. */
#define OP_EXTERNAL_CONFIG_DIR "/opt/kafka/external-configuration/"

static json_object *named(const char *name, const char *key, json_object *val)
{
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(name));
        json_object_object_add(o, key, val);
        return o;
}

/* The spec of every worker pod of kc. The start script completes the shared worker.properties with
 * the listener (0.0.0.0 unless FERRY_LISTEN_HOST says otherwise: the e2e kubelet runs every pod on
 * the host network, one loopback address each) and the pod IP as the advertised host, then execs
 * the worker. spec.externalConfiguration adds env entries and Secret/ConfigMap volumes. */
json_object *op_worker_pod_spec(const char *default_image, json_object *kc, const char *cm_name, int port)
{
        json_object *spec = kube_get(kc, "spec");
        char script[1024];
        snprintf(script, sizeof(script),
                 "{ cat /etc/ferry/worker.properties; "
                 "echo \"listeners=http://${FERRY_LISTEN_HOST:-0.0.0.0}:%d\"; "
                 "echo \"rest.advertised.host.name=${POD_IP}\"; "
                 "echo \"rest.advertised.port=%d\"; } >/var/lib/ferry/worker.properties && "
                 "exec ferry-worker distributed /var/lib/ferry/worker.properties",
                 port, port);
        json_object *c = json_object_new_object();
        json_object_object_add(c, "name", json_object_new_string("worker"));
        const char *image = kube_str(spec, "image");
        json_object_object_add(c, "image", json_object_new_string(image ? image : default_image));
        const char *ipp = kube_str(spec, "imagePullPolicy");
        if (ipp)
                json_object_object_add(c, "imagePullPolicy", json_object_new_string(ipp));
        json_object *cmd = json_object_new_array();
        json_object_array_add(cmd, json_object_new_string("/bin/sh"));
        json_object_array_add(cmd, json_object_new_string("-c"));
        json_object_array_add(cmd, json_object_new_string(script));
        json_object_object_add(c, "command", cmd);
        json_object *env = json_object_new_array();
        static const char *const fields[][2] = {{"POD_IP", "status.podIP"}, {"POD_NAME", "metadata.name"}};
        for (size_t i = 0; i < 2; i++) {
                json_object *fr = json_object_new_object();
                json_object_object_add(fr, "fieldPath", json_object_new_string(fields[i][1]));
                json_object *vf = json_object_new_object();
                json_object_object_add(vf, "fieldRef", fr);
                json_object_array_add(env, named(fields[i][0], "valueFrom", vf));
        }
        /* externalConfiguration.env: {name, valueFrom: {secretKeyRef | configMapKeyRef}} as given. */
        json_object *xenv = kube_get(spec, "externalConfiguration.env");
        for (size_t i = 0;
             xenv && json_object_is_type(xenv, json_type_array) && i < json_object_array_length(xenv); i++)
                json_object_array_add(env, json_object_get(json_object_array_get_idx(xenv, i)));
        json_object_object_add(c, "env", env);
        json_object *ports = json_object_new_array(), *p = json_object_new_object();
        json_object_object_add(p, "name", json_object_new_string("rest"));
        json_object_object_add(p, "containerPort", json_object_new_int(port));
        json_object_array_add(ports, p);
        json_object_object_add(c, "ports", ports);
        json_object *probe = json_object_new_object(), *hg = json_object_new_object();
        json_object_object_add(hg, "path", json_object_new_string("/health"));
        json_object_object_add(hg, "port", json_object_new_int(port));
        json_object_object_add(probe, "httpGet", hg);
        json_object_object_add(probe, "periodSeconds", json_object_new_int(5));
        json_object_object_add(c, "readinessProbe", probe);
        json_object *res = kube_get(spec, "resources");
        if (res)
                json_object_object_add(c, "resources", json_object_get(res));

        json_object *mounts = json_object_new_array(), *vols = json_object_new_array();
        json_object *m = named("config", "mountPath", json_object_new_string("/etc/ferry"));
        json_object_object_add(m, "readOnly", json_object_new_boolean(1));
        json_object_array_add(mounts, m);
        json_object_array_add(mounts, named("data", "mountPath", json_object_new_string("/var/lib/ferry")));
        json_object *cmv = json_object_new_object();
        json_object_object_add(cmv, "name", json_object_new_string(cm_name));
        json_object_array_add(vols, named("config", "configMap", cmv));
        json_object_array_add(vols, named("data", "emptyDir", json_object_new_object()));
        /* externalConfiguration.volumes: {name, secret | configMap}, each read-only at
         * /opt/kafka/external-configuration/<name> (pod volume ext-conf-<name>). */
        json_object *xv = kube_get(spec, "externalConfiguration.volumes");
        for (size_t i = 0; xv && json_object_is_type(xv, json_type_array) && i < json_object_array_length(xv);
             i++) {
                json_object *v = json_object_array_get_idx(xv, i), *src;
                const char *vn = kube_str(v, "name");
                if (!vn)
                        continue;
                char pod_vol[300], path[512];
                snprintf(pod_vol, sizeof(pod_vol), "ext-conf-%s", vn);
                snprintf(path, sizeof(path), OP_EXTERNAL_CONFIG_DIR "%s", vn);
                if (json_object_object_get_ex(v, "secret", &src))
                        json_object_array_add(vols, named(pod_vol, "secret", json_object_get(src)));
                else if (json_object_object_get_ex(v, "configMap", &src))
                        json_object_array_add(vols, named(pod_vol, "configMap", json_object_get(src)));
                else
                        continue;
                m = named(pod_vol, "mountPath", json_object_new_string(path));
                json_object_object_add(m, "readOnly", json_object_new_boolean(1));
                json_object_array_add(mounts, m);
        }
        json_object_object_add(c, "volumeMounts", mounts);
        json_object *containers = json_object_new_array();
        json_object_array_add(containers, c);

        json_object *ps = json_object_new_object();
        json_object_object_add(ps, "containers", containers);
        json_object_object_add(ps, "restartPolicy", json_object_new_string("Always"));
        json_object_object_add(ps, "terminationGracePeriodSeconds", json_object_new_int(30));
        json_object_object_add(ps, "volumes", vols);
        return ps;
}

/* One worker pod named pod_name with the shared pod_spec (a reference is taken). */
static json_object *worker_pod(json_object *kc, const char *pod_name, json_object *pod_spec, const char *hash)
{
        json_object *spec = kube_get(kc, "spec");
        json_object *pod = json_object_new_object();
        json_object_object_add(pod, "apiVersion", json_object_new_string("v1"));
        json_object_object_add(pod, "kind", json_object_new_string("Pod"));
        json_object *md = meta(kc, pod_name);
        json_object *labels = kube_get(md, "labels");
        json_object *pl = kube_get(spec, "template.podLabels");
        if (pl && json_object_is_type(pl, json_type_object)) {
                json_object_object_foreach(pl, k, v)
                {
                        if (!json_object_object_get_ex(labels, k, NULL))
                                json_object_object_add(labels, k, json_object_get(v));
                }
        }
        json_object *ann = json_object_new_object();
        json_object *pa = kube_get(spec, "template.podAnnotations");
        if (pa && json_object_is_type(pa, json_type_object)) {
                json_object_object_foreach(pa, k, v) json_object_object_add(ann, k, json_object_get(v));
        }
        json_object_object_add(ann, OP_ANN_CONFIG_HASH, json_object_new_string(hash));
        json_object_object_add(md, "annotations", ann);
        json_object_object_add(pod, "metadata", md);
        json_object_object_add(pod, "spec", json_object_get(pod_spec));
        return pod;
}

/* ---- pods as seen by the informer ---- */

/* Index n of a pod named <cluster>-worker-<n>; -1 when the name has another shape. */
static int pod_index(const char *cluster, const char *pod)
{
        size_t cl = strlen(cluster);
        if (strncmp(pod, cluster, cl) || strncmp(pod + cl, "-worker-", 8))
                return -1;
        const char *s = pod + cl + 8;
        char *end;
        long n = strtol(s, &end, 10);
        if (end == s || *end || n < 0 || n >= MAX_PODS)
                return -1;
        return (int)n;
}

static bool pod_ready(json_object *pod)
{
        json_object *conds = kube_get(pod, "status.conditions");
        for (size_t i = 0;
             conds && json_object_is_type(conds, json_type_array) && i < json_object_array_length(conds);
             i++) {
                json_object *c = json_object_array_get_idx(conds, i);
                const char *t = kube_str(c, "type"), *s = kube_str(c, "status");
                if (t && s && !strcmp(t, "Ready"))
                        return !strcmp(s, "True");
        }
        return false;
}

static bool pod_running(json_object *pod)
{
        const char *phase = kube_str(pod, "status.phase");
        return phase && !strcmp(phase, "Running") && kube_str(pod, "status.podIP");
}

static long pod_restarts(json_object *pod)
{
        json_object *cs = kube_get(pod, "status.containerStatuses");
        long n = 0;
        for (size_t i = 0; cs && json_object_is_type(cs, json_type_array) && i < json_object_array_length(cs);
             i++) {
                json_object *r = kube_get(json_object_array_get_idx(cs, i), "restartCount");
                n += r ? json_object_get_int64(r) : 0;
        }
        return n;
}

static void pod_url(json_object *pod, int port, char *buf, size_t len)
{
        const char *ip = kube_str(pod, "status.podIP");
        snprintf(buf, len, strchr(ip, ':') ? "http://[%s]:%d" : "http://%s:%d", ip, port);
}

/* The managed pods of cluster ns/name (a JSON array of deep copies), by index. */
static json_object *cluster_pods(op_ctx_t *ctx, const char *ns, const char *name,
                                 json_object *by_index[MAX_PODS], int *npods)
{
        memset(by_index, 0, sizeof(json_object *) * MAX_PODS);
        *npods = 0;
        json_object *all = kube_informer_list(ctx->pods), *mine = json_object_new_array();
        for (size_t i = 0; i < json_object_array_length(all); i++) {
                json_object *p = json_object_array_get_idx(all, i);
                json_object *labels = kube_get(p, "metadata.labels");
                const char *cl = labels ? kube_member_str(labels, OP_LABEL_CLUSTER) : NULL;
                const char *pns = kube_str(p, "metadata.namespace"), *pn = kube_str(p, "metadata.name");
                if (!cl || !pns || !pn || strcmp(cl, name) || strcmp(pns, ns))
                        continue;
                json_object_array_add(mine, json_object_get(p));
                int idx = pod_index(name, pn);
                if (idx >= 0) {
                        by_index[idx] = p;
                        (*npods)++;
                }
        }
        json_object_put(all); /* the pods stay referenced by mine */
        return mine;
}

int op_cluster_rest_base(op_ctx_t *ctx, json_object *kc, char *buf, size_t len)
{
        buf[0] = '\0';
        json_object *ann = kube_get(kc, "metadata.annotations");
        const char *url = ann ? kube_member_str(ann, OP_ANN_REST_URL) : NULL;
        if (url) {
                snprintf(buf, len, "%s", url);
        } else if (ctx->pods) {
                const char *ns = kube_str(kc, "metadata.namespace"), *name = kube_str(kc, "metadata.name");
                json_object *by_index[MAX_PODS];
                int n;
                json_object *mine = cluster_pods(ctx, ns, name, by_index, &n);
                for (int i = 0; i < MAX_PODS && !buf[0]; i++) {
                        json_object *p = by_index[i];
                        if (p && pod_running(p) && pod_ready(p) && !kube_get(p, "metadata.deletionTimestamp"))
                                pod_url(p, rest_port(kube_get(kc, "spec")), buf, len);
                }
                json_object_put(mine);
        }
        if (!buf[0]) {
                url = kube_str(kc, "status.url");
                if (url)
                        snprintf(buf, len, "%s", url);
        }
        size_t bl = strlen(buf);
        while (bl && buf[bl - 1] == '/')
                buf[--bl] = '\0';
        return buf[0] ? 0 : -1;
}

void op_cluster_forget_pod(op_ctx_t *ctx, json_object *pod)
{
        const char *uid = kube_str(pod, "metadata.uid");
        if (!uid || !ctx->health)
                return;
        pthread_mutex_lock(&ctx->health_mu);
        kube_strmap_del(ctx->health, uid);
        pthread_mutex_unlock(&ctx->health_mu);
}

/* Seconds since the pod's (first) container started; a large value when unknown. */
static double container_age(json_object *pod)
{
        json_object *cs = kube_get(pod, "status.containerStatuses");
        json_object *c = cs && json_object_is_type(cs, json_type_array) && json_object_array_length(cs)
                                 ? json_object_array_get_idx(cs, 0)
                                 : NULL;
        const char *at = c ? kube_str(c, "state.running.startedAt") : NULL;
        double t = at ? kube_parse_time(at) : -1;
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        return t < 0 ? 1e9 : (double)now.tv_sec - t;
}

/* Probes the pod's /health and returns how long it has been failing (0: healthy now). Failures of
 * a worker that has not been healthy yet since it started count only after the startup grace
 * (joining the group can take a session timeout after a restart: /health answers 503 meanwhile).
 * *starting is set when every failure of the streak was 503 (then the startup grace is the
 * threshold, not the unhealthy one). */
static double probe(op_ctx_t *ctx, json_object *pod, int port, bool *starting)
{
        char base[128];
        pod_url(pod, port, base, sizeof(base));
        op_rest_t r;
        op_connect_call_timeout(ctx, base, "GET", "/health", NULL, 2000, &r);
        bool ok = r.status == 200, is503 = r.status == 503;
        op_rest_clear(&r);
        atomic_fetch_add(&ctx->m.health_checks, 1);
        if (!ok)
                atomic_fetch_add(&ctx->m.health_failures, 1);
        const char *uid = kube_str(pod, "metadata.uid");
        double now = kube_monotonic(), bad = 0;
        long restarts = pod_restarts(pod);
        pthread_mutex_lock(&ctx->health_mu);
        struct op_health *h = kube_strmap_get(ctx->health, uid);
        if (!h && (h = calloc(1, sizeof(*h))) && kube_strmap_set(ctx->health, uid, h)) {
                free(h);
                h = NULL;
        }
        if (h) {
                if (h->restart_count != restarts) /* the kubelet restarted it: a new streak */
                        h->first_bad = 0, h->restart_count = restarts, h->healthy_once = false;
                if (ok)
                        h->first_bad = 0, h->healthy_once = true;
                else if (!h->first_bad && (h->healthy_once || container_age(pod) >= ctx->opt.startup_grace_s))
                        h->first_bad = now, h->only_503 = is503;
                else if (h->first_bad && !is503)
                        h->only_503 = false;
                *starting = h->first_bad && h->only_503;
                bad = h->first_bad ? now - h->first_bad : 0;
                if (h->first_bad && bad == 0)
                        bad = 1e-9;
        }
        pthread_mutex_unlock(&ctx->health_mu);
        return bad;
}

/* Total tasks across connectors, from GET /connectors?expand=status; -1 when unknown. */
static long count_tasks(op_ctx_t *ctx, const char *base, json_object **names)
{
        op_rest_t r;
        long total = -1;
        if (!op_connect_call(ctx, base, "GET", "/connectors?expand=status", NULL, &r) && r.status == 200 &&
            r.body && json_object_is_type(r.body, json_type_object)) {
                total = 0;
                *names = json_object_new_array();
                json_object_object_foreach(r.body, cname, c)
                {
                        json_object_array_add(*names, json_object_new_string(cname));
                        json_object *t = kube_get(c, "status.tasks");
                        if (t && json_object_is_type(t, json_type_array))
                                total += (long)json_object_array_length(t);
                }
        }
        op_rest_clear(&r);
        return total;
}

/* Deletes connectors in Connect that no KafkaConnector of this cluster names. */
static void delete_unmanaged(op_ctx_t *ctx, const char *ns, const char *name, const char *base,
                             json_object *names)
{
        if (!kube_informer_synced(ctx->connectors))
                return;
        json_object *all = kube_informer_list(ctx->connectors);
        for (size_t i = 0; i < json_object_array_length(names); i++) {
                const char *cn = json_object_get_string(json_object_array_get_idx(names, i));
                bool managed = false;
                for (size_t j = 0; j < json_object_array_length(all) && !managed; j++) {
                        json_object *o = json_object_array_get_idx(all, j);
                        json_object *labels = kube_get(o, "metadata.labels");
                        const char *cl = labels ? kube_member_str(labels, OP_LABEL_CLUSTER) : NULL;
                        const char *ons = kube_str(o, "metadata.namespace"),
                                   *on = kube_str(o, "metadata.name");
                        managed = cl && ons && on && !strcmp(cl, name) && !strcmp(ons, ns) && !strcmp(on, cn);
                }
                if (managed)
                        continue;
                char seg[768], p[1024];
                op_url_segment(seg, sizeof(seg), cn);
                snprintf(p, sizeof(p), "/connectors/%s", seg);
                op_rest_t r;
                op_connect_call(ctx, base, "DELETE", p, NULL, &r);
                if (r.status >= 200 && r.status < 300) {
                        FERRY_INFO("%s/%s: deleted connector %s (no KafkaConnector)", ns, name, cn);
                        atomic_fetch_add(&ctx->m.unmanaged_deleted, 1);
                } else if (r.status != 404) {
                        FERRY_WARN("%s/%s: deleting unmanaged connector %s: %s", ns, name, cn, r.err);
                }
                op_rest_clear(&r);
        }
        json_object_put(all);
}

/* The KafkaConnect is gone: delete what was made for it (a real cluster's garbage collector would
 * do it from the owner references; the e2e API server runs no controller manager). */
static void cleanup_children(op_ctx_t *ctx, const char *ns, const char *name)
{
        json_object *by_index[MAX_PODS];
        int n;
        json_object *mine = cluster_pods(ctx, ns, name, by_index, &n);
        for (size_t i = 0; i < json_object_array_length(mine); i++) {
                json_object *p = json_object_array_get_idx(mine, i);
                if (!kube_get(p, "metadata.deletionTimestamp")) {
                        delete_obj(ctx, &pod_gvr, ns, kube_str(p, "metadata.name"),
                                   kube_str(p, "metadata.uid"), -1);
                        atomic_fetch_add(&ctx->m.pods_deleted, 1);
                }
        }
        json_object_put(mine);
        const kube_gvr_t *gvrs[] = {&svc_gvr, &pdb_gvr, &cm_gvr};
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
                        delete_obj(ctx, gvrs[i], ns, on, kube_str(res.body, "metadata.uid"), -1);
                kube_result_clear(&res);
        }
}

struct cluster_state {
        const char *ready, *reason;
        char msg[512];
        double next;
};

static void problem(struct cluster_state *s, const char *reason, const char *msg)
{
        s->ready = "False";
        if (!s->reason) {
                s->reason = reason;
                snprintf(s->msg, sizeof(s->msg), "%s", msg);
        }
}

static void soon(struct cluster_state *s, double after)
{
        if (s->next >= 0 && (s->next == 0 || after < s->next))
                s->next = after;
}

/* Autoscaling scales down only once it has wanted fewer than the live workers for delay_s without
 * a break (task counts dip while connectors restart or rebalance); it scales up at once. Returns
 * the size to run now. */
static int hold_scale_down(op_ctx_t *ctx, const char *key, int desired, int live, double delay_s,
                           struct cluster_state *s)
{
        double now = kube_monotonic();
        pthread_mutex_lock(&ctx->health_mu);
        double *since = kube_strmap_get(ctx->scale_down, key);
        if (desired >= live || delay_s <= 0) {
                kube_strmap_del(ctx->scale_down, key);
                pthread_mutex_unlock(&ctx->health_mu);
                return desired;
        }
        if (!since && (since = malloc(sizeof(*since)))) {
                *since = now;
                kube_strmap_set(ctx->scale_down, key, since);
                FERRY_INFO("%s: autoscaling wants %d worker(s) instead of %d; scaling down in %.0f s unless "
                           "that changes",
                           key, desired, live, delay_s);
        }
        double left = since ? *since + delay_s - now : delay_s;
        pthread_mutex_unlock(&ctx->health_mu);
        if (left <= 0)
                return desired;
        soon(s, left);
        return live;
}

double op_reconcile_connect(op_ctx_t *ctx, const char *key)
{
        json_object *kc = kube_informer_get(ctx->connects, key);
        if (!kc) {
                char ns[256], name[256];
                if (sscanf(key, "%255[^/]/%255s", ns, name) == 2 && kube_informer_synced(ctx->connects))
                        cleanup_children(ctx, ns, name);
                pthread_mutex_lock(&ctx->health_mu);
                kube_strmap_del(ctx->scale_down, key);
                pthread_mutex_unlock(&ctx->health_mu);
                return 0;
        }
        atomic_fetch_add(&ctx->m.reconciles[1], 1);
        const char *ns = kube_str(kc, "metadata.namespace"), *name = kube_str(kc, "metadata.name");
        json_object *spec = kube_get(kc, "spec"), *old_status = kube_get(kc, "status");
        int port = rest_port(spec);
        struct cluster_state s = {.ready = "True"};
        char cm_name[300], svc_name[300], pdb_name[300], msg[512];
        snprintf(cm_name, sizeof(cm_name), "%s-connect-config", name);
        snprintf(svc_name, sizeof(svc_name), "%s-connect-api", name);
        snprintf(pdb_name, sizeof(pdb_name), "%s-connect", name);
        if (kube_get(kc, "metadata.deletionTimestamp")) {
                json_object_put(kc);
                return 0;
        }

        /* Worker configuration. */
        char *props = op_worker_properties(kc);
        json_object *pod_spec = op_worker_pod_spec(ctx->opt.worker_image, kc, cm_name, port);
        char hash[17];
        hash_hex(props ? props : "", json_object_to_json_string_ext(pod_spec, JSON_C_TO_STRING_PLAIN), hash);
        json_object *cm = json_object_new_object();
        json_object_object_add(cm, "apiVersion", json_object_new_string("v1"));
        json_object_object_add(cm, "kind", json_object_new_string("ConfigMap"));
        json_object_object_add(cm, "metadata", meta(kc, cm_name));
        json_object *data = json_object_new_object();
        json_object_object_add(data, "worker.properties", json_object_new_string(props ? props : ""));
        json_object_object_add(cm, "data", data);
        free(props);
        if (apply(ctx, &cm_gvr, ns, cm_name, cm)) {
                snprintf(msg, sizeof(msg), "cannot apply ConfigMap %s", cm_name);
                problem(&s, "ApplyFailed", msg);
                s.next = -1;
        }
        json_object_put(cm);

        /* Service. */
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
                snprintf(msg, sizeof(msg), "cannot apply Service %s", svc_name);
                problem(&s, "ApplyFailed", msg);
                s.next = -1;
        }
        json_object_put(svc);

        /* PodDisruptionBudget: one worker at a time. */
        json_object *pdb = json_object_new_object();
        json_object_object_add(pdb, "apiVersion", json_object_new_string("policy/v1"));
        json_object_object_add(pdb, "kind", json_object_new_string("PodDisruptionBudget"));
        json_object_object_add(pdb, "metadata", meta(kc, pdb_name));
        json_object *pspec = json_object_new_object(), *sel = json_object_new_object();
        json_object_object_add(sel, "matchLabels", labels_for(name));
        json_object_object_add(pspec, "selector", sel);
        json_object_object_add(pspec, "maxUnavailable", json_object_new_int(1));
        json_object_object_add(pdb, "spec", pspec);
        if (apply(ctx, &pdb_gvr, ns, pdb_name, pdb)) {
                snprintf(msg, sizeof(msg), "cannot apply PodDisruptionBudget %s", pdb_name);
                problem(&s, "ApplyFailed", msg);
                s.next = -1;
        }
        json_object_put(pdb);

        /* Current pods, their health and the REST base of a ready one. */
        json_object *by_index[MAX_PODS];
        int npods;
        json_object *mine = cluster_pods(ctx, ns, name, by_index, &npods);
        int ready = 0, live = 0, terminating = 0;
        char base[512] = "";
        json_object *hc = kube_get(spec, "healthCheck.unhealthySeconds");
        double unhealthy_after = hc ? json_object_get_double(hc) : ctx->opt.unhealthy_after_s;
        for (int i = 0; i < MAX_PODS; i++) {
                json_object *p = by_index[i];
                if (!p)
                        continue;
                if (kube_get(p, "metadata.deletionTimestamp")) {
                        terminating++;
                        continue;
                }
                live++;
                const char *phase = kube_str(p, "status.phase");
                if (phase && (!strcmp(phase, "Failed") || !strcmp(phase, "Succeeded"))) {
                        FERRY_INFO("%s: pod %s is %s, replacing it", key, kube_str(p, "metadata.name"),
                                   phase);
                        delete_obj(ctx, &pod_gvr, ns, kube_str(p, "metadata.name"),
                                   kube_str(p, "metadata.uid"), 0);
                        continue;
                }
                if (!pod_running(p))
                        continue;
                bool pr = pod_ready(p), starting = false;
                double bad = probe(ctx, p, port, &starting);
                double limit = starting ? ctx->opt.startup_grace_s : unhealthy_after;
                if (pr && !bad) {
                        ready++;
                        if (!base[0])
                                pod_url(p, port, base, sizeof(base));
                }
                if (bad > 0 && bad >= limit) {
                        FERRY_WARN("%s: worker %s unhealthy for %.0f s, restarting it", key,
                                   kube_str(p, "metadata.name"), bad);
                        if (!delete_obj(ctx, &pod_gvr, ns, kube_str(p, "metadata.name"),
                                        kube_str(p, "metadata.uid"), 5)) {
                                atomic_fetch_add(&ctx->m.worker_restarts, 1);
                                op_cluster_forget_pod(ctx, p);
                        }
                        soon(&s, 1);
                } else if (bad > 0) {
                        double left = limit - bad + 0.1;
                        soon(&s, left < ctx->opt.health_period_s ? left : ctx->opt.health_period_s);
                }
        }
        /* Pods with other names (not ours to number): left alone but counted as not ready. */

        /* Desired size: spec.replicas, or the task count with autoscaling. */
        json_object *rep = kube_get(spec, "replicas");
        int desired = rep ? json_object_get_int(rep) : 1;
        json_object *as = kube_get(spec, "autoscaling");
        json_object *names = NULL;
        long tasks = base[0] ? count_tasks(ctx, base, &names) : -1;
        if (as) {
                json_object *mn = kube_get(as, "minReplicas"), *mx = kube_get(as, "maxReplicas"),
                            *tpw = kube_get(as, "tasksPerWorker");
                int lo = mn ? json_object_get_int(mn) : 1, hi = mx ? json_object_get_int(mx) : lo;
                int per = tpw ? json_object_get_int(tpw) : 4;
                if (per < 1)
                        per = 1;
                if (tasks >= 0)
                        desired = (int)((tasks + per - 1) / per);
                else
                        desired = live; /* unknown load: keep the current size */
                desired = desired < lo ? lo : desired > hi ? hi : desired;
                json_object *sd = kube_get(as, "scaleDownDelaySeconds");
                desired = hold_scale_down(ctx, key, desired, live, sd ? json_object_get_double(sd) : 60, &s);
        } else {
                hold_scale_down(ctx, key, desired, desired, 0, &s); /* forget a pending scale-down */
        }
        if (desired < 0)
                desired = 0;
        if (desired > MAX_PODS)
                desired = MAX_PODS;

        /* Scale: create the missing <name>-worker-<n> below desired, delete those above. */
        for (int i = 0; i < MAX_PODS; i++) {
                json_object *p = by_index[i];
                if (i < desired && !p) {
                        char pn[300];
                        snprintf(pn, sizeof(pn), "%s-worker-%d", name, i);
                        json_object *pod = worker_pod(kc, pn, pod_spec, hash);
                        char path[1024];
                        kube_path(path, sizeof(path), &pod_gvr, ns, NULL, NULL, NULL);
                        kube_result_t res;
                        kube_request(ctx->kube, "POST", path, NULL, pod, &res);
                        if (res.status == 201) {
                                atomic_fetch_add(&ctx->m.pods_created, 1);
                                FERRY_INFO("%s: created pod %s", key, pn);
                        } else if (res.status != 409) {
                                FERRY_WARN("%s: creating pod %s: %s", key, pn, res.err);
                                s.next = -1;
                        }
                        kube_result_clear(&res);
                        json_object_put(pod);
                        soon(&s, 1);
                } else if (i >= desired && p && !kube_get(p, "metadata.deletionTimestamp")) {
                        FERRY_INFO("%s: scaling down: deleting pod %s", key, kube_str(p, "metadata.name"));
                        if (!delete_obj(ctx, &pod_gvr, ns, kube_str(p, "metadata.name"),
                                        kube_str(p, "metadata.uid"), -1))
                                atomic_fetch_add(&ctx->m.pods_deleted, 1);
                        soon(&s, 1);
                }
        }
        if (terminating)
                soon(&s, 1);

        /* A changed configuration rolls the workers one at a time, only while all are ready. */
        if (ready >= desired && ready == live && !terminating) {
                for (int i = 0; i < desired; i++) {
                        json_object *p = by_index[i];
                        json_object *ann = p ? kube_get(p, "metadata.annotations") : NULL;
                        const char *h = ann ? kube_member_str(ann, OP_ANN_CONFIG_HASH) : NULL;
                        if (p && (!h || strcmp(h, hash))) {
                                FERRY_INFO("%s: configuration changed, restarting %s", key,
                                           kube_str(p, "metadata.name"));
                                delete_obj(ctx, &pod_gvr, ns, kube_str(p, "metadata.name"),
                                           kube_str(p, "metadata.uid"), -1);
                                soon(&s, 1);
                                break;
                        }
                }
        }

        /* Connectors in Connect without a KafkaConnector (opt-in, as Strimzi). */
        json_object *ann = kube_get(kc, "metadata.annotations");
        const char *use = ann ? kube_member_str(ann, OP_ANN_USE_RESOURCES) : NULL;
        json_object *dum = kube_get(spec, "deleteUnmanagedConnectors");
        if (names && ((use && !strcmp(use, "true")) || (dum && json_object_get_boolean(dum))))
                delete_unmanaged(ctx, ns, name, base, names);
        json_object_put(names);
        json_object_put(mine);

        if (ready < desired) {
                snprintf(msg, sizeof(msg), "%d of %d workers ready", ready, desired);
                problem(&s, "WorkersNotReady", msg);
                soon(&s, ctx->opt.health_period_s < 2 ? ctx->opt.health_period_s : 2);
        }
        if (desired > 0)
                soon(&s, ctx->opt.health_period_s);

        json_object *status = json_object_new_object();
        json_object *gen = kube_get(kc, "metadata.generation");
        if (gen)
                json_object_object_add(status, "observedGeneration",
                                       json_object_new_int64(json_object_get_int64(gen)));
        json_object_object_add(status, "conditions",
                               op_set_condition(old_status ? kube_get(old_status, "conditions") : NULL,
                                                "Ready", s.ready, s.reason, s.msg[0] ? s.msg : NULL));
        json_object_object_add(status, "replicas", json_object_new_int(live));
        json_object_object_add(status, "readyReplicas", json_object_new_int(ready));
        if (tasks >= 0)
                json_object_object_add(status, "tasks", json_object_new_int((int)tasks));
        else if (old_status && kube_get(old_status, "tasks"))
                json_object_object_add(status, "tasks", json_object_get(kube_get(old_status, "tasks")));
        char selector[512], url[700];
        snprintf(selector, sizeof(selector), "app.kubernetes.io/name=ferry-worker,%s=%s", OP_LABEL_CLUSTER,
                 name);
        json_object_object_add(status, "labelSelector", json_object_new_string(selector));
        snprintf(url, sizeof(url), "http://%s.%s.svc:%d", svc_name, ns, port);
        json_object_object_add(status, "url", json_object_new_string(url));
        char path[1024];
        kube_path(path, sizeof(path), &op_gvr_connect, ns, name, NULL, NULL);
        if (op_patch_status(ctx, path, old_status, status) && s.next >= 0)
                s.next = -1;
        json_object_put(status);
        json_object_put(pod_spec);
        json_object_put(kc);
        if (s.next < 0)
                atomic_fetch_add(&ctx->m.reconcile_errors[1], 1);
        return s.next;
}
