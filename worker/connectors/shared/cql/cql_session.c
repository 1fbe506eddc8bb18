/* A CQL session: a connection to one of the contact points (the next one after a failure),
 * prepared statements cached by text, and cql_session_run, which pipelines requests on distinct
 * stream ids (a window of max_in_flight) and answers UNPREPARED by preparing the statement again
 * on the same stream and resending the request. The layer a connector's writer calls. */
#include "shared/cql/cql_session.h"

#include <openssl/crypto.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Times one request is prepared again on UNPREPARED before its error is returned. */
#define MAX_REPREPARES 3

struct cql_session {
        cql_options_t o;
        char **hosts;
        size_t n_hosts, next_host;
        char *user, *password, *ca, *cert, *key, *keyspace;
        char *ca_pem, *cert_pem, *key_pem;
        cql_conn_t *conn;
        cql_prepared_t **prep;
        size_t n_prep, cap_prep;
        cql_buf_t body;
        char last_error[1024];
        unsigned long reprepares;
        uint8_t version; /* of the last connection made (requests built while disconnected use it) */
};

static void prepared_free(cql_prepared_t *p)
{
        if (!p)
                return;
        free(p->cql);
        free(p->id);
        free(p->meta_id);
        for (size_t i = 0; i < p->n_binds; i++) {
                free(p->binds[i].ks);
                free(p->binds[i].table);
                free(p->binds[i].name);
                cql_type_free(p->binds[i].type);
        }
        free(p->binds);
        for (size_t i = 0; i < p->n_cols; i++) {
                free(p->cols[i].ks);
                free(p->cols[i].table);
                free(p->cols[i].name);
                cql_type_free(p->cols[i].type);
        }
        free(p->cols);
        free(p->pk_index);
        free(p);
}

void cql_session_free(cql_session_t *s)
{
        if (!s)
                return;
        cql_conn_close(s->conn);
        for (size_t i = 0; i < s->n_hosts; i++)
                free(s->hosts[i]);
        free(s->hosts);
        for (size_t i = 0; i < s->n_prep; i++)
                prepared_free(s->prep[i]);
        free(s->prep);
        free(s->user);
        free(s->password);
        free(s->ca);
        free(s->cert);
        free(s->key);
        free(s->ca_pem);
        free(s->cert_pem);
        if (s->key_pem) /* wipe the private key */
                OPENSSL_cleanse(s->key_pem, strlen(s->key_pem));
        free(s->key_pem);
        free(s->keyspace);
        cql_buf_free(&s->body);
        free(s);
}

const char *cql_session_peer(const cql_session_t *s)
{
        return s->conn ? cql_conn_peer(s->conn) : "(none)";
}

uint8_t cql_session_version(const cql_session_t *s)
{
        return s->conn ? cql_conn_version(s->conn) : s->version ? s->version : 4;
}

int cql_session_compression(const cql_session_t *s)
{
        return s->conn ? cql_conn_compression(s->conn) : CQL_COMP_NONE;
}

static void client_error(cql_error_t *err, const char *msg)
{
        cql_error_clear(err);
        err->code = CQL_ERR_CLIENT;
        err->message = strdup(msg);
}

/* "h", "h:p", "[v6]:p" -> host and port. */
static void split_host(const char *spec, int dflt, char *host, size_t host_size, int *port)
{
        *port = dflt;
        const char *colon = strrchr(spec, ':');
        if (spec[0] == '[') {
                const char *end = strchr(spec, ']');
                size_t n = end ? (size_t)(end - spec - 1) : strlen(spec + 1);
                snprintf(host, host_size, "%.*s", (int)n, spec + 1);
                if (end && end[1] == ':')
                        *port = (int)strtol(end + 2, NULL, 10);
                return;
        }
        if (colon && strchr(spec, ':') == colon) {
                char *endp;
                long p = strtol(colon + 1, &endp, 10);
                if (!*endp && p > 0 && p < 65536) {
                        snprintf(host, host_size, "%.*s", (int)(colon - spec), spec);
                        *port = (int)p;
                        return;
                }
        }
        snprintf(host, host_size, "%s", spec);
}

/* Connects to the contact points in turn, from next_host on. */
static int session_connect(cql_session_t *s, cql_error_t *err)
{
        char msgs[1024] = "";
        size_t used = 0;
        for (size_t k = 0; k < s->n_hosts; k++) {
                size_t i = (s->next_host + k) % s->n_hosts;
                char host[256], errstr[512];
                int port;
                split_host(s->hosts[i], s->o.port, host, sizeof host, &port);
                cql_conn_t *c = cql_conn_open(host, port, &s->o, errstr, sizeof errstr);
                if (!c) {
                        int n = snprintf(msgs + used, sizeof msgs - used, "%s%s", used ? "; " : "", errstr);
                        if (n > 0 && (size_t)n < sizeof msgs - used)
                                used += (size_t)n;
                        /* refused credentials are not a node problem: trying others will not help */
                        if (strstr(errstr, "authentication as"))
                                break;
                        continue;
                }
                s->conn = c;
                s->next_host = i;
                s->version = cql_conn_version(c);
                if (s->keyspace) {
                        char q[600];
                        snprintf(q, sizeof q, "USE \"%s\"", s->keyspace);
                        cql_result_t res;
                        if (cql_session_query(s, q, NULL, NULL, &res, err) < 0) {
                                cql_conn_close(s->conn);
                                s->conn = NULL;
                                return -1;
                        }
                        cql_result_free(&res);
                }
                return 0;
        }
        client_error(err, msgs[0] ? msgs : "no contact points");
        snprintf(s->last_error, sizeof s->last_error, "%s", msgs);
        return -1;
}

static char *dup_or_null(const char *s)
{
        return s ? strdup(s) : NULL;
}

cql_session_t *cql_session_new(const cql_options_t *o, cql_error_t *err)
{
        memset(err, 0, sizeof *err);
        cql_session_t *s = calloc(1, sizeof *s);
        if (!s || !o->n_hosts) {
                free(s);
                client_error(err, o->n_hosts ? "out of memory" : "no contact points configured");
                return NULL;
        }
        s->hosts = calloc(o->n_hosts, sizeof *s->hosts);
        for (size_t i = 0; s->hosts && i < o->n_hosts; i++)
                s->hosts[i] = strdup(o->hosts[i]);
        s->n_hosts = o->n_hosts;
        s->user = dup_or_null(o->user);
        s->password = dup_or_null(o->password);
        s->ca = dup_or_null(o->ca_file);
        s->cert = dup_or_null(o->cert_file);
        s->key = dup_or_null(o->key_file);
        s->ca_pem = dup_or_null(o->ca_pem);
        s->cert_pem = dup_or_null(o->cert_pem);
        s->key_pem = dup_or_null(o->key_pem);
        s->keyspace = dup_or_null(o->keyspace);
        s->o = *o;
        s->o.hosts = s->hosts;
        s->o.user = s->user;
        s->o.password = s->password;
        s->o.ca_file = s->ca;
        s->o.cert_file = s->cert;
        s->o.key_file = s->key;
        s->o.ca_pem = s->ca_pem;
        s->o.cert_pem = s->cert_pem;
        s->o.key_pem = s->key_pem;
        s->o.keyspace = s->keyspace;
        if (s->o.request_timeout_ms <= 0)
                s->o.request_timeout_ms = 12000;
        if (session_connect(s, err) < 0) {
                cql_session_free(s);
                return NULL;
        }
        return s;
}

void cql_req_reset(cql_req_t *r)
{
        cql_result_free(&r->res);
        cql_error_clear(&r->err);
        r->rc = 0;
        r->done = false;
}

void cql_req_free(cql_req_t *r)
{
        cql_req_reset(r);
        cql_buf_free(&r->frame);
}

static cql_prepared_t *find_by_id(cql_session_t *s, const uint8_t *id, size_t n)
{
        for (size_t i = 0; i < s->n_prep; i++)
                if (s->prep[i]->id_len == n && memcmp(s->prep[i]->id, id, n) == 0)
                        return s->prep[i];
        return NULL;
}

static void set_stream(cql_buf_t *f, int16_t stream)
{
        if (f->len >= CQL_HEADER_LEN) {
                f->p[2] = (uint8_t)((uint16_t)stream >> 8);
                f->p[3] = (uint8_t)stream;
        }
}

static void fail_pending(cql_req_t *const *reqs, size_t n, const char *msg)
{
        for (size_t i = 0; i < n; i++)
                if (!reqs[i]->done) {
                        cql_req_reset(reqs[i]);
                        reqs[i]->rc = -1;
                        client_error(&reqs[i]->err, msg);
                        reqs[i]->done = true;
                }
}

enum { SLOT_FREE, SLOT_REQUEST, SLOT_REPREPARE };

int cql_session_run(cql_session_t *s, cql_req_t *const *reqs, size_t n, int max_in_flight)
{
        for (size_t i = 0; i < n; i++)
                cql_req_reset(reqs[i]);
        if (!n)
                return 0;
        if (!s->conn) {
                cql_error_t e = {0};
                if (session_connect(s, &e) < 0) {
                        char msg[700];
                        cql_error_format(&e, msg, sizeof msg);
                        cql_error_clear(&e);
                        fail_pending(reqs, n, msg);
                        return -1;
                }
        }
        /* frames built for another protocol version (the node answered differently after a
         * reconnect) cannot be sent: the caller builds them again */
        for (size_t i = 0; i < n; i++)
                if (reqs[i]->frame.len && (reqs[i]->frame.p[0] & 0x7F) != cql_conn_version(s->conn)) {
                        char msg[200];
                        snprintf(msg, sizeof msg, "%s now speaks protocol v%u; requests are built again",
                                 cql_conn_peer(s->conn), cql_conn_version(s->conn));
                        fail_pending(reqs, n, msg);
                        return -1;
                }
        if (max_in_flight < 1)
                max_in_flight = 1;
        if (max_in_flight > 1024)
                max_in_flight = 1024;
        int *slot_req = calloc((size_t)max_in_flight, sizeof *slot_req);
        int *slot_state = calloc((size_t)max_in_flight, sizeof *slot_state);
        /* per request: how many times it was prepared again (a schema change may evict the new
         * preparation too while the request's copies are in flight) */
        uint8_t *reprepared = calloc(n, sizeof *reprepared);
        cql_buf_t prep = {0};
        char errstr[512] = "";
        size_t next = 0, done = 0;
        int in_flight = 0, rc = 0;
        uint8_t version = cql_conn_version(s->conn);
        if (!slot_req || !slot_state || !reprepared) {
                snprintf(errstr, sizeof errstr, "out of memory");
                rc = -1;
                goto out;
        }
        while (done < n) {
                while (next < n && in_flight < max_in_flight) {
                        int slot = 0;
                        while (slot_state[slot] != SLOT_FREE)
                                slot++;
                        set_stream(&reqs[next]->frame, (int16_t)(slot + 1));
                        if (cql_conn_send(s->conn, &reqs[next]->frame, errstr, sizeof errstr) < 0) {
                                rc = -1;
                                goto out;
                        }
                        slot_state[slot] = SLOT_REQUEST;
                        slot_req[slot] = (int)next++;
                        in_flight++;
                }
                cql_header_t h;
                if (cql_conn_recv(s->conn, &h, &s->body, errstr, sizeof errstr) < 0) {
                        rc = -1;
                        goto out;
                }
                int slot = h.stream - 1;
                if (slot < 0 || slot >= max_in_flight || slot_state[slot] == SLOT_FREE)
                        continue; /* a response to nothing we wait for */
                cql_req_t *r = reqs[slot_req[slot]];
                if (slot_state[slot] == SLOT_REPREPARE) {
                        if (h.opcode == CQL_OP_RESULT) {
                                slot_state[slot] = SLOT_REQUEST;
                                if (cql_conn_send(s->conn, &r->frame, errstr, sizeof errstr) < 0) {
                                        rc = -1;
                                        goto out;
                                }
                                continue;
                        }
                        /* preparing again failed: report that error for the request */
                }
                if (h.opcode == CQL_OP_RESULT) {
                        if (cql_result_decode(s->body.p, s->body.len, version, &r->res, errstr,
                                              sizeof errstr) < 0) {
                                r->rc = -1;
                                client_error(&r->err, errstr);
                        }
                } else if (h.opcode == CQL_OP_ERROR) {
                        cql_error_decode(s->body.p, s->body.len, &r->err);
                        r->rc = -1;
                        cql_prepared_t *p;
                        if (r->err.code == CQL_ERR_UNPREPARED &&
                            reprepared[slot_req[slot]] < MAX_REPREPARES &&
                            (p = find_by_id(s, r->err.unprepared_id, r->err.unprepared_len))) {
                                reprepared[slot_req[slot]]++;
                                s->reprepares++;
                                cql_error_clear(&r->err);
                                r->rc = 0;
                                cql_enc_prepare(&prep, version, (int16_t)(slot + 1), p->cql);
                                if (cql_conn_send(s->conn, &prep, errstr, sizeof errstr) < 0) {
                                        rc = -1;
                                        goto out;
                                }
                                slot_state[slot] = SLOT_REPREPARE;
                                continue;
                        }
                } else {
                        r->rc = -1;
                        char msg[100];
                        snprintf(msg, sizeof msg, "unexpected response opcode 0x%02x", h.opcode);
                        client_error(&r->err, msg);
                }
                r->done = true;
                slot_state[slot] = SLOT_FREE;
                in_flight--;
                done++;
        }
out:
        if (rc < 0) {
                char msg[700];
                snprintf(msg, sizeof msg, "connection to %s failed: %s", cql_conn_peer(s->conn), errstr);
                fail_pending(reqs, n, msg);
                cql_conn_close(s->conn);
                s->conn = NULL;
                s->next_host = (s->next_host + 1) % s->n_hosts;
        }
        cql_buf_free(&prep);
        free(slot_req);
        free(slot_state);
        free(reprepared);
        return rc;
}

static int run_one(cql_session_t *s, cql_req_t *r, cql_result_t *res, cql_error_t *err)
{
        cql_session_run(s, &r, 1, 1);
        if (r->rc == 0) {
                if (res) {
                        *res = r->res;
                        memset(&r->res, 0, sizeof r->res);
                }
                cql_req_free(r);
                return 0;
        }
        *err = r->err;
        memset(&r->err, 0, sizeof r->err);
        cql_req_free(r);
        return -1;
}

int cql_session_query(cql_session_t *s, const char *cql, const cql_values_t *vals, const cql_qparams_t *qp,
                      cql_result_t *res, cql_error_t *err)
{
        memset(err, 0, sizeof *err);
        if (res)
                memset(res, 0, sizeof *res);
        cql_qparams_t dflt = CQL_QPARAMS_DEFAULT;
        cql_req_t r = {0};
        cql_enc_query(&r.frame, cql_session_version(s), 0, cql, vals, qp ? qp : &dflt);
        return run_one(s, &r, res, err);
}

int cql_session_execute(cql_session_t *s, const cql_prepared_t *p, const cql_values_t *vals,
                        const cql_qparams_t *qp, cql_result_t *res, cql_error_t *err)
{
        memset(err, 0, sizeof *err);
        if (res)
                memset(res, 0, sizeof *res);
        cql_qparams_t dflt = CQL_QPARAMS_DEFAULT;
        cql_req_t r = {0};
        cql_enc_execute(&r.frame, cql_session_version(s), 0, p->id, p->id_len, p->meta_id, p->meta_len, vals,
                        qp ? qp : &dflt);
        return run_one(s, &r, res, err);
}

unsigned long cql_session_reprepares(const cql_session_t *s)
{
        return s->reprepares;
}

const cql_prepared_t *cql_session_prepare(cql_session_t *s, const char *cql, cql_error_t *err)
{
        memset(err, 0, sizeof *err);
        for (size_t i = 0; i < s->n_prep; i++)
                if (strcmp(s->prep[i]->cql, cql) == 0)
                        return s->prep[i];
        cql_req_t r = {0};
        cql_result_t res;
        cql_enc_prepare(&r.frame, cql_session_version(s), 0, cql);
        if (run_one(s, &r, &res, err) < 0)
                return NULL;
        if (res.kind != CQL_RESULT_PREPARED) {
                cql_result_free(&res);
                client_error(err, "PREPARE answered with a result that is not PREPARED");
                return NULL;
        }
        cql_prepared_t *p = calloc(1, sizeof *p);
        if (!p || (s->n_prep == s->cap_prep &&
                   !(s->prep = reallocarray(s->prep, s->cap_prep = s->cap_prep * 2 + 8, sizeof *s->prep)))) {
                free(p);
                cql_result_free(&res);
                client_error(err, "out of memory");
                return NULL;
        }
        p->cql = strdup(cql);
        p->id = res.prepared_id;
        p->id_len = res.prepared_len;
        p->meta_id = res.result_meta_id;
        p->meta_len = res.result_meta_len;
        res.result_meta_id = NULL;
        p->binds = res.binds;
        p->n_binds = res.n_binds;
        p->pk_index = res.pk_index;
        p->n_pk = res.n_pk;
        p->cols = res.cols;
        p->n_cols = res.n_cols;
        res.prepared_id = NULL;
        res.binds = NULL;
        res.n_binds = 0;
        res.pk_index = NULL;
        res.cols = NULL;
        res.n_cols = 0;
        cql_result_free(&res);
        s->prep[s->n_prep++] = p;
        return p;
}
