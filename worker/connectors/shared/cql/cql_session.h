/* CQL connections and sessions (cql_conn.c, cql_session.c): one TCP or TLS connection per
 * session to the first contact point that answers (the next one after a failure), the
 * STARTUP/PLAIN handshake, prepared statements re-prepared on UNPREPARED, and requests pipelined on
 * up to 32767 stream ids. Blocking calls, meant for one thread per session. */
#ifndef FERRY_SHARED_CQL_SESSION_H
#define FERRY_SHARED_CQL_SESSION_H

#include "shared/cql/cql.h"

typedef struct {
        char **hosts; /* host or host:port */
        size_t n_hosts;
        int port;
        const char *user, *password; /* NULL: no authentication offered */
        bool tls;
        const char *ca_file;   /* PEM; NULL: system trust store */
        const char *cert_file; /* PEM client certificate (optional) */
        const char *key_file;
        /* PEM text in memory (from <ferry/tls.h>), used instead of the files when set */
        const char *ca_pem;
        const char *cert_pem, *key_pem; /* both or neither */
        bool verify_host;               /* check the server's certificate names the host */
        bool no_verify;                 /* accept any certificate */
        int connect_timeout_ms;
        int request_timeout_ms;
        const char *keyspace; /* USE <keyspace> after connecting (optional) */
        int compression;      /* CQL_COMP_*: asked for in STARTUP when the node offers it */
        int max_version;      /* 0 or 5: v5 where the node offers it, else v4; 4: v4 only */
} cql_options_t;

/* ---- TLS context (cql_tls.c) ---- */
struct ssl_ctx_st;
/* The client context for o (trust anchors, client certificate and key, verification mode). NULL
 * (errstr) when a certificate or key cannot be loaded. */
struct ssl_ctx_st *cql_tls_ctx_new(const cql_options_t *o, char *errstr, size_t errstr_size);

/* ---- one connection (cql_conn.c) ---- */
typedef struct cql_conn cql_conn_t;

cql_conn_t *cql_conn_open(const char *host, int port, const cql_options_t *o, char *errstr,
                          size_t errstr_size);
void cql_conn_close(cql_conn_t *c);
/* Sends one frame (its stream id already set). -1 (errstr) when the connection failed. */
int cql_conn_send(cql_conn_t *c, const cql_buf_t *frame, char *errstr, size_t errstr_size);
/* Reads the next response frame: header into h, body (tracing/warnings skipped) into body.
 * Events (stream -1) are skipped. -1 (errstr) on failure or timeout. */
int cql_conn_recv(cql_conn_t *c, cql_header_t *h, cql_buf_t *body, char *errstr, size_t errstr_size);
uint8_t cql_conn_version(const cql_conn_t *c);
/* The compression in use (CQL_COMP_*): v4 body compression, or LZ4 v5 frames. */
int cql_conn_compression(const cql_conn_t *c);
const char *cql_conn_peer(const cql_conn_t *c);

/* ---- session (cql_session.c) ---- */
typedef struct cql_session cql_session_t;

typedef struct {
        char *cql;
        uint8_t *id;
        size_t id_len;
        uint8_t *meta_id; /* v5 result metadata id (NULL before v5) */
        size_t meta_len;
        cql_col_t *binds; /* the bound variables: names and types */
        size_t n_binds;
        uint16_t *pk_index;
        size_t n_pk;
        cql_col_t *cols; /* result columns */
        size_t n_cols;
} cql_prepared_t;

/* Connects to the first contact point that answers. NULL (errstr) when none does, or when the
 * credentials or keyspace are refused (err->code says which, when a server answered). */
cql_session_t *cql_session_new(const cql_options_t *o, cql_error_t *err);
void cql_session_free(cql_session_t *s);
/* The address of the node in use. */
const char *cql_session_peer(const cql_session_t *s);

/* One request, for cql_session_run: the frame is built with any stream id, the session assigns
 * one. After the run, rc is 0 with res filled, or -1 with err filled. */
typedef struct {
        cql_buf_t frame;
        int rc;
        cql_result_t res;
        cql_error_t err;
        bool done;
} cql_req_t;

void cql_req_reset(cql_req_t *r); /* frees res/err, keeps the frame memory */
void cql_req_free(cql_req_t *r);

/* Runs n requests with at most max_in_flight outstanding on the connection (re-preparing and
 * resending on UNPREPARED). Returns 0 when every request was answered (each may still carry a
 * server error), -1 when the connection failed: unanswered requests get CQL_ERR_CLIENT and the
 * next call reconnects, trying the contact points in turn. */
int cql_session_run(cql_session_t *s, cql_req_t *const *reqs, size_t n, int max_in_flight);

/* Blocking helpers over cql_session_run. 0, or -1 with err filled. */
int cql_session_query(cql_session_t *s, const char *cql, const cql_values_t *vals, const cql_qparams_t *qp,
                      cql_result_t *res, cql_error_t *err);
/* Prepares (cached by text: the same statement is prepared once per session). */
const cql_prepared_t *cql_session_prepare(cql_session_t *s, const char *cql, cql_error_t *err);
int cql_session_execute(cql_session_t *s, const cql_prepared_t *p, const cql_values_t *vals,
                        const cql_qparams_t *qp, cql_result_t *res, cql_error_t *err);
uint8_t cql_session_version(const cql_session_t *s);
/* The compression of the connection in use (CQL_COMP_*). */
int cql_session_compression(const cql_session_t *s);
/* How many times a request was answered UNPREPARED and its statement prepared again. */
unsigned long cql_session_reprepares(const cql_session_t *s);

#endif
