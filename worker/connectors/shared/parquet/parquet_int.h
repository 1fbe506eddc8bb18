/* Internals of the Parquet writer (shared/parquet): the Parquet schema tree built from a Connect
 * schema (parquet_schema.c), the level and page encoders and the codecs (parquet_encode.c), used by
 * the writer (parquet_writer.c). Enum values are parquet.thrift's. */
#ifndef FERRY_CONNECTORS_PARQUET_INT_H
#define FERRY_CONNECTORS_PARQUET_INT_H

#include "shared/parquet/parquet.h"
#include "shared/parquet/thrift_compact.h"

#include <ferry/buf.h>
#include <ferry/data.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* parquet.thrift: Type */
enum {
        PQ_BOOLEAN = 0,
        PQ_INT32 = 1,
        PQ_INT64 = 2,
        PQ_FLOAT = 4,
        PQ_DOUBLE = 5,
        PQ_BYTE_ARRAY = 6,
        PQ_FIXED_LEN_BYTE_ARRAY = 7,
};
/* FieldRepetitionType */
enum { PQ_REQUIRED = 0, PQ_OPTIONAL = 1, PQ_REPEATED = 2 };
/* ConvertedType (PQ_CT_NONE: not set) */
enum {
        PQ_CT_NONE = -1,
        PQ_CT_UTF8 = 0,
        PQ_CT_MAP = 1,
        PQ_CT_MAP_KEY_VALUE = 2,
        PQ_CT_LIST = 3,
        PQ_CT_DECIMAL = 5,
        PQ_CT_DATE = 6,
        PQ_CT_TIME_MILLIS = 7,
        PQ_CT_TIMESTAMP_MILLIS = 9,
};
/* Encoding */
enum { PQ_ENC_PLAIN = 0, PQ_ENC_RLE = 3 };

/* Deepest schema node below the root (a column path has at most this many names). */
#define PQ_MAX_DEPTH 64

/* How the writer walks a node's Connect value. */
typedef enum {
        PQ_LEAF,   /* a primitive column */
        PQ_STRUCT, /* a struct: children are its fields, by index */
        PQ_LIST,   /* an array: children[0] is the repeated element */
        PQ_MAP,    /* a map: children[0] is the repeated key/value group (children key, value) */
        PQ_KV,     /* the repeated key/value group of a map */
} pq_kind_t;

typedef struct pq_node pq_node_t;
struct pq_node {
        char *name;
        pq_node_t *parent;
        pq_kind_t kind;
        int repetition;
        int ptype;       /* leaves: Type */
        int type_length; /* FIXED_LEN_BYTE_ARRAY */
        int converted;   /* ConvertedType or PQ_CT_NONE */
        int scale, precision;
        const ferry_schema_t *schema; /* the Connect schema of the node's value */
        pq_node_t **children;
        size_t n_children;
        int max_def, max_rep;
        size_t col;               /* leaves: column index */
        size_t first_col, n_cols; /* the leaf columns under this node */
};

/* Builds the tree for a STRUCT schema (three_level: lists as parquet-avro writes them with
 * write-old-list-structure=false): the root (kind PQ_STRUCT, name the message name) and
 * *n_cols leaf columns. NULL with a message naming the field. */
pq_node_t *pq_schema_build(const ferry_schema_t *s, bool three_level, size_t *n_cols, char *errstr,
                           size_t errstr_size);
void pq_schema_free(pq_node_t *root);
/* Fills leaves[col] for every leaf (an array of n_cols). */
void pq_schema_leaves(pq_node_t *root, pq_node_t **leaves);
/* Appends the schema elements (a list<SchemaElement> field 2 of FileMetaData) in depth-first order. */
void pq_schema_write_thrift(const pq_node_t *root, ferry_tc_t *t);
/* How many schema elements (nodes) the tree has. */
size_t pq_schema_count(const pq_node_t *root);
int pq_schema_text(const pq_node_t *root, ferry_buf_t *out);
/* The dotted path of a node below the root ("a.b.array"), appended to out. */
void pq_node_path(const pq_node_t *n, ferry_buf_t *out);

/* Statistics of a column chunk (parquet_stats.c). */
typedef struct {
        int64_t nulls;
        bool has_minmax, disabled;
        ferry_buf_t min, max; /* PLAIN values (byte arrays: the bytes without their length) */
} pq_stats_t;

void pq_stats_init(pq_stats_t *st);
void pq_stats_reset(pq_stats_t *st);
void pq_stats_free(pq_stats_t *st);
/* Whether min/max are kept for the leaf's type and annotation. */
bool pq_stats_ordered(const pq_node_t *leaf);
/* Counts nulls and the PLAIN values in values[0..len) (BOOLEAN: one byte per value). -1 on ENOMEM. */
int pq_stats_add(pq_stats_t *st, const pq_node_t *leaf, const char *values, size_t len, int64_t nulls);
/* Writes ColumnMetaData field 12 (Statistics). */
void pq_stats_write(const pq_stats_t *st, int ptype, ferry_tc_t *t);

/* Appends the RLE/bit-packed hybrid encoding of n levels of bit_width bits. */
int pq_rle_encode(ferry_buf_t *out, const uint16_t *levels, size_t n, int bit_width);
/* Bits needed for values 0..max. */
int pq_bit_width(int max);
/* Appends data compressed with codec (raw snappy; gzip member; zstd frame). */
int pq_compress(ferry_parquet_codec_t codec, int level, const void *data, size_t len, ferry_buf_t *out);

#endif
