/* SetSchemaMetadata$Key / $Value (org.apache.kafka.connect.transforms.SetSchemaMetadata): gives the
 * key or value schema a new name and/or version. Schemas are immutable, so a changed copy is built
 * (cached per input schema) and a struct value is re-pointed at it. Needs a schema. */
#include "../builtin.h"
#include "smt_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PURPOSE "updating schema metadata"

static const ferry_config_def_t set_schema_metadata_config[] = {
        {.name = "schema.name",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "Schema name to set."},
        {.name = "schema.version",
         .type = FERRY_CFG_INT,
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "Schema version to set."},
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
        char *name;
        bool has_version;
        int32_t version;
        smt_cache_t cache;
} ssm_t;

static ferry_err_t ssm_configure(void **state, const ferry_strmap_t *config, smt_side_t side, char *errstr,
                                 size_t errstr_size)
{
        if (smt_config_check(set_schema_metadata_config, config, errstr, errstr_size) < 0)
                return FERRY_ERR_INVALID_CONFIG;
        const char *name = ferry_strmap_get(config, "schema.name");
        const char *version = ferry_strmap_get(config, "schema.version");
        if (!name && !version) {
                snprintf(errstr, errstr_size,
                         "Invalid value null for configuration schema.name: Neither schema name nor version "
                         "configured");
                return FERRY_ERR_INVALID_CONFIG;
        }
        ssm_t *s = calloc(1, sizeof(*s));
        if (!s || (name && !(s->name = strdup(name)))) {
                free(s);
                return smt_nomem(errstr, errstr_size);
        }
        s->side = side;
        s->has_version = version != NULL;
        s->version = (int32_t)ferry_config_int(set_schema_metadata_config, config, "schema.version");
        *state = s;
        return FERRY_ERR_OK;
}

static void ssm_close(void *state)
{
        ssm_t *s = state;
        if (!s)
                return;
        free(s->name);
        smt_cache_free(&s->cache);
        free(s);
}

static ferry_err_t ssm_apply(void *state, ferry_record_t *rec, ferry_record_t **out, char *errstr,
                             size_t errstr_size)
{
        ssm_t *s = state;
        ferry_schema_t *schema = smt_schema(rec, s->side);
        ferry_value_t *value = smt_value(rec, s->side);
        ferry_err_t e;
        *out = NULL;
        if (!schema) {
                e = smt_fail(errstr, errstr_size, "Schema required for [" PURPOSE "]");
                ferry_record_free(rec);
                return e;
        }
        ferry_schema_t *ns = smt_cache_get(&s->cache, schema);
        if (!ns) {
                ns = ferry_schema_copy(schema);
                if (!ns || (s->name && ferry_schema_set_name(ns, s->name) < 0)) {
                        ferry_schema_unref(ns);
                        ferry_record_free(rec);
                        return smt_nomem(errstr, errstr_size);
                }
                if (s->has_version) {
                        ns->has_version = true;
                        ns->version = s->version;
                }
                smt_cache_put(&s->cache, schema, ns);
        }
        if (value && value->type == FERRY_TYPE_STRUCT && value->u.st.schema != ns) {
                ferry_schema_unref(value->u.st.schema);
                value->u.st.schema = ferry_schema_ref(ns);
        }
        smt_set_operand(rec, s->side, ferry_schema_ref(ns), value);
        *out = rec;
        return FERRY_ERR_OK;
}

SMT_KV_PLUGINS(ferry_smt_set_schema_metadata, ssm, SMT_NS "SetSchemaMetadata", set_schema_metadata_config,
               "Set the schema name, version or both on the record's key or value schema.");
