/* ValueToKey (org.apache.kafka.connect.transforms.ValueToKey): replaces the record key with a struct
 * (schema present; key schema cached per value schema) or map (schemaless) made of copies of the
 * listed value fields. A step of the transform chain, typically before a keyed sink or topic. */
#include "../builtin.h"
#include "smt_util.h"

#include <stdlib.h>
#include <string.h>

#define PURPOSE "copying fields from value to key"

static const ferry_config_def_t value_to_key_config[] = {
        {.name = "fields",
         .type = FERRY_CFG_LIST,
         .required = true,
         .non_empty = true,
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "Field names on the record value to extract as the record key."},
        {.name = "replace.null.with.default",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "true",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "Whether to replace fields that have a default value and that are null to the default value. "
                "When set to true, the default value is used, otherwise null is used."},
        {.name = NULL},
};

typedef struct {
        char **fields;
        size_t n;
        bool replace_default;
        smt_cache_t cache;
} value_to_key_t;

static ferry_err_t value_to_key_configure(void **state, const ferry_strmap_t *config, char *errstr,
                                          size_t errstr_size)
{
        if (smt_config_check(value_to_key_config, config, errstr, errstr_size) < 0)
                return FERRY_ERR_INVALID_CONFIG;
        value_to_key_t *v = calloc(1, sizeof(*v));
        if (!v || !(v->fields = ferry_config_list(value_to_key_config, config, "fields", &v->n))) {
                free(v);
                return smt_nomem(errstr, errstr_size);
        }
        v->replace_default = ferry_config_bool(value_to_key_config, config, "replace.null.with.default");
        *state = v;
        return FERRY_ERR_OK;
}

static void value_to_key_close(void *state)
{
        value_to_key_t *v = state;
        if (!v)
                return;
        ferry_strlist_free(v->fields, v->n);
        smt_cache_free(&v->cache);
        free(v);
}

static ferry_err_t value_to_key_apply(void *state, ferry_record_t *rec, ferry_record_t **out, char *errstr,
                                      size_t errstr_size)
{
        value_to_key_t *v = state;
        ferry_value_t *key = NULL, *fv;
        ferry_err_t e;
        *out = rec;
        if (!rec->value_schema) {
                if ((e = smt_require_map(rec->value, PURPOSE, errstr, errstr_size)))
                        goto fail;
                if (!(key = ferry_value_map()))
                        goto nomem;
                for (size_t i = 0; i < v->n; i++) {
                        if (!smt_copy(ferry_map_get_str(rec->value, v->fields[i]), &fv) ||
                            ferry_map_put_str(key, v->fields[i], fv) < 0)
                                goto nomem;
                }
                smt_set_operand(rec, SMT_KEY, NULL, key);
                return FERRY_ERR_OK;
        }
        if ((e = smt_require_struct(rec->value, PURPOSE, errstr, errstr_size)))
                goto fail;
        const ferry_schema_t *vs = rec->value->u.st.schema;
        ferry_schema_t *ks = smt_cache_get(&v->cache, rec->value_schema);
        if (!ks) {
                if (!(ks = ferry_schema_new(FERRY_TYPE_STRUCT)))
                        goto nomem;
                for (size_t i = 0; i < v->n; i++) {
                        const ferry_field_t *f = ferry_schema_field(vs, v->fields[i]);
                        if (!f) {
                                ferry_schema_unref(ks);
                                e = smt_fail(errstr, errstr_size, "Field does not exist: %s", v->fields[i]);
                                goto fail;
                        }
                        if (ferry_schema_add_field(ks, f->name, ferry_schema_ref(f->schema)) < 0) {
                                ferry_schema_unref(ks);
                                goto nomem;
                        }
                }
                smt_cache_put(&v->cache, rec->value_schema, ks);
        }
        if (!(key = ferry_value_struct(ks)))
                goto nomem;
        for (size_t i = 0; i < ks->n_fields; i++) {
                const ferry_field_t *f = ferry_schema_field(vs, ks->fields[i].name);
                if (!f) {
                        e = smt_fail(errstr, errstr_size, "Field does not exist: %s", ks->fields[i].name);
                        goto fail;
                }
                if (!smt_copy(smt_struct_at(rec->value, (size_t)f->index, v->replace_default),
                              &key->u.st.fields[i]))
                        goto nomem;
        }
        smt_set_operand(rec, SMT_KEY, ferry_schema_ref(ks), key);
        return FERRY_ERR_OK;
nomem:
        e = smt_nomem(errstr, errstr_size);
fail:
        ferry_value_free(key);
        ferry_record_free(rec);
        *out = NULL;
        return e;
}

const ferry_transform_plugin_t ferry_smt_value_to_key = {
        .info = SMT_INFO(SMT_NS "ValueToKey", value_to_key_config,
                         "Replace the record key with a new key formed from a subset of fields in the record "
                         "value."),
        .configure = value_to_key_configure,
        .apply = value_to_key_apply,
        .close = value_to_key_close,
};
