/* The Cassandra connector family's plugin library (build/plugins/cassandra/cassandra.so): the
 * DataStax sink and the Lenses (Stream Reactor) sink under both of its class names. */
#include <ferry/connector.h>

extern const ferry_connector_plugin_t cass_datastax_plugin;
extern const ferry_connector_plugin_t cass_lenses_dm_plugin;
extern const ferry_connector_plugin_t cass_lenses_plugin;

FERRY_PLUGIN_LIST(&cass_datastax_plugin.info, &cass_lenses_dm_plugin.info, &cass_lenses_plugin.info)
