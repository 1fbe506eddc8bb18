/* The storage-sink core: per Kafka partition, records go into files (one per encoded partition)
 * that rotate on flush.size, rotate.interval.ms, rotate.schedule.interval.ms and schema changes;
 * a rotated file is handed to a storage backend (S3 objects, HDFS files, ...) and only then do
 * its records count as committable. Confluent's TopicPartitionWriter, shared by the storage sinks.
 *
 * Data flow of a storage sink task:
 *     put(records) -> storage_task_put -> storage_tpw_write (per Kafka partition)
 *         -> partitioner (encoded partition) -> format writer (bytes into a buffer)
 *         -> backend->write (chunks of at least backend->chunk_size) ... backend->commit
 *     (storage_task_set_memory_budget: past the budget, the largest buffers -> backend->spill)
 *     pre_commit -> storage_task_pre_commit: the next offset after the last durable file of each
 *         partition (partitions with nothing durable since the last commit are dropped).
 * A failure of the backend drops the partition's open files and rewinds the partition to the
 * first offset they held (storage_task calls ferry_sink_task_seek), so the same files are
 * written again with the same names: exactly-once output for deterministic rotation.
 *
 * File names: <dir>/<topic><file.delim><partition><file.delim><start>[<file.delim><end>]<ext>
 * where <dir> is [<topics.dir><directory.delim>]<topic><directory.delim><encoded partition>,
 * offsets zero-padded to filename.offset.zero.pad.width (10), <ext> the format's extension after
 * ".keys"/".headers" for the key/header files. STORAGE_NAME_START is S3's naming,
 * STORAGE_NAME_START_END HDFS's (committed name known only at commit). */
#ifndef FERRY_CONNECTORS_STORAGE_WRITER_H
#define FERRY_CONNECTORS_STORAGE_WRITER_H

#include "storage_format.h"
#include "storage_partitioner.h"

#include <ferry/config.h>
#include <ferry/connector.h>
#include <ferry/errors.h>
#include <ferry/record.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- one file being written ---- */
typedef enum {
        STORAGE_VIEW_VALUE,   /* the data file */
        STORAGE_VIEW_KEY,     /* store.kafka.keys: "<name>.keys<ext>" */
        STORAGE_VIEW_HEADERS, /* store.kafka.headers: "<name>.headers<ext>" */
} storage_view_t;

typedef struct {
        const char *topic;
        int32_t partition;
        const char *encoded_partition; /* "partition=0" */
        const char *dir;               /* "topics/orders/partition=0" (no trailing delimiter) */
        storage_view_t view;
        const char *extension; /* ".keys.avro" for a key file */
        int64_t start_offset;  /* Kafka offset of the file's first record */
        int64_t end_offset;    /* of its last record; -1 in open() */
        int64_t records;       /* written so far; final in commit() */
        /* The committed name. STORAGE_NAME_START: set in open() and commit(). STORAGE_NAME_START_END:
         * NULL in open(), set in commit(). */
        const char *name;
} storage_file_t;

/* ---- the storage backend, implemented by each sink (S3, HDFS) ----
 * Every call returns FERRY_ERR_OK, FERRY_ERR_RETRIABLE (the store is unreachable or throttles:
 * the core rewinds and the task tries again later) or another error (the task fails), with a
 * message in errstr naming the store's error. */
typedef struct storage_backend {
        size_t size; /* sizeof(storage_backend_t) as the backend was built */
        void *ctx;   /* the backend's own state, passed back to every call */
        /* The core hands data to write() once this many bytes are buffered (S3: s3.part.size); 0
         * hands everything at once at commit. */
        size_t chunk_size;
        enum { STORAGE_NAME_START, STORAGE_NAME_START_END } naming;
        /* Starts a file (S3: nothing yet or a multipart upload; HDFS: a temp file). *obj is the
         * backend's handle for it. */
        ferry_err_t (*open)(void *ctx, const storage_file_t *f, void **obj, char *errstr, size_t errstr_size);
        /* Appends the next bytes of the file (at least chunk_size of them, except in the last call
         * before commit). The core keeps nothing of them after the call returns. */
        ferry_err_t (*write)(void *ctx, void *obj, const void *p, size_t n, char *errstr, size_t errstr_size);
        /* Makes the file durable under f->name (S3: complete the upload or PUT the object; HDFS:
         * close the temp file, log to the WAL and rename). After FERRY_ERR_OK the file is
         * durable and obj is freed by the backend. */
        ferry_err_t (*commit)(void *ctx, void *obj, const storage_file_t *f, char *errstr,
                              size_t errstr_size);
        /* Drops an unfinished file (S3: abort the multipart upload; HDFS: delete the temp file);
         * best effort, frees obj. */
        void (*abort)(void *ctx, void *obj);
        /* Optional (NULL: not used): on open of a Kafka partition, the next offset to consume per
         * the store (HDFS: the WAL and the committed files' end offsets); *offset -1 when the store
         * knows none. The core then seeks there (storage-side recovery). */
        ferry_err_t (*recover)(void *ctx, const char *topic, int32_t partition, int64_t *offset, char *errstr,
                               size_t errstr_size);
        /* Optional: called once per Kafka partition when it is closed (revoked or the task stops),
         * after its files were committed or aborted. */
        void (*close_partition)(void *ctx, const char *topic, int32_t partition);
        /* Optional (NULL: the memory budget is not applied): takes the next bytes of an open file
         * before they make a chunk, to keep them out of memory (S3: a spill file on local disk);
         * they come before the bytes of later write() calls. Same results as write(). */
        ferry_err_t (*spill)(void *ctx, void *obj, const void *p, size_t n, char *errstr, size_t errstr_size);
        /* Optional (NULL: commit() makes the file durable before it returns). When set, commit()
         * may return FERRY_ERR_OK having only started to make the file durable (S3: the last part
         * is uploading) and keeps obj; the core goes on with the next file and asks settle()
         * later, oldest file first: *done false while it is under way (only with wait false),
         * else the outcome, FERRY_ERR_OK once the file is durable, and obj is freed. A file's
         * records count as committable only once it and the files committed with it are settled;
         * a failure rewinds the partition to the first offset of those files. */
        ferry_err_t (*settle)(void *ctx, void *obj, bool wait, bool *done, char *errstr, size_t errstr_size);
} storage_backend_t;

/* ---- settings common to the storage sinks ---- */
typedef enum {
        STORAGE_NULL_FAIL,   /* behavior.on.null.values=fail (Confluent's default) */
        STORAGE_NULL_IGNORE, /* skip the record */
        STORAGE_NULL_WRITE,  /* write it (JSON "null", an empty ByteArray record, an Avro null) */
} storage_null_behavior_t;

typedef struct {
        const storage_format_t *format; /* format.class */
        void *format_inst;
        const storage_format_t *key_format; /* keys.format.class (store.kafka.keys) */
        void *key_format_inst;
        const storage_format_t *header_format; /* headers.format.class (store.kafka.headers) */
        void *header_format_inst;
        storage_partitioner_t *partitioner;
        int64_t flush_size;                  /* flush.size (required, >= 1) */
        int64_t rotate_interval_ms;          /* rotate.interval.ms (-1: off) */
        int64_t rotate_schedule_interval_ms; /* rotate.schedule.interval.ms (-1: off) */
        int64_t schedule_offset_ms;          /* zone offset for the schedule (timezone) */
        char *topics_dir;                    /* topics.dir ("topics"); "" puts <topic> at the root */
        char *directory_delim;               /* directory.delim ("/") */
        char *file_delim;                    /* file.delim ("+") */
        int zero_pad_width;                  /* filename.offset.zero.pad.width (10) */
        bool store_keys, store_headers;      /* store.kafka.keys / store.kafka.headers */
        storage_null_behavior_t on_null;     /* behavior.on.null.values */
        bool schema_compat_none;             /* schema.compatibility NONE: any schema change rotates */
} storage_config_t;

/* The config keys above (format.class, partitioner.class and its keys, flush.size, rotate.*,
 * topics.dir, directory.delim, file.delim, filename.offset.zero.pad.width, store.kafka.*,
 * keys.format.class, headers.format.class, behavior.on.null.values, schema.compatibility,
 * avro.codec, format.bytearray.*, s3.compression.*, parquet.codec), as config table entries with
 * Confluent's S3 defaults: storage_config_defs_count() entries, then a NULL name. A sink builds
 * its table as its own keys followed by these (copy them into a static array at start-up, or
 * list them again). */
extern const ferry_config_def_t storage_config_defs[];
size_t storage_config_defs_count(void);

/* Parses the keys above (validated beforehand by the config table) into c, building the formats
 * and the partitioner. -1 with a message naming the key. */
/* Copies the entries of own (up to its NULL name) and then storage_config_defs into out (cap
 * entries, the last one left as the NULL end). Returns the entries copied, or 0 when cap is too
 * small. For a plugin's static table, filled before the plugin is registered (a constructor). */
size_t storage_config_defs_merge(ferry_config_def_t *out, size_t cap, const ferry_config_def_t *own);

int storage_config_init(storage_config_t *c, const ferry_strmap_t *config, char *errstr, size_t errstr_size);
void storage_config_free(storage_config_t *c);

/* The committed name of a file (see the top of this file); end_offset < 0 leaves it out. malloc'd. */
char *storage_file_name(const storage_config_t *c, const char *dir, const char *topic, int32_t partition,
                        int64_t start_offset, int64_t end_offset, const char *extension);
/* [<topics.dir><delim>]<topic><delim><encoded>; malloc'd. */
char *storage_file_dir(const storage_config_t *c, const char *topic, const char *encoded);

/* ---- the topic partition writer ---- */
typedef struct storage_tpw storage_tpw_t;

storage_tpw_t *storage_tpw_new(const storage_config_t *c, const storage_backend_t *b, const char *topic,
                               int32_t partition);
/* Writes one record (its offset above every earlier one of the partition; lower offsets, as after
 * a seek the core asked for, are skipped). Rotates and commits files as the rules say; now_ms is
 * the wall clock read once per batch. FERRY_ERR_RETRIABLE: the partition's open files were
 * dropped and *rewind_to is the offset to seek to; other errors fail the task. */
ferry_err_t storage_tpw_write(storage_tpw_t *w, const ferry_record_t *rec, int64_t now_ms, int64_t *rewind_to,
                              char *errstr, size_t errstr_size);
/* The wall-clock rules without a record (rotate.schedule.interval.ms, called on every put and
 * pre_commit): commits open files whose scheduled rotation passed. Same results as write. */
ferry_err_t storage_tpw_tick(storage_tpw_t *w, int64_t now_ms, int64_t *rewind_to, char *errstr,
                             size_t errstr_size);
/* Commits every open file now (used at close with rotate-on-close sinks such as HDFS at stop). */
ferry_err_t storage_tpw_commit_all(storage_tpw_t *w, int64_t *rewind_to, char *errstr, size_t errstr_size);
/* Backends with settle(): settles the files whose commit is under way, oldest first (wait: until
 * all are durable), moving the durable offset. Same results as write (FERRY_ERR_RETRIABLE: a file
 * failed; the partition's open files were dropped and *rewind_to is the offset to seek to). A
 * no-op for other backends. */
ferry_err_t storage_tpw_settle(storage_tpw_t *w, bool wait, int64_t *rewind_to, char *errstr,
                               size_t errstr_size);
/* Files whose commit is under way (backends with settle()). */
size_t storage_tpw_unsettled(const storage_tpw_t *w);
/* The next offset to consume after the last durable file; false when none is known yet. */
bool storage_tpw_committable(storage_tpw_t *w, int64_t *offset);
/* Drops every open file (backend abort) and returns the offset the next record must have: the
 * first offset of the dropped files, or -1 when none was open. */
int64_t storage_tpw_discard(storage_tpw_t *w);
/* Bytes the partition holds in memory (format writers plus unwritten chunks). */
size_t storage_tpw_buffered(const storage_tpw_t *w);
size_t storage_tpw_open_files(const storage_tpw_t *w);
/* The largest buffer of an open file of the partition (bytes), for the memory budget. */
size_t storage_tpw_largest(const storage_tpw_t *w);
/* Hands that buffer to backend->spill and frees it; *freed gets the bytes released. Same results
 * as write (FERRY_ERR_RETRIABLE: the partition's files were dropped, *rewind_to set). */
ferry_err_t storage_tpw_spill_largest(storage_tpw_t *w, size_t *freed, int64_t *rewind_to, char *errstr,
                                      size_t errstr_size);
void storage_tpw_free(storage_tpw_t *w); /* discards open files */

/* ---- a whole storage sink task over a backend (what S3 and HDFS sink tasks delegate to) ---- */
typedef struct storage_task storage_task_t;

/* Takes ownership of nothing; b must outlive the task. c is initialised by the caller. */
storage_task_t *storage_task_new(ferry_task_t *t, const storage_config_t *c, const storage_backend_t *b);
void storage_task_open(storage_task_t *st, const ferry_topic_partition_t *tps, size_t n);
void storage_task_close(storage_task_t *st, const ferry_topic_partition_t *tps, size_t n);
/* The sink task's put(): FERRY_ERR_RETRIABLE after a store failure (the partitions were rewound
 * with ferry_sink_task_seek and a back-off set with ferry_sink_task_timeout(retry_backoff_ms)). */
ferry_err_t storage_task_put(storage_task_t *st, ferry_record_t *const *recs, size_t n,
                             int64_t retry_backoff_ms, char *errstr, size_t errstr_size);
/* The sink task's pre_commit(): keeps only partitions with new durable files, at their offsets. */
ferry_err_t storage_task_pre_commit(storage_task_t *st, ferry_topic_partition_offset_t *offsets, size_t *n,
                                    char *errstr, size_t errstr_size);
size_t storage_task_buffered(const storage_task_t *st);
/* Bounds the bytes buffered across every open file of the task (0: no bound; needs a backend with
 * spill): when they pass it, the largest buffers are spilled until they are under half of it. */
void storage_task_set_memory_budget(storage_task_t *st, size_t bytes);
/* Spills done so far (for tests and logs). */
uint64_t storage_task_spills(const storage_task_t *st);
void storage_task_free(storage_task_t *st); /* discards open files of every partition */

#endif
