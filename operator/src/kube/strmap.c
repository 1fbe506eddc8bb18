/* A string-keyed hash map with chaining: the informer's cache (namespace/name -> object) and the
 * work queue's sets and per-key counters are built on it. Not thread-safe; owners lock. */
#include "kube/kube.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct entry {
        struct entry *next;
        uint64_t hash;
        void *value;
        char key[];
};

struct kube_strmap {
        struct entry **buckets;
        size_t nbuckets, len;
        void (*free_value)(void *);
};

static uint64_t hash_str(const char *s)
{
        uint64_t h = 1469598103934665603ULL; /* FNV-1a */
        for (; *s; s++) {
                h ^= (unsigned char)*s;
                h *= 1099511628211ULL;
        }
        return h;
}

kube_strmap_t *kube_strmap_new(void (*free_value)(void *))
{
        kube_strmap_t *m = calloc(1, sizeof(*m));
        if (!m)
                return NULL;
        m->nbuckets = 16;
        m->buckets = calloc(m->nbuckets, sizeof(*m->buckets));
        if (!m->buckets) {
                free(m);
                return NULL;
        }
        m->free_value = free_value;
        return m;
}

void kube_strmap_free(kube_strmap_t *m)
{
        if (!m)
                return;
        for (size_t i = 0; i < m->nbuckets; i++) {
                struct entry *e = m->buckets[i];
                while (e) {
                        struct entry *next = e->next;
                        if (m->free_value && e->value)
                                m->free_value(e->value);
                        free(e);
                        e = next;
                }
        }
        free(m->buckets);
        free(m);
}

static struct entry **find(const kube_strmap_t *m, const char *key, uint64_t h)
{
        struct entry **p = &m->buckets[h & (m->nbuckets - 1)];
        while (*p && ((*p)->hash != h || strcmp((*p)->key, key)))
                p = &(*p)->next;
        return p;
}

static void grow(kube_strmap_t *m)
{
        size_t n = m->nbuckets * 2;
        struct entry **b = calloc(n, sizeof(*b));
        if (!b)
                return; /* keep the longer chains */
        for (size_t i = 0; i < m->nbuckets; i++) {
                struct entry *e = m->buckets[i];
                while (e) {
                        struct entry *next = e->next;
                        e->next = b[e->hash & (n - 1)];
                        b[e->hash & (n - 1)] = e;
                        e = next;
                }
        }
        free(m->buckets);
        m->buckets = b;
        m->nbuckets = n;
}

int kube_strmap_set(kube_strmap_t *m, const char *key, void *value)
{
        uint64_t h = hash_str(key);
        struct entry **p = find(m, key, h);
        if (*p) {
                if (m->free_value && (*p)->value && (*p)->value != value)
                        m->free_value((*p)->value);
                (*p)->value = value;
                return 0;
        }
        size_t klen = strlen(key);
        struct entry *e = malloc(sizeof(*e) + klen + 1);
        if (!e)
                return -1;
        memcpy(e->key, key, klen + 1);
        e->hash = h;
        e->value = value;
        e->next = NULL;
        *p = e;
        if (++m->len > m->nbuckets)
                grow(m);
        return 0;
}

void *kube_strmap_get(const kube_strmap_t *m, const char *key)
{
        struct entry **p = find(m, key, hash_str(key));
        return *p ? (*p)->value : NULL;
}

bool kube_strmap_has(const kube_strmap_t *m, const char *key)
{
        return *find(m, key, hash_str(key)) != NULL;
}

void *kube_strmap_take(kube_strmap_t *m, const char *key)
{
        struct entry **p = find(m, key, hash_str(key));
        if (!*p)
                return NULL;
        struct entry *e = *p;
        void *v = e->value;
        *p = e->next;
        free(e);
        m->len--;
        return v;
}

void kube_strmap_del(kube_strmap_t *m, const char *key)
{
        void *v = kube_strmap_take(m, key);
        if (v && m->free_value)
                m->free_value(v);
}

size_t kube_strmap_len(const kube_strmap_t *m)
{
        return m->len;
}

void kube_strmap_foreach(const kube_strmap_t *m, void (*fn)(void *data, const char *key, void *value),
                         void *data)
{
        for (size_t i = 0; i < m->nbuckets; i++)
                for (struct entry *e = m->buckets[i]; e; e = e->next)
                        fn(data, e->key, e->value);
}
