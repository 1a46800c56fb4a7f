#!/usr/bin/env python3
"""Independent check of techledger's published figures (no techledger code used).

    python3 verify_figures.py --year Y --checkpoint CP.txt --export audit.jsonl
                              (--trust-root FINGERPRINT | --jwks JWKS.json)... [--log-keys K.json]
                              [--summary SUMMARY.json] [--breakdowns DIR]

What it checks, with hashlib and PyJWT only (PyJWT's EdDSA, for JWS and the note's signature):
  * the export's chain, entry by entry, exactly as verify_audit_export.py does (seq, links,
    RFC 8785 hashes, EdDSA signatures by the key whose turn it is, key rotations endorsed by
    the key before), its keys anchored by --trust-root and/or --jwks;
  * the checkpoint, a C2SP signed note (origin, tree size, base64 root, blank line,
    "— <origin> base64(key ID ‖ Ed25519 signature)"): signed by a key of the chain (or, with
    --log-keys — GET /log/keys —, a key announced after the export ends), the key ID being
    SHA-256(origin ‖ "\\n" ‖ 0x01 ‖ public key)[:4];
  * the RFC 6962 Merkle root of the export's first <tree size> entries (leaf =
    SHA-256(0x00 ‖ canonical JSON of the entry without hash, kid and signature), node =
    SHA-256(0x01 ‖ left ‖ right)) equals the checkpoint's;
  * the figures of year Y, recomputed from those entries alone: the latest state each
    contract.* entry's payload carries; a contract counts when that state is "registered",
    in the year and month of registered_at in Asia/Shanghai (UTC+8); flow from the regions
    (Linyi = 3713xx): local, outflow, inflow, other; introduced = development, transfer or
    licensing, buyer in Linyi, seller in 31/32/33/34xxxx, 3701xx or 3702xx. Amounts are
    integer fen, never floats;
  * with --summary / --breakdowns (DIR/<by>.json for office, contract_type, tech_field,
    ip_type, seller_kind, flow, month, review): the published year, checkpoint, audit_seq,
    turnover, technical_amount, contracts, introduced (and measured_turnover) of the summary
    and of every breakdown row equal the recomputed ones to the fen. Without them it prints
    the recomputed figures as JSON.

Output / exit status:
  OK figures of Y: …                  exit 0 (then a "trust: …" line)
  FAIL figures: n published figure(s) … followed by one "  <what>: published X, recomputed Y"
                                      line per difference, exit 1
  FAIL seq <n>: <reason>              exit 1 (the chain, or an entry the figures cannot use)
  FAIL checkpoint: <reason>           exit 1
  FAIL log keys: <reason>             exit 1 (--log-keys' rotations do not hold)
  ERROR: <reason>                     exit 2 (inputs unreadable)
"""

import argparse
import base64
import decimal
import hashlib
import json
import os
import re
import sys
from datetime import timedelta

from jwt.algorithms import OKPAlgorithm

sys.dont_write_bytecode = True  # leave no __pycache__ in the repo
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import verify_audit_export as chain  # noqa: E402  (the chain checks, JCS, key history)

Bad = chain.Bad
DIMENSIONS = ("office", "contract_type", "tech_field", "ip_type", "seller_kind", "flow",
              "month", "review")
STATE_ACTIONS = ("contract.register", "contract.amend", "contract.approve", "contract.refuse",
                 "contract.void", "contract.review")
SHANGHAI = timedelta(hours=8)  # China Standard Time, no daylight saving since 1991
AMOUNT = re.compile(r"^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$")
EM_DASH = "\u2014 "
MISSING = object()  # a field a published document lacks


# ------------------------------------------------------------------- Merkle tree

def leaf_hash(entry):
    body = {k: v for k, v in entry.items() if k not in chain.UNHASHED_KEYS}
    return hashlib.sha256(b"\x00" + chain.jcs(body).encode("utf-8")).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


class Frontier:
    """RFC 6962 tree by appending: the roots of the perfect subtrees, largest first."""

    def __init__(self):
        self.size = 0
        self.stack = []  # (height, hash)

    def append(self, leaf):
        height, h = 0, leaf
        while self.stack and self.stack[-1][0] == height:
            _, left = self.stack.pop()
            h, height = node_hash(left, h), height + 1
        self.stack.append((height, h))
        self.size += 1

    def root(self):
        if not self.stack:
            return hashlib.sha256(b"").digest()
        h = self.stack[-1][1]
        for _, left in reversed(self.stack[:-1]):
            h = node_hash(left, h)
        return h


# ------------------------------------------------------------- the signed note

def parse_note(text):
    """(signed text, origin, size, root bytes, [(name, bytes)]) of a C2SP signed note."""
    cut = text.find("\n\n")
    if cut < 0:
        raise Bad("not a signed note: no blank line before the signatures")
    body, sigs = text[:cut + 1], text[cut + 2:]
    lines = body.split("\n")
    if len(lines) < 4 or not lines[0]:
        raise Bad("the checkpoint has no origin, size and root lines")
    origin, size, root = lines[0], lines[1], lines[2]
    if not size.isdigit() or (len(size) > 1 and size[0] == "0"):
        raise Bad(f"the checkpoint's tree size {size!r} is not a decimal number")
    try:
        root = base64.b64decode(root, validate=True)
    except ValueError:
        raise Bad("the checkpoint's root hash is not base64") from None
    if len(root) != 32:
        raise Bad("the checkpoint's root hash is not 32 bytes")
    signatures = []
    for line in sigs.split("\n"):
        if not line:
            continue
        if not line.startswith(EM_DASH) or " " not in line[2:]:
            raise Bad(f"not a signature line: {line!r}")
        name, b64 = line[2:].rsplit(" ", 1)
        try:
            signatures.append((name, base64.b64decode(b64, validate=True)))
        except ValueError:
            raise Bad(f"the signature of {name} is not base64") from None
    return body, origin, int(size), root, signatures


def note_signer(body, origin, signatures, keys):
    """The kid of the key in `keys` (history entries) that signed the note under `origin`."""
    okp = OKPAlgorithm()
    for key in keys:
        raw = chain.b64url_bytes(key["x"], "public key")
        key_id = hashlib.sha256(origin.encode("utf-8") + b"\n\x01" + raw).digest()[:4]
        for name, data in signatures:
            if name == origin and data[:4] == key_id and len(data) == 68:
                if okp.verify(body.encode("utf-8"), key["key"].key, data[4:]):
                    return key["kid"]
    raise Bad("the checkpoint is not signed by any key of the log")


def log_key_history(path, trust_root, jwks):
    """The key history of GET /log/keys: each rotation entry hashed, signed and endorsed."""
    with open(path, "rb") as f:
        doc = chain.strict_loads(f.read())
    if not isinstance(doc, dict) or not isinstance(doc.get("rotations"), list):
        raise Bad("the log keys have no rotations")
    history = chain.KeyHistory()
    for entry in doc["rotations"]:
        if not isinstance(entry, dict) or entry.get("action") != "key.rotate":
            raise Bad("a rotation of the log keys is not a key.rotate entry")
        if chain.entry_hash(entry) != entry.get("hash"):
            raise Bad(f"the rotation at seq {entry.get('seq')} does not hash to its hash")
        history.announce(entry)
        claims = chain.verify_jws(entry["signature"], entry["kid"], history.current()["key"])
        if claims.get("hash") != entry["hash"] or claims.get("seq") != entry["seq"]:
            raise Bad(f"the rotation at seq {entry['seq']} is not signed as itself")
    if not history.keys:
        raise Bad("the log keys announce no key")
    chain.anchor(history, trust_root, jwks)
    return doc.get("origin"), history


# ------------------------------------------------------------------ the figures

def fen(text):
    """Integer fen of a decimal string in yuan (at most two decimals), or None."""
    if not isinstance(text, str) or not AMOUNT.match(text):
        return None
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def yuan(value):
    return f"{value // 100}.{value % 100:02d}"


def is_linyi(region):
    return int(region) // 100 == 3713


def flow(seller, buyer):
    return {(True, True): "local", (True, False): "outflow",
            (False, True): "inflow", (False, False): "other"}[(is_linyi(seller), is_linyi(buyer))]


def introduced(contract_type, seller, buyer):
    s = int(seller)
    return (contract_type in ("development", "transfer", "licensing") and is_linyi(buyer)
            and (s // 10000 in (31, 32, 33, 34) or s // 100 in (3701, 3702)))


class Replay:
    """The latest contract state of every contract.* entry, in seq order."""

    def __init__(self):
        self.contracts = {}

    def apply(self, entry):
        action = entry["action"]
        if not isinstance(action, str) or not action.startswith("contract."):
            return
        if action not in STATE_ACTIONS:
            raise Bad(f"unknown contract action {action!r}: its effect on the figures is not known")
        payload = entry["payload"]
        state = payload.get("state") if isinstance(payload, dict) else None
        if not isinstance(state, dict):
            raise Bad(f"{action} without payload.state")
        if entry["entity"] != {"type": "contract", "id": state.get("id")}:
            raise Bad(f"the entry is about {entry['entity']} but carries the state of "
                      f"contract {state.get('id')!r}")
        self.contracts[state["id"]] = state

    def figures(self, year):
        """{"total": [turnover, technical, contracts, introduced], (dimension, key): [...]}"""
        out = {"total": [0, 0, 0, 0]}
        for cid in sorted(self.contracts):
            s = self.contracts[cid]
            if s.get("status") != "registered" or s.get("registered_at") is None:
                continue
            at = chain.parse_time("registered_at", s["registered_at"]) + SHANGHAI
            if at.year != year:
                continue
            turnover, technical = fen(s.get("contract_amount")), fen(s.get("technical_amount"))
            if turnover is None or technical is None:
                raise Bad(f"contract {cid}: an amount is not a decimal string in yuan")
            intro = introduced(s["contract_type"], s["seller_region"], s["buyer_region"])
            add = [turnover, technical, 1, 1 if intro else 0]
            keys = [("total", None), ("month", f"{at.month:02d}"), ("office", s["office"]),
                    ("contract_type", s["contract_type"]), ("tech_field", s["tech_field"]),
                    ("ip_type", s["ip_type"]), ("seller_kind", s["seller_kind"]),
                    ("flow", flow(s["seller_region"], s["buyer_region"])),
                    ("review", s["review"])]
            for dim, key in keys:
                slot = out["total"] if dim == "total" else out.setdefault((dim, key), [0, 0, 0, 0])
                for i, v in enumerate(add):
                    slot[i] += v
        return out


def measured(figures, measure):
    f = lambda k: figures.get(("flow", k), [0])[0]  # noqa: E731
    return {"all": figures["total"][0], "outflow": f("local") + f("outflow"),
            "inflow": f("local") + f("inflow")}.get(measure)


def to_json(figures, year, size, root):
    total = figures["total"]
    return {
        "year": year, "checkpoint": {"tree_size": size, "root_hash": root},
        "turnover": yuan(total[0]), "technical_amount": yuan(total[1]),
        "contracts": total[2], "introduced": total[3],
        "measured_turnover": {m: yuan(measured(figures, m)) for m in ("all", "outflow", "inflow")},
        "breakdowns": {
            by: [{"key": k, "turnover": yuan(v[0]), "technical_amount": yuan(v[1]),
                  "contracts": v[2], "introduced": v[3]}
                 for (d, k), v in sorted((x for x in figures.items() if x[0] != "total"))
                 if d == by]
            for by in DIMENSIONS},
    }


# --------------------------------------------------------------- comparisons

def load_published(path):
    """A published document: its amounts are strings and its counts integers; the ratios
    (progress) are JSON numbers with decimals, read as Decimal and never compared."""
    with open(path, "rb") as f:
        try:
            return json.loads(f.read().decode("utf-8"), parse_float=decimal.Decimal)
        except ValueError as e:
            raise Bad(f"{path}: not JSON: {e}") from None


def shown(v):
    return "(missing)" if v is MISSING else (v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))


def compare_doc(prefix, doc, figures, year, size, root, diffs):
    """The year, checkpoint and audit_seq a published document names."""
    def differ(what, got, want):
        diffs.append(f"{prefix} {what}: published {shown(got)}, recomputed {want}")
    if doc.get("year", MISSING) != year:
        differ("year", doc.get("year", MISSING), year)
    cp = doc.get("checkpoint") if isinstance(doc.get("checkpoint"), dict) else {}
    if cp.get("tree_size", MISSING) != size:
        differ("checkpoint tree_size", cp.get("tree_size", MISSING), size)
    if cp.get("root_hash", MISSING) != root:
        differ("checkpoint root_hash", cp.get("root_hash", MISSING), root)
    if "audit_seq" in doc and doc["audit_seq"] != size:
        differ("audit_seq", doc["audit_seq"], size)
    return differ


def compare_values(differ, row, want):
    for i, field in enumerate(("turnover", "technical_amount")):
        if fen(row.get(field)) != want[i]:
            differ(field, row.get(field, MISSING), yuan(want[i]))
    for i, field in ((2, "contracts"), (3, "introduced")):
        got = row.get(field, MISSING)
        if not chain.is_int(got) or got != want[i]:
            differ(field, got, want[i])


def compare_summary(doc, figures, year, size, root, diffs):
    differ = compare_doc("summary", doc, figures, year, size, root, diffs)
    compare_values(differ, doc, figures["total"])
    targets = doc.get("targets") if isinstance(doc.get("targets"), dict) else {}
    measure = targets.get("measure", "all")
    if "measured_turnover" in doc:
        want = measured(figures, measure)
        if want is None:
            differ("targets measure", measure, "all, outflow or inflow")
        elif fen(doc["measured_turnover"]) != want:
            differ("measured_turnover", doc["measured_turnover"], yuan(want))


def compare_breakdown(by, doc, figures, year, size, root, diffs):
    compare_doc(f"breakdown {by}", doc, figures, year, size, root, diffs)
    if doc.get("by") != by:
        diffs.append(f"breakdown {by} by: published {shown(doc.get('by', MISSING))}, recomputed {by}")
        return
    seen = set()
    rows = doc.get("rows") if isinstance(doc.get("rows"), list) else []
    for row in rows:
        key = row.get("key") if isinstance(row, dict) else None
        key = key if isinstance(key, str) else "(no key)"
        seen.add(key)

        def differ(what, got, want, key=key):
            diffs.append(f"breakdown {by} row {key} {what}: published {shown(got)}, recomputed {want}")
        compare_values(differ, row if isinstance(row, dict) else {}, figures.get((by, key), [0, 0, 0, 0]))
    for (d, key), v in sorted(x for x in figures.items() if x[0] != "total"):
        if d == by and key not in seen and v != [0, 0, 0, 0]:
            diffs.append(f"breakdown {by} row {key}: published (missing), "
                         f"recomputed {yuan(v[0])} / {v[2]} contracts")


# ---------------------------------------------------------------------- main

def verify(args):
    """Return (exit code, output text)."""
    try:
        trust_root = None
        if args.trust_root is not None:
            trust_root = args.trust_root.strip().lower()
            trust_root = trust_root[7:] if trust_root.startswith("sha256:") else trust_root
            if len(trust_root) != 64 or not set(trust_root) <= chain.HEX:
                raise Bad(f"--trust-root {args.trust_root!r} is not 64 hex digits")
        if trust_root is None and args.jwks is None:
            raise Bad("give --trust-root or --jwks: the export alone cannot vouch for its own keys")
        jwks = chain.load_jwks(args.jwks) if args.jwks else {}
        with open(args.checkpoint, "rb") as f:
            note = f.read().decode("utf-8")
        summary = None
        if args.summary:
            summary = load_published(args.summary)
        breakdowns = []
        if args.breakdowns:
            for by in DIMENSIONS:
                path = os.path.join(args.breakdowns, f"{by}.json")
                if os.path.exists(path):
                    breakdowns.append((by, load_published(path)))
            if not breakdowns:
                raise Bad(f"{args.breakdowns}: no breakdown in it (office.json, … review.json)")
        export = open(args.export, "rb")
    except (OSError, UnicodeDecodeError, Bad) as e:
        return 2, f"ERROR: {e}"
    try:
        body, origin, size, root, signatures = parse_note(note)
    except Bad as e:
        return 1, f"FAIL checkpoint: {e}"
    if size < 1:
        return 1, "FAIL checkpoint: it covers no entry"

    n, head, history, tree, replay = 0, chain.ZERO_HASH, chain.KeyHistory(), Frontier(), Replay()
    with export:
        for raw in export:
            n += 1
            raw = raw[:-2] if raw.endswith(b"\r\n") else raw.rstrip(b"\n")
            try:
                head = chain.verify_entry(n, raw, head, history, jwks)
                if n <= size:
                    entry = chain.strict_loads(raw)
                    tree.append(leaf_hash(entry))
                    replay.apply(entry)
            except Bad as e:
                return 1, f"FAIL seq {n}: {e}"
    if n == 0:
        return 1, "FAIL seq 1: the export holds no entries"
    try:
        trust = chain.anchor(history, trust_root, jwks)
    except Bad as e:
        return 1, f"FAIL seq 1: trust: {e}"
    if tree.size < size:
        return 1, (f"FAIL seq {tree.size + 1}: the checkpoint covers {size} entries but the "
                   f"export ends at seq {tree.size} (truncated)")
    keys = history.keys
    if args.log_keys:
        try:
            log_origin, later = log_key_history(args.log_keys, trust_root, jwks)
            if later.keys[0]["x"] != history.keys[0]["x"]:
                raise Bad("their root key is not the export's root key")
        except (OSError, Bad) as e:
            return 1, f"FAIL log keys: {e}"
        origin = log_origin if isinstance(log_origin, str) else origin
        keys = later.keys if len(later.keys) > len(keys) else keys
    try:
        if body.split("\n")[0] != origin:
            raise Bad(f"the checkpoint is of the log {body.split(chr(10))[0]!r}, not {origin!r}")
        signer = note_signer(body, origin, signatures, keys)
    except (OSError, Bad) as e:
        return 1, f"FAIL checkpoint: {e}"
    if tree.root() != root:
        return 1, (f"FAIL checkpoint: the export's first {size} entries have Merkle root "
                   f"{tree.root().hex()}, the signed checkpoint says {root.hex()}: the export is "
                   "not the log the checkpoint signs")
    try:
        figures = replay.figures(args.year)
    except Bad as e:
        return 1, f"FAIL figures: {e}"
    root_hex = root.hex()
    checked = (f"the export's first {size} entries are the log {origin} at the checkpoint "
               f"signed by key {signer} (root {root_hex})")
    if summary is None and not breakdowns:
        print(f"OK {checked}\n{trust}", file=sys.stderr)
        return 0, json.dumps(to_json(figures, args.year, size, root_hex), ensure_ascii=False, indent=2)
    diffs, compared = [], []
    if summary is not None:
        compare_summary(summary if isinstance(summary, dict) else {}, figures, args.year, size,
                        root_hex, diffs)
        compared.append("the summary")
    for by, doc in breakdowns:
        compare_breakdown(by, doc if isinstance(doc, dict) else {}, figures, args.year, size,
                          root_hex, diffs)
    if breakdowns:
        compared.append(f"{len(breakdowns)} breakdowns ({', '.join(by for by, _ in breakdowns)})")
    if diffs:
        return 1, "\n".join([f"FAIL figures: {len(diffs)} published figure(s) of {args.year} "
                             f"differ from the log at size {size}:"] + ["  " + d for d in diffs])
    total = figures["total"]
    return 0, (f"OK figures of {args.year}: {' and '.join(compared)} agree to the fen with the "
               f"export up to seq {size} — turnover {yuan(total[0])}, technical amount "
               f"{yuan(total[1])}, {total[2]} contracts, {total[3]} introduced; {checked}\n{trust}")


def main(argv=None):
    ap = argparse.ArgumentParser(description="Check techledger's published figures against its log.")
    ap.add_argument("--year", type=int, required=True, help="registration year of the figures")
    ap.add_argument("--checkpoint", required=True, help="the signed note the figures name")
    ap.add_argument("--export", required=True, help="NDJSON audit export, at least up to the checkpoint")
    ap.add_argument("--trust-root", help="the pinned fingerprint of the root key (64 hex digits)")
    ap.add_argument("--jwks", help="a JWKS kept independently of the server")
    ap.add_argument("--log-keys", help="GET /log/keys (origin, rotations after the export ends)")
    ap.add_argument("--summary", help="the published summary (GET /api/v1/stats/summary)")
    ap.add_argument("--breakdowns", help="a directory of published breakdowns, <by>.json each")
    code, message = verify(ap.parse_args(argv))
    print(message)
    return code


if __name__ == "__main__":
    sys.exit(main())
