/* Unit tests for the SDK contexts that need no Kafka (worker/src/runtime/worker.c,
 * error_handler.c, task_sink.c): task reconfiguration requests queue once per connector and are
 * taken by the herder; raiseError fails the connector with the message in its trace; source
 * offsets of many partitions in one call; the errant record reporter's decision (tolerated with
 * errors.tolerance=all, "Tolerance exceeded" otherwise); sink context calls outside a sink runner
 * are harmless. */
#include "runtime/error_handler.h"
#include "runtime/worker.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ferry_worker_t *w;
static char dir[] = "/tmp/ferry-sdkctx-XXXXXX";

static void setup(void)
{
        cr_assert_not_null(mkdtemp(dir));
        ferry_strmap_t cfg;
        ferry_strmap_init(&cfg);
        ferry_strmap_set(&cfg, "key.converter", "org.apache.kafka.connect.storage.StringConverter");
        ferry_strmap_set(&cfg, "value.converter", "org.apache.kafka.connect.storage.StringConverter");
        ferry_strmap_set(&cfg, "offset.storage.file.filename", "unused");
        char err[512] = "";
        w = ferry_worker_new(&cfg, err, sizeof(err));
        ferry_strmap_free(&cfg);
        cr_assert_not_null(w, "%s", err);
        char path[256];
        snprintf(path, sizeof(path), "%s/offsets.json", dir);
        w->offsets = ferry_offsets_open_file(path, err, sizeof(err));
        cr_assert_not_null(w->offsets, "%s", err);
}

static void teardown(void)
{
        ferry_offsets_close(w->offsets);
        w->offsets = NULL;
        ferry_worker_free(w);
        char path[300];
        snprintf(path, sizeof(path), "%s/offsets.json", dir);
        unlink(path);
        rmdir(dir);
}

TestSuite(sdk_context, .init = setup, .fini = teardown);

/* Starts a FileStreamSource connector "name" and returns its context. */
static ferry_connector_ctx_t *start_connector(const char *name)
{
        ferry_strmap_t cfg;
        ferry_strmap_init(&cfg);
        ferry_strmap_set(&cfg, "name", name);
        ferry_strmap_set(&cfg, "connector.class", "FileStreamSource");
        ferry_strmap_set(&cfg, "file", "/dev/null");
        ferry_strmap_set(&cfg, "topic", "t");
        ferry_strmap_t *tasks = NULL;
        int n = 0;
        char err[512] = "";
        cr_assert_eq(ferry_worker_start_connector(w, name, &cfg, FERRY_TARGET_STARTED, &tasks, &n, err,
                                                  sizeof(err)),
                     0, "%s", err);
        ferry_task_configs_free(tasks, n);
        ferry_strmap_free(&cfg);
        for (size_t i = 0; i < w->n_conns; i++)
                if (!strcmp(w->conns[i]->name, name))
                        return &w->conns[i]->ctx;
        cr_assert_fail("connector %s not registered", name);
        return NULL;
}

Test(sdk_context, reconfiguration_requests_queue_once_per_connector)
{
        ferry_connector_ctx_t *a = start_connector("a");
        ferry_connector_ctx_t *b = start_connector("b");
        size_t n = 0;
        char **names = ferry_worker_take_reconfig(w, 0, &n);
        cr_assert_eq(n, 0);
        cr_assert_null(names);
        ferry_connector_request_reconfiguration(a);
        ferry_connector_request_reconfiguration(b);
        ferry_connector_request_reconfiguration(a);
        names = ferry_worker_take_reconfig(w, 1000, &n);
        cr_assert_eq(n, 2);
        cr_assert_str_eq(names[0], "a");
        cr_assert_str_eq(names[1], "b");
        ferry_strlist_free(names, n);
        names = ferry_worker_take_reconfig(w, 0, &n);
        cr_assert_eq(n, 0, "requests are taken once");
        ferry_strlist_free(names, n);
}

Test(sdk_context, task_configs_computed_again_from_the_running_instance)
{
        start_connector("c");
        ferry_strmap_t *tasks = NULL;
        int n = 0;
        char err[256] = "";
        cr_assert_eq(ferry_worker_task_configs(w, "c", &tasks, &n, err, sizeof(err)), 0, "%s", err);
        cr_assert_eq(n, 1);
        cr_assert_str_eq(ferry_strmap_get(&tasks[0], "file"), "/dev/null");
        ferry_task_configs_free(tasks, n);
        cr_assert_eq(ferry_worker_task_configs(w, "nope", &tasks, &n, err, sizeof(err)), -1);
        cr_assert(strstr(err, "not running") != NULL, "%s", err);
}

Test(sdk_context, raise_error_fails_the_connector_with_its_message)
{
        ferry_connector_ctx_t *c = start_connector("d");
        ferry_connector_raise_error(c, "table list unreadable");
        ferry_status_t st, *tasks = NULL;
        int n = 0;
        cr_assert(ferry_worker_connector_status(w, "d", &st, &tasks, &n));
        cr_assert_eq(st.state, FERRY_STATE_FAILED);
        cr_assert_not_null(st.trace);
        cr_assert(strstr(st.trace, "org.apache.kafka.connect.errors.ConnectException: table list unreadable"),
                  "%s", st.trace);
        free(st.trace);
        ferry_status_free(tasks, n);
}

static ferry_value_t *part(const char *file)
{
        ferry_value_t *p = ferry_value_map();
        ferry_map_put_str(p, "filename", ferry_value_cstring(file));
        return p;
}

Test(sdk_context, offsets_of_many_partitions_in_one_call)
{
        ferry_value_t *parts[3] = {part("a"), part("b"), part("c")};
        ferry_value_t *offs[2] = {ferry_value_map(), ferry_value_map()};
        ferry_map_put_str(offs[0], "position", ferry_value_int(FERRY_TYPE_INT64, 10));
        ferry_map_put_str(offs[1], "position", ferry_value_int(FERRY_TYPE_INT64, 20));
        char err[256] = "";
        ferry_value_t *commit_parts[2] = {parts[0], parts[2]};
        cr_assert_eq(ferry_offsets_commit(w->offsets, "conn", commit_parts, offs, 2, err, sizeof(err)), 0,
                     "%s", err);
        ferry_task_t *t = calloc(1, sizeof(*t));
        t->w = w;
        t->connector = "conn";
        ferry_value_t *out[3];
        cr_assert_eq(ferry_task_offsets(t, (const ferry_value_t *const *)parts, 3, out), 2);
        cr_assert(ferry_value_equal(out[0], offs[0]));
        cr_assert_null(out[1]);
        cr_assert(ferry_value_equal(out[2], offs[1]));
        for (int i = 0; i < 3; i++) {
                ferry_value_free(out[i]);
                ferry_value_free(parts[i]);
        }
        ferry_value_free(offs[0]);
        ferry_value_free(offs[1]);
        free(t);
}

/* A task handle with just what the error handler reads. */
static ferry_task_t *bare_task(const char *tolerance)
{
        ferry_task_t *t = calloc(1, sizeof(*t));
        t->w = w;
        t->connector = "sink";
        pthread_mutex_init(&t->lock, NULL);
        pthread_cond_init(&t->cond, NULL);
        ferry_strmap_init(&t->conn_config);
        ferry_strmap_set(&t->conn_config, "errors.tolerance", tolerance);
        return t;
}

static void bare_task_free(ferry_task_t *t)
{
        ferry_strmap_free(&t->conn_config);
        pthread_mutex_destroy(&t->lock);
        pthread_cond_destroy(&t->cond);
        free(t);
}

Test(sdk_context, reported_record_tolerated_with_tolerance_all)
{
        ferry_task_t *t = bare_task("all");
        char err[256] = "";
        ferry_errh_t *h = ferry_errh_new(t, true, err, sizeof(err));
        cr_assert_not_null(h, "%s", err);
        char trace[1024] = "";
        cr_assert_eq(
                ferry_errh_report(h, FERRY_STAGE_TASK_PUT, "x.Sink", "bad row", NULL, trace, sizeof(trace)),
                FERRY_ERRH_SKIP);
        cr_assert_eq(ferry_errh_skipped(h), 1);
        cr_assert_eq(atomic_load(&t->metrics.errors), 1);
        ferry_errh_free(h);
        bare_task_free(t);
}

Test(sdk_context, reported_record_fails_the_task_with_tolerance_none)
{
        ferry_task_t *t = bare_task("none");
        char err[256] = "";
        ferry_errh_t *h = ferry_errh_new(t, true, err, sizeof(err));
        cr_assert_not_null(h, "%s", err);
        char trace[1024] = "";
        cr_assert_eq(ferry_errh_report(h, FERRY_STAGE_TASK_PUT, "x.Sink",
                                       "org.apache.kafka.connect.errors.DataException: bad row", NULL, trace,
                                       sizeof(trace)),
                     FERRY_ERRH_FAIL);
        cr_assert(strstr(trace, "Tolerance exceeded in error handler"), "%s", trace);
        cr_assert(strstr(trace, "Caused by: org.apache.kafka.connect.errors.DataException: bad row"), "%s",
                  trace);
        cr_assert(strstr(trace, "stage TASK_PUT"), "%s", trace);
        ferry_errh_free(h);
        bare_task_free(t);
}

Test(sdk_context, sink_context_calls_outside_a_sink_runner_are_harmless)
{
        ferry_task_t *t = bare_task("none");
        ferry_topic_partition_t tp = {"t", 0};
        ferry_sink_task_seek(t, "t", 0, 5);
        ferry_sink_task_pause(t, &tp, 1);
        ferry_sink_task_resume(t, &tp, 1);
        ferry_sink_task_request_commit(t);
        ferry_sink_task_timeout(t, 100);
        cr_assert_eq(ferry_sink_task_assignment(t, &tp, 1), 0);
        ferry_record_t *r = ferry_record_new("t", NULL, NULL, NULL, NULL);
        cr_assert_eq(ferry_sink_task_report(t, r, "bad"), FERRY_ERR_BAD_REQUEST);
        ferry_record_free(r);
        bare_task_free(t);
}
