/* io.confluent.connect.jdbc.JdbcSinkConnector: records of Kafka topics into database tables.
 *
 * put() writes its whole batch in one transaction: per record the table (table.name.format with
 * ${topic}) is created (auto.create) or gains the missing columns (auto.evolve) as needed, then the
 * row goes in with INSERT, the dialect's upsert or UPDATE (insert.mode), the key columns chosen by
 * pk.mode (none, kafka: __connect_topic/__connect_partition/__connect_offset, record_key,
 * record_value) and pk.fields; a tombstone with delete.enabled becomes DELETE. put() returns only
 * after COMMIT, so the offsets the runtime commits afterwards are always durable in the database.
 * Consecutive INSERTs/upserts of a table go as multi-row statements; on PostgreSQL the batch's
 * statements (BEGIN, the multi-row statements, COMMIT) travel in one round trip (libpq pipeline
 * mode), an error of any of them reported at COMMIT; a batch refused for a record's data is
 * written again record by record (no pipelining), behind savepoints, the refused records going to
 * the errant-record reporter.
 * A failed batch is rolled back and retried max.retries times, retry.backoff.ms apart. Values are
 * Structs with a schema (as in Confluent) or schemaless maps (which Confluent refuses): columns
 * from the map keys, types inferred from the JSON values. */
#include "jdbc_config.h"

#include <ferry/json.h>
#include <ferry/log.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { PK_NONE, PK_KAFKA, PK_RECORD_KEY, PK_RECORD_VALUE } pk_mode_t;

typedef struct {
        char *name;
        char **cols;
        size_t ncols;
        int copy; /* takes COPY as it takes INSERT: 1 yes, 0 no, -1 not asked yet */
} table_cache_t;

/* Consecutive rows for one multi-row INSERT/upsert: same table, columns and mode. */
typedef struct {
        char *table; /* NULL: empty */
        jdbc_table_id_t id;
        jdbc_insert_mode_t mode;
        jdbc_field_t f[256]; /* names point into the first record (alive during put) */
        size_t nf;
        char **params; /* nrows * nf, statement order */
        size_t *lens;  /* their lengths */
        uint64_t *keyhash;
        size_t nrows, cap; /* rows, and room in keyhash */
        size_t pcap;       /* room in params */
        const ferry_record_t *first;
        bool copying;  /* the rows stream into a COPY (insert mode on PostgreSQL) not ended yet */
        bool streamed; /* the rows went to a COPY: params unused */
} group_t;

typedef struct {
        ferry_config_t *cfg;
        const jdbc_dialect_t *d;
        jdbc_sql_style_t style;
        jdbc_conn_t *conn;
        jdbc_insert_mode_t insert_mode;
        pk_mode_t pk_mode;
        const char *const *pk_fields;
        size_t n_pk;
        const char *const *whitelist;
        size_t n_white;
        bool auto_create, auto_evolve, delete_enabled;
        int retries_left;
        table_cache_t *tables;
        size_t ntables;
        group_t group;
        size_t group_max;         /* rows per statement: batch.size, and the database's parameter limit */
        jdbc_tz_t *tz;            /* db.timezone (NULL: UTC) */
        bool date_utc;            /* date.timezone=UTC: Date values are written as they are */
        bool pipelined;           /* the batch's statements travel together (PostgreSQL pipeline mode) */
        char *tt_topic, *tt_name; /* the topic met last and its table (topic_table) */
        jdbc_table_id_t tt_id;
} sink_t;

/* One row being written: fields and their parameter texts. */
typedef struct {
        jdbc_field_t f[256];
        char *param[256];
        size_t len[256];
        size_t n;
        bool nul; /* a string holds a NUL byte the database cannot store */
} row_t;

static void row_free(row_t *r)
{
        for (size_t i = 0; i < r->n; i++)
                free(r->param[i]);
        r->n = 0;
}

static void cache_clear(sink_t *s)
{
        for (size_t i = 0; i < s->ntables; i++) {
                free(s->tables[i].name);
                ferry_strlist_free(s->tables[i].cols, s->tables[i].ncols);
        }
        free(s->tables);
        s->tables = NULL;
        s->ntables = 0;
}

/* ---- values to parameter text ---- */

static char *param_text_fixed(sink_t *s, const ferry_schema_t *sc, const ferry_value_t *v);

/* The text of a parameter as the JDBC driver binds it; *len its length (strings may hold NUL). */
static char *param_text(sink_t *s, const ferry_schema_t *sc, const ferry_value_t *v, size_t *len)
{
        *len = 0;
        if (!v)
                return NULL;
        if (v->type == FERRY_TYPE_STRING && !(sc && sc->name)) {
                char *out = malloc(v->u.s.len + 1);
                if (out) {
                        memcpy(out, v->u.s.data, v->u.s.len);
                        out[v->u.s.len] = 0;
                        *len = v->u.s.len;
                }
                return out;
        }
        if (v->type == FERRY_TYPE_BYTES && s->d->kind != JDBC_DB_POSTGRES &&
            !(sc && sc->name && !strcmp(sc->name, FERRY_LOGICAL_DECIMAL))) {
                char *out = malloc(v->u.s.len + 1);
                if (out) {
                        memcpy(out, v->u.s.data, v->u.s.len);
                        out[v->u.s.len] = 0;
                        *len = v->u.s.len;
                }
                return out;
        }
        char *out = param_text_fixed(s, sc, v);
        *len = out ? strlen(out) : 0;
        return out;
}

static char *param_text_fixed(sink_t *s, const ferry_schema_t *sc, const ferry_value_t *v)
{
        const char *ln = sc ? sc->name : NULL;
        char buf[64];
        if (ln && !strcmp(ln, FERRY_LOGICAL_DECIMAL) && v->type == FERRY_TYPE_BYTES) {
                int scale = 0;
                ferry_decimal_scale(sc, &scale);
                return ferry_decimal_format(v->u.s.data, v->u.s.len, scale);
        }
        bool temporal = ln && v->type <= FERRY_TYPE_INT64 &&
                        (!strcmp(ln, FERRY_LOGICAL_DATE) || !strcmp(ln, FERRY_LOGICAL_TIME) ||
                         !strcmp(ln, FERRY_LOGICAL_TIMESTAMP));
        if (temporal && s->d->ts_epoch_ms) {
                /* sqlite-jdbc binds Date, Time and Timestamp as epoch milliseconds (INTEGER). */
                int64_t ms = !strcmp(ln, FERRY_LOGICAL_DATE) ? v->u.i * 86400000 : v->u.i;
                snprintf(buf, sizeof(buf), "%" PRId64, ms);
                return strdup(buf);
        }
        if (ln && !strcmp(ln, FERRY_LOGICAL_DATE) && v->type <= FERRY_TYPE_INT64) {
                /* Confluent binds a Date with a Calendar of db.timezone (date.timezone=DB_TIMEZONE):
                 * the driver writes the local date of its midnight UTC in that zone. */
                int32_t days = (int32_t)v->u.i;
                jdbc_format_date(s->date_utc ? days : jdbc_date_in_zone(s->tz, days), buf);
                return strdup(buf);
        }
        if (ln && !strcmp(ln, FERRY_LOGICAL_TIME) && v->type <= FERRY_TYPE_INT64) {
                /* The time of day in db.timezone on 1970-01-01 (setTime with its Calendar); PostgreSQL
                 * gets that day's offset too, which a timetz column keeps and a time column ignores. */
                int64_t local = jdbc_tz_utc_to_local_ms(s->tz, v->u.i);
                jdbc_format_time((int32_t)(local % 86400000), buf);
                if (s->d->kind == JDBC_DB_POSTGRES) {
                        int64_t off = (local - v->u.i) / 60000;
                        size_t l = strlen(buf);
                        snprintf(buf + l, sizeof(buf) - l, "%c%02d:%02d", off < 0 ? '-' : '+',
                                 (int)((off < 0 ? -off : off) / 60), (int)((off < 0 ? -off : off) % 60));
                }
                return strdup(buf);
        }
        if (ln && !strcmp(ln, FERRY_LOGICAL_TIMESTAMP) && v->type <= FERRY_TYPE_INT64) {
                /* Wall time in db.timezone, the zone the session runs in (Confluent binds with a
                 * Calendar of db.timezone). */
                char ts[40];
                jdbc_format_timestamp(jdbc_tz_utc_to_local_ms(s->tz, v->u.i), -1, ts);
                snprintf(buf, sizeof(buf), "%s%s", ts, s->d->ts_suffix);
                return strdup(buf);
        }
        switch (v->type) {
        case FERRY_TYPE_INT8:
        case FERRY_TYPE_INT16:
        case FERRY_TYPE_INT32:
        case FERRY_TYPE_INT64:
                snprintf(buf, sizeof(buf), "%" PRId64, v->u.i);
                return strdup(buf);
        case FERRY_TYPE_FLOAT32:
        case FERRY_TYPE_FLOAT64:
                snprintf(buf, sizeof(buf), "%.17g", v->u.f);
                return strdup(buf);
        case FERRY_TYPE_BOOLEAN:
                return strdup(s->d->kind == JDBC_DB_POSTGRES ? (v->u.b ? "true" : "false")
                                                             : (v->u.b ? "1" : "0"));
        case FERRY_TYPE_STRING:
                return strdup(v->u.s.data);
        case FERRY_TYPE_BYTES: {
                if (s->d->kind != JDBC_DB_POSTGRES)
                        return strndup(v->u.s.data, v->u.s.len);
                ferry_buf_t b;
                ferry_buf_init(&b);
                ferry_buf_puts(&b, "\\x");
                for (size_t i = 0; i < v->u.s.len; i++)
                        ferry_buf_printf(&b, "%02x", (unsigned char)v->u.s.data[i]);
                return ferry_buf_steal(&b);
        }
        default: {
                char *out = NULL;
                size_t len;
                if (ferry_json_write(v, &out, &len) < 0)
                        return NULL;
                return out;
        }
        }
}

static ferry_type_t infer(const ferry_value_t *v)
{
        if (!v)
                return FERRY_TYPE_STRING;
        switch (v->type) {
        case FERRY_TYPE_ARRAY:
        case FERRY_TYPE_MAP:
        case FERRY_TYPE_STRUCT:
                return FERRY_TYPE_STRING;
        default:
                return v->type;
        }
}

static bool allowed(const sink_t *s, const char *name)
{
        if (!s->n_white)
                return true;
        for (size_t i = 0; i < s->n_white; i++)
                if (!strcmp(s->whitelist[i], name))
                        return true;
        return false;
}

static bool in_pk(const sink_t *s, const char *name)
{
        for (size_t i = 0; i < s->n_pk; i++)
                if (!strcmp(s->pk_fields[i], name))
                        return true;
        return false;
}

static int add_field(row_t *row, sink_t *s, const char *name, const ferry_schema_t *sc,
                     const ferry_value_t *v, bool key)
{
        for (size_t i = 0; i < row->n; i++)
                if (!strcmp(row->f[i].name, name)) {
                        if (key)
                                row->f[i].key = true;
                        return 0;
                }
        if (row->n >= 256)
                return -1;
        row->f[row->n] = (jdbc_field_t){.name = name, .schema = sc, .type_hint = infer(v), .key = key};
        row->param[row->n] = param_text(s, sc, v, &row->len[row->n]);
        if (row->param[row->n] && row->len[row->n] != strlen(row->param[row->n]) && !s->d->query_lens)
                row->nul = true;
        row->n++;
        return 0;
}

/* Adds the fields of a struct or map (want_key: only those in pk.fields, or all when none). */
static int add_all(row_t *row, sink_t *s, const ferry_schema_t *sc, const ferry_value_t *v, int role,
                   char *errstr, size_t errstr_size)
{
        /* role: 0 value columns, 1 key columns from the key, 2 key columns from the value */
        if (v && v->type == FERRY_TYPE_STRUCT) {
                const ferry_schema_t *st = v->u.st.schema;
                for (size_t i = 0; i < st->n_fields; i++) {
                        const char *name = st->fields[i].name;
                        bool key = role != 0 && (s->n_pk == 0 || in_pk(s, name));
                        if (role == 0 && !allowed(s, name))
                                continue;
                        if (role != 0 && !key)
                                continue;
                        if (add_field(row, s, name, st->fields[i].schema, v->u.st.fields[i], key) < 0)
                                goto many;
                }
                return 0;
        }
        if (v && v->type == FERRY_TYPE_MAP) {
                for (size_t i = 0; i < v->u.m.n; i++) {
                        const ferry_value_t *k = v->u.m.keys[i];
                        if (!k || k->type != FERRY_TYPE_STRING) {
                                snprintf(errstr, errstr_size,
                                         "a map with non-string keys cannot be written as a row");
                                return -1;
                        }
                        const char *name = k->u.s.data;
                        bool key = role != 0 && (s->n_pk == 0 || in_pk(s, name));
                        if (role == 0 && !allowed(s, name))
                                continue;
                        if (role != 0 && !key)
                                continue;
                        if (add_field(row, s, name, NULL, v->u.m.vals[i], key) < 0)
                                goto many;
                }
                return 0;
        }
        (void)sc;
        snprintf(errstr, errstr_size, "needs a Struct (with a schema) or a map, got %s",
                 v ? ferry_type_name(v->type) : "null");
        return -1;
many:
        snprintf(errstr, errstr_size, "more than 256 columns");
        return -1;
}

static int build_row(sink_t *s, const ferry_record_t *r, row_t *row, char *kafka[3], char *errstr,
                     size_t errstr_size)
{
        row->n = 0;
        row->nul = false;
        switch (s->pk_mode) {
        case PK_NONE:
                break;
        case PK_KAFKA: {
                static const char *const def[3] = {"__connect_topic", "__connect_partition",
                                                   "__connect_offset"};
                char part[16], off[32];
                snprintf(part, sizeof(part), "%d", (int)r->partition);
                snprintf(off, sizeof(off), "%" PRId64, r->kafka_offset);
                const char *vals[3] = {r->topic, part, off};
                ferry_type_t types[3] = {FERRY_TYPE_STRING, FERRY_TYPE_INT32, FERRY_TYPE_INT64};
                for (int i = 0; i < 3; i++) {
                        const char *name = s->n_pk == 3 ? s->pk_fields[i] : def[i];
                        kafka[i] = strdup(vals[i]);
                        row->f[row->n] = (jdbc_field_t){.name = name, .type_hint = types[i], .key = true};
                        row->len[row->n] = strlen(vals[i]);
                        row->param[row->n++] = strdup(vals[i]);
                }
                break;
        }
        case PK_RECORD_KEY:
                if (!r->key) {
                        snprintf(errstr, errstr_size,
                                 "pk.mode record_key needs a record key, the key is null");
                        return -1;
                }
                if (r->key->type == FERRY_TYPE_STRUCT || r->key->type == FERRY_TYPE_MAP) {
                        if (add_all(row, s, r->key_schema, r->key, 1, errstr, errstr_size) < 0)
                                return -1;
                } else {
                        const char *name = s->n_pk ? s->pk_fields[0] : "__connect_key";
                        add_field(row, s, name, r->key_schema, r->key, true);
                }
                break;
        case PK_RECORD_VALUE:
                if (r->value && add_all(row, s, r->value_schema, r->value, 2, errstr, errstr_size) < 0)
                        return -1;
                break;
        }
        if (r->value && add_all(row, s, r->value_schema, r->value, 0, errstr, errstr_size) < 0)
                return -1;
        for (size_t i = 0; i < row->n && row->nul; i++)
                if (row->param[i] && row->len[i] != strlen(row->param[i])) {
                        /* pgjdbc refuses it too: PostgreSQL text cannot hold 0x00. */
                        snprintf(errstr, errstr_size,
                                 "field %s: a string with a NUL byte (0x00) cannot be stored in %s text",
                                 row->f[i].name, s->d->name);
                        return -1;
                }
        return 0;
}

/* ---- tables ---- */

static char *table_name(sink_t *s, const char *topic)
{
        const char *fmt = ferry_config_get_string(s->cfg, "table.name.format");
        ferry_buf_t b;
        ferry_buf_init(&b);
        for (const char *p = fmt; *p;) {
                if (!strncmp(p, "${topic}", 8)) {
                        ferry_buf_puts(&b, topic);
                        p += 8;
                } else {
                        ferry_buf_putc(&b, *p++);
                }
        }
        return ferry_buf_steal(&b);
}

static table_cache_t *cache_get(sink_t *s, const char *name)
{
        for (size_t i = 0; i < s->ntables; i++)
                if (!strcmp(s->tables[i].name, name))
                        return &s->tables[i];
        return NULL;
}

static int exec(sink_t *s, const char *sql, char *errstr, size_t errstr_size)
{
        return s->d->query(s->conn, sql, NULL, 0, NULL, errstr, errstr_size);
}

/* Makes sure the table exists with every column of row (auto.create / auto.evolve). */
static int ensure_table(sink_t *s, const char *name, const jdbc_table_id_t *id, const row_t *row,
                        char *errstr, size_t errstr_size)
{
        table_cache_t *tc = cache_get(s, name);
        if (!tc) {
                jdbc_column_t *cols = NULL;
                size_t n = 0;
                bool exists = false;
                if (s->d->describe(s->conn, id, &cols, &n, &exists, errstr, errstr_size) < 0)
                        return -1;
                if (!exists) {
                        if (!s->auto_create) {
                                snprintf(errstr, errstr_size,
                                         "Table \"%s\" is missing and auto-creation is disabled", name);
                                return -1;
                        }
                        ferry_buf_t b;
                        ferry_buf_init(&b);
                        if (jdbc_create_sql(&b, &s->style, s->d->kind, id, row->f, row->n) < 0) {
                                snprintf(errstr, errstr_size,
                                         "cannot create table %s: a field has no SQL type", name);
                                ferry_buf_free(&b);
                                return -1;
                        }
                        FERRY_INFO("Creating table with sql: %s", b.p);
                        int rc = exec(s, b.p, errstr, errstr_size);
                        ferry_buf_free(&b);
                        if (rc < 0)
                                return -1;
                        if (s->d->describe(s->conn, id, &cols, &n, &exists, errstr, errstr_size) < 0)
                                return -1;
                }
                table_cache_t *nt = realloc(s->tables, (s->ntables + 1) * sizeof(*nt));
                if (!nt) {
                        jdbc_columns_free(cols, n);
                        return -1;
                }
                s->tables = nt;
                tc = &s->tables[s->ntables++];
                tc->name = strdup(name);
                tc->copy = -1;
                tc->cols = calloc(n + 1, sizeof(char *));
                tc->ncols = n;
                for (size_t i = 0; i < n; i++)
                        tc->cols[i] = strdup(cols[i].name);
                jdbc_columns_free(cols, n);
        }
        jdbc_field_t missing[256];
        size_t nm = 0;
        for (size_t i = 0; i < row->n; i++) {
                bool found = false;
                for (size_t k = 0; k < tc->ncols && !found; k++)
                        found = !strcmp(tc->cols[k], row->f[i].name);
                if (!found) {
                        missing[nm] = row->f[i];
                        missing[nm++].key = false;
                }
        }
        if (!nm)
                return 0;
        if (!s->auto_evolve) {
                snprintf(errstr, errstr_size,
                         "Table \"%s\" is missing fields (%s%s) and auto-evolution is disabled", name,
                         missing[0].name, nm > 1 ? ", ..." : "");
                return -1;
        }
        ferry_buf_t b;
        ferry_buf_init(&b);
        if (jdbc_alter_sql(&b, &s->style, s->d->kind, id, missing, nm) < 0) {
                ferry_buf_free(&b);
                snprintf(errstr, errstr_size, "cannot add columns to %s: a field has no SQL type", name);
                return -1;
        }
        FERRY_INFO("Amending table to add missing fields with SQL: %s", b.p);
        int rc = exec(s, b.p, errstr, errstr_size);
        ferry_buf_free(&b);
        if (rc < 0)
                return -1;
        char **cols = realloc(tc->cols, (tc->ncols + nm + 1) * sizeof(char *));
        if (!cols)
                return -1;
        tc->cols = cols;
        for (size_t i = 0; i < nm; i++)
                tc->cols[tc->ncols++] = strdup(missing[i].name);
        return 0;
}

/* A statement refused for its data (SQLSTATE class 22 data exception or 23 integrity constraint
 * violation; SQLite's constraint messages): the record is at fault, not the connection or table. */
static bool is_data_error(const char *errstr)
{
        return strstr(errstr, "SQLSTATE 22") || strstr(errstr, "SQLSTATE 23") ||
               strstr(errstr, "constraint failed") || strstr(errstr, "datatype mismatch");
}

static void group_reset(sink_t *s, group_t *g)
{
        if (g->copying && s->conn)
                s->d->copy_abort(s->conn);
        for (size_t i = 0; !g->streamed && i < g->nrows * g->nf; i++)
                free(g->params[i]);
        g->copying = g->streamed = false;
        free(g->table);
        jdbc_table_id_free(&g->id);
        g->table = NULL;
        g->nrows = 0;
        g->nf = 0;
        g->first = NULL;
}

static void group_free(sink_t *s, group_t *g)
{
        group_reset(s, g);
        free(g->params);
        free(g->lens);
        free(g->keyhash);
        memset(g, 0, sizeof(*g));
}

/* Writes the pending rows in one statement. */
static int group_flush(sink_t *s, char *errstr, size_t errstr_size)
{
        group_t *g = &s->group;
        if (!g->table || (!g->nrows && !g->copying))
                return 0;
        ferry_buf_t b;
        ferry_buf_init(&b);
        int rc = 0;
        if (g->copying) {
                g->copying = false;
                rc = s->d->copy_end(s->conn, errstr, errstr_size);
        } else {
                rc = jdbc_sink_sql_rows(&b, &s->style, s->d->kind, &g->id, g->mode, g->f, g->nf, g->nrows);
                if (rc == 0 && s->d->query_lens)
                        rc = s->d->query_lens(s->conn, b.p, (const char *const *)g->params, g->lens,
                                              g->nrows * g->nf, NULL, errstr, errstr_size);
                else if (rc == 0)
                        rc = s->d->query(s->conn, b.p, (const char *const *)g->params, g->nrows * g->nf, NULL,
                                         errstr, errstr_size);
        }
        if (rc < 0 && is_data_error(errstr))
                rc = -2;
        if (rc < 0) {
                size_t l = strlen(errstr);
                snprintf(errstr + l, errstr_size - l,
                         " (%zu records from topic='%s',partition=%d,offset=%" PRId64 ")", g->nrows,
                         g->first->topic, (int)g->first->partition, g->first->kafka_offset);
        }
        ferry_buf_free(&b);
        group_reset(s, g);
        return rc;
}

static uint64_t key_hash(const row_t *row)
{
        uint64_t h = 1469598103934665603ULL;
        for (size_t i = 0; i < row->n; i++) {
                if (!row->f[i].key)
                        continue;
                for (const char *p = row->param[i] ? row->param[i] : "\x01null"; *p; p++)
                        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
                h = (h ^ 0x1f) * 1099511628211ULL;
        }
        return h;
}

/* Starts a new group's rows into a COPY when it takes one: plain inserts by the database's bulk
 * path (PostgreSQL COPY: the server loads rows several times faster than from INSERT ... VALUES,
 * and takes them while the next records are converted). */
static int copy_start(sink_t *s, group_t *g, char *errstr, size_t errstr_size)
{
        table_cache_t *tc = g->mode == JDBC_INSERT && s->d->copy_begin ? cache_get(s, g->table) : NULL;
        if (!tc)
                return 0;
        if (tc->copy < 0) {
                bool ok = false;
                if (s->d->copy_ok(s->conn, &g->id, &ok, errstr, errstr_size) < 0)
                        return -1;
                tc->copy = ok;
        }
        if (!tc->copy)
                return 0;
        ferry_buf_t b;
        ferry_buf_init(&b);
        ferry_buf_puts(&b, "COPY ");
        jdbc_sql_table(&b, &s->style, &g->id);
        ferry_buf_puts(&b, " (");
        size_t k = 0;
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < g->nf; i++)
                        if (g->f[i].key == (pass == 0)) {
                                if (k++)
                                        ferry_buf_puts(&b, ", ");
                                jdbc_sql_ident(&b, &s->style, g->f[i].name);
                        }
        ferry_buf_puts(&b, ") FROM STDIN");
        int rc = s->d->copy_begin(s->conn, b.p, errstr, errstr_size);
        ferry_buf_free(&b);
        if (rc < 0)
                return -1;
        g->copying = g->streamed = true;
        return 0;
}

/* Adds a row to the pending statement (flushing it first when the row does not fit it); takes
 * the row's parameter strings. */
static int group_add(sink_t *s, const ferry_record_t *r, const char *table, const jdbc_table_id_t *id,
                     jdbc_insert_mode_t mode, row_t *row, char *errstr, size_t errstr_size)
{
        group_t *g = &s->group;
        uint64_t h = key_hash(row);
        bool fits = g->table && !strcmp(g->table, table) && g->mode == mode && g->nf == row->n &&
                    g->nrows < s->group_max && (g->nrows + 1) * g->nf <= 32767;
        for (size_t i = 0; fits && i < row->n; i++)
                fits = !strcmp(g->f[i].name, row->f[i].name) && g->f[i].key == row->f[i].key;
        for (size_t i = 0; fits && mode == JDBC_UPSERT && i < g->nrows; i++)
                fits = g->keyhash[i] != h; /* the same key twice in one upsert is refused */
        if (!fits) {
                int rc = group_flush(s, errstr, errstr_size);
                if (rc < 0)
                        return rc;
                g->table = strdup(table);
                g->id = (jdbc_table_id_t){.catalog = id->catalog ? strdup(id->catalog) : NULL,
                                          .schema = id->schema ? strdup(id->schema) : NULL,
                                          .table = strdup(id->table)};
                g->mode = mode;
                g->nf = row->n;
                memcpy(g->f, row->f, row->n * sizeof(jdbc_field_t));
                g->first = r;
                if ((rc = copy_start(s, g, errstr, errstr_size)) < 0)
                        return rc;
        }
        if (g->streamed) {
                /* Straight into the COPY, in statement order: keys, then the others. */
                const char *vals[256];
                size_t lens[256], k = 0;
                for (int pass = 0; pass < 2; pass++)
                        for (size_t i = 0; i < row->n; i++)
                                if (row->f[i].key == (pass == 0)) {
                                        lens[k] = row->len[i];
                                        vals[k++] = row->param[i];
                                }
                if (s->d->copy_row(s->conn, vals, lens, k, errstr, errstr_size) < 0)
                        return -1;
                g->nrows++;
                return 0;
        }
        size_t need = (g->nrows + 1) * (g->nf ? g->nf : 1);
        if (need > g->pcap) {
                size_t cap = g->pcap ? g->pcap * 2 : 256;
                while (cap < need)
                        cap *= 2;
                char **p = realloc(g->params, cap * sizeof(char *));
                if (p)
                        g->params = p;
                size_t *l = p ? realloc(g->lens, cap * sizeof(size_t)) : NULL;
                if (!p || !l) {
                        snprintf(errstr, errstr_size, "out of memory");
                        return -1;
                }
                g->lens = l;
                g->pcap = cap;
        }
        if (g->nrows == g->cap) {
                size_t cap = g->cap ? g->cap * 2 : 64;
                uint64_t *k = realloc(g->keyhash, cap * sizeof(uint64_t));
                if (!k) {
                        snprintf(errstr, errstr_size, "out of memory");
                        return -1;
                }
                g->keyhash = k;
                g->cap = cap;
        }
        /* Parameters in statement order: keys, then the others. */
        size_t at = g->nrows * g->nf;
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < row->n; i++)
                        if (row->f[i].key == (pass == 0)) {
                                g->lens[at] = row->len[i];
                                g->params[at++] = row->param[i];
                                row->param[i] = NULL;
                        }
        g->keyhash[g->nrows++] = h;
        return 0;
}

/* The table of a topic (table.name.format), kept for the topic met last: records of a batch
 * mostly share one. */
static int topic_table(sink_t *s, const char *topic, const char **name, const jdbc_table_id_t **id,
                       char *errstr, size_t errstr_size)
{
        if (!s->tt_topic || strcmp(s->tt_topic, topic) != 0) {
                free(s->tt_topic);
                free(s->tt_name);
                jdbc_table_id_free(&s->tt_id);
                s->tt_topic = NULL;
                s->tt_name = table_name(s, topic);
                if (!s->tt_name || jdbc_table_id_parse(s->tt_name, &s->tt_id) < 0) {
                        snprintf(errstr, errstr_size, "table.name.format: '%s' is not a valid table name",
                                 s->tt_name ? s->tt_name : "");
                        free(s->tt_name);
                        s->tt_name = NULL;
                        memset(&s->tt_id, 0, sizeof(s->tt_id));
                        return -1;
                }
                if (!(s->tt_topic = strdup(topic)))
                        return -1;
        }
        *name = s->tt_name;
        *id = &s->tt_id;
        return 0;
}

/* Writes one record: 0, -1 on failure, -2 when the record itself is at fault (bad data). With
 * grouping, INSERTs and upserts of consecutive records wait in s->group for one statement. */
static int write_record(sink_t *s, const ferry_record_t *r, bool grouping, char *errstr, size_t errstr_size)
{
        row_t row;
        char *kafka[3] = {NULL, NULL, NULL};
        const char *name;
        const jdbc_table_id_t *id;
        int rc = -1;
        if (topic_table(s, r->topic, &name, &id, errstr, errstr_size) < 0)
                return -1;
        bool tomb = !r->value;
        if (tomb && !s->delete_enabled) {
                snprintf(errstr, errstr_size,
                         "Sink connector is configured with 'delete.enabled=false' and 'pk.mode=%s' and "
                         "therefore "
                         "requires records with a non-null Struct value, but found record at "
                         "(topic='%s',partition=%d,"
                         "offset=%" PRId64 ") with a null value",
                         ferry_config_get_string(s->cfg, "pk.mode"), r->topic, (int)r->partition,
                         r->kafka_offset);
                goto out_noro;
        }
        if (build_row(s, r, &row, kafka, errstr, errstr_size) < 0) {
                size_t l = strlen(errstr);
                snprintf(errstr + l, errstr_size - l, " (topic='%s',partition=%d,offset=%" PRId64 ")",
                         r->topic, (int)r->partition, r->kafka_offset);
                row_free(&row);
                rc = -2;
                goto out_noro;
        }
        ferry_buf_t b;
        ferry_buf_init(&b);
        const char *params[256];
        size_t lens[256];
        size_t np = 0;
        if (tomb) {
                if ((rc = group_flush(s, errstr, errstr_size)) < 0)
                        goto out;
                rc = -1;
                jdbc_delete_sql(&b, &s->style, id, row.f, row.n);
                for (size_t i = 0; i < row.n; i++)
                        if (row.f[i].key) {
                                lens[np] = row.len[i];
                                params[np++] = row.param[i];
                        }
                if (!cache_get(s, name)) {
                        bool ac = s->auto_create;
                        s->auto_create = false;
                        if (ensure_table(s, name, id, &row, errstr, errstr_size) < 0) {
                                s->auto_create = ac;
                                goto out;
                        }
                        s->auto_create = ac;
                }
        } else {
                if (ensure_table(s, name, id, &row, errstr, errstr_size) < 0)
                        goto out;
                size_t nk = 0;
                for (size_t i = 0; i < row.n; i++)
                        nk += row.f[i].key;
                jdbc_insert_mode_t mode = s->insert_mode;
                if (mode == JDBC_UPSERT && nk == 0)
                        mode = JDBC_INSERT;
                if (grouping && mode != JDBC_UPDATE && s->d->kind != JDBC_DB_SQLITE) {
                        rc = group_add(s, r, name, id, mode, &row, errstr, errstr_size);
                        goto out;
                }
                if ((rc = group_flush(s, errstr, errstr_size)) < 0)
                        goto out;
                rc = -1;
                jdbc_sink_sql(&b, &s->style, s->d->kind, id, mode, row.f, row.n);
                /* Parameters in the order the statement names them. */
                for (int pass = 0; pass < 2; pass++)
                        for (size_t i = 0; i < row.n; i++) {
                                bool first = mode == JDBC_UPDATE ? !row.f[i].key : row.f[i].key;
                                if (first == (pass == 0)) {
                                        lens[np] = row.len[i];
                                        params[np++] = row.param[i];
                                }
                        }
        }
        rc = s->d->query_lens ? s->d->query_lens(s->conn, b.p, params, lens, np, NULL, errstr, errstr_size)
                              : s->d->query(s->conn, b.p, params, np, NULL, errstr, errstr_size);
        if (rc < 0 && is_data_error(errstr))
                rc = -2;
        if (rc < 0) {
                size_t l = strlen(errstr);
                snprintf(errstr + l, errstr_size - l, " (topic='%s',partition=%d,offset=%" PRId64 "; %s)",
                         r->topic, (int)r->partition, r->kafka_offset, b.p);
        }
out:
        ferry_buf_free(&b);
        row_free(&row);
out_noro:
        for (int i = 0; i < 3; i++)
                free(kafka[i]);
        return rc;
}

/* ---- task ---- */

static void sink_stop(ferry_task_t *t)
{
        sink_t *s = ferry_task_data(t);
        if (!s)
                return;
        if (s->conn)
                s->d->close(s->conn);
        cache_clear(s);
        group_free(s, &s->group);
        free(s->tt_topic);
        free(s->tt_name);
        jdbc_table_id_free(&s->tt_id);
        jdbc_tz_free(s->tz);
        ferry_config_free(s->cfg);
        free(s);
        ferry_task_set_data(t, NULL);
}

static int connect_sink(ferry_task_t *t, sink_t *s, int attempts, char *errstr, size_t errstr_size)
{
        return jdbc_connect(s->d, ferry_config_get_string(s->cfg, "connection.url"),
                            ferry_config_get_string(s->cfg, "connection.user"),
                            ferry_config_get_password(s->cfg, "connection.password"),
                            ferry_config_get_string(s->cfg, "db.timezone"), attempts,
                            ferry_config_get_long(s->cfg, "connection.backoff.ms"), t, &s->conn, errstr,
                            errstr_size);
}

static ferry_err_t sink_start(ferry_task_t *t, const ferry_strmap_t *config, char *errstr, size_t errstr_size)
{
        ferry_cfg_errors_t errs;
        ferry_cfg_errors_init(&errs);
        sink_t *s = calloc(1, sizeof(*s));
        if (!s || !(s->cfg = ferry_config_parse(jdbc_sink_config, config, &errs))) {
                char *why = ferry_cfg_errors_join(&errs);
                snprintf(errstr, errstr_size, "%s", why ? why : "out of memory");
                free(why);
                ferry_cfg_errors_free(&errs);
                free(s);
                return FERRY_ERR_INVALID_CONFIG;
        }
        ferry_cfg_errors_free(&errs);
        ferry_task_set_data(t, s);
        const char *im = ferry_config_get_string(s->cfg, "insert.mode");
        s->insert_mode = !strcasecmp(im, "upsert")   ? JDBC_UPSERT
                         : !strcasecmp(im, "update") ? JDBC_UPDATE
                                                     : JDBC_INSERT;
        const char *pm = ferry_config_get_string(s->cfg, "pk.mode");
        s->pk_mode = !strcasecmp(pm, "kafka")          ? PK_KAFKA
                     : !strcasecmp(pm, "record_key")   ? PK_RECORD_KEY
                     : !strcasecmp(pm, "record_value") ? PK_RECORD_VALUE
                                                       : PK_NONE;
        s->pk_fields = ferry_config_get_list(s->cfg, "pk.fields", &s->n_pk);
        s->whitelist = ferry_config_get_list(s->cfg, "fields.whitelist", &s->n_white);
        s->auto_create = ferry_config_get_bool(s->cfg, "auto.create");
        s->auto_evolve = ferry_config_get_bool(s->cfg, "auto.evolve");
        s->delete_enabled = ferry_config_get_bool(s->cfg, "delete.enabled");
        s->retries_left = ferry_config_get_int(s->cfg, "max.retries");
        int bs = ferry_config_get_int(s->cfg, "batch.size");
        s->group_max = bs > 0 ? (size_t)bs : 1;
        if (s->delete_enabled && s->pk_mode != PK_RECORD_KEY) {
                snprintf(errstr, errstr_size, "pk.mode: deletes are only supported for pk.mode record_key");
                return FERRY_ERR_INVALID_CONFIG;
        }
        if (s->pk_mode == PK_KAFKA && s->n_pk && s->n_pk != 3) {
                snprintf(errstr, errstr_size,
                         "pk.fields: PK mode for kafka coordinates needs exactly 3 fields "
                         "(topic, partition, offset)");
                return FERRY_ERR_INVALID_CONFIG;
        }
        jdbc_url_t u;
        if (jdbc_url_parse(ferry_config_get_string(s->cfg, "connection.url"), &u, errstr, errstr_size) < 0)
                return FERRY_ERR_INVALID_CONFIG;
        s->d = jdbc_dialect_for(&u, ferry_config_get_string(s->cfg, "dialect.name"), errstr, errstr_size);
        jdbc_url_free(&u);
        if (!s->d)
                return FERRY_ERR_INVALID_CONFIG;
        s->style = s->d->style;
        s->style.quote_identifiers =
                strcmp(ferry_config_get_string(s->cfg, "quote.sql.identifiers"), "never") != 0;
        if (jdbc_tz_load(ferry_config_get_string(s->cfg, "db.timezone"), &s->tz, errstr, errstr_size) < 0)
                return FERRY_ERR_INVALID_CONFIG;
        s->date_utc = !strcasecmp(ferry_config_get_string(s->cfg, "date.timezone"), "UTC");
        if (connect_sink(t, s, ferry_config_get_int(s->cfg, "connection.attempts"), errstr, errstr_size) < 0)
                return FERRY_ERR_RETRIABLE;
        return FERRY_ERR_OK;
}

/* One transaction for the batch. careful: a savepoint before each record; a record refused for
 * its data is rolled back to it and reported. 0 committed, -1 failed, -2 a record's data was
 * refused (not careful), -3 the reporter failed the task. */
static int write_batch(ferry_task_t *t, sink_t *s, ferry_record_t *const *recs, size_t n, bool careful,
                       char *errstr, size_t errstr_size)
{
        char ignore[256];
        s->pipelined = !careful && s->d->pipeline;
        if (s->d->pipeline)
                s->d->pipeline(s->conn, s->pipelined);
        int rc = exec(s, "BEGIN", errstr, errstr_size);
        for (size_t i = 0; rc == 0 && i < n; i++) {
                if (careful && (rc = exec(s, "SAVEPOINT ferry_record", errstr, errstr_size)) < 0)
                        break;
                rc = write_record(s, recs[i], !careful, errstr, errstr_size);
                if (rc == -2 && careful) {
                        exec(s, "ROLLBACK TO SAVEPOINT ferry_record", ignore, sizeof(ignore));
                        cache_clear(s);
                        ferry_task_log(t, FERRY_LOG_WARN, "Record refused by the database: %s", errstr);
                        if (ferry_sink_task_report(t, recs[i], errstr) != FERRY_ERR_OK)
                                return -3;
                        rc = 0;
                }
        }
        if (rc == 0)
                rc = group_flush(s, errstr, errstr_size);
        group_reset(s, &s->group);
        if (rc == 0)
                rc = exec(s, "COMMIT", errstr, errstr_size);
        /* Pipelined, a statement's error arrives at COMMIT: a record's data is then at fault. */
        if (rc == -1 && s->pipelined && is_data_error(errstr))
                rc = -2;
        if (s->d->pipeline)
                s->d->pipeline(s->conn, false);
        s->pipelined = false;
        return rc;
}

static ferry_err_t sink_put(ferry_task_t *t, ferry_record_t *const *recs, size_t n, char *errstr,
                            size_t errstr_size)
{
        sink_t *s = ferry_task_data(t);
        if (n == 0)
                return FERRY_ERR_OK;
        if (s->conn && !s->d->alive(s->conn)) {
                s->d->close(s->conn);
                s->conn = NULL;
        }
        int rc = 0;
        char ignore[256];
        if (!s->conn)
                rc = connect_sink(t, s, 1, errstr, errstr_size);
        if (rc == 0)
                rc = write_batch(t, s, recs, n, false, errstr, errstr_size);
        if (rc == -2) {
                /* A record's data was refused: write the batch again record by record, each behind a
                 * savepoint, and hand the refused ones to the errant-record reporter (DLQ). */
                exec(s, "ROLLBACK", ignore, sizeof(ignore));
                cache_clear(s);
                rc = write_batch(t, s, recs, n, true, errstr, errstr_size);
        }
        if (rc == 0) {
                s->retries_left = ferry_config_get_int(s->cfg, "max.retries");
                return FERRY_ERR_OK;
        }
        if (s->conn)
                exec(s, "ROLLBACK", ignore, sizeof(ignore));
        cache_clear(s); /* DDL of the batch was rolled back too */
        if (rc == -3)
                return FERRY_ERR_FATAL; /* the reporter failed the task (errors.tolerance=none) */
        if (s->retries_left > 0) {
                s->retries_left--;
                ferry_task_log(t, FERRY_LOG_WARN, "Write of %zu records failed, remaining retries=%d: %s", n,
                               s->retries_left, errstr);
                ferry_sink_task_timeout(t, ferry_config_get_int(s->cfg, "retry.backoff.ms"));
                return FERRY_ERR_RETRIABLE;
        }
        return FERRY_ERR_FATAL;
}

static ferry_err_t sink_flush(ferry_task_t *t, char *errstr, size_t errstr_size)
{
        return FERRY_ERR_OK; /* every put() committed its transaction before returning */
}

static const ferry_sink_task_ops_t sink_ops = {
        .size = sizeof(ferry_sink_task_ops_t),
        .start = sink_start,
        .put = sink_put,
        .flush = sink_flush,
        .stop = sink_stop,
};

const ferry_connector_plugin_t jdbc_sink_plugin = {
        .info = FERRY_PLUGIN_INFO(ferry_connector_plugin_t, .type = FERRY_PLUGIN_SINK,
                                  .class_name = "io.confluent.connect.jdbc.JdbcSinkConnector",
                                  .version = FERRY_VERSION, .config = jdbc_sink_config,
                                  .doc = "Writes records of Kafka topics into relational database tables."),
        .validate = jdbc_sink_validate,
        .task_configs = ferry_task_configs_copies,
        .sink = &sink_ops,
};
