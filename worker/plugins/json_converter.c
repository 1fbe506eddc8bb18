/* JsonConverter (org.apache.kafka.connect.json.JsonConverter): turns Connect data into JSON bytes
 * for Kafka and back. Sits between the transform chain and the producer on the source side, and
 * between the consumer and the transform chain on the sink side.
 *
 * With schemas.enable=true (the default) each message is the envelope {"schema":S,"payload":P}, S
 * written with the keys in the order Java's Jackson tree has them. Output is written straight into
 * the caller's buffer (no intermediate JSON objects: this is the hot path); input is parsed with
 * json-c. The schema JSON of recently written schemas and the Connect schemas of recently read
 * schema JSON are cached, as Java does (schemas.cache.size). */
#include "builtin.h"
#include "json_envelope.h"

#include <ferry/converter.h>
#include <ferry/json.h>

#include <json-c/json.h>

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef FERRY_VERSION
#define FERRY_VERSION "dev"
#endif

#define MAX_DEPTH       1000 /* JSON nesting depth accepted on read (Jackson's default limit) */
#define MAX_WRITE_SLOTS 256  /* schema JSON cache slots, at most */
#define MAX_READ_SLOTS  16   /* parsed schema cache entries, at most */
#define MAX_FRAMES      64   /* path components kept for error messages */

static const char *const decimal_formats[] = {"BASE64", "NUMERIC", NULL};
static const char *const converter_types[] = {"key", "value", "header", NULL};

static const ferry_config_def_t json_config[] = {
        {.name = "converter.type",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "How this converter will be used.",
         .valid = converter_types},
        {.name = "schemas.enable",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "true",
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "Include schemas within each of the serialized values and keys.",
         .group = "Schemas"},
        {.name = "schemas.cache.size",
         .type = FERRY_CFG_INT,
         .default_value = "1000",
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "The maximum number of schemas that can be cached in this converter instance.",
         .group = "Schemas"},
        {.name = "decimal.format",
         .type = FERRY_CFG_STRING,
         .default_value = "BASE64",
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "Controls which format this converter will serialize decimals in. This value is case "
                "insensitive "
                "and can be either 'BASE64' (default) or 'NUMERIC'",
         .group = "Serialization",
         .valid = decimal_formats},
        {.name = "replace.null.with.default",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "true",
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "Whether to replace fields that have a default value and that are null to the default value. "
                "When "
                "set to true, the default value is used, otherwise null is used.",
         .group = "Serialization"},
        {.name = NULL},
};

static const char *const json_aliases[] = {"JsonConverter", NULL};

#define ENVELOPE_ERROR                                                                                       \
        "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain "  \
        "additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in "  \
        "your "                                                                                              \
        "converter configuration."

typedef struct {
        ferry_schema_t *schema; /* reference held, so the address cannot be reused */
        char *json;
        size_t len;
} wslot_t;

typedef struct {
        json_object *json; /* reference held */
        ferry_schema_t *schema;
} rslot_t;

typedef struct {
        bool schemas_enable;
        bool decimal_numeric;
        bool replace_null;
        wslot_t *wcache;
        size_t n_wslots;
        rslot_t *rcache;
        size_t n_rslots, next_rslot;
        struct json_tokener *tok;
        /* The schema text of the last envelope read and its Connect schema (NULL for "schema":
         * null): a record with the same bytes there has only its payload parsed. */
        char *env_text;
        size_t env_len;
        ferry_schema_t *env_schema;
} json_conv_t;

/* ---- conversion context: output, error and the path of the value being converted ---- */

typedef enum { FRAME_FIELD, FRAME_INDEX, FRAME_KEY } frame_kind_t;

typedef struct {
        frame_kind_t kind;
        const char *name;
        size_t index;
} frame_t;

typedef struct {
        json_conv_t *c;
        ferry_buf_t *out;
        char *errstr;
        size_t errstr_size;
        ferry_err_t err;
        bool in_schema; /* errors come from the schema rather than the payload */
        frame_t frames[MAX_FRAMES];
        size_t depth;
} ctx_t;

/* Sets up a context without zeroing the frame array (this runs once per record). */
static void ctx_init(ctx_t *x, json_conv_t *c, ferry_buf_t *out, char *errstr, size_t errstr_size)
{
        x->c = c;
        x->out = out;
        x->errstr = errstr;
        x->errstr_size = errstr_size;
        x->err = FERRY_ERR_OK;
        x->in_schema = false;
        x->depth = 0;
}

static void push(ctx_t *x, frame_kind_t kind, const char *name, size_t index)
{
        if (x->depth < MAX_FRAMES)
                x->frames[x->depth] = (frame_t){.kind = kind, .name = name, .index = index};
        x->depth++;
}

static void pop(ctx_t *x)
{
        x->depth--;
}

static int fail(ctx_t *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(ctx_t *x, const char *fmt, ...)
{
        x->err = FERRY_ERR_CONVERSION;
        if (!x->errstr || !x->errstr_size)
                return -1;
        char path[512];
        size_t n = 0;
        path[0] = '\0';
        for (size_t i = 0; i < x->depth && i < MAX_FRAMES && n < sizeof(path); i++) {
                const frame_t *f = &x->frames[i];
                int w;
                if (f->kind == FRAME_FIELD)
                        w = snprintf(path + n, sizeof(path) - n, "%s%s", n ? "." : "", f->name);
                else if (f->kind == FRAME_KEY)
                        w = snprintf(path + n, sizeof(path) - n, "[%s]", f->name);
                else
                        w = snprintf(path + n, sizeof(path) - n, "[%zu]", f->index);
                if (w > 0)
                        n += (size_t)w;
        }
        if (n >= sizeof(path))
                n = sizeof(path) - 1;
        if (x->depth > MAX_FRAMES && n + 4 < sizeof(path))
                memcpy(path + n, "...", 4);
        int w = 0;
        if (path[0])
                w = snprintf(x->errstr, x->errstr_size,
                             "%s \"%s\": ", x->in_schema ? "schema of field" : "field", path);
        if (w >= 0 && (size_t)w < x->errstr_size) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(x->errstr + w, x->errstr_size - (size_t)w, fmt, ap);
                va_end(ap);
        }
        return -1;
}

static int nomem(ctx_t *x)
{
        x->err = FERRY_ERR_NOMEM;
        if (x->errstr && x->errstr_size)
                snprintf(x->errstr, x->errstr_size, "out of memory");
        return -1;
}

#define TRY(expr)                                                                                            \
        do {                                                                                                 \
                if ((expr) < 0)                                                                              \
                        return nomem(x);                                                                     \
        } while (0)

/* ---- JSON writing ---- */

/* Strips redundant sign bytes, as BigInteger.toByteArray() would have written them. */
static void decimal_minimal(const ferry_value_t *v, const unsigned char **p, size_t *len)
{
        const unsigned char *d = (const unsigned char *)v->u.s.data;
        size_t n = v->u.s.len, skip = 0;
        while (skip + 1 < n &&
               ((d[skip] == 0x00 && !(d[skip + 1] & 0x80)) || (d[skip] == 0xff && (d[skip + 1] & 0x80))))
                skip++;
        *p = d + skip;
        *len = n - skip;
}

static bool is_logical(const ferry_schema_t *s, const char *name)
{
        return s && s->name && strcmp(s->name, name) == 0;
}

static int write_value(ctx_t *x, const ferry_schema_t *s, const ferry_value_t *v);
static int write_schema(ctx_t *x, const ferry_schema_t *s);

static int write_schema_members(ctx_t *x, const ferry_schema_t *s)
{
        ferry_buf_t *b = x->out;
        TRY(ferry_buf_puts(b, "\"type\":\""));
        TRY(ferry_buf_puts(b, ferry_type_name(s->type)));
        TRY(ferry_buf_putc(b, '"'));
        switch (s->type) {
        case FERRY_TYPE_ARRAY:
                TRY(ferry_buf_puts(b, ",\"items\":"));
                if (write_schema(x, s->items) < 0)
                        return -1;
                break;
        case FERRY_TYPE_MAP:
                TRY(ferry_buf_puts(b, ",\"keys\":"));
                if (write_schema(x, s->keys) < 0)
                        return -1;
                TRY(ferry_buf_puts(b, ",\"values\":"));
                if (write_schema(x, s->items) < 0)
                        return -1;
                break;
        case FERRY_TYPE_STRUCT:
                TRY(ferry_buf_puts(b, ",\"fields\":["));
                for (size_t i = 0; i < s->n_fields; i++) {
                        const ferry_field_t *f = &s->fields[i];
                        TRY(ferry_buf_puts(b, i ? ",{" : "{"));
                        push(x, FRAME_FIELD, f->name, 0);
                        int rc = write_schema_members(x, f->schema);
                        pop(x);
                        if (rc < 0)
                                return -1;
                        TRY(ferry_buf_puts(b, ",\"field\":"));
                        TRY(ferry_json_put_string(b, f->name, strlen(f->name)));
                        TRY(ferry_buf_putc(b, '}'));
                }
                TRY(ferry_buf_putc(b, ']'));
                break;
        default:
                break;
        }
        TRY(ferry_buf_puts(b, s->optional ? ",\"optional\":true" : ",\"optional\":false"));
        if (s->name) {
                TRY(ferry_buf_puts(b, ",\"name\":"));
                TRY(ferry_json_put_string(b, s->name, strlen(s->name)));
        }
        if (s->has_version) {
                TRY(ferry_buf_puts(b, ",\"version\":"));
                TRY(ferry_json_put_int(b, s->version));
        }
        if (s->doc) {
                TRY(ferry_buf_puts(b, ",\"doc\":"));
                TRY(ferry_json_put_string(b, s->doc, strlen(s->doc)));
        }
        if (s->n_params) {
                TRY(ferry_buf_puts(b, ",\"parameters\":{"));
                for (size_t i = 0; i < s->n_params; i++) {
                        if (i)
                                TRY(ferry_buf_putc(b, ','));
                        TRY(ferry_json_put_string(b, s->params[i].key, strlen(s->params[i].key)));
                        TRY(ferry_buf_putc(b, ':'));
                        TRY(ferry_json_put_string(b, s->params[i].value, strlen(s->params[i].value)));
                }
                TRY(ferry_buf_putc(b, '}'));
        }
        if (s->default_value) {
                TRY(ferry_buf_puts(b, ",\"default\":"));
                bool was = x->in_schema;
                x->in_schema = true;
                int rc = write_value(x, s, s->default_value);
                x->in_schema = was;
                if (rc < 0)
                        return -1;
        }
        return 0;
}

static int write_schema(ctx_t *x, const ferry_schema_t *s)
{
        if (!s)
                return ferry_buf_puts(x->out, "null") < 0 ? nomem(x) : 0;
        TRY(ferry_buf_putc(x->out, '{'));
        if (write_schema_members(x, s) < 0)
                return -1;
        TRY(ferry_buf_putc(x->out, '}'));
        return 0;
}

static void wslot_clear(wslot_t *w)
{
        ferry_schema_unref(w->schema);
        free(w->json);
        w->schema = NULL;
        w->json = NULL;
        w->len = 0;
}

/* The envelope's schema, from the cache when this schema was written before. */
static int write_top_schema(ctx_t *x, const ferry_schema_t *s)
{
        json_conv_t *c = x->c;
        if (!s || !c->n_wslots)
                return write_schema(x, s);
        wslot_t *w = &c->wcache[((uintptr_t)s >> 4) % c->n_wslots];
        if (w->schema == s)
                return ferry_buf_append(x->out, w->json, w->len) < 0 ? nomem(x) : 0;
        size_t start = x->out->len;
        if (write_schema(x, s) < 0)
                return -1;
        size_t len = x->out->len - start;
        char *copy = malloc(len);
        if (copy) {
                memcpy(copy, x->out->p + start, len);
                wslot_clear(w);
                w->schema = ferry_schema_ref((ferry_schema_t *)s);
                w->json = copy;
                w->len = len;
        }
        return 0;
}

static int write_logical(ctx_t *x, const ferry_schema_t *s, const ferry_value_t *v, bool *done)
{
        *done = true;
        if (is_logical(s, FERRY_LOGICAL_DECIMAL)) {
                if (v->type != FERRY_TYPE_BYTES)
                        return fail(x, "Invalid type for Decimal, expected bytes but was %s",
                                    ferry_type_name(v->type));
                if (v->u.s.len == 0)
                        return fail(x, "Invalid Decimal value: no bytes");
                const unsigned char *p;
                size_t len;
                decimal_minimal(v, &p, &len);
                if (!x->c->decimal_numeric)
                        return ferry_json_put_base64(x->out, p, len) < 0 ? nomem(x) : 0;
                int scale;
                if (ferry_decimal_scale(s, &scale) < 0)
                        return fail(x, "Invalid Decimal schema: missing or invalid \"scale\" parameter");
                char *text = ferry_decimal_format(p, len, scale);
                if (!text)
                        return nomem(x);
                int rc = ferry_buf_puts(x->out, text);
                free(text);
                return rc < 0 ? nomem(x) : 0;
        }
        const char *what = NULL;
        ferry_type_t want = FERRY_TYPE_INT32;
        if (is_logical(s, FERRY_LOGICAL_DATE)) {
                what = "Date";
        } else if (is_logical(s, FERRY_LOGICAL_TIME)) {
                what = "Time";
        } else if (is_logical(s, FERRY_LOGICAL_TIMESTAMP)) {
                what = "Timestamp";
                want = FERRY_TYPE_INT64;
        } else {
                *done = false;
                return 0;
        }
        if (v->type != want)
                return fail(x, "Invalid type for %s, expected %s but was %s", what, ferry_type_name(want),
                            ferry_type_name(v->type));
        return ferry_json_put_int(x->out, v->u.i) < 0 ? nomem(x) : 0;
}

static int check_range(ctx_t *x, const ferry_value_t *v)
{
        int64_t lo, hi;
        switch (v->type) {
        case FERRY_TYPE_INT8:
                lo = INT8_MIN;
                hi = INT8_MAX;
                break;
        case FERRY_TYPE_INT16:
                lo = INT16_MIN;
                hi = INT16_MAX;
                break;
        case FERRY_TYPE_INT32:
                lo = INT32_MIN;
                hi = INT32_MAX;
                break;
        default:
                return 0;
        }
        if (v->u.i < lo || v->u.i > hi)
                return fail(x, "value %" PRId64 " out of range for %s", v->u.i, ferry_type_name(v->type));
        return 0;
}

/* A map key in object mode: its text (Jackson's asText of the converted key). */
static int write_object_key(ctx_t *x, const ferry_schema_t *ks, const ferry_value_t *k)
{
        if (!k && ks) {
                if (ks->default_value && x->c->replace_null)
                        k = ks->default_value;
                else if (!ks->optional)
                        return fail(x, "Conversion error: null value for field that is required and has no "
                                       "default value");
        }
        if (!k)
                return ferry_buf_puts(x->out, "\"null\"") < 0 ? nomem(x) : 0;
        if (k->type != FERRY_TYPE_STRING)
                return fail(x, "map key: expected string, got %s", ferry_type_name(k->type));
        return ferry_json_put_string(x->out, k->u.s.data, k->u.s.len) < 0 ? nomem(x) : 0;
}

static int write_map(ctx_t *x, const ferry_schema_t *s, const ferry_value_t *v)
{
        ferry_buf_t *b = x->out;
        const ferry_schema_t *ks = s ? s->keys : NULL, *vs = s ? s->items : NULL;
        bool object_mode = true;
        if (s) {
                object_mode = ks && ks->type == FERRY_TYPE_STRING;
        } else {
                for (size_t i = 0; i < v->u.m.n && object_mode; i++)
                        object_mode = v->u.m.keys[i] && v->u.m.keys[i]->type == FERRY_TYPE_STRING;
        }
        TRY(ferry_buf_putc(b, object_mode ? '{' : '['));
        for (size_t i = 0; i < v->u.m.n; i++) {
                const ferry_value_t *k = v->u.m.keys[i];
                if (k && k->type == FERRY_TYPE_STRING)
                        push(x, FRAME_KEY, k->u.s.data, 0);
                else
                        push(x, FRAME_INDEX, NULL, i);
                int rc;
                if (i)
                        TRY(ferry_buf_putc(b, ','));
                if (object_mode) {
                        rc = write_object_key(x, ks, k);
                        if (rc == 0)
                                rc = ferry_buf_putc(b, ':') < 0 ? nomem(x) : 0;
                        if (rc == 0)
                                rc = write_value(x, vs, v->u.m.vals[i]);
                } else {
                        rc = ferry_buf_putc(b, '[') < 0 ? nomem(x) : 0;
                        if (rc == 0)
                                rc = write_value(x, ks, k);
                        if (rc == 0)
                                rc = ferry_buf_putc(b, ',') < 0 ? nomem(x) : 0;
                        if (rc == 0)
                                rc = write_value(x, vs, v->u.m.vals[i]);
                        if (rc == 0)
                                rc = ferry_buf_putc(b, ']') < 0 ? nomem(x) : 0;
                }
                pop(x);
                if (rc < 0)
                        return -1;
        }
        TRY(ferry_buf_putc(b, object_mode ? '}' : ']'));
        return 0;
}

/* JsonConverter.convertToJson. */
static int write_value(ctx_t *x, const ferry_schema_t *s, const ferry_value_t *v)
{
        ferry_buf_t *b = x->out;
        if (!v) {
                if (!s)
                        return ferry_buf_puts(b, "null") < 0 ? nomem(x) : 0;
                if (s->default_value && x->c->replace_null)
                        return write_value(x, s, s->default_value);
                if (s->optional)
                        return ferry_buf_puts(b, "null") < 0 ? nomem(x) : 0;
                return fail(
                        x,
                        "Conversion error: null value for field that is required and has no default value");
        }
        if (s && s->name) {
                bool done;
                int rc = write_logical(x, s, v, &done);
                if (done)
                        return rc;
        }
        if (s && v->type != s->type)
                return fail(x, "expected %s, got %s", ferry_type_name(s->type), ferry_type_name(v->type));
        switch (v->type) {
        case FERRY_TYPE_INT8:
        case FERRY_TYPE_INT16:
        case FERRY_TYPE_INT32:
        case FERRY_TYPE_INT64:
                if (check_range(x, v) < 0)
                        return -1;
                TRY(ferry_json_put_int(b, v->u.i));
                return 0;
        case FERRY_TYPE_FLOAT32:
        case FERRY_TYPE_FLOAT64:
                TRY(ferry_json_put_double(b, v->u.f, v->type == FERRY_TYPE_FLOAT32));
                return 0;
        case FERRY_TYPE_BOOLEAN:
                TRY(ferry_buf_puts(b, v->u.b ? "true" : "false"));
                return 0;
        case FERRY_TYPE_STRING:
                TRY(ferry_json_put_string(b, v->u.s.data, v->u.s.len));
                return 0;
        case FERRY_TYPE_BYTES:
                TRY(ferry_json_put_base64(b, (const unsigned char *)v->u.s.data, v->u.s.len));
                return 0;
        case FERRY_TYPE_ARRAY:
                TRY(ferry_buf_putc(b, '['));
                for (size_t i = 0; i < v->u.a.n; i++) {
                        if (i)
                                TRY(ferry_buf_putc(b, ','));
                        push(x, FRAME_INDEX, NULL, i);
                        int rc = write_value(x, s ? s->items : NULL, v->u.a.items[i]);
                        pop(x);
                        if (rc < 0)
                                return -1;
                }
                TRY(ferry_buf_putc(b, ']'));
                return 0;
        case FERRY_TYPE_MAP:
                return write_map(x, s, v);
        case FERRY_TYPE_STRUCT:
                if (!s || !ferry_schema_equal(v->u.st.schema, s))
                        return fail(x, "Mismatching schema.");
                TRY(ferry_buf_putc(b, '{'));
                for (size_t i = 0; i < s->n_fields; i++) {
                        const ferry_field_t *f = &s->fields[i];
                        if (i)
                                TRY(ferry_buf_putc(b, ','));
                        TRY(ferry_json_put_string(b, f->name, strlen(f->name)));
                        TRY(ferry_buf_putc(b, ':'));
                        push(x, FRAME_FIELD, f->name, 0);
                        int rc = write_value(x, f->schema, v->u.st.fields[i]);
                        pop(x);
                        if (rc < 0)
                                return -1;
                }
                TRY(ferry_buf_putc(b, '}'));
                return 0;
        }
        return fail(x, "Couldn't convert value of unknown type %d to JSON.", (int)v->type);
}

static ferry_err_t json_from_connect(void *state, const char *topic, const ferry_schema_t *schema,
                                     const ferry_value_t *value, ferry_buf_t *out, bool *is_null,
                                     char *errstr, size_t errstr_size)
{
        json_conv_t *c = state;
        (void)topic;
        *is_null = false;
        if (!schema && !value) {
                *is_null = true;
                return FERRY_ERR_OK;
        }
        ctx_t x;
        int rc;
        ctx_init(&x, c, out, errstr, errstr_size);
        if (c->schemas_enable) {
                x.in_schema = true;
                rc = ferry_buf_puts(out, "{\"schema\":") < 0 ? nomem(&x) : write_top_schema(&x, schema);
                x.in_schema = false;
                if (rc == 0)
                        rc = ferry_buf_puts(out, ",\"payload\":") < 0 ? nomem(&x) : 0;
                if (rc == 0)
                        rc = write_value(&x, schema, value);
                if (rc == 0)
                        rc = ferry_buf_putc(out, '}') < 0 ? nomem(&x) : 0;
        } else {
                rc = write_value(&x, schema, value);
        }
        return rc < 0 ? x.err : FERRY_ERR_OK;
}

/* ---- JSON reading ---- */

static const char *node_type(json_object *j)
{
        switch (json_object_get_type(j)) {
        case json_type_null:
                return "null";
        case json_type_boolean:
                return "boolean";
        case json_type_int:
        case json_type_double:
                return "number";
        case json_type_string:
                return "string";
        case json_type_array:
                return "array";
        case json_type_object:
                return "object";
        }
        return "unknown";
}

/* Jackson's JsonNodeType names, for messages that mirror Java's. */
static const char *node_type_java(json_object *j)
{
        switch (json_object_get_type(j)) {
        case json_type_null:
                return "NULL";
        case json_type_boolean:
                return "BOOLEAN";
        case json_type_int:
        case json_type_double:
                return "NUMBER";
        case json_type_string:
                return "STRING";
        case json_type_array:
                return "ARRAY";
        case json_type_object:
                return "OBJECT";
        }
        return "MISSING";
}

static bool is_number(json_object *j)
{
        return json_object_is_type(j, json_type_int) || json_object_is_type(j, json_type_double);
}

/* json-c accepts NaN and Infinity literals even in strict mode; Jackson does not. */
static int check_double(ctx_t *x, json_object *j)
{
        if (json_object_is_type(j, json_type_double) && !isfinite(json_object_get_double(j))) {
                const char *t = json_object_get_string(j);
                if (t && (t[t[0] == '-'] == 'N' || t[t[0] == '-'] == 'I'))
                        return fail(x, "Non-standard token '%s': not allowed in JSON", t);
        }
        return 0;
}

/* A json-c integer as int64; fails when it did not fit (json-c clamps). */
static int get_int64(ctx_t *x, json_object *j, int64_t *out)
{
        int64_t v = json_object_get_int64(j);
        if (v == INT64_MAX && json_object_get_uint64(j) != (uint64_t)INT64_MAX)
                return fail(x, "number %s out of range for int64", json_object_get_string(j));
        *out = v;
        return 0;
}

static int b64_digit(unsigned char ch)
{
        if (ch >= 'A' && ch <= 'Z')
                return ch - 'A';
        if (ch >= 'a' && ch <= 'z')
                return ch - 'a' + 26;
        if (ch >= '0' && ch <= '9')
                return ch - '0' + 52;
        if (ch == '+')
                return 62;
        if (ch == '/')
                return 63;
        return -1;
}

/* Standard Base64; padding optional, whitespace ignored. */
static ferry_value_t *base64_decode(const char *s, size_t len, bool *bad)
{
        *bad = false;
        ferry_value_t *v = ferry_value_bytes(NULL, 0);
        if (!v)
                return NULL;
        unsigned char *o = malloc(len / 4 * 3 + 3);
        if (!o) {
                ferry_value_free(v);
                return NULL;
        }
        size_t n = 0, q = 0, pad = 0;
        uint32_t acc = 0;
        for (size_t i = 0; i < len; i++) {
                unsigned char ch = (unsigned char)s[i];
                if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
                        continue;
                if (ch == '=') {
                        pad++;
                        continue;
                }
                int d = b64_digit(ch);
                if (d < 0 || pad) {
                        *bad = true;
                        break;
                }
                acc = acc << 6 | (uint32_t)d;
                if (++q == 4) {
                        o[n++] = (unsigned char)(acc >> 16);
                        o[n++] = (unsigned char)(acc >> 8);
                        o[n++] = (unsigned char)acc;
                        q = 0;
                        acc = 0;
                }
        }
        if (!*bad) {
                if (q == 1 || pad > 2 || (pad && q + pad != 4)) {
                        *bad = true;
                } else if (q == 2) {
                        o[n++] = (unsigned char)(acc >> 4);
                } else if (q == 3) {
                        o[n++] = (unsigned char)(acc >> 10);
                        o[n++] = (unsigned char)(acc >> 2);
                }
        }
        if (*bad) {
                free(o);
                ferry_value_free(v);
                return NULL;
        }
        o[n] = '\0';
        ferry_value_blob_replace(v, (char *)o, n);
        return v;
}

static int read_value(ctx_t *x, const ferry_schema_t *s, json_object *j, ferry_value_t **out);

static int read_schemaless(ctx_t *x, json_object *j, ferry_value_t **out)
{
        ferry_value_t *v = NULL;
        switch (json_object_get_type(j)) {
        case json_type_null:
                *out = NULL;
                return 0;
        case json_type_boolean:
                v = ferry_value_bool(json_object_get_boolean(j));
                break;
        case json_type_int: {
                int64_t i = 0;
                if (get_int64(x, j, &i) < 0)
                        return -1;
                v = ferry_value_int(FERRY_TYPE_INT64, i);
                break;
        }
        case json_type_double:
                if (check_double(x, j) < 0)
                        return -1;
                v = ferry_value_float(FERRY_TYPE_FLOAT64, json_object_get_double(j));
                break;
        case json_type_string:
                v = ferry_value_string(json_object_get_string(j), (size_t)json_object_get_string_len(j));
                break;
        case json_type_array: {
                size_t n = json_object_array_length(j);
                if (!(v = ferry_value_array()))
                        return nomem(x);
                for (size_t i = 0; i < n; i++) {
                        ferry_value_t *item;
                        push(x, FRAME_INDEX, NULL, i);
                        int rc = read_schemaless(x, json_object_array_get_idx(j, i), &item);
                        pop(x);
                        if (rc < 0 || ferry_array_append(v, item) < 0) {
                                ferry_value_free(v);
                                return rc < 0 ? -1 : nomem(x);
                        }
                }
                break;
        }
        case json_type_object: {
                if (!(v = ferry_value_map()))
                        return nomem(x);
                json_object_object_foreach(j, key, val)
                {
                        ferry_value_t *item;
                        push(x, FRAME_KEY, key, 0);
                        int rc = read_schemaless(x, val, &item);
                        pop(x);
                        if (rc < 0) {
                                ferry_value_free(v);
                                return -1;
                        }
                        if (ferry_map_append(v, ferry_value_cstring(key), item) < 0) {
                                ferry_value_free(v);
                                return nomem(x);
                        }
                }
                break;
        }
        }
        if (!v)
                return nomem(x);
        *out = v;
        return 0;
}

static int read_logical(ctx_t *x, const ferry_schema_t *s, json_object *j, ferry_value_t **out, bool *done)
{
        *done = true;
        if (is_logical(s, FERRY_LOGICAL_DECIMAL)) {
                if (is_number(j)) {
                        int scale;
                        char err[256];
                        if (check_double(x, j) < 0)
                                return -1;
                        if (ferry_decimal_scale(s, &scale) < 0)
                                return fail(x,
                                            "Invalid Decimal schema: missing or invalid \"scale\" parameter");
                        if (json_object_is_type(j, json_type_int) && json_object_get_int64(j) == INT64_MAX &&
                            json_object_get_uint64(j) == UINT64_MAX)
                                return fail(x, "Decimal number too large");
                        const char *text = json_object_get_string(j);
                        err[0] = '\0';
                        *out = ferry_decimal_parse(text, strlen(text), scale, err, sizeof(err));
                        if (!*out)
                                return err[0] ? fail(x, "Invalid Decimal: %s", err) : nomem(x);
                        return 0;
                }
                if (json_object_is_type(j, json_type_string)) {
                        bool bad;
                        *out = base64_decode(json_object_get_string(j), (size_t)json_object_get_string_len(j),
                                             &bad);
                        if (!*out)
                                return bad ? fail(x, "Invalid bytes for Decimal field") : nomem(x);
                        if ((*out)->u.s.len == 0) {
                                ferry_value_free(*out);
                                *out = NULL;
                                return fail(x, "Invalid bytes for Decimal field: Zero length BigInteger");
                        }
                        return 0;
                }
                return fail(
                        x,
                        "Invalid type for Decimal, underlying representation should be numeric or bytes but "
                        "was %s",
                        node_type_java(j));
        }
        if (is_logical(s, FERRY_LOGICAL_DATE) || is_logical(s, FERRY_LOGICAL_TIME)) {
                const char *what = is_logical(s, FERRY_LOGICAL_DATE) ? "Date" : "Time";
                int64_t i = json_object_get_int64(j);
                if (!json_object_is_type(j, json_type_int) || i < INT32_MIN || i > INT32_MAX)
                        return fail(
                                x,
                                "Invalid type for %s, underlying representation should be integer but was %s",
                                what, node_type_java(j));
                *out = ferry_value_int(FERRY_TYPE_INT32, i);
                return *out ? 0 : nomem(x);
        }
        if (is_logical(s, FERRY_LOGICAL_TIMESTAMP)) {
                int64_t i = 0;
                if (!json_object_is_type(j, json_type_int))
                        return fail(x,
                                    "Invalid type for Timestamp, underlying representation should be "
                                    "integral but "
                                    "was %s",
                                    node_type_java(j));
                if (get_int64(x, j, &i) < 0)
                        return -1;
                *out = ferry_value_int(FERRY_TYPE_INT64, i);
                return *out ? 0 : nomem(x);
        }
        *done = false;
        return 0;
}

static int read_int(ctx_t *x, const ferry_schema_t *s, json_object *j, ferry_value_t **out)
{
        int64_t v = 0, lo = INT64_MIN, hi = INT64_MAX;
        if (json_object_is_type(j, json_type_int)) {
                if (get_int64(x, j, &v) < 0)
                        return -1;
        } else if (json_object_is_type(j, json_type_double)) {
                /* Java truncates; only integral values are taken here. */
                double d = json_object_get_double(j);
                if (d != floor(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0)
                        return fail(x, "expected %s, got %s", ferry_type_name(s->type),
                                    json_object_get_string(j));
                v = (int64_t)d;
        } else {
                return fail(x, "expected %s, got %s", ferry_type_name(s->type), node_type(j));
        }
        if (s->type == FERRY_TYPE_INT8) {
                lo = INT8_MIN;
                hi = INT8_MAX;
        } else if (s->type == FERRY_TYPE_INT16) {
                lo = INT16_MIN;
                hi = INT16_MAX;
        } else if (s->type == FERRY_TYPE_INT32) {
                lo = INT32_MIN;
                hi = INT32_MAX;
        }
        if (v < lo || v > hi)
                return fail(x, "value %" PRId64 " out of range for %s", v, ferry_type_name(s->type));
        *out = ferry_value_int(s->type, v);
        return *out ? 0 : nomem(x);
}

static int read_float(ctx_t *x, const ferry_schema_t *s, json_object *j, ferry_value_t **out)
{
        double d;
        if (json_object_is_type(j, json_type_int)) {
                d = (double)json_object_get_int64(j);
                if (json_object_get_int64(j) == INT64_MAX)
                        d = (double)json_object_get_uint64(j);
        } else if (json_object_is_type(j, json_type_double)) {
                if (check_double(x, j) < 0)
                        return -1;
                d = json_object_get_double(j);
        } else if (json_object_is_type(j, json_type_string) &&
                   strcmp(json_object_get_string(j), "NaN") == 0) {
                d = NAN; /* Jackson writes non-finite numbers as strings */
        } else if (json_object_is_type(j, json_type_string) &&
                   strcmp(json_object_get_string(j), "Infinity") == 0) {
                d = INFINITY;
        } else if (json_object_is_type(j, json_type_string) &&
                   strcmp(json_object_get_string(j), "-Infinity") == 0) {
                d = -INFINITY;
        } else {
                return fail(x, "expected %s, got %s", ferry_type_name(s->type), node_type(j));
        }
        *out = ferry_value_float(s->type, d);
        return *out ? 0 : nomem(x);
}

static int read_map(ctx_t *x, const ferry_schema_t *s, json_object *j, ferry_value_t **out)
{
        ferry_value_t *m = NULL;
        if (s->keys->type == FERRY_TYPE_STRING) {
                if (!json_object_is_type(j, json_type_object))
                        return fail(x,
                                    "Maps with string fields should be encoded as JSON objects, but found %s",
                                    node_type_java(j));
                if (!(m = ferry_value_map()))
                        return nomem(x);
                json_object_object_foreach(j, key, val)
                {
                        ferry_value_t *item;
                        push(x, FRAME_KEY, key, 0);
                        int rc = read_value(x, s->items, val, &item);
                        pop(x);
                        if (rc < 0) {
                                ferry_value_free(m);
                                return -1;
                        }
                        if (ferry_map_append(m, ferry_value_cstring(key), item) < 0) {
                                ferry_value_free(m);
                                return nomem(x);
                        }
                }
                *out = m;
                return 0;
        }
        if (!json_object_is_type(j, json_type_array))
                return fail(
                        x,
                        "Maps with non-string fields should be encoded as JSON array of tuples, but found %s",
                        node_type_java(j));
        if (!(m = ferry_value_map()))
                return nomem(x);
        size_t n = json_object_array_length(j);
        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(j, i);
                ferry_value_t *k = NULL, *val = NULL;
                int rc = 0;
                push(x, FRAME_INDEX, NULL, i);
                if (!json_object_is_type(e, json_type_array))
                        rc = fail(x, "Found invalid map entry instead of array tuple: %s", node_type_java(e));
                else if (json_object_array_length(e) != 2)
                        rc = fail(x, "Found invalid map entry, expected length 2 but found :%zu",
                                  json_object_array_length(e));
                if (rc == 0)
                        rc = read_value(x, s->keys, json_object_array_get_idx(e, 0), &k);
                if (rc == 0 && (rc = read_value(x, s->items, json_object_array_get_idx(e, 1), &val)) < 0)
                        ferry_value_free(k);
                pop(x);
                if (rc < 0) {
                        ferry_value_free(m);
                        return -1;
                }
                if (ferry_map_put(m, k, val) < 0) {
                        ferry_value_free(m);
                        return nomem(x);
                }
        }
        *out = m;
        return 0;
}

static int read_struct(ctx_t *x, const ferry_schema_t *s, json_object *j, ferry_value_t **out)
{
        if (!json_object_is_type(j, json_type_object))
                return fail(x, "Structs should be encoded as JSON objects, but found %s", node_type_java(j));
        ferry_value_t *st = ferry_value_struct((ferry_schema_t *)s);
        if (!st)
                return nomem(x);
        for (size_t i = 0; i < s->n_fields; i++) {
                const ferry_field_t *f = &s->fields[i];
                json_object *fj = NULL;
                json_object_object_get_ex(j, f->name, &fj);
                push(x, FRAME_FIELD, f->name, 0);
                int rc = read_value(x, f->schema, fj, &st->u.st.fields[i]);
                pop(x);
                if (rc < 0) {
                        ferry_value_free(st);
                        return -1;
                }
        }
        *out = st;
        return 0;
}

/* JsonConverter.convertToConnect, with the payload checked against the schema. */
static int read_value(ctx_t *x, const ferry_schema_t *s, json_object *j, ferry_value_t **out)
{
        *out = NULL;
        if (!s)
                return read_schemaless(x, j, out);
        if (!j) {
                if (s->default_value && x->c->replace_null) {
                        *out = ferry_value_copy(s->default_value);
                        return *out ? 0 : nomem(x);
                }
                if (s->optional)
                        return 0;
                return fail(x, "Invalid null value for required %s field", ferry_type_name(s->type));
        }
        if (s->name) {
                bool done;
                int rc = read_logical(x, s, j, out, &done);
                if (done)
                        return rc;
        }
        switch (s->type) {
        case FERRY_TYPE_BOOLEAN:
                if (!json_object_is_type(j, json_type_boolean))
                        return fail(x, "expected boolean, got %s", node_type(j));
                *out = ferry_value_bool(json_object_get_boolean(j));
                break;
        case FERRY_TYPE_INT8:
        case FERRY_TYPE_INT16:
        case FERRY_TYPE_INT32:
        case FERRY_TYPE_INT64:
                return read_int(x, s, j, out);
        case FERRY_TYPE_FLOAT32:
        case FERRY_TYPE_FLOAT64:
                return read_float(x, s, j, out);
        case FERRY_TYPE_STRING:
                if (!json_object_is_type(j, json_type_string))
                        return fail(x, "expected string, got %s", node_type(j));
                *out = ferry_value_string(json_object_get_string(j), (size_t)json_object_get_string_len(j));
                break;
        case FERRY_TYPE_BYTES: {
                bool bad;
                if (!json_object_is_type(j, json_type_string))
                        return fail(x, "expected bytes (a Base64 string), got %s", node_type(j));
                *out = base64_decode(json_object_get_string(j), (size_t)json_object_get_string_len(j), &bad);
                if (!*out && bad)
                        return fail(x, "Invalid bytes field: not Base64");
                break;
        }
        case FERRY_TYPE_ARRAY: {
                if (!json_object_is_type(j, json_type_array))
                        return fail(x, "expected array, got %s", node_type(j));
                ferry_value_t *a = ferry_value_array();
                if (!a)
                        return nomem(x);
                size_t n = json_object_array_length(j);
                for (size_t i = 0; i < n; i++) {
                        ferry_value_t *item;
                        push(x, FRAME_INDEX, NULL, i);
                        int rc = read_value(x, s->items, json_object_array_get_idx(j, i), &item);
                        pop(x);
                        if (rc < 0 || ferry_array_append(a, item) < 0) {
                                ferry_value_free(a);
                                return rc < 0 ? -1 : nomem(x);
                        }
                }
                *out = a;
                return 0;
        }
        case FERRY_TYPE_MAP:
                return read_map(x, s, j, out);
        case FERRY_TYPE_STRUCT:
                return read_struct(x, s, j, out);
        }
        return *out ? 0 : nomem(x);
}

/* JsonConverter.asConnectSchema. j is not JSON null. */
static int read_schema(ctx_t *x, json_object *j, ferry_schema_t **out)
{
        json_object *t = NULL, *n = NULL;
        ferry_schema_t *s = NULL;
        *out = NULL;
        if (!json_object_is_type(j, json_type_object) || !json_object_object_get_ex(j, "type", &t) ||
            !json_object_is_type(t, json_type_string))
                return fail(x, "Schema must contain 'type' field");
        const char *tname = json_object_get_string(t);
        int type = ferry_type_from_name(tname);
        if (type < 0 || strcmp(ferry_type_name((ferry_type_t)type), tname) != 0)
                return fail(x, "Unknown schema type: %s", tname);
        switch (type) {
        case FERRY_TYPE_ARRAY: {
                ferry_schema_t *items;
                if (!json_object_object_get_ex(j, "items", &n) || !n)
                        return fail(x, "Array schema did not specify the element type");
                if (read_schema(x, n, &items) < 0)
                        return -1;
                if (!(s = ferry_schema_array(items)))
                        return nomem(x);
                break;
        }
        case FERRY_TYPE_MAP: {
                json_object *kj = NULL, *vj = NULL;
                ferry_schema_t *ks, *vs;
                if (!json_object_object_get_ex(j, "keys", &kj) || !kj)
                        return fail(x, "Map schema did not specify the key type");
                if (!json_object_object_get_ex(j, "values", &vj) || !vj)
                        return fail(x, "Map schema did not specify the value type");
                if (read_schema(x, kj, &ks) < 0)
                        return -1;
                if (read_schema(x, vj, &vs) < 0) {
                        ferry_schema_unref(ks);
                        return -1;
                }
                if (!(s = ferry_schema_map(ks, vs)))
                        return nomem(x);
                break;
        }
        case FERRY_TYPE_STRUCT: {
                if (!json_object_object_get_ex(j, "fields", &n) || !json_object_is_type(n, json_type_array))
                        return fail(x, "Struct schema's \"fields\" argument is not an array.");
                if (!(s = ferry_schema_new(FERRY_TYPE_STRUCT)))
                        return nomem(x);
                size_t nf = json_object_array_length(n);
                for (size_t i = 0; i < nf; i++) {
                        json_object *f = json_object_array_get_idx(n, i), *fname = NULL;
                        ferry_schema_t *fs;
                        if (!json_object_is_type(f, json_type_object) ||
                            !json_object_object_get_ex(f, "field", &fname) ||
                            !json_object_is_type(fname, json_type_string)) {
                                ferry_schema_unref(s);
                                return fail(x, "Struct schema's field name not specified properly");
                        }
                        const char *name = json_object_get_string(fname);
                        if (ferry_schema_field(s, name)) {
                                ferry_schema_unref(s);
                                return fail(x, "Cannot create field because of field name duplication %s",
                                            name);
                        }
                        push(x, FRAME_FIELD, name, 0);
                        int rc = read_schema(x, f, &fs);
                        pop(x);
                        if (rc < 0) {
                                ferry_schema_unref(s);
                                return -1;
                        }
                        if (ferry_schema_add_field(s, name, fs) < 0) {
                                ferry_schema_unref(s);
                                return nomem(x);
                        }
                }
                break;
        }
        default:
                if (!(s = ferry_schema_new((ferry_type_t)type)))
                        return nomem(x);
        }

        if (json_object_object_get_ex(j, "optional", &n) && json_object_is_type(n, json_type_boolean))
                s->optional = json_object_get_boolean(n);
        if (json_object_object_get_ex(j, "name", &n) && json_object_is_type(n, json_type_string) &&
            ferry_schema_set_name(s, json_object_get_string(n)) < 0)
                goto oom;
        if (json_object_object_get_ex(j, "version", &n) && json_object_is_type(n, json_type_int)) {
                s->has_version = true;
                s->version = (int32_t)json_object_get_int64(n);
        }
        if (json_object_object_get_ex(j, "doc", &n) && json_object_is_type(n, json_type_string) &&
            ferry_schema_set_doc(s, json_object_get_string(n)) < 0)
                goto oom;
        if (json_object_object_get_ex(j, "parameters", &n) && json_object_is_type(n, json_type_object)) {
                json_object_object_foreach(n, pk, pv)
                {
                        if (!json_object_is_type(pv, json_type_string)) {
                                ferry_schema_unref(s);
                                return fail(x, "Schema parameters must have string values.");
                        }
                        if (ferry_schema_set_param(s, pk, json_object_get_string(pv)) < 0)
                                goto oom;
                }
        }
        if (json_object_object_get_ex(j, "default", &n)) {
                ferry_value_t *def;
                if (n && s->type == FERRY_TYPE_STRUCT) {
                        /* Java cannot build these either (a Struct's schema never equals a SchemaBuilder). */
                        ferry_schema_unref(s);
                        return fail(x, "Invalid default value: struct schemas cannot have a default");
                }
                bool was = x->in_schema;
                x->in_schema = true;
                int rc = read_value(x, s, n, &def);
                x->in_schema = was;
                if (rc < 0) {
                        ferry_schema_unref(s);
                        return -1;
                }
                s->default_value = def;
        }
        *out = s;
        return 0;
oom:
        ferry_schema_unref(s);
        return nomem(x);
}

/* The Connect schema of envelope schema JSON, from the cache when seen recently. */
static int read_top_schema(ctx_t *x, json_object *j, ferry_schema_t **out)
{
        json_conv_t *c = x->c;
        if (!j) {
                *out = NULL;
                return 0;
        }
        for (size_t i = 0; i < c->n_rslots; i++) {
                rslot_t *r = &c->rcache[i];
                if (r->json && json_object_equal(r->json, j)) {
                        *out = ferry_schema_ref(r->schema);
                        return 0;
                }
        }
        x->in_schema = true;
        int rc = read_schema(x, j, out);
        x->in_schema = false;
        if (rc < 0 || !c->n_rslots)
                return rc;
        rslot_t *r = &c->rcache[c->next_rslot];
        c->next_rslot = (c->next_rslot + 1) % c->n_rslots;
        json_object_put(r->json);
        ferry_schema_unref(r->schema);
        r->json = json_object_get(j);
        r->schema = ferry_schema_ref(*out);
        return 0;
}

static bool all_space(const char *p, size_t len)
{
        for (size_t i = 0; i < len; i++)
                if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
                        return false;
        return true;
}

/* Parses data[0..len) as one JSON value followed by nothing but whitespace; the tokener's error
 * (json_tokener_success with *end < len: content after the value). */
static enum json_tokener_error parse_all(json_conv_t *c, const char *data, size_t len, json_object **root,
                                         size_t *end)
{
        json_tokener_reset(c->tok);
        *root = json_tokener_parse_ex(c->tok, data, (int)len);
        enum json_tokener_error jerr = json_tokener_get_error(c->tok);
        *end = len;
        if (jerr == json_tokener_continue) {
                /* A bare number at the end of the input waits for more digits: end the input. */
                *root = json_tokener_parse_ex(c->tok, "", 1);
                jerr = json_tokener_get_error(c->tok);
        } else if (jerr == json_tokener_success) {
                *end = json_tokener_get_parse_end(c->tok);
                if (!all_space(data + *end, len - *end))
                        return jerr;
                *end = len;
        }
        return jerr;
}

/* Remembers the schema text of an envelope whose schema was just read (as *schema). */
static void remember_envelope(json_conv_t *c, const char *text, size_t len, ferry_schema_t *schema)
{
        char *copy = malloc(len ? len : 1);
        if (!copy)
                return; /* no cache: the next record is parsed in full */
        memcpy(copy, text, len);
        free(c->env_text);
        ferry_schema_unref(c->env_schema);
        c->env_text = copy;
        c->env_len = len;
        c->env_schema = schema ? ferry_schema_ref(schema) : NULL;
}

/* The envelope's payload parsed alone, when its schema text is the one remembered: 1 done (rc in
 * *rc), 0 when the record needs the full parse (another schema, or a payload that does not parse:
 * the full parse reports it). */
static int read_known_envelope(ctx_t *x, const char *data, const ferry_json_span_t *ss,
                               const ferry_json_span_t *ps, ferry_schema_t **schema, ferry_value_t **value,
                               int *rc)
{
        json_conv_t *c = x->c;
        if (!c->env_text || ss->len != c->env_len || memcmp(data + ss->off, c->env_text, ss->len))
                return 0;
        json_object *pj = NULL;
        size_t end;
        if (parse_all(c, data + ps->off, ps->len, &pj, &end) != json_tokener_success || end != ps->len) {
                json_object_put(pj);
                return 0;
        }
        *schema = c->env_schema ? ferry_schema_ref(c->env_schema) : NULL;
        if ((*rc = read_value(x, *schema, pj, value)) < 0) {
                ferry_schema_unref(*schema);
                *schema = NULL;
        }
        json_object_put(pj);
        return 1;
}

static ferry_err_t json_to_connect(void *state, const char *topic, const void *data, size_t len,
                                   ferry_schema_t **schema, ferry_value_t **value, char *errstr,
                                   size_t errstr_size)
{
        json_conv_t *c = state;
        (void)topic;
        *schema = NULL;
        *value = NULL;
        if (!data)
                return FERRY_ERR_OK; /* tombstone */
        ctx_t x;
        ctx_init(&x, c, NULL, errstr, errstr_size);
        if (all_space(data, len)) {
                /* Jackson reads no content as a missing node: null without an envelope. */
                if (c->schemas_enable) {
                        snprintf(errstr, errstr_size, "%s", ENVELOPE_ERROR);
                        return FERRY_ERR_CONVERSION;
                }
                return FERRY_ERR_OK;
        }
        if (len > INT32_MAX) {
                snprintf(errstr, errstr_size,
                         "Converting byte[] to Kafka Connect data failed: message too large");
                return FERRY_ERR_CONVERSION;
        }
        int rc;
        ferry_json_span_t ss, ps;
        bool spans = c->schemas_enable && c->n_rslots &&
                     ferry_json_envelope_spans_known(data, len, c->env_text, c->env_len, &ss, &ps);
        if (spans && read_known_envelope(&x, data, &ss, &ps, schema, value, &rc))
                return rc < 0 ? x.err : FERRY_ERR_OK;
        json_object *root;
        size_t end;
        enum json_tokener_error jerr = parse_all(c, data, len, &root, &end);
        if (jerr != json_tokener_success || end != len) {
                if (jerr == json_tokener_success)
                        snprintf(errstr, errstr_size,
                                 "Converting byte[] to Kafka Connect data failed due to serialization error: "
                                 "unexpected content after the JSON value at offset %zu",
                                 end);
                else
                        snprintf(errstr, errstr_size,
                                 "Converting byte[] to Kafka Connect data failed due to serialization error: "
                                 "%s "
                                 "at offset %zu",
                                 json_tokener_error_desc(jerr), json_tokener_get_parse_end(c->tok));
                json_object_put(root);
                return FERRY_ERR_CONVERSION;
        }

        if (c->schemas_enable) {
                json_object *sj = NULL, *pj = NULL;
                if (!json_object_is_type(root, json_type_object) || json_object_object_length(root) != 2 ||
                    !json_object_object_get_ex(root, "schema", &sj) ||
                    !json_object_object_get_ex(root, "payload", &pj)) {
                        json_object_put(root);
                        snprintf(errstr, errstr_size, "%s", ENVELOPE_ERROR);
                        return FERRY_ERR_CONVERSION;
                }
                rc = read_top_schema(&x, sj, schema);
                if (rc == 0 && spans)
                        remember_envelope(c, (const char *)data + ss.off, ss.len, *schema);
                if (rc == 0 && (rc = read_value(&x, *schema, pj, value)) < 0) {
                        ferry_schema_unref(*schema);
                        *schema = NULL;
                }
        } else {
                rc = read_value(&x, NULL, root, value);
        }
        json_object_put(root);
        return rc < 0 ? x.err : FERRY_ERR_OK;
}

/* ---- lifecycle ---- */

static void json_close(void *state)
{
        json_conv_t *c = state;
        if (!c)
                return;
        for (size_t i = 0; i < c->n_wslots; i++)
                wslot_clear(&c->wcache[i]);
        free(c->wcache);
        for (size_t i = 0; i < c->n_rslots; i++) {
                json_object_put(c->rcache[i].json);
                ferry_schema_unref(c->rcache[i].schema);
        }
        free(c->rcache);
        free(c->env_text);
        ferry_schema_unref(c->env_schema);
        if (c->tok)
                json_tokener_free(c->tok);
        free(c);
}

static ferry_err_t json_configure(void **state, const ferry_strmap_t *config, bool is_key, char *errstr,
                                  size_t errstr_size)
{
        ferry_cfg_errors_t errs;
        (void)is_key; /* converter.type changes nothing in how JSON is written */
        ferry_cfg_errors_init(&errs);
        *state = NULL;
        if (ferry_config_validate(json_config, config, &errs) > 0) {
                char *msg = ferry_cfg_errors_join(&errs);
                snprintf(errstr, errstr_size, "%s", msg ? msg : "invalid JsonConverter configuration");
                free(msg);
                ferry_cfg_errors_free(&errs);
                return FERRY_ERR_INVALID_CONFIG;
        }
        ferry_cfg_errors_free(&errs);

        json_conv_t *c = calloc(1, sizeof(*c));
        if (!c)
                return FERRY_ERR_NOMEM;
        c->schemas_enable = ferry_config_bool(json_config, config, "schemas.enable");
        c->replace_null = ferry_config_bool(json_config, config, "replace.null.with.default");
        const char *fmt = ferry_config_str(json_config, config, "decimal.format");
        c->decimal_numeric = fmt && strcasecmp(fmt, "NUMERIC") == 0;
        int64_t cache = ferry_config_int(json_config, config, "schemas.cache.size");
        if (cache < 0)
                cache = 0;
        c->n_wslots = cache > MAX_WRITE_SLOTS ? MAX_WRITE_SLOTS : (size_t)cache;
        c->n_rslots = cache > MAX_READ_SLOTS ? MAX_READ_SLOTS : (size_t)cache;
        if ((c->n_wslots && !(c->wcache = calloc(c->n_wslots, sizeof(*c->wcache)))) ||
            (c->n_rslots && !(c->rcache = calloc(c->n_rslots, sizeof(*c->rcache)))) ||
            !(c->tok = json_tokener_new_ex(MAX_DEPTH))) {
                json_close(c);
                return FERRY_ERR_NOMEM;
        }
        json_tokener_set_flags(c->tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        *state = c;
        return FERRY_ERR_OK;
}

const ferry_converter_plugin_t ferry_json_converter = {
        .info = FERRY_PLUGIN_INFO(
                ferry_converter_plugin_t, .type = FERRY_PLUGIN_CONVERTER,
                .class_name = "org.apache.kafka.connect.json.JsonConverter", .version = FERRY_VERSION,
                .aliases = json_aliases, .config = json_config,
                .doc = "JSON with an optional {\"schema\",\"payload\"} envelope, as Kafka Connect's "
                       "JsonConverter writes it."),
        .configure = json_configure,
        .from_connect = json_from_connect,
        .to_connect = json_to_connect,
        .close = json_close,
};
