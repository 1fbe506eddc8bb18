#!/usr/bin/env bash
# hack/envtest.sh — a real kube-apiserver + etcd for tests, built from source.
#
# Usage:
#   hack/envtest.sh start           build if needed, start etcd + kube-apiserver,
#                                   wait for /readyz; the LAST line of stdout is
#                                   the admin kubeconfig path (all logs: stderr).
#                                   Starting an instance that is already up just
#                                   prints its kubeconfig path again.
#   hack/envtest.sh stop            stop both processes (TERM, deadline, KILL)
#                                   and remove the instance's data. Idempotent.
#   hack/envtest.sh status          print the instance state; exit 0 if it is
#                                   running and ready, 1 otherwise.
#   hack/envtest.sh kubectl ARGS..  run the built kubectl against the instance.
#   hack/envtest.sh kubeconfig      print the running instance's kubeconfig path.
#   hack/envtest.sh build           only build (or verify) the cached binaries.
#
# Binaries (kube-apiserver, kubectl, etcd) are built once from the Go module in
# hack/envtest/ into ${FERRY_CACHE:-<repo>/.cache}/envtest/bin and rebuilt only
# when a binary is missing or hack/envtest/go.mod (or its .go files) changed.
# The Go module and build caches live under the same cache dir.
#
# Environment:
#   FERRY_CACHE                 cache root (default <repo>/.cache)
#   FERRY_ENVTEST_STATE         instance state dir (default <cache>/envtest/state/default);
#                               use different dirs to run several instances.
#   FERRY_ENVTEST_START_TIMEOUT seconds to wait for etcd/apiserver readiness (default 120)
#   FERRY_ENVTEST_STOP_TIMEOUT  seconds between TERM and KILL on stop (default 15)
#   FERRY_ENVTEST_APISERVER_ARGS extra kube-apiserver flags (word-split)
#   FERRY_ENVTEST_GOMODCACHE / FERRY_ENVTEST_GOCACHE  override the Go caches used for
#                               the build (default <cache>/envtest/go/{mod,build})
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODDIR=$ROOT/hack/envtest
CACHE_ROOT=${FERRY_CACHE:-$ROOT/.cache}
mkdir -p "$CACHE_ROOT"
CACHE_ROOT=$(cd "$CACHE_ROOT" && pwd)
CACHE=$CACHE_ROOT/envtest
BIN=$CACHE/bin
STAMP=$BIN/.stamp
STATE=${FERRY_ENVTEST_STATE:-$CACHE/state/default}
START_TIMEOUT=${FERRY_ENVTEST_START_TIMEOUT:-120}
STOP_TIMEOUT=${FERRY_ENVTEST_STOP_TIMEOUT:-15}
BINARIES=(kube-apiserver kubectl etcd)
# Bump when the build recipe below changes in a way that needs a rebuild.
BUILD_RECIPE=1

log() { printf 'envtest: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || die "'$c' is required but not found in PATH"
	done
}

state_abs() {
	mkdir -p "$STATE"
	STATE=$(cd "$STATE" && pwd)
}

# ---------------------------------------------------------------- build ----

build_inputs_hash() {
	# go.mod plus our own tiny main packages (not go.sum: `-mod=mod` may append
	# to it, which must not force a rebuild).
	{
		echo "recipe=$BUILD_RECIPE"
		cat "$MODDIR/go.mod"
		find -L "$MODDIR" -name '*.go' -type f | LC_ALL=C sort | while read -r f; do
			echo "== ${f#"$MODDIR"/}"
			cat "$f"
		done
	} | sha256sum | cut -d' ' -f1
}

binaries_fresh() {
	local b
	for b in "${BINARIES[@]}"; do
		[[ -x $BIN/$b ]] || return 1
	done
	[[ -f $STAMP && "$(cat "$STAMP")" == "$(build_inputs_hash)" ]]
}

do_build() {
	need go
	export GOMODCACHE=${FERRY_ENVTEST_GOMODCACHE:-$CACHE/go/mod}
	export GOCACHE=${FERRY_ENVTEST_GOCACHE:-$CACHE/go/build}
	# -modcacherw: keep the module cache deletable with a plain rm -rf.
	export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod -modcacherw"
	export CGO_ENABLED=0 # static binaries, like upstream release builds
	local kver major minor
	kver=$(cd "$MODDIR" && go list -m -f '{{.Version}}' k8s.io/kubernetes) || die "go list -m k8s.io/kubernetes failed"
	[[ $kver =~ ^v([0-9]+)\.([0-9]+)\. ]] || die "unexpected k8s.io/kubernetes version '$kver' in $MODDIR/go.mod"
	major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]}
	local ldflags="-s -w" pkg
	for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		ldflags+=" -X $pkg.gitVersion=$kver -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
	done
	local tmp=$BIN/.build.$$
	rm -rf "$tmp"
	mkdir -p "$tmp"
	log "building kube-apiserver + kubectl ($kver) and etcd with $(go env GOVERSION) into $BIN (first build takes a while)"
	local t0=$SECONDS
	if ! (cd "$MODDIR" && go build -trimpath -ldflags="$ldflags" -o "$tmp/" \
		k8s.io/kubernetes/cmd/kube-apiserver \
		k8s.io/kubernetes/cmd/kubectl \
		./etcd) >&2; then
		rm -rf "$tmp"
		die "go build failed"
	fi
	local b
	for b in "${BINARIES[@]}"; do
		mv -f "$tmp/$b" "$BIN/$b"
	done
	rm -rf "$tmp"
	build_inputs_hash >"$STAMP"
	log "build finished in $((SECONDS - t0))s"
}

ensure_built() {
	binaries_fresh && return 0
	mkdir -p "$BIN"
	# Serialize concurrent builds (several instances starting at once). The
	# lock fd is opened only in this subshell, so no daemon inherits it.
	(
		flock 9
		binaries_fresh || do_build
	) 9>"$CACHE/.build.lock"
	binaries_fresh || die "binaries still missing after build"
}

# ------------------------------------------------------------- process ----

# pid_ours PIDFILE: true if the pid in PIDFILE is alive (not a zombie) and its
# argv[0] is the binary we launched (protects against pid reuse).
pid_ours() {
	local f=$1 pid argv0 want st
	[[ -s $f ]] || return 1
	read -r pid want <"$f" || true
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	if [[ -r /proc/$pid/stat ]]; then
		st=$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$pid/stat" 2>/dev/null) || return 1
		[[ $st != Z && $st != X ]] || return 1
		IFS= read -r -d '' argv0 <"/proc/$pid/cmdline" 2>/dev/null || return 1
		[[ -z $want || $argv0 == "$want" ]]
	else
		kill -0 "$pid" 2>/dev/null
	fi
}

pid_of() { local pid _; read -r pid _ <"$1"; echo "$pid"; }

stop_proc() {
	local name=$1 f=$STATE/$1.pid pid deadline
	if ! pid_ours "$f"; then
		rm -f "$f"
		return 0
	fi
	pid=$(pid_of "$f")
	log "stopping $name (pid $pid)"
	kill -TERM "$pid" 2>/dev/null || true
	deadline=$((SECONDS + STOP_TIMEOUT))
	while pid_ours "$f" && ((SECONDS < deadline)); do
		sleep 0.1
	done
	if pid_ours "$f"; then
		log "$name did not exit within ${STOP_TIMEOUT}s; sending KILL"
		kill -KILL "$pid" 2>/dev/null || true
		deadline=$((SECONDS + 5))
		while pid_ours "$f" && ((SECONDS < deadline)); do
			sleep 0.1
		done
	fi
	pid_ours "$f" && die "$name (pid $pid) is still alive"
	rm -f "$f"
}

# launch NAME BINARY ARGS...: start detached, logs to $STATE/NAME.log.
launch() {
	local name=$1 exe=$2
	shift 2
	local starter=()
	command -v setsid >/dev/null 2>&1 && starter=(setsid)
	# No inherited stdout/stderr (a caller's $(...) must not wait for us), no
	# extra fds (3 = the real stdout of `start`).
	"${starter[@]}" "$exe" "$@" </dev/null >"$STATE/$name.log" 2>&1 3>&- &
	local pid=$! argv0="" deadline=$((SECONDS + 10))
	# Until the forked child has exec'd, its argv[0] is still ours; wait for
	# it so that pid_ours() can rely on argv[0].
	while [[ -r /proc/$pid/cmdline ]] && ((SECONDS < deadline)); do
		IFS= read -r -d '' argv0 <"/proc/$pid/cmdline" 2>/dev/null || true
		[[ $argv0 == "$exe" ]] && break
		sleep 0.02
	done
	echo "$pid $exe" >"$STATE/$name.pid"
}

# ---------------------------------------------------------------- ports ----

PICKED_PORTS=()
# Pick a port below the kernel's ephemeral range that nothing has bound
# (per /proc/net/tcp*); collisions with a concurrent starter are handled by
# retrying the start.
pick_port() {
	local used="" p i
	if [[ -r /proc/net/tcp ]]; then
		used=$(awk 'FNR > 1 { split($2, a, ":"); print a[2] }' /proc/net/tcp /proc/net/tcp6 2>/dev/null | sort -u)
	fi
	for ((i = 0; i < 1000; i++)); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
		[[ " ${PICKED_PORTS[*]-} " == *" $p "* ]] && continue
		if [[ -n $used ]] && grep -qx "$(printf '%04X' "$p")" <<<"$used"; then
			continue
		fi
		PICKED_PORTS+=("$p")
		echo "$p"
		return 0
	done
	die "could not find a free port"
}

# ----------------------------------------------------------------- pki -----

gen_pki() {
	local d=$1
	mkdir -p "$d"
	(
		cd "$d"
		umask 077
		local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
		openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.crt -days 3650 \
			-subj "/CN=ferry-envtest-ca" \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
		sign() { # sign NAME SUBJ EXTS
			openssl req -new "${ec[@]}" -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
			printf '%s\n' "$3" >"$1.ext"
			openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key \
				-set_serial "0x$(openssl rand -hex 15)" -days 3650 \
				-extfile "$1.ext" -out "$1.crt" 2>/dev/null
			rm -f "$1.csr" "$1.ext"
		}
		sign serving "/CN=kube-apiserver" \
			"basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
		sign admin "/O=system:masters/CN=admin" \
			"basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key 2>/dev/null
		openssl pkey -in sa.key -pubout -out sa.pub 2>/dev/null
	) || die "certificate generation failed"
}

b64() { base64 <"$1" | tr -d '\n'; }

write_kubeconfig() {
	local port=$1 out=$STATE/kubeconfig
	umask 077
	cat >"$out.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: ferry-envtest
  cluster:
    server: https://127.0.0.1:$port
    certificate-authority-data: $(b64 "$STATE/pki/ca.crt")
users:
- name: admin
  user:
    client-certificate-data: $(b64 "$STATE/pki/admin.crt")
    client-key-data: $(b64 "$STATE/pki/admin.key")
contexts:
- name: ferry-envtest
  context:
    cluster: ferry-envtest
    user: admin
    namespace: default
current-context: ferry-envtest
EOF
	mv -f "$out.tmp" "$out"
}

# ---------------------------------------------------------------- state ----

load_env() {
	ETCD_PORT="" ETCD_PEER_PORT="" APISERVER_PORT="" ETCD_DATA=""
	[[ -f $STATE/env ]] || return 1
	local k v
	while IFS='=' read -r k v; do
		case $k in
		ETCD_PORT | ETCD_PEER_PORT | APISERVER_PORT | ETCD_DATA) printf -v "$k" '%s' "$v" ;;
		esac
	done <"$STATE/env"
}

curl_api() { # curl_api PORT PATH
	curl -sS --max-time 3 --cacert "$STATE/pki/ca.crt" \
		--cert "$STATE/pki/admin.crt" --key "$STATE/pki/admin.key" \
		"https://127.0.0.1:$1$2" 2>/dev/null
}

is_ready() {
	load_env || return 1
	pid_ours "$STATE/etcd.pid" && pid_ours "$STATE/kube-apiserver.pid" || return 1
	[[ "$(curl_api "$APISERVER_PORT" /readyz)" == ok ]]
}

cleanup_instance() {
	stop_proc kube-apiserver
	stop_proc etcd
	load_env || true
	# Only ever delete a directory we created (mktemp pattern below).
	if [[ -n ${ETCD_DATA:-} && $(basename "$ETCD_DATA") == ferry-envtest-etcd.* && -d $ETCD_DATA ]]; then
		rm -rf "$ETCD_DATA"
	fi
	rm -rf "$STATE/pki" "$STATE/kubeconfig" "$STATE/kubeconfig.tmp" "$STATE/env"
}

tail_logs() {
	local n
	for n in etcd kube-apiserver; do
		[[ -s $STATE/$n.log ]] || continue
		log "---- last lines of $STATE/$n.log ----"
		tail -n 25 "$STATE/$n.log" >&2
	done
}

# start_once: one attempt; returns 0 when ready, 2 on a port clash (retry),
# 1 on other failures.
start_once() {
	PICKED_PORTS=()
	ETCD_PORT=$(pick_port) && PICKED_PORTS+=("$ETCD_PORT")
	ETCD_PEER_PORT=$(pick_port) && PICKED_PORTS+=("$ETCD_PEER_PORT")
	APISERVER_PORT=$(pick_port)
	ETCD_DATA=$(mktemp -d "${TMPDIR:-/tmp}/ferry-envtest-etcd.XXXXXX")
	cat >"$STATE/env" <<EOF
ETCD_PORT=$ETCD_PORT
ETCD_PEER_PORT=$ETCD_PEER_PORT
APISERVER_PORT=$APISERVER_PORT
ETCD_DATA=$ETCD_DATA
EOF
	gen_pki "$STATE/pki"

	local etcd_url=http://127.0.0.1:$ETCD_PORT peer_url=http://127.0.0.1:$ETCD_PEER_PORT
	log "starting etcd on $etcd_url (data $ETCD_DATA)"
	launch etcd "$BIN/etcd" \
		--name=ferry-envtest \
		--data-dir="$ETCD_DATA" \
		--listen-client-urls="$etcd_url" --advertise-client-urls="$etcd_url" \
		--listen-peer-urls="$peer_url" --initial-advertise-peer-urls="$peer_url" \
		--initial-cluster="ferry-envtest=$peer_url" \
		--initial-cluster-state=new \
		--unsafe-no-fsync \
		--log-level=warn

	local deadline=$((SECONDS + START_TIMEOUT))
	until [[ "$(curl -sS --max-time 2 "$etcd_url/health" 2>/dev/null)" == *'"health":"true"'* ]]; do
		if ! pid_ours "$STATE/etcd.pid"; then
			grep -q 'address already in use' "$STATE/etcd.log" 2>/dev/null && return 2
			log "etcd exited during startup"
			return 1
		fi
		((SECONDS < deadline)) || { log "etcd not healthy after ${START_TIMEOUT}s"; return 1; }
		sleep 0.1
	done
	log "etcd healthy"

	local extra=()
	# shellcheck disable=SC2206 # word splitting intended
	[[ -n ${FERRY_ENVTEST_APISERVER_ARGS:-} ]] && extra=($FERRY_ENVTEST_APISERVER_ARGS)
	log "starting kube-apiserver on https://127.0.0.1:$APISERVER_PORT"
	launch kube-apiserver "$BIN/kube-apiserver" \
		--etcd-servers="$etcd_url" \
		--bind-address=127.0.0.1 \
		--advertise-address=127.0.0.1 \
		--secure-port="$APISERVER_PORT" \
		--cert-dir="$STATE/pki" \
		--tls-cert-file="$STATE/pki/serving.crt" \
		--tls-private-key-file="$STATE/pki/serving.key" \
		--client-ca-file="$STATE/pki/ca.crt" \
		--authorization-mode=RBAC \
		--service-cluster-ip-range=10.0.0.0/24 \
		--service-account-issuer=https://kubernetes.default.svc.cluster.local \
		--service-account-key-file="$STATE/pki/sa.pub" \
		--service-account-signing-key-file="$STATE/pki/sa.key" \
		--disable-admission-plugins=ServiceAccount \
		--allow-privileged=true \
		--endpoint-reconciler-type=none \
		--profiling=false \
		"${extra[@]}"

	local out=""
	until [[ $out == ok ]]; do
		if ! pid_ours "$STATE/kube-apiserver.pid"; then
			grep -q 'address already in use' "$STATE/kube-apiserver.log" 2>/dev/null && return 2
			log "kube-apiserver exited during startup"
			return 1
		fi
		((SECONDS < deadline)) || { log "kube-apiserver not ready after ${START_TIMEOUT}s (last /readyz: ${out:-no answer})"; return 1; }
		sleep 0.2
		out=$(curl_api "$APISERVER_PORT" /readyz) || true
	done
	write_kubeconfig "$APISERVER_PORT"
	return 0
}

# ------------------------------------------------------------- commands ----

cmd_start() {
	# Everything but the final kubeconfig path goes to stderr.
	exec 3>&1 1>&2
	need curl openssl base64 sha256sum flock
	state_abs
	if is_ready && [[ -s $STATE/kubeconfig ]]; then
		log "already running (apiserver https://127.0.0.1:$APISERVER_PORT)"
		echo "$STATE/kubeconfig" >&3
		return 0
	fi
	cleanup_instance # leftovers of a crashed or half-started instance
	ensure_built
	local t0=$SECONDS attempt rc
	for attempt in 1 2 3; do
		rc=0
		start_once || rc=$?
		((rc == 0)) && break
		if ((rc == 2 && attempt < 3)); then
			log "port clash; retrying with other ports"
			cleanup_instance
			continue
		fi
		tail_logs
		cleanup_instance
		die "start failed"
	done
	log "ready in $((SECONDS - t0))s: https://127.0.0.1:$APISERVER_PORT (logs in $STATE)"
	echo "$STATE/kubeconfig" >&3
}

cmd_stop() {
	[[ -d $STATE ]] || { log "not running"; return 0; }
	state_abs
	cleanup_instance
	log "stopped"
}

cmd_status() {
	[[ -d $STATE ]] || { echo "stopped"; return 1; }
	state_abs
	local e=stopped a=stopped
	pid_ours "$STATE/etcd.pid" && e="running (pid $(pid_of "$STATE/etcd.pid"))"
	pid_ours "$STATE/kube-apiserver.pid" && a="running (pid $(pid_of "$STATE/kube-apiserver.pid"))"
	load_env || true
	if is_ready; then
		echo "running"
	else
		echo "stopped"
	fi
	echo "state:          $STATE"
	echo "etcd:           $e${ETCD_PORT:+ http://127.0.0.1:$ETCD_PORT}"
	echo "kube-apiserver: $a${APISERVER_PORT:+ https://127.0.0.1:$APISERVER_PORT}"
	[[ -s $STATE/kubeconfig ]] && echo "kubeconfig:     $STATE/kubeconfig"
	is_ready
}

cmd_kubectl() {
	state_abs
	[[ -s $STATE/kubeconfig ]] || die "no running instance in $STATE (run: hack/envtest.sh start)"
	ensure_built
	exec "$BIN/kubectl" --kubeconfig="$STATE/kubeconfig" "$@"
}

cmd_kubeconfig() {
	state_abs
	is_ready && [[ -s $STATE/kubeconfig ]] || die "no running instance in $STATE"
	echo "$STATE/kubeconfig"
}

usage() {
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
	exit 2
}

case ${1:-} in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
kubectl) shift; cmd_kubectl "$@" ;;
kubeconfig) cmd_kubeconfig ;;
build) ensure_built; log "binaries up to date in $BIN" ;;
*) usage ;;
esac
