// Helpers shared by the registrar, audit and admin pages (loaded after app.js, before the
// page's own script): code labels, status tags, problem+json errors shown next to fields,
// times in Asia/Shanghai, region names.
"use strict";

const TLP = (() => {
  const zh = () => document.body.dataset.lang !== "en";
  let codesPromise = null;

  /** The code lists of GET /api/v1/codes (fetched once per page). */
  function codes() {
    if (!codesPromise) {
      codesPromise = TL.api("GET", "/api/v1/codes").then((r) => {
        if (!r.ok) throw new Error("/api/v1/codes: " + r.status);
        return r.body;
      });
    }
    return codesPromise;
  }

  /** The label of `code` in a code list ([{code,label_zh,label_en}]), or the code itself. */
  function label(list, code) {
    if (code == null || code === "") return "";
    const found = (list || []).find((c) => c.code === code);
    if (!found) return String(code);
    return zh() ? found.label_zh : found.label_en;
  }

  /** The label of a sub-type of a contract type. */
  function subtypeLabel(c, type, code) {
    const t = (c.contract_types || []).find((x) => x.code === type);
    return label(t ? t.subtypes : [], code);
  }

  /** A coloured tag for a contract status or review state. */
  function tag(kind, code) {
    if (!code) return "";
    return `<span class="tag tag-${TL.escapeHtml(code)}">${TL.escapeHtml(TL.t(kind + "." + code))}</span>`;
  }

  /** An amount in yuan with its thousands grouped: "278223000.00" → "278,223,000.00". */
  function yuan(s) {
    if (s == null || s === "") return "";
    const [i, d] = String(s).split(".");
    return i.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (d !== undefined ? "." + d : "");
  }

  /** A money amount in words of the page language: "1,991.63 万元", "CNY 19,916,300.00". */
  function money(yuanText) {
    return zh() ? wan(yuanText) + " 万元" : "CNY " + yuan(yuanText);
  }

  /**
   * Asks before a decision that cannot be taken back (approving or refusing a large contract):
   * `key` names the contract's title and technical amount. True when the user agrees.
   */
  function confirmDecision(key, c, reason) {
    const text = TL.t(key)
      .replace("{title}", c.title || "")
      .replace("{amount}", money(c.technical_amount))
      .replace("{reason}", reason || "");
    return window.confirm(text);
  }

  /** An amount in yuan shown in 万元 (exact, 2 decimals). */
  function wan(yuan) {
    return yuan == null || yuan === "" ? "" : TL.wan(yuan);
  }

  const timeFormat = new Intl.DateTimeFormat("sv-SE", {
    timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  });

  /** An RFC 3339 time as "YYYY-MM-DD HH:MM:SS" in Asia/Shanghai. */
  function time(rfc3339) {
    if (!rfc3339) return "";
    const d = new Date(rfc3339);
    return Number.isNaN(d.getTime()) ? String(rfc3339) : timeFormat.format(d);
  }

  /** The message of a field error in the page language. */
  function fieldMessage(e) {
    return zh() ? (e.message_zh || e.message) : (e.message || e.message_zh);
  }

  /** What a refused request says, in the page language (problem+json or plain). */
  function problemText(res) {
    const status = res ? res.status : 0;
    const b = res && res.body && typeof res.body === "object" ? res.body : null;
    const generic = TL.maybe("http." + status);
    const known = generic !== null;
    if (b && status === 422 && Array.isArray(b.errors) && b.errors.length && !b.detail_zh) {
      return TL.t("form.fix_fields");
    }
    if (b && zh() && b.detail_zh) return b.detail_zh;
    if (b && zh() && known) return b.detail ? generic + "（" + b.detail + "）" : generic;
    if (b && (b.detail || b.title)) return b.detail || b.title;
    return known ? generic : TL.t("common.error") + " (" + status + ")";
  }

  /** A refused request in one line: what it says, then each bad field (for pages without a form). */
  function problemLine(res) {
    const errors = res && res.body && Array.isArray(res.body.errors) ? res.body.errors : [];
    const fields = errors.map((e) => e.field + ": " + fieldMessage(e)).join("；");
    return problemText(res) + (fields ? "（" + fields + "）" : "");
  }

  /** Removes every field error shown inside `root`. */
  function clearErrors(root) {
    root.querySelectorAll(".field.invalid").forEach((f) => f.classList.remove("invalid"));
    root.querySelectorAll("[data-error-for]").forEach((p) => { p.hidden = true; p.textContent = ""; });
    root.querySelectorAll("[aria-invalid]").forEach((i) => i.removeAttribute("aria-invalid"));
    const alert = root.querySelector(".form-alert");
    if (alert) { alert.hidden = true; alert.textContent = ""; }
  }

  /**
   * Shows each problem+json error next to the field it names (an element with
   * data-error-for="<field>" inside `root`); returns the errors no field claimed. `alias`
   * maps an API field name to the page's when they differ.
   */
  function showErrors(root, errors, alias) {
    const left = [];
    let first = null;
    for (const e of errors || []) {
      const name = (alias && alias[e.field]) || e.field;
      const slot = root.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
      if (!slot) { left.push(e); continue; }
      const msg = fieldMessage(e);
      slot.textContent = slot.textContent ? slot.textContent + "；" + msg : msg;
      slot.hidden = false;
      const field = slot.closest(".field");
      if (field) {
        field.classList.add("invalid");
        const input = field.querySelector("input, select, textarea");
        if (input) {
          input.setAttribute("aria-invalid", "true");
          if (!first) first = input;
        }
      }
    }
    return { left, first };
  }

  /**
   * Shows a refused answer in a form: errors next to their fields, anything else in the
   * form's .form-alert; focuses the first bad field.
   */
  function showProblem(root, res, alias) {
    const errors = res.body && Array.isArray(res.body.errors) ? res.body.errors : [];
    const { left, first } = showErrors(root, errors, alias);
    const alert = root.querySelector(".form-alert");
    const lines = [problemText(res)].concat(left.map((e) => e.field + ": " + fieldMessage(e)));
    if (alert) {
      alert.textContent = "";
      lines.forEach((line, i) => {
        if (i) alert.appendChild(document.createElement("br"));
        alert.appendChild(document.createTextNode(line));
      });
      alert.hidden = false;
    }
    if (first) first.focus();
    else if (alert) alert.focus();
  }

  const regionCache = new Map();

  /** The regions under `parent` ("" for provinces), cached. */
  function regions(parent) {
    const key = parent || "";
    if (!regionCache.has(key)) {
      const path = "/api/v1/regions" + (key ? "?parent=" + encodeURIComponent(key) : "");
      regionCache.set(key, TL.api("GET", path).then((r) => (r.ok ? r.body : [])));
    }
    return regionCache.get(key);
  }

  /** "山东省 临沂市 兰山区" for a region code (best effort; the code when unknown). */
  async function regionName(code) {
    if (!code) return "";
    const name = (r) => (zh() ? r.name_zh : r.name_en);
    const parts = [];
    const province = code.slice(0, 2) + "0000";
    const city = code.slice(0, 4) + "00";
    const top = await regions("");
    const p = top.find((r) => r.code === (code === "000000" ? code : province));
    if (!p) return code;
    parts.push(name(p));
    if (code !== province && code !== "000000") {
      const cities = await regions(province);
      const c = cities.find((r) => r.code === city) || cities.find((r) => r.code === code);
      if (c) parts.push(name(c));
      if (c && c.code !== code) {
        const counties = await regions(c.code);
        const k = counties.find((r) => r.code === code);
        if (k) parts.push(name(k));
      }
    }
    return parts.join(" ");
  }

  /**
   * Keeps a sub-type select to the sub-types of the selected contract type (options carry
   * data-type); returns `sync(wanted)`, which re-applies it keeping `wanted` when it fits.
   */
  function subtypeFollower(typeSelect, subSelect) {
    const all = Array.from(subSelect.options).filter((o) => o.value);
    const sync = (wanted) => {
      const keep = wanted !== undefined ? wanted : subSelect.value;
      all.forEach((o) => o.remove());
      const mine = all.filter((o) => o.dataset.type === typeSelect.value);
      mine.forEach((o) => subSelect.appendChild(o));
      subSelect.value = mine.some((o) => o.value === keep) ? keep : "";
      subSelect.disabled = mine.length === 0;
    };
    typeSelect.addEventListener("change", () => sync());
    return sync;
  }

  /** An amount as typed, without grouping separators or blanks ("1,250,000.00" → "1250000.00"). */
  const plainAmount = (s) => String(s || "").replace(/[,，\s]/g, "");

  /** Shows "= 125.00 万元" in the <output id="<input id>-wan"> beside an amount input. */
  function showWan(input) {
    const out = document.getElementById(input.id + "-wan");
    if (!out) return;
    const v = plainAmount(input.value);
    out.textContent = /^\d{1,13}(\.\d{0,2})?$/.test(v) ? "= " + TL.wan(v) + " " + TL.t("common.wan") : "";
  }

  /** Keeps an amount input's 万元 up to date as one types. */
  function liveWan(input) {
    input.addEventListener("input", () => showWan(input));
    showWan(input);
  }

  /**
   * Paging over a cursor (the page's #prev / #next buttons and #page-no): `fetchPage(cursor)`
   * shows that page and resolves the next cursor, or null on the last page — or
   * `{ next, pages }` when the list knows how many pages it has ("第 2 / 7 页"). Returns `show()`.
   */
  function pager(fetchPage, start) {
    const prev = document.getElementById("prev");
    const next = document.getElementById("next");
    const cursors = [start || null];
    let page = 0;
    let nextCursor = null;
    async function show() {
      const got = await fetchPage(cursors[page]);
      const counted = got !== null && typeof got === "object";
      nextCursor = counted ? got.next : got;
      prev.disabled = page === 0;
      next.disabled = !nextCursor;
      const text = counted && got.pages
        ? TL.t("form.page_of").replace("{n}", String(page + 1)).replace("{pages}", String(got.pages))
        : TL.t("form.page").replace("{n}", String(page + 1));
      TLP.setText("page-no", text);
    }
    prev.addEventListener("click", () => { if (page > 0) { page -= 1; show(); } });
    next.addEventListener("click", () => {
      if (!nextCursor) return;
      cursors[page + 1] = nextCursor;
      page += 1;
      show();
    });
    return show;
  }

  /** Sets the text of the element with `id`, if present. */
  function setText(id, value) {
    const el = document.getElementById(id);
    if (el) el.textContent = value == null ? "" : String(value);
  }

  /** Shows `message` in the page's status line (an element with role=status). */
  function announce(el, message, kind) {
    if (!el) return;
    el.textContent = message;
    el.className = "alert alert-" + (kind || "info");
    el.hidden = !message;
  }

  /**
   * The ids of everyone who may not approve a pending contract, from its history's versions
   * (oldest first): whoever recorded or amended it while it was pending or so that it became
   * pending. The server decides; this only spares a registrar a button that would be refused.
   */
  function pendingAuthors(versions) {
    const out = new Set();
    let before = null;
    for (const v of versions || []) {
      const writes = v.change === "register" || v.change === "amend";
      if (writes && v.actor && (v.status === "pending" || before === "pending")) out.add(v.actor.id);
      before = v.status;
    }
    return out;
  }

  return { zh, codes, label, subtypeLabel, tag, yuan, wan, money, confirmDecision, time, fieldMessage, problemText, problemLine, clearErrors, showErrors, showProblem, regions, regionName, subtypeFollower, plainAmount, pager, showWan, liveWan, setText, announce, pendingAuthors };
})();
