/* A small S3 REST client over libcurl: signed requests (s3_sigv4.c) with retries and back-off,
 * and the object operations the S3 sink needs (PUT object, multipart upload: initiate, upload
 * part, complete, abort; a bucket check). One client per task: the synchronous calls are made by
 * the task's thread, s3_client_prepare also by the part uploader's thread. */
#ifndef FERRY_S3_CLIENT_H
#define FERRY_S3_CLIENT_H

#include "s3_sigv4.h"

#include <ferry/buf.h>
#include <ferry/errors.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
        const char *bucket;
        const char *region;
        const char *store_url; /* endpoint override ("http://127.0.0.1:9000"); NULL/"" for AWS */
        bool path_style;
        const char *access_key, *secret_key, *session_token;
        const char *acl; /* s3.acl.canned, NULL/"" none */
        const char *sse; /* s3.ssea.name: AES256 or aws:kms, NULL/"" none */
        const char *sse_kms_key_id;
        int retries;        /* s3.part.retries */
        int64_t backoff_ms; /* s3.retry.backoff.ms */
        bool conditional;   /* send If-None-Match: * on PUT and CompleteMultipartUpload */
} s3_client_config_t;

typedef struct s3_client s3_client_t;

typedef struct {
        long status;
        ferry_buf_t body;
        char etag[128];
} s3_resp_t;

s3_client_t *s3_client_new(const s3_client_config_t *cfg, char *errstr, size_t errstr_size);
void s3_client_free(s3_client_t *c);

/* Checks the bucket answers to these credentials (ListObjectsV2 with max-keys=1). FERRY_ERR_FATAL
 * with the store's error (403 InvalidAccessKeyId ...) or FERRY_ERR_RETRIABLE when unreachable. */
ferry_err_t s3_check_bucket(s3_client_t *c, char *errstr, size_t errstr_size);

/* PUT of a whole object. *exists true when the conditional write found the key already there
 * (412): the object is left as it is. */
ferry_err_t s3_put_object(s3_client_t *c, const char *key, const void *data, size_t len, bool *exists,
                          char *errstr, size_t errstr_size);
/* Multipart upload: *upload_id malloc'd. */
ferry_err_t s3_mpu_create(s3_client_t *c, const char *key, char **upload_id, char *errstr,
                          size_t errstr_size);
/* Uploads part number part (1-based); etag gets its ETag (quotes kept). */
ferry_err_t s3_mpu_part(s3_client_t *c, const char *key, const char *upload_id, int part, const void *data,
                        size_t len, char etag[128], char *errstr, size_t errstr_size);
ferry_err_t s3_mpu_complete(s3_client_t *c, const char *key, const char *upload_id, char (*etags)[128],
                            int n_parts, bool *exists, char *errstr, size_t errstr_size);
void s3_mpu_abort(s3_client_t *c, const char *key, const char *upload_id);

/* For the asynchronous part uploader (s3_upload.c): signs a request and sets it up on the libcurl
 * easy handle easy (curl_easy_reset first); body must live until the transfer ends, and so must
 * *headers (free with curl_slist_free_all). sha: the body's hex SHA-256, or NULL to compute it.
 * resp receives the status (read it with CURLINFO_RESPONSE_CODE), ETag and body. 0, or -1 when
 * out of memory. Thread-safe against s3_client_set_creds. */
struct curl_slist;
int s3_client_prepare(s3_client_t *c, void *easy, const char *method, const char *key, const char *query,
                      const void *body, size_t len, const char *sha, const s3_header_t *extra, size_t n_extra,
                      s3_resp_t *resp, struct curl_slist **headers);
/* The canonical query of a multipart request: "partNumber=<part>&uploadId=<id>" (part NULL: no
 * partNumber). malloc'd, NULL when out of memory. */
char *s3_upload_query(const char *part, const char *upload_id);
/* Whether an answer is worth retrying (5xx but 501 NotImplemented, 429, 408, RequestTimeout,
 * SlowDown). */
bool s3_resp_retriable(long status, const ferry_buf_t *body);
/* s3.part.retries, and the back-off before retry number attempt (1-based), capped at 20 s. */
int s3_client_retries(const s3_client_t *c);
int64_t s3_client_backoff_ms(const s3_client_t *c, int attempt);
/* Replaces the credentials (renewed web-identity ones); requests signed afterwards use them. */
void s3_client_set_creds(s3_client_t *c, const char *access_key, const char *secret_key,
                         const char *session_token);

/* The error text of a response: "<status> <Code>: <Message>" from its XML body when it has one. */
void s3_error_text(long status, const char *body, size_t len, char *out, size_t out_size);

#endif
