# HDFS 3.5.0 for hack/services.sh: a MiniDFSCluster (one NameNode, one DataNode, WebHDFS on,
# permissions off) from Maven Central's hadoop-client-minicluster, run by the small Java main
# hack/services/java/FerryMiniHdfs.java. The jars (hadoop-client-minicluster, -api, -runtime and
# their few dependencies, plus slf4j-simple so it logs) are resolved once with Maven into
# $FERRY_CACHE/hdfs/hadoop-3.5.0/lib and the main is compiled there with javac.
#
# Ports: PORTS[0] is the NameNode's HTTP (WebHDFS) port, PORTS[1] its RPC port. The DataNode takes
# random loopback ports; WebHDFS CREATE/APPEND redirect (307) to it.
# SERVICE_URL=http://127.0.0.1:<http>  (the WebHDFS root: <url>/webhdfs/v1/<path>?op=...)
# SERVICE_RPC_URL=hdfs://127.0.0.1:<rpc> (what users put in hdfs.url)
# Listing pages hold 4 entries (dfs.ls.limit), so WebHDFS clients page with LISTSTATUS_BATCH.
# SERVICE_USER=ferry is the user.name simple authentication sends (permissions are off anyway).
# Everything is lost when it stops; `hack/services.sh restart hdfs` kills it (SIGKILL) and starts it
# again over the same NameNode metadata, DataNode blocks and ports (the NameNode then replays its
# edit log and waits in safe mode for the DataNode's block report, as a real one does).

HDFS_VERSION=3.5.0
SLF4J_SIMPLE=org.slf4j:slf4j-simple:1.7.36
HDFS_JAVA=
HDFS_JAVAC=
SVC_PORTS=2
SVC_TIMEOUT=120

hdfs_home() { printf '%s\n' "$(abspath "${FERRY_CACHE:-$REPO/.cache}")/hdfs/hadoop-$HDFS_VERSION"; }

hdfs_find_java() {
	local j
	for j in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} /usr/lib/jvm/java-17-openjdk*/bin/java java; do
		if command -v "$j" >/dev/null 2>&1 && "$j" -version 2>&1 | grep -qE 'version "(1[7-9]|2[0-9])'; then
			HDFS_JAVA=$j
			break
		fi
	done
	[[ -n $HDFS_JAVA ]] || return 1
	HDFS_JAVAC=$(dirname "$(readlink -f "$(command -v "$HDFS_JAVA")")")/javac
	[[ -x $HDFS_JAVAC ]] || HDFS_JAVAC=$(command -v javac || true)
	[[ -n $HDFS_JAVAC ]]
}

svc_check() {
	hdfs_find_java || die "no Java 17+ with javac found (run hack/deps.sh: package openjdk-17-jdk-headless)"
	local home tmp src=$HERE/services/java/FerryMiniHdfs.java
	home=$(hdfs_home)
	if [[ -f $home/.complete && $home/FerryMiniHdfs.class -nt $src ]]; then return 0; fi
	command -v mvn >/dev/null || die "mvn not found (run hack/deps.sh: package maven)"
	mkdir -p "$(dirname "$home")"
	exec 8>"$(dirname "$home")/.unpack.lock"
	flock -w 900 8 || die "timed out waiting for $(dirname "$home")/.unpack.lock"
	if [[ ! -f $home/.complete || ! $home/FerryMiniHdfs.class -nt $src ]]; then
		tmp=$home.tmp.$$
		rm -rf "$tmp"
		mkdir -p "$tmp/mvn"
		if [[ -f $home/.complete ]]; then
			cp -a "$home/lib" "$tmp/lib"
		else
			log "resolving hadoop-client-minicluster $HDFS_VERSION with Maven into $home"
			cat >"$tmp/mvn/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.ferry.test</groupId><artifactId>hdfs-service</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.hadoop</groupId><artifactId>hadoop-client-minicluster</artifactId><version>$HDFS_VERSION</version></dependency>
    <dependency><groupId>org.apache.hadoop</groupId><artifactId>hadoop-client-api</artifactId><version>$HDFS_VERSION</version></dependency>
    <dependency><groupId>org.apache.hadoop</groupId><artifactId>hadoop-client-runtime</artifactId><version>$HDFS_VERSION</version></dependency>
    <dependency><groupId>${SLF4J_SIMPLE%%:*}</groupId><artifactId>$(cut -d: -f2 <<<"$SLF4J_SIMPLE")</artifactId><version>${SLF4J_SIMPLE##*:}</version></dependency>
  </dependencies>
</project>
POM
			if ! (cd "$tmp/mvn" && mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
				-DincludeScope=runtime -DoutputDirectory="$tmp/lib" >&2); then
				rm -rf "$tmp"
				die "mvn dependency:copy-dependencies of hadoop-client-minicluster $HDFS_VERSION failed"
			fi
		fi
		rm -rf "$tmp/mvn"
		"$HDFS_JAVAC" -nowarn -d "$tmp" -cp "$tmp/lib/*" "$src" >&2 || {
			rm -rf "$tmp"
			die "javac $src failed"
		}
		touch "$tmp/.complete"
		rm -rf "$home"
		mv "$tmp" "$home"
	fi
	exec 8>&-
}

svc_prepare() {
	mkdir -p "$STATE/tmp" "$STATE/data"
	SVC_MARK=-Dferry.state=$STATE
}

svc_exec() {
	local home
	home=$(hdfs_home)
	exec setsid "$HDFS_JAVA" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "-Dferry.state=$STATE" \
		"-Djava.io.tmpdir=$STATE/tmp" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
		-Dorg.slf4j.simpleLogger.showDateTime=true -cp "$home:$home/lib/*" \
		FerryMiniHdfs "$STATE/data" "${PORTS[1]}" "$PORT" "$( ((SVC_RESTART)) && echo keep || echo format)"
}

svc_ready() {
	grep -q FERRY-HDFS-READY "$LOGF" 2>/dev/null &&
		curl -sf -m 5 "http://127.0.0.1:$PORT/webhdfs/v1/?op=GETFILESTATUS&user.name=ferry" >/dev/null 2>&1
}

svc_env() {
	SERVICE_HOST=127.0.0.1
	SERVICE_PORT=$PORT
	SERVICE_URL=http://127.0.0.1:$PORT
	SERVICE_RPC_URL=hdfs://127.0.0.1:${PORTS[1]}
	SERVICE_RPC_PORT=${PORTS[1]}
	SERVICE_PASSWORD=
	SVC_ENV_EXTRA=(SERVICE_RPC_URL SERVICE_RPC_PORT)
}
