/* Schemaless Connect values as JSON text and back (ferry/json.h), in the forms a schemaless
 * JsonConverter writes and reads: the standalone offsets file and the offsets topic (partitions
 * and offsets), REST offset bodies and connector config files go through here. Numbers use the
 * data model's Java formatting; parsing is json-c held to Jackson's strictness (no NaN literals,
 * no integers beyond int64, nothing after the value). */
#include <ferry/json.h>

#include <json-c/json.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int ferry_json_put_double(ferry_buf_t *b, double v, bool float32)
{
        char tmp[32];
        size_t n = ferry_format_double(v, float32, tmp);
        if (!isfinite(v)) /* Jackson quotes NaN and the infinities */
                return ferry_json_put_string(b, tmp, n);
        return ferry_buf_append(b, tmp, n);
}

static int nomem(char *errstr, size_t errstr_size)
{
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
}

static bool in_range(const ferry_value_t *v)
{
        switch (v->type) {
        case FERRY_TYPE_INT8:
                return v->u.i >= INT8_MIN && v->u.i <= INT8_MAX;
        case FERRY_TYPE_INT16:
                return v->u.i >= INT16_MIN && v->u.i <= INT16_MAX;
        case FERRY_TYPE_INT32:
                return v->u.i >= INT32_MIN && v->u.i <= INT32_MAX;
        default:
                return true;
        }
}

int ferry_json_put_value(ferry_buf_t *b, const ferry_value_t *v, char *errstr, size_t errstr_size)
{
        if (!v)
                return ferry_buf_puts(b, "null") < 0 ? nomem(errstr, errstr_size) : 0;
        int rc = 0;
        switch (v->type) {
        case FERRY_TYPE_INT8:
        case FERRY_TYPE_INT16:
        case FERRY_TYPE_INT32:
        case FERRY_TYPE_INT64:
                if (!in_range(v)) {
                        snprintf(errstr, errstr_size, "value %" PRId64 " out of range for %s", v->u.i,
                                 ferry_type_name(v->type));
                        return -1;
                }
                rc = ferry_json_put_int(b, v->u.i);
                break;
        case FERRY_TYPE_FLOAT32:
        case FERRY_TYPE_FLOAT64:
                rc = ferry_json_put_double(b, v->u.f, v->type == FERRY_TYPE_FLOAT32);
                break;
        case FERRY_TYPE_BOOLEAN:
                rc = ferry_buf_puts(b, v->u.b ? "true" : "false");
                break;
        case FERRY_TYPE_STRING:
                rc = ferry_json_put_string(b, v->u.s.data, v->u.s.len);
                break;
        case FERRY_TYPE_BYTES:
                rc = ferry_json_put_base64(b, v->u.s.data, v->u.s.len);
                break;
        case FERRY_TYPE_ARRAY:
                rc = ferry_buf_putc(b, '[');
                for (size_t i = 0; rc == 0 && i < v->u.a.n; i++) {
                        if (i && ferry_buf_putc(b, ',') < 0)
                                return nomem(errstr, errstr_size);
                        if (ferry_json_put_value(b, v->u.a.items[i], errstr, errstr_size) < 0)
                                return -1;
                }
                if (rc == 0)
                        rc = ferry_buf_putc(b, ']');
                break;
        case FERRY_TYPE_MAP: {
                bool object = true;
                for (size_t i = 0; i < v->u.m.n && object; i++)
                        object = v->u.m.keys[i] && v->u.m.keys[i]->type == FERRY_TYPE_STRING;
                rc = ferry_buf_putc(b, object ? '{' : '[');
                for (size_t i = 0; rc == 0 && i < v->u.m.n; i++) {
                        const ferry_value_t *k = v->u.m.keys[i];
                        if (i && ferry_buf_putc(b, ',') < 0)
                                return nomem(errstr, errstr_size);
                        if (object) {
                                if (ferry_json_put_string(b, k->u.s.data, k->u.s.len) < 0 ||
                                    ferry_buf_putc(b, ':') < 0)
                                        return nomem(errstr, errstr_size);
                        } else if (ferry_buf_putc(b, '[') < 0 ||
                                   ferry_json_put_value(b, k, errstr, errstr_size) < 0 ||
                                   ferry_buf_putc(b, ',') < 0) {
                                return -1;
                        }
                        if (ferry_json_put_value(b, v->u.m.vals[i], errstr, errstr_size) < 0)
                                return -1;
                        if (!object && ferry_buf_putc(b, ']') < 0)
                                return nomem(errstr, errstr_size);
                }
                if (rc == 0)
                        rc = ferry_buf_putc(b, object ? '}' : ']');
                break;
        }
        case FERRY_TYPE_STRUCT:
                snprintf(errstr, errstr_size, "Mismatching schema."); /* JsonConverter's words */
                return -1;
        default:
                snprintf(errstr, errstr_size, "value of unknown type %d", (int)v->type);
                return -1;
        }
        return rc < 0 ? nomem(errstr, errstr_size) : 0;
}

int ferry_json_write(const ferry_value_t *v, char **out, size_t *len)
{
        ferry_buf_t b;
        char err[128];
        ferry_buf_init(&b);
        if (ferry_json_put_value(&b, v, err, sizeof(err)) < 0) {
                ferry_buf_free(&b);
                return -1;
        }
        *len = b.len;
        *out = ferry_buf_steal(&b);
        return *out ? 0 : -1;
}

/* ---- reading ---- */

static int from_json(json_object *j, ferry_value_t **out, char *errstr, size_t errstr_size)
{
        ferry_value_t *v = NULL;
        *out = NULL;
        switch (json_object_get_type(j)) {
        case json_type_null:
                return 0;
        case json_type_boolean:
                v = ferry_value_bool(json_object_get_boolean(j));
                break;
        case json_type_int: {
                int64_t i = json_object_get_int64(j); /* json-c clamps what does not fit */
                if (i == INT64_MAX && json_object_get_uint64(j) != (uint64_t)INT64_MAX) {
                        snprintf(errstr, errstr_size, "number %s out of range for int64",
                                 json_object_get_string(j));
                        return -1;
                }
                v = ferry_value_int(FERRY_TYPE_INT64, i);
                break;
        }
        case json_type_double: {
                /* json-c accepts NaN and Infinity literals even in strict mode; Jackson does not. */
                double d = json_object_get_double(j);
                const char *t = json_object_get_string(j);
                if (!isfinite(d) && t && (t[t[0] == '-'] == 'N' || t[t[0] == '-'] == 'I')) {
                        snprintf(errstr, errstr_size, "Non-standard token '%s': not allowed in JSON", t);
                        return -1;
                }
                v = ferry_value_float(FERRY_TYPE_FLOAT64, d);
                break;
        }
        case json_type_string:
                v = ferry_value_string(json_object_get_string(j), (size_t)json_object_get_string_len(j));
                break;
        case json_type_array: {
                size_t n = json_object_array_length(j);
                if (!(v = ferry_value_array()))
                        return nomem(errstr, errstr_size);
                for (size_t i = 0; i < n; i++) {
                        ferry_value_t *item;
                        if (from_json(json_object_array_get_idx(j, i), &item, errstr, errstr_size) < 0) {
                                ferry_value_free(v);
                                return -1;
                        }
                        if (ferry_array_append(v, item) < 0) {
                                ferry_value_free(v);
                                return nomem(errstr, errstr_size);
                        }
                }
                break;
        }
        case json_type_object: {
                if (!(v = ferry_value_map()))
                        return nomem(errstr, errstr_size);
                json_object_object_foreach(j, key, val)
                {
                        ferry_value_t *item;
                        if (from_json(val, &item, errstr, errstr_size) < 0) {
                                ferry_value_free(v);
                                return -1;
                        }
                        if (ferry_map_append(v, ferry_value_cstring(key), item) < 0) {
                                ferry_value_free(v);
                                return nomem(errstr, errstr_size);
                        }
                }
                break;
        }
        }
        if (!v)
                return nomem(errstr, errstr_size);
        *out = v;
        return 0;
}

static size_t skip_space(const char *p, size_t len, size_t i)
{
        while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
                i++;
        return i;
}

ferry_value_t *ferry_json_read(const char *text, size_t len, char *errstr, size_t errstr_size)
{
        if (skip_space(text, len, 0) == len) {
                snprintf(errstr, errstr_size, "no JSON value");
                return NULL;
        }
        if (len > INT32_MAX) {
                snprintf(errstr, errstr_size, "JSON text too large");
                return NULL;
        }
        json_tokener *tok = json_tokener_new();
        if (!tok) {
                nomem(errstr, errstr_size);
                return NULL;
        }
        json_object *root = json_tokener_parse_ex(tok, text, (int)len);
        enum json_tokener_error jerr = json_tokener_get_error(tok);
        size_t end = len;
        if (jerr == json_tokener_continue) {
                /* A bare number at the end of the input waits for more digits: end the input. */
                root = json_tokener_parse_ex(tok, "", 1);
                jerr = json_tokener_get_error(tok);
        } else if (jerr == json_tokener_success) {
                end = json_tokener_get_parse_end(tok);
        }
        ferry_value_t *v = NULL;
        if (jerr != json_tokener_success)
                snprintf(errstr, errstr_size, "%s at offset %zu", json_tokener_error_desc(jerr),
                         json_tokener_get_parse_end(tok));
        else if (skip_space(text, len, end) != len)
                snprintf(errstr, errstr_size, "unexpected content after the JSON value at offset %zu", end);
        else if (from_json(root, &v, errstr, errstr_size) == 0 && !v)
                snprintf(errstr, errstr_size, "JSON null");
        json_object_put(root);
        json_tokener_free(tok);
        return v;
}
