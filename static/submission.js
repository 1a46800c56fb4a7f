// 申报详情: one submission with every version of its form and file and every decision. The
// applicant sees the reasons of a return at the fields they name (and corrects it: the edit
// page), the reason of a refusal, and once accepted the certificate of the registered contract.
// A registrar of the office reads the version, opens its file and accepts it (registered with a
// number, or pending approval when large; a duplicate of a live contract is registered only
// after "register anyway"), returns it with a reason per field, or refuses it with a reason.
"use strict";

(() => {
  const root = document.getElementById("submission");
  if (!root) return;
  const id = root.dataset.id;
  const isApplicant = root.dataset.applicant === "true";
  const isRegistrar = root.dataset.registrar === "true";
  const esc = TL.escapeHtml;
  const status = document.getElementById("sub-status");
  const base = "/api/v1/submissions/" + encodeURIComponent(id);
  let current = null;
  let codes = {};

  /** The form fields a return may name, in the order of the form. */
  const FIELDS = ["title", "contract_type", "subtype", "seller.name", "seller.credit_code", "seller.kind", "seller.region",
    "buyer.name", "buyer.credit_code", "buyer.kind", "buyer.region", "signed_on", "valid_until", "contract_amount",
    "technical_amount", "tech_field", "ip_type", "office", "file"];

  function fieldLabel(f) {
    const [head, sub] = f.split(".");
    if (sub && (head === "seller" || head === "buyer")) return TL.t("reg.col." + head) + " · " + (TL.maybe("reg.party." + sub) || sub);
    return TL.maybe("reg.field." + f) || TL.maybe("sub.field." + f) || f;
  }

  /** The shown value of a field of a stored form. */
  async function fieldValue(form, f, v) {
    const [head, sub] = f.split(".");
    const val = sub ? (form[head] || {})[sub] : form[f];
    if (val == null || val === "") return "—";
    switch (f) {
      case "contract_type": return TLP.label(codes.contract_types, val);
      case "subtype": return TLP.subtypeLabel(codes, form.contract_type, val);
      case "tech_field": return TLP.label(codes.tech_fields, val);
      case "ip_type": return TLP.label(codes.ip_types, val);
      case "office": return TLP.label(codes.offices, val);
      case "seller.kind": case "buyer.kind": return TLP.label(codes.party_kinds, val);
      case "seller.region": case "buyer.region": return TLP.regionName(val).catch(() => val);
      case "contract_amount": case "technical_amount": return TLP.yuan(val) + " " + TL.t("sub.detail.yuan") + "（" + TLP.wan(val) + " " + TL.t("common.wan") + "）";
      default: return String(val);
    }
  }

  function fileLink(v) {
    const f = v.file;
    const size = f.size >= 1048576 ? (f.size / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(f.size / 1024)) + " KB";
    const href = base + "/versions/" + v.version + "/file";
    return `<a class="file-link" href="${esc(href)}" target="_blank" rel="noopener">${esc(f.name || TL.t("sub.detail.file_download"))}</a>
      <span class="muted">${esc(String(f.kind).toUpperCase())} · ${esc(size)} · SHA-256 <span class="mono hash">${esc(f.sha256.slice(0, 16))}…</span></span>`;
  }

  function decisionText(d) {
    if (!d) return "";
    const when = TLP.time(d.decided_at);
    if (d.decision === "returned") return `<p>${TLP.tag("status", "returned")} <span class="muted">${esc(when)}</span></p>`;
    if (d.decision === "refused") return `<p>${TLP.tag("status", "refused")} <span class="muted">${esc(when)}</span></p><p class="reason refusal">${esc(TL.t("sub.detail.refusal_reason"))}：${esc(d.refusal_reason || "")}</p>`;
    return `<p>${TLP.tag("status", d.decision)} <span class="muted">${esc(when)}</span></p>`;
  }

  async function versionHtml(v, decision) {
    const reasons = new Map(((decision && decision.return_reasons) || []).map((x) => [x.field, x.reason]));
    // A reason naming a whole party (`seller`) marks its name.
    for (const side of ["seller", "buyer"]) if (reasons.has(side) && !reasons.has(side + ".name")) reasons.set(side + ".name", reasons.get(side));
    const rows = [];
    for (const f of FIELDS) {
      const value = f === "file" ? fileLink(v) : esc(await fieldValue(v.form, f, v));
      const reason = reasons.get(f);
      rows.push(`<div class="fact${reason ? " returned-field" : ""}" data-field="${esc(f)}"><dt>${esc(fieldLabel(f))}</dt><dd>${value}${reason
        ? `<span class="reason" role="note">${esc(TL.t("sub.detail.reason"))}：${esc(reason)}</span>` : ""}</dd></div>`);
    }
    const other = Array.from(reasons.entries()).filter(([f]) => !FIELDS.includes(f) && f !== "seller" && f !== "buyer");
    const otherHtml = other.length ? `<ul class="reasons">${other.map(([f, r]) => `<li data-field="${esc(f)}">${esc(fieldLabel(f))}：${esc(r)}</li>`).join("")}</ul>` : "";
    return `<article class="version" data-version="${esc(String(v.version))}">
        <h3>${esc(TL.t("sub.detail.version").replace("{n}", String(v.version)))} <span class="muted">${esc(TLP.time(v.submitted_at))}</span></h3>
        ${decisionText(decision)}
        <dl class="facts">${rows.join("")}</dl>
        ${otherHtml}
      </article>`;
  }

  async function show() {
    root.dataset.ready = "";
    const r = await TL.api("GET", base);
    root.setAttribute("aria-busy", "false");
    if (!r.ok) {
      TLP.announce(status, TLP.problemText(r), "error");
      root.dataset.ready = "error";
      return;
    }
    const s = r.body;
    current = s;
    codes = await TLP.codes().catch(() => ({}));
    TLP.setText("sub-title", s.title || TL.t("sub.detail.title"));
    const facts = [
      [TL.t("sub.col.status"), TLP.tag("status", s.status)],
      [TL.t("sub.col.version"), esc(String(s.version))],
      [TL.t("sub.field.office"), esc(TLP.label(codes.offices, s.office))],
      [TL.t("sub.col.submitted"), esc(TLP.time(s.created_at))],
      [TL.t("sub.col.updated"), esc(TLP.time(s.updated_at))],
    ];
    if (s.working_days_waiting != null) {
      facts.push([TL.t("sub.col.waiting"), esc(String(s.working_days_waiting)) + (s.overdue ? ` <span class="tag tag-overdue">${esc(TL.t("sub.queue.overdue"))}</span>` : "")]);
    }
    document.getElementById("sub-facts").innerHTML = facts.map(([k, v]) => `<div class="fact"><dt>${esc(k)}</dt><dd>${v}</dd></div>`).join("");
    root.dataset.status = s.status;
    root.dataset.version = String(s.version);

    // What happened to the current version, and what the reader can do next.
    const outcome = [];
    const d = s.decision;
    if (s.status === "returned" && d) {
      outcome.push(`<div class="alert alert-warn" id="return-reasons"><p>${esc(TL.t(isApplicant ? "sub.detail.returned_applicant" : "sub.detail.returned"))}</p><ul>${(d.return_reasons || [])
        .map((x) => `<li data-field="${esc(x.field)}"><strong>${esc(fieldLabel(x.field))}</strong>：${esc(x.reason)}</li>`).join("")}</ul></div>`);
    }
    if (s.status === "refused" && d) {
      outcome.push(`<div class="alert alert-error" id="refusal"><p>${esc(TL.t("sub.detail.refused"))}</p><p class="reason refusal">${esc(d.refusal_reason || "")}</p></div>`);
    }
    if (s.status === "accepted" && s.contract_id) {
      const cert = "/api/v1/contracts/" + encodeURIComponent(s.contract_id) + "/certificate.pdf";
      outcome.push(`<div class="alert alert-ok" id="accepted"><p>${esc(TL.t("sub.detail.accepted"))}</p><p>${isApplicant
        ? `<a class="btn btn-primary" id="certificate" href="${esc(cert)}">${esc(TL.t("sub.detail.certificate"))}</a> <span class="muted">${esc(TL.t("sub.detail.certificate_note"))}</span>`
        : `<a class="btn" id="contract-link" href="/contracts/${encodeURIComponent(s.contract_id)}">${esc(TL.t("sub.detail.open_contract"))}</a>`}</p></div>`);
    }
    document.getElementById("sub-outcome").innerHTML = outcome.join("");

    const byVersion = new Map((s.decisions || []).map((x) => [x.version, x]));
    const versions = (s.versions || []).slice().sort((a, b) => b.version - a.version);
    const html = [];
    for (const v of versions) html.push(await versionHtml(v, byVersion.get(v.version)));
    document.getElementById("versions").innerHTML = html.join("");

    const waiting = s.status === "submitted" || s.status === "returned";
    const actions = document.getElementById("applicant-actions");
    if (actions) actions.hidden = !(isApplicant && waiting);
    const decide = document.getElementById("decide");
    if (decide) {
      decide.hidden = !(isRegistrar && s.status === "submitted");
      TLP.setText("decide-version", TL.t("sub.detail.decide_version").replace("{n}", String(s.version)));
      fillReturnFields();
    }
    root.dataset.ready = "true";
  }

  // Registrars: accept, return with reasons per field, refuse with a reason.
  function fillReturnFields() {
    const box = document.getElementById("return-fields");
    if (!box || box.childElementCount) return;
    box.innerHTML = FIELDS.map((f, i) => `<div class="return-field" data-field="${esc(f)}">
        <label class="check"><input type="checkbox" id="rf-${i}" value="${esc(f)}"> ${esc(fieldLabel(f))}</label>
        <label class="sr-only" for="rr-${i}">${esc(TL.t("sub.detail.reason"))}</label>
        <input id="rr-${i}" class="return-reason" maxlength="1000" autocomplete="off" placeholder="${esc(TL.t("sub.detail.reason_placeholder"))}" hidden>
      </div>`).join("");
    box.addEventListener("change", (e) => {
      if (e.target.type !== "checkbox") return;
      const reason = e.target.closest(".return-field").querySelector(".return-reason");
      reason.hidden = !e.target.checked;
      if (e.target.checked) reason.focus();
    });
  }

  function toggle(buttonId, formId) {
    const button = document.getElementById(buttonId);
    if (!button) return;
    button.addEventListener("click", () => {
      const form = document.getElementById(formId);
      form.hidden = !form.hidden;
      button.setAttribute("aria-expanded", String(!form.hidden));
      if (!form.hidden) { const first = form.querySelector("input, textarea"); if (first) first.focus(); }
    });
  }
  toggle("return-open", "return-form");
  toggle("refuse-open", "refuse-form");

  async function decided(r, message) {
    await show();
    TLP.announce(status, message, "ok");
    status.focus();
  }

  const accept = document.getElementById("accept");
  if (accept) {
    accept.addEventListener("click", async () => {
      const title = current.title || "";
      if (!window.confirm(TL.t("sub.detail.accept_confirm").replace("{title}", title).replace("{amount}", TLP.money(current.contract_amount || "0")))) return;
      accept.disabled = true;
      let body = { version: current.version };
      let r = await TL.api("POST", base + "/accept", body);
      const duplicate = r.status === 422 && r.body && (r.body.errors || []).some((e) => e.field === "confirm_duplicate");
      if (duplicate) {
        const which = (r.body.errors || []).filter((e) => e.field === "confirm_duplicate").map(TLP.fieldMessage).join("；");
        if (window.confirm(TL.t("sub.detail.duplicate_confirm").replace("{detail}", which))) {
          body = { version: current.version, confirm_duplicate: true };
          r = await TL.api("POST", base + "/accept", body);
        } else {
          accept.disabled = false;
          TLP.announce(status, which, "error");
          return;
        }
      }
      accept.disabled = false;
      if (r.ok) {
        const c = r.body.contract || {};
        const message = c.status === "pending"
          ? TL.t("sub.detail.accepted_pending")
          : TL.t("sub.detail.accepted_no").replace("{no}", c.registration_no || "");
        await decided(r, message);
        status.dataset.registrationNo = c.registration_no || "";
      } else {
        TLP.announce(status, TLP.problemLine(r), "error");
        if (r.status === 409) await show();
      }
    });
  }

  const returnForm = document.getElementById("return-form");
  if (returnForm) {
    returnForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      TLP.clearErrors(returnForm);
      const reasons = Array.from(returnForm.querySelectorAll(".return-field")).filter((x) => x.querySelector("input[type=checkbox]").checked)
        .map((x) => ({ field: x.dataset.field, reason: x.querySelector(".return-reason").value.trim() }));
      if (!reasons.length) {
        TLP.showProblem(returnForm, { status: 422, body: { errors: [{ field: "reasons", message: TL.t("sub.detail.pick_fields"), message_zh: TL.t("sub.detail.pick_fields") }] } });
        return;
      }
      const button = returnForm.querySelector("button[type=submit]");
      button.disabled = true;
      const r = await TL.api("POST", base + "/return", { version: current.version, reasons });
      button.disabled = false;
      if (r.ok) {
        returnForm.hidden = true;
        await decided(r, TL.t("sub.detail.returned_done"));
      } else {
        TLP.showProblem(returnForm, r);
      }
    });
  }

  const refuseForm = document.getElementById("refuse-form");
  if (refuseForm) {
    refuseForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      TLP.clearErrors(refuseForm);
      const why = refuseForm.elements.namedItem("reason").value.trim();
      // An empty reason is refused by the server beside the field; a real one is confirmed first.
      if (why && !window.confirm(TL.t("sub.detail.refuse_confirm").replace("{title}", current.title || "").replace("{reason}", why))) return;
      const button = refuseForm.querySelector("button[type=submit]");
      button.disabled = true;
      const r = await TL.api("POST", base + "/refuse", { version: current.version, reason: why });
      button.disabled = false;
      if (r.ok) {
        refuseForm.hidden = true;
        await decided(r, TL.t("sub.detail.refused_done"));
      } else {
        TLP.showProblem(refuseForm, r);
      }
    });
  }

  if (new URLSearchParams(window.location.search).get("sent") === "1") {
    TLP.announce(status, TL.t("sub.detail.sent"), "ok");
  }
  show().catch((err) => {
    TLP.announce(status, TL.t("common.error") + ": " + err.message, "error");
    root.dataset.ready = "error";
  });
})();
