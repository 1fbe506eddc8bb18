/* The work queue between informer events and reconcilers: keys ("namespace/name") are
 * de-duplicated (a key queued twice is processed once), never handed to two workers at once (a key
 * added while processing is queued again when done), delayed adds wait in a timer list, and each key
 * has its own failure count for exponential backoff, so one failing key never delays the others.
 * Also kube_thread_create, which every operator thread is started with (small stacks). */
#include "kube/kube.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct waiting {
        char *key;
        double ready; /* monotonic seconds */
};

struct kube_queue {
        pthread_mutex_t mu;
        pthread_cond_t cv;
        char **fifo;
        size_t head, len, cap;
        kube_strmap_t *dirty, *processing, *failures;
        struct waiting *wait;
        size_t nwait, capwait;
        double base, max;
        bool shutdown;
};

static char marker; /* value stored in the sets */

double kube_backoff(double base, double max, int failures)
{
        if (failures < 0)
                failures = 0;
        if (failures > 60)
                return max;
        double d = base * pow(2.0, failures);
        return d > max ? max : d;
}

kube_queue_t *kube_queue_new(double base_delay_s, double max_delay_s)
{
        kube_queue_t *q = calloc(1, sizeof(*q));
        if (!q)
                return NULL;
        pthread_mutex_init(&q->mu, NULL);
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&q->cv, &ca);
        pthread_condattr_destroy(&ca);
        q->dirty = kube_strmap_new(NULL);
        q->processing = kube_strmap_new(NULL);
        q->failures = kube_strmap_new(free);
        q->base = base_delay_s;
        q->max = max_delay_s;
        return q;
}

void kube_queue_free(kube_queue_t *q)
{
        if (!q)
                return;
        for (size_t i = 0; i < q->len; i++)
                free(q->fifo[(q->head + i) % q->cap]);
        free(q->fifo);
        for (size_t i = 0; i < q->nwait; i++)
                free(q->wait[i].key);
        free(q->wait);
        kube_strmap_free(q->dirty);
        kube_strmap_free(q->processing);
        kube_strmap_free(q->failures);
        pthread_cond_destroy(&q->cv);
        pthread_mutex_destroy(&q->mu);
        free(q);
}

static void push(kube_queue_t *q, const char *key)
{
        if (q->len == q->cap) {
                size_t cap = q->cap ? q->cap * 2 : 16;
                char **f = malloc(cap * sizeof(*f));
                if (!f)
                        return;
                for (size_t i = 0; i < q->len; i++)
                        f[i] = q->fifo[(q->head + i) % q->cap];
                free(q->fifo);
                q->fifo = f;
                q->cap = cap;
                q->head = 0;
        }
        char *k = strdup(key);
        if (!k)
                return;
        q->fifo[(q->head + q->len) % q->cap] = k;
        q->len++;
}

/* Under the lock. */
static void add_locked(kube_queue_t *q, const char *key)
{
        if (q->shutdown || kube_strmap_has(q->dirty, key))
                return;
        kube_strmap_set(q->dirty, key, &marker);
        if (kube_strmap_has(q->processing, key))
                return; /* queued again by kube_queue_done */
        push(q, key);
        pthread_cond_signal(&q->cv);
}

void kube_queue_add(kube_queue_t *q, const char *key)
{
        pthread_mutex_lock(&q->mu);
        add_locked(q, key);
        pthread_mutex_unlock(&q->mu);
}

void kube_queue_add_after(kube_queue_t *q, const char *key, double delay_s)
{
        if (delay_s <= 0) {
                kube_queue_add(q, key);
                return;
        }
        double ready = kube_monotonic() + delay_s;
        pthread_mutex_lock(&q->mu);
        if (q->shutdown)
                goto out;
        for (size_t i = 0; i < q->nwait; i++) {
                if (!strcmp(q->wait[i].key, key)) {
                        if (ready < q->wait[i].ready) /* the earliest wins */
                                q->wait[i].ready = ready;
                        goto signal;
                }
        }
        if (q->nwait == q->capwait) {
                size_t cap = q->capwait ? q->capwait * 2 : 16;
                struct waiting *w = realloc(q->wait, cap * sizeof(*w));
                if (!w)
                        goto out;
                q->wait = w;
                q->capwait = cap;
        }
        q->wait[q->nwait].key = strdup(key);
        if (!q->wait[q->nwait].key)
                goto out;
        q->wait[q->nwait++].ready = ready;
signal:
        pthread_cond_broadcast(&q->cv); /* a sleeper may need to wake earlier */
out:
        pthread_mutex_unlock(&q->mu);
}

void kube_queue_add_rate_limited(kube_queue_t *q, const char *key)
{
        pthread_mutex_lock(&q->mu);
        int *n = kube_strmap_get(q->failures, key);
        if (!n) {
                n = calloc(1, sizeof(*n));
                if (n)
                        kube_strmap_set(q->failures, key, n);
        }
        double delay = kube_backoff(q->base, q->max, n ? *n : 0);
        if (n)
                (*n)++;
        pthread_mutex_unlock(&q->mu);
        kube_queue_add_after(q, key, delay);
}

void kube_queue_forget(kube_queue_t *q, const char *key)
{
        pthread_mutex_lock(&q->mu);
        kube_strmap_del(q->failures, key);
        pthread_mutex_unlock(&q->mu);
}

int kube_queue_requeues(kube_queue_t *q, const char *key)
{
        pthread_mutex_lock(&q->mu);
        int *n = kube_strmap_get(q->failures, key);
        int r = n ? *n : 0;
        pthread_mutex_unlock(&q->mu);
        return r;
}

/* Moves due timers into the queue; returns the earliest pending ready time (0: none). */
static double promote(kube_queue_t *q, double now)
{
        double next = 0;
        for (size_t i = 0; i < q->nwait;) {
                if (q->wait[i].ready <= now) {
                        add_locked(q, q->wait[i].key);
                        free(q->wait[i].key);
                        q->wait[i] = q->wait[--q->nwait];
                        continue;
                }
                if (!next || q->wait[i].ready < next)
                        next = q->wait[i].ready;
                i++;
        }
        return next;
}

static void abs_time(struct timespec *ts, double t)
{
        ts->tv_sec = (time_t)t;
        ts->tv_nsec = (long)((t - (double)ts->tv_sec) * 1e9);
        if (ts->tv_nsec >= 1000000000L) {
                ts->tv_sec++;
                ts->tv_nsec -= 1000000000L;
        }
}

char *kube_queue_get(kube_queue_t *q, double timeout_s)
{
        double deadline = timeout_s >= 0 ? kube_monotonic() + timeout_s : 0;
        char *key = NULL;
        pthread_mutex_lock(&q->mu);
        for (;;) {
                if (q->shutdown)
                        break;
                double now = kube_monotonic();
                double next = promote(q, now);
                if (q->len) {
                        key = q->fifo[q->head];
                        q->head = (q->head + 1) % q->cap;
                        q->len--;
                        kube_strmap_set(q->processing, key, &marker);
                        kube_strmap_del(q->dirty, key);
                        break;
                }
                if (deadline && now >= deadline)
                        break;
                double until = next;
                if (deadline && (!until || deadline < until))
                        until = deadline;
                if (until) {
                        struct timespec ts;
                        abs_time(&ts, until);
                        pthread_cond_timedwait(&q->cv, &q->mu, &ts);
                } else {
                        pthread_cond_wait(&q->cv, &q->mu);
                }
        }
        pthread_mutex_unlock(&q->mu);
        return key;
}

void kube_queue_done(kube_queue_t *q, const char *key)
{
        pthread_mutex_lock(&q->mu);
        kube_strmap_del(q->processing, key);
        if (kube_strmap_has(q->dirty, key) && !q->shutdown) {
                push(q, key);
                pthread_cond_signal(&q->cv);
        }
        pthread_mutex_unlock(&q->mu);
}

size_t kube_queue_len(kube_queue_t *q)
{
        pthread_mutex_lock(&q->mu);
        size_t n = q->len;
        pthread_mutex_unlock(&q->mu);
        return n;
}

void kube_queue_shutdown(kube_queue_t *q)
{
        pthread_mutex_lock(&q->mu);
        q->shutdown = true;
        pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->mu);
}

int kube_thread_create(pthread_t *t, void *(*fn)(void *), void *arg)
{
        pthread_attr_t a;
        if (pthread_attr_init(&a))
                return -1;
        pthread_attr_setstacksize(&a, KUBE_THREAD_STACK);
        int rc = pthread_create(t, &a, fn, arg);
        pthread_attr_destroy(&a);
        return rc;
}
