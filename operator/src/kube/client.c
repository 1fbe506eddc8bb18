/* Generic Kubernetes REST: every call the operator makes to the API server (informer lists and
 * watches, object reads and writes, status patches, leases) goes through kube_request or kube_watch
 * here, over libcurl (kube/curl.c: pooled easy handles keeping their connections, shared by all
 * threads). Adds the credentials to each request: a bearer token (re-read from a token file), basic
 * auth, a client certificate, or what the kubeconfig's exec plugin returned (run again when it
 * expires or the API server answers 401). Turns responses into json-c objects and, for watches, the
 * line-delimited stream into events. */
#include "kube/curl.h"
#include "kube/kube.h"

#include <ferry/log.h>

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define CONNECT_TIMEOUT_MS 10000
#define WATCH_IDLE_MS      600000 /* the server ends a watch after timeoutSeconds; silent this long: dead */
#define POOL_IDLE          8      /* easy handles (with their kept-alive connections) to the API server */

struct kube_client {
        kube_config_t cfg; /* a deep copy */
        kube_http_t *http;
        pthread_mutex_t lock; /* token, exec */
        char *token;
        double token_checked;
        kube_exec_cred_t exec; /* the plugin's last answer, when exec_valid */
        bool exec_valid;
        long exec_gen; /* bumped at each run */
        atomic_long exec_runs;
        char *basic; /* "Authorization: Basic ..." */
        long timeout_ms;
        size_t max_body;
};

/* http(s)://host[:port][/prefix] with nothing else. */
static int check_server(const char *server)
{
        CURLU *u = curl_url();
        char *scheme = NULL, *host = NULL, *user = NULL, *query = NULL;
        int rc = -1;
        if (u && curl_url_set(u, CURLUPART_URL, server, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && *host &&
            (!strcasecmp(scheme, "http") || !strcasecmp(scheme, "https")) &&
            curl_url_get(u, CURLUPART_USER, &user, 0) != CURLUE_OK &&
            curl_url_get(u, CURLUPART_QUERY, &query, 0) != CURLUE_OK)
                rc = 0;
        curl_free(scheme);
        curl_free(host);
        curl_free(user);
        curl_free(query);
        curl_url_cleanup(u);
        return rc;
}

kube_client_t *kube_client_new(const kube_config_t *cfg, char *errstr, size_t errlen)
{
        kube_client_t *c = calloc(1, sizeof(*c));
        if (!c) {
                snprintf(errstr, errlen, "out of memory");
                return NULL;
        }
        pthread_mutex_init(&c->lock, NULL);
        c->timeout_ms = 30000;
        if (kube_config_copy(&c->cfg, cfg)) {
                snprintf(errstr, errlen, "out of memory");
                kube_client_free(c);
                return NULL;
        }
        c->token = kube_strdup(cfg->token);
        c->token_checked = kube_monotonic();
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
        if (!c->cfg.server || check_server(c->cfg.server)) {
                snprintf(errstr, errlen, "API server address %s: not an http:// or https:// URL",
                         cfg->server);
                kube_client_free(c);
                return NULL;
        }
        if (c->cfg.username) {
                const char *pw = c->cfg.password ? c->cfg.password : "";
                size_t len = strlen(c->cfg.username) + strlen(pw) + 2;
                char *cred = malloc(len), *b64 = NULL;
                if (cred) {
                        snprintf(cred, len, "%s:%s", c->cfg.username, pw);
                        b64 = kube_base64_encode(cred, len - 1);
                        free(cred);
                }
                len = b64 ? strlen(b64) + 32 : 0;
                if (b64 && (c->basic = malloc(len)))
                        snprintf(c->basic, len, "Authorization: Basic %s", b64);
                free(b64);
        }
        /* Bad certificates or keys show now, not as a failure of every request. */
        if (kube_http_check_pem(c->cfg.ca, c->cfg.ca_len, c->cfg.cert, c->cfg.cert_len, c->cfg.key,
                                c->cfg.key_len, errstr, errlen)) {
                kube_client_free(c);
                return NULL;
        }
        kube_http_opts_t o = {.ca = c->cfg.ca,
                              .ca_len = c->cfg.ca_len,
                              .insecure = c->cfg.insecure,
                              .proxy = c->cfg.proxy_url};
        c->http = kube_http_new(&o, POOL_IDLE);
        if (!c->http || (c->cfg.username && !c->basic)) {
                snprintf(errstr, errlen, "out of memory");
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
        pthread_mutex_destroy(&c->lock);
        free(c->token);
        free(c->basic);
        kube_exec_cred_free(&c->exec);
        kube_config_free(&c->cfg);
        free(c);
}

void kube_client_set_max_body(kube_client_t *c, size_t bytes)
{
        c->max_body = bytes;
        kube_http_set_max_body(c->http, bytes);
}

long kube_client_exec_runs(kube_client_t *c)
{
        return atomic_load(&c->exec_runs);
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

/* The bearer token, re-read from token_file once a minute (projected tokens rotate). Under lock. */
static const char *static_token(kube_client_t *c)
{
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
        return c->token;
}

/* The credentials of one request: headers and, for a client certificate, the PEM material. */
struct auth {
        const char *list[6];
        char *bearer; /* "Authorization: Bearer ..." */
        char ct[128];
        char *cert, *key; /* copies (an exec plugin may replace them meanwhile) */
        size_t cert_len, key_len;
        long gen; /* exec_gen of the credential used; -1: no exec plugin */
};

static void auth_clear(struct auth *a)
{
        free(a->bearer);
        free(a->cert);
        free(a->key);
        memset(a, 0, sizeof(*a));
}

static int set_bearer(struct auth *a, const char *token)
{
        size_t len = strlen(token) + 32;
        if (!(a->bearer = malloc(len)))
                return -1;
        snprintf(a->bearer, len, "Authorization: Bearer %s", token);
        return 0;
}

/* Fills a for one request (running the exec plugin when its credential is missing or expired). */
static int get_auth(kube_client_t *c, struct auth *a, const char *content_type, char *errstr, size_t errlen)
{
        memset(a, 0, sizeof(*a));
        a->gen = -1;
        int rc = 0;
        pthread_mutex_lock(&c->lock);
        if (c->cfg.exec) {
                if (c->exec_valid && c->exec.expires > 0 && (double)time(NULL) >= c->exec.expires) {
                        FERRY_DEBUG("exec credential expired, running %s again", c->cfg.exec->command);
                        c->exec_valid = false;
                }
                if (!c->exec_valid) {
                        kube_exec_cred_free(&c->exec);
                        atomic_fetch_add(&c->exec_runs, 1);
                        if (kube_exec_cred_run(c->cfg.exec, &c->exec, errstr, errlen)) {
                                pthread_mutex_unlock(&c->lock);
                                return -1;
                        }
                        c->exec_valid = true;
                        c->exec_gen++;
                }
                a->gen = c->exec_gen;
        }
        const char *token = c->exec_valid && c->exec.token ? c->exec.token : static_token(c);
        if (token && *token)
                rc |= set_bearer(a, token);
        if (c->exec_valid && c->exec.cert) {
                a->cert = kube_memdup(c->exec.cert, c->exec.cert_len);
                a->key = kube_memdup(c->exec.key, c->exec.key_len);
                a->cert_len = c->exec.cert_len;
                a->key_len = c->exec.key_len;
                rc |= !a->cert || !a->key ? -1 : 0;
        }
        pthread_mutex_unlock(&c->lock);
        int n = 0;
        if (a->bearer)
                a->list[n++] = a->bearer;
        else if (c->basic)
                a->list[n++] = c->basic;
        a->list[n++] = "Accept: application/json";
        a->list[n++] = "User-Agent: ferry-operator";
        if (content_type) {
                snprintf(a->ct, sizeof(a->ct), "Content-Type: %s", content_type);
                a->list[n++] = a->ct;
        }
        a->list[n] = NULL;
        if (rc) {
                auth_clear(a);
                snprintf(errstr, errlen, "out of memory");
        }
        return rc;
}

/* The request's client certificate: the exec plugin's, else the kubeconfig's. */
static void set_cert(kube_client_t *c, const struct auth *a, kube_http_req_t *rq)
{
        if (a->cert) {
                rq->cert = a->cert;
                rq->cert_len = a->cert_len;
                rq->key = a->key;
                rq->key_len = a->key_len;
        } else if (c->cfg.cert) {
                rq->cert = c->cfg.cert;
                rq->cert_len = c->cfg.cert_len;
                rq->key = c->cfg.key;
                rq->key_len = c->cfg.key_len;
        }
}

/* A 401 with an exec credential: the next request runs the plugin again (unless another thread
 * already did since). True when there is a fresh credential to retry with. */
static bool unauthorized(kube_client_t *c, long gen)
{
        if (gen < 0)
                return false;
        pthread_mutex_lock(&c->lock);
        if (c->exec_gen == gen && c->exec_valid) {
                FERRY_INFO("API server answered 401: running the exec credential plugin again");
                c->exec_valid = false;
        }
        pthread_mutex_unlock(&c->lock);
        return true;
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

static int request_once(kube_client_t *c, const char *method, const char *path, const char *content_type,
                        const char *payload, kube_result_t *res, long *gen)
{
        struct auth a;
        char err[200];
        char *url = make_url(c, path);
        if (!url || get_auth(c, &a, payload ? (content_type ? content_type : "application/json") : NULL, err,
                             sizeof(err))) {
                snprintf(res->err, sizeof(res->err), "%s %s: %s", method, path, url ? err : "out of memory");
                free(url);
                return -1;
        }
        *gen = a.gen;
        kube_http_req_t rq = {.method = method,
                              .url = url,
                              .headers = a.list,
                              .body = payload,
                              .body_len = payload ? strlen(payload) : 0,
                              .connect_timeout_ms = CONNECT_TIMEOUT_MS,
                              .timeout_ms = c->timeout_ms};
        set_cert(c, &a, &rq);
        kube_http_resp_t rp;
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
        auth_clear(&a);
        free(url);
        return ret;
}

int kube_request(kube_client_t *c, const char *method, const char *path, const char *content_type,
                 json_object *body, kube_result_t *res)
{
        memset(res, 0, sizeof(*res));
        const char *payload = body ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN) : NULL;
        long gen = -1;
        int ret = request_once(c, method, path, content_type, payload, res, &gen);
        if (!ret && res->status == 401 && unauthorized(c, gen)) {
                /* A 401 means the request was not processed: once more with the plugin's new answer. */
                kube_result_clear(res);
                ret = request_once(c, method, path, content_type, payload, res, &gen);
        }
        return ret;
}

/* ---- watch ---- */

struct watch_ctx {
        kube_lines_t lines;
        ferry_buf_t error; /* the body of a non-200 answer */
        kube_event_fn on_event;
        int (*progress)(void *data);
        void *data;
        atomic_bool *stop;
        size_t max_body;
        long status;
        bool gone;      /* an ERROR event with code 410 */
        bool aborted;   /* on_event asked to stop */
        bool too_large; /* an event longer than the cap */
};

static int handle_line(void *u, char *line, size_t len)
{
        struct watch_ctx *w = u;
        json_tokener *tok = json_tokener_new();
        json_object *ev = tok ? json_tokener_parse_ex(tok, line, (int)len) : NULL;
        json_tokener_free(tok);
        if (!ev)
                return 0;
        const char *type = kube_str(ev, "type");
        json_object *obj = kube_get(ev, "object");
        int rc = 0;
        if (type && !strcmp(type, "ERROR")) {
                json_object *code = kube_get(obj, "code");
                if (code && json_object_get_int(code) == 410)
                        w->gone = true;
                else
                        w->status = code ? json_object_get_int(code) : 500;
                rc = 1;
        } else if (type && obj) {
                rc = w->on_event(w->data, type, obj);
                if (rc)
                        w->aborted = true;
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
        if (w->status != 200) { /* an error Status body: keep (the start of) it for the message */
                if (w->error.len < 65536 && ferry_buf_append(&w->error, p, n))
                        return 1;
                return 0;
        }
        int rc = kube_lines_feed(&w->lines, p, n, handle_line, w);
        if (rc < 0)
                w->too_large = true;
        return rc ? 1 : 0; /* non-zero ends the request */
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
        struct auth a;
        char err[200];
        char *url = make_url(c, path);
        if (!url || get_auth(c, &a, NULL, err, sizeof(err))) {
                snprintf(errstr, errlen, "watch %s: %s", path, url ? err : "out of memory");
                free(url);
                return -1;
        }
        struct watch_ctx w = {.on_event = on_event, .progress = progress, .data = data, .stop = stop};
        w.lines.max = c->max_body;
        ferry_buf_init(&w.error);
        kube_http_req_t rq = {.method = "GET",
                              .url = url,
                              .headers = a.list,
                              .connect_timeout_ms = CONNECT_TIMEOUT_MS,
                              .idle_timeout_ms = WATCH_IDLE_MS,
                              .on_body = watch_body,
                              .should_stop = watch_should_stop,
                              .data = &w};
        set_cert(c, &a, &rq);
        kube_http_resp_t rp;
        int rc = kube_http_do(c->http, &rq, &rp, err, sizeof(err));
        int ret;
        if (!w.status)
                w.status = rp.status;
        if (w.gone) {
                ret = 410;
                snprintf(errstr, errlen, "watch %s: resourceVersion too old (410 Gone)", path);
        } else if (w.too_large) {
                ret = -1;
                snprintf(errstr, errlen, "watch %s: an event larger than %zu bytes (the limit)", path,
                         c->max_body ? c->max_body : KUBE_HTTP_MAX_BODY);
        } else if (w.status && w.status != 200) {
                ret = (int)w.status;
                json_object *st = w.error.p ? json_tokener_parse(w.error.p) : NULL;
                const char *msg = kube_str(st, "message");
                if (!msg)
                        msg = kube_str(st, "object.message"); /* an ERROR event */
                snprintf(errstr, errlen, "watch %s: HTTP %ld: %s", path, w.status, msg ? msg : "");
                json_object_put(st);
                if (w.status == 401)
                        unauthorized(c, a.gen); /* the next attempt runs the exec plugin again */
        } else if (w.aborted || rp.aborted || (stop && atomic_load(stop))) {
                ret = 0;
        } else if (rc) {
                ret = -1;
                snprintf(errstr, errlen, "watch %s: %s", path, err);
        } else {
                ret = 0;
        }
        kube_http_resp_clear(&rp);
        kube_lines_free(&w.lines);
        ferry_buf_free(&w.error);
        auth_clear(&a);
        free(url);
        return ret;
}
