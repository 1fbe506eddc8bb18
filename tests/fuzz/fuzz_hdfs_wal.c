/* libFuzzer target for the HDFS sink's write-ahead log reader (worker/connectors/hdfs/hdfs_wal.c:
 * Confluent's binary WALFile, and hdfs_wal_text.c: Ferry's old text log) and the committed-file-
 * name parser: any bytes as a WAL must give its complete batches or a clean "corrupt", and the
 * pairs read back must encode to a WALFile that parses to the same pairs, also when appended to
 * the input's own file with its sync bytes. */
#include "../../worker/connectors/hdfs/hdfs_wal.c"
#include "../../worker/connectors/hdfs/hdfs_wal_text.c"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same(const hdfs_wal_log_t *a, const hdfs_wal_log_t *b, size_t from)
{
        if (b->n != from + a->n)
                abort();
        for (size_t i = 0; i < a->n; i++)
                if (strcmp(b->pairs[from + i].temp, a->pairs[i].temp) ||
                    strcmp(b->pairs[from + i].final, a->pairs[i].final))
                        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        hdfs_wal_log_t l;
        char why[128];
        int rc = hdfs_wal_parse((const char *)data, size, &l, why, sizeof(why));
        if (rc < 0)
                return 0;
        /* Round trip: what was read encodes (as one batch) and reads back the same. */
        ferry_buf_t b;
        ferry_buf_init(&b);
        hdfs_wal_writer_t w;
        hdfs_wal_writer_new(&w);
        if (hdfs_wal_encode(&b, &w, l.pairs, l.n) == 0) {
                hdfs_wal_log_t again;
                if (hdfs_wal_parse(b.p, b.len, &again, why, sizeof(why)) != 0)
                        abort();
                check_same(&l, &again, 0);
                hdfs_wal_log_free(&again);
        }
        /* Appending to a sound WALFile as a reopening writer keeps what was there. */
        if (rc == 0 && l.header && !l.cut_short && !l.legacy) {
                ferry_buf_reset(&b);
                ferry_buf_append(&b, data, size);
                hdfs_wal_writer_reopen(&w, l.sync, size);
                size_t before = l.n;
                if (hdfs_wal_mark(&b, &w) == 0 && hdfs_wal_encode(&b, &w, l.pairs, l.n) == 0 &&
                    w.pos == b.len) {
                        hdfs_wal_log_t again;
                        if (hdfs_wal_parse(b.p, b.len, &again, why, sizeof(why)) != 0)
                                abort();
                        check_same(&l, &again, before);
                        hdfs_wal_log_free(&again);
                }
        }
        ferry_buf_free(&b);
        for (size_t i = 0; i < l.n; i++)
                (void)hdfs_committed_end_offset(hdfs_wal_entry_path(l.pairs[i].final), "t", 0, "+");
        hdfs_wal_log_free(&l);
        char *name = malloc(size + 1);
        if (name) {
                memcpy(name, data, size);
                name[size] = 0;
                (void)hdfs_committed_end_offset(name, "orders", 3, "+");
                (void)hdfs_wal_entry_path(name);
                free(name);
        }
        return 0;
}
