// The officials' dashboard: every chart draws, and the headline equals the summary API; on a
// wall screen, a laptop and a phone, in Chinese and English, every chart's texts are whole
// (none cut to "技…"), inside its box and clear of the others, and every money axis names its
// unit.

const CHARTS = ["chart-gauge", "chart-cumulative", "chart-office", "chart-type", "chart-flow", "chart-field", "chart-review", "chart-sellers", "chart-buyers"];
/** The charts of money with a value axis, and the unit it names (zh, en). */
const MONEY_AXES = {
  "chart-cumulative": ["亿元", "CNY 100M"],
  "chart-office": ["亿元", "CNY 100M"],
  "chart-field": ["亿元", "CNY 100M"],
  "chart-sellers": ["万元", "CNY 10k"],
  "chart-buyers": ["万元", "CNY 10k"],
};

/** The bar charts drawn sideways, with a category label beside each bar. */
const HORIZONTAL = ["chart-field", "chart-sellers", "chart-buyers"];

/** What is wrong with the charts' texts (SVG): cut, outside the chart, a unit missing. */
async function chartProblems(page, lang) {
  const texts = await page.evaluate((ids) => Object.fromEntries(ids.map((id) => {
    const el = document.getElementById(id);
    const box = el.getBoundingClientRect();
    return [id, Array.from(el.querySelectorAll("svg text")).filter((t) => t.textContent.trim() && t.getBoundingClientRect().width > 0).map((t) => {
      const r = t.getBoundingClientRect();
      const inside = r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
      return { text: t.textContent, inside, left: r.left, right: r.right, top: r.top, bottom: r.bottom };
    })];
  })), CHARTS);
  const problems = [];
  for (const [id, list] of Object.entries(texts)) {
    for (const t of list) {
      if (!t.inside) problems.push(`${id}: "${t.text}" is outside the chart`);
      if (/…|\.\.\.$/.test(t.text)) problems.push(`${id}: "${t.text}" is cut`);
    }
    // In the horizontal bar charts (labels upright, one row each) no two category labels
    // overlap: a label wrapped onto two lines must not run into the next row's.
    const unit = MONEY_AXES[id] && MONEY_AXES[id][lang === "en" ? 1 : 0];
    if (HORIZONTAL.includes(id)) {
      const labels = list.filter((t) => t.text !== unit && !/^[\d,.\s]+$/.test(t.text));
      labels.forEach((a, i) => labels.slice(i + 1).forEach((b) => {
        // A text's box is its font's whole cell (taller than the glyphs: the lines of one
        // wrapped Chinese label, 14 px apart, have 17 px boxes), so boxes may touch by a little.
        const cell = Math.min(a.bottom - a.top, b.bottom - b.top);
        const overlap = Math.min(a.right, b.right) - Math.max(a.left, b.left) > 2 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.3 * cell;
        if (overlap) problems.push(`${id}: "${a.text}" and "${b.text}" overlap`);
      }));
    }
    if (unit && !list.some((t) => t.text === unit)) problems.push(`${id}: no axis named ${unit}`);
  }
  return problems;
}

export async function run({ page: newPage, login, screenshot, assert, base, yi }) {
  for (const [width, height] of [[1920, 1080], [1366, 768], [390, 844]]) {
    for (const lang of ["zh", "en"]) {
      const p = await newPage(width, height);
      await login(p, "demo-official");
      await p.goto(`${base}/?lang=${lang}`);
      await p.waitForSelector('#dashboard[data-ready="true"]', { timeout: 20000 });
      await p.waitForTimeout(800);
      assert.deepEqual(await chartProblems(p, lang), [], `the charts at ${width}px in ${lang}`);
      if (width === 390) await screenshot(p, `dashboard-phone-${lang}.png`, true);
      await p.context().close();
    }
  }

  const page = await newPage(1920, 1080);
  await login(page, "demo-official");
  await page.goto(base + "/");
  await page.waitForSelector('#dashboard[data-ready="true"]', { timeout: 20000 });

  for (const id of CHARTS) {
    const drawn = await page.$eval(`#${id}`, (el) => el.querySelectorAll("svg path, svg text").length);
    assert.ok(drawn > 3, `${id} drew nothing (${drawn} shapes)`);
  }

  const summary = await page.evaluate(async () => {
    const year = document.getElementById("dashboard").dataset.year;
    return (await fetch(`/api/v1/stats/summary?year=${year}`, { credentials: "same-origin" })).json();
  });
  const shown = await page.$eval("#kpi-turnover", (el) => ({ text: el.textContent, yuan: el.dataset.yuan }));
  assert.equal(shown.yuan, summary.turnover, "the headline is the summary's turnover");
  assert.equal(shown.text, yi(summary.turnover), "shown in 亿元, exactly");
  assert.ok(BigInt(summary.turnover.replace(".", "")) > 0n, "demo data has turnover");
  assert.equal(await page.textContent("#kpi-contracts"), String(summary.contracts));
  // The log checkpoint the figures were computed at: its size, a short root hash, a link to
  // the signed note (whose tree size is that size) and the command that checks the figures.
  assert.equal(await page.textContent("#checkpoint-size"), String(summary.checkpoint.tree_size));
  assert.equal(await page.getAttribute("#checkpoint-root", "title"), summary.checkpoint.root_hash);
  const href = await page.getAttribute("#checkpoint-link", "href");
  assert.equal(href, `/log/checkpoint/${summary.checkpoint.tree_size}`);
  const note = await page.evaluate(async (path) => (await fetch(path)).text(), href);
  assert.equal(note.split("\n")[1], String(summary.checkpoint.tree_size), "the note is of that size");
  assert.equal(note, summary.checkpoint.note);
  // The screenshot before the "how to verify" box opens and scrolls the page (a full-page
  // screenshot of a scrolled page shows the sticky header in its middle).
  await screenshot(page, "dashboard.png", true);
  await page.click("#verify-link");
  assert.match(await page.textContent("#verify-command"), /techledger verify figures --year \d{4} --checkpoint checkpoint.txt/);
  assert.deepEqual(page.errors, [], "no script errors");

  // English with the switch.
  await page.click(".lang-switch");
  await page.waitForSelector('#dashboard[data-ready="true"]');
  assert.match(await page.textContent("h1"), /Technology contract turnover/);
  await screenshot(page, "dashboard-en.png", true);
  await page.context().close();
}
