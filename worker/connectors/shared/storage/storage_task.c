/* A storage sink task over a backend: one topic partition writer per assigned Kafka partition,
 * the sink task callbacks (open, close, put, pre_commit) a storage sink (S3, HDFS) delegates to,
 * and the rewind after a store failure (seek to the first offset of the dropped files, back off,
 * write them again under the same names), and the memory budget (the largest buffers of open
 * files are spilled to the backend when the task's buffers pass it; rotation is unchanged, so the
 * files and their names are the same as without a budget). Sits between the runtime and
 * storage_writer.c. */
#include "storage_writer.h"

#include <ferry/clock.h>
#include <ferry/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
        char *topic;
        int32_t partition;
        storage_tpw_t *w;
} tp_slot_t;

struct storage_task {
        ferry_task_t *t;
        const storage_config_t *c;
        const storage_backend_t *b;
        tp_slot_t *slots;
        size_t n, cap;
        int failures;         /* consecutive store failures, for the back-off */
        size_t budget;        /* memory budget of the open files' buffers (0: none) */
        unsigned since_check; /* records since the budget was last checked */
        uint64_t spills;
};

storage_task_t *storage_task_new(ferry_task_t *t, const storage_config_t *c, const storage_backend_t *b)
{
        storage_task_t *st = calloc(1, sizeof *st);
        if (!st)
                return NULL;
        st->t = t;
        st->c = c;
        st->b = b;
        return st;
}

static tp_slot_t *find(storage_task_t *st, const char *topic, int32_t partition)
{
        for (size_t i = 0; i < st->n; i++)
                if (st->slots[i].partition == partition && strcmp(st->slots[i].topic, topic) == 0)
                        return &st->slots[i];
        return NULL;
}

static tp_slot_t *add(storage_task_t *st, const char *topic, int32_t partition)
{
        tp_slot_t *s = find(st, topic, partition);
        if (s)
                return s;
        if (st->n == st->cap) {
                size_t cap = st->cap ? st->cap * 2 : 8;
                tp_slot_t *ns = realloc(st->slots, cap * sizeof *ns);
                if (!ns)
                        return NULL;
                st->slots = ns;
                st->cap = cap;
        }
        s = &st->slots[st->n];
        s->topic = strdup(topic);
        s->partition = partition;
        s->w = storage_tpw_new(st->c, st->b, topic, partition);
        if (!s->topic || !s->w) {
                free(s->topic);
                storage_tpw_free(s->w);
                return NULL;
        }
        st->n++;
        return s;
}

void storage_task_open(storage_task_t *st, const ferry_topic_partition_t *tps, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                if (!add(st, tps[i].topic, tps[i].partition)) {
                        FERRY_ERROR("out of memory opening %s-%d", tps[i].topic, (int)tps[i].partition);
                        continue;
                }
                if (st->b->recover) {
                        char err[512] = "";
                        int64_t off = -1;
                        if (st->b->recover(st->b->ctx, tps[i].topic, tps[i].partition, &off, err,
                                           sizeof err) != FERRY_ERR_OK)
                                FERRY_WARN("%s-%d: cannot recover the committed position from storage: %s",
                                           tps[i].topic, (int)tps[i].partition, err);
                        else if (off >= 0)
                                ferry_sink_task_seek(st->t, tps[i].topic, tps[i].partition, off);
                }
        }
}

static void drop_slot(storage_task_t *st, size_t i)
{
        storage_tpw_free(st->slots[i].w);
        if (st->b->close_partition)
                st->b->close_partition(st->b->ctx, st->slots[i].topic, st->slots[i].partition);
        free(st->slots[i].topic);
        st->slots[i] = st->slots[--st->n];
}

void storage_task_close(storage_task_t *st, const ferry_topic_partition_t *tps, size_t n)
{
        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < st->n; j++)
                        if (st->slots[j].partition == tps[i].partition &&
                            strcmp(st->slots[j].topic, tps[i].topic) == 0) {
                                drop_slot(st, j);
                                break;
                        }
}

/* A store failure on a partition: its files were dropped; read again from their first record. */
static void rewind_partition(storage_task_t *st, tp_slot_t *s, int64_t to, const char *why,
                             int64_t backoff_ms)
{
        st->failures++;
        int shift = st->failures < 6 ? st->failures - 1 : 5;
        int64_t wait = backoff_ms * ((int64_t)1 << shift);
        if (wait > 10000)
                wait = 10000;
        FERRY_WARN("%s-%d: the store failed (%s); writing the files again from offset %lld in %lld ms",
                   s->topic, (int)s->partition, why, (long long)to, (long long)wait);
        if (to >= 0)
                ferry_sink_task_seek(st->t, s->topic, s->partition, to);
        ferry_task_wait(st->t, (int)wait);
}

void storage_task_set_memory_budget(storage_task_t *st, size_t bytes)
{
        st->budget = st->b->spill ? bytes : 0;
}

uint64_t storage_task_spills(const storage_task_t *st)
{
        return st->spills;
}

/* Over the budget: spills the largest buffers until the open files hold under half of it. */
static ferry_err_t enforce_budget(storage_task_t *st, int64_t retry_backoff_ms, char *errstr,
                                  size_t errstr_size)
{
        st->since_check = 0;
        size_t total = storage_task_buffered(st);
        if (total <= st->budget)
                return FERRY_ERR_OK;
        while (total > st->budget / 2) {
                tp_slot_t *best = NULL;
                size_t best_n = 0;
                for (size_t i = 0; i < st->n; i++) {
                        size_t l = storage_tpw_largest(st->slots[i].w);
                        if (l > best_n) {
                                best_n = l;
                                best = &st->slots[i];
                        }
                }
                if (!best)
                        break;
                size_t freed;
                int64_t to;
                ferry_err_t e = storage_tpw_spill_largest(best->w, &freed, &to, errstr, errstr_size);
                if (e == FERRY_ERR_RETRIABLE) {
                        rewind_partition(st, best, to, errstr, retry_backoff_ms);
                        total = storage_task_buffered(st);
                        continue;
                }
                if (e != FERRY_ERR_OK)
                        return e;
                if (!freed)
                        break;
                st->spills++;
                total = total > freed ? total - freed : 0;
        }
        return FERRY_ERR_OK;
}

ferry_err_t storage_task_put(storage_task_t *st, ferry_record_t *const *recs, size_t n,
                             int64_t retry_backoff_ms, char *errstr, size_t errstr_size)
{
        int64_t now = ferry_wall_ms();
        for (size_t i = 0; i < n; i++) {
                const ferry_record_t *r = recs[i];
                tp_slot_t *s = find(st, r->topic, r->partition);
                if (!s && !(s = add(st, r->topic, r->partition))) {
                        snprintf(errstr, errstr_size, "out of memory");
                        return FERRY_ERR_FATAL;
                }
                int64_t to;
                ferry_err_t e = storage_tpw_write(s->w, r, now, &to, errstr, errstr_size);
                if (e == FERRY_ERR_RETRIABLE) {
                        rewind_partition(st, s, to, errstr, retry_backoff_ms);
                        continue;
                }
                if (e != FERRY_ERR_OK)
                        return e;
                /* Checked every 64 records: the sum walks every open file. */
                if (st->budget && ++st->since_check >= 64 &&
                    (e = enforce_budget(st, retry_backoff_ms, errstr, errstr_size)) != FERRY_ERR_OK)
                        return e;
        }
        if (st->budget) {
                ferry_err_t e = enforce_budget(st, retry_backoff_ms, errstr, errstr_size);
                if (e != FERRY_ERR_OK)
                        return e;
        }
        for (size_t i = 0; i < st->n; i++) {
                int64_t to;
                /* Files whose upload finished become durable; then the wall-clock rotation. */
                ferry_err_t e = storage_tpw_settle(st->slots[i].w, false, &to, errstr, errstr_size);
                if (e == FERRY_ERR_OK)
                        e = storage_tpw_tick(st->slots[i].w, now, &to, errstr, errstr_size);
                if (e == FERRY_ERR_RETRIABLE)
                        rewind_partition(st, &st->slots[i], to, errstr, retry_backoff_ms);
                else if (e != FERRY_ERR_OK)
                        return e;
                else if (to < 0 && n)
                        st->failures = 0;
        }
        return FERRY_ERR_OK;
}

ferry_err_t storage_task_pre_commit(storage_task_t *st, ferry_topic_partition_offset_t *offsets, size_t *n,
                                    char *errstr, size_t errstr_size)
{
        int64_t now = ferry_wall_ms();
        size_t out = 0;
        for (size_t i = 0; i < *n; i++) {
                tp_slot_t *s = find(st, offsets[i].topic, offsets[i].partition);
                if (!s)
                        continue;
                int64_t to;
                ferry_err_t e = storage_tpw_settle(s->w, false, &to, errstr, errstr_size);
                if (e == FERRY_ERR_OK)
                        e = storage_tpw_tick(s->w, now, &to, errstr, errstr_size);
                if (e != FERRY_ERR_OK && e != FERRY_ERR_RETRIABLE)
                        return e;
                if (e == FERRY_ERR_RETRIABLE && to >= 0)
                        ferry_sink_task_seek(st->t, s->topic, s->partition, to);
                int64_t off;
                if (!storage_tpw_committable(s->w, &off) || off > offsets[i].offset)
                        continue;
                ferry_topic_partition_offset_t keep = offsets[i];
                keep.offset = off;
                offsets[out++] = keep;
        }
        *n = out;
        return FERRY_ERR_OK;
}

size_t storage_task_buffered(const storage_task_t *st)
{
        size_t n = 0;
        for (size_t i = 0; i < st->n; i++)
                n += storage_tpw_buffered(st->slots[i].w);
        return n;
}

void storage_task_free(storage_task_t *st)
{
        if (!st)
                return;
        while (st->n)
                drop_slot(st, st->n - 1);
        free(st->slots);
        free(st);
}
