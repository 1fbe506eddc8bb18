/* The size of a KafkaConnect for its reconciler (cluster.h): spec.replicas, or with
 * spec.autoscaling ceil(total tasks / tasksPerWorker) within [minReplicas, maxReplicas], the task
 * count coming from GET /connectors?expand=status on a ready worker. Scaling up is immediate;
 * scaling down waits until fewer workers were enough for scaleDownDelaySeconds without a break
 * (kept in ctx->scale_down, in memory). */
#include "cluster.h"

#include <ferry/log.h>

#include <stdlib.h>

long cl_count_tasks(op_ctx_t *ctx, const char *base, json_object **names)
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

void cl_forget_scale_down(op_ctx_t *ctx, const char *key)
{
        pthread_mutex_lock(&ctx->health_mu);
        kube_strmap_del(ctx->scale_down, key);
        pthread_mutex_unlock(&ctx->health_mu);
}

/* Autoscaling scales down only once it has wanted fewer than the live workers for delay_s without
 * a break (task counts dip while connectors restart or rebalance); it scales up at once. Returns
 * the size to run now. */
static int hold_scale_down(op_ctx_t *ctx, const char *key, int desired, int live, double delay_s,
                           struct cluster_state *st)
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
        cl_soon(st, left);
        return live;
}

int cl_desired(op_ctx_t *ctx, const char *key, const op_connect_spec_t *s, int live, long tasks,
               struct cluster_state *st)
{
        int desired = s->replicas;
        if (s->autoscaling) {
                int lo = s->min_replicas, hi = s->max_replicas, per = s->tasks_per_worker;
                if (tasks >= 0)
                        desired = (int)((tasks + per - 1) / per);
                else
                        desired = live; /* unknown load: keep the current size */
                desired = desired < lo ? lo : desired > hi ? hi : desired;
                desired = hold_scale_down(ctx, key, desired, live, s->scale_down_delay_s, st);
        } else {
                hold_scale_down(ctx, key, desired, desired, 0, st); /* forget a pending scale-down */
        }
        if (desired < 0)
                desired = 0;
        if (desired > MAX_PODS)
                desired = MAX_PODS;
        return desired;
}
