// 用户管理: list, create, deactivate/reactivate users, change role, office and name, reset a
// password. Every change is a call to the users API, which audits it; the API's refusals
// (password rules, the last admin, a taken username) appear next to the field they name.
"use strict";

(() => {
  const root = document.getElementById("users");
  if (!root) return;
  const me = root.dataset.me;
  const esc = TL.escapeHtml;
  const body = document.getElementById("user-rows");
  const status = document.getElementById("users-status");
  const createForm = document.getElementById("create-form");
  const roleOptions = Array.from(document.getElementById("u-role").options).map((o) => [o.value, o.textContent]);
  const officeOptions = Array.from(document.getElementById("u-office").options).map((o) => [o.value, o.textContent]);
  const officeName = (code) => (officeOptions.find(([c]) => c === code) || [code, code])[1];
  const roleName = (code) => (roleOptions.find(([c]) => c === code) || [code, code])[1];
  const options = (list, selected) => list.map(([v, l]) => `<option value="${esc(v)}"${v === (selected || "") ? " selected" : ""}>${esc(l)}</option>`).join("");
  let users = [];

  function row(u) {
    const self = u.id === me;
    return `<tr data-id="${esc(u.id)}" data-username="${esc(u.username)}" class="${u.active ? "" : "inactive"}">
        <td class="mono">${esc(u.username)}${self ? ` <span class="tag">${esc(TL.t("adm.users.you"))}</span>` : ""}</td>
        <td>${esc(u.display_name)}</td>
        <td>${esc(roleName(u.role))}</td>
        <td>${u.office ? esc(officeName(u.office)) : `<span class="muted">—</span>`}</td>
        <td><span class="tag ${u.active ? "tag-registered" : "tag-voided"}">${esc(TL.t(u.active ? "adm.users.active" : "adm.users.inactive"))}</span></td>
        <td class="nowrap">${esc(TLP.time(u.updated_at))}</td>
        <td class="row-actions">
          <button type="button" class="btn btn-small edit" aria-expanded="false" aria-controls="edit-${esc(u.id)}">${esc(TL.t("adm.users.edit"))}</button>
          <button type="button" class="btn btn-small ${u.active ? "btn-danger deactivate" : "reactivate"}">${esc(TL.t(u.active ? "adm.users.deactivate" : "adm.users.reactivate"))}</button>
        </td>
      </tr>
      <tr class="edit-row" id="edit-${esc(u.id)}" hidden><td colspan="7">
        <div class="edit-forms">
          <form class="user-edit" data-id="${esc(u.id)}" novalidate>
            <h3>${esc(TL.t("adm.edit.title"))}</h3>
            <p class="alert alert-error form-alert" role="alert" tabindex="-1" hidden></p>
            <div class="form-grid">
              <div class="field"><label for="e-name-${esc(u.id)}">${esc(TL.t("adm.field.display_name"))}</label>
                <input id="e-name-${esc(u.id)}" name="display_name" value="${esc(u.display_name)}" maxlength="100">
                <p class="error" data-error-for="display_name" hidden></p></div>
              <div class="field"><label for="e-role-${esc(u.id)}">${esc(TL.t("adm.field.role"))}</label>
                <select id="e-role-${esc(u.id)}" name="role">${options(roleOptions, u.role)}</select>
                <p class="error" data-error-for="role" hidden></p></div>
              <div class="field"><label for="e-office-${esc(u.id)}">${esc(TL.t("adm.field.office"))}</label>
                <select id="e-office-${esc(u.id)}" name="office">${options(officeOptions, u.office)}</select>
                <p class="error" data-error-for="office" hidden></p></div>
            </div>
            <p class="hint">${esc(TL.t("adm.edit.revokes"))}</p>
            <div class="actions"><button type="submit" class="btn btn-primary btn-small">${esc(TL.t("adm.edit.save"))}</button></div>
          </form>
          <form class="user-password" data-id="${esc(u.id)}" novalidate>
            <h3>${esc(TL.t("adm.password.title"))}</h3>
            <p class="alert alert-error form-alert" role="alert" tabindex="-1" hidden></p>
            <div class="field"><label for="e-pw-${esc(u.id)}">${esc(TL.t("adm.password.new"))}</label>
              <input id="e-pw-${esc(u.id)}" name="password" type="password" autocomplete="new-password">
              <p class="hint">${esc(TL.t("adm.field.password_hint"))}</p>
              <p class="error" data-error-for="password" hidden></p></div>
            <div class="actions"><button type="submit" class="btn btn-small">${esc(TL.t("adm.password.submit"))}</button></div>
          </form>
        </div>
      </td></tr>`;
  }

  async function load() {
    root.setAttribute("aria-busy", "true");
    const r = await TL.api("GET", "/api/v1/users");
    root.setAttribute("aria-busy", "false");
    if (!r.ok) {
      TLP.announce(status, TLP.problemText(r), "error");
      root.dataset.ready = "error";
      return;
    }
    users = r.body.items;
    body.innerHTML = users.map(row).join("");
    root.dataset.ready = "true";
    root.dataset.count = String(users.length);
  }

  async function patch(id, change, form) {
    const r = await TL.api("PATCH", "/api/v1/users/" + encodeURIComponent(id), change);
    if (!r.ok) {
      if (form) TLP.showProblem(form, r);
      else TLP.announce(status, TLP.problemText(r), "error");
      return null;
    }
    return r.body;
  }

  const nameOf = (id) => (users.find((u) => u.id === id) || {}).username || id;

  body.addEventListener("click", async (e) => {
    const button = e.target.closest("button");
    if (!button || button.type === "submit") return;
    const tr = button.closest("tr[data-id]");
    if (!tr) return;
    const id = tr.dataset.id;
    if (button.classList.contains("edit")) {
      const edit = document.getElementById("edit-" + id);
      edit.hidden = !edit.hidden;
      button.setAttribute("aria-expanded", String(!edit.hidden));
      if (!edit.hidden) edit.querySelector("input").focus();
      return;
    }
    const active = button.classList.contains("reactivate");
    if (active || button.classList.contains("deactivate")) {
      if (!active && !window.confirm(TL.t("adm.users.confirm_deactivate").replace("{user}", nameOf(id)))) return;
      button.disabled = true;
      const done = await patch(id, { active });
      button.disabled = false;
      if (done) {
        TLP.announce(status, TL.t(active ? "adm.users.reactivated" : "adm.users.deactivated").replace("{user}", nameOf(id)) + " · " + TL.t("adm.users.audit_seq").replace("{seq}", String(done.audit_seq)), "ok");
        await load();
        const again = body.querySelector(`tr[data-id="${CSS.escape(id)}"] .row-actions button:last-child`);
        if (again) again.focus();
      }
    }
  });

  body.addEventListener("submit", async (e) => {
    const form = e.target;
    e.preventDefault();
    const id = form.dataset.id;
    const user = users.find((u) => u.id === id);
    if (!user) return;
    TLP.clearErrors(form);
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    let change = {};
    if (form.classList.contains("user-edit")) {
      const v = (n) => form.elements.namedItem(n).value.trim();
      if (v("display_name") !== user.display_name) change.display_name = v("display_name");
      if (v("role") !== user.role) change.role = v("role");
      if (v("office") !== (user.office || "")) change.office = v("office") || null;
    } else {
      change = { password: form.elements.namedItem("password").value };
    }
    if (!Object.keys(change).length) {
      submit.disabled = false;
      TLP.announce(status, TL.t("adm.edit.nothing"), "info");
      return;
    }
    const done = await patch(id, change, form);
    submit.disabled = false;
    if (done) {
      const what = change.password !== undefined ? "adm.password.done" : "adm.edit.done";
      TLP.announce(status, TL.t(what).replace("{user}", user.username) + " · " + TL.t("adm.users.audit_seq").replace("{seq}", String(done.audit_seq)), "ok");
      await load();
    }
  });

  let createKey = null;
  createForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    TLP.clearErrors(createForm);
    const v = (n) => createForm.elements.namedItem(n).value;
    const b = { username: v("username").trim(), password: v("password"), role: v("role") };
    if (v("display_name").trim()) b.display_name = v("display_name").trim();
    if (v("office")) b.office = v("office");
    if (v("credit_code").trim()) b.credit_code = v("credit_code").trim().toUpperCase();
    if (!createKey) createKey = TL.newKey();
    const submit = createForm.querySelector("button[type=submit]");
    submit.disabled = true;
    const r = await TL.api("POST", "/api/v1/users", b, { "Idempotency-Key": createKey });
    submit.disabled = false;
    if (r.ok) {
      createKey = null;
      createForm.reset();
      TLP.announce(status, TL.t("adm.create.done").replace("{user}", r.body.username) + " · " + TL.t("adm.users.audit_seq").replace("{seq}", String(r.body.audit_seq)), "ok");
      await load();
    } else {
      TLP.showProblem(createForm, r);
    }
  });

  load().catch((e) => {
    TLP.announce(status, TL.t("common.error") + ": " + e.message, "error");
    root.dataset.ready = "error";
  });
})();
