/* Builder helpers of the data model for connector authors: STRUCT and optional schemas, schema
 * defaults, and typed struct field setters/getters over ferry_value_t. A source task builds its
 * record values with these before handing them to the runtime (poll -> transforms -> converters);
 * a sink task reads fields of the values it gets in put() with the getters. The general value
 * and schema code lives in data.c. */
#include <ferry/data.h>

#include <stdlib.h>
#include <string.h>

ferry_schema_t *ferry_schema_struct(const char *name)
{
        ferry_schema_t *s = ferry_schema_new(FERRY_TYPE_STRUCT);
        if (s && name && ferry_schema_set_name(s, name) < 0) {
                ferry_schema_unref(s);
                return NULL;
        }
        return s;
}

ferry_schema_t *ferry_schema_optional(ferry_type_t type)
{
        ferry_schema_t *s = ferry_schema_new(type);
        if (s)
                s->optional = true;
        return s;
}

void ferry_schema_set_optional(ferry_schema_t *s, bool optional)
{
        if (s)
                s->optional = optional;
}

void ferry_schema_set_version(ferry_schema_t *s, int32_t version)
{
        if (s) {
                s->has_version = true;
                s->version = version;
        }
}

int ferry_schema_set_default(ferry_schema_t *s, ferry_value_t *v)
{
        char errstr[256];
        if (!s || (v && ferry_value_validate(s, v, errstr, sizeof(errstr)) != 0)) {
                ferry_value_free(v);
                return -1;
        }
        ferry_value_free(s->default_value);
        s->default_value = v;
        return 0;
}

/* The schema of a field of struct value st; NULL when st is no struct or has no such field. */
static const ferry_schema_t *field_schema(const ferry_value_t *st, const char *field)
{
        if (!st || st->type != FERRY_TYPE_STRUCT || !field)
                return NULL;
        const ferry_field_t *f = ferry_schema_field(st->u.st.schema, field);
        return f ? f->schema : NULL;
}

static int put(ferry_value_t *st, const char *field, ferry_value_t *v)
{
        if (!v)
                return -1;
        return ferry_struct_put(st, field, v);
}

int ferry_struct_put_int(ferry_value_t *st, const char *field, int64_t v)
{
        const ferry_schema_t *fs = field_schema(st, field);
        if (!fs)
                return -1;
        int64_t lo, hi;
        switch (fs->type) {
        case FERRY_TYPE_INT8:
                lo = INT8_MIN, hi = INT8_MAX;
                break;
        case FERRY_TYPE_INT16:
                lo = INT16_MIN, hi = INT16_MAX;
                break;
        case FERRY_TYPE_INT32:
                lo = INT32_MIN, hi = INT32_MAX;
                break;
        case FERRY_TYPE_INT64:
                lo = INT64_MIN, hi = INT64_MAX;
                break;
        default:
                return -1;
        }
        if (v < lo || v > hi)
                return -1;
        return put(st, field, ferry_value_int(fs->type, v));
}

int ferry_struct_put_double(ferry_value_t *st, const char *field, double v)
{
        const ferry_schema_t *fs = field_schema(st, field);
        if (!fs || (fs->type != FERRY_TYPE_FLOAT32 && fs->type != FERRY_TYPE_FLOAT64))
                return -1;
        return put(st, field, ferry_value_float(fs->type, v));
}

int ferry_struct_put_bool(ferry_value_t *st, const char *field, bool v)
{
        const ferry_schema_t *fs = field_schema(st, field);
        if (!fs || fs->type != FERRY_TYPE_BOOLEAN)
                return -1;
        return put(st, field, ferry_value_bool(v));
}

int ferry_struct_put_string(ferry_value_t *st, const char *field, const char *v)
{
        const ferry_schema_t *fs = field_schema(st, field);
        if (!fs || fs->type != FERRY_TYPE_STRING)
                return -1;
        if (!v)
                return ferry_struct_put(st, field, NULL);
        return put(st, field, ferry_value_cstring(v));
}

int ferry_struct_put_bytes(ferry_value_t *st, const char *field, const void *p, size_t len)
{
        const ferry_schema_t *fs = field_schema(st, field);
        if (!fs || fs->type != FERRY_TYPE_BYTES)
                return -1;
        return put(st, field, ferry_value_bytes(p, len));
}

bool ferry_struct_get_int(const ferry_value_t *st, const char *field, int64_t *out)
{
        const ferry_value_t *v = ferry_struct_get(st, field);
        if (!v || v->type > FERRY_TYPE_INT64)
                return false;
        *out = v->u.i;
        return true;
}

bool ferry_struct_get_double(const ferry_value_t *st, const char *field, double *out)
{
        const ferry_value_t *v = ferry_struct_get(st, field);
        if (!v || (v->type != FERRY_TYPE_FLOAT32 && v->type != FERRY_TYPE_FLOAT64))
                return false;
        *out = v->u.f;
        return true;
}

bool ferry_struct_get_bool(const ferry_value_t *st, const char *field, bool *out)
{
        const ferry_value_t *v = ferry_struct_get(st, field);
        if (!v || v->type != FERRY_TYPE_BOOLEAN)
                return false;
        *out = v->u.b;
        return true;
}

const char *ferry_struct_get_string(const ferry_value_t *st, const char *field)
{
        const ferry_value_t *v = ferry_struct_get(st, field);
        return v && v->type == FERRY_TYPE_STRING ? v->u.s.data : NULL;
}
