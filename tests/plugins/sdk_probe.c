/* A test plugin for the runtime tests of the SDK contexts (tests/runtime/sdk_context.sh builds it
 * into a shared library and loads it through plugin.path). It writes what the runtime does to it
 * into plain files the test reads.
 *
 * ProbeSourceConnector: task count from the file probe.tasks.file (a leading number; "fail: <message>"
 * in it raises a connector error); a watcher thread asks for a task reconfiguration when the file
 * changes. Each task reads its offsets of two source partitions at once (ferry_task_offsets), then
 * produces probe.records records "t<index>-<n>" and logs every commit_record() and commit() into
 * probe.acks.
 *
 * ProbeSinkConnector: appends "<topic> <partition> <offset> <value>" to probe.out for every record
 * put. Values steer it: "REWIND:<offset>" seeks its partition back (once), "RETRY" makes put()
 * return FERRY_ERR_RETRIABLE (once) after ferry_sink_task_timeout(probe.retry.ms), "BAD..." is
 * reported to the errant record reporter, "DURABLE" marks the offset after it as durable (with
 * probe.precommit=true, pre_commit() returns only durable offsets), "PAUSE" pauses its partition
 * until a "RESUME" arrives on another one, "ASSIGNMENT" logs the task's partitions. */
#include <ferry/connector.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int64_t wall_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void append_line(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void append_line(const char *path, const char *fmt, ...)
{
        if (!path)
                return;
        FILE *f = fopen(path, "a");
        if (!f)
                return;
        va_list ap;
        va_start(ap, fmt);
        vfprintf(f, fmt, ap);
        va_end(ap);
        fputc('\n', f);
        fclose(f);
}

static long num(const ferry_strmap_t *c, const char *key, long dflt)
{
        const char *v = ferry_strmap_get(c, key);
        return v && *v ? strtol(v, NULL, 10) : dflt;
}

static const ferry_config_def_t probe_config[] = {
        {.name = "probe.tasks.file", .type = FERRY_CFG_STRING, .doc = "Source: task count file."},
        {.name = "probe.topic", .type = FERRY_CFG_STRING, .doc = "Source: topic."},
        {.name = "probe.records", .type = FERRY_CFG_INT, .doc = "Source: records per task."},
        {.name = "probe.acks", .type = FERRY_CFG_STRING, .doc = "Source: commitRecord log."},
        {.name = "probe.out", .type = FERRY_CFG_STRING, .doc = "Sink: records put."},
        {.name = "probe.retry.ms", .type = FERRY_CFG_INT, .doc = "Sink: retry timeout."},
        {.name = "probe.precommit", .type = FERRY_CFG_BOOLEAN, .doc = "Sink: commit durable offsets only."},
        {.name = "probe.request.commit", .type = FERRY_CFG_BOOLEAN, .doc = "Sink: ask for a commit per put."},
        {.name = NULL},
};

/* ---- source connector ---- */

typedef struct {
        ferry_connector_ctx_t *ctx;
        char *file;
        char last[256];
        pthread_t thread;
        atomic_bool stop;
} src_conn_t;

static void read_small(const char *path, char *out, size_t size)
{
        out[0] = '\0';
        FILE *f = path ? fopen(path, "r") : NULL;
        if (!f)
                return;
        size_t n = fread(out, 1, size - 1, f);
        out[n] = '\0';
        fclose(f);
        while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
                out[--n] = '\0';
}

static void *watch_main(void *arg)
{
        src_conn_t *sc = arg;
        while (!atomic_load(&sc->stop)) {
                char now[256];
                read_small(sc->file, now, sizeof(now));
                if (strcmp(now, sc->last)) {
                        snprintf(sc->last, sizeof(sc->last), "%s", now);
                        const char *fail = strstr(now, "fail: ");
                        if (fail)
                                ferry_connector_raise_error(sc->ctx, fail + 6);
                        else
                                ferry_connector_request_reconfiguration(sc->ctx);
                }
                usleep(100 * 1000); /* polling a file for changes, not synchronisation */
        }
        return NULL;
}

static ferry_err_t src_conn_start(ferry_connector_ctx_t *c, const ferry_strmap_t *config, char *errstr,
                                  size_t errstr_size)
{
        src_conn_t *sc = calloc(1, sizeof(*sc));
        if (!sc)
                return FERRY_ERR_NOMEM;
        sc->ctx = c;
        const char *file = ferry_strmap_get(config, "probe.tasks.file");
        sc->file = file ? strdup(file) : NULL;
        read_small(sc->file, sc->last, sizeof(sc->last));
        ferry_connector_set_data(c, sc);
        if (pthread_create(&sc->thread, NULL, watch_main, sc) != 0) {
                free(sc->file);
                free(sc);
                ferry_connector_set_data(c, NULL);
                snprintf(errstr, errstr_size, "cannot start the watcher thread");
                return FERRY_ERR_FATAL;
        }
        return FERRY_ERR_OK;
}

static void src_conn_stop(ferry_connector_ctx_t *c)
{
        src_conn_t *sc = ferry_connector_data(c);
        if (!sc)
                return;
        atomic_store(&sc->stop, true);
        pthread_join(sc->thread, NULL);
        free(sc->file);
        free(sc);
        ferry_connector_set_data(c, NULL);
}

static ferry_err_t src_task_configs(ferry_connector_ctx_t *c, const ferry_strmap_t *config, int max_tasks,
                                    ferry_strmap_t *out, int *n_out, char *errstr, size_t errstr_size)
{
        char buf[256];
        read_small(ferry_strmap_get(config, "probe.tasks.file"), buf, sizeof(buf));
        long n = buf[0] >= '0' && buf[0] <= '9' ? strtol(buf, NULL, 10) : 1;
        if (n < 1)
                n = 1;
        if (n > max_tasks)
                n = max_tasks;
        for (int i = 0; i < n; i++) {
                ferry_strmap_init(&out[i]);
                if (ferry_strmap_copy(&out[i], config) < 0)
                        return FERRY_ERR_NOMEM;
                char v[32];
                snprintf(v, sizeof(v), "%d", i);
                ferry_strmap_set(&out[i], "task.index", v);
                snprintf(v, sizeof(v), "%ld", n);
                ferry_strmap_set(&out[i], "task.count", v);
        }
        *n_out = (int)n;
        return FERRY_ERR_OK;
}

typedef struct {
        char *topic, *acks;
        long index, records, next;
} src_task_t;

static ferry_value_t *partition_of(const char *task)
{
        ferry_value_t *p = ferry_value_map();
        ferry_map_put_str(p, "task", ferry_value_cstring(task));
        return p;
}

static ferry_err_t src_task_start(ferry_task_t *t, const ferry_strmap_t *config, char *errstr,
                                  size_t errstr_size)
{
        src_task_t *st = calloc(1, sizeof(*st));
        if (!st)
                return FERRY_ERR_NOMEM;
        const char *topic = ferry_strmap_get(config, "probe.topic");
        const char *acks = ferry_strmap_get(config, "probe.acks");
        st->topic = strdup(topic ? topic : "probe");
        st->acks = acks ? strdup(acks) : NULL;
        st->index = num(config, "task.index", 0);
        st->records = num(config, "probe.records", 5);
        ferry_task_set_data(t, st);
        /* Both partitions at once: this task's, and one nobody wrote. */
        char idx[32];
        snprintf(idx, sizeof(idx), "%ld", st->index);
        ferry_value_t *parts[2] = {partition_of(idx), partition_of("none")};
        ferry_value_t *offs[2] = {NULL, NULL};
        size_t found = ferry_task_offsets(t, (const ferry_value_t *const *)parts, 2, offs);
        ferry_value_t *n = offs[0] ? ferry_map_get_str(offs[0], "n") : NULL;
        st->next = n ? n->u.i + 1 : 0;
        append_line(st->acks, "offsets task=%ld count=%s found=%zu next=%ld none=%s", st->index,
                    ferry_strmap_get(config, "task.count") ? ferry_strmap_get(config, "task.count") : "?",
                    found, st->next, offs[1] ? "set" : "null");
        for (int i = 0; i < 2; i++) {
                ferry_value_free(parts[i]);
                ferry_value_free(offs[i]);
        }
        return FERRY_ERR_OK;
}

static ferry_err_t src_task_poll(ferry_task_t *t, ferry_records_t *out, char *errstr, size_t errstr_size)
{
        src_task_t *st = ferry_task_data(t);
        if (st->next >= st->records) {
                ferry_task_wait(t, 200);
                return FERRY_ERR_OK;
        }
        for (; st->next < st->records; st->next++) {
                char v[64], idx[32];
                snprintf(v, sizeof(v), "t%ld-%ld", st->index, st->next);
                snprintf(idx, sizeof(idx), "%ld", st->index);
                ferry_record_t *r = ferry_record_new(
                        st->topic, NULL, NULL, ferry_schema_new(FERRY_TYPE_STRING), ferry_value_cstring(v));
                if (!r)
                        return FERRY_ERR_NOMEM;
                r->source_partition = partition_of(idx);
                r->source_offset = ferry_value_map();
                ferry_map_put_str(r->source_offset, "n", ferry_value_int(FERRY_TYPE_INT64, st->next));
                if (ferry_records_push(out, r) < 0)
                        return FERRY_ERR_NOMEM;
        }
        return FERRY_ERR_OK;
}

static void src_commit_record(ferry_task_t *t, const ferry_record_t *r, const ferry_record_metadata_t *md)
{
        src_task_t *st = ferry_task_data(t);
        const char *v = r->value && r->value->type == FERRY_TYPE_STRING ? r->value->u.s.data : "?";
        if (md)
                append_line(st->acks, "ack %s %s %d %lld", v, md->topic, (int)md->partition,
                            (long long)md->offset);
        else
                append_line(st->acks, "dropped %s", v);
}

static void src_commit(ferry_task_t *t)
{
        src_task_t *st = ferry_task_data(t);
        append_line(st->acks, "commit task=%ld", st->index);
}

static void src_task_stop(ferry_task_t *t)
{
        src_task_t *st = ferry_task_data(t);
        if (!st)
                return;
        free(st->topic);
        free(st->acks);
        free(st);
        ferry_task_set_data(t, NULL);
}

static const ferry_source_task_ops_t source_ops = {
        .size = sizeof(ferry_source_task_ops_t),
        .start = src_task_start,
        .poll = src_task_poll,
        .stop = src_task_stop,
        .commit_record = src_commit_record,
        .commit = src_commit,
};

static const ferry_connector_plugin_t probe_source = {
        .info = FERRY_PLUGIN_INFO(ferry_connector_plugin_t, .type = FERRY_PLUGIN_SOURCE,
                                  .class_name = "dev.ferry.test.ProbeSourceConnector", .version = "1.0",
                                  .config = probe_config,
                                  .doc = "Test source for the connector and source task contexts."),
        .start = src_conn_start,
        .task_configs = src_task_configs,
        .stop = src_conn_stop,
        .source = &source_ops,
};

/* ---- sink connector ---- */

static ferry_err_t sink_task_configs(ferry_connector_ctx_t *c, const ferry_strmap_t *config, int max_tasks,
                                     ferry_strmap_t *out, int *n_out, char *errstr, size_t errstr_size)
{
        ferry_strmap_init(&out[0]);
        if (ferry_strmap_copy(&out[0], config) < 0)
                return FERRY_ERR_NOMEM;
        *n_out = 1;
        return FERRY_ERR_OK;
}

#define MAX_TP 16

typedef struct {
        char *out;
        long retry_ms;
        bool precommit, request_commit;
        bool retried;
        int64_t rewound[64]; /* REWIND offsets already acted on */
        size_t n_rewound;
        struct {
                char topic[128];
                int32_t partition;
                int64_t durable;
        } tp[MAX_TP];
        size_t n_tp;
        char paused_topic[128];
        int32_t paused_partition;
} sink_task_t;

static ferry_err_t sink_start(ferry_task_t *t, const ferry_strmap_t *config, char *errstr, size_t errstr_size)
{
        sink_task_t *st = calloc(1, sizeof(*st));
        if (!st)
                return FERRY_ERR_NOMEM;
        const char *out = ferry_strmap_get(config, "probe.out");
        st->out = out ? strdup(out) : NULL;
        st->retry_ms = num(config, "probe.retry.ms", 0);
        const char *pc = ferry_strmap_get(config, "probe.precommit");
        st->precommit = pc && !strcmp(pc, "true");
        const char *rc = ferry_strmap_get(config, "probe.request.commit");
        st->request_commit = rc && !strcmp(rc, "true");
        ferry_task_set_data(t, st);
        return FERRY_ERR_OK;
}

static const char *text_of(const ferry_record_t *r)
{
        return r->value && r->value->type == FERRY_TYPE_STRING ? r->value->u.s.data : "";
}

static void mark_durable(sink_task_t *st, const ferry_record_t *r)
{
        size_t i = 0;
        while (i < st->n_tp && (strcmp(st->tp[i].topic, r->topic) || st->tp[i].partition != r->partition))
                i++;
        if (i == st->n_tp) {
                if (st->n_tp == MAX_TP)
                        return;
                snprintf(st->tp[i].topic, sizeof(st->tp[i].topic), "%s", r->topic);
                st->tp[i].partition = r->partition;
                st->n_tp++;
        }
        st->tp[i].durable = r->kafka_offset + 1;
}

static ferry_err_t sink_put(ferry_task_t *t, ferry_record_t *const *recs, size_t n, char *errstr,
                            size_t errstr_size)
{
        sink_task_t *st = ferry_task_data(t);
        for (size_t i = 0; i < n; i++) {
                if (!strcmp(text_of(recs[i]), "RETRY") && !st->retried) {
                        st->retried = true;
                        append_line(st->out, "retriable %lld", (long long)wall_ms());
                        if (st->retry_ms > 0)
                                ferry_sink_task_timeout(t, st->retry_ms);
                        snprintf(errstr, errstr_size, "target busy");
                        return FERRY_ERR_RETRIABLE;
                }
        }
        for (size_t i = 0; i < n; i++) {
                const ferry_record_t *r = recs[i];
                const char *v = text_of(r);
                if (!strncmp(v, "BAD", 3)) {
                        char msg[256];
                        snprintf(msg, sizeof(msg),
                                 "org.apache.kafka.connect.errors.DataException: bad record %s", v);
                        ferry_err_t err = ferry_sink_task_report(t, r, msg);
                        append_line(st->out, "reported %s %d %lld %s", r->topic, (int)r->partition,
                                    (long long)r->kafka_offset, err == FERRY_ERR_OK ? "ok" : "fatal");
                        continue;
                }
                if (!strcmp(v, "RETRY"))
                        append_line(st->out, "redelivered %lld", (long long)wall_ms());
                append_line(st->out, "%s %d %lld %s", r->topic, (int)r->partition, (long long)r->kafka_offset,
                            v);
                if (!strcmp(v, "DURABLE"))
                        mark_durable(st, r);
                if (!strncmp(v, "REWIND:", 7)) {
                        bool done = false;
                        for (size_t k = 0; k < st->n_rewound; k++)
                                done = done || st->rewound[k] == r->kafka_offset;
                        if (!done && st->n_rewound < 64) {
                                st->rewound[st->n_rewound++] = r->kafka_offset;
                                ferry_sink_task_seek(t, r->topic, r->partition, strtoll(v + 7, NULL, 10));
                        }
                }
                if (!strcmp(v, "ASSIGNMENT")) {
                        ferry_topic_partition_t tps[8];
                        size_t total = ferry_sink_task_assignment(t, tps, 8);
                        char list[512] = "";
                        size_t len = 0;
                        for (size_t k = 0; k < total && k < 8; k++)
                                len += (size_t)snprintf(list + len, sizeof(list) - len, " %s-%d",
                                                        tps[k].topic, (int)tps[k].partition);
                        append_line(st->out, "assignment %zu%s", total, list);
                }
                if (!strcmp(v, "PAUSE")) {
                        snprintf(st->paused_topic, sizeof(st->paused_topic), "%s", r->topic);
                        st->paused_partition = r->partition;
                        ferry_topic_partition_t tp = {st->paused_topic, r->partition};
                        ferry_sink_task_pause(t, &tp, 1);
                }
                if (!strcmp(v, "RESUME") && st->paused_topic[0]) {
                        ferry_topic_partition_t tp = {st->paused_topic, st->paused_partition};
                        ferry_sink_task_resume(t, &tp, 1);
                }
        }
        if (st->request_commit)
                ferry_sink_task_request_commit(t);
        return FERRY_ERR_OK;
}

static ferry_err_t sink_flush(ferry_task_t *t, char *errstr, size_t errstr_size)
{
        return FERRY_ERR_OK;
}

static ferry_err_t sink_pre_commit(ferry_task_t *t, ferry_topic_partition_offset_t *offsets, size_t *n,
                                   char *errstr, size_t errstr_size)
{
        sink_task_t *st = ferry_task_data(t);
        if (!st->precommit)
                return FERRY_ERR_OK; /* everything put is durable */
        size_t kept = 0;
        for (size_t i = 0; i < *n; i++) {
                int64_t durable = -1;
                for (size_t k = 0; k < st->n_tp; k++)
                        if (!strcmp(st->tp[k].topic, offsets[i].topic) &&
                            st->tp[k].partition == offsets[i].partition)
                                durable = st->tp[k].durable;
                if (durable < 0)
                        continue;
                offsets[kept] = offsets[i];
                if (offsets[kept].offset > durable)
                        offsets[kept].offset = durable;
                append_line(st->out, "precommit %s %d %lld", offsets[kept].topic,
                            (int)offsets[kept].partition, (long long)offsets[kept].offset);
                kept++;
        }
        *n = kept;
        return FERRY_ERR_OK;
}

static void sink_stop(ferry_task_t *t)
{
        sink_task_t *st = ferry_task_data(t);
        if (!st)
                return;
        free(st->out);
        free(st);
        ferry_task_set_data(t, NULL);
}

static const ferry_sink_task_ops_t sink_ops = {
        .size = sizeof(ferry_sink_task_ops_t),
        .start = sink_start,
        .put = sink_put,
        .flush = sink_flush,
        .stop = sink_stop,
        .pre_commit = sink_pre_commit,
};

static const ferry_connector_plugin_t probe_sink = {
        .info = FERRY_PLUGIN_INFO(ferry_connector_plugin_t, .type = FERRY_PLUGIN_SINK,
                                  .class_name = "dev.ferry.test.ProbeSinkConnector", .version = "1.0",
                                  .config = probe_config,
                                  .doc = "Test sink for the sink task context and preCommit."),
        .task_configs = sink_task_configs,
        .sink = &sink_ops,
};

static const ferry_plugin_info_t *const plugins[] = {&probe_source.info, &probe_sink.info, NULL};

const ferry_plugin_info_t *const *ferry_plugin_list(void);

const ferry_plugin_info_t *const *ferry_plugin_list(void)
{
        return plugins;
}
