/* Unit tests for JsonConverter: exact bytes as Kafka Connect's JsonConverter writes them (envelope,
 * schema key order, logical types, schemaless mode), round trips for every type, null/tombstone
 * handling and clear errors for malformed input. */
#include "../../worker/plugins/builtin.h"

#include <ferry/converter.h>

#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DECIMAL_SCHEMA_2                                                                                     \
        "{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Decimal\","         \
        "\"version\":1,"                                                                                     \
        "\"parameters\":{\"scale\":\"2\"}}"

#define ENVELOPE_ERROR                                                                                       \
        "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain "  \
        "additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in "  \
        "your "                                                                                              \
        "converter configuration."

static void *make(const char *const *kv)
{
        ferry_strmap_t m;
        ferry_strmap_init(&m);
        for (; kv && kv[0]; kv += 2)
                ferry_strmap_set(&m, kv[0], kv[1]);
        void *st = NULL;
        char err[512] = "";
        ferry_err_t e = ferry_json_converter.configure(&st, &m, false, err, sizeof(err));
        ferry_strmap_free(&m);
        cr_assert_eq(e, FERRY_ERR_OK, "configure: %s", err);
        cr_assert_not_null(st);
        return st;
}

#define CONV(...) make((const char *const[]){__VA_ARGS__, NULL})

static ferry_err_t config_error(const char *key, const char *value, char *err, size_t size)
{
        ferry_strmap_t m;
        ferry_strmap_init(&m);
        ferry_strmap_set(&m, key, value);
        void *st = NULL;
        ferry_err_t e = ferry_json_converter.configure(&st, &m, false, err, size);
        ferry_strmap_free(&m);
        if (st)
                ferry_json_converter.close(st);
        return e;
}

/* Serialises; NULL for a null record. */
static char *ser(void *st, const ferry_schema_t *s, const ferry_value_t *v)
{
        ferry_buf_t b;
        bool is_null = true;
        char err[512] = "";
        ferry_buf_init(&b);
        ferry_err_t e = ferry_json_converter.from_connect(st, "topic", s, v, &b, &is_null, err, sizeof(err));
        cr_assert_eq(e, FERRY_ERR_OK, "from_connect: %s", err);
        if (is_null) {
                ferry_buf_free(&b);
                return NULL;
        }
        return ferry_buf_steal(&b);
}

static ferry_err_t ser_err(void *st, const ferry_schema_t *s, const ferry_value_t *v, char *err, size_t size)
{
        ferry_buf_t b;
        bool is_null = false;
        ferry_buf_init(&b);
        err[0] = '\0';
        ferry_err_t e = ferry_json_converter.from_connect(st, "topic", s, v, &b, &is_null, err, size);
        ferry_buf_free(&b);
        return e;
}

static void des(void *st, const char *json, ferry_schema_t **s, ferry_value_t **v)
{
        char err[512] = "";
        ferry_err_t e = ferry_json_converter.to_connect(st, "topic", json, json ? strlen(json) : 0, s, v, err,
                                                        sizeof(err));
        cr_assert_eq(e, FERRY_ERR_OK, "to_connect(%s): %s", json, err);
}

static ferry_err_t des_err(void *st, const char *json, size_t len, char *err, size_t size)
{
        ferry_schema_t *s = (ferry_schema_t *)1;
        ferry_value_t *v = (ferry_value_t *)1;
        err[0] = '\0';
        ferry_err_t e = ferry_json_converter.to_connect(st, "topic", json, len, &s, &v, err, size);
        cr_assert_neq(e, FERRY_ERR_OK, "expected an error for %s", json);
        cr_assert_null(s);
        cr_assert_null(v);
        return e;
}

static void expect_read_error(void *st, const char *json, const char *want)
{
        char err[512];
        cr_assert_eq(des_err(st, json, strlen(json), err, sizeof(err)), FERRY_ERR_CONVERSION);
        cr_assert_str_eq(err, want, "input %s", json);
}

/* Writes (s, v), checks the exact JSON, reads it back and checks schema and value survive. */
static void round_trip(void *st, const ferry_schema_t *s, const ferry_value_t *v, const char *want)
{
        char *got = ser(st, s, v);
        cr_assert_not_null(got);
        cr_assert_str_eq(got, want);
        ferry_schema_t *rs = NULL;
        ferry_value_t *rv = NULL;
        des(st, got, &rs, &rv);
        cr_assert(ferry_schema_equal(s, rs), "schema changed in round trip of %s", want);
        cr_assert(ferry_value_equal(v, rv), "value changed in round trip of %s", want);
        /* and once more: the same bytes */
        char *again = ser(st, rs, rv);
        cr_assert_str_eq(again, want);
        free(again);
        ferry_schema_unref(rs);
        ferry_value_free(rv);
        free(got);
}

static void round_trip_free(void *st, ferry_schema_t *s, ferry_value_t *v, const char *want)
{
        round_trip(st, s, v, want);
        ferry_schema_unref(s);
        ferry_value_free(v);
}

static ferry_schema_t *opt(ferry_schema_t *s)
{
        s->optional = true;
        return s;
}

Test(json_converter, plugin_info)
{
        const ferry_plugin_info_t *i = &ferry_json_converter.info;
        cr_assert_eq(i->abi, FERRY_PLUGIN_ABI);
        cr_assert_eq(i->type, FERRY_PLUGIN_CONVERTER);
        cr_assert_str_eq(i->class_name, "org.apache.kafka.connect.json.JsonConverter");
        cr_assert_str_eq(i->aliases[0], "JsonConverter");
        cr_assert_null(i->aliases[1]);
        const char *keys[] = {"schemas.enable", "schemas.cache.size", "decimal.format",
                              "replace.null.with.default", "converter.type"};
        const char *defaults[] = {"true", "1000", "BASE64", "true", NULL};
        for (size_t k = 0; k < 5; k++) {
                const ferry_config_def_t *d = i->config;
                while (d->name && strcmp(d->name, keys[k]) != 0)
                        d++;
                cr_assert_not_null(d->name, "missing %s", keys[k]);
                if (defaults[k])
                        cr_assert_str_eq(d->default_value, defaults[k]);
                else
                        cr_assert_null(d->default_value);
        }
}

Test(json_converter, config_errors)
{
        char err[512];
        cr_assert_eq(config_error("decimal.format", "FOO", err, sizeof(err)), FERRY_ERR_INVALID_CONFIG);
        cr_assert(strstr(err, "decimal.format"), "%s", err);
        cr_assert_eq(config_error("schemas.enable", "maybe", err, sizeof(err)), FERRY_ERR_INVALID_CONFIG);
        cr_assert(strstr(err, "schemas.enable"), "%s", err);
        cr_assert_eq(config_error("converter.type", "body", err, sizeof(err)), FERRY_ERR_INVALID_CONFIG);
        cr_assert_eq(config_error("decimal.format", "numeric", err, sizeof(err)), FERRY_ERR_OK);
        cr_assert_eq(config_error("converter.type", "header", err, sizeof(err)), FERRY_ERR_OK);
        cr_assert_eq(config_error("schemas.cache.size", "0", err, sizeof(err)), FERRY_ERR_OK);
}

Test(json_converter, primitives)
{
        void *c = CONV("schemas.enable", "true");
        round_trip_free(c, ferry_schema_new(FERRY_TYPE_BOOLEAN), ferry_value_bool(true),
                        "{\"schema\":{\"type\":\"boolean\",\"optional\":false},\"payload\":true}");
        round_trip_free(c, ferry_schema_new(FERRY_TYPE_INT8), ferry_value_int(FERRY_TYPE_INT8, -12),
                        "{\"schema\":{\"type\":\"int8\",\"optional\":false},\"payload\":-12}");
        round_trip_free(c, ferry_schema_new(FERRY_TYPE_INT16), ferry_value_int(FERRY_TYPE_INT16, 12345),
                        "{\"schema\":{\"type\":\"int16\",\"optional\":false},\"payload\":12345}");
        round_trip_free(c, ferry_schema_new(FERRY_TYPE_INT32), ferry_value_int(FERRY_TYPE_INT32, INT32_MIN),
                        "{\"schema\":{\"type\":\"int32\",\"optional\":false},\"payload\":-2147483648}");
        round_trip_free(
                c, ferry_schema_new(FERRY_TYPE_INT64), ferry_value_int(FERRY_TYPE_INT64, INT64_MAX),
                "{\"schema\":{\"type\":\"int64\",\"optional\":false},\"payload\":9223372036854775807}");
        round_trip_free(
                c, ferry_schema_new(FERRY_TYPE_INT64), ferry_value_int(FERRY_TYPE_INT64, INT64_MIN),
                "{\"schema\":{\"type\":\"int64\",\"optional\":false},\"payload\":-9223372036854775808}");
        round_trip_free(c, ferry_schema_new(FERRY_TYPE_FLOAT32), ferry_value_float(FERRY_TYPE_FLOAT32, 12.34),
                        "{\"schema\":{\"type\":\"float\",\"optional\":false},\"payload\":12.34}");
        round_trip_free(c, ferry_schema_new(FERRY_TYPE_FLOAT32), ferry_value_float(FERRY_TYPE_FLOAT32, 0.1),
                        "{\"schema\":{\"type\":\"float\",\"optional\":false},\"payload\":0.1}");
        round_trip_free(c, ferry_schema_new(FERRY_TYPE_FLOAT64), ferry_value_float(FERRY_TYPE_FLOAT64, 3.0),
                        "{\"schema\":{\"type\":\"double\",\"optional\":false},\"payload\":3.0}");
        round_trip_free(c, ferry_schema_new(FERRY_TYPE_FLOAT64), ferry_value_float(FERRY_TYPE_FLOAT64, 1e10),
                        "{\"schema\":{\"type\":\"double\",\"optional\":false},\"payload\":1.0E10}");
        round_trip_free(c, ferry_schema_new(FERRY_TYPE_FLOAT64), ferry_value_float(FERRY_TYPE_FLOAT64, -0.1),
                        "{\"schema\":{\"type\":\"double\",\"optional\":false},\"payload\":-0.1}");
        round_trip_free(c, opt(ferry_schema_new(FERRY_TYPE_STRING)),
                        ferry_value_cstring("a\"b\\c\n\t\r\b\f\x01\x1f\x7f/\xc3\xa9\xe2\x82\xac"),
                        "{\"schema\":{\"type\":\"string\",\"optional\":true},\"payload\":"
                        "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001F\x7f/\xc3\xa9\xe2\x82\xac\"}");
        round_trip_free(
                c, ferry_schema_new(FERRY_TYPE_STRING), ferry_value_string("nul\0byte", 8),
                "{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"nul\\u0000byte\"}");
        round_trip_free(c, ferry_schema_new(FERRY_TYPE_BYTES), ferry_value_bytes("\x00\x01\x02\xff", 4),
                        "{\"schema\":{\"type\":\"bytes\",\"optional\":false},\"payload\":\"AAEC/w==\"}");
        round_trip_free(c, ferry_schema_new(FERRY_TYPE_BYTES), ferry_value_bytes("ab", 2),
                        "{\"schema\":{\"type\":\"bytes\",\"optional\":false},\"payload\":\"YWI=\"}");
        round_trip_free(c, ferry_schema_new(FERRY_TYPE_BYTES), ferry_value_bytes("", 0),
                        "{\"schema\":{\"type\":\"bytes\",\"optional\":false},\"payload\":\"\"}");
        ferry_json_converter.close(c);
}

Test(json_converter, non_finite_doubles)
{
        /* Jackson quotes NaN and the infinities; reading them back gives the same numbers. */
        void *c = CONV("schemas.enable", "true");
        ferry_schema_t *s = ferry_schema_new(FERRY_TYPE_FLOAT64);
        ferry_value_t *v = ferry_value_float(FERRY_TYPE_FLOAT64, NAN);
        round_trip(c, s, v, "{\"schema\":{\"type\":\"double\",\"optional\":false},\"payload\":\"NaN\"}");
        ferry_value_free(v);
        v = ferry_value_float(FERRY_TYPE_FLOAT64, -INFINITY);
        round_trip(c, s, v,
                   "{\"schema\":{\"type\":\"double\",\"optional\":false},\"payload\":\"-Infinity\"}");
        ferry_value_free(v);
        ferry_schema_unref(s);
        ferry_json_converter.close(c);
}

Test(json_converter, arrays_and_maps)
{
        void *c = CONV("schemas.cache.size", "10");
        ferry_value_t *a = ferry_value_array();
        for (int i = 1; i <= 3; i++)
                ferry_array_append(a, ferry_value_int(FERRY_TYPE_INT32, i));
        round_trip_free(c, ferry_schema_array(ferry_schema_new(FERRY_TYPE_INT32)), a,
                        "{\"schema\":{\"type\":\"array\",\"items\":{\"type\":\"int32\",\"optional\":false},"
                        "\"optional\":false},\"payload\":[1,2,3]}");

        round_trip_free(c, ferry_schema_array(ferry_schema_new(FERRY_TYPE_INT32)), ferry_value_array(),
                        "{\"schema\":{\"type\":\"array\",\"items\":{\"type\":\"int32\",\"optional\":false},"
                        "\"optional\":false},\"payload\":[]}");

        ferry_value_t *m = ferry_value_map();
        ferry_map_put_str(m, "a", ferry_value_int(FERRY_TYPE_INT32, 1));
        ferry_map_put_str(m, "b", NULL);
        round_trip_free(c,
                        ferry_schema_map(ferry_schema_new(FERRY_TYPE_STRING),
                                         opt(ferry_schema_new(FERRY_TYPE_INT32))),
                        m,
                        "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"string\",\"optional\":false},"
                        "\"values\":{\"type\":\"int32\",\"optional\":true},\"optional\":false},"
                        "\"payload\":{\"a\":1,\"b\":null}}");

        /* non-string keys: an array of [key, value] pairs */
        m = ferry_value_map();
        ferry_map_put(m, ferry_value_int(FERRY_TYPE_INT32, 1), ferry_value_cstring("one"));
        ferry_map_put(m, ferry_value_int(FERRY_TYPE_INT32, 2), ferry_value_cstring("two"));
        round_trip_free(
                c, ferry_schema_map(ferry_schema_new(FERRY_TYPE_INT32), ferry_schema_new(FERRY_TYPE_STRING)),
                m,
                "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int32\",\"optional\":false},"
                "\"values\":{\"type\":\"string\",\"optional\":false},\"optional\":false},"
                "\"payload\":[[1,\"one\"],[2,\"two\"]]}");

        /* array of arrays of optional booleans */
        ferry_value_t *outer = ferry_value_array(), *inner = ferry_value_array();
        ferry_array_append(inner, ferry_value_bool(false));
        ferry_array_append(inner, NULL);
        ferry_array_append(outer, inner);
        round_trip_free(c, ferry_schema_array(ferry_schema_array(opt(ferry_schema_new(FERRY_TYPE_BOOLEAN)))),
                        outer,
                        "{\"schema\":{\"type\":\"array\",\"items\":{\"type\":\"array\",\"items\":"
                        "{\"type\":\"boolean\",\"optional\":true},\"optional\":false},\"optional\":false},"
                        "\"payload\":[[false,null]]}");
        ferry_json_converter.close(c);
}

static ferry_schema_t *address_schema(void)
{
        ferry_schema_t *s = ferry_schema_new(FERRY_TYPE_STRUCT);
        ferry_schema_set_name(s, "com.example.Address");
        s->has_version = true;
        s->version = 2;
        ferry_schema_set_doc(s, "Postal address");
        ferry_schema_set_param(s, "owner", "ops");
        ferry_schema_add_field(s, "street", ferry_schema_new(FERRY_TYPE_STRING));
        ferry_schema_add_field(s, "zip", opt(ferry_schema_new(FERRY_TYPE_INT32)));
        return s;
}

static ferry_schema_t *person_schema(void)
{
        ferry_schema_t *s = ferry_schema_new(FERRY_TYPE_STRUCT);
        ferry_schema_set_name(s, "com.example.Person");
        s->has_version = true;
        s->version = 1;
        ferry_schema_t *name = ferry_schema_new(FERRY_TYPE_STRING);
        ferry_schema_set_doc(name, "Full name");
        ferry_schema_add_field(s, "name", name);
        ferry_schema_t *age = opt(ferry_schema_new(FERRY_TYPE_INT8));
        age->default_value = ferry_value_int(FERRY_TYPE_INT8, 18);
        ferry_schema_add_field(s, "age", age);
        ferry_schema_add_field(s, "address", address_schema());
        ferry_schema_add_field(s, "tags", opt(ferry_schema_array(ferry_schema_new(FERRY_TYPE_STRING))));
        ferry_schema_add_field(s, "scores",
                               opt(ferry_schema_map(ferry_schema_new(FERRY_TYPE_STRING),
                                                    ferry_schema_new(FERRY_TYPE_FLOAT64))));
        return s;
}

#define PERSON_SCHEMA_JSON                                                                                   \
        "{\"type\":\"struct\",\"fields\":["                                                                  \
        "{\"type\":\"string\",\"optional\":false,\"doc\":\"Full name\",\"field\":\"name\"},"                 \
        "{\"type\":\"int8\",\"optional\":true,\"default\":18,\"field\":\"age\"},"                            \
        "{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":\"street\"},"    \
        "{\"type\":\"int32\",\"optional\":true,\"field\":\"zip\"}],\"optional\":false,"                      \
        "\"name\":\"com.example.Address\",\"version\":2,\"doc\":\"Postal address\","                         \
        "\"parameters\":{\"owner\":\"ops\"},\"field\":\"address\"},"                                         \
        "{\"type\":\"array\",\"items\":{\"type\":\"string\",\"optional\":false},\"optional\":true,"          \
        "\"field\":\"tags\"},"                                                                               \
        "{\"type\":\"map\",\"keys\":{\"type\":\"string\",\"optional\":false},\"values\":{\"type\":"          \
        "\"double\","                                                                                        \
        "\"optional\":false},\"optional\":true,\"field\":\"scores\"}],"                                      \
        "\"optional\":false,\"name\":\"com.example.Person\",\"version\":1}"

static ferry_value_t *person(ferry_schema_t *s, bool with_age)
{
        ferry_value_t *p = ferry_value_struct(s);
        ferry_value_t *a = ferry_value_struct(s->fields[2].schema);
        ferry_struct_put(a, "street", ferry_value_cstring("Main St"));
        ferry_struct_put(p, "name", ferry_value_cstring("Ann"));
        if (with_age)
                ferry_struct_put(p, "age", ferry_value_int(FERRY_TYPE_INT8, 30));
        ferry_struct_put(p, "address", a);
        ferry_value_t *tags = ferry_value_array();
        ferry_array_append(tags, ferry_value_cstring("a"));
        ferry_array_append(tags, ferry_value_cstring("b"));
        ferry_struct_put(p, "tags", tags);
        ferry_value_t *scores = ferry_value_map();
        ferry_map_put_str(scores, "math", ferry_value_float(FERRY_TYPE_FLOAT64, 9.5));
        ferry_struct_put(p, "scores", scores);
        return p;
}

Test(json_converter, nested_struct_with_metadata)
{
        void *c = CONV("schemas.enable", "true");
        ferry_schema_t *s = person_schema();
        ferry_value_t *p = person(s, true);
        round_trip(
                c, s, p,
                "{\"schema\":" PERSON_SCHEMA_JSON ",\"payload\":{\"name\":\"Ann\",\"age\":30,\"address\":"
                "{\"street\":\"Main St\",\"zip\":null},\"tags\":[\"a\",\"b\"],\"scores\":{\"math\":9.5}}}");
        ferry_value_free(p);

        /* an unset field with a default is written as the default, and read back as it */
        p = person(s, false);
        char *got = ser(c, s, p);
        cr_assert_str_eq(got, "{\"schema\":" PERSON_SCHEMA_JSON ",\"payload\":{\"name\":\"Ann\",\"age\":18,"
                              "\"address\":{\"street\":\"Main St\",\"zip\":null},\"tags\":[\"a\",\"b\"],"
                              "\"scores\":{\"math\":9.5}}}");
        ferry_schema_t *rs;
        ferry_value_t *rv;
        des(c, got, &rs, &rv);
        cr_assert_eq(ferry_struct_get(rv, "age")->u.i, 18);
        cr_assert_eq(ferry_struct_get(rv, "age")->type, FERRY_TYPE_INT8);
        cr_assert_str_eq(rs->fields[2].schema->doc, "Postal address");
        cr_assert_str_eq(ferry_schema_param(rs->fields[2].schema, "owner"), "ops");
        ferry_schema_unref(rs);
        ferry_value_free(rv);
        free(got);

        /* the schema cache gives the same bytes the second time */
        got = ser(c, s, p);
        char *again = ser(c, s, p);
        cr_assert_str_eq(got, again);
        free(got);
        free(again);
        ferry_value_free(p);
        ferry_schema_unref(s);
        ferry_json_converter.close(c);

        /* and so does no cache at all */
        c = CONV("schemas.cache.size", "0");
        s = person_schema();
        p = person(s, true);
        round_trip(
                c, s, p,
                "{\"schema\":" PERSON_SCHEMA_JSON ",\"payload\":{\"name\":\"Ann\",\"age\":30,\"address\":"
                "{\"street\":\"Main St\",\"zip\":null},\"tags\":[\"a\",\"b\"],\"scores\":{\"math\":9.5}}}");
        ferry_value_free(p);
        ferry_schema_unref(s);
        ferry_json_converter.close(c);
}

Test(json_converter, read_schema_cache_shares_schemas)
{
        void *c = CONV("schemas.enable", "true");
        const char *a = "{\"schema\":{\"type\":\"int32\",\"optional\":false},\"payload\":1}";
        const char *b = "{\"schema\":{\"optional\":false,\"type\":\"int32\"},\"payload\":2}";
        const char *d = "{\"schema\":{\"type\":\"int64\",\"optional\":false},\"payload\":2}";
        ferry_schema_t *s1, *s2, *s3;
        ferry_value_t *v1, *v2, *v3;
        des(c, a, &s1, &v1);
        des(c, b, &s2, &v2);
        des(c, d, &s3, &v3);
        cr_assert_eq(s1, s2);
        cr_assert_neq(s1, s3);
        cr_assert_eq(v2->u.i, 2);
        cr_assert_eq(v3->type, FERRY_TYPE_INT64);
        ferry_schema_unref(s1);
        ferry_schema_unref(s2);
        ferry_schema_unref(s3);
        ferry_value_free(v1);
        ferry_value_free(v2);
        ferry_value_free(v3);
        ferry_json_converter.close(c);
}

Test(json_converter, logical_types)
{
        void *c = CONV("schemas.enable", "true");
        /* 1.56 = unscaled 156 = {0x00, 0x9c}; 1.23 = unscaled 123 = {0x7b}; -1.23 = {0x85} */
        round_trip_free(c, ferry_schema_decimal(2), ferry_value_bytes("\x00\x9c", 2),
                        "{\"schema\":" DECIMAL_SCHEMA_2 ",\"payload\":\"AJw=\"}");
        round_trip_free(c, ferry_schema_decimal(2), ferry_value_bytes("\x7b", 1),
                        "{\"schema\":" DECIMAL_SCHEMA_2 ",\"payload\":\"ew==\"}");
        round_trip_free(c, ferry_schema_decimal(2), ferry_value_bytes("\x85", 1),
                        "{\"schema\":" DECIMAL_SCHEMA_2 ",\"payload\":\"hQ==\"}");
        round_trip_free(c, ferry_schema_logical(FERRY_LOGICAL_DATE), ferry_value_int(FERRY_TYPE_INT32, 19000),
                        "{\"schema\":{\"type\":\"int32\",\"optional\":false,\"name\":"
                        "\"org.apache.kafka.connect.data.Date\",\"version\":1},\"payload\":19000}");
        round_trip_free(c, ferry_schema_logical(FERRY_LOGICAL_TIME),
                        ferry_value_int(FERRY_TYPE_INT32, 3600000),
                        "{\"schema\":{\"type\":\"int32\",\"optional\":false,\"name\":"
                        "\"org.apache.kafka.connect.data.Time\",\"version\":1},\"payload\":3600000}");
        round_trip_free(
                c, ferry_schema_logical(FERRY_LOGICAL_TIMESTAMP),
                ferry_value_int(FERRY_TYPE_INT64, 1700000000000),
                "{\"schema\":{\"type\":\"int64\",\"optional\":false,\"name\":"
                "\"org.apache.kafka.connect.data.Timestamp\",\"version\":1},\"payload\":1700000000000}");

        /* redundant sign bytes are dropped, as BigInteger.toByteArray() would */
        ferry_schema_t *d = ferry_schema_decimal(2);
        ferry_value_t *v = ferry_value_bytes("\x00\x00\x7b", 3);
        char *got = ser(c, d, v);
        cr_assert_str_eq(got, "{\"schema\":" DECIMAL_SCHEMA_2 ",\"payload\":\"ew==\"}");
        free(got);
        ferry_value_free(v);

        /* decimal default values are Base64 too */
        ferry_schema_t *dd = ferry_schema_decimal(2);
        dd->default_value = ferry_value_bytes("\x00\x9c", 2);
        round_trip_free(
                c, dd, ferry_value_bytes("\x01", 1),
                "{\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":"
                "\"org.apache.kafka.connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"2\"},"
                "\"default\":\"AJw=\"},\"payload\":\"AQ==\"}");

        /* Java's own test messages */
        ferry_schema_t *rs;
        ferry_value_t *rv;
        des(c,
            "{ \"schema\": { \"type\": \"bytes\", \"name\": \"org.apache.kafka.connect.data.Decimal\", "
            "\"version\": "
            "1, \"parameters\": { \"scale\": \"2\" } }, \"payload\": \"AJw=\" }",
            &rs, &rv);
        cr_assert(ferry_schema_equal(rs, d));
        cr_assert_eq(rv->u.s.len, 2);
        cr_assert_eq(memcmp(rv->u.s.data, "\x00\x9c", 2), 0);
        ferry_schema_unref(rs);
        ferry_value_free(rv);
        /* a number payload is read whatever decimal.format says */
        des(c,
            "{ \"schema\": { \"type\": \"bytes\", \"name\": \"org.apache.kafka.connect.data.Decimal\", "
            "\"version\": "
            "1, \"parameters\": { \"scale\": \"2\" } }, \"payload\": 1.56 }",
            &rs, &rv);
        cr_assert_eq(rv->u.s.len, 2);
        cr_assert_eq(memcmp(rv->u.s.data, "\x00\x9c", 2), 0);
        ferry_schema_unref(rs);
        ferry_value_free(rv);
        des(c,
            "{ \"schema\": { \"type\": \"bytes\", \"name\": \"org.apache.kafka.connect.data.Decimal\", "
            "\"version\": "
            "1, \"parameters\": { \"scale\": \"17\" } }, \"payload\": 1.23456789123456789 }",
            &rs, &rv);
        char *text = ferry_decimal_format(rv->u.s.data, rv->u.s.len, 17);
        cr_assert_str_eq(text, "1.23456789123456789");
        free(text);
        ferry_schema_unref(rs);
        ferry_value_free(rv);
        ferry_schema_unref(d);
        ferry_json_converter.close(c);
}

Test(json_converter, decimal_numeric)
{
        void *c = CONV("decimal.format", "NUMERIC");
        round_trip_free(c, ferry_schema_decimal(2), ferry_value_bytes("\x00\x9c", 2),
                        "{\"schema\":" DECIMAL_SCHEMA_2 ",\"payload\":1.56}");
        round_trip_free(c, ferry_schema_decimal(2), ferry_value_bytes("\x85", 1),
                        "{\"schema\":" DECIMAL_SCHEMA_2 ",\"payload\":-1.23}");
        ferry_schema_t *d4 = ferry_schema_decimal(4);
        round_trip_free(
                c, d4, ferry_value_bytes("\x3c\xf0", 2),
                "{\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":"
                "\"org.apache.kafka.connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"4\"}},"
                "\"payload\":1.5600}");
        /* BigDecimal.toString goes scientific for negative scales */
        round_trip_free(
                c, ferry_schema_decimal(-2), ferry_value_bytes("\x7b", 1),
                "{\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":"
                "\"org.apache.kafka.connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"-2\"}},"
                "\"payload\":1.23E+4}");
        /* more fraction digits than the scale holds */
        char err[512];
        cr_assert_eq(des_err(c, "{\"schema\":" DECIMAL_SCHEMA_2 ",\"payload\":1.234}",
                             strlen("{\"schema\":" DECIMAL_SCHEMA_2 ",\"payload\":1.234}"), err, sizeof(err)),
                     FERRY_ERR_CONVERSION);
        cr_assert_str_eq(err,
                         "Invalid Decimal: decimal number \"1.234\" has more fraction digits than scale 2");
        expect_read_error(
                c, "{\"schema\":" DECIMAL_SCHEMA_2 ",\"payload\":true}",
                "Invalid type for Decimal, underlying representation should be numeric or bytes but was "
                "BOOLEAN");
        expect_read_error(c, "{\"schema\":" DECIMAL_SCHEMA_2 ",\"payload\":\"\"}",
                          "Invalid bytes for Decimal field: Zero length BigInteger");
        ferry_json_converter.close(c);
}

Test(json_converter, schemaless_write)
{
        void *c = CONV("schemas.enable", "false");
        ferry_value_t *m = ferry_value_map();
        ferry_map_put_str(m, "a", ferry_value_int(FERRY_TYPE_INT64, 1));
        ferry_value_t *arr = ferry_value_array();
        ferry_array_append(arr, ferry_value_bool(true));
        ferry_array_append(arr, NULL);
        ferry_array_append(arr, ferry_value_cstring("x"));
        ferry_map_put_str(m, "b", arr);
        ferry_map_put_str(m, "c", ferry_value_float(FERRY_TYPE_FLOAT64, 1.5));
        ferry_map_put_str(m, "d", ferry_value_float(FERRY_TYPE_FLOAT32, 0.1));
        ferry_map_put_str(m, "e", ferry_value_bytes("hi", 2));
        ferry_map_put_str(m, "f", ferry_value_int(FERRY_TYPE_INT8, 7));
        char *got = ser(c, NULL, m);
        cr_assert_str_eq(got, "{\"a\":1,\"b\":[true,null,\"x\"],\"c\":1.5,\"d\":0.1,\"e\":\"aGk=\",\"f\":7}");
        free(got);
        ferry_value_free(m);

        /* a key that is not a string turns the map into pairs */
        m = ferry_value_map();
        ferry_map_put_str(m, "string", ferry_value_int(FERRY_TYPE_INT32, 12));
        ferry_map_put(m, ferry_value_int(FERRY_TYPE_INT32, 52), ferry_value_cstring("string"));
        ferry_map_put(m, ferry_value_bool(false), ferry_value_bool(true));
        got = ser(c, NULL, m);
        cr_assert_str_eq(got, "[[\"string\",12],[52,\"string\"],[false,true]]");
        free(got);
        ferry_value_free(m);

        ferry_value_t *s = ferry_value_cstring("plain");
        got = ser(c, NULL, s);
        cr_assert_str_eq(got, "\"plain\"");
        free(got);

        /* a schema without the envelope: just the payload */
        ferry_schema_t *ss = ferry_schema_new(FERRY_TYPE_STRING);
        got = ser(c, ss, s);
        cr_assert_str_eq(got, "\"plain\"");
        free(got);
        ferry_schema_unref(ss);
        ferry_json_converter.close(c);

        /* schemaless data with schemas enabled: a null schema in the envelope */
        c = CONV("schemas.enable", "true");
        got = ser(c, NULL, s);
        cr_assert_str_eq(got, "{\"schema\":null,\"payload\":\"plain\"}");
        ferry_schema_t *rs = (ferry_schema_t *)1;
        ferry_value_t *rv;
        des(c, got, &rs, &rv);
        cr_assert_null(rs);
        cr_assert(ferry_value_equal(rv, s));
        ferry_value_free(rv);
        free(got);
        ferry_value_free(s);
        ferry_json_converter.close(c);
}

Test(json_converter, schemaless_read)
{
        void *c = CONV("schemas.enable", "false");
        ferry_schema_t *s = (ferry_schema_t *)1;
        ferry_value_t *v;
        des(c,
            " {\"i\":1,\"f\":1.5,\"o\":{\"x\":null},\"a\":[1,\"s\"],\"b\":false,\"min\":-9223372036854775808,"
            "\"e\":1e3,\"u\":\"\\u00e9\"} \n",
            &s, &v);
        cr_assert_null(s);
        cr_assert_eq(v->type, FERRY_TYPE_MAP);
        cr_assert_eq(v->u.m.n, 8);
        ferry_value_t *i = ferry_map_get_str(v, "i");
        cr_assert_eq(i->type, FERRY_TYPE_INT64);
        cr_assert_eq(i->u.i, 1);
        ferry_value_t *f = ferry_map_get_str(v, "f");
        cr_assert_eq(f->type, FERRY_TYPE_FLOAT64);
        cr_assert_eq(f->u.f, 1.5);
        ferry_value_t *o = ferry_map_get_str(v, "o");
        cr_assert_eq(o->type, FERRY_TYPE_MAP);
        cr_assert_eq(o->u.m.n, 1);
        cr_assert_null(o->u.m.vals[0]);
        ferry_value_t *a = ferry_map_get_str(v, "a");
        cr_assert_eq(a->type, FERRY_TYPE_ARRAY);
        cr_assert_eq(a->u.a.items[0]->type, FERRY_TYPE_INT64);
        cr_assert_eq(a->u.a.items[1]->type, FERRY_TYPE_STRING);
        cr_assert_eq(ferry_map_get_str(v, "b")->type, FERRY_TYPE_BOOLEAN);
        cr_assert_eq(ferry_map_get_str(v, "min")->u.i, INT64_MIN);
        cr_assert_eq(ferry_map_get_str(v, "e")->type, FERRY_TYPE_FLOAT64);
        cr_assert_eq(ferry_map_get_str(v, "e")->u.f, 1000.0);
        cr_assert_str_eq(ferry_map_get_str(v, "u")->u.s.data, "\xc3\xa9");
        /* the same text comes back out (object key order kept) */
        char *got = ser(c, NULL, v);
        cr_assert_str_eq(got, "{\"i\":1,\"f\":1.5,\"o\":{\"x\":null},\"a\":[1,\"s\"],\"b\":false,"
                              "\"min\":-9223372036854775808,\"e\":1000.0,\"u\":\"\xc3\xa9\"}");
        free(got);
        ferry_value_free(v);

        des(c, "42", &s, &v);
        cr_assert_eq(v->type, FERRY_TYPE_INT64);
        cr_assert_eq(v->u.i, 42);
        ferry_value_free(v);
        des(c, "-2.5", &s, &v);
        cr_assert_eq(v->u.f, -2.5);
        ferry_value_free(v);
        des(c, "\"text\"", &s, &v);
        cr_assert_str_eq(v->u.s.data, "text");
        ferry_value_free(v);
        des(c, "true", &s, &v);
        cr_assert(v->u.b);
        ferry_value_free(v);
        /* an envelope is plain data here */
        des(c, "{\"schema\":null,\"payload\":1}", &s, &v);
        cr_assert_eq(v->type, FERRY_TYPE_MAP);
        cr_assert_eq(v->u.m.n, 2);
        ferry_value_free(v);
        ferry_json_converter.close(c);
}

Test(json_converter, nulls_and_tombstones)
{
        void *on = CONV("schemas.enable", "true");
        void *off = CONV("schemas.enable", "false");
        /* null schema + null value: a null record in both modes */
        cr_assert_null(ser(on, NULL, NULL));
        cr_assert_null(ser(off, NULL, NULL));

        /* a schema with a null value is not a tombstone */
        ferry_schema_t *os = opt(ferry_schema_new(FERRY_TYPE_STRING));
        char *got = ser(on, os, NULL);
        cr_assert_str_eq(got, "{\"schema\":{\"type\":\"string\",\"optional\":true},\"payload\":null}");
        free(got);
        got = ser(off, os, NULL);
        cr_assert_str_eq(got, "null");
        free(got);

        ferry_schema_t *rs = (ferry_schema_t *)1;
        ferry_value_t *rv = (ferry_value_t *)1;
        des(on, "{\"schema\":{\"type\":\"string\",\"optional\":true},\"payload\":null}", &rs, &rv);
        cr_assert(ferry_schema_equal(rs, os));
        cr_assert_null(rv);
        ferry_schema_unref(rs);

        /* tombstones read as null schema and value */
        rs = (ferry_schema_t *)1;
        rv = (ferry_value_t *)1;
        des(on, NULL, &rs, &rv);
        cr_assert_null(rs);
        cr_assert_null(rv);
        rs = (ferry_schema_t *)1;
        rv = (ferry_value_t *)1;
        des(off, NULL, &rs, &rv);
        cr_assert_null(rs);
        cr_assert_null(rv);
        des(on, "{\"schema\":null,\"payload\":null}", &rs, &rv);
        cr_assert_null(rs);
        cr_assert_null(rv);
        des(off, "null", &rs, &rv);
        cr_assert_null(rv);
        /* no content: a missing node, null without an envelope */
        des(off, "", &rs, &rv);
        cr_assert_null(rv);
        des(off, "  ", &rs, &rv);
        cr_assert_null(rv);
        expect_read_error(on, "", ENVELOPE_ERROR);

        /* required without default */
        char err[512];
        ferry_schema_t *req = ferry_schema_new(FERRY_TYPE_INT32);
        cr_assert_eq(ser_err(on, req, NULL, err, sizeof(err)), FERRY_ERR_CONVERSION);
        cr_assert_str_eq(err,
                         "Conversion error: null value for field that is required and has no default value");
        expect_read_error(on, "{\"schema\":{\"type\":\"int32\",\"optional\":false},\"payload\":null}",
                          "Invalid null value for required int32 field");
        ferry_schema_unref(req);
        ferry_schema_unref(os);
        ferry_json_converter.close(on);
        ferry_json_converter.close(off);
}

Test(json_converter, defaults_replace_null)
{
        void *c = CONV("schemas.enable", "true");
        void *keep = CONV("replace.null.with.default", "false");
        ferry_schema_t *s = opt(ferry_schema_new(FERRY_TYPE_STRING));
        s->default_value = ferry_value_cstring("default");
        char *got = ser(c, s, NULL);
        cr_assert_str_eq(got, "{\"schema\":{\"type\":\"string\",\"optional\":true,\"default\":\"default\"},"
                              "\"payload\":\"default\"}");
        free(got);
        got = ser(keep, s, NULL);
        cr_assert_str_eq(got, "{\"schema\":{\"type\":\"string\",\"optional\":true,\"default\":\"default\"},"
                              "\"payload\":null}");

        ferry_schema_t *rs;
        ferry_value_t *rv;
        des(c, got, &rs, &rv);
        cr_assert(ferry_schema_equal(rs, s));
        cr_assert_str_eq(rv->u.s.data, "default");
        ferry_schema_unref(rs);
        ferry_value_free(rv);
        des(keep, got, &rs, &rv);
        cr_assert_null(rv);
        ferry_schema_unref(rs);
        free(got);

        const char *msg =
                "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":true,"
                "\"default\":\"default\",\"field\":\"field1\"}],\"optional\":false},"
                "\"payload\":{\"field1\":null}}";
        des(c, msg, &rs, &rv);
        cr_assert_str_eq(ferry_struct_get(rv, "field1")->u.s.data, "default");
        got = ser(c, rs, rv);
        cr_assert_str_eq(
                got, "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":true,"
                     "\"default\":\"default\",\"field\":\"field1\"}],\"optional\":false},"
                     "\"payload\":{\"field1\":\"default\"}}");
        free(got);
        ferry_schema_unref(rs);
        ferry_value_free(rv);
        des(keep, msg, &rs, &rv);
        cr_assert_null(ferry_struct_get(rv, "field1"));
        got = ser(keep, rs, rv);
        cr_assert_str_eq(got, msg);
        free(got);
        ferry_schema_unref(rs);
        ferry_value_free(rv);

        /* a missing field is null too */
        des(c,
            "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":false,\"default\":"
            "5,"
            "\"field\":\"n\"}],\"optional\":false},\"payload\":{}}",
            &rs, &rv);
        cr_assert_eq(ferry_struct_get(rv, "n")->u.i, 5);
        ferry_schema_unref(rs);
        ferry_value_free(rv);

        ferry_schema_unref(s);
        ferry_json_converter.close(c);
        ferry_json_converter.close(keep);
}

Test(json_converter, malformed_input)
{
        void *c = CONV("schemas.enable", "true");
        char err[512];
        const char *bad[] = {"{\"schema\":", "{\"schema\":{\"type\":\"int32\"},\"payload\":1} x",
                             "nul",          "[1,2,]",
                             "\"\xff\"",     "[01]"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                cr_assert_eq(des_err(c, bad[i], strlen(bad[i]), err, sizeof(err)), FERRY_ERR_CONVERSION);
                cr_assert(
                        strstr(err,
                               "Converting byte[] to Kafka Connect data failed due to serialization error: "),
                        "%s: %s", bad[i], err);
        }
        /* bytes after a NUL do not sneak past */
        static const char nul[] = "{\"schema\":null,\"payload\":1}\0junk";
        cr_assert_eq(des_err(c, nul, sizeof(nul) - 1, err, sizeof(err)), FERRY_ERR_CONVERSION);

        expect_read_error(c, "{\"schema\":{\"type\":\"int32\"}}", ENVELOPE_ERROR);
        expect_read_error(c, "{\"payload\":1}", ENVELOPE_ERROR);
        expect_read_error(c, "{\"schema\":{\"type\":\"int32\"},\"payload\":1,\"extra\":2}", ENVELOPE_ERROR);
        expect_read_error(c, "{\"schema\":{\"type\":\"int32\"},\"extra\":2}", ENVELOPE_ERROR);
        expect_read_error(c, "[1,2]", ENVELOPE_ERROR);
        expect_read_error(c, "42", ENVELOPE_ERROR);

        expect_read_error(c, "{\"schema\":{\"type\":\"integer\"},\"payload\":1}",
                          "Unknown schema type: integer");
        expect_read_error(c, "{\"schema\":{\"type\":\"float32\"},\"payload\":1}",
                          "Unknown schema type: float32");
        expect_read_error(c, "{\"schema\":{\"optional\":true},\"payload\":1}",
                          "Schema must contain 'type' field");
        expect_read_error(c, "{\"schema\":\"int32\",\"payload\":1}", "Schema must contain 'type' field");
        expect_read_error(c, "{\"schema\":{\"type\":\"array\"},\"payload\":[]}",
                          "Array schema did not specify the element type");
        expect_read_error(c, "{\"schema\":{\"type\":\"map\",\"values\":{\"type\":\"int32\"}},\"payload\":{}}",
                          "Map schema did not specify the key type");
        expect_read_error(c, "{\"schema\":{\"type\":\"struct\"},\"payload\":{}}",
                          "Struct schema's \"fields\" argument is not an array.");
        expect_read_error(
                c, "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\"}]},\"payload\":{}}",
                "Struct schema's field name not specified properly");
        expect_read_error(c,
                          "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"field\":\"a\"},"
                          "{\"type\":\"int32\",\"field\":\"a\"}]},\"payload\":{}}",
                          "Cannot create field because of field name duplication a");
        expect_read_error(c,
                          "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"fields\":["
                          "{\"type\":\"foo\",\"field\":\"zip\"}],\"field\":\"address\"}]},\"payload\":{}}",
                          "schema of field \"address.zip\": Unknown schema type: foo");
        expect_read_error(c, "{\"schema\":{\"type\":\"int32\",\"parameters\":{\"a\":1}},\"payload\":1}",
                          "Schema parameters must have string values.");
        expect_read_error(c, "{\"schema\":{\"type\":\"int32\",\"default\":null},\"payload\":1}",
                          "Invalid null value for required int32 field");
        expect_read_error(c, "{\"schema\":{\"type\":\"int32\",\"default\":\"x\"},\"payload\":1}",
                          "expected int32, got string");
        expect_read_error(c, "{\"schema\":{\"type\":\"struct\",\"fields\":[],\"default\":{}},\"payload\":{}}",
                          "Invalid default value: struct schemas cannot have a default");
        ferry_json_converter.close(c);
}

Test(json_converter, payload_not_matching_schema)
{
        void *c = CONV("schemas.enable", "true");
        char *s = NULL;
        ferry_schema_t *ps = person_schema();
        ferry_value_t *p = person(ps, true);
        s = ser(c, ps, p);
        ferry_value_free(p);
        ferry_schema_unref(ps);
        /* swap the payload for a broken one, keeping the schema */
        char *payload = strstr(s, ",\"payload\":");
        cr_assert_not_null(payload);
        *payload = '\0';
        char msg[4096];

#define PAYLOAD(p) (snprintf(msg, sizeof(msg), "%s,\"payload\":%s}", s, p), msg)
        expect_read_error(c, PAYLOAD("{\"name\":\"Ann\",\"address\":{\"street\":\"x\",\"zip\":\"12345\"}}"),
                          "field \"address.zip\": expected int32, got string");
        expect_read_error(c, PAYLOAD("{\"address\":{\"street\":\"x\"}}"),
                          "field \"name\": Invalid null value for required string field");
        expect_read_error(c, PAYLOAD("{\"name\":\"Ann\",\"address\":{\"street\":\"x\"},\"tags\":[\"a\",3]}"),
                          "field \"tags[1]\": expected string, got number");
        expect_read_error(
                c, PAYLOAD("{\"name\":\"Ann\",\"address\":{\"street\":\"x\"},\"scores\":{\"m\":true}}"),
                "field \"scores[m]\": expected double, got boolean");
        expect_read_error(
                c, PAYLOAD("{\"name\":\"Ann\",\"address\":{\"street\":\"x\"},\"scores\":[]}"),
                "field \"scores\": Maps with string fields should be encoded as JSON objects, but found "
                "ARRAY");
        expect_read_error(c, PAYLOAD("{\"name\":\"Ann\",\"age\":300,\"address\":{\"street\":\"x\"}}"),
                          "field \"age\": value 300 out of range for int8");
        expect_read_error(c, PAYLOAD("{\"name\":\"Ann\",\"age\":1.5,\"address\":{\"street\":\"x\"}}"),
                          "field \"age\": expected int8, got 1.5");
        expect_read_error(c, PAYLOAD("{\"name\":\"Ann\",\"address\":[]}"),
                          "field \"address\": Structs should be encoded as JSON objects, but found ARRAY");
        expect_read_error(c, PAYLOAD("[]"), "Structs should be encoded as JSON objects, but found ARRAY");
        expect_read_error(c, PAYLOAD("{\"name\":NaN,\"address\":{\"street\":\"x\"}}"),
                          "field \"name\": expected string, got number");
#undef PAYLOAD
        free(s);

        expect_read_error(c, "{\"schema\":{\"type\":\"bytes\"},\"payload\":\"!!\"}",
                          "Invalid bytes field: not Base64");
        expect_read_error(c, "{\"schema\":{\"type\":\"bytes\"},\"payload\":5}",
                          "expected bytes (a Base64 string), got number");
        expect_read_error(c, "{\"schema\":{\"type\":\"boolean\"},\"payload\":\"true\"}",
                          "expected boolean, got string");
        expect_read_error(c, "{\"schema\":{\"type\":\"int64\"},\"payload\":9223372036854775808}",
                          "number 9223372036854775808 out of range for int64");
        expect_read_error(c, "{\"schema\":{\"type\":\"double\"},\"payload\":Infinity}",
                          "Non-standard token 'Infinity': not allowed in JSON");
        expect_read_error(c,
                          "{\"schema\":{\"type\":\"array\",\"items\":{\"type\":\"int32\"}},\"payload\":{}}",
                          "expected array, got object");
        expect_read_error(
                c,
                "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int32\"},\"values\":{\"type\":"
                "\"int32\"}},\"payload\":{}}",
                "Maps with non-string fields should be encoded as JSON array of tuples, but found OBJECT");
        expect_read_error(c,
                          "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int32\"},\"values\":{\"type\":"
                          "\"int32\"}},\"payload\":[[1,2],[3]]}",
                          "field \"[1]\": Found invalid map entry, expected length 2 but found :1");
        expect_read_error(c,
                          "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int32\"},\"values\":{\"type\":"
                          "\"int32\"}},\"payload\":[5]}",
                          "field \"[0]\": Found invalid map entry instead of array tuple: NUMBER");
        expect_read_error(c,
                          "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int32\"},\"values\":{\"type\":"
                          "\"int32\"}},\"payload\":[[1,\"x\"]]}",
                          "field \"[0]\": expected int32, got string");
        expect_read_error(
                c,
                "{\"schema\":{\"type\":\"int32\",\"name\":\"org.apache.kafka.connect.data.Date\"},"
                "\"payload\":\"2020-01-01\"}",
                "Invalid type for Date, underlying representation should be integer but was STRING");
        expect_read_error(
                c,
                "{\"schema\":{\"type\":\"int64\",\"name\":\"org.apache.kafka.connect.data.Timestamp\"},"
                "\"payload\":1.5}",
                "Invalid type for Timestamp, underlying representation should be integral but was NUMBER");
        ferry_json_converter.close(c);

        /* schemaless: NaN is not JSON */
        c = CONV("schemas.enable", "false");
        expect_read_error(c, "[1,NaN]", "field \"[1]\": Non-standard token 'NaN': not allowed in JSON");
        ferry_json_converter.close(c);
}

Test(json_converter, lenient_numbers_java_accepts)
{
        void *c = CONV("schemas.enable", "true");
        ferry_schema_t *s;
        ferry_value_t *v;
        /* an integral JSON number for a double, and an integral double for an int */
        des(c, "{\"schema\":{\"type\":\"double\"},\"payload\":3}", &s, &v);
        cr_assert_eq(v->type, FERRY_TYPE_FLOAT64);
        cr_assert_eq(v->u.f, 3.0);
        ferry_value_free(v);
        ferry_schema_unref(s);
        des(c, "{\"schema\":{\"type\":\"int32\"},\"payload\":3.0}", &s, &v);
        cr_assert_eq(v->type, FERRY_TYPE_INT32);
        cr_assert_eq(v->u.i, 3);
        ferry_value_free(v);
        ferry_schema_unref(s);
        /* floats keep float precision */
        des(c, "{\"schema\":{\"type\":\"float\"},\"payload\":12.34}", &s, &v);
        cr_assert_eq(v->u.f, (double)12.34f);
        ferry_value_free(v);
        ferry_schema_unref(s);
        /* unknown schema keys and extra payload fields are ignored, as in Java */
        des(c,
            "{\"schema\":{\"type\":\"struct\",\"x\":1,\"fields\":[{\"type\":\"int32\",\"field\":\"a\"}]},"
            "\"payload\":{\"a\":1,\"zzz\":2}}",
            &s, &v);
        cr_assert_eq(ferry_struct_get(v, "a")->u.i, 1);
        cr_assert_not(s->optional);
        ferry_value_free(v);
        ferry_schema_unref(s);
        ferry_json_converter.close(c);
}

Test(json_converter, write_errors)
{
        void *c = CONV("schemas.enable", "true");
        char err[512];
        ferry_schema_t *d = ferry_schema_new(FERRY_TYPE_FLOAT64);
        ferry_value_t *b = ferry_value_bool(true);
        cr_assert_eq(ser_err(c, d, b, err, sizeof(err)), FERRY_ERR_CONVERSION);
        cr_assert_str_eq(err, "expected double, got boolean");

        /* struct values must carry the schema they are written with */
        ferry_schema_t *ps = person_schema(), *as = address_schema();
        ferry_value_t *addr = ferry_value_struct(as);
        cr_assert_eq(ser_err(c, ps, addr, err, sizeof(err)), FERRY_ERR_CONVERSION);
        cr_assert_str_eq(err, "Mismatching schema.");
        cr_assert_eq(ser_err(c, NULL, addr, err, sizeof(err)), FERRY_ERR_CONVERSION);
        cr_assert_str_eq(err, "Mismatching schema.");

        /* nested errors name the field */
        ferry_value_t *p = person(ps, true);
        ferry_struct_put(p, "name", NULL);
        cr_assert_eq(ser_err(c, ps, p, err, sizeof(err)), FERRY_ERR_CONVERSION);
        cr_assert_str_eq(
                err,
                "field \"name\": Conversion error: null value for field that is required and has no default "
                "value");
        ferry_struct_put(p, "name", ferry_value_cstring("Ann"));
        ferry_value_t *tags = ferry_value_array();
        ferry_array_append(tags, ferry_value_int(FERRY_TYPE_INT32, 1));
        ferry_struct_put(p, "tags", tags);
        cr_assert_eq(ser_err(c, ps, p, err, sizeof(err)), FERRY_ERR_CONVERSION);
        cr_assert_str_eq(err, "field \"tags[0]\": expected string, got int32");

        ferry_schema_t *dec = ferry_schema_decimal(2);
        ferry_value_t *str = ferry_value_cstring("1.23");
        cr_assert_eq(ser_err(c, dec, str, err, sizeof(err)), FERRY_ERR_CONVERSION);
        cr_assert_str_eq(err, "Invalid type for Decimal, expected bytes but was string");

        ferry_schema_t *i8 = ferry_schema_new(FERRY_TYPE_INT8);
        ferry_value_t *big = ferry_value_int(FERRY_TYPE_INT8, 1000);
        cr_assert_eq(ser_err(c, i8, big, err, sizeof(err)), FERRY_ERR_CONVERSION);
        cr_assert_str_eq(err, "value 1000 out of range for int8");

        ferry_value_free(b);
        ferry_value_free(addr);
        ferry_value_free(p);
        ferry_value_free(str);
        ferry_value_free(big);
        ferry_schema_unref(d);
        ferry_schema_unref(ps);
        ferry_schema_unref(as);
        ferry_schema_unref(dec);
        ferry_schema_unref(i8);
        ferry_json_converter.close(c);
}

Test(json_converter, deep_nesting_is_refused)
{
        void *c = CONV("schemas.enable", "false");
        size_t n = 5000;
        char *deep = malloc(2 * n + 1);
        memset(deep, '[', n);
        memset(deep + n, ']', n);
        deep[2 * n] = '\0';
        char err[512];
        cr_assert_eq(des_err(c, deep, 2 * n, err, sizeof(err)), FERRY_ERR_CONVERSION);
        free(deep);

        /* but reasonable nesting is fine */
        n = 200;
        deep = malloc(2 * n + 1);
        memset(deep, '[', n);
        memset(deep + n, ']', n);
        deep[2 * n] = '\0';
        ferry_schema_t *s;
        ferry_value_t *v;
        des(c, deep, &s, &v);
        char *back = ser(c, NULL, v);
        cr_assert_str_eq(back, deep);
        free(back);
        ferry_value_free(v);
        free(deep);
        ferry_json_converter.close(c);
}
