/* plugin-hello: an out-of-tree Ferry connector plugin, built against the installed SDK headers
 * only (pkg-config --cflags ferry-sdk) and loaded by ferry-worker from plugin.path.
 *
 * HelloSource emits the string records "hello 0", "hello 1", ... to its `topic`, one every
 * `interval.ms`, up to `max.records` (-1: no end). Its source offset is the next number, so a
 * restarted task goes on where the committed offset says. HelloSink appends every record's value
 * to `file`, one per line, and makes it durable in flush() before the worker commits offsets.
 * See docs/plugins.md for the guide this example goes with. */
#define _POSIX_C_SOURCE 200809L /* fileno, fsync */

#include <ferry/connector.h>
#include <ferry/log.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef HELLO_VERSION
#define HELLO_VERSION "1.0.0"
#endif
/* The package of the class names (a second build under another package loads beside this one). */
#ifndef HELLO_CLASS_PREFIX
#define HELLO_CLASS_PREFIX "dev.ferry.examples."
#endif

/* ---- HelloSource ---- */

static const ferry_config_def_t source_config[] = {
        {.name = "topic",
         .type = FERRY_CFG_STRING,
         .required = true,
         .non_empty = true,
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "The topic to write the greetings to."},
        {.name = "greeting",
         .type = FERRY_CFG_STRING,
         .default_value = "hello",
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "The word before the number."},
        {.name = "interval.ms",
         .type = FERRY_CFG_LONG,
         .default_value = "100",
         .has_min = true,
         .min = 0,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "Milliseconds between two records."},
        {.name = "max.records",
         .type = FERRY_CFG_LONG,
         .default_value = "-1",
         .has_min = true,
         .min = -1,
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "How many records to emit in all; -1 for no end."},
        {.name = NULL},
};

typedef struct {
        ferry_config_t *config;
        ferry_value_t *partition; /* {"greeting": <greeting>} */
        int64_t next, max, interval_ms;
} hello_source_t;

/* One task: the greeting sequence has a single source partition. */
static ferry_err_t one_task(ferry_connector_ctx_t *c, const ferry_strmap_t *config, int max_tasks,
                            ferry_strmap_t *out, int *n_out, char *errstr, size_t errstr_size)
{
        ferry_strmap_init(&out[0]);
        if (ferry_strmap_copy(&out[0], config) < 0)
                return FERRY_ERR_NOMEM;
        *n_out = 1;
        return FERRY_ERR_OK;
}

static ferry_err_t source_start(ferry_task_t *t, const ferry_strmap_t *config, char *errstr,
                                size_t errstr_size)
{
        ferry_cfg_errors_t errs;
        ferry_cfg_errors_init(&errs);
        hello_source_t *s = calloc(1, sizeof(*s));
        if (!s || !(s->config = ferry_config_parse(source_config, config, &errs))) {
                char *why = ferry_cfg_errors_join(&errs);
                snprintf(errstr, errstr_size, "%s", why ? why : "out of memory");
                free(why);
                ferry_cfg_errors_free(&errs);
                free(s);
                return FERRY_ERR_INVALID_CONFIG;
        }
        ferry_cfg_errors_free(&errs);
        s->max = ferry_config_get_long(s->config, "max.records");
        s->interval_ms = ferry_config_get_long(s->config, "interval.ms");
        s->partition = ferry_value_map();
        if (!s->partition ||
            ferry_map_put_str(s->partition, "greeting",
                              ferry_value_cstring(ferry_config_get_string(s->config, "greeting"))) < 0) {
                ferry_value_free(s->partition);
                ferry_config_free(s->config);
                free(s);
                return FERRY_ERR_NOMEM;
        }
        /* Resume after the last committed record. */
        ferry_value_t *offset = ferry_task_offset(t, s->partition);
        ferry_value_t *next = offset ? ferry_map_get_str(offset, "next") : NULL;
        if (next && next->type == FERRY_TYPE_INT64)
                s->next = next->u.i;
        ferry_value_free(offset);
        ferry_task_set_data(t, s);
        ferry_task_log(t, FERRY_LOG_INFO, "HelloSource writes to %s from number %" PRId64,
                       ferry_config_get_string(s->config, "topic"), s->next);
        return FERRY_ERR_OK;
}

static ferry_err_t source_poll(ferry_task_t *t, ferry_records_t *out, char *errstr, size_t errstr_size)
{
        hello_source_t *s = ferry_task_data(t);
        if (s->max >= 0 && s->next >= s->max) {
                ferry_task_wait(t, 1000); /* done: idle until stopped */
                return FERRY_ERR_OK;
        }
        if (s->interval_ms > 0 && ferry_task_wait(t, (int)(s->interval_ms > 1000 ? 1000 : s->interval_ms)))
                return FERRY_ERR_OK; /* asked to stop */
        char text[128];
        snprintf(text, sizeof(text), "%s %" PRId64, ferry_config_get_string(s->config, "greeting"), s->next);
        ferry_record_t *r = ferry_record_new(ferry_config_get_string(s->config, "topic"), NULL, NULL,
                                             ferry_schema_new(FERRY_TYPE_STRING), ferry_value_cstring(text));
        ferry_value_t *offset = ferry_value_map();
        if (!r || !offset ||
            ferry_map_put_str(offset, "next", ferry_value_int(FERRY_TYPE_INT64, s->next + 1)) < 0) {
                ferry_record_free(r);
                ferry_value_free(offset);
                return FERRY_ERR_NOMEM;
        }
        r->source_partition = ferry_value_copy(s->partition);
        r->source_offset = offset;
        if (ferry_records_push(out, r) < 0)
                return FERRY_ERR_NOMEM;
        s->next++;
        return FERRY_ERR_OK;
}

static void source_stop(ferry_task_t *t)
{
        hello_source_t *s = ferry_task_data(t);
        if (!s)
                return;
        ferry_value_free(s->partition);
        ferry_config_free(s->config);
        free(s);
        ferry_task_set_data(t, NULL);
}

static const ferry_source_task_ops_t source_ops = {
        .size = sizeof(ferry_source_task_ops_t),
        .start = source_start,
        .poll = source_poll,
        .stop = source_stop,
};

static const ferry_connector_plugin_t hello_source = {
        .info = FERRY_PLUGIN_INFO(ferry_connector_plugin_t, .type = FERRY_PLUGIN_SOURCE,
                                  .class_name = HELLO_CLASS_PREFIX "HelloSourceConnector",
                                  .version = HELLO_VERSION, .config = source_config,
                                  .doc = "Emits \"hello N\" string records to a topic."),
        .task_configs = one_task,
        .source = &source_ops,
};

/* ---- HelloSink ---- */

static const ferry_config_def_t sink_config[] = {
        {.name = "file",
         .type = FERRY_CFG_STRING,
         .required = true,
         .non_empty = true,
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "The file to append record values to, one per line."},
        {.name = NULL},
};

static ferry_err_t sink_start(ferry_task_t *t, const ferry_strmap_t *config, char *errstr, size_t errstr_size)
{
        ferry_config_t *c = ferry_config_parse(sink_config, config, NULL);
        const char *file = c ? ferry_config_get_string(c, "file") : NULL;
        FILE *f = file ? fopen(file, "a") : NULL;
        if (!f) {
                snprintf(errstr, errstr_size, "file: cannot open %s: %s", file ? file : "(unset)",
                         file ? strerror(errno) : "missing");
                ferry_config_free(c);
                return FERRY_ERR_INVALID_CONFIG;
        }
        ferry_config_free(c);
        ferry_task_set_data(t, f);
        return FERRY_ERR_OK;
}

static ferry_err_t sink_put(ferry_task_t *t, ferry_record_t *const *recs, size_t n, char *errstr,
                            size_t errstr_size)
{
        FILE *f = ferry_task_data(t);
        for (size_t i = 0; i < n; i++) {
                const ferry_value_t *v = recs[i]->value;
                if (v && v->type == FERRY_TYPE_STRING)
                        fprintf(f, "%s\n", v->u.s.data);
                else
                        fprintf(f, "%s\n", v ? "(not a string)" : "null");
        }
        return FERRY_ERR_OK;
}

static ferry_err_t sink_flush(ferry_task_t *t, char *errstr, size_t errstr_size)
{
        FILE *f = ferry_task_data(t);
        if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
                snprintf(errstr, errstr_size, "cannot flush: %s", strerror(errno));
                return FERRY_ERR_IO;
        }
        return FERRY_ERR_OK;
}

static void sink_stop(ferry_task_t *t)
{
        FILE *f = ferry_task_data(t);
        if (f)
                fclose(f);
        ferry_task_set_data(t, NULL);
}

static const ferry_sink_task_ops_t sink_ops = {
        .size = sizeof(ferry_sink_task_ops_t),
        .start = sink_start,
        .put = sink_put,
        .flush = sink_flush,
        .stop = sink_stop,
};

static const ferry_connector_plugin_t hello_sink = {
        .info = FERRY_PLUGIN_INFO(ferry_connector_plugin_t, .type = FERRY_PLUGIN_SINK,
                                  .class_name = HELLO_CLASS_PREFIX "HelloSinkConnector",
                                  .version = HELLO_VERSION, .config = sink_config,
                                  .doc = "Appends record values to a file."),
        .task_configs = one_task,
        .sink = &sink_ops,
};

FERRY_PLUGIN_LIST(&hello_source.info, &hello_sink.info)
