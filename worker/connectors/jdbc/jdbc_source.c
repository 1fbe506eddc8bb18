/* io.confluent.connect.jdbc.JdbcSourceConnector: tables (or one query) into topics.
 *
 * The connector lists the tables the include/exclude lists select and spreads them contiguously
 * over min(tables, tasks.max) tasks (task keys "tables" and "tables.fetched"); query mode runs one
 * task. A task keeps one querier per table: each runs Confluent's SELECT for its mode with the
 * stored offset as parameters, keeps the result and hands out batch.max.rows rows per poll() as
 * records (key null, value a struct named after the table, topic topic.prefix + table), each with
 * the source partition {"protocol":"1","table":"schema.table"} and its row's offset
 * ({"incrementing":N}, {"timestamp_nanos":ns,"timestamp":ms} or all three), so offsets written by
 * Java Connect resume here and the other way round. A querier runs again poll.interval.ms after its
 * last result was drained. */
#include "jdbc_config.h"

#include <ferry/clock.h>
#include <ferry/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
        jdbc_table_id_t id; /* table mode */
        char *topic;
        char *name; /* table name (schema name of the records) or NULL in query mode */
        ferry_value_t *partition;
        ferry_value_t *partition_alt; /* PostgreSQL: "schema.table", as pgjdbc before 42.7.5 named it */
        char *sql;
        char *inc_col;
        bool has_inc, has_ts;
        int64_t inc, ts_ms;
        int32_t ts_nanos;
        jdbc_result_t res;
        bool open;
        bool streaming; /* res is one chunk of a cursor; more may follow */
        size_t row;
        ferry_schema_t *schema;
        int *field;                 /* per result column: field index or -1 (dropped) */
        ferry_schema_t *key_schema; /* ferry.key.from.primary.key: the primary key columns */
        int *key_col;               /* result column of each key field */
        size_t n_key;
        int inc_idx;
        int *ts_idx;
        int64_t next_poll;
        bool warned; /* dropped columns were logged */
} querier_t;

typedef struct {
        ferry_config_t *cfg;
        const jdbc_dialect_t *d;
        jdbc_sql_style_t style;
        jdbc_conn_t *conn;
        jdbc_mode_t mode;
        jdbc_numeric_mapping_t numeric;
        querier_t *q;
        size_t nq;
        char **ts_cols;
        size_t n_ts;
        int batch_max, poll_ms;
        bool pk_key;
        int64_t delay_ms;
        bool watermark;      /* ferry.timestamp.watermark, where the dialect has one */
        int64_t held_log_ms; /* when the last "held back" line was logged */
        jdbc_tz_t *tz;       /* db.timezone (NULL: UTC) */
        char *catalog;       /* the catalog offsets name tables with (PostgreSQL: the database) */
        size_t chunk;        /* rows per fetch of a streamed result */
        /* The offset keys, shared by every record's offset map (one allocation less per key and
         * row; records live and die on the task's thread). */
        ferry_value_t *k_tsn, *k_inc, *k_ts;
} source_t;

/* ---- connector: the tables (jdbc_monitor.c), split over the tasks ---- */

static ferry_err_t source_task_configs(ferry_connector_ctx_t *c, const ferry_strmap_t *config, int max_tasks,
                                       ferry_strmap_t *out, int *n_out, char *errstr, size_t errstr_size)
{
        ferry_cfg_errors_t errs;
        ferry_cfg_errors_init(&errs);
        ferry_config_t *cfg = ferry_config_parse(jdbc_source_config, config, &errs);
        if (!cfg) {
                char *why = ferry_cfg_errors_join(&errs);
                snprintf(errstr, errstr_size, "%s", why ? why : "invalid configuration");
                free(why);
                ferry_cfg_errors_free(&errs);
                return FERRY_ERR_INVALID_CONFIG;
        }
        ferry_cfg_errors_free(&errs);
        *n_out = 0;
        const char *query = ferry_config_get_string(cfg, "query");
        if (query && *query) {
                ferry_strmap_init(&out[0]);
                ferry_strmap_copy(&out[0], config);
                ferry_strmap_set(&out[0], "tables", "");
                ferry_strmap_set(&out[0], "tables.fetched", "true");
                *n_out = 1;
                ferry_config_free(cfg);
                return FERRY_ERR_OK;
        }
        char **tables = NULL;
        size_t nt = 0;
        if (jdbc_select_tables(cfg, &tables, &nt, errstr, errstr_size) < 0) {
                ferry_config_free(cfg);
                return FERRY_ERR_RETRIABLE;
        }
        ferry_config_free(cfg);
        if (nt == 0)
                FERRY_WARN("No tables were found so there's no work to be done.");
        size_t groups = nt < (size_t)max_tasks ? nt : (size_t)max_tasks;
        /* Contiguous groups, the first nt % groups one table larger (Connect's groupPartitions). */
        size_t at = 0;
        for (size_t g = 0; g < groups; g++) {
                size_t size = nt / groups + (g < nt % groups ? 1 : 0);
                ferry_buf_t b;
                ferry_buf_init(&b);
                for (size_t i = 0; i < size; i++) {
                        if (i)
                                ferry_buf_putc(&b, ',');
                        ferry_buf_puts(&b, tables[at++]);
                }
                ferry_strmap_init(&out[g]);
                ferry_strmap_copy(&out[g], config);
                ferry_strmap_set(&out[g], "tables", b.p ? b.p : "");
                ferry_strmap_set(&out[g], "tables.fetched", "true");
                ferry_buf_free(&b);
        }
        *n_out = (int)groups;
        ferry_strlist_free(tables, nt);
        return FERRY_ERR_OK;
}

/* ---- task ---- */

static void querier_close(source_t *s, querier_t *q)
{
        jdbc_result_free(&q->res);
        if (q->streaming && s->conn)
                s->d->stream_close(s->conn);
        q->streaming = false;
        q->open = false;
        q->row = 0;
}

static void querier_free(source_t *s, querier_t *q)
{
        querier_close(s, q);
        ferry_value_free(q->partition_alt);
        jdbc_table_id_free(&q->id);
        free(q->topic);
        free(q->name);
        free(q->sql);
        free(q->inc_col);
        free(q->field);
        free(q->ts_idx);
        ferry_value_free(q->partition);
        ferry_schema_unref(q->schema);
        ferry_schema_unref(q->key_schema);
        free(q->key_col);
}

static void source_stop(ferry_task_t *t)
{
        source_t *s = ferry_task_data(t);
        if (!s)
                return;
        for (size_t i = 0; i < s->nq; i++)
                querier_free(s, &s->q[i]);
        free(s->q);
        jdbc_tz_free(s->tz);
        ferry_value_free(s->k_tsn);
        ferry_value_free(s->k_inc);
        ferry_value_free(s->k_ts);
        free(s->catalog);
        if (s->conn)
                s->d->close(s->conn);
        ferry_strlist_free(s->ts_cols, s->n_ts);
        ferry_config_free(s->cfg);
        free(s);
        ferry_task_set_data(t, NULL);
}

static ferry_value_t *map1(const char *k, ferry_value_t *v)
{
        ferry_value_t *m = ferry_value_map();
        if (m && ferry_map_put_str(m, k, v) == 0)
                return m;
        ferry_value_free(m);
        return NULL;
}

static int64_t value_long(const ferry_value_t *v, int64_t def)
{
        return v && v->type <= FERRY_TYPE_INT64 ? v->u.i : def;
}

/* Reads the stored offset (protocol 1 partition, then the legacy {"table": name}). */
static void restore_offset(ferry_task_t *t, source_t *s, querier_t *q)
{
        ferry_value_t *legacy = q->name ? map1("table", ferry_value_cstring(q->name)) : NULL;
        const ferry_value_t *parts[3] = {q->partition, q->partition_alt, legacy};
        size_t np = 1;
        if (q->partition_alt)
                parts[np++] = q->partition_alt;
        if (legacy)
                parts[np++] = legacy;
        ferry_value_t *offs[3] = {NULL, NULL, NULL};
        ferry_task_offsets(t, parts, np, offs);
        ferry_value_t *off = offs[0] ? offs[0] : offs[1] ? offs[1] : offs[2];
        if (off && off->type == FERRY_TYPE_MAP) {
                ferry_value_t *inc = ferry_map_get_str(off, "incrementing");
                ferry_value_t *ts = ferry_map_get_str(off, "timestamp");
                ferry_value_t *ns = ferry_map_get_str(off, "timestamp_nanos");
                if (inc) {
                        q->has_inc = true;
                        q->inc = value_long(inc, -1);
                }
                if (ts) {
                        q->has_ts = true;
                        q->ts_ms = value_long(ts, 0);
                        q->ts_nanos = (int32_t)value_long(ns, (q->ts_ms % 1000 + 1000) % 1000 * 1000000);
                }
                ferry_task_log(t, FERRY_LOG_INFO,
                               "%s resumes from offset incrementing=%lld timestamp=%lld.%09d", q->topic,
                               (long long)q->inc, (long long)q->ts_ms, (int)q->ts_nanos);
        }
        for (size_t i = 0; i < 3; i++)
                ferry_value_free(offs[i]);
        ferry_value_free(legacy);
        if (!q->has_ts && ferry_config_is_set(s->cfg, "timestamp.initial")) {
                int64_t init = ferry_config_get_long(s->cfg, "timestamp.initial");
                q->ts_ms = init == -1 ? ferry_wall_ms() : init;
                q->ts_nanos = (int32_t)((q->ts_ms % 1000 + 1000) % 1000 * 1000000);
        }
        if (!q->has_inc)
                q->inc = -1;
}

static int querier_init(ferry_task_t *t, source_t *s, querier_t *q, const char *table, const char *query,
                        char *errstr, size_t errstr_size)
{
        const char *prefix = ferry_config_get_string(s->cfg, "topic.prefix");
        const char *inc = ferry_config_get_string(s->cfg, "incrementing.column.name");
        q->inc_col = strdup(inc ? inc : "");
        q->inc_idx = -1;
        if (table) {
                if (jdbc_table_id_parse(table, &q->id) < 0) {
                        snprintf(errstr, errstr_size, "tables: malformed table id %s", table);
                        return -1;
                }
                q->name = strdup(q->id.table);
                size_t tl = strlen(prefix) + strlen(q->id.table) + 1;
                q->topic = malloc(tl);
                if (q->topic)
                        snprintf(q->topic, tl, "%s%s", prefix, q->id.table);
                char *full = jdbc_table_id_unquoted(&q->id);
                if (s->mode == JDBC_MODE_BULK) {
                        q->partition = map1("table", ferry_value_cstring(q->id.table));
                } else {
                        /* Confluent's protocol 1: the table as catalog.schema.table, the catalog being
                         * what the JDBC driver reports (PostgreSQL: the database, pgjdbc >= 42.7.5;
                         * offsets of older drivers, without it, are read too). */
                        char *named = full;
                        if (s->catalog && !q->id.catalog && full) {
                                size_t l = strlen(s->catalog) + strlen(full) + 2;
                                named = malloc(l);
                                if (named)
                                        snprintf(named, l, "%s.%s", s->catalog, full);
                                q->partition_alt = ferry_value_map();
                                ferry_map_put_str(q->partition_alt, "protocol", ferry_value_cstring("1"));
                                ferry_map_put_str(q->partition_alt, "table", ferry_value_cstring(full));
                        }
                        q->partition = ferry_value_map();
                        ferry_map_put_str(q->partition, "protocol", ferry_value_cstring("1"));
                        ferry_map_put_str(q->partition, "table", ferry_value_cstring(named ? named : ""));
                        if (named != full)
                                free(named);
                }
                free(full);
        } else {
                q->topic = strdup(prefix);
                q->partition = map1("query", ferry_value_cstring("query"));
        }
        if (!q->topic || !q->partition)
                return -1;
        restore_offset(t, s, q);
        return 0;
}

static ferry_err_t source_start(ferry_task_t *t, const ferry_strmap_t *config, char *errstr,
                                size_t errstr_size)
{
        ferry_cfg_errors_t errs;
        ferry_cfg_errors_init(&errs);
        source_t *s = calloc(1, sizeof(*s));
        if (!s || !(s->cfg = ferry_config_parse(jdbc_source_config, config, &errs))) {
                char *why = ferry_cfg_errors_join(&errs);
                snprintf(errstr, errstr_size, "%s", why ? why : "out of memory");
                free(why);
                ferry_cfg_errors_free(&errs);
                free(s);
                return FERRY_ERR_INVALID_CONFIG;
        }
        ferry_cfg_errors_free(&errs);
        ferry_task_set_data(t, s);
        int mode = jdbc_mode_parse(ferry_config_get_string(s->cfg, "mode"));
        if (mode < 0) {
                snprintf(errstr, errstr_size,
                         "mode: the mode must be one of bulk, timestamp, incrementing, "
                         "timestamp+incrementing");
                return FERRY_ERR_INVALID_CONFIG;
        }
        s->mode = (jdbc_mode_t)mode;
        const char *nm = ferry_config_get_string(s->cfg, "numeric.mapping");
        s->numeric = nm ? (jdbc_numeric_mapping_t)jdbc_numeric_mapping_parse(nm)
                     : ferry_config_get_bool(s->cfg, "numeric.precision.mapping")
                             ? JDBC_NUMERIC_PRECISION_ONLY
                             : JDBC_NUMERIC_NONE;
        s->batch_max = ferry_config_get_int(s->cfg, "batch.max.rows");
        if (s->batch_max < 1)
                s->batch_max = 1;
        s->poll_ms = ferry_config_get_int(s->cfg, "poll.interval.ms");
        s->pk_key = ferry_config_get_bool(s->cfg, "ferry.key.from.primary.key");
        s->delay_ms = ferry_config_get_long(s->cfg, "timestamp.delay.interval.ms");
        size_t nts = 0;
        const char *const *ts = ferry_config_get_list(s->cfg, "timestamp.column.name", &nts);
        s->ts_cols = calloc(nts + 1, sizeof(char *));
        for (size_t i = 0; s->ts_cols && i < nts; i++)
                s->ts_cols[s->n_ts++] = strdup(ts[i]);
        if ((s->mode == JDBC_MODE_TIMESTAMP || s->mode == JDBC_MODE_TIMESTAMP_INCREMENTING) && !s->n_ts) {
                snprintf(errstr, errstr_size, "timestamp.column.name: required in mode %s",
                         ferry_config_get_string(s->cfg, "mode"));
                return FERRY_ERR_INVALID_CONFIG;
        }
        const char *url = ferry_config_get_string(s->cfg, "connection.url");
        jdbc_url_t u;
        if (jdbc_url_parse(url, &u, errstr, errstr_size) < 0)
                return FERRY_ERR_INVALID_CONFIG;
        s->d = jdbc_dialect_for(&u, ferry_config_get_string(s->cfg, "dialect.name"), errstr, errstr_size);
        jdbc_url_free(&u);
        if (!s->d)
                return FERRY_ERR_INVALID_CONFIG;
        s->watermark = s->d->watermark_sql && ferry_config_get_bool(s->cfg, "ferry.timestamp.watermark");
        s->style = s->d->style;
        s->style.quote_identifiers =
                strcmp(ferry_config_get_string(s->cfg, "quote.sql.identifiers"), "never") != 0;
        s->k_tsn = ferry_value_cstring("timestamp_nanos");
        s->k_inc = ferry_value_cstring("incrementing");
        s->k_ts = ferry_value_cstring("timestamp");
        if (!s->k_tsn || !s->k_inc || !s->k_ts)
                return FERRY_ERR_NOMEM;
        if (jdbc_tz_load(ferry_config_get_string(s->cfg, "db.timezone"), &s->tz, errstr, errstr_size) < 0)
                return FERRY_ERR_INVALID_CONFIG;
        s->chunk = s->batch_max > 5000 ? (size_t)s->batch_max : 5000;
        if (jdbc_connect(s->d, url, ferry_config_get_string(s->cfg, "connection.user"),
                         ferry_config_get_password(s->cfg, "connection.password"),
                         ferry_config_get_string(s->cfg, "db.timezone"),
                         ferry_config_get_int(s->cfg, "connection.attempts"),
                         ferry_config_get_long(s->cfg, "connection.backoff.ms"), t, &s->conn, errstr,
                         errstr_size) < 0)
                return FERRY_ERR_RETRIABLE;
        if (jdbc_set_isolation(s->d, s->conn, ferry_config_get_string(s->cfg, "transaction.isolation.mode"),
                               errstr, errstr_size) < 0)
                return FERRY_ERR_INVALID_CONFIG;
        if (s->d->catalog_sql) {
                jdbc_result_t cr;
                if (s->d->query(s->conn, s->d->catalog_sql, NULL, 0, &cr, errstr, errstr_size) < 0)
                        return FERRY_ERR_RETRIABLE;
                size_t len = 0;
                const char *cat = cr.nrows ? cr.cell(&cr, 0, 0, &len) : NULL;
                s->catalog = cat ? strndup(cat, len) : NULL;
                jdbc_result_free(&cr);
        }
        const char *query = ferry_config_get_string(s->cfg, "query");
        size_t n = 0;
        char **tables = NULL;
        if (query && *query) {
                n = 1;
        } else {
                tables = ferry_split_list(ferry_strmap_get(config, "tables"), &n);
        }
        s->q = calloc(n ? n : 1, sizeof(querier_t));
        if (!s->q)
                return FERRY_ERR_NOMEM;
        for (size_t i = 0; i < n; i++) {
                s->nq++;
                if (querier_init(t, s, &s->q[i], tables ? tables[i] : NULL, tables ? NULL : query, errstr,
                                 errstr_size) < 0) {
                        ferry_strlist_free(tables, n);
                        return FERRY_ERR_INVALID_CONFIG;
                }
        }
        ferry_strlist_free(tables, n);
        ferry_task_log(t, FERRY_LOG_INFO, "JDBC source: %zu %s in mode %s", s->nq,
                       query && *query ? "query" : "tables", ferry_config_get_string(s->cfg, "mode"));
        return FERRY_ERR_OK;
}

/* Maps the result's columns to the record schema (dropping unsupported types) and finds the
 * incrementing and timestamp columns. */
static int build_schema(ferry_task_t *t, source_t *s, querier_t *q, char *errstr, size_t errstr_size)
{
        jdbc_result_t *r = &q->res;
        ferry_schema_unref(q->schema);
        free(q->field);
        free(q->ts_idx);
        q->schema = ferry_schema_struct(q->name);
        q->field = calloc(r->ncols ? r->ncols : 1, sizeof(int));
        q->ts_idx = calloc(s->n_ts ? s->n_ts : 1, sizeof(int));
        if (!q->schema || !q->field || !q->ts_idx)
                return -1;
        int nf = 0;
        q->inc_idx = -1;
        for (size_t i = 0; i < s->n_ts; i++)
                q->ts_idx[i] = -1;
        for (size_t i = 0; i < r->ncols; i++) {
                jdbc_column_t *c = &r->cols[i];
                ferry_schema_t *fs = jdbc_column_schema(c, s->numeric);
                q->field[i] = -1;
                if (!fs) {
                        if (!q->warned)
                                ferry_task_log(t, FERRY_LOG_WARN,
                                               "JDBC type %s of column %s not currently supported: dropped",
                                               c->type_name ? c->type_name : "?", c->name);
                } else if (ferry_schema_add_field(q->schema, c->name, fs) == 0) {
                        q->field[i] = nf++;
                }
                if (!*q->inc_col && c->autoincrement && q->inc_idx < 0 &&
                    (s->mode == JDBC_MODE_INCREMENTING || s->mode == JDBC_MODE_TIMESTAMP_INCREMENTING)) {
                        free(q->inc_col);
                        q->inc_col = strdup(c->name);
                }
                if (*q->inc_col && !strcmp(c->name, q->inc_col))
                        q->inc_idx = (int)i;
                for (size_t k = 0; k < s->n_ts; k++)
                        if (!strcmp(c->name, s->ts_cols[k]))
                                q->ts_idx[k] = (int)i;
        }
        if ((s->mode == JDBC_MODE_INCREMENTING || s->mode == JDBC_MODE_TIMESTAMP_INCREMENTING) &&
            q->inc_idx < 0) {
                if (*q->inc_col)
                        snprintf(errstr, errstr_size, "incrementing.column.name: column %s not found in %s",
                                 q->inc_col, q->name ? q->name : "the query");
                else
                        snprintf(errstr, errstr_size,
                                 "incrementing.column.name: no auto-incrementing column found in %s; set "
                                 "incrementing.column.name",
                                 q->name ? q->name : "the query");
                return -1;
        }
        /* validate.non.null: Confluent refuses nullable incrementing/timestamp columns of a table. */
        if (q->name && ferry_config_get_bool(s->cfg, "validate.non.null")) {
                if (q->inc_idx >= 0 && r->cols[q->inc_idx].nullable) {
                        snprintf(errstr, errstr_size,
                                 "Cannot make incremental queries using incrementing column %s on %s because "
                                 "this "
                                 "column is nullable.",
                                 q->inc_col, q->name);
                        return -1;
                }
                for (size_t k = 0;
                     k < s->n_ts && s->mode != JDBC_MODE_BULK && s->mode != JDBC_MODE_INCREMENTING; k++)
                        if (q->ts_idx[k] >= 0 && r->cols[q->ts_idx[k]].nullable) {
                                snprintf(errstr, errstr_size,
                                         "Cannot make incremental queries using timestamp column %s on %s "
                                         "because "
                                         "this column is nullable.",
                                         s->ts_cols[k], q->name);
                                return -1;
                        }
        }
        q->warned = true;
        ferry_schema_unref(q->key_schema);
        free(q->key_col);
        q->key_schema = NULL;
        q->key_col = NULL;
        q->n_key = 0;
        if (s->pk_key) {
                char kname[512];
                snprintf(kname, sizeof(kname), "%s.Key", q->name ? q->name : "query");
                q->key_schema = ferry_schema_struct(kname);
                q->key_col = calloc(r->ncols ? r->ncols : 1, sizeof(int));
                if (!q->key_schema || !q->key_col)
                        return -1;
                for (size_t i = 0; i < r->ncols; i++) {
                        if (!r->cols[i].primary_key || q->field[i] < 0)
                                continue;
                        ferry_schema_t *ks = ferry_schema_ref(q->schema->fields[q->field[i]].schema);
                        if (ferry_schema_add_field(q->key_schema, r->cols[i].name, ks) == 0)
                                q->key_col[q->n_key++] = (int)i;
                }
        }
        for (size_t k = 0; k < s->n_ts; k++)
                if (s->mode != JDBC_MODE_BULK && s->mode != JDBC_MODE_INCREMENTING && q->ts_idx[k] < 0) {
                        snprintf(errstr, errstr_size, "timestamp.column.name: column %s not found in %s",
                                 s->ts_cols[k], q->name ? q->name : "the query");
                        return -1;
                }
        return 0;
}

/* A timestamp parameter as the JDBC driver binds it with db.timezone's Calendar: wall time in
 * the zone (the session runs in it), or epoch milliseconds for SQLite. */
static void ts_param(source_t *s, int64_t ms, int32_t nanos, char out[48])
{
        if (s->d->ts_epoch_ms) {
                snprintf(out, 48, "%lld", (long long)ms);
                return;
        }
        char b[40];
        jdbc_format_timestamp(jdbc_tz_utc_to_local_ms(s->tz, ms), nanos, b);
        snprintf(out, 48, "%s%s", b, s->d->ts_suffix);
}

/* Logs, at most once a minute, when the watermark holds the upper bound more than 1 s behind the
 * database's clock (an open transaction: ferry.timestamp.watermark). */
static void held_back_log(ferry_task_t *t, source_t *s, jdbc_result_t *r, int64_t bound_ms)
{
        size_t len = 0;
        const char *txt = r->ncols > 1 ? r->cell(r, 0, 1, &len) : NULL;
        int64_t now_ms;
        int32_t ns;
        if (!txt || jdbc_parse_timestamp_tz(txt, len, s->tz, &now_ms, &ns) < 0 || now_ms - bound_ms <= 1000)
                return;
        int64_t mono = ferry_now_ms();
        if (s->held_log_ms && mono - s->held_log_ms < 60000)
                return;
        s->held_log_ms = mono;
        const char *b = r->cell(r, 0, 0, &len);
        ferry_task_log(t, FERRY_LOG_INFO,
                       "rows newer than %.*s wait: a transaction open since then may still commit rows with "
                       "earlier timestamps (ferry.timestamp.watermark; see pg_stat_activity)",
                       (int)len, b);
}

static ferry_err_t run_query(ferry_task_t *t, source_t *s, querier_t *q, char *errstr, size_t errstr_size)
{
        if (!q->sql) {
                ferry_buf_t b;
                ferry_buf_init(&b);
                if (q->name &&
                    (s->mode == JDBC_MODE_INCREMENTING || s->mode == JDBC_MODE_TIMESTAMP_INCREMENTING) &&
                    !*q->inc_col) {
                        /* Find the auto-incrementing column first. */
                        jdbc_column_t *cols = NULL;
                        size_t n = 0;
                        bool exists = false;
                        if (s->d->describe(s->conn, &q->id, &cols, &n, &exists, errstr, errstr_size) < 0)
                                return FERRY_ERR_RETRIABLE;
                        for (size_t i = 0; i < n && !*q->inc_col; i++)
                                if (cols[i].autoincrement) {
                                        free(q->inc_col);
                                        q->inc_col = strdup(cols[i].name);
                                }
                        jdbc_columns_free(cols, n);
                        if (!*q->inc_col) {
                                snprintf(errstr, errstr_size,
                                         "incrementing.column.name: no auto-incrementing column found in %s; "
                                         "set "
                                         "incrementing.column.name",
                                         q->name);
                                return FERRY_ERR_FATAL;
                        }
                }
                if (jdbc_source_sql(&b, &s->style, q->name ? &q->id : NULL,
                                    q->name ? NULL : ferry_config_get_string(s->cfg, "query"), s->mode,
                                    q->inc_col, s->ts_cols, s->n_ts,
                                    ferry_config_get_string(s->cfg, "query.suffix")) < 0) {
                        ferry_buf_free(&b);
                        return FERRY_ERR_NOMEM;
                }
                q->sql = ferry_buf_steal(&b);
                ferry_task_log(t, FERRY_LOG_INFO, "%s: %s", q->topic, q->sql);
        }
        char p_inc[32], p_ts[48], p_end[48];
        const char *params[4];
        size_t np = 0;
        if (s->mode == JDBC_MODE_TIMESTAMP || s->mode == JDBC_MODE_TIMESTAMP_INCREMENTING) {
                jdbc_result_t now;
                if (s->d->query(s->conn, s->watermark ? s->d->watermark_sql : s->d->now_sql, NULL, 0, &now,
                                errstr, errstr_size) < 0)
                        return FERRY_ERR_RETRIABLE;
                size_t len = 0;
                const char *txt = now.nrows ? now.cell(&now, 0, 0, &len) : NULL;
                int64_t ms;
                int32_t ns;
                int ok = txt ? jdbc_parse_timestamp_tz(txt, len, s->tz, &ms, &ns) : -1;
                if (ok == 0 && s->watermark)
                        held_back_log(t, s, &now, ms);
                jdbc_result_free(&now);
                if (ok < 0) {
                        snprintf(errstr, errstr_size, "cannot read the database's current time");
                        return FERRY_ERR_RETRIABLE;
                }
                ms -= s->delay_ms;
                ts_param(s, ms, (int32_t)((ms % 1000 + 1000) % 1000 * 1000000 + ns % 1000000), p_end);
                ts_param(s, q->ts_ms, q->ts_nanos, p_ts);
        }
        snprintf(p_inc, sizeof(p_inc), "%lld", (long long)q->inc);
        switch (s->mode) {
        case JDBC_MODE_BULK:
                break;
        case JDBC_MODE_INCREMENTING:
                params[np++] = p_inc;
                break;
        case JDBC_MODE_TIMESTAMP:
                params[np++] = p_ts;
                params[np++] = p_end;
                break;
        case JDBC_MODE_TIMESTAMP_INCREMENTING:
                params[np++] = p_end;
                params[np++] = p_ts;
                params[np++] = p_inc;
                params[np++] = p_ts;
                break;
        }
        int rc;
        if (s->d->stream_open) {
                /* A cursor read in chunks: memory stays bounded however many rows match. */
                rc = s->d->stream_open(s->conn, q->sql, params, np, errstr, errstr_size);
                if (rc == 0) {
                        q->streaming = true;
                        rc = s->d->stream_next(s->conn, s->chunk, &q->res, errstr, errstr_size);
                }
        } else {
                rc = s->d->query(s->conn, q->sql, params, np, &q->res, errstr, errstr_size);
        }
        if (rc < 0) {
                bool conn = s->d->conn_error(s->conn);
                querier_close(s, q);
                return conn ? FERRY_ERR_RETRIABLE : FERRY_ERR_FATAL;
        }
        q->open = true;
        q->row = 0;
        if (build_schema(t, s, q, errstr, errstr_size) < 0) {
                querier_close(s, q);
                return FERRY_ERR_FATAL;
        }
        return FERRY_ERR_OK;
}

static ferry_err_t emit_rows(ferry_task_t *t, source_t *s, querier_t *q, ferry_records_t *out, char *errstr,
                             size_t errstr_size)
{
        jdbc_result_t *r = &q->res;
        int emitted = 0;
        while (q->row < r->nrows && emitted < s->batch_max) {
                size_t row = q->row++;
                ferry_value_t *v = ferry_value_struct(q->schema);
                if (!v)
                        return FERRY_ERR_NOMEM;
                for (size_t c = 0; c < r->ncols; c++) {
                        if (q->field[c] < 0)
                                continue;
                        size_t len = 0;
                        const char *txt = r->cell(r, row, c, &len);
                        const ferry_field_t *f = &q->schema->fields[q->field[c]];
                        ferry_value_t *cv = NULL;
                        if (jdbc_cell_value(f->schema, r->cols[c].type, s->tz, txt, len, &cv, errstr,
                                            errstr_size) < 0) {
                                /* Unconstrained numeric with more fraction digits than the scale: keep the
                                 * digits the scale allows. */
                                const char *dot = txt ? memchr(txt, '.', len) : NULL;
                                if (!dot || !f->schema->name ||
                                    strcmp(f->schema->name, FERRY_LOGICAL_DECIMAL) ||
                                    jdbc_cell_value(f->schema, r->cols[c].type, s->tz, txt,
                                                    (size_t)(dot - txt), &cv, errstr, errstr_size) < 0) {
                                        ferry_value_free(v);
                                        size_t l = strlen(errstr);
                                        snprintf(errstr + l, errstr_size - l, " (column %s of %s)",
                                                 r->cols[c].name, q->topic);
                                        return FERRY_ERR_FATAL;
                                }
                        }
                        v->u.st.fields[q->field[c]] = cv;
                }
                /* The row's offset. */
                ferry_value_t *off = NULL;
                if (s->mode != JDBC_MODE_BULK) {
                        off = ferry_value_map();
                        if (s->mode == JDBC_MODE_TIMESTAMP || s->mode == JDBC_MODE_TIMESTAMP_INCREMENTING) {
                                for (size_t k = 0; k < s->n_ts; k++) {
                                        size_t len = 0;
                                        const char *txt = r->cell(r, row, (size_t)q->ts_idx[k], &len);
                                        int64_t ms;
                                        int32_t ns;
                                        if (txt && jdbc_parse_timestamp_tz(txt, len, s->tz, &ms, &ns) == 0) {
                                                q->ts_ms = ms;
                                                q->ts_nanos = ns;
                                                break;
                                        }
                                }
                                ferry_map_put(off, ferry_value_ref(s->k_tsn),
                                              ferry_value_int(FERRY_TYPE_INT64, q->ts_nanos));
                        }
                        if (s->mode == JDBC_MODE_INCREMENTING ||
                            s->mode == JDBC_MODE_TIMESTAMP_INCREMENTING) {
                                size_t len = 0;
                                const char *txt = r->cell(r, row, (size_t)q->inc_idx, &len);
                                char num[32];
                                int64_t iv;
                                if (!txt || len >= sizeof(num)) {
                                        ferry_value_free(v);
                                        ferry_value_free(off);
                                        snprintf(errstr, errstr_size,
                                                 "incrementing column %s is null or too long in %s",
                                                 q->inc_col, q->topic);
                                        return FERRY_ERR_FATAL;
                                }
                                memcpy(num, txt, len);
                                num[len] = 0;
                                if (ferry_parse_int64(num, &iv) < 0) {
                                        ferry_value_free(v);
                                        ferry_value_free(off);
                                        snprintf(errstr, errstr_size,
                                                 "incrementing column %s holds '%s', not an integer",
                                                 q->inc_col, num);
                                        return FERRY_ERR_FATAL;
                                }
                                q->inc = iv;
                                ferry_map_put(off, ferry_value_ref(s->k_inc),
                                              ferry_value_int(FERRY_TYPE_INT64, iv));
                        }
                        if (s->mode == JDBC_MODE_TIMESTAMP || s->mode == JDBC_MODE_TIMESTAMP_INCREMENTING)
                                ferry_map_put(off, ferry_value_ref(s->k_ts),
                                              ferry_value_int(FERRY_TYPE_INT64, q->ts_ms));
                }
                ferry_value_t *key = NULL;
                if (q->key_schema && q->n_key) {
                        key = ferry_value_struct(q->key_schema);
                        for (size_t k = 0; key && k < q->n_key; k++) {
                                const ferry_value_t *fv = v->u.st.fields[q->field[q->key_col[k]]];
                                key->u.st.fields[k] = fv ? ferry_value_copy(fv) : NULL;
                        }
                }
                ferry_record_t *rec = ferry_record_new(q->topic, key ? ferry_schema_ref(q->key_schema) : NULL,
                                                       key, ferry_schema_ref(q->schema), v);
                if (!rec) {
                        ferry_value_free(off);
                        return FERRY_ERR_NOMEM;
                }
                rec->source_partition = ferry_value_ref(q->partition);
                rec->source_offset = off;
                if (ferry_records_push(out, rec) < 0)
                        return FERRY_ERR_NOMEM;
                emitted++;
        }
        if (q->row >= r->nrows && q->streaming && r->nrows >= s->chunk) {
                /* The next chunk of the cursor (same columns, same schema). */
                jdbc_result_t next;
                if (s->d->stream_next(s->conn, s->chunk, &next, errstr, errstr_size) < 0) {
                        bool conn = s->d->conn_error(s->conn);
                        querier_close(s, q);
                        q->next_poll = ferry_now_ms() + s->poll_ms;
                        return conn ? FERRY_ERR_RETRIABLE : FERRY_ERR_FATAL;
                }
                jdbc_result_free(&q->res);
                q->res = next;
                q->row = 0;
        }
        if (q->row >= q->res.nrows) {
                querier_close(s, q);
                q->next_poll = ferry_now_ms() + s->poll_ms;
        }
        return FERRY_ERR_OK;
}

static ferry_err_t source_poll(ferry_task_t *t, ferry_records_t *out, char *errstr, size_t errstr_size)
{
        source_t *s = ferry_task_data(t);
        if (!s->nq) {
                ferry_task_wait(t, 1000);
                return FERRY_ERR_OK;
        }
        if (!s->conn || !s->d->alive(s->conn)) {
                if (s->conn)
                        s->d->close(s->conn);
                s->conn = NULL;
                for (size_t i = 0; i < s->nq; i++)
                        querier_close(s, &s->q[i]);
                if (jdbc_connect(s->d, ferry_config_get_string(s->cfg, "connection.url"),
                                 ferry_config_get_string(s->cfg, "connection.user"),
                                 ferry_config_get_password(s->cfg, "connection.password"),
                                 ferry_config_get_string(s->cfg, "db.timezone"), 1, 0, t, &s->conn, errstr,
                                 errstr_size) < 0) {
                        ferry_task_wait(t, 1000);
                        return FERRY_ERR_RETRIABLE;
                }
                if (jdbc_set_isolation(s->d, s->conn,
                                       ferry_config_get_string(s->cfg, "transaction.isolation.mode"), errstr,
                                       errstr_size) < 0)
                        return FERRY_ERR_RETRIABLE;
        }
        /* The querier with an open result, else the one due first. */
        querier_t *q = NULL;
        for (size_t i = 0; i < s->nq && !q; i++)
                if (s->q[i].open)
                        q = &s->q[i];
        if (!q) {
                for (size_t i = 0; i < s->nq; i++)
                        if (!q || s->q[i].next_poll < q->next_poll)
                                q = &s->q[i];
                int64_t wait = q->next_poll - ferry_now_ms();
                if (wait > 0) {
                        ferry_task_wait(t, (int)(wait > 1000 ? 1000 : wait));
                        return FERRY_ERR_OK;
                }
                ferry_err_t err = run_query(t, s, q, errstr, errstr_size);
                if (err != FERRY_ERR_OK) {
                        q->next_poll = ferry_now_ms() + s->poll_ms;
                        return err;
                }
        }
        return emit_rows(t, s, q, out, errstr, errstr_size);
}

static const ferry_source_task_ops_t source_ops = {
        .size = sizeof(ferry_source_task_ops_t),
        .start = source_start,
        .poll = source_poll,
        .stop = source_stop,
};

/* Exactly-once holds where each row has an offset to resume from (every mode but bulk, which
 * reads the whole table again each time): a transaction carries the rows and the offset of the last
 * one, so a task resumes exactly after what was committed. */
static ferry_support_t source_exactly_once(const ferry_strmap_t *config)
{
        const char *mode = ferry_strmap_get(config, "mode");
        return mode && *mode && strcasecmp(mode, "bulk") != 0 ? FERRY_SUPPORT_SUPPORTED
                                                              : FERRY_SUPPORT_UNSUPPORTED;
}

const ferry_connector_plugin_t jdbc_source_plugin = {
        .info = FERRY_PLUGIN_INFO(
                ferry_connector_plugin_t, .type = FERRY_PLUGIN_SOURCE,
                .class_name = "io.confluent.connect.jdbc.JdbcSourceConnector", .version = FERRY_VERSION,
                .config = jdbc_source_config,
                .doc = "Copies tables (or a query) of a relational database into Kafka topics."),
        .validate = jdbc_source_validate,
        .start = jdbc_monitor_start,
        .task_configs = source_task_configs,
        .stop = jdbc_monitor_stop,
        .source = &source_ops,
        .exactly_once_support = source_exactly_once,
};
