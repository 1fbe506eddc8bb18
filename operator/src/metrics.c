/* Prometheus text exposition of the operator's counters and gauges (served by server.c on
 * /metrics): reconciles and failures per kind, Connect REST calls by kind (so tests can count PUTs),
 * status writes, auto-restarts, queue depth, cache sizes, informer watch/relist counts, leadership
 * and resident memory, rendered into a ferry_buf. Readiness (op_ready) lives here too. */
#include "operator.h"

#include <ferry/buf.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static void informer(ferry_buf_t *o, const char *kind, kube_informer_t *inf)
{
        if (!inf)
                return;
        kube_informer_stats_t st;
        kube_informer_get_stats(inf, &st);
        ferry_buf_printf(o, "ferry_operator_cache_objects{kind=\"%s\"} %zu\n", kind, kube_informer_len(inf));
        ferry_buf_printf(o, "ferry_operator_informer_lists_total{kind=\"%s\"} %ld\n", kind, st.lists);
        ferry_buf_printf(o, "ferry_operator_informer_relists_gone_total{kind=\"%s\"} %ld\n", kind,
                         st.relists_gone);
        ferry_buf_printf(o, "ferry_operator_informer_watches_total{kind=\"%s\"} %ld\n", kind, st.watches);
        ferry_buf_printf(o, "ferry_operator_informer_watch_errors_total{kind=\"%s\"} %ld\n", kind,
                         st.watch_errors);
        ferry_buf_printf(o, "ferry_operator_informer_events_total{kind=\"%s\"} %ld\n", kind, st.events);
        ferry_buf_printf(o, "ferry_operator_informer_bookmarks_total{kind=\"%s\"} %ld\n", kind, st.bookmarks);
}

char *op_metrics_render(op_ctx_t *ctx, size_t *len)
{
        ferry_buf_t o;
        ferry_buf_init(&o);
        op_metrics_t *m = &ctx->m;
        static const char *kinds[2] = {"KafkaConnector", "KafkaConnect"};
        ferry_buf_printf(&o, "# TYPE ferry_operator_reconciles_total counter\n");
        for (int i = 0; i < 2; i++)
                ferry_buf_printf(&o, "ferry_operator_reconciles_total{kind=\"%s\"} %ld\n", kinds[i],
                                 atomic_load(&m->reconciles[i]));
        ferry_buf_printf(&o, "# TYPE ferry_operator_reconcile_errors_total counter\n");
        for (int i = 0; i < 2; i++)
                ferry_buf_printf(&o, "ferry_operator_reconcile_errors_total{kind=\"%s\"} %ld\n", kinds[i],
                                 atomic_load(&m->reconcile_errors[i]));
        ferry_buf_printf(&o, "# TYPE ferry_operator_connect_requests_total counter\n");
        ferry_buf_printf(&o, "ferry_operator_connect_requests_total{call=\"get\"} %ld\n",
                         atomic_load(&m->connect_get));
        ferry_buf_printf(&o, "ferry_operator_connect_requests_total{call=\"create\"} %ld\n",
                         atomic_load(&m->connect_post));
        ferry_buf_printf(&o, "ferry_operator_connect_requests_total{call=\"put_config\"} %ld\n",
                         atomic_load(&m->connect_put_config));
        ferry_buf_printf(&o, "ferry_operator_connect_requests_total{call=\"state\"} %ld\n",
                         atomic_load(&m->connect_put_state));
        ferry_buf_printf(&o, "ferry_operator_connect_requests_total{call=\"restart\"} %ld\n",
                         atomic_load(&m->connect_restart));
        ferry_buf_printf(&o, "ferry_operator_connect_requests_total{call=\"delete\"} %ld\n",
                         atomic_load(&m->connect_delete));
        ferry_buf_printf(&o, "# TYPE ferry_operator_connect_errors_total counter\n");
        ferry_buf_printf(&o, "ferry_operator_connect_errors_total %ld\n", atomic_load(&m->connect_errors));
        ferry_buf_printf(&o, "# TYPE ferry_operator_status_updates_total counter\n");
        ferry_buf_printf(&o, "ferry_operator_status_updates_total %ld\n", atomic_load(&m->status_patches));
        ferry_buf_printf(&o, "# TYPE ferry_operator_auto_restarts_total counter\n");
        ferry_buf_printf(&o, "ferry_operator_auto_restarts_total %ld\n", atomic_load(&m->auto_restarts));
        ferry_buf_printf(&o, "# TYPE ferry_operator_queue_depth gauge\n");
        ferry_buf_printf(&o, "ferry_operator_queue_depth{kind=\"KafkaConnector\"} %zu\n",
                         ctx->connector_q ? kube_queue_len(ctx->connector_q) : 0);
        ferry_buf_printf(&o, "ferry_operator_queue_depth{kind=\"KafkaConnect\"} %zu\n",
                         ctx->connect_q ? kube_queue_len(ctx->connect_q) : 0);
        informer(&o, "KafkaConnector", ctx->connectors);
        informer(&o, "KafkaConnect", ctx->connects);
        informer(&o, "Pod", ctx->pods);
        ferry_buf_printf(&o, "# TYPE ferry_operator_worker_health_checks_total counter\n");
        ferry_buf_printf(&o, "ferry_operator_worker_health_checks_total %ld\n",
                         atomic_load(&m->health_checks));
        ferry_buf_printf(&o, "# TYPE ferry_operator_worker_health_failures_total counter\n");
        ferry_buf_printf(&o, "ferry_operator_worker_health_failures_total %ld\n",
                         atomic_load(&m->health_failures));
        ferry_buf_printf(&o, "# TYPE ferry_operator_worker_restarts_total counter\n");
        ferry_buf_printf(&o, "ferry_operator_worker_restarts_total %ld\n", atomic_load(&m->worker_restarts));
        ferry_buf_printf(&o, "# TYPE ferry_operator_worker_departures_total counter\n");
        ferry_buf_printf(&o, "ferry_operator_worker_departures_total %ld\n",
                         atomic_load(&m->worker_departures));
        ferry_buf_printf(&o, "# TYPE ferry_operator_pods_created_total counter\n");
        ferry_buf_printf(&o, "ferry_operator_pods_created_total %ld\n", atomic_load(&m->pods_created));
        ferry_buf_printf(&o, "# TYPE ferry_operator_pods_deleted_total counter\n");
        ferry_buf_printf(&o, "ferry_operator_pods_deleted_total %ld\n", atomic_load(&m->pods_deleted));
        ferry_buf_printf(&o, "# TYPE ferry_operator_unmanaged_connectors_deleted_total counter\n");
        ferry_buf_printf(&o, "ferry_operator_unmanaged_connectors_deleted_total %ld\n",
                         atomic_load(&m->unmanaged_deleted));
        ferry_buf_printf(&o, "# TYPE ferry_operator_leader gauge\n");
        ferry_buf_printf(&o, "ferry_operator_leader %d\n", atomic_load(&ctx->leading) ? 1 : 0);
        ferry_buf_printf(&o, "# TYPE process_resident_memory_bytes gauge\n");
        ferry_buf_printf(&o, "process_resident_memory_bytes %ld\n", rss_bytes());
        *len = o.len;
        return o.p;
}

bool op_ready(op_ctx_t *ctx)
{
        return ctx->connectors && ctx->connects && ctx->pods && kube_informer_synced(ctx->connectors) &&
               kube_informer_synced(ctx->connects) && kube_informer_synced(ctx->pods);
}
