/* REST resource GET /metrics: the worker's figures in Prometheus text format (version 0.0.4). Per
 * connector and task: status, source records polled and written, sink records read and sent,
 * transform drops, offset commits (successes, failures, time), put batches and time, record
 * errors and dead-letter records; per worker: connectors, tasks and rebalances. Counters come from
 * the task runners (worker.h ferry_task_metrics_t); rates are Prometheus' rate() of the totals. */
#include "rest/api.h"

#include <stdio.h>
#include <string.h>

typedef struct {
        const char *name;
        const char *help;
        size_t offset; /* of the counter in ferry_task_metrics_t */
        double scale;  /* microseconds -> seconds for time counters, else 1 */
} counter_t;

#define COUNTER(n, h, f, s)                                                                                  \
        {                                                                                                    \
                n, h, offsetof(ferry_task_metrics_t, f), s                                                   \
        }

static const counter_t counters[] = {
        COUNTER("ferry_source_record_poll_total", "Records returned by the source task's poll().",
                poll_records, 1),
        COUNTER("ferry_source_record_write_total", "Source records Kafka acknowledged.", write_records, 1),
        COUNTER("ferry_sink_record_read_total", "Records the sink task consumed from Kafka.", read_records,
                1),
        COUNTER("ferry_sink_record_send_total", "Records handed to the sink task's put().", send_records, 1),
        COUNTER("ferry_task_record_filtered_total", "Records dropped by transformations.", filtered, 1),
        COUNTER("ferry_offset_commit_success_total", "Successful offset commits.", commit_success, 1),
        COUNTER("ferry_offset_commit_failure_total", "Failed offset commits.", commit_failure, 1),
        COUNTER("ferry_offset_commit_seconds_total", "Time spent committing offsets.", commit_us, 1e-6),
        COUNTER("ferry_sink_put_batches_total", "Calls of the sink task's put().", put_batches, 1),
        COUNTER("ferry_sink_put_batch_seconds_total", "Time spent in the sink task's put().", put_us, 1e-6),
        COUNTER("ferry_task_record_errors_total", "Records that failed in a stage (tolerated or not).",
                errors, 1),
        COUNTER("ferry_deadletterqueue_produce_total", "Records sent to the dead letter queue.", dlq_records,
                1),
};

static void label_value(ferry_buf_t *b, const char *s)
{
        for (; *s; s++) {
                if (*s == '\\' || *s == '"')
                        ferry_buf_putc(b, '\\');
                if (*s == '\n')
                        ferry_buf_puts(b, "\\n");
                else
                        ferry_buf_putc(b, *s);
        }
}

static void task_labels(ferry_buf_t *b, const ferry_task_t *t)
{
        ferry_buf_puts(b, "{connector=\"");
        label_value(b, t->connector);
        ferry_buf_printf(b, "\",task=\"%d\"}", t->id);
}

static void metrics(ferry_rest_call_t *c)
{
        ferry_worker_t *w = c->w;
        ferry_buf_t b;
        ferry_buf_init(&b);
        pthread_mutex_lock(&w->lock);
        size_t n_tasks = 0;
        for (size_t i = 0; i < w->n_conns; i++)
                n_tasks += (size_t)w->conns[i]->n_tasks;
        ferry_buf_printf(
                &b,
                "# HELP ferry_worker_connector_count Connectors with an instance or tasks on this worker.\n"
                "# TYPE ferry_worker_connector_count gauge\nferry_worker_connector_count %zu\n"
                "# HELP ferry_worker_task_count Tasks on this worker.\n"
                "# TYPE ferry_worker_task_count gauge\nferry_worker_task_count %zu\n"
                "# HELP ferry_worker_rebalance_total Assignments this worker applied.\n"
                "# TYPE ferry_worker_rebalance_total counter\nferry_worker_rebalance_total %llu\n",
                w->n_conns, n_tasks, (unsigned long long)atomic_load(&w->rebalances));
        ferry_buf_puts(&b, "# HELP ferry_connector_status 1 for the connector's state on this worker.\n"
                           "# TYPE ferry_connector_status gauge\n");
        for (size_t i = 0; i < w->n_conns; i++) {
                ferry_buf_puts(&b, "ferry_connector_status{connector=\"");
                label_value(&b, w->conns[i]->name);
                ferry_buf_printf(&b, "\",state=\"%s\"} 1\n", ferry_state_name(w->conns[i]->state));
        }
        ferry_buf_puts(&b,
                       "# HELP ferry_task_status 1 for the task's state.\n# TYPE ferry_task_status gauge\n");
        for (size_t i = 0; i < w->n_conns; i++) {
                for (int k = 0; k < w->conns[i]->n_tasks; k++) {
                        ferry_task_t *t = w->conns[i]->tasks[k];
                        pthread_mutex_lock(&t->lock);
                        ferry_state_t st = t->state;
                        pthread_mutex_unlock(&t->lock);
                        ferry_buf_printf(&b, "ferry_task_status{connector=\"");
                        label_value(&b, t->connector);
                        ferry_buf_printf(&b, "\",task=\"%d\",state=\"%s\"} 1\n", t->id, ferry_state_name(st));
                }
        }
        for (size_t m = 0; m < sizeof(counters) / sizeof(counters[0]); m++) {
                const counter_t *ct = &counters[m];
                ferry_buf_printf(&b, "# HELP %s %s\n# TYPE %s counter\n", ct->name, ct->help, ct->name);
                for (size_t i = 0; i < w->n_conns; i++) {
                        for (int k = 0; k < w->conns[i]->n_tasks; k++) {
                                ferry_task_t *t = w->conns[i]->tasks[k];
                                const atomic_uint_fast64_t *v =
                                        (const atomic_uint_fast64_t *)((const char *)&t->metrics +
                                                                       ct->offset);
                                uint64_t x = atomic_load(v);
                                ferry_buf_puts(&b, ct->name);
                                task_labels(&b, t);
                                if (ct->scale != 1)
                                        ferry_buf_printf(&b, " %.6f\n", (double)x * ct->scale);
                                else
                                        ferry_buf_printf(&b, " %llu\n", (unsigned long long)x);
                        }
                }
        }
        pthread_mutex_unlock(&w->lock);
        ferry_rest_reply_text(c, 200, &b, "text/plain; version=0.0.4; charset=utf-8");
}

const ferry_rest_route_t ferry_rest_metrics_routes[] = {
        {"GET", "/metrics", metrics, FERRY_ROUTE_ANY_TYPE},
        {NULL, NULL, NULL, 0},
};
