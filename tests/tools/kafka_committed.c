/* Test tool: prints the committed offset of a consumer group for one topic partition, without
 * joining the group (OffsetFetch only). Tests use it to check that a sink repeats records only
 * after the last committed offset. Usage: kafka-committed BOOTSTRAP GROUP TOPIC [PARTITION] */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
        if (argc < 4) {
                fprintf(stderr, "usage: kafka-committed BOOTSTRAP GROUP TOPIC [PARTITION]\n");
                return 2;
        }
        char err[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof(err)) ||
            rd_kafka_conf_set(conf, "group.id", argv[2], err, sizeof(err))) {
                fprintf(stderr, "%s\n", err);
                return 1;
        }
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
        if (!rk) {
                fprintf(stderr, "%s\n", err);
                return 1;
        }
        rd_kafka_topic_partition_list_t *tps = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(tps, argv[3], argc > 4 ? (int32_t)strtol(argv[4], NULL, 10) : 0);
        rd_kafka_resp_err_t e = rd_kafka_committed(rk, tps, 10000);
        int rc = 0;
        if (e || tps->elems[0].err) {
                fprintf(stderr, "committed: %s\n", rd_kafka_err2str(e ? e : tps->elems[0].err));
                rc = 1;
        } else {
                printf("%lld\n", (long long)tps->elems[0].offset);
        }
        rd_kafka_topic_partition_list_destroy(tps);
        rd_kafka_destroy(rk);
        return rc;
}
