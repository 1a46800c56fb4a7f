#!/usr/bin/env python3
"""Self-check for verify_audit_export.py: python3 tests/interop/test_verifier_selfcheck.py

Builds a small audit chain exactly as /work/shared/api.md "Audit" describes it, with a
fresh Ed25519 root key from `cryptography` (and a second key it endorses), runs the verifier as a
subprocess on it (must say OK), then tampers with copies and checks the verifier names the
right seq and the right reason. The builder hashes with json.dumps(sort_keys=True, ...),
the spec's own shortcut, so it is a second implementation checked against the verifier's JCS.
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

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

HERE = os.path.dirname(os.path.abspath(__file__))
VERIFIER = os.path.join(HERE, "verify_audit_export.py")
ZERO = "0" * 64

sys.dont_write_bytecode = True  # leave no __pycache__ in the repo
sys.path.insert(0, HERE)
import verify_audit_export as verifier  # noqa: E402  (only for the JCS unit checks)


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def new_key():
    """A fresh Ed25519 key, its kid (first 16 hex of SHA-256 of the public key) and its JWK."""
    private = Ed25519PrivateKey.generate()
    raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    kid = hashlib.sha256(raw).hexdigest()[:16]
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64u(raw), "kid": kid, "alg": "EdDSA", "use": "sig"}
    return private, kid, jwk


def spec_hash(entry):
    body = {k: v for k, v in entry.items() if k not in ("hash", "kid", "signature")}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def iat_of(at):
    return int(verifier.parse_time("at", at).timestamp())


def sign(private, kid, claims):
    return jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": kid, "typ": "JWT"})


def seal(entry, private, kid):
    """Set hash, kid and signature of an entry whose other fields are final."""
    entry["hash"] = spec_hash(entry)
    entry["kid"] = kid
    entry["signature"] = sign(private, kid, {"seq": entry["seq"], "hash": entry["hash"],
                                             "prev_hash": entry["prev_hash"], "iat": iat_of(entry["at"])})
    return entry


def unsigned_token(header, claims, signature=b""):
    seg = lambda obj: b64u(json.dumps(obj, separators=(",", ":")).encode())  # noqa: E731
    return f"{seg(header)}.{seg(claims)}.{b64u(signature)}"


ALICE = {"id": str(uuid.uuid4()), "username": "alice", "role": "registrar"}
ADMIN = {"id": str(uuid.uuid4()), "username": "root", "role": "admin"}
CONTRACT = str(uuid.uuid4())
ROOT, ROTATION = "root", "rotation"  # stand-ins for the key announcements, made per fixture
EVENTS = [  # (at, actor, action, entity, payload)
    ("2026-11-25T05:59:59.000000Z", None, "key.rotate", None, ROOT),
    ("2026-11-25T06:00:00.123456Z", None, "user.create", ("user", ALICE["id"]),
     {"username": "alice", "role": "registrar", "office": "371302", "active": True}),
    ("2026-11-25T06:01:02.000001Z", ALICE, "party.create", ("party", str(uuid.uuid4())),
     {"name": "临沂市高新技术有限公司", "region": "371302", "contacts": [], "note": None}),
    ("2026-11-25T06:05:00.5Z", ALICE, "contract.register", ("contract", CONTRACT),
     {"command": {"title": "一种智能农机导航系统技术转让", "amount": "1250000.00",
                  "parties": {"seller": {"name": "山东某大学", "region": "370102"},
                              "buyer": {"name": "临沂市高新技术有限公司", "region": "371302"}},
                  "tags": ["农业", "导航", {"nested": {"deep": [1, 2, 3]}}]},
      "state": {"version": 1, "status": "registered", "technical_amount": "1000000.00",
                "quote\"back\\slash": "tab\there, newline\nthere, ctrl\u0001, emoji 😀"}}),
    ("2026-11-25T08:00:00Z", ADMIN, "key.rotate", None, ROTATION),
    ("2026-11-25T08:30:00.999999Z", ALICE, "contract.amend", ("contract", CONTRACT),
     {"reason": "金额更正", "changes": {"amount": {"from": "1250000.00", "to": "1200000.00"}},
      "version": 2, "negative": -42, "big": 9007199254740991}),
]


def announcement(kid, jwk, previous=None, seq=None, endorser=None):
    """The payload of a key.rotate entry at `seq` announcing `jwk`, endorsed by `endorser`
    (private key, kid) when given."""
    endorsement = None
    if endorser is not None:
        endorsement = sign(endorser[0], endorser[1], {
            "purpose": "techledger key rotation", "seq": seq, "kid": kid,
            "public_key": jwk["x"], "previous": previous, "iat": 1_790_000_000})
    return {"kid": kid, "algorithm": "EdDSA", "public_key": jwk["x"], "previous": previous,
            "endorsement": endorsement}


class Fixture:
    """Two keys: k1 (the root) announced at seq 1 signs seq 1-4; k2, announced at seq 5 with
    k1's endorsement, signs from seq 5 on."""

    def __init__(self):
        self.k1, self.kid1, self.jwk1 = new_key()
        self.k2, self.kid2, self.jwk2 = new_key()
        self.jwks = {"keys": [self.jwk1, self.jwk2]}
        self.root_fingerprint = hashlib.sha256(
            self.k1.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()

    def key_for(self, index):
        return (self.k1, self.kid1) if index < 4 else (self.k2, self.kid2)

    def chain(self, seqs=None, events=EVENTS):
        """A correctly hashed, linked and signed chain; `seqs` may force odd numbering."""
        seqs = seqs or list(range(1, len(events) + 1))
        entries, prev = [], ZERO
        for i, (seq, (at, actor, action, entity, payload)) in enumerate(zip(seqs, events)):
            if payload == ROOT:
                entity, payload = ("key", self.kid1), announcement(self.kid1, self.jwk1)
            elif payload == ROTATION:
                entity = ("key", self.kid2)
                payload = announcement(self.kid2, self.jwk2, self.kid1, seq, (self.k1, self.kid1))
            etype, eid = entity
            entry = {"seq": seq, "id": str(uuid.uuid4()), "at": at, "actor": actor,
                     "action": action, "entity": {"type": etype, "id": eid},
                     "payload": copy.deepcopy(payload), "prev_hash": prev}
            seal(entry, *self.key_for(i))
            entries.append(entry)
            prev = entry["hash"]
        return entries

    def checkpoint(self, entries, tree_size, head_hash=None, private=None):
        head_hash = head_hash or entries[tree_size - 1]["hash"]
        at = "2026-11-25T09:00:00Z"
        key, kid = self.key_for(tree_size - 1)
        claims = {"tree_size": tree_size, "head_hash": head_hash, "iat": iat_of(at)}
        return {"tree_size": tree_size, "head_hash": head_hash, "at": at, "kid": kid,
                "signature": sign(private or key, kid, claims)}


def lines_of(entries):
    return [json.dumps(e, ensure_ascii=False) for e in entries]


class VerifierSelfCheck(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.fx = Fixture()
        self.entries = self.fx.chain()

    def tearDown(self):
        self.tmp.cleanup()

    def run_verifier(self, lines, jwks=None, checkpoint=None, raw=None, trust_root=None):
        """Runs the verifier; `jwks` False gives none, None the fixture's."""
        export = os.path.join(self.tmp.name, "audit.jsonl")
        with open(export, "wb") as f:
            f.write(raw if raw is not None else "".join(l + "\n" for l in lines).encode("utf-8"))
        cmd = [sys.executable, VERIFIER, export]
        if jwks is not False:
            jwks_path = os.path.join(self.tmp.name, "jwks.json")
            with open(jwks_path, "w") as f:
                json.dump(jwks or self.fx.jwks, f)
            cmd += ["--jwks", jwks_path]
        if trust_root is not None:
            cmd += ["--trust-root", trust_root]
        if checkpoint is not None:
            cp_path = os.path.join(self.tmp.name, "checkpoint.json")
            with open(cp_path, "w") as f:
                json.dump(checkpoint, f)
            cmd += ["--checkpoint", cp_path]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        return proc.returncode, proc.stdout.strip(), proc.stderr

    def assertOk(self, lines, **kw):
        code, out, err = self.run_verifier(lines, **kw)
        self.assertEqual((code, err), (0, ""), out)
        head = json.loads(lines[-1])["hash"]
        first, trust = out.splitlines()
        self.assertEqual(first, f"OK {len(lines)} entries, head {head}")
        self.assertTrue(trust.startswith("trust: "), trust)
        return trust

    def assertFail(self, lines, seq, reason, **kw):
        code, out, err = self.run_verifier(lines, **kw)
        self.assertEqual(code, 1, f"expected FAIL, got: {out} {err}")
        self.assertTrue(out.startswith(f"FAIL seq {seq}: "), out)
        self.assertIn(reason, out)
        self.assertEqual(len(out.splitlines()), 1, out)

    def reseal(self, entry, index):
        return seal(entry, *self.fx.key_for(index))

    # ----------------------------------------------------------- the valid chain

    def test_valid_chain(self):
        trust = self.assertOk(lines_of(self.entries))
        self.assertIn("2 of the 2 JWKS keys sign this chain", trust)

    def test_valid_chain_anchored_by_the_root_fingerprint_alone(self):
        trust = self.assertOk(lines_of(self.entries), jwks=False, trust_root=self.fx.root_fingerprint)
        self.assertIn("pinned by its fingerprint", trust)

    def test_valid_chain_with_a_jwks_that_knows_only_the_root(self):
        # Kept before the rotation: k2 is trusted because k1 endorsed it.
        self.assertOk(lines_of(self.entries), jwks={"keys": [self.fx.jwk1]})

    def test_valid_chain_crlf_and_no_final_newline(self):
        raw = "\r\n".join(lines_of(self.entries)).encode("utf-8")
        code, out, _ = self.run_verifier(None, raw=raw)
        self.assertEqual(code, 0, out)

    def test_valid_chain_compact_serialisation_same_hash(self):
        compact = [json.dumps(e, separators=(",", ":"), ensure_ascii=True) for e in self.entries]
        self.assertOk(compact)

    def test_builder_hash_equals_verifier_jcs(self):
        for e in self.entries:
            self.assertEqual(verifier.entry_hash(e), e["hash"])

    def test_no_outside_anchor_is_refused(self):
        code, out, _ = self.run_verifier(lines_of(self.entries), jwks=False)
        self.assertEqual(code, 2, out)
        self.assertIn("--trust-root or --jwks", out)

    # ------------------------------------------------------- forged key rotations

    def test_rotation_without_the_previous_keys_endorsement(self):
        e = copy.deepcopy(self.entries)
        e[4]["payload"]["endorsement"] = None
        self.reseal(e[4], 4)
        self.assertFail(lines_of(e), 5, f"is not signed by the previous key {self.fx.kid1}")

    def test_rotation_endorsed_by_a_stranger(self):
        mallory, _, _ = new_key()
        e = copy.deepcopy(self.entries)
        e[4]["payload"] = announcement(self.fx.kid2, self.fx.jwk2, self.fx.kid1, 5, (mallory, self.fx.kid1))
        self.reseal(e[4], 4)
        self.assertFail(lines_of(e), 5, "signature does not verify")

    def test_endorsement_made_for_another_seq(self):
        e = copy.deepcopy(self.entries)
        e[4]["payload"] = announcement(self.fx.kid2, self.fx.jwk2, self.fx.kid1, 9, (self.fx.k1, self.fx.kid1))
        self.reseal(e[4], 4)
        self.assertFail(lines_of(e), 5, "endorsed something else than this rotation")

    def test_appended_rotation_to_an_attackers_key(self):
        attacker, kid, jwk = new_key()
        e = copy.deepcopy(self.entries)
        forged = {"seq": 7, "id": str(uuid.uuid4()), "at": "2026-11-26T00:00:00Z", "actor": None,
                  "action": "key.rotate", "entity": {"type": "key", "id": kid},
                  "payload": announcement(kid, jwk, self.fx.kid2), "prev_hash": e[-1]["hash"]}
        e.append(seal(forged, attacker, kid))
        self.assertFail(lines_of(e), 7, f"is not signed by the previous key {self.fx.kid2}")

    def test_the_retired_key_signs_after_the_rotation(self):
        e = copy.deepcopy(self.entries)
        seal(e[5], self.fx.k1, self.fx.kid1)
        self.assertFail(lines_of(e), 6, f"where key {self.fx.kid2} signs")

    def test_a_chain_rewritten_under_a_new_root(self):
        other = Fixture().chain()
        self.assertFail(lines_of(other), 1, "none of the 2 keys of the JWKS signs this chain")
        self.assertFail(lines_of(other), 1, "not the pinned", jwks=False,
                        trust_root=self.fx.root_fingerprint)

    def test_a_jwks_key_that_differs_from_the_announced_one(self):
        _, _, stranger = new_key()
        jwks = {"keys": [self.fx.jwk1, dict(stranger, kid=self.fx.kid2)]}
        self.assertFail(lines_of(self.entries), 5, "is not the key the chain announces", jwks=jwks)

    def test_the_first_entry_must_announce_a_key(self):
        e = copy.deepcopy(self.entries[1:])
        prev = ZERO
        for i, entry in enumerate(e, start=1):
            entry["seq"], entry["prev_hash"] = i, prev
            self.reseal(entry, i)
            prev = entry["hash"]
        self.assertFail(lines_of(e), 1, "signed before the chain announced any key")

    # ------------------------------------------------------- the asked tamperings

    def test_changed_payload_byte(self):
        lines = lines_of(self.entries)
        self.assertIn("1250000.00", lines[3])
        lines[3] = lines[3].replace("1250000.00", "1250000.01", 1)
        self.assertFail(lines, 4, "does not match the content")

    def test_changed_chinese_character(self):
        lines = lines_of(self.entries)
        lines[2] = lines[2].replace("临沂", "临汾", 1)
        self.assertFail(lines, 3, "does not match the content")

    def test_deleted_entry(self):
        lines = lines_of(self.entries)
        del lines[3]
        self.assertFail(lines, 4, "holds seq 5 where seq 4 belongs: a gap or reordering")

    def test_deleted_last_entry_caught_by_checkpoint(self):
        cp = self.fx.checkpoint(self.entries, 6)
        self.assertOk(lines_of(self.entries), checkpoint=cp)
        self.assertFail(lines_of(self.entries)[:5], 6, "truncated", checkpoint=cp)

    def test_swapped_entries(self):
        lines = lines_of(self.entries)
        lines[2], lines[3] = lines[3], lines[2]
        self.assertFail(lines, 3, "holds seq 4 where seq 3 belongs: a gap or reordering")

    def test_bad_signature(self):
        e = copy.deepcopy(self.entries)
        head, claims, sig = e[5]["signature"].split(".")
        raw = bytearray(base64.urlsafe_b64decode(sig + "=="))
        raw[10] ^= 0x01
        e[5]["signature"] = f"{head}.{claims}.{b64u(bytes(raw))}"
        self.assertFail(lines_of(e), 6, f"signature does not verify with key '{self.fx.kid2}'")

    def test_signature_by_a_foreign_key_with_our_kid(self):
        mallory, _, _ = new_key()
        e = copy.deepcopy(self.entries)
        e[3]["payload"]["state"]["technical_amount"] = "1.00"
        seal(e[3], mallory, self.fx.kid1)  # rehashed and re-signed, but not with our key
        self.assertFail(lines_of(e), 4, f"signature does not verify with key '{self.fx.kid1}'")

    def test_wrong_kid(self):
        e = copy.deepcopy(self.entries)
        e[2]["kid"] = self.fx.kid2  # a real key, but not the one whose turn it is
        self.assertFail(lines_of(e), 3, f"where key {self.fx.kid1} signs")

    def test_unknown_kid(self):
        e = copy.deepcopy(self.entries)
        e[2]["kid"] = "k9"
        e[2]["signature"] = sign(self.fx.k1, "k9", jwt.decode(
            e[2]["signature"], options={"verify_signature": False}))
        self.assertFail(lines_of(e), 3, "signed with key 'k9'")

    def test_alg_none(self):
        e = copy.deepcopy(self.entries)
        claims = {"seq": 4, "hash": e[3]["hash"], "prev_hash": e[3]["prev_hash"], "iat": 0}
        e[3]["signature"] = unsigned_token({"alg": "none", "kid": self.fx.kid1, "typ": "JWT"}, claims)
        self.assertFail(lines_of(e), 4, "JWS alg is 'none'; only EdDSA is accepted")

    def test_hs256_with_public_key_as_secret(self):
        e = copy.deepcopy(self.entries)
        claims = {"seq": 3, "hash": e[2]["hash"], "prev_hash": e[2]["prev_hash"], "iat": 0}
        secret = self.fx.jwk1["x"].encode()
        e[2]["signature"] = jwt.encode(claims, secret, algorithm="HS256",
                                       headers={"kid": self.fx.kid1, "typ": "JWT"})
        self.assertFail(lines_of(e), 3, "JWS alg is 'HS256'; only EdDSA is accepted")

    def test_gap_in_seq_even_when_properly_signed(self):
        # The signer itself skipped seq 4: every entry hashes, links and verifies.
        gapped = self.fx.chain(seqs=[1, 2, 3, 5, 6, 7])
        self.assertFail(lines_of(gapped), 4, "holds seq 5 where seq 4 belongs: a gap or reordering")

    # ------------------------------------------------------------- other rules

    def test_first_entry_does_not_start_at_one(self):
        self.assertFail(lines_of(self.fx.chain(seqs=[2, 3, 4, 5, 6, 7])), 1, "holds seq 2")

    def test_duplicate_seq_properly_signed(self):
        dup = self.fx.chain(seqs=[1, 2, 3, 3, 4, 5])
        self.assertFail(lines_of(dup), 4, "holds seq 3 where seq 4 belongs: a duplicate or reordering")

    def test_broken_link_properly_signed(self):
        e = copy.deepcopy(self.entries)
        e[3]["prev_hash"] = "ab" * 32
        self.reseal(e[3], 3)
        self.assertFail(lines_of(e), 4, "is not the hash of seq 3")

    def test_first_prev_hash_not_zero(self):
        e = copy.deepcopy(self.entries)
        e[0]["prev_hash"] = "1" + ZERO[1:]
        self.reseal(e[0], 0)
        self.assertFail(lines_of(e), 1, "is not 64 zeros")

    def test_claims_disagree_with_entry(self):
        e = copy.deepcopy(self.entries)
        e[2]["signature"] = sign(self.fx.k1, self.fx.kid1, {"seq": 3, "hash": e[1]["hash"],
                                                             "prev_hash": e[2]["prev_hash"], "iat": 1})
        self.assertFail(lines_of(e), 3, "JWS claim hash=")

    def test_float_in_payload_refused(self):
        e = copy.deepcopy(self.entries)
        e[5]["payload"]["ratio"] = 0.5
        self.reseal(e[5], 5)
        self.assertFail(lines_of(e), 6, "floating-point number 0.5 is not allowed")

    def test_duplicate_json_key_refused(self):
        lines = lines_of(self.entries)
        lines[3] = lines[3][:-1] + ', "action": "contract.void"}'
        self.assertFail(lines, 4, "duplicate key 'action'")

    def test_private_key_in_jwks_refused(self):
        jwks = copy.deepcopy(self.fx.jwks)
        jwks["keys"][0]["d"] = b64u(b"\0" * 32)
        code, out, _ = self.run_verifier(lines_of(self.entries), jwks=jwks)
        self.assertEqual(code, 2, out)
        self.assertIn("private part", out)

    def test_empty_export(self):
        self.assertFail([], 1, "no entries")

    def test_checkpoint_head_mismatch(self):
        cp = self.fx.checkpoint(self.entries, 3, head_hash="cd" * 32)
        self.assertFail(lines_of(self.entries), 3, "differs from the signed checkpoint", checkpoint=cp)

    def test_checkpoint_forged(self):
        mallory, _, _ = new_key()
        cp = self.fx.checkpoint(self.entries, 6, private=mallory)
        code, out, _ = self.run_verifier(lines_of(self.entries), checkpoint=cp)
        self.assertEqual((code, out), (1, f"FAIL checkpoint: signature does not verify with key '{self.fx.kid2}'"))

    def test_checkpoint_by_a_key_out_of_turn(self):
        cp = self.fx.checkpoint(self.entries, 3)
        cp["kid"] = self.fx.kid2
        code, out, _ = self.run_verifier(lines_of(self.entries), checkpoint=cp)
        self.assertEqual(code, 1)
        self.assertIn("not the key that signed the chain at seq 3", out)

    def test_checkpoint_claims_differ(self):
        cp = self.fx.checkpoint(self.entries, 6)
        cp["tree_size"] = 5
        cp["head_hash"] = self.entries[4]["hash"]
        code, out, _ = self.run_verifier(lines_of(self.entries), checkpoint=cp)
        self.assertEqual(code, 1)
        self.assertTrue(out.startswith("FAIL checkpoint: JWS claim tree_size=6"), out)

    # --------------------------------------------------------- JCS unit checks

    def test_jcs_sorts_by_utf16_code_units(self):
        # RFC 8785 section 3.2.3: U+1F600 (surrogates D83D DE00) sorts before U+FB33.
        obj = {"\u20ac": 1, "\r": 2, "\ufb33": 3, "1": 4, "\U0001F600": 5, "\u0080": 6, "\u00f6": 7}
        self.assertEqual(verifier.jcs(obj),
                         '{"\\r":2,"1":4,"\u0080":6,"\u00f6":7,"\u20ac":1,"\U0001F600":5,"\ufb33":3}')

    def test_jcs_escapes(self):
        self.assertEqual(verifier.jcs(["\u2028\x7f/\x1f\"\\é"]), '["\u2028\x7f/\\u001f\\"\\\\é"]')


def main():
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"selfcheck: {result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed or not result.wasSuccessful() else 0)


if __name__ == "__main__":
    main()
