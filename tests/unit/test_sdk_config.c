/* Unit tests of the plugin SDK through its public headers only: parsed configs and their typed
 * getters (string, int, long, double, bool, list, password), config tables read with another
 * entry size than this build's (as a plugin built against older or newer headers passes them),
 * the struct/schema builders, and logging with a task's context. */
#include <criterion/criterion.h>

#include <ferry/config.h>
#include <ferry/data.h>
#include <ferry/log.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const char *const modes[] = {"fast", "safe", NULL};

static const ferry_config_def_t table[] = {
        {.name = "topic", .type = FERRY_CFG_STRING, .required = true, .non_empty = true},
        {.name = "batch.size", .type = FERRY_CFG_INT, .default_value = "100", .has_min = true, .min = 1},
        {.name = "poll.ms", .type = FERRY_CFG_LONG, .default_value = "5000000000"},
        {.name = "ratio", .type = FERRY_CFG_DOUBLE, .default_value = "0.5"},
        {.name = "enabled", .type = FERRY_CFG_BOOLEAN, .default_value = "true"},
        {.name = "hosts", .type = FERRY_CFG_LIST, .default_value = "a, b"},
        {.name = "mode", .type = FERRY_CFG_STRING, .default_value = "fast", .valid = modes},
        {.name = "secret", .type = FERRY_CFG_PASSWORD},
        {.name = NULL},
};

static ferry_strmap_t map(const char *const *kv)
{
        ferry_strmap_t m;
        ferry_strmap_init(&m);
        for (; kv[0]; kv += 2)
                ferry_strmap_set(&m, kv[0], kv[1]);
        return m;
}

Test(sdk_config, typed_getters_with_defaults)
{
        ferry_strmap_t m = map((const char *[]){"topic", "t1", "batch.size", "7", "secret", "s3cr3t", "hosts",
                                                " x ,, y,z ", "unknown.key", "kept", NULL});
        ferry_cfg_errors_t errs;
        ferry_cfg_errors_init(&errs);
        ferry_config_t *c = ferry_config_parse(table, &m, &errs);
        cr_assert_not_null(c);
        cr_assert_eq(errs.n, 0);
        cr_assert_str_eq(ferry_config_get_string(c, "topic"), "t1");
        cr_assert_eq(ferry_config_get_int(c, "batch.size"), 7);
        cr_assert_eq(ferry_config_get_long(c, "batch.size"), 7);
        cr_assert_eq(ferry_config_get_long(c, "poll.ms"), 5000000000LL);
        cr_assert_float_eq(ferry_config_get_double(c, "ratio"), 0.5, 1e-12);
        cr_assert(ferry_config_get_bool(c, "enabled"));
        cr_assert_str_eq(ferry_config_get_string(c, "mode"), "fast");
        cr_assert_str_eq(ferry_config_get_password(c, "secret"), "s3cr3t");
        size_t n = 0;
        const char *const *hosts = ferry_config_get_list(c, "hosts", &n);
        cr_assert_eq(n, 3);
        cr_assert_str_eq(hosts[0], "x");
        cr_assert_str_eq(hosts[1], "y");
        cr_assert_str_eq(hosts[2], "z");
        cr_assert(ferry_config_is_set(c, "topic"));
        cr_assert_not(ferry_config_is_set(c, "ratio"));
        cr_assert_str_eq(ferry_strmap_get(ferry_config_originals(c), "unknown.key"), "kept");
        char *d = ferry_config_describe(c);
        cr_assert_not_null(d);
        cr_assert_not_null(strstr(d, "\tsecret = [hidden]\n"), "%s", d);
        cr_assert_null(strstr(d, "s3cr3t"));
        cr_assert_not_null(strstr(d, "\tbatch.size = 7\n"));
        cr_assert_lt(strstr(d, "batch.size"), strstr(d, "topic"), "keys sorted by name");
        free(d);
        ferry_config_free(c);
        ferry_cfg_errors_free(&errs);
        ferry_strmap_free(&m);
}

Test(sdk_config, defaults_and_list_default)
{
        ferry_strmap_t m = map((const char *[]){"topic", "t", NULL});
        ferry_config_t *c = ferry_config_parse(table, &m, NULL);
        cr_assert_not_null(c);
        cr_assert_eq(ferry_config_get_int(c, "batch.size"), 100);
        size_t n = 0;
        const char *const *hosts = ferry_config_get_list(c, "hosts", &n);
        cr_assert_eq(n, 2);
        cr_assert_str_eq(hosts[1], "b");
        cr_assert_null(ferry_config_get_password(c, "secret"), "no default: null");
        ferry_config_free(c);
        ferry_strmap_free(&m);
}

Test(sdk_config, invalid_values_fail_with_errors_per_key)
{
        ferry_strmap_t m = map((const char *[]){"batch.size", "0", "mode", "slow", "secret", "x", NULL});
        ferry_cfg_errors_t errs;
        ferry_cfg_errors_init(&errs);
        cr_assert_null(ferry_config_parse(table, &m, &errs));
        char *all = ferry_cfg_errors_join(&errs);
        cr_assert_not_null(
                strstr(all, "topic: Missing required configuration \"topic\" which has no default value."),
                "%s", all);
        cr_assert_not_null(
                strstr(all, "batch.size: Invalid value 0 for configuration batch.size: Value must be at "
                            "least 1"),
                "%s", all);
        cr_assert_not_null(strstr(all,
                                  "mode: Invalid value slow for configuration mode: String must be one of: "
                                  "fast, safe"),
                           "%s", all);
        free(all);
        ferry_cfg_errors_free(&errs);
        ferry_strmap_free(&m);
}

Test(sdk_config, misuse_yields_zero_values_not_a_crash)
{
        ferry_strmap_t m = map((const char *[]){"topic", "t", "secret", "pw", NULL});
        ferry_config_t *c = ferry_config_parse(table, &m, NULL);
        cr_assert_not_null(c);
        cr_assert_null(ferry_config_get_string(c, "no.such.key"));
        cr_assert_null(ferry_config_get_string(c, "secret"), "a PASSWORD is read with get_password");
        cr_assert_eq(ferry_config_get_int(c, "poll.ms"), 0, "a LONG is not read as an int");
        cr_assert_not(ferry_config_get_bool(c, "topic"));
        size_t n = 9;
        cr_assert_null(ferry_config_get_list(c, "topic", &n));
        cr_assert_eq(n, 0);
        ferry_config_free(c);
        ferry_strmap_free(&m);
}

/* A table as a plugin built against newer headers lays it out: every entry has a member more. */
typedef struct {
        ferry_config_def_t def;
        int64_t added_later;
} wide_def_t;

static const wide_def_t wide[] = {
        {.def = {.name = "a", .type = FERRY_CFG_INT, .default_value = "1", .has_max = true, .max = 5},
         .added_later = 42},
        {.def = {.name = "b", .type = FERRY_CFG_STRING, .required = true}, .added_later = 43},
        {.def = {.name = NULL}},
};

Test(sdk_config, tables_with_wider_entries_are_strided_by_their_size)
{
        const ferry_config_def_t *t = &wide[0].def;
        ferry_strmap_t m = map((const char *[]){"a", "9", NULL});
        ferry_cfg_errors_t errs;
        ferry_cfg_errors_init(&errs);
        cr_assert_eq(ferry_config_validate_sz(t, sizeof(wide_def_t), &m, &errs), 2);
        cr_assert_str_eq(errs.e[0].key, "a");
        cr_assert_str_eq(errs.e[1].key, "b");
        cr_assert_eq(ferry_config_find_sz(t, sizeof(wide_def_t), "b"), &wide[1].def);
        cr_assert_eq(ferry_config_int_sz(t, sizeof(wide_def_t), &m, "a"), 9);
        ferry_strmap_set(&m, "a", "3");
        ferry_strmap_set(&m, "b", "x");
        ferry_config_t *c = ferry_config_parse_sz(t, sizeof(wide_def_t), &m, NULL);
        cr_assert_not_null(c);
        cr_assert_str_eq(ferry_config_get_string(c, "b"), "x");
        ferry_config_free(c);
        ferry_cfg_errors_free(&errs);
        ferry_strmap_free(&m);
}

static int always_fails(const char *name, const char *value, char *errstr, size_t errstr_size)
{
        return -1;
}

Test(sdk_config, members_beyond_a_smaller_entry_size_are_absent)
{
        /* An entry size that ends before .validate: the check must not be seen. */
        const ferry_config_def_t t[] = {
                {.name = "k", .type = FERRY_CFG_STRING, .validate = always_fails},
                {.name = NULL},
        };
        ferry_strmap_t m = map((const char *[]){"k", "v", NULL});
        ferry_cfg_errors_t errs;
        ferry_cfg_errors_init(&errs);
        cr_assert_eq(ferry_config_validate(t, &m, &errs), 1, "the full entry runs the check");
        ferry_cfg_errors_free(&errs);
        ferry_cfg_errors_init(&errs);
        /* Same memory read as entries of offsetof(validate) bytes: entry 1 starts inside entry 0,
         * so use a one-entry copy laid out at that stride. */
        size_t small = offsetof(ferry_config_def_t, validate);
        char *packed = calloc(2, small + sizeof(void *));
        memcpy(packed, &t[0], small);
        cr_assert_eq(ferry_config_validate_sz((const ferry_config_def_t *)(void *)packed, small, &m, &errs),
                     0);
        cr_assert_eq(errs.n, 0);
        free(packed);
        ferry_cfg_errors_free(&errs);
        ferry_strmap_free(&m);
}

/* ---- builders ---- */

Test(sdk_data, struct_builders_and_typed_fields)
{
        ferry_schema_t *s = ferry_schema_struct("com.example.Row");
        cr_assert_not_null(s);
        cr_assert_str_eq(s->name, "com.example.Row");
        cr_assert_eq(ferry_schema_add_field(s, "id", ferry_schema_new(FERRY_TYPE_INT16)), 0);
        cr_assert_eq(ferry_schema_add_field(s, "name", ferry_schema_optional(FERRY_TYPE_STRING)), 0);
        cr_assert_eq(ferry_schema_add_field(s, "score", ferry_schema_new(FERRY_TYPE_FLOAT64)), 0);
        cr_assert_eq(ferry_schema_add_field(s, "ok", ferry_schema_new(FERRY_TYPE_BOOLEAN)), 0);
        cr_assert_eq(ferry_schema_add_field(s, "raw", ferry_schema_new(FERRY_TYPE_BYTES)), 0);
        ferry_schema_set_version(s, 3);
        cr_assert(s->has_version);
        cr_assert_eq(s->version, 3);
        cr_assert(ferry_schema_field(s, "name")->schema->optional);

        ferry_value_t *v = ferry_value_struct(s);
        cr_assert_eq(ferry_struct_put_int(v, "id", 12), 0);
        cr_assert_eq(ferry_struct_put_int(v, "id", 70000), -1, "does not fit int16");
        cr_assert_eq(ferry_struct_put_int(v, "name", 1), -1, "not an integer field");
        cr_assert_eq(ferry_struct_put_int(v, "missing", 1), -1);
        cr_assert_eq(ferry_struct_put_string(v, "name", "ada"), 0);
        cr_assert_eq(ferry_struct_put_double(v, "score", 1.5), 0);
        cr_assert_eq(ferry_struct_put_bool(v, "ok", true), 0);
        cr_assert_eq(ferry_struct_put_bytes(v, "raw", "\0\1", 2), 0);
        char errstr[256];
        cr_assert_eq(ferry_value_validate(s, v, errstr, sizeof(errstr)), 0, "%s", errstr);
        int64_t i = 0;
        double d = 0;
        bool b = false;
        cr_assert(ferry_struct_get_int(v, "id", &i));
        cr_assert_eq(i, 12);
        cr_assert_eq(ferry_struct_get(v, "id")->type, FERRY_TYPE_INT16);
        cr_assert(ferry_struct_get_double(v, "score", &d));
        cr_assert_float_eq(d, 1.5, 1e-12);
        cr_assert(ferry_struct_get_bool(v, "ok", &b));
        cr_assert(b);
        cr_assert_str_eq(ferry_struct_get_string(v, "name"), "ada");
        cr_assert_null(ferry_struct_get_string(v, "id"));
        cr_assert_eq(ferry_struct_put_string(v, "name", NULL), 0);
        cr_assert_null(ferry_struct_get_string(v, "name"));
        ferry_value_free(v);
        ferry_schema_unref(s);
}

Test(sdk_data, schema_default_must_fit)
{
        ferry_schema_t *s = ferry_schema_new(FERRY_TYPE_INT32);
        cr_assert_eq(ferry_schema_set_default(s, ferry_value_cstring("x")), -1);
        cr_assert_null(s->default_value);
        cr_assert_eq(ferry_schema_set_default(s, ferry_value_int(FERRY_TYPE_INT32, 5)), 0);
        cr_assert_eq(s->default_value->u.i, 5);
        ferry_schema_set_optional(s, true);
        cr_assert(s->optional);
        ferry_schema_unref(s);
}

/* ---- logging ---- */

Test(sdk_log, context_level_and_varargs)
{
        ferry_log_context("conn|task-3");
        cr_assert_str_eq(ferry_log_get_context(), "conn|task-3");
        ferry_log_context(NULL);
        cr_assert_str_eq(ferry_log_get_context(), "");
        ferry_log_level_t old = ferry_log_get_level();
        ferry_log_set_level(FERRY_LOG_WARN);
        cr_assert(ferry_log_enabled(FERRY_LOG_ERROR));
        cr_assert_not(ferry_log_enabled(FERRY_LOG_INFO));
        ferry_log_set_level(old);
}
