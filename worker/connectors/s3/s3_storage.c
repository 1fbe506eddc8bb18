/* The S3 storage backend of the storage-sink core (storage_backend_t): a file becomes one object,
 * PUT whole when it fits in one part (s3.part.size), else a multipart upload whose parts go up in
 * the background (s3_upload.c) as the core hands over chunks; commit waits for them and completes
 * it (If-None-Match: * where the store supports it,
 * so a file written again after a rewind finds its object and leaves it). Between the topic
 * partition writer (shared/storage) and the REST client (s3_client.c). */
#include "s3_storage.h"

#include <ferry/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
        char *key;
        char *upload_id;      /* NULL until the first part */
        s3_part_job_t **jobs; /* one per part, in part order */
        int n_parts, cap_parts;
        char *pending; /* the whole object when it fits in one part */
        size_t pending_len;
        bool has_pending;
        /* Bytes the core moved out of memory (memory budget), before any later ones: a file in
         * $TMPDIR, opened only while it is written or read (no descriptor per open object). */
        char *spill;
        size_t spill_len;
} s3_obj_t;

static ferry_err_t s3b_open(void *ctx, const storage_file_t *f, void **obj, char *errstr, size_t errstr_size)
{
        (void)ctx;
        s3_obj_t *o = calloc(1, sizeof *o);
        if (!o || !(o->key = strdup(f->name))) {
                free(o);
                snprintf(errstr, errstr_size, "out of memory");
                return FERRY_ERR_FATAL;
        }
        *obj = o;
        return FERRY_ERR_OK;
}

/* The first failed part among those done (err, message in errstr), or FERRY_ERR_OK. */
static ferry_err_t parts_failed(s3_storage_t *s, s3_obj_t *o, bool wait, char *errstr, size_t errstr_size)
{
        for (int i = 0; i < o->n_parts; i++) {
                s3_part_job_t *j = o->jobs[i];
                if (wait)
                        s3_uploader_wait(s->uploader, j);
                else if (!s3_uploader_done(s->uploader, j))
                        continue;
                if (j->err != FERRY_ERR_OK) {
                        snprintf(errstr, errstr_size, "%s", j->errstr);
                        return j->err;
                }
        }
        return FERRY_ERR_OK;
}

/* Queues the next part; data (malloc'd) is the uploader's from here on. */
static ferry_err_t upload_part(s3_storage_t *s, s3_obj_t *o, void *data, size_t n, char *errstr,
                               size_t errstr_size)
{
        ferry_err_t e;
        /* A part that already failed fails the file now rather than at commit. */
        if ((e = parts_failed(s, o, false, errstr, errstr_size)) != FERRY_ERR_OK ||
            (!o->upload_id &&
             (e = s3_mpu_create(s->client, o->key, &o->upload_id, errstr, errstr_size)) != FERRY_ERR_OK)) {
                free(data);
                return e;
        }
        s3_part_job_t *j = calloc(1, sizeof *j);
        if (o->n_parts == o->cap_parts) {
                int cap = o->cap_parts ? o->cap_parts * 2 : 8;
                void *nj = realloc(o->jobs, (size_t)cap * sizeof *o->jobs);
                if (nj) {
                        o->jobs = nj;
                        o->cap_parts = cap;
                }
        }
        if (!j || o->n_parts == o->cap_parts) {
                free(j);
                free(data);
                snprintf(errstr, errstr_size, "out of memory");
                return FERRY_ERR_FATAL;
        }
        j->key = o->key;
        j->upload_id = o->upload_id;
        j->part = o->n_parts + 1;
        j->data = data;
        j->len = n;
        o->jobs[o->n_parts++] = j;
        s3_uploader_submit(s->uploader, j);
        return FERRY_ERR_OK;
}

static ferry_err_t upload_copy(s3_storage_t *s, s3_obj_t *o, const void *p, size_t n, char *errstr,
                               size_t errstr_size)
{
        void *d = malloc(n ? n : 1);
        if (!d) {
                snprintf(errstr, errstr_size, "out of memory");
                return FERRY_ERR_FATAL;
        }
        memcpy(d, p, n);
        return upload_part(s, o, d, n, errstr, errstr_size);
}

/* The spilled bytes followed by p[0..n) in one malloc'd block; the spill file is emptied. */
static void *unspill(s3_obj_t *o, const void *p, size_t n, size_t *len, char *errstr, size_t errstr_size)
{
        char *d = malloc(o->spill_len + n + 1);
        if (!d) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        FILE *f = fopen(o->spill, "rb");
        size_t got = f ? fread(d, 1, o->spill_len, f) : 0;
        if (f)
                fclose(f);
        if (got != o->spill_len) {
                snprintf(errstr, errstr_size, "S3 %s: cannot read back its spill file %s", o->key, o->spill);
                free(d);
                return NULL;
        }
        if (n)
                memcpy(d + o->spill_len, p, n);
        *len = o->spill_len + n;
        if (truncate(o->spill, 0) != 0)
                FERRY_WARN("S3 %s: cannot truncate its spill file %s", o->key, o->spill);
        o->spill_len = 0;
        return d;
}

static ferry_err_t s3b_spill(void *ctx, void *obj, const void *p, size_t n, char *errstr, size_t errstr_size)
{
        s3_storage_t *s = ctx;
        s3_obj_t *o = obj;
        if (!o->spill) {
                const char *dir = getenv("TMPDIR");
                char path[4096];
                snprintf(path, sizeof path, "%s/ferry-s3-spill-XXXXXX", dir && *dir ? dir : "/tmp");
                int fd = mkstemp(path);
                if (fd < 0 || !(o->spill = strdup(path))) {
                        if (fd >= 0) {
                                close(fd);
                                unlink(path);
                        }
                        snprintf(errstr, errstr_size, "S3 %s: cannot create a spill file in %s", o->key,
                                 dir && *dir ? dir : "/tmp");
                        return FERRY_ERR_RETRIABLE;
                }
                close(fd);
        }
        FILE *f = fopen(o->spill, "ab");
        bool ok = f && fwrite(p, 1, n, f) == n;
        if (f && fclose(f) != 0)
                ok = false;
        if (!ok) {
                snprintf(errstr, errstr_size, "S3 %s: cannot write its spill file %s (disk full?)", o->key,
                         o->spill);
                return FERRY_ERR_RETRIABLE;
        }
        s->spilled += n;
        o->spill_len += n;
        if (o->spill_len < s->part_size)
                return FERRY_ERR_OK;
        size_t len;
        void *d = unspill(o, NULL, 0, &len, errstr, errstr_size);
        return d ? upload_part(s, o, d, len, errstr, errstr_size) : FERRY_ERR_RETRIABLE;
}

static ferry_err_t s3b_write(void *ctx, void *obj, const void *p, size_t n, char *errstr, size_t errstr_size)
{
        s3_storage_t *s = ctx;
        s3_obj_t *o = obj;
        if (o->spill_len) {
                if (o->spill_len + n < s->part_size)
                        return s3b_spill(ctx, obj, p, n, errstr, errstr_size);
                size_t len;
                void *d = unspill(o, p, n, &len, errstr, errstr_size);
                return d ? upload_part(s, o, d, len, errstr, errstr_size) : FERRY_ERR_RETRIABLE;
        }
        if (!o->upload_id && !o->has_pending && n < s->part_size) {
                /* Less than a part: only the core's last call for the file does that. */
                if (!(o->pending = malloc(n ? n : 1))) {
                        snprintf(errstr, errstr_size, "out of memory");
                        return FERRY_ERR_FATAL;
                }
                memcpy(o->pending, p, n);
                o->pending_len = n;
                o->has_pending = true;
                return FERRY_ERR_OK;
        }
        return upload_copy(s, o, p, n, errstr, errstr_size);
}

/* Waits for the object's parts (they must not outlive it) and frees it. */
static void obj_free(s3_storage_t *s, s3_obj_t *o)
{
        for (int i = 0; i < o->n_parts; i++) {
                s3_uploader_wait(s->uploader, o->jobs[i]);
                free(o->jobs[i]);
        }
        free(o->jobs);
        free(o->key);
        free(o->upload_id);
        free(o->pending);
        if (o->spill) {
                unlink(o->spill);
                free(o->spill);
        }
        free(o);
}

static ferry_err_t s3b_commit(void *ctx, void *obj, const storage_file_t *f, char *errstr, size_t errstr_size)
{
        s3_storage_t *s = ctx;
        s3_obj_t *o = obj;
        bool exists = false;
        ferry_err_t e = FERRY_ERR_OK;
        if (o->spill_len) {
                /* Spilled bytes and the last ones: one object or the last part. */
                size_t len;
                void *d = unspill(o, o->pending, o->pending_len, &len, errstr, errstr_size);
                if (!d)
                        return FERRY_ERR_RETRIABLE;
                free(o->pending);
                o->pending = d;
                o->pending_len = len;
                o->has_pending = true;
        }
        if (!o->upload_id) {
                e = s3_put_object(s->client, o->key, o->pending ? o->pending : "", o->pending_len, &exists,
                                  errstr, errstr_size);
        } else {
                if (o->has_pending) {
                        e = upload_part(s, o, o->pending, o->pending_len, errstr, errstr_size);
                        o->pending = NULL; /* the uploader's (or freed) */
                        o->has_pending = false;
                }
                /* Every part is stored before the upload is completed. */
                if (e == FERRY_ERR_OK)
                        e = parts_failed(s, o, true, errstr, errstr_size);
                if (e == FERRY_ERR_OK) {
                        char(*etags)[128] = calloc((size_t)o->n_parts, sizeof *etags);
                        if (!etags) {
                                snprintf(errstr, errstr_size, "out of memory");
                                e = FERRY_ERR_FATAL;
                        } else {
                                for (int i = 0; i < o->n_parts; i++)
                                        memcpy(etags[i], o->jobs[i]->etag, sizeof etags[i]);
                                e = s3_mpu_complete(s->client, o->key, o->upload_id, etags, o->n_parts,
                                                    &exists, errstr, errstr_size);
                                free(etags);
                        }
                }
                if (e == FERRY_ERR_OK && exists)
                        s3_mpu_abort(s->client, o->key, o->upload_id);
        }
        if (e != FERRY_ERR_OK)
                return e; /* the core aborts obj */
        if (exists)
                FERRY_INFO("S3: %s is already stored (written before a restart); kept as it is", o->key);
        s->objects++;
        (void)f;
        obj_free(s, o);
        return FERRY_ERR_OK;
}

static void s3b_abort(void *ctx, void *obj)
{
        s3_storage_t *s = ctx;
        s3_obj_t *o = obj;
        /* The parts in flight end first, so the abort leaves no part behind. */
        for (int i = 0; i < o->n_parts; i++)
                s3_uploader_wait(s->uploader, o->jobs[i]);
        if (o->upload_id)
                s3_mpu_abort(s->client, o->key, o->upload_id);
        obj_free(s, o);
}

void s3_storage_backend(s3_storage_t *s, storage_backend_t *b)
{
        *b = (storage_backend_t){
                .size = sizeof(storage_backend_t),
                .ctx = s,
                .chunk_size = s->part_size,
                .naming = STORAGE_NAME_START,
                .open = s3b_open,
                .write = s3b_write,
                .commit = s3b_commit,
                .abort = s3b_abort,
                .spill = s3b_spill,
        };
}
