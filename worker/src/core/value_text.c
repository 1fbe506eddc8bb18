/* Connect values as Java's toString() text (ferry/text.h). The StringConverter turns records
 * into text with it on the task threads (source side, between the transforms and the producer),
 * and the error handler uses it to show a failed record's key and value in the error log. Also
 * Connect's Values.convertToString, which the SimpleHeaderConverter writes headers with and the
 * storage sinks' ".headers" files hold. */
#include <ferry/text.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool is_logical(const ferry_schema_t *s, const char *name)
{
        return s && s->name && strcmp(s->name, name) == 0;
}

/* Integers, floating-point numbers and booleans as Java prints them (toString and
 * Values.convertToString agree on these). */
static int put_number(ferry_buf_t *b, const ferry_value_t *v)
{
        if (v->type == FERRY_TYPE_BOOLEAN)
                return ferry_buf_puts(b, v->u.b ? "true" : "false");
        if (v->type == FERRY_TYPE_FLOAT32 || v->type == FERRY_TYPE_FLOAT64) {
                char tmp[32];
                size_t n = ferry_format_double(v->u.f, v->type == FERRY_TYPE_FLOAT32, tmp);
                return ferry_buf_append(b, tmp, n);
        }
        return ferry_buf_put_int(b, v->u.i);
}

static bool is_decimal(const ferry_schema_t *s, const ferry_value_t *v)
{
        int scale;
        return is_logical(s, FERRY_LOGICAL_DECIMAL) && v->type == FERRY_TYPE_BYTES && v->u.s.len &&
               ferry_decimal_scale(s, &scale) == 0;
}

/* A Decimal's digits with its scale applied (ferry_decimal_format). */
static int put_decimal(ferry_buf_t *b, const ferry_schema_t *s, const ferry_value_t *v)
{
        int scale = 0;
        ferry_decimal_scale(s, &scale);
        char *text = ferry_decimal_format(v->u.s.data, v->u.s.len, scale);
        int rc = text ? ferry_buf_puts(b, text) : -1;
        free(text);
        return rc;
}

int ferry_java_date_text(ferry_buf_t *b, int64_t ms)
{
        static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
        static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        int64_t secs = ms / 1000;
        if (ms % 1000 < 0)
                secs--;
        time_t t = (time_t)secs;
        struct tm tm;
        if (!gmtime_r(&t, &tm))
                return ferry_buf_printf(b, "%lld", (long long)ms);
        return ferry_buf_printf(b, "%s %s %02d %02d:%02d:%02d UTC %d", days[tm.tm_wday % 7],
                                months[tm.tm_mon % 12], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                                tm.tm_year + 1900);
}

int ferry_value_text(ferry_buf_t *b, const ferry_schema_t *s, const ferry_value_t *v)
{
        if (!v)
                return ferry_buf_puts(b, "null");
        if (is_decimal(s, v))
                return put_decimal(b, s, v);
        if (is_logical(s, FERRY_LOGICAL_DATE) && v->type == FERRY_TYPE_INT32)
                return ferry_java_date_text(b, v->u.i * 86400000);
        if ((is_logical(s, FERRY_LOGICAL_TIME) && v->type == FERRY_TYPE_INT32) ||
            (is_logical(s, FERRY_LOGICAL_TIMESTAMP) && v->type == FERRY_TYPE_INT64))
                return ferry_java_date_text(b, v->u.i);
        switch (v->type) {
        case FERRY_TYPE_INT8:
        case FERRY_TYPE_INT16:
        case FERRY_TYPE_INT32:
        case FERRY_TYPE_INT64:
        case FERRY_TYPE_FLOAT32:
        case FERRY_TYPE_FLOAT64:
        case FERRY_TYPE_BOOLEAN:
                return put_number(b, v);
        case FERRY_TYPE_STRING:
        case FERRY_TYPE_BYTES: /* Java would print "[B@1b6d3586"; the bytes themselves are more use */
                return ferry_buf_append(b, v->u.s.data, v->u.s.len);
        case FERRY_TYPE_ARRAY:
                if (ferry_buf_putc(b, '[') < 0)
                        return -1;
                for (size_t i = 0; i < v->u.a.n; i++) {
                        if ((i && ferry_buf_puts(b, ", ") < 0) ||
                            ferry_value_text(b, s ? s->items : NULL, v->u.a.items[i]) < 0)
                                return -1;
                }
                return ferry_buf_putc(b, ']');
        case FERRY_TYPE_MAP:
                if (ferry_buf_putc(b, '{') < 0)
                        return -1;
                for (size_t i = 0; i < v->u.m.n; i++) {
                        if ((i && ferry_buf_puts(b, ", ") < 0) ||
                            ferry_value_text(b, s ? s->keys : NULL, v->u.m.keys[i]) < 0 ||
                            ferry_buf_putc(b, '=') < 0 ||
                            ferry_value_text(b, s ? s->items : NULL, v->u.m.vals[i]) < 0)
                                return -1;
                }
                return ferry_buf_putc(b, '}');
        case FERRY_TYPE_STRUCT: {
                const ferry_schema_t *ss = v->u.st.schema;
                bool first = true;
                if (ferry_buf_puts(b, "Struct{") < 0)
                        return -1;
                for (size_t i = 0; i < ss->n_fields; i++) {
                        const ferry_value_t *f = v->u.st.fields[i];
                        if (!f)
                                continue;
                        if ((!first && ferry_buf_putc(b, ',') < 0) ||
                            ferry_buf_puts(b, ss->fields[i].name) < 0 || ferry_buf_putc(b, '=') < 0 ||
                            ferry_value_text(b, ss->fields[i].schema, f) < 0)
                                return -1;
                        first = false;
                }
                return ferry_buf_putc(b, '}');
        }
        }
        return 0;
}

/* ---- Values.convertToString ---- */

static int values_base64(ferry_buf_t *b, const unsigned char *p, size_t len)
{
        static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (size_t i = 0; i < len; i += 3) {
                unsigned v = (unsigned)p[i] << 16;
                if (i + 1 < len)
                        v |= (unsigned)p[i + 1] << 8;
                if (i + 2 < len)
                        v |= p[i + 2];
                char q[4] = {tab[(v >> 18) & 63], tab[(v >> 12) & 63], i + 1 < len ? tab[(v >> 6) & 63] : '=',
                             i + 2 < len ? tab[v & 63] : '='};
                if (ferry_buf_append(b, q, 4) < 0)
                        return -1;
        }
        return 0;
}

/* ISO 8601 as Connect's Values writes dates: yyyy-MM-dd, HH:mm:ss.SSS'Z', yyyy-MM-dd'T'HH:mm:ss.SSS'Z'. */
static int values_iso(ferry_buf_t *b, int64_t ms, bool date, bool time)
{
        int64_t secs = ms / 1000, frac = ms % 1000;
        if (frac < 0) {
                frac += 1000;
                secs--;
        }
        time_t tt = (time_t)secs;
        struct tm tm;
        if (!gmtime_r(&tt, &tm))
                return ferry_buf_printf(b, "%lld", (long long)ms);
        if (date && ferry_buf_printf(b, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) < 0)
                return -1;
        if (date && time && ferry_buf_putc(b, 'T') < 0)
                return -1;
        if (time &&
            ferry_buf_printf(b, "%02d:%02d:%02d.%03dZ", tm.tm_hour, tm.tm_min, tm.tm_sec, (int)frac) < 0)
                return -1;
        return 0;
}

static int values_quoted(ferry_buf_t *b, const char *s, size_t n)
{
        if (ferry_buf_putc(b, '"') < 0)
                return -1;
        for (size_t i = 0; i < n; i++) {
                if ((s[i] == '"' || s[i] == '\\') && ferry_buf_putc(b, '\\') < 0)
                        return -1;
                if (ferry_buf_putc(b, s[i]) < 0)
                        return -1;
        }
        return ferry_buf_putc(b, '"');
}

static int values_put(ferry_buf_t *b, const ferry_schema_t *s, const ferry_value_t *v, bool embedded)
{
        if (!v)
                return ferry_buf_puts(b, "null");
        if (is_logical(s, FERRY_LOGICAL_DATE) && v->type == FERRY_TYPE_INT32)
                return values_iso(b, v->u.i * 86400000LL, true, false);
        if (is_logical(s, FERRY_LOGICAL_TIME) && v->type == FERRY_TYPE_INT32)
                return values_iso(b, v->u.i, false, true);
        if (is_logical(s, FERRY_LOGICAL_TIMESTAMP) && v->type == FERRY_TYPE_INT64)
                return values_iso(b, v->u.i, true, true);
        if (is_decimal(s, v))
                return put_decimal(b, s, v);
        switch (v->type) {
        case FERRY_TYPE_INT8:
        case FERRY_TYPE_INT16:
        case FERRY_TYPE_INT32:
        case FERRY_TYPE_INT64:
        case FERRY_TYPE_FLOAT32:
        case FERRY_TYPE_FLOAT64:
        case FERRY_TYPE_BOOLEAN:
                return put_number(b, v);
        case FERRY_TYPE_STRING:
                return embedded ? values_quoted(b, v->u.s.data, v->u.s.len)
                                : ferry_buf_append(b, v->u.s.data, v->u.s.len);
        case FERRY_TYPE_BYTES:
                if (embedded && ferry_buf_putc(b, '"') < 0)
                        return -1;
                if (values_base64(b, (const unsigned char *)v->u.s.data, v->u.s.len) < 0)
                        return -1;
                return embedded ? ferry_buf_putc(b, '"') : 0;
        case FERRY_TYPE_ARRAY:
                if (ferry_buf_putc(b, '[') < 0)
                        return -1;
                for (size_t i = 0; i < v->u.a.n; i++)
                        if ((i && ferry_buf_putc(b, ',') < 0) ||
                            values_put(b, s ? s->items : NULL, v->u.a.items[i], true) < 0)
                                return -1;
                return ferry_buf_putc(b, ']');
        case FERRY_TYPE_MAP:
                if (ferry_buf_putc(b, '{') < 0)
                        return -1;
                for (size_t i = 0; i < v->u.m.n; i++)
                        if ((i && ferry_buf_putc(b, ',') < 0) ||
                            values_put(b, s ? s->keys : NULL, v->u.m.keys[i], true) < 0 ||
                            ferry_buf_putc(b, ':') < 0 ||
                            values_put(b, s ? s->items : NULL, v->u.m.vals[i], true) < 0)
                                return -1;
                return ferry_buf_putc(b, '}');
        case FERRY_TYPE_STRUCT: {
                const ferry_schema_t *ss = v->u.st.schema;
                if (ferry_buf_putc(b, '{') < 0)
                        return -1;
                for (size_t i = 0; ss && i < ss->n_fields; i++)
                        if ((i && ferry_buf_putc(b, ',') < 0) ||
                            values_quoted(b, ss->fields[i].name, strlen(ss->fields[i].name)) < 0 ||
                            ferry_buf_putc(b, ':') < 0 ||
                            values_put(b, ss->fields[i].schema, v->u.st.fields[i], true) < 0)
                                return -1;
                return ferry_buf_putc(b, '}');
        }
        }
        return -1;
}

int ferry_values_string(ferry_buf_t *b, const ferry_schema_t *s, const ferry_value_t *v)
{
        return values_put(b, s, v, false);
}
