/* The plugins compiled into the worker: the structs of worker/plugins/, declared for the files
 * that define them and for runtime/registry.c, which lists them (the one file of worker/src that
 * may include a header of worker/plugins). Built on the SDK headers only. */
#ifndef FERRY_PLUGINS_BUILTIN_H
#define FERRY_PLUGINS_BUILTIN_H

#include <ferry/connector.h>
#include <ferry/converter.h>
#include <ferry/transform.h>

/* Converters */
extern const ferry_converter_plugin_t ferry_json_converter;
extern const ferry_converter_plugin_t ferry_string_converter;
extern const ferry_converter_plugin_t ferry_bytearray_converter;
extern const ferry_converter_plugin_t ferry_simple_header_converter;

/* Connectors */
extern const ferry_connector_plugin_t ferry_file_source_connector;
extern const ferry_connector_plugin_t ferry_file_sink_connector;

/* Transformations (worker/plugins/transforms/) */
extern const ferry_transform_plugin_t ferry_smt_cast_key, ferry_smt_cast_value;
extern const ferry_transform_plugin_t ferry_smt_drop_headers;
extern const ferry_transform_plugin_t ferry_smt_extract_field_key, ferry_smt_extract_field_value;
extern const ferry_transform_plugin_t ferry_smt_extract_topic_key, ferry_smt_extract_topic_value;
extern const ferry_transform_plugin_t ferry_smt_filter;
extern const ferry_transform_plugin_t ferry_smt_flatten_key, ferry_smt_flatten_value;
extern const ferry_transform_plugin_t ferry_smt_header_from_key, ferry_smt_header_from_value;
extern const ferry_transform_plugin_t ferry_smt_hoist_field_key, ferry_smt_hoist_field_value;
extern const ferry_transform_plugin_t ferry_smt_insert_field_key, ferry_smt_insert_field_value;
extern const ferry_transform_plugin_t ferry_smt_insert_header;
extern const ferry_transform_plugin_t ferry_smt_mask_field_key, ferry_smt_mask_field_value;
extern const ferry_transform_plugin_t ferry_smt_regex_router;
extern const ferry_transform_plugin_t ferry_smt_replace_field_key, ferry_smt_replace_field_value;
extern const ferry_transform_plugin_t ferry_smt_set_schema_metadata_key, ferry_smt_set_schema_metadata_value;
extern const ferry_transform_plugin_t ferry_smt_timestamp_converter_key, ferry_smt_timestamp_converter_value;
extern const ferry_transform_plugin_t ferry_smt_timestamp_router;
extern const ferry_transform_plugin_t ferry_smt_value_to_key;

/* Predicates (worker/plugins/predicates/) */
extern const ferry_predicate_plugin_t ferry_pred_topic_name_matches;
extern const ferry_predicate_plugin_t ferry_pred_has_header_key;
extern const ferry_predicate_plugin_t ferry_pred_record_is_tombstone;

#endif
