/* The operator's HTTP/1.1 client (httpc.c): plain sockets, OpenSSL for https, a small pool of
 * kept-alive connections per client. kube/client.c sends every API server request and watch through
 * it; connect.c sends the Kafka Connect REST calls. Not the /healthz /metrics server (http.c). */
#ifndef FERRY_KUBE_HTTPC_H
#define FERRY_KUBE_HTTPC_H

#include <stdbool.h>
#include <stddef.h>

typedef struct kube_http kube_http_t;

/* A growable, always NUL-terminated byte buffer (bodies, header lines, watch lines). */
typedef struct kube_sbuf {
        char *p;
        size_t len, cap;
} kube_sbuf_t;
/* Appends n bytes; 0, or -1 when out of memory. */
int kube_sbuf_add(kube_sbuf_t *b, const char *p, size_t n);

/* TLS material, PEM bytes in memory (copied by kube_http_new). */
typedef struct kube_http_tls {
        const char *ca; /* CA bundle (one or more certificates); NULL: the system's default CA paths */
        size_t ca_len;
        const char *cert; /* client certificate, optionally followed by its chain; NULL: none */
        size_t cert_len;
        const char *key; /* the client certificate's private key */
        size_t key_len;
        bool insecure; /* no verification of the server's certificate or name */
} kube_http_tls_t;

/* tls NULL: no client certificate, system CAs. max_idle: kept-alive connections to pool (0: one
 * connection per request). The TLS context is made on the first https request, or by
 * kube_http_tls_init. Thread-safe: any number of threads may run requests on one client. */
kube_http_t *kube_http_new(const kube_http_tls_t *tls, int max_idle);
void kube_http_free(kube_http_t *h);
/* Loads the TLS material now (bad PEM data shows here instead of at the first request). 0 or -1. */
int kube_http_tls_init(kube_http_t *h, char *errstr, size_t errlen);

/* Body bytes as they arrive, with the response status; non-zero ends the request (aborted). */
typedef int (*kube_http_body_fn)(void *data, long status, const char *p, size_t n);

typedef struct kube_http_req {
        const char *method;
        const char *url;            /* http:// or https://host[:port][/path][?query]; [v6] hosts */
        const char *const *headers; /* "Name: value" strings, NULL-terminated; Host and
                                     * Content-Length are added */
        const char *body;           /* NULL: none (no Content-Length); "" with body_len 0: empty */
        size_t body_len;
        long connect_timeout_ms;        /* TCP connect + TLS handshake; 0: only timeout_ms */
        long timeout_ms;                /* the whole request; 0: none */
        long idle_timeout_ms;           /* no byte received for this long fails it; 0: none */
        kube_http_body_fn on_body;      /* NULL: the body is collected into the response */
        int (*should_stop)(void *data); /* called about once a second; non-zero ends it (aborted) */
        void *data;                     /* for on_body and should_stop */
} kube_http_req_t;

typedef struct kube_http_resp {
        long status; /* 0 until a status line came */
        char *body;  /* collected body, NUL-terminated, or NULL when empty or streamed */
        size_t body_len;
        bool aborted; /* on_body or should_stop ended the request */
} kube_http_resp_t;

/* One request. Returns 0 when a complete response came back (any status) or the caller aborted it
 * (resp->aborted), -1 on a transport error or timeout with the reason in errstr. A kept-alive
 * connection that fails before any byte of the response is retried once on a fresh one. Release
 * with kube_http_resp_clear. */
int kube_http_do(kube_http_t *h, const kube_http_req_t *req, kube_http_resp_t *resp, char *errstr,
                 size_t errlen);
void kube_http_resp_clear(kube_http_resp_t *resp);

/* A parsed URL; target points into the URL (path and query, without a fragment; may be empty). */
typedef struct kube_http_url {
        bool tls;
        bool ipv6; /* host was a [bracketed] literal */
        char host[256];
        int port;
        const char *target;
        size_t target_len;
} kube_http_url_t;
int kube_http_parse_url(const char *url, kube_http_url_t *u);

#endif
