#!/usr/bin/env python3
"""Self-check of verify_proofs.py's proof and cosignature checks, against proofs built here from
RFC 9162's own recursive definitions (PATH, §2.1.3.1; SUBPROOF, §2.1.4.1) — a second reading of
the RFC, so that a verifier that merely mirrors the server cannot pass — and cosignatures made
here with the `cryptography` package PyJWT's EdDSA uses."""

import base64
import hashlib
import os
import sys
import unittest

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import verify_proofs as vp  # noqa: E402


def leaf(i):
    return hashlib.sha256(b"\x00" + f"entry {i}".encode()).digest()


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n):
    """The largest power of two smaller than n."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves):
    """MTH(D[n]) of RFC 9162 §2.1.1."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return node(mth(leaves[:k]), mth(leaves[k:]))


def path(m, leaves):
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1."""
    if len(leaves) == 1:
        return []
    k = split(len(leaves))
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


def subproof(m, leaves, b):
    """SUBPROOF(m, D[n], b) of RFC 9162 §2.1.4.1."""
    n = len(leaves)
    if m == n:
        return [] if b else [mth(leaves)]
    k = split(n)
    if m <= k:
        return subproof(m, leaves[:k], b) + [mth(leaves[k:])]
    return subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


class Proofs(unittest.TestCase):
    N = 40

    def test_every_inclusion_proof_holds_and_no_wrong_one_does(self):
        leaves = [leaf(i) for i in range(self.N)]
        for n in range(1, self.N + 1):
            root = mth(leaves[:n])
            for i in range(n):
                proof = path(i, leaves[:n])
                self.assertTrue(vp.verify_inclusion(i, n, leaves[i], proof, root), (i, n))
                self.assertFalse(vp.verify_inclusion(i, n, leaf(999), proof, root))
                if proof:
                    bad = list(proof)
                    bad[-1] = bytes(32)
                    self.assertFalse(vp.verify_inclusion(i, n, leaves[i], bad, root))
                    self.assertFalse(vp.verify_inclusion(i, n, leaves[i], proof[:-1], root))
            self.assertFalse(vp.verify_inclusion(n, n, leaves[0], [], root))

    def test_every_consistency_proof_holds_and_a_fork_does_not(self):
        leaves = [leaf(i) for i in range(self.N)]
        forked = list(leaves)
        forked[3] = leaf(1000)  # history rewritten at index 3
        for n in range(1, self.N + 1):
            new_root = mth(leaves[:n])
            for m in range(1, n + 1):
                proof = subproof(m, leaves[:n], True)
                old_root = mth(leaves[:m])
                self.assertTrue(vp.verify_consistency(m, n, old_root, new_root, proof), (m, n))
                if m < n:
                    self.assertFalse(vp.verify_consistency(m, n, new_root, new_root, proof))
                    fork = subproof(m, forked[:n], True)
                    if m > 3:
                        # The fork's own proof, against the root the witness saw.
                        self.assertFalse(vp.verify_consistency(m, n, old_root, mth(forked[:n]), fork),
                                         (m, n))
                    bad = list(proof)
                    bad[0] = bytes(32)
                    self.assertFalse(vp.verify_consistency(m, n, old_root, new_root, bad))
            self.assertFalse(vp.verify_consistency(n + 1, n, new_root, new_root, []))


class Cosignatures(unittest.TestCase):
    def setUp(self):
        self.key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
        raw = self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.name = "witness.example/w1"
        self.key_id = hashlib.sha256(self.name.encode() + b"\n\x04" + raw).digest()[:4]
        material = base64.b64encode(bytes([4]) + raw).decode()
        self.vkey = f"{self.name}+{self.key_id.hex()}+{material}"
        self.body = "log.example/a\n20852163\n" + base64.b64encode(bytes(32)).decode() + "\n"

    def line(self, time, body=None, key_id=None):
        message = f"cosignature/v1\ntime {time}\n".encode() + (body or self.body).encode()
        data = (key_id or self.key_id) + time.to_bytes(8, "big") + self.key.sign(message)
        return (self.name, data)

    def test_a_cosignature_holds_only_for_its_checkpoint_time_and_key(self):
        self.assertEqual(vp.cosigned_at(self.body, [self.line(1679315147)], self.vkey),
                         (self.name, 1679315147))
        name, data = self.line(1679315147)
        retimed = (name, data[:4] + (1679315148).to_bytes(8, "big") + data[12:])
        other_body = self.body.replace("20852163", "20852164")
        for bad in ([retimed], [self.line(7, body=other_body)], [self.line(7, key_id=b"abcd")],
                    [(name, data[:-1])], []):
            with self.assertRaises(vp.Failed):
                vp.cosigned_at(self.body, bad, self.vkey)
        with self.assertRaises(vp.Failed):
            vp.parse_vkey(self.vkey.replace(self.key_id.hex(), "00000000"))


if __name__ == "__main__":
    unittest.main()
