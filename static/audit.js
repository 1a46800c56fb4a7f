// Audit pages: the chain status (latest checkpoint, verify now, downloads, key rotation for
// admins), the entries browser (filters, paging by seq, each payload expandable), the review
// queue (registered, unreviewed contracts, largest first) and the anomaly findings.
"use strict";

(() => {
  const esc = TL.escapeHtml;
  const dash = `<span class="muted">—</span>`;
  const actionName = (a) => TL.maybe("aud.action." + a) || "";
  const entityName = (e) => TL.maybe("aud.entity." + e) || e;
  const roleName = (r) => TL.maybe("role." + r) || r;
  /** What a table holds, in words (the reconciliation names tables). */
  const tableName = (t) => TL.maybe("aud.table." + t) || t;
  const fieldName = (f) => TL.maybe("reg.field." + f) || TL.maybe("aud.field." + f) || f;

  // Chain status.
  const chain = document.getElementById("chain");
  if (chain) {
    const loadCheckpoint = async () => {
      const [cp, list] = await Promise.all([TL.api("GET", "/api/v1/audit/checkpoint"), TL.api("GET", "/api/v1/audit/checkpoints?limit=10")]);
      if (cp.ok) {
        TLP.setText("cp-size", cp.body.tree_size);
        TLP.setText("cp-head", cp.body.head_hash);
        TLP.setText("cp-at", TLP.time(cp.body.at));
        TLP.setText("cp-kid", cp.body.kid);
        TLP.setText("cp-sig", cp.body.signature);
      } else {
        TLP.setText("cp-size", TLP.problemText(cp));
      }
      const rows = list.ok ? list.body.items : [];
      document.getElementById("checkpoints").innerHTML = rows.length ? rows.map((c) => `<tr>
          <td class="num mono">${c.tree_size}</td><td class="nowrap">${esc(TLP.time(c.at))}</td>
          <td><code>${esc(c.kid)}</code></td><td><code class="hash small">${esc(c.head_hash)}</code></td></tr>`).join("")
        : `<tr><td colspan="4" class="muted">${esc(TL.t("aud.chain.no_checkpoints"))}</td></tr>`;
      chain.dataset.ready = "true";
      chain.setAttribute("aria-busy", "false");
    };

    const verify = document.getElementById("verify");
    verify.addEventListener("click", async () => {
      verify.disabled = true;
      TLP.setText("verify-busy", TL.t("aud.chain.verifying"));
      const box = document.getElementById("verify-result");
      try {
        const r = await TL.api("GET", "/api/v1/audit/verify");
        const v = r.body || {};
        const verdict = document.getElementById("verify-verdict");
        if (!r.ok) {
          verdict.textContent = TLP.problemText(r);
          verdict.className = "verdict bad";
        } else {
          verdict.textContent = v.ok ? TL.t("aud.chain.ok") : TL.t("aud.chain.bad");
          verdict.className = "verdict " + (v.ok ? "good" : "bad");
          TLP.setText("v-entries", v.entries);
          document.getElementById("v-first-bad").innerHTML = v.first_bad_seq ? esc(String(v.first_bad_seq)) : dash;
          document.getElementById("v-detail").innerHTML = v.detail ? esc(v.detail) : dash;
          TLP.setText("v-head", v.head_hash || "");
          const rec = v.reconciliation || { rows: {}, discrepancies: [] };
          document.getElementById("v-rows").innerHTML = Object.entries(rec.rows || {}).map(([t, n]) =>
            `<tr data-table="${esc(t)}"><td>${esc(tableName(t))}</td><td class="num">${esc(String(n))}</td></tr>`).join("") ||
            `<tr><td colspan="2" class="muted">—</td></tr>`;
          const disc = rec.discrepancies || [];
          document.getElementById("v-discrepancies").hidden = disc.length === 0;
          document.getElementById("v-disc-rows").innerHTML = disc.map((d) =>
            `<tr><td>${esc(tableName(d.table))}</td><td class="mono">${esc(d.key)}</td><td class="num">${d.seq == null ? "" : esc(String(d.seq))}</td><td>${esc(d.detail)}</td></tr>`).join("");
        }
        box.dataset.ok = String(!!(r.ok && v.ok));
        box.hidden = false;
        box.focus();
      } finally {
        verify.disabled = false;
        TLP.setText("verify-busy", "");
      }
    });

    const rotate = document.getElementById("rotate");
    if (rotate) {
      const confirmBox = document.getElementById("rotate-confirm-box");
      const alertBox = document.getElementById("rotate-alert");
      let key = null;
      rotate.addEventListener("click", () => {
        confirmBox.hidden = false;
        rotate.setAttribute("aria-expanded", "true");
        document.getElementById("rotate-cancel").focus();
      });
      document.getElementById("rotate-cancel").addEventListener("click", () => {
        confirmBox.hidden = true;
        rotate.setAttribute("aria-expanded", "false");
        rotate.focus();
      });
      document.getElementById("rotate-confirm").addEventListener("click", async (e) => {
        e.target.disabled = true;
        alertBox.hidden = true;
        if (!key) key = TL.newKey();
        const r = await TL.api("POST", "/api/v1/audit/keys/rotate", undefined, { "Idempotency-Key": key });
        e.target.disabled = false;
        confirmBox.hidden = true;
        rotate.setAttribute("aria-expanded", "false");
        if (r.ok) {
          key = null;
          const kid = r.body.kid || r.body.id || "";
          TLP.announce(document.getElementById("rotate-result"), TL.t("aud.chain.rotated").replace("{kid}", kid).replace("{seq}", String(r.headers.get("X-Audit-Seq") || r.body.audit_seq || "")), "ok");
          loadCheckpoint();
        } else {
          alertBox.textContent = TLP.problemText(r);
          alertBox.hidden = false;
          alertBox.focus();
        }
      });
    }
    loadCheckpoint().catch(() => { chain.dataset.ready = "error"; });
  }

  // Entries browser.
  const browser = document.getElementById("entries-browser");
  if (browser) {
    const here = new URLSearchParams(location.search);
    const filters = new URLSearchParams();
    for (const k of ["actor", "action", "entity_type", "entity_id", "from", "to"]) {
      const v = (here.get(k) || "").trim();
      if (!v) continue;
      if (k === "to" && /^\d{4}-\d{2}-\d{2}$/.test(v)) {
        // The page's "to" day is inclusive; the API's `to` is exclusive: send the next day.
        const d = new Date(v + "T00:00:00Z");
        d.setUTCDate(d.getUTCDate() + 1);
        filters.set(k, d.toISOString().slice(0, 10));
      } else {
        filters.set(k, v);
      }
    }
    const body = document.getElementById("entry-rows");
    const status = document.getElementById("entries-status");
    const auditor = document.body.dataset.role === "auditor";
    const state = (e) => (e.payload && typeof e.payload.state === "object" && e.payload.state) || {};
    /** The record in words: a contract by its registration number and title, a party or a
     *  user by name; the internal id only as a tooltip. */
    const entity = (e) => {
      const s = state(e);
      let label = "";
      if (e.entity.type === "contract") {
        label = s.registration_no ? `<span class="mono">${esc(s.registration_no)}</span>` : esc(TL.t("aud.entries.unnumbered"));
        if (s.title) label += ` ${esc(s.title)}`;
      } else if (e.entity.type === "party" && s.name) {
        label = esc(s.name);
      } else if (e.entity.type === "user" && s.username) {
        label = esc(s.username);
      }
      const name = `${esc(entityName(e.entity.type))} ` +
        (label ? `<span title="${esc(e.entity.id)}">${label}</span>` : `<span class="mono small">${esc(e.entity.id)}</span>`);
      // Contract pages are for ledger readers (auditors here); admins read the entry only.
      const linked = e.entity.type === "contract" && auditor;
      return linked ? `<a href="/contracts/${encodeURIComponent(e.entity.id)}">${name}</a>` : name;
    };

    // Values and changes, readable.
    let codes = null;
    const plain = (v) => (v === null || v === undefined || v === "" ? "—" : typeof v === "object" ? JSON.stringify(v) : String(v));
    function value(field, v) {
      if (v === null || v === undefined || v === "") return `<span class="muted">—</span>`;
      const c = codes || {};
      switch (field) {
        case "contract_type": return esc(TLP.label(c.contract_types || [], v));
        case "tech_field": return esc(TLP.label(c.tech_fields || [], v));
        case "ip_type": return esc(TLP.label(c.ip_types || [], v));
        case "kind": return esc(TLP.label(c.party_kinds || [], v));
        case "status": return TLP.tag("status", v);
        case "contract_amount":
        case "technical_amount":
          return `${esc(TLP.yuan(v))} <span class="muted">(${esc(TL.wan(v))} ${esc(TL.t("common.wan"))})</span>`;
        default: return esc(plain(v));
      }
    }
    const diffList = (changes, first) => changes.length
      ? `<ul class="diff">${changes.map((d) => `<li><span class="diff-field">${esc(fieldName(d.field))}</span> ` +
          (first ? "" : `<del>${value(d.field, d.from)}</del> → `) + `<ins>${value(d.field, d.to)}</ins></li>`).join("")}</ul>`
      : `<p class="muted">${esc(TL.t("aud.entries.no_changes"))}</p>`;
    const histories = new Map();
    const history = (path) => {
      if (!histories.has(path)) histories.set(path, TL.api("GET", path).then((r) => (r.ok ? r.body : null)));
      return histories.get(path);
    };
    /** The entry's changes, field by field: from the record's history where the reader may
     *  see it, else the fields the command carried. */
    async function changesOf(e) {
      codes = codes || await TLP.codes().catch(() => ({}));
      if (auditor && e.entity.type === "contract") {
        const h = await history(`/api/v1/contracts/${encodeURIComponent(e.entity.id)}/history`);
        const v = h && h.versions.find((x) => x.audit_seq === e.seq);
        if (v) return diffList(v.diff, v.version === 1) + (v.reason ? `<p>${esc(TL.t("aud.entries.reason"))}: ${esc(v.reason)}</p>` : "");
        const review = h && h.reviews.find((x) => x.audit_seq === e.seq);
        if (review) return `<p>${TLP.tag("review", review.verdict)} ${esc(review.note || "")}</p>`;
      }
      if (auditor && e.entity.type === "party") {
        const h = await history(`/api/v1/parties/${encodeURIComponent(e.entity.id)}/history`);
        const v = Array.isArray(h) && h.find((x) => x.audit_seq === e.seq);
        if (v) return diffList(v.diff, v.version === 1);
      }
      const command = e.payload && typeof e.payload.command === "object" && e.payload.command ? e.payload.command : {};
      const changes = Object.entries(command)
        .filter(([k, v]) => k !== "id" && k !== "password_hash" && v !== null && typeof v !== "object")
        .map(([k, v]) => ({ field: k, from: null, to: v }));
      return diffList(changes, true);
    }
    let shown = new Map();
    const show = TLP.pager(async (after) => {
      browser.setAttribute("aria-busy", "true");
      const q = new URLSearchParams(filters);
      q.set("limit", "50");
      if (after) q.set("after_seq", after);
      const r = await TL.api("GET", "/api/v1/audit/entries?" + q);
      browser.setAttribute("aria-busy", "false");
      if (!r.ok) {
        body.replaceChildren();
        TLP.announce(status, TLP.problemLine(r), "error");
        browser.dataset.ready = "error";
        return null;
      }
      const items = r.body.items;
      body.innerHTML = items.map((e) => `<tr data-seq="${e.seq}" data-action="${esc(e.action)}">
          <td class="num mono">${e.seq}</td>
          <td class="nowrap">${esc(TLP.time(e.at))}</td>
          <td>${e.actor ? `${esc(e.actor.username)} <span class="muted">${esc(roleName(e.actor.role))}</span>` : esc(TL.t("aud.entries.system"))}</td>
          <td><code>${esc(e.action)}</code> ${esc(actionName(e.action))}</td>
          <td>${entity(e)}</td>
          <td><button type="button" class="btn btn-small expand" aria-expanded="false" aria-controls="payload-${e.seq}">${esc(TL.t("aud.entries.show"))}</button></td>
        </tr>
        <tr class="payload-row" id="payload-${e.seq}" hidden><td colspan="6">
          <div class="changes" data-seq="${e.seq}"></div>
          <details class="raw"><summary>${esc(TL.t("aud.entries.raw"))}</summary>
            <pre>${esc(JSON.stringify(e.payload, null, 2))}</pre>
            <p class="muted mono small">hash ${esc(e.hash)} · prev ${esc(e.prev_hash)} · kid ${esc(e.kid)}</p>
          </details>
        </td></tr>`).join("") || `<tr><td colspan="6" class="muted">${esc(TL.t("aud.entries.empty"))}</td></tr>`;
      shown = new Map(items.map((e) => [String(e.seq), e]));
      TLP.announce(status, items.length ? TL.t("aud.entries.shown").replace("{n}", String(items.length)) : "", "info");
      browser.dataset.ready = "true";
      browser.dataset.count = String(items.length);
      return r.body.next;
    }, /^\d+$/.test(here.get("after_seq") || "") ? here.get("after_seq") : null);
    // The newest entries: start after (head − 50), keeping the other filters.
    document.getElementById("latest").addEventListener("click", async () => {
      const r = await TL.api("GET", "/api/v1/audit/checkpoint");
      if (!r.ok) return;
      const form = document.getElementById("entry-filters");
      form.elements.namedItem("after_seq").value = String(Math.max(0, r.body.tree_size - 50));
      form.submit();
    });
    body.addEventListener("click", (e) => {
      const button = e.target.closest("button.expand");
      if (!button) return;
      const row = document.getElementById(button.getAttribute("aria-controls"));
      row.hidden = !row.hidden;
      button.setAttribute("aria-expanded", String(!row.hidden));
      button.textContent = TL.t(row.hidden ? "aud.entries.show" : "aud.entries.hide");
      const box = row.querySelector(".changes");
      const entry = shown.get(box.dataset.seq);
      if (!row.hidden && entry && !box.dataset.ready) {
        box.textContent = TL.t("common.loading");
        changesOf(entry).then((html) => { box.innerHTML = html; box.dataset.ready = "true"; })
          .catch((err) => { box.textContent = TL.t("common.error") + ": " + err.message; });
      }
    });
    show().catch((e) => TLP.announce(status, TL.t("common.error") + ": " + e.message, "error"));
  }

  // Review queue.
  const queue = document.getElementById("queue");
  if (queue) {
    const body = document.getElementById("queue-rows");
    const status = document.getElementById("queue-status");
    const show = TLP.pager(async (after) => {
      queue.setAttribute("aria-busy", "true");
      const q = new URLSearchParams({ status: "registered", review: "unreviewed", sort: "amount_desc", limit: "50" });
      if (after) q.set("after", after);
      const [r, codes] = await Promise.all([TL.api("GET", "/api/v1/contracts?" + q), TLP.codes()]);
      queue.setAttribute("aria-busy", "false");
      if (!r.ok) {
        TLP.announce(status, TLP.problemText(r), "error");
        queue.dataset.ready = "error";
        return null;
      }
      const items = r.body.items;
      body.innerHTML = items.map((c) => `<tr data-id="${esc(c.id)}">
          <td class="mono">${esc(c.registration_no || "")}</td>
          <td><a href="/contracts/${encodeURIComponent(c.id)}">${esc(c.title)}</a></td>
          <td>${esc(c.seller_name)}</td>
          <td>${esc(c.buyer_name)}</td>
          <td class="nowrap">${esc(c.signed_on)}</td>
          <td class="num">${esc(TLP.wan(c.contract_amount))}</td>
          <td class="num">${esc(TLP.wan(c.technical_amount))}</td>
          <td class="nowrap">${esc(TLP.label(codes.offices, c.office))}</td>
          <td><a class="btn btn-small" href="/contracts/${encodeURIComponent(c.id)}#review">${esc(TL.t("aud.queue.review"))}</a></td>
        </tr>`).join("") || `<tr><td colspan="9" class="muted">${esc(TL.t("aud.queue.empty"))}</td></tr>`;
      TLP.announce(status, "", "info");
      queue.dataset.ready = "true";
      queue.dataset.count = String(items.length);
      return r.body.next;
    });
    show().catch((e) => TLP.announce(status, TL.t("common.error") + ": " + e.message, "error"));
  }

  // Anomalies.
  const anomalies = document.getElementById("anomalies");
  if (anomalies) {
    const status = document.getElementById("anom-status");
    const box = document.getElementById("findings");
    const canOpen = document.body.dataset.role === "auditor";
    const ruleText = (code) => {
      const dd = document.querySelector(`dd[data-rule="${CSS.escape(code)}"]`);
      const dt = document.querySelector(`dt[data-rule="${CSS.escape(code)}"] .rule-title`);
      return { title: dt ? dt.textContent : code, explanation: dd ? dd.textContent : "" };
    };
    (async () => {
      const q = new URLSearchParams({ year: anomalies.dataset.year });
      if (anomalies.dataset.rule) q.set("rule", anomalies.dataset.rule);
      const [r, codes] = await Promise.all([TL.api("GET", "/api/v1/anomalies?" + q), TLP.codes()]);
      anomalies.setAttribute("aria-busy", "false");
      if (!r.ok) {
        TLP.announce(status, r.status === 404 ? TL.t("aud.anom.unavailable") : TLP.problemText(r), "error");
        anomalies.dataset.ready = "error";
        return;
      }
      const findings = r.body.findings || [];
      TLP.announce(status, findings.length ? TL.t("aud.anom.count").replace("{n}", String(findings.length)) : TL.t("aud.anom.none"), findings.length ? "info" : "ok");
      box.innerHTML = findings.map((f, i) => {
        const rule = ruleText(f.rule);
        const title = TLP.zh() ? (f.title_zh || rule.title) : (f.title_en || rule.title);
        const detail = TLP.zh() ? (f.detail_zh || f.detail_en) : (f.detail_en || f.detail_zh);
        const total = f.contract_count && f.contract_count > (f.contracts || []).length
          ? `<p class="muted">${esc(TL.t("aud.anom.more").replace("{n}", String(f.contract_count)))}</p>` : "";
        return `<article class="card finding sev-border-${esc(f.severity)}" data-rule="${esc(f.rule)}" aria-labelledby="finding-${i}">
          <header class="finding-head">
            <span class="sev sev-${esc(f.severity)}">${esc(TL.t("aud.severity." + f.severity))}</span>
            <h2 id="finding-${i}">${esc(title)}</h2>
            ${f.office ? `<span class="tag">${esc(TLP.label(codes.offices, f.office))}</span>` : ""}
            <a class="muted small" href="#rule-${esc(f.rule)}">${esc(TL.t("aud.anom.about_rule"))}</a>
          </header>
          <p class="finding-detail">${esc(detail || "")}</p>
          <details class="rule-why"><summary>${esc(TL.t("aud.anom.why"))}</summary><p>${esc(rule.explanation)}</p></details>
          <div class="table-wrap"><table class="data compact">
            <thead><tr><th scope="col">${esc(TL.t("reg.col.registration_no"))}</th><th scope="col">${esc(TL.t("reg.field.title"))}</th>
              <th scope="col">${esc(TL.t("reg.field.signed_on"))}</th><th scope="col" class="num">${esc(TL.t("reg.col.contract_wan"))}</th></tr></thead>
            <tbody>${(f.contracts || []).map((c) => `<tr>
              <td class="mono">${esc(c.registration_no || "")}</td>
              <td>${canOpen ? `<a href="/contracts/${encodeURIComponent(c.id)}">${esc(c.title)}</a>` : esc(c.title)}</td>
              <td class="nowrap">${esc(c.signed_on)}</td>
              <td class="num">${esc(TLP.wan(c.amount))}</td></tr>`).join("")}</tbody>
          </table></div>${total}
        </article>`;
      }).join("");
      anomalies.dataset.ready = "true";
      anomalies.dataset.count = String(findings.length);
    })().catch((e) => {
      TLP.announce(status, TL.t("common.error") + ": " + e.message, "error");
      anomalies.dataset.ready = "error";
    });
  }
})();
