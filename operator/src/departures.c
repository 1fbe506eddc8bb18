/* Departures of worker processes, announced from the pod watch: when the API server reports that a
 * managed worker pod's container ended (cluster_health.c, op_cluster_container_ended: terminated,
 * restarted, or the pod's last status before its deletion says so), the informer's event handler
 * (main.c) queues the departure here and this module's own thread tells a live worker of the same
 * cluster at once (POST /ferry/departures, retried on the other workers for a while), so the dead
 * worker's connectors and tasks move without waiting for the group session, and without waiting
 * for the KafkaConnect's reconcile (a busy operator reconciles seconds later). The reconcile
 * still notices what the watch missed (cl_check_pods) and queues it the same way. A worker that
 * only stops answering is never queued: nothing certain is known of it. */
#include "departures.h"

#include <ferry/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long a departure is retried (no live worker ready, or none answering): past this the group
 * session has expired anyway. */
#define RETRY_FOR_S    30.0
#define RETRY_PAUSE_MS 200

struct dep_item {
        char *ns, *cluster, *pod, *id, *reason;
        double since; /* monotonic */
        struct dep_item *next;
};

struct op_departures {
        op_ctx_t *ctx;
        pthread_mutex_t mu;
        pthread_cond_t cv;
        struct dep_item *head;
        bool stop;
        pthread_t thread;
};

static void item_free(struct dep_item *it)
{
        if (!it)
                return;
        free(it->ns);
        free(it->cluster);
        free(it->pod);
        free(it->id);
        free(it->reason);
        free(it);
}

/* The containerPort named "rest" of the pod's first container; -1 when it has none. */
static int pod_rest_port(json_object *pod)
{
        json_object *cs = kube_get(pod, "spec.containers");
        json_object *c = cs && json_object_is_type(cs, json_type_array) && json_object_array_length(cs)
                                 ? json_object_array_get_idx(cs, 0)
                                 : NULL;
        json_object *ports = c ? kube_get(c, "ports") : NULL;
        for (size_t i = 0;
             ports && json_object_is_type(ports, json_type_array) && i < json_object_array_length(ports);
             i++) {
                json_object *p = json_object_array_get_idx(ports, i);
                const char *name = kube_str(p, "name");
                json_object *n = kube_get(p, "containerPort");
                if (name && !strcmp(name, "rest") && n)
                        return json_object_get_int(n);
        }
        return -1;
}

void op_departures_add(op_ctx_t *ctx, json_object *pod, int rest_port, const char *why)
{
        struct op_departures *d = ctx->departures;
        json_object *labels = kube_get(pod, "metadata.labels");
        const char *cl = labels ? kube_member_str(labels, OP_LABEL_CLUSTER) : NULL;
        const char *ns = kube_str(pod, "metadata.namespace"), *name = kube_str(pod, "metadata.name");
        const char *ip = kube_str(pod, "status.podIP");
        if (rest_port <= 0)
                rest_port = pod_rest_port(pod);
        if (!d || !cl || !ns || !name)
                return;
        if (!ip || rest_port <= 0) {
                FERRY_INFO(
                        "%s/%s: worker %s ended, but its worker id is unknown (no pod IP or REST port): its "
                        "work moves when its group session expires",
                        ns, cl, name);
                return;
        }
        char id[128], reason[300];
        snprintf(id, sizeof(id), strchr(ip, ':') ? "[%s]:%d" : "%s:%d", ip, rest_port);
        snprintf(reason, sizeof(reason), "the container of pod %s %s", name, why);
        struct dep_item *it = calloc(1, sizeof(*it));
        if (!it)
                return;
        it->ns = strdup(ns);
        it->cluster = strdup(cl);
        it->pod = strdup(name);
        it->id = strdup(id);
        it->reason = strdup(reason);
        it->since = kube_monotonic();
        if (!it->ns || !it->cluster || !it->pod || !it->id || !it->reason) {
                item_free(it);
                return;
        }
        pthread_mutex_lock(&d->mu);
        struct dep_item **tail = &d->head;
        while (*tail)
                tail = &(*tail)->next;
        *tail = it;
        pthread_cond_signal(&d->cv);
        pthread_mutex_unlock(&d->mu);
}

void op_departures_pod_event(op_ctx_t *ctx, json_object *pod, bool deleted)
{
        if (!atomic_load(&ctx->leading) || (!deleted && kube_get(pod, "metadata.deletionTimestamp")))
                return;
        const char *why = NULL;
        if (op_cluster_container_ended(ctx, pod, &why))
                op_departures_add(ctx, pod, -1, why);
}

/* The REST bases of the live workers of the item's cluster other than the gone pod, ready ones
 * first. n of them in out. */
static int live_workers(op_ctx_t *ctx, const struct dep_item *it, char out[][128], int max)
{
        json_object *all = kube_informer_list(ctx->pods);
        int n = 0;
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; all && i < json_object_array_length(all) && n < max; i++) {
                        json_object *p = json_object_array_get_idx(all, i);
                        json_object *labels = kube_get(p, "metadata.labels");
                        const char *cl = labels ? kube_member_str(labels, OP_LABEL_CLUSTER) : NULL;
                        const char *ns = kube_str(p, "metadata.namespace"),
                                   *name = kube_str(p, "metadata.name");
                        int port = pod_rest_port(p);
                        if (!cl || !ns || !name || strcmp(cl, it->cluster) || strcmp(ns, it->ns) ||
                            !strcmp(name, it->pod) || kube_get(p, "metadata.deletionTimestamp") ||
                            !cl_pod_running(p) || port <= 0 || cl_pod_ready(p) != (pass == 0))
                                continue;
                        cl_pod_url(p, port, out[n++], 128);
                }
        if (all)
                json_object_put(all);
        return n;
}

/* Tells one live worker; true when one took it (202) or the departure is pointless (400). */
static bool announce(struct op_departures *d, const struct dep_item *it)
{
        char bases[16][128];
        int n = live_workers(d->ctx, it, bases, 16);
        for (int i = 0; i < n; i++) {
                json_object *body = json_object_new_object();
                json_object_object_add(body, "worker_id", json_object_new_string(it->id));
                json_object_object_add(body, "reason", json_object_new_string(it->reason));
                op_rest_t r;
                op_connect_call_timeout(d->ctx, bases[i], "POST", "/ferry/departures", body, 3000, &r);
                json_object_put(body);
                long status = r.status;
                op_rest_clear(&r);
                if (status == 202) {
                        atomic_fetch_add(&d->ctx->m.worker_departures, 1);
                        FERRY_INFO("%s/%s: worker %s (%s) ended; told the cluster to move its work now "
                                   "(%.2f s after the API server said so)",
                                   it->ns, it->cluster, it->pod, it->id, kube_monotonic() - it->since);
                        return true;
                }
                if (status == 400) {
                        FERRY_WARN("%s/%s: worker %s ended; %s refused the departure (400)", it->ns,
                                   it->cluster, it->pod, bases[i]);
                        return true;
                }
        }
        return false;
}

static void *departures_main(void *arg)
{
        struct op_departures *d = arg;
        pthread_mutex_lock(&d->mu);
        while (!d->stop) {
                if (!d->head) {
                        pthread_cond_wait(&d->cv, &d->mu);
                        continue;
                }
                struct dep_item *it = d->head;
                d->head = it->next;
                pthread_mutex_unlock(&d->mu);
                bool done = announce(d, it);
                bool give_up = !done && kube_monotonic() - it->since > RETRY_FOR_S;
                if (give_up)
                        FERRY_WARN("%s/%s: worker %s ended; no live worker took the news: its work moves "
                                   "when its group session expires",
                                   it->ns, it->cluster, it->pod);
                pthread_mutex_lock(&d->mu);
                if (done || give_up || d->stop) {
                        item_free(it);
                        continue;
                }
                /* Again after a pause, behind the others. */
                it->next = NULL;
                struct dep_item **tail = &d->head;
                while (*tail)
                        tail = &(*tail)->next;
                *tail = it;
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_nsec += RETRY_PAUSE_MS * 1000000L;
                ts.tv_sec += ts.tv_nsec / 1000000000L;
                ts.tv_nsec %= 1000000000L;
                pthread_cond_timedwait(&d->cv, &d->mu, &ts);
        }
        pthread_mutex_unlock(&d->mu);
        return NULL;
}

struct op_departures *op_departures_start(op_ctx_t *ctx)
{
        struct op_departures *d = calloc(1, sizeof(*d));
        if (!d)
                return NULL;
        d->ctx = ctx;
        pthread_mutex_init(&d->mu, NULL);
        pthread_cond_init(&d->cv, NULL);
        if (kube_thread_create(&d->thread, departures_main, d) != 0) {
                pthread_cond_destroy(&d->cv);
                pthread_mutex_destroy(&d->mu);
                free(d);
                return NULL;
        }
        return d;
}

void op_departures_stop(struct op_departures *d)
{
        if (!d)
                return;
        pthread_mutex_lock(&d->mu);
        d->stop = true;
        pthread_cond_broadcast(&d->cv);
        pthread_mutex_unlock(&d->mu);
        pthread_join(d->thread, NULL);
        while (d->head) {
                struct dep_item *it = d->head;
                d->head = it->next;
                item_free(it);
        }
        pthread_cond_destroy(&d->cv);
        pthread_mutex_destroy(&d->mu);
        free(d);
}
