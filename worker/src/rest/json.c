/* JSON request bodies for the REST layer: a parsed body (json-c object) to a flat string map
 * (connector configs). Offsets bodies become schemaless values through ferry_json_read() like the
 * offsets topic's records, and response bodies are written with the SDK's streaming writer
 * (ferry/json.h). */
#include "rest/api.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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
