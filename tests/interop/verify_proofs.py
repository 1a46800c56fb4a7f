#!/usr/bin/env python3
"""Independent check of techledger's transparency-log proofs (no techledger code used).

    python3 verify_proofs.py (--trust-root FP | --jwks JWKS.json)... [--log-keys K.json] COMMAND

    inclusion   --entry E.json --proof P.json --checkpoint CP.txt   (needs --log-keys)
    consistency --proof P.json --old CP1.txt --new CP2.txt          (needs --log-keys)
    receipt     R.json                                              (its own rotations)
    cosignature --checkpoint CP.txt --witness VKEY                  (needs --log-keys)

What it checks, with hashlib and PyJWT only (PyJWT's EdDSA — the `cryptography` package it
brings — for the notes' Ed25519 signatures):
  * the log's keys: the key.rotate entries of GET /log/keys (or of the receipt), each hashed,
    signed and endorsed by the key before, anchored by --trust-root and/or --jwks
    (verify_audit_export.py's rules);
  * a checkpoint, a C2SP signed note, signed by one of those keys under the log's origin
    (key ID = SHA-256(origin ‖ "\\n" ‖ 0x01 ‖ public key)[:4]);
  * an entry: its hash (RFC 8785 canonical JSON) and its JWS by the key whose turn it is;
  * an inclusion proof (RFC 9162 §2.1.3.2): leaf = SHA-256(0x00 ‖ the entry's canonical JSON
    without hash, kid and signature), leading to the checkpoint's root at leaf index seq − 1;
  * a consistency proof (RFC 9162 §2.1.4.2) between two checkpoints' roots;
  * a witness cosignature (C2SP tlog-cosignature v1) on a checkpoint: the vkey
    `<name>+<hex key ID>+base64(0x04 ‖ key)` with key ID = SHA-256(name ‖ "\\n" ‖ 0x04 ‖ key)[:4],
    a signature line `— <name> base64(key ID ‖ 8-byte big-endian time ‖ Ed25519 signature)`
    over "cosignature/v1\\ntime <time>\\n" followed by the checkpoint's text.

Output / exit status: OK … (exit 0, then a "trust: …" line); FAIL <what>: <reason> (exit 1);
ERROR: <reason> (exit 2: inputs unreadable or arguments missing).
"""

import argparse
import base64
import hashlib
import os
import sys

from jwt.algorithms import OKPAlgorithm

sys.dont_write_bytecode = True  # leave no __pycache__ in the repo
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import verify_audit_export as chain  # noqa: E402  (JCS, entries, key history, anchors)
import verify_figures as figures  # noqa: E402  (leaf hash, signed notes, /log/keys)

Bad = chain.Bad
COSIGNATURE_V1 = 0x04


class Failed(Exception):
    """A check that does not hold: (what, reason)."""


# ---------------------------------------------------------------- RFC 9162 proofs

def verify_inclusion(index, size, leaf, proof, root):
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = figures.node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = figures.node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_root, second_root, proof):
    """RFC 9162 §2.1.4.2."""
    if first > second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the old root is the proof's first node
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = figures.node_hash(c, fr), figures.node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = figures.node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


# ------------------------------------------------------------------------ inputs

def read_json(path):
    with open(path, "rb") as f:
        return chain.strict_loads(f.read())


def read_text(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8")


def hashes(doc, what):
    values = doc.get("hashes") if isinstance(doc, dict) else None
    if not isinstance(values, list):
        raise Failed(what, "it has no hashes")
    out = []
    for h in values:
        if not isinstance(h, str) or len(h) != 64 or not set(h) <= chain.HEX:
            raise Failed(what, f"{h!r} is not a hash (64 lower-case hex digits)")
        out.append(bytes.fromhex(h))
    return out


def history_of(rotations, trust_root, jwks):
    """The key history of key.rotate entries, anchored; and the trust line."""
    history = chain.KeyHistory()
    for entry in rotations:
        if not isinstance(entry, dict) or entry.get("action") != "key.rotate":
            raise Failed("log keys", "a rotation is not a key.rotate entry")
        try:
            if chain.entry_hash(entry) != entry.get("hash"):
                raise Bad(f"the rotation at seq {entry.get('seq')} does not hash to its hash")
            history.announce(entry)
            claims = chain.verify_jws(entry["signature"], entry["kid"], history.current()["key"])
            if claims.get("hash") != entry["hash"] or claims.get("seq") != entry["seq"]:
                raise Bad(f"the rotation at seq {entry['seq']} is not signed as itself")
        except Bad as e:
            raise Failed("log keys", str(e)) from None
    if not history.keys:
        raise Failed("log keys", "no key is announced")
    try:
        return history, chain.anchor(history, trust_root, jwks)
    except Bad as e:
        raise Failed("log keys", f"trust: {e}") from None


def open_checkpoint(text, origin, history, what="checkpoint"):
    """(body, size, root, signatures, kid) of a checkpoint signed by a key of `history`."""
    try:
        body, cp_origin, size, root, signatures = figures.parse_note(text)
        if cp_origin != origin:
            raise Bad(f"it is of the log {cp_origin!r}, not {origin!r}")
        kid = figures.note_signer(body, origin, signatures, history.keys)
    except Bad as e:
        raise Failed(what, str(e)) from None
    return body, size, root, signatures, kid


def check_entry(entry, history):
    """The entry's hash and its JWS by the key whose turn it is; its leaf hash."""
    if not isinstance(entry, dict) or not chain.is_int(entry.get("seq")):
        raise Failed("entry", "not an audit entry")
    seq = entry["seq"]
    try:
        if chain.entry_hash(entry) != entry.get("hash"):
            raise Bad("its hash does not match its content")
        signer = history.signer_of(seq)
        if signer is None or entry.get("kid") != signer["kid"]:
            raise Bad(f"signed by key {entry.get('kid')!r}, not the key whose turn it is")
        claims = chain.verify_jws(entry["signature"], entry["kid"], signer["key"])
        chain.check_claim(claims, "seq", seq)
        chain.check_claim(claims, "hash", entry["hash"])
        chain.check_claim(claims, "prev_hash", entry["prev_hash"])
    except (Bad, KeyError) as e:
        raise Failed(f"seq {seq}", str(e)) from None
    return figures.leaf_hash(entry)


def check_inclusion(entry, proof, size, root, history):
    leaf = check_entry(entry, history)
    seq = entry["seq"]
    if not isinstance(proof, dict) or proof.get("seq") != seq \
            or proof.get("leaf_index") != seq - 1 or proof.get("tree_size") != size:
        raise Failed("inclusion", f"the proof is not for entry {seq} in the tree of {size}")
    if not verify_inclusion(seq - 1, size, leaf, hashes(proof, "inclusion"), root):
        raise Failed("inclusion", f"entry {seq} is not in the checkpoint's tree of {size}: "
                                  "the proof does not lead to its root")


def parse_vkey(vkey):
    """(name, key ID, raw public key) of a witness's vkey."""
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3:
        raise Failed("witness", "a vkey is <name>+<key ID>+<key>")
    name, key_id, material = parts
    try:
        material = base64.b64decode(material, validate=True)
    except ValueError:
        raise Failed("witness", "the vkey's key is not base64") from None
    if len(material) != 33 or material[0] != COSIGNATURE_V1:
        raise Failed("witness", "not a cosignature/v1 Ed25519 key (type 0x04, 32 bytes)")
    raw = material[1:]
    expected = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([COSIGNATURE_V1]) + raw).digest()[:4]
    if expected.hex() != key_id.lower():
        raise Failed("witness", "the vkey's key ID does not match its name and key")
    return name, expected, raw


def cosigned_at(body, signatures, vkey):
    """The time of the witness's valid cosignature on the checkpoint body."""
    name, key_id, raw = parse_vkey(vkey)
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
    key = OKPAlgorithm.from_jwk({"kty": "OKP", "crv": "Ed25519", "x": x})
    okp = OKPAlgorithm()
    found = False
    for sig_name, data in signatures:
        if sig_name != name or data[:4] != key_id:
            continue
        found = True
        if len(data) != 4 + 8 + 64:
            continue
        time = int.from_bytes(data[4:12], "big")
        message = f"cosignature/v1\ntime {time}\n".encode("utf-8") + body.encode("utf-8")
        if okp.verify(message, key, data[12:]):
            return name, time
    raise Failed("cosignature", f"the checkpoint carries {'no valid' if found else 'no'} "
                                f"cosignature by {name}")


# ---------------------------------------------------------------------- commands

def run(args):
    """Return (exit code, output text)."""
    try:
        trust_root = None
        if args.trust_root is not None:
            trust_root = args.trust_root.strip().lower()
            trust_root = trust_root[7:] if trust_root.startswith("sha256:") else trust_root
            if len(trust_root) != 64 or not set(trust_root) <= chain.HEX:
                raise Bad(f"--trust-root {args.trust_root!r} is not 64 hex digits")
        if trust_root is None and args.jwks is None:
            raise Bad("give --trust-root or --jwks: the server cannot vouch for its own keys")
        jwks = chain.load_jwks(args.jwks) if args.jwks else {}
        if args.command == "receipt":
            receipt = read_json(args.receipt)
            if not isinstance(receipt, dict):
                raise Bad("the receipt is not a JSON object")
            origin, rotations = receipt.get("origin"), receipt.get("rotations")
        else:
            if not args.log_keys:
                raise Bad(f"{args.command} needs --log-keys (GET /log/keys)")
            keys = read_json(args.log_keys)
            if not isinstance(keys, dict):
                raise Bad("the log keys are not a JSON object")
            origin, rotations = keys.get("origin"), keys.get("rotations")
        if not isinstance(origin, str) or not isinstance(rotations, list):
            raise Bad("no origin and rotations")
        inputs = {}
        if args.command == "inclusion":
            inputs = {"entry": read_json(args.entry), "proof": read_json(args.proof),
                      "checkpoint": read_text(args.checkpoint)}
        elif args.command == "consistency":
            inputs = {"proof": read_json(args.proof), "old": read_text(args.old),
                      "new": read_text(args.new)}
        elif args.command == "cosignature":
            inputs = {"checkpoint": read_text(args.checkpoint)}
    except (OSError, UnicodeDecodeError, Bad) as e:
        return 2, f"ERROR: {e}"
    try:
        history, trust = history_of(rotations, trust_root, jwks)
        if args.command == "receipt":
            _, size, root, signatures, kid = open_checkpoint(receipt.get("checkpoint"), origin,
                                                             history)
            entry = receipt.get("entry")
            check_inclusion(entry, receipt.get("inclusion"), size, root, history)
            witnesses = sorted({name for name, _ in signatures if name != origin})
            also = f"; carries cosignature lines of {', '.join(witnesses)}" if witnesses else ""
            out = (f"OK receipt: entry {entry['seq']} ({entry.get('action')}) is in the tree of "
                   f"{size} entries, root {root.hex()}, signed by key {kid}{also}")
        elif args.command == "inclusion":
            _, size, root, _, kid = open_checkpoint(inputs["checkpoint"], origin, history)
            check_inclusion(inputs["entry"], inputs["proof"], size, root, history)
            out = (f"OK inclusion: entry {inputs['entry']['seq']} is in the tree of {size} entries, "
                   f"root {root.hex()}, signed by key {kid}")
        elif args.command == "consistency":
            _, m, old_root, _, _ = open_checkpoint(inputs["old"], origin, history, "old checkpoint")
            _, n, new_root, _, _ = open_checkpoint(inputs["new"], origin, history, "new checkpoint")
            proof = inputs["proof"]
            if not isinstance(proof, dict) or proof.get("from") != m or proof.get("to") != n:
                raise Failed("consistency", f"the proof is not from size {m} to size {n}")
            if not verify_consistency(m, n, old_root, new_root, hashes(proof, "consistency")):
                raise Failed("consistency", f"the tree of {n} (root {new_root.hex()}) does not "
                                            f"extend the tree of {m} (root {old_root.hex()})")
            out = f"OK consistency: the tree of {n} entries extends the tree of {m}"
        else:
            body, size, _, signatures, _ = open_checkpoint(inputs["checkpoint"], origin, history)
            name, time = cosigned_at(body, signatures, args.witness)
            out = f"OK cosignature: {name} cosigned the checkpoint of {size} entries at time {time}"
    except Failed as e:
        return 1, f"FAIL {e.args[0]}: {e.args[1]}"
    return 0, f"{out}\n{trust}"


def main(argv=None):
    ap = argparse.ArgumentParser(description="Check techledger's transparency-log proofs.")
    ap.add_argument("--trust-root", help="the pinned fingerprint of the root key (64 hex digits)")
    ap.add_argument("--jwks", help="a JWKS kept independently of the server")
    ap.add_argument("--log-keys", help="GET /log/keys: the origin and the key rotations")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("inclusion", help="an inclusion proof of an entry in a checkpoint")
    p.add_argument("--entry", required=True, help="the entry (an export line or the API's JSON)")
    p.add_argument("--proof", required=True, help="GET /api/v1/audit/proof/inclusion")
    p.add_argument("--checkpoint", required=True, help="the signed note (GET /log/checkpoint)")
    p = sub.add_parser("consistency", help="a consistency proof between two checkpoints")
    p.add_argument("--proof", required=True, help="GET /api/v1/audit/proof/consistency")
    p.add_argument("--old", required=True, help="the older signed note")
    p.add_argument("--new", required=True, help="the newer signed note")
    p = sub.add_parser("receipt", help="a receipt (GET /api/v1/contracts/{id}/receipt)")
    p.add_argument("receipt")
    p = sub.add_parser("cosignature", help="a witness's cosignature on a checkpoint")
    p.add_argument("--checkpoint", required=True, help="the signed note with cosignatures")
    p.add_argument("--witness", required=True, help="the witness's vkey")
    code, message = run(ap.parse_args(argv))
    print(message)
    return code


if __name__ == "__main__":
    sys.exit(main())
