/* Unit tests for the data model (data.c) and records (record.c): schema building and refcounts,
 * value copy/equality, validation messages, Java-style number text and Decimal encoding. */
#include <ferry/data.h>
#include <ferry/record.h>

#include <criterion/criterion.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

static ferry_schema_t *optional(ferry_schema_t *s)
{
        s->optional = true;
        return s;
}

static ferry_schema_t *address_schema(void)
{
        ferry_schema_t *s = ferry_schema_new(FERRY_TYPE_STRUCT);
        cr_assert_eq(ferry_schema_add_field(s, "street", ferry_schema_new(FERRY_TYPE_STRING)), 0);
        cr_assert_eq(ferry_schema_add_field(s, "zip", ferry_schema_new(FERRY_TYPE_INT32)), 0);
        return s;
}

static ferry_schema_t *person_schema(void)
{
        ferry_schema_t *s = ferry_schema_new(FERRY_TYPE_STRUCT);
        cr_assert_eq(ferry_schema_add_field(s, "name", ferry_schema_new(FERRY_TYPE_STRING)), 0);
        cr_assert_eq(ferry_schema_add_field(s, "address", address_schema()), 0);
        cr_assert_eq(ferry_schema_add_field(
                             s, "tags", optional(ferry_schema_array(ferry_schema_new(FERRY_TYPE_STRING)))),
                     0);
        return s;
}

Test(data, type_names)
{
        static const char *const names[] = {"int8",    "int16",  "int32", "int64", "float", "double",
                                            "boolean", "string", "bytes", "array", "map",   "struct"};
        for (int t = FERRY_TYPE_INT8; t <= FERRY_TYPE_STRUCT; t++) {
                cr_assert_str_eq(ferry_type_name((ferry_type_t)t), names[t]);
                cr_assert_eq(ferry_type_from_name(names[t]), t);
        }
        cr_assert_eq(ferry_type_from_name("float32"), FERRY_TYPE_FLOAT32);
        cr_assert_eq(ferry_type_from_name("float64"), FERRY_TYPE_FLOAT64);
        cr_assert_eq(ferry_type_from_name("integer"), -1);
        cr_assert_eq(ferry_type_from_name(NULL), -1);
}

Test(data, struct_schema_fields)
{
        ferry_schema_t *s = person_schema();
        cr_assert_eq(s->n_fields, 3);
        const ferry_field_t *f = ferry_schema_field(s, "tags");
        cr_assert_not_null(f);
        cr_assert_eq(f->index, 2);
        cr_assert_eq(f->schema->type, FERRY_TYPE_ARRAY);
        cr_assert_eq(f->schema->items->type, FERRY_TYPE_STRING);
        cr_assert_null(ferry_schema_field(s, "nope"));
        /* duplicate names are refused, and the field schema is released */
        cr_assert_eq(ferry_schema_add_field(s, "name", ferry_schema_new(FERRY_TYPE_INT32)), -1);
        /* only structs have fields */
        ferry_schema_t *i = ferry_schema_new(FERRY_TYPE_INT32);
        cr_assert_eq(ferry_schema_add_field(i, "x", ferry_schema_new(FERRY_TYPE_INT32)), -1);
        ferry_schema_unref(i);
        ferry_schema_unref(s);
}

Test(data, schema_metadata_and_params)
{
        ferry_schema_t *s = ferry_schema_new(FERRY_TYPE_STRING);
        cr_assert_eq(ferry_schema_set_name(s, "com.example.Name"), 0);
        cr_assert_eq(ferry_schema_set_doc(s, "a doc"), 0);
        cr_assert_eq(ferry_schema_set_param(s, "a", "1"), 0);
        cr_assert_eq(ferry_schema_set_param(s, "b", "2"), 0);
        cr_assert_eq(ferry_schema_set_param(s, "a", "3"), 0); /* replaces, keeps position */
        cr_assert_eq(s->n_params, 2);
        cr_assert_str_eq(s->params[0].key, "a");
        cr_assert_str_eq(ferry_schema_param(s, "a"), "3");
        cr_assert_null(ferry_schema_param(s, "c"));
        cr_assert_str_eq(s->name, "com.example.Name");
        cr_assert_eq(ferry_schema_set_name(s, NULL), 0);
        cr_assert_null(s->name);
        ferry_schema_unref(s);
}

Test(data, logical_schemas)
{
        ferry_schema_t *d = ferry_schema_decimal(2);
        cr_assert_eq(d->type, FERRY_TYPE_BYTES);
        cr_assert_str_eq(d->name, FERRY_LOGICAL_DECIMAL);
        cr_assert(d->has_version);
        cr_assert_eq(d->version, 1);
        cr_assert_str_eq(ferry_schema_param(d, "scale"), "2");
        int scale = 0;
        cr_assert_eq(ferry_decimal_scale(d, &scale), 0);
        cr_assert_eq(scale, 2);
        ferry_schema_unref(d);

        ferry_schema_t *date = ferry_schema_logical(FERRY_LOGICAL_DATE);
        ferry_schema_t *time = ferry_schema_logical(FERRY_LOGICAL_TIME);
        ferry_schema_t *ts = ferry_schema_logical(FERRY_LOGICAL_TIMESTAMP);
        cr_assert_eq(date->type, FERRY_TYPE_INT32);
        cr_assert_eq(time->type, FERRY_TYPE_INT32);
        cr_assert_eq(ts->type, FERRY_TYPE_INT64);
        cr_assert_eq(ts->version, 1);
        cr_assert_str_eq(ts->name, FERRY_LOGICAL_TIMESTAMP);
        cr_assert_null(ferry_schema_logical("com.example.Nope"));
        ferry_schema_unref(date);
        ferry_schema_unref(time);
        ferry_schema_unref(ts);
}

Test(data, refcounts)
{
        ferry_schema_t *items = ferry_schema_new(FERRY_TYPE_INT64);
        ferry_schema_ref(items);
        ferry_schema_t *arr = ferry_schema_array(items); /* takes one reference */
        cr_assert_eq(items->refcnt, 2);
        ferry_schema_unref(arr);
        cr_assert_eq(items->refcnt, 1);
        ferry_schema_unref(items);

        ferry_schema_t *s = person_schema();
        ferry_value_t *v = ferry_value_struct(s);
        cr_assert_eq(s->refcnt, 2);
        ferry_schema_unref(s); /* the value keeps it alive */
        cr_assert_eq(ferry_struct_put(v, "name", ferry_value_cstring("Ann")), 0);
        ferry_value_free(v);

        cr_assert_null(ferry_schema_array(NULL));
        cr_assert_null(
                ferry_schema_map(ferry_schema_new(FERRY_TYPE_STRING), NULL)); /* releases the key schema */
}

Test(data, schema_equal_and_copy)
{
        ferry_schema_t *a = person_schema(), *b = person_schema();
        cr_assert(ferry_schema_equal(a, b));
        cr_assert(ferry_schema_equal(NULL, NULL));
        cr_assert_not(ferry_schema_equal(a, NULL));

        ferry_schema_t *c = ferry_schema_copy(a);
        cr_assert(ferry_schema_equal(a, c));
        cr_assert_eq(c->refcnt, 1);
        cr_assert_eq(c->fields[1].schema, a->fields[1].schema); /* children shared */
        ferry_schema_set_name(c, "com.example.Person");
        cr_assert_not(ferry_schema_equal(a, c));
        cr_assert_null(a->name);

        ferry_schema_t *d = ferry_schema_copy(a);
        d->optional = true;
        cr_assert_not(ferry_schema_equal(a, d));
        d->optional = false;
        d->has_version = true;
        d->version = 3;
        cr_assert_not(ferry_schema_equal(a, d));

        /* parameters compare as a map */
        ferry_schema_t *p1 = ferry_schema_new(FERRY_TYPE_STRING), *p2 = ferry_schema_new(FERRY_TYPE_STRING);
        ferry_schema_set_param(p1, "x", "1");
        ferry_schema_set_param(p1, "y", "2");
        ferry_schema_set_param(p2, "y", "2");
        ferry_schema_set_param(p2, "x", "1");
        cr_assert(ferry_schema_equal(p1, p2));
        ferry_schema_set_param(p2, "x", "9");
        cr_assert_not(ferry_schema_equal(p1, p2));

        /* defaults take part */
        ferry_schema_t *d1 = ferry_schema_new(FERRY_TYPE_INT32), *d2 = ferry_schema_new(FERRY_TYPE_INT32);
        d1->default_value = ferry_value_int(FERRY_TYPE_INT32, 5);
        cr_assert_not(ferry_schema_equal(d1, d2));
        d2->default_value = ferry_value_int(FERRY_TYPE_INT32, 5);
        cr_assert(ferry_schema_equal(d1, d2));
        ferry_schema_t *d3 = ferry_schema_copy(d1);
        cr_assert(ferry_schema_equal(d1, d3));
        cr_assert_neq(d1->default_value, d3->default_value);

        ferry_schema_unref(a);
        ferry_schema_unref(b);
        ferry_schema_unref(c);
        ferry_schema_unref(d);
        ferry_schema_unref(p1);
        ferry_schema_unref(p2);
        ferry_schema_unref(d1);
        ferry_schema_unref(d2);
        ferry_schema_unref(d3);
}

Test(data, primitive_values)
{
        ferry_value_t *i = ferry_value_int(FERRY_TYPE_INT16, -300);
        ferry_value_t *f = ferry_value_float(FERRY_TYPE_FLOAT32, 0.1);
        ferry_value_t *d = ferry_value_float(FERRY_TYPE_FLOAT64, 0.1);
        ferry_value_t *b = ferry_value_bool(true);
        ferry_value_t *s = ferry_value_string("a\0b", 3);
        ferry_value_t *y = ferry_value_bytes("\x00\xff", 2);
        cr_assert_eq(i->u.i, -300);
        cr_assert_eq(f->u.f, (double)0.1f); /* stored at float precision */
        cr_assert_eq(d->u.f, 0.1);
        cr_assert(b->u.b);
        cr_assert_eq(s->u.s.len, 3);
        cr_assert_eq(s->u.s.data[3], '\0');
        cr_assert_eq(y->u.s.len, 2);
        cr_assert_eq(y->u.s.data[2], '\0');

        ferry_value_t *vals[] = {i, f, d, b, s, y};
        for (size_t k = 0; k < sizeof(vals) / sizeof(vals[0]); k++) {
                ferry_value_t *c = ferry_value_copy(vals[k]);
                cr_assert(ferry_value_equal(vals[k], c));
                cr_assert_neq(vals[k], c);
                for (size_t m = 0; m < sizeof(vals) / sizeof(vals[0]); m++)
                        if (m != k)
                                cr_assert_not(ferry_value_equal(vals[m], c));
                ferry_value_free(c);
        }
        /* same number, different type: not equal (Integer vs Long) */
        ferry_value_t *i32 = ferry_value_int(FERRY_TYPE_INT32, 7),
                      *i64 = ferry_value_int(FERRY_TYPE_INT64, 7);
        cr_assert_not(ferry_value_equal(i32, i64));
        /* Java's Double.equals */
        ferry_value_t *n1 = ferry_value_float(FERRY_TYPE_FLOAT64, NAN),
                      *n2 = ferry_value_float(FERRY_TYPE_FLOAT64, NAN);
        ferry_value_t *z1 = ferry_value_float(FERRY_TYPE_FLOAT64, 0.0),
                      *z2 = ferry_value_float(FERRY_TYPE_FLOAT64, -0.0);
        cr_assert(ferry_value_equal(n1, n2));
        cr_assert_not(ferry_value_equal(z1, z2));
        cr_assert(ferry_value_equal(NULL, NULL));
        cr_assert_not(ferry_value_equal(i32, NULL));
        cr_assert_null(ferry_value_cstring(NULL));
        ferry_value_t *all[] = {i, f, d, b, s, y, i32, i64, n1, n2, z1, z2};
        for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++)
                ferry_value_free(all[k]);
}

Test(data, arrays_and_maps)
{
        ferry_value_t *a = ferry_value_array();
        cr_assert_eq(ferry_array_append(a, ferry_value_int(FERRY_TYPE_INT64, 1)), 0);
        cr_assert_eq(ferry_array_append(a, NULL), 0);
        for (int k = 0; k < 100; k++)
                cr_assert_eq(ferry_array_append(a, ferry_value_cstring("x")), 0);
        cr_assert_eq(a->u.a.n, 102);
        cr_assert_null(a->u.a.items[1]);
        /* appending to a non-array releases the item */
        ferry_value_t *notarr = ferry_value_bool(false);
        cr_assert_eq(ferry_array_append(notarr, ferry_value_cstring("leak?")), -1);
        ferry_value_free(notarr);

        ferry_value_t *m = ferry_value_map();
        cr_assert_eq(ferry_map_put_str(m, "a", ferry_value_int(FERRY_TYPE_INT64, 1)), 0);
        cr_assert_eq(ferry_map_put_str(m, "b", ferry_value_int(FERRY_TYPE_INT64, 2)), 0);
        cr_assert_eq(ferry_map_put_str(m, "a", ferry_value_int(FERRY_TYPE_INT64, 3)), 0); /* replaces */
        cr_assert_eq(ferry_map_put(m, ferry_value_int(FERRY_TYPE_INT32, 5), ferry_value_cstring("five")), 0);
        cr_assert_eq(ferry_map_put_str(m, "n", NULL), 0);
        cr_assert_eq(m->u.m.n, 4);
        cr_assert_eq(ferry_map_get_str(m, "a")->u.i, 3);
        cr_assert_null(ferry_map_get_str(m, "n"));
        cr_assert_null(ferry_map_get_str(m, "zzz"));

        /* map equality ignores order */
        ferry_value_t *m2 = ferry_value_map();
        ferry_map_put_str(m2, "n", NULL);
        ferry_map_put(m2, ferry_value_int(FERRY_TYPE_INT32, 5), ferry_value_cstring("five"));
        ferry_map_put_str(m2, "b", ferry_value_int(FERRY_TYPE_INT64, 2));
        ferry_map_put_str(m2, "a", ferry_value_int(FERRY_TYPE_INT64, 3));
        cr_assert(ferry_value_equal(m, m2));
        ferry_map_put_str(m2, "b", ferry_value_int(FERRY_TYPE_INT64, 4));
        cr_assert_not(ferry_value_equal(m, m2));

        ferry_value_t *ac = ferry_value_copy(a), *mc = ferry_value_copy(m);
        cr_assert(ferry_value_equal(a, ac));
        cr_assert(ferry_value_equal(m, mc));
        ferry_value_free(ac->u.a.items[0]);
        ac->u.a.items[0] = ferry_value_int(FERRY_TYPE_INT64, 2);
        cr_assert_not(ferry_value_equal(a, ac));
        ferry_value_free(a);
        ferry_value_free(ac);
        ferry_value_free(m);
        ferry_value_free(m2);
        ferry_value_free(mc);
}

Test(data, structs)
{
        ferry_schema_t *s = person_schema();
        ferry_value_t *p = ferry_value_struct(s);
        ferry_value_t *addr = ferry_value_struct(s->fields[1].schema);
        cr_assert_eq(ferry_struct_put(addr, "street", ferry_value_cstring("Main St")), 0);
        cr_assert_eq(ferry_struct_put(addr, "zip", ferry_value_int(FERRY_TYPE_INT32, 12345)), 0);
        cr_assert_eq(ferry_struct_put(p, "name", ferry_value_cstring("Ann")), 0);
        cr_assert_eq(ferry_struct_put(p, "address", addr), 0);
        cr_assert_eq(ferry_struct_put(p, "missing", ferry_value_cstring("x")), -1);
        cr_assert_str_eq(ferry_struct_get(p, "name")->u.s.data, "Ann");
        cr_assert_eq(ferry_struct_get(ferry_struct_get(p, "address"), "zip")->u.i, 12345);
        cr_assert_null(ferry_struct_get(p, "tags"));
        cr_assert_null(ferry_struct_get(p, "missing"));
        cr_assert_null(ferry_value_struct(NULL));

        ferry_value_t *c = ferry_value_copy(p);
        cr_assert(ferry_value_equal(p, c));
        cr_assert_eq(c->u.st.schema, s);
        ferry_struct_put(c, "name", ferry_value_cstring("Bob"));
        cr_assert_not(ferry_value_equal(p, c));

        /* equal schemas in different objects still compare equal */
        ferry_schema_t *s2 = person_schema();
        ferry_value_t *q = ferry_value_struct(s2);
        ferry_value_t *addr2 = ferry_value_struct(s2->fields[1].schema);
        ferry_struct_put(addr2, "street", ferry_value_cstring("Main St"));
        ferry_struct_put(addr2, "zip", ferry_value_int(FERRY_TYPE_INT32, 12345));
        ferry_struct_put(q, "name", ferry_value_cstring("Ann"));
        ferry_struct_put(q, "address", addr2);
        cr_assert(ferry_value_equal(p, q));

        ferry_value_free(p);
        ferry_value_free(c);
        ferry_value_free(q);
        ferry_schema_unref(s);
        ferry_schema_unref(s2);
}

Test(data, validate_ok_and_paths)
{
        char err[256];
        ferry_schema_t *s = person_schema();
        ferry_value_t *p = ferry_value_struct(s);
        ferry_value_t *addr = ferry_value_struct(s->fields[1].schema);
        ferry_struct_put(addr, "street", ferry_value_cstring("Main St"));
        ferry_struct_put(addr, "zip", ferry_value_cstring("12345"));
        ferry_struct_put(p, "name", ferry_value_cstring("Ann"));
        ferry_struct_put(p, "address", addr);

        cr_assert_eq(ferry_value_validate(s, p, err, sizeof(err)), -1);
        cr_assert_str_eq(err, "field \"address.zip\": expected int32, got string");

        ferry_struct_put(addr, "zip", ferry_value_int(FERRY_TYPE_INT32, 12345));
        cr_assert_eq(ferry_value_validate(s, p, err, sizeof(err)), 0);

        ferry_value_t *tags = ferry_value_array();
        ferry_array_append(tags, ferry_value_cstring("a"));
        ferry_array_append(tags, ferry_value_int(FERRY_TYPE_INT64, 2));
        ferry_struct_put(p, "tags", tags);
        cr_assert_eq(ferry_value_validate(s, p, err, sizeof(err)), -1);
        cr_assert_str_eq(err, "field \"tags[1]\": expected string, got int64");

        ferry_struct_put(p, "tags", NULL); /* optional */
        ferry_struct_put(p, "name", NULL); /* required */
        cr_assert_eq(ferry_value_validate(s, p, err, sizeof(err)), -1);
        cr_assert_str_eq(err, "field \"name\": null used for required string");

        /* a required field with a default may be left null */
        ferry_value_t *zero = ferry_value_int(FERRY_TYPE_INT32, 0);
        cr_assert_eq(ferry_value_validate(NULL, zero, err, sizeof(err)), 0); /* no schema: anything goes */
        ferry_value_free(zero);

        ferry_value_free(p);
        ferry_schema_unref(s);
}

Test(data, validate_top_level_defaults_ranges_maps)
{
        char err[256];
        ferry_schema_t *i8 = ferry_schema_new(FERRY_TYPE_INT8);
        ferry_value_t *big = ferry_value_int(FERRY_TYPE_INT8, 300);
        cr_assert_eq(ferry_value_validate(i8, big, err, sizeof(err)), -1);
        cr_assert_str_eq(err, "value: value 300 out of range for int8");
        cr_assert_eq(ferry_value_validate(i8, NULL, err, sizeof(err)), -1);
        cr_assert_str_eq(err, "value: null used for required int8");
        i8->optional = true;
        cr_assert_eq(ferry_value_validate(i8, NULL, err, sizeof(err)), 0);
        ferry_value_free(big);
        ferry_schema_unref(i8);

        ferry_schema_t *st = ferry_schema_new(FERRY_TYPE_STRUCT);
        ferry_schema_t *withdef = ferry_schema_new(FERRY_TYPE_INT32);
        withdef->default_value = ferry_value_int(FERRY_TYPE_INT32, 7);
        ferry_schema_add_field(st, "n", withdef);
        ferry_value_t *v = ferry_value_struct(st);
        cr_assert_eq(ferry_value_validate(st, v, err, sizeof(err)), 0);
        ferry_value_free(v);

        /* a struct value must carry the field's schema */
        ferry_schema_t *other = address_schema();
        ferry_value_t *ov = ferry_value_struct(other);
        cr_assert_eq(ferry_value_validate(st, ov, err, sizeof(err)), -1);
        cr_assert_str_eq(err, "value: struct schema does not match the field's schema");
        ferry_value_free(ov);
        ferry_schema_unref(other);
        ferry_schema_unref(st);

        ferry_schema_t *m =
                ferry_schema_map(ferry_schema_new(FERRY_TYPE_STRING), ferry_schema_new(FERRY_TYPE_INT64));
        ferry_value_t *mv = ferry_value_map();
        ferry_map_put_str(mv, "ok", ferry_value_int(FERRY_TYPE_INT64, 1));
        ferry_map_put_str(mv, "bad", ferry_value_bool(true));
        cr_assert_eq(ferry_value_validate(m, mv, err, sizeof(err)), -1);
        cr_assert_str_eq(err, "field \"[bad]\": expected int64, got boolean");
        ferry_value_free(mv);
        mv = ferry_value_map();
        ferry_map_put(mv, ferry_value_int(FERRY_TYPE_INT64, 1), ferry_value_int(FERRY_TYPE_INT64, 1));
        cr_assert_eq(ferry_value_validate(m, mv, err, sizeof(err)), -1);
        cr_assert_str_eq(err, "field \"[#0](key)\": expected string, got int64");
        ferry_value_free(mv);
        ferry_schema_unref(m);

        /* tiny error buffers are fine */
        ferry_schema_t *b = ferry_schema_new(FERRY_TYPE_BOOLEAN);
        ferry_value_t *sv = ferry_value_cstring("x");
        char tiny[4];
        cr_assert_eq(ferry_value_validate(b, sv, tiny, sizeof(tiny)), -1);
        cr_assert_eq(ferry_value_validate(b, sv, NULL, 0), -1);
        ferry_value_free(sv);
        ferry_schema_unref(b);
}

static void check_double(double v, bool f32, const char *want)
{
        char out[32];
        size_t n = ferry_format_double(v, f32, out);
        cr_assert_str_eq(out, want, "%.17g (float32=%d): got %s, want %s", v, f32, out, want);
        cr_assert_eq(n, strlen(want));
}

Test(data, java_double_text)
{
        check_double(1.5, false, "1.5");
        check_double(3.0, false, "3.0");
        check_double(-3.0, false, "-3.0");
        check_double(100.0, false, "100.0");
        check_double(0.1, false, "0.1");
        check_double(0.001, false, "0.001");
        check_double(0.0001, false, "1.0E-4");
        check_double(0.00012, false, "1.2E-4");
        check_double(1234567.0, false, "1234567.0");
        check_double(9999999.0, false, "9999999.0");
        check_double(1e7, false, "1.0E7");
        check_double(1e10, false, "1.0E10");
        check_double(1.2345e10, false, "1.2345E10");
        check_double(123456.789, false, "123456.789");
        check_double(0.0, false, "0.0");
        check_double(-0.0, false, "-0.0");
        check_double(1.0 / 3.0, false, "0.3333333333333333");
        check_double(2.0 / 3.0, false, "0.6666666666666666");
        check_double(1.7976931348623157e308, false, "1.7976931348623157E308");
        check_double(4.9e-324, false, "4.9E-324");
        check_double(2.2250738585072014e-308, false, "2.2250738585072014E-308");
        check_double(NAN, false, "NaN");
        check_double(INFINITY, false, "Infinity");
        check_double(-INFINITY, false, "-Infinity");
        check_double(0.1f, true, "0.1");
        check_double(12.34f, true, "12.34");
        check_double(3.4028235e38f, true, "3.4028235E38");
        check_double(1.4e-45f, true, "1.4E-45");
        check_double(16777216.0f, true, "1.6777216E7");
        check_double(1.0f, true, "1.0");
}

static void check_decimal(const char *text, int scale, const unsigned char *want, size_t want_len,
                          const char *back)
{
        char err[128] = "";
        ferry_value_t *v = ferry_decimal_parse(text, strlen(text), scale, err, sizeof(err));
        cr_assert_not_null(v, "%s: %s", text, err);
        cr_assert_eq(v->type, FERRY_TYPE_BYTES);
        cr_assert_eq(v->u.s.len, want_len, "%s: %zu bytes", text, v->u.s.len);
        cr_assert_eq(memcmp(v->u.s.data, want, want_len), 0, "%s", text);
        char *s = ferry_decimal_format(v->u.s.data, v->u.s.len, scale);
        cr_assert_str_eq(s, back);
        free(s);
        ferry_value_free(v);
}

Test(data, decimals)
{
        check_decimal("1.23", 2, (const unsigned char *)"\x7b", 1, "1.23");
        check_decimal("1.56", 2, (const unsigned char *)"\x00\x9c", 2, "1.56");
        check_decimal("-1.23", 2, (const unsigned char *)"\x85", 1, "-1.23");
        check_decimal("0", 2, (const unsigned char *)"\x00", 1, "0.00");
        check_decimal("1.5", 4, (const unsigned char *)"\x3a\x98", 2, "1.5000");
        check_decimal("128", 0, (const unsigned char *)"\x00\x80", 2, "128");
        check_decimal("-128", 0, (const unsigned char *)"\x80", 1, "-128");
        check_decimal("-129", 0, (const unsigned char *)"\xff\x7f", 2, "-129");
        check_decimal("1e2", 0, (const unsigned char *)"\x64", 1, "100");
        check_decimal("1.230", 2, (const unsigned char *)"\x7b", 1, "1.23");
        check_decimal("0.05", 2, (const unsigned char *)"\x05", 1, "0.05");
        check_decimal("-0.00000123", 8, (const unsigned char *)"\x85", 1, "-0.00000123");
        check_decimal("1E-10", 10, (const unsigned char *)"\x01", 1, "1E-10");
        check_decimal("12300", -2, (const unsigned char *)"\x7b", 1, "1.23E+4");
        check_decimal("-1", 0, (const unsigned char *)"\xff", 1, "-1");
        check_decimal("123456789012345678901234567890", 0,
                      (const unsigned char *)"\x01\x8e\xe9\x0f\xf6\xc3\x73\xe0\xee\x4e\x3f\x0a\xd2", 13,
                      "123456789012345678901234567890");

        char err[128];
        cr_assert_null(ferry_decimal_parse("1.234", 5, 2, err, sizeof(err)));
        cr_assert_str_eq(err, "decimal number \"1.234\" has more fraction digits than scale 2");
        cr_assert_null(ferry_decimal_parse("abc", 3, 2, err, sizeof(err)));
        cr_assert_str_eq(err, "invalid decimal number \"abc\"");
        cr_assert_null(ferry_decimal_parse("1e", 2, 2, err, sizeof(err)));
        cr_assert_null(ferry_decimal_parse("1e99999", 7, 0, err, sizeof(err)));
        cr_assert_str_eq(err, "decimal number \"1e99999\" out of range");
        cr_assert_null(ferry_decimal_format("", 0, 2));

        ferry_schema_t *s = ferry_schema_new(FERRY_TYPE_BYTES);
        int scale;
        cr_assert_eq(ferry_decimal_scale(s, &scale), -1);
        ferry_schema_set_param(s, "scale", "x");
        cr_assert_eq(ferry_decimal_scale(s, &scale), -1);
        ferry_schema_set_param(s, "scale", "-3");
        cr_assert_eq(ferry_decimal_scale(s, &scale), 0);
        cr_assert_eq(scale, -3);
        ferry_schema_unref(s);
}

Test(record, lifecycle)
{
        ferry_schema_t *ks = ferry_schema_new(FERRY_TYPE_STRING);
        ferry_schema_t *vs = person_schema();
        ferry_value_t *v = ferry_value_struct(vs);
        ferry_struct_put(v, "name", ferry_value_cstring("Ann"));
        ferry_record_t *r = ferry_record_new("people", ks, ferry_value_cstring("k1"), vs, v);
        cr_assert_not_null(r);
        cr_assert_str_eq(r->topic, "people");
        cr_assert_eq(r->partition, -1);
        cr_assert_eq(r->timestamp, -1);
        cr_assert_eq(r->value_schema, vs);
        for (int i = 0; i < 10; i++)
                cr_assert_eq(ferry_record_add_header(r, "h", ferry_schema_new(FERRY_TYPE_INT32),
                                                     ferry_value_int(FERRY_TYPE_INT32, i)),
                             0);
        cr_assert_eq(ferry_record_add_header(r, "null", NULL, NULL), 0);
        cr_assert_eq(r->n_headers, 11);
        r->source_partition = ferry_value_map();
        ferry_map_put_str(r->source_partition, "file", ferry_value_cstring("/tmp/x"));
        r->source_offset = ferry_value_map();
        ferry_map_put_str(r->source_offset, "position", ferry_value_int(FERRY_TYPE_INT64, 42));
        r->timestamp = 1700000000000;
        r->kafka_offset = 7;
        r->partition = 3;

        ferry_record_t *c = ferry_record_copy(r);
        cr_assert_str_eq(c->topic, "people");
        cr_assert_eq(c->partition, 3);
        cr_assert_eq(c->timestamp, 1700000000000);
        cr_assert_eq(c->kafka_offset, 7);
        cr_assert_eq(c->value_schema, vs); /* shared reference */
        cr_assert_neq(c->value, r->value);
        cr_assert(ferry_value_equal(c->value, r->value));
        cr_assert(ferry_value_equal(c->key, r->key));
        cr_assert(ferry_value_equal(c->source_offset, r->source_offset));
        cr_assert_eq(c->n_headers, 11);
        cr_assert_eq(c->headers[9].value->u.i, 9);
        cr_assert_null(c->headers[10].value);

        cr_assert_eq(ferry_record_set_topic(c, "other"), 0);
        cr_assert_str_eq(c->topic, "other");
        cr_assert_str_eq(r->topic, "people");

        ferry_records_t batch = {0};
        cr_assert_eq(ferry_records_push(&batch, r), 0);
        cr_assert_eq(ferry_records_push(&batch, c), 0);
        for (int i = 0; i < 40; i++)
                cr_assert_eq(ferry_records_push(&batch, ferry_record_new("t", NULL, NULL, NULL, NULL)), 0);
        cr_assert_eq(batch.n, 42);
        ferry_records_clear(&batch);
        cr_assert_eq(batch.n, 0);
        cr_assert_eq(ferry_records_push(&batch, ferry_record_new("t", NULL, NULL, NULL, NULL)), 0);
        ferry_records_free(&batch);
        cr_assert_null(batch.recs);
        cr_assert_eq(ferry_records_push(&batch, NULL), -1);
        ferry_record_free(NULL);
}
