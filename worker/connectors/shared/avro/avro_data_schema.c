/* Connect schemas to Avro schemas, as Confluent's AvroData.fromConnectSchema does it, so that the
 * Avro schema text Ferry registers for a Connect schema is the text Java's AvroConverter registers
 * (and so gets the same registry id). Used by the AvroConverter's write path and by the
 * Avro/Parquet storage formats; the other direction is avro_data_to_connect.c, values are in
 * avro_data_value.c. */
#include "avro_data.h"
#include "avro_data_props.h"

#include <ferry/json.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
        const ferry_schema_t *connect;
        ferry_avro_node_t *avro;
} map_entry_t;

typedef struct {
        const ferry_avro_data_config_t *cfg;
        ferry_avro_schema_t *out;
        map_entry_t *map; /* non-optional Connect schemas converted so far (AvroData's schemaMap) */
        size_t n_map;
        int name_index;
        char *errstr;
        size_t errstr_size;
        bool failed;
} from_t;

static void *ferr(from_t *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void *ferr(from_t *x, const char *fmt, ...)
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

static bool named(const ferry_schema_t *s, const char *name)
{
        return s && s->name && strcasecmp(s->name, name) == 0;
}

static bool is_union(const ferry_schema_t *s)
{
        return ferry_avro_is_union_schema(s);
}

static bool parse_int(const char *t, long *out)
{
        if (!t || !*t)
                return false;
        char *end;
        long v = strtol(t, &end, 10);
        if (*end)
                return false;
        *out = v;
        return true;
}

/* Sets the name and namespace of a named Avro node from a Connect name, or the next
 * ConnectDefault name (AvroData.getNameOrDefault). */
/* Avro's name rule ([A-Za-z_][A-Za-z0-9_]*), with Avro's messages: Java refuses other names
 * when it builds the schema (scrub.invalid.names is off by default). */
static int check_name(from_t *x, const char *name)
{
        if (!name[0])
                return ferr(x, "Empty name"), -1;
        char c = name[0];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'))
                return ferr(x, "Illegal initial character: %s", name), -1;
        for (const char *p = name + 1; *p; p++)
                if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                      *p == '_'))
                        return ferr(x, "Illegal character in: %s", name), -1;
        return 0;
}

/* scrub.invalid.names: each dot-separated part of a full name scrubbed (AvroData.splitName). */
static int scrub_full_name(from_t *x, ferry_avro_node_t *n, const char *name)
{
        const char *last = strrchr(name, '.');
        if (!(n->name = ferry_avro_scrub_name(last ? last + 1 : name)))
                return ferr(x, "out of memory"), -1;
        if (!last)
                return 0;
        size_t len = (size_t)(last - name);
        if (!(n->space = calloc(1, 3 * len + 2 * len + 2)))
                return ferr(x, "out of memory"), -1;
        for (const char *p = name; p <= last;) {
                const char *dot = memchr(p, '.', (size_t)(last - p) + 1);
                char *part = strndup(p, (size_t)(dot - p)), *sp = part ? ferry_avro_scrub_name(part) : NULL;
                free(part);
                if (!sp)
                        return ferr(x, "out of memory"), -1;
                if (p != name)
                        strcat(n->space, ".");
                strcat(n->space, sp);
                free(sp);
                p = dot + 1;
        }
        return 0;
}

static int name_node(from_t *x, ferry_avro_node_t *n, const char *name)
{
        if (name && x->cfg->scrub_invalid_names && *name)
                return scrub_full_name(x, n, name);
        if (name) {
                const char *last = strrchr(name, '.');
                if (check_name(x, last ? last + 1 : name) < 0)
                        return -1;
                const char *dot = strrchr(name, '.');
                n->space = dot ? strndup(name, (size_t)(dot - name)) : NULL;
                n->name = ferry_avro_strdup(dot ? dot + 1 : name);
                if (!n->name || (dot && !n->space))
                        return ferr(x, "out of memory"), -1;
                return 0;
        }
        char buf[64];
        int idx = ++x->name_index;
        if (idx > 1)
                snprintf(buf, sizeof(buf), "%s%d", FERRY_AVRO_DEFAULT_NAME, idx);
        else
                snprintf(buf, sizeof(buf), "%s", FERRY_AVRO_DEFAULT_NAME);
        n->space = ferry_avro_strdup(FERRY_AVRO_NAMESPACE);
        n->name = ferry_avro_strdup(buf);
        return n->space && n->name ? 0 : (ferr(x, "out of memory"), -1);
}

static int add_prop(from_t *x, ferry_avro_prop_t **p, size_t *n, const char *key, ferry_value_t *v, bool need)
{
        if ((need && !v) || ferry_avro_add_prop(p, n, key, v) < 0) {
                ferr(x, "out of memory");
                return -1;
        }
        return 0;
}

static ferry_avro_node_t *from(from_t *x, const ferry_schema_t *s, bool ignore_optional, int depth);

static ferry_avro_node_t *make_optional(from_t *x, const ferry_schema_t *s, ferry_avro_node_t *base)
{
        if (!s->optional)
                return base;
        ferry_avro_node_t *u = ferry_avro_node_new(x->out, FERRY_AVRO_UNION);
        ferry_avro_node_t *null = ferry_avro_node_new(x->out, FERRY_AVRO_NULL);
        if (!u || !null)
                return ferr(x, "out of memory");
        int rc = s->default_value ? ferry_avro_add_branch(u, base) | ferry_avro_add_branch(u, null)
                                  : ferry_avro_add_branch(u, null) | ferry_avro_add_branch(u, base);
        return rc < 0 ? ferr(x, "out of memory") : u;
}

/* A copy of s that is not optional (AvroData.nonOptional). */
static ferry_schema_t *non_optional(from_t *x, const ferry_schema_t *s)
{
        ferry_schema_t *c = ferry_schema_copy(s);
        if (!c)
                return ferr(x, "out of memory");
        c->optional = false;
        return c;
}

/* Whether JSON default j fits Avro schema a (Avro's Schema.isValidDefault). */
static bool valid_default(const ferry_avro_node_t *a, const ferry_value_t *j, int depth)
{
        if (depth > MAX_DEPTH)
                return false;
        switch (a->type) {
        case FERRY_AVRO_NULL:
                return !j;
        case FERRY_AVRO_BOOLEAN:
                return j && j->type == FERRY_TYPE_BOOLEAN;
        case FERRY_AVRO_INT:
                return j && j->type == FERRY_TYPE_INT64 && j->u.i >= INT32_MIN && j->u.i <= INT32_MAX;
        case FERRY_AVRO_LONG:
                return j && j->type == FERRY_TYPE_INT64;
        case FERRY_AVRO_FLOAT:
        case FERRY_AVRO_DOUBLE:
                return j && (j->type == FERRY_TYPE_INT64 || j->type == FERRY_TYPE_FLOAT64 ||
                             j->type == FERRY_TYPE_FLOAT32);
        case FERRY_AVRO_STRING:
        case FERRY_AVRO_BYTES:
        case FERRY_AVRO_ENUM:
        case FERRY_AVRO_FIXED:
                return j && j->type == FERRY_TYPE_STRING;
        case FERRY_AVRO_ARRAY:
                if (!j || j->type != FERRY_TYPE_ARRAY)
                        return false;
                for (size_t i = 0; i < j->u.a.n; i++)
                        if (!valid_default(a->items, j->u.a.items[i], depth + 1))
                                return false;
                return true;
        case FERRY_AVRO_MAP:
                if (!j || j->type != FERRY_TYPE_MAP)
                        return false;
                for (size_t i = 0; i < j->u.m.n; i++)
                        if (!valid_default(a->items, j->u.m.vals[i], depth + 1))
                                return false;
                return true;
        case FERRY_AVRO_UNION:
                return a->n_branches && valid_default(a->branches[0], j, depth + 1);
        case FERRY_AVRO_RECORD:
                if (!j || j->type != FERRY_TYPE_MAP)
                        return false;
                for (size_t i = 0; i < a->n_fields; i++) {
                        const ferry_avro_field_t *f = &a->fields[i];
                        const ferry_value_t *fv = ferry_map_get_str(j, f->name);
                        bool has = fv != NULL;
                        if (!has)
                                for (size_t k = 0; k < j->u.m.n; k++)
                                        if (strcmp(j->u.m.keys[k]->u.s.data, f->name) == 0)
                                                has = true; /* present as JSON null */
                        if (!has && !f->has_default)
                                return false;
                        if (!valid_default(f->type, has ? fv : f->def, depth + 1))
                                return false;
                }
                return true;
        }
        return false;
}

/* AvroData.addAvroRecordField. */
static int add_field(from_t *x, ferry_avro_node_t *rec, const char *name, const ferry_schema_t *fs,
                     const char *doc, int depth)
{
        char *scrubbed = NULL;
        if (x->cfg->scrub_invalid_names && !ferry_avro_valid_name(name)) {
                if (!(scrubbed = ferry_avro_scrub_name(name)))
                        return ferr(x, "out of memory"), -1;
                name = scrubbed;
        }
        if (check_name(x, name) < 0) {
                free(scrubbed);
                return -1;
        }
        ferry_value_t *def = NULL;
        bool has_def = false;
        if (fs->default_value) {
                if (ferry_avro_default_to_json(fs, fs->default_value, true, &def) < 0)
                        return ferr(x, "Invalid default value of field %s", name), -1;
                has_def = true;
        } else if (fs->optional) {
                has_def = true; /* null */
        }
        ferry_avro_node_t *t = from(x, fs, false, depth + 1);
        if (!t) {
                free(scrubbed);
                ferry_value_free(def);
                return -1;
        }
        ferry_avro_field_t *f = ferry_avro_add_field(rec, name, t, doc);
        free(scrubbed);
        if (!f) {
                ferry_value_free(def);
                return ferr(x, "out of memory"), -1;
        }
        if (has_def && valid_default(t, def, 0)) {
                f->has_default = true;
                f->def = def;
        } else {
                ferry_value_free(def); /* Java drops an invalid default with a warning */
        }
        return 0;
}

static ferry_avro_node_t *from_base(from_t *x, const ferry_schema_t *s, const char **connect_type, int depth)
{
        ferry_avro_node_t *n = NULL;
        switch (s->type) {
        case FERRY_TYPE_INT8:
        case FERRY_TYPE_INT16:
                *connect_type = s->type == FERRY_TYPE_INT8 ? "int8" : "int16";
                n = ferry_avro_node_new(x->out, FERRY_AVRO_INT);
                break;
        case FERRY_TYPE_INT32:
                n = ferry_avro_node_new(x->out, FERRY_AVRO_INT);
                break;
        case FERRY_TYPE_INT64:
                n = ferry_avro_node_new(x->out, FERRY_AVRO_LONG);
                break;
        case FERRY_TYPE_FLOAT32:
                n = ferry_avro_node_new(x->out, FERRY_AVRO_FLOAT);
                break;
        case FERRY_TYPE_FLOAT64:
                n = ferry_avro_node_new(x->out, FERRY_AVRO_DOUBLE);
                break;
        case FERRY_TYPE_BOOLEAN:
                n = ferry_avro_node_new(x->out, FERRY_AVRO_BOOLEAN);
                break;
        case FERRY_TYPE_STRING: {
                /* generalized.sum.type.support takes the ConnectEnum parameters, enhanced support
                 * io.confluent.connect.avro.Enum's. */
                bool gen = x->cfg->generalized_sum_type_support;
                const char *param = gen ? FERRY_CONNECT_ENUM_PARAM : FERRY_AVRO_ENUM_PARAM;
                const char *enum_name = ferry_schema_param(s, param);
                if ((!gen && !x->cfg->enhanced_schema_support) || !enum_name) {
                        n = ferry_avro_node_new(x->out, FERRY_AVRO_STRING);
                        break;
                }
                if (!(n = ferry_avro_node_new(x->out, FERRY_AVRO_ENUM)))
                        break;
                /* The name index moves as Java's getNameOrDefault does, though the enum is named
                 * after the parameter. */
                ferry_avro_node_t tmp = {0};
                if (name_node(x, &tmp, s->name) < 0)
                        return NULL;
                char key[512];
                snprintf(key, sizeof(key), "%s%s", ENUM_DOC_PREFIX, tmp.name);
                const char *doc = ferry_schema_param(s, key);
                snprintf(key, sizeof(key), "%s%s", ENUM_DEFAULT_PREFIX, tmp.name);
                const char *edef = ferry_schema_param(s, key);
                if (x->cfg->discard_type_doc_default) { /* connect.enum.doc, no default symbol */
                        doc = ferry_schema_param(s, CONNECT_ENUM_DOC);
                        edef = NULL;
                }
                free(tmp.name);
                free(tmp.space);
                if (name_node(x, n, enum_name) < 0)
                        return NULL;
                if ((doc && !(n->doc = ferry_avro_strdup(doc))) ||
                    (edef && !(n->enum_default = ferry_avro_strdup(edef))) ||
                    !(n->symbols = calloc(s->n_params + 1, sizeof(char *))))
                        return ferr(x, "out of memory");
                size_t plen = strlen(param);
                for (size_t i = 0; i < s->n_params; i++) {
                        const char *k = s->params[i].key;
                        if (strncmp(k, param, plen) == 0 && k[plen] == '.') {
                                if (!(n->symbols[n->n_symbols] = ferry_avro_strdup(k + plen + 1)))
                                        return ferr(x, "out of memory");
                                n->n_symbols++;
                        }
                }
                break;
        }
        case FERRY_TYPE_BYTES: {
                const char *fixed = ferry_schema_param(s, FERRY_AVRO_FIXED_SIZE);
                long size;
                if (s->name && fixed && parse_int(fixed, &size) && size >= 0 && size <= INT32_MAX) {
                        if (!(n = ferry_avro_node_new(x->out, FERRY_AVRO_FIXED)) ||
                            name_node(x, n, s->name) < 0)
                                return n ? NULL : ferr(x, "out of memory");
                        n->size = (int)size;
                } else if (!(n = ferry_avro_node_new(x->out, FERRY_AVRO_BYTES))) {
                        break;
                }
                if (named(s, FERRY_LOGICAL_DECIMAL)) {
                        long scale = 0, precision = FERRY_AVRO_PRECISION_DEFAULT;
                        if (!parse_int(ferry_schema_param(s, FERRY_DECIMAL_SCALE), &scale))
                                return ferr(x,
                                            "Invalid Decimal schema: missing or invalid \"scale\" parameter");
                        const char *p = ferry_schema_param(s, FERRY_AVRO_PRECISION);
                        if (p && !parse_int(p, &precision))
                                return ferr(x, "Invalid Decimal schema: %s is not an integer",
                                            FERRY_AVRO_PRECISION);
                        if (add_prop(x, &n->props, &n->n_props, "scale",
                                     ferry_value_int(FERRY_TYPE_INT64, scale), true) < 0 ||
                            add_prop(x, &n->props, &n->n_props, "precision",
                                     ferry_value_int(FERRY_TYPE_INT64, precision), true) < 0)
                                return NULL;
                }
                break;
        }
        case FERRY_TYPE_ARRAY: {
                ferry_avro_node_t *items = from(x, s->items, false, depth + 1);
                if (!items)
                        return NULL;
                if ((n = ferry_avro_node_new(x->out, FERRY_AVRO_ARRAY)))
                        n->items = items;
                break;
        }
        case FERRY_TYPE_MAP: {
                if (s->keys->type == FERRY_TYPE_STRING && !s->keys->optional) {
                        ferry_avro_node_t *vals = from(x, s->items, false, depth + 1);
                        if (!vals)
                                return NULL;
                        if ((n = ferry_avro_node_new(x->out, FERRY_AVRO_MAP)))
                                n->items = vals;
                        break;
                }
                ferry_avro_node_t *rec = ferry_avro_node_new(x->out, FERRY_AVRO_RECORD);
                if (!rec)
                        break;
                if (!s->name) {
                        if (!(rec->name = ferry_avro_strdup(FERRY_AVRO_MAP_ENTRY)) ||
                            !(rec->space = ferry_avro_strdup(FERRY_AVRO_NAMESPACE)))
                                return ferr(x, "out of memory");
                } else if (name_node(x, rec, s->name) < 0 ||
                           add_prop(x, &rec->props, &rec->n_props, CONNECT_INTERNAL,
                                    ferry_value_cstring(FERRY_AVRO_MAP_ENTRY), true) < 0) {
                        return NULL;
                }
                if (add_field(x, rec, "key", s->keys, NULL, depth) < 0 ||
                    add_field(x, rec, "value", s->items, NULL, depth) < 0)
                        return NULL;
                if ((n = ferry_avro_node_new(x->out, FERRY_AVRO_ARRAY)))
                        n->items = rec;
                break;
        }
        case FERRY_TYPE_STRUCT: {
                if (is_union(s)) {
                        if (!(n = ferry_avro_node_new(x->out, FERRY_AVRO_UNION)))
                                break;
                        ferry_avro_node_t *null =
                                s->optional ? ferry_avro_node_new(x->out, FERRY_AVRO_NULL) : NULL;
                        if (s->optional && (!null || ferry_avro_add_branch(n, null) < 0))
                                return ferr(x, "out of memory");
                        for (size_t i = 0; i < s->n_fields; i++) {
                                ferry_schema_t *m = non_optional(x, s->fields[i].schema);
                                ferry_avro_node_t *b = m ? from(x, m, true, depth + 1) : NULL;
                                ferry_schema_unref(m);
                                if (!b)
                                        return NULL;
                                if (ferry_avro_add_branch(n, b) < 0)
                                        return ferr(x, "out of memory");
                        }
                        break;
                }
                if (s->optional) {
                        ferry_schema_t *m = non_optional(x, s);
                        ferry_avro_node_t *b = m ? from(x, m, false, depth + 1) : NULL;
                        ferry_schema_unref(m);
                        ferry_avro_node_t *null = b ? ferry_avro_node_new(x->out, FERRY_AVRO_NULL) : NULL;
                        if (!b)
                                return NULL;
                        if (!null || !(n = ferry_avro_node_new(x->out, FERRY_AVRO_UNION)) ||
                            ferry_avro_add_branch(n, null) < 0 || ferry_avro_add_branch(n, b) < 0)
                                return ferr(x, "out of memory");
                        break;
                }
                if (!(n = ferry_avro_node_new(x->out, FERRY_AVRO_RECORD)) || name_node(x, n, s->name) < 0)
                        return n ? NULL : ferr(x, "out of memory");
                bool discard = x->cfg->discard_type_doc_default;
                const char *doc = ferry_schema_param(s, discard ? CONNECT_RECORD_DOC : RECORD_DOC);
                if (doc && !(n->doc = ferry_avro_strdup(doc)))
                        return ferr(x, "out of memory");
                for (size_t i = 0; i < s->n_fields; i++) {
                        char key[512];
                        snprintf(key, sizeof(key), "%s%s", FIELD_DOC_PREFIX, s->fields[i].name);
                        if (add_field(x, n, s->fields[i].name, s->fields[i].schema,
                                      discard ? s->fields[i].schema->doc : ferry_schema_param(s, key),
                                      depth) < 0)
                                return NULL;
                }
                break;
        }
        }
        return n ? n : (x->failed ? NULL : ferr(x, "out of memory"));
}

static int add_metadata(from_t *x, const ferry_schema_t *s, ferry_avro_node_t *n, const char *connect_type)
{
        ferry_avro_prop_t **p = &n->props;
        size_t *np = &n->n_props;
        if (x->cfg->connect_meta_data) {
                if (s->doc && add_prop(x, p, np, CONNECT_DOC, ferry_value_cstring(s->doc), true) < 0)
                        return -1;
                if (s->has_version && add_prop(x, p, np, CONNECT_VERSION,
                                               ferry_value_int(FERRY_TYPE_INT64, s->version), true) < 0)
                        return -1;
                bool flagged = false;
                ferry_value_t *params = NULL;
                for (size_t i = 0; i < s->n_params; i++) {
                        if (!x->cfg->discard_type_doc_default &&
                            strcmp(s->params[i].key, FERRY_AVRO_FIELD_DEFAULT) == 0) {
                                flagged = true;
                                continue;
                        }
                        if ((!params && !(params = ferry_value_map())) ||
                            ferry_map_append(params, ferry_value_cstring(s->params[i].key),
                                             ferry_value_cstring(s->params[i].value)) < 0) {
                                ferry_value_free(params);
                                return ferr(x, "out of memory"), -1;
                        }
                }
                if (params && add_prop(x, p, np, CONNECT_PARAMETERS, params, true) < 0)
                        return -1;
                if (s->default_value && !flagged) {
                        ferry_value_t *def;
                        if (ferry_avro_default_to_json(s, s->default_value, false, &def) < 0)
                                return ferr(x, "Invalid default value for a %s schema",
                                            ferry_type_name(s->type)),
                                       -1;
                        if (add_prop(x, p, np, CONNECT_DEFAULT, def, false) < 0)
                                return -1;
                }
                if (s->name && add_prop(x, p, np, CONNECT_NAME, ferry_value_cstring(s->name), true) < 0)
                        return -1;
                if (connect_type &&
                    add_prop(x, p, np, CONNECT_TYPE, ferry_value_cstring(connect_type), true) < 0)
                        return -1;
        }
        const char *logical = NULL;
        if (named(s, FERRY_LOGICAL_DECIMAL)) {
                long scale = 0, precision = FERRY_AVRO_PRECISION_DEFAULT;
                const char *ps = ferry_schema_param(s, FERRY_AVRO_PRECISION);
                if (ps)
                        parse_int(ps, &precision);
                parse_int(ferry_schema_param(s, FERRY_DECIMAL_SCALE), &scale);
                if (scale < 0 || scale > precision) {
                        /* Not a valid Avro decimal: only the legacy logicalType property. */
                        logical = "decimal";
                } else if (add_prop(x, p, np, "logicalType", ferry_value_cstring("decimal"), true) < 0 ||
                           add_prop(x, p, np, "precision", ferry_value_int(FERRY_TYPE_INT64, precision),
                                    true) < 0 ||
                           add_prop(x, p, np, "scale", ferry_value_int(FERRY_TYPE_INT64, scale), true) < 0) {
                        return -1;
                }
        } else if (named(s, FERRY_LOGICAL_TIME)) {
                logical = "time-millis";
        } else if (named(s, FERRY_LOGICAL_TIMESTAMP)) {
                logical = "timestamp-millis";
        } else if (named(s, FERRY_LOGICAL_DATE)) {
                logical = "date";
        }
        if (logical && add_prop(x, p, np, "logicalType", ferry_value_cstring(logical), true) < 0)
                return -1;
        for (size_t i = 0; i < s->n_params; i++)
                if (strncmp(s->params[i].key, "avro", 4) == 0 &&
                    add_prop(x, p, np, s->params[i].key, ferry_value_cstring(s->params[i].value), true) < 0)
                        return -1;
        return 0;
}

static ferry_avro_node_t *from(from_t *x, const ferry_schema_t *s, bool ignore_optional, int depth)
{
        if (x->failed)
                return NULL;
        if (!s)
                return ferr(x, "schemaless values inside a schema are not supported by the Avro mapping");
        if (depth > MAX_DEPTH)
                return ferr(x, "schema nested deeper than %d levels", MAX_DEPTH);
        if (!is_union(s) && !s->optional)
                for (size_t i = 0; i < x->n_map; i++)
                        if (x->map[i].connect == s || ferry_schema_equal(x->map[i].connect, s))
                                return x->map[i].avro;
        const char *connect_type = NULL;
        ferry_avro_node_t *base = from_base(x, s, &connect_type, depth);
        if (!base)
                return NULL;
        ferry_avro_node_t *final = base;
        if (base->type != FERRY_AVRO_UNION) {
                if (add_metadata(x, s, base, connect_type) < 0)
                        return NULL;
                if (!ignore_optional && !(final = make_optional(x, s, base)))
                        return NULL;
        }
        if (!s->optional) {
                map_entry_t *m = realloc(x->map, (x->n_map + 1) * sizeof(*m));
                if (!m)
                        return ferr(x, "out of memory");
                x->map = m;
                /* A reference keeps temporary copies (nonOptional) alive while the map may match them. */
                m[x->n_map++] = (map_entry_t){ferry_schema_ref((ferry_schema_t *)s), final};
        }
        return final;
}

ferry_avro_schema_t *ferry_avro_from_connect(const ferry_avro_data_config_t *cfg, const ferry_schema_t *s,
                                             char *errstr, size_t errstr_size)
{
        from_t x = {.cfg = cfg, .errstr = errstr, .errstr_size = errstr_size};
        if (!s) {
                snprintf(errstr, errstr_size, "schemaless values are not supported by the Avro mapping");
                return NULL;
        }
        if (!(x.out = ferry_avro_schema_new())) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        ferry_avro_node_t *root = from(&x, s, false, 0);
        for (size_t i = 0; i < x.n_map; i++)
                ferry_schema_unref((ferry_schema_t *)x.map[i].connect);
        free(x.map);
        if (!root) {
                ferry_avro_schema_free(x.out);
                return NULL;
        }
        ferry_avro_set_root(x.out, root);
        return x.out;
}
