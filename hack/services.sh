#!/usr/bin/env bash
# hack/services.sh - run one real external system (a database, a message broker, an object store)
# on free loopback ports for Ferry's connector tests.
#
# Usage: hack/services.sh <command> <name>
#   start    Start the system, or reuse the one this state dir already runs if it is alive and
#            answering. Waits (with a deadline) until it answers a real client with the test
#            credentials. The last line on stdout is its address (SERVICE_URL); progress goes to
#            stderr. A system left behind by `kill -9` is discarded: start gives a fresh, empty one.
#   stop     Stop it (its own signal, then SIGKILL after a deadline, then anything left in its
#            session) and delete its data. Ends only the processes this script started (pid file +
#            command line check), never anything found by name. Idempotent. Logs are kept.
#   kill     SIGKILL the running system (and anything left in its session), keeping its data and
#            ports, as a crash would: for tests that restart it.
#   restart  Start the system again over the data and ports it had (after kill, or stopping it
#            first if it runs), and wait until it answers. Last line on stdout: its address. The
#            system's svc_exec sees SVC_RESTART=1 (and must then keep its data).
#   status   Print the address and exit 0 if it is running and answering; exit 1 otherwise.
#   env      Print shell assignments for a client (SERVICE_URL, SERVICE_HOST, SERVICE_PORT,
#            SERVICE_USER, SERVICE_PASSWORD, SERVICE_DB where it makes sense, SERVICE_PID, ...):
#            `eval "$(hack/services.sh env postgres)"`.
#   log      Print the path of the system's log file.
#   list     Print the names of the systems this script knows.
#
# Systems: one file each in hack/services/<name>.sh (postgres, mariadb, mosquitto, ...). A file
# defines these hooks (docs/testing.md has the whole contract and an example):
#   svc_check      the binaries are there (else fail naming hack/deps.sh)
#   svc_prepare    create the data dir/config under $STATE for the ports in ${PORTS[@]}
#   svc_exec       exec the daemon in the foreground (runs in its own session, output to $LOGF)
#   svc_ready      0 once the daemon answers (quiet)
#   svc_provision  create the test user/database once it answers (optional)
#   svc_env        set SERVICE_URL and friends from $PORT, $SERVICE_USER, $SERVICE_PASSWORD
#   svc_cleanup    remove anything kept outside $STATE (optional)
# and may set SVC_PORTS (free ports needed, default 1), SVC_STOP_SIGNAL (default TERM),
# SVC_TIMEOUT (seconds to wait for readiness, default 60).
#
# Environment:
#   FERRY_CACHE            cache root (default <repo>/.cache)
#   FERRY_SERVICES_STATE   root of the state dirs (default $FERRY_CACHE/services); the state of one
#                          system is <root>/<name>: state.env, pid, its log, its data. Use distinct
#                          roots to run several independent instances of a system at once.
#
# Example:
#   hack/services.sh start postgres        # postgresql://ferry:...@127.0.0.1:PORT/ferry
#   eval "$(hack/services.sh env postgres)"; psql "$SERVICE_URL" -c 'select 1'
#   hack/services.sh stop postgres
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)

abspath() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }

log() { printf 'services.sh: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2; }

CMD=${1:-}
NAME=${2:-}
case $CMD in
-h | --help | help)
	usage
	exit 0
	;;
list)
	for f in "$HERE"/services/*.sh; do basename "$f" .sh; done
	exit 0
	;;
start | stop | kill | restart | status | env | log) ;;
*)
	usage
	exit 2
	;;
esac
[[ $NAME =~ ^[a-z0-9][a-z0-9_-]*$ ]] || die "usage: services.sh $CMD NAME (one of: $(ls "$HERE"/services/ | sed -n 's/\.sh$//p' | tr '\n' ' '))"
[[ -f $HERE/services/$NAME.sh ]] || die "unknown system '$NAME' (no hack/services/$NAME.sh)"

ROOT=$(abspath "${FERRY_SERVICES_STATE:-$(abspath "${FERRY_CACHE:-$REPO/.cache}")/services}")
STATE=${ROOT%/}/$NAME
LOGF=$STATE/$NAME.log
STOP_TIMEOUT=30
IS_ROOT=0
[[ $(id -u) == 0 ]] && IS_ROOT=1

# Defaults a system file may override.
SVC_PORTS=1
SVC_STOP_SIGNAL=TERM
SVC_TIMEOUT=60
SVC_RESTART=0
svc_provision() { :; }
svc_cleanup() { :; }

# shellcheck disable=SC1090
source "$HERE/services/$NAME.sh"

# ---------------------------------------------------------------- state

lock_state() {
	mkdir -p "$STATE"
	exec 9>"$STATE/.lock"
	flock -w $((SVC_TIMEOUT + STOP_TIMEOUT + 60)) 9 || die "timed out waiting for $STATE/.lock"
}

# Loads state.env (SERVICE_*, PORTS, SVC_PID, SVC_MARK) if present; returns 1 if not.
load_state() {
	SVC_PID= SVC_MARK= PORT=
	PORTS=()
	[[ -f $STATE/state.env ]] || return 1
	# shellcheck disable=SC1091
	source "$STATE/state.env"
	PORT=${PORTS[0]:-}
	return 0
}

# Writes state.env: the client assignments svc_env set, then what stop/status need.
save_state() {
	local tmp=$STATE/state.env.tmp v
	{
		for v in SERVICE_URL SERVICE_HOST SERVICE_PORT SERVICE_USER SERVICE_PASSWORD SERVICE_DB \
			"${SVC_ENV_EXTRA[@]}"; do
			[[ -n ${!v:-} ]] && printf '%s=%q\n' "$v" "${!v}"
		done
		printf 'SERVICE_NAME=%q\n' "$NAME"
		printf 'SERVICE_PID=%q\n' "$SVC_PID"
		printf 'SERVICE_LOG=%q\n' "$LOGF"
		printf 'SERVICE_STATE=%q\n' "$STATE"
		printf 'PORTS=(%s)\n' "${PORTS[*]}"
		printf 'SVC_PID=%q\n' "$SVC_PID"
		printf 'SVC_MARK=%q\n' "$SVC_MARK"
	} >"$tmp"
	mv "$tmp" "$STATE/state.env"
	printf '%s\n' "$SVC_PID" >"$STATE/pid"
}

# Is $1 the pid of *our* daemon: alive, not a zombie, its command line naming our state (the mark
# svc_prepare chose, by default the state dir)?
is_ours() {
	local pid=$1 cmd st
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
	[[ $st != Z && -n $st ]] || return 1
	cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
	[[ $cmd == *"$SVC_MARK"* ]]
}

# Live (non-zombie) processes in session $1 (our daemons run in a session of their own).
session_pids() {
	local sid=$1 p st
	for p in $(ps -o pid= -s "$sid" 2>/dev/null); do
		st=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) || continue
		[[ $st == Z ]] || printf '%s\n' "$p"
	done
}

terminate() {
	local pid=$1 deadline left
	# Only a process proven ours (and so the leader of the session it made) has its session swept.
	is_ours "$pid" || return 0
	log "stopping $NAME pid $pid (SIG$SVC_STOP_SIGNAL)"
	kill -"$SVC_STOP_SIGNAL" "$pid" 2>/dev/null || true
	deadline=$((SECONDS + STOP_TIMEOUT))
	while is_ours "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
	if is_ours "$pid"; then
		log "$NAME pid $pid ignored SIG$SVC_STOP_SIGNAL for ${STOP_TIMEOUT}s; sending SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	# Children of the daemon (backends, helpers) share its session: end any that outlive it.
	deadline=$((SECONDS + 10))
	while left=$(session_pids "$pid") && [[ -n $left ]]; do
		((SECONDS < deadline)) || die "processes of session $pid survive: $left"
		# shellcheck disable=SC2086
		kill -KILL $left 2>/dev/null || true
		sleep 0.1
	done
}

wipe_state() {
	svc_cleanup
	find "$STATE" -mindepth 1 -maxdepth 1 ! -name '.lock' ! -name '*.log' -exec rm -rf {} +
}

# ---------------------------------------------------------------- ports

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Prints $1 distinct free TCP ports on 127.0.0.1, below the kernel's ephemeral range (so no
# outgoing connection takes them while the system starts) and away from the well-known ports the
# Debian packages' own daemons use.
free_ports() {
	local n=$1 lo=32768 hi p ports=()
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
	if command -v python3 >/dev/null && python3 - "$lo" "$n" <<'PY' 2>/dev/null; then
import random, socket, sys
lo, n = int(sys.argv[1]), int(sys.argv[2])
cands = list(range(10000, lo)) if lo > 11000 else []
random.shuffle(cands)
socks, ports = [], []
for p in cands[:2000] + [0] * n:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        s.close()
        continue
    socks.append(s)
    ports.append(s.getsockname()[1])
    if len(ports) == n:
        break
print(*ports)
PY
		return 0
	fi
	((lo > 11000)) || lo=60000
	while ((${#ports[@]} < n)); do
		p=$((10000 + RANDOM % (lo - 10000)))
		[[ " ${ports[*]} " == *" $p "* ]] && continue
		port_open "$p" || ports+=("$p")
	done
	echo "${ports[@]}"
}

# ---------------------------------------------------------------- daemon

launch() {
	# Own session (setsid): the daemon outlives the caller and stop can find its children. Close
	# every inherited fd (our lock, callers' pipes) so nobody waits on a pipe the daemon keeps.
	(
		cd "$STATE"
		for fd in /proc/$BASHPID/fd/*; do
			fd=${fd##*/}
			if ((fd > 2)); then eval "exec $fd>&-"; fi
		done 2>/dev/null
		svc_exec </dev/null >>"$LOGF" 2>&1
	) &
	SVC_PID=$!
}

# Waits for the daemon. 0: answering, 1: timeout, 2: died.
wait_ready() {
	local deadline=$((SECONDS + SVC_TIMEOUT)) exec_deadline=$((SECONDS + 10)) st
	while :; do
		if ! is_ours "$SVC_PID"; then
			# Right after launch the pid may still be the launcher subshell (our own command line,
			# not yet the daemon's): on a loaded machine it can take a moment to exec.
			st=$(awk '{print $3}' "/proc/$SVC_PID/stat" 2>/dev/null) || st=
			# Mid-exec (setsid, setpriv, the daemon) the command line can read empty for an instant.
			if [[ -n $st && $st != Z ]] && ((SECONDS < exec_deadline)); then
				sleep 0.1
				continue
			fi
			return 2
		fi
		svc_ready && return 0
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

# A password with no characters that need quoting in a URL or a config file.
new_password() { head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

running() { load_state && is_ours "$SVC_PID"; }

start_fresh() {
	local attempt rc t0=$SECONDS
	for attempt in 1 2 3; do
		wipe_state
		: >"$LOGF"
		read -r -a PORTS < <(free_ports "$SVC_PORTS")
		((${#PORTS[@]} == SVC_PORTS)) || die "could not find $SVC_PORTS free port(s)"
		PORT=${PORTS[0]}
		SERVICE_USER=ferry
		SERVICE_PASSWORD=$(new_password)
		SVC_MARK=$STATE
		SVC_ENV_EXTRA=()
		log "starting $NAME on 127.0.0.1:${PORTS[*]}, state $STATE"
		svc_prepare
		launch
		svc_env
		save_state
		rc=0
		wait_ready || rc=$?
		if ((rc == 0)); then
			svc_provision || {
				tail -n 30 "$LOGF" >&2
				terminate "$SVC_PID"
				die "$NAME: creating the test user/database failed (log: $LOGF)"
			}
			log "$NAME pid $SVC_PID ready after $((SECONDS - t0))s; log: $LOGF"
			return 0
		fi
		if ((rc == 2)) && grep -qiE 'address already in use|could not bind|bind.*in use' "$LOGF" &&
			((attempt < 3)); then
			log "port clash, retrying with other ports"
			terminate "$SVC_PID"
			continue
		fi
		tail -n 30 "$LOGF" >&2
		terminate "$SVC_PID"
		((rc == 2)) && die "$NAME exited during startup (log: $LOGF)"
		die "$NAME did not answer within ${SVC_TIMEOUT}s (log: $LOGF)"
	done
}

cmd_start() {
	svc_check
	lock_state
	if running; then
		if wait_ready; then
			log "reusing running $NAME pid $SVC_PID"
			printf '%s\n' "$SERVICE_URL"
			return 0
		fi
		log "$NAME pid $SVC_PID is not answering; replacing it"
		terminate "$SVC_PID"
	elif [[ -f $STATE/state.env ]]; then
		log "discarding stale $NAME state in $STATE"
		terminate "$SVC_PID"
	fi
	start_fresh
	printf '%s\n' "$SERVICE_URL"
}

cmd_stop() {
	lock_state
	if load_state; then
		terminate "$SVC_PID"
	fi
	wipe_state
	log "$NAME stopped; data removed from $STATE"
}

cmd_kill() {
	local deadline left
	lock_state
	load_state || die "no $NAME state in $STATE (start it first)"
	is_ours "$SVC_PID" || die "$NAME is not running (state $STATE)"
	log "killing $NAME pid $SVC_PID (SIGKILL); its data stays in $STATE"
	kill -KILL "$SVC_PID" 2>/dev/null || true
	deadline=$((SECONDS + 10))
	while is_ours "$SVC_PID" && ((SECONDS < deadline)); do sleep 0.1; done
	while left=$(session_pids "$SVC_PID") && [[ -n $left ]]; do
		((SECONDS < deadline)) || die "processes of session $SVC_PID survive: $left"
		# shellcheck disable=SC2086
		kill -KILL $left 2>/dev/null || true
		sleep 0.1
	done
}

cmd_restart() {
	local rc=0
	svc_check
	lock_state
	load_state || die "no $NAME state in $STATE (start it first)"
	is_ours "$SVC_PID" && terminate "$SVC_PID"
	[[ -f $LOGF ]] && mv "$LOGF" "${LOGF%.log}.previous.log"
	: >"$LOGF"
	log "restarting $NAME on 127.0.0.1:${PORTS[*]} over its data in $STATE"
	SVC_RESTART=1
	launch
	sed -i "s/^SERVICE_PID=.*/SERVICE_PID=$SVC_PID/; s/^SVC_PID=.*/SVC_PID=$SVC_PID/" "$STATE/state.env"
	printf '%s\n' "$SVC_PID" >"$STATE/pid"
	wait_ready || rc=$?
	if ((rc != 0)); then
		tail -n 30 "$LOGF" >&2
		((rc == 2)) && die "$NAME exited during restart (log: $LOGF)"
		die "$NAME did not answer within ${SVC_TIMEOUT}s of the restart (log: $LOGF)"
	fi
	log "$NAME pid $SVC_PID ready again; log: $LOGF"
	printf '%s\n' "$SERVICE_URL"
}

cmd_status() {
	if running && svc_ready; then
		printf '%s\n' "$SERVICE_URL"
		return 0
	fi
	log "$NAME is not running (state $STATE)"
	return 1
}

cmd_env() {
	load_state || die "no $NAME state in $STATE (start it first)"
	sed '/^PORTS=/d; /^SVC_/d' "$STATE/state.env"
}

case $CMD in
start) cmd_start ;;
stop) cmd_stop ;;
kill) cmd_kill ;;
restart) cmd_restart ;;
status) cmd_status ;;
env) cmd_env ;;
log) printf '%s\n' "$LOGF" ;;
esac
