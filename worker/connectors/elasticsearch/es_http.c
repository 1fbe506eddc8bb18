/* The Elasticsearch sink's HTTP client (see es_http.h): one libcurl multi handle per task, whose
 * connection cache keeps the connections to the nodes alive between requests; es_http_run() drives
 * up to max.in.flight.requests transfers at once and returns when each has an answer. A request
 * that cannot reach its node goes on to the next one, and the unreachable node is passed over for
 * a while, as the Java client's node selection does. Sits between the sink task (es_sink.c),
 * which builds the requests, and the nodes of connection.url. */
#define _POSIX_C_SOURCE 200809L

#include "es_http.h"

#include "shared/elasticsearch/bulk_response.h"

#include <ferry/clock.h>

#include <curl/curl.h>
#include <pthread.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct es_http {
        es_http_config_t cfg;
        char **urls;
        int64_t *dead_until; /* per URL: passed over until then (ms), after a failed connection */
        size_t next;
        CURLM *multi;
        struct xfer *async; /* transfers started by es_http_submit(), not yet finished */
};

typedef struct xfer xfer_t;
static void xfer_release(es_http_t *c, xfer_t *x);
static void abandon_async(es_http_t *c);

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
        curl_global_init(CURL_GLOBAL_DEFAULT);
}

static char *dup_or_null(const char *s)
{
        return s ? strdup(s) : NULL;
}

es_http_t *es_http_new(const es_http_config_t *cfg, char *errstr, size_t errstr_size)
{
        pthread_once(&curl_once, curl_init_once);
        es_http_t *c = calloc(1, sizeof(*c));
        if (!c || !(c->multi = curl_multi_init())) {
                free(c);
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        c->cfg = *cfg;
        c->urls = calloc(cfg->n_urls ? cfg->n_urls : 1, sizeof(char *));
        c->dead_until = calloc(cfg->n_urls ? cfg->n_urls : 1, sizeof(int64_t));
        for (size_t i = 0; c->urls && i < cfg->n_urls; i++) {
                size_t l = strlen(cfg->urls[i]);
                while (l && cfg->urls[i][l - 1] == '/')
                        l--;
                c->urls[i] = strndup(cfg->urls[i], l);
        }
        c->cfg.urls = c->urls;
        c->cfg.username = dup_or_null(cfg->username);
        c->cfg.password = dup_or_null(cfg->password);
        c->cfg.ca_pem = dup_or_null(cfg->ca_pem);
        c->cfg.cert_pem = dup_or_null(cfg->cert_pem);
        c->cfg.key_pem = dup_or_null(cfg->key_pem);
        /* Keep a connection per request in flight, to every node. */
        curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)(16 * (cfg->n_urls ? cfg->n_urls : 1)));
        return c;
}

void es_http_free(es_http_t *c)
{
        if (!c)
                return;
        abandon_async(c);
        curl_multi_cleanup(c->multi);
        for (size_t i = 0; c->urls && i < c->cfg.n_urls; i++)
                free(c->urls[i]);
        free(c->urls);
        free(c->dead_until);
        free((char *)c->cfg.username);
        if (c->cfg.password) {
                memset((char *)c->cfg.password, 0, strlen(c->cfg.password));
                free((char *)c->cfg.password);
        }
        free((char *)c->cfg.ca_pem);
        free((char *)c->cfg.cert_pem);
        if (c->cfg.key_pem) {
                memset((char *)c->cfg.key_pem, 0, strlen(c->cfg.key_pem));
                free((char *)c->cfg.key_pem);
        }
        free(c);
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
        es_req_t *r = ud;
        return ferry_buf_append(&r->resp, p, size * nmemb) == 0 ? size * nmemb : 0;
}

struct xfer {
        struct xfer *next, *prev; /* es_http_submit()'s list */
        es_req_t *req;
        CURL *h;
        struct curl_slist *headers;
        size_t node;  /* index of the URL it goes to */
        size_t tries; /* nodes tried so far for this request */
        /* read.timeout.ms as a socket timeout: the transfer ends once no byte has moved for that
         * long (the first wait also covers connection.timeout.ms). */
        int64_t last_move_ms, read_timeout_ms;
        curl_off_t moved;
        bool timed_out;
        char url[1024];
        char errbuf[CURL_ERROR_SIZE];
};

static void xfer_release(es_http_t *c, xfer_t *x)
{
        curl_multi_remove_handle(c->multi, x->h);
        curl_easy_cleanup(x->h);
        curl_slist_free_all(x->headers);
        x->h = NULL;
        x->headers = NULL;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
        (void)dltotal, (void)ultotal;
        xfer_t *x = ud;
        int64_t now = ferry_now_ms();
        if (dlnow + ulnow != x->moved) {
                x->moved = dlnow + ulnow;
                x->last_move_ms = now;
                return 0;
        }
        if (now - x->last_move_ms <= x->read_timeout_ms)
                return 0;
        x->timed_out = true;
        return 1;
}

static CURL *make_handle(es_http_t *c, xfer_t *x)
{
        es_req_t *r = x->req;
        CURL *h = curl_easy_init();
        if (!h)
                return NULL;
        /* The next node in turn that is not being passed over; if all are, the next one anyway. */
        size_t pick = c->next % c->cfg.n_urls;
        int64_t now = ferry_now_ms();
        for (size_t k = 0; c->dead_until && k < c->cfg.n_urls; k++) {
                size_t i = (c->next + k) % c->cfg.n_urls;
                if (c->dead_until[i] <= now) {
                        pick = i;
                        break;
                }
        }
        c->next = pick + 1;
        x->node = pick;
        const char *base = c->urls[pick];
        r->url = base;
        snprintf(x->url, sizeof(x->url), "%s%s", base, r->path);
        curl_easy_setopt(h, CURLOPT_URL, x->url);
        curl_easy_setopt(h, CURLOPT_PRIVATE, x);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->cfg.connect_timeout_ms);
        /* read.timeout.ms bounds the wait for the answer, as the socket timeout does in Java. */
        x->read_timeout_ms = c->cfg.read_timeout_ms;
        x->last_move_ms = now + c->cfg.connect_timeout_ms;
        x->moved = 0;
        x->timed_out = false;
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
        if (c->cfg.compress)
                curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
        if (c->cfg.username) {
                curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
                curl_easy_setopt(h, CURLOPT_USERNAME, c->cfg.username);
                curl_easy_setopt(h, CURLOPT_PASSWORD, c->cfg.password ? c->cfg.password : "");
        }
        if (c->cfg.tls) {
                /* CURL_BLOB_COPY: libcurl keeps its own copy of each store. */
                struct curl_blob blob = {.flags = CURL_BLOB_COPY};
                if (c->cfg.ca_pem) {
                        blob.data = (void *)c->cfg.ca_pem;
                        blob.len = strlen(c->cfg.ca_pem);
                        curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
                }
                if (c->cfg.cert_pem) {
                        blob.data = (void *)c->cfg.cert_pem;
                        blob.len = strlen(c->cfg.cert_pem);
                        curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &blob);
                        curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
                }
                if (c->cfg.key_pem) {
                        blob.data = (void *)c->cfg.key_pem;
                        blob.len = strlen(c->cfg.key_pem);
                        curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &blob);
                        curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
                }
                curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, c->cfg.verify_host ? 2L : 0L);
        }
        /* No "Expect: 100-continue" round trip before each body. */
        x->headers = curl_slist_append(NULL, "Expect:");
        if (r->content_type) {
                char ct[128];
                snprintf(ct, sizeof(ct), "Content-Type: %s", r->content_type);
                x->headers = curl_slist_append(x->headers, ct);
        }
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->headers);
        if (!strcmp(r->method, "HEAD")) {
                curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
        } else if (strcmp(r->method, "GET") != 0) {
                curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
                curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body ? r->body : "");
                curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(r->body ? r->body_len : 0));
        }
        return h;
}

/* How long a node that refused a connection is passed over (the Java client starts at a minute). */
#define NODE_PASS_OVER_MS 60000

/* A transfer that could not connect to its node starts again on the next node not yet tried;
 * true when it did (the transfer runs on), false when the error stands. A node that answers is
 * taken back at once. */
static bool fail_over(es_http_t *c, xfer_t *x, CURLcode cc)
{
        if (!c->dead_until)
                return false;
        if (cc == CURLE_OK) {
                c->dead_until[x->node] = 0;
                return false;
        }
        if (cc != CURLE_COULDNT_CONNECT && cc != CURLE_COULDNT_RESOLVE_HOST)
                return false;
        c->dead_until[x->node] = ferry_now_ms() + NODE_PASS_OVER_MS;
        if (++x->tries >= c->cfg.n_urls)
                return false;
        curl_multi_remove_handle(c->multi, x->h);
        curl_easy_cleanup(x->h);
        curl_slist_free_all(x->headers);
        x->headers = NULL;
        x->errbuf[0] = '\0';
        x->h = make_handle(c, x);
        if (x->h && curl_multi_add_handle(c->multi, x->h) == CURLM_OK)
                return true;
        if (x->h)
                curl_easy_cleanup(x->h);
        x->h = NULL;
        snprintf(x->req->error, sizeof(x->req->error), "cannot start a transfer");
        return false;
}

static void finish(xfer_t *x, CURLcode cc)
{
        es_req_t *r = x->req;
        if (cc == CURLE_OK) {
                long code = 0;
                curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
                r->status = (int)code;
                r->error[0] = '\0';
        } else if (x->timed_out) {
                r->status = 0;
                snprintf(r->error, sizeof(r->error), "%.200s: no answer within read.timeout.ms=%lld",
                         r->url ? r->url : "", (long long)x->read_timeout_ms);
        } else {
                r->status = 0;
                snprintf(r->error, sizeof(r->error), "%.200s: %.255s", r->url ? r->url : "",
                         x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc));
        }
}

void es_http_run(es_http_t *c, es_req_t *const *reqs, size_t n, int max_in_flight, ferry_task_t *t)
{
        if (!n)
                return;
        if (max_in_flight < 1)
                max_in_flight = 1;
        xfer_t *xs = calloc(n, sizeof(*xs));
        if (!xs) {
                for (size_t i = 0; i < n; i++)
                        snprintf(reqs[i]->error, sizeof(reqs[i]->error), "out of memory");
                return;
        }
        size_t started = 0, done = 0;
        int running = 0;
        while (done < n) {
                while (started < n && running < max_in_flight) {
                        xfer_t *x = &xs[started];
                        x->req = reqs[started++];
                        ferry_buf_reset(&x->req->resp);
                        x->req->status = 0;
                        x->req->error[0] = '\0';
                        x->h = make_handle(c, x);
                        if (!x->h || curl_multi_add_handle(c->multi, x->h) != CURLM_OK) {
                                snprintf(x->req->error, sizeof(x->req->error), "cannot start a transfer");
                                if (x->h)
                                        curl_easy_cleanup(x->h);
                                x->h = NULL;
                                done++;
                                continue;
                        }
                        running++;
                }
                if (t && ferry_task_stopping(t))
                        break;
                int still = 0;
                curl_multi_perform(c->multi, &still);
                CURLMsg *m;
                int left;
                while ((m = curl_multi_info_read(c->multi, &left))) {
                        if (m->msg != CURLMSG_DONE)
                                continue;
                        xfer_t *x = NULL;
                        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
                        CURLcode cc = m->data.result;
                        if (fail_over(c, x, cc))
                                continue;
                        finish(x, cc);
                        curl_multi_remove_handle(c->multi, x->h);
                        curl_easy_cleanup(x->h);
                        curl_slist_free_all(x->headers);
                        x->h = NULL;
                        x->headers = NULL;
                        running--;
                        done++;
                }
                if (done < n && running > 0)
                        curl_multi_poll(c->multi, NULL, 0, 100, NULL);
        }
        /* Stopping: abandon what is still running. */
        for (size_t i = 0; i < started; i++) {
                xfer_t *x = &xs[i];
                if (!x->h)
                        continue;
                curl_multi_remove_handle(c->multi, x->h);
                curl_easy_cleanup(x->h);
                curl_slist_free_all(x->headers);
                snprintf(x->req->error, sizeof(x->req->error), "stopping");
        }
        for (size_t i = started; i < n; i++)
                snprintf(reqs[i]->error, sizeof(reqs[i]->error), "stopping");
        free(xs);
}

static void abandon_async(es_http_t *c)
{
        while (c->async) {
                xfer_t *x = c->async;
                c->async = x->next;
                xfer_release(c, x);
                free(x);
        }
}

int es_http_submit(es_http_t *c, es_req_t *r)
{
        ferry_buf_reset(&r->resp);
        r->status = 0;
        r->error[0] = '\0';
        xfer_t *x = calloc(1, sizeof(*x));
        if (!x) {
                snprintf(r->error, sizeof(r->error), "out of memory");
                return -1;
        }
        x->req = r;
        x->h = make_handle(c, x);
        if (!x->h || curl_multi_add_handle(c->multi, x->h) != CURLM_OK) {
                snprintf(r->error, sizeof(r->error), "cannot start a transfer");
                if (x->h)
                        curl_easy_cleanup(x->h);
                curl_slist_free_all(x->headers);
                free(x);
                return -1;
        }
        x->next = c->async;
        if (c->async)
                c->async->prev = x;
        c->async = x;
        return 0;
}

static size_t collect(es_http_t *c, es_req_t **done, size_t cap)
{
        size_t n = 0;
        int still = 0, left;
        curl_multi_perform(c->multi, &still);
        CURLMsg *m;
        /* Finished transfers stay queued in the multi handle until read: take at most cap. */
        while (n < cap && (m = curl_multi_info_read(c->multi, &left))) {
                if (m->msg != CURLMSG_DONE)
                        continue;
                xfer_t *x = NULL;
                curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
                if (fail_over(c, x, m->data.result))
                        continue;
                finish(x, m->data.result);
                xfer_release(c, x);
                if (x->prev)
                        x->prev->next = x->next;
                else
                        c->async = x->next;
                if (x->next)
                        x->next->prev = x->prev;
                done[n++] = x->req;
                free(x);
        }
        return n;
}

size_t es_http_step(es_http_t *c, int timeout_ms, es_req_t **done, size_t cap)
{
        size_t n = collect(c, done, cap);
        if (n)
                return n;
        curl_multi_poll(c->multi, NULL, 0, timeout_ms > 0 ? timeout_ms : 0, NULL);
        return collect(c, done, cap);
}

void es_http_wakeup(es_http_t *c)
{
        curl_multi_wakeup(c->multi);
}

void es_req_reset(es_req_t *r)
{
        ferry_buf_reset(&r->resp);
        r->status = 0;
        r->error[0] = '\0';
}

void es_req_free(es_req_t *r)
{
        ferry_buf_free(&r->resp);
}

void es_auth_message(const es_req_t *r, char *errstr, size_t errstr_size)
{
        char why[400];
        es_error_summary(r->resp.p, r->resp.len, why, sizeof(why));
        snprintf(errstr, errstr_size,
                 "Elasticsearch at %s refused the request %s %s with HTTP %d (check connection.username and "
                 "connection.password): %s",
                 r->url ? r->url : "?", r->method, r->path, r->status, why[0] ? why : "no details");
}
