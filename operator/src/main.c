/* ferry-operator: the process. Parses options, loads the kubeconfig or in-cluster account, serves
 * /healthz /readyz /metrics, starts the KafkaConnect and KafkaConnector informers, whose handlers
 * feed two work queues, and worker threads that run the reconcilers (connector.c, cluster.c) on
 * dequeued keys - only while this instance leads when --leader-elect is on. SIGTERM/SIGINT stop it
 * (releasing the lease); losing the lease ends it with status 1 so it restarts as a follower.
 * `ferry-operator watch G/V/R` runs one informer and prints its events (a diagnostic used by tests). */
#include "departures.h"
#include "operator.h"

#include <ferry/log.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *f)
{
        fprintf(f,
                "Usage: ferry-operator [--kubeconfig PATH] [--namespace NS] [--metrics-addr [HOST]:PORT]\n"
                "                      [--leader-elect] [--lease-namespace NS] [--lease-name NAME] "
                "[--identity ID]\n"
                "                      [--workers N] [--resync SECONDS] [--restart-unit SECONDS]\n"
                "                      [--connect-timeout SECONDS] [--lease-duration S] [--renew-deadline "
                "S]\n"
                "                      [--retry-period S] [--unhealthy-after S] [--health-period S]\n"
                "                      [--startup-grace S] [--worker-image IMAGE] [--log-level LEVEL]\n"
                "       ferry-operator watch [--kubeconfig PATH] [--namespace NS] [--start-rv RV]\n"
                "                      [--watch-timeout S] [--for SECONDS] [--max-body BYTES]\n"
                "                      GROUP/VERSION/RESOURCE\n"
                "Runs the Ferry Kubernetes operator: reconciles KafkaConnect and KafkaConnector resources\n"
                "(connect.ferry.dev/v1alpha1). Probes and metrics on --metrics-addr (default :8080):\n"
                "/healthz, /readyz, /metrics. Without --kubeconfig: $KUBECONFIG, in-cluster, "
                "~/.kube/config.\n"
                "--worker-image (default $FERRY_WORKER_IMAGE, else " OP_DEFAULT_WORKER_IMAGE ") is the\n"
                "worker image of KafkaConnects without spec.image. --log-level (default $FERRY_LOG_LEVEL,\n"
                "else INFO): ERROR, WARN, INFO, DEBUG or TRACE.\n");
}

static int num(const char *s, double *out)
{
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (end != s && *end == 's' && !end[1])
                end++; /* "30s" */
        if (errno || end == s || *end || v < 0)
                return -1;
        *out = v;
        return 0;
}

/* ---- informer handlers -> queues ---- */

static bool meaningful_change(json_object *old, json_object *obj)
{
        if (old == obj)
                return true; /* a resync */
        static const char *paths[] = {"metadata.generation", "metadata.annotations", "metadata.labels",
                                      "metadata.deletionTimestamp", "metadata.finalizers"};
        for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
                json_object *a = kube_get(old, paths[i]), *b = kube_get(obj, paths[i]);
                if (!a != !b || (a && !json_object_equal(a, b)))
                        return true;
        }
        return false;
}

static void enqueue(kube_queue_t *q, json_object *obj)
{
        char key[512];
        if (!kube_object_key(obj, key, sizeof(key)))
                kube_queue_add(q, key);
}

static void connector_add(void *data, json_object *obj)
{
        op_ctx_t *ctx = data;
        enqueue(ctx->connector_q, obj);
}

static void connector_update(void *data, json_object *old, json_object *obj)
{
        op_ctx_t *ctx = data;
        if (meaningful_change(old, obj))
                enqueue(ctx->connector_q, obj);
}

/* A KafkaConnect changed: its connectors (in any namespace) may have a new REST URL, or be allowed
 * or refused by its spec.connectorNamespaces. */
static void requeue_connectors_of(op_ctx_t *ctx, json_object *kc)
{
        const char *ns = kube_str(kc, "metadata.namespace"), *name = kube_str(kc, "metadata.name");
        if (!ns || !name || !ctx->connectors)
                return;
        json_object *all = kube_informer_list(ctx->connectors);
        for (size_t i = 0; i < json_object_array_length(all); i++) {
                json_object *o = json_object_array_get_idx(all, i);
                char cns[256], cname[256]; /* label, or spec.clusterRef in any namespace */
                if (!op_connector_cluster(o, cns, sizeof(cns), cname, sizeof(cname)) &&
                    !strcmp(cname, name) && !strcmp(cns, ns))
                        enqueue(ctx->connector_q, o);
        }
        json_object_put(all);
}

static void connect_add(void *data, json_object *obj)
{
        op_ctx_t *ctx = data;
        enqueue(ctx->connect_q, obj);
        requeue_connectors_of(ctx, obj);
}

static bool field_changed(json_object *old, json_object *obj, const char *path)
{
        json_object *a = kube_get(old, path), *b = kube_get(obj, path);
        return !a != !b || (a && !json_object_equal(a, b));
}

static void connect_update(void *data, json_object *old, json_object *obj)
{
        op_ctx_t *ctx = data;
        if (old == obj) {
                enqueue(ctx->connect_q, obj);
                return;
        }
        if (meaningful_change(old, obj))
                enqueue(ctx->connect_q, obj);
        /* Connectors follow the cluster's REST endpoint: its URL and its ready workers. */
        if (meaningful_change(old, obj) || field_changed(old, obj, "status.url") ||
            field_changed(old, obj, "status.readyReplicas"))
                requeue_connectors_of(ctx, obj);
}

/* A managed pod changed: reconcile its KafkaConnect (label connect.ferry.dev/cluster). */
static void pod_event(op_ctx_t *ctx, json_object *pod)
{
        json_object *labels = kube_get(pod, "metadata.labels");
        const char *cl = labels ? kube_member_str(labels, OP_LABEL_CLUSTER) : NULL;
        const char *ns = kube_str(pod, "metadata.namespace");
        if (!cl || !ns)
                return;
        char key[512];
        snprintf(key, sizeof(key), "%s/%s", ns, cl);
        kube_queue_add(ctx->connect_q, key);
}

/* A worker process that ended is announced from the watch event itself (departures.c), not from
 * the reconcile that follows it: under load the reconcile runs seconds later. */
static void pod_add(void *data, json_object *obj)
{
        op_departures_pod_event(data, obj, false);
        pod_event(data, obj);
}

static void pod_update(void *data, json_object *old, json_object *obj)
{
        if (old != obj) { /* pod resyncs are covered by the KafkaConnect's own */
                op_departures_pod_event(data, obj, false);
                pod_event(data, obj);
        }
}

static void pod_delete(void *data, json_object *obj)
{
        op_departures_pod_event(data, obj, true);
        op_cluster_forget_pod(data, obj);
        pod_event(data, obj);
}

/* ---- workers ---- */

struct worker_arg {
        op_ctx_t *ctx;
        int kind; /* 0 connectors, 1 connects */
};

static void wait_leading(op_ctx_t *ctx)
{
        pthread_mutex_lock(&ctx->mu);
        while (!atomic_load(&ctx->stop) && !atomic_load(&ctx->leading))
                pthread_cond_wait(&ctx->cv, &ctx->mu);
        pthread_mutex_unlock(&ctx->mu);
}

static void *worker(void *p)
{
        struct worker_arg *w = p;
        op_ctx_t *ctx = w->ctx;
        kube_queue_t *q = w->kind ? ctx->connect_q : ctx->connector_q;
        while (!atomic_load(&ctx->stop)) {
                wait_leading(ctx);
                char *key = kube_queue_get(q, 1.0);
                if (!key)
                        continue;
                double next = w->kind ? op_reconcile_connect(ctx, key) : op_reconcile_connector(ctx, key);
                FERRY_DEBUG("reconciled %s %s: %s %.1f s", w->kind ? "KafkaConnect" : "KafkaConnector", key,
                            next < 0 ? "failed, retry with backoff" : "next look in", next < 0 ? 0.0 : next);
                if (next < 0) {
                        kube_queue_add_rate_limited(q, key);
                } else {
                        kube_queue_forget(q, key);
                        if (next > 0)
                                kube_queue_add_after(q, key, next);
                }
                kube_queue_done(q, key);
                free(key);
        }
        free(w);
        return NULL;
}

static void set_leading(op_ctx_t *ctx, bool on)
{
        pthread_mutex_lock(&ctx->mu);
        atomic_store(&ctx->leading, on);
        pthread_cond_broadcast(&ctx->cv);
        pthread_mutex_unlock(&ctx->mu);
}

static void on_started(void *data)
{
        op_ctx_t *ctx = data;
        set_leading(ctx, true);
        /* Everything is reconciled once by the new leader. */
        json_object *all = kube_informer_list(ctx->connects);
        for (size_t i = 0; i < json_object_array_length(all); i++)
                enqueue(ctx->connect_q, json_object_array_get_idx(all, i));
        json_object_put(all);
        all = kube_informer_list(ctx->connectors);
        for (size_t i = 0; i < json_object_array_length(all); i++)
                enqueue(ctx->connector_q, json_object_array_get_idx(all, i));
        json_object_put(all);
}

static void on_stopped(void *data)
{
        op_ctx_t *ctx = data;
        atomic_store(&ctx->lost_leadership, true);
        set_leading(ctx, false);
        atomic_store(&ctx->stop, true);
}

/* ---- the watch diagnostic ---- */

static void print_event(const char *what, json_object *obj)
{
        char key[512] = "?";
        kube_object_key(obj, key, sizeof(key));
        const char *rv = kube_str(obj, "metadata.resourceVersion");
        printf("%s %s %s\n", what, key, rv ? rv : "");
        fflush(stdout);
}

static void w_add(void *data, json_object *obj)
{
        print_event("ADD", obj);
}

static void w_update(void *data, json_object *old, json_object *obj)
{
        print_event(old == obj ? "RESYNC" : "UPDATE", obj);
}

static void w_delete(void *data, json_object *obj)
{
        print_event("DELETE", obj);
}

static int wait_signal(double seconds, volatile atomic_bool *stop)
{
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        double end = seconds > 0 ? kube_monotonic() + seconds : 0;
        for (;;) {
                struct timespec ts = {0, 200000000L};
                int sig = sigtimedwait(&set, NULL, &ts);
                if (sig > 0)
                        return sig;
                if (stop && atomic_load(stop))
                        return 0;
                if (end && kube_monotonic() >= end)
                        return 0;
        }
}

static int cmd_watch(int argc, char **argv)
{
        const char *kubeconfig = NULL, *ns = NULL, *start_rv = NULL, *res = NULL;
        double wt = 300, dur = 0, max_body = 0;
        for (int i = 0; i < argc; i++) {
                if (!strcmp(argv[i], "--kubeconfig") && i + 1 < argc)
                        kubeconfig = argv[++i];
                else if (!strcmp(argv[i], "--namespace") && i + 1 < argc)
                        ns = argv[++i];
                else if (!strcmp(argv[i], "--start-rv") && i + 1 < argc)
                        start_rv = argv[++i];
                else if (!strcmp(argv[i], "--watch-timeout") && i + 1 < argc && !num(argv[i + 1], &wt))
                        i++;
                else if (!strcmp(argv[i], "--for") && i + 1 < argc && !num(argv[i + 1], &dur))
                        i++;
                else if (!strcmp(argv[i], "--max-body") && i + 1 < argc && !num(argv[i + 1], &max_body))
                        i++;
                else if (argv[i][0] != '-' && !res)
                        res = argv[i];
                else {
                        usage(stderr);
                        return 2;
                }
        }
        char g[128] = "", v[64] = "", r[128] = "";
        if (!res || sscanf(res, "%127[^/]/%63[^/]/%127s", g, v, r) != 3) {
                if (!res || sscanf(res, "%63[^/]/%127s", v, r) != 2) {
                        fprintf(stderr,
                                "watch: resource must be GROUP/VERSION/RESOURCE or VERSION/RESOURCE\n");
                        return 2;
                }
                g[0] = '\0';
        }
        kube_config_t cfg;
        char err[512];
        if (kube_config_load_default(&cfg, kubeconfig, err, sizeof(err))) {
                fprintf(stderr, "ferry-operator: %s\n", err);
                return 1;
        }
        kube_client_t *c = kube_client_new(&cfg, err, sizeof(err));
        kube_config_free(&cfg);
        if (!c) {
                fprintf(stderr, "ferry-operator: %s\n", err);
                return 1;
        }
        if (max_body >= 1)
                kube_client_set_max_body(c, (size_t)max_body);
        kube_gvr_t gvr = {g, v, r};
        kube_handlers_t h = {w_add, w_update, w_delete, NULL};
        kube_informer_t *inf = kube_informer_new(c, &gvr, ns, NULL, 0, &h);
        kube_informer_set_watch_timeout(inf, (int)wt);
        if (start_rv)
                kube_informer_set_initial_rv(inf, start_rv);
        kube_informer_start(inf);
        wait_signal(dur, NULL);
        kube_informer_stop(inf);
        kube_informer_stats_t st;
        kube_informer_get_stats(inf, &st);
        printf("STATS lists=%ld relists_gone=%ld watches=%ld watch_errors=%ld events=%ld bookmarks=%ld "
               "cached=%zu exec_runs=%ld\n",
               st.lists, st.relists_gone, st.watches, st.watch_errors, st.events, st.bookmarks,
               kube_informer_len(inf), kube_client_exec_runs(c));
        kube_informer_free(inf);
        kube_client_free(c);
        return 0;
}

/* ---- main ---- */

int main(int argc, char **argv)
{
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        pthread_sigmask(SIG_BLOCK, &set, NULL); /* handled by sigtimedwait in the main thread */
        signal(SIGPIPE, SIG_IGN);
        if (argc > 1 && !strcmp(argv[1], "watch"))
                return cmd_watch(argc - 2, argv + 2);

        op_ctx_t ctx = {0};
        op_options_t *o = &ctx.opt;
        o->metrics_addr = ":8080";
        o->lease_name = "ferry-operator";
        o->workers = 4;
        o->resync_s = 30;
        o->restart_unit_s = 60;
        o->connect_timeout_ms = 10000;
        o->lease_s = 15;
        o->renew_deadline_s = 10;
        o->retry_s = 2;
        o->unhealthy_after_s = 60;
        o->health_period_s = 10;
        o->startup_grace_s = 120;
        o->worker_image = getenv("FERRY_WORKER_IMAGE");
        if (!o->worker_image || !*o->worker_image)
                o->worker_image = OP_DEFAULT_WORKER_IMAGE;
        const char *level = getenv("FERRY_LOG_LEVEL");
        char identity[300];
        char host[256] = "ferry-operator";
        gethostname(host, sizeof(host) - 1);
        snprintf(identity, sizeof(identity), "%s_%d", host, (int)getpid());
        o->identity = identity;
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
                double d;
                if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
                        usage(stdout);
                        return 0;
                } else if (!strcmp(a, "--leader-elect")) {
                        o->leader_elect = true;
                        continue;
                }
                if (!val) {
                        fprintf(stderr, "ferry-operator: %s needs a value\n", a);
                        usage(stderr);
                        return 2;
                }
                i++;
                if (!strcmp(a, "--kubeconfig"))
                        o->kubeconfig = val;
                else if (!strcmp(a, "--namespace"))
                        o->namespace = val;
                else if (!strcmp(a, "--metrics-addr"))
                        o->metrics_addr = val;
                else if (!strcmp(a, "--lease-namespace"))
                        o->lease_namespace = val;
                else if (!strcmp(a, "--lease-name"))
                        o->lease_name = val;
                else if (!strcmp(a, "--identity"))
                        o->identity = val;
                else if (!strcmp(a, "--worker-image"))
                        o->worker_image = val;
                else if (!strcmp(a, "--log-level"))
                        level = val;
                else if (num(val, &d)) {
                        fprintf(stderr, "ferry-operator: %s: not a number: %s\n", a, val);
                        return 2;
                } else if (!strcmp(a, "--workers"))
                        o->workers = d < 1 ? 1 : d > OP_MAX_WORKERS ? OP_MAX_WORKERS : (int)d;
                else if (!strcmp(a, "--resync"))
                        o->resync_s = d < 1 ? 1 : (int)d;
                else if (!strcmp(a, "--restart-unit"))
                        o->restart_unit_s = d;
                else if (!strcmp(a, "--connect-timeout"))
                        o->connect_timeout_ms = (long)(d * 1000);
                else if (!strcmp(a, "--lease-duration"))
                        o->lease_s = (int)d;
                else if (!strcmp(a, "--renew-deadline"))
                        o->renew_deadline_s = (int)d;
                else if (!strcmp(a, "--retry-period"))
                        o->retry_s = (int)d;
                else if (!strcmp(a, "--unhealthy-after"))
                        o->unhealthy_after_s = d < 1 ? 1 : d;
                else if (!strcmp(a, "--startup-grace"))
                        o->startup_grace_s = d;
                else if (!strcmp(a, "--health-period"))
                        o->health_period_s = d < 0.5 ? 0.5 : d;
                else {
                        fprintf(stderr, "ferry-operator: unknown option %s\n", a);
                        usage(stderr);
                        return 2;
                }
        }

        if (level && *level) {
                int l = ferry_log_level_from_name(level);
                if (l < 0) {
                        fprintf(stderr,
                                "ferry-operator: log level %s: not one of ERROR, WARN, INFO, DEBUG, TRACE\n",
                                level);
                        return 2;
                }
                ferry_log_set_level((ferry_log_level_t)l);
        }
        if (!*o->worker_image) {
                fprintf(stderr, "ferry-operator: --worker-image must not be empty\n");
                return 2;
        }

        kube_config_t cfg;
        char err[512];
        if (kube_config_load_default(&cfg, o->kubeconfig, err, sizeof(err))) {
                fprintf(stderr, "ferry-operator: %s\n", err);
                return 1;
        }
        ctx.kube = kube_client_new(&cfg, err, sizeof(err));
        if (!ctx.kube) {
                fprintf(stderr, "ferry-operator: %s\n", err);
                kube_config_free(&cfg);
                return 1;
        }
        char lease_ns[256];
        snprintf(lease_ns, sizeof(lease_ns), "%s",
                 o->lease_namespace ? o->lease_namespace
                 : o->namespace     ? o->namespace
                 : cfg.namespace    ? cfg.namespace
                                    : "default");
        FERRY_INFO("API server %s (context %s%s%s%s), watching %s", cfg.server, cfg.context,
                   cfg.proxy_url ? ", proxy " : "", cfg.proxy_url ? cfg.proxy_url : "",
                   cfg.exec ? ", exec credential plugin" : "",
                   o->namespace ? o->namespace : "all namespaces");
        kube_config_free(&cfg);
        pthread_mutex_init(&ctx.mu, NULL);
        pthread_cond_init(&ctx.cv, NULL);
        ctx.connector_q = kube_queue_new(0.5, 300);
        ctx.connect_q = kube_queue_new(0.5, 300);
        kube_handlers_t hc = {connector_add, connector_update, connector_add, &ctx};
        kube_handlers_t hk = {connect_add, connect_update, connect_add, &ctx};
        ctx.connectors = kube_informer_new(ctx.kube, &op_gvr_connector, o->namespace, NULL, o->resync_s, &hc);
        ctx.connects = kube_informer_new(ctx.kube, &op_gvr_connect, o->namespace, NULL, o->resync_s, &hk);
        static const kube_gvr_t pods_gvr = {"", "v1", "pods"};
        kube_handlers_t hp = {pod_add, pod_update, pod_delete, &ctx};
        ctx.pods = kube_informer_new(ctx.kube, &pods_gvr, o->namespace,
                                     "app.kubernetes.io/managed-by=ferry-operator", 0, &hp);
        pthread_mutex_init(&ctx.health_mu, NULL);
        ctx.health = kube_strmap_new(free);
        ctx.scale_down = kube_strmap_new(free);

        ctx.departures = op_departures_start(&ctx);
        ctx.http = op_http_start(&ctx, o->metrics_addr, err, sizeof(err));
        if (!ctx.http) {
                fprintf(stderr, "ferry-operator: %s\n", err);
                return 1;
        }
        FERRY_INFO("probes and metrics on port %d, worker image %s", op_http_port(ctx.http), o->worker_image);
        kube_informer_start(ctx.connects);
        kube_informer_start(ctx.connectors);
        kube_informer_start(ctx.pods);
        for (int i = 0; i < o->workers; i++) {
                struct worker_arg *w = malloc(sizeof(*w));
                *w = (struct worker_arg){&ctx, 0};
                kube_thread_create(&ctx.workers[ctx.nworkers++], worker, w);
        }
        for (int i = 0; i < 2; i++) {
                struct worker_arg *w = malloc(sizeof(*w));
                *w = (struct worker_arg){&ctx, 1};
                kube_thread_create(&ctx.workers[ctx.nworkers++], worker, w);
        }
        if (o->leader_elect) {
                kube_leader_config_t lc = {.ns = lease_ns,
                                           .name = o->lease_name,
                                           .identity = o->identity,
                                           .lease_s = o->lease_s,
                                           .renew_deadline_s = o->renew_deadline_s,
                                           .retry_s = o->retry_s,
                                           .on_started = on_started,
                                           .on_stopped = on_stopped,
                                           .data = &ctx};
                ctx.leader = kube_leader_start(ctx.kube, &lc);
        } else {
                set_leading(&ctx, true);
        }

        int sig = wait_signal(0, &ctx.stop);
        if (sig)
                FERRY_INFO("%s, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        pthread_mutex_lock(&ctx.mu);
        atomic_store(&ctx.stop, true);
        pthread_cond_broadcast(&ctx.cv);
        pthread_mutex_unlock(&ctx.mu);
        kube_queue_shutdown(ctx.connector_q);
        kube_queue_shutdown(ctx.connect_q);
        for (int i = 0; i < ctx.nworkers; i++)
                pthread_join(ctx.workers[i], NULL);
        kube_leader_stop(ctx.leader, true);
        kube_informer_stop(ctx.pods); /* its events queue departures */
        op_departures_stop(ctx.departures);
        ctx.departures = NULL;
        kube_informer_free(ctx.connectors);
        kube_informer_free(ctx.connects);
        kube_informer_free(ctx.pods);
        kube_strmap_free(ctx.health);
        kube_strmap_free(ctx.scale_down);
        pthread_mutex_destroy(&ctx.health_mu);
        op_http_stop(ctx.http);
        kube_queue_free(ctx.connector_q);
        kube_queue_free(ctx.connect_q);
        kube_client_free(ctx.kube);
        pthread_cond_destroy(&ctx.cv);
        pthread_mutex_destroy(&ctx.mu);
        if (atomic_load(&ctx.lost_leadership)) {
                FERRY_WARN("lost leadership, exiting");
                return 1;
        }
        return 0;
}
