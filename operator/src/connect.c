/* The Connect REST client: every call the KafkaConnector reconciler makes to a Connect cluster
 * (GET config/status/topics, POST create/restart, PUT config/pause/resume/stop, DELETE) goes through
 * op_connect_call, with a hard timeout so a hung worker delays only the connector being reconciled.
 * Counts each call in the operator's metrics. */
#include "operator.h"

#include <ferry/log.h>

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct buf {
        char *p;
        size_t len;
};

static size_t collect(char *ptr, size_t size, size_t nmemb, void *u)
{
        struct buf *b = u;
        size_t n = size * nmemb;
        char *np = realloc(b->p, b->len + n + 1);
        if (!np)
                return 0;
        memcpy(np + b->len, ptr, n);
        b->p = np;
        b->len += n;
        b->p[b->len] = '\0';
        return n;
}

void op_rest_clear(op_rest_t *res)
{
        if (res->body)
                json_object_put(res->body);
        memset(res, 0, sizeof(*res));
}

void op_url_segment(char *out, size_t len, const char *in)
{
        static const char hex[] = "0123456789ABCDEF";
        size_t n = 0;
        for (; *in && n + 4 < len; in++) {
                unsigned char ch = (unsigned char)*in;
                if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                    ch == '-' || ch == '.' || ch == '_' || ch == '~') {
                        out[n++] = (char)ch;
                } else {
                        out[n++] = '%';
                        out[n++] = hex[ch >> 4];
                        out[n++] = hex[ch & 15];
                }
        }
        out[n] = '\0';
}

static void count(op_ctx_t *ctx, const char *method, const char *path)
{
        if (!strcmp(method, "GET"))
                atomic_fetch_add(&ctx->m.connect_get, 1);
        else if (!strcmp(method, "DELETE"))
                atomic_fetch_add(&ctx->m.connect_delete, 1);
        else if (strstr(path, "/restart"))
                atomic_fetch_add(&ctx->m.connect_restart, 1);
        else if (!strcmp(method, "POST"))
                atomic_fetch_add(&ctx->m.connect_post, 1);
        else if (!strcmp(method, "PUT") && strstr(path, "/config"))
                atomic_fetch_add(&ctx->m.connect_put_config, 1);
        else
                atomic_fetch_add(&ctx->m.connect_put_state, 1);
}

static int call(op_ctx_t *ctx, const char *base, const char *method, const char *path, json_object *body,
                long timeout_ms, op_rest_t *res)
{
        memset(res, 0, sizeof(*res));
        CURL *h = curl_easy_init();
        if (!h) {
                snprintf(res->err, sizeof(res->err), "curl init failed");
                return -1;
        }
        size_t ulen = strlen(base) + strlen(path) + 1;
        char *url = malloc(ulen);
        if (!url) {
                curl_easy_cleanup(h);
                return -1;
        }
        snprintf(url, ulen, "%s%s", base, path);
        struct curl_slist *hdrs = curl_slist_append(NULL, "Accept: application/json");
        const char *payload = body ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN) : NULL;
        /* Without a body, no Content-Type at all (curl would send a form type). */
        hdrs = curl_slist_append(hdrs, payload ? "Content-Type: application/json" : "Content-Type:");
        struct buf b = {0};
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 5000 ? timeout_ms : 5000L);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
        if (payload) {
                curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload);
                curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(payload));
        } else if (!strcmp(method, "PUT") || !strcmp(method, "POST")) {
                curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
                curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
        }
        CURLcode rc = curl_easy_perform(h);
        int ret = 0;
        if (rc != CURLE_OK) {
                snprintf(res->err, sizeof(res->err), "%s %s%s: %s", method, base, path,
                         curl_easy_strerror(rc));
                atomic_fetch_add(&ctx->m.connect_errors, 1);
                ret = -1;
        } else {
                curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->status);
                FERRY_DEBUG("Connect %s %s%s: HTTP %ld", method, base, path, res->status);
                if (b.len)
                        res->body = json_tokener_parse(b.p);
                if (res->status >= 300) {
                        const char *msg = kube_str(res->body, "message");
                        snprintf(res->err, sizeof(res->err), "%s %s: HTTP %ld: %s", method, path, res->status,
                                 msg ? msg : (b.p ? b.p : ""));
                }
        }
        free(b.p);
        free(url);
        curl_slist_free_all(hdrs);
        curl_easy_cleanup(h);
        return ret;
}

int op_connect_call(op_ctx_t *ctx, const char *base, const char *method, const char *path, json_object *body,
                    op_rest_t *res)
{
        count(ctx, method, path);
        return call(ctx, base, method, path, body, ctx->opt.connect_timeout_ms, res);
}

int op_connect_call_timeout(op_ctx_t *ctx, const char *base, const char *method, const char *path,
                            json_object *body, long timeout_ms, op_rest_t *res)
{
        return call(ctx, base, method, path, body, timeout_ms, res);
}
