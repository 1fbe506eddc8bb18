/* Config tables of the worker and of every connector (the keys Kafka Connect defines), with their
 * defaults, docs and checks. The worker validates its own config against the first; connector
 * configs are checked against the common table, the sink or source table, then the plugin's own. */
#include "worker.h"

#include <stdio.h>
#include <string.h>

static const char *const tolerance_values[] = {"none", "all", NULL};
static const char *const policy_values[] = {"None", "Principal", "All", NULL};
static const char *const client_auth_values[] = {"none", "requested", "required", NULL};

const ferry_config_def_t ferry_worker_config[] = {
        {.name = "bootstrap.servers", .type = FERRY_CFG_LIST, .default_value = "localhost:9092",
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "A list of host/port pairs to use for establishing the initial connection to the Kafka cluster."},
        {.name = "key.converter", .type = FERRY_CFG_CLASS, .required = true, .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "Converter class used to convert between Kafka Connect format and the serialized form that is "
                "written to Kafka (record keys)."},
        {.name = "value.converter", .type = FERRY_CFG_CLASS, .required = true,
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "Converter class used to convert between Kafka Connect format and the serialized form that is "
                "written to Kafka (record values)."},
        {.name = "header.converter", .type = FERRY_CFG_CLASS,
         .default_value = "org.apache.kafka.connect.storage.SimpleHeaderConverter",
         .importance = FERRY_IMPORTANCE_LOW, .doc = "HeaderConverter class used for record headers."},
        {.name = "listeners", .type = FERRY_CFG_LIST, .default_value = "http://:8083",
         .importance = FERRY_IMPORTANCE_LOW, .doc = "URIs the REST API listens on."},
        {.name = "rest.advertised.host.name", .type = FERRY_CFG_STRING, .importance = FERRY_IMPORTANCE_LOW,
         .doc = "Hostname given out to other workers; part of worker_id."},
        {.name = "rest.advertised.port", .type = FERRY_CFG_INT, .has_min = true, .min = 0, .has_max = true,
         .max = 65535, .importance = FERRY_IMPORTANCE_LOW,
         .doc = "Port given out to other workers; part of worker_id."},
        {.name = "rest.advertised.listener", .type = FERRY_CFG_STRING, .importance = FERRY_IMPORTANCE_LOW,
         .doc = "Listener (http or https) given out to other workers."},
        {.name = "listeners.https.ssl.certificate.location", .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "PEM file with the certificate (chain) of https:// listeners; replaces Java's keystore."},
        {.name = "listeners.https.ssl.key.location", .type = FERRY_CFG_STRING, .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "PEM file with the private key of https:// listeners."},
        {.name = "listeners.https.ssl.key.password", .type = FERRY_CFG_PASSWORD,
         .importance = FERRY_IMPORTANCE_HIGH, .doc = "Password of an encrypted private key."},
        {.name = "listeners.https.ssl.ca.location", .type = FERRY_CFG_STRING, .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "PEM file with the CA certificates that client certificates are checked against; replaces Java's "
                "truststore."},
        {.name = "listeners.https.ssl.client.authentication", .type = FERRY_CFG_STRING, .default_value = "none",
         .valid = client_auth_values, .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "Client certificates on https:// listeners: none, requested or required."},
        {.name = "rest.basic.auth.credentials.file", .type = FERRY_CFG_STRING, .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "File of user:password lines; when set every REST request needs HTTP basic authentication."},
        {.name = "offset.flush.interval.ms", .type = FERRY_CFG_LONG, .default_value = "60000", .has_min = true,
         .min = 1, .importance = FERRY_IMPORTANCE_LOW, .doc = "Interval at which to try committing offsets for tasks."},
        {.name = "offset.flush.timeout.ms", .type = FERRY_CFG_LONG, .default_value = "5000", .has_min = true,
         .min = 0, .importance = FERRY_IMPORTANCE_LOW,
         .doc = "Maximum number of milliseconds to wait for records to flush and offsets to be committed."},
        {.name = "task.shutdown.graceful.timeout.ms", .type = FERRY_CFG_LONG, .default_value = "5000",
         .has_min = true, .min = 0, .importance = FERRY_IMPORTANCE_LOW,
         .doc = "Amount of time to wait for tasks to shutdown gracefully."},
        {.name = "plugin.path", .type = FERRY_CFG_LIST, .importance = FERRY_IMPORTANCE_LOW,
         .doc = "Comma-separated shared libraries or directories of them (*.so) holding plugins."},
        {.name = "config.providers", .type = FERRY_CFG_LIST, .importance = FERRY_IMPORTANCE_LOW,
         .doc = "Names of ConfigProviders used to resolve ${provider:path:key} placeholders."},
        {.name = "connector.client.config.override.policy", .type = FERRY_CFG_STRING, .default_value = "All",
         .valid = policy_values, .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "Which client configurations connectors may override."},
        {.name = "topic.creation.enable", .type = FERRY_CFG_BOOLEAN, .default_value = "true",
         .importance = FERRY_IMPORTANCE_LOW, .doc = "Whether source connectors may create their topics."},
        {.name = "offset.storage.file.filename", .type = FERRY_CFG_STRING, .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "Standalone mode: file to store source offsets in."},
        {.name = "client.id", .type = FERRY_CFG_STRING, .importance = FERRY_IMPORTANCE_LOW,
         .doc = "An id string passed to the server when making requests."},
        {.name = "default.api.timeout.ms", .type = FERRY_CFG_LONG, .default_value = "60000", .has_min = true,
         .min = 1, .importance = FERRY_IMPORTANCE_LOW,
         .doc = "How long the worker waits at start-up to reach the Kafka cluster."},
        {.name = NULL},
};

static int check_name(const char *name, const char *value, char *errstr, size_t errstr_size)
{
        for (const char *p = value; *p; p++) {
                if ((unsigned char)*p < 0x20 || *p == 0x7f) {
                        snprintf(errstr, errstr_size, "Connector name must not contain control characters");
                        return -1;
                }
        }
        return 0;
}

const ferry_config_def_t ferry_connector_config[] = {
        {.name = "name", .type = FERRY_CFG_STRING, .required = true, .non_empty = true,
         .importance = FERRY_IMPORTANCE_HIGH, .group = "Common",
         .doc = "Globally unique name to use for this connector.", .validate = check_name},
        {.name = "connector.class", .type = FERRY_CFG_STRING, .required = true,
         .importance = FERRY_IMPORTANCE_HIGH, .group = "Common",
         .doc = "Name or alias of the class for this connector. Must be a subclass of "
                "org.apache.kafka.connect.connector.Connector."},
        {.name = "tasks.max", .type = FERRY_CFG_INT, .default_value = "1", .has_min = true, .min = 1,
         .importance = FERRY_IMPORTANCE_HIGH, .group = "Common",
         .doc = "Maximum number of tasks to use for this connector."},
        {.name = "key.converter", .type = FERRY_CFG_CLASS, .importance = FERRY_IMPORTANCE_LOW, .group = "Common",
         .doc = "Converter class for record keys; the worker's when unset."},
        {.name = "value.converter", .type = FERRY_CFG_CLASS, .importance = FERRY_IMPORTANCE_LOW,
         .group = "Common", .doc = "Converter class for record values; the worker's when unset."},
        {.name = "header.converter", .type = FERRY_CFG_CLASS, .importance = FERRY_IMPORTANCE_LOW,
         .group = "Common", .doc = "HeaderConverter class for record headers; the worker's when unset."},
        {.name = "config.action.reload", .type = FERRY_CFG_STRING, .default_value = "restart",
         .importance = FERRY_IMPORTANCE_LOW, .group = "Common",
         .doc = "What to do when a config provider reports a change."},
        {.name = "transforms", .type = FERRY_CFG_LIST, .importance = FERRY_IMPORTANCE_LOW,
         .group = "Transforms", .doc = "Aliases for the transformations to be applied to records."},
        {.name = "predicates", .type = FERRY_CFG_LIST, .importance = FERRY_IMPORTANCE_LOW,
         .group = "Predicates", .doc = "Aliases for predicates used by transformations."},
        {.name = "errors.retry.timeout", .type = FERRY_CFG_LONG, .default_value = "0", .has_min = true,
         .min = -1, .importance = FERRY_IMPORTANCE_MEDIUM, .group = "Error Handling",
         .doc = "The maximum duration in milliseconds that a failed operation will be reattempted; -1 is "
                "infinite."},
        {.name = "errors.retry.delay.max.ms", .type = FERRY_CFG_LONG, .default_value = "60000",
         .has_min = true, .min = 1, .importance = FERRY_IMPORTANCE_MEDIUM, .group = "Error Handling",
         .doc = "The maximum duration in milliseconds between consecutive retry attempts."},
        {.name = "errors.tolerance", .type = FERRY_CFG_STRING, .default_value = "none",
         .valid = tolerance_values, .importance = FERRY_IMPORTANCE_MEDIUM, .group = "Error Handling",
         .doc = "Behavior for tolerating errors during connector operation: none or all."},
        {.name = "errors.log.enable", .type = FERRY_CFG_BOOLEAN, .default_value = "false",
         .importance = FERRY_IMPORTANCE_MEDIUM, .group = "Error Handling",
         .doc = "Log the details of each failed operation and problematic record."},
        {.name = "errors.log.include.messages", .type = FERRY_CFG_BOOLEAN, .default_value = "false",
         .importance = FERRY_IMPORTANCE_MEDIUM, .group = "Error Handling",
         .doc = "Include the failed record in the log."},
        {.name = NULL},
};

const ferry_config_def_t ferry_sink_connector_config[] = {
        {.name = "topics", .type = FERRY_CFG_LIST, .importance = FERRY_IMPORTANCE_HIGH, .group = "Common",
         .doc = "List of topics to consume, separated by commas."},
        {.name = "topics.regex", .type = FERRY_CFG_STRING, .importance = FERRY_IMPORTANCE_HIGH,
         .group = "Common", .doc = "Regular expression giving topics to consume."},
        {.name = "errors.deadletterqueue.topic.name", .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_MEDIUM, .group = "Error Handling",
         .doc = "Topic to use as the dead letter queue for records that failed."},
        {.name = "errors.deadletterqueue.topic.replication.factor", .type = FERRY_CFG_SHORT,
         .default_value = "3", .importance = FERRY_IMPORTANCE_MEDIUM, .group = "Error Handling",
         .doc = "Replication factor used to create the dead letter queue topic when it doesn't already exist."},
        {.name = "errors.deadletterqueue.context.headers.enable", .type = FERRY_CFG_BOOLEAN,
         .default_value = "false", .importance = FERRY_IMPORTANCE_MEDIUM, .group = "Error Handling",
         .doc = "Add headers with error context to dead letter queue records."},
        {.name = NULL},
};

const ferry_config_def_t ferry_source_connector_config[] = {
        {.name = "topic.creation.groups", .type = FERRY_CFG_LIST, .importance = FERRY_IMPORTANCE_LOW,
         .group = "Topic Creation", .doc = "Groups of configurations for topics created by source connectors."},
        {.name = "exactly.once.support", .type = FERRY_CFG_STRING, .default_value = "requested",
         .importance = FERRY_IMPORTANCE_MEDIUM, .group = "Exactly Once Support",
         .doc = "Whether exactly-once guarantees are required (only with exactly.once.source.support)."},
        {.name = "transaction.boundary", .type = FERRY_CFG_STRING, .default_value = "poll",
         .importance = FERRY_IMPORTANCE_MEDIUM, .group = "Exactly Once Support",
         .doc = "Transaction boundaries for exactly-once source connectors."},
        {.name = "offsets.storage.topic", .type = FERRY_CFG_STRING, .importance = FERRY_IMPORTANCE_LOW,
         .group = "offsets.storage", .doc = "Separate offsets topic for this connector."},
        {.name = NULL},
};
