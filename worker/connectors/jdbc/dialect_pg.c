/* The PostgreSQL dialect over libpq: connects with the conninfo translated from the JDBC URL (the
 * session runs in db.timezone with ISO dates), runs statements with text parameters, describes
 * result columns the way pgjdbc reports them (bool and bit(1) boolean, numeric with precision and
 * scale from the type modifier, json/jsonb/uuid as strings, nullability and serial/identity from
 * pg_attribute) and lists tables from pg_catalog. The source reads results through a cursor in
 * chunks (memory bounded); the sink's statements may travel pipelined (libpq pipeline mode), BEGIN
 * going with the first of them. Both the source and the sink reach the database only through this
 * interface. */
#include "jdbc.h"

#include <ferry/log.h>

#include <libpq-fe.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* COPY data is handed to libpq in pieces of about this many bytes. */
#define COPY_PIECE 16384

struct jdbc_conn {
        PGconn *pg;
        bool stream_tx; /* stream_open began the transaction its cursor lives in */
        bool streaming;
        /* BEGIN was asked for and not sent yet: it goes with the next statement (one round trip
         * less per sink batch: "BEGIN; COPY ..."), and a COMMIT or ROLLBACK of nothing sends none. */
        bool begin_pending;
        /* Pipelining allowed (the sink's fast path): statements without a result are sent at once
         * and their results read together at COMMIT, or before anything that needs a result, in
         * one round trip (libpq pipeline mode). */
        bool pipeline_ok;
        bool prefetching; /* a FETCH of the stream was sent ahead, its answer not read yet */
        size_t queued;    /* statements sent in pipeline mode, results not read yet */
        /* A COPY FROM STDIN under way (the sink's insert mode): the server answered it (ready) or
         * refused it or its data (failed, copy_err); rows wait in copy_buf. */
        bool copying, copy_ready, copy_failed;
        char copy_err[512];
        ferry_buf_t copy_buf;
};

/* libpq messages end with a newline; keep the first line. */
static void pg_msg(char *errstr, size_t errstr_size, const char *prefix, const char *msg)
{
        size_t n = strcspn(msg ? msg : "", "\n");
        snprintf(errstr, errstr_size, "%s%.*s", prefix, (int)n, msg ? msg : "");
}

static int pg_exec_simple(PGconn *pg, const char *sql, char *errstr, size_t errstr_size)
{
        PGresult *r = PQexec(pg, sql);
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
        if (!ok)
                pg_msg(errstr, errstr_size, "", PQresultErrorMessage(r));
        PQclear(r);
        return ok ? 0 : -1;
}

static int pg_connect(const jdbc_url_t *u, const char *user, const char *password, const char *tz,
                      jdbc_conn_t **out, char *errstr, size_t errstr_size)
{
        char *dropped = NULL;
        char *ci = jdbc_pg_conninfo(u, user, password, &dropped);
        if (!ci) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        if (dropped) {
                FERRY_WARN("connection.url: PostgreSQL JDBC parameters without a libpq equivalent are "
                           "ignored: %s",
                           dropped);
                free(dropped);
        }
        PGconn *pg = PQconnectdb(ci);
        free(ci);
        if (!pg || PQstatus(pg) != CONNECTION_OK) {
                pg_msg(errstr, errstr_size, "", pg ? PQerrorMessage(pg) : "out of memory");
                PQfinish(pg);
                return -1;
        }
        /* A region name as it is; a fixed offset as an ISO interval (PostgreSQL reads "+02:00" and
         * "UTC+2" as POSIX zones, west of Greenwich). */
        char sql[200], zone[80];
        jdbc_tz_t *z = NULL;
        char why[128];
        if (jdbc_tz_load(tz, &z, why, sizeof(why)) < 0) {
                snprintf(errstr, errstr_size, "%s", why);
                PQfinish(pg);
                return -1;
        }
        bool region = tz && tz[0] != '+' && tz[0] != '-' &&
                      !((!strncmp(tz, "UTC", 3) || !strncmp(tz, "GMT", 3)) && (tz[3] == '+' || tz[3] == '-'));
        if (z && !region) {
                int32_t off = jdbc_tz_offset(z, 0);
                int32_t a = off < 0 ? -off : off;
                snprintf(zone, sizeof(zone), "INTERVAL '%c%02d:%02d' HOUR TO MINUTE", off < 0 ? '-' : '+',
                         a / 3600, a / 60 % 60);
        } else {
                char *lit = PQescapeLiteral(pg, z ? tz : "UTC", strlen(z ? tz : "UTC"));
                snprintf(zone, sizeof(zone), "%s", lit ? lit : "'UTC'");
                PQfreemem(lit);
        }
        jdbc_tz_free(z);
        snprintf(sql, sizeof(sql), "SET TIME ZONE %s; SET DateStyle = ISO; SET extra_float_digits = 3", zone);
        if (pg_exec_simple(pg, sql, errstr, errstr_size) < 0) {
                PQfinish(pg);
                return -1;
        }
        jdbc_conn_t *c = calloc(1, sizeof(*c));
        if (!c) {
                PQfinish(pg);
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        ferry_buf_init(&c->copy_buf);
        c->pg = pg;
        *out = c;
        return 0;
}

static void pg_close(jdbc_conn_t *c)
{
        if (!c)
                return;
        PQfinish(c->pg);
        ferry_buf_free(&c->copy_buf);
        free(c);
}

static bool pg_alive(jdbc_conn_t *c)
{
        return c && PQstatus(c->pg) == CONNECTION_OK;
}

static bool pg_conn_error(jdbc_conn_t *c)
{
        return !c || PQstatus(c->pg) != CONNECTION_OK;
}

typedef struct {
        PGresult *res;
        ferry_buf_t scratch;
} pg_result_t;

static int unhex(int ch)
{
        if (ch >= '0' && ch <= '9')
                return ch - '0';
        if (ch >= 'a' && ch <= 'f')
                return ch - 'a' + 10;
        if (ch >= 'A' && ch <= 'F')
                return ch - 'A' + 10;
        return 0;
}

static const char *pg_cell(jdbc_result_t *r, size_t row, size_t col, size_t *len)
{
        pg_result_t *p = r->impl;
        if (PQgetisnull(p->res, (int)row, (int)col))
                return NULL;
        const char *v = PQgetvalue(p->res, (int)row, (int)col);
        size_t n = (size_t)PQgetlength(p->res, (int)row, (int)col);
        if (r->cols[col].type == JDBC_T_BYTES && n >= 2 && v[0] == '\\' && v[1] == 'x') {
                ferry_buf_reset(&p->scratch);
                ferry_buf_reserve(&p->scratch, n / 2 + 1);
                for (size_t i = 2; i + 1 < n; i += 2)
                        ferry_buf_putc(&p->scratch, (char)(unhex(v[i]) * 16 + unhex(v[i + 1])));
                *len = p->scratch.len;
                return p->scratch.p ? p->scratch.p : "";
        }
        *len = n;
        return v;
}

static void pg_result_free(jdbc_result_t *r)
{
        pg_result_t *p = r->impl;
        if (p) {
                PQclear(p->res);
                ferry_buf_free(&p->scratch);
                free(p);
        }
        jdbc_columns_free(r->cols, r->ncols);
}

static void map_type(Oid oid, int mod, jdbc_column_t *c)
{
        c->type = JDBC_T_UNKNOWN;
        switch (oid) {
        case 16:
                c->type = JDBC_T_BOOL;
                break;
        case 1560: /* bit(n) */
                c->type = mod > 1 ? JDBC_T_BITS : JDBC_T_BOOL;
                break;
        case 1562:
                c->type = JDBC_T_BITS;
                break;
        case 21:
                c->type = JDBC_T_INT16;
                break;
        case 23:
                c->type = JDBC_T_INT32;
                break;
        case 20:
        case 26:
                c->type = JDBC_T_INT64;
                break;
        case 700:
                c->type = JDBC_T_FLOAT32;
                break;
        case 701:
                c->type = JDBC_T_FLOAT64;
                break;
        case 1700:
                c->type = JDBC_T_NUMERIC;
                if (mod >= 4) {
                        c->precision = ((mod - 4) >> 16) & 0xffff;
                        c->scale = (mod - 4) & 0xffff;
                }
                break;
        case 18:
        case 19:
        case 25:
        case 1042:
        case 1043:
        case 114:  /* json */
        case 3802: /* jsonb */
        case 2950: /* uuid */
        case 142:  /* xml */
                c->type = JDBC_T_STRING;
                break;
        case 17:
                c->type = JDBC_T_BYTES;
                break;
        case 1082:
                c->type = JDBC_T_DATE;
                break;
        case 1083:
        case 1266:
                c->type = JDBC_T_TIME;
                break;
        case 1114:
        case 1184:
                c->type = JDBC_T_TIMESTAMP;
                break;
        default:
                break;
        }
}

/* Nullability and serial/identity of the result's columns that come from a table. */
static void table_flags(PGconn *pg, PGresult *res, jdbc_column_t *cols, int n)
{
        Oid table = InvalidOid;
        for (int i = 0; i < n; i++) {
                Oid t = PQftable(res, i);
                if (t != InvalidOid) {
                        table = t;
                        break;
                }
        }
        if (table == InvalidOid)
                return;
        char oidtxt[16];
        snprintf(oidtxt, sizeof(oidtxt), "%u", table);
        const char *params[1] = {oidtxt};
        PGresult *r = PQexecParams(
                pg,
                "SELECT a.attnum, a.attnotnull, (a.attidentity <> '' OR COALESCE(pg_get_expr(d.adbin, "
                "d.adrelid) "
                "LIKE 'nextval(%', false)), format_type(a.atttypid, a.atttypmod), EXISTS (SELECT 1 FROM "
                "pg_catalog.pg_index i WHERE i.indrelid = a.attrelid AND i.indisprimary AND a.attnum = "
                "ANY(i.indkey)) "
                "FROM pg_catalog.pg_attribute a "
                "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
                "WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped",
                1, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(r) == PGRES_TUPLES_OK) {
                for (int row = 0; row < PQntuples(r); row++) {
                        int attnum = (int)strtol(PQgetvalue(r, row, 0), NULL, 10);
                        for (int i = 0; i < n; i++) {
                                if (PQftable(res, i) != table || PQftablecol(res, i) != attnum)
                                        continue;
                                cols[i].nullable = PQgetvalue(r, row, 1)[0] != 't';
                                cols[i].autoincrement = PQgetvalue(r, row, 2)[0] == 't';
                                cols[i].primary_key = PQgetvalue(r, row, 4)[0] == 't';
                                free(cols[i].type_name);
                                cols[i].type_name = strdup(PQgetvalue(r, row, 3));
                        }
                }
        }
        PQclear(r);
}

static void result_error(PGresult *r, char *errstr, size_t errstr_size)
{
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        pg_msg(errstr, errstr_size, "", PQresultErrorMessage(r));
        if (state && errstr_size > 8) {
                size_t l = strlen(errstr);
                snprintf(errstr + l, errstr_size - l, " (SQLSTATE %s)", state);
        }
}

/* Reads the results of the pipelined statements and leaves pipeline mode: -1 with the first
 * statement's error (the ones after it were skipped by the server). */
static int pg_sync(jdbc_conn_t *c, char *errstr, size_t errstr_size)
{
        if (PQpipelineStatus(c->pg) == PQ_PIPELINE_OFF)
                return 0;
        int rc = 0;
        if (PQpipelineSync(c->pg) != 1) {
                pg_msg(errstr, errstr_size, "", PQerrorMessage(c->pg));
                rc = -1;
        }
        /* Each statement's result is followed by NULL; the sync point ends the pipeline. */
        bool synced = rc < 0;
        int nulls = 0;
        while (!synced && PQstatus(c->pg) == CONNECTION_OK) {
                PGresult *r = PQgetResult(c->pg);
                if (!r) {
                        if (++nulls > 2 * (int)c->queued + 4)
                                break;
                        continue;
                }
                ExecStatusType st = PQresultStatus(r);
                if (st == PGRES_PIPELINE_SYNC)
                        synced = true;
                else if (st == PGRES_FATAL_ERROR && rc == 0) {
                        result_error(r, errstr, errstr_size);
                        rc = -1;
                }
                PQclear(r);
        }
        if (PQstatus(c->pg) != CONNECTION_OK && rc == 0) {
                pg_msg(errstr, errstr_size, "", PQerrorMessage(c->pg));
                rc = -1;
        }
        c->queued = 0;
        if (PQexitPipelineMode(c->pg) != 1 && rc == 0) {
                pg_msg(errstr, errstr_size, "", PQerrorMessage(c->pg));
                rc = -1;
        }
        return rc;
}

/* Sends a statement without a result in pipeline mode. */
static int pg_send(jdbc_conn_t *c, const char *sql, const char *const *params, size_t n, char *errstr,
                   size_t errstr_size)
{
        if (PQpipelineStatus(c->pg) == PQ_PIPELINE_OFF && PQenterPipelineMode(c->pg) != 1) {
                pg_msg(errstr, errstr_size, "", PQerrorMessage(c->pg));
                return -1;
        }
        if (PQsendQueryParams(c->pg, sql, (int)n, NULL, params, NULL, NULL, 0) != 1) {
                pg_msg(errstr, errstr_size, "", PQerrorMessage(c->pg));
                char ignore[128];
                pg_sync(c, ignore, sizeof(ignore));
                return -1;
        }
        c->queued++;
        return 0;
}

static void pg_pipeline(jdbc_conn_t *c, bool on)
{
        if (!on) {
                char ignore[128];
                pg_sync(c, ignore, sizeof(ignore));
        }
        c->pipeline_ok = on;
}

static int pg_wrap(jdbc_conn_t *c, PGresult *r, bool flags, jdbc_result_t *res, char *errstr,
                   size_t errstr_size);

static int pg_query(jdbc_conn_t *c, const char *sql, const char *const *params, size_t n, jdbc_result_t *res,
                    char *errstr, size_t errstr_size)
{
        if (res)
                memset(res, 0, sizeof(*res));
        if (!res && !n && !strcmp(sql, "BEGIN")) {
                c->begin_pending = true;
                return 0;
        }
        bool end = !res && !n && (!strcmp(sql, "COMMIT") || !strcmp(sql, "ROLLBACK"));
        if (c->begin_pending) {
                c->begin_pending = false;
                if (end)
                        return 0;
                int rc = c->pipeline_ok && !res ? pg_send(c, "BEGIN", NULL, 0, errstr, errstr_size)
                         : pg_sync(c, errstr, errstr_size) < 0
                                 ? -1
                                 : pg_exec_simple(c->pg, "BEGIN", errstr, errstr_size);
                if (rc < 0)
                        return -1;
        }
        if (c->pipeline_ok && !res && strcmp(sql, "ROLLBACK") != 0) {
                if (pg_send(c, sql, params, n, errstr, errstr_size) < 0)
                        return -1;
                return !strcmp(sql, "COMMIT") ? pg_sync(c, errstr, errstr_size) : 0;
        }
        if (PQpipelineStatus(c->pg) != PQ_PIPELINE_OFF) {
                char ignore[128];
                int rc = pg_sync(c, !strcmp(sql, "ROLLBACK") ? ignore : errstr,
                                 !strcmp(sql, "ROLLBACK") ? sizeof(ignore) : errstr_size);
                if (rc < 0 && strcmp(sql, "ROLLBACK") != 0)
                        return -1;
        }
        PGresult *r = PQexecParams(c->pg, sql, (int)n, NULL, params, NULL, NULL, 0);
        ExecStatusType s = PQresultStatus(r);
        if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
                result_error(r, errstr, errstr_size);
                PQclear(r);
                return -1;
        }
        if (!res) {
                PQclear(r);
                return 0;
        }
        return pg_wrap(c, r, true, res, errstr, errstr_size);
}

/* A result set as a jdbc_result_t (takes r); flags: nullability, serial and keys of table
 * columns (one more query). */
static int pg_wrap(jdbc_conn_t *c, PGresult *r, bool flags, jdbc_result_t *res, char *errstr,
                   size_t errstr_size)
{
        int nf = PQnfields(r);
        pg_result_t *p = calloc(1, sizeof(*p));
        jdbc_column_t *cols = calloc(nf ? (size_t)nf : 1, sizeof(*cols));
        if (!p || !cols) {
                free(p);
                free(cols);
                PQclear(r);
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        for (int i = 0; i < nf; i++) {
                cols[i].name = strdup(PQfname(r, i));
                char tn[24];
                snprintf(tn, sizeof(tn), "oid %u", PQftype(r, i));
                cols[i].type_name = strdup(tn);
                cols[i].nullable = true;
                map_type(PQftype(r, i), PQfmod(r, i), &cols[i]);
        }
        if (flags)
                table_flags(c->pg, r, cols, nf);
        p->res = r;
        ferry_buf_init(&p->scratch);
        res->nrows = (size_t)PQntuples(r);
        res->ncols = (size_t)nf;
        res->cols = cols;
        res->impl = p;
        res->cell = pg_cell;
        res->free = pg_result_free;
        return 0;
}

static int pg_list_tables(jdbc_conn_t *c, const char *catalog_pattern, const char *schema_pattern,
                          char *const *types, size_t n_types, jdbc_table_id_t **out, size_t *n_out,
                          char *errstr, size_t errstr_size)
{
        char kinds[16] = "{";
        for (size_t i = 0; i < n_types; i++) {
                const char *k = !strcasecmp(types[i], "TABLE")               ? "r,p"
                                : !strcasecmp(types[i], "VIEW")              ? "v"
                                : !strcasecmp(types[i], "MATERIALIZED VIEW") ? "m"
                                : !strcasecmp(types[i], "FOREIGN TABLE")     ? "f"
                                                                             : NULL;
                if (!k)
                        continue;
                size_t l = strlen(kinds);
                snprintf(kinds + l, sizeof(kinds) - l, "%s%s", l > 1 ? "," : "", k);
        }
        size_t l = strlen(kinds);
        snprintf(kinds + l, sizeof(kinds) - l, "}");
        const char *params[3] = {kinds, schema_pattern && *schema_pattern ? schema_pattern : NULL,
                                 catalog_pattern && *catalog_pattern ? catalog_pattern : NULL};
        jdbc_result_t r;
        if (pg_query(c,
                     "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
                     "ON n.oid = c.relnamespace WHERE c.relkind::text = ANY($1::text[]) "
                     "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE "
                     "'pg\\_toast%' "
                     "AND ($2::text IS NULL OR n.nspname LIKE $2::text) "
                     "AND ($3::text IS NULL OR current_database() LIKE $3::text) ORDER BY 1, 2",
                     params, 3, &r, errstr, errstr_size) < 0)
                return -1;
        jdbc_table_id_t *ids = calloc(r.nrows ? r.nrows : 1, sizeof(*ids));
        if (!ids) {
                jdbc_result_free(&r);
                return -1;
        }
        for (size_t i = 0; i < r.nrows; i++) {
                size_t len;
                ids[i].schema = strdup(r.cell(&r, i, 0, &len));
                ids[i].table = strdup(r.cell(&r, i, 1, &len));
        }
        *out = ids;
        *n_out = r.nrows;
        jdbc_result_free(&r);
        return 0;
}

static int pg_describe(jdbc_conn_t *c, const jdbc_table_id_t *t, jdbc_column_t **cols, size_t *n,
                       bool *exists, char *errstr, size_t errstr_size)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        jdbc_sql_table(&b, &jdbc_dialect_postgres.style, t);
        /* to_regclass answers NULL for a missing table without failing the transaction. */
        const char *name[1] = {b.p};
        jdbc_result_t r;
        *cols = NULL;
        *n = 0;
        if (pg_query(c, "SELECT to_regclass($1) IS NOT NULL", name, 1, &r, errstr, errstr_size) < 0) {
                ferry_buf_free(&b);
                return -1;
        }
        size_t len;
        const char *yes = r.nrows ? r.cell(&r, 0, 0, &len) : NULL;
        *exists = yes && yes[0] == 't';
        jdbc_result_free(&r);
        if (!*exists) {
                ferry_buf_free(&b);
                return 0;
        }
        ferry_buf_reset(&b);
        ferry_buf_puts(&b, "SELECT * FROM ");
        jdbc_sql_table(&b, &jdbc_dialect_postgres.style, t);
        ferry_buf_puts(&b, " LIMIT 0");
        int rc = pg_query(c, b.p, NULL, 0, &r, errstr, errstr_size);
        ferry_buf_free(&b);
        if (rc < 0)
                return -1;
        *exists = true;
        *cols = r.cols;
        *n = r.ncols;
        r.cols = NULL;
        r.ncols = 0;
        jdbc_result_free(&r);
        return 0;
}

/* ---- streamed reads: a cursor in a transaction, FETCH FORWARD n at a time ---- */

static int pg_stream_open(jdbc_conn_t *c, const char *sql, const char *const *params, size_t n, char *errstr,
                          size_t errstr_size)
{
        c->stream_tx = PQtransactionStatus(c->pg) == PQTRANS_IDLE;
        if (c->stream_tx && pg_exec_simple(c->pg, "BEGIN", errstr, errstr_size) < 0)
                return -1;
        ferry_buf_t b;
        ferry_buf_init(&b);
        ferry_buf_puts(&b, "DECLARE ferry_cursor NO SCROLL CURSOR FOR ");
        ferry_buf_puts(&b, sql);
        int rc = pg_query(c, b.p, params, n, NULL, errstr, errstr_size);
        ferry_buf_free(&b);
        if (rc < 0) {
                if (c->stream_tx)
                        pg_exec_simple(c->pg, "ROLLBACK", (char[64]){0}, 64);
                c->stream_tx = false;
                return -1;
        }
        c->streaming = true;
        return 0;
}

/* Reads the answer of the FETCH sent ahead. */
static PGresult *prefetched(jdbc_conn_t *c, char *errstr, size_t errstr_size)
{
        PGresult *r = PQgetResult(c->pg), *extra;
        c->prefetching = false;
        while ((extra = PQgetResult(c->pg)))
                PQclear(extra);
        if (!r) {
                pg_msg(errstr, errstr_size, "", PQerrorMessage(c->pg));
                return NULL;
        }
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
                result_error(r, errstr, errstr_size);
                PQclear(r);
                return NULL;
        }
        return r;
}

/* The next chunk; the FETCH of the one after it is sent at once, so the server reads it while the
 * task turns this one into records. */
static int pg_stream_next(jdbc_conn_t *c, size_t rows, jdbc_result_t *res, char *errstr, size_t errstr_size)
{
        char sql[64];
        snprintf(sql, sizeof(sql), "FETCH FORWARD %zu FROM ferry_cursor", rows ? rows : 1);
        memset(res, 0, sizeof(*res));
        int rc;
        if (c->prefetching) {
                PGresult *r = prefetched(c, errstr, errstr_size);
                rc = r ? pg_wrap(c, r, false, res, errstr, errstr_size) : -1;
        } else {
                rc = pg_query(c, sql, NULL, 0, res, errstr, errstr_size);
        }
        if (rc == 0 && res->nrows >= rows && PQsendQuery(c->pg, sql) == 1)
                c->prefetching = true;
        return rc;
}

static void pg_stream_close(jdbc_conn_t *c)
{
        if (!c->streaming)
                return;
        char ignore[128];
        c->streaming = false;
        if (c->prefetching)
                PQclear(prefetched(c, ignore, sizeof(ignore)));
        if (PQstatus(c->pg) != CONNECTION_OK)
                return;
        if (c->stream_tx)
                pg_exec_simple(c->pg, PQtransactionStatus(c->pg) == PQTRANS_INERROR ? "ROLLBACK" : "COMMIT",
                               ignore, sizeof(ignore));
        else
                pg_exec_simple(c->pg, "CLOSE ferry_cursor", ignore, sizeof(ignore));
        c->stream_tx = false;
}

/* ---- COPY ... FROM STDIN (text format): the sink's insert mode ---- */

/* Whether t takes COPY exactly as it takes INSERT: a plain or partitioned table without rules
 * (COPY ignores INSERT rules) and without GENERATED ALWAYS identity columns (COPY writes them
 * where INSERT refuses to). */
static int pg_copy_ok(jdbc_conn_t *c, const jdbc_table_id_t *t, bool *ok, char *errstr, size_t errstr_size)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        jdbc_sql_table(&b, &jdbc_dialect_postgres.style, t);
        const char *name[1] = {b.p};
        jdbc_result_t r;
        int rc =
                pg_query(c,
                         "SELECT c.relkind IN ('r', 'p') AND NOT c.relhasrules AND NOT EXISTS (SELECT 1 FROM "
                         "pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attidentity = 'a') "
                         "FROM pg_catalog.pg_class c WHERE c.oid = to_regclass($1)",
                         name, 1, &r, errstr, errstr_size);
        ferry_buf_free(&b);
        if (rc < 0)
                return -1;
        size_t len;
        const char *yes = r.nrows ? r.cell(&r, 0, 0, &len) : NULL;
        *ok = yes && yes[0] == 't';
        jdbc_result_free(&r);
        return 0;
}

/* Appends a value in COPY's text format: \N for NULL; backslash, tab, newline, CR escaped. */
static void copy_value(ferry_buf_t *b, const char *v, size_t len)
{
        if (!v) {
                ferry_buf_append(b, "\\N", 2);
                return;
        }
        const char *p = v, *end = v + len;
        while (p < end) {
                const char *q = p;
                while (q < end && *q != '\\' && *q != '\t' && *q != '\n' && *q != '\r')
                        q++;
                ferry_buf_append(b, p, (size_t)(q - p));
                if (q == end)
                        break;
                char esc[2] = {'\\', *q == '\\' ? '\\' : *q == '\t' ? 't' : *q == '\n' ? 'n' : 'r'};
                ferry_buf_append(b, esc, 2);
                p = q + 1;
        }
}

/* Waits (block) or looks (!block) for the server's answer to "BEGIN; COPY": 1 ready for data,
 * 0 not yet, -1 refused (c->copy_err). */
static int copy_ready(jdbc_conn_t *c, bool block)
{
        while (!c->copy_ready && !c->copy_failed) {
                if (!block && PQconsumeInput(c->pg) != 1) {
                        pg_msg(c->copy_err, sizeof(c->copy_err), "COPY: ", PQerrorMessage(c->pg));
                        c->copy_failed = true;
                        break;
                }
                if (!block && PQisBusy(c->pg))
                        return 0;
                PGresult *r = PQgetResult(c->pg);
                ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
                if (st == PGRES_COPY_IN)
                        c->copy_ready = true;
                else if (st != PGRES_COMMAND_OK) { /* BEGIN's answer comes first */
                        if (r)
                                result_error(r, c->copy_err, sizeof(c->copy_err));
                        else
                                pg_msg(c->copy_err, sizeof(c->copy_err), "COPY: ", PQerrorMessage(c->pg));
                        c->copy_failed = true;
                }
                PQclear(r);
        }
        if (c->copy_failed) {
                PGresult *r;
                while ((r = PQgetResult(c->pg)))
                        PQclear(r);
                return -1;
        }
        return 1;
}

/* Starts "COPY t (cols) FROM STDIN" in the open transaction without waiting for the server:
 * statements pipelined before it are read first, and a pending BEGIN goes in the same message. */
static int pg_copy_begin(jdbc_conn_t *c, const char *copy_sql, char *errstr, size_t errstr_size)
{
        if (pg_sync(c, errstr, errstr_size) < 0)
                return -1;
        ferry_buf_t b;
        ferry_buf_init(&b);
        if (c->begin_pending)
                ferry_buf_puts(&b, "BEGIN; ");
        c->begin_pending = false;
        ferry_buf_puts(&b, copy_sql);
        int ok = PQsendQuery(c->pg, b.p);
        ferry_buf_free(&b);
        if (ok != 1) {
                pg_msg(errstr, errstr_size, "COPY: ", PQerrorMessage(c->pg));
                return -1;
        }
        c->copying = true;
        c->copy_ready = c->copy_failed = false;
        c->copy_err[0] = 0;
        ferry_buf_reset(&c->copy_buf);
        return 0;
}

/* Sends what is buffered once the server takes data (a refusal is kept for copy_end). */
static void copy_send(jdbc_conn_t *c, bool block)
{
        if (copy_ready(c, block) != 1 || !c->copy_buf.len)
                return;
        if (PQputCopyData(c->pg, c->copy_buf.p, (int)c->copy_buf.len) != 1) {
                pg_msg(c->copy_err, sizeof(c->copy_err), "COPY: ", PQerrorMessage(c->pg));
                c->copy_failed = true;
        }
        ferry_buf_reset(&c->copy_buf);
}

/* One row of text values (NULL: SQL NULL), in COPY's text format; sent in 16 KB pieces while the
 * caller converts the next records, so the server loads rows as they come (with 64 KB pieces a
 * put() of 1,000 rows of 60 bytes went out whole at the end, and the server started only then). */
static int pg_copy_row(jdbc_conn_t *c, const char *const *vals, const size_t *lens, size_t n, char *errstr,
                       size_t errstr_size)
{
        if (c->copy_failed)
                return 0; /* reported by copy_end */
        for (size_t i = 0; i < n; i++) {
                if (i)
                        ferry_buf_putc(&c->copy_buf, '\t');
                copy_value(&c->copy_buf, vals[i], vals[i] ? lens[i] : 0);
        }
        if (ferry_buf_putc(&c->copy_buf, '\n') < 0) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        if (c->copy_buf.len >= COPY_PIECE)
                copy_send(c, c->copy_buf.len >= (4u << 20));
        return 0;
}

/* Ends the COPY: the rest of the rows, then the server's verdict on all of them. */
static int pg_copy_end(jdbc_conn_t *c, char *errstr, size_t errstr_size)
{
        if (!c->copying)
                return 0;
        copy_send(c, true);
        c->copying = false;
        PGresult *r;
        if (c->copy_failed && !c->copy_ready) {
                snprintf(errstr, errstr_size, "%s", c->copy_err);
                return -1;
        }
        if (PQputCopyEnd(c->pg, NULL) != 1 && !c->copy_failed) {
                pg_msg(c->copy_err, sizeof(c->copy_err), "COPY: ", PQerrorMessage(c->pg));
                c->copy_failed = true;
        }
        int rc = c->copy_failed ? -1 : 0;
        if (rc < 0)
                snprintf(errstr, errstr_size, "%s", c->copy_err);
        /* The server's own error (a constraint, bad input, with its SQLSTATE) wins over libpq's
         * "no COPY in progress" that follows it locally. */
        bool server = false;
        while ((r = PQgetResult(c->pg))) {
                if (PQresultStatus(r) != PGRES_COMMAND_OK && !server) {
                        result_error(r, errstr, errstr_size);
                        server = true;
                        rc = -1;
                }
                PQclear(r);
        }
        return rc;
}

/* Abandons a COPY (the transaction is rolled back after it). */
static void pg_copy_abort(jdbc_conn_t *c)
{
        if (!c->copying)
                return;
        c->copying = false;
        if (copy_ready(c, true) == 1)
                PQputCopyEnd(c->pg, "aborted");
        PGresult *r;
        while ((r = PQgetResult(c->pg)))
                PQclear(r);
        ferry_buf_reset(&c->copy_buf);
}

const jdbc_dialect_t jdbc_dialect_postgres = {
        .name = "PostgreSqlDatabaseDialect",
        .kind = JDBC_DB_POSTGRES,
        .style = {.quote = '"', .quote_identifiers = true, .placeholder = '$'},
        .connect = pg_connect,
        .close = pg_close,
        .alive = pg_alive,
        .query = pg_query,
        .list_tables = pg_list_tables,
        .describe = pg_describe,
        .now_sql = "SELECT CURRENT_TIMESTAMP",
        /* Every open transaction of the database but ours and other Ferry sources' read cursors
         * (which hold no transaction id): a row it writes may carry a timestamp as old as its
         * start (now() is the transaction's start time). Sessions of other users are seen only
         * with pg_read_all_stats (their xact_start reads NULL otherwise). */
        .watermark_sql = "SELECT LEAST(CURRENT_TIMESTAMP, (SELECT min(xact_start) FROM pg_stat_activity "
                         "WHERE datname = current_database() AND pid <> pg_backend_pid() AND "
                         "xact_start IS NOT NULL AND NOT (backend_xid IS NULL AND query LIKE "
                         "'%ferry\\_cursor%'))), CURRENT_TIMESTAMP",
        .ts_suffix = "",
        .conn_error = pg_conn_error,
        .stream_open = pg_stream_open,
        .stream_next = pg_stream_next,
        .stream_close = pg_stream_close,
        .pipeline = pg_pipeline,
        .copy_ok = pg_copy_ok,
        .copy_begin = pg_copy_begin,
        .copy_row = pg_copy_row,
        .copy_end = pg_copy_end,
        .copy_abort = pg_copy_abort,
        .catalog_sql = "SELECT current_database()",
};
