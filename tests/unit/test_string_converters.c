/* Unit tests for StringConverter and ByteArrayConverter: text forms as Java's toString() gives them,
 * UTF-8 decoding with replacement, pass-through bytes, nulls and configuration errors. */
#include "../../worker/plugins/builtin.h"

#include <ferry/converter.h>

#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

static void *configure(const ferry_converter_plugin_t *p, const char *key, const char *value)
{
        ferry_strmap_t m;
        ferry_strmap_init(&m);
        if (key)
                ferry_strmap_set(&m, key, value);
        void *st = NULL;
        char err[512] = "";
        ferry_err_t e = p->configure(&st, &m, false, err, sizeof(err));
        ferry_strmap_free(&m);
        cr_assert_eq(e, FERRY_ERR_OK, "configure: %s", err);
        return st;
}

/* from_connect; returns the bytes (NULL for a null record) and their length. */
static char *text(const ferry_converter_plugin_t *p, void *st, const ferry_schema_t *s,
                  const ferry_value_t *v, size_t *len)
{
        ferry_buf_t b;
        bool is_null = false;
        char err[512] = "";
        ferry_buf_init(&b);
        ferry_err_t e = p->from_connect(st, "t", s, v, &b, &is_null, err, sizeof(err));
        cr_assert_eq(e, FERRY_ERR_OK, "from_connect: %s", err);
        if (is_null) {
                ferry_buf_free(&b);
                return NULL;
        }
        if (len)
                *len = b.len;
        return ferry_buf_steal(&b);
}

static void expect_text(void *st, ferry_schema_t *s, ferry_value_t *v, const char *want)
{
        char *got = text(&ferry_string_converter, st, s, v, NULL);
        cr_assert_not_null(got);
        cr_assert_str_eq(got, want);
        free(got);
        ferry_schema_unref(s);
        ferry_value_free(v);
}

Test(string_converter, plugin_info)
{
        const ferry_plugin_info_t *i = &ferry_string_converter.info;
        cr_assert_eq(i->abi, FERRY_PLUGIN_ABI);
        cr_assert_eq(i->type, FERRY_PLUGIN_CONVERTER);
        cr_assert_str_eq(i->class_name, "org.apache.kafka.connect.storage.StringConverter");
        cr_assert_str_eq(i->aliases[0], "StringConverter");
        cr_assert_str_eq(i->config[1].name, "converter.encoding");
        cr_assert_str_eq(i->config[1].default_value, "UTF-8");
        i = &ferry_bytearray_converter.info;
        cr_assert_eq(i->type, FERRY_PLUGIN_CONVERTER);
        cr_assert_str_eq(i->class_name, "org.apache.kafka.connect.converters.ByteArrayConverter");
        cr_assert_str_eq(i->aliases[0], "ByteArrayConverter");
}

Test(string_converter, encoding_config)
{
        void *st = configure(&ferry_string_converter, "converter.encoding", "utf-8");
        ferry_string_converter.close(st);
        st = configure(&ferry_string_converter, "converter.encoding", "UTF8");
        ferry_string_converter.close(st);

        ferry_strmap_t m;
        ferry_strmap_init(&m);
        ferry_strmap_set(&m, "converter.encoding", "UTF-16");
        char err[512] = "";
        st = NULL;
        cr_assert_eq(ferry_string_converter.configure(&st, &m, true, err, sizeof(err)),
                     FERRY_ERR_INVALID_CONFIG);
        cr_assert_null(st);
        cr_assert(strstr(err, "converter.encoding"), "%s", err);
        cr_assert(strstr(err, "UTF-16"), "%s", err);
        ferry_strmap_free(&m);
}

Test(string_converter, text_forms)
{
        void *st = configure(&ferry_string_converter, NULL, NULL);
        expect_text(st, ferry_schema_new(FERRY_TYPE_STRING), ferry_value_cstring("h\xc3\xa9llo"),
                    "h\xc3\xa9llo");
        expect_text(st, NULL, ferry_value_cstring("schemaless"), "schemaless");
        expect_text(st, ferry_schema_new(FERRY_TYPE_INT32), ferry_value_int(FERRY_TYPE_INT32, -42), "-42");
        expect_text(st, NULL, ferry_value_int(FERRY_TYPE_INT64, 9007199254740993), "9007199254740993");
        expect_text(st, NULL, ferry_value_float(FERRY_TYPE_FLOAT64, 1e10), "1.0E10");
        expect_text(st, NULL, ferry_value_float(FERRY_TYPE_FLOAT64, 2.5), "2.5");
        expect_text(st, NULL, ferry_value_float(FERRY_TYPE_FLOAT32, 0.1), "0.1");
        expect_text(st, NULL, ferry_value_bool(false), "false");
        expect_text(st, ferry_schema_decimal(2), ferry_value_bytes("\x00\x9c", 2), "1.56");
        expect_text(st, ferry_schema_logical(FERRY_LOGICAL_DATE), ferry_value_int(FERRY_TYPE_INT32, 0),
                    "Thu Jan 01 00:00:00 UTC 1970");
        expect_text(st, ferry_schema_logical(FERRY_LOGICAL_TIMESTAMP),
                    ferry_value_int(FERRY_TYPE_INT64, 1700000000123), "Tue Nov 14 22:13:20 UTC 2023");
        expect_text(st, ferry_schema_logical(FERRY_LOGICAL_TIMESTAMP), ferry_value_int(FERRY_TYPE_INT64, -1),
                    "Wed Dec 31 23:59:59 UTC 1969");

        ferry_value_t *a = ferry_value_array();
        ferry_array_append(a, ferry_value_int(FERRY_TYPE_INT32, 1));
        ferry_array_append(a, NULL);
        ferry_array_append(a, ferry_value_cstring("x"));
        expect_text(st, NULL, a, "[1, null, x]");

        ferry_value_t *m = ferry_value_map();
        ferry_map_put_str(m, "a", ferry_value_int(FERRY_TYPE_INT32, 1));
        ferry_map_put_str(m, "b", ferry_value_bool(true));
        expect_text(st, NULL, m, "{a=1, b=true}");

        ferry_schema_t *s = ferry_schema_new(FERRY_TYPE_STRUCT);
        ferry_schema_add_field(s, "id", ferry_schema_new(FERRY_TYPE_INT64));
        ferry_schema_t *o = ferry_schema_new(FERRY_TYPE_STRING);
        o->optional = true;
        ferry_schema_add_field(s, "skip", o);
        ferry_schema_add_field(s, "name", ferry_schema_new(FERRY_TYPE_STRING));
        ferry_value_t *v = ferry_value_struct(s);
        ferry_struct_put(v, "id", ferry_value_int(FERRY_TYPE_INT64, 7));
        ferry_struct_put(v, "name", ferry_value_cstring("Ann"));
        ferry_schema_ref(s);
        expect_text(st, s, v, "Struct{id=7,name=Ann}");
        ferry_schema_unref(s);

        /* null: a null record */
        cr_assert_null(text(&ferry_string_converter, st, NULL, NULL, NULL));
        ferry_schema_t *os = ferry_schema_new(FERRY_TYPE_STRING);
        cr_assert_null(text(&ferry_string_converter, st, os, NULL, NULL));
        ferry_schema_unref(os);

        /* bytes pass through as they are */
        ferry_value_t *b = ferry_value_bytes("a\0b", 3);
        size_t len = 0;
        char *got = text(&ferry_string_converter, st, NULL, b, &len);
        cr_assert_eq(len, 3);
        cr_assert_eq(memcmp(got, "a\0b", 3), 0);
        free(got);
        ferry_value_free(b);
        ferry_string_converter.close(st);
}

Test(string_converter, lends_string_bytes)
{
        /* The runtime hands a STRING's own bytes to the producer: the converter says they are what
         * from_connect would write; other values go through from_connect. */
        void *st = configure(&ferry_string_converter, NULL, NULL);
        cr_assert_not_null(ferry_string_converter.borrow);
        ferry_value_t *v = ferry_value_cstring("h\xc3\xa9llo");
        const void *data = NULL;
        size_t len = 0;
        cr_assert(ferry_string_converter.borrow(st, NULL, v, &data, &len));
        cr_assert_eq(data, (const void *)v->u.s.data);
        cr_assert_eq(len, v->u.s.len);
        size_t tlen = 0;
        char *t = text(&ferry_string_converter, st, NULL, v, &tlen);
        cr_assert_eq(tlen, len);
        cr_assert_eq(memcmp(t, data, len), 0);
        free(t);
        ferry_value_free(v);
        v = ferry_value_int(FERRY_TYPE_INT32, 5);
        cr_assert_not(ferry_string_converter.borrow(st, NULL, v, &data, &len));
        ferry_value_free(v);
        cr_assert_not(ferry_string_converter.borrow(st, NULL, NULL, &data, &len));
        ferry_string_converter.close(st);
        /* a converter that does not offer it */
        cr_assert_null(ferry_json_converter.borrow);
}

Test(string_converter, to_connect)
{
        void *st = configure(&ferry_string_converter, NULL, NULL);
        ferry_schema_t *s = NULL;
        ferry_value_t *v = NULL;
        char err[256];
        cr_assert_eq(ferry_string_converter.to_connect(st, "t", "h\xc3\xa9llo", 6, &s, &v, err, sizeof(err)),
                     FERRY_ERR_OK);
        cr_assert_eq(s->type, FERRY_TYPE_STRING);
        cr_assert(s->optional);
        cr_assert_eq(v->type, FERRY_TYPE_STRING);
        cr_assert_str_eq(v->u.s.data, "h\xc3\xa9llo");
        ferry_schema_unref(s);
        ferry_value_free(v);

        /* a tombstone: optional string schema, null value (as Java) */
        cr_assert_eq(ferry_string_converter.to_connect(st, "t", NULL, 0, &s, &v, err, sizeof(err)),
                     FERRY_ERR_OK);
        cr_assert_not_null(s);
        cr_assert_null(v);
        ferry_schema_unref(s);

        cr_assert_eq(ferry_string_converter.to_connect(st, "t", "", 0, &s, &v, err, sizeof(err)),
                     FERRY_ERR_OK);
        cr_assert_eq(v->u.s.len, 0);
        ferry_schema_unref(s);
        ferry_value_free(v);

        /* malformed UTF-8: one U+FFFD per maximal subpart, as Java's decoder */
        static const struct {
                const char *in;
                size_t len;
                const char *out;
        } cases[] = {
                {"a\xff"
                 "b",
                 3,
                 "a\xef\xbf\xbd"
                 "b"},
                {"\xe2\x82", 2, "\xef\xbf\xbd"},
                {"\xe2\x82"
                 "A",
                 3,
                 "\xef\xbf\xbd"
                 "A"},
                {"\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd"},
                {"\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
                {"\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80"},
                {"\xf0\x9f\x98", 3, "\xef\xbf\xbd"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                cr_assert_eq(ferry_string_converter.to_connect(st, "t", cases[i].in, cases[i].len, &s, &v,
                                                               err, sizeof(err)),
                             FERRY_ERR_OK);
                cr_assert_str_eq(v->u.s.data, cases[i].out, "case %zu", i);
                ferry_schema_unref(s);
                ferry_value_free(v);
        }
        ferry_string_converter.close(st);
}

Test(bytearray_converter, round_trip)
{
        void *st = configure(&ferry_bytearray_converter, "converter.type", "value");
        ferry_schema_t *bs = ferry_schema_new(FERRY_TYPE_BYTES);
        ferry_value_t *b = ferry_value_bytes("\x00\x01\xfe\xff", 4);
        size_t len = 0;
        char *got = text(&ferry_bytearray_converter, st, bs, b, &len);
        cr_assert_eq(len, 4);
        cr_assert_eq(memcmp(got, "\x00\x01\xfe\xff", 4), 0);
        free(got);
        got = text(&ferry_bytearray_converter, st, NULL, b, &len);
        cr_assert_eq(len, 4);
        free(got);

        ferry_schema_t *s = NULL;
        ferry_value_t *v = NULL;
        char err[256];
        cr_assert_eq(ferry_bytearray_converter.to_connect(st, "t", "\x00\x01\xfe\xff", 4, &s, &v, err,
                                                          sizeof(err)),
                     FERRY_ERR_OK);
        cr_assert_eq(s->type, FERRY_TYPE_BYTES);
        cr_assert(s->optional);
        cr_assert(ferry_value_equal(v, b));
        ferry_schema_unref(s);
        ferry_value_free(v);

        cr_assert_eq(ferry_bytearray_converter.to_connect(st, "t", NULL, 0, &s, &v, err, sizeof(err)),
                     FERRY_ERR_OK);
        cr_assert_eq(s->type, FERRY_TYPE_BYTES);
        cr_assert_null(v);
        ferry_schema_unref(s);

        cr_assert_null(text(&ferry_bytearray_converter, st, NULL, NULL, NULL));
        cr_assert_null(text(&ferry_bytearray_converter, st, bs, NULL, NULL));
        ferry_value_free(b);
        ferry_schema_unref(bs);
        ferry_bytearray_converter.close(st);
}

Test(bytearray_converter, errors)
{
        void *st = configure(&ferry_bytearray_converter, NULL, NULL);
        ferry_buf_t b;
        bool is_null;
        char err[256];
        ferry_buf_init(&b);
        ferry_value_t *s = ferry_value_cstring("text");
        cr_assert_eq(ferry_bytearray_converter.from_connect(st, "t", NULL, s, &b, &is_null, err, sizeof(err)),
                     FERRY_ERR_CONVERSION);
        cr_assert_str_eq(err, "ByteArrayConverter is not compatible with objects of type string");
        ferry_schema_t *ss = ferry_schema_new(FERRY_TYPE_STRING);
        cr_assert_eq(ferry_bytearray_converter.from_connect(st, "t", ss, s, &b, &is_null, err, sizeof(err)),
                     FERRY_ERR_CONVERSION);
        cr_assert_str_eq(err, "Invalid schema type for ByteArrayConverter: STRING");
        ferry_schema_t *fs = ferry_schema_new(FERRY_TYPE_FLOAT64);
        cr_assert_eq(
                ferry_bytearray_converter.from_connect(st, "t", fs, NULL, &b, &is_null, err, sizeof(err)),
                FERRY_ERR_CONVERSION);
        cr_assert_str_eq(err, "Invalid schema type for ByteArrayConverter: FLOAT64");
        ferry_buf_free(&b);
        ferry_value_free(s);
        ferry_schema_unref(ss);
        ferry_schema_unref(fs);
        ferry_bytearray_converter.close(st);

        ferry_strmap_t m;
        ferry_strmap_init(&m);
        ferry_strmap_set(&m, "converter.type", "sideways");
        void *bad = NULL;
        cr_assert_eq(ferry_bytearray_converter.configure(&bad, &m, false, err, sizeof(err)),
                     FERRY_ERR_INVALID_CONFIG);
        cr_assert(strstr(err, "converter.type"), "%s", err);
        cr_assert_null(bad);
        ferry_strmap_free(&m);
}
