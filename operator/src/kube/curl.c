/* The operator's HTTP client on libcurl, under kube/client.c (API server requests and watches) and
 * connect.c (Connect REST calls). A client is a pool of easy handles: a request takes one (or makes
 * one), runs it with curl_easy_perform on the calling thread and puts it back, and since an easy
 * handle keeps its connection, the next request on it reuses the kept-alive connection. DNS
 * answers and TLS sessions are shared between the handles of a client (a curl share object with
 * one lock per kind of data). HTTP/1.1 only: every watch is its own connection. Collected bodies
 * are capped (KUBE_HTTP_MAX_BODY unless set); truncated bodies (curl's partial-file error) and
 * bodies over the cap are errors. Proxies: the kubeconfig's proxy-url, else the environment.
 * Without connection reuse (max_idle 0: connect.c) handles are still pooled, connections not. */
#include "kube/curl.h"
#include "kube/kube.h"

#include <curl/curl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_POOL 16

struct kube_http {
        char *ca;
        size_t ca_len;
        bool insecure;
        char *proxy; /* NULL: from the environment */
        size_t max_body;
        int max_idle;
        pthread_mutex_t mu;
        CURL *idle[MAX_POOL];
        int nidle;
        CURLSH *share;
        pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void global_init(void)
{
        global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void share_lock(CURL *e, curl_lock_data data, curl_lock_access access, void *u)
{
        struct kube_http *h = u;
        if (data >= 0 && data < CURL_LOCK_DATA_LAST)
                pthread_mutex_lock(&h->locks[data]);
}

static void share_unlock(CURL *e, curl_lock_data data, void *u)
{
        struct kube_http *h = u;
        if (data >= 0 && data < CURL_LOCK_DATA_LAST)
                pthread_mutex_unlock(&h->locks[data]);
}

kube_http_t *kube_http_new(const kube_http_opts_t *o, int max_idle)
{
        pthread_once(&global_once, global_init);
        if (global_rc != CURLE_OK)
                return NULL;
        kube_http_t *h = calloc(1, sizeof(*h));
        if (!h)
                return NULL;
        pthread_mutex_init(&h->mu, NULL);
        for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
                pthread_mutex_init(&h->locks[i], NULL);
        h->max_idle = max_idle < 0 ? 0 : max_idle > MAX_POOL ? MAX_POOL : max_idle;
        h->max_body = o && o->max_body ? o->max_body : KUBE_HTTP_MAX_BODY;
        bool oom = false;
        if (o && o->ca) {
                h->ca_len = o->ca_len;
                oom |= !(h->ca = kube_memdup(o->ca, o->ca_len));
        }
        if (o && o->proxy)
                oom |= !(h->proxy = strdup(o->proxy));
        h->insecure = o && o->insecure;
        h->share = curl_share_init();
        if (oom || !h->share) {
                kube_http_free(h);
                return NULL;
        }
        curl_share_setopt(h->share, CURLSHOPT_LOCKFUNC, share_lock);
        curl_share_setopt(h->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
        curl_share_setopt(h->share, CURLSHOPT_USERDATA, h);
        curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
        curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
        return h;
}

void kube_http_free(kube_http_t *h)
{
        if (!h)
                return;
        for (int i = 0; i < h->nidle; i++)
                curl_easy_cleanup(h->idle[i]);
        if (h->share)
                curl_share_cleanup(h->share);
        for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
                pthread_mutex_destroy(&h->locks[i]);
        pthread_mutex_destroy(&h->mu);
        free(h->ca);
        free(h->proxy);
        free(h);
}

void kube_http_set_max_body(kube_http_t *h, size_t bytes)
{
        h->max_body = bytes ? bytes : KUBE_HTTP_MAX_BODY;
}

/* ---- PEM checks ---- */

static void ssl_err(char *errstr, size_t errlen, const char *what)
{
        unsigned long e = ERR_get_error();
        char buf[256] = "";
        if (e)
                ERR_error_string_n(e, buf, sizeof(buf));
        ERR_clear_error();
        snprintf(errstr, errlen, "TLS setup: %s%s%s", what, buf[0] ? ": " : "", buf);
}

int kube_http_check_pem(const char *ca, size_t ca_len, const char *cert, size_t cert_len, const char *key,
                        size_t key_len, char *errstr, size_t errlen)
{
        int rc = 0;
        if (ca) {
                BIO *b = BIO_new_mem_buf(ca, (int)ca_len);
                X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
                if (!x) {
                        ssl_err(errstr, errlen, "no usable certificate in the CA data");
                        rc = -1;
                }
                X509_free(x);
                BIO_free(b);
        }
        if (!rc && (cert || key)) {
                BIO *cb = cert ? BIO_new_mem_buf(cert, (int)cert_len) : NULL;
                BIO *kb = key ? BIO_new_mem_buf(key, (int)key_len) : NULL;
                X509 *x = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
                EVP_PKEY *k = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
                if (!x) {
                        ssl_err(errstr, errlen, "client certificate: no certificate in the PEM data");
                        rc = -1;
                } else if (!k) {
                        ssl_err(errstr, errlen, "client certificate: no private key in the PEM data");
                        rc = -1;
                } else if (X509_check_private_key(x, k) != 1) {
                        ssl_err(errstr, errlen, "client certificate: the key does not match the certificate");
                        rc = -1;
                }
                EVP_PKEY_free(k);
                X509_free(x);
                BIO_free(kb);
                BIO_free(cb);
        }
        return rc;
}

/* ---- proxies ---- */

static const char *env2(const char *upper, const char *lower)
{
        const char *v = getenv(upper);
        if (!v || !*v)
                v = getenv(lower);
        return v && *v ? v : NULL;
}

const char *kube_http_env_proxy(const char *url, const char **no_proxy)
{
        if (no_proxy)
                *no_proxy = env2("NO_PROXY", "no_proxy");
        if (!strncasecmp(url, "https://", 8))
                return env2("HTTPS_PROXY", "https_proxy");
        if (!strncasecmp(url, "http://", 7))
                return env2("HTTP_PROXY", "http_proxy");
        return NULL;
}

/* ---- line splitting ---- */

int kube_lines_feed(kube_lines_t *l, const char *p, size_t n, int (*fn)(void *data, char *line, size_t len),
                    void *data)
{
        size_t max = l->max ? l->max : KUBE_HTTP_MAX_BODY;
        while (n) {
                const char *nl = memchr(p, '\n', n);
                size_t take = nl ? (size_t)(nl - p) : n;
                if (l->line.len + take > max)
                        return -1;
                if (take && ferry_buf_append(&l->line, p, take))
                        return -1;
                p += take;
                n -= take;
                if (!nl)
                        break;
                p++;
                n--;
                size_t len = l->line.len;
                if (len && l->line.p[len - 1] == '\r')
                        l->line.p[--len] = '\0';
                int rc = len ? fn(data, l->line.p, len) : 0;
                ferry_buf_reset(&l->line);
                if (rc)
                        return rc;
        }
        return 0;
}

void kube_lines_free(kube_lines_t *l)
{
        ferry_buf_free(&l->line);
}

/* ---- requests ---- */

struct xfer {
        kube_http_t *h;
        const kube_http_req_t *req;
        CURL *e;
        long status;
        ferry_buf_t body;
        bool aborted, too_large, idle;
        double next_check;
        curl_off_t last_dl; /* body bytes at last_rx */
        double last_rx;
};

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *u)
{
        struct xfer *x = u;
        size_t n = size * nmemb;
        if (!x->status)
                curl_easy_getinfo(x->e, CURLINFO_RESPONSE_CODE, &x->status);
        if (x->req->on_body) {
                if (x->req->on_body(x->req->data, x->status, p, n)) {
                        x->aborted = true;
                        return 0;
                }
                return n;
        }
        if (x->body.len + n > x->h->max_body) {
                x->too_large = true;
                return 0;
        }
        if (!x->body.cap) { /* one allocation when the length is announced (a list page can be MBs) */
                curl_off_t cl = -1;
                if (!curl_easy_getinfo(x->e, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) && cl > 0 &&
                    (size_t)cl <= x->h->max_body)
                        ferry_buf_reserve(&x->body, (size_t)cl);
        }
        return ferry_buf_append(&x->body, p, n) ? 0 : n;
}

static int on_progress(void *u, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
        struct xfer *x = u;
        double t = now_s();
        if (dlnow != x->last_dl) {
                x->last_dl = dlnow;
                x->last_rx = t;
        } else if (x->req->idle_timeout_ms && (t - x->last_rx) * 1000 >= (double)x->req->idle_timeout_ms) {
                x->idle = true;
                return 1;
        }
        if (!x->req->should_stop || t < x->next_check)
                return 0;
        x->next_check = t + 0.2;
        if (x->req->should_stop(x->req->data)) {
                x->aborted = true;
                return 1;
        }
        return 0;
}

static CURL *take_handle(kube_http_t *h)
{
        CURL *e = NULL;
        pthread_mutex_lock(&h->mu);
        if (h->nidle)
                e = h->idle[--h->nidle];
        pthread_mutex_unlock(&h->mu);
        if (e)
                curl_easy_reset(e); /* options only: the connection and caches stay */
        else
                e = curl_easy_init();
        return e;
}

static void give_handle(kube_http_t *h, CURL *e, bool keep)
{
        pthread_mutex_lock(&h->mu);
        /* Without connection reuse, a few handles are still kept: making one per request costs
         * allocations (buffers, its private multi handle) that fragment the threads' heaps. */
        if (keep && h->nidle < (h->max_idle ? h->max_idle : 4)) {
                h->idle[h->nidle++] = e;
                e = NULL;
        }
        pthread_mutex_unlock(&h->mu);
        if (e)
                curl_easy_cleanup(e);
}

static bool has_header(const char *const *hdrs, const char *name)
{
        size_t n = strlen(name);
        for (; hdrs && *hdrs; hdrs++)
                if (!strncasecmp(*hdrs, name, n) && (*hdrs)[n] == ':')
                        return true;
        return false;
}

static int setup(kube_http_t *h, struct xfer *x, struct curl_slist **hl, char *errbuf)
{
        const kube_http_req_t *rq = x->req;
        CURL *e = x->e;
        struct curl_blob blob;
        CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                                                        \
        do {                                                                                                 \
                if (rc == CURLE_OK)                                                                          \
                        rc = curl_easy_setopt(e, opt, val);                                                  \
        } while (0)
        SET(CURLOPT_ERRORBUFFER, errbuf);
        SET(CURLOPT_URL, rq->url);
        SET(CURLOPT_PROTOCOLS_STR, "http,https");
        SET(CURLOPT_NOSIGNAL, 1L);
        SET(CURLOPT_SHARE, h->share);
        SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
        SET(CURLOPT_MAXCONNECTS, 1L);
        SET(CURLOPT_TCP_KEEPALIVE, 1L);
        if (!h->max_idle)
                SET(CURLOPT_FORBID_REUSE, 1L);
        SET(CURLOPT_WRITEFUNCTION, on_write);
        SET(CURLOPT_WRITEDATA, x);
        SET(CURLOPT_NOPROGRESS, 0L);
        SET(CURLOPT_XFERINFOFUNCTION, on_progress);
        SET(CURLOPT_XFERINFODATA, x);
        if (rq->connect_timeout_ms)
                SET(CURLOPT_CONNECTTIMEOUT_MS, rq->connect_timeout_ms);
        if (rq->timeout_ms)
                SET(CURLOPT_TIMEOUT_MS, rq->timeout_ms);
        /* Method and body. */
        const char *m = rq->method ? rq->method : "GET";
        if (rq->body) {
                SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
                SET(CURLOPT_POSTFIELDS, rq->body);
                if (strcmp(m, "POST"))
                        SET(CURLOPT_CUSTOMREQUEST, m);
        } else if (!strcmp(m, "HEAD")) {
                SET(CURLOPT_NOBODY, 1L);
        } else if (strcmp(m, "GET")) {
                SET(CURLOPT_CUSTOMREQUEST, m);
        }
        /* Headers: the caller's; no "Expect: 100-continue"; no form Content-Type of curl's own. */
        struct curl_slist *l = NULL;
        for (const char *const *p = rq->headers; p && *p; p++)
                if (!(l = curl_slist_append(*hl = l, *p)))
                        goto oom;
        if (!(l = curl_slist_append(*hl = l, "Expect:")))
                goto oom;
        if (rq->body && !has_header(rq->headers, "Content-Type") &&
            !(l = curl_slist_append(*hl = l, "Content-Type:")))
                goto oom;
        *hl = l;
        SET(CURLOPT_HTTPHEADER, l);
        /* TLS: the client's CA as the only trust anchors (else libcurl's defaults). */
        if (h->ca) {
                blob = (struct curl_blob){.data = h->ca, .len = h->ca_len, .flags = CURL_BLOB_COPY};
                SET(CURLOPT_CAINFO_BLOB, &blob);
                SET(CURLOPT_CAINFO, NULL);
                SET(CURLOPT_CAPATH, NULL);
        }
        if (h->insecure) {
                SET(CURLOPT_SSL_VERIFYPEER, 0L);
                SET(CURLOPT_SSL_VERIFYHOST, 0L);
        }
        if (rq->cert && rq->key) {
                blob = (struct curl_blob){
                        .data = (void *)rq->cert, .len = rq->cert_len, .flags = CURL_BLOB_COPY};
                SET(CURLOPT_SSLCERT_BLOB, &blob);
                SET(CURLOPT_SSLCERTTYPE, "PEM");
                blob = (struct curl_blob){
                        .data = (void *)rq->key, .len = rq->key_len, .flags = CURL_BLOB_COPY};
                SET(CURLOPT_SSLKEY_BLOB, &blob);
                SET(CURLOPT_SSLKEYTYPE, "PEM");
        }
        /* Proxy: set explicitly either way, so curl's own environment lookup never applies (it reads
         * only the lower-case http_proxy, and no_proxy even with proxy-url). */
        const char *no_proxy = NULL;
        const char *proxy = h->proxy ? h->proxy : kube_http_env_proxy(rq->url, &no_proxy);
        SET(CURLOPT_PROXY, proxy && *proxy ? proxy : "");
        /* "" rather than NULL: NULL would make curl read no_proxy itself, also for proxy-url. */
        SET(CURLOPT_NOPROXY, !h->proxy && no_proxy ? no_proxy : "");
#undef SET
        if (rc != CURLE_OK) {
                snprintf(errbuf, CURL_ERROR_SIZE, "%s", curl_easy_strerror(rc));
                return -1;
        }
        return 0;
oom:
        snprintf(errbuf, CURL_ERROR_SIZE, "out of memory");
        return -1;
}

int kube_http_do(kube_http_t *h, const kube_http_req_t *req, kube_http_resp_t *resp, char *errstr,
                 size_t errlen)
{
        memset(resp, 0, sizeof(*resp));
        char errbuf[CURL_ERROR_SIZE] = "";
        struct xfer x = {.h = h, .req = req};
        ferry_buf_init(&x.body);
        x.e = take_handle(h);
        if (!x.e) {
                snprintf(errstr, errlen, "out of memory");
                return -1;
        }
        struct curl_slist *hl = NULL;
        double t0 = now_s();
        x.last_rx = t0;
        CURLcode rc = CURLE_FAILED_INIT;
        if (!setup(h, &x, &hl, errbuf))
                rc = curl_easy_perform(x.e);
        if (!x.status)
                curl_easy_getinfo(x.e, CURLINFO_RESPONSE_CODE, &x.status);
        resp->status = x.status;
        resp->aborted = x.aborted;
        resp->too_large = x.too_large;
        int ret = 0;
        if (x.aborted) {
                ret = 0;
        } else if (x.idle) {
                snprintf(errstr, errlen, "no data received for %ld ms", req->idle_timeout_ms);
                ret = -1;
        } else if (x.too_large) {
                snprintf(errstr, errlen, "response body larger than %zu bytes (the limit)", h->max_body);
                ret = -1;
        } else if (rc == CURLE_OK) {
                if (x.body.len) {
                        resp->body_len = x.body.len;
                        resp->body = ferry_buf_steal(&x.body);
                }
        } else {
                ret = -1;
                const char *why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
                long elapsed = (long)((now_s() - t0) * 1000);
                if (rc == CURLE_OPERATION_TIMEDOUT && req->timeout_ms && elapsed >= req->timeout_ms - 50)
                        snprintf(errstr, errlen, "timeout after %ld ms", req->timeout_ms);
                else if (rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR)
                        snprintf(errstr, errlen, "truncated response (HTTP %ld): %s", x.status, why);
                else
                        snprintf(errstr, errlen, "%s", why);
        }
        ferry_buf_free(&x.body);
        curl_slist_free_all(hl);
        /* A handle whose transfer was cut short may hold a half-read connection: curl closes it. */
        give_handle(h, x.e, true);
        return ret;
}

void kube_http_resp_clear(kube_http_resp_t *resp)
{
        free(resp->body);
        memset(resp, 0, sizeof(*resp));
}
