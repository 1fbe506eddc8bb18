/* Flow control for the embedded broker (embedded_gate.h). Sits between a source task's converters
 * and its producer when the worker runs on --embedded-kafka: before a batch goes to the producer,
 * the source asks the gate for room on the topic; the gate counts, per partition, the bytes of the
 * records stored since the lowest offset the topic's sink connectors have committed (as chunks of
 * offsets learnt from delivery reports), plus those in flight, and refuses while that would pass
 * what librdkafka's mock cluster keeps per partition. Sink tasks report their commits here and
 * are asked to commit early while a source waits, so the pipeline runs with a window of a few MB
 * instead of losing the oldest records. */
#include "kafka/embedded_gate.h"

#include <ferry/log.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Offsets delivered one after another are counted in chunks of up to this many bytes; a chunk
 * counts whole until the sinks committed past its last offset. */
#define CHUNK_BYTES (64 * 1024)
/* Per-record framing in a v2 record batch (length, attributes, timestamp and offset deltas, key
 * and value lengths, header count: at most 36 bytes) plus a whole batch header (61 bytes). */
#define RECORD_OVERHEAD 100
#define HEADER_OVERHEAD 10

typedef struct {
        int64_t first, last;
        size_t bytes;
        uint64_t seq;
} chunk_t;

typedef struct {
        int32_t id;
        chunk_t *c;
        size_t n, cap;
} gpart_t;

typedef struct gtopic {
        struct gtopic *next;
        char *name;
        gpart_t *parts;
        size_t n_parts;
        size_t inflight;
        bool held, let_go, logged;
        int64_t no_reader_since;
} gtopic_t;

typedef struct {
        char *topic;
        int32_t partition;
        int64_t offset;
} gcommit_t;

struct ferry_gate_group {
        ferry_gate_group_t *next;
        char *name;
        gcommit_t *c;
        size_t n, cap;
        atomic_bool want;
};

struct ferry_gate {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        gtopic_t *topics, *last;
        ferry_gate_group_t *groups;
        uint64_t seq;
        uint64_t gen; /* commits and releases so far */
};

/* The generation a refused admit saw, for the wait that follows it on the same thread. */
static _Thread_local uint64_t seen_gen;

static int64_t mono_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

ferry_gate_t *ferry_gate_new(void)
{
        ferry_gate_t *g = calloc(1, sizeof(*g));
        if (!g)
                return NULL;
        pthread_mutex_init(&g->lock, NULL);
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&g->cond, &ca);
        pthread_condattr_destroy(&ca);
        return g;
}

void ferry_gate_free(ferry_gate_t *g)
{
        if (!g)
                return;
        while (g->topics) {
                gtopic_t *t = g->topics;
                g->topics = t->next;
                for (size_t i = 0; i < t->n_parts; i++)
                        free(t->parts[i].c);
                free(t->parts);
                free(t->name);
                free(t);
        }
        while (g->groups) {
                ferry_gate_group_t *grp = g->groups;
                g->groups = grp->next;
                for (size_t i = 0; i < grp->n; i++)
                        free(grp->c[i].topic);
                free(grp->c);
                free(grp->name);
                free(grp);
        }
        pthread_cond_destroy(&g->cond);
        pthread_mutex_destroy(&g->lock);
        free(g);
}

size_t ferry_gate_record_bytes(size_t key_len, size_t value_len, const rd_kafka_headers_t *hdrs)
{
        size_t n = key_len + value_len + RECORD_OVERHEAD;
        const char *name;
        const void *val;
        size_t size;
        for (size_t i = 0; hdrs && rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == 0; i++)
                n += strlen(name) + size + HEADER_OVERHEAD;
        return n;
}

/* Under lock. */
static gtopic_t *topic_get(ferry_gate_t *g, const char *name)
{
        if (g->last && !strcmp(g->last->name, name))
                return g->last;
        for (gtopic_t *t = g->topics; t; t = t->next)
                if (!strcmp(t->name, name))
                        return g->last = t;
        gtopic_t *t = calloc(1, sizeof(*t));
        if (!t || !(t->name = strdup(name))) {
                free(t);
                return NULL;
        }
        t->next = g->topics;
        g->topics = t;
        return g->last = t;
}

static ferry_gate_group_t *group_get(ferry_gate_t *g, const char *name)
{
        for (ferry_gate_group_t *grp = g->groups; grp; grp = grp->next)
                if (!strcmp(grp->name, name))
                        return grp;
        ferry_gate_group_t *grp = calloc(1, sizeof(*grp));
        if (!grp || !(grp->name = strdup(name))) {
                free(grp);
                return NULL;
        }
        grp->next = g->groups;
        g->groups = grp;
        return grp;
}

/* The group's committed offset for topic/partition, -1 when it has none. */
static int64_t group_committed(const ferry_gate_group_t *grp, const char *topic, int32_t partition)
{
        for (size_t i = 0; grp && i < grp->n; i++)
                if (grp->c[i].partition == partition && !strcmp(grp->c[i].topic, topic))
                        return grp->c[i].offset;
        return -1;
}

static void chunk_remove(gpart_t *p, size_t i)
{
        memmove(&p->c[i], &p->c[i + 1], (p->n - i - 1) * sizeof(*p->c));
        p->n--;
}

/* Bytes of the topic the readers have not committed; chunks all readers committed past go. */
static size_t unread_bytes(ferry_gate_t *g, gtopic_t *t, char *const *readers, size_t n_readers)
{
        size_t used = 0;
        for (size_t i = 0; i < t->n_parts; i++) {
                gpart_t *p = &t->parts[i];
                int64_t floor = -1;
                for (size_t r = 0; r < n_readers; r++) {
                        int64_t c = group_committed(group_get(g, readers[r]), t->name, p->id);
                        if (r == 0 || c < floor)
                                floor = c;
                }
                for (size_t k = 0; k < p->n;) {
                        if (n_readers && p->c[k].last < floor) {
                                chunk_remove(p, k);
                                continue;
                        }
                        used += p->c[k].bytes;
                        k++;
                }
        }
        return used;
}

/* Forgets the oldest chunk of the topic (the broker drops it); false when none is left. */
static bool drop_oldest(gtopic_t *t)
{
        gpart_t *best = NULL;
        for (size_t i = 0; i < t->n_parts; i++)
                if (t->parts[i].n && (!best || t->parts[i].c[0].seq < best->c[0].seq))
                        best = &t->parts[i];
        if (!best)
                return false;
        chunk_remove(best, 0);
        return true;
}

bool ferry_gate_admit(ferry_gate_t *g, const char *topic, size_t bytes, size_t max_batch,
                      char *const *readers, size_t n_readers)
{
        size_t limit = FERRY_EMBEDDED_PARTITION_BYTES;
        limit = max_batch < limit / 2 ? limit - max_batch : limit / 2;
        pthread_mutex_lock(&g->lock);
        gtopic_t *t = topic_get(g, topic);
        if (!t) {
                pthread_mutex_unlock(&g->lock);
                return true;
        }
        size_t used = t->inflight + unread_bytes(g, t, readers, n_readers);
        bool ok = used == 0 || used + bytes <= limit;
        if (n_readers) {
                t->let_go = false;
                t->no_reader_since = 0;
                if (used + bytes > limit / 2)
                        for (size_t r = 0; r < n_readers; r++) {
                                ferry_gate_group_t *grp = group_get(g, readers[r]);
                                if (grp)
                                        atomic_store(&grp->want, true);
                        }
                if (!ok && !t->held) {
                        /* Logged once per topic: in a long run it happens every few MB. */
                        if (t->logged)
                                FERRY_DEBUG("Holding back records for topic '%s' (%zu bytes not committed)",
                                            topic, used);
                        else
                                FERRY_INFO("Holding back records for topic '%s' until its sink connector(s) "
                                           "(%s%s) commit: %zu bytes are not committed yet and the embedded "
                                           "broker keeps %d MiB per partition (logged once)",
                                           topic, readers[0], n_readers > 1 ? ", ..." : "", used,
                                           FERRY_EMBEDDED_PARTITION_BYTES >> 20);
                        t->logged = true;
                        t->held = true;
                }
        } else if (!ok) {
                int64_t now = mono_ms();
                if (!t->let_go && !t->no_reader_since) {
                        FERRY_WARN(
                                "Holding back records for topic '%s': no sink connector of this worker reads "
                                "it and it reached what the embedded broker keeps per partition (%d MiB); "
                                "waiting up to %d s for a sink connector before the broker drops its oldest "
                                "records",
                                topic, FERRY_EMBEDDED_PARTITION_BYTES >> 20,
                                FERRY_EMBEDDED_NO_READER_WAIT_MS / 1000);
                        t->no_reader_since = now;
                        t->held = true;
                }
                if (!t->let_go && now - t->no_reader_since >= FERRY_EMBEDDED_NO_READER_WAIT_MS) {
                        FERRY_WARN(
                                "No sink connector of this worker reads topic '%s': the embedded broker now "
                                "drops its oldest records beyond %d MiB per partition",
                                topic, FERRY_EMBEDDED_PARTITION_BYTES >> 20);
                        t->let_go = true;
                }
                if (t->let_go) {
                        while (t->inflight + unread_bytes(g, t, NULL, 0) + bytes > limit && drop_oldest(t))
                                ;
                        ok = true;
                }
        }
        if (ok) {
                t->inflight += bytes;
                if (t->held && (n_readers || t->let_go)) {
                        FERRY_DEBUG("Records for topic '%s' flow again", topic);
                        t->held = false;
                }
        } else {
                seen_gen = g->gen;
        }
        pthread_mutex_unlock(&g->lock);
        return ok;
}

void ferry_gate_wait(ferry_gate_t *g, int timeout_ms)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += timeout_ms / 1000;
        ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&g->lock);
        while (g->gen == seen_gen)
                if (pthread_cond_timedwait(&g->cond, &g->lock, &ts))
                        break;
        pthread_mutex_unlock(&g->lock);
}

void ferry_gate_delivered(ferry_gate_t *g, const char *topic, int32_t partition, int64_t offset, size_t bytes)
{
        pthread_mutex_lock(&g->lock);
        gtopic_t *t = topic_get(g, topic);
        if (!t) {
                pthread_mutex_unlock(&g->lock);
                return;
        }
        t->inflight -= bytes < t->inflight ? bytes : t->inflight;
        gpart_t *p = NULL;
        for (size_t i = 0; i < t->n_parts && !p; i++)
                if (t->parts[i].id == partition)
                        p = &t->parts[i];
        if (!p) {
                gpart_t *np = realloc(t->parts, (t->n_parts + 1) * sizeof(*np));
                if (!np) {
                        pthread_mutex_unlock(&g->lock);
                        return;
                }
                t->parts = np;
                p = &t->parts[t->n_parts++];
                memset(p, 0, sizeof(*p));
                p->id = partition;
        }
        chunk_t *last = p->n ? &p->c[p->n - 1] : NULL;
        if (last && offset == last->last + 1 && last->bytes < CHUNK_BYTES) {
                last->last = offset;
                last->bytes += bytes;
        } else {
                if (p->n == p->cap) {
                        size_t cap = p->cap ? p->cap * 2 : 16;
                        chunk_t *nc = realloc(p->c, cap * sizeof(*nc));
                        if (!nc) {
                                pthread_mutex_unlock(&g->lock);
                                return;
                        }
                        p->c = nc;
                        p->cap = cap;
                }
                p->c[p->n++] = (chunk_t){offset, offset, bytes, g->seq++};
        }
        pthread_mutex_unlock(&g->lock);
}

void ferry_gate_release(ferry_gate_t *g, const char *topic, size_t bytes)
{
        pthread_mutex_lock(&g->lock);
        gtopic_t *t = topic_get(g, topic);
        if (t)
                t->inflight -= bytes < t->inflight ? bytes : t->inflight;
        g->gen++;
        pthread_cond_broadcast(&g->cond);
        pthread_mutex_unlock(&g->lock);
}

ferry_gate_group_t *ferry_gate_group(ferry_gate_t *g, const char *connector)
{
        pthread_mutex_lock(&g->lock);
        ferry_gate_group_t *grp = group_get(g, connector);
        pthread_mutex_unlock(&g->lock);
        return grp;
}

bool ferry_gate_wants_commit(const ferry_gate_group_t *grp)
{
        return grp && atomic_load_explicit(&grp->want, memory_order_relaxed);
}

void ferry_gate_committed(ferry_gate_t *g, ferry_gate_group_t *grp,
                          const rd_kafka_topic_partition_list_t *offsets)
{
        if (!g || !grp)
                return;
        pthread_mutex_lock(&g->lock);
        atomic_store(&grp->want, false);
        for (int i = 0; offsets && i < offsets->cnt; i++) {
                const rd_kafka_topic_partition_t *tp = &offsets->elems[i];
                if (tp->offset < 0)
                        continue;
                gcommit_t *c = NULL;
                for (size_t k = 0; k < grp->n && !c; k++)
                        if (grp->c[k].partition == tp->partition && !strcmp(grp->c[k].topic, tp->topic))
                                c = &grp->c[k];
                if (!c) {
                        if (grp->n == grp->cap) {
                                size_t cap = grp->cap ? grp->cap * 2 : 8;
                                gcommit_t *nc = realloc(grp->c, cap * sizeof(*nc));
                                if (!nc)
                                        continue;
                                grp->c = nc;
                                grp->cap = cap;
                        }
                        char *name = strdup(tp->topic);
                        if (!name)
                                continue;
                        c = &grp->c[grp->n++];
                        *c = (gcommit_t){name, tp->partition, -1};
                }
                c->offset = tp->offset;
        }
        g->gen++;
        pthread_cond_broadcast(&g->cond);
        pthread_mutex_unlock(&g->lock);
}
