/* Unit tests for the JsonConverter envelope scanner (worker/plugins/json_envelope.c) and for the
 * converter's use of it: records that repeat the last schema text have only their payload parsed,
 * and must read exactly as a converter without any schema cache reads them, errors included. */
#include "../../worker/plugins/builtin.h"
#include "../../worker/plugins/json_envelope.h"

#include <ferry/converter.h>

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool spans(const char *json, char *schema, char *payload)
{
        ferry_json_span_t s, p;
        if (!ferry_json_envelope_spans(json, strlen(json), &s, &p))
                return false;
        snprintf(schema, 256, "%.*s", (int)s.len, json + s.off);
        snprintf(payload, 256, "%.*s", (int)p.len, json + p.off);
        return true;
}

Test(json_envelope, finds_both_members)
{
        char s[256], p[256];
        cr_assert(spans("{\"schema\":{\"type\":\"int32\"},\"payload\":12}", s, p));
        cr_assert_str_eq(s, "{\"type\":\"int32\"}");
        cr_assert_str_eq(p, "12");
        cr_assert(spans(" \n{ \"payload\" : [1,{\"a\":\"]}\"}] ,\t\"schema\" : null }\r\n", s, p));
        cr_assert_str_eq(s, "null");
        cr_assert_str_eq(p, "[1,{\"a\":\"]}\"}]");
        cr_assert(spans("{\"schema\":{\"doc\":\"a \\\"}\\\" b\"},\"payload\":\"x\\\\\"}", s, p));
        cr_assert_str_eq(s, "{\"doc\":\"a \\\"}\\\" b\"}");
        cr_assert_str_eq(p, "\"x\\\\\"");
        cr_assert(spans("{\"schema\":{\"type\":\"struct\",\"fields\":[]},\"payload\":{\"a\":{\"b\":[]}}}", s,
                        p));
        cr_assert_str_eq(p, "{\"a\":{\"b\":[]}}");
}

Test(json_envelope, refuses_everything_else)
{
        char s[256], p[256];
        const char *bad[] = {
                "",
                "{}",
                "[]",
                "{\"schema\":1}",
                "{\"payload\":1}",
                "{\"schema\":1,\"schema\":2}",
                "{\"schema\":1,\"payload\":2,\"extra\":3}",
                "{\"schema\":1,\"payload\":2} x",
                "{\"schema\":1,\"payload\":2}}",
                "{\"schema\":1,\"payload\":{\"a\":1}",
                "{\"schema\":1,\"payload\":\"open}",
                "{\"sch\\u0065ma\":1,\"payload\":2}",
                "{\"schema\":,\"payload\":2}",
                "{\"schema\":1 \"payload\":2}",
                "{\"schema\" 1,\"payload\":2}",
                "{'schema':1,'payload':2}",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                cr_assert_not(spans(bad[i], s, p), "accepted %s", bad[i]);
        /* bytes after a NUL count */
        static const char nul[] = "{\"schema\":null,\"payload\":1}\0x";
        ferry_json_span_t a, b;
        cr_assert_not(ferry_json_envelope_spans(nul, sizeof(nul) - 1, &a, &b));
}

static void *conv(const char *cache_size)
{
        ferry_strmap_t m;
        ferry_strmap_init(&m);
        ferry_strmap_set(&m, "schemas.enable", "true");
        ferry_strmap_set(&m, "schemas.cache.size", cache_size);
        void *st = NULL;
        char err[512] = "";
        cr_assert_eq(ferry_json_converter.configure(&st, &m, false, err, sizeof(err)), FERRY_ERR_OK, "%s",
                     err);
        ferry_strmap_free(&m);
        return st;
}

/* Reads json with a cached converter (after prime, which sets its last schema text) and with an
 * uncached one; both must agree on success, schema, value and error text. */
static void same_as_uncached(const char *prime, const char *json)
{
        void *cached = conv("1000"), *plain = conv("0");
        ferry_schema_t *s = NULL;
        ferry_value_t *v = NULL;
        char e1[512] = "", e2[512] = "";
        cr_assert_eq(
                ferry_json_converter.to_connect(cached, "t", prime, strlen(prime), &s, &v, e1, sizeof(e1)),
                FERRY_ERR_OK, "prime %s: %s", prime, e1);
        ferry_schema_unref(s);
        ferry_value_free(v);
        ferry_schema_t *s1 = NULL, *s2 = NULL;
        ferry_value_t *v1 = NULL, *v2 = NULL;
        ferry_err_t r1 =
                ferry_json_converter.to_connect(cached, "t", json, strlen(json), &s1, &v1, e1, sizeof(e1));
        ferry_err_t r2 =
                ferry_json_converter.to_connect(plain, "t", json, strlen(json), &s2, &v2, e2, sizeof(e2));
        cr_assert_eq(r1, r2, "%s: %d (%s) vs %d (%s)", json, r1, e1, r2, e2);
        if (r1 == FERRY_ERR_OK) {
                cr_assert(ferry_schema_equal(s1, s2), "%s: schemas differ", json);
                cr_assert(ferry_value_equal(v1, v2), "%s: values differ", json);
        } else {
                cr_assert_str_eq(e1, e2, "%s", json);
                cr_assert_null(s1);
                cr_assert_null(v1);
        }
        ferry_schema_unref(s1);
        ferry_schema_unref(s2);
        ferry_value_free(v1);
        ferry_value_free(v2);
        ferry_json_converter.close(cached);
        ferry_json_converter.close(plain);
}

#define ROW_SCHEMA                                                                                           \
        "{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":false,\"field\":\"id\"},"         \
        "{\"type\":\"string\",\"optional\":true,\"field\":\"name\"}],\"optional\":false,\"name\":\"row\"}"

Test(json_envelope, cached_schema_reads_as_uncached)
{
        const char *prime = "{\"schema\":" ROW_SCHEMA ",\"payload\":{\"id\":1,\"name\":\"a\"}}";
        const char *inputs[] = {
                "{\"schema\":" ROW_SCHEMA ",\"payload\":{\"id\":2,\"name\":\"b\"}}",
                "{\"payload\":{\"id\":3,\"name\":null},\"schema\":" ROW_SCHEMA "}",
                " {\"schema\": " ROW_SCHEMA " , \"payload\" : {\"id\":4} } ",
                /* payload errors: malformed, wrong type, missing required field, trailing bytes */
                "{\"schema\":" ROW_SCHEMA ",\"payload\":{\"id\":5,}}",
                "{\"schema\":" ROW_SCHEMA ",\"payload\":{\"id\":\"x\"}}",
                "{\"schema\":" ROW_SCHEMA ",\"payload\":{\"name\":\"c\"}}",
                "{\"schema\":" ROW_SCHEMA ",\"payload\":{\"id\":6}}x",
                "{\"schema\":" ROW_SCHEMA ",\"payload\":{\"id\":7,\"name\":\"\xff\"}}",
                "{\"schema\":" ROW_SCHEMA ",\"payload\":01}",
                "{\"schema\":" ROW_SCHEMA ",\"payload\":null}",
                "{\"schema\":" ROW_SCHEMA ",\"payload\":{\"id\":8},\"extra\":1}",
        };
        for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
                same_as_uncached(prime, inputs[i]);
        /* schema null, and a bare number as the last payload byte */
        same_as_uncached("{\"schema\":null,\"payload\":1}", "{\"schema\":null,\"payload\":{\"a\":[1,2]}}");
        same_as_uncached("{\"schema\":{\"type\":\"int32\"},\"payload\":1}",
                         "{\"schema\":{\"type\":\"int32\"},\"payload\":42}");
        same_as_uncached("{\"schema\":{\"type\":\"int32\"},\"payload\":1}",
                         "{\"schema\":{\"type\":\"int32\"},\"payload\":42 }");
}

Test(json_envelope, schema_change_is_read)
{
        void *c = conv("1000");
        const char *a = "{\"schema\":{\"type\":\"int32\"},\"payload\":1}";
        const char *b = "{\"schema\":{\"type\":\"string\"},\"payload\":\"x\"}";
        const char *seq[] = {a, a, b, b, a};
        ferry_type_t want[] = {FERRY_TYPE_INT32, FERRY_TYPE_INT32, FERRY_TYPE_STRING, FERRY_TYPE_STRING,
                               FERRY_TYPE_INT32};
        for (size_t i = 0; i < 5; i++) {
                ferry_schema_t *s = NULL;
                ferry_value_t *v = NULL;
                char err[256] = "";
                cr_assert_eq(ferry_json_converter.to_connect(c, "t", seq[i], strlen(seq[i]), &s, &v, err,
                                                             sizeof(err)),
                             FERRY_ERR_OK, "%s", err);
                cr_assert_eq(s->type, want[i], "record %zu", i);
                cr_assert_eq(v->type, want[i], "record %zu", i);
                ferry_schema_unref(s);
                ferry_value_free(v);
        }
        ferry_json_converter.close(c);
}

Test(json_envelope, known_schema_gives_the_same_spans)
{
        const char *known[] = {"{\"type\":\"int32\"}", "null", "12", "\"s\"", "[1]"};
        const char *inputs[] = {
                "{\"schema\":{\"type\":\"int32\"},\"payload\":1}",
                "{\"schema\":{\"type\":\"int32\"}x,\"payload\":1}",
                "{\"schema\":null,\"payload\":1}",
                "{\"schema\":nullx,\"payload\":1}",
                "{\"schema\":12,\"payload\":1}",
                "{\"schema\":123,\"payload\":1}",
                "{\"schema\":12 ,\"payload\":1}",
                "{\"payload\":1,\"schema\":12}",
                "{\"schema\":\"s\",\"payload\":1}",
                "{\"schema\":\"s\"\"t\",\"payload\":1}",
                "{\"schema\":[1],\"payload\":1}",
                "{\"schema\":[1]]],\"payload\":1}",
                "{\"schema\":12",
        };
        for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
                for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
                        ferry_json_span_t s1 = {0}, p1 = {0}, s2 = {0}, p2 = {0};
                        bool a = ferry_json_envelope_spans(inputs[i], strlen(inputs[i]), &s1, &p1);
                        bool b = ferry_json_envelope_spans_known(inputs[i], strlen(inputs[i]), known[k],
                                                                 strlen(known[k]), &s2, &p2);
                        cr_assert_eq(a, b, "%s with %s", inputs[i], known[k]);
                        if (a)
                                cr_assert(s1.off == s2.off && s1.len == s2.len && p1.off == p2.off &&
                                                  p1.len == p2.len,
                                          "%s with %s", inputs[i], known[k]);
                }
        }
}
