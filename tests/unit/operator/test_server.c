/* Unit tests for operator/src/server.c, the libwebsockets probes server, asked through the
 * operator's own libcurl client: /healthz and /livez answer 200, /readyz 503 while no informer has
 * synced, /metrics the Prometheus text of metrics.c, anything else (and other methods) 404; a taken
 * port or a bad address fails the start with a message. */
#include "kube/curl.h"
#include "operator.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static long get(kube_http_t *h, int port, const char *method, const char *path, char **body)
{
        char url[128], err[256] = "";
        snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
        kube_http_req_t rq = {.method = method, .url = url, .timeout_ms = 5000};
        kube_http_resp_t resp;
        cr_assert_eq(kube_http_do(h, &rq, &resp, err, sizeof(err)), 0, "%s %s: %s", method, path, err);
        long status = resp.status;
        if (body) {
                *body = resp.body;
                resp.body = NULL;
        }
        kube_http_resp_clear(&resp);
        return status;
}

Test(server, probes_and_metrics)
{
        op_ctx_t ctx = {0};
        atomic_store(&ctx.m.connect_get, 7);
        char err[256] = "";
        struct op_http *srv = op_http_start(&ctx, "127.0.0.1:0", err, sizeof(err));
        cr_assert_not_null(srv, "%s", err);
        int port = op_http_port(srv);
        cr_assert_gt(port, 0);
        kube_http_t *h = kube_http_new(NULL, 1);
        char *body = NULL;
        cr_assert_eq(get(h, port, "GET", "/healthz", &body), 200);
        cr_assert_str_eq(body, "ok\n");
        free(body);
        cr_assert_eq(get(h, port, "GET", "/livez?verbose", NULL), 200);
        cr_assert_eq(get(h, port, "GET", "/readyz", &body), 503);
        cr_assert_str_eq(body, "informers not synced\n");
        free(body);
        cr_assert_eq(get(h, port, "GET", "/metrics", &body), 200);
        cr_assert(strstr(body, "ferry_operator_connect_requests_total{call=\"get\"} 7\n"), "%s", body);
        cr_assert(strstr(body, "process_resident_memory_bytes "), "%s", body);
        free(body);
        cr_assert_eq(get(h, port, "GET", "/nope", NULL), 404);
        cr_assert_eq(get(h, port, "DELETE", "/healthz", NULL), 404);

        /* The port is taken now. */
        char addr[64];
        snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
        cr_assert_null(op_http_start(&ctx, addr, err, sizeof(err)));
        cr_assert(strstr(err, "cannot listen"), "%s", err);
        cr_assert_null(op_http_start(&ctx, "127.0.0.1:http", err, sizeof(err)));
        cr_assert(strstr(err, "expected [HOST]:PORT"), "%s", err);
        kube_http_free(h);
        op_http_stop(srv);
}
