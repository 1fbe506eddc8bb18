/* StringConverter (org.apache.kafka.connect.storage.StringConverter): Connect data to UTF-8 text and
 * back. Sits where any converter does, between the transforms and Kafka; the FileStream sink also
 * uses it to turn values into lines. Writing gives a value's text form as Java's toString() would
 * (numbers, booleans, "[a, b]" lists, "{k=v}" maps, "Struct{f=v}" structs); reading always yields an
 * optional string, with malformed UTF-8 replaced by U+FFFD as Java's decoder does. */
#include "runtime/plugins_builtin.h"

#include <ferry/converter.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#ifndef FERRY_VERSION
#define FERRY_VERSION "dev"
#endif

static const char *const converter_types[] = {"key", "value", "header", NULL};

static int check_encoding(const char *name, const char *value, char *errstr, size_t errstr_size)
{
        if (!value || strcasecmp(value, "UTF-8") == 0 || strcasecmp(value, "UTF8") == 0)
                return 0;
        snprintf(errstr, errstr_size, "Invalid value %s for configuration %s: only UTF-8 is supported", value,
                 name);
        return -1;
}

static const ferry_config_def_t string_config[] = {
        {.name = "converter.type",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "How this converter will be used.",
         .valid = converter_types},
        {.name = "converter.encoding",
         .type = FERRY_CFG_STRING,
         .default_value = "UTF-8",
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "The name of the Java character set to use for encoding strings as byte arrays.",
         .validate = check_encoding},
        {.name = NULL},
};

static const char *const string_aliases[] = {"StringConverter", NULL};

typedef struct {
        ferry_schema_t *schema; /* optional string, handed out by reference */
} string_conv_t;

static bool is_logical(const ferry_schema_t *s, const char *name)
{
        return s && s->name && strcmp(s->name, name) == 0;
}

/* java.util.Date.toString() in UTC: "Thu Jan 01 00:00:00 UTC 1970". */
static int put_java_date(ferry_buf_t *b, int64_t ms)
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

/* The value's text form, as Java's toString() of the Connect value would give it. */
static int put_text(ferry_buf_t *b, const ferry_schema_t *s, const ferry_value_t *v)
{
        if (!v)
                return ferry_buf_puts(b, "null");
        if (is_logical(s, FERRY_LOGICAL_DECIMAL) && v->type == FERRY_TYPE_BYTES && v->u.s.len) {
                int scale;
                if (ferry_decimal_scale(s, &scale) == 0) {
                        char *text = ferry_decimal_format(v->u.s.data, v->u.s.len, scale);
                        int rc = text ? ferry_buf_puts(b, text) : -1;
                        free(text);
                        return rc;
                }
        }
        if (is_logical(s, FERRY_LOGICAL_DATE) && v->type == FERRY_TYPE_INT32)
                return put_java_date(b, v->u.i * 86400000);
        if ((is_logical(s, FERRY_LOGICAL_TIME) && v->type == FERRY_TYPE_INT32) ||
            (is_logical(s, FERRY_LOGICAL_TIMESTAMP) && v->type == FERRY_TYPE_INT64))
                return put_java_date(b, v->u.i);
        switch (v->type) {
        case FERRY_TYPE_INT8:
        case FERRY_TYPE_INT16:
        case FERRY_TYPE_INT32:
        case FERRY_TYPE_INT64:
                return ferry_buf_printf(b, "%lld", (long long)v->u.i);
        case FERRY_TYPE_FLOAT32:
        case FERRY_TYPE_FLOAT64: {
                char tmp[32];
                size_t n = ferry_format_double(v->u.f, v->type == FERRY_TYPE_FLOAT32, tmp);
                return ferry_buf_append(b, tmp, n);
        }
        case FERRY_TYPE_BOOLEAN:
                return ferry_buf_puts(b, v->u.b ? "true" : "false");
        case FERRY_TYPE_STRING:
        case FERRY_TYPE_BYTES: /* Java would print "[B@1b6d3586"; the bytes themselves are more use */
                return ferry_buf_append(b, v->u.s.data, v->u.s.len);
        case FERRY_TYPE_ARRAY:
                if (ferry_buf_putc(b, '[') < 0)
                        return -1;
                for (size_t i = 0; i < v->u.a.n; i++) {
                        if ((i && ferry_buf_puts(b, ", ") < 0) ||
                            put_text(b, s ? s->items : NULL, v->u.a.items[i]) < 0)
                                return -1;
                }
                return ferry_buf_putc(b, ']');
        case FERRY_TYPE_MAP:
                if (ferry_buf_putc(b, '{') < 0)
                        return -1;
                for (size_t i = 0; i < v->u.m.n; i++) {
                        if ((i && ferry_buf_puts(b, ", ") < 0) ||
                            put_text(b, s ? s->keys : NULL, v->u.m.keys[i]) < 0 ||
                            ferry_buf_putc(b, '=') < 0 ||
                            put_text(b, s ? s->items : NULL, v->u.m.vals[i]) < 0)
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
                            put_text(b, ss->fields[i].schema, f) < 0)
                                return -1;
                        first = false;
                }
                return ferry_buf_putc(b, '}');
        }
        }
        return 0;
}

static ferry_err_t string_from_connect(void *state, const char *topic, const ferry_schema_t *schema,
                                       const ferry_value_t *value, ferry_buf_t *out, bool *is_null,
                                       char *errstr, size_t errstr_size)
{
        (void)state;
        (void)topic;
        *is_null = !value;
        if (!value)
                return FERRY_ERR_OK;
        if (value->type == FERRY_TYPE_STRING)
                return ferry_buf_append(out, value->u.s.data, value->u.s.len) < 0 ? FERRY_ERR_NOMEM
                                                                                  : FERRY_ERR_OK;
        if (put_text(out, schema, value) < 0) {
                snprintf(errstr, errstr_size, "out of memory");
                return FERRY_ERR_NOMEM;
        }
        return FERRY_ERR_OK;
}

/* Length of the valid UTF-8 sequence at p, or 0 with *bad set to the bytes of its maximal subpart
 * (what one U+FFFD replaces). */
static size_t utf8_seq(const unsigned char *p, size_t left, size_t *bad)
{
        unsigned char c = p[0];
        size_t need;
        unsigned char lo = 0x80, hi = 0xbf;
        if (c < 0x80)
                return 1;
        if (c >= 0xc2 && c <= 0xdf) {
                need = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
                need = 3;
                if (c == 0xe0)
                        lo = 0xa0;
                else if (c == 0xed)
                        hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
                need = 4;
                if (c == 0xf0)
                        lo = 0x90;
                else if (c == 0xf4)
                        hi = 0x8f;
        } else {
                *bad = 1;
                return 0;
        }
        for (size_t i = 1; i < need; i++) {
                if (i >= left || p[i] < lo || p[i] > hi) {
                        *bad = i;
                        return 0;
                }
                lo = 0x80;
                hi = 0xbf;
        }
        return need;
}

static ferry_err_t string_to_connect(void *state, const char *topic, const void *data, size_t len,
                                     ferry_schema_t **schema, ferry_value_t **value, char *errstr,
                                     size_t errstr_size)
{
        string_conv_t *c = state;
        (void)topic;
        *schema = ferry_schema_ref(c->schema);
        *value = NULL;
        if (!data)
                return FERRY_ERR_OK;
        const unsigned char *p = data;
        size_t i = 0, bad = 0;
        /* ASCII runs 8 bytes at a time (most text), then sequence by sequence. */
        for (uint64_t w; i + 8 <= len; i += 8) {
                memcpy(&w, p + i, 8);
                if (w & UINT64_C(0x8080808080808080))
                        break;
        }
        while (i < len) {
                size_t n = utf8_seq(p + i, len - i, &bad);
                if (!n)
                        break;
                i += n;
        }
        if (i == len) {
                *value = ferry_value_string(data, len);
        } else {
                ferry_buf_t b;
                ferry_buf_init(&b);
                int rc = ferry_buf_append(&b, p, i);
                while (rc == 0 && i < len) {
                        size_t n = utf8_seq(p + i, len - i, &bad);
                        if (n) {
                                rc = ferry_buf_append(&b, p + i, n);
                                i += n;
                        } else {
                                rc = ferry_buf_append(&b, "\xef\xbf\xbd", 3);
                                i += bad;
                        }
                }
                if (rc == 0)
                        *value = ferry_value_string(b.p, b.len);
                ferry_buf_free(&b);
        }
        if (!*value) {
                ferry_schema_unref(*schema);
                *schema = NULL;
                snprintf(errstr, errstr_size, "out of memory");
                return FERRY_ERR_NOMEM;
        }
        return FERRY_ERR_OK;
}

static void string_close(void *state)
{
        string_conv_t *c = state;
        if (!c)
                return;
        ferry_schema_unref(c->schema);
        free(c);
}

static ferry_err_t string_configure(void **state, const ferry_strmap_t *config, bool is_key, char *errstr,
                                    size_t errstr_size)
{
        ferry_cfg_errors_t errs;
        (void)is_key;
        *state = NULL;
        ferry_cfg_errors_init(&errs);
        if (ferry_config_validate(string_config, config, &errs) > 0) {
                char *msg = ferry_cfg_errors_join(&errs);
                snprintf(errstr, errstr_size, "%s", msg ? msg : "invalid StringConverter configuration");
                free(msg);
                ferry_cfg_errors_free(&errs);
                return FERRY_ERR_INVALID_CONFIG;
        }
        ferry_cfg_errors_free(&errs);
        string_conv_t *c = calloc(1, sizeof(*c));
        if (!c || !(c->schema = ferry_schema_new(FERRY_TYPE_STRING))) {
                free(c);
                return FERRY_ERR_NOMEM;
        }
        c->schema->optional = true;
        *state = c;
        return FERRY_ERR_OK;
}

const ferry_converter_plugin_t ferry_string_converter = {
        .info = FERRY_PLUGIN_INFO(ferry_converter_plugin_t, .type = FERRY_PLUGIN_CONVERTER,
                                  .class_name = "org.apache.kafka.connect.storage.StringConverter",
                                  .version = FERRY_VERSION, .aliases = string_aliases,
                                  .config = string_config,
                                  .doc = "Values as UTF-8 text; reads every message as an optional string."),
        .configure = string_configure,
        .from_connect = string_from_connect,
        .to_connect = string_to_connect,
        .close = string_close,
};
