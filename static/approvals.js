// 待复核: the office's pending large contracts. A second registrar approves the version shown
// (the contract is registered and numbered; one sent back by an amendment keeps its number) or
// refuses it with a reason; contracts one recorded or amended are listed but cannot be
// approved, and the page says why.
"use strict";

(() => {
  const root = document.getElementById("approvals");
  if (!root) return;
  const me = root.dataset.user;
  const office = document.body.dataset.office;
  const esc = TL.escapeHtml;
  const body = document.getElementById("pending-rows");
  const status = document.getElementById("appr-status");
  const more = document.getElementById("more");
  let after = null;
  let count = 0;
  /** The contracts listed, by id (the confirmations name their title and amount). */
  const shown = new Map();

  /** Who recorded the contract, and whether I wrote any of its pending versions. */
  async function authorship(c) {
    const r = await TL.api("GET", "/api/v1/contracts/" + encodeURIComponent(c.id) + "/history");
    const versions = r.ok ? r.body.versions : [];
    const first = versions.length ? versions[0] : null;
    const name = first && first.actor ? first.actor.display_name || first.actor.username : "";
    return { name, mine: c.created_by === me || TLP.pendingAuthors(versions).has(me) };
  }

  function decision(c, mine) {
    if (mine) {
      return `<span class="muted own-note">${esc(TL.t("reg.appr.own"))}</span>`;
    }
    // The version shown is the version approved: if it changes meanwhile, the server refuses.
    return `<div class="decide" data-id="${esc(c.id)}" data-version="${esc(String(c.version))}">
        <span class="muted version-note">${esc(TL.t("reg.appr.version").replace("{n}", String(c.version)))}</span>
        <button type="button" class="btn btn-primary btn-small approve">${esc(TL.t("reg.detail.approve"))}</button>
        <button type="button" class="btn btn-small refuse-open" aria-expanded="false">${esc(TL.t("reg.detail.refuse"))}</button>
        <form class="refuse-inline" hidden novalidate>
          <p class="alert alert-error form-alert" role="alert" tabindex="-1" hidden></p>
          <div class="field">
            <label for="reason-${esc(c.id)}">${esc(TL.t("reg.detail.refuse_reason"))}</label>
            <input id="reason-${esc(c.id)}" name="reason" maxlength="1000" autocomplete="off">
            <p class="error" data-error-for="reason" hidden></p>
          </div>
          <button type="submit" class="btn btn-danger btn-small">${esc(TL.t("reg.appr.refuse_confirm"))}</button>
        </form>
      </div>`;
  }

  async function load() {
    root.setAttribute("aria-busy", "true");
    const q = new URLSearchParams({ status: "pending", office, limit: "50" });
    if (after) q.set("after", after);
    const r = await TL.api("GET", "/api/v1/contracts?" + q);
    root.setAttribute("aria-busy", "false");
    if (!r.ok) {
      TLP.announce(status, TLP.problemText(r), "error");
      root.dataset.ready = "error";
      return;
    }
    const items = r.body.items;
    items.forEach((c) => shown.set(c.id, c));
    after = r.body.next;
    more.hidden = !after;
    const who = await Promise.all(items.map((c) => authorship(c).catch(() => ({ name: "", mine: c.created_by === me }))));
    const html = items.map((c, i) => `<tr data-id="${esc(c.id)}"${c.created_by === me ? ` class="own"` : ""}>
        <td><a href="/contracts/${encodeURIComponent(c.id)}">${esc(c.title)}</a></td>
        <td>${esc(c.seller_name)}</td>
        <td>${esc(c.buyer_name)}</td>
        <td class="nowrap">${esc(c.signed_on)}</td>
        <td class="num">${esc(TLP.wan(c.contract_amount))}</td>
        <td class="num">${esc(TLP.wan(c.technical_amount))}</td>
        <td>${esc(who[i].name)}${c.created_by === me ? ` <span class="tag">${esc(TL.t("reg.appr.me"))}</span>` : ""}<br><span class="muted">${esc(TLP.time(c.created_at))}</span></td>
        <td class="decision">${decision(c, who[i].mine)}</td>
      </tr>`).join("");
    body.insertAdjacentHTML("beforeend", html);
    count += items.length;
    if (!count) {
      body.innerHTML = `<tr><td colspan="8" class="muted">${esc(TL.t("reg.appr.empty"))}</td></tr>`;
    }
    root.dataset.ready = "true";
    root.dataset.count = String(count);
  }

  function done(row, text) {
    const cell = row.querySelector("td.decision");
    cell.innerHTML = text;
    row.classList.add("decided");
  }

  // One idempotency key per contract and decision, kept until it succeeds.
  const keys = new Map();
  const keyFor = (what) => { if (!keys.has(what)) keys.set(what, TL.newKey()); return keys.get(what); };

  body.addEventListener("click", async (e) => {
    const button = e.target.closest("button");
    if (!button) return;
    const box = button.closest(".decide");
    if (!box) return;
    const cid = box.dataset.id;
    const row = box.closest("tr");
    if (button.classList.contains("refuse-open")) {
      const form = box.querySelector(".refuse-inline");
      form.hidden = !form.hidden;
      button.setAttribute("aria-expanded", String(!form.hidden));
      if (!form.hidden) form.querySelector("input").focus();
      return;
    }
    if (button.classList.contains("approve")) {
      if (!TLP.confirmDecision("reg.confirm.approve", shown.get(cid))) return;
      button.disabled = true;
      const version = Number(box.dataset.version);
      const r = await TL.api("POST", `/api/v1/contracts/${encodeURIComponent(cid)}/approve`, { version },
        { "Idempotency-Key": keyFor("approve " + cid + " " + version) });
      button.disabled = false;
      if (r.ok) {
        done(row, `${TLP.tag("status", r.body.status)} <span class="mono reg-no-small">${esc(r.body.registration_no || "")}</span>`);
        TLP.announce(status, TL.t("reg.detail.approved").replace("{no}", r.body.registration_no || ""), "ok");
      } else if (r.status === 409) {
        // Amended or decided meanwhile: show the queue as it stands now, and say why.
        body.innerHTML = "";
        after = null;
        count = 0;
        await load();
        TLP.announce(status, TLP.problemText(r), "error");
      } else {
        TLP.announce(status, TLP.problemText(r), "error");
      }
    }
  });

  body.addEventListener("submit", async (e) => {
    const form = e.target.closest("form.refuse-inline");
    if (!form) return;
    e.preventDefault();
    const box = form.closest(".decide");
    const cid = box.dataset.id;
    TLP.clearErrors(form);
    const why = form.elements.namedItem("reason").value;
    // An empty reason is refused by the server beside the field; a real one is confirmed first.
    if (why.trim() && !TLP.confirmDecision("reg.confirm.refuse", shown.get(cid), why.trim())) return;
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    const r = await TL.api("POST", `/api/v1/contracts/${encodeURIComponent(cid)}/refuse`, { reason: why },
      { "Idempotency-Key": keyFor("refuse " + cid) });
    submit.disabled = false;
    if (r.ok) {
      keys.delete("refuse " + cid);
      done(form.closest("tr"), TLP.tag("status", r.body.status));
      TLP.announce(status, TL.t("reg.detail.refused"), "ok");
    } else {
      TLP.showProblem(form, r);
    }
  });

  more.addEventListener("click", () => load());
  load().catch((e) => {
    TLP.announce(status, TL.t("common.error") + ": " + e.message, "error");
    root.dataset.ready = "error";
  });
})();
