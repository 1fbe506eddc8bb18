/* What every plugin shares, and how an external plugin library exports its plugins.
 *
 * Each plugin is one static struct whose first member is a ferry_plugin_info_t; the registry
 * finds plugins by full Java class name, simple class name, or simple name without the
 * "Connector" suffix. A shared library in plugin.path exports (FERRY_PLUGIN_LIST writes it):
 *     const ferry_plugin_info_t *const *ferry_plugin_list(void);  (NULL-terminated) */
#ifndef FERRY_PLUGIN_H
#define FERRY_PLUGIN_H

#include <ferry/api.h>

#include <ferry/config.h>

#include <stddef.h>
#include <stdint.h>

/* The plugin ABI: the number a plugin was built for travels in its ferry_plugin_info_t.abi, and
 * the worker loads only plugins whose number equals its own.
 *
 * The contract that keeps the number stable:
 *  - Every struct a plugin fills carries its own size: ferry_plugin_info_t.size (the whole plugin
 *    struct: ferry_connector_plugin_t, ferry_converter_plugin_t, ...), .config_def_size (the
 *    element size of its ferry_config_def_t table) and .size of the task ops structs. Use
 *    FERRY_PLUGIN_INFO() and `.size = sizeof(ferry_source_task_ops_t)`; a size of 0 is refused.
 *  - Adding members at the END of those structs (a new optional callback, a new config field) is
 *    compatible and keeps the number: the worker reads a plugin's structs and config table with
 *    the plugin's own sizes and treats every member beyond them as absent (NULL / 0 / false).
 *    A plugin built against newer headers runs on an older worker as long as it needs nothing
 *    the older worker lacks (an SDK function it calls must exist, or dlopen refuses the library).
 *  - Anything else bumps the number: removing, reordering or retyping a member; growing
 *    ferry_plugin_info_t itself (it is embedded at the start of every plugin struct, so its size
 *    moves every callback after it); changing a struct the runtime lays out in arrays or that
 *    plugins declare themselves (ferry_strmap_t, ferry_kv_t, ferry_buf_t, ferry_records_t,
 *    ferry_header_t, ferry_field_t, ferry_param_t, ferry_topic_partition_t, ferry_cfg_errors_t).
 *  - Structs only the runtime allocates (ferry_record_t, ferry_schema_t, ferry_value_t) grow at
 *    the end; plugins create them with the SDK constructors, never with sizeof.
 *  - Handles (ferry_task_t, ferry_connector_ctx_t, ferry_config_t) are opaque.
 * A library whose plugin reports another number is refused at load with a log line naming the
 * file and both numbers; the worker keeps running without it.
 *
 * ABI 2: sizes in ferry_plugin_info_t and in the task ops structs; converters gained the optional
 * borrow op. */
#define FERRY_PLUGIN_ABI 2

typedef enum {
        FERRY_PLUGIN_SOURCE,
        FERRY_PLUGIN_SINK,
        FERRY_PLUGIN_CONVERTER,
        FERRY_PLUGIN_HEADER_CONVERTER,
        FERRY_PLUGIN_TRANSFORMATION,
        FERRY_PLUGIN_PREDICATE,
} ferry_plugin_type_t;

typedef struct ferry_plugin_info {
        int abi;       /* FERRY_PLUGIN_ABI; always the first member, read before anything else */
        uint32_t size; /* sizeof the whole plugin struct this info opens */
        ferry_plugin_type_t type;
        uint32_t config_def_size; /* sizeof(ferry_config_def_t) the config table was built with */
        const char *class_name;   /* full Java-style class name */
        const char *version;
        const char *const *aliases;       /* other names that resolve to this plugin, NULL-terminated */
        const ferry_config_def_t *config; /* table, NULL-name terminated; may be NULL */
        const char *doc;
} ferry_plugin_info_t;

/* The info of a plugin struct of type plugin_type, with the ABI and sizes filled in; the other
 * members follow as designated initialisers:
 *     .info = FERRY_PLUGIN_INFO(ferry_connector_plugin_t, .type = FERRY_PLUGIN_SOURCE, ...), */
#define FERRY_PLUGIN_INFO(plugin_type, ...)                                                                  \
        {                                                                                                    \
                .abi = FERRY_PLUGIN_ABI, .size = (uint32_t)sizeof(plugin_type),                              \
                .config_def_size = (uint32_t)sizeof(ferry_config_def_t), __VA_ARGS__                         \
        }

/* Does a struct that carries its size (`size` bytes) reach past member? For reading members added
 * after the struct first shipped: FERRY_HAS_MEMBER(ops->size, ferry_sink_task_ops_t, open). */
#define FERRY_HAS_MEMBER(size, type, member) ((size) >= offsetof(type, member) + sizeof(((type *)0)->member))

/* Connect's name for a plugin type: "source", "sink", "converter", ... */
FERRY_API const char *ferry_plugin_type_name(ferry_plugin_type_t t);

typedef const ferry_plugin_info_t *const *(*ferry_plugin_list_fn)(void);

/* Exports a symbol from a plugin library (built with -fvisibility=hidden or not). */
#if defined(__GNUC__) || defined(__clang__)
#define FERRY_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define FERRY_PLUGIN_EXPORT
#endif

/* The entry point of a plugin library; FERRY_PLUGIN_LIST(&a.info, &b.info) defines it. */
FERRY_PLUGIN_EXPORT const ferry_plugin_info_t *const *ferry_plugin_list(void);
#define FERRY_PLUGIN_LIST(...)                                                                               \
        FERRY_PLUGIN_EXPORT const ferry_plugin_info_t *const *ferry_plugin_list(void)                        \
        {                                                                                                    \
                static const ferry_plugin_info_t *const ferry_plugins_[] = {__VA_ARGS__, NULL};              \
                return ferry_plugins_;                                                                       \
        }

#endif
