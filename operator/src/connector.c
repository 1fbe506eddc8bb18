/* The KafkaConnector reconciler: turns one KafkaConnector resource into calls on the Connect REST
 * API of the KafkaConnect it names (label connect.ferry.dev/cluster) and reports what Connect says
 * back into .status. Order: finalizer (delete the connector on resource deletion) -> GET config ->
 * create with initial state (404) or PUT when the exact desired map differs -> GET status -> state
 * transitions (pause/resume/stop) -> restart annotations -> auto-restart of FAILED instances with
 * backoff -> topics -> status (conditions, observedGeneration, connectorStatus, tasksMax, topics).
 * Called from a worker thread with one key; every REST call has a timeout, so a broken connector
 * or worker only delays its own key. */
#include "operator.h"

#include <ferry/log.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_TRACE 8192

/* spec.config + connector.class + tasks.max + name, all strings. */
static json_object *desired_config(const op_connector_spec_t *cs)
{
        json_object *out = json_object_new_object();
        for (size_t i = 0; i < cs->config.n; i++)
                json_object_object_add(out, cs->config.kv[i].key,
                                       json_object_new_string(cs->config.kv[i].value));
        json_object_object_add(out, "connector.class",
                               json_object_new_string(cs->class_name ? cs->class_name : ""));
        char buf[32];
        snprintf(buf, sizeof(buf), "%d", cs->tasks_max);
        json_object_object_add(out, "tasks.max", json_object_new_string(buf));
        json_object_object_add(out, "name", json_object_new_string(cs->name));
        return out;
}

/* Exact map compare: same keys, same string values. */
static bool config_equal(json_object *have, json_object *want)
{
        if (!have || !json_object_is_type(have, json_type_object))
                return false;
        if (json_object_object_length(have) != json_object_object_length(want))
                return false;
        json_object_object_foreach(want, k, v)
        {
                json_object *h;
                if (!json_object_object_get_ex(have, k, &h) || !json_object_is_type(h, json_type_string) ||
                    strcmp(json_object_get_string(h), json_object_get_string(v)))
                        return false;
        }
        return true;
}

static bool has_finalizer(json_object *obj)
{
        json_object *f = kube_get(obj, "metadata.finalizers");
        for (size_t i = 0; f && json_object_is_type(f, json_type_array) && i < json_object_array_length(f);
             i++) {
                const char *s = json_object_get_string(json_object_array_get_idx(f, i));
                if (s && !strcmp(s, OP_FINALIZER))
                        return true;
        }
        return false;
}

/* Adds or removes our finalizer with a merge patch guarded by resourceVersion. */
static int set_finalizer(op_ctx_t *ctx, const char *path, json_object *obj, bool add)
{
        json_object *arr = json_object_new_array();
        json_object *f = kube_get(obj, "metadata.finalizers");
        for (size_t i = 0; f && json_object_is_type(f, json_type_array) && i < json_object_array_length(f);
             i++) {
                const char *s = json_object_get_string(json_object_array_get_idx(f, i));
                if (s && strcmp(s, OP_FINALIZER))
                        json_object_array_add(arr, json_object_new_string(s));
        }
        if (add)
                json_object_array_add(arr, json_object_new_string(OP_FINALIZER));
        json_object *patch = json_object_new_object(), *md = json_object_new_object();
        json_object_object_add(md, "finalizers", arr);
        const char *rv = kube_str(obj, "metadata.resourceVersion");
        if (rv)
                json_object_object_add(md, "resourceVersion", json_object_new_string(rv));
        json_object_object_add(patch, "metadata", md);
        char err[512];
        int rc = op_merge_patch(ctx, path, patch, err, sizeof(err));
        json_object_put(patch);
        if (rc)
                FERRY_WARN("%s finalizer on %s: %s", add ? "adding" : "removing", path, err);
        return rc;
}

static int remove_annotation(op_ctx_t *ctx, const char *path, const char *ann)
{
        json_object *patch = json_object_new_object(), *md = json_object_new_object(),
                    *a = json_object_new_object();
        json_object_object_add(a, ann, NULL);
        json_object_object_add(md, "annotations", a);
        json_object_object_add(patch, "metadata", md);
        char err[512];
        int rc = op_merge_patch(ctx, path, patch, err, sizeof(err));
        json_object_put(patch);
        if (rc)
                FERRY_WARN("removing annotation %s on %s: %s", ann, path, err);
        return rc;
}

/* The first FAILED instance and its trace, as a condition message. */
static bool failure(json_object *st, char *reason, size_t rlen, char *msg, size_t mlen)
{
        const char *cs = kube_str(st, "connector.state");
        if (cs && !strcmp(cs, "FAILED")) {
                const char *tr = kube_str(st, "connector.trace");
                snprintf(reason, rlen, "ConnectorFailed");
                snprintf(msg, mlen, "connector FAILED: %s", tr ? tr : "(no trace)");
                return true;
        }
        json_object *tasks = kube_get(st, "tasks");
        for (size_t i = 0;
             tasks && json_object_is_type(tasks, json_type_array) && i < json_object_array_length(tasks);
             i++) {
                json_object *t = json_object_array_get_idx(tasks, i);
                const char *ts = kube_str(t, "state");
                if (ts && !strcmp(ts, "FAILED")) {
                        const char *tr = kube_str(t, "trace");
                        json_object *id = kube_get(t, "id");
                        snprintf(reason, rlen, "TaskFailed");
                        snprintf(msg, mlen, "task %d FAILED: %s", id ? json_object_get_int(id) : (int)i,
                                 tr ? tr : "(no trace)");
                        return true;
                }
        }
        return false;
}

static double restart_delay(op_ctx_t *ctx, int n)
{
        double units = (double)n * n + n;
        return (units > 60 ? 60 : units) * ctx->opt.restart_unit_s;
}

struct rc_state {
        json_object *conditions; /* new conditions array */
        const char *ready, *reason;
        char msg[MAX_TRACE + 128];
};

__attribute__((format(printf, 3, 4))) static void not_ready(struct rc_state *s, const char *reason,
                                                            const char *fmt, ...)
{
        s->ready = "False";
        s->reason = reason;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->msg, sizeof(s->msg), fmt, ap);
        va_end(ap);
}

/* Connect knows connectors by name only: when KafkaConnectors of the same name in two namespaces
 * both use one KafkaConnect, the older one (creationTimestamp, then namespace) keeps the name and
 * the other is refused (err says by which). With any, every other allowed one counts, older or not. */
static bool name_taken(op_ctx_t *ctx, json_object *obj, const char *cns, const char *cname,
                       const op_connect_spec_t *ks, bool any, char *err, size_t errlen)
{
        const char *ns = kube_str(obj, "metadata.namespace"), *name = kube_str(obj, "metadata.name");
        const char *created = kube_str(obj, "metadata.creationTimestamp");
        json_object *all = kube_informer_list(ctx->connectors);
        bool taken = false;
        for (size_t i = 0; i < json_object_array_length(all) && !taken; i++) {
                json_object *o = json_object_array_get_idx(all, i);
                const char *ons = kube_str(o, "metadata.namespace"), *on = kube_str(o, "metadata.name");
                const char *oc = kube_str(o, "metadata.creationTimestamp");
                char ocns[256], ocname[256];
                if (!ons || !on || strcmp(on, name) || !strcmp(ons, ns) ||
                    kube_get(o, "metadata.deletionTimestamp") ||
                    op_connector_cluster(o, ocns, sizeof(ocns), ocname, sizeof(ocname)) ||
                    strcmp(ocns, cns) || strcmp(ocname, cname) || !op_connect_allows_namespace(ks, ons))
                        continue;
                int cmp = oc && created ? strcmp(oc, created) : 0;
                taken = any || cmp < 0 || (cmp == 0 && strcmp(ons, ns) < 0);
                if (taken)
                        snprintf(err, errlen,
                                 "KafkaConnector %s/%s already runs a connector named %s on KafkaConnect "
                                 "%s/%s",
                                 ons, on, name, cns, cname);
        }
        json_object_put(all);
        return taken;
}

double op_reconcile_connector(op_ctx_t *ctx, const char *key)
{
        json_object *obj = kube_informer_get(ctx->connectors, key);
        if (!obj)
                return 0; /* gone; the finalizer already cleaned up */
        atomic_fetch_add(&ctx->m.reconciles[0], 1);
        const char *ns = kube_str(obj, "metadata.namespace"), *name = kube_str(obj, "metadata.name");
        json_object *old_status = kube_get(obj, "status");
        char path[1024], seg[768], p[1536];
        kube_path(path, sizeof(path), &op_gvr_connector, ns, name, NULL, NULL);
        op_url_segment(seg, sizeof(seg), name);
        bool deleting = kube_get(obj, "metadata.deletionTimestamp") != NULL;
        bool fin = has_finalizer(obj);
        struct rc_state s = {.ready = "True"};
        double next = 0;
        json_object *connector_status = NULL, *topics = NULL, *desired = NULL;
        json_object *ar_old = old_status ? kube_get(old_status, "autoRestart") : NULL;
        json_object *arc = ar_old ? kube_get(ar_old, "count") : NULL;
        int ar_count = arc ? json_object_get_int(arc) : 0;
        const char *ar_last_s = ar_old ? kube_str(ar_old, "lastRestartTimestamp") : NULL;
        char ar_last[64] = "";
        if (ar_last_s)
                snprintf(ar_last, sizeof(ar_last), "%s", ar_last_s);
        op_rest_t r = {0};
        op_connector_spec_t cs;
        op_connect_spec_t ks = {0};
        char err[1536];
        bool spec_ok = !op_connector_spec_parse(obj, &cs, err, sizeof(err));

        if (deleting && !fin)
                goto out_nostatus;
        /* The KafkaConnect: spec.clusterRef or the label (same namespace), which must allow this
         * namespace (spec.connectorNamespaces). Deletion follows the same reference even when the rest
         * of the spec is invalid. */
        char cns[256] = "", cname[256] = "";
        bool has_cluster = !op_connector_cluster(obj, cns, sizeof(cns), cname, sizeof(cname));
        json_object *kc = NULL;
        if (has_cluster) {
                char kkey[520];
                snprintf(kkey, sizeof(kkey), "%s/%s", cns, cname);
                kc = kube_informer_get(ctx->connects, kkey);
        }
        char base[512] = "";
        bool allowed = true;
        if (kc) {
                op_connect_spec_parse(kc, &ks, NULL, 0); /* its own errors are the KafkaConnect's status */
                allowed = op_connect_allows_namespace(&ks, ns);
                op_cluster_rest_base(ctx, &ks, base, sizeof(base));
        }
        json_object_put(kc);
        /* Deleting one that was created while its namespace was allowed (it has the finalizer) and
         * is no longer: its connector goes too, unless an allowed KafkaConnector has the name now. */
        if (deleting && !allowed && name_taken(ctx, obj, cns, cname, &ks, true, err, sizeof(err)))
                base[0] = '\0';
        if (deleting) {
                if (base[0]) {
                        snprintf(p, sizeof(p), "/connectors/%s", seg);
                        op_connect_call(ctx, base, "DELETE", p, NULL, &r);
                        if (r.status != 204 && r.status != 200 && r.status != 404) {
                                FERRY_WARN("%s: deleting the connector: %s", key, r.err);
                                next = -1;
                                goto out_nostatus;
                        }
                }
                next = set_finalizer(ctx, path, obj, false) ? -1 : 0;
                goto out_nostatus;
        }
        if (!spec_ok) {
                not_ready(&s, "InvalidSpec", "%s", err);
                goto out;
        }
        if (!has_cluster) {
                not_ready(&s, "NoCluster", "label %s or spec.clusterRef naming the KafkaConnect is missing",
                          OP_LABEL_CLUSTER);
                goto out;
        }
        if (!allowed) {
                not_ready(&s, "NamespaceNotAllowed",
                          "KafkaConnect %s/%s does not allow connectors from namespace %s (add it to its "
                          "spec.connectorNamespaces)",
                          cns, cname, ns);
                goto out;
        }
        if (ks.n_connector_namespaces && name_taken(ctx, obj, cns, cname, &ks, false, err, sizeof(err))) {
                not_ready(&s, "NameConflict", "%s", err);
                goto out;
        }
        if (!base[0] && ctx->opt.namespace && strcmp(cns, ctx->opt.namespace)) {
                not_ready(
                        &s, "ClusterNotWatched",
                        "KafkaConnect %s/%s is outside the namespace this operator watches (--namespace %s)",
                        cns, cname, ctx->opt.namespace);
                goto out;
        }
        if (!base[0]) {
                if (strcmp(cns, ns))
                        not_ready(&s, "ClusterNotReady",
                                  "KafkaConnect %s/%s not found or has no REST URL yet", cns, cname);
                else
                        not_ready(&s, "ClusterNotReady", "KafkaConnect %s not found or has no REST URL yet",
                                  cname);
                next = 10;
                goto out;
        }
        if (!fin && set_finalizer(ctx, path, obj, true)) {
                next = -1;
                goto out_nostatus;
        }

        /* Config: create, update or leave alone. */
        desired = desired_config(&cs);
        bool created = false;
        snprintf(p, sizeof(p), "/connectors/%s/config", seg);
        if (op_connect_call(ctx, base, "GET", p, NULL, &r)) {
                not_ready(&s, "ConnectUnreachable", "%s", r.err);
                next = -1;
                goto out;
        }
        if (r.status == 404) {
                op_rest_clear(&r);
                json_object *req = json_object_new_object();
                json_object_object_add(req, "name", json_object_new_string(name));
                json_object_object_add(req, "config", json_object_get(desired));
                json_object_object_add(req, "initial_state", json_object_new_string(cs.state));
                op_connect_call(ctx, base, "POST", "/connectors", req, &r);
                json_object_put(req);
                if (r.status != 201 && r.status != 200) {
                        not_ready(&s, r.status == 400 ? "InvalidConfig" : "CreateFailed", "%s", r.err);
                        next = -1;
                        goto out;
                }
                created = true;
        } else if (r.status == 200) {
                if (!config_equal(r.body, desired)) {
                        op_rest_clear(&r);
                        op_connect_call(ctx, base, "PUT", p, desired, &r);
                        if (r.status != 200 && r.status != 201) {
                                not_ready(&s, r.status == 400 ? "InvalidConfig" : "UpdateFailed", "%s",
                                          r.err);
                                next = -1;
                                goto out;
                        }
                }
        } else {
                not_ready(&s, "ConnectError", "%s", r.err);
                next = -1;
                goto out;
        }
        op_rest_clear(&r);

        /* Status and state transitions. */
        snprintf(p, sizeof(p), "/connectors/%s/status", seg);
        op_connect_call(ctx, base, "GET", p, NULL, &r);
        if (r.status != 200) {
                not_ready(&s, "Transitioning", "connector status not available yet: %s", r.err);
                next = 0.3; /* distributed: assigned after a rebalance, usually within a second */
                goto out;
        }
        connector_status = json_object_get(r.body);
        op_rest_clear(&r);
        const char *state = kube_str(connector_status, "connector.state");
        const char *want = cs.state;
        if (!created && state && strcmp(state, want) &&
            (!strcmp(state, "RUNNING") || !strcmp(state, "PAUSED") || !strcmp(state, "STOPPED"))) {
                const char *verb = !strcmp(want, "RUNNING")  ? "resume"
                                   : !strcmp(want, "PAUSED") ? "pause"
                                                             : "stop";
                snprintf(p, sizeof(p), "/connectors/%s/%s", seg, verb);
                op_connect_call(ctx, base, "PUT", p, NULL, &r);
                if (r.status >= 300 || !r.status)
                        FERRY_WARN("%s: %s: %s", key, verb, r.err);
                op_rest_clear(&r);
                next = 1;
        }

        /* Restart annotations, removed once Connect accepts them. */
        json_object *ann = kube_get(obj, "metadata.annotations");
        const char *restart = ann ? kube_member_str(ann, OP_ANN_RESTART) : NULL;
        if (restart) {
                bool inc = strstr(restart, "includeTasks") || strstr(restart, "onlyFailed");
                bool only = strstr(restart, "onlyFailed") != NULL;
                snprintf(p, sizeof(p), "/connectors/%s/restart?includeTasks=%s&onlyFailed=%s", seg,
                         inc ? "true" : "false", only ? "true" : "false");
                op_connect_call(ctx, base, "POST", p, NULL, &r);
                if (r.status >= 200 && r.status < 300)
                        remove_annotation(ctx, path, OP_ANN_RESTART);
                else
                        FERRY_WARN("%s: restart: %s", key, r.err);
                op_rest_clear(&r);
                next = 1;
        }
        const char *rtask = ann ? kube_member_str(ann, OP_ANN_RESTART_TASK) : NULL;
        if (rtask) {
                char *end;
                long id = strtol(rtask, &end, 10);
                if (end == rtask || *end || id < 0) {
                        FERRY_WARN("%s: ignoring %s=\"%s\": not a task id", key, OP_ANN_RESTART_TASK, rtask);
                        remove_annotation(ctx, path, OP_ANN_RESTART_TASK);
                } else {
                        snprintf(p, sizeof(p), "/connectors/%s/tasks/%ld/restart", seg, id);
                        op_connect_call(ctx, base, "POST", p, NULL, &r);
                        if ((r.status >= 200 && r.status < 300) || r.status == 404 || r.status == 400) {
                                if (r.status >= 300)
                                        FERRY_WARN("%s: restart-task %ld refused: %s", key, id, r.err);
                                remove_annotation(ctx, path, OP_ANN_RESTART_TASK);
                        } else {
                                FERRY_WARN("%s: restart-task %ld: %s", key, id, r.err);
                        }
                        op_rest_clear(&r);
                        next = 1;
                }
        }

        /* Health, auto-restart. */
        char reason[32];
        bool failed = failure(connector_status, reason, sizeof(reason), s.msg, sizeof(s.msg));
        struct timespec now_ts;
        clock_gettime(CLOCK_REALTIME, &now_ts);
        double now = (double)now_ts.tv_sec;
        double last = ar_last[0] ? kube_parse_time(ar_last) : 0;
        if (failed) {
                s.ready = "False";
                s.reason = reason;
                if (cs.auto_restart && (cs.max_restarts < 0 || ar_count < cs.max_restarts)) {
                        double due = last + restart_delay(ctx, ar_count);
                        if (now >= due) {
                                snprintf(p, sizeof(p),
                                         "/connectors/%s/restart?includeTasks=true&onlyFailed=true", seg);
                                op_connect_call(ctx, base, "POST", p, NULL, &r);
                                if (r.status >= 200 && r.status < 300) {
                                        ar_count++;
                                        kube_now(ar_last, sizeof(ar_last), false);
                                        atomic_fetch_add(&ctx->m.auto_restarts, 1);
                                        FERRY_INFO("%s: auto-restart %d (%s)", key, ar_count, reason);
                                }
                                op_rest_clear(&r);
                                next = 1;
                        } else {
                                next = due - now + 0.5;
                        }
                } else if (!next) {
                        next = ctx->opt.resync_s;
                }
        } else if (state && strcmp(state, want)) {
                not_ready(&s, "Transitioning", "connector is %s, want %s", state, want);
                next = 0.3;
        } else if (ar_count && last && now - last > restart_delay(ctx, ar_count)) {
                ar_count = 0; /* healthy for long enough */
        }

        /* Topics (best effort). */
        snprintf(p, sizeof(p), "/connectors/%s/topics", seg);
        if (!op_connect_call(ctx, base, "GET", p, NULL, &r) && r.status == 200) {
                json_object *t = NULL, *mine = NULL;
                if (r.body && json_object_object_get_ex(r.body, name, &mine))
                        t = kube_get(mine, "topics");
                if (t && json_object_is_type(t, json_type_array))
                        topics = json_object_get(t);
        }
        op_rest_clear(&r);

out:;
        json_object *status = json_object_new_object();
        json_object *gen = kube_get(obj, "metadata.generation");
        if (gen)
                json_object_object_add(status, "observedGeneration",
                                       json_object_new_int64(json_object_get_int64(gen)));
        json_object *old_cond = old_status ? kube_get(old_status, "conditions") : NULL;
        json_object_object_add(
                status, "conditions",
                op_set_condition(old_cond, "Ready", s.ready, s.reason, s.msg[0] ? s.msg : NULL));
        if (connector_status)
                json_object_object_add(status, "connectorStatus", json_object_get(connector_status));
        else if (old_status && kube_get(old_status, "connectorStatus") && strcmp(s.ready, "True"))
                json_object_object_add(status, "connectorStatus",
                                       json_object_get(kube_get(old_status, "connectorStatus")));
        json_object_object_add(status, "tasksMax", json_object_new_int(cs.tasks_max));
        if (topics)
                json_object_object_add(status, "topics", json_object_get(topics));
        if (ar_count || ar_last[0]) {
                json_object *a = json_object_new_object();
                json_object_object_add(a, "count", json_object_new_int(ar_count));
                json_object_object_add(a, "connectorName", json_object_new_string(name));
                if (ar_last[0])
                        json_object_object_add(a, "lastRestartTimestamp", json_object_new_string(ar_last));
                json_object_object_add(status, "autoRestart", a);
        }
        if (op_patch_status(ctx, path, old_status, status) && next >= 0)
                next = -1;
        json_object_put(status);
out_nostatus:
        op_connector_spec_free(&cs);
        op_connect_spec_free(&ks);
        op_rest_clear(&r);
        json_object_put(connector_status);
        json_object_put(topics);
        json_object_put(desired);
        json_object_put(obj);
        if (next < 0)
                atomic_fetch_add(&ctx->m.reconcile_errors[0], 1);
        return next;
}
