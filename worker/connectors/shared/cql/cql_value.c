/* CQL values: Connect values (ferry_value_t) serialised as a column's CQL type for bound
 * statements, and CQL values rendered as JSON text. Sits between a connector's record mapping and
 * the wire codec (cql_wire.c); accepts the natural Connect kind of every type and the text forms
 * of uuid, inet, timestamp, date, time, decimal and varint. */
#include "shared/cql/cql.h"

#include <ferry/buf.h>
#include <ferry/datefmt.h>
#include <ferry/json.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int type_err(const cql_type_t *t, const ferry_value_t *v, const char *why, char *errstr,
                    size_t errstr_size)
{
        char *ts = cql_type_str(t);
        snprintf(errstr, errstr_size, "cannot write a %s value to a CQL %s column%s%s",
                 ferry_type_name(v->type), ts ? ts : "?", why ? ": " : "", why ? why : "");
        free(ts);
        return -1;
}

static bool is_int(const ferry_value_t *v)
{
        return v->type <= FERRY_TYPE_INT64;
}

static bool text_of(const ferry_value_t *v, const char **s, size_t *n)
{
        if (v->type != FERRY_TYPE_STRING)
                return false;
        *s = v->u.s.data;
        *n = v->u.s.len;
        return true;
}

/* An integer from an integer value, or from a string of digits. */
static bool int_of(const ferry_value_t *v, int64_t *out)
{
        if (is_int(v)) {
                *out = v->u.i;
                return true;
        }
        if (v->type == FERRY_TYPE_STRING)
                return ferry_parse_int64(v->u.s.data, out) == 0;
        if (v->type == FERRY_TYPE_FLOAT64 || v->type == FERRY_TYPE_FLOAT32) {
                if (v->u.f != floor(v->u.f) || fabs(v->u.f) > 9.2e18)
                        return false;
                *out = (int64_t)v->u.f;
                return true;
        }
        return false;
}

static bool double_of(const ferry_value_t *v, double *out)
{
        if (v->type == FERRY_TYPE_FLOAT32 || v->type == FERRY_TYPE_FLOAT64) {
                *out = v->u.f;
                return true;
        }
        if (is_int(v)) {
                *out = (double)v->u.i;
                return true;
        }
        if (v->type == FERRY_TYPE_STRING)
                return ferry_parse_double(v->u.s.data, out) == 0;
        return false;
}

/* Minimal big-endian two's complement of x. */
static void put_varint64(cql_buf_t *b, int64_t x)
{
        uint8_t tmp[8];
        for (int i = 0; i < 8; i++)
                tmp[i] = (uint8_t)((uint64_t)x >> (56 - 8 * i));
        int i = 0;
        while (i < 7 && ((tmp[i] == 0 && !(tmp[i + 1] & 0x80)) || (tmp[i] == 0xFF && (tmp[i + 1] & 0x80))))
                i++;
        cql_put_raw(b, tmp + i, (size_t)(8 - i));
}

static int hexval(int c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        c = tolower(c);
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

static bool parse_uuid(const char *s, size_t n, uint8_t out[16])
{
        if (n != 36)
                return false;
        size_t k = 0;
        for (size_t i = 0; i < 36; i++) {
                if (i == 8 || i == 13 || i == 18 || i == 23) {
                        if (s[i] != '-')
                                return false;
                        continue;
                }
                int h = hexval((unsigned char)s[i]), l = i + 1 < 36 ? hexval((unsigned char)s[i + 1]) : -1;
                if (h < 0 || l < 0)
                        return false;
                out[k++] = (uint8_t)(h << 4 | l);
                i++;
        }
        return k == 16;
}

/* "2024-01-02" -> days since the epoch. */
static bool parse_date(const char *s, int64_t *days)
{
        int y, m, d, used = 0;
        if (sscanf(s, "%d-%d-%d%n", &y, &m, &d, &used) != 3 || s[used] || m < 1 || m > 12 || d < 1 || d > 31)
                return false;
        *days = ferry_days_from_civil(y, (unsigned)m, (unsigned)d);
        return true;
}

/* "2024-01-02T03:04:05[.sss][Z|+hh:mm]" or "2024-01-02 03:04:05" -> ms since the epoch. */
static bool parse_timestamp(const char *s, int64_t *ms)
{
        if (ferry_parse_int64(s, ms) == 0)
                return true;
        int y, mo, d, h = 0, mi = 0, sec = 0, used = 0;
        if (sscanf(s, "%d-%d-%d%n", &y, &mo, &d, &used) != 3)
                return false;
        const char *p = s + used;
        int64_t frac = 0;
        if (*p == 'T' || *p == ' ') {
                int u2 = 0;
                if (sscanf(p + 1, "%d:%d:%d%n", &h, &mi, &sec, &u2) != 3)
                        return false;
                p += 1 + u2;
                if (*p == '.') {
                        int digits = 0;
                        p++;
                        while (isdigit((unsigned char)*p)) {
                                if (digits < 3)
                                        frac = frac * 10 + (*p - '0');
                                digits++;
                                p++;
                        }
                        for (; digits < 3; digits++)
                                frac *= 10;
                }
        }
        int64_t off = 0;
        if (*p == 'Z') {
                p++;
        } else if (*p == '+' || *p == '-') {
                int oh = 0, om = 0, u3 = 0;
                if (sscanf(p + 1, "%d:%d%n", &oh, &om, &u3) != 2)
                        return false;
                off = (*p == '-' ? -1 : 1) * ((int64_t)oh * 3600 + om * 60);
                p += 1 + u3;
        }
        if (*p || mo < 1 || mo > 12)
                return false;
        int64_t days = ferry_days_from_civil(y, (unsigned)mo, (unsigned)d);
        *ms = ((days * 86400 + h * 3600 + mi * 60 + sec) - off) * 1000 + frac;
        return true;
}

/* "03:04:05[.nnnnnnnnn]" -> ns of the day. */
static bool parse_time(const char *s, int64_t *ns)
{
        int h, m, sec, used = 0;
        if (sscanf(s, "%d:%d:%d%n", &h, &m, &sec, &used) != 3)
                return false;
        const char *p = s + used;
        int64_t frac = 0;
        int digits = 0;
        if (*p == '.')
                for (p++; isdigit((unsigned char)*p) && digits < 9; p++, digits++)
                        frac = frac * 10 + (*p - '0');
        for (; digits < 9; digits++)
                frac *= 10;
        if (*p)
                return false;
        *ns = ((int64_t)h * 3600 + m * 60 + sec) * 1000000000LL + frac;
        return true;
}

/* "-12.345" -> unscaled -12345, scale 3 (up to 18 digits). */
static bool parse_decimal(const char *s, int64_t *unscaled, int32_t *scale)
{
        const char *p = s;
        bool neg = *p == '-';
        if (*p == '-' || *p == '+')
                p++;
        int64_t u = 0;
        int32_t sc = 0, digits = 0;
        bool dot = false;
        for (; *p; p++) {
                if (*p == '.' && !dot) {
                        dot = true;
                        continue;
                }
                if (!isdigit((unsigned char)*p) || ++digits > 18)
                        return false;
                u = u * 10 + (*p - '0');
                if (dot)
                        sc++;
        }
        if (!digits)
                return false;
        *unscaled = neg ? -u : u;
        *scale = sc;
        return true;
}

static int encode_elements(cql_buf_t *b, const cql_type_t *et, const ferry_value_t *arr, char *errstr,
                           size_t errstr_size)
{
        cql_put_u32(b, (uint32_t)arr->u.a.n);
        for (size_t i = 0; i < arr->u.a.n; i++) {
                if (!arr->u.a.items[i]) {
                        snprintf(errstr, errstr_size,
                                 "collection element %zu is null (CQL collections hold no nulls)", i);
                        return -1;
                }
                size_t at = cql_begin_bytes(b);
                if (cql_value_encode(b, et, arr->u.a.items[i], errstr, errstr_size) < 0)
                        return -1;
                cql_end_bytes(b, at);
        }
        return 0;
}

static int encode_field(cql_buf_t *b, const cql_type_t *t, const ferry_value_t *v, char *errstr,
                        size_t errstr_size)
{
        if (!v) {
                cql_put_u32(b, (uint32_t)-1);
                return 0;
        }
        size_t at = cql_begin_bytes(b);
        if (cql_value_encode(b, t, v, errstr, errstr_size) < 0)
                return -1;
        cql_end_bytes(b, at);
        return 0;
}

int cql_value_encode(cql_buf_t *b, const cql_type_t *t, const ferry_value_t *v, char *errstr,
                     size_t errstr_size)
{
        const char *s;
        size_t n;
        int64_t i;
        double d;
        switch (t->id) {
        case CQL_T_ASCII:
        case CQL_T_VARCHAR:
                if (text_of(v, &s, &n) || v->type == FERRY_TYPE_BYTES) {
                        cql_put_raw(b, v->u.s.data, v->u.s.len);
                        return 0;
                }
                if (is_int(v)) {
                        char tmp[32];
                        int k = snprintf(tmp, sizeof tmp, "%" PRId64, v->u.i);
                        cql_put_raw(b, tmp, (size_t)k);
                        return 0;
                }
                if (v->type == FERRY_TYPE_BOOLEAN) {
                        cql_put_raw(b, v->u.b ? "true" : "false", v->u.b ? 4 : 5);
                        return 0;
                }
                if (v->type == FERRY_TYPE_FLOAT32 || v->type == FERRY_TYPE_FLOAT64) {
                        char tmp[32];
                        size_t k = ferry_format_double(v->u.f, v->type == FERRY_TYPE_FLOAT32, tmp);
                        cql_put_raw(b, tmp, k);
                        return 0;
                }
                if (v->type == FERRY_TYPE_MAP || v->type == FERRY_TYPE_ARRAY ||
                    v->type == FERRY_TYPE_STRUCT) {
                        char *json = NULL;
                        size_t jl = 0;
                        if (ferry_json_write(v, &json, &jl) < 0)
                                return type_err(t, v, "not representable as JSON", errstr, errstr_size);
                        cql_put_raw(b, json, jl);
                        free(json);
                        return 0;
                }
                break;
        case CQL_T_BIGINT:
        case CQL_T_COUNTER:
                if (!int_of(v, &i))
                        break;
                cql_put_u64(b, (uint64_t)i);
                return 0;
        case CQL_T_TIMESTAMP:
                if (v->type == FERRY_TYPE_STRING ? !parse_timestamp(v->u.s.data, &i) : !int_of(v, &i))
                        break;
                cql_put_u64(b, (uint64_t)i);
                return 0;
        case CQL_T_INT:
                if (!int_of(v, &i) || i < INT32_MIN || i > INT32_MAX)
                        break;
                cql_put_u32(b, (uint32_t)(int32_t)i);
                return 0;
        case CQL_T_SMALLINT:
                if (!int_of(v, &i) || i < INT16_MIN || i > INT16_MAX)
                        break;
                cql_put_u16(b, (uint16_t)(int16_t)i);
                return 0;
        case CQL_T_TINYINT:
                if (!int_of(v, &i) || i < INT8_MIN || i > INT8_MAX)
                        break;
                cql_put_u8(b, (uint8_t)(int8_t)i);
                return 0;
        case CQL_T_BOOLEAN:
                if (v->type == FERRY_TYPE_BOOLEAN) {
                        cql_put_u8(b, v->u.b);
                        return 0;
                }
                if (v->type == FERRY_TYPE_STRING) {
                        bool bv;
                        if (ferry_parse_bool(v->u.s.data, &bv) == 0) {
                                cql_put_u8(b, bv);
                                return 0;
                        }
                }
                break;
        case CQL_T_DOUBLE:
                if (!double_of(v, &d))
                        break;
                {
                        uint64_t bits;
                        memcpy(&bits, &d, 8);
                        cql_put_u64(b, bits);
                }
                return 0;
        case CQL_T_FLOAT:
                if (!double_of(v, &d))
                        break;
                {
                        float f = (float)d;
                        uint32_t bits;
                        memcpy(&bits, &f, 4);
                        cql_put_u32(b, bits);
                }
                return 0;
        case CQL_T_BLOB:
                if (v->type == FERRY_TYPE_BYTES || v->type == FERRY_TYPE_STRING) {
                        cql_put_raw(b, v->u.s.data, v->u.s.len);
                        return 0;
                }
                break;
        case CQL_T_UUID:
        case CQL_T_TIMEUUID: {
                uint8_t u[16];
                if (v->type == FERRY_TYPE_BYTES && v->u.s.len == 16) {
                        cql_put_raw(b, v->u.s.data, 16);
                        return 0;
                }
                if (text_of(v, &s, &n) && parse_uuid(s, n, u)) {
                        cql_put_raw(b, u, 16);
                        return 0;
                }
                break;
        }
        case CQL_T_INET: {
                uint8_t a[16];
                if (v->type == FERRY_TYPE_BYTES && (v->u.s.len == 4 || v->u.s.len == 16)) {
                        cql_put_raw(b, v->u.s.data, v->u.s.len);
                        return 0;
                }
                if (v->type == FERRY_TYPE_STRING) {
                        if (inet_pton(AF_INET, v->u.s.data, a) == 1) {
                                cql_put_raw(b, a, 4);
                                return 0;
                        }
                        if (inet_pton(AF_INET6, v->u.s.data, a) == 1) {
                                cql_put_raw(b, a, 16);
                                return 0;
                        }
                }
                break;
        }
        case CQL_T_VARINT:
                if (v->type == FERRY_TYPE_BYTES && v->u.s.len) {
                        cql_put_raw(b, v->u.s.data, v->u.s.len);
                        return 0;
                }
                if (!int_of(v, &i))
                        break;
                put_varint64(b, i);
                return 0;
        case CQL_T_DECIMAL: {
                int32_t scale;
                if (v->type == FERRY_TYPE_FLOAT32 || v->type == FERRY_TYPE_FLOAT64) {
                        char tmp[40];
                        snprintf(tmp, sizeof tmp, "%.17g", v->u.f);
                        /* shortest form that reads back */
                        ferry_format_double(v->u.f, v->type == FERRY_TYPE_FLOAT32, tmp);
                        if (!strchr(tmp, 'E') && parse_decimal(tmp, &i, &scale)) {
                                cql_put_u32(b, (uint32_t)scale);
                                put_varint64(b, i);
                                return 0;
                        }
                        break;
                }
                if (is_int(v)) {
                        cql_put_u32(b, 0);
                        put_varint64(b, v->u.i);
                        return 0;
                }
                if (v->type == FERRY_TYPE_STRING && parse_decimal(v->u.s.data, &i, &scale)) {
                        cql_put_u32(b, (uint32_t)scale);
                        put_varint64(b, i);
                        return 0;
                }
                break;
        }
        case CQL_T_DATE:
                if (v->type == FERRY_TYPE_STRING ? !parse_date(v->u.s.data, &i) : !int_of(v, &i))
                        break;
                cql_put_u32(b, (uint32_t)(i + 2147483648LL));
                return 0;
        case CQL_T_TIME:
                if (v->type == FERRY_TYPE_STRING ? !parse_time(v->u.s.data, &i) : !int_of(v, &i))
                        break;
                if (i < 0 || i >= 86400000000000LL)
                        break;
                cql_put_u64(b, (uint64_t)i);
                return 0;
        case CQL_T_LIST:
        case CQL_T_SET:
                if (v->type == FERRY_TYPE_ARRAY)
                        return encode_elements(b, t->sub[0], v, errstr, errstr_size);
                break;
        case CQL_T_MAP:
                if (v->type == FERRY_TYPE_MAP) {
                        cql_put_u32(b, (uint32_t)v->u.m.n);
                        for (size_t k = 0; k < v->u.m.n; k++) {
                                if (!v->u.m.keys[k] || !v->u.m.vals[k]) {
                                        snprintf(errstr, errstr_size, "map entry %zu has a null key or value",
                                                 k);
                                        return -1;
                                }
                                if (encode_field(b, t->sub[0], v->u.m.keys[k], errstr, errstr_size) < 0 ||
                                    encode_field(b, t->sub[1], v->u.m.vals[k], errstr, errstr_size) < 0)
                                        return -1;
                        }
                        return 0;
                }
                break;
        case CQL_T_UDT:
                if (v->type == FERRY_TYPE_STRUCT || v->type == FERRY_TYPE_MAP) {
                        for (size_t k = 0; k < t->n_sub; k++) {
                                const ferry_value_t *f = v->type == FERRY_TYPE_STRUCT
                                                                 ? ferry_struct_get(v, t->field_names[k])
                                                                 : ferry_map_get_str(v, t->field_names[k]);
                                if (encode_field(b, t->sub[k], f, errstr, errstr_size) < 0)
                                        return -1;
                        }
                        return 0;
                }
                break;
        case CQL_T_TUPLE:
                if (v->type == FERRY_TYPE_ARRAY || v->type == FERRY_TYPE_STRUCT) {
                        size_t have = v->type == FERRY_TYPE_ARRAY ? v->u.a.n : v->u.st.schema->n_fields;
                        if (have != t->n_sub)
                                return type_err(t, v, "wrong number of tuple elements", errstr, errstr_size);
                        for (size_t k = 0; k < t->n_sub; k++) {
                                const ferry_value_t *f =
                                        v->type == FERRY_TYPE_ARRAY ? v->u.a.items[k] : v->u.st.fields[k];
                                if (encode_field(b, t->sub[k], f, errstr, errstr_size) < 0)
                                        return -1;
                        }
                        return 0;
                }
                break;
        default:
                return type_err(t, v, "type not supported", errstr, errstr_size);
        }
        return type_err(t, v, NULL, errstr, errstr_size);
}

int cql_value_append(cql_values_t *out, const cql_type_t *t, const ferry_value_t *v, char *errstr,
                     size_t errstr_size)
{
        if (!v) {
                cql_values_null(out);
                return 0;
        }
        size_t mark = out->data.len;
        size_t at = cql_begin_bytes(&out->data);
        if (cql_value_encode(&out->data, t, v, errstr, errstr_size) < 0) {
                out->data.len = mark;
                return -1;
        }
        cql_end_bytes(&out->data, at);
        if (out->data.oom) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        out->n++;
        return 0;
}

/* ---------------------------------------------------------------- CQL -> JSON */

static int64_t be_int(const uint8_t *p, int32_t n)
{
        int64_t v = (n > 0 && (p[0] & 0x80)) ? -1 : 0;
        for (int32_t i = 0; i < n; i++)
                v = (int64_t)((uint64_t)v << 8 | p[i]);
        return v;
}

static bool json_value(ferry_buf_t *o, const cql_type_t *t, const uint8_t *p, int32_t len, int depth);

static bool json_elements(ferry_buf_t *o, const cql_type_t *t, const uint8_t *p, int32_t len, int depth)
{
        cql_rd_t r = {.p = p, .len = (size_t)len};
        int32_t n = (int32_t)cql_get_u32(&r);
        if (r.bad || n < 0 || (size_t)n > r.len / 4)
                return false;
        bool map = t->id == CQL_T_MAP;
        ferry_buf_putc(o, map ? '{' : '[');
        for (int32_t i = 0; i < n && !r.bad; i++) {
                if (i)
                        ferry_buf_putc(o, ',');
                int32_t l;
                const uint8_t *e = cql_get_bytes(&r, &l);
                if (r.bad)
                        return false;
                if (map) {
                        /* JSON keys are strings: render the key and quote it when it is not one */
                        ferry_buf_t k;
                        ferry_buf_init(&k);
                        bool ok = json_value(&k, t->sub[0], e, l, depth + 1);
                        if (ok && k.len && k.p[0] == '"')
                                ferry_buf_append(o, k.p, k.len);
                        else if (ok)
                                ferry_json_put_string(o, k.p, k.len);
                        ferry_buf_free(&k);
                        if (!ok)
                                return false;
                        ferry_buf_putc(o, ':');
                        e = cql_get_bytes(&r, &l);
                        if (r.bad || !json_value(o, t->sub[1], e, l, depth + 1))
                                return false;
                } else if (!json_value(o, t->sub[0], e, l, depth + 1)) {
                        return false;
                }
        }
        ferry_buf_putc(o, map ? '}' : ']');
        return !r.bad;
}

static bool json_value(ferry_buf_t *o, const cql_type_t *t, const uint8_t *p, int32_t len, int depth)
{
        if (depth > 32)
                return false;
        if (len < 0 || !p) {
                ferry_buf_puts(o, "null");
                return true;
        }
        switch (t->id) {
        case CQL_T_ASCII:
        case CQL_T_VARCHAR:
                ferry_json_put_string(o, (const char *)p, (size_t)len);
                return true;
        case CQL_T_BIGINT:
        case CQL_T_COUNTER:
        case CQL_T_TIMESTAMP:
                if (len != 8)
                        return false;
                ferry_json_put_int(o, be_int(p, 8));
                return true;
        case CQL_T_TIME:
                if (len != 8)
                        return false;
                ferry_json_put_int(o, be_int(p, 8));
                return true;
        case CQL_T_INT:
                if (len != 4)
                        return false;
                ferry_json_put_int(o, be_int(p, 4));
                return true;
        case CQL_T_SMALLINT:
                if (len != 2)
                        return false;
                ferry_json_put_int(o, be_int(p, 2));
                return true;
        case CQL_T_TINYINT:
                if (len != 1)
                        return false;
                ferry_json_put_int(o, be_int(p, 1));
                return true;
        case CQL_T_VARINT:
                if (len < 1 || len > 8)
                        return false;
                ferry_json_put_int(o, be_int(p, len));
                return true;
        case CQL_T_DATE:
                if (len != 4) {
                        return false;
                } else {
                        int64_t days = (int64_t)(uint32_t)be_int(p, 4) - 2147483648LL, y;
                        unsigned m, d;
                        ferry_civil_from_days(days, &y, &m, &d);
                        ferry_buf_printf(o, "\"%04lld-%02u-%02u\"", (long long)y, m, d);
                        return true;
                }
        case CQL_T_BOOLEAN:
                if (len != 1)
                        return false;
                ferry_buf_puts(o, p[0] ? "true" : "false");
                return true;
        case CQL_T_DOUBLE:
        case CQL_T_FLOAT: {
                double d;
                if (len == 8) {
                        uint64_t bits = (uint64_t)be_int(p, 8);
                        memcpy(&d, &bits, 8);
                } else if (len == 4) {
                        uint32_t bits = (uint32_t)be_int(p, 4);
                        float f;
                        memcpy(&f, &bits, 4);
                        d = f;
                } else {
                        return false;
                }
                if (!isfinite(d)) {
                        ferry_buf_puts(o, "null");
                        return true;
                }
                ferry_json_put_double(o, d, len == 4);
                return true;
        }
        case CQL_T_DECIMAL: {
                if (len < 5 || len > 12)
                        return false;
                int32_t scale = (int32_t)be_int(p, 4);
                uint8_t tmp[8];
                memcpy(tmp, p + 4, (size_t)len - 4);
                char *s = ferry_decimal_format(tmp, (size_t)len - 4, scale);
                if (!s)
                        return false;
                ferry_buf_puts(o, s);
                free(s);
                return true;
        }
        case CQL_T_UUID:
        case CQL_T_TIMEUUID:
                if (len != 16)
                        return false;
                ferry_buf_printf(o,
                                 "\"%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\"",
                                 p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11],
                                 p[12], p[13], p[14], p[15]);
                return true;
        case CQL_T_INET: {
                char tmp[64];
                if ((len != 4 && len != 16) || !inet_ntop(len == 4 ? AF_INET : AF_INET6, p, tmp, sizeof tmp))
                        return false;
                ferry_json_put_string(o, tmp, strlen(tmp));
                return true;
        }
        case CQL_T_BLOB:
                ferry_buf_puts(o, "\"0x");
                for (int32_t i = 0; i < len; i++)
                        ferry_buf_printf(o, "%02x", p[i]);
                ferry_buf_putc(o, '"');
                return true;
        case CQL_T_LIST:
        case CQL_T_SET:
        case CQL_T_MAP:
                return json_elements(o, t, p, len, depth);
        case CQL_T_UDT:
        case CQL_T_TUPLE: {
                cql_rd_t r = {.p = p, .len = (size_t)len};
                bool udt = t->id == CQL_T_UDT;
                ferry_buf_putc(o, udt ? '{' : '[');
                for (size_t i = 0; i < t->n_sub; i++) {
                        if (i)
                                ferry_buf_putc(o, ',');
                        if (udt) {
                                ferry_json_put_string(o, t->field_names[i], strlen(t->field_names[i]));
                                ferry_buf_putc(o, ':');
                        }
                        int32_t l = -1;
                        const uint8_t *e = NULL;
                        if (r.pos < r.len) /* trailing fields may be missing */
                                e = cql_get_bytes(&r, &l);
                        if (r.bad || !json_value(o, t->sub[i], e, l, depth + 1))
                                return false;
                }
                ferry_buf_putc(o, udt ? '}' : ']');
                return true;
        }
        default:
                return false;
        }
}

char *cql_value_json(const cql_type_t *t, const uint8_t *p, int32_t len)
{
        ferry_buf_t o;
        ferry_buf_init(&o);
        if (!json_value(&o, t, p, len, 0)) {
                ferry_buf_free(&o);
                return NULL;
        }
        return ferry_buf_steal(&o);
}
