/* Plugin registry: built-in plugins plus those loaded from plugin.path, looked up by name. */
#ifndef FERRY_REGISTRY_H
#define FERRY_REGISTRY_H

#include <ferry/connector.h>
#include <ferry/converter.h>
#include <ferry/transform.h>

typedef struct ferry_registry {
        const ferry_plugin_info_t **plugins;
        size_t n, cap;
        void **handles; /* dlopen handles */
        size_t n_handles;
} ferry_registry_t;

/* Registers the built-ins, then loads every *.so found in the comma-separated plugin_path
 * (files, or directories scanned one level deep). Errors name the file. */
int ferry_registry_init(ferry_registry_t *r, const char *plugin_path, char *errstr, size_t errstr_size);
void ferry_registry_free(ferry_registry_t *r);
/* Full class name, simple name, simple name without "Connector", or an alias; type filter < 0
 * matches any type. */
const ferry_plugin_info_t *ferry_registry_find(const ferry_registry_t *r, const char *name, int type);
const ferry_connector_plugin_t *ferry_registry_connector(const ferry_registry_t *r, const char *name);
const ferry_converter_plugin_t *ferry_registry_converter(const ferry_registry_t *r, const char *name);

#endif
