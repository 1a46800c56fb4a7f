// 登记技术合同: the contract entry form. Sub-types follow the type; seller and buyer are found
// by name or credit code as one types, or created inline (region picked province → city →
// county); amounts show 万元 live. The form keeps one Idempotency-Key until it succeeds, and a
// draft in sessionStorage, so a double click, a retry or a reloaded page registers once and
// nothing typed is lost when the server refuses it.
// The same form serves an applicant's online submission (data-mode="submission", 网上申报):
// both parties typed in (an applicant cannot search the ledger's parties), the seller's credit
// code the applicant's own, the office and the signed contract sent as multipart to
// /api/v1/submissions — or, correcting submission data-submission, to its /versions, the form
// filled from its current version and the registrar's reasons shown at their fields.
"use strict";

(() => {
  const form = document.getElementById("contract-form");
  if (!form) return;
  // One draft per user and tab: another user signing in here never sees it.
  const submission = form.dataset.mode === "submission";
  const correcting = form.dataset.submission || "";
  const DRAFT = "tl.contract-form.v1." + (form.dataset.user || "") + (submission ? ".submission." + correcting : "");
  const startMode = submission ? "new" : "find";
  const SIDES = ["seller", "buyer"];
  const result = document.getElementById("result");
  const submit = document.getElementById("submit");
  const state = { key: null, busy: false, parties: { seller: { mode: startMode, chosen: null }, buyer: { mode: startMode, chosen: null } } };
  const el = (name) => form.elements.namedItem(name);
  const value = (name) => { const e = el(name); return e && typeof e.value === "string" ? e.value.trim() : ""; };
  const fieldset = (side) => form.querySelector(`fieldset.party[data-side="${side}"]`);

  // Sub-types follow the contract type; 万元 beside each amount, live.
  const typeSelect = el("contract_type");
  const syncSubtypes = TLP.subtypeFollower(typeSelect, el("subtype"));
  const amounts = ["contract_amount", "technical_amount"].map(el);
  amounts.forEach(TLP.liveWan);
  // The technical amount's split is asked for only where the type has one.
  const SPLIT_TYPES = new Set(["development", "transfer", "licensing"]);
  const splitFields = document.getElementById("split-fields");
  const syncSplit = () => { if (splitFields) splitFields.hidden = !SPLIT_TYPES.has(typeSelect.value); };
  typeSelect.addEventListener("change", syncSplit);
  syncSplit();
  const threshold = form.dataset.threshold;
  if (threshold) TLP.setText("threshold-wan", TL.wan(threshold));

  // Region picker: province → city → county, from /api/v1/regions.
  async function fillLevel(select, parent) {
    const placeholder = select.options[0];
    const list = await TLP.regions(parent);
    select.replaceChildren(placeholder);
    for (const r of list) {
      const o = document.createElement("option");
      o.value = r.code;
      o.textContent = TLP.zh() ? r.name_zh : r.name_en;
      o.dataset.children = r.has_children ? "1" : "";
      select.appendChild(o);
    }
    select.value = "";
    select.disabled = list.length === 0;
  }
  function levels(side) {
    return [1, 2, 3].map((l) => document.getElementById(`${side}-${["", "province", "city", "county"][l]}`));
  }
  function clearLevel(select) {
    select.replaceChildren(select.options[0]);
    select.value = "";
    select.disabled = true;
  }
  async function levelChanged(side, level) {
    const sels = levels(side);
    const sel = sels[level - 1];
    for (let l = level; l < 3; l += 1) clearLevel(sels[l]);
    const chosen = sel.selectedOptions[0];
    if (level === 1) {
      const abroad = sel.value === "000000";
      fieldset(side).querySelector(".party-country").hidden = !abroad;
    }
    if (sel.value && chosen && chosen.dataset.children && level < 3) await fillLevel(sels[level], sel.value);
  }
  function regionValue(side) {
    const [p, c, k] = levels(side);
    return k.value || c.value || p.value;
  }
  async function setRegion(side, code) {
    const [p, c, k] = levels(side);
    if (p.options.length <= 1) await fillLevel(p, "");
    if (!code) return;
    const province = code === "000000" ? code : code.slice(0, 2) + "0000";
    p.value = province;
    await levelChanged(side, 1);
    if (code === province) return;
    const city = code.slice(0, 4) + "00";
    if (Array.from(c.options).some((o) => o.value === city)) {
      c.value = city;
      await levelChanged(side, 2);
      if (code !== city) k.value = code;
    } else if (Array.from(c.options).some((o) => o.value === code)) {
      c.value = code;
    }
  }

  // Seller and buyer: find an existing party, or create one inline.
  function describe(p) {
    const kind = TLP.codes().then((c) => TLP.label(c.party_kinds, p.kind));
    return Promise.all([kind, TLP.regionName(p.region)]).then(([k, r]) => [p.credit_code, k, r].filter(Boolean).join(" · "));
  }
  function setMode(side, mode, focus) {
    const fs = fieldset(side);
    const st = state.parties[side];
    st.mode = mode;
    fs.querySelector(".party-chosen").hidden = mode !== "chosen";
    fs.querySelector(".party-find").hidden = mode !== "find";
    fs.querySelector(".party-new").hidden = mode !== "new";
    if (mode === "chosen" && st.chosen) {
      fs.querySelector(".party-name").textContent = st.chosen.name;
      const meta = fs.querySelector(".party-meta");
      meta.textContent = st.chosen.credit_code || "";
      describe(st.chosen).then((text) => { meta.textContent = text; }).catch(() => {});
      if (focus) fs.querySelector(".party-change").focus();
    }
    if (mode === "new") {
      fs.dispatchEvent(new Event("party-mode-new"));
      const [p] = levels(side);
      if (p.options.length <= 1) fillLevel(p, "").catch(() => {});
      if (focus) document.getElementById(side + "-name").focus();
    }
    if (mode === "find" && focus) fs.querySelector(".party-search").focus();
  }

  function setupParty(side) {
    const fs = fieldset(side);
    const search = fs.querySelector(".party-search");
    const list = fs.querySelector(".party-results");
    let timer = null;
    let seq = 0;
    let items = [];
    let active = -1;

    const close = () => {
      list.hidden = true;
      search.setAttribute("aria-expanded", "false");
      search.removeAttribute("aria-activedescendant");
      active = -1;
    };
    const highlight = (i) => {
      active = i;
      list.querySelectorAll("[role=option]").forEach((li, j) => li.setAttribute("aria-selected", j === i ? "true" : "false"));
      if (i >= 0) {
        search.setAttribute("aria-activedescendant", `${side}-opt-${i}`);
        const li = document.getElementById(`${side}-opt-${i}`);
        if (li) li.scrollIntoView({ block: "nearest" });
      }
    };
    const choose = (p) => {
      state.parties[side].chosen = { id: p.id, name: p.name, credit_code: p.credit_code || "", kind: p.kind, region: p.region };
      close();
      search.value = "";
      setMode(side, "chosen", true);
      saveDraft();
    };
    async function lookup() {
      const q = search.value.trim();
      if (q.length < 2) { close(); return; }
      const mine = ++seq;
      const code = /^[0-9A-Za-z]{18}$/.test(q);
      const path = "/api/v1/parties?limit=10&" + (code ? "credit_code=" + encodeURIComponent(q.toUpperCase()) : "q=" + encodeURIComponent(q));
      const r = await TL.api("GET", path);
      if (mine !== seq) return;
      items = r.ok ? r.body.items : [];
      list.replaceChildren();
      items.forEach((p, i) => {
        const li = document.createElement("li");
        li.id = `${side}-opt-${i}`;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        const name = document.createElement("strong");
        name.textContent = p.name;
        const meta = document.createElement("span");
        meta.className = "muted";
        // The region by name (兰山区), never its code; the credit code and kind beside it.
        meta.textContent = " " + (p.credit_code || "");
        describe(p).then((text) => { meta.textContent = " " + text; }).catch(() => {});
        li.append(name, meta);
        li.addEventListener("mousedown", (e) => { e.preventDefault(); choose(p); });
        list.appendChild(li);
      });
      if (!items.length) {
        const li = document.createElement("li");
        li.className = "empty";
        li.textContent = TL.t("reg.new.party_none");
        list.appendChild(li);
      }
      list.hidden = false;
      search.setAttribute("aria-expanded", "true");
      highlight(items.length ? 0 : -1);
    }
    search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => lookup().catch(() => {}), 250);
    });
    search.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown" && items.length) { e.preventDefault(); if (list.hidden) lookup(); else highlight(Math.min(items.length - 1, active + 1)); }
      else if (e.key === "ArrowUp" && items.length) { e.preventDefault(); highlight(Math.max(0, active - 1)); }
      else if (e.key === "Escape") { close(); }
      else if (e.key === "Enter" && !list.hidden) {
        e.preventDefault();
        if (active >= 0 && items[active]) choose(items[active]);
      }
    });
    search.addEventListener("blur", () => setTimeout(close, 150));

    // A new party typed with a credit code already on record: the ledger will use the stored
    // party (its name, kind and region), so the form says so before it is submitted.
    const codeInput = el(side + ".credit_code");
    const existingBox = fs.querySelector(".party-existing");
    let existing = null;
    let codeSeq = 0;
    let codeTimer = null;
    async function checkExisting() {
      const code = codeInput.value.trim().toUpperCase();
      const mine = ++codeSeq;
      existing = null;
      if (!/^[0-9A-Z]{18}$/.test(code)) { existingBox.hidden = true; return; }
      const r = await TL.api("GET", "/api/v1/parties?limit=1&credit_code=" + encodeURIComponent(code));
      if (mine !== codeSeq) return;
      const p = r.ok && r.body.items && r.body.items[0];
      if (!p) { existingBox.hidden = true; return; }
      existing = p;
      const typed = value(side + ".name").trim();
      const key = typed && typed !== p.name ? "reg.new.party_exists_other_name" : "reg.new.party_exists";
      existingBox.querySelector(".party-existing-text").textContent = TL.t(key).replace("{name}", p.name);
      existingBox.hidden = false;
    }
    const recheck = () => {
      clearTimeout(codeTimer);
      existingBox.hidden = true;
      existing = null;
      codeTimer = setTimeout(() => checkExisting().catch(() => {}), 250);
    };
    if (!submission) {
      codeInput.addEventListener("input", recheck);
      el(side + ".name").addEventListener("input", recheck);
      existingBox.querySelector(".party-use-existing").addEventListener("click", () => { if (existing) choose(existing); });
      fs.addEventListener("party-mode-new", recheck);
    }
    fs.querySelector(".party-change").addEventListener("click", () => setMode(side, "find", true));
    fs.querySelector(".party-find-open").addEventListener("click", () => { setMode(side, "find", true); saveDraft(); });
    fs.querySelector(".party-new-open").addEventListener("click", () => {
      // What was typed in the search box seeds the new party: a credit code or a name.
      const typed = search.value.trim();
      if (/^[0-9A-Za-z]{18}$/.test(typed)) el(side + ".credit_code").value = typed.toUpperCase();
      else if (typed && !value(side + ".name")) el(side + ".name").value = typed;
      close();
      setMode(side, "new", true);
      saveDraft();
    });
    levels(side).forEach((sel, i) => sel.addEventListener("change", () => levelChanged(side, i + 1).then(saveDraft)));
  }
  SIDES.forEach(setupParty);

  // The request body.
  function body() {
    const amount = (n) => TLP.plainAmount(value(n));
    const b = {
      title: value("title"),
      contract_type: value("contract_type"),
      signed_on: value("signed_on"),
      contract_amount: amount("contract_amount"),
      technical_amount: amount("technical_amount"),
      tech_field: value("tech_field"),
      ip_type: value("ip_type"),
    };
    if (value("subtype")) b.subtype = value("subtype");
    if (submission) b.office = value("office");
    // Shown after the server found a live contract like this one: the registrar confirms.
    const confirm = document.getElementById("confirm_duplicate");
    if (confirm && confirm.checked) b.confirm_duplicate = true;
    if (value("valid_until")) b.valid_until = value("valid_until");
    // The particulars, each only when given (a contact's name and phone go together).
    if (value("party_contract_no")) b.party_contract_no = value("party_contract_no");
    for (const side of SIDES) {
      const name = value(side + "_contact.name");
      const phone = value(side + "_contact.phone");
      if (name || phone) b[side + "_contact"] = { name, phone };
    }
    if (SPLIT_TYPES.has(b.contract_type) && (value("technical_split.principal") || value("technical_split.related_services"))) {
      b.technical_split = {
        principal: amount("technical_split.principal"),
        related_services: amount("technical_split.related_services"),
      };
    }
    for (const side of SIDES) {
      const st = state.parties[side];
      if (st.mode === "chosen" && st.chosen) {
        b[side + "_id"] = st.chosen.id;
      } else if (st.mode === "new") {
        const p = { name: value(side + ".name"), kind: value(side + ".kind"), region: regionValue(side) };
        const code = value(side + ".credit_code").toUpperCase();
        if (code) p.credit_code = code;
        if (value(side + ".legal_representative")) p.legal_representative = value(side + ".legal_representative");
        if (p.region === "000000" && value(side + ".country")) p.country = value(side + ".country").toUpperCase();
        b[side] = p;
      }
    }
    return b;
  }

  // Where an error the API names appears, given how each party is entered.
  function aliases() {
    const a = {};
    for (const side of SIDES) {
      const mode = state.parties[side].mode;
      const target = mode === "chosen" ? side + "_chosen" : mode === "new" ? side + ".name" : side + "_id";
      a[side + "_id"] = target;
      a[side] = target;
    }
    return a;
  }

  // The draft: every field, how each party is entered, and the idempotency key.
  let saveTimer = null;
  function saveDraft() {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => {
      const values = {};
      for (const e of form.elements) if (e.name && e.type !== "file") values[e.name] = e.value;
      const regions = {};
      SIDES.forEach((s) => { regions[s] = regionValue(s); });
      try {
        sessionStorage.setItem(DRAFT, JSON.stringify({ key: state.key, values, parties: state.parties, regions }));
      } catch (_) { /* storage full or disabled: the form still works */ }
    }, 200);
  }
  function clearDraft() {
    clearTimeout(saveTimer);
    try { sessionStorage.removeItem(DRAFT); } catch (_) { /* ignore */ }
  }
  async function restoreDraft() {
    let draft = null;
    try { draft = JSON.parse(sessionStorage.getItem(DRAFT) || "null"); } catch (_) { draft = null; }
    if (!draft) {
      syncSubtypes("");
      if (submission) SIDES.forEach((side) => setMode(side, "new", false));
      return;
    }
    state.key = draft.key || null;
    for (const [name, v] of Object.entries(draft.values || {})) {
      const e = el(name);
      if (e && name !== "subtype" && e.type !== "file" && !e.readOnly && typeof v === "string") e.value = v;
    }
    syncSubtypes((draft.values || {}).subtype || "");
    syncSplit();
    amounts.forEach(TLP.showWan);
    for (const side of SIDES) {
      const st = (draft.parties || {})[side];
      if (!st) continue;
      state.parties[side] = { mode: st.mode, chosen: st.chosen };
      if (st.mode === "new") await setRegion(side, (draft.regions || {})[side]).catch(() => {});
      setMode(side, st.chosen || st.mode !== "chosen" ? st.mode : "find", false);
    }
  }
  form.addEventListener("input", saveDraft);
  form.addEventListener("change", saveDraft);

  // Submitting.
  function showResult(contract, replayed) {
    const pending = contract.status === "pending";
    TLP.setText("result-kicker", TL.t(pending ? "reg.new.done_pending" : "reg.new.done_registered"));
    const number = document.getElementById("result-number");
    number.textContent = pending ? TL.t("reg.new.pending_number") : contract.registration_no;
    number.classList.toggle("pending", pending);
    document.getElementById("result-status").innerHTML = TLP.tag("status", contract.status) + " " +
      TL.escapeHtml(contract.title) + " · " + TL.escapeHtml(TL.wan(contract.contract_amount)) + " " + TL.escapeHtml(TL.t("common.wan"));
    const notes = [];
    if (pending) notes.push(TL.t("reg.new.pending_note").replace("{wan}", TL.wan(threshold || "0")));
    if (replayed) notes.push(TL.t("reg.new.replayed"));
    TLP.setText("result-note", notes.join(" "));
    document.getElementById("result-link").href = "/contracts/" + encodeURIComponent(contract.id);
    result.dataset.status = contract.status;
    result.dataset.id = contract.id;
    result.hidden = false;
    form.hidden = true;
    result.focus();
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (state.busy) return;
    state.busy = true;
    submit.disabled = true;
    TLP.clearErrors(form);
    TLP.setText("saving", TL.t("form.sending"));
    if (!state.key) state.key = TL.newKey();
    saveDraft();
    try {
      const r = submission ? await send() : await TL.api("POST", "/api/v1/contracts", body(), { "Idempotency-Key": state.key });
      if (r.ok && submission) {
        clearDraft();
        state.key = null;
        window.location.assign("/submissions/" + encodeURIComponent(r.body.id) + "?sent=1");
      } else if (r.ok) {
        clearDraft();
        state.key = null;
        showResult(r.body, r.headers.get("Idempotent-Replayed") === "true");
      } else {
        const duplicate = r.body && (r.body.errors || []).some((e) => e.field === "confirm_duplicate");
        document.getElementById("duplicate-box").hidden = !duplicate;
        TLP.showProblem(form, r, aliases());
      }
    } catch (err) {
      TLP.showProblem(form, { status: 0, body: { detail: TL.t("form.network"), detail_zh: TL.t("form.network") } });
    } finally {
      state.busy = false;
      submit.disabled = false;
      TLP.setText("saving", "");
    }
  });

  // A submission: the form as JSON (part `submission`) and the signed contract (part `file`).
  function send() {
    const data = new FormData();
    data.append("submission", new Blob([JSON.stringify(body())], { type: "application/json" }));
    const file = el("file").files[0];
    if (file) data.append("file", file, file.name);
    const path = correcting ? "/api/v1/submissions/" + encodeURIComponent(correcting) + "/versions" : "/api/v1/submissions";
    return TL.api("POST", path, data, { "Idempotency-Key": state.key });
  }

  // Another file is another request: a new idempotency key, and its size checked at once.
  const fileInput = submission ? el("file") : null;
  if (fileInput) {
    fileInput.addEventListener("change", () => {
      state.key = null;
      const f = fileInput.files[0];
      const max = Number(form.dataset.maxMib || "0") * 1024 * 1024;
      const field = fileInput.closest(".field");
      TLP.clearErrors(field);
      field.classList.remove("invalid");
      fileInput.removeAttribute("aria-invalid");
      if (f && max && f.size > max) {
        TLP.showErrors(form, [{ field: "file", message: TL.t("sub.new.file_too_large"), message_zh: TL.t("sub.new.file_too_large") }]);
      }
    });
  }

  // Correcting a submission: its current version fills the form (unless a draft of this tab
  // has it already) and the registrar's reasons appear at the fields they name.
  async function loadSubmission() {
    const r = await TL.api("GET", "/api/v1/submissions/" + encodeURIComponent(correcting));
    if (!r.ok) { TLP.showProblem(form, r); return false; }
    const current = (r.body.versions || []).find((v) => v.version === r.body.version);
    const f = current ? current.form : {};
    let hasDraft = false;
    try { hasDraft = !!sessionStorage.getItem(DRAFT); } catch (_) { hasDraft = false; }
    if (!hasDraft) {
      for (const name of ["title", "contract_type", "signed_on", "valid_until", "contract_amount", "technical_amount", "tech_field", "ip_type", "office"]) {
        const e = el(name);
        if (e && typeof f[name] === "string") e.value = f[name];
      }
      syncSubtypes(f.subtype || "");
      if (typeof f.party_contract_no === "string") el("party_contract_no").value = f.party_contract_no;
      for (const side of SIDES) {
        const ct = f[side + "_contact"] || {};
        for (const k of ["name", "phone"]) if (typeof ct[k] === "string") el(side + "_contact." + k).value = ct[k];
      }
      const split = f.technical_split || {};
      for (const k of ["principal", "related_services"]) {
        if (typeof split[k] === "string") el("technical_split." + k).value = split[k];
      }
      syncSplit();
      amounts.forEach(TLP.showWan);
      for (const side of SIDES) {
        const p = f[side] || {};
        for (const k of ["name", "kind", "credit_code", "country", "legal_representative"]) {
          const e = el(side + "." + k);
          if (e && typeof p[k] === "string" && !e.readOnly) e.value = p[k];
        }
        state.parties[side] = { mode: "new", chosen: null };
        await setRegion(side, p.region || "").catch(() => {});
        setMode(side, "new", false);
      }
    }
    const d = r.body.decision;
    const reasons = d && d.decision === "returned" ? d.return_reasons || [] : [];
    if (reasons.length) {
      const alias = { seller: "seller.name", buyer: "buyer.name", seller_id: "seller.name", buyer_id: "buyer.name" };
      const errors = reasons.map((x) => ({ field: x.field, message: x.reason, message_zh: x.reason }));
      TLP.showErrors(form, errors, alias);
      const list = document.getElementById("reasons-list");
      list.replaceChildren(...reasons.map((x) => {
        const li = document.createElement("li");
        const label = TL.maybe("reg.field." + x.field) || TL.maybe("sub.field." + x.field) || x.field;
        li.textContent = label + "：" + x.reason;
        li.dataset.field = x.field;
        return li;
      }));
      document.getElementById("reasons").hidden = false;
    }
    return true;
  }

  function resetForm() {
    form.reset();
    TLP.clearErrors(form);
    state.key = null;
    for (const side of SIDES) {
      state.parties[side] = { mode: startMode, chosen: null };
      levels(side).slice(1).forEach(clearLevel);
      levels(side)[0].value = "";
      fieldset(side).querySelector(".party-country").hidden = true;
      setMode(side, startMode, false);
    }
    syncSubtypes("");
    amounts.forEach(TLP.showWan);
    clearDraft();
  }
  document.getElementById("clear").addEventListener("click", () => { resetForm(); typeSelect.focus(); });
  const again = document.getElementById("result-again");
  if (again) {
    again.addEventListener("click", () => {
      resetForm();
      result.hidden = true;
      form.hidden = false;
      typeSelect.focus();
    });
  }

  restoreDraft()
    .then(() => (correcting ? loadSubmission() : null))
    .finally(() => { form.dataset.ready = "true"; });
})();
