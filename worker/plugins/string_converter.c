/* StringConverter (org.apache.kafka.connect.storage.StringConverter): Connect data to UTF-8 text and
 * back. Sits where any converter does, between the transforms and Kafka; the FileStream sink also
 * uses it to turn values into lines. Writing gives a value's text form as Java's toString() would
 * (numbers, booleans, "[a, b]" lists, "{k=v}" maps, "Struct{f=v}" structs); reading always yields an
 * optional string, with malformed UTF-8 replaced by U+FFFD as Java's decoder does. */
#include "builtin.h"

#include <ferry/converter.h>
#include <ferry/text.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
        if (ferry_value_text(out, schema, value) < 0) {
                snprintf(errstr, errstr_size, "out of memory");
                return FERRY_ERR_NOMEM;
        }
        return FERRY_ERR_OK;
}

/* A STRING value's text is its own bytes: the runtime may hand them on without a copy. */
static bool string_borrow(void *state, const ferry_schema_t *schema, const ferry_value_t *value,
                          const void **data, size_t *len)
{
        (void)state;
        (void)schema;
        if (!value || value->type != FERRY_TYPE_STRING)
                return false;
        *data = value->u.s.data;
        *len = value->u.s.len;
        return true;
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
        .borrow = string_borrow,
};
