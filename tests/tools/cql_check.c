/* cql-check: drives the shared CQL client (worker/connectors/shared/cql) against a real Cassandra
 * node for tests/connectors/cassandra/cql_client.sh: failover past a dead contact point, DDL,
 * every native type bound through a prepared statement and read back, logged/unlogged/counter
 * batches, pipelined requests, re-prepare after the node forgot a statement (UNPREPARED), paging,
 * and decoded errors, the node's own refusals among them (Unavailable, a CAS write timeout).
 * Prints one line per step; the test
 * checks the lines and reads the tables with the Python cassandra-driver.
 *
 * With CQL_CHECK_CA set (the node's CA, PEM) it first connects over TLS, verifying the node's
 * certificate and name, and then once more trusting only the system store, which must be refused.
 *
 * CQL_CHECK_COMPRESSION (none, lz4, snappy) asks for frame compression, CQL_CHECK_MAX_VERSION=4
 * keeps the connection on protocol v4 (else v5 where the node offers it). A 300,000-byte value
 * is written and read back: more than one protocol v5 frame each way.
 *
 * Usage: cql-check HOST:PORT USER PASSWORD */
#include "shared/cql/cql_session.h"

#include <ferry/json.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cql_session_t *S;

static void die_err(const char *what, cql_error_t *e)
{
        char msg[1024];
        cql_error_format(e, msg, sizeof msg);
        fprintf(stderr, "cql-check: %s: %s\n", what, msg);
        exit(1);
}

static void q(const char *cql)
{
        cql_error_t e;
        cql_result_t r;
        if (cql_session_query(S, cql, NULL, NULL, &r, &e) < 0)
                die_err(cql, &e);
        cql_result_free(&r);
}

static const char *TYPES_ROW =
        "{\"id\":1,\"a\":\"ascii\",\"b\":-9007199254740993,\"bl\":\"raw\",\"bo\":true,\"de\":\"-12.345\","
        "\"d\":2.5,\"f\":1.5,\"i\":\"10.1.2.3\",\"t\":\"2024-02-29T12:34:56.789Z\","
        "\"u\":\"123e4567-e89b-12d3-a456-426614174000\",\"tu\":\"d2177dd0-eaa2-11de-a572-001b779c76e3\","
        "\"v\":123456789012,\"dt\":\"2024-02-29\",\"tm\":\"12:34:56.123456789\",\"si\":-300,\"ti\":-7,"
        "\"l\":[3,1,2],\"s\":[\"x\",\"y\"],\"m\":{\"one\":1,\"two\":2},\"ad\":{\"street\":\"Main\",\"zip\":"
        "12345},"
        "\"tp\":[7,\"seven\"],\"tx\":\"h\\u00e9llo\"}";

static void types_roundtrip(void)
{
        char errstr[512];
        ferry_value_t *row = ferry_json_read(TYPES_ROW, strlen(TYPES_ROW), errstr, sizeof errstr);
        if (!row) {
                fprintf(stderr, "cql-check: %s\n", errstr);
                exit(1);
        }
        cql_error_t e;
        const cql_prepared_t *p =
                cql_session_prepare(S,
                                    "INSERT INTO cqlcheck.types "
                                    "(id,a,b,bl,bo,de,d,f,i,t,u,tu,v,dt,tm,si,ti,l,s,m,ad,tp,tx) VALUES "
                                    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                                    &e);
        if (!p)
                die_err("prepare", &e);
        cql_values_t vals = {0};
        for (size_t i = 0; i < p->n_binds; i++) {
                ferry_value_t *v = ferry_map_get_str(row, p->binds[i].name);
                if (cql_value_append(&vals, p->binds[i].type, v, errstr, sizeof errstr) < 0) {
                        fprintf(stderr, "cql-check: bind %s: %s\n", p->binds[i].name, errstr);
                        exit(1);
                }
        }
        cql_qparams_t qp = CQL_QPARAMS_DEFAULT;
        qp.consistency = CQL_ONE;
        if (cql_session_execute(S, p, &vals, &qp, NULL, &e) < 0)
                die_err("execute", &e);
        cql_values_free(&vals);
        /* a second row with every column null but the key, and unset values */
        cql_values_t v2 = {0};
        cql_values_raw(&v2, "\0\0\0\2", 4);
        for (size_t i = 1; i < p->n_binds; i++)
                (i % 2 ? cql_values_null : cql_values_unset)(&v2);
        if (cql_session_execute(S, p, &v2, &qp, NULL, &e) < 0)
                die_err("execute nulls", &e);
        cql_values_free(&v2);
        ferry_value_free(row);

        cql_result_t r;
        if (cql_session_query(S, "SELECT * FROM cqlcheck.types WHERE id = 1", NULL, NULL, &r, &e) < 0)
                die_err("select", &e);
        printf("ROWS %zu\n", r.n_rows);
        for (size_t c = 0; c < r.n_cols; c++) {
                char *ts = cql_type_str(r.cols[c].type);
                char *js = cql_value_json(r.cols[c].type, r.cells[c].p, r.cells[c].len);
                printf("COL %s %s %s\n", r.cols[c].name, ts ? ts : "?", js ? js : "(undecodable)");
                free(ts);
                free(js);
        }
        cql_result_free(&r);
}

static void batches(void)
{
        cql_error_t e;
        const cql_prepared_t *p = cql_session_prepare(S, "INSERT INTO cqlcheck.kv (k, v) VALUES (?, ?)", &e);
        const cql_prepared_t *pc =
                cql_session_prepare(S, "UPDATE cqlcheck.cnt SET c = c + ? WHERE k = ?", &e);
        if (!p || !pc)
                die_err("prepare batch", &e);
        int types[] = {CQL_BATCH_UNLOGGED, CQL_BATCH_LOGGED, CQL_BATCH_COUNTER};
        for (int b = 0; b < 3; b++) {
                cql_req_t req = {0};
                cql_enc_batch_begin(&req.frame, cql_session_version(S), 0, types[b], 10);
                for (int i = 0; i < 10; i++) {
                        cql_values_t v = {0};
                        char tmp[32];
                        ferry_value_t *k = ferry_value_int(FERRY_TYPE_INT32, b * 10 + i);
                        snprintf(tmp, sizeof tmp, "batch-%d-%d", b, i);
                        ferry_value_t *s = ferry_value_cstring(tmp);
                        ferry_value_t *one = ferry_value_int(FERRY_TYPE_INT64, i + 1);
                        char errstr[256];
                        if (types[b] == CQL_BATCH_COUNTER) {
                                cql_value_append(&v, pc->binds[0].type, one, errstr, sizeof errstr);
                                cql_value_append(&v, pc->binds[1].type, k, errstr, sizeof errstr);
                                cql_enc_batch_prepared(&req.frame, pc->id, pc->id_len, &v);
                        } else if (b == 1 && i == 9) {
                                /* a plain (unprepared) statement inside a batch */
                                cql_enc_batch_query(&req.frame,
                                                    "INSERT INTO cqlcheck.kv (k, v) VALUES (19, 'plain')",
                                                    NULL);
                        } else {
                                cql_value_append(&v, p->binds[0].type, k, errstr, sizeof errstr);
                                cql_value_append(&v, p->binds[1].type, s, errstr, sizeof errstr);
                                cql_enc_batch_prepared(&req.frame, p->id, p->id_len, &v);
                        }
                        cql_values_free(&v);
                        ferry_value_free(k);
                        ferry_value_free(s);
                        ferry_value_free(one);
                }
                cql_enc_batch_end(&req.frame, CQL_ONE, 0, INT64_MIN);
                cql_req_t *rp = &req;
                cql_session_run(S, &rp, 1, 1);
                if (req.rc < 0)
                        die_err("batch", &req.err);
                printf("BATCH %d ok\n", types[b]);
                cql_req_free(&req);
        }
}

/* 500 inserts with up to 64 in flight on one connection. */
static void pipelined(void)
{
        cql_error_t e;
        const cql_prepared_t *p = cql_session_prepare(S, "INSERT INTO cqlcheck.kv (k, v) VALUES (?, ?)", &e);
        if (!p)
                die_err("prepare", &e);
        enum { N = 500 };
        cql_req_t *reqs = calloc(N, sizeof *reqs);
        cql_req_t **rp = calloc(N, sizeof *rp);
        cql_qparams_t qp = CQL_QPARAMS_DEFAULT;
        qp.timestamp = 1000;
        for (int i = 0; i < N; i++) {
                cql_values_t v = {0};
                char tmp[32], errstr[256];
                ferry_value_t *k = ferry_value_int(FERRY_TYPE_INT32, 1000 + i);
                snprintf(tmp, sizeof tmp, "pipe-%d", i);
                ferry_value_t *s = ferry_value_cstring(tmp);
                cql_value_append(&v, p->binds[0].type, k, errstr, sizeof errstr);
                cql_value_append(&v, p->binds[1].type, s, errstr, sizeof errstr);
                cql_enc_execute(&reqs[i].frame, cql_session_version(S), 0, p->id, p->id_len, p->meta_id,
                                p->meta_len, &v, &qp);
                cql_values_free(&v);
                ferry_value_free(k);
                ferry_value_free(s);
                rp[i] = &reqs[i];
        }
        int rc = cql_session_run(S, rp, N, 64), ok = 0;
        for (int i = 0; i < N; i++) {
                ok += reqs[i].rc == 0;
                cql_req_free(&reqs[i]);
        }
        printf("PIPELINED rc=%d ok=%d\n", rc, ok);
        free(reqs);
        free(rp);
}

/* n EXECUTEs of an INSERT into cqlcheck.rp (k = first..first+n-1, v = "<tag>-<k>"), pipelined. */
static int rp_insert(const cql_prepared_t *p, int first, int n, const char *tag, int *ok)
{
        cql_req_t *reqs = calloc((size_t)n, sizeof *reqs);
        cql_req_t **rp = calloc((size_t)n, sizeof *rp);
        cql_qparams_t qp = CQL_QPARAMS_DEFAULT;
        for (int i = 0; i < n; i++) {
                cql_values_t v = {0};
                char tmp[32], errstr[256];
                ferry_value_t *k = ferry_value_int(FERRY_TYPE_INT32, first + i);
                snprintf(tmp, sizeof tmp, "%s-%d", tag, first + i);
                ferry_value_t *s = ferry_value_cstring(tmp);
                cql_value_append(&v, p->binds[0].type, k, errstr, sizeof errstr);
                cql_value_append(&v, p->binds[1].type, s, errstr, sizeof errstr);
                cql_enc_execute(&reqs[i].frame, cql_session_version(S), 0, p->id, p->id_len, p->meta_id,
                                p->meta_len, &v, &qp);
                cql_values_free(&v);
                ferry_value_free(k);
                ferry_value_free(s);
                rp[i] = &reqs[i];
        }
        int rc = cql_session_run(S, rp, (size_t)n, 8);
        *ok = 0;
        for (int i = 0; i < n; i++) {
                *ok += reqs[i].rc == 0;
                if (reqs[i].rc != 0) {
                        char msg[512];
                        cql_error_format(&reqs[i].err, msg, sizeof msg);
                        fprintf(stderr, "cql-check: rp %d: %s\n", first + i, msg);
                }
                cql_req_free(&reqs[i]);
        }
        free(reqs);
        free(rp);
        return rc;
}

/* UNPREPARED: ALTER TABLE makes the node forget the statements prepared on the table; the next
 * EXECUTEs (several in flight) are answered UNPREPARED, prepared again and resent. */
static void reprepare(void)
{
        cql_error_t e;
        const cql_prepared_t *p = cql_session_prepare(S, "INSERT INTO cqlcheck.rp (k, v) VALUES (?, ?)", &e);
        if (!p)
                die_err("prepare", &e);
        int ok;
        int rc = rp_insert(p, 1, 1, "before", &ok);
        printf("REPREPARE before rc=%d ok=%d reprepared=%lu\n", rc, ok, cql_session_reprepares(S));
        q("ALTER TABLE cqlcheck.rp ADD extra int");
        unsigned long n0 = cql_session_reprepares(S);
        rc = rp_insert(p, 2, 20, "after", &ok);
        printf("REPREPARE after rc=%d ok=%d reprepared=%s\n", rc, ok,
               cql_session_reprepares(S) > n0 ? "yes" : "no");
}

static void paging(void)
{
        cql_qparams_t qp = CQL_QPARAMS_DEFAULT;
        qp.page_size = 100;
        uint8_t *state = NULL;
        size_t rows = 0, pages = 0;
        for (;;) {
                cql_result_t r;
                cql_error_t e;
                if (cql_session_query(S, "SELECT k FROM cqlcheck.kv", NULL, &qp, &r, &e) < 0)
                        die_err("paging", &e);
                rows += r.n_rows;
                pages++;
                free(state);
                state = r.paging_state;
                qp.paging_state = state;
                qp.paging_len = r.paging_len;
                r.paging_state = NULL;
                cql_result_free(&r);
                if (!state)
                        break;
        }
        printf("PAGING rows=%zu pages=%zu\n", rows, pages);
}

static void errors(void)
{
        const char *bad[] = {"SELEC * FROM cqlcheck.kv", "SELECT * FROM cqlcheck.nosuchtable",
                             "CREATE TABLE cqlcheck.kv (k int PRIMARY KEY)"};
        for (size_t i = 0; i < 3; i++) {
                cql_error_t e;
                cql_result_t r;
                if (cql_session_query(S, bad[i], NULL, NULL, &r, &e) == 0) {
                        printf("ERROR none for %s\n", bad[i]);
                        cql_result_free(&r);
                        continue;
                }
                char msg[1024];
                cql_error_format(&e, msg, sizeof msg);
                printf("ERROR 0x%04x %s\n", (unsigned)e.code, msg);
                cql_error_clear(&e);
        }
}

/* Prints the outcome of one statement as "<tag> ERROR 0x<code> <message>" or "<tag> none". */
static void expect_error(const char *tag, const char *cql, const cql_qparams_t *qp)
{
        cql_error_t e;
        cql_result_t r;
        if (cql_session_query(S, cql, NULL, qp, &r, &e) == 0) {
                printf("%s none\n", tag);
                cql_result_free(&r);
                return;
        }
        char msg[1024];
        cql_error_format(&e, msg, sizeof msg);
        printf("%s ERROR 0x%04x %s\n", tag, (unsigned)e.code, msg);
        cql_error_clear(&e);
}

/* Refusals only a node gives: UNAVAILABLE when a QUORUM write wants 2 of the 3 replicas a
 * keyspace asks for on this one-node cluster, and WRITE TIMEOUT (write type CAS) when
 * conditional updates of one row, many in flight at once, contend longer than the node's
 * cas_contention_timeout. Prints how many of the contending updates timed out and the first
 * such error. */
static void node_errors(void)
{
        q("CREATE KEYSPACE cqlcheck3 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': "
          "3}");
        q("CREATE TABLE cqlcheck3.kv (k int PRIMARY KEY, v text)");
        cql_qparams_t qp = CQL_QPARAMS_DEFAULT;
        qp.consistency = CQL_QUORUM;
        expect_error("UNAVAILABLE", "INSERT INTO cqlcheck3.kv (k, v) VALUES (1, 'x')", &qp);
        q("DROP KEYSPACE cqlcheck3");

        q("CREATE TABLE cqlcheck.lwt (k int PRIMARY KEY, v int)");
        q("INSERT INTO cqlcheck.lwt (k, v) VALUES (0, 0)");
        cql_error_t e;
        const cql_prepared_t *p =
                cql_session_prepare(S, "UPDATE cqlcheck.lwt SET v = ? WHERE k = 0 IF EXISTS", &e);
        if (!p)
                die_err("prepare", &e);
        enum { N = 100 };
        cql_req_t *reqs = calloc(N, sizeof *reqs);
        cql_req_t **rp = calloc(N, sizeof *rp);
        if (!reqs || !rp)
                exit(1);
        cql_qparams_t cas = CQL_QPARAMS_DEFAULT;
        cas.consistency = CQL_ONE;
        cas.serial_consistency = CQL_SERIAL;
        for (int i = 0; i < N; i++) {
                cql_values_t v = {0};
                char errstr[256];
                ferry_value_t *n = ferry_value_int(FERRY_TYPE_INT32, i);
                cql_value_append(&v, p->binds[0].type, n, errstr, sizeof errstr);
                cql_enc_execute(&reqs[i].frame, cql_session_version(S), 0, p->id, p->id_len, p->meta_id,
                                p->meta_len, &v, &cas);
                cql_values_free(&v);
                ferry_value_free(n);
                rp[i] = &reqs[i];
        }
        int rc = cql_session_run(S, rp, N, N);
        int ok = 0, timeouts = 0, other = 0;
        char first[1024] = "", first_other[1024] = "";
        for (int i = 0; i < N; i++) {
                if (reqs[i].rc == 0)
                        ok++;
                else if (reqs[i].err.code == CQL_ERR_WRITE_TIMEOUT) {
                        if (!timeouts++)
                                cql_error_format(&reqs[i].err, first, sizeof first);
                } else if (!other++)
                        cql_error_format(&reqs[i].err, first_other, sizeof first_other);
                cql_req_free(&reqs[i]);
        }
        printf("CAS rc=%d ok=%d timeouts=%d other=%d\n", rc, ok, timeouts, other);
        if (timeouts)
                printf("CAS ERROR 0x%04x %s\n", (unsigned)CQL_ERR_WRITE_TIMEOUT, first);
        if (other)
                printf("CAS OTHER %s\n", first_other);
        free(reqs);
        free(rp);
}

/* A value longer than a v5 frame's payload (128 KiB), written through a prepared statement and
 * read back: the envelope spans several frames both ways. */
static void large(void)
{
        size_t n = 300000;
        char *big = malloc(n);
        if (!big)
                exit(1);
        for (size_t i = 0; i < n; i++)
                big[i] = (char)('a' + (i * 7919 + i / 13) % 26);
        cql_error_t e;
        const cql_prepared_t *p = cql_session_prepare(S, "INSERT INTO cqlcheck.kv (k, v) VALUES (?, ?)", &e);
        if (!p)
                die_err("prepare large", &e);
        cql_values_t v = {0};
        uint8_t k[4] = {0, 0, 0x13, 0x88}; /* 5000 */
        cql_values_raw(&v, k, 4);
        cql_values_raw(&v, big, n);
        cql_result_t r;
        if (cql_session_execute(S, p, &v, NULL, &r, &e) < 0)
                die_err("insert large", &e);
        cql_result_free(&r);
        cql_values_free(&v);
        if (cql_session_query(S, "SELECT v FROM cqlcheck.kv WHERE k = 5000", NULL, NULL, &r, &e) < 0)
                die_err("select large", &e);
        bool same = r.n_rows == 1 && r.cells[0].len == (int32_t)n && memcmp(r.cells[0].p, big, n) == 0;
        printf("LARGE %zu %s\n", n, same ? "ok" : "differs");
        cql_result_free(&r);
        free(big);
}

int main(int argc, char **argv)
{
        if (argc != 4) {
                fprintf(stderr, "usage: cql-check HOST:PORT USER PASSWORD\n");
                return 2;
        }
        /* a dead contact point first: the session must fail over to the live one */
        char *hosts[] = {"127.0.0.1:1", argv[1]};
        cql_options_t o = {.hosts = hosts,
                           .n_hosts = 2,
                           .port = 9042,
                           .user = argv[2],
                           .password = argv[3],
                           .connect_timeout_ms = 3000,
                           .request_timeout_ms = 20000};
        const char *comp = getenv("CQL_CHECK_COMPRESSION");
        o.compression = cql_compression_parse(comp);
        if (o.compression < 0) {
                fprintf(stderr, "cql-check: unknown CQL_CHECK_COMPRESSION %s\n", comp);
                return 2;
        }
        const char *mv = getenv("CQL_CHECK_MAX_VERSION");
        o.max_version = mv && strcmp(mv, "4") == 0 ? 4 : 0;
        cql_error_t e;
        const char *ca = getenv("CQL_CHECK_CA");
        if (ca && *ca) {
                char *one[] = {argv[1]};
                cql_options_t t = o;
                t.hosts = one;
                t.n_hosts = 1;
                t.tls = true;
                t.ca_file = ca;
                t.verify_host = true;
                cql_session_t *ts = cql_session_new(&t, &e);
                if (!ts)
                        die_err("TLS connect", &e);
                cql_result_t r;
                if (cql_session_query(ts, "SELECT release_version FROM system.local", NULL, NULL, &r, &e) < 0)
                        die_err("TLS query", &e);
                char *v = r.n_rows ? cql_value_json(r.cols[0].type, r.cells[0].p, r.cells[0].len) : NULL;
                printf("TLS ok release %s\n", v ? v : "?");
                free(v);
                cql_result_free(&r);
                cql_session_free(ts);
                t.ca_file = NULL; /* the system store does not know the test CA */
                ts = cql_session_new(&t, &e);
                if (ts) {
                        printf("TLS accepted an unknown CA\n");
                        cql_session_free(ts);
                } else {
                        printf("TLS refused: %s\n", e.message ? e.message : "?");
                        cql_error_clear(&e);
                }
        }
        S = cql_session_new(&o, &e);
        if (!S)
                die_err("connect", &e);
        const char *cn = cql_compression_name(cql_session_compression(S));
        printf("CONNECTED %s v%u %s\n", cql_session_peer(S), cql_session_version(S), cn ? cn : "none");
        q("DROP KEYSPACE IF EXISTS cqlcheck");
        q("CREATE KEYSPACE cqlcheck WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
        q("CREATE TYPE cqlcheck.addr (street text, zip int)");
        q("CREATE TABLE cqlcheck.types (id int PRIMARY KEY, a ascii, b bigint, bl blob, bo boolean, de "
          "decimal, "
          "d double, f float, i inet, t timestamp, u uuid, tu timeuuid, v varint, dt date, tm time, si "
          "smallint, "
          "ti tinyint, l list<int>, s set<text>, m map<text, int>, ad frozen<addr>, tp frozen<tuple<int, "
          "text>>, "
          "tx text)");
        q("CREATE TABLE cqlcheck.kv (k int PRIMARY KEY, v text)");
        q("CREATE TABLE cqlcheck.cnt (k int PRIMARY KEY, c counter)");
        q("CREATE TABLE cqlcheck.rp (k int PRIMARY KEY, v text)");
        types_roundtrip();
        batches();
        pipelined();
        reprepare();
        paging();
        errors();
        node_errors();
        large();
        cql_session_free(S);
        printf("DONE\n");
        return 0;
}
