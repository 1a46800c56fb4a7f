// The officials' dashboard: every chart draws, and the headline equals the summary API.
export async function run({ page: newPage, login, screenshot, assert, base, yi }) {
  const page = await newPage(1920, 1080);
  await login(page, "demo-official");
  await page.goto(base + "/");
  await page.waitForSelector('#dashboard[data-ready="true"]', { timeout: 20000 });

  const charts = ["chart-gauge", "chart-cumulative", "chart-office", "chart-type", "chart-flow", "chart-field", "chart-review", "chart-sellers", "chart-buyers"];
  for (const id of charts) {
    const drawn = await page.$eval(`#${id}`, (el) => {
      const canvas = el.querySelector("canvas");
      if (!canvas || canvas.width === 0 || canvas.height === 0) return 0;
      const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted += 1;
      return painted;
    });
    assert.ok(drawn > 500, `${id} drew nothing (${drawn} painted pixels)`);
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
  await page.click("#verify-link");
  assert.match(await page.textContent("#verify-command"), /techledger verify figures --year \d{4} --checkpoint checkpoint.txt/);
  assert.deepEqual(page.errors, [], "no script errors");
  await screenshot(page, "dashboard.png", true);

  // English with the switch.
  await page.click(".lang-switch");
  await page.waitForSelector('#dashboard[data-ready="true"]');
  assert.match(await page.textContent("h1"), /Technology contract turnover/);
  await screenshot(page, "dashboard-en.png", true);
  await page.context().close();
}
