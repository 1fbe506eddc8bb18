# Helpers for the MQTT connector tests (sourced after tests/connectors/lib.sh): the shared
# Mosquitto gets the user of the users' example configs (abc_mqtt_client), so their commands run
# with only host and port changed; mqtt_pub publishes with mosquitto_pub as the test user.

# mqtt_add_issue_user: adds abc_mqtt_client / xitanez123 to the broker's password file and makes
# it reload the file (SIGHUP), waiting until the new user may publish.
mqtt_add_issue_user() {
        local state=$FERRY_SERVICES_STATE/mosquitto
        [ -f "$state/passwd" ] || fail "no password file in $state"
        mosquitto_passwd -b "$state/passwd" abc_mqtt_client xitanez123 || fail "mosquitto_passwd failed"
        local pid
        pid=$(hack/services.sh env mosquitto | sed -n 's/^SERVICE_PID=//p' | tr -d "'\"")
        [ -n "$pid" ] || fail "no pid for the mosquitto service"
        kill -HUP "$pid" || fail "cannot signal mosquitto ($pid)"
        wait_for 20 "mosquitto accepts abc_mqtt_client" timeout 5 mosquitto_pub -h "$MOSQUITTO_HOST" \
                -p "$MOSQUITTO_PORT" -u abc_mqtt_client -P xitanez123 -t ferry/probe -m ok
}

# mqtt_pub ARGS...: mosquitto_pub on the shared broker as the service user.
mqtt_pub() {
        mosquitto_pub -h "$MOSQUITTO_HOST" -p "$MOSQUITTO_PORT" -u "$MOSQUITTO_USER" -P "$MOSQUITTO_PASSWORD" "$@"
}

# mqtt_sub ARGS...: mosquitto_sub on the shared broker as the service user.
mqtt_sub() {
        mosquitto_sub -h "$MOSQUITTO_HOST" -p "$MOSQUITTO_PORT" -u "$MOSQUITTO_USER" -P "$MOSQUITTO_PASSWORD" "$@"
}

# json_get FILE EXPR: evaluates the Python expression EXPR on the JSON document j of FILE.
json_get() {
        python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# wait_records TOPIC N [SECS]: waits until TOPIC holds at least N records (kcat exits at once on a
# topic that does not exist yet, so read_records alone cannot wait for a topic to appear).
wait_records() {
        local secs=${3:-60}
        wait_for "$secs" "$2 record(s) in $1" sh -c "[ \$(kcat -b '$KAFKA' -C -t '$1' -o beginning -e -q -f 'x\n' 2>/dev/null | wc -l) -ge $2 ]"
}
