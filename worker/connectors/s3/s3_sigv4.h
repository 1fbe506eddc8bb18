/* AWS Signature Version 4 for S3 requests, on OpenSSL's SHA-256 and HMAC, plus the URI encoding
 * S3 object keys need. Ours rather than libcurl's CURLOPT_AWS_SIGV4: Debian's libcurl 7.88 signs
 * the query string as written (unsorted, unencoded) and never sends x-amz-content-sha256 (see
 * docs/connectors/s3.md). Pure functions: no I/O, no global state. */
#ifndef FERRY_S3_SIGV4_H
#define FERRY_S3_SIGV4_H

#include <ferry/buf.h>

#include <stddef.h>
#include <stdint.h>

typedef struct {
        const char *name;  /* lower case */
        const char *value; /* trimmed */
} s3_header_t;

typedef struct {
        const char *method; /* "PUT" */
        const char *host;   /* the Host header: "bucket.s3.us-west-2.amazonaws.com", "127.0.0.1:9000" */
        const char *path;   /* the encoded path as sent: "/bucket/topics/t/partition%3D0/t%2B0%2B..." */
        const char *query;  /* the canonical query (sorted, encoded): "partNumber=1&uploadId=x", "" */
        const char *payload_sha256; /* hex SHA-256 of the body, or "UNSIGNED-PAYLOAD" */
        const char *amz_date;       /* "20261207T025700Z" */
        const char *region;         /* "us-west-2" */
        const char *service;        /* "s3" */
        const char *access_key;
        const char *secret_key;
        const char *session_token;  /* NULL when none (signed as x-amz-security-token) */
        const s3_header_t *headers; /* other headers to sign (names lower case), any order */
        size_t n_headers;
} s3_sigv4_req_t;

/* The Authorization header's value ("AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
 * Signature=...") appended to out. canonical, when not NULL, gets the canonical request (for
 * tests and debug logs). 0, or -1 when out of memory. */
int s3_sigv4_authorization(const s3_sigv4_req_t *r, ferry_buf_t *out, ferry_buf_t *canonical);

/* Hex SHA-256 of data (65 bytes with the NUL). */
void s3_sha256_hex(const void *data, size_t len, char out[65]);
/* "YYYYMMDDTHHMMSSZ" of a time in seconds since the epoch. */
void s3_amz_date(int64_t epoch_s, char out[17]);

/* RFC 3986 encoding as S3 wants it: everything but A-Z a-z 0-9 - . _ ~ as %XX (upper case), and
 * '/' kept when keep_slash (object key paths) — so '+' becomes %2B and ' ' %20. */
int s3_uri_encode(ferry_buf_t *out, const char *s, size_t len, int keep_slash);

#endif
