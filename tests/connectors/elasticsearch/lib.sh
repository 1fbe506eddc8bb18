# Helpers for the Elasticsearch sink tests (sourced after tests/connectors/lib.sh). The server is
# OpenSearch (hack/services.sh start opensearch) unless FERRY_ES_SERVICE names another system of
# hack/services.sh (elasticsearch: Elasticsearch 7.10.2). Every check reads the index with curl,
# independently of Ferry.
#
#   use_es                      starts/reuses the server; sets ES (its http://host:port)
#   es METHOD PATH [BODY]       curl against it; prints the body
#   es_count INDEX              refreshes INDEX and prints its document count
#   es_doc INDEX ID EXPR        prints the Python expression EXPR of the document's GET answer d
#   es_sink NAME TOPIC JSON     creates an Elasticsearch sink NAME for TOPIC with extra config JSON
#                               (an object's members without braces) and waits until it runs
#   es_committed NAME TOPIC N   true when connector NAME's group committed offset N on partition 0
ES_SERVICE=${FERRY_ES_SERVICE:-opensearch}
ES_CLASS=io.confluent.connect.elasticsearch.ElasticsearchSinkConnector

use_es() {
        use_service "$ES_SERVICE"
        local v
        v=$(echo "$ES_SERVICE" | tr 'a-z-' 'A-Z_')_URL
        ES=${!v}
        [ -n "$ES" ] || fail "no URL for $ES_SERVICE"
}

es() {
        local method=$1 path=$2
        if [ $# -ge 3 ]; then
                curl -s -X "$method" -H 'Content-Type: application/json' "$ES$path" -d "$3"
        else
                curl -s -X "$method" "$ES$path"
        fi
}

es_count() {
        es POST "/$1/_refresh" >/dev/null
        es GET "/$1/_count" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("count", -1))'
}

es_doc() {
        es GET "/$1/_doc/$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$2")" |
                python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$3"
}

# wait_count INDEX N [SECS]: until INDEX holds exactly N documents.
wait_count() {
        wait_for "${3:-60}" "$2 document(s) in $1" sh -c "[ \"\$(curl -s -X POST '$ES/$1/_refresh' >/dev/null; curl -s '$ES/$1/_count' | python3 -c 'import json,sys; print(json.load(sys.stdin).get(\"count\", -1))')\" = '$2' ]"
}

es_sink() {
        local name=$1 topic=$2 extra=${3:-}
        create_connector "$name" "{\"connector.class\":\"$ES_CLASS\",\"tasks.max\":\"1\",\"topics\":\"$topic\",\"connection.url\":\"$ES\"${extra:+,$extra}}"
        wait_connector_running "$name" 1
}

# Schemaless JSON values (JsonConverter, schemas.enable=false) and string keys.
ES_JSON='"value.converter":"org.apache.kafka.connect.json.JsonConverter","value.converter.schemas.enable":"false"'

es_committed() {
        [ -x build/tools/kafka-committed ] || make -s build/tools/kafka-committed >/dev/null || fail "cannot build kafka-committed"
        [ "$(build/tools/kafka-committed "$KAFKA" "connect-$1" "$2" 0 2>/dev/null)" = "$3" ]
}
