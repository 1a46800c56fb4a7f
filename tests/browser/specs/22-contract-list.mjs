// The contract list (issue 17), in Chinese on a desktop and in English on a 390 px phone:
// - the totals of the whole filtered list ("共 N 份，合同金额 X 万元，技术交易额 Y 万元") as the API
//   sums them, and page navigation "第 k / N 页" whose pages show every contract once;
// - historical registrations (loaded from an office's records, registered before they were
//   recorded here) marked as such in the list and on their page, which names who loaded them
//   instead of showing a registration time before the recording time as if it were a slip.

const LANGS = [
  {
    lang: "zh", width: 1366, height: 768, historical: "历史登记", loadedBy: "载入人（历史数据）", recordedBy: "登记人",
    registered: "登记时间",
    totals: (n, c, t) => `共 ${group(n)} 份，合同金额 ${wan(c)} 万元，技术交易额 ${wan(t)} 万元`,
    page: (k, n) => `第 ${k} / ${n} 页`,
  },
  {
    lang: "en", width: 390, height: 844, historical: "Historical", loadedBy: "Loaded from the records by", recordedBy: "Recorded by",
    registered: "Registered",
    totals: (n, c, t) => `${group(n)} contract${n === 1 ? "" : "s"}, contract amount CNY ${yuan(c)}, technical amount CNY ${yuan(t)}`,
    page: (k, n) => `Page ${k} of ${n}`,
  },
];

const group = (s) => String(s).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
const fen = (y) => { const [w, f = ""] = y.split("."); return BigInt(w) * 100n + BigInt((f + "00").slice(0, 2)); };
/** Yuan string → 万元 with two decimals, half up, exact (independent of the page's code). */
function wan(y) {
  const h = (fen(y) * 100n + 500000n) / 1000000n;
  return group((h / 100n).toString()) + "." + (h % 100n).toString().padStart(2, "0");
}
const yuan = (y) => { const [w, f] = y.split("."); return group(w) + "." + f; };

export async function run({ page: newPage, login, screenshot, assert, base }) {
  const year = new Date().getFullYear();
  for (const l of LANGS) {
    const page = await newPage(l.width, l.height);
    await login(page, "demo-371302-a");
    const api = (path) => page.evaluate(async (p) => (await fetch(p, { credentials: "same-origin" })).json(), path);

    // Totals and pages of this year's registered contracts of the office.
    const filter = `year=${year}&office=371302&status=registered`;
    const { totals } = await api(`/api/v1/contracts?${filter}&limit=1`);
    assert.ok(totals.count > 50, `more than one page: ${JSON.stringify(totals)}`);
    const pages = Math.ceil(totals.count / 50);
    await page.goto(`${base}/contracts?${filter}&lang=${l.lang}`);
    await page.waitForSelector('#contract-list[data-ready="true"]');
    assert.equal((await page.textContent("#list-totals")).trim(), l.totals(totals.count, totals.contract_amount, totals.technical_amount));
    assert.equal((await page.textContent("#page-no")).trim(), l.page(1, pages));
    assert.ok(await page.$eval("#prev", (b) => b.disabled), "no page before the first");
    const width = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
    assert.ok(width.scroll <= width.inner, `${l.lang} ${l.width}px: no sideways scroll (${width.scroll} > ${width.inner})`);
    await screenshot(page, l.lang === "zh" ? "contract-list-totals.png" : "contract-list-phone-en.png");

    // Every page once, to the last: each contract of the filter exactly once.
    const seen = [];
    for (let k = 1; k <= (l.lang === "zh" ? pages : 2); k += 1) {
      if (k > 1) {
        const before = await page.getAttribute("#rows tr:first-child", "data-id");
        await page.click("#next");
        await page.waitForFunction((id) => {
          const first = document.querySelector("#rows tr:first-child");
          return first && first.dataset.id !== id && document.getElementById("contract-list").dataset.ready === "true";
        }, before);
        assert.equal((await page.textContent("#page-no")).trim(), l.page(k, pages));
        assert.ok(!(await page.$eval("#prev", (b) => b.disabled)), "a page before");
        // The totals are of the whole list on every page.
        assert.equal((await page.textContent("#list-totals")).trim(), l.totals(totals.count, totals.contract_amount, totals.technical_amount));
      }
      seen.push(...(await page.$$eval("#rows tr", (rows) => rows.map((r) => r.dataset.id))));
    }
    if (l.lang === "zh") {
      assert.equal(seen.length, totals.count, "every contract of the filter on some page");
      assert.equal(new Set(seen).size, seen.length, "none twice");
      assert.ok(await page.$eval("#next", (b) => b.disabled), "no page after the last");
      await page.click("#prev");
      await page.waitForFunction((text) => document.getElementById("page-no").textContent.trim() === text, l.page(pages - 1, pages));
    }

    // Historical registrations: the flag says registered before recorded, and only then.
    const { items } = await api(`/api/v1/contracts?year=${year - 1}&office=371302&limit=500`);
    for (const c of items) {
      if (!c.registered_at) continue;
      assert.equal(c.historical, c.registered_at < c.created_at, `historical iff registered before recorded: ${c.id}`);
    }
    const old = items.find((c) => c.historical && c.registration_no);
    assert.ok(old, "the demo loaded historical registrations");
    await page.goto(`${base}/contracts?q=${old.registration_no}&lang=${l.lang}`);
    await page.waitForSelector('#contract-list[data-ready="true"]');
    const mark = page.locator(`#rows tr[data-id="${old.id}"] .tag.historical`);
    assert.equal((await mark.textContent()).trim(), l.historical);
    assert.ok((await mark.getAttribute("title")).length > 10, "the mark explains itself");
    const fresh = (await api(`/api/v1/contracts?year=${year}&office=371302&status=registered&limit=100`)).items.find((c) => !c.historical);
    assert.ok(fresh, "a contract registered here");
    await page.goto(`${base}/contracts?q=${fresh.registration_no}&lang=${l.lang}`);
    await page.waitForSelector('#contract-list[data-ready="true"]');
    assert.equal(await page.locator(`#rows tr[data-id="${fresh.id}"] .tag.historical`).count(), 0, "only historical ones are marked");

    // Its page: loaded by whom and when, the registration time marked historical.
    const facts = async (c) => {
      await page.goto(`${base}/contracts/${c.id}?lang=${l.lang}`);
      await page.waitForSelector('#contract[data-ready="true"]');
      return page.$$eval("#c-facts dt", (dts) => Object.fromEntries(dts.map((dt) => [dt.textContent.trim(), {
        text: dt.nextElementSibling.textContent.trim(),
        historical: !!dt.nextElementSibling.querySelector(".tag.historical"),
      }])));
    };
    const time = (s) => (s.match(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/) || [""])[0];
    const then = await facts(old);
    assert.ok(then[l.loadedBy], `${l.lang}: "${l.loadedBy}" on a historical contract: ${JSON.stringify(then)}`);
    assert.ok(!then[l.recordedBy], `${l.lang}: not "${l.recordedBy}"`);
    assert.ok(then[l.registered].historical && then[l.registered].text.includes(l.historical), JSON.stringify(then[l.registered]));
    assert.ok(time(then[l.registered].text) < time(then[l.loadedBy].text), "registered before it was loaded, and said so");
    if (l.lang === "zh") await screenshot(page, "contract-historical.png");
    const now = await facts(fresh);
    assert.ok(now[l.recordedBy] && !now[l.loadedBy], JSON.stringify(now));
    assert.ok(!now[l.registered].historical, "no mark on a contract registered here");
    assert.ok(time(now[l.registered].text) >= time(now[l.recordedBy].text),
      `registered at or after it was recorded: ${now[l.registered].text} / ${now[l.recordedBy].text}`);
    const phone = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    assert.ok(phone, `${l.lang}: the contract page does not scroll sideways`);

    assert.deepEqual(page.errors.filter((e) => !e.startsWith("Failed to load resource")), [], "no script errors");
    await page.context().close();
  }
}
