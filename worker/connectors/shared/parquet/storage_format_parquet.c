/* The Parquet storage format (io.confluent.connect.s3.format.parquet.ParquetFormat and
 * io.confluent.connect.hdfs.parquet.ParquetFormat) behind the storage-sink core's format vtable
 * (shared/storage/storage_format.h): one Parquet file per storage file, written by the shared
 * writer (parquet.h) with the parquet.codec (none, snappy, gzip, zstd; default snappy) and named
 * ".<codec>.parquet" as Confluent's S3 sink names them (".parquet" for the HDFS class). Like parquet-avro,
 * the footer carries the record's Avro schema (parquet.avro.schema, mapped by the shared AvroData code) and
 * writer.model.name=avro. A family that links this file (with the rest of shared/parquet) replaces the
 * storage core's weak stub. */
#include "shared/avro/avro_data.h"
#include "shared/avro/avro_schema.h"
#include "shared/parquet/parquet.h"
#include "shared/storage/storage_format.h"

#include <ferry/config.h>
#include <ferry/record.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
        ferry_parquet_codec_t codec;
        bool hdfs; /* the HDFS connector's ParquetFormat: ".parquet" names, old lists, 256 MiB row groups */
        ferry_avro_data_config_t data;
} parquet_inst_t;

static const char *const parquet_classes[] = {
        "io.confluent.connect.s3.format.parquet.ParquetFormat",
        "io.confluent.connect.hdfs.parquet.ParquetFormat",
        NULL,
};

static bool bool_key(const ferry_strmap_t *config, const char *key, bool def)
{
        const char *v = ferry_strmap_get(config, key);
        bool b = def;
        if (v && *v)
                ferry_parse_bool(v, &b);
        return b;
}

static int parquet_configure(const ferry_strmap_t *config, void **inst, char *errstr, size_t errstr_size)
{
        const char *name = ferry_strmap_get(config, "parquet.codec");
        ferry_parquet_codec_t codec;
        if (ferry_parquet_codec_parse(name && *name ? name : "snappy", &codec, errstr, errstr_size) != 0)
                return -1;
        parquet_inst_t *p = calloc(1, sizeof(*p));
        if (!p) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        p->codec = codec;
        const char *fc = ferry_strmap_get(config, "format.class"),
                   *cc = ferry_strmap_get(config, "connector.class");
        p->hdfs = (fc && strstr(fc, "connect.hdfs")) || (cc && strstr(cc, "connect.hdfs"));
        p->data.connect_meta_data = bool_key(config, "connect.meta.data", true);
        p->data.enhanced_schema_support = bool_key(config, "enhanced.avro.schema.support", false);
        *inst = p;
        return 0;
}

static void parquet_release(void *inst)
{
        free(inst);
}

static const char *parquet_extension(const void *inst)
{
        const parquet_inst_t *p = inst;
        /* The HDFS connector names its Parquet files ".parquet" whatever the codec. */
        if (p && p->hdfs)
                return ".parquet";
        return ferry_parquet_extension(p ? p->codec : FERRY_PARQUET_SNAPPY);
}

static int parquet_open(const void *inst, ferry_buf_t *out, const ferry_schema_t *schema, void **writer,
                        char *errstr, size_t errstr_size)
{
        const parquet_inst_t *p = inst;
        if (!schema) {
                snprintf(errstr, errstr_size,
                         "ParquetFormat writes records with a schema; this record is schemaless (use a "
                         "converter with schemas, e.g. AvroConverter or JsonConverter with "
                         "schemas.enable=true)");
                return -1;
        }
        /* parquet-avro's footer: the Avro schema of the records. */
        ferry_avro_schema_t *avro = ferry_avro_from_connect(&p->data, schema, errstr, errstr_size);
        if (!avro) {
                if (!*errstr)
                        snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        ferry_buf_t json;
        ferry_buf_init(&json);
        int rc = ferry_avro_write_json(avro, &json, errstr, errstr_size);
        ferry_avro_schema_free(avro);
        if (rc != 0) {
                ferry_buf_free(&json);
                return -1;
        }
        ferry_parquet_kv_t kv[] = {{"parquet.avro.schema", json.p}, {"writer.model.name", "avro"}};
        ferry_parquet_options_t opt = FERRY_PARQUET_OPTIONS_DEFAULT;
        opt.codec = p->codec;
        /* Confluent's ParquetRecordWriterProviders: 64 KiB pages; the HDFS one 256 MiB row groups;
         * the S3 one three-level lists when the schema has an array of optional items. */
        opt.page_bytes = 64 * 1024;
        opt.row_group_bytes = p->hdfs ? 256u * 1024 * 1024 : 0;
        opt.three_level_lists = !p->hdfs && ferry_parquet_has_optional_array_items(schema);
        opt.kv = kv;
        opt.n_kv = 2;
        ferry_parquet_writer_t *w = ferry_parquet_writer_new(schema, &opt, out, errstr, errstr_size);
        ferry_buf_free(&json);
        if (!w)
                return -1;
        *writer = w;
        return 0;
}

static int parquet_write(void *writer, const ferry_record_t *rec, const ferry_schema_t *schema,
                         const ferry_value_t *value, char *errstr, size_t errstr_size)
{
        (void)schema; /* the writer checks the value against the file's schema */
        if (ferry_parquet_writer_write(writer, value, errstr, errstr_size) == 0)
                return 0;
        if (rec) {
                size_t l = strlen(errstr);
                snprintf(errstr + l, errstr_size - l, " (%s-%d offset %lld)", rec->topic, (int)rec->partition,
                         (long long)rec->kafka_offset);
        }
        return -1;
}

static size_t parquet_buffered(const void *writer)
{
        return ferry_parquet_writer_memory(writer);
}

static int parquet_finish(void *writer, char *errstr, size_t errstr_size)
{
        return ferry_parquet_writer_close(writer, errstr, errstr_size);
}

static void parquet_free(void *writer)
{
        ferry_parquet_writer_free(writer);
}

const storage_format_t storage_format_parquet = {
        .name = "parquet",
        .classes = parquet_classes,
        .configure = parquet_configure,
        .release = parquet_release,
        .extension = parquet_extension,
        .open = parquet_open,
        .write = parquet_write,
        .buffered = parquet_buffered,
        .finish = parquet_finish,
        .free = parquet_free,
};
