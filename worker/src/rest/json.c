/* JSON for the REST layer: a small streaming writer that builds every response body (keys in the
 * order Kafka Connect documents them, strings escaped, commas placed for the caller), and the two
 * conversions of parsed request bodies (json-c objects): to a flat string map (connector configs)
 * and to schemaless ferry_value_t trees (offsets). */
#include "rest/api.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void ferry_jw_init(ferry_jw_t *j)
{
        ferry_buf_init(&j->b);
        ferry_buf_reserve(&j->b, 1024);
        j->depth = 0;
        j->has_items = 0;
        j->after_key = false;
}

void ferry_jw_free(ferry_jw_t *j)
{
        ferry_buf_free(&j->b);
}

/* Appends without a call when there is room (the buffer stays NUL-terminated). */
static inline void put(ferry_jw_t *j, const char *s, size_t n)
{
        ferry_buf_t *b = &j->b;
        if (b->p && b->len + n < b->cap) {
                memcpy(b->p + b->len, s, n);
                b->len += n;
                b->p[b->len] = '\0';
        } else {
                ferry_buf_append(b, s, n);
        }
}

static inline void putc1(ferry_jw_t *j, char c)
{
        put(j, &c, 1);
}

/* Before any value or key: a comma when the container already holds something. */
static void sep(ferry_jw_t *j)
{
        if (j->after_key) {
                j->after_key = false;
                return;
        }
        uint64_t bit = j->depth < 64 ? (uint64_t)1 << j->depth : 0;
        if (j->has_items & bit)
                putc1(j, ',');
        j->has_items |= bit;
}

static void open_container(ferry_jw_t *j, char c)
{
        sep(j);
        putc1(j, c);
        j->depth++;
        if (j->depth < 64)
                j->has_items &= ~((uint64_t)1 << j->depth);
}

static void close_container(ferry_jw_t *j, char c)
{
        if (j->depth > 0)
                j->depth--;
        putc1(j, c);
}

void ferry_jw_obj(ferry_jw_t *j)
{
        open_container(j, '{');
}

void ferry_jw_end_obj(ferry_jw_t *j)
{
        close_container(j, '}');
}

void ferry_jw_arr(ferry_jw_t *j)
{
        open_container(j, '[');
}

void ferry_jw_end_arr(ferry_jw_t *j)
{
        close_container(j, ']');
}

/* 1 for the bytes JSON strings must escape: control characters, '"', '\\' and DEL. */
static const unsigned char needs_escape[256] = {
        [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
        [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1,
        [0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
        [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1,
        [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, ['"'] = 1,  ['\\'] = 1, [0x7f] = 1,
};

/* Writes "s" escaped into room reserved for the worst case (6 bytes per byte), then trims. */
static void put_string(ferry_jw_t *j, const char *s, size_t n)
{
        static const char hex[] = "0123456789abcdef";
        ferry_buf_t *b = &j->b;
        if (n > (SIZE_MAX - 3) / 6 || ferry_buf_reserve(b, n * 6 + 2) < 0)
                return;
        char *o = b->p + b->len;
        *o++ = '"';
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                if (!needs_escape[c]) {
                        *o++ = (char)c;
                        continue;
                }
                *o++ = '\\';
                switch (c) {
                case '"':
                case '\\':
                        *o++ = (char)c;
                        break;
                case '\n':
                        *o++ = 'n';
                        break;
                case '\r':
                        *o++ = 'r';
                        break;
                case '\t':
                        *o++ = 't';
                        break;
                case '\b':
                        *o++ = 'b';
                        break;
                case '\f':
                        *o++ = 'f';
                        break;
                default:
                        *o++ = 'u';
                        *o++ = '0';
                        *o++ = '0';
                        *o++ = hex[c >> 4];
                        *o++ = hex[c & 15];
                }
        }
        *o++ = '"';
        *o = '\0';
        b->len = (size_t)(o - b->p);
}

void ferry_jw_key(ferry_jw_t *j, const char *key)
{
        sep(j);
        put_string(j, key, strlen(key));
        putc1(j, ':');
        j->after_key = true;
}

void ferry_jw_strn(ferry_jw_t *j, const char *s, size_t n)
{
        sep(j);
        put_string(j, s, n);
}

void ferry_jw_str(ferry_jw_t *j, const char *s)
{
        if (!s) {
                ferry_jw_null(j);
                return;
        }
        ferry_jw_strn(j, s, strlen(s));
}

void ferry_jw_int(ferry_jw_t *j, int64_t v)
{
        char digits[24], *p = digits + sizeof(digits);
        uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        do {
                *--p = (char)('0' + u % 10);
                u /= 10;
        } while (u);
        if (v < 0)
                *--p = '-';
        sep(j);
        put(j, p, (size_t)(digits + sizeof(digits) - p));
}

void ferry_jw_bool(ferry_jw_t *j, bool v)
{
        sep(j);
        put(j, v ? "true" : "false", v ? 4 : 5);
}

void ferry_jw_null(ferry_jw_t *j)
{
        sep(j);
        put(j, "null", 4);
}

void ferry_jw_raw(ferry_jw_t *j, const char *json, size_t n)
{
        sep(j);
        put(j, json, n);
}

void ferry_jw_kv(ferry_jw_t *j, const char *key, const char *value)
{
        ferry_jw_key(j, key);
        ferry_jw_str(j, value);
}

void ferry_jw_strmap(ferry_jw_t *j, const ferry_strmap_t *m)
{
        ferry_jw_obj(j);
        for (size_t i = 0; m && i < m->n; i++)
                ferry_jw_kv(j, m->kv[i].key, m->kv[i].value);
        ferry_jw_end_obj(j);
}

void ferry_jw_strlist(ferry_jw_t *j, char *const *items, size_t n)
{
        ferry_jw_arr(j);
        for (size_t i = 0; i < n; i++)
                ferry_jw_str(j, items[i]);
        ferry_jw_end_arr(j);
}

int ferry_rest_body_strmap(json_object *obj, ferry_strmap_t *out, ferry_strmap_t *nulls, char *errstr,
                           size_t errstr_size)
{
        if (!json_object_is_type(obj, json_type_object)) {
                snprintf(errstr, errstr_size, "Expected a JSON object of configuration properties");
                return -1;
        }
        json_object_object_foreach(obj, key, val)
        {
                char num[64];
                const char *text = NULL;
                size_t len = 0;
                switch (json_object_get_type(val)) {
                case json_type_null:
                        if (nulls)
                                ferry_strmap_set(nulls, key, "");
                        continue;
                case json_type_string:
                        text = json_object_get_string(val);
                        len = (size_t)json_object_get_string_len(val);
                        break;
                case json_type_boolean:
                        text = json_object_get_boolean(val) ? "true" : "false";
                        len = strlen(text);
                        break;
                case json_type_int:
                        snprintf(num, sizeof(num), "%" PRId64, json_object_get_int64(val));
                        text = num;
                        len = strlen(num);
                        break;
                case json_type_double: {
                        /* As the number was written: json-c keeps the original text. */
                        text = json_object_get_string(val);
                        len = strlen(text);
                        break;
                }
                default:
                        snprintf(errstr, errstr_size,
                                 "Configuration value of \"%s\" must be a string, not %s", key,
                                 json_type_to_name(json_object_get_type(val)));
                        return -1;
                }
                if (memchr(text, '\0', len)) {
                        snprintf(errstr, errstr_size,
                                 "Configuration value of \"%s\" contains a NUL character", key);
                        return -1;
                }
                ferry_strmap_setn(out, key, strlen(key), text, len);
        }
        return 0;
}

ferry_value_t *ferry_rest_json_value(json_object *obj)
{
        switch (json_object_get_type(obj)) {
        case json_type_null:
                return NULL;
        case json_type_boolean:
                return ferry_value_bool(json_object_get_boolean(obj));
        case json_type_int:
                return ferry_value_int(FERRY_TYPE_INT64, json_object_get_int64(obj));
        case json_type_double:
                return ferry_value_float(FERRY_TYPE_FLOAT64, json_object_get_double(obj));
        case json_type_string:
                return ferry_value_string(json_object_get_string(obj),
                                          (size_t)json_object_get_string_len(obj));
        case json_type_array: {
                ferry_value_t *a = ferry_value_array();
                size_t n = json_object_array_length(obj);
                for (size_t i = 0; a && i < n; i++)
                        ferry_array_append(a, ferry_rest_json_value(json_object_array_get_idx(obj, i)));
                return a;
        }
        case json_type_object: {
                ferry_value_t *m = ferry_value_map();
                json_object_object_foreach(obj, key, val)
                {
                        if (m)
                                ferry_map_put_str(m, key, ferry_rest_json_value(val));
                }
                return m;
        }
        }
        return NULL;
}
