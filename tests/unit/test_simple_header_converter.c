/* Unit tests for SimpleHeaderConverter (header values as text, Connect's Values inference on read)
 * and for the config providers (file, env, directory placeholders, reverse transform, secrets). */
#include "core/config_providers.h"
#include "../../worker/plugins/builtin.h"

#include <ferry/converter.h>

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const ferry_converter_plugin_t *const H = &ferry_simple_header_converter;

static char *write_text(const ferry_schema_t *s, const ferry_value_t *v)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        bool is_null = false;
        char err[256] = "";
        cr_assert_eq(H->from_connect(NULL, "t", s, v, &b, &is_null, err, sizeof(err)), FERRY_ERR_OK, "%s",
                     err);
        if (is_null) {
                ferry_buf_free(&b);
                return NULL;
        }
        return b.p ? ferry_buf_steal(&b) : strdup("");
}

/* Parses text; returns the value and its schema type (-1 when schemaless). */
static ferry_value_t *read_text(const char *s, int *type, ferry_schema_t **schema_out)
{
        ferry_schema_t *schema = NULL;
        ferry_value_t *v = NULL;
        char err[256] = "";
        cr_assert_eq(H->to_connect(NULL, "t", s, s ? strlen(s) : 0, &schema, &v, err, sizeof(err)),
                     FERRY_ERR_OK);
        *type = schema ? (int)schema->type : -1;
        if (schema_out)
                *schema_out = schema;
        else
                ferry_schema_unref(schema);
        return v;
}

Test(simple_header_converter, writes_text_forms)
{
        ferry_value_t *v = ferry_value_int(FERRY_TYPE_INT32, 42);
        char *t = write_text(NULL, v);
        cr_assert_str_eq(t, "42");
        free(t);
        ferry_value_free(v);
        v = ferry_value_bool(true);
        t = write_text(NULL, v);
        cr_assert_str_eq(t, "true");
        free(t);
        ferry_value_free(v);
        v = ferry_value_cstring("plain \"text\"");
        t = write_text(NULL, v);
        cr_assert_str_eq(t, "plain \"text\"");
        free(t);
        ferry_value_free(v);
        v = ferry_value_array();
        ferry_array_append(v, ferry_value_int(FERRY_TYPE_INT64, 1));
        ferry_array_append(v, ferry_value_cstring("a\"b"));
        t = write_text(NULL, v);
        cr_assert_str_eq(t, "[1,\"a\\\"b\"]");
        free(t);
        ferry_value_free(v);
        v = ferry_value_map();
        ferry_map_put_str(v, "k", ferry_value_float(FERRY_TYPE_FLOAT64, 1.5));
        t = write_text(NULL, v);
        cr_assert_str_eq(t, "{\"k\":1.5}");
        free(t);
        ferry_value_free(v);
        v = ferry_value_bytes("hi!", 3);
        t = write_text(NULL, v);
        cr_assert_str_eq(t, "aGkh");
        free(t);
        ferry_value_free(v);
        ferry_schema_t *ts = ferry_schema_logical(FERRY_LOGICAL_TIMESTAMP);
        v = ferry_value_int(FERRY_TYPE_INT64, 86400000LL + 3723004);
        t = write_text(ts, v);
        cr_assert_str_eq(t, "1970-01-02T01:02:03.004Z");
        free(t);
        ferry_value_free(v);
        ferry_schema_unref(ts);
        cr_assert_null(write_text(NULL, NULL));
}

Test(simple_header_converter, infers_types)
{
        int type;
        ferry_value_t *v = read_text("true", &type, NULL);
        cr_assert_eq(type, FERRY_TYPE_BOOLEAN);
        cr_assert(v->u.b);
        ferry_value_free(v);
        v = read_text("12", &type, NULL);
        cr_assert_eq(type, FERRY_TYPE_INT8);
        cr_assert_eq(v->u.i, 12);
        ferry_value_free(v);
        v = read_text("40000", &type, NULL);
        cr_assert_eq(type, FERRY_TYPE_INT32);
        ferry_value_free(v);
        v = read_text("-9000000000", &type, NULL);
        cr_assert_eq(type, FERRY_TYPE_INT64);
        cr_assert_eq(v->u.i, -9000000000LL);
        ferry_value_free(v);
        v = read_text("1.5", &type, NULL);
        cr_assert_eq(type, FERRY_TYPE_FLOAT32);
        cr_assert_float_eq(v->u.f, 1.5, 1e-9);
        ferry_value_free(v);
        v = read_text("1e300", &type, NULL);
        cr_assert_eq(type, FERRY_TYPE_FLOAT64);
        ferry_value_free(v);
        v = read_text("hello world", &type, NULL);
        cr_assert_eq(type, FERRY_TYPE_STRING);
        cr_assert_str_eq(v->u.s.data, "hello world");
        ferry_value_free(v);
        v = read_text("true story", &type, NULL);
        cr_assert_eq(type, FERRY_TYPE_STRING);
        ferry_value_free(v);
        v = read_text("", &type, NULL);
        cr_assert_eq(type, FERRY_TYPE_STRING);
        cr_assert_eq(v->u.s.len, 0);
        ferry_value_free(v);
        ferry_schema_t *s;
        v = read_text("[1, 2, 3]", &type, &s);
        cr_assert_eq(type, FERRY_TYPE_ARRAY);
        cr_assert_eq(s->items->type, FERRY_TYPE_INT8);
        cr_assert_eq(v->u.a.n, 3);
        cr_assert_eq(v->u.a.items[2]->u.i, 3);
        ferry_schema_unref(s);
        ferry_value_free(v);
        v = read_text("[1, \"x\"]", &type, NULL);
        cr_assert_eq(type, -1, "mixed elements are schemaless");
        cr_assert_eq(v->u.a.n, 2);
        ferry_value_free(v);
        v = read_text("{\"a\":1,\"b\":2}", &type, &s);
        cr_assert_eq(type, FERRY_TYPE_MAP);
        cr_assert_eq(s->keys->type, FERRY_TYPE_STRING);
        cr_assert_eq(ferry_map_get_str(v, "b")->u.i, 2);
        ferry_schema_unref(s);
        ferry_value_free(v);
        v = read_text("[1, 2", &type, NULL);
        cr_assert_eq(type, FERRY_TYPE_STRING, "an unclosed array stays a string");
        ferry_value_free(v);
        v = read_text("2024-02-29", &type, &s);
        cr_assert_eq(type, FERRY_TYPE_INT32);
        cr_assert_str_eq(s->name, FERRY_LOGICAL_DATE);
        cr_assert_eq(v->u.i, 19782);
        ferry_schema_unref(s);
        ferry_value_free(v);
        v = read_text("1970-01-02T01:02:03.004Z", &type, &s);
        cr_assert_str_eq(s->name, FERRY_LOGICAL_TIMESTAMP);
        cr_assert_eq(v->u.i, 86400000LL + 3723004);
        ferry_schema_unref(s);
        ferry_value_free(v);
        cr_assert_null(read_text(NULL, &type, NULL));
}

Test(simple_header_converter, round_trips_through_text)
{
        ferry_value_t *v = ferry_value_map();
        ferry_value_t *arr = ferry_value_array();
        ferry_array_append(arr, ferry_value_bool(false));
        ferry_map_put_str(v, "list", arr);
        ferry_map_put_str(v, "s", ferry_value_cstring("x,y:z"));
        char *t = write_text(NULL, v);
        int type;
        ferry_value_t *back = read_text(t, &type, NULL);
        cr_assert_eq(type, -1);
        cr_assert(ferry_value_equal(v, back), "round trip of %s", t);
        free(t);
        ferry_value_free(v);
        ferry_value_free(back);
}

static void providers(ferry_strmap_t *w)
{
        ferry_strmap_init(w);
        ferry_strmap_set(w, "config.providers", "file,env,directory");
        ferry_strmap_set(w, "config.providers.file.class",
                         "org.apache.kafka.common.config.provider.FileConfigProvider");
        ferry_strmap_set(w, "config.providers.env.class", "EnvVarConfigProvider");
        ferry_strmap_set(w, "config.providers.directory.class",
                         "org.apache.kafka.common.config.provider.DirectoryConfigProvider");
}

Test(config_providers, resolves_file_env_directory)
{
        char dir[] = "/tmp/ferry-cp-XXXXXX";
        cr_assert_not_null(mkdtemp(dir));
        char path[256], tok[256];
        snprintf(path, sizeof(path), "%s/s.properties", dir);
        snprintf(tok, sizeof(tok), "%s/token", dir);
        FILE *f = fopen(path, "w");
        fputs("password=hunter2\nuser = bob\n", f);
        fclose(f);
        f = fopen(tok, "w");
        fputs("tok\n", f);
        fclose(f);
        setenv("FERRY_CP_TEST", "from-env", 1);
        ferry_strmap_t w, src, dst;
        providers(&w);
        ferry_strmap_init(&src);
        char v[512];
        snprintf(v, sizeof(v), "${file:%s:password}", path);
        ferry_strmap_set(&src, "db.password", v);
        snprintf(v, sizeof(v), "u=${file:%s:user};e=${env:FERRY_CP_TEST}", path);
        ferry_strmap_set(&src, "mixed", v);
        snprintf(v, sizeof(v), "${directory:%s:token}", dir);
        ferry_strmap_set(&src, "token", v);
        ferry_strmap_set(&src, "unknown", "${vault:x:y}");
        ferry_strmap_set(&src, "missing", "${env:FERRY_CP_NOT_SET}");
        ferry_strmap_set(&src, "plain", "x");
        char err[512] = "";
        cr_assert_eq(ferry_config_resolve(&w, &src, &dst, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(ferry_strmap_get(&dst, "db.password"), "hunter2");
        cr_assert_str_eq(ferry_strmap_get(&dst, "mixed"), "u=bob;e=from-env");
        cr_assert_str_eq(ferry_strmap_get(&dst, "token"), "tok\n");
        cr_assert_str_eq(ferry_strmap_get(&dst, "unknown"), "${vault:x:y}");
        cr_assert_str_eq(ferry_strmap_get(&dst, "missing"), "${env:FERRY_CP_NOT_SET}");
        cr_assert_str_eq(ferry_strmap_get(&dst, "plain"), "x");

        /* Task configs derived from the resolved config get the placeholders back. */
        ferry_strmap_t task;
        ferry_strmap_init(&task);
        ferry_strmap_copy(&task, &dst);
        ferry_config_unresolve(&src, &dst, &task, 1);
        cr_assert_str_eq(ferry_strmap_get(&task, "db.password"), ferry_strmap_get(&src, "db.password"));
        cr_assert_str_eq(ferry_strmap_get(&task, "mixed"), ferry_strmap_get(&src, "mixed"));
        ferry_strmap_free(&task);
        ferry_strmap_free(&dst);

        /* An unreadable file is an error naming the key; allowed.paths fences the directory provider. */
        ferry_strmap_set(&src, "bad", "${file:/nonexistent/x.properties:k}");
        cr_assert_eq(ferry_config_resolve(&w, &src, &dst, err, sizeof(err)), -1);
        cr_assert(strstr(err, "bad: Could not read properties from file /nonexistent/x.properties"), "%s",
                  err);
        ferry_strmap_unset(&src, "bad");
        ferry_strmap_set(&w, "config.providers.directory.param.allowed.paths", "/elsewhere");
        cr_assert_eq(ferry_config_resolve(&w, &src, &dst, err, sizeof(err)), -1);
        cr_assert(strstr(err, "token: The path"), "%s", err);

        ferry_strmap_free(&src);
        ferry_strmap_free(&w);
        unlink(path);
        unlink(tok);
        rmdir(dir);
}

Test(config_providers, secrets_and_classes)
{
        cr_assert(ferry_config_is_secret(NULL, "producer.override.sasl.jaas.config"));
        cr_assert(ferry_config_is_secret(NULL, "connection.password"));
        cr_assert_not(ferry_config_is_secret(NULL, "topics"));
        ferry_strmap_t w;
        providers(&w);
        char err[256];
        cr_assert_eq(ferry_config_providers_check(&w, err, sizeof(err)), 0);
        ferry_strmap_set(&w, "config.providers.env.class", "com.example.Vault");
        cr_assert_eq(ferry_config_providers_check(&w, err, sizeof(err)), -1);
        cr_assert(strstr(err, "config.providers.env.class"), "%s", err);
        ferry_strmap_free(&w);
}

Test(config_providers, url_credentials_are_masked_for_logs)
{
        char *m = ferry_config_mask_value("jdbc:mysql://db:3306/shop?user=app&password=s3cret&useSSL=false");
        cr_assert_str_eq(m, "jdbc:mysql://db:3306/shop?user=app&password=[hidden]&useSSL=false");
        free(m);
        m = ferry_config_mask_value("jdbc:postgresql://app:s3cret@db/shop;PWD=x");
        cr_assert_str_eq(m, "jdbc:postgresql://app:[hidden]@db/shop;PWD=[hidden]");
        free(m);
        m = ferry_config_mask_value("jdbc:sqlserver://db;databaseName=x;password=p;user=u");
        cr_assert_str_eq(m, "jdbc:sqlserver://db;databaseName=x;password=[hidden];user=u");
        free(m);
        cr_assert_null(ferry_config_mask_value("jdbc:postgresql://db:5432/shop?ssl=true"));
        cr_assert_null(ferry_config_mask_value("user@host"));
        cr_assert_null(ferry_config_mask_value("topic-a,topic-b"));
        cr_assert_null(ferry_config_mask_value(NULL));
}

/* What borrow lends is what from_connect writes; values it does not lend go through from_connect. */
Test(simple_header_converter, borrow_matches_from_connect)
{
        ferry_schema_t *bs = ferry_schema_new(FERRY_TYPE_BOOLEAN), *ss = ferry_schema_new(FERRY_TYPE_STRING);
        ferry_schema_t *is = ferry_schema_new(FERRY_TYPE_INT32);
        ferry_schema_t *ds = ferry_schema_new(FERRY_TYPE_INT32);
        ds->name = strdup(FERRY_LOGICAL_DATE);
        struct {
                const ferry_schema_t *s;
                ferry_value_t *v;
                bool lent;
        } cases[] = {
                {bs, ferry_value_bool(true), true},
                {bs, ferry_value_bool(false), true},
                {NULL, ferry_value_bool(false), true},
                {ss, ferry_value_cstring("a\"b"), true},
                {NULL, ferry_value_cstring(""), true},
                {is, ferry_value_int(FERRY_TYPE_INT32, 7), false},
                {ds, ferry_value_int(FERRY_TYPE_INT32, 3), false},
        };
        cr_assert_not_null(H->borrow);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const void *data = NULL;
                size_t len = 0;
                bool lent = H->borrow(NULL, cases[i].s, cases[i].v, &data, &len);
                cr_assert_eq(lent, cases[i].lent, "case %zu", i);
                if (lent) {
                        char *want = write_text(cases[i].s, cases[i].v);
                        cr_assert_eq(len, strlen(want), "case %zu", i);
                        cr_assert(!memcmp(data, want, len), "case %zu", i);
                        free(want);
                }
                ferry_value_free(cases[i].v);
        }
        ferry_schema_unref(bs);
        ferry_schema_unref(ss);
        ferry_schema_unref(is);
        ferry_schema_unref(ds);
}
