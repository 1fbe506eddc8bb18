# Shared by hack/services/opensearch.sh and elasticsearch.sh (in lib/, so not a system of its
# own): fetches a codelibs cluster runner with Maven into $(runner_home)/lib and runs
# one single-node cluster on a port in 9201..9298 (the runners refuse ports above 9299). The
# including file sets OS_ARTIFACT, OS_MAIN, OS_CONF and runner_home.
#
# HTTPS: the runners have no security plugin, so lib/tls_front.py (started in the node's session,
# stopped with it) serves the node over TLS on two more ports with a certificate of a CA made here
# with openssl: SERVICE_TLS_URL checks the server only, SERVICE_MTLS_URL also requires a client
# certificate of that CA. SERVICE_TLS_DIR holds ca.pem, client.pem and client.key (PEM) for
# clients to build their trust and key stores from.

runner_find_java() {
	local j
	for j in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} /usr/lib/jvm/java-17-openjdk*/bin/java java; do
		if command -v "$j" >/dev/null 2>&1 && "$j" -version 2>&1 | grep -qE 'version "17'; then
			OS_JAVA=$j
			return 0
		fi
	done
	return 1
}

svc_check() {
	runner_find_java || die "no Java 17 found (run hack/deps.sh: package openjdk-17-jre-headless)"
	local home tmp
	home=$(runner_home)
	[[ -f $home/.complete ]] && return 0
	command -v mvn >/dev/null || die "mvn not found (run hack/deps.sh: package maven)"
	mkdir -p "$(dirname "$home")"
	exec 8>"$(dirname "$home")/.fetch.lock"
	flock -w 900 8 || die "timed out waiting for $(dirname "$home")/.fetch.lock"
	if [[ ! -f $home/.complete ]]; then
		tmp=$home.tmp.$$
		rm -rf "$tmp"
		mkdir -p "$tmp"
		local g a v
		IFS=: read -r g a v <<<"$OS_ARTIFACT"
		cat >"$tmp/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>ferry.services</groupId><artifactId>$a-deps</artifactId><version>1</version><packaging>pom</packaging>
<dependencies><dependency><groupId>$g</groupId><artifactId>$a</artifactId><version>$v</version></dependency></dependencies>
</project>
POM
		log "resolving $OS_ARTIFACT with Maven into $home"
		if ! (cd "$tmp" && mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
			-DoutputDirectory="$tmp/lib" >&2); then
			rm -rf "$tmp"
			die "mvn dependency:copy-dependencies of $OS_ARTIFACT failed"
		fi
		ls "$tmp"/lib/*.jar >/dev/null 2>&1 || die "no jars in $tmp/lib"
		touch "$tmp/.complete"
		rm -rf "$home"
		mv "$tmp" "$home"
	fi
	exec 8>&-
}

# A free port in 9201..9298 (the runner serves on base+1 and refuses ports above 9299).
runner_port() {
	local start=$((9201 + RANDOM % 98)) i p
	for ((i = 0; i < 98; i++)); do
		p=$((9201 + (start - 9201 + i) % 98))
		port_open "$p" || {
			echo "$p"
			return 0
		}
	done
	return 1
}

svc_prepare() {
	local p
	p=$(runner_port) || die "no free port in 9201..9298"
	PORTS=("$p")
	PORT=$p
	mkdir -p "$STATE/cluster/node_1/config" "$STATE/tmp"
	{
		echo "discovery.type: single-node"
		echo "network.host: 127.0.0.1"
		echo "cluster.routing.allocation.disk.threshold_enabled: false"
		echo "action.auto_create_index: true"
	} >"$STATE/cluster/node_1/config/$OS_CONF"
	SVC_MARK=-Dferry.state=$STATE
	printf '%s\n' "$PORT" >"$STATE/http.port"
	read -r TLS_PORT MTLS_PORT < <(free_ports 2)
	[[ -n $MTLS_PORT ]] || die "no free ports for the TLS front"
	local d=$STATE/tls
	mkdir -p "$d"
	(
		cd "$d"
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 -subj /CN=ferry-test-ca &&
			openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost &&
			printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >server.ext &&
			openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
				-extfile server.ext -out server.pem &&
			openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=ferry-client &&
			openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -out client.pem
	) >/dev/null 2>&1 || die "openssl could not make the TLS front's certificates in $d"
}

svc_exec() {
	# The TLS front runs in the node's session (setsid makes bash its leader, then bash becomes the node).
	exec setsid bash -c 'python3 "$1" "$2" "$3" "$4" "$5" "$6" "$7" & shift 7; exec "$@"' _ \
		"$HERE/services/lib/tls_front.py" "$STATE/tls/server.pem" "$STATE/tls/server.key" "$STATE/tls/ca.pem" \
		"$STATE/http.port" "$TLS_PORT" "$MTLS_PORT" \
		"$OS_JAVA" -Xms256m -Xmx512m -XX:+UseSerialGC "-Dferry.state=$STATE" \
		"-Djava.io.tmpdir=$STATE/tmp" -Dlog4j2.disable.jmx=true -cp "$(runner_home)/lib/*" "$OS_MAIN" \
		-basePath "$STATE/cluster" -numOfNode 1 -baseHttpPort $((PORT - 1)) -clusterName "ferry-$NAME"
}

svc_ready() {
	local real
	# The runner takes the next free port when ours was taken meanwhile: follow its log line.
	real=$(sed -n 's/.*HTTP Port: \([0-9][0-9]*\).*/\1/p' "$LOGF" 2>/dev/null | tail -1)
	if [[ -n $real && $real != "$PORT" ]]; then
		PORT=$real
		PORTS=("$real")
		printf '%s\n' "$PORT" >"$STATE/http.port"
	fi
	curl -sf -m 5 "http://127.0.0.1:$PORT/_cluster/health?wait_for_status=yellow&timeout=4s" 2>/dev/null |
		grep -q '"status":"\(yellow\|green\)"'
}

# Runs once it answers: the state file gets the port the runner really took.
svc_provision() {
	svc_env
	save_state
}

svc_env() {
	SERVICE_HOST=127.0.0.1
	SERVICE_PORT=$PORT
	SERVICE_URL=http://127.0.0.1:$PORT
	SERVICE_TLS_URL=https://127.0.0.1:$TLS_PORT
	SERVICE_MTLS_URL=https://127.0.0.1:$MTLS_PORT
	SERVICE_TLS_DIR=$STATE/tls
	SVC_ENV_EXTRA=(SERVICE_TLS_URL SERVICE_MTLS_URL SERVICE_TLS_DIR)
}
