/* The Lenses (stream-reactor) MQTT converters and the JSON helpers of the Lenses sink: an MQTT
 * message becomes a record shaped as stream-reactor's source converters shape it, and a Kafka
 * record's value becomes the JSON text stream-reactor's sink publishes. */
#ifndef FERRY_MQTT_LENSES_CONVERT_H
#define FERRY_MQTT_LENSES_CONVERT_H

#include <ferry/buf.h>
#include <ferry/data.h>
#include <ferry/record.h>

#include <stdbool.h>
#include <stddef.h>

typedef enum {
        LENSES_CONV_BYTES,
        LENSES_CONV_JSON_SIMPLE,
        LENSES_CONV_JSON_OPT_NULL,
        LENSES_CONV_JSON_PASS_THROUGH,
        LENSES_CONV_JSON_SCHEMA_EVOLUTION,
} lenses_conv_kind_t;

typedef struct {
        lenses_conv_kind_t kind;
        bool lenses_package;    /* io.lenses... (else com.datamountaineer...) */
        ferry_schema_t *msgkey; /* the key struct MsgKey{topic, id} of this package */
} lenses_conv_t;

/* The converter of a WITHCONVERTER class name (NULL: BytesConverter of the given generation).
 * -1 with errstr for a class Ferry does not have, saying why. */
int lenses_conv_init(lenses_conv_t *c, const char *cls, bool lenses_package, char *errstr,
                     size_t errstr_size);
void lenses_conv_free(lenses_conv_t *c);

/* Key fields of WITHKEY(a, b.c) and the KEYDELIMITER between their values. */
typedef struct {
        char *const *fields;
        size_t n;
        const char *delimiter;
} lenses_keys_t;

/* One MQTT message as a record for kafka_topic; NULL with errstr when the payload does not
 * convert (not JSON for a JSON converter, a WITHKEY field missing, ...). */
ferry_record_t *lenses_convert(const lenses_conv_t *c, const char *kafka_topic, const char *mqtt_topic,
                               int message_id, const void *payload, size_t len, const lenses_keys_t *keys,
                               char *errstr, size_t errstr_size);

/* The Kafka topic of target "$" for an MQTT topic, as stream-reactor derives it: the first '/'
 * removed, then every run of '/' turned into '_' ("/I/Love/Kafka" -> "I_Love_Kafka"). malloc'd. */
char *lenses_dollar_topic(const char *mqtt_topic);

/* A Connect value (with its schema, or schemaless) as compact JSON appended to b, as Jackson
 * writes the tree stream-reactor's sink builds: structs and maps as objects, bytes as Base64. */
int lenses_json_put(ferry_buf_t *b, const ferry_schema_t *s, const ferry_value_t *v, char *errstr,
                    size_t errstr_size);

#endif
