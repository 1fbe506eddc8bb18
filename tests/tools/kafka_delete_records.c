/* Test tool: deletes the records of one topic partition before an offset (DeleteRecords), so the
 * partition's log start offset moves there at once, as retention would later. Tests use it to
 * put a sink's committed offset below the log start offset on a real broker.
 * Usage: kafka-delete-records BOOTSTRAP TOPIC PARTITION OFFSET; prints the new log start offset. */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
        if (argc != 5) {
                fprintf(stderr, "usage: kafka-delete-records BOOTSTRAP TOPIC PARTITION OFFSET\n");
                return 2;
        }
        char err[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof(err))) {
                fprintf(stderr, "%s\n", err);
                return 1;
        }
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
        if (!rk) {
                fprintf(stderr, "%s\n", err);
                return 1;
        }
        rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(parts, argv[2], (int32_t)strtol(argv[3], NULL, 10))->offset =
                strtoll(argv[4], NULL, 10);
        rd_kafka_DeleteRecords_t *req = rd_kafka_DeleteRecords_new(parts);
        rd_kafka_topic_partition_list_destroy(parts);
        rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
        rd_kafka_DeleteRecords(rk, &req, 1, NULL, q);
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
        int rc = 1;
        if (!ev) {
                fprintf(stderr, "timed out\n");
        } else if (rd_kafka_event_error(ev)) {
                fprintf(stderr, "delete records: %s\n", rd_kafka_event_error_string(ev));
        } else {
                const rd_kafka_topic_partition_list_t *res =
                        rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(ev));
                if (res && res->cnt == 1 && !res->elems[0].err) {
                        printf("%lld\n", (long long)res->elems[0].offset);
                        rc = 0;
                } else {
                        fprintf(stderr, "delete records: %s\n",
                                res && res->cnt ? rd_kafka_err2str(res->elems[0].err) : "no result");
                }
        }
        if (ev)
                rd_kafka_event_destroy(ev);
        rd_kafka_DeleteRecords_destroy(req);
        rd_kafka_queue_destroy(q);
        rd_kafka_destroy(rk);
        return rc;
}
