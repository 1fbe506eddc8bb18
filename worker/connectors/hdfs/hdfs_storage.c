/* The HDFS backend of the storage-sink core: a file of the core is written as a temp file
 * <topics.dir>/+tmp/<topic>/<encoded partition>/<uuid>_tmp<ext> (CREATE, then APPENDs per chunk),
 * committed by logging (temp, final) to the partition's WAL <logs.dir>/<topic>/<p>/log and
 * renaming it to <topic>+<p>+<start>+<end><ext>; on partition open the WAL is replayed, temp files
 * of the partition are deleted and the next offset is taken from the WAL or, when the WAL is gone
 * or damaged, from the committed file names. Sits between storage_writer (the core) and
 * webhdfs.c; the WAL text is hdfs_wal.c. */
#include "hdfs_storage.h"

#include "hdfs_wal.h"
#include "webhdfs_stream.h"

#include <ferry/log.h>

#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* A WAL bigger than this is truncated (renamed to log.1) after the next commit. */
#define WAL_TRUNCATE_BYTES (256 * 1024)

/* Directories created lately, remembered so a commit does not MKDIRS them again. */
#define DIR_CACHE 64

typedef struct wal_state {
        struct wal_state *next;
        char *topic;
        int32_t partition;
        bool known;              /* the fields below describe log (else read it before writing) */
        bool exists;             /* log exists (append to it) */
        bool fenced;             /* another writer changed log: no commits until the next recovery */
        bool unsure;             /* the last append failed: log ends at wr.pos or at after.pos */
        hdfs_wal_writer_t after; /* the writer had that append landed */
        int64_t file_id;         /* log's inode id when we last wrote or read it (0: unknown) */
        size_t bytes;            /* bytes this task wrote to it since it was opened or truncated */
        hdfs_wal_writer_t wr;    /* where the log stands: its sync bytes and length */
} wal_state_t;

struct hdfs_backend {
        webhdfs_t *fs;
        char *root, *topics_dir, *logs_dir, *file_delim;
        char *wal_url; /* "scheme://authority" put before paths in WAL entries, as Confluent does */
        size_t chunk_size;
        ferry_task_t *task;
        wal_state_t *wals;
        char *dirs[DIR_CACHE]; /* directories known to exist (MKDIRS skipped) */
        size_t next_dir;
};

typedef struct {
        char *temp;
        bool created;
        int32_t partition;
        webhdfs_stream_t *stream; /* the temp file's data on its way to the DataNode (NULL: none) */
} hdfs_obj_t;

#define LOG(b, level, ...)                                                                                   \
        do {                                                                                                 \
                if ((b)->task)                                                                               \
                        ferry_task_log((b)->task, level, __VA_ARGS__);                                       \
                else                                                                                         \
                        ferry_log(level, __VA_ARGS__);                                                       \
        } while (0)

/* Joins path pieces with single '/' (an absolute path; NULL pieces end the list). malloc'd. */
static char *path_join(const char *first, ...)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        va_list ap;
        va_start(ap, first);
        for (const char *s = first; s; s = va_arg(ap, const char *)) {
                while (*s == '/')
                        s++;
                size_t l = strlen(s);
                while (l > 0 && s[l - 1] == '/')
                        l--;
                if (l == 0)
                        continue;
                ferry_buf_putc(&b, '/');
                ferry_buf_append(&b, s, l);
        }
        va_end(ap);
        if (b.len == 0)
                ferry_buf_putc(&b, '/');
        return ferry_buf_steal(&b);
}

static char *parent_of(const char *path)
{
        const char *slash = strrchr(path, '/');
        if (!slash || slash == path)
                return strdup("/");
        return strndup(path, (size_t)(slash - path));
}

hdfs_backend_t *hdfs_backend_new(webhdfs_t *fs, const hdfs_backend_opts_t *o, ferry_task_t *t)
{
        hdfs_backend_t *b = calloc(1, sizeof(*b));
        if (!b)
                return NULL;
        b->fs = fs;
        b->task = t;
        b->root = strdup(o->root ? o->root : "");
        b->topics_dir = strdup(o->topics_dir ? o->topics_dir : "topics");
        b->logs_dir = strdup(o->logs_dir ? o->logs_dir : "logs");
        b->file_delim = strdup(o->file_delim ? o->file_delim : "+");
        b->wal_url = strdup(o->wal_url ? o->wal_url : "");
        b->chunk_size = o->chunk_size;
        if (!b->root || !b->topics_dir || !b->logs_dir || !b->file_delim || !b->wal_url) {
                hdfs_backend_free(b);
                return NULL;
        }
        return b;
}

void hdfs_backend_free(hdfs_backend_t *b)
{
        if (!b)
                return;
        while (b->wals) {
                wal_state_t *w = b->wals;
                b->wals = w->next;
                free(w->topic);
                free(w);
        }
        for (size_t i = 0; i < DIR_CACHE; i++)
                free(b->dirs[i]);
        webhdfs_free(b->fs);
        free(b->root);
        free(b->topics_dir);
        free(b->logs_dir);
        free(b->file_delim);
        free(b->wal_url);
        free(b);
}

static wal_state_t *wal_state(hdfs_backend_t *b, const char *topic, int32_t partition)
{
        for (wal_state_t *w = b->wals; w; w = w->next)
                if (w->partition == partition && strcmp(w->topic, topic) == 0)
                        return w;
        wal_state_t *w = calloc(1, sizeof(*w));
        if (!w || !(w->topic = strdup(topic))) {
                free(w);
                return NULL;
        }
        w->partition = partition;
        w->next = b->wals;
        b->wals = w;
        return w;
}

static char *wal_path(hdfs_backend_t *b, const char *topic, int32_t partition, const char *name)
{
        char p[16];
        snprintf(p, sizeof(p), "%" PRId32, partition);
        return path_join(b->root, b->logs_dir, topic, p, name, (const char *)NULL);
}

/* <8 hex digits of the Kafka partition>-<random>: a UUID's shape, and recovery can tell which
 * partition a temp file belongs to when several share a directory (field partitioners). */
static void temp_uuid(int32_t partition, char out[37])
{
        unsigned char r[16];
        if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                uint64_t x = (uint64_t)ts.tv_nsec * 6364136223846793005ULL + (uint64_t)ts.tv_sec;
                for (size_t i = 0; i < sizeof(r);
                     i++, x = x * 6364136223846793005ULL + 1442695040888963407ULL)
                        r[i] = (unsigned char)(x >> 56);
        }
        snprintf(out, 37, "%08" PRIx32 "-%02x%02x-4%01x%02x-%01x%01x%02x-%02x%02x%02x%02x%02x%02x",
                 (uint32_t)partition, r[0], r[1], r[2] & 15, r[3], 8 | (r[4] & 3), r[5] & 15, r[6], r[7],
                 r[8], r[9], r[10], r[11], r[12]);
}

static ferry_err_t be_open(void *ctx, const storage_file_t *f, void **obj, char *errstr, size_t errstr_size)
{
        hdfs_backend_t *b = ctx;
        hdfs_obj_t *o = calloc(1, sizeof(*o));
        if (!o) {
                snprintf(errstr, errstr_size, "out of memory");
                return FERRY_ERR_NOMEM;
        }
        char uuid[37], name[128];
        temp_uuid(f->partition, uuid);
        snprintf(name, sizeof(name), "%s_tmp%s", uuid, f->extension ? f->extension : "");
        o->temp = path_join(b->root, b->topics_dir, "+tmp", f->topic, f->encoded_partition, name,
                            (const char *)NULL);
        o->partition = f->partition;
        if (!o->temp) {
                free(o);
                snprintf(errstr, errstr_size, "out of memory");
                return FERRY_ERR_NOMEM;
        }
        *obj = o;
        return FERRY_ERR_OK;
}

static int64_t mono_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static ferry_err_t be_write(void *ctx, void *obj, const void *p, size_t n, char *errstr, size_t errstr_size)
{
        hdfs_backend_t *b = ctx;
        hdfs_obj_t *o = obj;
        ferry_err_t err = FERRY_ERR_OK;
        int64_t t0 = mono_ms();
        if (!o->created) {
                /* The NameNode's half of CREATE now; the data streams to the DataNode while the
                 * core formats the rest (overwrite: a temp left by an earlier attempt of the same
                 * file has a new uuid anyway). */
                char *loc = NULL;
                err = webhdfs_create_location(b->fs, o->temp, true, &loc, errstr, errstr_size);
                if (err == FERRY_ERR_OK && loc)
                        err = webhdfs_stream_open(loc, o->temp, webhdfs_connect_timeout_ms(b->fs), &o->stream,
                                                  errstr, errstr_size);
                free(loc);
                if (err == FERRY_ERR_OK)
                        o->created = true;
        }
        if (err == FERRY_ERR_OK && n)
                err = o->stream ? webhdfs_stream_write(o->stream, p, n, errstr, errstr_size)
                                : webhdfs_append(b->fs, o->temp, p, n, errstr, errstr_size);
        LOG(b, FERRY_LOG_DEBUG, "HDFS: wrote %zu bytes to %s in %" PRId64 " ms", n, o->temp, mono_ms() - t0);
        return err == FERRY_ERR_NOT_FOUND || err == FERRY_ERR_CONFLICT || err == FERRY_ERR_IO
                       ? FERRY_ERR_RETRIABLE
                       : err;
}

static void be_abort(void *ctx, void *obj)
{
        hdfs_backend_t *b = ctx;
        hdfs_obj_t *o = obj;
        if (!o)
                return;
        webhdfs_stream_abort(o->stream);
        o->stream = NULL;
        if (o->created) {
                char err[512];
                if (webhdfs_delete(b->fs, o->temp, false, NULL, err, sizeof(err)) != FERRY_ERR_OK)
                        LOG(b, FERRY_LOG_WARN, "HDFS: could not delete temp file %s: %s", o->temp, err);
        }
        free(o->temp);
        free(o);
}

/* Renames temp to final, creating final's directory; a rename that already happened (temp gone,
 * final there) counts as done. */
static ferry_err_t commit_rename(hdfs_backend_t *b, const char *temp, const char *final, char *errstr,
                                 size_t errstr_size)
{
        char *dir = parent_of(final);
        if (!dir) {
                snprintf(errstr, errstr_size, "out of memory");
                return FERRY_ERR_NOMEM;
        }
        ferry_err_t err = FERRY_ERR_OK;
        bool known = false;
        for (size_t i = 0; i < DIR_CACHE && !known; i++)
                known = b->dirs[i] && strcmp(b->dirs[i], dir) == 0;
        if (!known) {
                err = webhdfs_mkdirs(b->fs, dir, errstr, errstr_size);
                if (err == FERRY_ERR_OK) {
                        free(b->dirs[b->next_dir]);
                        b->dirs[b->next_dir] = dir;
                        b->next_dir = (b->next_dir + 1) % DIR_CACHE;
                        dir = NULL;
                }
        }
        free(dir);
        if (err != FERRY_ERR_OK)
                return err;
        bool renamed = false;
        err = webhdfs_rename(b->fs, temp, final, &renamed, errstr, errstr_size);
        if (err != FERRY_ERR_OK || renamed)
                return err;
        /* false: the temp is gone (renamed before a crash) or the final name exists already. */
        webhdfs_status_t st;
        err = webhdfs_file_status(b->fs, final, &st, errstr, errstr_size);
        if (err == FERRY_ERR_OK) {
                webhdfs_status_free(&st);
                webhdfs_delete(b->fs, temp, false, NULL, errstr, errstr_size);
                return FERRY_ERR_OK;
        }
        for (size_t i = 0; i < DIR_CACHE; i++) { /* a directory may have been removed: ask again */
                free(b->dirs[i]);
                b->dirs[i] = NULL;
        }
        if (err == FERRY_ERR_NOT_FOUND)
                snprintf(errstr, errstr_size,
                         "HDFS: cannot rename %s to %s: neither the temp file nor the committed "
                         "file exists",
                         temp, final);
        return err == FERRY_ERR_NOT_FOUND ? FERRY_ERR_IO : err;
}

/* log -> log.1 (replacing it): the WAL's batches are all applied. */
static ferry_err_t wal_truncate(hdfs_backend_t *b, wal_state_t *w, char *errstr, size_t errstr_size)
{
        char *log = wal_path(b, w->topic, w->partition, "log");
        char *old = wal_path(b, w->topic, w->partition, "log.1");
        ferry_err_t err = FERRY_ERR_NOMEM;
        if (log && old) {
                err = webhdfs_delete(b->fs, old, false, NULL, errstr, errstr_size);
                bool renamed = false;
                if (err == FERRY_ERR_OK)
                        err = webhdfs_rename(b->fs, log, old, &renamed, errstr, errstr_size);
                if (err == FERRY_ERR_OK) {
                        w->exists = false;
                        w->unsure = false;
                        w->bytes = 0;
                        w->file_id = 0;
                }
        }
        free(log);
        free(old);
        return err;
}

/* Test hook: FERRY_HDFS_FAILPOINT=<name>:<n> kills the process (SIGKILL) the n-th time the point
 * <name> is reached ("after-wal": the WAL batch is written, the rename not yet done), so tests can
 * crash exactly between the two. Unset in production. */
static void failpoint(const char *name)
{
        static atomic_long hits;
        const char *fp = getenv("FERRY_HDFS_FAILPOINT");
        size_t nl = strlen(name);
        if (!fp || strncmp(fp, name, nl) != 0 || fp[nl] != ':')
                return;
        long n = strtol(fp + nl + 1, NULL, 10);
        if (atomic_fetch_add(&hits, 1) + 1 == n) {
                ferry_log(FERRY_LOG_WARN, "HDFS: failpoint %s reached (%ld): killing the process", fp, n);
                raise(SIGKILL);
        }
}

/* The name of path in a WAL entry: Confluent's full URL when hdfs.url gave one. malloc'd. */
static char *entry_name(hdfs_backend_t *b, const char *path)
{
        ferry_buf_t n;
        ferry_buf_init(&n);
        if (ferry_buf_puts(&n, b->wal_url) != 0 || ferry_buf_puts(&n, path) != 0) {
                ferry_buf_free(&n);
                return NULL;
        }
        return ferry_buf_steal(&n);
}

static ferry_err_t fenced(hdfs_backend_t *b, wal_state_t *w, const char *log, const char *what, char *errstr,
                          size_t errstr_size)
{
        if (!w->fenced)
                LOG(b, FERRY_LOG_WARN,
                    "HDFS: %s-%" PRId32 ": the write-ahead log %s %s since this task last wrote it: another "
                    "task writes this partition now; no more commits of it here until it is opened again",
                    w->topic, w->partition, log, what);
        w->fenced = true;
        snprintf(errstr, errstr_size,
                 "HDFS: %s-%" PRId32 " is written by another task (its write-ahead log %s %s); this task "
                 "commits nothing more of it until the partition is reassigned",
                 w->topic, w->partition, log, what);
        return FERRY_ERR_RETRIABLE;
}

/* Reads log to append to it (after a recovery that failed, or a create whose outcome is unknown):
 * a sound WALFile is taken over as recovery does; one that is not is moved to log.1. */
static ferry_err_t wal_adopt(hdfs_backend_t *b, wal_state_t *w, const char *log, char *errstr,
                             size_t errstr_size)
{
        webhdfs_status_t st;
        ferry_err_t err = webhdfs_file_status(b->fs, log, &st, errstr, errstr_size);
        w->exists = false;
        w->unsure = false;
        if (err == FERRY_ERR_NOT_FOUND) {
                w->known = true;
                return FERRY_ERR_OK;
        }
        if (err != FERRY_ERR_OK)
                return err;
        int64_t id = st.file_id, len = st.length;
        webhdfs_status_free(&st);
        ferry_buf_t data;
        ferry_buf_init(&data);
        if ((err = webhdfs_open(b->fs, log, &data, errstr, errstr_size)) != FERRY_ERR_OK) {
                ferry_buf_free(&data);
                return err;
        }
        hdfs_wal_log_t l;
        char why[256];
        int rc = hdfs_wal_parse(data.p ? data.p : "", data.len, &l, why, sizeof(why));
        bool sound = rc == 0 && l.header && !l.cut_short && !l.legacy && (int64_t)data.len == len;
        if (sound) {
                hdfs_wal_writer_reopen(&w->wr, l.sync, data.len);
                w->exists = true;
                w->file_id = id;
        }
        hdfs_wal_log_free(&l);
        ferry_buf_free(&data);
        if (rc < 0) {
                snprintf(errstr, errstr_size, "out of memory");
                return FERRY_ERR_NOMEM;
        }
        if (!sound && (err = wal_truncate(b, w, errstr, errstr_size)) != FERRY_ERR_OK)
                return err;
        w->known = true;
        return FERRY_ERR_OK;
}

/* Fencing (WebHDFS holds no lease across requests): the log must be exactly as this task left
 * it, same inode and length, else another task has taken the partition (its recovery appends a
 * sync mark, its truncation replaces the file). After an append whose outcome is unknown, either
 * length is ours; anything else moves the log to log.1. OK, or the fenced error. */
static ferry_err_t wal_check_owner(hdfs_backend_t *b, wal_state_t *w, const char *log, char *errstr,
                                   size_t errstr_size)
{
        webhdfs_status_t st;
        ferry_err_t err = webhdfs_file_status(b->fs, log, &st, errstr, errstr_size);
        if (err == FERRY_ERR_NOT_FOUND)
                return fenced(b, w, log, "was moved away", errstr, errstr_size);
        if (err != FERRY_ERR_OK)
                return err;
        bool same_file = !w->file_id || !st.file_id || st.file_id == w->file_id;
        int64_t len = st.length;
        webhdfs_status_free(&st);
        if (w->unsure) {
                w->unsure = false;
                if (same_file && len == (int64_t)w->after.pos)
                        w->wr = w->after; /* it landed */
                else if (!same_file || len != (int64_t)w->wr.pos)
                        return wal_truncate(b, w, errstr, errstr_size); /* in part, or unknown */
                return FERRY_ERR_OK;
        }
        return same_file && len == (int64_t)w->wr.pos ? FERRY_ERR_OK
                                                      : fenced(b, w, log, "was changed", errstr, errstr_size);
}

/* Appends one batch (BEGIN, pair, END) to the partition's log, creating it when there is none. */
static ferry_err_t wal_write(hdfs_backend_t *b, wal_state_t *w, const char *log, const hdfs_wal_pair_t *pair,
                             char *errstr, size_t errstr_size)
{
        if (w->fenced)
                return fenced(b, w, log, "was changed", errstr, errstr_size);
        ferry_err_t err;
        if (!w->known && (err = wal_adopt(b, w, log, errstr, errstr_size)) != FERRY_ERR_OK)
                return err;
        if (w->exists && (err = wal_check_owner(b, w, log, errstr, errstr_size)) != FERRY_ERR_OK)
                return err;
        if (!w->exists)
                hdfs_wal_writer_new(&w->wr);
        hdfs_wal_writer_t before = w->wr;
        ferry_buf_t bytes;
        ferry_buf_init(&bytes);
        if (hdfs_wal_encode(&bytes, &w->wr, pair, 1) != 0) {
                ferry_buf_free(&bytes);
                w->wr = before;
                snprintf(errstr, errstr_size, "out of memory");
                return FERRY_ERR_NOMEM;
        }
        if (w->exists) {
                err = webhdfs_append(b->fs, log, bytes.p, bytes.len, errstr, errstr_size);
                if (err != FERRY_ERR_OK) {
                        w->after = w->wr; /* the next commit looks which it was */
                        w->unsure = true;
                }
        } else {
                /* Not overwriting: a log there now was made by another task. */
                err = webhdfs_create(b->fs, log, bytes.p, bytes.len, false, errstr, errstr_size);
                if (err == FERRY_ERR_EXISTS)
                        err = fenced(b, w, log, "was created by another writer", errstr, errstr_size);
                else if (err != FERRY_ERR_OK)
                        w->known = false; /* created or not: read it next time */
                if (err == FERRY_ERR_OK) {
                        webhdfs_status_t st;
                        char e2[512];
                        w->exists = true;
                        w->file_id = 0;
                        if (webhdfs_file_status(b->fs, log, &st, e2, sizeof(e2)) == FERRY_ERR_OK) {
                                w->file_id = st.file_id;
                                webhdfs_status_free(&st);
                        }
                }
        }
        if (err == FERRY_ERR_OK)
                w->bytes += bytes.len;
        else
                w->wr = before;
        ferry_buf_free(&bytes);
        return err;
}

static ferry_err_t be_commit(void *ctx, void *obj, const storage_file_t *f, char *errstr, size_t errstr_size)
{
        hdfs_backend_t *b = ctx;
        hdfs_obj_t *o = obj;
        ferry_err_t err = FERRY_ERR_OK;
        int64_t t0 = mono_ms();
        if (o->stream) { /* the end of the data, and the DataNode's word that the file is whole */
                err = webhdfs_stream_close(o->stream, errstr, errstr_size);
                o->stream = NULL;
                if (err != FERRY_ERR_OK)
                        return err == FERRY_ERR_IO || err == FERRY_ERR_NOT_FOUND ? FERRY_ERR_RETRIABLE : err;
        }
        if (!o->created) {
                err = webhdfs_create(b->fs, o->temp, "", 0, true, errstr, errstr_size);
                if (err != FERRY_ERR_OK)
                        return err == FERRY_ERR_IO ? FERRY_ERR_RETRIABLE : err;
                o->created = true;
        }
        char *final = strchr(f->name, '/') ? path_join(b->root, f->name, (const char *)NULL)
                                           : path_join(b->root, f->dir, f->name, (const char *)NULL);
        wal_state_t *w = wal_state(b, f->topic, f->partition);
        char *log = wal_path(b, f->topic, f->partition, "log");
        char *temp_e = entry_name(b, o->temp), *final_e = final ? entry_name(b, final) : NULL;
        if (!final || !w || !log || !temp_e || !final_e) {
                snprintf(errstr, errstr_size, "out of memory");
                err = FERRY_ERR_NOMEM;
                goto out;
        }
        /* 1. the WAL, so a crash from here on is finished by recovery */
        hdfs_wal_pair_t pair = {temp_e, final_e};
        if ((err = wal_write(b, w, log, &pair, errstr, errstr_size)) != FERRY_ERR_OK)
                goto out;
        failpoint("after-wal");
        /* 2. the rename */
        err = commit_rename(b, o->temp, final, errstr, errstr_size);
        if (err != FERRY_ERR_OK)
                goto out;
        LOG(b, FERRY_LOG_DEBUG, "HDFS: committed %s (%" PRId64 " records) in %" PRId64 " ms", final,
            f->records, mono_ms() - t0);
        /* 3. a long WAL is truncated; a failure here loses nothing (the next commit appends) */
        if (w->bytes > WAL_TRUNCATE_BYTES) {
                char e2[512];
                if (wal_truncate(b, w, e2, sizeof(e2)) != FERRY_ERR_OK)
                        LOG(b, FERRY_LOG_WARN, "HDFS: could not truncate %s: %s", log, e2);
        }
        free(o->temp);
        free(o);
out:
        free(temp_e);
        free(final_e);
        free(final);
        free(log);
        if (err == FERRY_ERR_IO || err == FERRY_ERR_CONFLICT)
                err = FERRY_ERR_RETRIABLE;
        return err;
}

/* Reads a WAL file: 0 read (maybe empty), 1 missing, 2 corrupt (why set; l holds what came before
 * the damage), -1 error (errstr). */
static int wal_read(hdfs_backend_t *b, const char *path, hdfs_wal_log_t *l, uint64_t *len, char *why,
                    size_t why_size, ferry_err_t *err, char *errstr, size_t errstr_size)
{
        ferry_buf_t text;
        ferry_buf_init(&text);
        memset(l, 0, sizeof(*l));
        *err = webhdfs_open(b->fs, path, &text, errstr, errstr_size);
        if (*err == FERRY_ERR_NOT_FOUND) {
                ferry_buf_free(&text);
                return 1;
        }
        if (*err != FERRY_ERR_OK) {
                ferry_buf_free(&text);
                return -1;
        }
        int rc = hdfs_wal_parse(text.p ? text.p : "", text.len, l, why, why_size);
        *len = text.len;
        ferry_buf_free(&text);
        if (rc < 0) {
                *err = FERRY_ERR_NOMEM;
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        return rc == 1 ? 2 : 0;
}

static int64_t wal_end_offset(hdfs_backend_t *b, const hdfs_wal_log_t *l, const char *topic,
                              int32_t partition)
{
        int64_t end = -1;
        for (size_t i = 0; i < l->n; i++) {
                int64_t e = hdfs_committed_end_offset(hdfs_wal_entry_path(l->pairs[i].final), topic,
                                                      partition, b->file_delim);
                if (e > end)
                        end = e;
        }
        return end;
}

typedef struct {
        hdfs_backend_t *b;
        const char *topic;
        int32_t partition;
        int64_t end;     /* max end offset of committed files */
        char prefix[16]; /* temp files of the partition start with it */
        size_t deleted;
} scan_t;

/* Walks dir recursively; temp_mode deletes the partition's temp files, else collects end offsets. */
static ferry_err_t walk(scan_t *s, const char *dir, bool temp_mode, int depth, char *errstr,
                        size_t errstr_size)
{
        if (depth > 64)
                return FERRY_ERR_OK;
        webhdfs_listing_t l = {0};
        ferry_err_t err = webhdfs_list(s->b->fs, dir, &l, errstr, errstr_size);
        if (err == FERRY_ERR_NOT_FOUND) {
                webhdfs_listing_free(&l);
                return FERRY_ERR_OK;
        }
        for (size_t i = 0; i < l.n && err == FERRY_ERR_OK; i++) {
                webhdfs_status_t *e = &l.items[i];
                char *child = path_join(dir, e->name, (const char *)NULL);
                if (!child) {
                        err = FERRY_ERR_NOMEM;
                        break;
                }
                if (e->type == WEBHDFS_DIRECTORY) {
                        if (temp_mode || depth > 0 || strcmp(e->name, "+tmp") != 0)
                                err = walk(s, child, temp_mode, depth + 1, errstr, errstr_size);
                } else if (temp_mode) {
                        size_t pl = strlen(s->prefix);
                        if (strncmp(e->name, s->prefix, pl) == 0 && strstr(e->name, "_tmp")) {
                                err = webhdfs_delete(s->b->fs, child, false, NULL, errstr, errstr_size);
                                s->deleted++;
                        }
                } else {
                        int64_t end =
                                hdfs_committed_end_offset(e->name, s->topic, s->partition, s->b->file_delim);
                        if (end > s->end)
                                s->end = end;
                }
                free(child);
        }
        webhdfs_listing_free(&l);
        return err;
}

ferry_err_t hdfs_backend_recover(hdfs_backend_t *b, const char *topic, int32_t partition, int64_t *offset,
                                 char *errstr, size_t errstr_size)
{
        *offset = -1;
        wal_state_t *w = wal_state(b, topic, partition);
        char *log = wal_path(b, topic, partition, "log");
        char *old = wal_path(b, topic, partition, "log.1");
        char *tmpdir = path_join(b->root, b->topics_dir, "+tmp", topic, (const char *)NULL);
        char *topicdir = path_join(b->root, b->topics_dir, topic, (const char *)NULL);
        hdfs_wal_log_t l = {0};
        ferry_err_t err = FERRY_ERR_OK;
        int64_t end = -1;
        bool from_names = false;
        char why[256];
        if (!w || !log || !old || !tmpdir || !topicdir) {
                snprintf(errstr, errstr_size, "out of memory");
                err = FERRY_ERR_NOMEM;
                goto out;
        }
        /* 1. replay the WAL's complete batches */
        webhdfs_status_t ls;
        int64_t log_id = 0, log_len = -1;
        err = webhdfs_file_status(b->fs, log, &ls, errstr, errstr_size);
        if (err == FERRY_ERR_OK) {
                log_id = ls.file_id;
                log_len = ls.length;
                webhdfs_status_free(&ls);
        } else if (err != FERRY_ERR_NOT_FOUND) {
                goto out;
        }
        err = FERRY_ERR_OK;
        uint64_t len = 0;
        int rc = log_len < 0 ? 1 : wal_read(b, log, &l, &len, why, sizeof(why), &err, errstr, errstr_size);
        if (rc < 0)
                goto out;
        w->known = false; /* until this recovery has settled the log */
        w->exists = false;
        w->fenced = false;
        w->unsure = false;
        w->file_id = 0;
        w->bytes = 0;
        /* what becomes of log: appended to (a sound WALFile), or moved to log.1 (old text, damaged) */
        bool keep = rc == 0 && l.header && !l.cut_short && !l.legacy && (int64_t)len == log_len;
        bool move = rc != 1 && !keep && len > 0;
        bool legacy = l.legacy;
        unsigned char sync[HDFS_WAL_SYNC_SIZE];
        memcpy(sync, l.sync, sizeof(sync));
        if (rc == 2) {
                LOG(b, FERRY_LOG_WARN,
                    "HDFS: the write-ahead log %s is corrupt (%s): replaying the %zu complete batch(es) "
                    "before the "
                    "damage and recovering the offset of %s-%" PRId32 " from the committed file names",
                    log, why, l.batches, topic, partition);
                from_names = true;
        }
        for (size_t i = 0; i < l.n; i++) {
                webhdfs_status_t st;
                const char *temp = hdfs_wal_entry_path(l.pairs[i].temp);
                const char *final = hdfs_wal_entry_path(l.pairs[i].final);
                ferry_err_t e = webhdfs_file_status(b->fs, temp, &st, errstr, errstr_size);
                if (e == FERRY_ERR_NOT_FOUND)
                        continue; /* renamed before the crash */
                if (e != FERRY_ERR_OK) {
                        err = e;
                        goto out;
                }
                webhdfs_status_free(&st);
                LOG(b, FERRY_LOG_INFO, "HDFS: recovery: renaming %s to %s from the write-ahead log", temp,
                    final);
                if ((err = commit_rename(b, temp, final, errstr, errstr_size)) != FERRY_ERR_OK)
                        goto out;
        }
        if (!from_names) {
                /* The newest files are in log; log.1 holds those before the last truncation, which
                 * may have split one rotation's files (several encoded partitions) between them. */
                end = wal_end_offset(b, &l, topic, partition);
                hdfs_wal_log_free(&l);
                uint64_t old_len;
                rc = wal_read(b, old, &l, &old_len, why, sizeof(why), &err, errstr, errstr_size);
                if (rc < 0)
                        goto out;
                if (rc == 2) {
                        LOG(b, FERRY_LOG_WARN,
                            "HDFS: the write-ahead log %s is corrupt (%s): recovering the offset of "
                            "%s-%" PRId32 " from the committed file names",
                            old, why, topic, partition);
                        from_names = true;
                } else if (rc == 0) {
                        int64_t e1 = wal_end_offset(b, &l, topic, partition);
                        if (e1 > end)
                                end = e1;
                }
                if (end < 0)
                        from_names = true;
        }
        /* 2. take the log over, as Confluent's writer reopening it does, so that a task still
         * writing this partition elsewhere finds it changed and stops (wal_check_owner) */
        if (keep) {
                hdfs_wal_writer_reopen(&w->wr, sync, len);
                ferry_buf_t mark;
                ferry_buf_init(&mark);
                err = hdfs_wal_mark(&mark, &w->wr) == 0 && mark.len > 0
                              ? webhdfs_append(b->fs, log, mark.p, mark.len, errstr, errstr_size)
                              : FERRY_ERR_OK;
                ferry_buf_free(&mark);
                if (err == FERRY_ERR_OK) {
                        w->exists = true;
                        w->file_id = log_id;
                        w->bytes = (size_t)w->wr.pos; /* truncated once it grows past the limit */
                        /* another writer appended meanwhile: read the log again before writing */
                        webhdfs_status_t now = {0};
                        if (webhdfs_file_status(b->fs, log, &now, errstr, errstr_size) != FERRY_ERR_OK ||
                            now.length != (int64_t)w->wr.pos) {
                                w->exists = false;
                                w->known = false;
                        }
                        webhdfs_status_free(&now);
                } else {
                        LOG(b, FERRY_LOG_WARN,
                            "HDFS: cannot append to the write-ahead log %s (%s): moving it to log.1", log,
                            errstr);
                        move = true;
                }
        }
        if (move) {
                if ((err = wal_truncate(b, w, errstr, errstr_size)) != FERRY_ERR_OK)
                        goto out;
                LOG(b, FERRY_LOG_INFO, "HDFS: recovery: moved %s (%s) to log.1; a new log is started", log,
                    legacy ? "Ferry's old text format" : "damaged or cut short");
        } else if (rc == 0 && len == 0 && log_len >= 0) {
                webhdfs_delete(b->fs, log, false, NULL, errstr, errstr_size); /* created, never written */
        }
        w->known = w->known || !keep || w->exists;
        /* 3. temp files of the partition are leftovers of a crash: delete them */
        scan_t s = {.b = b, .topic = topic, .partition = partition, .end = -1};
        snprintf(s.prefix, sizeof(s.prefix), "%08" PRIx32 "-", (uint32_t)partition);
        if ((err = walk(&s, tmpdir, true, 0, errstr, errstr_size)) != FERRY_ERR_OK)
                goto out;
        if (s.deleted)
                LOG(b, FERRY_LOG_INFO, "HDFS: recovery: deleted %zu temp file(s) of %s-%" PRId32, s.deleted,
                    topic, partition);
        /* 4. the offset: from the WAL, else from the committed file names */
        if (from_names) {
                if ((err = walk(&s, topicdir, false, 0, errstr, errstr_size)) != FERRY_ERR_OK)
                        goto out;
                end = s.end;
                if (end >= 0)
                        LOG(b, FERRY_LOG_INFO,
                            "HDFS: recovery: %s-%" PRId32 " resumes after offset %" PRId64
                            " (from the committed file names)",
                            topic, partition, end);
        } else if (end >= 0) {
                LOG(b, FERRY_LOG_INFO,
                    "HDFS: recovery: %s-%" PRId32 " resumes after offset %" PRId64
                    " (from the write-ahead log)",
                    topic, partition, end);
        }
        *offset = end >= 0 ? end + 1 : -1;
out:
        hdfs_wal_log_free(&l);
        free(log);
        free(old);
        free(tmpdir);
        free(topicdir);
        if (err == FERRY_ERR_IO || err == FERRY_ERR_CONFLICT)
                err = FERRY_ERR_RETRIABLE;
        return err;
}

static ferry_err_t be_recover(void *ctx, const char *topic, int32_t partition, int64_t *offset, char *errstr,
                              size_t errstr_size)
{
        return hdfs_backend_recover(ctx, topic, partition, offset, errstr, errstr_size);
}

void hdfs_backend_vtable(hdfs_backend_t *b, storage_backend_t *out)
{
        memset(out, 0, sizeof(*out));
        out->size = sizeof(*out);
        out->ctx = b;
        out->chunk_size = b->chunk_size;
        out->naming = STORAGE_NAME_START_END;
        out->open = be_open;
        out->write = be_write;
        out->commit = be_commit;
        out->abort = be_abort;
        out->recover = be_recover;
}
