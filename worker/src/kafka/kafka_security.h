/* Java Kafka client security settings (sasl.jaas.config, trust and key stores, ...) translated into
 * librdkafka's, for every client the worker builds (kafka.h builds the clients' configs). */
#ifndef FERRY_KAFKA_SECURITY_H
#define FERRY_KAFKA_SECURITY_H

#include <ferry/config.h>
#include <librdkafka/rdkafka.h>

#include <stdbool.h>

/* One layer of a client config: its keys (prefix already stripped) and the prefix they carried in
 * the user's config ("producer.", "consumer.override.", ""), used to name keys in errors. */
typedef struct {
        const ferry_strmap_t *map;
        const char *origin;
} ferry_kafka_layer_t;

/* True for keys every client of the worker takes from the worker's top level: security.protocol,
 * sasl.* and ssl.*. */
bool ferry_kafka_is_security_key(const char *key);

/* Merges layers (later wins) into *out, a config in librdkafka's names, translating the Java
 * client's security keys; *names maps each key of *out to the key the user wrote (with its
 * prefix), for error messages. A Java key that cannot be honoured is an error naming it; error
 * texts never hold secret values. Both maps are initialised here; the caller frees them. */
int ferry_kafka_client_props(const ferry_kafka_layer_t *layers, size_t n, ferry_strmap_t *out,
                             ferry_strmap_t *names, char *errstr, size_t errstr_size);

/* Installs the broker certificate check that names the cause of a failed TLS verification (host
 * name mismatch, untrusted CA, ...) in librdkafka's log. */
void ferry_kafka_security_hooks(rd_kafka_conf_t *conf);

/* ---- JAAS (sasl.jaas.config): `<LoginModule class> <flag> key=value key2="quoted";` ---- */
typedef struct {
        char *login_module;
        char *flag;
        ferry_strmap_t options;
} ferry_jaas_t;

/* Parses text holding exactly one login module, as Kafka clients require. Error texts name
 * positions and option names, never values. */
int ferry_jaas_parse(const char *text, ferry_jaas_t *out, char *errstr, size_t errstr_size);
void ferry_jaas_free(ferry_jaas_t *j);

#endif
