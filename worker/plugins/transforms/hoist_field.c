/* HoistField$Key / HoistField$Value (org.apache.kafka.connect.transforms.HoistField): wraps the key
 * or value in a struct with one field `field` (schema present; the struct schema is cached per
 * input schema) or a map with one entry (schemaless). A step of the transform chain. */
#include "../builtin.h"
#include "smt_util.h"

#include <stdlib.h>
#include <string.h>

static const ferry_config_def_t hoist_field_config[] = {
        {.name = "field",
         .type = FERRY_CFG_STRING,
         .required = true,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "Field name for the single field that will be created in the resulting Struct or Map."},
        {.name = NULL},
};

typedef struct {
        smt_side_t side;
        char *field;
        smt_cache_t cache;
} hoist_field_t;

static ferry_err_t hoist_field_configure(void **state, const ferry_strmap_t *config, smt_side_t side,
                                         char *errstr, size_t errstr_size)
{
        if (smt_config_check(hoist_field_config, config, errstr, errstr_size) < 0)
                return FERRY_ERR_INVALID_CONFIG;
        hoist_field_t *h = calloc(1, sizeof(*h));
        if (!h || !(h->field = strdup(ferry_strmap_get(config, "field")))) {
                free(h);
                return smt_nomem(errstr, errstr_size);
        }
        h->side = side;
        *state = h;
        return FERRY_ERR_OK;
}

static void hoist_field_close(void *state)
{
        hoist_field_t *h = state;
        if (!h)
                return;
        free(h->field);
        smt_cache_free(&h->cache);
        free(h);
}

static ferry_err_t hoist_field_apply(void *state, ferry_record_t *rec, ferry_record_t **out, char *errstr,
                                     size_t errstr_size)
{
        hoist_field_t *h = state;
        ferry_schema_t *schema;
        ferry_value_t *value, *nv;
        *out = NULL;
        smt_take_operand(rec, h->side, &schema, &value);
        if (!schema) {
                nv = ferry_value_map();
                if (!nv || ferry_map_put_str(nv, h->field, value) < 0)
                        goto nomem;
                smt_set_operand(rec, h->side, NULL, nv);
                *out = rec;
                return FERRY_ERR_OK;
        }
        ferry_schema_t *ns = smt_cache_get(&h->cache, schema);
        if (!ns) {
                ns = ferry_schema_new(FERRY_TYPE_STRUCT);
                if (!ns || ferry_schema_add_field(ns, h->field, ferry_schema_ref(schema)) < 0) {
                        ferry_schema_unref(ns);
                        goto nomem;
                }
                smt_cache_put(&h->cache, schema, ns);
        }
        nv = ferry_value_struct(ns);
        if (!nv)
                goto nomem;
        nv->u.st.fields[0] = value;
        ferry_schema_unref(schema);
        smt_set_operand(rec, h->side, ferry_schema_ref(ns), nv);
        *out = rec;
        return FERRY_ERR_OK;
nomem:
        ferry_schema_unref(schema);
        ferry_value_free(value);
        ferry_record_free(rec);
        return smt_nomem(errstr, errstr_size);
}

SMT_KV_PLUGINS(
        ferry_smt_hoist_field, hoist_field, SMT_NS "HoistField", hoist_field_config,
        "Wrap data using the specified field name in a Struct when schema present, or a Map in the case of "
        "schemaless data.");
