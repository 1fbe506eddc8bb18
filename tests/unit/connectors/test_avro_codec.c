/* Unit tests of the Avro binary codec and the Connect value mapping (worker/connectors/shared/avro):
 * zigzag varints byte for byte, floats little-endian, every Connect type and logical type through
 * encode -> decode, Avro -> Connect schema mapping of unions, enums, fixed and defaults, and
 * malformed input refused with a message. */
#include "shared/avro/avro_data.h"

#include <criterion/criterion.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void expect_bytes(const ferry_buf_t *b, const char *want, size_t n)
{
        cr_assert_eq(b->len, n, "length %zu, want %zu", b->len, n);
        cr_assert(memcmp(b->p, want, n) == 0);
}

Test(avro_codec, zigzag_varints)
{
        struct {
                int64_t v;
                const char *bytes;
                size_t n;
        } cases[] = {
                {0, "\x00", 1},
                {-1, "\x01", 1},
                {1, "\x02", 1},
                {-64, "\x7f", 1},
                {64, "\x80\x01", 2},
                {300, "\xd8\x04", 2},
                {INT64_MAX, "\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10},
                {INT64_MIN, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                ferry_buf_t b;
                ferry_buf_init(&b);
                cr_assert_eq(ferry_avro_write_long(&b, cases[i].v), 0);
                expect_bytes(&b, cases[i].bytes, cases[i].n);
                ferry_avro_reader_t r;
                ferry_avro_reader_init(&r, b.p, b.len);
                int64_t back;
                cr_assert_eq(ferry_avro_read_long(&r, &back), 0);
                cr_assert_eq(back, cases[i].v);
                cr_assert_eq(r.p, r.end);
                ferry_buf_free(&b);
        }
}

Test(avro_codec, malformed_varints_and_lengths)
{
        ferry_avro_reader_t r;
        int64_t v;
        ferry_avro_reader_init(&r, "\x80\x80", 2);
        cr_assert_eq(ferry_avro_read_long(&r, &v), -1);
        cr_assert_not_null(r.err);
        ferry_avro_reader_init(&r, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10);
        cr_assert_eq(ferry_avro_read_long(&r, &v), -1);
        int32_t i;
        ferry_avro_reader_init(&r, "\x80\x80\x80\x80\x20", 5); /* 2^33 zigzagged */
        cr_assert_eq(ferry_avro_read_int(&r, &i), -1);
        const char *p;
        size_t len;
        ferry_avro_reader_init(&r, "\x01", 1); /* length -1 */
        cr_assert_eq(ferry_avro_read_bytes(&r, &p, &len), -1);
        ferry_avro_reader_init(&r,
                               "\x06"
                               "ab",
                               3); /* length 3, 2 bytes */
        cr_assert_eq(ferry_avro_read_bytes(&r, &p, &len), -1);
        bool bl;
        ferry_avro_reader_init(&r, "\x02", 1);
        cr_assert_eq(ferry_avro_read_bool(&r, &bl), -1);
}

Test(avro_codec, floats_little_endian)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        ferry_avro_write_float(&b, 1.0f);
        ferry_avro_write_double(&b, -2.0);
        expect_bytes(&b, "\x00\x00\x80\x3f\x00\x00\x00\x00\x00\x00\x00\xc0", 12);
        ferry_avro_reader_t r;
        ferry_avro_reader_init(&r, b.p, b.len);
        float f;
        double d;
        cr_assert_eq(ferry_avro_read_float(&r, &f), 0);
        cr_assert_eq(ferry_avro_read_double(&r, &d), 0);
        cr_assert_float_eq(f, 1.0f, 0);
        cr_assert_float_eq(d, -2.0, 0);
        ferry_buf_free(&b);
}

/* Encodes v with the Avro form of s, decodes it with the Connect schema mapped back from that Avro
 * schema (as a reader of the registry's text would), and returns the decoded value and bytes. */
static ferry_value_t *round_trip(ferry_schema_t *s, const ferry_value_t *v, ferry_buf_t *bytes)
{
        ferry_avro_data_config_t cfg = FERRY_AVRO_DATA_CONFIG_DEFAULT;
        char err[256] = "";
        ferry_avro_schema_t *a = ferry_avro_from_connect(&cfg, s, err, sizeof(err));
        cr_assert_not_null(a, "%s", err);
        ferry_buf_t text;
        ferry_buf_init(&text);
        cr_assert_eq(ferry_avro_write_json(a, &text, err, sizeof(err)), 0);
        ferry_avro_schema_t *parsed = ferry_avro_parse(text.p, text.len, err, sizeof(err));
        cr_assert_not_null(parsed, "%s: %s", text.p, err);
        ferry_schema_t *back = ferry_avro_to_connect(&cfg, parsed, -1, err, sizeof(err));
        cr_assert_not_null(back, "%s", err);
        ferry_buf_init(bytes);
        cr_assert_eq(ferry_avro_encode(ferry_avro_root(a), s, v, bytes, err, sizeof(err)), 0, "%s", err);
        ferry_avro_reader_t r;
        ferry_avro_reader_init(&r, bytes->p, bytes->len);
        ferry_value_t *out = NULL;
        cr_assert_eq(ferry_avro_decode(ferry_avro_root(parsed), back, &r, &out, err, sizeof(err)), 0, "%s",
                     err);
        cr_assert_eq(r.p, r.end, "bytes left over");
        ferry_schema_unref(back);
        ferry_avro_schema_free(parsed);
        ferry_avro_schema_free(a);
        ferry_buf_free(&text);
        return out;
}

Test(avro_codec, every_connect_type_round_trips)
{
        ferry_schema_t *s = ferry_schema_struct("com.example.All");
        ferry_schema_add_field(s, "i8", ferry_schema_new(FERRY_TYPE_INT8));
        ferry_schema_add_field(s, "i16", ferry_schema_new(FERRY_TYPE_INT16));
        ferry_schema_add_field(s, "i32", ferry_schema_new(FERRY_TYPE_INT32));
        ferry_schema_add_field(s, "i64", ferry_schema_new(FERRY_TYPE_INT64));
        ferry_schema_add_field(s, "f32", ferry_schema_new(FERRY_TYPE_FLOAT32));
        ferry_schema_add_field(s, "f64", ferry_schema_new(FERRY_TYPE_FLOAT64));
        ferry_schema_add_field(s, "b", ferry_schema_new(FERRY_TYPE_BOOLEAN));
        ferry_schema_add_field(s, "s", ferry_schema_new(FERRY_TYPE_STRING));
        ferry_schema_add_field(s, "by", ferry_schema_new(FERRY_TYPE_BYTES));
        ferry_schema_add_field(s, "opt", ferry_schema_optional(FERRY_TYPE_STRING));
        ferry_schema_add_field(s, "dec", ferry_schema_decimal(2));
        ferry_schema_add_field(s, "date", ferry_schema_logical(FERRY_LOGICAL_DATE));
        ferry_schema_add_field(s, "time", ferry_schema_logical(FERRY_LOGICAL_TIME));
        ferry_schema_add_field(s, "ts", ferry_schema_logical(FERRY_LOGICAL_TIMESTAMP));
        ferry_schema_add_field(s, "arr", ferry_schema_array(ferry_schema_new(FERRY_TYPE_INT32)));
        ferry_schema_add_field(
                s, "smap",
                ferry_schema_map(ferry_schema_new(FERRY_TYPE_STRING), ferry_schema_new(FERRY_TYPE_INT64)));
        ferry_schema_add_field(
                s, "imap",
                ferry_schema_map(ferry_schema_new(FERRY_TYPE_INT32), ferry_schema_new(FERRY_TYPE_STRING)));
        ferry_schema_t *inner = ferry_schema_struct(NULL);
        ferry_schema_add_field(inner, "x", ferry_schema_optional(FERRY_TYPE_INT32));
        ferry_schema_set_optional(inner, true);
        ferry_schema_add_field(s, "inner", inner);

        ferry_value_t *v = ferry_value_struct(s);
        cr_assert_eq(ferry_struct_put_int(v, "i8", -128), 0);
        cr_assert_eq(ferry_struct_put_int(v, "i16", 32767), 0);
        cr_assert_eq(ferry_struct_put_int(v, "i32", -2147483647 - 1), 0);
        cr_assert_eq(ferry_struct_put_int(v, "i64", INT64_MAX), 0);
        cr_assert_eq(ferry_struct_put_double(v, "f32", 1.5), 0);
        cr_assert_eq(ferry_struct_put_double(v, "f64", -1e300), 0);
        cr_assert_eq(ferry_struct_put_bool(v, "b", true), 0);
        cr_assert_eq(ferry_struct_put_string(v, "s", "z\xc3\xbcrich"), 0);
        cr_assert_eq(ferry_struct_put_bytes(v, "by", "\x00\xff", 2), 0);
        ferry_struct_put(v, "dec", ferry_value_bytes("\x00\x00\x04\xd2", 4)); /* 12.34, not minimal */
        ferry_struct_put(v, "date", ferry_value_int(FERRY_TYPE_INT32, 19724));
        ferry_struct_put(v, "time", ferry_value_int(FERRY_TYPE_INT32, 3723000));
        ferry_struct_put(v, "ts", ferry_value_int(FERRY_TYPE_INT64, 1704164645000));
        ferry_value_t *arr = ferry_value_array();
        ferry_array_append(arr, ferry_value_int(FERRY_TYPE_INT32, 7));
        ferry_array_append(arr, ferry_value_int(FERRY_TYPE_INT32, -7));
        ferry_struct_put(v, "arr", arr);
        ferry_value_t *sm = ferry_value_map();
        ferry_map_put_str(sm, "k", ferry_value_int(FERRY_TYPE_INT64, 1));
        ferry_struct_put(v, "smap", sm);
        ferry_value_t *im = ferry_value_map();
        ferry_map_put(im, ferry_value_int(FERRY_TYPE_INT32, 5), ferry_value_cstring("five"));
        ferry_struct_put(v, "imap", im);
        ferry_value_t *iv = ferry_value_struct(inner);
        ferry_struct_put_int(iv, "x", 9);
        ferry_struct_put(v, "inner", iv);

        ferry_buf_t bytes;
        ferry_value_t *out = round_trip(s, v, &bytes);
        int64_t n;
        cr_assert(ferry_struct_get_int(out, "i8", &n) && n == -128);
        cr_assert_eq(ferry_struct_get(out, "i8")->type, FERRY_TYPE_INT8);
        cr_assert(ferry_struct_get_int(out, "i16", &n) && n == 32767);
        cr_assert_eq(ferry_struct_get(out, "i16")->type, FERRY_TYPE_INT16);
        cr_assert(ferry_struct_get_int(out, "i32", &n) && n == INT32_MIN);
        cr_assert(ferry_struct_get_int(out, "i64", &n) && n == INT64_MAX);
        double d;
        cr_assert(ferry_struct_get_double(out, "f32", &d) && d == 1.5);
        cr_assert(ferry_struct_get_double(out, "f64", &d) && d == -1e300);
        bool bo;
        cr_assert(ferry_struct_get_bool(out, "b", &bo) && bo);
        cr_assert_str_eq(ferry_struct_get_string(out, "s"), "z\xc3\xbcrich");
        const ferry_value_t *by = ferry_struct_get(out, "by");
        cr_assert(by->u.s.len == 2 && memcmp(by->u.s.data, "\x00\xff", 2) == 0);
        cr_assert_null(ferry_struct_get(out, "opt"));
        const ferry_value_t *dec = ferry_struct_get(out, "dec");
        cr_assert(dec->u.s.len == 2 && memcmp(dec->u.s.data, "\x04\xd2", 2) == 0,
                  "decimal is written minimal");
        cr_assert(ferry_struct_get_int(out, "date", &n) && n == 19724);
        cr_assert(ferry_struct_get_int(out, "time", &n) && n == 3723000);
        cr_assert(ferry_struct_get_int(out, "ts", &n) && n == 1704164645000);
        cr_assert(ferry_value_equal(ferry_struct_get(out, "arr"), arr));
        cr_assert(ferry_value_equal(ferry_struct_get(out, "smap"), sm));
        cr_assert(ferry_value_equal(ferry_struct_get(out, "imap"), im));
        cr_assert(ferry_struct_get_int(ferry_struct_get(out, "inner"), "x", &n) && n == 9);
        cr_assert_eq(out->u.st.schema->n_fields, s->n_fields);
        cr_assert_str_eq(out->u.st.schema->name, "com.example.All");
        cr_assert_str_eq(out->u.st.schema->fields[10].schema->name, FERRY_LOGICAL_DECIMAL);
        cr_assert_str_eq(out->u.st.schema->fields[13].schema->name, FERRY_LOGICAL_TIMESTAMP);
        ferry_value_free(out);
        ferry_value_free(v);
        ferry_buf_free(&bytes);
        ferry_schema_unref(s);
}

Test(avro_codec, optional_top_level_and_null)
{
        ferry_schema_t *s = ferry_schema_optional(FERRY_TYPE_INT64);
        ferry_buf_t bytes;
        ferry_value_t *five = ferry_value_int(FERRY_TYPE_INT64, 5);
        ferry_value_t *out = round_trip(s, five, &bytes);
        expect_bytes(&bytes, "\x02\x0a", 2); /* branch 1 ("long"), 5 */
        cr_assert(ferry_value_equal(out, five));
        ferry_value_free(out);
        ferry_buf_free(&bytes);
        out = round_trip(s, NULL, &bytes);
        expect_bytes(&bytes, "\x00", 1);
        cr_assert_null(out);
        ferry_buf_free(&bytes);
        ferry_value_free(five);
        ferry_schema_unref(s);
}

Test(avro_codec, avro_schemas_map_to_connect)
{
        const char *text = "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"com.acme\",\"doc\":\"a "
                           "user\",\"fields\":["
                           "{\"name\":\"age\",\"type\":[\"null\",\"int\"],\"default\":null},"
                           "{\"name\":\"kind\",\"type\":{\"type\":\"enum\",\"name\":\"Kind\",\"symbols\":["
                           "\"A\",\"B\"]}},"
                           "{\"name\":\"id\",\"type\":{\"type\":\"fixed\",\"name\":\"Id\",\"size\":4}},"
                           "{\"name\":\"u\",\"type\":[\"int\",\"string\",\"null\"]},"
                           "{\"name\":\"amount\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\","
                           "\"precision\":10,"
                           "\"scale\":2}},"
                           "{\"name\":\"n\",\"type\":\"int\",\"default\":7,\"doc\":\"count\"},"
                           "{\"name\":\"c\",\"type\":{\"type\":\"int\",\"connect.default\":3}}]}";
        char err[256] = "";
        ferry_avro_schema_t *a = ferry_avro_parse(text, strlen(text), err, sizeof(err));
        cr_assert_not_null(a, "%s", err);
        ferry_avro_data_config_t cfg = FERRY_AVRO_DATA_CONFIG_DEFAULT;
        ferry_schema_t *s = ferry_avro_to_connect(&cfg, a, 4, err, sizeof(err));
        cr_assert_not_null(s, "%s", err);
        cr_assert_str_eq(s->name, "com.acme.User");
        cr_assert(s->has_version && s->version == 4, "the registry version when no connect.version");
        cr_assert_str_eq(ferry_schema_param(s, "io.confluent.connect.avro.record.doc"), "a user");
        cr_assert_str_eq(ferry_schema_param(s, "io.confluent.connect.avro.field.doc.n"), "count");
        const ferry_schema_t *age = ferry_schema_field(s, "age")->schema;
        cr_assert(age->type == FERRY_TYPE_INT32 && age->optional && !age->default_value);
        const ferry_schema_t *kind = ferry_schema_field(s, "kind")->schema;
        cr_assert_eq(kind->type, FERRY_TYPE_STRING);
        cr_assert_str_eq(kind->name, "com.acme.Kind");
        cr_assert_str_eq(ferry_schema_param(kind, "io.confluent.connect.avro.Enum"), "com.acme.Kind");
        cr_assert_str_eq(ferry_schema_param(kind, "io.confluent.connect.avro.Enum.B"), "B");
        const ferry_schema_t *id = ferry_schema_field(s, "id")->schema;
        cr_assert(id->type == FERRY_TYPE_BYTES && strcmp(id->name, "com.acme.Id") == 0);
        cr_assert_str_eq(ferry_schema_param(id, "connect.fixed.size"), "4");
        const ferry_schema_t *u = ferry_schema_field(s, "u")->schema;
        cr_assert_str_eq(u->name, "io.confluent.connect.avro.Union");
        cr_assert(u->optional && u->n_fields == 2);
        cr_assert_str_eq(u->fields[0].name, "int");
        cr_assert_str_eq(u->fields[1].name, "string");
        cr_assert(u->fields[1].schema->optional);
        const ferry_schema_t *am = ferry_schema_field(s, "amount")->schema;
        cr_assert_str_eq(am->name, FERRY_LOGICAL_DECIMAL);
        cr_assert_str_eq(ferry_schema_param(am, "scale"), "2");
        cr_assert_str_eq(ferry_schema_param(am, "connect.decimal.precision"), "10");
        const ferry_schema_t *n = ferry_schema_field(s, "n")->schema;
        cr_assert(n->default_value && n->default_value->u.i == 7);
        cr_assert_str_eq(ferry_schema_param(n, "io.confluent.connect.avro.field.default"), "true");
        const ferry_schema_t *c = ferry_schema_field(s, "c")->schema;
        cr_assert(c->default_value && c->default_value->u.i == 3 && c->n_params == 0);

        /* Data: age null, kind B, id "abcd", u "hi", amount -1, n 1, c 2. */
        const char data[] = "\x00"
                            "\x02"
                            "abcd"
                            "\x02\x04hi"
                            "\x02\xff"
                            "\x02"
                            "\x04";
        ferry_avro_reader_t r;
        ferry_avro_reader_init(&r, data, sizeof(data) - 1);
        ferry_value_t *v = NULL;
        cr_assert_eq(ferry_avro_decode(ferry_avro_root(a), s, &r, &v, err, sizeof(err)), 0, "%s", err);
        cr_assert_null(ferry_struct_get(v, "age"));
        cr_assert_str_eq(ferry_struct_get_string(v, "kind"), "B");
        const ferry_value_t *uv = ferry_struct_get(v, "u");
        cr_assert_eq(uv->type, FERRY_TYPE_STRUCT);
        cr_assert_null(ferry_struct_get(uv, "int"));
        cr_assert_str_eq(ferry_struct_get_string(uv, "string"), "hi");
        /* Encoding the value again gives the same bytes. */
        ferry_buf_t b;
        ferry_buf_init(&b);
        cr_assert_eq(ferry_avro_encode(ferry_avro_root(a), s, v, &b, err, sizeof(err)), 0, "%s", err);
        expect_bytes(&b, data, sizeof(data) - 1);
        ferry_buf_free(&b);
        ferry_value_free(v);

        /* Truncated data and a bad union index are refused with a message. */
        ferry_avro_reader_init(&r, data, 5);
        cr_assert_eq(ferry_avro_decode(ferry_avro_root(a), s, &r, &v, err, sizeof(err)), -1);
        cr_assert(strstr(err, "Avro"), "%s", err);
        ferry_avro_reader_init(&r, "\x04", 1);
        cr_assert_eq(ferry_avro_decode(ferry_avro_root(a), s, &r, &v, err, sizeof(err)), -1);
        ferry_schema_unref(s);
        ferry_avro_schema_free(a);
}

Test(avro_codec, encode_refuses_what_does_not_fit)
{
        ferry_schema_t *s = ferry_schema_new(FERRY_TYPE_STRING);
        ferry_avro_data_config_t cfg = FERRY_AVRO_DATA_CONFIG_DEFAULT;
        char err[256];
        ferry_avro_schema_t *a = ferry_avro_from_connect(&cfg, s, err, sizeof(err));
        ferry_buf_t b;
        ferry_buf_init(&b);
        cr_assert_eq(ferry_avro_encode(ferry_avro_root(a), s, NULL, &b, err, sizeof(err)), -1);
        cr_assert_str_eq(err, "Found null value for non-optional schema");
        ferry_value_t *i = ferry_value_int(FERRY_TYPE_INT32, 1);
        cr_assert_eq(ferry_avro_encode(ferry_avro_root(a), s, i, &b, err, sizeof(err)), -1);
        ferry_value_free(i);
        ferry_buf_free(&b);
        ferry_avro_schema_free(a);
        ferry_schema_unref(s);
        /* Recursive schemas and standalone nulls have no Connect form. */
        const char *rec = "{\"type\":\"record\",\"name\":\"N\",\"fields\":[{\"name\":\"n\",\"type\":["
                          "\"null\",\"N\"]}]}";
        a = ferry_avro_parse(rec, strlen(rec), err, sizeof(err));
        cr_assert_null(ferry_avro_to_connect(&cfg, a, -1, err, sizeof(err)));
        ferry_avro_schema_free(a);
        a = ferry_avro_parse("\"null\"", 6, err, sizeof(err));
        cr_assert_null(ferry_avro_to_connect(&cfg, a, -1, err, sizeof(err)));
        cr_assert_str_eq(err, "Standalone null schemas are not supported by this converter");
        ferry_avro_schema_free(a);
}

Test(avro_codec, encode_with_another_writer_schema_matches_fields_by_name)
{
        /* use.latest.version: the value is written with the subject's latest schema. */
        const char *latest =
                "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"b\",\"type\":\"string\"},"
                "{\"name\":\"c\",\"type\":\"int\",\"default\":9},{\"name\":\"a\",\"type\":\"long\"},"
                "{\"name\":\"d\",\"type\":[\"null\",\"string\"],\"default\":null}]}";
        char err[256] = "";
        ferry_avro_schema_t *a = ferry_avro_parse(latest, strlen(latest), err, sizeof(err));
        cr_assert_not_null(a, "%s", err);
        ferry_schema_t *s = ferry_schema_struct(NULL);
        ferry_schema_add_field(s, "a", ferry_schema_new(FERRY_TYPE_INT32));
        ferry_schema_add_field(s, "b", ferry_schema_new(FERRY_TYPE_STRING));
        ferry_value_t *v = ferry_value_struct(s);
        ferry_struct_put_int(v, "a", 5);
        ferry_struct_put_string(v, "b", "x");
        ferry_buf_t b;
        ferry_buf_init(&b);
        cr_assert_eq(ferry_avro_encode(ferry_avro_root(a), s, v, &b, err, sizeof(err)), 0, "%s", err);
        expect_bytes(&b, "\x02x\x12\x0a\x00", 5);
        ferry_buf_free(&b);
        ferry_value_free(v);
        ferry_schema_unref(s);
        ferry_avro_schema_free(a);
}

Test(avro_codec, schemaless_values_as_anything)
{
        ferry_avro_schema_t *a = ferry_avro_anything();
        cr_assert_not_null(a);
        cr_assert(ferry_avro_is_anything(ferry_avro_root(a)));
        ferry_buf_t text;
        ferry_buf_init(&text);
        char err[256] = "";
        cr_assert_eq(ferry_avro_write_json(a, &text, err, sizeof(err)), 0);
        /* Java's AvroData.ANYTHING_SCHEMA.toString(). */
        cr_assert_str_eq(
                text.p,
                "{\"type\":\"record\",\"name\":\"Anything\",\"namespace\":\"io.confluent.connect.avro\","
                "\"fields\":["
                "{\"name\":\"boolean\",\"type\":[\"null\",\"boolean\"],\"default\":null},"
                "{\"name\":\"bytes\",\"type\":[\"null\",\"bytes\"],\"default\":null},"
                "{\"name\":\"double\",\"type\":[\"null\",\"double\"],\"default\":null},"
                "{\"name\":\"float\",\"type\":[\"null\",\"float\"],\"default\":null},"
                "{\"name\":\"int\",\"type\":[\"null\",\"int\"],\"default\":null},"
                "{\"name\":\"long\",\"type\":[\"null\",\"long\"],\"default\":null},"
                "{\"name\":\"string\",\"type\":[\"null\",\"string\"],\"default\":null},"
                "{\"name\":\"array\",\"type\":[\"null\",{\"type\":\"array\",\"items\":\"Anything\"}],"
                "\"default\":null},"
                "{\"name\":\"map\",\"type\":[\"null\",{\"type\":\"array\",\"items\":{\"type\":\"record\","
                "\"name\":\"MapEntry\",\"fields\":[{\"name\":\"key\",\"type\":\"Anything\"},{\"name\":"
                "\"value\","
                "\"type\":\"Anything\"}]}}],\"default\":null}]}");
        ferry_buf_free(&text);
        ferry_value_t *m = ferry_value_map();
        ferry_map_put_str(m, "n", ferry_value_int(FERRY_TYPE_INT64, 7));
        ferry_value_t *arr = ferry_value_array();
        ferry_array_append(arr, ferry_value_cstring("x"));
        ferry_array_append(arr, NULL);
        ferry_array_append(arr, ferry_value_bool(true));
        ferry_map_put_str(m, "list", arr);
        ferry_buf_t b;
        ferry_buf_init(&b);
        cr_assert_eq(ferry_avro_encode_anything(m, &b, err, sizeof(err)), 0, "%s", err);
        /* The skipper agrees that this is one Anything datum. */
        ferry_avro_reader_t r;
        ferry_avro_reader_init(&r, b.p, b.len);
        cr_assert_eq(ferry_avro_skip(&r, ferry_avro_root(a)), 0);
        cr_assert_eq(r.p, r.end);
        ferry_avro_reader_init(&r, b.p, b.len);
        ferry_value_t *back = NULL;
        cr_assert_eq(ferry_avro_decode_anything(&r, &back, err, sizeof(err)), 0, "%s", err);
        cr_assert(ferry_value_equal(back, m));
        ferry_value_free(back);
        ferry_buf_free(&b);
        ferry_value_free(m);
        ferry_avro_schema_free(a);
}

Test(avro_codec, invalid_avro_names_are_refused_as_java_does)
{
        ferry_avro_data_config_t cfg = FERRY_AVRO_DATA_CONFIG_DEFAULT;
        char err[256] = "";
        ferry_schema_t *s = ferry_schema_struct(NULL);
        ferry_schema_add_field(s, "my-field", ferry_schema_new(FERRY_TYPE_INT32));
        cr_assert_null(ferry_avro_from_connect(&cfg, s, err, sizeof(err)));
        cr_assert_str_eq(err, "Illegal character in: my-field");
        ferry_schema_unref(s);
        s = ferry_schema_struct("com.example.1Row");
        ferry_schema_add_field(s, "a", ferry_schema_new(FERRY_TYPE_INT32));
        cr_assert_null(ferry_avro_from_connect(&cfg, s, err, sizeof(err)));
        cr_assert_str_eq(err, "Illegal initial character: 1Row");
        ferry_schema_unref(s);
}
