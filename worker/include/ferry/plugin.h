/* What every plugin shares, and how an external plugin library exports its plugins.
 *
 * Each plugin is one static struct whose first member is a ferry_plugin_info_t; the registry
 * finds plugins by full Java class name, simple class name, or simple name without the
 * "Connector" suffix. A shared library in plugin.path exports:
 *     const ferry_plugin_info_t *const *ferry_plugin_list(void);  (NULL-terminated) */
#ifndef FERRY_PLUGIN_H
#define FERRY_PLUGIN_H

#include <ferry/config.h>

/* Raised whenever a plugin struct changes layout; plugins built for another value are refused.
 * 2: converters gained the optional borrow op. */
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
        int abi; /* FERRY_PLUGIN_ABI */
        ferry_plugin_type_t type;
        const char *class_name; /* full Java-style class name */
        const char *version;
        const char *const *aliases;       /* other names that resolve to this plugin, NULL-terminated */
        const ferry_config_def_t *config; /* table, NULL-name terminated; may be NULL */
        const char *doc;
} ferry_plugin_info_t;

/* Connect's name for a plugin type: "source", "sink", "converter", ... */
const char *ferry_plugin_type_name(ferry_plugin_type_t t);

typedef const ferry_plugin_info_t *const *(*ferry_plugin_list_fn)(void);

#endif
