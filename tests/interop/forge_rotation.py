#!/usr/bin/env python3
"""Plays an attacker who can write the database: appends to a real audit export a key.rotate
entry announcing a key of their own — correctly hashed, linked and signed by that key, naming
the real current key as the previous one, but without its endorsement — and an entry signed by
the new key. Every verifier must refuse the result.

    python3 forge_rotation.py EXPORT.jsonl FORGED.jsonl
"""

import base64
import hashlib
import json
import sys
import uuid
from datetime import datetime, timezone

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

sys.dont_write_bytecode = True
import verify_audit_export as v  # noqa: E402  (its JCS, to hash as the ledger does)


def seal(entry, key, kid):
    entry["hash"] = v.entry_hash(entry)
    entry["kid"] = kid
    claims = {"seq": entry["seq"], "hash": entry["hash"], "prev_hash": entry["prev_hash"],
              "iat": 1_790_000_000}
    entry["signature"] = jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid, "typ": "JWT"})
    return entry


def main(src, dst):
    with open(src, encoding="utf-8") as f:
        chain = [json.loads(line) for line in f if line.strip()]
    head = chain[-1]
    current = [e for e in chain if e["action"] == "key.rotate"][-1]["kid"]
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    kid = hashlib.sha256(raw).hexdigest()[:16]
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    rotate = seal({"seq": head["seq"] + 1, "id": str(uuid.uuid4()), "at": at, "actor": None,
                   "action": "key.rotate", "entity": {"type": "key", "id": kid},
                   "payload": {"kid": kid, "algorithm": "EdDSA", "public_key": x,
                               "previous": current, "endorsement": None},
                   "prev_hash": head["hash"]}, key, kid)
    promote = seal({"seq": rotate["seq"] + 1, "id": str(uuid.uuid4()), "at": at, "actor": None,
                    "action": "user.update", "entity": {"type": "user", "id": str(uuid.uuid4())},
                    "payload": {"command": {"command": "update_user", "role": "admin"}},
                    "prev_hash": rotate["hash"]}, key, kid)
    with open(dst, "w", encoding="utf-8") as f:
        for e in chain + [rotate, promote]:
            f.write(v.jcs(e) + "\n")
    print(rotate["seq"])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
