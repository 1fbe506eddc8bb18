/* The Elasticsearch sink's HTTP client (libcurl): requests to the nodes of connection.url in turn,
 * several at once on one multi handle whose connection cache keeps them alive between batches;
 * basic auth and TLS (trust and key stores as PEM text in memory) from the connector's config. */
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
        /* TLS (https URLs; elastic.security.protocol=SSL): the stores as PEM text in memory, read
         * from JKS, PKCS12 or PEM files by the SDK's store reader (es_sink.c); NULL when unset. */
        bool tls;
        const char *ca_pem, *cert_pem, *key_pem;
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
/* Asynchronous use, all from one thread (the bulk sender, es_sender.c): es_http_submit() starts a
 * request (-1 when it cannot: r->error says why); es_http_step() runs the transfers and waits up to
 * timeout_ms for one to finish (or for es_http_wakeup(), callable from any thread), storing the
 * finished ones in done[0..cap) and returning how many. es_http_free() abandons what still runs. */
int es_http_submit(es_http_t *c, es_req_t *r);
size_t es_http_step(es_http_t *c, int timeout_ms, es_req_t **done, size_t cap);
void es_http_wakeup(es_http_t *c);
void es_req_reset(es_req_t *r);
/* The message of a request the server refused with 401/403 (wrong credentials). */
void es_auth_message(const es_req_t *r, char *errstr, size_t errstr_size);
void es_req_free(es_req_t *r);

#endif
