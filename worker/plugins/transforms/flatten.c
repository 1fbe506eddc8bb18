/* Flatten$Key / Flatten$Value (org.apache.kafka.connect.transforms.Flatten): nested structs (with a
 * schema) or nested maps (schemaless) become top-level fields named parent<delimiter>child. With a
 * schema, arrays and maps are kept as they are, a field is optional when it or any parent is, and
 * the flat schema is built once per input schema and cached. A step of the transform chain. */
#include "../builtin.h"
#include "smt_util.h"

#include <ferry/buf.h>

#include <stdlib.h>
#include <string.h>

#define PURPOSE "flattening"

static const ferry_config_def_t flatten_config[] = {
        {.name = "delimiter",
         .type = FERRY_CFG_STRING,
         .default_value = ".",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "Delimiter to insert between field names from the input record when generating field names "
                "for "
                "the output record"},
        {.name = NULL},
};

typedef struct {
        smt_side_t side;
        char *delim;
        smt_cache_t cache;
} flatten_t;

static ferry_err_t flatten_configure(void **state, const ferry_strmap_t *config, smt_side_t side,
                                     char *errstr, size_t errstr_size)
{
        if (smt_config_check(flatten_config, config, errstr, errstr_size) < 0)
                return FERRY_ERR_INVALID_CONFIG;
        flatten_t *f = calloc(1, sizeof(*f));
        if (!f || !(f->delim = strdup(ferry_config_str(flatten_config, config, "delimiter")))) {
                free(f);
                return smt_nomem(errstr, errstr_size);
        }
        f->side = side;
        *state = f;
        return FERRY_ERR_OK;
}

static void flatten_close(void *state)
{
        flatten_t *f = state;
        if (!f)
                return;
        free(f->delim);
        smt_cache_free(&f->cache);
        free(f);
}

static char *join_name(const char *prefix, const char *delim, const char *name)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        if (prefix && (ferry_buf_puts(&b, prefix) < 0 || ferry_buf_puts(&b, delim) < 0))
                goto fail;
        if (ferry_buf_puts(&b, name) < 0)
                goto fail;
        return ferry_buf_steal(&b);
fail:
        ferry_buf_free(&b);
        return NULL;
}

static ferry_err_t build_schema(flatten_t *f, const ferry_schema_t *s, const char *prefix, bool optional,
                                ferry_schema_t *out, char *errstr, size_t errstr_size)
{
        for (size_t i = 0; i < s->n_fields; i++) {
                const ferry_field_t *fld = &s->fields[i];
                char *name = join_name(prefix, f->delim, fld->name);
                bool opt = optional || fld->schema->optional;
                ferry_err_t e = FERRY_ERR_OK;
                if (!name)
                        return smt_nomem(errstr, errstr_size);
                if (fld->schema->type == FERRY_TYPE_STRUCT) {
                        e = build_schema(f, fld->schema, name, opt, out, errstr, errstr_size);
                } else {
                        ferry_schema_t *fs = smt_schema_optional(fld->schema, opt);
                        if (!fs || ferry_schema_add_field(out, name, fs) < 0)
                                e = ferry_schema_field(out, name)
                                            ? smt_fail(errstr, errstr_size,
                                                       "Flatten: duplicate field name %s after flattening",
                                                       name)
                                            : smt_nomem(errstr, errstr_size);
                }
                free(name);
                if (e)
                        return e;
        }
        return FERRY_ERR_OK;
}

/* Moves the leaves of struct v into out (fields in schema order, so a running index suffices). */
static void move_struct(ferry_value_t *v, const ferry_schema_t *s, ferry_value_t *out, size_t *idx)
{
        for (size_t i = 0; i < s->n_fields; i++) {
                ferry_value_t *fv = v ? v->u.st.fields[i] : NULL;
                if (s->fields[i].schema->type == FERRY_TYPE_STRUCT) {
                        move_struct(fv, s->fields[i].schema, out, idx);
                } else {
                        out->u.st.fields[(*idx)++] = fv;
                        if (v)
                                v->u.st.fields[i] = NULL;
                }
        }
}

static ferry_err_t flatten_map(flatten_t *f, ferry_value_t *m, const char *prefix, ferry_value_t *out,
                               char *errstr, size_t errstr_size)
{
        for (size_t i = 0; i < m->u.m.n; i++) {
                ferry_value_t *k = m->u.m.keys[i];
                ferry_value_t *v = m->u.m.vals[i];
                if (!k || k->type != FERRY_TYPE_STRING)
                        return smt_fail(errstr, errstr_size,
                                        "Flatten: schemaless maps must have string keys");
                char *name = join_name(prefix, f->delim, k->u.s.data);
                ferry_err_t e = FERRY_ERR_OK;
                if (!name)
                        return smt_nomem(errstr, errstr_size);
                if (v && v->type == FERRY_TYPE_MAP) {
                        e = flatten_map(f, v, name, out, errstr, errstr_size);
                } else if (v && v->type == FERRY_TYPE_STRUCT) {
                        e = smt_fail(
                                errstr, errstr_size,
                                "Flatten transformation does not support STRUCT for record without schemas "
                                "(for field %s).",
                                name);
                } else {
                        m->u.m.vals[i] = NULL;
                        if (ferry_map_put_str(out, name, v) < 0)
                                e = smt_nomem(errstr, errstr_size);
                }
                free(name);
                if (e)
                        return e;
        }
        return FERRY_ERR_OK;
}

static ferry_err_t flatten_apply(void *state, ferry_record_t *rec, ferry_record_t **out, char *errstr,
                                 size_t errstr_size)
{
        flatten_t *f = state;
        ferry_schema_t *schema = smt_schema(rec, f->side);
        ferry_value_t *value = smt_value(rec, f->side);
        ferry_value_t *nv = NULL;
        ferry_err_t e;
        *out = rec;
        if (!schema) {
                if (!value)
                        return FERRY_ERR_OK;
                if ((e = smt_require_map(value, PURPOSE, errstr, errstr_size)))
                        goto fail;
                if (!(nv = ferry_value_map())) {
                        e = smt_nomem(errstr, errstr_size);
                        goto fail;
                }
                if ((e = flatten_map(f, value, NULL, nv, errstr, errstr_size)))
                        goto fail;
                smt_set_operand(rec, f->side, NULL, nv);
                return FERRY_ERR_OK;
        }
        if (schema->type != FERRY_TYPE_STRUCT || (value && value->type != FERRY_TYPE_STRUCT)) {
                e = smt_require_struct(value && value->type == FERRY_TYPE_STRUCT ? NULL : value, PURPOSE,
                                       errstr, errstr_size);
                goto fail;
        }
        ferry_schema_t *ns = smt_cache_get(&f->cache, schema);
        if (!ns) {
                if (!(ns = smt_struct_like(schema, true))) {
                        e = smt_nomem(errstr, errstr_size);
                        goto fail;
                }
                if ((e = build_schema(f, schema, NULL, false, ns, errstr, errstr_size))) {
                        ferry_schema_unref(ns);
                        goto fail;
                }
                smt_cache_put(&f->cache, schema, ns);
        }
        if (value) {
                size_t idx = 0;
                if (!(nv = ferry_value_struct(ns))) {
                        e = smt_nomem(errstr, errstr_size);
                        goto fail;
                }
                move_struct(value, value->u.st.schema, nv, &idx);
        }
        smt_set_operand(rec, f->side, ferry_schema_ref(ns), nv);
        return FERRY_ERR_OK;
fail:
        ferry_value_free(nv);
        ferry_record_free(rec);
        *out = NULL;
        return e;
}

SMT_KV_PLUGINS(
        ferry_smt_flatten, flatten, SMT_NS "Flatten", flatten_config,
        "Flatten a nested data structure, generating names for each field by concatenating the field names "
        "at each level with a configurable delimiter character. Applies to Struct when schema present, or a "
        "Map in the case of schemaless data. Array fields and their contents are not modified. The default "
        "delimiter is '.'.");
