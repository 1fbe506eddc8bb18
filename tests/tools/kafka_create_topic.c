/* Test tool: creates a topic with a given number of partitions (replication factor 1), so tests
 * can spread a sink connector's tasks over partitions. Usage: kafka-create-topic BOOTSTRAP TOPIC N */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
        if (argc != 4) {
                fprintf(stderr, "usage: kafka-create-topic BOOTSTRAP TOPIC PARTITIONS\n");
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
        rd_kafka_NewTopic_t *nt =
                rd_kafka_NewTopic_new(argv[2], (int)strtol(argv[3], NULL, 10), 1, err, sizeof(err));
        if (!nt) {
                fprintf(stderr, "%s\n", err);
                return 1;
        }
        rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
        rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
        int rc = 1;
        if (!ev) {
                fprintf(stderr, "timed out\n");
        } else {
                size_t n = 0;
                const rd_kafka_topic_result_t **res =
                        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
                rd_kafka_resp_err_t e = rd_kafka_event_error(ev) ? rd_kafka_event_error(ev)
                                        : n == 1                 ? rd_kafka_topic_result_error(res[0])
                                                                 : RD_KAFKA_RESP_ERR__FAIL;
                if (e)
                        fprintf(stderr, "create %s: %s\n", argv[2], rd_kafka_err2str(e));
                else
                        rc = 0;
                rd_kafka_event_destroy(ev);
        }
        rd_kafka_NewTopic_destroy(nt);
        rd_kafka_queue_destroy(q);
        rd_kafka_destroy(rk);
        return rc;
}
