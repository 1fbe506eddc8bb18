/* One CQL connection: TCP (or TLS through OpenSSL) to a node, the STARTUP handshake (protocol v4),
 * PLAIN authentication when the node asks for it, and blocking frame send/receive with the
 * request timeout as socket timeouts. cql_session.c multiplexes requests over it. */
#include "shared/cql/cql_session.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

struct cql_conn {
        int fd;
        SSL_CTX *ctx;
        SSL *ssl;
        uint8_t version;
        char peer[300];
        cql_buf_t out;
};

uint8_t cql_conn_version(const cql_conn_t *c)
{
        return c->version;
}
const char *cql_conn_peer(const cql_conn_t *c)
{
        return c->peer;
}

void cql_conn_close(cql_conn_t *c)
{
        if (!c)
                return;
        if (c->ssl) {
                SSL_shutdown(c->ssl);
                SSL_free(c->ssl);
        }
        if (c->ctx)
                SSL_CTX_free(c->ctx);
        if (c->fd >= 0)
                close(c->fd);
        cql_buf_free(&c->out);
        free(c);
}

static void ssl_errstr(const char *what, char *errstr, size_t errstr_size)
{
        unsigned long e = ERR_get_error();
        char buf[256] = "";
        if (e)
                ERR_error_string_n(e, buf, sizeof buf);
        snprintf(errstr, errstr_size, "%s%s%s", what, e ? ": " : "", buf);
        ERR_clear_error();
}

static int tcp_connect(const char *host, int port, int timeout_ms, char *errstr, size_t errstr_size)
{
        char ps[16];
        snprintf(ps, sizeof ps, "%d", port);
        struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
        int rc = getaddrinfo(host, ps, &hints, &ai);
        if (rc != 0) {
                snprintf(errstr, errstr_size, "cannot resolve %s: %s", host, gai_strerror(rc));
                return -1;
        }
        int fd = -1, err = 0;
        for (struct addrinfo *a = ai; a; a = a->ai_next) {
                fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
                if (fd < 0) {
                        err = errno;
                        continue;
                }
                if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
                        break;
                if (errno == EINPROGRESS) {
                        struct pollfd p = {.fd = fd, .events = POLLOUT};
                        int pr = poll(&p, 1, timeout_ms);
                        socklen_t sl = sizeof err;
                        if (pr == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) == 0 && err == 0)
                                break;
                        if (pr == 0)
                                err = ETIMEDOUT;
                } else {
                        err = errno;
                }
                close(fd);
                fd = -1;
        }
        freeaddrinfo(ai);
        if (fd < 0) {
                snprintf(errstr, errstr_size, "cannot connect to %s:%d: %s", host, port, strerror(err));
                return -1;
        }
        int flags = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &flags, sizeof flags);
        /* back to blocking; the request timeout bounds every read and write */
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
                snprintf(errstr, errstr_size, "fcntl: %s", strerror(errno));
                close(fd);
                return -1;
        }
        struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        return fd;
}

static int write_all(cql_conn_t *c, const uint8_t *p, size_t n, char *errstr, size_t errstr_size)
{
        while (n) {
                ssize_t w;
                if (c->ssl) {
                        w = SSL_write(c->ssl, p, (int)(n > 1 << 30 ? 1 << 30 : n));
                        if (w <= 0) {
                                ssl_errstr("TLS write failed", errstr, errstr_size);
                                return -1;
                        }
                } else {
                        w = send(c->fd, p, n, MSG_NOSIGNAL);
                        if (w < 0 && errno == EINTR)
                                continue;
                        if (w <= 0) {
                                snprintf(errstr, errstr_size, "write to %s failed: %s", c->peer,
                                         w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
                                                 ? "timed out"
                                                 : strerror(errno));
                                return -1;
                        }
                }
                p += w;
                n -= (size_t)w;
        }
        return 0;
}

static int read_all(cql_conn_t *c, uint8_t *p, size_t n, char *errstr, size_t errstr_size)
{
        while (n) {
                ssize_t r;
                if (c->ssl) {
                        r = SSL_read(c->ssl, p, (int)(n > 1 << 30 ? 1 << 30 : n));
                        if (r <= 0) {
                                if (errno == EAGAIN || errno == EWOULDBLOCK)
                                        snprintf(errstr, errstr_size, "no response from %s in time", c->peer);
                                else
                                        ssl_errstr("TLS read failed (connection closed?)", errstr,
                                                   errstr_size);
                                return -1;
                        }
                } else {
                        r = recv(c->fd, p, n, 0);
                        if (r < 0 && errno == EINTR)
                                continue;
                        if (r == 0) {
                                snprintf(errstr, errstr_size, "%s closed the connection", c->peer);
                                return -1;
                        }
                        if (r < 0) {
                                snprintf(errstr, errstr_size, "%s: %s", c->peer,
                                         errno == EAGAIN || errno == EWOULDBLOCK ? "no response in time"
                                                                                 : strerror(errno));
                                return -1;
                        }
                }
                p += r;
                n -= (size_t)r;
        }
        return 0;
}

int cql_conn_send(cql_conn_t *c, const cql_buf_t *frame, char *errstr, size_t errstr_size)
{
        if (frame->oom) {
                snprintf(errstr, errstr_size, "out of memory building a CQL request");
                return -1;
        }
        return write_all(c, frame->p, frame->len, errstr, errstr_size);
}

int cql_conn_recv(cql_conn_t *c, cql_header_t *h, cql_buf_t *body, char *errstr, size_t errstr_size)
{
        for (;;) {
                uint8_t hb[CQL_HEADER_LEN];
                if (read_all(c, hb, sizeof hb, errstr, errstr_size) < 0)
                        return -1;
                if (cql_header_decode(hb, h, errstr, errstr_size) < 0)
                        return -1;
                body->len = 0;
                body->oom = false;
                if (h->length) {
                        if (body->cap < h->length) {
                                uint8_t *p = realloc(body->p, h->length);
                                if (!p) {
                                        snprintf(errstr, errstr_size, "out of memory for a %u-byte frame",
                                                 h->length);
                                        return -1;
                                }
                                body->p = p;
                                body->cap = h->length;
                        }
                        if (read_all(c, body->p, h->length, errstr, errstr_size) < 0)
                                return -1;
                        body->len = h->length;
                }
                if (h->flags & CQL_FLAG_COMPRESSED) {
                        snprintf(errstr, errstr_size,
                                 "compressed frame from %s, but no compression was negotiated", c->peer);
                        return -1;
                }
                if (h->stream < 0) /* server event: not registered for, skip */
                        continue;
                long start = cql_body_start(body->p, body->len, h->flags);
                if (start < 0) {
                        snprintf(errstr, errstr_size, "malformed response frame from %s", c->peer);
                        return -1;
                }
                if (start > 0) {
                        memmove(body->p, body->p + start, body->len - (size_t)start);
                        body->len -= (size_t)start;
                }
                return 0;
        }
}

static int tls_setup(cql_conn_t *c, const char *host, const cql_options_t *o, char *errstr,
                     size_t errstr_size)
{
        c->ctx = cql_tls_ctx_new(o, errstr, errstr_size);
        if (!c->ctx)
                return -1;
        c->ssl = SSL_new(c->ctx);
        if (!c->ssl) {
                ssl_errstr("SSL_new", errstr, errstr_size);
                return -1;
        }
        SSL_set_fd(c->ssl, c->fd);
        SSL_set_tlsext_host_name(c->ssl, host);
        if (o->verify_host && !o->no_verify) {
                X509_VERIFY_PARAM *vp = SSL_get0_param(c->ssl);
                unsigned char ip[16];
                /* an address is checked against the certificate's IP SANs, a name against its DNS names */
                if (inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1)
                        X509_VERIFY_PARAM_set1_ip_asc(vp, host);
                else
                        X509_VERIFY_PARAM_set1_host(vp, host, 0);
        }
        if (SSL_connect(c->ssl) != 1) {
                long vr = SSL_get_verify_result(c->ssl);
                if (vr != X509_V_OK) {
                        snprintf(errstr, errstr_size, "TLS handshake with %s failed: %s", c->peer,
                                 X509_verify_cert_error_string(vr));
                        ERR_clear_error();
                } else {
                        char what[400];
                        snprintf(what, sizeof what, "TLS handshake with %s failed", c->peer);
                        ssl_errstr(what, errstr, errstr_size);
                }
                return -1;
        }
        return 0;
}

/* Sends one request on stream 0 and reads its response. */
static int roundtrip(cql_conn_t *c, cql_header_t *h, cql_buf_t *body, char *errstr, size_t errstr_size)
{
        if (cql_conn_send(c, &c->out, errstr, errstr_size) < 0)
                return -1;
        return cql_conn_recv(c, h, body, errstr, errstr_size);
}

static void error_text(const cql_buf_t *body, char *errstr, size_t errstr_size, int32_t *code)
{
        cql_error_t e;
        cql_error_decode(body->p, body->len, &e);
        cql_error_format(&e, errstr, errstr_size);
        if (code)
                *code = e.code;
        cql_error_clear(&e);
}

cql_conn_t *cql_conn_open(const char *host, int port, const cql_options_t *o, char *errstr,
                          size_t errstr_size)
{
        cql_buf_t body = {0};
        cql_header_t h;
        cql_conn_t *c = calloc(1, sizeof *c);
        if (!c) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        c->version = 4;
        snprintf(c->peer, sizeof c->peer, "%s:%d", host, port);
        int timeout = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 5000;
        c->fd = tcp_connect(host, port, timeout, errstr, errstr_size);
        if (c->fd < 0)
                goto fail_body;
        if (o->tls && tls_setup(c, host, o, errstr, errstr_size) < 0)
                goto fail_body;
        cql_enc_startup(&c->out, c->version, 0, NULL);
        if (roundtrip(c, &h, &body, errstr, errstr_size) < 0)
                goto fail_body;
        if (h.opcode == CQL_OP_AUTHENTICATE) {
                if (!o->user) {
                        snprintf(errstr, errstr_size,
                                 "%s requires authentication but no username is configured", c->peer);
                        goto fail_body;
                }
                cql_enc_auth_response(&c->out, c->version, 0, o->user, o->password ? o->password : "");
                if (roundtrip(c, &h, &body, errstr, errstr_size) < 0)
                        goto fail_body;
                if (h.opcode == CQL_OP_ERROR) {
                        char msg[512];
                        error_text(&body, msg, sizeof msg, NULL);
                        snprintf(errstr, errstr_size, "authentication as '%s' at %s failed: %s", o->user,
                                 c->peer, msg);
                        goto fail_body;
                }
                if (h.opcode != CQL_OP_AUTH_SUCCESS) {
                        snprintf(errstr, errstr_size,
                                 "unexpected opcode 0x%02x from %s during authentication", h.opcode, c->peer);
                        goto fail_body;
                }
        } else if (h.opcode == CQL_OP_ERROR) {
                char msg[512];
                error_text(&body, msg, sizeof msg, NULL);
                snprintf(errstr, errstr_size, "%s refused STARTUP: %s", c->peer, msg);
                goto fail_body;
        } else if (h.opcode != CQL_OP_READY) {
                snprintf(errstr, errstr_size, "unexpected opcode 0x%02x from %s after STARTUP", h.opcode,
                         c->peer);
                goto fail_body;
        }
        cql_buf_free(&body);
        /* from now on every read and write is bounded by the request timeout */
        int rt = o->request_timeout_ms > 0 ? o->request_timeout_ms : 12000;
        struct timeval tv = {.tv_sec = rt / 1000, .tv_usec = (rt % 1000) * 1000};
        setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        return c;
fail_body:
        cql_buf_free(&body);
        cql_conn_close(c);
        return NULL;
}
