/* The plugins compiled into the worker; registry.c lists them. */
#ifndef FERRY_PLUGINS_BUILTIN_H
#define FERRY_PLUGINS_BUILTIN_H

#include <ferry/connector.h>
#include <ferry/converter.h>

/* Converters */
extern const ferry_converter_plugin_t ferry_json_converter;
extern const ferry_converter_plugin_t ferry_string_converter;
extern const ferry_converter_plugin_t ferry_bytearray_converter;

/* Connectors */
extern const ferry_connector_plugin_t ferry_file_source_connector;
extern const ferry_connector_plugin_t ferry_file_sink_connector;

#endif
