// The particulars registration offices expect (issue 16), entered on the registrar's form: the
// parties' own contract number, the new seller's legal representative, each side's contact
// with a telephone number, and the technical amount's split — asked for only where the type
// has one. A mistyped telephone number is named beside its field; the contract page then shows
// every particular. In Chinese at 1366 px, in English on a 390 px phone without sideways scroll.

import { creditCode } from "../submission-helpers.mjs";

const LANGS = [
  { lang: "zh", width: 1366, height: 768, contractNo: "合同编号（当事人）", legal: "法定代表人" },
  { lang: "en", width: 390, height: 844, contractNo: "Parties' contract no.", legal: "Legal representative" },
];

export async function run({ page: newPage, login, screenshot, assert, base }) {
  const year = new Date().getFullYear();
  for (const [i, l] of LANGS.entries()) {
    const stamp = String(Date.now()).slice(-7) + i;
    const a = await newPage(l.width, l.height);
    await login(a, "demo-371302-a");
    await a.goto(`${base}/contracts/new?lang=${l.lang}`);
    await a.waitForSelector('#contract-form[data-ready="true"]');
    await a.evaluate(() => sessionStorage.clear());

    // The split follows the type: hidden for a consulting contract, shown for development.
    await a.selectOption("#contract_type", "consulting");
    assert.ok(await a.isHidden("#split-fields"), `${l.lang}: no split for consulting`);
    await a.selectOption("#contract_type", "development");
    assert.ok(await a.isVisible("#split-fields"), `${l.lang}: the split is asked for development`);

    await a.fill("#title", `细项测试合同-${stamp}`);
    await a.fill("#signed_on", `${year}-02-20`);
    await a.fill("#contract_amount", "600000.00");
    await a.fill("#technical_amount", "500000.00");
    await a.selectOption("#tech_field", "advanced_manufacturing");
    await a.selectOption("#ip_type", "patent");
    await a.click('fieldset[data-side="seller"] .party-new-open');
    await a.fill("#seller-name", `细项测试卖方${stamp}有限公司`);
    await a.selectOption("#seller-kind", "enterprise");
    await a.fill("#seller-credit_code", creditCode(Number(stamp)));
    await a.fill("#seller-legal_representative", "王法人");
    await a.waitForSelector('#seller-province option[value="370000"]', { state: "attached" });
    await a.selectOption("#seller-province", "370000");
    await a.waitForSelector('#seller-city option[value="371300"]', { state: "attached" });
    await a.selectOption("#seller-city", "371300");
    await a.waitForSelector('#seller-county option[value="371302"]', { state: "attached" });
    await a.selectOption("#seller-county", "371302");
    await a.fill("#buyer-search", "临沂");
    await a.waitForSelector("#buyer-results [role=option]");
    await a.press("#buyer-search", "ArrowDown");
    await a.press("#buyer-search", "Enter");
    await a.waitForSelector('fieldset[data-side="buyer"] .party-chosen:not([hidden])');

    await a.fill("#party_contract_no", `LY-${stamp}`);
    await a.fill("#seller_contact-name", "李联系");
    await a.fill("#seller_contact-phone", "12345");
    await a.fill("#buyer_contact-name", "赵联系");
    await a.fill("#buyer_contact-phone", "0539-8123456");
    await a.fill("#split-principal", "400000.00");
    await a.fill("#split-related", "100000.00");

    // A telephone number that is none: named beside its field, nothing registered.
    await a.click("#submit");
    await a.waitForSelector('[data-error-for="seller_contact.phone"]:not([hidden])');
    assert.ok((await a.textContent('[data-error-for="seller_contact.phone"]')).trim().length > 0);
    assert.ok(await a.isHidden("#result"), `${l.lang}: nothing registered with a bad phone`);

    await a.fill("#seller_contact-phone", "13812345678");
    if (l.lang === "zh") {
      await a.locator("#particulars").scrollIntoViewIfNeeded();
      await screenshot(a, "particulars-form.png");
    }
    await a.click("#submit");
    await a.waitForSelector("#result:not([hidden])");
    const id = await a.$eval("#result", (el) => el.dataset.id);
    assert.ok(id, "registered");

    // The contract page shows every particular.
    await a.goto(`${base}/contracts/${id}?lang=${l.lang}`);
    await a.waitForSelector("#c-parties .party-box");
    const facts = await a.textContent("#c-facts");
    assert.ok(facts.includes(l.contractNo) && facts.includes(`LY-${stamp}`), `${l.lang}: contract no.: ${facts}`);
    assert.ok(facts.includes("400,000.00") && facts.includes("100,000.00"), `${l.lang}: the split: ${facts}`);
    const parties = await a.textContent("#c-parties");
    for (const text of [l.legal, "王法人", "李联系", "13812345678", "赵联系", "0539-8123456"]) {
      assert.ok(parties.includes(text), `${l.lang}: ${text} on the contract page: ${parties}`);
    }
    const fits = await a.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    assert.ok(fits, `${l.lang}: no sideways scroll at ${l.width} px`);
    if (l.lang === "en") await screenshot(a, "particulars-contract-phone.png", true);
    await a.close();
  }
}
