// What an office's leadership needs from the dashboard (issue 17), in Chinese and English: the
// menu names it 领导看板; a button downloads the yearly report (XLSX); the gauge is captioned
// 完成率 with 时间进度 beside it; 同比 for turnover, contracts and introduced equals the change
// over the completed months against the same months of the previous year, computed here from
// the API; per-office targets (the
// browser suite configures two) show each office's completion; printed, the page is dark ink
// on white without the header.

/** Growth in per cent with one decimal, half up, signed (independent of the page's code). */
function growth(current, previous) {
  if (previous === 0n) return "—";
  const diff = current - previous;
  const size = diff < 0n ? -diff : diff;
  const tenths = (size * 2000n + previous) / (2n * previous);
  return (diff < 0n ? "−" : "+") + `${tenths / 10n}.${tenths % 10n}%`;
}

const fen = (yuan) => {
  const [whole, frac = ""] = yuan.split(".");
  return BigInt(whole) * 100n + BigInt((frac + "00").slice(0, 2));
};

export async function run({ page: newPage, login, assert, base }) {
  for (const lang of ["zh", "en"]) {
    const page = await newPage(1366, 900);
    await login(page, "demo-official");
    await page.goto(`${base}/?lang=${lang}`);
    await page.waitForSelector('#dashboard[data-ready="true"]', { timeout: 30000 });
    await page.waitForSelector("#yoy-turnover:not([hidden])");
    const zh = lang === "zh";

    assert.equal((await page.textContent(".mainnav a.active")).trim(), zh ? "领导看板" : "Leadership dashboard");

    // The report button downloads the year's workbook.
    const year = await page.$eval("#dashboard", (el) => el.dataset.year);
    const href = await page.getAttribute("#report-link", "href");
    assert.equal(href, `/api/v1/stats/report.xlsx?year=${year}`);
    const report = await page.evaluate(async (h) => {
      const r = await fetch(h, { credentials: "same-origin" });
      return { status: r.status, type: r.headers.get("Content-Type"), size: (await r.arrayBuffer()).byteLength };
    }, href);
    assert.equal(report.status, 200);
    assert.match(report.type, /spreadsheetml/);
    assert.ok(report.size > 1000);

    // The gauge says 完成率; 时间进度 stands beside it in the turnover figure.
    const gauge = await page.$$eval("#chart-gauge svg text", (ts) => ts.map((t) => t.textContent));
    assert.ok(gauge.includes(zh ? "完成率" : "Completion"), JSON.stringify(gauge));
    assert.ok(await page.$(".kpi-main #kpi-elapsed"), "时间进度 is in the turnover figure");
    const summary = await page.evaluate(async (y) => (await fetch(`/api/v1/stats/summary?year=${y}`, { credentials: "same-origin" })).json(), year);
    const pct = (r) => (Math.round(r * 1000) / 10).toFixed(1) + "%";
    assert.equal(await page.textContent("#kpi-completion"), pct(summary.progress.turnover));
    assert.equal(await page.textContent("#kpi-elapsed"), pct(summary.progress.year_elapsed));

    // 同比 over the completed months (1–N月) against the same months of the previous year.
    const months = Number(await page.$eval("#dashboard", (el) => el.dataset.yoyMonths));
    assert.equal(months, summary.as_of.startsWith(year + "-") ? Number(summary.as_of.slice(5, 7)) - 1 : 12);
    const byMonth = async (y) => page.evaluate(async (yy) => (await fetch(`/api/v1/stats/breakdown?by=month&year=${yy}`, { credentials: "same-origin" })).json(), y);
    const [now, before] = [await byMonth(year), await byMonth(Number(year) - 1)];
    const sum = (b, f) => b.rows.slice(0, months).reduce((s, r) => s + f(r), 0n);
    assert.ok(sum(before, (r) => fen(r.turnover)) > 0n, "the demo has last year's turnover");
    assert.equal(await page.textContent("#yoy-turnover .yoy-value"), growth(sum(now, (r) => fen(r.turnover)), sum(before, (r) => fen(r.turnover))));
    assert.equal(await page.textContent("#yoy-contracts .yoy-value"), growth(sum(now, (r) => BigInt(r.contracts)), sum(before, (r) => BigInt(r.contracts))));
    assert.equal(await page.textContent("#yoy-introduced .yoy-value"), growth(sum(now, (r) => BigInt(r.introduced)), sum(before, (r) => BigInt(r.introduced))));
    assert.match(await page.textContent("#yoy-turnover"), zh ? new RegExp(`^同比（1–${months}月）`) : /^Year on year \(Jan–[A-Z][a-z]{2}\)/);

    // Per-office targets where configured.
    const offices = await page.evaluate(async (y) => (await fetch(`/api/v1/stats/breakdown?by=office&year=${y}`, { credentials: "same-origin" })).json(), year);
    const targeted = offices.rows.filter((r) => r.target);
    assert.ok(targeted.length >= 1, "the browser suite configures office targets");
    assert.ok(await page.isVisible("#office-targets"));
    const shown = await page.$$eval("#office-target-rows tr", (rows) => rows.map((r) => ({ office: r.dataset.office, completion: r.querySelector(".completion").textContent })));
    assert.deepEqual(shown, targeted.map((r) => ({ office: r.key, completion: pct(Number(fen(r.turnover)) / Number(fen(r.target))) })));

    // Printed: no header, white paper, dark chart text.
    await page.emulateMedia({ media: "print" });
    await page.evaluate(() => window.dispatchEvent(new Event("beforeprint")));
    await page.waitForTimeout(300);
    const printed = await page.evaluate(() => ({
      header: getComputedStyle(document.querySelector(".topbar")).display,
      background: getComputedStyle(document.body).backgroundColor,
      ink: document.querySelector("#chart-field svg text").getAttribute("fill"),
    }));
    assert.equal(printed.header, "none");
    assert.equal(printed.background, "rgb(255, 255, 255)");
    assert.equal(printed.ink, "#1c2733");
    assert.deepEqual(page.errors, [], "no script errors");
    await page.context().close();
  }
}
