/* The REST server's sockets: libwebsockets (HTTP/1.1, HTTPS with PEM files) on one event-loop
 * thread. The loop only moves bytes: it gathers each request (headers, body up to 1 MiB) into a
 * job and hands it to a small pool of worker threads that run ferry_rest_handle() (router.c),
 * where herder operations may block for seconds. A finished job goes on a completion queue,
 * lws_cancel_service() wakes the loop, and the loop writes the answer. A job that takes longer
 * than the request timeout (90 s) is answered 500 by the loop and abandoned to its thread; the
 * pool grows when every thread is busy, so a hung herder call never holds up other requests.
 *
 * Job ownership: the loop owns a job while it is received and written; the pool while it is
 * queued or running. A job whose connection closed (or timed out) meanwhile is marked orphaned
 * under the lock and freed by whichever side holds it next. */
#include "rest/rest.h"

#include "rest/api.h"

#include <ferry/log.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libwebsockets.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MAX_LISTENERS      8
#define POOL_MIN           4
#define POOL_MAX           64
#define POOL_IDLE_EXIT_MS  30000
#define STOP_WAIT_MS       10000
#define WRITE_CHUNK        65536
#define DEFAULT_TIMEOUT_MS 90000

enum job_state {
        JOB_RECEIVING, /* loop: reading the body */
        JOB_QUEUED,    /* pool: waiting for a thread */
        JOB_RUNNING,   /* pool: in ferry_rest_handle */
        JOB_DONE,      /* on the completion queue */
        JOB_WRITING,   /* loop: answer being written */
};

typedef struct job {
        struct job *next;
        struct lws *wsi;
        enum job_state state;
        bool orphaned;
        char method[8];
        char *path, *query, *content_type, *authorization, *base_url;
        ferry_buf_t body;
        bool too_large;
        bool chunked; /* Transfer-Encoding: chunked: raw holds the encoded body */
        ferry_buf_t raw;
        bool close_after; /* the rest of the request was not read: close after answering */
        ferry_rest_response_t resp;
        bool headers_sent;
        size_t sent;
} job_t;

typedef struct {
        bool tls;
        char *host; /* as configured ("" = all interfaces) */
        int port;   /* configured; the bound one after start */
        struct lws_vhost *vh;
        /* lws keeps pointers to these for the vhost's lifetime: they live here, not on a stack. */
        char name[32];
        char addr[INET6_ADDRSTRLEN + 1];
} listener_t;

struct ferry_rest {
        ferry_worker_t *w;
        ferry_rest_api_t *api;
        struct lws_context *ctx;
        pthread_t loop;
        bool loop_started;
        atomic_bool stopping;
        listener_t ls[MAX_LISTENERS];
        int n_ls;
        int64_t timeout_ms;

        pthread_mutex_t lock;
        pthread_cond_t work_cond; /* work queued, or stop */
        pthread_cond_t exit_cond; /* a pool thread exited */
        job_t *work_head, *work_tail;
        job_t *done_head, *done_tail;
        int n_threads, n_idle, n_queued;
        bool pool_stop;
};

struct pss {
        job_t *job;
};

/* ---- jobs ---- */

static void job_free(job_t *j)
{
        if (!j)
                return;
        free(j->path);
        free(j->query);
        free(j->content_type);
        free(j->authorization);
        free(j->base_url);
        ferry_buf_free(&j->body);
        ferry_buf_free(&j->raw);
        ferry_rest_response_free(&j->resp);
        free(j);
}

static void push(job_t **head, job_t **tail, job_t *j)
{
        j->next = NULL;
        if (*tail)
                (*tail)->next = j;
        else
                *head = j;
        *tail = j;
}

static job_t *pop(job_t **head, job_t **tail)
{
        job_t *j = *head;
        if (j) {
                *head = j->next;
                if (!*head)
                        *tail = NULL;
                j->next = NULL;
        }
        return j;
}

/* ---- worker pool ---- */

static void *pool_main(void *arg)
{
        ferry_rest_t *r = arg;
        ferry_log_context("rest");
        pthread_mutex_lock(&r->lock);
        for (;;) {
                while (!r->work_head && !r->pool_stop) {
                        struct timespec ts;
                        clock_gettime(CLOCK_REALTIME, &ts);
                        ts.tv_sec += POOL_IDLE_EXIT_MS / 1000;
                        r->n_idle++;
                        int rc = pthread_cond_timedwait(&r->work_cond, &r->lock, &ts);
                        r->n_idle--;
                        if (rc == ETIMEDOUT && !r->work_head && r->n_threads > POOL_MIN)
                                goto out;
                }
                job_t *j = pop(&r->work_head, &r->work_tail);
                if (!j)
                        break; /* stopping and nothing queued */
                r->n_queued--;
                if (j->orphaned) {
                        job_free(j);
                        continue;
                }
                j->state = JOB_RUNNING;
                pthread_mutex_unlock(&r->lock);

                ferry_rest_request_t req = {
                        .method = j->method,
                        .path = j->path,
                        .query = j->query,
                        .content_type = j->content_type,
                        .authorization = j->authorization,
                        .base_url = j->base_url,
                        .body = j->body.p ? j->body.p : "",
                        .body_len = j->body.len,
                        .body_too_large = j->too_large,
                };
                int64_t t0 = ferry_now_ms();
                FERRY_DEBUG("REST request %s %s%s%s", j->method, j->path, j->query ? "?" : "",
                            j->query ? j->query : "");
                ferry_rest_handle(r->api, &req, &j->resp);
                FERRY_DEBUG("REST answer %d to %s %s after %lld ms", j->resp.status, j->method, j->path,
                            (long long)(ferry_now_ms() - t0));

                pthread_mutex_lock(&r->lock);
                if (j->orphaned) {
                        job_free(j);
                } else {
                        j->state = JOB_DONE;
                        push(&r->done_head, &r->done_tail, j);
                        if (r->ctx)
                                lws_cancel_service(r->ctx);
                }
        }
out:
        r->n_threads--;
        pthread_cond_broadcast(&r->exit_cond);
        pthread_mutex_unlock(&r->lock);
        return NULL;
}

/* Is the job in state st? Read under the lock: a pool thread may be changing the state of a job
 * it holds while the loop looks at it (e.g. a body callback after the job was dispatched). */
static bool job_in_state(ferry_rest_t *r, const job_t *j, enum job_state st)
{
        pthread_mutex_lock(&r->lock);
        bool in = j->state == st;
        pthread_mutex_unlock(&r->lock);
        return in;
}

/* Queues a job; called on the loop thread. Grows the pool while every thread is busy. */
static void dispatch(ferry_rest_t *r, job_t *j)
{
        lws_set_timeout(j->wsi, NO_PENDING_TIMEOUT, 0);
        lws_set_timer_usecs(j->wsi, (lws_usec_t)r->timeout_ms * 1000);
        pthread_mutex_lock(&r->lock);
        j->state = JOB_QUEUED;
        push(&r->work_head, &r->work_tail, j);
        r->n_queued++;
        if (r->n_queued > r->n_idle && r->n_threads < POOL_MAX) {
                pthread_t t;
                pthread_attr_t attr;
                pthread_attr_init(&attr);
                pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
                if (pthread_create(&t, &attr, pool_main, r) == 0)
                        r->n_threads++;
                else
                        FERRY_WARN("REST: cannot start a request thread: %s", strerror(errno));
                pthread_attr_destroy(&attr);
        }
        pthread_mutex_unlock(&r->lock);
        pthread_cond_signal(&r->work_cond); /* after unlocking: the woken thread need not wait for it */
}

/* The connection is going away: the loop gives up the job (the pool frees a job it holds). */
static void detach(ferry_rest_t *r, struct pss *pss)
{
        job_t *j = pss ? pss->job : NULL;
        if (!j)
                return;
        pss->job = NULL;
        pthread_mutex_lock(&r->lock);
        bool pool_owns = j->state == JOB_QUEUED || j->state == JOB_RUNNING || j->state == JOB_DONE;
        j->orphaned = true;
        j->wsi = NULL;
        pthread_mutex_unlock(&r->lock);
        if (!pool_owns)
                job_free(j);
}

/* Completion queue → connections; on the loop thread. */
static void drain(ferry_rest_t *r)
{
        pthread_mutex_lock(&r->lock);
        job_t *list = r->done_head;
        r->done_head = r->done_tail = NULL;
        pthread_mutex_unlock(&r->lock);
        while (list) {
                job_t *j = list;
                list = j->next;
                j->next = NULL;
                if (j->orphaned) {
                        job_free(j);
                        continue;
                }
                j->state = JOB_WRITING;
                lws_callback_on_writable(j->wsi);
        }
}

/* ---- request intake (loop thread) ---- */

static char *hdr_dup(struct lws *wsi, enum lws_token_indexes h)
{
        int n = lws_hdr_total_length(wsi, h);
        if (n <= 0)
                return NULL;
        char *s = malloc((size_t)n + 1);
        if (s && lws_hdr_copy(wsi, s, n + 1, h) < 0) {
                free(s);
                return NULL;
        }
        return s;
}

/* Percent-encodes the characters that would change the meaning of a query fragment. */
static void put_query_part(ferry_buf_t *b, const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c == '%' || c == '&' || c == '+' || c == '#' || c == '=' || c < 0x20 || c == 0x7f)
                        ferry_buf_printf(b, "%%%02X", c);
                else
                        ferry_buf_putc(b, (char)c);
        }
}

/* lws hands the query decoded, one "name=value" fragment each; re-encode into one string. */
static char *query_string(struct lws *wsi)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        char frag[4096];
        bool any = false;
        for (int i = 0;; i++) {
                int n = lws_hdr_copy_fragment(wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS, i);
                if (n < 0)
                        break;
                if (any)
                        ferry_buf_putc(&b, '&');
                any = true;
                const char *eq = memchr(frag, '=', (size_t)n);
                if (eq) {
                        put_query_part(&b, frag, (size_t)(eq - frag));
                        ferry_buf_putc(&b, '=');
                        put_query_part(&b, eq + 1, (size_t)n - (size_t)(eq - frag) - 1);
                } else {
                        put_query_part(&b, frag, (size_t)n);
                }
        }
        if (!any) {
                ferry_buf_free(&b);
                return NULL;
        }
        return ferry_buf_steal(&b);
}

/* "http(s)://<Host header>", the Host header only when it looks like host[:port]. */
static char *base_url(struct lws *wsi, const listener_t *l)
{
        char *host = hdr_dup(wsi, WSI_TOKEN_HOST);
        bool ok = host && *host;
        for (const char *p = host; ok && *p; p++)
                ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                     strchr(".-:[]_", *p);
        ferry_buf_t b;
        ferry_buf_init(&b);
        ferry_buf_printf(&b, "%s://", lws_is_ssl(wsi) ? "https" : "http");
        if (ok)
                ferry_buf_puts(&b, host);
        else if (l)
                ferry_buf_printf(&b, "%s:%d", l->host[0] ? l->host : "localhost", l->port);
        else
                ferry_buf_puts(&b, "localhost");
        free(host);
        return ferry_buf_steal(&b);
}

static const listener_t *listener_of(ferry_rest_t *r, struct lws *wsi)
{
        struct lws_vhost *vh = lws_get_vhost(wsi);
        for (int i = 0; i < r->n_ls; i++)
                if (r->ls[i].vh == vh)
                        return &r->ls[i];
        return NULL;
}

static job_t *job_new(ferry_rest_t *r, struct lws *wsi, const char *uri)
{
        static const char *const methods[] = {
                [LWSHUMETH_GET] = "GET",         [LWSHUMETH_POST] = "POST",   [LWSHUMETH_OPTIONS] = "OPTIONS",
                [LWSHUMETH_PUT] = "PUT",         [LWSHUMETH_PATCH] = "PATCH", [LWSHUMETH_DELETE] = "DELETE",
                [LWSHUMETH_CONNECT] = "CONNECT", [LWSHUMETH_HEAD] = "HEAD",
        };
        job_t *j = calloc(1, sizeof(*j));
        if (!j)
                return NULL;
        j->wsi = wsi;
        char *u = NULL;
        int ulen = 0;
        int m = lws_http_get_uri_and_method(wsi, &u, &ulen);
        const char *method = m >= 0 && (size_t)m < sizeof(methods) / sizeof(methods[0]) && methods[m]
                                     ? methods[m]
                                     : "UNKNOWN";
        snprintf(j->method, sizeof(j->method), "%s", method);
        /* lws hands the path percent-decoded; the router decodes segments itself, so a literal
         * '%' goes back to "%25". A "/" from "%2F" cannot be told apart any more: the router reads
         * connector names that hold one (resolve_connector_name). */
        ferry_buf_t path;
        ferry_buf_init(&path);
        for (const char *p = uri && *uri ? uri : "/"; *p; p++) {
                if (*p == '%')
                        ferry_buf_puts(&path, "%25");
                else
                        ferry_buf_putc(&path, *p);
        }
        j->path = ferry_buf_steal(&path);
        j->query = query_string(wsi);
        j->content_type = hdr_dup(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE);
        j->authorization = hdr_dup(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
        j->base_url = base_url(wsi, listener_of(r, wsi));
        ferry_buf_init(&j->body);
        ferry_buf_init(&j->raw);
        if (!j->path) {
                job_free(j);
                return NULL;
        }
        return j;
}

/* Does the request announce a body? Sets *chunked for Transfer-Encoding: chunked. */
static bool has_body(struct lws *wsi, bool *chunked)
{
        char buf[64];
        *chunked = false;
        if (lws_hdr_copy(wsi, buf, sizeof(buf), WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0 &&
            strcasestr(buf, "chunked")) {
                *chunked = true;
                return true;
        }
        if (lws_hdr_copy(wsi, buf, sizeof(buf), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0)
                return strtoll(buf, NULL, 10) > 0;
        return false;
}

/* libwebsockets 4.1 hands a chunked request body over still encoded and never says it ended:
 * decodes raw into body. 1: complete, 0: more to come, -1: malformed. */
int ferry_rest_dechunk(const ferry_buf_t *raw, ferry_buf_t *body)
{
        const char *p = raw->p ? raw->p : "", *end = p + raw->len;
        ferry_buf_reset(body);
        for (;;) {
                const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
                if (!eol)
                        return 0;
                if (!isxdigit((unsigned char)*p))
                        return -1;
                char *num_end;
                errno = 0;
                unsigned long long size = strtoull(p, &num_end, 16);
                if (num_end == p || errno || (*num_end != ';' && *num_end != '\r' && *num_end != ' '))
                        return -1;
                p = eol + 2;
                if (size == 0) {
                        /* Trailers, then an empty line. */
                        for (;;) {
                                eol = memmem(p, (size_t)(end - p), "\r\n", 2);
                                if (!eol)
                                        return 0;
                                if (eol == p)
                                        return 1;
                                p = eol + 2;
                        }
                }
                if (size > (unsigned long long)(end - p) || (size_t)(end - p) - size < 2)
                        return 0;
                if (p[size] != '\r' || p[size + 1] != '\n')
                        return -1;
                if (ferry_buf_append(body, p, (size_t)size) < 0)
                        return -1;
                p += size + 2;
        }
}

/* Answers "100 Continue" to a client that waits for it before sending its body. */
static void maybe_continue(struct lws *wsi)
{
        char buf[64];
        if (lws_hdr_copy(wsi, buf, sizeof(buf), WSI_TOKEN_HTTP_EXPECT) <= 0 ||
            !strcasestr(buf, "100-continue"))
                return;
        static const char msg[] = "HTTP/1.1 100 Continue\r\n\r\n";
        unsigned char out[LWS_PRE + sizeof(msg)];
        memcpy(out + LWS_PRE, msg, sizeof(msg) - 1);
        if (lws_write(wsi, out + LWS_PRE, sizeof(msg) - 1, LWS_WRITE_RAW) < (int)sizeof(msg) - 1)
                FERRY_DEBUG("REST: could not send 100 Continue");
}

/* An answer made on the loop itself (timeout, out of memory). */
static void answer_now(struct lws *wsi, struct pss *pss, int status, const char *message)
{
        job_t *j = calloc(1, sizeof(*j));
        if (!j)
                return;
        j->wsi = wsi;
        j->state = JOB_WRITING;
        ferry_buf_init(&j->body);
        ferry_buf_init(&j->raw);
        ferry_rest_response_error(&j->resp, status, "%s", message);
        pss->job = j;
        lws_callback_on_writable(wsi);
}

/* ---- answers (loop thread) ---- */

/* Writes headers, then the body in chunks; 1: transaction over, 0: more to write, -1: error. */
static int write_answer(struct lws *wsi, job_t *j)
{
        unsigned char buf[LWS_PRE + WRITE_CHUNK];
        unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof(buf) - 1;
        ferry_rest_response_t *resp = &j->resp;
        if (!j->headers_sent) {
                if (lws_add_http_header_status(wsi, (unsigned)resp->status, &p, end))
                        return -1;
                if (resp->body || resp->head) {
                        const char *ct = resp->content_type ? resp->content_type : "application/json";
                        if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
                                                         (const unsigned char *)ct, (int)strlen(ct), &p, end))
                                return -1;
                }
                if (resp->status != 204 && lws_add_http_header_content_length(wsi, resp->body_len, &p, end))
                        return -1;
                if (resp->location && lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_LOCATION,
                                                                   (const unsigned char *)resp->location,
                                                                   (int)strlen(resp->location), &p, end))
                        return -1;
                if (resp->allow[0] && lws_add_http_header_by_name(wsi, (const unsigned char *)"allow:",
                                                                  (const unsigned char *)resp->allow,
                                                                  (int)strlen(resp->allow), &p, end))
                        return -1;
                if (resp->auth_challenge) {
                        static const char ch[] = "Basic realm=\"Ferry\"";
                        if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_WWW_AUTHENTICATE,
                                                         (const unsigned char *)ch, (int)strlen(ch), &p, end))
                                return -1;
                }
                if (lws_finalize_write_http_header(wsi, start, &p, end))
                        return -1;
                j->headers_sent = true;
                if (!resp->body || resp->body_len == 0 || resp->head)
                        return 1;
                lws_callback_on_writable(wsi);
                return 0;
        }
        size_t left = resp->body_len - j->sent;
        size_t n = left < WRITE_CHUNK ? left : WRITE_CHUNK;
        memcpy(start, resp->body + j->sent, n);
        if (lws_write(wsi, start, n, n == left ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < (int)n)
                return -1;
        j->sent += n;
        if (j->sent == resp->body_len)
                return 1;
        lws_callback_on_writable(wsi);
        return 0;
}

static int callback_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
        struct lws_context *ctx = lws_get_context(wsi);
        ferry_rest_t *r = ctx ? lws_context_user(ctx) : NULL;
        struct pss *pss = user;
        switch (reason) {
        case LWS_CALLBACK_HTTP: {
                if (!r || !pss)
                        return -1;
                detach(r, pss);
                job_t *j = job_new(r, wsi, in);
                if (!j) {
                        answer_now(wsi, pss, 500, "out of memory");
                        return 0;
                }
                pss->job = j;
                if (has_body(wsi, &j->chunked)) {
                        j->state = JOB_RECEIVING;
                        maybe_continue(wsi);
                        return 0;
                }
                dispatch(r, j);
                return 0;
        }
        case LWS_CALLBACK_HTTP_BODY:
                if (r && pss && pss->job && job_in_state(r, pss->job, JOB_RECEIVING)) {
                        job_t *j = pss->job;
                        if (j->chunked) {
                                /* Room for the encoding around the largest body accepted. */
                                if (j->raw.len + len > FERRY_REST_MAX_BODY + 65536 ||
                                    ferry_buf_append(&j->raw, in, len) < 0) {
                                        j->too_large = j->close_after = true;
                                        dispatch(r, j);
                                        return 0;
                                }
                                int rc = ferry_rest_dechunk(&j->raw, &j->body);
                                if (rc < 0) {
                                        job_free(j);
                                        pss->job = NULL;
                                        answer_now(wsi, pss, 400, "Malformed chunked request body");
                                        if (pss->job)
                                                pss->job->close_after = true;
                                } else if (rc == 1) {
                                        j->too_large = j->body.len > FERRY_REST_MAX_BODY;
                                        j->close_after = true; /* lws does not know the body ended */
                                        dispatch(r, j);
                                }
                        } else if (j->too_large || j->body.len + len > FERRY_REST_MAX_BODY) {
                                j->too_large = true;
                        } else if (ferry_buf_append(&j->body, in, len) < 0) {
                                j->too_large = true;
                        }
                }
                return 0;
        case LWS_CALLBACK_HTTP_BODY_COMPLETION:
                if (r && pss && pss->job && job_in_state(r, pss->job, JOB_RECEIVING)) {
                        if (pss->job->chunked && ferry_rest_dechunk(&pss->job->raw, &pss->job->body) != 1) {
                                job_free(pss->job);
                                pss->job = NULL;
                                answer_now(wsi, pss, 400, "Malformed chunked request body");
                                return 0;
                        }
                        dispatch(r, pss->job);
                }
                return 0;
        case LWS_CALLBACK_HTTP_WRITEABLE: {
                if (!r || !pss || !pss->job || !job_in_state(r, pss->job, JOB_WRITING))
                        return 0;
                int rc = write_answer(wsi, pss->job);
                if (rc == 0)
                        return 0;
                bool close_after = pss->job->close_after;
                job_free(pss->job);
                pss->job = NULL;
                lws_set_timer_usecs(wsi, LWS_SET_TIMER_USEC_CANCEL);
                if (rc < 0 || close_after)
                        return -1;
                return lws_http_transaction_completed(wsi) ? -1 : 0;
        }
        case LWS_CALLBACK_TIMER:
                if (r && pss && pss->job) {
                        job_t *j = pss->job;
                        pthread_mutex_lock(&r->lock);
                        bool late = j->state == JOB_QUEUED || j->state == JOB_RUNNING;
                        if (late) {
                                /* Logged while the lock keeps its thread from freeing the job. */
                                FERRY_WARN("REST request %s %s timed out after %lld ms", j->method, j->path,
                                           (long long)r->timeout_ms);
                                j->orphaned = true; /* its thread frees it */
                                j->wsi = NULL;
                        }
                        pthread_mutex_unlock(&r->lock);
                        if (late) {
                                pss->job = NULL;
                                answer_now(wsi, pss, 500, "Request timed out");
                        }
                }
                return 0;
        case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
                if (r)
                        drain(r);
                return 0;
        case LWS_CALLBACK_CLOSED_HTTP:
        case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
                if (r)
                        detach(r, pss);
                break;
        default:
                break;
        }
        return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
        {"http", callback_http, sizeof(struct pss), 0, 0, NULL, 0},
        {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* ---- start / stop ---- */

static void *loop_main(void *arg)
{
        ferry_rest_t *r = arg;
        ferry_log_context("rest");
        while (!atomic_load(&r->stopping))
                if (lws_service(r->ctx, 0) < 0)
                        break;
        return NULL;
}

static void lws_log(int level, const char *line)
{
        size_t n = strlen(line);
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                n--;
        ferry_log(level & LLL_ERR ? FERRY_LOG_WARN : FERRY_LOG_DEBUG, "libwebsockets: %.*s", (int)n, line);
}

/* "http://host:port" → listener. Empty host: all interfaces; "[v6]" accepted. */
static int parse_listener(const char *s, listener_t *l, char *errstr, size_t errstr_size)
{
        const char *rest;
        if (!strncasecmp(s, "http://", 7)) {
                l->tls = false;
                rest = s + 7;
        } else if (!strncasecmp(s, "https://", 8)) {
                l->tls = true;
                rest = s + 8;
        } else {
                snprintf(errstr, errstr_size,
                         "listeners: invalid listener %s: expected http://host:port or https://host:port", s);
                return -1;
        }
        const char *host_end, *colon;
        if (*rest == '[') {
                host_end = strchr(rest, ']');
                if (!host_end)
                        goto bad;
                colon = host_end + 1;
                l->host = strndup(rest + 1, (size_t)(host_end - rest - 1));
        } else {
                colon = strrchr(rest, ':');
                if (!colon)
                        goto bad;
                l->host = strndup(rest, (size_t)(colon - rest));
        }
        if (*colon != ':' || !l->host)
                goto bad;
        int64_t port;
        char portbuf[16];
        size_t plen = strcspn(colon + 1, "/");
        if (plen == 0 || plen >= sizeof(portbuf))
                goto bad;
        memcpy(portbuf, colon + 1, plen);
        portbuf[plen] = '\0';
        if (ferry_parse_int64(portbuf, &port) < 0 || port < 0 || port > 65535)
                goto bad;
        l->port = (int)port;
        return 0;
bad:
        free(l->host);
        l->host = NULL;
        snprintf(errstr, errstr_size,
                 "listeners: invalid listener %s: expected http://host:port or https://host:port", s);
        return -1;
}

/* A numeric address for the host (lws binds to an address or an interface name). */
static int resolve(const char *host, char *out, size_t size, bool *v6)
{
        struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
        struct addrinfo *res = NULL;
        if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
                return -1;
        int rc = getnameinfo(res->ai_addr, res->ai_addrlen, out, (socklen_t)size, NULL, 0, NI_NUMERICHOST);
        *v6 = res->ai_family == AF_INET6;
        freeaddrinfo(res);
        return rc == 0 ? 0 : -1;
}

static const char *conf(ferry_worker_t *w, const char *key)
{
        const char *v = ferry_strmap_get(&w->config, key);
        return v && *v ? v : NULL;
}

static void free_server(ferry_rest_t *r)
{
        for (int i = 0; i < r->n_ls; i++)
                free(r->ls[i].host);
        ferry_rest_api_free(r->api);
        pthread_mutex_destroy(&r->lock);
        pthread_cond_destroy(&r->work_cond);
        pthread_cond_destroy(&r->exit_cond);
        free(r);
}

/* Waits (bounded) for the pool threads to finish; false when some are still busy. */
static bool stop_pool(ferry_rest_t *r)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += STOP_WAIT_MS / 1000;
        pthread_mutex_lock(&r->lock);
        r->pool_stop = true;
        r->ctx = NULL;
        pthread_cond_broadcast(&r->work_cond);
        while (r->n_threads > 0)
                if (pthread_cond_timedwait(&r->exit_cond, &r->lock, &ts) == ETIMEDOUT)
                        break;
        bool clean = r->n_threads == 0;
        while (r->done_head)
                job_free(pop(&r->done_head, &r->done_tail));
        pthread_mutex_unlock(&r->lock);
        return clean;
}

static int set_worker_id(ferry_rest_t *r, char *errstr, size_t errstr_size)
{
        ferry_worker_t *w = r->w;
        const listener_t *l = &r->ls[0];
        const char *want = conf(w, "rest.advertised.listener");
        for (int i = 0; want && i < r->n_ls; i++) {
                if (r->ls[i].tls == !strcasecmp(want, "https")) {
                        l = &r->ls[i];
                        break;
                }
        }
        char hostname[256];
        const char *host = conf(w, "rest.advertised.host.name");
        if (!host && l->host[0])
                host = l->host;
        if (!host) {
                if (gethostname(hostname, sizeof(hostname)) < 0) {
                        snprintf(errstr, errstr_size, "gethostname: %s", strerror(errno));
                        return -1;
                }
                hostname[sizeof(hostname) - 1] = '\0';
                host = hostname;
        }
        int port = l->port;
        const char *ap = conf(w, "rest.advertised.port");
        int64_t v;
        if (ap && ferry_parse_int64(ap, &v) == 0 && v > 0 && v <= 65535)
                port = (int)v;
        char id[512];
        snprintf(id, sizeof(id), strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
        char *dup = strdup(id);
        if (!dup)
                return -1;
        free(w->worker_id);
        w->worker_id = dup;
        return 0;
}

ferry_rest_t *ferry_rest_start(ferry_worker_t *w, ferry_herder_t *h, char *errstr, size_t errstr_size)
{
        ferry_rest_t *r = calloc(1, sizeof(*r));
        if (!r) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        r->w = w;
        pthread_mutex_init(&r->lock, NULL);
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_cond_init(&r->work_cond, &ca);
        pthread_cond_init(&r->exit_cond, &ca);
        pthread_condattr_destroy(&ca);
        r->timeout_ms = DEFAULT_TIMEOUT_MS;
        const char *t = getenv("FERRY_REST_REQUEST_TIMEOUT_MS"); /* for tests */
        int64_t tv;
        if (t && ferry_parse_int64(t, &tv) == 0 && tv > 0)
                r->timeout_ms = tv;

        r->api = ferry_rest_api_new(w, h, conf(w, "rest.basic.auth.credentials.file"), errstr, errstr_size);
        if (!r->api)
                goto fail;
        size_t n = 0;
        char **list = ferry_config_list(ferry_worker_config, &w->config, "listeners", &n);
        if (n == 0) {
                snprintf(errstr, errstr_size, "listeners: at least one listener is required");
                ferry_strlist_free(list, n);
                goto fail;
        }
        if (n > MAX_LISTENERS) {
                snprintf(errstr, errstr_size, "listeners: at most %d listeners", MAX_LISTENERS);
                ferry_strlist_free(list, n);
                goto fail;
        }
        bool any_tls = false;
        for (size_t i = 0; i < n; i++) {
                if (parse_listener(list[i], &r->ls[r->n_ls], errstr, errstr_size) < 0) {
                        ferry_strlist_free(list, n);
                        goto fail;
                }
                any_tls |= r->ls[r->n_ls].tls;
                r->n_ls++;
        }
        ferry_strlist_free(list, n);
        const char *cert = conf(w, "listeners.https.ssl.certificate.location");
        const char *key = conf(w, "listeners.https.ssl.key.location");
        if (any_tls && (!cert || !key)) {
                snprintf(errstr, errstr_size,
                         "listeners: an https listener needs listeners.https.ssl.certificate.location and "
                         "listeners.https.ssl.key.location (PEM files)");
                goto fail;
        }
        for (const char *const *f =
                     (const char *const[]){cert, key, conf(w, "listeners.https.ssl.ca.location"), NULL};
             any_tls && *f; f++) {
                if (access(*f, R_OK) < 0) {
                        snprintf(errstr, errstr_size, "listeners.https.ssl: cannot read %s: %s", *f,
                                 strerror(errno));
                        goto fail;
                }
        }

        lws_set_log_level(LLL_ERR | LLL_WARN, lws_log);
        struct lws_context_creation_info ci;
        memset(&ci, 0, sizeof(ci));
        ci.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_SKIP_SERVER_CANONICAL_NAME;
        if (any_tls)
                ci.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        ci.user = r;
        ci.server_string = "Ferry";
        ci.max_http_header_data = 16384;
        ci.max_http_header_pool = 256;
        ci.count_threads = 1;
        ci.port = CONTEXT_PORT_NO_LISTEN;
        r->ctx = lws_create_context(&ci);
        if (!r->ctx) {
                snprintf(errstr, errstr_size, "cannot create the REST server context");
                goto fail;
        }
        for (int i = 0; i < r->n_ls; i++) {
                listener_t *l = &r->ls[i];
                struct lws_context_creation_info vi;
                memset(&vi, 0, sizeof(vi));
                bool v6 = false;
                if (l->host[0] && resolve(l->host, l->addr, sizeof(l->addr), &v6) < 0) {
                        snprintf(errstr, errstr_size, "listeners: cannot resolve host %s", l->host);
                        goto fail;
                }
                snprintf(l->name, sizeof(l->name), "listener-%d", i);
                vi.vhost_name = l->name;
                vi.port = l->port;
                vi.iface = l->addr[0] ? l->addr : NULL;
                vi.protocols = protocols;
                vi.keepalive_timeout = 60;
                vi.timeout_secs = 60;
                vi.alpn = "http/1.1";
                if (l->addr[0] && !v6)
                        vi.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
                if (l->tls) {
                        vi.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
                        vi.ssl_cert_filepath = cert;
                        vi.ssl_private_key_filepath = key;
                        vi.ssl_private_key_password = conf(w, "listeners.https.ssl.key.password");
                        vi.ssl_ca_filepath = conf(w, "listeners.https.ssl.ca.location");
                        const char *client = conf(w, "listeners.https.ssl.client.authentication");
                        if (client && !strcasecmp(client, "required"))
                                vi.options |= LWS_SERVER_OPTION_REQUIRE_VALID_OPENSSL_CLIENT_CERT;
                        else if (client && !strcasecmp(client, "requested"))
                                vi.options |= LWS_SERVER_OPTION_REQUIRE_VALID_OPENSSL_CLIENT_CERT |
                                              LWS_SERVER_OPTION_PEER_CERT_NOT_REQUIRED;
                }
                l->vh = lws_create_vhost(r->ctx, &vi);
                if (!l->vh) {
                        snprintf(errstr, errstr_size,
                                 "listeners: cannot listen on %s://%s:%d (port in use, or bad "
                                 "TLS files?)",
                                 l->tls ? "https" : "http", l->host, l->port);
                        goto fail;
                }
                l->port = lws_get_vhost_listen_port(l->vh);
        }
        if (set_worker_id(r, errstr, errstr_size) < 0)
                goto fail;
        if (pthread_create(&r->loop, NULL, loop_main, r) != 0) {
                snprintf(errstr, errstr_size, "cannot start the REST thread: %s", strerror(errno));
                goto fail;
        }
        r->loop_started = true;
        for (int i = 0; i < r->n_ls; i++)
                FERRY_INFO("REST server listening on %s://%s:%d%s", r->ls[i].tls ? "https" : "http",
                           r->ls[i].host[0] ? r->ls[i].host : "0.0.0.0", r->ls[i].port,
                           ferry_rest_api_has_auth(r->api) ? " (basic authentication)" : "");
        FERRY_INFO("REST worker id %s", w->worker_id);
        return r;
fail:
        if (r->ctx)
                lws_context_destroy(r->ctx);
        r->ctx = NULL;
        stop_pool(r);
        free_server(r);
        return NULL;
}

void ferry_rest_stop(ferry_rest_t *r)
{
        if (!r)
                return;
        atomic_store(&r->stopping, true);
        if (r->loop_started) {
                lws_cancel_service(r->ctx);
                pthread_join(r->loop, NULL);
        }
        /* Closes every connection; their jobs are orphaned (detach) and freed by their holders. */
        struct lws_context *ctx = r->ctx;
        pthread_mutex_lock(&r->lock);
        r->ctx = NULL; /* no more wake-ups from the pool */
        pthread_mutex_unlock(&r->lock);
        lws_context_destroy(ctx);
        if (!stop_pool(r)) {
                /* A herder call still blocks a thread; it will finish on a server it must still find. */
                FERRY_WARN("REST: requests still running after %d ms; leaving them", STOP_WAIT_MS);
                return;
        }
        free_server(r);
        FERRY_INFO("REST server stopped");
}
