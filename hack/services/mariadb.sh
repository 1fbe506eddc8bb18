# MariaDB 10.11 (Debian's mariadb-server) for hack/services.sh: a throwaway server made with
# mariadb-install-db, listening on 127.0.0.1:$PORT with its unix socket in the state dir, no
# defaults files read (so the system's /etc/mysql config and its daemon are never involved).
# root@localhost has no password and is reachable only through the socket; the test user
# $SERVICE_USER (any host, password $SERVICE_PASSWORD) owns the database ferry.

svc_check() {
	command -v mariadbd >/dev/null || [[ -x /usr/sbin/mariadbd ]] ||
		die "mariadbd not found (run hack/deps.sh: package mariadb-server)"
	command -v mariadb-install-db >/dev/null || die "mariadb-install-db not found (run hack/deps.sh)"
	command -v mariadb >/dev/null || die "mariadb client not found (run hack/deps.sh: package mariadb-client)"
}

mariadbd_bin() { command -v mariadbd || echo /usr/sbin/mariadbd; }

# The socket path must stay under 108 bytes; a deep state dir falls back to a short /tmp path.
mariadb_socket() {
	local s=$STATE/data/mysqld.sock
	if ((${#s} > 100)); then
		s=${TMPDIR:-/tmp}/ferry-mariadb-$(printf '%s' "$STATE" | sha1sum | cut -c1-12).sock
	fi
	printf '%s\n' "$s"
}

user_opt() {
	if ((IS_ROOT)); then echo --user=root; else echo "--user=$(id -un)"; fi
}

svc_prepare() {
	mkdir -p "$STATE/data" "$STATE/tmp"
	mariadb-install-db --no-defaults --datadir="$STATE/data" "$(user_opt)" \
		--auth-root-authentication-method=normal --skip-test-db >>"$LOGF" 2>&1 || {
		tail -n 20 "$LOGF" >&2
		die "mariadb-install-db failed (log: $LOGF)"
	}
}

svc_exec() {
	exec setsid "$(mariadbd_bin)" --no-defaults --datadir="$STATE/data" --socket="$(mariadb_socket)" \
		--port="$PORT" --bind-address=127.0.0.1 "$(user_opt)" --pid-file="$STATE/mariadbd.pid" \
		--tmpdir="$STATE/tmp" --skip-name-resolve --innodb-buffer-pool-size=32M \
		--innodb-log-file-size=16M --innodb-flush-log-at-trx-commit=0 --skip-log-bin \
		--performance-schema=OFF --max-connections=100
}

admin() { mariadb --no-defaults -S "$(mariadb_socket)" -u root "$@"; }

svc_ready() {
	if [[ -f $STATE/provisioned ]]; then
		mariadb --no-defaults --connect-timeout=5 -h 127.0.0.1 -P "$PORT" -u "$SERVICE_USER" \
			-p"$SERVICE_PASSWORD" "$SERVICE_DB" -N -e 'select 1' 2>/dev/null | grep -qx 1
	else
		admin --connect-timeout=2 -N -e 'select 1' 2>/dev/null | grep -qx 1
	fi
}

svc_provision() {
	admin >>"$LOGF" 2>&1 <<SQL
CREATE DATABASE $SERVICE_DB;
CREATE USER '$SERVICE_USER'@'%' IDENTIFIED BY '$SERVICE_PASSWORD';
CREATE USER '$SERVICE_USER'@'localhost' IDENTIFIED BY '$SERVICE_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO '$SERVICE_USER'@'%';
GRANT ALL PRIVILEGES ON *.* TO '$SERVICE_USER'@'localhost';
FLUSH PRIVILEGES;
SQL
	: >"$STATE/provisioned"
	svc_ready
}

svc_env() {
	SERVICE_HOST=127.0.0.1
	SERVICE_PORT=$PORT
	SERVICE_DB=ferry
	SERVICE_URL=mysql://$SERVICE_USER:$SERVICE_PASSWORD@127.0.0.1:$PORT/$SERVICE_DB
	# root's unix socket (no password) for set-up as the administrator.
	SERVICE_ADMIN_SOCKET=$(mariadb_socket)
	SVC_ENV_EXTRA=(SERVICE_ADMIN_SOCKET)
}

svc_cleanup() {
	rm -f "$(mariadb_socket)"
}
