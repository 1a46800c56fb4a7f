#!/usr/bin/env bash
# Schemathesis against the server's own /openapi.json, as every role: anonymous, admin,
# registrar, auditor, official and applicant. No server errors, responses that conform to the
# documented schemas and status codes. A server on demo data (SQLite) in a temporary folder.
#
#   TL_SCHEMATHESIS_PORT   port of the server (default 18685)
#   TL_SCHEMATHESIS_EXAMPLES  examples per operation (default 8: about two minutes a role in a
#                          debug build on 2 cores; raise it for a deeper search)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
venv="$repo/target/schemathesis-venv"
port=${TL_SCHEMATHESIS_PORT:-18685}
examples=${TL_SCHEMATHESIS_EXAMPLES:-8}
if [ ! -x "$venv/bin/schemathesis" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q schemathesis==4.32.5

cargo build -q --bin techledger
bin="$repo/target/debug/techledger"
work=$(mktemp -d)
server=
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
export TECHLEDGER_DATA_DIR="$work/data" TECHLEDGER_DATABASE_URL="sqlite://$work/data/ledger.db"
export TECHLEDGER_ADMIN_PASSWORD="Schema-Root-2026" TECHLEDGER_DEMO_PASSWORD="Schema-Demo-2026"
export TECHLEDGER_PORT=$port
cd "$work"
"$bin" demo --contracts 200 --seed 11 >/dev/null
# The applicant speaks for a seller of the demo data.
party_code=$(sqlite3 "$work/data/ledger.db" \
    "SELECT credit_code FROM parties WHERE credit_code IS NOT NULL ORDER BY id LIMIT 1" 2>/dev/null || true)
add_user() {
    echo "$3" | "$bin" user add --username "$1" --role "$2" "${@:4}" --password-stdin >/dev/null
}
add_user st-registrar registrar "Schema-Reg-2026" --office 371302
add_user st-auditor auditor "Schema-Aud-2026"
add_user st-official official "Schema-Off-2026"
if [ -n "$party_code" ]; then
    add_user st-applicant applicant "Schema-App-2026" --office 371302 --credit-code "$party_code"
fi
"$bin" serve >server.log 2>&1 &
server=$!
for _ in $(seq 1 150); do curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.2; done
# Another process on the port would answer instead of ours.
kill -0 "$server" 2>/dev/null || { cat server.log >&2; echo "the server did not start (port $port in use?)" >&2; exit 1; }
curl -fsS "http://127.0.0.1:$port/openapi.json" >openapi.json

token() {
    curl -fsS "http://127.0.0.1:$port/api/v1/auth/login" -H 'Content-Type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"$2\"}" |
        "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

status=0
run_as() {
    local role=$1
    shift
    printf '\n--- schemathesis as %s\n' "$role"
    # The operations that end the run's own session are left out (logging out, signing out
    # everywhere, changing one's password: every later request would answer 401), and the key
    # rotation, which would rotate the audit key at every example.
    if ! "$venv/bin/schemathesis" --no-color run "$work/openapi.json" --url "http://127.0.0.1:$port" \
        --checks not_a_server_error,response_schema_conformance,status_code_conformance \
        --phases examples,coverage,fuzzing --max-examples "$examples" --workers 1 \
        --exclude-path-regex '/auth/logout(-everywhere)?$|/me/password$|/audit/keys/rotate$' \
        --suppress-health-check all --seed 20261206 "$@" >"$work/st-$role.txt" 2>&1; then
        status=1
        cat "$work/st-$role.txt"
    else
        tail -n 4 "$work/st-$role.txt"
    fi
}
# Every token is taken before any run: the anonymous run fuzzes the login with wrong passwords,
# and the login limiter rightly answers 429 to this address for a minute afterwards.
admin_token=$(token admin "$TECHLEDGER_ADMIN_PASSWORD")
registrar_token=$(token st-registrar Schema-Reg-2026)
auditor_token=$(token st-auditor Schema-Aud-2026)
official_token=$(token st-official Schema-Off-2026)
applicant_token=
[ -n "$party_code" ] && applicant_token=$(token st-applicant Schema-App-2026)
run_as anonymous
run_as admin -H "Authorization: Bearer $admin_token"
run_as registrar -H "Authorization: Bearer $registrar_token"
run_as auditor -H "Authorization: Bearer $auditor_token"
run_as official -H "Authorization: Bearer $official_token"
if [ -n "$applicant_token" ]; then
    run_as applicant -H "Authorization: Bearer $applicant_token"
else
    echo "no party with a credit code in the demo data: no applicant" >&2
    status=1
fi
if grep -q 'panicked' server.log; then
    grep -n 'panicked' server.log >&2
    status=1
fi
[ "$status" -eq 0 ] && echo "schemathesis: no server errors and no schema violations, as every role"
exit "$status"
