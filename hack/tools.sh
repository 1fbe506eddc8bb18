#!/usr/bin/env bash
# hack/tools.sh — Go-built tools for the packaging checks, pinned in hack/tools/go.mod.
#
# Usage:
#   hack/tools.sh helm | yaml2json    build if needed; print the binary's path (last stdout line)
#   hack/tools.sh build               build (or verify) every tool
#   hack/tools.sh bindir              print the bin directory
#
# Tools: helm (helm.sh/helm/v3/cmd/helm, version pinned in hack/tools/go.mod) and yaml2json (our
# own hack/tools/yaml2json: YAML stream -> JSON array, so tests need no YAML library). They are
# built from the Go module proxy (no prebuilt downloads) into ${FERRY_CACHE:-<repo>/.cache}/tools/bin
# and rebuilt only when hack/tools/go.mod or its .go files change. First build: about 4-5 minutes
# (helm and its Kubernetes dependencies), then instant.
#
# Environment: FERRY_CACHE (cache root), FERRY_TOOLS_GOMODCACHE / FERRY_TOOLS_GOCACHE (Go caches,
# default <cache>/tools/go/{mod,build}).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODDIR=$ROOT/hack/tools
CACHE_ROOT=${FERRY_CACHE:-$ROOT/.cache}
mkdir -p "$CACHE_ROOT"
CACHE=$(cd "$CACHE_ROOT" && pwd)/tools
BIN=$CACHE/bin
STAMP=$BIN/.stamp
TOOLS=(helm yaml2json)
# Bump when the build recipe below changes in a way that needs a rebuild.
BUILD_RECIPE=2

log() { printf 'tools: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

inputs_hash() {
	{
		echo "recipe=$BUILD_RECIPE"
		cat "$MODDIR/go.mod"
		find "$MODDIR" -name '*.go' -type f | LC_ALL=C sort | while read -r f; do
			echo "== ${f#"$MODDIR"/}"
			cat "$f"
		done
	} | sha256sum | cut -d' ' -f1
}

fresh() {
	local t
	for t in "${TOOLS[@]}"; do
		[[ -x $BIN/$t ]] || return 1
	done
	[[ -f $STAMP && "$(cat "$STAMP")" == "$(inputs_hash)" ]]
}

do_build() {
	command -v go >/dev/null 2>&1 || die "'go' is required to build the tools"
	export GOMODCACHE=${FERRY_TOOLS_GOMODCACHE:-$CACHE/go/mod}
	export GOCACHE=${FERRY_TOOLS_GOCACHE:-$CACHE/go/build}
	export GOFLAGS="${GOFLAGS:+$GOFLAGS }-modcacherw"
	export CGO_ENABLED=0
	local hver kver pkg tmp=$BIN/.build.$$ t0=$SECONDS
	hver=$(cd "$MODDIR" && go list -m -f '{{.Version}}' helm.sh/helm/v3) || die "go list -m helm.sh/helm/v3 failed"
	# As helm's own Makefile: the default Kubernetes version of `helm template` and of the lint
	# deprecation rules is the one of the client-go it is built with (else v1.20).
	kver=$(cd "$MODDIR" && go list -m -f '{{.Version}}' k8s.io/client-go) || die "go list -m k8s.io/client-go failed"
	[[ $kver =~ ^v0\.([0-9]+)\. ]] || die "unexpected k8s.io/client-go version $kver"
	local kminor=${BASH_REMATCH[1]} x=""
	for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
		x+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$kminor"
	done
	rm -rf "$tmp"
	mkdir -p "$tmp"
	log "building helm $hver and yaml2json with $(go env GOVERSION) into $BIN (first build takes a few minutes)"
	if ! (cd "$MODDIR" && go build -trimpath \
		-ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$hver -X helm.sh/helm/v3/internal/version.gitTreeState=clean$x" \
		-o "$tmp/helm" helm.sh/helm/v3/cmd/helm &&
		go build -trimpath -ldflags "-s -w" -o "$tmp/yaml2json" ./yaml2json) >&2; then
		rm -rf "$tmp"
		die "go build failed"
	fi
	local t
	for t in "${TOOLS[@]}"; do
		mv -f "$tmp/$t" "$BIN/$t"
	done
	rm -rf "$tmp"
	inputs_hash >"$STAMP"
	log "built in $((SECONDS - t0))s"
}

ensure_built() {
	fresh && return 0
	mkdir -p "$BIN"
	# One build at a time (several tests may ask at once).
	(
		flock 9
		fresh || do_build
	) 9>"$CACHE/.build.lock"
	fresh || die "tools still missing after build"
}

case ${1:-} in
helm | yaml2json)
	ensure_built
	echo "$BIN/$1"
	;;
build) ensure_built ;;
bindir) echo "$BIN" ;;
*)
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
