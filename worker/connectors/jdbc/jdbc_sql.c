/* The SQL text the JDBC connectors send, in Confluent's exact shapes: the source's SELECT with its
 * incrementing / timestamp / timestamp+incrementing WHERE and ORDER BY clauses, and the sink's
 * INSERT, upsert (each dialect's form), UPDATE, DELETE, CREATE TABLE and ALTER TABLE with the SQL
 * type of each Connect schema. Pure string building, unit tested without a database. */
#include "jdbc.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int jdbc_mode_parse(const char *s)
{
        if (!s)
                return -1;
        if (!strcmp(s, "bulk"))
                return JDBC_MODE_BULK;
        if (!strcmp(s, "incrementing"))
                return JDBC_MODE_INCREMENTING;
        if (!strcmp(s, "timestamp"))
                return JDBC_MODE_TIMESTAMP;
        if (!strcmp(s, "timestamp+incrementing"))
                return JDBC_MODE_TIMESTAMP_INCREMENTING;
        return -1;
}

/* A column, qualified with the table in table mode ("public"."t"."id"). */
static void column(ferry_buf_t *b, const jdbc_sql_style_t *st, const jdbc_table_id_t *t, const char *name)
{
        if (t) {
                jdbc_sql_table(b, st, t);
                ferry_buf_putc(b, '.');
        }
        jdbc_sql_ident(b, st, name);
}

static void coalesce(ferry_buf_t *b, const jdbc_sql_style_t *st, const jdbc_table_id_t *t, char *const *ts,
                     size_t n)
{
        if (n == 1) {
                column(b, st, t, ts[0]);
                return;
        }
        ferry_buf_puts(b, "COALESCE(");
        for (size_t i = 0; i < n; i++) {
                if (i)
                        ferry_buf_putc(b, ',');
                column(b, st, t, ts[i]);
        }
        ferry_buf_putc(b, ')');
}

int jdbc_source_sql(ferry_buf_t *b, const jdbc_sql_style_t *st, const jdbc_table_id_t *table,
                    const char *query, jdbc_mode_t mode, const char *inc, char *const *ts, size_t n_ts,
                    const char *suffix)
{
        if (table) {
                ferry_buf_puts(b, "SELECT * FROM ");
                jdbc_sql_table(b, st, table);
        } else {
                ferry_buf_puts(b, query);
        }
        switch (mode) {
        case JDBC_MODE_BULK:
                break;
        case JDBC_MODE_INCREMENTING:
                ferry_buf_puts(b, " WHERE ");
                column(b, st, table, inc);
                ferry_buf_puts(b, " > ");
                jdbc_sql_param(b, st, 1);
                ferry_buf_puts(b, " ORDER BY ");
                column(b, st, table, inc);
                ferry_buf_puts(b, " ASC");
                break;
        case JDBC_MODE_TIMESTAMP:
                if (!n_ts)
                        return -1;
                ferry_buf_puts(b, " WHERE ");
                coalesce(b, st, table, ts, n_ts);
                ferry_buf_puts(b, " > ");
                jdbc_sql_param(b, st, 1);
                ferry_buf_puts(b, " AND ");
                coalesce(b, st, table, ts, n_ts);
                ferry_buf_puts(b, " < ");
                jdbc_sql_param(b, st, 2);
                ferry_buf_puts(b, " ORDER BY ");
                coalesce(b, st, table, ts, n_ts);
                ferry_buf_puts(b, " ASC");
                break;
        case JDBC_MODE_TIMESTAMP_INCREMENTING:
                if (!n_ts)
                        return -1;
                ferry_buf_puts(b, " WHERE ");
                coalesce(b, st, table, ts, n_ts);
                ferry_buf_puts(b, " < ");
                jdbc_sql_param(b, st, 1);
                ferry_buf_puts(b, " AND ((");
                coalesce(b, st, table, ts, n_ts);
                ferry_buf_puts(b, " = ");
                jdbc_sql_param(b, st, 2);
                ferry_buf_puts(b, " AND ");
                column(b, st, table, inc);
                ferry_buf_puts(b, " > ");
                jdbc_sql_param(b, st, 3);
                ferry_buf_puts(b, ") OR ");
                coalesce(b, st, table, ts, n_ts);
                ferry_buf_puts(b, " > ");
                jdbc_sql_param(b, st, 4);
                ferry_buf_puts(b, ") ORDER BY ");
                coalesce(b, st, table, ts, n_ts);
                ferry_buf_putc(b, ',');
                column(b, st, table, inc);
                ferry_buf_puts(b, " ASC");
                break;
        }
        if (suffix && *suffix) {
                ferry_buf_putc(b, ' ');
                ferry_buf_puts(b, suffix);
        }
        return b->p ? 0 : -1;
}

/* ---- sink ---- */

static void names(ferry_buf_t *b, const jdbc_sql_style_t *st, const jdbc_field_t *f, size_t n, int which)
{
        /* which: 1 keys, 0 non-keys, 2 keys then non-keys */
        bool first = true;
        for (int pass = 0; pass < 2; pass++) {
                for (size_t i = 0; i < n; i++) {
                        bool want = which == 2 ? (pass == 0 ? f[i].key : !f[i].key)
                                               : (pass == 0 && f[i].key == which);
                        if (!want)
                                continue;
                        if (!first)
                                ferry_buf_putc(b, ',');
                        first = false;
                        jdbc_sql_ident(b, st, f[i].name);
                }
        }
}

static size_t count_keys(const jdbc_field_t *f, size_t n)
{
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
                k += f[i].key;
        return k;
}

/* The placeholders of nrows rows of n columns: "$1,$2),($3,$4" (the caller writes the outer
 * parentheses). */
static void values(ferry_buf_t *b, const jdbc_sql_style_t *st, size_t n, size_t nrows)
{
        for (size_t r = 0; r < nrows; r++) {
                if (r)
                        ferry_buf_puts(b, "),(");
                for (size_t i = 0; i < n; i++) {
                        if (i)
                                ferry_buf_putc(b, ',');
                        jdbc_sql_param(b, st, (int)(r * n + i) + 1);
                }
        }
}

/* col = ?, col = ? with placeholders numbered from *p. */
static void assigns(ferry_buf_t *b, const jdbc_sql_style_t *st, const jdbc_field_t *f, size_t n, bool key,
                    const char *delim, int *p)
{
        bool first = true;
        for (size_t i = 0; i < n; i++) {
                if (f[i].key != key)
                        continue;
                if (!first)
                        ferry_buf_puts(b, delim);
                first = false;
                jdbc_sql_ident(b, st, f[i].name);
                ferry_buf_puts(b, " = ");
                jdbc_sql_param(b, st, (*p)++);
        }
}

int jdbc_sink_sql(ferry_buf_t *b, const jdbc_sql_style_t *st, jdbc_db_kind_t kind, const jdbc_table_id_t *t,
                  jdbc_insert_mode_t mode, const jdbc_field_t *f, size_t n)
{
        return jdbc_sink_sql_rows(b, st, kind, t, mode, f, n, 1);
}

int jdbc_sink_sql_rows(ferry_buf_t *b, const jdbc_sql_style_t *st, jdbc_db_kind_t kind,
                       const jdbc_table_id_t *t, jdbc_insert_mode_t mode, const jdbc_field_t *f, size_t n,
                       size_t nrows)
{
        if (nrows != 1 && (mode == JDBC_UPDATE || nrows == 0))
                return -1;
        size_t nk = count_keys(f, n);
        if (mode == JDBC_UPDATE) {
                int p = 1;
                ferry_buf_puts(b, "UPDATE ");
                jdbc_sql_table(b, st, t);
                ferry_buf_puts(b, " SET ");
                assigns(b, st, f, n, false, ", ", &p);
                if (nk) {
                        ferry_buf_puts(b, " WHERE ");
                        assigns(b, st, f, n, true, " AND ", &p);
                }
                return b->p ? 0 : -1;
        }
        if (mode == JDBC_UPSERT && kind == JDBC_DB_SQLITE)
                ferry_buf_puts(b, "INSERT OR REPLACE INTO ");
        else if (mode == JDBC_UPSERT && kind == JDBC_DB_MYSQL)
                ferry_buf_puts(b, "insert into ");
        else
                ferry_buf_puts(b, "INSERT INTO ");
        jdbc_sql_table(b, st, t);
        if (mode == JDBC_UPSERT && kind == JDBC_DB_POSTGRES) {
                ferry_buf_puts(b, " (");
                names(b, st, f, n, 2);
                ferry_buf_puts(b, ") VALUES (");
                values(b, st, n, nrows);
                ferry_buf_puts(b, ") ON CONFLICT (");
                names(b, st, f, n, 1);
                if (nk == n) {
                        ferry_buf_puts(b, ") DO NOTHING");
                } else {
                        ferry_buf_puts(b, ") DO UPDATE SET ");
                        bool first = true;
                        for (size_t i = 0; i < n; i++) {
                                if (f[i].key)
                                        continue;
                                if (!first)
                                        ferry_buf_putc(b, ',');
                                first = false;
                                jdbc_sql_ident(b, st, f[i].name);
                                ferry_buf_puts(b, "=EXCLUDED.");
                                jdbc_sql_ident(b, st, f[i].name);
                        }
                }
                return b->p ? 0 : -1;
        }
        bool my_upsert = mode == JDBC_UPSERT && kind == JDBC_DB_MYSQL;
        ferry_buf_putc(b, '(');
        names(b, st, f, n, 2);
        ferry_buf_puts(b, my_upsert ? ") values(" : ") VALUES(");
        values(b, st, n, nrows);
        ferry_buf_putc(b, ')');
        if (my_upsert) {
                ferry_buf_puts(b, " on duplicate key update ");
                bool first = true;
                for (size_t i = 0; i < n; i++) {
                        if (f[i].key)
                                continue;
                        if (!first)
                                ferry_buf_putc(b, ',');
                        first = false;
                        jdbc_sql_ident(b, st, f[i].name);
                        ferry_buf_puts(b, "=values(");
                        jdbc_sql_ident(b, st, f[i].name);
                        ferry_buf_putc(b, ')');
                }
        }
        return b->p ? 0 : -1;
}

int jdbc_delete_sql(ferry_buf_t *b, const jdbc_sql_style_t *st, const jdbc_table_id_t *t,
                    const jdbc_field_t *f, size_t n)
{
        int p = 1;
        ferry_buf_puts(b, "DELETE FROM ");
        jdbc_sql_table(b, st, t);
        ferry_buf_puts(b, " WHERE ");
        assigns(b, st, f, n, true, " AND ", &p);
        return b->p ? 0 : -1;
}

const char *jdbc_sql_type(jdbc_db_kind_t kind, const ferry_schema_t *s, ferry_type_t hint)
{
        const char *ln = s ? s->name : NULL;
        ferry_type_t t = s ? s->type : hint;
        if (ln && !strcmp(ln, FERRY_LOGICAL_DECIMAL)) {
                if (kind != JDBC_DB_MYSQL)
                        return kind == JDBC_DB_SQLITE ? "NUMERIC" : "DECIMAL";
                /* MySQL: DECIMAL(65,<scale>), as Confluent's MySQL dialect writes it. */
                static _Thread_local char dec[32];
                int scale = 0;
                ferry_decimal_scale(s, &scale);
                snprintf(dec, sizeof(dec), "DECIMAL(65,%d)", scale < 0 ? 0 : scale > 30 ? 30 : scale);
                return dec;
        }
        if (ln && !strcmp(ln, FERRY_LOGICAL_DATE))
                return kind == JDBC_DB_SQLITE ? "NUMERIC" : "DATE";
        if (ln && !strcmp(ln, FERRY_LOGICAL_TIME))
                return kind == JDBC_DB_SQLITE ? "NUMERIC" : kind == JDBC_DB_MYSQL ? "TIME(3)" : "TIME";
        if (ln && !strcmp(ln, FERRY_LOGICAL_TIMESTAMP))
                return kind == JDBC_DB_SQLITE  ? "NUMERIC"
                       : kind == JDBC_DB_MYSQL ? "DATETIME(3)"
                                               : "TIMESTAMP";
        switch (t) {
        case FERRY_TYPE_INT8:
                return kind == JDBC_DB_SQLITE ? "INTEGER" : kind == JDBC_DB_MYSQL ? "TINYINT" : "SMALLINT";
        case FERRY_TYPE_INT16:
                return kind == JDBC_DB_SQLITE ? "INTEGER" : "SMALLINT";
        case FERRY_TYPE_INT32:
                return kind == JDBC_DB_SQLITE ? "INTEGER" : "INT";
        case FERRY_TYPE_INT64:
                return kind == JDBC_DB_SQLITE ? "INTEGER" : "BIGINT";
        case FERRY_TYPE_FLOAT32:
                return kind == JDBC_DB_MYSQL ? "FLOAT" : "REAL";
        case FERRY_TYPE_FLOAT64:
                return kind == JDBC_DB_SQLITE  ? "REAL"
                       : kind == JDBC_DB_MYSQL ? "DOUBLE"
                                               : "DOUBLE PRECISION";
        case FERRY_TYPE_BOOLEAN:
                return kind == JDBC_DB_SQLITE ? "INTEGER" : kind == JDBC_DB_MYSQL ? "TINYINT" : "BOOLEAN";
        case FERRY_TYPE_STRING:
                return "TEXT";
        case FERRY_TYPE_BYTES:
                return kind == JDBC_DB_SQLITE ? "BLOB" : kind == JDBC_DB_MYSQL ? "VARBINARY(1024)" : "BYTEA";
        default:
                return NULL;
        }
}

static int column_spec(ferry_buf_t *b, const jdbc_sql_style_t *st, jdbc_db_kind_t kind, const jdbc_field_t *f)
{
        const char *type = jdbc_sql_type(kind, f->schema, f->type_hint);
        if (!type)
                return -1;
        if (kind == JDBC_DB_MYSQL && f->key && !strcmp(type, "TEXT"))
                type = "VARCHAR(256)";
        jdbc_sql_ident(b, st, f->name);
        ferry_buf_printf(b, " %s", type);
        bool optional = f->schema ? f->schema->optional : !f->key;
        ferry_buf_puts(b, optional && !f->key ? " NULL" : " NOT NULL");
        return 0;
}

int jdbc_create_sql(ferry_buf_t *b, const jdbc_sql_style_t *st, jdbc_db_kind_t kind, const jdbc_table_id_t *t,
                    const jdbc_field_t *f, size_t n)
{
        ferry_buf_puts(b, "CREATE TABLE ");
        jdbc_sql_table(b, st, t);
        ferry_buf_puts(b, " (");
        for (size_t i = 0; i < n; i++) {
                if (i)
                        ferry_buf_putc(b, ',');
                ferry_buf_putc(b, '\n');
                if (column_spec(b, st, kind, &f[i]) < 0)
                        return -1;
        }
        if (count_keys(f, n)) {
                ferry_buf_puts(b, ",\nPRIMARY KEY(");
                names(b, st, f, n, 1);
                ferry_buf_putc(b, ')');
        }
        ferry_buf_putc(b, ')');
        return b->p ? 0 : -1;
}

int jdbc_alter_sql(ferry_buf_t *b, const jdbc_sql_style_t *st, jdbc_db_kind_t kind, const jdbc_table_id_t *t,
                   const jdbc_field_t *f, size_t n)
{
        ferry_buf_puts(b, "ALTER TABLE ");
        jdbc_sql_table(b, st, t);
        ferry_buf_putc(b, ' ');
        for (size_t i = 0; i < n; i++) {
                if (i)
                        ferry_buf_putc(b, ',');
                ferry_buf_puts(b, "\nADD ");
                if (column_spec(b, st, kind, &f[i]) < 0)
                        return -1;
        }
        return b->p ? 0 : -1;
}
