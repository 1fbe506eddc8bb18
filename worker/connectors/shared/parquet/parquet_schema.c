/* The Parquet schema of a Connect schema, as Confluent's ParquetFormat gets it (Connect -> Avro by
 * AvroData, Avro -> Parquet by parquet-avro's AvroSchemaConverter with write-old-list-structure):
 * builds the tree the writer shreds records along (parquet_writer.c), writes it as the footer's
 * SchemaElement list, and prints it the way parquet-mr's MessageType.toString() does. */
#include "shared/parquet/parquet_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AVRO_NAMESPACE         "io.confluent.connect.avro"
#define AVRO_DEFAULT_NAME      "ConnectDefault"
#define AVRO_PRECISION_PARAM   "connect.decimal.precision"
#define AVRO_FIXED_SIZE_PARAM  "connect.fixed.size"
#define AVRO_PRECISION_DEFAULT 64
#define AVRO_UNION_NAME        "io.confluent.connect.avro.Union"

typedef struct {
        char *errstr;
        size_t errstr_size;
        size_t n_cols;
        bool three_level; /* parquet-avro with write-old-list-structure=false */
} build_t;

static bool named(const ferry_schema_t *s, const char *name)
{
        return s->name && strcmp(s->name, name) == 0;
}

static bool parse_long(const char *t, long *out)
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

static void path_into(const pq_node_t *n, ferry_buf_t *out)
{
        if (!n->parent)
                return;
        if (n->parent->parent) {
                path_into(n->parent, out);
                ferry_buf_putc(out, '.');
        }
        ferry_buf_puts(out, n->name);
}

void pq_node_path(const pq_node_t *n, ferry_buf_t *out)
{
        path_into(n, out);
}

static pq_node_t *fail(build_t *x, pq_node_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static pq_node_t *fail(build_t *x, pq_node_t *n, const char *fmt, ...)
{
        ferry_buf_t path;
        ferry_buf_init(&path);
        pq_node_path(n, &path);
        char msg[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        snprintf(x->errstr, x->errstr_size, "field %s: %s", path.p ? path.p : "(record)", msg);
        ferry_buf_free(&path);
        return NULL;
}

static pq_node_t *node_new(pq_node_t *parent, const char *name, const ferry_schema_t *s, int repetition)
{
        pq_node_t *n = calloc(1, sizeof(*n));
        if (!n || !(n->name = strdup(name))) {
                free(n);
                return NULL;
        }
        n->parent = parent;
        n->schema = s;
        n->repetition = repetition;
        n->converted = PQ_CT_NONE;
        n->max_def = (parent ? parent->max_def : 0) + (repetition != PQ_REQUIRED);
        n->max_rep = (parent ? parent->max_rep : 0) + (repetition == PQ_REPEATED);
        return n;
}

static int add_child(pq_node_t *n, pq_node_t *c)
{
        pq_node_t **p = realloc(n->children, (n->n_children + 1) * sizeof(*p));
        if (!p)
                return -1;
        n->children = p;
        n->children[n->n_children++] = c;
        return 0;
}

static pq_node_t *build(build_t *x, pq_node_t *parent, const char *name, const ferry_schema_t *s,
                        int repetition);

/* Builds and attaches a child; NULL (message set, child freed) on failure. */
static pq_node_t *child(build_t *x, pq_node_t *parent, const char *name, const ferry_schema_t *s,
                        int repetition)
{
        pq_node_t *c = build(x, parent, name, s, repetition);
        if (!c)
                return NULL;
        if (add_child(parent, c) < 0) {
                pq_schema_free(c);
                return fail(x, parent, "out of memory");
        }
        return c;
}

/* A group the Connect schema has no node of its own for (a map's key/value group, a list's
 * repeated group), attached to parent; its n_cols is set by the caller after its children. */
static pq_node_t *group(build_t *x, pq_node_t *parent, const char *name, const ferry_schema_t *s,
                        int repetition)
{
        pq_node_t *g = node_new(parent, name, s, repetition);
        if (!g || add_child(parent, g) < 0) {
                if (g)
                        pq_schema_free(g);
                return fail(x, parent, "out of memory");
        }
        g->kind = PQ_KV;
        g->first_col = x->n_cols;
        return g;
}

static int field_repetition(const ferry_schema_t *s)
{
        return s->optional ? PQ_OPTIONAL : PQ_REQUIRED;
}

static pq_node_t *build_leaf(build_t *x, pq_node_t *n, const ferry_schema_t *s)
{
        n->kind = PQ_LEAF;
        n->col = x->n_cols++;
        n->first_col = n->col;
        n->n_cols = 1;
        switch (s->type) {
        case FERRY_TYPE_INT8:
        case FERRY_TYPE_INT16:
        case FERRY_TYPE_INT32:
                n->ptype = PQ_INT32;
                if (s->type == FERRY_TYPE_INT32 && named(s, FERRY_LOGICAL_DATE))
                        n->converted = PQ_CT_DATE;
                else if (s->type == FERRY_TYPE_INT32 && named(s, FERRY_LOGICAL_TIME))
                        n->converted = PQ_CT_TIME_MILLIS;
                break;
        case FERRY_TYPE_INT64:
                n->ptype = PQ_INT64;
                if (named(s, FERRY_LOGICAL_TIMESTAMP))
                        n->converted = PQ_CT_TIMESTAMP_MILLIS;
                break;
        case FERRY_TYPE_FLOAT32:
                n->ptype = PQ_FLOAT;
                break;
        case FERRY_TYPE_FLOAT64:
                n->ptype = PQ_DOUBLE;
                break;
        case FERRY_TYPE_BOOLEAN:
                n->ptype = PQ_BOOLEAN;
                break;
        case FERRY_TYPE_STRING:
                n->ptype = PQ_BYTE_ARRAY;
                n->converted = PQ_CT_UTF8;
                break;
        case FERRY_TYPE_BYTES: {
                long size;
                n->ptype = PQ_BYTE_ARRAY;
                /* AvroData writes a named bytes schema with connect.fixed.size as an Avro fixed. */
                if (s->name && parse_long(ferry_schema_param(s, AVRO_FIXED_SIZE_PARAM), &size) && size >= 0 &&
                    size <= INT32_MAX) {
                        n->ptype = PQ_FIXED_LEN_BYTE_ARRAY;
                        n->type_length = (int)size;
                }
                if (named(s, FERRY_LOGICAL_DECIMAL)) {
                        long scale, precision = AVRO_PRECISION_DEFAULT;
                        if (!parse_long(ferry_schema_param(s, FERRY_DECIMAL_SCALE), &scale))
                                return fail(x, n,
                                            "Invalid Decimal schema: missing or invalid \"scale\" parameter");
                        const char *p = ferry_schema_param(s, AVRO_PRECISION_PARAM);
                        if (p && !parse_long(p, &precision))
                                return fail(x, n, "Invalid Decimal schema: %s is not an integer",
                                            AVRO_PRECISION_PARAM);
                        if (precision < 1 || precision > INT32_MAX || scale < 0 || scale > precision)
                                return fail(x, n, "Invalid Decimal schema: precision %ld, scale %ld",
                                            precision, scale);
                        n->converted = PQ_CT_DECIMAL;
                        n->scale = (int)scale;
                        n->precision = (int)precision;
                }
                break;
        }
        default:
                return fail(x, n, "not a primitive type");
        }
        return n;
}

static pq_node_t *build(build_t *x, pq_node_t *parent, const char *name, const ferry_schema_t *s,
                        int repetition)
{
        pq_node_t *n = node_new(parent, name, s, repetition);
        if (!n) {
                snprintf(x->errstr, x->errstr_size, "out of memory");
                return NULL;
        }
        pq_node_t *ok = n;
        n->first_col = x->n_cols;
        int depth = 0;
        for (const pq_node_t *p = n; p->parent; p = p->parent)
                depth++;
        if (depth > PQ_MAX_DEPTH) {
                fail(x, n, "nested deeper than %d levels", PQ_MAX_DEPTH);
                pq_schema_free(n);
                return NULL;
        }
        switch (s->type) {
        case FERRY_TYPE_STRUCT:
                n->kind = PQ_STRUCT;
                if (s->n_fields == 0) {
                        ok = fail(x, n, "a struct with no fields cannot be written to Parquet");
                        break;
                }
                /* AvroData turns a Connect struct named io.confluent.connect.avro.Union into an Avro
                 * union, which parquet-avro writes as a group of optional member0..memberN. */
                bool is_union = named(s, AVRO_UNION_NAME);
                for (size_t i = 0; i < s->n_fields && ok; i++) {
                        char member[32];
                        snprintf(member, sizeof(member), "member%zu", i);
                        if (!child(x, n, is_union ? member : s->fields[i].name, s->fields[i].schema,
                                   is_union ? PQ_OPTIONAL : field_repetition(s->fields[i].schema)))
                                ok = NULL;
                }
                break;
        case FERRY_TYPE_ARRAY:
                n->kind = PQ_LIST;
                n->converted = PQ_CT_LIST;
                if (x->three_level) {
                        /* write-old-list-structure=false: `group f (LIST) { repeated group list {
                         * <rep> <t> element; } }`, nullable elements allowed. */
                        pq_node_t *list = group(x, n, "list", s, PQ_REPEATED);
                        if (!list || !child(x, list, "element", s->items, field_repetition(s->items)))
                                ok = NULL;
                        else
                                list->n_cols = x->n_cols - list->first_col;
                } else if (!child(x, n, "array", s->items, PQ_REPEATED)) {
                        /* the default: `group f (LIST) { repeated <t> array; }` */
                        ok = NULL;
                }
                break;
        case FERRY_TYPE_MAP: {
                n->kind = PQ_MAP;
                bool string_keys = s->keys->type == FERRY_TYPE_STRING && !s->keys->optional;
                /* An Avro map (string keys) or AvroData's array of MapEntry records (other keys),
                 * which the three-level layout wraps as list.element. */
                n->converted = string_keys ? PQ_CT_MAP : PQ_CT_LIST;
                pq_node_t *kv = group(x, n,
                                      string_keys      ? "key_value"
                                      : x->three_level ? "list"
                                                       : "array",
                                      s, PQ_REPEATED);
                if (!kv) {
                        ok = NULL;
                        break;
                }
                kv->converted = string_keys ? PQ_CT_MAP_KEY_VALUE : PQ_CT_NONE;
                pq_node_t *entry = kv;
                if (!string_keys && x->three_level && !(entry = group(x, kv, "element", s, PQ_REQUIRED))) {
                        ok = NULL;
                        break;
                }
                if (!child(x, entry, "key", s->keys, string_keys ? PQ_REQUIRED : field_repetition(s->keys)) ||
                    !child(x, entry, "value", s->items, field_repetition(s->items)))
                        ok = NULL;
                entry->n_cols = x->n_cols - entry->first_col;
                kv->n_cols = x->n_cols - kv->first_col;
                break;
        }
        default:
                ok = build_leaf(x, n, s);
                break;
        }
        if (!ok) {
                pq_schema_free(n);
                return NULL;
        }
        n->n_cols = x->n_cols - n->first_col;
        return n;
}

pq_node_t *pq_schema_build(const ferry_schema_t *s, bool three_level, size_t *n_cols, char *errstr,
                           size_t errstr_size)
{
        build_t x = {.errstr = errstr, .errstr_size = errstr_size, .three_level = three_level};
        if (!s || s->type != FERRY_TYPE_STRUCT) {
                snprintf(errstr, errstr_size, "Parquet files hold records with a struct schema, not %s",
                         s ? ferry_type_name(s->type) : "schemaless data");
                return NULL;
        }
        /* parquet-avro names the message after the Avro record's full name; AvroData names an
         * unnamed struct io.confluent.connect.avro.ConnectDefault. */
        const char *name = s->name ? s->name : AVRO_NAMESPACE "." AVRO_DEFAULT_NAME;
        pq_node_t *root = build(&x, NULL, name, s, PQ_REQUIRED);
        if (root)
                *n_cols = x.n_cols;
        return root;
}

void pq_schema_free(pq_node_t *n)
{
        if (!n)
                return;
        for (size_t i = 0; i < n->n_children; i++)
                pq_schema_free(n->children[i]);
        free(n->children);
        free(n->name);
        free(n);
}

void pq_schema_leaves(pq_node_t *n, pq_node_t **leaves)
{
        if (n->kind == PQ_LEAF)
                leaves[n->col] = n;
        for (size_t i = 0; i < n->n_children; i++)
                pq_schema_leaves(n->children[i], leaves);
}

size_t pq_schema_count(const pq_node_t *n)
{
        size_t c = 1;
        for (size_t i = 0; i < n->n_children; i++)
                c += pq_schema_count(n->children[i]);
        return c;
}

/* LogicalType (field 10 of SchemaElement), a union: one member set. */
static void write_logical(const pq_node_t *n, ferry_tc_t *t)
{
        int member;
        switch (n->converted) {
        case PQ_CT_UTF8:
                member = 1;
                break;
        case PQ_CT_MAP:
                member = 2;
                break;
        case PQ_CT_LIST:
                member = 3;
                break;
        case PQ_CT_DECIMAL:
                member = 5;
                break;
        case PQ_CT_DATE:
                member = 6;
                break;
        case PQ_CT_TIME_MILLIS:
                member = 7;
                break;
        case PQ_CT_TIMESTAMP_MILLIS:
                member = 8;
                break;
        default:
                return; /* MAP_KEY_VALUE has no logical type */
        }
        ferry_tc_field_struct(t, 10);
        ferry_tc_field_struct(t, (int16_t)member);
        if (member == 5) {
                ferry_tc_field_i32(t, 1, n->scale);
                ferry_tc_field_i32(t, 2, n->precision);
        } else if (member == 7 || member == 8) {
                ferry_tc_field_bool(t, 1, true); /* isAdjustedToUTC, as parquet-avro sets it */
                ferry_tc_field_struct(t, 2);     /* TimeUnit */
                ferry_tc_field_struct(t, 1);     /* MILLIS */
                ferry_tc_struct_end(t);
                ferry_tc_struct_end(t);
        }
        ferry_tc_struct_end(t);
        ferry_tc_struct_end(t);
}

static void write_element(const pq_node_t *n, ferry_tc_t *t)
{
        ferry_tc_elem_struct(t);
        if (n->kind == PQ_LEAF) {
                ferry_tc_field_i32(t, 1, n->ptype);
                if (n->ptype == PQ_FIXED_LEN_BYTE_ARRAY)
                        ferry_tc_field_i32(t, 2, n->type_length);
        }
        if (n->parent)
                ferry_tc_field_i32(t, 3, n->repetition);
        ferry_tc_field_string(t, 4, n->name);
        if (n->kind != PQ_LEAF)
                ferry_tc_field_i32(t, 5, (int32_t)n->n_children);
        if (n->converted != PQ_CT_NONE)
                ferry_tc_field_i32(t, 6, n->converted);
        if (n->converted == PQ_CT_DECIMAL) {
                ferry_tc_field_i32(t, 7, n->scale);
                ferry_tc_field_i32(t, 8, n->precision);
        }
        write_logical(n, t);
        ferry_tc_struct_end(t);
        for (size_t i = 0; i < n->n_children; i++)
                write_element(n->children[i], t);
}

void pq_schema_write_thrift(const pq_node_t *root, ferry_tc_t *t)
{
        ferry_tc_field_list(t, 2, FERRY_TC_STRUCT, pq_schema_count(root));
        write_element(root, t);
}

static const char *const ptype_names[] = {"boolean", "int32",  "int64",  "int96",
                                          "float",   "double", "binary", "fixed_len_byte_array"};
static const char *const rep_names[] = {"required", "optional", "repeated"};

static void text(const pq_node_t *n, int depth, ferry_buf_t *out)
{
        for (int i = 0; i < depth; i++)
                ferry_buf_puts(out, "  ");
        if (!n->parent)
                ferry_buf_printf(out, "message %s", n->name);
        else if (n->kind == PQ_LEAF && n->ptype == PQ_FIXED_LEN_BYTE_ARRAY)
                ferry_buf_printf(out, "%s fixed_len_byte_array(%d) %s", rep_names[n->repetition],
                                 n->type_length, n->name);
        else if (n->kind == PQ_LEAF)
                ferry_buf_printf(out, "%s %s %s", rep_names[n->repetition], ptype_names[n->ptype], n->name);
        else
                ferry_buf_printf(out, "%s group %s", rep_names[n->repetition], n->name);
        switch (n->converted) {
        case PQ_CT_UTF8:
                ferry_buf_puts(out, " (STRING)");
                break;
        case PQ_CT_MAP:
                ferry_buf_puts(out, " (MAP)");
                break;
        case PQ_CT_MAP_KEY_VALUE:
                ferry_buf_puts(out, " (MAP_KEY_VALUE)");
                break;
        case PQ_CT_LIST:
                ferry_buf_puts(out, " (LIST)");
                break;
        case PQ_CT_DECIMAL:
                ferry_buf_printf(out, " (DECIMAL(%d,%d))", n->precision, n->scale);
                break;
        case PQ_CT_DATE:
                ferry_buf_puts(out, " (DATE)");
                break;
        case PQ_CT_TIME_MILLIS:
                ferry_buf_puts(out, " (TIME(MILLIS,true))");
                break;
        case PQ_CT_TIMESTAMP_MILLIS:
                ferry_buf_puts(out, " (TIMESTAMP(MILLIS,true))");
                break;
        default:
                break;
        }
        if (n->kind == PQ_LEAF) {
                ferry_buf_puts(out, ";\n");
                return;
        }
        ferry_buf_puts(out, " {\n");
        for (size_t i = 0; i < n->n_children; i++)
                text(n->children[i], depth + 1, out);
        for (int i = 0; i < depth; i++)
                ferry_buf_puts(out, "  ");
        ferry_buf_puts(out, "}\n");
}

int pq_schema_text(const pq_node_t *root, ferry_buf_t *out)
{
        size_t before = out->len;
        text(root, 0, out);
        return out->len > before ? 0 : -1;
}

/* Confluent's S3 ParquetRecordWriterProvider.schemaHasArrayOfOptionalItems: struct fields, map
 * values and array items, recursively (map keys are not looked at). */
bool ferry_parquet_has_optional_array_items(const ferry_schema_t *s)
{
        if (!s)
                return false;
        switch (s->type) {
        case FERRY_TYPE_STRUCT:
                for (size_t i = 0; i < s->n_fields; i++)
                        if (ferry_parquet_has_optional_array_items(s->fields[i].schema))
                                return true;
                return false;
        case FERRY_TYPE_MAP:
                return ferry_parquet_has_optional_array_items(s->items);
        case FERRY_TYPE_ARRAY:
                return s->items->optional || ferry_parquet_has_optional_array_items(s->items);
        default:
                return false;
        }
}
