// The auditor's pages (issue 7): open the review queue (largest first), open a contract's
// history, confirm it and see it leave the queue; open the chain status and verify now; browse
// the audit entries filtered by action; read the anomaly findings.
export async function run({ page: newPage, login, screenshot, assert, base }) {
  const onlyScriptErrors = (errors) => errors.filter((e) => !e.startsWith("Failed to load resource"));
  const page = await newPage();
  await login(page, "demo-auditor");

  // The review queue: registered, unreviewed, largest first.
  await page.goto(base + "/audit/queue");
  await page.waitForSelector('#queue[data-ready="true"]');
  const queue = await page.$$eval("#queue-rows tr[data-id]", (rows) => rows.map((r) => ({
    id: r.dataset.id,
    title: r.querySelector("td:nth-child(2)").textContent,
    wan: r.querySelector("td:nth-child(6)").textContent.replace(/,/g, ""),
  })));
  assert.ok(queue.length > 0, "the demo data leaves contracts to review");
  for (let i = 1; i < queue.length; i += 1) {
    assert.ok(Number(queue[i - 1].wan) >= Number(queue[i].wan), `largest first: ${queue[i - 1].wan} ≥ ${queue[i].wan}`);
  }
  const target = queue[0];

  // Its history: versions with their audit seq, and its audit entries.
  await page.click(`#queue-rows tr[data-id="${target.id}"] a.btn`);
  await page.waitForSelector('#contract[data-ready="true"]');
  assert.ok(page.url().endsWith(`/contracts/${target.id}#review`));
  assert.equal(await page.textContent("#c-title"), target.title);
  assert.ok((await page.$$("#versions tr")).length >= 1, "the versions are listed");
  assert.ok((await page.$$("#entries tr")).length >= 1, "the contract's audit entries are listed");
  await page.click("#entries tr:first-child details.payload summary");
  assert.match(await page.textContent("#entries tr:first-child details.payload pre"), /"contract_amount"|"command"|"id"/, "an entry's payload");
  assert.equal(await page.$eval("#contract", (el) => el.dataset.review), "unreviewed");
  assert.ok(await page.$("#review-box:not([hidden])"), "the review form is offered");

  // A dispute needs a note: refused without one, the message beside the note.
  await page.check("#rv-disputed");
  await page.click("#review-submit");
  await page.waitForSelector('[data-error-for="note"]:not([hidden])');
  assert.match(await page.textContent('[data-error-for="note"]'), /[\u4e00-\u9fff]/);
  // Confirm it.
  await page.check("#rv-confirmed");
  await page.fill("#rv-note", "浏览器测试：核对合同原件与登记信息一致");
  await page.click("#review-submit");
  await page.waitForSelector('#contract[data-review="confirmed"]');
  assert.ok(await page.$("#reviews .tag-confirmed"), "the review is in the history");
  assert.ok((await page.textContent("#entries")).includes("contract.review"), "and in the contract's audit entries");

  // It left the queue.
  await page.goto(base + "/audit/queue");
  await page.waitForSelector('#queue[data-ready="true"]');
  assert.equal(await page.$(`#queue-rows tr[data-id="${target.id}"]`), null, "the confirmed contract left the queue");

  // Chain status: the latest checkpoint, then verify now.
  await page.click(".tabs a[href='/audit']");
  await page.waitForSelector('#chain[data-ready="true"]');
  assert.match(await page.textContent("#cp-size"), /^\d+$/);
  assert.match(await page.textContent("#cp-head"), /^[0-9a-f]{64}$/);
  await page.click("#verify");
  await page.waitForSelector("#verify-result:not([hidden])", { timeout: 60000 });
  assert.equal(await page.$eval("#verify-result", (el) => el.dataset.ok), "true", await page.textContent("#verify-verdict"));
  assert.ok((await page.$$("#v-rows tr")).length > 1, "the reconciliation lists its tables");
  assert.equal(await page.getAttribute("a[href='/api/v1/audit/export']", "download"), "techledger-audit.jsonl");
  assert.ok(await page.$("a[href='/.well-known/jwks.json']"));
  assert.equal(await page.$("#rotate"), null, "only admins rotate keys");
  await page.setViewportSize({ width: 1366, height: 1000 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, "audit.png");
  await page.setViewportSize({ width: 1366, height: 768 });

  // The entries browser filtered by action.
  await page.click(".tabs a[href='/audit/entries']");
  await page.waitForSelector('#entries-browser[data-ready="true"]');
  await page.fill("#e-action", "contract.review");
  await Promise.all([page.waitForNavigation(), page.press("#e-action", "Enter")]);
  await page.waitForSelector('#entries-browser[data-ready="true"]');
  const actions = await page.$$eval("#entry-rows tr[data-seq]", (rows) => rows.map((r) => r.dataset.action));
  assert.ok(actions.length > 0 && actions.every((a) => a === "contract.review"), JSON.stringify(actions));
  // The newest of them, ours among them, each expandable to its payload.
  await page.click("#latest");
  await page.waitForSelector('#entries-browser[data-ready="true"]');
  const ours = `#entry-rows tr[data-seq] a[href="/contracts/${target.id}"]`;
  await page.waitForSelector(ours);
  const row = await page.$eval(ours, (a) => a.closest("tr").dataset.seq);
  await page.click(`#entry-rows tr[data-seq="${row}"] button.expand`);
  const payload = await page.textContent(`#payload-${row} pre`);
  assert.match(payload, /"confirmed"/);
  assert.match(payload, /浏览器测试/);

  // Anomalies: the planted findings, each naming its contracts.
  await page.goto(base + "/anomalies");
  await page.waitForSelector('#anomalies[data-ready]');
  assert.equal(await page.$eval("#anomalies", (el) => el.dataset.ready), "true", await page.textContent("#anom-status"));
  const findings = await page.$$eval("#findings article", (els) => els.map((e) => ({ rule: e.dataset.rule, contracts: e.querySelectorAll("tbody a").length })));
  assert.ok(findings.length > 0 && findings.every((f) => f.contracts > 0), JSON.stringify(findings));

  // English with the switch.
  await page.click(".lang-switch");
  await page.waitForSelector('#anomalies[data-ready]');
  assert.equal(await page.textContent("h1"), "Anomalies");
  await page.click(".lang-switch");
  assert.deepEqual(onlyScriptErrors(page.errors), [], "no script errors");
  await page.context().close();
}
