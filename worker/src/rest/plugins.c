/* REST resource "/connector-plugins": the installed plugins (from the registry), each plugin's
 * config key definitions, and config validation (ConfigInfos) built from the config tables of
 * worker_config.c (common, sink/source) and the plugin's own table, with the per-key errors of
 * ferry_worker_validate_connector(). Reads the worker's registry; never calls the herder. */
#include "rest/api.h"

#include "core/config_providers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- GET /connector-plugins ---- */

static int cmp_class(const void *a, const void *b)
{
        const ferry_plugin_info_t *x = *(const ferry_plugin_info_t *const *)a;
        const ferry_plugin_info_t *y = *(const ferry_plugin_info_t *const *)b;
        return strcmp(x->class_name, y->class_name);
}

static void list_plugins(ferry_rest_call_t *c)
{
        bool connectors_only = ferry_rest_query_bool(c, "connectorsOnly", true);
        /* Connect's order: sinks, sources, transformations, predicates, converters, header converters. */
        static const ferry_plugin_type_t order[] = {
                FERRY_PLUGIN_SINK,      FERRY_PLUGIN_SOURCE,    FERRY_PLUGIN_TRANSFORMATION,
                FERRY_PLUGIN_PREDICATE, FERRY_PLUGIN_CONVERTER, FERRY_PLUGIN_HEADER_CONVERTER};
        const ferry_registry_t *r = &c->w->registry;
        const ferry_plugin_info_t **sorted = calloc(r->n + 1, sizeof(*sorted));
        if (!sorted) {
                ferry_rest_error(c, 500, "out of memory");
                return;
        }
        ferry_jw_t j;
        ferry_jw_init(&j);
        ferry_jw_arr(&j);
        for (size_t t = 0; t < sizeof(order) / sizeof(order[0]); t++) {
                if (connectors_only && order[t] != FERRY_PLUGIN_SINK && order[t] != FERRY_PLUGIN_SOURCE)
                        break;
                size_t n = 0;
                for (size_t i = 0; i < r->n; i++)
                        if (r->plugins[i]->type == order[t])
                                sorted[n++] = r->plugins[i];
                qsort(sorted, n, sizeof(*sorted), cmp_class);
                for (size_t i = 0; i < n; i++) {
                        ferry_jw_obj(&j);
                        ferry_jw_kv(&j, "class", sorted[i]->class_name);
                        ferry_jw_kv(&j, "type", ferry_plugin_type_name(sorted[i]->type));
                        if (sorted[i]->version)
                                ferry_jw_kv(&j, "version", sorted[i]->version);
                        ferry_jw_end_obj(&j);
                }
        }
        ferry_jw_end_arr(&j);
        free(sorted);
        ferry_rest_reply_json(c, 200, &j);
}

/* ---- key definitions ---- */

/* One key with the table it came from (for its position within its group). */
typedef struct {
        const ferry_config_def_t *def;
        const ferry_config_def_t *table;
} cfg_key_t;

typedef struct {
        cfg_key_t *k;
        size_t n, cap;
} keys_t;

static cfg_key_t *keys_find(keys_t *ks, const char *name)
{
        for (size_t i = 0; i < ks->n; i++)
                if (!strcmp(ks->k[i].def->name, name))
                        return &ks->k[i];
        return NULL;
}

/* Adds every key of table; an existing key is replaced in place when override, else kept. */
static int keys_add(keys_t *ks, const ferry_config_def_t *table, bool override)
{
        for (const ferry_config_def_t *d = table; d && d->name; d++) {
                cfg_key_t *k = keys_find(ks, d->name);
                if (k) {
                        if (override)
                                *k = (cfg_key_t){d, table};
                        continue;
                }
                if (ks->n == ks->cap) {
                        size_t cap = ks->cap ? ks->cap * 2 : 32;
                        cfg_key_t *nk = realloc(ks->k, cap * sizeof(*nk));
                        if (!nk)
                                return -1;
                        ks->k = nk;
                        ks->cap = cap;
                }
                ks->k[ks->n++] = (cfg_key_t){d, table};
        }
        return 0;
}

/* ConfigDef's orderInGroup: the 1-based position among the table's keys of the same group, -1
 * when the key has no group. */
static int order_in_group(const cfg_key_t *k)
{
        if (!k->def->group)
                return -1;
        int pos = 0;
        for (const ferry_config_def_t *d = k->table; d->name; d++) {
                if (d->group && !strcmp(d->group, k->def->group))
                        pos++;
                if (d == k->def)
                        return pos;
        }
        return -1;
}

static void write_definition(ferry_jw_t *j, const cfg_key_t *k)
{
        const ferry_config_def_t *d = k->def;
        ferry_jw_obj(j);
        ferry_jw_kv(j, "name", d->name);
        ferry_jw_kv(j, "type", ferry_cfg_type_name(d->type));
        ferry_jw_key(j, "required");
        ferry_jw_bool(j, d->required);
        ferry_jw_kv(j, "default_value", d->required ? NULL : d->default_value);
        ferry_jw_kv(j, "importance", ferry_cfg_importance_name(d->importance));
        ferry_jw_kv(j, "documentation", d->doc ? d->doc : "");
        ferry_jw_kv(j, "group", d->group);
        ferry_jw_kv(j, "width", "NONE");
        ferry_jw_kv(j, "display_name", d->name);
        ferry_jw_key(j, "dependents");
        ferry_jw_arr(j);
        ferry_jw_end_arr(j);
        ferry_jw_key(j, "order");
        ferry_jw_int(j, order_in_group(k));
        ferry_jw_end_obj(j);
}

static const ferry_config_def_t *base_table(ferry_plugin_type_t type)
{
        return type == FERRY_PLUGIN_SINK ? ferry_sink_connector_config : ferry_source_connector_config;
}

static void plugin_config(ferry_rest_call_t *c)
{
        const char *name = c->params[0];
        const ferry_plugin_info_t *p = ferry_registry_find(&c->w->registry, name, -1);
        if (!p) {
                ferry_rest_error(c, 404, "Unknown plugin %s.", name);
                return;
        }
        /* The plugin's own keys first, then the framework's for connectors (Connect's order). */
        keys_t ks = {0};
        int rc = keys_add(&ks, p->config, false);
        if (rc == 0 && (p->type == FERRY_PLUGIN_SINK || p->type == FERRY_PLUGIN_SOURCE)) {
                rc = keys_add(&ks, ferry_connector_config, false);
                if (rc == 0)
                        rc = keys_add(&ks, base_table(p->type), false);
        }
        if (rc < 0) {
                free(ks.k);
                ferry_rest_error(c, 500, "out of memory");
                return;
        }
        ferry_jw_t j;
        ferry_jw_init(&j);
        ferry_jw_arr(&j);
        for (size_t i = 0; i < ks.n; i++)
                write_definition(&j, &ks.k[i]);
        ferry_jw_end_arr(&j);
        free(ks.k);
        ferry_rest_reply_json(c, 200, &j);
}

/* ---- PUT /connector-plugins/{p}/config/validate ---- */

/* Connect's normalizedPluginName: drops a "Connector" suffix. */
static size_t normalized_len(const char *s)
{
        size_t n = strlen(s), m = strlen("Connector");
        return n > m && !strcmp(s + n - m, "Connector") ? n - m : n;
}

static bool plugin_names_match(const char *included, const char *requested)
{
        size_t a = normalized_len(included), b = normalized_len(requested);
        return a >= b && !memcmp(included + a - b, requested, b);
}

static void write_value(ferry_jw_t *j, const char *name, const char *value, const ferry_cfg_errors_t *errs,
                        const char *const *extra_errors, size_t n_extra)
{
        ferry_jw_obj(j);
        ferry_jw_kv(j, "name", name);
        ferry_jw_kv(j, "value", value);
        ferry_jw_key(j, "recommended_values");
        ferry_jw_arr(j);
        ferry_jw_end_arr(j);
        ferry_jw_key(j, "errors");
        ferry_jw_arr(j);
        for (size_t i = 0; i < n_extra; i++)
                ferry_jw_str(j, extra_errors[i]);
        for (size_t i = 0; i < errs->n; i++)
                if (!strcmp(errs->e[i].key, name))
                        ferry_jw_str(j, errs->e[i].message);
        ferry_jw_end_arr(j);
        ferry_jw_key(j, "visible");
        ferry_jw_bool(j, true);
        ferry_jw_end_obj(j);
}

static void add_group(char ***groups, size_t *n, const char *g)
{
        if (!g)
                return;
        for (size_t i = 0; i < *n; i++)
                if (!strcmp((*groups)[i], g))
                        return;
        char **ng = realloc(*groups, (*n + 1) * sizeof(*ng));
        if (!ng)
                return;
        *groups = ng;
        (*groups)[(*n)++] = (char *)g;
}

static const char null_error[] = "Null value can not be supplied as the configuration value.";

static void validate(ferry_rest_call_t *c)
{
        ferry_strmap_t config, nulls;
        ferry_strmap_init(&config);
        ferry_strmap_init(&nulls);
        char errstr[512];
        /* Also accepted: the body POST /connectors takes, {"name": ..., "config": {...}}, which
         * users send here too; its config object is what gets validated. */
        json_object *body = c->body, *inner = NULL;
        if (json_object_is_type(body, json_type_object) &&
            json_object_object_get_ex(body, "config", &inner) && json_object_is_type(inner, json_type_object))
                body = inner;
        if (ferry_rest_body_strmap(body, &config, &nulls, errstr, sizeof(errstr)) < 0) {
                ferry_rest_error(c, 400, "%s", errstr);
                goto out;
        }
        const char *cls = ferry_strmap_get(&config, "connector.class");
        if (!cls) {
                /* Connect shows the map as Java's Map.toString does. */
                ferry_buf_t b;
                ferry_buf_init(&b);
                ferry_buf_putc(&b, '{');
                for (size_t i = 0; i < config.n; i++)
                        ferry_buf_printf(&b, "%s%s=%s", i ? ", " : "", config.kv[i].key, config.kv[i].value);
                ferry_buf_putc(&b, '}');
                ferry_rest_error(c, 400, "Connector config %s contains no connector type", b.p);
                ferry_buf_free(&b);
                goto out;
        }
        if (!plugin_names_match(cls, c->params[0])) {
                ferry_rest_error(c, 400, "Included connector type %s does not match request type %s", cls,
                                 c->params[0]);
                goto out;
        }
        ferry_cfg_errors_t errs;
        ferry_cfg_errors_init(&errs);
        const ferry_connector_plugin_t *p = ferry_worker_validate_connector(c->w, &config, &errs);
        keys_t ks = {0};
        char **groups = NULL;
        size_t n_groups = 0;
        keys_add(&ks, ferry_connector_config, true);
        if (p) {
                keys_add(&ks, base_table(p->info.type), true);
                keys_add(&ks, p->info.config, true);
        }
        for (size_t i = 0; i < ks.n; i++)
                add_group(&groups, &n_groups, ks.k[i].def->group);

        ferry_jw_t j;
        ferry_jw_init(&j);
        ferry_jw_obj(&j);
        ferry_jw_kv(&j, "name", cls);
        ferry_jw_key(&j, "error_count");
        ferry_jw_int(&j, (int64_t)(errs.n + nulls.n));
        ferry_jw_key(&j, "groups");
        ferry_jw_strlist(&j, groups, n_groups);
        ferry_jw_key(&j, "configs");
        ferry_jw_arr(&j);
        /* First the keys no table defines that still have errors (as Connect lists them). */
        const char *const null_errors[] = {null_error};
        for (size_t i = 0; i < nulls.n; i++) {
                const char *k = nulls.kv[i].key;
                if (keys_find(&ks, k))
                        continue;
                ferry_jw_obj(&j);
                ferry_jw_key(&j, "definition");
                ferry_jw_null(&j);
                ferry_jw_key(&j, "value");
                write_value(&j, k, NULL, &errs, null_errors, 1);
                ferry_jw_end_obj(&j);
        }
        for (size_t i = 0; i < errs.n; i++) {
                const char *k = errs.e[i].key;
                bool seen = keys_find(&ks, k) || ferry_strmap_get(&nulls, k);
                for (size_t m = 0; m < i && !seen; m++)
                        seen = !strcmp(errs.e[m].key, k);
                if (seen)
                        continue;
                ferry_jw_obj(&j);
                ferry_jw_key(&j, "definition");
                ferry_jw_null(&j);
                ferry_jw_key(&j, "value");
                const char *v = ferry_strmap_get(&config, k);
                /* A key outside the tables (e.g. producer.override.sasl.jaas.config) may hold a secret. */
                write_value(&j, k, v && ferry_config_is_secret(NULL, k) ? "[hidden]" : v, &errs, NULL, 0);
                ferry_jw_end_obj(&j);
        }
        for (size_t i = 0; i < ks.n; i++) {
                const ferry_config_def_t *d = ks.k[i].def;
                const char *value = ferry_strmap_get(&config, d->name);
                if (!value)
                        value = d->required ? NULL : d->default_value;
                if (value && d->type == FERRY_CFG_PASSWORD)
                        value = "[hidden]";
                bool is_null = ferry_strmap_get(&nulls, d->name) != NULL;
                ferry_jw_obj(&j);
                ferry_jw_key(&j, "definition");
                write_definition(&j, &ks.k[i]);
                ferry_jw_key(&j, "value");
                write_value(&j, d->name, is_null ? NULL : value, &errs, null_errors, is_null ? 1 : 0);
                ferry_jw_end_obj(&j);
        }
        ferry_jw_end_arr(&j);
        ferry_jw_end_obj(&j);
        free(groups);
        free(ks.k);
        ferry_cfg_errors_free(&errs);
        ferry_rest_reply_json(c, 200, &j);
out:
        ferry_strmap_free(&config);
        ferry_strmap_free(&nulls);
}

const ferry_rest_route_t ferry_rest_plugin_routes[] = {
        {"GET", "/connector-plugins", list_plugins, 0},
        {"GET", "/connector-plugins/{}/config", plugin_config, 0},
        {"PUT", "/connector-plugins/{}/config/validate", validate, FERRY_ROUTE_BODY},
        {NULL, NULL, NULL, 0},
};
