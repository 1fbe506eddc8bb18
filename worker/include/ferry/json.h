/* JSON text for the runtime and plugins, written one way everywhere: strings escaped and numbers
 * formatted as Jackson (and so Kafka Connect) writes them. Three layers:
 *   - pieces appended to a ferry_buf_t (a string, an integer, a double, Base64 bytes), for code
 *     that places its own punctuation (the JsonConverter);
 *   - a streaming writer (ferry_jw_t) that places commas and colons, for documents built key by
 *     key (REST bodies, status and config records);
 *   - schemaless Connect values to JSON text and back (offsets, connector files): integers as
 *     INT64, fractions as FLOAT64, objects as maps, as a schemaless JsonConverter reads them. */
#ifndef FERRY_JSON_H
#define FERRY_JSON_H

#include <ferry/api.h>
#include <ferry/buf.h>
#include <ferry/config.h>
#include <ferry/data.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- pieces; each returns 0, or -1 when out of memory ---- */
/* "s" with \" \\ \b \t \n \f \r escaped and other control characters as \u00XX; the rest as is. */
FERRY_API int ferry_json_put_string(ferry_buf_t *b, const char *s, size_t len);
FERRY_API int ferry_json_put_int(ferry_buf_t *b, int64_t v);
/* Java's Double.toString / Float.toString; NaN and the infinities as quoted strings. */
FERRY_API int ferry_json_put_double(ferry_buf_t *b, double v, bool float32);
/* Standard Base64 with padding, quoted. */
FERRY_API int ferry_json_put_base64(ferry_buf_t *b, const void *p, size_t len);

/* ---- streaming writer: commas and escaping handled; keys in the order written ----
 * Allocation failures leave the text short; the text is always NUL-terminated. */
typedef struct {
        ferry_buf_t b; /* the text */
        unsigned depth;
        uint64_t has_items; /* bit d: the container at depth d already holds an item */
        bool after_key;
} ferry_jw_t;

FERRY_API void ferry_jw_init(ferry_jw_t *j);
FERRY_API void ferry_jw_free(ferry_jw_t *j);
FERRY_API void ferry_jw_obj(ferry_jw_t *j); /* { */
FERRY_API void ferry_jw_end_obj(ferry_jw_t *j);
FERRY_API void ferry_jw_arr(ferry_jw_t *j); /* [ */
FERRY_API void ferry_jw_end_arr(ferry_jw_t *j);
FERRY_API void ferry_jw_key(ferry_jw_t *j, const char *key);
FERRY_API void ferry_jw_str(ferry_jw_t *j, const char *s); /* NULL writes null */
FERRY_API void ferry_jw_strn(ferry_jw_t *j, const char *s, size_t n);
FERRY_API void ferry_jw_int(ferry_jw_t *j, int64_t v);
FERRY_API void ferry_jw_bool(ferry_jw_t *j, bool v);
FERRY_API void ferry_jw_null(ferry_jw_t *j);
FERRY_API void ferry_jw_raw(ferry_jw_t *j, const char *json, size_t n); /* an already encoded value */
/* "key": "value" pairs. */
FERRY_API void ferry_jw_kv(ferry_jw_t *j, const char *key, const char *value);
FERRY_API void ferry_jw_strmap(ferry_jw_t *j, const ferry_strmap_t *m); /* {"k":"v",...} */
FERRY_API void ferry_jw_strlist(ferry_jw_t *j, char *const *items, size_t n);

/* ---- schemaless Connect values ----
 * Writing: null, numbers, booleans, strings, bytes (Base64), arrays, and maps (an object when
 * every key is a string, else an array of [key, value] pairs), as a schemaless JsonConverter
 * writes them. Structs need a schema and are refused. */
/* Appends v's JSON to b; -1 with a message when v holds a struct or an integer out of its type's
 * range, or when out of memory. */
FERRY_API int ferry_json_put_value(ferry_buf_t *b, const ferry_value_t *v, char *errstr, size_t errstr_size);
/* v as a new NUL-terminated string (*out, caller frees) of *len bytes; -1 on failure. */
FERRY_API int ferry_json_write(const ferry_value_t *v, char **out, size_t *len);
/* Parses one JSON value (surrounding whitespace allowed, nothing else): NULL with a message for
 * malformed text, non-standard tokens (NaN, Infinity), integers beyond int64 or empty text. JSON
 * null also gives NULL, with the message "JSON null". */
FERRY_API ferry_value_t *ferry_json_read(const char *text, size_t len, char *errstr, size_t errstr_size);

#endif
