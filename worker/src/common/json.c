/* JSON writing (ferry/json.h), the one encoder every JSON producer in the worker uses: string
 * escaping, integers and Base64 in Jackson's forms, and the streaming writer (ferry_jw_t) that
 * places commas for REST bodies and the records of the internal topics. The JsonConverter writes
 * its records with the same pieces, once per record on the task threads; the REST layer builds
 * every response body here. Nothing here holds state between calls. */
#include <ferry/json.h>

#include <string.h>

/* ---- pieces ---- */

/* 1 for the bytes a JSON string must escape: control characters, '"' and '\\'. */
static const unsigned char needs_escape[256] = {
        [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
        [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1,
        [0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
        [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1,
        [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, ['"'] = 1,  ['\\'] = 1,
};

int ferry_json_put_string(ferry_buf_t *b, const char *s, size_t len)
{
        static const char hex[] = "0123456789ABCDEF";
        if (ferry_buf_reserve(b, len + 2) < 0)
                return -1;
        b->p[b->len++] = '"';
        size_t run = 0;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];
                if (!needs_escape[c])
                        continue;
                if (ferry_buf_append(b, s + run, i - run) < 0)
                        return -1;
                run = i + 1;
                char esc[6] = {'\\', 0, 0, 0, 0, 0};
                size_t n = 2;
                switch (c) {
                case '"':
                case '\\':
                        esc[1] = (char)c;
                        break;
                case '\b':
                        esc[1] = 'b';
                        break;
                case '\t':
                        esc[1] = 't';
                        break;
                case '\n':
                        esc[1] = 'n';
                        break;
                case '\f':
                        esc[1] = 'f';
                        break;
                case '\r':
                        esc[1] = 'r';
                        break;
                default:
                        esc[1] = 'u';
                        esc[2] = '0';
                        esc[3] = '0';
                        esc[4] = hex[c >> 4];
                        esc[5] = hex[c & 15];
                        n = 6;
                }
                if (ferry_buf_append(b, esc, n) < 0)
                        return -1;
        }
        if (ferry_buf_append(b, s + run, len - run) < 0)
                return -1;
        return ferry_buf_putc(b, '"');
}

int ferry_json_put_int(ferry_buf_t *b, int64_t v)
{
        char tmp[24];
        size_t n = sizeof(tmp);
        uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        do {
                tmp[--n] = (char)('0' + u % 10);
                u /= 10;
        } while (u);
        if (v < 0)
                tmp[--n] = '-';
        return ferry_buf_append(b, tmp + n, sizeof(tmp) - n);
}

int ferry_json_put_base64(ferry_buf_t *b, const void *data, size_t len)
{
        static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const unsigned char *p = data;
        if (len > (SIZE_MAX - 3) / 4 * 3 || ferry_buf_reserve(b, (len + 2) / 3 * 4 + 2) < 0)
                return -1;
        char *o = b->p + b->len;
        *o++ = '"';
        size_t i = 0;
        for (; i + 3 <= len; i += 3) {
                uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
                *o++ = b64[v >> 18];
                *o++ = b64[(v >> 12) & 63];
                *o++ = b64[(v >> 6) & 63];
                *o++ = b64[v & 63];
        }
        if (len - i == 1) {
                uint32_t v = (uint32_t)p[i] << 16;
                *o++ = b64[v >> 18];
                *o++ = b64[(v >> 12) & 63];
                *o++ = '=';
                *o++ = '=';
        } else if (len - i == 2) {
                uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
                *o++ = b64[v >> 18];
                *o++ = b64[(v >> 12) & 63];
                *o++ = b64[(v >> 6) & 63];
                *o++ = '=';
        }
        *o++ = '"';
        *o = '\0';
        b->len = (size_t)(o - b->p);
        return 0;
}

/* ---- streaming writer ---- */

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

void ferry_jw_key(ferry_jw_t *j, const char *key)
{
        sep(j);
        ferry_json_put_string(&j->b, key, strlen(key));
        putc1(j, ':');
        j->after_key = true;
}

void ferry_jw_strn(ferry_jw_t *j, const char *s, size_t n)
{
        sep(j);
        ferry_json_put_string(&j->b, s, n);
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
        sep(j);
        ferry_json_put_int(&j->b, v);
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
