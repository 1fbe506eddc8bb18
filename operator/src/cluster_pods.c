/* The worker pods of a KafkaConnect: the pod spec every <name>-worker-<n> shares (start script,
 * image, env, probes, resources, the operator's volumes, externalConfiguration and
 * spec.template volumes and mounts), the pod objects with template labels and annotations and the
 * config hash, the managed pods by index as the informer sees them, scaling to the desired count,
 * the one-at-a-time rolling restart on a config change, and the REST base URL connectors use.
 * Part of the KafkaConnect reconciler (cluster.h). */
#include "cluster.h"

#include <ferry/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_object *named(const char *name, const char *key, json_object *val)
{
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(name));
        json_object_object_add(o, key, val);
        return o;
}

/* The spec of every worker pod. The start script completes the shared worker.properties with the
 * listener (0.0.0.0 unless FERRY_LISTEN_HOST says otherwise: the e2e kubelet runs every pod on the
 * host network, one loopback address each) and the pod IP as the advertised host, then execs the
 * worker. spec.externalConfiguration adds env entries and Secret/ConfigMap volumes;
 * spec.template.pod.volumes and spec.template.connectContainer.volumeMounts are added as given
 * (spec.c has refused names and paths that collide with the operator's). */
json_object *op_worker_pod_spec(const char *default_image, const op_connect_spec_t *s, const char *cm_name)
{
        int port = s->rest_port;
        char *script = NULL;
        if (!cl_secured(s)) {
                char buf[1024];
                snprintf(buf, sizeof(buf),
                         "{ cat " OP_CONFIG_DIR "/worker.properties; "
                         "echo \"listeners=http://${FERRY_LISTEN_HOST:-0.0.0.0}:%d\"; "
                         "echo \"rest.advertised.host.name=${POD_IP}\"; "
                         "echo \"rest.advertised.port=%d\"; } >" OP_DATA_DIR "/worker.properties && "
                         "exec ferry-worker distributed " OP_DATA_DIR "/worker.properties",
                         port, port);
                script = strdup(buf);
        } else {
                /* spec.tls/spec.authentication: the stores and the JAAS line are made from the
                 * mounted Secrets at start, private to the container (umask 077); any failure
                 * (a missing file, a password with a line break) stops the container with it. */
                char *prep = cl_security_prepare(s), *jaas = cl_security_jaas(s);
                size_t sl = strlen(prep ? prep : "") + strlen(jaas ? jaas : "") + 1024;
                script = malloc(sl);
                if (script)
                        snprintf(script, sl,
                                 "set -e; umask 077; %s{ cat " OP_CONFIG_DIR "/worker.properties; "
                                 "echo \"listeners=http://${FERRY_LISTEN_HOST:-0.0.0.0}:%d\"; "
                                 "echo \"rest.advertised.host.name=${POD_IP}\"; "
                                 "echo \"rest.advertised.port=%d\"; %s} >" OP_DATA_DIR "/worker.properties; "
                                 "exec ferry-worker distributed " OP_DATA_DIR "/worker.properties",
                                 prep ? prep : "", port, port, jaas ? jaas : "");
                free(prep);
                free(jaas);
        }
        json_object *c = json_object_new_object();
        json_object_object_add(c, "name", json_object_new_string("worker"));
        json_object_object_add(c, "image", json_object_new_string(s->image ? s->image : default_image));
        if (s->image_pull_policy)
                json_object_object_add(c, "imagePullPolicy", json_object_new_string(s->image_pull_policy));
        json_object *cmd = json_object_new_array();
        json_object_array_add(cmd, json_object_new_string("/bin/sh"));
        json_object_array_add(cmd, json_object_new_string("-c"));
        json_object_array_add(cmd, json_object_new_string(script ? script : "exit 1"));
        free(script);
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
        for (size_t i = 0; i < json_object_array_length(s->ext_env); i++)
                json_object_array_add(env, json_object_get(json_object_array_get_idx(s->ext_env, i)));
        cl_security_env(s, env);
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
        if (s->resources)
                json_object_object_add(c, "resources", json_object_get(s->resources));

        json_object *mounts = json_object_new_array(), *vols = json_object_new_array();
        json_object *m = named(OP_VOLUME_CONFIG, "mountPath", json_object_new_string(OP_CONFIG_DIR));
        json_object_object_add(m, "readOnly", json_object_new_boolean(1));
        json_object_array_add(mounts, m);
        json_object_array_add(mounts,
                              named(OP_VOLUME_DATA, "mountPath", json_object_new_string(OP_DATA_DIR)));
        json_object *cmv = json_object_new_object();
        json_object_object_add(cmv, "name", json_object_new_string(cm_name));
        json_object_array_add(vols, named(OP_VOLUME_CONFIG, "configMap", cmv));
        json_object_array_add(vols, named(OP_VOLUME_DATA, "emptyDir", json_object_new_object()));
        /* externalConfiguration.volumes: {name, secret | configMap}, each read-only at
         * /opt/kafka/external-configuration/<name> (pod volume ext-conf-<name>). */
        for (size_t i = 0; i < s->n_ext_volumes; i++) {
                const op_ext_volume_t *x = &s->ext_volumes[i];
                char pod_vol[300], path[512];
                snprintf(pod_vol, sizeof(pod_vol), OP_VOLUME_EXT_PREFIX "%s", x->name);
                snprintf(path, sizeof(path), OP_EXTERNAL_CONFIG_DIR "%s", x->name);
                json_object_array_add(vols, named(pod_vol, x->kind, json_object_get(x->source)));
                m = named(pod_vol, "mountPath", json_object_new_string(path));
                json_object_object_add(m, "readOnly", json_object_new_boolean(1));
                json_object_array_add(mounts, m);
        }
        /* spec.tls and spec.authentication: their Secrets, read-only. */
        cl_security_volumes(s, vols, mounts);
        /* spec.template: pod volumes and the container's mounts of them. */
        for (size_t i = 0; i < json_object_array_length(s->pod_volumes); i++)
                json_object_array_add(vols, json_object_get(json_object_array_get_idx(s->pod_volumes, i)));
        for (size_t i = 0; i < json_object_array_length(s->volume_mounts); i++)
                json_object_array_add(mounts,
                                      json_object_get(json_object_array_get_idx(s->volume_mounts, i)));
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
static json_object *worker_pod(const op_connect_spec_t *s, const char *pod_name, json_object *pod_spec,
                               const char *hash)
{
        json_object *pod = json_object_new_object();
        json_object_object_add(pod, "apiVersion", json_object_new_string("v1"));
        json_object_object_add(pod, "kind", json_object_new_string("Pod"));
        json_object *md = cl_meta(s, pod_name);
        json_object *labels = kube_get(md, "labels");
        for (size_t i = 0; i < s->pod_labels.n; i++)
                if (!json_object_object_get_ex(labels, s->pod_labels.kv[i].key, NULL))
                        json_object_object_add(labels, s->pod_labels.kv[i].key,
                                               json_object_new_string(s->pod_labels.kv[i].value));
        json_object *ann = json_object_new_object();
        for (size_t i = 0; i < s->pod_annotations.n; i++)
                json_object_object_add(ann, s->pod_annotations.kv[i].key,
                                       json_object_new_string(s->pod_annotations.kv[i].value));
        json_object_object_add(ann, OP_ANN_CONFIG_HASH, json_object_new_string(hash));
        json_object_object_add(md, "annotations", ann);
        json_object_object_add(pod, "metadata", md);
        json_object_object_add(pod, "spec", json_object_get(pod_spec));
        return pod;
}

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

bool cl_pod_ready(json_object *pod)
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

bool cl_pod_running(json_object *pod)
{
        const char *phase = kube_str(pod, "status.phase");
        return phase && !strcmp(phase, "Running") && kube_str(pod, "status.podIP");
}

void cl_pod_url(json_object *pod, int port, char *buf, size_t len)
{
        const char *ip = kube_str(pod, "status.podIP");
        snprintf(buf, len, strchr(ip, ':') ? "http://[%s]:%d" : "http://%s:%d", ip, port);
}

json_object *cl_pods(op_ctx_t *ctx, const char *ns, const char *name, json_object *by_index[MAX_PODS])
{
        memset(by_index, 0, sizeof(json_object *) * MAX_PODS);
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
                if (idx >= 0)
                        by_index[idx] = p;
        }
        json_object_put(all); /* the pods stay referenced by mine */
        return mine;
}

int op_cluster_rest_base(op_ctx_t *ctx, const op_connect_spec_t *s, char *buf, size_t len)
{
        buf[0] = '\0';
        if (s->rest_url) {
                snprintf(buf, len, "%s", s->rest_url);
        } else if (ctx->pods && s->ns && s->name) {
                json_object *by_index[MAX_PODS];
                json_object *mine = cl_pods(ctx, s->ns, s->name, by_index);
                for (int i = 0; i < MAX_PODS && !buf[0]; i++) {
                        json_object *p = by_index[i];
                        if (p && cl_pod_running(p) && cl_pod_ready(p) &&
                            !kube_get(p, "metadata.deletionTimestamp"))
                                cl_pod_url(p, s->rest_port, buf, len);
                }
                json_object_put(mine);
        }
        if (!buf[0] && s->status_url)
                snprintf(buf, len, "%s", s->status_url);
        size_t bl = strlen(buf);
        while (bl && buf[bl - 1] == '/')
                buf[--bl] = '\0';
        return buf[0] ? 0 : -1;
}

void cl_scale(op_ctx_t *ctx, const char *key, const op_connect_spec_t *s, json_object *by_index[MAX_PODS],
              int desired, json_object *pod_spec, const char *hash, struct cluster_state *st)
{
        for (int i = 0; i < MAX_PODS; i++) {
                json_object *p = by_index[i];
                if (i < desired && !p) {
                        char pn[300];
                        snprintf(pn, sizeof(pn), "%s-worker-%d", s->name, i);
                        json_object *pod = worker_pod(s, pn, pod_spec, hash);
                        char path[1024];
                        kube_path(path, sizeof(path), &cl_gvr_pod, s->ns, NULL, NULL, NULL);
                        kube_result_t res;
                        kube_request(ctx->kube, "POST", path, NULL, pod, &res);
                        if (res.status == 201) {
                                atomic_fetch_add(&ctx->m.pods_created, 1);
                                FERRY_INFO("%s: created pod %s", key, pn);
                        } else if (res.status != 409) {
                                FERRY_WARN("%s: creating pod %s: %s", key, pn, res.err);
                                st->next = -1;
                        }
                        kube_result_clear(&res);
                        json_object_put(pod);
                        cl_soon(st, 1);
                } else if (i >= desired && p && !kube_get(p, "metadata.deletionTimestamp")) {
                        FERRY_INFO("%s: scaling down: deleting pod %s", key, kube_str(p, "metadata.name"));
                        if (!cl_delete(ctx, &cl_gvr_pod, s->ns, kube_str(p, "metadata.name"),
                                       kube_str(p, "metadata.uid"), -1))
                                atomic_fetch_add(&ctx->m.pods_deleted, 1);
                        cl_soon(st, 1);
                }
        }
}

void cl_roll(op_ctx_t *ctx, const char *key, const op_connect_spec_t *s, json_object *by_index[MAX_PODS],
             int desired, const char *hash, struct cluster_state *st)
{
        for (int i = 0; i < desired && i < MAX_PODS; i++) {
                json_object *p = by_index[i];
                json_object *ann = p ? kube_get(p, "metadata.annotations") : NULL;
                const char *h = ann ? kube_member_str(ann, OP_ANN_CONFIG_HASH) : NULL;
                if (p && (!h || strcmp(h, hash))) {
                        FERRY_INFO("%s: configuration changed, restarting %s", key,
                                   kube_str(p, "metadata.name"));
                        cl_delete(ctx, &cl_gvr_pod, s->ns, kube_str(p, "metadata.name"),
                                  kube_str(p, "metadata.uid"), -1);
                        cl_soon(st, 1);
                        break;
                }
        }
}
