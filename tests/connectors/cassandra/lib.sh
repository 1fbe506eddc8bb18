# Helpers for the Cassandra tests (sourced after tests/connectors/lib.sh): cql runs CQL through
# the Python cassandra-driver (an independent client) on the shared node and prints each row as
# one JSON line (keys sorted), so assertions never read through Ferry's own CQL client.

PY=$("$REPO/hack/pyenv.sh" | tail -1) || fail "no Python venv (hack/pyenv.sh)"

# cql STATEMENT...: runs each statement; rows of the last one as JSON lines.
cql() {
        "$PY" - "$CASSANDRA_HOST" "$CASSANDRA_PORT" "$CASSANDRA_USER" "$CASSANDRA_PASSWORD" "$@" <<'PY'
import json, sys, datetime, decimal, uuid
from cassandra.cluster import Cluster
from cassandra.auth import PlainTextAuthProvider
from cassandra.util import SortedSet, OrderedMapSerializedKey, Date, Time
host, port, user, pw = sys.argv[1:5]
c = Cluster([host], port=int(port), auth_provider=PlainTextAuthProvider(user, pw), connect_timeout=10)
s = c.connect()
s.default_timeout = 30
def conv(v):
    if hasattr(v, "_asdict"):
        return {k: conv(x) for k, x in v._asdict().items()}
    if isinstance(v, (list, tuple, SortedSet, set)):
        return [conv(x) for x in v]
    if isinstance(v, (dict, OrderedMapSerializedKey)):
        return {str(k): conv(x) for k, x in v.items()}
    if isinstance(v, (datetime.datetime, datetime.date, Date, Time, decimal.Decimal, uuid.UUID)):
        return str(v)
    if isinstance(v, bytes):
        return "0x" + v.hex()
    return v
rows = None
for q in sys.argv[5:]:
    rows = s.execute(q)
for r in rows or []:
    print(json.dumps({k: conv(v) for k, v in r._asdict().items()}, sort_keys=True))
c.shutdown()
PY
}

# cql_count TABLE: number of rows.
cql_count() {
        cql "SELECT count(*) AS n FROM $1" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["n"])'
}
