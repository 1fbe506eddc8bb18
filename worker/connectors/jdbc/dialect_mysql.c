/* The MySQL/MariaDB dialect over libmariadb: connects to the host, port and database of
 * jdbc:mysql:// or jdbc:mariadb:// (session time zone +00:00, so DATETIME and TIMESTAMP text is
 * UTC), runs statements with their '?' parameters filled in as escaped literals, reads results as
 * text, maps column types the way Connector/J reports them, and lists the tables of the connected
 * database (the catalog, as Connector/J names it: offsets say "db.table"). Same interface as the
 * PostgreSQL and SQLite dialects. */
#include "jdbc.h"

#include <mysql.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct jdbc_conn {
        MYSQL *my;
        bool broken;
};

static void my_err(jdbc_conn_t *c, char *errstr, size_t errstr_size)
{
        unsigned e = mysql_errno(c->my);
        snprintf(errstr, errstr_size, "%s (error %u, SQLSTATE %s)", mysql_error(c->my), e,
                 mysql_sqlstate(c->my));
        /* CR_SERVER_GONE_ERROR, CR_SERVER_LOST, CR_CONNECTION_ERROR, CR_CONN_HOST_ERROR */
        if (e == 2006 || e == 2013 || e == 2002 || e == 2003)
                c->broken = true;
}

static int my_connect(const jdbc_url_t *u, const char *user, const char *password, const char *tz,
                      jdbc_conn_t **out, char *errstr, size_t errstr_size)
{
        jdbc_conn_t *c = calloc(1, sizeof(*c));
        if (!c || !(c->my = mysql_init(NULL))) {
                free(c);
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        const char *uu = user && *user ? user : ferry_strmap_get(&u->params, "user");
        const char *pw = password && *password ? password : ferry_strmap_get(&u->params, "password");
        /* Several hosts (jdbc:mysql://h1:p1,h2:p2/db): each in turn until one answers, as
         * Connector/J's failover does. */
        const char *hp = u->hosts ? u->hosts : "localhost";
        const char *pp = u->ports;
        bool connected = false;
        char why[512] = "";
        while (!connected) {
                char host[256];
                unsigned port = 3306;
                snprintf(host, sizeof(host), "%.*s", (int)strcspn(hp, ","), hp);
                if (pp && *pp && *pp != ',')
                        port = (unsigned)strtoul(pp, NULL, 10);
                unsigned timeout = 10;
                mysql_options(c->my, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
                if (mysql_real_connect(c->my, host, uu, pw, u->database, port, NULL, 0)) {
                        connected = true;
                        break;
                }
                size_t l = strlen(why);
                snprintf(why + l, sizeof(why) - l, "%s%s:%u: %s", l ? "; " : "", host, port,
                         mysql_error(c->my));
                hp = strchr(hp, ',');
                if (pp)
                        pp = strchr(pp, ',');
                if (!hp)
                        break;
                hp++;
                if (pp)
                        pp++;
                mysql_close(c->my);
                if (!(c->my = mysql_init(NULL))) {
                        free(c);
                        snprintf(errstr, errstr_size, "out of memory");
                        return -1;
                }
        }
        if (!connected) {
                snprintf(errstr, errstr_size, "%s", why);
                mysql_close(c->my);
                free(c);
                return -1;
        }
        mysql_set_character_set(c->my, "utf8mb4");
        /* The session runs in db.timezone: by name when the server has the zone tables, else at the
         * zone's offset now; TIMESTAMP and DATETIME text is then wall time in that zone. */
        jdbc_tz_t *z = NULL;
        if (jdbc_tz_load(tz, &z, why, sizeof(why)) < 0) {
                snprintf(errstr, errstr_size, "%s", why);
                mysql_close(c->my);
                free(c);
                return -1;
        }
        int32_t off = jdbc_tz_offset(z, (int64_t)time(NULL));
        int32_t a = off < 0 ? -off : off;
        char sql[160];
        int rc = -1;
        if (z && tz[0] != '+' && tz[0] != '-' && strlen(tz) < 64) {
                char esc[130];
                mysql_real_escape_string(c->my, esc, tz, (unsigned long)strlen(tz));
                snprintf(sql, sizeof(sql), "SET time_zone = '%s'", esc);
                rc = mysql_query(c->my, sql);
        }
        jdbc_tz_free(z);
        if (rc != 0) {
                snprintf(sql, sizeof(sql), "SET time_zone = '%c%02d:%02d'", off < 0 ? '-' : '+', a / 3600,
                         a / 60 % 60);
                rc = mysql_query(c->my, sql);
        }
        if (rc != 0) {
                snprintf(errstr, errstr_size, "%s", mysql_error(c->my));
                mysql_close(c->my);
                free(c);
                return -1;
        }
        *out = c;
        return 0;
}

static void my_close(jdbc_conn_t *c)
{
        if (c) {
                mysql_close(c->my);
                free(c);
        }
}

static bool my_alive(jdbc_conn_t *c)
{
        return c && !c->broken;
}

static bool my_conn_error(jdbc_conn_t *c)
{
        return !c || c->broken;
}

/* sql with each '?' outside quotes replaced by params[i] as an escaped literal (or NULL). */
static char *fill(jdbc_conn_t *c, const char *sql, const char *const *params, const size_t *lens, size_t n)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        size_t k = 0;
        char quote = 0;
        for (const char *p = sql; *p; p++) {
                if (quote) {
                        if (*p == quote)
                                quote = 0;
                        ferry_buf_putc(&b, *p);
                } else if (*p == '\'' || *p == '"' || *p == '`') {
                        quote = *p;
                        ferry_buf_putc(&b, *p);
                } else if (*p == '?' && k < n) {
                        const char *v = params[k++];
                        if (!v) {
                                ferry_buf_puts(&b, "NULL");
                                continue;
                        }
                        size_t len = lens ? lens[k - 1] : strlen(v);
                        char *esc = malloc(2 * len + 1);
                        if (!esc)
                                continue;
                        mysql_real_escape_string(c->my, esc, v, (unsigned long)len);
                        ferry_buf_printf(&b, "'%s'", esc);
                        free(esc);
                } else {
                        ferry_buf_putc(&b, *p);
                }
        }
        return ferry_buf_steal(&b);
}

typedef struct {
        MYSQL_RES *res;
        MYSQL_ROW *rows;
        unsigned long **lens;
} my_result_t;

static const char *my_cell(jdbc_result_t *r, size_t row, size_t col, size_t *len)
{
        my_result_t *p = r->impl;
        *len = p->lens[row][col];
        return p->rows[row][col];
}

static void my_result_free(jdbc_result_t *r)
{
        my_result_t *p = r->impl;
        if (p) {
                if (p->res)
                        mysql_free_result(p->res);
                for (size_t i = 0; i < r->nrows; i++)
                        free(p->lens[i]);
                free(p->rows);
                free(p->lens);
                free(p);
        }
        jdbc_columns_free(r->cols, r->ncols);
}

static void map_type(const MYSQL_FIELD *f, jdbc_column_t *c)
{
        bool binary = f->charsetnr == 63;
        switch (f->type) {
        case MYSQL_TYPE_TINY:
                c->type = JDBC_T_INT8;
                break;
        case MYSQL_TYPE_SHORT:
                c->type = (f->flags & UNSIGNED_FLAG) ? JDBC_T_INT32 : JDBC_T_INT16;
                break;
        case MYSQL_TYPE_INT24:
                c->type = JDBC_T_INT32;
                break;
        case MYSQL_TYPE_LONG:
                c->type = (f->flags & UNSIGNED_FLAG) ? JDBC_T_INT64 : JDBC_T_INT32;
                break;
        case MYSQL_TYPE_LONGLONG:
                c->type = JDBC_T_INT64;
                break;
        case MYSQL_TYPE_FLOAT:
                c->type = JDBC_T_FLOAT32;
                break;
        case MYSQL_TYPE_DOUBLE:
                c->type = JDBC_T_FLOAT64;
                break;
        case MYSQL_TYPE_DECIMAL:
        case MYSQL_TYPE_NEWDECIMAL:
                c->type = JDBC_T_NUMERIC;
                c->scale = (int)f->decimals;
                c->precision =
                        (int)f->length - (f->decimals > 0 ? 1 : 0) - ((f->flags & UNSIGNED_FLAG) ? 0 : 1);
                break;
        case MYSQL_TYPE_DATE:
        case MYSQL_TYPE_NEWDATE:
                c->type = JDBC_T_DATE;
                break;
        case MYSQL_TYPE_TIME:
                c->type = JDBC_T_TIME;
                break;
        case MYSQL_TYPE_DATETIME:
        case MYSQL_TYPE_TIMESTAMP:
                c->type = JDBC_T_TIMESTAMP;
                break;
        case MYSQL_TYPE_YEAR:
                c->type = JDBC_T_INT32;
                break;
        case MYSQL_TYPE_BIT:
                c->type = f->length == 1 ? JDBC_T_BOOL : JDBC_T_BITS;
                break;
        case MYSQL_TYPE_VARCHAR:
        case MYSQL_TYPE_VAR_STRING:
        case MYSQL_TYPE_STRING:
        case MYSQL_TYPE_TINY_BLOB:
        case MYSQL_TYPE_MEDIUM_BLOB:
        case MYSQL_TYPE_LONG_BLOB:
        case MYSQL_TYPE_BLOB:
                c->type = binary ? JDBC_T_BYTES : JDBC_T_STRING;
                break;
        case MYSQL_TYPE_JSON:
        case MYSQL_TYPE_ENUM:
        case MYSQL_TYPE_SET:
                c->type = JDBC_T_STRING;
                break;
        default:
                c->type = JDBC_T_UNKNOWN;
                break;
        }
}

static int my_query_lens(jdbc_conn_t *c, const char *sql, const char *const *params, const size_t *lens,
                         size_t n, jdbc_result_t *res, char *errstr, size_t errstr_size)
{
        if (res)
                memset(res, 0, sizeof(*res));
        char *text = fill(c, sql, params, lens, n);
        if (!text) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        int rc = mysql_real_query(c->my, text, (unsigned long)strlen(text));
        free(text);
        if (rc != 0) {
                my_err(c, errstr, errstr_size);
                return -1;
        }
        MYSQL_RES *r = mysql_store_result(c->my);
        if (!r) {
                if (mysql_field_count(c->my) != 0) {
                        my_err(c, errstr, errstr_size);
                        return -1;
                }
                return 0; /* a statement */
        }
        if (!res) {
                mysql_free_result(r);
                return 0;
        }
        size_t nc = mysql_num_fields(r), nr = (size_t)mysql_num_rows(r);
        my_result_t *p = calloc(1, sizeof(*p));
        jdbc_column_t *cols = calloc(nc ? nc : 1, sizeof(*cols));
        if (p) {
                p->rows = calloc(nr ? nr : 1, sizeof(MYSQL_ROW));
                p->lens = calloc(nr ? nr : 1, sizeof(unsigned long *));
        }
        if (!p || !cols || !p->rows || !p->lens) {
                if (p) {
                        free(p->rows);
                        free(p->lens);
                }
                free(p);
                free(cols);
                mysql_free_result(r);
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        MYSQL_FIELD *fields = mysql_fetch_fields(r);
        for (size_t i = 0; i < nc; i++) {
                cols[i].name = strdup(fields[i].name);
                cols[i].type_name =
                        strdup(fields[i].org_table && *fields[i].org_table ? "mysql column" : "mysql value");
                cols[i].nullable = !(fields[i].flags & NOT_NULL_FLAG);
                cols[i].autoincrement = (fields[i].flags & AUTO_INCREMENT_FLAG) != 0;
                cols[i].primary_key = (fields[i].flags & PRI_KEY_FLAG) != 0;
                map_type(&fields[i], &cols[i]);
        }
        for (size_t i = 0; i < nr; i++) {
                p->rows[i] = mysql_fetch_row(r);
                unsigned long *l = mysql_fetch_lengths(r);
                p->lens[i] = calloc(nc ? nc : 1, sizeof(unsigned long));
                if (p->lens[i] && l)
                        memcpy(p->lens[i], l, nc * sizeof(unsigned long));
        }
        p->res = r;
        res->nrows = nr;
        res->ncols = nc;
        res->cols = cols;
        res->impl = p;
        res->cell = my_cell;
        res->free = my_result_free;
        return 0;
}

static int my_query(jdbc_conn_t *c, const char *sql, const char *const *params, size_t n, jdbc_result_t *res,
                    char *errstr, size_t errstr_size)
{
        return my_query_lens(c, sql, params, NULL, n, res, errstr, errstr_size);
}

static int my_list_tables(jdbc_conn_t *c, const char *catalog_pattern, const char *schema_pattern,
                          char *const *types, size_t n_types, jdbc_table_id_t **out, size_t *n_out,
                          char *errstr, size_t errstr_size)
{
        bool tables = false, views = false;
        for (size_t i = 0; i < n_types; i++) {
                tables |= !strcasecmp(types[i], "TABLE");
                views |= !strcasecmp(types[i], "VIEW");
        }
        /* The connected database unless catalog.pattern names others (LIKE, as Connector/J). */
        const char *cp = catalog_pattern && *catalog_pattern ? catalog_pattern : NULL;
        const char *params[3] = {cp, tables ? "BASE TABLE" : "-", views ? "VIEW" : "-"};
        jdbc_result_t r;
        if (my_query(c,
                     cp ? "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema "
                          "LIKE ? AND table_type IN (?, ?) ORDER BY table_schema, table_name"
                        : "SELECT table_schema, table_name FROM information_schema.tables WHERE "
                          "COALESCE(?, table_schema = DATABASE()) AND table_type IN (?, ?) ORDER BY "
                          "table_name",
                     params, 3, &r, errstr, errstr_size) < 0)
                return -1;
        jdbc_table_id_t *ids = calloc(r.nrows ? r.nrows : 1, sizeof(*ids));
        for (size_t i = 0; ids && i < r.nrows; i++) {
                size_t len;
                ids[i].catalog = strdup(r.cell(&r, i, 0, &len));
                ids[i].table = strdup(r.cell(&r, i, 1, &len));
        }
        *out = ids;
        *n_out = ids ? r.nrows : 0;
        jdbc_result_free(&r);
        (void)schema_pattern;
        return ids ? 0 : -1;
}

static int my_describe(jdbc_conn_t *c, const jdbc_table_id_t *t, jdbc_column_t **cols, size_t *n,
                       bool *exists, char *errstr, size_t errstr_size)
{
        *cols = NULL;
        *n = 0;
        const char *params[2] = {t->catalog ? t->catalog : t->schema, t->table};
        jdbc_result_t r;
        if (my_query(c,
                     "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = COALESCE(?, "
                     "DATABASE()) "
                     "AND table_name = ?",
                     params, 2, &r, errstr, errstr_size) < 0)
                return -1;
        size_t len;
        const char *cnt = r.nrows ? r.cell(&r, 0, 0, &len) : NULL;
        *exists = cnt && strcmp(cnt, "0") != 0;
        jdbc_result_free(&r);
        if (!*exists)
                return 0;
        ferry_buf_t b;
        ferry_buf_init(&b);
        ferry_buf_puts(&b, "SELECT * FROM ");
        jdbc_sql_table(&b, &jdbc_dialect_mysql.style, t);
        ferry_buf_puts(&b, " LIMIT 0");
        int rc = my_query(c, b.p, NULL, 0, &r, errstr, errstr_size);
        ferry_buf_free(&b);
        if (rc < 0)
                return -1;
        *cols = r.cols;
        *n = r.ncols;
        r.cols = NULL;
        r.ncols = 0;
        jdbc_result_free(&r);
        return 0;
}

const jdbc_dialect_t jdbc_dialect_mysql = {
        .name = "MySqlDatabaseDialect",
        .kind = JDBC_DB_MYSQL,
        .style = {.quote = '`', .quote_identifiers = true, .placeholder = '?'},
        .connect = my_connect,
        .close = my_close,
        .alive = my_alive,
        .query = my_query,
        .list_tables = my_list_tables,
        .describe = my_describe,
        .now_sql = "SELECT CURRENT_TIMESTAMP(6)",
        .ts_suffix = "",
        .conn_error = my_conn_error,
        .query_lens = my_query_lens,
};
