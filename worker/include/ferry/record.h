/* Records as they move through the runtime: a source task creates them, transforms change them,
 * converters turn their key/value/headers into bytes; a sink task receives them after the reverse. */
#ifndef FERRY_RECORD_H
#define FERRY_RECORD_H

#include <ferry/api.h>

#include <ferry/data.h>

typedef struct {
        char *key;
        ferry_schema_t *schema; /* may be NULL */
        ferry_value_t *value;   /* may be NULL */
} ferry_header_t;

typedef struct ferry_record {
        char *topic;
        int32_t partition; /* -1: let the producer choose */
        ferry_schema_t *key_schema;
        ferry_value_t *key;
        ferry_schema_t *value_schema;
        ferry_value_t *value;
        int64_t timestamp; /* ms since epoch; -1 when none */
        ferry_header_t *headers;
        size_t n_headers, cap_headers;
        /* Source records: where the record came from (schemaless maps of primitives). A record
         * of a partition may have no offset: the partition's committed offset then moves only
         * with the records that have one (after every record before them was acknowledged), so a
         * source may give only the last record of each batch its offset. */
        ferry_value_t *source_partition;
        ferry_value_t *source_offset;
        /* Sink records: where the record sits in Kafka. */
        int64_t kafka_offset;
} ferry_record_t;

/* A new record for topic (copied) with the given schemas/values; takes ownership of the values and
 * of one reference of each schema. */
FERRY_API ferry_record_t *ferry_record_new(const char *topic, ferry_schema_t *key_schema, ferry_value_t *key,
                                           ferry_schema_t *value_schema, ferry_value_t *value);
/* Adds a header, taking ownership of schema reference and value. */
FERRY_API int ferry_record_add_header(ferry_record_t *r, const char *key, ferry_schema_t *schema,
                                      ferry_value_t *value);
FERRY_API int ferry_record_set_topic(ferry_record_t *r, const char *topic);
FERRY_API ferry_record_t *ferry_record_copy(const ferry_record_t *r);
FERRY_API void ferry_record_free(ferry_record_t *r);

/* A batch of records; the batch owns them. */
typedef struct {
        ferry_record_t **recs;
        size_t n, cap;
} ferry_records_t;

FERRY_API int ferry_records_push(ferry_records_t *b, ferry_record_t *r); /* takes ownership */
FERRY_API void ferry_records_clear(ferry_records_t *b);                  /* frees the records, keeps memory */
FERRY_API void ferry_records_free(ferry_records_t *b);

typedef struct {
        char *topic;
        int32_t partition;
} ferry_topic_partition_t;

#endif
