#!/usr/bin/env bash
# HDFS sink configuration errors name the key and say why: Kerberos asked for (not supported over
# WebHDFS here), Hive integration, an unknown format class, an hdfs.url with an unsupported scheme,
# no HDFS address at all, and an HA name service the hadoop.conf.dir does not describe. Each
# POST /connectors is refused with 400 and the message; nothing is created.
# services: kafka hdfs
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

start_connect_worker
confdir=$WORK/conf
mkdir -p "$confdir"
printf '<configuration><property><name>dfs.nameservices</name><value>ns9</value></property></configuration>\n' \
        >"$confdir/hdfs-site.xml"
refused() { # NAME EXTRA_JSON EXPECTED_SUBSTRING
        local body code
        body=$(python3 -c 'import json,sys; c=json.loads(sys.argv[2]); print(json.dumps({"name": sys.argv[1], "config": c}))' \
                "$1" "$2")
        code=$(curl -s -o "$WORK/$1.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' "$REST/connectors" -d "$body")
        [ "$code" = 400 ] || fail "$1: expected 400, got $code: $(cat "$WORK/$1.json")"
        grep -qF -- "$3" "$WORK/$1.json" || fail "$1: message lacks '$3': $(cat "$WORK/$1.json")"
        info "$1 refused: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["message"].splitlines()[1])' "$WORK/$1.json")"
}
base() { hdfs_config "\"topics\":\"bad\",\"flush.size\":\"3\"$1"; }
refused kerberos "$(base ',"hdfs.authentication.kerberos":"true","connect.hdfs.principal":"connect/_HOST@EXAMPLE.COM"')" "Kerberos authentication is not supported"
refused hive "$(base ',"hive.integration":"true"')" "Hive integration is not supported"
refused format "$(base ',"format.class":"io.confluent.connect.hdfs.orc.OrcFormat"')" "unknown format class"
refused scheme "$(base ',"hdfs.url":"s3a://bucket/x"')" "unsupported scheme"
refused nourl "$(hdfs_config '"topics":"bad","flush.size":"3"' | python3 -c 'import json,sys; c=json.load(sys.stdin); del c["hdfs.url"]; print(json.dumps(c))')" "no HDFS address"
refused nsconf "$(base ",\"hdfs.url\":\"hdfs://ns9\",\"hadoop.conf.dir\":\"$confdir\"")" "dfs.ha.namenodes.ns9"
[ "$(curl -s "$REST/connectors")" = "[]" ] || fail "a refused connector was created: $(curl -s "$REST/connectors")"
