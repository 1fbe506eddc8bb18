/* JSON request bodies for the REST layer: the two conversions of parsed bodies (json-c objects)
 * to a flat string map (connector configs) and to schemaless ferry_value_t trees (offsets).
 * Response bodies are written with the SDK's streaming writer (ferry/json.h). */
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

ferry_value_t *ferry_rest_json_value(json_object *obj)
{
        switch (json_object_get_type(obj)) {
        case json_type_null:
                return NULL;
        case json_type_boolean:
                return ferry_value_bool(json_object_get_boolean(obj));
        case json_type_int:
                return ferry_value_int(FERRY_TYPE_INT64, json_object_get_int64(obj));
        case json_type_double:
                return ferry_value_float(FERRY_TYPE_FLOAT64, json_object_get_double(obj));
        case json_type_string:
                return ferry_value_string(json_object_get_string(obj),
                                          (size_t)json_object_get_string_len(obj));
        case json_type_array: {
                ferry_value_t *a = ferry_value_array();
                size_t n = json_object_array_length(obj);
                for (size_t i = 0; a && i < n; i++)
                        ferry_array_append(a, ferry_rest_json_value(json_object_array_get_idx(obj, i)));
                return a;
        }
        case json_type_object: {
                ferry_value_t *m = ferry_value_map();
                json_object_object_foreach(obj, key, val)
                {
                        if (m)
                                ferry_map_put_str(m, key, ferry_rest_json_value(val));
                }
                return m;
        }
        }
        return NULL;
}
