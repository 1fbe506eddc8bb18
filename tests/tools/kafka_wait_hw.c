/* Benchmark tool: waits until partition 0 of a topic holds at least N records, over one connection
 * (ListOffsets every 10 ms), and prints the wall-clock time it saw them as seconds since the epoch.
 * One long-lived process instead of a client started per poll keeps the measurement from taking
 * CPU away from the system being measured. Usage: kafka-wait-hw BOOTSTRAP TOPIC N TIMEOUT_S
 * Exit 0 when reached, 1 on timeout (the last high watermark on stderr), 2 on usage errors. */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
        if (argc != 5) {
                fprintf(stderr, "usage: kafka-wait-hw BOOTSTRAP TOPIC N TIMEOUT_S\n");
                return 2;
        }
        long long want = strtoll(argv[3], NULL, 10);
        double deadline = now_s() + strtod(argv[4], NULL);
        char err[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof(err))) {
                fprintf(stderr, "%s\n", err);
                return 2;
        }
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
        if (!rk) {
                fprintf(stderr, "%s\n", err);
                return 2;
        }
        int64_t lo = 0, hi = -1;
        int rc = 1;
        while (now_s() < deadline) {
                if (!rd_kafka_query_watermark_offsets(rk, argv[2], 0, &lo, &hi, 5000) && hi >= want) {
                        printf("%.6f\n", now_s());
                        rc = 0;
                        break;
                }
                struct timespec ts = {0, 10 * 1000 * 1000};
                nanosleep(&ts, NULL);
        }
        if (rc)
                fprintf(stderr, "kafka-wait-hw: %s holds %lld record(s), not %lld\n", argv[2], (long long)hi,
                        want);
        rd_kafka_destroy(rk);
        return rc;
}
