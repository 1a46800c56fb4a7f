// Transparency-log checks in the browser, with WebCrypto only (no external script): SHA-256
// leaf and node hashes (RFC 6962), RFC 9162 inclusion proofs, C2SP signed notes and
// checkpoints, vkeys and their Ed25519 signatures, and the canonical JSON (RFC 8785) of an
// audit entry. Used by the public verification page (verify.js).
"use strict";

const TLOG = (() => {
  const enc = new TextEncoder();

  /** Bytes → lower-case hex. */
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

  /** 64 hex digits → 32 bytes, or null. */
  function fromHex(text) {
    if (typeof text !== "string" || !/^[0-9a-fA-F]{64}$/.test(text)) return null;
    return Uint8Array.from(text.match(/../g), (h) => parseInt(h, 16));
  }

  /** Standard base64 → bytes, or null. */
  function fromBase64(text) {
    try {
      return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    } catch (_) {
      return null;
    }
  }

  const concat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  };

  const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }

  /** RFC 6962 leaf hash: SHA-256(0x00 ‖ data). */
  const leafHash = (data) => sha256(concat(Uint8Array.of(0), data));
  /** RFC 6962 interior node hash: SHA-256(0x01 ‖ left ‖ right). */
  const nodeHash = (left, right) => sha256(concat(Uint8Array.of(1), left, right));

  /**
   * RFC 9162 §2.1.3.2: whether `proof` (32-byte hashes) leads from the leaf hash at `index`
   * in a tree of `size` leaves to `root`.
   */
  async function verifyInclusion(index, size, leaf, proof, root) {
    if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
    let fn = index;
    let sn = size - 1;
    let r = leaf;
    for (const p of proof) {
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 && equal(r, root);
  }

  /**
   * A C2SP signed note: {text, signatures: [{name, keyHash (4 bytes), sig}]}, or throws.
   * The text is everything up to and including the newline before the blank line.
   */
  function parseNote(note) {
    const split = note.indexOf("\n\n");
    if (split < 0) throw new Error("no blank line before the signatures");
    const text = note.slice(0, split + 1);
    const lines = note.slice(split + 2).split("\n").filter((l) => l !== "");
    const signatures = lines.map((line) => {
      const m = /^\u2014 (\S+) (\S+)$/.exec(line);
      const raw = m && fromBase64(m[2]);
      if (!raw || raw.length < 5) throw new Error("a signature line is malformed");
      return { name: m[1], keyHash: raw.slice(0, 4), sig: raw.slice(4) };
    });
    if (!signatures.length) throw new Error("no signature");
    return { text, signatures };
  }

  /** A checkpoint's body: {origin, size, root (32 bytes)}, or throws. */
  function parseCheckpoint(text) {
    const lines = text.split("\n");
    const size = Number(lines[1]);
    const root = fromBase64(lines[2] || "");
    if (!lines[0] || !/^[0-9]+$/.test(lines[1] || "") || !Number.isSafeInteger(size) || !root || root.length !== 32) {
      throw new Error("not a checkpoint (origin, tree size, base64 root hash)");
    }
    return { origin: lines[0], size, root };
  }

  /**
   * A C2SP vkey "<name>+<hex key hash>+<base64 0x01 ‖ Ed25519 key>": {name, keyHash, key}, or
   * throws when malformed or when its key hash is not SHA-256(name ‖ "\n" ‖ 0x01 ‖ key)[:4].
   */
  async function parseVkey(vkey) {
    // A name holds no '+'; the base64 key may.
    const m = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/.exec(String(vkey).trim());
    if (!m) throw new Error("malformed vkey");
    const parts = m.slice(1);
    const raw = fromBase64(parts[2]);
    if (!raw || raw.length !== 33 || raw[0] !== 1) throw new Error("not an Ed25519 vkey");
    const key = raw.slice(1);
    const keyHash = (await sha256(concat(enc.encode(parts[0] + "\n"), raw))).slice(0, 4);
    if (hex(keyHash) !== parts[1]) throw new Error("the vkey's key hash does not match its key");
    return { name: parts[0], keyHash, key };
  }

  /** Whether this browser's WebCrypto has Ed25519 (Chromium ≥ 137, Firefox ≥ 129, Safari ≥ 17). */
  async function ed25519Supported() {
    try {
      await crypto.subtle.importKey("raw", new Uint8Array(32), { name: "Ed25519" }, false, ["verify"]);
      return true;
    } catch (_) {
      return false;
    }
  }

  /**
   * Checks a signed note against vkeys: {signer (the vkey that signed), ok: true|false|null}
   * — null when this browser cannot check Ed25519 — or {signer: null, ok: false} when no key
   * of the list (by name and key hash) signed it.
   */
  async function checkNote(note, keys) {
    for (const k of keys) {
      const line = note.signatures.find((s) => s.name === k.name && equal(s.keyHash, k.keyHash));
      if (!line) continue;
      if (!(await ed25519Supported())) return { signer: k, ok: null };
      if (line.sig.length !== 64) return { signer: k, ok: false };
      const key = await crypto.subtle.importKey("raw", k.key, { name: "Ed25519" }, false, ["verify"]);
      const ok = await crypto.subtle.verify({ name: "Ed25519" }, key, line.sig, enc.encode(note.text));
      return { signer: k, ok };
    }
    return { signer: null, ok: false };
  }

  /** RFC 8785 canonical JSON of what audit entries hold (integers, never floats). */
  function canonical(v) {
    if (v === null || typeof v !== "object") {
      if (typeof v === "number" && !Number.isSafeInteger(v)) throw new Error("a number that is not a safe integer");
      return JSON.stringify(v);
    }
    if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
    return "{" + Object.keys(v).sort().map((k) => JSON.stringify(k) + ":" + canonical(v[k])).join(",") + "}";
  }

  /** The bytes an audit entry's hash and leaf hash cover: its canonical JSON without hash, kid and signature. */
  function entryBytes(entry) {
    const body = {};
    for (const k of ["seq", "id", "at", "actor", "action", "entity", "payload", "prev_hash"]) {
      if (!(k in entry)) throw new Error("the entry lacks " + k);
      body[k] = entry[k];
    }
    return enc.encode(canonical(body));
  }

  /** The fingerprint of an Ed25519 key: hex SHA-256 of its 32 bytes (what --trust-root takes). */
  const fingerprint = async (key) => hex(await sha256(key));

  return {
    hex, fromHex, fromBase64, sha256, leafHash, nodeHash, verifyInclusion, parseNote,
    parseCheckpoint, parseVkey, checkNote, ed25519Supported, canonical, entryBytes, fingerprint,
  };
})();
