/* Reads the answers of Elasticsearch and OpenSearch (see bulk_response.h): the `_bulk` response
 * is parsed with the SDK's JSON reader and each item reduced to a status, a class and the error's
 * type and reason. Sits between the HTTP client of the Elasticsearch sink (es_http.c) and its
 * per-record error handling (es_sink.c). */
#include "bulk_response.h"

#include <ferry/buf.h>
#include <ferry/json.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ferry_value_t *get(const ferry_value_t *m, const char *key)
{
        return m && m->type == FERRY_TYPE_MAP ? ferry_map_get_str(m, key) : NULL;
}

static const char *str(const ferry_value_t *v)
{
        return v && v->type == FERRY_TYPE_STRING ? v->u.s.data : NULL;
}

static int integer(const ferry_value_t *v)
{
        if (!v)
                return 0;
        if (v->type >= FERRY_TYPE_INT8 && v->type <= FERRY_TYPE_INT64)
                return v->u.i > 0 && v->u.i < 1000 ? (int)v->u.i : 0;
        return 0;
}

es_item_class_t es_item_classify(int status, const char *type)
{
        static const char *const malformed[] = {"mapper_parsing_exception", "document_parsing_exception",
                                                "illegal_argument_exception",
                                                "action_request_validation_exception", NULL};
        if (type) {
                if (!strcmp(type, "version_conflict_engine_exception"))
                        return ES_ITEM_CONFLICT;
                for (size_t i = 0; malformed[i]; i++)
                        if (!strcmp(type, malformed[i]))
                                return ES_ITEM_MALFORMED;
                if (!strcmp(type, "es_rejected_execution_exception") ||
                    !strcmp(type, "cluster_block_exception") || !strcmp(type, "unavailable_shards_exception"))
                        return ES_ITEM_RETRY;
        }
        if (status == 409)
                return ES_ITEM_CONFLICT;
        if (status == 429 || status >= 500)
                return ES_ITEM_RETRY;
        if (type || status >= 400)
                return ES_ITEM_FAILED;
        return ES_ITEM_OK;
}

/* "reason (caused by: type: reason)" for an error object. */
static char *reason_of(const ferry_value_t *err)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        const char *r = str(get(err, "reason"));
        ferry_buf_puts(&b, r ? r : "(no reason given)");
        const ferry_value_t *cause = get(err, "caused_by");
        for (int depth = 0; cause && depth < 4; depth++) {
                const char *ct = str(get(cause, "type")), *cr = str(get(cause, "reason"));
                ferry_buf_printf(&b, " (caused by %s: %s)", ct ? ct : "?", cr ? cr : "?");
                cause = get(cause, "caused_by");
        }
        return ferry_buf_steal(&b);
}

/* True when the answer starts {"took":N,"errors":false,"items": ... as the servers write it: no
 * item failed, so none needs reading (Confluent's client looks at the same flag). */
static bool no_errors(const char *body, size_t len)
{
        static const char flag[] = "\"errors\":false,\"items\":[";
        size_t i = 0;
        while (i < len && i < 64 && body[i] != ',')
                i++;
        if (i >= len || body[i] != ',' || len < 8 || memcmp(body, "{\"took\":", 8) != 0)
                return false;
        i++;
        return len - i > sizeof(flag) + 1 && memcmp(body + i, flag, sizeof(flag) - 1) == 0 &&
               body[len - 2] == ']' && body[len - 1] == '}';
}

int es_bulk_parse(const char *body, size_t len, es_item_t *items, size_t n, char *errstr, size_t errstr_size)
{
        memset(items, 0, n * sizeof(*items));
        if (no_errors(body, len)) {
                for (size_t i = 0; i < n; i++)
                        items[i].cls = ES_ITEM_OK;
                return 0;
        }
        char perr[256];
        ferry_value_t *root = ferry_json_read(body, len, perr, sizeof(perr));
        if (!root) {
                snprintf(errstr, errstr_size, "the _bulk response is not JSON: %s", perr);
                return -1;
        }
        const ferry_value_t *arr = get(root, "items");
        if (!arr || arr->type != FERRY_TYPE_ARRAY) {
                snprintf(errstr, errstr_size, "the _bulk response has no \"items\" array");
                ferry_value_free(root);
                return -1;
        }
        if (arr->u.a.n != n) {
                snprintf(errstr, errstr_size, "the _bulk response has %zu items for %zu actions", arr->u.a.n,
                         n);
                ferry_value_free(root);
                return -1;
        }
        for (size_t i = 0; i < n; i++) {
                const ferry_value_t *it = arr->u.a.items[i];
                /* {"index"|"create"|"update"|"delete": {...}} */
                const ferry_value_t *res =
                        it && it->type == FERRY_TYPE_MAP && it->u.m.n == 1 ? it->u.m.vals[0] : NULL;
                if (!res || res->type != FERRY_TYPE_MAP) {
                        snprintf(errstr, errstr_size,
                                 "item %zu of the _bulk response is not an action result", i);
                        es_items_free(items, i);
                        ferry_value_free(root);
                        return -1;
                }
                es_item_t *e = &items[i];
                e->status = integer(get(res, "status"));
                const ferry_value_t *err = get(res, "error");
                if (err && err->type == FERRY_TYPE_MAP) {
                        const char *t = str(get(err, "type"));
                        e->error_type = strdup(t ? t : "unknown");
                        e->error_reason = reason_of(err);
                } else if (err && err->type == FERRY_TYPE_STRING) {
                        e->error_type = strdup("unknown");
                        e->error_reason = strdup(err->u.s.data);
                } else if (err) {
                        e->error_type = strdup("unknown");
                        e->error_reason = strdup("(an error without a reason)");
                }
                if (err && (!e->error_type || !e->error_reason)) {
                        snprintf(errstr, errstr_size, "out of memory");
                        es_items_free(items, i + 1);
                        ferry_value_free(root);
                        return -1;
                }
                e->cls = es_item_classify(e->status, e->error_type);
                /* A delete of a missing document answers 404 "not_found" without an error. */
                if (!err && e->status == 404)
                        e->cls = ES_ITEM_OK;
        }
        ferry_value_free(root);
        return 0;
}

void es_items_free(es_item_t *items, size_t n)
{
        for (size_t i = 0; items && i < n; i++) {
                free(items[i].error_type);
                free(items[i].error_reason);
                items[i].error_type = items[i].error_reason = NULL;
        }
}

size_t es_error_summary(const char *body, size_t len, char *out, size_t out_size)
{
        if (!out_size)
                return 0;
        out[0] = '\0';
        char perr[64];
        ferry_value_t *root = body && len ? ferry_json_read(body, len, perr, sizeof(perr)) : NULL;
        const ferry_value_t *err = get(root, "error");
        size_t tlen = 0;
        if (err && err->type == FERRY_TYPE_MAP) {
                const char *t = str(get(err, "type"));
                char *r = reason_of(err);
                snprintf(out, out_size, "%s: %s", t ? t : "unknown", r ? r : "");
                tlen = t ? strlen(t) : 0;
                free(r);
        } else if (err && err->type == FERRY_TYPE_STRING) {
                snprintf(out, out_size, "%s", err->u.s.data);
        } else if (body && len) {
                size_t n = len < 300 ? len : 300;
                snprintf(out, out_size, "%.*s", (int)n, body);
                /* No control characters in a one-line message. */
                for (char *p = out; *p; p++)
                        if ((unsigned char)*p < 0x20)
                                *p = ' ';
        }
        ferry_value_free(root);
        return tlen < out_size ? tlen : 0;
}
