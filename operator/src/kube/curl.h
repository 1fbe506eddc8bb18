/* The operator's HTTP client on libcurl (curl.c): kube/client.c sends every API server request and
 * watch through it, connect.c the Kafka Connect REST calls. Easy handles are pooled and each keeps
 * its kept-alive connection, so a handle taken from the pool reuses a warm connection; DNS and TLS
 * sessions are shared between all handles of a client. Bodies are collected up to a cap, streamed
 * bodies go to a callback (kube_lines splits them into lines). Not the probes server (server.c). */
#ifndef FERRY_KUBE_CURL_H
#define FERRY_KUBE_CURL_H

#include <ferry/buf.h>

#include <stdbool.h>
#include <stddef.h>

/* The largest response body collected by default (a page of a list is far below). */
#define KUBE_HTTP_MAX_BODY ((size_t)64 << 20)

typedef struct kube_http kube_http_t;

/* Per-client settings, copied by kube_http_new. */
typedef struct kube_http_opts {
        const char *ca; /* CA bundle, PEM bytes: the only trust anchors; NULL: the system's CAs */
        size_t ca_len;
        bool insecure;     /* no verification of the server's certificate or name */
        const char *proxy; /* proxy URL for every request (kubeconfig proxy-url); NULL: from the
                            * environment (kube_http_env_proxy); "": none */
        size_t max_body;   /* collected bodies larger than this fail; 0: KUBE_HTTP_MAX_BODY */
} kube_http_opts_t;

/* o NULL: system CAs, proxies from the environment. max_idle: easy handles (each with its
 * kept-alive connection) to keep between requests; 0: one connection per request (a few handles
 * are kept all the same). Thread-safe: any number of threads may run requests on one client. */
kube_http_t *kube_http_new(const kube_http_opts_t *o, int max_idle);
void kube_http_free(kube_http_t *h);
/* Changes the cap on collected bodies (0: KUBE_HTTP_MAX_BODY); before the first request. */
void kube_http_set_max_body(kube_http_t *h, size_t bytes);

/* Checks PEM material before the first request (bad data shows at start, not as a failure of every
 * request): ca must hold a certificate, cert a certificate matching the private key in key. Any
 * pointer may be NULL. 0, or -1 with the reason. */
int kube_http_check_pem(const char *ca, size_t ca_len, const char *cert, size_t cert_len, const char *key,
                        size_t key_len, char *errstr, size_t errlen);

/* The proxy for url from the environment, as Go's net/http and curl read it: HTTPS_PROXY or
 * https_proxy for https URLs, HTTP_PROXY or http_proxy for http; *no_proxy gets NO_PROXY or
 * no_proxy (NULL when unset). NULL when no proxy is set for the scheme. */
const char *kube_http_env_proxy(const char *url, const char **no_proxy);

/* Body bytes as they arrive, with the response status; non-zero ends the request (aborted). */
typedef int (*kube_http_body_fn)(void *data, long status, const char *p, size_t n);

typedef struct kube_http_req {
        const char *method;
        const char *url;            /* http:// or https:// */
        const char *const *headers; /* "Name: value" strings, NULL-terminated */
        const char *body;           /* NULL: none (no Content-Length); "" with body_len 0: empty */
        size_t body_len;
        const char *cert; /* client certificate (PEM, may be followed by its chain); NULL: none */
        size_t cert_len;
        const char *key; /* its private key (PEM) */
        size_t key_len;
        long connect_timeout_ms;        /* TCP connect + TLS handshake; 0: only timeout_ms */
        long timeout_ms;                /* the whole request; 0: none */
        long idle_timeout_ms;           /* no body byte received for this long fails it (checked
                                         * about once a second); 0: none */
        kube_http_body_fn on_body;      /* NULL: the body is collected into the response */
        int (*should_stop)(void *data); /* called about once a second; non-zero ends it (aborted) */
        void *data;                     /* for on_body and should_stop */
} kube_http_req_t;

typedef struct kube_http_resp {
        long status; /* 0 until a status line came */
        char *body;  /* collected body, NUL-terminated, or NULL when empty or streamed */
        size_t body_len;
        bool aborted;   /* on_body or should_stop ended the request */
        bool too_large; /* the collected body went over the cap */
} kube_http_resp_t;

/* One request. Returns 0 when a complete response came back (any status) or the caller aborted it
 * (resp->aborted), -1 on a transport error, a timeout, a truncated body or a body over the cap, with
 * the reason in errstr. Release with kube_http_resp_clear. */
int kube_http_do(kube_http_t *h, const kube_http_req_t *req, kube_http_resp_t *resp, char *errstr,
                 size_t errlen);
void kube_http_resp_clear(kube_http_resp_t *resp);

/* Splits a byte stream into lines (watch events): kube_lines_feed calls fn with each complete,
 * non-empty line (without "\n" or "\r\n", NUL-terminated). A line longer than max bytes fails. */
typedef struct kube_lines {
        ferry_buf_t line;
        size_t max; /* 0: KUBE_HTTP_MAX_BODY */
} kube_lines_t;
/* 0 when all of p was taken, fn's non-zero return value when it asked to stop, -1 when a line
 * exceeds max (or memory ran out). */
int kube_lines_feed(kube_lines_t *l, const char *p, size_t n, int (*fn)(void *data, char *line, size_t len),
                    void *data);
void kube_lines_free(kube_lines_t *l);

#endif
