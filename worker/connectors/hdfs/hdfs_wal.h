/* The HDFS sink's write-ahead log <logs.dir>/<topic>/<partition>/log (and log.1 after
 * truncation) in the bytes of Confluent's kafka-connect-hdfs WALFile, so either connector can
 * recover the other's log: a batch per commit (BEGIN, (temp file, committed file) pairs, END),
 * written before the renames so a crash between them is finished on recovery. Ferry's older text
 * log is still read. Also the parser of committed file names
 * (<topic>+<partition>+<start>+<end><ext>), the other source of the last committed offset. Pure
 * functions (no I/O): hdfs_storage.c reads and writes the files. */
#ifndef FERRY_HDFS_WAL_H
#define FERRY_HDFS_WAL_H

#include <ferry/buf.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* WALFile: "WAL", version 0, 16 sync bytes; then records int32 total length, int32 key length,
 * key and value (each a Hadoop Text: vint length, UTF-8), a sync mark (int32 -1, the 16 bytes)
 * before a record once 2,000 bytes have passed since the last one. */
#define HDFS_WAL_VERSION       0
#define HDFS_WAL_SYNC_SIZE     16
#define HDFS_WAL_HEADER_SIZE   (4 + HDFS_WAL_SYNC_SIZE)
#define HDFS_WAL_SYNC_INTERVAL (100 * (4 + HDFS_WAL_SYNC_SIZE))
#define HDFS_WAL_BEGIN         "BEGIN"
#define HDFS_WAL_END           "END"
#define HDFS_WAL_TEXT_MAGIC    "FERRY-WAL 1"

typedef struct {
        char *temp;
        char *final;
} hdfs_wal_pair_t;

typedef struct {
        hdfs_wal_pair_t *pairs; /* the pairs of every complete batch, in order */
        size_t n, cap;
        size_t batches;                         /* complete batches */
        bool header;                            /* a complete WALFile header was read */
        unsigned char sync[HDFS_WAL_SYNC_SIZE]; /* its sync bytes (when header) */
        bool cut_short;                         /* the file ends inside a record */
        bool legacy;                            /* Ferry's old text log */
} hdfs_wal_log_t;

/* Where an appending writer stands in a WALFile. */
typedef struct {
        unsigned char sync[HDFS_WAL_SYNC_SIZE];
        uint64_t pos;       /* bytes in the file; 0: the header is still to be written */
        uint64_t last_sync; /* position after the last sync mark (0 in a new file, as Java) */
        bool reopened;      /* appending to a file written before: a sync mark comes first */
} hdfs_wal_writer_t;

/* A new file with fresh random sync bytes. */
void hdfs_wal_writer_new(hdfs_wal_writer_t *w);
/* Appending to an existing file of len bytes whose header held sync. */
void hdfs_wal_writer_reopen(hdfs_wal_writer_t *w, const unsigned char sync[HDFS_WAL_SYNC_SIZE], uint64_t len);
/* Appends one batch (BEGIN, the pairs, END) to b, preceded by the header in a new file and by the
 * sync marks the Java writer would write; w moves on. -1 when out of memory or a name holds NUL. */
int hdfs_wal_encode(ferry_buf_t *b, hdfs_wal_writer_t *w, const hdfs_wal_pair_t *pairs, size_t n);
/* Appends the sync mark a Java writer reopening the file writes first (nothing in a new file). */
int hdfs_wal_mark(ferry_buf_t *b, hdfs_wal_writer_t *w);
/* Reads a log (a WALFile, or Ferry's old text log): the pairs of its complete batches into out.
 * A batch or record cut short at the end (a crash while writing) is ignored. Returns 0; 1 when
 * the log is corrupt (bad header, version, sync mark, lengths or names) with the reason in why and
 * out holding the complete batches before the damage; -1 when out of memory. */
int hdfs_wal_parse(const char *data, size_t len, hdfs_wal_log_t *out, char *why, size_t why_size);
void hdfs_wal_log_free(hdfs_wal_log_t *l);

/* The path of a WAL entry: Confluent writes full URLs (hdfs://nn:8020/topics/...); the part after
 * "scheme://authority" is returned (the name itself when it has no scheme). */
const char *hdfs_wal_entry_path(const char *name);

/* The end offset of a committed file name (the last path component is looked at):
 * <topic><delim><partition><delim><start><delim><end><ext>, with ext empty or starting with '.'.
 * -1 when name is not a committed file of that topic and partition. */
int64_t hdfs_committed_end_offset(const char *name, const char *topic, int32_t partition, const char *delim);

/* Ferry's old text log (hdfs_wal_text.c). */
int hdfs_wal_text_encode(ferry_buf_t *b, bool header, const hdfs_wal_pair_t *pairs, size_t n);
int hdfs_wal_text_parse(const char *text, size_t len, hdfs_wal_log_t *out, char *why, size_t why_size);
/* Shared by both readers: add a pair; drop the pairs after index keep. */
int hdfs_wal_push_pair(hdfs_wal_log_t *l, char *temp, char *final);
void hdfs_wal_drop_pairs(hdfs_wal_log_t *l, size_t keep);

#endif
