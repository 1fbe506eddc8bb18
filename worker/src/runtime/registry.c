/* Plugin registry: the one static list of built-in plugins, external plugins loaded with dlopen
 * from plugin.path, and name resolution (full Java class name, simple name, simple name without
 * the "Connector" suffix, aliases). The worker and REST layer look every plugin up here.
 *
 * Loading enforces the plugin ABI (ferry/plugin.h): a plugin's structs and config table are read
 * with the sizes it was built with, and when those differ from this worker's they are copied into
 * structs of this worker's sizes, members the plugin lacks left NULL/0, so the rest of the runtime
 * reads every plugin the same way. Bad libraries are logged with their file name and skipped. */
#include "runtime/registry.h"

#include "../../plugins/builtin.h"

#include <ferry/buf.h>
#include <ferry/log.h>

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

#define END_OF(type, member) (offsetof(type, member) + sizeof(((type *)0)->member))

/* The size of the plugin struct of a type in this worker, and the smallest a plugin of this ABI
 * may have: the struct as ABI 2 first shipped it, so the minimums keep naming the last members of
 * that release when members are added (those are optional by the contract in ferry/plugin.h).
 * 0 for an unknown type. */
static size_t plugin_size(ferry_plugin_type_t t, bool minimum)
{
        switch (t) {
        case FERRY_PLUGIN_SOURCE:
        case FERRY_PLUGIN_SINK:
                return minimum ? END_OF(ferry_connector_plugin_t, sink) : sizeof(ferry_connector_plugin_t);
        case FERRY_PLUGIN_CONVERTER:
        case FERRY_PLUGIN_HEADER_CONVERTER:
                return minimum ? END_OF(ferry_converter_plugin_t, close) : sizeof(ferry_converter_plugin_t);
        case FERRY_PLUGIN_TRANSFORMATION:
                return minimum ? END_OF(ferry_transform_plugin_t, close) : sizeof(ferry_transform_plugin_t);
        case FERRY_PLUGIN_PREDICATE:
                return minimum ? END_OF(ferry_predicate_plugin_t, close) : sizeof(ferry_predicate_plugin_t);
        }
        return 0;
}

#define MIN_CONFIG_DEF_SIZE END_OF(ferry_config_def_t, validate)
#define MIN_SOURCE_OPS_SIZE END_OF(ferry_source_task_ops_t, stop)
#define MIN_SINK_OPS_SIZE   END_OF(ferry_sink_task_ops_t, stop)

/* Reads a struct of src_size bytes as one of size bytes: members beyond src_size read as 0. */
static void read_sized(void *dst, size_t size, const void *src, size_t src_size)
{
        memset(dst, 0, size);
        memcpy(dst, src, src_size < size ? src_size : size);
}

static int check_ops(const char *cls, const char *what, const void *ops, size_t min, char *errstr,
                     size_t errstr_size)
{
        if (!ops) {
                snprintf(errstr, errstr_size, "plugin %s has no %s task callbacks", cls, what);
                return -1;
        }
        size_t size = *(const size_t *)ops;
        if (size < min) {
                snprintf(errstr, errstr_size,
                         "plugin %s: its %s task callbacks say they are %zu bytes, at least %zu expected "
                         "(set .size = sizeof(ferry_%s_task_ops_t))",
                         cls, what, size, min, what);
                return -1;
        }
        return 0;
}

int ferry_plugin_check(const ferry_plugin_info_t *p, char *errstr, size_t errstr_size)
{
        if (p->abi != FERRY_PLUGIN_ABI) {
                /* Nothing beyond .abi may be read: another ABI lays the struct out differently. */
                snprintf(errstr, errstr_size, "built for plugin ABI %d, this worker has plugin ABI %d",
                         p->abi, FERRY_PLUGIN_ABI);
                return -1;
        }
        size_t min = plugin_size(p->type, true);
        if (!min) {
                snprintf(errstr, errstr_size, "unknown plugin type %d", (int)p->type);
                return -1;
        }
        const char *cls = p->class_name;
        if (!cls || !*cls) {
                snprintf(errstr, errstr_size, "a %s plugin has no class name",
                         ferry_plugin_type_name(p->type));
                return -1;
        }
        if (p->size < min) {
                snprintf(errstr, errstr_size,
                         "plugin %s says its struct is %u bytes, at least %zu expected (use "
                         "FERRY_PLUGIN_INFO)",
                         cls, (unsigned)p->size, min);
                return -1;
        }
        if (p->config && p->config_def_size < MIN_CONFIG_DEF_SIZE) {
                snprintf(errstr, errstr_size,
                         "plugin %s: its config table entries say they are %u bytes, at least %zu expected "
                         "(use FERRY_PLUGIN_INFO)",
                         cls, (unsigned)p->config_def_size, (size_t)MIN_CONFIG_DEF_SIZE);
                return -1;
        }
        union {
                ferry_connector_plugin_t conn;
                ferry_converter_plugin_t conv;
                ferry_transform_plugin_t tr;
                ferry_predicate_plugin_t pred;
        } u;
        read_sized(&u, plugin_size(p->type, false), p, p->size);
        const char *missing = NULL;
        switch (p->type) {
        case FERRY_PLUGIN_SOURCE:
        case FERRY_PLUGIN_SINK:
                if (!u.conn.task_configs) {
                        missing = "task_configs";
                        break;
                }
                if (p->type == FERRY_PLUGIN_SOURCE) {
                        if (check_ops(cls, "source", u.conn.source, MIN_SOURCE_OPS_SIZE, errstr,
                                      errstr_size) < 0)
                                return -1;
                        ferry_source_task_ops_t ops;
                        read_sized(&ops, sizeof(ops), u.conn.source, u.conn.source->size);
                        missing = !ops.start ? "source start" : !ops.poll ? "source poll" : NULL;
                } else {
                        if (check_ops(cls, "sink", u.conn.sink, MIN_SINK_OPS_SIZE, errstr, errstr_size) < 0)
                                return -1;
                        ferry_sink_task_ops_t ops;
                        read_sized(&ops, sizeof(ops), u.conn.sink, u.conn.sink->size);
                        missing = !ops.start ? "sink start" : !ops.put ? "sink put" : NULL;
                }
                break;
        case FERRY_PLUGIN_CONVERTER:
        case FERRY_PLUGIN_HEADER_CONVERTER:
                missing = !u.conv.from_connect ? "from_connect" : !u.conv.to_connect ? "to_connect" : NULL;
                break;
        case FERRY_PLUGIN_TRANSFORMATION:
                missing = !u.tr.apply ? "apply" : NULL;
                break;
        case FERRY_PLUGIN_PREDICATE:
                missing = !u.pred.test ? "test" : NULL;
                break;
        }
        if (missing) {
                snprintf(errstr, errstr_size, "plugin %s has no %s callback", cls, missing);
                return -1;
        }
        return 0;
}

static void *own(ferry_registry_t *r, void *p)
{
        if (!p)
                return NULL;
        void **no = realloc(r->owned, (r->n_owned + 1) * sizeof(*no));
        if (!no) {
                free(p);
                return NULL;
        }
        r->owned = no;
        r->owned[r->n_owned++] = p;
        return p;
}

static void *sized_copy(ferry_registry_t *r, const void *src, size_t src_size, size_t size)
{
        void *p = own(r, malloc(size));
        if (p)
                read_sized(p, size, src, src_size);
        return p;
}

/* The plugin laid out at this worker's sizes: p itself when they match (every built-in), else a
 * copy owned by the registry. NULL when out of memory. Assumes ferry_plugin_check passed. */
static const ferry_plugin_info_t *native_plugin(ferry_registry_t *r, const ferry_plugin_info_t *p)
{
        size_t size = plugin_size(p->type, false);
        const ferry_connector_plugin_t *conn = NULL;
        bool same = p->size == size && (!p->config || p->config_def_size == sizeof(ferry_config_def_t));
        if (p->type == FERRY_PLUGIN_SOURCE || p->type == FERRY_PLUGIN_SINK) {
                conn = (const ferry_connector_plugin_t *)p;
                if (p->size >= END_OF(ferry_connector_plugin_t, sink)) {
                        same = same &&
                               (!conn->source || conn->source->size == sizeof(ferry_source_task_ops_t));
                        same = same && (!conn->sink || conn->sink->size == sizeof(ferry_sink_task_ops_t));
                }
        }
        if (same)
                return p;
        ferry_plugin_info_t *copy = sized_copy(r, p, p->size, size);
        if (!copy)
                return NULL;
        copy->size = (uint32_t)size;
        if (p->config) {
                size_t stride = p->config_def_size, n = 0;
                while (*(const char *const *)((const char *)p->config + n * stride))
                        n++;
                ferry_config_def_t *defs = own(r, calloc(n + 1, sizeof(*defs)));
                if (!defs)
                        return NULL;
                for (size_t i = 0; i < n; i++)
                        read_sized(&defs[i], sizeof(defs[i]), (const char *)p->config + i * stride, stride);
                copy->config = defs;
                copy->config_def_size = sizeof(ferry_config_def_t);
        }
        if (conn) {
                ferry_connector_plugin_t *cc = (ferry_connector_plugin_t *)copy;
                if (cc->source &&
                    !(cc->source = sized_copy(r, cc->source, cc->source->size, sizeof(*cc->source))))
                        return NULL;
                if (cc->sink && !(cc->sink = sized_copy(r, cc->sink, cc->sink->size, sizeof(*cc->sink))))
                        return NULL;
                if (cc->source)
                        ((ferry_source_task_ops_t *)cc->source)->size = sizeof(ferry_source_task_ops_t);
                if (cc->sink)
                        ((ferry_sink_task_ops_t *)cc->sink)->size = sizeof(ferry_sink_task_ops_t);
        }
        return copy;
}

static int add_plugin(ferry_registry_t *r, const ferry_plugin_info_t *p, const char *origin)
{
        if (r->n == r->cap) {
                size_t cap = r->cap ? r->cap * 2 : 64;
                const ferry_plugin_info_t **np = realloc(r->plugins, cap * sizeof(*np));
                if (!np)
                        return -1;
                r->plugins = np;
                char **no = realloc(r->origins, cap * sizeof(*no));
                if (!no)
                        return -1;
                r->origins = no;
                r->cap = cap;
        }
        char *o = NULL;
        if (origin && !(o = strdup(origin)))
                return -1;
        r->plugins[r->n] = p;
        r->origins[r->n++] = o;
        return 0;
}

const ferry_plugin_info_t *ferry_registry_add(ferry_registry_t *r, const ferry_plugin_info_t *p,
                                              const char *origin, char *errstr, size_t errstr_size)
{
        if (ferry_plugin_check(p, errstr, errstr_size) < 0)
                return NULL;
        for (size_t k = 0; k < r->n; k++)
                if (!strcmp(r->plugins[k]->class_name, p->class_name))
                        FERRY_WARN("plugin.path: %s: class %s is also provided by %s; a configuration naming "
                                   "it is "
                                   "refused until one of them is removed",
                                   origin ? origin : "built-in", p->class_name,
                                   r->origins[k] ? r->origins[k] : "the worker");
        const ferry_plugin_info_t *native = native_plugin(r, p);
        if (!native || add_plugin(r, native, origin) < 0) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        return native;
}

const char *ferry_registry_origin(const ferry_registry_t *r, const ferry_plugin_info_t *p)
{
        for (size_t i = 0; i < r->n; i++)
                if (r->plugins[i] == p)
                        return r->origins[i] ? r->origins[i] : "built-in";
        return "unknown";
}

/* Loads one library. Every problem is logged with the file name and the library skipped; -1 only
 * when out of memory. */
static int load_library(ferry_registry_t *r, const char *path)
{
        void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
                FERRY_WARN("plugin.path: skipping %s: not a loadable shared library: %s", path, dlerror());
                return 0;
        }
        ferry_plugin_list_fn fn;
        *(void **)&fn = dlsym(h, "ferry_plugin_list");
        if (!fn) {
                FERRY_WARN(
                        "plugin.path: skipping %s: it exports no ferry_plugin_list(), so it is not a Ferry "
                        "plugin library",
                        path);
                dlclose(h);
                return 0;
        }
        const ferry_plugin_info_t *const *list = fn();
        size_t n = 0;
        char why[512];
        for (; list && list[n]; n++) {
                if (ferry_plugin_check(list[n], why, sizeof(why)) < 0) {
                        FERRY_ERROR("plugin.path: refusing %s: %s; none of its plugins are loaded", path,
                                    why);
                        dlclose(h);
                        return 0;
                }
        }
        if (n == 0) {
                FERRY_WARN("plugin.path: skipping %s: its ferry_plugin_list() lists no plugins", path);
                dlclose(h);
                return 0;
        }
        void **nh = realloc(r->handles, (r->n_handles + 1) * sizeof(*nh));
        if (!nh) {
                dlclose(h);
                return -1;
        }
        r->handles = nh;
        r->handles[r->n_handles++] = h;
        for (size_t i = 0; i < n; i++) {
                const ferry_plugin_info_t *p = ferry_registry_add(r, list[i], path, why, sizeof(why));
                if (!p)
                        return -1;
                FERRY_INFO("Loaded plugin %s (%s) from %s", p->class_name, ferry_plugin_type_name(p->type),
                           path);
        }
        return 0;
}

static bool is_library_name(const char *name)
{
        size_t n = strlen(name);
        return (n > 3 && !strcmp(name + n - 3, ".so")) || strstr(name, ".so.") != NULL;
}

/* A plugin.path entry: a library, or a directory of libraries and of plugin folders (depth 0), or
 * a plugin folder (depth 1). Unreadable entries are logged and skipped; -1 only when out of
 * memory. */
static int load_path(ferry_registry_t *r, const char *path, int depth)
{
        struct stat st;
        if (stat(path, &st) < 0) {
                if (errno == ENOENT && depth == 0)
                        FERRY_INFO("plugin.path: %s does not exist; no plugins loaded from it", path);
                else
                        FERRY_WARN("plugin.path: skipping %s: %s", path, strerror(errno));
                return 0;
        }
        if (!S_ISDIR(st.st_mode)) {
                if (depth > 0 && !is_library_name(path)) {
                        FERRY_INFO("plugin.path: ignoring %s: not a shared library (*.so)", path);
                        return 0;
                }
                return load_library(r, path);
        }
        if (depth > 1) {
                FERRY_DEBUG("plugin.path: ignoring directory %s (plugin folders are one level deep)", path);
                return 0;
        }
        struct dirent **ents;
        int n = scandir(path, &ents, NULL, alphasort);
        if (n < 0) {
                FERRY_WARN("plugin.path: skipping directory %s: cannot list it: %s", path, strerror(errno));
                return 0;
        }
        int rc = 0;
        for (int i = 0; i < n; i++) {
                if (rc == 0 && ents[i]->d_name[0] != '.') {
                        char full[4096];
                        if ((size_t)snprintf(full, sizeof(full), "%s/%s", path, ents[i]->d_name) >=
                            sizeof(full))
                                FERRY_WARN("plugin.path: skipping %s/%s: path too long", path,
                                           ents[i]->d_name);
                        else
                                rc = load_path(r, full, depth + 1);
                }
                free(ents[i]);
        }
        free(ents);
        return rc;
}

int ferry_registry_init(ferry_registry_t *r, const char *plugin_path, char *errstr, size_t errstr_size)
{
        memset(r, 0, sizeof(*r));
        for (size_t i = 0; builtins[i]; i++) {
                char why[512];
                if (!ferry_registry_add(r, builtins[i], NULL, why, sizeof(why))) {
                        snprintf(errstr, errstr_size, "built-in plugin: %s", why);
                        return -1;
                }
        }
        if (!plugin_path || !*plugin_path)
                return 0;
        size_t n;
        char **paths = ferry_split_list(plugin_path, &n);
        if (!paths)
                goto nomem;
        int rc = 0;
        for (size_t i = 0; i < n && rc == 0; i++)
                rc = load_path(r, paths[i], 0);
        ferry_strlist_free(paths, n);
        if (rc == 0)
                return 0;
nomem:
        snprintf(errstr, errstr_size, "plugin.path: out of memory loading plugins");
        return -1;
}

void ferry_registry_free(ferry_registry_t *r)
{
        free(r->plugins);
        for (size_t i = 0; i < r->n; i++)
                free(r->origins[i]);
        free(r->origins);
        for (size_t i = 0; i < r->n_owned; i++)
                free(r->owned[i]);
        free(r->owned);
        for (size_t i = 0; i < r->n_handles; i++)
                dlclose(r->handles[i]);
        free(r->handles);
        memset(r, 0, sizeof(*r));
}

/* Does name denote class by a short form (simple name, or simple name without "Connector")? */
static bool short_name_matches(const char *name, const char *class_name)
{
        const char *simple = strrchr(class_name, '.');
        simple = simple ? simple + 1 : class_name;
        if (!strcmp(name, simple))
                return true;
        size_t n = strlen(simple), m = strlen("Connector");
        return n > m && !strcmp(simple + n - m, "Connector") && strlen(name) == n - m &&
               !strncmp(name, simple, n - m);
}

static bool type_matches(ferry_plugin_type_t t, int type)
{
        switch (type) {
        case FERRY_FIND_ANY:
                return true;
        case FERRY_FIND_CONNECTOR:
                return t == FERRY_PLUGIN_SOURCE || t == FERRY_PLUGIN_SINK;
        case FERRY_FIND_CONVERTER:
                return t == FERRY_PLUGIN_CONVERTER || t == FERRY_PLUGIN_HEADER_CONVERTER;
        default:
                return (int)t == type;
        }
}

/* The registry indexes of the plugins name denotes (at most max): those whose full class name it
 * is, else those it names by a short form or an alias. Returns how many there are. */
static size_t matches(const ferry_registry_t *r, const char *name, int type, size_t *out, size_t max)
{
        size_t n = 0;
        if (!name)
                return 0;
        for (int tier = 0; tier < 2 && n == 0; tier++) {
                for (size_t i = 0; i < r->n; i++) {
                        const ferry_plugin_info_t *p = r->plugins[i];
                        if (!type_matches(p->type, type))
                                continue;
                        bool hit = tier == 0 ? !strcmp(name, p->class_name)
                                             : short_name_matches(name, p->class_name);
                        for (size_t k = 0; !hit && tier == 1 && p->aliases && p->aliases[k]; k++)
                                hit = !strcmp(name, p->aliases[k]);
                        if (hit) {
                                if (n < max)
                                        out[n] = i;
                                n++;
                        }
                }
        }
        return n;
}

const ferry_plugin_info_t *ferry_registry_find(const ferry_registry_t *r, const char *name, int type)
{
        size_t idx;
        return matches(r, name, type, &idx, 1) == 1 ? r->plugins[idx] : NULL;
}

bool ferry_registry_ambiguous(const ferry_registry_t *r, const char *name, int type, char *msg,
                              size_t msg_size)
{
        size_t idx[16];
        size_t n = matches(r, name, type, idx, 16);
        if (n < 2)
                return false;
        const char *kind = type == FERRY_FIND_CONNECTOR   ? "connector"
                           : type == FERRY_FIND_CONVERTER ? "converter"
                           : type >= 0                    ? ferry_plugin_type_name((ferry_plugin_type_t)type)
                                                          : "plugin";
        ferry_buf_t b;
        ferry_buf_init(&b);
        if (!strcmp(name, r->plugins[idx[0]]->class_name))
                ferry_buf_printf(
                        &b,
                        "More than one plugin library provides %s class %s; remove all but one of them. "
                        "Classes found: ",
                        kind, name);
        else
                ferry_buf_printf(&b,
                                 "More than one %s matches alias %s. Please use full package and class name "
                                 "instead. Classes found: ",
                                 kind, name);
        for (size_t i = 0; i < n && i < 16; i++)
                ferry_buf_printf(&b, "%s%s (%s)", i ? ", " : "", r->plugins[idx[i]]->class_name,
                                 r->origins[idx[i]] ? r->origins[idx[i]] : "built-in");
        snprintf(msg, msg_size, "%s", b.p ? b.p : "ambiguous plugin name");
        ferry_buf_free(&b);
        return true;
}

const ferry_connector_plugin_t *ferry_registry_connector(const ferry_registry_t *r, const char *name)
{
        return (const ferry_connector_plugin_t *)ferry_registry_find(r, name, FERRY_FIND_CONNECTOR);
}

const ferry_converter_plugin_t *ferry_registry_converter(const ferry_registry_t *r, const char *name)
{
        return (const ferry_converter_plugin_t *)ferry_registry_find(r, name, FERRY_FIND_CONVERTER);
}
