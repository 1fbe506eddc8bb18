/* ReplaceField$Key / ReplaceField$Value (org.apache.kafka.connect.transforms.ReplaceField): keeps
 * only `include`d fields (all when empty), drops `exclude`d ones (exclude wins) and renames with
 * `renames` old:new. Structs get a new schema (cached per input schema); schemaless maps a new map.
 * Tombstones pass through. The deprecated blacklist/whitelist keys still work. */
#include "../builtin.h"
#include "smt_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PURPOSE "field replacement"

static int validate_renames(const char *name, const char *value, char *errstr, size_t errstr_size)
{
        size_t n;
        char **items = ferry_split_list(value, &n);
        int rc = 0;
        for (size_t i = 0; items && i < n && rc == 0; i++) {
                const char *c = strchr(items[i], ':');
                if (!c || c == items[i] || !c[1] || strchr(c + 1, ':')) {
                        snprintf(errstr, errstr_size,
                                 "Invalid value %s for configuration %s: Invalid rename mapping: %s", value,
                                 name, items[i]);
                        rc = -1;
                }
        }
        ferry_strlist_free(items, n);
        return rc;
}

static const ferry_config_def_t replace_field_config[] = {
        {.name = "exclude",
         .type = FERRY_CFG_LIST,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "Fields to exclude. This takes precedence over the fields to include."},
        {.name = "include",
         .type = FERRY_CFG_LIST,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "Fields to include. If specified, only these fields will be used."},
        {.name = "renames",
         .type = FERRY_CFG_LIST,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .validate = validate_renames,
         .doc = "Field rename mappings."},
        {.name = "blacklist",
         .type = FERRY_CFG_LIST,
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "Deprecated. Use exclude instead."},
        {.name = "whitelist",
         .type = FERRY_CFG_LIST,
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "Deprecated. Use include instead."},
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
        char **exclude, **include, **renames;
        size_t n_exclude, n_include, n_renames;
        bool replace_default;
        smt_cache_t cache;
} replace_field_t;

static void replace_field_close(void *state)
{
        replace_field_t *r = state;
        if (!r)
                return;
        ferry_strlist_free(r->exclude, r->n_exclude);
        ferry_strlist_free(r->include, r->n_include);
        ferry_strlist_free(r->renames, r->n_renames);
        smt_cache_free(&r->cache);
        free(r);
}

static ferry_err_t replace_field_configure(void **state, const ferry_strmap_t *config, smt_side_t side,
                                           char *errstr, size_t errstr_size)
{
        if (smt_config_check(replace_field_config, config, errstr, errstr_size) < 0)
                return FERRY_ERR_INVALID_CONFIG;
        replace_field_t *r = calloc(1, sizeof(*r));
        if (!r)
                return smt_nomem(errstr, errstr_size);
        r->side = side;
        const char *ex = ferry_strmap_get(config, "exclude")     ? "exclude"
                         : ferry_strmap_get(config, "blacklist") ? "blacklist"
                                                                 : "exclude";
        const char *in = ferry_strmap_get(config, "include")     ? "include"
                         : ferry_strmap_get(config, "whitelist") ? "whitelist"
                                                                 : "include";
        r->exclude = ferry_config_list(replace_field_config, config, ex, &r->n_exclude);
        r->include = ferry_config_list(replace_field_config, config, in, &r->n_include);
        r->renames = ferry_config_list(replace_field_config, config, "renames", &r->n_renames);
        r->replace_default = ferry_config_bool(replace_field_config, config, "replace.null.with.default");
        if (!r->exclude || !r->include || !r->renames) {
                replace_field_close(r);
                return smt_nomem(errstr, errstr_size);
        }
        *state = r;
        return FERRY_ERR_OK;
}

static bool in_list(char **list, size_t n, const char *s)
{
        for (size_t i = 0; i < n; i++)
                if (!strcmp(list[i], s))
                        return true;
        return false;
}

static bool kept(const replace_field_t *r, const char *name)
{
        return !in_list(r->exclude, r->n_exclude, name) &&
               (r->n_include == 0 || in_list(r->include, r->n_include, name));
}

static const char *renamed(const replace_field_t *r, const char *name)
{
        size_t len = strlen(name);
        for (size_t i = 0; i < r->n_renames; i++)
                if (!strncmp(r->renames[i], name, len) && r->renames[i][len] == ':')
                        return r->renames[i] + len + 1;
        return name;
}

static ferry_err_t replace_field_apply(void *state, ferry_record_t *rec, ferry_record_t **out, char *errstr,
                                       size_t errstr_size)
{
        replace_field_t *r = state;
        ferry_schema_t *schema = smt_schema(rec, r->side);
        ferry_value_t *value = smt_value(rec, r->side);
        ferry_value_t *nv = NULL;
        ferry_err_t e;
        *out = rec;
        if (!value)
                return FERRY_ERR_OK;
        if (!schema) {
                if ((e = smt_require_map(value, PURPOSE, errstr, errstr_size)))
                        goto fail;
                if (!(nv = ferry_value_map()))
                        goto nomem;
                for (size_t i = 0; i < value->u.m.n; i++) {
                        ferry_value_t *k = value->u.m.keys[i];
                        if (!k || k->type != FERRY_TYPE_STRING || !kept(r, k->u.s.data))
                                continue;
                        if (ferry_map_put_str(nv, renamed(r, k->u.s.data), value->u.m.vals[i]) < 0)
                                goto nomem;
                        value->u.m.vals[i] = NULL;
                }
                smt_set_operand(rec, r->side, NULL, nv);
                return FERRY_ERR_OK;
        }
        if ((e = smt_require_struct(value, PURPOSE, errstr, errstr_size)))
                goto fail;
        ferry_schema_t *ns = smt_cache_get(&r->cache, schema);
        if (!ns) {
                if (!(ns = smt_struct_like(schema, true)))
                        goto nomem;
                for (size_t i = 0; i < schema->n_fields; i++) {
                        const ferry_field_t *f = &schema->fields[i];
                        if (!kept(r, f->name))
                                continue;
                        if (ferry_schema_add_field(ns, renamed(r, f->name), ferry_schema_ref(f->schema)) <
                            0) {
                                ferry_schema_unref(ns);
                                goto nomem;
                        }
                }
                smt_cache_put(&r->cache, schema, ns);
        }
        if (!(nv = ferry_value_struct(ns)))
                goto nomem;
        const ferry_schema_t *vs = value->u.st.schema;
        for (size_t i = 0; i < vs->n_fields; i++) {
                if (!kept(r, vs->fields[i].name))
                        continue;
                const ferry_field_t *nf = ferry_schema_field(ns, renamed(r, vs->fields[i].name));
                if (!nf)
                        continue;
                ferry_value_t *fv = value->u.st.fields[i];
                value->u.st.fields[i] = NULL;
                if (!fv && r->replace_default && vs->fields[i].schema->default_value &&
                    !(fv = ferry_value_copy(vs->fields[i].schema->default_value)))
                        goto nomem;
                nv->u.st.fields[nf->index] = fv;
        }
        smt_set_operand(rec, r->side, ferry_schema_ref(ns), nv);
        return FERRY_ERR_OK;
nomem:
        e = smt_nomem(errstr, errstr_size);
fail:
        ferry_value_free(nv);
        ferry_record_free(rec);
        *out = NULL;
        return e;
}

SMT_KV_PLUGINS(ferry_smt_replace_field, replace_field, SMT_NS "ReplaceField", replace_field_config,
               "Filter or rename fields.");
