#!/usr/bin/env python3
"""Self-check for verify_figures.py: python3 tests/interop/test_figures_selfcheck.py

Builds a small signed chain of contract entries (registrations either side of midnight on
December 31st in Asia/Shanghai, a void, a pending contract, an amendment in place, one over the
large-contract threshold, a review, a key rotation), a C2SP checkpoint note over its first 13
entries — the Merkle root computed here by the recursive definition of RFC 6962, a second
implementation beside the verifier's — and the figures worked out by hand. The verifier must
say OK; then each tampering must fail naming what differs. The verifier's tree is also checked
against the reference roots of the tlog_tiles crate (src/audit/merkle_vectors.txt). With
TL_RUST_VERIFIER=path/to/techledger every case is also run through `techledger verify figures`,
which must give the same verdict (the same lines when figures differ).
"""

import base64
import copy
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import unittest
import uuid

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

HERE = os.path.dirname(os.path.abspath(__file__))
VERIFIER = os.path.join(HERE, "verify_figures.py")
VECTORS = os.path.join(HERE, "..", "..", "src", "audit", "merkle_vectors.txt")
# With the techledger binary named here, every case also runs `techledger verify figures`.
RUST = os.environ.get("TL_RUST_VERIFIER")

sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import test_verifier_selfcheck as base  # noqa: E402  (keys, sealing, announcements)
import verify_figures as figures  # noqa: E402  (only for the Merkle unit checks)

REGISTRAR = {"id": str(uuid.uuid4()), "username": "reg", "role": "registrar"}
AUDITOR = {"id": str(uuid.uuid4()), "username": "aud", "role": "auditor"}
IDS = {name: str(uuid.uuid4()) for name in "ABCDEFG"}


def state(name, status, registered_at, amount, technical, ctype, seller, buyer, version=1,
          review="unreviewed"):
    return {
        "id": IDS[name], "registration_no": None if registered_at is None else "2026371302000001",
        "title": f"合同 {name}", "contract_type": ctype, "subtype": None,
        "seller_id": "s-" + name, "buyer_id": "b-" + name, "signed_on": "2025-12-01",
        "valid_until": None, "contract_amount": amount, "technical_amount": technical,
        "tech_field": "agriculture", "ip_type": "patent", "office": "371302",
        "status": status, "review": review, "version": version,
        "seller_region": seller, "seller_kind": "university",
        "buyer_region": buyer, "buyer_kind": "enterprise",
        # The verifier recomputes both from the regions; these are deliberately wrong.
        "flow": "other", "introduced": False,
        "created_by": REGISTRAR["id"], "created_at": "2025-12-01T00:00:00.000000Z",
        "registered_at": registered_at, "approved_by": None,
        "updated_at": "2026-03-10T00:00:00.000000Z", "audit_seq": 0,
    }


C_STATE = state("C", "registered", "2026-03-10T02:00:00.000000Z", "1250000.00", "1000000.00",
                "development", "310115", "371302")
EVENTS = [  # (action, actor, entity, payload); None entity: a key announcement
    ("key.rotate", None, None, base.ROOT),
    ("contract.register", REGISTRAR, ("contract", "A"), {"state": state(
        "A", "registered", "2025-12-31T15:59:59.999999Z", "880000.00", "800000.00",
        "transfer", "320102", "371302")}),
    ("contract.register", REGISTRAR, ("contract", "B"), {"state": state(
        "B", "registered", "2025-12-31T16:00:00.000000Z", "123456.78", "100000.01",
        "licensing", "370102", "371321")}),
    ("contract.register", REGISTRAR, ("contract", "C"), {"state": C_STATE}),
    ("contract.register", REGISTRAR, ("contract", "D"), {"state": state(
        "D", "registered", "2026-03-11T02:00:00.000000Z", "45000.50", "45000.50",
        "consulting", "371302", "110108")}),
    ("contract.void", REGISTRAR, ("contract", "D"), {"reason": "解除", "state": state(
        "D", "voided", "2026-03-11T02:00:00.000000Z", "45000.50", "45000.50",
        "consulting", "371302", "110108", version=2)}),
    ("contract.register", REGISTRAR, ("contract", "E"), {"state": state(
        "E", "pending", None, "7000000.00", "6000000.00", "transfer", "310115", "371302")}),
    ("key.rotate", None, None, base.ROTATION),
    ("contract.amend", REGISTRAR, ("contract", "C"), {"reason": "更正", "state": dict(
        C_STATE, contract_amount="1250000.01", version=2)}),
    ("contract.review", AUDITOR, ("contract", "C"), {"review": {"verdict": "confirmed"}, "state": dict(
        C_STATE, contract_amount="1250000.01", version=2, review="confirmed")}),
    ("contract.register", REGISTRAR, ("contract", "F"), {"state": state(
        "F", "registered", "2026-04-01T02:00:00.000000Z", "100.00", "100.00",
        "service", "371302", "371311")}),
    ("contract.amend", REGISTRAR, ("contract", "F"), {"reason": "金额更正", "state": state(
        "F", "pending", "2026-04-01T02:00:00.000000Z", "6000000.00", "5500000.00",
        "service", "371302", "371311", version=2)}),
    ("party.create", REGISTRAR, ("party", "P"), {"state": {"name": "不计入统计的主体"}}),
    # After the checkpoint: must not count.
    ("contract.register", REGISTRAR, ("contract", "G"), {"state": state(
        "G", "registered", "2026-05-01T02:00:00.000000Z", "999.99", "999.99",
        "service", "371302", "371311")}),
]
SIZE = 13

# Worked out by hand. 2026: B (midnight of January 1st in Shanghai) and C as amended.
SUMMARY_2026 = {"turnover": "1373456.79", "technical_amount": "1100000.01", "contracts": 2,
                "introduced": 2}
# 2025: A, at 23:59:59.999999 on December 31st in Shanghai.
SUMMARY_2025 = {"turnover": "880000.00", "technical_amount": "800000.00", "contracts": 1,
                "introduced": 1}
ROWS_2026 = {
    "office": [("371302", "1373456.79", "1100000.01", 2, 2)],
    "month": [("01", "123456.78", "100000.01", 1, 1), ("03", "1250000.01", "1000000.00", 1, 1)],
    "flow": [("inflow", "1373456.79", "1100000.01", 2, 2), ("local", "0.00", "0.00", 0, 0)],
    "review": [("confirmed", "1250000.01", "1000000.00", 1, 1),
               ("unreviewed", "123456.78", "100000.01", 1, 1)],
    "contract_type": [("development", "1250000.01", "1000000.00", 1, 1),
                      ("licensing", "123456.78", "100000.01", 1, 1)],
}


def mth(leaves):
    """RFC 6962 section 2.1 Merkle Tree Hash, by its recursive definition."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def leaf(entry):
    body = {k: v for k, v in entry.items() if k not in ("hash", "kid", "signature")}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(b"\x00" + text.encode("utf-8")).digest()


def raw_public(private):
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def note(origin, size, root, private, name=None):
    """A C2SP checkpoint note signed by `private` under `name` (the origin by default)."""
    name = name or origin
    text = f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"
    key_id = hashlib.sha256(name.encode() + b"\n\x01" + raw_public(private)).digest()[:4]
    signature = private.sign(text.encode("utf-8"))
    return text + "\n" + f"\u2014 {name} {base64.b64encode(key_id + signature).decode()}\n"


class Fixture(base.Fixture):
    def chain(self, events=EVENTS):
        entries, prev = [], base.ZERO
        for seq, (action, actor, entity, payload) in enumerate(events, start=1):
            if payload == base.ROOT:
                entity, payload = ("key", self.kid1), base.announcement(self.kid1, self.jwk1)
            elif payload == base.ROTATION:
                entity = ("key", self.kid2)
                payload = base.announcement(self.kid2, self.jwk2, self.kid1, seq, (self.k1, self.kid1))
            else:
                entity = (entity[0], IDS.get(entity[1], entity[1]))
            entry = {"seq": seq, "id": str(uuid.uuid4()),
                     "at": f"2026-05-{(seq % 28) + 1:02d}T00:00:00.000000Z", "actor": actor,
                     "action": action, "entity": {"type": entity[0], "id": entity[1]},
                     "payload": copy.deepcopy(payload), "prev_hash": prev}
            base.seal(entry, *(self.k1, self.kid1) if seq < 8 else (self.k2, self.kid2))
            entries.append(entry)
            prev = entry["hash"]
        return entries


def summary_doc(year, figures_, size, root_hex):
    return dict(figures_, year=year, audit_seq=size, measured_turnover=figures_["turnover"],
                targets={"turnover": "20000000000.00", "contracts": 1000, "introduced": 50,
                         "measure": "all"},
                checkpoint={"tree_size": size, "root_hash": root_hex, "note": "…"})


def breakdown_doc(by, rows, size, root_hex):
    return {"year": 2026, "by": by, "audit_seq": size,
            "checkpoint": {"tree_size": size, "root_hash": root_hex, "note": "…"},
            "rows": [{"key": k, "label_zh": "", "label_en": "", "turnover": t,
                      "technical_amount": te, "contracts": c, "introduced": i}
                     for k, t, te, c, i in rows]}


class FiguresSelfCheck(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        self.fx = Fixture()
        self.entries = self.fx.chain()
        self.origin = f"techledger.linyi/{self.fx.kid1}"
        self.root = mth([leaf(e) for e in self.entries[:SIZE]])
        self.note = note(self.origin, SIZE, self.root, self.fx.k2)
        os.makedirs(os.path.join(self.dir, "breakdowns"))
        self.write_export(self.entries)
        self.write("checkpoint.txt", self.note)
        self.write_json("summary.json", summary_doc(2026, SUMMARY_2026, SIZE, self.root.hex()))
        self.write_json("summary-2025.json", summary_doc(2025, SUMMARY_2025, SIZE, self.root.hex()))
        for by, rows in ROWS_2026.items():
            self.write_json(f"breakdowns/{by}.json", breakdown_doc(by, rows, SIZE, self.root.hex()))

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        with open(os.path.join(self.dir, name), "w", encoding="utf-8") as f:
            f.write(text)

    def write_json(self, name, doc):
        self.write(name, json.dumps(doc, ensure_ascii=False))

    def write_export(self, entries):
        self.write("audit.jsonl", "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries))

    def run_verifier(self, year=2026, summary="summary.json", breakdowns=True, extra=(),
                     trust_root=None):
        cmd = [sys.executable, VERIFIER, "--year", str(year), "--checkpoint", "checkpoint.txt",
               "--export", "audit.jsonl", "--trust-root", trust_root or self.fx.root_fingerprint]
        if summary:
            cmd += ["--summary", summary]
        if breakdowns:
            cmd += ["--breakdowns", "breakdowns"]
        proc = subprocess.run(cmd + list(extra), capture_output=True, text=True, timeout=60,
                              cwd=self.dir)
        code, out = proc.returncode, proc.stdout.strip()
        if RUST:
            self.agrees_with_rust(cmd[2:] + list(extra), code, out)
        return code, out, proc.stderr

    def agrees_with_rust(self, args, code, out):
        """`techledger verify figures` on the same files: the same verdict; the same lines for
        an OK or for differing figures, the same kind of failure otherwise."""
        env = dict(os.environ, TECHLEDGER_DATA_DIR=os.path.join(self.dir, "no-data"))
        proc = subprocess.run([RUST, "verify", "figures"] + args, capture_output=True, text=True,
                              timeout=60, cwd=self.dir, env=env)
        rust = proc.stdout.strip()
        self.assertEqual(proc.returncode, code, f"Rust: {rust} {proc.stderr}\nPython: {out}")
        if code != 0 and not out.startswith("FAIL figures"):
            self.assertEqual(rust.split(":")[0], out.split(":")[0], f"Rust: {rust}\nPython: {out}")
        elif out.startswith("{"):
            self.assertEqual(json.loads(rust)["turnover"], json.loads(out)["turnover"])
        else:
            skip = 1 if code == 0 else 0  # the trust lines are worded differently
            self.assertEqual(rust.splitlines()[:len(out.splitlines()) - skip],
                             out.splitlines()[:len(out.splitlines()) - skip], "Rust and Python")

    def assertFailure(self, start, contains, **kw):
        code, out, err = self.run_verifier(**kw)
        self.assertEqual(code, 1, f"expected FAIL, got: {out} {err}")
        self.assertTrue(out.startswith(start), out)
        self.assertIn(contains, out)
        return out

    # -------------------------------------------------------------------- agrees

    def test_the_published_figures_agree_to_the_fen(self):
        code, out, err = self.run_verifier()
        self.assertEqual((code, err), (0, ""), out)
        self.assertTrue(out.startswith(
            "OK figures of 2026: the summary and 5 breakdowns (office, contract_type, flow, "
            "month, review) agree to the fen with the export up to seq 13 — turnover 1373456.79"), out)
        self.assertIn(f"signed by key {self.fx.kid2} (root {self.root.hex()})", out)
        self.assertIn("\ntrust: root key", out)

    def test_december_31st_late_evening_counts_in_its_shanghai_year(self):
        code, out, _ = self.run_verifier(year=2025, summary="summary-2025.json", breakdowns=False)
        self.assertEqual(code, 0, out)
        self.assertIn("turnover 880000.00", out)

    def test_without_a_summary_the_recomputed_figures_are_printed(self):
        code, out, err = self.run_verifier(summary=None, breakdowns=False)
        self.assertEqual(code, 0, out + err)
        doc = json.loads(out)
        for k, v in SUMMARY_2026.items():
            self.assertEqual(doc[k], v, k)
        self.assertEqual(doc["checkpoint"], {"tree_size": SIZE, "root_hash": self.root.hex()})
        month = {r["key"]: r["turnover"] for r in doc["breakdowns"]["month"]}
        self.assertEqual(month, {"01": "123456.78", "03": "1250000.01"})
        self.assertEqual(doc["breakdowns"]["flow"][0]["key"], "inflow",
                         "flow from the regions, not from the state's own field")
        self.assertTrue(err.startswith("OK the export's first 13 entries"), err)

    # -------------------------------------------------------------- differences

    def test_one_fen_more_in_the_summary_is_named(self):
        self.write_json("summary.json", dict(summary_doc(2026, SUMMARY_2026, SIZE, self.root.hex()),
                                             turnover="1373456.80"))
        out = self.assertFailure("FAIL figures: 1 published figure(s) of 2026 differ",
                                 "  summary turnover: published 1373456.80, recomputed 1373456.79")
        self.assertEqual(len(out.splitlines()), 2, out)

    def test_one_fen_less_in_a_breakdown_row_is_named(self):
        rows = [r if r[0] != "03" else ("03", "1250000.00", "1000000.00", 1, 1)
                for r in ROWS_2026["month"]]
        self.write_json("breakdowns/month.json", breakdown_doc("month", rows, SIZE, self.root.hex()))
        self.assertFailure("FAIL figures: 1 published",
                           "breakdown month row 03 turnover: published 1250000.00, recomputed 1250000.01")

    def test_a_count_and_a_missing_row_are_named(self):
        self.write_json("breakdowns/office.json", breakdown_doc(
            "office", [("371302", "1373456.79", "1100000.01", 3, 2)], SIZE, self.root.hex()))
        self.write_json("breakdowns/review.json", breakdown_doc(
            "review", ROWS_2026["review"][:1], SIZE, self.root.hex()))
        out = self.assertFailure("FAIL figures: 2 published",
                                 "breakdown office row 371302 contracts: published 3, recomputed 2")
        self.assertIn("breakdown review row unreviewed: published (missing), recomputed 123456.78", out)

    def test_figures_of_another_size_are_named(self):
        self.write_json("summary.json", summary_doc(2026, SUMMARY_2026, SIZE + 1, self.root.hex()))
        self.assertFailure("FAIL figures:", "summary checkpoint tree_size: published 14, recomputed 13")

    # ---------------------------------------------------- the log and the note

    def test_a_changed_amount_breaks_the_chain(self):
        forged = copy.deepcopy(self.entries)
        forged[3]["payload"]["state"]["contract_amount"] = "1350000.00"
        self.write_export(forged)
        self.assertFailure("FAIL seq 4: ", "does not match the content")

    def test_a_rewritten_log_does_not_lead_to_the_signed_root(self):
        other = mth([leaf(e) for e in self.entries[:SIZE - 1]] + [hashlib.sha256(b"x").digest()])
        self.write("checkpoint.txt", note(self.origin, SIZE, other, self.fx.k2))
        self.assertFailure("FAIL checkpoint: ", "have Merkle root " + self.root.hex())

    def test_a_note_signed_by_a_stranger_or_for_another_log(self):
        stranger, _, _ = base.new_key()
        self.write("checkpoint.txt", note(self.origin, SIZE, self.root, stranger))
        self.assertFailure("FAIL checkpoint: ", "not signed by any key of the log")
        # Another log's name: with the log's keys (GET /log/keys) the origin is known.
        rotations = [e for e in self.entries if e["action"] == "key.rotate"]
        self.write_json("log-keys.json", {"origin": self.origin, "rotations": rotations})
        self.write("checkpoint.txt", note("example.org/log", SIZE, self.root, self.fx.k2))
        self.assertFailure("FAIL checkpoint: ", "is of the log 'example.org/log'",
                           extra=["--log-keys", "log-keys.json"])

    def test_a_truncated_export(self):
        self.write_export(self.entries[:10])
        self.assertFailure("FAIL seq 11: ", "(truncated)")

    def test_another_root_of_trust(self):
        code, out, _ = self.run_verifier(trust_root="ab" * 32)
        self.assertEqual(code, 1, out)
        self.assertTrue(out.startswith("FAIL seq 1: trust: "), out)

    def test_a_checkpoint_signed_by_a_key_announced_after_the_export_ends(self):
        # The server signs a past size with its current key: a third key, announced at seq 15.
        k3, kid3, jwk3 = base.new_key()
        rotation = {"seq": 15, "id": str(uuid.uuid4()), "at": "2026-06-01T00:00:00.000000Z",
                    "actor": None, "action": "key.rotate", "entity": {"type": "key", "id": kid3},
                    "payload": base.announcement(kid3, jwk3, self.fx.kid2, 15, (self.fx.k2, self.fx.kid2)),
                    "prev_hash": "0" * 64}
        base.seal(rotation, k3, kid3)
        first = next(e for e in self.entries if e["action"] == "key.rotate")
        second = [e for e in self.entries if e["action"] == "key.rotate"][1]
        self.write_json("log-keys.json", {"origin": self.origin, "rotations": [first, second, rotation]})
        self.write("checkpoint.txt", note(self.origin, SIZE, self.root, k3))
        self.assertFailure("FAIL checkpoint: ", "not signed by any key of the log")
        code, out, _ = self.run_verifier(extra=["--log-keys", "log-keys.json"])
        self.assertEqual(code, 0, out)
        self.assertIn(f"signed by key {kid3}", out)
        # A rotation the previous key did not endorse is refused.
        forged = copy.deepcopy(rotation)
        forged["payload"]["endorsement"] = None
        base.seal(forged, k3, kid3)
        self.write_json("log-keys.json", {"origin": self.origin, "rotations": [first, second, forged]})
        self.assertFailure("FAIL log keys: ", "not signed by the previous key",
                           extra=["--log-keys", "log-keys.json"])

    # ---------------------------------------------------------------- the tree

    def test_the_tree_matches_the_reference_roots(self):
        roots = {}
        with open(VECTORS, encoding="utf-8") as f:
            for line in f:
                if line.startswith("root "):
                    _, size, value = line.split()
                    roots[int(size)] = value
        tree = figures.Frontier()
        for i in range(max(roots)):
            tree.append(hashlib.sha256(b"\x00" + f"leaf {i}".encode()).digest())
            if tree.size in roots:
                self.assertEqual(tree.root().hex(), roots[tree.size], f"root {tree.size}")
        self.assertEqual(len(roots), 11)

    def test_the_tree_equals_the_recursive_definition(self):
        leaves = [hashlib.sha256(bytes([i])).digest() for i in range(40)]
        for n in range(1, 41):
            tree = figures.Frontier()
            for x in leaves[:n]:
                tree.append(x)
            self.assertEqual(tree.root(), mth(leaves[:n]), n)


def main():
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"figures selfcheck: {result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed or not result.wasSuccessful() else 0)


if __name__ == "__main__":
    main()
