/* Thrift compact protocol encoder for the Parquet writer (shared/parquet): the page headers and
 * the FileMetaData footer are serialised through it. See thrift_compact.h; format per Thrift's
 * compact protocol specification (zigzag varints, delta field headers, short list headers). */
#include "shared/parquet/thrift_compact.h"

#include <string.h>

void ferry_tc_init(ferry_tc_t *t, ferry_buf_t *out)
{
        memset(t, 0, sizeof(*t));
        t->out = out;
}

bool ferry_tc_error(const ferry_tc_t *t)
{
        return t->failed;
}

int ferry_tc_put_uvarint(ferry_buf_t *b, uint64_t v)
{
        unsigned char tmp[10];
        size_t n = 0;
        while (v >= 0x80) {
                tmp[n++] = (unsigned char)(v | 0x80);
                v >>= 7;
        }
        tmp[n++] = (unsigned char)v;
        return ferry_buf_append(b, tmp, n);
}

static void put(ferry_tc_t *t, const void *p, size_t n)
{
        if (!t->failed && ferry_buf_append(t->out, p, n) < 0)
                t->failed = true;
}

static void put_byte(ferry_tc_t *t, unsigned char c)
{
        put(t, &c, 1);
}

static void put_uvarint(ferry_tc_t *t, uint64_t v)
{
        if (!t->failed && ferry_tc_put_uvarint(t->out, v) < 0)
                t->failed = true;
}

static uint64_t zigzag(int64_t v)
{
        return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static void field_header(ferry_tc_t *t, int16_t id, int type)
{
        int16_t delta = (int16_t)(id - t->last[t->depth]);
        if (delta > 0 && delta <= 15) {
                put_byte(t, (unsigned char)(delta << 4 | type));
        } else {
                put_byte(t, (unsigned char)type);
                put_uvarint(t, zigzag(id));
        }
        t->last[t->depth] = id;
}

void ferry_tc_field_i32(ferry_tc_t *t, int16_t id, int32_t v)
{
        field_header(t, id, FERRY_TC_I32);
        put_uvarint(t, zigzag(v));
}

void ferry_tc_field_i64(ferry_tc_t *t, int16_t id, int64_t v)
{
        field_header(t, id, FERRY_TC_I64);
        put_uvarint(t, zigzag(v));
}

void ferry_tc_field_bool(ferry_tc_t *t, int16_t id, bool v)
{
        field_header(t, id, v ? FERRY_TC_BOOL_TRUE : FERRY_TC_BOOL_FALSE);
}

void ferry_tc_field_binary(ferry_tc_t *t, int16_t id, const void *p, size_t len)
{
        field_header(t, id, FERRY_TC_BINARY);
        put_uvarint(t, len);
        put(t, p, len);
}

void ferry_tc_field_string(ferry_tc_t *t, int16_t id, const char *s)
{
        ferry_tc_field_binary(t, id, s, strlen(s));
}

static void open_struct(ferry_tc_t *t)
{
        if (t->depth + 1 >= FERRY_TC_MAX_DEPTH) {
                t->failed = true;
                return;
        }
        t->last[++t->depth] = 0;
}

void ferry_tc_field_struct(ferry_tc_t *t, int16_t id)
{
        field_header(t, id, FERRY_TC_STRUCT);
        open_struct(t);
}

void ferry_tc_field_list(ferry_tc_t *t, int16_t id, int elem_type, size_t n)
{
        field_header(t, id, FERRY_TC_LIST);
        if (n < 15) {
                put_byte(t, (unsigned char)(n << 4 | (size_t)elem_type));
        } else {
                put_byte(t, (unsigned char)(0xf0 | elem_type));
                put_uvarint(t, n);
        }
}

void ferry_tc_elem_i32(ferry_tc_t *t, int32_t v)
{
        put_uvarint(t, zigzag(v));
}

void ferry_tc_elem_string(ferry_tc_t *t, const char *s)
{
        size_t n = strlen(s);
        put_uvarint(t, n);
        put(t, s, n);
}

void ferry_tc_elem_struct(ferry_tc_t *t)
{
        open_struct(t);
}

void ferry_tc_struct_end(ferry_tc_t *t)
{
        put_byte(t, 0);
        if (t->depth > 0)
                t->depth--;
}
