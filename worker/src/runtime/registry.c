/* Plugin registry: the one static list of built-in plugins, external plugins loaded with dlopen
 * from plugin.path, and name resolution (full Java class name, simple name, simple name without
 * the "Connector" suffix, aliases). The worker and REST layer look every plugin up here. */
#include "runtime/registry.h"

#include "runtime/plugins_builtin.h"

#include <ferry/log.h>

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const ferry_plugin_info_t *const builtins[] = {
        &ferry_file_source_connector.info,
        &ferry_file_sink_connector.info,
        &ferry_json_converter.info,
        &ferry_string_converter.info,
        &ferry_bytearray_converter.info,
        &ferry_simple_header_converter.info,
        /* transformations and predicates */
        &ferry_smt_cast_key.info,
        &ferry_smt_cast_value.info,
        &ferry_smt_drop_headers.info,
        &ferry_smt_extract_field_key.info,
        &ferry_smt_extract_field_value.info,
        &ferry_smt_extract_topic_key.info,
        &ferry_smt_extract_topic_value.info,
        &ferry_smt_filter.info,
        &ferry_smt_flatten_key.info,
        &ferry_smt_flatten_value.info,
        &ferry_smt_header_from_key.info,
        &ferry_smt_header_from_value.info,
        &ferry_smt_hoist_field_key.info,
        &ferry_smt_hoist_field_value.info,
        &ferry_smt_insert_field_key.info,
        &ferry_smt_insert_field_value.info,
        &ferry_smt_insert_header.info,
        &ferry_smt_mask_field_key.info,
        &ferry_smt_mask_field_value.info,
        &ferry_smt_regex_router.info,
        &ferry_smt_replace_field_key.info,
        &ferry_smt_replace_field_value.info,
        &ferry_smt_set_schema_metadata_key.info,
        &ferry_smt_set_schema_metadata_value.info,
        &ferry_smt_timestamp_converter_key.info,
        &ferry_smt_timestamp_converter_value.info,
        &ferry_smt_timestamp_router.info,
        &ferry_smt_value_to_key.info,
        &ferry_pred_topic_name_matches.info,
        &ferry_pred_has_header_key.info,
        &ferry_pred_record_is_tombstone.info,
        NULL,
};

const char *ferry_plugin_type_name(ferry_plugin_type_t t)
{
        static const char *const names[] = {"source",           "sink",           "converter",
                                            "header_converter", "transformation", "predicate"};
        return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

static int add_plugin(ferry_registry_t *r, const ferry_plugin_info_t *p)
{
        if (r->n == r->cap) {
                size_t cap = r->cap ? r->cap * 2 : 16;
                const ferry_plugin_info_t **np = realloc(r->plugins, cap * sizeof(*np));
                if (!np)
                        return -1;
                r->plugins = np;
                r->cap = cap;
        }
        r->plugins[r->n++] = p;
        return 0;
}

static int load_library(ferry_registry_t *r, const char *path, char *errstr, size_t errstr_size)
{
        void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
                snprintf(errstr, errstr_size, "plugin.path: cannot load %s: %s", path, dlerror());
                return -1;
        }
        ferry_plugin_list_fn fn;
        *(void **)&fn = dlsym(h, "ferry_plugin_list");
        if (!fn) {
                snprintf(errstr, errstr_size, "plugin.path: %s exports no ferry_plugin_list()", path);
                dlclose(h);
                return -1;
        }
        void **nh = realloc(r->handles, (r->n_handles + 1) * sizeof(*nh));
        if (!nh) {
                dlclose(h);
                return -1;
        }
        r->handles = nh;
        r->handles[r->n_handles++] = h;
        const ferry_plugin_info_t *const *list = fn();
        for (size_t i = 0; list && list[i]; i++) {
                if (list[i]->abi != FERRY_PLUGIN_ABI) {
                        snprintf(errstr, errstr_size, "plugin.path: %s: plugin %s has ABI %d, expected %d",
                                 path, list[i]->class_name, list[i]->abi, FERRY_PLUGIN_ABI);
                        return -1;
                }
                if (add_plugin(r, list[i]) < 0)
                        return -1;
                FERRY_INFO("Loaded plugin %s (%s) from %s", list[i]->class_name,
                           ferry_plugin_type_name(list[i]->type), path);
        }
        return 0;
}

static bool has_suffix(const char *s, const char *suffix)
{
        size_t n = strlen(s), m = strlen(suffix);
        return n >= m && !strcmp(s + n - m, suffix);
}

static int load_path(ferry_registry_t *r, const char *path, char *errstr, size_t errstr_size)
{
        struct stat st;
        if (stat(path, &st) < 0) {
                snprintf(errstr, errstr_size, "plugin.path: %s: %s", path, strerror(errno));
                return -1;
        }
        if (!S_ISDIR(st.st_mode))
                return load_library(r, path, errstr, errstr_size);
        struct dirent **ents;
        int n = scandir(path, &ents, NULL, alphasort);
        if (n < 0) {
                snprintf(errstr, errstr_size, "plugin.path: %s: %s", path, strerror(errno));
                return -1;
        }
        int rc = 0;
        for (int i = 0; i < n; i++) {
                if (rc == 0 && has_suffix(ents[i]->d_name, ".so")) {
                        char full[4096];
                        snprintf(full, sizeof(full), "%s/%s", path, ents[i]->d_name);
                        rc = load_library(r, full, errstr, errstr_size);
                }
                free(ents[i]);
        }
        free(ents);
        return rc;
}

int ferry_registry_init(ferry_registry_t *r, const char *plugin_path, char *errstr, size_t errstr_size)
{
        memset(r, 0, sizeof(*r));
        for (size_t i = 0; builtins[i]; i++)
                if (add_plugin(r, builtins[i]) < 0)
                        return -1;
        if (!plugin_path || !*plugin_path)
                return 0;
        size_t n;
        char **paths = ferry_split_list(plugin_path, &n);
        int rc = 0;
        for (size_t i = 0; i < n && rc == 0; i++)
                rc = load_path(r, paths[i], errstr, errstr_size);
        ferry_strlist_free(paths, n);
        return rc;
}

void ferry_registry_free(ferry_registry_t *r)
{
        free(r->plugins);
        for (size_t i = 0; i < r->n_handles; i++)
                dlclose(r->handles[i]);
        free(r->handles);
        memset(r, 0, sizeof(*r));
}

/* Does name denote class (full, simple, or simple without "Connector")? */
static bool name_matches(const char *name, const char *class_name)
{
        if (!strcmp(name, class_name))
                return true;
        const char *simple = strrchr(class_name, '.');
        simple = simple ? simple + 1 : class_name;
        if (!strcmp(name, simple))
                return true;
        size_t n = strlen(simple), m = strlen("Connector");
        return n > m && !strcmp(simple + n - m, "Connector") && strlen(name) == n - m &&
               !strncmp(name, simple, n - m);
}

const ferry_plugin_info_t *ferry_registry_find(const ferry_registry_t *r, const char *name, int type)
{
        if (!name)
                return NULL;
        for (size_t i = 0; i < r->n; i++) {
                const ferry_plugin_info_t *p = r->plugins[i];
                if (type >= 0 && (int)p->type != type)
                        continue;
                if (name_matches(name, p->class_name))
                        return p;
                for (size_t k = 0; p->aliases && p->aliases[k]; k++)
                        if (!strcmp(name, p->aliases[k]))
                                return p;
        }
        return NULL;
}

const ferry_connector_plugin_t *ferry_registry_connector(const ferry_registry_t *r, const char *name)
{
        const ferry_plugin_info_t *p = ferry_registry_find(r, name, FERRY_PLUGIN_SOURCE);
        if (!p)
                p = ferry_registry_find(r, name, FERRY_PLUGIN_SINK);
        return (const ferry_connector_plugin_t *)p;
}

const ferry_converter_plugin_t *ferry_registry_converter(const ferry_registry_t *r, const char *name)
{
        const ferry_plugin_info_t *p = ferry_registry_find(r, name, FERRY_PLUGIN_CONVERTER);
        if (!p)
                p = ferry_registry_find(r, name, FERRY_PLUGIN_HEADER_CONVERTER);
        return (const ferry_converter_plugin_t *)p;
}
