/* Private header of the JDBC connector family: JDBC URLs, the dialect interface every database
 * implements (PostgreSQL over libpq, SQLite over sqlite3), column metadata and the pure SQL and
 * type helpers the source and sink share. */
#ifndef FERRY_JDBC_H
#define FERRY_JDBC_H

#include <ferry/buf.h>
#include <ferry/config.h>
#include <ferry/connector.h>
#include <ferry/data.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- JDBC URLs (jdbc_url.c) ---- */
typedef enum {
        JDBC_DB_POSTGRES,
        JDBC_DB_MYSQL,
        JDBC_DB_SQLITE,
} jdbc_db_kind_t;

typedef struct {
        jdbc_db_kind_t kind;
        char *hosts;           /* "h1,h2" (NULL: the client's default) */
        char *ports;           /* "p1,p2" matching hosts (NULL: default) */
        char *database;        /* database name, or the SQLite file (":memory:" too) */
        ferry_strmap_t params; /* URL parameters, percent-decoded, in order */
} jdbc_url_t;

/* Parses a JDBC URL; -1 with a message (never echoing a password) when it is malformed or names a
 * database Ferry does not speak. */
int jdbc_url_parse(const char *url, jdbc_url_t *out, char *errstr, size_t errstr_size);
void jdbc_url_free(jdbc_url_t *u);
/* libpq conninfo ("host='h' port='5432' dbname='d' ...") for a PostgreSQL URL. user/password
 * (connection.user/password) win over the URL's. pgjdbc-only parameters are translated
 * (currentSchema -> options=-c search_path=..., ssl=true -> sslmode=require, connectTimeout ->
 * connect_timeout, ApplicationName -> application_name) or dropped: *dropped (may be NULL) gets
 * their names, comma-separated (caller frees; NULL when none). NULL when out of memory. */
char *jdbc_pg_conninfo(const jdbc_url_t *u, const char *user, const char *password, char **dropped);

/* ---- columns and types ---- */
typedef enum {
        JDBC_T_UNKNOWN,
        JDBC_T_BOOL,
        JDBC_T_BITS, /* bit(n>1): bytes */
        JDBC_T_INT8,
        JDBC_T_INT16,
        JDBC_T_INT32,
        JDBC_T_INT64,
        JDBC_T_FLOAT32,
        JDBC_T_FLOAT64,
        JDBC_T_NUMERIC,
        JDBC_T_STRING,
        JDBC_T_BYTES,
        JDBC_T_DATE,
        JDBC_T_TIME,
        JDBC_T_TIMESTAMP,
} jdbc_sqltype_t;

typedef struct {
        char *name;
        char *type_name; /* the database's own type name, for messages */
        jdbc_sqltype_t type;
        int precision, scale; /* NUMERIC; precision 0 when unconstrained */
        bool nullable;
        bool autoincrement;
        bool primary_key; /* part of the table's primary key */
} jdbc_column_t;

void jdbc_columns_free(jdbc_column_t *cols, size_t n);

typedef enum {
        JDBC_NUMERIC_NONE,
        JDBC_NUMERIC_PRECISION_ONLY,
        JDBC_NUMERIC_BEST_FIT,
        JDBC_NUMERIC_BEST_FIT_EAGER_DOUBLE,
} jdbc_numeric_mapping_t;

int jdbc_numeric_mapping_parse(const char *s); /* -1 when unknown */

/* The Connect schema of one column as Confluent's dialects build it (optional when nullable);
 * NULL for a type that is dropped (arrays, unknown types). */
ferry_schema_t *jdbc_column_schema(const jdbc_column_t *c, jdbc_numeric_mapping_t m);
/* ---- db.timezone (jdbc_tz.c) ---- */
typedef struct jdbc_tz jdbc_tz_t; /* NULL is UTC */

/* A zone by name: "UTC", a fixed offset ("+02:00", "GMT-5") or a tz database region
 * ("Europe/Paris", from $TZDIR or /usr/share/zoneinfo). *out NULL for UTC. -1 with a message
 * naming db.timezone when unknown. */
int jdbc_tz_load(const char *name, jdbc_tz_t **out, char *errstr, size_t errstr_size);
/* A TZif file's transitions (the fuzz target's entry). */
int jdbc_tz_parse(const uint8_t *data, size_t len, jdbc_tz_t **out);
void jdbc_tz_free(jdbc_tz_t *tz);
/* Seconds east of UTC in force at an instant. */
int32_t jdbc_tz_offset(const jdbc_tz_t *tz, int64_t utc_s);
int64_t jdbc_tz_utc_to_local_ms(const jdbc_tz_t *tz, int64_t utc_ms);
/* The instant of a wall time (the earlier one when ambiguous; a wall time in a gap moves forward). */
int64_t jdbc_tz_local_to_utc_ms(const jdbc_tz_t *tz, int64_t local_ms);

/* The value of one cell (text as the database prints it; bytes already decoded) for a field of
 * schema s; NULL text is a null value. Timestamps without a zone in their text are wall times in
 * tz (db.timezone); all-digit timestamp text is epoch milliseconds (sqlite-jdbc's INTEGER dates).
 * -1 with a message when the text does not parse. */
int jdbc_cell_value(const ferry_schema_t *s, jdbc_sqltype_t type, const jdbc_tz_t *tz, const char *text,
                    size_t len, ferry_value_t **out, char *errstr, size_t errstr_size);
/* A timestamp cell to its instant, as jdbc_cell_value reads it. 0 ok. */
int jdbc_parse_timestamp_tz(const char *s, size_t len, const jdbc_tz_t *tz, int64_t *ms, int32_t *nanos);

/* A Time cell: its offset when it has one (timetz), else a wall time on 1970-01-01 in tz
 * (db.timezone, as the drivers' getTime(col, Calendar)); all digits: epoch milliseconds
 * (sqlite-jdbc). Wrapped to the time of day. 0 ok. */
int jdbc_parse_time_tz(const char *s, size_t len, const jdbc_tz_t *tz, int32_t *ms);
/* A Date cell: "YYYY-MM-DD" (never shifted: Confluent's source reads dates in UTC); all digits:
 * epoch milliseconds (sqlite-jdbc). 0 ok. */
int jdbc_parse_date_cell(const char *s, size_t len, int32_t *days);
/* The date a driver writes for a Connect Date (midnight UTC of days) with a Calendar of tz:
 * the local date of that instant (the day before in zones west of UTC). */
int32_t jdbc_date_in_zone(const jdbc_tz_t *tz, int32_t days);

/* Date/time text <-> epoch. "YYYY-MM-DD HH:MM:SS[.fffffffff][+HH[:MM]]" -> ms since the epoch
 * (UTC unless an offset is given) and the nanoseconds of the second. 0 ok. */
int jdbc_parse_timestamp(const char *s, size_t len, int64_t *ms, int32_t *nanos);
int jdbc_parse_date(const char *s, size_t len, int32_t *days);
int jdbc_parse_time(const char *s, size_t len, int32_t *ms);
/* "YYYY-MM-DD HH:MM:SS.nnnnnnnnn" (UTC) of ms and the nanos of its second (nanos < 0: from ms). */
void jdbc_format_timestamp(int64_t ms, int32_t nanos, char out[40]);
void jdbc_format_date(int32_t days, char out[16]);
void jdbc_format_time(int32_t ms, char out[16]);

/* ---- table ids and identifiers ---- */
typedef struct {
        char *catalog; /* NULL when none */
        char *schema;  /* NULL when none */
        char *table;
} jdbc_table_id_t;

void jdbc_table_id_free(jdbc_table_id_t *t);
/* "a.b.c" / "b.c" / "c" (no quotes) into a table id; quoted parts ("x.y") keep their dots. */
int jdbc_table_id_parse(const char *s, jdbc_table_id_t *out);
/* catalog.schema.table without quotes, parts that are NULL left out (the offset partition key). */
char *jdbc_table_id_unquoted(const jdbc_table_id_t *t);

typedef struct {
        char quote;             /* '"' or '`' */
        bool quote_identifiers; /* quote.sql.identifiers != never */
        char placeholder;       /* '$' (numbered $1, $2) or '?' */
} jdbc_sql_style_t;

void jdbc_sql_ident(ferry_buf_t *b, const jdbc_sql_style_t *st, const char *name);
void jdbc_sql_table(ferry_buf_t *b, const jdbc_sql_style_t *st, const jdbc_table_id_t *t);
/* Appends the n-th (1-based) placeholder. */
void jdbc_sql_param(ferry_buf_t *b, const jdbc_sql_style_t *st, int n);

/* ---- source queries (jdbc_sql.c) ---- */
typedef enum {
        JDBC_MODE_BULK,
        JDBC_MODE_INCREMENTING,
        JDBC_MODE_TIMESTAMP,
        JDBC_MODE_TIMESTAMP_INCREMENTING,
} jdbc_mode_t;

int jdbc_mode_parse(const char *s); /* -1 when unknown */

/* The source query of a table (table set) or a custom query (query set, table NULL) in mode:
 * Confluent's exact WHERE/ORDER BY clauses, columns qualified with the table in table mode, then
 * " <suffix>" when suffix is non-empty. The parameters, in order: incrementing: last id;
 * timestamp: last ts, upper bound; timestamp+incrementing: upper bound, last ts, last id, last ts. */
int jdbc_source_sql(ferry_buf_t *b, const jdbc_sql_style_t *st, const jdbc_table_id_t *table,
                    const char *query, jdbc_mode_t mode, const char *inc_col, char *const *ts_cols,
                    size_t n_ts, const char *suffix);

/* ---- sink statements ---- */
typedef enum {
        JDBC_INSERT,
        JDBC_UPSERT,
        JDBC_UPDATE,
} jdbc_insert_mode_t;

typedef struct {
        const char *name;
        const ferry_schema_t *schema; /* NULL: inferred (schemaless), see type_hint */
        ferry_type_t type_hint;
        bool key;
} jdbc_field_t;

/* INSERT / upsert (dialect form) / UPDATE / DELETE of fields[0..n) into table. */
int jdbc_sink_sql(ferry_buf_t *b, const jdbc_sql_style_t *st, jdbc_db_kind_t kind, const jdbc_table_id_t *t,
                  jdbc_insert_mode_t mode, const jdbc_field_t *f, size_t n);
/* The same INSERT or upsert for nrows rows in one statement (VALUES (...),(...)); placeholders
 * numbered row by row. UPDATE takes one row only (-1). */
int jdbc_sink_sql_rows(ferry_buf_t *b, const jdbc_sql_style_t *st, jdbc_db_kind_t kind,
                       const jdbc_table_id_t *t, jdbc_insert_mode_t mode, const jdbc_field_t *f, size_t n,
                       size_t nrows);
int jdbc_delete_sql(ferry_buf_t *b, const jdbc_sql_style_t *st, const jdbc_table_id_t *t,
                    const jdbc_field_t *f, size_t n);
/* The dialect's SQL type of a Connect schema (auto.create / auto.evolve); NULL when none. */
const char *jdbc_sql_type(jdbc_db_kind_t kind, const ferry_schema_t *s, ferry_type_t hint);
/* CREATE TABLE in Confluent's layout; ALTER TABLE ... ADD for the fields in add[0..n). */
int jdbc_create_sql(ferry_buf_t *b, const jdbc_sql_style_t *st, jdbc_db_kind_t kind, const jdbc_table_id_t *t,
                    const jdbc_field_t *f, size_t n);
int jdbc_alter_sql(ferry_buf_t *b, const jdbc_sql_style_t *st, jdbc_db_kind_t kind, const jdbc_table_id_t *t,
                   const jdbc_field_t *f, size_t n);

/* ---- the dialect interface (dialect_*.c) ---- */
/* A result: rows of text cells (bytes decoded), columns described. */
typedef struct jdbc_result {
        size_t nrows, ncols;
        jdbc_column_t *cols;
        void *impl;
        const char *(*cell)(struct jdbc_result *r, size_t row, size_t col, size_t *len); /* NULL: SQL NULL */
        void (*free)(struct jdbc_result *r);
} jdbc_result_t;

void jdbc_result_free(jdbc_result_t *r);

typedef struct jdbc_conn jdbc_conn_t;

typedef struct jdbc_dialect {
        const char *name; /* Confluent's dialect.name, e.g. "PostgreSqlDatabaseDialect" */
        jdbc_db_kind_t kind;
        jdbc_sql_style_t style;
        /* Opens a connection; timezone is db.timezone (sessions run in it where the database can). */
        int (*connect)(const jdbc_url_t *u, const char *user, const char *password, const char *timezone,
                       jdbc_conn_t **out, char *errstr, size_t errstr_size);
        void (*close)(jdbc_conn_t *c);
        bool (*alive)(jdbc_conn_t *c);
        /* Runs sql with text parameters (NULL entries are SQL NULL); res may be NULL for statements. */
        int (*query)(jdbc_conn_t *c, const char *sql, const char *const *params, size_t n, jdbc_result_t *res,
                     char *errstr, size_t errstr_size);
        /* Tables and views: catalog and schema patterns (SQL LIKE; NULL: any), types ("TABLE",
         * "VIEW"). Out: table ids, with the catalog the database's JDBC driver reports (the
         * database for MySQL; none for PostgreSQL and SQLite, whose offsets name it apart). */
        int (*list_tables)(jdbc_conn_t *c, const char *catalog_pattern, const char *schema_pattern,
                           char *const *types, size_t n_types, jdbc_table_id_t **out, size_t *n_out,
                           char *errstr, size_t errstr_size);
        /* The same as query with the length of each parameter (bytes that may hold NUL); NULL
         * when the database cannot store NUL in text (PostgreSQL). */
        int (*query_lens)(jdbc_conn_t *c, const char *sql, const char *const *params, const size_t *lens,
                          size_t n, jdbc_result_t *res, char *errstr, size_t errstr_size);
        /* Streams a SELECT's rows in chunks (memory bounded by the chunk): opens it (in a
         * transaction where the database needs one), then next() gives the following rows (0 rows
         * at the end); close() ends it. NULL: query() reads the whole result. */
        int (*stream_open)(jdbc_conn_t *c, const char *sql, const char *const *params, size_t n, char *errstr,
                           size_t errstr_size);
        int (*stream_next)(jdbc_conn_t *c, size_t rows, jdbc_result_t *res, char *errstr, size_t errstr_size);
        void (*stream_close)(jdbc_conn_t *c);
        /* Optional: lets statements without a result travel together, their errors reported at
         * COMMIT (or before the next statement with a result); off: one round trip each. */
        void (*pipeline)(jdbc_conn_t *c, bool on);
        /* Optional bulk load for insert mode (PostgreSQL COPY FROM STDIN): copy_ok tells whether a
         * table takes it exactly as INSERT; copy_begin starts copy_sql ("COPY t (cols) FROM STDIN")
         * in the open transaction without waiting; copy_row queues one row of texts (NULL: SQL
         * NULL), sent while the caller converts the next; copy_end sends the rest and gives the
         * server's verdict (its error with SQLSTATE); copy_abort abandons it. */
        int (*copy_ok)(jdbc_conn_t *c, const jdbc_table_id_t *t, bool *ok, char *errstr, size_t errstr_size);
        int (*copy_begin)(jdbc_conn_t *c, const char *copy_sql, char *errstr, size_t errstr_size);
        int (*copy_row)(jdbc_conn_t *c, const char *const *vals, const size_t *lens, size_t n, char *errstr,
                        size_t errstr_size);
        int (*copy_end)(jdbc_conn_t *c, char *errstr, size_t errstr_size);
        void (*copy_abort)(jdbc_conn_t *c);
        /* SQL giving the catalog of the connection's tables in offsets (NULL: none). pgjdbc
         * 42.7.5 and later report the database (current_database()) as every table's catalog. */
        const char *catalog_sql;
        /* Timestamps are bound and stored as epoch milliseconds (sqlite-jdbc's default dateClass). */
        bool ts_epoch_ms;
        /* Columns of a table (empty with 1 when it does not exist). */
        int (*describe)(jdbc_conn_t *c, const jdbc_table_id_t *t, jdbc_column_t **cols, size_t *n,
                        bool *exists, char *errstr, size_t errstr_size);
        /* SQL of the database's clock ("SELECT CURRENT_TIMESTAMP"). */
        const char *now_sql;
        /* SQL of the watermark (NULL: none): the clock, or the start of the oldest open transaction
         * that may still commit rows when earlier; a second column is the clock. */
        const char *watermark_sql;
        /* Appended to a UTC timestamp parameter ("+00" where a zone offset is understood). */
        const char *ts_suffix;
        /* Whether the last error of c was a broken connection (worth reconnecting). */
        bool (*conn_error)(jdbc_conn_t *c);
} jdbc_dialect_t;

extern const jdbc_dialect_t jdbc_dialect_postgres;
extern const jdbc_dialect_t jdbc_dialect_sqlite;
extern const jdbc_dialect_t jdbc_dialect_mysql;
/* The dialect for a URL (dialect.name, when set, must name it). NULL with a message otherwise. */
const jdbc_dialect_t *jdbc_dialect_for(const jdbc_url_t *u, const char *dialect_name, char *errstr,
                                       size_t errstr_size);

/* Applies transaction.isolation.mode (Confluent's names; DEFAULT leaves the database's own) to
 * the session; a level the database lacks is logged and left at its default, as Confluent does. */
int jdbc_set_isolation(const jdbc_dialect_t *d, jdbc_conn_t *c, const char *mode, char *errstr,
                       size_t errstr_size);

/* Connects with connection.attempts / connection.backoff.ms (task waits end early on stop). */
int jdbc_connect(const jdbc_dialect_t *d, const char *url, const char *user, const char *password,
                 const char *tz, int attempts, int64_t backoff_ms, ferry_task_t *t, jdbc_conn_t **out,
                 char *errstr, size_t errstr_size);

#endif
