/* Unit tests for JSON writing and schemaless values as JSON (ferry/json.h,
 * worker/src/common/json.c, worker/src/core/json_value.c): Jackson's string escapes and number
 * forms, the streaming writer's commas, and values to text and back as the offsets store uses
 * them. */
#include <ferry/json.h>

#include <criterion/criterion.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *piece_string(const char *s, size_t n)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        cr_assert_eq(ferry_json_put_string(&b, s, n), 0);
        return ferry_buf_steal(&b);
}

Test(json, string_escapes_as_jackson)
{
        static const char in[] = "a\"b\\c\n\t\r\b\f\x01\x1f\x7f/\xc3\xa9";
        char *s = piece_string(in, sizeof(in) - 1);
        cr_assert_str_eq(s, "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001F\x7f/\xc3\xa9\"");
        free(s);
        s = piece_string("nul\0byte", 8);
        cr_assert_str_eq(s, "\"nul\\u0000byte\"");
        free(s);
        s = piece_string("", 0);
        cr_assert_str_eq(s, "\"\"");
        free(s);
}

Test(json, numbers_and_bytes)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        ferry_json_put_int(&b, INT64_MIN);
        ferry_buf_putc(&b, ' ');
        ferry_json_put_int(&b, 0);
        ferry_buf_putc(&b, ' ');
        ferry_json_put_double(&b, 1.5, false);
        ferry_buf_putc(&b, ' ');
        ferry_json_put_double(&b, 1e21, false);
        ferry_buf_putc(&b, ' ');
        ferry_json_put_double(&b, NAN, false);
        ferry_buf_putc(&b, ' ');
        ferry_json_put_base64(&b, "hello", 5);
        ferry_buf_putc(&b, ' ');
        ferry_json_put_base64(&b, "", 0);
        cr_assert_str_eq(b.p, "-9223372036854775808 0 1.5 1.0E21 \"NaN\" \"aGVsbG8=\" \"\"");
        ferry_buf_free(&b);
}

Test(json, writer_places_commas)
{
        ferry_jw_t j;
        ferry_jw_init(&j);
        ferry_jw_obj(&j);
        ferry_jw_kv(&j, "name", "a\"b");
        ferry_jw_key(&j, "tasks");
        ferry_jw_arr(&j);
        ferry_jw_int(&j, 1);
        ferry_jw_obj(&j);
        ferry_jw_end_obj(&j);
        ferry_jw_null(&j);
        ferry_jw_bool(&j, false);
        ferry_jw_end_arr(&j);
        ferry_jw_key(&j, "raw");
        ferry_jw_raw(&j, "{\"x\":1}", 7);
        ferry_jw_key(&j, "none");
        ferry_jw_str(&j, NULL);
        char *items[] = {"x", "y"};
        ferry_jw_key(&j, "list");
        ferry_jw_strlist(&j, items, 2);
        ferry_jw_end_obj(&j);
        cr_assert_str_eq(j.b.p, "{\"name\":\"a\\\"b\",\"tasks\":[1,{},null,false],\"raw\":{\"x\":1},"
                                "\"none\":null,\"list\":[\"x\",\"y\"]}");
        ferry_jw_free(&j);
}

static char *write_value(const ferry_value_t *v)
{
        char *out = NULL;
        size_t len = 0;
        cr_assert_eq(ferry_json_write(v, &out, &len), 0);
        cr_assert_eq(strlen(out), len);
        return out;
}

Test(json, values_as_a_schemaless_converter_writes_them)
{
        ferry_value_t *m = ferry_value_map();
        ferry_map_put_str(m, "file", ferry_value_cstring("/tmp/in.txt"));
        ferry_map_put_str(m, "position", ferry_value_int(FERRY_TYPE_INT64, 42));
        ferry_map_put_str(m, "ok", ferry_value_bool(true));
        ferry_map_put_str(m, "none", NULL);
        ferry_value_t *a = ferry_value_array();
        ferry_array_append(a, ferry_value_float(FERRY_TYPE_FLOAT32, 0.1));
        ferry_array_append(a, ferry_value_bytes("\x00\xff", 2));
        ferry_map_put_str(m, "list", a);
        char *s = write_value(m);
        cr_assert_str_eq(s, "{\"file\":\"/tmp/in.txt\",\"position\":42,\"ok\":true,\"none\":null,"
                            "\"list\":[0.1,\"AP8=\"]}");
        free(s);
        ferry_value_free(m);

        /* A map with a key that is not a string: an array of [key, value] pairs. */
        m = ferry_value_map();
        ferry_map_append(m, ferry_value_int(FERRY_TYPE_INT32, 1), ferry_value_cstring("one"));
        ferry_map_append(m, ferry_value_cstring("two"), ferry_value_int(FERRY_TYPE_INT8, 2));
        s = write_value(m);
        cr_assert_str_eq(s, "[[1,\"one\"],[\"two\",2]]");
        free(s);
        ferry_value_free(m);

        s = write_value(NULL);
        cr_assert_str_eq(s, "null");
        free(s);
}

Test(json, values_refused)
{
        char err[128];
        ferry_buf_t b;
        ferry_buf_init(&b);
        ferry_value_t *v = ferry_value_int(FERRY_TYPE_INT8, 300);
        cr_assert_eq(ferry_json_put_value(&b, v, err, sizeof(err)), -1);
        cr_assert_str_eq(err, "value 300 out of range for int8");
        ferry_value_free(v);
        ferry_schema_t *s = ferry_schema_new(FERRY_TYPE_STRUCT);
        v = ferry_value_struct(s);
        cr_assert_eq(ferry_json_put_value(&b, v, err, sizeof(err)), -1);
        cr_assert_str_eq(err, "Mismatching schema."); /* a struct needs its schema */
        ferry_value_free(v);
        ferry_schema_unref(s);
        ferry_buf_free(&b);
}

Test(json, read_round_trip)
{
        static const char text[] = " {\"key\":[\"conn\",{\"file\":\"f\"}],\"value\":{\"position\":-7,"
                                   "\"ratio\":2.5,\"s\":\"\\u00e9\\n\",\"t\":true,\"n\":null}} \n";
        char err[256] = "";
        ferry_value_t *v = ferry_json_read(text, sizeof(text) - 1, err, sizeof(err));
        cr_assert_not_null(v, "%s", err);
        cr_assert_eq(v->type, FERRY_TYPE_MAP);
        ferry_value_t *val = ferry_map_get_str(v, "value");
        cr_assert_eq(ferry_map_get_str(val, "position")->type, FERRY_TYPE_INT64);
        cr_assert_eq(ferry_map_get_str(val, "position")->u.i, -7);
        cr_assert_eq(ferry_map_get_str(val, "ratio")->type, FERRY_TYPE_FLOAT64);
        cr_assert_str_eq(ferry_map_get_str(val, "s")->u.s.data, "\xc3\xa9\n");
        char *s = write_value(v);
        cr_assert_str_eq(s, "{\"key\":[\"conn\",{\"file\":\"f\"}],\"value\":{\"position\":-7,\"ratio\":2.5,"
                            "\"s\":\"\xc3\xa9\\n\",\"t\":true,\"n\":null}}");
        free(s);
        ferry_value_free(v);

        v = ferry_json_read("12", 2, err, sizeof(err)); /* a bare number ends with the input */
        cr_assert_not_null(v, "%s", err);
        cr_assert_eq(v->u.i, 12);
        ferry_value_free(v);
}

Test(json, read_refuses)
{
        static const char *const bad[] = {
                "", "  ", "{\"a\":", "[1] x", "NaN", "[-Infinity]", "99999999999999999999", "null",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                char err[256] = "";
                cr_assert_null(ferry_json_read(bad[i], strlen(bad[i]), err, sizeof(err)), "%s", bad[i]);
                cr_assert_neq(err[0], '\0', "no message for %s", bad[i]);
        }
        char err[256];
        cr_assert_null(ferry_json_read("[1] x", 5, err, sizeof(err)));
        cr_assert_str_eq(err, "unexpected content after the JSON value at offset 4");
        cr_assert_null(ferry_json_read("NaN", 3, err, sizeof(err)));
        cr_assert_str_eq(err, "Non-standard token 'NaN': not allowed in JSON");
}
