#!/usr/bin/env bash
# Builds a real ledger with the techledger binary, exports its audit chain and JWKS, and
# verifies them with tests/interop/verify_audit_export.py: PyJWT + hashlib, no project code.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
venv="$repo/target/ci-venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q -r tests/interop/requirements.txt openapi-spec-validator==0.7.2
"$venv/bin/python" tests/interop/test_verifier_selfcheck.py >/dev/null
"$venv/bin/python" tests/interop/test_figures_selfcheck.py >/dev/null 2>&1 \
    || { "$venv/bin/python" tests/interop/test_figures_selfcheck.py; exit 1; }

cargo build -q --bin techledger
bin="$PWD/target/debug/techledger"
# The figures self-check again, every case also through `techledger verify figures`.
TL_RUST_VERIFIER="$bin" "$venv/bin/python" tests/interop/test_figures_selfcheck.py >/dev/null 2>&1 \
    || { TL_RUST_VERIFIER="$bin" "$venv/bin/python" tests/interop/test_figures_selfcheck.py; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TECHLEDGER_DATA_DIR="$work/data" TECHLEDGER_DATABASE_URL="sqlite://$work/data/ledger.db"
export TECHLEDGER_ADMIN_PASSWORD="Interop-Root-2026" TECHLEDGER_PORT=${TL_INTEROP_PORT:-18081} TECHLEDGER_DEMO_PASSWORD="Interop-Demo-2026"
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

# Figures bound to the log: a real server on the demo data publishes the summary and every
# breakdown of each demo year with the checkpoint they were computed at; both verifiers
# recompute them from the export up to that checkpoint and must agree with them, and with each
# other, to the fen; a summary one fen off must fail in both, naming the figure.
cd "$work"
"$bin" serve >server.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
base="http://127.0.0.1:${TECHLEDGER_PORT}"
for _ in $(seq 1 100); do curl -fsS "$base/health" >/dev/null 2>&1 && break; sleep 0.2; done
token=$(curl -fsS -H 'Content-Type: application/json' -d '{"username":"aud1","password":"auditor password 12"}' \
    "$base/api/v1/auth/login" | "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["token"])')
get() { curl -fsS -H "Authorization: Bearer $token" "$base$1"; }
curl -fsS "$base/log/keys" > log-keys.json
this_year=$(TZ=Asia/Shanghai date +%Y)
for year in $((this_year - 2)) $((this_year - 1)) "$this_year"; do
    pub="figures-$year"
    mkdir -p "$pub/breakdowns"
    get "/api/v1/stats/summary?year=$year" > "$pub/summary.json"
    for by in office contract_type tech_field ip_type seller_kind flow month review; do
        get "/api/v1/stats/breakdown?year=$year&by=$by" > "$pub/breakdowns/$by.json"
    done
    "$venv/bin/python" - "$pub" <<'PY'
import json, os, sys
pub = sys.argv[1]
summary = json.load(open(os.path.join(pub, "summary.json")))
cp = summary["checkpoint"]
assert cp and cp["tree_size"] == summary["audit_seq"], summary
for by in os.listdir(os.path.join(pub, "breakdowns")):
    b = json.load(open(os.path.join(pub, "breakdowns", by)))
    assert b["checkpoint"] == cp, f"{by} was computed at another checkpoint"
open(os.path.join(pub, "checkpoint.txt"), "w").write(cp["note"])
PY
    # The checkpoint as the public log serves it is the one the summary names.
    size=$("$venv/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["checkpoint"]["tree_size"])' "$pub/summary.json")
    curl -fsS "$base/log/checkpoint/$size" | cmp - "$pub/checkpoint.txt"
done
# The log moves on before the export is taken: the figures stand at their checkpoint.
reg_token=$(curl -fsS -H 'Content-Type: application/json' -d '{"username":"reg1","password":"registrar password 1"}' \
    "$base/api/v1/auth/login" | "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["token"])')
parties=$(curl -fsS -H "Authorization: Bearer $reg_token" "$base/api/v1/parties?limit=2" \
    | "$venv/bin/python" -c 'import json,sys; print(" ".join(p["id"] for p in json.load(sys.stdin)["items"]))')
read -r seller buyer <<<"$parties"
curl -fsS -o /dev/null -H "Authorization: Bearer $reg_token" -H 'Content-Type: application/json' "$base/api/v1/contracts" -d '{
  "title": "互操作检查追加合同", "contract_type": "service", "signed_on": "'"$this_year"'-01-02",
  "contract_amount": "1000.00", "technical_amount": "1000.00", "tech_field": "agriculture", "ip_type": "none",
  "seller_id": "'"$seller"'", "buyer_id": "'"$buyer"'"}'
get /api/v1/audit/export > audit-now.jsonl
for year in $((this_year - 2)) $((this_year - 1)) "$this_year"; do
    pub="figures-$year"
    common=(--year "$year" --checkpoint "$pub/checkpoint.txt" --export audit-now.jsonl)
    "$bin" verify figures "${common[@]}" --trust-root "$root" --summary "$pub/summary.json" --breakdowns "$pub/breakdowns"
    "$venv/bin/python" "$repo/tests/interop/verify_figures.py" "${common[@]}" --trust-root "$root" \
        --summary "$pub/summary.json" --breakdowns "$pub/breakdowns"
    "$venv/bin/python" "$repo/tests/interop/verify_figures.py" "${common[@]}" --jwks jwks.json --log-keys log-keys.json \
        --summary "$pub/summary.json" --breakdowns "$pub/breakdowns" >/dev/null
    # Both recompute the same figures, row by row, to the fen.
    "$bin" verify figures "${common[@]}" --trust-root "$root" 2>/dev/null > "$pub/rust.json"
    "$venv/bin/python" "$repo/tests/interop/verify_figures.py" "${common[@]}" --trust-root "$root" 2>/dev/null > "$pub/python.json"
    "$venv/bin/python" - "$pub" <<'PY'
import json, os, sys
pub = sys.argv[1]
def norm(doc):
    rows = {by: sorted((r["key"], r["turnover"], r["technical_amount"], r["contracts"], r["introduced"])
                       for r in rows if r["contracts"]) for by, rows in doc["breakdowns"].items()}
    head = {k: doc[k] for k in ("year", "checkpoint", "turnover", "technical_amount", "contracts",
                                "introduced", "measured_turnover")}
    return head, rows
rust, python = (json.load(open(os.path.join(pub, f))) for f in ("rust.json", "python.json"))
assert norm(rust) == norm(python), f"{pub}: the two verifiers recompute different figures"
summary = json.load(open(os.path.join(pub, "summary.json")))
assert rust["contracts"] == summary["contracts"], "the summary's contracts"
print(f"interop: {pub}: techledger and the Python verifier recompute {rust['contracts']} contracts, "
      f"turnover {rust['turnover']} at size {rust['checkpoint']['tree_size']}, identically")
PY
    # One fen off: both fail and name it.
    "$venv/bin/python" - "$pub" <<'PY'
import json, os, sys
path = os.path.join(sys.argv[1], "summary.json")
doc = json.load(open(path))
whole, frac = doc["turnover"].split(".")
fen = int(whole) * 100 + int(frac) + 1
doc["turnover"] = f"{fen // 100}.{fen % 100:02d}"
json.dump(doc, open(os.path.join(sys.argv[1], "tampered.json"), "w"), ensure_ascii=False)
PY
    for verifier in "$bin verify figures" "$venv/bin/python $repo/tests/interop/verify_figures.py"; do
        # shellcheck disable=SC2086
        if out=$($verifier "${common[@]}" --trust-root "$root" --summary "$pub/tampered.json"); then
            echo "a summary one fen off verified: $verifier: $out" >&2; exit 1
        fi
        case "$out" in *"FAIL figures: 1 published figure(s)"*"summary turnover: published"*) ;;
            *) echo "unexpected: $out" >&2; exit 1;; esac
    done
done
echo "interop: a summary one fen off is refused by techledger verify figures and the Python verifier"
kill $server

# Proofs, receipts and the witness: proofs built from RFC 9162's own definitions check
# verify_proofs.py; then a real server's inclusion and consistency proofs, a receipt and a
# witness's cosignatures are checked by it (hashlib + PyJWT only) and by techledger verify; the
# witness refuses a forked copy of the database.
"$venv/bin/python" "$repo/tests/interop/test_proofs_selfcheck.py" >/dev/null 2>&1 \
    || { "$venv/bin/python" "$repo/tests/interop/test_proofs_selfcheck.py"; exit 1; }
proofs="$venv/bin/python $repo/tests/interop/verify_proofs.py --trust-root $root --log-keys log-keys.json"
cd "$work"
"$bin" witness keygen --key witness.key --name interop.example/w1 > witness.vkey 2>/dev/null
witness_vkey=$(cat witness.vkey)
TECHLEDGER_AUDIT__WITNESSES="[\"$witness_vkey\"]" "$bin" serve >server.log 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fsS "$base/health" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "$base/log/keys" > log-keys.json
log_vkey=$("$venv/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["vkey"])' log-keys.json)
witness=("$bin" witness --once --url "$base" --log-key "$log_vkey" --key witness.key --state witness-state.json)
state_size() { "$venv/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["size"])' witness-state.json; }
"${witness[@]}"
first=$(state_size)
curl -fsS "$base/log/checkpoint/$first" > cp-first.txt
new_contract() {
    curl -fsS -H "Authorization: Bearer $reg_token" -H 'Content-Type: application/json' "$base/api/v1/contracts" -d '{
      "title": "互操作见证追加合同 '"$1"'", "contract_type": "consulting", "signed_on": "'"$this_year"'-01-03",
      "contract_amount": "'"$1"'.00", "technical_amount": "'"$1"'.00", "tech_field": "agriculture", "ip_type": "none",
      "seller_id": "'"$seller"'", "buyer_id": "'"$buyer"'"}'
}
contract_id=$(new_contract 2001 | "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["id"])')
new_contract 2002 >/dev/null
"${witness[@]}" | grep -q "consistent with size $first"
second=$(state_size)
curl -fsS "$base/log/checkpoint/$second" > cp-second.txt
# Both cosignatures, as the log serves them, checked with the witness's vkey alone.
for cp in cp-first.txt cp-second.txt; do
    $proofs cosignature --checkpoint "$cp" --witness "$witness_vkey"
done
# Inclusion of an early entry and of the contract's registration, by both verifiers.
for seq in 2 $((first - 1)); do
    get "/api/v1/audit/entries/$seq" > "entry-$seq.json"
    curl -fsS "$base/api/v1/audit/proof/inclusion?seq=$seq&tree_size=$second" > "inclusion-$seq.json"
    $proofs inclusion --entry "entry-$seq.json" --proof "inclusion-$seq.json" --checkpoint cp-second.txt
    "$bin" verify --inclusion "inclusion-$seq.json" --entry "entry-$seq.json" --checkpoint cp-second.txt \
        --log-keys log-keys.json --trust-root "$root" >/dev/null
done
curl -fsS "$base/api/v1/audit/proof/consistency?from=$first&to=$second" > consistency.json
$proofs consistency --proof consistency.json --old cp-first.txt --new cp-second.txt
"$bin" verify --consistency consistency.json --checkpoint cp-first.txt --checkpoint cp-second.txt \
    --log-keys log-keys.json --trust-root "$root" >/dev/null
curl -fsS -H "Authorization: Bearer $reg_token" "$base/api/v1/contracts/$contract_id/receipt" > receipt.json
$proofs receipt receipt.json
"$bin" verify receipt receipt.json --trust-root "$root" >/dev/null
# Tampered proofs and receipts fail in both.
"$venv/bin/python" - <<'PY'
import json
p = json.load(open("inclusion-2.json")); p["hashes"][0] = "0" * 64
json.dump(p, open("inclusion-bad.json", "w"))
c = json.load(open("consistency.json")); c["hashes"][-1] = "f" * 64
json.dump(c, open("consistency-bad.json", "w"))
r = json.load(open("receipt.json")); r["entry"]["payload"]["state"]["contract_amount"] = "2001.01"
json.dump(r, open("receipt-bad.json", "w"), ensure_ascii=False)
PY
expect_fail() { if out=$("$@" 2>&1); then echo "accepted: $* → $out" >&2; exit 1; fi; }
expect_fail $proofs inclusion --entry entry-2.json --proof inclusion-bad.json --checkpoint cp-second.txt
expect_fail "$bin" verify --inclusion inclusion-bad.json --entry entry-2.json --checkpoint cp-second.txt --log-keys log-keys.json --trust-root "$root"
expect_fail $proofs consistency --proof consistency-bad.json --old cp-first.txt --new cp-second.txt
expect_fail "$bin" verify --consistency consistency-bad.json --checkpoint cp-first.txt --checkpoint cp-second.txt --log-keys log-keys.json --trust-root "$root"
expect_fail $proofs receipt receipt-bad.json
expect_fail "$bin" verify receipt receipt-bad.json --trust-root "$root"
expect_fail $proofs cosignature --checkpoint cp-second.txt --witness "$log_vkey"
echo "interop: inclusion and consistency proofs, a receipt and two witness cosignatures verified by verify_proofs.py and techledger verify; tampered ones refused"

# The fork: an attacker with write access copies the database, rewrites an old registration,
# drops the Merkle tree (the server rebuilds it from the rewritten entries on start) and the
# stored checkpoints, and serves the copy signed with the log's real key. The witness, with its
# state from the real log, refuses: exit 3, naming the sizes and roots that disagree.
kill $server; wait $server 2>/dev/null || true
"$venv/bin/python" - "$work/data/ledger.db" "$work/fork.db" <<'PY'
import sqlite3, sys
src, dst = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
src.backup(dst)
seq, payload = dst.execute("SELECT seq, payload FROM audit_entries WHERE action = 'contract.register' ORDER BY seq LIMIT 1").fetchone()
import json
doc = json.loads(payload)
doc["state"]["contract_amount"] = "999999999.00"
dst.execute("UPDATE audit_entries SET payload = ? WHERE seq = ?", (json.dumps(doc, ensure_ascii=False), seq))
dst.executescript("DELETE FROM tlog_cosignatures; DELETE FROM audit_checkpoints; DELETE FROM tlog_hashes;")
dst.commit()
PY
fork_port=$((TECHLEDGER_PORT + 1))
TECHLEDGER_PORT=$fork_port TECHLEDGER_DATABASE_URL="sqlite://$work/fork.db" "$bin" serve >fork.log 2>&1 &
fork=$!
trap 'kill $fork 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$fork_port/health" >/dev/null 2>&1 && break; sleep 0.2; done
cp witness-state.json state-before.json
set +e
out=$("$bin" witness --once --url "http://127.0.0.1:$fork_port" --log-key "$log_vkey" --key witness.key --state witness-state.json 2>&1)
code=$?
set -e
kill $fork
[ "$code" = 3 ] || { echo "the witness did not refuse the fork (exit $code): $out" >&2; exit 1; }
case "$out" in *"REFUSED: fork"*"does not extend the checkpoint of size $second (root "*) ;;
    *) echo "unexpected: $out" >&2; exit 1;; esac
cmp witness-state.json state-before.json
echo "interop: the witness refuses a forked copy of the log: $out"
