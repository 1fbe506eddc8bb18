#!/usr/bin/env bash
# MQTT connectors over TLS (ssl:// URIs) against a real Mosquitto with a TLS listener that
# requires client certificates: a CA, a server and a client certificate made with openssl; the
# source reads with mqtt.ssl.trust.store.path (CA PEM) and mqtt.ssl.key.store.path (client
# certificate and key in one PEM); the sink publishes with the key in a file of its own
# (mqtt.ssl.key.path); a source that trusts another CA fails with a trace.
# services: kafka
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/lib.sh"
cd "$REPO"

pki=$WORK/pki
mkdir -p "$pki"
(
        cd "$pki"
        openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=ferry-test-ca
        openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >server.ext
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile server.ext
        openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=ferry-client
        openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2
        cat client.pem client.key >client-with-key.pem
        openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other-ca.pem -days 2 -subj /CN=other-ca
) >"$WORK/openssl.log" 2>&1 || fail "openssl failed: $(tail -5 "$WORK/openssl.log")"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
{
        echo "listener $port 127.0.0.1"
        echo "cafile $pki/ca.pem"
        echo "certfile $pki/server.pem"
        echo "keyfile $pki/server.key"
        echo "require_certificate true"
        echo "use_identity_as_username true"
        echo "allow_anonymous false"
        echo "persistence false"
        [ "$(id -u)" = 0 ] && echo "user root"
} >"$WORK/mosquitto.conf"
mosquitto -c "$WORK/mosquitto.conf" >"$WORK/mosquitto.log" 2>&1 &
CLEANUP+=("kill $! 2>/dev/null")
tls_pub() {
        mosquitto_pub -h 127.0.0.1 -p "$port" --cafile "$pki/ca.pem" --cert "$pki/client.pem" --key "$pki/client.key" "$@"
}
wait_for 20 "the TLS broker answers" tls_pub -t ping -m x

start_connect_worker value.converter=org.apache.kafka.connect.converters.ByteArrayConverter
create_connector tls-src "{\"connector.class\":\"io.confluent.connect.mqtt.MqttSourceConnector\",\"mqtt.server.uri\":\"ssl://127.0.0.1:$port\",\"mqtt.topics\":\"secure/#\",\"kafka.topic\":\"mqtt_tls\",\"mqtt.qos\":\"1\",\"mqtt.ssl.trust.store.path\":\"$pki/ca.pem\",\"mqtt.ssl.key.store.path\":\"$pki/client-with-key.pem\"}"
wait_connector_running tls-src 1
tls_pub -t secure/probe -m over-tls -r -q 1
wait_records mqtt_tls 1
[ "$(read_records mqtt_tls 1 30 '%k=%s\n')" = "secure/probe=over-tls" ] || fail "TLS source record wrong"
tls_pub -t secure/probe -r -n
info "source over ssl:// with a client certificate"

(mosquitto_sub -h 127.0.0.1 -p "$port" --cafile "$pki/ca.pem" --cert "$pki/client.pem" --key "$pki/client.key" \
        -t mqtt_tls_out -C 1 -W 60 >"$WORK/sub.txt" 2>&1) &
CLEANUP+=("kill $! 2>/dev/null")
create_connector tls-sink "{\"connector.class\":\"io.confluent.connect.mqtt.MqttSinkConnector\",\"topics\":\"mqtt_tls_out\",\"mqtt.server.uri\":\"ssl://127.0.0.1:$port\",\"mqtt.qos\":\"1\",\"mqtt.retained.enabled\":\"false\",\"mqtt.ssl.trust.store.path\":\"$pki/ca.pem\",\"mqtt.ssl.key.store.path\":\"$pki/client.pem\",\"mqtt.ssl.key.path\":\"$pki/client.key\"}"
wait_connector_running tls-sink 1
got_it() { echo secret | produce_records mqtt_tls_out; grep -qx secret "$WORK/sub.txt"; }
wait_for 60 "the sink's message over TLS" got_it
info "sink over ssl:// with the key in its own file"

create_connector tls-wrong-ca "{\"connector.class\":\"io.confluent.connect.mqtt.MqttSourceConnector\",\"mqtt.server.uri\":\"ssl://127.0.0.1:$port\",\"mqtt.topics\":\"secure/#\",\"mqtt.ssl.trust.store.path\":\"$pki/other-ca.pem\",\"mqtt.ssl.key.store.path\":\"$pki/client-with-key.pem\",\"max.retry.time.ms\":\"1000\"}"
wait_for 60 "tls-wrong-ca FAILED" sh -c "curl -s '$REST/connectors/tls-wrong-ca/status' | grep -q '\"state\":\"FAILED\"'"
trace=$(curl -s "$REST/connectors/tls-wrong-ca/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tasks"][0].get("trace",""))')
echo "$trace" | grep -q "Could not connect to the MQTT broker (mqtt.server.uri)" || fail "wrong CA trace: $trace"
info "wrong CA: $(echo "$trace" | head -1)"
echo PASS
