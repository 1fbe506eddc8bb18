/* Cast$Key / Cast$Value (org.apache.kafka.connect.transforms.Cast): casts top-level fields of a
 * struct or map, or the whole key/value, to int8..int64, float32/64, boolean or string. Runs in
 * the transform chain between a task and the converters. With a schema, the output schema is built
 * once per input schema and cached; without one, the map is changed in place.
 *
 * Numbers narrow as Java's Number.xxxValue() do (wrapping for integers, saturating from floating
 * point), strings parse as Byte.parseByte & co., booleans become 1/0, bytes become base64 strings,
 * Date/Time/Timestamp become ISO-8601 strings (UTC) and Decimals their BigDecimal.toString. */
#include "../builtin.h"
#include "smt_util.h"

#include <ferry/buf.h>
#include <ferry/datefmt.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PURPOSE "cast types"

#define SUPPORTED_OUT "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]"
#define SUPPORTED_IN  "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]"

typedef struct {
        char **names;
        ferry_type_t *types;
        size_t n;
        int whole; /* target type of a whole-value cast, or -1 */
} cast_spec_t;

typedef struct {
        smt_side_t side;
        cast_spec_t spec;
        bool replace_default;
        smt_cache_t cache;
} cast_t;

static void spec_free(cast_spec_t *s)
{
        ferry_strlist_free(s->names, s->n);
        free(s->types);
        memset(s, 0, sizeof(*s));
}

static int type_from_spec(const char *name, ferry_type_t *out)
{
        static const char *const names[] = {"int8",    "int16",  "int32", "int64", "float32", "float64",
                                            "boolean", "string", "bytes", "array", "map",     "struct"};
        static const ferry_type_t types[] = {FERRY_TYPE_INT8,    FERRY_TYPE_INT16,   FERRY_TYPE_INT32,
                                             FERRY_TYPE_INT64,   FERRY_TYPE_FLOAT32, FERRY_TYPE_FLOAT64,
                                             FERRY_TYPE_BOOLEAN, FERRY_TYPE_STRING,  FERRY_TYPE_BYTES,
                                             FERRY_TYPE_ARRAY,   FERRY_TYPE_MAP,     FERRY_TYPE_STRUCT};
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (!strcasecmp(name, names[i])) {
                        *out = types[i];
                        return 0;
                }
        return -1;
}

static const char *type_upper(ferry_type_t t)
{
        static const char *const n[] = {"INT8",    "INT16",  "INT32", "INT64", "FLOAT32", "FLOAT64",
                                        "BOOLEAN", "STRING", "BYTES", "ARRAY", "MAP",     "STRUCT"};
        return (unsigned)t < 12 ? n[t] : "UNKNOWN";
}

static char *trimmed(const char *b, const char *e)
{
        while (b < e && (unsigned char)*b <= ' ')
                b++;
        while (e > b && (unsigned char)e[-1] <= ' ')
                e--;
        return strndup(b, (size_t)(e - b));
}

/* Parses a spec; out may be NULL (validation only). Messages name the key. */
static int parse_spec(const char *key, const char *value, cast_spec_t *out, char *errstr, size_t errstr_size)
{
        size_t n;
        char **items = ferry_split_list(value, &n);
        cast_spec_t s = {.whole = -1};
        int rc = -1;
        if (!items) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        if (n == 0) {
                snprintf(errstr, errstr_size,
                         "Invalid value %s for configuration %s: Must specify at least one "
                         "field to cast.",
                         value, key);
                goto done;
        }
        s.names = calloc(n + 1, sizeof(*s.names));
        s.types = calloc(n, sizeof(*s.types));
        if (!s.names || !s.types) {
                snprintf(errstr, errstr_size, "out of memory");
                goto done;
        }
        for (size_t i = 0; i < n; i++) {
                const char *item = items[i];
                const char *c1 = strchr(item, ':');
                const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                char *field = NULL, *type = NULL;
                if (c2) {
                        snprintf(errstr, errstr_size,
                                 "Invalid value %s for configuration %s: Invalid cast mapping: %s", value,
                                 key, item);
                        goto done;
                }
                if (c1) {
                        field = trimmed(item, c1);
                        type = trimmed(c1 + 1, c1 + strlen(c1));
                } else {
                        type = trimmed(item, item + strlen(item));
                }
                ferry_type_t t;
                if (!type || (c1 && !field) || type_from_spec(type, &t) < 0) {
                        snprintf(errstr, errstr_size,
                                 "Invalid value %s for configuration %s: Invalid type found in casting spec: "
                                 "%s",
                                 value, key, type ? type : "");
                        free(field);
                        free(type);
                        goto done;
                }
                if (t > FERRY_TYPE_STRING) {
                        snprintf(
                                errstr, errstr_size,
                                "Invalid value %s for configuration %s: Cast transformation does not support "
                                "casting to %s; supported types are " SUPPORTED_OUT,
                                value, key, type_upper(t));
                        free(field);
                        free(type);
                        goto done;
                }
                free(type);
                if (!c1) {
                        s.whole = (int)t;
                        free(field);
                } else {
                        s.names[s.n] = field;
                        s.types[s.n++] = t;
                }
        }
        if (s.whole >= 0 && n > 1) {
                snprintf(errstr, errstr_size,
                         "Invalid value %s for configuration %s: Cast transformations that specify a type to "
                         "cast "
                         "the entire value to may ony specify a single cast in their spec",
                         value, key);
                goto done;
        }
        rc = 0;
        if (out) {
                *out = s;
                memset(&s, 0, sizeof(s));
        }
done:
        spec_free(&s);
        ferry_strlist_free(items, n);
        return rc;
}

static int validate_spec(const char *name, const char *value, char *errstr, size_t errstr_size)
{
        return parse_spec(name, value, NULL, errstr, errstr_size);
}

static const ferry_config_def_t cast_config[] = {
        {.name = "spec",
         .type = FERRY_CFG_LIST,
         .required = true,
         .importance = FERRY_IMPORTANCE_HIGH,
         .validate = validate_spec,
         .doc = "List of fields and the type to cast them to of the form field1:type,field2:type to cast "
                "fields "
                "of Maps or Structs. A single type to cast the entire value. Valid types are int8, int16, "
                "int32, "
                "int64, float32, float64, boolean, and string. Note that binary fields can only be cast to "
                "string."},
        {.name = "replace.null.with.default",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "true",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "Whether to replace fields that have a default value and that are null to the default value. "
                "When set to true, the default value is used, otherwise null is used."},
        {.name = NULL},
};

static ferry_err_t cast_configure(void **state, const ferry_strmap_t *config, smt_side_t side, char *errstr,
                                  size_t errstr_size)
{
        if (smt_config_check(cast_config, config, errstr, errstr_size) < 0)
                return FERRY_ERR_INVALID_CONFIG;
        cast_t *c = calloc(1, sizeof(*c));
        if (!c)
                return smt_nomem(errstr, errstr_size);
        c->side = side;
        c->replace_default = ferry_config_bool(cast_config, config, "replace.null.with.default");
        if (parse_spec("spec", ferry_strmap_get(config, "spec"), &c->spec, errstr, errstr_size) < 0) {
                free(c);
                return FERRY_ERR_INVALID_CONFIG;
        }
        *state = c;
        return FERRY_ERR_OK;
}

static void cast_close(void *state)
{
        cast_t *c = state;
        if (!c)
                return;
        spec_free(&c->spec);
        smt_cache_free(&c->cache);
        free(c);
}

/* ---- value casts ---- */

static int64_t java_d2l(double d)
{
        if (isnan(d))
                return 0;
        if (d >= 9223372036854775807.0)
                return INT64_MAX;
        if (d <= -9223372036854775808.0)
                return INT64_MIN;
        return (int64_t)d;
}

static int32_t java_d2i(double d)
{
        if (isnan(d))
                return 0;
        if (d >= 2147483647.0)
                return INT32_MAX;
        if (d <= -2147483648.0)
                return INT32_MIN;
        return (int32_t)d;
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *base64(const unsigned char *p, size_t n)
{
        char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i += 3) {
                unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                             (i + 2 < n ? p[i + 2] : 0);
                *o++ = b64chars[v >> 18 & 63];
                *o++ = b64chars[v >> 12 & 63];
                *o++ = i + 1 < n ? b64chars[v >> 6 & 63] : '=';
                *o++ = i + 2 < n ? b64chars[v & 63] : '=';
        }
        *o = '\0';
        return out;
}

/* Values.dateFormatFor: time-only below one day, date-only at midnight, else a full timestamp. */
static char *iso_date(int64_t ms)
{
        const char *pat = ms < 86400000 && ms >= 0            ? "HH:mm:ss.SSS'Z'"
                          : ferry_floormod(ms, 86400000) == 0 ? "yyyy-MM-dd"
                                                              : "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
        char err[64];
        ferry_datefmt_t *f = ferry_datefmt_compile(pat, err, sizeof(err));
        char *s = f ? ferry_datefmt_format(f, ms) : NULL;
        ferry_datefmt_free(f);
        return s;
}

/* A number as Java sees it: integral or floating point. */
typedef struct {
        bool is_float;
        double f;
        int64_t i;
} num_t;

static bool is_decimal(const ferry_schema_t *s)
{
        return s && s->name && !strcmp(s->name, FERRY_LOGICAL_DECIMAL);
}

static ferry_err_t out_of_range(const char *text, char *errstr, size_t errstr_size)
{
        return smt_fail(errstr, errstr_size, "Value (%s) was out of range for requested data type", text);
}

/* Integer.parseInt & co.: optional sign, decimal digits only, in range. */
static int parse_java_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
        const char *p = s;
        if (*p == '+' || *p == '-')
                p++;
        if (!*p)
                return -1;
        for (const char *q = p; *q; q++)
                if (*q < '0' || *q > '9')
                        return -1;
        errno = 0;
        char *end;
        long long v = strtoll(s, &end, 10);
        if (errno || *end || v < lo || v > hi)
                return -1;
        *out = v;
        return 0;
}

static int parse_java_float(const char *s, double *out)
{
        size_t n = strlen(s);
        char buf[128];
        while (n && (unsigned char)s[n - 1] <= ' ')
                n--;
        if (n && strchr("fFdD", s[n - 1]) && n < sizeof(buf)) {
                memcpy(buf, s, n - 1);
                buf[n - 1] = '\0';
                return ferry_parse_double(buf, out);
        }
        return ferry_parse_double(s, out);
}

static ferry_err_t cast_value(const ferry_schema_t *schema, const ferry_value_t *v, ferry_type_t target,
                              ferry_value_t **out, char *errstr, size_t errstr_size)
{
        *out = NULL;
        if (!v)
                return FERRY_ERR_OK;
        ferry_type_t in = schema ? schema->type : v->type;
        if (in > FERRY_TYPE_BYTES)
                return smt_fail(errstr, errstr_size,
                                "Cast transformation does not support casting from %s; supported types "
                                "are " SUPPORTED_IN,
                                type_upper(in));
        const char *logical = schema ? schema->name : NULL;
        if (target == FERRY_TYPE_STRING) {
                char *s = NULL;
                char buf[40];
                if (logical &&
                    (!strcmp(logical, FERRY_LOGICAL_DATE) || !strcmp(logical, FERRY_LOGICAL_TIME) ||
                     !strcmp(logical, FERRY_LOGICAL_TIMESTAMP)) &&
                    v->type <= FERRY_TYPE_INT64) {
                        int64_t ms = !strcmp(logical, FERRY_LOGICAL_DATE) ? v->u.i * 86400000 : v->u.i;
                        s = iso_date(ms);
                } else if (v->type == FERRY_TYPE_BYTES && is_decimal(schema)) {
                        int scale = 0;
                        ferry_decimal_scale(schema, &scale);
                        s = ferry_decimal_format(v->u.s.data, v->u.s.len, scale);
                        if (!s && v->u.s.len == 0)
                                s = strdup("0");
                } else {
                        switch (v->type) {
                        case FERRY_TYPE_INT8:
                        case FERRY_TYPE_INT16:
                        case FERRY_TYPE_INT32:
                        case FERRY_TYPE_INT64:
                                snprintf(buf, sizeof(buf), "%" PRId64, v->u.i);
                                s = strdup(buf);
                                break;
                        case FERRY_TYPE_FLOAT32:
                        case FERRY_TYPE_FLOAT64:
                                ferry_format_double(v->u.f, v->type == FERRY_TYPE_FLOAT32, buf);
                                s = strdup(buf);
                                break;
                        case FERRY_TYPE_BOOLEAN:
                                s = strdup(v->u.b ? "true" : "false");
                                break;
                        case FERRY_TYPE_STRING:
                                s = strndup(v->u.s.data, v->u.s.len);
                                break;
                        case FERRY_TYPE_BYTES:
                                s = base64((const unsigned char *)v->u.s.data, v->u.s.len);
                                break;
                        default:
                                return smt_fail(errstr, errstr_size,
                                                "Unexpected type in Cast transformation: %s",
                                                smt_class_name(v));
                        }
                }
                if (!s)
                        return smt_nomem(errstr, errstr_size);
                *out = ferry_value_cstring(s);
                free(s);
                return *out ? FERRY_ERR_OK : smt_nomem(errstr, errstr_size);
        }

        num_t n = {0};
        bool bool_target = target == FERRY_TYPE_BOOLEAN;
        switch (v->type) {
        case FERRY_TYPE_INT8:
        case FERRY_TYPE_INT16:
        case FERRY_TYPE_INT32:
        case FERRY_TYPE_INT64:
                n.i = v->u.i;
                break;
        case FERRY_TYPE_FLOAT32:
        case FERRY_TYPE_FLOAT64:
                n.is_float = true;
                n.f = v->u.f;
                break;
        case FERRY_TYPE_BOOLEAN:
                n.i = v->u.b ? 1 : 0;
                break;
        case FERRY_TYPE_STRING: {
                const char *s = v->u.s.data;
                if (bool_target) {
                        *out = ferry_value_bool(!strcasecmp(s, "true"));
                        return *out ? FERRY_ERR_OK : smt_nomem(errstr, errstr_size);
                }
                static const int64_t lo[] = {INT8_MIN, INT16_MIN, INT32_MIN, INT64_MIN};
                static const int64_t hi[] = {INT8_MAX, INT16_MAX, INT32_MAX, INT64_MAX};
                if (target <= FERRY_TYPE_INT64) {
                        if (parse_java_int(s, lo[target], hi[target], &n.i) < 0)
                                return out_of_range(s, errstr, errstr_size);
                } else {
                        n.is_float = true;
                        if (parse_java_float(s, &n.f) < 0)
                                return out_of_range(s, errstr, errstr_size);
                }
                break;
        }
        case FERRY_TYPE_BYTES: {
                if (!is_decimal(schema))
                        return smt_fail(errstr, errstr_size,
                                        "Unexpected type in Cast transformation: class [B");
                int scale = 0;
                ferry_decimal_scale(schema, &scale);
                char *s = ferry_decimal_format(v->u.s.data, v->u.s.len, scale);
                if (!s)
                        return smt_nomem(errstr, errstr_size);
                n.is_float = true;
                n.f = strtod(s, NULL);
                if (target <= FERRY_TYPE_INT64 || bool_target) {
                        /* BigDecimal.longValue(): the integer part (wide values saturate here) */
                        n.is_float = false;
                        n.i = java_d2l(trunc(n.f));
                }
                free(s);
                break;
        }
        default:
                return smt_fail(errstr, errstr_size, "Unexpected type in Cast transformation: %s",
                                smt_class_name(v));
        }

        switch (target) {
        case FERRY_TYPE_INT8:
                *out = ferry_value_int(target, (int8_t)(n.is_float ? java_d2i(n.f) : n.i));
                break;
        case FERRY_TYPE_INT16:
                *out = ferry_value_int(target, (int16_t)(n.is_float ? java_d2i(n.f) : n.i));
                break;
        case FERRY_TYPE_INT32:
                *out = ferry_value_int(target, n.is_float ? java_d2i(n.f) : (int32_t)n.i);
                break;
        case FERRY_TYPE_INT64:
                *out = ferry_value_int(target, n.is_float ? java_d2l(n.f) : n.i);
                break;
        case FERRY_TYPE_FLOAT32:
                *out = ferry_value_float(target, (float)(n.is_float ? n.f : (double)n.i));
                break;
        case FERRY_TYPE_FLOAT64:
                *out = ferry_value_float(target, n.is_float ? n.f : (double)n.i);
                break;
        case FERRY_TYPE_BOOLEAN:
                *out = ferry_value_bool(n.is_float ? java_d2l(n.f) != 0 : n.i != 0);
                break;
        default:
                return smt_fail(errstr, errstr_size, "%s is not supported in the Cast transformation.",
                                type_upper(target));
        }
        return *out ? FERRY_ERR_OK : smt_nomem(errstr, errstr_size);
}

static bool is_logical_name(const char *n)
{
        return n && (!strcmp(n, FERRY_LOGICAL_DECIMAL) || !strcmp(n, FERRY_LOGICAL_DATE) ||
                     !strcmp(n, FERRY_LOGICAL_TIME) || !strcmp(n, FERRY_LOGICAL_TIMESTAMP));
}

/* Schema of a cast field/value: the target type, optional as the input; default cast too. */
static ferry_err_t cast_schema_of(const ferry_schema_t *in, ferry_type_t target, bool copy_basics,
                                  ferry_schema_t **out, char *errstr, size_t errstr_size)
{
        ferry_schema_t *s = smt_schema_type(target, in->optional);
        if (!s)
                return smt_nomem(errstr, errstr_size);
        if (copy_basics && !is_logical_name(in->name)) {
                s->has_version = in->has_version;
                s->version = in->version;
                if (ferry_schema_set_name(s, in->name) < 0 || ferry_schema_set_doc(s, in->doc) < 0)
                        goto nomem;
                for (size_t i = 0; i < in->n_params; i++)
                        if (ferry_schema_set_param(s, in->params[i].key, in->params[i].value) < 0)
                                goto nomem;
        }
        if (in->default_value) {
                ferry_err_t e =
                        cast_value(in, in->default_value, target, &s->default_value, errstr, errstr_size);
                if (e) {
                        ferry_schema_unref(s);
                        return e;
                }
        }
        *out = s;
        return FERRY_ERR_OK;
nomem:
        ferry_schema_unref(s);
        return smt_nomem(errstr, errstr_size);
}

static int spec_index(const cast_spec_t *s, const char *field)
{
        for (size_t i = 0; i < s->n; i++)
                if (!strcmp(s->names[i], field))
                        return (int)i;
        return -1;
}

static ferry_err_t build_schema(cast_t *c, ferry_schema_t *in, ferry_schema_t **out, char *errstr,
                                size_t errstr_size)
{
        ferry_err_t e;
        ferry_schema_t *s = smt_cache_get(&c->cache, in);
        if (s) {
                *out = s;
                return FERRY_ERR_OK;
        }
        if (c->spec.whole >= 0) {
                e = cast_schema_of(in, (ferry_type_t)c->spec.whole, true, &s, errstr, errstr_size);
                if (e)
                        return e;
        } else {
                if (in->type != FERRY_TYPE_STRUCT)
                        return smt_fail(errstr, errstr_size,
                                        "Only Struct objects supported for [" PURPOSE "], found: %s",
                                        ferry_type_name(in->type));
                s = smt_struct_like(in, true);
                if (!s)
                        return smt_nomem(errstr, errstr_size);
                for (size_t i = 0; i < in->n_fields; i++) {
                        const ferry_field_t *f = &in->fields[i];
                        int k = spec_index(&c->spec, f->name);
                        ferry_schema_t *fs;
                        if (k >= 0) {
                                e = cast_schema_of(f->schema, c->spec.types[k], false, &fs, errstr,
                                                   errstr_size);
                                if (e) {
                                        ferry_schema_unref(s);
                                        return e;
                                }
                        } else {
                                fs = ferry_schema_ref(f->schema);
                        }
                        if (ferry_schema_add_field(s, f->name, fs) < 0) {
                                ferry_schema_unref(s);
                                return smt_nomem(errstr, errstr_size);
                        }
                }
                if (in->default_value) {
                        /* a struct default: not cast (rare); dropped */
                }
        }
        smt_cache_put(&c->cache, in, s);
        *out = s;
        return FERRY_ERR_OK;
}

static ferry_err_t cast_apply(void *state, ferry_record_t *rec, ferry_record_t **out, char *errstr,
                              size_t errstr_size)
{
        cast_t *c = state;
        ferry_schema_t *schema = smt_schema(rec, c->side);
        ferry_value_t *value = smt_value(rec, c->side);
        ferry_value_t *nv = NULL;
        ferry_err_t e = FERRY_ERR_OK;
        *out = rec;
        if (!value)
                return FERRY_ERR_OK;
        if (!schema) {
                if (c->spec.whole >= 0) {
                        e = cast_value(NULL, value, (ferry_type_t)c->spec.whole, &nv, errstr, errstr_size);
                        if (e)
                                goto fail;
                        smt_set_operand(rec, c->side, NULL, nv);
                        return FERRY_ERR_OK;
                }
                if ((e = smt_require_map(value, PURPOSE, errstr, errstr_size)))
                        goto fail;
                for (size_t k = 0; k < c->spec.n; k++) {
                        ferry_value_t *cur = ferry_map_get_str(value, c->spec.names[k]);
                        e = cast_value(NULL, cur, c->spec.types[k], &nv, errstr, errstr_size);
                        if (e)
                                goto fail;
                        if (ferry_map_put_str(value, c->spec.names[k], nv) < 0) {
                                e = smt_nomem(errstr, errstr_size);
                                goto fail;
                        }
                }
                return FERRY_ERR_OK;
        }
        ferry_schema_t *ns = NULL;
        if ((e = build_schema(c, schema, &ns, errstr, errstr_size)))
                goto fail;
        if (c->spec.whole >= 0) {
                e = cast_value(schema, value, (ferry_type_t)c->spec.whole, &nv, errstr, errstr_size);
                if (e)
                        goto fail;
                smt_set_operand(rec, c->side, ferry_schema_ref(ns), nv);
                return FERRY_ERR_OK;
        }
        if ((e = smt_require_struct(value, PURPOSE, errstr, errstr_size)))
                goto fail;
        nv = ferry_value_struct(ns);
        if (!nv) {
                e = smt_nomem(errstr, errstr_size);
                goto fail;
        }
        const ferry_schema_t *vs = value->u.st.schema;
        for (size_t i = 0; i < vs->n_fields; i++) {
                const ferry_field_t *nf = ferry_schema_field(ns, vs->fields[i].name);
                int k = spec_index(&c->spec, vs->fields[i].name);
                if (!nf)
                        continue;
                if (k >= 0) {
                        const ferry_value_t *fv = smt_struct_at(value, i, c->replace_default);
                        e = cast_value(vs->fields[i].schema, fv, c->spec.types[k],
                                       &nv->u.st.fields[nf->index], errstr, errstr_size);
                        if (e) {
                                ferry_value_free(nv);
                                goto fail;
                        }
                } else {
                        nv->u.st.fields[nf->index] = value->u.st.fields[i]; /* moved */
                        value->u.st.fields[i] = NULL;
                }
        }
        smt_set_operand(rec, c->side, ferry_schema_ref(ns), nv);
        return FERRY_ERR_OK;
fail:
        ferry_record_free(rec);
        *out = NULL;
        return e;
}

SMT_KV_PLUGINS(
        ferry_smt_cast, cast, SMT_NS "Cast", cast_config,
        "Cast fields or the entire key or value to a specific type, e.g. to force an integer field to a "
        "smaller width. Cast from integers, floats, boolean and string to any other type, and cast binary "
        "to string (base64 encoded).");
