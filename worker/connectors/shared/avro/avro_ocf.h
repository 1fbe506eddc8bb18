/* Avro object container files (the Avro specification's "Object Container Files"): the header
 * (magic "Obj\1", metadata map with avro.schema and avro.codec, a 16-byte sync marker) and data
 * blocks (record count, byte size, the encoded records, the sync marker). For the storage sinks
 * that write .avro files: a writer that frames records into blocks and compresses each with the
 * codec named as Avro and Confluent's avro.codec name it ("null"; "deflate": raw RFC 1951 through
 * zlib, with a level; "snappy": libsnappy plus the big-endian CRC-32 of the uncompressed block),
 * and a block reader that undoes it. Links zlib and libsnappy; built against the public SDK only. */
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

/* ---- codecs ---- */
typedef enum {
        FERRY_AVRO_CODEC_NULL,
        FERRY_AVRO_CODEC_DEFLATE,
        FERRY_AVRO_CODEC_SNAPPY,
} ferry_avro_codec_t;

/* The codec called name ("null", "deflate", "snappy"; NULL or "" is "null"). -1 with a message
 * for any other name (bzip2, xz and zstandard are Avro codecs this build does not write). */
int ferry_avro_codec_parse(const char *name, ferry_avro_codec_t *codec, char *errstr, size_t errstr_size);
const char *ferry_avro_codec_name(ferry_avro_codec_t codec);
/* Appends data compressed with codec to out; level (deflate only): -1 for zlib's default, else
 * 0..9. */
int ferry_avro_codec_compress(ferry_avro_codec_t codec, int level, const void *data, size_t len,
                              ferry_buf_t *out);
/* Appends data decompressed with codec to out; -1 with a message on corrupt input (for snappy,
 * also a CRC-32 that does not match). */
int ferry_avro_codec_decompress(ferry_avro_codec_t codec, const void *data, size_t len, ferry_buf_t *out,
                                char *errstr, size_t errstr_size);

/* ---- writer ---- */
#define FERRY_AVRO_OCF_BLOCK_BYTES (64 * 1024) /* Avro's default sync interval */

typedef struct {
        ferry_buf_t *out; /* the file's bytes are appended here */
        ferry_avro_codec_t codec;
        int level;
        unsigned char sync[FERRY_AVRO_SYNC_SIZE];
        ferry_buf_t block; /* uncompressed records of the open block */
        ferry_buf_t packed;
        int64_t count;           /* records in the open block */
        size_t flush_bytes;      /* a block is written once it holds this many bytes ... */
        int64_t flush_count;     /* ... or this many records (0: no count limit) */
        int64_t records, blocks; /* totals written so far */
} ferry_avro_ocf_writer_t;

/* Starts a file in out: writes the header (schema_json, the codec called codec_name, a random
 * sync marker, or sync when not NULL). level: deflate level, -1 for the default. flush_bytes 0
 * means FERRY_AVRO_OCF_BLOCK_BYTES. -1 with a message on an unknown codec or level. */
int ferry_avro_ocf_writer_init(ferry_avro_ocf_writer_t *w, ferry_buf_t *out, const char *schema_json,
                               const char *codec_name, int level, size_t flush_bytes, int64_t flush_count,
                               const unsigned char *sync, char *errstr, size_t errstr_size);
/* The buffer the next record's encoding goes into (ferry_avro_encode(..., buf, ...)); then call
 * ferry_avro_ocf_writer_commit. */
ferry_buf_t *ferry_avro_ocf_writer_record_buf(ferry_avro_ocf_writer_t *w);
/* Counts the record just encoded into the record buffer; writes the block when it is full. */
int ferry_avro_ocf_writer_commit(ferry_avro_ocf_writer_t *w);
/* Appends one already-encoded record (a copy, then commit). */
int ferry_avro_ocf_writer_append(ferry_avro_ocf_writer_t *w, const void *datum, size_t len);
/* Writes the open block, if it holds any records (call before closing the file). */
int ferry_avro_ocf_writer_flush(ferry_avro_ocf_writer_t *w);
void ferry_avro_ocf_writer_free(ferry_avro_ocf_writer_t *w); /* out is the caller's */

/* ---- reader ---- */
/* Reads the block at data (after the header or a previous block): *count records, their
 * decompressed bytes appended to out, *used the block's size with its sync marker, which must
 * equal sync. -1 with a message when malformed. */
int ferry_avro_ocf_read_block(const void *data, size_t len, ferry_avro_codec_t codec,
                              const unsigned char sync[FERRY_AVRO_SYNC_SIZE], int64_t *count,
                              ferry_buf_t *out, size_t *used, char *errstr, size_t errstr_size);

#endif
