// 合同查询: the contract list. The filters are the page's query string (the API's own names),
// sent as they are to GET /api/v1/contracts and, for 导出CSV, to /api/v1/contracts.csv — so
// the export holds exactly the contracts the filters show. Paging follows the API's cursor; the
// API's totals (count and amount sums of every page) give the number of pages.
"use strict";

(() => {
  const root = document.getElementById("contract-list");
  if (!root) return;
  const FILTERS = ["year", "office", "contract_type", "tech_field", "status", "review", "party", "q", "signed_from", "signed_to", "sort"];
  const here = new URLSearchParams(location.search);
  const filters = new URLSearchParams();
  for (const k of FILTERS) {
    const v = (here.get(k) || "").trim();
    if (v) filters.set(k, v);
  }
  document.getElementById("export").href = "/api/v1/contracts.csv" + (filters.toString() ? "?" + filters : "");

  const PAGE_SIZE = 50;
  const rows = document.getElementById("rows");
  const status = document.getElementById("list-status");

  const show = TLP.pager(async (after) => {
    root.setAttribute("aria-busy", "true");
    const q = new URLSearchParams(filters);
    q.set("limit", String(PAGE_SIZE));
    if (after) q.set("after", after);
    const [r, codes] = await Promise.all([TL.api("GET", "/api/v1/contracts?" + q), TLP.codes()]);
    root.setAttribute("aria-busy", "false");
    if (!r.ok) {
      rows.replaceChildren();
      TLP.announce(status, TLP.problemLine(r), "error");
      root.dataset.ready = "error";
      return null;
    }
    render(r.body.items, codes);
    const shown = r.body.items.length;
    const totals = r.body.totals;
    TLP.announce(status, shown ? TL.t("reg.list.shown").replace("{n}", String(shown)) : TL.t("reg.list.empty"), "info");
    showTotals(totals);
    root.dataset.ready = "true";
    root.dataset.count = String(shown);
    return { next: r.body.next, pages: Math.max(1, Math.ceil(totals.count / PAGE_SIZE)) };
  });

  // What the whole filtered list adds up to (every page), in 万元 in Chinese, CNY in English.
  function showTotals(totals) {
    const el = document.getElementById("list-totals");
    el.dataset.count = String(totals.count);
    el.dataset.contractAmount = totals.contract_amount;
    el.dataset.technicalAmount = totals.technical_amount;
    el.textContent = TL.t(totals.count === 1 ? "reg.list.totals_one" : "reg.list.totals")
      .replace("{n}", TLP.yuan(String(totals.count)))
      .replace("{contract}", TLP.money(totals.contract_amount))
      .replace("{technical}", TLP.money(totals.technical_amount));
    el.hidden = false;
  }

  // A registration of the past loaded from an office's records: registered before it was
  // recorded here, which the mark says (its page names who loaded it and when).
  function historical(c) {
    if (!c.historical) return "";
    const title = TL.t("reg.list.historical_hint").replace("{at}", TLP.time(c.registered_at)).replace("{loaded}", TLP.time(c.created_at));
    return ` <span class="tag historical" title="${TL.escapeHtml(title)}">${TL.escapeHtml(TL.t("reg.list.historical"))}</span>`;
  }

  function render(items, codes) {
    const html = items.map((c) => {
      const type = TLP.label(codes.contract_types, c.contract_type);
      const sub = c.subtype ? " · " + TLP.subtypeLabel(codes, c.contract_type, c.subtype) : "";
      return `<tr data-id="${TL.escapeHtml(c.id)}">
        <td class="mono">${c.registration_no ? TL.escapeHtml(c.registration_no) : `<span class="muted">—</span>`}${historical(c)}</td>
        <td><a href="/contracts/${encodeURIComponent(c.id)}">${TL.escapeHtml(c.title)}</a></td>
        <td>${TL.escapeHtml(type + sub)}</td>
        <td>${TL.escapeHtml(c.seller_name)}</td>
        <td>${TL.escapeHtml(c.buyer_name)}</td>
        <td class="nowrap">${TL.escapeHtml(c.signed_on)}</td>
        <td class="num">${TL.escapeHtml(TLP.wan(c.contract_amount))}</td>
        <td class="num">${TL.escapeHtml(TLP.wan(c.technical_amount))}</td>
        <td class="nowrap">${TL.escapeHtml(TLP.label(codes.offices, c.office))}</td>
        <td>${TLP.tag("status", c.status)}</td>
        <td>${TLP.tag("review", c.review)}</td>
      </tr>`;
    }).join("");
    rows.innerHTML = html;
  }

  show().catch((e) => {
    TLP.announce(status, TL.t("common.error") + ": " + e.message, "error");
    root.dataset.ready = "error";
  });
})();
