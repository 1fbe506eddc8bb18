# Helpers for the HDFS sink tests (sourced after tests/connectors/lib.sh): the shared MiniDFSCluster
# (hack/services/hdfs.sh) read back through WebHDFS with hdfsutil.py (urllib, fastavro), topics
# created and records produced with confluent-kafka (tests/connectors/s3/s3util.py).

use_service hdfs
HDFS_RPC_URL=$(FERRY_SERVICES_STATE=$FERRY_SERVICES_STATE "$SERVICES" env hdfs | sed -n 's/^SERVICE_RPC_URL=//p')
PY=$("$REPO/hack/pyenv.sh" | tail -1) || fail "hack/pyenv.sh failed"
export HDFS_URL
HDFS_UTIL=$REPO/tests/connectors/hdfs/hdfsutil.py
KAFKA_UTIL=$REPO/tests/connectors/s3/s3util.py

hu() { "$PY" "$HDFS_UTIL" "$@"; }
ku() { "$PY" "$KAFKA_UTIL" "$@"; }

# hdfs_topic NAME PARTITIONS: creates a topic.
hdfs_topic() {
        [ -n "$KAFKA" ] || use_kafka
        ku mktopic "$KAFKA" "$1" "$2" || fail "cannot create topic $1"
}

# hdfs_root NAME: a fresh directory for this test's topics.dir/logs.dir (in ROOT).
hdfs_root() { ROOT=/ferry-test/${1:-t}-$RANDOM$RANDOM; }

# produce_seq TOPIC PARTITIONS FROM TO: JSON values {"p":P,"o":O} for offsets FROM..TO-1 of each
# partition (the topic must hold FROM records per partition before).
produce_seq() {
        "$PY" -c '
import sys, time
now = int(time.time() * 1000)
parts, lo, hi = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
for o in range(lo, hi):
    for p in range(parts):
        print("%d\t%d\t\t{\"p\":%d,\"o\":%d}" % (p, now, p, o))
' "$2" "$3" "$4" | ku produce "$KAFKA" "$1" || fail "producing to $1 failed"
}

# hdfs_config EXTRA_JSON_MEMBERS: the common connector config as JSON (schemaless JSON values).
hdfs_config() {
        printf '{"connector.class":"io.confluent.connect.hdfs.HdfsSinkConnector","hdfs.url":"%s","hdfs.user.name":"ferry","tasks.max":"1","value.converter":"org.apache.kafka.connect.json.JsonConverter","value.converter.schemas.enable":"false","format.class":"io.confluent.connect.hdfs.json.JsonFormat"%s}' \
                "$HDFS_URL" "${1:+,$1}"
}

# hdfs_rpc_config EXTRA_JSON_MEMBERS: hdfs_config with hdfs.url the NameNode's hdfs:// RPC address
# (as Confluent users give it; WAL entries are then full hdfs:// URLs) and a hadoop.conf.dir whose
# dfs.namenode.http-address gives the WebHDFS port.
hdfs_rpc_config() {
        mkdir -p "$WORK/hadoop-conf"
        printf '<?xml version="1.0"?>\n<configuration><property><name>dfs.namenode.http-address</name><value>127.0.0.1:%s</value></property></configuration>\n' \
                "$HDFS_PORT" >"$WORK/hadoop-conf/hdfs-site.xml"
        hdfs_config "\"hadoop.conf.dir\":\"$WORK/hadoop-conf\"${1:+,$1}" | sed "s|\"hdfs.url\":\"$HDFS_URL\"|\"hdfs.url\":\"$HDFS_RPC_URL\"|"
}

# walt read|append|read-append PATH [TEMP FINAL...]: tests/connectors/hdfs/java/FerryWalTool.java,
# Hadoop's own client reading or appending to a Confluent write-ahead log (compiled once into
# $FERRY_CACHE against the jars hack/services/hdfs.sh fetched).
walt() {
        local home java=java src=$REPO/tests/connectors/hdfs/java/FerryWalTool.java classes j
        home=$(cd "${FERRY_CACHE:-$REPO/.cache}/hdfs/hadoop-3.5.0" && pwd) || fail "no Hadoop jars (hack/services.sh start hdfs)"
        for j in /usr/lib/jvm/java-17-openjdk*/bin/java; do [ -x "$j" ] && java=$j; done
        classes=$(dirname "$home")/waltool-$(sha1sum "$src" | cut -c1-12)
        if [ ! -f "$classes/FerryWalTool.class" ]; then
                mkdir -p "$classes.$$"
                "$(dirname "$(readlink -f "$(command -v "$java")")")/javac" -nowarn -d "$classes.$$" -cp "$home/lib/*" "$src" ||
                        fail "javac FerryWalTool.java failed"
                mv -T "$classes.$$" "$classes" 2>/dev/null || rm -rf "$classes.$$"
        fi
        "$java" -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
                -cp "$classes:$home/lib/hadoop-client-api-3.5.0.jar:$home/lib/hadoop-client-runtime-3.5.0.jar:$home/lib/*" \
                FerryWalTool "$HDFS_RPC_URL" "$@" 2>>"$WORK/waltool.log"
}
