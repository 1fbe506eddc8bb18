/* Generic Kubernetes REST over libcurl: every call the operator makes to the API server (informer
 * lists and watches, object reads and writes, status patches, leases) goes through kube_request or
 * kube_watch here. TLS material comes from kube_config_t as in-memory blobs; connections, TLS
 * sessions and DNS are shared across threads through a curl share handle. */
#include "kube/kube.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct kube_client {
        kube_config_t cfg; /* a deep copy */
        CURLSH *share;
        pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
        pthread_mutex_t token_lock;
        char *token;
        double token_checked;
        long timeout_ms;
};

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *u)
{
        struct kube_client *c = u;
        pthread_mutex_lock(&c->locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *u)
{
        struct kube_client *c = u;
        pthread_mutex_unlock(&c->locks[data]);
}

static char *memdup(const char *p, size_t n)
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

static char *sdup(const char *s)
{
        return s ? strdup(s) : NULL;
}

static void init_curl(void)
{
        curl_global_init(CURL_GLOBAL_DEFAULT);
}

kube_client_t *kube_client_new(const kube_config_t *cfg, char *errstr, size_t errlen)
{
        /* libcurl's process-wide initialisation, once (not thread-safe on its own). */
        static pthread_once_t once = PTHREAD_ONCE_INIT;
        pthread_once(&once, init_curl);
        kube_client_t *c = calloc(1, sizeof(*c));
        if (!c) {
                snprintf(errstr, errlen, "out of memory");
                return NULL;
        }
        c->cfg.server = sdup(cfg->server);
        c->cfg.ca = memdup(cfg->ca, cfg->ca_len);
        c->cfg.ca_len = cfg->ca_len;
        c->cfg.cert = memdup(cfg->cert, cfg->cert_len);
        c->cfg.cert_len = cfg->cert_len;
        c->cfg.key = memdup(cfg->key, cfg->key_len);
        c->cfg.key_len = cfg->key_len;
        c->cfg.token_file = sdup(cfg->token_file);
        c->cfg.username = sdup(cfg->username);
        c->cfg.password = sdup(cfg->password);
        c->cfg.namespace = sdup(cfg->namespace);
        c->cfg.context = sdup(cfg->context);
        c->cfg.insecure = cfg->insecure;
        c->token = sdup(cfg->token);
        c->token_checked = kube_monotonic();
        c->timeout_ms = 30000;
        pthread_mutex_init(&c->token_lock, NULL);
        for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
                pthread_mutex_init(&c->locks[i], NULL);
        c->share = curl_share_init();
        curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock);
        curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
        curl_share_setopt(c->share, CURLSHOPT_USERDATA, c);
        curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
        curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
        curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
        if (!c->cfg.server) {
                snprintf(errstr, errlen, "no API server address");
                kube_client_free(c);
                return NULL;
        }
        return c;
}

void kube_client_free(kube_client_t *c)
{
        if (!c)
                return;
        if (c->share)
                curl_share_cleanup(c->share);
        for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
                pthread_mutex_destroy(&c->locks[i]);
        pthread_mutex_destroy(&c->token_lock);
        free(c->token);
        kube_config_free(&c->cfg);
        free(c);
}

const char *kube_client_namespace(const kube_client_t *c)
{
        return c->cfg.namespace;
}

void kube_client_set_timeout(kube_client_t *c, long timeout_ms)
{
        c->timeout_ms = timeout_ms;
}

double kube_monotonic(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void kube_now(char *buf, size_t len, bool micro)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        char base[32];
        strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
        if (micro)
                snprintf(buf, len, "%s.%06ldZ", base, ts.tv_nsec / 1000);
        else
                snprintf(buf, len, "%sZ", base);
}

double kube_parse_time(const char *s)
{
        struct tm tm = {0};
        if (!s)
                return -1;
        const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!rest)
                return -1;
        double frac = 0;
        if (*rest == '.') {
                double scale = 0.1;
                for (rest++; *rest >= '0' && *rest <= '9'; rest++, scale /= 10)
                        frac += (*rest - '0') * scale;
        }
        return (double)timegm(&tm) + frac;
}

int kube_path(char *buf, size_t len, const kube_gvr_t *gvr, const char *ns, const char *name, const char *sub,
              const char *query)
{
        int n;
        if (gvr->group && *gvr->group)
                n = snprintf(buf, len, "/apis/%s/%s", gvr->group, gvr->version);
        else
                n = snprintf(buf, len, "/api/%s", gvr->version);
        if (ns && *ns)
                n += snprintf(buf + n, len > (size_t)n ? len - n : 0, "/namespaces/%s", ns);
        n += snprintf(buf + n, len > (size_t)n ? len - n : 0, "/%s", gvr->resource);
        if (name)
                n += snprintf(buf + n, len > (size_t)n ? len - n : 0, "/%s", name);
        if (sub)
                n += snprintf(buf + n, len > (size_t)n ? len - n : 0, "/%s", sub);
        if (query && *query)
                n += snprintf(buf + n, len > (size_t)n ? len - n : 0, "?%s", query);
        return (size_t)n < len ? 0 : -1;
}

int kube_object_key(json_object *obj, char *buf, size_t len)
{
        const char *ns = kube_str(obj, "metadata.namespace"), *name = kube_str(obj, "metadata.name");
        if (!name)
                return -1;
        int n = ns && *ns ? snprintf(buf, len, "%s/%s", ns, name) : snprintf(buf, len, "%s", name);
        return n > 0 && (size_t)n < len ? 0 : -1;
}

/* The bearer token, re-read from token_file once a minute (projected tokens rotate). */
static char *current_token(kube_client_t *c)
{
        pthread_mutex_lock(&c->token_lock);
        if (c->cfg.token_file && kube_monotonic() - c->token_checked > 60) {
                c->token_checked = kube_monotonic();
                char *t = kube_read_file(c->cfg.token_file, NULL);
                if (t) {
                        size_t n = strlen(t);
                        while (n && (t[n - 1] == '\n' || t[n - 1] == '\r'))
                                t[--n] = '\0';
                        free(c->token);
                        c->token = t;
                }
        }
        char *t = sdup(c->token);
        pthread_mutex_unlock(&c->token_lock);
        return t;
}

struct membuf {
        char *p;
        size_t len, cap;
};

static size_t collect(char *ptr, size_t size, size_t nmemb, void *u)
{
        struct membuf *b = u;
        size_t n = size * nmemb;
        if (b->len + n + 1 > b->cap) {
                size_t cap = b->cap ? b->cap * 2 : 4096;
                while (cap < b->len + n + 1)
                        cap *= 2;
                char *np = realloc(b->p, cap);
                if (!np)
                        return 0;
                b->p = np;
                b->cap = cap;
        }
        memcpy(b->p + b->len, ptr, n);
        b->len += n;
        b->p[b->len] = '\0';
        return n;
}

static CURL *setup(kube_client_t *c, const char *method, const char *path, struct curl_slist **hdrs,
                   const char *content_type)
{
        CURL *h = curl_easy_init();
        if (!h)
                return NULL;
        size_t ulen = strlen(c->cfg.server) + strlen(path) + 1;
        char *url = malloc(ulen);
        if (!url) {
                curl_easy_cleanup(h);
                return NULL;
        }
        snprintf(url, ulen, "%s%s", c->cfg.server, path);
        curl_easy_setopt(h, CURLOPT_URL, url);
        free(url); /* libcurl copies string options */
        curl_easy_setopt(h, CURLOPT_SHARE, c->share);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        if (c->cfg.ca) {
                struct curl_blob blob = {.data = c->cfg.ca, .len = c->cfg.ca_len, .flags = CURL_BLOB_NOCOPY};
                curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
        }
        if (c->cfg.cert) {
                struct curl_blob cert = {
                        .data = c->cfg.cert, .len = c->cfg.cert_len, .flags = CURL_BLOB_NOCOPY};
                struct curl_blob key = {.data = c->cfg.key, .len = c->cfg.key_len, .flags = CURL_BLOB_NOCOPY};
                curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
                curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
                curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
                curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
        }
        if (c->cfg.insecure) {
                curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
                curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
        }
        char *token = current_token(c);
        if (token && *token) {
                size_t n = strlen(token) + 32;
                char *hdr = malloc(n);
                if (hdr) {
                        snprintf(hdr, n, "Authorization: Bearer %s", token);
                        *hdrs = curl_slist_append(*hdrs, hdr);
                        free(hdr);
                }
        } else if (c->cfg.username) {
                curl_easy_setopt(h, CURLOPT_USERNAME, c->cfg.username);
                curl_easy_setopt(h, CURLOPT_PASSWORD, c->cfg.password ? c->cfg.password : "");
        }
        free(token);
        *hdrs = curl_slist_append(*hdrs, "Accept: application/json");
        *hdrs = curl_slist_append(*hdrs, "User-Agent: ferry-operator");
        if (content_type) {
                char ct[128];
                snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
                *hdrs = curl_slist_append(*hdrs, ct);
        }
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs);
        return h;
}

void kube_result_clear(kube_result_t *res)
{
        if (res->body)
                json_object_put(res->body);
        res->body = NULL;
        res->status = 0;
        res->err[0] = '\0';
}

int kube_request(kube_client_t *c, const char *method, const char *path, const char *content_type,
                 json_object *body, kube_result_t *res)
{
        memset(res, 0, sizeof(*res));
        struct curl_slist *hdrs = NULL;
        const char *payload = body ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN) : NULL;
        CURL *h = setup(c, method, path, &hdrs,
                        payload ? (content_type ? content_type : "application/json") : NULL);
        if (!h) {
                snprintf(res->err, sizeof(res->err), "curl init failed");
                return -1;
        }
        struct membuf b = {0};
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
        if (payload) {
                curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload);
                curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(payload));
        }
        CURLcode rc = curl_easy_perform(h);
        int ret = 0;
        if (rc != CURLE_OK) {
                snprintf(res->err, sizeof(res->err), "%s %s: %s", method, path, curl_easy_strerror(rc));
                ret = -1;
        } else {
                curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->status);
                if (b.len)
                        res->body = json_tokener_parse(b.p);
                if (res->status >= 300) {
                        const char *msg = kube_str(res->body, "message");
                        snprintf(res->err, sizeof(res->err), "%s %s: HTTP %ld: %s", method, path, res->status,
                                 msg ? msg : (b.p ? b.p : ""));
                }
        }
        free(b.p);
        curl_slist_free_all(hdrs);
        curl_easy_cleanup(h);
        return ret;
}

/* ---- watch ---- */

struct watch_ctx {
        struct membuf line;
        kube_event_fn on_event;
        int (*progress)(void *data);
        void *data;
        atomic_bool *stop;
        long status;
        int gone;    /* an ERROR event with code 410 */
        int aborted; /* on_event asked to stop */
        CURL *h;
};

static int handle_line(struct watch_ctx *w, const char *line)
{
        json_object *ev = json_tokener_parse(line);
        if (!ev)
                return 0;
        const char *type = kube_str(ev, "type");
        json_object *obj = kube_get(ev, "object");
        int rc = 0;
        if (type && !strcmp(type, "ERROR")) {
                json_object *code = kube_get(obj, "code");
                if (code && json_object_get_int(code) == 410)
                        w->gone = 1;
                else
                        w->status = code ? json_object_get_int(code) : 500;
                rc = 1;
        } else if (type && obj) {
                rc = w->on_event(w->data, type, obj);
                if (rc)
                        w->aborted = 1;
        }
        json_object_put(ev);
        return rc;
}

static size_t watch_write(char *ptr, size_t size, size_t nmemb, void *u)
{
        struct watch_ctx *w = u;
        size_t n = size * nmemb;
        if (!w->status)
                curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &w->status);
        if (w->status != 200) /* an error Status body: keep it for the message */
                return collect(ptr, size, nmemb, &w->line) == n ? n : 0;
        for (size_t i = 0; i < n; i++) {
                if (ptr[i] != '\n') {
                        if (collect(ptr + i, 1, 1, &w->line) != 1)
                                return 0;
                        continue;
                }
                if (w->line.len) {
                        int stop = handle_line(w, w->line.p);
                        w->line.len = 0;
                        if (stop)
                                return 0; /* aborts the transfer */
                }
        }
        return n;
}

static int watch_xfer(void *u, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
        struct watch_ctx *w = u;
        if (w->stop && atomic_load(w->stop))
                return 1;
        if (w->progress && w->progress(w->data))
                return 1;
        return 0;
}

int kube_watch(kube_client_t *c, const char *path, kube_event_fn on_event, int (*progress)(void *data),
               void *data, atomic_bool *stop, char *errstr, size_t errlen)
{
        struct curl_slist *hdrs = NULL;
        CURL *h = setup(c, "GET", path, &hdrs, NULL);
        if (!h) {
                snprintf(errstr, errlen, "curl init failed");
                return -1;
        }
        struct watch_ctx w = {.on_event = on_event, .progress = progress, .data = data, .stop = stop, .h = h};
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, watch_write);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &w);
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, watch_xfer);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, &w);
        /* The server ends a watch after timeoutSeconds; without bytes for this long it is dead. */
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 600L);
        CURLcode rc = curl_easy_perform(h);
        int ret;
        if (!w.status)
                curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &w.status);
        if (w.gone) {
                ret = 410;
                snprintf(errstr, errlen, "watch %s: resourceVersion too old (410 Gone)", path);
        } else if (w.status && w.status != 200) {
                ret = (int)w.status;
                json_object *st = w.line.p ? json_tokener_parse(w.line.p) : NULL;
                const char *msg = kube_str(st, "message");
                snprintf(errstr, errlen, "watch %s: HTTP %ld: %s", path, w.status, msg ? msg : "");
                json_object_put(st);
        } else if (w.aborted || (stop && atomic_load(stop))) {
                ret = 0;
        } else if (rc != CURLE_OK && rc != CURLE_ABORTED_BY_CALLBACK) {
                ret = -1;
                snprintf(errstr, errlen, "watch %s: %s", path, curl_easy_strerror(rc));
        } else {
                ret = 0;
        }
        free(w.line.p);
        curl_slist_free_all(hdrs);
        curl_easy_cleanup(h);
        return ret;
}
