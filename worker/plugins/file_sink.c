/* FileStreamSinkConnector: the last stage of a sink pipeline. Appends each record's value and a
 * newline to a file (or stdout); flush() pushes the writes to the file before the runtime commits
 * the consumed offsets, so a crash repeats lines only after the last committed offset. */
#include "plugins_builtin.h"

#include <ferry/connector.h>
#include <ferry/log.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        FILE *fp;
        void *text;        /* StringConverter state: values are written as their text form */
        ferry_buf_t line;
} sink_task_t;

static ferry_err_t sink_task_configs(ferry_connector_ctx_t *c, const ferry_strmap_t *config, int max_tasks,
                                     ferry_strmap_t *out, int *n_out, char *errstr, size_t errstr_size)
{
        for (int i = 0; i < max_tasks; i++) {
                ferry_strmap_init(&out[i]);
                if (ferry_strmap_copy(&out[i], config) < 0)
                        return FERRY_ERR_NOMEM;
                *n_out = i + 1;
        }
        return FERRY_ERR_OK;
}

static void sink_free(sink_task_t *s)
{
        if (!s)
                return;
        if (s->fp && s->fp != stdout)
                fclose(s->fp);
        if (s->text)
                ferry_string_converter.close(s->text);
        ferry_buf_free(&s->line);
        free(s->filename);
        free(s);
}

static ferry_err_t sink_start(ferry_task_t *t, const ferry_strmap_t *config, char *errstr, size_t errstr_size)
{
        sink_task_t *s = calloc(1, sizeof(*s));
        if (!s)
                return FERRY_ERR_NOMEM;
        ferry_buf_init(&s->line);
        const char *file = ferry_config_str(sink_config, config, "file");
        ferry_strmap_t empty;
        ferry_strmap_init(&empty);
        ferry_err_t err = ferry_string_converter.configure(&s->text, &empty, false, errstr, errstr_size);
        if (err) {
                sink_free(s);
                return err;
        }
        if (file && *file) {
                s->filename = strdup(file);
                s->fp = fopen(file, "ab");
                if (!s->fp) {
                        snprintf(errstr, errstr_size, "Couldn't find or create file '%s' for FileStreamSinkTask: %s",
                                 file, strerror(errno));
                        sink_free(s);
                        return FERRY_ERR_IO;
                }
                setvbuf(s->fp, NULL, _IOFBF, 1 << 20);
        } else {
                s->fp = stdout;
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
                bool is_null = false;
                ferry_buf_reset(&s->line);
                ferry_err_t err = ferry_string_converter.from_connect(s->text, r->topic, r->value_schema, r->value,
                                                                      &s->line, &is_null, errstr, errstr_size);
                if (err)
                        return err;
                if (is_null)
                        ferry_buf_puts(&s->line, "null");
                ferry_buf_putc(&s->line, '\n');
                if (fwrite(s->line.p, 1, s->line.len, s->fp) != s->line.len) {
                        snprintf(errstr, errstr_size, "Error writing to %s: %s",
                                 s->filename ? s->filename : "stdout", strerror(errno));
                        return FERRY_ERR_IO;
                }
        }
        return FERRY_ERR_OK;
}

static ferry_err_t sink_flush(ferry_task_t *t, char *errstr, size_t errstr_size)
{
        sink_task_t *s = ferry_task_data(t);
        if (fflush(s->fp) != 0) {
                snprintf(errstr, errstr_size, "Error flushing %s: %s", s->filename ? s->filename : "stdout",
                         strerror(errno));
                return FERRY_ERR_IO;
        }
        return FERRY_ERR_OK;
}

static void sink_stop(ferry_task_t *t)
{
        sink_task_t *s = ferry_task_data(t);
        if (s && s->fp)
                fflush(s->fp);
        sink_free(s);
        ferry_task_set_data(t, NULL);
}

static const ferry_sink_task_ops_t sink_ops = {
        .start = sink_start,
        .put = sink_put,
        .flush = sink_flush,
        .stop = sink_stop,
};

const ferry_connector_plugin_t ferry_file_sink_connector = {
        .info = {.abi = FERRY_PLUGIN_ABI,
                 .type = FERRY_PLUGIN_SINK,
                 .class_name = "org.apache.kafka.connect.file.FileStreamSinkConnector",
                 .version = FERRY_VERSION,
                 .config = sink_config,
                 .doc = "Appends each record's value as a line to a file."},
        .task_configs = sink_task_configs,
        .sink = &sink_ops,
};
