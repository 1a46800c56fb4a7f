// 待激活申请人: the applicants who signed up with the registrar's office and wait. Activating
// one (after a confirmation naming them and their credit code) lets them sign in and submit.
// Below, a registrar creates an active applicant of their office for someone at the counter.
"use strict";

(() => {
  const root = document.getElementById("applicants");
  if (!root) return;
  const esc = TL.escapeHtml;
  const rows = document.getElementById("applicant-rows");
  const status = document.getElementById("appl-status");
  const shown = new Map();

  async function load() {
    const r = await TL.api("GET", "/api/v1/applicants?active=false");
    root.setAttribute("aria-busy", "false");
    if (!r.ok) {
      TLP.announce(status, TLP.problemText(r), "error");
      root.dataset.ready = "error";
      return;
    }
    const items = r.body.items || [];
    items.forEach((u) => shown.set(u.id, u));
    rows.innerHTML = items.length
      ? items.map((u) => `<tr data-id="${esc(u.id)}" data-username="${esc(u.username)}">
          <td class="mono">${esc(u.username)}</td>
          <td>${esc(u.display_name)}</td>
          <td class="mono">${esc(u.credit_code || "")}</td>
          <td class="nowrap">${esc(TLP.time(u.created_at))}</td>
          <td class="decision"><button type="button" class="btn btn-primary btn-small activate">${esc(TL.t("sub.appl.activate"))}</button></td>
        </tr>`).join("")
      : `<tr><td colspan="5" class="muted">${esc(TL.t("sub.appl.empty"))}</td></tr>`;
    root.dataset.count = String(items.length);
    root.dataset.ready = "true";
  }

  rows.addEventListener("click", async (e) => {
    const button = e.target.closest("button.activate");
    if (!button) return;
    const row = button.closest("tr");
    const u = shown.get(row.dataset.id);
    const text = TL.t("sub.appl.confirm").replace("{user}", u.display_name + "（" + u.username + "）").replace("{code}", u.credit_code || "");
    if (!window.confirm(text)) return;
    button.disabled = true;
    const r = await TL.api("POST", "/api/v1/applicants/" + encodeURIComponent(u.id) + "/activate");
    if (r.ok) {
      row.querySelector("td.decision").textContent = TL.t("sub.appl.activated_cell");
      row.classList.add("decided");
      TLP.announce(status, TL.t("sub.appl.activated").replace("{user}", u.username), "ok");
    } else {
      button.disabled = false;
      TLP.announce(status, TLP.problemLine(r), "error");
    }
  });

  // At the counter: an active applicant of this office (one idempotency key until it succeeds).
  const create = document.getElementById("create-form");
  let createKey = null;
  create.addEventListener("input", () => { createKey = null; });
  create.addEventListener("submit", async (e) => {
    e.preventDefault();
    TLP.clearErrors(create);
    const value = (n) => create.elements.namedItem(n).value;
    const body = {
      username: value("username").trim(),
      password: value("password"),
      display_name: value("display_name").trim(),
      credit_code: value("credit_code").trim().toUpperCase(),
    };
    if (!createKey) createKey = TL.newKey();
    const button = document.getElementById("create-submit");
    button.disabled = true;
    const r = await TL.api("POST", "/api/v1/applicants", body, { "Idempotency-Key": createKey });
    button.disabled = false;
    if (r.ok) {
      createKey = null;
      create.reset();
      TLP.announce(status, TL.t("sub.appl.created").replace("{user}", r.body.username), "ok");
      status.dataset.created = r.body.username;
    } else {
      TLP.showProblem(create, r);
    }
  });

  load().catch((err) => {
    TLP.announce(status, TL.t("common.error") + ": " + err.message, "error");
    root.dataset.ready = "error";
  });
})();
