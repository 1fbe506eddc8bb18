/* Unit tests for the field-level built-in transforms (worker/plugins/transforms/): Cast, ExtractField,
 * Flatten, HoistField, InsertField, MaskField, ReplaceField, SetSchemaMetadata, TimestampConverter,
 * HeaderFrom and ExtractTopic, each as $Key and $Value, with a schema (structs) and without (maps).
 * Expected outputs follow Kafka Connect's documented semantics. */
#include "../../worker/plugins/builtin.h"

#include <ferry/transform.h>

#include <criterion/criterion.h>

#include <stdarg.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
        const ferry_transform_plugin_t *key, *value;
} pair_t;

#define PAIR(sym) ((pair_t){&sym##_key, &sym##_value})

static void *configure_kv(const ferry_transform_plugin_t *p, const char *const *kv)
{
        ferry_strmap_t m;
        ferry_strmap_init(&m);
        for (; kv && kv[0]; kv += 2)
                ferry_strmap_set(&m, kv[0], kv[1]);
        void *st = NULL;
        char err[512] = "";
        ferry_err_t e = p->configure(&st, &m, err, sizeof(err));
        ferry_strmap_free(&m);
        cr_assert_eq(e, FERRY_ERR_OK, "configure %s: %s", p->info.class_name, err);
        return st;
}
#define CONF(p, ...) configure_kv(p, (const char *const[]){__VA_ARGS__, NULL})

static ferry_err_t configure_err(const ferry_transform_plugin_t *p, const char *const *kv, char *err,
                                 size_t n)
{
        ferry_strmap_t m;
        ferry_strmap_init(&m);
        for (; kv && kv[0]; kv += 2)
                ferry_strmap_set(&m, kv[0], kv[1]);
        void *st = NULL;
        err[0] = '\0';
        ferry_err_t e = p->configure(&st, &m, err, n);
        ferry_strmap_free(&m);
        if (e == FERRY_ERR_OK)
                p->close(st);
        return e;
}
#define CONF_ERR(p, err, ...) configure_err(p, (const char *const[]){__VA_ARGS__, NULL}, err, sizeof(err))

/* A record carrying (schema, value) on the key (key=true) or the value; takes ownership. */
static ferry_record_t *rec_on(bool key, ferry_schema_t *s, ferry_value_t *v)
{
        ferry_record_t *r = key ? ferry_record_new("topic", s, v, NULL, NULL)
                                : ferry_record_new("topic", NULL, NULL, s, v);
        cr_assert_not_null(r);
        return r;
}

static ferry_record_t *run(const ferry_transform_plugin_t *p, void *st, ferry_record_t *r)
{
        ferry_record_t *out = NULL;
        char err[512] = "";
        ferry_err_t e = p->apply(st, r, &out, err, sizeof(err));
        cr_assert_eq(e, FERRY_ERR_OK, "apply %s: %s", p->info.class_name, err);
        return out;
}

static ferry_err_t run_err(const ferry_transform_plugin_t *p, void *st, ferry_record_t *r, char *err,
                           size_t n)
{
        ferry_record_t *out = NULL;
        err[0] = '\0';
        ferry_err_t e = p->apply(st, r, &out, err, n);
        if (out)
                ferry_record_free(out);
        return e;
}

static ferry_schema_t *sch(ferry_type_t t)
{
        return ferry_schema_new(t);
}

static ferry_schema_t *opt(ferry_schema_t *s)
{
        s->optional = true;
        return s;
}

/* struct schema from name/schema pairs, NULL-terminated */
static ferry_schema_t *st_schema(const char *name, ...)
{
        va_list ap;
        ferry_schema_t *s = ferry_schema_new(FERRY_TYPE_STRUCT);
        va_start(ap, name);
        for (const char *n = name; n; n = va_arg(ap, const char *))
                cr_assert_eq(ferry_schema_add_field(s, n, va_arg(ap, ferry_schema_t *)), 0);
        va_end(ap);
        return s;
}

static ferry_value_t *I32(int64_t v)
{
        return ferry_value_int(FERRY_TYPE_INT32, v);
}
static ferry_value_t *I64(int64_t v)
{
        return ferry_value_int(FERRY_TYPE_INT64, v);
}
static ferry_value_t *STR(const char *s)
{
        return ferry_value_cstring(s);
}

static ferry_schema_t *op_schema(const ferry_record_t *r, bool key)
{
        return key ? r->key_schema : r->value_schema;
}
static ferry_value_t *op_value(const ferry_record_t *r, bool key)
{
        return key ? r->key : r->value;
}

#define FOR_SIDES(pair)                                                                                      \
        for (int side_ = 0; side_ < 2; side_++)                                                              \
                for (bool key = side_ == 0, once_ = true; once_; once_ = false)                              \
                        for (const ferry_transform_plugin_t *P = key ? (pair).key : (pair).value; P; P = NULL)

static void assert_int(const ferry_value_t *v, ferry_type_t t, int64_t x)
{
        cr_assert_not_null(v);
        cr_assert_eq(v->type, t, "type %d != %d", v->type, t);
        cr_assert_eq(v->u.i, x, "%lld != %lld", (long long)v->u.i, (long long)x);
}

static void assert_str(const ferry_value_t *v, const char *s)
{
        cr_assert_not_null(v, "expected \"%s\", got null", s);
        cr_assert_eq(v->type, FERRY_TYPE_STRING);
        cr_assert_str_eq(v->u.s.data, s);
}

/* ---------------- Cast ---------------- */

Test(smt_cast, class_names)
{
        cr_assert_str_eq(ferry_smt_cast_key.info.class_name, "org.apache.kafka.connect.transforms.Cast$Key");
        cr_assert_str_eq(ferry_smt_cast_value.info.class_name,
                         "org.apache.kafka.connect.transforms.Cast$Value");
        cr_assert_eq(ferry_smt_cast_value.info.type, FERRY_PLUGIN_TRANSFORMATION);
}

Test(smt_cast, schema_fields)
{
        FOR_SIDES(PAIR(ferry_smt_cast))
        {
                void *st = CONF(P, "spec", "a:string,b:int8,c:boolean,d:float64");
                ferry_schema_t *s = st_schema("a", sch(FERRY_TYPE_INT32), "b", opt(sch(FERRY_TYPE_INT64)),
                                              "c", sch(FERRY_TYPE_STRING), "d", sch(FERRY_TYPE_INT16), "e",
                                              sch(FERRY_TYPE_STRING), NULL);
                ferry_schema_set_name(s, "my.Record");
                ferry_value_t *v = ferry_value_struct(s);
                ferry_struct_put(v, "a", I32(42));
                ferry_struct_put(v, "b", I64(300)); /* wraps to 44 as (byte)300 */
                ferry_struct_put(v, "c", STR("TRUE"));
                ferry_struct_put(v, "d", ferry_value_int(FERRY_TYPE_INT16, 7));
                ferry_struct_put(v, "e", STR("kept"));
                ferry_record_t *r = run(P, st, rec_on(key, s, v));
                ferry_schema_t *ns = op_schema(r, key);
                ferry_value_t *nv = op_value(r, key);
                cr_assert_str_eq(ns->name, "my.Record");
                cr_assert_eq(ferry_schema_field(ns, "a")->schema->type, FERRY_TYPE_STRING);
                cr_assert_eq(ferry_schema_field(ns, "b")->schema->type, FERRY_TYPE_INT8);
                cr_assert(ferry_schema_field(ns, "b")->schema->optional);
                cr_assert_eq(ferry_schema_field(ns, "c")->schema->type, FERRY_TYPE_BOOLEAN);
                cr_assert_eq(ferry_schema_field(ns, "d")->schema->type, FERRY_TYPE_FLOAT64);
                assert_str(ferry_struct_get(nv, "a"), "42");
                assert_int(ferry_struct_get(nv, "b"), FERRY_TYPE_INT8, 44);
                cr_assert_eq(ferry_struct_get(nv, "c")->u.b, true);
                cr_assert_float_eq(ferry_struct_get(nv, "d")->u.f, 7.0, 1e-9);
                assert_str(ferry_struct_get(nv, "e"), "kept");
                cr_assert_eq(ferry_value_validate(ns, nv, NULL, 0), 0);
                /* same input schema again: the cached output schema is reused */
                ferry_value_t *v2 = ferry_value_struct(s);
                ferry_struct_put(v2, "a", I32(1));
                ferry_record_t *r2 = run(P, st, rec_on(key, ferry_schema_ref(s), v2));
                cr_assert_eq(op_schema(r2, key), ns);
                ferry_record_free(r2);
                ferry_record_free(r);
                P->close(st);
        }
}

Test(smt_cast, schemaless_fields_and_whole)
{
        FOR_SIDES(PAIR(ferry_smt_cast))
        {
                void *st = CONF(P, "spec", "n:int32,f:string,s:float32");
                ferry_value_t *m = ferry_value_map();
                ferry_map_put_str(m, "n", ferry_value_float(FERRY_TYPE_FLOAT64, 12.9));
                ferry_map_put_str(m, "f", ferry_value_float(FERRY_TYPE_FLOAT64, 3.0));
                ferry_map_put_str(m, "s", STR("1.5"));
                ferry_map_put_str(m, "x", ferry_value_bool(true));
                ferry_record_t *r = run(P, st, rec_on(key, NULL, m));
                ferry_value_t *nv = op_value(r, key);
                cr_assert_null(op_schema(r, key));
                assert_int(ferry_map_get_str(nv, "n"), FERRY_TYPE_INT32, 12);
                assert_str(ferry_map_get_str(nv, "f"), "3.0");
                cr_assert_eq(ferry_map_get_str(nv, "s")->type, FERRY_TYPE_FLOAT32);
                cr_assert_float_eq(ferry_map_get_str(nv, "s")->u.f, 1.5, 1e-9);
                cr_assert_eq(ferry_map_get_str(nv, "x")->u.b, true);
                ferry_record_free(r);
                P->close(st);

                st = CONF(P, "spec", "int64");
                r = run(P, st, rec_on(key, NULL, STR("-9000000000")));
                assert_int(op_value(r, key), FERRY_TYPE_INT64, -9000000000LL);
                ferry_record_free(r);
                r = run(P, st, rec_on(key, opt(sch(FERRY_TYPE_STRING)), STR("17")));
                cr_assert_eq(op_schema(r, key)->type, FERRY_TYPE_INT64);
                cr_assert(op_schema(r, key)->optional);
                assert_int(op_value(r, key), FERRY_TYPE_INT64, 17);
                ferry_record_free(r);
                char err[256];
                cr_assert_eq(run_err(P, st, rec_on(key, NULL, STR("abc")), err, sizeof(err)),
                             FERRY_ERR_TRANSFORM);
                cr_assert_str_eq(err, "Value (abc) was out of range for requested data type");
                P->close(st);
        }
}

Test(smt_cast, bytes_and_dates_to_string)
{
        void *st = CONF(&ferry_smt_cast_value, "spec", "b:string,t:string,d:string");
        ferry_schema_t *s =
                st_schema("b", sch(FERRY_TYPE_BYTES), "t", ferry_schema_logical(FERRY_LOGICAL_TIMESTAMP), "d",
                          ferry_schema_logical(FERRY_LOGICAL_DATE), NULL);
        ferry_value_t *v = ferry_value_struct(s);
        ferry_struct_put(v, "b", ferry_value_bytes("hello", 5));
        ferry_struct_put(v, "t", I64(1700000000123LL));
        ferry_struct_put(v, "d", I32(19000));
        ferry_record_t *r = run(&ferry_smt_cast_value, st, rec_on(false, s, v));
        assert_str(ferry_struct_get(r->value, "b"), "aGVsbG8=");
        assert_str(ferry_struct_get(r->value, "t"), "2023-11-14T22:13:20.123Z");
        assert_str(ferry_struct_get(r->value, "d"), "2022-01-08");
        ferry_record_free(r);
        ferry_smt_cast_value.close(st);
}

Test(smt_cast, tombstone_passes)
{
        void *st = CONF(&ferry_smt_cast_value, "spec", "a:int8");
        ferry_record_t *r = run(&ferry_smt_cast_value, st, rec_on(false, NULL, NULL));
        cr_assert_null(r->value);
        ferry_record_free(r);
        ferry_smt_cast_value.close(st);
}

Test(smt_cast, bad_specs_name_the_key)
{
        char err[512];
        cr_assert_eq(CONF_ERR(&ferry_smt_cast_value, err, "spec", "f:notatype"), FERRY_ERR_INVALID_CONFIG);
        cr_assert_str_eq(err,
                         "Invalid value f:notatype for configuration spec: Invalid type found in casting "
                         "spec: notatype");
        cr_assert_eq(CONF_ERR(&ferry_smt_cast_value, err, "spec", "f:bytes"), FERRY_ERR_INVALID_CONFIG);
        cr_assert(strstr(err, "does not support casting to BYTES"), "%s", err);
        cr_assert_eq(CONF_ERR(&ferry_smt_cast_value, err, "spec", "int8,a:int16"), FERRY_ERR_INVALID_CONFIG);
        cr_assert(strstr(err, "may ony specify a single cast"), "%s", err);
        cr_assert_eq(CONF_ERR(&ferry_smt_cast_key, err, "other", "x"), FERRY_ERR_INVALID_CONFIG);
        cr_assert_str_eq(err, "Missing required configuration \"spec\" which has no default value.");
}

/* ---------------- ExtractField ---------------- */

Test(smt_extract_field, schema_and_schemaless)
{
        FOR_SIDES(PAIR(ferry_smt_extract_field))
        {
                void *st = CONF(P, "field", "id");
                ferry_schema_t *s =
                        st_schema("id", sch(FERRY_TYPE_INT64), "name", sch(FERRY_TYPE_STRING), NULL);
                ferry_value_t *v = ferry_value_struct(s);
                ferry_struct_put(v, "id", I64(7));
                ferry_struct_put(v, "name", STR("x"));
                ferry_record_t *r = run(P, st, rec_on(key, s, v));
                cr_assert_eq(op_schema(r, key)->type, FERRY_TYPE_INT64);
                assert_int(op_value(r, key), FERRY_TYPE_INT64, 7);
                ferry_record_free(r);

                ferry_value_t *m = ferry_value_map();
                ferry_map_put_str(m, "id", STR("abc"));
                r = run(P, st, rec_on(key, NULL, m));
                cr_assert_null(op_schema(r, key));
                assert_str(op_value(r, key), "abc");
                ferry_record_free(r);

                m = ferry_value_map();
                ferry_map_put_str(m, "other", STR("abc"));
                r = run(P, st, rec_on(key, NULL, m));
                cr_assert_null(op_value(r, key));
                ferry_record_free(r);

                char err[256];
                s = st_schema("x", sch(FERRY_TYPE_INT64), NULL);
                cr_assert_eq(run_err(P, st, rec_on(key, s, ferry_value_struct(s)), err, sizeof(err)),
                             FERRY_ERR_TRANSFORM);
                cr_assert_str_eq(err, "Unknown field: id");
                cr_assert_eq(run_err(P, st, rec_on(key, NULL, STR("s")), err, sizeof(err)),
                             FERRY_ERR_TRANSFORM);
                cr_assert_str_eq(err,
                                 "Only Map objects supported in absence of schema for [field extraction], "
                                 "found: java.lang.String");
                P->close(st);
        }
}

Test(smt_extract_field, missing_field_config)
{
        char err[256];
        cr_assert_eq(CONF_ERR(&ferry_smt_extract_field_value, err, "x", "y"), FERRY_ERR_INVALID_CONFIG);
        cr_assert(strstr(err, "\"field\""), "%s", err);
}

/* ---------------- Flatten ---------------- */

Test(smt_flatten, schema)
{
        FOR_SIDES(PAIR(ferry_smt_flatten))
        {
                void *st = CONF(P, "delimiter", "_");
                ferry_schema_t *inner =
                        opt(st_schema("street", sch(FERRY_TYPE_STRING), "zip", sch(FERRY_TYPE_INT32), NULL));
                ferry_schema_t *s = st_schema("id", sch(FERRY_TYPE_INT32), "addr", inner, "tags",
                                              ferry_schema_array(sch(FERRY_TYPE_STRING)), NULL);
                ferry_value_t *v = ferry_value_struct(s);
                ferry_value_t *iv = ferry_value_struct(inner);
                ferry_struct_put(iv, "street", STR("Main"));
                ferry_struct_put(iv, "zip", I32(12345));
                ferry_struct_put(v, "id", I32(1));
                ferry_struct_put(v, "addr", iv);
                ferry_struct_put(v, "tags", ferry_value_array());
                ferry_record_t *r = run(P, st, rec_on(key, s, v));
                ferry_schema_t *ns = op_schema(r, key);
                cr_assert_eq(ns->n_fields, 4);
                cr_assert_str_eq(ns->fields[0].name, "id");
                cr_assert_str_eq(ns->fields[1].name, "addr_street");
                cr_assert_str_eq(ns->fields[2].name, "addr_zip");
                cr_assert_str_eq(ns->fields[3].name, "tags");
                cr_assert(ns->fields[2].schema->optional, "child of an optional struct is optional");
                cr_assert_not(ns->fields[0].schema->optional);
                cr_assert_eq(ns->fields[3].schema->type, FERRY_TYPE_ARRAY);
                assert_str(ferry_struct_get(op_value(r, key), "addr_street"), "Main");
                assert_int(ferry_struct_get(op_value(r, key), "addr_zip"), FERRY_TYPE_INT32, 12345);
                cr_assert_eq(ferry_value_validate(ns, op_value(r, key), NULL, 0), 0);
                ferry_record_free(r);
                P->close(st);
        }
}

Test(smt_flatten, schemaless)
{
        FOR_SIDES(PAIR(ferry_smt_flatten))
        {
                void *st = CONF(P, "x", "y");
                ferry_value_t *m = ferry_value_map(), *a = ferry_value_map(), *b = ferry_value_map();
                ferry_map_put_str(b, "c", I32(3));
                ferry_map_put_str(a, "b", b);
                ferry_map_put_str(a, "n", NULL);
                ferry_map_put_str(m, "a", a);
                ferry_map_put_str(m, "top", STR("t"));
                ferry_record_t *r = run(P, st, rec_on(key, NULL, m));
                ferry_value_t *nv = op_value(r, key);
                cr_assert_eq(nv->u.m.n, 3);
                assert_int(ferry_map_get_str(nv, "a.b.c"), FERRY_TYPE_INT32, 3);
                assert_str(ferry_map_get_str(nv, "top"), "t");
                cr_assert_null(ferry_map_get_str(nv, "a.n"));
                cr_assert_null(ferry_map_get_str(nv, "a"));
                ferry_record_free(r);
                P->close(st);
        }
}

/* ---------------- HoistField ---------------- */

Test(smt_hoist_field, schema_and_schemaless)
{
        FOR_SIDES(PAIR(ferry_smt_hoist_field))
        {
                void *st = CONF(P, "field", "line");
                ferry_record_t *r = run(P, st, rec_on(key, sch(FERRY_TYPE_STRING), STR("hello")));
                ferry_schema_t *ns = op_schema(r, key);
                cr_assert_eq(ns->type, FERRY_TYPE_STRUCT);
                cr_assert_eq(ns->n_fields, 1);
                cr_assert_str_eq(ns->fields[0].name, "line");
                cr_assert_eq(ns->fields[0].schema->type, FERRY_TYPE_STRING);
                assert_str(ferry_struct_get(op_value(r, key), "line"), "hello");
                ferry_record_free(r);

                r = run(P, st, rec_on(key, NULL, I64(5)));
                cr_assert_null(op_schema(r, key));
                cr_assert_eq(op_value(r, key)->type, FERRY_TYPE_MAP);
                assert_int(ferry_map_get_str(op_value(r, key), "line"), FERRY_TYPE_INT64, 5);
                ferry_record_free(r);
                P->close(st);
        }
}

/* ---------------- InsertField ---------------- */

Test(smt_insert_field, schema)
{
        FOR_SIDES(PAIR(ferry_smt_insert_field))
        {
                void *st = CONF(P, "topic.field", "t!", "partition.field", "p", "offset.field", "o?",
                                "timestamp.field", "ts", "static.field", "src", "static.value", "ferry");
                ferry_schema_t *s = st_schema("a", sch(FERRY_TYPE_INT32), NULL);
                ferry_value_t *v = ferry_value_struct(s);
                ferry_struct_put(v, "a", I32(9));
                ferry_record_t *in = rec_on(key, s, v);
                in->partition = 3;
                in->kafka_offset = 42;
                in->timestamp = 1000;
                ferry_record_t *r = run(P, st, in);
                ferry_schema_t *ns = op_schema(r, key);
                ferry_value_t *nv = op_value(r, key);
                cr_assert_eq(ns->n_fields, 6);
                cr_assert_not(ferry_schema_field(ns, "t")->schema->optional, "! makes it required");
                cr_assert(ferry_schema_field(ns, "p")->schema->optional);
                cr_assert_str_eq(ferry_schema_field(ns, "ts")->schema->name, FERRY_LOGICAL_TIMESTAMP);
                assert_int(ferry_struct_get(nv, "a"), FERRY_TYPE_INT32, 9);
                assert_str(ferry_struct_get(nv, "t"), "topic");
                assert_int(ferry_struct_get(nv, "p"), FERRY_TYPE_INT32, 3);
                assert_int(ferry_struct_get(nv, "o"), FERRY_TYPE_INT64, 42);
                assert_int(ferry_struct_get(nv, "ts"), FERRY_TYPE_INT64, 1000);
                assert_str(ferry_struct_get(nv, "src"), "ferry");
                ferry_record_free(r);
                P->close(st);
        }
}

Test(smt_insert_field, schemaless_tombstone_and_source_offset)
{
        FOR_SIDES(PAIR(ferry_smt_insert_field))
        {
                void *st = CONF(P, "topic.field", "t", "static.field", "s", "static.value", "v");
                ferry_value_t *m = ferry_value_map();
                ferry_map_put_str(m, "a", I32(1));
                ferry_record_t *r = run(P, st, rec_on(key, NULL, m));
                ferry_value_t *nv = op_value(r, key);
                cr_assert_eq(nv->u.m.n, 3);
                assert_str(ferry_map_get_str(nv, "t"), "topic");
                assert_str(ferry_map_get_str(nv, "s"), "v");
                ferry_record_free(r);
                r = run(P, st, rec_on(key, NULL, NULL));
                cr_assert_null(op_value(r, key));
                ferry_record_free(r);
                P->close(st);

                st = CONF(P, "offset.field", "o");
                char err[256];
                cr_assert_eq(run_err(P, st, rec_on(key, NULL, ferry_value_map()), err, sizeof(err)),
                             FERRY_ERR_TRANSFORM);
                cr_assert(strstr(err, "Only SinkRecord supported for [field insertion]"), "%s", err);
                P->close(st);
        }
}

/* ---------------- MaskField ---------------- */

Test(smt_mask_field, schema)
{
        FOR_SIDES(PAIR(ferry_smt_mask_field))
        {
                void *st = CONF(P, "fields", "s,i,b,f,keep_null");
                ferry_schema_t *s =
                        st_schema("s", sch(FERRY_TYPE_STRING), "i", sch(FERRY_TYPE_INT64), "b",
                                  sch(FERRY_TYPE_BOOLEAN), "f", sch(FERRY_TYPE_FLOAT32), "keep_null",
                                  opt(sch(FERRY_TYPE_STRING)), "other", sch(FERRY_TYPE_STRING), NULL);
                ferry_value_t *v = ferry_value_struct(s);
                ferry_struct_put(v, "s", STR("secret"));
                ferry_struct_put(v, "i", I64(99));
                ferry_struct_put(v, "b", ferry_value_bool(true));
                ferry_struct_put(v, "f", ferry_value_float(FERRY_TYPE_FLOAT32, 2.5));
                ferry_struct_put(v, "other", STR("visible"));
                ferry_record_t *r = run(P, st, rec_on(key, s, v));
                ferry_value_t *nv = op_value(r, key);
                cr_assert_eq(op_schema(r, key), s, "schema unchanged");
                assert_str(ferry_struct_get(nv, "s"), "");
                assert_int(ferry_struct_get(nv, "i"), FERRY_TYPE_INT64, 0);
                cr_assert_eq(ferry_struct_get(nv, "b")->u.b, false);
                cr_assert_float_eq(ferry_struct_get(nv, "f")->u.f, 0.0, 1e-12);
                cr_assert_null(ferry_struct_get(nv, "keep_null"));
                assert_str(ferry_struct_get(nv, "other"), "visible");
                ferry_record_free(r);
                P->close(st);
        }
}

Test(smt_mask_field, schemaless_replacement)
{
        FOR_SIDES(PAIR(ferry_smt_mask_field))
        {
                void *st = CONF(P, "fields", "ssn,n", "replacement", "123");
                ferry_value_t *m = ferry_value_map();
                ferry_map_put_str(m, "ssn", STR("000-11-2222"));
                ferry_map_put_str(m, "n", I32(5));
                ferry_map_put_str(m, "o", I32(6));
                ferry_record_t *r = run(P, st, rec_on(key, NULL, m));
                ferry_value_t *nv = op_value(r, key);
                assert_str(ferry_map_get_str(nv, "ssn"), "123");
                assert_int(ferry_map_get_str(nv, "n"), FERRY_TYPE_INT32, 123);
                assert_int(ferry_map_get_str(nv, "o"), FERRY_TYPE_INT32, 6);
                ferry_record_free(r);
                m = ferry_value_map();
                ferry_map_put_str(m, "n", ferry_value_bool(true));
                char err[256];
                cr_assert_eq(run_err(P, st, rec_on(key, NULL, m), err, sizeof(err)), FERRY_ERR_TRANSFORM);
                cr_assert(strstr(err,
                                 "Cannot mask value of type class java.lang.Boolean with custom replacement"),
                          "%s", err);
                P->close(st);
        }
}

/* ---------------- ReplaceField ---------------- */

Test(smt_replace_field, schema)
{
        FOR_SIDES(PAIR(ferry_smt_replace_field))
        {
                void *st = CONF(P, "include", "a,b,c", "exclude", "c", "renames", "a:alpha");
                ferry_schema_t *s = st_schema("a", sch(FERRY_TYPE_INT32), "b", sch(FERRY_TYPE_STRING), "c",
                                              sch(FERRY_TYPE_STRING), "d", sch(FERRY_TYPE_STRING), NULL);
                ferry_schema_set_name(s, "rec");
                ferry_value_t *v = ferry_value_struct(s);
                ferry_struct_put(v, "a", I32(1));
                ferry_struct_put(v, "b", STR("bee"));
                ferry_struct_put(v, "c", STR("sea"));
                ferry_struct_put(v, "d", STR("dee"));
                ferry_record_t *r = run(P, st, rec_on(key, s, v));
                ferry_schema_t *ns = op_schema(r, key);
                cr_assert_eq(ns->n_fields, 2);
                cr_assert_str_eq(ns->fields[0].name, "alpha");
                cr_assert_str_eq(ns->fields[1].name, "b");
                cr_assert_str_eq(ns->name, "rec");
                assert_int(ferry_struct_get(op_value(r, key), "alpha"), FERRY_TYPE_INT32, 1);
                assert_str(ferry_struct_get(op_value(r, key), "b"), "bee");
                ferry_record_free(r);
                P->close(st);
        }
}

Test(smt_replace_field, schemaless_and_bad_renames)
{
        FOR_SIDES(PAIR(ferry_smt_replace_field))
        {
                void *st = CONF(P, "blacklist", "pw", "renames", "u:user");
                ferry_value_t *m = ferry_value_map();
                ferry_map_put_str(m, "u", STR("bob"));
                ferry_map_put_str(m, "pw", STR("x"));
                ferry_map_put_str(m, "z", I32(1));
                ferry_record_t *r = run(P, st, rec_on(key, NULL, m));
                ferry_value_t *nv = op_value(r, key);
                cr_assert_eq(nv->u.m.n, 2);
                assert_str(ferry_map_get_str(nv, "user"), "bob");
                cr_assert_null(ferry_map_get_str(nv, "pw"));
                assert_int(ferry_map_get_str(nv, "z"), FERRY_TYPE_INT32, 1);
                ferry_record_free(r);
                P->close(st);
                char err[256];
                cr_assert_eq(CONF_ERR(P, err, "renames", "a:b,oops"), FERRY_ERR_INVALID_CONFIG);
                cr_assert_str_eq(
                        err,
                        "Invalid value a:b,oops for configuration renames: Invalid rename mapping: oops");
        }
}

/* ---------------- SetSchemaMetadata ---------------- */

Test(smt_set_schema_metadata, schema_and_schemaless)
{
        FOR_SIDES(PAIR(ferry_smt_set_schema_metadata))
        {
                void *st = CONF(P, "schema.name", "com.example.Rec", "schema.version", "3");
                ferry_schema_t *s = st_schema("a", sch(FERRY_TYPE_INT32), NULL);
                ferry_value_t *v = ferry_value_struct(s);
                ferry_struct_put(v, "a", I32(1));
                ferry_record_t *r = run(P, st, rec_on(key, s, v));
                ferry_schema_t *ns = op_schema(r, key);
                cr_assert_str_eq(ns->name, "com.example.Rec");
                cr_assert(ns->has_version);
                cr_assert_eq(ns->version, 3);
                cr_assert_eq(op_value(r, key)->u.st.schema, ns, "struct points at the new schema");
                assert_int(ferry_struct_get(op_value(r, key), "a"), FERRY_TYPE_INT32, 1);
                ferry_record_free(r);
                char err[256];
                cr_assert_eq(run_err(P, st, rec_on(key, NULL, ferry_value_map()), err, sizeof(err)),
                             FERRY_ERR_TRANSFORM);
                cr_assert_str_eq(err, "Schema required for [updating schema metadata]");
                P->close(st);
                cr_assert_eq(CONF_ERR(P, err, "x", "y"), FERRY_ERR_INVALID_CONFIG);
                cr_assert(strstr(err, "Neither schema name nor version configured"), "%s", err);
        }
}

/* ---------------- TimestampConverter ---------------- */

Test(smt_timestamp_converter, whole_value_schema)
{
        FOR_SIDES(PAIR(ferry_smt_timestamp_converter))
        {
                void *st = CONF(P, "target.type", "string", "format", "yyyy-MM-dd HH:mm:ss.SSS");
                ferry_record_t *r =
                        run(P, st,
                            rec_on(key, ferry_schema_logical(FERRY_LOGICAL_TIMESTAMP), I64(1700000000123LL)));
                cr_assert_eq(op_schema(r, key)->type, FERRY_TYPE_STRING);
                assert_str(op_value(r, key), "2023-11-14 22:13:20.123");
                ferry_record_free(r);
                P->close(st);

                st = CONF(P, "target.type", "Timestamp", "format", "yyyy-MM-dd'T'HH:mm:ssXXX");
                r = run(P, st, rec_on(key, sch(FERRY_TYPE_STRING), STR("2023-11-14T23:13:20+01:00")));
                cr_assert_str_eq(op_schema(r, key)->name, FERRY_LOGICAL_TIMESTAMP);
                assert_int(op_value(r, key), FERRY_TYPE_INT64, 1700000000000LL);
                ferry_record_free(r);
                P->close(st);

                st = CONF(P, "target.type", "Date");
                r = run(P, st, rec_on(key, sch(FERRY_TYPE_INT64), I64(1700000000123LL)));
                cr_assert_str_eq(op_schema(r, key)->name, FERRY_LOGICAL_DATE);
                assert_int(op_value(r, key), FERRY_TYPE_INT32, 19675);
                ferry_record_free(r);
                P->close(st);

                st = CONF(P, "target.type", "Time");
                r = run(P, st, rec_on(key, sch(FERRY_TYPE_INT64), I64(1700000000123LL)));
                cr_assert_str_eq(op_schema(r, key)->name, FERRY_LOGICAL_TIME);
                assert_int(op_value(r, key), FERRY_TYPE_INT32, 80000123);
                ferry_record_free(r);
                P->close(st);
        }
}

Test(smt_timestamp_converter, field_schema_and_schemaless_unix_precision)
{
        FOR_SIDES(PAIR(ferry_smt_timestamp_converter))
        {
                void *st = CONF(P, "field", "ts", "target.type", "unix", "unix.precision", "seconds");
                ferry_schema_t *s = st_schema("id", sch(FERRY_TYPE_INT32), "ts",
                                              opt(ferry_schema_logical(FERRY_LOGICAL_TIMESTAMP)), NULL);
                ferry_value_t *v = ferry_value_struct(s);
                ferry_struct_put(v, "id", I32(1));
                ferry_struct_put(v, "ts", I64(1700000000999LL));
                ferry_record_t *r = run(P, st, rec_on(key, s, v));
                const ferry_field_t *f = ferry_schema_field(op_schema(r, key), "ts");
                cr_assert_eq(f->schema->type, FERRY_TYPE_INT64);
                cr_assert_null(f->schema->name);
                cr_assert(f->schema->optional);
                assert_int(ferry_struct_get(op_value(r, key), "ts"), FERRY_TYPE_INT64, 1700000000LL);
                assert_int(ferry_struct_get(op_value(r, key), "id"), FERRY_TYPE_INT32, 1);
                ferry_record_free(r);
                P->close(st);

                st = CONF(P, "field", "ts", "target.type", "string", "format", "dd/MM/yy h:mm a",
                          "unix.precision", "microseconds");
                ferry_value_t *m = ferry_value_map();
                ferry_map_put_str(m, "ts", I64(1700000000123456LL));
                r = run(P, st, rec_on(key, NULL, m));
                assert_str(ferry_map_get_str(op_value(r, key), "ts"), "14/11/23 10:13 PM");
                ferry_record_free(r);
                P->close(st);
        }
}

Test(smt_timestamp_converter, config_errors)
{
        char err[512];
        cr_assert_eq(CONF_ERR(&ferry_smt_timestamp_converter_value, err, "target.type", "string"),
                     FERRY_ERR_INVALID_CONFIG);
        cr_assert(strstr(err, "requires format option"), "%s", err);
        cr_assert(strstr(err, "configuration format"), "%s", err);
        cr_assert_eq(CONF_ERR(&ferry_smt_timestamp_converter_value, err, "target.type", "weird"),
                     FERRY_ERR_INVALID_CONFIG);
        cr_assert(strstr(err, "configuration target.type"), "%s", err);
        cr_assert_eq(CONF_ERR(&ferry_smt_timestamp_converter_value, err, "target.type", "unix", "format",
                              "yyyy-qq"),
                     FERRY_ERR_INVALID_CONFIG);
        cr_assert(strstr(err, "Illegal pattern character 'q'"), "%s", err);
}

/* ---------------- HeaderFrom ---------------- */

Test(smt_header_from, schema_move)
{
        FOR_SIDES(PAIR(ferry_smt_header_from))
        {
                void *st = CONF(P, "fields", "id,name", "headers", "h_id,h_name", "operation", "move");
                ferry_schema_t *s = st_schema("id", sch(FERRY_TYPE_INT32), "name", sch(FERRY_TYPE_STRING),
                                              "keep", sch(FERRY_TYPE_BOOLEAN), NULL);
                ferry_value_t *v = ferry_value_struct(s);
                ferry_struct_put(v, "id", I32(5));
                ferry_struct_put(v, "name", STR("n"));
                ferry_struct_put(v, "keep", ferry_value_bool(true));
                ferry_record_t *r = run(P, st, rec_on(key, s, v));
                cr_assert_eq(r->n_headers, 2);
                cr_assert_str_eq(r->headers[0].key, "h_id");
                cr_assert_eq(r->headers[0].schema->type, FERRY_TYPE_INT32);
                assert_int(r->headers[0].value, FERRY_TYPE_INT32, 5);
                cr_assert_str_eq(r->headers[1].key, "h_name");
                assert_str(r->headers[1].value, "n");
                cr_assert_eq(op_schema(r, key)->n_fields, 1);
                cr_assert_str_eq(op_schema(r, key)->fields[0].name, "keep");
                cr_assert_eq(ferry_struct_get(op_value(r, key), "keep")->u.b, true);
                ferry_record_free(r);
                P->close(st);
        }
}

Test(smt_header_from, schemaless_copy_and_config)
{
        FOR_SIDES(PAIR(ferry_smt_header_from))
        {
                void *st = CONF(P, "fields", "a", "headers", "ha", "operation", "copy");
                ferry_value_t *m = ferry_value_map();
                ferry_map_put_str(m, "a", STR("x"));
                ferry_record_t *r = run(P, st, rec_on(key, NULL, m));
                cr_assert_eq(r->n_headers, 1);
                cr_assert_null(r->headers[0].schema);
                assert_str(r->headers[0].value, "x");
                assert_str(ferry_map_get_str(op_value(r, key), "a"), "x");
                ferry_record_free(r);
                P->close(st);
                char err[512];
                cr_assert_eq(CONF_ERR(P, err, "fields", "a,b", "headers", "h", "operation", "copy"),
                             FERRY_ERR_INVALID_CONFIG);
                cr_assert(strstr(err, "same number of elements"), "%s", err);
                cr_assert_eq(CONF_ERR(P, err, "fields", "a", "headers", "h", "operation", "steal"),
                             FERRY_ERR_INVALID_CONFIG);
                cr_assert(strstr(err, "configuration operation"), "%s", err);
        }
}

/* ---------------- ExtractTopic (Confluent) ---------------- */

Test(smt_extract_topic, field_schema_schemaless_and_skip)
{
        cr_assert_str_eq(ferry_smt_extract_topic_value.info.class_name,
                         "io.confluent.connect.transforms.ExtractTopic$Value");
        FOR_SIDES(PAIR(ferry_smt_extract_topic))
        {
                void *st = CONF(P, "field", "dest");
                ferry_schema_t *s = st_schema("dest", opt(sch(FERRY_TYPE_STRING)), NULL);
                ferry_value_t *v = ferry_value_struct(s);
                ferry_struct_put(v, "dest", STR("orders"));
                ferry_record_t *r = run(P, st, rec_on(key, s, v));
                cr_assert_str_eq(r->topic, "orders");
                ferry_record_free(r);
                ferry_value_t *m = ferry_value_map();
                ferry_map_put_str(m, "dest", STR("payments"));
                r = run(P, st, rec_on(key, NULL, m));
                cr_assert_str_eq(r->topic, "payments");
                ferry_record_free(r);
                char err[256];
                cr_assert_eq(run_err(P, st, rec_on(key, NULL, ferry_value_map()), err, sizeof(err)),
                             FERRY_ERR_TRANSFORM);
                P->close(st);

                st = CONF(P, "field", "dest", "skip.missing.or.null", "true");
                r = run(P, st, rec_on(key, NULL, ferry_value_map()));
                cr_assert_str_eq(r->topic, "topic");
                ferry_record_free(r);
                P->close(st);

                st = CONF(P, "x", "y");
                r = run(P, st, rec_on(key, sch(FERRY_TYPE_STRING), STR("whole")));
                cr_assert_str_eq(r->topic, "whole");
                ferry_record_free(r);
                P->close(st);
        }
}
