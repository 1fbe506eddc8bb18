/* Avro binary encoding primitives (zigzag varints, IEEE floats little-endian, length-prefixed
 * bytes) and a checking skipper for whole datums. Used by the Connect<->Avro value mapping
 * (avro_data.c) on both the write path (Connect value -> bytes for Kafka or a file) and the read
 * path (bytes -> Connect value). */
#include "avro_codec.h"

#include <string.h>

#define MAX_DEPTH 256

int ferry_avro_write_long(ferry_buf_t *b, int64_t v)
{
        unsigned char buf[10];
        size_t n = 0;
        uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
        while (z & ~(uint64_t)0x7f) {
                buf[n++] = (unsigned char)((z & 0x7f) | 0x80);
                z >>= 7;
        }
        buf[n++] = (unsigned char)z;
        return ferry_buf_append(b, buf, n);
}

int ferry_avro_write_float(ferry_buf_t *b, float v)
{
        uint32_t u;
        unsigned char buf[4];
        memcpy(&u, &v, 4);
        for (int i = 0; i < 4; i++)
                buf[i] = (unsigned char)(u >> (8 * i));
        return ferry_buf_append(b, buf, 4);
}

int ferry_avro_write_double(ferry_buf_t *b, double v)
{
        uint64_t u;
        unsigned char buf[8];
        memcpy(&u, &v, 8);
        for (int i = 0; i < 8; i++)
                buf[i] = (unsigned char)(u >> (8 * i));
        return ferry_buf_append(b, buf, 8);
}

int ferry_avro_write_bool(ferry_buf_t *b, bool v)
{
        return ferry_buf_putc(b, v ? 1 : 0);
}

int ferry_avro_write_bytes(ferry_buf_t *b, const void *p, size_t len)
{
        if (ferry_avro_write_long(b, (int64_t)len) < 0)
                return -1;
        return len ? ferry_buf_append(b, p, len) : 0;
}

void ferry_avro_reader_init(ferry_avro_reader_t *r, const void *data, size_t len)
{
        r->p = data;
        r->end = r->p + len;
        r->err = NULL;
}

static int rfail(ferry_avro_reader_t *r, const char *msg)
{
        if (!r->err)
                r->err = msg;
        return -1;
}

int ferry_avro_read_long(ferry_avro_reader_t *r, int64_t *v)
{
        uint64_t z = 0;
        for (int shift = 0; shift < 70; shift += 7) {
                if (r->p >= r->end)
                        return rfail(r, "unexpected end of Avro data");
                unsigned char c = *r->p++;
                if (shift == 63 && (c & 0xfe))
                        return rfail(r, "Invalid long encoding");
                z |= (uint64_t)(c & 0x7f) << shift;
                if (!(c & 0x80)) {
                        *v = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
                        return 0;
                }
        }
        return rfail(r, "Invalid long encoding");
}

int ferry_avro_read_int(ferry_avro_reader_t *r, int32_t *v)
{
        int64_t l;
        if (ferry_avro_read_long(r, &l) < 0)
                return -1;
        if (l < INT32_MIN || l > INT32_MAX)
                return rfail(r, "Invalid int encoding");
        *v = (int32_t)l;
        return 0;
}

int ferry_avro_read_float(ferry_avro_reader_t *r, float *v)
{
        if (r->end - r->p < 4)
                return rfail(r, "unexpected end of Avro data");
        uint32_t u = 0;
        for (int i = 0; i < 4; i++)
                u |= (uint32_t)r->p[i] << (8 * i);
        memcpy(v, &u, 4);
        r->p += 4;
        return 0;
}

int ferry_avro_read_double(ferry_avro_reader_t *r, double *v)
{
        if (r->end - r->p < 8)
                return rfail(r, "unexpected end of Avro data");
        uint64_t u = 0;
        for (int i = 0; i < 8; i++)
                u |= (uint64_t)r->p[i] << (8 * i);
        memcpy(v, &u, 8);
        r->p += 8;
        return 0;
}

int ferry_avro_read_bool(ferry_avro_reader_t *r, bool *v)
{
        if (r->p >= r->end)
                return rfail(r, "unexpected end of Avro data");
        unsigned char c = *r->p++;
        if (c > 1)
                return rfail(r, "Invalid boolean encoding");
        *v = c == 1;
        return 0;
}

int ferry_avro_read_bytes(ferry_avro_reader_t *r, const char **p, size_t *len)
{
        int64_t n;
        if (ferry_avro_read_long(r, &n) < 0)
                return -1;
        if (n < 0)
                return rfail(r, "Malformed data. Length is negative");
        if ((uint64_t)n > (uint64_t)(r->end - r->p))
                return rfail(r, "unexpected end of Avro data");
        *p = (const char *)r->p;
        *len = (size_t)n;
        r->p += n;
        return 0;
}

int ferry_avro_read_fixed(ferry_avro_reader_t *r, size_t size, const char **p)
{
        if (size > (size_t)(r->end - r->p))
                return rfail(r, "unexpected end of Avro data");
        *p = (const char *)r->p;
        r->p += size;
        return 0;
}

int ferry_avro_read_block(ferry_avro_reader_t *r, int64_t *count)
{
        if (ferry_avro_read_long(r, count) < 0)
                return -1;
        if (*count < 0) {
                int64_t size;
                if (*count == INT64_MIN)
                        return rfail(r, "Invalid block count");
                *count = -*count;
                if (ferry_avro_read_long(r, &size) < 0)
                        return -1;
        }
        /* An item takes at least one byte unless its type is empty (null, a record without fields):
         * a count beyond the bytes left is allowed only up to a million such items. */
        if (*count > (int64_t)(r->end - r->p) && *count > (int64_t)1 << 20)
                return rfail(r, "Avro block count beyond the data");
        return 0;
}

static int skip(ferry_avro_reader_t *r, const ferry_avro_node_t *n, int depth)
{
        if (depth > MAX_DEPTH)
                return rfail(r, "Avro data nested too deeply");
        int64_t l;
        int32_t i;
        double d;
        float f;
        bool b;
        const char *p;
        size_t len;
        switch (n->type) {
        case FERRY_AVRO_NULL:
                return 0;
        case FERRY_AVRO_BOOLEAN:
                return ferry_avro_read_bool(r, &b);
        case FERRY_AVRO_INT:
                return ferry_avro_read_int(r, &i);
        case FERRY_AVRO_LONG:
                return ferry_avro_read_long(r, &l);
        case FERRY_AVRO_FLOAT:
                return ferry_avro_read_float(r, &f);
        case FERRY_AVRO_DOUBLE:
                return ferry_avro_read_double(r, &d);
        case FERRY_AVRO_BYTES:
        case FERRY_AVRO_STRING:
                return ferry_avro_read_bytes(r, &p, &len);
        case FERRY_AVRO_FIXED:
                return ferry_avro_read_fixed(r, (size_t)n->size, &p);
        case FERRY_AVRO_ENUM:
                if (ferry_avro_read_int(r, &i) < 0)
                        return -1;
                return i < 0 || (size_t)i >= n->n_symbols ? rfail(r, "enum symbol index out of range") : 0;
        case FERRY_AVRO_UNION:
                if (ferry_avro_read_int(r, &i) < 0)
                        return -1;
                if (i < 0 || (size_t)i >= n->n_branches)
                        return rfail(r, "union index out of range");
                return skip(r, n->branches[i], depth + 1);
        case FERRY_AVRO_RECORD:
                for (size_t k = 0; k < n->n_fields; k++)
                        if (skip(r, n->fields[k].type, depth + 1) < 0)
                                return -1;
                return 0;
        case FERRY_AVRO_ARRAY:
        case FERRY_AVRO_MAP:
                for (;;) {
                        int64_t count;
                        if (ferry_avro_read_block(r, &count) < 0)
                                return -1;
                        if (!count)
                                return 0;
                        const unsigned char *start = r->p;
                        for (int64_t k = 0; k < count; k++) {
                                if (n->type == FERRY_AVRO_MAP && ferry_avro_read_bytes(r, &p, &len) < 0)
                                        return -1;
                                if (skip(r, n->items, depth + 1) < 0)
                                        return -1;
                                if (r->p == start && k > 4096)
                                        return rfail(r, "Avro block of empty items too long");
                        }
                }
        }
        return rfail(r, "unknown Avro type");
}

int ferry_avro_skip(ferry_avro_reader_t *r, const ferry_avro_node_t *n)
{
        return skip(r, n, 0);
}
