#!/usr/bin/env bash
# elastic.security.protocol=SSL with Confluent's elastic.https.ssl.* keys on a real OpenSearch over
# HTTPS (hack/services.sh serves it on two TLS ports with a certificate of its own CA: one checks
# the server only, one also demands a client certificate of that CA). The stores are made here
# from the service's PEM files with keytool and openssl: a JKS trust store against the server-only
# port; against the mutual-TLS port a PKCS12, a JKS and a PEM key store (with PEM and JKS trust
# stores). Each connector indexes its topic's documents; without a key store the mutual-TLS port
# refuses the handshake; an http:// address listed beside an https:// one is spoken to over TLS
# too; a wrong trust store password is a validation error naming the key.
# services: kafka opensearch
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

use_es
eval "$(hack/services.sh env "$ES_SERVICE" | grep -E '^SERVICE_(M?TLS_URL|TLS_DIR)=')"
[ -n "${SERVICE_MTLS_URL:-}" ] || fail "$ES_SERVICE offers no TLS ports"
keytool=
for k in ${JAVA_HOME:+"$JAVA_HOME/bin/keytool"} /usr/lib/jvm/java-17-openjdk*/bin/keytool keytool; do
        command -v "$k" >/dev/null 2>&1 && keytool=$k && break
done
[ -n "$keytool" ] || fail "no keytool (package openjdk-17-jre-headless)"
d=$WORK/stores
mkdir -p "$d"
src=$SERVICE_TLS_DIR
"$keytool" -importcert -noprompt -alias ca -file "$src/ca.pem" -keystore "$d/trust.jks" -storetype JKS -storepass trustpw >/dev/null 2>&1 || fail "keytool -importcert failed"
openssl pkcs12 -export -in "$src/client.pem" -inkey "$src/client.key" -passout pass:storepw -out "$d/client.p12" || fail "openssl pkcs12 failed"
"$keytool" -importkeystore -noprompt -srckeystore "$d/client.p12" -srcstoretype PKCS12 -srcstorepass storepw \
        -destkeystore "$d/client.jks" -deststoretype JKS -deststorepass storepw -destkeypass storepw >/dev/null 2>&1 || fail "keytool -importkeystore failed"
cat "$src/client.pem" "$src/client.key" >"$d/client-pem.pem"
# The documents go through TLS; the checks read the index over plain HTTP.
start_connect_worker

ssl='"elastic.security.protocol":"SSL"'
jks_trust='"elastic.https.ssl.truststore.location":"'$d/trust.jks'","elastic.https.ssl.truststore.password":"trustpw","elastic.https.ssl.truststore.type":"JKS"'
pem_trust='"elastic.https.ssl.truststore.location":"'$src/ca.pem'","elastic.https.ssl.truststore.type":"PEM"'
p12_key='"elastic.https.ssl.keystore.location":"'$d/client.p12'","elastic.https.ssl.keystore.password":"storepw","elastic.https.ssl.keystore.type":"PKCS12"'
jks_key='"elastic.https.ssl.keystore.location":"'$d/client.jks'","elastic.https.ssl.keystore.password":"storepw","elastic.https.ssl.key.password":"storepw","elastic.https.ssl.keystore.type":"JKS"'
pem_key='"elastic.https.ssl.keystore.location":"'$d/client-pem.pem'","elastic.https.ssl.keystore.type":"PEM"'

run=$RANDOM
declare -A cases=(
        [jks-trust]="$SERVICE_TLS_URL|$jks_trust"
        [p12-key]="$SERVICE_MTLS_URL|$pem_trust,$p12_key"
        [jks-key]="$SERVICE_MTLS_URL|$jks_trust,$jks_key"
        [pem-key]="$SERVICE_MTLS_URL|$pem_trust,$pem_key"
)
for c in "${!cases[@]}"; do
        topic=es_tls_${c//-/_}_$run
        printf '%s\n' 'a|{"n":1}' 'b|{"n":2}' | produce_records "$topic" '|'
        create_connector "es-tls-$c" "{\"connector.class\":\"$ES_CLASS\",\"topics\":\"$topic\",\"connection.url\":\"${cases[$c]%%|*}\",$ES_JSON,\"schema.ignore\":\"true\",$ssl,${cases[$c]#*|}}"
done
for c in "${!cases[@]}"; do
        wait_count "es_tls_${c//-/_}_$run" 2 90
        grep -q "es-tls-$c.*Connected to Elasticsearch at https://127.0.0.1" "$WORK/connect.log" || fail "$c: not connected over https"
        info "$c: 2 documents indexed over ${cases[$c]%%|*}"
done

# HTTPS for every address once one is https: the first address is the TLS port spelled http://,
# and with max.retries=0 a single request sent in plain HTTP would show as a retry or redelivery.
topic=es_tls_mixed_$run
printf '%s\n' 'a|{"n":1}' 'b|{"n":2}' | produce_records "$topic" '|'
create_connector es-tls-mixed "{\"connector.class\":\"$ES_CLASS\",\"topics\":\"$topic\",\"connection.url\":\"http://${SERVICE_TLS_URL#https://},$SERVICE_TLS_URL\",$ES_JSON,\"schema.ignore\":\"true\",\"max.retries\":\"0\",$ssl,$jks_trust}"
wait_count "$topic" 2 90
! grep -E 'es-tls-mixed.*(Retrying|delivered again|not reachable)' "$WORK/connect.log" || fail "a request to the http:// address was not sent over TLS"
info "http:// beside https:// in connection.url: both addresses used over TLS, 2 documents indexed"

# The mutual-TLS port refuses a client without a certificate.
topic=es_tls_nokey_$run
printf '%s\n' 'a|{"n":1}' | produce_records "$topic" '|'
create_connector es-tls-nokey "{\"connector.class\":\"$ES_CLASS\",\"topics\":\"$topic\",\"connection.url\":\"$SERVICE_MTLS_URL\",$ES_JSON,\"schema.ignore\":\"true\",$ssl,$pem_trust}"
wait_for 60 "the handshake refused" grep -q "es-tls-nokey.*not reachable yet" "$WORK/connect.log"
[ "$(es_count "$topic")" -le 0 ] || fail "documents went through without a client certificate"
info "no key store: $(grep -o 'es-tls-nokey.*not reachable yet.*' "$WORK/connect.log" | head -1 | sed 's/.*not reachable yet (//; s/); writes will retry//')"

# A wrong trust store password names the key.
cfg="{\"connector.class\":\"$ES_CLASS\",\"topics\":\"x\",\"connection.url\":\"$SERVICE_TLS_URL\",$ssl,${jks_trust/trustpw/wrongpw}}"
out=$(curl -s -X PUT -H 'Content-Type: application/json' "$REST/connector-plugins/ElasticsearchSinkConnector/config/validate" -d "$cfg")
echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
errs = {c["value"]["name"]: c["value"]["errors"] for c in d["configs"] if c["value"]["errors"]}
assert "elastic.https.ssl.truststore.password" in errs, errs
print(errs["elastic.https.ssl.truststore.password"][0])' >"$WORK/validate.txt" 2>&1 || fail "validate: $(cat "$WORK/validate.txt") $out"
info "wrong trust store password: $(cat "$WORK/validate.txt")"
echo PASS
