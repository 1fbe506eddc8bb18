/* libFuzzer target for the HDFS sink's write-ahead log reader and committed-file-name parser
 * (worker/connectors/hdfs/hdfs_wal.c): any bytes as a WAL must give its complete batches or a
 * clean "corrupt", and the batches read back must encode to text that parses to the same pairs. */
#include "../../worker/connectors/hdfs/hdfs_wal.c"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        hdfs_wal_log_t l;
        char why[128];
        int rc = hdfs_wal_parse((const char *)data, size, &l, why, sizeof(why));
        if (rc < 0)
                return 0;
        /* Round trip: what was read encodes and reads back the same. */
        ferry_buf_t b;
        ferry_buf_init(&b);
        if (hdfs_wal_encode(&b, true, l.pairs, l.n) == 0) {
                hdfs_wal_log_t again;
                if (hdfs_wal_parse(b.p, b.len, &again, why, sizeof(why)) != 0 || again.n != l.n)
                        abort();
                for (size_t i = 0; i < l.n; i++)
                        if (strcmp(again.pairs[i].temp, l.pairs[i].temp) ||
                            strcmp(again.pairs[i].final, l.pairs[i].final))
                                abort();
                hdfs_wal_log_free(&again);
        }
        ferry_buf_free(&b);
        for (size_t i = 0; i < l.n; i++)
                (void)hdfs_committed_end_offset(l.pairs[i].final, "t", 0, "+");
        hdfs_wal_log_free(&l);
        char *name = malloc(size + 1);
        if (name) {
                memcpy(name, data, size);
                name[size] = 0;
                (void)hdfs_committed_end_offset(name, "orders", 3, "+");
                free(name);
        }
        return 0;
}
