# The Elasticsearch family (io.confluent.connect.elasticsearch.ElasticsearchSinkConnector) links
# libcurl (the REST API, several _bulk requests in flight over one multi handle with keep-alive)
# and uses the shared _bulk response parser (worker/connectors/shared/elasticsearch).
elasticsearch_PKGS := libcurl
elasticsearch_SHARED := elasticsearch/bulk_response
