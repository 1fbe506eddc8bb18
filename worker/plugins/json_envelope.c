/* JsonConverter envelope scanner (json_envelope.h): delimits the "schema" and "payload" values of
 * a record's JSON bytes on the sink path (consumer -> JsonConverter.to_connect -> put), so that a
 * topic whose records repeat one schema has it parsed once, not once per record. */
#include "json_envelope.h"

#include <string.h>

static size_t skip_ws(const char *p, size_t i, size_t len)
{
        while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
                i++;
        return i;
}

/* The index just past the string starting at p[i] == '"', or 0 when it does not end. */
static size_t skip_string(const char *p, size_t i, size_t len)
{
        for (i++; i < len; i++) {
                if (p[i] == '\\')
                        i++;
                else if (p[i] == '"')
                        return i + 1;
        }
        return 0;
}

/* The index just past the value starting at p[i], or 0 when it cannot be delimited. */
static size_t skip_value(const char *p, size_t i, size_t len)
{
        if (i >= len)
                return 0;
        if (p[i] == '"')
                return skip_string(p, i, len);
        if (p[i] == '{' || p[i] == '[') {
                size_t depth = 0;
                while (i < len) {
                        char ch = p[i];
                        if (ch == '"') {
                                if (!(i = skip_string(p, i, len)))
                                        return 0;
                                continue;
                        }
                        if (ch == '{' || ch == '[') {
                                depth++;
                        } else if (ch == '}' || ch == ']') {
                                if (--depth == 0)
                                        return i + 1;
                        }
                        i++;
                }
                return 0;
        }
        size_t start = i;
        while (i < len && !strchr(",}] \t\r\n", p[i]) && p[i] != '\0')
                i++;
        return i > start ? i : 0;
}

/* The end of the value at p[k] when its bytes start with known, a complete JSON value: where
 * skip_value would end (an object, array or string ends with its own last byte; a scalar where a
 * delimiter follows). 0 when they do not. */
static size_t skip_known(const char *p, size_t k, size_t len, const char *known, size_t known_len)
{
        if (!known || !known_len || len - k < known_len || memcmp(p + k, known, known_len))
                return 0;
        size_t end = k + known_len;
        if (strchr("{[\"", known[0]) || end == len || strchr(",}] \t\r\n", p[end]))
                return end;
        return 0;
}

/* Reads `"key" : value` at p[*i]; which: 0 schema, 1 payload, -1 on anything else. */
static int member(const char *p, size_t *i, size_t len, const char *known, size_t known_len,
                  ferry_json_span_t *value)
{
        static const char schema[] = "\"schema\"", payload[] = "\"payload\"";
        size_t k = *i;
        int which;
        if (len - k >= sizeof(schema) - 1 && !memcmp(p + k, schema, sizeof(schema) - 1)) {
                which = 0;
                k += sizeof(schema) - 1;
        } else if (len - k >= sizeof(payload) - 1 && !memcmp(p + k, payload, sizeof(payload) - 1)) {
                which = 1;
                k += sizeof(payload) - 1;
        } else {
                return -1;
        }
        k = skip_ws(p, k, len);
        if (k >= len || p[k] != ':')
                return -1;
        k = skip_ws(p, k + 1, len);
        size_t end = which == 0 ? skip_known(p, k, len, known, known_len) : 0;
        if (!end)
                end = skip_value(p, k, len);
        if (!end)
                return -1;
        value->off = k;
        value->len = end - k;
        *i = skip_ws(p, end, len);
        return which;
}

bool ferry_json_envelope_spans(const char *p, size_t len, ferry_json_span_t *schema,
                               ferry_json_span_t *payload)
{
        return ferry_json_envelope_spans_known(p, len, NULL, 0, schema, payload);
}

bool ferry_json_envelope_spans_known(const char *p, size_t len, const char *known, size_t known_len,
                                     ferry_json_span_t *schema, ferry_json_span_t *payload)
{
        size_t i = skip_ws(p, 0, len);
        if (i >= len || p[i] != '{')
                return false;
        i = skip_ws(p, i + 1, len);
        ferry_json_span_t v[2];
        int first = member(p, &i, len, known, known_len, &v[0]);
        if (first < 0 || i >= len || p[i] != ',')
                return false;
        i = skip_ws(p, i + 1, len);
        int second = member(p, &i, len, known, known_len, &v[1]);
        if (second < 0 || second == first || i >= len || p[i] != '}')
                return false;
        if (skip_ws(p, i + 1, len) != len)
                return false;
        *schema = v[first == 0 ? 0 : 1];
        *payload = v[first == 0 ? 1 : 0];
        return true;
}
