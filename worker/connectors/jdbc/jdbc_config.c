/* The config tables of the JDBC source and sink, with Confluent's keys, defaults, types, groups
 * and allowed values; they drive parsing, /config/validate and the docs. The checks a table cannot
 * express (mode and its columns, delete.enabled with pk.mode, a parsable connection.url, a database
 * that answers with these credentials) are the connectors' validate callbacks here. */
#include "jdbc_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const modes[] = {"", "bulk", "timestamp", "incrementing", "timestamp+incrementing", NULL};
static const char *const numeric_mappings[] = {"none", "precision_only", "best_fit", "best_fit_eager_double",
                                               NULL};
static const char *const quoting[] = {"always", "never", NULL};
static const char *const isolation[] = {"DEFAULT",
                                        "READ_UNCOMMITTED",
                                        "READ_COMMITTED",
                                        "REPEATABLE_READ",
                                        "SERIALIZABLE",
                                        "SQL_SERVER_SNAPSHOT",
                                        NULL};
static const char *const insert_modes[] = {"insert", "upsert", "update", NULL};
static const char *const pk_modes[] = {"none", "kafka", "record_key", "record_value", NULL};
static const char *const date_zones[] = {"DB_TIMEZONE", "UTC", NULL};

static int check_url(const char *name, const char *value, char *errstr, size_t errstr_size)
{
        if (!value)
                return 0;
        jdbc_url_t u;
        char why[256];
        if (jdbc_url_parse(value, &u, why, sizeof(why)) < 0) {
                snprintf(errstr, errstr_size, "Invalid value %s for configuration %s: %s", "[jdbc url]", name,
                         why);
                return -1;
        }
        jdbc_url_free(&u);
        return 0;
}

static int check_tz(const char *name, const char *value, char *errstr, size_t errstr_size)
{
        jdbc_tz_t *tz = NULL;
        char why[160];
        if (jdbc_tz_load(value, &tz, why, sizeof(why)) < 0) {
                snprintf(errstr, errstr_size, "Invalid value %s for configuration %s: not a known time zone",
                         value ? value : "", name);
                return -1;
        }
        jdbc_tz_free(tz);
        return 0;
}

#define DB_KEYS                                                                                              \
        {.name = "connection.url",                                                                           \
         .type = FERRY_CFG_STRING,                                                                           \
         .required = true,                                                                                   \
         .importance = FERRY_IMPORTANCE_HIGH,                                                                \
         .group = "Database",                                                                                \
         .validate = check_url,                                                                              \
         .doc = "JDBC connection URL: jdbc:postgresql://host:5432/db, jdbc:mysql://host:3306/db, "           \
                "jdbc:mariadb://..., jdbc:sqlite:/path/file.db."},                                           \
                {.name = "connection.user",                                                                  \
                 .type = FERRY_CFG_STRING,                                                                   \
                 .importance = FERRY_IMPORTANCE_HIGH,                                                        \
                 .group = "Database",                                                                        \
                 .doc = "JDBC connection user."},                                                            \
                {.name = "connection.password",                                                              \
                 .type = FERRY_CFG_PASSWORD,                                                                 \
                 .importance = FERRY_IMPORTANCE_HIGH,                                                        \
                 .group = "Database",                                                                        \
                 .doc = "JDBC connection password."},                                                        \
                {.name = "connection.attempts",                                                              \
                 .type = FERRY_CFG_INT,                                                                      \
                 .default_value = "3",                                                                       \
                 .has_min = true,                                                                            \
                 .min = 1,                                                                                   \
                 .importance = FERRY_IMPORTANCE_LOW,                                                         \
                 .group = "Database",                                                                        \
                 .doc = "Maximum number of attempts to retrieve a valid JDBC connection. Must be a "         \
                        "positive integer."},                                                                \
                {.name = "connection.backoff.ms",                                                            \
                 .type = FERRY_CFG_LONG,                                                                     \
                 .default_value = "10000",                                                                   \
                 .importance = FERRY_IMPORTANCE_LOW,                                                         \
                 .group = "Database",                                                                        \
                 .doc = "Backoff time in milliseconds between connection attempts."},                        \
                {.name = "dialect.name",                                                                     \
                 .type = FERRY_CFG_STRING,                                                                   \
                 .default_value = "",                                                                        \
                 .importance = FERRY_IMPORTANCE_LOW,                                                         \
                 .group = "Database",                                                                        \
                 .doc = "The name of the database dialect to use (PostgreSqlDatabaseDialect, "               \
                        "SqliteDatabaseDialect, MySqlDatabaseDialect); empty: from the JDBC URL."},          \
        {                                                                                                    \
                .name = "quote.sql.identifiers", .type = FERRY_CFG_STRING, .default_value = "always",        \
                .valid = quoting, .importance = FERRY_IMPORTANCE_MEDIUM, .group = "Data Mapping",            \
                .doc = "When to quote table names, column names, and other identifiers in SQL statements."   \
        }

const ferry_config_def_t jdbc_source_config[] = {
        DB_KEYS,
        {.name = "catalog.pattern",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Database",
         .doc = "Catalog pattern to fetch table metadata from the database."},
        {.name = "table.whitelist",
         .type = FERRY_CFG_LIST,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Database",
         .doc = "List of tables to include in copying (deprecated: table.include.list)."},
        {.name = "table.blacklist",
         .type = FERRY_CFG_LIST,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Database",
         .doc = "List of tables to exclude from copying (deprecated: table.exclude.list)."},
        {.name = "table.include.list",
         .type = FERRY_CFG_LIST,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Database",
         .doc = "List of tables to include in copying; only one of the include and exclude lists may be "
                "set."},
        {.name = "table.exclude.list",
         .type = FERRY_CFG_LIST,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Database",
         .doc = "List of tables to exclude from copying."},
        {.name = "schema.pattern",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = "Database",
         .doc = "Schema pattern (SQL LIKE) to fetch table metadata from the database; unset: all schemas."},
        {.name = "numeric.precision.mapping",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "Database",
         .doc = "Deprecated: numeric.mapping=precision_only."},
        {.name = "numeric.mapping",
         .type = FERRY_CFG_STRING,
         .valid = numeric_mappings,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "Database",
         .doc = "Map NUMERIC values by precision and optionally scale to integral or decimal types: none, "
                "precision_only, best_fit, best_fit_eager_double."},
        {.name = "table.types",
         .type = FERRY_CFG_LIST,
         .default_value = "TABLE",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "Database",
         .doc = "Table types to copy: TABLE, VIEW, MATERIALIZED VIEW, FOREIGN TABLE."},
        {.name = "mode",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .valid = modes,
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = "Mode",
         .doc = "The mode for updating a table each time it is polled: bulk, timestamp, incrementing, "
                "timestamp+incrementing."},
        {.name = "incrementing.column.name",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Mode",
         .doc = "The name of the strictly incrementing column to use to detect new rows; empty: the "
                "table's serial or identity column."},
        {.name = "timestamp.column.name",
         .type = FERRY_CFG_LIST,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Mode",
         .doc = "Comma separated list of timestamp columns; the first non-null (COALESCE) is used."},
        {.name = "timestamp.initial",
         .type = FERRY_CFG_LONG,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "Mode",
         .doc = "Epoch ms of the first timestamp to copy when there is no offset; -1: now; unset: 0."},
        {.name = "validate.non.null",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "true",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "Mode",
         .doc = "Whether to check that the incrementing and timestamp columns are NOT NULL."},
        {.name = "query",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Mode",
         .doc = "If specified, the query to perform to select new or updated rows instead of whole tables."},
        {.name = "query.suffix",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "Mode",
         .doc = "Suffix to append at the end of the generated query."},
        {.name = "transaction.isolation.mode",
         .type = FERRY_CFG_STRING,
         .default_value = "DEFAULT",
         .valid = isolation,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "Mode",
         .doc = "Isolation level of the polling transactions."},
        {.name = "poll.interval.ms",
         .type = FERRY_CFG_INT,
         .default_value = "5000",
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = "Connector",
         .doc = "Frequency in ms to poll for new data in each table."},
        {.name = "batch.max.rows",
         .type = FERRY_CFG_INT,
         .default_value = "100",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "Connector",
         .doc = "Maximum number of rows to include in a single batch when polling for new data."},
        {.name = "table.poll.interval.ms",
         .type = FERRY_CFG_LONG,
         .default_value = "60000",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "Connector",
         .doc = "Frequency in ms to poll for new or removed tables."},
        {.name = "topic.prefix",
         .type = FERRY_CFG_STRING,
         .required = true,
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = "Connector",
         .doc = "Prefix to prepend to table names to generate the Kafka topic name (the topic in query "
                "mode)."},
        {.name = "timestamp.delay.interval.ms",
         .type = FERRY_CFG_LONG,
         .default_value = "0",
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = "Connector",
         .doc = "How long to wait after a row with a timestamp appears before including it."},
        {.name = "db.timezone",
         .validate = check_tz,
         .type = FERRY_CFG_STRING,
         .default_value = "UTC",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Connector",
         .doc = "Name of the time zone the connector uses when querying with time-based criteria."},
        {.name = "ferry.key.from.primary.key",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Connector",
         .doc = "Ferry only: give each record a key, a struct named \"<table>.Key\" of the table's primary "
                "key "
                "columns (Confluent's records have a null key)."},
        {.name = "ferry.timestamp.watermark",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "true",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Mode",
         .doc = "Ferry only, PostgreSQL, timestamp modes: the upper bound of each query never passes the "
                "start of the oldest transaction open in the database (pg_stat_activity), so a row a "
                "transaction commits after a later one is not skipped."},
        {.name = NULL},
};

const ferry_config_def_t jdbc_sink_config[] = {
        DB_KEYS,
        {.name = "insert.mode",
         .type = FERRY_CFG_STRING,
         .default_value = "insert",
         .valid = insert_modes,
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = "Writes",
         .doc = "The insertion mode to use: insert, upsert, update."},
        {.name = "batch.size",
         .type = FERRY_CFG_INT,
         .default_value = "3000",
         .has_min = true,
         .min = 0,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Writes",
         .doc = "Specifies how many records to attempt to batch together for insertion."},
        {.name = "delete.enabled",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Writes",
         .doc = "Whether to treat null record values as deletes. Requires pk.mode to be record_key."},
        {.name = "table.types",
         .type = FERRY_CFG_LIST,
         .default_value = "TABLE",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "Writes",
         .doc = "The comma-separated types of database tables to which the sink connector can write."},
        {.name = "table.name.format",
         .type = FERRY_CFG_STRING,
         .default_value = "${topic}",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Data Mapping",
         .doc = "A format string for the destination table name, which may contain '${topic}'."},
        {.name = "pk.mode",
         .type = FERRY_CFG_STRING,
         .default_value = "none",
         .valid = pk_modes,
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = "Data Mapping",
         .doc = "The primary key mode: none, kafka, record_key, record_value."},
        {.name = "pk.fields",
         .type = FERRY_CFG_LIST,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Data Mapping",
         .doc = "List of comma-separated primary key field names; meaning depends on pk.mode."},
        {.name = "fields.whitelist",
         .type = FERRY_CFG_LIST,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Data Mapping",
         .doc = "List of comma-separated record value field names; empty: all fields."},
        {.name = "db.timezone",
         .validate = check_tz,
         .type = FERRY_CFG_STRING,
         .default_value = "UTC",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Data Mapping",
         .doc = "Name of the JDBC timezone that should be used in the connector when inserting time-based "
                "values."},
        {.name = "date.timezone",
         .type = FERRY_CFG_STRING,
         .default_value = "DB_TIMEZONE",
         .valid = date_zones,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "Data Mapping",
         .doc = "Name of the JDBC timezone that should be used in the connector when inserting DATE type "
                "values: DB_TIMEZONE (db.timezone, the default for backward compatibility) or UTC (no "
                "conversion of DATE values)."},
        {.name = "auto.create",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "DDL Support",
         .doc = "Whether to automatically create the destination table based on record schema."},
        {.name = "auto.evolve",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "DDL Support",
         .doc = "Whether to automatically add columns in the table schema when found to be missing."},
        {.name = "max.retries",
         .type = FERRY_CFG_INT,
         .default_value = "10",
         .has_min = true,
         .min = 0,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Retries",
         .doc = "The maximum number of times to retry on errors before failing the task."},
        {.name = "retry.backoff.ms",
         .type = FERRY_CFG_INT,
         .default_value = "3000",
         .has_min = true,
         .min = 0,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Retries",
         .doc = "The time in milliseconds to wait following an error before a retry attempt is made."},
        {.name = NULL},
};

/* Tries the database once: a clear error on connection.url (or connection.password when the
 * database refused the credentials). */
static void check_connection(const ferry_strmap_t *config, ferry_cfg_errors_t *errs)
{
        const char *url = ferry_strmap_get(config, "connection.url");
        jdbc_url_t u;
        char why[512];
        if (!url || jdbc_url_parse(url, &u, why, sizeof(why)) < 0)
                return; /* reported by the table's check */
        const jdbc_dialect_t *d =
                jdbc_dialect_for(&u, ferry_strmap_get(config, "dialect.name"), why, sizeof(why));
        if (!d) {
                ferry_cfg_errors_add(errs, "dialect.name", "%s", why);
                jdbc_url_free(&u);
                return;
        }
        jdbc_conn_t *c = NULL;
        if (d->connect(&u, ferry_strmap_get(config, "connection.user"),
                       ferry_strmap_get(config, "connection.password"), "UTC", &c, why, sizeof(why)) < 0) {
                bool auth = strstr(why, "password") || strstr(why, "authentication") ||
                            strstr(why, "Access denied");
                ferry_cfg_errors_add(errs, auth ? "connection.password" : "connection.url",
                                     "Could not connect to the database: %s", why);
        } else {
                d->close(c);
        }
        jdbc_url_free(&u);
}

void jdbc_source_validate(const ferry_strmap_t *config, ferry_cfg_errors_t *errs)
{
        const char *mode = ferry_strmap_get(config, "mode");
        int m = jdbc_mode_parse(mode);
        if (!mode || !*mode) {
                ferry_cfg_errors_add(errs, "mode",
                                     "Invalid value  for configuration mode: the mode must be one of bulk, "
                                     "timestamp, incrementing, timestamp+incrementing");
        }
        const char *ts = ferry_strmap_get(config, "timestamp.column.name");
        if ((m == JDBC_MODE_TIMESTAMP || m == JDBC_MODE_TIMESTAMP_INCREMENTING) && (!ts || !*ts))
                ferry_cfg_errors_add(errs, "timestamp.column.name",
                                     "Timestamp column name must be specified in mode %s", mode);
        const char *wl = ferry_strmap_get(config, "table.whitelist"),
                   *bl = ferry_strmap_get(config, "table.blacklist");
        const char *il = ferry_strmap_get(config, "table.include.list"),
                   *el = ferry_strmap_get(config, "table.exclude.list");
        if ((wl && *wl) + (il && *il) > 0 && (bl && *bl) + (el && *el) > 0)
                ferry_cfg_errors_add(errs, "table.include.list",
                                     "Only one of table.include.list (table.whitelist) or table.exclude.list "
                                     "(table.blacklist) may be set");
        const char *query = ferry_strmap_get(config, "query");
        if (query && *query && ((wl && *wl) || (il && *il)))
                ferry_cfg_errors_add(errs, "query",
                                     "Do not specify table filtering (table.include.list) when query is set");
        check_connection(config, errs);
}

void jdbc_sink_validate(const ferry_strmap_t *config, ferry_cfg_errors_t *errs)
{
        bool del = false;
        const char *d = ferry_strmap_get(config, "delete.enabled");
        if (d)
                ferry_parse_bool(d, &del);
        const char *pk = ferry_strmap_get(config, "pk.mode");
        if (del && (!pk || strcasecmp(pk, "record_key") != 0))
                ferry_cfg_errors_add(
                        errs, "pk.mode",
                        "Deletes are only supported for pk.mode record_key (delete.enabled=true)");
        const char *im = ferry_strmap_get(config, "insert.mode");
        if (im && (!strcasecmp(im, "upsert") || !strcasecmp(im, "update")) &&
            (!pk || !strcasecmp(pk, "none")))
                ferry_cfg_errors_add(errs, "pk.mode", "insert.mode %s needs a primary key: set pk.mode", im);
        check_connection(config, errs);
}
