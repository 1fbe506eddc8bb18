/* The S3 storage backend of the storage-sink core (storage_backend_t): a file becomes one object,
 * PUT whole when it fits in one part (s3.part.size), else a multipart upload whose parts go up in
 * the background (s3_upload.c) as the core hands over chunks. commit() queues the object for the
 * completer thread, which waits for its parts and completes the upload (or PUTs the small object)
 * with its own client, so the task encodes the next file meanwhile; settle() reports the outcome.
 * Writes are conditional (If-None-Match: * where the store supports it), so a file written again
 * after a rewind finds its object and leaves it. Between the topic partition writer
 * (shared/storage) and the REST client (s3_client.c). */
#include "s3_storage.h"

#include <ferry/log.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct s3_obj {
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
        /* From commit on: queued for the completer, then its outcome (under the completer's lock). */
        struct s3_obj *next;
        bool finished, exists;
        ferry_err_t result;
        char errstr[512];
} s3_obj_t;

struct s3_completer {
        s3_client_t *client; /* the thread's own: the task's is used by the task's thread */
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t cv; /* an object queued or finished, or room in the queue */
        s3_obj_t *head, *tail;
        size_t queued_bytes; /* of small objects waiting for their PUT */
        size_t limit;        /* commit waits while more than this is queued */
        bool stop;
};

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

/* The completer thread's work on one object: its PUT, or its parts and the completion. */
static ferry_err_t store_object(s3_storage_t *s, s3_obj_t *o, char *errstr, size_t errstr_size)
{
        s3_client_t *c = s->completer->client;
        o->exists = false;
        if (!o->upload_id)
                return s3_put_object(c, o->key, o->pending ? o->pending : "", o->pending_len, &o->exists,
                                     errstr, errstr_size);
        /* Every part is stored before the upload is completed. */
        ferry_err_t e = parts_failed(s, o, true, errstr, errstr_size);
        if (e != FERRY_ERR_OK)
                return e;
        char(*etags)[128] = calloc((size_t)o->n_parts, sizeof *etags);
        if (!etags) {
                snprintf(errstr, errstr_size, "out of memory");
                return FERRY_ERR_FATAL;
        }
        for (int i = 0; i < o->n_parts; i++)
                memcpy(etags[i], o->jobs[i]->etag, sizeof etags[i]);
        e = s3_mpu_complete(c, o->key, o->upload_id, etags, o->n_parts, &o->exists, errstr, errstr_size);
        free(etags);
        if (e == FERRY_ERR_OK && o->exists)
                s3_mpu_abort(c, o->key, o->upload_id);
        return e;
}

static void *completer_run(void *arg)
{
        s3_storage_t *s = arg;
        s3_completer_t *q = s->completer;
        pthread_mutex_lock(&q->lock);
        for (;;) {
                while (!q->head && !q->stop)
                        pthread_cond_wait(&q->cv, &q->lock);
                if (!q->head)
                        break;
                s3_obj_t *o = q->head;
                pthread_mutex_unlock(&q->lock);
                char err[512] = "";
                ferry_err_t e = store_object(s, o, err, sizeof err);
                size_t held = o->upload_id ? 0 : o->pending_len;
                free(o->pending);
                o->pending = NULL;
                pthread_mutex_lock(&q->lock);
                q->head = o->next;
                if (!q->head)
                        q->tail = NULL;
                q->queued_bytes -= held;
                o->result = e;
                snprintf(o->errstr, sizeof o->errstr, "%s", err);
                o->finished = true;
                pthread_cond_broadcast(&q->cv);
        }
        pthread_mutex_unlock(&q->lock);
        return NULL;
}

int s3_storage_start(s3_storage_t *s, const s3_client_config_t *cfg, char *errstr, size_t errstr_size)
{
        s3_completer_t *q = calloc(1, sizeof *q);
        if (!q) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        if (!(q->client = s3_client_new(cfg, errstr, errstr_size))) {
                free(q);
                return -1;
        }
        q->limit = 2 * s->part_size;
        pthread_mutex_init(&q->lock, NULL);
        pthread_cond_init(&q->cv, NULL);
        s->completer = q;
        if (pthread_create(&q->thread, NULL, completer_run, s) != 0) {
                snprintf(errstr, errstr_size, "cannot start the S3 object completion thread");
                s->completer = NULL;
                s3_client_free(q->client);
                pthread_mutex_destroy(&q->lock);
                pthread_cond_destroy(&q->cv);
                free(q);
                return -1;
        }
        return 0;
}

void s3_storage_stop(s3_storage_t *s)
{
        s3_completer_t *q = s->completer;
        if (!q)
                return;
        pthread_mutex_lock(&q->lock);
        q->stop = true;
        pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->lock);
        pthread_join(q->thread, NULL);
        s3_client_free(q->client);
        pthread_mutex_destroy(&q->lock);
        pthread_cond_destroy(&q->cv);
        free(q);
        s->completer = NULL;
}

void s3_storage_set_creds(s3_storage_t *s, const char *access_key, const char *secret_key,
                          const char *session_token)
{
        s3_client_set_creds(s->client, access_key, secret_key, session_token);
        if (s->completer)
                s3_client_set_creds(s->completer->client, access_key, secret_key, session_token);
}

/* Hands the file to the completer: its last part goes up now, and the completer stores the
 * object once every part is in (settle() tells when). */
static ferry_err_t s3b_commit(void *ctx, void *obj, const storage_file_t *f, char *errstr, size_t errstr_size)
{
        s3_storage_t *s = ctx;
        s3_obj_t *o = obj;
        s3_completer_t *q = s->completer;
        (void)f;
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
        if (o->upload_id && o->has_pending) {
                ferry_err_t e = upload_part(s, o, o->pending, o->pending_len, errstr, errstr_size);
                o->pending = NULL; /* the uploader's (or freed) */
                o->pending_len = 0;
                o->has_pending = false;
                if (e != FERRY_ERR_OK)
                        return e; /* the core aborts obj */
        }
        size_t held = o->upload_id ? 0 : o->pending_len;
        pthread_mutex_lock(&q->lock);
        /* Small objects wait in memory for their PUT: at most about two parts' worth of them. */
        while (held && q->queued_bytes && q->queued_bytes + held > q->limit)
                pthread_cond_wait(&q->cv, &q->lock);
        q->queued_bytes += held;
        o->next = NULL;
        if (q->tail)
                q->tail->next = o;
        else
                q->head = o;
        q->tail = o;
        pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->lock);
        return FERRY_ERR_OK;
}

static void s3b_abort(void *ctx, void *obj);

static ferry_err_t s3b_settle(void *ctx, void *obj, bool wait, bool *done, char *errstr, size_t errstr_size)
{
        s3_storage_t *s = ctx;
        s3_obj_t *o = obj;
        s3_completer_t *q = s->completer;
        pthread_mutex_lock(&q->lock);
        while (wait && !o->finished)
                pthread_cond_wait(&q->cv, &q->lock);
        *done = o->finished;
        pthread_mutex_unlock(&q->lock);
        if (!*done)
                return FERRY_ERR_OK;
        ferry_err_t e = o->result;
        if (e != FERRY_ERR_OK) {
                snprintf(errstr, errstr_size, "%s", o->errstr);
                s3b_abort(ctx, obj);
                return e;
        }
        if (o->exists)
                FERRY_INFO("S3: %s is already stored (written before a restart); kept as it is", o->key);
        s->objects++;
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
                .settle = s3b_settle,
        };
}
