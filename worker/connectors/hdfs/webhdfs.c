/* WebHDFS over libcurl for the HDFS sink (hdfs_sink.c, hdfs_wal.c): builds
 * <namenode>/webhdfs/v1<path>?op=..&user.name=.. requests, follows the NameNode's 307 redirect to a
 * DataNode for the data of CREATE/APPEND/OPEN, parses answers with webhdfs_parse.c and walks the
 * NameNode list on standby or unreachable NameNodes (HA failover). */
#include "webhdfs.h"

#include <curl/curl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct webhdfs {
        char **nn;
        size_t n_nn;
        size_t active;
        char *user;
        long connect_timeout_ms, timeout_ms;
        CURL *curl;
        struct curl_slist *headers;
};

webhdfs_t *webhdfs_new(const webhdfs_opts_t *o)
{
        if (!o || o->n_namenodes == 0)
                return NULL;
        webhdfs_t *w = calloc(1, sizeof(*w));
        if (!w)
                return NULL;
        w->nn = calloc(o->n_namenodes, sizeof(char *));
        w->curl = curl_easy_init();
        if (!w->nn || !w->curl)
                goto fail;
        for (size_t i = 0; i < o->n_namenodes; i++) {
                size_t l = strlen(o->namenodes[i]);
                while (l > 0 && o->namenodes[i][l - 1] == '/')
                        l--;
                if (!(w->nn[i] = strndup(o->namenodes[i], l)))
                        goto fail;
                w->n_nn++;
        }
        if (o->user && o->user[0] && !(w->user = strdup(o->user)))
                goto fail;
        w->connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 10000;
        w->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 120000;
        w->headers = curl_slist_append(NULL, "Expect:");
        if (!w->headers)
                goto fail;
        struct curl_slist *h = curl_slist_append(w->headers, "Content-Type: application/octet-stream");
        if (!h)
                goto fail;
        w->headers = h;
        return w;
fail:
        webhdfs_free(w);
        return NULL;
}

void webhdfs_free(webhdfs_t *w)
{
        if (!w)
                return;
        for (size_t i = 0; i < w->n_nn; i++)
                free(w->nn[i]);
        free(w->nn);
        free(w->user);
        if (w->curl)
                curl_easy_cleanup(w->curl);
        curl_slist_free_all(w->headers);
        free(w);
}

const char *webhdfs_active(const webhdfs_t *w)
{
        return w->nn[w->active];
}

int webhdfs_url_encode(ferry_buf_t *b, const char *s, bool query)
{
        static const char hex[] = "0123456789ABCDEF";
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                unsigned char c = *p;
                bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                             c == '-' || c == '_' || c == '.' || c == '~' || c == '/' || (!query && c == '=');
                if (plain) {
                        if (ferry_buf_putc(b, (char)c) != 0)
                                return -1;
                } else {
                        char e[3] = {'%', hex[c >> 4], hex[c & 15]};
                        if (ferry_buf_append(b, e, 3) != 0)
                                return -1;
                }
        }
        return 0;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
        return ferry_buf_append(ud, p, size * n) == 0 ? size * n : 0;
}

typedef struct {
        long status;
        ferry_buf_t body;
        char *location; /* a 307's Location */
        CURLcode cc;
        char curl_err[CURL_ERROR_SIZE];
} response_t;

static void response_free(response_t *r)
{
        ferry_buf_free(&r->body);
        free(r->location);
        memset(r, 0, sizeof(*r));
}

/* One HTTP exchange: method on url with an optional body; the response into r. */
static void perform(webhdfs_t *w, const char *method, const char *url, const void *data, size_t len,
                    bool has_body, response_t *r)
{
        CURL *c = w->curl;
        curl_easy_reset(c);
        ferry_buf_init(&r->body);
        r->curl_err[0] = 0;
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, w->connect_timeout_ms);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, w->timeout_ms);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->curl_err);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, w->headers);
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
        if (has_body) {
                curl_easy_setopt(c, CURLOPT_POST, 1L);
                curl_easy_setopt(c, CURLOPT_POSTFIELDS, data ? data : "");
                curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        } else if (strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0) {
                curl_easy_setopt(c, CURLOPT_POST, 1L);
                curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
                curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
        }
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        r->cc = curl_easy_perform(c);
        r->status = 0;
        if (r->cc == CURLE_OK) {
                curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
                char *loc = NULL;
                if (curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc)
                        r->location = strdup(loc);
        }
}

/* Turns a non-2xx answer into an error message; returns the error code. */
static ferry_err_t http_error(const char *op, const char *path, const char *where, response_t *r,
                              char *errstr, size_t errstr_size, bool *standby)
{
        if (standby)
                *standby = false;
        if (r->cc != CURLE_OK) {
                snprintf(errstr, errstr_size, "WebHDFS %s %s: %s unreachable: %s", op, path, where,
                         r->curl_err[0] ? r->curl_err : curl_easy_strerror(r->cc));
                return FERRY_ERR_RETRIABLE;
        }
        webhdfs_remote_exception_t re;
        if (webhdfs_parse_remote_exception(r->body.p, r->body.len, &re) == 0) {
                snprintf(errstr, errstr_size, "WebHDFS %s %s: %s: %s (HTTP %ld from %s)", op, path,
                         re.exception, re.message, r->status, where);
                if (standby)
                        *standby = webhdfs_exception_is_standby(re.exception);
                return webhdfs_exception_err(re.exception);
        }
        snprintf(errstr, errstr_size, "WebHDFS %s %s: HTTP %ld from %s: %.200s", op, path, r->status, where,
                 r->body.p ? r->body.p : "");
        if (r->status == 404)
                return FERRY_ERR_NOT_FOUND;
        if (r->status == 401 || r->status == 403)
                return FERRY_ERR_FATAL;
        return r->status >= 500 || r->status == 0 ? FERRY_ERR_RETRIABLE : FERRY_ERR_IO;
}

/* A NameNode request: tries each NameNode from the active one on; a standby or unreachable one
 * hands over to the next. On success (2xx or, with allow_redirect, 307) r holds the answer. */
static ferry_err_t nn_request(webhdfs_t *w, const char *method, const char *op, const char *path,
                              const char *extra, bool allow_redirect, response_t *r, char *errstr,
                              size_t errstr_size)
{
        ferry_err_t err = FERRY_ERR_RETRIABLE;
        snprintf(errstr, errstr_size, "WebHDFS %s %s: no NameNode", op, path);
        for (size_t k = 0; k < w->n_nn; k++) {
                size_t i = (w->active + k) % w->n_nn;
                ferry_buf_t url;
                ferry_buf_init(&url);
                ferry_buf_puts(&url, w->nn[i]);
                ferry_buf_puts(&url, "/webhdfs/v1");
                if (path[0] != '/')
                        ferry_buf_putc(&url, '/');
                webhdfs_url_encode(&url, path, false);
                ferry_buf_printf(&url, "?op=%s", op);
                if (w->user) {
                        ferry_buf_puts(&url, "&user.name=");
                        webhdfs_url_encode(&url, w->user, true);
                }
                if (extra)
                        ferry_buf_puts(&url, extra);
                if (!url.p) {
                        snprintf(errstr, errstr_size, "out of memory");
                        return FERRY_ERR_NOMEM;
                }
                perform(w, method, url.p, NULL, 0, false, r);
                ferry_buf_free(&url);
                if (r->cc == CURLE_OK && ((r->status >= 200 && r->status < 300) ||
                                          (allow_redirect && r->status == 307 && r->location))) {
                        w->active = i;
                        return FERRY_ERR_OK;
                }
                bool standby = false;
                err = http_error(op, path, w->nn[i], r, errstr, errstr_size, &standby);
                if (r->cc == CURLE_OK && !standby)
                        return err; /* a real answer from the active NameNode */
                response_free(r);
        }
        return err;
}

/* CREATE/APPEND/OPEN: the NameNode redirects (307) to a DataNode that takes or serves the data. */
static ferry_err_t two_step(webhdfs_t *w, const char *method, const char *op, const char *path,
                            const char *extra, const void *data, size_t len, bool has_body, ferry_buf_t *out,
                            char *errstr, size_t errstr_size)
{
        response_t r = {0};
        ferry_err_t err = nn_request(w, method, op, path, extra, true, &r, errstr, errstr_size);
        if (err != FERRY_ERR_OK) {
                response_free(&r);
                return err;
        }
        if (r.status != 307) { /* a NameNode that serves the op itself (or a gateway such as HttpFS) */
                if (out)
                        ferry_buf_append(out, r.body.p, r.body.len);
                response_free(&r);
                return FERRY_ERR_OK;
        }
        char *loc = r.location;
        r.location = NULL;
        response_free(&r);
        perform(w, method, loc, data, len, has_body, &r);
        if (r.cc == CURLE_OK && r.status >= 200 && r.status < 300) {
                if (out && ferry_buf_append(out, r.body.p, r.body.len) != 0) {
                        free(loc);
                        response_free(&r);
                        snprintf(errstr, errstr_size, "out of memory");
                        return FERRY_ERR_NOMEM;
                }
                err = FERRY_ERR_OK;
        } else {
                err = http_error(op, path, "the DataNode", &r, errstr, errstr_size, NULL);
                if (r.cc != CURLE_OK)
                        err = FERRY_ERR_RETRIABLE;
        }
        free(loc);
        response_free(&r);
        return err;
}

ferry_err_t webhdfs_create(webhdfs_t *w, const char *path, const void *data, size_t len, bool overwrite,
                           char *errstr, size_t errstr_size)
{
        return two_step(w, "PUT", "CREATE", path, overwrite ? "&overwrite=true" : "&overwrite=false", data,
                        len, true, NULL, errstr, errstr_size);
}

ferry_err_t webhdfs_create_location(webhdfs_t *w, const char *path, bool overwrite, char **location,
                                    char *errstr, size_t errstr_size)
{
        response_t r = {0};
        *location = NULL;
        ferry_err_t err =
                nn_request(w, "PUT", "CREATE", path, overwrite ? "&overwrite=true" : "&overwrite=false", true,
                           &r, errstr, errstr_size);
        if (err == FERRY_ERR_OK && r.status == 307) {
                *location = r.location;
                r.location = NULL;
        }
        response_free(&r);
        return err;
}

const char *webhdfs_user(const webhdfs_t *w)
{
        return w->user;
}

long webhdfs_connect_timeout_ms(const webhdfs_t *w)
{
        return w->connect_timeout_ms;
}

ferry_err_t webhdfs_append(webhdfs_t *w, const char *path, const void *data, size_t len, char *errstr,
                           size_t errstr_size)
{
        return two_step(w, "POST", "APPEND", path, NULL, data, len, true, NULL, errstr, errstr_size);
}

ferry_err_t webhdfs_open(webhdfs_t *w, const char *path, ferry_buf_t *out, char *errstr, size_t errstr_size)
{
        return two_step(w, "GET", "OPEN", path, NULL, NULL, 0, false, out, errstr, errstr_size);
}

static ferry_err_t bool_op(webhdfs_t *w, const char *method, const char *op, const char *path,
                           const char *extra, bool *result, char *errstr, size_t errstr_size)
{
        response_t r = {0};
        ferry_err_t err = nn_request(w, method, op, path, extra, false, &r, errstr, errstr_size);
        if (err == FERRY_ERR_OK) {
                bool b = false;
                if (webhdfs_parse_boolean(r.body.p, r.body.len, &b) != 0) {
                        snprintf(errstr, errstr_size, "WebHDFS %s %s: unexpected answer: %.200s", op, path,
                                 r.body.p ? r.body.p : "");
                        err = FERRY_ERR_IO;
                } else if (result) {
                        *result = b;
                }
        }
        response_free(&r);
        return err;
}

ferry_err_t webhdfs_rename(webhdfs_t *w, const char *src, const char *dst, bool *renamed, char *errstr,
                           size_t errstr_size)
{
        ferry_buf_t q;
        ferry_buf_init(&q);
        ferry_buf_puts(&q, "&destination=");
        webhdfs_url_encode(&q, dst, true);
        if (!q.p) {
                snprintf(errstr, errstr_size, "out of memory");
                return FERRY_ERR_NOMEM;
        }
        ferry_err_t err = bool_op(w, "PUT", "RENAME", src, q.p, renamed, errstr, errstr_size);
        ferry_buf_free(&q);
        return err;
}

ferry_err_t webhdfs_mkdirs(webhdfs_t *w, const char *path, char *errstr, size_t errstr_size)
{
        bool ok = false;
        ferry_err_t err = bool_op(w, "PUT", "MKDIRS", path, NULL, &ok, errstr, errstr_size);
        if (err == FERRY_ERR_OK && !ok) {
                snprintf(errstr, errstr_size,
                         "WebHDFS MKDIRS %s: the NameNode refused (a file is in the way?)", path);
                return FERRY_ERR_CONFLICT;
        }
        return err;
}

ferry_err_t webhdfs_delete(webhdfs_t *w, const char *path, bool recursive, bool *deleted, char *errstr,
                           size_t errstr_size)
{
        return bool_op(w, "DELETE", "DELETE", path, recursive ? "&recursive=true" : "&recursive=false",
                       deleted, errstr, errstr_size);
}

ferry_err_t webhdfs_file_status(webhdfs_t *w, const char *path, webhdfs_status_t *out, char *errstr,
                                size_t errstr_size)
{
        response_t r = {0};
        ferry_err_t err = nn_request(w, "GET", "GETFILESTATUS", path, NULL, false, &r, errstr, errstr_size);
        if (err == FERRY_ERR_OK && webhdfs_parse_file_status(r.body.p, r.body.len, out) != 0) {
                snprintf(errstr, errstr_size, "WebHDFS GETFILESTATUS %s: unexpected answer: %.200s", path,
                         r.body.p ? r.body.p : "");
                err = FERRY_ERR_IO;
        }
        response_free(&r);
        return err;
}

ferry_err_t webhdfs_list(webhdfs_t *w, const char *path, webhdfs_listing_t *out, char *errstr,
                         size_t errstr_size)
{
        bool batch = true;
        for (int pages = 0; pages < 1000000; pages++) {
                ferry_buf_t q;
                ferry_buf_init(&q);
                if (batch && out->n > 0) {
                        ferry_buf_puts(&q, "&startafter=");
                        webhdfs_url_encode(&q, out->items[out->n - 1].name, true);
                }
                response_t r = {0};
                ferry_err_t err = nn_request(w, "GET", batch ? "LISTSTATUS_BATCH" : "LISTSTATUS", path, q.p,
                                             false, &r, errstr, errstr_size);
                ferry_buf_free(&q);
                if (err == FERRY_ERR_BAD_REQUEST && batch && out->n == 0) {
                        /* An older NameNode without LISTSTATUS_BATCH: one LISTSTATUS. */
                        response_free(&r);
                        batch = false;
                        continue;
                }
                if (err != FERRY_ERR_OK) {
                        response_free(&r);
                        return err;
                }
                int64_t remaining = 0;
                size_t before = out->n;
                if (webhdfs_parse_listing(r.body.p, r.body.len, out, &remaining) != 0) {
                        snprintf(errstr, errstr_size, "WebHDFS LISTSTATUS %s: unexpected answer: %.200s",
                                 path, r.body.p ? r.body.p : "");
                        response_free(&r);
                        return FERRY_ERR_IO;
                }
                response_free(&r);
                if (batch && before > 0 && out->n > before &&
                    strcmp(out->items[before].name, out->items[0].name) == 0) {
                        snprintf(errstr, errstr_size,
                                 "WebHDFS LISTSTATUS_BATCH %s: the NameNode ignored startafter", path);
                        return FERRY_ERR_IO;
                }
                if (!batch || remaining <= 0 || out->n == before)
                        return FERRY_ERR_OK;
        }
        snprintf(errstr, errstr_size, "WebHDFS LISTSTATUS %s: too many pages", path);
        return FERRY_ERR_IO;
}
