/* Avro object container files (the Avro specification's "Object Container Files"): the header
 * (magic "Obj\1", metadata map with avro.schema and avro.codec, a 16-byte sync marker) and data
 * blocks (record count, byte size, the encoded records, the sync marker). For the storage sinks
 * that write .avro files. Codec-agnostic: the caller compresses a block's bytes itself ("null"
 * needs nothing; "deflate" is raw RFC 1951; "snappy" adds a CRC-32), so this module links no
 * compression library. Built against the public SDK only. */
#ifndef FERRY_CONNECTORS_AVRO_OCF_H
#define FERRY_CONNECTORS_AVRO_OCF_H

#include <ferry/buf.h>

#include <stddef.h>
#include <stdint.h>

#define FERRY_AVRO_SYNC_SIZE 16

/* Appends the header. schema_json: the writer schema's text; codec: "null", "deflate", ... */
int ferry_avro_ocf_header(ferry_buf_t *out, const char *schema_json, const char *codec,
                          const unsigned char sync[FERRY_AVRO_SYNC_SIZE]);
/* Appends one block of count records whose (compressed) bytes are data. */
int ferry_avro_ocf_block(ferry_buf_t *out, int64_t count, const void *data, size_t len,
                         const unsigned char sync[FERRY_AVRO_SYNC_SIZE]);
/* Reads a header: *schema and *codec malloc'd (codec "null" when absent), *used the header's
 * size. -1 with a message when it is not an object container file. */
int ferry_avro_ocf_read_header(const void *data, size_t len, char **schema, char **codec,
                               unsigned char sync[FERRY_AVRO_SYNC_SIZE], size_t *used, char *errstr,
                               size_t errstr_size);

#endif
