/* Unit tests of the plugin registry (runtime/registry.c): the ABI checks a plugin struct must pass,
 * plugins built with other struct and config-entry sizes registered as copies at this worker's
 * sizes, and names that denote more than one plugin (short names, aliases, a class provided
 * twice) refused with a message listing every match and where it came from. Loading libraries
 * from plugin.path is covered by tests/runtime/plugin_hello.sh. */
#include <criterion/criterion.h>

#include "runtime/registry.h"

#include <stddef.h>
#include <string.h>

static ferry_err_t task_configs(ferry_connector_ctx_t *c, const ferry_strmap_t *config, int max_tasks,
                                ferry_strmap_t *out, int *n_out, char *errstr, size_t errstr_size)
{
        *n_out = 0;
        return FERRY_ERR_OK;
}

static ferry_err_t start(ferry_task_t *t, const ferry_strmap_t *config, char *errstr, size_t errstr_size)
{
        return FERRY_ERR_OK;
}

static ferry_err_t poll(ferry_task_t *t, ferry_records_t *out, char *errstr, size_t errstr_size)
{
        return FERRY_ERR_OK;
}

static const ferry_source_task_ops_t ops = {
        .size = sizeof(ferry_source_task_ops_t), .start = start, .poll = poll};

#define SOURCE(cls)                                                                                          \
        {                                                                                                    \
                .info = FERRY_PLUGIN_INFO(ferry_connector_plugin_t, .type = FERRY_PLUGIN_SOURCE,             \
                                          .class_name = (cls)),                                              \
                .task_configs = task_configs, .source = &ops                                                 \
        }

static const ferry_connector_plugin_t foo_a = SOURCE("com.a.FooConnector");
static const ferry_connector_plugin_t foo_b = SOURCE("com.b.FooConnector");

static void init(ferry_registry_t *r)
{
        char errstr[512];
        cr_assert_eq(ferry_registry_init(r, NULL, errstr, sizeof(errstr)), 0, "%s", errstr);
}

Test(registry, builtins_pass_the_abi_checks)
{
        ferry_registry_t r;
        init(&r);
        cr_assert_gt(r.n, 30);
        const ferry_connector_plugin_t *p = ferry_registry_connector(&r, "FileStreamSource");
        cr_assert_not_null(p);
        cr_assert_str_eq(ferry_registry_origin(&r, &p->info), "built-in");
        cr_assert_not_null(ferry_registry_converter(&r, "JsonConverter"));
        ferry_registry_free(&r);
}

Test(registry, check_refuses_another_abi_naming_both_numbers)
{
        ferry_connector_plugin_t p = SOURCE("com.x.OldConnector");
        char why[256];
        p.info.abi = 1;
        cr_assert_eq(ferry_plugin_check(&p.info, why, sizeof(why)), -1);
        cr_assert_str_eq(why, "built for plugin ABI 1, this worker has plugin ABI 2");
}

Test(registry, check_refuses_missing_sizes_and_callbacks)
{
        char why[256];
        ferry_connector_plugin_t p = SOURCE("com.x.BadConnector");
        p.info.size = 0;
        cr_assert_eq(ferry_plugin_check(&p.info, why, sizeof(why)), -1);
        cr_assert_not_null(strstr(why, "com.x.BadConnector says its struct is 0 bytes"), "%s", why);

        p = (ferry_connector_plugin_t)SOURCE("com.x.BadConnector");
        p.info.config = (const ferry_config_def_t[]){{.name = NULL}};
        p.info.config_def_size = 8;
        cr_assert_eq(ferry_plugin_check(&p.info, why, sizeof(why)), -1);
        cr_assert_not_null(strstr(why, "config table entries say they are 8 bytes"), "%s", why);

        ferry_source_task_ops_t unsized = {.start = start, .poll = poll};
        p = (ferry_connector_plugin_t)SOURCE("com.x.BadConnector");
        p.source = &unsized;
        cr_assert_eq(ferry_plugin_check(&p.info, why, sizeof(why)), -1);
        cr_assert_not_null(strstr(why, "source task callbacks say they are 0 bytes"), "%s", why);

        ferry_source_task_ops_t nopoll = {.size = sizeof(nopoll), .start = start};
        p.source = &nopoll;
        cr_assert_eq(ferry_plugin_check(&p.info, why, sizeof(why)), -1);
        cr_assert_str_eq(why, "plugin com.x.BadConnector has no source poll callback");

        p = (ferry_connector_plugin_t)SOURCE("com.x.BadConnector");
        p.task_configs = NULL;
        cr_assert_eq(ferry_plugin_check(&p.info, why, sizeof(why)), -1);
        cr_assert_str_eq(why, "plugin com.x.BadConnector has no task_configs callback");
}

/* A plugin as newer headers would build it: a callback more at the end of the plugin struct and
 * of the ops, and a member more in every config entry. */
typedef struct {
        ferry_config_def_t def;
        void *added_later;
} newer_def_t;

typedef struct {
        ferry_connector_plugin_t plugin;
        void (*added_later)(void);
} newer_plugin_t;

typedef struct {
        ferry_source_task_ops_t ops;
        void (*added_later)(void);
} newer_ops_t;

static void later(void)
{
}

static const newer_def_t newer_defs[] = {
        {.def = {.name = "one", .type = FERRY_CFG_STRING, .doc = "first"}, .added_later = (void *)1},
        {.def = {.name = "two", .type = FERRY_CFG_INT, .default_value = "2"}, .added_later = (void *)1},
        {.def = {.name = NULL}},
};

static const newer_ops_t newer_ops = {
        .ops = {.size = sizeof(newer_ops_t), .start = start, .poll = poll},
        .added_later = later,
};

static const newer_plugin_t newer = {
        .plugin = {.info = {.abi = FERRY_PLUGIN_ABI,
                            .size = sizeof(newer_plugin_t),
                            .type = FERRY_PLUGIN_SOURCE,
                            .config_def_size = sizeof(newer_def_t),
                            .class_name = "com.n.NewerConnector",
                            .config = &newer_defs[0].def},
                   .task_configs = task_configs,
                   .source = &newer_ops.ops},
        .added_later = later,
};

Test(registry, other_sizes_are_registered_as_native_copies)
{
        ferry_registry_t r;
        char why[256];
        init(&r);
        const ferry_plugin_info_t *p =
                ferry_registry_add(&r, &newer.plugin.info, "/x/newer.so", why, sizeof(why));
        cr_assert_not_null(p, "%s", why);
        cr_assert_neq(p, &newer.plugin.info, "a copy");
        cr_assert_eq(p->size, sizeof(ferry_connector_plugin_t));
        cr_assert_eq(p->config_def_size, sizeof(ferry_config_def_t));
        cr_assert_str_eq(p->config[0].name, "one");
        cr_assert_str_eq(p->config[0].doc, "first");
        cr_assert_str_eq(p->config[1].name, "two");
        cr_assert_str_eq(p->config[1].default_value, "2");
        cr_assert_null(p->config[2].name);
        cr_assert_eq(ferry_config_int(p->config, NULL, "two"), 2);
        const ferry_connector_plugin_t *c = (const ferry_connector_plugin_t *)p;
        cr_assert_eq(c->task_configs, task_configs);
        cr_assert_eq(c->source->poll, poll);
        cr_assert_eq(c->source->size, sizeof(ferry_source_task_ops_t));
        cr_assert_eq(ferry_registry_connector(&r, "Newer"), c);
        cr_assert_str_eq(ferry_registry_origin(&r, p), "/x/newer.so");

        /* Same sizes as this worker: registered as is. */
        cr_assert_eq(ferry_registry_add(&r, &foo_a.info, "/x/a.so", why, sizeof(why)), &foo_a.info);
        ferry_registry_free(&r);
}

Test(registry, ambiguous_short_names_are_refused_listing_both)
{
        ferry_registry_t r;
        char why[1024];
        init(&r);
        cr_assert_not_null(ferry_registry_add(&r, &foo_a.info, "/x/a.so", why, sizeof(why)));
        cr_assert_not_null(ferry_registry_add(&r, &foo_b.info, "/x/b.so", why, sizeof(why)));
        cr_assert_null(ferry_registry_connector(&r, "Foo"));
        cr_assert_null(ferry_registry_connector(&r, "FooConnector"));
        cr_assert(ferry_registry_ambiguous(&r, "Foo", FERRY_FIND_CONNECTOR, why, sizeof(why)));
        cr_assert_str_eq(
                why, "More than one connector matches alias Foo. Please use full package and class name "
                     "instead. Classes found: com.a.FooConnector (/x/a.so), com.b.FooConnector (/x/b.so)");
        cr_assert_eq(ferry_registry_connector(&r, "com.b.FooConnector"), &foo_b);
        cr_assert_not(
                ferry_registry_ambiguous(&r, "com.b.FooConnector", FERRY_FIND_CONNECTOR, why, sizeof(why)));
        cr_assert_not(ferry_registry_ambiguous(&r, "Nope", FERRY_FIND_CONNECTOR, why, sizeof(why)));
        ferry_registry_free(&r);
}

Test(registry, a_class_provided_twice_is_refused_listing_both_files)
{
        ferry_registry_t r;
        char why[1024];
        init(&r);
        cr_assert_not_null(ferry_registry_add(&r, &foo_a.info, "/x/a.so", why, sizeof(why)));
        cr_assert_not_null(ferry_registry_add(&r, &foo_a.info, "/y/a-copy.so", why, sizeof(why)));
        cr_assert_null(ferry_registry_find(&r, "com.a.FooConnector", FERRY_FIND_ANY));
        cr_assert(ferry_registry_ambiguous(&r, "com.a.FooConnector", FERRY_FIND_ANY, why, sizeof(why)));
        cr_assert_not_null(strstr(why, "com.a.FooConnector (/x/a.so), com.a.FooConnector (/y/a-copy.so)"),
                           "%s", why);
        ferry_registry_free(&r);
}

Test(registry, aliases_count_as_names)
{
        static const char *const aliases[] = {"Json", NULL};
        ferry_connector_plugin_t p = SOURCE("com.c.JsonSourceConnector");
        p.info.aliases = aliases;
        ferry_registry_t r;
        char why[1024];
        init(&r);
        cr_assert_not_null(ferry_registry_add(&r, &p.info, "/x/c.so", why, sizeof(why)));
        cr_assert_eq(ferry_registry_find(&r, "Json", FERRY_FIND_CONNECTOR), &p.info);
        /* The type filters keep connectors and converters apart. */
        cr_assert_null(ferry_registry_converter(&r, "Json"));
        cr_assert_not_null(ferry_registry_converter(&r, "org.apache.kafka.connect.json.JsonConverter"));
        ferry_registry_free(&r);
}
