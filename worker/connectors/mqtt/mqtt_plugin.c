/* The MQTT connector family's plugin library (build/plugins/mqtt/mqtt.so): lists the
 * Confluent-compatible source and sink, and the Lenses (stream-reactor) source and sink under both
 * class-name generations, for the worker's plugin registry. */
#include <ferry/connector.h>

extern const ferry_connector_plugin_t mqtt_source_plugin;
extern const ferry_connector_plugin_t mqtt_sink_plugin;
extern const ferry_connector_plugin_t mqtt_dm_source_plugin;
extern const ferry_connector_plugin_t mqtt_dm_sink_plugin;
extern const ferry_connector_plugin_t mqtt_lenses_source_plugin;
extern const ferry_connector_plugin_t mqtt_lenses_sink_plugin;

FERRY_PLUGIN_LIST(&mqtt_source_plugin.info, &mqtt_sink_plugin.info, &mqtt_dm_source_plugin.info,
                  &mqtt_dm_sink_plugin.info, &mqtt_lenses_source_plugin.info, &mqtt_lenses_sink_plugin.info)
