// The registrar's pages (issue 8): register a contract with a new seller created inline and
// see its registration number; submit three bad fields and see all three messages beside their
// fields, nothing typed lost; register a large contract and see it pending; approve it as the
// second registrar of the office; import a CSV with one bad row (dry run, then the good rows
// only); find all of them in the contract list.

/** A unified social credit code from its first 16 characters (digits at 9–16), check
 *  characters computed as GB 32100 / GB 11714 do. */
function creditCode(first16) {
  const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  const values = [...first16].map((c) => alphabet.indexOf(c));
  const orgWeights = [3, 7, 9, 10, 5, 8, 4, 2];
  const orgSum = values.slice(8, 16).reduce((s, v, i) => s + v * orgWeights[i], 0);
  const org = 11 - (orgSum % 11);
  const orgChar = org === 10 ? "X" : org === 11 ? "0" : String(org);
  values.push(alphabet.indexOf(orgChar));
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const sum = values.reduce((s, v, i) => s + v * weights[i], 0);
  return first16 + orgChar + alphabet[(31 - (sum % 31)) % 31];
}

/** A credit code whose last check character is wrong. */
function badCheck(code) {
  const last = code[17] === "1" ? "2" : "1";
  return code.slice(0, 17) + last;
}

export async function run({ page: newPage, login, screenshot, assert, base }) {
  const stamp = String(Date.now()).slice(-8);
  const code = (kind) => creditCode("9137130" + kind + stamp);
  const year = new Date().getFullYear();
  const signed = `${year}-01-15`;
  const onlyScriptErrors = (errors) => errors.filter((e) => !e.startsWith("Failed to load resource"));

  const a = await newPage();
  await login(a, "demo-371302-a");
  await a.goto(base + "/contracts/new");
  await a.waitForSelector('#contract-form[data-ready="true"]');
  await a.evaluate(() => sessionStorage.clear());

  /** Picks an existing party for `side` by typing `text` and taking the first match. */
  async function pickParty(side, text) {
    await a.fill(`#${side}-search`, text);
    await a.waitForSelector(`#${side}-results [role=option]`);
    await a.press(`#${side}-search`, "ArrowDown");
    await a.press(`#${side}-search`, "Enter");
    await a.waitForSelector(`fieldset[data-side="${side}"] .party-chosen:not([hidden])`);
    return a.textContent(`fieldset[data-side="${side}"] .party-name`);
  }

  /** Fills the contract fields (not the parties). */
  async function fillContract({ title, amount, technical }) {
    await a.selectOption("#contract_type", "development");
    assert.deepEqual(
      await a.$$eval("#subtype option", (os) => os.map((o) => o.value)),
      ["", "commissioned", "cooperative"],
      "sub-types follow the type",
    );
    await a.selectOption("#subtype", "commissioned");
    await a.fill("#title", title);
    await a.fill("#signed_on", signed);
    await a.fill("#contract_amount", amount);
    await a.fill("#technical_amount", technical);
    await a.selectOption("#tech_field", "advanced_manufacturing");
    await a.selectOption("#ip_type", "patent");
  }

  // 1. A contract with a new seller created inline (region 山东省 → 济南市 → 历下区).
  const sellerName = `浏览器测试卖方${stamp}科技有限公司`;
  await fillContract({ title: `浏览器登记合同甲-${stamp}`, amount: "1250000.00", technical: "1000000.00" });
  assert.equal(await a.textContent("#contract_amount-wan"), "= 125.00 万元", "万元 shown live");
  assert.equal(await a.textContent("#technical_amount-wan"), "= 100.00 万元");
  await a.click('fieldset[data-side="seller"] .party-new-open');
  await a.fill("#seller-name", sellerName);
  await a.selectOption("#seller-kind", "enterprise");
  await a.fill("#seller-credit_code", code(1));
  await a.waitForSelector('#seller-province option[value="370000"]', { state: "attached" });
  await a.selectOption("#seller-province", "370000");
  await a.waitForSelector('#seller-city option[value="370100"]', { state: "attached" });
  await a.selectOption("#seller-city", "370100");
  await a.waitForSelector('#seller-county option[value="370102"]', { state: "attached" });
  await a.selectOption("#seller-county", "370102");
  const buyerName = await pickParty("buyer", "临沂");
  assert.ok(buyerName.includes("临沂"), buyerName);
  // The answer to the first submit is lost on the way back (the server did register it)…
  let dropped = false;
  await a.route("**/api/v1/contracts", async (route) => {
    if (dropped || route.request().method() !== "POST") return route.continue();
    dropped = true;
    await route.fetch();
    await route.abort("connectionreset");
  });
  await a.press("#title", "Enter"); // Enter submits
  await a.waitForSelector("#contract-form .form-alert:not([hidden])");
  assert.equal(await a.inputValue("#title"), `浏览器登记合同甲-${stamp}`, "nothing typed is lost");
  await a.unroute("**/api/v1/contracts");
  // …so the clerk submits again, with a double click: the same key, registered once.
  await a.dblclick("#submit");
  await a.waitForSelector("#result:not([hidden])");
  assert.match(await a.textContent("#result-note"), /没有重复登记/, "the resubmit was answered with the first registration");
  const first = await a.$eval("#result", (el) => ({ status: el.dataset.status, id: el.dataset.id, number: document.getElementById("result-number").textContent }));
  assert.equal(first.status, "registered");
  assert.match(first.number, new RegExp(`^${year}371302\\d{6}$`), "the registration number is shown");

  // 2. Three bad fields: all three messages beside their fields, in Chinese.
  await a.click("#result-again");
  await a.waitForSelector("#contract-form:not([hidden])");
  await fillContract({ title: "", amount: "300000.00", technical: "350000.00" });
  await a.click('fieldset[data-side="seller"] .party-new-open');
  await a.fill("#seller-name", `浏览器测试卖方乙${stamp}有限公司`);
  await a.selectOption("#seller-kind", "enterprise");
  await a.fill("#seller-credit_code", badCheck(code(2)));
  await a.waitForSelector('#seller-province option[value="310000"]', { state: "attached" });
  await a.selectOption("#seller-province", "310000");
  await a.waitForSelector('#seller-city option[value="310115"]', { state: "attached" });
  await a.selectOption("#seller-city", "310115");
  await pickParty("buyer", "临沂");
  await a.click("#submit");
  for (const field of ["title", "seller.credit_code", "technical_amount"]) {
    const slot = `[data-error-for="${field}"]`;
    await a.waitForSelector(slot + ":not([hidden])");
    const text = await a.textContent(slot);
    assert.match(text, /[\u4e00-\u9fff]/, `${field}: a Chinese message (${text})`);
    assert.ok(await a.$eval(slot, (el) => el.closest(".field").classList.contains("invalid")), `${field} is marked`);
  }
  assert.equal(await a.$$eval(".field.invalid", (els) => els.length), 3, "exactly the three bad fields are marked");
  assert.equal(await a.inputValue("#contract_amount"), "300000.00", "nothing typed is lost");
  assert.equal(await a.inputValue("#seller-name"), `浏览器测试卖方乙${stamp}有限公司`);
  await a.setViewportSize({ width: 1366, height: 1500 });
  await screenshot(a, "contract-form.png");
  await a.setViewportSize({ width: 1366, height: 768 });
  // Corrected, the same form registers.
  await a.fill("#title", `浏览器登记合同乙-${stamp}`);
  await a.fill("#seller-credit_code", code(2));
  await a.fill("#technical_amount", "250000.00");
  await a.click("#submit");
  await a.waitForSelector("#result:not([hidden])");
  assert.equal(await a.$eval("#result", (el) => el.dataset.status), "registered");

  // 3. A large contract (technical amount ≥ 5,000,000.00) is pending.
  await a.click("#result-again");
  await a.waitForSelector("#contract-form:not([hidden])");
  await fillContract({ title: `浏览器大额合同-${stamp}`, amount: "6500000.00", technical: "6000000.00" });
  await pickParty("seller", sellerName);
  await pickParty("buyer", "临沂");
  await a.click("#submit");
  await a.waitForSelector("#result:not([hidden])");
  const large = await a.$eval("#result", (el) => ({ status: el.dataset.status, id: el.dataset.id, number: document.getElementById("result-number").textContent }));
  assert.equal(large.status, "pending");
  assert.equal(large.number, "待复核");
  // Its author sees it in the queue, but may not approve it.
  await a.goto(base + "/approvals");
  await a.waitForSelector('#approvals[data-ready="true"]');
  const own = `tr[data-id="${large.id}"]`;
  assert.ok(await a.$(own + " .own-note"), "one's own pending contract says why it cannot be approved");
  assert.equal(await a.$(own + " button.approve"), null);

  // 4. The second registrar of the office approves it.
  const b = await newPage();
  await login(b, "demo-371302-b");
  await b.goto(base + "/approvals");
  await b.waitForSelector('#approvals[data-ready="true"]');
  // Approving asks first, naming the contract and its technical amount.
  const asked = [];
  b.on("dialog", (d) => { asked.push(d.message()); d.accept(); });
  await b.click(`tr[data-id="${large.id}"] button.approve`);
  await b.waitForSelector(`tr[data-id="${large.id}"].decided`);
  const approvedNo = (await b.textContent(`tr[data-id="${large.id}"] .reg-no-small`)).trim();
  assert.match(approvedNo, new RegExp(`^${year}371302\\d{6}$`));
  assert.equal(asked.length, 1, "one confirmation");
  assert.ok(asked[0].includes(`浏览器大额合同-${stamp}`) && asked[0].includes("600.00 万元"), asked[0]);
  assert.deepEqual(onlyScriptErrors(b.errors), [], "no script errors (second registrar)");
  await b.context().close();

  // 5. Import a CSV with one bad row: dry run, then the good rows only.
  const header = "合同名称,合同类型,合同子类型,卖方统一社会信用代码,卖方名称,卖方类型,卖方所在地区,卖方国家,买方统一社会信用代码,买方名称,买方类型,买方所在地区,买方国家,签订日期,有效期至,合同成交额,技术交易额,技术领域,知识产权类型";
  // The third row names the first row's buyer (same credit code) under another name: it is
  // imported against the recorded buyer, with a warning.
  const row = (n, seller, technical, buyerName = `浏览器导入买方-${stamp}有限公司`) => [`浏览器导入合同${n}-${stamp}`, "技术服务", "一般技术服务", seller, `浏览器导入卖方${n}-${stamp}有限公司`, "企业", "320106", "",
    code(5), buyerName, "企业", "371302", "", signed, "", "200000.00", technical, "电子信息", "计算机软件著作权"].join(",");
  const csv = "\ufeff" + [header, row(1, code(3), "180000.00"), row(2, code(4), "一百万"), row(3, code(6), "150000.00", `浏览器导入买方别名-${stamp}`)].join("\r\n") + "\r\n";
  await a.goto(base + "/import");
  await a.setInputFiles("#file", { name: `浏览器导入-${stamp}.csv`, mimeType: "text/csv", buffer: Buffer.from(csv, "utf8") });
  await a.click("#check");
  await a.waitForSelector("#report:not([hidden])");
  assert.equal(await a.textContent("#r-rows"), "3");
  assert.equal(await a.textContent("#r-accepted"), "2");
  assert.equal(await a.textContent("#r-rejected"), "1");
  const bad = await a.$$eval("#rejected tr", (rows) => rows.map((r) => ({ row: r.dataset.row, text: r.textContent })));
  assert.ok(bad.length >= 1 && bad.every((r) => r.row === "3"), `the bad row is spreadsheet row 3: ${JSON.stringify(bad)}`);
  assert.ok(bad.some((r) => r.text.includes("technical_amount")), "the bad field is named");
  assert.ok(await a.$eval("#commit-all", (el) => el.disabled), "no import-all while a row is rejected");
  assert.ok(await a.isVisible("#warnings-wrap"), "the name mismatch is shown");
  const warned = await a.$$eval("#warnings tr", (rows) => rows.map((r) => ({ row: r.dataset.row, text: r.textContent })));
  assert.ok(warned.length === 1 && warned[0].row === "4" && warned[0].text.includes("buyer.name") && warned[0].text.includes(`浏览器导入买方-${stamp}有限公司`),
    `one warning, for spreadsheet row 4's buyer name, quoting the recorded name: ${JSON.stringify(warned)}`);
  await screenshot(a, "import-report.png");
  await a.click("#commit-good");
  await a.waitForSelector("#imported:not([hidden])");
  assert.equal(await a.textContent("#i-count"), "2");

  // 6. All of them in the contract list, with the export of exactly that list.
  await a.goto(base + "/contracts?q=" + encodeURIComponent(stamp));
  await a.waitForSelector('#contract-list[data-ready="true"]');
  const listed = await a.$$eval("#rows tr", (rows) => rows.map((r) => ({
    title: r.querySelector("td:nth-child(2)").textContent,
    number: r.querySelector("td:nth-child(1)").textContent,
    status: r.querySelector("td:nth-child(10) .tag").className,
  })));
  const titles = listed.map((r) => r.title).sort();
  assert.deepEqual(titles, [
    `浏览器大额合同-${stamp}`,
    `浏览器导入合同1-${stamp}`,
    `浏览器导入合同3-${stamp}`,
    `浏览器登记合同乙-${stamp}`,
    `浏览器登记合同甲-${stamp}`,
  ], "the four registered through the form and the import, and the approved large one");
  assert.ok(listed.every((r) => /^\d{16}$/.test(r.number) && r.status.includes("tag-registered")), JSON.stringify(listed));
  assert.ok(listed.some((r) => r.number === first.number) && listed.some((r) => r.number === approvedNo));
  assert.equal(await a.getAttribute("#export", "href"), "/api/v1/contracts.csv?q=" + stamp);
  const exported = await a.evaluate(async (href) => (await fetch(href, { credentials: "same-origin" })).text(), "/api/v1/contracts.csv?q=" + stamp);
  assert.equal(exported.trim().split("\n").length, 1 + 5, "the CSV holds exactly the listed contracts");

  // English with the switch.
  await a.goto(base + "/contracts/new");
  await a.click(".lang-switch");
  await a.waitForSelector('#contract-form[data-ready="true"]');
  assert.equal(await a.textContent("label[for=contract_type]"), "Contract type *");
  await a.click(".lang-switch");
  assert.deepEqual(onlyScriptErrors(a.errors), [], "no script errors");
  await a.context().close();
}
