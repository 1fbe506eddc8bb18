/* The Elasticsearch sink's HTTP client (libcurl): requests to the nodes of connection.url in turn,
 * several at once on one multi handle whose connection cache keeps them alive between batches;
 * basic auth and TLS (PEM files, or a PKCS12 key store) from the connector's config. */
#ifndef FERRY_ES_HTTP_H
#define FERRY_ES_HTTP_H

#include <ferry/buf.h>
#include <ferry/connector.h>

#include <stdbool.h>
#include <stddef.h>

typedef struct es_http es_http_t;

typedef struct {
        char **urls; /* base URLs without a trailing '/' */
        size_t n_urls;
        const char *username, *password; /* NULL: no basic auth */
        long connect_timeout_ms, read_timeout_ms;
        bool compress; /* connection.compression: gzip request bodies are not sent; accept gzip */
        /* TLS (elastic.security.protocol=SSL) */
        bool tls;
        const char *ca_file;                          /* PEM trust store */
        const char *cert_file, *cert_type, *key_file; /* PEM or P12 key store */
        const char *key_password;                     /* PEM key / P12 store password */
        bool verify_host;
} es_http_config_t;

typedef struct {
        const char *method; /* GET, PUT, POST, HEAD */
        char path[512];     /* "/index/_mapping", "/_bulk" */
        const char *content_type;
        const char *body; /* not copied; NULL for none */
        size_t body_len;
        /* results */
        int status;       /* HTTP status, 0 when the request did not get an answer */
        ferry_buf_t resp; /* the answer's body */
        char error[512];  /* transport error (connection refused, timeout), "" when answered */
        const char *url;  /* the node it went to */
} es_req_t;

es_http_t *es_http_new(const es_http_config_t *cfg, char *errstr, size_t errstr_size);
void es_http_free(es_http_t *c);

/* Runs reqs[0..n), at most max_in_flight at once, until each has an answer or a transport error.
 * Returns early (leaving the rest unanswered, status 0, error "stopping") when the task is asked
 * to stop. */
void es_http_run(es_http_t *c, es_req_t *const *reqs, size_t n, int max_in_flight, ferry_task_t *t);
void es_req_reset(es_req_t *r);
void es_req_free(es_req_t *r);

#endif
