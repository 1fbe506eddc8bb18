/* FileStreamSourceConnector: reads lines from a file (or stdin) and hands each one to the runtime
 * as a string record with a null key, the first stage of a source pipeline. Its source partition
 * is {"filename": <file>} and its offset {"position": <byte offset after the line>}, as Kafka
 * Connect's connector writes them, so a restarted task resumes after the last committed line. */
#include "builtin.h"

#include <ferry/connector.h>
#include <ferry/log.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FERRY_VERSION
#define FERRY_VERSION "dev"
#endif

static int check_single_topic(const char *name, const char *value, char *errstr, size_t errstr_size)
{
        size_t n;
        char **topics = ferry_split_list(value, &n);
        ferry_strlist_free(topics, n);
        if (n != 1) {
                snprintf(errstr, errstr_size,
                         "'%s' in FileStreamSourceConnector configuration requires definition of a single "
                         "topic",
                         name);
                return -1;
        }
        return 0;
}

static const ferry_config_def_t source_config[] = {
        {.name = "file",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "Source filename. If not specified, the standard input will be used"},
        {.name = "topic",
         .type = FERRY_CFG_STRING,
         .required = true,
         .non_empty = true,
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "The topic to publish data to",
         .validate = check_single_topic},
        {.name = "batch.size",
         .type = FERRY_CFG_INT,
         .default_value = "2000",
         .has_min = true,
         .min = 1,
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "The maximum number of records the source task can read from the file each time it is "
                "polled"},
        {.name = NULL},
};

typedef struct {
        char *filename; /* NULL: stdin */
        char *topic;
        int batch_size;
        FILE *fp;
        char *buf;
        size_t len, cap;
        long long position;          /* byte offset of buf[0] in the file */
        ferry_value_t *partition;    /* shared by every record (ferry_value_ref) */
        ferry_value_t *position_key; /* "position", shared likewise */
        ferry_schema_t *schema;      /* STRING */
        bool warned_missing;
} source_task_t;

static ferry_err_t source_task_configs(ferry_connector_ctx_t *c, const ferry_strmap_t *config, int max_tasks,
                                       ferry_strmap_t *out, int *n_out, char *errstr, size_t errstr_size)
{
        ferry_strmap_init(&out[0]);
        if (ferry_strmap_copy(&out[0], config) < 0)
                return FERRY_ERR_NOMEM;
        *n_out = 1;
        return FERRY_ERR_OK;
}

static void source_free(source_task_t *s)
{
        if (!s)
                return;
        if (s->fp && s->fp != stdin)
                fclose(s->fp);
        free(s->filename);
        free(s->topic);
        free(s->buf);
        ferry_value_free(s->partition);
        ferry_value_free(s->position_key);
        ferry_schema_unref(s->schema);
        free(s);
}

static ferry_err_t source_start(ferry_task_t *t, const ferry_strmap_t *config, char *errstr,
                                size_t errstr_size)
{
        source_task_t *s = calloc(1, sizeof(*s));
        if (!s)
                return FERRY_ERR_NOMEM;
        const char *file = ferry_config_str(source_config, config, "file");
        /* A STRING as in Connect; validation refused anything but one topic name. */
        size_t n;
        char **topics = ferry_split_list(ferry_config_str(source_config, config, "topic"), &n);
        if (n == 1)
                s->topic = strdup(topics[0]);
        ferry_strlist_free(topics, n);
        s->filename = file && *file ? strdup(file) : NULL;
        s->batch_size = (int)ferry_config_int(source_config, config, "batch.size");
        s->cap = 64 * 1024;
        s->buf = malloc(s->cap);
        s->partition = ferry_value_map();
        s->position_key = ferry_value_cstring("position");
        s->schema = ferry_schema_new(FERRY_TYPE_STRING);
        if (!s->topic || !s->buf || !s->partition || !s->position_key || !s->schema ||
            (s->filename &&
             ferry_map_put_str(s->partition, "filename", ferry_value_cstring(s->filename)) < 0)) {
                snprintf(errstr, errstr_size, "'topic' must name exactly one topic");
                source_free(s);
                return FERRY_ERR_INVALID_CONFIG;
        }
        ferry_task_set_data(t, s);
        return FERRY_ERR_OK;
}

/* Opens the file and seeks to the committed position. Returns 1 when open, 0 to wait, -1 on error. */
static int source_open(ferry_task_t *t, source_task_t *s, char *errstr, size_t errstr_size)
{
        if (!s->filename) {
                s->fp = stdin;
                return 1;
        }
        s->fp = fopen(s->filename, "rb");
        if (!s->fp) {
                if (errno == ENOENT) {
                        if (!s->warned_missing)
                                FERRY_WARN("Couldn't find file %s for FileStreamSourceTask, waiting for it "
                                           "to be "
                                           "created",
                                           s->filename);
                        s->warned_missing = true;
                        return 0;
                }
                snprintf(errstr, errstr_size, "Error while trying to open file %s: %s", s->filename,
                         strerror(errno));
                return -1;
        }
        ferry_value_t *offset = ferry_task_offset(t, s->partition);
        ferry_value_t *pos = offset ? ferry_map_get_str(offset, "position") : NULL;
        if (pos && pos->type <= FERRY_TYPE_INT64 && pos->u.i > 0) {
                if (fseeko(s->fp, (off_t)pos->u.i, SEEK_SET) < 0) {
                        snprintf(errstr, errstr_size, "Error while trying to seek to offset %lld in %s: %s",
                                 (long long)pos->u.i, s->filename, strerror(errno));
                        ferry_value_free(offset);
                        return -1;
                }
                s->position = pos->u.i;
                FERRY_INFO("Found previous offset, trying to skip to file offset %lld", s->position);
        }
        ferry_value_free(offset);
        FERRY_INFO("Opened %s for reading", s->filename);
        return 1;
}

/* Finds the end of the first line in buf[0..len): *line_len excludes the terminator, *next is
 * where the following line starts. False when no complete line is buffered. A lone '\r' ends a
 * line, but only once the byte after it is known. */
static bool find_line(const char *buf, size_t len, size_t *line_len, size_t *next)
{
        /* memchr scans a word or a vector at a time; a '\r' before the '\n' is rare. */
        const char *nl = memchr(buf, '\n', len);
        size_t end = nl ? (size_t)(nl - buf) : len;
        const char *cr = memchr(buf, '\r', end);
        if (cr) {
                size_t i = (size_t)(cr - buf);
                if (i + 1 >= len)
                        return false;
                *line_len = i;
                *next = buf[i + 1] == '\n' ? i + 2 : i + 1;
                return true;
        }
        if (!nl)
                return false;
        *line_len = end;
        *next = end + 1;
        return true;
}

static ferry_record_t *line_record(source_task_t *s, const char *line, size_t len)
{
        ferry_value_t *value = ferry_value_string(line, len);
        ferry_record_t *r =
                value ? ferry_record_new(s->topic, NULL, NULL, ferry_schema_ref(s->schema), value) : NULL;
        if (r)
                r->source_partition = ferry_value_ref(s->partition);
        return r;
}

/* Only the last record of a poll carries the offset, {"position": end of its line}: the records
 * before it leave the committed offset where it is (record.h), and the runtime commits an offset
 * only once everything before it is acknowledged, so the committed position is exact. */
static ferry_err_t batch_offset(source_task_t *s, ferry_records_t *out, long long end_position)
{
        if (!out->n)
                return FERRY_ERR_OK;
        ferry_value_t *offset = ferry_value_map();
        if (!offset || ferry_map_append(offset, ferry_value_ref(s->position_key),
                                        ferry_value_int(FERRY_TYPE_INT64, end_position)) < 0) {
                ferry_value_free(offset);
                return FERRY_ERR_NOMEM;
        }
        out->recs[out->n - 1]->source_offset = offset;
        return FERRY_ERR_OK;
}

static ferry_err_t source_poll(ferry_task_t *t, ferry_records_t *out, char *errstr, size_t errstr_size)
{
        source_task_t *s = ferry_task_data(t);
        if (!s->fp) {
                int rc = source_open(t, s, errstr, errstr_size);
                if (rc < 0)
                        return FERRY_ERR_IO;
                if (rc == 0) {
                        ferry_task_wait(t, 1000);
                        return FERRY_ERR_OK;
                }
        }
        size_t produced = 0;
        for (;;) {
                size_t start = 0, line_len, next;
                while (produced < (size_t)s->batch_size &&
                       find_line(s->buf + start, s->len - start, &line_len, &next)) {
                        ferry_record_t *r = line_record(s, s->buf + start, line_len);
                        if (!r || ferry_records_push(out, r) < 0) {
                                ferry_record_free(r);
                                return FERRY_ERR_NOMEM;
                        }
                        start += next;
                        produced++;
                }
                if (start > 0) {
                        memmove(s->buf, s->buf + start, s->len - start);
                        s->len -= start;
                        s->position += (long long)start;
                }
                if (produced >= (size_t)s->batch_size)
                        return batch_offset(s, out, s->position);
                if (s->len == s->cap) {
                        char *nb = realloc(s->buf, s->cap * 2);
                        if (!nb)
                                return FERRY_ERR_NOMEM;
                        s->buf = nb;
                        s->cap *= 2;
                }
                size_t got = fread(s->buf + s->len, 1, s->cap - s->len, s->fp);
                if (got == 0) {
                        if (ferror(s->fp)) {
                                snprintf(errstr, errstr_size, "Error reading %s: %s",
                                         s->filename ? s->filename : "stdin", strerror(errno));
                                return FERRY_ERR_IO;
                        }
                        clearerr(s->fp); /* at EOF: more may be appended later */
                        if (produced == 0)
                                ferry_task_wait(t, 200);
                        return batch_offset(s, out, s->position);
                }
                s->len += got;
        }
}

static void source_stop(ferry_task_t *t)
{
        source_free(ferry_task_data(t));
        ferry_task_set_data(t, NULL);
}

static const ferry_source_task_ops_t source_ops = {
        .size = sizeof(ferry_source_task_ops_t),
        .start = source_start,
        .poll = source_poll,
        .stop = source_stop,
};

/* Exactly-once holds when reading a real file that is only appended to; stdin has no offsets. */
static ferry_support_t source_exactly_once(const ferry_strmap_t *config)
{
        const char *file = ferry_strmap_get(config, "file");
        return file && *file ? FERRY_SUPPORT_SUPPORTED : FERRY_SUPPORT_UNSUPPORTED;
}

const ferry_connector_plugin_t ferry_file_source_connector = {
        .info = FERRY_PLUGIN_INFO(ferry_connector_plugin_t, .type = FERRY_PLUGIN_SOURCE,
                                  .class_name = "org.apache.kafka.connect.file.FileStreamSourceConnector",
                                  .version = FERRY_VERSION, .config = source_config,
                                  .doc = "Reads lines from a file and produces each as a string record."),
        .task_configs = source_task_configs,
        .source = &source_ops,
        .exactly_once_support = source_exactly_once,
};
