// The auditor's pages in words (issue 17), in Chinese on a desktop and in English on a 390 px
// phone: the verification names what it reconciled, not tables (`amount_entries`); the entry
// list shows registration numbers and each change field by field, the raw JSON only behind a
// toggle, and a translated sequence header; a bad contract link is a clean 404 page.

const LANGS = [
  { lang: "zh", width: 1366, height: 768, seq: "序号", title: "合同名称", amounts: "金额分录", raw: "原始数据" },
  { lang: "en", width: 390, height: 844, seq: "Seq. no.", title: "Title", amounts: "Amount entries", raw: "Raw data" },
];

export async function run({ page: newPage, login, screenshot, assert, base }) {
  for (const l of LANGS) {
    const page = await newPage(l.width, l.height);
    await login(page, "demo-auditor");

    // Verification results in words.
    await page.goto(`${base}/audit?lang=${l.lang}`);
    await page.waitForSelector('#chain[data-ready="true"]');
    await page.click("#verify");
    await page.waitForSelector("#verify-result:not([hidden])", { timeout: 60000 });
    const tables = await page.$$eval("#v-rows tr td:first-child", (tds) => tds.map((td) => td.textContent.trim()));
    assert.ok(tables.length > 5, `reconciled tables listed: ${tables}`);
    assert.ok(tables.includes(l.amounts), `${l.lang}: ${tables}`);
    for (const t of tables) assert.ok(!/_/.test(t), `${l.lang}: a table name in words, not ${t}`);

    // The entry list: translated header, registration numbers, changes field by field.
    await page.goto(`${base}/audit/entries?lang=${l.lang}&action=contract.register`);
    await page.waitForSelector('#entries-browser[data-ready="true"]');
    assert.equal((await page.textContent("table.entries thead th:first-child")).trim(), l.seq);
    const row = page.locator("#entry-rows tr[data-action='contract.register']").first();
    const record = (await row.locator("td").nth(4).textContent()).trim();
    assert.match(record, /\d{16}/, `${l.lang}: the registration number is shown: ${record}`);
    assert.doesNotMatch(record, /[0-9a-f]{8}-[0-9a-f]{4}-/, `${l.lang}: no internal id: ${record}`);
    await row.locator("button.expand").click();
    const seq = await row.getAttribute("data-seq");
    const changes = page.locator(`#payload-${seq} .changes`);
    await page.waitForSelector(`#payload-${seq} .changes[data-ready="true"]`);
    const fields = await changes.locator(".diff-field").allTextContents();
    assert.ok(fields.includes(l.title), `${l.lang}: fields named in words: ${fields}`);
    assert.ok(!(await page.isVisible(`#payload-${seq} pre`)), "the raw JSON stays folded");
    assert.ok((await page.textContent(`#payload-${seq} details.raw summary`)).includes(l.raw));
    await page.click(`#payload-${seq} details.raw summary`);
    assert.ok(await page.isVisible(`#payload-${seq} pre`), "the raw JSON opens");
    if (l.lang === "zh") await screenshot(page, "audit-entries-readable.png");

    // A bad contract link: the 404 page, not a broken contract page.
    const response = await page.goto(`${base}/contracts/00000000-0000-7000-8000-000000000000?lang=${l.lang}`);
    assert.equal(response.status(), 404);
    assert.ok((await page.textContent("body")).includes("页面不存在"), "the 404 page");
    assert.deepEqual(page.errors.filter((e) => !e.startsWith("Failed to load resource")), [], "no script errors");
    await page.context().close();
  }
}
