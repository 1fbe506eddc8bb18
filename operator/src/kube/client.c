/* Generic Kubernetes REST: every call the operator makes to the API server (informer lists and
 * watches, object reads and writes, status patches, leases) goes through kube_request or kube_watch
 * here, over the operator's own HTTP/1.1 client (httpc.c). TLS material comes from kube_config_t as
 * in-memory PEM bytes, loaded once into the client's TLS context; kept-alive connections are pooled
 * and shared by all threads. Adds the credentials (bearer token, re-read from a token file, or basic
 * auth) to each request and turns responses into json-c objects or, for watches, a stream of events. */
#include "kube/httpc.h"
#include "kube/kube.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define CONNECT_TIMEOUT_MS 10000
#define WATCH_IDLE_MS      600000 /* the server ends a watch after timeoutSeconds; silent this long: dead */
#define POOL_IDLE          8      /* kept-alive connections to the API server */

struct kube_client {
        kube_config_t cfg; /* a deep copy */
        kube_http_t *http;
        pthread_mutex_t token_lock;
        char *token;
        double token_checked;
        long timeout_ms;
};

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

kube_client_t *kube_client_new(const kube_config_t *cfg, char *errstr, size_t errlen)
{
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
        if (!c->cfg.server) {
                snprintf(errstr, errlen, "no API server address");
                kube_client_free(c);
                return NULL;
        }
        if (!strstr(c->cfg.server, "://")) { /* host:port; https when there is TLS material */
                bool tls = c->cfg.ca || c->cfg.cert || c->cfg.insecure;
                size_t len = strlen(c->cfg.server) + 9;
                char *s = malloc(len);
                if (s)
                        snprintf(s, len, "%s%s", tls ? "https://" : "http://", c->cfg.server);
                free(c->cfg.server);
                c->cfg.server = s;
        }
        kube_http_url_t u;
        if (!c->cfg.server || kube_http_parse_url(c->cfg.server, &u)) {
                snprintf(errstr, errlen, "API server address %s: not an http:// or https:// URL",
                         cfg->server);
                kube_client_free(c);
                return NULL;
        }
        kube_http_tls_t tls = {.ca = c->cfg.ca,
                               .ca_len = c->cfg.ca_len,
                               .cert = c->cfg.cert,
                               .cert_len = c->cfg.cert_len,
                               .key = c->cfg.key,
                               .key_len = c->cfg.key_len,
                               .insecure = c->cfg.insecure};
        c->http = kube_http_new(&tls, POOL_IDLE);
        if (!c->http) {
                snprintf(errstr, errlen, "out of memory");
                kube_client_free(c);
                return NULL;
        }
        /* Bad certificates or keys show now, not as a failure of every request. */
        if (u.tls && kube_http_tls_init(c->http, errstr, errlen)) {
                kube_client_free(c);
                return NULL;
        }
        return c;
}

void kube_client_free(kube_client_t *c)
{
        if (!c)
                return;
        kube_http_free(c->http);
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

static char *base64(const char *in, size_t n)
{
        static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i += 3) {
                unsigned v = (unsigned char)in[i] << 16;
                if (i + 1 < n)
                        v |= (unsigned char)in[i + 1] << 8;
                if (i + 2 < n)
                        v |= (unsigned char)in[i + 2];
                *o++ = tab[(v >> 18) & 63];
                *o++ = tab[(v >> 12) & 63];
                *o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
                *o++ = i + 2 < n ? tab[v & 63] : '=';
        }
        *o = '\0';
        return out;
}

/* The headers of one request: credentials, Accept, User-Agent, Content-Type. */
struct req_headers {
        const char *list[6];
        char *auth;
        char ct[128];
};

/* "Authorization: ..." for the token, else basic credentials; NULL (and *none) without either. */
static char *auth_header(kube_client_t *c, bool *none)
{
        char *token = current_token(c), *hdr = NULL;
        *none = false;
        if (token && *token) {
                size_t len = strlen(token) + 32;
                if ((hdr = malloc(len)))
                        snprintf(hdr, len, "Authorization: Bearer %s", token);
        } else if (c->cfg.username) {
                const char *pw = c->cfg.password ? c->cfg.password : "";
                size_t len = strlen(c->cfg.username) + strlen(pw) + 2;
                char *cred = malloc(len), *b64 = NULL;
                if (cred) {
                        snprintf(cred, len, "%s:%s", c->cfg.username, pw);
                        b64 = base64(cred, len - 1);
                        free(cred);
                }
                if (b64) {
                        len = strlen(b64) + 32;
                        if ((hdr = malloc(len)))
                                snprintf(hdr, len, "Authorization: Basic %s", b64);
                        free(b64);
                }
        } else {
                *none = true;
        }
        free(token);
        return hdr;
}

static int setup_headers(kube_client_t *c, struct req_headers *rh, const char *content_type)
{
        int n = 0;
        bool none;
        memset(rh, 0, sizeof(*rh));
        rh->auth = auth_header(c, &none);
        if (rh->auth)
                rh->list[n++] = rh->auth;
        else if (!none)
                return -1;
        rh->list[n++] = "Accept: application/json";
        rh->list[n++] = "User-Agent: ferry-operator";
        if (content_type) {
                snprintf(rh->ct, sizeof(rh->ct), "Content-Type: %s", content_type);
                rh->list[n++] = rh->ct;
        }
        rh->list[n] = NULL;
        return 0;
}

static char *make_url(kube_client_t *c, const char *path)
{
        size_t ulen = strlen(c->cfg.server) + strlen(path) + 1;
        char *url = malloc(ulen);
        if (url)
                snprintf(url, ulen, "%s%s", c->cfg.server, path);
        return url;
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
        const char *payload = body ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN) : NULL;
        struct req_headers rh;
        char *url = make_url(c, path);
        if (!url ||
            setup_headers(c, &rh, payload ? (content_type ? content_type : "application/json") : NULL)) {
                free(url);
                snprintf(res->err, sizeof(res->err), "%s %s: out of memory", method, path);
                return -1;
        }
        kube_http_req_t rq = {.method = method,
                              .url = url,
                              .headers = rh.list,
                              .body = payload,
                              .body_len = payload ? strlen(payload) : 0,
                              .connect_timeout_ms = CONNECT_TIMEOUT_MS,
                              .timeout_ms = c->timeout_ms};
        kube_http_resp_t rp;
        char err[200];
        int ret = 0;
        if (kube_http_do(c->http, &rq, &rp, err, sizeof(err))) {
                snprintf(res->err, sizeof(res->err), "%s %s: %s", method, path, err);
                ret = -1;
        } else {
                res->status = rp.status;
                if (rp.body_len)
                        res->body = json_tokener_parse(rp.body);
                if (res->status >= 300) {
                        const char *msg = kube_str(res->body, "message");
                        snprintf(res->err, sizeof(res->err), "%s %s: HTTP %ld: %s", method, path, res->status,
                                 msg ? msg : (rp.body ? rp.body : ""));
                }
        }
        kube_http_resp_clear(&rp);
        free(rh.auth);
        free(url);
        return ret;
}

/* ---- watch ---- */

struct watch_ctx {
        kube_sbuf_t line;
        kube_event_fn on_event;
        int (*progress)(void *data);
        void *data;
        atomic_bool *stop;
        long status;
        int gone;    /* an ERROR event with code 410 */
        int aborted; /* on_event asked to stop */
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

/* Body bytes of the watch: newline-delimited JSON events, or an error Status when not 200. */
static int watch_body(void *u, long status, const char *p, size_t n)
{
        struct watch_ctx *w = u;
        if (!w->status)
                w->status = status;
        if (w->status != 200) /* an error Status body: keep it for the message */
                return kube_sbuf_add(&w->line, p, n) ? 1 : 0;
        while (n) {
                const char *nl = memchr(p, '\n', n);
                size_t take = nl ? (size_t)(nl - p) : n;
                if (take && kube_sbuf_add(&w->line, p, take))
                        return 1;
                p += take;
                n -= take;
                if (!nl)
                        break;
                p++;
                n--;
                if (w->line.len) {
                        int stop = handle_line(w, w->line.p);
                        w->line.len = 0;
                        if (stop)
                                return 1; /* ends the request */
                }
        }
        return 0;
}

static int watch_should_stop(void *u)
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
        struct req_headers rh;
        char *url = make_url(c, path);
        if (!url || setup_headers(c, &rh, NULL)) {
                free(url);
                snprintf(errstr, errlen, "watch %s: out of memory", path);
                return -1;
        }
        struct watch_ctx w = {.on_event = on_event, .progress = progress, .data = data, .stop = stop};
        kube_http_req_t rq = {.method = "GET",
                              .url = url,
                              .headers = rh.list,
                              .connect_timeout_ms = CONNECT_TIMEOUT_MS,
                              .idle_timeout_ms = WATCH_IDLE_MS,
                              .on_body = watch_body,
                              .should_stop = watch_should_stop,
                              .data = &w};
        kube_http_resp_t rp;
        char err[200];
        int rc = kube_http_do(c->http, &rq, &rp, err, sizeof(err));
        int ret;
        if (!w.status)
                w.status = rp.status;
        if (w.gone) {
                ret = 410;
                snprintf(errstr, errlen, "watch %s: resourceVersion too old (410 Gone)", path);
        } else if (w.status && w.status != 200) {
                ret = (int)w.status;
                json_object *st = w.line.p ? json_tokener_parse(w.line.p) : NULL;
                const char *msg = kube_str(st, "message");
                if (!msg)
                        msg = kube_str(st, "object.message"); /* an ERROR event */
                snprintf(errstr, errlen, "watch %s: HTTP %ld: %s", path, w.status, msg ? msg : "");
                json_object_put(st);
        } else if (w.aborted || rp.aborted || (stop && atomic_load(stop))) {
                ret = 0;
        } else if (rc) {
                ret = -1;
                snprintf(errstr, errlen, "watch %s: %s", path, err);
        } else {
                ret = 0;
        }
        kube_http_resp_clear(&rp);
        free(w.line.p);
        free(rh.auth);
        free(url);
        return ret;
}
