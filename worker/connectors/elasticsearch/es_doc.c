/* Documents of the Elasticsearch sink: for each record the index it goes to (Confluent's topic
 * name rules, data streams, routes with date patterns), the bulk action line (index / create /
 * update with doc_as_upsert / delete, _id from the key or topic+partition+offset, external
 * versions) and the JSON source (JsonConverter's schemaless rendering after Confluent's
 * preprocessing), plus the index mapping derived from a Connect schema. Called by es_sink.c for
 * every record of a put(); pure functions, no I/O. */
#define _POSIX_C_SOURCE 200809L

#include "es_sink.h"

#include <ferry/json.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void es_index_for_topic(const char *topic, char *out, size_t out_size)
{
        char tmp[256];
        size_t n = 0;
        for (const char *p = topic; *p && n < 255; p++)
                tmp[n++] = (char)tolower((unsigned char)*p);
        tmp[n] = '\0';
        const char *s = tmp;
        if (*s == '-' || *s == '_')
                s++;
        if (!strcmp(s, "."))
                s = "dot";
        else if (!strcmp(s, ".."))
                s = "dotdot";
        snprintf(out, out_size, "%s", s);
}

/* Expands ${topic} and ${<SimpleDateFormat>} (the record's timestamp, UTC) in pattern. */
static int expand(const char *pattern, const ferry_record_t *r, ferry_buf_t *b, char *errstr,
                  size_t errstr_size)
{
        for (const char *p = pattern; *p;) {
                const char *open = strstr(p, "${");
                if (!open) {
                        ferry_buf_puts(b, p);
                        break;
                }
                ferry_buf_append(b, p, (size_t)(open - p));
                const char *close = strchr(open + 2, '}');
                if (!close) {
                        snprintf(errstr, errstr_size, "unterminated ${ in index pattern %s", pattern);
                        return -1;
                }
                size_t len = (size_t)(close - open - 2);
                if (len == 5 && !strncmp(open + 2, "topic", 5)) {
                        ferry_buf_puts(b, r->topic);
                } else {
                        char fmt[128];
                        snprintf(fmt, sizeof(fmt), "%.*s", (int)len, open + 2);
                        char perr[200];
                        ferry_datefmt_t *f = ferry_datefmt_compile(fmt, perr, sizeof(perr));
                        if (!f) {
                                snprintf(errstr, errstr_size, "index pattern %s: %s", pattern, perr);
                                return -1;
                        }
                        if (r->timestamp < 0) {
                                ferry_datefmt_free(f);
                                snprintf(errstr, errstr_size,
                                         "index pattern %s needs the record's timestamp, and it has none",
                                         pattern);
                                return -1;
                        }
                        char *d = ferry_datefmt_format(f, r->timestamp);
                        ferry_datefmt_free(f);
                        if (!d)
                                return -1;
                        ferry_buf_puts(b, d);
                        free(d);
                }
                p = close + 1;
        }
        return 0;
}

int es_index_for_record(const es_settings_t *s, const ferry_record_t *r, char *out, size_t out_size,
                        char *errstr, size_t errstr_size)
{
        const char *pattern = NULL;
        for (size_t i = 0; i < s->n_routes; i++)
                if (!strcmp(s->routes[i].topic, r->topic))
                        pattern = s->routes[i].pattern;
        ferry_buf_t b;
        ferry_buf_init(&b);
        int rc = 0;
        if (pattern) {
                rc = expand(pattern, r, &b, errstr, errstr_size);
        } else if (s->ds_type) {
                ferry_buf_printf(&b, "%s-%s-", s->ds_type, s->ds_dataset);
                rc = expand(s->ds_namespace, r, &b, errstr, errstr_size);
        } else {
                ferry_buf_puts(&b, r->topic);
        }
        if (rc == 0 && (!b.p || !b.len)) {
                snprintf(errstr, errstr_size, "empty index name for topic %s", r->topic);
                rc = -1;
        }
        if (rc == 0)
                es_index_for_topic(b.p, out, out_size);
        ferry_buf_free(&b);
        return rc;
}

static bool in_list(char *const *list, size_t n, const char *topic)
{
        for (size_t i = 0; i < n; i++)
                if (!strcmp(list[i], topic))
                        return true;
        return false;
}

bool es_ignore_key(const es_settings_t *s, const char *topic)
{
        return s->key_ignore || in_list(s->topic_key_ignore, s->n_topic_key_ignore, topic);
}

bool es_ignore_schema(const es_settings_t *s, const char *topic)
{
        return s->schema_ignore || in_list(s->topic_schema_ignore, s->n_topic_schema_ignore, topic);
}

static bool is_logical(const ferry_schema_t *s, const char *name)
{
        return s && s->name && !strcmp(s->name, name);
}

static int put_json(const es_settings_t *st, const ferry_schema_t *s, const ferry_value_t *v, ferry_buf_t *b,
                    int depth, char *errstr, size_t errstr_size);

static int put_map(const es_settings_t *st, const ferry_schema_t *s, const ferry_value_t *v, ferry_buf_t *b,
                   int depth, char *errstr, size_t errstr_size)
{
        bool compact = st->compact_map_entries && s->keys && s->keys->type == FERRY_TYPE_STRING;
        ferry_buf_putc(b, compact ? '{' : '[');
        for (size_t i = 0; i < v->u.m.n; i++) {
                if (i)
                        ferry_buf_putc(b, ',');
                const ferry_value_t *k = v->u.m.keys[i];
                if (compact) {
                        if (!k || k->type != FERRY_TYPE_STRING) {
                                snprintf(errstr, errstr_size, "a map key is not a string");
                                return -1;
                        }
                        ferry_json_put_string(b, k->u.s.data, k->u.s.len);
                        ferry_buf_putc(b, ':');
                } else {
                        ferry_buf_puts(b, "{\"key\":");
                        if (put_json(st, s->keys, k, b, depth + 1, errstr, errstr_size) < 0)
                                return -1;
                        ferry_buf_puts(b, ",\"value\":");
                }
                if (put_json(st, s->items, v->u.m.vals[i], b, depth + 1, errstr, errstr_size) < 0)
                        return -1;
                if (!compact)
                        ferry_buf_putc(b, '}');
        }
        ferry_buf_putc(b, compact ? '}' : ']');
        return 0;
}

static int put_json(const es_settings_t *st, const ferry_schema_t *s, const ferry_value_t *v, ferry_buf_t *b,
                    int depth, char *errstr, size_t errstr_size)
{
        if (depth > 64) {
                snprintf(errstr, errstr_size, "value nested too deeply");
                return -1;
        }
        if (!v && s && s->default_value)
                v = s->default_value;
        if (!v)
                return ferry_buf_puts(b, "null");
        if (!s)
                return ferry_json_put_value(b, v, errstr, errstr_size);
        if (is_logical(s, FERRY_LOGICAL_DECIMAL) && v->type == FERRY_TYPE_BYTES) {
                int scale = 0;
                ferry_decimal_scale(s, &scale);
                char *txt = ferry_decimal_format(v->u.s.data, v->u.s.len, scale);
                if (!txt)
                        return ferry_buf_puts(b, "0.0");
                double d = strtod(txt, NULL);
                free(txt);
                return ferry_json_put_double(b, d, false);
        }
        switch (v->type) {
        case FERRY_TYPE_INT8:
        case FERRY_TYPE_INT16:
        case FERRY_TYPE_INT32:
        case FERRY_TYPE_INT64:
                return ferry_json_put_int(b, v->u.i);
        case FERRY_TYPE_FLOAT32:
        case FERRY_TYPE_FLOAT64:
                return ferry_json_put_double(b, v->u.f, v->type == FERRY_TYPE_FLOAT32);
        case FERRY_TYPE_BOOLEAN:
                return ferry_buf_puts(b, v->u.b ? "true" : "false");
        case FERRY_TYPE_STRING:
                return ferry_json_put_string(b, v->u.s.data, v->u.s.len);
        case FERRY_TYPE_BYTES:
                return ferry_json_put_base64(b, v->u.s.data, v->u.s.len);
        case FERRY_TYPE_ARRAY:
                ferry_buf_putc(b, '[');
                for (size_t i = 0; i < v->u.a.n; i++) {
                        if (i)
                                ferry_buf_putc(b, ',');
                        if (put_json(st, s->items, v->u.a.items[i], b, depth + 1, errstr, errstr_size) < 0)
                                return -1;
                }
                return ferry_buf_putc(b, ']');
        case FERRY_TYPE_MAP:
                return put_map(st, s, v, b, depth, errstr, errstr_size);
        case FERRY_TYPE_STRUCT: {
                const ferry_schema_t *vs = v->u.st.schema ? v->u.st.schema : s;
                ferry_buf_putc(b, '{');
                for (size_t i = 0; i < vs->n_fields; i++) {
                        if (i)
                                ferry_buf_putc(b, ',');
                        ferry_json_put_string(b, vs->fields[i].name, strlen(vs->fields[i].name));
                        ferry_buf_putc(b, ':');
                        if (put_json(st, vs->fields[i].schema, v->u.st.fields[i], b, depth + 1, errstr,
                                     errstr_size) < 0)
                                return -1;
                }
                return ferry_buf_putc(b, '}');
        }
        }
        snprintf(errstr, errstr_size, "unsupported value type");
        return -1;
}

int es_value_json(const es_settings_t *s, const ferry_schema_t *schema, const ferry_value_t *v,
                  ferry_buf_t *b, char *errstr, size_t errstr_size)
{
        return put_json(s, schema, v, b, 0, errstr, errstr_size);
}

/* The document id a key gives: integers and strings, as Confluent's convertKey. */
static int key_id(const ferry_record_t *r, ferry_buf_t *id, char *errstr, size_t errstr_size)
{
        const ferry_value_t *k = r->key;
        if (!k) {
                snprintf(errstr, errstr_size, "Key is used as document id and can not be null.");
                return -1;
        }
        switch (k->type) {
        case FERRY_TYPE_INT8:
        case FERRY_TYPE_INT16:
        case FERRY_TYPE_INT32:
        case FERRY_TYPE_INT64:
                return ferry_buf_printf(id, "%lld", (long long)k->u.i);
        case FERRY_TYPE_STRING:
                return ferry_buf_append(id, k->u.s.data, k->u.s.len);
        default:
                snprintf(errstr, errstr_size,
                         "Unsupported key schema: %s (the document id is the key: key.ignore=false)",
                         ferry_type_name(k->type));
                return -1;
        }
}

/* external.version.header: the header's value as a version. */
static int header_version(const es_settings_t *s, const ferry_record_t *r, int64_t *out, char *errstr,
                          size_t errstr_size)
{
        for (size_t i = r->n_headers; i-- > 0;) {
                const ferry_header_t *h = &r->headers[i];
                if (strcmp(h->key, s->version_header) != 0)
                        continue;
                const ferry_value_t *v = h->value;
                if (v && v->type >= FERRY_TYPE_INT8 && v->type <= FERRY_TYPE_INT64) {
                        *out = v->u.i;
                        return 0;
                }
                if (v && (v->type == FERRY_TYPE_STRING || v->type == FERRY_TYPE_BYTES) &&
                    ferry_parse_int64(v->u.s.data, out) == 0)
                        return 0;
                snprintf(errstr, errstr_size, "header %s (external.version.header) is not a number",
                         s->version_header);
                return -1;
        }
        snprintf(errstr, errstr_size, "record has no header %s (external.version.header)", s->version_header);
        return -1;
}

/* A field of a struct or string-keyed map value, NULL when absent. */
static const ferry_value_t *field_of(const ferry_value_t *v, const ferry_schema_t **fs, const char *name)
{
        *fs = NULL;
        if (!v)
                return NULL;
        if (v->type == FERRY_TYPE_MAP)
                return ferry_map_get_str(v, name);
        if (v->type == FERRY_TYPE_STRUCT && v->u.st.schema) {
                const ferry_field_t *f = ferry_schema_field(v->u.st.schema, name);
                if (f) {
                        *fs = f->schema;
                        return v->u.st.fields[f->index];
                }
        }
        return NULL;
}

int es_doc_append(const es_settings_t *s, const ferry_record_t *r, const char *index, ferry_buf_t *b,
                  es_act_kind_t *kind, char *errstr, size_t errstr_size)
{
        *kind = ES_ACT_SKIP;
        bool ignore_key = es_ignore_key(s, r->topic);
        bool del = false;
        if (!r->value) {
                if (s->on_null == ES_NULL_IGNORE)
                        return 0;
                if (s->on_null == ES_NULL_FAIL) {
                        snprintf(errstr, errstr_size,
                                 "Sink record with key of %s and null value encountered for "
                                 "topic/partition/offset "
                                 "%s/%d/%lld (to ignore future records like this change the configuration "
                                 "property "
                                 "'behavior.on.null.values' from 'fail' to 'ignore')",
                                 r->key ? "(set)" : "null", r->topic, (int)r->partition,
                                 (long long)r->kafka_offset);
                        return -1;
                }
                del = true;
        }
        ferry_buf_t id;
        ferry_buf_init(&id);
        bool has_id = true;
        if (ignore_key) {
                if (s->autogenerated_ids && !del)
                        has_id = false;
                else
                        ferry_buf_printf(&id, "%s+%d+%lld", r->topic, (int)r->partition,
                                         (long long)r->kafka_offset);
        } else if (key_id(r, &id, errstr, errstr_size) < 0) {
                ferry_buf_free(&id);
                return -1;
        }
        /* External versions make replays idempotent: with key ids (the offset), or from a header. */
        bool versioned = !s->upsert && !s->ds_type && (!ignore_key || s->version_header);
        int64_t version = r->kafka_offset;
        if (versioned && s->version_header && header_version(s, r, &version, errstr, errstr_size) < 0) {
                ferry_buf_free(&id);
                return -1;
        }
        size_t mark = b->len;
        const char *op = del ? "delete" : s->ds_type ? "create" : s->upsert ? "update" : "index";
        ferry_buf_printf(b, "{\"%s\":{\"_index\":", op);
        ferry_json_put_string(b, index, strlen(index));
        if (has_id) {
                ferry_buf_puts(b, ",\"_id\":");
                ferry_json_put_string(b, id.p ? id.p : "", id.len);
        }
        if (versioned && !(del && s->upsert))
                ferry_buf_printf(b, ",\"version\":%lld,\"version_type\":\"external\"", (long long)version);
        if (s->upsert && !del)
                ferry_buf_printf(b, ",\"retry_on_conflict\":%d", s->max_in_flight < 3 ? s->max_in_flight : 3);
        ferry_buf_puts(b, "}}\n");
        ferry_buf_free(&id);
        if (del) {
                *kind = ES_ACT_DELETE;
                return 0;
        }
        const ferry_schema_t *schema =
                es_ignore_schema(s, r->topic) && r->value_schema && r->value_schema->type != FERRY_TYPE_STRUCT
                        ? NULL
                        : r->value_schema;
        if (s->upsert)
                ferry_buf_puts(b, "{\"doc\":");
        size_t src = b->len;
        if (es_value_json(s, schema, r->value, b, errstr, errstr_size) < 0) {
                b->len = mark;
                b->p[mark] = '\0';
                return -1;
        }
        if (b->p[src] != '{') {
                snprintf(errstr, errstr_size,
                         "the record's value is not an object (a struct or a map) and cannot be a document");
                b->len = mark;
                b->p[mark] = '\0';
                return -1;
        }
        /* Data streams need @timestamp: a field named in data.stream.timestamp.field, else the
         * record's timestamp. */
        const ferry_schema_t *fs;
        if (s->ds_type && !field_of(r->value, &fs, "@timestamp")) {
                ferry_buf_t ts;
                ferry_buf_init(&ts);
                ferry_buf_puts(&ts, "\"@timestamp\":");
                const ferry_value_t *tv = NULL;
                for (size_t i = 0; !tv && i < s->n_ds_timestamp_fields; i++)
                        tv = field_of(r->value, &fs, s->ds_timestamp_fields[i]);
                if (tv)
                        es_value_json(s, fs, tv, &ts, errstr, errstr_size);
                else
                        ferry_json_put_int(&ts, r->timestamp >= 0 ? r->timestamp : 0);
                if (b->p[src + 1] != '}')
                        ferry_buf_putc(&ts, ',');
                /* Insert after the opening brace. */
                size_t tail = b->len - (src + 1);
                if (ferry_buf_reserve(b, ts.len) == 0) {
                        memmove(b->p + src + 1 + ts.len, b->p + src + 1, tail + 1);
                        memcpy(b->p + src + 1, ts.p, ts.len);
                        b->len += ts.len;
                }
                ferry_buf_free(&ts);
        }
        if (s->upsert)
                ferry_buf_puts(b, ",\"doc_as_upsert\":true}");
        ferry_buf_putc(b, '\n');
        *kind = ES_ACT_WRITE;
        return 0;
}

/* ---- mappings (Confluent's Mapping.buildMapping) ---- */

static const char *es_type_of(ferry_type_t t)
{
        switch (t) {
        case FERRY_TYPE_BOOLEAN:
                return "boolean";
        case FERRY_TYPE_INT8:
                return "byte";
        case FERRY_TYPE_INT16:
                return "short";
        case FERRY_TYPE_INT32:
                return "integer";
        case FERRY_TYPE_INT64:
                return "long";
        case FERRY_TYPE_FLOAT32:
                return "float";
        case FERRY_TYPE_FLOAT64:
                return "double";
        case FERRY_TYPE_STRING:
                return "text";
        case FERRY_TYPE_BYTES:
                return "binary";
        default:
                return NULL;
        }
}

static int build_mapping(const ferry_schema_t *s, const char *name, ferry_buf_t *b, int depth, char *errstr,
                         size_t errstr_size);

static void open_field(ferry_buf_t *b, const char *name)
{
        if (name) {
                ferry_json_put_string(b, name, strlen(name));
                ferry_buf_putc(b, ':');
        }
        ferry_buf_putc(b, '{');
}

static int build_struct(const ferry_schema_t *s, const char *name, ferry_buf_t *b, int depth, char *errstr,
                        size_t errstr_size)
{
        if (name) {
                open_field(b, name);
        }
        ferry_buf_puts(b, "\"properties\":{");
        for (size_t i = 0; i < s->n_fields; i++) {
                if (i)
                        ferry_buf_putc(b, ',');
                if (build_mapping(s->fields[i].schema, s->fields[i].name, b, depth + 1, errstr, errstr_size) <
                    0)
                        return -1;
        }
        ferry_buf_putc(b, '}');
        if (name)
                ferry_buf_putc(b, '}');
        return 0;
}

static int build_mapping(const ferry_schema_t *s, const char *name, ferry_buf_t *b, int depth, char *errstr,
                         size_t errstr_size)
{
        if (depth > 64) {
                snprintf(errstr, errstr_size, "schema nested too deeply");
                return -1;
        }
        if (is_logical(s, FERRY_LOGICAL_DATE) || is_logical(s, FERRY_LOGICAL_TIME) ||
            is_logical(s, FERRY_LOGICAL_TIMESTAMP) || is_logical(s, FERRY_LOGICAL_DECIMAL)) {
                bool dec = is_logical(s, FERRY_LOGICAL_DECIMAL);
                open_field(b, name ? name : "");
                ferry_buf_printf(b, "\"type\":\"%s\"", dec ? "double" : "date");
                if (!dec && s->default_value && s->default_value->type <= FERRY_TYPE_INT64)
                        ferry_buf_printf(b, ",\"null_value\":%lld", (long long)s->default_value->u.i);
                return ferry_buf_putc(b, '}');
        }
        switch (s->type) {
        case FERRY_TYPE_ARRAY:
                return build_mapping(s->items, name, b, depth + 1, errstr, errstr_size);
        case FERRY_TYPE_MAP:
                open_field(b, name ? name : "");
                ferry_buf_puts(b, "\"properties\":{");
                if (build_mapping(s->keys, "key", b, depth + 1, errstr, errstr_size) < 0)
                        return -1;
                ferry_buf_putc(b, ',');
                if (build_mapping(s->items, "value", b, depth + 1, errstr, errstr_size) < 0)
                        return -1;
                return ferry_buf_puts(b, "}}");
        case FERRY_TYPE_STRUCT:
                return build_struct(s, name, b, depth, errstr, errstr_size);
        default:
                break;
        }
        const char *t = es_type_of(s->type);
        if (!t) {
                snprintf(errstr, errstr_size, "no mapping for schema type %s", ferry_type_name(s->type));
                return -1;
        }
        open_field(b, name ? name : "");
        ferry_buf_printf(b, "\"type\":\"%s\"", t);
        if (s->type == FERRY_TYPE_STRING)
                ferry_buf_puts(b, ",\"fields\":{\"keyword\":{\"type\":\"keyword\",\"ignore_above\":256}}");
        const ferry_value_t *d = s->default_value;
        if (d && d->type <= FERRY_TYPE_INT64)
                ferry_buf_printf(b, ",\"null_value\":%lld", (long long)d->u.i);
        else if (d && (d->type == FERRY_TYPE_FLOAT32 || d->type == FERRY_TYPE_FLOAT64)) {
                ferry_buf_puts(b, ",\"null_value\":");
                ferry_json_put_double(b, d->u.f, d->type == FERRY_TYPE_FLOAT32);
        } else if (d && d->type == FERRY_TYPE_BOOLEAN)
                ferry_buf_printf(b, ",\"null_value\":%s", d->u.b ? "true" : "false");
        return ferry_buf_putc(b, '}');
}

int es_mapping_json(const ferry_schema_t *schema, ferry_buf_t *b, char *errstr, size_t errstr_size)
{
        if (!schema || schema->type != FERRY_TYPE_STRUCT) {
                snprintf(errstr, errstr_size, "a mapping needs a struct schema");
                return -1;
        }
        ferry_buf_putc(b, '{');
        if (build_struct(schema, NULL, b, 0, errstr, errstr_size) < 0)
                return -1;
        return ferry_buf_putc(b, '}');
}
