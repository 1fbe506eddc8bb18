/* Avro schemas: the parsed form of an Avro schema's JSON text, and that text written back exactly
 * as Apache Avro's Java Schema.toString() writes it (compact, members in Java's order, properties
 * in the order they were added, a named type written in full once and by name afterwards). The
 * text matters: a schema registry gives an id per text, so the same Connect schema must give the
 * same bytes as Java's AvroConverter. Built against the public SDK only (ferry/data.h, ferry/json.h);
 * shared by the AvroConverter and the storage formats. No global state.
 *
 * Nodes live in an arena owned by one ferry_avro_schema_t (the root): they may be shared and may
 * form cycles (a record that refers to itself), and are freed together. */
#ifndef FERRY_CONNECTORS_AVRO_SCHEMA_H
#define FERRY_CONNECTORS_AVRO_SCHEMA_H

#include <ferry/buf.h>
#include <ferry/data.h>

#include <stdbool.h>
#include <stddef.h>

typedef enum {
        FERRY_AVRO_NULL,
        FERRY_AVRO_BOOLEAN,
        FERRY_AVRO_INT,
        FERRY_AVRO_LONG,
        FERRY_AVRO_FLOAT,
        FERRY_AVRO_DOUBLE,
        FERRY_AVRO_BYTES,
        FERRY_AVRO_STRING,
        FERRY_AVRO_RECORD,
        FERRY_AVRO_ENUM,
        FERRY_AVRO_ARRAY,
        FERRY_AVRO_MAP,
        FERRY_AVRO_UNION,
        FERRY_AVRO_FIXED,
} ferry_avro_type_t;

/* A property ("logicalType", "connect.name", ...): its value is schemaless JSON as ferry_json_read
 * gives it (NULL = JSON null; FLOAT32 values are written as Java writes a float). */
typedef struct {
        char *key;
        ferry_value_t *value;
} ferry_avro_prop_t;

typedef struct ferry_avro_node ferry_avro_node_t;

typedef struct {
        char *name;
        ferry_avro_node_t *type;
        char *doc;
        bool has_default;
        ferry_value_t *def; /* JSON; NULL with has_default = JSON null */
        char *order;        /* NULL = ascending */
        ferry_avro_prop_t *props;
        size_t n_props;
} ferry_avro_field_t;

struct ferry_avro_node {
        ferry_avro_type_t type;
        char *name;  /* RECORD, ENUM, FIXED: the simple name */
        char *space; /* their namespace; NULL when none */
        char *doc;
        ferry_avro_prop_t *props;
        size_t n_props;
        ferry_avro_field_t *fields; /* RECORD */
        size_t n_fields;
        char **symbols; /* ENUM */
        size_t n_symbols;
        char *enum_default;
        ferry_avro_node_t *items;     /* ARRAY: items; MAP: values */
        ferry_avro_node_t **branches; /* UNION */
        size_t n_branches;
        int size; /* FIXED */
};

typedef struct ferry_avro_schema ferry_avro_schema_t;

/* An empty schema arena; build nodes with ferry_avro_node_new and set the root. */
ferry_avro_schema_t *ferry_avro_schema_new(void);
void ferry_avro_schema_free(ferry_avro_schema_t *s);
ferry_avro_node_t *ferry_avro_root(const ferry_avro_schema_t *s);
void ferry_avro_set_root(ferry_avro_schema_t *s, ferry_avro_node_t *root);
/* A new zeroed node owned by s; NULL when out of memory. Strings set on it must be malloc'd
 * (ferry_avro_strdup) and are freed with the arena. */
ferry_avro_node_t *ferry_avro_node_new(ferry_avro_schema_t *s, ferry_avro_type_t type);
char *ferry_avro_strdup(const char *str);
/* Appends a property (takes value; key copied); a key already present keeps its first value, as
 * Avro's addProp does. 0, or -1 when out of memory (value freed). */
int ferry_avro_add_prop(ferry_avro_prop_t **props, size_t *n, const char *key, ferry_value_t *value);
const ferry_value_t *ferry_avro_prop(const ferry_avro_prop_t *props, size_t n, const char *key,
                                     bool *present);
/* The string of a string property, NULL when absent or not a string. */
const char *ferry_avro_prop_str(const ferry_avro_node_t *n, const char *key);
/* Appends a field to a RECORD node (name copied, type shared, doc copied, def taken). */
ferry_avro_field_t *ferry_avro_add_field(ferry_avro_node_t *rec, const char *name, ferry_avro_node_t *type,
                                         const char *doc);
int ferry_avro_add_branch(ferry_avro_node_t *u, ferry_avro_node_t *branch);

/* Parses schema JSON text. NULL with a message (errstr) when the text is not a valid schema:
 * unknown types or names, duplicate names, bad symbols, nesting deeper than 256. */
ferry_avro_schema_t *ferry_avro_parse(const char *json, size_t len, char *errstr, size_t errstr_size);

/* Appends the schema's JSON text as Java's Schema.toString() writes it. -1 with a message when a
 * name is defined twice with different content or out of memory. */
int ferry_avro_write_json(const ferry_avro_schema_t *s, ferry_buf_t *out, char *errstr, size_t errstr_size);

/* "ns.Name" or "Name" of a named node (malloc'd); NULL when out of memory. */
char *ferry_avro_full_name(const ferry_avro_node_t *n);
/* Avro's name for a type ("int", "record", ...). */
const char *ferry_avro_type_name(ferry_avro_type_t t);
/* Structural equality (names, props, fields, defaults, children). */
bool ferry_avro_node_equal(const ferry_avro_node_t *a, const ferry_avro_node_t *b);

#endif
