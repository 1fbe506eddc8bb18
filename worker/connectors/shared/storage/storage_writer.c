/* The topic partition writer of the storage sinks (Confluent's TopicPartitionWriter): places the
 * records of one Kafka partition into files per encoded partition, rotates them (flush.size,
 * rotate.interval.ms, rotate.schedule.interval.ms, schema changes), streams their bytes to the
 * storage backend in chunks and commits them, and knows which offset is durable. Between
 * storage_task.c (the sink task) and the formats/backend. */
#include "storage_writer.h"

#include <ferry/clock.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_VIEWS 3

typedef struct {
        const storage_format_t *fmt;
        void *fw;  /* format writer */
        void *obj; /* backend handle */
        ferry_buf_t buf;
        char *ext;
        char *name;
        bool used;
} sfile_t;

typedef struct {
        char *encoded;
        char *dir;
        ferry_schema_t *schema; /* value schema of the open file (NULL: schemaless) */
        int64_t start, end, records;
        sfile_t files[N_VIEWS];
} epart_t;

/* A file whose commit is under way (backends with settle()), with the batch of files it was
 * committed with: the batch's records are durable once all of its files are settled. */
typedef struct {
        void *obj;
        int64_t first; /* the batch's first offset (where a failure rewinds to) */
        int64_t next;  /* the offset after its last record (the durable offset once settled) */
} unsettled_t;

/* Files under way per partition before a commit waits for the oldest. */
#define STORAGE_MAX_UNSETTLED 64

struct storage_tpw {
        const storage_config_t *c;
        const storage_backend_t *b;
        char *topic;
        int32_t partition;
        epart_t **parts; /* each allocated once: format writers keep the address of their file's buf */
        size_t n_parts, cap_parts;
        int64_t record_count;   /* records in the open files */
        int64_t base_ts;        /* time of the first record of the open files (-1: none) */
        char *current_encoded;  /* encoded partition of the last record */
        int64_t next_schedule;  /* next scheduled rotation (-1: none) */
        int64_t last_seen;      /* last offset handled (written or skipped); -1 none */
        int64_t committed;      /* next offset after everything durable; -1 none */
        int64_t rewind_to;      /* after a failure: the offset the next record must have; -1 none */
        unsettled_t *unsettled; /* oldest first */
        size_t n_unsettled, cap_unsettled;
};

storage_tpw_t *storage_tpw_new(const storage_config_t *c, const storage_backend_t *b, const char *topic,
                               int32_t partition)
{
        storage_tpw_t *w = calloc(1, sizeof *w);
        if (!w || !(w->topic = strdup(topic))) {
                free(w);
                return NULL;
        }
        w->c = c;
        w->b = b;
        w->partition = partition;
        w->base_ts = -1;
        w->next_schedule = -1;
        w->last_seen = -1;
        w->committed = -1;
        w->rewind_to = -1;
        return w;
}

static void sfile_drop(storage_tpw_t *w, sfile_t *f)
{
        if (f->fw)
                f->fmt->free(f->fw);
        if (f->obj && w->b->abort)
                w->b->abort(w->b->ctx, f->obj);
        ferry_buf_free(&f->buf);
        free(f->ext);
        free(f->name);
        memset(f, 0, sizeof *f);
}

static void epart_drop(storage_tpw_t *w, epart_t *p)
{
        for (int v = 0; v < N_VIEWS; v++)
                sfile_drop(w, &p->files[v]);
        free(p->encoded);
        free(p->dir);
        if (p->schema)
                ferry_schema_unref(p->schema);
        free(p);
}

int64_t storage_tpw_discard(storage_tpw_t *w)
{
        int64_t first = -1;
        for (size_t i = 0; i < w->n_parts; i++) {
                if (first < 0 || w->parts[i]->start < first)
                        first = w->parts[i]->start;
                epart_drop(w, w->parts[i]);
        }
        w->n_parts = 0;
        w->record_count = 0;
        w->base_ts = -1;
        free(w->current_encoded);
        w->current_encoded = NULL;
        if (first >= 0)
                w->last_seen = first - 1;
        return first;
}

/* Waits for the files under way from the from-th on and forgets them (their outcome no longer
 * matters: the partition is dropped or rewound to before them). */
static void drop_unsettled(storage_tpw_t *w, size_t from)
{
        for (size_t i = from; i < w->n_unsettled; i++) {
                bool done;
                char ignored[512];
                w->b->settle(w->b->ctx, w->unsettled[i].obj, true, &done, ignored, sizeof ignored);
        }
        w->n_unsettled = from;
}

ferry_err_t storage_tpw_settle(storage_tpw_t *w, bool wait, int64_t *rewind_to, char *errstr,
                               size_t errstr_size)
{
        *rewind_to = -1;
        if (!w->b->settle || !w->n_unsettled)
                return FERRY_ERR_OK;
        size_t i = 0;
        ferry_err_t e = FERRY_ERR_OK;
        for (; i < w->n_unsettled; i++) {
                bool done = false;
                e = w->b->settle(w->b->ctx, w->unsettled[i].obj, wait, &done, errstr, errstr_size);
                if (e != FERRY_ERR_OK || !done)
                        break;
                /* The batch is durable with its last file. */
                if (i + 1 == w->n_unsettled || w->unsettled[i + 1].next != w->unsettled[i].next)
                        w->committed = w->unsettled[i].next;
        }
        if (e == FERRY_ERR_OK) {
                memmove(w->unsettled, w->unsettled + i, (w->n_unsettled - i) * sizeof *w->unsettled);
                w->n_unsettled -= i;
                return FERRY_ERR_OK;
        }
        /* File i failed (the backend freed it): everything from its batch on is written again. */
        int64_t first = w->unsettled[i].first;
        memmove(w->unsettled, w->unsettled + i + 1, (w->n_unsettled - i - 1) * sizeof *w->unsettled);
        w->n_unsettled -= i + 1;
        drop_unsettled(w, 0);
        storage_tpw_discard(w);
        if (e == FERRY_ERR_RETRIABLE) {
                w->last_seen = first - 1;
                w->rewind_to = first;
                *rewind_to = first;
        }
        return e;
}

size_t storage_tpw_unsettled(const storage_tpw_t *w)
{
        return w->n_unsettled;
}

void storage_tpw_free(storage_tpw_t *w)
{
        if (!w)
                return;
        drop_unsettled(w, 0);
        free(w->unsettled);
        storage_tpw_discard(w);
        free(w->parts);
        free(w->topic);
        free(w);
}

static void file_info(const storage_tpw_t *w, const epart_t *p, const sfile_t *f, storage_view_t view,
                      storage_file_t *out)
{
        *out = (storage_file_t){
                .topic = w->topic,
                .partition = w->partition,
                .encoded_partition = p->encoded,
                .dir = p->dir,
                .view = view,
                .extension = f->ext,
                .start_offset = p->start,
                .end_offset = p->end,
                .records = p->records,
                .name = f->name,
        };
}

/* Hands the buffered bytes of f to the backend when there are enough of them (or all: force). */
static ferry_err_t drain(storage_tpw_t *w, epart_t *p, sfile_t *f, storage_view_t view, bool force,
                         char *errstr, size_t errstr_size)
{
        if (!force && (w->b->chunk_size == 0 || f->buf.len < w->b->chunk_size))
                return FERRY_ERR_OK;
        if (!f->obj) {
                storage_file_t info;
                file_info(w, p, f, view, &info);
                info.end_offset = -1;
                ferry_err_t e = w->b->open(w->b->ctx, &info, &f->obj, errstr, errstr_size);
                if (e != FERRY_ERR_OK)
                        return e;
        }
        if (f->buf.len == 0)
                return FERRY_ERR_OK;
        ferry_err_t e = w->b->write(w->b->ctx, f->obj, f->buf.p, f->buf.len, errstr, errstr_size);
        ferry_buf_reset(&f->buf);
        return e;
}

static const char *view_suffix(storage_view_t v)
{
        return v == STORAGE_VIEW_KEY ? ".keys" : v == STORAGE_VIEW_HEADERS ? ".headers" : "";
}

static ferry_err_t open_file(storage_tpw_t *w, epart_t *p, storage_view_t view, const ferry_schema_t *schema,
                             char *errstr, size_t errstr_size)
{
        sfile_t *f = &p->files[view];
        const storage_config_t *c = w->c;
        void *inst = view == STORAGE_VIEW_KEY       ? c->key_format_inst
                     : view == STORAGE_VIEW_HEADERS ? c->header_format_inst
                                                    : c->format_inst;
        f->fmt = view == STORAGE_VIEW_KEY       ? c->key_format
                 : view == STORAGE_VIEW_HEADERS ? c->header_format
                                                : c->format;
        const char *ext = f->fmt->extension(inst);
        size_t n = strlen(ext) + 16;
        if (!(f->ext = malloc(n))) {
                snprintf(errstr, errstr_size, "out of memory");
                return FERRY_ERR_FATAL;
        }
        snprintf(f->ext, n, "%s%s", view_suffix(view), ext);
        ferry_buf_init(&f->buf);
        if (w->b->naming == STORAGE_NAME_START &&
            !(f->name = storage_file_name(c, p->dir, w->topic, w->partition, p->start, -1, f->ext))) {
                snprintf(errstr, errstr_size, "out of memory");
                return FERRY_ERR_FATAL;
        }
        if (f->fmt->open(inst, &f->buf, schema, &f->fw, errstr, errstr_size) != 0)
                return FERRY_ERR_FATAL;
        f->used = true;
        return FERRY_ERR_OK;
}

/* Commits every open file; on success the partition's durable offset moves past last_seen. */
static ferry_err_t commit_files(storage_tpw_t *w, int64_t *rewind_to, char *errstr, size_t errstr_size)
{
        int64_t first = -1;
        if (w->b->settle) {
                /* Room for this batch's files: the ones done leave, then the oldest is waited for. */
                ferry_err_t e = storage_tpw_settle(w, false, rewind_to, errstr, errstr_size);
                if (e == FERRY_ERR_OK && w->n_unsettled + N_VIEWS * w->n_parts > STORAGE_MAX_UNSETTLED)
                        e = storage_tpw_settle(w, true, rewind_to, errstr, errstr_size);
                if (e != FERRY_ERR_OK)
                        return e;
                size_t need = w->n_unsettled + N_VIEWS * w->n_parts;
                if (need > w->cap_unsettled) {
                        unsettled_t *nu = realloc(w->unsettled, need * sizeof *nu);
                        if (!nu) {
                                snprintf(errstr, errstr_size, "out of memory");
                                return FERRY_ERR_FATAL;
                        }
                        w->unsettled = nu;
                        w->cap_unsettled = need;
                }
                for (size_t i = 0; i < w->n_parts; i++)
                        if (first < 0 || w->parts[i]->start < first)
                                first = w->parts[i]->start;
        }
        size_t batch_start = w->n_unsettled;
        for (size_t i = 0; i < w->n_parts; i++) {
                epart_t *p = w->parts[i];
                for (int v = 0; v < N_VIEWS; v++) {
                        sfile_t *f = &p->files[v];
                        if (!f->used)
                                continue;
                        ferry_err_t e = FERRY_ERR_OK;
                        if (f->fw) {
                                if (f->fmt->finish(f->fw, errstr, errstr_size) != 0)
                                        return FERRY_ERR_FATAL;
                                f->fmt->free(f->fw);
                                f->fw = NULL;
                        }
                        e = drain(w, p, f, (storage_view_t)v, true, errstr, errstr_size);
                        if (e == FERRY_ERR_OK && w->b->naming == STORAGE_NAME_START_END) {
                                free(f->name);
                                f->name = storage_file_name(w->c, p->dir, w->topic, w->partition, p->start,
                                                            p->end, f->ext);
                                if (!f->name) {
                                        snprintf(errstr, errstr_size, "out of memory");
                                        return FERRY_ERR_FATAL;
                                }
                        }
                        if (e == FERRY_ERR_OK) {
                                storage_file_t info;
                                file_info(w, p, f, (storage_view_t)v, &info);
                                e = w->b->commit(w->b->ctx, f->obj, &info, errstr, errstr_size);
                                if (e == FERRY_ERR_OK && w->b->settle)
                                        w->unsettled[w->n_unsettled++] =
                                                (unsettled_t){f->obj, first, w->last_seen + 1};
                                if (e == FERRY_ERR_OK)
                                        f->obj = NULL; /* the backend freed it, or settles it */
                        }
                        if (e != FERRY_ERR_OK) {
                                /* The batch's files already under way count for nothing now. */
                                drop_unsettled(w, batch_start);
                                if (e == FERRY_ERR_RETRIABLE) {
                                        *rewind_to = storage_tpw_discard(w);
                                        w->rewind_to = *rewind_to;
                                }
                                return e;
                        }
                        f->used = false;
                }
        }
        for (size_t i = 0; i < w->n_parts; i++)
                epart_drop(w, w->parts[i]);
        w->n_parts = 0;
        w->record_count = 0;
        w->base_ts = -1;
        if (w->last_seen >= 0 && !w->b->settle)
                w->committed = w->last_seen + 1;
        return FERRY_ERR_OK;
}

static void set_next_schedule(storage_tpw_t *w, int64_t now_ms)
{
        int64_t iv = w->c->rotate_schedule_interval_ms;
        if (iv <= 0)
                return;
        /* After a commit that took a while (an upload), the batch's clock is stale: the next
         * boundary is counted from the real time, so the next file is not rotated at once. */
        int64_t wall = ferry_wall_ms();
        if (wall > now_ms)
                now_ms = wall;
        int64_t local = now_ms + w->c->schedule_offset_ms;
        int64_t m = local % iv;
        if (m < 0)
                m += iv;
        w->next_schedule = now_ms + iv - m;
}

static epart_t *find_part(storage_tpw_t *w, const char *encoded)
{
        for (size_t i = 0; i < w->n_parts; i++)
                if (strcmp(w->parts[i]->encoded, encoded) == 0)
                        return w->parts[i];
        return NULL;
}

static bool schema_changed(const ferry_schema_t *a, const ferry_schema_t *b)
{
        if (!a || !b)
                return a != b;
        return a != b && !ferry_schema_equal(a, b);
}

static ferry_err_t write_view(storage_tpw_t *w, epart_t *p, storage_view_t view, const ferry_record_t *rec,
                              const ferry_schema_t *schema, const ferry_value_t *value, char *errstr,
                              size_t errstr_size)
{
        sfile_t *f = &p->files[view];
        if (!f->used) {
                ferry_err_t e = open_file(w, p, view, schema, errstr, errstr_size);
                if (e != FERRY_ERR_OK)
                        return e;
        }
        if (f->fmt->write(f->fw, rec, schema, value, errstr, errstr_size) != 0)
                return FERRY_ERR_FATAL;
        return drain(w, p, f, view, false, errstr, errstr_size);
}

ferry_err_t storage_tpw_write(storage_tpw_t *w, const ferry_record_t *rec, int64_t now_ms, int64_t *rewind_to,
                              char *errstr, size_t errstr_size)
{
        const storage_config_t *c = w->c;
        *rewind_to = -1;
        errstr[0] = '\0';
        int64_t off = rec->kafka_offset;
        if (w->rewind_to >= 0) {
                /* After a failure, only the record the files started with restarts them. */
                if (off != w->rewind_to)
                        return FERRY_ERR_OK;
                w->rewind_to = -1;
        } else if (w->last_seen >= 0 && off <= w->last_seen) {
                return FERRY_ERR_OK; /* seen already */
        }
        if (!rec->value && c->on_null != STORAGE_NULL_WRITE) {
                if (c->on_null == STORAGE_NULL_IGNORE) {
                        w->last_seen = off;
                        return FERRY_ERR_OK;
                }
                snprintf(errstr, errstr_size,
                         "Null valued records are not writeable with current behavior.on.null.values 'fail': "
                         "%s-%d offset %lld",
                         rec->topic, (int)rec->partition, (long long)off);
                return FERRY_ERR_FATAL;
        }
        if (c->store_keys && !rec->key) {
                snprintf(errstr, errstr_size,
                         "Key cannot be null for SinkRecord %s-%d offset %lld (store.kafka.keys)", rec->topic,
                         (int)rec->partition, (long long)off);
                return FERRY_ERR_FATAL;
        }
        int64_t ts;
        if (storage_partitioner_timestamp(c->partitioner, rec, now_ms, &ts, errstr, errstr_size) != 0)
                return FERRY_ERR_FATAL;
        char *encoded = NULL;
        if (storage_partitioner_encode(c->partitioner, rec, ts, &encoded, errstr, errstr_size) != 0)
                return FERRY_ERR_FATAL;
        if (w->next_schedule < 0)
                set_next_schedule(w, now_ms);
        ferry_err_t e = FERRY_ERR_OK;
        epart_t *p = find_part(w, encoded);
        /* Rotation before the record: schema change, record time, schedule. */
        bool rotate = false;
        if (w->record_count > 0) {
                if (p && c->schema_compat_none && schema_changed(p->schema, rec->value_schema))
                        rotate = true;
                if (c->rotate_interval_ms > 0 &&
                    (ts - w->base_ts >= c->rotate_interval_ms ||
                     (w->current_encoded && strcmp(w->current_encoded, encoded) != 0)))
                        rotate = true;
                if (c->rotate_schedule_interval_ms > 0 && now_ms >= w->next_schedule)
                        rotate = true;
        }
        if (rotate) {
                e = commit_files(w, rewind_to, errstr, errstr_size);
                if (e != FERRY_ERR_OK)
                        goto out;
                set_next_schedule(w, now_ms);
                p = NULL;
        }
        if (!p) {
                if (w->n_parts == w->cap_parts) {
                        size_t cap = w->cap_parts ? w->cap_parts * 2 : 4;
                        epart_t **np = realloc(w->parts, cap * sizeof *np);
                        if (!np) {
                                e = FERRY_ERR_FATAL;
                                snprintf(errstr, errstr_size, "out of memory");
                                goto out;
                        }
                        w->parts = np;
                        w->cap_parts = cap;
                }
                if (!(p = calloc(1, sizeof *p))) {
                        e = FERRY_ERR_FATAL;
                        snprintf(errstr, errstr_size, "out of memory");
                        goto out;
                }
                w->parts[w->n_parts++] = p;
                p->encoded = strdup(encoded);
                p->dir = storage_file_dir(c, w->topic, encoded);
                p->schema = rec->value_schema ? ferry_schema_ref(rec->value_schema) : NULL;
                p->start = off;
                if (!p->encoded || !p->dir) {
                        e = FERRY_ERR_FATAL;
                        snprintf(errstr, errstr_size, "out of memory");
                        goto out;
                }
        }
        if (w->record_count == 0)
                w->base_ts = ts;
        e = write_view(w, p, STORAGE_VIEW_VALUE, rec, rec->value_schema, rec->value, errstr, errstr_size);
        if (e == FERRY_ERR_OK && c->store_keys && c->key_format == &storage_format_parquet &&
            rec->key_schema) {
                /* Confluent's ParquetFormat envelopes keys (RecordKey{key}); JSON and Avro do not. */
                ferry_schema_t *ks = NULL;
                ferry_value_t *kv = NULL;
                if (storage_key_view(rec, &ks, &kv, errstr, errstr_size) != 0)
                        e = FERRY_ERR_FATAL;
                else
                        e = write_view(w, p, STORAGE_VIEW_KEY, rec, ks, kv, errstr, errstr_size);
                ferry_value_free(kv);
                if (ks)
                        ferry_schema_unref(ks);
        } else if (e == FERRY_ERR_OK && c->store_keys) {
                e = write_view(w, p, STORAGE_VIEW_KEY, rec, rec->key_schema, rec->key, errstr, errstr_size);
        }
        if (e == FERRY_ERR_OK && c->store_headers) {
                ferry_schema_t *hs = NULL;
                ferry_value_t *hv = NULL;
                /* Confluent envelopes the headers for JSON and Parquet files, not for Avro. */
                bool envelope = c->header_format == &storage_format_json ||
                                c->header_format == &storage_format_parquet;
                if (storage_headers_view(rec, envelope, &hs, &hv, errstr, errstr_size) != 0) {
                        e = FERRY_ERR_FATAL;
                } else {
                        e = write_view(w, p, STORAGE_VIEW_HEADERS, rec, hs, hv, errstr, errstr_size);
                }
                ferry_value_free(hv);
                if (hs)
                        ferry_schema_unref(hs);
        }
        if (e != FERRY_ERR_OK) {
                if (e == FERRY_ERR_RETRIABLE) {
                        *rewind_to = storage_tpw_discard(w);
                        w->rewind_to = *rewind_to;
                }
                goto out;
        }
        p->end = off;
        p->records++;
        w->record_count++;
        w->last_seen = off;
        free(w->current_encoded);
        w->current_encoded = encoded;
        encoded = NULL;
        if (w->record_count >= c->flush_size) {
                e = commit_files(w, rewind_to, errstr, errstr_size);
                if (e == FERRY_ERR_OK)
                        set_next_schedule(w, now_ms);
        }
out:
        free(encoded);
        return e;
}

ferry_err_t storage_tpw_tick(storage_tpw_t *w, int64_t now_ms, int64_t *rewind_to, char *errstr,
                             size_t errstr_size)
{
        *rewind_to = -1;
        if (w->c->rotate_schedule_interval_ms <= 0 || w->record_count == 0 || w->next_schedule < 0 ||
            now_ms < w->next_schedule)
                return FERRY_ERR_OK;
        ferry_err_t e = commit_files(w, rewind_to, errstr, errstr_size);
        if (e == FERRY_ERR_OK)
                set_next_schedule(w, now_ms);
        return e;
}

ferry_err_t storage_tpw_commit_all(storage_tpw_t *w, int64_t *rewind_to, char *errstr, size_t errstr_size)
{
        *rewind_to = -1;
        ferry_err_t e = w->record_count ? commit_files(w, rewind_to, errstr, errstr_size) : FERRY_ERR_OK;
        if (e == FERRY_ERR_OK && w->b->settle)
                e = storage_tpw_settle(w, true, rewind_to, errstr, errstr_size);
        return e;
}

bool storage_tpw_committable(storage_tpw_t *w, int64_t *offset)
{
        /* Records skipped (null values ignored) while no file is open are settled too. */
        if (w->record_count == 0 && w->n_unsettled == 0 && w->rewind_to < 0 && w->last_seen >= 0 &&
            w->last_seen + 1 > w->committed)
                w->committed = w->last_seen + 1;
        *offset = w->committed;
        return w->committed >= 0;
}

size_t storage_tpw_buffered(const storage_tpw_t *w)
{
        size_t n = 0;
        for (size_t i = 0; i < w->n_parts; i++)
                for (int v = 0; v < N_VIEWS; v++) {
                        const sfile_t *f = &w->parts[i]->files[v];
                        n += f->buf.cap;
                        if (f->fw && f->fmt->buffered)
                                n += f->fmt->buffered(f->fw);
                }
        return n;
}

size_t storage_tpw_open_files(const storage_tpw_t *w)
{
        size_t n = 0;
        for (size_t i = 0; i < w->n_parts; i++)
                for (int v = 0; v < N_VIEWS; v++)
                        n += w->parts[i]->files[v].used;
        return n;
}

/* The open file with the largest buffer (NULL when none holds bytes). */
static sfile_t *largest(const storage_tpw_t *w, epart_t **part, int *view)
{
        sfile_t *best = NULL;
        for (size_t i = 0; i < w->n_parts; i++)
                for (int v = 0; v < N_VIEWS; v++) {
                        sfile_t *f = &w->parts[i]->files[v];
                        if (f->used && f->buf.cap && (!best || f->buf.cap > best->buf.cap)) {
                                best = f;
                                *part = w->parts[i];
                                *view = v;
                        }
                }
        return best;
}

size_t storage_tpw_largest(const storage_tpw_t *w)
{
        epart_t *p;
        int v;
        const sfile_t *f = largest(w, &p, &v);
        return f ? f->buf.cap : 0;
}

ferry_err_t storage_tpw_spill_largest(storage_tpw_t *w, size_t *freed, int64_t *rewind_to, char *errstr,
                                      size_t errstr_size)
{
        *freed = 0;
        *rewind_to = -1;
        epart_t *p = NULL;
        int v = 0;
        sfile_t *f = largest(w, &p, &v);
        if (!f || !w->b->spill)
                return FERRY_ERR_OK;
        ferry_err_t e = FERRY_ERR_OK;
        if (!f->obj) {
                storage_file_t info;
                file_info(w, p, f, (storage_view_t)v, &info);
                info.end_offset = -1;
                e = w->b->open(w->b->ctx, &info, &f->obj, errstr, errstr_size);
        }
        if (e == FERRY_ERR_OK && f->buf.len)
                e = w->b->spill(w->b->ctx, f->obj, f->buf.p, f->buf.len, errstr, errstr_size);
        if (e == FERRY_ERR_OK) {
                *freed = f->buf.cap;
                ferry_buf_free(&f->buf); /* the format writer keeps appending to it */
        } else if (e == FERRY_ERR_RETRIABLE) {
                *rewind_to = storage_tpw_discard(w);
                w->rewind_to = *rewind_to;
        }
        return e;
}
