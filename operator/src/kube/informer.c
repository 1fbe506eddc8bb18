/* An informer keeps an in-memory copy of one resource type (optionally one namespace and label
 * selector) in sync with the API server and tells its handlers what changed: it lists (in pages),
 * then watches from the list's resourceVersion with bookmarks; a 410 Gone relists and diffs the
 * cache against the fresh list; dropped connections rewatch with exponential backoff; every
 * resync period each cached object is handed to on_update again so reconcilers catch drift. It runs
 * on its own thread; handlers are called on that thread, never under the cache lock. */
#include "kube/kube.h"

#include <ferry/log.h>

#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct kube_informer {
        kube_client_t *c;
        kube_gvr_t gvr;
        char *group, *version, *resource, *ns, *selector;
        int resync_s, watch_timeout_s;
        kube_handlers_t h;
        pthread_t thread;
        bool started;
        atomic_bool stop, synced;
        pthread_mutex_t mu; /* cache, rv, stats */
        pthread_cond_t cv;  /* wakes backoff sleeps on stop */
        kube_strmap_t *cache;
        char rv[64];
        double next_resync;
        kube_informer_stats_t st;
};

static void put_obj(void *v)
{
        json_object_put(v);
}

kube_informer_t *kube_informer_new(kube_client_t *c, const kube_gvr_t *gvr, const char *ns,
                                   const char *label_selector, int resync_s, const kube_handlers_t *h)
{
        kube_informer_t *inf = calloc(1, sizeof(*inf));
        if (!inf)
                return NULL;
        inf->c = c;
        inf->group = strdup(gvr->group ? gvr->group : "");
        inf->version = strdup(gvr->version);
        inf->resource = strdup(gvr->resource);
        inf->gvr = (kube_gvr_t){inf->group, inf->version, inf->resource};
        inf->ns = ns && *ns ? strdup(ns) : NULL;
        inf->selector = label_selector && *label_selector ? strdup(label_selector) : NULL;
        inf->resync_s = resync_s;
        inf->watch_timeout_s = 300;
        if (h)
                inf->h = *h;
        inf->cache = kube_strmap_new(put_obj);
        pthread_mutex_init(&inf->mu, NULL);
        pthread_cond_init(&inf->cv, NULL);
        return inf;
}

void kube_informer_set_watch_timeout(kube_informer_t *inf, int seconds)
{
        inf->watch_timeout_s = seconds;
}

void kube_informer_set_initial_rv(kube_informer_t *inf, const char *rv)
{
        snprintf(inf->rv, sizeof(inf->rv), "%s", rv);
}

/* Query-string escaping for label selectors (=, !, commas, spaces). */
static void escape(char *out, size_t len, const char *in)
{
        static const char hex[] = "0123456789ABCDEF";
        size_t n = 0;
        for (; *in && n + 4 < len; in++) {
                unsigned char ch = (unsigned char)*in;
                if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                    ch == '-' || ch == '.' || ch == '_' || ch == '/') {
                        out[n++] = (char)ch;
                } else {
                        out[n++] = '%';
                        out[n++] = hex[ch >> 4];
                        out[n++] = hex[ch & 15];
                }
        }
        out[n] = '\0';
}

static void sleep_interruptible(kube_informer_t *inf, double s)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        double t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + s;
        ts.tv_sec = (time_t)t;
        ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
        pthread_mutex_lock(&inf->mu);
        if (!atomic_load(&inf->stop))
                pthread_cond_timedwait(&inf->cv, &inf->mu, &ts);
        pthread_mutex_unlock(&inf->mu);
}

/* Stores obj under its key and calls on_add/on_update. Takes a reference to obj. */
static void upsert(kube_informer_t *inf, json_object *obj)
{
        char key[512];
        if (kube_object_key(obj, key, sizeof(key)))
                return;
        json_object_get(obj);
        pthread_mutex_lock(&inf->mu);
        json_object *old = kube_strmap_take(inf->cache, key);
        kube_strmap_set(inf->cache, key, obj);
        json_object_get(obj); /* for the handler call below */
        pthread_mutex_unlock(&inf->mu);
        if (old) {
                const char *orv = kube_str(old, "metadata.resourceVersion"),
                           *nrv = kube_str(obj, "metadata.resourceVersion");
                if (inf->h.on_update && !(orv && nrv && !strcmp(orv, nrv)))
                        inf->h.on_update(inf->h.data, old, obj);
                json_object_put(old);
        } else if (inf->h.on_add) {
                inf->h.on_add(inf->h.data, obj);
        }
        json_object_put(obj);
}

static void remove_key(kube_informer_t *inf, const char *key, json_object *last)
{
        pthread_mutex_lock(&inf->mu);
        json_object *old = kube_strmap_take(inf->cache, key);
        pthread_mutex_unlock(&inf->mu);
        if (inf->h.on_delete && (last || old))
                inf->h.on_delete(inf->h.data, last ? last : old);
        if (old)
                json_object_put(old);
}

struct stale {
        kube_strmap_t *seen;
        char **keys;
        size_t n, cap;
};

static void collect_stale(void *data, const char *key, void *value)
{
        struct stale *s = data;
        if (kube_strmap_has(s->seen, key))
                return;
        if (s->n == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 16;
                char **k = realloc(s->keys, cap * sizeof(*k));
                if (!k)
                        return;
                s->keys = k;
                s->cap = cap;
        }
        s->keys[s->n] = strdup(key);
        if (s->keys[s->n])
                s->n++;
}

static char marker;

/* Lists everything (pages of 500), replaces the cache and notifies. 0 on success. */
static int do_list(kube_informer_t *inf)
{
        char sel[512] = "", path[8192], query[4096], cont[1024] = "";
        if (inf->selector)
                escape(sel, sizeof(sel), inf->selector);
        json_object *items = json_object_new_array();
        char rv[64] = "";
        for (;;) {
                char econt[3072];
                escape(econt, sizeof(econt), cont);
                snprintf(query, sizeof(query), "limit=500%s%s%s%s", sel[0] ? "&labelSelector=" : "", sel,
                         cont[0] ? "&continue=" : "", econt);
                kube_path(path, sizeof(path), &inf->gvr, inf->ns, NULL, NULL, query);
                kube_result_t res;
                if (kube_request(inf->c, "GET", path, NULL, NULL, &res) || res.status != 200) {
                        FERRY_WARN("informer %s: list failed: %s", inf->resource, res.err);
                        kube_result_clear(&res);
                        json_object_put(items);
                        return -1;
                }
                json_object *arr = kube_get(res.body, "items");
                for (size_t i = 0; arr && i < json_object_array_length(arr); i++)
                        json_object_array_add(items, json_object_get(json_object_array_get_idx(arr, i)));
                const char *r = kube_str(res.body, "metadata.resourceVersion");
                snprintf(rv, sizeof(rv), "%s", r ? r : "");
                const char *c = kube_str(res.body, "metadata.continue");
                snprintf(cont, sizeof(cont), "%s", c ? c : "");
                kube_result_clear(&res);
                if (!cont[0])
                        break;
        }
        /* Every listed item is an add/update; cached keys absent from the list are deletes. */
        kube_strmap_t *seen = kube_strmap_new(NULL);
        for (size_t i = 0; i < json_object_array_length(items); i++) {
                json_object *o = json_object_array_get_idx(items, i);
                char key[512];
                if (!kube_object_key(o, key, sizeof(key)))
                        kube_strmap_set(seen, key, &marker);
                upsert(inf, o);
        }
        struct stale s = {.seen = seen};
        pthread_mutex_lock(&inf->mu);
        kube_strmap_foreach(inf->cache, collect_stale, &s);
        snprintf(inf->rv, sizeof(inf->rv), "%s", rv);
        inf->st.lists++;
        pthread_mutex_unlock(&inf->mu);
        for (size_t i = 0; i < s.n; i++) {
                remove_key(inf, s.keys[i], NULL);
                free(s.keys[i]);
        }
        free(s.keys);
        kube_strmap_free(seen);
        json_object_put(items);
        atomic_store(&inf->synced, true);
        return 0;
}

/* Copies, not references: json-c reference counts are not atomic, so objects never cross threads. */
static void collect_all(void *data, const char *key, void *value)
{
        json_object *copy = NULL;
        if (!json_object_deep_copy(value, &copy, NULL))
                json_object_array_add(data, copy);
}

static void maybe_resync(kube_informer_t *inf)
{
        if (inf->resync_s <= 0 || kube_monotonic() < inf->next_resync)
                return;
        inf->next_resync = kube_monotonic() + inf->resync_s;
        json_object *all = kube_informer_list(inf);
        pthread_mutex_lock(&inf->mu);
        inf->st.resyncs++;
        pthread_mutex_unlock(&inf->mu);
        for (size_t i = 0; inf->h.on_update && i < json_object_array_length(all); i++) {
                json_object *o = json_object_array_get_idx(all, i);
                inf->h.on_update(inf->h.data, o, o);
        }
        json_object_put(all);
        /* The copies were MBs of small json-c allocations interleaved with longer-lived ones: give
         * the freed pages back, or they stay resident until the next resync reuses them. */
        malloc_trim(0);
}

static int on_event(void *data, const char *type, json_object *obj)
{
        kube_informer_t *inf = data;
        const char *rv = kube_str(obj, "metadata.resourceVersion");
        pthread_mutex_lock(&inf->mu);
        inf->st.events++;
        if (!strcmp(type, "BOOKMARK"))
                inf->st.bookmarks++;
        if (rv)
                snprintf(inf->rv, sizeof(inf->rv), "%s", rv);
        pthread_mutex_unlock(&inf->mu);
        if (!strcmp(type, "ADDED") || !strcmp(type, "MODIFIED")) {
                upsert(inf, obj);
        } else if (!strcmp(type, "DELETED")) {
                char key[512];
                if (!kube_object_key(obj, key, sizeof(key)))
                        remove_key(inf, key, obj);
        }
        maybe_resync(inf);
        return atomic_load(&inf->stop) ? 1 : 0;
}

static int on_progress(void *data)
{
        kube_informer_t *inf = data;
        maybe_resync(inf);
        return atomic_load(&inf->stop) ? 1 : 0;
}

static void *run(void *arg)
{
        kube_informer_t *inf = arg;
        bool need_list = !inf->rv[0]; /* a preset resourceVersion (tests) watches first */
        int failures = 0;
        inf->next_resync = kube_monotonic() + inf->resync_s;
        while (!atomic_load(&inf->stop)) {
                if (need_list) {
                        if (do_list(inf)) {
                                sleep_interruptible(inf, kube_backoff(0.2, 30, failures++));
                                continue;
                        }
                        need_list = false;
                        failures = 0;
                }
                char sel[512] = "", path[4096], query[2048], rv[64];
                if (inf->selector)
                        escape(sel, sizeof(sel), inf->selector);
                pthread_mutex_lock(&inf->mu);
                snprintf(rv, sizeof(rv), "%s", inf->rv);
                inf->st.watches++;
                pthread_mutex_unlock(&inf->mu);
                snprintf(query, sizeof(query),
                         "watch=1&allowWatchBookmarks=true&resourceVersion=%s&timeoutSeconds=%d%s%s", rv,
                         inf->watch_timeout_s, sel[0] ? "&labelSelector=" : "", sel);
                kube_path(path, sizeof(path), &inf->gvr, inf->ns, NULL, NULL, query);
                char err[512] = "";
                int rc = kube_watch(inf->c, path, on_event, on_progress, inf, &inf->stop, err, sizeof(err));
                if (atomic_load(&inf->stop))
                        break;
                if (rc == 410) {
                        pthread_mutex_lock(&inf->mu);
                        inf->st.relists_gone++;
                        pthread_mutex_unlock(&inf->mu);
                        need_list = true;
                        continue;
                }
                if (rc != 0) {
                        pthread_mutex_lock(&inf->mu);
                        inf->st.watch_errors++;
                        pthread_mutex_unlock(&inf->mu);
                        FERRY_WARN("informer %s: %s", inf->resource, err);
                        sleep_interruptible(inf, kube_backoff(0.2, 30, failures++));
                        if (failures > 8) /* a long outage: the cache may be far behind */
                                need_list = true;
                        continue;
                }
                failures = 0;
        }
        return NULL;
}

int kube_informer_start(kube_informer_t *inf)
{
        if (kube_thread_create(&inf->thread, run, inf))
                return -1;
        inf->started = true;
        return 0;
}

void kube_informer_stop(kube_informer_t *inf)
{
        if (!inf || !inf->started)
                return;
        pthread_mutex_lock(&inf->mu);
        atomic_store(&inf->stop, true);
        pthread_cond_broadcast(&inf->cv);
        pthread_mutex_unlock(&inf->mu);
        pthread_join(inf->thread, NULL);
        inf->started = false;
}

void kube_informer_free(kube_informer_t *inf)
{
        if (!inf)
                return;
        kube_informer_stop(inf);
        kube_strmap_free(inf->cache);
        pthread_mutex_destroy(&inf->mu);
        pthread_cond_destroy(&inf->cv);
        free(inf->group);
        free(inf->version);
        free(inf->resource);
        free(inf->ns);
        free(inf->selector);
        free(inf);
}

bool kube_informer_synced(kube_informer_t *inf)
{
        return atomic_load(&inf->synced);
}

json_object *kube_informer_get(kube_informer_t *inf, const char *key)
{
        pthread_mutex_lock(&inf->mu);
        json_object *o = kube_strmap_get(inf->cache, key), *copy = NULL;
        if (o && json_object_deep_copy(o, &copy, NULL))
                copy = NULL;
        pthread_mutex_unlock(&inf->mu);
        return copy;
}

json_object *kube_informer_list(kube_informer_t *inf)
{
        json_object *arr = json_object_new_array();
        pthread_mutex_lock(&inf->mu);
        kube_strmap_foreach(inf->cache, collect_all, arr);
        pthread_mutex_unlock(&inf->mu);
        return arr;
}

size_t kube_informer_len(kube_informer_t *inf)
{
        pthread_mutex_lock(&inf->mu);
        size_t n = kube_strmap_len(inf->cache);
        pthread_mutex_unlock(&inf->mu);
        return n;
}

void kube_informer_get_stats(kube_informer_t *inf, kube_informer_stats_t *st)
{
        pthread_mutex_lock(&inf->mu);
        *st = inf->st;
        pthread_mutex_unlock(&inf->mu);
}
