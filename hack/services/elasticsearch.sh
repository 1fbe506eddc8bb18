# Elasticsearch 7.10.2 for hack/services.sh: one single-node cluster run in-process by codelibs'
# elasticsearch-cluster-runner (Maven Central org.codelibs:elasticsearch-cluster-runner:7.10.2.0,
# copied once with Maven into $FERRY_CACHE/elasticsearch), Java 17, plain HTTP on 127.0.0.1, no
# security (USER and PASSWORD are not checked). Elasticsearch 8 cannot be had from Maven Central.
# The runner's traps are those of opensearch.sh (ports up to 9299 only, single-node discovery
# pre-seeded in elasticsearch.yml, silent start-up failures); the code is shared in
# lib/search_runner.sh.
#
# SERVICE_URL is http://127.0.0.1:PORT.

OS_VERSION=7.10.2.0
OS_ARTIFACT=org.codelibs:elasticsearch-cluster-runner:$OS_VERSION
OS_MAIN=org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner
OS_CONF=elasticsearch.yml
OS_JAVA=
SVC_TIMEOUT=300

runner_home() { printf '%s\n' "$(abspath "${FERRY_CACHE:-$REPO/.cache}")/elasticsearch/runner-$OS_VERSION"; }

# shellcheck source=lib/search_runner.sh
source "$HERE/services/lib/search_runner.sh"
