/* MaskField$Key / MaskField$Value (org.apache.kafka.connect.transforms.MaskField): replaces the
 * listed fields with the empty value of their type (false, 0, 0.0, "", epoch, empty array/map) or,
 * with `replacement`, that text converted to the field's type (numbers and strings only). Works on
 * structs (the schema is unchanged) and schemaless maps, in place. Null fields stay null;
 * tombstones pass through. */
#include "../builtin.h"
#include "smt_util.h"

#include <stdlib.h>
#include <string.h>

#define PURPOSE "mask fields"

static const ferry_config_def_t mask_field_config[] = {
        {.name = "fields",
         .type = FERRY_CFG_LIST,
         .required = true,
         .non_empty = true,
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "Names of fields to mask."},
        {.name = "replacement",
         .type = FERRY_CFG_STRING,
         .non_empty = true,
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty "
                "string values only)."},
        {.name = NULL},
};

typedef struct {
        smt_side_t side;
        char **fields;
        size_t n;
        char *replacement;
} mask_field_t;

static ferry_err_t mask_field_configure(void **state, const ferry_strmap_t *config, smt_side_t side,
                                        char *errstr, size_t errstr_size)
{
        if (smt_config_check(mask_field_config, config, errstr, errstr_size) < 0)
                return FERRY_ERR_INVALID_CONFIG;
        mask_field_t *m = calloc(1, sizeof(*m));
        if (!m)
                return smt_nomem(errstr, errstr_size);
        const char *r = ferry_strmap_get(config, "replacement");
        m->fields = ferry_config_list(mask_field_config, config, "fields", &m->n);
        if (!m->fields || (r && !(m->replacement = strdup(r)))) {
                ferry_strlist_free(m->fields, m->n);
                free(m);
                return smt_nomem(errstr, errstr_size);
        }
        m->side = side;
        *state = m;
        return FERRY_ERR_OK;
}

static void mask_field_close(void *state)
{
        mask_field_t *m = state;
        if (!m)
                return;
        ferry_strlist_free(m->fields, m->n);
        free(m->replacement);
        free(m);
}

static bool is_decimal(const ferry_schema_t *s)
{
        return s && s->name && !strcmp(s->name, FERRY_LOGICAL_DECIMAL);
}

static ferry_err_t masked(const mask_field_t *m, const ferry_schema_t *schema, const ferry_value_t *v,
                          ferry_value_t **out, char *errstr, size_t errstr_size)
{
        *out = NULL;
        if (!v)
                return FERRY_ERR_OK;
        const char *r = m->replacement;
        if (r) {
                int64_t i;
                double d;
                switch (v->type) {
                case FERRY_TYPE_INT8:
                case FERRY_TYPE_INT16:
                case FERRY_TYPE_INT32:
                case FERRY_TYPE_INT64:
                        if (ferry_parse_int64(r, &i) < 0) {
                                if (ferry_parse_double(r, &d) < 0)
                                        goto not_number;
                                i = (int64_t)d;
                        }
                        *out = ferry_value_int(v->type, i);
                        break;
                case FERRY_TYPE_FLOAT32:
                case FERRY_TYPE_FLOAT64:
                        if (ferry_parse_double(r, &d) < 0)
                                goto not_number;
                        *out = ferry_value_float(v->type,
                                                 v->type == FERRY_TYPE_FLOAT32 ? (double)(float)d : d);
                        break;
                case FERRY_TYPE_STRING:
                        *out = ferry_value_cstring(r);
                        break;
                case FERRY_TYPE_BYTES:
                        if (is_decimal(schema)) {
                                int scale = 0;
                                ferry_decimal_scale(schema, &scale);
                                *out = ferry_decimal_parse(r, strlen(r), scale, errstr, errstr_size);
                                if (!*out)
                                        goto not_number;
                                break;
                        }
                        /* fall through */
                default:
                        return smt_fail(errstr, errstr_size,
                                        "Cannot mask value of type class %s with custom replacement.",
                                        smt_class_name(v));
                }
                return *out ? FERRY_ERR_OK : smt_nomem(errstr, errstr_size);
        not_number:
                return smt_fail(errstr, errstr_size,
                                "Unable to convert %s (class java.lang.String) to number", r);
        }
        switch (v->type) {
        case FERRY_TYPE_INT8:
        case FERRY_TYPE_INT16:
        case FERRY_TYPE_INT32:
        case FERRY_TYPE_INT64:
                *out = ferry_value_int(v->type, 0);
                break;
        case FERRY_TYPE_FLOAT32:
        case FERRY_TYPE_FLOAT64:
                *out = ferry_value_float(v->type, 0);
                break;
        case FERRY_TYPE_BOOLEAN:
                *out = ferry_value_bool(false);
                break;
        case FERRY_TYPE_STRING:
                *out = ferry_value_cstring("");
                break;
        case FERRY_TYPE_ARRAY:
                *out = ferry_value_array();
                break;
        case FERRY_TYPE_MAP:
                *out = ferry_value_map();
                break;
        case FERRY_TYPE_BYTES:
                if (is_decimal(schema)) {
                        static const unsigned char zero = 0;
                        *out = ferry_value_bytes(&zero, 1);
                        break;
                }
                /* fall through */
        default:
                return smt_fail(errstr, errstr_size, "Cannot mask value of type: class %s",
                                smt_class_name(v));
        }
        return *out ? FERRY_ERR_OK : smt_nomem(errstr, errstr_size);
}

static ferry_err_t mask_field_apply(void *state, ferry_record_t *rec, ferry_record_t **out, char *errstr,
                                    size_t errstr_size)
{
        mask_field_t *m = state;
        ferry_schema_t *schema = smt_schema(rec, m->side);
        ferry_value_t *value = smt_value(rec, m->side);
        ferry_value_t *nv;
        ferry_err_t e;
        *out = rec;
        if (!value)
                return FERRY_ERR_OK;
        if (!schema) {
                if ((e = smt_require_map(value, PURPOSE, errstr, errstr_size)))
                        goto fail;
                for (size_t i = 0; i < m->n; i++) {
                        if ((e = masked(m, NULL, ferry_map_get_str(value, m->fields[i]), &nv, errstr,
                                        errstr_size)))
                                goto fail;
                        if (ferry_map_put_str(value, m->fields[i], nv) < 0) {
                                e = smt_nomem(errstr, errstr_size);
                                goto fail;
                        }
                }
                return FERRY_ERR_OK;
        }
        if ((e = smt_require_struct(value, PURPOSE, errstr, errstr_size)))
                goto fail;
        const ferry_schema_t *vs = value->u.st.schema;
        for (size_t i = 0; i < m->n; i++) {
                const ferry_field_t *f = ferry_schema_field(vs, m->fields[i]);
                if (!f)
                        continue;
                if ((e = masked(m, f->schema, value->u.st.fields[f->index], &nv, errstr, errstr_size)))
                        goto fail;
                ferry_value_free(value->u.st.fields[f->index]);
                value->u.st.fields[f->index] = nv;
        }
        return FERRY_ERR_OK;
fail:
        ferry_record_free(rec);
        *out = NULL;
        return e;
}

SMT_KV_PLUGINS(
        ferry_smt_mask_field, mask_field, SMT_NS "MaskField", mask_field_config,
        "Mask specified fields with a valid null value for the field type (i.e. 0, false, empty string, "
        "and so on).<p/>For numeric and string fields, an optional replacement value can be specified "
        "that is converted to the correct type.");
