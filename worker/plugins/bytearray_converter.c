/* ByteArrayConverter (org.apache.kafka.connect.converters.ByteArrayConverter): passes bytes through
 * untouched between Kafka and the transform chain. Writing accepts only BYTES values (or null);
 * reading always yields an optional bytes schema. */
#include "builtin.h"

#include <ferry/converter.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FERRY_VERSION
#define FERRY_VERSION "dev"
#endif

static const char *const converter_types[] = {"key", "value", "header", NULL};

static const ferry_config_def_t bytearray_config[] = {
        {.name = "converter.type",
         .type = FERRY_CFG_STRING,
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "How this converter will be used.",
         .valid = converter_types},
        {.name = NULL},
};

static const char *const bytearray_aliases[] = {"ByteArrayConverter", NULL};

typedef struct {
        ferry_schema_t *schema; /* optional bytes, handed out by reference */
} bytearray_conv_t;

static ferry_err_t bytearray_from_connect(void *state, const char *topic, const ferry_schema_t *schema,
                                          const ferry_value_t *value, ferry_buf_t *out, bool *is_null,
                                          char *errstr, size_t errstr_size)
{
        (void)state;
        (void)topic;
        *is_null = false;
        if (schema && schema->type != FERRY_TYPE_BYTES) {
                /* Java names the type as Schema.Type's enum constant, e.g. STRING. */
                char upper[16];
                const char *n = schema->type == FERRY_TYPE_FLOAT32   ? "float32"
                                : schema->type == FERRY_TYPE_FLOAT64 ? "float64"
                                                                     : ferry_type_name(schema->type);
                size_t i = 0;
                for (; n[i] && i < sizeof(upper) - 1; i++)
                        upper[i] = (char)toupper((unsigned char)n[i]);
                upper[i] = '\0';
                snprintf(errstr, errstr_size, "Invalid schema type for ByteArrayConverter: %s", upper);
                return FERRY_ERR_CONVERSION;
        }
        if (!value) {
                *is_null = true;
                return FERRY_ERR_OK;
        }
        if (value->type != FERRY_TYPE_BYTES) {
                snprintf(errstr, errstr_size, "ByteArrayConverter is not compatible with objects of type %s",
                         ferry_type_name(value->type));
                return FERRY_ERR_CONVERSION;
        }
        if (ferry_buf_append(out, value->u.s.data, value->u.s.len) < 0) {
                snprintf(errstr, errstr_size, "out of memory");
                return FERRY_ERR_NOMEM;
        }
        return FERRY_ERR_OK;
}

static ferry_err_t bytearray_to_connect(void *state, const char *topic, const void *data, size_t len,
                                        ferry_schema_t **schema, ferry_value_t **value, char *errstr,
                                        size_t errstr_size)
{
        bytearray_conv_t *c = state;
        (void)topic;
        *schema = ferry_schema_ref(c->schema);
        *value = NULL;
        if (!data)
                return FERRY_ERR_OK;
        if (!(*value = ferry_value_bytes(data, len))) {
                ferry_schema_unref(*schema);
                *schema = NULL;
                snprintf(errstr, errstr_size, "out of memory");
                return FERRY_ERR_NOMEM;
        }
        return FERRY_ERR_OK;
}

static void bytearray_close(void *state)
{
        bytearray_conv_t *c = state;
        if (!c)
                return;
        ferry_schema_unref(c->schema);
        free(c);
}

static ferry_err_t bytearray_configure(void **state, const ferry_strmap_t *config, bool is_key, char *errstr,
                                       size_t errstr_size)
{
        ferry_cfg_errors_t errs;
        (void)is_key;
        *state = NULL;
        ferry_cfg_errors_init(&errs);
        if (ferry_config_validate(bytearray_config, config, &errs) > 0) {
                char *msg = ferry_cfg_errors_join(&errs);
                snprintf(errstr, errstr_size, "%s", msg ? msg : "invalid ByteArrayConverter configuration");
                free(msg);
                ferry_cfg_errors_free(&errs);
                return FERRY_ERR_INVALID_CONFIG;
        }
        ferry_cfg_errors_free(&errs);
        bytearray_conv_t *c = calloc(1, sizeof(*c));
        if (!c || !(c->schema = ferry_schema_new(FERRY_TYPE_BYTES))) {
                free(c);
                return FERRY_ERR_NOMEM;
        }
        c->schema->optional = true;
        *state = c;
        return FERRY_ERR_OK;
}

const ferry_converter_plugin_t ferry_bytearray_converter = {
        .info = FERRY_PLUGIN_INFO(ferry_converter_plugin_t, .type = FERRY_PLUGIN_CONVERTER,
                                  .class_name = "org.apache.kafka.connect.converters.ByteArrayConverter",
                                  .version = FERRY_VERSION, .aliases = bytearray_aliases,
                                  .config = bytearray_config, .doc = "Passes raw bytes through unchanged."),
        .configure = bytearray_configure,
        .from_connect = bytearray_from_connect,
        .to_connect = bytearray_to_connect,
        .close = bytearray_close,
};
