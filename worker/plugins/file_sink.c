/* FileStreamSinkConnector: the last stage of a sink pipeline. Appends each record's value and a
 * newline to a file (or stdout); flush() pushes the writes to the file before the runtime commits
 * the consumed offsets, so a crash repeats lines only after the last committed offset.
 * Lines are collected in a buffer and written whole with write(2) on an O_APPEND descriptor, so
 * tasks sharing a file never interleave inside a line. A crash can still cut the last write short;
 * such a torn tail always lies past the last committed offset, so a starting task removes it and
 * the replay writes those lines again in full. */
#include "builtin.h"

#include <ferry/connector.h>
#include <ferry/log.h>
#include <ferry/text.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SINK_WRITE_THRESHOLD (1 << 20)

#ifndef FERRY_VERSION
#define FERRY_VERSION "dev"
#endif

static const ferry_config_def_t sink_config[] = {
        {.name = "file",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "Destination filename. If not specified, the standard output will be used"},
        {.name = NULL},
};

typedef struct {
        char *filename;
        int fd;
        ferry_buf_t line;
        ferry_buf_t out; /* whole lines not yet written */
} sink_task_t;

static void sink_free(sink_task_t *s)
{
        if (!s)
                return;
        if (s->fd > STDOUT_FILENO)
                close(s->fd);
        ferry_buf_free(&s->line);
        ferry_buf_free(&s->out);
        free(s->filename);
        free(s);
}

/* Drops a partial last line (no trailing newline) left by a crash. */
static int drop_torn_tail(int fd, const char *file, char *errstr, size_t errstr_size)
{
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
                return 0;
        off_t end = st.st_size, pos = end;
        char chunk[4096];
        while (pos > 0) {
                size_t n = pos >= (off_t)sizeof(chunk) ? sizeof(chunk) : (size_t)pos;
                if (pread(fd, chunk, n, pos - (off_t)n) != (ssize_t)n) {
                        snprintf(errstr, errstr_size, "Cannot read %s: %s", file, strerror(errno));
                        return -1;
                }
                for (size_t i = n; i > 0; i--) {
                        if (chunk[i - 1] == '\n') {
                                off_t keep = pos - (off_t)n + (off_t)i;
                                if (keep == end)
                                        return 0;
                                FERRY_WARN("Removing %lld byte(s) of a partial last line from %s (written "
                                           "before a "
                                           "crash; the records will be written again)",
                                           (long long)(end - keep), file);
                                if (ftruncate(fd, keep) < 0) {
                                        snprintf(errstr, errstr_size, "Cannot truncate %s: %s", file,
                                                 strerror(errno));
                                        return -1;
                                }
                                return 0;
                        }
                }
                pos -= (off_t)n;
        }
        FERRY_WARN("Removing a partial line (%lld bytes) from %s", (long long)end, file);
        if (ftruncate(fd, 0) < 0) {
                snprintf(errstr, errstr_size, "Cannot truncate %s: %s", file, strerror(errno));
                return -1;
        }
        return 0;
}

static int write_out(sink_task_t *s, char *errstr, size_t errstr_size)
{
        size_t off = 0;
        while (off < s->out.len) {
                ssize_t w = write(s->fd, s->out.p + off, s->out.len - off);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0) {
                        snprintf(errstr, errstr_size, "Error writing to %s: %s",
                                 s->filename ? s->filename : "stdout", strerror(errno));
                        memmove(s->out.p, s->out.p + off, s->out.len - off);
                        s->out.len -= off;
                        return -1;
                }
                off += (size_t)w;
        }
        ferry_buf_reset(&s->out);
        return 0;
}

static ferry_err_t sink_start(ferry_task_t *t, const ferry_strmap_t *config, char *errstr, size_t errstr_size)
{
        sink_task_t *s = calloc(1, sizeof(*s));
        if (!s)
                return FERRY_ERR_NOMEM;
        ferry_buf_init(&s->line);
        ferry_buf_init(&s->out);
        s->fd = -1;
        const char *file = ferry_config_str(sink_config, config, "file");
        if (file && *file) {
                s->filename = strdup(file);
                s->fd = open(file, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
                if (s->fd < 0) {
                        snprintf(errstr, errstr_size,
                                 "Couldn't find or create file '%s' for FileStreamSinkTask: %s", file,
                                 strerror(errno));
                        sink_free(s);
                        return FERRY_ERR_IO;
                }
                if (drop_torn_tail(s->fd, file, errstr, errstr_size) < 0) {
                        sink_free(s);
                        return FERRY_ERR_IO;
                }
        } else {
                s->fd = STDOUT_FILENO;
        }
        ferry_task_set_data(t, s);
        return FERRY_ERR_OK;
}

static ferry_err_t sink_put(ferry_task_t *t, ferry_record_t *const *recs, size_t n, char *errstr,
                            size_t errstr_size)
{
        sink_task_t *s = ferry_task_data(t);
        for (size_t i = 0; i < n; i++) {
                const ferry_record_t *r = recs[i];
                ferry_buf_reset(&s->line);
                if (ferry_value_text(&s->line, r->value_schema, r->value) < 0) {
                        snprintf(errstr, errstr_size, "out of memory");
                        return FERRY_ERR_NOMEM;
                }
                ferry_buf_putc(&s->line, '\n');
                if (ferry_buf_append(&s->out, s->line.p, s->line.len) < 0)
                        return FERRY_ERR_NOMEM;
        }
        if (s->out.len >= SINK_WRITE_THRESHOLD && write_out(s, errstr, errstr_size) < 0)
                return FERRY_ERR_IO;
        return FERRY_ERR_OK;
}

static ferry_err_t sink_flush(ferry_task_t *t, char *errstr, size_t errstr_size)
{
        sink_task_t *s = ferry_task_data(t);
        return write_out(s, errstr, errstr_size) < 0 ? FERRY_ERR_IO : FERRY_ERR_OK;
}

static void sink_stop(ferry_task_t *t)
{
        sink_task_t *s = ferry_task_data(t);
        char errstr[512];
        if (s && write_out(s, errstr, sizeof(errstr)) < 0)
                FERRY_ERROR("%s", errstr);
        sink_free(s);
        ferry_task_set_data(t, NULL);
}

static const ferry_sink_task_ops_t sink_ops = {
        .size = sizeof(ferry_sink_task_ops_t),
        .start = sink_start,
        .put = sink_put,
        .flush = sink_flush,
        .stop = sink_stop,
};

const ferry_connector_plugin_t ferry_file_sink_connector = {
        .info = FERRY_PLUGIN_INFO(ferry_connector_plugin_t, .type = FERRY_PLUGIN_SINK,
                                  .class_name = "org.apache.kafka.connect.file.FileStreamSinkConnector",
                                  .version = FERRY_VERSION, .config = sink_config,
                                  .doc = "Appends each record's value as a line to a file."),
        .task_configs = ferry_task_configs_copies,
        .sink = &sink_ops,
};
