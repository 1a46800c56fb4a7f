#!/usr/bin/env python3
"""Independent verifier for a techledger audit export (no techledger code used).

    python3 verify_audit_export.py EXPORT.jsonl --jwks JWKS.json [--checkpoint CHECKPOINT.json]

Checks, for every NDJSON line n (1-based), as in /work/shared/api.md "Audit":
  * the line is a JSON object (no floats, no NaN, no duplicate keys, valid UTF-8);
  * seq == n: starts at 1, no gaps, no duplicates, no reordering;
  * prev_hash is 64 zeros for seq 1, else the hash of entry n-1;
  * hash == sha256(JCS(entry minus hash, kid, signature)), JCS = RFC 8785;
  * signature is a compact JWS, header alg "EdDSA" (nothing else), typ "JWT",
    kid == entry kid; it verifies with that Ed25519 key from the JWKS; claims
    seq/hash/prev_hash equal the entry's and iat is an integer;
  * if the key carries valid_from / valid_until, the entry's `at` lies within them.
With --checkpoint: the checkpoint's JWS verifies the same way, its claims carry the
checkpoint's tree_size and head_hash, and entry tree_size of the export has that hash.

Output / exit status:
  OK <n> entries, head <hash>        exit 0
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


# -------------------------------------------------------------------------- JWKS

def load_jwks(path):
    """kid -> (PyJWK or None, reason if unusable, valid_from, valid_until)."""
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
        keys[kid] = _load_key(jwk)
    return keys


def _load_key(jwk):
    valid_from = valid_until = None
    try:
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            raise Bad(f"is not an Ed25519 OKP key (kty={jwk.get('kty')!r}, crv={jwk.get('crv')!r})")
        if jwk.get("alg", "EdDSA") != "EdDSA":
            raise Bad(f"has alg {jwk.get('alg')!r}, not EdDSA")
        if jwk.get("use", "sig") != "sig":
            raise Bad(f"has use {jwk.get('use')!r}, not sig")
        if "d" in jwk:
            raise Bad("is published with its private part (d): its signatures prove nothing")
        if not isinstance(jwk.get("x"), str):
            raise Bad("has no x")
        if "valid_from" in jwk:
            valid_from = parse_time("valid_from", jwk["valid_from"])
        if "valid_until" in jwk:
            valid_until = parse_time("valid_until", jwk["valid_until"])
        try:
            key = jwt.PyJWK(jwk, algorithm="EdDSA")
        except jwt.PyJWTError as e:
            raise Bad(f"cannot be loaded: {e}") from None
        return key, None, valid_from, valid_until
    except Bad as e:
        return None, f"JWKS key {jwk['kid']!r} {e}", valid_from, valid_until


# ------------------------------------------------------------------- signatures

def verify_jws(token, kid, at, jwks):
    """Verify a compact JWS signed with JWKS key `kid` at time `at`; return its claims."""
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
    if kid not in jwks:
        raise Bad(f"kid {kid!r} is not in the JWKS")
    key, unusable, valid_from, valid_until = jwks[kid]
    if unusable:
        raise Bad(unusable)
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
    if valid_from is not None and at < valid_from:
        raise Bad(f"signed at {at.isoformat()}, before key {kid!r} valid_from {valid_from.isoformat()}")
    if valid_until is not None and at > valid_until:
        raise Bad(f"signed at {at.isoformat()}, after key {kid!r} valid_until {valid_until.isoformat()}")
    return claims


def check_claim(claims, name, expected):
    if name not in claims:
        raise Bad(f"JWS claims lack {name}")
    got = claims[name]
    if type(got) is not type(expected) or got != expected:
        raise Bad(f"JWS claim {name}={got!r} differs from the entry's {expected!r}")


# ---------------------------------------------------------------------- entries

def verify_entry(n, raw, prev_hash, jwks):
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

    at = parse_time("at", entry["at"])
    claims = verify_jws(entry["signature"], entry["kid"], at, jwks)
    check_claim(claims, "seq", seq)
    check_claim(claims, "hash", entry["hash"])
    check_claim(claims, "prev_hash", entry["prev_hash"])
    if not is_int(claims.get("iat")):
        raise Bad(f"JWS claim iat is not an integer: {claims.get('iat')!r}")
    return entry["hash"]


def verify_checkpoint(cp, jwks):
    """Check the checkpoint's own signature; return (tree_size, head_hash)."""
    if not isinstance(cp, dict):
        raise Bad("checkpoint is not a JSON object")
    missing = [k for k in ("tree_size", "head_hash", "at", "kid", "signature") if k not in cp]
    if missing:
        raise Bad(f"checkpoint lacks {', '.join(missing)}")
    if not is_int(cp["tree_size"]) or cp["tree_size"] < 1:
        raise Bad(f"tree_size is not a positive integer: {cp['tree_size']!r}")
    check_hex64("head_hash", cp["head_hash"])
    claims = verify_jws(cp["signature"], cp["kid"], parse_time("at", cp["at"]), jwks)
    check_claim(claims, "tree_size", cp["tree_size"])
    check_claim(claims, "head_hash", cp["head_hash"])
    return cp["tree_size"], cp["head_hash"]


def verify(export_path, jwks_path, checkpoint_path=None):
    """Return (exit code, message line)."""
    try:
        jwks = load_jwks(jwks_path)
        checkpoint = None
        if checkpoint_path:
            with open(checkpoint_path, "rb") as f:
                checkpoint = strict_loads(f.read())
        export = open(export_path, "rb")
    except (OSError, Bad) as e:
        return 2, f"ERROR: {e}"

    n, head, hashes_at = 0, ZERO_HASH, {}
    want = checkpoint.get("tree_size") if isinstance(checkpoint, dict) else None
    with export:
        for raw in export:  # one entry a line, streamed; a blank line is an error
            n += 1
            raw = raw[:-2] if raw.endswith(b"\r\n") else raw.rstrip(b"\n")
            try:
                head = verify_entry(n, raw, head, jwks)
            except Bad as e:
                return 1, f"FAIL seq {n}: {e}"
            if n == want:
                hashes_at[n] = head
    if n == 0:
        return 1, "FAIL seq 1: the export holds no entries"

    if checkpoint is not None:
        try:
            size, head_hash = verify_checkpoint(checkpoint, jwks)
        except Bad as e:
            return 1, f"FAIL checkpoint: {e}"
        if size > n:
            return 1, (f"FAIL seq {n + 1}: the signed checkpoint covers {size} entries "
                       f"but the export ends at seq {n} (truncated)")
        if hashes_at[size] != head_hash:
            return 1, (f"FAIL seq {size}: hash {hashes_at[size]} differs from the signed "
                       f"checkpoint's head_hash {head_hash} (history rewritten)")
    return 0, f"OK {n} entries, head {head}"


def main(argv=None):
    ap = argparse.ArgumentParser(description="Verify a techledger audit export offline.")
    ap.add_argument("export", help="NDJSON audit export (GET /api/v1/audit/export)")
    ap.add_argument("--jwks", required=True, help="JWKS (GET /.well-known/jwks.json)")
    ap.add_argument("--checkpoint", help="signed checkpoint (GET /api/v1/audit/checkpoint)")
    args = ap.parse_args(argv)
    code, message = verify(args.export, args.jwks, args.checkpoint)
    print(message)
    return code


if __name__ == "__main__":
    sys.exit(main())
