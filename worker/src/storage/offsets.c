/* Source offset store for standalone mode: an in-memory table of (connector, source partition) ->
 * source offset, persisted to offset.storage.file.filename. Every commit rewrites the file to a
 * temporary name, syncs it and renames it over the old one, so a crash leaves either the old or
 * the new offsets, never a torn file. File format: a JSON array of {"key": ["<connector>",
 * {partition}], "value": {offset}}, the key being what the offsets topic uses in distributed mode. */
#include "storage/offsets.h"

#include "kafka/kafka_log.h"

#include <ferry/buf.h>
#include <ferry/json.h>
#include <ferry/log.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
        char *connector;
        ferry_value_t *partition;
        ferry_value_t *offset;
} entry_t;

struct ferry_offsets {
        pthread_mutex_t lock;
        char *path;        /* standalone: the file */
        ferry_klog_t *log; /* distributed: the offsets topic */
        entry_t *e;
        size_t n, cap;
};

static void entry_free(entry_t *e)
{
        free(e->connector);
        ferry_value_free(e->partition);
        ferry_value_free(e->offset);
}

static entry_t *find(ferry_offsets_t *o, const char *connector, const ferry_value_t *partition)
{
        for (size_t i = 0; i < o->n; i++)
                if (!strcmp(o->e[i].connector, connector) && ferry_value_equal(o->e[i].partition, partition))
                        return &o->e[i];
        return NULL;
}

/* Sets (taking ownership of partition and offset) or, with a NULL offset, removes. */
static int set_entry(ferry_offsets_t *o, const char *connector, ferry_value_t *partition,
                     ferry_value_t *offset)
{
        entry_t *e = find(o, connector, partition);
        if (e) {
                ferry_value_free(partition);
                ferry_value_free(e->offset);
                e->offset = offset;
                if (!offset) {
                        entry_free(e);
                        *e = o->e[--o->n];
                }
                return 0;
        }
        if (!offset) {
                ferry_value_free(partition);
                return 0;
        }
        if (o->n == o->cap) {
                size_t cap = o->cap ? o->cap * 2 : 16;
                entry_t *ne = realloc(o->e, cap * sizeof(*ne));
                if (!ne)
                        goto nomem;
                o->e = ne;
                o->cap = cap;
        }
        char *c = strdup(connector);
        if (!c)
                goto nomem;
        o->e[o->n++] = (entry_t){c, partition, offset};
        return 0;
nomem:
        ferry_value_free(partition);
        ferry_value_free(offset);
        return -1;
}

static int load(ferry_offsets_t *o, char *errstr, size_t errstr_size)
{
        FILE *fp = fopen(o->path, "rb");
        if (!fp) {
                if (errno == ENOENT)
                        return 0;
                snprintf(errstr, errstr_size, "%s: %s", o->path, strerror(errno));
                return -1;
        }
        ferry_buf_t b;
        ferry_buf_init(&b);
        char chunk[65536];
        size_t got;
        while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0)
                ferry_buf_append(&b, chunk, got);
        fclose(fp);
        int rc = 0;
        if (b.len == 0)
                goto out;
        char err[512];
        ferry_value_t *all = ferry_json_read(b.p, b.len, err, sizeof(err));
        if (!all || all->type != FERRY_TYPE_ARRAY) {
                snprintf(errstr, errstr_size, "%s: not an offsets file (%s)", o->path,
                         all ? "expected a JSON array" : err);
                ferry_value_free(all);
                rc = -1;
                goto out;
        }
        for (size_t i = 0; i < all->u.a.n && rc == 0; i++) {
                ferry_value_t *item = all->u.a.items[i];
                ferry_value_t *key =
                        item && item->type == FERRY_TYPE_MAP ? ferry_map_get_str(item, "key") : NULL;
                ferry_value_t *val =
                        item && item->type == FERRY_TYPE_MAP ? ferry_map_get_str(item, "value") : NULL;
                if (!key || key->type != FERRY_TYPE_ARRAY || key->u.a.n != 2 || !key->u.a.items[0] ||
                    key->u.a.items[0]->type != FERRY_TYPE_STRING || !val) {
                        snprintf(errstr, errstr_size,
                                 "%s: entry %zu is not {\"key\":[connector,partition],\"value\":offset}",
                                 o->path, i);
                        rc = -1;
                        break;
                }
                rc = set_entry(o, key->u.a.items[0]->u.s.data, ferry_value_copy(key->u.a.items[1]),
                               ferry_value_copy(val));
        }
        ferry_value_free(all);
out:
        ferry_buf_free(&b);
        return rc;
}

ferry_offsets_t *ferry_offsets_open_file(const char *path, char *errstr, size_t errstr_size)
{
        ferry_offsets_t *o = calloc(1, sizeof(*o));
        if (!o || !(o->path = strdup(path))) {
                free(o);
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        pthread_mutex_init(&o->lock, NULL);
        if (load(o, errstr, errstr_size) < 0) {
                ferry_offsets_close(o);
                return NULL;
        }
        FERRY_INFO("Loaded %zu source offset(s) from %s", o->n, path);
        return o;
}

/* Offsets topic record -> table (reader thread). Keys that are not ["<connector>", {...}] are
 * skipped, as Connect does. */
static void on_offset_record(void *data, const char *key, size_t klen, const char *value, size_t vlen)
{
        ferry_offsets_t *o = data;
        char err[256];
        ferry_value_t *k = key ? ferry_json_read(key, klen, err, sizeof(err)) : NULL;
        if (!k || k->type != FERRY_TYPE_ARRAY || k->u.a.n != 2 || !k->u.a.items[0] ||
            k->u.a.items[0]->type != FERRY_TYPE_STRING || !k->u.a.items[1]) {
                FERRY_WARN("Ignoring an offsets record with an unexpected key");
                ferry_value_free(k);
                return;
        }
        ferry_value_t *v = value ? ferry_json_read(value, vlen, err, sizeof(err)) : NULL;
        if (value && !v) {
                FERRY_WARN("Ignoring an offsets record whose value is not JSON: %s", err);
                ferry_value_free(k);
                return;
        }
        pthread_mutex_lock(&o->lock);
        set_entry(o, k->u.a.items[0]->u.s.data, ferry_value_copy(k->u.a.items[1]), v);
        pthread_mutex_unlock(&o->lock);
        ferry_value_free(k);
}

ferry_offsets_t *ferry_offsets_open_kafka(const ferry_strmap_t *worker, const struct ferry_klog_opts *opts,
                                          char *errstr, size_t errstr_size)
{
        ferry_offsets_t *o = calloc(1, sizeof(*o));
        if (!o)
                return NULL;
        pthread_mutex_init(&o->lock, NULL);
        o->log = ferry_klog_open(worker, opts, on_offset_record, o, errstr, errstr_size);
        if (!o->log || ferry_klog_read_to_end(o->log, 60000, errstr, errstr_size) < 0) {
                ferry_offsets_close(o);
                return NULL;
        }
        /* The reader thread keeps appending records that arrive after the end was reached. */
        pthread_mutex_lock(&o->lock);
        size_t n = o->n;
        pthread_mutex_unlock(&o->lock);
        FERRY_INFO("Loaded %zu source offset(s) from topic %s", n, opts->topic);
        return o;
}

int ferry_offsets_sync(ferry_offsets_t *o, int timeout_ms, char *errstr, size_t errstr_size)
{
        return o->log ? ferry_klog_read_to_end(o->log, timeout_ms, errstr, errstr_size) : 0;
}

void ferry_offsets_close(ferry_offsets_t *o)
{
        if (!o)
                return;
        ferry_klog_close(o->log);
        for (size_t i = 0; i < o->n; i++)
                entry_free(&o->e[i]);
        free(o->e);
        free(o->path);
        pthread_mutex_destroy(&o->lock);
        free(o);
}

ferry_value_t *ferry_offsets_get(ferry_offsets_t *o, const char *connector, const ferry_value_t *partition)
{
        pthread_mutex_lock(&o->lock);
        entry_t *e = find(o, connector, partition);
        ferry_value_t *v = e ? ferry_value_copy(e->offset) : NULL;
        pthread_mutex_unlock(&o->lock);
        return v;
}

/* Writes the whole table to path.tmp, syncs, renames over path. Called with the lock held. */
static int persist(ferry_offsets_t *o, char *errstr, size_t errstr_size)
{
        ferry_value_t *all = ferry_value_array();
        for (size_t i = 0; all && i < o->n; i++) {
                ferry_value_t *item = ferry_value_map(), *key = ferry_value_array();
                if (!item || !key) {
                        ferry_value_free(item);
                        ferry_value_free(key);
                        ferry_value_free(all);
                        all = NULL;
                        break;
                }
                ferry_array_append(key, ferry_value_cstring(o->e[i].connector));
                ferry_array_append(key, ferry_value_copy(o->e[i].partition));
                ferry_map_put_str(item, "key", key);
                ferry_map_put_str(item, "value", ferry_value_copy(o->e[i].offset));
                ferry_array_append(all, item);
        }
        char *text = NULL;
        size_t len = 0;
        if (!all || ferry_json_write(all, &text, &len) < 0) {
                ferry_value_free(all);
                snprintf(errstr, errstr_size, "out of memory while writing offsets");
                return -1;
        }
        ferry_value_free(all);
        char tmp[4096];
        snprintf(tmp, sizeof(tmp), "%s.tmp", o->path);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        int rc = -1;
        if (fd >= 0) {
                size_t off = 0;
                while (off < len) {
                        ssize_t w = write(fd, text + off, len - off);
                        if (w < 0 && errno == EINTR)
                                continue;
                        if (w <= 0)
                                break;
                        off += (size_t)w;
                }
                if (off == len && fsync(fd) == 0 && close(fd) == 0) {
                        fd = -1;
                        rc = rename(tmp, o->path);
                }
                if (fd >= 0)
                        close(fd);
        }
        if (rc < 0)
                snprintf(errstr, errstr_size, "writing offsets to %s: %s", o->path, strerror(errno));
        free(text);
        return rc;
}

int ferry_offsets_apply(ferry_offsets_t *o, const char *connector, ferry_value_t *const *partitions,
                        ferry_value_t *const *offsets, size_t n)
{
        int rc = 0;
        pthread_mutex_lock(&o->lock);
        for (size_t i = 0; i < n && rc == 0; i++)
                rc = set_entry(o, connector, ferry_value_copy(partitions[i]),
                               offsets[i] ? ferry_value_copy(offsets[i]) : NULL);
        pthread_mutex_unlock(&o->lock);
        return rc;
}

int ferry_offsets_encode(const char *connector, const ferry_value_t *partition, const ferry_value_t *offset,
                         char **k, size_t *klen, char **v, size_t *vlen)
{
        *k = *v = NULL;
        *klen = *vlen = 0;
        ferry_value_t *key = ferry_value_array();
        if (!key)
                return -1;
        ferry_array_append(key, ferry_value_cstring(connector));
        ferry_array_append(key, ferry_value_copy(partition));
        int rc = ferry_json_write(key, k, klen);
        if (rc == 0 && offset)
                rc = ferry_json_write(offset, v, vlen);
        ferry_value_free(key);
        if (rc < 0) {
                free(*k);
                free(*v);
                *k = *v = NULL;
        }
        return rc;
}

/* Produces each offset to the offsets topic (acknowledged before returning). */
static int commit_kafka(ferry_offsets_t *o, const char *connector, ferry_value_t *const *partitions,
                        ferry_value_t *const *offsets, size_t n, char *errstr, size_t errstr_size)
{
        int rc = 0;
        for (size_t i = 0; i < n && rc == 0; i++) {
                ferry_value_t *key = ferry_value_array();
                ferry_array_append(key, ferry_value_cstring(connector));
                ferry_array_append(key, ferry_value_copy(partitions[i]));
                char *k = NULL, *v = NULL;
                size_t klen = 0, vlen = 0;
                rc = ferry_json_write(key, &k, &klen);
                if (rc == 0 && offsets[i])
                        rc = ferry_json_write(offsets[i], &v, &vlen);
                if (rc == 0)
                        rc = ferry_klog_send(o->log, k, v, vlen, errstr, errstr_size);
                else
                        snprintf(errstr, errstr_size, "out of memory");
                ferry_value_free(key);
                free(k);
                free(v);
        }
        if (rc == 0) {
                pthread_mutex_lock(&o->lock);
                for (size_t i = 0; i < n && rc == 0; i++)
                        rc = set_entry(o, connector, ferry_value_copy(partitions[i]),
                                       offsets[i] ? ferry_value_copy(offsets[i]) : NULL);
                pthread_mutex_unlock(&o->lock);
        }
        return rc;
}

int ferry_offsets_commit(ferry_offsets_t *o, const char *connector, ferry_value_t *const *partitions,
                         ferry_value_t *const *offsets, size_t n, char *errstr, size_t errstr_size)
{
        if (o->log)
                return commit_kafka(o, connector, partitions, offsets, n, errstr, errstr_size);
        pthread_mutex_lock(&o->lock);
        int rc = 0;
        for (size_t i = 0; i < n && rc == 0; i++)
                rc = set_entry(o, connector, ferry_value_copy(partitions[i]),
                               offsets[i] ? ferry_value_copy(offsets[i]) : NULL);
        if (rc < 0)
                snprintf(errstr, errstr_size, "out of memory");
        else
                rc = persist(o, errstr, errstr_size);
        pthread_mutex_unlock(&o->lock);
        return rc;
}

ferry_value_t *ferry_offsets_list(ferry_offsets_t *o, const char *connector)
{
        ferry_value_t *list = ferry_value_array();
        pthread_mutex_lock(&o->lock);
        for (size_t i = 0; list && i < o->n; i++) {
                if (strcmp(o->e[i].connector, connector))
                        continue;
                ferry_value_t *item = ferry_value_map();
                ferry_map_put_str(item, "partition", ferry_value_copy(o->e[i].partition));
                ferry_map_put_str(item, "offset", ferry_value_copy(o->e[i].offset));
                ferry_array_append(list, item);
        }
        pthread_mutex_unlock(&o->lock);
        return list;
}
