/* Unit tests for operator/src/kube/queue.c and strmap.c: de-duplication, one worker per key,
 * delayed and rate-limited adds with exponential backoff per key, shutdown. */
#include "kube/kube.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

Test(backoff, exponential_capped)
{
        cr_assert_float_eq(kube_backoff(0.005, 1000, 0), 0.005, 1e-9);
        cr_assert_float_eq(kube_backoff(0.005, 1000, 1), 0.010, 1e-9);
        cr_assert_float_eq(kube_backoff(0.005, 1000, 4), 0.080, 1e-9);
        cr_assert_float_eq(kube_backoff(1, 30, 10), 30, 1e-9);
        cr_assert_float_eq(kube_backoff(1, 30, 1000), 30, 1e-9);
        cr_assert_float_eq(kube_backoff(1, 30, -3), 1, 1e-9);
}

Test(queue, dedup_and_fifo)
{
        kube_queue_t *q = kube_queue_new(0.01, 1);
        kube_queue_add(q, "ns/a");
        kube_queue_add(q, "ns/b");
        kube_queue_add(q, "ns/a");
        cr_assert_eq(kube_queue_len(q), 2);
        char *k = kube_queue_get(q, 0);
        cr_assert_str_eq(k, "ns/a");
        /* Added while processing: not handed out again until done. */
        kube_queue_add(q, "ns/a");
        char *k2 = kube_queue_get(q, 0);
        cr_assert_str_eq(k2, "ns/b");
        cr_assert_null(kube_queue_get(q, 0.01));
        kube_queue_done(q, k);
        char *k3 = kube_queue_get(q, 0);
        cr_assert_str_eq(k3, "ns/a");
        kube_queue_done(q, k2);
        kube_queue_done(q, k3);
        cr_assert_null(kube_queue_get(q, 0.01));
        free(k);
        free(k2);
        free(k3);
        kube_queue_free(q);
}

Test(queue, add_after_waits_and_keeps_earliest)
{
        kube_queue_t *q = kube_queue_new(0.01, 1);
        double t0 = kube_monotonic();
        kube_queue_add_after(q, "x", 5);
        kube_queue_add_after(q, "x", 0.1);
        cr_assert_null(kube_queue_get(q, 0.02));
        char *k = kube_queue_get(q, 2);
        double dt = kube_monotonic() - t0;
        cr_assert_str_eq(k, "x");
        cr_assert(dt >= 0.09 && dt < 1.0, "took %f s", dt);
        kube_queue_done(q, k);
        free(k);
        /* The 5 s timer was merged into the 0.1 s one: nothing else comes. */
        cr_assert_null(kube_queue_get(q, 0.2));
        kube_queue_free(q);
}

Test(queue, rate_limited_per_key_backoff)
{
        kube_queue_t *q = kube_queue_new(0.05, 0.4);
        for (int i = 0; i < 4; i++) {
                double t0 = kube_monotonic();
                kube_queue_add_rate_limited(q, "bad");
                char *k = kube_queue_get(q, 5);
                double dt = kube_monotonic() - t0;
                double want = kube_backoff(0.05, 0.4, i);
                cr_assert(dt >= want * 0.9 && dt < want + 0.3, "retry %d took %f s, want %f", i, dt, want);
                kube_queue_done(q, k);
                free(k);
        }
        cr_assert_eq(kube_queue_requeues(q, "bad"), 4);
        /* Another key is not slowed by "bad". */
        double t0 = kube_monotonic();
        kube_queue_add_rate_limited(q, "good");
        char *k = kube_queue_get(q, 5);
        cr_assert_str_eq(k, "good");
        cr_assert(kube_monotonic() - t0 < 0.3);
        kube_queue_done(q, k);
        free(k);
        kube_queue_forget(q, "bad");
        cr_assert_eq(kube_queue_requeues(q, "bad"), 0);
        kube_queue_free(q);
}

static void *getter(void *arg)
{
        return kube_queue_get(arg, -1);
}

Test(queue, shutdown_wakes_getters)
{
        kube_queue_t *q = kube_queue_new(0.01, 1);
        pthread_t t;
        pthread_create(&t, NULL, getter, q);
        kube_queue_shutdown(q);
        void *r;
        pthread_join(t, &r);
        cr_assert_null(r);
        kube_queue_add(q, "late");
        cr_assert_null(kube_queue_get(q, 0));
        kube_queue_free(q);
}

struct worker_arg {
        kube_queue_t *q;
        atomic_int *inflight_a, *max_inflight_a, *processed;
};

static void *worker(void *p)
{
        struct worker_arg *w = p;
        char *k;
        while ((k = kube_queue_get(w->q, 0.3))) {
                if (!strcmp(k, "a")) {
                        int n = atomic_fetch_add(w->inflight_a, 1) + 1;
                        int m = atomic_load(w->max_inflight_a);
                        while (n > m && !atomic_compare_exchange_weak(w->max_inflight_a, &m, n))
                                ;
                        struct timespec ts = {0, 2000000};
                        nanosleep(&ts, NULL);
                        atomic_fetch_sub(w->inflight_a, 1);
                }
                atomic_fetch_add(w->processed, 1);
                kube_queue_done(w->q, k);
                free(k);
        }
        return NULL;
}

Test(queue, one_worker_per_key)
{
        kube_queue_t *q = kube_queue_new(0.01, 1);
        atomic_int inflight = 0, maxin = 0, processed = 0;
        struct worker_arg a = {q, &inflight, &maxin, &processed};
        pthread_t t[4];
        for (int i = 0; i < 4; i++)
                pthread_create(&t[i], NULL, worker, &a);
        for (int i = 0; i < 200; i++) {
                kube_queue_add(q, "a");
                kube_queue_add(q, i % 2 ? "b" : "c");
                struct timespec ts = {0, 200000};
                nanosleep(&ts, NULL);
        }
        for (int i = 0; i < 4; i++)
                pthread_join(t[i], NULL);
        cr_assert_eq(atomic_load(&maxin), 1);
        cr_assert(atomic_load(&processed) > 3);
        kube_queue_free(q);
}

Test(strmap, set_get_take_grow)
{
        kube_strmap_t *m = kube_strmap_new(free);
        char key[32];
        for (int i = 0; i < 1000; i++) {
                snprintf(key, sizeof(key), "ns/obj-%d", i);
                int *v = malloc(sizeof(*v));
                *v = i;
                kube_strmap_set(m, key, v);
        }
        cr_assert_eq(kube_strmap_len(m), 1000);
        cr_assert_eq(*(int *)kube_strmap_get(m, "ns/obj-777"), 777);
        int *v = kube_strmap_take(m, "ns/obj-5");
        cr_assert_eq(*v, 5);
        free(v);
        cr_assert(!kube_strmap_has(m, "ns/obj-5"));
        kube_strmap_del(m, "ns/obj-6");
        cr_assert_eq(kube_strmap_len(m), 998);
        int *nv = malloc(sizeof(*nv));
        *nv = -1;
        kube_strmap_set(m, "ns/obj-7", nv); /* replaces and frees the old value */
        cr_assert_eq(*(int *)kube_strmap_get(m, "ns/obj-7"), -1);
        kube_strmap_free(m);
}

Test(path, gvr_paths)
{
        char buf[256];
        kube_gvr_t pods = {"", "v1", "pods"}, kc = {"connect.ferry.dev", "v1alpha1", "kafkaconnectors"};
        kube_path(buf, sizeof(buf), &pods, "default", "p", "status", NULL);
        cr_assert_str_eq(buf, "/api/v1/namespaces/default/pods/p/status");
        kube_path(buf, sizeof(buf), &kc, NULL, NULL, NULL, "watch=1");
        cr_assert_str_eq(buf, "/apis/connect.ferry.dev/v1alpha1/kafkaconnectors?watch=1");
        cr_assert_neq(kube_path(buf, 10, &kc, NULL, NULL, NULL, NULL), 0);
        cr_assert_float_eq(kube_parse_time("1970-01-01T00:01:00.500000Z"), 60.5, 1e-6);
}
