#!/usr/bin/env bash
# Prints the directory holding Apache Kafka Connect's jars (connect-runtime, connect-file,
# connect-json at the Kafka version of hack/kafka.sh), resolving them with Maven into
# ${FERRY_CACHE:-.cache}/connect-java the first time. Used to run Java Connect beside Ferry in the
# conformance fixtures and the benchmarks.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
POM=$HERE/conformance/pom.xml
case ${FERRY_CACHE:-} in /*) CACHE=$FERRY_CACHE ;; "") CACHE=$REPO/.cache ;; *) CACHE=$PWD/$FERRY_CACHE ;; esac
CACHE=$CACHE/connect-java
version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM")
JARS=$CACHE/jars-$version-$(sha256sum "$POM" | cut -c1-12)
if [ ! -f "$JARS/.complete" ]; then
        command -v mvn >/dev/null || { echo "connect-java-jars: mvn is missing (make deps)" >&2; exit 1; }
        mkdir -p "$CACHE"
        tmp=$JARS.tmp.$$
        rm -rf "$tmp"
        echo "connect-java-jars: resolving Kafka Connect $version with Maven into $JARS" >&2
        mvn -B -q -f "$POM" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >&2
        ls "$tmp"/connect-runtime-*.jar >/dev/null
        touch "$tmp/.complete"
        rm -rf "$tmp.old"
        [ -d "$JARS" ] && mv "$JARS" "$tmp.old"
        mv "$tmp" "$JARS"
        rm -rf "$tmp.old"
fi
echo "$JARS"
