/* The asynchronous part uploader of the S3 sink: UploadPart requests run on one background thread
 * over a libcurl multi handle, at most a fixed number at once, while the task's thread keeps
 * encoding records. Used by s3_storage.c, which waits for every part of an object before it
 * completes the upload (so an object is whole before its offsets are committed). */
#ifndef FERRY_S3_UPLOAD_H
#define FERRY_S3_UPLOAD_H

#include "s3_client.h"

#include <ferry/errors.h>

#include <stdbool.h>
#include <stddef.h>

typedef struct s3_uploader s3_uploader_t;

/* One part to upload. The submitter fills key, upload_id, part, data (malloc'd; the uploader
 * frees it once the part is done) and len; after s3_uploader_wait: err (FERRY_ERR_OK,
 * FERRY_ERR_RETRIABLE after the retries, FERRY_ERR_FATAL for a refusal), errstr, etag. */
typedef struct s3_part_job {
        const char *key, *upload_id; /* owned by the submitter, alive until the wait returns */
        int part;
        void *data;
        size_t len;
        ferry_err_t err;
        char errstr[512];
        char etag[128];
        /* the uploader's */
        bool done;
        int attempt;
        int64_t retry_at_ms;
        void *easy;
        struct curl_slist *headers;
        s3_resp_t resp;
        char *query;
        struct s3_part_job *next;
} s3_part_job_t;

/* max_in_flight >= 1: parts submitted and not yet done; s3_uploader_submit blocks beyond it. */
s3_uploader_t *s3_uploader_new(s3_client_t *client, int max_in_flight, char *errstr, size_t errstr_size);
/* Every submitted job must have been waited for. Stops the thread. */
void s3_uploader_free(s3_uploader_t *u);
/* Queues job (waits while max_in_flight parts are outstanding). */
void s3_uploader_submit(s3_uploader_t *u, s3_part_job_t *job);
/* Waits until job is done. */
void s3_uploader_wait(s3_uploader_t *u, s3_part_job_t *job);
/* Whether job is done, without waiting. */
bool s3_uploader_done(s3_uploader_t *u, s3_part_job_t *job);
/* Bytes of the parts submitted and not yet done. */
size_t s3_uploader_bytes(s3_uploader_t *u);

#endif
