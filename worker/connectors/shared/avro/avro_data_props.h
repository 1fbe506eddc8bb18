/* The connect.* and io.confluent.connect.avro.* schema properties and parameters Confluent's
 * AvroData writes and reads, shared by both directions of the mapping (avro_data_schema.c,
 * avro_data_to_connect.c). Internal to worker/connectors/shared/avro. */
#ifndef FERRY_CONNECTORS_AVRO_DATA_PROPS_H
#define FERRY_CONNECTORS_AVRO_DATA_PROPS_H

#define MAX_DEPTH 256

#define CONNECT_NAME        "connect.name"
#define CONNECT_DOC         "connect.doc"
#define CONNECT_VERSION     "connect.version"
#define CONNECT_DEFAULT     "connect.default"
#define CONNECT_PARAMETERS  "connect.parameters"
#define CONNECT_TYPE        "connect.type"
#define CONNECT_INTERNAL    "connect.internal.type"
#define RECORD_DOC          "io.confluent.connect.avro.record.doc"
#define FIELD_DOC_PREFIX    "io.confluent.connect.avro.field.doc."
#define ENUM_DOC_PREFIX     "io.confluent.connect.avro.enum.doc."
#define ENUM_DEFAULT_PREFIX "io.confluent.connect.avro.enum.default."
#define CONNECT_RECORD_DOC  "connect.record.doc"
#define CONNECT_ENUM_DOC    "connect.enum.doc"

#endif
