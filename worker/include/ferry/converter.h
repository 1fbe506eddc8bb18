/* Converters turn Connect data into bytes for Kafka and back. One instance per key, value or
 * header slot of a task; configure() gets the slot's settings with the prefix removed. */
#ifndef FERRY_CONVERTER_H
#define FERRY_CONVERTER_H

#include <ferry/api.h>

#include <ferry/buf.h>
#include <ferry/data.h>
#include <ferry/errors.h>
#include <ferry/plugin.h>

typedef struct ferry_converter_plugin {
        ferry_plugin_info_t info; /* type CONVERTER or HEADER_CONVERTER */
        ferry_err_t (*configure)(void **state, const ferry_strmap_t *config, bool is_key, char *errstr,
                                 size_t errstr_size);
        /* Serialises into out (reset by the caller). *is_null = true: the result is a null record. */
        ferry_err_t (*from_connect)(void *state, const char *topic, const ferry_schema_t *schema,
                                    const ferry_value_t *value, ferry_buf_t *out, bool *is_null, char *errstr,
                                    size_t errstr_size);
        /* Parses data (NULL: a null record) into a schema reference (may be NULL) and value. */
        ferry_err_t (*to_connect)(void *state, const char *topic, const void *data, size_t len,
                                  ferry_schema_t **schema, ferry_value_t **value, char *errstr,
                                  size_t errstr_size);
        void (*close)(void *state);
        /* Optional (NULL: not offered). When the bytes from_connect would write for this value are
         * bytes the value already holds (StringConverter: a STRING value's UTF-8), points *data and
         * *len at them and returns true: the runtime hands them to the producer without copying
         * them into a buffer first. They must stay valid while the value lives. false: the runtime
         * calls from_connect. Called once per record on the task's thread; must not allocate. */
        bool (*borrow)(void *state, const ferry_schema_t *schema, const ferry_value_t *value,
                       const void **data, size_t *len);
} ferry_converter_plugin_t;

#endif
