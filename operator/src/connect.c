/* The Connect REST client: every call the KafkaConnector reconciler makes to a Connect cluster
 * (GET config/status/topics, POST create/restart, PUT config/pause/resume/stop, DELETE) goes through
 * op_connect_call, with a hard timeout so a hung worker delays only the connector being reconciled.
 * Counts each call in the operator's metrics. Plain HTTP to the workers' pod IPs through the
 * operator's libcurl client (kube/curl.c), one connection per call. */
#include "operator.h"

#include <ferry/log.h>

#include "kube/curl.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static kube_http_t *http;

static void make_http(void)
{
        http = kube_http_new(NULL, 0); /* no pool: workers come and go with their pods */
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
        static pthread_once_t once = PTHREAD_ONCE_INIT;
        pthread_once(&once, make_http);
        memset(res, 0, sizeof(*res));
        size_t ulen = strlen(base) + strlen(path) + 1;
        char *url = malloc(ulen);
        if (!url || !http) {
                free(url);
                snprintf(res->err, sizeof(res->err), "%s %s%s: out of memory", method, base, path);
                atomic_fetch_add(&ctx->m.connect_errors, 1);
                return -1;
        }
        snprintf(url, ulen, "%s%s", base, path);
        const char *payload = body ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN) : NULL;
        /* Without a body, no Content-Type at all; PUT and POST still send an empty one. */
        const char *hdrs[] = {"Accept: application/json", payload ? "Content-Type: application/json" : NULL,
                              NULL};
        kube_http_req_t rq = {.method = method,
                              .url = url,
                              .headers = hdrs,
                              .timeout_ms = timeout_ms,
                              .connect_timeout_ms = timeout_ms < 5000 ? timeout_ms : 5000L};
        if (payload) {
                rq.body = payload;
                rq.body_len = strlen(payload);
        } else if (!strcmp(method, "PUT") || !strcmp(method, "POST")) {
                rq.body = "";
        }
        kube_http_resp_t rp;
        char err[200];
        int ret = 0;
        if (kube_http_do(http, &rq, &rp, err, sizeof(err))) {
                snprintf(res->err, sizeof(res->err), "%s %s%s: %s", method, base, path, err);
                atomic_fetch_add(&ctx->m.connect_errors, 1);
                ret = -1;
        } else {
                res->status = rp.status;
                FERRY_DEBUG("Connect %s %s%s: HTTP %ld", method, base, path, res->status);
                if (rp.body_len)
                        res->body = json_tokener_parse(rp.body);
                if (res->status >= 300) {
                        const char *msg = kube_str(res->body, "message");
                        snprintf(res->err, sizeof(res->err), "%s %s: HTTP %ld: %s", method, path, res->status,
                                 msg ? msg : (rp.body ? rp.body : ""));
                }
        }
        kube_http_resp_clear(&rp);
        free(url);
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
