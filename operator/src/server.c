/* The operator's HTTP server for probes and scraping, on libwebsockets (one event-loop thread):
 * GET /healthz and /livez (process alive), /readyz (informer caches synced) and /metrics
 * (Prometheus text from metrics.c); anything else answers 404. Answers are made on the loop when
 * the request is complete (they need no I/O) and written in pieces as the socket takes them. */
#include "operator.h"

#include <ferry/log.h>

#include <arpa/inet.h>
#include <libwebsockets.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WRITE_CHUNK 16384

struct op_http {
        op_ctx_t *ctx;
        struct lws_context *lws;
        struct lws_vhost *vh;
        int port;
        pthread_t thread;
        atomic_bool stop;
        char addr[INET6_ADDRSTRLEN + 1]; /* lws keeps the pointer */
};

/* One answer being written. */
struct pss {
        int status;
        const char *ctype;
        char *body; /* malloc'd, or NULL for a static one */
        const char *text;
        size_t len, sent;
        bool headers_sent;
};

static void answer(struct pss *p, int status, const char *ctype, const char *text)
{
        p->status = status;
        p->ctype = ctype;
        p->text = text;
        p->len = strlen(text);
}

static void route(struct op_http *h, struct lws *wsi, struct pss *p, const char *path)
{
        char *u = NULL;
        int ulen = 0;
        int m = lws_http_get_uri_and_method(wsi, &u, &ulen);
        if (m != LWSHUMETH_GET) {
                answer(p, 404, "text/plain", "not found\n");
        } else if (!strcmp(path, "/healthz") || !strcmp(path, "/livez")) {
                answer(p, 200, "text/plain", "ok\n");
        } else if (!strcmp(path, "/readyz")) {
                if (op_ready(h->ctx))
                        answer(p, 200, "text/plain", "ok\n");
                else
                        answer(p, 503, "text/plain", "informers not synced\n");
        } else if (!strcmp(path, "/metrics")) {
                size_t len = 0;
                p->body = op_metrics_render(h->ctx, &len);
                p->status = 200;
                p->ctype = "text/plain; version=0.0.4";
                p->text = p->body ? p->body : "";
                p->len = p->body ? len : 0;
        } else {
                answer(p, 404, "text/plain", "not found\n");
        }
}

/* Headers, then the body in chunks; 1: done, 0: more to write, -1: error. */
static int write_answer(struct lws *wsi, struct pss *p)
{
        unsigned char buf[LWS_PRE + WRITE_CHUNK];
        unsigned char *start = buf + LWS_PRE, *q = start, *end = buf + sizeof(buf) - 1;
        if (!p->headers_sent) {
                if (lws_add_http_common_headers(wsi, (unsigned)p->status, p->ctype, (lws_filepos_t)p->len, &q,
                                                end) ||
                    lws_finalize_write_http_header(wsi, start, &q, end))
                        return -1;
                p->headers_sent = true;
                if (!p->len)
                        return 1;
                lws_callback_on_writable(wsi);
                return 0;
        }
        size_t left = p->len - p->sent, n = left < WRITE_CHUNK ? left : WRITE_CHUNK;
        memcpy(start, p->text + p->sent, n);
        if (lws_write(wsi, start, n, n == left ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < (int)n)
                return -1;
        p->sent += n;
        if (p->sent == p->len)
                return 1;
        lws_callback_on_writable(wsi);
        return 0;
}

static void pss_clear(struct pss *p)
{
        if (p) {
                free(p->body);
                memset(p, 0, sizeof(*p));
        }
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
        struct lws_context *c = lws_get_context(wsi);
        struct op_http *h = c ? lws_context_user(c) : NULL;
        struct pss *p = user;
        switch (reason) {
        case LWS_CALLBACK_HTTP:
                if (!h || !p)
                        return -1;
                pss_clear(p);
                route(h, wsi, p, in && *(const char *)in ? in : "/");
                lws_callback_on_writable(wsi);
                return 0;
        case LWS_CALLBACK_HTTP_BODY:
        case LWS_CALLBACK_HTTP_BODY_COMPLETION:
                return 0; /* probes carry no body: ignored */
        case LWS_CALLBACK_HTTP_WRITEABLE: {
                if (!p || !p->status)
                        return 0;
                int rc = write_answer(wsi, p);
                if (rc == 0)
                        return 0;
                pss_clear(p);
                if (rc < 0)
                        return -1;
                return lws_http_transaction_completed(wsi) ? -1 : 0;
        }
        case LWS_CALLBACK_CLOSED_HTTP:
        case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
                pss_clear(p);
                break;
        default:
                break;
        }
        return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
        {"http", callback, sizeof(struct pss), 0, 0, NULL, 0},
        {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void lws_log(int level, const char *line)
{
        size_t n = strlen(line);
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                n--;
        ferry_log(level & LLL_ERR ? FERRY_LOG_WARN : FERRY_LOG_DEBUG, "libwebsockets: %.*s", (int)n, line);
}

static void *loop(void *arg)
{
        struct op_http *h = arg;
        while (!atomic_load(&h->stop))
                if (lws_service(h->lws, 0) < 0)
                        break;
        return NULL;
}

/* "[host]:port", "host:port" or ":port" (all interfaces). */
static int parse_addr(const char *addr, char *host, size_t hlen, int *port)
{
        const char *colon = strrchr(addr, ':');
        const char *ps = colon ? colon + 1 : addr;
        size_t hl = colon ? (size_t)(colon - addr) : 0;
        if (hl >= 2 && addr[0] == '[' && addr[hl - 1] == ']') {
                addr++;
                hl -= 2;
        }
        if (hl >= hlen)
                return -1;
        memcpy(host, addr, hl);
        host[hl] = '\0';
        char *end;
        long p = strtol(ps, &end, 10);
        if (end == ps || *end || p < 0 || p > 65535)
                return -1;
        *port = (int)p;
        return 0;
}

struct op_http *op_http_start(op_ctx_t *ctx, const char *addr, char *errstr, size_t errlen)
{
        char host[256];
        int port;
        if (parse_addr(addr, host, sizeof(host), &port)) {
                snprintf(errstr, errlen, "metrics address %s: expected [HOST]:PORT", addr);
                return NULL;
        }
        struct op_http *h = calloc(1, sizeof(*h));
        if (!h) {
                snprintf(errstr, errlen, "out of memory");
                return NULL;
        }
        h->ctx = ctx;
        bool v6 = false;
        if (host[0]) { /* lws binds to a numeric address (or an interface name) */
                struct addrinfo hints = {.ai_family = AF_UNSPEC,
                                         .ai_socktype = SOCK_STREAM,
                                         .ai_flags = AI_PASSIVE},
                                *ai = NULL;
                int rc = getaddrinfo(host, NULL, &hints, &ai);
                if (rc || !ai ||
                    getnameinfo(ai->ai_addr, ai->ai_addrlen, h->addr, sizeof(h->addr), NULL, 0,
                                NI_NUMERICHOST)) {
                        snprintf(errstr, errlen, "metrics address %s: %s", addr,
                                 rc ? gai_strerror(rc) : "cannot resolve");
                        if (ai)
                                freeaddrinfo(ai);
                        free(h);
                        return NULL;
                }
                v6 = ai->ai_family == AF_INET6;
                freeaddrinfo(ai);
        }
        lws_set_log_level(LLL_ERR | LLL_WARN, lws_log);
        struct lws_context_creation_info ci;
        memset(&ci, 0, sizeof(ci));
        ci.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_SKIP_SERVER_CANONICAL_NAME;
        ci.user = h;
        ci.server_string = "ferry-operator";
        ci.count_threads = 1;
        ci.fd_limit_per_thread = 64; /* a few scrapers: no table sized for the process's fd limit */
        ci.max_http_header_pool = 8;
        ci.port = CONTEXT_PORT_NO_LISTEN;
        h->lws = lws_create_context(&ci);
        if (!h->lws) {
                snprintf(errstr, errlen, "metrics address %s: cannot create the server", addr);
                free(h);
                return NULL;
        }
        struct lws_context_creation_info vi;
        memset(&vi, 0, sizeof(vi));
        vi.vhost_name = "probes";
        vi.port = port;
        vi.iface = h->addr[0] ? h->addr : NULL;
        vi.protocols = protocols;
        vi.keepalive_timeout = 30;
        vi.timeout_secs = 10;
        if (h->addr[0] && !v6)
                vi.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
        h->vh = lws_create_vhost(h->lws, &vi);
        if (!h->vh) {
                snprintf(errstr, errlen, "metrics address %s: cannot listen (in use?)", addr);
                lws_context_destroy(h->lws);
                free(h);
                return NULL;
        }
        h->port = lws_get_vhost_listen_port(h->vh);
        if (kube_thread_create(&h->thread, loop, h)) {
                snprintf(errstr, errlen, "cannot start the metrics thread");
                lws_context_destroy(h->lws);
                free(h);
                return NULL;
        }
        return h;
}

int op_http_port(struct op_http *h)
{
        return h->port;
}

void op_http_stop(struct op_http *h)
{
        if (!h)
                return;
        atomic_store(&h->stop, true);
        lws_cancel_service(h->lws);
        pthread_join(h->thread, NULL);
        lws_context_destroy(h->lws);
        free(h);
}
