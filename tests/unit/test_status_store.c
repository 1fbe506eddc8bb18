/* Unit tests for the status and active-topic records of distributed mode: the record values status_store.c
 * writes, byte for byte as Connect writes them ({"state","trace","worker_id","generation"} and
 * {"topic":{"name","connector","task","discoverTimestamp"}}), and the worker's
 * bookkeeping (worker.c) that tells which task used a topic first, which the record names. */
#include <criterion/criterion.h>

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/worker.h"
#include "storage/status_store.h"

Test(topic_record, connect_format)
{
        char *text = ferry_status_topic_record("orders/eu", "sink-\xc3\xa9", 3, 1700000000123LL);
        cr_assert_not_null(text);
        cr_assert_str_eq(text,
                         "{\"topic\":{\"name\":\"orders/eu\",\"connector\":\"sink-\xc3\xa9\",\"task\":3,"
                         "\"discoverTimestamp\":1700000000123}}");
        json_object *o = json_tokener_parse(text), *t = NULL, *v = NULL;
        cr_assert_not_null(o, "not JSON: %s", text);
        cr_assert(json_object_object_get_ex(o, "topic", &t));
        cr_assert(json_object_object_get_ex(t, "name", &v));
        cr_assert_str_eq(json_object_get_string(v), "orders/eu");
        json_object_put(o);
        free(text);
}

/* Connect's status record: keys in its schema's order, a trace not set as null. */
Test(status_record, connect_format)
{
        char *text = ferry_status_record(FERRY_STATE_RUNNING, NULL, "w1:8083", 4);
        cr_assert_str_eq(text,
                         "{\"state\":\"RUNNING\",\"trace\":null,\"worker_id\":\"w1:8083\",\"generation\":4}");
        free(text);
        text = ferry_status_record(FERRY_STATE_FAILED, "org.x.Boom: /tmp/caf\xc3\xa9 \"gone\"\n\tat x",
                                   "w2:8083", 12);
        cr_assert_str_eq(
                text, "{\"state\":\"FAILED\",\"trace\":\"org.x.Boom: /tmp/caf\xc3\xa9 \\\"gone\\\"\\n\\tat "
                      "x\",\"worker_id\":\"w2:8083\",\"generation\":12}");
        free(text);
}

/* A worker with no connectors, and tasks that only report topics. */
static ferry_worker_t worker;
static ferry_task_t tasks[3];

static void setup(void)
{
        memset(&worker, 0, sizeof(worker));
        pthread_mutex_init(&worker.lock, NULL);
        int ids[] = {0, 1, 4};
        for (int i = 0; i < 3; i++) {
                memset(&tasks[i], 0, sizeof(tasks[i]));
                tasks[i].w = &worker;
                tasks[i].connector = "conn";
                tasks[i].id = ids[i];
        }
}

static void teardown(void)
{
        for (int i = 0; i < 3; i++)
                free(tasks[i].last_topic);
        ferry_worker_reset_topics(&worker, "conn");
        ferry_worker_reset_topics(&worker, "other");
        free(worker.topics);
        pthread_mutex_destroy(&worker.lock);
}

static int task_of(ferry_topic_use_t *u, size_t n, const char *topic)
{
        for (size_t i = 0; i < n; i++)
                if (!strcmp(u[i].topic, topic))
                        return u[i].task;
        return -1;
}

TestSuite(topic_uses, .init = setup, .fini = teardown);

Test(topic_uses, names_the_task_that_used_the_topic_first)
{
        /* Task 4 (not the connector's first task here) uses "a" first; task 1 uses "b"; then every
         * task uses both. */
        ferry_task_note_topic(&tasks[2], "a");
        ferry_task_note_topic(&tasks[1], "b");
        for (int i = 0; i < 3; i++) {
                ferry_task_note_topic(&tasks[i], "a");
                ferry_task_note_topic(&tasks[i], "b");
        }
        size_t n = 0;
        ferry_topic_use_t *u = ferry_worker_topic_uses(&worker, "conn", &n);
        cr_assert_eq(n, 2);
        cr_assert_eq(task_of(u, n, "a"), 4);
        cr_assert_eq(task_of(u, n, "b"), 1);
        for (size_t i = 0; i < n; i++)
                cr_assert_str_eq(u[i].connector, "conn");
        ferry_topic_uses_free(u, n);
        u = ferry_worker_topic_uses(&worker, "other", &n);
        cr_assert_eq(n, 0);
        ferry_topic_uses_free(u, n);
}

Test(topic_uses, after_a_reset_the_next_user_is_named)
{
        ferry_task_note_topic(&tasks[0], "a");
        ferry_worker_reset_topics(&worker, "conn");
        size_t n = 0;
        ferry_topic_use_t *u = ferry_worker_topic_uses(&worker, "conn", &n);
        cr_assert_eq(n, 0);
        ferry_topic_uses_free(u, n);
        /* The reset flags only the tasks of connectors running here; these run nowhere, so the
         * task that reported "a" last reports it again only once its memory is cleared. */
        atomic_store(&tasks[0].reset_topic, true);
        ferry_task_note_topic(&tasks[2], "a");
        ferry_task_note_topic(&tasks[0], "a");
        u = ferry_worker_topic_uses(&worker, "conn", &n);
        cr_assert_eq(n, 1);
        cr_assert_eq(task_of(u, n, "a"), 4);
        ferry_topic_uses_free(u, n);
}
