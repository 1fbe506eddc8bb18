/* Unit tests for embedded_gate.c: the embedded broker's flow control counts what the sink
 * connectors reading a topic have not committed, refuses room beyond the mock cluster's
 * per-partition retention, asks those sinks to commit, and makes room again as they commit. */
#include <criterion/criterion.h>

#include "kafka/embedded_gate.h"

#define MB (1024 * 1024)

/* Delivers n records of `each` bytes to partition 0 from offset `from`; returns the next offset. */
static int64_t deliver(ferry_gate_t *g, const char *topic, int64_t from, int n, size_t each)
{
        for (int i = 0; i < n; i++)
                ferry_gate_delivered(g, topic, 0, from + i, each);
        return from + n;
}

static void commit(ferry_gate_t *g, ferry_gate_group_t *grp, const char *topic, int64_t offset)
{
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, topic, 0)->offset = offset;
        ferry_gate_committed(g, grp, l);
        rd_kafka_topic_partition_list_destroy(l);
}

Test(embedded_gate, estimate_never_below_stored_size)
{
        /* a one-record batch: 61 bytes of batch header plus at most 36 of record framing */
        cr_assert_geq(ferry_gate_record_bytes(0, 100, NULL), 100 + 61 + 36);
        /* and never fewer than 5 MiB / 100000 batches, so the batch count limit holds too */
        cr_assert_geq(ferry_gate_record_bytes(0, 0, NULL) * FERRY_EMBEDDED_PARTITION_BATCHES,
                      (size_t)FERRY_EMBEDDED_PARTITION_BYTES);
        rd_kafka_headers_t *h = rd_kafka_headers_new(1);
        rd_kafka_header_add(h, "name", -1, "value", 5);
        cr_assert_geq(ferry_gate_record_bytes(0, 100, h), ferry_gate_record_bytes(0, 100, NULL) + 9);
        rd_kafka_headers_destroy(h);
}

Test(embedded_gate, holds_back_until_the_reader_commits)
{
        ferry_gate_t *g = ferry_gate_new();
        char *readers[] = {"sink"};
        ferry_gate_group_t *grp = ferry_gate_group(g, "sink");
        size_t batch = 1 * MB, limit = FERRY_EMBEDDED_PARTITION_BYTES - batch;
        /* room for the limit, taken and delivered 1 KB at a time */
        int64_t next = 0;
        size_t taken = 0;
        while (taken + 1024 <= limit) {
                cr_assert(ferry_gate_admit(g, "t", 1024, batch, readers, 1));
                next = deliver(g, "t", next, 1, 1024);
                taken += 1024;
        }
        cr_assert(ferry_gate_wants_commit(grp), "past half the limit the reader is asked to commit");
        cr_assert_not(ferry_gate_admit(g, "t", 1024, batch, readers, 1), "beyond the limit: held back");
        /* committing half frees what lies wholly below the commit (64 KB chunks) */
        commit(g, grp, "t", next / 2);
        cr_assert_not(ferry_gate_wants_commit(grp));
        cr_assert(ferry_gate_admit(g, "t", 1024, batch, readers, 1));
        ferry_gate_free(g);
}

Test(embedded_gate, the_slowest_reader_counts)
{
        ferry_gate_t *g = ferry_gate_new();
        char *readers[] = {"fast", "slow"};
        ferry_gate_group_t *fast = ferry_gate_group(g, "fast");
        cr_assert(ferry_gate_admit(g, "t", 4 * MB, 0, readers, 2));
        int64_t next = deliver(g, "t", 0, 4, MB);
        commit(g, fast, "t", next);
        /* "slow" never committed: everything still counts */
        cr_assert_not(ferry_gate_admit(g, "t", 2 * MB, 0, readers, 2));
        commit(g, ferry_gate_group(g, "slow"), "t", next);
        cr_assert(ferry_gate_admit(g, "t", 2 * MB, 0, readers, 2));
        ferry_gate_free(g);
}

Test(embedded_gate, in_flight_counts_until_released)
{
        ferry_gate_t *g = ferry_gate_new();
        char *readers[] = {"sink"};
        cr_assert(ferry_gate_admit(g, "t", 3 * MB, 0, readers, 1));
        cr_assert_not(ferry_gate_admit(g, "t", 3 * MB, 0, readers, 1));
        ferry_gate_release(g, "t", 3 * MB); /* not stored after all */
        cr_assert(ferry_gate_admit(g, "t", 3 * MB, 0, readers, 1));
        ferry_gate_free(g);
}

Test(embedded_gate, topics_are_separate)
{
        ferry_gate_t *g = ferry_gate_new();
        char *readers[] = {"sink"};
        cr_assert(ferry_gate_admit(g, "a", 4 * MB, 0, readers, 1));
        cr_assert(ferry_gate_admit(g, "b", 4 * MB, 0, readers, 1));
        ferry_gate_free(g);
}

Test(embedded_gate, a_topic_nobody_reads_is_held_then_let_go)
{
        ferry_gate_t *g = ferry_gate_new();
        cr_assert(ferry_gate_admit(g, "t", 4 * MB, 0, NULL, 0));
        deliver(g, "t", 0, 4, MB);
        /* held while a sink connector may still come (FERRY_EMBEDDED_NO_READER_WAIT_MS) */
        cr_assert_not(ferry_gate_admit(g, "t", 2 * MB, 0, NULL, 0));
        ferry_gate_free(g);
}
