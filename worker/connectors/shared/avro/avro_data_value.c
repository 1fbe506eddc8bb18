/* Connect values to Avro binary and back, following an Avro schema and the Connect schema the
 * mapping (avro_data_schema.c) pairs with it: optional values as union branches, Connect unions
 * (io.confluent.connect.avro.Union structs) as the branch of their one set field, maps with
 * non-string keys as arrays of MapEntry records, Decimal as big-endian two's-complement bytes
 * (minimal, as Java's BigInteger writes them), enums as their symbol strings. Also default values
 * between Connect values and Avro's JSON form. Used on the AvroConverter's hot path: no
 * allocation beyond the output buffer when writing. */
#include "avro_data.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 256

typedef struct {
        const ferry_avro_data_config_t *cfg; /* NULL: the defaults */
        char *errstr;
        size_t errstr_size;
        bool failed;
} ectx_t;

static int verr(ectx_t *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int verr(ectx_t *x, const char *fmt, ...)
{
        if (!x->failed && x->errstr && x->errstr_size) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(x->errstr, x->errstr_size, fmt, ap);
                va_end(ap);
        }
        x->failed = true;
        return -1;
}

static bool is_union_schema(const ferry_schema_t *s)
{
        return ferry_avro_is_union_schema(s);
}

static bool is_decimal(const ferry_schema_t *s)
{
        return s && s->name && strcmp(s->name, FERRY_LOGICAL_DECIMAL) == 0;
}

static bool is_int(ferry_type_t t)
{
        return t == FERRY_TYPE_INT8 || t == FERRY_TYPE_INT16 || t == FERRY_TYPE_INT32 ||
               t == FERRY_TYPE_INT64;
}

/* Skips redundant sign bytes (BigInteger.toByteArray() is minimal). */
static void minimal(const ferry_value_t *v, const unsigned char **p, size_t *len)
{
        const unsigned char *d = (const unsigned char *)v->u.s.data;
        size_t n = v->u.s.len, skip = 0;
        while (skip + 1 < n &&
               ((d[skip] == 0x00 && !(d[skip + 1] & 0x80)) || (d[skip] == 0xff && (d[skip + 1] & 0x80))))
                skip++;
        *p = d + skip;
        *len = n - skip;
}

/* ---- defaults: Connect value <-> Avro JSON ---- */

static ferry_value_t *latin1_string(const unsigned char *p, size_t n)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        for (size_t i = 0; i < n; i++) {
                if (p[i] < 0x80) {
                        ferry_buf_putc(&b, (char)p[i]);
                } else {
                        ferry_buf_putc(&b, (char)(0xc0 | (p[i] >> 6)));
                        ferry_buf_putc(&b, (char)(0x80 | (p[i] & 0x3f)));
                }
        }
        ferry_value_t *v = ferry_value_string(b.p ? b.p : "", b.len);
        ferry_buf_free(&b);
        return v;
}

/* The bytes of a JSON string whose characters are all below U+0100 (Avro's bytes defaults). */
static ferry_value_t *latin1_bytes(const ferry_value_t *j)
{
        const unsigned char *p = (const unsigned char *)j->u.s.data;
        size_t n = j->u.s.len, o = 0;
        unsigned char *out = malloc(n + 1);
        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                if (p[i] < 0x80) {
                        out[o++] = p[i];
                } else if ((p[i] == 0xc2 || p[i] == 0xc3) && i + 1 < n && (p[i + 1] & 0xc0) == 0x80) {
                        out[o++] = (unsigned char)(((p[i] & 0x03) << 6) | (p[i + 1] & 0x3f));
                        i++;
                } else {
                        free(out);
                        return NULL;
                }
        }
        ferry_value_t *v = ferry_value_bytes(out, o);
        free(out);
        return v;
}

int ferry_avro_default_to_json(const ferry_schema_t *s, const ferry_value_t *v, bool widen,
                               ferry_value_t **out)
{
        *out = NULL;
        if (!v)
                return 0;
        ferry_value_t *r = NULL;
        switch (s->type) {
        case FERRY_TYPE_INT8:
        case FERRY_TYPE_INT16:
        case FERRY_TYPE_INT32:
        case FERRY_TYPE_INT64:
                if (!is_int(v->type))
                        return -1;
                r = ferry_value_int(FERRY_TYPE_INT64, v->u.i);
                break;
        case FERRY_TYPE_FLOAT32:
        case FERRY_TYPE_FLOAT64:
                if (v->type != FERRY_TYPE_FLOAT32 && v->type != FERRY_TYPE_FLOAT64)
                        return -1;
                if (s->type == FERRY_TYPE_FLOAT32 && !widen)
                        r = ferry_value_float(FERRY_TYPE_FLOAT32, v->u.f);
                else
                        r = ferry_value_float(FERRY_TYPE_FLOAT64,
                                              s->type == FERRY_TYPE_FLOAT32 ? (double)(float)v->u.f : v->u.f);
                break;
        case FERRY_TYPE_BOOLEAN:
                if (v->type != FERRY_TYPE_BOOLEAN)
                        return -1;
                r = ferry_value_bool(v->u.b);
                break;
        case FERRY_TYPE_STRING:
                if (v->type != FERRY_TYPE_STRING)
                        return -1;
                r = ferry_value_string(v->u.s.data, v->u.s.len);
                break;
        case FERRY_TYPE_BYTES: {
                if (v->type != FERRY_TYPE_BYTES)
                        return -1;
                const unsigned char *p = (const unsigned char *)v->u.s.data;
                size_t n = v->u.s.len;
                if (is_decimal(s))
                        minimal(v, &p, &n);
                r = latin1_string(p, n);
                break;
        }
        case FERRY_TYPE_ARRAY:
                if (v->type != FERRY_TYPE_ARRAY || !(r = ferry_value_array()))
                        return -1;
                for (size_t i = 0; i < v->u.a.n; i++) {
                        ferry_value_t *e;
                        if (ferry_avro_default_to_json(s->items, v->u.a.items[i], widen, &e) < 0 ||
                            ferry_array_append(r, e) < 0) {
                                ferry_value_free(r);
                                return -1;
                        }
                }
                break;
        case FERRY_TYPE_MAP: {
                bool obj = s->keys->type == FERRY_TYPE_STRING && !s->keys->optional;
                if (v->type != FERRY_TYPE_MAP || !(r = obj ? ferry_value_map() : ferry_value_array()))
                        return -1;
                for (size_t i = 0; i < v->u.m.n; i++) {
                        ferry_value_t *k = NULL, *e = NULL, *pair = NULL;
                        int rc = ferry_avro_default_to_json(s->items, v->u.m.vals[i], widen, &e);
                        if (rc == 0 && obj) {
                                const ferry_value_t *kv = v->u.m.keys[i];
                                rc = kv && kv->type == FERRY_TYPE_STRING
                                             ? ferry_map_append(
                                                       r, ferry_value_string(kv->u.s.data, kv->u.s.len), e)
                                             : -1;
                                e = NULL;
                        } else if (rc == 0) {
                                rc = ferry_avro_default_to_json(s->keys, v->u.m.keys[i], widen, &k);
                                if (rc == 0 && (pair = ferry_value_array()) &&
                                    ferry_array_append(pair, k) == 0) {
                                        k = NULL;
                                        rc = ferry_array_append(pair, e);
                                        e = NULL;
                                        rc = rc < 0 ? -1 : ferry_array_append(r, pair);
                                        pair = rc < 0 ? pair : NULL;
                                } else {
                                        rc = -1;
                                }
                        }
                        ferry_value_free(k);
                        ferry_value_free(e);
                        ferry_value_free(pair);
                        if (rc < 0) {
                                ferry_value_free(r);
                                return -1;
                        }
                }
                break;
        }
        case FERRY_TYPE_STRUCT:
                if (v->type != FERRY_TYPE_STRUCT)
                        return -1;
                if (is_union_schema(s)) {
                        if (!s->n_fields)
                                return 0;
                        return ferry_avro_default_to_json(s->fields[0].schema, v->u.st.fields[0], widen, out);
                }
                if (!(r = ferry_value_map()))
                        return -1;
                for (size_t i = 0; i < s->n_fields && i < v->u.st.schema->n_fields; i++) {
                        ferry_value_t *e;
                        if (ferry_avro_default_to_json(s->fields[i].schema, v->u.st.fields[i], widen, &e) <
                                    0 ||
                            ferry_map_append(r, ferry_value_cstring(s->fields[i].name), e) < 0) {
                                ferry_value_free(r);
                                return -1;
                        }
                }
                break;
        }
        if (!r)
                return -1;
        *out = r;
        return 0;
}

/* The branch of a union a that carries the Connect schema s's values (the non-null one of an
 * optional union); a itself when it is no union or s is a Connect union. */
static const ferry_avro_node_t *unwrap(const ferry_avro_node_t *a, const ferry_schema_t *s)
{
        if (a->type != FERRY_AVRO_UNION || is_union_schema(s))
                return a;
        for (size_t i = 0; i < a->n_branches; i++)
                if (a->branches[i]->type != FERRY_AVRO_NULL)
                        return a->branches[i];
        return a;
}

static const ferry_value_t *obj_field(const ferry_value_t *j, const char *name, bool *present)
{
        for (size_t i = 0; i < j->u.m.n; i++)
                if (j->u.m.keys[i] && j->u.m.keys[i]->type == FERRY_TYPE_STRING &&
                    strcmp(j->u.m.keys[i]->u.s.data, name) == 0) {
                        *present = true;
                        return j->u.m.vals[i];
                }
        *present = false;
        return NULL;
}

static int from_json(const ferry_schema_t *s, const ferry_avro_node_t *a, const ferry_value_t *j,
                     ferry_value_t **out, int depth)
{
        *out = NULL;
        if (!j)
                return 0;
        if (depth > MAX_DEPTH || is_union_schema(s))
                return -1;
        a = unwrap(a, s);
        ferry_value_t *r = NULL;
        switch (s->type) {
        case FERRY_TYPE_INT8:
        case FERRY_TYPE_INT16:
        case FERRY_TYPE_INT32:
        case FERRY_TYPE_INT64:
                if (j->type != FERRY_TYPE_INT64)
                        return -1;
                r = ferry_value_int(s->type, j->u.i);
                break;
        case FERRY_TYPE_FLOAT32:
        case FERRY_TYPE_FLOAT64:
                if (j->type == FERRY_TYPE_INT64)
                        r = ferry_value_float(s->type, (double)j->u.i);
                else if (j->type == FERRY_TYPE_FLOAT64 || j->type == FERRY_TYPE_FLOAT32)
                        r = ferry_value_float(s->type,
                                              s->type == FERRY_TYPE_FLOAT32 ? (double)(float)j->u.f : j->u.f);
                else
                        return -1;
                break;
        case FERRY_TYPE_BOOLEAN:
                if (j->type != FERRY_TYPE_BOOLEAN)
                        return -1;
                r = ferry_value_bool(j->u.b);
                break;
        case FERRY_TYPE_STRING:
                if (j->type != FERRY_TYPE_STRING)
                        return -1;
                r = ferry_value_string(j->u.s.data, j->u.s.len);
                break;
        case FERRY_TYPE_BYTES:
                if (j->type != FERRY_TYPE_STRING)
                        return -1;
                r = latin1_bytes(j);
                break;
        case FERRY_TYPE_ARRAY:
                if (j->type != FERRY_TYPE_ARRAY || a->type != FERRY_AVRO_ARRAY || !(r = ferry_value_array()))
                        return -1;
                for (size_t i = 0; i < j->u.a.n; i++) {
                        ferry_value_t *e;
                        if (from_json(s->items, a->items, j->u.a.items[i], &e, depth + 1) < 0 ||
                            ferry_array_append(r, e) < 0) {
                                ferry_value_free(r);
                                return -1;
                        }
                }
                break;
        case FERRY_TYPE_MAP:
                if (!(r = ferry_value_map()))
                        return -1;
                if (a->type == FERRY_AVRO_MAP && j->type == FERRY_TYPE_MAP) {
                        for (size_t i = 0; i < j->u.m.n; i++) {
                                ferry_value_t *e, *k = ferry_value_copy(j->u.m.keys[i]);
                                if (!k || from_json(s->items, a->items, j->u.m.vals[i], &e, depth + 1) < 0) {
                                        ferry_value_free(k);
                                        ferry_value_free(r);
                                        return -1;
                                }
                                if (ferry_map_put(r, k, e) < 0) {
                                        ferry_value_free(r);
                                        return -1;
                                }
                        }
                } else if (a->type == FERRY_AVRO_ARRAY && a->items->type == FERRY_AVRO_RECORD &&
                           a->items->n_fields == 2 && j->type == FERRY_TYPE_ARRAY) {
                        for (size_t i = 0; i < j->u.a.n; i++) {
                                const ferry_value_t *e = j->u.a.items[i], *kj = NULL, *vj = NULL;
                                bool p1 = false, p2 = false;
                                if (e && e->type == FERRY_TYPE_ARRAY && e->u.a.n == 2) {
                                        kj = e->u.a.items[0];
                                        vj = e->u.a.items[1];
                                } else if (e && e->type == FERRY_TYPE_MAP) {
                                        kj = obj_field(e, "key", &p1);
                                        vj = obj_field(e, "value", &p2);
                                } else {
                                        ferry_value_free(r);
                                        return -1;
                                }
                                ferry_value_t *k, *v;
                                if (from_json(s->keys, a->items->fields[0].type, kj, &k, depth + 1) < 0) {
                                        ferry_value_free(r);
                                        return -1;
                                }
                                if (from_json(s->items, a->items->fields[1].type, vj, &v, depth + 1) < 0) {
                                        ferry_value_free(k);
                                        ferry_value_free(r);
                                        return -1;
                                }
                                if (ferry_map_put(r, k, v) < 0) {
                                        ferry_value_free(r);
                                        return -1;
                                }
                        }
                } else {
                        ferry_value_free(r);
                        return -1;
                }
                break;
        case FERRY_TYPE_STRUCT:
                if (j->type != FERRY_TYPE_MAP || a->type != FERRY_AVRO_RECORD ||
                    !(r = ferry_value_struct((ferry_schema_t *)s)))
                        return -1;
                for (size_t i = 0; i < s->n_fields; i++) {
                        const ferry_avro_field_t *af = NULL;
                        for (size_t k = 0; k < a->n_fields && !af; k++)
                                if (strcmp(a->fields[k].name, s->fields[i].name) == 0)
                                        af = &a->fields[k];
                        bool present;
                        const ferry_value_t *fj = obj_field(j, s->fields[i].name, &present);
                        if (!present && af && af->has_default)
                                fj = af->def;
                        if (!af ||
                            from_json(s->fields[i].schema, af->type, fj, &r->u.st.fields[i], depth + 1) < 0) {
                                ferry_value_free(r);
                                return -1;
                        }
                }
                break;
        }
        if (!r)
                return -1;
        *out = r;
        return 0;
}

int ferry_avro_default_from_json(const ferry_schema_t *s, const ferry_avro_node_t *a, const ferry_value_t *j,
                                 ferry_value_t **out)
{
        return from_json(s, a, j, out, 0);
}

/* ---- encoding ---- */

#define W(expr)                                                                                              \
        do {                                                                                                 \
                if ((expr) < 0)                                                                              \
                        return verr(x, "out of memory");                                                     \
        } while (0)

static bool branch_fits(const ferry_avro_node_t *b, const ferry_schema_t *s, const ferry_value_t *v,
                        bool scrub)
{
        ferry_type_t t = s ? s->type : v->type;
        switch (b->type) {
        case FERRY_AVRO_INT:
                return t == FERRY_TYPE_INT8 || t == FERRY_TYPE_INT16 || t == FERRY_TYPE_INT32;
        case FERRY_AVRO_LONG:
                return t == FERRY_TYPE_INT64;
        case FERRY_AVRO_FLOAT:
                return t == FERRY_TYPE_FLOAT32;
        case FERRY_AVRO_DOUBLE:
                return t == FERRY_TYPE_FLOAT64;
        case FERRY_AVRO_BOOLEAN:
                return t == FERRY_TYPE_BOOLEAN;
        case FERRY_AVRO_STRING:
        case FERRY_AVRO_ENUM:
                return t == FERRY_TYPE_STRING;
        case FERRY_AVRO_BYTES:
        case FERRY_AVRO_FIXED:
                return t == FERRY_TYPE_BYTES;
        case FERRY_AVRO_ARRAY:
                return t == FERRY_TYPE_ARRAY || t == FERRY_TYPE_MAP;
        case FERRY_AVRO_MAP:
                return t == FERRY_TYPE_MAP;
        case FERRY_AVRO_RECORD:
                if (t != FERRY_TYPE_STRUCT)
                        return false;
                if (s && s->name) {
                        char *fn = ferry_avro_full_name(b);
                        bool eq = fn && strcmp(fn, s->name) == 0;
                        if (!eq && fn && scrub) {
                                /* crossReferenceSchemaNames: the scrubbed name (last part) */
                                const char *last = strrchr(s->name, '.');
                                char *sn = ferry_avro_scrub_name(last ? last + 1 : s->name);
                                eq = sn && strcmp(sn, b->name) == 0;
                                free(sn);
                        }
                        free(fn);
                        return eq || strncmp(b->name, FERRY_AVRO_DEFAULT_NAME,
                                             strlen(FERRY_AVRO_DEFAULT_NAME)) == 0;
                }
                return true;
        default:
                return false;
        }
}

static int encode_json(ectx_t *x, const ferry_avro_node_t *a, const ferry_value_t *j, ferry_buf_t *out,
                       int depth);

static int encode(ectx_t *x, const ferry_avro_node_t *a, const ferry_schema_t *s, const ferry_value_t *v,
                  ferry_buf_t *out, int depth)
{
        if (depth > MAX_DEPTH)
                return verr(x, "value nested deeper than %d levels", MAX_DEPTH);
        if (a->type == FERRY_AVRO_UNION) {
                if (!v) {
                        for (size_t i = 0; i < a->n_branches; i++)
                                if (a->branches[i]->type == FERRY_AVRO_NULL) {
                                        W(ferry_avro_write_long(out, (int64_t)i));
                                        return 0;
                                }
                        return verr(x, "Found null value for non-optional schema");
                }
                if (is_union_schema(s)) {
                        if (v->type != FERRY_TYPE_STRUCT)
                                return verr(x, "a Connect union value must be a struct");
                        for (size_t f = 0; f < s->n_fields; f++) {
                                if (!v->u.st.fields[f])
                                        continue;
                                /* generalized.sum.type.support: connect_union_field_<branch> */
                                long gi = ferry_avro_generalized_field_index(s->fields[f].name);
                                if (gi >= 0 && (size_t)gi < a->n_branches) {
                                        W(ferry_avro_write_long(out, (int64_t)gi));
                                        return encode(x, a->branches[gi], s->fields[f].schema,
                                                      v->u.st.fields[f], out, depth + 1);
                                }
                                for (size_t i = 0; i < a->n_branches; i++) {
                                        char buf[512];
                                        const char *mn = ferry_avro_union_member_name(a->branches[i], false,
                                                                                      buf, sizeof(buf));
                                        const char *me = ferry_avro_union_member_name(a->branches[i], true,
                                                                                      buf, sizeof(buf));
                                        if (strcmp(mn, s->fields[f].name) != 0 &&
                                            strcmp(me, s->fields[f].name) != 0)
                                                continue;
                                        W(ferry_avro_write_long(out, (int64_t)i));
                                        return encode(x, a->branches[i], s->fields[f].schema,
                                                      v->u.st.fields[f], out, depth + 1);
                                }
                                return verr(x, "Did not find matching union field for data (%s)",
                                            s->fields[f].name);
                        }
                        return verr(x, "a Connect union value has no field set");
                }
                size_t pick = a->n_branches;
                for (size_t i = 0; i < a->n_branches && pick == a->n_branches; i++)
                        if (branch_fits(a->branches[i], s, v, x->cfg && x->cfg->scrub_invalid_names))
                                pick = i;
                if (pick == a->n_branches)
                        return verr(x, "no branch of the Avro union fits a %s value",
                                    ferry_type_name(v->type));
                W(ferry_avro_write_long(out, (int64_t)pick));
                return encode(x, a->branches[pick], s, v, out, depth + 1);
        }
        if (!v) {
                if (a->type == FERRY_AVRO_NULL)
                        return 0;
                return verr(x, "Found null value for non-optional schema");
        }
        switch (a->type) {
        case FERRY_AVRO_NULL:
                return verr(x, "a %s value for an Avro null", ferry_type_name(v->type));
        case FERRY_AVRO_BOOLEAN:
                if (v->type != FERRY_TYPE_BOOLEAN)
                        break;
                W(ferry_avro_write_bool(out, v->u.b));
                return 0;
        case FERRY_AVRO_INT:
                if (!is_int(v->type))
                        break;
                if (v->u.i < INT32_MIN || v->u.i > INT32_MAX)
                        return verr(x, "%lld does not fit an Avro int", (long long)v->u.i);
                W(ferry_avro_write_long(out, v->u.i));
                return 0;
        case FERRY_AVRO_LONG:
                if (!is_int(v->type))
                        break;
                W(ferry_avro_write_long(out, v->u.i));
                return 0;
        case FERRY_AVRO_FLOAT:
                if (v->type == FERRY_TYPE_FLOAT32 || v->type == FERRY_TYPE_FLOAT64)
                        W(ferry_avro_write_float(out, (float)v->u.f));
                else if (is_int(v->type))
                        W(ferry_avro_write_float(out, (float)v->u.i));
                else
                        break;
                return 0;
        case FERRY_AVRO_DOUBLE:
                if (v->type == FERRY_TYPE_FLOAT32 || v->type == FERRY_TYPE_FLOAT64)
                        W(ferry_avro_write_double(out, v->u.f));
                else if (is_int(v->type))
                        W(ferry_avro_write_double(out, (double)v->u.i));
                else
                        break;
                return 0;
        case FERRY_AVRO_STRING:
                if (v->type != FERRY_TYPE_STRING)
                        break;
                W(ferry_avro_write_bytes(out, v->u.s.data, v->u.s.len));
                return 0;
        case FERRY_AVRO_BYTES: {
                if (v->type != FERRY_TYPE_BYTES && v->type != FERRY_TYPE_STRING)
                        break;
                const unsigned char *p = (const unsigned char *)v->u.s.data;
                size_t n = v->u.s.len;
                if (is_decimal(s)) {
                        if (!n)
                                return verr(x, "Invalid Decimal value: no bytes");
                        minimal(v, &p, &n);
                }
                W(ferry_avro_write_bytes(out, p, n));
                return 0;
        }
        case FERRY_AVRO_FIXED: {
                if (v->type != FERRY_TYPE_BYTES)
                        break;
                size_t size = (size_t)a->size, n = v->u.s.len;
                const unsigned char *p = (const unsigned char *)v->u.s.data;
                if (is_decimal(s) && n) {
                        minimal(v, &p, &n);
                        if (n > size)
                                return verr(
                                        x,
                                        "Unscaled value byte array length %zu is greater than fixed size %zu",
                                        n, size);
                        char pad = (char)((p[0] & 0x80) ? 0xff : 0x00);
                        for (size_t i = n; i < size; i++)
                                W(ferry_buf_putc(out, pad));
                } else if (n != size) {
                        return verr(x, "%zu bytes for an Avro fixed of size %zu", n, size);
                }
                W(ferry_buf_append(out, p, n));
                return 0;
        }
        case FERRY_AVRO_ENUM:
                if (v->type != FERRY_TYPE_STRING)
                        break;
                for (size_t i = 0; i < a->n_symbols; i++)
                        if (strcmp(a->symbols[i], v->u.s.data) == 0) {
                                W(ferry_avro_write_long(out, (int64_t)i));
                                return 0;
                        }
                return verr(x, "\"%s\" is not a symbol of enum %s", v->u.s.data, a->name);
        case FERRY_AVRO_ARRAY:
                if (v->type == FERRY_TYPE_MAP && a->items->type == FERRY_AVRO_RECORD &&
                    a->items->n_fields == 2) {
                        const ferry_avro_node_t *e = a->items;
                        if (v->u.m.n) {
                                W(ferry_avro_write_long(out, (int64_t)v->u.m.n));
                                for (size_t i = 0; i < v->u.m.n; i++)
                                        if (encode(x, e->fields[0].type, s ? s->keys : NULL, v->u.m.keys[i],
                                                   out, depth + 1) < 0 ||
                                            encode(x, e->fields[1].type, s ? s->items : NULL, v->u.m.vals[i],
                                                   out, depth + 1) < 0)
                                                return -1;
                        }
                        W(ferry_avro_write_long(out, 0));
                        return 0;
                }
                if (v->type != FERRY_TYPE_ARRAY)
                        break;
                if (v->u.a.n) {
                        W(ferry_avro_write_long(out, (int64_t)v->u.a.n));
                        for (size_t i = 0; i < v->u.a.n; i++)
                                if (encode(x, a->items, s ? s->items : NULL, v->u.a.items[i], out,
                                           depth + 1) < 0)
                                        return -1;
                }
                W(ferry_avro_write_long(out, 0));
                return 0;
        case FERRY_AVRO_MAP:
                if (v->type != FERRY_TYPE_MAP)
                        break;
                if (v->u.m.n) {
                        W(ferry_avro_write_long(out, (int64_t)v->u.m.n));
                        for (size_t i = 0; i < v->u.m.n; i++) {
                                const ferry_value_t *k = v->u.m.keys[i];
                                if (!k || k->type != FERRY_TYPE_STRING)
                                        return verr(x, "an Avro map needs string keys");
                                W(ferry_avro_write_bytes(out, k->u.s.data, k->u.s.len));
                                if (encode(x, a->items, s ? s->items : NULL, v->u.m.vals[i], out, depth + 1) <
                                    0)
                                        return -1;
                        }
                }
                W(ferry_avro_write_long(out, 0));
                return 0;
        case FERRY_AVRO_RECORD: {
                if (v->type != FERRY_TYPE_STRUCT)
                        break;
                const ferry_schema_t *vs = v->u.st.schema;
                for (size_t i = 0; i < a->n_fields; i++) {
                        const ferry_avro_field_t *af = &a->fields[i];
                        size_t k = vs->n_fields;
                        if (i < vs->n_fields && strcmp(vs->fields[i].name, af->name) == 0)
                                k = i;
                        for (size_t m = 0; m < vs->n_fields && k == vs->n_fields; m++)
                                if (strcmp(vs->fields[m].name, af->name) == 0)
                                        k = m;
                        for (size_t m = 0;
                             x->cfg && x->cfg->scrub_invalid_names && m < vs->n_fields && k == vs->n_fields;
                             m++) {
                                char *sn = ferry_avro_scrub_name(vs->fields[m].name);
                                if (!sn)
                                        return verr(x, "out of memory");
                                if (strcmp(sn, af->name) == 0)
                                        k = m;
                                free(sn);
                        }
                        if (k == vs->n_fields) {
                                if (!af->has_default)
                                        return verr(x, "field %s of Avro record %s is missing from the value",
                                                    af->name, a->name);
                                if (encode_json(x, af->type, af->def, out, depth + 1) < 0)
                                        return -1;
                                continue;
                        }
                        /* Java's Struct.get gives a null field its schema's default. */
                        const ferry_value_t *fv = v->u.st.fields[k];
                        if (!fv && !(x->cfg && x->cfg->ignore_default_for_nullables))
                                fv = vs->fields[k].schema->default_value;
                        if (encode(x, af->type, vs->fields[k].schema, fv, out, depth + 1) < 0) {
                                if (x->errstr && x->errstr_size && !strstr(x->errstr, "field "))
                                        snprintf(x->errstr + strlen(x->errstr),
                                                 x->errstr_size - strlen(x->errstr), " (field %s)", af->name);
                                return -1;
                        }
                }
                return 0;
        }
        case FERRY_AVRO_UNION:
                break;
        }
        return verr(x, "a %s value does not fit Avro type %s", ferry_type_name(v->type),
                    ferry_avro_type_name(a->type));
}

/* Writes an Avro JSON default (of a field the value lacks). */
static int encode_json(ectx_t *x, const ferry_avro_node_t *a, const ferry_value_t *j, ferry_buf_t *out,
                       int depth)
{
        if (depth > MAX_DEPTH)
                return verr(x, "default nested too deeply");
        switch (a->type) {
        case FERRY_AVRO_UNION:
                if (!a->n_branches)
                        break;
                W(ferry_avro_write_long(out, 0));
                return encode_json(x, a->branches[0], j, out, depth + 1);
        case FERRY_AVRO_NULL:
                return 0;
        case FERRY_AVRO_RECORD:
                if (!j || j->type != FERRY_TYPE_MAP)
                        break;
                for (size_t i = 0; i < a->n_fields; i++) {
                        bool present;
                        const ferry_value_t *fj = obj_field(j, a->fields[i].name, &present);
                        if (!present)
                                fj = a->fields[i].def;
                        if (encode_json(x, a->fields[i].type, fj, out, depth + 1) < 0)
                                return -1;
                }
                return 0;
        case FERRY_AVRO_ARRAY:
                if (!j || j->type != FERRY_TYPE_ARRAY)
                        break;
                if (j->u.a.n) {
                        W(ferry_avro_write_long(out, (int64_t)j->u.a.n));
                        for (size_t i = 0; i < j->u.a.n; i++)
                                if (encode_json(x, a->items, j->u.a.items[i], out, depth + 1) < 0)
                                        return -1;
                }
                W(ferry_avro_write_long(out, 0));
                return 0;
        case FERRY_AVRO_MAP:
                if (!j || j->type != FERRY_TYPE_MAP)
                        break;
                if (j->u.m.n) {
                        W(ferry_avro_write_long(out, (int64_t)j->u.m.n));
                        for (size_t i = 0; i < j->u.m.n; i++) {
                                W(ferry_avro_write_bytes(out, j->u.m.keys[i]->u.s.data,
                                                         j->u.m.keys[i]->u.s.len));
                                if (encode_json(x, a->items, j->u.m.vals[i], out, depth + 1) < 0)
                                        return -1;
                        }
                }
                W(ferry_avro_write_long(out, 0));
                return 0;
        case FERRY_AVRO_BYTES:
        case FERRY_AVRO_FIXED: {
                if (!j || j->type != FERRY_TYPE_STRING)
                        break;
                ferry_value_t *b = latin1_bytes(j);
                if (!b)
                        break;
                int rc = a->type == FERRY_AVRO_BYTES ? ferry_avro_write_bytes(out, b->u.s.data, b->u.s.len)
                         : b->u.s.len == (size_t)a->size ? ferry_buf_append(out, b->u.s.data, b->u.s.len)
                                                         : -2;
                ferry_value_free(b);
                if (rc == -2)
                        break;
                W(rc);
                return 0;
        }
        default: {
                /* Primitives and enums: the JSON value is a Connect value of the right kind. */
                return encode(x, a, NULL, j, out, depth + 1);
        }
        }
        return verr(x, "invalid Avro default for a %s", ferry_avro_type_name(a->type));
}

int ferry_avro_encode(const ferry_avro_node_t *a, const ferry_schema_t *s, const ferry_value_t *v,
                      ferry_buf_t *out, char *errstr, size_t errstr_size)
{
        return ferry_avro_encode_cfg(NULL, a, s, v, out, errstr, errstr_size);
}

int ferry_avro_encode_cfg(const ferry_avro_data_config_t *cfg, const ferry_avro_node_t *a,
                          const ferry_schema_t *s, const ferry_value_t *v, ferry_buf_t *out, char *errstr,
                          size_t errstr_size)
{
        ectx_t x = {.cfg = cfg, .errstr = errstr, .errstr_size = errstr_size};
        if (errstr && errstr_size)
                errstr[0] = '\0';
        return encode(&x, a, s, v, out, 0);
}

/* ---- decoding ---- */

static int rerr(ectx_t *x, ferry_avro_reader_t *r)
{
        return verr(x, "Error deserializing Avro message: %s", r->err ? r->err : "malformed data");
}

static int decode(ectx_t *x, const ferry_avro_node_t *a, const ferry_schema_t *s, ferry_avro_reader_t *r,
                  ferry_value_t **out, int depth)
{
        *out = NULL;
        if (depth > MAX_DEPTH)
                return verr(x, "Avro data nested deeper than %d levels", MAX_DEPTH);
        if (!s)
                return verr(x, "no Connect schema for Avro type %s", ferry_avro_type_name(a->type));
        int64_t l;
        int32_t i32;
        double d;
        float f;
        bool b;
        const char *p;
        size_t len;
        ferry_value_t *v = NULL;
        switch (a->type) {
        case FERRY_AVRO_NULL:
                return 0;
        case FERRY_AVRO_UNION: {
                if (ferry_avro_read_int(r, &i32) < 0)
                        return rerr(x, r);
                if (i32 < 0 || (size_t)i32 >= a->n_branches)
                        return verr(x, "Error deserializing Avro message: union index %d out of range",
                                    (int)i32);
                const ferry_avro_node_t *br = a->branches[i32];
                if (br->type == FERRY_AVRO_NULL)
                        return 0;
                if (!is_union_schema(s))
                        return decode(x, br, s, r, out, depth + 1);
                char buf[512];
                const char *fname = ferry_avro_union_member_name(br, false, buf, sizeof(buf));
                if (ferry_schema_param(s, FERRY_CONNECT_UNION_PARAM)) {
                        snprintf(buf, sizeof(buf), "%s%d", FERRY_CONNECT_UNION_FIELD, (int)i32);
                        fname = buf;
                }
                const ferry_field_t *fld = ferry_schema_field(s, fname);
                if (!fld)
                        fld = ferry_schema_field(s, ferry_avro_union_member_name(br, true, buf, sizeof(buf)));
                if (!fld)
                        return verr(x, "Did not find matching union field for data");
                if (!(v = ferry_value_struct((ferry_schema_t *)s)))
                        return verr(x, "out of memory");
                if (decode(x, br, fld->schema, r, &v->u.st.fields[fld->index], depth + 1) < 0) {
                        ferry_value_free(v);
                        return -1;
                }
                *out = v;
                return 0;
        }
        case FERRY_AVRO_BOOLEAN:
                if (ferry_avro_read_bool(r, &b) < 0)
                        return rerr(x, r);
                v = ferry_value_bool(b);
                break;
        case FERRY_AVRO_INT:
                if (ferry_avro_read_int(r, &i32) < 0)
                        return rerr(x, r);
                if (s->type == FERRY_TYPE_INT8)
                        v = ferry_value_int(FERRY_TYPE_INT8, (int8_t)i32);
                else if (s->type == FERRY_TYPE_INT16)
                        v = ferry_value_int(FERRY_TYPE_INT16, (int16_t)i32);
                else
                        v = ferry_value_int(FERRY_TYPE_INT32, i32);
                break;
        case FERRY_AVRO_LONG:
                if (ferry_avro_read_long(r, &l) < 0)
                        return rerr(x, r);
                v = ferry_value_int(FERRY_TYPE_INT64, l);
                break;
        case FERRY_AVRO_FLOAT:
                if (ferry_avro_read_float(r, &f) < 0)
                        return rerr(x, r);
                v = ferry_value_float(FERRY_TYPE_FLOAT32, f);
                break;
        case FERRY_AVRO_DOUBLE:
                if (ferry_avro_read_double(r, &d) < 0)
                        return rerr(x, r);
                v = ferry_value_float(FERRY_TYPE_FLOAT64, d);
                break;
        case FERRY_AVRO_STRING:
                if (ferry_avro_read_bytes(r, &p, &len) < 0)
                        return rerr(x, r);
                v = ferry_value_string(p, len);
                break;
        case FERRY_AVRO_BYTES:
                if (ferry_avro_read_bytes(r, &p, &len) < 0)
                        return rerr(x, r);
                if (!len && is_decimal(s))
                        return verr(x, "Invalid Decimal value: no bytes"); /* Java: Zero length BigInteger */
                v = ferry_value_bytes(p, len);
                break;
        case FERRY_AVRO_FIXED:
                if (ferry_avro_read_fixed(r, (size_t)a->size, &p) < 0)
                        return rerr(x, r);
                v = ferry_value_bytes(p, (size_t)a->size);
                break;
        case FERRY_AVRO_ENUM:
                if (ferry_avro_read_int(r, &i32) < 0)
                        return rerr(x, r);
                if (i32 < 0 || (size_t)i32 >= a->n_symbols)
                        return verr(x, "Error deserializing Avro message: enum index %d out of range",
                                    (int)i32);
                v = ferry_value_cstring(a->symbols[i32]);
                break;
        case FERRY_AVRO_ARRAY:
        case FERRY_AVRO_MAP: {
                bool entries = a->type == FERRY_AVRO_ARRAY && s->type == FERRY_TYPE_MAP;
                if ((entries && (a->items->type != FERRY_AVRO_RECORD || a->items->n_fields != 2)) ||
                    (!entries && a->type == FERRY_AVRO_ARRAY && s->type != FERRY_TYPE_ARRAY) ||
                    (a->type == FERRY_AVRO_MAP && s->type != FERRY_TYPE_MAP))
                        return verr(x, "Avro %s does not match Connect %s", ferry_avro_type_name(a->type),
                                    ferry_type_name(s->type));
                if (!(v = a->type == FERRY_AVRO_ARRAY && !entries ? ferry_value_array() : ferry_value_map()))
                        return verr(x, "out of memory");
                for (;;) {
                        int64_t count;
                        if (ferry_avro_read_block(r, &count) < 0) {
                                ferry_value_free(v);
                                return rerr(x, r);
                        }
                        if (!count)
                                break;
                        if ((uint64_t)count > (uint64_t)(r->end - r->p) + 1 &&
                            a->items->type != FERRY_AVRO_NULL) {
                                ferry_value_free(v);
                                return verr(x,
                                            "Error deserializing Avro message: block count beyond the data");
                        }
                        for (int64_t k = 0; k < count; k++) {
                                ferry_value_t *key = NULL, *item = NULL;
                                int rc;
                                if (entries) {
                                        rc = decode(x, a->items->fields[0].type, s->keys, r, &key, depth + 1);
                                        if (rc == 0)
                                                rc = decode(x, a->items->fields[1].type, s->items, r, &item,
                                                            depth + 1);
                                } else if (a->type == FERRY_AVRO_MAP) {
                                        rc = ferry_avro_read_bytes(r, &p, &len) < 0 ? rerr(x, r) : 0;
                                        if (rc == 0 && !(key = ferry_value_string(p, len)))
                                                rc = verr(x, "out of memory");
                                        if (rc == 0)
                                                rc = decode(x, a->items, s->items, r, &item, depth + 1);
                                } else {
                                        rc = decode(x, a->items, s->items, r, &item, depth + 1);
                                }
                                if (rc == 0)
                                        rc = a->type == FERRY_AVRO_ARRAY && !entries
                                                     ? ferry_array_append(v, item)
                                                     : ferry_map_put(v, key, item);
                                else {
                                        ferry_value_free(key);
                                        ferry_value_free(item);
                                }
                                if (rc < 0) {
                                        ferry_value_free(v);
                                        return x->failed ? -1 : verr(x, "out of memory");
                                }
                        }
                }
                break;
        }
        case FERRY_AVRO_RECORD:
                if (s->type != FERRY_TYPE_STRUCT || s->n_fields != a->n_fields)
                        return verr(x, "Avro record %s does not match its Connect schema", a->name);
                if (!(v = ferry_value_struct((ferry_schema_t *)s)))
                        return verr(x, "out of memory");
                for (size_t i = 0; i < a->n_fields; i++)
                        if (decode(x, a->fields[i].type, s->fields[i].schema, r, &v->u.st.fields[i],
                                   depth + 1) < 0) {
                                ferry_value_free(v);
                                return -1;
                        }
                break;
        }
        if (!v)
                return verr(x, "out of memory");
        *out = v;
        return 0;
}

int ferry_avro_decode(const ferry_avro_node_t *a, const ferry_schema_t *s, ferry_avro_reader_t *r,
                      ferry_value_t **out, char *errstr, size_t errstr_size)
{
        ectx_t x = {.errstr = errstr, .errstr_size = errstr_size};
        return decode(&x, a, s, r, out, 0);
}
