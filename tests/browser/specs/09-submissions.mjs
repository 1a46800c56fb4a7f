// Online submission (网上申报, issue 16) in Chinese on the real server: someone signs up from the
// login page, a registrar of the office activates them, the applicant signs in, submits a real
// PDF with the contract form, the registrar returns it with a reason on one field, the
// applicant sees the reason at that field, corrects and resubmits, the registrar accepts it and
// the applicant downloads the certificate (a PDF naming the registration number). Then a second
// submission is refused and the applicant reads why. The applicant's pages are also opened at
// 390×844: none scrolls sideways.
import { execFileSync } from "node:child_process";
import { readFile, writeFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { creditCode, runNumber, minimalPdf } from "../submission-helpers.mjs";

/** Answers every confirmation dialog of `page` with yes, keeping their texts. */
function confirmations(page) {
  const asked = [];
  page.on("dialog", async (d) => { asked.push(d.message()); await d.accept(); });
  return asked;
}

/** Waits until the page's scripts have drawn it. */
async function ready(page, selector) {
  await page.waitForSelector(`${selector}[data-ready="true"]`, { timeout: 20000 });
}

async function noSidewaysScroll(page, where, assert) {
  const w = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert.ok(w.scroll <= w.inner, `${where} scrolls sideways at 390 px: ${w.scroll} > ${w.inner}`);
}

export async function run({ page: newPage, login, screenshot, assert, base, password }) {
  const n = runNumber();
  const username = `seller-${n}`;
  const applicantPassword = `Seller-Pass-${n}`;
  const seller = creditCode(n % 100000000);
  const buyer = creditCode((n + 7) % 100000000);
  const year = new Date().getFullYear();
  const title = `玉米收获机械智能控制技术开发合同 ${n}`;
  const dir = await mkdtemp(path.join(tmpdir(), "tl-sub-"));
  const pdfPath = path.join(dir, "signed-contract.pdf");
  await writeFile(pdfPath, minimalPdf(`Signed contract ${n}`));

  // 1. Sign-up, from the login page, in Chinese.
  const anon = await newPage();
  await anon.goto(`${base}/login?lang=zh`);
  await Promise.all([anon.waitForNavigation(), anon.click('a[href="/sign-up"]')]);
  await ready(anon, "#signup-form");
  assert.ok((await anon.textContent("#su-password-hint")).includes("至少10个字符"), "the password rules are stated");
  await anon.fill("#su-username", username);
  await anon.fill("#su-password", applicantPassword);
  await anon.fill("#su-confirm", applicantPassword);
  await anon.fill("#su-display_name", "临沂智能农机科技有限公司");
  // A credit code with one wrong character: the API's message, beside the field.
  const wrong = seller.slice(0, 17) + (seller[17] === "0" ? "1" : "0");
  await anon.fill("#su-credit_code", wrong);
  await anon.selectOption("#su-office", "371302");
  await anon.click("#signup-submit");
  await anon.waitForSelector("#su-credit_code-error:not([hidden])");
  const codeError = await anon.textContent("#su-credit_code-error");
  assert.ok(/统一社会信用代码|校验/.test(codeError), `the credit-code message: ${codeError}`);
  await anon.fill("#su-credit_code", seller);
  await anon.click("#signup-submit");
  await anon.waitForSelector("#signup-done:not([hidden])");
  const done = await anon.textContent("#signup-done-text");
  assert.ok(done.includes("登记员") && done.includes("激活"), `after sign-up it says a registrar must activate: ${done}`);
  await screenshot(anon, "submission-signup.png");
  // Not active yet: the login is refused.
  await anon.goto(`${base}/login`);
  await anon.fill("#username", username);
  await anon.fill("#password", applicantPassword);
  await Promise.all([anon.waitForNavigation(), anon.click("button[type=submit]")]);
  assert.ok(anon.url().includes("/login"), "an inactive applicant cannot sign in");
  await anon.context().close();

  // 2. A registrar of 兰山 activates them.
  const reg = await newPage();
  const regAsked = confirmations(reg);
  await login(reg, "demo-371302-a");
  await reg.goto(`${base}/applicants`);
  await ready(reg, "#applicants");
  const row = `#applicant-rows tr[data-username="${username}"]`;
  await reg.click(`${row} button.activate`);
  await reg.waitForFunction((sel) => document.querySelector(sel).classList.contains("decided"), row);
  assert.ok(regAsked.some((m) => m.includes(username) && m.includes(seller)), `the activation is confirmed naming them: ${regAsked}`);

  // 3. The applicant signs in and lands on their submissions; submits with a real PDF.
  const app = await newPage();
  await login(app, username, applicantPassword);
  assert.ok(new URL(app.url()).pathname === "/submissions", `an applicant lands on 我的申报: ${app.url()}`);
  await ready(app, "#submissions");
  await Promise.all([app.waitForNavigation(), app.click('.mainnav a[href="/submissions/new"]')]);
  await ready(app, "#contract-form");
  assert.equal(await app.inputValue("#seller-credit_code"), seller, "the seller is the applicant's own organisation");
  assert.ok(await app.isHidden("#seller-search"), "an applicant does not search the ledger's parties");
  await app.selectOption("#office", "371302");
  await app.selectOption("#contract_type", "development");
  await app.fill("#title", title);
  async function party(side, name, code, region) {
    await app.fill(`#${side}-name`, name);
    await app.selectOption(`#${side}-kind`, "enterprise");
    if (code) await app.fill(`#${side}-credit_code`, code);
    await app.waitForSelector(`#${side}-province option[value="370000"]`, { state: "attached" });
    await app.selectOption(`#${side}-province`, "370000");
    await app.waitForSelector(`#${side}-city option[value="371300"]`, { state: "attached" });
    await app.selectOption(`#${side}-city`, "371300");
    await app.waitForSelector(`#${side}-county option[value="${region}"]`, { state: "attached" });
    await app.selectOption(`#${side}-county`, region);
  }
  await party("seller", "临沂智能农机科技有限公司", null, "371302");
  await party("buyer", "临沂某某农业装备有限公司", buyer, "371311");
  await app.fill("#signed_on", `${year}-03-01`);
  await app.fill("#contract_amount", "380000.00");
  await app.fill("#technical_amount", "350000.00");
  await app.selectOption("#tech_field", "agriculture");
  await app.selectOption("#ip_type", "patent");
  await app.setInputFiles("#file", pdfPath);
  assert.ok((await app.textContent("#file-hint")).includes("20 MB"), "the size limit is shown");
  await screenshot(app, "submission-new.png", true);
  await Promise.all([app.waitForURL(/\/submissions\/[0-9a-f-]+\?sent=1/), app.click("#submit")]);
  const id = new URL(app.url()).pathname.split("/")[2];
  await ready(app, "#submission");
  assert.equal(await app.getAttribute("#submission", "data-status"), "submitted");
  assert.ok((await app.textContent("#sub-facts")).includes("待受理"), "status 待受理");

  // 4. The registrar finds it in the queue, opens its file and returns it with a reason.
  await reg.goto(`${base}/submissions/queue`);
  await ready(reg, "#submissions");
  const queued = `#submission-rows tr[data-id="${id}"]`;
  assert.ok(await reg.$(queued), "the submission waits in the office's queue");
  assert.ok((await reg.textContent(queued)).includes("0"), "working days waiting");
  await Promise.all([reg.waitForNavigation(), reg.click(`${queued} a`)]);
  await ready(reg, "#submission");
  const fileHref = await reg.getAttribute(".version .file-link", "href");
  const file = await reg.evaluate(async (href) => {
    const res = await fetch(href);
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, type: res.headers.get("Content-Type"), head: String.fromCharCode(...bytes.slice(0, 5)), size: bytes.length };
  }, fileHref);
  assert.equal(file.status, 200);
  assert.equal(file.type, "application/pdf");
  assert.equal(file.head, "%PDF-", "the registrar reads the signed contract as uploaded");
  await reg.click("#return-open");
  await reg.check('.return-field[data-field="contract_amount"] input[type=checkbox]');
  const reason = "合同成交额与合同文本第五条不一致，请核对";
  await reg.fill('.return-field[data-field="contract_amount"] .return-reason', reason);
  await reg.click('#return-form button[type=submit]');
  await reg.waitForFunction(() => document.getElementById("submission").dataset.status === "returned");
  await screenshot(reg, "submission-returned-registrar.png", true);

  // 5. The applicant sees the reason, at that field, corrects and submits again.
  await app.goto(`${base}/submissions`);
  await ready(app, "#submissions");
  assert.ok((await app.textContent(`#submission-rows tr[data-id="${id}"] td.reasons`)).includes(reason), "the list shows the reason");
  await app.goto(`${base}/submissions/${id}`);
  await ready(app, "#submission");
  assert.ok((await app.textContent("#return-reasons")).includes(reason));
  assert.ok((await app.textContent('.version .returned-field[data-field="contract_amount"]')).includes(reason), "the returned field is highlighted with its reason");
  await Promise.all([app.waitForNavigation(), app.click("#correct-link")]);
  await ready(app, "#contract-form");
  assert.equal(await app.inputValue("#title"), title, "the form holds the submitted version");
  assert.ok((await app.textContent("#contract_amount-error")).includes(reason), "the reason stands at the amount");
  await screenshot(app, "submission-correct.png", true);
  await app.fill("#contract_amount", "350000.00");
  await Promise.all([app.waitForURL(/\?sent=1/), app.click("#submit")]);
  await ready(app, "#submission");
  assert.equal(await app.getAttribute("#submission", "data-version"), "2", "a new version");
  assert.equal(await app.getAttribute("#submission", "data-status"), "submitted");
  assert.equal(await app.locator(".version").count(), 2, "both versions are shown");

  // 6. The registrar accepts version 2: registered with a number.
  await reg.goto(`${base}/submissions/${id}`);
  await ready(reg, "#submission");
  regAsked.length = 0;
  await reg.click("#accept");
  await reg.waitForFunction(() => document.getElementById("submission").dataset.status === "accepted");
  assert.ok(regAsked[0].includes(title), `the acceptance is confirmed naming the contract: ${regAsked[0]}`);
  const number = await reg.getAttribute("#sub-status", "data-registration-no");
  assert.match(number, /^\d{16}$/, `the registration number is shown: ${await reg.textContent("#sub-status")}`);
  assert.ok((await reg.textContent("#sub-status")).includes(number));

  // 7. The applicant downloads the certificate.
  await app.goto(`${base}/submissions/${id}`);
  await ready(app, "#submission");
  const [download] = await Promise.all([app.waitForEvent("download"), app.click("#certificate")]);
  const pdf = await readFile(await download.path());
  assert.equal(pdf.subarray(0, 5).toString(), "%PDF-", "the certificate is a PDF");
  let text = null;
  try {
    text = execFileSync("pdftotext", [await download.path(), "-"], { encoding: "utf8" });
  } catch (_) {
    text = null; // no pdftotext on this runner
  }
  if (text !== null) assert.ok(text.replace(/\s/g, "").includes(number), "pdftotext finds the registration number");
  await screenshot(app, "submission-accepted.png", true);

  // 7b. The same contract submitted again: a file over the limit is refused beside the file
  // field before it is sent; then the duplicate of the registered contract is warned about and
  // goes in only with "submit anyway".
  const big = path.join(dir, "too-large.pdf");
  await writeFile(big, Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.alloc(20 * 1024 * 1024 + 1, 0x20)]));
  await app.goto(`${base}/submissions/new`);
  await ready(app, "#contract-form");
  await app.selectOption("#contract_type", "development");
  await app.fill("#title", title);
  await party("seller", "临沂智能农机科技有限公司", null, "371302");
  await party("buyer", "临沂某某农业装备有限公司", buyer, "371311");
  await app.fill("#signed_on", `${year}-03-01`);
  await app.fill("#contract_amount", "350000.00");
  await app.fill("#technical_amount", "350000.00");
  await app.selectOption("#tech_field", "agriculture");
  await app.selectOption("#ip_type", "patent");
  await app.setInputFiles("#file", big);
  await app.waitForSelector("#file-error:not([hidden])");
  assert.ok((await app.textContent("#file-error")).includes("大小"), "the size limit is said beside the file field");
  await app.setInputFiles("#file", pdfPath);
  assert.ok(await app.isHidden("#file-error"), "another file clears it");
  await app.click("#submit");
  await app.waitForSelector("#duplicate-box:not([hidden])");
  assert.ok((await app.textContent("#confirm_duplicate-error")).length > 0, "the duplicate is named");
  await screenshot(app, "submission-duplicate.png");
  await app.check("#confirm_duplicate");
  await Promise.all([app.waitForURL(/\?sent=1/), app.click("#submit")]);
  await ready(app, "#submission");
  assert.equal(await app.getAttribute("#submission", "data-status"), "submitted", "submitted anyway");
  // The registrar accepting it is asked again: "register anyway?", then it is registered.
  const repeat = new URL(app.url()).pathname.split("/")[2];
  await reg.goto(`${base}/submissions/${repeat}`);
  await ready(reg, "#submission");
  regAsked.length = 0;
  await reg.click("#accept");
  await reg.waitForFunction(() => document.getElementById("submission").dataset.status === "accepted");
  assert.equal(regAsked.length, 2, `asked to accept, then to register the duplicate anyway: ${regAsked}`);
  assert.ok(regAsked[1].includes(number), `the duplicate names the registered contract ${number}: ${regAsked[1]}`);

  // 8. Another submission, refused with a reason; the applicant reads it.
  await app.goto(`${base}/submissions/new`);
  await ready(app, "#contract-form");
  await app.selectOption("#contract_type", "consulting");
  await app.fill("#title", `${title}（咨询）`);
  await party("seller", "临沂智能农机科技有限公司", null, "371302");
  await party("buyer", "临沂某某农业装备有限公司", creditCode((n + 11) % 100000000), "371311");
  await app.fill("#signed_on", `${year}-04-01`);
  await app.fill("#contract_amount", "90000.00");
  await app.fill("#technical_amount", "90000.00");
  await app.selectOption("#tech_field", "agriculture");
  await app.selectOption("#ip_type", "none");
  // No file: refused beside the file field.
  await app.click("#submit");
  await app.waitForSelector("#file-error:not([hidden])");
  await app.setInputFiles("#file", pdfPath);
  await Promise.all([app.waitForURL(/\?sent=1/), app.click("#submit")]);
  const second = new URL(app.url()).pathname.split("/")[2];
  await reg.goto(`${base}/submissions/${second}`);
  await ready(reg, "#submission");
  await reg.click("#refuse-open");
  const why = "该合同不属于技术合同登记范围";
  await reg.fill("#refuse-reason", why);
  regAsked.length = 0;
  await reg.click('#refuse-form button[type=submit]');
  await reg.waitForFunction(() => document.getElementById("submission").dataset.status === "refused");
  assert.ok(regAsked[0].includes(why), "the refusal is confirmed with its reason");
  await app.goto(`${base}/submissions/${second}`);
  await ready(app, "#submission");
  assert.ok((await app.textContent("#refusal")).includes(why), "the applicant reads why");
  assert.ok(await app.isHidden("#applicant-actions"), "a refused submission cannot be corrected");

  // 8b. A registrar creates an applicant at the counter: active at once.
  const counter = `counter-${n}`;
  await reg.goto(`${base}/applicants`);
  await ready(reg, "#applicants");
  await reg.fill("#ca-username", counter);
  await reg.fill("#ca-password", applicantPassword);
  await reg.fill("#ca-display_name", "临沂柜台办理科技有限公司");
  await reg.fill("#ca-credit_code", creditCode((n + 13) % 100000000));
  await reg.click("#create-submit");
  await reg.waitForFunction((u) => document.getElementById("appl-status").dataset.created === u, counter);
  const walkIn = await newPage();
  await login(walkIn, counter, applicantPassword);
  assert.equal(new URL(walkIn.url()).pathname, "/submissions", "the counter's applicant signs in at once");
  await walkIn.context().close();

  // 9. The applicant's pages on a phone.
  const phone = await newPage(390, 844);
  await login(phone, username, applicantPassword);
  for (const p of ["/submissions", "/submissions/new", `/submissions/${id}`, `/submissions/${second}`, `/submissions/${id}/edit`, "/sign-up"]) {
    await phone.goto(`${base}${p}`);
    await phone.waitForLoadState("networkidle");
    await phone.waitForFunction(() => Array.from(document.querySelectorAll("[data-ready]")).every((el) => el.dataset.ready !== ""), null, { timeout: 20000 });
    await noSidewaysScroll(phone, p, assert);
  }
  await screenshot(phone, "submission-phone.png", true);

  for (const [who, p] of [["registrar", reg], ["applicant", app], ["phone", phone]]) {
    const errors = p.errors.filter((e) => !e.startsWith("Failed to load resource"));
    assert.deepEqual(errors, [], `no script errors (${who})`);
  }
}
