# s3proxy 4.1.0 for hack/services.sh: an S3-compatible object store for the S3 sink tests. The
# jar-with-dependencies comes from Maven Central (org.gaul:s3proxy:4.1.0:jar:jar-with-dependencies,
# copied once with Maven into $FERRY_CACHE/s3proxy) and runs on Java 17 with the filesystem
# backend under $STATE/data, on 127.0.0.1:$PORT, SigV2 or SigV4 authentication.
#
# SERVICE_URL is the endpoint (http://127.0.0.1:P, path-style); SERVICE_USER / SERVICE_PASSWORD
# are the access key id and secret key. Traits a test may notice: a `+` in a key path is stored
# as a space unless it is sent percent-encoded; `If-None-Match: *` on PUT and on
# CompleteMultipartUpload is honoured (412 when the key exists); parts but the last must be at
# least 5 MiB.

S3P_VERSION=4.1.0
S3P_ARTIFACT=org.gaul:s3proxy:$S3P_VERSION:jar:jar-with-dependencies
S3P_JAVA=

s3p_home() { printf '%s\n' "$(abspath "${FERRY_CACHE:-$REPO/.cache}")/s3proxy/$S3P_VERSION"; }

s3p_find_java() {
	local j
	for j in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} /usr/lib/jvm/java-17-openjdk*/bin/java java; do
		if command -v "$j" >/dev/null 2>&1 && "$j" -version 2>&1 | grep -qE 'version "(1[7-9]|2[0-9])'; then
			S3P_JAVA=$j
			return 0
		fi
	done
	return 1
}

svc_check() {
	s3p_find_java || die "no Java 17+ found (run hack/deps.sh: package openjdk-17-jre-headless)"
	local home tmp
	home=$(s3p_home)
	[[ -f $home/.complete ]] && return 0
	command -v mvn >/dev/null || die "mvn not found (run hack/deps.sh: package maven)"
	mkdir -p "$(dirname "$home")"
	exec 8>"$(dirname "$home")/.copy.lock"
	flock -w 900 8 || die "timed out waiting for $(dirname "$home")/.copy.lock"
	if [[ ! -f $home/.complete ]]; then
		tmp=$home.tmp.$$
		rm -rf "$tmp"
		log "resolving $S3P_ARTIFACT with Maven into $home"
		mkdir -p "$tmp/.mvn-cwd"
		if ! (cd "$tmp/.mvn-cwd" && mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy \
			-Dartifact="$S3P_ARTIFACT" -DoutputDirectory="$tmp" >&2); then
			rm -rf "$tmp"
			die "mvn dependency:copy of $S3P_ARTIFACT failed"
		fi
		rm -rf "$tmp/.mvn-cwd"
		[[ -f $tmp/s3proxy-$S3P_VERSION-jar-with-dependencies.jar ]] || die "no s3proxy jar in $tmp"
		touch "$tmp/.complete"
		rm -rf "$home"
		mv "$tmp" "$home"
	fi
	exec 8>&-
}

svc_prepare() {
	mkdir -p "$STATE/data" "$STATE/tmp"
	cat >"$STATE/s3proxy.properties" <<PROPS
s3proxy.endpoint=http://127.0.0.1:$PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$SERVICE_USER
s3proxy.credential=$SERVICE_PASSWORD
jclouds.provider=filesystem-nio2
jclouds.filesystem.basedir=$STATE/data
PROPS
	SVC_MARK=-Dferry.state=$STATE
}

svc_exec() {
	exec setsid "$S3P_JAVA" -Xmx192m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "-Dferry.state=$STATE" \
		"-Djava.io.tmpdir=$STATE/tmp" -jar "$(s3p_home)/s3proxy-$S3P_VERSION-jar-with-dependencies.jar" \
		--properties "$STATE/s3proxy.properties"
}

# Any HTTP answer means it listens (an unsigned request gets 403).
svc_ready() {
	local code
	code=$(curl -s -o /dev/null -w '%{http_code}' -m 5 "http://127.0.0.1:$PORT/" 2>/dev/null) || return 1
	[[ $code =~ ^[2-4][0-9][0-9]$ ]]
}

svc_env() {
	SERVICE_HOST=127.0.0.1
	SERVICE_PORT=$PORT
	SERVICE_URL=http://127.0.0.1:$PORT
}
