/* A Parquet file writer for the storage sinks (S3, HDFS: ParquetFormat). It takes Connect records
 * (ferry_schema_t + ferry_value_t, struct schemas) and writes a complete Parquet file into a byte
 * buffer: "PAR1", row groups of column chunks made of v1 data pages (PLAIN values, RLE/bit-packed
 * hybrid repetition and definition levels), each page compressed with the parquet.codec (none,
 * snappy, gzip, zstd), and the FileMetaData footer in Thrift's compact protocol.
 *
 * The Parquet schema is the one Confluent's ParquetFormat gets from Connect -> Avro (AvroData) ->
 * Parquet (parquet-avro's AvroSchemaConverter with its defaults): `message <record full name>`,
 * optional Connect fields OPTIONAL, strings BINARY (STRING), Date INT32 (DATE), Time INT32
 * (TIME(MILLIS,true)), Timestamp INT64 (TIMESTAMP(MILLIS,true)), Decimal BINARY (DECIMAL(p,s)),
 * int8/int16 plain INT32 (Avro has no narrower int), arrays in parquet-avro's old two-level list
 * layout (`<rep> group f (LIST) { repeated <element> array; }`), string-keyed maps as
 * `<rep> group f (MAP) { repeated group key_value (MAP_KEY_VALUE) { required binary key (STRING);
 * <value> } }`, maps with other keys as lists of key/value groups (AvroData's MapEntry arrays),
 * nested structs as groups. docs/connectors/parquet.md has the full table.
 *
 * Memory: the open row group is buffered (pages compressed as they fill); it is written to the
 * output when ferry_parquet_writer_buffered() reaches row_group_bytes. Bytes appended to the output
 * buffer are final: a caller may ship and reset it between records (the writer tracks the file
 * position itself). Links libsnappy, zlib and libzstd; built against the public SDK only. */
#ifndef FERRY_CONNECTORS_PARQUET_H
#define FERRY_CONNECTORS_PARQUET_H

#include <ferry/buf.h>
#include <ferry/data.h>

#include <stddef.h>
#include <stdint.h>

/* Compression codecs, numbered as parquet.thrift's CompressionCodec. */
typedef enum {
        FERRY_PARQUET_UNCOMPRESSED = 0,
        FERRY_PARQUET_SNAPPY = 1,
        FERRY_PARQUET_GZIP = 2,
        FERRY_PARQUET_ZSTD = 6,
} ferry_parquet_codec_t;

/* Confluent's parquet.codec values: "none" (also "uncompressed"), "snappy", "gzip", "zstd"; case
 * does not matter. -1 with a message naming the accepted values for anything else (lzo, brotli
 * and lz4 are parquet-mr codecs this build does not write). */
int ferry_parquet_codec_parse(const char *name, ferry_parquet_codec_t *codec, char *errstr,
                              size_t errstr_size);
const char *ferry_parquet_codec_name(ferry_parquet_codec_t codec); /* "none", "snappy", ... */
/* The file extension Confluent's ParquetFormat uses: ".parquet", ".snappy.parquet", ".gz.parquet",
 * ".zstd.parquet" (parquet-mr's CompressionCodecName extension + ".parquet"). */
const char *ferry_parquet_extension(ferry_parquet_codec_t codec);

#define FERRY_PARQUET_ROW_GROUP_BYTES (128u * 1024 * 1024) /* parquet-mr's parquet.block.size */
#define FERRY_PARQUET_PAGE_BYTES      (1024u * 1024)       /* parquet-mr's parquet.page.size */

typedef struct {
        const char *key;
        const char *value;
} ferry_parquet_kv_t;

typedef struct {
        ferry_parquet_codec_t codec;
        int level;              /* gzip 0..9 / zstd 1..22; -1: the codec's default (gzip 6, zstd 3) */
        size_t row_group_bytes; /* 0: FERRY_PARQUET_ROW_GROUP_BYTES */
        size_t page_bytes;      /* 0: FERRY_PARQUET_PAGE_BYTES */
        const char *created_by; /* NULL: "ferry version <VERSION>" */
        /* Lists in parquet-avro's three-level layout (write-old-list-structure=false:
         * `group f (LIST) { repeated group list { <rep> <t> element; } }`), which holds null
         * elements; Confluent's S3 ParquetFormat switches to it when the schema has an array of
         * optional items (ferry_parquet_has_optional_array_items). false: the two-level default. */
        bool three_level_lists;
        /* Footer key_value_metadata (copied), e.g. parquet.avro.schema; NULL/0 for none. */
        const ferry_parquet_kv_t *kv;
        size_t n_kv;
} ferry_parquet_options_t;

#define FERRY_PARQUET_OPTIONS_DEFAULT ((ferry_parquet_options_t){.codec = FERRY_PARQUET_SNAPPY, .level = -1})

/* Whether s has an array of optional items anywhere (struct fields, map values, array items). */
bool ferry_parquet_has_optional_array_items(const ferry_schema_t *s);

typedef struct ferry_parquet_writer ferry_parquet_writer_t;

/* Starts a file for records of schema (a STRUCT schema; a reference is kept) and appends the magic
 * to out. NULL with a message naming the field when the schema cannot be written as Parquet. */
ferry_parquet_writer_t *ferry_parquet_writer_new(const ferry_schema_t *schema,
                                                 const ferry_parquet_options_t *opt, ferry_buf_t *out,
                                                 char *errstr, size_t errstr_size);
/* Adds one record (a STRUCT value of the writer's schema). On a value that does not fit (a null in
 * a required field, a null array element, a FIXED of the wrong size, a type mismatch) returns -1
 * with a message naming the field path and leaves the file as it was before the call. May write a
 * full row group to out. */
int ferry_parquet_writer_write(ferry_parquet_writer_t *w, const ferry_value_t *record, char *errstr,
                               size_t errstr_size);
/* Bytes the writer holds in memory for the open row group (open pages and finished pages not yet
 * written to out). */
size_t ferry_parquet_writer_buffered(const ferry_parquet_writer_t *w);
/* Heap memory the writer holds (buffer capacities, levels, scratch space): what a memory budget
 * should count. At least ferry_parquet_writer_buffered(). */
size_t ferry_parquet_writer_memory(const ferry_parquet_writer_t *w);
/* Bytes of the file already appended to out (the file position). */
uint64_t ferry_parquet_writer_position(const ferry_parquet_writer_t *w);
int64_t ferry_parquet_writer_rows(const ferry_parquet_writer_t *w);       /* records written */
int64_t ferry_parquet_writer_row_groups(const ferry_parquet_writer_t *w); /* row groups written */
/* Writes the open row group to out now (nothing when it holds no records). */
int ferry_parquet_writer_flush(ferry_parquet_writer_t *w, char *errstr, size_t errstr_size);
/* Writes the open row group and the footer: the file in out is complete. The writer accepts no
 * more records (free it). */
int ferry_parquet_writer_close(ferry_parquet_writer_t *w, char *errstr, size_t errstr_size);
void ferry_parquet_writer_free(ferry_parquet_writer_t *w);
/* The Parquet schema in parquet-mr's MessageType.toString() form ("message name {\n  required
 * int64 id;\n...}\n"), appended to out. For logs, docs and tests. */
int ferry_parquet_writer_schema_text(const ferry_parquet_writer_t *w, ferry_buf_t *out);

#endif
