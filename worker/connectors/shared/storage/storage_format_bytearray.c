/* The byte-oriented storage formats: ByteArrayFormat (io.confluent.connect.s3.format.bytearray,
 * each value's bytes as Connect's ByteArrayConverter gives them followed by
 * format.bytearray.separator, extension format.bytearray.extension, ".bin" by default, gzipped
 * with s3.compression.type=gzip) and HDFS's StringFormat (each value's text and a newline,
 * ".txt"). Called by the topic partition writer. */
#include "storage_format.h"

#include <ferry/text.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
        bool text; /* StringFormat */
        storage_compression_t compression;
        int level;
        char *extension;
        char *separator;
        size_t separator_len;
} bytes_inst_t;

typedef struct {
        const bytes_inst_t *inst;
        ferry_buf_t *out;
        ferry_buf_t tmp;
        storage_gzip_t *gz;
} bytes_writer_t;

static const char *const bytearray_classes[] = {"io.confluent.connect.s3.format.bytearray.ByteArrayFormat",
                                                NULL};
static const char *const string_classes[] = {"io.confluent.connect.hdfs.string.StringFormat", NULL};

/* Java string escapes (\n \r \t \\ \0 and \uXXXX below 0x80) as Confluent's separator allows. */
static char *unescape(const char *s, size_t *len)
{
        size_t n = strlen(s), o = 0;
        char *r = malloc(n + 1);
        if (!r)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                if (s[i] != '\\' || i + 1 == n) {
                        r[o++] = s[i];
                        continue;
                }
                char c = s[++i];
                switch (c) {
                case 'n':
                        r[o++] = '\n';
                        break;
                case 'r':
                        r[o++] = '\r';
                        break;
                case 't':
                        r[o++] = '\t';
                        break;
                case '0':
                        r[o++] = '\0';
                        break;
                case '\\':
                        r[o++] = '\\';
                        break;
                case 'u':
                        if (i + 4 < n) {
                                char hex[5] = {s[i + 1], s[i + 2], s[i + 3], s[i + 4], 0};
                                char *end;
                                long v = strtol(hex, &end, 16);
                                if (*end == '\0' && v >= 0 && v < 0x80) {
                                        r[o++] = (char)v;
                                        i += 4;
                                        break;
                                }
                        }
                        /* fallthrough */
                default:
                        r[o++] = '\\';
                        r[o++] = c;
                }
        }
        r[o] = '\0';
        *len = o;
        return r;
}

static int bytes_configure_common(bool text, const ferry_strmap_t *config, void **inst, char *errstr,
                                  size_t errstr_size)
{
        bytes_inst_t *b = calloc(1, sizeof *b);
        if (!b) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        b->text = text;
        if (!text &&
            storage_compression_parse(config, &b->compression, &b->level, errstr, errstr_size) != 0) {
                free(b);
                return -1;
        }
        const char *ext = text ? ".txt" : ferry_strmap_get(config, "format.bytearray.extension");
        const char *sep = text ? NULL : ferry_strmap_get(config, "format.bytearray.separator");
        if (!ext)
                ext = ".bin";
        char *e = NULL;
        if (b->compression == STORAGE_COMPRESSION_GZIP) {
                size_t l = strlen(ext) + 4;
                if ((e = malloc(l)))
                        snprintf(e, l, "%s.gz", ext);
        } else {
                e = strdup(ext);
        }
        b->extension = e;
        b->separator = unescape(sep ? sep : "\n", &b->separator_len);
        if (!b->extension || !b->separator) {
                free(b->extension);
                free(b->separator);
                free(b);
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        *inst = b;
        return 0;
}

static int bytearray_configure(const ferry_strmap_t *config, void **inst, char *errstr, size_t errstr_size)
{
        return bytes_configure_common(false, config, inst, errstr, errstr_size);
}

static int string_configure(const ferry_strmap_t *config, void **inst, char *errstr, size_t errstr_size)
{
        return bytes_configure_common(true, config, inst, errstr, errstr_size);
}

static void bytes_release(void *inst)
{
        bytes_inst_t *b = inst;
        if (!b)
                return;
        free(b->extension);
        free(b->separator);
        free(b);
}

static const char *bytes_extension(const void *inst)
{
        return ((const bytes_inst_t *)inst)->extension;
}

static int bytes_open(const void *inst, ferry_buf_t *out, const ferry_schema_t *schema, void **writer,
                      char *errstr, size_t errstr_size)
{
        (void)schema;
        const bytes_inst_t *b = inst;
        bytes_writer_t *w = calloc(1, sizeof *w);
        if (!w) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        w->inst = b;
        w->out = out;
        ferry_buf_init(&w->tmp);
        if (b->compression == STORAGE_COMPRESSION_GZIP && !(w->gz = storage_gzip_new(out, b->level))) {
                free(w);
                snprintf(errstr, errstr_size, "gzip: cannot start a stream");
                return -1;
        }
        *writer = w;
        return 0;
}

static int emit(bytes_writer_t *w, const void *p, size_t n)
{
        if (w->gz)
                return storage_gzip_write(w->gz, p, n);
        return ferry_buf_append(w->out, p, n);
}

static int bytes_write(void *writer, const ferry_record_t *rec, const ferry_schema_t *schema,
                       const ferry_value_t *value, char *errstr, size_t errstr_size)
{
        bytes_writer_t *w = writer;
        const void *p = "";
        size_t n = 0;
        if (w->inst->text) {
                ferry_buf_reset(&w->tmp);
                if (value && ferry_value_text(&w->tmp, schema, value) != 0) {
                        snprintf(errstr, errstr_size, "out of memory");
                        return -1;
                }
                if (!value)
                        ferry_buf_puts(&w->tmp, "null");
                p = w->tmp.p;
                n = w->tmp.len;
        } else if (value) {
                if ((schema && schema->type != FERRY_TYPE_BYTES) || value->type != FERRY_TYPE_BYTES) {
                        snprintf(errstr, errstr_size,
                                 "ByteArrayFormat needs BYTES values (ByteArrayConverter), got %s (%s-%d "
                                 "offset %lld)",
                                 ferry_type_name(schema ? schema->type : value->type), rec->topic,
                                 (int)rec->partition, (long long)rec->kafka_offset);
                        return -1;
                }
                p = value->u.s.data;
                n = value->u.s.len;
        }
        const char *sep = w->inst->text ? "\n" : w->inst->separator;
        size_t sep_len = w->inst->text ? 1 : w->inst->separator_len;
        if (emit(w, p, n) != 0 || emit(w, sep, sep_len) != 0) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        return 0;
}

static size_t bytes_buffered(const void *writer)
{
        const bytes_writer_t *w = writer;
        return w->gz ? storage_gzip_buffered(w->gz) : 0;
}

static int bytes_finish(void *writer, char *errstr, size_t errstr_size)
{
        bytes_writer_t *w = writer;
        if (w->gz && storage_gzip_finish(w->gz) != 0) {
                snprintf(errstr, errstr_size, "gzip: compression failed");
                return -1;
        }
        return 0;
}

static void bytes_free(void *writer)
{
        bytes_writer_t *w = writer;
        if (!w)
                return;
        storage_gzip_free(w->gz);
        ferry_buf_free(&w->tmp);
        free(w);
}

const storage_format_t storage_format_bytearray = {
        .name = "bytearray",
        .classes = bytearray_classes,
        .configure = bytearray_configure,
        .release = bytes_release,
        .extension = bytes_extension,
        .open = bytes_open,
        .write = bytes_write,
        .buffered = bytes_buffered,
        .finish = bytes_finish,
        .free = bytes_free,
};

const storage_format_t storage_format_string = {
        .name = "string",
        .classes = string_classes,
        .configure = string_configure,
        .release = bytes_release,
        .extension = bytes_extension,
        .open = bytes_open,
        .write = bytes_write,
        .buffered = bytes_buffered,
        .finish = bytes_finish,
        .free = bytes_free,
};
