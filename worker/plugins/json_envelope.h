/* Finds the two members of a JsonConverter envelope ({"schema": S, "payload": P}) in a record's
 * bytes without parsing them, so a converter that has seen the same schema text before parses only
 * the payload (json_converter.c). */
#ifndef FERRY_JSON_ENVELOPE_H
#define FERRY_JSON_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
        size_t off, len;
} ferry_json_span_t;

/* True when p[0..len) is an object with exactly the members "schema" and "payload" (either order,
 * plain keys, whitespace around the tokens) and nothing after it but whitespace; *schema and
 * *payload then hold the byte spans of the two values. The values themselves are only delimited
 * (strings skipped, brackets counted), not checked: the caller must validate each span's bytes,
 * by parsing them or by finding them equal to bytes it validated before. False for anything
 * else, including every malformed input, which the caller then parses in full. */
bool ferry_json_envelope_spans(const char *p, size_t len, ferry_json_span_t *schema,
                               ferry_json_span_t *payload);
/* The same, faster when the schema value is likely to be known[0..known_len) (a complete JSON value
 * from an earlier record): bytes equal to it are not scanned again. The result is the same. */
bool ferry_json_envelope_spans_known(const char *p, size_t len, const char *known, size_t known_len,
                                     ferry_json_span_t *schema, ferry_json_span_t *payload);

#endif
