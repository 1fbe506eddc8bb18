/* Schemaless Connect values in Avro, as Confluent's AvroData writes them: the record
 * io.confluent.connect.avro.Anything with one optional field per kind of value (boolean, bytes,
 * double, float, int, long, string, array of Anything, map as an array of MapEntry{key,value}
 * of Anything), exactly one of them set. Used by the AvroConverter for values without a schema;
 * part of the Connect<->Avro mapping (avro_data.h). */
#include "avro_data.h"

#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 256

static const char anything_text[] =
        "{\"type\":\"record\",\"name\":\"Anything\",\"namespace\":\"io.confluent.connect.avro\",\"fields\":["
        "{\"name\":\"boolean\",\"type\":[\"null\",\"boolean\"],\"default\":null},"
        "{\"name\":\"bytes\",\"type\":[\"null\",\"bytes\"],\"default\":null},"
        "{\"name\":\"double\",\"type\":[\"null\",\"double\"],\"default\":null},"
        "{\"name\":\"float\",\"type\":[\"null\",\"float\"],\"default\":null},"
        "{\"name\":\"int\",\"type\":[\"null\",\"int\"],\"default\":null},"
        "{\"name\":\"long\",\"type\":[\"null\",\"long\"],\"default\":null},"
        "{\"name\":\"string\",\"type\":[\"null\",\"string\"],\"default\":null},"
        "{\"name\":\"array\",\"type\":[\"null\",{\"type\":\"array\",\"items\":\"Anything\"}],\"default\":"
        "null},"
        "{\"name\":\"map\",\"type\":[\"null\",{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":"
        "\"MapEntry\","
        "\"fields\":[{\"name\":\"key\",\"type\":\"Anything\"},{\"name\":\"value\",\"type\":\"Anything\"}]}}],"
        "\"default\":null}]}";

enum { F_BOOLEAN, F_BYTES, F_DOUBLE, F_FLOAT, F_INT, F_LONG, F_STRING, F_ARRAY, F_MAP, N_FIELDS };

ferry_avro_schema_t *ferry_avro_anything(void)
{
        char err[128];
        return ferry_avro_parse(anything_text, sizeof(anything_text) - 1, err, sizeof(err));
}

bool ferry_avro_is_anything(const ferry_avro_node_t *n)
{
        return n && n->type == FERRY_AVRO_RECORD && n->name && strcmp(n->name, "Anything") == 0 && n->space &&
               strcmp(n->space, FERRY_AVRO_NAMESPACE) == 0;
}

static int fail(char *errstr, size_t size, const char *msg)
{
        if (errstr && size)
                snprintf(errstr, size, "%s", msg);
        return -1;
}

static int field_of(const ferry_value_t *v)
{
        switch (v->type) {
        case FERRY_TYPE_BOOLEAN:
                return F_BOOLEAN;
        case FERRY_TYPE_BYTES:
                return F_BYTES;
        case FERRY_TYPE_FLOAT64:
                return F_DOUBLE;
        case FERRY_TYPE_FLOAT32:
                return F_FLOAT;
        case FERRY_TYPE_INT8:
        case FERRY_TYPE_INT16:
        case FERRY_TYPE_INT32:
                return F_INT;
        case FERRY_TYPE_INT64:
                return F_LONG;
        case FERRY_TYPE_STRING:
                return F_STRING;
        case FERRY_TYPE_ARRAY:
                return F_ARRAY;
        case FERRY_TYPE_MAP:
                return F_MAP;
        default:
                return -1;
        }
}

static int encode(const ferry_value_t *v, ferry_buf_t *out, char *errstr, size_t size, int depth)
{
        if (depth > MAX_DEPTH)
                return fail(errstr, size, "schemaless value nested too deeply");
        int f = v ? field_of(v) : -2;
        if (f == -1)
                return fail(errstr, size,
                            "a schemaless struct cannot be written as Avro (structs need a schema)");
        for (int i = 0; i < N_FIELDS; i++) {
                if (i != f) {
                        if (ferry_avro_write_long(out, 0) < 0)
                                return fail(errstr, size, "out of memory");
                        continue;
                }
                int rc = ferry_avro_write_long(out, 1);
                switch (f) {
                case F_BOOLEAN:
                        rc |= ferry_avro_write_bool(out, v->u.b);
                        break;
                case F_BYTES:
                case F_STRING:
                        rc |= ferry_avro_write_bytes(out, v->u.s.data, v->u.s.len);
                        break;
                case F_DOUBLE:
                        rc |= ferry_avro_write_double(out, v->u.f);
                        break;
                case F_FLOAT:
                        rc |= ferry_avro_write_float(out, (float)v->u.f);
                        break;
                case F_INT:
                case F_LONG:
                        rc |= ferry_avro_write_long(out, v->u.i);
                        break;
                case F_ARRAY:
                        if (v->u.a.n)
                                rc |= ferry_avro_write_long(out, (int64_t)v->u.a.n);
                        for (size_t k = 0; k < v->u.a.n && rc == 0; k++)
                                rc = encode(v->u.a.items[k], out, errstr, size, depth + 1);
                        rc |= ferry_avro_write_long(out, 0);
                        break;
                case F_MAP:
                        if (v->u.m.n)
                                rc |= ferry_avro_write_long(out, (int64_t)v->u.m.n);
                        for (size_t k = 0; k < v->u.m.n && rc == 0; k++) {
                                rc = encode(v->u.m.keys[k], out, errstr, size, depth + 1);
                                if (rc == 0)
                                        rc = encode(v->u.m.vals[k], out, errstr, size, depth + 1);
                        }
                        rc |= ferry_avro_write_long(out, 0);
                        break;
                }
                if (rc != 0)
                        return errstr && size && errstr[0] ? -1 : fail(errstr, size, "out of memory");
        }
        return 0;
}

int ferry_avro_encode_anything(const ferry_value_t *v, ferry_buf_t *out, char *errstr, size_t errstr_size)
{
        if (errstr && errstr_size)
                errstr[0] = '\0';
        return encode(v, out, errstr, errstr_size, 0);
}

static int decode(ferry_avro_reader_t *r, ferry_value_t **out, char *errstr, size_t size, int depth)
{
        *out = NULL;
        if (depth > MAX_DEPTH)
                return fail(errstr, size, "Avro data nested too deeply");
        for (int i = 0; i < N_FIELDS; i++) {
                int32_t branch;
                if (ferry_avro_read_int(r, &branch) < 0)
                        goto bad;
                if (branch == 0)
                        continue;
                if (branch != 1)
                        return fail(errstr, size,
                                    "Error deserializing Avro message: union index out of range");
                ferry_value_t *v = NULL;
                const char *p;
                size_t len;
                int64_t l;
                int32_t n32;
                double d;
                float fl;
                bool b;
                switch (i) {
                case F_BOOLEAN:
                        if (ferry_avro_read_bool(r, &b) < 0)
                                goto bad;
                        v = ferry_value_bool(b);
                        break;
                case F_BYTES:
                case F_STRING:
                        if (ferry_avro_read_bytes(r, &p, &len) < 0)
                                goto bad;
                        v = i == F_BYTES ? ferry_value_bytes(p, len) : ferry_value_string(p, len);
                        break;
                case F_DOUBLE:
                        if (ferry_avro_read_double(r, &d) < 0)
                                goto bad;
                        v = ferry_value_float(FERRY_TYPE_FLOAT64, d);
                        break;
                case F_FLOAT:
                        if (ferry_avro_read_float(r, &fl) < 0)
                                goto bad;
                        v = ferry_value_float(FERRY_TYPE_FLOAT32, fl);
                        break;
                case F_INT:
                        if (ferry_avro_read_int(r, &n32) < 0)
                                goto bad;
                        v = ferry_value_int(FERRY_TYPE_INT32, n32);
                        break;
                case F_LONG:
                        if (ferry_avro_read_long(r, &l) < 0)
                                goto bad;
                        v = ferry_value_int(FERRY_TYPE_INT64, l);
                        break;
                case F_ARRAY:
                case F_MAP:
                        if (!(v = i == F_ARRAY ? ferry_value_array() : ferry_value_map()))
                                break;
                        for (;;) {
                                int64_t count;
                                if (ferry_avro_read_block(r, &count) < 0) {
                                        ferry_value_free(v);
                                        goto bad;
                                }
                                if (!count)
                                        break;
                                for (int64_t k = 0; k < count; k++) {
                                        ferry_value_t *key = NULL, *item = NULL;
                                        int rc = i == F_MAP ? decode(r, &key, errstr, size, depth + 1) : 0;
                                        if (rc == 0)
                                                rc = decode(r, &item, errstr, size, depth + 1);
                                        if (rc == 0)
                                                rc = i == F_ARRAY ? ferry_array_append(v, item)
                                                                  : ferry_map_put(v, key, item);
                                        else {
                                                ferry_value_free(key);
                                                ferry_value_free(item);
                                        }
                                        if (rc < 0) {
                                                ferry_value_free(v);
                                                ferry_value_free(*out);
                                                *out = NULL;
                                                return errstr && size && errstr[0]
                                                               ? -1
                                                               : fail(errstr, size, "out of memory");
                                        }
                                }
                        }
                        break;
                }
                if (!v) {
                        ferry_value_free(*out);
                        *out = NULL;
                        return fail(errstr, size, "out of memory");
                }
                if (*out)
                        ferry_value_free(v); /* the first field set wins, as in Java */
                else
                        *out = v;
        }
        return 0;
bad:
        ferry_value_free(*out);
        *out = NULL;
        if (errstr && size)
                snprintf(errstr, size, "Error deserializing Avro message: %s",
                         r->err ? r->err : "malformed data");
        return -1;
}

int ferry_avro_decode_anything(ferry_avro_reader_t *r, ferry_value_t **out, char *errstr, size_t errstr_size)
{
        if (errstr && errstr_size)
                errstr[0] = '\0';
        return decode(r, out, errstr, errstr_size, 0);
}
