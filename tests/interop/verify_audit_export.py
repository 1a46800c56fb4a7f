#!/usr/bin/env python3
"""Independent verifier for a techledger audit export (no techledger code used).

    python3 verify_audit_export.py EXPORT.jsonl (--trust-root FINGERPRINT | --jwks JWKS.json)...
                                   [--checkpoint CHECKPOINT.json]

Checks, for every NDJSON line n (1-based), as in /work/shared/api.md "Audit":
  * the line is a JSON object (no floats, no NaN, no duplicate keys, valid UTF-8);
  * seq == n: starts at 1, no gaps, no duplicates, no reordering;
  * prev_hash is 64 zeros for seq 1, else the hash of entry n-1;
  * hash == sha256(JCS(entry minus hash, kid, signature)), JCS = RFC 8785;
  * the keys: the chain announces its own signing keys in `key.rotate` entries. The first one
    (the root of trust) names no previous key; every later one names the key before it and
    carries an `endorsement`, a JWS by that previous key over
    {purpose: "techledger key rotation", seq, kid, public_key, previous, iat}. A key's kid is the
    first 16 hex digits of SHA-256 of its 32 public-key bytes; it signs its own announcement and
    every entry up to the next announcement, and no other;
  * signature is a compact JWS, header alg "EdDSA" (nothing else), typ "JWT", kid == the entry's
    kid == the key whose turn it is; it verifies with that key; claims seq/hash/prev_hash equal
    the entry's and iat is an integer.
The keys are then anchored outside the export: with --trust-root the root key's fingerprint
(lower-case hex SHA-256 of its public key) must be the one given; with --jwks (a JWKS kept
independently of the server) every JWKS key the chain announces must be the same key, and at
least one must sign the chain.
With --checkpoint: the checkpoint's JWS verifies with the key that signed the chain at its
tree_size, its claims carry the checkpoint's tree_size and head_hash, and entry tree_size of the
export has that hash.

Output / exit status:
  OK <n> entries, head <hash>        exit 0, followed by a line "trust: ..."
  FAIL seq <n>: <reason>             exit 1  (entries 1..n-1 verified; seq n is the first bad one)
  FAIL checkpoint: <reason>          exit 1  (chain fine, checkpoint itself bad)
  ERROR: <reason>                    exit 2  (inputs unreadable: no verdict)
"""

import argparse
import base64
import hashlib
import hmac
import json
import sys
from datetime import datetime

import jwt  # PyJWT (with cryptography for EdDSA)

ZERO_HASH = "0" * 64
HEX = set("0123456789abcdef")
MAX_SAFE_INT = 2**53 - 1  # RFC 8785 numbers are IEEE 754 doubles; larger ints are not portable
ENTRY_KEYS = ("seq", "id", "at", "actor", "action", "entity", "payload",
              "prev_hash", "hash", "kid", "signature")
UNHASHED_KEYS = ("hash", "kid", "signature")
ENDORSEMENT_PURPOSE = "techledger key rotation"
DECODE_OPTIONS = {
    "verify_signature": True,
    "verify_aud": False,
    "verify_exp": False,
    # An archived export is checked long after signing, perhaps on a machine whose
    # clock is behind the signer's: "not yet valid" says nothing about the audit log.
    "verify_iat": False,
    "verify_nbf": False,
}


class Bad(Exception):
    """A verification failure; the message is the reason printed after FAIL."""


# ---------------------------------------------------------------- strict JSON in

def _no_float(text):
    raise Bad(f"floating-point number {text} is not allowed")


def _no_constant(text):
    raise Bad(f"non-JSON number {text} is not allowed")


def _no_duplicates(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise Bad(f"duplicate key {key!r} in a JSON object")
        obj[key] = value
    return obj


def strict_loads(data):
    """json.loads that refuses floats, NaN/Infinity, duplicate keys and bad UTF-8."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise Bad(f"not valid UTF-8: {e}") from None
    try:
        return json.loads(data, parse_float=_no_float, parse_constant=_no_constant,
                          object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as e:
        raise Bad(f"invalid JSON: {e}") from None
    except ValueError as e:  # e.g. an integer with too many digits
        raise Bad(f"invalid JSON: {e}") from None


# ------------------------------------------------------------- RFC 8785 JCS out

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f",
            "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _jcs_string(s):
    out = ['"']
    for ch in s:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch < " ":
            out.append("\\u%04x" % ord(ch))  # other controls: lowercase \u00xx
        elif "\ud800" <= ch <= "\udfff":
            raise Bad("string holds a lone surrogate, which has no UTF-8 form")
        else:
            out.append(ch)  # everything else verbatim, UTF-8 unescaped
    out.append('"')
    return "".join(out)


def _utf16_key(key):
    # Sorting by UTF-16 code units == sorting the UTF-16BE encodings bytewise.
    return key.encode("utf-16-be", "surrogatepass")


def jcs(value):
    """Canonical JSON text (RFC 8785) of a value made of dict/list/str/int/bool/None."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INT:
            raise Bad(f"integer {value} is outside the RFC 8785 / I-JSON safe range")
        return str(value)
    if isinstance(value, float):
        raise Bad("floating-point numbers are not allowed in audit entries")
    if isinstance(value, str):
        return _jcs_string(value)
    if isinstance(value, list):
        return "[" + ",".join(jcs(v) for v in value) + "]"
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: _utf16_key(kv[0]))
        return "{" + ",".join(_jcs_string(k) + ":" + jcs(v) for k, v in items) + "}"
    raise Bad(f"value of type {type(value).__name__} cannot be canonicalised")


def entry_hash(entry):
    body = {k: v for k, v in entry.items() if k not in UNHASHED_KEYS}
    return hashlib.sha256(jcs(body).encode("utf-8")).hexdigest()


# ------------------------------------------------------------------ small checks

def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check_hex64(name, v):
    if not isinstance(v, str) or len(v) != 64 or not set(v) <= HEX:
        raise Bad(f"{name} is not 64 lowercase hex characters: {v!r}")


def parse_time(name, v):
    """An RFC 3339 timestamp with an explicit offset (Z or +hh:mm)."""
    if not isinstance(v, str) or "T" not in v.upper():
        raise Bad(f"{name} is not an RFC 3339 timestamp: {v!r}")
    try:
        t = datetime.fromisoformat(v[:-1] + "+00:00" if v[-1:] in "zZ" else v)
    except ValueError:
        raise Bad(f"{name} is not an RFC 3339 timestamp: {v!r}") from None
    if t.tzinfo is None:
        raise Bad(f"{name} has no UTC offset: {v!r}")
    return t


def b64url_json(segment, what):
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (ValueError, TypeError):
        raise Bad(f"{what} is not base64url") from None
    obj = strict_loads(raw)
    if not isinstance(obj, dict):
        raise Bad(f"{what} is not a JSON object")
    return obj


# -------------------------------------------------------------------------- keys

def b64url_bytes(text, what):
    if not isinstance(text, str):
        raise Bad(f"{what} is not a base64url string")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raise Bad(f"{what} is not base64url") from None


def ed25519_key(x, what):
    """A PyJWK for the base64url Ed25519 public key x."""
    if len(b64url_bytes(x, what)) != 32:
        raise Bad(f"{what} is not a 32-byte Ed25519 public key")
    try:
        return jwt.PyJWK({"kty": "OKP", "crv": "Ed25519", "x": x}, algorithm="EdDSA")
    except jwt.PyJWTError as e:
        raise Bad(f"{what} cannot be loaded: {e}") from None


def fingerprint(x):
    return hashlib.sha256(b64url_bytes(x, "public key")).hexdigest()


def load_jwks(path):
    """kid -> x of an independently kept JWKS (only Ed25519 public keys)."""
    with open(path, "rb") as f:
        doc = strict_loads(f.read())
    if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
        raise Bad('JWKS is not an object with a "keys" array')
    keys = {}
    for i, jwk in enumerate(doc["keys"]):
        if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str):
            raise Bad(f"JWKS key #{i} is not an object with a string kid")
        kid = jwk["kid"]
        if kid in keys:
            raise Bad(f"JWKS names kid {kid!r} twice")
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            raise Bad(f"JWKS key {kid!r} is not an Ed25519 OKP key")
        if jwk.get("alg", "EdDSA") != "EdDSA" or jwk.get("use", "sig") != "sig":
            raise Bad(f"JWKS key {kid!r} is not an EdDSA signing key")
        if "d" in jwk:
            raise Bad(f"JWKS key {kid!r} is published with its private part (d): its signatures prove nothing")
        ed25519_key(jwk.get("x"), f"JWKS key {kid!r}")
        keys[kid] = jwk
    return keys


class KeyHistory:
    """The keys the chain announces, in order, each endorsed by the one before."""

    def __init__(self):
        self.keys = []  # dicts: kid, x, key (PyJWK), first_seq

    def current(self):
        return self.keys[-1] if self.keys else None

    def announce(self, entry):
        p = entry["payload"]
        if not isinstance(p, dict):
            raise Bad("key announcement: payload is not an object")
        kid, x = p.get("kid"), p.get("public_key")
        if p.get("algorithm") != "EdDSA":
            raise Bad(f"key announcement: algorithm {p.get('algorithm')!r}, not EdDSA")
        key = ed25519_key(x, "key announcement: public_key")
        if not isinstance(kid, str) or fingerprint(x)[:16] != kid:
            raise Bad(f"key announcement: kid {kid!r} is not the id of the announced key")
        if entry["entity"] != {"type": "key", "id": kid}:
            raise Bad("key announcement: the entity is not the announced key")
        if entry["kid"] != kid:
            raise Bad(f"the announcement of key {kid} is signed by key {entry['kid']!r}, "
                      "not by the key it announces")
        if any(k["kid"] == kid for k in self.keys):
            raise Bad(f"key {kid} is announced a second time")
        previous = self.current()
        if previous is None:
            if p.get("previous") is not None or p.get("endorsement") is not None:
                raise Bad("the first key (the root of trust) names a previous key")
        else:
            if p.get("previous") != previous["kid"]:
                raise Bad(f"the rotation names {p.get('previous')!r} as the previous key, "
                          f"but key {previous['kid']} signs before it")
            token = p.get("endorsement")
            if not isinstance(token, str):
                raise Bad(f"the rotation to key {kid} is not signed by the previous key {previous['kid']}")
            try:
                claims = verify_jws(token, previous["kid"], previous["key"])
            except Bad as e:
                raise Bad(f"the rotation to key {kid} is not signed by the previous key "
                          f"{previous['kid']}: {e}") from None
            want = {"purpose": ENDORSEMENT_PURPOSE, "seq": entry["seq"], "kid": kid,
                    "public_key": x, "previous": previous["kid"]}
            if {k: claims.get(k) for k in want} != want or not is_int(claims.get("iat")) \
                    or set(claims) != set(want) | {"iat"}:
                raise Bad(f"the previous key {previous['kid']} endorsed something else than this rotation")
        self.keys.append({"kid": kid, "x": x, "key": key, "first_seq": entry["seq"]})

    def signer_of(self, seq):
        for k in reversed(self.keys):
            if k["first_seq"] <= seq:
                return k
        return None


# ------------------------------------------------------------------- signatures

def verify_jws(token, kid, key):
    """Verify a compact JWS by key `kid` (a PyJWK); return its claims."""
    if not isinstance(kid, str):
        raise Bad(f"kid is not a string: {kid!r}")
    if not isinstance(token, str) or token.count(".") != 2:
        raise Bad("signature is not a compact JWS (three dot-separated parts)")
    header = b64url_json(token.split(".")[0], "JWS header")
    if header.get("alg") != "EdDSA":
        raise Bad(f"JWS alg is {header.get('alg')!r}; only EdDSA is accepted")
    if header.get("kid") != kid:
        raise Bad(f"JWS header kid {header.get('kid')!r} differs from kid {kid!r}")
    if header.get("typ") != "JWT":
        raise Bad(f"JWS header typ is {header.get('typ')!r}, not \"JWT\"")
    try:
        claims = jwt.decode(token, key.key, algorithms=["EdDSA"], options=DECODE_OPTIONS)
    except jwt.InvalidSignatureError:
        raise Bad(f"signature does not verify with key {kid!r}") from None
    except jwt.PyJWTError as e:
        raise Bad(f"JWS rejected: {type(e).__name__}: {e}") from None
    # PyJWT parsed the claims leniently; re-read the now-authenticated bytes strictly.
    strict_claims = b64url_json(token.split(".")[1], "JWS claims")
    if strict_claims != claims:
        raise Bad("JWS claims parse ambiguously")
    return claims


def check_claim(claims, name, expected):
    if name not in claims:
        raise Bad(f"JWS claims lack {name}")
    got = claims[name]
    if type(got) is not type(expected) or got != expected:
        raise Bad(f"JWS claim {name}={got!r} differs from the entry's {expected!r}")


# ---------------------------------------------------------------------- entries

def verify_entry(n, raw, prev_hash, history, jwks):
    """Check line n given the previous entry's hash; return this entry's hash."""
    entry = strict_loads(raw)
    if not isinstance(entry, dict):
        raise Bad("line is not a JSON object")
    missing = [k for k in ENTRY_KEYS if k not in entry]
    if missing:
        raise Bad(f"entry lacks {', '.join(missing)}")

    seq = entry["seq"]
    if not is_int(seq):
        raise Bad(f"seq is not an integer: {seq!r}")
    if seq != n:
        kind = ("a gap or reordering (a later entry too early)" if seq > n
                else "a duplicate or reordering (an earlier entry too late)")
        raise Bad(f"line {n} holds seq {seq} where seq {n} belongs: {kind}")

    check_hex64("prev_hash", entry["prev_hash"])
    if entry["prev_hash"] != prev_hash:
        what = "64 zeros" if n == 1 else f"the hash of seq {n - 1} ({prev_hash})"
        raise Bad(f"prev_hash {entry['prev_hash']} is not {what}")

    check_hex64("hash", entry["hash"])
    actual = entry_hash(entry)
    if not hmac.compare_digest(actual, entry["hash"]):
        raise Bad(f"hash {entry['hash']} does not match the content (recomputed {actual})")
    parse_time("at", entry["at"])

    if entry["action"] == "key.rotate":
        history.announce(entry)
        announced = history.current()
        if announced["kid"] in jwks and jwks[announced["kid"]]["x"] != announced["x"]:
            raise Bad(f"key {announced['kid']} of the JWKS is not the key the chain announces")
    signer = history.current()
    if signer is None:
        raise Bad("signed before the chain announced any key (the first entry must be a key.rotate)")
    if entry["kid"] != signer["kid"]:
        raise Bad(f"signed with key {entry['kid']!r} where key {signer['kid']} signs "
                  f"(announced at seq {signer['first_seq']})")
    claims = verify_jws(entry["signature"], entry["kid"], signer["key"])
    check_claim(claims, "seq", seq)
    check_claim(claims, "hash", entry["hash"])
    check_claim(claims, "prev_hash", entry["prev_hash"])
    if not is_int(claims.get("iat")):
        raise Bad(f"JWS claim iat is not an integer: {claims.get('iat')!r}")
    return entry["hash"]


def anchor(history, trust_root, jwks):
    """Check the chain's keys against the outside anchors; return the trust line."""
    root = history.keys[0]
    notes = []
    if trust_root is not None:
        actual = fingerprint(root["x"])
        if actual != trust_root:
            raise Bad(f"the chain's root key {root['kid']} has fingerprint {actual}, "
                      f"not the pinned {trust_root}")
        notes.append(f"root key {root['kid']} pinned by its fingerprint")
    if jwks:
        common = [k for k in history.keys if k["kid"] in jwks]
        if not common:
            raise Bad(f"none of the {len(jwks)} keys of the JWKS signs this chain")
        notes.append(f"{len(common)} of the {len(jwks)} JWKS keys sign this chain")
    return "trust: " + "; ".join(notes) + f" ({len(history.keys)} keys, root fingerprint {fingerprint(root['x'])})"


def verify_checkpoint(cp, history):
    """Check the checkpoint's own signature; return (tree_size, head_hash)."""
    if not isinstance(cp, dict):
        raise Bad("checkpoint is not a JSON object")
    missing = [k for k in ("tree_size", "head_hash", "at", "kid", "signature") if k not in cp]
    if missing:
        raise Bad(f"checkpoint lacks {', '.join(missing)}")
    if not is_int(cp["tree_size"]) or cp["tree_size"] < 1:
        raise Bad(f"tree_size is not a positive integer: {cp['tree_size']!r}")
    check_hex64("head_hash", cp["head_hash"])
    parse_time("at", cp["at"])
    signer = history.signer_of(cp["tree_size"])
    if signer is None or signer["kid"] != cp["kid"]:
        raise Bad(f"signed by key {cp['kid']!r}, which is not the key that signed the chain "
                  f"at seq {cp['tree_size']}")
    claims = verify_jws(cp["signature"], cp["kid"], signer["key"])
    check_claim(claims, "tree_size", cp["tree_size"])
    check_claim(claims, "head_hash", cp["head_hash"])
    return cp["tree_size"], cp["head_hash"]


def verify(export_path, jwks_path=None, checkpoint_path=None, trust_root=None):
    """Return (exit code, message lines)."""
    try:
        if jwks_path is None and trust_root is None:
            raise Bad("give --trust-root or --jwks: the export alone cannot vouch for its own keys")
        if trust_root is not None:
            root = trust_root.strip().lower()
            root = root[len("sha256:"):] if root.startswith("sha256:") else root
            if len(root) != 64 or not set(root) <= HEX:
                raise Bad(f"--trust-root {trust_root!r} is not 64 hex digits")
            trust_root = root
        jwks = load_jwks(jwks_path) if jwks_path else {}
        checkpoint = None
        if checkpoint_path:
            with open(checkpoint_path, "rb") as f:
                checkpoint = strict_loads(f.read())
        export = open(export_path, "rb")
    except (OSError, Bad) as e:
        return 2, f"ERROR: {e}"

    n, head, hashes_at, history = 0, ZERO_HASH, {}, KeyHistory()
    want = checkpoint.get("tree_size") if isinstance(checkpoint, dict) else None
    with export:
        for raw in export:  # one entry a line, streamed; a blank line is an error
            n += 1
            raw = raw[:-2] if raw.endswith(b"\r\n") else raw.rstrip(b"\n")
            try:
                head = verify_entry(n, raw, head, history, jwks)
            except Bad as e:
                return 1, f"FAIL seq {n}: {e}"
            if n == want:
                hashes_at[n] = head
    if n == 0:
        return 1, "FAIL seq 1: the export holds no entries"
    try:
        trust = anchor(history, trust_root, jwks)
    except Bad as e:
        return 1, f"FAIL seq 1: trust: {e}"

    if checkpoint is not None:
        try:
            size, head_hash = verify_checkpoint(checkpoint, history)
        except Bad as e:
            return 1, f"FAIL checkpoint: {e}"
        if size > n:
            return 1, (f"FAIL seq {n + 1}: the signed checkpoint covers {size} entries "
                       f"but the export ends at seq {n} (truncated)")
        if hashes_at[size] != head_hash:
            return 1, (f"FAIL seq {size}: hash {hashes_at[size]} differs from the signed "
                       f"checkpoint's head_hash {head_hash} (history rewritten)")
    return 0, f"OK {n} entries, head {head}\n{trust}"


def main(argv=None):
    ap = argparse.ArgumentParser(description="Verify a techledger audit export offline.")
    ap.add_argument("export", help="NDJSON audit export (GET /api/v1/audit/export)")
    ap.add_argument("--jwks", help="a JWKS kept independently (GET /.well-known/jwks.json earlier)")
    ap.add_argument("--trust-root", help="the pinned fingerprint of the root key (64 hex digits)")
    ap.add_argument("--checkpoint", help="signed checkpoint (GET /api/v1/audit/checkpoint)")
    args = ap.parse_args(argv)
    code, message = verify(args.export, args.jwks, args.checkpoint, args.trust_root)
    print(message)
    return code


if __name__ == "__main__":
    sys.exit(main())
