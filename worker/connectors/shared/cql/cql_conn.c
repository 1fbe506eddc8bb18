/* One CQL connection: TCP (or TLS through OpenSSL) to a node, OPTIONS to learn what it offers, the
 * STARTUP handshake (protocol v5 where offered, else v4, with LZ4 or snappy compression when asked
 * for and offered; v4 again when the node refuses v5), PLAIN authentication when the node asks
 * for it, and blocking frame send/receive with the request timeout as socket timeouts: v4 frames
 * (bodies compressed when negotiated), or v5 envelopes carried in CRC-checked frames
 * (cql_frame.c). cql_session.c multiplexes requests over it. */
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
        int comp;    /* CQL_COMP_* in use */
        bool framed; /* v5 framing in force (after READY or AUTHENTICATE) */
        char peer[300];
        cql_buf_t out;
        cql_buf_t wire; /* the compressed or framed form of a frame being sent */
        cql_buf_t in;   /* v5: payload bytes received and not yet consumed, from in_pos */
        size_t in_pos;
};

int cql_conn_compression(const cql_conn_t *c)
{
        return c->comp;
}

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
        cql_buf_free(&c->wire);
        cql_buf_free(&c->in);
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
        if (c->framed) {
                c->wire.len = 0;
                cql_v5_encode(&c->wire, frame->p, frame->len, c->comp == CQL_COMP_LZ4);
                if (c->wire.oom) {
                        snprintf(errstr, errstr_size, "out of memory framing a CQL request");
                        return -1;
                }
                return write_all(c, c->wire.p, c->wire.len, errstr, errstr_size);
        }
        /* STARTUP and OPTIONS are never compressed */
        if (c->comp != CQL_COMP_NONE && frame->len > CQL_HEADER_LEN && frame->p[4] != CQL_OP_STARTUP &&
            frame->p[4] != CQL_OP_OPTIONS) {
                int r = cql_frame_compress(frame, c->comp, &c->wire);
                if (r < 0) {
                        snprintf(errstr, errstr_size, "cannot compress a CQL request (%s)",
                                 cql_compression_name(c->comp));
                        return -1;
                }
                if (r > 0)
                        return write_all(c, c->wire.p, c->wire.len, errstr, errstr_size);
        }
        return write_all(c, frame->p, frame->len, errstr, errstr_size);
}

/* v5: reads the next frame into c->in (from in_pos 0), checking both CRCs. */
static int read_v5_frame(cql_conn_t *c, char *errstr, size_t errstr_size)
{
        bool lz4 = c->comp == CQL_COMP_LZ4;
        uint8_t hb[8];
        size_t hl = cql_v5_header_len(lz4);
        if (read_all(c, hb, hl, errstr, errstr_size) < 0)
                return -1;
        cql_v5_header_t h;
        char why[200];
        if (cql_v5_header_decode(hb, lz4, &h, why, sizeof why) < 0) {
                snprintf(errstr, errstr_size, "%s from %s", why, c->peer);
                return -1;
        }
        c->wire.len = 0;
        c->wire.oom = false;
        if (c->wire.cap < h.payload_len + 4) {
                uint8_t *p = realloc(c->wire.p, h.payload_len + 4);
                if (!p) {
                        snprintf(errstr, errstr_size, "out of memory");
                        return -1;
                }
                c->wire.p = p;
                c->wire.cap = h.payload_len + 4;
        }
        if (read_all(c, c->wire.p, h.payload_len + 4, errstr, errstr_size) < 0)
                return -1;
        c->in.len = 0;
        c->in.oom = false;
        c->in_pos = 0;
        if (cql_v5_payload_decode(c->wire.p, &h, lz4, &c->in, why, sizeof why) < 0) {
                snprintf(errstr, errstr_size, "%s from %s", why, c->peer);
                return -1;
        }
        return 0;
}

/* Reads envelope bytes: straight from the socket (v4), or from the payloads of v5 frames. */
static int read_env(cql_conn_t *c, uint8_t *p, size_t n, char *errstr, size_t errstr_size)
{
        if (!c->framed)
                return read_all(c, p, n, errstr, errstr_size);
        while (n) {
                while (c->in_pos >= c->in.len)
                        if (read_v5_frame(c, errstr, errstr_size) < 0)
                                return -1;
                size_t k = c->in.len - c->in_pos < n ? c->in.len - c->in_pos : n;
                memcpy(p, c->in.p + c->in_pos, k);
                c->in_pos += k;
                p += k;
                n -= k;
        }
        return 0;
}

int cql_conn_recv(cql_conn_t *c, cql_header_t *h, cql_buf_t *body, char *errstr, size_t errstr_size)
{
        for (;;) {
                uint8_t hb[CQL_HEADER_LEN];
                if (read_env(c, hb, sizeof hb, errstr, errstr_size) < 0)
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
                        if (read_env(c, body->p, h->length, errstr, errstr_size) < 0)
                                return -1;
                        body->len = h->length;
                }
                if (h->flags & CQL_FLAG_COMPRESSED) {
                        char why[200];
                        if (c->framed || c->comp == CQL_COMP_NONE) {
                                snprintf(errstr, errstr_size,
                                         "compressed frame from %s, but no compression was negotiated",
                                         c->peer);
                                return -1;
                        }
                        if (cql_body_decompress(c->comp, body->p, body->len, &c->wire, why, sizeof why) < 0) {
                                snprintf(errstr, errstr_size, "%s from %s", why, c->peer);
                                return -1;
                        }
                        cql_buf_t t = *body; /* swap: the body takes the decompressed bytes */
                        *body = c->wire;
                        c->wire = t;
                        h->flags &= (uint8_t)~CQL_FLAG_COMPRESSED;
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

/* Connects (TCP, then TLS when configured). */
static cql_conn_t *conn_start(const char *host, int port, const cql_options_t *o, char *errstr,
                              size_t errstr_size)
{
        cql_conn_t *c = calloc(1, sizeof *c);
        if (!c) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        c->version = 4;
        snprintf(c->peer, sizeof c->peer, "%s:%d", host, port);
        int timeout = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 5000;
        c->fd = tcp_connect(host, port, timeout, errstr, errstr_size);
        if (c->fd < 0 || (o->tls && tls_setup(c, host, o, errstr, errstr_size) < 0)) {
                cql_conn_close(c);
                return NULL;
        }
        return c;
}

enum { HS_OK = 0, HS_FAIL = -1, HS_VERSION_REFUSED = -2 };

/* STARTUP at c->version with comp, then PLAIN authentication when asked for. */
static int handshake(cql_conn_t *c, int comp, const cql_options_t *o, char *errstr, size_t errstr_size)
{
        cql_buf_t body = {0};
        cql_header_t h;
        int rc = HS_FAIL;
        cql_enc_startup(&c->out, c->version, 0, cql_compression_name(comp));
        if (cql_conn_send(c, &c->out, errstr, errstr_size) < 0)
                goto out;
        c->comp = comp; /* v4: the answer may already be compressed */
        if (cql_conn_recv(c, &h, &body, errstr, errstr_size) < 0)
                goto out;
        if (h.opcode == CQL_OP_ERROR) {
                char msg[512];
                int32_t code = 0;
                error_text(&body, msg, sizeof msg, &code);
                snprintf(errstr, errstr_size, "%s refused STARTUP (protocol v%u): %s", c->peer, c->version,
                         msg);
                if (c->version > 4 && code == CQL_ERR_PROTOCOL)
                        rc = HS_VERSION_REFUSED;
                goto out;
        }
        if (h.opcode != CQL_OP_READY && h.opcode != CQL_OP_AUTHENTICATE) {
                snprintf(errstr, errstr_size, "unexpected opcode 0x%02x from %s after STARTUP", h.opcode,
                         c->peer);
                goto out;
        }
        if (c->version >= 5) /* both ways, everything after READY or AUTHENTICATE is framed */
                c->framed = true;
        if (h.opcode == CQL_OP_AUTHENTICATE) {
                if (!o->user) {
                        snprintf(errstr, errstr_size,
                                 "%s requires authentication but no username is configured", c->peer);
                        goto out;
                }
                cql_enc_auth_response(&c->out, c->version, 0, o->user, o->password ? o->password : "");
                if (roundtrip(c, &h, &body, errstr, errstr_size) < 0)
                        goto out;
                if (h.opcode == CQL_OP_ERROR) {
                        char msg[512];
                        error_text(&body, msg, sizeof msg, NULL);
                        snprintf(errstr, errstr_size, "authentication as '%s' at %s failed: %s", o->user,
                                 c->peer, msg);
                        goto out;
                }
                if (h.opcode != CQL_OP_AUTH_SUCCESS) {
                        snprintf(errstr, errstr_size,
                                 "unexpected opcode 0x%02x from %s during authentication", h.opcode, c->peer);
                        goto out;
                }
        }
        rc = HS_OK;
out:
        cql_buf_free(&body);
        return rc;
}

cql_conn_t *cql_conn_open(const char *host, int port, const cql_options_t *o, char *errstr,
                          size_t errstr_size)
{
        cql_conn_t *c = conn_start(host, port, o, errstr, errstr_size);
        if (!c)
                return NULL;
        /* OPTIONS (v4, which every supported node speaks): the versions and compressions offered */
        cql_buf_t body = {0};
        cql_header_t h;
        bool v5 = false;
        int comp = CQL_COMP_NONE;
        cql_enc_options(&c->out, 4, 0);
        if (roundtrip(c, &h, &body, errstr, errstr_size) < 0) {
                cql_buf_free(&body);
                cql_conn_close(c);
                return NULL;
        }
        if (h.opcode == CQL_OP_SUPPORTED) {
                v5 = o->max_version != 4 &&
                     cql_supported_has(body.p, body.len, "PROTOCOL_VERSIONS", "5/v5") == 1;
                if (o->compression != CQL_COMP_NONE &&
                    cql_supported_has(body.p, body.len, "COMPRESSION",
                                      cql_compression_name(o->compression)) == 1)
                        comp = o->compression;
                if (comp == CQL_COMP_SNAPPY) /* v5 frames compress with LZ4 only */
                        v5 = false;
        }
        cql_buf_free(&body);
        c->version = v5 ? 5 : 4;
        int hs = handshake(c, comp, o, errstr, errstr_size);
        if (hs == HS_VERSION_REFUSED) { /* the node speaks v4 only after all: start again */
                cql_conn_close(c);
                c = conn_start(host, port, o, errstr, errstr_size);
                if (!c)
                        return NULL;
                hs = handshake(c, comp, o, errstr, errstr_size);
        }
        if (hs != HS_OK) {
                cql_conn_close(c);
                return NULL;
        }
        /* from now on every read and write is bounded by the request timeout */
        int rt = o->request_timeout_ms > 0 ? o->request_timeout_ms : 12000;
        struct timeval tv = {.tv_sec = rt / 1000, .tv_usec = (rt % 1000) * 1000};
        setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        return c;
}
