/* DataStax Apache Kafka Connector sink (com.datastax.oss.kafka.sink.CassandraSinkConnector) on
 * Ferry's CQL client: the connection keys (contactPoints, port, loadBalancing.localDc, auth.*,
 * ssl.* with JKS, PKCS12 or PEM stores), the writer limits (maxConcurrentRequests, maxNumberOfRecordsInBatch,
 * queryExecutionTimeout), ignoreErrors, and the per-table topic.<t>.<ks>.<table>.* settings that
 * cass_mapping.c reads. Data flow: consumer -> converters -> put() -> cass_mapping.c (record ->
 * bound INSERT/DELETE/UPDATE) -> cass_writer.c (partition batches, many in flight) -> the node.
 * put() returns once the node acknowledged every row, so committed offsets never run ahead. */
#include "cass_mapping.h"
#include "cass_tls.h"

#include <ferry/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const IGNORE_VALUES[] = {"None", "Driver", "All", "true", "false", NULL};
static const char *const COMPRESSION_VALUES[] = {"None", "Snappy", "LZ4", NULL};
static const char *const AUTH_PROVIDERS[] = {"None", "PLAIN", "GSSAPI", NULL};
static const char *const SSL_PROVIDERS[] = {"None", "JDK", "OpenSSL", NULL};

#define G "Connection"
static const ferry_config_def_t ds_config[] = {
        {.name = "contactPoints",
         .type = FERRY_CFG_LIST,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = G,
         .doc = "Cassandra nodes to connect to (host or host:port); empty: 127.0.0.1."},
        {.name = "port",
         .type = FERRY_CFG_INT,
         .default_value = "9042",
         .has_min = true,
         .min = 1,
         .has_max = true,
         .max = 65535,
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = G,
         .doc = "The native-protocol port."},
        {.name = "loadBalancing.localDc",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = G,
         .doc = "The local data centre. Ferry connects to the contact points in order and does not route by "
                "data centre; the value is accepted and logged."},
        {.name = "maxConcurrentRequests",
         .type = FERRY_CFG_INT,
         .default_value = "500",
         .has_min = true,
         .min = 1,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = G,
         .doc = "Requests (batches) in flight at once per task (capped at 1024 streams)."},
        {.name = "maxNumberOfRecordsInBatch",
         .type = FERRY_CFG_INT,
         .default_value = "32",
         .has_min = true,
         .min = 1,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = G,
         .doc = "Rows of one partition written in one unlogged batch."},
        {.name = "queryExecutionTimeout",
         .type = FERRY_CFG_INT,
         .default_value = "30",
         .has_min = true,
         .min = 1,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = G,
         .doc = "Seconds to wait for a write to complete."},
        {.name = "connectionPoolLocalSize",
         .type = FERRY_CFG_INT,
         .default_value = "4",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G,
         .doc = "Accepted for compatibility; Ferry pipelines requests on one connection per task."},
        {.name = "compression",
         .type = FERRY_CFG_STRING,
         .default_value = "None",
         .valid = COMPRESSION_VALUES,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G,
         .doc = "Compression of the CQL frames: None, Snappy or LZ4 (asked for in STARTUP; sent uncompressed "
                "when the node does not offer it). LZ4 also compresses protocol v5 frames; Snappy keeps the "
                "connection on protocol v4."},
        {.name = "jmx",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "true",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = G,
         .doc = "Accepted for compatibility (no JMX in Ferry)."},
        {.name = "ignoreErrors",
         .type = FERRY_CFG_STRING,
         .default_value = "None",
         .valid = IGNORE_VALUES,
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = G,
         .doc = "None: a failed write fails the task. Driver: rows the node refuses are reported (errant "
                "record reporter) and skipped. All: also records that cannot be mapped. true = Driver, "
                "false = None (deprecated spellings)."},
        {.name = "auth.provider",
         .type = FERRY_CFG_STRING,
         .default_value = "None",
         .valid = AUTH_PROVIDERS,
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = "Authentication",
         .doc = "None or PLAIN (username/password); GSSAPI is not supported."},
        {.name = "auth.username",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = "Authentication",
         .doc = "User for PLAIN authentication."},
        {.name = "auth.password",
         .type = FERRY_CFG_PASSWORD,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = "Authentication",
         .doc = "Password for PLAIN authentication."},
        {.name = "ssl.provider",
         .type = FERRY_CFG_STRING,
         .default_value = "None",
         .valid = SSL_PROVIDERS,
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = "SSL",
         .doc = "None, or JDK/OpenSSL: TLS through OpenSSL."},
        {.name = "ssl.hostnameValidation",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "true",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "SSL",
         .doc = "Check that the node's certificate names the contact point."},
        {.name = "ssl.truststore.path",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "SSL",
         .doc = "Trust store (JKS, PKCS12 or PEM) to verify the node with; empty: the system's CAs."},
        {.name = "ssl.truststore.password",
         .type = FERRY_CFG_PASSWORD,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "SSL",
         .doc = "Password of the trust store (JKS, PKCS12); unused with PEM."},
        {.name = "ssl.keystore.path",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "SSL",
         .doc = "Client key store (JKS, PKCS12, or certificate and key in one PEM file) with one key entry."},
        {.name = "ssl.keystore.password",
         .type = FERRY_CFG_PASSWORD,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "SSL",
         .doc = "Password of the key store and of its key entry; unused with PEM."},
        {.name = "ssl.openssl.keyCertChain",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "SSL",
         .doc = "Client certificate chain (PEM)."},
        {.name = "ssl.openssl.privateKey",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "SSL",
         .doc = "Client private key (PEM)."},
        /* Per-table settings: patterns, checked (and named in errors) by cass_mapping.c. */
        {.name = "topic.<topic>.<keyspace>.<table>.mapping",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = "Table",
         .doc = "Columns of <keyspace>.<table> and the record fields they take: col1=key.f1, col2=value.f2, "
                "col3=header.h, __ttl=value.t, __timestamp=value.ts, col4=now()."},
        {.name = "topic.<topic>.<keyspace>.<table>.consistencyLevel",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Table",
         .doc = "Consistency level of the writes (ANY, ONE, TWO, THREE, QUORUM, ALL, LOCAL_QUORUM, "
                "EACH_QUORUM, LOCAL_ONE); unset: LOCAL_ONE."},
        {.name = "topic.<topic>.<keyspace>.<table>.ttl",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Table",
         .doc = "Time to live of the rows written, in ttlTimeUnit; unset or -1: the table's default."},
        {.name = "topic.<topic>.<keyspace>.<table>.ttlTimeUnit",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "Table",
         .doc = "Unit of ttl and of a mapped __ttl (a java TimeUnit name); unset: SECONDS."},
        {.name = "topic.<topic>.<keyspace>.<table>.timestampTimeUnit",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "Table",
         .doc = "Unit of a mapped __timestamp (a java TimeUnit name); unset: MICROSECONDS."},
        {.name = "topic.<topic>.<keyspace>.<table>.nullToUnset",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "Table",
         .doc = "Whether null fields leave their column unset instead of writing a tombstone; unset: true."},
        {.name = "topic.<topic>.<keyspace>.<table>.deletesEnabled",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "Table",
         .doc = "Whether a record whose non-key fields are all null deletes the row; unset: true."},
        {.name = "topic.<topic>.<keyspace>.<table>.query",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "Table",
         .doc = "A CQL statement of your own, whose named bind variables (:name) the mapping binds "
                "(name=value.f); requires deletesEnabled=false. Unset: the INSERT (or counter UPDATE) built "
                "from the mapping."},
        {.name = NULL},
};

typedef struct {
        ferry_task_t *t;
        ferry_config_t *cfg;
        cql_session_t *s;
        cass_tables_t tables;
        cass_ops_t ops;
        int max_batch, max_in_flight;
        cass_ignore_t ignore;
        bool dlq;
} ds_task_t;

cass_ignore_t cass_ignore_parse(const char *v);
cass_ignore_t cass_ignore_parse(const char *v)
{
        /* true and false are the deprecated spellings of Driver and None */
        if (!strcasecmp(v, "All"))
                return CASS_IGNORE_ALL;
        if (!strcasecmp(v, "Driver") || !strcasecmp(v, "true"))
                return CASS_IGNORE_DRIVER;
        return CASS_IGNORE_NONE;
}

/* The JDK provider's stores; with OpenSSL, ssl.openssl.* replace the key store. */
static cass_tls_stores_t ds_stores(const ferry_strmap_t *config)
{
        const char *prov = ferry_strmap_get(config, "ssl.provider");
        bool openssl_files = prov && !strcasecmp(prov, "OpenSSL") &&
                             ferry_strmap_get(config, "ssl.openssl.keyCertChain") &&
                             *ferry_strmap_get(config, "ssl.openssl.keyCertChain");
        return (cass_tls_stores_t){
                .truststore_path = ferry_strmap_get(config, "ssl.truststore.path"),
                .truststore_password = ferry_strmap_get(config, "ssl.truststore.password"),
                .keystore_path = openssl_files ? NULL : ferry_strmap_get(config, "ssl.keystore.path"),
                .keystore_password = openssl_files ? NULL : ferry_strmap_get(config, "ssl.keystore.password"),
        };
}

static void ds_validate(const ferry_strmap_t *config, ferry_cfg_errors_t *errs)
{
        cass_tables_t ts;
        cass_tables_parse(config, &ts, errs);
        if (ts.n == 0)
                ferry_cfg_errors_add(errs, "topics",
                                     "no topic.<topic>.<keyspace>.<table>.mapping: nothing would be written");
        const char *topics = ferry_strmap_get(config, "topics");
        if (topics) {
                size_t n;
                char **list = ferry_split_list(topics, &n);
                for (size_t i = 0; i < n; i++) {
                        bool found = false;
                        for (size_t k = 0; k < ts.n; k++)
                                found |= strcmp(ts.t[k].topic, list[i]) == 0;
                        if (!found)
                                ferry_cfg_errors_add(errs, "topics",
                                                     "topic %s has no topic.%s.<keyspace>.<table>.mapping",
                                                     list[i], list[i]);
                }
                ferry_strlist_free(list, n);
        }
        const char *prov = ferry_strmap_get(config, "ssl.provider");
        if (prov && strcasecmp(prov, "None") != 0) {
                cass_tls_stores_t st = ds_stores(config);
                cass_tls_validate(CASS_TLS_DATASTAX, &st, errs);
        }
        const char *auth = ferry_strmap_get(config, "auth.provider");
        if (auth && !strcasecmp(auth, "GSSAPI"))
                ferry_cfg_errors_add(errs, "auth.provider", "GSSAPI (Kerberos) is not supported by Ferry");
        cass_tables_free(&ts);
}

static void ds_free(ds_task_t *d)
{
        if (!d)
                return;
        cass_ops_free(&d->ops);
        cql_session_free(d->s);
        cass_tables_free(&d->tables);
        ferry_config_free(d->cfg);
        free(d);
}

static const char *nonempty(const char *s)
{
        return s && *s ? s : NULL;
}

static ferry_err_t ds_start(ferry_task_t *t, const ferry_strmap_t *config, char *errstr, size_t errstr_size)
{
        ds_task_t *d = calloc(1, sizeof *d);
        if (!d)
                return FERRY_ERR_NOMEM;
        d->t = t;
        ferry_cfg_errors_t errs;
        ferry_cfg_errors_init(&errs);
        d->cfg = ferry_config_parse(ds_config, config, &errs);
        ds_validate(config, &errs);
        if (!d->cfg || errs.n) {
                char *j = ferry_cfg_errors_join(&errs);
                snprintf(errstr, errstr_size, "invalid configuration: %s", j ? j : "?");
                free(j);
                ferry_cfg_errors_free(&errs);
                ds_free(d);
                return FERRY_ERR_INVALID_CONFIG;
        }
        ferry_cfg_errors_free(&errs);
        cass_tables_parse(config, &d->tables, &errs);
        ferry_cfg_errors_free(&errs);
        d->max_batch = ferry_config_get_int(d->cfg, "maxNumberOfRecordsInBatch");
        d->max_in_flight = ferry_config_get_int(d->cfg, "maxConcurrentRequests");
        d->dlq = cass_dlq(config);
        d->ignore = cass_ignore_parse(ferry_config_get_string(d->cfg, "ignoreErrors"));
        size_t n_hosts = 0;
        const char *const *hosts = ferry_config_get_list(d->cfg, "contactPoints", &n_hosts);
        static char *local[] = {"127.0.0.1"};
        bool plain = !strcasecmp(ferry_config_get_string(d->cfg, "auth.provider"), "PLAIN");
        bool tls = strcasecmp(ferry_config_get_string(d->cfg, "ssl.provider"), "None") != 0;
        ferry_tls_pem_t pem = {0};
        if (tls) {
                cass_tls_stores_t st = ds_stores(config);
                if (cass_tls_load(CASS_TLS_DATASTAX, &st, &pem, errstr, errstr_size) < 0) {
                        ds_free(d);
                        return FERRY_ERR_INVALID_CONFIG;
                }
        }
        const char *chain = nonempty(ferry_config_get_string(d->cfg, "ssl.openssl.keyCertChain"));
        const char *key = nonempty(ferry_config_get_string(d->cfg, "ssl.openssl.privateKey"));
        cql_options_t o = {
                .hosts = n_hosts ? (char **)hosts : local,
                .n_hosts = n_hosts ? n_hosts : 1,
                .port = ferry_config_get_int(d->cfg, "port"),
                .user = plain ? ferry_config_get_string(d->cfg, "auth.username") : NULL,
                .password = plain ? ferry_config_get_password(d->cfg, "auth.password") : NULL,
                .tls = tls,
                .ca_pem = pem.ca_pem,
                .cert_pem = pem.cert_pem,
                .key_pem = pem.key_pem,
                .cert_file = pem.cert_pem ? NULL : chain,
                .key_file = pem.cert_pem ? NULL : key,
                .verify_host = ferry_config_get_bool(d->cfg, "ssl.hostnameValidation"),
                .connect_timeout_ms = 10000,
                .request_timeout_ms = ferry_config_get_int(d->cfg, "queryExecutionTimeout") * 1000,
        };
        o.compression = cql_compression_parse(ferry_config_get_string(d->cfg, "compression"));
        if (o.compression < 0)
                o.compression = CQL_COMP_NONE;
        cql_error_t e;
        d->s = cql_session_new(&o, &e);
        ferry_tls_pem_free(&pem);
        if (!d->s) {
                char msg[1024];
                cql_error_format(&e, msg, sizeof msg);
                snprintf(errstr, errstr_size, "cannot connect to Cassandra (contactPoints, port, auth.*): %s",
                         e.message ? e.message : msg);
                cql_error_clear(&e);
                ds_free(d);
                return FERRY_ERR_IO;
        }
        for (size_t i = 0; i < d->tables.n; i++)
                if (cass_table_prepare(d->s, &d->tables.t[i], errstr, errstr_size) < 0) {
                        ds_free(d);
                        return FERRY_ERR_INVALID_CONFIG;
                }
        const char *cn = cql_compression_name(cql_session_compression(d->s));
        ferry_task_log(t, FERRY_LOG_INFO,
                       "Cassandra sink connected to %s (protocol v%u, compression %s); %zu table mapping(s)",
                       cql_session_peer(d->s), cql_session_version(d->s), cn ? cn : "none", d->tables.n);
        ferry_task_set_data(t, d);
        return FERRY_ERR_OK;
}

static ferry_err_t ds_put(ferry_task_t *t, ferry_record_t *const *recs, size_t n, char *errstr,
                          size_t errstr_size)
{
        ds_task_t *d = ferry_task_data(t);
        cass_ops_clear(&d->ops);
        for (size_t i = 0; i < n; i++) {
                const ferry_record_t *r = recs[i];
                for (size_t k = 0; k < d->tables.n; k++) {
                        const cass_tablecfg_t *tc = &d->tables.t[k];
                        if (strcmp(tc->topic, r->topic) != 0)
                                continue;
                        char err[1024];
                        if (cass_record_op(tc, r, &d->ops, err, sizeof err) < 0) {
                                if (d->ignore == CASS_IGNORE_ALL) {
                                        cass_skip(t, d->dlq, r, err);
                                        continue;
                                }
                                snprintf(errstr, errstr_size, "%s", err);
                                cass_ops_clear(&d->ops);
                                return FERRY_ERR_CONVERSION;
                        }
                }
        }
        ferry_err_t rc = cass_write(t, d->s, &d->ops, d->max_batch, d->max_in_flight, d->ignore, d->dlq,
                                    errstr, errstr_size);
        cass_ops_clear(&d->ops);
        if (rc == FERRY_ERR_RETRIABLE) {
                ferry_task_log(t, FERRY_LOG_WARN, "%s", errstr);
                ferry_sink_task_timeout(t, 1000);
        }
        return rc;
}

static ferry_err_t ds_flush(ferry_task_t *t, char *errstr, size_t errstr_size)
{
        /* put() returns only after the node acknowledged every row */
        return FERRY_ERR_OK;
}

static void ds_stop(ferry_task_t *t)
{
        ds_free(ferry_task_data(t));
        ferry_task_set_data(t, NULL);
}

static const ferry_sink_task_ops_t ds_ops = {
        .size = sizeof(ferry_sink_task_ops_t),
        .start = ds_start,
        .put = ds_put,
        .flush = ds_flush,
        .stop = ds_stop,
};

const ferry_connector_plugin_t cass_datastax_plugin = {
        .info = FERRY_PLUGIN_INFO(ferry_connector_plugin_t, .type = FERRY_PLUGIN_SINK,
                                  .class_name = "com.datastax.oss.kafka.sink.CassandraSinkConnector",
                                  .version = CASS_VERSION, .config = ds_config,
                                  .doc = "Writes records to Cassandra tables through "
                                         "topic.<topic>.<keyspace>.<table>.mapping (DataStax Apache Kafka "
                                         "Connector configuration)."),
        .validate = ds_validate,
        .task_configs = ferry_task_configs_copies,
        .sink = &ds_ops,
};
