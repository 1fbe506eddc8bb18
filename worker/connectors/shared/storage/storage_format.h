/* Storage-sink formats: how the records of one file become its bytes (Confluent's Format /
 * RecordWriterProvider / RecordWriter). Shared by every storage sink (S3, HDFS, ...); knows
 * nothing about where the bytes go.
 *
 * A format is a vtable (storage_format_t) found by Confluent class name in a table
 * (storage_format_find). Its life cycle:
 *     configure(config)  -> a format instance (reads its own keys: avro.codec, parquet.codec,
 *                           format.bytearray.*, s3.compression.type/level, ...)
 *     extension(inst)    -> ".json", ".json.gz", ".avro", ".bin", ".snappy.parquet", ...
 *     open(inst, out)    -> a writer for one file
 *     write(w, rec, schema, value) ... one call per record, in offset order
 *     finish(w)          -> the rest of the file (trailer, footer, gzip end) appended to out
 *     free(w)
 * Output: a writer appends the file's bytes to `out` (a ferry_buf_t owned by the caller). The
 * caller may take bytes away between calls (consume from the front and ferry_buf_reset) to
 * upload them as chunks, so a writer never reads `out` back and keeps its own byte count when it
 * needs file offsets (Parquet's footer does). buffered() reports the memory a writer holds beside
 * `out` (an open Avro block, a Parquet row group, zlib's window), for rotation and memory budgets.
 *
 * The value written is a "view" of the record chosen by the caller: the value (the data file), the
 * key (store.kafka.keys, ".keys" files) or the headers (store.kafka.headers, ".headers" files,
 * see storage_headers_view). A format sees a schema (NULL: schemaless) and a value (NULL: null).
 * Formats are stateless between files; instances are read-only after configure() and may be
 * shared by the writers of one task. */
#ifndef FERRY_CONNECTORS_STORAGE_FORMAT_H
#define FERRY_CONNECTORS_STORAGE_FORMAT_H

#include <ferry/buf.h>
#include <ferry/data.h>
#include <ferry/record.h>
#include <ferry/strmap.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct storage_format storage_format_t;

struct storage_format {
        const char *name; /* short name: "json", "avro", "bytearray", "parquet", "string" */
        /* Confluent class names this format answers to, NULL-terminated. */
        const char *const *classes;
        /* Reads the format's own keys from the connector config (the whole map; keys it does not
         * know are ignored) into *inst. -1 with a message naming the key on a bad value. */
        int (*configure)(const ferry_strmap_t *config, void **inst, char *errstr, size_t errstr_size);
        void (*release)(void *inst); /* frees what configure() made; NULL-safe */
        /* The file name extension, with its dot, for the instance's codec/compression (".json.gz"
         * for JSON with s3.compression.type=gzip; ".snappy.parquet" for Parquet with snappy). The
         * string lives as long as inst. */
        const char *(*extension)(const void *inst);
        /* Opens a writer for one file whose bytes go to out. schema is the schema of the file's
         * first record (NULL: schemaless); formats that need one (Avro, Parquet) fail without it
         * with a message saying so. */
        int (*open)(const void *inst, ferry_buf_t *out, const ferry_schema_t *schema, void **writer,
                    char *errstr, size_t errstr_size);
        /* Writes one record's view (schema may differ from open()'s only in ways the caller's
         * schema-change rotation allowed; a format may still refuse). rec is the whole record,
         * for error messages and formats that need its topic/offset. -1 with a message. */
        int (*write)(void *writer, const ferry_record_t *rec, const ferry_schema_t *schema,
                     const ferry_value_t *value, char *errstr, size_t errstr_size);
        /* Bytes held by the writer outside out (0 when it holds none). */
        size_t (*buffered)(const void *writer);
        /* Appends everything the writer still holds and the file's end to out. -1 with a message. */
        int (*finish)(void *writer, char *errstr, size_t errstr_size);
        void (*free)(void *writer); /* NULL-safe; after finish() or to abandon the file */
};

/* ---- the table of formats ---- */
/* The format registered under a Confluent class name (exact match), NULL when none. Known names:
 *   io.confluent.connect.s3.format.json.JsonFormat           io.confluent.connect.hdfs.json.JsonFormat
 *   io.confluent.connect.s3.format.avro.AvroFormat           io.confluent.connect.hdfs.avro.AvroFormat
 *   io.confluent.connect.s3.format.bytearray.ByteArrayFormat io.confluent.connect.hdfs.string.StringFormat
 *   io.confluent.connect.s3.format.parquet.ParquetFormat     io.confluent.connect.hdfs.parquet.ParquetFormat
 * The Parquet class names resolve only when storage_format_parquet is linked in (see below). */
const storage_format_t *storage_format_find(const char *class_name);
/* Every class name in the table, NULL-terminated (for config validation and docs). */
const char *const *storage_format_class_names(void);

/* The built-in formats (storage_format_json.c, _avro.c, _bytearray.c, _string.c). */
extern const storage_format_t storage_format_json;
extern const storage_format_t storage_format_avro;
extern const storage_format_t storage_format_bytearray;
extern const storage_format_t storage_format_string;
/* The Parquet format, defined in storage_format_parquet.c. Until that file exists,
 * storage_format_parquet_stub.c defines it as a weak symbol whose open() fails with "Parquet
 * format is not built in"; the Parquet writer replaces that file. Answers to both Parquet class
 * names; its configure() reads parquet.codec (none/snappy/gzip/zstd, default snappy) and its
 * extension is ".<codec>.parquet" (".parquet" for none), as Confluent names the files. */
extern const storage_format_t storage_format_parquet;

/* ---- helpers for formats and sinks ---- */
/* The compression of byte-oriented formats (JSON, ByteArray): s3.compression.type
 * none|gzip and s3.compression.level (-1 default .. 9). */
typedef enum {
        STORAGE_COMPRESSION_NONE,
        STORAGE_COMPRESSION_GZIP,
} storage_compression_t;

/* Reads s3.compression.type and s3.compression.level from config. -1 with a message naming the key. */
int storage_compression_parse(const ferry_strmap_t *config, storage_compression_t *type, int *level,
                              char *errstr, size_t errstr_size);

/* A gzip stream over out (RFC 1952 through zlib), for formats that compress whole files. */
typedef struct storage_gzip storage_gzip_t;
storage_gzip_t *storage_gzip_new(ferry_buf_t *out, int level);
int storage_gzip_write(storage_gzip_t *z, const void *p, size_t n);
int storage_gzip_finish(storage_gzip_t *z); /* writes the trailer to out */
size_t storage_gzip_buffered(const storage_gzip_t *z);
void storage_gzip_free(storage_gzip_t *z);

/* Confluent's KeyRecordView enveloped, as its ParquetFormat writes keys files: a "RecordKey"
 * struct whose "key" field holds the key (with the key's schema, which must be set). The caller
 * unrefs *schema and frees *value; -1 (out of memory) with a message. */
int storage_key_view(const ferry_record_t *rec, ferry_schema_t **schema, ferry_value_t **value, char *errstr,
                     size_t errstr_size);
/* The headers view of a record, as Confluent's HeaderRecordView builds it for ".headers" files:
 * *schema an ARRAY of {key: STRING, value: STRING} structs, one per header in record order, each
 * value the header's text (Connect's Values.convertToString); enveloped (JSON and Parquet files)
 * a "RecordHeaders" struct whose "headers" field holds that array. Both new (caller frees /
 * unrefs). -2 (errstr) when the record has no headers or a null one, which Confluent refuses as
 * well (a DataException), -1 when out of memory. */
int storage_headers_view(const ferry_record_t *rec, bool envelope, ferry_schema_t **schema,
                         ferry_value_t **value, char *errstr, size_t errstr_size);

#endif
