#!/usr/bin/env bash
# hack/kafka.sh - run a real single-node Apache Kafka broker for Ferry's
# integration tests.
#
# The broker runs in KRaft combined mode (one JVM is both broker and
# controller, node.id=1, no ZooKeeper) on 127.0.0.1, on free ports picked at
# start. Its jars are resolved once with Maven from hack/kafka/pom.xml into
# ${FERRY_CACHE:-<repo>/.cache}/kafka (git-ignored) and run straight from there
# with `java -cp 'jars/*' kafka.Kafka server.properties`.
#
# Usage: hack/kafka.sh <command>
#   start    Start a broker, or reuse the one this state dir already runs if it
#            is alive and answering. Waits until it answers metadata requests.
#            The last (only) line on stdout is the bootstrap address
#            127.0.0.1:PORT; all progress goes to stderr. A broker left behind
#            by `kill` is discarded: start always gives a fresh, empty broker
#            unless it reuses a live one.
#   stop     Stop the broker (SIGTERM, then SIGKILL after a deadline) and
#            delete its data. Idempotent. broker.log is left for post-mortems.
#   kill     SIGKILL the broker but keep its data, ports and config.
#   restart  Start the broker again on the SAME port with the SAME data (after
#            `kill`; a live broker is first shut down with SIGTERM) and wait
#            until it answers. Prints the bootstrap address like `start`.
#   status   Print the bootstrap address and exit 0 if the broker is alive and
#            answering; exit 1 otherwise.
#   env      Print the state as shell assignments (KAFKA_BOOTSTRAP=..., ...).
#   log      Print the path of the broker's log file.
#   deps     Check for java (>= 11), kcat and mvn; install missing ones with
#            apt-get (openjdk-17-jre-headless, kcat, maven). Quick if present.
#   jars     Resolve the Kafka jars into the cache (start does this too).
#
# Environment:
#   FERRY_CACHE          cache root (default <repo>/.cache); jars go to
#                        $FERRY_CACHE/kafka/jars-<version>-<pom checksum>
#   FERRY_KAFKA_STATE    state dir of one broker (default
#                        $FERRY_CACHE/kafka/run). Use distinct dirs to run
#                        several independent brokers at once. Holds
#                        server.properties, data/, broker.log, pid, bootstrap
#                        and state.env.
#   FERRY_KAFKA_TIMEOUT  seconds to wait for the broker to answer (default 120)
#   FERRY_KAFKA_HEAP     max heap (default 512m)
#   FERRY_KAFKA_PROPS    extra server.properties lines (newline separated),
#                        applied on `start`, e.g. 'num.partitions=3'
#   FERRY_KAFKA_JVM_OPTS extra JVM options for the broker
#   FERRY_KAFKA_SECURITY secured listeners to add on `start`, comma separated
#                        (default none: plaintext only):
#                          sasl_ssl  SASL over TLS, SCRAM-SHA-512 (user made at
#                                    format time) and PLAIN (user in the JAAS
#                                    config), each its own user and password
#                          ssl       TLS, no client authentication
#                          mtls      TLS with client certificates required
#                        The PLAINTEXT listener stays for tools and readiness;
#                        `start` then prints the first secured listener's
#                        address. A test CA, the broker's certificate (for
#                        IP 127.0.0.1 only: connecting as "localhost" is a host
#                        name mismatch), a JKS and a PKCS12 trust store (keytool
#                        from the broker's JRE) and a client PKCS12 keystore are
#                        made with openssl in <state>/tls; `env` names them:
#                        KAFKA_SECURITY_PROTOCOL, KAFKA_SECURE_BOOTSTRAP,
#                        KAFKA_SASL_SSL_BOOTSTRAP, KAFKA_SSL_BOOTSTRAP,
#                        KAFKA_MTLS_BOOTSTRAP, KAFKA_CA_PEM, KAFKA_CA_KEY (to sign
#                        more test certificates), KAFKA_TRUSTSTORE_JKS,
#                        KAFKA_TRUSTSTORE_P12, KAFKA_TRUSTSTORE_PASSWORD,
#                        KAFKA_SCRAM_USER, KAFKA_SCRAM_PASSWORD, KAFKA_PLAIN_USER,
#                        KAFKA_PLAIN_PASSWORD, KAFKA_CLIENT_KEYSTORE_P12,
#                        KAFKA_CLIENT_KEYSTORE_PASSWORD, KAFKA_CLIENT_CERT_PEM,
#                        KAFKA_CLIENT_KEY_PEM.
#
# Example:
#   addr=$(hack/kafka.sh start)          # 127.0.0.1:PORT
#   kcat -b "$addr" -P -t t1 <<<hello
#   hack/kafka.sh kill; sleep 30; hack/kafka.sh restart
#   hack/kafka.sh stop
#   FERRY_KAFKA_STATE=/tmp/sec FERRY_KAFKA_SECURITY=sasl_ssl,mtls hack/kafka.sh start
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
POM=$HERE/kafka/pom.xml
LOG4J=$HERE/kafka/log4j.properties

abspath() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }

CACHE=$(abspath "${FERRY_CACHE:-$REPO/.cache}")/kafka
STATE=$(abspath "${FERRY_KAFKA_STATE:-$CACHE/run}")
STATE=${STATE%/}
TIMEOUT=${FERRY_KAFKA_TIMEOUT:-120}
STOP_TIMEOUT=30
HEAP=${FERRY_KAFKA_HEAP:-512m}
LOGF=$STATE/broker.log
CONF=$STATE/server.properties
JAVA=java
KCAT=
LOG_OFFSET=0

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

kafka_version() { sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM"; }

# ---------------------------------------------------------------- deps

apt_install() {
	local sudo=
	if [[ $(id -u) != 0 ]]; then
		if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
			sudo="sudo -n"
		else
			die "need to install $* but not root and no passwordless sudo"
		fi
	fi
	command -v apt-get >/dev/null || die "need $* but apt-get is not available"
	log "installing $* with apt-get"
	# openjdk's postinst fails in slim images without this directory.
	$sudo mkdir -p /usr/share/man/man1
	export DEBIAN_FRONTEND=noninteractive
	if ! $sudo apt-get install -y -q --no-install-recommends "$@" >&2; then
		$sudo apt-get update -q >&2
		$sudo apt-get install -y -q --no-install-recommends "$@" >&2
	fi
}

java_major() { # $1 java binary; prints the major version or nothing
	local v
	v=$("$1" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}') || return 0
	v=${v#1.}
	printf '%s\n' "${v%%[.+-]*}"
}

find_java() {
	local j m
	for j in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} java /usr/lib/jvm/java-*-openjdk*/bin/java; do
		command -v "$j" >/dev/null 2>&1 || continue
		m=$(java_major "$j")
		if [[ $m =~ ^[0-9]+$ ]] && ((m >= 11)); then
			JAVA=$j
			return 0
		fi
	done
	return 1
}

need_java() {
	find_java && return 0
	apt_install openjdk-17-jre-headless
	find_java || die "no java >= 11 found even after installing openjdk-17-jre-headless"
}

find_kcat() {
	local k
	for k in kcat kafkacat; do
		if command -v "$k" >/dev/null; then
			KCAT=$k
			return 0
		fi
	done
	return 1
}

need_kcat() {
	find_kcat && return 0
	(apt_install kcat) || (apt_install kafkacat) || true
	find_kcat && return 0
	log "warning: kcat not available; readiness is judged from the broker log"
}

need_mvn() {
	command -v mvn >/dev/null && return 0
	apt_install maven
	command -v mvn >/dev/null || die "mvn still missing after installing maven"
}

cmd_deps() {
	need_java
	need_kcat
	need_mvn
	log "java: $JAVA (major $(java_major "$JAVA")), kcat: ${KCAT:-none}, mvn: $(command -v mvn)"
}

# ---------------------------------------------------------------- jars

JARS=
ensure_jars() {
	local sum tmp
	sum=$(sha256sum "$POM" | cut -c1-12)
	JARS=$CACHE/jars-$(kafka_version)-$sum
	[[ -f $JARS/.complete ]] && return 0
	need_mvn
	mkdir -p "$CACHE"
	exec 8>"$CACHE/.jars.lock"
	flock -w 900 8 || die "timed out waiting for $CACHE/.jars.lock"
	if [[ ! -f $JARS/.complete ]]; then
		tmp=$JARS.tmp.$$
		rm -rf "$tmp"
		log "resolving Kafka $(kafka_version) jars with Maven into $JARS"
		if ! mvn -B -q -f "$POM" dependency:copy-dependencies \
			-DincludeScope=runtime -DoutputDirectory="$tmp" 2>&1 |
			sed 's/\x1b\[[0-9;]*m//g; /^$/d' >&2; then
			rm -rf "$tmp"
			die "mvn dependency:copy-dependencies failed"
		fi
		ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || die "no kafka jar in $tmp"
		touch "$tmp/.complete"
		rm -rf "$JARS"
		mv "$tmp" "$JARS"
	fi
	exec 8>&-
}

# ---------------------------------------------------------------- state

lock_state() {
	mkdir -p "$STATE"
	exec 9>"$STATE/.lock"
	flock -w $((TIMEOUT + STOP_TIMEOUT + 60)) 9 || die "timed out waiting for $STATE/.lock"
}

# Loads state.env (KAFKA_PID, KAFKA_PORT, ...) if present; returns 1 if not.
load_state() {
	KAFKA_PID= KAFKA_PORT= KAFKA_CONTROLLER_PORT= KAFKA_JARS= KAFKA_BOOTSTRAP=
	KAFKA_SECURITY= KAFKA_SECURE_PORTS=
	[[ -f $STATE/state.env ]] || return 1
	# shellcheck disable=SC1091
	source "$STATE/state.env"
	[[ -f $STATE/pid ]] && KAFKA_PID=$(<"$STATE/pid")
	return 0
}

save_state() {
	local tmp=$STATE/state.env.tmp
	{
		printf 'KAFKA_BOOTSTRAP=%q\n' "127.0.0.1:$KAFKA_PORT"
		printf 'KAFKA_PORT=%q\n' "$KAFKA_PORT"
		printf 'KAFKA_CONTROLLER_PORT=%q\n' "$KAFKA_CONTROLLER_PORT"
		printf 'KAFKA_PID=%q\n' "$KAFKA_PID"
		printf 'KAFKA_STATE_DIR=%q\n' "$STATE"
		printf 'KAFKA_LOG=%q\n' "$LOGF"
		printf 'KAFKA_VERSION=%q\n' "$(kafka_version)"
		printf 'KAFKA_CLUSTER_ID=%q\n' "${KAFKA_CLUSTER_ID:-}"
		printf 'KAFKA_JARS=%q\n' "$KAFKA_JARS"
		printf 'KAFKA_SECURITY=%q\n' "${KAFKA_SECURITY:-}"
		printf 'KAFKA_SECURE_PORTS=%q\n' "${KAFKA_SECURE_PORTS:-}"
		security_env
	} >"$tmp"
	mv "$tmp" "$STATE/state.env"
	printf '127.0.0.1:%s\n' "$KAFKA_PORT" >"$STATE/bootstrap"
	printf '%s\n' "$KAFKA_PID" >"$STATE/pid"
}

# Is $1 the pid of *our* broker (alive, not a zombie, running our config)?
is_ours() {
	local pid=$1 cmd
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
	[[ $cmd == *kafka.Kafka*"$CONF"* ]]
}

# Sends signal $2 to pid $1 and waits up to $3 seconds for it to go away.
signal_wait() {
	local pid=$1 sig=$2 deadline=$((SECONDS + $3))
	kill -"$sig" "$pid" 2>/dev/null || true
	while is_ours "$pid"; do
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

terminate() { # graceful, then forceful
	local pid=$1
	is_ours "$pid" || return 0
	log "stopping broker pid $pid (SIGTERM)"
	signal_wait "$pid" TERM "$STOP_TIMEOUT" && return 0
	log "broker pid $pid ignored SIGTERM for ${STOP_TIMEOUT}s; sending SIGKILL"
	signal_wait "$pid" KILL 10 || die "broker pid $pid survived SIGKILL"
}

wipe_state() { rm -rf "$STATE/data" "$CONF" "$STATE/state.env" "$STATE/pid" "$STATE/bootstrap" "$STATE/tls"; }

# ---------------------------------------------------------------- ports

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Prints $1 (default two) distinct free TCP ports on 127.0.0.1. They are picked below the
# kernel's ephemeral range so that, while the broker is down (kill/restart),
# no outgoing connection can grab the port (or self-connect to it).
free_ports() {
	local want=${1:-2} lo=32768 hi p ports=()
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
	if command -v python3 >/dev/null && python3 - "$lo" "$want" <<'PY' 2>/dev/null; then
import random, socket, sys
lo, want = int(sys.argv[1]), int(sys.argv[2])
cands = list(range(10000, lo)) if lo > 11000 else []
random.shuffle(cands)
socks, ports = [], []
for p in cands[:2000] + [0] * want:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        s.close()
        continue
    socks.append(s)
    ports.append(s.getsockname()[1])
    if len(ports) == want:
        break
print(*ports)
PY
		return 0
	fi
	((lo > 11000)) || lo=60000
	while ((${#ports[@]} < want)); do
		p=$((10000 + RANDOM % (lo - 10000)))
		[[ " ${ports[*]} " == *" $p "* ]] && continue
		port_open "$p" || ports+=("$p")
	done
	echo "${ports[@]}"
}

# ---------------------------------------------------------------- security

# The requested secured listeners, normalised (lower case, known names only).
security_modes() {
	local m ms out=()
	IFS=, read -ra ms <<<"${FERRY_KAFKA_SECURITY:-}"
	for m in "${ms[@]}"; do
		m=$(tr 'A-Z' 'a-z' <<<"${m// /}")
		case $m in
		'' | plaintext) ;;
		sasl_ssl | ssl | mtls) out+=("$m") ;;
		*) die "FERRY_KAFKA_SECURITY: unknown mode '$m' (sasl_ssl, ssl, mtls)" ;;
		esac
	done
	local IFS=,
	printf '%s\n' "${out[*]}"
}

security_count() { # number of secured listeners in $KAFKA_SECURITY
	local n=0 m ms
	IFS=, read -ra ms <<<"${KAFKA_SECURITY:-}"
	for m in "${ms[@]}"; do [[ -n $m ]] && n=$((n + 1)); done
	echo "$n"
}

# Port of secured listener $1 (sasl_ssl, ssl, mtls), or nothing.
secure_port() {
	local i=0 m ms ports
	read -ra ports <<<"${KAFKA_SECURE_PORTS:-}"
	IFS=, read -ra ms <<<"${KAFKA_SECURITY:-}"
	for m in "${ms[@]}"; do
		if [[ $m == "$1" ]]; then
			printf '%s\n' "${ports[$i]:-}"
			return 0
		fi
		i=$((i + 1))
	done
}

secure_listeners() { # ",NAME://127.0.0.1:PORT" for each secured listener
	local m ms
	IFS=, read -ra ms <<<"${KAFKA_SECURITY:-}"
	for m in "${ms[@]}"; do
		[[ -n $m ]] && printf ',%s://127.0.0.1:%s' "$(tr 'a-z' 'A-Z' <<<"$m")" "$(secure_port "$m")"
	done
	return 0
}

print_bootstrap() { # the first secured listener's address, or the plaintext one
	local first=${KAFKA_SECURITY:-}
	first=${first%%,*}
	if [[ -n $first ]]; then
		printf '127.0.0.1:%s\n' "$(secure_port "$first")"
	else
		printf '127.0.0.1:%s\n' "$KAFKA_PORT"
	fi
}

TLS=$STATE/tls

tls_secrets() { # user and store passwords, made once per broker start
	mkdir -p "$TLS"
	chmod 700 "$TLS"
	if [[ ! -f $TLS/secrets.env ]]; then
		local r s
		r=$(head -c24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | cut -c1-16)
		s=$(head -c24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | cut -c1-12)
		{
			printf 'KAFKA_SCRAM_USER=connect\n'
			printf 'KAFKA_SCRAM_PASSWORD=scram-%s\n' "$r"
			printf 'KAFKA_STORE_PASSWORD=store-%s\n' "$s"
			printf 'KAFKA_PLAIN_USER=connect-plain\n'
			printf 'KAFKA_PLAIN_PASSWORD=plain-%s\n' "$(head -c24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | cut -c1-16)"
		} >"$TLS/secrets.env"
	fi
	# shellcheck disable=SC1091
	source "$TLS/secrets.env"
}

keytool_bin() { # keytool of the JRE that runs the broker
	local d
	d=$(dirname "$(readlink -f "$(command -v "$JAVA")")")
	if [[ -x $d/keytool ]]; then echo "$d/keytool"; else echo keytool; fi
}

# Test CA, broker certificate (IP 127.0.0.1 only), client certificate (CN=connect), the stores.
make_tls() {
	command -v openssl >/dev/null || die "openssl is needed for FERRY_KAFKA_SECURITY"
	rm -rf "$TLS"
	tls_secrets
	local pw=$KAFKA_STORE_PASSWORD keytool ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
	keytool=$(keytool_bin)
	(
		set -e
		cd "$TLS"
		openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -days 30 -subj "/CN=Ferry test CA" \
			-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
		openssl req "${ec[@]}" -keyout broker.key -out broker.csr -subj "/CN=ferry-test-broker"
		printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' >broker.ext
		openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
			-extfile broker.ext -out broker.pem
		openssl pkcs12 -export -in broker.pem -inkey broker.key -certfile ca.pem -name broker \
			-passout "pass:$pw" -out broker.p12
		openssl req "${ec[@]}" -keyout client.key -out client.csr -subj "/CN=connect"
		printf 'extendedKeyUsage=clientAuth\n' >client.ext
		openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
			-extfile client.ext -out client.pem
		openssl pkcs12 -export -in client.pem -inkey client.key -name connect \
			-passout "pass:$pw" -out client.p12
		"$keytool" -importcert -noprompt -alias ca -file ca.pem -storetype JKS \
			-keystore truststore.jks -storepass "$pw"
		"$keytool" -importcert -noprompt -alias ca -file ca.pem -storetype PKCS12 \
			-keystore truststore.p12 -storepass "$pw"
		rm -f ./*.csr ./*.ext ./*.srl
		chmod 600 ./*
	) >>"$LOGF" 2>&1 || die "making the test certificates failed (log: $LOGF)"
}

security_config() { # server.properties lines of the secured listeners
	cat <<EOF

# FERRY_KAFKA_SECURITY=$KAFKA_SECURITY
ssl.keystore.type=PKCS12
ssl.keystore.location=$TLS/broker.p12
ssl.keystore.password=$KAFKA_STORE_PASSWORD
ssl.truststore.type=PEM
ssl.truststore.location=$TLS/ca.pem
sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$KAFKA_PLAIN_USER="$KAFKA_PLAIN_PASSWORD";
listener.name.mtls.ssl.client.auth=required
EOF
}

security_env() { # the state.env lines of the secured listeners
	[[ -n ${KAFKA_SECURITY:-} ]] || return 0
	tls_secrets
	local m first=${KAFKA_SECURITY%%,*}
	[[ $first == mtls ]] && first=ssl
	printf 'KAFKA_SECURITY_PROTOCOL=%q\n' "$(tr 'a-z' 'A-Z' <<<"$first")"
	printf 'KAFKA_SECURE_BOOTSTRAP=%q\n' "$(print_bootstrap)"
	for m in sasl_ssl ssl mtls; do
		if [[ -n $(secure_port $m) ]]; then
			printf 'KAFKA_%s_BOOTSTRAP=%q\n' "$(tr 'a-z' 'A-Z' <<<$m)" "127.0.0.1:$(secure_port $m)"
		fi
	done
	printf 'KAFKA_CA_PEM=%q\n' "$TLS/ca.pem"
	printf 'KAFKA_CA_KEY=%q\n' "$TLS/ca.key"
	printf 'KAFKA_TRUSTSTORE_JKS=%q\n' "$TLS/truststore.jks"
	printf 'KAFKA_TRUSTSTORE_P12=%q\n' "$TLS/truststore.p12"
	printf 'KAFKA_TRUSTSTORE_PASSWORD=%q\n' "$KAFKA_STORE_PASSWORD"
	printf 'KAFKA_SCRAM_USER=%q\n' "$KAFKA_SCRAM_USER"
	printf 'KAFKA_SCRAM_PASSWORD=%q\n' "$KAFKA_SCRAM_PASSWORD"
	printf 'KAFKA_PLAIN_USER=%q\n' "$KAFKA_PLAIN_USER"
	printf 'KAFKA_PLAIN_PASSWORD=%q\n' "$KAFKA_PLAIN_PASSWORD"
	printf 'KAFKA_CLIENT_KEYSTORE_P12=%q\n' "$TLS/client.p12"
	printf 'KAFKA_CLIENT_KEYSTORE_PASSWORD=%q\n' "$KAFKA_STORE_PASSWORD"
	printf 'KAFKA_CLIENT_CERT_PEM=%q\n' "$TLS/client.pem"
	printf 'KAFKA_CLIENT_KEY_PEM=%q\n' "$TLS/client.key"
}

# ---------------------------------------------------------------- broker

write_config() {
	mkdir -p "$STATE/data"
	cat >"$CONF" <<EOF
# Generated by hack/kafka.sh - single-node KRaft broker for tests.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT$(secure_listeners)
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT$(secure_listeners)
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL,MTLS:SSL
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$STATE/data

num.partitions=1
default.replication.factor=1
auto.create.topics.enable=true
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0

# After a SIGKILL the controller refuses the broker's new registration until
# the old incarnation's session expires (default 9 s): keep that short so
# a restart is quick.
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=500

# Keep it light on a small machine.
num.network.threads=2
num.io.threads=2
background.threads=2
num.recovery.threads.per.data.dir=1
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=16777216
EOF
	[[ -z ${KAFKA_SECURITY:-} ]] || security_config >>"$CONF"
	if [[ -n ${FERRY_KAFKA_PROPS:-} ]]; then
		printf '\n# FERRY_KAFKA_PROPS\n%s\n' "$FERRY_KAFKA_PROPS" >>"$CONF"
	fi
}

jvm_opts() {
	# C1 only and serial GC: much less CPU at startup on 2 cores; throughput
	# is irrelevant for tests.
	printf '%s\n' -Xmx"$HEAP" -Xms64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
		-XX:-UsePerfData -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
		-Djava.net.preferIPv4Stack=true -Dlog4j.configuration="file:$LOG4J" \
		-Dkafka.logs.dir="$STATE"
}

format_storage() {
	local opts
	mapfile -t opts < <(jvm_opts)
	# A Kafka Uuid: 16 random bytes, base64url without padding; argparse
	# would take a leading '-' for an option, so avoid that.
	KAFKA_CLUSTER_ID=-
	while [[ $KAFKA_CLUSTER_ID == -* ]]; do
		KAFKA_CLUSTER_ID=$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
	done
	local scram=()
	if [[ ,${KAFKA_SECURITY:-}, == *,sasl_ssl,* ]]; then
		scram=(--add-scram "SCRAM-SHA-512=[name=$KAFKA_SCRAM_USER,password=$KAFKA_SCRAM_PASSWORD]")
	fi
	if ! "$JAVA" "${opts[@]}" -Xmx256m -cp "$KAFKA_JARS/*" kafka.tools.StorageTool \
		format -t "$KAFKA_CLUSTER_ID" -c "$CONF" "${scram[@]}" >>"$LOGF" 2>&1 </dev/null; then
		tail -n 30 "$LOGF" >&2
		die "kafka.tools.StorageTool format failed (log: $LOGF)"
	fi
}

launch() {
	local opts
	mapfile -t opts < <(jvm_opts)
	# shellcheck disable=SC2206
	opts+=(${FERRY_KAFKA_JVM_OPTS:-})
	LOG_OFFSET=$(stat -c %s "$LOGF" 2>/dev/null || echo 0)
	# setsid: own session, so the broker outlives the caller's process group.
	# Close every inherited fd (our locks, callers' pipes) and redirect stdio,
	# so that nobody ends up waiting on a pipe the broker keeps open.
	(
		cd "$STATE"
		for fd in /proc/$BASHPID/fd/*; do
			fd=${fd##*/}
			if ((fd > 2)); then eval "exec $fd>&-"; fi
		done 2>/dev/null
		exec setsid "$JAVA" "${opts[@]}" -cp "$KAFKA_JARS/*" kafka.Kafka "$CONF" \
			</dev/null >>"$LOGF" 2>&1
	) &
	KAFKA_PID=$!
	save_state
}

# Does the broker answer a metadata request and list itself?
answers() {
	local port=$1 out
	port_open "$port" || return 1
	if [[ -n $KCAT ]]; then
		out=$(timeout 10 "$KCAT" -b "127.0.0.1:$port" -L -m 3 2>/dev/null) || return 1
		[[ $out == *"broker 1 at 127.0.0.1:$port"* ]]
	else
		[[ $(tail -c +$((LOG_OFFSET + 1)) "$LOGF" | grep -c 'Kafka Server started' || true) -gt 0 ]]
	fi
}

# Waits for the broker (pid $1, port $2). 0: answering, 1: timeout, 2: died.
wait_ready() {
	local pid=$1 port=$2 deadline=$((SECONDS + TIMEOUT))
	while :; do
		is_ours "$pid" || return 2
		answers "$port" && return 0
		((SECONDS < deadline)) || return 1
		sleep 0.2
	done
}

running() { load_state && is_ours "$KAFKA_PID"; }

start_fresh() {
	local attempt rc t0=$SECONDS
	for attempt in 1 2 3; do
		wipe_state
		: >"$LOGF"
		read -r KAFKA_PORT KAFKA_CONTROLLER_PORT KAFKA_SECURE_PORTS < <(free_ports $((2 + $(security_count))))
		[[ -n $KAFKA_PORT && -n $KAFKA_CONTROLLER_PORT ]] || die "could not find free ports"
		[[ -z ${KAFKA_SECURITY:-} ]] || make_tls
		write_config
		log "starting Kafka $(kafka_version) on 127.0.0.1:$KAFKA_PORT (controller :$KAFKA_CONTROLLER_PORT), state $STATE"
		format_storage
		launch
		rc=0
		wait_ready "$KAFKA_PID" "$KAFKA_PORT" || rc=$?
		case $rc in
		0)
			log "broker pid $KAFKA_PID ready after $((SECONDS - t0))s; log: $LOGF"
			return 0
			;;
		2)
			if grep -q 'Address already in use' "$LOGF" && ((attempt < 3)); then
				log "port clash, retrying with other ports"
				continue
			fi
			tail -n 40 "$LOGF" >&2
			die "broker exited during startup (log: $LOGF)"
			;;
		*)
			tail -n 40 "$LOGF" >&2
			terminate "$KAFKA_PID"
			die "broker did not answer within ${TIMEOUT}s (log: $LOGF)"
			;;
		esac
	done
}

cmd_start() {
	security_modes >/dev/null # dies on an unknown mode
	need_java
	need_kcat
	ensure_jars
	lock_state
	if running; then
		if [[ ${KAFKA_SECURITY:-} != "$(security_modes)" ]]; then
			log "running broker pid $KAFKA_PID has security '${KAFKA_SECURITY:-}', not '$(security_modes)'; replacing it"
			terminate "$KAFKA_PID"
		elif wait_ready "$KAFKA_PID" "$KAFKA_PORT"; then
			log "reusing running broker pid $KAFKA_PID"
			print_bootstrap
			return 0
		else
			log "broker pid $KAFKA_PID is not answering; replacing it"
			terminate "$KAFKA_PID"
		fi
	elif [[ -f $STATE/state.env ]]; then
		log "discarding stale broker state in $STATE"
	fi
	KAFKA_JARS=$JARS
	KAFKA_SECURITY=$(security_modes)
	start_fresh
	print_bootstrap
}

cmd_restart() {
	local rc t0=$SECONDS
	need_java
	need_kcat
	lock_state
	load_state || die "no broker state in $STATE (use start)"
	[[ -f $CONF && -d $STATE/data ]] || die "broker data in $STATE is gone (use start)"
	if [[ ! -f $KAFKA_JARS/.complete ]]; then
		ensure_jars
		KAFKA_JARS=$JARS
	fi
	terminate "$KAFKA_PID"
	if port_open "$KAFKA_PORT"; then
		die "port $KAFKA_PORT is taken by another process; cannot restart on it"
	fi
	log "restarting broker on 127.0.0.1:$KAFKA_PORT with data in $STATE/data"
	launch
	rc=0
	wait_ready "$KAFKA_PID" "$KAFKA_PORT" || rc=$?
	if ((rc != 0)); then
		tail -n 40 "$LOGF" >&2
		((rc == 2)) || terminate "$KAFKA_PID"
		die "restarted broker did not come up (log: $LOGF)"
	fi
	log "broker pid $KAFKA_PID ready after $((SECONDS - t0))s"
	print_bootstrap
}

cmd_kill() {
	lock_state
	if running; then
		log "killing broker pid $KAFKA_PID (SIGKILL; data and port kept)"
		signal_wait "$KAFKA_PID" KILL 10 || die "broker pid $KAFKA_PID survived SIGKILL"
	else
		log "no running broker in $STATE"
	fi
}

cmd_stop() {
	lock_state
	if running; then
		terminate "$KAFKA_PID"
	fi
	wipe_state
	log "stopped; data removed from $STATE"
}

cmd_status() {
	find_kcat || true
	if running && answers "$KAFKA_PORT"; then
		printf '127.0.0.1:%s\n' "$KAFKA_PORT"
		return 0
	fi
	if [[ -n ${KAFKA_PORT:-} ]]; then
		log "broker in $STATE is not running (data kept; restart or stop it)"
	else
		log "no broker in $STATE"
	fi
	return 1
}

cmd_env() {
	load_state || die "no broker state in $STATE"
	cat "$STATE/state.env"
}

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2; }

case ${1:-} in
start) cmd_start ;;
stop) cmd_stop ;;
kill) cmd_kill ;;
restart) cmd_restart ;;
status) cmd_status ;;
env) cmd_env ;;
log) printf '%s\n' "$LOGF" ;;
deps) cmd_deps ;;
jars)
	ensure_jars
	printf '%s\n' "$JARS"
	;;
-h | --help | help) usage ;;
*)
	usage
	exit 2
	;;
esac
