/* The HDFS storage backend of the storage-sink core (shared/storage/storage_writer.h): temp files
 * under <topics.dir>/+tmp, the write-ahead log under <logs.dir>, renames to the committed names
 * and recovery on partition open, all through WebHDFS. */
#ifndef FERRY_HDFS_STORAGE_H
#define FERRY_HDFS_STORAGE_H

#include "webhdfs.h"

#include "shared/storage/storage_writer.h"

#include <ferry/connector.h>

typedef struct hdfs_backend hdfs_backend_t;

typedef struct {
        const char *root;       /* path prefix of hdfs.url ("" for none) */
        const char *topics_dir; /* topics.dir */
        const char *logs_dir;   /* logs.dir */
        const char *file_delim; /* file.delim */
        const char *wal_url;    /* "hdfs://nn:8020" written before the paths in WAL entries ("" none) */
        size_t chunk_size;      /* bytes per WebHDFS write of a temp file */
} hdfs_backend_opts_t;

/* Takes ownership of fs. t is used for log lines (may be NULL in tests). */
hdfs_backend_t *hdfs_backend_new(webhdfs_t *fs, const hdfs_backend_opts_t *o, ferry_task_t *t);
void hdfs_backend_free(hdfs_backend_t *b);
/* The vtable over b (b is its ctx). */
void hdfs_backend_vtable(hdfs_backend_t *b, storage_backend_t *out);

/* Recovery of one Kafka partition (the vtable's recover), exposed for tests: applies the WAL's
 * complete batches, deletes the partition's temp files and answers the next offset (-1: none). */
ferry_err_t hdfs_backend_recover(hdfs_backend_t *b, const char *topic, int32_t partition, int64_t *offset,
                                 char *errstr, size_t errstr_size);

#endif
