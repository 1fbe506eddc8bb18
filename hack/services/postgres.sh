# PostgreSQL 15 (Debian's postgresql package) for hack/services.sh: a throwaway cluster made with
# initdb, fsync off, listening on 127.0.0.1:$PORT only; its unix socket lives next to its data. Local
# (socket) connections are trusted, TCP connections need a password (scram-sha-256), so a wrong
# password is refused. Creates the role $SERVICE_USER with $SERVICE_PASSWORD and the database ferry.
#
# initdb and postgres refuse to run as root: as root the cluster is made and run as the `postgres`
# user in a directory under /tmp that user owns (the state dir may sit under an unreadable $HOME).

PG_BIN=${FERRY_PG_BIN:-}
if [[ -z $PG_BIN ]]; then
	for d in /usr/lib/postgresql/*/bin; do [[ -x $d/initdb ]] && PG_BIN=$d; done
fi

# The cluster's directory: under the state dir, or (as root) a /tmp dir named after it.
pg_dir() {
	if ((IS_ROOT)); then
		printf '%s/ferry-pg-%s\n' "${TMPDIR:-/tmp}" "$(printf '%s' "$STATE" | sha1sum | cut -c1-12)"
	else
		printf '%s/pg\n' "$STATE"
	fi
}

# Runs a command as the cluster's owner.
as_pg() {
	if ((IS_ROOT)); then
		setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
	else
		"$@"
	fi
}

svc_check() {
	[[ -n $PG_BIN && -x $PG_BIN/postgres ]] || die "PostgreSQL server binaries not found (run hack/deps.sh: package postgresql)"
	command -v psql >/dev/null || die "psql not found (run hack/deps.sh)"
	if ((IS_ROOT)); then
		id postgres >/dev/null 2>&1 || die "no postgres user (run hack/deps.sh: package postgresql)"
	fi
}

svc_prepare() {
	local dir pwfile
	dir=$(pg_dir)
	rm -rf "$dir"
	mkdir -p "$dir/sock"
	((IS_ROOT)) && chown -R postgres:postgres "$dir"
	chmod 700 "$dir"
	SVC_MARK=$dir/data
	pwfile=$dir/pw
	printf '%s\n' "$SERVICE_PASSWORD" >"$pwfile"
	((IS_ROOT)) && chown postgres "$pwfile"
	as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
		-E UTF8 --locale=C.UTF-8 --no-sync >>"$LOGF" 2>&1 || {
		tail -n 20 "$LOGF" >&2
		die "initdb failed (log: $LOGF)"
	}
	rm -f "$pwfile"
}

svc_exec() {
	local dir
	dir=$(pg_dir)
	if ((IS_ROOT)); then
		exec setsid setpriv --reuid=postgres --regid=postgres --init-groups -- \
			"$PG_BIN/postgres" -D "$dir/data" -c listen_addresses=127.0.0.1 -c port="$PORT" \
			-c unix_socket_directories="$dir/sock" -c fsync=off -c full_page_writes=off \
			-c synchronous_commit=off -c max_connections=50 -c shared_buffers=32MB
	fi
	exec setsid "$PG_BIN/postgres" -D "$dir/data" -c listen_addresses=127.0.0.1 -c port="$PORT" \
		-c unix_socket_directories="$dir/sock" -c fsync=off -c full_page_writes=off \
		-c synchronous_commit=off -c max_connections=50 -c shared_buffers=32MB
}

# Fast shutdown (SIGTERM is "smart": it would wait for every client to disconnect).
SVC_STOP_SIGNAL=INT

svc_ready() {
	"$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 2 >/dev/null 2>&1 || return 1
	# Before provisioning only the server is checked; afterwards a real login with the password.
	[[ -f $STATE/provisioned ]] || return 0
	PGCONNECT_TIMEOUT=5 psql -X -q -t -A "$SERVICE_URL" -c 'select 1' 2>/dev/null | grep -qx 1
}

svc_provision() {
	local dir
	dir=$(pg_dir)
	psql -X -q -v ON_ERROR_STOP=1 -h "$dir/sock" -p "$PORT" -U postgres -d postgres >>"$LOGF" 2>&1 <<SQL
CREATE ROLE $SERVICE_USER LOGIN CREATEDB PASSWORD '$SERVICE_PASSWORD';
CREATE DATABASE $SERVICE_DB OWNER $SERVICE_USER;
SQL
	: >"$STATE/provisioned"
	svc_ready
}

svc_env() {
	SERVICE_HOST=127.0.0.1
	SERVICE_PORT=$PORT
	SERVICE_DB=ferry
	SERVICE_URL=postgresql://$SERVICE_USER:$SERVICE_PASSWORD@127.0.0.1:$PORT/$SERVICE_DB
	# Dir of the superuser's unix socket (trusted: psql -h DIR -U postgres) for set-up as superuser.
	SERVICE_ADMIN_SOCKET=$(pg_dir)/sock
	SVC_ENV_EXTRA=(SERVICE_ADMIN_SOCKET)
}

svc_cleanup() {
	rm -rf "$(pg_dir)"
}
