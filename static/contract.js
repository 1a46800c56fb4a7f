// A contract: its fields and parties, its versions with field-by-field differences, its
// reviews, and (for auditors) its audit entries. Registrars of its office amend or void it,
// and a second registrar approves or refuses it while pending; auditors review it. Every write
// carries an Idempotency-Key kept until that form succeeds.
"use strict";

(() => {
  const root = document.getElementById("contract");
  if (!root) return;
  const id = root.dataset.id;
  const me = root.dataset.user;
  const myOffice = document.body.dataset.office;
  const role = document.body.dataset.role;
  const esc = TL.escapeHtml;
  const status = document.getElementById("detail-status");
  let contract = null;
  let codes = null;
  let partyNames = {};

  const dash = `<span class="muted">—</span>`;

  /** A field value of a version, readable. */
  function show(field, v) {
    if (v === null || v === undefined || v === "") return dash;
    switch (field) {
      case "contract_type": return esc(TLP.label(codes.contract_types, v));
      case "subtype": return esc(TLP.subtypeLabel(codes, contract.contract_type, v));
      case "tech_field": return esc(TLP.label(codes.tech_fields, v));
      case "ip_type": return esc(TLP.label(codes.ip_types, v));
      case "status": return TLP.tag("status", v);
      case "contract_amount":
      case "technical_amount":
        return `<span class="num">${esc(TLP.yuan(v))}</span> <span class="muted">(${esc(TL.wan(v))} ${esc(TL.t("common.wan"))})</span>`;
      case "seller_id":
      case "buyer_id":
        return partyNames[v] ? esc(partyNames[v]) : `<span class="mono">${esc(v)}</span>`;
      default: return esc(v);
    }
  }
  const fieldName = (f) => TL.maybe("reg.field." + f) || f;
  const changeName = (c) => TL.maybe("reg.change." + c) || c;
  const actionName = (a) => TL.maybe("aud.action." + a) || a;
  const who = (a) => (a ? (a.display_name && a.display_name !== a.username ? `${a.display_name} (${a.username})` : a.username || a.id) : TL.t("reg.detail.system"));

  function facts(c, versions) {
    const first = versions[0];
    // The approval of the version that stands (none while it waits for a fresh one).
    const approval = c.approved_by ? versions.filter((v) => v.change === "approve").pop() : null;
    const rows = [
      ["reg.col.registration_no", c.registration_no ? `<span class="mono">${esc(c.registration_no)}</span>` : dash],
      ["reg.field.contract_type", show("contract_type", c.contract_type) + (c.subtype ? " · " + show("subtype", c.subtype) : "")],
      ["reg.field.signed_on", show("signed_on", c.signed_on)],
      ["reg.field.valid_until", show("valid_until", c.valid_until)],
      ["reg.field.contract_amount", show("contract_amount", c.contract_amount)],
      ["reg.field.technical_amount", show("technical_amount", c.technical_amount)],
      ["reg.field.tech_field", show("tech_field", c.tech_field)],
      ["reg.field.ip_type", show("ip_type", c.ip_type)],
      ["reg.field.party_contract_no", c.party_contract_no ? esc(c.party_contract_no) : dash],
      ["reg.field.technical_split", c.technical_split
        ? esc(TL.t("reg.field.split_principal")) + " " + esc(TLP.yuan(c.technical_split.principal)) + " · " +
          esc(TL.t("reg.field.split_related")) + " " + esc(TLP.yuan(c.technical_split.related_services))
        : dash],
      ["reg.col.office", esc(TLP.label(codes.offices, c.office))],
      ["reg.detail.flow", esc(TL.t("reg.detail.flow_" + c.flow)) + (c.introduced ? " · " + esc(TL.t("reg.detail.introduced")) : "")],
      // A registration of the past loaded from the office's records was registered before it
      // was recorded here: said in words, so the two times do not read as a contradiction.
      c.historical
        ? ["reg.detail.loaded_by", esc(first ? who(first.actor) : "") + " · " + esc(TLP.time(c.created_at))]
        : ["reg.detail.recorded_by", esc(first ? who(first.actor) : "") + " · " + esc(TLP.time(c.created_at))],
      ["reg.detail.registered_at", c.registered_at
        ? esc(TLP.time(c.registered_at)) + (c.historical ? ` <span class="tag historical">${esc(TL.t("reg.detail.historical"))}</span>` : "")
        : dash],
      ["reg.detail.approved_by", approval ? esc(who(approval.actor)) : c.approved_by_name ? esc(c.approved_by_name) : dash],
      ["reg.detail.version", esc(String(c.version))],
      ["reg.detail.audit_seq", `<span class="mono">${esc(String(c.audit_seq))}</span>`],
    ];
    document.getElementById("c-facts").innerHTML = rows.map(([k, v]) => `<dt>${esc(TL.t(k))}</dt><dd>${v}</dd>`).join("");
  }

  async function parties(c) {
    const box = document.getElementById("c-parties");
    const sides = [["reg.col.seller", c.seller_id, c.seller_name, c.seller_contact], ["reg.col.buyer", c.buyer_id, c.buyer_name, c.buyer_contact]];
    const contact = (ct) => (ct ? `${esc(ct.name)} <span class="mono">${esc(ct.phone)}</span>` : dash);
    const loaded = await Promise.all(sides.map(([, pid]) => TL.api("GET", "/api/v1/parties/" + encodeURIComponent(pid))));
    const names = await Promise.all(loaded.map((r) => (r.ok ? TLP.regionName(r.body.region) : Promise.resolve(""))));
    box.innerHTML = sides.map(([k, pid, name], i) => {
      const p = loaded[i].ok ? loaded[i].body : null;
      const rows = p ? [
        ["reg.party.credit_code", p.credit_code ? `<span class="mono">${esc(p.credit_code)}</span>` : dash],
        ["reg.party.kind", esc(TLP.label(codes.party_kinds, p.kind))],
        ["reg.party.region", esc(names[i] || p.region) + ` <span class="muted mono">${esc(p.region)}</span>`],
        ["reg.party.legal_representative", p.legal_representative ? esc(p.legal_representative) : dash],
        ["reg.party.contact", contact(sides[i][3])],
      ] : [];
      return `<article class="party-box"><h3>${esc(TL.t(k))}</h3><p class="party-title">${esc(name || (p && p.name) || pid)}</p>
        <dl class="facts small">${rows.map(([rk, v]) => `<dt>${esc(TL.t(rk))}</dt><dd>${v}</dd>`).join("")}</dl></article>`;
    }).join("");
  }

  // Fields in the order of the form, whatever order the API sends them in.
  const ORDER = ["registration_no", "status", "title", "contract_type", "subtype", "seller_id", "buyer_id", "signed_on",
    "valid_until", "contract_amount", "technical_amount", "tech_field", "ip_type", "party_contract_no", "seller_contact",
    "buyer_contact", "technical_split"];
  const rank = (f) => { const i = ORDER.indexOf(f); return i < 0 ? ORDER.length : i; };

  function versions(list) {
    document.getElementById("versions").innerHTML = list.slice().reverse().map((v) => {
      const changes = (v.diff || []).slice().sort((x, y) => rank(x.field) - rank(y.field));
      const items = changes.map((d) =>
        `<li><span class="diff-field">${esc(fieldName(d.field))}</span> ` +
        (v.version === 1 ? "" : `<del>${show(d.field, d.from)}</del> → `) + `<ins>${show(d.field, d.to)}</ins></li>`).join("");
      // The first version sets every field: folded, so the changes after it stand out.
      const diff = items && v.version === 1
        ? `<details class="first-version"><summary>${esc(TL.t("reg.detail.all_fields").replace("{n}", String(changes.length)))}</summary><ul class="diff">${items}</ul></details>`
        : items ? `<ul class="diff">${items}</ul>` : "";
      return `<tr data-version="${v.version}">
        <td class="num">${v.version}</td>
        <td>${esc(changeName(v.change))}</td>
        <td>${TLP.tag("status", v.status)}</td>
        <td>${esc(who(v.actor))}</td>
        <td class="nowrap">${esc(TLP.time(v.at))}</td>
        <td>${v.reason ? esc(v.reason) : dash}</td>
        <td>${diff || dash}</td>
        <td class="num mono">${esc(String(v.audit_seq))}</td>
      </tr>`;
    }).join("");
  }

  function reviews(list) {
    const body = document.getElementById("reviews");
    body.innerHTML = list.length ? list.slice().reverse().map((r) => `<tr>
        <td>${TLP.tag("review", r.verdict)}</td>
        <td>${r.note ? esc(r.note) : dash}</td>
        <td class="num">${r.contract_version}</td>
        <td>${esc(who(r.reviewer))}</td>
        <td class="nowrap">${esc(TLP.time(r.at))}</td>
        <td class="num mono">${esc(String(r.audit_seq))}</td>
      </tr>`).join("") : `<tr><td colspan="6" class="muted">${esc(TL.t("reg.detail.no_reviews"))}</td></tr>`;
  }

  async function entries() {
    const body = document.getElementById("entries");
    if (!body) return;
    const r = await TL.api("GET", "/api/v1/audit/entries?limit=500&entity_type=contract&entity_id=" + encodeURIComponent(id));
    if (!r.ok) {
      body.innerHTML = `<tr><td colspan="5">${esc(TLP.problemText(r))}</td></tr>`;
      return;
    }
    body.innerHTML = r.body.items.map((e) => `<tr>
        <td class="num mono">${e.seq}</td>
        <td class="nowrap">${esc(TLP.time(e.at))}</td>
        <td>${esc(e.actor ? e.actor.username : TL.t("reg.detail.system"))}</td>
        <td><span class="mono">${esc(e.action)}</span> ${esc(actionName(e.action))}</td>
        <td><details class="payload"><summary>${esc(TL.t("reg.detail.show_payload"))}</summary>
          <pre>${esc(JSON.stringify(e.payload, null, 2))}</pre>
          <p class="muted mono">hash ${esc(e.hash)}<br>prev ${esc(e.prev_hash)}<br>kid ${esc(e.kid)}</p></details></td>
      </tr>`).join("");
  }

  function head(c) {
    document.title = c.title + " · " + document.title.split(" · ").pop();
    TLP.setText("c-title", c.title);
    TLP.setText("c-crumb", c.registration_no || c.title);
    const number = document.getElementById("c-number");
    number.textContent = c.registration_no || TL.t("reg.new.pending_number");
    number.classList.toggle("muted", !c.registration_no);
    document.getElementById("c-status").innerHTML = TLP.tag("status", c.status);
    document.getElementById("c-review").innerHTML = TLP.tag("review", c.review);
    // Only a registered contract has a registration certificate.
    const certificate = document.getElementById("certificate-link");
    if (certificate) certificate.hidden = c.status !== "registered";
    // Anyone can check a numbered registration on the public verification page.
    const verify = document.getElementById("verify-link");
    if (verify && c.registration_no) {
      verify.href = "/verify?no=" + encodeURIComponent(c.registration_no);
      verify.hidden = false;
    }
  }

  // Registrar actions.
  function registrarActions(c, history) {
    const box = document.getElementById("registrar-actions");
    if (!box) return;
    const mine = c.office === myOffice;
    document.getElementById("other-office").hidden = mine;
    box.hidden = !mine;
    if (!mine) return;
    const open = c.status === "registered" || c.status === "pending";
    document.getElementById("amend-box").hidden = !open;
    document.getElementById("void-box").hidden = !open;
    document.getElementById("closed-note").hidden = open;
    const pending = c.status === "pending";
    document.getElementById("pending-actions").hidden = !pending;
    const wrote = c.created_by === me || TLP.pendingAuthors(history).has(me);
    document.getElementById("own-pending").hidden = !(pending && wrote);
    document.getElementById("decide").hidden = !(pending && !wrote);
    TLP.setText("approve-version", TL.t("reg.detail.approve_version").replace("{n}", String(c.version)));
    fillAmend(c);
  }

  function fillAmend(c) {
    const f = document.getElementById("amend-form");
    const set = (n, v) => { f.elements.namedItem(n).value = v == null ? "" : v; };
    set("title", c.title);
    set("contract_type", c.contract_type);
    syncAmendSubtypes(c.subtype || "");
    set("signed_on", c.signed_on);
    set("valid_until", c.valid_until);
    set("contract_amount", c.contract_amount);
    set("technical_amount", c.technical_amount);
    set("tech_field", c.tech_field);
    set("ip_type", c.ip_type);
    ["contract_amount", "technical_amount"].forEach((n) => TLP.showWan(f.elements.namedItem(n)));
  }

  /**
   * Posts a form's write once per key; on success reloads the contract. On a conflict (the
   * contract changed meanwhile) it reloads too, keeping the message, so what is shown is what
   * the next attempt acts on.
   */
  function wire(formId, path, makeBody, done) {
    const f = document.getElementById(formId);
    if (!f) return;
    let key = null;
    let busy = false;
    f.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (busy) return;
      const body = makeBody(f);
      if (body === null) return;
      busy = true;
      const button = f.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      TLP.clearErrors(f);
      if (!key) key = TL.newKey();
      try {
        const r = await TL.api("POST", path(), body, { "Idempotency-Key": key });
        if (r.ok) {
          key = null;
          f.reset();
          if (done) done(r.body);
          await load();
        } else {
          TLP.showProblem(f, r);
          if (r.status === 409) {
            key = null;
            await load();
          }
        }
      } catch (err) {
        TLP.showProblem(f, { status: 0, body: { detail: TL.t("form.network"), detail_zh: TL.t("form.network") } });
      } finally {
        busy = false;
        if (button) button.disabled = false;
      }
    });
  }

  const base = () => "/api/v1/contracts/" + encodeURIComponent(id);
  const reason = (f) => ({ reason: f.elements.namedItem("reason").value });
  // The approval names the version on the page: if it changed meanwhile, the server refuses.
  wire("approve-form", () => base() + "/approve", () => (TLP.confirmDecision("reg.confirm.approve", contract) ? { version: contract.version } : null), (c) => TLP.announce(status, TL.t("reg.detail.approved").replace("{no}", c.registration_no || ""), "ok"));
  // An empty reason is refused by the server beside the field; a real one is confirmed first.
  const refusal = (f) => {
    const r = reason(f);
    return !r.reason.trim() || TLP.confirmDecision("reg.confirm.refuse", contract, r.reason.trim()) ? r : null;
  };
  wire("refuse-form", () => base() + "/refuse", refusal, () => TLP.announce(status, TL.t("reg.detail.refused"), "ok"));
  wire("void-form", () => base() + "/void", reason, () => TLP.announce(status, TL.t("reg.detail.voided"), "ok"));
  wire("review-form", () => base() + "/reviews", (f) => ({
    verdict: (f.querySelector("input[name=verdict]:checked") || {}).value || "",
    note: f.elements.namedItem("note").value,
  }), (r) => TLP.announce(status, TL.t("reg.detail.reviewed").replace("{verdict}", TL.t("review." + r.verdict)), "ok"));
  wire("amend-form", () => base() + "/amendments", (f) => {
    // Only what changed, and the reason.
    const b = {};
    const v = (n) => f.elements.namedItem(n).value.trim();
    const changed = (n, current) => v(n) !== (current == null ? "" : String(current));
    ["title", "contract_type", "signed_on", "tech_field", "ip_type"].forEach((n) => { if (changed(n, contract[n])) b[n] = v(n); });
    ["contract_amount", "technical_amount"].forEach((n) => { if (TLP.plainAmount(v(n)) !== contract[n]) b[n] = TLP.plainAmount(v(n)); });
    if (changed("subtype", contract.subtype)) b.subtype = v("subtype") || null;
    if (changed("valid_until", contract.valid_until)) b.valid_until = v("valid_until") || null;
    b.reason = f.elements.namedItem("reason").value;
    return b;
  }, () => {
    document.getElementById("amend-box").open = false;
    TLP.announce(status, TL.t("reg.detail.amended"), "ok");
  });

  const amendForm = document.getElementById("amend-form");
  let syncAmendSubtypes = () => {};
  if (amendForm) {
    const f = amendForm.elements;
    syncAmendSubtypes = TLP.subtypeFollower(f.namedItem("contract_type"), f.namedItem("subtype"));
    ["contract_amount", "technical_amount"].forEach((n) => TLP.liveWan(f.namedItem(n)));
  }

  async function load() {
    root.setAttribute("aria-busy", "true");
    const [r, c] = await Promise.all([TL.api("GET", base() + "/history"), TLP.codes()]);
    codes = c;
    if (!r.ok) {
      TLP.setText("c-title", TLP.problemText(r));
      root.dataset.ready = "error";
      root.setAttribute("aria-busy", "false");
      return;
    }
    contract = r.body.contract;
    partyNames = { [contract.seller_id]: contract.seller_name, [contract.buyer_id]: contract.buyer_name };
    head(contract);
    facts(contract, r.body.versions);
    versions(r.body.versions);
    reviews(r.body.reviews);
    registrarActions(contract, r.body.versions);
    const review = document.getElementById("review-box");
    if (review) review.hidden = !(role === "auditor" && (contract.status === "registered" || contract.status === "voided"));
    await Promise.all([parties(contract), entries()]);
    root.dataset.ready = "true";
    root.dataset.status = contract.status;
    root.dataset.review = contract.review;
    root.setAttribute("aria-busy", "false");
    if (location.hash === "#review" && review && !review.hidden) {
      document.getElementById("rv-confirmed").focus();
    }
  }

  load().catch((e) => {
    TLP.announce(status, TL.t("common.error") + ": " + e.message, "error");
    root.dataset.ready = "error";
  });
})();
