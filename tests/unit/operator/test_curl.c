/* Unit tests for operator/src/kube/curl.c, the operator's libcurl client, against a small server
 * on 127.0.0.1 in the test process (a thread per connection, scripted per test): Content-Length and
 * chunked bodies split across reads, streaming with abort, should_stop, request and idle timeouts,
 * connection refused, keep-alive reuse, a kept-alive connection the server closed, read-until-close
 * bodies, truncated bodies, the body size cap, a proxy, concurrent requests on one client, PEM
 * checks, proxy settings from the environment and the line splitter of watch streams. TLS is
 * covered by the e2e tests against a real kube-apiserver. */
#include "kube/curl.h"
#include "kube/kube.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- the test server ---- */

#define MAX_CONNS 64

struct srv;
/* Answers one request (head and body in req); returns 0 to keep the connection, 1 to close it. */
typedef int (*respond_fn)(struct srv *s, int fd, int conn_no, int req_no, const char *req);

struct srv {
        int lfd, port;
        respond_fn respond;
        pthread_t accept_thread;
        pthread_t conn_threads[MAX_CONNS];
        atomic_int conns, reqs;
        atomic_bool stop;
        pthread_mutex_t mu;
        char last_req[8192];
};

struct conn_arg {
        struct srv *s;
        int fd, no;
};

static void msleep(int ms)
{
        struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
        nanosleep(&ts, NULL);
}

static void wr(int fd, const char *s)
{
        size_t n = strlen(s);
        while (n) {
                ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
                if (w <= 0)
                        return;
                s += w;
                n -= (size_t)w;
        }
}

/* Waits up to ms for fd to be readable, watching the stop flag. */
static bool readable(struct srv *s, int fd, int ms)
{
        for (int waited = 0; waited < ms && !atomic_load(&s->stop); waited += 20) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                if (poll(&p, 1, 20) > 0)
                        return true;
        }
        return false;
}

/* Blocks (watching the stop flag) until the client closes or the test ends. */
static void hold(struct srv *s, int fd)
{
        char tmp[256];
        while (readable(s, fd, 100000))
                if (recv(fd, tmp, sizeof(tmp), 0) <= 0)
                        return;
}

/* One request: head up to the blank line, then Content-Length bytes. 0, or -1 on EOF. */
static int read_request(struct srv *s, int fd, char *buf, size_t cap)
{
        size_t len = 0;
        char *end = NULL;
        while (!end) {
                if (len + 1 >= cap || !readable(s, fd, 100000))
                        return -1;
                ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
                if (n <= 0)
                        return -1;
                len += (size_t)n;
                buf[len] = '\0';
                end = strstr(buf, "\r\n\r\n");
        }
        size_t want = (size_t)(end + 4 - buf);
        const char *cl = strcasestr(buf, "\r\nContent-Length:");
        if (cl && cl < end)
                want += (size_t)strtol(cl + 17, NULL, 10);
        while (len < want) {
                if (len + 1 >= cap || !readable(s, fd, 100000))
                        return -1;
                ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
                if (n <= 0)
                        return -1;
                len += (size_t)n;
                buf[len] = '\0';
        }
        return 0;
}

static void *conn_main(void *arg)
{
        struct conn_arg *a = arg;
        char *buf = malloc(8192);
        for (int req_no = 1; buf; req_no++) {
                if (read_request(a->s, a->fd, buf, 8192))
                        break;
                atomic_fetch_add(&a->s->reqs, 1);
                pthread_mutex_lock(&a->s->mu);
                snprintf(a->s->last_req, sizeof(a->s->last_req), "%s", buf);
                pthread_mutex_unlock(&a->s->mu);
                if (a->s->respond(a->s, a->fd, a->no, req_no, buf))
                        break;
        }
        free(buf);
        close(a->fd);
        free(a);
        return NULL;
}

static void *accept_main(void *arg)
{
        struct srv *s = arg;
        while (!atomic_load(&s->stop)) {
                struct pollfd p = {.fd = s->lfd, .events = POLLIN};
                if (poll(&p, 1, 20) <= 0)
                        continue;
                int fd = accept(s->lfd, NULL, NULL);
                if (fd < 0)
                        continue;
                int no = atomic_load(&s->conns);
                if (no >= MAX_CONNS) {
                        close(fd);
                        continue;
                }
                struct conn_arg *a = malloc(sizeof(*a));
                a->s = s;
                a->fd = fd;
                a->no = no + 1;
                atomic_store(&s->conns, no + 1);
                pthread_create(&s->conn_threads[no], NULL, conn_main, a);
        }
        return NULL;
}

static struct srv *srv_start(respond_fn respond)
{
        struct srv *s = calloc(1, sizeof(*s));
        s->respond = respond;
        pthread_mutex_init(&s->mu, NULL);
        s->lfd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        cr_assert_eq(bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        cr_assert_eq(listen(s->lfd, 64), 0);
        socklen_t sl = sizeof(sa);
        getsockname(s->lfd, (struct sockaddr *)&sa, &sl);
        s->port = ntohs(sa.sin_port);
        pthread_create(&s->accept_thread, NULL, accept_main, s);
        return s;
}

static void srv_stop(struct srv *s)
{
        atomic_store(&s->stop, true);
        pthread_join(s->accept_thread, NULL);
        for (int i = 0; i < atomic_load(&s->conns) && i < MAX_CONNS; i++)
                pthread_join(s->conn_threads[i], NULL);
        close(s->lfd);
        pthread_mutex_destroy(&s->mu);
        free(s);
}

static char *url_of(struct srv *s, const char *path)
{
        static char url[256];
        snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", s->port, path);
        return url;
}

static int get(kube_http_t *h, struct srv *s, const char *path, kube_http_resp_t *resp, char *err,
               size_t errlen)
{
        kube_http_req_t rq = {.method = "GET", .url = url_of(s, path), .timeout_ms = 5000};
        return kube_http_do(h, &rq, resp, err, errlen);
}

/* ---- responders ---- */

/* The request line and body back, Content-Length, lower-case header names. */
static int echo(struct srv *s, int fd, int conn_no, int req_no, const char *req)
{
        const char *eol = strstr(req, "\r\n"), *body = strstr(req, "\r\n\r\n") + 4;
        char out[8192];
        int n = snprintf(out, sizeof(out), "%.*s|%s", (int)(eol - req), req, body);
        char head[128];
        snprintf(head, sizeof(head),
                 "HTTP/1.1 201 Created\r\ncontent-type: text/plain\r\ncontent-length: %d\r\n\r\n", n);
        wr(fd, head);
        wr(fd, out);
        return 0;
}

static double since(double t0)
{
        return kube_monotonic() - t0;
}

/* ---- tests ---- */

Test(curl, content_length_body_and_request)
{
        struct srv *s = srv_start(echo);
        kube_http_t *h = kube_http_new(NULL, 4);
        const char *hdrs[] = {"Accept: application/json", "X-Test: 1", NULL};
        kube_http_req_t rq = {.method = "POST",
                              .url = url_of(s, "/echo?x=1#frag"),
                              .headers = hdrs,
                              .body = "abc",
                              .body_len = 3,
                              .timeout_ms = 5000};
        kube_http_resp_t resp;
        char err[256] = "";
        cr_assert_eq(kube_http_do(h, &rq, &resp, err, sizeof(err)), 0, "%s", err);
        cr_assert_eq(resp.status, 201);
        cr_assert_str_eq(resp.body, "POST /echo?x=1 HTTP/1.1|abc");
        cr_assert_eq(resp.body_len, strlen(resp.body));
        char host[64];
        snprintf(host, sizeof(host), "\r\nHost: 127.0.0.1:%d\r\n", s->port);
        cr_assert(strstr(s->last_req, host), "%s", s->last_req);
        cr_assert(strstr(s->last_req, "\r\nContent-Length: 3\r\n"), "%s", s->last_req);
        cr_assert(strstr(s->last_req, "\r\nX-Test: 1\r\n"), "%s", s->last_req);
        kube_http_resp_clear(&resp);

        /* An empty body still has a Content-Length; no body has none. */
        rq.method = "PUT";
        rq.body = "";
        rq.body_len = 0;
        cr_assert_eq(kube_http_do(h, &rq, &resp, err, sizeof(err)), 0, "%s", err);
        cr_assert(strstr(s->last_req, "\r\nContent-Length: 0\r\n"), "%s", s->last_req);
        kube_http_resp_clear(&resp);
        cr_assert_eq(get(h, s, "", &resp, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(resp.body, "GET / HTTP/1.1|");
        cr_assert_null(strcasestr(s->last_req, "Content-Length"), "%s", s->last_req);
        kube_http_resp_clear(&resp);
        kube_http_free(h);
        srv_stop(s);
}

static int chunked(struct srv *s, int fd, int conn_no, int req_no, const char *req)
{
        wr(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWi");
        msleep(30);
        wr(fd, "ki\r\n5;ext=1\r\npedia\r");
        msleep(30);
        wr(fd, "\n");
        msleep(30);
        wr(fd, "E\r\n in\r\n\r\nchunks.\r\n0");
        msleep(30);
        wr(fd, "\r\nX-Trailer: 1\r\n\r\n");
        return 0;
}

Test(curl, chunked_body_split_across_reads)
{
        struct srv *s = srv_start(chunked);
        kube_http_t *h = kube_http_new(NULL, 4);
        kube_http_resp_t resp;
        char err[256] = "";
        for (int i = 0; i < 2; i++) { /* the second on the same connection: the body ended exactly */
                cr_assert_eq(get(h, s, "/c", &resp, err, sizeof(err)), 0, "%s", err);
                cr_assert_eq(resp.status, 200);
                cr_assert_str_eq(resp.body, "Wikipedia in\r\n\r\nchunks.");
                kube_http_resp_clear(&resp);
        }
        cr_assert_eq(atomic_load(&s->conns), 1);
        kube_http_free(h);
        srv_stop(s);
}

/* Chunked JSON lines, 30 ms apart, until the client goes away. */
static int lines(struct srv *s, int fd, int conn_no, int req_no, const char *req)
{
        wr(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int i = 0; i < 200 && !atomic_load(&s->stop); i++) {
                char c[64], line[32];
                int n = snprintf(line, sizeof(line), "{\"n\":%d}\n", i);
                /* each line in two chunks, to split it */
                snprintf(c, sizeof(c), "3\r\n%.3s\r\n%x\r\n%s\r\n", line, n - 3, line + 3);
                if (send(fd, c, strlen(c), MSG_NOSIGNAL) <= 0)
                        return 1;
                msleep(30);
        }
        return 1;
}

struct stream {
        char partial[64];
        size_t plen;
        int lines;
        char first[64];
        int abort_at;
        double stop_after, t0;
};

static int on_body(void *data, long status, const char *p, size_t n)
{
        struct stream *st = data;
        cr_assert_eq(status, 200);
        for (size_t i = 0; i < n; i++) {
                if (p[i] != '\n') {
                        cr_assert_lt(st->plen, sizeof(st->partial) - 1);
                        st->partial[st->plen++] = p[i];
                        continue;
                }
                st->partial[st->plen] = '\0';
                if (!st->lines++)
                        snprintf(st->first, sizeof(st->first), "%s", st->partial);
                st->plen = 0;
                if (st->abort_at && st->lines >= st->abort_at)
                        return 1;
        }
        return 0;
}

static int should_stop(void *data)
{
        struct stream *st = data;
        return st->stop_after > 0 && since(st->t0) >= st->stop_after;
}

Test(curl, streaming_lines_and_abort)
{
        struct srv *s = srv_start(lines);
        kube_http_t *h = kube_http_new(NULL, 4);
        struct stream st = {.abort_at = 3};
        kube_http_req_t rq = {.method = "GET",
                              .url = url_of(s, "/watch"),
                              .idle_timeout_ms = 5000,
                              .on_body = on_body,
                              .should_stop = should_stop,
                              .data = &st};
        kube_http_resp_t resp;
        char err[256] = "";
        double t0 = kube_monotonic();
        cr_assert_eq(kube_http_do(h, &rq, &resp, err, sizeof(err)), 0, "%s", err);
        cr_assert(resp.aborted);
        cr_assert_eq(resp.status, 200);
        cr_assert_null(resp.body);
        cr_assert_eq(st.lines, 3);
        cr_assert_str_eq(st.first, "{\"n\":0}");
        cr_assert_lt(since(t0), 2.0);
        kube_http_resp_clear(&resp);
        kube_http_free(h);
        srv_stop(s);
}

Test(curl, should_stop_ends_a_stream)
{
        struct srv *s = srv_start(lines);
        kube_http_t *h = kube_http_new(NULL, 4);
        struct stream st = {.stop_after = 0.5, .t0 = kube_monotonic()};
        kube_http_req_t rq = {.method = "GET",
                              .url = url_of(s, "/watch"),
                              .on_body = on_body,
                              .should_stop = should_stop,
                              .data = &st};
        kube_http_resp_t resp;
        char err[256] = "";
        cr_assert_eq(kube_http_do(h, &rq, &resp, err, sizeof(err)), 0, "%s", err);
        cr_assert(resp.aborted);
        cr_assert_gt(st.lines, 3);
        double dt = since(st.t0);
        cr_assert(dt >= 0.5 && dt < 2.5, "took %f s", dt);
        kube_http_free(h);
        srv_stop(s);
}

/* The status line and headers, then nothing. */
static int headers_only(struct srv *s, int fd, int conn_no, int req_no, const char *req)
{
        wr(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        hold(s, fd);
        return 1;
}

Test(curl, should_stop_while_waiting)
{
        struct srv *s = srv_start(headers_only);
        kube_http_t *h = kube_http_new(NULL, 4);
        struct stream st = {.stop_after = 0.3, .t0 = kube_monotonic()};
        kube_http_req_t rq = {.method = "GET",
                              .url = url_of(s, "/watch"),
                              .idle_timeout_ms = 60000,
                              .on_body = on_body,
                              .should_stop = should_stop,
                              .data = &st};
        kube_http_resp_t resp;
        char err[256] = "";
        cr_assert_eq(kube_http_do(h, &rq, &resp, err, sizeof(err)), 0, "%s", err);
        cr_assert(resp.aborted);
        double dt = since(st.t0);
        cr_assert(dt >= 0.3 && dt < 2.5, "took %f s", dt);
        kube_http_free(h);
        srv_stop(s);
}

static int silent(struct srv *s, int fd, int conn_no, int req_no, const char *req)
{
        hold(s, fd);
        return 1;
}

Test(curl, request_timeout)
{
        struct srv *s = srv_start(silent);
        kube_http_t *h = kube_http_new(NULL, 4);
        kube_http_req_t rq = {.method = "GET", .url = url_of(s, "/slow"), .timeout_ms = 300};
        kube_http_resp_t resp;
        char err[256] = "";
        double t0 = kube_monotonic();
        cr_assert_eq(kube_http_do(h, &rq, &resp, err, sizeof(err)), -1);
        double dt = since(t0);
        cr_assert_str_eq(err, "timeout after 300 ms");
        cr_assert(dt >= 0.29 && dt < 1.5, "took %f s", dt);
        cr_assert_eq(resp.status, 0);
        kube_http_free(h);
        srv_stop(s);
}

/* Headers and one chunk, then silence. */
static int one_chunk(struct srv *s, int fd, int conn_no, int req_no, const char *req)
{
        wr(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n{\"n\":0}\n\r\n");
        hold(s, fd);
        return 1;
}

Test(curl, idle_timeout)
{
        struct srv *s = srv_start(one_chunk);
        kube_http_t *h = kube_http_new(NULL, 4);
        struct stream st = {0};
        kube_http_req_t rq = {.method = "GET",
                              .url = url_of(s, "/watch"),
                              .idle_timeout_ms = 400,
                              .on_body = on_body,
                              .data = &st};
        kube_http_resp_t resp;
        char err[256] = "";
        double t0 = kube_monotonic();
        cr_assert_eq(kube_http_do(h, &rq, &resp, err, sizeof(err)), -1);
        double dt = since(t0);
        cr_assert_str_eq(err, "no data received for 400 ms");
        cr_assert(dt >= 0.39 && dt < 2.5, "took %f s", dt);
        cr_assert_eq(st.lines, 1);
        cr_assert_eq(resp.status, 200);
        cr_assert_not(resp.aborted);
        kube_http_free(h);
        srv_stop(s);
}

Test(curl, connection_refused)
{
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        socklen_t sl = sizeof(sa);
        getsockname(fd, (struct sockaddr *)&sa, &sl);
        int port = ntohs(sa.sin_port);
        close(fd); /* bound, never listened, closed: nobody there */
        kube_http_t *h = kube_http_new(NULL, 4);
        char url[64], want[96], err[256] = "";
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", port);
        kube_http_req_t rq = {.method = "GET", .url = url, .connect_timeout_ms = 1000, .timeout_ms = 5000};
        kube_http_resp_t resp;
        cr_assert_eq(kube_http_do(h, &rq, &resp, err, sizeof(err)), -1);
        snprintf(want, sizeof(want), "127.0.0.1 port %d", port);
        cr_assert(strstr(err, want) && strcasestr(err, "connect"), "%s", err);
        kube_http_free(h);
}

Test(curl, malformed_url)
{
        kube_http_t *h = kube_http_new(NULL, 4);
        kube_http_req_t rq = {.method = "GET", .url = "ftp://x/"};
        kube_http_resp_t resp;
        char err[256] = "";
        cr_assert_eq(kube_http_do(h, &rq, &resp, err, sizeof(err)), -1);
        cr_assert(strcasestr(err, "ftp"), "%s", err);
        rq.url = "http://[::1/";
        cr_assert_eq(kube_http_do(h, &rq, &resp, err, sizeof(err)), -1);
        cr_assert(strcasestr(err, "URL"), "%s", err);
        kube_http_free(h);
}

Test(curl, keep_alive_reuse)
{
        struct srv *s = srv_start(echo);
        kube_http_t *h = kube_http_new(NULL, 4);
        kube_http_resp_t resp;
        char err[256] = "";
        for (int i = 0; i < 3; i++) {
                cr_assert_eq(get(h, s, "/a", &resp, err, sizeof(err)), 0, "%s", err);
                cr_assert_str_eq(resp.body, "GET /a HTTP/1.1|");
                kube_http_resp_clear(&resp);
        }
        cr_assert_eq(atomic_load(&s->reqs), 3);
        cr_assert_eq(atomic_load(&s->conns), 1);
        kube_http_free(h);
        srv_stop(s);

        /* Without a pool, one connection per request. */
        s = srv_start(echo);
        h = kube_http_new(NULL, 0);
        for (int i = 0; i < 2; i++) {
                cr_assert_eq(get(h, s, "/a", &resp, err, sizeof(err)), 0, "%s", err);
                kube_http_resp_clear(&resp);
        }
        cr_assert_eq(atomic_load(&s->conns), 2);
        kube_http_free(h);
        srv_stop(s);
}

/* The second request on the first connection is read and then the connection closed unanswered
 * (a server that timed the idle connection out just then). */
static int close_second(struct srv *s, int fd, int conn_no, int req_no, const char *req)
{
        if (conn_no == 1 && req_no == 2)
                return 1;
        return echo(s, fd, conn_no, req_no, req);
}

Test(curl, kept_alive_connection_closed_by_server_is_retried)
{
        struct srv *s = srv_start(close_second);
        kube_http_t *h = kube_http_new(NULL, 4);
        kube_http_resp_t resp;
        char err[256] = "";
        cr_assert_eq(get(h, s, "/1", &resp, err, sizeof(err)), 0, "%s", err);
        kube_http_resp_clear(&resp);
        cr_assert_eq(get(h, s, "/2", &resp, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(resp.body, "GET /2 HTTP/1.1|");
        kube_http_resp_clear(&resp);
        cr_assert_eq(atomic_load(&s->conns), 2);
        cr_assert_eq(atomic_load(&s->reqs), 3);
        kube_http_free(h);
        srv_stop(s);
}

/* Answers, then closes without saying so. */
static int answer_and_close(struct srv *s, int fd, int conn_no, int req_no, const char *req)
{
        echo(s, fd, conn_no, req_no, req);
        return 1;
}

Test(curl, idle_connection_closed_by_server_is_not_reused)
{
        struct srv *s = srv_start(answer_and_close);
        kube_http_t *h = kube_http_new(NULL, 4);
        kube_http_resp_t resp;
        char err[256] = "";
        for (int i = 0; i < 2; i++) {
                cr_assert_eq(get(h, s, "/a", &resp, err, sizeof(err)), 0, "%s", err);
                kube_http_resp_clear(&resp);
                msleep(50);
        }
        cr_assert_eq(atomic_load(&s->conns), 2);
        cr_assert_eq(atomic_load(&s->reqs), 2);
        kube_http_free(h);
        srv_stop(s);
}

static int connection_close(struct srv *s, int fd, int conn_no, int req_no, const char *req)
{
        wr(fd, "HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno");
        hold(s, fd); /* the client must not wait for the close, nor reuse the connection */
        return 1;
}

Test(curl, connection_close_header)
{
        struct srv *s = srv_start(connection_close);
        kube_http_t *h = kube_http_new(NULL, 4);
        kube_http_resp_t resp;
        char err[256] = "";
        for (int i = 0; i < 2; i++) {
                cr_assert_eq(get(h, s, "/a", &resp, err, sizeof(err)), 0, "%s", err);
                cr_assert_eq(resp.status, 404);
                cr_assert_str_eq(resp.body, "no");
                kube_http_resp_clear(&resp);
        }
        cr_assert_eq(atomic_load(&s->conns), 2);
        kube_http_free(h);
        srv_stop(s);
}

static int until_close(struct srv *s, int fd, int conn_no, int req_no, const char *req)
{
        wr(fd, "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"a\":");
        msleep(30);
        wr(fd, "1}");
        return 1;
}

Test(curl, body_until_close)
{
        struct srv *s = srv_start(until_close);
        kube_http_t *h = kube_http_new(NULL, 4);
        kube_http_resp_t resp;
        char err[256] = "";
        cr_assert_eq(get(h, s, "/a", &resp, err, sizeof(err)), 0, "%s", err);
        cr_assert_eq(resp.status, 200);
        cr_assert_str_eq(resp.body, "{\"a\":1}");
        kube_http_resp_clear(&resp);
        kube_http_free(h);
        srv_stop(s);
}

static int interim_and_no_content(struct srv *s, int fd, int conn_no, int req_no, const char *req)
{
        wr(fd, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nX-A: b\r\n\r\n");
        return 0;
}

Test(curl, interim_response_and_204)
{
        struct srv *s = srv_start(interim_and_no_content);
        kube_http_t *h = kube_http_new(NULL, 4);
        kube_http_resp_t resp;
        char err[256] = "";
        for (int i = 0; i < 2; i++) {
                cr_assert_eq(get(h, s, "/a", &resp, err, sizeof(err)), 0, "%s", err);
                cr_assert_eq(resp.status, 204);
                cr_assert_null(resp.body);
                kube_http_resp_clear(&resp);
        }
        cr_assert_eq(atomic_load(&s->conns), 1);
        kube_http_free(h);
        srv_stop(s);
}

static int truncated(struct srv *s, int fd, int conn_no, int req_no, const char *req)
{
        wr(fd, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
        return 1;
}

Test(curl, truncated_body_is_an_error)
{
        struct srv *s = srv_start(truncated);
        kube_http_t *h = kube_http_new(NULL, 4);
        kube_http_resp_t resp;
        char err[256] = "";
        cr_assert_eq(get(h, s, "/a", &resp, err, sizeof(err)), -1);
        cr_assert(strstr(err, "truncated response (HTTP 200)"), "%s", err);
        kube_http_free(h);
        srv_stop(s);
}

struct worker_arg {
        kube_http_t *h;
        struct srv *s;
        int ok;
};

static void *worker(void *arg)
{
        struct worker_arg *w = arg;
        for (int i = 0; i < 10; i++) {
                kube_http_resp_t resp;
                char err[256] = "", url[128];
                snprintf(url, sizeof(url), "http://127.0.0.1:%d/w%d", w->s->port, i);
                kube_http_req_t rq = {.method = "GET", .url = url, .timeout_ms = 5000};
                if (!kube_http_do(w->h, &rq, &resp, err, sizeof(err)) && resp.status == 201 &&
                    !strncmp(resp.body, "GET /w", 6))
                        w->ok++;
                kube_http_resp_clear(&resp);
        }
        return NULL;
}

Test(curl, concurrent_requests_share_the_pool)
{
        struct srv *s = srv_start(echo);
        kube_http_t *h = kube_http_new(NULL, 2);
        pthread_t t[4];
        struct worker_arg a[4];
        for (int i = 0; i < 4; i++) {
                a[i] = (struct worker_arg){.h = h, .s = s};
                pthread_create(&t[i], NULL, worker, &a[i]);
        }
        for (int i = 0; i < 4; i++) {
                pthread_join(t[i], NULL);
                cr_assert_eq(a[i].ok, 10);
        }
        cr_assert_eq(atomic_load(&s->reqs), 40);
        cr_assert_leq(atomic_load(&s->conns), 40);
        kube_http_free(h);
        srv_stop(s);
}

Test(curl, pem_checks)
{
        char err[256] = "";
        cr_assert_eq(kube_http_check_pem("not a certificate", 17, NULL, 0, NULL, 0, err, sizeof(err)), -1);
        cr_assert(strstr(err, "TLS setup: no usable certificate in the CA data"), "%s", err);
        cr_assert_eq(kube_http_check_pem(NULL, 0, "junk", 4, "junk", 4, err, sizeof(err)), -1);
        cr_assert(strstr(err, "TLS setup: client certificate"), "%s", err);
        cr_assert_eq(kube_http_check_pem(NULL, 0, NULL, 0, NULL, 0, err, sizeof(err)), 0);
}

/* A large Content-Length body, and a large chunked one. */
static int big(struct srv *s, int fd, int conn_no, int req_no, const char *req)
{
        char chunk[1024];
        memset(chunk, 'x', sizeof(chunk));
        if (strstr(req, "GET /chunked ")) {
                wr(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
                for (int i = 0; i < 8; i++) {
                        char c[1100];
                        snprintf(c, sizeof(c), "400\r\n%.1024s\r\n", chunk);
                        wr(fd, c);
                }
                wr(fd, "0\r\n\r\n");
                return 0;
        }
        wr(fd, "HTTP/1.1 200 OK\r\nContent-Length: 8192\r\n\r\n");
        for (int i = 0; i < 8; i++) {
                char c[1025];
                snprintf(c, sizeof(c), "%.1024s", chunk);
                wr(fd, c);
        }
        return 0;
}

Test(curl, body_size_cap)
{
        struct srv *s = srv_start(big);
        kube_http_opts_t o = {.max_body = 4096};
        kube_http_t *h = kube_http_new(&o, 4);
        kube_http_resp_t resp;
        char err[256] = "";
        cr_assert_eq(get(h, s, "/length", &resp, err, sizeof(err)), -1);
        cr_assert(resp.too_large);
        cr_assert_str_eq(err, "response body larger than 4096 bytes (the limit)");
        cr_assert_null(resp.body);
        cr_assert_eq(get(h, s, "/chunked", &resp, err, sizeof(err)), -1);
        cr_assert(resp.too_large);
        /* At the cap exactly it passes. */
        kube_http_set_max_body(h, 8192);
        cr_assert_eq(get(h, s, "/chunked", &resp, err, sizeof(err)), 0, "%s", err);
        cr_assert_eq(resp.body_len, 8192);
        kube_http_resp_clear(&resp);
        kube_http_free(h);
        srv_stop(s);
}

Test(curl, forward_proxy)
{
        struct srv *s = srv_start(echo);
        char proxy[64];
        snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", s->port);
        kube_http_opts_t o = {.proxy = proxy};
        kube_http_t *h = kube_http_new(&o, 4);
        kube_http_req_t rq = {
                .method = "GET", .url = "http://api.example.invalid:8080/x", .timeout_ms = 5000};
        kube_http_resp_t resp;
        char err[256] = "";
        cr_assert_eq(kube_http_do(h, &rq, &resp, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(resp.body, "GET http://api.example.invalid:8080/x HTTP/1.1|");
        kube_http_resp_clear(&resp);
        /* A kubeconfig proxy-url is used for every request, whatever NO_PROXY says. */
        setenv("no_proxy", "api.example.invalid", 1);
        cr_assert_eq(kube_http_do(h, &rq, &resp, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(resp.body, "GET http://api.example.invalid:8080/x HTTP/1.1|");
        kube_http_resp_clear(&resp);
        unsetenv("no_proxy");
        kube_http_free(h);

        /* The same through HTTP_PROXY, and not for a host in NO_PROXY. */
        setenv("HTTP_PROXY", proxy, 1);
        setenv("NO_PROXY", "127.0.0.1,.skip.invalid", 1);
        h = kube_http_new(NULL, 4);
        cr_assert_eq(kube_http_do(h, &rq, &resp, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(resp.body, "GET http://api.example.invalid:8080/x HTTP/1.1|");
        kube_http_resp_clear(&resp);
        cr_assert_eq(get(h, s, "/direct", &resp, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(resp.body, "GET /direct HTTP/1.1|");
        kube_http_resp_clear(&resp);
        kube_http_free(h);
        unsetenv("HTTP_PROXY");
        unsetenv("NO_PROXY");
        srv_stop(s);
}

Test(curl, env_proxy)
{
        const char *np = "x";
        unsetenv("HTTPS_PROXY");
        unsetenv("https_proxy");
        unsetenv("HTTP_PROXY");
        unsetenv("http_proxy");
        unsetenv("NO_PROXY");
        unsetenv("no_proxy");
        cr_assert_null(kube_http_env_proxy("https://a:6443", &np));
        cr_assert_null(np);
        setenv("https_proxy", "http://lower:3128", 1);
        cr_assert_str_eq(kube_http_env_proxy("https://a:6443", NULL), "http://lower:3128");
        setenv("HTTPS_PROXY", "http://upper:3128", 1);
        cr_assert_str_eq(kube_http_env_proxy("HTTPS://a:6443", NULL), "http://upper:3128");
        cr_assert_null(kube_http_env_proxy("http://a:80", NULL)); /* http URLs: HTTP_PROXY only */
        setenv("http_proxy", "http://plain:3128", 1);
        setenv("no_proxy", "10.0.0.0/8,.svc", 1);
        cr_assert_str_eq(kube_http_env_proxy("http://a:80", &np), "http://plain:3128");
        cr_assert_str_eq(np, "10.0.0.0/8,.svc");
        unsetenv("HTTPS_PROXY");
        unsetenv("https_proxy");
        unsetenv("http_proxy");
        unsetenv("no_proxy");
}

struct collected {
        char lines[8][64];
        int n, stop_at;
};

static int collect(void *data, char *line, size_t len)
{
        struct collected *c = data;
        cr_assert_eq(strlen(line), len);
        cr_assert_lt(c->n, 8);
        snprintf(c->lines[c->n++], sizeof(c->lines[0]), "%s", line);
        return c->stop_at && c->n >= c->stop_at ? 7 : 0;
}

Test(lines, split_across_feeds)
{
        kube_lines_t l = {0};
        struct collected c = {0};
        const char *parts[] = {"{\"a\"", ":1}\n{\"b\":2}\r\n\n", "{\"c\"", ":3}", "\n", NULL};
        for (int i = 0; parts[i]; i++)
                cr_assert_eq(kube_lines_feed(&l, parts[i], strlen(parts[i]), collect, &c), 0);
        cr_assert_eq(c.n, 3);
        cr_assert_str_eq(c.lines[0], "{\"a\":1}");
        cr_assert_str_eq(c.lines[1], "{\"b\":2}");
        cr_assert_str_eq(c.lines[2], "{\"c\":3}");
        /* A partial line waits for its end. */
        cr_assert_eq(kube_lines_feed(&l, "tail", 4, collect, &c), 0);
        cr_assert_eq(c.n, 3);
        kube_lines_free(&l);
}

Test(lines, stop_and_cap)
{
        kube_lines_t l = {0};
        struct collected c = {.stop_at = 2};
        const char *s = "one\ntwo\nthree\n";
        cr_assert_eq(kube_lines_feed(&l, s, strlen(s), collect, &c), 7);
        cr_assert_eq(c.n, 2);
        kube_lines_free(&l);

        kube_lines_t capped = {.max = 8};
        struct collected d = {0};
        cr_assert_eq(kube_lines_feed(&capped, "12345678\n", 9, collect, &d), 0);
        cr_assert_eq(kube_lines_feed(&capped, "12345", 5, collect, &d), 0);
        cr_assert_eq(kube_lines_feed(&capped, "6789\n", 5, collect, &d), -1);
        cr_assert_eq(d.n, 1);
        kube_lines_free(&capped);
}
