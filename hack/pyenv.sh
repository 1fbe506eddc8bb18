#!/usr/bin/env bash
# hack/pyenv.sh - the Python virtual environment of the connector tests' independent clients
# (confluent-kafka's Avro serializer and deserializer, fastavro, ...), pinned in
# hack/pyenv/requirements.txt and installed from PyPI once into
# ${FERRY_CACHE:-<repo>/.cache}/pyenv-<checksum of the requirements>.
#
# Usage: hack/pyenv.sh            prints the venv's python3 (last line), installing it if needed
#        "$(hack/pyenv.sh | tail -1)" script.py ...
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
REQ=$HERE/pyenv/requirements.txt
CACHE=${FERRY_CACHE:-$REPO/.cache}
case $CACHE in /*) ;; *) CACHE=$PWD/$CACHE ;; esac

log() { printf 'pyenv.sh: %s\n' "$*" >&2; }

sum=$(sha256sum "$REQ" | cut -c1-12)
VENV=$CACHE/pyenv-$sum
if [[ ! -f $VENV/.complete ]]; then
	mkdir -p "$CACHE"
	exec 8>"$CACHE/.pyenv.lock"
	flock -w 900 8 || {
		log "timed out waiting for $CACHE/.pyenv.lock"
		exit 1
	}
	if [[ ! -f $VENV/.complete ]]; then
		if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
			log "python3 venv support missing; installing python3-venv"
			apt-get install -y -q python3-venv >&2 || true
		fi
		rm -rf "$VENV"
		log "creating $VENV from $REQ"
		python3 -m venv "$VENV" >&2
		"$VENV/bin/python3" -m pip install -q --disable-pip-version-check -r "$REQ" >&2
		touch "$VENV/.complete"
	fi
	exec 8>&-
fi
printf '%s\n' "$VENV/bin/python3"
