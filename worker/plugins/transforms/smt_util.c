/* Shared machinery of the built-in transforms (see smt_util.h): record operands, config checks,
 * Connect's requirement errors and the schema cache (Java regexes and date formats are the SDK's,
 * ferry/regex.h and ferry/datefmt.h). Transforms sit between a source task and the
 * converters (source side) or between the converters and a sink task (sink side); everything here
 * runs once per record on the task's thread. */
#include "smt_util.h"

#include <ferry/buf.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- operands, errors ---- */

void smt_set_operand(ferry_record_t *r, smt_side_t side, ferry_schema_t *schema, ferry_value_t *value)
{
        ferry_schema_t **ps = side == SMT_KEY ? &r->key_schema : &r->value_schema;
        ferry_value_t **pv = side == SMT_KEY ? &r->key : &r->value;
        if (*ps != schema)
                ferry_schema_unref(*ps);
        else
                ferry_schema_unref(schema); /* the record already holds one reference */
        if (*pv != value)
                ferry_value_free(*pv);
        *ps = schema;
        *pv = value;
}

void smt_take_operand(ferry_record_t *r, smt_side_t side, ferry_schema_t **schema, ferry_value_t **value)
{
        ferry_schema_t **ps = side == SMT_KEY ? &r->key_schema : &r->value_schema;
        ferry_value_t **pv = side == SMT_KEY ? &r->key : &r->value;
        *schema = *ps;
        *value = *pv;
        *ps = NULL;
        *pv = NULL;
}

int smt_config_check(const ferry_config_def_t *defs, const ferry_strmap_t *cfg, char *errstr,
                     size_t errstr_size)
{
        for (const ferry_config_def_t *d = defs; d && d->name; d++)
                if (ferry_config_check(d, ferry_strmap_get(cfg, d->name), errstr, errstr_size) != 0)
                        return -1;
        return 0;
}

ferry_err_t smt_fail(char *errstr, size_t errstr_size, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        if (errstr && errstr_size)
                vsnprintf(errstr, errstr_size, fmt, ap);
        va_end(ap);
        return FERRY_ERR_TRANSFORM;
}

ferry_err_t smt_nomem(char *errstr, size_t errstr_size)
{
        if (errstr && errstr_size)
                snprintf(errstr, errstr_size, "out of memory");
        return FERRY_ERR_NOMEM;
}

const char *smt_class_name(const ferry_value_t *v)
{
        if (!v)
                return "null";
        switch (v->type) {
        case FERRY_TYPE_INT8:
                return "java.lang.Byte";
        case FERRY_TYPE_INT16:
                return "java.lang.Short";
        case FERRY_TYPE_INT32:
                return "java.lang.Integer";
        case FERRY_TYPE_INT64:
                return "java.lang.Long";
        case FERRY_TYPE_FLOAT32:
                return "java.lang.Float";
        case FERRY_TYPE_FLOAT64:
                return "java.lang.Double";
        case FERRY_TYPE_BOOLEAN:
                return "java.lang.Boolean";
        case FERRY_TYPE_STRING:
                return "java.lang.String";
        case FERRY_TYPE_BYTES:
                return "[B";
        case FERRY_TYPE_ARRAY:
                return "java.util.ArrayList";
        case FERRY_TYPE_MAP:
                return "java.util.HashMap";
        case FERRY_TYPE_STRUCT:
                return "org.apache.kafka.connect.data.Struct";
        }
        return "unknown";
}

ferry_err_t smt_require_map(const ferry_value_t *v, const char *purpose, char *errstr, size_t errstr_size)
{
        if (v && v->type == FERRY_TYPE_MAP)
                return FERRY_ERR_OK;
        return smt_fail(errstr, errstr_size,
                        "Only Map objects supported in absence of schema for [%s], found: %s", purpose,
                        smt_class_name(v));
}

ferry_err_t smt_require_struct(const ferry_value_t *v, const char *purpose, char *errstr, size_t errstr_size)
{
        if (v && v->type == FERRY_TYPE_STRUCT)
                return FERRY_ERR_OK;
        return smt_fail(errstr, errstr_size, "Only Struct objects supported for [%s], found: %s", purpose,
                        smt_class_name(v));
}

const ferry_value_t *smt_struct_at(const ferry_value_t *st, size_t i, bool replace_default)
{
        const ferry_value_t *v = st->u.st.fields[i];
        if (!v && replace_default)
                v = st->u.st.schema->fields[i].schema->default_value;
        return v;
}

bool smt_copy(const ferry_value_t *v, ferry_value_t **out)
{
        *out = NULL;
        if (!v)
                return true;
        *out = ferry_value_copy(v);
        return *out != NULL;
}

ferry_schema_t *smt_struct_like(const ferry_schema_t *base, bool keep_optional)
{
        ferry_schema_t *s = ferry_schema_new(FERRY_TYPE_STRUCT);
        if (!s || !base)
                return s;
        if (ferry_schema_set_name(s, base->name) < 0 || ferry_schema_set_doc(s, base->doc) < 0)
                goto fail;
        for (size_t i = 0; i < base->n_params; i++)
                if (ferry_schema_set_param(s, base->params[i].key, base->params[i].value) < 0)
                        goto fail;
        s->has_version = base->has_version;
        s->version = base->version;
        s->optional = keep_optional && base->optional;
        return s;
fail:
        ferry_schema_unref(s);
        return NULL;
}

ferry_schema_t *smt_schema_type(ferry_type_t type, bool optional)
{
        ferry_schema_t *s = ferry_schema_new(type);
        if (s)
                s->optional = optional;
        return s;
}

ferry_schema_t *smt_schema_optional(ferry_schema_t *s, bool optional)
{
        if (!s || s->optional == optional)
                return ferry_schema_ref(s);
        ferry_schema_t *c = ferry_schema_copy(s);
        if (c)
                c->optional = optional;
        return c;
}

/* ---- schema cache ---- */

ferry_schema_t *smt_cache_get(smt_cache_t *c, const ferry_schema_t *in)
{
        for (size_t i = 0; i < SMT_CACHE_SLOTS; i++)
                if (c->in[i] == in)
                        return c->out[i];
        for (size_t i = 0; i < SMT_CACHE_SLOTS; i++)
                if (c->in[i] && ferry_schema_equal(c->in[i], in))
                        return c->out[i];
        return NULL;
}

void smt_cache_put(smt_cache_t *c, ferry_schema_t *in, ferry_schema_t *out)
{
        size_t i = c->next;
        c->next = (c->next + 1) % SMT_CACHE_SLOTS;
        ferry_schema_unref(c->in[i]);
        ferry_schema_unref(c->out[i]);
        c->in[i] = ferry_schema_ref(in);
        c->out[i] = out;
}

void smt_cache_free(smt_cache_t *c)
{
        for (size_t i = 0; i < SMT_CACHE_SLOTS; i++) {
                ferry_schema_unref(c->in[i]);
                ferry_schema_unref(c->out[i]);
                c->in[i] = c->out[i] = NULL;
        }
}
