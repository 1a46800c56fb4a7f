// Every page, as every role that may open it, in Chinese and in English, on a desktop and on a
// 390×844 phone (issue 17): no raw translation key anywhere in the page (text, hidden rows the
// scripts rendered, labels, titles, placeholders), no key a page script asked for that the page
// did not embed (`<html data-missing-i18n>`, kept by TL.t); on the phone no sideways scrolling
// (scrollWidth ≤ innerWidth) and a header whose menu, user, sign-out and language switch are
// all on screen. An applicant (created here by a registrar, with one submission) opens the
// online-submission pages; the registrar opens the queue, a submission and the applicants.
import { creditCode, runNumber, minimalPdf, createApplicant, submissionForm, submitThroughApi } from "../submission-helpers.mjs";

/** A raw key of one of the translation tables, as the page would show it untranslated. */
const RAW_KEY = /\b(?:acct|adm|app|aud|chart|common|dash|form|http|login|nav|reg|review|role|status|sub|verify)\.[a-z0-9_]+(?:\.[a-z0-9_]+)*\b/;

/** The pages of each demo user (`<contract>`: a contract of the user's office, `<pending>`: a
 *  contract waiting for approval, `<submission>`: the applicant's submission to 兰山). */
const PAGES = {
  "demo-official": ["/", "/contracts", "/contracts/<contract>", "/account", "/verify"],
  "demo-371302-b": ["/", "/contracts", "/contracts/new", "/contracts/<contract>", "/contracts/<pending>", "/approvals", "/import", "/account",
    "/submissions/queue", "/submissions/<submission>", "/applicants"],
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

/** What is wrong with the page on a phone: sideways scrolling, a header that hides things. */
async function phoneProblems(page) {
  const found = [];
  const width = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  if (width.scroll > width.inner) {
    const wide = await page.evaluate(() => Array.from(document.querySelectorAll("body *"))
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5 && !el.closest(".table-wrap, .topbar-menu[hidden]"))
      .slice(0, 3).map((el) => `<${el.tagName.toLowerCase()} id="${el.id}" class="${el.className}">`).join(", "));
    found.push(`scrolls sideways: scrollWidth ${width.scroll} > innerWidth ${width.inner} (${wide})`);
  }
  const inView = (sel) => page.evaluate((s) => Array.from(document.querySelectorAll(s)).every((el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= window.innerWidth;
  }) && document.querySelectorAll(s).length > 0, sel);
  if ((await page.$(".topbar")) && !(await inView(".lang-switch"))) found.push("the language switch is off-screen");
  if (await page.$("#nav-toggle")) {
    if (!(await inView("#nav-toggle"))) found.push("the menu button is off-screen");
    await page.click("#nav-toggle");
    for (const sel of [".mainnav a", ".who-name", ".who button[type=submit]"]) {
      if (!(await inView(sel))) found.push(`${sel} is off-screen with the menu open`);
    }
    await page.click("#nav-toggle");
  }
  return found;
}

/** The pages of the applicant this spec creates. */
const APPLICANT_PAGES = ["/submissions", "/submissions/new", "/submissions/<submission>", "/submissions/<submission>/edit", "/account"];

/** A registrar of 兰山 creates an applicant, who submits one contract; returns its username. */
async function applicantWithASubmission(newPage, login, password) {
  const n = runNumber();
  const username = `pages-applicant-${n}`;
  const code = creditCode((n + 3) % 100000000);
  const reg = await newPage();
  await login(reg, "demo-371302-b");
  await createApplicant(reg, username, password, code);
  await reg.context().close();
  const app = await newPage();
  await login(app, username, password);
  const form = submissionForm(code, creditCode((n + 5) % 100000000), `页面检查合同 ${n}`, "120000.00", new Date().getFullYear());
  await submitThroughApi(app, form, minimalPdf("every page"));
  await app.context().close();
  return username;
}

/** The first submission the signed-in user can read. */
async function submissionId(page) {
  return page.evaluate(async () => {
    const res = await fetch("/api/v1/submissions", { credentials: "same-origin" });
    if (!res.ok) return "none";
    const list = await res.json();
    return list.length ? list[0].id : "none";
  });
}

export async function run({ page: newPage, login, assert, base, password }) {
  const problems = [];
  const applicant = await applicantWithASubmission(newPage, login, password);
  const pages = { ...PAGES, [applicant]: APPLICANT_PAGES };
  for (const [width, height] of [[1366, 900], [390, 844]]) {
    const phone = width < 500;
    for (const [user, paths] of Object.entries(pages)) {
      for (const lang of ["zh", "en"]) {
        const page = await newPage(width, height);
        await login(page, user, user === "admin" ? process.env.TL_ADMIN_PASSWORD : password);
        const ids = await contractIds(page).catch(() => ({ contract: "none", pending: "none" }));
        const submission = await submissionId(page).catch(() => "none");
        for (const template of paths) {
          const path = template.replace("<contract>", ids.contract).replace("<pending>", ids.pending).replace("<submission>", submission);
          await page.goto(`${base}${path}${path.includes("?") ? "&" : "?"}lang=${lang}`);
          await settle(page);
          const where = `${width}px ${user} ${lang} ${template}`;
          for (const p of await rawKeys(page)) problems.push(`${where}: ${p}`);
          if (phone) for (const p of await phoneProblems(page)) problems.push(`${where}: ${p}`);
        }
        const errors = page.errors.filter((e) => !e.startsWith("Failed to load resource"));
        for (const e of errors) problems.push(`${width}px ${user} ${lang}: script error ${e}`);
        await page.context().close();
      }
    }
    // Signed out: the login page and a page that does not exist.
    for (const lang of ["zh", "en"]) {
      const page = await newPage(width, height);
      for (const path of ["/login", "/sign-up", "/no-such-page"]) {
        await page.goto(`${base}${path}?lang=${lang}`);
        await settle(page);
        for (const p of await rawKeys(page)) problems.push(`${width}px signed out ${lang} ${path}: ${p}`);
        if (phone) for (const p of await phoneProblems(page)) problems.push(`${width}px signed out ${lang} ${path}: ${p}`);
      }
      await page.context().close();
    }
  }
  assert.deepEqual(problems, [], "every page is translated, and fits a phone");
}
