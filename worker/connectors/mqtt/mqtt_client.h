/* Shared by the MQTT source and sink (Confluent's MqttSourceConnector / MqttSinkConnector):
 * the connection keys of both config tables, broker URI parsing, and libmosquitto client setup
 * (credentials, TLS from PEM files, protocol 3.1.1). */
#ifndef FERRY_MQTT_CLIENT_H
#define FERRY_MQTT_CLIENT_H

#include <ferry/config.h>

#include <mosquitto.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MQTT_VERSION "1.0.0"

/* One entry of mqtt.server.uri: tcp://host:port (1883) or ssl://host:port (8883). */
typedef struct {
        bool tls;
        char host[256];
        int port;
} mqtt_uri_t;

int mqtt_uri_parse(const char *uri, mqtt_uri_t *out, char *errstr, size_t errstr_size);
/* Config table checks (.validate) for mqtt.server.uri and mqtt.topics. */
int mqtt_check_uris(const char *name, const char *value, char *errstr, size_t errstr_size);
int mqtt_check_topic_filters(const char *name, const char *value, char *errstr, size_t errstr_size);

/* What a client authenticates with, whichever vendor's keys it came from (NULL or "" = unset). */
typedef struct {
        const char *user, *password;
        bool tls;                 /* some broker URI is ssl:// */
        const char *ca_file;      /* blank: the system's CA certificates */
        const char *cert_file;    /* client certificate (PEM) */
        const char *key_file;     /* its private key; blank: inside cert_file */
        const char *key_password; /* decrypts key_file */
        const char *tls_keys;     /* the keys named when the TLS files cannot be used */
} mqtt_auth_t;

/* A client with the connection keys of c applied (user name, password, TLS files when any URI is
 * ssl://, MQTT 3.1.1, threaded mode as asked). NULL with errstr naming the key at fault. */
struct mosquitto *mqtt_client_new(const ferry_config_t *c, const char *client_id, bool clean_session,
                                  bool threaded, void *userdata, char *errstr, size_t errstr_size);
/* The same from settings already read (the Lenses keys). */
struct mosquitto *mqtt_client_new_auth(const mqtt_auth_t *a, const char *client_id, bool clean_session,
                                       bool threaded, void *userdata, char *errstr, size_t errstr_size);
/* Parses a list of broker URIs into a new array (*out, caller frees); -1 with errstr naming key. */
int mqtt_uris_parse(const char *key, const char *const *uris, size_t n, mqtt_uri_t **out, char *errstr,
                    size_t errstr_size);

/* "tcp://host:port" for messages. */
void mqtt_uri_format(const mqtt_uri_t *u, char *out, size_t out_size);
/* A CONNACK return code in words, naming the keys to look at where one is at fault. */
const char *mqtt_connack_words(int rc);
int64_t mqtt_now_ms(void);

/* The connection keys both connectors share, in Confluent's words and defaults. */
#define MQTT_GROUP_CONNECTION "Connection"
#define MQTT_GROUP_SSL        "SSL"
#define MQTT_GROUP_LICENSE    "Confluent Platform"

#define MQTT_CONNECTION_CONFIG                                                                               \
        {.name = "mqtt.server.uri",                                                                          \
         .type = FERRY_CFG_LIST,                                                                             \
         .required = true,                                                                                   \
         .non_empty = true,                                                                                  \
         .importance = FERRY_IMPORTANCE_HIGH,                                                                \
         .group = MQTT_GROUP_CONNECTION,                                                                     \
         .doc = "List of MQTT brokers to connect to (tcp://host:port or ssl://host:port).",                  \
         .validate = mqtt_check_uris},                                                                       \
                {.name = "mqtt.username",                                                                    \
                 .type = FERRY_CFG_PASSWORD,                                                                 \
                 .default_value = "",                                                                        \
                 .importance = FERRY_IMPORTANCE_HIGH,                                                        \
                 .group = MQTT_GROUP_CONNECTION,                                                             \
                 .doc = "Username to connect with, or blank to connect without a username."},                \
                {.name = "mqtt.password",                                                                    \
                 .type = FERRY_CFG_PASSWORD,                                                                 \
                 .default_value = "",                                                                        \
                 .importance = FERRY_IMPORTANCE_HIGH,                                                        \
                 .group = MQTT_GROUP_CONNECTION,                                                             \
                 .doc = "Password to connect with, or blank to connect without a password."},                \
                {.name = "mqtt.clean.session.enabled",                                                       \
                 .type = FERRY_CFG_BOOLEAN,                                                                  \
                 .default_value = "true",                                                                    \
                 .importance = FERRY_IMPORTANCE_LOW,                                                         \
                 .group = MQTT_GROUP_CONNECTION,                                                             \
                 .doc = "Sets whether the client and server should remember state across restarts and "      \
                        "reconnects."},                                                                      \
                {.name = "mqtt.connect.timeout.seconds",                                                     \
                 .type = FERRY_CFG_INT,                                                                      \
                 .default_value = "30",                                                                      \
                 .has_min = true,                                                                            \
                 .min = 0,                                                                                   \
                 .importance = FERRY_IMPORTANCE_LOW,                                                         \
                 .group = MQTT_GROUP_CONNECTION,                                                             \
                 .doc = "Sets the connection timeout value."},                                               \
                {.name = "mqtt.keepalive.interval.seconds",                                                  \
                 .type = FERRY_CFG_INT,                                                                      \
                 .default_value = "60",                                                                      \
                 .has_min = true,                                                                            \
                 .min = 1,                                                                                   \
                 .importance = FERRY_IMPORTANCE_LOW,                                                         \
                 .group = MQTT_GROUP_CONNECTION,                                                             \
                 .doc = "Sets the \"keep alive\" interval."},                                                \
                {.name = "mqtt.qos",                                                                         \
                 .type = FERRY_CFG_INT,                                                                      \
                 .default_value = "0",                                                                       \
                 .has_min = true,                                                                            \
                 .min = 0,                                                                                   \
                 .has_max = true,                                                                            \
                 .max = 2,                                                                                   \
                 .importance = FERRY_IMPORTANCE_MEDIUM,                                                      \
                 .group = MQTT_GROUP_CONNECTION,                                                             \
                 .doc = "The MQTT QOS level to subscribe (source) or publish (sink) with."},                 \
                {.name = "max.retry.time.ms",                                                                \
                 .type = FERRY_CFG_LONG,                                                                     \
                 .default_value = "30000",                                                                   \
                 .has_min = true,                                                                            \
                 .min = 0,                                                                                   \
                 .importance = FERRY_IMPORTANCE_LOW,                                                         \
                 .group = MQTT_GROUP_CONNECTION,                                                             \
                 .doc = "The maximum time in milliseconds to retry connecting to the MQTT brokers before "   \
                        "the task fails."},                                                                  \
                {.name = "mqtt.ssl.trust.store.path",                                                        \
                 .type = FERRY_CFG_STRING,                                                                   \
                 .default_value = "",                                                                        \
                 .importance = FERRY_IMPORTANCE_HIGH,                                                        \
                 .group = MQTT_GROUP_SSL,                                                                    \
                 .doc = "The CA certificates (PEM file) that validate the broker's certificate on ssl:// "   \
                        "URIs (Java: a TrustStore). Blank: the system's CA certificates."},                  \
                {.name = "mqtt.ssl.trust.store.password",                                                    \
                 .type = FERRY_CFG_PASSWORD,                                                                 \
                 .default_value = "",                                                                        \
                 .importance = FERRY_IMPORTANCE_HIGH,                                                        \
                 .group = MQTT_GROUP_SSL,                                                                    \
                 .doc = "Password of the TrustStore; accepted and unused (PEM files have none)."},           \
                {.name = "mqtt.ssl.key.store.path",                                                          \
                 .type = FERRY_CFG_STRING,                                                                   \
                 .default_value = "",                                                                        \
                 .importance = FERRY_IMPORTANCE_HIGH,                                                        \
                 .group = MQTT_GROUP_SSL,                                                                    \
                 .doc = "The client certificate for authenticating with the broker: a PEM file holding "     \
                        "the certificate, and the private key unless mqtt.ssl.key.path names another file "  \
                        "(Java: a KeyStore)."},                                                              \
                {.name = "mqtt.ssl.key.store.password",                                                      \
                 .type = FERRY_CFG_PASSWORD,                                                                 \
                 .default_value = "",                                                                        \
                 .importance = FERRY_IMPORTANCE_HIGH,                                                        \
                 .group = MQTT_GROUP_SSL,                                                                    \
                 .doc = "Password of the KeyStore; used to decrypt the private key when "                    \
                        "mqtt.ssl.key.password is blank."},                                                  \
                {.name = "mqtt.ssl.key.password",                                                            \
                 .type = FERRY_CFG_PASSWORD,                                                                 \
                 .default_value = "",                                                                        \
                 .importance = FERRY_IMPORTANCE_HIGH,                                                        \
                 .group = MQTT_GROUP_SSL,                                                                    \
                 .doc = "The password of the private key."},                                                 \
                {.name = "mqtt.ssl.key.path",                                                                \
                 .type = FERRY_CFG_STRING,                                                                   \
                 .default_value = "",                                                                        \
                 .importance = FERRY_IMPORTANCE_LOW,                                                         \
                 .group = MQTT_GROUP_SSL,                                                                    \
                 .doc = "Ferry only: the private key (PEM) when it is not in mqtt.ssl.key.store.path."},     \
                {.name = "confluent.license",                                                                \
                 .type = FERRY_CFG_PASSWORD,                                                                 \
                 .default_value = "",                                                                        \
                 .importance = FERRY_IMPORTANCE_HIGH,                                                        \
                 .group = MQTT_GROUP_LICENSE,                                                                \
                 .doc = "Confluent's license key; accepted and ignored."},                                   \
                {.name = "confluent.topic",                                                                  \
                 .type = FERRY_CFG_STRING,                                                                   \
                 .default_value = "_confluent-command",                                                      \
                 .importance = FERRY_IMPORTANCE_LOW,                                                         \
                 .group = MQTT_GROUP_LICENSE,                                                                \
                 .doc = "Confluent's license topic; accepted and ignored."},                                 \
                {.name = "confluent.topic.bootstrap.servers",                                                \
                 .type = FERRY_CFG_LIST,                                                                     \
                 .importance = FERRY_IMPORTANCE_LOW,                                                         \
                 .group = MQTT_GROUP_LICENSE,                                                                \
                 .doc = "Brokers of Confluent's license topic; accepted and ignored (as are the other "      \
                        "confluent.topic.* keys)."},                                                         \
        {                                                                                                    \
                .name = "confluent.topic.replication.factor", .type = FERRY_CFG_INT, .default_value = "3",   \
                .importance = FERRY_IMPORTANCE_LOW, .group = MQTT_GROUP_LICENSE,                             \
                .doc = "Replication factor of Confluent's license topic; accepted and ignored."              \
        }

#endif
