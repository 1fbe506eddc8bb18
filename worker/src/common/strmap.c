/* String maps (ferry/strmap.h): insertion-ordered string -> string maps, the shape of every
 * configuration the worker handles (.properties files, REST bodies, the config topic) and of the
 * operator's spec maps. Linear lookups: the maps hold tens of keys. Shared by the worker and the
 * operator; depends on nothing else of the worker. */
#include <ferry/strmap.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- string map ---- */

void ferry_strmap_init(ferry_strmap_t *m)
{
        m->kv = NULL;
        m->n = 0;
        m->cap = 0;
}

void ferry_strmap_clear(ferry_strmap_t *m)
{
        for (size_t i = 0; i < m->n; i++) {
                free(m->kv[i].key);
                free(m->kv[i].value);
        }
        m->n = 0;
}

void ferry_strmap_free(ferry_strmap_t *m)
{
        ferry_strmap_clear(m);
        free(m->kv);
        ferry_strmap_init(m);
}

static char *dupn(const char *s, size_t n)
{
        char *p = malloc(n + 1);

        if (!p)
                return NULL;
        if (n)
                memcpy(p, s, n);
        p[n] = '\0';
        return p;
}

static ferry_kv_t *strmap_findn(const ferry_strmap_t *m, const char *key, size_t klen)
{
        for (size_t i = 0; i < m->n; i++) {
                if (strlen(m->kv[i].key) == klen && memcmp(m->kv[i].key, key, klen) == 0)
                        return &m->kv[i];
        }
        return NULL;
}

/* Replaces the value of an existing key in place (keeping its position), else appends. */
int ferry_strmap_setn(ferry_strmap_t *m, const char *key, size_t klen, const char *value, size_t vlen)
{
        ferry_kv_t *kv;
        char *v;

        if (!m || !key || !value) {
                errno = EINVAL;
                return -1;
        }
        /* Copy first: value may point into the entry it replaces. */
        v = dupn(value, vlen);
        if (!v)
                return -1;
        kv = strmap_findn(m, key, klen);
        if (kv) {
                free(kv->value);
                kv->value = v;
                return 0;
        }
        if (m->n == m->cap) {
                size_t cap = m->cap ? m->cap * 2 : 8;
                ferry_kv_t *nkv = realloc(m->kv, cap * sizeof(*nkv));

                if (!nkv) {
                        free(v);
                        return -1;
                }
                m->kv = nkv;
                m->cap = cap;
        }
        m->kv[m->n].key = dupn(key, klen);
        if (!m->kv[m->n].key) {
                free(v);
                return -1;
        }
        m->kv[m->n].value = v;
        m->n++;
        return 0;
}

int ferry_strmap_set(ferry_strmap_t *m, const char *key, const char *value)
{
        if (!key || !value) {
                errno = EINVAL;
                return -1;
        }
        return ferry_strmap_setn(m, key, strlen(key), value, strlen(value));
}

const char *ferry_strmap_get(const ferry_strmap_t *m, const char *key)
{
        ferry_kv_t *kv;

        if (!m || !key)
                return NULL;
        kv = strmap_findn(m, key, strlen(key));
        return kv ? kv->value : NULL;
}

bool ferry_strmap_unset(ferry_strmap_t *m, const char *key)
{
        ferry_kv_t *kv;
        size_t i;

        if (!m || !key)
                return false;
        kv = strmap_findn(m, key, strlen(key));
        if (!kv)
                return false;
        i = (size_t)(kv - m->kv);
        free(kv->key);
        free(kv->value);
        memmove(&m->kv[i], &m->kv[i + 1], (m->n - i - 1) * sizeof(*m->kv));
        m->n--;
        return true;
}

/* dst must be initialised; its previous contents are replaced by a copy of src. */
int ferry_strmap_copy(ferry_strmap_t *dst, const ferry_strmap_t *src)
{
        if (dst == src)
                return 0;
        ferry_strmap_clear(dst);
        for (size_t i = 0; i < src->n; i++) {
                if (ferry_strmap_set(dst, src->kv[i].key, src->kv[i].value) != 0)
                        return -1;
        }
        return 0;
}

bool ferry_strmap_equal(const ferry_strmap_t *a, const ferry_strmap_t *b)
{
        if (a->n != b->n)
                return false;
        for (size_t i = 0; i < a->n; i++) {
                const char *v = ferry_strmap_get(b, a->kv[i].key);

                if (!v || strcmp(v, a->kv[i].value) != 0)
                        return false;
        }
        return true;
}

/* Merges into dst (existing keys of dst are kept unless overridden). */
int ferry_strmap_sub(ferry_strmap_t *dst, const ferry_strmap_t *src, const char *prefix)
{
        size_t plen = strlen(prefix);

        for (size_t i = 0; i < src->n; i++) {
                const char *k = src->kv[i].key;

                if (strncmp(k, prefix, plen) != 0)
                        continue;
                if (ferry_strmap_set(dst, k + plen, src->kv[i].value) != 0)
                        return -1;
        }
        return 0;
}
