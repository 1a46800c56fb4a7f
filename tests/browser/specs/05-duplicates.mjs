// Duplicates (issue 16): a registrar imports a file, then the same file again; the page
// shows the refusal and a confirmation, and only a confirmed second import goes through.

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

export async function run({ page: newPage, login, assert, base }) {
  const stamp = String(Date.now()).slice(-8);
  const code = (kind) => creditCode("9137130" + kind + stamp);
  const year = new Date().getFullYear();
  const csv = "\ufeff合同名称,合同类型,卖方统一社会信用代码,卖方名称,卖方类型,卖方所在地区,买方统一社会信用代码,买方名称,买方类型,买方所在地区,签订日期,合同成交额,技术交易额,技术领域,知识产权类型\r\n" +
    `重复导入测试-${stamp},技术服务,${code(7)},重复测试卖方-${stamp}有限公司,企业,320106,${code(8)},重复测试买方-${stamp}有限公司,企业,371302,${year}-01-20,300000.00,300000.00,电子信息,未涉及知识产权\r\n`;
  const file = { name: `重复导入-${stamp}.csv`, mimeType: "text/csv", buffer: Buffer.from(csv, "utf8") };

  const page = await newPage();
  await login(page, "demo-371302-a");
  const importOnce = async () => {
    await page.goto(base + "/import");
    await page.setInputFiles("#file", file);
    await page.click("#check");
  };
  await importOnce();
  await page.waitForSelector("#report:not([hidden])");
  await page.click("#commit-all");
  await page.waitForSelector("#imported:not([hidden])");
  assert.equal(await page.textContent("#i-count"), "1");

  // The same file again: refused before anything is written, with a confirmation offered.
  await importOnce();
  await page.waitForSelector("#duplicate-box:not([hidden])");
  const alert = await page.textContent("#import-form .form-alert");
  assert.ok(alert.includes("导入过") || alert.includes("imported before"), `the refusal says why: ${alert}`);
  await page.check("#confirm_duplicate");
  await page.click("#check");
  await page.waitForSelector("#report:not([hidden])");
  assert.equal(await page.textContent("#r-accepted"), "1");
  await page.click("#commit-all");
  await page.waitForSelector("#imported:not([hidden])");
  assert.equal(await page.textContent("#i-count"), "1");

  const count = await page.evaluate(async (q) => {
    const r = await fetch("/api/v1/contracts?q=" + encodeURIComponent(q));
    return (await r.json()).items.length;
  }, `重复导入测试-${stamp}`);
  assert.equal(count, 2, "imported twice, the second time confirmed");
  assert.deepEqual(page.errors.filter((e) => !e.startsWith("Failed to load resource")), [], "no script errors");
}
