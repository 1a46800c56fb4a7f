// The public verification page: a registration number (GET /api/v1/public/registrations/{no}/
// receipt) or a receipt (pasted or uploaded) checked in this browser with tlog.js — the
// checkpoint's signature against the log keys shown with their fingerprints, and the
// inclusion proof from the leaf to the checkpoint's root. A receipt's leaf is computed here
// from its entry, and checked again against the latest checkpoint.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const t = TL.t;
  const zh = TLP.zh;
  const setText = TLP.setText;

  /** One line of the "what was checked" list: state true (passed), false (failed), null (not checked). */
  function check(label, state, detail) {
    const li = document.createElement("li");
    li.className = state === true ? "check-ok" : state === false ? "check-bad" : "check-skip";
    li.dataset.state = state === true ? "ok" : state === false ? "failed" : "skipped";
    const mark = document.createElement("strong");
    mark.textContent = state === true ? "✓ " + t("verify.ok") : state === false ? "✗ " + t("verify.failed") : "– " + t("verify.not_checked");
    li.append(mark, " ", label + (detail ? " — " + detail : ""));
    $("checks").append(li);
    return state !== false;
  }

  function reset() {
    $("result").hidden = false;
    $("checks").replaceChildren();
    $("particulars").replaceChildren();
    $("keys").replaceChildren();
    $("registration").hidden = true;
    $("voided").hidden = true;
    for (const id of ["cp-origin", "cp-size", "cp-root", "cp-at", "entry-seq", "entry-action", "entry-at", "leaf-hash"]) setText(id, "");
  }

  /** The verdict line: kind "good" or "bad". */
  function verdict(kind, text, code) {
    const el = $("verdict");
    el.className = "verdict " + kind;
    el.dataset.verdict = code;
    el.textContent = text;
    $("result").focus();
  }

  function fact(label, value) {
    const dt = document.createElement("dt");
    dt.textContent = label;
    const dd = document.createElement("dd");
    dd.textContent = value;
    $("particulars").append(dt, dd);
  }

  const label = (l) => (l ? (zh() ? l.zh : l.en) : "");
  const party = (p) => p.name + (p.credit_code ? "（" + t("verify.credit_code") + " " + p.credit_code + "）" : "");

  /** Shows what the certificate shows. */
  function showParticulars(no, status, p) {
    $("registration").hidden = false;
    fact(t("verify.no"), no);
    fact(t("verify.status"), label(status));
    if (!p) return;
    fact(t("verify.title_field"), p.title);
    fact(t("verify.contract_type"), label(p.contract_type) + (p.subtype ? " · " + label(p.subtype) : ""));
    fact(t("verify.seller"), party(p.seller));
    fact(t("verify.buyer"), party(p.buyer));
    fact(t("verify.signed_on"), p.signed_on);
    fact(t("verify.contract_amount"), "¥" + TLP.yuan(p.contract_amount));
    fact(t("verify.technical_amount"), "¥" + TLP.yuan(p.technical_amount));
    fact(t("verify.tech_field"), label(p.tech_field));
    fact(t("verify.ip_type"), label(p.ip_type));
    fact(t("verify.office"), label(p.office));
    fact(t("verify.registered_on"), p.registered_on);
  }

  /** Parses the log's vkeys (oldest first) and lists them with their fingerprints. */
  async function showKeys(vkeys) {
    const keys = [];
    for (const v of vkeys) keys.push(Object.assign(await TLOG.parseVkey(v), { vkey: v }));
    for (const [i, k] of keys.entries()) {
      k.fingerprint = await TLOG.fingerprint(k.key);
      const tr = document.createElement("tr");
      tr.dataset.fingerprint = k.fingerprint;
      const cells = [k.vkey, k.fingerprint, i === 0 ? t("verify.key_root") : ""];
      for (const [j, text] of cells.entries()) {
        const td = document.createElement("td");
        const inner = document.createElement(j < 2 ? "code" : "span");
        if (j < 2) inner.className = "hash";
        inner.textContent = text;
        td.append(inner);
        tr.append(td);
      }
      $("keys").append(tr);
    }
    if (keys.length) {
      setText("cli", "techledger verify receipt receipt.json --trust-root " + keys[0].fingerprint);
    }
    return keys;
  }

  function markSigner(keys, signer) {
    if (!signer) return;
    const i = keys.indexOf(signer);
    const cell = $("keys").children[i] && $("keys").children[i].lastChild;
    if (cell) cell.append((cell.textContent ? " · " : "") + t("verify.key_signed"));
  }

  /** Checks a checkpoint note: origin, format and signature. Returns its body, or null when it fails. */
  async function checkCheckpoint(noteText, origin, keys, labels) {
    let note;
    let body;
    try {
      note = TLOG.parseNote(noteText);
      body = TLOG.parseCheckpoint(note.text);
    } catch (e) {
      check(t(labels.origin), false, e.message);
      return null;
    }
    if (!check(t(labels.origin), body.origin === origin, body.origin === origin ? "" : body.origin)) return null;
    const signed = await TLOG.checkNote(note, keys);
    if (signed.ok === null) {
      check(t("verify.check.signature_unsupported"), null);
    } else if (!check(t(labels.signature), signed.ok)) {
      return null;
    }
    markSigner(keys, signed.signer);
    return body;
  }

  function showCheckpoint(origin, body, at) {
    setText("cp-origin", origin);
    setText("cp-size", body.size);
    setText("cp-root", TLOG.hex(body.root));
    setText("cp-at", at ? TLP.time(at) : "");
  }

  function showEntry(seq, action, at, leaf) {
    setText("entry-seq", "seq " + seq);
    setText("entry-action", action);
    setText("entry-at", TLP.time(at));
    setText("leaf-hash", leaf);
  }

  /** Checks an inclusion proof ({leaf_index, tree_size, hashes}) of `leaf` against a checkpoint body. */
  async function checkInclusion(proof, seq, leaf, body, labelKey) {
    const path = (proof.hashes || []).map(TLOG.fromHex);
    const shaped = proof.leaf_index === seq - 1 && proof.tree_size === body.size && path.every(Boolean);
    const ok = shaped && (await TLOG.verifyInclusion(seq - 1, body.size, leaf, path, body.root));
    return check(t(labelKey), ok, ok ? "" : "tree size " + body.size);
  }

  /** Where the latest checkpoint's time is read: the JWS checkpoint beside it (public). */
  async function latestTime() {
    const res = await fetch("/log/checkpoint", { headers: { Accept: "text/plain" } });
    return res.ok ? res.text() : null;
  }

  async function byNumber(raw) {
    reset();
    const no = String(raw || "").replace(/\s+/g, "");
    if (!/^[0-9]{16}$/.test(no)) {
      verdict("bad", t("verify.verdict.bad_no"), "bad_no");
      return;
    }
    const res = await TL.api("GET", "/api/v1/public/registrations/" + encodeURIComponent(no) + "/receipt");
    if (res.status === 404) return verdict("bad", t("verify.verdict.not_found"), "not_found");
    if (res.status === 422) return verdict("bad", t("verify.verdict.bad_no"), "bad_no");
    if (res.status === 429) return verdict("bad", t("verify.throttled"), "throttled");
    if (!res.ok) return verdict("bad", t("verify.unreadable"), "unreadable");
    const r = res.body;
    showParticulars(r.registration_no, r.status, r.particulars);
    $("voided").hidden = r.status.code !== "voided";
    showEntry(r.entry.seq, r.entry.action, r.entry.at, r.inclusion.leaf_hash);
    const keys = await showKeys(r.log_keys);
    const body = await checkCheckpoint(r.checkpoint, r.origin, keys, { origin: "verify.check.origin", signature: "verify.check.signature" });
    if (!body) return verdict("bad", t("verify.verdict.tampered") + t("verify.check.signature"), "tampered");
    showCheckpoint(r.origin, body, r.checkpoint_at);
    check(t("verify.check.leaf_withheld"), null);
    const leaf = TLOG.fromHex(r.inclusion.leaf_hash);
    if (!leaf || r.inclusion.seq !== r.entry.seq || !(await checkInclusion(r.inclusion, r.entry.seq, leaf, body, "verify.check.inclusion"))) {
      return verdict("bad", t("verify.verdict.tampered") + t("verify.check.inclusion"), "tampered");
    }
    verdict("good", t("verify.verdict.included"), "included");
  }

  async function byReceipt(text) {
    reset();
    let r;
    try {
      r = JSON.parse(text);
    } catch (_) {
      return verdict("bad", t("verify.bad_json"), "bad_receipt");
    }
    if (!r || typeof r !== "object" || !r.entry || !r.inclusion || typeof r.checkpoint !== "string" || typeof r.origin !== "string") {
      return verdict("bad", t("verify.bad_receipt"), "bad_receipt");
    }
    const e = r.entry;
    const state = e.payload && e.payload.state;
    if (state && state.registration_no) {
      showParticulars(state.registration_no, null, null);
    }
    // The leaf, from the entry's own bytes.
    let bytes;
    try {
      bytes = TLOG.entryBytes(e);
    } catch (err) {
      return verdict("bad", t("verify.verdict.tampered") + err.message, "tampered");
    }
    const leaf = await TLOG.leafHash(bytes);
    showEntry(e.seq, e.action, e.at, TLOG.hex(leaf));
    check(t("verify.check.leaf"), true);
    if (!check(t("verify.check.entry_hash"), TLOG.hex(await TLOG.sha256(bytes)) === e.hash)) {
      return verdict("bad", t("verify.verdict.tampered") + t("verify.check.entry_hash"), "tampered");
    }
    const keysRes = await TL.api("GET", "/log/keys");
    if (!keysRes.ok) return verdict("bad", t("verify.unreadable"), "unreadable");
    const keys = await showKeys(keysRes.body.vkeys || []);
    const origin = keysRes.body.origin;
    const body = await checkCheckpoint(r.checkpoint, origin, keys, { origin: "verify.check.origin", signature: "verify.check.signature" });
    if (!body) return verdict("bad", t("verify.verdict.tampered") + t("verify.check.signature"), "tampered");
    if (!(await checkInclusion(r.inclusion, e.seq, leaf, body, "verify.check.inclusion"))) {
      showCheckpoint(origin, body, null);
      return verdict("bad", t("verify.verdict.tampered") + t("verify.check.inclusion"), "tampered");
    }
    // The same leaf in the latest checkpoint: the log still holds it.
    const latestNote = await latestTime();
    if (latestNote === null) return verdict("bad", t("verify.unreadable"), "unreadable");
    const latest = await checkCheckpoint(latestNote, origin, keys, { origin: "verify.check.origin", signature: "verify.check.latest_signature" });
    if (!latest) return verdict("bad", t("verify.verdict.tampered") + t("verify.check.latest_signature"), "tampered");
    showCheckpoint(origin, latest, null);
    const proof = await TL.api("GET", "/api/v1/audit/proof/inclusion?seq=" + e.seq + "&tree_size=" + latest.size);
    if (!proof.ok || !(await checkInclusion(proof.body, e.seq, leaf, latest, "verify.check.latest"))) {
      return verdict("bad", t("verify.verdict.not_in_latest"), "not_in_latest");
    }
    verdict("good", t("verify.verdict.included"), "included");
  }

  const guard = (work) => work.catch((err) => verdict("bad", t("verify.verdict.tampered") + (err && err.message ? err.message : String(err)), "tampered"));

  $("by-number").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const no = $("no").value.trim();
    history.replaceState(null, "", "/verify?no=" + encodeURIComponent(no));
    guard(byNumber(no));
  });
  $("by-receipt").addEventListener("submit", (ev) => {
    ev.preventDefault();
    guard(byReceipt($("receipt-text").value));
  });
  $("receipt-file").addEventListener("change", async () => {
    const file = $("receipt-file").files[0];
    if (!file) return;
    $("receipt-text").value = await file.text();
    guard(byReceipt($("receipt-text").value));
  });
  if ($("no").value) guard(byNumber($("no").value));
})();
