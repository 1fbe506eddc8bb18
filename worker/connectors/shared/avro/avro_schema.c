/* Avro schema JSON: parsing the text a registry or a file header holds into ferry_avro_node_t
 * trees, and writing a tree back as Java's Schema.toString() does, byte for byte. Sits under the
 * Connect<->Avro mapping (avro_data.c) and the binary codec (avro_codec.c); no converter logic. */
#include "avro_schema.h"

#include <ferry/json.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 256

struct ferry_avro_schema {
        ferry_avro_node_t **nodes;
        size_t n_nodes, cap;
        ferry_avro_node_t *root;
};

char *ferry_avro_strdup(const char *str)
{
        if (!str)
                return NULL;
        size_t n = strlen(str) + 1;
        char *p = malloc(n);
        if (p)
                memcpy(p, str, n);
        return p;
}

ferry_avro_schema_t *ferry_avro_schema_new(void)
{
        return calloc(1, sizeof(ferry_avro_schema_t));
}

static void props_free(ferry_avro_prop_t *p, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(p[i].key);
                ferry_value_free(p[i].value);
        }
        free(p);
}

static void node_free(ferry_avro_node_t *n)
{
        free(n->name);
        free(n->space);
        free(n->doc);
        props_free(n->props, n->n_props);
        for (size_t i = 0; i < n->n_fields; i++) {
                ferry_avro_field_t *f = &n->fields[i];
                free(f->name);
                free(f->doc);
                free(f->order);
                ferry_value_free(f->def);
                props_free(f->props, f->n_props);
        }
        free(n->fields);
        for (size_t i = 0; i < n->n_symbols; i++)
                free(n->symbols[i]);
        free(n->symbols);
        free(n->enum_default);
        free(n->branches);
        free(n);
}

void ferry_avro_schema_free(ferry_avro_schema_t *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->n_nodes; i++)
                node_free(s->nodes[i]);
        free(s->nodes);
        free(s);
}

ferry_avro_node_t *ferry_avro_root(const ferry_avro_schema_t *s)
{
        return s ? s->root : NULL;
}

void ferry_avro_set_root(ferry_avro_schema_t *s, ferry_avro_node_t *root)
{
        s->root = root;
}

ferry_avro_node_t *ferry_avro_node_new(ferry_avro_schema_t *s, ferry_avro_type_t type)
{
        if (s->n_nodes == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 16;
                ferry_avro_node_t **p = realloc(s->nodes, cap * sizeof(*p));
                if (!p)
                        return NULL;
                s->nodes = p;
                s->cap = cap;
        }
        ferry_avro_node_t *n = calloc(1, sizeof(*n));
        if (!n)
                return NULL;
        n->type = type;
        s->nodes[s->n_nodes++] = n;
        return n;
}

int ferry_avro_add_prop(ferry_avro_prop_t **props, size_t *n, const char *key, ferry_value_t *value)
{
        for (size_t i = 0; i < *n; i++)
                if (strcmp((*props)[i].key, key) == 0) {
                        ferry_value_free(value);
                        return 0;
                }
        ferry_avro_prop_t *p = realloc(*props, (*n + 1) * sizeof(*p));
        char *k = ferry_avro_strdup(key);
        if (!p || !k) {
                if (p)
                        *props = p;
                free(k);
                ferry_value_free(value);
                return -1;
        }
        *props = p;
        p[*n].key = k;
        p[*n].value = value;
        (*n)++;
        return 0;
}

const ferry_value_t *ferry_avro_prop(const ferry_avro_prop_t *props, size_t n, const char *key, bool *present)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(props[i].key, key) == 0) {
                        if (present)
                                *present = true;
                        return props[i].value;
                }
        if (present)
                *present = false;
        return NULL;
}

const char *ferry_avro_prop_str(const ferry_avro_node_t *n, const char *key)
{
        const ferry_value_t *v = ferry_avro_prop(n->props, n->n_props, key, NULL);
        return v && v->type == FERRY_TYPE_STRING ? v->u.s.data : NULL;
}

ferry_avro_field_t *ferry_avro_add_field(ferry_avro_node_t *rec, const char *name, ferry_avro_node_t *type,
                                         const char *doc)
{
        ferry_avro_field_t *p = realloc(rec->fields, (rec->n_fields + 1) * sizeof(*p));
        if (!p)
                return NULL;
        rec->fields = p;
        ferry_avro_field_t *f = &p[rec->n_fields];
        memset(f, 0, sizeof(*f));
        f->name = ferry_avro_strdup(name);
        f->type = type;
        if (doc)
                f->doc = ferry_avro_strdup(doc);
        if (!f->name || (doc && !f->doc)) {
                free(f->name);
                free(f->doc);
                return NULL;
        }
        rec->n_fields++;
        return f;
}

int ferry_avro_add_branch(ferry_avro_node_t *u, ferry_avro_node_t *branch)
{
        ferry_avro_node_t **p = realloc(u->branches, (u->n_branches + 1) * sizeof(*p));
        if (!p)
                return -1;
        u->branches = p;
        p[u->n_branches++] = branch;
        return 0;
}

static const char *const type_names[] = {"null",   "boolean", "int",  "long",  "float", "double", "bytes",
                                         "string", "record",  "enum", "array", "map",   "union",  "fixed"};

const char *ferry_avro_type_name(ferry_avro_type_t t)
{
        return (unsigned)t < sizeof(type_names) / sizeof(type_names[0]) ? type_names[t] : "?";
}

static bool is_named(const ferry_avro_node_t *n)
{
        return n->type == FERRY_AVRO_RECORD || n->type == FERRY_AVRO_ENUM || n->type == FERRY_AVRO_FIXED;
}

char *ferry_avro_full_name(const ferry_avro_node_t *n)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        if (n->space && n->space[0])
                ferry_buf_printf(&b, "%s.", n->space);
        ferry_buf_puts(&b, n->name ? n->name : "");
        return ferry_buf_steal(&b);
}

/* ---- equality ---- */

static bool str_eq(const char *a, const char *b)
{
        return a == b || (a && b && strcmp(a, b) == 0);
}

static bool props_eq(const ferry_avro_prop_t *a, size_t na, const ferry_avro_prop_t *b, size_t nb)
{
        if (na != nb)
                return false;
        for (size_t i = 0; i < na; i++) {
                bool present;
                const ferry_value_t *v = ferry_avro_prop(b, nb, a[i].key, &present);
                if (!present || !ferry_value_equal(a[i].value, v))
                        return false;
        }
        return true;
}

typedef struct seen_pair {
        const ferry_avro_node_t *a, *b;
        const struct seen_pair *up;
} seen_pair_t;

static bool node_eq(const ferry_avro_node_t *a, const ferry_avro_node_t *b, const seen_pair_t *seen,
                    int depth)
{
        if (a == b)
                return true;
        if (!a || !b || a->type != b->type || depth > MAX_DEPTH)
                return false;
        for (const seen_pair_t *s = seen; s; s = s->up)
                if (s->a == a && s->b == b)
                        return true; /* a cycle already being compared */
        if (!str_eq(a->name, b->name) || !str_eq(a->space, b->space) || !str_eq(a->doc, b->doc) ||
            !props_eq(a->props, a->n_props, b->props, b->n_props) || a->n_fields != b->n_fields ||
            a->n_symbols != b->n_symbols || !str_eq(a->enum_default, b->enum_default) ||
            a->n_branches != b->n_branches || a->size != b->size)
                return false;
        seen_pair_t here = {a, b, seen};
        for (size_t i = 0; i < a->n_fields; i++) {
                const ferry_avro_field_t *fa = &a->fields[i], *fb = &b->fields[i];
                if (!str_eq(fa->name, fb->name) || !str_eq(fa->doc, fb->doc) ||
                    !str_eq(fa->order, fb->order) || fa->has_default != fb->has_default ||
                    !ferry_value_equal(fa->def, fb->def) ||
                    !props_eq(fa->props, fa->n_props, fb->props, fb->n_props) ||
                    !node_eq(fa->type, fb->type, &here, depth + 1))
                        return false;
        }
        for (size_t i = 0; i < a->n_symbols; i++)
                if (strcmp(a->symbols[i], b->symbols[i]) != 0)
                        return false;
        for (size_t i = 0; i < a->n_branches; i++)
                if (!node_eq(a->branches[i], b->branches[i], &here, depth + 1))
                        return false;
        if ((a->items || b->items) && !node_eq(a->items, b->items, &here, depth + 1))
                return false;
        return true;
}

bool ferry_avro_node_equal(const ferry_avro_node_t *a, const ferry_avro_node_t *b)
{
        return node_eq(a, b, NULL, 0);
}

/* ---- parsing ---- */

typedef struct {
        ferry_avro_schema_t *s;
        ferry_avro_node_t **named; /* named types defined so far */
        size_t n_named;
        char *errstr;
        size_t errstr_size;
        bool failed;
} parse_t;

static void *perr(parse_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void *perr(parse_t *p, const char *fmt, ...)
{
        if (!p->failed && p->errstr && p->errstr_size) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(p->errstr, p->errstr_size, fmt, ap);
                va_end(ap);
        }
        p->failed = true;
        return NULL;
}

static const ferry_value_t *obj_get(const ferry_value_t *o, const char *key, bool *present)
{
        for (size_t i = 0; i < o->u.m.n; i++) {
                const ferry_value_t *k = o->u.m.keys[i];
                if (k && k->type == FERRY_TYPE_STRING && strcmp(k->u.s.data, key) == 0) {
                        if (present)
                                *present = true;
                        return o->u.m.vals[i];
                }
        }
        if (present)
                *present = false;
        return NULL;
}

static const char *obj_str(const ferry_value_t *o, const char *key)
{
        const ferry_value_t *v = obj_get(o, key, NULL);
        return v && v->type == FERRY_TYPE_STRING ? v->u.s.data : NULL;
}

static bool valid_name(const char *n)
{
        if (!n || !*n || !((*n >= 'A' && *n <= 'Z') || (*n >= 'a' && *n <= 'z') || *n == '_'))
                return false;
        for (const char *c = n + 1; *c; c++)
                if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
                      *c == '_'))
                        return false;
        return true;
}

static bool valid_space(const char *s)
{
        if (!s || !*s)
                return true;
        char buf[512];
        size_t n = strlen(s);
        if (n >= sizeof(buf))
                return false;
        memcpy(buf, s, n + 1);
        char *part = buf;
        for (;;) {
                char *dot = strchr(part, '.');
                if (dot)
                        *dot = '\0';
                if (!valid_name(part))
                        return false;
                if (!dot)
                        return true;
                part = dot + 1;
        }
}

static int primitive_type(const char *t)
{
        for (int i = FERRY_AVRO_NULL; i <= FERRY_AVRO_STRING; i++)
                if (strcmp(t, type_names[i]) == 0)
                        return i;
        return -1;
}

static ferry_avro_node_t *lookup_named(parse_t *p, const char *name, const char *space)
{
        char full[768];
        const char *want = name;
        if (!strchr(name, '.') && space && *space) {
                snprintf(full, sizeof(full), "%s.%s", space, name);
                want = full;
        }
        for (int pass = 0; pass < 2; pass++) {
                for (size_t i = 0; i < p->n_named; i++) {
                        char *fn = ferry_avro_full_name(p->named[i]);
                        bool eq = fn && strcmp(fn, want) == 0;
                        free(fn);
                        if (eq)
                                return p->named[i];
                }
                want = name; /* a name in no namespace */
        }
        return NULL;
}

/* Sets name/space of a named node from "name" and "namespace" (or the enclosing namespace). */
static int set_name(parse_t *p, ferry_avro_node_t *n, const ferry_value_t *o, const char *space)
{
        const char *name = obj_str(o, "name");
        if (!name) {
                perr(p, "No name in schema: a %s needs a \"name\"", type_names[n->type]);
                return -1;
        }
        const char *dot = strrchr(name, '.');
        if (dot) {
                n->space = strndup(name, (size_t)(dot - name));
                n->name = ferry_avro_strdup(dot + 1);
        } else {
                bool has_ns;
                const ferry_value_t *ns = obj_get(o, "namespace", &has_ns);
                const char *sp = has_ns ? (ns && ns->type == FERRY_TYPE_STRING ? ns->u.s.data : NULL) : space;
                if (has_ns && ns && ns->type != FERRY_TYPE_STRING) {
                        perr(p, "namespace of %s is not a string", name);
                        return -1;
                }
                n->space = sp && *sp ? ferry_avro_strdup(sp) : NULL;
                n->name = ferry_avro_strdup(name);
        }
        if (!n->name) {
                perr(p, "out of memory");
                return -1;
        }
        if (!valid_name(n->name) || !valid_space(n->space)) {
                perr(p, "Illegal name: %s", name);
                return -1;
        }
        char *fn = ferry_avro_full_name(n);
        if (!fn) {
                perr(p, "out of memory");
                return -1;
        }
        if (lookup_named(p, fn, NULL)) {
                perr(p, "Can't redefine: %s", fn);
                free(fn);
                return -1;
        }
        free(fn);
        ferry_avro_node_t **nn = realloc(p->named, (p->n_named + 1) * sizeof(*nn));
        if (!nn) {
                perr(p, "out of memory");
                return -1;
        }
        p->named = nn;
        nn[p->n_named++] = n;
        return 0;
}

static bool reserved(const char *key, const char *const *list)
{
        for (; *list; list++)
                if (strcmp(key, *list) == 0)
                        return true;
        return false;
}

static const char *const schema_reserved[] = {"doc",     "fields", "items", "name",    "namespace", "size",
                                              "symbols", "values", "type",  "aliases", "default",   NULL};
static const char *const field_reserved[] = {"default", "doc", "name", "order", "type", "aliases", NULL};

static int copy_props(parse_t *p, const ferry_value_t *o, const char *const *res, ferry_avro_prop_t **props,
                      size_t *n)
{
        for (size_t i = 0; i < o->u.m.n; i++) {
                const ferry_value_t *k = o->u.m.keys[i];
                if (!k || k->type != FERRY_TYPE_STRING || reserved(k->u.s.data, res))
                        continue;
                ferry_value_t *v = o->u.m.vals[i] ? ferry_value_copy(o->u.m.vals[i]) : NULL;
                if ((o->u.m.vals[i] && !v) || ferry_avro_add_prop(props, n, k->u.s.data, v) < 0) {
                        perr(p, "out of memory");
                        return -1;
                }
        }
        return 0;
}

static ferry_avro_node_t *parse_node(parse_t *p, const ferry_value_t *j, const char *space, int depth);

static int parse_fields(parse_t *p, ferry_avro_node_t *n, const ferry_value_t *fields, int depth)
{
        if (!fields || fields->type != FERRY_TYPE_ARRAY) {
                perr(p, "Record has no fields: %s", n->name);
                return -1;
        }
        for (size_t i = 0; i < fields->u.a.n; i++) {
                const ferry_value_t *f = fields->u.a.items[i];
                if (!f || f->type != FERRY_TYPE_MAP) {
                        perr(p, "Not a field: a field of %s is not an object", n->name);
                        return -1;
                }
                const char *fname = obj_str(f, "name");
                if (!fname || !valid_name(fname)) {
                        perr(p, "Illegal field name in %s: %s", n->name, fname ? fname : "(none)");
                        return -1;
                }
                for (size_t k = 0; k < n->n_fields; k++)
                        if (strcmp(n->fields[k].name, fname) == 0) {
                                perr(p, "Duplicate field %s in record %s", fname, n->name);
                                return -1;
                        }
                bool has_type;
                const ferry_value_t *t = obj_get(f, "type", &has_type);
                if (!has_type) {
                        perr(p, "No field type: %s", fname);
                        return -1;
                }
                ferry_avro_node_t *ft = parse_node(p, t, n->space, depth + 1);
                if (!ft)
                        return -1;
                const ferry_value_t *doc = obj_get(f, "doc", NULL);
                ferry_avro_field_t *fld = ferry_avro_add_field(
                        n, fname, ft, doc && doc->type == FERRY_TYPE_STRING ? doc->u.s.data : NULL);
                if (!fld) {
                        perr(p, "out of memory");
                        return -1;
                }
                bool has_def;
                const ferry_value_t *def = obj_get(f, "default", &has_def);
                if (has_def) {
                        fld->has_default = true;
                        if (def && !(fld->def = ferry_value_copy(def))) {
                                perr(p, "out of memory");
                                return -1;
                        }
                }
                const char *order = obj_str(f, "order");
                if (order && strcmp(order, "ascending") != 0) {
                        if (strcmp(order, "descending") != 0 && strcmp(order, "ignore") != 0) {
                                perr(p, "Illegal field order: %s", order);
                                return -1;
                        }
                        fld->order = ferry_avro_strdup(order);
                }
                if (copy_props(p, f, field_reserved, &fld->props, &fld->n_props) < 0)
                        return -1;
        }
        return 0;
}

static ferry_avro_node_t *parse_object(parse_t *p, const ferry_value_t *j, const char *space, int depth)
{
        bool has_type;
        const ferry_value_t *t = obj_get(j, "type", &has_type);
        if (!has_type)
                return perr(p, "No type: a schema object needs a \"type\"");
        if (!t || t->type != FERRY_TYPE_STRING)
                return parse_node(p, t, space, depth + 1);
        const char *tn = t->u.s.data;
        ferry_avro_node_t *n = NULL;
        int prim = primitive_type(tn);
        if (prim >= 0) {
                if (!(n = ferry_avro_node_new(p->s, (ferry_avro_type_t)prim)))
                        return perr(p, "out of memory");
        } else if (strcmp(tn, "record") == 0 || strcmp(tn, "error") == 0) {
                if (!(n = ferry_avro_node_new(p->s, FERRY_AVRO_RECORD)) || set_name(p, n, j, space) < 0)
                        return n ? NULL : perr(p, "out of memory");
                if (parse_fields(p, n, obj_get(j, "fields", NULL), depth) < 0)
                        return NULL;
        } else if (strcmp(tn, "enum") == 0) {
                if (!(n = ferry_avro_node_new(p->s, FERRY_AVRO_ENUM)) || set_name(p, n, j, space) < 0)
                        return n ? NULL : perr(p, "out of memory");
                const ferry_value_t *sy = obj_get(j, "symbols", NULL);
                if (!sy || sy->type != FERRY_TYPE_ARRAY)
                        return perr(p, "Enum has no symbols: %s", n->name);
                if (sy->u.a.n && !(n->symbols = calloc(sy->u.a.n, sizeof(char *))))
                        return perr(p, "out of memory");
                for (size_t i = 0; i < sy->u.a.n; i++) {
                        const ferry_value_t *v = sy->u.a.items[i];
                        if (!v || v->type != FERRY_TYPE_STRING || !valid_name(v->u.s.data))
                                return perr(p, "Illegal enum symbol in %s", n->name);
                        for (size_t k = 0; k < n->n_symbols; k++)
                                if (strcmp(n->symbols[k], v->u.s.data) == 0)
                                        return perr(p, "Duplicate enum symbol: %s", v->u.s.data);
                        if (!(n->symbols[n->n_symbols] = ferry_avro_strdup(v->u.s.data)))
                                return perr(p, "out of memory");
                        n->n_symbols++;
                }
                const char *def = obj_str(j, "default");
                if (def) {
                        bool found = false;
                        for (size_t k = 0; k < n->n_symbols; k++)
                                found = found || strcmp(n->symbols[k], def) == 0;
                        if (!found)
                                return perr(p, "The Enum Default: %s is not in the enum symbol set", def);
                        if (!(n->enum_default = ferry_avro_strdup(def)))
                                return perr(p, "out of memory");
                }
        } else if (strcmp(tn, "fixed") == 0) {
                if (!(n = ferry_avro_node_new(p->s, FERRY_AVRO_FIXED)) || set_name(p, n, j, space) < 0)
                        return n ? NULL : perr(p, "out of memory");
                const ferry_value_t *sz = obj_get(j, "size", NULL);
                if (!sz || sz->type != FERRY_TYPE_INT64 || sz->u.i < 0 || sz->u.i > INT32_MAX)
                        return perr(p, "Invalid or no size: fixed %s", n->name);
                n->size = (int)sz->u.i;
        } else if (strcmp(tn, "array") == 0 || strcmp(tn, "map") == 0) {
                bool arr = tn[0] == 'a';
                if (!(n = ferry_avro_node_new(p->s, arr ? FERRY_AVRO_ARRAY : FERRY_AVRO_MAP)))
                        return perr(p, "out of memory");
                bool has;
                const ferry_value_t *it = obj_get(j, arr ? "items" : "values", &has);
                if (!has)
                        return perr(p, "%s has no %s", tn, arr ? "items" : "values");
                if (!(n->items = parse_node(p, it, space, depth + 1)))
                        return NULL;
        } else {
                ferry_avro_node_t *ref = lookup_named(p, tn, space);
                if (!ref)
                        return perr(p, "\"%s\" is not a defined name", tn);
                return ref;
        }
        const ferry_value_t *doc = obj_get(j, "doc", NULL);
        if (doc && doc->type == FERRY_TYPE_STRING && n->type >= FERRY_AVRO_RECORD &&
            !(n->doc = ferry_avro_strdup(doc->u.s.data)))
                return perr(p, "out of memory");
        if (copy_props(p, j, schema_reserved, &n->props, &n->n_props) < 0)
                return NULL;
        return n;
}

static ferry_avro_node_t *parse_node(parse_t *p, const ferry_value_t *j, const char *space, int depth)
{
        if (p->failed)
                return NULL;
        if (depth > MAX_DEPTH)
                return perr(p, "schema nested deeper than %d levels", MAX_DEPTH);
        if (!j)
                return perr(p, "a schema may not be JSON null");
        switch (j->type) {
        case FERRY_TYPE_STRING: {
                int prim = primitive_type(j->u.s.data);
                if (prim >= 0) {
                        ferry_avro_node_t *n = ferry_avro_node_new(p->s, (ferry_avro_type_t)prim);
                        return n ? n : perr(p, "out of memory");
                }
                ferry_avro_node_t *ref = lookup_named(p, j->u.s.data, space);
                return ref ? ref : perr(p, "\"%s\" is not a defined name", j->u.s.data);
        }
        case FERRY_TYPE_ARRAY: {
                ferry_avro_node_t *u = ferry_avro_node_new(p->s, FERRY_AVRO_UNION);
                if (!u)
                        return perr(p, "out of memory");
                for (size_t i = 0; i < j->u.a.n; i++) {
                        ferry_avro_node_t *b = parse_node(p, j->u.a.items[i], space, depth + 1);
                        if (!b)
                                return NULL;
                        if (b->type == FERRY_AVRO_UNION)
                                return perr(p, "Nested union: a union may not hold a union");
                        for (size_t k = 0; k < u->n_branches; k++) {
                                const ferry_avro_node_t *o = u->branches[k];
                                bool dup = o->type == b->type &&
                                           (!is_named(b) ||
                                            (str_eq(o->name, b->name) && str_eq(o->space, b->space)));
                                if (dup)
                                        return perr(p, "Duplicate in union: %s",
                                                    ferry_avro_type_name(b->type));
                        }
                        if (ferry_avro_add_branch(u, b) < 0)
                                return perr(p, "out of memory");
                }
                return u;
        }
        case FERRY_TYPE_MAP:
                return parse_object(p, j, space, depth);
        default:
                return perr(p, "Schema not yet supported: a JSON %s", ferry_type_name(j->type));
        }
}

ferry_avro_schema_t *ferry_avro_parse(const char *json, size_t len, char *errstr, size_t errstr_size)
{
        ferry_value_t *j = ferry_json_read(json, len, errstr, errstr_size);
        if (!j) {
                if (errstr && errstr_size && strcmp(errstr, "JSON null") == 0)
                        snprintf(errstr, errstr_size, "a schema may not be JSON null");
                return NULL;
        }
        parse_t p = {.s = ferry_avro_schema_new(), .errstr = errstr, .errstr_size = errstr_size};
        if (!p.s) {
                ferry_value_free(j);
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        ferry_avro_node_t *root = parse_node(&p, j, NULL, 0);
        ferry_value_free(j);
        free(p.named);
        if (!root) {
                ferry_avro_schema_free(p.s);
                return NULL;
        }
        p.s->root = root;
        return p.s;
}

/* ---- writing (Java's Schema.toString()) ---- */

typedef struct {
        ferry_buf_t *b;
        const ferry_avro_node_t **names; /* named types written so far */
        size_t n_names;
        const char *space; /* the enclosing namespace */
        char *errstr;
        size_t errstr_size;
        bool failed;
} wctx_t;

static int wfail(wctx_t *w, const char *msg, const char *name)
{
        if (!w->failed && w->errstr && w->errstr_size)
                snprintf(w->errstr, w->errstr_size, "%s%s", msg, name ? name : "");
        w->failed = true;
        return -1;
}

static int put_str(wctx_t *w, const char *s)
{
        return ferry_json_put_string(w->b, s, strlen(s)) < 0 ? wfail(w, "out of memory", NULL) : 0;
}

static int put_raw(wctx_t *w, const char *s)
{
        return ferry_buf_puts(w->b, s) < 0 ? wfail(w, "out of memory", NULL) : 0;
}

static int put_key(wctx_t *w, const char *key)
{
        if (put_raw(w, ",") < 0 || put_str(w, key) < 0)
                return -1;
        return put_raw(w, ":");
}

static int put_json(wctx_t *w, const ferry_value_t *v)
{
        char err[256];
        if (!v)
                return put_raw(w, "null");
        if (ferry_json_put_value(w->b, v, err, sizeof(err)) < 0)
                return wfail(w, "cannot write a property: ", err);
        return 0;
}

static int put_props(wctx_t *w, const ferry_avro_prop_t *p, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (put_key(w, p[i].key) < 0 || put_json(w, p[i].value) < 0)
                        return -1;
        return 0;
}

static int write_node(wctx_t *w, const ferry_avro_node_t *n, int depth);

/* A named type seen before is written by name (relative to the enclosing namespace). Returns 1
 * when it wrote a reference, 0 when the definition must follow (now registered), -1 on error. */
static int name_ref(wctx_t *w, const ferry_avro_node_t *n)
{
        for (size_t i = 0; i < w->n_names; i++) {
                const ferry_avro_node_t *o = w->names[i];
                if (!str_eq(o->name, n->name) || !str_eq(o->space ? o->space : "", n->space ? n->space : ""))
                        continue;
                if (o != n && !ferry_avro_node_equal(o, n)) {
                        char *fn = ferry_avro_full_name(n);
                        wfail(w, "Can't redefine: ", fn);
                        free(fn);
                        return -1;
                }
                if (n->space && *n->space && !str_eq(n->space, w->space)) {
                        char *fn = ferry_avro_full_name(n);
                        int rc = fn ? put_str(w, fn) : wfail(w, "out of memory", NULL);
                        free(fn);
                        return rc < 0 ? -1 : 1;
                }
                return put_str(w, n->name) < 0 ? -1 : 1;
        }
        const ferry_avro_node_t **p = realloc(w->names, (w->n_names + 1) * sizeof(*p));
        if (!p)
                return wfail(w, "out of memory", NULL);
        w->names = p;
        p[w->n_names++] = n;
        return 0;
}

static int write_name(wctx_t *w, const ferry_avro_node_t *n)
{
        if (put_key(w, "name") < 0 || put_str(w, n->name) < 0)
                return -1;
        if (n->space && *n->space) {
                if (!str_eq(n->space, w->space))
                        return put_key(w, "namespace") < 0 ? -1 : put_str(w, n->space);
        } else if (w->space && *w->space) {
                return put_key(w, "namespace") < 0 ? -1 : put_str(w, "");
        }
        return 0;
}

static int write_fields(wctx_t *w, const ferry_avro_node_t *n, int depth)
{
        if (put_key(w, "fields") < 0 || put_raw(w, "[") < 0)
                return -1;
        for (size_t i = 0; i < n->n_fields; i++) {
                const ferry_avro_field_t *f = &n->fields[i];
                if (put_raw(w, i ? ",{\"name\":" : "{\"name\":") < 0 || put_str(w, f->name) < 0 ||
                    put_key(w, "type") < 0 || write_node(w, f->type, depth + 1) < 0)
                        return -1;
                if (f->doc && (put_key(w, "doc") < 0 || put_str(w, f->doc) < 0))
                        return -1;
                if (f->has_default && (put_key(w, "default") < 0 || put_json(w, f->def) < 0))
                        return -1;
                if (f->order && (put_key(w, "order") < 0 || put_str(w, f->order) < 0))
                        return -1;
                if (put_props(w, f->props, f->n_props) < 0 || put_raw(w, "}") < 0)
                        return -1;
        }
        return put_raw(w, "]");
}

static int write_node(wctx_t *w, const ferry_avro_node_t *n, int depth)
{
        if (depth > MAX_DEPTH)
                return wfail(w, "schema nested too deeply", NULL);
        switch (n->type) {
        case FERRY_AVRO_UNION:
                if (put_raw(w, "[") < 0)
                        return -1;
                for (size_t i = 0; i < n->n_branches; i++)
                        if ((i && put_raw(w, ",") < 0) || write_node(w, n->branches[i], depth + 1) < 0)
                                return -1;
                return put_raw(w, "]");
        case FERRY_AVRO_RECORD:
        case FERRY_AVRO_ENUM:
        case FERRY_AVRO_FIXED: {
                int r = name_ref(w, n);
                if (r != 0)
                        return r < 0 ? -1 : 0;
                const char *saved = w->space;
                if (put_raw(w, "{\"type\":") < 0 || put_str(w, ferry_avro_type_name(n->type)) < 0 ||
                    write_name(w, n) < 0)
                        return -1;
                if (n->doc && (put_key(w, "doc") < 0 || put_str(w, n->doc) < 0))
                        return -1;
                if (n->type == FERRY_AVRO_RECORD) {
                        w->space = n->space;
                        int rc = write_fields(w, n, depth);
                        w->space = saved;
                        if (rc < 0)
                                return -1;
                } else if (n->type == FERRY_AVRO_ENUM) {
                        if (put_key(w, "symbols") < 0 || put_raw(w, "[") < 0)
                                return -1;
                        for (size_t i = 0; i < n->n_symbols; i++)
                                if ((i && put_raw(w, ",") < 0) || put_str(w, n->symbols[i]) < 0)
                                        return -1;
                        if (put_raw(w, "]") < 0)
                                return -1;
                        if (n->enum_default && (put_key(w, "default") < 0 || put_str(w, n->enum_default) < 0))
                                return -1;
                } else {
                        char num[24];
                        snprintf(num, sizeof(num), "%d", n->size);
                        if (put_key(w, "size") < 0 || put_raw(w, num) < 0)
                                return -1;
                }
                if (put_props(w, n->props, n->n_props) < 0)
                        return -1;
                return put_raw(w, "}");
        }
        case FERRY_AVRO_ARRAY:
        case FERRY_AVRO_MAP:
                if (put_raw(w, "{\"type\":") < 0 || put_str(w, ferry_avro_type_name(n->type)) < 0 ||
                    put_key(w, n->type == FERRY_AVRO_ARRAY ? "items" : "values") < 0 ||
                    write_node(w, n->items, depth + 1) < 0 || put_props(w, n->props, n->n_props) < 0)
                        return -1;
                return put_raw(w, "}");
        default:
                if (!n->n_props)
                        return put_str(w, ferry_avro_type_name(n->type));
                if (put_raw(w, "{\"type\":") < 0 || put_str(w, ferry_avro_type_name(n->type)) < 0 ||
                    put_props(w, n->props, n->n_props) < 0)
                        return -1;
                return put_raw(w, "}");
        }
}

int ferry_avro_write_json(const ferry_avro_schema_t *s, ferry_buf_t *out, char *errstr, size_t errstr_size)
{
        wctx_t w = {.b = out, .errstr = errstr, .errstr_size = errstr_size};
        if (!s || !s->root)
                return wfail(&w, "no schema", NULL);
        int rc = write_node(&w, s->root, 0);
        free(w.names);
        return rc;
}
