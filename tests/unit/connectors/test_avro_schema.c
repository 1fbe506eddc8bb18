/* Unit tests of the Connect -> Avro schema mapping (worker/connectors/shared/avro): the exact text
 * Java's AvroData + Schema.toString() produce for each rule (record naming, optional unions and
 * their order, connect.* properties, logical types, MapEntry arrays, named type references), and
 * the Avro schema parser/writer on its own. */
#include "shared/avro/avro_compat.h"
#include "shared/avro/avro_data.h"
#include "shared/avro/avro_schema.h"

#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

static char *avro_text(const ferry_schema_t *s)
{
        ferry_avro_data_config_t cfg = FERRY_AVRO_DATA_CONFIG_DEFAULT;
        char err[256] = "";
        ferry_avro_schema_t *a = ferry_avro_from_connect(&cfg, s, err, sizeof(err));
        cr_assert_not_null(a, "%s", err);
        ferry_buf_t b;
        ferry_buf_init(&b);
        cr_assert_eq(ferry_avro_write_json(a, &b, err, sizeof(err)), 0, "%s", err);
        ferry_avro_schema_free(a);
        return ferry_buf_steal(&b);
}

#define EXPECT_TEXT(schema, want)                                                                            \
        do {                                                                                                 \
                char *got_ = avro_text(schema);                                                              \
                cr_assert_str_eq(got_, want);                                                                \
                free(got_);                                                                                  \
        } while (0)

static ferry_schema_t *prim(ferry_type_t t)
{
        return ferry_schema_new(t);
}

Test(avro_schema, primitives_in_connect_default_record)
{
        ferry_schema_t *s = ferry_schema_struct(NULL);
        ferry_schema_add_field(s, "f1", prim(FERRY_TYPE_INT8));
        ferry_schema_add_field(s, "f2", prim(FERRY_TYPE_INT16));
        ferry_schema_add_field(s, "f3", prim(FERRY_TYPE_INT32));
        ferry_schema_add_field(s, "f4", prim(FERRY_TYPE_INT64));
        ferry_schema_add_field(s, "f5", prim(FERRY_TYPE_FLOAT32));
        ferry_schema_add_field(s, "f6", prim(FERRY_TYPE_FLOAT64));
        ferry_schema_add_field(s, "f7", prim(FERRY_TYPE_BOOLEAN));
        ferry_schema_add_field(s, "f8", prim(FERRY_TYPE_STRING));
        ferry_schema_add_field(s, "f9", prim(FERRY_TYPE_BYTES));
        EXPECT_TEXT(s, "{\"type\":\"record\",\"name\":\"ConnectDefault\",\"namespace\":\"io.confluent."
                       "connect.avro\","
                       "\"fields\":[{\"name\":\"f1\",\"type\":{\"type\":\"int\",\"connect.type\":\"int8\"}},"
                       "{\"name\":\"f2\",\"type\":{\"type\":\"int\",\"connect.type\":\"int16\"}},"
                       "{\"name\":\"f3\",\"type\":\"int\"},{\"name\":\"f4\",\"type\":\"long\"},"
                       "{\"name\":\"f5\",\"type\":\"float\"},{\"name\":\"f6\",\"type\":\"double\"},"
                       "{\"name\":\"f7\",\"type\":\"boolean\"},{\"name\":\"f8\",\"type\":\"string\"},"
                       "{\"name\":\"f9\",\"type\":\"bytes\"}]}");
        ferry_schema_unref(s);
}

Test(avro_schema, top_level_primitives)
{
        ferry_schema_t *s = prim(FERRY_TYPE_STRING);
        EXPECT_TEXT(s, "\"string\"");
        ferry_schema_set_optional(s, true);
        EXPECT_TEXT(s, "[\"null\",\"string\"]");
        ferry_schema_unref(s);
        s = prim(FERRY_TYPE_INT8);
        EXPECT_TEXT(s, "{\"type\":\"int\",\"connect.type\":\"int8\"}");
        ferry_schema_unref(s);
}

Test(avro_schema, optional_union_order_follows_the_default)
{
        ferry_schema_t *s = ferry_schema_struct(NULL);
        ferry_schema_add_field(s, "opt", ferry_schema_optional(FERRY_TYPE_STRING));
        ferry_schema_t *d = ferry_schema_optional(FERRY_TYPE_INT32);
        cr_assert_eq(ferry_schema_set_default(d, ferry_value_int(FERRY_TYPE_INT32, 5)), 0);
        ferry_schema_add_field(s, "optdef", d);
        ferry_schema_t *r = prim(FERRY_TYPE_STRING);
        cr_assert_eq(ferry_schema_set_default(r, ferry_value_cstring("x")), 0);
        ferry_schema_add_field(s, "reqdef", r);
        EXPECT_TEXT(s, "{\"type\":\"record\",\"name\":\"ConnectDefault\",\"namespace\":\"io.confluent."
                       "connect.avro\","
                       "\"fields\":[{\"name\":\"opt\",\"type\":[\"null\",\"string\"],\"default\":null},"
                       "{\"name\":\"optdef\",\"type\":[{\"type\":\"int\",\"connect.default\":5},\"null\"],"
                       "\"default\":5},"
                       "{\"name\":\"reqdef\",\"type\":{\"type\":\"string\",\"connect.default\":\"x\"},"
                       "\"default\":\"x\"}]}");
        ferry_schema_unref(s);
}

Test(avro_schema, named_struct_metadata)
{
        ferry_schema_t *s = ferry_schema_struct("com.example.Row");
        ferry_schema_set_version(s, 2);
        ferry_schema_set_doc(s, "a row");
        ferry_schema_set_param(s, "k", "v");
        ferry_schema_t *f = prim(FERRY_TYPE_STRING);
        ferry_schema_set_doc(f, "the id");
        ferry_schema_add_field(s, "id", f);
        EXPECT_TEXT(s, "{\"type\":\"record\",\"name\":\"Row\",\"namespace\":\"com.example\",\"fields\":["
                       "{\"name\":\"id\",\"type\":{\"type\":\"string\",\"connect.doc\":\"the id\"}}],"
                       "\"connect.doc\":\"a row\",\"connect.version\":2,\"connect.parameters\":{\"k\":\"v\"},"
                       "\"connect.name\":\"com.example.Row\"}");
        ferry_schema_unref(s);
}

Test(avro_schema, logical_types)
{
        ferry_schema_t *s = ferry_schema_decimal(2);
        EXPECT_TEXT(
                s, "{\"type\":\"bytes\",\"scale\":2,\"precision\":64,\"connect.version\":1,"
                   "\"connect.parameters\":{\"scale\":\"2\"},"
                   "\"connect.name\":\"org.apache.kafka.connect.data.Decimal\",\"logicalType\":\"decimal\"}");
        ferry_schema_set_param(s, "connect.decimal.precision", "10");
        EXPECT_TEXT(
                s, "{\"type\":\"bytes\",\"scale\":2,\"precision\":10,\"connect.version\":1,"
                   "\"connect.parameters\":{\"scale\":\"2\",\"connect.decimal.precision\":\"10\"},"
                   "\"connect.name\":\"org.apache.kafka.connect.data.Decimal\",\"logicalType\":\"decimal\"}");
        ferry_schema_unref(s);
        s = ferry_schema_logical(FERRY_LOGICAL_DATE);
        EXPECT_TEXT(s, "{\"type\":\"int\",\"connect.version\":1,\"connect.name\":\"org.apache.kafka.connect."
                       "data.Date\","
                       "\"logicalType\":\"date\"}");
        ferry_schema_unref(s);
        s = ferry_schema_logical(FERRY_LOGICAL_TIME);
        EXPECT_TEXT(s, "{\"type\":\"int\",\"connect.version\":1,\"connect.name\":\"org.apache.kafka.connect."
                       "data.Time\","
                       "\"logicalType\":\"time-millis\"}");
        ferry_schema_unref(s);
        s = ferry_schema_logical(FERRY_LOGICAL_TIMESTAMP);
        EXPECT_TEXT(s, "{\"type\":\"long\",\"connect.version\":1,"
                       "\"connect.name\":\"org.apache.kafka.connect.data.Timestamp\","
                       "\"logicalType\":\"timestamp-millis\"}");
        ferry_schema_unref(s);
}

Test(avro_schema, decimal_scale_above_precision_keeps_only_the_legacy_property)
{
        ferry_schema_t *s = ferry_schema_decimal(5);
        ferry_schema_set_param(s, "connect.decimal.precision", "3");
        EXPECT_TEXT(
                s, "{\"type\":\"bytes\",\"scale\":5,\"precision\":3,\"connect.version\":1,"
                   "\"connect.parameters\":{\"scale\":\"5\",\"connect.decimal.precision\":\"3\"},"
                   "\"connect.name\":\"org.apache.kafka.connect.data.Decimal\",\"logicalType\":\"decimal\"}");
        ferry_schema_unref(s);
}

Test(avro_schema, maps_and_arrays)
{
        ferry_schema_t *s = ferry_schema_struct(NULL);
        ferry_schema_add_field(s, "tags", ferry_schema_array(prim(FERRY_TYPE_STRING)));
        ferry_schema_add_field(s, "counts",
                               ferry_schema_map(prim(FERRY_TYPE_STRING), prim(FERRY_TYPE_INT64)));
        ferry_schema_add_field(s, "byid", ferry_schema_map(prim(FERRY_TYPE_INT32), prim(FERRY_TYPE_STRING)));
        EXPECT_TEXT(s, "{\"type\":\"record\",\"name\":\"ConnectDefault\",\"namespace\":\"io.confluent."
                       "connect.avro\","
                       "\"fields\":[{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}},"
                       "{\"name\":\"counts\",\"type\":{\"type\":\"map\",\"values\":\"long\"}},"
                       "{\"name\":\"byid\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\","
                       "\"name\":\"MapEntry\",\"fields\":[{\"name\":\"key\",\"type\":\"int\"},"
                       "{\"name\":\"value\",\"type\":\"string\"}]}}}]}");
        ferry_schema_unref(s);
        /* At the top level the MapEntry record names its namespace. */
        s = ferry_schema_map(ferry_schema_optional(FERRY_TYPE_STRING), prim(FERRY_TYPE_INT32));
        EXPECT_TEXT(
                s,
                "{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"MapEntry\","
                "\"namespace\":\"io.confluent.connect.avro\",\"fields\":[{\"name\":\"key\","
                "\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"value\",\"type\":\"int\"}]}}");
        ferry_schema_unref(s);
}

static ferry_schema_t *point(void)
{
        ferry_schema_t *p = ferry_schema_struct(NULL);
        ferry_schema_add_field(p, "x", prim(FERRY_TYPE_INT32));
        ferry_schema_add_field(p, "y", prim(FERRY_TYPE_INT32));
        return p;
}

Test(avro_schema, nested_unnamed_structs_are_numbered_and_reused_by_name)
{
        ferry_schema_t *s = ferry_schema_struct(NULL);
        ferry_schema_add_field(s, "a", point());
        ferry_schema_add_field(s, "b", point());
        ferry_schema_t *o = point();
        ferry_schema_set_optional(o, true);
        ferry_schema_add_field(s, "c", o);
        ferry_schema_t *q = ferry_schema_struct(NULL);
        ferry_schema_add_field(q, "z", prim(FERRY_TYPE_STRING));
        ferry_schema_add_field(s, "d", q);
        EXPECT_TEXT(s,
                    "{\"type\":\"record\",\"name\":\"ConnectDefault\",\"namespace\":\"io.confluent.connect."
                    "avro\","
                    "\"fields\":[{\"name\":\"a\",\"type\":{\"type\":\"record\",\"name\":\"ConnectDefault2\","
                    "\"fields\":[{\"name\":\"x\",\"type\":\"int\"},{\"name\":\"y\",\"type\":\"int\"}]}},"
                    "{\"name\":\"b\",\"type\":\"ConnectDefault2\"},"
                    "{\"name\":\"c\",\"type\":[\"null\",\"ConnectDefault2\"],\"default\":null},"
                    "{\"name\":\"d\",\"type\":{\"type\":\"record\",\"name\":\"ConnectDefault3\","
                    "\"fields\":[{\"name\":\"z\",\"type\":\"string\"}]}}]}");
        ferry_schema_unref(s);
}

Test(avro_schema, named_records_inside_named_records)
{
        ferry_schema_t *s = ferry_schema_struct("com.example.Outer");
        ferry_schema_t *in = ferry_schema_struct("com.example.Inner");
        ferry_schema_add_field(in, "v", prim(FERRY_TYPE_BOOLEAN));
        ferry_schema_add_field(s, "in", in);
        ferry_schema_t *other = ferry_schema_struct("Bare");
        ferry_schema_add_field(other, "w", prim(FERRY_TYPE_INT64));
        ferry_schema_add_field(s, "bare", other);
        EXPECT_TEXT(s,
                    "{\"type\":\"record\",\"name\":\"Outer\",\"namespace\":\"com.example\",\"fields\":["
                    "{\"name\":\"in\",\"type\":{\"type\":\"record\",\"name\":\"Inner\",\"fields\":["
                    "{\"name\":\"v\",\"type\":\"boolean\"}],\"connect.name\":\"com.example.Inner\"}},"
                    "{\"name\":\"bare\",\"type\":{\"type\":\"record\",\"name\":\"Bare\",\"namespace\":\"\","
                    "\"fields\":[{\"name\":\"w\",\"type\":\"long\"}],\"connect.name\":\"Bare\"}}],"
                    "\"connect.name\":\"com.example.Outer\"}");
        ferry_schema_unref(s);
}

Test(avro_schema, defaults_of_every_kind)
{
        ferry_schema_t *s = ferry_schema_struct(NULL);
        ferry_schema_t *f = prim(FERRY_TYPE_FLOAT32);
        ferry_schema_set_default(f, ferry_value_float(FERRY_TYPE_FLOAT32, 1.1f));
        ferry_schema_add_field(s, "f", f);
        ferry_schema_t *b = prim(FERRY_TYPE_BYTES);
        ferry_schema_set_default(b, ferry_value_bytes("\x01\xff", 2));
        ferry_schema_add_field(s, "b", b);
        ferry_schema_t *a = ferry_schema_array(prim(FERRY_TYPE_INT32));
        ferry_value_t *av = ferry_value_array();
        ferry_array_append(av, ferry_value_int(FERRY_TYPE_INT32, 1));
        ferry_array_append(av, ferry_value_int(FERRY_TYPE_INT32, 2));
        ferry_schema_set_default(a, av);
        ferry_schema_add_field(s, "a", a);
        ferry_schema_t *bo = prim(FERRY_TYPE_BOOLEAN);
        ferry_schema_set_default(bo, ferry_value_bool(true));
        ferry_schema_add_field(s, "t", bo);
        /* Java widens a float32 field default to double; connect.default keeps the float. */
        EXPECT_TEXT(
                s,
                "{\"type\":\"record\",\"name\":\"ConnectDefault\",\"namespace\":\"io.confluent.connect."
                "avro\","
                "\"fields\":[{\"name\":\"f\",\"type\":{\"type\":\"float\",\"connect.default\":1.1},"
                "\"default\":1.100000023841858},"
                "{\"name\":\"b\",\"type\":{\"type\":\"bytes\",\"connect.default\":\"\\u0001\xc3\xbf\"},"
                "\"default\":\"\\u0001\xc3\xbf\"},"
                "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":\"int\",\"connect.default\":[1,2]},"
                "\"default\":[1,2]},"
                "{\"name\":\"t\",\"type\":{\"type\":\"boolean\",\"connect.default\":true},\"default\":true}]"
                "}");
        ferry_schema_unref(s);
}

Test(avro_schema, connect_union_and_enum_and_fixed)
{
        ferry_schema_t *u = ferry_schema_struct("io.confluent.connect.avro.Union");
        ferry_schema_add_field(u, "int", ferry_schema_optional(FERRY_TYPE_INT32));
        ferry_schema_add_field(u, "string", ferry_schema_optional(FERRY_TYPE_STRING));
        EXPECT_TEXT(u, "[\"int\",\"string\"]");
        ferry_schema_unref(u);
        ferry_schema_t *fx = prim(FERRY_TYPE_BYTES);
        ferry_schema_set_name(fx, "com.example.Id");
        ferry_schema_set_param(fx, "connect.fixed.size", "4");
        EXPECT_TEXT(
                fx,
                "{\"type\":\"fixed\",\"name\":\"Id\",\"namespace\":\"com.example\",\"size\":4,"
                "\"connect.parameters\":{\"connect.fixed.size\":\"4\"},\"connect.name\":\"com.example.Id\"}");
        ferry_schema_unref(fx);
        /* Without enhanced.avro.schema.support an enum read from Avro goes back as a string. */
        ferry_schema_t *e = prim(FERRY_TYPE_STRING);
        ferry_schema_set_name(e, "com.example.Kind");
        ferry_schema_set_param(e, "io.confluent.connect.avro.Enum", "com.example.Kind");
        ferry_schema_set_param(e, "io.confluent.connect.avro.Enum.A", "A");
        EXPECT_TEXT(e, "{\"type\":\"string\",\"connect.parameters\":{\"io.confluent.connect.avro.Enum\":"
                       "\"com.example.Kind\",\"io.confluent.connect.avro.Enum.A\":\"A\"},"
                       "\"connect.name\":\"com.example.Kind\"}");
        ferry_avro_data_config_t cfg = {.connect_meta_data = true, .enhanced_schema_support = true};
        char err[256];
        ferry_avro_schema_t *a = ferry_avro_from_connect(&cfg, e, err, sizeof(err));
        cr_assert_not_null(a, "%s", err);
        ferry_buf_t b;
        ferry_buf_init(&b);
        cr_assert_eq(ferry_avro_write_json(a, &b, err, sizeof(err)), 0);
        cr_assert_str_eq(
                b.p, "{\"type\":\"enum\",\"name\":\"Kind\",\"namespace\":\"com.example\",\"symbols\":[\"A\"],"
                     "\"connect.parameters\":{\"io.confluent.connect.avro.Enum\":\"com.example.Kind\","
                     "\"io.confluent.connect.avro.Enum.A\":\"A\"},\"connect.name\":\"com.example.Kind\"}");
        ferry_buf_free(&b);
        ferry_avro_schema_free(a);
        ferry_schema_unref(e);
}

Test(avro_schema, no_connect_meta_data)
{
        ferry_avro_data_config_t cfg = {.connect_meta_data = false};
        ferry_schema_t *s = ferry_schema_decimal(2);
        char err[256];
        ferry_avro_schema_t *a = ferry_avro_from_connect(&cfg, s, err, sizeof(err));
        ferry_buf_t b;
        ferry_buf_init(&b);
        cr_assert_eq(ferry_avro_write_json(a, &b, err, sizeof(err)), 0);
        cr_assert_str_eq(b.p,
                         "{\"type\":\"bytes\",\"scale\":2,\"precision\":64,\"logicalType\":\"decimal\"}");
        ferry_buf_free(&b);
        ferry_avro_schema_free(a);
        ferry_schema_unref(s);
}

Test(avro_schema, parse_and_write_back)
{
        const char *texts[] = {
                "\"long\"",
                "[\"null\",\"string\"]",
                "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"com.acme\",\"doc\":\"d\",\"fields\":["
                "{\"name\":\"name\",\"type\":\"string\",\"doc\":\"n\"},{\"name\":\"next\",\"type\":[\"null\","
                "\"User\"],\"default\":null},{\"name\":\"k\",\"type\":{\"type\":\"enum\",\"name\":\"Kind\","
                "\"symbols\":[\"A\",\"B\"],\"default\":\"A\"}},{\"name\":\"id\",\"type\":{\"type\":\"fixed\","
                "\"name\":\"Id\",\"namespace\":\"other\",\"size\":16}},{\"name\":\"id2\",\"type\":\"other."
                "Id\"}],"
                "\"x\":{\"y\":[1,2.5,true,null]}}",
                "{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":4,\"scale\":2}",
        };
        for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
                char err[256] = "";
                ferry_avro_schema_t *a = ferry_avro_parse(texts[i], strlen(texts[i]), err, sizeof(err));
                cr_assert_not_null(a, "%s: %s", texts[i], err);
                ferry_buf_t b;
                ferry_buf_init(&b);
                cr_assert_eq(ferry_avro_write_json(a, &b, err, sizeof(err)), 0, "%s", err);
                cr_assert_str_eq(b.p, texts[i]);
                ferry_buf_free(&b);
                ferry_avro_schema_free(a);
        }
        /* Whitespace and the primitive object form are written compactly. */
        const char *loose =
                " { \"type\" : \"record\", \"name\":\"R\", \"fields\" : [ {\"name\":\"a\",\"type\":"
                "{\"type\":\"int\"}} ] } ";
        char err[256] = "";
        ferry_avro_schema_t *a = ferry_avro_parse(loose, strlen(loose), err, sizeof(err));
        cr_assert_not_null(a, "%s", err);
        ferry_buf_t b;
        ferry_buf_init(&b);
        ferry_avro_write_json(a, &b, err, sizeof(err));
        cr_assert_str_eq(
                b.p, "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}");
        ferry_buf_free(&b);
        ferry_avro_schema_free(a);
}

Test(avro_schema, parse_errors)
{
        const char *bad[] = {
                "",
                "null",
                "\"nosuch\"",
                "{\"type\":\"record\",\"fields\":[]}",
                "{\"type\":\"record\",\"name\":\"1x\",\"fields\":[]}",
                "[\"int\",\"int\"]",
                "[[\"int\"]]",
                "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"A\"]}",
                "{\"type\":\"fixed\",\"name\":\"F\"}",
                "{\"type\":\"array\"}",
                "42",
                "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},"
                "{\"name\":\"a\",\"type\":\"int\"}]}"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                char err[256] = "";
                ferry_avro_schema_t *a = ferry_avro_parse(bad[i], strlen(bad[i]), err, sizeof(err));
                cr_assert_null(a, "accepted: %s", bad[i]);
                cr_assert(err[0], "no message for %s", bad[i]);
        }
}

static bool can_read(const char *reader, const char *writer, char *err, size_t n)
{
        ferry_avro_schema_t *r = ferry_avro_parse(reader, strlen(reader), err, n);
        ferry_avro_schema_t *w = ferry_avro_parse(writer, strlen(writer), err, n);
        cr_assert(r && w, "%s", err);
        bool ok = ferry_avro_can_read(ferry_avro_root(r), ferry_avro_root(w), err, n);
        ferry_avro_schema_free(r);
        ferry_avro_schema_free(w);
        return ok;
}

Test(avro_schema, reader_writer_compatibility)
{
        char err[256] = "";
        const char *v1 =
                "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}";
        const char *v2 = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"long\"},"
                         "{\"name\":\"b\",\"type\":\"string\",\"default\":\"x\"}]}";
        const char *v3 = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},"
                         "{\"name\":\"c\",\"type\":\"string\"}]}";
        cr_assert(can_read(v2, v1, err, sizeof(err)), "%s", err);
        cr_assert(can_read(v1, v2, err, sizeof(err)) == false); /* long does not narrow to int */
        cr_assert(!can_read(v3, v1, err, sizeof(err)));
        cr_assert(strstr(err, "reader field c"), "%s", err);
        cr_assert(can_read("[\"null\",\"long\"]", "\"int\"", err, sizeof(err)));
        cr_assert(!can_read("\"int\"", "[\"null\",\"int\"]", err, sizeof(err)));
        cr_assert(can_read("{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]}",
                           "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]}", err, sizeof(err)));
        cr_assert(!can_read("{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]}",
                            "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]}", err,
                            sizeof(err)));
        cr_assert(!can_read("{\"type\":\"fixed\",\"name\":\"F\",\"size\":2}",
                            "{\"type\":\"fixed\",\"name\":\"F\",\"size\":3}", err, sizeof(err)));
        cr_assert(can_read("\"bytes\"", "\"string\"", err, sizeof(err)));
        cr_assert(!can_read("{\"type\":\"record\",\"name\":\"Other\",\"fields\":[]}", v1, err, sizeof(err)));
}

Test(avro_schema, docs_and_avro_parameters_and_named_maps)
{
        /* Record and field docs come from the parameters AvroData reads them into; "avro"-prefixed
         * parameters become properties of the type too; a named map with non-string keys names
         * its MapEntry record after the map and marks it with connect.internal.type. */
        ferry_schema_t *s = ferry_schema_struct("com.example.Doc");
        ferry_schema_set_param(s, "io.confluent.connect.avro.record.doc", "the record");
        ferry_schema_set_param(s, "io.confluent.connect.avro.field.doc.a", "field a");
        ferry_schema_add_field(s, "a", ferry_schema_new(FERRY_TYPE_INT64));
        ferry_schema_t *m =
                ferry_schema_map(ferry_schema_new(FERRY_TYPE_INT64), ferry_schema_new(FERRY_TYPE_BOOLEAN));
        ferry_schema_set_name(m, "com.example.Flags");
        ferry_schema_add_field(s, "m", m);
        ferry_schema_t *p = ferry_schema_new(FERRY_TYPE_STRING);
        ferry_schema_set_param(p, "avro.java.string", "String");
        ferry_schema_add_field(s, "p", p);
        EXPECT_TEXT(
                s,
                "{\"type\":\"record\",\"name\":\"Doc\",\"namespace\":\"com.example\",\"doc\":\"the record\","
                "\"fields\":[{\"name\":\"a\",\"type\":\"long\",\"doc\":\"field a\"},"
                "{\"name\":\"m\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":"
                "\"Flags\","
                "\"fields\":[{\"name\":\"key\",\"type\":\"long\"},{\"name\":\"value\",\"type\":\"boolean\"}],"
                "\"connect.internal.type\":\"MapEntry\"},\"connect.name\":\"com.example.Flags\"}},"
                "{\"name\":\"p\",\"type\":{\"type\":\"string\",\"connect.parameters\":"
                "{\"avro.java.string\":\"String\"},\"avro.java.string\":\"String\"}}],"
                "\"connect.parameters\":{\"io.confluent.connect.avro.record.doc\":\"the record\","
                "\"io.confluent.connect.avro.field.doc.a\":\"field "
                "a\"},\"connect.name\":\"com.example.Doc\"}");
        ferry_schema_unref(s);
}
