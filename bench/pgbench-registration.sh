#!/usr/bin/env bash
# Baseline for the write-path benchmark on PostgreSQL: pgbench writing the rows of one
# registration per transaction, one statement at a time, into techledger's own schema (the
# migrations, so the same constraints, foreign keys and indexes): lock the chain head, take the
# next registration number, insert the contract, its version, its amount entry and its audit
# entry chained to the head (hash and signature are random stand-ins, not computed), add to the
# eight rollups and the two party rollups, move the head. At 1, 16 and 64 clients; prints
# transactions/s (= registrations/s), median of 3 runs of 10 s each.
# Usage: bench/pgbench-registration.sh [postgres admin URL, default postgres://postgres@127.0.0.1:5432/postgres]
set -euo pipefail
cd "$(dirname "$0")/.."
admin="${1:-postgres://postgres@127.0.0.1:5432/postgres}"
db="tl_pgbench_reg_$$"
psql -q "$admin" -c "CREATE DATABASE $db"
trap 'psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
url="${admin%/*}/$db"
for up in migrations/postgres/*/up.sql; do psql -q -v ON_ERROR_STOP=1 "$url" -f "$up" >/dev/null; done
psql -q -v ON_ERROR_STOP=1 "$url" <<'SQL'
INSERT INTO users VALUES ('u1', 'bench', 'bench', 'registrar', '371302', 'x', TRUE, 1, now(), now(), 1);
INSERT INTO parties VALUES
  ('p1', '基准企业0', '913713000000000010', 'enterprise', '320102', NULL, NULL, 1, 'u1', now(), now(), 2),
  ('p2', '基准企业1', '913713000000000029', 'enterprise', '371302', NULL, NULL, 1, 'u1', now(), now(), 3);
SQL
work=$(mktemp -d)
# A payload and a signature of the size the write path stores for such a registration.
payload=$(printf 'x%.0s' $(seq 1 1100))
signature=$(printf 's%.0s' $(seq 1 280))
{
cat <<'SQL'
BEGIN;
SELECT seq + 1 AS seq, hash AS prev FROM audit_head WHERE id = 1 FOR UPDATE \gset
INSERT INTO registration_counters (office, year, last_seq) VALUES ('371302', 2026, 1) ON CONFLICT (office, year) DO UPDATE SET last_seq = registration_counters.last_seq + 1 RETURNING '2026371302' || lpad(last_seq::text, 6, '0') AS regno, gen_random_uuid()::text AS cid, md5(random()::text) || md5(random()::text) AS hash \gset
INSERT INTO contracts (id, registration_no, office, status, review, version, title, contract_type, subtype, seller_id, buyer_id, signed_on, valid_until, contract_amount_fen, technical_amount_fen, tech_field, ip_type, seller_region, seller_kind, buyer_region, buyer_kind, flow, introduced, created_by, created_at, registered_at, registered_year, registered_month, approved_by, updated_at, audit_seq) VALUES (':cid', ':regno', '371302', 'registered', 'unreviewed', 1, '基准合同', 'development', NULL, 'p1', 'p2', '2026-01-05', NULL, 125000000, 100000000, 'advanced_manufacturing', 'patent', '320102', 'enterprise', '371302', 'enterprise', 'inflow', TRUE, 'u1', now(), now(), 2026, 12, NULL, now(), :seq);
INSERT INTO contract_versions (contract_id, version, change, status, registration_no, title, contract_type, subtype, seller_id, buyer_id, signed_on, valid_until, contract_amount_fen, technical_amount_fen, tech_field, ip_type, reason, actor_id, recorded_at, audit_seq) VALUES (':cid', 1, 'register', 'registered', ':regno', '基准合同', 'development', NULL, 'p1', 'p2', '2026-01-05', NULL, 125000000, 100000000, 'advanced_manufacturing', 'patent', NULL, 'u1', now(), :seq);
INSERT INTO amount_entries (audit_seq, line, contract_id, recorded_at, recorded_on, year, month, office, contract_type, tech_field, ip_type, seller_kind, flow, review, introduced, seller_id, buyer_id, contract_fen, technical_fen, contracts) VALUES (:seq, 1, ':cid', now(), current_date, 2026, 12, '371302', 'development', 'advanced_manufacturing', 'patent', 'enterprise', 'inflow', 'unreviewed', TRUE, 'p1', 'p2', 125000000, 100000000, 1);
SQL
echo "INSERT INTO audit_entries (seq, id, at, actor_id, actor_username, actor_role, action, entity_type, entity_id, payload, prev_hash, hash, kid, signature) VALUES (:seq, gen_random_uuid()::text, now(), 'u1', 'bench', 'registrar', 'contract.register', 'contract', ':cid', '$payload', ':prev', ':hash', 'kid-1', '$signature');"
for dk in "total|" "office|371302" "contract_type|development" "tech_field|advanced_manufacturing" "ip_type|patent" "seller_kind|enterprise" "flow|inflow" "review|unreviewed"; do
    echo "INSERT INTO rollups (year, month, dimension, key, turnover_fen, technical_fen, contracts, introduced) VALUES (2026, 12, '${dk%%|*}', '${dk#*|}', 125000000, 100000000, 1, 1) ON CONFLICT (year, month, dimension, key) DO UPDATE SET turnover_fen = rollups.turnover_fen + EXCLUDED.turnover_fen, technical_fen = rollups.technical_fen + EXCLUDED.technical_fen, contracts = rollups.contracts + EXCLUDED.contracts, introduced = rollups.introduced + EXCLUDED.introduced;"
done
for sp in "seller|p1" "buyer|p2"; do
    echo "INSERT INTO party_rollups (year, side, party_id, turnover_fen, technical_fen, contracts) VALUES (2026, '${sp%%|*}', '${sp#*|}', 125000000, 100000000, 1) ON CONFLICT (year, side, party_id) DO UPDATE SET turnover_fen = party_rollups.turnover_fen + EXCLUDED.turnover_fen, technical_fen = party_rollups.technical_fen + EXCLUDED.technical_fen, contracts = party_rollups.contracts + EXCLUDED.contracts;"
done
cat <<'SQL'
UPDATE audit_head SET seq = :seq, hash = ':hash' WHERE id = 1;
COMMIT;
SQL
} > "$work/registration.sql"
cores=$(nproc)
echo "pgbench, one registration's rows per transaction, on $cores cores: transactions/s, median of 3 runs of 10 s"
for clients in ${PGBENCH_CLIENTS:-1 16 64}; do
    rates=()
    for _ in 1 2 3; do
        rates+=("$(pgbench -n -c "$clients" -j "$(( clients < cores ? clients : cores ))" -T 10 -f "$work/registration.sql" "$url" 2>/dev/null | awk '/tps = / {print int($3)}' | tail -1)")
    done
    printf "  %2d clients: %s tx/s\n" "$clients" "$(printf '%s\n' "${rates[@]}" | sort -n | sed -n 2p)"
done
failed=$(psql -At "$url" -c "SELECT (SELECT count(*) FROM contracts) - (SELECT seq FROM audit_head)")
[ "$failed" = "0" ] || echo "  warning: $failed contracts without their audit entry (a run failed)"
rm -rf "$work"
