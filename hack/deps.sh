#!/usr/bin/env bash
# Installs every Debian package the build, the tests and the quickstart need. Idempotent and quick
# when everything is present: apt runs only for what is missing. Called by `make deps` (and so by
# `make test` and `make run`).
set -euo pipefail

packages=(
        build-essential pkg-config
        librdkafka-dev libcurl4-openssl-dev libssl-dev libyaml-dev libjson-c-dev libwebsockets-dev
        libcriterion-dev
        kcat clang-format valgrind python3 clang libclang-rt-14-dev wrk openssl curl
        gnuplot-nox # make bench: the PNG chart
        openjdk-17-jre-headless maven
        # hack/services/hdfs.sh compiles its small MiniDFSCluster main with javac.
        openjdk-17-jdk-headless
        # Connector tests: the real systems hack/services.sh runs on loopback ports, their command-line
        # clients (independent readers), and the client libraries the connector plugins link. Where
        # the packages start system daemons (default ports 5432, 3306, 1883), those are left alone:
        # hack/services.sh runs its own instances on other ports and reads no system config.
        postgresql mariadb-server mariadb-client mosquitto mosquitto-clients
        libpq-dev libmariadb-dev libsqlite3-dev sqlite3 libmosquitto-dev
        # The Avro object container codecs (worker/connectors/shared/avro: deflate, snappy) and the
        # Parquet page codecs (worker/connectors/shared/parquet: snappy, gzip, zstd).
        zlib1g-dev libsnappy-dev libzstd-dev
        # The CQL client's frame compression (worker/connectors/shared/cql: LZ4, snappy).
        liblz4-dev
        # The HDFS sink reads hadoop.conf.dir (core-site.xml, hdfs-site.xml) with libxml2.
        libxml2-dev
        # Named time zones of the storage sinks' time-based partitioners (shared/tz: ICU's ucal_*).
        libicu-dev
)

missing=()
for p in "${packages[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
                missing+=("$p")
        fi
done
# A JRE from another source satisfies the Kafka broker too.
if command -v java >/dev/null 2>&1; then
        missing=("${missing[@]/openjdk-17-jre-headless/}")
fi
if command -v javac >/dev/null 2>&1; then
        missing=("${missing[@]/openjdk-17-jdk-headless/}")
fi
if command -v mvn >/dev/null 2>&1; then
        missing=("${missing[@]/maven/}")
fi
read -r -a missing <<<"${missing[*]:-}"

if [ "${#missing[@]}" -eq 0 ]; then
        exit 0
fi
echo "deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
        SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
