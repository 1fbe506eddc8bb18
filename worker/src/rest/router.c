/* The REST router: every request, whatever brought it (server.c from a socket, the fuzz target from
 * bytes), passes here. In order: HTTP basic authentication (when a credentials file is configured),
 * the body size limit, path splitting and percent-decoding, route matching over the resource
 * tables (404 unknown path, 405 known path with another method), the media type (415) and JSON
 * parsing of the body (400 naming the problem), then the resource handler. Also the helpers the
 * handlers share: query parameters, replies and the herder-result-to-status mapping. */
#include "rest/api.h"

#include "core/log_levels.h"

#include <ferry/log.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_SEGMENTS 16

struct ferry_rest_api {
        ferry_worker_t *w;
        ferry_herder_t *h;
        ferry_strmap_t users; /* user -> password; empty: no authentication */
        bool auth;
        ferry_log_levels_t *loggers;
};

static const ferry_rest_route_t *const route_tables[] = {
        ferry_rest_root_routes,   ferry_rest_connector_routes, ferry_rest_plugin_routes,
        ferry_rest_logger_routes, ferry_rest_metrics_routes,   ferry_rest_departure_routes,
};

static int load_credentials(ferry_strmap_t *users, const char *path, char *errstr, size_t errstr_size)
{
        FILE *fp = fopen(path, "r");
        if (!fp) {
                snprintf(errstr, errstr_size, "rest.basic.auth.credentials.file: %s: %m", path);
                return -1;
        }
        char line[4096];
        int lineno = 0, rc = 0;
        while (rc == 0 && fgets(line, sizeof(line), fp)) {
                lineno++;
                size_t n = strcspn(line, "\r\n");
                line[n] = '\0';
                char *p = line;
                while (*p == ' ' || *p == '\t')
                        p++;
                if (!*p || *p == '#')
                        continue;
                char *colon = strchr(p, ':');
                if (!colon || colon == p) {
                        snprintf(errstr, errstr_size,
                                 "rest.basic.auth.credentials.file: %s:%d: expected user:password", path,
                                 lineno);
                        rc = -1;
                        break;
                }
                *colon = '\0';
                ferry_strmap_set(users, p, colon + 1);
        }
        fclose(fp);
        if (rc == 0 && users->n == 0) {
                snprintf(errstr, errstr_size, "rest.basic.auth.credentials.file: %s: no credentials", path);
                rc = -1;
        }
        return rc;
}

ferry_rest_api_t *ferry_rest_api_new(ferry_worker_t *w, ferry_herder_t *h, const char *credentials_file,
                                     char *errstr, size_t errstr_size)
{
        ferry_rest_api_t *api = calloc(1, sizeof(*api));
        if (!api) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        api->w = w;
        api->h = h;
        ferry_strmap_init(&api->users);
        if (credentials_file && *credentials_file) {
                if (load_credentials(&api->users, credentials_file, errstr, errstr_size) < 0) {
                        ferry_strmap_free(&api->users);
                        free(api);
                        return NULL;
                }
                api->auth = true;
        }
        api->loggers = ferry_log_levels_new();
        if (!api->loggers) {
                ferry_rest_api_free(api);
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        return api;
}

void ferry_rest_api_free(ferry_rest_api_t *api)
{
        if (!api)
                return;
        ferry_strmap_free(&api->users);
        ferry_log_levels_free(api->loggers);
        free(api);
}

bool ferry_rest_api_has_auth(const ferry_rest_api_t *api)
{
        return api->auth;
}

ferry_log_levels_t *ferry_rest_api_loggers(ferry_rest_api_t *api)
{
        return api->loggers;
}

void ferry_rest_response_free(ferry_rest_response_t *resp)
{
        free(resp->body);
        free(resp->location);
        memset(resp, 0, sizeof(*resp));
}

static void response_verror(ferry_rest_response_t *resp, int status, const char *fmt, va_list ap)
{
        char msg[8192];
        vsnprintf(msg, sizeof(msg), fmt, ap);
        ferry_jw_t j;
        ferry_jw_init(&j);
        ferry_jw_obj(&j);
        ferry_jw_key(&j, "error_code");
        ferry_jw_int(&j, status);
        ferry_jw_kv(&j, "message", msg);
        ferry_jw_end_obj(&j);
        free(resp->body);
        resp->status = status;
        resp->body_len = j.b.len;
        resp->body = ferry_buf_steal(&j.b);
}

void ferry_rest_response_error(ferry_rest_response_t *resp, int status, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        response_verror(resp, status, fmt, ap);
        va_end(ap);
}

void ferry_rest_error(ferry_rest_call_t *c, int status, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        response_verror(c->resp, status, fmt, ap);
        va_end(ap);
}

void ferry_rest_reply_json(ferry_rest_call_t *c, int status, ferry_jw_t *j)
{
        free(c->resp->body);
        c->resp->status = status;
        c->resp->body_len = j->b.len;
        c->resp->body = ferry_buf_steal(&j->b);
        ferry_jw_free(j);
}

void ferry_rest_reply_text(ferry_rest_call_t *c, int status, ferry_buf_t *b, const char *content_type)
{
        free(c->resp->body);
        c->resp->status = status;
        c->resp->body_len = b->len;
        c->resp->body = ferry_buf_steal(b);
        c->resp->content_type = content_type;
}

void ferry_rest_reply_empty(ferry_rest_call_t *c, int status)
{
        free(c->resp->body);
        c->resp->body = NULL;
        c->resp->body_len = 0;
        c->resp->status = status;
}

int ferry_rest_herder_status(ferry_herder_rc_t rc)
{
        switch (rc) {
        case FERRY_HERDER_OK:
                return 200;
        case FERRY_HERDER_NOT_FOUND:
                return 404;
        case FERRY_HERDER_EXISTS:
        case FERRY_HERDER_CONFLICT:
                return 409;
        case FERRY_HERDER_INVALID:
                return 400;
        case FERRY_HERDER_ERROR:
                break;
        }
        return 500;
}

void ferry_rest_herder_error(ferry_rest_call_t *c, ferry_herder_rc_t rc, const char *errstr,
                             const char *not_found_message)
{
        int status = ferry_rest_herder_status(rc);
        const char *msg = errstr && *errstr ? errstr : NULL;
        if (rc == FERRY_HERDER_NOT_FOUND && not_found_message)
                msg = not_found_message;
        if (!msg) {
                switch (rc) {
                case FERRY_HERDER_CONFLICT:
                        msg = "Cannot complete request momentarily due to no known leader URL, likely "
                              "because a "
                              "rebalance was underway.";
                        break;
                case FERRY_HERDER_NOT_FOUND:
                        msg = "Not found";
                        break;
                default:
                        msg = "Request failed";
                }
        }
        ferry_rest_error(c, status, "%s", msg);
}

/* ---- percent-decoding and the query string ---- */

static int hexval(int c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Decodes s[0..n) (with '+' as space when plus); NULL when malformed or holding a NUL. */
static char *pct_decode(const char *s, size_t n, bool plus)
{
        char *out = malloc(n + 1), *o = out;
        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '%') {
                        int hi = i + 1 < n ? hexval((unsigned char)s[i + 1]) : -1;
                        int lo = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
                        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                                free(out);
                                return NULL;
                        }
                        *o++ = (char)(hi << 4 | lo);
                        i += 2;
                } else if (s[i] == '+' && plus) {
                        *o++ = ' ';
                } else if (s[i] == '\0') {
                        free(out);
                        return NULL;
                } else {
                        *o++ = s[i];
                }
        }
        *o = '\0';
        return out;
}

char *ferry_rest_query(const ferry_rest_call_t *c, const char *name, size_t idx)
{
        const char *q = c->req->query;
        size_t nlen = strlen(name), seen = 0;
        while (q && *q) {
                size_t len = strcspn(q, "&");
                const char *eq = memchr(q, '=', len);
                size_t klen = eq ? (size_t)(eq - q) : len;
                char *key = pct_decode(q, klen, true);
                bool match = key && strlen(key) == nlen && !memcmp(key, name, nlen);
                free(key);
                if (match && seen++ == idx)
                        return eq ? pct_decode(eq + 1, len - klen - 1, true) : strdup("");
                q += len;
                if (*q == '&')
                        q++;
        }
        return NULL;
}

bool ferry_rest_query_has(const ferry_rest_call_t *c, const char *name)
{
        char *v = ferry_rest_query(c, name, 0);
        free(v);
        return v != NULL;
}

bool ferry_rest_query_bool(const ferry_rest_call_t *c, const char *name, bool def)
{
        char *v = ferry_rest_query(c, name, 0);
        if (!v)
                return def;
        bool b = !strcasecmp(v, "true");
        free(v);
        return b;
}

/* ---- routing ---- */

typedef struct {
        char *seg[MAX_SEGMENTS];
        int n;
} segments_t;

static void segments_free(segments_t *s)
{
        for (int i = 0; i < s->n; i++)
                free(s->seg[i]);
        s->n = 0;
}

/* Splits "/a/b%2Fc/" into decoded segments ("a", "b/c"); a trailing slash is ignored. -1: an empty
 * segment ("//"), too many segments or bad encoding. */
static int split_path(const char *path, segments_t *out)
{
        out->n = 0;
        const char *p = path;
        while (*p == '/' && p[1]) {
                p++;
                size_t len = strcspn(p, "/");
                if (len == 0 || out->n == MAX_SEGMENTS)
                        goto fail;
                out->seg[out->n] = pct_decode(p, len, false);
                if (!out->seg[out->n])
                        goto fail;
                out->n++;
                p += len;
        }
        if (*p && strcmp(p, "/"))
                goto fail;
        return 0;
fail:
        segments_free(out);
        return -1;
}

/* Does the pattern match? Fills params with pointers into segs. */
static bool pattern_match(const char *pattern, const segments_t *segs, const char **params, int *n_params)
{
        int i = 0, np = 0;
        const char *p = pattern;
        while (*p) {
                while (*p == '/')
                        p++;
                if (!*p)
                        break;
                size_t len = strcspn(p, "/");
                if (i >= segs->n)
                        return false;
                if (len == 2 && p[0] == '{' && p[1] == '}') {
                        if (np < FERRY_REST_MAX_PARAMS)
                                params[np++] = segs->seg[i];
                } else if (strlen(segs->seg[i]) != len || memcmp(segs->seg[i], p, len)) {
                        return false;
                }
                i++;
                p += len;
        }
        if (i != segs->n)
                return false;
        *n_params = np;
        return true;
}

/* Does any route (whatever its method) match the segments? */
static bool any_route_matches(const segments_t *segs)
{
        for (size_t t = 0; t < sizeof(route_tables) / sizeof(route_tables[0]); t++) {
                for (const ferry_rest_route_t *r = route_tables[t]; r->method; r++) {
                        const char *pp[FERRY_REST_MAX_PARAMS];
                        int np = 0;
                        if (pattern_match(r->pattern, segs, pp, &np))
                                return true;
                }
        }
        return false;
}

/* in with segments 1..k joined by '/' into one (the connector name). -1: out of memory. */
static int join_name(const segments_t *in, int k, segments_t *out)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        for (int i = 1; i <= k; i++) {
                if (i > 1)
                        ferry_buf_putc(&b, '/');
                ferry_buf_puts(&b, in->seg[i]);
        }
        out->n = 0;
        out->seg[out->n++] = strdup(in->seg[0]);
        out->seg[out->n++] = ferry_buf_steal(&b);
        for (int i = k + 1; i < in->n; i++)
                out->seg[out->n++] = strdup(in->seg[i]);
        for (int i = 0; i < out->n; i++) {
                if (!out->seg[i]) {
                        segments_free(out);
                        return -1;
                }
        }
        return 0;
}

/* Connector names may hold '/' (REST clients send it as "%2F"), but the HTTP server hands the path
 * over decoded, so "/connectors/a%2Fb/status" arrives as "/connectors/a/b/status". Under
 * "/connectors/", each reading that takes segments 1..k as one name ("a", "a/b", ...) is a
 * candidate. One candidate matching a route is taken as is; among several, the first naming a
 * connector the herder knows wins, else the first (the plain reading): so GET .../a%2Fb/status
 * finds "a/b", and PUT .../a%2Fb/config can create it. A name ending in a route word ("x/config")
 * is read as that route on "x" unless "x/config" exists. Rewrites segs to the chosen reading. */
static void resolve_connector_name(ferry_rest_api_t *api, segments_t *segs)
{
        if (segs->n < 3 || strcmp(segs->seg[0], "connectors"))
                return;
        bool matches[MAX_SEGMENTS] = {false};
        int n_matches = 0, first = 0;
        for (int k = 1; k < segs->n; k++) {
                segments_t alt;
                if (k == 1) {
                        matches[k] = any_route_matches(segs);
                } else {
                        if (join_name(segs, k, &alt) < 0)
                                return;
                        matches[k] = any_route_matches(&alt);
                        segments_free(&alt);
                }
                if (matches[k]) {
                        n_matches++;
                        if (!first)
                                first = k;
                }
        }
        int chosen = first;
        if (n_matches > 1 && api->h && api->h->ops && api->h->ops->list) {
                size_t n = 0;
                char **names = api->h->ops->list(api->h, &n);
                bool found = false;
                for (int k = 1; k < segs->n && names && !found; k++) {
                        segments_t alt;
                        if (!matches[k] || join_name(segs, k, &alt) < 0)
                                continue;
                        for (size_t i = 0; i < n && !found; i++) {
                                if (!strcmp(names[i], alt.seg[1])) {
                                        chosen = k;
                                        found = true;
                                }
                        }
                        segments_free(&alt);
                }
                if (names)
                        ferry_strlist_free(names, n);
        }
        if (chosen > 1) {
                segments_t alt;
                if (join_name(segs, chosen, &alt) == 0) {
                        segments_free(segs);
                        *segs = alt;
                }
        }
}

static bool is_json_media_type(const char *ct)
{
        while (*ct == ' ' || *ct == '\t')
                ct++;
        size_t n = strcspn(ct, ";");
        while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
                n--;
        static const char *const ok[] = {"application/json", "application/*", "*/*", NULL};
        for (int i = 0; ok[i]; i++)
                if (strlen(ok[i]) == n && !strncasecmp(ct, ok[i], n))
                        return true;
        return false;
}

static const unsigned char b64_table[256] = {
        ['A'] = 1,  ['B'] = 2,  ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,  ['G'] = 7,  ['H'] = 8,
        ['I'] = 9,  ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16,
        ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
        ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
        ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
        ['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
        ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
        ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

/* Standard Base64 with optional padding; NULL when malformed. */
static char *b64_decode(const char *s, size_t n, size_t *out_len)
{
        while (n > 0 && s[n - 1] == '=')
                n--;
        char *out = malloc(n * 3 / 4 + 2);
        if (!out)
                return NULL;
        size_t o = 0;
        uint32_t acc = 0;
        int bits = 0;
        for (size_t i = 0; i < n; i++) {
                unsigned v = b64_table[(unsigned char)s[i]];
                if (!v) {
                        free(out);
                        return NULL;
                }
                acc = (acc << 6) | (v - 1);
                bits += 6;
                if (bits >= 8) {
                        bits -= 8;
                        out[o++] = (char)((acc >> bits) & 0xff);
                }
        }
        out[o] = '\0';
        *out_len = o;
        return out;
}

/* Compares in time that depends only on the lengths. */
static bool same_secret(const char *a, size_t alen, const char *b)
{
        size_t blen = strlen(b);
        unsigned char diff = alen != blen;
        for (size_t i = 0; i < alen; i++)
                diff |= (unsigned char)(a[i] ^ b[i < blen ? i : 0]);
        return diff == 0;
}

static bool authenticated(const ferry_rest_api_t *api, const char *header)
{
        if (!header)
                return false;
        while (*header == ' ')
                header++;
        if (strncasecmp(header, "Basic ", 6))
                return false;
        header += 6;
        while (*header == ' ')
                header++;
        size_t n = strcspn(header, " \t\r\n"), len;
        char *dec = b64_decode(header, n, &len);
        if (!dec)
                return false;
        char *colon = memchr(dec, ':', len);
        bool ok = false;
        if (colon && !memchr(dec, '\0', len)) {
                *colon = '\0';
                const char *want = ferry_strmap_get(&api->users, dec);
                if (want)
                        ok = same_secret(colon + 1, len - (size_t)(colon - dec) - 1, want);
        }
        free(dec);
        return ok;
}

static json_object *parse_body(const ferry_rest_request_t *req, char *errstr, size_t errstr_size)
{
        if (req->body_len == 0) {
                snprintf(errstr, errstr_size, "Request body is empty; expected a JSON document");
                return NULL;
        }
        if (memchr(req->body, '\0', req->body_len)) {
                snprintf(errstr, errstr_size, "Malformed JSON in request body: NUL byte");
                return NULL;
        }
        if (req->body_len > (size_t)INT32_MAX) {
                snprintf(errstr, errstr_size, "Request body too large");
                return NULL;
        }
        json_tokener *tok = json_tokener_new_ex(64);
        if (!tok) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        json_object *obj = json_tokener_parse_ex(tok, req->body, (int)req->body_len);
        enum json_tokener_error jerr = json_tokener_get_error(tok);
        size_t end = json_tokener_get_parse_end(tok);
        if (jerr == json_tokener_continue) {
                /* Everything read and the document is incomplete, or only whitespace was sent. */
                bool blank = true;
                for (size_t i = 0; i < req->body_len && blank; i++)
                        blank = isspace((unsigned char)req->body[i]);
                snprintf(errstr, errstr_size, "Malformed JSON in request body: %s",
                         blank ? "no content" : "unexpected end of input");
                json_object_put(obj);
                obj = NULL;
        } else if (jerr != json_tokener_success) {
                snprintf(errstr, errstr_size, "Malformed JSON in request body at offset %zu: %s", end,
                         json_tokener_error_desc(jerr));
                json_object_put(obj);
                obj = NULL;
        } else {
                for (size_t i = end; i < req->body_len; i++) {
                        if (!isspace((unsigned char)req->body[i])) {
                                snprintf(errstr, errstr_size,
                                         "Malformed JSON in request body at offset %zu: unexpected data "
                                         "after the "
                                         "JSON document",
                                         i);
                                json_object_put(obj);
                                obj = NULL;
                                break;
                        }
                }
        }
        json_tokener_free(tok);
        return obj;
}

static void allow_methods(char *allow, size_t size, const char *method)
{
        if (strstr(allow, method))
                return;
        size_t n = strlen(allow);
        snprintf(allow + n, size - n, "%s%s", n ? ", " : "", method);
}

void ferry_rest_handle(ferry_rest_api_t *api, const ferry_rest_request_t *req, ferry_rest_response_t *resp)
{
        memset(resp, 0, sizeof(*resp));
        if (api->auth && !authenticated(api, req->authorization)) {
                resp->auth_challenge = true;
                ferry_rest_response_error(resp, 401, "User cannot access the resource.");
                return;
        }
        if (req->body_too_large) {
                ferry_rest_response_error(resp, 413, "Request body is larger than %d bytes",
                                          FERRY_REST_MAX_BODY);
                return;
        }
        const char *path = req->path && *req->path ? req->path : "/";
        segments_t segs;
        if (path[0] != '/' || split_path(path, &segs) < 0) {
                ferry_rest_response_error(resp, path[0] != '/' ? 400 : 404, "%s",
                                          path[0] != '/' ? "HTTP 400 Bad Request" : "HTTP 404 Not Found");
                return;
        }
        resolve_connector_name(api, &segs);
        bool head = !strcmp(req->method, "HEAD");
        const char *method = head ? "GET" : req->method;
        const ferry_rest_route_t *route = NULL;
        const char *params[FERRY_REST_MAX_PARAMS] = {0};
        int n_params = 0;
        char allow[96] = "";
        for (size_t t = 0; t < sizeof(route_tables) / sizeof(route_tables[0]) && !route; t++) {
                for (const ferry_rest_route_t *r = route_tables[t]; r->method && !route; r++) {
                        const char *pp[FERRY_REST_MAX_PARAMS];
                        int np = 0;
                        if (!pattern_match(r->pattern, &segs, pp, &np))
                                continue;
                        if (strcmp(r->method, method)) {
                                allow_methods(allow, sizeof(allow), r->method);
                                if (!strcmp(r->method, "GET"))
                                        allow_methods(allow, sizeof(allow), "HEAD");
                                continue;
                        }
                        route = r;
                        memcpy(params, pp, sizeof(pp));
                        n_params = np;
                }
        }
        if (!route) {
                if (allow[0]) {
                        allow_methods(allow, sizeof(allow), "OPTIONS");
                        snprintf(resp->allow, sizeof(resp->allow), "%s", allow);
                        if (!strcmp(req->method, "OPTIONS"))
                                resp->status = 200;
                        else
                                ferry_rest_response_error(resp, 405, "HTTP 405 Method Not Allowed");
                } else {
                        ferry_rest_response_error(resp, 404, "HTTP 404 Not Found");
                }
                segments_free(&segs);
                return;
        }
        bool wants_body = route->flags & FERRY_ROUTE_BODY;
        /* Like Jersey with @Consumes(JSON): any Content-Type given must be JSON, body or not. */
        if (!(route->flags & FERRY_ROUTE_ANY_TYPE) && req->content_type && *req->content_type &&
            !is_json_media_type(req->content_type)) {
                ferry_rest_response_error(resp, 415, "HTTP 415 Unsupported Media Type");
                segments_free(&segs);
                return;
        }
        ferry_rest_call_t call = {
                .api = api,
                .w = api->w,
                .h = api->h,
                .req = req,
                .resp = resp,
                .n_params = n_params,
        };
        for (int i = 0; i < n_params; i++)
                call.params[i] = (char *)params[i];
        if (wants_body) {
                char errstr[512];
                call.body = parse_body(req, errstr, sizeof(errstr));
                if (!call.body) {
                        ferry_rest_response_error(resp, 400, "%s", errstr);
                        segments_free(&segs);
                        return;
                }
                if (!(route->flags & FERRY_ROUTE_ANY_JSON) &&
                    !json_object_is_type(call.body, json_type_object)) {
                        ferry_rest_response_error(resp, 400,
                                                  "Expected a JSON object in the request body, not %s",
                                                  json_type_to_name(json_object_get_type(call.body)));
                        json_object_put(call.body);
                        segments_free(&segs);
                        return;
                }
        }
        route->fn(&call);
        if (!resp->status)
                ferry_rest_response_error(resp, 500, "Request produced no response");
        if (head) { /* the length of the GET answer, without its body */
                free(resp->body);
                resp->body = NULL;
                resp->head = true;
        }
        json_object_put(call.body);
        segments_free(&segs);
}
