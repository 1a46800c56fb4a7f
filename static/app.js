// techledger pages: shared helpers. No inline scripts anywhere (the CSP forbids them); every
// page loads this file, then its own.
"use strict";

const TL = (() => {
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  let strings = null;

  function table() {
    if (strings === null) {
      const el = document.getElementById("i18n");
      strings = el ? JSON.parse(el.textContent) : {};
    }
    return strings;
  }

  /** Keys a script asked for that the page did not embed (the browser tests fail on any). */
  const missing = new Set();

  /** Translations the page embedded as JSON (`<script type="application/json" id="i18n">`);
   *  a missing key is shown raw and recorded in `<html data-missing-i18n>`. */
  function t(key) {
    const s = table()[key];
    if (s) return s;
    missing.add(key);
    document.documentElement.dataset.missingI18n = Array.from(missing).join(" ");
    return key;
  }

  /** The translation of `key` if the page has one (for codes that may have no label). */
  function maybe(key) {
    return table()[key] || null;
  }

  /** Calls the JSON API with the session cookie and the CSRF token; resolves {status, body}. */
  async function api(method, path, body, extraHeaders) {
    const headers = { "Accept": "application/json", "X-CSRF-Token": csrf() };
    const init = { method, headers, credentials: "same-origin" };
    if (body !== undefined && body !== null) {
      if (body instanceof Blob || body instanceof ArrayBuffer || body instanceof FormData) {
        init.body = body;
      } else {
        headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
      }
    }
    Object.assign(headers, extraHeaders || {});
    const res = await fetch(path, init);
    const type = res.headers.get("Content-Type") || "";
    const data = type.includes("json") ? await res.json() : await res.text();
    return { status: res.status, ok: res.ok, body: data, headers: res.headers };
  }

  /** An amount string in yuan ("1250000.00") as fen, exactly (BigInt). */
  function fen(yuan) {
    const s = String(yuan || "0");
    const negative = s.startsWith("-");
    const [whole, frac = ""] = s.replace("-", "").split(".");
    const value = BigInt(whole || "0") * 100n + BigInt((frac + "00").slice(0, 2));
    return negative ? -value : value;
  }

  /** Yuan string → 亿元 with 2 decimals (1 亿 = 10^8 yuan), exact. */
  const yi = (yuan) => groupInt(scaledPlain(fen(yuan), 10000000000n));
  /** Yuan string → 万元 with 2 decimals, exact. */
  const wan = (yuan) => groupInt(scaledPlain(fen(yuan), 1000000n));

  function scaledPlain(f, unit) {
    const negative = f < 0n;
    const a = negative ? -f : f;
    const hundredths = (a * 100n + unit / 2n) / unit;
    return (negative ? "-" : "") + (hundredths / 100n).toString() + "." + (hundredths % 100n).toString().padStart(2, "0");
  }

  function groupInt(s) {
    const [i, d] = s.split(".");
    return i.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (d !== undefined ? "." + d : "");
  }

  /** Yuan string → a Number of 亿元 for charts (display only). */
  const yiNumber = (yuan) => Number(fen(yuan)) / 1e10;
  /** Yuan string → a Number of 万元 for charts (display only). */
  const wanNumber = (yuan) => Number(fen(yuan)) / 1e6;

  /** A random idempotency key for a form (a double submit then registers once). */
  function newKey() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  function escapeHtml(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  // The header's menu on narrow screens: the button opens and closes it; Escape closes it.
  const toggle = document.getElementById("nav-toggle");
  if (toggle) {
    const bar = document.getElementById("topbar");
    const set = (open) => {
      bar.classList.toggle("open", open);
      toggle.setAttribute("aria-expanded", String(open));
    };
    toggle.addEventListener("click", () => set(!bar.classList.contains("open")));
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && bar.classList.contains("open")) {
        set(false);
        toggle.focus();
      }
    });
  }

  document.addEventListener("change", (e) => {
    if (e.target.classList && e.target.classList.contains("autosubmit") && e.target.form) {
      e.target.form.submit();
    }
  });

  return { t, maybe, api, fen, yi, wan, yiNumber, wanNumber, newKey, escapeHtml };
})();
