#!/usr/bin/env bash
# Builds a real ledger with the techledger binary, exports its audit chain and JWKS, and
# verifies them with tests/interop/verify_audit_export.py: PyJWT + hashlib, no project code.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/ci-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q -r tests/interop/requirements.txt openapi-spec-validator==0.7.2
"$venv/bin/python" tests/interop/test_verifier_selfcheck.py >/dev/null

cargo build -q --bin techledger
bin="$PWD/target/debug/techledger"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TECHLEDGER_DATA_DIR="$work/data" TECHLEDGER_DATABASE_URL="sqlite://$work/data/ledger.db"
export TECHLEDGER_ADMIN_PASSWORD="Interop-Root-2026" TECHLEDGER_PORT=18081 TECHLEDGER_DEMO_PASSWORD="Interop-Demo-2026"
cd "$work"
echo "registrar password 1" | "$bin" user add --username reg1 --role registrar --office 371302 --password-stdin >/dev/null
echo "auditor password 12" | "$bin" user add --username aud1 --role auditor --password-stdin >/dev/null
"$bin" keygen --rotate >/dev/null
# The root of trust, as an auditor would have noted it at the first start.
root=$("$bin" keygen | sed -n 's/^root of trust: key [0-9a-f]* fingerprint \([0-9a-f]\{64\}\).*/\1/p')
[ -n "$root" ] || { echo "keygen printed no root fingerprint" >&2; exit 1; }
if "$bin" demo --help >/dev/null 2>&1; then
    "$bin" demo --contracts 300 --seed 7 >/dev/null
fi
# The OpenAPI document, checked by an independent validator.
"$bin" serve >server.log 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:${TECHLEDGER_PORT}/health" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "http://127.0.0.1:${TECHLEDGER_PORT}/openapi.json" > openapi.json
kill $server
cd - >/dev/null
"$venv/bin/python" -c "import json,sys; from openapi_spec_validator import validate; validate(json.load(open(sys.argv[1]))); print('openapi.json: valid OpenAPI', json.load(open(sys.argv[1]))['openapi'])" "$work/openapi.json"
cd "$work"
"$bin" export audit > audit.jsonl
"$bin" export jwks > jwks.json
"$bin" verify audit.jsonl --jwks jwks.json
"$bin" verify audit.jsonl --trust-root "$root"
cd - >/dev/null
"$venv/bin/python" tests/interop/verify_audit_export.py "$work/audit.jsonl" --jwks "$work/jwks.json"
"$venv/bin/python" tests/interop/verify_audit_export.py "$work/audit.jsonl" --trust-root "$root"
# A key rotation forged by someone who can write the database (a key of their own, announced
# and signed by itself, without the previous key's endorsement) must be refused by both.
forged_seq=$("$venv/bin/python" tests/interop/forge_rotation.py "$work/audit.jsonl" "$work/forged.jsonl")
for anchor in "--jwks $work/jwks.json" "--trust-root $root"; do
    # shellcheck disable=SC2086
    if out=$("$bin" verify "$work/forged.jsonl" $anchor); then
        echo "techledger verify accepted a forged key rotation: $out" >&2; exit 1
    fi
    case "$out" in *"FAIL seq $forged_seq: key rotation"*) ;; *) echo "unexpected: $out" >&2; exit 1;; esac
    # shellcheck disable=SC2086
    if out=$("$venv/bin/python" tests/interop/verify_audit_export.py "$work/forged.jsonl" $anchor); then
        echo "the Python verifier accepted a forged key rotation: $out" >&2; exit 1
    fi
    case "$out" in *"FAIL seq $forged_seq: "*"not signed by the previous key"*) ;; *) echo "unexpected: $out" >&2; exit 1;; esac
done
echo "interop: a forged key rotation is refused by techledger verify and the Python verifier"
# And a tampered copy must fail.
sed '3s/"seq":3/"seq":3,"x":1/' "$work/audit.jsonl" > "$work/tampered.jsonl"
if "$venv/bin/python" tests/interop/verify_audit_export.py "$work/tampered.jsonl" --jwks "$work/jwks.json" >/dev/null; then
    echo "a tampered export verified" >&2
    exit 1
fi
echo "interop: a tampered export is refused"
