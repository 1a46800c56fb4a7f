#!/usr/bin/env bash
# Baseline for the write-path benchmark on PostgreSQL: pgbench inserting one contract-sized
# row per transaction at 1, 16 and 64 clients, and 100 rows per transaction (the group-commit
# ceiling), into a throw-away database. Prints transactions/s (median of 3 runs of 10 s each).
# Usage: bench/pgbench-insert.sh [postgres admin URL, default postgres://postgres@127.0.0.1:5432/postgres]
set -euo pipefail
admin="${1:-postgres://postgres@127.0.0.1:5432/postgres}"
db="tl_pgbench_$$"
psql -q "$admin" -c "CREATE DATABASE $db"
trap 'psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
url="${admin%/*}/$db"
psql -q "$url" -c "CREATE TABLE bench_plain (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL, amount BIGINT NOT NULL)"
work=$(mktemp -d)
payload=$(printf 'x%.0s' $(seq 1 900))
printf "INSERT INTO bench_plain (payload, amount) VALUES ('%s', 125000000);\n" "$payload" > "$work/one.sql"
{ echo "BEGIN;"; for _ in $(seq 1 100); do cat "$work/one.sql"; done; echo "COMMIT;"; } > "$work/hundred.sql"
cores=$(nproc)
echo "pgbench baseline on $cores cores: transactions/s, median of 3 runs of 10 s"
for clients in 1 16 64; do
    rates=()
    for _ in 1 2 3; do
        rates+=("$(pgbench -n -c "$clients" -j "$(( clients < cores ? clients : cores ))" -T 10 -f "$work/one.sql" "$url" 2>/dev/null | awk '/tps = / {print int($3)}' | tail -1)")
    done
    printf "  %2d clients, 1 row per transaction:   %s tx/s\n" "$clients" "$(printf '%s\n' "${rates[@]}" | sort -n | sed -n 2p)"
done
rates=()
for _ in 1 2 3; do
    rates+=("$(pgbench -n -c 16 -j "$cores" -T 10 -f "$work/hundred.sql" "$url" 2>/dev/null | awk '/tps = / {print int($3)}' | tail -1)")
done
tx=$(printf '%s\n' "${rates[@]}" | sort -n | sed -n 2p)
printf "  16 clients, 100 rows per transaction: %s tx/s = %s rows/s\n" "$tx" "$(( tx * 100 ))"
rm -rf "$work"
