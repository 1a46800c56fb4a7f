#!/usr/bin/env bash
# A PostgreSQL primary and a streaming replica (initdb, pg_basebackup -R; own ports and folders
# under a temporary directory, run as the postgres OS user), and techledger serving from both:
# writes to the primary, statistics and lists from the replica (TECHLEDGER_READ_DATABASE_URL).
# Shows the replica's statistics lagging while its replay is paused and catching up after, the
# audit seq each answer reflects, and that every write lands on the primary.
#
# Needs root (for runuser) and Debian's postgresql; run from anywhere. Ports:
# TL_REPLICA_PG_PORT (primary, default 55432; the replica takes the next), TL_REPLICA_PORT
# (the server, default 18510).
set -euo pipefail
cd "$(dirname "$0")/.."
PRIMARY_PORT="${TL_REPLICA_PG_PORT:-55432}"
REPLICA_PORT=$((PRIMARY_PORT + 1))
APP_PORT="${TL_REPLICA_PORT:-18510}"
PG_BIN="/usr/lib/postgresql/$(ls /usr/lib/postgresql | sort -V | tail -1)/bin"
BIN="${TECHLEDGER_BIN:-target/debug/techledger}"
PASSWORD="replica demo password 1"

[ -x "$BIN" ] || cargo build --bin techledger
TMP="$(mktemp -d /tmp/techledger-replica.XXXXXX)"
chown postgres "$TMP"
SERVER_PID=""
as_pg() { runuser -u postgres -- "$@"; }
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
    for d in replica primary; do
        [ -d "$TMP/$d" ] && as_pg "$PG_BIN/pg_ctl" -D "$TMP/$d" -m immediate -w stop >/dev/null 2>&1 || true
    done
    rm -rf "$TMP"
}
trap cleanup EXIT

start_pg() { # dir port
    as_pg "$PG_BIN/pg_ctl" -D "$TMP/$1" -l "$TMP/$1.log" -w -t 60 \
        -o "-p $2 -c listen_addresses=127.0.0.1 -c unix_socket_directories=$TMP" start >/dev/null
}
psql_at() { # port db sql
    psql -X -A -t -q -h 127.0.0.1 -p "$1" -U postgres -d "$2" -c "$3"
}

echo "--- primary on port $PRIMARY_PORT"
as_pg "$PG_BIN/initdb" --auth=trust --username=postgres --no-sync -D "$TMP/primary" >/dev/null
cat >>"$TMP/primary/postgresql.conf" <<EOF
wal_level = replica
max_wal_senders = 4
hot_standby = on
fsync = off
EOF
start_pg primary "$PRIMARY_PORT"
psql_at "$PRIMARY_PORT" postgres "CREATE DATABASE ledger"

echo "--- streaming replica on port $REPLICA_PORT (pg_basebackup -R)"
as_pg "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$TMP/replica" -R -X stream
start_pg replica "$REPLICA_PORT"
[ "$(psql_at "$REPLICA_PORT" postgres "SELECT pg_is_in_recovery()")" = t ] || { echo "the replica is not in recovery" >&2; exit 1; }

PRIMARY="postgres://postgres@127.0.0.1:$PRIMARY_PORT/ledger"
REPLICA="postgres://postgres@127.0.0.1:$REPLICA_PORT/ledger"
export TECHLEDGER_DATABASE_URL="$PRIMARY" TECHLEDGER_DATA_DIR="$TMP/data" \
    TECHLEDGER_ADMIN_PASSWORD="$PASSWORD" TECHLEDGER_AUTH__ARGON2_MEMORY_KIB=64 \
    TECHLEDGER_AUTH__ARGON2_ITERATIONS=1 RUST_LOG=warn
"$BIN" migrate >/dev/null
echo "$PASSWORD" | "$BIN" user add --username reg --role registrar --office 371302 --password-stdin >/dev/null
echo "$PASSWORD" | "$BIN" user add --username official --role official --password-stdin >/dev/null

echo "--- techledger: writes to the primary, reads from the replica"
TECHLEDGER_READ_DATABASE_URL="$REPLICA" TECHLEDGER_PORT="$APP_PORT" "$BIN" serve 2>"$TMP/server.log" &
SERVER_PID=$!
URL="http://127.0.0.1:$APP_PORT"
for _ in $(seq 1 120); do curl -fs "$URL/health" >/dev/null && break; sleep 0.5; done
curl -fs "$URL/health" >/dev/null || { cat "$TMP/server.log" >&2; exit 1; }

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
login() {
    curl -fs -H 'Content-Type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"$PASSWORD\"}" "$URL/api/v1/auth/login" | json "['token']"
}
REG="$(login reg)"
OFFICIAL="$(login official)"
register() { # n
    python3 - "$1" <<'PY' | curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $REG" -H 'Content-Type: application/json' --data-binary @- "$URL/api/v1/contracts"
import json, sys
n = int(sys.argv[1])
def code(m):
    # A unified social credit code (GB 32100) with both check characters.
    org = "%08d" % m
    o = 11 - sum(int(d) * w for d, w in zip(org, [3, 7, 9, 10, 5, 8, 4, 2])) % 11
    base = "91371300" + org + {10: "X", 11: "0"}.get(o, str(o))
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    s = sum(chars.index(c) * w for c, w in zip(base, weights))
    return base + chars[(31 - s % 31) % 31]
def party(m, region):
    return {"name": "副本演示企业%d有限公司" % m, "credit_code": code(m), "kind": "enterprise", "region": region}
print(json.dumps({"title": "技术开发合同 %d" % n, "contract_type": "development", "subtype": "commissioned",
    "seller": party(2 * n, "320102"), "buyer": party(2 * n + 1, "371302"), "signed_on": "2026-03-01",
    "contract_amount": "1000.00", "technical_amount": "1000.00",
    "tech_field": "advanced_manufacturing", "ip_type": "patent"}))
PY
}
stats_seq() { curl -fs -H "Authorization: Bearer $OFFICIAL" "$URL/api/v1/stats/summary" | json "['audit_seq']"; }
primary_head() { psql_at "$PRIMARY_PORT" ledger "SELECT seq FROM audit_head"; }
wait_caught_up() {
    local head seq
    head="$(primary_head)"
    for _ in $(seq 1 100); do
        seq="$(stats_seq)"
        echo "  replica statistics reflect audit seq $seq; the primary's head is $head"
        [ "$seq" = "$head" ] && return 0
        sleep 0.3
    done
    echo "the replica did not catch up" >&2
    return 1
}

for n in 1 2 3; do
    [ "$(register "$n")" = 201 ] || { echo "registration $n failed" >&2; cat "$TMP/server.log" >&2; exit 1; }
done
echo "--- three registrations written; the replica catches up:"
wait_caught_up

echo "--- replay paused on the replica; two more registrations:"
psql_at "$REPLICA_PORT" postgres "SELECT pg_wal_replay_pause()" >/dev/null
for n in 4 5; do
    [ "$(register "$n")" = 201 ] || { echo "a write failed while the replica was paused" >&2; exit 1; }
done
LAGGING="$(stats_seq)"
HEAD="$(primary_head)"
echo "  replica statistics reflect audit seq $LAGGING; the primary's head is $HEAD"
[ "$LAGGING" -lt "$HEAD" ] || { echo "the statistics did not come from the paused replica" >&2; exit 1; }
PRIMARY_CONTRACTS="$(psql_at "$PRIMARY_PORT" ledger "SELECT count(*) FROM contracts")"
REPLICA_CONTRACTS="$(psql_at "$REPLICA_PORT" ledger "SELECT count(*) FROM contracts")"
echo "  contracts on the primary: $PRIMARY_CONTRACTS, on the paused replica: $REPLICA_CONTRACTS (writes go to the primary)"
[ "$PRIMARY_CONTRACTS" = 5 ] && [ "$REPLICA_CONTRACTS" = 3 ] || exit 1
# The contract list is read on the replica too: its page and its totals from one snapshot.
list_on_replica() { curl -fs -H "Authorization: Bearer $OFFICIAL" "$URL/api/v1/contracts?limit=2" | json "$1"; }
LISTED="$(list_on_replica "['totals']['count']") $(list_on_replica "['totals']['contract_amount']") $(list_on_replica "['next'] is not None")"
echo "  the contract list (read on the paused replica): totals count, contract amount, a next page: $LISTED"
[ "$LISTED" = "3 3000.00 True" ] || { echo "the contract list did not come from the paused replica" >&2; exit 1; }
LIST_SEQ="$(list_on_replica "['audit_seq']")"
echo "  the contract list says it reflects audit seq $LIST_SEQ (the statistics: $LAGGING; the primary's head: $HEAD)"
[ "$LIST_SEQ" = "$LAGGING" ] || { echo "the contract list's audit_seq is not the replica's" >&2; exit 1; }

echo "--- replay resumed:"
psql_at "$REPLICA_PORT" postgres "SELECT pg_wal_replay_resume()" >/dev/null
wait_caught_up
# The whole report is read before its first line is shown: `| head -1` could close the pipe
# while verify still writes, and the run would fail on the broken pipe.
report=$("$BIN" verify --database "$REPLICA")
printf '%s\n' "${report%%$'\n'*}"
echo "read replica: OK"
