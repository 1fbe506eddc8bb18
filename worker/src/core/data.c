/* Connect's data model (data.h): reference-counted schemas, value trees, deep copy/equality and
 * validation. Every stage of the pipeline uses it: connectors build values, transforms rewrite them,
 * converters turn them into bytes and back. Also holds the text forms shared by the converters:
 * Java's Double.toString/Float.toString and BigDecimal.toString for Decimal values. */
#include <ferry/data.h>

#include "core/alloc_cache.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[] = {
        [FERRY_TYPE_INT8] = "int8",       [FERRY_TYPE_INT16] = "int16",   [FERRY_TYPE_INT32] = "int32",
        [FERRY_TYPE_INT64] = "int64",     [FERRY_TYPE_FLOAT32] = "float", [FERRY_TYPE_FLOAT64] = "double",
        [FERRY_TYPE_BOOLEAN] = "boolean", [FERRY_TYPE_STRING] = "string", [FERRY_TYPE_BYTES] = "bytes",
        [FERRY_TYPE_ARRAY] = "array",     [FERRY_TYPE_MAP] = "map",       [FERRY_TYPE_STRUCT] = "struct",
};

#define N_TYPES (sizeof(type_names) / sizeof(type_names[0]))

const char *ferry_type_name(ferry_type_t type)
{
        if ((unsigned)type >= N_TYPES)
                return "unknown";
        return type_names[type];
}

int ferry_type_from_name(const char *name)
{
        if (!name)
                return -1;
        for (size_t i = 0; i < N_TYPES; i++)
                if (strcmp(type_names[i], name) == 0)
                        return (int)i;
        /* Schema.Type's own names for the floating point types, as Cast and friends spell them. */
        if (strcmp(name, "float32") == 0)
                return FERRY_TYPE_FLOAT32;
        if (strcmp(name, "float64") == 0)
                return FERRY_TYPE_FLOAT64;
        return -1;
}

static char *xstrdup(const char *s)
{
        if (!s)
                return NULL;
        size_t n = strlen(s) + 1;
        char *p = malloc(n);
        if (p)
                memcpy(p, s, n);
        return p;
}

/* ---- schemas ---- */

ferry_schema_t *ferry_schema_new(ferry_type_t type)
{
        ferry_schema_t *s = calloc(1, sizeof(*s));
        if (!s)
                return NULL;
        s->type = type;
        s->refcnt = 1;
        return s;
}

ferry_schema_t *ferry_schema_array(ferry_schema_t *items)
{
        if (!items)
                return NULL;
        ferry_schema_t *s = ferry_schema_new(FERRY_TYPE_ARRAY);
        if (!s) {
                ferry_schema_unref(items);
                return NULL;
        }
        s->items = items;
        return s;
}

ferry_schema_t *ferry_schema_map(ferry_schema_t *keys, ferry_schema_t *values)
{
        ferry_schema_t *s = keys && values ? ferry_schema_new(FERRY_TYPE_MAP) : NULL;
        if (!s) {
                ferry_schema_unref(keys);
                ferry_schema_unref(values);
                return NULL;
        }
        s->keys = keys;
        s->items = values;
        return s;
}

int ferry_schema_add_field(ferry_schema_t *s, const char *name, ferry_schema_t *field)
{
        if (!s || !name || !field || s->type != FERRY_TYPE_STRUCT || ferry_schema_field(s, name))
                goto fail;
        ferry_field_t *fields = realloc(s->fields, (s->n_fields + 1) * sizeof(*fields));
        if (!fields)
                goto fail;
        s->fields = fields;
        char *copy = xstrdup(name);
        if (!copy)
                goto fail;
        fields[s->n_fields].name = copy;
        fields[s->n_fields].index = (int)s->n_fields;
        fields[s->n_fields].schema = field;
        s->n_fields++;
        return 0;
fail:
        ferry_schema_unref(field);
        return -1;
}

static int set_str(char **dst, const char *v)
{
        char *copy = NULL;
        if (v && !(copy = xstrdup(v)))
                return -1;
        free(*dst);
        *dst = copy;
        return 0;
}

int ferry_schema_set_name(ferry_schema_t *s, const char *name)
{
        return set_str(&s->name, name);
}

int ferry_schema_set_doc(ferry_schema_t *s, const char *doc)
{
        return set_str(&s->doc, doc);
}

int ferry_schema_set_param(ferry_schema_t *s, const char *key, const char *value)
{
        if (!key || !value)
                return -1;
        for (size_t i = 0; i < s->n_params; i++)
                if (strcmp(s->params[i].key, key) == 0)
                        return set_str(&s->params[i].value, value);
        ferry_param_t *p = realloc(s->params, (s->n_params + 1) * sizeof(*p));
        if (!p)
                return -1;
        s->params = p;
        char *k = xstrdup(key), *v = xstrdup(value);
        if (!k || !v) {
                free(k);
                free(v);
                return -1;
        }
        p[s->n_params].key = k;
        p[s->n_params].value = v;
        s->n_params++;
        return 0;
}

const char *ferry_schema_param(const ferry_schema_t *s, const char *key)
{
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_params; i++)
                if (strcmp(s->params[i].key, key) == 0)
                        return s->params[i].value;
        return NULL;
}

const ferry_field_t *ferry_schema_field(const ferry_schema_t *s, const char *name)
{
        if (!s || !name)
                return NULL;
        for (size_t i = 0; i < s->n_fields; i++)
                if (strcmp(s->fields[i].name, name) == 0)
                        return &s->fields[i];
        return NULL;
}

ferry_schema_t *ferry_schema_decimal(int scale)
{
        ferry_schema_t *s = ferry_schema_new(FERRY_TYPE_BYTES);
        char buf[16];
        snprintf(buf, sizeof(buf), "%d", scale);
        if (!s || ferry_schema_set_name(s, FERRY_LOGICAL_DECIMAL) < 0 ||
            ferry_schema_set_param(s, FERRY_DECIMAL_SCALE, buf) < 0) {
                ferry_schema_unref(s);
                return NULL;
        }
        s->has_version = true;
        s->version = 1;
        return s;
}

ferry_schema_t *ferry_schema_logical(const char *logical_name)
{
        ferry_type_t type;
        if (!logical_name)
                return NULL;
        if (strcmp(logical_name, FERRY_LOGICAL_DECIMAL) == 0)
                return ferry_schema_decimal(0);
        if (strcmp(logical_name, FERRY_LOGICAL_DATE) == 0 || strcmp(logical_name, FERRY_LOGICAL_TIME) == 0)
                type = FERRY_TYPE_INT32;
        else if (strcmp(logical_name, FERRY_LOGICAL_TIMESTAMP) == 0)
                type = FERRY_TYPE_INT64;
        else
                return NULL;
        ferry_schema_t *s = ferry_schema_new(type);
        if (!s || ferry_schema_set_name(s, logical_name) < 0) {
                ferry_schema_unref(s);
                return NULL;
        }
        s->has_version = true;
        s->version = 1;
        return s;
}

ferry_schema_t *ferry_schema_ref(ferry_schema_t *s)
{
        if (s)
                __atomic_add_fetch(&s->refcnt, 1, __ATOMIC_RELAXED);
        return s;
}

void ferry_schema_unref(ferry_schema_t *s)
{
        if (!s || __atomic_sub_fetch(&s->refcnt, 1, __ATOMIC_ACQ_REL) > 0)
                return;
        free(s->name);
        free(s->doc);
        ferry_value_free(s->default_value);
        for (size_t i = 0; i < s->n_params; i++) {
                free(s->params[i].key);
                free(s->params[i].value);
        }
        free(s->params);
        ferry_schema_unref(s->items);
        ferry_schema_unref(s->keys);
        for (size_t i = 0; i < s->n_fields; i++) {
                free(s->fields[i].name);
                ferry_schema_unref(s->fields[i].schema);
        }
        free(s->fields);
        free(s);
}

static bool str_eq(const char *a, const char *b)
{
        return a == b || (a && b && strcmp(a, b) == 0);
}

static bool params_equal(const ferry_schema_t *a, const ferry_schema_t *b)
{
        if (a->n_params != b->n_params)
                return false;
        for (size_t i = 0; i < a->n_params; i++)
                if (!str_eq(a->params[i].value, ferry_schema_param(b, a->params[i].key)))
                        return false;
        return true;
}

bool ferry_schema_equal(const ferry_schema_t *a, const ferry_schema_t *b)
{
        if (a == b)
                return true;
        if (!a || !b)
                return false;
        if (a->type != b->type || a->optional != b->optional || !str_eq(a->name, b->name) ||
            a->has_version != b->has_version || (a->has_version && a->version != b->version) ||
            !str_eq(a->doc, b->doc) || !params_equal(a, b) ||
            !ferry_value_equal(a->default_value, b->default_value) || a->n_fields != b->n_fields ||
            !ferry_schema_equal(a->items, b->items) || !ferry_schema_equal(a->keys, b->keys))
                return false;
        for (size_t i = 0; i < a->n_fields; i++)
                if (strcmp(a->fields[i].name, b->fields[i].name) != 0 ||
                    !ferry_schema_equal(a->fields[i].schema, b->fields[i].schema))
                        return false;
        return true;
}

ferry_schema_t *ferry_schema_copy(const ferry_schema_t *s)
{
        if (!s)
                return NULL;
        ferry_schema_t *c = ferry_schema_new(s->type);
        if (!c)
                return NULL;
        c->optional = s->optional;
        c->has_version = s->has_version;
        c->version = s->version;
        if (set_str(&c->name, s->name) < 0 || set_str(&c->doc, s->doc) < 0)
                goto fail;
        if (s->default_value && !(c->default_value = ferry_value_copy(s->default_value)))
                goto fail;
        for (size_t i = 0; i < s->n_params; i++)
                if (ferry_schema_set_param(c, s->params[i].key, s->params[i].value) < 0)
                        goto fail;
        c->items = ferry_schema_ref(s->items);
        c->keys = ferry_schema_ref(s->keys);
        for (size_t i = 0; i < s->n_fields; i++)
                if (ferry_schema_add_field(c, s->fields[i].name, ferry_schema_ref(s->fields[i].schema)) < 0)
                        goto fail;
        return c;
fail:
        ferry_schema_unref(c);
        return NULL;
}

/* ---- values ---- */

static ferry_value_t *value_new(ferry_type_t type)
{
        ferry_value_t *v = ferry_cache_calloc(sizeof(*v));
        if (v)
                v->type = type;
        return v;
}

ferry_value_t *ferry_value_int(ferry_type_t type, int64_t i)
{
        ferry_value_t *v = value_new(type);
        if (v)
                v->u.i = i;
        return v;
}

ferry_value_t *ferry_value_float(ferry_type_t type, double f)
{
        ferry_value_t *v = value_new(type);
        if (v)
                v->u.f = type == FERRY_TYPE_FLOAT32 ? (double)(float)f : f;
        return v;
}

ferry_value_t *ferry_value_bool(bool b)
{
        ferry_value_t *v = value_new(FERRY_TYPE_BOOLEAN);
        if (v)
                v->u.b = b;
        return v;
}

/* Strings and bytes live in the same allocation as their value (one malloc per value on the
 * record hot path); ferry_value_blob_replace() may later point data elsewhere. */
static ferry_value_t *value_blob(ferry_type_t type, const void *p, size_t len)
{
        ferry_value_t *v = ferry_cache_alloc(sizeof(*v) + len + 1);
        if (!v)
                return NULL;
        memset(v, 0, sizeof(*v));
        v->type = type;
        /* STRING: the terminating NUL; BYTES: the spare one. */
        v->u.s.data = (char *)(v + 1);
        if (len)
                memcpy(v->u.s.data, p, len);
        v->u.s.data[len] = '\0';
        v->u.s.len = len;
        return v;
}

ferry_value_t *ferry_value_string(const char *s, size_t len)
{
        return value_blob(FERRY_TYPE_STRING, s, len);
}

ferry_value_t *ferry_value_cstring(const char *s)
{
        return s ? value_blob(FERRY_TYPE_STRING, s, strlen(s)) : NULL;
}

ferry_value_t *ferry_value_bytes(const void *p, size_t len)
{
        return value_blob(FERRY_TYPE_BYTES, p, len);
}

ferry_value_t *ferry_value_array(void)
{
        return value_new(FERRY_TYPE_ARRAY);
}

/* Small maps (source partitions and offsets usually hold one key) keep their first slots in the
 * value's own allocation: keys[0..2) then vals[0..2) right after the struct. */
#define MAP_INLINE_CAP 2

static ferry_value_t **map_inline(ferry_value_t *v)
{
        return (ferry_value_t **)(v + 1);
}

ferry_value_t *ferry_value_map(void)
{
        ferry_value_t *v = ferry_cache_calloc(sizeof(*v) + 2 * MAP_INLINE_CAP * sizeof(ferry_value_t *));
        if (!v)
                return NULL;
        v->type = FERRY_TYPE_MAP;
        v->u.m.keys = map_inline(v);
        v->u.m.vals = map_inline(v) + MAP_INLINE_CAP;
        v->u.m.cap = MAP_INLINE_CAP;
        return v;
}

ferry_value_t *ferry_value_struct(ferry_schema_t *schema)
{
        if (!schema || schema->type != FERRY_TYPE_STRUCT)
                return NULL;
        ferry_value_t *v = value_new(FERRY_TYPE_STRUCT);
        if (!v)
                return NULL;
        v->u.st.fields = calloc(schema->n_fields ? schema->n_fields : 1, sizeof(*v->u.st.fields));
        if (!v->u.st.fields) {
                free(v);
                return NULL;
        }
        v->u.st.schema = ferry_schema_ref(schema);
        return v;
}

static size_t grow_cap(size_t cap)
{
        return cap ? cap * 2 : 4;
}

int ferry_array_append(ferry_value_t *array, ferry_value_t *item)
{
        if (!array || array->type != FERRY_TYPE_ARRAY)
                goto fail;
        if (array->u.a.n == array->u.a.cap) {
                size_t cap = grow_cap(array->u.a.cap);
                ferry_value_t **items = realloc(array->u.a.items, cap * sizeof(*items));
                if (!items)
                        goto fail;
                array->u.a.items = items;
                array->u.a.cap = cap;
        }
        array->u.a.items[array->u.a.n++] = item;
        return 0;
fail:
        ferry_value_free(item);
        return -1;
}

int ferry_map_append(ferry_value_t *map, ferry_value_t *key, ferry_value_t *val)
{
        if (!map || map->type != FERRY_TYPE_MAP)
                goto fail;
        if (map->u.m.n == map->u.m.cap) {
                /* keys and vals share one block: keys[0..cap) then vals[0..cap). */
                size_t cap = grow_cap(map->u.m.cap);
                ferry_value_t **block = malloc(2 * cap * sizeof(*block));
                if (!block)
                        goto fail;
                if (map->u.m.n) {
                        memcpy(block, map->u.m.keys, map->u.m.n * sizeof(*block));
                        memcpy(block + cap, map->u.m.vals, map->u.m.n * sizeof(*block));
                }
                if (map->u.m.keys != map_inline(map))
                        free(map->u.m.keys);
                map->u.m.keys = block;
                map->u.m.vals = block + cap;
                map->u.m.cap = cap;
        }
        map->u.m.keys[map->u.m.n] = key;
        map->u.m.vals[map->u.m.n] = val;
        map->u.m.n++;
        return 0;
fail:
        ferry_value_free(key);
        ferry_value_free(val);
        return -1;
}

int ferry_map_put(ferry_value_t *map, ferry_value_t *key, ferry_value_t *val)
{
        if (map && map->type == FERRY_TYPE_MAP) {
                for (size_t i = 0; i < map->u.m.n; i++) {
                        if (ferry_value_equal(map->u.m.keys[i], key)) {
                                ferry_value_free(key);
                                ferry_value_free(map->u.m.vals[i]);
                                map->u.m.vals[i] = val;
                                return 0;
                        }
                }
        }
        return ferry_map_append(map, key, val);
}

int ferry_map_put_str(ferry_value_t *map, const char *key, ferry_value_t *val)
{
        ferry_value_t *k = ferry_value_cstring(key);
        if (!k) {
                ferry_value_free(val);
                return -1;
        }
        return ferry_map_put(map, k, val);
}

ferry_value_t *ferry_map_get_str(const ferry_value_t *map, const char *key)
{
        if (!map || map->type != FERRY_TYPE_MAP || !key)
                return NULL;
        size_t len = strlen(key);
        for (size_t i = 0; i < map->u.m.n; i++) {
                const ferry_value_t *k = map->u.m.keys[i];
                if (k && k->type == FERRY_TYPE_STRING && k->u.s.len == len &&
                    memcmp(k->u.s.data, key, len) == 0)
                        return map->u.m.vals[i];
        }
        return NULL;
}

int ferry_struct_put(ferry_value_t *st, const char *field, ferry_value_t *v)
{
        const ferry_field_t *f = NULL;
        if (st && st->type == FERRY_TYPE_STRUCT)
                f = ferry_schema_field(st->u.st.schema, field);
        if (!f) {
                ferry_value_free(v);
                return -1;
        }
        ferry_value_free(st->u.st.fields[f->index]);
        st->u.st.fields[f->index] = v;
        return 0;
}

ferry_value_t *ferry_struct_get(const ferry_value_t *st, const char *field)
{
        if (!st || st->type != FERRY_TYPE_STRUCT)
                return NULL;
        const ferry_field_t *f = ferry_schema_field(st->u.st.schema, field);
        return f ? st->u.st.fields[f->index] : NULL;
}

ferry_value_t *ferry_value_copy(const ferry_value_t *v)
{
        if (!v)
                return NULL;
        ferry_value_t *c;
        switch (v->type) {
        case FERRY_TYPE_STRING:
        case FERRY_TYPE_BYTES:
                return value_blob(v->type, v->u.s.data, v->u.s.len);
        case FERRY_TYPE_ARRAY:
                if (!(c = ferry_value_array()))
                        return NULL;
                for (size_t i = 0; i < v->u.a.n; i++) {
                        ferry_value_t *item = ferry_value_copy(v->u.a.items[i]);
                        if ((v->u.a.items[i] && !item) || ferry_array_append(c, item) < 0)
                                goto fail;
                }
                return c;
        case FERRY_TYPE_MAP:
                if (!(c = ferry_value_map()))
                        return NULL;
                for (size_t i = 0; i < v->u.m.n; i++) {
                        ferry_value_t *k = ferry_value_copy(v->u.m.keys[i]);
                        ferry_value_t *val = ferry_value_copy(v->u.m.vals[i]);
                        if ((v->u.m.keys[i] && !k) || (v->u.m.vals[i] && !val)) {
                                ferry_value_free(k);
                                ferry_value_free(val);
                                goto fail;
                        }
                        if (ferry_map_append(c, k, val) < 0)
                                goto fail;
                }
                return c;
        case FERRY_TYPE_STRUCT:
                if (!(c = ferry_value_struct(v->u.st.schema)))
                        return NULL;
                for (size_t i = 0; i < v->u.st.schema->n_fields; i++) {
                        if (v->u.st.fields[i] && !(c->u.st.fields[i] = ferry_value_copy(v->u.st.fields[i])))
                                goto fail;
                }
                return c;
        default:
                if ((c = value_new(v->type)))
                        c->u = v->u;
                return c;
        }
fail:
        ferry_value_free(c);
        return NULL;
}

static bool float_eq(double a, double b)
{
        /* Java's Double.equals: NaN equals NaN, 0.0 differs from -0.0. */
        if (isnan(a) || isnan(b))
                return isnan(a) && isnan(b);
        return a == b && signbit(a) == signbit(b);
}

bool ferry_value_equal(const ferry_value_t *a, const ferry_value_t *b)
{
        if (a == b)
                return true;
        if (!a || !b || a->type != b->type)
                return false;
        switch (a->type) {
        case FERRY_TYPE_INT8:
        case FERRY_TYPE_INT16:
        case FERRY_TYPE_INT32:
        case FERRY_TYPE_INT64:
                return a->u.i == b->u.i;
        case FERRY_TYPE_FLOAT32:
        case FERRY_TYPE_FLOAT64:
                return float_eq(a->u.f, b->u.f);
        case FERRY_TYPE_BOOLEAN:
                return a->u.b == b->u.b;
        case FERRY_TYPE_STRING:
        case FERRY_TYPE_BYTES:
                return a->u.s.len == b->u.s.len &&
                       (a->u.s.len == 0 || memcmp(a->u.s.data, b->u.s.data, a->u.s.len) == 0);
        case FERRY_TYPE_ARRAY:
                if (a->u.a.n != b->u.a.n)
                        return false;
                for (size_t i = 0; i < a->u.a.n; i++)
                        if (!ferry_value_equal(a->u.a.items[i], b->u.a.items[i]))
                                return false;
                return true;
        case FERRY_TYPE_MAP:
                /* Order does not matter, as with Java's Map.equals. */
                if (a->u.m.n != b->u.m.n)
                        return false;
                for (size_t i = 0; i < a->u.m.n; i++) {
                        size_t j;
                        /* Fast path: same position. */
                        if (ferry_value_equal(a->u.m.keys[i], b->u.m.keys[i])) {
                                if (!ferry_value_equal(a->u.m.vals[i], b->u.m.vals[i]))
                                        return false;
                                continue;
                        }
                        for (j = 0; j < b->u.m.n; j++)
                                if (ferry_value_equal(a->u.m.keys[i], b->u.m.keys[j]))
                                        break;
                        if (j == b->u.m.n || !ferry_value_equal(a->u.m.vals[i], b->u.m.vals[j]))
                                return false;
                }
                return true;
        case FERRY_TYPE_STRUCT:
                if (!ferry_schema_equal(a->u.st.schema, b->u.st.schema))
                        return false;
                for (size_t i = 0; i < a->u.st.schema->n_fields; i++)
                        if (!ferry_value_equal(a->u.st.fields[i], b->u.st.fields[i]))
                                return false;
                return true;
        }
        return false;
}

void ferry_value_blob_replace(ferry_value_t *v, char *data, size_t len)
{
        if (v->u.s.data != (char *)(v + 1))
                free(v->u.s.data);
        v->u.s.data = data;
        v->u.s.len = len;
}

ferry_value_t *ferry_value_ref(ferry_value_t *v)
{
        if (v)
                v->refs++;
        return v;
}

void ferry_value_free(ferry_value_t *v)
{
        if (!v)
                return;
        if (v->refs) {
                v->refs--;
                return;
        }
        switch (v->type) {
        case FERRY_TYPE_STRING:
        case FERRY_TYPE_BYTES:
                if (v->u.s.data != (char *)(v + 1))
                        free(v->u.s.data);
                break;
        case FERRY_TYPE_ARRAY:
                for (size_t i = 0; i < v->u.a.n; i++)
                        ferry_value_free(v->u.a.items[i]);
                free(v->u.a.items);
                break;
        case FERRY_TYPE_MAP:
                for (size_t i = 0; i < v->u.m.n; i++) {
                        ferry_value_free(v->u.m.keys[i]);
                        ferry_value_free(v->u.m.vals[i]);
                }
                if (v->u.m.keys != map_inline(v))
                        free(v->u.m.keys); /* vals share the block */
                break;
        case FERRY_TYPE_STRUCT:
                if (v->u.st.schema) {
                        for (size_t i = 0; i < v->u.st.schema->n_fields; i++)
                                ferry_value_free(v->u.st.fields[i]);
                }
                free(v->u.st.fields);
                ferry_schema_unref(v->u.st.schema);
                break;
        default:
                break;
        }
        ferry_cache_free(v);
}

/* ---- validation ---- */

/* The path of the value being checked, e.g. "address.zip" or "tags[2]". */
typedef struct {
        char p[512];
        size_t len;
} path_t;

static size_t path_push(path_t *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static size_t path_push(path_t *path, const char *fmt, ...)
{
        size_t old = path->len;
        if (path->len < sizeof(path->p)) {
                va_list ap;
                va_start(ap, fmt);
                int n = vsnprintf(path->p + path->len, sizeof(path->p) - path->len, fmt, ap);
                va_end(ap);
                if (n > 0)
                        path->len += (size_t)n;
                if (path->len >= sizeof(path->p))
                        path->len = sizeof(path->p) - 1;
        }
        return old;
}

static void path_pop(path_t *path, size_t old)
{
        path->len = old;
        path->p[old] = '\0';
}

static int verr(char *errstr, size_t errstr_size, const path_t *path, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int verr(char *errstr, size_t errstr_size, const path_t *path, const char *fmt, ...)
{
        if (errstr && errstr_size) {
                int n = 0;
                if (path->len)
                        n = snprintf(errstr, errstr_size, "field \"%s\": ", path->p);
                else
                        n = snprintf(errstr, errstr_size, "value: ");
                if (n >= 0 && (size_t)n < errstr_size) {
                        va_list ap;
                        va_start(ap, fmt);
                        vsnprintf(errstr + n, errstr_size - (size_t)n, fmt, ap);
                        va_end(ap);
                }
        }
        return -1;
}

static int validate(const ferry_schema_t *s, const ferry_value_t *v, path_t *path, char *errstr,
                    size_t errstr_size)
{
        if (!s)
                return 0; /* anything goes without a schema */
        if (!v) {
                if (!s->optional)
                        return verr(errstr, errstr_size, path, "null used for required %s",
                                    ferry_type_name(s->type));
                return 0;
        }
        if (v->type != s->type)
                return verr(errstr, errstr_size, path, "expected %s, got %s", ferry_type_name(s->type),
                            ferry_type_name(v->type));
        size_t mark;
        switch (s->type) {
        case FERRY_TYPE_INT8:
                if (v->u.i < INT8_MIN || v->u.i > INT8_MAX)
                        goto range;
                return 0;
        case FERRY_TYPE_INT16:
                if (v->u.i < INT16_MIN || v->u.i > INT16_MAX)
                        goto range;
                return 0;
        case FERRY_TYPE_INT32:
                if (v->u.i < INT32_MIN || v->u.i > INT32_MAX)
                        goto range;
                return 0;
        case FERRY_TYPE_ARRAY:
                for (size_t i = 0; i < v->u.a.n; i++) {
                        mark = path_push(path, "[%zu]", i);
                        int rc = validate(s->items, v->u.a.items[i], path, errstr, errstr_size);
                        path_pop(path, mark);
                        if (rc < 0)
                                return rc;
                }
                return 0;
        case FERRY_TYPE_MAP:
                for (size_t i = 0; i < v->u.m.n; i++) {
                        const ferry_value_t *k = v->u.m.keys[i];
                        if (k && k->type == FERRY_TYPE_STRING)
                                mark = path_push(path, "[%s]", k->u.s.data);
                        else
                                mark = path_push(path, "[#%zu]", i);
                        size_t mark2 = path_push(path, "(key)");
                        int rc = validate(s->keys, k, path, errstr, errstr_size);
                        path_pop(path, mark2);
                        if (rc == 0)
                                rc = validate(s->items, v->u.m.vals[i], path, errstr, errstr_size);
                        path_pop(path, mark);
                        if (rc < 0)
                                return rc;
                }
                return 0;
        case FERRY_TYPE_STRUCT:
                if (!ferry_schema_equal(s, v->u.st.schema))
                        return verr(errstr, errstr_size, path,
                                    "struct schema does not match the field's schema");
                for (size_t i = 0; i < s->n_fields; i++) {
                        const ferry_field_t *f = &s->fields[i];
                        const ferry_value_t *fv = v->u.st.fields[i];
                        if (!fv && f->schema->default_value)
                                continue; /* the default stands in */
                        mark = path_push(path, "%s%s", path->len ? "." : "", f->name);
                        int rc = validate(f->schema, fv, path, errstr, errstr_size);
                        path_pop(path, mark);
                        if (rc < 0)
                                return rc;
                }
                return 0;
        default:
                return 0;
        }
range:
        return verr(errstr, errstr_size, path, "value %" PRId64 " out of range for %s", v->u.i,
                    ferry_type_name(s->type));
}

int ferry_value_validate(const ferry_schema_t *s, const ferry_value_t *v, char *errstr, size_t errstr_size)
{
        path_t path;
        path.len = 0;
        path.p[0] = '\0';
        return validate(s, v, &path, errstr, errstr_size);
}

/* ---- text forms ---- */

/* Shortest digits that read back as v (as a float when float32): "d.ddde±x" from %e. */
static bool roundtrips(const char *buf, double v, bool float32)
{
        if (float32)
                return strtof(buf, NULL) == (float)v;
        return strtod(buf, NULL) == v;
}

size_t ferry_format_double(double v, bool float32, char out[32])
{
        char buf[40];
        if (float32)
                v = (double)(float)v;
        if (isnan(v))
                return (size_t)snprintf(out, 32, "NaN");
        if (isinf(v))
                return (size_t)snprintf(out, 32, "%sInfinity", v < 0 ? "-" : "");
        if (v == 0)
                return (size_t)snprintf(out, 32, "%s0.0", signbit(v) ? "-" : "");

        /* Fast path for the plain-notation range: the fewest fraction digits k for which the nearest
         * k-digit decimal n / 10^k reads back as v. n and 10^k are exact doubles, so the division is
         * the correctly rounded value of that decimal, as strtod would give it. */
        double av = fabs(v);
        if (av >= 1e-3 && av < 1e7) {
                uint64_t pk = 1;
                for (int k = 0; k <= 16; k++, pk *= 10) {
                        double t = av * (double)pk;
                        if (t >= 9007199254740992.0)
                                break;
                        double n = nearbyint(t);
                        if (float32 ? (float)(n / (double)pk) != (float)av : n / (double)pk != av)
                                continue;
                        uint64_t u = (uint64_t)n;
                        size_t len;
                        if (k == 0)
                                len = (size_t)snprintf(out, 32, "%s%" PRIu64 ".0", v < 0 ? "-" : "", u);
                        else
                                len = (size_t)snprintf(out, 32, "%s%" PRIu64 ".%0*" PRIu64, v < 0 ? "-" : "",
                                                       u / pk, k, u % pk);
                        /* Floats: n / 10^k was rounded twice (to double, then float); confirm. */
                        if (!float32 || strtof(out, NULL) == (float)v)
                                return len;
                        break;
                }
        }

        /* Round-tripping is monotone in the number of digits: binary search the shortest. */
        int lo = 1, hi = float32 ? 9 : 17;
        while (lo < hi) {
                int mid = (lo + hi) / 2;
                snprintf(buf, sizeof(buf), "%.*e", mid - 1, v);
                if (roundtrips(buf, v, float32))
                        hi = mid;
                else
                        lo = mid + 1;
        }
        snprintf(buf, sizeof(buf), "%.*e", lo - 1, v);
        if (lo == 1) {
                /* Java picks the closest of the one- and two-digit decimals that round-trip
                 * (Double.MIN_VALUE is 4.9E-324, not 5.0E-324). */
                char two[40];
                snprintf(two, sizeof(two), "%.1e", v);
                if (roundtrips(two, v, float32))
                        memcpy(buf, two, sizeof(two));
        }

        /* Split into sign, digits and the decimal exponent of the first digit. */
        const char *p = buf;
        bool neg = *p == '-';
        if (neg)
                p++;
        char digits[24];
        size_t nd = 0;
        for (; *p && *p != 'e'; p++)
                if (*p >= '0' && *p <= '9' && nd < sizeof(digits) - 1)
                        digits[nd++] = *p;
        long exp10 = *p == 'e' ? strtol(p + 1, NULL, 10) : 0;
        while (nd > 1 && digits[nd - 1] == '0')
                nd--;
        digits[nd] = '\0';

        size_t n = 0;
        if (neg)
                out[n++] = '-';
        if (exp10 >= -3 && exp10 < 7) {
                if (exp10 >= 0) {
                        for (long i = 0; i <= exp10; i++)
                                out[n++] = (size_t)i < nd ? digits[i] : '0';
                        out[n++] = '.';
                        if ((size_t)exp10 + 1 < nd) {
                                for (size_t i = (size_t)exp10 + 1; i < nd; i++)
                                        out[n++] = digits[i];
                        } else {
                                out[n++] = '0';
                        }
                } else {
                        out[n++] = '0';
                        out[n++] = '.';
                        for (long i = 0; i < -exp10 - 1; i++)
                                out[n++] = '0';
                        for (size_t i = 0; i < nd; i++)
                                out[n++] = digits[i];
                }
                out[n] = '\0';
                return n;
        }
        out[n++] = digits[0];
        out[n++] = '.';
        if (nd > 1) {
                for (size_t i = 1; i < nd; i++)
                        out[n++] = digits[i];
        } else {
                out[n++] = '0';
        }
        n += (size_t)snprintf(out + n, 32 - n, "E%ld", exp10);
        return n;
}

int ferry_decimal_scale(const ferry_schema_t *s, int *scale)
{
        const char *p = ferry_schema_param(s, FERRY_DECIMAL_SCALE);
        if (!p || !*p)
                return -1;
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (errno || *end || v < INT32_MIN || v > INT32_MAX)
                return -1;
        *scale = (int)v;
        return 0;
}

char *ferry_decimal_format(const void *unscaled, size_t len, int scale)
{
        const unsigned char *b = unscaled;
        if (!len)
                return NULL;
        bool neg = b[0] & 0x80;
        /* Magnitude, big-endian, as 32-bit limbs would be faster; bytes keep it simple. */
        unsigned char *mag = malloc(len);
        /* Up to ~2.41 decimal digits per byte. */
        size_t cap = len * 3 + 2;
        char *rev = malloc(cap);
        if (!mag || !rev) {
                free(mag);
                free(rev);
                return NULL;
        }
        memcpy(mag, b, len);
        if (neg) {
                /* Two's complement negate: invert and add one. */
                unsigned carry = 1;
                for (size_t i = len; i-- > 0;) {
                        unsigned x = (unsigned)(unsigned char)~mag[i] + carry;
                        mag[i] = (unsigned char)x;
                        carry = x >> 8;
                }
        }
        size_t nd = 0, start = 0;
        while (start < len && mag[start] == 0)
                start++;
        while (start < len) {
                unsigned rem = 0;
                for (size_t i = start; i < len; i++) {
                        unsigned cur = (rem << 8) | mag[i];
                        mag[i] = (unsigned char)(cur / 10);
                        rem = cur % 10;
                }
                rev[nd++] = (char)('0' + rem);
                while (start < len && mag[start] == 0)
                        start++;
        }
        if (!nd)
                rev[nd++] = '0';
        free(mag);

        /* BigDecimal.toString: plain unless the scale is negative or the adjusted exponent < -6. */
        long adjusted = -(long)scale + (long)(nd - 1);
        size_t outcap = nd + (size_t)(scale > 0 ? scale : 0) + 32;
        char *out = malloc(outcap);
        if (!out) {
                free(rev);
                return NULL;
        }
        size_t n = 0;
        if (neg)
                out[n++] = '-';
        if (scale == 0) {
                for (size_t i = nd; i-- > 0;)
                        out[n++] = rev[i];
        } else if (scale > 0 && adjusted >= -6) {
                if (nd > (size_t)scale) {
                        for (size_t i = nd; i-- > 0;) {
                                out[n++] = rev[i];
                                if (i == (size_t)scale)
                                        out[n++] = '.';
                        }
                } else {
                        out[n++] = '0';
                        out[n++] = '.';
                        for (size_t i = nd; i < (size_t)scale; i++)
                                out[n++] = '0';
                        for (size_t i = nd; i-- > 0;)
                                out[n++] = rev[i];
                }
        } else {
                out[n++] = rev[nd - 1];
                if (nd > 1) {
                        out[n++] = '.';
                        for (size_t i = nd - 1; i-- > 0;)
                                out[n++] = rev[i];
                }
                n += (size_t)snprintf(out + n, outcap - n, "E%s%ld", adjusted >= 0 ? "+" : "", adjusted);
        }
        out[n] = '\0';
        free(rev);
        return out;
}

ferry_value_t *ferry_decimal_parse(const char *text, size_t len, int scale, char *errstr, size_t errstr_size)
{
        const char *p = text, *end = text + len;
        bool neg = false;
        if (p < end && (*p == '-' || *p == '+'))
                neg = *p++ == '-';
        /* Collect the digits, noting how many follow the point, then the exponent. */
        char *digits = malloc(len + 1);
        if (!digits)
                return NULL;
        size_t nd = 0;
        long frac = 0;
        bool point = false, any = false;
        for (; p < end; p++) {
                if (*p >= '0' && *p <= '9') {
                        any = true;
                        if (nd || *p != '0')
                                digits[nd++] = *p;
                        if (point)
                                frac++;
                } else if (*p == '.' && !point) {
                        point = true;
                } else {
                        break;
                }
        }
        long exp10 = 0;
        if (any && p < end && (*p == 'e' || *p == 'E')) {
                p++;
                bool eneg = false;
                if (p < end && (*p == '-' || *p == '+'))
                        eneg = *p++ == '-';
                if (p == end)
                        any = false;
                for (; p < end && *p >= '0' && *p <= '9'; p++) {
                        if (exp10 < 100000000)
                                exp10 = exp10 * 10 + (*p - '0');
                }
                if (eneg)
                        exp10 = -exp10;
        }
        if (!any || p != end) {
                free(digits);
                snprintf(errstr, errstr_size, "invalid decimal number \"%.*s\"", (int)(len > 64 ? 64 : len),
                         text);
                return NULL;
        }
        /* value = digits * 10^(exp10 - frac); unscaled = digits * 10^(exp10 - frac + scale) */
        long shift = exp10 - frac + scale;
        if (shift < 0) {
                /* Only zeros may be dropped. */
                while (shift < 0 && nd > 0 && digits[nd - 1] == '0') {
                        nd--;
                        shift++;
                }
                if (shift < 0 && nd > 0) {
                        free(digits);
                        snprintf(errstr, errstr_size,
                                 "decimal number \"%.*s\" has more fraction digits than scale %d",
                                 (int)(len > 64 ? 64 : len), text, scale);
                        return NULL;
                }
                shift = 0;
        }
        if (nd == 0)
                shift = 0;
        if (shift > 4096 || nd + (size_t)shift > 4096) {
                free(digits);
                snprintf(errstr, errstr_size, "decimal number \"%.*s\" out of range",
                         (int)(len > 64 ? 64 : len), text);
                return NULL;
        }
        size_t total = nd + (size_t)shift;
        /* Magnitude in base 256, little-endian while building. ~0.416 bytes per digit. */
        size_t cap = total / 2 + 2;
        unsigned char *mag = calloc(cap, 1);
        if (!mag) {
                free(digits);
                return NULL;
        }
        size_t mlen = 0;
        for (size_t i = 0; i < total; i++) {
                unsigned carry = i < nd ? (unsigned)(digits[i] - '0') : 0;
                for (size_t j = 0; j < mlen; j++) {
                        unsigned x = mag[j] * 10u + carry;
                        mag[j] = (unsigned char)x;
                        carry = x >> 8;
                }
                while (carry) {
                        mag[mlen++] = (unsigned char)carry;
                        carry >>= 8;
                }
        }
        free(digits);
        /* Two's complement, big-endian, minimal (BigInteger.toByteArray). One extra byte for the sign. */
        size_t olen = mlen + 1;
        unsigned char *out = malloc(olen);
        if (!out) {
                free(mag);
                return NULL;
        }
        for (size_t i = 0; i < mlen; i++)
                out[olen - 1 - i] = mag[i];
        out[0] = 0;
        free(mag);
        if (neg && mlen) {
                unsigned carry = 1;
                for (size_t i = olen; i-- > 0;) {
                        unsigned x = (unsigned)(unsigned char)~out[i] + carry;
                        out[i] = (unsigned char)x;
                        carry = x >> 8;
                }
        }
        size_t skip = 0;
        while (skip + 1 < olen && ((out[skip] == 0x00 && !(out[skip + 1] & 0x80)) ||
                                   (out[skip] == 0xff && (out[skip + 1] & 0x80))))
                skip++;
        ferry_value_t *v = ferry_value_bytes(out + skip, olen - skip);
        free(out);
        return v;
}
