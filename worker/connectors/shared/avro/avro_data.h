/* The Connect<->Avro mapping of Confluent's AvroData: Connect schemas to Avro schemas (record
 * names io.confluent.connect.avro.ConnectDefault, ConnectDefault2, ...; optional as a union with
 * null; connect.* properties; logical types; maps with non-string keys as arrays of
 * io.confluent.connect.avro.MapEntry) and back (unions, enums, fixed, logical types), and Connect
 * values to Avro binary and back. Shared by the AvroConverter and the Avro/Parquet storage formats;
 * built against the public SDK only. No global state: a caller keeps its own caches. */
#ifndef FERRY_CONNECTORS_AVRO_DATA_H
#define FERRY_CONNECTORS_AVRO_DATA_H

#include "avro_codec.h"
#include "avro_schema.h"

#include <ferry/buf.h>
#include <ferry/data.h>

#include <stdbool.h>
#include <stddef.h>

#define FERRY_AVRO_NAMESPACE    "io.confluent.connect.avro"
#define FERRY_AVRO_DEFAULT_NAME "ConnectDefault"
#define FERRY_AVRO_MAP_ENTRY    "MapEntry"
#define FERRY_AVRO_UNION_NAME   "io.confluent.connect.avro.Union"
#define FERRY_AVRO_ENUM_PARAM   "io.confluent.connect.avro.Enum"
/* generalized.sum.type.support: ConnectUnion / ConnectEnum parameters and names */
#define FERRY_CONNECT_UNION_PARAM    "org.apache.kafka.connect.data.Union"
#define FERRY_CONNECT_ENUM_PARAM     "org.apache.kafka.connect.data.Enum"
#define FERRY_CONNECT_UNION_PREFIX   "connect_union_"
#define FERRY_CONNECT_UNION_FIELD    "connect_union_field_"
#define FERRY_AVRO_FIELD_DEFAULT     "io.confluent.connect.avro.field.default"
#define FERRY_AVRO_PRECISION         "connect.decimal.precision"
#define FERRY_AVRO_FIXED_SIZE        "connect.fixed.size"
#define FERRY_AVRO_PRECISION_DEFAULT 64

typedef struct {
        bool connect_meta_data;            /* connect.meta.data (default true) */
        bool enhanced_schema_support;      /* enhanced.avro.schema.support (default false) */
        bool scrub_invalid_names;          /* scrub.invalid.names (default false) */
        bool ignore_default_for_nullables; /* ignore.default.for.nullables (default false) */
        bool discard_type_doc_default;     /* discard.type.doc.default (default false) */
        bool generalized_sum_type_support; /* generalized.sum.type.support (default false) */
        /* The number of the next connect_union_<n> struct read with generalized_sum_type_support
         * (Java's AvroData counts per converter); NULL: counted per ferry_avro_to_connect call. */
        int *union_counter;
} ferry_avro_data_config_t;

#define FERRY_AVRO_DATA_CONFIG_DEFAULT ((ferry_avro_data_config_t){.connect_meta_data = true})

/* AvroData.fromConnectSchema: a new Avro schema for s (NULL s, schemaless data, is refused).
 * NULL with a message when s cannot be mapped or out of memory. */
ferry_avro_schema_t *ferry_avro_from_connect(const ferry_avro_data_config_t *cfg, const ferry_schema_t *s,
                                             char *errstr, size_t errstr_size);

/* AvroData.toConnectSchema: a new Connect schema (one reference) for the Avro schema's root.
 * version >= 0 is used when the schema has no connect.version (the registry's version of it).
 * NULL with a message when it cannot be mapped (a standalone null, a recursive record, ...). */
ferry_schema_t *ferry_avro_to_connect(const ferry_avro_data_config_t *cfg, const ferry_avro_schema_t *a,
                                      int version, char *errstr, size_t errstr_size);

/* Appends the Avro binary encoding of v (of Connect schema s) as Avro schema a describes it.
 * a may be the schema ferry_avro_from_connect gave for s, or another one whose records match
 * fields by name (fields missing from the value take their Avro defaults). -1 with a message. */
int ferry_avro_encode(const ferry_avro_node_t *a, const ferry_schema_t *s, const ferry_value_t *v,
                      ferry_buf_t *out, char *errstr, size_t errstr_size);
/* ferry_avro_encode with the mapping's options: a null struct field whose Connect schema has a
 * default is written as that default (Java's Struct.get) unless ignore_default_for_nullables;
 * ferry_avro_encode uses the defaults (cfg NULL is the same). */
int ferry_avro_encode_cfg(const ferry_avro_data_config_t *cfg, const ferry_avro_node_t *a,
                          const ferry_schema_t *s, const ferry_value_t *v, ferry_buf_t *out, char *errstr,
                          size_t errstr_size);

/* Reads one datum of writer schema a into a Connect value of schema s, where s is what
 * ferry_avro_to_connect gave for a. *out NULL is a null value. -1 with a message on malformed
 * data. */
int ferry_avro_decode(const ferry_avro_node_t *a, const ferry_schema_t *s, ferry_avro_reader_t *r,
                      ferry_value_t **out, char *errstr, size_t errstr_size);

/* Schemaless values (no Connect schema): the io.confluent.connect.avro.Anything record Java's
 * AvroData uses for them. ferry_avro_anything() is a new copy of its schema (NULL when out of
 * memory); a null value inside an array or map is an Anything with no field set. Decoding gives
 * INT32/INT64/FLOAT32/FLOAT64/BOOLEAN/STRING/BYTES values, arrays and maps. */
ferry_avro_schema_t *ferry_avro_anything(void);
bool ferry_avro_is_anything(const ferry_avro_node_t *n);
int ferry_avro_encode_anything(const ferry_value_t *v, ferry_buf_t *out, char *errstr, size_t errstr_size);
int ferry_avro_decode_anything(ferry_avro_reader_t *r, ferry_value_t **out, char *errstr, size_t errstr_size);

/* Internal to the mapping (avro_data_*.c): a Connect default value as Avro JSON
 * (AvroData.defaultValueFromConnect); widen_float32 writes FLOAT32 as the double Java's field
 * defaults carry. *out NULL = JSON null. -1 on a value that does not fit its schema. */
int ferry_avro_default_to_json(const ferry_schema_t *s, const ferry_value_t *v, bool widen_float32,
                               ferry_value_t **out);
/* An Avro JSON default as a Connect value of schema s (a: the Avro schema it was given for). */
int ferry_avro_default_from_json(const ferry_schema_t *s, const ferry_avro_node_t *a, const ferry_value_t *j,
                                 ferry_value_t **out);
/* The name a Connect union field gets for Avro member b (unionMemberFieldName). */
const char *ferry_avro_union_member_name(const ferry_avro_node_t *b, bool enhanced, char *buf, size_t size);

/* A Connect union: named io.confluent.connect.avro.Union or with the ConnectUnion parameter. */
bool ferry_avro_is_union_schema(const ferry_schema_t *s);
/* The Avro branch index of a generalized union field name connect_union_field_<i>, else -1. */
long ferry_avro_generalized_field_index(const char *name);

/* Avro's name rule [A-Za-z_][A-Za-z0-9_]* (avro_data_names.c). */
bool ferry_avro_valid_name(const char *name);
/* AvroData.doScrubName: a malloc'd valid Avro name for name (a copy when already valid; "" stays
 * ""). NULL for NULL or out of memory. */
char *ferry_avro_scrub_name(const char *name);

#endif
