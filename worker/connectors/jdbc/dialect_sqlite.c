/* The SQLite dialect over sqlite3: opens the file of jdbc:sqlite:<path> (":memory:" too), runs
 * statements with text parameters and reads every row into memory as text (blobs as their
 * bytes), maps declared column types the way sqlite-jdbc reports them, and lists tables from
 * sqlite_master. Same interface as the PostgreSQL dialect, so the source and sink run unchanged. */
#include "jdbc.h"

#include <sqlite3.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct jdbc_conn {
        sqlite3 *db;
        bool broken;
};

static int lite_connect(const jdbc_url_t *u, const char *user, const char *password, const char *tz,
                        jdbc_conn_t **out, char *errstr, size_t errstr_size)
{
        sqlite3 *db = NULL;
        int rc = sqlite3_open_v2(u->database, &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI, NULL);
        if (rc != SQLITE_OK) {
                snprintf(errstr, errstr_size, "cannot open SQLite database %s: %s", u->database,
                         db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
                sqlite3_close(db);
                return -1;
        }
        sqlite3_busy_timeout(db, 5000);
        jdbc_conn_t *c = calloc(1, sizeof(*c));
        if (!c) {
                sqlite3_close(db);
                return -1;
        }
        c->db = db;
        *out = c;
        return 0;
}

static void lite_close(jdbc_conn_t *c)
{
        if (c) {
                sqlite3_close(c->db);
                free(c);
        }
}

static bool lite_alive(jdbc_conn_t *c)
{
        return c && !c->broken;
}

static bool lite_conn_error(jdbc_conn_t *c)
{
        return !c || c->broken;
}

typedef struct {
        char **cells; /* nrows * ncols, NULL = SQL NULL */
        size_t *lens;
} lite_result_t;

static const char *lite_cell(jdbc_result_t *r, size_t row, size_t col, size_t *len)
{
        lite_result_t *p = r->impl;
        size_t i = row * r->ncols + col;
        *len = p->lens[i];
        return p->cells[i];
}

static void lite_result_free(jdbc_result_t *r)
{
        lite_result_t *p = r->impl;
        if (p) {
                for (size_t i = 0; i < r->nrows * r->ncols; i++)
                        free(p->cells[i]);
                free(p->cells);
                free(p->lens);
                free(p);
        }
        jdbc_columns_free(r->cols, r->ncols);
}

static jdbc_sqltype_t decl_type(const char *d)
{
        if (!d)
                return JDBC_T_STRING;
        char u[64];
        size_t i = 0;
        for (; d[i] && i + 1 < sizeof(u); i++)
                u[i] = (char)toupper((unsigned char)d[i]);
        u[i] = 0;
        if (strstr(u, "BIGINT"))
                return JDBC_T_INT64;
        if (strstr(u, "BOOL"))
                return JDBC_T_BOOL;
        if (strstr(u, "SMALLINT"))
                return JDBC_T_INT16;
        if (strstr(u, "TINYINT"))
                return JDBC_T_INT8;
        if (strstr(u, "INT"))
                return JDBC_T_INT64;
        if (strstr(u, "CHAR") || strstr(u, "CLOB") || strstr(u, "TEXT"))
                return JDBC_T_STRING;
        if (strstr(u, "BLOB") || strstr(u, "BINARY"))
                return JDBC_T_BYTES;
        if (strstr(u, "REAL") || strstr(u, "FLOA") || strstr(u, "DOUB"))
                return JDBC_T_FLOAT64;
        if (strstr(u, "TIMESTAMP") || strstr(u, "DATETIME"))
                return JDBC_T_TIMESTAMP;
        if (strstr(u, "DATE"))
                return JDBC_T_DATE;
        if (strstr(u, "TIME"))
                return JDBC_T_TIME;
        return JDBC_T_STRING;
}

static int lite_query_lens(jdbc_conn_t *c, const char *sql, const char *const *params, const size_t *lens,
                           size_t n, jdbc_result_t *res, char *errstr, size_t errstr_size)
{
        if (res)
                memset(res, 0, sizeof(*res));
        sqlite3_stmt *st = NULL;
        const char *tail = NULL;
        if (sqlite3_prepare_v2(c->db, sql, -1, &st, &tail) != SQLITE_OK) {
                snprintf(errstr, errstr_size, "%s", sqlite3_errmsg(c->db));
                return -1;
        }
        for (size_t i = 0; i < n; i++) {
                if (params[i])
                        sqlite3_bind_text(st, (int)i + 1, params[i], lens ? (int)lens[i] : -1,
                                          SQLITE_TRANSIENT);
                else
                        sqlite3_bind_null(st, (int)i + 1);
        }
        size_t nc = (size_t)sqlite3_column_count(st);
        jdbc_column_t *cols = calloc(nc ? nc : 1, sizeof(*cols));
        lite_result_t *p = calloc(1, sizeof(*p));
        size_t cap = 0, nrows = 0;
        int rc;
        for (size_t i = 0; i < nc && cols; i++) {
                const char *d = sqlite3_column_decltype(st, (int)i);
                cols[i].name = strdup(sqlite3_column_name(st, (int)i));
                cols[i].type_name = strdup(d ? d : "");
                cols[i].type = decl_type(d);
                cols[i].nullable = true;
                const char *tbl = sqlite3_column_table_name(st, (int)i);
                const char *org = sqlite3_column_origin_name(st, (int)i);
                int notnull = 0, pk = 0, autoinc = 0;
                if (tbl && org &&
                    sqlite3_table_column_metadata(c->db, NULL, tbl, org, NULL, NULL, &notnull, &pk,
                                                  &autoinc) == SQLITE_OK) {
                        cols[i].nullable = !notnull && !pk;
                        cols[i].primary_key = pk != 0;
                        cols[i].autoincrement = autoinc || (pk && cols[i].type == JDBC_T_INT64);
                }
        }
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                if (!res || !p || !cols)
                        continue;
                if (nrows == cap) {
                        cap = cap ? cap * 2 : 64;
                        p->cells = realloc(p->cells, cap * (nc ? nc : 1) * sizeof(char *));
                        p->lens = realloc(p->lens, cap * (nc ? nc : 1) * sizeof(size_t));
                }
                for (size_t i = 0; i < nc; i++) {
                        size_t k = nrows * nc + i;
                        int t = sqlite3_column_type(st, (int)i);
                        if (t == SQLITE_NULL) {
                                p->cells[k] = NULL;
                                p->lens[k] = 0;
                                continue;
                        }
                        const void *v = t == SQLITE_BLOB ? sqlite3_column_blob(st, (int)i)
                                                         : (const void *)sqlite3_column_text(st, (int)i);
                        size_t len = (size_t)sqlite3_column_bytes(st, (int)i);
                        p->cells[k] = malloc(len + 1);
                        if (len)
                                memcpy(p->cells[k], v, len);
                        p->cells[k][len] = 0;
                        p->lens[k] = len;
                }
                nrows++;
        }
        if (rc != SQLITE_DONE) {
                snprintf(errstr, errstr_size, "%s", sqlite3_errmsg(c->db));
                sqlite3_finalize(st);
                jdbc_result_t tmp = {.nrows = nrows, .ncols = nc, .cols = cols, .impl = p};
                lite_result_free(&tmp);
                return -1;
        }
        sqlite3_finalize(st);
        /* Statements after the first (the connect-time setup) run without results. */
        if (tail && *tail && strspn(tail, " \t\n;") != strlen(tail) && !res) {
                char *e = NULL;
                if (sqlite3_exec(c->db, tail, NULL, NULL, &e) != SQLITE_OK) {
                        snprintf(errstr, errstr_size, "%s", e ? e : "error");
                        sqlite3_free(e);
                        jdbc_result_t tmp = {.nrows = nrows, .ncols = nc, .cols = cols, .impl = p};
                        lite_result_free(&tmp);
                        return -1;
                }
        }
        if (!res) {
                jdbc_result_t tmp = {.nrows = nrows, .ncols = nc, .cols = cols, .impl = p};
                lite_result_free(&tmp);
                return 0;
        }
        res->nrows = nrows;
        res->ncols = nc;
        res->cols = cols;
        res->impl = p;
        res->cell = lite_cell;
        res->free = lite_result_free;
        return 0;
}

static int lite_query(jdbc_conn_t *c, const char *sql, const char *const *params, size_t n,
                      jdbc_result_t *res, char *errstr, size_t errstr_size)
{
        return lite_query_lens(c, sql, params, NULL, n, res, errstr, errstr_size);
}

static int lite_list_tables(jdbc_conn_t *c, const char *catalog_pattern, const char *schema_pattern,
                            char *const *types, size_t n_types, jdbc_table_id_t **out, size_t *n_out,
                            char *errstr, size_t errstr_size)
{
        (void)catalog_pattern; /* sqlite-jdbc has no catalogs */
        bool tables = false, views = false;
        for (size_t i = 0; i < n_types; i++) {
                tables |= !strcasecmp(types[i], "TABLE");
                views |= !strcasecmp(types[i], "VIEW");
        }
        const char *params[2] = {tables ? "table" : "-", views ? "view" : "-"};
        jdbc_result_t r;
        if (lite_query(c,
                       "SELECT name FROM sqlite_master WHERE type IN (?, ?) AND name NOT LIKE 'sqlite\\_%' "
                       "ESCAPE '\\' ORDER BY name",
                       params, 2, &r, errstr, errstr_size) < 0)
                return -1;
        jdbc_table_id_t *ids = calloc(r.nrows ? r.nrows : 1, sizeof(*ids));
        for (size_t i = 0; ids && i < r.nrows; i++) {
                size_t len;
                ids[i].table = strdup(r.cell(&r, i, 0, &len));
        }
        *out = ids;
        *n_out = ids ? r.nrows : 0;
        jdbc_result_free(&r);
        return ids ? 0 : -1;
}

static int lite_describe(jdbc_conn_t *c, const jdbc_table_id_t *t, jdbc_column_t **cols, size_t *n,
                         bool *exists, char *errstr, size_t errstr_size)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        ferry_buf_puts(&b, "SELECT * FROM ");
        jdbc_sql_table(&b, &jdbc_dialect_sqlite.style, t);
        ferry_buf_puts(&b, " LIMIT 0");
        jdbc_result_t r;
        int rc = lite_query(c, b.p, NULL, 0, &r, errstr, errstr_size);
        ferry_buf_free(&b);
        *cols = NULL;
        *n = 0;
        if (rc < 0) {
                *exists = false;
                return strstr(errstr, "no such table") ? 0 : -1;
        }
        *exists = true;
        *cols = r.cols;
        *n = r.ncols;
        r.cols = NULL;
        r.ncols = 0;
        jdbc_result_free(&r);
        return 0;
}

const jdbc_dialect_t jdbc_dialect_sqlite = {
        .name = "SqliteDatabaseDialect",
        .kind = JDBC_DB_SQLITE,
        .style = {.quote = '"', .quote_identifiers = true, .placeholder = '?'},
        .connect = lite_connect,
        .close = lite_close,
        .alive = lite_alive,
        .query = lite_query,
        .list_tables = lite_list_tables,
        .describe = lite_describe,
        /* Epoch milliseconds, as sqlite-jdbc binds and stores timestamps. */
        .now_sql = "SELECT CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
        .ts_suffix = "",
        .conn_error = lite_conn_error,
        .query_lens = lite_query_lens,
        .ts_epoch_ms = true,
};
