/* ExtractField$Key / ExtractField$Value (org.apache.kafka.connect.transforms.ExtractField):
 * replaces the key or value with one of its fields: the field of a struct (and the field's schema)
 * or the entry of a schemaless map. A step of the transform chain between tasks and converters. */
#include "../builtin.h"
#include "smt_util.h"

#include <stdlib.h>
#include <string.h>

#define PURPOSE "field extraction"

static const ferry_config_def_t extract_field_config[] = {
        {.name = "field",
         .type = FERRY_CFG_STRING,
         .required = true,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "Field name to extract."},
        {.name = "replace.null.with.default",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "true",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "Whether to replace fields that have a default value and that are null to the default value. "
                "When set to true, the default value is used, otherwise null is used."},
        {.name = NULL},
};

typedef struct {
        smt_side_t side;
        char *field;
        bool replace_default;
} extract_field_t;

static ferry_err_t extract_field_configure(void **state, const ferry_strmap_t *config, smt_side_t side,
                                           char *errstr, size_t errstr_size)
{
        if (smt_config_check(extract_field_config, config, errstr, errstr_size) < 0)
                return FERRY_ERR_INVALID_CONFIG;
        extract_field_t *x = calloc(1, sizeof(*x));
        if (!x || !(x->field = strdup(ferry_strmap_get(config, "field")))) {
                free(x);
                return smt_nomem(errstr, errstr_size);
        }
        x->side = side;
        x->replace_default = ferry_config_bool(extract_field_config, config, "replace.null.with.default");
        *state = x;
        return FERRY_ERR_OK;
}

static void extract_field_close(void *state)
{
        extract_field_t *x = state;
        if (x)
                free(x->field);
        free(x);
}

/* Removes and returns map[key] (NULL when absent or null). */
static ferry_value_t *map_steal(ferry_value_t *map, const char *key)
{
        size_t len = strlen(key);
        for (size_t i = 0; i < map->u.m.n; i++) {
                ferry_value_t *k = map->u.m.keys[i];
                if (k && k->type == FERRY_TYPE_STRING && k->u.s.len == len &&
                    !memcmp(k->u.s.data, key, len)) {
                        ferry_value_t *v = map->u.m.vals[i];
                        map->u.m.vals[i] = NULL;
                        return v;
                }
        }
        return NULL;
}

static ferry_err_t extract_field_apply(void *state, ferry_record_t *rec, ferry_record_t **out, char *errstr,
                                       size_t errstr_size)
{
        extract_field_t *x = state;
        ferry_schema_t *schema = smt_schema(rec, x->side);
        ferry_value_t *value = smt_value(rec, x->side);
        ferry_err_t e;
        *out = rec;
        if (!schema) {
                if (!value) {
                        smt_set_operand(rec, x->side, NULL, NULL);
                        return FERRY_ERR_OK;
                }
                if ((e = smt_require_map(value, PURPOSE, errstr, errstr_size)))
                        goto fail;
                smt_set_operand(rec, x->side, NULL, map_steal(value, x->field));
                return FERRY_ERR_OK;
        }
        if (value && (e = smt_require_struct(value, PURPOSE, errstr, errstr_size)))
                goto fail;
        const ferry_field_t *f = ferry_schema_field(schema, x->field);
        if (!f) {
                e = smt_fail(errstr, errstr_size, "Unknown field: %s", x->field);
                goto fail;
        }
        ferry_value_t *fv = NULL;
        if (value) {
                fv = value->u.st.fields[f->index];
                value->u.st.fields[f->index] = NULL;
                if (!fv && x->replace_default && f->schema->default_value &&
                    !(fv = ferry_value_copy(f->schema->default_value))) {
                        e = smt_nomem(errstr, errstr_size);
                        goto fail;
                }
        }
        smt_set_operand(rec, x->side, ferry_schema_ref(f->schema), fv);
        return FERRY_ERR_OK;
fail:
        ferry_record_free(rec);
        *out = NULL;
        return e;
}

SMT_KV_PLUGINS(
        ferry_smt_extract_field, extract_field, SMT_NS "ExtractField", extract_field_config,
        "Extract the specified field from a Struct when schema present, or a Map in the case of schemaless "
        "data. Any null values are passed through unmodified.");
