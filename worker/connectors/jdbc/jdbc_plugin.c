/* The JDBC plugin library: exports the Confluent-compatible JDBC source and sink connectors
 * (jdbc_source.c, jdbc_sink.c) to ferry-worker, which loads build/plugins/jdbc/jdbc.so from
 * plugin.path. */
#include <ferry/connector.h>

extern const ferry_connector_plugin_t jdbc_source_plugin;
extern const ferry_connector_plugin_t jdbc_sink_plugin;

FERRY_PLUGIN_LIST(&jdbc_source_plugin.info, &jdbc_sink_plugin.info)
