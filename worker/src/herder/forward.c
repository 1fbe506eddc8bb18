/* Request forwarding of distributed mode. The distributed herder calls ferry_forward() for a
 * write it may not make itself: to the leader's URL (from the assignment record) for connector
 * writes, to the owner's URL for a task restart. One blocking libcurl request per call; the remote
 * answer's status becomes the herder result (404 NOT_FOUND, 409 EXISTS or CONFLICT, 400 INVALID,
 * other failures ERROR) and its "message" the error text, so the client sees what the remote
 * worker said. */
#include "herder/forward.h"

#include <ferry/buf.h>
#include <ferry/log.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#define FORWARD_TIMEOUT_MS 85000

typedef struct {
        long status;
        ferry_buf_t body;
} fwd_resp_t;

static size_t fwd_write(char *p, size_t size, size_t n, void *data)
{
        ferry_buf_append(&((fwd_resp_t *)data)->body, p, size * n);
        return size * n;
}

static int http_call(const char *url, const char *method, const char *body, fwd_resp_t *r, char *errstr,
                     size_t errstr_size)
{
        CURL *curl = curl_easy_init();
        if (!curl)
                return -1;
        struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
        hdrs = curl_slist_append(hdrs, "Accept: application/json");
        curl_easy_setopt(curl, CURLOPT_URL, url);
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
        if (body)
                curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)FORWARD_TIMEOUT_MS);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, fwd_write);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
        CURLcode cc = curl_easy_perform(curl);
        int rc = 0;
        if (cc != CURLE_OK) {
                snprintf(errstr, errstr_size, "forwarding to %s failed: %s", url, curl_easy_strerror(cc));
                rc = -1;
        } else {
                curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
        }
        curl_slist_free_all(hdrs);
        curl_easy_cleanup(curl);
        return rc;
}

static ferry_herder_rc_t map_status(long status, fwd_resp_t *r, char *errstr, size_t errstr_size)
{
        if (status >= 200 && status < 300)
                return FERRY_HERDER_OK;
        const char *msg = NULL;
        json_object *o = r->body.p ? json_tokener_parse(r->body.p) : NULL, *m = NULL;
        if (o && json_object_object_get_ex(o, "message", &m))
                msg = json_object_get_string(m);
        snprintf(errstr, errstr_size, "%s", msg ? msg : "request forwarded to the leader failed");
        json_object_put(o);
        if (status == 404)
                return FERRY_HERDER_NOT_FOUND;
        if (status == 409)
                return strstr(errstr, "already exists") ? FERRY_HERDER_EXISTS : FERRY_HERDER_CONFLICT;
        if (status == 400)
                return FERRY_HERDER_INVALID;
        return FERRY_HERDER_ERROR;
}

ferry_herder_rc_t ferry_forward(const char *base, const char *method, const char *before, const char *name,
                                const char *after, const char *body, long *status, char *errstr,
                                size_t errstr_size)
{
        if (!base) {
                snprintf(errstr, errstr_size,
                         "Cannot complete request momentarily due to no known leader URL, likely because a "
                         "rebalance was underway.");
                return FERRY_HERDER_CONFLICT;
        }
        char *esc = curl_easy_escape(NULL, name, 0);
        char url[2600];
        snprintf(url, sizeof(url), "%s%s%s%s", base, before, esc ? esc : name, after);
        curl_free(esc);
        fwd_resp_t r = {0};
        ferry_buf_init(&r.body);
        FERRY_DEBUG("Forwarding %s %s", method, url);
        ferry_herder_rc_t rc = FERRY_HERDER_ERROR;
        if (http_call(url, method, body, &r, errstr, errstr_size) == 0) {
                if (status)
                        *status = r.status;
                rc = map_status(r.status, &r, errstr, errstr_size);
        }
        ferry_buf_free(&r.body);
        return rc;
}
