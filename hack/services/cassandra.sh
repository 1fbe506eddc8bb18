# Apache Cassandra 5.0.4 for hack/services.sh: a single node on 127.0.0.1 for the Cassandra sink
# and CQL client tests. The jars are org.apache.cassandra:cassandra-all:5.0.4 and its runtime
# dependencies from Maven Central (copied once with Maven into $FERRY_CACHE/cassandra); the node
# runs on Java 17 (Java 21+ refuses: Cassandra 5.0 installs a SecurityManager) with a small heap,
# a cassandra.yaml this script writes, and PasswordAuthenticator.
#
# Ports: PORTS[0] native protocol (SERVICE_PORT), PORTS[1] storage (gossip, unused by clients).
# SERVICE_USER/SERVICE_PASSWORD are the built-in superuser cassandra/cassandra (ready at once with
# -Dcassandra.superuser_setup_delay_ms=0). The data centre is datacenter1 (SimpleSnitch).
# Writes are acknowledged once their commit log entry is synced (commitlog_sync: group, a 2 ms
# window), so a node killed with SIGKILL keeps every write it acknowledged, as the sinks' kill and
# restart tests assume (with Cassandra's default periodic sync it may lose up to 10 s of them).
# SERVICE_URL is host:port. The native port also takes TLS (client_encryption_options with
# optional: true, a PEM key and certificate for 127.0.0.1/localhost made with openssl and signed by a
# throwaway CA): SERVICE_CA is that CA's PEM file, for clients that verify the node.

CASS_VERSION=5.0.4
CASS_ARTIFACT=org.apache.cassandra:cassandra-all:$CASS_VERSION
CASS_JAVA=
SVC_PORTS=2
SVC_TIMEOUT=240

cass_home() { printf '%s\n' "$(abspath "${FERRY_CACHE:-$REPO/.cache}")/cassandra/cassandra-$CASS_VERSION"; }

# Cassandra 5.0 runs on Java 11 or 17 only.
cass_find_java() {
	local j
	for j in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} /usr/lib/jvm/java-17-openjdk*/bin/java java; do
		if command -v "$j" >/dev/null 2>&1 && "$j" -version 2>&1 | grep -qE 'version "17'; then
			CASS_JAVA=$j
			return 0
		fi
	done
	return 1
}

svc_check() {
	cass_find_java || die "no Java 17 found (run hack/deps.sh: package openjdk-17-jre-headless)"
	local home tmp
	home=$(cass_home)
	[[ -f $home/.complete ]] && return 0
	command -v mvn >/dev/null || die "mvn not found (run hack/deps.sh: package maven)"
	mkdir -p "$(dirname "$home")"
	exec 8>"$(dirname "$home")/.fetch.lock"
	flock -w 900 8 || die "timed out waiting for $(dirname "$home")/.fetch.lock"
	if [[ ! -f $home/.complete ]]; then
		tmp=$home.tmp.$$
		rm -rf "$tmp"
		mkdir -p "$tmp/.mvn"
		log "resolving $CASS_ARTIFACT and its dependencies with Maven into $home"
		cat >"$tmp/.mvn/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>ferry</groupId><artifactId>cassandra-service</artifactId><version>1</version><packaging>pom</packaging>
<dependencies><dependency><groupId>org.apache.cassandra</groupId><artifactId>cassandra-all</artifactId>
<version>$CASS_VERSION</version></dependency></dependencies></project>
EOF
		if ! (cd "$tmp/.mvn" && mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
			-DincludeScope=runtime -DoutputDirectory="$tmp/lib" >&2); then
			rm -rf "$tmp"
			die "mvn dependency:copy-dependencies of $CASS_ARTIFACT failed"
		fi
		rm -rf "$tmp/.mvn"
		[[ -f $tmp/lib/cassandra-all-$CASS_VERSION.jar ]] || die "no cassandra-all jar in $tmp/lib"
		touch "$tmp/.complete"
		rm -rf "$home"
		mv "$tmp" "$home"
	fi
	exec 8>&-
}

svc_prepare() {
	local d=$STATE/node
	rm -rf "$d"
	mkdir -p "$d/data" "$d/commitlog" "$d/saved_caches" "$d/hints" "$d/cdc" "$d/logs" "$d/tmp"
	SVC_MARK=-Dferry.state=$STATE
	SERVICE_USER=cassandra
	SERVICE_PASSWORD=cassandra
	SVC_ENV_EXTRA=(SERVICE_CA)
	# A CA and a node certificate for 127.0.0.1 / localhost (PEM, key unencrypted).
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=ferry-test-ca -keyout "$d/ca.key" \
		-out "$d/ca.pem" >>"$LOGF" 2>&1 || die "openssl: cannot make the test CA"
	openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout "$d/node.key" -out "$d/node.csr" \
		>>"$LOGF" 2>&1 || die "openssl: cannot make the node key"
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$d/san.ext"
	openssl x509 -req -in "$d/node.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 30 \
		-extfile "$d/san.ext" -out "$d/node.crt" >>"$LOGF" 2>&1 || die "openssl: cannot sign the node certificate"
	cat "$d/node.key" "$d/node.crt" >"$d/node.pem"
	cat >"$d/cassandra.yaml" <<EOF
cluster_name: ferry
num_tokens: 1
initial_token: 0
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
commitlog_sync: group
commitlog_sync_group_window: 2ms
endpoint_snitch: SimpleSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "127.0.0.1:${PORTS[1]}"
data_file_directories:
  - $d/data
commitlog_directory: $d/commitlog
saved_caches_directory: $d/saved_caches
hints_directory: $d/hints
cdc_raw_directory: $d/cdc
listen_address: 127.0.0.1
rpc_address: 127.0.0.1
storage_port: ${PORTS[1]}
native_transport_port: ${PORTS[0]}
start_native_transport: true
authenticator: PasswordAuthenticator
authorizer: CassandraAuthorizer
role_manager: CassandraRoleManager
concurrent_reads: 8
concurrent_writes: 8
concurrent_counter_writes: 8
memtable_heap_space: 64MiB
memtable_offheap_space: 64MiB
key_cache_size: 8MiB
write_request_timeout: 5000ms
read_request_timeout: 5000ms
batch_size_warn_threshold: 64KiB
batch_size_fail_threshold: 1024KiB
client_encryption_options:
  enabled: true
  optional: true
  require_client_auth: false
  ssl_context_factory:
    class_name: org.apache.cassandra.security.PEMBasedSslContextFactory
  keystore: $d/node.pem
EOF
	cat >"$d/logback.xml" <<'EOF'
<configuration>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="STDOUT"/></root>
</configuration>
EOF
}

svc_exec() {
	local d=$STATE/node
	# The --add-exports/--add-opens of Cassandra's conf/jvm17-server.options.
	exec setsid "$CASS_JAVA" "-Dferry.state=$STATE" -Xms256m -Xmx512m -Xss512k -XX:+UseSerialGC \
		-XX:TieredStopAtLevel=1 -XX:MaxDirectMemorySize=256m \
		-Djdk.attach.allowAttachSelf=true -Dio.netty.tryReflectionSetAccessible=true \
		--add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
		--add-exports java.base/jdk.internal.ref=ALL-UNNAMED \
		--add-exports java.base/sun.nio.ch=ALL-UNNAMED \
		--add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED \
		--add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED \
		--add-exports java.rmi/sun.rmi.server=ALL-UNNAMED \
		--add-exports java.sql/java.sql=ALL-UNNAMED \
		--add-exports java.base/java.lang.ref=ALL-UNNAMED \
		--add-exports jdk.unsupported/sun.misc=ALL-UNNAMED \
		--add-opens java.base/java.lang.module=ALL-UNNAMED \
		--add-opens java.base/jdk.internal.loader=ALL-UNNAMED \
		--add-opens java.base/jdk.internal.ref=ALL-UNNAMED \
		--add-opens java.base/jdk.internal.reflect=ALL-UNNAMED \
		--add-opens java.base/jdk.internal.math=ALL-UNNAMED \
		--add-opens java.base/jdk.internal.module=ALL-UNNAMED \
		--add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED \
		--add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED \
		--add-opens java.base/sun.nio.ch=ALL-UNNAMED \
		--add-opens java.base/java.io=ALL-UNNAMED \
		--add-opens java.base/java.nio=ALL-UNNAMED \
		--add-opens java.base/java.util.concurrent=ALL-UNNAMED \
		--add-opens java.base/java.util=ALL-UNNAMED \
		--add-opens java.base/java.util.concurrent.atomic=ALL-UNNAMED \
		--add-opens java.base/java.lang=ALL-UNNAMED \
		--add-opens java.base/java.math=ALL-UNNAMED \
		--add-opens java.base/java.lang.reflect=ALL-UNNAMED \
		--add-opens java.base/java.net=ALL-UNNAMED \
		"-Dcassandra.config=file://$d/cassandra.yaml" -Dcassandra-foreground=yes \
		"-Dcassandra.storagedir=$d" "-Dcassandra.logdir=$d/logs" "-Djava.io.tmpdir=$d/tmp" \
		"-Dlogback.configurationFile=file://$d/logback.xml" \
		-Dcassandra.superuser_setup_delay_ms=0 -Dcassandra.skip_wait_for_gossip_to_settle=0 \
		-Dcassandra.ring_delay_ms=0 -Dcassandra.jmx.local.port=0 \
		-cp "$(cass_home)/lib/*" org.apache.cassandra.service.CassandraDaemon
}

# Ready once the native port answers and the superuser can log in: a CQL client is the only honest
# check, so this uses the test venv's cassandra-driver.
svc_ready() {
	grep -q 'Startup complete' "$LOGF" 2>/dev/null || return 1
	port_open "$PORT" || return 1
	local py
	py=$("$REPO/hack/pyenv.sh" 2>/dev/null | tail -1) || return 1
	"$py" - "$PORT" <<'PY' >/dev/null 2>&1
import sys
from cassandra.cluster import Cluster
from cassandra.auth import PlainTextAuthProvider
c = Cluster(["127.0.0.1"], port=int(sys.argv[1]), auth_provider=PlainTextAuthProvider("cassandra", "cassandra"),
            connect_timeout=5, control_connection_timeout=5)
s = c.connect()
s.execute("SELECT release_version FROM system.local")
c.shutdown()
PY
}

svc_env() {
	SERVICE_HOST=127.0.0.1
	SERVICE_PORT=$PORT
	SERVICE_USER=cassandra
	SERVICE_PASSWORD=cassandra
	SERVICE_URL=127.0.0.1:$PORT
	SERVICE_CA=$STATE/node/ca.pem
}
