/* Avro schemas to Connect schemas, as Confluent's AvroData.toConnectSchema does it: records to
 * structs (docs and field docs as io.confluent.connect.avro.* parameters), enums to strings with
 * their symbols as parameters, unions to io.confluent.connect.avro.Union structs (optional when
 * one branch is null), logical types, connect.* properties back to names, versions, parameters
 * and defaults. Used by the AvroConverter's read path with the writer schema from the registry;
 * the other direction is avro_data_schema.c. */
#include "avro_data.h"
#include "avro_data_props.h"

#include <ferry/json.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- Avro -> Connect ---- */

typedef struct {
        const ferry_avro_data_config_t *cfg;
        const ferry_avro_node_t *stack[MAX_DEPTH + 2]; /* records being converted: cycle detection */
        size_t n_stack;
        const char *fdoc; /* the doc of the record field whose type comes next (to() takes it) */
        int union_count;  /* connect_union_<n> when the config has no counter */
        char *errstr;
        size_t errstr_size;
        bool failed;
} to_t;

static void *terr(to_t *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void *terr(to_t *x, const char *fmt, ...)
{
        if (!x->failed && x->errstr && x->errstr_size) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(x->errstr, x->errstr_size, fmt, ap);
                va_end(ap);
        }
        x->failed = true;
        return NULL;
}

const char *ferry_avro_union_member_name(const ferry_avro_node_t *b, bool enhanced, char *buf, size_t size)
{
        if (b->type == FERRY_AVRO_RECORD || b->type == FERRY_AVRO_ENUM || b->type == FERRY_AVRO_FIXED) {
                if (enhanced && b->space && *b->space) {
                        snprintf(buf, size, "%s.%s", b->space, b->name);
                        return buf;
                }
                return b->name;
        }
        return ferry_avro_type_name(b->type);
}

static bool is_map_entry(const ferry_avro_node_t *n)
{
        if (n->type != FERRY_AVRO_RECORD)
                return false;
        if (n->space && strcmp(n->space, FERRY_AVRO_NAMESPACE) == 0 &&
            strcmp(n->name, FERRY_AVRO_MAP_ENTRY) == 0)
                return true;
        const char *t = ferry_avro_prop_str(n, CONNECT_INTERNAL);
        return t && strcmp(t, FERRY_AVRO_MAP_ENTRY) == 0;
}

static ferry_schema_t *to(to_t *x, const ferry_avro_node_t *a, bool force_optional, bool has_fdef,
                          const ferry_value_t *fdef, int version, int depth);

static ferry_schema_t *to_base(to_t *x, const ferry_avro_node_t *a, int depth)
{
        const char *ctype = ferry_avro_prop_str(a, CONNECT_TYPE);
        const char *logical = ferry_avro_prop_str(a, "logicalType");
        ferry_schema_t *s = NULL;
        switch (a->type) {
        case FERRY_AVRO_BOOLEAN:
                return ferry_schema_new(FERRY_TYPE_BOOLEAN);
        case FERRY_AVRO_BYTES:
        case FERRY_AVRO_FIXED:
                if (logical && strcasecmp(logical, "decimal") == 0) {
                        const ferry_value_t *sc = ferry_avro_prop(a->props, a->n_props, "scale", NULL);
                        int scale = sc && sc->type == FERRY_TYPE_INT64 ? (int)sc->u.i : 0;
                        if (!(s = ferry_schema_decimal(scale)))
                                return NULL;
                        bool has;
                        const ferry_value_t *pr = ferry_avro_prop(a->props, a->n_props, "precision", &has);
                        if (has) {
                                if (!pr || pr->type != FERRY_TYPE_INT64) {
                                        ferry_schema_unref(s);
                                        return terr(x,
                                                    "precision property must be a JSON Integer. "
                                                    "https://avro.apache.org/docs/1.9.1/spec.html#Decimal");
                                }
                                char num[24];
                                snprintf(num, sizeof(num), "%lld", (long long)pr->u.i);
                                if (pr->u.i != FERRY_AVRO_PRECISION_DEFAULT &&
                                    ferry_schema_set_param(s, FERRY_AVRO_PRECISION, num) < 0) {
                                        ferry_schema_unref(s);
                                        return NULL;
                                }
                        }
                } else if (!(s = ferry_schema_new(FERRY_TYPE_BYTES))) {
                        return NULL;
                }
                if (a->type == FERRY_AVRO_FIXED) {
                        char num[24];
                        snprintf(num, sizeof(num), "%d", a->size);
                        if (ferry_schema_set_param(s, FERRY_AVRO_FIXED_SIZE, num) < 0) {
                                ferry_schema_unref(s);
                                return NULL;
                        }
                }
                return s;
        case FERRY_AVRO_DOUBLE:
                return ferry_schema_new(FERRY_TYPE_FLOAT64);
        case FERRY_AVRO_FLOAT:
                return ferry_schema_new(FERRY_TYPE_FLOAT32);
        case FERRY_AVRO_INT:
                if (logical) {
                        if (strcasecmp(logical, "date") == 0)
                                return ferry_schema_logical(FERRY_LOGICAL_DATE);
                        if (strcasecmp(logical, "time-millis") == 0)
                                return ferry_schema_logical(FERRY_LOGICAL_TIME);
                        return ferry_schema_new(FERRY_TYPE_INT32);
                }
                if (!ctype)
                        return ferry_schema_new(FERRY_TYPE_INT32);
                if (strcmp(ctype, "int8") == 0)
                        return ferry_schema_new(FERRY_TYPE_INT8);
                if (strcmp(ctype, "int16") == 0)
                        return ferry_schema_new(FERRY_TYPE_INT16);
                return terr(x, "Connect type annotation for Avro int field is null");
        case FERRY_AVRO_LONG:
                if (logical && strcasecmp(logical, "timestamp-millis") == 0)
                        return ferry_schema_logical(FERRY_LOGICAL_TIMESTAMP);
                return ferry_schema_new(FERRY_TYPE_INT64);
        case FERRY_AVRO_STRING:
                return ferry_schema_new(FERRY_TYPE_STRING);
        case FERRY_AVRO_ARRAY: {
                if (is_map_entry(a->items)) {
                        const ferry_avro_node_t *e = a->items;
                        if (e->n_fields != 2 || strcmp(e->fields[0].name, "key") != 0 ||
                            strcmp(e->fields[1].name, "value") != 0)
                                return terr(
                                        x,
                                        "Found map encoded as array of key-value pairs, but array elements "
                                        "do not match the expected format.");
                        ferry_schema_t *k = to(x, e->fields[0].type, false, false, NULL, -1, depth + 1);
                        ferry_schema_t *v =
                                k ? to(x, e->fields[1].type, false, false, NULL, -1, depth + 1) : NULL;
                        if (!v) {
                                ferry_schema_unref(k);
                                return NULL;
                        }
                        return ferry_schema_map(k, v);
                }
                ferry_schema_t *it = to(x, a->items, false, false, NULL, -1, depth + 1);
                return it ? ferry_schema_array(it) : NULL;
        }
        case FERRY_AVRO_MAP: {
                ferry_schema_t *v = to(x, a->items, false, false, NULL, -1, depth + 1);
                ferry_schema_t *k = v ? ferry_schema_new(FERRY_TYPE_STRING) : NULL;
                if (!k) {
                        ferry_schema_unref(v);
                        return NULL;
                }
                return ferry_schema_map(k, v);
        }
        case FERRY_AVRO_RECORD: {
                for (size_t i = 0; i < x->n_stack; i++)
                        if (x->stack[i] == a) {
                                /* Java's AvroData gives this a Connect schema with a cycle (its
                                 * CyclicSchemaWrapper); Connect schemas here are trees. */
                                char *fn = ferry_avro_full_name(a);
                                terr(x,
                                     "recursive Avro record %s (it contains itself) cannot be read into a "
                                     "Connect schema",
                                     fn ? fn : a->name);
                                free(fn);
                                return NULL;
                        }
                if (x->n_stack >= MAX_DEPTH)
                        return terr(x, "schema nested too deeply");
                if (!(s = ferry_schema_new(FERRY_TYPE_STRUCT)))
                        return NULL;
                x->stack[x->n_stack++] = a;
                bool docs = x->cfg->connect_meta_data && !x->cfg->discard_type_doc_default;
                if (docs && a->doc && ferry_schema_set_param(s, RECORD_DOC, a->doc) < 0)
                        goto fail;
                for (size_t i = 0; i < a->n_fields; i++) {
                        const ferry_avro_field_t *f = &a->fields[i];
                        if (docs && f->doc) {
                                char key[512];
                                snprintf(key, sizeof(key), "%s%s", FIELD_DOC_PREFIX, f->name);
                                if (ferry_schema_set_param(s, key, f->doc) < 0)
                                        goto fail;
                        }
                        x->fdoc = f->doc;
                        ferry_schema_t *fs = to(x, f->type, false, f->has_default, f->def, -1, depth + 1);
                        if (!fs || ferry_schema_add_field(s, f->name, fs) < 0)
                                goto fail;
                }
                x->n_stack--;
                return s;
        fail:
                x->n_stack--;
                ferry_schema_unref(s);
                return NULL;
        }
        case FERRY_AVRO_ENUM: {
                if (!(s = ferry_schema_new(FERRY_TYPE_STRING)))
                        return NULL;
                char key[512];
                if (x->cfg->connect_meta_data) {
                        bool discard = x->cfg->discard_type_doc_default;
                        snprintf(key, sizeof(key), "%s%s", ENUM_DOC_PREFIX, a->name);
                        if (a->doc && ferry_schema_set_param(s, discard ? CONNECT_ENUM_DOC : key, a->doc) < 0)
                                goto efail;
                        snprintf(key, sizeof(key), "%s%s", ENUM_DEFAULT_PREFIX, a->name);
                        if (!discard && a->enum_default &&
                            ferry_schema_set_param(s, key, a->enum_default) < 0)
                                goto efail;
                }
                /* generalized.sum.type.support: ConnectEnum parameters, symbols numbered */
                bool gen = x->cfg->generalized_sum_type_support;
                const char *param = gen ? FERRY_CONNECT_ENUM_PARAM : FERRY_AVRO_ENUM_PARAM;
                char *fn = ferry_avro_full_name(a);
                int rc = fn ? ferry_schema_set_param(s, param, fn) : -1;
                free(fn);
                if (rc < 0)
                        goto efail;
                for (size_t i = 0; i < a->n_symbols; i++) {
                        char num[24];
                        snprintf(num, sizeof(num), "%zu", i);
                        snprintf(key, sizeof(key), "%s.%s", param, a->symbols[i]);
                        if (ferry_schema_set_param(s, key, gen ? num : a->symbols[i]) < 0)
                                goto efail;
                }
                return s;
        efail:
                ferry_schema_unref(s);
                return NULL;
        }
        case FERRY_AVRO_UNION: {
                bool gen = x->cfg->generalized_sum_type_support;
                char uname[64];
                if (gen) { /* connect_union_<n>, also as the ConnectUnion parameter */
                        int *counter = x->cfg->union_counter ? x->cfg->union_counter : &x->union_count;
                        snprintf(uname, sizeof(uname), "%s%d", FERRY_CONNECT_UNION_PREFIX, (*counter)++);
                }
                if (!(s = ferry_schema_struct(gen ? uname : FERRY_AVRO_UNION_NAME)))
                        return NULL;
                if (gen && ferry_schema_set_param(s, FERRY_CONNECT_UNION_PARAM, uname) < 0) {
                        ferry_schema_unref(s);
                        return NULL;
                }
                for (size_t i = 0; i < a->n_branches; i++) {
                        const ferry_avro_node_t *b = a->branches[i];
                        if (b->type == FERRY_AVRO_NULL) {
                                s->optional = true;
                                continue;
                        }
                        char buf[512];
                        const char *fname = ferry_avro_union_member_name(b, x->cfg->enhanced_schema_support,
                                                                         buf, sizeof(buf));
                        if (gen) {
                                snprintf(buf, sizeof(buf), "%s%zu", FERRY_CONNECT_UNION_FIELD, i);
                                fname = buf;
                        }
                        if (ferry_schema_field(s, fname)) {
                                ferry_schema_unref(s);
                                return terr(x, "Multiple union schemas map to the Connect union field name");
                        }
                        ferry_schema_t *fs = to(x, b, true, false, NULL, -1, depth + 1);
                        if (!fs || ferry_schema_add_field(s, fname, fs) < 0) {
                                ferry_schema_unref(s);
                                return NULL;
                        }
                }
                return s;
        }
        case FERRY_AVRO_NULL:
                return terr(x, "Standalone null schemas are not supported by this converter");
        }
        return NULL;
}

static ferry_schema_t *to(to_t *x, const ferry_avro_node_t *a, bool force_optional, bool has_fdef,
                          const ferry_value_t *fdef, int version, int depth)
{
        const char *fdoc = x->fdoc;
        x->fdoc = NULL;
        if (x->failed)
                return NULL;
        if (depth > MAX_DEPTH)
                return terr(x, "schema nested deeper than %d levels", MAX_DEPTH);
        if (a->type == FERRY_AVRO_UNION) {
                if (a->n_branches == 1)
                        return to(x, a->branches[0], false, false, NULL, -1, depth + 1);
                if (a->n_branches == 2 &&
                    (a->branches[0]->type == FERRY_AVRO_NULL || a->branches[1]->type == FERRY_AVRO_NULL)) {
                        const ferry_avro_node_t *m =
                                a->branches[0]->type == FERRY_AVRO_NULL ? a->branches[1] : a->branches[0];
                        if (m->type != FERRY_AVRO_NULL) {
                                x->fdoc = fdoc; /* Java passes the field doc to the member */
                                return to(x, m, true, false, NULL, -1, depth + 1);
                        }
                }
        }
        ferry_schema_t *s = to_base(x, a, depth);
        if (!s)
                return x->failed ? NULL : terr(x, "out of memory");
        bool meta = x->cfg->connect_meta_data;
        if (x->cfg->discard_type_doc_default) {
                /* The field's doc, else the type's doc, else connect.doc; the type's doc also as
                 * connect.record.doc. */
                const char *doc = fdoc ? fdoc : a->doc ? a->doc : ferry_avro_prop_str(a, CONNECT_DOC);
                if (doc && ferry_schema_set_doc(s, doc) < 0)
                        goto oom;
                if (meta && a->doc && ferry_schema_set_param(s, CONNECT_RECORD_DOC, a->doc) < 0)
                        goto oom;
        } else if (a->type != FERRY_AVRO_UNION) {
                const char *doc = ferry_avro_prop_str(a, CONNECT_DOC);
                if (meta && doc && ferry_schema_set_doc(s, doc) < 0)
                        goto oom;
        }
        bool has;
        const ferry_value_t *pv = ferry_avro_prop(a->props, a->n_props, CONNECT_VERSION, &has);
        int v = -1;
        if (has) {
                if (!pv || pv->type != FERRY_TYPE_INT64) {
                        ferry_schema_unref(s);
                        return terr(x, "Invalid Connect version found");
                }
                v = (int)pv->u.i;
        } else if (version >= 0) {
                v = version;
        }
        if (v >= 0) {
                if (s->has_version && s->version != v) {
                        terr(x,
                             "Mismatched versions: version already added to SchemaBuilder (%d) differs from "
                             "version in source schema (%d)",
                             (int)s->version, v);
                        ferry_schema_unref(s);
                        return NULL;
                }
                ferry_schema_set_version(s, v);
        }
        const ferry_value_t *params = ferry_avro_prop(a->props, a->n_props, CONNECT_PARAMETERS, &has);
        if (meta && has) {
                if (!params || params->type != FERRY_TYPE_MAP) {
                        ferry_schema_unref(s);
                        return terr(x, "Expected JSON object for schema parameters");
                }
                for (size_t i = 0; i < params->u.m.n; i++) {
                        const ferry_value_t *pk = params->u.m.keys[i], *pval = params->u.m.vals[i];
                        if (!pval || pval->type != FERRY_TYPE_STRING) {
                                ferry_schema_unref(s);
                                return terr(x, "Expected schema parameter values to be strings");
                        }
                        if (ferry_schema_set_param(s, pk->u.s.data, pval->u.s.data) < 0)
                                goto oom;
                }
        }
        for (size_t i = 0; i < a->n_props; i++) {
                if (strncmp(a->props[i].key, "avro", 4) != 0)
                        continue;
                const ferry_value_t *pvv = a->props[i].value;
                char *text = NULL;
                size_t len;
                if (pvv && pvv->type == FERRY_TYPE_STRING)
                        text = ferry_avro_strdup(pvv->u.s.data);
                else if (ferry_json_write(pvv, &text, &len) < 0)
                        text = NULL;
                int rc = text ? ferry_schema_set_param(s, a->props[i].key, text) : -1;
                free(text);
                if (rc < 0)
                        goto oom;
        }
        const ferry_value_t *cdef = ferry_avro_prop(a->props, a->n_props, CONNECT_DEFAULT, &has);
        const ferry_value_t *def = NULL;
        bool has_def = false;
        if (!has_fdef) {
                def = cdef;
                has_def = has;
        } else {
                def = fdef;
                has_def = true;
                if (!x->cfg->discard_type_doc_default && meta && !has &&
                    ferry_schema_set_param(s, FERRY_AVRO_FIELD_DEFAULT, "true") < 0)
                        goto oom;
        }
        if (has_def && def) {
                ferry_value_t *dv = NULL;
                if (ferry_avro_default_from_json(s, a, def, &dv) == 0 && dv)
                        ferry_schema_set_default(s, dv); /* an invalid default is ignored, as Java does */
        }
        const char *name = NULL;
        char *full = NULL;
        const ferry_value_t *cn = ferry_avro_prop(a->props, a->n_props, CONNECT_NAME, &has);
        if (has) {
                if (!cn || cn->type != FERRY_TYPE_STRING) {
                        ferry_schema_unref(s);
                        return terr(x, "Invalid schema name");
                }
                name = cn->u.s.data;
        } else if (a->type == FERRY_AVRO_RECORD || a->type == FERRY_AVRO_ENUM ||
                   (a->type == FERRY_AVRO_FIXED &&
                    !(s->name && strcmp(s->name, FERRY_LOGICAL_DECIMAL) == 0))) {
                if (!(full = ferry_avro_full_name(a)))
                        goto oom;
                name = full;
        }
        if (name && strncmp(name, FERRY_AVRO_NAMESPACE "." FERRY_AVRO_DEFAULT_NAME,
                            strlen(FERRY_AVRO_NAMESPACE "." FERRY_AVRO_DEFAULT_NAME)) != 0) {
                if (s->name && strcmp(s->name, name) != 0) {
                        terr(x,
                             "Mismatched names: name already added to SchemaBuilder (%s) differs from name "
                             "in source schema (%s)",
                             s->name, name);
                        ferry_schema_unref(s);
                        free(full);
                        return NULL;
                }
                if (!s->name && ferry_schema_set_name(s, name) < 0) {
                        free(full);
                        goto oom;
                }
        }
        free(full);
        if (force_optional)
                s->optional = true;
        return s;
oom:
        ferry_schema_unref(s);
        return terr(x, "out of memory");
}

ferry_schema_t *ferry_avro_to_connect(const ferry_avro_data_config_t *cfg, const ferry_avro_schema_t *a,
                                      int version, char *errstr, size_t errstr_size)
{
        to_t *x = calloc(1, sizeof(*x));
        if (!x) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        x->cfg = cfg;
        x->errstr = errstr;
        x->errstr_size = errstr_size;
        ferry_schema_t *s = to(x, ferry_avro_root(a), false, false, NULL, version, 0);
        free(x);
        return s;
}
