/* Avro binary encoding: zigzag varints, floats, doubles, booleans, length-prefixed bytes and
 * strings, and a walker that checks (skips) one datum of a given schema. The pieces the
 * Connect<->Avro mapping (avro_data.h) writes and reads values with; no converter or registry
 * logic here. Built against the public SDK only (ferry/buf.h). */
#ifndef FERRY_CONNECTORS_AVRO_CODEC_H
#define FERRY_CONNECTORS_AVRO_CODEC_H

#include "avro_schema.h"

#include <ferry/buf.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- writing; each returns 0, or -1 when out of memory ---- */
int ferry_avro_write_long(ferry_buf_t *b, int64_t v);  /* zigzag varint, also for int */
int ferry_avro_write_float(ferry_buf_t *b, float v);   /* 4 bytes little-endian IEEE 754 */
int ferry_avro_write_double(ferry_buf_t *b, double v); /* 8 bytes little-endian IEEE 754 */
int ferry_avro_write_bool(ferry_buf_t *b, bool v);
int ferry_avro_write_bytes(ferry_buf_t *b, const void *p, size_t len); /* bytes and string */

/* ---- reading: a cursor over a buffer; each returns 0, or -1 (with r->err set) on malformed or
 * short input ---- */
typedef struct {
        const unsigned char *p, *end;
        const char *err; /* static text of the first error */
} ferry_avro_reader_t;

void ferry_avro_reader_init(ferry_avro_reader_t *r, const void *data, size_t len);
int ferry_avro_read_long(ferry_avro_reader_t *r, int64_t *v);
int ferry_avro_read_int(ferry_avro_reader_t *r, int32_t *v); /* a long that must fit 32 bits */
int ferry_avro_read_float(ferry_avro_reader_t *r, float *v);
int ferry_avro_read_double(ferry_avro_reader_t *r, double *v);
int ferry_avro_read_bool(ferry_avro_reader_t *r, bool *v);
/* Points *p at the next len bytes inside the buffer (no copy). */
int ferry_avro_read_bytes(ferry_avro_reader_t *r, const char **p, size_t *len);
int ferry_avro_read_fixed(ferry_avro_reader_t *r, size_t size, const char **p);
/* A block count of an array or map: a negative count is followed by the block's byte size,
 * which is read and dropped. *count = 0 ends the array or map. */
int ferry_avro_read_block(ferry_avro_reader_t *r, int64_t *count);

/* Reads past one datum of schema n, checking it (union indexes, enum symbols, lengths);
 * nesting deeper than 256 levels is refused. */
int ferry_avro_skip(ferry_avro_reader_t *r, const ferry_avro_node_t *n);

#endif
