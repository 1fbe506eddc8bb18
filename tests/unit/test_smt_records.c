/* Unit tests for the record-level built-in transforms and the predicates: DropHeaders, Filter,
 * InsertHeader, RegexRouter, TimestampRouter, ValueToKey, TopicNameMatches, HasHeaderKey and
 * RecordIsTombstone. */
#include "../../worker/plugins/builtin.h"

#include "../../worker/plugins/transforms/smt_util.h"

#include <ferry/transform.h>

#include <criterion/criterion.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ferry_strmap_t *map_of(const char *const *kv)
{
        static ferry_strmap_t m;
        ferry_strmap_init(&m);
        for (; kv && kv[0]; kv += 2)
                ferry_strmap_set(&m, kv[0], kv[1]);
        return &m;
}

static void *conf(const ferry_transform_plugin_t *p, const char *const *kv)
{
        ferry_strmap_t *m = map_of(kv);
        void *st = NULL;
        char err[512] = "";
        ferry_err_t e = p->configure(&st, m, err, sizeof(err));
        ferry_strmap_free(m);
        cr_assert_eq(e, FERRY_ERR_OK, "configure %s: %s", p->info.class_name, err);
        return st;
}
#define CONF(p, ...) conf(p, (const char *const[]){__VA_ARGS__, NULL})

static ferry_err_t conf_err(const ferry_transform_plugin_t *p, const char *const *kv, char *err, size_t n)
{
        ferry_strmap_t *m = map_of(kv);
        void *st = NULL;
        ferry_err_t e = p->configure(&st, m, err, n);
        ferry_strmap_free(m);
        if (e == FERRY_ERR_OK)
                p->close(st);
        return e;
}
#define CONF_ERR(p, err, ...) conf_err(p, (const char *const[]){__VA_ARGS__, NULL}, err, sizeof(err))

static void *pconf(const ferry_predicate_plugin_t *p, const char *const *kv)
{
        ferry_strmap_t *m = map_of(kv);
        void *st = NULL;
        char err[512] = "";
        ferry_err_t e = p->configure(&st, m, err, sizeof(err));
        ferry_strmap_free(m);
        cr_assert_eq(e, FERRY_ERR_OK, "configure %s: %s", p->info.class_name, err);
        return st;
}
#define PCONF(p, ...) pconf(p, (const char *const[]){__VA_ARGS__, NULL})

static ferry_record_t *run(const ferry_transform_plugin_t *p, void *st, ferry_record_t *r)
{
        ferry_record_t *out = NULL;
        char err[512] = "";
        ferry_err_t e = p->apply(st, r, &out, err, sizeof(err));
        cr_assert_eq(e, FERRY_ERR_OK, "apply %s: %s", p->info.class_name, err);
        return out;
}

static ferry_record_t *rec(const char *topic)
{
        return ferry_record_new(topic, NULL, NULL, NULL, ferry_value_cstring("v"));
}

/* ---- DropHeaders ---- */

Test(smt_drop_headers, removes_all_named)
{
        void *st = CONF(&ferry_smt_drop_headers, "headers", "a, c");
        ferry_record_t *r = rec("t");
        ferry_record_add_header(r, "a", NULL, ferry_value_cstring("1"));
        ferry_record_add_header(r, "b", NULL, ferry_value_cstring("2"));
        ferry_record_add_header(r, "a", NULL, ferry_value_cstring("3"));
        ferry_record_add_header(r, "c", NULL, NULL);
        r = run(&ferry_smt_drop_headers, st, r);
        cr_assert_eq(r->n_headers, 1);
        cr_assert_str_eq(r->headers[0].key, "b");
        cr_assert_str_eq(r->headers[0].value->u.s.data, "2");
        ferry_record_free(r);
        ferry_smt_drop_headers.close(st);
        char err[256];
        cr_assert_eq(CONF_ERR(&ferry_smt_drop_headers, err, "x", "y"), FERRY_ERR_INVALID_CONFIG);
        cr_assert(strstr(err, "\"headers\""), "%s", err);
}

/* ---- Filter ---- */

Test(smt_filter, drops)
{
        cr_assert_str_eq(ferry_smt_filter.info.class_name, "org.apache.kafka.connect.transforms.Filter");
        void *st = CONF(&ferry_smt_filter, "a", "b");
        ferry_record_t *out = (ferry_record_t *)1;
        char err[64];
        cr_assert_eq(ferry_smt_filter.apply(st, rec("t"), &out, err, sizeof(err)), FERRY_ERR_OK);
        cr_assert_null(out);
        ferry_smt_filter.close(st);
}

/* ---- InsertHeader ---- */

Test(smt_insert_header, literal_types)
{
        static const struct {
                const char *lit;
                ferry_type_t type;
        } cases[] = {{"hello", FERRY_TYPE_STRING},     {"42", FERRY_TYPE_INT8},
                     {"1000", FERRY_TYPE_INT16},       {"70000", FERRY_TYPE_INT32},
                     {"5000000000", FERRY_TYPE_INT64}, {"true", FERRY_TYPE_BOOLEAN},
                     {"1.5", FERRY_TYPE_FLOAT32},      {"", FERRY_TYPE_STRING}};
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                void *st = CONF(&ferry_smt_insert_header, "header", "h", "value.literal", cases[i].lit);
                ferry_record_t *r = run(&ferry_smt_insert_header, st, rec("t"));
                cr_assert_eq(r->n_headers, 1);
                cr_assert_str_eq(r->headers[0].key, "h");
                cr_assert_eq(r->headers[0].schema->type, cases[i].type, "%s", cases[i].lit);
                cr_assert_eq(r->headers[0].value->type, cases[i].type, "%s", cases[i].lit);
                ferry_record_free(r);
                ferry_smt_insert_header.close(st);
        }
        void *st = CONF(&ferry_smt_insert_header, "header", "h", "value.literal", "70000");
        ferry_record_t *r = run(&ferry_smt_insert_header, st, rec("t"));
        cr_assert_eq(r->headers[0].value->u.i, 70000);
        ferry_record_free(r);
        ferry_smt_insert_header.close(st);
        char err[256];
        cr_assert_eq(CONF_ERR(&ferry_smt_insert_header, err, "header", "h"), FERRY_ERR_INVALID_CONFIG);
        cr_assert(strstr(err, "\"value.literal\""), "%s", err);
}

/* The literal is shared by every record: each owns a reference, and outlives the others. */
Test(smt_insert_header, shared_value)
{
        void *st = CONF(&ferry_smt_insert_header, "header", "h", "value.literal", "bench");
        ferry_record_t *a = run(&ferry_smt_insert_header, st, rec("t"));
        ferry_record_t *b = run(&ferry_smt_insert_header, st, rec("t"));
        cr_assert_eq(a->headers[0].value, b->headers[0].value);
        ferry_record_free(a);
        cr_assert_str_eq(b->headers[0].value->u.s.data, "bench");
        ferry_smt_insert_header.close(st);
        cr_assert_str_eq(b->headers[0].value->u.s.data, "bench");
        ferry_record_free(b);
}

/* ---- RegexRouter ---- */

Test(smt_regex_router, groups_and_whole_match)
{
        void *st = CONF(&ferry_smt_regex_router, "regex", "(\\w+)-(\\d+)", "replacement", "$2_$1\\$");
        ferry_record_t *r = run(&ferry_smt_regex_router, st, rec("orders-42"));
        cr_assert_str_eq(r->topic, "42_orders$");
        ferry_record_free(r);
        r = run(&ferry_smt_regex_router, st, rec("orders-42x")); /* partial match: unchanged */
        cr_assert_str_eq(r->topic, "orders-42x");
        ferry_record_free(r);
        ferry_smt_regex_router.close(st);

        st = CONF(&ferry_smt_regex_router, "regex", "(?i)(?:db\\.)?(CUSTOMERS)", "replacement", "c-$1");
        r = run(&ferry_smt_regex_router, st, rec("db.customers"));
        cr_assert_str_eq(r->topic, "c-customers");
        ferry_record_free(r);
        ferry_smt_regex_router.close(st);
}

/* Routes are remembered per topic: repeated, interleaved and evicted topics keep their results. */
Test(smt_regex_router, route_cache)
{
        void *st = CONF(&ferry_smt_regex_router, "regex", "(.*)-raw", "replacement", "$1");
        char in[32], want[32];
        for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 20; i++) {
                        snprintf(in, sizeof(in), i % 3 ? "t%d-raw" : "t%d-cooked", i);
                        snprintf(want, sizeof(want), i % 3 ? "t%d" : "t%d-cooked", i);
                        ferry_record_t *r = run(&ferry_smt_regex_router, st, rec(in));
                        cr_assert_str_eq(r->topic, want);
                        ferry_record_free(r);
                        r = run(&ferry_smt_regex_router, st, rec(in)); /* again, from the cache */
                        cr_assert_str_eq(r->topic, want);
                        ferry_record_free(r);
                }
        }
        ferry_smt_regex_router.close(st);
}

Test(smt_regex_router, bad_config)
{
        char err[512];
        cr_assert_eq(CONF_ERR(&ferry_smt_regex_router, err, "regex", "(abc", "replacement", "x"),
                     FERRY_ERR_INVALID_CONFIG);
        cr_assert(strstr(err, "Invalid value (abc for configuration regex: Invalid regex"), "%s", err);
        cr_assert_eq(CONF_ERR(&ferry_smt_regex_router, err, "regex", "a(b)", "replacement", "$2"),
                     FERRY_ERR_INVALID_CONFIG);
        cr_assert_str_eq(err, "Invalid value $2 for configuration replacement: No group 2");
        cr_assert_eq(CONF_ERR(&ferry_smt_regex_router, err, "regex", "a(?=b)", "replacement", "x"),
                     FERRY_ERR_INVALID_CONFIG);
        cr_assert(strstr(err, "configuration regex"), "%s", err);
        cr_assert_eq(CONF_ERR(&ferry_smt_regex_router, err, "regex", "a"), FERRY_ERR_INVALID_CONFIG);
        cr_assert(strstr(err, "\"replacement\""), "%s", err);
}

/* ---- TimestampRouter ---- */

Test(smt_timestamp_router, formats)
{
        void *st = CONF(&ferry_smt_timestamp_router, "x", "y");
        ferry_record_t *r = rec("logs");
        r->timestamp = 1700000000123LL;
        r = run(&ferry_smt_timestamp_router, st, r);
        cr_assert_str_eq(r->topic, "logs-20231114");
        ferry_record_free(r);
        ferry_smt_timestamp_router.close(st);

        st = CONF(&ferry_smt_timestamp_router, "topic.format", "${timestamp}/${topic}", "timestamp.format",
                  "yyyy.MM.dd-HH'h'");
        r = rec("logs");
        r->timestamp = 1700000000123LL;
        r = run(&ferry_smt_timestamp_router, st, r);
        cr_assert_str_eq(r->topic, "2023.11.14-22h/logs");
        ferry_record_free(r);
        ferry_record_t *out = NULL;
        char err[256];
        cr_assert_eq(ferry_smt_timestamp_router.apply(st, rec("x"), &out, err, sizeof(err)),
                     FERRY_ERR_TRANSFORM);
        cr_assert(strstr(err, "Timestamp missing on record"), "%s", err);
        ferry_smt_timestamp_router.close(st);
}

/* ---- ValueToKey ---- */

Test(smt_value_to_key, schema)
{
        void *st = CONF(&ferry_smt_value_to_key, "fields", "id,region");
        ferry_schema_t *s = ferry_schema_new(FERRY_TYPE_STRUCT);
        ferry_schema_add_field(s, "id", ferry_schema_new(FERRY_TYPE_INT64));
        ferry_schema_add_field(s, "name", ferry_schema_new(FERRY_TYPE_STRING));
        ferry_schema_add_field(s, "region", ferry_schema_new(FERRY_TYPE_STRING));
        ferry_value_t *v = ferry_value_struct(s);
        ferry_struct_put(v, "id", ferry_value_int(FERRY_TYPE_INT64, 11));
        ferry_struct_put(v, "name", ferry_value_cstring("n"));
        ferry_struct_put(v, "region", ferry_value_cstring("eu"));
        ferry_record_t *r = run(
                &ferry_smt_value_to_key, st,
                ferry_record_new("t", ferry_schema_new(FERRY_TYPE_STRING), ferry_value_cstring("old"), s, v));
        cr_assert_eq(r->key_schema->n_fields, 2);
        cr_assert_str_eq(r->key_schema->fields[0].name, "id");
        cr_assert_str_eq(r->key_schema->fields[1].name, "region");
        cr_assert_eq(ferry_struct_get(r->key, "id")->u.i, 11);
        cr_assert_str_eq(ferry_struct_get(r->key, "region")->u.s.data, "eu");
        cr_assert_str_eq(ferry_struct_get(r->value, "name")->u.s.data, "n", "value unchanged");
        ferry_record_free(r);
        ferry_smt_value_to_key.close(st);

        st = CONF(&ferry_smt_value_to_key, "fields", "nope");
        s = ferry_schema_new(FERRY_TYPE_STRUCT);
        ferry_schema_add_field(s, "id", ferry_schema_new(FERRY_TYPE_INT64));
        ferry_record_t *out = NULL;
        char err[256];
        cr_assert_eq(ferry_smt_value_to_key.apply(st,
                                                  ferry_record_new("t", NULL, NULL, s, ferry_value_struct(s)),
                                                  &out, err, sizeof(err)),
                     FERRY_ERR_TRANSFORM);
        cr_assert_str_eq(err, "Field does not exist: nope");
        ferry_smt_value_to_key.close(st);
}

Test(smt_value_to_key, schemaless)
{
        void *st = CONF(&ferry_smt_value_to_key, "fields", "a,missing");
        ferry_value_t *m = ferry_value_map();
        ferry_map_put_str(m, "a", ferry_value_int(FERRY_TYPE_INT32, 1));
        ferry_map_put_str(m, "b", ferry_value_int(FERRY_TYPE_INT32, 2));
        ferry_record_t *r = run(&ferry_smt_value_to_key, st, ferry_record_new("t", NULL, NULL, NULL, m));
        cr_assert_null(r->key_schema);
        cr_assert_eq(r->key->type, FERRY_TYPE_MAP);
        cr_assert_eq(r->key->u.m.n, 2);
        cr_assert_eq(ferry_map_get_str(r->key, "a")->u.i, 1);
        cr_assert_null(ferry_map_get_str(r->key, "missing"));
        cr_assert_eq(r->value->u.m.n, 2);
        ferry_record_free(r);
        ferry_smt_value_to_key.close(st);
}

/* ---- predicates ---- */

Test(predicates, topic_name_matches)
{
        void *st = PCONF(&ferry_pred_topic_name_matches, "pattern", "orders-\\d+");
        ferry_record_t *a = rec("orders-12"), *b = rec("orders-12-x"), *c = rec("xorders-1");
        cr_assert(ferry_pred_topic_name_matches.test(st, a));
        cr_assert_not(ferry_pred_topic_name_matches.test(st, b), "whole match only");
        cr_assert_not(ferry_pred_topic_name_matches.test(st, c));
        ferry_record_free(a);
        ferry_record_free(b);
        ferry_record_free(c);
        ferry_pred_topic_name_matches.close(st);
        ferry_strmap_t *m = map_of((const char *const[]){"pattern", "[a-", NULL});
        char err[256];
        st = NULL;
        cr_assert_eq(ferry_pred_topic_name_matches.configure(&st, m, err, sizeof(err)),
                     FERRY_ERR_INVALID_CONFIG);
        ferry_strmap_free(m);
        cr_assert(strstr(err, "configuration pattern"), "%s", err);
}

Test(predicates, has_header_key_and_tombstone)
{
        void *st = PCONF(&ferry_pred_has_header_key, "name", "trace");
        ferry_record_t *r = rec("t");
        cr_assert_not(ferry_pred_has_header_key.test(st, r));
        ferry_record_add_header(r, "trace", NULL, NULL);
        cr_assert(ferry_pred_has_header_key.test(st, r));
        ferry_pred_has_header_key.close(st);

        void *t = PCONF(&ferry_pred_record_is_tombstone, "x", "y");
        cr_assert_not(ferry_pred_record_is_tombstone.test(t, r));
        ferry_value_free(r->value);
        r->value = NULL;
        cr_assert(ferry_pred_record_is_tombstone.test(t, r));
        ferry_pred_record_is_tombstone.close(t);
        ferry_record_free(r);
}
