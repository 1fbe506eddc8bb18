/* A file's data streamed to the DataNode in one HTTP PUT (chunked transfer encoding, as Hadoop's
 * own WebHdfsFileSystem writes): the HDFS backend (hdfs_storage.c) hands chunks over as the
 * storage core formats them, and a thread of the stream uploads them meanwhile, so formatting and
 * uploading overlap and a file costs one DataNode request however many chunks it has. */
#ifndef FERRY_HDFS_WEBHDFS_STREAM_H
#define FERRY_HDFS_WEBHDFS_STREAM_H

#include <ferry/errors.h>

#include <stddef.h>

typedef struct webhdfs_stream webhdfs_stream_t;

/* Starts the PUT of a CREATE to location (the DataNode URL of webhdfs_create_location); path is
 * for messages. Takes nothing over. */
ferry_err_t webhdfs_stream_open(const char *location, const char *path, long connect_timeout_ms,
                                webhdfs_stream_t **out, char *errstr, size_t errstr_size);
/* Queues a copy of p[0..n) (waits while more than a few chunks are queued). An error when the
 * upload has failed already. */
ferry_err_t webhdfs_stream_write(webhdfs_stream_t *s, const void *p, size_t n, char *errstr,
                                 size_t errstr_size);
/* Ends the data, waits for the DataNode's answer and frees s: OK once the file is complete. */
ferry_err_t webhdfs_stream_close(webhdfs_stream_t *s, char *errstr, size_t errstr_size);
/* Cancels the upload and frees s. */
void webhdfs_stream_abort(webhdfs_stream_t *s);

#endif
