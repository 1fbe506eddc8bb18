/* Lenses (stream-reactor) MQTT connectors, placeholder: the class names of both generations
 * (com.datamountaineer.streamreactor.connect.mqtt.{source,sink}.* and
 * io.lenses.streamreactor.connect.mqtt.{source,sink}.*) with their connect.mqtt.* config table, so
 * that /connector-plugins lists them and /config/validate checks their keys. Their routing is
 * written in KCQL, which needs the project's shared KCQL parser; until it is part of the build
 * every config is refused at validation (400 at create) with an error on connect.mqtt.kcql, and a
 * task never starts. No data flows through this file. */
#include "mqtt_client.h"

#include <ferry/connector.h>

#include <stdio.h>

static const char kcql_refusal[] =
        "KCQL is not supported by this Ferry build yet (the shared KCQL parser is not part of it): use "
        "io.confluent.connect.mqtt.MqttSourceConnector / MqttSinkConnector with mqtt.* keys meanwhile";

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

static const ferry_config_def_t lenses_source_config[] = {
        LENSES_COMMON_CONFIG,
        {.name = "connect.mqtt.polling.timeout",
         .type = FERRY_CFG_INT,
         .default_value = "1000",
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "Provides the timeout to poll incoming messages"},
        {.name = "connect.mqtt.share.replicate",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "Replicate the shared subscriptions to all tasks instead of distributing them"},
        {.name = "connect.mqtt.process.duplicates",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "Process duplicate messages"},
        {.name = "connect.mqtt.converter.throw.on.error",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "If set to false the conversion exception will be swallowed and everything carries on "
                "BUT the message is lost!!; true will throw the exception.Default is false."},
        {.name = "connect.converter.avro.schemas",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "If the AvroConverter is used you need to provide an avro Schema to be able to read and "
                "translate the raw bytes to an avro record. The format is "
                "$MQTT_TOPIC=$PATH_TO_AVRO_SCHEMA_FILE"},
        {.name = NULL},
};

static const ferry_config_def_t lenses_sink_config[] = {
        LENSES_COMMON_CONFIG,
        {.name = "connect.mqtt.error.policy",
         .type = FERRY_CFG_STRING,
         .default_value = "THROW",
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "Specifies the action to be taken if an error occurs while inserting the data. There are "
                "three available options: NOOP, THROW, RETRY."},
        {.name = "connect.mqtt.retry.interval",
         .type = FERRY_CFG_INT,
         .default_value = "60000",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "The time in milliseconds between retries."},
        {.name = "connect.mqtt.max.retries",
         .type = FERRY_CFG_INT,
         .default_value = "20",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "The maximum number of times to try the write again."},
        {.name = NULL},
};

/* Every config is refused on connect.mqtt.kcql (the key the routing lives in). */
static void lenses_validate(const ferry_strmap_t *config, ferry_cfg_errors_t *errs)
{
        if (!ferry_strmap_get(config, "connect.mqtt.kcql") &&
            !ferry_strmap_get(config, "connect.mqtt.source.kcql"))
                ferry_cfg_errors_add(
                        errs, "connect.mqtt.kcql",
                        "Missing required configuration \"connect.mqtt.kcql\" which has no default "
                        "value.");
        else
                ferry_cfg_errors_add(errs, "connect.mqtt.kcql", "connect.mqtt.kcql: %s", kcql_refusal);
}

static ferry_err_t lenses_task_configs(ferry_connector_ctx_t *c, const ferry_strmap_t *config, int max_tasks,
                                       ferry_strmap_t *out, int *n_out, char *errstr, size_t errstr_size)
{
        (void)c;
        (void)config;
        (void)max_tasks;
        (void)out;
        *n_out = 0;
        snprintf(errstr, errstr_size, "connect.mqtt.kcql: %s", kcql_refusal);
        return FERRY_ERR_INVALID_CONFIG;
}

static ferry_err_t lenses_start(ferry_task_t *t, const ferry_strmap_t *config, char *errstr,
                                size_t errstr_size)
{
        (void)t;
        (void)config;
        snprintf(errstr, errstr_size, "connect.mqtt.kcql: %s", kcql_refusal);
        return FERRY_ERR_INVALID_CONFIG;
}

static ferry_err_t lenses_poll(ferry_task_t *t, ferry_records_t *out, char *errstr, size_t errstr_size)
{
        (void)t;
        (void)out;
        snprintf(errstr, errstr_size, "connect.mqtt.kcql: %s", kcql_refusal);
        return FERRY_ERR_FATAL;
}

static ferry_err_t lenses_put(ferry_task_t *t, ferry_record_t *const *recs, size_t n, char *errstr,
                              size_t errstr_size)
{
        (void)t;
        (void)recs;
        (void)n;
        snprintf(errstr, errstr_size, "connect.mqtt.kcql: %s", kcql_refusal);
        return FERRY_ERR_FATAL;
}

static ferry_err_t lenses_flush(ferry_task_t *t, char *errstr, size_t errstr_size)
{
        (void)t;
        (void)errstr;
        (void)errstr_size;
        return FERRY_ERR_OK;
}

static void lenses_stop(ferry_task_t *t)
{
        (void)t;
}

static const ferry_source_task_ops_t lenses_source_ops = {
        .size = sizeof(ferry_source_task_ops_t),
        .start = lenses_start,
        .poll = lenses_poll,
        .stop = lenses_stop,
};

static const ferry_sink_task_ops_t lenses_sink_ops = {
        .size = sizeof(ferry_sink_task_ops_t),
        .start = lenses_start,
        .put = lenses_put,
        .flush = lenses_flush,
        .stop = lenses_stop,
};

#define LENSES_DOC " Placeholder: refuses every config until KCQL is supported."
#define LENSES_PLUGIN(var, kind, type_, cls, doc_, ops_member, ops)                                          \
        const ferry_connector_plugin_t var = {                                                               \
                .info = FERRY_PLUGIN_INFO(ferry_connector_plugin_t, .type = type_, .class_name = cls,        \
                                          .version = MQTT_VERSION, .config = kind##_config,                  \
                                          .doc = doc_ LENSES_DOC),                                           \
                .validate = lenses_validate,                                                                 \
                .task_configs = lenses_task_configs,                                                         \
                .ops_member = &ops,                                                                          \
        }

LENSES_PLUGIN(mqtt_dm_source_plugin, lenses_source, FERRY_PLUGIN_SOURCE,
              "com.datamountaineer.streamreactor.connect.mqtt.source.MqttSourceConnector",
              "Lenses MQTT source (KCQL).", source, lenses_source_ops);
LENSES_PLUGIN(mqtt_dm_sink_plugin, lenses_sink, FERRY_PLUGIN_SINK,
              "com.datamountaineer.streamreactor.connect.mqtt.sink.MqttSinkConnector",
              "Lenses MQTT sink (KCQL).", sink, lenses_sink_ops);
LENSES_PLUGIN(mqtt_lenses_source_plugin, lenses_source, FERRY_PLUGIN_SOURCE,
              "io.lenses.streamreactor.connect.mqtt.source.MqttSourceConnector", "Lenses MQTT source (KCQL).",
              source, lenses_source_ops);
LENSES_PLUGIN(mqtt_lenses_sink_plugin, lenses_sink, FERRY_PLUGIN_SINK,
              "io.lenses.streamreactor.connect.mqtt.sink.MqttSinkConnector", "Lenses MQTT sink (KCQL).", sink,
              lenses_sink_ops);
