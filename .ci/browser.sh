#!/usr/bin/env bash
# Browser tests: Debian's Chromium (installed here if missing, never a downloaded browser)
# drives the real server, started on a throw-away SQLite database filled by `techledger demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ] || ! fc-list | grep -qi "Noto Sans CJK"; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk >/dev/null
fi
# pdftoppm and zbarimg decode the QR code of a certificate (spec 08-verify).
if ! command -v pdftoppm >/dev/null || ! command -v zbarimg >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q poppler-utils zbar-tools >/dev/null
fi
(cd tests/browser && npm ci --no-audit --no-fund --silent)
cargo build -q --bin techledger
bin="$PWD/target/debug/techledger"
work=$(mktemp -d)
port=${TL_BROWSER_PORT:-18080}
export TECHLEDGER_DATA_DIR="$work/data" TECHLEDGER_DATABASE_URL="sqlite://$work/data/ledger.db" TECHLEDGER_PORT=$port
export TECHLEDGER_ADMIN_PASSWORD="Browser-Root-2026" TECHLEDGER_DEMO_PASSWORD="Browser-Demo-2026"
# The configuration with per-office turnover targets for this year (the dashboard shows them).
year=$(date +%Y)
cp config/techledger.toml "$work/techledger.toml"
printf '\n[targets.years."%s"]\nturnover = "20000000000.00"\ncontracts = 1000\nintroduced = 50\n[targets.years."%s".offices]\n"371302" = "3000000000.00"\n"371311" = "1500000000.00"\n' "$year" "$year" >>"$work/techledger.toml"
export TECHLEDGER_CONFIG="$work/techledger.toml"
export TL_DEMO_PASSWORD="$TECHLEDGER_DEMO_PASSWORD" TL_ADMIN_PASSWORD="$TECHLEDGER_ADMIN_PASSWORD" TL_BASE_URL="http://127.0.0.1:$port"
export TECHLEDGER_PUBLIC_BASE_URL="$TL_BASE_URL"
"$bin" demo --contracts 1500 --seed 11 --years 2025-$(date +%Y) >/dev/null
"$bin" serve >"$work/server.log" 2>&1 &
server=$!
pgdb=""
cleanup() {
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    if [ -n "$pgdb" ]; then psql "$TECHLEDGER_TEST_PG_URL" -qc "DROP DATABASE IF EXISTS $pgdb" >/dev/null 2>&1 || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
    curl -fsS "$TL_BASE_URL/health" >/dev/null 2>&1 && break
    sleep 0.2
done
curl -fsS "$TL_BASE_URL/health" >/dev/null || { cat "$work/server.log"; exit 1; }
if ! node tests/browser/run.mjs "$@"; then
    tail -n 50 "$work/server.log"
    exit 1
fi

# The online-submission scenario (09-submissions: sign-up to certificate, a refusal) again on
# PostgreSQL, on a throw-away database of the server TECHLEDGER_TEST_PG_URL names (.ci/run sets
# it; skipped without it, or when the specs asked for do not include that one).
wants_submissions=1
if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -q 09-submissions; then wants_submissions=0; fi
if [ -n "${TECHLEDGER_TEST_PG_URL:-}" ] && [ "$wants_submissions" = 1 ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    pgdb="tl_browser_$$_$(date +%s)"
    psql "$TECHLEDGER_TEST_PG_URL" -qc "CREATE DATABASE $pgdb" >/dev/null
    export TECHLEDGER_DATABASE_URL="${TECHLEDGER_TEST_PG_URL%/*}/$pgdb" TECHLEDGER_DATA_DIR="$work/pgdata"
    "$bin" demo --contracts 300 --seed 11 --years 2025-$(date +%Y) >/dev/null
    "$bin" serve >"$work/server-pg.log" 2>&1 &
    server=$!
    for _ in $(seq 1 100); do
        curl -fsS "$TL_BASE_URL/health" >/dev/null 2>&1 && break
        sleep 0.2
    done
    curl -fsS "$TL_BASE_URL/health" >/dev/null || { cat "$work/server-pg.log"; exit 1; }
    echo "PostgreSQL ($pgdb):"
    if ! node tests/browser/run.mjs 09-submissions; then
        tail -n 50 "$work/server-pg.log"
        exit 1
    fi
fi
