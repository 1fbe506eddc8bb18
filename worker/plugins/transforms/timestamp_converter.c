/* TimestampConverter$Key / $Value (org.apache.kafka.connect.transforms.TimestampConverter): converts
 * a timestamp (the whole key/value, or the field `field`) between a formatted string (Java
 * SimpleDateFormat `format`, UTC), a unix number (`unix.precision`), and Connect's Date, Time and
 * Timestamp logical types. The input kind comes from the schema (logical name, int64, string) or,
 * schemaless, from the value (int64 = unix, string). A step of the transform chain. */
#include "../builtin.h"
#include "smt_util.h"

#include <ferry/datefmt.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PURPOSE "converting timestamp formats"
#define DAY_MS  86400000LL

static const char *const target_types[] = {"string", "unix", "Date", "Time", "Timestamp", NULL};
static const char *const precisions[] = {"nanoseconds", "microseconds", "milliseconds", "seconds", NULL};

static const ferry_config_def_t timestamp_converter_config[] = {
        {.name = "field",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "The field containing the timestamp, or empty if the entire value is a timestamp"},
        {.name = "target.type",
         .type = FERRY_CFG_STRING,
         .required = true,
         .valid = target_types,
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "The desired timestamp representation: string, unix, Date, Time, or Timestamp"},
        {.name = "format",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when "
                "type=string or used to parse the input if the input is a string."},
        {.name = "unix.precision",
         .type = FERRY_CFG_STRING,
         .default_value = "milliseconds",
         .valid = precisions,
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or "
                "nanoseconds. Used to generate the output when type=unix or used to parse the input if the "
                "input "
                "is a Long.Note: This SMT will cause precision loss during conversions from, and to, values "
                "with "
                "sub-millisecond components."},
        {.name = "replace.null.with.default",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "true",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "Whether to replace fields that have a default value and that are null to the default value. "
                "When set to true, the default value is used, otherwise null is used."},
        {.name = NULL},
};

typedef enum { TS_STRING, TS_UNIX, TS_DATE, TS_TIME, TS_TIMESTAMP } ts_kind_t;

typedef struct {
        smt_side_t side;
        char *field; /* NULL: whole value */
        ts_kind_t target;
        ferry_datefmt_t *fmt; /* NULL when no format */
        char *pattern;
        int precision; /* 0 ns, 1 us, 2 ms, 3 s */
        bool replace_default;
        smt_cache_t cache;
} tsc_t;

static void tsc_close(void *state)
{
        tsc_t *t = state;
        if (!t)
                return;
        free(t->field);
        free(t->pattern);
        ferry_datefmt_free(t->fmt);
        smt_cache_free(&t->cache);
        free(t);
}

static ferry_err_t tsc_configure(void **state, const ferry_strmap_t *config, smt_side_t side, char *errstr,
                                 size_t errstr_size)
{
        char msg[256];
        if (smt_config_check(timestamp_converter_config, config, errstr, errstr_size) < 0)
                return FERRY_ERR_INVALID_CONFIG;
        tsc_t *t = calloc(1, sizeof(*t));
        if (!t)
                return smt_nomem(errstr, errstr_size);
        t->side = side;
        const char *field = ferry_config_str(timestamp_converter_config, config, "field");
        const char *target = ferry_strmap_get(config, "target.type");
        const char *format = ferry_config_str(timestamp_converter_config, config, "format");
        const char *prec = ferry_config_str(timestamp_converter_config, config, "unix.precision");
        for (int i = 0; target_types[i]; i++)
                if (!strcasecmp(target, target_types[i]))
                        t->target = (ts_kind_t)i;
        for (int i = 0; precisions[i]; i++)
                if (!strcasecmp(prec, precisions[i]))
                        t->precision = i;
        t->replace_default =
                ferry_config_bool(timestamp_converter_config, config, "replace.null.with.default");
        if (field && *field && !(t->field = strdup(field)))
                goto nomem;
        bool blank = true;
        for (const char *p = format; p && *p; p++)
                if ((unsigned char)*p > ' ')
                        blank = false;
        if (t->target == TS_STRING && blank) {
                snprintf(errstr, errstr_size,
                         "Invalid value %s for configuration format: TimestampConverter requires format "
                         "option to "
                         "be specified when using string timestamps",
                         format ? format : "");
                tsc_close(t);
                return FERRY_ERR_INVALID_CONFIG;
        }
        if (!blank) {
                if (!(t->pattern = strdup(format)))
                        goto nomem;
                if (!(t->fmt = ferry_datefmt_compile(format, msg, sizeof(msg)))) {
                        snprintf(errstr, errstr_size,
                                 "Invalid value %s for configuration format: TimestampConverter requires a "
                                 "SimpleDateFormat-compatible pattern for string timestamps: %s (%s)",
                                 format, format, msg);
                        tsc_close(t);
                        return FERRY_ERR_INVALID_CONFIG;
                }
        }
        *state = t;
        return FERRY_ERR_OK;
nomem:
        tsc_close(t);
        return smt_nomem(errstr, errstr_size);
}

static bool named(const ferry_schema_t *s, const char *name)
{
        return s->name && !strcmp(s->name, name);
}

static ferry_err_t input_kind(const ferry_schema_t *s, const ferry_value_t *v, ts_kind_t *k, char *errstr,
                              size_t errstr_size)
{
        if (s) {
                if (named(s, FERRY_LOGICAL_TIMESTAMP))
                        *k = TS_TIMESTAMP;
                else if (named(s, FERRY_LOGICAL_DATE))
                        *k = TS_DATE;
                else if (named(s, FERRY_LOGICAL_TIME))
                        *k = TS_TIME;
                else if (s->type == FERRY_TYPE_STRING)
                        *k = TS_STRING;
                else if (s->type == FERRY_TYPE_INT64)
                        *k = TS_UNIX;
                else
                        return smt_fail(errstr, errstr_size,
                                        "Schema %s does not correspond to a known timestamp type format",
                                        s->name ? s->name : ferry_type_name(s->type));
                return FERRY_ERR_OK;
        }
        if (v->type == FERRY_TYPE_INT64)
                *k = TS_UNIX;
        else if (v->type == FERRY_TYPE_STRING)
                *k = TS_STRING;
        else
                return smt_fail(errstr, errstr_size,
                                "TimestampConverter does not support class %s objects as timestamps",
                                smt_class_name(v));
        return FERRY_ERR_OK;
}

static ferry_schema_t *target_schema(ts_kind_t k, bool optional)
{
        ferry_schema_t *s;
        switch (k) {
        case TS_STRING:
                s = ferry_schema_new(FERRY_TYPE_STRING);
                break;
        case TS_UNIX:
                s = ferry_schema_new(FERRY_TYPE_INT64);
                break;
        case TS_DATE:
                s = ferry_schema_logical(FERRY_LOGICAL_DATE);
                break;
        case TS_TIME:
                s = ferry_schema_logical(FERRY_LOGICAL_TIME);
                break;
        default:
                s = ferry_schema_logical(FERRY_LOGICAL_TIMESTAMP);
        }
        if (s)
                s->optional = optional;
        return s;
}

/* Converts one non-null value. */
static ferry_err_t convert(tsc_t *t, const ferry_schema_t *s, const ferry_value_t *v, ferry_value_t **out,
                           char *errstr, size_t errstr_size)
{
        static const int64_t per_ms[] = {1000000, 1000, 1, 0};
        ts_kind_t in = TS_UNIX;
        int64_t ms = 0;
        ferry_err_t e;
        *out = NULL;
        if (!v)
                return FERRY_ERR_OK;
        if ((e = input_kind(s, v, &in, errstr, errstr_size)))
                return e;
        if (in != TS_STRING && v->type > FERRY_TYPE_INT64)
                return smt_fail(errstr, errstr_size, "Expected a number for a %s timestamp, found: %s",
                                in == TS_UNIX ? "unix" : "logical", smt_class_name(v));
        switch (in) {
        case TS_STRING:
                if (!t->fmt)
                        return smt_fail(
                                errstr, errstr_size,
                                "TimestampConverter requires format option to be specified when using "
                                "string timestamps");
                if (ferry_datefmt_parse(t->fmt, v->u.s.data, &ms, errstr, errstr_size) < 0)
                        return smt_fail(errstr, errstr_size,
                                        "Could not parse timestamp: value (%s) does not match pattern (%s)",
                                        v->u.s.data, t->pattern);
                break;
        case TS_UNIX:
                ms = t->precision == 3 ? v->u.i * 1000 : v->u.i / per_ms[t->precision];
                break;
        case TS_DATE:
                ms = v->u.i * DAY_MS;
                break;
        default:
                ms = v->u.i;
        }
        switch (t->target) {
        case TS_STRING: {
                if (!t->fmt)
                        return smt_fail(errstr, errstr_size, "TimestampConverter requires format option");
                char *str = ferry_datefmt_format(t->fmt, ms);
                *out = str ? ferry_value_cstring(str) : NULL;
                free(str);
                break;
        }
        case TS_UNIX:
                *out = ferry_value_int(FERRY_TYPE_INT64,
                                       t->precision == 3 ? ms / 1000 : ms * per_ms[t->precision]);
                break;
        case TS_DATE:
                *out = ferry_value_int(FERRY_TYPE_INT32, ferry_floordiv(ms, DAY_MS));
                break;
        case TS_TIME:
                *out = ferry_value_int(FERRY_TYPE_INT32, ferry_floormod(ms, DAY_MS));
                break;
        case TS_TIMESTAMP:
                *out = ferry_value_int(FERRY_TYPE_INT64, ms);
                break;
        }
        return *out ? FERRY_ERR_OK : smt_nomem(errstr, errstr_size);
}

static ferry_err_t tsc_apply(void *state, ferry_record_t *rec, ferry_record_t **out, char *errstr,
                             size_t errstr_size)
{
        tsc_t *t = state;
        ferry_schema_t *schema = smt_schema(rec, t->side);
        ferry_value_t *value = smt_value(rec, t->side);
        ferry_value_t *nv = NULL;
        ferry_err_t e;
        *out = rec;
        if (!t->field) {
                if ((e = convert(t, schema, value, &nv, errstr, errstr_size)))
                        goto fail;
                ferry_schema_t *ns = NULL;
                if (schema && !(ns = target_schema(t->target, schema->optional)))
                        goto nomem;
                smt_set_operand(rec, t->side, ns, nv);
                return FERRY_ERR_OK;
        }
        if (!value)
                return FERRY_ERR_OK;
        if (!schema) {
                if ((e = smt_require_map(value, PURPOSE, errstr, errstr_size)))
                        goto fail;
                if ((e = convert(t, NULL, ferry_map_get_str(value, t->field), &nv, errstr, errstr_size)))
                        goto fail;
                if (ferry_map_put_str(value, t->field, nv) < 0) {
                        nv = NULL;
                        goto nomem;
                }
                return FERRY_ERR_OK;
        }
        if ((e = smt_require_struct(value, PURPOSE, errstr, errstr_size)))
                goto fail;
        const ferry_field_t *f = ferry_schema_field(value->u.st.schema, t->field);
        if (!f)
                return FERRY_ERR_OK; /* as Java: nothing to convert */
        ferry_schema_t *ns = smt_cache_get(&t->cache, schema);
        if (!ns) {
                if (!(ns = smt_struct_like(schema, true)))
                        goto nomem;
                for (size_t i = 0; i < schema->n_fields; i++) {
                        const ferry_field_t *sf = &schema->fields[i];
                        ferry_schema_t *fs = strcmp(sf->name, t->field)
                                                     ? ferry_schema_ref(sf->schema)
                                                     : target_schema(t->target, sf->schema->optional);
                        if (ferry_schema_add_field(ns, sf->name, fs) < 0) {
                                ferry_schema_unref(ns);
                                goto nomem;
                        }
                }
                smt_cache_put(&t->cache, schema, ns);
        }
        ferry_value_t *conv = NULL;
        if ((e = convert(t, f->schema, smt_struct_at(value, (size_t)f->index, t->replace_default), &conv,
                         errstr, errstr_size)))
                goto fail;
        if (!(nv = ferry_value_struct(ns))) {
                ferry_value_free(conv);
                goto nomem;
        }
        for (size_t i = 0; i < ns->n_fields && i < value->u.st.schema->n_fields; i++) {
                if ((int)i == f->index) {
                        nv->u.st.fields[i] = conv;
                } else {
                        nv->u.st.fields[i] = value->u.st.fields[i];
                        value->u.st.fields[i] = NULL;
                }
        }
        smt_set_operand(rec, t->side, ferry_schema_ref(ns), nv);
        return FERRY_ERR_OK;
nomem:
        e = smt_nomem(errstr, errstr_size);
fail:
        ferry_value_free(nv);
        ferry_record_free(rec);
        *out = NULL;
        return e;
}

SMT_KV_PLUGINS(ferry_smt_timestamp_converter, tsc, SMT_NS "TimestampConverter", timestamp_converter_config,
               "Convert timestamps between different formats such as Unix epoch, strings, and Connect "
               "Date/Timestamp types.Applies to individual fields or to the entire value.");
