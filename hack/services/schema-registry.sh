# Apicurio Registry 2.6.13.Final for hack/services.sh: a schema registry with a Confluent-compatible
# REST API, for the AvroConverter tests. The prebuilt Quarkus runner comes from Maven Central
# (io.apicurio:apicurio-registry-app:2.6.13.Final:tar.gz:all, unpacked once with Maven into
# $FERRY_CACHE/schema-registry) and runs on Java 17 with in-memory storage on 127.0.0.1:$PORT.
#
# SERVICE_URL is the Confluent-compatible base, http://127.0.0.1:P/apis/ccompat/v7 (not the root).
# Differences from Confluent's own registry that a test may notice: the default compatibility is
# NONE (Confluent: BACKWARD); schema ids are content ids, so the same text gets the same id in every
# subject while text that differs only in whitespace gets another id; no authentication (USER and
# PASSWORD are not checked); everything is lost when it stops.

SR_VERSION=2.6.13.Final
SR_ARTIFACT=io.apicurio:apicurio-registry-app:$SR_VERSION:tar.gz:all
SR_JAVA=

sr_home() { printf '%s\n' "$(abspath "${FERRY_CACHE:-$REPO/.cache}")/schema-registry/apicurio-$SR_VERSION"; }

sr_find_java() {
	local j
	for j in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} /usr/lib/jvm/java-17-openjdk*/bin/java java; do
		if command -v "$j" >/dev/null 2>&1 && "$j" -version 2>&1 | grep -qE 'version "(1[7-9]|2[0-9])'; then
			SR_JAVA=$j
			return 0
		fi
	done
	return 1
}

svc_check() {
	sr_find_java || die "no Java 17+ found (run hack/deps.sh: package openjdk-17-jre-headless)"
	local home tmp
	home=$(sr_home)
	[[ -f $home/.complete ]] && return 0
	command -v mvn >/dev/null || die "mvn not found (run hack/deps.sh: package maven)"
	mkdir -p "$(dirname "$home")"
	exec 8>"$(dirname "$home")/.unpack.lock"
	flock -w 900 8 || die "timed out waiting for $(dirname "$home")/.unpack.lock"
	if [[ ! -f $home/.complete ]]; then
		tmp=$home.tmp.$$
		rm -rf "$tmp"
		log "resolving $SR_ARTIFACT with Maven into $home"
		# From inside the target dir: without a pom Maven leaves a ${project.basedir} dir in its cwd.
		mkdir -p "$tmp/.mvn-cwd"
		if ! (cd "$tmp/.mvn-cwd" && mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.6.1:unpack \
			-Dartifact="$SR_ARTIFACT" -DoutputDirectory="$tmp" >&2); then
			rm -rf "$tmp"
			die "mvn dependency:unpack of $SR_ARTIFACT failed"
		fi
		rm -rf "$tmp/.mvn-cwd"
		[[ -f $tmp/apicurio-registry-app-$SR_VERSION-runner.jar ]] || die "no runner jar in $tmp"
		touch "$tmp/.complete"
		rm -rf "$home"
		mv "$tmp" "$home"
	fi
	exec 8>&-
}

svc_prepare() {
	mkdir -p "$STATE/tmp"
	SVC_MARK=-Dferry.state=$STATE
}

svc_exec() {
	exec setsid "$SR_JAVA" -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "-Dferry.state=$STATE" \
		"-Djava.io.tmpdir=$STATE/tmp" -Dquarkus.http.host=127.0.0.1 "-Dquarkus.http.port=$PORT" \
		-jar "$(sr_home)/apicurio-registry-app-$SR_VERSION-runner.jar"
}

svc_ready() {
	curl -sf -m 5 "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 &&
		curl -sf -m 5 "http://127.0.0.1:$PORT/apis/ccompat/v7/subjects" >/dev/null 2>&1
}

svc_env() {
	SERVICE_HOST=127.0.0.1
	SERVICE_PORT=$PORT
	SERVICE_URL=http://127.0.0.1:$PORT/apis/ccompat/v7
}
