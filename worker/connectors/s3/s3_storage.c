/* The S3 storage backend of the storage-sink core (storage_backend_t): a file becomes one object,
 * PUT whole when it fits in one part (s3.part.size), else a multipart upload whose parts go up as
 * the core hands over chunks; commit completes it (If-None-Match: * where the store supports it,
 * so a file written again after a rewind finds its object and leaves it). Between the topic
 * partition writer (shared/storage) and the REST client (s3_client.c). */
#include "s3_storage.h"

#include <ferry/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
        char *key;
        char *upload_id; /* NULL until the first part */
        char (*etags)[128];
        int n_parts, cap_parts;
        char *pending; /* the whole object when it fits in one part */
        size_t pending_len;
        bool has_pending;
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

static ferry_err_t upload_part(s3_storage_t *s, s3_obj_t *o, const void *p, size_t n, char *errstr,
                               size_t errstr_size)
{
        ferry_err_t e;
        if (!o->upload_id &&
            (e = s3_mpu_create(s->client, o->key, &o->upload_id, errstr, errstr_size)) != FERRY_ERR_OK)
                return e;
        if (o->n_parts == o->cap_parts) {
                int cap = o->cap_parts ? o->cap_parts * 2 : 8;
                void *ne = realloc(o->etags, (size_t)cap * sizeof *o->etags);
                if (!ne) {
                        snprintf(errstr, errstr_size, "out of memory");
                        return FERRY_ERR_FATAL;
                }
                o->etags = ne;
                o->cap_parts = cap;
        }
        e = s3_mpu_part(s->client, o->key, o->upload_id, o->n_parts + 1, p, n, o->etags[o->n_parts], errstr,
                        errstr_size);
        if (e == FERRY_ERR_OK)
                o->n_parts++;
        return e;
}

static ferry_err_t s3b_write(void *ctx, void *obj, const void *p, size_t n, char *errstr, size_t errstr_size)
{
        s3_storage_t *s = ctx;
        s3_obj_t *o = obj;
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
        return upload_part(s, o, p, n, errstr, errstr_size);
}

static void obj_free(s3_obj_t *o)
{
        free(o->key);
        free(o->upload_id);
        free(o->etags);
        free(o->pending);
        free(o);
}

static ferry_err_t s3b_commit(void *ctx, void *obj, const storage_file_t *f, char *errstr, size_t errstr_size)
{
        s3_storage_t *s = ctx;
        s3_obj_t *o = obj;
        bool exists = false;
        ferry_err_t e;
        if (!o->upload_id) {
                e = s3_put_object(s->client, o->key, o->pending ? o->pending : "", o->pending_len, &exists,
                                  errstr, errstr_size);
        } else {
                e = FERRY_ERR_OK;
                if (o->has_pending) {
                        e = upload_part(s, o, o->pending, o->pending_len, errstr, errstr_size);
                        if (e == FERRY_ERR_OK) {
                                free(o->pending);
                                o->pending = NULL;
                                o->has_pending = false;
                        }
                }
                if (e == FERRY_ERR_OK)
                        e = s3_mpu_complete(s->client, o->key, o->upload_id, o->etags, o->n_parts, &exists,
                                            errstr, errstr_size);
                if (e == FERRY_ERR_OK && exists)
                        s3_mpu_abort(s->client, o->key, o->upload_id);
        }
        if (e != FERRY_ERR_OK)
                return e; /* the core aborts obj */
        if (exists)
                FERRY_INFO("S3: %s is already stored (written before a restart); kept as it is", o->key);
        s->objects++;
        (void)f;
        obj_free(o);
        return FERRY_ERR_OK;
}

static void s3b_abort(void *ctx, void *obj)
{
        s3_storage_t *s = ctx;
        s3_obj_t *o = obj;
        if (o->upload_id)
                s3_mpu_abort(s->client, o->key, o->upload_id);
        obj_free(o);
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
        };
}
