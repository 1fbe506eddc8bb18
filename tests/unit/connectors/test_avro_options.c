/* Unit tests of the AvroData options of the shared Connect<->Avro mapping
 * (worker/connectors/shared/avro): scrub.invalid.names (the schema text Confluent's AvroData writes
 * for Connect names that are not Avro names, and values written under the scrubbed field names),
 * ignore.default.for.nullables (whether a null struct field is written as its schema default, as
 * Java's Struct.get does), and the refusal of recursive Avro records on the read side. */
#include "shared/avro/avro_data.h"
#include "shared/avro/avro_schema.h"

#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

static char *avro_text(const ferry_avro_data_config_t *cfg, const ferry_schema_t *s)
{
        char err[256] = "";
        ferry_avro_schema_t *a = ferry_avro_from_connect(cfg, s, err, sizeof(err));
        cr_assert_not_null(a, "%s", err);
        ferry_buf_t b;
        ferry_buf_init(&b);
        cr_assert_eq(ferry_avro_write_json(a, &b, err, sizeof(err)), 0, "%s", err);
        ferry_avro_schema_free(a);
        return ferry_buf_steal(&b);
}

Test(avro_options, scrub_name_rules)
{
        static const struct {
                const char *in, *want;
        } cases[] = {
                {"valid_Name1", "valid_Name1"}, /* valid names are kept */
                {"field-1", "field_1"},         /* '-' is kept by URLEncoder, then replaced */
                {"My Record", "My_Record"},     /* space -> '+' -> '_' */
                {"1st", "x1st"},                /* a leading digit gets an 'x' */
                {"a.b*c", "a_b_c"},
                {"caf\xc3\xa9", "caf_C3_A9"}, /* UTF-8 bytes as %XX, '%' -> '_' */
                {"$schema", "_24schema"},
                {"", ""},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *got = ferry_avro_scrub_name(cases[i].in);
                cr_assert_str_eq(got, cases[i].want, "scrub(%s)", cases[i].in);
                free(got);
        }
        cr_assert(ferry_avro_valid_name("_x9"));
        cr_assert_not(ferry_avro_valid_name("9x"));
}

static ferry_schema_t *invalid_names_schema(void)
{
        ferry_schema_t *s = ferry_schema_struct("com.foo-bar.My Record");
        ferry_schema_add_field(s, "field-1", ferry_schema_new(FERRY_TYPE_INT32));
        ferry_schema_add_field(s, "1st", ferry_schema_new(FERRY_TYPE_STRING));
        ferry_schema_add_field(s, "ok", ferry_schema_new(FERRY_TYPE_BOOLEAN));
        return s;
}

Test(avro_options, scrub_invalid_names_schema_text)
{
        ferry_schema_t *s = invalid_names_schema();
        ferry_avro_data_config_t cfg = FERRY_AVRO_DATA_CONFIG_DEFAULT;
        cfg.scrub_invalid_names = true;
        /* Record name and each namespace part scrubbed; connect.name keeps the Connect name. */
        char *got = avro_text(&cfg, s);
        cr_assert_str_eq(got,
                         "{\"type\":\"record\",\"name\":\"My_Record\",\"namespace\":\"com.foo_bar\","
                         "\"fields\":[{\"name\":\"field_1\",\"type\":\"int\"},"
                         "{\"name\":\"x1st\",\"type\":\"string\"},{\"name\":\"ok\",\"type\":\"boolean\"}],"
                         "\"connect.name\":\"com.foo-bar.My Record\"}");
        free(got);
        /* Without the option Avro's name rule refuses the schema, as Java does. */
        cfg.scrub_invalid_names = false;
        char err[256] = "";
        cr_assert_null(ferry_avro_from_connect(&cfg, s, err, sizeof(err)));
        cr_assert_str_eq(err, "Illegal character in: My Record");
        ferry_schema_unref(s);
}

Test(avro_options, scrub_invalid_names_values_round_trip)
{
        ferry_schema_t *s = invalid_names_schema();
        ferry_avro_data_config_t cfg = FERRY_AVRO_DATA_CONFIG_DEFAULT;
        cfg.scrub_invalid_names = true;
        char err[256] = "";
        ferry_avro_schema_t *a = ferry_avro_from_connect(&cfg, s, err, sizeof(err));
        cr_assert_not_null(a, "%s", err);
        ferry_value_t *v = ferry_value_struct(s);
        ferry_struct_put_int(v, "field-1", 21);
        ferry_struct_put_string(v, "1st", "a");
        ferry_struct_put_bool(v, "ok", true);
        ferry_buf_t b;
        ferry_buf_init(&b);
        cr_assert_eq(ferry_avro_encode_cfg(&cfg, ferry_avro_root(a), s, v, &b, err, sizeof(err)), 0, "%s",
                     err);
        const unsigned char want[] = {0x2a, 0x02, 'a', 0x01};
        cr_assert_eq(b.len, sizeof(want));
        cr_assert_eq(memcmp(b.p, want, sizeof(want)), 0);
        /* Read back under the Avro (scrubbed) names. */
        ferry_schema_t *back = ferry_avro_to_connect(&cfg, a, -1, err, sizeof(err));
        cr_assert_not_null(back, "%s", err);
        ferry_avro_reader_t r;
        ferry_avro_reader_init(&r, b.p, b.len);
        ferry_value_t *out = NULL;
        cr_assert_eq(ferry_avro_decode(ferry_avro_root(a), back, &r, &out, err, sizeof(err)), 0, "%s", err);
        cr_assert_eq(ferry_struct_get(out, "field_1")->u.i, 21);
        cr_assert_str_eq(ferry_struct_get_string(out, "x1st"), "a");
        ferry_value_free(out);
        ferry_schema_unref(back);
        ferry_buf_free(&b);
        ferry_value_free(v);
        ferry_avro_schema_free(a);
        ferry_schema_unref(s);
}

/* A struct with an optional int32 field whose default is 7, holding null. */
static void encode_null_with_default(bool ignore, const unsigned char *want, size_t want_len)
{
        ferry_schema_t *s = ferry_schema_struct("Row");
        ferry_schema_t *f = ferry_schema_optional(FERRY_TYPE_INT32);
        cr_assert_eq(ferry_schema_set_default(f, ferry_value_int(FERRY_TYPE_INT32, 7)), 0);
        ferry_schema_add_field(s, "n", f);
        ferry_avro_data_config_t cfg = FERRY_AVRO_DATA_CONFIG_DEFAULT;
        cfg.ignore_default_for_nullables = ignore;
        char err[256] = "";
        ferry_avro_schema_t *a = ferry_avro_from_connect(&cfg, s, err, sizeof(err));
        cr_assert_not_null(a, "%s", err);
        ferry_value_t *v = ferry_value_struct(s); /* n is null */
        ferry_buf_t b;
        ferry_buf_init(&b);
        cr_assert_eq(ferry_avro_encode_cfg(&cfg, ferry_avro_root(a), s, v, &b, err, sizeof(err)), 0, "%s",
                     err);
        cr_assert_eq(b.len, want_len);
        cr_assert_eq(memcmp(b.p, want, want_len), 0);
        ferry_buf_free(&b);
        ferry_value_free(v);
        ferry_avro_schema_free(a);
        ferry_schema_unref(s);
}

Test(avro_options, ignore_default_for_nullables)
{
        /* The field's type is ["int","null"] (the default comes first). By default Java's
         * Struct.get gives the null field its default: branch 0, zig-zag 7. */
        const unsigned char with_default[] = {0x00, 0x0e};
        encode_null_with_default(false, with_default, sizeof(with_default));
        /* ignore.default.for.nullables=true writes the null: branch 1. */
        const unsigned char null_kept[] = {0x02};
        encode_null_with_default(true, null_kept, sizeof(null_kept));
}

Test(avro_options, recursive_record_is_refused_naming_the_record)
{
        ferry_avro_data_config_t cfg = FERRY_AVRO_DATA_CONFIG_DEFAULT;
        char err[256] = "";
        const char *text = "{\"type\":\"record\",\"name\":\"Node\",\"namespace\":\"com.example\",\"fields\":["
                           "{\"name\":\"value\",\"type\":\"int\"},"
                           "{\"name\":\"children\",\"type\":{\"type\":\"array\",\"items\":\"Node\"}}]}";
        ferry_avro_schema_t *a = ferry_avro_parse(text, strlen(text), err, sizeof(err));
        cr_assert_not_null(a, "%s", err);
        cr_assert_null(ferry_avro_to_connect(&cfg, a, -1, err, sizeof(err)));
        cr_assert_str_eq(err,
                         "recursive Avro record com.example.Node (it contains itself) cannot be read into a "
                         "Connect schema");
        ferry_avro_schema_free(a);
        /* A record used twice without recursion is fine. */
        text = "{\"type\":\"record\",\"name\":\"Pair\",\"fields\":["
               "{\"name\":\"a\",\"type\":{\"type\":\"record\",\"name\":\"P\",\"fields\":[{\"name\":\"x\","
               "\"type\":\"int\"}]}},{\"name\":\"b\",\"type\":\"P\"}]}";
        a = ferry_avro_parse(text, strlen(text), err, sizeof(err));
        cr_assert_not_null(a, "%s", err);
        ferry_schema_t *s = ferry_avro_to_connect(&cfg, a, -1, err, sizeof(err));
        cr_assert_not_null(s, "%s", err);
        ferry_schema_unref(s);
        ferry_avro_schema_free(a);
}

Test(avro_options, discard_type_doc_default_write)
{
        /* The record doc comes from connect.record.doc, a field's doc from its schema's doc. */
        ferry_schema_t *s = ferry_schema_struct("com.example.Row");
        ferry_schema_set_param(s, "connect.record.doc", "row doc");
        ferry_schema_set_param(s, "io.confluent.connect.avro.field.doc.id", "ignored");
        ferry_schema_t *f = ferry_schema_new(FERRY_TYPE_STRING);
        ferry_schema_set_doc(f, "the id");
        ferry_schema_add_field(s, "id", f);
        /* A default flagged as an Avro field default is still written as connect.default, and the
         * flag stays among the parameters. */
        ferry_schema_t *n = ferry_schema_new(FERRY_TYPE_INT32);
        ferry_schema_set_param(n, "io.confluent.connect.avro.field.default", "true");
        cr_assert_eq(ferry_schema_set_default(n, ferry_value_int(FERRY_TYPE_INT32, 5)), 0);
        ferry_schema_add_field(s, "n", n);
        ferry_avro_data_config_t cfg = FERRY_AVRO_DATA_CONFIG_DEFAULT;
        cfg.discard_type_doc_default = true;
        char *got = avro_text(&cfg, s);
        cr_assert_str_eq(
                got,
                "{\"type\":\"record\",\"name\":\"Row\",\"namespace\":\"com.example\",\"doc\":\"row doc\","
                "\"fields\":[{\"name\":\"id\",\"type\":{\"type\":\"string\",\"connect.doc\":\"the id\"},"
                "\"doc\":\"the id\"},{\"name\":\"n\",\"type\":{\"type\":\"int\",\"connect.parameters\":"
                "{\"io.confluent.connect.avro.field.default\":\"true\"},\"connect.default\":5},"
                "\"default\":5}],\"connect.parameters\":{\"connect.record.doc\":\"row doc\","
                "\"io.confluent.connect.avro.field.doc.id\":\"ignored\"},"
                "\"connect.name\":\"com.example.Row\"}");
        free(got);
        /* The default: io.confluent.connect.avro.* docs, the flagged default left out. */
        cfg.discard_type_doc_default = false;
        got = avro_text(&cfg, s);
        cr_assert_str_eq(got,
                         "{\"type\":\"record\",\"name\":\"Row\",\"namespace\":\"com.example\",\"fields\":["
                         "{\"name\":\"id\",\"type\":{\"type\":\"string\",\"connect.doc\":\"the id\"},"
                         "\"doc\":\"ignored\"},{\"name\":\"n\",\"type\":\"int\",\"default\":5}],"
                         "\"connect.parameters\":{\"connect.record.doc\":\"row doc\","
                         "\"io.confluent.connect.avro.field.doc.id\":\"ignored\"},"
                         "\"connect.name\":\"com.example.Row\"}");
        free(got);
        ferry_schema_unref(s);
}

Test(avro_options, discard_type_doc_default_read)
{
        const char *text =
                "{\"type\":\"record\",\"name\":\"Row\",\"namespace\":\"com.example\",\"doc\":\"row doc\","
                "\"fields\":[{\"name\":\"id\",\"type\":\"string\",\"doc\":\"the id\"},"
                "{\"name\":\"n\",\"type\":[\"null\",\"int\"],\"doc\":\"opt\",\"default\":null},"
                "{\"name\":\"k\",\"type\":\"int\",\"default\":3}]}";
        char err[256] = "";
        ferry_avro_schema_t *a = ferry_avro_parse(text, strlen(text), err, sizeof(err));
        cr_assert_not_null(a, "%s", err);
        ferry_avro_data_config_t cfg = FERRY_AVRO_DATA_CONFIG_DEFAULT;
        cfg.discard_type_doc_default = true;
        ferry_schema_t *s = ferry_avro_to_connect(&cfg, a, -1, err, sizeof(err));
        cr_assert_not_null(s, "%s", err);
        /* The record's doc is its Connect doc and connect.record.doc; field docs are the field
         * schemas' docs (through the optional union too); no io.confluent.connect.avro.* params. */
        cr_assert_str_eq(s->doc, "row doc");
        cr_assert_str_eq(ferry_schema_param(s, "connect.record.doc"), "row doc");
        cr_assert_null(ferry_schema_param(s, "io.confluent.connect.avro.record.doc"));
        cr_assert_null(ferry_schema_param(s, "io.confluent.connect.avro.field.doc.id"));
        cr_assert_str_eq(ferry_schema_field(s, "id")->schema->doc, "the id");
        cr_assert_str_eq(ferry_schema_field(s, "n")->schema->doc, "opt");
        const ferry_schema_t *k = ferry_schema_field(s, "k")->schema;
        cr_assert_eq(k->default_value->u.i, 3);
        cr_assert_null(ferry_schema_param(k, "io.confluent.connect.avro.field.default"));
        ferry_schema_unref(s);
        /* The default keeps the docs as parameters and flags the Avro field default. */
        cfg.discard_type_doc_default = false;
        s = ferry_avro_to_connect(&cfg, a, -1, err, sizeof(err));
        cr_assert_not_null(s, "%s", err);
        cr_assert_null(s->doc);
        cr_assert_str_eq(ferry_schema_param(s, "io.confluent.connect.avro.record.doc"), "row doc");
        cr_assert_str_eq(ferry_schema_param(s, "io.confluent.connect.avro.field.doc.id"), "the id");
        cr_assert_null(ferry_schema_field(s, "id")->schema->doc);
        cr_assert_str_eq(ferry_schema_param(ferry_schema_field(s, "k")->schema,
                                            "io.confluent.connect.avro.field.default"),
                         "true");
        ferry_schema_unref(s);
        ferry_avro_schema_free(a);
}

Test(avro_options, generalized_sum_types_read)
{
        const char *text = "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
                           "{\"name\":\"u\",\"type\":[\"null\",\"int\",\"string\"],\"default\":null},"
                           "{\"name\":\"v\",\"type\":[\"long\",\"boolean\"]},"
                           "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"namespace\":\"com\","
                           "\"symbols\":[\"A\",\"B\"]}}]}";
        char err[256] = "";
        ferry_avro_schema_t *a = ferry_avro_parse(text, strlen(text), err, sizeof(err));
        cr_assert_not_null(a, "%s", err);
        ferry_avro_data_config_t cfg = FERRY_AVRO_DATA_CONFIG_DEFAULT;
        cfg.generalized_sum_type_support = true;
        int counter = 0;
        cfg.union_counter = &counter;
        ferry_schema_t *s = ferry_avro_to_connect(&cfg, a, -1, err, sizeof(err));
        cr_assert_not_null(s, "%s", err);
        /* Unions: structs connect_union_<n> (numbered per converter) with the ConnectUnion
         * parameter, fields named after the branch index (the null branch counts). */
        const ferry_schema_t *u = ferry_schema_field(s, "u")->schema;
        cr_assert_str_eq(u->name, "connect_union_0");
        cr_assert(u->optional);
        cr_assert_str_eq(ferry_schema_param(u, "org.apache.kafka.connect.data.Union"), "connect_union_0");
        cr_assert_eq(u->n_fields, 2);
        cr_assert_str_eq(u->fields[0].name, "connect_union_field_1");
        cr_assert_eq(u->fields[0].schema->type, FERRY_TYPE_INT32);
        cr_assert_str_eq(u->fields[1].name, "connect_union_field_2");
        const ferry_schema_t *v = ferry_schema_field(s, "v")->schema;
        cr_assert_str_eq(v->name, "connect_union_1");
        cr_assert_str_eq(v->fields[0].name, "connect_union_field_0");
        cr_assert_str_eq(v->fields[1].name, "connect_union_field_1");
        /* Enums: ConnectEnum parameters, symbols numbered. */
        const ferry_schema_t *e = ferry_schema_field(s, "e")->schema;
        cr_assert_str_eq(ferry_schema_param(e, "org.apache.kafka.connect.data.Enum"), "com.E");
        cr_assert_str_eq(ferry_schema_param(e, "org.apache.kafka.connect.data.Enum.A"), "0");
        cr_assert_str_eq(ferry_schema_param(e, "org.apache.kafka.connect.data.Enum.B"), "1");
        cr_assert_null(ferry_schema_param(e, "io.confluent.connect.avro.Enum"));
        /* Values: branch 2 of u is connect_union_field_2. */
        const unsigned char bytes[] = {0x04, 0x02, 'x', 0x02, 0x01, 0x02};
        ferry_avro_reader_t r;
        ferry_avro_reader_init(&r, bytes, sizeof(bytes));
        ferry_value_t *out = NULL;
        cr_assert_eq(ferry_avro_decode(ferry_avro_root(a), s, &r, &out, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(ferry_struct_get_string(ferry_struct_get(out, "u"), "connect_union_field_2"), "x");
        bool bv = false;
        cr_assert(ferry_struct_get_bool(ferry_struct_get(out, "v"), "connect_union_field_1", &bv) && bv);
        cr_assert_str_eq(ferry_struct_get_string(out, "e"), "B");
        /* and written back to the same bytes */
        ferry_buf_t b;
        ferry_buf_init(&b);
        cr_assert_eq(ferry_avro_encode_cfg(&cfg, ferry_avro_root(a), s, out, &b, err, sizeof(err)), 0, "%s",
                     err);
        cr_assert_eq(b.len, sizeof(bytes));
        cr_assert_eq(memcmp(b.p, bytes, sizeof(bytes)), 0);
        ferry_buf_free(&b);
        ferry_value_free(out);
        ferry_schema_unref(s);
        /* The next schema read by the same converter numbers its unions on. */
        s = ferry_avro_to_connect(&cfg, a, -1, err, sizeof(err));
        cr_assert_str_eq(ferry_schema_field(s, "u")->schema->name, "connect_union_2");
        ferry_schema_unref(s);
        ferry_avro_schema_free(a);
}

Test(avro_options, generalized_sum_types_write)
{
        /* A struct with the ConnectUnion parameter is an Avro union of its fields' types. */
        ferry_schema_t *s = ferry_schema_struct("R");
        ferry_schema_t *u = ferry_schema_struct("connect_union_0");
        ferry_schema_set_param(u, "org.apache.kafka.connect.data.Union", "connect_union_0");
        ferry_schema_add_field(u, "connect_union_field_0", ferry_schema_optional(FERRY_TYPE_INT32));
        ferry_schema_add_field(u, "connect_union_field_1", ferry_schema_optional(FERRY_TYPE_STRING));
        ferry_schema_set_optional(u, true);
        ferry_schema_add_field(s, "u", u);
        ferry_avro_data_config_t cfg = FERRY_AVRO_DATA_CONFIG_DEFAULT;
        cfg.generalized_sum_type_support = true;
        char *got = avro_text(&cfg, s);
        cr_assert_str_eq(got,
                         "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"u\",\"type\":[\"null\","
                         "\"int\",\"string\"],\"default\":null}],\"connect.name\":\"R\"}");
        free(got);
        /* A string with the ConnectEnum parameters is an Avro enum. */
        ferry_schema_t *e = ferry_schema_new(FERRY_TYPE_STRING);
        ferry_schema_set_param(e, "org.apache.kafka.connect.data.Enum", "E");
        ferry_schema_set_param(e, "org.apache.kafka.connect.data.Enum.A", "0");
        ferry_schema_set_param(e, "org.apache.kafka.connect.data.Enum.B", "1");
        got = avro_text(&cfg, e);
        cr_assert_str_eq(got,
                         "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"],\"connect.parameters\":"
                         "{\"org.apache.kafka.connect.data.Enum\":\"E\",\"org.apache.kafka.connect.data."
                         "Enum.A\":\"0\",\"org.apache.kafka.connect.data.Enum.B\":\"1\"}}");
        free(got);
        /* Without the option the enum stays a string. */
        cfg.generalized_sum_type_support = false;
        got = avro_text(&cfg, e);
        cr_assert(strncmp(got, "{\"type\":\"string\"", 16) == 0, "%s", got);
        free(got);
        ferry_schema_unref(e);
        ferry_schema_unref(s);
}
