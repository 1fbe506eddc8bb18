/* The HDFS sink's write-ahead log: the text of <logs.dir>/<topic>/<partition>/log (and log.1
 * after truncation), one batch per commit: BEGIN, (temp file, committed file) pairs, END, written
 * before the renames so a crash between them is finished on recovery. Also the parser of
 * committed file names (<topic>+<partition>+<start>+<end><ext>), the other source of the last
 * committed offset. Pure functions (no I/O): hdfs_storage.c reads and writes the files. */
#ifndef FERRY_HDFS_WAL_H
#define FERRY_HDFS_WAL_H

#include <ferry/buf.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HDFS_WAL_MAGIC "FERRY-WAL 1"

typedef struct {
        char *temp;
        char *final;
} hdfs_wal_pair_t;

typedef struct {
        hdfs_wal_pair_t *pairs; /* the pairs of every complete batch, in order */
        size_t n, cap;
        size_t batches; /* complete batches */
} hdfs_wal_log_t;

/* Appends one batch (BEGIN, the pairs, END) to b, preceded by the file header when header is
 * set. -1 when out of memory. */
int hdfs_wal_encode(ferry_buf_t *b, bool header, const hdfs_wal_pair_t *pairs, size_t n);
/* Reads a log's text: the pairs of its complete batches into out. A batch cut short at the end
 * (a crash while writing) is ignored. Returns 0; 1 when the text is corrupt (bad header, a line
 * whose checksum or syntax is wrong) with the reason in why and out holding the complete batches
 * before the damage; -1 when out of memory. */
int hdfs_wal_parse(const char *text, size_t len, hdfs_wal_log_t *out, char *why, size_t why_size);
void hdfs_wal_log_free(hdfs_wal_log_t *l);

/* The end offset of a committed file name (the last path component is looked at):
 * <topic><delim><partition><delim><start><delim><end><ext>, with ext empty or starting with '.'.
 * -1 when name is not a committed file of that topic and partition. */
int64_t hdfs_committed_end_offset(const char *name, const char *topic, int32_t partition, const char *delim);

#endif
