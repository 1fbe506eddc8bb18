/* The operator's own small HTTP server for probes and scraping: GET /healthz (process alive),
 * /readyz (informer caches synced) and /metrics (Prometheus text from metrics.c). Plain sockets,
 * one thread, one short request per connection; anything else answers 404. */
#include "operator.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct op_http {
        op_ctx_t *ctx;
        int fd, port;
        pthread_t thread;
        atomic_bool stop;
};

static void reply(int fd, int code, const char *ctype, const char *body, size_t len)
{
        char hdr[256];
        const char *text = code == 200 ? "OK" : code == 503 ? "Service Unavailable" : "Not Found";
        int n = snprintf(
                hdr, sizeof(hdr),
                "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                code, text, ctype, len);
        if (write(fd, hdr, (size_t)n) < 0)
                return;
        while (len) {
                ssize_t w = write(fd, body, len);
                if (w <= 0)
                        return;
                body += w;
                len -= (size_t)w;
        }
}

static void serve(struct op_http *h, int fd)
{
        char req[2048];
        size_t n = 0;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        while (n < sizeof(req) - 1 && poll(&p, 1, 2000) > 0) {
                ssize_t r = read(fd, req + n, sizeof(req) - 1 - n);
                if (r <= 0)
                        break;
                n += (size_t)r;
                req[n] = '\0';
                if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
                        break;
        }
        req[n] = '\0';
        char method[8] = "", path[256] = "";
        const char *sp = strchr(req, ' ');
        if (sp && (size_t)(sp - req) < sizeof(method)) {
                memcpy(method, req, (size_t)(sp - req));
                method[sp - req] = '\0';
                const char *sp2 = strchr(sp + 1, ' ');
                size_t pl = sp2 ? (size_t)(sp2 - sp - 1) : 0;
                if (pl < sizeof(path)) {
                        memcpy(path, sp + 1, pl);
                        path[pl] = '\0';
                }
        }
        char *q = strchr(path, '?');
        if (q)
                *q = '\0';
        if (strcmp(method, "GET")) {
                reply(fd, 404, "text/plain", "not found\n", 10);
        } else if (!strcmp(path, "/healthz") || !strcmp(path, "/livez")) {
                reply(fd, 200, "text/plain", "ok\n", 3);
        } else if (!strcmp(path, "/readyz")) {
                if (op_ready(h->ctx))
                        reply(fd, 200, "text/plain", "ok\n", 3);
                else
                        reply(fd, 503, "text/plain", "informers not synced\n", 21);
        } else if (!strcmp(path, "/metrics")) {
                size_t len;
                char *body = op_metrics_render(h->ctx, &len);
                reply(fd, 200, "text/plain; version=0.0.4", body ? body : "", body ? len : 0);
                free(body);
        } else {
                reply(fd, 404, "text/plain", "not found\n", 10);
        }
}

static void *run(void *arg)
{
        struct op_http *h = arg;
        while (!atomic_load(&h->stop)) {
                struct pollfd p = {.fd = h->fd, .events = POLLIN};
                if (poll(&p, 1, 500) <= 0)
                        continue;
                int fd = accept(h->fd, NULL, NULL);
                if (fd < 0)
                        continue;
                serve(h, fd);
                close(fd);
        }
        return NULL;
}

struct op_http *op_http_start(op_ctx_t *ctx, const char *addr, char *errstr, size_t errlen)
{
        char host[256] = "", port[16] = "8080";
        const char *colon = strrchr(addr, ':');
        if (colon) {
                size_t hl = (size_t)(colon - addr);
                if (hl >= sizeof(host))
                        hl = sizeof(host) - 1;
                memcpy(host, addr, hl);
                host[hl] = '\0';
                snprintf(port, sizeof(port), "%s", colon + 1);
        } else {
                snprintf(port, sizeof(port), "%s", addr);
        }
        if (host[0] == '[') { /* [::1] */
                memmove(host, host + 1, strlen(host));
                char *e = strchr(host, ']');
                if (e)
                        *e = '\0';
        }
        struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE},
                        *ai;
        int rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
        if (rc) {
                snprintf(errstr, errlen, "metrics address %s: %s", addr, gai_strerror(rc));
                return NULL;
        }
        int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 16)) {
                snprintf(errstr, errlen, "metrics address %s: %s", addr, strerror(errno));
                if (fd >= 0)
                        close(fd);
                freeaddrinfo(ai);
                return NULL;
        }
        freeaddrinfo(ai);
        struct op_http *h = calloc(1, sizeof(*h));
        if (!h) {
                close(fd);
                return NULL;
        }
        h->ctx = ctx;
        h->fd = fd;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        getsockname(fd, (struct sockaddr *)&ss, &sl);
        h->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                 : ((struct sockaddr_in *)&ss)->sin_port);
        if (kube_thread_create(&h->thread, run, h)) {
                close(fd);
                free(h);
                snprintf(errstr, errlen, "cannot start the metrics thread");
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
        pthread_join(h->thread, NULL);
        close(h->fd);
        free(h);
}
