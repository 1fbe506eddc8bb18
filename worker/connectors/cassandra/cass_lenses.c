/* Lenses (Stream Reactor) Cassandra sink, under its two class names
 * (com.datamountaineer.streamreactor.connect.cassandra.sink.CassandraSinkConnector and
 * io.lenses.streamreactor...): connect.cassandra.* keys and connect.cassandra.kcql read with the
 * shared KCQL parser. Each record becomes a JSON document by the statement's projection
 * (fields, aliases, *, IGNORE) written with INSERT INTO <key.space>.<table> JSON ? [DEFAULT UNSET]
 * [USING TTL n]; tombstones run connect.cassandra.delete.statement when deletes are enabled.
 * Rows go through cass_writer.c (grouped by partition key, many in flight); failures follow
 * connect.cassandra.error.policy NOOP | THROW | RETRY. */
#include "cass.h"
#include "cass_tls.h"
#include "shared/kcql.h"

#include <ferry/json.h>
#include <ferry/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const POLICIES[] = {"NOOP", "THROW", "RETRY", NULL};
static const char *const DEFAULT_VALUES[] = {"", "NULL", "UNSET", NULL};

#define G "Connection"
static const char *const COMPRESSION_VALUES[] = {"NONE", "LZ4", "SNAPPY", NULL};

static const ferry_config_def_t ls_config[] = {
        {.name = "connect.cassandra.contact.points",
         .type = FERRY_CFG_STRING,
         .default_value = "localhost",
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = G,
         .doc = "Comma-separated Cassandra nodes."},
        {.name = "connect.cassandra.port",
         .type = FERRY_CFG_INT,
         .default_value = "9042",
         .has_min = true,
         .min = 1,
         .has_max = true,
         .max = 65535,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = G,
         .doc = "The native-protocol port."},
        {.name = "connect.cassandra.compression",
         .type = FERRY_CFG_STRING,
         .default_value = "NONE",
         .valid = COMPRESSION_VALUES,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G,
         .doc = "Compression of the CQL frames: NONE, LZ4 or SNAPPY (as in Stream Reactor's newer Cassandra "
                "sink; sent uncompressed when the node does not offer it)."},
        {.name = "connect.cassandra.key.space",
         .type = FERRY_CFG_STRING,
         .required = true,
         .non_empty = true,
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = G,
         .doc = "The keyspace of the target tables."},
        {.name = "connect.cassandra.username",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = G,
         .doc = "User for PLAIN authentication (none when unset)."},
        {.name = "connect.cassandra.password",
         .type = FERRY_CFG_PASSWORD,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G,
         .doc = "Password for PLAIN authentication."},
        {.name = "connect.cassandra.consistency.level",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = G,
         .doc = "Consistency level of the writes (ONE, QUORUM, LOCAL_QUORUM, ...); empty: LOCAL_ONE."},
        {.name = "connect.cassandra.kcql",
         .type = FERRY_CFG_STRING,
         .required = true,
         .non_empty = true,
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = "KCQL",
         .doc = "INSERT INTO <table> SELECT <fields> FROM <topic> [IGNORE ...] [TTL=n]; several separated by "
                "';'."},
        {.name = "connect.cassandra.error.policy",
         .type = FERRY_CFG_STRING,
         .default_value = "THROW",
         .valid = POLICIES,
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = "Error",
         .doc = "NOOP: log and skip rows that fail. THROW: fail the task. RETRY: deliver the batch again "
                "after connect.cassandra.retry.interval, up to connect.cassandra.max.retries times."},
        {.name = "connect.cassandra.max.retries",
         .type = FERRY_CFG_INT,
         .default_value = "20",
         .has_min = true,
         .min = 0,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Error",
         .doc = "Retries with error.policy RETRY."},
        {.name = "connect.cassandra.retry.interval",
         .type = FERRY_CFG_INT,
         .default_value = "60000",
         .has_min = true,
         .min = 0,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Error",
         .doc = "Milliseconds between retries."},
        {.name = "connect.cassandra.threadpool.size",
         .type = FERRY_CFG_INT,
         .default_value = "0",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G,
         .doc = "Writes in flight at once per task; 0: 4 x the number of processors."},
        {.name = "connect.cassandra.batch.size",
         .type = FERRY_CFG_INT,
         .default_value = "100",
         .has_min = true,
         .min = 1,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G,
         .doc = "Rows of one partition per unlogged batch."},
        {.name = "connect.cassandra.delete.enabled",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Delete",
         .doc = "Run connect.cassandra.delete.statement for records with a null value."},
        {.name = "connect.cassandra.delete.statement",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Delete",
         .doc = "e.g. DELETE FROM ks.t WHERE id = ?; its markers are bound from the record key."},
        {.name = "connect.cassandra.delete.struct_flds",
         .type = FERRY_CFG_LIST,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Delete",
         .doc = "Key fields bound to the delete statement's markers, in order (a primitive key binds "
                "itself)."},
        {.name = "connect.cassandra.default.value",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .valid = DEFAULT_VALUES,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "KCQL",
         .doc = "Columns missing from a record: NULL (the default) or UNSET (keep the old value)."},
        {.name = "connect.cassandra.ssl.enabled",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "SSL",
         .doc = "TLS through OpenSSL."},
        {.name = "connect.cassandra.trust.store.path",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "SSL",
         .doc = "Trust store (JKS, PKCS12 or PEM) to verify the node with; empty: the system's CAs."},
        {.name = "connect.cassandra.trust.store.password",
         .type = FERRY_CFG_PASSWORD,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "SSL",
         .doc = "Password of the trust store (JKS, PKCS12); unused with PEM."},
        {.name = "connect.cassandra.trust.store.type",
         .type = FERRY_CFG_STRING,
         .default_value = "JKS",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "SSL",
         .doc = "JKS (reads PKCS12 and PEM too, by their content), PKCS12 or PEM."},
        {.name = "connect.cassandra.ssl.client.cert.auth",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "SSL",
         .doc = "Present the key store's certificate to the node."},
        {.name = "connect.cassandra.key.store.path",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "SSL",
         .doc = "Client key store (JKS, PKCS12, or certificate and key in one PEM file), used when "
                "connect.cassandra.ssl.client.cert.auth=true."},
        {.name = "connect.cassandra.key.store.password",
         .type = FERRY_CFG_PASSWORD,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "SSL",
         .doc = "Password of the key store and of its key entry; unused with PEM."},
        {.name = "connect.cassandra.key.store.type",
         .type = FERRY_CFG_STRING,
         .default_value = "JKS",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "SSL",
         .doc = "JKS (reads PKCS12 and PEM too, by their content), PKCS12 or PEM."},
        {.name = "connect.cassandra.load.balancing.policy",
         .type = FERRY_CFG_STRING,
         .default_value = "TOKEN_AWARE",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G,
         .doc = "Accepted for compatibility; Ferry uses the contact points in order."},
        {.name = "connect.progress.enabled",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G,
         .doc = "Log the number of records written."},
        {.name = NULL},
};

typedef struct {
        const ferry_kcql_stmt_t *st;
        const cql_prepared_t *insert;
        char **pk_cols; /* partition key columns, then clustering */
        size_t n_pk, n_partition;
} ls_target_t;

typedef struct {
        ferry_task_t *t;
        ferry_config_t *cfg;
        ferry_kcql_t *kcql;
        cql_session_t *s;
        ls_target_t *targets;
        size_t n_targets;
        const cql_prepared_t *del;
        char **del_flds;
        size_t n_del_flds;
        cass_ops_t ops;
        ferry_value_t **docs; /* JSON documents of the current put, owned */
        int consistency, max_batch, max_in_flight, max_retries, retry_ms, retries;
        int policy; /* 0 NOOP, 1 THROW, 2 RETRY */
        bool deletes, progress, dlq;
        uint64_t written;
} ls_task_t;

static const uint64_t ALLOWED = FERRY_KCQL_BIT(FERRY_KCQL_TTL) | FERRY_KCQL_BIT(FERRY_KCQL_PK) |
                                FERRY_KCQL_BIT(FERRY_KCQL_BATCH) | FERRY_KCQL_BIT(FERRY_KCQL_WITHFORMAT) |
                                FERRY_KCQL_BIT(FERRY_KCQL_WITHUNWRAP);

static bool is_true(const char *v)
{
        return v && !strcasecmp(v, "true");
}

/* The stores as Stream Reactor reads them: the key store only with client certificate auth. */
static cass_tls_stores_t ls_stores(const ferry_strmap_t *config)
{
        bool client = is_true(ferry_strmap_get(config, "connect.cassandra.ssl.client.cert.auth"));
        return (cass_tls_stores_t){
                .truststore_path = ferry_strmap_get(config, "connect.cassandra.trust.store.path"),
                .truststore_password = ferry_strmap_get(config, "connect.cassandra.trust.store.password"),
                .truststore_type = ferry_strmap_get(config, "connect.cassandra.trust.store.type"),
                .keystore_path = client ? ferry_strmap_get(config, "connect.cassandra.key.store.path") : NULL,
                .keystore_password =
                        client ? ferry_strmap_get(config, "connect.cassandra.key.store.password") : NULL,
                .keystore_type = client ? ferry_strmap_get(config, "connect.cassandra.key.store.type") : NULL,
        };
}

static void ls_validate(const ferry_strmap_t *config, ferry_cfg_errors_t *errs)
{
        const char *k = ferry_strmap_get(config, "connect.cassandra.kcql");
        if (k && *k) {
                ferry_kcql_t *q = NULL;
                char err[512];
                if (ferry_kcql_parse(k, &q, err, sizeof err) < 0 ||
                    ferry_kcql_check_clauses(q, ALLOWED, "the Cassandra sink", err, sizeof err) < 0) {
                        ferry_cfg_errors_add(errs, "connect.cassandra.kcql", "%s", err);
                } else {
                        for (size_t i = 0; i < q->n; i++)
                                if (q->stmts[i].mode == FERRY_KCQL_SELECT)
                                        ferry_cfg_errors_add(
                                                errs, "connect.cassandra.kcql",
                                                "KCQL statement %zu: the sink needs INSERT INTO <table>",
                                                i + 1);
                }
                ferry_kcql_free(q);
        }
        const char *del = ferry_strmap_get(config, "connect.cassandra.delete.enabled");
        const char *stmt = ferry_strmap_get(config, "connect.cassandra.delete.statement");
        if (del && !strcasecmp(del, "true") && (!stmt || !*stmt))
                ferry_cfg_errors_add(errs, "connect.cassandra.delete.statement",
                                     "required when connect.cassandra.delete.enabled=true");
        if (is_true(ferry_strmap_get(config, "connect.cassandra.ssl.enabled"))) {
                cass_tls_stores_t st = ls_stores(config);
                cass_tls_validate(CASS_TLS_LENSES, &st, errs);
        }
}

static void docs_clear(ls_task_t *d, size_t n)
{
        for (size_t i = 0; d->docs && i < n; i++) {
                ferry_value_free(d->docs[i]);
                d->docs[i] = NULL;
        }
}

static void ls_free(ls_task_t *d)
{
        if (!d)
                return;
        cass_ops_free(&d->ops);
        for (size_t i = 0; i < d->n_targets; i++) {
                for (size_t k = 0; k < d->targets[i].n_pk; k++)
                        free(d->targets[i].pk_cols[k]);
                free(d->targets[i].pk_cols);
        }
        free(d->targets);
        free(d->docs);
        ferry_strlist_free(d->del_flds, d->n_del_flds);
        cql_session_free(d->s);
        ferry_kcql_free(d->kcql);
        ferry_config_free(d->cfg);
        free(d);
}

static const char *nonempty(const char *s)
{
        return s && *s ? s : NULL;
}

static int prepare_target(ls_task_t *d, ls_target_t *tg, const char *ks, bool unset, char *errstr,
                          size_t errstr_size)
{
        const char *table = tg->st->target;
        const char *dot = strchr(table, '.');
        char tks[300], ttb[300];
        if (dot) { /* ks.table in the statement wins over key.space */
                snprintf(tks, sizeof tks, "%.*s", (int)(dot - table), table);
                snprintf(ttb, sizeof ttb, "%s", dot + 1);
        } else {
                snprintf(tks, sizeof tks, "%s", ks);
                snprintf(ttb, sizeof ttb, "%s", table);
        }
        cass_table_meta_t meta;
        if (cass_table_meta(d->s, tks, ttb, &meta, errstr, errstr_size) < 0)
                return -1;
        const cass_column_t **pk = NULL;
        tg->n_pk = cass_table_pk(&meta, &pk);
        tg->pk_cols = calloc(tg->n_pk ? tg->n_pk : 1, sizeof *tg->pk_cols);
        for (size_t k = 0; k < tg->n_pk && tg->pk_cols; k++) {
                tg->pk_cols[k] = strdup(pk[k]->name);
                tg->n_partition += strcmp(pk[k]->kind, "partition_key") == 0;
        }
        free(pk);
        cass_table_meta_free(&meta);
        char q[1024], a[300], b[300];
        cass_ident(tks, a, sizeof a);
        cass_ident(ttb, b, sizeof b);
        int n = snprintf(q, sizeof q, "INSERT INTO %s.%s JSON ?%s", a, b, unset ? " DEFAULT UNSET" : "");
        if (tg->st->ttl > 0)
                snprintf(q + n, sizeof q - (size_t)n, " USING TTL %lld", (long long)tg->st->ttl);
        cql_error_t e;
        tg->insert = cql_session_prepare(d->s, q, &e);
        if (!tg->insert) {
                char msg[700];
                cql_error_format(&e, msg, sizeof msg);
                snprintf(errstr, errstr_size, "connect.cassandra.kcql: cannot prepare %s: %s", q, msg);
                cql_error_clear(&e);
                return -1;
        }
        return 0;
}

static ferry_err_t ls_start(ferry_task_t *t, const ferry_strmap_t *config, char *errstr, size_t errstr_size)
{
        ls_task_t *d = calloc(1, sizeof *d);
        if (!d)
                return FERRY_ERR_NOMEM;
        d->t = t;
        ferry_cfg_errors_t errs;
        ferry_cfg_errors_init(&errs);
        d->cfg = ferry_config_parse(ls_config, config, &errs);
        ls_validate(config, &errs);
        if (!d->cfg || errs.n) {
                char *j = ferry_cfg_errors_join(&errs);
                snprintf(errstr, errstr_size, "invalid configuration: %s", j ? j : "?");
                free(j);
                ferry_cfg_errors_free(&errs);
                ls_free(d);
                return FERRY_ERR_INVALID_CONFIG;
        }
        ferry_cfg_errors_free(&errs);
        char err[512];
        ferry_kcql_parse(ferry_config_get_string(d->cfg, "connect.cassandra.kcql"), &d->kcql, err,
                         sizeof err);
        const char *cl = ferry_config_get_string(d->cfg, "connect.cassandra.consistency.level");
        d->consistency = nonempty(cl) ? cql_consistency_parse(cl) : CQL_LOCAL_ONE;
        if (d->consistency < 0) {
                snprintf(errstr, errstr_size, "connect.cassandra.consistency.level: unknown level '%s'", cl);
                ls_free(d);
                return FERRY_ERR_INVALID_CONFIG;
        }
        const char *pol = ferry_config_get_string(d->cfg, "connect.cassandra.error.policy");
        d->policy = !strcasecmp(pol, "NOOP") ? 0 : !strcasecmp(pol, "RETRY") ? 2 : 1;
        d->max_retries = ferry_config_get_int(d->cfg, "connect.cassandra.max.retries");
        d->retry_ms = ferry_config_get_int(d->cfg, "connect.cassandra.retry.interval");
        d->max_batch = ferry_config_get_int(d->cfg, "connect.cassandra.batch.size");
        d->max_in_flight = ferry_config_get_int(d->cfg, "connect.cassandra.threadpool.size");
        if (d->max_in_flight <= 0)
                d->max_in_flight = 128;
        d->deletes = ferry_config_get_bool(d->cfg, "connect.cassandra.delete.enabled");
        d->dlq = cass_dlq(config);
        d->progress = ferry_config_get_bool(d->cfg, "connect.progress.enabled");
        size_t n_hosts = 0;
        char **hosts = ferry_split_list(ferry_config_get_string(d->cfg, "connect.cassandra.contact.points"),
                                        &n_hosts);
        const char *user = nonempty(ferry_config_get_string(d->cfg, "connect.cassandra.username"));
        const char *ks = ferry_config_get_string(d->cfg, "connect.cassandra.key.space");
        bool tls = ferry_config_get_bool(d->cfg, "connect.cassandra.ssl.enabled");
        ferry_tls_pem_t pem = {0};
        if (tls) {
                cass_tls_stores_t st = ls_stores(config);
                if (cass_tls_load(CASS_TLS_LENSES, &st, &pem, errstr, errstr_size) < 0) {
                        ferry_strlist_free(hosts, n_hosts);
                        ls_free(d);
                        return FERRY_ERR_INVALID_CONFIG;
                }
        }
        cql_options_t o = {
                .hosts = hosts,
                .n_hosts = n_hosts,
                .port = ferry_config_get_int(d->cfg, "connect.cassandra.port"),
                .user = user,
                .password = user ? ferry_config_get_password(d->cfg, "connect.cassandra.password") : NULL,
                .tls = tls,
                .ca_pem = pem.ca_pem,
                .cert_pem = pem.cert_pem,
                .key_pem = pem.key_pem,
                .connect_timeout_ms = 10000,
                .request_timeout_ms = 30000,
                .keyspace = ks,
                .compression = cql_compression_parse(
                        ferry_config_get_string(d->cfg, "connect.cassandra.compression")),
        };
        if (o.compression < 0)
                o.compression = CQL_COMP_NONE;
        cql_error_t e;
        d->s = cql_session_new(&o, &e);
        ferry_tls_pem_free(&pem);
        ferry_strlist_free(hosts, n_hosts);
        if (!d->s) {
                char msg[1024];
                cql_error_format(&e, msg, sizeof msg);
                snprintf(errstr, errstr_size,
                         "cannot connect to Cassandra (connect.cassandra.contact.points, .port, .username, "
                         ".key.space): %s",
                         e.code == CQL_ERR_CLIENT && e.message ? e.message : msg);
                cql_error_clear(&e);
                ls_free(d);
                return FERRY_ERR_IO;
        }
        d->targets = calloc(d->kcql->n, sizeof *d->targets);
        if (!d->targets) {
                ls_free(d);
                return FERRY_ERR_NOMEM;
        }
        const char *dv = ferry_config_get_string(d->cfg, "connect.cassandra.default.value");
        for (size_t i = 0; i < d->kcql->n; i++) {
                d->targets[i].st = &d->kcql->stmts[i];
                d->n_targets = i + 1;
                if (prepare_target(d, &d->targets[i], ks, !strcasecmp(dv, "UNSET"), errstr, errstr_size) <
                    0) {
                        ls_free(d);
                        return FERRY_ERR_INVALID_CONFIG;
                }
        }
        if (d->deletes) {
                d->del = cql_session_prepare(
                        d->s, ferry_config_get_string(d->cfg, "connect.cassandra.delete.statement"), &e);
                if (!d->del) {
                        char msg[700];
                        cql_error_format(&e, msg, sizeof msg);
                        snprintf(errstr, errstr_size, "connect.cassandra.delete.statement: %s", msg);
                        cql_error_clear(&e);
                        ls_free(d);
                        return FERRY_ERR_INVALID_CONFIG;
                }
                d->del_flds = ferry_config_list(ls_config, config, "connect.cassandra.delete.struct_flds",
                                                &d->n_del_flds);
        }
        const char *cn = cql_compression_name(cql_session_compression(d->s));
        ferry_task_log(
                t, FERRY_LOG_INFO,
                "Lenses Cassandra sink connected to %s (protocol v%u, compression %s); %zu KCQL statement(s)",
                cql_session_peer(d->s), cql_session_version(d->s), cn ? cn : "none", d->n_targets);
        ferry_task_set_data(t, d);
        return FERRY_ERR_OK;
}

/* ---------------------------------------------------------------- records -> JSON */

static const ferry_value_t *get_path(const ferry_value_t *v, char *const *path, size_t depth)
{
        for (size_t i = 0; i < depth && v; i++) {
                if (v->type == FERRY_TYPE_STRUCT)
                        v = ferry_struct_get(v, path[i]);
                else if (v->type == FERRY_TYPE_MAP)
                        v = ferry_map_get_str(v, path[i]);
                else
                        return NULL;
        }
        return v;
}

static bool ignored(const ferry_kcql_stmt_t *st, const char *name)
{
        for (size_t i = 0; i < st->ignored.n; i++)
                if (st->ignored.items[i].depth == 1 && !strcmp(st->ignored.items[i].path[0], name))
                        return true;
        return false;
}

/* Puts every field of v (struct or map) into doc. */
static void put_all(ferry_value_t *doc, const ferry_value_t *v, const ferry_kcql_stmt_t *st)
{
        if (!v)
                return;
        if (v->type == FERRY_TYPE_STRUCT) {
                for (size_t i = 0; i < v->u.st.schema->n_fields; i++) {
                        const char *name = v->u.st.schema->fields[i].name;
                        if (!ignored(st, name))
                                ferry_map_put_str(doc, name,
                                                  v->u.st.fields[i] ? ferry_value_copy(v->u.st.fields[i])
                                                                    : NULL);
                }
        } else if (v->type == FERRY_TYPE_MAP) {
                for (size_t i = 0; i < v->u.m.n; i++)
                        if (v->u.m.keys[i] && v->u.m.keys[i]->type == FERRY_TYPE_STRING &&
                            !ignored(st, v->u.m.keys[i]->u.s.data))
                                ferry_map_put_str(doc, v->u.m.keys[i]->u.s.data,
                                                  v->u.m.vals[i] ? ferry_value_copy(v->u.m.vals[i]) : NULL);
        }
}

/* The record as the statement projects it. NULL (errstr) when the value is not a struct, map or
 * JSON object. */
static ferry_value_t *project(const ferry_kcql_stmt_t *st, const ferry_record_t *r, char *errstr,
                              size_t errstr_size)
{
        ferry_value_t *parsed = NULL;
        const ferry_value_t *val = r->value, *key = r->key;
        if (val && (val->type == FERRY_TYPE_STRING || val->type == FERRY_TYPE_BYTES)) {
                char err[200];
                parsed = ferry_json_read(val->u.s.data, val->u.s.len, err, sizeof err);
                if (!parsed) {
                        snprintf(errstr, errstr_size, "%s-%d offset %lld: the value is not JSON: %s",
                                 r->topic, r->partition, (long long)r->kafka_offset, err);
                        return NULL;
                }
                val = parsed;
        }
        if (!val || (val->type != FERRY_TYPE_STRUCT && val->type != FERRY_TYPE_MAP)) {
                snprintf(errstr, errstr_size,
                         "%s-%d offset %lld: the value is not a Struct, map or JSON object", r->topic,
                         r->partition, (long long)r->kafka_offset);
                ferry_value_free(parsed);
                return NULL;
        }
        ferry_value_t *doc = ferry_value_map();
        for (size_t i = 0; doc && i < st->fields.n; i++) {
                const ferry_kcql_field_t *f = &st->fields.items[i];
                const ferry_value_t *src = f->scope == FERRY_KCQL_SCOPE_KEY ? key : val;
                char *const *path = f->path + f->scope_depth;
                size_t depth = f->depth - f->scope_depth;
                if (f->wildcard) {
                        put_all(doc, get_path(src, path, depth ? depth - 1 : 0), st);
                        continue;
                }
                if (f->scope == FERRY_KCQL_SCOPE_HEADER) {
                        for (size_t h = 0; h < r->n_headers; h++)
                                if (depth && !strcmp(r->headers[h].key, path[0]))
                                        ferry_map_put_str(doc, f->alias ? f->alias : path[0],
                                                          r->headers[h].value
                                                                  ? ferry_value_copy(r->headers[h].value)
                                                                  : NULL);
                        continue;
                }
                const ferry_value_t *v = depth ? get_path(src, path, depth) : src;
                const char *name = f->alias ? f->alias : (depth ? path[depth - 1] : "key");
                ferry_map_put_str(doc, name, v ? ferry_value_copy(v) : NULL);
        }
        ferry_value_free(parsed);
        return doc;
}

/* The JSON text of doc's columns named in cols[0..n) appended to out (grouping keys). */
static void json_key(const ferry_value_t *doc, char *const *cols, size_t n, cql_buf_t *out)
{
        for (size_t i = 0; i < n; i++) {
                const ferry_value_t *v = ferry_map_get_str(doc, cols[i]);
                char *j = NULL;
                size_t jl = 0;
                if (v && ferry_json_write(v, &j, &jl) == 0) {
                        cql_put_bytes(out, j, (int32_t)jl);
                        free(j);
                } else {
                        cql_put_bytes(out, NULL, -1);
                }
        }
}

static int delete_op(ls_task_t *d, const ferry_record_t *r, char *errstr, size_t errstr_size)
{
        cass_op_t *op = cass_ops_add(&d->ops);
        if (!op)
                return -1;
        op->stmt = d->del;
        op->consistency = d->consistency;
        op->rec = r;
        for (size_t b = 0; b < d->del->n_binds; b++) {
                const ferry_value_t *v = r->key;
                if (r->key && (r->key->type == FERRY_TYPE_STRUCT || r->key->type == FERRY_TYPE_MAP)) {
                        if (b >= d->n_del_flds) {
                                snprintf(errstr, errstr_size,
                                         "connect.cassandra.delete.struct_flds names %zu field(s), the "
                                         "statement has %zu marker(s)",
                                         d->n_del_flds, d->del->n_binds);
                                goto fail;
                        }
                        char *path[1] = {d->del_flds[b]};
                        v = get_path(r->key, path, 1);
                }
                char err[512];
                if (cql_value_append(&op->vals, d->del->binds[b].type, v, err, sizeof err) < 0) {
                        snprintf(errstr, errstr_size, "%s-%d offset %lld: delete marker %zu: %s", r->topic,
                                 r->partition, (long long)r->kafka_offset, b + 1, err);
                        goto fail;
                }
        }
        cass_values_key(&op->vals, d->del->pk_index, d->del->n_pk, &op->pkey);
        return 0;
fail:
        cql_values_free(&op->vals);
        d->ops.n--;
        return -1;
}

static ferry_err_t ls_put(ferry_task_t *t, ferry_record_t *const *recs, size_t n, char *errstr,
                          size_t errstr_size)
{
        ls_task_t *d = ferry_task_data(t);
        cass_ops_clear(&d->ops);
        ferry_value_t **docs = realloc(d->docs, (n ? n : 1) * d->n_targets * sizeof *docs);
        if (!docs)
                return FERRY_ERR_NOMEM;
        d->docs = docs;
        memset(docs, 0, (n ? n : 1) * d->n_targets * sizeof *docs);
        size_t n_docs = n * d->n_targets;
        ferry_err_t rc = FERRY_ERR_OK;
        for (size_t i = 0; i < n && rc == FERRY_ERR_OK; i++) {
                const ferry_record_t *r = recs[i];
                for (size_t k = 0; k < d->n_targets; k++) {
                        ls_target_t *tg = &d->targets[k];
                        if (strcmp(tg->st->source, r->topic) != 0)
                                continue;
                        char err[1024] = "";
                        if (!r->value) {
                                if (d->deletes && delete_op(d, r, err, sizeof err) < 0)
                                        goto bad;
                                continue;
                        }
                        ferry_value_t *doc = project(tg->st, r, err, sizeof err);
                        if (!doc)
                                goto bad;
                        docs[i * d->n_targets + k] = doc;
                        char *json = NULL;
                        size_t jl = 0;
                        cass_op_t *op = ferry_json_write(doc, &json, &jl) == 0 ? cass_ops_add(&d->ops) : NULL;
                        if (!op) {
                                free(json);
                                rc = FERRY_ERR_NOMEM;
                                break;
                        }
                        op->stmt = tg->insert;
                        op->consistency = d->consistency;
                        op->rec = r;
                        cql_values_raw(&op->vals, json, jl);
                        free(json);
                        json_key(doc, tg->pk_cols, tg->n_partition, &op->pkey);
                        json_key(doc, tg->pk_cols, tg->n_pk, &op->rowkey);
                        continue;
                bad:
                        if (d->policy == 0) {
                                cass_skip(t, d->dlq, r, err);
                                continue;
                        }
                        snprintf(errstr, errstr_size, "%s", err);
                        rc = FERRY_ERR_CONVERSION;
                        break;
                }
        }
        if (rc == FERRY_ERR_OK)
                rc = cass_write(t, d->s, &d->ops, d->max_batch, d->max_in_flight,
                                d->policy == 0 ? CASS_IGNORE_ALL : CASS_IGNORE_NONE, d->dlq, errstr,
                                errstr_size);
        if (rc == FERRY_ERR_OK) {
                d->written += d->ops.n;
                d->retries = 0;
                if (d->progress)
                        ferry_task_log(t, FERRY_LOG_INFO, "%llu row(s) written",
                                       (unsigned long long)d->written);
        } else if (rc == FERRY_ERR_RETRIABLE || rc == FERRY_ERR_FATAL) {
                if (d->policy == 2 && d->retries < d->max_retries) {
                        d->retries++;
                        ferry_task_log(t, FERRY_LOG_WARN, "error.policy RETRY (%d of %d): %s", d->retries,
                                       d->max_retries, errstr);
                        ferry_sink_task_timeout(t, d->retry_ms);
                        rc = FERRY_ERR_RETRIABLE;
                } else if (d->policy == 0 && rc == FERRY_ERR_RETRIABLE) {
                        /* NOOP: the batch is dropped, as Stream Reactor does */
                        ferry_task_log(t, FERRY_LOG_WARN, "error.policy NOOP, dropping the batch: %s",
                                       errstr);
                        rc = FERRY_ERR_OK;
                } else {
                        rc = FERRY_ERR_FATAL;
                }
        }
        cass_ops_clear(&d->ops);
        docs_clear(d, n_docs);
        return rc;
}

static ferry_err_t ls_flush(ferry_task_t *t, char *errstr, size_t errstr_size)
{
        return FERRY_ERR_OK;
}

static void ls_stop(ferry_task_t *t)
{
        ls_free(ferry_task_data(t));
        ferry_task_set_data(t, NULL);
}

static const ferry_sink_task_ops_t ls_ops = {
        .size = sizeof(ferry_sink_task_ops_t),
        .start = ls_start,
        .put = ls_put,
        .flush = ls_flush,
        .stop = ls_stop,
};

#define LS_DOC                                                                                               \
        "Writes records to Cassandra as JSON rows selected by connect.cassandra.kcql (Lenses Stream "        \
        "Reactor "                                                                                           \
        "configuration)."

const ferry_connector_plugin_t cass_lenses_dm_plugin = {
        .info = FERRY_PLUGIN_INFO(ferry_connector_plugin_t, .type = FERRY_PLUGIN_SINK,
                                  .class_name = "com.datamountaineer.streamreactor.connect.cassandra.sink."
                                                "CassandraSinkConnector",
                                  .version = CASS_VERSION, .config = ls_config, .doc = LS_DOC),
        .validate = ls_validate,
        .task_configs = ferry_task_configs_copies,
        .sink = &ls_ops,
};

const ferry_connector_plugin_t cass_lenses_plugin = {
        .info = FERRY_PLUGIN_INFO(
                ferry_connector_plugin_t, .type = FERRY_PLUGIN_SINK,
                .class_name = "io.lenses.streamreactor.connect.cassandra.sink.CassandraSinkConnector",
                .version = CASS_VERSION, .config = ls_config, .doc = LS_DOC),
        .validate = ls_validate,
        .task_configs = ferry_task_configs_copies,
        .sink = &ls_ops,
};
