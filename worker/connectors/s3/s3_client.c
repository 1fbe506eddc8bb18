/* The S3 REST client of the S3 sink (see s3_client.h): builds each request's URL and canonical
 * form, signs it with SigV4, sends it with libcurl and retries transport errors, 5xx, 429 and
 * throttling with exponential back-off. Below s3_storage.c, which maps files onto objects. */
#include "s3_client.h"

#include "s3_xml.h"

#include <ferry/log.h>

#include <curl/curl.h>
#include <pthread.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct s3_client {
        s3_client_config_t cfg;
        char *base_url;  /* scheme://host[:port] */
        char *host;      /* Host header */
        char *base_path; /* "/bucket" (path style) or "" */
        char *bucket, *region, *access_key, *secret_key, *session_token, *acl, *sse, *sse_kms;
        bool conditional;
        CURL *curl;
        pthread_mutex_t creds_lock; /* the keys, renewed by the web-identity refresher */
};

static char *dup_or_null(const char *s)
{
        return s && *s ? strdup(s) : NULL;
}

s3_client_t *s3_client_new(const s3_client_config_t *cfg, char *errstr, size_t errstr_size)
{
        s3_client_t *c = calloc(1, sizeof *c);
        if (!c)
                goto oom;
        c->cfg = *cfg;
        pthread_mutex_init(&c->creds_lock, NULL);
        c->bucket = strdup(cfg->bucket);
        c->region = strdup(cfg->region && *cfg->region ? cfg->region : "us-west-2");
        c->access_key = strdup(cfg->access_key ? cfg->access_key : "");
        c->secret_key = strdup(cfg->secret_key ? cfg->secret_key : "");
        c->session_token = dup_or_null(cfg->session_token);
        c->acl = dup_or_null(cfg->acl);
        c->sse = dup_or_null(cfg->sse);
        c->sse_kms = dup_or_null(cfg->sse_kms_key_id);
        c->conditional = cfg->conditional;
        if (!c->bucket || !c->region || !c->access_key || !c->secret_key)
                goto oom;
        ferry_buf_t b;
        ferry_buf_init(&b);
        const char *url = cfg->store_url;
        char aws[256];
        if (!url || !*url) {
                snprintf(aws, sizeof aws, "https://s3.%s.amazonaws.com", c->region);
                url = aws;
        }
        const char *sep = strstr(url, "://");
        if (!sep) {
                snprintf(errstr, errstr_size, "store.url: \"%s\" is not a URL (http://host:port)", url);
                s3_client_free(c);
                return NULL;
        }
        const char *hs = sep + 3;
        size_t hl = strcspn(hs, "/");
        if (cfg->path_style) {
                ferry_buf_printf(&b, "%.*s", (int)(hs + hl - url), url);
                c->base_url = ferry_buf_steal(&b);
                ferry_buf_init(&b);
                ferry_buf_printf(&b, "%.*s", (int)hl, hs);
                c->host = ferry_buf_steal(&b);
                ferry_buf_init(&b);
                ferry_buf_puts(&b, "/");
                s3_uri_encode(&b, c->bucket, strlen(c->bucket), 0);
                c->base_path = ferry_buf_steal(&b);
        } else {
                ferry_buf_printf(&b, "%.*s%s.%.*s", (int)(hs - url), url, c->bucket, (int)hl, hs);
                c->base_url = ferry_buf_steal(&b);
                ferry_buf_init(&b);
                ferry_buf_printf(&b, "%s.%.*s", c->bucket, (int)hl, hs);
                c->host = ferry_buf_steal(&b);
                c->base_path = strdup("");
        }
        if (!c->base_url || !c->host || !c->base_path || !(c->curl = curl_easy_init()))
                goto oom;
        return c;
oom:
        snprintf(errstr, errstr_size, "out of memory");
        s3_client_free(c);
        return NULL;
}

void s3_client_free(s3_client_t *c)
{
        if (!c)
                return;
        if (c->curl)
                curl_easy_cleanup(c->curl);
        if (c->secret_key)
                memset(c->secret_key, 0, strlen(c->secret_key));
        free(c->base_url);
        free(c->host);
        free(c->base_path);
        free(c->bucket);
        free(c->region);
        free(c->access_key);
        free(c->secret_key);
        free(c->session_token);
        free(c->acl);
        free(c->sse);
        free(c->sse_kms);
        pthread_mutex_destroy(&c->creds_lock);
        free(c);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
        ferry_buf_t *b = ud;
        return ferry_buf_append(b, p, size * n) == 0 ? size * n : 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
        s3_resp_t *r = ud;
        size_t len = size * n;
        if (len > 5 && strncasecmp(p, "etag:", 5) == 0) {
                const char *v = p + 5;
                size_t vl = len - 5;
                while (vl && (*v == ' ' || *v == '\t'))
                        v++, vl--;
                while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
                        vl--;
                if (vl < sizeof r->etag) {
                        memcpy(r->etag, v, vl);
                        r->etag[vl] = '\0';
                }
        }
        return len;
}

void s3_error_text(long status, const char *body, size_t len, char *out, size_t out_size)
{
        char *code = body ? s3_xml_text(body, len, "Code") : NULL;
        char *msg = body ? s3_xml_text(body, len, "Message") : NULL;
        const char *reason = status == 403   ? "Forbidden"
                             : status == 404 ? "Not Found"
                             : status == 412 ? "Precondition Failed"
                             : status >= 500 ? "Server Error"
                                             : "Error";
        snprintf(out, out_size, "%ld %s%s%s%s", status, code ? code : reason, msg ? ": " : "", msg ? msg : "",
                 "");
        free(code);
        free(msg);
}

static void sleep_ms(int64_t ms)
{
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
}

bool s3_resp_retriable(long s, const ferry_buf_t *body)
{
        /* 501 NotImplemented names a header the store will never take (it is no outage). */
        if ((s >= 500 && s != 501) || s == 429 || s == 408)
                return true;
        if (s == 400 && body->p) {
                char *code = s3_xml_text(body->p, body->len, "Code");
                bool r = code && (strcmp(code, "RequestTimeout") == 0 || strcmp(code, "SlowDown") == 0);
                free(code);
                return r;
        }
        return false;
}

int64_t s3_client_backoff_ms(const s3_client_t *c, int attempt)
{
        int shift = attempt - 1 < 10 ? attempt - 1 : 10;
        int64_t wait = c->cfg.backoff_ms * ((int64_t)1 << shift);
        return wait > 20000 ? 20000 : wait;
}

int s3_client_retries(const s3_client_t *c)
{
        return c->cfg.retries;
}

void s3_client_set_creds(s3_client_t *c, const char *access_key, const char *secret_key,
                         const char *session_token)
{
        char *ak = strdup(access_key ? access_key : ""), *sk = strdup(secret_key ? secret_key : "");
        char *tok = dup_or_null(session_token);
        if (!ak || !sk || (session_token && *session_token && !tok)) {
                free(ak);
                free(sk);
                free(tok);
                FERRY_WARN("S3: out of memory renewing the credentials; keeping the old ones");
                return;
        }
        pthread_mutex_lock(&c->creds_lock);
        if (c->secret_key)
                memset(c->secret_key, 0, strlen(c->secret_key));
        free(c->access_key);
        free(c->secret_key);
        free(c->session_token);
        c->access_key = ak;
        c->secret_key = sk;
        c->session_token = tok;
        pthread_mutex_unlock(&c->creds_lock);
}

int s3_client_prepare(s3_client_t *c, void *easy, const char *method, const char *key, const char *query,
                      const void *body, size_t len, const char *sha, const s3_header_t *extra, size_t n_extra,
                      s3_resp_t *resp, struct curl_slist **headers)
{
        ferry_buf_t path, url, auth, hdr;
        ferry_buf_init(&path);
        ferry_buf_init(&url);
        ferry_buf_init(&auth);
        ferry_buf_init(&hdr);
        ferry_buf_puts(&path, c->base_path);
        if (key) {
                ferry_buf_putc(&path, '/');
                s3_uri_encode(&path, key, strlen(key), 1);
        } else if (!*c->base_path) {
                ferry_buf_putc(&path, '/');
        }
        ferry_buf_printf(&url, "%s%s%s%s", c->base_url, path.p, query && *query ? "?" : "",
                         query ? query : "");
        char own_sha[65];
        if (!sha) {
                s3_sha256_hex(body ? body : "", len, own_sha);
                sha = own_sha;
        }
        char date[17];
        s3_amz_date(time(NULL), date);
        pthread_mutex_lock(&c->creds_lock);
        s3_sigv4_req_t sr = {
                .method = method,
                .host = c->host,
                .path = path.p,
                .query = query ? query : "",
                .payload_sha256 = sha,
                .amz_date = date,
                .region = c->region,
                .service = "s3",
                .access_key = c->access_key,
                .secret_key = c->secret_key,
                .session_token = c->session_token,
                .headers = extra,
                .n_headers = n_extra,
        };
        int rc = path.p && url.p ? s3_sigv4_authorization(&sr, &auth, NULL) : -1;
        struct curl_slist *hl = NULL;
        if (rc == 0) {
                ferry_buf_printf(&hdr, "Authorization: %s", auth.p);
                hl = curl_slist_append(hl, hdr.p);
                ferry_buf_reset(&hdr);
                ferry_buf_printf(&hdr, "x-amz-date: %s", date);
                hl = curl_slist_append(hl, hdr.p);
                ferry_buf_reset(&hdr);
                ferry_buf_printf(&hdr, "x-amz-content-sha256: %s", sha);
                hl = curl_slist_append(hl, hdr.p);
                if (c->session_token) {
                        ferry_buf_reset(&hdr);
                        ferry_buf_printf(&hdr, "x-amz-security-token: %s", c->session_token);
                        hl = curl_slist_append(hl, hdr.p);
                }
        }
        pthread_mutex_unlock(&c->creds_lock);
        if (rc == 0) {
                for (size_t i = 0; i < n_extra; i++) {
                        ferry_buf_reset(&hdr);
                        ferry_buf_printf(&hdr, "%s: %s", extra[i].name, extra[i].value);
                        hl = curl_slist_append(hl, hdr.p);
                }
                hl = curl_slist_append(hl, "Expect:");
                hl = curl_slist_append(hl, "Content-Type: application/octet-stream");
                CURL *h = easy;
                curl_easy_reset(h);
                curl_easy_setopt(h, CURLOPT_URL, url.p);
                curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
                curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
                curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
                curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
                curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
                if (strcmp(method, "HEAD") == 0) {
                        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
                } else if (body || strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0) {
                        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
                        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
                        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
                } else {
                        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
                }
                ferry_buf_reset(&resp->body);
                resp->etag[0] = '\0';
                resp->status = 0;
                curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
                curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp->body);
                curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
                curl_easy_setopt(h, CURLOPT_HEADERDATA, resp);
        }
        *headers = hl;
        ferry_buf_free(&path);
        ferry_buf_free(&url);
        ferry_buf_free(&auth);
        ferry_buf_free(&hdr);
        return rc;
}

/* One signed request with retries. key: the object key (NULL: the bucket); query: canonical.
 * FERRY_ERR_OK for any HTTP answer that is not retried (check resp->status). */
static ferry_err_t request(s3_client_t *c, const char *method, const char *key, const char *query,
                           const void *body, size_t len, const s3_header_t *extra, size_t n_extra,
                           s3_resp_t *resp, char *errstr, size_t errstr_size)
{
        char sha[65];
        s3_sha256_hex(body ? body : "", len, sha);
        ferry_err_t err = FERRY_ERR_RETRIABLE;
        char last[512] = "";
        for (int attempt = 0; attempt <= c->cfg.retries; attempt++) {
                if (attempt)
                        sleep_ms(s3_client_backoff_ms(c, attempt));
                struct curl_slist *hl = NULL;
                if (s3_client_prepare(c, c->curl, method, key, query, body, len, sha, extra, n_extra, resp,
                                      &hl) != 0) {
                        curl_slist_free_all(hl);
                        snprintf(errstr, errstr_size, "out of memory");
                        err = FERRY_ERR_FATAL;
                        break;
                }
                CURLcode rc = curl_easy_perform(c->curl);
                curl_slist_free_all(hl);
                if (rc != CURLE_OK) {
                        snprintf(last, sizeof last, "%s %s: %s", method, key ? key : c->bucket,
                                 curl_easy_strerror(rc));
                        continue;
                }
                curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &resp->status);
                if (s3_resp_retriable(resp->status, &resp->body)) {
                        char et[300];
                        s3_error_text(resp->status, resp->body.p, resp->body.len, et, sizeof et);
                        snprintf(last, sizeof last, "%s %s: %s", method, key ? key : c->bucket, et);
                        continue;
                }
                err = FERRY_ERR_OK;
                break;
        }
        if (err == FERRY_ERR_RETRIABLE)
                snprintf(errstr, errstr_size, "%s (after %d attempts)", last, c->cfg.retries + 1);
        return err;
}

static ferry_err_t fail(const char *what, const char *key, const s3_resp_t *r, char *errstr,
                        size_t errstr_size)
{
        char et[400];
        s3_error_text(r->status, r->body.p, r->body.len, et, sizeof et);
        snprintf(errstr, errstr_size, "S3 %s %s: %s", what, key ? key : "", et);
        return FERRY_ERR_FATAL;
}

ferry_err_t s3_check_bucket(s3_client_t *c, char *errstr, size_t errstr_size)
{
        s3_resp_t r = {0};
        ferry_err_t e =
                request(c, "GET", NULL, "list-type=2&max-keys=1", NULL, 0, NULL, 0, &r, errstr, errstr_size);
        if (e == FERRY_ERR_OK && r.status / 100 != 2) {
                char et[400];
                s3_error_text(r.status, r.body.p, r.body.len, et, sizeof et);
                snprintf(errstr, errstr_size, "S3 bucket %s: %s", c->bucket, et);
                e = FERRY_ERR_FATAL;
        }
        ferry_buf_free(&r.body);
        return e;
}

static size_t object_headers(s3_client_t *c, s3_header_t *h, bool conditional)
{
        size_t n = 0;
        if (conditional && c->conditional)
                h[n++] = (s3_header_t){"if-none-match", "*"};
        if (c->acl)
                h[n++] = (s3_header_t){"x-amz-acl", c->acl};
        if (c->sse)
                h[n++] = (s3_header_t){"x-amz-server-side-encryption", c->sse};
        if (c->sse && c->sse_kms)
                h[n++] = (s3_header_t){"x-amz-server-side-encryption-aws-kms-key-id", c->sse_kms};
        return n;
}

/* 501 NotImplemented to a conditional write: maybe the store has no conditional writes, maybe it
 * refuses another header (s3proxy answers 501 to x-amz-acl bucket-owner-full-control and to
 * x-amz-server-side-encryption). True: send the request again without If-None-Match; *dropped
 * records that conditional_settle decides on once that answer is in. */
static bool drop_conditional(s3_client_t *c, const s3_resp_t *r, bool *dropped)
{
        if (!c->conditional || r->status != 501)
                return false;
        c->conditional = false;
        *dropped = true;
        return true;
}

/* After a request sent again without If-None-Match: it succeeded, so the store lacks conditional
 * writes and they stay off; it failed as well, so the 501 was about something else and they are
 * kept. */
static void conditional_settle(s3_client_t *c, bool dropped, ferry_err_t e, const s3_resp_t *r)
{
        if (!dropped)
                return;
        if (e == FERRY_ERR_OK && r->status / 100 == 2)
                FERRY_WARN(
                        "S3: the store does not support conditional writes (If-None-Match); writing without "
                        "them");
        else
                c->conditional = true;
}

ferry_err_t s3_put_object(s3_client_t *c, const char *key, const void *data, size_t len, bool *exists,
                          char *errstr, size_t errstr_size)
{
        s3_resp_t r = {0};
        s3_header_t h[4];
        ferry_err_t e;
        bool dropped = false;
        *exists = false;
        do {
                size_t n = object_headers(c, h, true);
                e = request(c, "PUT", key, "", data, len, h, n, &r, errstr, errstr_size);
        } while (e == FERRY_ERR_OK && drop_conditional(c, &r, &dropped));
        conditional_settle(c, dropped, e, &r);
        if (e == FERRY_ERR_OK && r.status == 412)
                *exists = true;
        else if (e == FERRY_ERR_OK && r.status / 100 != 2)
                e = fail("PUT", key, &r, errstr, errstr_size);
        ferry_buf_free(&r.body);
        return e;
}

ferry_err_t s3_mpu_create(s3_client_t *c, const char *key, char **upload_id, char *errstr, size_t errstr_size)
{
        s3_resp_t r = {0};
        s3_header_t h[4];
        size_t n = object_headers(c, h, false);
        *upload_id = NULL;
        ferry_err_t e = request(c, "POST", key, "uploads=", NULL, 0, h, n, &r, errstr, errstr_size);
        if (e == FERRY_ERR_OK && r.status / 100 != 2)
                e = fail("CreateMultipartUpload", key, &r, errstr, errstr_size);
        if (e == FERRY_ERR_OK &&
            !(*upload_id = s3_xml_text(r.body.p ? r.body.p : "", r.body.len, "UploadId"))) {
                snprintf(errstr, errstr_size, "S3 CreateMultipartUpload %s: no UploadId in the answer", key);
                e = FERRY_ERR_RETRIABLE;
        }
        ferry_buf_free(&r.body);
        return e;
}

char *s3_upload_query(const char *part, const char *upload_id)
{
        ferry_buf_t q;
        ferry_buf_init(&q);
        if (part)
                ferry_buf_printf(&q, "partNumber=%s&", part);
        ferry_buf_puts(&q, "uploadId=");
        s3_uri_encode(&q, upload_id, strlen(upload_id), 0);
        return q.p ? ferry_buf_steal(&q) : NULL;
}

ferry_err_t s3_mpu_part(s3_client_t *c, const char *key, const char *upload_id, int part, const void *data,
                        size_t len, char etag[128], char *errstr, size_t errstr_size)
{
        char pn[16];
        snprintf(pn, sizeof pn, "%d", part);
        char *q = s3_upload_query(pn, upload_id);
        if (!q) {
                snprintf(errstr, errstr_size, "out of memory");
                return FERRY_ERR_FATAL;
        }
        s3_resp_t r = {0};
        ferry_err_t e = request(c, "PUT", key, q, data, len, NULL, 0, &r, errstr, errstr_size);
        if (e == FERRY_ERR_OK && r.status / 100 != 2)
                e = fail("UploadPart", key, &r, errstr, errstr_size);
        if (e == FERRY_ERR_OK) {
                if (!r.etag[0]) {
                        snprintf(errstr, errstr_size, "S3 UploadPart %s: no ETag in the answer", key);
                        e = FERRY_ERR_RETRIABLE;
                } else {
                        memcpy(etag, r.etag, sizeof r.etag);
                }
        }
        free(q);
        ferry_buf_free(&r.body);
        return e;
}

static bool object_exists(s3_client_t *c, const char *key)
{
        s3_resp_t r = {0};
        char err[512];
        bool ok = request(c, "HEAD", key, "", NULL, 0, NULL, 0, &r, err, sizeof err) == FERRY_ERR_OK &&
                  r.status == 200;
        ferry_buf_free(&r.body);
        return ok;
}

ferry_err_t s3_mpu_complete(s3_client_t *c, const char *key, const char *upload_id, char (*etags)[128],
                            int n_parts, bool *exists, char *errstr, size_t errstr_size)
{
        char *q = s3_upload_query(NULL, upload_id);
        ferry_buf_t body;
        ferry_buf_init(&body);
        ferry_buf_puts(&body, "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
        for (int i = 0; i < n_parts; i++) {
                ferry_buf_printf(&body, "<Part><PartNumber>%d</PartNumber><ETag>", i + 1);
                for (const char *p = etags[i]; *p; p++)
                        ferry_buf_puts(&body, *p == '"'   ? "&quot;"
                                              : *p == '&' ? "&amp;"
                                              : *p == '<' ? "&lt;"
                                                          : (char[]){*p, 0});
                ferry_buf_puts(&body, "</ETag></Part>");
        }
        ferry_buf_puts(&body, "</CompleteMultipartUpload>");
        *exists = false;
        if (!q || !body.p) {
                free(q);
                ferry_buf_free(&body);
                snprintf(errstr, errstr_size, "out of memory");
                return FERRY_ERR_FATAL;
        }
        s3_resp_t r = {0};
        s3_header_t h[1];
        ferry_err_t e;
        bool dropped = false;
        do {
                size_t n = c->conditional ? 1 : 0;
                h[0] = (s3_header_t){"if-none-match", "*"};
                e = request(c, "POST", key, q, body.p, body.len, h, n, &r, errstr, errstr_size);
        } while (e == FERRY_ERR_OK && drop_conditional(c, &r, &dropped));
        conditional_settle(c, dropped, e, &r);
        if (e == FERRY_ERR_OK && r.status == 412) {
                *exists = true;
        } else if (e == FERRY_ERR_OK && r.status == 404 && object_exists(c, key)) {
                /* NoSuchUpload after a retry: the first attempt completed it (its answer was lost). */
                *exists = true;
        } else if (e == FERRY_ERR_OK && r.status / 100 != 2) {
                e = fail("CompleteMultipartUpload", key, &r, errstr, errstr_size);
        } else if (e == FERRY_ERR_OK && r.body.p && s3_xml_root_is(r.body.p, r.body.len, "Error")) {
                /* S3 may answer 200 and report the failure in the body. */
                char et[400];
                s3_error_text(r.status, r.body.p, r.body.len, et, sizeof et);
                snprintf(errstr, errstr_size, "S3 CompleteMultipartUpload %s: %s", key, et);
                e = FERRY_ERR_RETRIABLE;
        }
        free(q);
        ferry_buf_free(&body);
        ferry_buf_free(&r.body);
        return e;
}

void s3_mpu_abort(s3_client_t *c, const char *key, const char *upload_id)
{
        char *q = s3_upload_query(NULL, upload_id);
        char err[512];
        s3_resp_t r = {0};
        if (q && request(c, "DELETE", key, q, NULL, 0, NULL, 0, &r, err, sizeof err) != FERRY_ERR_OK)
                FERRY_WARN("S3: cannot abort the multipart upload of %s: %s", key, err);
        free(q);
        ferry_buf_free(&r.body);
}
