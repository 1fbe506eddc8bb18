/* Prometheus text exposition of the operator's counters and gauges (served by http.c on
 * /metrics): reconciles and failures per kind, Connect REST calls by kind (so tests can count PUTs),
 * status writes, auto-restarts, queue depth, cache sizes, informer watch/relist counts, leadership
 * and resident memory. Readiness (op_ready) lives here too. */
#include "operator.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct out {
        char *p;
        size_t len, cap;
};

static void put(struct out *o, const char *fmt, ...)
{
        va_list ap;
        for (;;) {
                va_start(ap, fmt);
                int n = vsnprintf(o->p ? o->p + o->len : NULL, o->p ? o->cap - o->len : 0, fmt, ap);
                va_end(ap);
                if (n < 0)
                        return;
                if (o->p && o->len + (size_t)n < o->cap) {
                        o->len += (size_t)n;
                        return;
                }
                size_t cap = o->cap ? o->cap * 2 : 4096;
                while (cap < o->len + (size_t)n + 1)
                        cap *= 2;
                char *np = realloc(o->p, cap);
                if (!np)
                        return;
                o->p = np;
                o->cap = cap;
        }
}

static long rss_bytes(void)
{
        char *s = kube_read_file("/proc/self/statm", NULL);
        if (!s)
                return 0;
        char *end;
        strtol(s, &end, 10);
        long pages = strtol(end, NULL, 10);
        free(s);
        return pages * sysconf(_SC_PAGESIZE);
}

static void informer(struct out *o, const char *kind, kube_informer_t *inf)
{
        if (!inf)
                return;
        kube_informer_stats_t st;
        kube_informer_get_stats(inf, &st);
        put(o, "ferry_operator_cache_objects{kind=\"%s\"} %zu\n", kind, kube_informer_len(inf));
        put(o, "ferry_operator_informer_lists_total{kind=\"%s\"} %ld\n", kind, st.lists);
        put(o, "ferry_operator_informer_relists_gone_total{kind=\"%s\"} %ld\n", kind, st.relists_gone);
        put(o, "ferry_operator_informer_watches_total{kind=\"%s\"} %ld\n", kind, st.watches);
        put(o, "ferry_operator_informer_watch_errors_total{kind=\"%s\"} %ld\n", kind, st.watch_errors);
        put(o, "ferry_operator_informer_events_total{kind=\"%s\"} %ld\n", kind, st.events);
        put(o, "ferry_operator_informer_bookmarks_total{kind=\"%s\"} %ld\n", kind, st.bookmarks);
}

char *op_metrics_render(op_ctx_t *ctx, size_t *len)
{
        struct out o = {0};
        op_metrics_t *m = &ctx->m;
        static const char *kinds[2] = {"KafkaConnector", "KafkaConnect"};
        put(&o, "# TYPE ferry_operator_reconciles_total counter\n");
        for (int i = 0; i < 2; i++)
                put(&o, "ferry_operator_reconciles_total{kind=\"%s\"} %ld\n", kinds[i],
                    atomic_load(&m->reconciles[i]));
        put(&o, "# TYPE ferry_operator_reconcile_errors_total counter\n");
        for (int i = 0; i < 2; i++)
                put(&o, "ferry_operator_reconcile_errors_total{kind=\"%s\"} %ld\n", kinds[i],
                    atomic_load(&m->reconcile_errors[i]));
        put(&o, "# TYPE ferry_operator_connect_requests_total counter\n");
        put(&o, "ferry_operator_connect_requests_total{call=\"get\"} %ld\n", atomic_load(&m->connect_get));
        put(&o, "ferry_operator_connect_requests_total{call=\"create\"} %ld\n",
            atomic_load(&m->connect_post));
        put(&o, "ferry_operator_connect_requests_total{call=\"put_config\"} %ld\n",
            atomic_load(&m->connect_put_config));
        put(&o, "ferry_operator_connect_requests_total{call=\"state\"} %ld\n",
            atomic_load(&m->connect_put_state));
        put(&o, "ferry_operator_connect_requests_total{call=\"restart\"} %ld\n",
            atomic_load(&m->connect_restart));
        put(&o, "ferry_operator_connect_requests_total{call=\"delete\"} %ld\n",
            atomic_load(&m->connect_delete));
        put(&o, "# TYPE ferry_operator_connect_errors_total counter\n");
        put(&o, "ferry_operator_connect_errors_total %ld\n", atomic_load(&m->connect_errors));
        put(&o, "# TYPE ferry_operator_status_updates_total counter\n");
        put(&o, "ferry_operator_status_updates_total %ld\n", atomic_load(&m->status_patches));
        put(&o, "# TYPE ferry_operator_auto_restarts_total counter\n");
        put(&o, "ferry_operator_auto_restarts_total %ld\n", atomic_load(&m->auto_restarts));
        put(&o, "# TYPE ferry_operator_queue_depth gauge\n");
        put(&o, "ferry_operator_queue_depth{kind=\"KafkaConnector\"} %zu\n",
            ctx->connector_q ? kube_queue_len(ctx->connector_q) : 0);
        put(&o, "ferry_operator_queue_depth{kind=\"KafkaConnect\"} %zu\n",
            ctx->connect_q ? kube_queue_len(ctx->connect_q) : 0);
        informer(&o, "KafkaConnector", ctx->connectors);
        informer(&o, "KafkaConnect", ctx->connects);
        informer(&o, "Pod", ctx->pods);
        put(&o, "# TYPE ferry_operator_worker_health_checks_total counter\n");
        put(&o, "ferry_operator_worker_health_checks_total %ld\n", atomic_load(&m->health_checks));
        put(&o, "# TYPE ferry_operator_worker_health_failures_total counter\n");
        put(&o, "ferry_operator_worker_health_failures_total %ld\n", atomic_load(&m->health_failures));
        put(&o, "# TYPE ferry_operator_worker_restarts_total counter\n");
        put(&o, "ferry_operator_worker_restarts_total %ld\n", atomic_load(&m->worker_restarts));
        put(&o, "# TYPE ferry_operator_pods_created_total counter\n");
        put(&o, "ferry_operator_pods_created_total %ld\n", atomic_load(&m->pods_created));
        put(&o, "# TYPE ferry_operator_pods_deleted_total counter\n");
        put(&o, "ferry_operator_pods_deleted_total %ld\n", atomic_load(&m->pods_deleted));
        put(&o, "# TYPE ferry_operator_unmanaged_connectors_deleted_total counter\n");
        put(&o, "ferry_operator_unmanaged_connectors_deleted_total %ld\n",
            atomic_load(&m->unmanaged_deleted));
        put(&o, "# TYPE ferry_operator_leader gauge\n");
        put(&o, "ferry_operator_leader %d\n", atomic_load(&ctx->leading) ? 1 : 0);
        put(&o, "# TYPE process_resident_memory_bytes gauge\n");
        put(&o, "process_resident_memory_bytes %ld\n", rss_bytes());
        *len = o.len;
        return o.p;
}

bool op_ready(op_ctx_t *ctx)
{
        return ctx->connectors && ctx->connects && ctx->pods && kube_informer_synced(ctx->connectors) &&
               kube_informer_synced(ctx->connects) && kube_informer_synced(ctx->pods);
}
