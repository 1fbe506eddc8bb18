/* Unit tests for the record values of the config topic (storage/config_store.c): the exact bytes
 * Connect's JsonConverter (Jackson) writes for connector and task configs, target states, restart
 * requests and task commits, and Ferry's assignment record. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "storage/config_store.h"

static void expect(char *text, const char *want)
{
        cr_assert_not_null(text);
        cr_assert_str_eq(text, want);
        free(text);
}

Test(config_record, properties_as_jackson_writes_them)
{
        ferry_strmap_t m;
        ferry_strmap_init(&m);
        ferry_strmap_set(&m, "connector.class", "FileStreamSource");
        ferry_strmap_set(&m, "file", "/tmp/caf\xc3\xa9/in.txt"); /* '/' and U+00E9 as they are */
        ferry_strmap_set(&m, "topic", "q\"b\\s\t\n\x01");
        ferry_strmap_set(&m, "name", "src");
        expect(ferry_config_record_properties(&m),
               "{\"properties\":{\"connector.class\":\"FileStreamSource\",\"file\":\"/tmp/caf\xc3\xa9/"
               "in.txt\","
               "\"topic\":\"q\\\"b\\\\s\\t\\n\\u0001\",\"name\":\"src\"}}");
        ferry_strmap_free(&m);
        ferry_strmap_init(&m);
        expect(ferry_config_record_properties(&m), "{\"properties\":{}}");
}

Test(config_record, target_states)
{
        expect(ferry_config_record_target(FERRY_TARGET_STARTED),
               "{\"state\":\"STARTED\",\"state.v2\":\"STARTED\"}");
        expect(ferry_config_record_target(FERRY_TARGET_PAUSED),
               "{\"state\":\"PAUSED\",\"state.v2\":\"PAUSED\"}");
        expect(ferry_config_record_target(FERRY_TARGET_STOPPED),
               "{\"state\":\"PAUSED\",\"state.v2\":\"STOPPED\"}");
}

Test(config_record, restart_and_commit)
{
        expect(ferry_config_record_restart(true, false), "{\"include-tasks\":true,\"only-failed\":false}");
        expect(ferry_config_record_restart(false, true), "{\"include-tasks\":false,\"only-failed\":true}");
        expect(ferry_config_record_commit(3), "{\"tasks\":3}");
        expect(ferry_config_record_commit(0), "{\"tasks\":0}");
}

/* Connect's task count record (tasks-fencing-<name>) of exactly-once source support. */
Test(config_record, task_count)
{
        expect(ferry_config_record_task_count(1), "{\"task-count\":1}");
        expect(ferry_config_record_task_count(12), "{\"task-count\":12}");
}

Test(config_record, assignment)
{
        char *conns[] = {"a/b"};
        char *task_conns[] = {"a/b", "c"};
        int task_ids[] = {0, 2};
        ferry_worker_assignment_t w[2] = {
                {.worker = "w1:8083",
                 .conns = conns,
                 .n_conns = 1,
                 .task_conns = task_conns,
                 .task_ids = task_ids,
                 .n_tasks = 2},
                {.worker = "w2:8083"},
        };
        ferry_assignment_t a = {
                .generation = 7, .leader = "w1:8083", .leader_url = "http://w1:8083/", .w = w, .n = 2};
        expect(ferry_config_record_assignment(&a),
               "{\"generation\":7,\"leader\":\"w1:8083\",\"leader_url\":\"http://w1:8083/\",\"assignments\":{"
               "\"w1:8083\":{\"connectors\":[\"a/b\"],\"tasks\":[{\"connector\":\"a/b\",\"task\":0},"
               "{\"connector\":\"c\",\"task\":2}]},\"w2:8083\":{\"connectors\":[],\"tasks\":[]}}}");
        ferry_assignment_t empty = {0};
        expect(ferry_config_record_assignment(&empty),
               "{\"generation\":0,\"leader\":\"\",\"leader_url\":\"\",\"assignments\":{}}");
}
