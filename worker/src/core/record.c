/* Records (record.h): what a source task produces and a sink task receives. The runtime moves them
 * through the transform chain and the converters; batches hold the records of one poll or put. */
#include <ferry/record.h>

#include "core/alloc_cache.h"

#include <stdlib.h>
#include <string.h>

/* Header keys come from the thread's block cache, as the records and values do. */
static char *xstrdup(const char *s)
{
        if (!s)
                return NULL;
        size_t n = strlen(s) + 1;
        char *p = ferry_cache_alloc(n);
        if (p)
                memcpy(p, s, n);
        return p;
}

ferry_record_t *ferry_record_new(const char *topic, ferry_schema_t *key_schema, ferry_value_t *key,
                                 ferry_schema_t *value_schema, ferry_value_t *value)
{
        /* The topic lives in the record's own allocation (one malloc per record on the hot path);
         * ferry_record_set_topic() may later point it elsewhere. */
        size_t tlen = topic ? strlen(topic) + 1 : 0;
        ferry_record_t *r = ferry_cache_calloc(sizeof(*r) + tlen);
        if (r && topic) {
                r->topic = (char *)(r + 1);
                memcpy(r->topic, topic, tlen);
        }
        if (!r) {
                ferry_schema_unref(key_schema);
                ferry_value_free(key);
                ferry_schema_unref(value_schema);
                ferry_value_free(value);
                return NULL;
        }
        r->partition = -1;
        r->key_schema = key_schema;
        r->key = key;
        r->value_schema = value_schema;
        r->value = value;
        r->timestamp = -1;
        r->kafka_offset = -1;
        return r;
}

int ferry_record_add_header(ferry_record_t *r, const char *key, ferry_schema_t *schema, ferry_value_t *value)
{
        char *k = key ? xstrdup(key) : NULL;
        if (!r || !k)
                goto fail;
        if (r->n_headers == r->cap_headers) {
                size_t cap = r->cap_headers ? r->cap_headers * 2 : 4;
                ferry_header_t *h = r->headers ? realloc(r->headers, cap * sizeof(*h))
                                               : ferry_cache_alloc(cap * sizeof(*h));
                if (!h)
                        goto fail;
                r->headers = h;
                r->cap_headers = cap;
        }
        r->headers[r->n_headers].key = k;
        r->headers[r->n_headers].schema = schema;
        r->headers[r->n_headers].value = value;
        r->n_headers++;
        return 0;
fail:
        ferry_cache_free(k);
        ferry_schema_unref(schema);
        ferry_value_free(value);
        return -1;
}

int ferry_record_set_topic(ferry_record_t *r, const char *topic)
{
        char *t = xstrdup(topic);
        if (topic && !t)
                return -1;
        if (r->topic != (char *)(r + 1))
                ferry_cache_free(r->topic);
        r->topic = t;
        return 0;
}

/* Copies v into *dst; false only when out of memory. */
static bool copy_value(ferry_value_t **dst, const ferry_value_t *v)
{
        *dst = ferry_value_copy(v);
        return !v || *dst;
}

ferry_record_t *ferry_record_copy(const ferry_record_t *r)
{
        if (!r)
                return NULL;
        ferry_record_t *c = calloc(1, sizeof(*c));
        if (!c)
                return NULL;
        c->partition = r->partition;
        c->timestamp = r->timestamp;
        c->kafka_offset = r->kafka_offset;
        c->key_schema = ferry_schema_ref(r->key_schema);
        c->value_schema = ferry_schema_ref(r->value_schema);
        if ((r->topic && !(c->topic = xstrdup(r->topic))) || !copy_value(&c->key, r->key) ||
            !copy_value(&c->value, r->value) || !copy_value(&c->source_partition, r->source_partition) ||
            !copy_value(&c->source_offset, r->source_offset))
                goto fail;
        for (size_t i = 0; i < r->n_headers; i++) {
                const ferry_header_t *h = &r->headers[i];
                ferry_value_t *v;
                if (!copy_value(&v, h->value) ||
                    ferry_record_add_header(c, h->key, ferry_schema_ref(h->schema), v) < 0)
                        goto fail;
        }
        return c;
fail:
        ferry_record_free(c);
        return NULL;
}

void ferry_record_free(ferry_record_t *r)
{
        if (!r)
                return;
        if (r->topic != (char *)(r + 1))
                ferry_cache_free(r->topic);
        ferry_schema_unref(r->key_schema);
        ferry_value_free(r->key);
        ferry_schema_unref(r->value_schema);
        ferry_value_free(r->value);
        for (size_t i = 0; i < r->n_headers; i++) {
                ferry_cache_free(r->headers[i].key);
                ferry_schema_unref(r->headers[i].schema);
                ferry_value_free(r->headers[i].value);
        }
        ferry_cache_free(r->headers);
        ferry_value_free(r->source_partition);
        ferry_value_free(r->source_offset);
        ferry_cache_free(r);
}

int ferry_records_push(ferry_records_t *b, ferry_record_t *r)
{
        if (!r)
                return -1;
        if (b->n == b->cap) {
                size_t cap = b->cap ? b->cap * 2 : 16;
                ferry_record_t **recs = realloc(b->recs, cap * sizeof(*recs));
                if (!recs) {
                        ferry_record_free(r);
                        return -1;
                }
                b->recs = recs;
                b->cap = cap;
        }
        b->recs[b->n++] = r;
        return 0;
}

void ferry_records_clear(ferry_records_t *b)
{
        for (size_t i = 0; i < b->n; i++)
                ferry_record_free(b->recs[i]);
        b->n = 0;
}

void ferry_records_free(ferry_records_t *b)
{
        ferry_records_clear(b);
        free(b->recs);
        b->recs = NULL;
        b->cap = 0;
}
