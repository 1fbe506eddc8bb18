/* The storage-sink format table (Confluent class name -> format vtable) and what byte-oriented
 * formats share: s3.compression.type parsing, a gzip stream over the file buffer, and the
 * headers view of a record for store.kafka.headers files. Sits between the topic partition
 * writer (storage_writer.c) and the formats (storage_format_*.c). */
#include "storage_format.h"

#include <ferry/json.h>
#include <ferry/text.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

static const char *const all_classes[] = {
        "io.confluent.connect.s3.format.json.JsonFormat",
        "io.confluent.connect.s3.format.avro.AvroFormat",
        "io.confluent.connect.s3.format.bytearray.ByteArrayFormat",
        "io.confluent.connect.s3.format.parquet.ParquetFormat",
        "io.confluent.connect.hdfs.json.JsonFormat",
        "io.confluent.connect.hdfs.avro.AvroFormat",
        "io.confluent.connect.hdfs.parquet.ParquetFormat",
        "io.confluent.connect.hdfs.string.StringFormat",
        NULL,
};

const storage_format_t *storage_format_find(const char *class_name)
{
        const storage_format_t *const formats[] = {
                &storage_format_json,    &storage_format_avro,   &storage_format_bytearray,
                &storage_format_parquet, &storage_format_string,
        };
        if (!class_name)
                return NULL;
        for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
                for (const char *const *c = formats[i]->classes; c && *c; c++)
                        if (strcmp(*c, class_name) == 0)
                                return formats[i];
        return NULL;
}

const char *const *storage_format_class_names(void)
{
        return all_classes;
}

int storage_compression_parse(const ferry_strmap_t *config, storage_compression_t *type, int *level,
                              char *errstr, size_t errstr_size)
{
        const char *t = ferry_strmap_get(config, "s3.compression.type");
        const char *l = ferry_strmap_get(config, "s3.compression.level");
        *type = STORAGE_COMPRESSION_NONE;
        *level = -1;
        if (t && *t && strcasecmp(t, "none") != 0) {
                if (strcasecmp(t, "gzip") != 0) {
                        snprintf(errstr, errstr_size,
                                 "s3.compression.type: \"%s\" is not a supported compression (none, gzip)",
                                 t);
                        return -1;
                }
                *type = STORAGE_COMPRESSION_GZIP;
        }
        if (l && *l) {
                int64_t v;
                if (ferry_parse_int64(l, &v) != 0 || v < -1 || v > 9) {
                        snprintf(errstr, errstr_size, "s3.compression.level: \"%s\" is not in -1..9", l);
                        return -1;
                }
                *level = (int)v;
        }
        return 0;
}

/* ---- gzip ---- */
struct storage_gzip {
        z_stream z;
        ferry_buf_t *out;
        size_t pending; /* bytes fed since the last output, an estimate of what zlib holds */
};

storage_gzip_t *storage_gzip_new(ferry_buf_t *out, int level)
{
        storage_gzip_t *g = calloc(1, sizeof *g);
        if (!g)
                return NULL;
        g->out = out;
        if (deflateInit2(&g->z, level < 0 ? Z_DEFAULT_COMPRESSION : level, Z_DEFLATED, 15 + 16, 8,
                         Z_DEFAULT_STRATEGY) != Z_OK) {
                free(g);
                return NULL;
        }
        return g;
}

static int gz_run(storage_gzip_t *g, const void *p, size_t n, int flush)
{
        g->z.next_in = (Bytef *)(uintptr_t)p;
        g->z.avail_in = (uInt)n;
        for (;;) {
                if (ferry_buf_reserve(g->out, 64 * 1024) != 0)
                        return -1;
                size_t room = g->out->cap - g->out->len - 1;
                g->z.next_out = (Bytef *)g->out->p + g->out->len;
                g->z.avail_out = (uInt)room;
                int rc = deflate(&g->z, flush);
                size_t made = room - g->z.avail_out;
                g->out->len += made;
                g->out->p[g->out->len] = '\0';
                if (made)
                        g->pending = 0;
                if (rc == Z_STREAM_END)
                        return 0;
                if (rc != Z_OK && rc != Z_BUF_ERROR)
                        return -1;
                if (g->z.avail_in == 0 && g->z.avail_out != 0)
                        return 0;
        }
}

int storage_gzip_write(storage_gzip_t *g, const void *p, size_t n)
{
        while (n > 0) {
                size_t step = n > (1u << 30) ? (1u << 30) : n;
                if (gz_run(g, p, step, Z_NO_FLUSH) != 0)
                        return -1;
                g->pending += step;
                p = (const char *)p + step;
                n -= step;
        }
        return 0;
}

int storage_gzip_finish(storage_gzip_t *g)
{
        return gz_run(g, NULL, 0, Z_FINISH);
}

size_t storage_gzip_buffered(const storage_gzip_t *g)
{
        /* zlib's window and hash tables (~256 KiB at level 6) plus input not yet emitted. */
        return 256 * 1024 + g->pending;
}

void storage_gzip_free(storage_gzip_t *g)
{
        if (!g)
                return;
        deflateEnd(&g->z);
        free(g);
}

/* ---- key view ---- */
int storage_key_view(const ferry_record_t *rec, ferry_schema_t **schema, ferry_value_t **value, char *errstr,
                     size_t errstr_size)
{
        *schema = ferry_schema_struct("RecordKey");
        *value = NULL;
        if (*schema && ferry_schema_add_field(*schema, "key", ferry_schema_ref(rec->key_schema)) == 0 &&
            (*value = ferry_value_struct(*schema)) &&
            ferry_struct_put(*value, "key", rec->key ? ferry_value_copy(rec->key) : NULL) == 0)
                return 0;
        ferry_value_free(*value);
        if (*schema)
                ferry_schema_unref(*schema);
        *schema = NULL;
        *value = NULL;
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
}

/* ---- headers view ---- */
/* Confluent's HeaderRecordView schema: an array of {key: string, value: string} structs, in a
 * "RecordHeaders" struct's "headers" field when enveloped. Each call takes ownership. */
static ferry_schema_t *headers_schema(bool envelope)
{
        ferry_schema_t *one = ferry_schema_struct(NULL);
        if (!one || ferry_schema_add_field(one, "key", ferry_schema_new(FERRY_TYPE_STRING)) != 0 ||
            ferry_schema_add_field(one, "value", ferry_schema_new(FERRY_TYPE_STRING)) != 0) {
                if (one)
                        ferry_schema_unref(one);
                return NULL;
        }
        ferry_schema_t *arr = ferry_schema_array(one);
        if (!arr || !envelope)
                return arr;
        ferry_schema_t *env = ferry_schema_struct("RecordHeaders");
        if (!env) {
                ferry_schema_unref(arr);
                return NULL;
        }
        if (ferry_schema_add_field(env, "headers", arr) != 0) {
                ferry_schema_unref(env);
                return NULL;
        }
        return env;
}

int storage_headers_view(const ferry_record_t *rec, bool envelope, ferry_schema_t **schema,
                         ferry_value_t **value, char *errstr, size_t errstr_size)
{
        *schema = NULL;
        *value = NULL;
        if (rec->n_headers == 0) {
                snprintf(errstr, errstr_size,
                         "Headers cannot be null for SinkRecord %s-%d offset %lld (store.kafka.headers)",
                         rec->topic, (int)rec->partition, (long long)rec->kafka_offset);
                return -2;
        }
        for (size_t i = 0; i < rec->n_headers; i++)
                if (!rec->headers[i].value) {
                        snprintf(errstr, errstr_size,
                                 "Header \"%s\" of SinkRecord %s-%d offset %lld is null: a headers file "
                                 "holds only non-null values (store.kafka.headers)",
                                 rec->headers[i].key, rec->topic, (int)rec->partition,
                                 (long long)rec->kafka_offset);
                        return -2;
                }
        ferry_schema_t *s = headers_schema(envelope);
        if (!s)
                goto oom;
        const ferry_schema_t *arr_s = envelope ? s->fields[0].schema : s;
        ferry_value_t *arr = ferry_value_array();
        if (!arr) {
                ferry_schema_unref(s);
                goto oom;
        }
        ferry_buf_t text;
        ferry_buf_init(&text);
        for (size_t i = 0; i < rec->n_headers; i++) {
                const ferry_header_t *h = &rec->headers[i];
                ferry_buf_reset(&text);
                ferry_value_t *one = ferry_value_struct(arr_s->items);
                bool ok = one && ferry_values_string(&text, h->schema, h->value) >= 0 &&
                          ferry_struct_put_string(one, "key", h->key) == 0 &&
                          ferry_struct_put(one, "value",
                                           ferry_value_string(text.p ? text.p : "", text.len)) == 0;
                if (!ok)
                        ferry_value_free(one);
                if (!ok || ferry_array_append(arr, one) != 0) {
                        ferry_value_free(arr);
                        ferry_buf_free(&text);
                        ferry_schema_unref(s);
                        goto oom;
                }
        }
        ferry_buf_free(&text);
        if (envelope) {
                ferry_value_t *env = ferry_value_struct(s);
                if (!env) {
                        ferry_value_free(arr);
                        ferry_schema_unref(s);
                        goto oom;
                }
                if (ferry_struct_put(env, "headers", arr) != 0) {
                        ferry_value_free(env);
                        ferry_schema_unref(s);
                        goto oom;
                }
                arr = env;
        }
        *schema = s;
        *value = arr;
        return 0;
oom:
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
}
