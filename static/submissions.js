// 我的申报 (an applicant's own submissions) and 网上申报受理 (a registrar's office queue): one
// list of GET /api/v1/submissions, each row opening the submission. The applicant sees the
// status, version, dates and the reasons of a return or refusal; the registrar sees the
// seller, the amount, the working days waiting and an overdue flag.
"use strict";

(() => {
  const root = document.getElementById("submissions");
  if (!root) return;
  const queue = root.dataset.view === "queue";
  const esc = TL.escapeHtml;
  const rows = document.getElementById("submission-rows");
  const status = document.getElementById("sub-status");
  const filter = document.getElementById("status-filter");

  /** The reasons of the current version's return or refusal, as text. */
  function reasons(s) {
    const d = s.decision;
    if (!d) return "";
    if (d.decision === "refused") return d.refusal_reason || "";
    if (d.decision === "returned") {
      return (d.return_reasons || []).map((x) => (TL.maybe("reg.field." + x.field) || TL.maybe("sub.field." + x.field) || x.field) + "：" + x.reason).join("；");
    }
    return "";
  }

  function link(s) {
    const title = s.title || TL.t("sub.col.untitled");
    return `<a href="/submissions/${encodeURIComponent(s.id)}">${esc(title)}</a>`;
  }

  async function load() {
    root.setAttribute("aria-busy", "true");
    const want = filter ? filter.value : "";
    const r = await TL.api("GET", "/api/v1/submissions" + (want ? "?status=" + encodeURIComponent(want) : ""));
    root.setAttribute("aria-busy", "false");
    if (!r.ok) {
      TLP.announce(status, TLP.problemText(r), "error");
      root.dataset.ready = "error";
      return;
    }
    const items = r.body || [];
    const codes = queue ? {} : await TLP.codes().catch(() => ({}));
    rows.innerHTML = items.length
      ? items.map((s) => queue
        ? `<tr data-id="${esc(s.id)}" data-status="${esc(s.status)}"${s.overdue ? ` class="overdue"` : ""}>
            <td>${link(s)}</td>
            <td>${esc(s.seller_name || "")}</td>
            <td class="num">${esc(TLP.wan(s.contract_amount))}</td>
            <td>${TLP.tag("status", s.status)}</td>
            <td class="num">${esc(String(s.version))}</td>
            <td class="num">${s.working_days_waiting == null ? "—" : esc(String(s.working_days_waiting))}${s.overdue ? ` <span class="tag tag-overdue">${esc(TL.t("sub.queue.overdue"))}</span>` : ""}</td>
            <td class="nowrap">${esc(TLP.time(s.queued_at))}</td>
          </tr>`
        : `<tr data-id="${esc(s.id)}" data-status="${esc(s.status)}">
            <td>${link(s)}</td>
            <td>${esc(TLP.label(codes.offices, s.office))}</td>
            <td>${TLP.tag("status", s.status)}</td>
            <td class="num">${esc(String(s.version))}</td>
            <td class="nowrap">${esc(TLP.time(s.created_at))}</td>
            <td class="nowrap">${esc(TLP.time(s.updated_at))}</td>
            <td class="reasons">${esc(reasons(s))}</td>
          </tr>`).join("")
      : `<tr><td colspan="7" class="muted">${esc(TL.t(queue ? "sub.queue.empty" : "sub.mine.empty"))}</td></tr>`;
    root.dataset.count = String(items.length);
    root.dataset.ready = "true";
  }

  if (filter) filter.addEventListener("change", () => { root.dataset.ready = ""; load(); });
  load().catch((err) => {
    TLP.announce(status, TL.t("common.error") + ": " + err.message, "error");
    root.dataset.ready = "error";
  });
})();
