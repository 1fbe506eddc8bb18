/* The JSON storage format (io.confluent.connect.s3.format.json.JsonFormat and the HDFS
 * JsonFormat): one JSON value per line, as Connect's JsonConverter writes a value with
 * schemas.enable=false (structs as objects in field order, bytes and Decimals as Base64, logical
 * dates and times as their integers, maps with non-string keys as [key, value] pairs), ".json",
 * or gzipped ".json.gz" with s3.compression.type=gzip. Called by the topic partition writer. */
#include "storage_format.h"

#include <ferry/json.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
        storage_compression_t compression;
        int level;
} json_inst_t;

typedef struct {
        const json_inst_t *inst;
        ferry_buf_t *out;
        ferry_buf_t line;
        storage_gzip_t *gz;
} json_writer_t;

static const char *const json_classes[] = {
        "io.confluent.connect.s3.format.json.JsonFormat",
        "io.confluent.connect.hdfs.json.JsonFormat",
        NULL,
};

static int json_configure(const ferry_strmap_t *config, void **inst, char *errstr, size_t errstr_size)
{
        json_inst_t *j = calloc(1, sizeof *j);
        if (!j) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        if (storage_compression_parse(config, &j->compression, &j->level, errstr, errstr_size) != 0) {
                free(j);
                return -1;
        }
        *inst = j;
        return 0;
}

static void json_release(void *inst)
{
        free(inst);
}

static const char *json_extension(const void *inst)
{
        const json_inst_t *j = inst;
        return j->compression == STORAGE_COMPRESSION_GZIP ? ".json.gz" : ".json";
}

static int put_value(ferry_buf_t *b, const ferry_schema_t *s, const ferry_value_t *v, char *errstr,
                     size_t errstr_size);

static int put_map(ferry_buf_t *b, const ferry_schema_t *s, const ferry_value_t *v, char *errstr,
                   size_t errstr_size)
{
        bool string_keys = s->keys && s->keys->type == FERRY_TYPE_STRING;
        int rc = ferry_buf_putc(b, string_keys ? '{' : '[');
        for (size_t i = 0; rc == 0 && i < v->u.m.n; i++) {
                if (i)
                        rc |= ferry_buf_putc(b, ',');
                if (string_keys) {
                        const ferry_value_t *k = v->u.m.keys[i];
                        rc |= ferry_json_put_string(b, k ? k->u.s.data : "", k ? k->u.s.len : 0);
                        rc |= ferry_buf_putc(b, ':');
                } else {
                        rc |= ferry_buf_putc(b, '[');
                        rc |= put_value(b, s->keys, v->u.m.keys[i], errstr, errstr_size);
                        rc |= ferry_buf_putc(b, ',');
                }
                rc |= put_value(b, s->items, v->u.m.vals[i], errstr, errstr_size);
                if (!string_keys)
                        rc |= ferry_buf_putc(b, ']');
        }
        return rc | ferry_buf_putc(b, string_keys ? '}' : ']');
}

static int put_value(ferry_buf_t *b, const ferry_schema_t *s, const ferry_value_t *v, char *errstr,
                     size_t errstr_size)
{
        if (!s)
                return ferry_json_put_value(b, v, errstr, errstr_size);
        if (!v) {
                if (s->default_value)
                        return put_value(b, s, s->default_value, errstr, errstr_size);
                return ferry_buf_puts(b, "null");
        }
        switch (s->type) {
        case FERRY_TYPE_INT8:
        case FERRY_TYPE_INT16:
        case FERRY_TYPE_INT32:
        case FERRY_TYPE_INT64:
                return ferry_json_put_int(b, v->u.i);
        case FERRY_TYPE_FLOAT32:
        case FERRY_TYPE_FLOAT64:
                return ferry_json_put_double(b, v->u.f, s->type == FERRY_TYPE_FLOAT32);
        case FERRY_TYPE_BOOLEAN:
                return ferry_buf_puts(b, v->u.b ? "true" : "false");
        case FERRY_TYPE_STRING:
                return ferry_json_put_string(b, v->u.s.data, v->u.s.len);
        case FERRY_TYPE_BYTES:
                return ferry_json_put_base64(b, v->u.s.data, v->u.s.len);
        case FERRY_TYPE_ARRAY: {
                int rc = ferry_buf_putc(b, '[');
                for (size_t i = 0; rc == 0 && i < v->u.a.n; i++) {
                        if (i)
                                rc |= ferry_buf_putc(b, ',');
                        rc |= put_value(b, s->items, v->u.a.items[i], errstr, errstr_size);
                }
                return rc | ferry_buf_putc(b, ']');
        }
        case FERRY_TYPE_MAP:
                return put_map(b, s, v, errstr, errstr_size);
        case FERRY_TYPE_STRUCT: {
                int rc = ferry_buf_putc(b, '{');
                for (size_t i = 0; rc == 0 && i < s->n_fields; i++) {
                        if (i)
                                rc |= ferry_buf_putc(b, ',');
                        rc |= ferry_json_put_string(b, s->fields[i].name, strlen(s->fields[i].name));
                        rc |= ferry_buf_putc(b, ':');
                        rc |= put_value(b, s->fields[i].schema, v->u.st.fields[i], errstr, errstr_size);
                }
                return rc | ferry_buf_putc(b, '}');
        }
        }
        snprintf(errstr, errstr_size, "unsupported schema type");
        return -1;
}

static int json_open(const void *inst, ferry_buf_t *out, const ferry_schema_t *schema, void **writer,
                     char *errstr, size_t errstr_size)
{
        (void)schema;
        const json_inst_t *j = inst;
        json_writer_t *w = calloc(1, sizeof *w);
        if (!w) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        w->inst = j;
        w->out = out;
        ferry_buf_init(&w->line);
        if (j->compression == STORAGE_COMPRESSION_GZIP && !(w->gz = storage_gzip_new(out, j->level))) {
                free(w);
                snprintf(errstr, errstr_size, "gzip: cannot start a stream");
                return -1;
        }
        *writer = w;
        return 0;
}

static int json_write(void *writer, const ferry_record_t *rec, const ferry_schema_t *schema,
                      const ferry_value_t *value, char *errstr, size_t errstr_size)
{
        json_writer_t *w = writer;
        ferry_buf_t *b = w->gz ? &w->line : w->out;
        size_t mark = b->len;
        if (put_value(b, schema, value, errstr, errstr_size) != 0 || ferry_buf_putc(b, '\n') != 0) {
                b->len = mark;
                if (b->p)
                        b->p[mark] = '\0';
                if (!*errstr)
                        snprintf(errstr, errstr_size, "out of memory");
                size_t l = strlen(errstr);
                snprintf(errstr + l, errstr_size - l, " (%s-%d offset %lld)", rec->topic, (int)rec->partition,
                         (long long)rec->kafka_offset);
                return -1;
        }
        if (w->gz) {
                int rc = storage_gzip_write(w->gz, w->line.p, w->line.len);
                ferry_buf_reset(&w->line);
                if (rc != 0) {
                        snprintf(errstr, errstr_size, "gzip: compression failed");
                        return -1;
                }
        }
        return 0;
}

static size_t json_buffered(const void *writer)
{
        const json_writer_t *w = writer;
        return w->gz ? storage_gzip_buffered(w->gz) : 0;
}

static int json_finish(void *writer, char *errstr, size_t errstr_size)
{
        json_writer_t *w = writer;
        if (w->gz && storage_gzip_finish(w->gz) != 0) {
                snprintf(errstr, errstr_size, "gzip: compression failed");
                return -1;
        }
        return 0;
}

static void json_free(void *writer)
{
        json_writer_t *w = writer;
        if (!w)
                return;
        storage_gzip_free(w->gz);
        ferry_buf_free(&w->line);
        free(w);
}

const storage_format_t storage_format_json = {
        .name = "json",
        .classes = json_classes,
        .configure = json_configure,
        .release = json_release,
        .extension = json_extension,
        .open = json_open,
        .write = json_write,
        .buffered = json_buffered,
        .finish = json_finish,
        .free = json_free,
};
