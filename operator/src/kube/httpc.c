/* A small HTTP/1.1 client over plain sockets and OpenSSL. kube/client.c sends every request to the
 * API server through it (REST calls collected into memory, watches streamed to a callback), and
 * connect.c every Kafka Connect REST call. One request: parse the URL, take a kept-alive connection
 * from the client's pool or open one (non-blocking connect, TLS handshake with the client's
 * SSL_CTX: CA, client certificate and key from PEM bytes, host name or IP verification), write the
 * request, read the status line, headers and a Content-Length, chunked or read-until-close body.
 * All waits are poll()s bounded by the request's deadlines and ticking once a second for the
 * caller's should_stop. */
#include "kube/httpc.h"
#include "kube/kube.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define CONN_BUF     16384 /* read buffer per connection; also the longest header line */
#define MAX_HEADERS  256
#define IDLE_MAX_AGE 60.0 /* seconds a pooled connection may sit unused before it is closed */
#define STOP_TICK    1.0  /* seconds between should_stop calls */
#define KEY_LEN      (sizeof(((kube_http_url_t *)0)->host) + 16)

struct conn {
        struct conn *next;
        int fd;
        SSL *ssl;
        char key[KEY_LEN]; /* scheme, host and port: what a pooled connection may be reused for */
        char *buf;         /* received, not yet consumed: buf[pos..len) */
        size_t pos, len;
        double idle_since;
};

struct kube_http {
        pthread_mutex_t mu; /* guards ctx creation and the idle list */
        SSL_CTX *ctx;
        char *ca, *cert, *key;
        size_t ca_len, cert_len, key_len;
        bool insecure;
        int max_idle, nidle;
        struct conn *idle; /* most recently used first */
};

/* The state of one request's I/O: deadlines, the stop callback and where errors go. */
struct io {
        double deadline;  /* absolute (kube_monotonic), 0: none */
        long budget_ms;   /* what the deadline stands for, for the message */
        long idle_ms;     /* 0: no idle timeout */
        double last_data; /* when a byte last came */
        double last_check;
        int (*should_stop)(void *data);
        void *data;
        bool stopped, timed_out, got_bytes;
        char *err;
        size_t errlen;
};

int kube_sbuf_add(kube_sbuf_t *b, const char *p, size_t n)
{
        if (b->len + n + 1 > b->cap) {
                size_t cap = b->cap ? b->cap : 1024;
                while (cap < b->len + n + 1)
                        cap *= 2;
                char *np = realloc(b->p, cap);
                if (!np)
                        return -1;
                b->p = np;
                b->cap = cap;
        }
        memcpy(b->p + b->len, p, n);
        b->len += n;
        b->p[b->len] = '\0';
        return 0;
}

static int sb_str(kube_sbuf_t *b, const char *s)
{
        return kube_sbuf_add(b, s, strlen(s));
}

static char *memdup0(const char *p, size_t n)
{
        if (!p)
                return NULL;
        char *d = malloc(n + 1);
        if (d) {
                memcpy(d, p, n);
                d[n] = '\0';
        }
        return d;
}

/* ---- URLs ---- */

int kube_http_parse_url(const char *url, kube_http_url_t *u)
{
        memset(u, 0, sizeof(*u));
        const char *p;
        if (!strncasecmp(url, "http://", 7)) {
                p = url + 7;
                u->port = 80;
        } else if (!strncasecmp(url, "https://", 8)) {
                p = url + 8;
                u->port = 443;
                u->tls = true;
        } else {
                return -1;
        }
        const char *host = p, *end;
        size_t hlen;
        if (*p == '[') {
                const char *close = strchr(p, ']');
                if (!close)
                        return -1;
                host = p + 1;
                hlen = (size_t)(close - host);
                end = close + 1;
                u->ipv6 = true;
        } else {
                end = p + strcspn(p, ":/?#");
                hlen = (size_t)(end - p);
        }
        if (!hlen || hlen >= sizeof(u->host))
                return -1;
        memcpy(u->host, host, hlen);
        u->host[hlen] = '\0';
        if (strpbrk(u->host, "@ \t\r\n"))
                return -1; /* user info is not supported */
        if (u->ipv6) {
                struct in6_addr a6;
                if (inet_pton(AF_INET6, u->host, &a6) != 1)
                        return -1;
        }
        p = end;
        if (*p == ':') {
                char *pend;
                errno = 0;
                long port = strtol(p + 1, &pend, 10);
                if (pend == p + 1 || errno || port <= 0 || port > 65535)
                        return -1;
                u->port = (int)port;
                p = pend;
        }
        if (*p && *p != '/' && *p != '?' && *p != '#')
                return -1;
        u->target = p;
        u->target_len = strcspn(p, "#");
        return 0;
}

static bool is_ip_literal(const char *host)
{
        struct in6_addr a6;
        struct in_addr a4;
        return inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1;
}

/* host:port, [v6]:port */
static void host_port(char *buf, size_t len, const kube_http_url_t *u)
{
        snprintf(buf, len, u->ipv6 ? "[%s]:%d" : "%s:%d", u->host, u->port);
}

/* ---- waiting ---- */

/* Calls should_stop when a tick has passed since the last call; true when it asks to stop. */
static bool stop_due(struct io *io)
{
        if (!io->should_stop)
                return false;
        double now = kube_monotonic();
        if (now - io->last_check < STOP_TICK)
                return false;
        io->last_check = now;
        if (io->should_stop(io->data))
                io->stopped = true;
        return io->stopped;
}

/* Waits until fd is ready for events (or has an error to report). 0, or -1 on timeout or stop. */
static int wait_fd(struct io *io, int fd, short events)
{
        for (;;) {
                if (stop_due(io))
                        return -1;
                double now = kube_monotonic();
                double wait = 3600;
                if (io->should_stop)
                        wait = io->last_check + STOP_TICK - now;
                if (io->deadline) {
                        if (now >= io->deadline) {
                                io->timed_out = true;
                                snprintf(io->err, io->errlen, "timeout after %ld ms", io->budget_ms);
                                return -1;
                        }
                        if (io->deadline - now < wait)
                                wait = io->deadline - now;
                }
                if (io->idle_ms) {
                        double idle_end = io->last_data + (double)io->idle_ms / 1000;
                        if (now >= idle_end) {
                                io->timed_out = true;
                                snprintf(io->err, io->errlen, "no data received for %ld ms", io->idle_ms);
                                return -1;
                        }
                        if (idle_end - now < wait)
                                wait = idle_end - now;
                }
                struct pollfd p = {.fd = fd, .events = events};
                int ms = wait > 0 ? (int)(wait * 1000) + 1 : 0;
                int r = poll(&p, 1, ms);
                if (r > 0)
                        return 0;
                if (r < 0 && errno != EINTR) {
                        snprintf(io->err, io->errlen, "poll: %s", strerror(errno));
                        return -1;
                }
        }
}

/* ---- TLS ---- */

/* A socket BIO that sends with MSG_NOSIGNAL: a peer that went away never raises SIGPIPE. */
static int bio_write(BIO *b, const char *p, int n)
{
        int fd = (int)(intptr_t)BIO_get_data(b);
        BIO_clear_retry_flags(b);
        ssize_t r = send(fd, p, (size_t)n, MSG_NOSIGNAL);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
                BIO_set_retry_write(b);
        return (int)r;
}

static int bio_read(BIO *b, char *p, int n)
{
        int fd = (int)(intptr_t)BIO_get_data(b);
        BIO_clear_retry_flags(b);
        ssize_t r = recv(fd, p, (size_t)n, 0);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
                BIO_set_retry_read(b);
        return (int)r;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
        return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static BIO_METHOD *sock_method;

static void make_sock_method(void)
{
        BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "ferry socket");
        if (m && BIO_meth_set_write(m, bio_write) && BIO_meth_set_read(m, bio_read) &&
            BIO_meth_set_ctrl(m, bio_ctrl))
                sock_method = m;
        else if (m)
                BIO_meth_free(m);
}

/* The reason of the newest OpenSSL error, or fallback. Clears the thread's error queue. */
static const char *ssl_reason(char *buf, size_t len, const char *fallback)
{
        unsigned long e = ERR_peek_last_error();
        if (e) {
                const char *r = ERR_reason_error_string(e);
                if (r)
                        snprintf(buf, len, "%s", r);
                else
                        ERR_error_string_n(e, buf, len);
        } else {
                snprintf(buf, len, "%s", fallback);
        }
        ERR_clear_error();
        return buf;
}

static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
        return -1; /* encrypted keys are not supported; never prompt on a terminal */
}

static int load_ca(SSL_CTX *ctx, const char *pem, size_t len, char *err, size_t errlen)
{
        BIO *b = BIO_new_mem_buf(pem, (int)len);
        STACK_OF(X509_INFO) *infos = b ? PEM_X509_INFO_read_bio(b, NULL, no_passphrase, NULL) : NULL;
        X509_STORE *store = SSL_CTX_get_cert_store(ctx);
        int n = 0;
        for (int i = 0; infos && i < sk_X509_INFO_num(infos); i++) {
                X509_INFO *xi = sk_X509_INFO_value(infos, i);
                if (xi->x509 && X509_STORE_add_cert(store, xi->x509))
                        n++;
                if (xi->crl)
                        X509_STORE_add_crl(store, xi->crl);
        }
        if (infos)
                sk_X509_INFO_pop_free(infos, X509_INFO_free);
        BIO_free(b);
        if (!n) {
                char r[160];
                snprintf(err, errlen, "TLS setup: no usable certificate in the CA data (%s)",
                         ssl_reason(r, sizeof(r), "no PEM certificate"));
                return -1;
        }
        ERR_clear_error();
        /* Any certificate of the bundle is a trust anchor, also an intermediate one. */
        X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
        return 0;
}

static int load_cert_key(SSL_CTX *ctx, const kube_http_t *h, char *err, size_t errlen)
{
        char r[160];
        BIO *b = BIO_new_mem_buf(h->cert, (int)h->cert_len);
        X509 *x = b ? PEM_read_bio_X509_AUX(b, NULL, no_passphrase, NULL) : NULL;
        if (!x || SSL_CTX_use_certificate(ctx, x) != 1) {
                snprintf(err, errlen, "TLS setup: client certificate: %s",
                         ssl_reason(r, sizeof(r), "no PEM certificate"));
                X509_free(x);
                BIO_free(b);
                return -1;
        }
        X509_free(x);
        while ((x = PEM_read_bio_X509(b, NULL, no_passphrase, NULL))) /* the chain, if any */
                if (!SSL_CTX_add0_chain_cert(ctx, x)) {
                        X509_free(x);
                        break;
                }
        ERR_clear_error(); /* the end of the PEM data */
        BIO_free(b);
        if (!h->key) {
                snprintf(err, errlen, "TLS setup: client certificate without a key");
                return -1;
        }
        b = BIO_new_mem_buf(h->key, (int)h->key_len);
        EVP_PKEY *pk = b ? PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL) : NULL;
        BIO_free(b);
        if (!pk || SSL_CTX_use_PrivateKey(ctx, pk) != 1) {
                snprintf(err, errlen, "TLS setup: client key: %s", ssl_reason(r, sizeof(r), "no PEM key"));
                EVP_PKEY_free(pk);
                return -1;
        }
        EVP_PKEY_free(pk);
        if (SSL_CTX_check_private_key(ctx) != 1) {
                snprintf(err, errlen, "TLS setup: the client key does not match the certificate");
                ERR_clear_error();
                return -1;
        }
        return 0;
}

static SSL_CTX *make_ctx(const kube_http_t *h, char *err, size_t errlen)
{
        static pthread_once_t once = PTHREAD_ONCE_INIT;
        pthread_once(&once, make_sock_method);
        char r[160];
        SSL_CTX *ctx = sock_method ? SSL_CTX_new(TLS_client_method()) : NULL;
        if (!ctx) {
                snprintf(err, errlen, "TLS setup: %s", ssl_reason(r, sizeof(r), "out of memory"));
                return NULL;
        }
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                                      SSL_MODE_RELEASE_BUFFERS);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
        /* A peer closing without close_notify ends a read-until-close body; lengths catch truncation. */
        SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
        if (h->insecure) {
                SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        } else {
                SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
                if (h->ca) {
                        if (load_ca(ctx, h->ca, h->ca_len, err, errlen))
                                goto fail;
                } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
                        snprintf(err, errlen, "TLS setup: system CA certificates: %s",
                                 ssl_reason(r, sizeof(r), "not found"));
                        goto fail;
                }
        }
        if (h->cert && load_cert_key(ctx, h, err, errlen))
                goto fail;
        return ctx;
fail:
        SSL_CTX_free(ctx);
        return NULL;
}

static SSL_CTX *get_ctx(kube_http_t *h, char *err, size_t errlen)
{
        pthread_mutex_lock(&h->mu);
        if (!h->ctx)
                h->ctx = make_ctx(h, err, errlen);
        SSL_CTX *ctx = h->ctx;
        pthread_mutex_unlock(&h->mu);
        return ctx;
}

int kube_http_tls_init(kube_http_t *h, char *errstr, size_t errlen)
{
        return get_ctx(h, errstr, errlen) ? 0 : -1;
}

/* ---- connections ---- */

static void conn_close(struct conn *c, bool clean)
{
        if (!c)
                return;
        if (c->ssl) {
                if (clean) {
                        SSL_shutdown(c->ssl); /* close_notify, best effort (non-blocking) */
                }
                SSL_free(c->ssl);
                ERR_clear_error();
        }
        if (c->fd >= 0)
                close(c->fd);
        free(c->buf);
        free(c);
}

static int tcp_connect(const kube_http_url_t *u, struct io *io)
{
        char port[8], where[300];
        snprintf(port, sizeof(port), "%d", u->port);
        host_port(where, sizeof(where), u);
        struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
        int rc = getaddrinfo(u->host, port, &hints, &ai);
        if (rc) {
                snprintf(io->err, io->errlen, "resolve %s: %s", u->host,
                         rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
                return -1;
        }
        int fd = -1;
        char why[200] = "no address";
        for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
                int s = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
                if (s < 0) {
                        snprintf(why, sizeof(why), "%s", strerror(errno));
                        continue;
                }
                if (connect(s, a->ai_addr, a->ai_addrlen) && errno != EINPROGRESS) {
                        snprintf(why, sizeof(why), "%s", strerror(errno));
                        close(s);
                        continue;
                }
                if (wait_fd(io, s, POLLOUT)) {
                        close(s);
                        if (!io->stopped)
                                snprintf(why, sizeof(why), "%s", io->err);
                        break; /* out of time (or stopped): no other address either */
                }
                int soerr = 0;
                socklen_t sl = sizeof(soerr);
                if (getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &sl) || soerr) {
                        snprintf(why, sizeof(why), "%s", strerror(soerr ? soerr : errno));
                        close(s);
                        continue;
                }
                fd = s;
        }
        freeaddrinfo(ai);
        if (fd < 0) {
                if (!io->stopped)
                        snprintf(io->err, io->errlen, "connect %s: %s", where, why);
                return -1;
        }
        int on = 1, idle = 30, intvl = 10;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
        return fd;
}

static int tls_handshake(SSL_CTX *ctx, struct conn *c, const kube_http_url_t *u, bool insecure, struct io *io)
{
        char r[200];
        c->ssl = SSL_new(ctx);
        BIO *b = c->ssl ? BIO_new(sock_method) : NULL;
        if (!b) {
                snprintf(io->err, io->errlen, "TLS setup: %s", ssl_reason(r, sizeof(r), "out of memory"));
                return -1;
        }
        BIO_set_data(b, (void *)(intptr_t)c->fd);
        BIO_set_init(b, 1);
        SSL_set_bio(c->ssl, b, b);
        bool ip = is_ip_literal(u->host);
        if (!ip)
                SSL_set_tlsext_host_name(c->ssl, u->host);
        if (!insecure) {
                int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), u->host)
                            : SSL_set1_host(c->ssl, u->host);
                if (ok != 1) {
                        snprintf(io->err, io->errlen, "TLS setup: cannot verify %s", u->host);
                        ERR_clear_error();
                        return -1;
                }
        }
        for (;;) {
                ERR_clear_error();
                errno = 0;
                int ret = SSL_connect(c->ssl);
                if (ret == 1)
                        return 0;
                int e = SSL_get_error(c->ssl, ret);
                if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                        if (wait_fd(io, c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT)) {
                                if (!io->stopped) {
                                        char why[200];
                                        snprintf(why, sizeof(why), "%s", io->err);
                                        snprintf(io->err, io->errlen, "TLS handshake with %s: %s", u->host,
                                                 why);
                                }
                                return -1;
                        }
                        continue;
                }
                long v = SSL_get_verify_result(c->ssl);
                if (v != X509_V_OK)
                        snprintf(io->err, io->errlen, "TLS handshake with %s: certificate verify failed: %s",
                                 u->host, X509_verify_cert_error_string(v));
                else if (e == SSL_ERROR_SYSCALL && !ERR_peek_error())
                        snprintf(io->err, io->errlen, "TLS handshake with %s: %s", u->host,
                                 errno ? strerror(errno) : "connection closed by the server");
                else
                        snprintf(io->err, io->errlen, "TLS handshake with %s: %s", u->host,
                                 ssl_reason(r, sizeof(r), "failed"));
                ERR_clear_error();
                return -1;
        }
}

static struct conn *conn_open(kube_http_t *h, const kube_http_url_t *u, const char *key, struct io *io)
{
        SSL_CTX *ctx = NULL;
        if (u->tls && !(ctx = get_ctx(h, io->err, io->errlen)))
                return NULL;
        struct conn *c = calloc(1, sizeof(*c));
        if (c)
                c->buf = malloc(CONN_BUF);
        if (!c || !c->buf) {
                free(c);
                snprintf(io->err, io->errlen, "out of memory");
                return NULL;
        }
        snprintf(c->key, sizeof(c->key), "%s", key);
        c->fd = tcp_connect(u, io);
        if (c->fd < 0 || (ctx && tls_handshake(ctx, c, u, h->insecure, io))) {
                conn_close(c, false);
                return NULL;
        }
        return c;
}

/* An idle pooled connection is usable when nothing arrived on it: data would be stray, EOF means
 * the server closed it. For TLS, records that carry no data (session tickets) are fine. */
static bool conn_alive(struct conn *c)
{
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        if (poll(&p, 1, 0) == 0)
                return true;
        if (!c->ssl || (p.revents & (POLLERR | POLLNVAL)))
                return false;
        ERR_clear_error();
        int r = SSL_read(c->ssl, c->buf, CONN_BUF);
        bool ok = r <= 0 && SSL_get_error(c->ssl, r) == SSL_ERROR_WANT_READ;
        ERR_clear_error();
        return ok;
}

static struct conn *pool_take(kube_http_t *h, const char *key)
{
        struct conn *found = NULL, *dead = NULL;
        double now = kube_monotonic();
        pthread_mutex_lock(&h->mu);
        for (struct conn **pp = &h->idle; *pp;) {
                struct conn *c = *pp;
                bool stale = now - c->idle_since > IDLE_MAX_AGE;
                if (stale || (!found && !strcmp(c->key, key))) {
                        *pp = c->next;
                        h->nidle--;
                        if (stale) {
                                c->next = dead;
                                dead = c;
                        } else {
                                found = c;
                        }
                        continue;
                }
                pp = &c->next;
        }
        pthread_mutex_unlock(&h->mu);
        while (dead) {
                struct conn *n = dead->next;
                conn_close(dead, true);
                dead = n;
        }
        if (found && !conn_alive(found)) {
                conn_close(found, false);
                found = NULL;
        }
        if (found)
                found->next = NULL;
        return found;
}

static void pool_put(kube_http_t *h, struct conn *c)
{
        if (h->max_idle <= 0 || c->pos != c->len) {
                conn_close(c, true);
                return;
        }
        c->pos = c->len = 0;
        c->idle_since = kube_monotonic();
        struct conn *drop = NULL;
        pthread_mutex_lock(&h->mu);
        c->next = h->idle;
        h->idle = c;
        if (++h->nidle > h->max_idle) { /* drop the least recently used */
                struct conn **pp = &h->idle;
                while ((*pp)->next)
                        pp = &(*pp)->next;
                drop = *pp;
                *pp = NULL;
                h->nidle--;
        }
        pthread_mutex_unlock(&h->mu);
        conn_close(drop, true);
}

/* ---- I/O on a connection ---- */

static int conn_write(struct conn *c, struct io *io, const char *p, size_t n)
{
        while (n) {
                ssize_t w;
                if (c->ssl) {
                        ERR_clear_error();
                        errno = 0;
                        int r = SSL_write(c->ssl, p, n > INT_MAX ? INT_MAX : (int)n);
                        if (r <= 0) {
                                int e = SSL_get_error(c->ssl, r);
                                if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                                        if (wait_fd(io, c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT))
                                                return -1;
                                        continue;
                                }
                                char r2[160];
                                snprintf(io->err, io->errlen, "send: %s",
                                         e == SSL_ERROR_SYSCALL && !ERR_peek_error()
                                                 ? (errno ? strerror(errno) : "connection closed")
                                                 : ssl_reason(r2, sizeof(r2), "TLS error"));
                                ERR_clear_error();
                                return -1;
                        }
                        w = r;
                } else {
                        w = send(c->fd, p, n, MSG_NOSIGNAL);
                        if (w < 0) {
                                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                                        if (wait_fd(io, c->fd, POLLOUT))
                                                return -1;
                                        continue;
                                }
                                snprintf(io->err, io->errlen, "send: %s", strerror(errno));
                                return -1;
                        }
                }
                p += w;
                n -= (size_t)w;
        }
        return 0;
}

/* Reads more bytes into the connection's buffer. >0: that many, 0: the peer closed, -1: error. */
static ssize_t conn_read(struct conn *c, struct io *io)
{
        if (c->pos) {
                memmove(c->buf, c->buf + c->pos, c->len - c->pos);
                c->len -= c->pos;
                c->pos = 0;
        }
        if (c->len == CONN_BUF) {
                snprintf(io->err, io->errlen, "response header line longer than %d bytes", CONN_BUF);
                return -1;
        }
        for (;;) {
                ssize_t n;
                if (c->ssl) {
                        ERR_clear_error();
                        errno = 0;
                        int r = SSL_read(c->ssl, c->buf + c->len, (int)(CONN_BUF - c->len));
                        if (r <= 0) {
                                int e = SSL_get_error(c->ssl, r);
                                if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                                        if (wait_fd(io, c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT))
                                                return -1;
                                        continue;
                                }
                                if (e == SSL_ERROR_ZERO_RETURN ||
                                    (e == SSL_ERROR_SYSCALL && !ERR_peek_error() && !errno)) {
                                        ERR_clear_error();
                                        return 0;
                                }
                                char r2[160];
                                snprintf(io->err, io->errlen, "recv: %s",
                                         e == SSL_ERROR_SYSCALL && !ERR_peek_error()
                                                 ? strerror(errno)
                                                 : ssl_reason(r2, sizeof(r2), "TLS error"));
                                ERR_clear_error();
                                return -1;
                        }
                        n = r;
                } else {
                        n = recv(c->fd, c->buf + c->len, CONN_BUF - c->len, 0);
                        if (n < 0) {
                                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                                        if (wait_fd(io, c->fd, POLLIN))
                                                return -1;
                                        continue;
                                }
                                snprintf(io->err, io->errlen, "recv: %s", strerror(errno));
                                return -1;
                        }
                        if (n == 0)
                                return 0;
                }
                c->len += (size_t)n;
                io->got_bytes = true;
                io->last_data = kube_monotonic();
                return n;
        }
}

/* The next line without its CR LF, NUL-terminated in the connection's buffer (valid until the next
 * read). 0, or -1 with io->err set. */
static int read_line(struct conn *c, struct io *io, char **line, size_t *len)
{
        for (;;) {
                char *s = c->buf + c->pos;
                char *nl = memchr(s, '\n', c->len - c->pos);
                if (nl) {
                        size_t n = (size_t)(nl - s);
                        c->pos += n + 1;
                        if (n && s[n - 1] == '\r')
                                n--;
                        s[n] = '\0';
                        *line = s;
                        *len = n;
                        return 0;
                }
                ssize_t r = conn_read(c, io);
                if (r < 0)
                        return -1;
                if (r == 0) {
                        snprintf(io->err, io->errlen, "%s",
                                 io->got_bytes ? "connection closed in the middle of the response"
                                               : "connection closed before the response");
                        return -1;
                }
        }
}

struct xfer {
        const kube_http_req_t *req;
        kube_http_resp_t *resp;
        kube_sbuf_t body;
};

/* Hands body bytes to the request: n of them, or all until the peer closes when n < 0.
 * 0 done, 1 aborted by the caller, -1 error. */
static int body_bytes(struct conn *c, struct io *io, struct xfer *x, long long n)
{
        while (n) {
                size_t avail = c->len - c->pos;
                if (!avail) {
                        c->pos = c->len = 0;
                        ssize_t r = conn_read(c, io);
                        if (r < 0)
                                return -1;
                        if (r == 0) {
                                if (n < 0)
                                        return 0;
                                snprintf(io->err, io->errlen, "connection closed in the middle of the body");
                                return -1;
                        }
                        continue;
                }
                size_t take = n < 0 || (unsigned long long)n > avail ? avail : (size_t)n;
                const char *p = c->buf + c->pos;
                c->pos += take;
                if (n > 0)
                        n -= (long long)take;
                if (x->req->on_body) {
                        if (x->req->on_body(x->req->data, x->resp->status, p, take)) {
                                x->resp->aborted = true;
                                return 1;
                        }
                } else if (kube_sbuf_add(&x->body, p, take)) {
                        snprintf(io->err, io->errlen, "out of memory");
                        return -1;
                }
                if (stop_due(io)) {
                        x->resp->aborted = true;
                        return 1;
                }
        }
        return 0;
}

static bool has_token(const char *value, const char *token)
{
        size_t tl = strlen(token);
        for (const char *p = value; *p;) {
                p += strspn(p, " \t,");
                size_t n = strcspn(p, " \t,;");
                if (n == tl && !strncasecmp(p, token, tl))
                        return true;
                p += n;
                p += strcspn(p, ",");
        }
        return false;
}

static int read_chunked(struct conn *c, struct io *io, struct xfer *x)
{
        for (;;) {
                char *line;
                size_t len;
                if (read_line(c, io, &line, &len))
                        return -1;
                char *end;
                errno = 0;
                unsigned long long size = strtoull(line, &end, 16);
                if (end == line || errno || size > LLONG_MAX ||
                    (*end && *end != ';' && *end != ' ' && *end != '\t')) {
                        snprintf(io->err, io->errlen, "malformed chunk size");
                        return -1;
                }
                if (!size)
                        break;
                int rc = body_bytes(c, io, x, (long long)size);
                if (rc)
                        return rc;
                if (read_line(c, io, &line, &len))
                        return -1;
                if (len) {
                        snprintf(io->err, io->errlen, "malformed chunk end");
                        return -1;
                }
        }
        for (int i = 0;; i++) { /* trailers, up to the empty line */
                char *line;
                size_t len;
                if (read_line(c, io, &line, &len))
                        return -1;
                if (!len)
                        return 0;
                if (i > MAX_HEADERS) {
                        snprintf(io->err, io->errlen, "too many trailer lines");
                        return -1;
                }
        }
}

/* Status line, headers and body. 0 complete (*reusable: the connection may serve another
 * request), 1 aborted by the caller, -1 error. */
static int read_response(struct conn *c, struct io *io, struct xfer *x, bool head, bool *reusable)
{
        long status;
        bool keep, chunked;
        long long clen;
        *reusable = false;
        do {
                char *line;
                size_t len;
                if (read_line(c, io, &line, &len))
                        return -1;
                if (len < 12 || strncmp(line, "HTTP/1.", 7) || line[7] < '0' || line[7] > '9' ||
                    line[8] != ' ') {
                        snprintf(io->err, io->errlen, "malformed status line");
                        return -1;
                }
                keep = line[7] != '0';
                char *end;
                status = strtol(line + 9, &end, 10);
                if (end != line + 12 || status < 100 || status > 999 || (*end && *end != ' ')) {
                        snprintf(io->err, io->errlen, "malformed status line");
                        return -1;
                }
                chunked = false;
                clen = -1;
                for (int i = 0;; i++) {
                        if (read_line(c, io, &line, &len))
                                return -1;
                        if (!len)
                                break;
                        if (i > MAX_HEADERS) {
                                snprintf(io->err, io->errlen, "too many response headers");
                                return -1;
                        }
                        char *colon = memchr(line, ':', len);
                        if (!colon)
                                continue;
                        *colon = '\0';
                        char *v = colon + 1;
                        v += strspn(v, " \t");
                        if (!strcasecmp(line, "Content-Length")) {
                                errno = 0;
                                clen = strtoll(v, &end, 10);
                                if (end == v || errno || clen < 0 || (*end && *end != ' ' && *end != '\t')) {
                                        snprintf(io->err, io->errlen, "malformed Content-Length");
                                        return -1;
                                }
                        } else if (!strcasecmp(line, "Transfer-Encoding")) {
                                chunked = has_token(v, "chunked");
                        } else if (!strcasecmp(line, "Connection")) {
                                if (has_token(v, "close"))
                                        keep = false;
                                else if (has_token(v, "keep-alive"))
                                        keep = true;
                        }
                }
        } while (status < 200 && status != 101); /* 100 Continue and other interim answers */
        x->resp->status = status;
        int rc;
        if (head || status == 204 || status == 304 || status == 101) {
                rc = 0;
                keep = keep && status != 101;
        } else if (chunked) {
                rc = read_chunked(c, io, x);
        } else if (clen >= 0) {
                rc = body_bytes(c, io, x, clen);
        } else {
                rc = body_bytes(c, io, x, -1);
                keep = false;
        }
        *reusable = rc == 0 && keep;
        return rc;
}

static bool bad_chars(const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
                        return true;
        return false;
}

/* Request line, Host, the caller's headers, Content-Length, the body. */
static int build_request(kube_sbuf_t *b, const kube_http_req_t *req, const kube_http_url_t *u)
{
        char host[300], cl[48];
        if (u->port == (u->tls ? 443 : 80))
                snprintf(host, sizeof(host), u->ipv6 ? "[%s]" : "%s", u->host);
        else
                host_port(host, sizeof(host), u);
        if (sb_str(b, req->method) || sb_str(b, " "))
                return -1;
        if ((!u->target_len || u->target[0] != '/') && sb_str(b, "/"))
                return -1;
        if (kube_sbuf_add(b, u->target, u->target_len) || sb_str(b, " HTTP/1.1\r\nHost: ") ||
            sb_str(b, host) || sb_str(b, "\r\n"))
                return -1;
        for (const char *const *hp = req->headers; hp && *hp; hp++)
                if (sb_str(b, *hp) || sb_str(b, "\r\n"))
                        return -1;
        if (req->body) {
                snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n", req->body_len);
                if (sb_str(b, cl))
                        return -1;
        }
        if (sb_str(b, "\r\n"))
                return -1;
        return req->body && req->body_len ? kube_sbuf_add(b, req->body, req->body_len) : 0;
}

int kube_http_do(kube_http_t *h, const kube_http_req_t *req, kube_http_resp_t *resp, char *errstr,
                 size_t errlen)
{
        memset(resp, 0, sizeof(*resp));
        kube_http_url_t u;
        if (kube_http_parse_url(req->url, &u)) {
                snprintf(errstr, errlen, "malformed URL %s", req->url);
                return -1;
        }
        if (bad_chars(req->method, strlen(req->method)) || bad_chars(u.target, u.target_len)) {
                snprintf(errstr, errlen, "invalid character in the method or URL");
                return -1;
        }
        kube_sbuf_t out = {0};
        if (build_request(&out, req, &u)) {
                free(out.p);
                snprintf(errstr, errlen, "out of memory");
                return -1;
        }
        char key[KEY_LEN];
        snprintf(key, sizeof(key), "%s|%s|%d", u.tls ? "https" : "http", u.host, u.port);
        double start = kube_monotonic();
        struct io io = {.idle_ms = req->idle_timeout_ms,
                        .last_data = start,
                        .should_stop = req->should_stop,
                        .data = req->data,
                        .err = errstr,
                        .errlen = errlen};
        bool head = !strcmp(req->method, "HEAD");
        int ret = -1;
        for (int attempt = 0; attempt < 2; attempt++) {
                struct conn *c = attempt == 0 ? pool_take(h, key) : NULL;
                bool reused = c != NULL;
                if (!c) {
                        /* The connect timeout covers TCP and the TLS handshake, within the total. */
                        double total = req->timeout_ms > 0 ? start + (double)req->timeout_ms / 1000 : 0;
                        io.budget_ms = req->timeout_ms;
                        io.deadline = total;
                        if (req->connect_timeout_ms > 0) {
                                double cdl = kube_monotonic() + (double)req->connect_timeout_ms / 1000;
                                if (!total || cdl < total) {
                                        io.deadline = cdl;
                                        io.budget_ms = req->connect_timeout_ms;
                                }
                        }
                        c = conn_open(h, &u, key, &io);
                        if (!c)
                                break;
                }
                io.budget_ms = req->timeout_ms;
                io.deadline = req->timeout_ms > 0 ? start + (double)req->timeout_ms / 1000 : 0;
                io.got_bytes = false;
                resp->status = 0;
                struct xfer x = {.req = req, .resp = resp};
                bool reusable = false;
                int rc = conn_write(c, &io, out.p, out.len);
                if (!rc)
                        rc = read_response(c, &io, &x, head, &reusable);
                if (rc >= 0) {
                        resp->body = x.body.p;
                        resp->body_len = x.body.len;
                        if (reusable)
                                pool_put(h, c);
                        else
                                conn_close(c, rc == 0);
                        ret = 0;
                        break;
                }
                free(x.body.p);
                conn_close(c, false);
                /* A kept-alive connection the server closed meanwhile: once more on a fresh one. */
                if (!reused || io.got_bytes || io.timed_out || io.stopped)
                        break;
        }
        if (io.stopped) {
                resp->aborted = true;
                ret = 0;
        }
        free(out.p);
        return ret;
}

void kube_http_resp_clear(kube_http_resp_t *resp)
{
        free(resp->body);
        memset(resp, 0, sizeof(*resp));
}

kube_http_t *kube_http_new(const kube_http_tls_t *tls, int max_idle)
{
        kube_http_t *h = calloc(1, sizeof(*h));
        if (!h)
                return NULL;
        pthread_mutex_init(&h->mu, NULL);
        h->max_idle = max_idle;
        if (tls) {
                h->ca = memdup0(tls->ca, tls->ca_len);
                h->ca_len = tls->ca_len;
                h->cert = memdup0(tls->cert, tls->cert_len);
                h->cert_len = tls->cert_len;
                h->key = memdup0(tls->key, tls->key_len);
                h->key_len = tls->key_len;
                h->insecure = tls->insecure;
                if ((tls->ca && !h->ca) || (tls->cert && !h->cert) || (tls->key && !h->key)) {
                        kube_http_free(h);
                        return NULL;
                }
        }
        return h;
}

void kube_http_free(kube_http_t *h)
{
        if (!h)
                return;
        while (h->idle) {
                struct conn *c = h->idle;
                h->idle = c->next;
                conn_close(c, true);
        }
        if (h->ctx)
                SSL_CTX_free(h->ctx);
        free(h->ca);
        free(h->cert);
        if (h->key) {
                OPENSSL_cleanse(h->key, h->key_len);
                free(h->key);
        }
        pthread_mutex_destroy(&h->mu);
        free(h);
}
