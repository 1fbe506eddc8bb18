/* The Elasticsearch sink's HTTP client (see es_http.h): one libcurl multi handle per task, whose
 * connection cache keeps the connections to the nodes alive between requests; es_http_run() drives
 * up to max.in.flight.requests transfers at once and returns when each has an answer. Sits between
 * the sink task (es_sink.c), which builds the requests, and the nodes of connection.url. */
#define _POSIX_C_SOURCE 200809L

#include "es_http.h"

#include <curl/curl.h>
#include <pthread.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct es_http {
        es_http_config_t cfg;
        char **urls;
        size_t next;
        CURLM *multi;
};

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
        for (size_t i = 0; c->urls && i < cfg->n_urls; i++) {
                size_t l = strlen(cfg->urls[i]);
                while (l && cfg->urls[i][l - 1] == '/')
                        l--;
                c->urls[i] = strndup(cfg->urls[i], l);
        }
        c->cfg.urls = c->urls;
        c->cfg.username = dup_or_null(cfg->username);
        c->cfg.password = dup_or_null(cfg->password);
        c->cfg.ca_file = dup_or_null(cfg->ca_file);
        c->cfg.cert_file = dup_or_null(cfg->cert_file);
        c->cfg.cert_type = dup_or_null(cfg->cert_type);
        c->cfg.key_file = dup_or_null(cfg->key_file);
        c->cfg.key_password = dup_or_null(cfg->key_password);
        /* Keep a connection per request in flight, to every node. */
        curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)(16 * (cfg->n_urls ? cfg->n_urls : 1)));
        return c;
}

void es_http_free(es_http_t *c)
{
        if (!c)
                return;
        curl_multi_cleanup(c->multi);
        for (size_t i = 0; c->urls && i < c->cfg.n_urls; i++)
                free(c->urls[i]);
        free(c->urls);
        free((char *)c->cfg.username);
        if (c->cfg.password) {
                memset((char *)c->cfg.password, 0, strlen(c->cfg.password));
                free((char *)c->cfg.password);
        }
        free((char *)c->cfg.ca_file);
        free((char *)c->cfg.cert_file);
        free((char *)c->cfg.cert_type);
        free((char *)c->cfg.key_file);
        free((char *)c->cfg.key_password);
        free(c);
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
        es_req_t *r = ud;
        return ferry_buf_append(&r->resp, p, size * nmemb) == 0 ? size * nmemb : 0;
}

typedef struct {
        es_req_t *req;
        CURL *h;
        struct curl_slist *headers;
        char url[1024];
        char errbuf[CURL_ERROR_SIZE];
} xfer_t;

static CURL *make_handle(es_http_t *c, xfer_t *x)
{
        es_req_t *r = x->req;
        CURL *h = curl_easy_init();
        if (!h)
                return NULL;
        const char *base = c->urls[c->next++ % c->cfg.n_urls];
        r->url = base;
        snprintf(x->url, sizeof(x->url), "%s%s", base, r->path);
        curl_easy_setopt(h, CURLOPT_URL, x->url);
        curl_easy_setopt(h, CURLOPT_PRIVATE, x);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->cfg.connect_timeout_ms);
        /* read.timeout.ms bounds the wait for the answer, as the socket timeout does in Java. */
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (c->cfg.read_timeout_ms + 999) / 1000);
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
                if (c->cfg.ca_file)
                        curl_easy_setopt(h, CURLOPT_CAINFO, c->cfg.ca_file);
                if (c->cfg.cert_file) {
                        curl_easy_setopt(h, CURLOPT_SSLCERT, c->cfg.cert_file);
                        curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, c->cfg.cert_type ? c->cfg.cert_type : "PEM");
                }
                if (c->cfg.key_file)
                        curl_easy_setopt(h, CURLOPT_SSLKEY, c->cfg.key_file);
                if (c->cfg.key_password)
                        curl_easy_setopt(h, CURLOPT_KEYPASSWD, c->cfg.key_password);
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

static void finish(xfer_t *x, CURLcode cc)
{
        es_req_t *r = x->req;
        if (cc == CURLE_OK) {
                long code = 0;
                curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
                r->status = (int)code;
                r->error[0] = '\0';
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
