/* Unit tests for config.c: the string map, config-table validation (messages worded as Java's
 * ConfigDef words them), typed getters, list splitting and strict number parsing. */
#include <criterion/criterion.h>

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/config.h"

/* ---- string map ---- */

Test(strmap, set_get_and_missing)
{
        ferry_strmap_t m;

        ferry_strmap_init(&m);
        cr_assert_null(ferry_strmap_get(&m, "a"));
        cr_assert_eq(ferry_strmap_set(&m, "a", "1"), 0);
        cr_assert_eq(ferry_strmap_set(&m, "b", ""), 0);
        cr_assert_str_eq(ferry_strmap_get(&m, "a"), "1");
        cr_assert_str_eq(ferry_strmap_get(&m, "b"), "");
        cr_assert_null(ferry_strmap_get(&m, "A"));
        cr_assert_null(ferry_strmap_get(&m, "a "));
        cr_assert_eq(m.n, 2);
        ferry_strmap_free(&m);
        cr_assert_eq(m.n, 0);
        cr_assert_null(m.kv);
}

Test(strmap, set_copies_strings)
{
        ferry_strmap_t m;
        char key[] = "k", val[] = "v";

        ferry_strmap_init(&m);
        ferry_strmap_set(&m, key, val);
        key[0] = 'x';
        val[0] = 'y';
        cr_assert_str_eq(ferry_strmap_get(&m, "k"), "v");
        ferry_strmap_free(&m);
}

Test(strmap, insertion_order_and_overwrite_in_place)
{
        ferry_strmap_t m;

        ferry_strmap_init(&m);
        for (int i = 0; i < 20; i++) {
                char k[16];

                snprintf(k, sizeof(k), "k%02d", i);
                cr_assert_eq(ferry_strmap_set(&m, k, k), 0);
        }
        cr_assert_eq(ferry_strmap_set(&m, "k05", "five"), 0);
        cr_assert_eq(m.n, 20);
        cr_assert_str_eq(m.kv[0].key, "k00");
        cr_assert_str_eq(m.kv[5].key, "k05");
        cr_assert_str_eq(m.kv[5].value, "five");
        cr_assert_str_eq(m.kv[19].key, "k19");
        ferry_strmap_free(&m);
}

Test(strmap, set_with_own_value_is_safe)
{
        ferry_strmap_t m;

        ferry_strmap_init(&m);
        ferry_strmap_set(&m, "a", "hello");
        cr_assert_eq(ferry_strmap_set(&m, "a", ferry_strmap_get(&m, "a")), 0);
        cr_assert_str_eq(ferry_strmap_get(&m, "a"), "hello");
        ferry_strmap_free(&m);
}

Test(strmap, setn_uses_lengths)
{
        ferry_strmap_t m;

        ferry_strmap_init(&m);
        cr_assert_eq(ferry_strmap_setn(&m, "keyXXX", 3, "valueYYY", 5), 0);
        cr_assert_str_eq(ferry_strmap_get(&m, "key"), "value");
        cr_assert_eq(ferry_strmap_setn(&m, "keyZ", 3, "v2", 2), 0);
        cr_assert_eq(m.n, 1);
        cr_assert_str_eq(ferry_strmap_get(&m, "key"), "v2");
        cr_assert_eq(ferry_strmap_setn(&m, "ke", 2, "", 0), 0);
        cr_assert_eq(m.n, 2);
        cr_assert_str_eq(ferry_strmap_get(&m, "ke"), "");
        ferry_strmap_free(&m);
}

Test(strmap, set_null_rejected)
{
        ferry_strmap_t m;

        ferry_strmap_init(&m);
        cr_assert_eq(ferry_strmap_set(&m, NULL, "v"), -1);
        cr_assert_eq(ferry_strmap_set(&m, "k", NULL), -1);
        cr_assert_eq(m.n, 0);
        ferry_strmap_free(&m);
}

Test(strmap, unset_keeps_order)
{
        ferry_strmap_t m;

        ferry_strmap_init(&m);
        ferry_strmap_set(&m, "a", "1");
        ferry_strmap_set(&m, "b", "2");
        ferry_strmap_set(&m, "c", "3");
        cr_assert(ferry_strmap_unset(&m, "b"));
        cr_assert_not(ferry_strmap_unset(&m, "b"));
        cr_assert_not(ferry_strmap_unset(&m, "zz"));
        cr_assert_eq(m.n, 2);
        cr_assert_str_eq(m.kv[0].key, "a");
        cr_assert_str_eq(m.kv[1].key, "c");
        cr_assert_null(ferry_strmap_get(&m, "b"));
        cr_assert(ferry_strmap_unset(&m, "c"));
        cr_assert(ferry_strmap_unset(&m, "a"));
        cr_assert_eq(m.n, 0);
        ferry_strmap_free(&m);
}

Test(strmap, clear_keeps_map_usable)
{
        ferry_strmap_t m;

        ferry_strmap_init(&m);
        ferry_strmap_set(&m, "a", "1");
        ferry_strmap_clear(&m);
        cr_assert_eq(m.n, 0);
        cr_assert_null(ferry_strmap_get(&m, "a"));
        cr_assert_eq(ferry_strmap_set(&m, "b", "2"), 0);
        cr_assert_str_eq(ferry_strmap_get(&m, "b"), "2");
        ferry_strmap_free(&m);
}

Test(strmap, copy_replaces_destination)
{
        ferry_strmap_t a, b;

        ferry_strmap_init(&a);
        ferry_strmap_init(&b);
        ferry_strmap_set(&a, "x", "1");
        ferry_strmap_set(&a, "y", "2");
        ferry_strmap_set(&b, "stale", "z");
        cr_assert_eq(ferry_strmap_copy(&b, &a), 0);
        cr_assert_eq(b.n, 2);
        cr_assert_null(ferry_strmap_get(&b, "stale"));
        cr_assert_str_eq(b.kv[0].key, "x");
        cr_assert_str_eq(b.kv[1].value, "2");
        cr_assert(ferry_strmap_equal(&a, &b));
        /* deep copy */
        ferry_strmap_set(&a, "x", "changed");
        cr_assert_str_eq(ferry_strmap_get(&b, "x"), "1");
        cr_assert_eq(ferry_strmap_copy(&a, &a), 0);
        cr_assert_eq(a.n, 2);
        ferry_strmap_free(&a);
        ferry_strmap_free(&b);
}

Test(strmap, equal_ignores_order_but_not_values)
{
        ferry_strmap_t a, b;

        ferry_strmap_init(&a);
        ferry_strmap_init(&b);
        cr_assert(ferry_strmap_equal(&a, &b));
        ferry_strmap_set(&a, "x", "1");
        ferry_strmap_set(&a, "y", "2");
        ferry_strmap_set(&b, "y", "2");
        cr_assert_not(ferry_strmap_equal(&a, &b));
        ferry_strmap_set(&b, "x", "1");
        cr_assert(ferry_strmap_equal(&a, &b));
        ferry_strmap_set(&b, "x", "other");
        cr_assert_not(ferry_strmap_equal(&a, &b));
        ferry_strmap_set(&b, "x", "1");
        ferry_strmap_set(&b, "z", "3");
        cr_assert_not(ferry_strmap_equal(&a, &b));
        cr_assert_not(ferry_strmap_equal(&b, &a));
        ferry_strmap_free(&a);
        ferry_strmap_free(&b);
}

Test(strmap, sub_strips_prefix)
{
        ferry_strmap_t src, dst;

        ferry_strmap_init(&src);
        ferry_strmap_init(&dst);
        ferry_strmap_set(&src, "producer.acks", "all");
        ferry_strmap_set(&src, "bootstrap.servers", "b:9092");
        ferry_strmap_set(&src, "producer.linger.ms", "5");
        ferry_strmap_set(&src, "producer", "not-prefixed");
        ferry_strmap_set(&dst, "acks", "1");
        ferry_strmap_set(&dst, "other", "kept");
        cr_assert_eq(ferry_strmap_sub(&dst, &src, "producer."), 0);
        cr_assert_eq(dst.n, 3);
        cr_assert_str_eq(ferry_strmap_get(&dst, "acks"), "all");
        cr_assert_str_eq(ferry_strmap_get(&dst, "linger.ms"), "5");
        cr_assert_str_eq(ferry_strmap_get(&dst, "other"), "kept");
        cr_assert_null(ferry_strmap_get(&dst, "bootstrap.servers"));
        ferry_strmap_free(&src);
        ferry_strmap_free(&dst);
}

/* ---- config tables ---- */

static const char *const tolerance_values[] = {"none", "all", NULL};
static const char *const list_values[] = {"a", "b", "c", NULL};

static int reject_bad(const char *name, const char *value, char *errstr, size_t errstr_size)
{
        if (strstr(value, "bad")) {
                snprintf(errstr, errstr_size, "Invalid value %s for configuration %s: custom says no", value,
                         name);
                return -1;
        }
        return 0;
}

static const ferry_config_def_t defs[] = {
        {.name = "name",
         .type = FERRY_CFG_STRING,
         .required = true,
         .importance = FERRY_IMPORTANCE_HIGH,
         .non_empty = true},
        {.name = "connector.class", .type = FERRY_CFG_CLASS, .required = true},
        {.name = "tasks.max", .type = FERRY_CFG_INT, .default_value = "1", .has_min = true, .min = 1},
        {.name = "percent",
         .type = FERRY_CFG_INT,
         .default_value = "50",
         .has_min = true,
         .min = 0,
         .has_max = true,
         .max = 100},
        {.name = "port", .type = FERRY_CFG_SHORT, .default_value = "8083"},
        {.name = "timeout.ms", .type = FERRY_CFG_LONG, .default_value = "60000"},
        {.name = "ratio",
         .type = FERRY_CFG_DOUBLE,
         .default_value = "0.5",
         .has_min = true,
         .min = 0,
         .has_max = true,
         .max = 1},
        {.name = "errors.log.enable", .type = FERRY_CFG_BOOLEAN, .default_value = "false"},
        {.name = "errors.tolerance",
         .type = FERRY_CFG_STRING,
         .default_value = "none",
         .valid = tolerance_values},
        {.name = "topics", .type = FERRY_CFG_LIST, .default_value = "", .non_empty = false},
        {.name = "letters", .type = FERRY_CFG_LIST, .default_value = "a, b", .valid = list_values},
        {.name = "needed.list", .type = FERRY_CFG_LIST, .non_empty = true},
        {.name = "secret", .type = FERRY_CFG_PASSWORD, .valid = tolerance_values},
        {.name = "custom", .type = FERRY_CFG_STRING, .validate = reject_bad},
        {.name = "optional.nothing", .type = FERRY_CFG_STRING},
        {.name = NULL},
};

static const ferry_config_def_t *def(const char *name)
{
        const ferry_config_def_t *d = ferry_config_find(defs, name);

        cr_assert_not_null(d, "no def %s", name);
        return d;
}

static void check_ok(const char *name, const char *value)
{
        char err[512] = "";

        cr_assert_eq(ferry_config_check(def(name), value, err, sizeof(err)), 0, "%s=%s: %s", name,
                     value ? value : "(null)", err);
}

static void check_err(const char *name, const char *value, const char *want)
{
        char err[512] = "";

        cr_assert_eq(ferry_config_check(def(name), value, err, sizeof(err)), -1, "%s=%s accepted", name,
                     value ? value : "(null)");
        cr_assert_str_eq(err, want);
}

Test(config, find)
{
        cr_assert_eq(ferry_config_find(defs, "tasks.max"), &defs[2]);
        cr_assert_null(ferry_config_find(defs, "tasks"));
        cr_assert_null(ferry_config_find(defs, "nope"));
        cr_assert_null(ferry_config_find(NULL, "name"));
}

Test(config, required_missing)
{
        check_err("name", NULL, "Missing required configuration \"name\" which has no default value.");
        check_err("connector.class", NULL,
                  "Missing required configuration \"connector.class\" which has no default value.");
        check_ok("connector.class", "org.example.Sink");
}

Test(config, optional_without_default_may_be_absent)
{
        check_ok("optional.nothing", NULL);
        check_ok("needed.list", NULL);
}

Test(config, int_type_error)
{
        check_err("tasks.max", "abc",
                  "Invalid value abc for configuration tasks.max: Not a number of type INT");
        check_err("tasks.max", "1.5",
                  "Invalid value 1.5 for configuration tasks.max: Not a number of type INT");
        check_err("tasks.max", "", "Invalid value  for configuration tasks.max: Not a number of type INT");
        check_err("tasks.max", "2147483648",
                  "Invalid value 2147483648 for configuration tasks.max: Not a number of type INT");
        check_ok("tasks.max", "2147483647");
        check_ok("tasks.max", " 3 ");
}

Test(config, int_range_errors)
{
        check_err("tasks.max", "0", "Invalid value 0 for configuration tasks.max: Value must be at least 1");
        check_err("tasks.max", "-5",
                  "Invalid value -5 for configuration tasks.max: Value must be at least 1");
        check_err("percent", "101",
                  "Invalid value 101 for configuration percent: Value must be no more than 100");
        check_err("percent", "-1", "Invalid value -1 for configuration percent: Value must be at least 0");
        check_ok("percent", "0");
        check_ok("percent", "100");
}

Test(config, range_error_shows_parsed_number)
{
        check_err("percent", " 0200 ",
                  "Invalid value 200 for configuration percent: Value must be no more than 100");
}

Test(config, short_is_16_bit)
{
        check_ok("port", "32767");
        check_ok("port", "-32768");
        check_err("port", "32768", "Invalid value 32768 for configuration port: Not a number of type SHORT");
}

Test(config, long_is_64_bit)
{
        check_ok("timeout.ms", "9223372036854775807");
        check_ok("timeout.ms", "-9223372036854775808");
        check_err(
                "timeout.ms", "9223372036854775808",
                "Invalid value 9223372036854775808 for configuration timeout.ms: Not a number of type LONG");
        check_err("timeout.ms", "10s",
                  "Invalid value 10s for configuration timeout.ms: Not a number of type LONG");
}

Test(config, double_type_and_range)
{
        check_ok("ratio", "0.25");
        check_ok("ratio", "1e-1");
        check_err("ratio", "half", "Invalid value half for configuration ratio: Not a number of type DOUBLE");
        check_err("ratio", "1.5", "Invalid value 1.5 for configuration ratio: Value must be no more than 1");
        check_err("ratio", "-0.1", "Invalid value -0.1 for configuration ratio: Value must be at least 0");
}

Test(config, boolean_values)
{
        check_ok("errors.log.enable", "true");
        check_ok("errors.log.enable", "FALSE");
        check_ok("errors.log.enable", " True ");
        check_err("errors.log.enable", "yes",
                  "Invalid value yes for configuration errors.log.enable: Expected value to be either true "
                  "or false");
        check_err("errors.log.enable", "1",
                  "Invalid value 1 for configuration errors.log.enable: Expected value to be either true or "
                  "false");
}

Test(config, allowed_values)
{
        check_ok("errors.tolerance", "none");
        check_ok("errors.tolerance", "ALL");
        check_ok("errors.tolerance", " all ");
        check_err("errors.tolerance", "some",
                  "Invalid value some for configuration errors.tolerance: String must be one of: none, all");
        check_err("errors.tolerance", "",
                  "Invalid value  for configuration errors.tolerance: String must be one of: none, all");
}

Test(config, allowed_values_for_list_items)
{
        check_ok("letters", "a,B , c");
        check_ok("letters", "");
        check_err("letters", "a,d,b",
                  "Invalid value d for configuration letters: String must be one of: a, b, c");
}

Test(config, non_empty_string_and_list)
{
        check_ok("name", "my-connector");
        check_err("name", "", "Invalid value  for configuration name: String may not be empty");
        check_err("name", "   ", "Invalid value  for configuration name: String may not be empty");
        check_ok("needed.list", "x");
        check_err("needed.list", " , ,",
                  "Invalid value , , for configuration needed.list: List may not be empty");
        check_ok("topics", "");
}

Test(config, class_and_string_accept_anything)
{
        check_ok("connector.class", "anything at all");
        check_ok("optional.nothing", "");
        check_ok("topics", "t1,t2");
}

Test(config, password_value_is_hidden_in_errors)
{
        check_ok("secret", "none");
        check_err("secret", "hunter2",
                  "Invalid value [hidden] for configuration secret: String must be one of: none, all");
}

Test(config, custom_validator)
{
        check_ok("custom", "good");
        check_err("custom", "so bad", "Invalid value so bad for configuration custom: custom says no");
}

Test(config, default_is_checked_when_value_absent)
{
        static const ferry_config_def_t broken = {
                .name = "broken", .type = FERRY_CFG_INT, .default_value = "x"};
        char err[256];

        cr_assert_eq(ferry_config_check(&broken, NULL, err, sizeof(err)), -1);
        cr_assert_str_eq(err, "Invalid value x for configuration broken: Not a number of type INT");
}

Test(config, validate_collects_one_error_per_key)
{
        ferry_strmap_t v;
        ferry_cfg_errors_t errs;
        char *joined;

        ferry_strmap_init(&v);
        ferry_cfg_errors_init(&errs);
        ferry_strmap_set(&v, "connector.class", "X");
        ferry_strmap_set(&v, "tasks.max", "0");
        ferry_strmap_set(&v, "errors.tolerance", "some");
        ferry_strmap_set(&v, "unknown.key", "ignored");
        cr_assert_eq(ferry_config_validate(defs, &v, &errs), 3);
        cr_assert_eq(errs.n, 3);
        cr_assert_str_eq(errs.e[0].key, "name");
        cr_assert_str_eq(errs.e[0].message,
                         "Missing required configuration \"name\" which has no default value.");
        cr_assert_str_eq(errs.e[1].key, "tasks.max");
        cr_assert_str_eq(errs.e[1].message,
                         "Invalid value 0 for configuration tasks.max: Value must be at least 1");
        cr_assert_str_eq(errs.e[2].key, "errors.tolerance");
        joined = ferry_cfg_errors_join(&errs);
        cr_assert_str_eq(joined,
                         "name: Missing required configuration \"name\" which has no default value.; "
                         "tasks.max: Invalid value 0 for configuration tasks.max: Value must be at least 1; "
                         "errors.tolerance: Invalid value some for configuration errors.tolerance: "
                         "String must be one of: none, all");
        free(joined);
        ferry_cfg_errors_free(&errs);
        ferry_strmap_free(&v);
}

Test(config, validate_clean_config)
{
        ferry_strmap_t v;
        ferry_cfg_errors_t errs;
        char *joined;

        ferry_strmap_init(&v);
        ferry_cfg_errors_init(&errs);
        ferry_strmap_set(&v, "name", "c1");
        ferry_strmap_set(&v, "connector.class", "X");
        cr_assert_eq(ferry_config_validate(defs, &v, &errs), 0);
        cr_assert_eq(errs.n, 0);
        joined = ferry_cfg_errors_join(&errs);
        cr_assert_str_eq(joined, "");
        free(joined);
        ferry_cfg_errors_free(&errs);
        ferry_strmap_free(&v);
}

Test(config, errors_add_formats_and_allows_null_key)
{
        ferry_cfg_errors_t errs;
        char *joined;

        ferry_cfg_errors_init(&errs);
        for (int i = 0; i < 6; i++)
                cr_assert_eq(ferry_cfg_errors_add(&errs, i == 0 ? NULL : "k", "problem %d", i), 0);
        cr_assert_eq(errs.n, 6);
        cr_assert_null(errs.e[0].key);
        cr_assert_str_eq(errs.e[5].message, "problem 5");
        joined = ferry_cfg_errors_join(&errs);
        cr_assert_str_eq(joined,
                         "problem 0; k: problem 1; k: problem 2; k: problem 3; k: problem 4; k: problem 5");
        free(joined);
        ferry_cfg_errors_free(&errs);
        cr_assert_eq(errs.n, 0);
}

Test(config, type_and_importance_names)
{
        cr_assert_str_eq(ferry_cfg_type_name(FERRY_CFG_BOOLEAN), "BOOLEAN");
        cr_assert_str_eq(ferry_cfg_type_name(FERRY_CFG_STRING), "STRING");
        cr_assert_str_eq(ferry_cfg_type_name(FERRY_CFG_INT), "INT");
        cr_assert_str_eq(ferry_cfg_type_name(FERRY_CFG_SHORT), "SHORT");
        cr_assert_str_eq(ferry_cfg_type_name(FERRY_CFG_LONG), "LONG");
        cr_assert_str_eq(ferry_cfg_type_name(FERRY_CFG_DOUBLE), "DOUBLE");
        cr_assert_str_eq(ferry_cfg_type_name(FERRY_CFG_LIST), "LIST");
        cr_assert_str_eq(ferry_cfg_type_name(FERRY_CFG_CLASS), "CLASS");
        cr_assert_str_eq(ferry_cfg_type_name(FERRY_CFG_PASSWORD), "PASSWORD");
        cr_assert_str_eq(ferry_cfg_importance_name(FERRY_IMPORTANCE_HIGH), "HIGH");
        cr_assert_str_eq(ferry_cfg_importance_name(FERRY_IMPORTANCE_MEDIUM), "MEDIUM");
        cr_assert_str_eq(ferry_cfg_importance_name(FERRY_IMPORTANCE_LOW), "LOW");
}

/* ---- typed getters ---- */

Test(config_get, values_and_defaults)
{
        ferry_strmap_t v;

        ferry_strmap_init(&v);
        cr_assert_str_eq(ferry_config_str(defs, &v, "errors.tolerance"), "none");
        cr_assert_null(ferry_config_str(defs, &v, "optional.nothing"));
        cr_assert_eq(ferry_config_int(defs, &v, "tasks.max"), 1);
        cr_assert_eq(ferry_config_int(defs, &v, "timeout.ms"), 60000);
        cr_assert_float_eq(ferry_config_double(defs, &v, "ratio"), 0.5, 1e-12);
        cr_assert_eq(ferry_config_bool(defs, &v, "errors.log.enable"), false);

        ferry_strmap_set(&v, "errors.tolerance", "all");
        ferry_strmap_set(&v, "tasks.max", " 8 ");
        ferry_strmap_set(&v, "timeout.ms", "9000000000");
        ferry_strmap_set(&v, "ratio", "0.75");
        ferry_strmap_set(&v, "errors.log.enable", "TRUE");
        cr_assert_str_eq(ferry_config_str(defs, &v, "errors.tolerance"), "all");
        cr_assert_eq(ferry_config_int(defs, &v, "tasks.max"), 8);
        cr_assert_eq(ferry_config_int(defs, &v, "timeout.ms"), 9000000000LL);
        cr_assert_float_eq(ferry_config_double(defs, &v, "ratio"), 0.75, 1e-12);
        cr_assert_eq(ferry_config_bool(defs, &v, "errors.log.enable"), true);
        ferry_strmap_free(&v);
}

Test(config_get, unparsable_value_yields_default)
{
        ferry_strmap_t v;

        ferry_strmap_init(&v);
        ferry_strmap_set(&v, "tasks.max", "many");
        ferry_strmap_set(&v, "port", "70000"); /* out of SHORT range */
        ferry_strmap_set(&v, "ratio", "x");
        ferry_strmap_set(&v, "errors.log.enable", "yes");
        cr_assert_eq(ferry_config_int(defs, &v, "tasks.max"), 1);
        cr_assert_eq(ferry_config_int(defs, &v, "port"), 8083);
        cr_assert_float_eq(ferry_config_double(defs, &v, "ratio"), 0.5, 1e-12);
        cr_assert_eq(ferry_config_bool(defs, &v, "errors.log.enable"), false);
        ferry_strmap_free(&v);
}

Test(config_get, null_map_uses_defaults)
{
        cr_assert_eq(ferry_config_int(defs, NULL, "percent"), 50);
        cr_assert_str_eq(ferry_config_str(defs, NULL, "errors.tolerance"), "none");
}

Test(config_get, list_value_and_default)
{
        ferry_strmap_t v;
        size_t n = 99;
        char **l;

        ferry_strmap_init(&v);
        l = ferry_config_list(defs, &v, "letters", &n);
        cr_assert_eq(n, 2);
        cr_assert_str_eq(l[0], "a");
        cr_assert_str_eq(l[1], "b");
        ferry_strlist_free(l, n);

        l = ferry_config_list(defs, &v, "needed.list", &n);
        cr_assert_not_null(l);
        cr_assert_eq(n, 0);
        ferry_strlist_free(l, n);

        ferry_strmap_set(&v, "topics", " orders , payments,,");
        l = ferry_config_list(defs, &v, "topics", &n);
        cr_assert_eq(n, 2);
        cr_assert_str_eq(l[0], "orders");
        cr_assert_str_eq(l[1], "payments");
        ferry_strlist_free(l, n);
        ferry_strmap_free(&v);
}

Test(config_get, unknown_name_aborts, .signal = SIGABRT)
{
        ferry_config_int(defs, NULL, "not.in.table");
}

/* ---- lists ---- */

Test(split_list, trims_and_drops_empty_items)
{
        size_t n = 0;
        char **l = ferry_split_list("  a , b,,\tc d ,  ,", &n);

        cr_assert_not_null(l);
        cr_assert_eq(n, 3);
        cr_assert_str_eq(l[0], "a");
        cr_assert_str_eq(l[1], "b");
        cr_assert_str_eq(l[2], "c d");
        cr_assert_null(l[3], "list is NULL-terminated");
        ferry_strlist_free(l, n);
}

Test(split_list, empty_and_null)
{
        size_t n = 42;
        char **l = ferry_split_list("", &n);

        cr_assert_not_null(l);
        cr_assert_eq(n, 0);
        cr_assert_null(l[0]);
        ferry_strlist_free(l, n);
        n = 42;
        l = ferry_split_list(NULL, &n);
        cr_assert_not_null(l);
        cr_assert_eq(n, 0);
        ferry_strlist_free(l, n);
        n = 42;
        l = ferry_split_list(" , ,, ", &n);
        cr_assert_eq(n, 0);
        ferry_strlist_free(l, n);
}

Test(split_list, single_item)
{
        size_t n;
        char **l = ferry_split_list("only", &n);

        cr_assert_eq(n, 1);
        cr_assert_str_eq(l[0], "only");
        ferry_strlist_free(l, n);
}

/* ---- strict numbers ---- */

Test(numbers, int64_accepts)
{
        int64_t v = 0;

        cr_assert_eq(ferry_parse_int64("42", &v), 0);
        cr_assert_eq(v, 42);
        cr_assert_eq(ferry_parse_int64("  -17\t\n", &v), 0);
        cr_assert_eq(v, -17);
        cr_assert_eq(ferry_parse_int64("+7", &v), 0);
        cr_assert_eq(v, 7);
        cr_assert_eq(ferry_parse_int64("007", &v), 0);
        cr_assert_eq(v, 7);
        cr_assert_eq(ferry_parse_int64("9223372036854775807", &v), 0);
        cr_assert_eq(v, INT64_MAX);
        cr_assert_eq(ferry_parse_int64("-9223372036854775808", &v), 0);
        cr_assert_eq(v, INT64_MIN);
}

Test(numbers, int64_rejects)
{
        static const char *const bad[] = {"",
                                          "   ",
                                          "12abc",
                                          "abc",
                                          "1.0",
                                          "0x10",
                                          "1 2",
                                          "--1",
                                          "+",
                                          "-",
                                          "1e3",
                                          "9223372036854775808",
                                          "-9223372036854775809",
                                          "99999999999999999999",
                                          "+-1",
                                          NULL};
        int64_t v = 1234;

        for (int i = 0; bad[i]; i++)
                cr_assert_eq(ferry_parse_int64(bad[i], &v), -1, "accepted \"%s\"", bad[i]);
        cr_assert_eq(ferry_parse_int64(NULL, &v), -1);
        cr_assert_eq(v, 1234, "output untouched on failure");
}

Test(numbers, double_accepts)
{
        double d = 0;

        cr_assert_eq(ferry_parse_double("1.5", &d), 0);
        cr_assert_float_eq(d, 1.5, 1e-12);
        cr_assert_eq(ferry_parse_double(" -2e3 ", &d), 0);
        cr_assert_float_eq(d, -2000.0, 1e-9);
        cr_assert_eq(ferry_parse_double(".5", &d), 0);
        cr_assert_float_eq(d, 0.5, 1e-12);
        cr_assert_eq(ferry_parse_double("5.", &d), 0);
        cr_assert_float_eq(d, 5.0, 1e-12);
        cr_assert_eq(ferry_parse_double("+1E-2", &d), 0);
        cr_assert_float_eq(d, 0.01, 1e-12);
        cr_assert_eq(ferry_parse_double("42", &d), 0);
        cr_assert_float_eq(d, 42.0, 1e-12);
        cr_assert_eq(ferry_parse_double("NaN", &d), 0);
        cr_assert(isnan(d));
        cr_assert_eq(ferry_parse_double("-Infinity", &d), 0);
        cr_assert(isinf(d) && d < 0);
}

Test(numbers, double_rejects)
{
        static const char *const bad[] = {"",      " ",      "abc",  "1.5x",  "1e",  "1e+",
                                          ".",     "e5",     "1..2", "0x1p3", "inf", "nan",
                                          "1e999", "-1e999", "1,5",  "1.5d",  NULL};
        double d = 3.0;

        for (int i = 0; bad[i]; i++)
                cr_assert_eq(ferry_parse_double(bad[i], &d), -1, "accepted \"%s\"", bad[i]);
        cr_assert_eq(ferry_parse_double(NULL, &d), -1);
        cr_assert_float_eq(d, 3.0, 0.0);
}

Test(numbers, bool_values)
{
        static const char *const bad[] = {"", "yes", "1", "0", "truex", "t", "on", "tru e", NULL};
        bool b = false;

        cr_assert_eq(ferry_parse_bool("TRUE", &b), 0);
        cr_assert(b);
        cr_assert_eq(ferry_parse_bool(" False ", &b), 0);
        cr_assert_not(b);
        cr_assert_eq(ferry_parse_bool("tRuE", &b), 0);
        cr_assert(b);
        for (int i = 0; bad[i]; i++)
                cr_assert_eq(ferry_parse_bool(bad[i], &b), -1, "accepted \"%s\"", bad[i]);
        cr_assert_eq(ferry_parse_bool(NULL, &b), -1);
}

/* ---- pattern entries ---- */

static const ferry_config_def_t pattern_defs[] = {
        {.name = "contactPoints", .type = FERRY_CFG_LIST},
        {.name = "topic.<topic>.<keyspace>.<table>.ttl", .type = FERRY_CFG_INT},
        {.name = "topic.<topic>.<keyspace>.<table>.mapping", .type = FERRY_CFG_STRING},
        {.name = NULL},
};

Test(config_pattern, find_falls_back_to_patterns)
{
        cr_assert_str_eq(ferry_config_find(pattern_defs, "contactPoints")->name, "contactPoints");
        const ferry_config_def_t *d = ferry_config_find(pattern_defs, "topic.a.b.ks.tbl.ttl");
        cr_assert_not_null(d);
        cr_assert_str_eq(d->name, "topic.<topic>.<keyspace>.<table>.ttl");
        cr_assert_str_eq(ferry_config_find(pattern_defs, "topic.t.ks.tbl.mapping")->name,
                         "topic.<topic>.<keyspace>.<table>.mapping");
        cr_assert_null(ferry_config_find(pattern_defs, "topic..ks.tbl.ttl"), "an empty part matches nothing");
        cr_assert_null(ferry_config_find(pattern_defs, "topic.t.ks.ttl"));
        cr_assert_null(ferry_config_find(pattern_defs, "topic.t.ks.tbl.ttlx"));
        cr_assert_null(ferry_config_find(pattern_defs, "xtopic.t.ks.tbl.ttl"));
        char longkey[600];
        memset(longkey, 'a', sizeof longkey - 1);
        longkey[sizeof longkey - 1] = 0;
        cr_assert_null(ferry_config_find(pattern_defs, longkey));
}

Test(config_pattern, validation_checks_and_names_matching_keys)
{
        ferry_strmap_t v;
        ferry_cfg_errors_t errs;
        ferry_strmap_init(&v);
        ferry_cfg_errors_init(&errs);
        ferry_strmap_set(&v, "topic.t.ks.tbl.ttl", "60");
        ferry_strmap_set(&v, "topic.u.ks.tbl.ttl", "soon");
        cr_assert_eq(ferry_config_validate(pattern_defs, &v, &errs), 1);
        cr_assert_str_eq(errs.e[0].key, "topic.u.ks.tbl.ttl");
        cr_assert(strstr(errs.e[0].message, "topic.u.ks.tbl.ttl") != NULL, "%s", errs.e[0].message);
        cr_assert_eq(ferry_config_int(pattern_defs, &v, "topic.t.ks.tbl.ttl"), 60);
        ferry_cfg_errors_free(&errs);
        ferry_strmap_free(&v);
}
