/* Plugin registry: built-in plugins plus those loaded from plugin.path, looked up by name. */
#ifndef FERRY_REGISTRY_H
#define FERRY_REGISTRY_H

#include <ferry/connector.h>
#include <ferry/converter.h>
#include <ferry/transform.h>

typedef struct ferry_registry {
        const ferry_plugin_info_t **plugins; /* each laid out at this worker's struct sizes */
        char **origins;                      /* per plugin: the library it came from; NULL: built in */
        size_t n, cap;
        void **handles; /* dlopen handles */
        size_t n_handles;
        void **owned; /* copies of plugin structs and tables built with other sizes */
        size_t n_owned;
} ferry_registry_t;

/* Lookup type filters besides a ferry_plugin_type_t. */
#define FERRY_FIND_ANY       (-1)
#define FERRY_FIND_CONNECTOR (-2) /* source or sink */
#define FERRY_FIND_CONVERTER (-3) /* converter or header converter */

/* Registers the built-ins, then loads every *.so found in the comma-separated plugin_path: a file,
 * or a directory whose *.so files and whose subdirectories' *.so files (one folder per plugin
 * family) are loaded. A library that cannot be used (not a shared library, no ferry_plugin_list,
 * another plugin ABI, a malformed plugin struct) and an unreadable entry are logged with the file
 * name and skipped: only running out of memory or a broken built-in fails (-1, errstr). */
int ferry_registry_init(ferry_registry_t *r, const char *plugin_path, char *errstr, size_t errstr_size);
void ferry_registry_free(ferry_registry_t *r);
/* Checks a plugin struct against this worker's ABI (number, sizes, required callbacks). 0 when
 * usable; else -1 and errstr says why. */
int ferry_plugin_check(const ferry_plugin_info_t *p, char *errstr, size_t errstr_size);
/* Registers one plugin (origin: its library, NULL for a built-in) after ferry_plugin_check; a
 * plugin built with other struct sizes is registered as a copy at this worker's sizes. Returns
 * the registered struct, or NULL with errstr. A class name already registered is logged. */
const ferry_plugin_info_t *ferry_registry_add(ferry_registry_t *r, const ferry_plugin_info_t *p,
                                              const char *origin, char *errstr, size_t errstr_size);
/* Full class name, simple name, simple name without "Connector", or an alias, among plugins of
 * type (a ferry_plugin_type_t or a FERRY_FIND_* filter). A full class name wins over the other
 * forms; a name that still names more than one plugin finds nothing (see
 * ferry_registry_ambiguous). */
const ferry_plugin_info_t *ferry_registry_find(const ferry_registry_t *r, const char *name, int type);
/* True when name names more than one plugin of type; msg then gets Connect's message listing
 * every match with the library it came from. */
bool ferry_registry_ambiguous(const ferry_registry_t *r, const char *name, int type, char *msg,
                              size_t msg_size);
/* Where the plugin came from: its library's path, or "built-in". */
const char *ferry_registry_origin(const ferry_registry_t *r, const ferry_plugin_info_t *p);
const ferry_connector_plugin_t *ferry_registry_connector(const ferry_registry_t *r, const char *name);
const ferry_converter_plugin_t *ferry_registry_converter(const ferry_registry_t *r, const char *name);

#endif
