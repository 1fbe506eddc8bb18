/* The Avro storage format (io.confluent.connect.s3.format.avro.AvroFormat and the HDFS
 * AvroFormat): an Avro object container file per file, its schema mapped from the first
 * record's Connect schema as Confluent's AvroData does (schemaless values as the
 * io.confluent.connect.avro.Anything record), codec avro.codec (null, deflate, snappy), ".avro".
 * Built on the shared Avro code (worker/connectors/shared/avro); called by the topic partition
 * writer. */
#include "storage_format.h"

#include "shared/avro/avro_data.h"
#include "shared/avro/avro_ocf.h"

#include <ferry/config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
        char *codec;
        ferry_avro_data_config_t data;
} avro_inst_t;

typedef struct {
        const avro_inst_t *inst;
        ferry_avro_schema_t *schema; /* NULL: schemaless (Anything) */
        ferry_avro_ocf_writer_t ocf;
} avro_writer_t;

static const char *const avro_classes[] = {
        "io.confluent.connect.s3.format.avro.AvroFormat",
        "io.confluent.connect.hdfs.avro.AvroFormat",
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

static int avro_configure(const ferry_strmap_t *config, void **inst, char *errstr, size_t errstr_size)
{
        const char *codec = ferry_strmap_get(config, "avro.codec");
        ferry_avro_codec_t c;
        if (!codec || !*codec)
                codec = "null";
        if (ferry_avro_codec_parse(codec, &c, errstr, errstr_size) != 0) {
                size_t l = strlen(errstr);
                char tmp[512];
                snprintf(tmp, sizeof tmp, "avro.codec: %.*s", (int)l, errstr);
                snprintf(errstr, errstr_size, "%s", tmp);
                return -1;
        }
        avro_inst_t *a = calloc(1, sizeof *a);
        if (!a || !(a->codec = strdup(codec))) {
                free(a);
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        a->data.connect_meta_data = bool_key(config, "connect.meta.data", true);
        a->data.enhanced_schema_support = bool_key(config, "enhanced.avro.schema.support", false);
        *inst = a;
        return 0;
}

static void avro_release(void *inst)
{
        avro_inst_t *a = inst;
        if (!a)
                return;
        free(a->codec);
        free(a);
}

static const char *avro_extension(const void *inst)
{
        (void)inst;
        return ".avro";
}

static int avro_open(const void *inst, ferry_buf_t *out, const ferry_schema_t *schema, void **writer,
                     char *errstr, size_t errstr_size)
{
        const avro_inst_t *a = inst;
        avro_writer_t *w = calloc(1, sizeof *w);
        if (!w) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        w->inst = a;
        ferry_avro_schema_t *s = schema ? ferry_avro_from_connect(&a->data, schema, errstr, errstr_size)
                                        : ferry_avro_anything();
        if (!s) {
                if (!*errstr)
                        snprintf(errstr, errstr_size, "out of memory");
                free(w);
                return -1;
        }
        ferry_buf_t json;
        ferry_buf_init(&json);
        if (ferry_avro_write_json(s, &json, errstr, errstr_size) != 0 ||
            ferry_avro_ocf_writer_init(&w->ocf, out, json.p, a->codec, -1, 0, 0, NULL, errstr, errstr_size) !=
                    0) {
                ferry_buf_free(&json);
                ferry_avro_schema_free(s);
                free(w);
                return -1;
        }
        ferry_buf_free(&json);
        if (schema)
                w->schema = s;
        else
                ferry_avro_schema_free(s);
        *writer = w;
        return 0;
}

static int avro_write(void *writer, const ferry_record_t *rec, const ferry_schema_t *schema,
                      const ferry_value_t *value, char *errstr, size_t errstr_size)
{
        avro_writer_t *w = writer;
        ferry_buf_t *b = ferry_avro_ocf_writer_record_buf(&w->ocf);
        size_t mark = b->len;
        int rc;
        if (w->schema) {
                if (!schema) {
                        snprintf(errstr, errstr_size, "a schemaless value in a file of schema'd values");
                        rc = -1;
                } else {
                        rc = ferry_avro_encode(ferry_avro_root(w->schema), schema, value, b, errstr,
                                               errstr_size);
                }
        } else {
                rc = ferry_avro_encode_anything(value, b, errstr, errstr_size);
        }
        if (rc != 0) {
                b->len = mark;
                size_t l = strlen(errstr);
                snprintf(errstr + l, errstr_size - l, " (%s-%d offset %lld)", rec->topic, (int)rec->partition,
                         (long long)rec->kafka_offset);
                return -1;
        }
        if (ferry_avro_ocf_writer_commit(&w->ocf) != 0) {
                snprintf(errstr, errstr_size, "avro: cannot write a block");
                return -1;
        }
        return 0;
}

static size_t avro_buffered(const void *writer)
{
        const avro_writer_t *w = writer;
        return w->ocf.block.cap + w->ocf.packed.cap;
}

static int avro_finish(void *writer, char *errstr, size_t errstr_size)
{
        avro_writer_t *w = writer;
        if (ferry_avro_ocf_writer_flush(&w->ocf) != 0) {
                snprintf(errstr, errstr_size, "avro: cannot write the last block");
                return -1;
        }
        return 0;
}

static void avro_free(void *writer)
{
        avro_writer_t *w = writer;
        if (!w)
                return;
        ferry_avro_ocf_writer_free(&w->ocf);
        ferry_avro_schema_free(w->schema);
        free(w);
}

const storage_format_t storage_format_avro = {
        .name = "avro",
        .classes = avro_classes,
        .configure = avro_configure,
        .release = avro_release,
        .extension = avro_extension,
        .open = avro_open,
        .write = avro_write,
        .buffered = avro_buffered,
        .finish = avro_finish,
        .free = avro_free,
};
