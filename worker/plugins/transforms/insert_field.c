/* InsertField$Key / InsertField$Value (org.apache.kafka.connect.transforms.InsertField): adds the
 * record's topic, partition, Kafka offset (sink records only), timestamp and/or a static string to
 * the key or value struct/map. A field name ending in '!' makes the field required, '?' (the
 * default) optional. Tombstones pass through. The wider schema is cached per input schema. */
#include "../builtin.h"
#include "smt_util.h"

#include <stdlib.h>
#include <string.h>

#define PURPOSE "field insertion"

static const ferry_config_def_t insert_field_config[] = {
        {.name = "topic.field",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "Field name for Kafka topic. Suffix with <code>!</code> to make this a required field, or "
                "<code>?</code> to keep it optional (the default)."},
        {.name = "partition.field",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "Field name for Kafka partition. Suffix with <code>!</code> to make this a required field, "
                "or "
                "<code>?</code> to keep it optional (the default)."},
        {.name = "offset.field",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "Field name for Kafka offset - only applicable to sink connectors.<br/>Suffix with "
                "<code>!</code> to make this a required field, or <code>?</code> to keep it optional (the "
                "default)."},
        {.name = "timestamp.field",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "Field name for record timestamp. Suffix with <code>!</code> to make this a required field, "
                "or "
                "<code>?</code> to keep it optional (the default)."},
        {.name = "static.field",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "Field name for static data field. Suffix with <code>!</code> to make this a required field, "
                "or "
                "<code>?</code> to keep it optional (the default)."},
        {.name = "static.value",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "Static field value, if field name configured."},
        {.name = "replace.null.with.default",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "true",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "Whether to replace fields that have a default value and that are null to the default value. "
                "When set to true, the default value is used, otherwise null is used."},
        {.name = NULL},
};

enum { F_TOPIC, F_PARTITION, F_OFFSET, F_TIMESTAMP, F_STATIC, N_FIELDS };
static const char *const keys[N_FIELDS] = {"topic.field", "partition.field", "offset.field",
                                           "timestamp.field", "static.field"};

typedef struct {
        char *name; /* NULL: not inserted */
        bool optional;
} spec_t;

typedef struct {
        smt_side_t side;
        spec_t f[N_FIELDS];
        char *static_value;
        smt_cache_t cache;
} insert_field_t;

static void insert_field_close(void *state)
{
        insert_field_t *x = state;
        if (!x)
                return;
        for (int i = 0; i < N_FIELDS; i++)
                free(x->f[i].name);
        free(x->static_value);
        smt_cache_free(&x->cache);
        free(x);
}

static ferry_err_t insert_field_configure(void **state, const ferry_strmap_t *config, smt_side_t side,
                                          char *errstr, size_t errstr_size)
{
        if (smt_config_check(insert_field_config, config, errstr, errstr_size) < 0)
                return FERRY_ERR_INVALID_CONFIG;
        insert_field_t *x = calloc(1, sizeof(*x));
        if (!x)
                return smt_nomem(errstr, errstr_size);
        x->side = side;
        for (int i = 0; i < N_FIELDS; i++) {
                const char *v = ferry_strmap_get(config, keys[i]);
                if (!v)
                        continue;
                size_t n = strlen(v);
                x->f[i].optional = true;
                if (n && (v[n - 1] == '?' || v[n - 1] == '!')) {
                        x->f[i].optional = v[n - 1] == '?';
                        n--;
                }
                if (!(x->f[i].name = strndup(v, n))) {
                        insert_field_close(x);
                        return smt_nomem(errstr, errstr_size);
                }
        }
        const char *sv = ferry_strmap_get(config, "static.value");
        if (sv && !(x->static_value = strdup(sv))) {
                insert_field_close(x);
                return smt_nomem(errstr, errstr_size);
        }
        *state = x;
        return FERRY_ERR_OK;
}

/* The value inserted for field i (NULL = null); *err set on failure. */
static ferry_value_t *field_value(insert_field_t *x, int i, const ferry_record_t *rec, ferry_err_t *err,
                                  char *errstr, size_t errstr_size)
{
        ferry_value_t *v = NULL;
        *err = FERRY_ERR_OK;
        switch (i) {
        case F_TOPIC:
                if (!rec->topic)
                        return NULL;
                v = ferry_value_cstring(rec->topic);
                break;
        case F_PARTITION:
                if (rec->partition < 0)
                        return NULL;
                v = ferry_value_int(FERRY_TYPE_INT32, rec->partition);
                break;
        case F_OFFSET:
                if (rec->kafka_offset < 0) {
                        *err = smt_fail(errstr, errstr_size,
                                        "Only SinkRecord supported for [" PURPOSE
                                        "], found: org.apache.kafka.connect.source.SourceRecord");
                        return NULL;
                }
                v = ferry_value_int(FERRY_TYPE_INT64, rec->kafka_offset);
                break;
        case F_TIMESTAMP:
                if (rec->timestamp < 0)
                        return NULL;
                v = ferry_value_int(FERRY_TYPE_INT64, rec->timestamp);
                break;
        case F_STATIC:
                if (!x->static_value)
                        return NULL;
                v = ferry_value_cstring(x->static_value);
                break;
        }
        if (!v)
                *err = smt_nomem(errstr, errstr_size);
        return v;
}

static ferry_schema_t *field_schema(int i, bool optional)
{
        ferry_schema_t *s;
        switch (i) {
        case F_PARTITION:
                s = ferry_schema_new(FERRY_TYPE_INT32);
                break;
        case F_OFFSET:
                s = ferry_schema_new(FERRY_TYPE_INT64);
                break;
        case F_TIMESTAMP:
                s = ferry_schema_logical(FERRY_LOGICAL_TIMESTAMP);
                break;
        default:
                s = ferry_schema_new(FERRY_TYPE_STRING);
        }
        if (s)
                s->optional = optional;
        return s;
}

static ferry_err_t insert_field_apply(void *state, ferry_record_t *rec, ferry_record_t **out, char *errstr,
                                      size_t errstr_size)
{
        insert_field_t *x = state;
        ferry_schema_t *schema = smt_schema(rec, x->side);
        ferry_value_t *value = smt_value(rec, x->side);
        ferry_value_t *nv = NULL;
        ferry_err_t e;
        *out = rec;
        if (!value)
                return FERRY_ERR_OK;
        if (!schema) {
                if ((e = smt_require_map(value, PURPOSE, errstr, errstr_size)))
                        goto fail;
                for (int i = 0; i < N_FIELDS; i++) {
                        if (!x->f[i].name)
                                continue;
                        ferry_value_t *v = field_value(x, i, rec, &e, errstr, errstr_size);
                        if (e)
                                goto fail;
                        if (ferry_map_put_str(value, x->f[i].name, v) < 0) {
                                e = smt_nomem(errstr, errstr_size);
                                goto fail;
                        }
                }
                return FERRY_ERR_OK;
        }
        if ((e = smt_require_struct(value, PURPOSE, errstr, errstr_size)))
                goto fail;
        ferry_schema_t *ns = smt_cache_get(&x->cache, schema);
        if (!ns) {
                if (!(ns = smt_struct_like(schema, true)))
                        goto nomem;
                for (size_t i = 0; i < schema->n_fields; i++)
                        if (ferry_schema_add_field(ns, schema->fields[i].name,
                                                   ferry_schema_ref(schema->fields[i].schema)) < 0) {
                                ferry_schema_unref(ns);
                                goto nomem;
                        }
                for (int i = 0; i < N_FIELDS; i++) {
                        if (!x->f[i].name)
                                continue;
                        if (ferry_schema_field(ns, x->f[i].name)) {
                                ferry_schema_unref(ns);
                                e = smt_fail(errstr, errstr_size, "Schema already has a field named %s",
                                             x->f[i].name);
                                goto fail;
                        }
                        if (ferry_schema_add_field(ns, x->f[i].name, field_schema(i, x->f[i].optional)) < 0) {
                                ferry_schema_unref(ns);
                                goto nomem;
                        }
                }
                smt_cache_put(&x->cache, schema, ns);
        }
        if (!(nv = ferry_value_struct(ns)))
                goto nomem;
        size_t n = value->u.st.schema->n_fields;
        for (size_t i = 0; i < n && i < ns->n_fields; i++) {
                nv->u.st.fields[i] = value->u.st.fields[i];
                value->u.st.fields[i] = NULL;
        }
        for (int i = 0; i < N_FIELDS; i++) {
                if (!x->f[i].name)
                        continue;
                ferry_value_t *v = field_value(x, i, rec, &e, errstr, errstr_size);
                if (e)
                        goto fail;
                ferry_struct_put(nv, x->f[i].name, v);
        }
        smt_set_operand(rec, x->side, ferry_schema_ref(ns), nv);
        return FERRY_ERR_OK;
nomem:
        e = smt_nomem(errstr, errstr_size);
fail:
        ferry_value_free(nv);
        ferry_record_free(rec);
        *out = NULL;
        return e;
}

SMT_KV_PLUGINS(ferry_smt_insert_field, insert_field, SMT_NS "InsertField", insert_field_config,
               "Insert field(s) using attributes from the record metadata or a configured static value.");
