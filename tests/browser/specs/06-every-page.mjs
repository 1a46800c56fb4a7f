// Every page, as every role that may open it, in Chinese and in English (issue 17): no raw
// translation key anywhere in the page (text, hidden rows the scripts rendered, labels, titles,
// placeholders), and no key a page script asked for that the page did not embed
// (`<html data-missing-i18n>`, kept by TL.t).

/** A raw key of one of the translation tables, as the page would show it untranslated. */
const RAW_KEY = /\b(?:acct|adm|app|aud|chart|common|dash|form|http|login|nav|reg|review|role|status)\.[a-z0-9_]+(?:\.[a-z0-9_]+)*\b/;

/** The pages of each demo user (`<contract>`: a contract of the user's office, `<pending>`: a
 *  contract waiting for approval). */
const PAGES = {
  "demo-official": ["/", "/contracts", "/contracts/<contract>", "/account"],
  "demo-371302-b": ["/", "/contracts", "/contracts/new", "/contracts/<contract>", "/contracts/<pending>", "/approvals", "/import", "/account"],
  "demo-auditor": ["/", "/contracts", "/contracts/<contract>", "/audit", "/audit/entries", "/audit/queue", "/anomalies", "/account"],
  admin: ["/", "/audit", "/audit/entries", "/anomalies", "/admin/users", "/account"],
};

/** Every untranslated thing on the page: raw keys in text and attributes, and missed keys. */
async function rawKeys(page) {
  return page.evaluate((source) => {
    const pattern = new RegExp(source);
    const found = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const parent = n.parentElement;
      if (parent && (parent.closest("script") || parent.closest("style"))) continue;
      const m = n.textContent.match(pattern);
      if (m) found.push(`text "${m[0]}" in <${parent ? parent.tagName.toLowerCase() : "?"}>`);
    }
    for (const el of document.querySelectorAll("[title],[placeholder],[aria-label],[alt],input[type=submit],input[type=button]")) {
      for (const attr of ["title", "placeholder", "aria-label", "alt", "value"]) {
        const v = el.getAttribute(attr);
        const m = v && attr !== "value" ? v.match(pattern) : null;
        if (m) found.push(`${attr} "${m[0]}" on <${el.tagName.toLowerCase()}>`);
      }
    }
    const missed = document.documentElement.dataset.missingI18n;
    if (missed) found.push(`keys the page script asked for but the page did not embed: ${missed}`);
    if (/(^|\s)\?(\s|$)/.test(document.title)) found.push(`title "${document.title}"`);
    return found;
  }, RAW_KEY.source);
}

/** Waits until the page's scripts have drawn it (network quiet, every data-ready set). */
export async function settle(page) {
  await page.waitForLoadState("networkidle");
  await page.waitForFunction(() => Array.from(document.querySelectorAll("[data-ready]")).every((el) => el.dataset.ready !== ""), null, { timeout: 20000 });
  await page.waitForTimeout(150);
}

/** The contract ids the pages open: one of the office (registered) and one pending. */
async function contractIds(page) {
  return page.evaluate(async () => {
    const get = async (q) => (await (await fetch("/api/v1/contracts?" + q, { credentials: "same-origin" })).json()).items;
    const registered = await get("office=371302&status=registered&limit=1");
    const pending = await get("office=371302&status=pending&limit=1");
    return { contract: registered[0].id, pending: (pending[0] || registered[0]).id };
  });
}

export async function run({ page: newPage, login, assert, base, password }) {
  const problems = [];
  for (const [user, paths] of Object.entries(PAGES)) {
    for (const lang of ["zh", "en"]) {
      const page = await newPage(1366, 900);
      await login(page, user, user === "admin" ? process.env.TL_ADMIN_PASSWORD : password);
      const ids = await contractIds(page).catch(() => ({ contract: "none", pending: "none" }));
      for (const template of paths) {
        const path = template.replace("<contract>", ids.contract).replace("<pending>", ids.pending);
        await page.goto(`${base}${path}${path.includes("?") ? "&" : "?"}lang=${lang}`);
        await settle(page);
        for (const p of await rawKeys(page)) problems.push(`${user} ${lang} ${template}: ${p}`);
      }
      const errors = page.errors.filter((e) => !e.startsWith("Failed to load resource"));
      for (const e of errors) problems.push(`${user} ${lang}: script error ${e}`);
      await page.context().close();
    }
  }
  // Signed out: the login page and a page that does not exist.
  for (const lang of ["zh", "en"]) {
    const page = await newPage(1366, 900);
    for (const path of ["/login", "/no-such-page"]) {
      await page.goto(`${base}${path}?lang=${lang}`);
      await settle(page);
      for (const p of await rawKeys(page)) problems.push(`signed out ${lang} ${path}: ${p}`);
    }
    await page.context().close();
  }
  assert.deepEqual(problems, [], "every page is translated");
}
