/* A small encoder for Thrift's compact protocol, enough for Parquet's metadata (page headers and
 * the file footer, parquet.thrift): structs with field headers as deltas, zigzag varints, binary,
 * lists, booleans folded into the field header. Appends to a ferry_buf_t; errors (out of memory,
 * nesting too deep) are sticky and reported by ferry_tc_error(). Internal to shared/parquet. */
#ifndef FERRY_CONNECTORS_PARQUET_THRIFT_COMPACT_H
#define FERRY_CONNECTORS_PARQUET_THRIFT_COMPACT_H

#include <ferry/buf.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Compact protocol type ids. */
enum {
        FERRY_TC_BOOL_TRUE = 1,
        FERRY_TC_BOOL_FALSE = 2,
        FERRY_TC_BYTE = 3,
        FERRY_TC_I16 = 4,
        FERRY_TC_I32 = 5,
        FERRY_TC_I64 = 6,
        FERRY_TC_DOUBLE = 7,
        FERRY_TC_BINARY = 8,
        FERRY_TC_LIST = 9,
        FERRY_TC_STRUCT = 12,
};

#define FERRY_TC_MAX_DEPTH 16

typedef struct {
        ferry_buf_t *out;
        int16_t last[FERRY_TC_MAX_DEPTH]; /* last field id written, per open struct */
        int depth;
        bool failed;
} ferry_tc_t;

void ferry_tc_init(ferry_tc_t *t, ferry_buf_t *out);
bool ferry_tc_error(const ferry_tc_t *t);

/* Fields of the open struct (the outermost struct is open from init). */
void ferry_tc_field_i32(ferry_tc_t *t, int16_t id, int32_t v);
void ferry_tc_field_i64(ferry_tc_t *t, int16_t id, int64_t v);
void ferry_tc_field_bool(ferry_tc_t *t, int16_t id, bool v);
void ferry_tc_field_binary(ferry_tc_t *t, int16_t id, const void *p, size_t len);
void ferry_tc_field_string(ferry_tc_t *t, int16_t id, const char *s);
/* A struct-valued field: its fields follow, then ferry_tc_struct_end(). */
void ferry_tc_field_struct(ferry_tc_t *t, int16_t id);
/* A list-valued field of n elements of elem_type; the elements follow (ferry_tc_elem_*; struct
 * elements with ferry_tc_elem_struct() ... ferry_tc_struct_end()). */
void ferry_tc_field_list(ferry_tc_t *t, int16_t id, int elem_type, size_t n);
void ferry_tc_elem_i32(ferry_tc_t *t, int32_t v);
void ferry_tc_elem_string(ferry_tc_t *t, const char *s);
void ferry_tc_elem_struct(ferry_tc_t *t);
/* Closes the innermost open struct (writes the stop byte); also ends the outermost one. */
void ferry_tc_struct_end(ferry_tc_t *t);

/* Raw helpers, also used by the page encoders. */
int ferry_tc_put_uvarint(ferry_buf_t *b, uint64_t v);

#endif
