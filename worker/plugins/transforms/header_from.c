/* HeaderFrom$Key / HeaderFrom$Value (org.apache.kafka.connect.transforms.HeaderFrom): copies or moves
 * the listed key/value fields into headers (fields[i] -> headers[i]), with the field schema when
 * there is one. `move` removes the fields (the smaller struct schema is cached per input schema).
 * Headers are appended, as Java's Headers.add does. Tombstones pass through. */
#include "../builtin.h"
#include "smt_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PURPOSE "header move"

static const char *const operations[] = {"move", "copy", NULL};

static const ferry_config_def_t header_from_config[] = {
        {.name = "fields",
         .type = FERRY_CFG_LIST,
         .required = true,
         .non_empty = true,
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "Field names in the record whose values are to be copied or moved to headers."},
        {.name = "headers",
         .type = FERRY_CFG_LIST,
         .required = true,
         .non_empty = true,
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "Header names, in the same order as the field names listed in the fields configuration "
                "property."},
        {.name = "operation",
         .type = FERRY_CFG_STRING,
         .required = true,
         .valid = operations,
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "Either <code>move</code> if the fields are to be moved to the headers (removed from the "
                "key/value), "
                "or <code>copy</code> if the fields are to be copied to the headers (retained in the "
                "key/value)."},
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
        char **fields, **headers;
        size_t n, n_headers;
        bool move;
        bool replace_default;
        smt_cache_t cache;
} header_from_t;

static void header_from_close(void *state)
{
        header_from_t *h = state;
        if (!h)
                return;
        ferry_strlist_free(h->fields, h->n);
        ferry_strlist_free(h->headers, h->n_headers);
        smt_cache_free(&h->cache);
        free(h);
}

static ferry_err_t header_from_configure(void **state, const ferry_strmap_t *config, smt_side_t side,
                                         char *errstr, size_t errstr_size)
{
        if (smt_config_check(header_from_config, config, errstr, errstr_size) < 0)
                return FERRY_ERR_INVALID_CONFIG;
        header_from_t *h = calloc(1, sizeof(*h));
        if (!h)
                return smt_nomem(errstr, errstr_size);
        h->side = side;
        h->fields = ferry_config_list(header_from_config, config, "fields", &h->n);
        h->headers = ferry_config_list(header_from_config, config, "headers", &h->n_headers);
        h->move = !strcasecmp(ferry_strmap_get(config, "operation"), "move");
        h->replace_default = ferry_config_bool(header_from_config, config, "replace.null.with.default");
        if (!h->fields || !h->headers) {
                header_from_close(h);
                return smt_nomem(errstr, errstr_size);
        }
        if (h->n != h->n_headers) {
                snprintf(errstr, errstr_size,
                         "Invalid value %s for configuration headers: 'fields' config must have the same "
                         "number "
                         "of elements as 'headers' config.",
                         ferry_strmap_get(config, "headers"));
                header_from_close(h);
                return FERRY_ERR_INVALID_CONFIG;
        }
        *state = h;
        return FERRY_ERR_OK;
}

static bool listed(const header_from_t *h, const char *name)
{
        for (size_t i = 0; i < h->n; i++)
                if (!strcmp(h->fields[i], name))
                        return true;
        return false;
}

static ferry_err_t header_from_apply(void *state, ferry_record_t *rec, ferry_record_t **out, char *errstr,
                                     size_t errstr_size)
{
        header_from_t *h = state;
        ferry_schema_t *schema = smt_schema(rec, h->side);
        ferry_value_t *value = smt_value(rec, h->side);
        ferry_value_t *nv = NULL, *hv;
        ferry_err_t e;
        *out = rec;
        if (!value)
                return FERRY_ERR_OK;
        if (!schema) {
                if ((e = smt_require_map(value, PURPOSE, errstr, errstr_size)))
                        goto fail;
                for (size_t i = 0; i < h->n; i++) {
                        if (!smt_copy(ferry_map_get_str(value, h->fields[i]), &hv) ||
                            ferry_record_add_header(rec, h->headers[i], NULL, hv) < 0)
                                goto nomem;
                }
                if (h->move) {
                        size_t k = 0;
                        for (size_t i = 0; i < value->u.m.n; i++) {
                                ferry_value_t *key = value->u.m.keys[i];
                                if (key && key->type == FERRY_TYPE_STRING && listed(h, key->u.s.data)) {
                                        ferry_value_free(key);
                                        ferry_value_free(value->u.m.vals[i]);
                                        continue;
                                }
                                value->u.m.keys[k] = key;
                                value->u.m.vals[k++] = value->u.m.vals[i];
                        }
                        value->u.m.n = k;
                }
                return FERRY_ERR_OK;
        }
        if ((e = smt_require_struct(value, PURPOSE, errstr, errstr_size)))
                goto fail;
        const ferry_schema_t *vs = value->u.st.schema;
        for (size_t i = 0; i < h->n; i++) {
                const ferry_field_t *f = ferry_schema_field(vs, h->fields[i]);
                if (!f) {
                        e = smt_fail(errstr, errstr_size, "Unknown field: %s", h->fields[i]);
                        goto fail;
                }
                if (!smt_copy(smt_struct_at(value, (size_t)f->index, h->replace_default), &hv) ||
                    ferry_record_add_header(rec, h->headers[i], ferry_schema_ref(f->schema), hv) < 0)
                        goto nomem;
        }
        if (!h->move)
                return FERRY_ERR_OK;
        ferry_schema_t *ns = smt_cache_get(&h->cache, schema);
        if (!ns) {
                if (!(ns = smt_struct_like(schema, true)))
                        goto nomem;
                for (size_t i = 0; i < schema->n_fields; i++) {
                        const ferry_field_t *f = &schema->fields[i];
                        if (listed(h, f->name))
                                continue;
                        if (ferry_schema_add_field(ns, f->name, ferry_schema_ref(f->schema)) < 0) {
                                ferry_schema_unref(ns);
                                goto nomem;
                        }
                }
                smt_cache_put(&h->cache, schema, ns);
        }
        if (!(nv = ferry_value_struct(ns)))
                goto nomem;
        for (size_t i = 0; i < ns->n_fields; i++) {
                const ferry_field_t *f = ferry_schema_field(vs, ns->fields[i].name);
                if (f) {
                        nv->u.st.fields[i] = value->u.st.fields[f->index];
                        value->u.st.fields[f->index] = NULL;
                }
        }
        smt_set_operand(rec, h->side, ferry_schema_ref(ns), nv);
        return FERRY_ERR_OK;
nomem:
        e = smt_nomem(errstr, errstr_size);
fail:
        ferry_value_free(nv);
        ferry_record_free(rec);
        *out = NULL;
        return e;
}

SMT_KV_PLUGINS(
        ferry_smt_header_from, header_from, SMT_NS "HeaderFrom", header_from_config,
        "Moves or copies fields in the key/value of a record into that record's headers. Corresponding "
        "elements of <code>fields</code> and <code>headers</code> together identify a field and the header "
        "it should be moved or copied to. Use the concrete transformation type designed for the record "
        "key (<code>org.apache.kafka.connect.transforms.HeaderFrom$Key</code>) or value "
        "(<code>org.apache.kafka.connect.transforms.HeaderFrom$Value</code>).");
