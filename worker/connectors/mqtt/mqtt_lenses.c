/* Lenses (stream-reactor) MQTT connectors, connector side: the class names of both generations
 * (com.datamountaineer.streamreactor.connect.mqtt.{source,sink}.* and
 * io.lenses.streamreactor.connect.mqtt.{source,sink}.*), their connect.mqtt.* config tables with
 * the legacy spellings, KCQL checked with the shared parser at validation (so a bad statement or
 * an unknown converter is a 400 at create), and the split of statements over tasks. The tasks
 * themselves are in mqtt_lenses_task.c. */
#define _POSIX_C_SOURCE 200809L

#include "mqtt_lenses.h"

#include "mqtt_client.h"
#include "mqtt_sink.h"
#include "mqtt_source.h"

#include <ferry/buf.h>
#include <strings.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LENSES_GROUP "Connection"
#define LENSES_COMMON_CONFIG                                                                                 \
        {.name = "connect.mqtt.hosts",                                                                       \
         .type = FERRY_CFG_STRING,                                                                           \
         .required = true,                                                                                   \
         .importance = FERRY_IMPORTANCE_HIGH,                                                                \
         .group = LENSES_GROUP,                                                                              \
         .doc = "Contains the MQTT connection end points."},                                                 \
                {.name = "connect.mqtt.username",                                                            \
                 .type = FERRY_CFG_STRING,                                                                   \
                 .importance = FERRY_IMPORTANCE_HIGH,                                                        \
                 .group = LENSES_GROUP,                                                                      \
                 .doc = "Contains the Mqtt connection user name"},                                           \
                {.name = "connect.mqtt.password",                                                            \
                 .type = FERRY_CFG_PASSWORD,                                                                 \
                 .importance = FERRY_IMPORTANCE_HIGH,                                                        \
                 .group = LENSES_GROUP,                                                                      \
                 .doc = "Contains the Mqtt connection password"},                                            \
                {.name = "connect.mqtt.service.quality",                                                     \
                 .type = FERRY_CFG_INT,                                                                      \
                 .required = true,                                                                           \
                 .has_min = true,                                                                            \
                 .min = 0,                                                                                   \
                 .has_max = true,                                                                            \
                 .max = 2,                                                                                   \
                 .importance = FERRY_IMPORTANCE_MEDIUM,                                                      \
                 .group = LENSES_GROUP,                                                                      \
                 .doc = "Specifies the Mqtt quality of service"},                                            \
                {.name = "connect.mqtt.timeout",                                                             \
                 .type = FERRY_CFG_INT,                                                                      \
                 .default_value = "3000",                                                                    \
                 .importance = FERRY_IMPORTANCE_LOW,                                                         \
                 .group = LENSES_GROUP,                                                                      \
                 .doc = "Provides the time interval to establish the mqtt connection"},                      \
                {.name = "connect.mqtt.clean",                                                               \
                 .type = FERRY_CFG_BOOLEAN,                                                                  \
                 .default_value = "true",                                                                    \
                 .importance = FERRY_IMPORTANCE_MEDIUM,                                                      \
                 .group = LENSES_GROUP,                                                                      \
                 .doc = "connect.mqtt.clean"},                                                               \
                {.name = "connect.mqtt.keep.alive",                                                          \
                 .type = FERRY_CFG_INT,                                                                      \
                 .default_value = "5000",                                                                    \
                 .importance = FERRY_IMPORTANCE_LOW,                                                         \
                 .group = LENSES_GROUP,                                                                      \
                 .doc = "The keep alive functionality assures that the connection is still open and both "   \
                        "broker and client are connected to the broker during the establishment of the "     \
                        "connection. The interval is the longest possible period of time, which broker and " \
                        "client can endure without sending a message."},                                     \
                {.name = "connect.mqtt.client.id",                                                           \
                 .type = FERRY_CFG_STRING,                                                                   \
                 .importance = FERRY_IMPORTANCE_LOW,                                                         \
                 .group = LENSES_GROUP,                                                                      \
                 .doc = "Contains the Mqtt session client id"},                                              \
                {.name = "connect.mqtt.ssl.ca.cert",                                                         \
                 .type = FERRY_CFG_STRING,                                                                   \
                 .importance = FERRY_IMPORTANCE_MEDIUM,                                                      \
                 .group = LENSES_GROUP,                                                                      \
                 .doc = "Provides the path to the CA certificate file to use with the Mqtt connection"},     \
                {.name = "connect.mqtt.ssl.cert",                                                            \
                 .type = FERRY_CFG_STRING,                                                                   \
                 .importance = FERRY_IMPORTANCE_MEDIUM,                                                      \
                 .group = LENSES_GROUP,                                                                      \
                 .doc = "Provides the path to the certificate file to use with the Mqtt connection"},        \
                {.name = "connect.mqtt.ssl.key",                                                             \
                 .type = FERRY_CFG_STRING,                                                                   \
                 .importance = FERRY_IMPORTANCE_MEDIUM,                                                      \
                 .group = LENSES_GROUP,                                                                      \
                 .doc = "Certificate private [config] key file path."},                                      \
                {.name = "connect.mqtt.kcql",                                                                \
                 .type = FERRY_CFG_STRING,                                                                   \
                 .importance = FERRY_IMPORTANCE_HIGH,                                                        \
                 .group = "KCQL",                                                                            \
                 .doc = "Contains the Kafka Connect Query Language describing the sourced MQTT source and "  \
                        "the target Kafka topics"},                                                          \
                {.name = "connect.mqtt.max.retry.time.ms",                                                   \
                 .type = FERRY_CFG_LONG,                                                                     \
                 .default_value = "30000",                                                                   \
                 .has_min = true,                                                                            \
                 .min = 0,                                                                                   \
                 .importance = FERRY_IMPORTANCE_LOW,                                                         \
                 .group = LENSES_GROUP,                                                                      \
                 .doc = "Ferry only: how long unreachable brokers are retried (with backoff) before the "    \
                        "task fails."},                                                                      \
                {.name = "connect.progress.enabled",                                                         \
                 .type = FERRY_CFG_BOOLEAN,                                                                  \
                 .default_value = "false",                                                                   \
                 .importance = FERRY_IMPORTANCE_MEDIUM,                                                      \
                 .group = "Metrics",                                                                         \
                 .doc = "Enables the output for how many records have been processed; accepted and "         \
                        "ignored (the worker's metrics count records)."},                                    \
                {.name = "connect.mqtt.source.kcql",                                                         \
                 .type = FERRY_CFG_STRING,                                                                   \
                 .importance = FERRY_IMPORTANCE_LOW,                                                         \
                 .group = "KCQL",                                                                            \
                 .doc = "Legacy spelling of connect.mqtt.kcql."},                                            \
                {.name = "connect.mqtt.user",                                                                \
                 .type = FERRY_CFG_STRING,                                                                   \
                 .importance = FERRY_IMPORTANCE_LOW,                                                         \
                 .group = LENSES_GROUP,                                                                      \
                 .doc = "Legacy spelling of connect.mqtt.username."},                                        \
                {.name = "connect.mqtt.connection.clean",                                                    \
                 .type = FERRY_CFG_BOOLEAN,                                                                  \
                 .importance = FERRY_IMPORTANCE_LOW,                                                         \
                 .group = LENSES_GROUP,                                                                      \
                 .doc = "Legacy spelling of connect.mqtt.clean."},                                           \
                {.name = "connect.mqtt.connection.timeout",                                                  \
                 .type = FERRY_CFG_INT,                                                                      \
                 .importance = FERRY_IMPORTANCE_LOW,                                                         \
                 .group = LENSES_GROUP,                                                                      \
                 .doc = "Legacy spelling of connect.mqtt.timeout."},                                         \
        {                                                                                                    \
                .name = "connect.mqtt.connection.keep.alive", .type = FERRY_CFG_INT,                         \
                .importance = FERRY_IMPORTANCE_LOW, .group = LENSES_GROUP,                                   \
                .doc = "Legacy spelling of connect.mqtt.keep.alive."                                         \
        }

const ferry_config_def_t lenses_source_config[] = {
        LENSES_COMMON_CONFIG,
        {.name = "connect.mqtt.polling.timeout",
         .type = FERRY_CFG_INT,
         .default_value = "1000",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "Manager",
         .doc = "Provides the timeout to poll incoming messages"},
        {.name = "connect.mqtt.share.replicate",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "Manager",
         .doc = "Replicate the shared subscriptions to all tasks instead of distributing them"},
        {.name = "connect.mqtt.log.message",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Debug",
         .doc = "Logs received MQTT messages"},
        {.name = "connect.mqtt.process.duplicates",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "Connection",
         .doc = "Process MQTT messages that are marked as duplicates. Accepted; Ferry processes every "
                "delivery, since a message comes again flagged DUP when its first copy was never "
                "acknowledged, which may mean it never reached Kafka (see docs/connectors/mqtt.md)."},
        {.name = "connect.mqtt.converter.throw.on.error",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = "Converter",
         .doc = "If set to false the conversion exception will be swallowed and everything carries on "
                "BUT the message is lost!!; true will throw the exception.Default is false."},
        {.name = "connect.converter.avro.schemas",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = "Converter",
         .doc = "Schema files of the AvroConverter ($MQTT_TOPIC=$PATH_TO_AVRO_SCHEMA_FILE); accepted, "
                "but Ferry has no AvroConverter."},
        {.name = NULL},
};

const ferry_config_def_t lenses_sink_config[] = {
        LENSES_COMMON_CONFIG,
        {.name = "connect.mqtt.retained.messages",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Connection",
         .doc = "Specifies the Mqtt retained flag."},
        {.name = "connect.mqtt.error.policy",
         .type = FERRY_CFG_STRING,
         .default_value = "THROW",
         .valid = (const char *const[]){"NOOP", "THROW", "RETRY", NULL},
         .importance = FERRY_IMPORTANCE_HIGH,
         .group = "Connection",
         .doc = "Specifies the action to be taken if an error occurs while inserting the data. There are "
                "three available options: NOOP - the error is swallowed, THROW - the error is allowed to "
                "propagate, RETRY - the batch is delivered again after connect.mqtt.retry.interval."},
        {.name = "connect.mqtt.retry.interval",
         .type = FERRY_CFG_INT,
         .default_value = "60000",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Connection",
         .doc = "The time in milliseconds between retries."},
        {.name = "connect.mqtt.max.retries",
         .type = FERRY_CFG_INT,
         .default_value = "20",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .group = "Connection",
         .doc = "The maximum number of times to try the write again."},
        {.name = "connect.mqtt.publish.timeout.ms",
         .type = FERRY_CFG_LONG,
         .default_value = "30000",
         .has_min = true,
         .min = 1,
         .importance = FERRY_IMPORTANCE_LOW,
         .group = "Connection",
         .doc = "Ferry only: how long a flush waits for the broker to acknowledge QoS 1/2 publishes "
                "before the records are delivered again."},
        {.name = NULL},
};

const char *lenses_raw(const ferry_strmap_t *config, const char *key, const char *legacy)
{
        const char *v = ferry_strmap_get(config, key);
        if (!v && legacy)
                v = ferry_strmap_get(config, legacy);
        return v;
}

const char *lenses_kcql_text(const ferry_strmap_t *config)
{
        return lenses_raw(config, "connect.mqtt.kcql", "connect.mqtt.source.kcql");
}

bool lenses_get_bool(const ferry_config_t *c, const char *key, const char *legacy)
{
        if (!ferry_config_is_set(c, key) && ferry_config_is_set(c, legacy))
                return ferry_config_get_bool(c, legacy);
        return ferry_config_get_bool(c, key);
}

int32_t lenses_get_int(const ferry_config_t *c, const char *key, const char *legacy)
{
        if (!ferry_config_is_set(c, key) && ferry_config_is_set(c, legacy))
                return ferry_config_get_int(c, legacy);
        return ferry_config_get_int(c, key);
}

void lenses_client_id(ferry_task_t *t, const ferry_config_t *c, char *out, size_t out_size)
{
        const char *id = ferry_config_get_string(c, "connect.mqtt.client.id");
        if (id && *id)
                snprintf(out, out_size, "%s", id);
        else
                snprintf(out, out_size, "%s-%d", ferry_task_connector(t), ferry_task_id(t));
}

/* ---- KCQL ---- */

static bool kafka_topic_ok(const char *t)
{
        size_t n = strlen(t);
        if (n == 0 || n > 249 || !strcmp(t, ".") || !strcmp(t, ".."))
                return false;
        for (const char *p = t; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      *p == '.' || *p == '_' || *p == '-'))
                        return false;
        return true;
}

#define SINK_BYTES_DM     "com.datamountaineer.streamreactor.connect.converters.sink.BytesConverter"
#define SINK_BYTES_LENSES "io.lenses.streamreactor.common.converters.sink.BytesConverter"

static int check_source_stmt(lenses_stmt_t *ls, size_t i, bool lenses_package, char *errstr,
                             size_t errstr_size)
{
        const ferry_kcql_stmt_t *st = ls->stmt;
        char why[600];
        if (st->fields.n != 1 || !st->fields.items[0].wildcard || st->fields.items[0].depth != 0 ||
            st->ignored.n) {
                snprintf(
                        errstr, errstr_size,
                        "KCQL statement %zu: the MQTT source copies whole messages: write SELECT * (no field "
                        "list, no IGNORE)",
                        i + 1);
                return -1;
        }
        ls->filter = st->source;
        ls->match = st->source;
        if (!strncmp(st->source, "$share/", 7)) {
                const char *slash = strchr(st->source + 7, '/');
                if (!slash || slash == st->source + 7 || !slash[1]) {
                        snprintf(errstr, errstr_size,
                                 "KCQL statement %zu: '%s' is not a shared subscription: write "
                                 "$share/<group>/<topic filter>",
                                 i + 1, st->source);
                        return -1;
                }
                ls->match = slash + 1;
        }
        if (mosquitto_sub_topic_check(ls->match) != MOSQ_ERR_SUCCESS) {
                snprintf(errstr, errstr_size,
                         "KCQL statement %zu: '%s' is not a valid MQTT topic filter ('+' and '#' stand for "
                         "whole levels, '#' only last)",
                         i + 1, st->source);
                return -1;
        }
        ls->dollar = !strcmp(st->target, "$");
        if (!ls->dollar && !kafka_topic_ok(st->target)) {
                snprintf(errstr, errstr_size,
                         "KCQL statement %zu: '%s' is not a valid Kafka topic name (letters, digits, '.', "
                         "'_', "
                         "'-'; or $ for the MQTT topic)",
                         i + 1, st->target);
                return -1;
        }
        if (lenses_conv_init(&ls->conv, st->converter, lenses_package, why, sizeof(why)) < 0) {
                snprintf(errstr, errstr_size, "KCQL statement %zu: %s", i + 1, why);
                return -1;
        }
        ls->keys.fields = st->with_keys.items;
        ls->keys.n = st->with_keys.n;
        ls->keys.delimiter = st->key_delimiter ? st->key_delimiter : ".";
        if (st->regex) {
                if (ferry_regex_compile(&ls->regex, st->regex, why, sizeof(why)) < 0) {
                        snprintf(errstr, errstr_size, "KCQL statement %zu: WITHREGEX: %s", i + 1, why);
                        return -1;
                }
                ls->has_regex = true;
        }
        return 0;
}

static int check_sink_stmt(lenses_stmt_t *ls, size_t i, char *errstr, size_t errstr_size)
{
        const ferry_kcql_stmt_t *st = ls->stmt;
        if (st->ignored.n) {
                snprintf(errstr, errstr_size, "KCQL statement %zu: IGNORE is not supported by the MQTT sink",
                         i + 1);
                return -1;
        }
        ls->all_fields = st->fields.n == 1 && st->fields.items[0].wildcard &&
                         st->fields.items[0].depth == 0 && !st->fields.items[0].alias;
        for (size_t f = 0; f < st->fields.n && !ls->all_fields; f++) {
                const ferry_kcql_field_t *fd = &st->fields.items[f];
                if (fd->wildcard || fd->call || fd->depth != 1 || fd->scope != FERRY_KCQL_SCOPE_VALUE) {
                        snprintf(errstr, errstr_size,
                                 "KCQL statement %zu: field %zu: the MQTT sink selects * or top-level value "
                                 "fields (name [AS alias]) only",
                                 i + 1, f + 1);
                        return -1;
                }
        }
        if (!kafka_topic_ok(st->source)) {
                snprintf(errstr, errstr_size, "KCQL statement %zu: '%s' is not a valid Kafka topic name",
                         i + 1, st->source);
                return -1;
        }
        ls->to_key = !strcmp(st->target, "_key");
        if (!ls->to_key && !st->with_target && mosquitto_pub_topic_check(st->target) != MOSQ_ERR_SUCCESS) {
                snprintf(errstr, errstr_size,
                         "KCQL statement %zu: '%s' is not an MQTT topic to publish to (no '+' or '#')", i + 1,
                         st->target);
                return -1;
        }
        if (st->converter) {
                if (strcmp(st->converter, SINK_BYTES_DM) && strcmp(st->converter, SINK_BYTES_LENSES)) {
                        snprintf(errstr, errstr_size,
                                 "KCQL statement %zu: WITHCONVERTER `%s`: unknown or unsupported sink "
                                 "converter "
                                 "(supported: " SINK_BYTES_LENSES " and " SINK_BYTES_DM ")",
                                 i + 1, st->converter);
                        return -1;
                }
                ls->raw_bytes = true;
        }
        return 0;
}

int lenses_kcql_build(const char *text, bool source, bool lenses_package, lenses_kcql_t *out, char *errstr,
                      size_t errstr_size)
{
        memset(out, 0, sizeof(*out));
        char why[700];
        if (!text || !*text) {
                snprintf(errstr, errstr_size,
                         "Missing required configuration \"connect.mqtt.kcql\" which has no "
                         "default value.");
                return -1;
        }
        if (ferry_kcql_parse(text, &out->kcql, why, sizeof(why)) < 0) {
                snprintf(errstr, errstr_size, "Invalid connect.mqtt.kcql: %s", why);
                return -1;
        }
        uint64_t allowed =
                source ? FERRY_KCQL_BIT(FERRY_KCQL_WITHCONVERTER) | FERRY_KCQL_BIT(FERRY_KCQL_WITHKEY) |
                                 FERRY_KCQL_BIT(FERRY_KCQL_KEYDELIMITER) |
                                 FERRY_KCQL_BIT(FERRY_KCQL_WITHREGEX)
                       : FERRY_KCQL_BIT(FERRY_KCQL_WITHCONVERTER) | FERRY_KCQL_BIT(FERRY_KCQL_WITHTARGET);
        if (ferry_kcql_check_clauses(out->kcql, allowed, source ? "the MQTT source" : "the MQTT sink", why,
                                     sizeof(why)) < 0) {
                snprintf(errstr, errstr_size, "Invalid connect.mqtt.kcql: %s", why);
                lenses_kcql_free(out);
                return -1;
        }
        out->stmts = calloc(out->kcql->n ? out->kcql->n : 1, sizeof(*out->stmts));
        if (!out->stmts) {
                snprintf(errstr, errstr_size, "out of memory");
                lenses_kcql_free(out);
                return -1;
        }
        out->n = out->kcql->n;
        for (size_t i = 0; i < out->n; i++) {
                lenses_stmt_t *ls = &out->stmts[i];
                ls->stmt = &out->kcql->stmts[i];
                int rc;
                if (ls->stmt->mode != FERRY_KCQL_INSERT || !ls->stmt->target) {
                        snprintf(why, sizeof(why),
                                 "KCQL statement %zu: the MQTT %s takes INSERT INTO ... SELECT ...", i + 1,
                                 source ? "source" : "sink");
                        rc = -1;
                } else {
                        rc = source ? check_source_stmt(ls, i, lenses_package, why, sizeof(why))
                                    : check_sink_stmt(ls, i, why, sizeof(why));
                }
                if (rc < 0) {
                        snprintf(errstr, errstr_size, "Invalid connect.mqtt.kcql: %s", why);
                        lenses_kcql_free(out);
                        return -1;
                }
        }
        return 0;
}

void lenses_kcql_free(lenses_kcql_t *k)
{
        for (size_t i = 0; k->stmts && i < k->n; i++) {
                lenses_conv_free(&k->stmts[i].conv);
                if (k->stmts[i].has_regex)
                        ferry_regex_free(&k->stmts[i].regex);
        }
        free(k->stmts);
        ferry_kcql_free(k->kcql);
        memset(k, 0, sizeof(*k));
}

/* ---- validation (errors here answer 400 at create and show in /config/validate) ---- */

static void check_ssl(const ferry_strmap_t *config, ferry_cfg_errors_t *errs)
{
        const char *ca = ferry_strmap_get(config, "connect.mqtt.ssl.ca.cert");
        const char *cert = ferry_strmap_get(config, "connect.mqtt.ssl.cert");
        const char *key = ferry_strmap_get(config, "connect.mqtt.ssl.key");
        int set = (ca && *ca) + (cert && *cert) + (key && *key);
        if (set != 0 && set != 3)
                ferry_cfg_errors_add(
                        errs, "connect.mqtt.ssl.ca.cert",
                        "You can't define one of the connect.mqtt.ssl.ca.cert,connect.mqtt.ssl.cert, "
                        "connect.mqtt.ssl.key without the other");
}

static void check_hosts(const ferry_strmap_t *config, ferry_cfg_errors_t *errs)
{
        const char *hosts = ferry_strmap_get(config, "connect.mqtt.hosts");
        char why[600];
        if (hosts && *hosts && mqtt_check_uris("connect.mqtt.hosts", hosts, why, sizeof(why)) < 0)
                ferry_cfg_errors_add(errs, "connect.mqtt.hosts", "%s", why);
}

static void validate_kcql(const ferry_strmap_t *config, ferry_cfg_errors_t *errs, bool source,
                          bool lenses_package)
{
        check_ssl(config, errs);
        check_hosts(config, errs);
        lenses_kcql_t k;
        char why[800];
        if (lenses_kcql_build(lenses_kcql_text(config), source, lenses_package, &k, why, sizeof(why)) < 0) {
                ferry_cfg_errors_add(errs, "connect.mqtt.kcql", "%s", why);
                return;
        }
        if (!source) {
                /* Every topic the sink consumes needs a statement (stream-reactor fails on it). */
                size_t n;
                char **topics = ferry_split_list(
                        ferry_strmap_get(config, "topics") ? ferry_strmap_get(config, "topics") : "", &n);
                for (size_t i = 0; i < n; i++) {
                        bool found = false;
                        for (size_t j = 0; j < k.n && !found; j++)
                                found = !strcmp(k.stmts[j].stmt->source, topics[i]);
                        if (!found) {
                                ferry_cfg_errors_add(
                                        errs, "connect.mqtt.kcql",
                                        "Invalid connect.mqtt.kcql: no statement reads topic '%s' "
                                        "(of topics); add INSERT INTO <mqtt topic> SELECT * FROM %s",
                                        topics[i], topics[i]);
                                break;
                        }
                }
                ferry_strlist_free(topics, n);
        }
        lenses_kcql_free(&k);
}

static void validate_dm_source(const ferry_strmap_t *c, ferry_cfg_errors_t *e)
{
        validate_kcql(c, e, true, false);
}
static void validate_lenses_source(const ferry_strmap_t *c, ferry_cfg_errors_t *e)
{
        validate_kcql(c, e, true, true);
}
static void validate_sink(const ferry_strmap_t *c, ferry_cfg_errors_t *e)
{
        validate_kcql(c, e, false, true);
}

/* ---- task configs ---- */

/* stream-reactor's split: one task takes the config as it is; else the statements go in chunks
 * of n / tasks + n % tasks, shared subscriptions copied to every task with
 * connect.mqtt.share.replicate, and task i's client id is "<id>-<i>". Ferry's <id> is
 * connect.mqtt.client.id, or the connector's name when unset (stream-reactor draws a random one,
 * so a persistent session never resumed). */
static ferry_err_t source_task_configs(ferry_connector_ctx_t *c, const ferry_strmap_t *config, int max_tasks,
                                       ferry_strmap_t *out, int *n_out, char *errstr, size_t errstr_size)
{
        lenses_kcql_t k;
        if (lenses_kcql_build(lenses_kcql_text(config), true, true, &k, errstr, errstr_size) < 0)
                return FERRY_ERR_INVALID_CONFIG;
        const char *id = ferry_strmap_get(config, "connect.mqtt.client.id");
        char base[300];
        snprintf(base, sizeof(base), "%s", id && *id ? id : ferry_connector_name(c));
        if (max_tasks <= 1 || k.n == 1) {
                lenses_kcql_free(&k);
                ferry_strmap_init(&out[0]);
                if (ferry_strmap_copy(&out[0], config) < 0)
                        return FERRY_ERR_NOMEM;
                if (!(id && *id)) {
                        char cid[320];
                        snprintf(cid, sizeof(cid), "%s-0", base);
                        if (ferry_strmap_set(&out[0], "connect.mqtt.client.id", cid) < 0)
                                return FERRY_ERR_NOMEM;
                }
                *n_out = 1;
                return FERRY_ERR_OK;
        }
        const char *rep = ferry_strmap_get(config, "connect.mqtt.share.replicate");
        bool replicate = rep && !strcasecmp(rep, "true");
        size_t n_dist = 0;
        for (size_t i = 0; i < k.n; i++)
                if (!(replicate && strstr(k.stmts[i].stmt->text, "$share/")))
                        n_dist++;
        size_t chunk = k.n / (size_t)max_tasks + k.n % (size_t)max_tasks;
        size_t n_chunks = n_dist ? (n_dist + chunk - 1) / chunk : 0;
        size_t tasks = (size_t)max_tasks;
        if (n_chunks > tasks)
                n_chunks = tasks;
        ferry_err_t err = FERRY_ERR_OK;
        int made = 0;
        for (size_t tsk = 0; tsk < tasks && err == FERRY_ERR_OK; tsk++) {
                ferry_buf_t b;
                ferry_buf_init(&b);
                size_t seen = 0;
                for (size_t i = 0; i < k.n; i++) {
                        bool shared = replicate && strstr(k.stmts[i].stmt->text, "$share/");
                        bool mine = false;
                        if (!shared) {
                                mine = seen / chunk == tsk;
                                seen++;
                        }
                        if (shared || mine) {
                                if (b.len)
                                        ferry_buf_putc(&b, ';');
                                ferry_buf_puts(&b, k.stmts[i].stmt->text);
                        }
                }
                if (!b.len) {
                        ferry_buf_free(&b);
                        continue;
                }
                char cid[320];
                snprintf(cid, sizeof(cid), "%s-%d", base, made);
                ferry_strmap_init(&out[made]);
                if (ferry_strmap_copy(&out[made], config) < 0 ||
                    ferry_strmap_set(&out[made], "connect.mqtt.kcql", b.p) < 0 ||
                    ferry_strmap_set(&out[made], "connect.mqtt.client.id", cid) < 0)
                        err = FERRY_ERR_NOMEM;
                ferry_strmap_unset(&out[made], "connect.mqtt.source.kcql");
                ferry_buf_free(&b);
                made++;
        }
        lenses_kcql_free(&k);
        *n_out = made;
        return err;
}

static ferry_err_t sink_task_configs(ferry_connector_ctx_t *c, const ferry_strmap_t *config, int max_tasks,
                                     ferry_strmap_t *out, int *n_out, char *errstr, size_t errstr_size)
{
        lenses_kcql_t k;
        if (lenses_kcql_build(lenses_kcql_text(config), false, true, &k, errstr, errstr_size) < 0)
                return FERRY_ERR_INVALID_CONFIG;
        lenses_kcql_free(&k);
        const char *id = ferry_strmap_get(config, "connect.mqtt.client.id");
        for (int i = 0; i < max_tasks; i++) {
                ferry_strmap_init(&out[i]);
                if (ferry_strmap_copy(&out[i], config) < 0)
                        return FERRY_ERR_NOMEM;
                char cid[320];
                snprintf(cid, sizeof(cid), "%s-%d", id && *id ? id : ferry_connector_name(c), i);
                if ((max_tasks > 1 || !(id && *id)) &&
                    ferry_strmap_set(&out[i], "connect.mqtt.client.id", cid) < 0)
                        return FERRY_ERR_NOMEM;
        }
        *n_out = max_tasks;
        return FERRY_ERR_OK;
}

static ferry_err_t dm_source_start(ferry_task_t *t, const ferry_strmap_t *config, char *errstr,
                                   size_t errstr_size)
{
        return lenses_source_start(t, config, false, errstr, errstr_size);
}

static ferry_err_t io_source_start(ferry_task_t *t, const ferry_strmap_t *config, char *errstr,
                                   size_t errstr_size)
{
        return lenses_source_start(t, config, true, errstr, errstr_size);
}

static const ferry_source_task_ops_t dm_source_ops = {
        .size = sizeof(ferry_source_task_ops_t),
        .start = dm_source_start,
        .poll = mqtt_source_poll,
        .stop = mqtt_source_stop,
        .commit_record = mqtt_source_commit_record,
        .commit_record_without_record = true,
};

static const ferry_source_task_ops_t io_source_ops = {
        .size = sizeof(ferry_source_task_ops_t),
        .start = io_source_start,
        .poll = mqtt_source_poll,
        .stop = mqtt_source_stop,
        .commit_record = mqtt_source_commit_record,
        .commit_record_without_record = true,
};

static const ferry_sink_task_ops_t lenses_sink_ops = {
        .size = sizeof(ferry_sink_task_ops_t),
        .start = lenses_sink_start,
        .put = lenses_sink_put,
        .flush = mqtt_sink_flush,
        .stop = mqtt_sink_stop,
};

#define SOURCE_DOC                                                                                           \
        "Lenses MQTT source: subscribes to the MQTT topics of its KCQL (connect.mqtt.kcql) and writes each " \
        "message to the statement's Kafka topic, shaped by its WITHCONVERTER."
#define SINK_DOC                                                                                             \
        "Lenses MQTT sink: publishes the records of each KCQL statement's Kafka topic to its MQTT topic as " \
        "JSON (or raw bytes with the sink BytesConverter)."

const ferry_connector_plugin_t mqtt_dm_source_plugin = {
        .info = FERRY_PLUGIN_INFO(
                ferry_connector_plugin_t, .type = FERRY_PLUGIN_SOURCE,
                .class_name = "com.datamountaineer.streamreactor.connect.mqtt.source.MqttSourceConnector",
                .version = MQTT_VERSION, .config = lenses_source_config, .doc = SOURCE_DOC),
        .validate = validate_dm_source,
        .task_configs = source_task_configs,
        .source = &dm_source_ops,
};

const ferry_connector_plugin_t mqtt_lenses_source_plugin = {
        .info = FERRY_PLUGIN_INFO(ferry_connector_plugin_t, .type = FERRY_PLUGIN_SOURCE,
                                  .class_name =
                                          "io.lenses.streamreactor.connect.mqtt.source.MqttSourceConnector",
                                  .version = MQTT_VERSION, .config = lenses_source_config, .doc = SOURCE_DOC),
        .validate = validate_lenses_source,
        .task_configs = source_task_configs,
        .source = &io_source_ops,
};

const ferry_connector_plugin_t mqtt_dm_sink_plugin = {
        .info = FERRY_PLUGIN_INFO(
                ferry_connector_plugin_t, .type = FERRY_PLUGIN_SINK,
                .class_name = "com.datamountaineer.streamreactor.connect.mqtt.sink.MqttSinkConnector",
                .version = MQTT_VERSION, .config = lenses_sink_config, .doc = SINK_DOC),
        .validate = validate_sink,
        .task_configs = sink_task_configs,
        .sink = &lenses_sink_ops,
};

const ferry_connector_plugin_t mqtt_lenses_sink_plugin = {
        .info = FERRY_PLUGIN_INFO(ferry_connector_plugin_t, .type = FERRY_PLUGIN_SINK,
                                  .class_name = "io.lenses.streamreactor.connect.mqtt.sink.MqttSinkConnector",
                                  .version = MQTT_VERSION, .config = lenses_sink_config, .doc = SINK_DOC),
        .validate = validate_sink,
        .task_configs = sink_task_configs,
        .sink = &lenses_sink_ops,
};
