/* Schema registry REST client for the AvroConverter (see registry_client.h): builds the request,
 * sends it with libcurl to the first base URL that answers, and reads the JSON answer
 * ({"id"}, {"id","version","schema"}, {"error_code","message"}). Sits between the converter's
 * schema caches and the network; called only on a cache miss. */
#include "registry_client.h"

#include <ferry/buf.h>
#include <ferry/data.h>
#include <ferry/json.h>

#include <curl/curl.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTENT_TYPE "application/vnd.schemaregistry.v1+json"

struct sr_client {
        char **urls;
        size_t n_urls, current;
        char *user_info;
        long timeout_ms;
        CURL *curl;
        struct curl_slist *headers;
        ferry_buf_t body;
        unsigned long requests;
        sr_tls_t tls;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
        curl_global_init(CURL_GLOBAL_DEFAULT);
}

static char *dup_trim_slash(const char *s)
{
        size_t n = strlen(s);
        while (n && s[n - 1] == '/')
                n--;
        char *p = malloc(n + 1);
        if (p) {
                memcpy(p, s, n);
                p[n] = '\0';
        }
        return p;
}

sr_client_t *sr_client_new(char *const *urls, size_t n_urls, const char *user_info, long timeout_ms,
                           sr_tls_t *tls)
{
        pthread_once(&curl_once, curl_init_once);
        sr_client_t *c = calloc(1, sizeof(*c));
        if (!c) {
                if (tls)
                        sr_tls_free(tls);
                return NULL;
        }
        if (tls) {
                c->tls = *tls;
                memset(tls, 0, sizeof(*tls));
        } else
                c->tls.verify_host = true;
        c->timeout_ms = timeout_ms;
        c->urls = calloc(n_urls ? n_urls : 1, sizeof(char *));
        c->curl = curl_easy_init();
        if (!c->urls || !c->curl)
                goto fail;
        for (size_t i = 0; i < n_urls; i++) {
                if (!(c->urls[i] = dup_trim_slash(urls[i])))
                        goto fail;
                c->n_urls++;
        }
        if (user_info && *user_info && !(c->user_info = strdup(user_info)))
                goto fail;
        c->headers = curl_slist_append(NULL, "Content-Type: " CONTENT_TYPE);
        if (c->headers)
                c->headers = curl_slist_append(c->headers, "Accept: " CONTENT_TYPE ", application/json");
        if (!c->headers)
                goto fail;
        ferry_buf_init(&c->body);
        return c;
fail:
        sr_client_free(c);
        return NULL;
}

void sr_client_free(sr_client_t *c)
{
        if (!c)
                return;
        for (size_t i = 0; i < c->n_urls; i++)
                free(c->urls[i]);
        free(c->urls);
        if (c->user_info) {
                memset(c->user_info, 0, strlen(c->user_info));
                free(c->user_info);
        }
        if (c->curl)
                curl_easy_cleanup(c->curl);
        curl_slist_free_all(c->headers);
        ferry_buf_free(&c->body);
        sr_tls_free(&c->tls);
        free(c);
}

unsigned long sr_requests(const sr_client_t *c)
{
        return c->requests;
}

/* The TLS settings onto a (reset) handle; blobs are copied by libcurl. */
static void apply_tls(CURL *h, const sr_tls_t *t)
{
        struct curl_blob blob = {.flags = CURL_BLOB_COPY};
        if (t->ca_pem) {
                blob.data = t->ca_pem;
                blob.len = t->ca_pem_len;
                curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
        }
        if (t->cert_pem) {
                blob.data = t->cert_pem;
                blob.len = t->cert_pem_len;
                curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &blob);
                curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
        }
        if (t->key_pem) {
                blob.data = t->key_pem;
                blob.len = t->key_pem_len;
                curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &blob);
                curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
        }
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, t->verify_host ? 2L : 0L);
}

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
        ferry_buf_t *b = ud;
        return ferry_buf_append(b, p, size * n) < 0 ? 0 : size * n;
}

/* One request: path below the base URL, body NULL for GET. On an answer, *status and *json (the
 * parsed body, may be NULL) are set and OK returned; RETRIABLE when no URL answered. */
static ferry_err_t request(sr_client_t *c, const char *path, const char *body, long *status,
                           ferry_value_t **json, char *errstr, size_t errstr_size)
{
        *json = NULL;
        char curl_err[CURL_ERROR_SIZE] = "";
        for (size_t attempt = 0; attempt < c->n_urls; attempt++) {
                size_t idx = (c->current + attempt) % c->n_urls;
                ferry_buf_t url;
                ferry_buf_init(&url);
                if (ferry_buf_printf(&url, "%s%s", c->urls[idx], path) < 0) {
                        ferry_buf_free(&url);
                        return FERRY_ERR_NOMEM;
                }
                CURL *h = c->curl;
                curl_easy_reset(h);
                ferry_buf_reset(&c->body);
                curl_easy_setopt(h, CURLOPT_URL, url.p);
                curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
                curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
                curl_easy_setopt(h, CURLOPT_WRITEDATA, &c->body);
                curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
                curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
                apply_tls(h, &c->tls);
                curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
                curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                                 c->timeout_ms < 10000 ? c->timeout_ms : 10000L);
                if (c->user_info) {
                        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
                        curl_easy_setopt(h, CURLOPT_USERPWD, c->user_info);
                }
                if (body) {
                        curl_easy_setopt(h, CURLOPT_POST, 1L);
                        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
                        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
                }
                c->requests++;
                CURLcode rc = curl_easy_perform(h);
                if (rc != CURLE_OK) {
                        snprintf(errstr, errstr_size, "schema registry %s: %s", url.p,
                                 curl_err[0] ? curl_err : curl_easy_strerror(rc));
                        ferry_buf_free(&url);
                        continue; /* the next URL */
                }
                ferry_buf_free(&url);
                c->current = idx;
                curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
                if (c->body.len) {
                        char jerr[128];
                        *json = ferry_json_read(c->body.p, c->body.len, jerr, sizeof(jerr));
                }
                return FERRY_ERR_OK;
        }
        return FERRY_ERR_RETRIABLE;
}

static bool get_int(const ferry_value_t *j, const char *key, int *out)
{
        const ferry_value_t *v = j && j->type == FERRY_TYPE_MAP ? ferry_map_get_str(j, key) : NULL;
        if (!v || v->type != FERRY_TYPE_INT64)
                return false;
        *out = (int)v->u.i;
        return true;
}

static const char *get_str(const ferry_value_t *j, const char *key)
{
        const ferry_value_t *v = j && j->type == FERRY_TYPE_MAP ? ferry_map_get_str(j, key) : NULL;
        return v && v->type == FERRY_TYPE_STRING ? v->u.s.data : NULL;
}

/* Maps a non-2xx answer to an error code with the registry's message. */
static ferry_err_t answer_error(long status, const ferry_value_t *j, const char *what, char *errstr,
                                size_t errstr_size)
{
        int code = 0;
        const char *msg = get_str(j, "message");
        get_int(j, "error_code", &code);
        snprintf(errstr, errstr_size, "%s: schema registry answered HTTP %ld%s%s%s%d", what, status,
                 msg ? ": " : "", msg ? msg : "", "; error code: ", code ? code : (int)status);
        if (status >= 500 || status == 408 || status == 429)
                return FERRY_ERR_RETRIABLE;
        if (status == 404)
                return FERRY_ERR_NOT_FOUND;
        return FERRY_ERR_CONVERSION;
}

static char *escape(sr_client_t *c, const char *s)
{
        char *e = curl_easy_escape(c->curl, s, 0);
        char *out = e ? strdup(e) : NULL;
        curl_free(e);
        return out;
}

static ferry_err_t post_schema(sr_client_t *c, const char *subject, const char *suffix, const char *schema,
                               bool normalize, long *status, ferry_value_t **j, char *errstr,
                               size_t errstr_size)
{
        char *subj = escape(c, subject);
        ferry_buf_t path, body;
        ferry_buf_init(&path);
        ferry_buf_init(&body);
        ferry_err_t err = FERRY_ERR_NOMEM;
        if (subj &&
            ferry_buf_printf(&path, "/subjects/%s%s%s", subj, suffix, normalize ? "?normalize=true" : "") ==
                    0 &&
            ferry_buf_puts(&body, "{\"schema\":") == 0 &&
            ferry_json_put_string(&body, schema, strlen(schema)) == 0 && ferry_buf_putc(&body, '}') == 0)
                err = request(c, path.p, body.p, status, j, errstr, errstr_size);
        free(subj);
        ferry_buf_free(&path);
        ferry_buf_free(&body);
        return err;
}

ferry_err_t sr_register(sr_client_t *c, const char *subject, const char *schema, bool normalize, int *id,
                        char *errstr, size_t errstr_size)
{
        long status = 0;
        ferry_value_t *j = NULL;
        ferry_err_t err =
                post_schema(c, subject, "/versions", schema, normalize, &status, &j, errstr, errstr_size);
        if (err == FERRY_ERR_OK) {
                if (status / 100 != 2)
                        err = answer_error(status, j, "Error registering Avro schema", errstr, errstr_size);
                else if (!get_int(j, "id", id))
                        err = answer_error(status, j, "Error registering Avro schema (no id)", errstr,
                                           errstr_size);
        }
        ferry_value_free(j);
        return err;
}

ferry_err_t sr_lookup(sr_client_t *c, const char *subject, const char *schema, bool normalize, int *id,
                      int *version, char *errstr, size_t errstr_size)
{
        long status = 0;
        ferry_value_t *j = NULL;
        ferry_err_t err = post_schema(c, subject, "", schema, normalize, &status, &j, errstr, errstr_size);
        if (err == FERRY_ERR_OK) {
                if (status / 100 != 2 || !get_int(j, "id", id))
                        err = answer_error(status, j, "Error retrieving Avro schema", errstr, errstr_size);
                else if (version && !get_int(j, "version", version))
                        *version = -1;
        }
        ferry_value_free(j);
        return err;
}

ferry_err_t sr_schema_by_id(sr_client_t *c, int id, char **schema, char *errstr, size_t errstr_size)
{
        char path[64];
        long status = 0;
        ferry_value_t *j = NULL;
        snprintf(path, sizeof(path), "/schemas/ids/%d", id);
        ferry_err_t err = request(c, path, NULL, &status, &j, errstr, errstr_size);
        if (err == FERRY_ERR_OK) {
                const char *s = get_str(j, "schema");
                char what[96];
                snprintf(what, sizeof(what), "Error retrieving Avro schema for id %d", id);
                if (status / 100 != 2 || !s)
                        err = answer_error(status, j, what, errstr, errstr_size);
                else if (!(*schema = strdup(s)))
                        err = FERRY_ERR_NOMEM;
        }
        ferry_value_free(j);
        return err;
}

ferry_err_t sr_latest(sr_client_t *c, const char *subject, int *id, int *version, char **schema, char *errstr,
                      size_t errstr_size)
{
        char *subj = escape(c, subject);
        ferry_buf_t path;
        ferry_buf_init(&path);
        long status = 0;
        ferry_value_t *j = NULL;
        ferry_err_t err = FERRY_ERR_NOMEM;
        if (subj && ferry_buf_printf(&path, "/subjects/%s/versions/latest", subj) == 0)
                err = request(c, path.p, NULL, &status, &j, errstr, errstr_size);
        if (err == FERRY_ERR_OK) {
                const char *s = get_str(j, "schema");
                if (status / 100 != 2 || !s || !get_int(j, "id", id))
                        err = answer_error(status, j, "Error retrieving the latest schema", errstr,
                                           errstr_size);
                else if (!(*schema = strdup(s)))
                        err = FERRY_ERR_NOMEM;
                else if (!get_int(j, "version", version))
                        *version = -1;
        }
        free(subj);
        ferry_buf_free(&path);
        ferry_value_free(j);
        return err;
}
