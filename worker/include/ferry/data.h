/* Connect's data model: schemas and values, as converters, transforms and connectors see them.
 *
 * A value is a tree of ferry_value_t. NULL stands for a null value. A value may carry no schema
 * (schemaless data: maps with string keys, arrays, primitives) or sit beside a ferry_schema_t that
 * describes it. Schemas are reference counted and immutable once built; values are owned by whoever
 * holds them and freed with ferry_value_free(). */
#ifndef FERRY_DATA_H
#define FERRY_DATA_H

#include <ferry/api.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
        FERRY_TYPE_INT8,
        FERRY_TYPE_INT16,
        FERRY_TYPE_INT32,
        FERRY_TYPE_INT64,
        FERRY_TYPE_FLOAT32,
        FERRY_TYPE_FLOAT64,
        FERRY_TYPE_BOOLEAN,
        FERRY_TYPE_STRING,
        FERRY_TYPE_BYTES,
        FERRY_TYPE_ARRAY,
        FERRY_TYPE_MAP,
        FERRY_TYPE_STRUCT,
} ferry_type_t;

/* Connect's type name ("int8", ..., "struct") and back; -1 when unknown. */
FERRY_API const char *ferry_type_name(ferry_type_t type);
FERRY_API int ferry_type_from_name(const char *name);

/* Logical type names. */
#define FERRY_LOGICAL_DECIMAL   "org.apache.kafka.connect.data.Decimal"
#define FERRY_LOGICAL_DATE      "org.apache.kafka.connect.data.Date"
#define FERRY_LOGICAL_TIME      "org.apache.kafka.connect.data.Time"
#define FERRY_LOGICAL_TIMESTAMP "org.apache.kafka.connect.data.Timestamp"
#define FERRY_DECIMAL_SCALE     "scale"

typedef struct ferry_schema ferry_schema_t;
typedef struct ferry_value ferry_value_t;

typedef struct {
        char *name;
        int index;
        ferry_schema_t *schema;
} ferry_field_t;

typedef struct {
        char *key;
        char *value;
} ferry_param_t;

struct ferry_schema {
        ferry_type_t type;
        bool optional;
        char *name; /* NULL when unnamed */
        bool has_version;
        int32_t version;
        char *doc;                    /* NULL when none */
        ferry_value_t *default_value; /* NULL when none */
        ferry_param_t *params;
        size_t n_params;
        ferry_schema_t *items; /* ARRAY: element schema; MAP: value schema */
        ferry_schema_t *keys;  /* MAP: key schema */
        ferry_field_t *fields; /* STRUCT */
        size_t n_fields;
        int refcnt;
};

/* Building schemas. Every builder returns a new schema with one reference, or NULL on ENOMEM. */
FERRY_API ferry_schema_t *ferry_schema_new(ferry_type_t type);
FERRY_API ferry_schema_t *ferry_schema_array(ferry_schema_t *items); /* takes the reference */
FERRY_API ferry_schema_t *ferry_schema_map(ferry_schema_t *keys, ferry_schema_t *values); /* takes both */
/* Adds a field to a STRUCT schema, taking the field schema's reference. 0 on success. */
FERRY_API int ferry_schema_add_field(ferry_schema_t *s, const char *name, ferry_schema_t *field);
FERRY_API int ferry_schema_set_name(ferry_schema_t *s, const char *name);
FERRY_API int ferry_schema_set_doc(ferry_schema_t *s, const char *doc);
FERRY_API int ferry_schema_set_param(ferry_schema_t *s, const char *key, const char *value);
FERRY_API const char *ferry_schema_param(const ferry_schema_t *s, const char *key);
FERRY_API const ferry_field_t *ferry_schema_field(const ferry_schema_t *s, const char *name);
/* Logical type helpers: Decimal(scale) over bytes, Date/Time over int32, Timestamp over int64. */
FERRY_API ferry_schema_t *ferry_schema_decimal(int scale);
FERRY_API ferry_schema_t *ferry_schema_logical(const char *logical_name);
FERRY_API ferry_schema_t *ferry_schema_ref(ferry_schema_t *s);
FERRY_API void ferry_schema_unref(ferry_schema_t *s);
/* Deep structural equality (type, optional, name, version, doc, params, default, children). */
FERRY_API bool ferry_schema_equal(const ferry_schema_t *a, const ferry_schema_t *b);
/* A copy that can be changed (e.g. by SetSchemaMetadata); children are shared by reference. */
FERRY_API ferry_schema_t *ferry_schema_copy(const ferry_schema_t *s);

struct ferry_value {
        ferry_type_t type;
        union {
                int64_t i; /* INT8..INT64 */
                double f;  /* FLOAT32, FLOAT64 */
                bool b;
                struct {
                        char *data; /* NUL-terminated for STRING, and one spare NUL for BYTES */
                        size_t len;
                } s; /* STRING, BYTES */
                struct {
                        ferry_value_t **items;
                        size_t n, cap;
                } a; /* ARRAY */
                struct {
                        ferry_value_t **keys;
                        ferry_value_t **vals;
                        size_t n, cap;
                } m; /* MAP (keys may be any type; schemaless maps use STRING keys) */
                struct {
                        ferry_schema_t *schema; /* one reference held */
                        ferry_value_t **fields; /* by field index; NULL = null */
                } st;                           /* STRUCT */
        } u;
        uint32_t refs; /* extra owners (ferry_value_ref); 0 = one owner */
};

FERRY_API ferry_value_t *ferry_value_int(ferry_type_t type, int64_t v);
FERRY_API ferry_value_t *ferry_value_float(ferry_type_t type, double v);
FERRY_API ferry_value_t *ferry_value_bool(bool v);
FERRY_API ferry_value_t *ferry_value_string(const char *s, size_t len); /* copies */
FERRY_API ferry_value_t *ferry_value_cstring(const char *s);            /* copies */
FERRY_API ferry_value_t *ferry_value_bytes(const void *p, size_t len);  /* copies */
FERRY_API ferry_value_t *ferry_value_array(void);
FERRY_API ferry_value_t *ferry_value_map(void);
FERRY_API ferry_value_t *ferry_value_struct(ferry_schema_t *schema); /* takes a new reference of schema */
/* Appends, taking ownership of item (which may be NULL). 0 on success. */
FERRY_API int ferry_array_append(ferry_value_t *array, ferry_value_t *item);
/* Puts key -> val, taking ownership of both; replaces an equal key. 0 on success. */
FERRY_API int ferry_map_put(ferry_value_t *map, ferry_value_t *key, ferry_value_t *val);
/* Appends key -> val without looking for an equal key (the caller knows the keys are unique, e.g.
 * a parsed JSON object); takes ownership of both. 0 on success. */
FERRY_API int ferry_map_append(ferry_value_t *map, ferry_value_t *key, ferry_value_t *val);
/* Convenience for string keys; copies key. */
FERRY_API int ferry_map_put_str(ferry_value_t *map, const char *key, ferry_value_t *val);
/* Looks up a string key; NULL when absent (or null). */
FERRY_API ferry_value_t *ferry_map_get_str(const ferry_value_t *map, const char *key);
/* Sets a struct field by name, taking ownership of v. 0 on success, -1 when no such field. */
FERRY_API int ferry_struct_put(ferry_value_t *st, const char *field, ferry_value_t *v);
FERRY_API ferry_value_t *ferry_struct_get(const ferry_value_t *st, const char *field);

/* ---- builders for connector authors (a schema is changed only before it is shared) ---- */
/* A STRUCT schema named name (NULL: unnamed), ready for ferry_schema_add_field. */
FERRY_API ferry_schema_t *ferry_schema_struct(const char *name);
/* A new optional schema of a primitive type (Connect's SchemaBuilder.int32().optional()). */
FERRY_API ferry_schema_t *ferry_schema_optional(ferry_type_t type);
FERRY_API void ferry_schema_set_optional(ferry_schema_t *s, bool optional);
FERRY_API void ferry_schema_set_version(ferry_schema_t *s, int32_t version);
/* Sets the default value, taking ownership of v; -1 (v freed) when v does not fit the schema. */
FERRY_API int ferry_schema_set_default(ferry_schema_t *s, ferry_value_t *v);
/* Sets a struct field from a C value, making the value of the field's schema type (an integer
 * field of any width, FLOAT32/FLOAT64, BOOLEAN, STRING/BYTES). -1 when the struct has no such
 * field, the field's type differs, the integer does not fit the field's width, or out of memory. */
FERRY_API int ferry_struct_put_int(ferry_value_t *st, const char *field, int64_t v);
FERRY_API int ferry_struct_put_double(ferry_value_t *st, const char *field, double v);
FERRY_API int ferry_struct_put_bool(ferry_value_t *st, const char *field, bool v);
FERRY_API int ferry_struct_put_string(ferry_value_t *st, const char *field, const char *v); /* NULL: null */
FERRY_API int ferry_struct_put_bytes(ferry_value_t *st, const char *field, const void *p, size_t len);
/* Reads a struct field as a C value: false when absent, null or of another kind. */
FERRY_API bool ferry_struct_get_int(const ferry_value_t *st, const char *field, int64_t *out);
FERRY_API bool ferry_struct_get_double(const ferry_value_t *st, const char *field, double *out);
FERRY_API bool ferry_struct_get_bool(const ferry_value_t *st, const char *field, bool *out);
/* The string of a STRING field; NULL when absent, null or not a string. */
FERRY_API const char *ferry_struct_get_string(const ferry_value_t *st, const char *field);

/* Replaces a STRING/BYTES value's bytes with data (malloc'd, NUL at data[len]), taking it. */
FERRY_API void ferry_value_blob_replace(ferry_value_t *v, char *data, size_t len);
/* Another owner of the same value (not thread-safe): each owner calls ferry_value_free once.
 * A value with several owners must not be changed; records use it to share an immutable source
 * partition instead of copying it per record. */
FERRY_API ferry_value_t *ferry_value_ref(ferry_value_t *v);
FERRY_API ferry_value_t *ferry_value_copy(const ferry_value_t *v);
FERRY_API bool ferry_value_equal(const ferry_value_t *a, const ferry_value_t *b);
FERRY_API void ferry_value_free(ferry_value_t *v);

/* Checks a value against a schema; on mismatch writes a message naming the field path. */
FERRY_API int ferry_value_validate(const ferry_schema_t *s, const ferry_value_t *v, char *errstr,
                                   size_t errstr_size);

/* Text forms shared by the converters. Java's Double.toString (Float.toString when float32):
 * shortest round-trip digits, "3.0", "1.0E10", "1.0E-5", "NaN", "-Infinity". Returns the length. */
FERRY_API size_t ferry_format_double(double v, bool float32, char out[32]);
/* A Decimal schema's "scale" parameter; -1 when missing or not an integer. */
FERRY_API int ferry_decimal_scale(const ferry_schema_t *s, int *scale);
/* BigDecimal.toString of a Decimal value (unscaled two's-complement big-endian bytes) at scale,
 * e.g. "1.23", "-0.001", "1.23E+4"; malloc'd, NULL when len is 0 or out of memory. */
FERRY_API char *ferry_decimal_format(const void *unscaled, size_t len, int scale);
/* Parses a decimal number ("-1.5", "2e3") into a Decimal value (BYTES, minimal two's complement)
 * at scale; fails (errstr) when it has more fraction digits than scale allows. */
FERRY_API ferry_value_t *ferry_decimal_parse(const char *text, size_t len, int scale, char *errstr,
                                             size_t errstr_size);

#endif
