/* The REST API without sockets: a request (method, raw path and query, a few headers, body) goes in,
 * a response (status, JSON body, headers) comes out. server.c feeds it from libwebsockets on a pool
 * thread; tests/fuzz/fuzz_rest.c feeds it bytes. The router (router.c) checks authentication, the
 * media type and the JSON body, matches the declarative route tables that each resource file
 * (root.c, connectors.c, plugins.c, loggers.c) exports and calls the handler, which talks to the
 * herder only through herder.h. Everything here is thread-safe: many requests run at once. */
#ifndef FERRY_REST_API_H
#define FERRY_REST_API_H

#include "herder/herder.h"

#include <ferry/buf.h>
#include <ferry/json.h>

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FERRY_REST_MAX_BODY   (1024 * 1024) /* larger bodies: 413 */
#define FERRY_REST_MAX_PARAMS 4

typedef struct ferry_rest_api ferry_rest_api_t;

typedef struct {
        const char *method;        /* "GET", "POST", ... */
        const char *path;          /* percent-encoded, without the query */
        const char *query;         /* percent-encoded, without '?'; NULL when none */
        const char *content_type;  /* NULL when absent */
        const char *authorization; /* NULL when absent */
        const char *base_url;      /* "http://host:port" for Location headers; NULL: relative */
        const char *body;          /* may hold NULs; not terminated */
        size_t body_len;
        bool body_too_large; /* the body was cut at FERRY_REST_MAX_BODY */
} ferry_rest_request_t;

typedef struct {
        int status;
        char *body; /* JSON, malloc'd; NULL: no body */
        size_t body_len;
        char *location;           /* Location header (201) */
        char allow[96];           /* Allow header (405, OPTIONS); empty: none */
        bool auth_challenge;      /* WWW-Authenticate: Basic (401) */
        bool head;                /* HEAD: body_len is the GET answer's length, no body is sent */
        const char *content_type; /* static string; NULL: application/json */
} ferry_rest_response_t;

/* Credentials: NULL or a file of "user:password" lines (blank lines and # comments skipped). */
ferry_rest_api_t *ferry_rest_api_new(ferry_worker_t *w, ferry_herder_t *h, const char *credentials_file,
                                     char *errstr, size_t errstr_size);
void ferry_rest_api_free(ferry_rest_api_t *api);
bool ferry_rest_api_has_auth(const ferry_rest_api_t *api);
/* Runs one request to completion (may block in the herder); always fills resp. */
void ferry_rest_handle(ferry_rest_api_t *api, const ferry_rest_request_t *req, ferry_rest_response_t *resp);
void ferry_rest_response_free(ferry_rest_response_t *resp);
/* resp = {"error_code":status,"message":...}. */
void ferry_rest_response_error(ferry_rest_response_t *resp, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* A chunked request body (Transfer-Encoding: chunked) decoded from raw into body (server.c).
 * 1: complete, 0: incomplete, -1: malformed. */
int ferry_rest_dechunk(const ferry_buf_t *raw, ferry_buf_t *body);

/* ---- routes ---- */
typedef struct ferry_rest_call ferry_rest_call_t;
typedef void (*ferry_rest_handler_t)(ferry_rest_call_t *c);

enum {
        FERRY_ROUTE_BODY = 1, /* takes a JSON body (required; object unless FERRY_ROUTE_ANY_JSON) */
        FERRY_ROUTE_ANY_JSON = 2,
        FERRY_ROUTE_ANY_TYPE = 4, /* takes any Content-Type (else a non-JSON one is 415) */
};

typedef struct {
        const char *method;
        const char *pattern; /* "/connectors/{}/tasks/{}/status": {} matches one path segment */
        ferry_rest_handler_t fn;
        unsigned flags;
} ferry_rest_route_t;

struct ferry_rest_call {
        ferry_rest_api_t *api;
        ferry_worker_t *w;
        ferry_herder_t *h;
        const ferry_rest_request_t *req;
        char *params[FERRY_REST_MAX_PARAMS]; /* decoded {} segments */
        int n_params;
        json_object *body; /* parsed body (FERRY_ROUTE_BODY), else NULL */
        ferry_rest_response_t *resp;
};

/* Route tables, each ending with a NULL method. */
extern const ferry_rest_route_t ferry_rest_root_routes[];
extern const ferry_rest_route_t ferry_rest_connector_routes[];
extern const ferry_rest_route_t ferry_rest_plugin_routes[];
extern const ferry_rest_route_t ferry_rest_logger_routes[];
extern const ferry_rest_route_t ferry_rest_metrics_routes[];
extern const ferry_rest_route_t ferry_rest_departure_routes[];

/* The idx-th value of a query parameter, decoded (malloc'd), or NULL. */
char *ferry_rest_query(const ferry_rest_call_t *c, const char *name, size_t idx);
bool ferry_rest_query_has(const ferry_rest_call_t *c, const char *name);
/* JAX-RS Boolean: "true" in any case is true, any other value false, absent = def. */
bool ferry_rest_query_bool(const ferry_rest_call_t *c, const char *name, bool def);

/* Replies. reply_json takes the writer's buffer. */
void ferry_rest_reply_json(ferry_rest_call_t *c, int status, ferry_jw_t *j);
void ferry_rest_reply_empty(ferry_rest_call_t *c, int status);
/* A non-JSON answer (content_type: a static string), taking the buffer's memory. */
void ferry_rest_reply_text(ferry_rest_call_t *c, int status, ferry_buf_t *b, const char *content_type);
void ferry_rest_error(ferry_rest_call_t *c, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Maps a herder failure to its status: errstr when set, else the not-found message for NOT_FOUND. */
void ferry_rest_herder_error(ferry_rest_call_t *c, ferry_herder_rc_t rc, const char *errstr,
                             const char *not_found_message);
int ferry_rest_herder_status(ferry_herder_rc_t rc);

/* Body helpers: a flat JSON object to a string map. Numbers and booleans become their text; null
 * values are skipped and their keys added to nulls (when given); objects and arrays are an error
 * naming the key. */
int ferry_rest_body_strmap(json_object *obj, ferry_strmap_t *out, ferry_strmap_t *nulls, char *errstr,
                           size_t errstr_size);

/* Shared JSON shapes (connectors.c), also used by the expand=... listing. */
void ferry_rest_write_status(ferry_jw_t *j, const ferry_connector_status_t *s);
void ferry_rest_write_info(ferry_jw_t *j, const ferry_connector_info_t *i);
const char *ferry_rest_type_name(ferry_plugin_type_t type, bool known);

/* The logger levels /admin/loggers shows and sets (core/log_levels.h), owned by the api. */
struct ferry_log_levels *ferry_rest_api_loggers(ferry_rest_api_t *api);

#endif
