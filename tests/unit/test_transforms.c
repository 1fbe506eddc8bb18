/* Unit tests for the transform chain (worker/src/transforms.c): parsing transforms.* and
 * predicates.* from a connector config, applying several SMTs in order with predicates and
 * negation, filtering, and per-key errors for invalid configs (unknown type, bad regex, bad cast
 * spec, missing field, undeclared predicate). */
#include "runtime/registry.h"
#include "runtime/transforms.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ferry_registry_t reg;

static void setup(void)
{
        char err[256];
        cr_assert_eq(ferry_registry_init(&reg, NULL, err, sizeof(err)), 0, "%s", err);
}

static void teardown(void)
{
        ferry_registry_free(&reg);
}

TestSuite(transform_chain, .init = setup, .fini = teardown);

static void load(ferry_strmap_t *m, const char *const *kv)
{
        ferry_strmap_init(m);
        for (; kv[0]; kv += 2)
                ferry_strmap_set(m, kv[0], kv[1]);
}

static ferry_transform_chain_t *chain_of(const char *const *kv)
{
        ferry_strmap_t m;
        ferry_cfg_errors_t errs;
        load(&m, kv);
        ferry_cfg_errors_init(&errs);
        ferry_transform_chain_t *c = ferry_transform_chain_new(&reg, &m, &errs);
        char *joined = ferry_cfg_errors_join(&errs);
        cr_assert_not_null(c, "errors: %s", joined);
        cr_assert_eq(errs.n, 0);
        free(joined);
        ferry_cfg_errors_free(&errs);
        ferry_strmap_free(&m);
        return c;
}
#define CHAIN(...) chain_of((const char *const[]){__VA_ARGS__, NULL})

/* Validates and returns the joined errors (malloc'd); asserts the chain was refused. */
static char *errors_of(const char *const *kv, size_t *n)
{
        ferry_strmap_t m;
        ferry_cfg_errors_t errs;
        load(&m, kv);
        ferry_cfg_errors_init(&errs);
        cr_assert_null(ferry_transform_chain_new(&reg, &m, &errs));
        ferry_cfg_errors_t errs2;
        ferry_cfg_errors_init(&errs2);
        ferry_transform_chain_validate(&reg, &m, &errs2);
        cr_assert_eq(errs2.n, errs.n, "validate reports the same errors");
        ferry_cfg_errors_free(&errs2);
        char *joined = ferry_cfg_errors_join(&errs);
        if (n)
                *n = errs.n;
        ferry_cfg_errors_free(&errs);
        ferry_strmap_free(&m);
        return joined;
}
#define ERRORS(n, ...) errors_of((const char *const[]){__VA_ARGS__, NULL}, n)

static ferry_record_t *value_rec(const char *topic, const char *field, const char *val)
{
        ferry_value_t *m = ferry_value_map();
        ferry_map_put_str(m, field, ferry_value_cstring(val));
        return ferry_record_new(topic, NULL, NULL, NULL, m);
}

static ferry_record_t *apply(ferry_transform_chain_t *c, ferry_record_t *r)
{
        ferry_record_t *out = NULL;
        char err[512] = "";
        cr_assert_eq(ferry_transform_chain_apply(c, r, &out, err, sizeof(err)), FERRY_ERR_OK, "%s", err);
        return out;
}

Test(transform_chain, empty_config_passes_records)
{
        ferry_transform_chain_t *c = CHAIN("name", "x");
        cr_assert_eq(ferry_transform_chain_size(c), 0);
        ferry_record_t *r = apply(c, value_rec("t", "a", "b"));
        cr_assert_str_eq(r->topic, "t");
        ferry_record_free(r);
        ferry_transform_chain_free(c);
}

Test(transform_chain, several_smts_in_order)
{
        ferry_transform_chain_t *c =
                CHAIN("transforms", "hoist, insert ,route", "transforms.hoist.type",
                      "org.apache.kafka.connect.transforms.HoistField$Value", "transforms.hoist.field",
                      "line", "transforms.insert.type", "InsertField$Value", "transforms.insert.static.field",
                      "src", "transforms.insert.static.value", "ferry", "transforms.route.type",
                      "org.apache.kafka.connect.transforms.RegexRouter", "transforms.route.regex", "(.*)-raw",
                      "transforms.route.replacement", "$1-clean");
        cr_assert_eq(ferry_transform_chain_size(c), 3);
        ferry_record_t *r =
                apply(c, ferry_record_new("logs-raw", NULL, NULL, ferry_schema_new(FERRY_TYPE_STRING),
                                          ferry_value_cstring("hello")));
        cr_assert_str_eq(r->topic, "logs-clean");
        cr_assert_eq(r->value_schema->n_fields, 2);
        cr_assert_str_eq(ferry_struct_get(r->value, "line")->u.s.data, "hello");
        cr_assert_str_eq(ferry_struct_get(r->value, "src")->u.s.data, "ferry");
        ferry_record_free(r);
        ferry_transform_chain_free(c);
}

Test(transform_chain, predicate_and_negation)
{
        ferry_transform_chain_t *c = CHAIN(
                "transforms", "dropTombstones,tag,tagOthers", "predicates", "isTombstone,isOrders",
                "predicates.isTombstone.type",
                "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
                "predicates.isOrders.type", "TopicNameMatches", "predicates.isOrders.pattern", "orders\\..*",
                "transforms.dropTombstones.type", "org.apache.kafka.connect.transforms.Filter",
                "transforms.dropTombstones.predicate", "isTombstone", "transforms.tag.type",
                "org.apache.kafka.connect.transforms.InsertHeader", "transforms.tag.header", "kind",
                "transforms.tag.value.literal", "order", "transforms.tag.predicate", "isOrders",
                "transforms.tagOthers.type", "org.apache.kafka.connect.transforms.InsertHeader",
                "transforms.tagOthers.header", "kind", "transforms.tagOthers.value.literal", "other",
                "transforms.tagOthers.predicate", "isOrders", "transforms.tagOthers.negate", "true");
        ferry_record_t *r = apply(c, value_rec("orders.eu", "a", "b"));
        cr_assert_eq(r->n_headers, 1);
        cr_assert_str_eq(r->headers[0].value->u.s.data, "order");
        ferry_record_free(r);
        r = apply(c, value_rec("payments", "a", "b"));
        cr_assert_eq(r->n_headers, 1);
        cr_assert_str_eq(r->headers[0].value->u.s.data, "other");
        ferry_record_free(r);
        r = apply(c, ferry_record_new("orders.eu", NULL, NULL, NULL, NULL));
        cr_assert_null(r, "tombstone filtered");
        ferry_transform_chain_free(c);
}

Test(transform_chain, failure_names_the_class)
{
        ferry_transform_chain_t *c = CHAIN("transforms", "x", "transforms.x.type", "ExtractField$Value",
                                           "transforms.x.field", "f");
        ferry_record_t *out = (ferry_record_t *)1;
        char err[256];
        cr_assert_eq(ferry_transform_chain_apply(
                             c, ferry_record_new("t", NULL, NULL, NULL, ferry_value_cstring("s")), &out, err,
                             sizeof(err)),
                     FERRY_ERR_TRANSFORM);
        cr_assert_null(out);
        cr_assert(strstr(err, "Only Map objects supported"), "%s", err);
        cr_assert_str_eq(ferry_transform_chain_failed_class(c),
                         "org.apache.kafka.connect.transforms.ExtractField$Value");
        ferry_transform_chain_free(c);
}

Test(transform_chain, unknown_type_and_missing_type)
{
        size_t n;
        char *e = ERRORS(&n, "transforms", "a,b", "transforms.a.type", "com.example.Nope");
        cr_assert_eq(n, 2, "%s", e);
        cr_assert(strstr(e, "transforms.a.type: Invalid value com.example.Nope for configuration "
                            "transforms.a.type: "
                            "Class com.example.Nope could not be found."),
                  "%s", e);
        cr_assert(strstr(e, "transforms.b.type: Missing required configuration \"transforms.b.type\""), "%s",
                  e);
        free(e);
        e = ERRORS(&n, "transforms", "a", "transforms.a.type", "org.apache.kafka.connect.json.JsonConverter");
        cr_assert(strstr(e,
                         "transforms.a.type: Invalid value org.apache.kafka.connect.json.JsonConverter for "
                         "configuration transforms.a.type: Not a Transformation"),
                  "%s", e);
        free(e);
}

Test(transform_chain, bad_regex_and_bad_cast_spec)
{
        size_t n;
        char *e = ERRORS(&n, "transforms", "r,c", "transforms.r.type", "RegexRouter", "transforms.r.regex",
                         "([a-z", "transforms.r.replacement", "x", "transforms.c.type", "Cast$Value",
                         "transforms.c.spec", "f:notatype");
        cr_assert_eq(n, 2, "%s", e);
        cr_assert(strstr(e, "transforms.r.regex: Invalid value ([a-z for configuration transforms.r.regex: "
                            "Invalid "
                            "regex"),
                  "%s", e);
        cr_assert(strstr(e, "transforms.c.spec: Invalid value f:notatype for configuration "
                            "transforms.c.spec: Invalid "
                            "type found in casting spec: notatype"),
                  "%s", e);
        free(e);
}

Test(transform_chain, missing_field_and_configure_errors)
{
        size_t n;
        char *e = ERRORS(&n, "transforms", "x,h", "transforms.x.type", "ExtractField$Key",
                         "transforms.h.type", "HeaderFrom$Value", "transforms.h.fields", "a,b",
                         "transforms.h.headers", "h", "transforms.h.operation", "copy");
        cr_assert_eq(n, 2, "%s", e);
        cr_assert(strstr(e, "transforms.x.field: Missing required configuration \"transforms.x.field\" which "
                            "has no "
                            "default value."),
                  "%s", e);
        cr_assert(strstr(e, "transforms.h.headers: Invalid value h for configuration transforms.h.headers: "
                            "'fields' "
                            "config must have the same number"),
                  "%s", e);
        free(e);
}

Test(transform_chain, predicate_errors)
{
        size_t n;
        char *e = ERRORS(&n, "transforms", "f", "transforms.f.type", "Filter", "transforms.f.predicate", "p");
        cr_assert_eq(n, 1, "%s", e);
        cr_assert(
                strstr(e, "transforms.f.predicate: Invalid value p for configuration transforms.f.predicate"),
                "%s", e);
        free(e);
        e = ERRORS(&n, "transforms", "f", "transforms.f.type", "Filter", "transforms.f.negate", "true");
        cr_assert(strstr(e, "transforms.f.negate: Config 'transforms.f.negate' was provided but there is no "
                            "config "
                            "'transforms.f.predicate'"),
                  "%s", e);
        free(e);
        e = ERRORS(&n, "predicates", "p", "predicates.p.type", "TopicNameMatches", "predicates.p.pattern",
                   "(x");
        cr_assert(strstr(e, "predicates.p.pattern: Invalid value (x for configuration predicates.p.pattern"),
                  "%s", e);
        free(e);
        e = ERRORS(&n, "predicates", "p", "predicates.p.type", "Cast$Value");
        cr_assert(strstr(e, "predicates.p.type: Invalid value Cast$Value for configuration "
                            "predicates.p.type: Not a "
                            "Predicate"),
                  "%s", e);
        free(e);
        e = ERRORS(&n, "transforms", "a,a", "transforms.a.type", "Filter");
        cr_assert(strstr(e, "transforms: Invalid value a,a for configuration transforms: Duplicate alias "
                            "provided."),
                  "%s", e);
        free(e);
}

Test(transform_chain, every_builtin_resolves_by_java_name)
{
        static const char *const names[] = {
                "org.apache.kafka.connect.transforms.Cast$Key",
                "org.apache.kafka.connect.transforms.Cast$Value",
                "org.apache.kafka.connect.transforms.DropHeaders",
                "org.apache.kafka.connect.transforms.ExtractField$Key",
                "org.apache.kafka.connect.transforms.ExtractField$Value",
                "io.confluent.connect.transforms.ExtractTopic$Key",
                "io.confluent.connect.transforms.ExtractTopic$Value",
                "org.apache.kafka.connect.transforms.Filter",
                "org.apache.kafka.connect.transforms.Flatten$Key",
                "org.apache.kafka.connect.transforms.Flatten$Value",
                "org.apache.kafka.connect.transforms.HeaderFrom$Key",
                "org.apache.kafka.connect.transforms.HeaderFrom$Value",
                "org.apache.kafka.connect.transforms.HoistField$Key",
                "org.apache.kafka.connect.transforms.HoistField$Value",
                "org.apache.kafka.connect.transforms.InsertField$Key",
                "org.apache.kafka.connect.transforms.InsertField$Value",
                "org.apache.kafka.connect.transforms.InsertHeader",
                "org.apache.kafka.connect.transforms.MaskField$Key",
                "org.apache.kafka.connect.transforms.MaskField$Value",
                "org.apache.kafka.connect.transforms.RegexRouter",
                "org.apache.kafka.connect.transforms.ReplaceField$Key",
                "org.apache.kafka.connect.transforms.ReplaceField$Value",
                "org.apache.kafka.connect.transforms.SetSchemaMetadata$Key",
                "org.apache.kafka.connect.transforms.SetSchemaMetadata$Value",
                "org.apache.kafka.connect.transforms.TimestampConverter$Key",
                "org.apache.kafka.connect.transforms.TimestampConverter$Value",
                "org.apache.kafka.connect.transforms.TimestampRouter",
                "org.apache.kafka.connect.transforms.ValueToKey",
        };
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                const ferry_plugin_info_t *p =
                        ferry_registry_find(&reg, names[i], FERRY_PLUGIN_TRANSFORMATION);
                cr_assert_not_null(p, "%s", names[i]);
                cr_assert_str_eq(p->class_name, names[i]);
                cr_assert_not_null(p->config, "%s has a config table", names[i]);
        }
        cr_assert_not_null(ferry_registry_find(
                &reg, "org.apache.kafka.connect.transforms.predicates.HasHeaderKey", FERRY_PLUGIN_PREDICATE));
}
