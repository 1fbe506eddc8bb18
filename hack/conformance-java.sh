#!/usr/bin/env bash
# hack/conformance-java.sh - runs the REST conformance fixtures of tests/conformance/ against
# Apache Kafka Connect itself, to prove that they describe the original.
#
# Resolves connect-runtime, connect-file and connect-json (the Kafka version of hack/kafka.sh) with
# Maven into ${FERRY_CACHE:-.cache}/connect-java, starts a broker with hack/kafka.sh (its own
# FERRY_KAFKA_STATE), runs org.apache.kafka.connect.cli.ConnectStandalone (and, with
# `distributed`, ConnectDistributed) on a free port and runs tests/conformance/run.py --target java.
# Fixtures tagged "ferry_only" are skipped; a fixture's "java" block is Java's recorded, deliberately
# different answer (docs/rest.md lists them).
#
# Usage: hack/conformance-java.sh [standalone|distributed|both] [run.py options, e.g. --only REGEX]
# Prints one line per fixture problem and a summary per mode; exits non-zero if any fixture failed.
# Reports (one JSON line per fixture) are kept in $FERRY_CACHE/connect-java/report-<mode>.jsonl.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
POM=$HERE/conformance/pom.xml
LOG4J=$HERE/conformance/connect-log4j.properties
abspath() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }
CACHE=$(abspath "${FERRY_CACHE:-$REPO/.cache}")/connect-java
MODE=${1:-standalone}
[ $# -gt 0 ] && shift
case $MODE in standalone | distributed | both) ;; *)
        sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
        exit 2
        ;;
esac

log() { printf 'conformance-java: %s\n' "$*" >&2; }
die() {
        log "error: $*"
        exit 1
}

kafka_version() { sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$1"; }
[ "$(kafka_version "$POM")" = "$(kafka_version "$HERE/kafka/pom.xml")" ] ||
        die "kafka.version differs between $POM and hack/kafka/pom.xml"

# ---- jars
sum=$(sha256sum "$POM" | cut -c1-12)
JARS=$CACHE/jars-$(kafka_version "$POM")-$sum
if [ ! -f "$JARS/.complete" ]; then
        command -v mvn >/dev/null || die "mvn is missing (make deps)"
        mkdir -p "$CACHE"
        tmp=$JARS.tmp.$$
        rm -rf "$tmp"
        log "resolving Kafka Connect $(kafka_version "$POM") jars with Maven into $JARS"
        mvn -B -q -f "$POM" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >&2 ||
                die "mvn dependency:copy-dependencies failed"
        ls "$tmp"/connect-runtime-*.jar >/dev/null || die "no connect-runtime jar in $tmp"
        touch "$tmp/.complete"
        rm -rf "$JARS"
        mv "$tmp" "$JARS"
fi

# ---- broker
export FERRY_KAFKA_STATE=$CACHE/kafka-state
RUN=$(mktemp -d "${TMPDIR:-/tmp}/ferry-conformance-java.XXXXXX")
CONNECT_PID=
cleanup() {
        if [ -n "$CONNECT_PID" ]; then
                kill "$CONNECT_PID" 2>/dev/null || true
                wait "$CONNECT_PID" 2>/dev/null || true
        fi
        "$REPO/hack/kafka.sh" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
BOOTSTRAP=$("$REPO/hack/kafka.sh" start | tail -1)
[ -n "$BOOTSTRAP" ] || die "no broker"
log "broker $BOOTSTRAP; work dir $RUN"

free_port() {
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# run_mode standalone|distributed: starts a worker, runs the fixtures, stops the worker.
run_mode() {
        local mode=$1 port dir
        shift
        port=$(free_port)
        dir=$RUN/$mode
        mkdir -p "$dir/files"
        cat >"$dir/worker.properties" <<P
bootstrap.servers=$BOOTSTRAP
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.storage.StringConverter
offset.flush.interval.ms=1000
listeners=http://127.0.0.1:$port
P
        local main=org.apache.kafka.connect.cli.ConnectStandalone
        if [ "$mode" = standalone ]; then
                echo "offset.storage.file.filename=$dir/connect.offsets" >>"$dir/worker.properties"
        else
                main=org.apache.kafka.connect.cli.ConnectDistributed
                local id=conformance-$$-$RANDOM
                cat >>"$dir/worker.properties" <<P
group.id=$id
config.storage.topic=$id-configs
offset.storage.topic=$id-offsets
status.storage.topic=$id-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
offset.storage.partitions=1
status.storage.partitions=1
scheduled.rebalance.max.delay.ms=0
P
        fi
        log "starting $main on 127.0.0.1:$port"
        java -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.net.preferIPv4Stack=true \
                -Dlog4j.configuration="file:$LOG4J" -cp "$JARS/*" "$main" "$dir/worker.properties" \
                >"$dir/connect.log" 2>&1 &
        CONNECT_PID=$!
        local deadline=$((SECONDS + 180))
        until curl -fsS "http://127.0.0.1:$port/connectors" >/dev/null 2>&1; do
                kill -0 "$CONNECT_PID" 2>/dev/null || {
                        tail -40 "$dir/connect.log" >&2
                        die "Kafka Connect exited during start-up (log: $dir/connect.log)"
                }
                [ "$SECONDS" -lt "$deadline" ] || die "Kafka Connect did not answer within 180 s"
                sleep 0.5
        done
        log "Kafka Connect ($mode) answers after $((SECONDS - deadline + 180)) s"
        local rc=0
        python3 "$REPO/tests/conformance/run.py" --target java --base-url "http://127.0.0.1:$port" \
                --java-mode "$mode" --worker-id "127.0.0.1:$port" --tmp "$dir/files" --report "$CACHE/report-$mode.jsonl" "$@" || rc=$?
        python3 - "$CACHE/report-$mode.jsonl" "$mode" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
n = {k: sum(1 for r in rows if r["result"] == k) for k in ("pass", "fail", "skip")}
over = sum(1 for r in rows if r["result"] == "pass" and r["java_override"])
print(f"Apache Kafka Connect {sys.argv[2]}: {len(rows)} fixtures, {n['pass']} passed "
      f"({n['pass'] - over} as written, {over} with Java's recorded difference), {n['fail']} failed, "
      f"{n['skip']} skipped (ferry_only)")
PY
        kill "$CONNECT_PID" 2>/dev/null || true
        wait "$CONNECT_PID" 2>/dev/null || true
        CONNECT_PID=
        return $rc
}

status=0
if [ "$MODE" = standalone ] || [ "$MODE" = both ]; then
        run_mode standalone "$@" || status=1
fi
if [ "$MODE" = distributed ] || [ "$MODE" = both ]; then
        run_mode distributed "$@" || status=1
fi
exit $status
