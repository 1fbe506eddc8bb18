#!/usr/bin/env bash
# External versioning on a real OpenSearch and Kafka, checked with curl.
# Replay: a second connector (a new consumer group, so it reads the topic again from the start)
# writes the same records with the same versions (their offsets): the server reports version
# conflicts, the sink ignores them and keeps RUNNING, and no document changes (_seq_no and _version
# as before; a document written meanwhile with a higher version keeps its content).
# services: kafka opensearch
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

use_es
start_connect_worker

topic=es_replay_$RANDOM
for i in $(seq 1 50); do echo "k$((i % 20))|{\"i\":$i}"; done | produce_records "$topic" '|'
es_sink es-replay-1 "$topic" "$ES_JSON,\"schema.ignore\":\"true\""
wait_count "$topic" 20
# committed GROUP: the group has committed offset 50 (the end of the topic), read with confluent-kafka.
PY=$(hack/pyenv.sh | tail -1) || fail "no Python venv (hack/pyenv.sh)"
committed() { [ "$("$PY" - "$KAFKA" "$topic" "$1" <<'PY'
import sys
from confluent_kafka import Consumer, TopicPartition
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": sys.argv[3], "enable.auto.commit": False})
print(c.committed([TopicPartition(sys.argv[2], 0)], timeout=10)[0].offset)
c.close()
PY
)" = 50 ]; }
wait_for 60 "connect-es-replay-1 committed offset 50" committed connect-es-replay-1
snap() { es GET "/$topic/_search?size=100&seq_no_primary_term=true&version=true" |
        python3 -c 'import json,sys; print(sorted((h["_id"], h["_version"], h["_seq_no"], json.dumps(h["_source"])) for h in json.load(sys.stdin)["hits"]["hits"]))'; }
# k1 was last written by record i=41 at offset 40.
[ "$(es_doc "$topic" k1 'd["_source"]["i"], d["_version"]')" = "(41, 40)" ] || fail "k1: $(es GET "/$topic/_doc/k1")"
# A newer version of k5 written by someone else must survive the replay.
es PUT "/$topic/_doc/k5?version=1000&version_type=external" '{"i":-1}' | grep -q '"result":"updated"' || fail "cannot write k5 with version 1000"
es POST "/$topic/_refresh" >/dev/null
before=$(snap)
curl -s -X DELETE "$REST/connectors/es-replay-1" >/dev/null
es_sink es-replay-2 "$topic" "$ES_JSON,\"schema.ignore\":\"true\""
wait_for 60 "connect-es-replay-2 committed offset 50" committed connect-es-replay-2
[ "$(connector_state es-replay-2 0)" = RUNNING ] || fail "the replaying task is not RUNNING"
es POST "/$topic/_refresh" >/dev/null
after=$(snap)
[ "$before" = "$after" ] || fail "the replay changed documents:
before $before
after  $after"
[ "$(es_doc "$topic" k5 'd["_source"]["i"]')" = -1 ] || fail "k5 overwritten by the replay"
info "replay of 50 records: 20 documents unchanged (versions, seq_no, content), k5 (version 1000) kept"

echo PASS
