/* Lenses MQTT source converters (stream-reactor's converters.source.*), in the data flow between
 * the broker and the runtime: the Lenses source's record builder (mqtt_lenses.c) hands each MQTT
 * message here and gets the record stream-reactor would have made of it:
 *   BytesConverter (default)          key MsgKey{topic, id} struct, value BYTES payload;
 *   JsonSimpleConverter               value from the JSON: objects -> structs named after the MQTT
 *                                     topic ('/' -> '_'; nested ones after their field), integers
 *                                     int64, other numbers float64, all primitives optional,
 *                                     arrays optional arrays typed by their first element, null
 *                                     an optional string; key MsgKey, or the WITHKEY values joined;
 *   JsonOptNullConverter              the same with required primitives;
 *   JsonConverterWithSchemaEvolution  as JsonSimple, structs named after the raw MQTT topic;
 *   JsonPassThroughConverter          schemaless: value the JSON text, key the WITHKEY values or
 *                                     "<topic><delimiter><id>".
 * Also here: the "$" target's topic name and the Lenses sink's JSON writer. */
#include "mqtt_lenses_convert.h"

#include <ferry/json.h>
#include <ferry/text.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
        const char *name;
        lenses_conv_kind_t kind;
} converters[] = {
        {"BytesConverter", LENSES_CONV_BYTES},
        {"JsonSimpleConverter", LENSES_CONV_JSON_SIMPLE},
        {"JsonOptNullConverter", LENSES_CONV_JSON_OPT_NULL},
        {"JsonPassThroughConverter", LENSES_CONV_JSON_PASS_THROUGH},
        {"JsonConverterWithSchemaEvolution", LENSES_CONV_JSON_SCHEMA_EVOLUTION},
};

#define DM_PREFIX     "com.datamountaineer.streamreactor.connect.converters.source."
#define LENSES_PREFIX "io.lenses.streamreactor.connect.converters.source."

static ferry_schema_t *msgkey_schema(bool lenses_package)
{
        ferry_schema_t *s =
                ferry_schema_struct(lenses_package ? "io.lenses.streamreactor.common.converters.MsgKey"
                                                   : "com.datamountaineer.streamreactor.connect."
                                                     "converters.MsgKey");
        if (!s)
                return NULL;
        if (ferry_schema_add_field(s, "topic", ferry_schema_new(FERRY_TYPE_STRING)) < 0 ||
            ferry_schema_add_field(s, "id", ferry_schema_new(FERRY_TYPE_STRING)) < 0) {
                ferry_schema_unref(s);
                return NULL;
        }
        return s;
}

int lenses_conv_init(lenses_conv_t *c, const char *cls, bool lenses_package, char *errstr, size_t errstr_size)
{
        memset(c, 0, sizeof(*c));
        c->kind = LENSES_CONV_BYTES;
        c->lenses_package = lenses_package;
        if (cls && *cls) {
                const char *simple = NULL;
                if (!strncmp(cls, DM_PREFIX, strlen(DM_PREFIX))) {
                        simple = cls + strlen(DM_PREFIX);
                        c->lenses_package = false;
                } else if (!strncmp(cls, LENSES_PREFIX, strlen(LENSES_PREFIX))) {
                        simple = cls + strlen(LENSES_PREFIX);
                        c->lenses_package = true;
                }
                size_t i = 0;
                for (; simple && i < sizeof(converters) / sizeof(converters[0]); i++)
                        if (!strcmp(simple, converters[i].name))
                                break;
                if (!simple || i == sizeof(converters) / sizeof(converters[0])) {
                        if (simple &&
                            (!strcmp(simple, "AvroConverter") || !strcmp(simple, "JsonResilientConverter")))
                                snprintf(errstr, errstr_size,
                                         "WITHCONVERTER `%s`: this converter is not supported by Ferry "
                                         "(supported: "
                                         "BytesConverter, JsonSimpleConverter, JsonOptNullConverter, "
                                         "JsonPassThroughConverter, JsonConverterWithSchemaEvolution)",
                                         cls);
                        else
                                snprintf(errstr, errstr_size,
                                         "WITHCONVERTER `%s`: unknown converter class (expected " DM_PREFIX
                                         "<name> or " LENSES_PREFIX
                                         "<name> with <name> one of BytesConverter, JsonSimpleConverter, "
                                         "JsonOptNullConverter, JsonPassThroughConverter, "
                                         "JsonConverterWithSchemaEvolution)",
                                         cls);
                        return -1;
                }
                c->kind = converters[i].kind;
        }
        c->msgkey = msgkey_schema(c->lenses_package);
        if (!c->msgkey) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        return 0;
}

void lenses_conv_free(lenses_conv_t *c)
{
        ferry_schema_unref(c->msgkey);
        c->msgkey = NULL;
}

char *lenses_dollar_topic(const char *mqtt_topic)
{
        size_t n = strlen(mqtt_topic);
        char *out = malloc(n + 1);
        if (!out)
                return NULL;
        const char *first = strchr(mqtt_topic, '/');
        size_t o = 0;
        bool in_run = false;
        for (const char *p = mqtt_topic; *p; p++) {
                if (p == first)
                        continue; /* String.replaceFirst("/", "") */
                if (*p == '/') {
                        if (!in_run)
                                out[o++] = '_';
                        in_run = true;
                        continue;
                }
                in_run = false;
                out[o++] = *p;
        }
        out[o] = 0;
        return out;
}

/* ---- JSON -> Connect, as stream-reactor's json4s-based converters type it ---- */

typedef struct {
        bool required_primitives; /* JsonOptNullConverter */
        bool rename;              /* struct names with '/' -> '_' (not with schema evolution) */
        char *errstr;
        size_t errstr_size;
} json_mode_t;

static ferry_schema_t *primitive(const json_mode_t *m, ferry_type_t type)
{
        return m->required_primitives ? ferry_schema_new(type) : ferry_schema_optional(type);
}

static char *struct_name(const json_mode_t *m, const char *name)
{
        char *n = strdup(name);
        if (n && m->rename)
                for (char *p = n; *p; p++)
                        if (*p == '/')
                                *p = '_';
        return n;
}

/* Types JSON value j (NULL = JSON null) found under name: *schema and *out (a new value). */
static int from_json(const json_mode_t *m, const char *name, const ferry_value_t *j, ferry_schema_t **schema,
                     ferry_value_t **out, int depth)
{
        *schema = NULL;
        *out = NULL;
        if (depth > 64) {
                snprintf(m->errstr, m->errstr_size, "the JSON is nested too deeply");
                return -1;
        }
        if (!j) {
                *schema = ferry_schema_optional(FERRY_TYPE_STRING);
                return *schema ? 0 : -1;
        }
        switch (j->type) {
        case FERRY_TYPE_BOOLEAN:
                *schema = primitive(m, FERRY_TYPE_BOOLEAN);
                *out = ferry_value_bool(j->u.b);
                break;
        case FERRY_TYPE_INT8:
        case FERRY_TYPE_INT16:
        case FERRY_TYPE_INT32:
        case FERRY_TYPE_INT64:
                *schema = primitive(m, FERRY_TYPE_INT64);
                *out = ferry_value_int(FERRY_TYPE_INT64, j->u.i);
                break;
        case FERRY_TYPE_FLOAT32:
        case FERRY_TYPE_FLOAT64:
                *schema = primitive(m, FERRY_TYPE_FLOAT64);
                *out = ferry_value_float(FERRY_TYPE_FLOAT64, j->u.f);
                break;
        case FERRY_TYPE_STRING:
                *schema = primitive(m, FERRY_TYPE_STRING);
                *out = ferry_value_string(j->u.s.data, j->u.s.len);
                break;
        case FERRY_TYPE_ARRAY: {
                if (j->u.a.n == 0) {
                        snprintf(m->errstr, m->errstr_size,
                                 "field '%s': an empty JSON array has no element to type it by", name);
                        return -1;
                }
                ferry_schema_t *items = NULL;
                ferry_value_t *arr = ferry_value_array();
                if (!arr)
                        return -1;
                for (size_t i = 0; i < j->u.a.n; i++) {
                        ferry_schema_t *es;
                        ferry_value_t *ev;
                        if (from_json(m, name, j->u.a.items[i], &es, &ev, depth + 1) < 0 ||
                            ferry_array_append(arr, ev) < 0) {
                                ferry_schema_unref(items);
                                ferry_value_free(arr);
                                return -1;
                        }
                        if (i == 0)
                                items = es;
                        else
                                ferry_schema_unref(es);
                }
                *schema = ferry_schema_array(items);
                if (*schema)
                        ferry_schema_set_optional(*schema, true);
                *out = arr;
                break;
        }
        case FERRY_TYPE_MAP: {
                char *sname = struct_name(m, name);
                ferry_schema_t *st = sname ? ferry_schema_struct(sname) : NULL;
                free(sname);
                if (!st)
                        return -1;
                size_t n = j->u.m.n;
                ferry_value_t **vals = calloc(n ? n : 1, sizeof(*vals));
                if (!vals) {
                        ferry_schema_unref(st);
                        return -1;
                }
                int rc = 0;
                for (size_t i = 0; i < n && rc == 0; i++) {
                        const ferry_value_t *k = j->u.m.keys[i];
                        const char *fname = k && k->type == FERRY_TYPE_STRING ? k->u.s.data : "";
                        ferry_schema_t *fs;
                        rc = from_json(m, fname, j->u.m.vals[i], &fs, &vals[i], depth + 1);
                        if (rc == 0 && ferry_schema_field(st, fname)) {
                                /* A repeated key: the last one wins, as in json4s' toMap. */
                                ferry_schema_unref(fs);
                                continue;
                        }
                        if (rc == 0 && ferry_schema_add_field(st, fname, fs) < 0)
                                rc = -1;
                }
                ferry_value_t *sv = rc == 0 ? ferry_value_struct(st) : NULL;
                for (size_t i = 0; i < n; i++) {
                        const ferry_value_t *k = j->u.m.keys[i];
                        const char *fname = k && k->type == FERRY_TYPE_STRING ? k->u.s.data : "";
                        if (sv && ferry_struct_put(sv, fname, vals[i]) == 0)
                                vals[i] = NULL;
                        ferry_value_free(vals[i]);
                }
                free(vals);
                if (!sv) {
                        ferry_schema_unref(st);
                        return -1;
                }
                *schema = st;
                *out = sv;
                return 0;
        }
        default:
                snprintf(m->errstr, m->errstr_size, "unexpected JSON value");
                return -1;
        }
        if (!*schema) {
                ferry_value_free(*out);
                *out = NULL;
                return -1;
        }
        return 0;
}

/* Java's toString of a primitive key value (Values.convertToString agrees on primitives). */
static int put_key_text(ferry_buf_t *b, const ferry_value_t *v)
{
        switch (v->type) {
        case FERRY_TYPE_BOOLEAN:
        case FERRY_TYPE_INT8:
        case FERRY_TYPE_INT16:
        case FERRY_TYPE_INT32:
        case FERRY_TYPE_INT64:
        case FERRY_TYPE_FLOAT32:
        case FERRY_TYPE_FLOAT64:
        case FERRY_TYPE_STRING:
                return ferry_values_string(b, NULL, v);
        default:
                return -1;
        }
}

/* The WITHKEY values of a converted struct (schema-typed) or of the parsed JSON (pass-through),
 * joined by the delimiter. Fields that are JSON null are left out (pass-through), as
 * stream-reactor's flatMap over Option does; a missing field or a null struct field fails. */
static char *key_text(const lenses_keys_t *keys, const ferry_value_t *root, bool schemaless, char *errstr,
                      size_t errstr_size)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        bool first = true;
        for (size_t k = 0; k < keys->n; k++) {
                const char *path = keys->fields[k];
                const ferry_value_t *cur = root;
                const char *seg = path;
                bool missing = false, is_null = false;
                while (seg) {
                        const char *dot = strchr(seg, '.');
                        size_t len = dot ? (size_t)(dot - seg) : strlen(seg);
                        char name[256];
                        if (len >= sizeof(name)) {
                                missing = true;
                                break;
                        }
                        memcpy(name, seg, len);
                        name[len] = 0;
                        if (!cur ||
                            (schemaless ? cur->type != FERRY_TYPE_MAP : cur->type != FERRY_TYPE_STRUCT)) {
                                snprintf(
                                        errstr, errstr_size,
                                        "Invalid field selection for [%s]. It doesn't resolve to a primitive "
                                        "field",
                                        path);
                                ferry_buf_free(&b);
                                return NULL;
                        }
                        if (schemaless) {
                                bool found = false;
                                const ferry_value_t *next = NULL;
                                for (size_t i = 0; i < cur->u.m.n; i++) {
                                        const ferry_value_t *kk = cur->u.m.keys[i];
                                        if (kk && kk->type == FERRY_TYPE_STRING &&
                                            !strcmp(kk->u.s.data, name)) {
                                                found = true;
                                                next = cur->u.m.vals[i];
                                        }
                                }
                                missing = !found;
                                cur = next;
                        } else {
                                missing = !ferry_schema_field(cur->u.st.schema, name);
                                cur = missing ? NULL : ferry_struct_get(cur, name);
                        }
                        if (missing)
                                break;
                        seg = dot ? dot + 1 : NULL;
                        if (!cur) {
                                is_null = true;
                                if (seg || !schemaless)
                                        break;
                        }
                }
                if (missing || (is_null && !schemaless) || (is_null && seg)) {
                        snprintf(errstr, errstr_size, "Invalid field selection for [%s]: %s", path,
                                 missing ? "no such field" : "the field is null");
                        ferry_buf_free(&b);
                        return NULL;
                }
                if (is_null)
                        continue;
                if ((!first && ferry_buf_puts(&b, keys->delimiter) < 0) || put_key_text(&b, cur) < 0) {
                        snprintf(errstr, errstr_size,
                                 "Invalid field selection for [%s]. It doesn't resolve to a primitive field",
                                 path);
                        ferry_buf_free(&b);
                        return NULL;
                }
                first = false;
        }
        if (ferry_buf_putc(&b, 0) < 0) {
                ferry_buf_free(&b);
                return NULL;
        }
        return ferry_buf_steal(&b);
}

static ferry_value_t *msgkey_value(const lenses_conv_t *c, const char *topic, const char *id)
{
        ferry_value_t *k = ferry_value_struct(c->msgkey);
        if (k &&
            (ferry_struct_put_string(k, "topic", topic) < 0 || ferry_struct_put_string(k, "id", id) < 0)) {
                ferry_value_free(k);
                return NULL;
        }
        return k;
}

ferry_record_t *lenses_convert(const lenses_conv_t *c, const char *kafka_topic, const char *mqtt_topic,
                               int message_id, const void *payload, size_t len, const lenses_keys_t *keys,
                               char *errstr, size_t errstr_size)
{
        char id[16];
        snprintf(id, sizeof(id), "%d", message_id);
        if (c->kind == LENSES_CONV_BYTES) {
                ferry_record_t *r = ferry_record_new(
                        kafka_topic, ferry_schema_ref(c->msgkey), msgkey_value(c, mqtt_topic, id),
                        ferry_schema_new(FERRY_TYPE_BYTES), ferry_value_bytes(payload, len));
                if (!r)
                        snprintf(errstr, errstr_size, "out of memory");
                return r;
        }
        char why[400];
        ferry_value_t *json = ferry_json_read(payload, len, why, sizeof(why));
        bool json_null = !json && !strcmp(why, "JSON null");
        if (!json && !json_null) {
                snprintf(errstr, errstr_size, "Failed to parse json message from MQTT topic '%s': %s",
                         mqtt_topic, why);
                return NULL;
        }
        ferry_record_t *r = NULL;
        if (c->kind == LENSES_CONV_JSON_PASS_THROUGH) {
                char *key = keys->n && json ? key_text(keys, json, true, errstr, errstr_size) : strdup("");
                ferry_value_free(json);
                if (!key)
                        return NULL;
                if (!*key) {
                        free(key);
                        size_t kl = strlen(mqtt_topic) + strlen(keys->delimiter) + strlen(id) + 1;
                        key = malloc(kl);
                        if (!key)
                                return NULL;
                        snprintf(key, kl, "%s%s%s", mqtt_topic, keys->delimiter, id);
                }
                r = ferry_record_new(kafka_topic, NULL, ferry_value_cstring(key), NULL,
                                     ferry_value_string(payload, len));
                free(key);
                if (!r)
                        snprintf(errstr, errstr_size, "out of memory");
                return r;
        }
        json_mode_t m = {
                .required_primitives = c->kind == LENSES_CONV_JSON_OPT_NULL,
                .rename = c->kind != LENSES_CONV_JSON_SCHEMA_EVOLUTION,
                .errstr = errstr,
                .errstr_size = errstr_size,
        };
        ferry_schema_t *vs;
        ferry_value_t *vv;
        errstr[0] = 0;
        int rc = from_json(&m, mqtt_topic, json, &vs, &vv, 0);
        ferry_value_free(json);
        if (rc < 0) {
                if (!errstr[0])
                        snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        if (keys->n && vv && vv->type == FERRY_TYPE_STRUCT) {
                char *key = key_text(keys, vv, false, errstr, errstr_size);
                if (!key) {
                        ferry_schema_unref(vs);
                        ferry_value_free(vv);
                        return NULL;
                }
                r = ferry_record_new(kafka_topic, ferry_schema_new(FERRY_TYPE_STRING),
                                     ferry_value_cstring(key), vs, vv);
                free(key);
        } else {
                r = ferry_record_new(kafka_topic, ferry_schema_ref(c->msgkey),
                                     msgkey_value(c, mqtt_topic, id), vs, vv);
        }
        if (!r)
                snprintf(errstr, errstr_size, "out of memory");
        return r;
}

/* ---- Connect -> JSON for the sink ---- */

int lenses_json_put(ferry_buf_t *b, const ferry_schema_t *s, const ferry_value_t *v, char *errstr,
                    size_t errstr_size)
{
        if (!v)
                return ferry_buf_puts(b, "null");
        if (!s)
                return ferry_json_put_value(b, v, errstr, errstr_size);
        if (s->name && !strcmp(s->name, FERRY_LOGICAL_DECIMAL) && v->type == FERRY_TYPE_BYTES) {
                int scale = 0;
                ferry_decimal_scale(s, &scale);
                char *d = ferry_decimal_format(v->u.s.data, v->u.s.len, scale);
                int rc = d ? ferry_buf_puts(b, d) : -1;
                free(d);
                return rc;
        }
        switch (v->type) {
        case FERRY_TYPE_STRUCT: {
                if (ferry_buf_putc(b, '{') < 0)
                        return -1;
                const ferry_schema_t *ss = v->u.st.schema;
                for (size_t i = 0; i < ss->n_fields; i++) {
                        if ((i && ferry_buf_putc(b, ',') < 0) ||
                            ferry_json_put_string(b, ss->fields[i].name, strlen(ss->fields[i].name)) < 0 ||
                            ferry_buf_putc(b, ':') < 0 ||
                            lenses_json_put(b, ss->fields[i].schema, v->u.st.fields[i], errstr, errstr_size) <
                                    0)
                                return -1;
                }
                return ferry_buf_putc(b, '}');
        }
        case FERRY_TYPE_ARRAY:
                if (ferry_buf_putc(b, '[') < 0)
                        return -1;
                for (size_t i = 0; i < v->u.a.n; i++)
                        if ((i && ferry_buf_putc(b, ',') < 0) ||
                            lenses_json_put(b, s->items, v->u.a.items[i], errstr, errstr_size) < 0)
                                return -1;
                return ferry_buf_putc(b, ']');
        case FERRY_TYPE_MAP: {
                if (ferry_buf_putc(b, '{') < 0)
                        return -1;
                for (size_t i = 0; i < v->u.m.n; i++) {
                        const ferry_value_t *k = v->u.m.keys[i];
                        ferry_buf_t kb;
                        ferry_buf_init(&kb);
                        int rc = 0;
                        if (k && k->type == FERRY_TYPE_STRING)
                                rc = ferry_buf_append(&kb, k->u.s.data, k->u.s.len);
                        else if (k)
                                rc = put_key_text(&kb, k);
                        else
                                rc = ferry_buf_puts(&kb, "null");
                        if (rc < 0 || (i && ferry_buf_putc(b, ',') < 0) ||
                            ferry_json_put_string(b, kb.p ? kb.p : "", kb.len) < 0 ||
                            ferry_buf_putc(b, ':') < 0 ||
                            lenses_json_put(b, s->items, v->u.m.vals[i], errstr, errstr_size) < 0) {
                                ferry_buf_free(&kb);
                                return -1;
                        }
                        ferry_buf_free(&kb);
                }
                return ferry_buf_putc(b, '}');
        }
        default:
                return ferry_json_put_value(b, v, errstr, errstr_size);
        }
}
