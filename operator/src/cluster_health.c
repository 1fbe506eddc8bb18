/* Worker health for the KafkaConnect reconciler (cluster.h): every running worker pod's /health is
 * probed on each reconcile, failure streaks are remembered per pod uid (ctx->health), and a pod
 * failing longer than spec.healthCheck.unhealthySeconds (or --unhealthy-after) is deleted so it
 * is created again; failures before a worker's first healthy answer count only after
 * --startup-grace. Pods in phase Failed/Succeeded are replaced. A worker container the API server
 * reports terminated (exited, or restarted since last seen) is announced to the cluster at once
 * (departures.c: from the pod watch, and from here for what the watch missed), so its work moves
 * without waiting for the group session to expire; a worker that only stops answering (paused,
 * partitioned) is never announced. */
#include "cluster.h"
#include "departures.h"

#include <ferry/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What the operator remembers about one worker pod's /health (keyed by pod uid). */
struct op_health {
        double first_bad; /* monotonic time of the first failed probe of the current streak; 0: healthy */
        long restart_count;
        bool healthy_once; /* answered 200 since the container (re)started */
        bool only_503;     /* every failure of the streak was 503 "starting" (a rebalance, not a hang) */
        bool seen;         /* departure tracking below has a first reading */
        long departed_at;  /* the restart count whose termination was announced (or first seen) */
        bool terminated;   /* a terminated state was announced and the container has not run since */
};

/* The state the operator remembers of a pod (created on first use); health_mu held. */
static struct op_health *pod_health(op_ctx_t *ctx, const char *uid)
{
        struct op_health *h = kube_strmap_get(ctx->health, uid);
        if (!h && (h = calloc(1, sizeof(*h))) && kube_strmap_set(ctx->health, uid, h)) {
                free(h);
                h = NULL;
        }
        return h;
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
        cl_pod_url(pod, port, base, sizeof(base));
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
        struct op_health *h = pod_health(ctx, uid);
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

/* Whether the API server says the pod's worker process ended since the last look: its container is
 * in a terminated state, or its restart count went up (the kubelet restarted it). Only these are
 * certain; a pod that stops answering (paused, its node unreachable: its status stays "running") is
 * left to the group session. Called from the pod watch (departures.c) and from the reconcile
 * (cl_check_pods); whichever sees an ending first reports it. */
bool op_cluster_container_ended(op_ctx_t *ctx, json_object *pod, const char **why)
{
        const char *uid = kube_str(pod, "metadata.uid");
        json_object *cs = kube_get(pod, "status.containerStatuses");
        json_object *c = cs && json_object_is_type(cs, json_type_array) && json_object_array_length(cs)
                                 ? json_object_array_get_idx(cs, 0)
                                 : NULL;
        *why = "terminated";
        if (!uid || !c)
                return false;
        long restarts = pod_restarts(pod);
        bool terminated = kube_get(c, "state.terminated") != NULL;
        bool ended = false;
        pthread_mutex_lock(&ctx->health_mu);
        struct op_health *h = pod_health(ctx, uid);
        if (h && !h->seen) {
                h->seen = true;
                h->departed_at = restarts;
                ended = h->terminated = terminated;
        } else if (h) {
                bool restarted = restarts > h->departed_at && !h->terminated;
                ended = restarted || (terminated && !h->terminated);
                if (restarted && !terminated)
                        *why = "was restarted";
                h->departed_at = restarts > h->departed_at ? restarts : h->departed_at;
                if (terminated)
                        h->terminated = true;
                else if (kube_get(c, "state.running"))
                        h->terminated = false;
        }
        pthread_mutex_unlock(&ctx->health_mu);
        return ended;
}

void cl_check_pods(op_ctx_t *ctx, const char *key, const op_connect_spec_t *s,
                   json_object *by_index[MAX_PODS], struct cl_pod_counts *c, struct cluster_state *st)
{
        memset(c, 0, sizeof(*c));
        /* What the pod watch did not see (departures.c announces from there at once). */
        for (int i = 0; i < MAX_PODS; i++) {
                const char *why = NULL;
                if (by_index[i] && !kube_get(by_index[i], "metadata.deletionTimestamp") &&
                    op_cluster_container_ended(ctx, by_index[i], &why))
                        op_departures_add(ctx, by_index[i], s->rest_port, why);
        }
        double unhealthy_after = s->unhealthy_s > 0 ? s->unhealthy_s : ctx->opt.unhealthy_after_s;
        for (int i = 0; i < MAX_PODS; i++) {
                json_object *p = by_index[i];
                if (!p)
                        continue;
                if (kube_get(p, "metadata.deletionTimestamp")) {
                        c->terminating++;
                        continue;
                }
                c->live++;
                const char *phase = kube_str(p, "status.phase");
                if (phase && (!strcmp(phase, "Failed") || !strcmp(phase, "Succeeded"))) {
                        FERRY_INFO("%s: pod %s is %s, replacing it", key, kube_str(p, "metadata.name"),
                                   phase);
                        cl_delete(ctx, &cl_gvr_pod, s->ns, kube_str(p, "metadata.name"),
                                  kube_str(p, "metadata.uid"), 0);
                        continue;
                }
                if (!cl_pod_running(p))
                        continue;
                bool starting = false;
                bool pr = cl_pod_ready(p);
                double bad = probe(ctx, p, s->rest_port, &starting);
                double limit = starting ? ctx->opt.startup_grace_s : unhealthy_after;
                if (pr && !bad) {
                        c->ready++;
                        if (!c->base[0])
                                cl_pod_url(p, s->rest_port, c->base, sizeof(c->base));
                }
                if (bad > 0 && bad >= limit) {
                        FERRY_WARN("%s: worker %s unhealthy for %.0f s, restarting it", key,
                                   kube_str(p, "metadata.name"), bad);
                        if (!cl_delete(ctx, &cl_gvr_pod, s->ns, kube_str(p, "metadata.name"),
                                       kube_str(p, "metadata.uid"), 5)) {
                                atomic_fetch_add(&ctx->m.worker_restarts, 1);
                                op_cluster_forget_pod(ctx, p);
                        }
                        cl_soon(st, 1);
                } else if (bad > 0) {
                        double left = limit - bad + 0.1;
                        cl_soon(st, left < ctx->opt.health_period_s ? left : ctx->opt.health_period_s);
                }
        }
}
